//! An answer in a case's thread saying that the person has withdrawn their
//! consent to the referral: `He has withdrawn his consent`, `Consent
//! withdrawn`, `She no longer consents to the referral`, `He does not want
//! to be referred any more`, `Consent to referral: No`.
//!
//! Only a statement counts. A question (`Has he withdrawn consent?`), a
//! condition (`if he withdraws consent, let us know`), a denial (`he has
//! not withdrawn consent`) or a disclaimer in a signature (`you may
//! withdraw consent at any time`) says nothing of the case: a withdrawal
//! read where none was written would close a person's case.

use super::field::normalise_label;

/// What a case closed by a withdrawal keeps as its outcome's note.
pub const OUTCOME: &str = "consent withdrawn";

/// Verbs that take consent back, by their stems: `withdrawn`, `withdrew`,
/// `revoked`, `retracted`, `refused`, `declined`, `rescinded`.
const TAKING_BACK: [&str; 6] = ["withdr", "revok", "retract", "refus", "declin", "rescind"];

/// Words that may stand between such a verb and `consent` before it
/// (`refused to give his consent`).
const BEFORE_CONSENT: [&str; 12] = [
    "his", "her", "their", "the", "all", "any", "this", "previous", "earlier", "own", "to", "give",
];

/// Words that may stand between `consent` and such a verb after it
/// (`consent to the referral has now been withdrawn`).
const BETWEEN_PASSIVE: [&str; 17] = [
    "to", "the", "this", "his", "her", "their", "referral", "refer", "dtr", "duty", "has", "have",
    "had", "was", "is", "now", "been",
];

/// The words a consent label is made of (`Consent to referral`, `Consent
/// given`, `Consent withdrawn`); `Consent to share health information` is
/// another consent.
const CONSENT_LABEL: [&str; 14] = [
    "consent", "to", "the", "referral", "referred", "refer", "given", "obtained", "status", "for",
    "duty", "dtr", "being", "made",
];

/// Words that make what follows them hypothetical, asked or someone
/// else's rule: the sentence states nothing of this case.
const HYPOTHETICAL: [&str; 17] = [
    "if", "whether", "should", "may", "might", "can", "could", "would", "unless", "will", "right",
    "able", "ask", "asked", "asking", "check", "confirm",
];

/// Words that deny what follows them.
const DENIALS: [&str; 4] = ["not", "never", "nor", "no"];

/// Whether the answer's own lines say the person's consent is withdrawn.
pub fn withdraws_consent(own: &[&str]) -> bool {
    own.iter().any(|line| labelled_no(line)) || sentences(own).iter().any(|s| states(s))
}

/// `Consent: No`, `Consent to referral - withdrawn`, `Consent withdrawn:
/// Yes`: the form's consent line written again in the answer, saying no.
fn labelled_no(line: &str) -> bool {
    let line = line.trim().trim_start_matches(['>', '*', '-', '•', ' ']);
    let Some((label, value)) = line
        .split_once(':')
        .or_else(|| line.split_once(" - "))
        .or_else(|| line.split_once(" – "))
    else {
        return false;
    };
    let label = normalise_label(label.trim_matches(['*', '_', ' ']));
    let words: Vec<&str> = label.split_whitespace().collect();
    if words.first() != Some(&"consent")
        || !words.iter().all(|w| {
            CONSENT_LABEL.contains(w) || is_taking_back(w) || matches!(*w, "yes" | "or" | "no")
        })
    {
        return false;
    }
    let value = value.trim().trim_matches(['*', '_', ' ']).to_lowercase();
    let value_words: Vec<&str> = value
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let withdrawn_label = words.iter().any(|w| is_taking_back(w));
    match value_words.as_slice() {
        // `Consent withdrawn: Yes`.
        ["yes", ..] => withdrawn_label,
        // `Consent: No`, `Consent: No - he has changed his mind`; but
        // `Consent: no change` and `Consent: no problem` keep it.
        ["no"] => true,
        ["no", next, ..] => !matches!(
            *next,
            "change"
                | "changes"
                | "changed"
                | "problem"
                | "problems"
                | "issue"
                | "issues"
                | "update"
                | "updates"
                | "concerns"
        ),
        [first, ..] => is_taking_back(first) && !withdrawn_label,
        [] => false,
    }
}

