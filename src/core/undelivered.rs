//! Mail that fails for good: what a delivery report, a refusal or an
//! automatic reply says of one of the gateway's mails, in a sentence a
//! council officer can act on. Annex A names people, and people leave: the
//! contact the failure names is the one to correct.

use super::address::EmailAddress;
use super::stored::{compares_with_text, StoredName};
use regex::Regex;
use std::sync::LazyLock;

/// How a mail failed for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// The receiving server refused it: the address is unknown, the
    /// mailbox gone or full.
    Bounced,
    /// A rule refused it: a secure-mail service (CJSM) refusing a domain it
    /// does not class as secure, a data-loss-prevention rule.
    Blocked,
    /// An automatic reply says the person has left, retired, or that the
    /// mailbox is no longer read.
    Left,
}

impl FailureKind {
    pub const ALL: [FailureKind; 3] = [
        FailureKind::Bounced,
        FailureKind::Blocked,
        FailureKind::Left,
    ];

    /// As stored (`contact_failures.kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Bounced => "bounced",
            FailureKind::Blocked => "blocked",
            FailureKind::Left => "left",
        }
    }
}

impl StoredName for FailureKind {
    const ALL: &'static [FailureKind] = &FailureKind::ALL;
    fn stored_name(self) -> &'static str {
        self.as_str()
    }
}

compares_with_text!(FailureKind);

/// What became of one recipient of a gateway mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub address: EmailAddress,
    pub kind: FailureKind,
    /// Why, in one sentence without the address (the notice names it).
    pub reason: String,
}

/// Who an address is on a case: what a person does about its failure
/// depends on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Referrer,
    CaseLead,
    /// The council's lead officer named on the case.
    CouncilLead,
    /// Annex A: the authority's operational lead.
    OperationalLead,
    /// Annex A: the authority's dispute contact.
    DisputeContact,
    /// Annex A: the next level escalations go to.
    NextLevel,
    Other,
}

impl Role {
    const ALL: [Role; 7] = [
        Role::Referrer,
        Role::CaseLead,
        Role::CouncilLead,
        Role::OperationalLead,
        Role::DisputeContact,
        Role::NextLevel,
        Role::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Referrer => "referrer",
            Role::CaseLead => "case_lead",
            Role::CouncilLead => "council_lead",
            Role::OperationalLead => "operational_lead",
            Role::DisputeContact => "dispute_contact",
            Role::NextLevel => "next_level",
            Role::Other => "other",
        }
    }

    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// The role in words, after "the address of".
    pub fn in_words(self) -> &'static str {
        match self {
            Role::Referrer => "the referrer",
            Role::CaseLead => "the case lead",
            Role::CouncilLead => "the council's lead officer on the case",
            Role::OperationalLead => "the council's operational lead (Annex A)",
            Role::DisputeContact => "the council's dispute contact (Annex A)",
            Role::NextLevel => "the next level for escalations (Annex A)",
            Role::Other => "a recipient of the mail",
        }
    }

    /// A contact the council's own configuration names.
    pub fn is_annex_a(self) -> bool {
        matches!(
            self,
            Role::OperationalLead | Role::DisputeContact | Role::NextLevel
        )
    }
}

impl StoredName for Role {
    const ALL: &'static [Role] = &Role::ALL;
    fn stored_name(self) -> &'static str {
        self.as_str()
    }
}

/// What a person should do about a failure of an address with this role.
pub fn advice(role: Role, kind: FailureKind) -> &'static str {
    match (kind, role) {
        (FailureKind::Blocked, _) => {
            "The address is not wrong: the receiving organisation refuses the council's mail. \
             Arrange a secure route with them (a CJSM account, their secure-mail allow list or \
             an exception to their rule), and tell them of the case another way meanwhile."
        }
        (_, r) if r.is_annex_a() => {
            "Correct this contact in the gateway's configuration (authorities.toml, from Annex \
             A) and restart it; tell whoever now holds the role of the case by hand meanwhile."
        }
        (_, Role::Referrer | Role::CaseLead) => {
            "Ask the referring team for a current address, and tell them of the case another \
             way (by phone, or through their secure mail)."
        }
        (_, Role::CouncilLead) => {
            "Name a current lead officer on the case, and tell them of it by hand."
        }
        _ => {
            "Please check the address with the referrer's team or the contact list (Annex A), \
             correct it, and tell them of the case another way (by phone, or through their \
             secure mail)."
        }
    }
}

