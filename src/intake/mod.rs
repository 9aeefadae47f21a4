//! Intake: what a message should do to the store. `decide` is a pure
//! function of what the message says, who the receiving organisation says
//! sent it, the case it concerns and the configuration; it returns a
//! [`Plan`] that `Store::record` carries out in one transaction.
//!
//! Anyone may write to an inbox; few may change a case. A message that
//! names a lead, moves a case lead, meets a deadline, completes a referral
//! or fails one of the gateway's mails changes the case only when its
//! sender is authenticated (as the receiving server judged it) and
//! entitled: the authority's own addresses for its side, the case's
//! referrer or current case lead for theirs. Everything else is still
//! recorded on the case's timeline, with why it changed nothing.

use crate::config::{Config, Mailbox};
use crate::core::authority::Authority;
use crate::core::classify::Kind;
use crate::core::mail::Purpose;
use crate::core::plan::{CaseContacts, GatewayMail, MessageFacts};
use crate::core::referral::Outcome;
use crate::core::sender::{judge, Verdict};
use crate::message::{analyse, Analysis, Context};
use crate::store::{PersonLookup, Recorded, Released, Store, StoreError};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

mod answers;
mod decide;
mod failed_mail;
mod mails;
pub use answers::named_case;
use answers::*;
use decide::*;
pub use decide::{decide, same_person, unreadable_reason};
use failed_mail::*;
use mails::*;
pub use mails::{case_lead_change_mails, lead_officer_change_mail};

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

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("mailbox `{0}` belongs to no configured authority")]
    UnknownAuthority(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What `decide` knows besides the message.
pub struct Situation<'a> {
    pub config: &'a Config,
    pub mailbox: &'a Mailbox,
    /// The authority whose mailbox received it.
    pub receiving: &'a Authority,
    pub folder: &'a str,
    pub verdict: &'a Verdict,
    pub received_at: DateTime<Utc>,
    /// False for backlog mail older than the configured age: nothing is
    /// sent because of it.
    pub answerable: bool,
    /// The case the message is about (by the reference in its subject or
    /// its thread), when the store has it.
    pub case: Option<&'a CaseContacts>,
    /// The gateway mail it answers (its `In-Reply-To` or `References`).
    pub answered: Option<&'a GatewayMail>,
    /// The gateway mail this message answers directly (its In-Reply-To),
    /// not only somewhere up its thread.
    pub parent: Option<&'a GatewayMail>,
    /// For a bounce: the gateway mail it returns.
    pub returned: Option<&'a GatewayMail>,
    /// A person released it from quarantine: it is taken as if its sender
    /// had been allowed, whatever set it aside (unless it cannot be read).
    pub released: bool,
    /// The case an earlier copy under the same Message-ID is recorded as
    /// (Dynamic Delivery's real copy after its placeholder, a resend): a
    /// copy with different content must not open a second case.
    pub earlier_copy: Option<&'a crate::core::case_ref::CaseRef>,
}

/// A quarantined message a person releases, and who they are.
pub struct Release<'a> {
    pub message: &'a crate::store::Quarantined,
    pub by: &'a str,
}

/// A referral that came another way (a telephone call, a portal, mail the
/// gateway did not read), entered by a person: its form's text, in the
/// referral template's words, read by the same form reader as mail.
pub struct ByHand<'a> {
    pub authority: &'a Authority,
    pub form: &'a str,
    /// `phone`, `portal`, `email` or `other`.
    pub route: &'a str,
    /// Who entered it, for the case.
    pub by: &'a str,
    pub at: DateTime<Utc>,
    /// Record it even when the person has an open case at the authority
    /// (a further referral, linked to it).
    pub again: bool,
    /// The quarantined message it is read from (a message the gateway
    /// could not read): its sender, the time it arrived, its mailbox and
    /// its thread are the referral's, and it is settled as recorded by hand.
    pub quarantined: Option<&'a crate::store::Quarantined>,
}

