//! What kind of message this is: a referral, an answer about a case, or
//! something the gateway must never answer.

use super::case_ref::CaseRef;
use super::stored::{compares_with_text, StoredName};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Referral,
    Reply,
    AutoReply,
    Bounce,
    Other,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Referral,
        Kind::Reply,
        Kind::AutoReply,
        Kind::Bounce,
        Kind::Other,
    ];

    /// As stored (`messages.kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Referral => "referral",
            Kind::Reply => "reply",
            Kind::AutoReply => "auto_reply",
            Kind::Bounce => "bounce",
            Kind::Other => "other",
        }
    }

    /// What the gateway took the message for, in words a person reads.
    pub fn in_words(self) -> &'static str {
        match self {
            Kind::Referral => "a referral",
            Kind::Reply => "a reply about a case",
            Kind::AutoReply => "an automatic reply (out of office)",
            Kind::Bounce => "a delivery failure report",
            Kind::Other => "neither a referral nor a reply about a case",
        }
    }
}

impl StoredName for Kind {
    const ALL: &'static [Kind] = &Kind::ALL;
    fn stored_name(self) -> &'static str {
        self.as_str()
    }
}

compares_with_text!(Kind);

/// The header facts classification looks at, read from the message.
#[derive(Clone, Debug, Default)]
pub struct HeaderFacts {
    pub subject: Option<String>,
    pub from_address: Option<String>,
    /// The sender's name as the From header gives it (`Peter Quill`).
    pub from_name: Option<String>,
    /// `Auto-Submitted`, as written.
    pub auto_submitted: Option<String>,
    pub x_autoreply: bool,
    pub x_autorespond: bool,
    pub precedence: Option<String>,
    pub exchange_rules_loop: bool,
    pub list_id: bool,
    /// `multipart/report; report-type=delivery-status`.
    pub delivery_status_report: bool,
    /// `Return-Path: <>`.
    pub null_return_path: bool,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
}

const AUTO_REPLY_SUBJECTS: [&str; 7] = [
    "automatic reply",
    "auto reply",
    "autoreply",
    "auto-reply",
    "out of office",
    "out of the office",
    "auto response",
];

const FAILURE_SUBJECTS: [&str; 9] = [
    "failure notice",
    "undelivered mail",
    "undeliverable",
    "mail delivery failed",
    "delivery status notification",
    "returned mail",
    "delivery failure",
    "mail delivery failure",
    "message not delivered",
];

impl HeaderFacts {
    pub fn is_bounce(&self) -> bool {
        if self.delivery_status_report {
            return true;
        }
        if !self.null_return_path {
            return false;
        }
        let from = self
            .from_address
            .as_deref()
            .unwrap_or("")
            .to_ascii_lowercase();
        let subject = self.subject.as_deref().unwrap_or("").to_ascii_lowercase();
        from.starts_with("mailer-daemon@")
            || from.starts_with("postmaster@")
            || FAILURE_SUBJECTS.iter().any(|s| subject.contains(s))
    }

    pub fn is_auto_reply(&self) -> bool {
        let auto_submitted = self
            .auto_submitted
            .as_deref()
            .is_some_and(|v| !v.trim().eq_ignore_ascii_case("no"));
        let precedence = self.precedence.as_deref().is_some_and(|p| {
            matches!(
                p.trim().to_ascii_lowercase().as_str(),
                "bulk" | "junk" | "auto_reply"
            )
        });
        let subject = self
            .subject
            .as_deref()
            .unwrap_or("")
            .trim_start()
            .to_lowercase();
        auto_submitted
            || self.x_autoreply
            || self.x_autorespond
            || precedence
            || self.exchange_rules_loop
            || AUTO_REPLY_SUBJECTS.iter().any(|s| subject.starts_with(s))
    }

    /// Mailing-list traffic, which the gateway never answers.
    pub fn is_list(&self) -> bool {
        self.list_id
            || self
                .precedence
                .as_deref()
                .is_some_and(|p| p.trim().eq_ignore_ascii_case("list"))
    }

    /// The case this message is about: a reference in the subject, or one of
    /// the gateway's own Message-IDs among those it answers.
    pub fn case_ref(&self) -> Option<CaseRef> {
        self.subject
            .as_deref()
            .and_then(CaseRef::find_in)
            .or_else(|| self.in_reply_to.iter().find_map(|id| gateway_case_ref(id)))
            .or_else(|| self.references.iter().find_map(|id| gateway_case_ref(id)))
    }
}

/// The gateway writes Message-IDs as `<dtr.DTR-COL-2026-00042.PURPOSE.UNIQUE@DOMAIN>`,
/// so that an answer can be tied to its case without looking anything up.
pub fn gateway_case_ref(message_id: &str) -> Option<CaseRef> {
    let id = message_id.trim().trim_start_matches('<');
    let rest = id.strip_prefix("dtr.")?;
    let reference = rest.get(..18)?;
    reference.parse().ok()
}

/// Puts the kinds in the contract's order of precedence.
pub fn classify(facts: &HeaderFacts, looks_like_referral: bool) -> Kind {
    if facts.is_bounce() {
        Kind::Bounce
    } else if facts.is_auto_reply() {
        Kind::AutoReply
    } else if facts.case_ref().is_some() {
        Kind::Reply
    } else if looks_like_referral {
        Kind::Referral
    } else {
        Kind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_from_their_stored_names() {
        crate::core::stored::tests::round_trips::<Kind>("messages", "kind");
    }

    #[test]
    fn precedence_of_kinds() {
        let mut facts = HeaderFacts {
            subject: Some("Automatic reply: [DTR-COL-2026-00042] Referral received".into()),
            ..HeaderFacts::default()
        };
        assert_eq!(classify(&facts, true), Kind::AutoReply);
        facts.subject = Some("RE: [DTR-COL-2026-00042] Referral received".into());
        assert_eq!(classify(&facts, true), Kind::Reply);
        facts.auto_submitted = Some("no".into());
        assert_eq!(classify(&facts, true), Kind::Reply);
        facts.delivery_status_report = true;
        assert_eq!(classify(&facts, true), Kind::Bounce);
        let plain = HeaderFacts::default();
        assert_eq!(classify(&plain, true), Kind::Referral);
        assert_eq!(classify(&plain, false), Kind::Other);
    }

    #[test]
    fn gateway_message_ids_name_their_case() {
        let facts = HeaderFacts {
            in_reply_to: vec!["<dtr.DTR-BAS-2026-00007.ack.7f3a@dtr-gateway.invalid>".into()],
            ..HeaderFacts::default()
        };
        assert_eq!(
            facts.case_ref().map(|r| r.to_string()).as_deref(),
            Some("DTR-BAS-2026-00007")
        );
        assert!(gateway_case_ref("<CAF123@mail.gmail.com>").is_none());
    }
}
