//! Whether a message asks for the blank referral form, by its words: the
//! subject ("Form", "Referral form", "DTR form please") or the first lines
//! of its own text ("please can you send me the referral form?").

use regex::Regex;
use std::sync::LazyLock;

/// The words a subject asking for the form is made of, and nothing else:
/// a subject that names a person or an offence is never a request.
const SUBJECT_WORDS: [&str; 34] = [
    "form",
    "forms",
    "template",
    "blank",
    "empty",
    "new",
    "referral",
    "referrals",
    "dtr",
    "duty",
    "to",
    "refer",
    "please",
    "pls",
    "request",
    "requested",
    "requesting",
    "for",
    "a",
    "the",
    "your",
    "copy",
    "of",
    "send",
    "me",
    "us",
    "can",
    "i",
    "have",
    "need",
    "needed",
    "another",
    "latest",
    "current",
];

/// Words that say something is attached: a subject naming the form over
/// such a text is a referral whose form went missing, not a request.
const ATTACHED: [&str; 5] = ["attached", "attach", "attaching", "attachment", "enclosed"];

/// How many of the text's first non-empty lines are read for a request.
const FIRST_LINES: usize = 4;

/// The phrases of a request in the text: asking to be sent the form, or to
/// have it.
static REQUEST: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let form = r"(?:(?:a|the|your|another|a\s+copy\s+of(?:\s+(?:the|your))?)\s+)?(?:(?:blank|empty|new|latest|current)\s+)?(?:(?:duty\s+to\s+refer|dtr|referral|refer)\s+)*(?:form|template)s?\b";
    let pattern = format!(
        r"(?i)\b(?:(?:please|pls|kindly|can\s+you|could\s+you|would\s+you|will\s+you)\b[^.?!\n]{{0,30}}?\b(?:send|e-?mail|forward|provide|share)(?:\s+(?:me|us|over|across|on))?\s+{form}|(?:can|could|may)\s+(?:i|we)\s+(?:please\s+)?(?:have|get|request)\s+{form}|(?:i|we)(?:\s+would\s+like|\s+need|\s+require|'d\s+like)\s+{form}|request(?:ing)?\s+(?:for\s+)?{form})"
    );
    Regex::new(&pattern).ok()
});

/// Whether a message with this subject and own text (above any quote) asks
/// for the blank form.
pub fn asks_for_blank_form(subject: Option<&str>, own_text: &str) -> bool {
    let first_lines: Vec<&str> = own_text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(FIRST_LINES)
        .collect();
    let first_lines = first_lines.join("\n");
    let asks_in_text = REQUEST.as_ref().is_some_and(|r| r.is_match(&first_lines));
    // The whole text, word by word: only when the subject asks.
    let speaks_of_attachment = || words(own_text).any(|w| ATTACHED.contains(&w.as_str()));
    asks_in_text || (subject.is_some_and(subject_asks) && !speaks_of_attachment())
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// A subject of request words only, one of them the form's.
fn subject_asks(subject: &str) -> bool {
    let words: Vec<String> = words(subject).collect();
    words
        .iter()
        .any(|w| matches!(w.as_str(), "form" | "forms" | "template"))
        && words.iter().all(|w| SUBJECT_WORDS.contains(&w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASKS: &str =
        "Hello, please can you send me your Duty to Refer referral form? Thanks, Alex";

    #[test]
    fn subjects_asking_for_the_form() {
        for subject in [
            "Form",
            "form.",
            "Template",
            "Referral form",
            "DTR form please",
            "Blank referral form",
            "form request",
            "Duty to Refer form?",
            "Request for DTR referral form",
        ] {
            assert!(asks_for_blank_form(Some(subject), "Thanks"), "{subject}");
        }
    }

    #[test]
    fn subjects_that_are_referrals_or_something_else() {
        for subject in [
            "DTR referral",
            "Duty to Refer referral - John Smith",
            "Referral form - John Smith",
            "Form for J Smith",
            "Meeting",
            "",
        ] {
            assert!(!asks_for_blank_form(Some(subject), "Thanks"), "{subject}");
        }
        assert!(!asks_for_blank_form(None, "Thanks"));
        // The form named over a text that says it is attached: a referral
        // whose form went missing.
        assert!(!asks_for_blank_form(
            Some("DTR referral form"),
            "Please find attached the DTR referral form for Mr Smith."
        ));
    }

    #[test]
    fn first_lines_asking_for_the_form() {
        for text in [
            ASKS,
            "Hi,\nPlease send the form.\nThanks",
            "Could I have a blank referral form please?",
            "Can you email me a copy of the DTR form",
            "We need a referral form for a man leaving HMP Chelmsford.",
            "Hello\n\nCould you please forward the Duty to Refer form to me?",
        ] {
            assert!(asks_for_blank_form(Some("Hello"), text), "{text}");
        }
    }

    #[test]
    fn texts_that_ask_nothing() {
        for text in [
            "Please find attached the DTR referral form.",
            "I am sending the form today.",
            "The form is below.",
            // Past the first lines a request is someone else's words.
            "a\nb\nc\nd\nPlease send the form.",
        ] {
            assert!(!asks_for_blank_form(Some("DTR referral"), text), "{text}");
        }
    }
}
