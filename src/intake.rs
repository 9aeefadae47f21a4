//! Intake: what a message should do to the store. The decision is a pure
//! function of what the message says and the configuration; `Store::record`
//! carries it out in one transaction.

use crate::config::{Config, Mailbox, NoticeTo};
use crate::core::address::EmailAddress;
use crate::core::authority::Authority;
use crate::core::case_ref::{CaseRef, ShortCode};
use crate::core::classify::Kind;
use crate::core::field::Field;
use crate::core::mail::Purpose;
use crate::core::referral::{Outcome, Referral};
use crate::core::reply::NamedLead;
use crate::message::{analyse, Analysis, Context};
use crate::store::{CaseContacts, LeadUpdate, Recorded, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};

/// A message as it arrived: where from and its bytes.
pub struct Incoming<'a> {
    pub mailbox: &'a Mailbox,
    pub folder: &'a str,
    /// IMAP UIDVALIDITY and UID, when the message came from IMAP.
    pub position: Option<(u32, u32)>,
    pub raw: &'a [u8],
    pub received_at: DateTime<Utc>,
    /// The Maildir file's unique name, when the message came from a Maildir.
    pub source_key: Option<String>,
}

/// What recording a message does beyond recording it.
#[derive(Clone, Debug, PartialEq)]
pub enum Disposition {
    /// Open a case, or attach to the person's open case at the authority.
    OpenOrAttach {
        authority: ShortCode,
        referral: Referral,
        outcome: Outcome,
        missing: Vec<Field>,
        invalid: Vec<Field>,
        urgent: bool,
    },
    /// Record the refusal: who referred and where, nothing about the person.
    Refused {
        authority: ShortCode,
        referral: Referral,
    },
    /// Add an event to an existing case, and what the answer says of the
    /// case's leads.
    AttachToCase {
        case_ref: CaseRef,
        event: &'static str,
        update: Option<LeadUpdate>,
    },
    /// Keep the record of the message only.
    RecordOnly,
    /// Keep it aside for a person to look at, with the reason.
    Quarantine { reason: String },
}

/// A mail the gateway will send because of a message. It becomes an outbox
/// row in the same transaction that records the message.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub purpose: Purpose,
    pub to: Vec<EmailAddress>,
    pub cc: Vec<EmailAddress>,
    /// Once per case (acknowledgement, notice, refusal) or once per message
    /// (an incomplete reply to each incomplete referral).
    pub once_per_case: bool,
    /// What the template needs beyond the case: missing fields, a reason.
    pub context: serde_json::Value,
    /// To the authority itself: not held back by the hourly limit, which
    /// guards against runaway exchanges with others.
    pub internal: bool,
    /// For a deadline's follow-up: its step (`lead_officer:chase:2`), which
    /// makes it once per case and step.
    pub step: Option<String>,
}