/// The addresses a text names (a leaver's reply naming who to write to
/// instead), in order, each once.
pub fn addresses_in(text: &str) -> Vec<EmailAddress> {
    let mut found: Vec<EmailAddress> = Vec::new();
    for word in text.split(|c: char| {
        c.is_whitespace() || matches!(c, '<' | '>' | '(' | ')' | '[' | ']' | ',' | ';' | '"')
    }) {
        let word = word.trim_matches(|c: char| matches!(c, '.' | ':' | '\'' | '!' | '?'));
        let word = word.strip_prefix("mailto:").unwrap_or(word);
        if !word.contains('@') {
            continue;
        }
        if let Ok(address) = EmailAddress::parse(word) {
            if !found.contains(&address) {
                found.push(address);
            }
        }
    }
    found
}

static ENHANCED_STATUS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b").expect("static pattern"));

static PERMANENT_REPLY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b5[0-5][0-9][ -]").expect("static pattern"));

/// Words of a secure-mail service refusing the sending domain.
const SECURE_MAIL_REFUSALS: [&str; 6] = [
    "cjsm",
    "not classed as secure",
    "not a secure domain",
    "not recognised as secure",
    "not recognized as secure",
    "secure email service",
];

/// Words of a data-loss-prevention or policy rule.
const POLICY_REFUSALS: [&str; 9] = [
    "data loss prevention",
    "dlp",
    "policy",
    "blocked",
    "sensitive information",
    "transport rule",
    "not authorized to send",
    "not authorised to send",
    "content filter",
];

/// Words of an address that does not exist (any more).
const NO_SUCH_ADDRESS: [&str; 9] = [
    "recipnotfound",
    "user unknown",
    "unknown user",
    "no such user",
    "does not exist",
    "doesn't exist",
    "address rejected",
    "mailbox unavailable",
    "recipient not found",
];

/// One recipient's failure, from the status and diagnostic its delivery
/// report gives (`Status: 5.1.1`, `Diagnostic-Code: smtp; 550 5.1.1
/// RESOLVER.ADR.RecipNotFound`) and the report's words for people.
pub fn from_report(
    address: EmailAddress,
    status: Option<&str>,
    diagnostic: Option<&str>,
    notification: &str,
) -> Failure {
    let diagnostic = diagnostic.unwrap_or("");
    let code = status
        .and_then(|s| ENHANCED_STATUS.captures(s))
        .or_else(|| ENHANCED_STATUS.captures(diagnostic))
        .map(|c| (c[2].to_string(), c[3].to_string()));
    let diagnostic_lower = diagnostic.to_lowercase();
    let notification_lower = notification.to_lowercase();
    let says = |words: &[&str]| {
        words
            .iter()
            .any(|w| diagnostic_lower.contains(w) || notification_lower.contains(w))
    };
    let (kind, reason) = if says(&SECURE_MAIL_REFUSALS) {
        (
            FailureKind::Blocked,
            "the recipient's secure mail service (CJSM) refused it, as it does not class the \
             council's domain as secure",
        )
    } else if code.as_ref().is_some_and(|(s, _)| s == "7") && says(&POLICY_REFUSALS)
        || code.is_none() && says(&POLICY_REFUSALS)
    {
        (
            FailureKind::Blocked,
            "a rule of the receiving organisation (data-loss prevention or a mail policy) \
             blocked it",
        )
    } else if code
        .as_ref()
        .is_some_and(|(s, d)| s == "1" && matches!(d.as_str(), "1" | "6" | "10"))
        || says(&NO_SUCH_ADDRESS)
    {
        (
            FailureKind::Bounced,
            "the receiving server says the address does not exist (any more)",
        )
    } else if code.as_ref().is_some_and(|(s, _)| s == "2") {
        (
            FailureKind::Bounced,
            "the receiving server says the mailbox is full or disabled",
        )
    } else if code.as_ref().is_some_and(|(s, _)| s == "7") {
        (
            FailureKind::Blocked,
            "the receiving organisation refused it (a security or policy rule)",
        )
    } else {
        (
            FailureKind::Bounced,
            "the receiving server refused it for good",
        )
    };
    Failure {
        address,
        kind,
        reason: reason.to_string(),
    }
}