/// Records a referral entered by hand: it opens its case as a referral by
/// mail would, tracked like any other, with its route and who entered it on
/// the case. Only what the protocol requires is sent: the referrer's
/// acknowledgement (or the request for what is missing), when the form
/// gives a referrer address at an allowed domain; the authority entered it
/// and is told nothing. A form that would be set aside is refused (nothing
/// recorded), with why, as [`Action::Quarantined`].
pub async fn record_by_hand(
    store: &Store,
    config: &Config,
    entry: ByHand<'_>,
) -> Result<(Analysis, Recorded), IntakeError> {
    let mailbox = match entry.quarantined {
        Some(message) => config
            .mailbox(&message.mailbox)
            .filter(|m| {
                config
                    .authority_of(m)
                    .is_some_and(|a| a.code == entry.authority.code)
            })
            .ok_or_else(|| IntakeError::UnknownAuthority(message.mailbox.clone()))?,
        None => config
            .mailboxes
            .iter()
            .find(|m| {
                config
                    .authority_of(m)
                    .is_some_and(|a| a.code == entry.authority.code)
            })
            .ok_or_else(|| IntakeError::UnknownAuthority(entry.authority.code.to_string()))?,
    };
    // The referrer's address, when the form leaves it out, is the
    // quarantined message's sender's.
    let completed;
    let sender = entry
        .quarantined
        .and_then(|m| m.sender.as_deref())
        .and_then(crate::core::address::EmailAddress::find_in);
    let entry = match sender {
        Some(address)
            if !crate::core::form::read_form(entry.form)
                .values
                .contains_key(&crate::core::field::Field::ReferrerEmail) =>
        {
            completed = format!(
                "{}\nReferrer email: {address}\n",
                entry.form.trim_end_matches(['\r', '\n'])
            );
            ByHand {
                form: &completed,
                ..entry
            }
        }
        _ => entry,
    };
    let raw = by_hand_message(config, &entry);
    // From a quarantined message, the referral arrived when it did.
    let received_at = entry.quarantined.map_or(entry.at, |m| m.received_at);
    let incoming = Incoming {
        mailbox,
        folder: "by hand",
        position: None,
        raw: raw.as_bytes(),
        received_at,
        source_key: None,
    };
    match take_in(store, config, incoming, Mode::ByHand(&entry)).await? {
        (analysis, Taken::Done(Released::Recorded(recorded))) => Ok((analysis, recorded)),
        (_, _) => Err(IntakeError::Store(StoreError::Corrupt {
            reference: "intake".into(),
            message: "a referral entered by hand was taken for a release".into(),
        })),
    }
}

/// The referral entered by hand as a message: from the referrer the form
/// names (none when it names none), to the authority's inbox, its text the
/// form. Its Message-ID is its own, never the gateway's.
fn by_hand_message(config: &Config, entry: &ByHand<'_>) -> String {
    use crate::core::field::Field;
    // The quarantined message's sender sent it; otherwise the form says
    // who referred.
    let sender = entry
        .quarantined
        .and_then(|m| m.sender.as_deref())
        .and_then(crate::core::address::EmailAddress::find_in);
    let referrer = sender
        .or_else(|| {
            crate::core::form::read_form(entry.form)
                .values
                .get(&Field::ReferrerEmail)
                .and_then(|value| crate::core::address::EmailAddress::find_in(value))
        })
        .map(|a| a.to_string());
    let from = referrer
        .unwrap_or_else(|| format!("recorded-by-hand@{}", config.outgoing.message_id_domain));
    let how = match entry.route {
        "phone" => "by telephone",
        "portal" => "through a portal",
        "email" => "by email",
        _ => "by another route",
    };
    let clean = |t: &str| t.replace(['\r', '\n'], " ");
    format!(
        "From: {}\r\nTo: {}\r\nSubject: Referral made {how}\r\nDate: {}\r\n\
         Message-ID: <hand.{}.{}@{}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}\r\n",
        clean(&from),
        entry.authority.inbox,
        entry
            .quarantined
            .map_or(entry.at, |m| m.received_at)
            .to_rfc2822(),
        entry.at.timestamp_micros(),
        fastrand::u64(..),
        clean(&config.outgoing.message_id_domain),
        entry.form.replace("\r\n", "\n").replace('\n', "\r\n"),
    )
}