/// Who gets what, and never: automatic mail, bounces, lists, the gateway's
/// own mail, old backlog, or any address outside the allowed domains.
pub fn plan_answers(
    analysis: &Analysis,
    disposition: &Disposition,
    config: &Config,
    receiving: &Authority,
    answerable: bool,
    contacts: Option<&CaseContacts>,
) -> Vec<Answer> {
    if !answerable || analysis.is_list || is_own(analysis, config) {
        return Vec::new();
    }
    let allowed = |a: &EmailAddress| config.allows_sender(a);
    // The referrer named in the form, else who sent it (before any forward).
    let referrer: Option<EmailAddress> = analysis
        .referral
        .as_ref()
        .and_then(|r| r.referral.referrer_email.clone())
        .or_else(|| analysis.original_sender.clone())
        .or_else(|| analysis.from.clone())
        .filter(allowed);
    let to_referrer = |purpose: Purpose, once_per_case: bool, context: serde_json::Value| {
        referrer.clone().map(|to| Answer {
            purpose,
            to: vec![to],
            cc: Vec::new(),
            once_per_case,
            context,
            internal: false,
            step: None,
        })
    };
    let to_authority =
        |authority: &Authority, purpose: Purpose, once_per_case: bool, context| Answer {
            purpose,
            to: vec![match config.outgoing.notice_to {
                NoticeTo::Inbox => authority.inbox.clone(),
                NoticeTo::OperationalLead => authority.operational_lead.email.clone(),
            }],
            cc: Vec::new(),
            once_per_case,
            context,
            internal: true,
            step: None,
        };
    let labels =
        |fields: &[Field]| -> Vec<&'static str> { fields.iter().map(|f| f.label()).collect() };
    match disposition {
        Disposition::OpenOrAttach {
            authority,
            referral,
            outcome,
            missing,
            invalid,
            ..
        } => {
            let authority = config
                .authorities
                .by_code(authority.as_str())
                .unwrap_or(receiving);
            let context = serde_json::json!({
                "outcome": outcome.as_str(),
                "missing": labels(missing),
                "invalid": labels(invalid),
            });
            let mut answers = Vec::new();
            let reply = match outcome {
                Outcome::Complete => to_referrer(Purpose::Acknowledgement, true, context.clone())
                    .map(|mut a| {
                        // The case lead hears too, when their address may be written to.
                        a.cc = referral
                            .case_lead_email
                            .iter()
                            .filter(|c| allowed(c) && !a.to.contains(c))
                            .cloned()
                            .collect();
                        a
                    }),
                _ => to_referrer(Purpose::Incomplete, false, context.clone()),
            };
            answers.extend(reply);
            answers.push(to_authority(authority, Purpose::Notice, true, context));
            answers
        }
        Disposition::AttachToCase {
            update: Some(update),
            ..
        } => contacts
            .map(|c| lead_change_answers(update, c, config))
            .unwrap_or_default(),
        Disposition::Refused { .. } => to_referrer(Purpose::NoConsent, true, serde_json::json!({}))
            .into_iter()
            .collect(),
        Disposition::Quarantine { reason } if analysis.kind == Kind::Referral => {
            let sender = analysis.from.as_ref().map(|a| a.to_string());
            vec![to_authority(
                receiving,
                Purpose::QuarantineNotice,
                false,
                serde_json::json!({ "reason": reason, "sender": sender }),
            )]
        }
        Disposition::RecordOnly if analysis.kind == Kind::Other && analysis.asks_for_form => {
            analysis
                .from
                .clone()
                .filter(allowed)
                .map(|to| Answer {
                    purpose: Purpose::BlankForm,
                    to: vec![to],
                    cc: Vec::new(),
                    once_per_case: false,
                    context: serde_json::json!({}),
                    internal: false,
                    step: None,
                })
                .into_iter()
                .collect()
        }
        _ => Vec::new(),
    }
}

/// A message the gateway itself sent (seen again in a Sent folder, or
/// returned to the inbox): its Message-ID is the gateway's.
fn is_own(analysis: &Analysis, config: &Config) -> bool {
    analysis.message_id.as_deref().is_some_and(|id| {
        id.starts_with("<dtr.") && id.ends_with(&format!("@{}>", config.outgoing.message_id_domain))
    })
}

