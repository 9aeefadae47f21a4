//! What a message (or a person at the command line) does to the store, as
//! plain values: intake decides a plan, the store carries it out in one
//! transaction without interpreting it. The store imports these types;
//! nothing here knows the store.

use super::address::EmailAddress;
use super::case_ref::{CaseRef, ShortCode};
use super::classify::Kind;
use super::event::EventKind;
use super::field::Field;
use super::ids::{CaseId, OutboxId};
use super::mail::Purpose;
use super::protocol::Evidence;
use super::referral::{Outcome, Referral};
use super::reply::NamedLead;
use super::stored::{compares_with_text, StoredName};
use chrono::{DateTime, NaiveDate, Utc};

/// A case's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaseStatus {
    /// Complete and being worked: its deadlines run.
    Open,
    /// Information is missing; its deadlines run too (the acknowledgement
    /// among them).
    Incomplete,
    /// Referred without consent: who referred, nothing about the person.
    Refused,
    Closed,
    /// Incomplete until its consent lapsed (retention): no longer open,
    /// nothing about the person kept.
    Lapsed,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 5] = [
        CaseStatus::Open,
        CaseStatus::Incomplete,
        CaseStatus::Refused,
        CaseStatus::Closed,
        CaseStatus::Lapsed,
    ];

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::Incomplete => "incomplete",
            CaseStatus::Refused => "refused",
            CaseStatus::Closed => "closed",
            CaseStatus::Lapsed => "lapsed",
        }
    }

    /// A referral judged so is kept as a case in this state.
    pub fn of(outcome: Outcome) -> CaseStatus {
        match outcome {
            Outcome::Complete => CaseStatus::Open,
            Outcome::Incomplete => CaseStatus::Incomplete,
            Outcome::NoConsent => CaseStatus::Refused,
        }
    }

    /// Its deadlines run.
    pub fn is_open(self) -> bool {
        matches!(self, CaseStatus::Open | CaseStatus::Incomplete)
    }
}

impl StoredName for CaseStatus {
    const ALL: &'static [CaseStatus] = &CaseStatus::ALL;
    fn stored_name(self) -> &'static str {
        self.as_str()
    }
}

compares_with_text!(CaseStatus);

/// The message row's own facts.
#[derive(Clone, Debug)]
pub struct MessageFacts {
    pub mailbox: String,
    /// The code of the authority whose mailbox it arrived in.
    pub authority: String,
    pub folder: String,
    pub position: Option<(u32, u32)>,
    pub message_id: Option<String>,
    /// Its subject (at most 200 characters), for a person looking for it.
    pub subject: Option<String>,
    /// What the message says, hashed: its headers and body without the
    /// headers servers add on the way (`Received`, `Authentication-Results`
    /// and the like), so that one message delivered to two inboxes hashes
    /// alike, and a copy whose content was swapped (Defender's Dynamic
    /// Delivery, which delivers a placeholder first and the real attachment
    /// later under the same Message-ID) does not.
    pub sha256: String,
    /// The bytes as received, hashed: what rows recorded before the
    /// content hash kept.
    pub raw_sha256: String,
    pub kind: Kind,
    pub outcome: Option<Outcome>,
    pub sender: Option<String>,
    /// `sender` is the message's own From, not a sender quoted in a
    /// forwarded message's text (which anyone can type).
    pub sender_is_its_own: bool,
    /// The Message-IDs it answers, space-separated (`messages.thread`).
    pub thread: Option<String>,
    pub received_at: DateTime<Utc>,
    /// The attachments' names and types as JSON; `[]` for a refusal.
    pub attachments: String,
    pub source_key: Option<String>,
    /// False for backlog mail older than the configured age.
    pub answerable: bool,
    /// What the receiving organisation's checks said of the sender
    /// (`authenticated`, `internal`, `not_authenticated`, `forged`,
    /// `no_verdict`).
    pub sender_verdict: &'static str,
    /// The receiving server vouches for the sender (or the mailbox trusts
    /// its mail): the mail it causes is held to the limits per recipient
    /// only against mail caused likewise, which a forger cannot add to.
    pub vouched_for: bool,
    /// The sender's domain is allowed to refer.
    pub from_allowed_domain: bool,
}

/// A referral to keep as a case.
#[derive(Clone, Debug, PartialEq)]
pub struct NewCase {
    pub authority: ShortCode,
    pub status: CaseStatus,
    pub referral: Referral,
    pub missing: Vec<Field>,
    pub invalid: Vec<Field>,
    pub urgent: bool,
    /// The first case of the same person, for a further referral.
    pub linked_to: Option<CaseId>,
    /// Who referred: the form's referrer, else the address that sent it
    /// (before any forward); the case's referring side with its case lead.
    pub referrer: Option<EmailAddress>,
    /// The timeline's first event (`referral_received`, ...) and its detail.
    pub event: EventKind,
    pub detail: serde_json::Value,
    /// Where the form was read and which forms disagreed, naming attached
    /// documents (often named after the person): an event of its own
    /// (`form_read`), whose detail a purge erases; null when the form was
    /// the email's own text and nothing disagreed.
    pub form_read: serde_json::Value,
}

