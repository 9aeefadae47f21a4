//! What an answer in a case's thread says of the case's lead officer:
//! `Lead officer:`, `Email:` and `Telephone:` lines in the answer's own text,
//! above whatever it quotes.

use super::address::EmailAddress;
use super::field::normalise_label;
use super::referral::PhoneNumber;

/// A lead officer as an answer names them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NamedLead {
    pub name: Option<String>,
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
}

impl NamedLead {
    /// Names someone: a name or an address.
    pub fn is_named(&self) -> bool {
        self.name.is_some() || self.email.is_some()
    }

    /// The same person as `other`: same address, or same name when either
    /// has no address.
    pub fn same_person(&self, other: &NamedLead) -> bool {
        match (&self.email, &other.email) {
            (Some(a), Some(b)) => a == b,
            _ => match (&self.name, &other.name) {
                (Some(a), Some(b)) => a.trim().eq_ignore_ascii_case(b.trim()),
                _ => false,
            },
        }
    }

    /// A contact as people write one: `Jo Officer <jo@council.gov.uk>` (as
    /// `case REF respond --lead` takes it), `Jo Officer (jo@council.gov.uk)`,
    /// `Jo Officer, jo@council.gov.uk, 01206 282 000`, or a name alone.
    /// `TBC`, `not yet allocated` and the like name nobody.
    pub fn parse_contact(text: &str) -> Option<NamedLead> {
        let text = text.trim().trim_matches(['*', '_']).trim();
        let email = EmailAddress::find_in(text);
        let name = if let Some(i) = text.find('<') {
            &text[..i]
        } else if let Some(i) = text.find('(') {
            // `Jo Officer (jo@council.gov.uk)`, or a note: `Jo Officer
            // (covering until allocated)`.
            &text[..i]
        } else {
            // `Name, address, telephone`: the name is the first part when
            // the others are an address or a number (`Quill, Peter` is a
            // name written surname first).
            let mut parts = text.split(',');
            let first = parts.next().unwrap_or(text);
            let rest_is_contact = parts
                .clone()
                .any(|p| p.contains('@') || PhoneNumber::parse(p).is_some());
            if rest_is_contact && first.contains('@') {
                ""
            } else if rest_is_contact {
                first
            } else {
                // `Jo Officer jo@council.gov.uk`: the words before the address.
                text.split_whitespace()
                    .position(|w| w.contains('@'))
                    .and_then(|at| text.split_whitespace().nth(at))
                    .and_then(|address| text.find(address))
                    .map_or(text, |at| &text[..at])
            }
        }
        .trim()
        .trim_matches(['"', '-', '–', ':', ' '])
        .trim();
        let phone = text.split([',', '(', ')']).skip(1).find_map(|part| {
            (!part.contains('@'))
                .then(|| PhoneNumber::parse(part))
                .flatten()
        });
        if names_nobody(name) {
            return None;
        }
        let name = (!name.is_empty()).then(|| name.to_string());
        let lead = NamedLead { name, email, phone };
        lead.is_named().then_some(lead)
    }
}

/// `Done: not yet - lead officer not yet allocated`: a line that says the
/// step is not done.
fn says_not_done(value: &str) -> bool {
    let lower = value.trim().to_lowercase();
    let first = lower
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '/')
        .find(|w| !w.is_empty())
        .unwrap_or("");
    matches!(
        first,
        "not"
            | "no"
            | "none"
            | "nothing"
            | "tbc"
            | "pending"
            | "awaiting"
            | "n/a"
            | "yet"
            | "will"
            | "to"
            | "in"
    ) || first.ends_with("n't")
        || names_nobody(&lower)
}

/// `TBC`, `Not yet allocated`, `N/A`, `to follow`: a lead line that says
/// no one has been named yet.
pub fn names_nobody(value: &str) -> bool {
    let v: String = value
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '/' {
                c
            } else {
                ' '
            }
        })
        .collect();
    let v = v.split_whitespace().collect::<Vec<_>>().join(" ");
    // Roles and teams are nobody in particular; so is `na`.
    const ROLES: [&str; 8] = [
        "duty officer",
        "duty",
        "the team",
        "team",
        "housing options",
        "na",
        "not allocated",
        "unallocated",
    ];
    super::not_yet::opens_with_not_yet(&v)
        || ROLES
            .iter()
            .any(|w| v == *w || v.starts_with(&format!("{w} ")))
        || v.contains("not yet allocated")
        || v.contains("not been allocated")
        || v.contains("yet to be")
}

const NAME_LABELS: [&str; 10] = [
    "lead officer",
    "named lead officer",
    "lead officer name",
    "named contact",
    "case officer",
    "housing officer",
    "case lead",
    "case lead name",
    "lead contact",
    "probation lead",
];
/// The labels that name the probation or prison side's lead.
const CASE_LEAD_LABELS: [&str; 3] = ["case lead", "case lead name", "probation lead"];
const EMAIL_LABELS: [&str; 6] = [
    "email",
    "e mail",
    "email address",
    "e mail address",
    "lead officer email",
    "case lead email",
];
const PHONE_LABELS: [&str; 7] = [
    "telephone",
    "tel",
    "phone",
    "telephone number",
    "phone number",
    "direct line",
    "case lead phone",
];
const DONE_LABELS: [&str; 4] = ["done", "step done", "completed", "step completed"];
const INFORMATION_LABELS: [&str; 3] = [
    "information requested",
    "information needed",
    "please provide",
];
const RELEASE_LABELS: [&str; 4] = [
    "release date",
    "new release date",
    "expected release date",
    "revised release date",
];
const APPLICATION_LABELS: [&str; 3] = [
    "application received",
    "homeless application received",
    "application date",
];

/// The gateway's own placeholders in its prompt lines: a line left as the
/// gateway wrote it names nobody and says nothing.
const PLACEHOLDERS: [&str; 6] = [
    "(name)",
    "(email address)",
    "(telephone number)",
    "(what was done)",
    "(date)",
    "(what is needed)",
];

