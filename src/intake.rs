//! Intake: what a message should do to the store. The decision is a pure
//! function of what the message says and the configuration; `Store::record`
//! carries it out in one transaction.

use crate::config::{Config, Mailbox};
use crate::core::authority::Authority;
use crate::core::case_ref::{CaseRef, ShortCode};
use crate::core::classify::Kind;
use crate::core::field::Field;
use crate::core::referral::{Outcome, Referral};
use crate::message::{analyse, Analysis, Context};
use crate::store::{Recorded, Store, StoreError};
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
    /// Add an event to an existing case.
    AttachToCase {
        case_ref: CaseRef,
        event: &'static str,
    },
    /// Keep the record of the message only.
    RecordOnly,
    /// Keep it aside for a person to look at, with the reason.
    Quarantine { reason: String },
}

/// The message row's own facts.
pub struct MessageFacts {
    pub mailbox: String,
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
) -> Disposition {
    if let Some(problem) = &analysis.problem {
        return Disposition::Quarantine {
            reason: problem.clone(),
        };
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
    let disposition = decide(&analysis, config, receiving, received_on);
    let facts = MessageFacts {
        mailbox: incoming.mailbox.name.clone(),
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
    };
    let recorded = store.record(&facts, &disposition).await?;
    Ok((analysis, recorded))
}

pub fn hex_sha256(raw: &[u8]) -> String {
    Sha256::digest(raw)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