/// A change to a case, each with its event on the timeline.
#[derive(Clone, Debug, PartialEq)]
pub enum CaseChange {
    /// The authority answered (which also acknowledges the referral).
    AuthorityResponded { evidence: Evidence, how: String },
    /// The referring side answered.
    ReferrerResponded { evidence: Evidence },
    /// The authority's lead officer for the case.
    LeadOfficerNamed(NamedLead),
    /// The probation or prison side's lead for the case.
    CaseLeadChanged(NamedLead),
    /// The expected release date moved (Home Detention Curfew, parole...).
    ReleaseDateChanged {
        to: NaiveDate,
        urgent: bool,
        by: String,
    },
    /// The homeless application was received (commitment 10's clock).
    ApplicationReceived { on: NaiveDate, by: String },
    /// The authority asked the referring side for information
    /// (commitment 16).
    InformationRequested { at: DateTime<Utc>, what: String },
    /// A later form fills the gaps of the case's referral (never
    /// overwriting who the person is); `completes` when that makes an
    /// incomplete case complete, `at` when it arrived (the protocol's
    /// clocks start then).
    ReferralCompleted {
        referral: Box<Referral>,
        missing: Vec<Field>,
        status: CaseStatus,
        urgent: bool,
        completes: bool,
        at: DateTime<Utc>,
    },
    /// The acknowledgement came back undelivered: the referrer has not
    /// been told, so commitment 9 is not met until someone does.
    AcknowledgementReturned { to: Vec<EmailAddress> },
    /// Something the message asked for that was not done, and why: on the
    /// timeline, so that the case says so.
    NotApplied { what: String, why: String },
    /// The person has withdrawn their consent to the referral, as the
    /// council confirmed: without it no referral stands, so the case
    /// closes and its deadlines end. `by` says who said so.
    /// `refused` when consent had never been given (an incomplete
    /// referral answered `No`): the referral is refused, as one sent
    /// without consent is.
    ConsentWithdrawn {
        by: String,
        at: DateTime<Utc>,
        refused: bool,
        /// The notice the council answered: a withdrawal taken back, or
        /// the case reopened, since it was sent is not confirmed by it.
        notice: Option<OutboxId>,
    },
    /// An event only.
    Noted {
        event: EventKind,
        detail: serde_json::Value,
    },
}

/// What recording a message does beyond recording it.
#[derive(Clone, Debug, PartialEq)]
pub enum Disposition {
    /// Open a case.
    Open(Box<NewCase>),
    /// Change an existing case, with the message's event.
    Change {
        case: CaseId,
        case_ref: CaseRef,
        event: EventKind,
        changes: Vec<CaseChange>,
    },
    /// Keep the record of the message only.
    RecordOnly,
    /// Keep it aside for a person to look at, with the reason.
    Quarantine { reason: String },
}

/// One of the gateway's mails that a bounce reports failed for good, for
/// one of its recipients.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Returned {
    pub outbox_id: OutboxId,
    pub recipients: Vec<EmailAddress>,
}

/// A mail the gateway will send. It becomes an outbox row in the same
/// transaction as what caused it: an answer to a message, a deadline's
/// follow-up, a change recorded by hand.
#[derive(Clone, Debug, PartialEq)]
pub struct OutgoingMail {
    pub purpose: Purpose,
    pub to: Vec<EmailAddress>,
    pub cc: Vec<EmailAddress>,
    /// Once per case (acknowledgement, notice, refusal), or once per
    /// message that caused it (an incomplete reply to each incomplete
    /// referral), unless `step` keys it.
    pub once_per_case: bool,
    /// What the template needs beyond the case: missing fields, a reason.
    pub context: serde_json::Value,
    /// Recipients at the authority itself: not held back by the hourly
    /// limit, which guards against runaway exchanges with others.
    pub unlimited: Vec<EmailAddress>,
    /// Its own key within the case (`lead_officer:chase:2@2026-11-30`,
    /// `lead_changed@…`): once per case and key.
    pub step: Option<String>,
    /// The Message-ID it threads under instead of the message that caused
    /// it: a notice about a report must not thread under whoever wrote the
    /// report.
    pub thread_under: Option<String>,
    /// Kept until then before it goes: the notice of a message whose real
    /// copy may follow under the same Message-ID (Defender's Dynamic
    /// Delivery delivers the note first and its attachment minutes later),
    /// withheld if that copy comes in time.
    pub held_until: Option<chrono::DateTime<chrono::Utc>>,
}