/// Does a bounce that is not a delivery report say it failed for good (a
/// `5.x.x` status or a `5xx` reply) rather than that it is still trying?
pub fn says_permanent(notification: &str) -> bool {
    let lower = notification.to_lowercase();
    let delayed = ["delayed", "will retry", "still trying", "temporary"]
        .iter()
        .any(|w| lower.contains(w));
    let permanent = ENHANCED_STATUS
        .captures_iter(notification)
        .any(|c| &c[1] == "5")
        || PERMANENT_REPLY.is_match(notification)
        || SECURE_MAIL_REFUSALS.iter().any(|w| lower.contains(w));
    permanent && !delayed
}

/// Phrases that say a mailbox is no longer read, whoever writes them.
const MAILBOX_GONE: [&str; 8] = [
    "no longer monitored",
    "no longer in use",
    "no longer active",
    "no longer checked",
    "no longer in post",
    "will be closed",
    "has been closed",
    "not monitored",
];

/// `left`, `moved` or `no longer work` followed by what was left: an
/// organisation, a role, a post (not the office, a day, instructions).
static LEFT_SOMETHING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b(?:has|have|had)\s+(?:now\s+|recently\s+)?left\s+(?P<left>[a-z0-9'&().,-]+(?:\s+[a-z0-9'&().,-]+){0,3})",
    )
    .expect("static pattern")
});

static NO_LONGER_WORKS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\bno\s+longer\s+(?:works?|employed|based)\s+(?:for|at|in|with|here|by)\b|\bno\s+longer\s+(?:with|part\s+of)\s+(?:the|this|[a-z]+\s+(?:council|service|team|trust))\b",
    )
    .expect("static pattern")
});

static MOVED_ON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b(?:have|has|had)\s+(?:now\s+)?(?:moved|transferred)\s+(?:on\b|(?:to|into)\s+(?:a\s+)?(?:new|another|different)\s+(?:role|post|job|position|team|organisation|department))",
    )
    .expect("static pattern")
});

static RETIRED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:have|has|had)\s+(?:now\s+)?retired\b").expect("static pattern")
});

/// What someone who leaves for a while leaves: the office, for the day,
/// instructions, a message.
const LEFT_FOR_A_WHILE: [&str; 12] = [
    "the office",
    "office",
    "for ",
    "instructions",
    "a message",
    "a note",
    "my desk",
    "the building",
    "early",
    "work for",
    "messages",
    "details",
];

/// Words of someone who comes back: a return date, a range of dates.
const COMES_BACK: [&str; 16] = [
    "until",
    "back on",
    "back in the office",
    "back at work",
    "return on",
    "returning on",
    "on my return",
    "when i return",
    "when i am back",
    "while i am away",
    "tomorrow",
    "will reply",
    "will respond",
    "will get back to you",
    "annual leave",
    "out of the office",
];

static DATE_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\bbetween\s+[^.]{0,40}?\d[^.]{0,30}?\band\b|\bfrom\s+\w*\s*\d{1,2}\s+\w+\s+(?:to|until)\s+\w*\s*\d")
        .expect("static pattern")
});