/// The answer's sentences, lower case, apostrophes made plain, each with
/// how it ends (`?` asks).
fn sentences(own: &[&str]) -> Vec<String> {
    let text = own
        .iter()
        .map(|l| l.trim().trim_start_matches('>'))
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .replace(['’', '‘'], "'");
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        current.push(c);
        if matches!(c, '.' | '!' | '?' | ';') {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    out
}

fn is_taking_back(word: &str) -> bool {
    TAKING_BACK.iter().any(|stem| word.starts_with(stem))
}

fn is_denial(word: &str) -> bool {
    DENIALS.contains(&word) || word.ends_with("n't") || word == "cannot"
}

/// A sentence that states a withdrawal: a verb taking consent back within
/// a few words of `consent`, or the person not (or no longer) consenting
/// or wanting the referral, with nothing before it that denies, asks or
/// supposes.
fn states(sentence: &str) -> bool {
    if sentence.trim_end().ends_with('?') || sentence.contains("at any time") {
        return false;
    }
    let words: Vec<&str> = sentence
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    for (i, word) in words.iter().enumerate() {
        if let Some(start) = withdrawal_at(&words, i, word) {
            // Nothing before the statement may deny, ask or suppose it:
            // `he has not withdrawn consent`, `if he withdraws consent`.
            let before = &words[..start];
            if before
                .iter()
                .any(|w| is_denial(w) || HYPOTHETICAL.contains(w))
            {
                return false;
            }
            // `He withdrew consent but has since given it again`.
            let after = words[i + 1..].join(" ");
            if [
                "again",
                "reconsider",
                "changed his mind",
                "changed her mind",
                "changed their mind",
            ]
            .iter()
            .any(|w| after.contains(w))
            {
                return false;
            }
            return true;
        }
    }
    false
}

/// Where the statement of a withdrawal that `word` (at `i`) completes
/// begins, if it does.
fn withdrawal_at(words: &[&str], i: usize, word: &str) -> Option<usize> {
    if word.starts_with("consent") {
        // `withdrawn his consent`, `refused to give consent`: the verb a
        // few words before, with only such words between.
        if let Some(at) = (i.saturating_sub(4)..i)
            .rev()
            .take_while(|&j| is_taking_back(words[j]) || BEFORE_CONSENT.contains(&words[j]))
            .find(|&j| is_taking_back(words[j]))
        {
            return Some(at);
        }
        // `consent to the referral has now been withdrawn`.
        if words[i + 1..]
            .iter()
            .take(8)
            .take_while(|w| is_taking_back(w) || BETWEEN_PASSIVE.contains(w))
            .any(|w| is_taking_back(w))
        {
            return Some(i);
        }
        // `he does not consent`, `he no longer consents`, `she didn't
        // consent to it`: the person's own denial, as a verb.
        if word != "consent" && word != "consents" && word != "consented" {
            return None;
        }
        let prev = i.checked_sub(1).map(|p| words[p]);
        let prev2 = i.checked_sub(2).map(|p| words[p]);
        if prev2 == Some("no") && prev == Some("longer") {
            return Some(i - 2);
        }
        if let (Some(p2), Some("not")) = (prev2, prev) {
            if matches!(p2, "does" | "did" | "do") {
                return Some(i - 2);
            }
        }
        if prev.is_some_and(|p| matches!(p, "doesn't" | "didn't" | "don't")) {
            return Some(i - 1);
        }
        return None;
    }
    // `he no longer wants to be referred`, `she does not wish to be
    // referred`, `no longer wishes to proceed with the referral`.
    if word == "referred" || word == "referral" {
        let from = i.saturating_sub(7);
        let before = &words[from..i];
        let wants = before
            .iter()
            .position(|w| w.starts_with("want") || w.starts_with("wish"))?;
        let negation = before[..wants]
            .iter()
            .rposition(|w| matches!(*w, "longer" | "not") || w.ends_with("n't"))?;
        // The denial belongs to the wanting: `no longer`, `does not`,
        // `doesn't`, right before it.
        if wants - negation > 2 {
            return None;
        }
        // `no longer` starts at `no`, which is not a denial of the
        // statement but part of it.
        let start = if before[negation] == "longer" && negation >= 1 && before[negation - 1] == "no"
        {
            from + negation - 1
        } else {
            from + negation
        };
        return Some(start.min(i));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn says(text: &str) -> bool {
        let lines: Vec<&str> = text.lines().collect();
        withdraws_consent(&lines)
    }

    #[test]
    fn statements_of_a_withdrawal_are_read() {
        for text in [
            "Hi Jo,\nMr Whitmore has withdrawn his consent to the referral.\nThanks",
            "He withdrew consent this morning.",
            "Consent withdrawn.",
            "Consent to the referral has now been withdrawn by Daniel.",
            "Please note she no longer consents to this referral.",
            "He does not consent to the referral any more, please close it.",
            "Daniel doesn't consent to the referral being made.",
            "He has told me he no longer wants to be referred to your council.",
            "She does not wish to be referred.",
            "He has refused consent.",
            "Consent: No",
            "Consent to referral: NO - he changed his mind today",
            "Consent withdrawn: Yes",
            "Consent - withdrawn",
            "Update: the person has revoked their consent",
            "He wants to withdraw his consent.",
        ] {
            assert!(says(text), "{text}");
        }
    }

    #[test]
    fn questions_conditions_denials_and_disclaimers_say_nothing() {
        for text in [
            "Has he withdrawn consent?",
            "Can you confirm whether he has withdrawn his consent.",
            "If he withdraws consent, please let us know.",
            "He has not withdrawn his consent.",
            "He hasn't withdrawn consent, he just cannot attend on Monday.",
            "Consent has not been withdrawn.",
            "You may withdraw consent at any time by contacting us.",
            "Individuals have the right to withdraw consent.",
            "He withdrew consent last week but has since given it again.",
            "Consent: No change",
            "Consent: Yes",
            "Consent given: Yes",
            "Yes, he has consented to the referral.",
            "He does not want to be housed in Harlow, but consents to the referral.",
            "Never refused consent.",
            "The referral is no longer urgent.",
            "He would not consent to a referral to Basildon, only Colchester?",
            "He declined the offer of a hostel place.",
            "He gave consent, but we need to cancel Monday's appointment.",
            "He refused housing, consent given",
            "He gave consent but refused the hostel place.",
            "Consent to share health information: No",
        ] {
            assert!(!says(text), "{text}");
        }
    }
}