/// What an answer in a case's thread says, read from its own text (above
/// whatever it quotes), and from the gateway's prompt lines filled in
/// inside the quote, as Outlook users often do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AnswerReading {
    /// The lead its lines name (`Lead officer:` or `Case lead:`, with
    /// `Email:` and `Telephone:`).
    pub named_lead: Option<NamedLead>,
    /// The lead was named under a probation label (`Case lead:`,
    /// `Probation lead:`), not the council's (`Lead officer:`).
    pub names_case_lead: bool,
    /// `Done:` lines: what the sender says was done.
    pub done: Vec<String>,
    /// `Information requested:`: the authority asks the referring side.
    pub information_requested: Option<String>,
    /// `Release date:`: a new expected release date, as written.
    pub release_date: Option<String>,
    /// `Application received:`: the homeless application's date, as written.
    pub application_received: Option<String>,
    /// The answer has words of its own, not only what it quotes.
    pub has_own_text: bool,
    /// Its first words say yes (`Yes`, `Confirmed`, `That's right`).
    pub affirms: bool,
    /// Its first line says yes and nothing against it: no question, no
    /// `not`, `no` or `n't` (`Confirmed? No`, `Yes - but he has not`).
    pub confirms: bool,
    /// Its first line refuses what it was asked to confirm, plainly: `No`,
    /// `Not confirmed`, `Declined`, `Not withdrawn` (see [`declines`]).
    pub declines: bool,
    /// The answer says, in words, that the person consented (`Yes, he has
    /// consented to the referral`): the answer to a missing consent.
    pub gives_consent: bool,
    /// The answer opens with a plain `Yes`, and nothing in its own words
    /// denies, asks or takes it back: the consent asked for, when it
    /// answers the mail that asked for it.
    pub says_yes: bool,
    /// The answer opens with a yes that is no plain yes (`Yes (he does not
    /// consent to GP contact)`, `Yes?`): why, for the mail that asks for
    /// consent again. Never the answer's words.
    pub consent_doubt: Option<super::referral::ConsentDoubt>,
    /// The answer says the person has withdrawn their consent to the
    /// referral (`He has withdrawn his consent`, `Consent: No`): its words.
    pub withdrawal: Option<String>,
    /// The answer takes a withdrawal back (`please ignore my last email`,
    /// `he is happy for the referral to go ahead`).
    pub withdrawal_taken_back: bool,
    /// The sender says they are the lead themselves (`I will be the lead
    /// officer`, `this has been allocated to me`): the sender is the lead.
    pub sender_takes_lead: bool,
    /// The lead was filled into a prompt inside the quoted message, not
    /// written in the answer's own words: it counts only when the quote is
    /// the gateway's own mail about the case.
    pub lead_in_quote: bool,
}

/// Reads an answer. Only the answer's own lines count: reading stops where
/// the quoted message begins (`>` lines, `On … wrote:`, an `-----Original
/// Message-----` line, Outlook's rule or its `From:`/`Sent:` block), so
/// that the gateway's own mail, quoted back, is never taken for an answer;
/// except that the gateway's prompt block (`Lead officer:`, `Email:`,
/// `Telephone:`), filled in inside the quote, names the lead it was filled
/// in with.
pub fn read_answer(text: &str) -> AnswerReading {
    let lines: Vec<&str> = text.lines().collect();
    let quote_at = (0..lines.len())
        .find(|&i| starts_quote(&lines, i))
        .unwrap_or(lines.len());
    let own = &lines[..quote_at];
    let mut reading = AnswerReading::default();
    let mut lead = NamedLead::default();
    let mut named_by_line = false;
    for line in own {
        let line = line.trim();
        let Some((label, value)) = split_line(line) else {
            continue;
        };
        let value = after_placeholder(value.trim());
        if value.is_empty() || is_placeholder(value) {
            continue;
        }
        named_by_line |=
            NAME_LABELS.contains(&label.as_str()) && NamedLead::parse_contact(value).is_some();
        take_line(&mut reading, &mut lead, &label, value);
    }
    reading.has_own_text = own.iter().any(|l| {
        let l = l.trim();
        !l.is_empty() && !is_quote_marker_only(l)
    });
    let first_line = own.iter().map(|l| l.trim()).find(|l| !l.is_empty());
    reading.affirms = first_line.is_some_and(affirmative);
    reading.confirms = confirms(own);
    reading.declines = !reading.confirms && declines(own);
    if lead.name.is_none() {
        // The prompt block filled in inside the quote.
        if let Some(filled) = filled_prompt(&lines[quote_at..]) {
            lead = filled;
            reading.lead_in_quote = true;
        }
    }
    reading.sender_takes_lead = own.iter().any(|l| takes_lead(l));
    reading.withdrawal = super::withdrawal::withdrawal_said(own);
    reading.withdrawal_taken_back =
        reading.withdrawal.is_none() && super::withdrawal::takes_withdrawal_back(own);
    // The answer's first paragraph (after a greeting on a line of its own,
    // `Hi,`) is judged as a consent answer on a form is: a yes with a
    // limit, an exception or someone else's word for it (`Yes (not to the
    // referral)`, `Yes, GP only`, `Yes (mum agrees)`) gives no consent,
    // and is asked about again with why. `Notes:` lines are left out: the
    // mail asking for consent again tells the referrer to write a limit
    // there.
    let is_note = |line: &str| {
        let lower = line.trim_start().to_lowercase();
        lower.starts_with("notes:") || lower.starts_with("note:")
    };
    let answer_lines: Vec<&str> = own.iter().copied().filter(|l| !is_note(l)).collect();
    let mut paragraph: Vec<&str> = Vec::new();
    for line in answer_lines.iter().map(|l| l.trim()) {
        if line.is_empty() {
            if paragraph.is_empty() {
                continue;
            }
            break;
        }
        if paragraph.is_empty() && is_greeting(line) {
            continue;
        }
        paragraph.push(line);
    }
    if !reading.affirms {
        reading.affirms = paragraph.first().is_some_and(|l| affirmative(l));
    }
    let above_signature = super::withdrawal::words_above_signature(&answer_lines);
    let hedge = super::referral::yes_doubt(&paragraph.join(" "));
    let speaks_of_consent =
        above_signature.contains("consent") || above_signature.contains("agree");
    reading.gives_consent = reading.withdrawal.is_none()
        && hedge.is_none()
        && gives_consent(&answer_lines, reading.affirms);
    reading.says_yes = reading.withdrawal.is_none()
        && reading.affirms
        && hedge.is_none()
        && !doubts_a_yes(&above_signature);
    reading.consent_doubt = if reading.withdrawal.is_none()
        && (reading.affirms || speaks_of_consent)
        && !reading.says_yes
        && !reading.gives_consent
    {
        paragraph
            .first()
            .filter(|_| reading.affirms)
            .and_then(|l| super::referral::consent_doubt(l))
            .or(hedge)
            .or_else(|| super::referral::yes_doubt(&above_signature))
            // A yes that something further down doubts (`Yes, he
            // consented.` and, a paragraph below, `He does not want GP
            // contact.`): asked about, never left unanswered.
            .or(Some(super::referral::ConsentDoubt::Qualified))
    } else {
        None
    };
    if lead.name.is_none() && lead.email.is_none() {
        // `Sarah Jones (sarah.jones@…) is the lead officer for this case.`
        if let Some(named) = own.iter().find_map(|l| lead_in_sentence(l)) {
            lead = named;
            named_by_line = true;
        }
    }
    // An address or a phone alone (a signature) names no one; a lead line
    // does, with a name or an address.
    reading.named_lead =
        (lead.name.is_some() || named_by_line && lead.email.is_some()).then_some(lead);
    reading
}