impl OutgoingMail {
    /// The mail telling `referrer` that their referral lapsed, its consent
    /// not confirmed `by` that day (None: the sender works it out from when
    /// the case opened, as the incomplete mail did); `late_answer` when it
    /// answers their reply that brought consent after the lapse. Each once
    /// per case: at the lapse, and at the first late reply.
    pub fn consent_lapsed(referrer: EmailAddress, by: Option<String>, late_answer: bool) -> Self {
        OutgoingMail {
            purpose: Purpose::ConsentLapsed,
            to: vec![referrer],
            cc: Vec::new(),
            once_per_case: !late_answer,
            context: serde_json::json!({
                "outcome": "incomplete",
                "lapse": { "by": by, "late_answer": late_answer },
            }),
            unlimited: Vec::new(),
            step: late_answer.then(|| "consent_lapsed:late_answer".to_string()),
            thread_under: None,
            held_until: None,
        }
    }
}

/// Everything a message does: its disposition, the mails it causes, and
/// the gateway mail it reports failed.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub disposition: Disposition,
    pub mails: Vec<OutgoingMail>,
    pub returned: Option<Returned>,
    /// Recipients of the gateway's mail that it failed to reach for good
    /// (a bounce, a block, a leaver's automatic reply): the contacts to
    /// correct, recorded for the digest and `status`.
    pub undelivered: Vec<Undelivered>,
}

impl Plan {
    pub fn only(disposition: Disposition) -> Plan {
        Plan {
            disposition,
            mails: Vec::new(),
            returned: None,
            undelivered: Vec::new(),
        }
    }
}

/// One recipient of one of the gateway's mails that it failed to reach for
/// good. It changes no deadline: whoever sent the report, the contact is
/// only named to the authority for a person to check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undelivered {
    pub outbox_id: OutboxId,
    pub failure: super::undelivered::Failure,
    /// The receiving server vouched for the report's or reply's sender.
    pub vouched: bool,
    /// Who the address is on the case.
    pub role: super::undelivered::Role,
}

/// The open case of the person a referral names, at the authority it goes
/// to, as the store finds it while recording: what intake needs to decide
/// between completing it and linking a further referral.
#[derive(Clone, Debug, PartialEq)]
pub struct PersonCase {
    pub id: CaseId,
    pub case_ref: CaseRef,
    pub status: CaseStatus,
    pub referral: Referral,
    pub referrer_email: Option<EmailAddress>,
    pub case_lead_email: Option<EmailAddress>,
    /// Its first consent answer was asked again (see
    /// [`CaseContacts::consent_first_doubted`]).
    pub consent_first_doubted: bool,
}

/// Who is on a case, as intake needs to know to judge an answer.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseContacts {
    pub id: CaseId,
    pub case_ref: CaseRef,
    pub authority: String,
    pub status: CaseStatus,
    pub referral: Referral,
    pub referrer_email: Option<EmailAddress>,
    /// The referrer's domain, kept when the personal details are erased:
    /// where an answer to a lapsed case may come from.
    pub referrer_domain: Option<String>,
    pub case_lead: NamedLead,
    pub lha_lead: NamedLead,
    pub release_date: Option<NaiveDate>,
    pub received_at: DateTime<Utc>,
    /// The personal details were erased: a late answer adds none.
    pub purged: bool,
    /// The fields the referral's forms answered differently when the case
    /// opened: neither answer was taken, and the case waits for the
    /// referrer's.
    pub conflicts: Vec<super::field::Field>,
    /// The referral's consent answer was asked again when the case opened
    /// (it carried a limit, a condition, someone else's word).
    pub consent_first_doubted: bool,
    /// The latest mail asking the referring side for what the referral
    /// lacks, as queued; none when none was.
    pub last_request: Option<LastRequest>,
    /// How many times a reported withdrawal of consent was settled (taken
    /// back, declined or confirmed by the council, or the case reopened):
    /// a report after the last settlement asks the council afresh.
    pub withdrawals_settled: i64,
    /// A withdrawal reported by the referrer, the case lead or the council
    /// waits for the council's answer: the case's follow-ups are held.
    pub withdrawal_waits: bool,
}

/// A mail asking for what a referral lacks, as it was queued: to whom, and
/// what it asked (its context: `missing`, `invalid`, `consent_doubt`, and
/// `asked_again` when it answered the referring side's answer).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LastRequest {
    pub to: Vec<EmailAddress>,
    pub context: serde_json::Value,
}

impl CaseContacts {
    /// The case's referrer or its current case lead: the referring side's
    /// own voices.
    pub fn is_referring_side(&self, address: &EmailAddress) -> bool {
        [&self.referrer_email, &self.case_lead.email]
            .into_iter()
            .flatten()
            .any(|a| a.same_mailbox(address))
    }
}

/// One of the gateway's own mails that a message answers (its
/// `In-Reply-To` or `References`), or that a bounce returns.
#[derive(Clone, Debug, PartialEq)]
pub struct GatewayMail {
    pub outbox_id: OutboxId,
    /// Its `Message-ID`, with the angle brackets.
    pub message_id: String,
    pub case_id: Option<CaseId>,
    pub purpose: Purpose,
    /// The deadline rule of a follow-up.
    pub rule: Option<String>,
    pub to: Vec<EmailAddress>,
    pub cc: Vec<EmailAddress>,
    pub context: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_statuses_read_back_from_their_stored_names() {
        crate::core::stored::tests::round_trips::<CaseStatus>("cases", "status");
    }
}