/// Does an automatic reply say that the person has left (an organisation,
/// a role, a post), retired, or that the mailbox is no longer read, with
/// no word of coming back? Someone away for the day, a break or annual
/// leave comes back, and nobody needs correcting.
pub fn leaver(subject: Option<&str>, text: &str) -> Option<String> {
    let lower = format!("{}\n{}", subject.unwrap_or(""), text).to_lowercase();
    // Apostrophes as Outlook writes them, and lines run together.
    let lower = lower
        .replace(['\u{2019}', '\u{2018}'], "'")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if COMES_BACK.iter().any(|w| lower.contains(w))
        || lower.contains("out of office")
        || DATE_RANGE.is_match(&lower)
    {
        return None;
    }
    let left_for_good = LEFT_SOMETHING.captures_iter(&lower).any(|c| {
        let what = c.name("left").map_or("", |m| m.as_str());
        !LEFT_FOR_A_WHILE.iter().any(|w| what.starts_with(w))
    });
    let gone = left_for_good
        || NO_LONGER_WORKS.is_match(&lower)
        || MOVED_ON.is_match(&lower)
        || RETIRED.is_match(&lower)
        || MAILBOX_GONE.iter().any(|w| lower.contains(w));
    gone.then(|| {
        "an automatic reply says that the person has left, or that the mailbox is no longer \
         read"
            .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_kinds_and_roles_read_back_from_their_stored_names() {
        crate::core::stored::tests::round_trips::<FailureKind>("contact_failures", "kind");
        crate::core::stored::tests::round_trips::<Role>("contact_failures", "role");
    }

    fn addr(a: &str) -> EmailAddress {
        EmailAddress::parse(a).expect("address")
    }

    #[test]
    fn a_postfix_unknown_user_is_an_address_that_does_not_exist() {
        let f = from_report(
            addr("gone@justice.gov.uk"),
            Some("5.1.1"),
            Some("smtp; 550 5.1.1 <gone@justice.gov.uk>: Recipient address rejected: User unknown in local recipient table"),
            "This is the mail system at host mail.colchester.gov.uk.\n\nI'm sorry to have to inform you that your message could not be delivered",
        );
        assert_eq!(f.kind, FailureKind::Bounced);
        assert!(f.reason.contains("does not exist"), "{}", f.reason);
    }

    #[test]
    fn an_exchange_resolver_failure_is_an_address_that_does_not_exist() {
        let f = from_report(
            addr("sam.officer@essex.gov.uk"),
            Some("5.1.1"),
            Some("smtp;550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"),
            "Your message to sam.officer@essex.gov.uk couldn't be delivered.",
        );
        assert_eq!(f.kind, FailureKind::Bounced);
        assert!(f.reason.contains("does not exist"));
        // The same without a Status line: the diagnostic's own code.
        let f = from_report(
            addr("sam.officer@essex.gov.uk"),
            None,
            Some("smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"),
            "",
        );
        assert!(f.reason.contains("does not exist"));
    }

    #[test]
    fn a_data_loss_prevention_rule_is_a_block() {
        let f = from_report(
            addr("jo@justice.gov.uk"),
            Some("5.7.1"),
            Some("smtp; 550 5.7.1 Delivery not authorized, message refused: the message was blocked by a Data Loss Prevention policy"),
            "Delivery has failed to these recipients or groups",
        );
        assert_eq!(f.kind, FailureKind::Blocked);
        assert!(f.reason.contains("data-loss prevention"), "{}", f.reason);
    }

    #[test]
    fn a_secure_mail_refusal_names_cjsm() {
        let f = from_report(
            addr("jo@justice.gov.uk.cjsm.net"),
            Some("5.7.1"),
            Some("smtp; 550 5.7.1 Message rejected: the sending domain is not classed as secure by the CJSM service"),
            "",
        );
        assert_eq!(f.kind, FailureKind::Blocked);
        assert!(f.reason.contains("CJSM"), "{}", f.reason);
        // A plain-text refusal, not a report: permanent by its code.
        let text = "Your message could not be delivered to jo@justice.gov.uk.cjsm.net.\n\
                    554 5.7.1 CJSM: mail from colchester.gov.uk is refused, the domain is not a secure domain.";
        assert!(says_permanent(text));
        assert!(!says_permanent(
            "Delivery to the following recipient has been delayed: 451 4.4.1 will retry"
        ));
    }

    #[test]
    fn a_full_mailbox_and_an_unknown_refusal_read_as_sentences() {
        let full = from_report(addr("a@b.gov.uk"), Some("5.2.2"), None, "");
        assert!(full.reason.contains("mailbox is full"));
        let other = from_report(addr("a@b.gov.uk"), Some("5.4.4"), None, "");
        assert_eq!(other.reason, "the receiving server refused it for good");
    }

    #[test]
    fn an_outlook_leaver_reply_is_a_leaver_and_out_of_office_is_not() {
        let leaver_text = "Thank you for your email. I have now left Essex Probation Service \
                           and this mailbox is no longer monitored. Please contact the duty \
                           team instead.";
        assert!(leaver(
            Some("Automatic reply: [DTR-COL-2026-00001] Chase"),
            leaver_text
        )
        .is_some());
        assert!(leaver(None, "Sam Officer no longer works here.").is_some());
        assert!(leaver(None, "I have retired from the council; thank you all.").is_some());
        assert!(leaver(
            Some("Automatic reply: [DTR-COL-2026-00001] Chase"),
            "I am out of the office until Monday 7 December with limited access to email. \
             I will reply on my return."
        )
        .is_none());
        assert!(leaver(
            Some("Out of Office"),
            "I am on annual leave until Monday; this mailbox is not monitored while I am away."
        )
        .is_none());
    }

    #[test]
    fn away_messages_are_not_leavers() {
        for away in [
            "I have left the office for the day and will respond tomorrow morning.",
            "I'm out of the office until Monday 14 December. I have left instructions with my \
             colleague, who will deal with anything urgent.",
            "This mailbox is not monitored between 24 December and 2 January.",
            "Please note I no longer work Fridays; I will reply to you on Monday.",
            "I have left the office for the Christmas break and am on annual leave until \
             Monday 4 January 2027.",
            "I am on annual leave until Monday 14 December. Please note that Sam Jones has \
             left the team; for housing matters write to the duty inbox.",
        ] {
            assert_eq!(leaver(Some("Automatic reply: Chase"), away), None, "{away}");
        }
    }

    #[test]
    fn leavers_are_found_however_they_say_it() {
        for gone in [
            "I have moved to a new role within the council and this mailbox will be closed \
             shortly.",
            "I no longer work for the Probation Service. Please contact the duty team.",
            "I have left HMPPS. Please write to the office manager.",
            "This mailbox is no longer monitored.",
            "I have retired. Thank you all.",
            "I have now left Essex Probation Service and this mailbox is no longer monitored.",
            "Sam Officer no longer works here.",
        ] {
            assert!(
                leaver(Some("Automatic reply: Chase"), gone).is_some(),
                "{gone}"
            );
        }
    }

    #[test]
    fn advice_follows_the_role_and_a_block_is_not_a_wrong_address() {
        let annex = advice(Role::OperationalLead, FailureKind::Bounced);
        assert!(annex.contains("authorities.toml"), "{annex}");
        let block = advice(Role::OperationalLead, FailureKind::Blocked);
        assert!(
            block.contains("not wrong") && block.contains("secure route"),
            "{block}"
        );
        let referrer = advice(Role::Referrer, FailureKind::Left);
        assert!(
            referrer.contains("referring team for a current address"),
            "{referrer}"
        );
        assert_eq!(
            Role::from_name("dispute_contact"),
            Some(Role::DisputeContact)
        );
    }

    #[test]
    fn a_leavers_reply_names_its_replacement() {
        assert_eq!(
            addresses_in("Please write to Sam Jones <sam.jones@justice.gov.uk>, or mailto:duty@justice.gov.uk."),
            vec![addr("sam.jones@justice.gov.uk"), addr("duty@justice.gov.uk")]
        );
    }
}
