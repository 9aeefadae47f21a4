//! An answer in a case's thread saying that the person has withdrawn their
//! consent to the referral: `He has withdrawn his consent`, `Consent
//! withdrawn`, `She no longer consents to the referral`, `He does not want
//! to be referred any more`, `He doesn't want the council involved any
//! more`, `Consent to referral: No`.
//!
//! Only a statement about this referral counts. A question (`Has he
//! withdrawn consent?`, `Did he withdraw his consent`), a condition (`if he
//! withdraws consent, let us know`), a denial (`he has not withdrawn
//! consent`), a rule (`where consent is withdrawn, the referral closes`),
//! another consent (`consent to share his health records`), a withdrawal
//! since taken back, or a signature's privacy notice says nothing of the
//! case. What is read is never acted on alone: a person at the council
//! confirms it (see `intake::answers`).

use super::field::normalise_label;

/// Verbs that take consent back, by their stems: `withdrawn`, `withdrew`,
/// `revoked`, `retracted`, `refused`, `declined`, `rescinded`.
const TAKING_BACK: [&str; 6] = ["withdr", "revok", "retract", "refus", "declin", "rescind"];

/// Words that may stand between such a verb and `consent` before it
/// (`refused to give his consent`).
const BEFORE_CONSENT: [&str; 13] = [
    "his", "her", "their", "the", "all", "any", "this", "previous", "earlier", "own", "to", "give",
    "of",
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
const HYPOTHETICAL: [&str; 25] = [
    "if",
    "whether",
    "should",
    "may",
    "might",
    "could",
    "would",
    "unless",
    "will",
    "right",
    "able",
    "who",
    "whom",
    "where",
    "when",
    "whenever",
    "once",
    "you",
    "your",
    "anyone",
    "option",
    "how",
    "what",
    "policy",
    "previously",
];

/// Words that, opening a sentence, ask: `Did he withdraw his consent`.
const ASKING: [&str; 15] = [
    "did", "has", "have", "had", "is", "was", "were", "can", "could", "would", "will", "do",
    "does", "should", "may",
];

/// Words after `consent to`/`consent for` that make it consent to the
/// referral (`consent to the referral`, `to be referred`, `to this`).
const THIS_REFERRAL: [&str; 11] = [
    "referral",
    "refer",
    "referred",
    "referring",
    "dtr",
    "duty",
    "this",
    "it",
    "housing",
    "council",
    "homelessness",
];

/// Words after a withdrawal that take it back again, say it is yet to
/// come, or keep this referral.
const SINCE_UNDONE: [&str; 24] = [
    "again",
    "is wrong",
    "was wrong",
    "incorrect",
    "not true",
    "in error",
    "reconsider",
    "changed his mind",
    "changed her mind",
    "changed their mind",
    "has since",
    "since re",
    "since given",
    "since agreed",
    "now signed",
    "now agreed",
    "signed the consent",
    "happy to proceed",
    "still wants",
    "yet",
    "still fine",
    "still happy",
    "still active",
    "still consents",
];

/// What a referral to something else is to (`referred to mental health
/// services`, `the referral to the hostel`): not this referral.
const OTHER_SERVICES: [&str; 15] = [
    "cas",
    "hostel",
    "services",
    "service",
    "mental",
    "drug",
    "alcohol",
    "gp",
    "doctor",
    "counselling",
    "course",
    "programme",
    "premises",
    "cas3",
    "rehab",
];

/// Words that deny what follows them.
const DENIALS: [&str; 4] = ["not", "never", "nor", "no"];

/// What the answer's own lines say of a withdrawal of consent, in their
/// words (a line or a sentence, at most 300 characters, on one line): none
/// when they say nothing of one. A signature and what follows it are not
/// read.
pub fn withdrawal_said(own: &[&str]) -> Option<String> {
    let own = &own[..signature_at(own)];
    if let Some(line) = own.iter().find(|line| labelled_no(line)) {
        return Some(clip(line));
    }
    let prose: Vec<&str> = own
        .iter()
        .copied()
        .filter(|line| consent_line(line).is_none())
        .collect();
    sentences(&prose)
        .into_iter()
        .find(|s| states(s))
        .map(|s| clip(&s))
}

/// The answer's own lines take a withdrawal back, or say consent stands:
/// `please ignore my last email`, `he is happy for the referral to go
/// ahead`, `he has not withdrawn his consent`, `he still wants the
/// referral`. A withdrawal the council was asked to confirm is then no
/// longer confirmed by an answer to that question.
pub fn takes_withdrawal_back(own: &[&str]) -> bool {
    const SAYINGS: [&str; 16] = [
        "ignore my last",
        "ignore my previous",
        "ignore my earlier",
        "disregard my",
        "sent in error",
        "sent by mistake",
        "still wants the referral",
        "still wants to be referred",
        "still wants your help",
        "for the referral to go ahead",
        "happy to proceed",
        "not withdrawn",
        "n't withdrawn",
        "consent still stands",
        "still consents",
        "re-consented",
    ];
    let text = words_above_signature(own);
    SAYINGS.iter().any(|s| text.contains(s))
}

/// The answer's own lines above its signature, as one lower-case text
/// with its apostrophes made plain.
pub fn words_above_signature(own: &[&str]) -> String {
    own[..signature_at(own)]
        .join(" ")
        .to_lowercase()
        .replace(['’', '‘'], "'")
}

/// One line, without control characters, at most 300 characters.
fn clip(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .take(300)
        .collect()
}

/// Where the signature or the notice under it begins: `--`, or a line
/// that opens a disclaimer or a privacy notice; the end when neither does.
pub fn signature_at(own: &[&str]) -> usize {
    const OPENINGS: [&str; 11] = [
        "this email",
        "this e-mail",
        "this message",
        "the information in this",
        "the information contained",
        "disclaimer",
        "confidentiality",
        "privacy notice",
        "privacy:",
        "for information on how",
        "we will use",
    ];
    own.iter()
        .enumerate()
        .skip(1)
        .find(|(_, line)| {
            let line = line.trim();
            let lower = line.to_lowercase();
            line == "--" || OPENINGS.iter().any(|o| lower.starts_with(o))
        })
        .map_or(own.len(), |(at, _)| at)
}

/// `Consent: No`, `Consent to referral - withdrawn`, `Consent withdrawn:
/// Yes`: the form's consent line written again in the answer, saying no.
fn labelled_no(line: &str) -> bool {
    consent_line(line) == Some(true)
}

/// For a line that answers a consent label (`Consent: …`, `Consent
/// withdrawn: …`), whether it says no: its answer is read there and
/// nowhere else. None for any other line.
fn consent_line(line: &str) -> Option<bool> {
    let line = line.trim().trim_start_matches(['>', '*', '-', '•', ' ']);
    let (label, value) = line
        .split_once(':')
        .or_else(|| line.split_once(" - "))
        .or_else(|| line.split_once(" – "))?;
    let label = normalise_label(label.trim_matches(['*', '_', ' ']));
    let words: Vec<&str> = label.split_whitespace().collect();
    if words.first() != Some(&"consent")
        || !words.iter().all(|w| {
            CONSENT_LABEL.contains(w) || is_taking_back(w) || matches!(*w, "yes" | "or" | "no")
        })
    {
        return None;
    }
    let value = value.trim().trim_matches(['*', '_', ' ']).to_lowercase();
    let value_words: Vec<&str> = value
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let withdrawn_label = words.iter().any(|w| is_taking_back(w));
    Some(match value_words.as_slice() {
        // `Consent withdrawn: Yes`; `Consent withdrawn: No` withdraws
        // nothing.
        ["yes", ..] => withdrawn_label,
        _ if withdrawn_label => false,
        // `Consent: No longer given`; but `No longer an issue`.
        ["no", "longer", next, ..] => matches!(
            *next,
            "given" | "valid" | "held" | "consents" | "consenting" | "agreed" | "agrees"
        ),
        // `Consent: No`, `Consent: No - he has changed his mind`; but
        // `Consent: no change` and `Consent: no problem` keep it.
        ["no"] | ["n"] => true,
        ["no", next, ..] => !matches!(
            *next,
            "further"
                | "action"
                | "change"
                | "changes"
                | "changed"
                | "problem"
                | "problems"
                | "issue"
                | "issues"
                | "update"
                | "updates"
                | "concerns"
                | "objection"
                | "objections"
        ),
        // `Consent: he has withdrawn it today`.
        [first, ..] => {
            is_taking_back(first)
                || (value_words.iter().any(|w| is_taking_back(w))
                    && !value_words.iter().any(|w| is_denial(w)))
        }
        [] => false,
    })
}

/// The answer's sentences, lower case, apostrophes made plain, each with
/// how it ends (`?` asks).
fn sentences(own: &[&str]) -> Vec<String> {
    // A line break before a capital ends a sentence too (`Hi Jo` over
    // `He has withdrawn his consent`); one inside a sentence runs on.
    let lines: Vec<&str> = own
        .iter()
        .map(|l| l.trim().trim_start_matches('>').trim_start())
        .collect();
    let mut text = String::new();
    for (at, line) in lines.iter().enumerate() {
        text.push_str(line);
        let next_capital = lines
            .get(at + 1)
            .and_then(|n| n.chars().next())
            .is_some_and(char::is_uppercase);
        text.push_str(if next_capital { ". " } else { " " });
    }
    // Kept as written, for the council to read; lower-cased where read.
    let text = text.replace(['’', '‘'], "'");
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
    let sentence = sentence.to_lowercase();
    let sentence = sentence.as_str();
    if sentence.trim_end().ends_with('?') || sentence.contains("at any time") {
        return false;
    }
    let (words, clauses) = words_and_clauses(sentence);
    for (i, word) in words.iter().enumerate() {
        let Some(start) = withdrawal_at(&words, i, word) else {
            continue;
        };
        // What a clause says before the statement: `Not sure if you knew,
        // but he has withdrawn his consent` states it all the same.
        let clause_start = (0..=start)
            .rev()
            .find(|&j| j == 0 || clauses[j - 1] != clauses[start])
            .unwrap_or(0);
        if ASKING.contains(&words[clause_start]) {
            continue;
        }
        let before = &words[clause_start..start];
        let supposes = before.iter().enumerate().any(|(j, w)| {
            // `He would like to withdraw his consent` states it.
            let wish = *w == "would" && before.get(j + 1) == Some(&"like");
            is_denial(w) || (HYPOTHETICAL.contains(w) && !wish)
        });
        // `how to withdraw consent`, `the option to withdraw`: an
        // infinitive states nothing unless someone wants or asks it.
        let infinitive = start >= 1 && words[start - 1] == "to" && !wanted(&words, start - 1);
        if supposes || infinitive || about_another_consent(&words, i) {
            continue;
        }
        // `He withdrew consent but has since given it again`.
        let after = words[i + 1..].join(" ");
        if SINCE_UNDONE.iter().any(|w| after.contains(w)) {
            return false;
        }
        return true;
    }
    false
}

/// `wants to`, `wishes to`, `would like to`, `asked us to`: the `to` at
/// `to` says what someone wants done.
fn wanted(words: &[&str], to: usize) -> bool {
    let Some(prev) = to.checked_sub(1).map(|p| words[p]) else {
        return false;
    };
    let wants = |w: &str| {
        [
            "want", "wish", "like", "decided", "chose", "choose", "ask", "request",
        ]
        .iter()
        .any(|v| w.starts_with(v))
    };
    wants(prev)
        || (matches!(prev, "us" | "me" | "you")
            && to.checked_sub(2).is_some_and(|p| wants(words[p])))
}

/// The sentence's words, and for each the clause it stands in: a comma,
/// colon, bracket or dash, or `but`, `as`, `because`, `so`, `and`,
/// `although`, `though`, `however` begins another.
fn words_and_clauses(sentence: &str) -> (Vec<&str>, Vec<usize>) {
    const JOINS: [&str; 8] = [
        "but", "as", "because", "so", "and", "although", "though", "however",
    ];
    let mut words = Vec::new();
    let mut clauses = Vec::new();
    let mut clause = 0;
    let mut begin: Option<usize> = None;
    let mut push = |from: usize, to: usize, clause: &mut usize| {
        let word = &sentence[from..to];
        if JOINS.contains(&word) {
            *clause += 1;
        }
        words.push(word);
        clauses.push(*clause);
    };
    for (at, c) in sentence.char_indices() {
        if c.is_alphanumeric() || c == '\'' {
            begin.get_or_insert(at);
            continue;
        }
        if let Some(from) = begin.take() {
            push(from, at, &mut clause);
        }
        if matches!(c, ',' | ':' | '(' | ')' | '-' | '–') {
            clause += 1;
        }
    }
    if let Some(from) = begin {
        push(from, sentence.len(), &mut clause);
    }
    (words, clauses)
}

/// `consent to share his records`, `consent for us to contact his GP`:
/// the `consent` nearest `i` is to something other than this referral.
fn about_another_consent(words: &[&str], i: usize) -> bool {
    let Some(at) =
        (i.saturating_sub(4)..words.len().min(i + 5)).find(|&j| words[j].starts_with("consent"))
    else {
        return false;
    };
    match words.get(at + 1) {
        Some(&"to") | Some(&"for") => !words[at + 2..]
            .iter()
            .take(5)
            .any(|w| THIS_REFERRAL.iter().any(|r| w.starts_with(r))),
        _ => false,
    }
}

/// A referral to something else (`referred to mental health services`,
/// `the referral to the hostel`).
fn to_another_service(words: &[&str], i: usize) -> bool {
    // `the hostel referral`, `his CAS-3 referral` name it before.
    let before = &words[i.saturating_sub(2)..i];
    words[i + 1..]
        .iter()
        .take(6)
        .chain(before)
        .any(|w| OTHER_SERVICES.contains(w))
}

/// The referral itself taken back, at `i` (`referral`, `referred`, the
/// `refer` of `Duty to Refer`, `DTR`): `withdraw the referral`, `cancel
/// the referral`, `withdrawn from the referral process`, `declined the
/// Duty to Refer`, `the referral is withdrawn`, `changed his mind about
/// being referred`. Where the statement begins.
fn referral_withdrawn(words: &[&str], i: usize) -> Option<usize> {
    if to_another_service(words, i) {
        return None;
    }
    const BETWEEN: [&str; 15] = [
        "the", "this", "his", "her", "their", "from", "of", "duty", "to", "our", "your", "my", "a",
        "whole", "being",
    ];
    let ends = |w: &str| is_taking_back(w) || w.starts_with("cancel");
    if let Some(at) = (i.saturating_sub(5)..i)
        .rev()
        .take_while(|&j| ends(words[j]) || BETWEEN.contains(&words[j]))
        .find(|&j| ends(words[j]))
    {
        return Some(at);
    }
    const PASSIVE: [&str; 8] = ["is", "be", "to", "has", "have", "been", "now", "being"];
    if words[i + 1..]
        .iter()
        .take(5)
        .take_while(|w| ends(w) || PASSIVE.contains(w))
        .any(|w| ends(w))
    {
        return Some(i);
    }
    // `he has changed his mind about being referred`.
    let from = i.saturating_sub(6);
    let mind = words[from..i].iter().position(|w| *w == "mind")?;
    let changed = words[from..from + mind]
        .iter()
        .rposition(|w| *w == "changed")?;
    Some(from + changed)
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
        // `he no longer gives his consent`, `does not give consent`.
        let mut k = i;
        while k > 0 && matches!(words[k - 1], "his" | "her" | "their" | "any") {
            k -= 1;
        }
        let verb_at = if k > 0 && matches!(words[k - 1], "give" | "gives" | "giving" | "given") {
            k - 1
        } else if matches!(word, "consent" | "consents" | "consented" | "consenting") {
            i
        } else {
            return None;
        };
        let prev = verb_at.checked_sub(1).map(|p| words[p]);
        let prev2 = verb_at.checked_sub(2).map(|p| words[p]);
        if prev2 == Some("no") && prev == Some("longer") {
            return Some(verb_at - 2);
        }
        if let (Some(p2), Some("not" | "never")) = (prev2, prev) {
            if matches!(
                p2,
                "does" | "did" | "do" | "will" | "would" | "has" | "have" | "had" | "is" | "was"
            ) {
                return Some(verb_at - 2);
            }
        }
        if prev.is_some_and(|p| {
            matches!(
                p,
                "doesn't"
                    | "didn't"
                    | "don't"
                    | "won't"
                    | "wouldn't"
                    | "hasn't"
                    | "haven't"
                    | "hadn't"
                    | "isn't"
                    | "wasn't"
            )
        }) {
            return Some(verb_at - 1);
        }
        return None;
    }
    if matches!(word, "referral" | "referred" | "refer" | "dtr") {
        if let Some(start) = referral_withdrawn(words, i) {
            return Some(start);
        }
    }
    // `he no longer wants to be referred`, `she does not wish to be
    // referred`, `doesn't want us to refer him`.
    if matches!(word, "referred" | "referral" | "refer") && !to_another_service(words, i) {
        return not_wanted(words, i);
    }
    // `he doesn't want the council involved any more`, `no longer wants
    // your help`, `does not wish to proceed with the referral`.
    if council_s_part(words, i) {
        return not_wanted(words, i);
    }
    None
}