/// The answer's own text: its lines above whatever it quotes.
pub fn own_text(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let quote_at = (0..lines.len())
        .find(|&i| starts_quote(&lines, i))
        .unwrap_or(lines.len());
    lines[..quote_at].join("\n")
}

/// Reads the lead officer from an answer's own text: `read_answer`'s lead.
pub fn read_named_lead(text: &str) -> Option<NamedLead> {
    read_answer(text).named_lead
}

fn take_line(reading: &mut AnswerReading, lead: &mut NamedLead, label: &str, value: &str) {
    if NAME_LABELS.contains(&label) && lead.name.is_none() {
        // `Lead officer: Jo Officer <jo@council.gov.uk>` names both.
        if let Some(contact) = NamedLead::parse_contact(value) {
            reading.names_case_lead = CASE_LEAD_LABELS.contains(&label);
            lead.name = contact.name;
            lead.email = lead.email.take().or(contact.email);
            lead.phone = lead.phone.take().or(contact.phone);
        }
    } else if EMAIL_LABELS.contains(&label) && lead.email.is_none() {
        lead.email = EmailAddress::find_in(value);
    } else if PHONE_LABELS.contains(&label) && lead.phone.is_none() {
        lead.phone = PhoneNumber::parse(value);
    } else if DONE_LABELS.contains(&label) && !says_not_done(value) {
        reading.done.push(value.to_string());
    } else if INFORMATION_LABELS.contains(&label) && reading.information_requested.is_none() {
        reading.information_requested = Some(value.to_string());
    } else if RELEASE_LABELS.contains(&label) && reading.release_date.is_none() {
        reading.release_date = Some(value.to_string());
    } else if APPLICATION_LABELS.contains(&label) && reading.application_received.is_none() {
        reading.application_received = Some(value.to_string());
    }
}

/// `Label: value`, the label normalised; none for a line without one.
fn split_line(line: &str) -> Option<(String, &str)> {
    let by_colon = line.split_once(':').and_then(|(label, value)| {
        // A label is a few words, not a sentence with a colon in it.
        (label.len() <= 40).then(|| (clean_label(label), value))
    });
    if let Some((label, value)) = by_colon {
        // `*Lead officer:* Jo`: the emphasis closes after the colon.
        return Some((label, value.trim_start_matches(['*', '_'])));
    }
    // `Lead officer - Jo Officer`: a dash after a label the gateway knows.
    let (label, value) = line.split_once(" - ").or_else(|| line.split_once(" – "))?;
    let label = clean_label(label);
    is_known_label(&label).then_some((label, value))
}

fn clean_label(label: &str) -> String {
    normalise_label(label.trim_matches(['*', '_', '-', '•', ' ']))
}

fn is_known_label(label: &str) -> bool {
    NAME_LABELS.contains(&label)
        || EMAIL_LABELS.contains(&label)
        || PHONE_LABELS.contains(&label)
        || DONE_LABELS.contains(&label)
        || INFORMATION_LABELS.contains(&label)
        || RELEASE_LABELS.contains(&label)
        || APPLICATION_LABELS.contains(&label)
}

fn is_placeholder(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    v.starts_with('[') || PLACEHOLDERS.contains(&v.as_str()) || v.starts_with("(")
}

/// `(name) Peter Quill`: typed after the placeholder instead of over it.
fn after_placeholder(value: &str) -> &str {
    let v = value.trim_start();
    let lower = v.to_ascii_lowercase();
    for p in PLACEHOLDERS {
        if lower.starts_with(p) {
            return v[p.len()..].trim_start();
        }
    }
    v
}

fn is_quote_marker_only(line: &str) -> bool {
    line.chars()
        .all(|c| matches!(c, '>' | '-' | '_' | '=' | ' '))
}

/// `Yes, he has consented to the referral`, `Consent given verbally`:
/// consent in words, with nothing that takes it back.
fn gives_consent(own: &[&str], affirms: bool) -> bool {
    let text = super::withdrawal::words_above_signature(own);
    if !text.contains("consent") && !text.contains("agree") {
        return false;
    }
    let denies = doubts_a_yes(&text);
    // `He has now consented`, `He consents.`, `He has agreed to the
    // referral`.
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let in_words = words.iter().any(|w| matches!(*w, "consented" | "consents"))
        || (words.iter().any(|w| matches!(*w, "agreed" | "agrees"))
            && words.iter().any(|w| w.starts_with("referr")));
    // `Consent to referral - YES (verbal)` written in a sentence.
    let labelled_yes = text.match_indices("consent").any(|(at, _)| {
        text[at..]
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .skip(1)
            .find(|w| !matches!(*w, "to" | "the" | "referral" | "given"))
            == Some("yes")
    });
    let says = affirms
        || in_words
        || labelled_yes
        || [
            "has consented",
            "have consented",
            "consent given",
            "consent is given",
            "consent was given",
            "consent obtained",
            "consent has been given",
            "gave consent",
            "given consent",
            "gives consent",
            "he consents",
            "she consents",
            "they consent",
        ]
        .iter()
        .any(|w| text.contains(w));
    says && !denies
}

/// Words that deny, ask or take back a consent; and any limit, exception
/// or someone else's word, as a form's consent answer is judged (`no
/// objection` limits nothing).
fn doubts_a_yes(text: &str) -> bool {
    if super::referral::yes_doubt(text).is_some() {
        return true;
    }
    let spaced = format!(" {text} ");
    [
        "no consent",
        "refus",
        "declin",
        "withdr",
        "without consent",
        " yet",
        " if ",
        "?",
    ]
    .iter()
    .any(|w| spaced.contains(w))
}