/// Why a message is taken in: it arrived, a person released it, or a
/// person entered a referral by hand.
enum Mode<'a> {
    Arrived,
    Release(Release<'a>),
    ByHand(&'a ByHand<'a>),
    /// What a release would do, recording nothing.
    Preview,
}

/// What taking a message in did: recorded (or released), or, previewed,
/// the plan a release would carry out.
enum Taken {
    Done(Released),
    Planned(crate::core::plan::Plan),
}

/// Reads and records one message: the whole intake of the gateway.
pub async fn ingest(
    store: &Store,
    config: &Config,
    incoming: Incoming<'_>,
) -> Result<(Analysis, Recorded), IntakeError> {
    match take_in(store, config, incoming, Mode::Arrived).await? {
        (analysis, Taken::Done(Released::Recorded(recorded))) => Ok((analysis, recorded)),
        // Only a release settles otherwise.
        (_, _) => Err(IntakeError::Store(StoreError::Corrupt {
            reference: "intake".into(),
            message: "a new message was taken for a release".into(),
        })),
    }
}

/// Releases a quarantined message: it is read again and recorded as what
/// it is, as if it had been allowed (a referral opens its case and is
/// answered), with the release and who ran it on the case.
pub async fn release(
    store: &Store,
    config: &Config,
    release: Release<'_>,
) -> Result<Released, IntakeError> {
    let message = release.message;
    // Settled first: its bytes go when it is, and a second release must
    // say who settled it, not invite recording it again by hand.
    if let Some(settled) = &message.settled {
        return Ok(Released::AlreadySettled(settled.clone()));
    }
    let Some(raw) = message.raw.as_deref() else {
        return Ok(Released::StillSetAside(
            "its bytes were not kept (too large, or erased by a purge)".into(),
        ));
    };
    let incoming = incoming_of(config, message, raw)?;
    match take_in(store, config, incoming, Mode::Release(release)).await? {
        (_, Taken::Done(released)) => Ok(released),
        (_, Taken::Planned(_)) => Err(IntakeError::Store(StoreError::Corrupt {
            reference: "intake".into(),
            message: "a release was taken for a preview".into(),
        })),
    }
}

/// A quarantined message as intake takes it in again: from the mailbox
/// and folder it came to, at the time it was received.
fn incoming_of<'a>(
    config: &'a Config,
    message: &'a crate::store::Quarantined,
    raw: &'a [u8],
) -> Result<Incoming<'a>, IntakeError> {
    let mailbox = config
        .mailbox(&message.mailbox)
        .ok_or_else(|| IntakeError::UnknownAuthority(message.mailbox.clone()))?;
    Ok(Incoming {
        mailbox,
        folder: &message.folder,
        position: None,
        raw,
        received_at: message.received_at,
        source_key: None,
    })
}

/// What releasing a quarantined message would do, as [`release`] would
/// decide it now, recording nothing; none when it is settled or its bytes
/// are gone (a release could not read it).
pub async fn release_preview(
    store: &Store,
    config: &Config,
    message: &crate::store::Quarantined,
) -> Result<Option<crate::core::plan::Plan>, IntakeError> {
    let (None, Some(raw)) = (&message.settled, message.raw.as_deref()) else {
        return Ok(None);
    };
    let incoming = incoming_of(config, message, raw)?;
    match take_in(store, config, incoming, Mode::Preview).await? {
        (_, Taken::Planned(plan)) => Ok(Some(plan)),
        (_, Taken::Done(_)) => Ok(None),
    }
}

/// Reads a message on a blocking thread: its documents may take seconds
/// of work that cannot yield (a PDF's load above all), which on the
/// runtime's own threads would stall every other mailbox and the HTTP
/// endpoints meanwhile.
async fn analyse_off_the_runtime(
    raw: &[u8],
    config: &Config,
    receiving: &Authority,
    today: chrono::NaiveDate,
) -> Analysis {
    let raw = raw.to_vec();
    let authorities = config.authorities.clone();
    let receiving = receiving.clone();
    let max_bytes = config.max_message_bytes;
    tokio::task::spawn_blocking(move || {
        analyse(
            &raw,
            &Context {
                authorities: &authorities,
                receiving_authority: Some(&receiving),
                today,
                max_bytes,
            },
        )
    })
    .await
    .unwrap_or_else(|_| Analysis::unreadable("the message could not be read".into()))
}