/// The message row's own facts.
pub struct MessageFacts {
    pub mailbox: String,
    /// The code of the authority whose mailbox it arrived in.
    pub authority: String,
    pub folder: String,
    pub position: Option<(u32, u32)>,
    pub message_id: Option<String>,
    pub sha256: String,
    pub kind: Kind,
    pub outcome: Option<Outcome>,
    pub sender: Option<String>,
    pub received_at: DateTime<Utc>,
    pub attachments: String,
    pub source_key: Option<String>,
    /// False for backlog mail older than the configured age.
    pub answerable: bool,
    /// For a bounce of the gateway's own mail: that mail's Message-ID.
    pub returned_message_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("mailbox `{0}` belongs to no configured authority")]
    UnknownAuthority(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Decides what a message does. `receiving` is the mailbox's authority.
pub fn decide(
    analysis: &Analysis,
    config: &Config,
    receiving: &Authority,
    received_on: NaiveDate,
    contacts: Option<&CaseContacts>,
) -> Disposition {
    if let Some(problem) = &analysis.problem {
        return Disposition::Quarantine {
            reason: problem.clone(),
        };
    }
    if config.quarantine_unauthenticated {
        // A forged sender: whatever it says, it neither opens a case nor
        // answers one, names a lead, or fails one of the gateway's mails.
        if let Some(reason) = analysis
            .authentication
            .as_ref()
            .and_then(|a| a.failed_checks())
        {
            return Disposition::Quarantine { reason };
        }
    }
    if is_own(analysis, config) {
        // The gateway's own mail, seen again (a Sent folder, an inbox it
        // writes to): recorded, never taken for someone's answer.
        return Disposition::RecordOnly;
    }
    match analysis.kind {
        Kind::Referral => {
            let Some(read) = &analysis.referral else {
                return Disposition::RecordOnly;
            };
            let Some(sender) = &analysis.from else {
                return Disposition::Quarantine {
                    reason: "referral without a sender address".into(),
                };
            };
            if !config.allows_sender(sender) {
                return Disposition::Quarantine {
                    reason: format!(
                        "sender domain {} is not allowed to make referrals",
                        sender.domain()
                    ),
                };
            }
            let authority = read
                .referral
                .lha
                .as_deref()
                .and_then(|name| config.authorities.by_name(name))
                .unwrap_or(receiving)
                .code
                .clone();
            if read.outcome == Outcome::NoConsent {
                return Disposition::Refused {
                    authority,
                    referral: read.referral.without_personal_details(),
                };
            }
            Disposition::OpenOrAttach {
                authority,
                urgent: read.referral.is_urgent(received_on),
                referral: read.referral.clone(),
                outcome: read.outcome,
                missing: read.missing.clone(),
                invalid: read.invalid.clone(),
            }
        }
        Kind::Reply => match &analysis.case_ref {
            Some(case_ref) => Disposition::AttachToCase {
                case_ref: case_ref.clone(),
                event: "reply_received",
                update: contacts.and_then(|c| lead_update(analysis, config, c)),
            },
            None => Disposition::RecordOnly,
        },
        Kind::AutoReply | Kind::Bounce => match &analysis.case_ref {
            Some(case_ref) => Disposition::AttachToCase {
                case_ref: case_ref.clone(),
                event: if analysis.kind == Kind::Bounce {
                    "bounce_received"
                } else {
                    "auto_reply_received"
                },
                update: None,
            },
            None => Disposition::RecordOnly,
        },
        Kind::Other => Disposition::RecordOnly,
    }
}

/// Reads and records one message: the whole intake of the gateway.
pub async fn ingest(
    store: &Store,
    config: &Config,
    incoming: Incoming<'_>,
) -> Result<(Analysis, Recorded), IntakeError> {
    let receiving = config
        .authority_of(incoming.mailbox)
        .ok_or_else(|| IntakeError::UnknownAuthority(incoming.mailbox.name.clone()))?;
    let received_on = incoming
        .received_at
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive();
    let analysis = analyse(
        incoming.raw,
        &Context {
            authorities: &config.authorities,
            receiving_authority: Some(receiving),
            today: received_on,
            max_bytes: config.max_message_bytes,
        },
    );
    let mut analysis = analysis;
    if analysis.case_ref.is_none() && !analysis.thread_ids.is_empty() {
        join_thread(store, config, &mut analysis).await?;
    }
    let contacts = match (&analysis.kind, &analysis.case_ref) {
        (Kind::Reply, Some(case_ref)) => store.case_contacts(&case_ref.to_string()).await?,
        _ => None,
    };
    let disposition = decide(&analysis, config, receiving, received_on, contacts.as_ref());
    let facts = MessageFacts {
        mailbox: incoming.mailbox.name.clone(),
        authority: receiving.code.to_string(),
        folder: incoming.folder.to_string(),
        position: incoming.position,
        message_id: analysis.message_id.clone(),
        sha256: hex_sha256(incoming.raw),
        kind: analysis.kind,
        outcome: analysis.referral.as_ref().map(|r| r.outcome),
        sender: analysis
            .original_sender
            .as_ref()
            .or(analysis.from.as_ref())
            .map(|a| a.to_string()),
        received_at: incoming.received_at,
        attachments: if matches!(disposition, Disposition::Refused { .. }) {
            // Attachment names can name the person: a refusal keeps none.
            "[]".into()
        } else {
            serde_json::to_string(&analysis.attachments).unwrap_or_else(|_| "[]".into())
        },
        source_key: incoming.source_key,
        answerable: Utc::now() - incoming.received_at <= config.answer_max_age,
        // A bounce set aside (a forged one) fails none of the gateway's mails.
        returned_message_id: match disposition {
            Disposition::Quarantine { .. } => None,
            _ => analysis.returned_message_id.clone(),
        },
    };
    let answers = plan_answers(
        &analysis,
        &disposition,
        config,
        receiving,
        facts.answerable,
        contacts.as_ref(),
    );
    let recorded = store
        .record(
            &facts,
            &disposition,
            &answers,
            analysis.message_id.as_deref(),
            &config.outgoing,
        )
        .await?;
    Ok((analysis, recorded))
}

/// An answer to a message of a case that does not carry the reference (a
/// reply to the referral itself, say) joins the case's thread: the store
/// knows the Message-IDs of the case's messages and of the gateway's mail.
async fn join_thread(
    store: &Store,
    config: &Config,
    analysis: &mut Analysis,
) -> Result<(), StoreError> {
    if !matches!(analysis.kind, Kind::Other | Kind::Referral) {
        return Ok(());
    }
    let Some(case_ref) = store.case_of_thread(&analysis.thread_ids).await? else {
        return Ok(());
    };
    // A reply that quotes the referral reads like one; it is the
    // authority's answer when the authority sent it. A referrer's new
    // referral in the same thread stays a referral.
    let from_authority = analysis.from.as_ref().is_some_and(|from| {
        config
            .authorities
            .by_code(case_ref.authority.as_str())
            .is_some_and(|a| a.speaks_for(from))
    });
    if analysis.kind == Kind::Other || from_authority {
        analysis.kind = Kind::Reply;
        analysis.referral = None;
        analysis.case_ref = Some(case_ref);
    }
    Ok(())
}

/// What an answer in a case's thread changes: from the authority, it is
/// the authority's response, perhaps naming its lead officer; from the
/// referring side, a new case lead when it names one who is not the
/// current one (commitment 11).
fn lead_update(
    analysis: &Analysis,
    config: &Config,
    contacts: &CaseContacts,
) -> Option<LeadUpdate> {
    let from = analysis.from.as_ref()?;
    let authority = config.authorities.by_code(&contacts.authority)?;
    if authority.speaks_for(from) {
        // An answer goes outside the council; a forward of the notice to a
        // colleague does not answer anyone, and must not silence the chases.
        let answers_someone = analysis.recipients.iter().any(|r| !authority.speaks_for(r));
        return answers_someone.then(|| LeadUpdate::AuthorityAnswered {
            lead: analysis.named_lead.clone(),
        });
    }
    // The referring side: the referrer's or the case lead's own domain
    // (allowed domains such as *.gov.uk would take in every council).
    let referrer = contacts
        .referrer_email
        .as_deref()
        .and_then(|r| EmailAddress::parse(r).ok());
    let referrer_side = referrer
        .iter()
        .chain(contacts.case_lead.email.iter())
        .any(|known| known.domain() == from.domain());
    match &analysis.named_lead {
        Some(lead) if referrer_side && !lead.same_person(&contacts.case_lead) => {
            Some(LeadUpdate::ReferrerLead(lead.clone()))
        }
        _ => None,
    }
}

/// Commitment 11: when a case's lead changes on one side, the other side
/// is told. A lead named for the first time is not a change: the answer
/// that names them went to the referrer already.
pub fn lead_change_answers(
    update: &LeadUpdate,
    contacts: &CaseContacts,
    config: &Config,
) -> Vec<Answer> {
    let Some(authority) = config.authorities.by_code(&contacts.authority) else {
        return Vec::new();
    };
    let context = |side: &str, lead: &NamedLead, previous: &NamedLead| {
        serde_json::json!({
            "lead": {
                "side": side,
                "name": lead.name,
                "email": lead.email.as_ref().map(|e| e.to_string()),
                "phone": lead.phone.as_ref().map(|p| p.as_str().to_string()),
                "previous_name": previous.name.clone().or_else(|| previous.email.as_ref().map(|e| e.to_string())),
            }
        })
    };
    match update {
        LeadUpdate::AuthorityAnswered { lead: Some(lead) }
            if contacts.lha_lead.is_named() && !lead.same_person(&contacts.lha_lead) =>
        {
            let referrer = contacts
                .referrer_email
                .as_deref()
                .and_then(|r| EmailAddress::parse(r).ok())
                .filter(|r| config.allows_sender(r));
            let case_lead = contacts
                .case_lead
                .email
                .clone()
                .filter(|c| config.allows_sender(c));
            let (to, cc) = match (referrer, case_lead) {
                (Some(r), Some(c)) if r != c => (r, vec![c]),
                (Some(r), _) => (r, Vec::new()),
                (None, Some(c)) => (c, Vec::new()),
                (None, None) => return Vec::new(),
            };
            vec![Answer {
                purpose: Purpose::LeadChanged,
                to: vec![to],
                cc,
                once_per_case: false,
                context: context("authority", lead, &contacts.lha_lead),
                internal: false,
                step: None,
            }]
        }
        LeadUpdate::ReferrerLead(lead) => {
            // To the council's named lead officer for the case when there is
            // one at the council's addresses, copying the inbox.
            let to = contacts
                .lha_lead
                .email
                .clone()
                .filter(|e| authority.speaks_for(e))
                .unwrap_or_else(|| authority.inbox.clone());
            let cc = if to == authority.inbox {
                Vec::new()
            } else {
                vec![authority.inbox.clone()]
            };
            vec![Answer {
                purpose: Purpose::LeadChanged,
                to: vec![to],
                cc,
                once_per_case: false,
                context: context("referrer", lead, &contacts.case_lead),
                internal: true,
                step: None,
            }]
        }
        LeadUpdate::AuthorityAnswered { .. } => Vec::new(),
    }
}

pub fn hex_sha256(raw: &[u8]) -> String {
    Sha256::digest(raw)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