/// `Sarah Jones (sarah.jones@council.gov.uk) is the lead officer for this
/// case`: a sentence that names someone else as the lead.
fn lead_in_sentence(line: &str) -> Option<NamedLead> {
    const SAYINGS: [&str; 5] = [
        " is the lead officer",
        " will be the lead officer",
        " is the named officer",
        " is the named lead",
        " is the case officer",
    ];
    let lower = line.to_lowercase();
    let at = SAYINGS.iter().filter_map(|p| lower.find(p)).min()?;
    let subject = line[..at].trim();
    // The subject names a person: a few words, not `I`, `who` or `this`.
    let first = subject.split_whitespace().next()?.to_lowercase();
    let words = subject.split_whitespace().count();
    if words > 8
        || matches!(
            first.as_str(),
            "i" | "who" | "this" | "that" | "it" | "he" | "she" | "they" | "nobody" | "no"
        )
        || lower.contains(" not ")
        || lower.contains("n't")
        || lower.contains('?')
    {
        return None;
    }
    let lead = NamedLead::parse_contact(subject)?;
    // A name as names are written (`Sarah Jones`: two words or more, each
    // with a capital, no `I`), or an address.
    let name_like = |n: &str| {
        let words: Vec<&str> = n.split_whitespace().collect();
        words.len() >= 2
            && words
                .iter()
                .all(|w| w.starts_with(|c: char| c.is_uppercase()) && *w != "I" && !w.contains(','))
    };
    match (&lead.name, &lead.email) {
        (Some(n), _) if !name_like(n) => None,
        (None, None) => None,
        _ => Some(lead),
    }
}

/// `I will be the lead officer`, `I am the named officer`, `This case
/// has been allocated to me`: the sender names themselves.
fn takes_lead(line: &str) -> bool {
    let lower = line.to_lowercase().replace('’', "'");
    // `has not been allocated to me yet`, `I won't be the lead`, `will I
    // be the lead?`: a sentence that denies or asks names nobody.
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    let denies = words.iter().any(|w| {
        matches!(
            *w,
            "not" | "never" | "no" | "yet" | "once" | "if" | "unless"
        ) || w.ends_with("n't")
    });
    if denies || lower.contains('?') {
        return false;
    }
    const SAYINGS: [&str; 14] = [
        "i will be the lead",
        "i'll be the lead",
        "i am the lead",
        "i'm the lead",
        "i will be the named",
        "i'll be the named",
        "i am the named",
        "i'm the named",
        "i will be the case officer",
        "i'll be the case officer",
        "i am the case officer",
        "i'm the case officer",
        "allocated to me",
        "i will be leading on",
    ];
    SAYINGS.iter().any(|s| lower.contains(s))
}

/// The answer's first line (after a greeting) refuses, plainly, what the
/// council was asked to confirm: `No`, `No - he still wants our help`,
/// `Not confirmed`, `Declined`, `Not withdrawn`, `He has not withdrawn`.
/// A line that asks, waits or checks (`No, not yet`, `No idea - will
/// check`, `Not sure?`) refuses nothing: the question stays open.
fn declines(own: &[&str]) -> bool {
    let Some(lower) = first_line_after_greeting(own) else {
        return false;
    };
    let words = words_with_apostrophes(&lower);
    let waits = lower.contains('?')
        || words.iter().any(|w| {
            matches!(
                *w,
                "yet" | "idea" | "sure" | "check" | "checking" | "unsure"
            )
        });
    // `No` and what it says: `No - he still wants our help`; not `No
    // problem - confirmed`, `No doubt about it`, `No further action`, `No,
    // he has withdrawn`, `No, will confirm on Thursday`, which agree or
    // wait.
    let agrees_or_waits = |rest: &[&str]| {
        rest.first().is_some_and(|w| {
            matches!(
                *w,
                "problem"
                    | "problems"
                    | "doubt"
                    | "worries"
                    | "further"
                    | "action"
                    | "need"
                    | "objection"
                    | "issue"
                    | "issues"
            )
        }) || rest.iter().any(|w| {
            ["confirm", "clos", "wait", "withdrew"]
                .iter()
                .any(|stem| w.starts_with(stem))
                || matches!(
                    *w,
                    "will" | "once" | "later" | "tomorrow" | "after" | "until" | "pending"
                )
        }) || rest
            .windows(2)
            .any(|pair| matches!(pair, ["has" | "have" | "had", "withdrawn"]))
    };
    // A refusal in other words: `Please don't close it, he has not
    // withdrawn`, `I can't confirm that - he still wants our help`.
    let says_it_stands = [
        "has not withdrawn",
        "hasn't withdrawn",
        "have not withdrawn",
        "not withdrawn",
        "still wants",
        "still engaging",
        "don't close",
        "do not close",
        "keep it open",
        "leave it open",
    ]
    .iter()
    .any(|phrase| lower.contains(phrase));
    let refuses = says_it_stands
        || matches!(words.as_slice(), ["no", rest @ ..] if !agrees_or_waits(rest))
        || matches!(
            words.as_slice(),
            ["not", "confirmed", ..]
                | ["not", "withdrawn", ..]
                | ["declined", ..]
                | ["decline", ..]
                | ["rejected", ..]
                | [
                    "he" | "she" | "they",
                    "has" | "have",
                    "not",
                    "withdrawn",
                    ..
                ]
                | ["he" | "she" | "they", "hasn't" | "haven't", "withdrawn", ..]
        );
    refuses && !waits
}