async fn take_in(
    store: &Store,
    config: &Config,
    incoming: Incoming<'_>,
    mode: Mode<'_>,
) -> Result<(Analysis, Taken), IntakeError> {
    let preview = matches!(mode, Mode::Preview);
    let (release, by_hand) = match mode {
        Mode::Arrived | Mode::Preview => (None, None),
        Mode::Release(release) => (Some(release), None),
        Mode::ByHand(entry) => (None, Some(entry)),
    };
    // Previewed, it is decided as a release would decide it.
    let released = release.is_some() || preview;
    let receiving = config
        .authority_of(incoming.mailbox)
        .ok_or_else(|| IntakeError::UnknownAuthority(incoming.mailbox.name.clone()))?;
    let received_on = crate::core::uk::date(incoming.received_at);
    let analysis = analyse_off_the_runtime(incoming.raw, config, receiving, received_on).await;
    let verdict = judge(
        analysis.from.as_ref(),
        &analysis.sender_headers,
        &incoming.mailbox.trust,
        incoming.folder,
    );
    // The thread: the gateway mail it answers, the case it is about.
    let answered = if analysis.thread_ids.is_empty() || analysis.problem.is_some() {
        None
    } else {
        store.gateway_mail_in(&analysis.thread_ids).await?
    };
    // The mail answered directly: the thread's lookup finds the
    // In-Reply-To first when it is the gateway's.
    let parent = answered
        .as_ref()
        .filter(|m| analysis.replied_to.as_deref() == Some(m.message_id.as_str()));
    let returned = match &analysis.returned_message_id {
        Some(id) if analysis.kind == Kind::Bounce => {
            store.gateway_mail_in(std::slice::from_ref(id)).await?
        }
        _ => None,
    };
    let mut case_ref = analysis.case_ref.clone();
    if case_ref.is_none() && analysis.problem.is_none() && !analysis.thread_ids.is_empty() {
        case_ref = store.case_of_thread(&analysis.thread_ids).await?;
    }
    let mut case = match &case_ref {
        Some(reference) => store.case_contacts(&reference.to_string()).await?,
        None => None,
    };
    // A report that returns one of the gateway's mails is about that
    // mail's case, whatever its own subject says.
    if case.is_none() {
        if let Some(id) = returned.as_ref().and_then(|m| m.case_id) {
            if let Some(reference) = store.case_reference(id).await? {
                case = store.case_contacts(&reference).await?;
            }
        }
    }
    // A delivery report that does not return the mail it reports (only
    // `Final-Recipient` lines, the reference in its subject) is about the
    // case's latest mail to the first failed recipient it went to.
    let returned = match (returned, &case) {
        (None, Some(case)) if analysis.kind == Kind::Bounce => {
            let mut found = None;
            for recipient in analysis.failed_recipients.iter().take(10) {
                if let Some(id) = store.latest_mail_to(case.id, recipient.as_str()).await? {
                    found = store.gateway_mail_in(&[id]).await?;
                    break;
                }
            }
            found
        }
        (returned, _) => returned,
    };
    // A leaver's automatic reply that does not say what it answers (no
    // In-Reply-To, the reference only in its subject) is about the case's
    // latest mail to the address that replied.
    let latest = match (&answered, &case, &analysis.from) {
        (None, Some(case), Some(from))
            if analysis.kind == Kind::AutoReply && analysis.left.is_some() =>
        {
            match store.latest_mail_to(case.id, from.as_str()).await? {
                Some(id) => store.gateway_mail_in(&[id]).await?,
                None => None,
            }
        }
        _ => None,
    };
    // Its Message-ID already recorded as a case (this copy's content
    // differs, or the store will find it a duplicate before deciding).
    let earlier_copy = match &analysis.message_id {
        Some(id) if analysis.problem.is_none() && by_hand.is_none() => {
            let sender = analysis
                .original_sender
                .as_ref()
                .or(analysis.from.as_ref())
                .map(|a| a.to_string());
            store
                .case_of_message(id, &incoming.mailbox.name, sender.as_deref())
                .await?
        }
        _ => None,
    };
    // Released, it is answered as if it had been allowed when it came.
    let answerable =
        released || by_hand.is_some() || Utc::now() - incoming.received_at <= config.answer_max_age;
    let situation = Situation {
        config,
        mailbox: incoming.mailbox,
        receiving,
        folder: incoming.folder,
        verdict: &verdict,
        received_at: incoming.received_at,
        answerable,
        case: case.as_ref(),
        answered: answered.as_ref().or(latest.as_ref()),
        parent,
        returned: returned.as_ref(),
        // Entered by a person, it is taken as if its sender were allowed.
        released: released || by_hand.is_some(),
        earlier_copy: earlier_copy.as_ref(),
    };
    let refusal = analysis
        .referral
        .as_ref()
        .is_some_and(|r| r.outcome == Outcome::NoConsent);
    let facts = MessageFacts {
        mailbox: incoming.mailbox.name.clone(),
        authority: receiving.code.to_string(),
        folder: incoming.folder.to_string(),
        position: incoming.position,
        message_id: analysis.message_id.clone(),
        sha256: content_sha256(incoming.raw),
        raw_sha256: hex_sha256(incoming.raw),
        subject: analysis
            .subject
            .as_ref()
            .map(|s| s.chars().take(200).collect()),
        kind: analysis.kind,
        outcome: analysis.referral.as_ref().map(|r| r.outcome),
        // Who sent it: for a forwarded referral, who sent it first; for
        // an answer in a thread, its own sender, never someone its quote
        // names (the gateway's own inbox, say).
        sender: analysis
            .original_sender
            .as_ref()
            .filter(|_| analysis.is_forward || analysis.kind == Kind::Referral)
            .or(analysis.from.as_ref())
            .map(|a| a.to_string()),
        sender_is_its_own: analysis.original_sender.is_none()
            || analysis.original_sender == analysis.from,
        thread: (!analysis.thread_ids.is_empty()).then(|| analysis.thread_ids.join(" ")),
        received_at: incoming.received_at,
        // Attachment names can name the person: a refusal keeps none,
        // whether it was recorded or set aside.
        attachments: if refusal {
            "[]".into()
        } else {
            serde_json::to_string(&analysis.attachments).unwrap_or_else(|_| "[]".into())
        },
        source_key: incoming.source_key,
        answerable,
        sender_verdict: verdict.as_str(),
        vouched_for: verdict.may_change_state(&incoming.mailbox.trust),
        from_allowed_domain: analysis
            .from
            .as_ref()
            .is_some_and(|f| config.allows_sender(f)),
    };
    let lookup = person_lookup(&analysis, &situation);
    let decide = |person: &[crate::core::plan::PersonCase]| {
        let mut plan = match by_hand {
            Some(entry) if !entry.again => decide::entered_again(&analysis, &situation, person)
                .unwrap_or_else(|| decide(&analysis, &situation, person)),
            _ => decide(&analysis, &situation, person),
        };
        if let Some(entry) = by_hand {
            // Only what the protocol owes the referrer: the authority
            // entered it itself, and hears nothing.
            // Entered by hand, nobody vouched for the addresses the form
            // gives: only those at domains allowed to refer are written to.
            let allowed = |a: &crate::core::address::EmailAddress| {
                config.allows_sender(a) && !config.is_portal_sender(a)
            };
            // The referrer's own words for when they referred: not the
            // subject and time of a message they never sent.
            let made = format!(
                "{} on {}",
                match entry.route {
                    "phone" => "by telephone",
                    "portal" => "through a portal",
                    "email" => "by email",
                    _ => "by another route",
                },
                crate::core::words::spoken_date(crate::core::uk::date(situation.received_at))
            );
            for mail in &mut plan.mails {
                if mail.context.get("original").is_some() {
                    mail.context["original"] =
                        serde_json::json!({ "subject": null, "sent": null, "made": made });
                }
            }
            plan.mails.retain_mut(|m| {
                m.to.retain(allowed);
                m.cc.retain(allowed);
                matches!(
                    m.purpose,
                    Purpose::Acknowledgement | Purpose::Incomplete | Purpose::NoConsent
                ) && !m.to.is_empty()
            });
            // The case is the authority's the person chose.
            if let crate::core::plan::Disposition::Open(new) = &plan.disposition {
                if new.authority != entry.authority.code {
                    plan.disposition = crate::core::plan::Disposition::Quarantine {
                        reason: format!(
                            "the form names another authority ({}): give --authority {}, or \
                             correct the form's `Local housing authority`",
                            new.authority, new.authority
                        ),
                    };
                }
            }
        }
        plan
    };
    if let Some(entry) = by_hand {
        let quarantined = entry.quarantined;
        let recorded = store
            .record_entered(
                &facts,
                incoming.raw,
                lookup.as_ref(),
                decide,
                // Its mail answers the message the referrer sent.
                quarantined.and_then(|m| m.message_id.as_deref()),
                &config.outgoing,
                crate::store::Entered {
                    route: entry.route,
                    by: entry.by,
                    quarantined: quarantined.map(|m| m.id),
                },
            )
            .await?;
        return Ok((analysis, Taken::Done(Released::Recorded(recorded))));
    }
    if preview {
        let plan = store.plan_release(lookup.as_ref(), decide).await?;
        return Ok((analysis, Taken::Planned(plan)));
    }
    let outcome = match release {
        None => Released::Recorded(
            store
                .record(
                    &facts,
                    incoming.raw,
                    lookup.as_ref(),
                    decide,
                    analysis.message_id.as_deref(),
                    &config.outgoing,
                )
                .await?,
        ),
        Some(release) => {
            store
                .release_quarantined(
                    release.message.id,
                    &facts,
                    lookup.as_ref(),
                    decide,
                    analysis.message_id.as_deref(),
                    &config.outgoing,
                    release.by,
                )
                .await?
        }
    };
    Ok((analysis, Taken::Done(outcome)))
}