/// Where a denied wish for what stands at `i` begins: `no longer wants`,
/// `does not wish`, `doesn't want` within the seven words before it.
fn not_wanted(words: &[&str], i: usize) -> Option<usize> {
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
    // `no longer` starts at `no`, which is not a denial of the statement
    // but part of it.
    let start = if before[negation] == "longer" && negation >= 1 && before[negation - 1] == "no" {
        from + negation - 1
    } else {
        from + negation
    };
    Some(start.min(i))
}

/// The council's part in this, at `i`: its involvement or help (`the
/// council involved`, `your help`, `any help from housing`), or the
/// referral going on (`to proceed`, `to go ahead`), said with nothing
/// after it that makes it something else (`help with his benefits`,
/// `to proceed until he is released`).
fn council_s_part(words: &[&str], i: usize) -> bool {
    const COUNCIL: [&str; 8] = [
        "council",
        "council's",
        "your",
        "you",
        "us",
        "housing",
        "homelessness",
        "anyone",
    ];
    const ENDS: [&str; 6] = ["any", "anymore", "now", "at", "thanks", "please"];
    if !matches!(
        words[i],
        "involved" | "involvement" | "help" | "assistance" | "support" | "proceed" | "ahead"
    ) {
        return false;
    }
    let next = words.get(i + 1).copied();
    let ends_here = next.is_none_or(|n| ENDS.contains(&n));
    // `with the referral`, `with it`: this referral; `with his appeal`
    // is something else.
    let with_this = next == Some("with")
        && words[i + 2..]
            .iter()
            .take(3)
            .any(|w| THIS_REFERRAL.iter().any(|r| w.starts_with(r)));
    let near = &words[i.saturating_sub(4)..words.len().min(i + 4)];
    let council_near = near.iter().any(|w| COUNCIL.contains(w));
    match words[i] {
        "involved" | "involvement" => council_near && (ends_here || next == Some("in")),
        "help" | "assistance" | "support" => {
            ends_here
                || (next == Some("from") && council_near)
                || (council_near && next != Some("with"))
        }
        "proceed" => ends_here || with_this,
        "ahead" => i >= 1 && words[i - 1] == "go" && (ends_here || with_this),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn says(text: &str) -> bool {
        let lines: Vec<&str> = text.lines().collect();
        withdrawal_said(&lines).is_some()
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
            "He would like to withdraw his consent to the referral.",
            "Consent: No longer given",
            "He has withdrawn his consent to be referred.",
            "Please can you close this referral as Mr Testcase has withdrawn his consent.",
            "Just to confirm, he has withdrawn his consent.",
            "I can confirm that he has withdrawn his consent.",
            "Please treat this email as withdrawal of consent.",
            "Not sure if you are aware but he has withdrawn his consent.",
            "Consent: he has withdrawn it today",
            "He hasn't changed his mind, he has withdrawn consent.",
            "He won't consent to the referral.",
            "He has not consented after all.",
            "He no longer gives his consent.",
            "He is no longer consenting to this.",
            "He wishes to cancel the referral.",
            "He has asked us to withdraw the referral.",
            "He has asked that the referral is withdrawn.",
            "He has withdrawn from the referral process.",
            "He wishes to withdraw from the DTR.",
            "He has declined the Duty to Refer.",
            "He has changed his mind about being referred.",
            "Hi Jo\nHe has withdrawn his consent",
            "He has withdrawn his consent to the referral since his mother has offered him a room.",
            "He has withdrawn his consent and has signed a form to say so.",
            "He doesn't want the council involved any more.",
            "He no longer wants your help.",
            "She does not want any help from the council.",
            "He does not wish to proceed with the referral.",
            "He no longer wants to go ahead.",
            "He doesn't want us to refer him.",
            "He has told me he does not want housing involved in his case.",
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
            "Did he withdraw his consent",
            "He has the option to withdraw his consent",
            "Where consent is withdrawn, the referral will be closed. He is happy to proceed.",
            "Service users who withdraw consent will have their data deleted.",
            "For how to withdraw consent, see our privacy notice.",
            "Previously he refused consent, but he signed the consent form today.",
            "He has withdrawn his consent for us to contact his GP.",
            "His mother has withdrawn consent to be contacted.",
            "He refused consent to the mental health assessment.",
            "Consent withdrawn: No",
            "Consent refused: No",
            "Consent to referral: No longer an issue, he signed it today",
            "Thanks, Jo\n--\nJo Probation\nIf you wish to withdraw consent, contact us.\nConsent withdrawn.",
            "Kind regards\nJo\nThis email may contain personal data.\nConsent withdrawn.",
            "He does not want to be referred to mental health services.",
            "He doesn't want the referral to go to the hostel in Harwich, only Colchester.",
            "Consent withdrawn: N/A",
            "Has consent been withdrawn: No",
            "He has not consented yet, I am seeing him on Monday.",
            "He has withdrawn his appeal.",
            "He withdrew from the course.",
            "He has not withdrawn consent as far as I know.",
            "Consent: No objection from him, please proceed.",
            "Did he withdraw from the referral",
            "He no longer wants the hostel referral.",
            "Please withdraw the referral to CAS-3 as he has a place.",
            "Sorry, my colleague wrote that he withdrew consent - that is wrong.",
            "Consent: no further action needed",
            "He doesn't want the council to contact his mother.",
            "He does not want help with his benefits claim.",
            "She does not want support from probation.",
            "I don't want to proceed until I hear from you.",
            "He does not want to go ahead with his appeal.",
            "He doesn't want his family involved.",
            "He wants your help.",
            "He does not want to be housed in Harlow, he wants your help.",
            "Does he still want your help?",
        ] {
            assert!(!says(text), "{text}");
        }
    }
}