/// The answer's first line is a confirmation and only that: `Confirmed`,
/// `Yes`, `Yes, confirmed`, `Confirmed, thanks`, or `Confirmed` with a
/// few words after a dash or colon (`Confirmed - I rang Pat`); and nothing
/// in the answer's own words (its signature's notice aside) doubts, denies
/// or asks it: `Confirmed - he has NOT withdrawn`, `Yes` over `he still
/// wants our help`, `Confirmed` over `sorry, wrong case`, a question.
/// `Yes, noted`, `Confirm with Jane first`, `Correct me if I'm wrong`
/// confirm nothing.
fn confirms(own: &[&str]) -> bool {
    let (own, below) = own.split_at(super::withdrawal::signature_at(own));
    // Under a signature's rule or a notice, a disclaimer says `not` and
    // `error`; but a line there taking the confirmation back still does.
    const TAKEN_BACK: [&str; 16] = [
        "wrong case",
        "wrong person",
        "reopen",
        "re-open",
        "leave it open",
        "keep it open",
        "carry on",
        "still engag",
        "still wants",
        "do not close",
        "don't close",
        "scratch that",
        "double-check",
        "double check",
        "not confirmed",
        "hold off",
    ];
    let below = below.join(" ").to_lowercase().replace('’', "'");
    if TAKEN_BACK.iter().any(|t| below.contains(t)) {
        return false;
    }
    let Some(lower) = first_line_after_greeting(own) else {
        return false;
    };
    let words = words_with_apostrophes(&lower);
    // `Confirmed`, `Yes, confirmed`, `Confirmed, thanks`, `I confirm`.
    let plain = !words.is_empty()
        && matches!(words[0], "confirmed" | "yes" | "i")
        && (words[0] != "i" || words.get(1) == Some(&"confirm"))
        && words.iter().all(|w| {
            matches!(
                *w,
                "confirmed"
                    | "yes"
                    | "i"
                    | "confirm"
                    | "thanks"
                    | "thank"
                    | "you"
                    | "many"
                    | "cheers"
            )
        });
    let said = plain
        || lower.strip_prefix("confirmed").is_some_and(|rest| {
            let rest = rest.trim_start();
            ["-", "–", "—", ":"].iter().any(|d| rest.starts_with(d))
        });
    // Everything the officer wrote, greeting included, read for doubt.
    let all = own
        .iter()
        .map(|l| l.to_lowercase().replace('’', "'"))
        .collect::<Vec<_>>()
        .join(" ");
    const DOUBTS: [&str; 46] = [
        // Conditions and waiting: `Confirmed - if probation agree`,
        // `once they confirm in writing`, `awaiting Pat's call back`.
        "if",
        "once",
        "awaiting",
        "await",
        "until",
        "unless",
        "provided",
        "assuming",
        "wait",
        "waiting",
        // Second thoughts: `Upon reflection, leave it open`, `P.S.
        // scratch that`, `please double-check`, `he wants to carry on`.
        "actually",
        "reflection",
        "reopen",
        "open",
        "scratch",
        "double",
        "continue",
        "carry",
        "proceed",
        "engaging",
        "not",
        "no",
        "never",
        "nor",
        "still",
        "keep",
        "wrong",
        "sorry",
        "ignore",
        "ingore",
        "disregard",
        "mistake",
        "error",
        "unsure",
        "checking",
        "later",
        "tbc",
        "pending",
        "received",
        "receipt",
        "automatic",
        "auto",
        "unconfirmed",
        "maybe",
        "whether",
        "hold",
    ];
    const DOUBTING: [&str; 6] = [
        "will check",
        "need to check",
        "i'll check",
        "to be checked",
        "before we close",
        "before closing",
    ];
    let doubts = all.contains('?')
        || DOUBTING.iter().any(|d| all.contains(d))
        || all
            .split(|c: char| !(c.is_alphanumeric() || c == '\''))
            .any(|w| DOUBTS.contains(&w) || w.ends_with("n't"));
    said && !doubts
}

/// `Hi,`, `Hello Sam`, `Dear colleagues,`, `Good morning,`.
/// The answer's first line that is no greeting, lower-cased, with curly
/// apostrophes straight: what a confirmation or a refusal to confirm is
/// read from.
fn first_line_after_greeting(own: &[&str]) -> Option<String> {
    own.iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .find(|l| !is_greeting(l))
        .map(|first| first.to_lowercase().replace('’', "'"))
}

/// A line's words, an apostrophe kept inside them (`don't`).
fn words_with_apostrophes(line: &str) -> Vec<&str> {
    line.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect()
}

fn is_greeting(line: &str) -> bool {
    let lower = line.to_lowercase();
    let words = lower.split_whitespace().count();
    words <= 4
        && [
            "hi",
            "hello",
            "dear",
            "good morning",
            "good afternoon",
            "morning",
            "afternoon",
        ]
        .iter()
        .any(|g| {
            lower.starts_with(g)
                && lower[g.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_alphanumeric())
        })
}

fn affirmative(line: &str) -> bool {
    let lower = line.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    matches!(
        words.as_slice(),
        ["yes", ..]
            // `Y` alone on its line, as the form reads it.
            | ["y"]
            | ["confirmed", ..]
            | ["confirm", ..]
            | ["correct", ..]
            | ["agreed", ..]
            | ["that's", "right", ..]
            | ["that", "is", "right", ..]
            | ["i", "confirm", ..]
    )
}

/// The gateway's three prompt lines inside a quote, at least one of them
/// changed from what the gateway wrote: the lead they were filled in with.
fn filled_prompt(quoted: &[&str]) -> Option<NamedLead> {
    let plain: Vec<String> = quoted
        .iter()
        .map(|l| l.trim().trim_start_matches(['>', ' ']).trim().to_string())
        .collect();
    for (i, line) in plain.iter().enumerate() {
        let Some((label, value)) = split_line(line) else {
            continue;
        };
        if label != "lead officer" && label != "case lead" {
            continue;
        }
        // The block: the name line, then Email and Telephone within the
        // next few lines (a mail program may put blank lines between).
        let rest: Vec<(String, &str)> = plain[i + 1..]
            .iter()
            .take(6)
            .filter(|l| !l.trim().is_empty())
            .take(2)
            .filter_map(|l| split_line(l))
            .collect();
        let is_block = rest.len() == 2
            && EMAIL_LABELS.contains(&rest[0].0.as_str())
            && PHONE_LABELS.contains(&rest[1].0.as_str());
        if !is_block {
            continue;
        }
        let value = value.trim();
        if value.is_empty() || is_placeholder(value) {
            return None;
        }
        let mut lead = NamedLead::parse_contact(value)?;
        let (email, phone) = (rest[0].1.trim(), rest[1].1.trim());
        if lead.email.is_none() && !is_placeholder(email) {
            lead.email = EmailAddress::find_in(email);
        }
        if !is_placeholder(phone) {
            lead.phone = PhoneNumber::parse(phone);
        }
        return lead.name.is_some().then_some(lead);
    }
    None
}