/// The person a message's referral names, when it will be taken as a
/// referral: the store looks for their open case while it records.
fn person_lookup(analysis: &Analysis, s: &Situation<'_>) -> Option<PersonLookup> {
    let (authority, read) = referral_route(analysis, s)?;
    let r = &read.referral;
    (read.outcome != Outcome::NoConsent).then(|| PersonLookup {
        authority,
        prison_number: r.prison_number.clone(),
        crn: r.crn.clone(),
        name_key: r.name_key(),
        date_of_birth: r.date_of_birth,
    })
}

pub fn hex_sha256(raw: &[u8]) -> String {
    Sha256::digest(raw)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Header fields servers add or rewrite in transit: left out of the
/// content hash.
const TRACE_HEADERS: [&str; 12] = [
    "received",
    "return-path",
    "delivered-to",
    "x-original-to",
    "authentication-results",
    "arc-",
    "x-ms-",
    "x-microsoft-",
    "x-forefront-",
    "x-spam",
    "x-virus",
    "status",
];

/// The hash of what a message says (see `MessageFacts::sha256`): its
/// header lines but those added in transit, then its body.
pub fn content_sha256(raw: &[u8]) -> String {
    let body_at = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|i| i + 2))
        .unwrap_or(raw.len());
    let (head, body) = raw.split_at(body_at);
    let mut hasher = Sha256::new();
    let mut keep = true;
    for line in head.split(|&b| b == b'\n') {
        let folded = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if !folded {
            let name = line
                .iter()
                .position(|&b| b == b':')
                .map(|i| {
                    String::from_utf8_lossy(&line[..i])
                        .trim()
                        .to_ascii_lowercase()
                })
                .unwrap_or_default();
            keep = !TRACE_HEADERS.iter().any(|t| {
                if t.ends_with('-') {
                    name.starts_with(t)
                } else {
                    name == *t || (t.starts_with("x-") && name.starts_with(t))
                }
            });
        }
        if keep {
            hasher.update(line);
            hasher.update(b"\n");
        }
    }
    hasher.update(body);
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
