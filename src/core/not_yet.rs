//! Answers that say there is no answer yet: `TBC`, `N/A`, `not known`,
//! `awaiting …`. A date, a lead officer or a form's value so given is a
//! question still open, never a value.

/// The words such an answer opens with.
const NOT_YET: [&str; 16] = [
    "tbc",
    "tba",
    "tbd",
    "n/a",
    "to be confirmed",
    "to be decided",
    "to be allocated",
    "to follow",
    "unknown",
    "not known",
    "not yet",
    "awaiting",
    "pending",
    "none",
    "nobody",
    "no one",
];

/// The answer opens with words that say it is not known, not given or not
/// decided yet (`TBC (parole hearing 12/01/2027)`, `N/A`, `Awaiting
/// allocation`), as a word of its own.
pub fn opens_with_not_yet(text: &str) -> bool {
    let lowered = text.trim().to_lowercase();
    let lowered = lowered.trim_start_matches(|c: char| !c.is_alphanumeric());
    NOT_YET.iter().any(|w| {
        lowered
            .strip_prefix(w)
            .is_some_and(|rest| rest.chars().next().is_none_or(|c| !c.is_alphanumeric()))
    })
}

/// The whole answer is such words (`N/A`, `TBC.`, `(none)`): nothing else
/// is said.
pub fn is_not_yet(text: &str) -> bool {
    let v = text.trim().to_lowercase();
    let v = v.trim_matches(|c: char| matches!(c, '.' | '(' | ')' | ' '));
    NOT_YET.contains(&v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_yet_as_people_write_it() {
        for text in [
            "TBC",
            "tbc - will confirm Monday",
            "N/A",
            "(TBC)",
            "Awaiting parole board",
            "Not yet allocated",
            "none",
        ] {
            assert!(opens_with_not_yet(text), "{text}");
        }
        for text in ["Tbcxyz", "Nonesuch Smith", "12/01/2027", "Jo Officer"] {
            assert!(!opens_with_not_yet(text), "{text}");
        }
        assert!(is_not_yet("(N/A)") && is_not_yet("TBC."));
        assert!(!is_not_yet("TBC (parole hearing 12/01/2027)"));
    }
}