/// Where the quoted message begins: a `>` line, `On … wrote:` (perhaps
/// over two lines), `-----Original Message-----`, a forward's header,
/// Outlook's rule, or a `From:` line with `Sent:`/`Date:`/`To:`/`Subject:`
/// among the next lines (Outlook quotes without `>`).
fn starts_quote(lines: &[&str], i: usize) -> bool {
    let line = lines[i].trim();
    let lower = line.to_ascii_lowercase();
    if line.starts_with('>')
        || lower.starts_with("-----original message")
        || lower.starts_with("-------- original message")
        || lower.starts_with("-------- forwarded message")
        || lower.starts_with("---------- forwarded message")
        || lower.starts_with("begin forwarded message")
        || (line.len() >= 10 && line.chars().all(|c| c == '_'))
    {
        return true;
    }
    if lower.starts_with("on ") {
        if lower.ends_with("wrote:") {
            return true;
        }
        // `On Mon, 1 Dec 2026 at 10:00, Colchester Duty to Refer <…>` and
        // `wrote:` on the next line.
        if let Some(next) = lines.get(i + 1) {
            if next.trim().to_ascii_lowercase().starts_with("wrote:")
                || next.trim().eq_ignore_ascii_case("wrote:")
            {
                return true;
            }
        }
    }
    if lower.starts_with("from:") {
        return lines[i + 1..].iter().take(4).any(|l| {
            let l = l.trim().to_ascii_lowercase();
            l.starts_with("sent:")
                || l.starts_with("date:")
                || l.starts_with("to:")
                || l.starts_with("subject:")
        });
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_yes_that_is_no_plain_yes_says_why_and_a_plain_one_nothing() {
        use crate::core::referral::ConsentDoubt;
        for (answer, why) in [
            (
                "Yes (he does not consent to GP contact)\n\nJo",
                Some(ConsentDoubt::Qualified),
            ),
            (
                "Yes - not to Social Services",
                Some(ConsentDoubt::Qualified),
            ),
            ("Yes?", Some(ConsentDoubt::Question)),
            // A limit, an exception or someone else's word, in the answer's
            // first paragraph: no consent given, and asked about again.
            ("Yes (not to the referral)", Some(ConsentDoubt::Qualified)),
            ("Yes, except housing", Some(ConsentDoubt::Qualified)),
            ("Yes - only for GP contact", Some(ConsentDoubt::Qualified)),
            (
                "Yes, he has consented to GP contact only",
                Some(ConsentDoubt::Qualified),
            ),
            (
                "Yes but he does not want GP contact",
                Some(ConsentDoubt::Qualified),
            ),
            (
                "Yes. Not happy for the council to contact him",
                Some(ConsentDoubt::Qualified),
            ),
            ("Yes (his partner agrees)", Some(ConsentDoubt::NotTheirOwn)),
            // After a greeting on its own line, the answer is judged alike.
            (
                "Hi,\n\nYes, he has consented to the referral - his mum agrees",
                Some(ConsentDoubt::NotTheirOwn),
            ),
            (
                "Morning,\nHe has consented to the referral but only for GP contact",
                Some(ConsentDoubt::Qualified),
            ),
            ("Yes - he has no objection", None),
            ("Yes he has no objections to the referral", None),
            ("Yes, he has no objection", None),
            // Facts of his life beside the yes limit nothing.
            ("Yes - he has no phone, so contact him through me", None),
            ("Yes, no fixed abode on release", None),
            (
                "Yes - he doesn't have a phone and does not want calls",
                Some(ConsentDoubt::Qualified),
            ),
            // Written as the mail asking again says: a plain yes.
            ("Yes\nNotes: no contact with the GP", None),
            ("Yes\n\nNotes: no contact with the GP", None),
            // A doubt a paragraph below the yes: asked about, not ignored.
            (
                "Yes, he consented.\n\nHe does not want GP contact.",
                Some(ConsentDoubt::Qualified),
            ),
            ("Yes\n\nThanks, Jo", None),
            ("Yes, he has consented to the referral.", None),
            ("Not yet - seeing him Thursday.", None),
        ] {
            let reading = read_answer(answer);
            assert_eq!(reading.consent_doubt, why, "{answer}");
            if why.is_some() {
                assert!(!reading.says_yes && !reading.gives_consent, "{answer}");
            } else if answer.contains("Notes:")
                || answer.contains("objection")
                || answer.contains("phone")
                || answer.contains("abode")
            {
                assert!(reading.says_yes, "{answer}");
            }
        }
    }

    #[test]
    fn a_confirmation_says_yes_and_nothing_against_it() {
        for text in [
            "Confirmed",
            "Yes",
            "Confirmed - I rang Pat.",
            "Confirmed\n\nPeter\nHousing Options\nColchester City Council\nThis email may hold personal data; if you received it in error, please ignore it.",
            "confirmed.",
            "Yes, confirmed",
            "Hi,\n\nConfirmed, thanks.",
            "Good morning,\nConfirmed.",
            "CONFIRMED",
            "Confirmed — rang Pat",
            "Confirmed-rang Pat",
            "Confirmed - he has withdrawn it, I rang Pat.",
            "Confirmed - I rang Pat to check.",
            "Confirmed\n\nPeter Quill\nHousing Options\n--\nThis email is not for anyone else: if received in error, tell us.",
        ] {
            assert!(read_answer(text).confirms, "{text}");
        }
        for text in [
            "Not confirmed",
            "Confirmed? No",
            "Yes - but he has not withdrawn it",
            "Yes I can't confirm that",
            "No",
            "Unconfirmed",
            "Confirm with Jane before we close this please",
            "Yes, I've seen this - will ring Pat to check",
            "Correct me if I'm wrong, but he still wants help",
            "Agreed we need to check this with probation first",
            "Yes, received - passing to Sam",
            "Confirm receipt please",
            "Confirmed\nActually no - ignore that, wrong case",
            "Confirmed he still consents.",
            "Yes please keep it open, I'm checking with the prison.",
            "Agreed - will check with probation before we close anything.",
            "Correct, he has changed his mind and is staying with the referral.",
            "Hi,\nYes I've spoken to him and he wants to carry on.",
            "Confirmed - he has NOT withdrawn, I spoke to him this morning",
            "Confirmed - he still consents.",
            "Confirmed - no, not withdrawn yet; Pat is checking.",
            "Confirmed - will check with Pat at probation.",
            "Confirmed: received, passing to Sam.",
            "Confirmed: your email has been received and will be dealt with.",
            "Yes\nHe told me yesterday he still wants our help - please keep it open.",
            "Yes\nNo - sorry, replied too fast.",
            "Confirmed\nSorry - wrong case, please keep this one open.",
            "Confirmed\n\nPlease ingore, wrong thread!",
            "Confirmed\nor is this the other Daniel W?",
            "Yes, confirmed\nthat he still wants the referral to go ahead.",
            "Morning, no he hasn't.\nConfirmed - rang Pat, he wants to carry on.",
            "Confirmed\nThis message was sent to the wrong case, please reopen.",
            "Confirmed - if probation agree",
            "Confirmed - once probation confirm in writing",
            "Confirmed - awaiting Pat's call back",
            "Yes\nPlease double-check with Pat first.",
            "Yes.\nHe rang this morning and wants to carry on.",
            "Confirmed\nHe wants to carry on with the referral.",
            "Yes\nUpon reflection, leave it open",
            "Confirmed\nP.S. scratch that",
            "Yes\n--\nWrong case, he is still engaging",
            "Confirmed until I hear otherwise",
        ] {
            assert!(!read_answer(text).confirms, "{text}");
        }
    }

    #[test]
    fn a_plain_refusal_to_confirm_declines_and_a_question_or_a_wait_does_not() {
        for text in [
            "Not confirmed - he still wants it.",
            "No",
            "No - he still wants our help.",
            "Hi,\n\nNo, he has not withdrawn.",
            "Declined",
            "Not withdrawn - I spoke to him today.",
            "He hasn't withdrawn, he rang me this morning.",
            "I can't confirm that - he still wants our help.",
            "Please don't close it, he has not withdrawn.",
        ] {
            assert!(read_answer(text).declines, "{text}");
        }
        for text in [
            "Confirmed",
            "Confirmed? No, checking.",
            "No, not yet - Pat is checking.",
            "No idea, will ask.",
            "Not sure?",
            "Nothing from us yet",
            "Now closed on our side",
            // A `No` that agrees or waits.
            "No problem - confirmed, I will close it today.",
            "No doubt about it, he rang us too. Please close.",
            "No, he has withdrawn - I spoke to him myself.",
            "No further action from us - closing our file.",
            "No - waiting to hear back from probation.",
            "No, will confirm once I have spoken to him on Thursday.",
        ] {
            assert!(!read_answer(text).declines, "{text}");
        }
    }

    #[test]
    fn lead_lines_name_the_lead() {
        let text = "Good morning,\n\nWe have accepted the referral.\n\nLead officer: Jo Officer\n\
                    Email: jo.officer@colchester.gov.uk\nTelephone: 01206 500 123\n\nKind regards\n";
        let lead = read_named_lead(text).expect("a lead");
        assert_eq!(lead.name.as_deref(), Some("Jo Officer"));
        assert_eq!(
            lead.email.as_ref().map(|e| e.as_str()),
            Some("jo.officer@colchester.gov.uk")
        );
        assert_eq!(
            lead.phone.as_ref().map(|p| p.as_str()),
            Some("01206 500 123")
        );
    }

    #[test]
    fn one_line_with_name_and_address() {
        let lead = read_named_lead("Named lead officer: \"Jo Officer\" <jo@colchester.gov.uk>")
            .expect("a lead");
        assert_eq!(lead.name.as_deref(), Some("Jo Officer"));
        assert_eq!(
            lead.email.as_ref().map(|e| e.as_str()),
            Some("jo@colchester.gov.uk")
        );
    }

    #[test]
    fn quoted_text_is_not_read() {
        for quote in [
            "> Lead officer: Someone Else",
            "On Mon, 23 Nov 2026 at 10:00, DTR <dtr@x.gov.uk> wrote:\nLead officer: Someone Else",
            "-----Original Message-----\nLead officer: Someone Else",
            "From: Colchester Duty to Refer\nSent: Monday\nLead officer: Someone Else",
        ] {
            let text = format!("Thanks, noted.\n\n{quote}\n");
            assert_eq!(read_named_lead(&text), None, "{quote}");
        }
    }

    #[test]
    fn the_prompt_left_unfilled_names_no_one() {
        let text =
            "Done.\nLead officer: (name)\nEmail: (email address)\nTelephone: (telephone number)\n";
        assert_eq!(read_named_lead(text), None);
    }

    #[test]
    fn a_signature_alone_names_no_one() {
        assert_eq!(
            read_named_lead("Thanks\nEmail: team@colchester.gov.uk\nTel: 01206 500000"),
            None
        );
    }

    #[test]
    fn lead_lines_as_officers_write_them() {
        let named = |text: &str| read_named_lead(text);
        let jo = Some("Jo Officer".to_string());
        let jo_at = EmailAddress::parse("jo.officer@colchester.gov.uk").ok();
        for text in [
            "Lead officer: Jo Officer (jo.officer@colchester.gov.uk)",
            "Lead officer: Jo Officer, jo.officer@colchester.gov.uk, 01206 282 000",
            "Lead officer - Jo Officer <jo.officer@colchester.gov.uk>",
            "*Lead officer:* Jo Officer, jo.officer@colchester.gov.uk",
            "**Lead officer**: Jo Officer (jo.officer@colchester.gov.uk)",
        ] {
            let lead = named(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(
                (lead.name, lead.email),
                (jo.clone(), jo_at.clone()),
                "{text}"
            );
        }
        let lead = named("Lead officer: Jo Officer, jo.officer@colchester.gov.uk, 01206 282 000")
            .expect("named");
        assert_eq!(
            lead.phone.map(|p| p.as_str().to_string()),
            Some("01206 282 000".into())
        );
        let lead = named("Lead officer: Jo Officer jo.officer@colchester.gov.uk").expect("named");
        assert_eq!((lead.name, lead.email), (jo.clone(), jo_at.clone()));
        // An address on the lead line names the lead.
        let lead = named("Lead officer: jo.officer@colchester.gov.uk").expect("named");
        assert_eq!(lead.email, jo_at);
    }

    #[test]
    fn a_done_line_that_says_not_done_is_not_done() {
        for value in [
            "not yet - lead officer not yet allocated",
            "No",
            "TBC",
            "pending allocation",
            "will do tomorrow",
            "n/a",
            "haven't yet",
        ] {
            let reading = read_answer(&format!("Done: {value}"));
            assert!(reading.done.is_empty(), "{value}");
        }
        assert_eq!(
            read_answer("Done: appointments confirmed").done,
            vec!["appointments confirmed".to_string()]
        );
    }

    #[test]
    fn a_sentence_naming_the_lead_names_them() {
        let lead = read_named_lead(
            "Sarah Jones (sarah.jones@basildon.gov.uk) is the lead officer for this case \
             and has spoken to probation today.",
        )
        .expect("named");
        assert_eq!(lead.name.as_deref(), Some("Sarah Jones"));
        assert_eq!(
            lead.email.map(|e| e.to_string()).as_deref(),
            Some("sarah.jones@basildon.gov.uk")
        );
        for text in [
            "Who is the lead officer?",
            "I will be the lead officer.",
            "This is the lead officer's inbox.",
            "Sarah is not the lead officer.",
            "Hi, I will be the lead officer for this case.",
        ] {
            assert_eq!(read_named_lead(text), None, "{text}");
        }
        // Typed after the placeholder; a note in brackets; a role.
        let lead = read_named_lead("Lead officer: (name) Peter Quill").expect("named");
        assert_eq!(lead.name.as_deref(), Some("Peter Quill"));
        let lead =
            read_named_lead("Lead officer: Sarah Jones (covering until allocated)").expect("named");
        assert_eq!(lead.name.as_deref(), Some("Sarah Jones"));
        assert_eq!(read_named_lead("Lead officer: Duty officer"), None);
    }

    #[test]
    fn a_lead_not_yet_allocated_names_no_one() {
        for value in [
            "TBC",
            "tbc - will confirm Monday",
            "Not yet allocated",
            "N/A",
            "To be confirmed",
            "Awaiting allocation",
            "Unallocated",
            "We have not yet allocated an officer",
        ] {
            let text = format!("Thanks, received.\nLead officer: {value}\nTelephone: 01206 500000");
            assert_eq!(read_named_lead(&text), None, "{value}");
        }
    }

    #[test]
    fn an_officer_who_says_they_are_the_lead_names_themselves() {
        for text in [
            "Hi, I will be the lead officer for this case.\n\nPeter Quill\nHousing Officer",
            "This has been allocated to me - I'll pick it up today.",
            "I’m the named officer, please contact me directly.",
        ] {
            assert!(read_answer(text).sender_takes_lead, "{text}");
        }
        for text in [
            "I will not be the lead officer; Jo will.",
            "Who will be the lead officer?",
            "This case has not been allocated to me yet.",
            "I won't be the lead officer",
            "Once allocated to me I will call you.",
        ] {
            assert!(!read_answer(text).sender_takes_lead, "{text}");
        }
    }

    #[test]
    fn contacts_as_the_command_line_gives_them() {
        let both = NamedLead::parse_contact("Jo Officer <jo@colchester.gov.uk>").expect("named");
        assert_eq!(both.name.as_deref(), Some("Jo Officer"));
        let address = NamedLead::parse_contact("jo@colchester.gov.uk").expect("named");
        assert_eq!(address.name, None);
        assert!(address.email.is_some());
        assert_eq!(NamedLead::parse_contact("  "), None);
        let a = NamedLead::parse_contact("Jo Officer").expect("named");
        let b = NamedLead::parse_contact("jo officer <jo@colchester.gov.uk>").expect("named");
        assert!(a.same_person(&b));
        assert!(!both
            .same_person(&NamedLead::parse_contact("Kim <kim@colchester.gov.uk>").expect("named")));
    }

    /// The chase as the gateway writes it, as Outlook quotes it: no `>`,
    /// under a rule and a `From:`/`Sent:` block.
    const OUTLOOK_QUOTE: &str = "________________________________\n\
        From: Colchester Duty to Refer <dutytorefer@colchester.gov.uk>\n\
        Sent: 01 December 2026 09:00\n\
        To: Peter Quill <peter.quill@colchester.gov.uk>\n\
        Subject: [DTR-COL-2026-00001] Chase 1: A substantive response naming the authority's lead officer\n\n\
        Dear Peter Quill,\n\n\
        To record the lead officer, put these three lines in your reply, above\n\
        anything quoted:\n\n\
        Lead officer: (name)\n\
        Email: (email address)\n\
        Telephone: (telephone number)\n";

    #[test]
    fn an_answer_on_top_of_an_outlook_quote() {
        let text = format!(
            "Hi,\n\nLead officer: Peter Quill\nEmail: peter.quill@colchester.gov.uk\n\
             Telephone: 01206 282 000\n\nThanks\n\n{OUTLOOK_QUOTE}"
        );
        let reading = read_answer(&text);
        let lead = reading.named_lead.expect("a lead");
        assert_eq!(lead.name.as_deref(), Some("Peter Quill"));
        assert!(reading.has_own_text);
        // The quote alone, untouched: nobody, and no words of its own.
        let untouched = read_answer(OUTLOOK_QUOTE);
        assert_eq!(untouched.named_lead, None);
        assert!(!untouched.has_own_text);
    }

    #[test]
    fn the_prompt_filled_in_inside_the_quote_names_the_lead() {
        let filled = OUTLOOK_QUOTE
            .replace("Lead officer: (name)", "Lead officer: Peter Quill")
            .replace(
                "Email: (email address)",
                "Email: peter.quill@colchester.gov.uk",
            );
        let text = format!("See below.\n\n{filled}");
        let lead = read_answer(&text).named_lead.expect("a lead");
        assert_eq!(lead.name.as_deref(), Some("Peter Quill"));
        assert_eq!(
            lead.email.as_ref().map(|e| e.as_str()),
            Some("peter.quill@colchester.gov.uk")
        );
        assert_eq!(lead.phone, None);
        // In `>` quoting too.
        let quoted: String = filled.lines().map(|l| format!("> {l}\n")).collect();
        assert!(read_answer(&format!("Done, see below\n{quoted}"))
            .named_lead
            .is_some());
        // Another message's `Lead officer:` line in a quote, not the
        // prompt's block, is not read.
        let other = "Thanks\n> Lead officer: Someone Else\n> Kind regards\n";
        assert_eq!(read_answer(other).named_lead, None);
    }

    #[test]
    fn lines_that_move_a_case_on() {
        let text = "Hello\nDone: written to the prisoner on 3 February\n\
                    Information requested: proof of identity\nRelease date: 14/03/2027\n\
                    Application received: 02/12/2026\n> Done: (what was done)\n";
        let reading = read_answer(text);
        assert_eq!(reading.done, ["written to the prisoner on 3 February"]);
        assert_eq!(
            reading.information_requested.as_deref(),
            Some("proof of identity")
        );
        assert_eq!(reading.release_date.as_deref(), Some("14/03/2027"));
        assert_eq!(reading.application_received.as_deref(), Some("02/12/2026"));
        assert!(read_answer("Yes, that's right.\n> Case lead: Priya").affirms);
        assert!(read_answer("Y\n\nJane").affirms);
        assert!(!read_answer("Yvonne will call you").affirms);
        assert!(!read_answer("No, Priya has not taken over.").affirms);
    }

    #[test]
    fn a_from_line_alone_is_not_a_quote() {
        let text = "From: 1 December the tenancy ends.\nLead officer: Jo Officer\n";
        assert!(read_answer(text).named_lead.is_some());
    }
}
