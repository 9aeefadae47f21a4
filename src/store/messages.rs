//! Recording a message and carrying out the plan intake made for it, in
//! one transaction: the message, its case, its events and its mail.

use super::db::{DbRow, StoredRow, Tx};
use super::*;
use crate::config::Outgoing;
use crate::core::address::EmailAddress;
use crate::core::case_ref::{CaseRef, ShortCode};
use crate::core::event::EventKind;
use crate::core::ids::{CaseId, StoredMessageId};
use crate::core::mail::Purpose;
use crate::core::plan::{CaseStatus, Disposition, MessageFacts, NewCase, PersonCase, Plan};
use crate::core::referral::Referral;
use crate::core::states::Settlement;
use chrono::{DateTime, Datelike, Utc};
use sqlx::Row;

/// What recording a message did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// A new case was opened.
    Opened,
    /// The referrer's own form completed (filled in) their open case.
    AttachedReferral,
    /// A further referral of a person with an open case, from someone
    /// else: opened under its own reference, linked to the first case.
    Linked,
    /// A refused (no consent) referral was recorded under its own reference.
    Refused,
    /// An event was added to an existing case.
    Noted(String),
    /// Only the message was recorded.
    RecordedOnly,
    /// Recorded and set aside for a person.
    Quarantined(String),
    /// The message had been recorded before; nothing changed.
    Duplicate,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub message_row: StoredMessageId,
    pub case: Option<CaseRef>,
    pub action: Action,
}

/// A referral entered by hand: the route it came by, who entered it, and
/// the quarantined message it was read from, if any.
#[derive(Clone, Copy, Debug)]
pub struct Entered<'a> {
    pub route: &'a str,
    pub by: &'a str,
    pub quarantined: Option<StoredMessageId>,
}

/// Who a referral names, to find their open case at an authority.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonLookup {
    pub authority: ShortCode,
    pub prison_number: Option<String>,
    pub crn: Option<String>,
    pub name_key: Option<String>,
    pub date_of_birth: Option<chrono::NaiveDate>,
}

impl Store {
    /// Records a message and carries out what `decide` makes of it, all or
    /// nothing. When `lookup` is given, the open case of that person at that
    /// authority is found first, under the write lock, and handed to
    /// `decide`: two referrals of one person arriving together still make
    /// one case.
    pub async fn record(
        &self,
        facts: &MessageFacts,
        raw: &[u8],
        lookup: Option<&PersonLookup>,
        decide: impl FnOnce(&[PersonCase]) -> Plan,
        in_reply_to: Option<&str>,
        outgoing: &Outgoing,
    ) -> Result<Recorded, StoreError> {
        self.record_as(facts, raw, lookup, decide, in_reply_to, outgoing, None)
            .await
    }

    /// Records a referral a person entered by hand (`case new`): as
    /// [`Store::record`], with the route it came by and who entered it on
    /// the case. Nothing is kept unless it opens a case: what would be set
    /// aside is refused, with its reason, and nothing is recorded. Entered
    /// from a quarantined message, that message is settled in the same
    /// transaction as recorded by hand as the case, and joins it (its
    /// Message-ID is the thread the sender's replies follow); its mail
    /// answers that message (`in_reply_to`).
    #[allow(clippy::too_many_arguments)]
    pub async fn record_entered(
        &self,
        facts: &MessageFacts,
        raw: &[u8],
        lookup: Option<&PersonLookup>,
        decide: impl FnOnce(&[PersonCase]) -> Plan,
        in_reply_to: Option<&str>,
        outgoing: &Outgoing,
        entered: Entered<'_>,
    ) -> Result<Recorded, StoreError> {
        self.record_as(
            facts,
            raw,
            lookup,
            decide,
            in_reply_to,
            outgoing,
            Some(entered),
        )
        .await
    }

    /// The case the message recorded under this Message-ID belongs to, if
    /// any (its own, or the one it was recorded as by hand or replaced by).
    pub async fn case_of_message(
        &self,
        message_id: &str,
        mailbox: &str,
        sender: Option<&str>,
    ) -> Result<Option<CaseRef>, StoreError> {
        let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT c.reference, m.mailbox, m.sender FROM messages m \
             JOIN cases c ON c.id = m.case_id WHERE m.message_id = $1",
        )
        .bind(message_id)
        .fetch_all(&self.pool)
        .await?;
        let reference = rows
            .into_iter()
            .find(|(_, their_mailbox, their_sender)| {
                same_origin((their_mailbox, their_sender.as_deref()), (mailbox, sender))
            })
            .map(|(reference, _, _)| reference);
        Ok(reference.and_then(|r| r.parse().ok()))
    }

    #[allow(clippy::too_many_arguments)]
    async fn record_as(
        &self,
        facts: &MessageFacts,
        raw: &[u8],
        lookup: Option<&PersonLookup>,
        decide: impl FnOnce(&[PersonCase]) -> Plan,
        in_reply_to: Option<&str>,
        outgoing: &Outgoing,
        by_hand: Option<Entered<'_>>,
    ) -> Result<Recorded, StoreError> {
        let mut tx = self.begin_write().await?;
        let now = Utc::now();
        let (seen, another_copy, same_origin) = find_message(&mut tx, facts).await?;
        if let Some(existing) = seen {
            // Seen before (a rescan after a UIDVALIDITY change, a copy in
            // another folder): only the position moves on.
            advance_position(&mut tx, facts, now).await?;
            tx.commit().await?;
            return Ok(existing);
        }
        let persons = match lookup {
            Some(lookup) => find_person_cases(&mut tx, lookup).await?,
            None => Vec::new(),
        };
        let plan = decide(&persons);
        let quarantine = match &plan.disposition {
            Disposition::Quarantine { reason } => Some(reason.clone()),
            _ => None,
        };
        if by_hand.is_some()
            && !matches!(
                plan.disposition,
                Disposition::Open(_) | Disposition::Change { .. }
            )
        {
            // Entered by hand, it is a new referral or the completion of the
            // person's incomplete case, or nothing: the transaction is
            // rolled back, and the person told why.
            let why = quarantine.unwrap_or_else(|| "it opens no case".to_string());
            return Ok(Recorded {
                message_row: StoredMessageId::new(0),
                case: None,
                action: Action::Quarantined(why),
            });
        }
        // A person may release what was set aside: its bytes are kept
        // until then (unless too large to have been read at all).
        let kept = quarantine
            .as_ref()
            .filter(|_| raw.len() <= crate::message::DEFAULT_MAX_MESSAGE_BYTES)
            .map(|_| {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD.encode(raw)
            });
        let (uidvalidity, uid) = match facts.position {
            Some((v, u)) => (Some(i64::from(v)), Some(i64::from(u))),
            None => (None, None),
        };
        let message_row: StoredMessageId = sqlx::query(
            "INSERT INTO messages (mailbox, folder, uidvalidity, uid, message_id, sha256, kind, \
             outcome, case_id, sender, received_at, recorded_at, quarantine_reason, attachments, \
             source_key, answerable, sender_verdict, from_allowed, subject, raw, thread) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18, $19, $20) RETURNING id",
        )
        .bind(&facts.mailbox)
        .bind(&facts.folder)
        .bind(uidvalidity)
        .bind(uid)
        // A second content under a Message-ID already recorded is kept
        // without it: the Message-ID stays the first copy's.
        .bind(facts.message_id.as_ref().filter(|_| !another_copy))
        .bind(&facts.sha256)
        .bind(facts.kind.as_str())
        .bind(facts.outcome.map(|o| o.as_str()))
        .bind(&facts.sender)
        .bind(Stamp(facts.received_at))
        .bind(Stamp(now))
        .bind(&quarantine)
        .bind(&facts.attachments)
        .bind(&facts.source_key)
        .bind(Flag(facts.answerable))
        .bind(facts.sender_verdict)
        .bind(Flag(facts.from_allowed_domain))
        .bind(&facts.subject)
        .bind(kept)
        .bind(&facts.thread)
        .fetch_one(&mut *tx)
        .await?
        .get(0);
        let (case, action, queued) = carry_out(
            &mut tx,
            message_row,
            facts,
            &plan,
            in_reply_to,
            outgoing,
            now,
        )
        .await?;
        if let (Some(entered), Some((case_id, reference))) = (by_hand, &case) {
            let (route, by) = (entered.route, entered.by);
            sqlx::query("UPDATE cases SET route = $1 WHERE id = $2")
                .bind(route)
                .bind(case_id)
                .execute(&mut *tx)
                .await?;
            let mut detail = serde_json::json!({ "by": by, "route": route });
            if let Some(id) = entered.quarantined {
                // Settled with the case, or nothing is recorded: a person
                // who settled it meanwhile decided otherwise.
                let Some(reason) = settle_recorded(
                    &mut tx,
                    id,
                    *case_id,
                    reference,
                    Settlement::RecordedByHand,
                    by,
                    now,
                )
                .await?
                else {
                    return Ok(Recorded {
                        message_row: StoredMessageId::new(0),
                        case: None,
                        action: Action::Quarantined(format!(
                            "quarantined message {id} was settled by someone else meanwhile"
                        )),
                    });
                };
                detail["quarantined"] = serde_json::json!(id);
                detail["reason"] = serde_json::json!(reason);
                join_replies_to(&mut tx, id, *case_id, now).await?;
            }
            add_event(
                &mut tx,
                *case_id,
                now,
                EventKind::RecordedByHand,
                Some(message_row),
                Some(&detail),
            )
            .await?;
        }
        // Another copy under a Message-ID whose first copy is waiting in
        // quarantine (Dynamic Delivery's placeholder) has now opened or
        // completed its case: the first needs no person any more.
        // A sender quoted in a forward's text settles nothing: anyone can
        // type one above a copy under someone else's Message-ID.
        if let (true, None, Some(message_id), Some((case_id, reference))) = (
            another_copy && same_origin && facts.sender_is_its_own,
            by_hand,
            &facts.message_id,
            &case,
        ) {
            if matches!(
                action,
                Action::Opened | Action::Linked | Action::AttachedReferral
            ) {
                // The same origin as `same_origin` asks, in SQL.
                let waiting: Vec<StoredMessageId> = sqlx::query_scalar(
                    "SELECT id FROM messages WHERE message_id = $1 \
                     AND quarantine_reason IS NOT NULL AND settled IS NULL \
                     AND mailbox = $2 AND LOWER(sender) = LOWER($3)",
                )
                .bind(message_id)
                .bind(&facts.mailbox)
                .bind(&facts.sender)
                .fetch_all(&mut *tx)
                .await?;
                // Earlier copies recorded as nothing in particular (the
                // placeholder from an allowed sender, "other") join the case
                // too, so that the sender's replies to the Message-ID find
                // it. Only the same sender's, in the same mailbox (as
                // `same_origin`): a Message-ID is no proof.
                sqlx::query(
                    "UPDATE messages SET case_id = $1 WHERE message_id = $2 \
                     AND case_id IS NULL AND quarantine_reason IS NULL \
                     AND mailbox = $3 AND LOWER(sender) = LOWER($4)",
                )
                .bind(case_id)
                .bind(message_id)
                .bind(&facts.mailbox)
                .bind(&facts.sender)
                .execute(&mut *tx)
                .await?;
                for id in waiting {
                    if let Some(reason) = settle_recorded(
                        &mut tx,
                        id,
                        *case_id,
                        reference,
                        Settlement::ReplacedByLaterCopy,
                        "dtr-gateway",
                        now,
                    )
                    .await?
                    {
                        // Its notice, still held back for this copy, has
                        // nothing left to ask of anyone.
                        sqlx::query(
                            "UPDATE outbox SET status = 'failed', last_error = $1 \
                             WHERE cause_id = $2 AND purpose = $3 AND status = 'queued'",
                        )
                        .bind(format!(
                            "not sent: a later copy of the message was read as case {reference}"
                        ))
                        .bind(id)
                        .bind(Purpose::QuarantineNotice.name())
                        .execute(&mut *tx)
                        .await?;
                        let detail = serde_json::json!({ "reason": reason });
                        add_event(
                            &mut tx,
                            *case_id,
                            now,
                            EventKind::EarlierCopyReplaced,
                            Some(id),
                            Some(&detail),
                        )
                        .await?;
                    }
                }
            }
        }
        advance_position(&mut tx, facts, now).await?;
        tx.commit().await?;
        if queued > 0 {
            self.outbox_changed.notify_one();
        }
        Ok(Recorded {
            message_row,
            case: case.map(|(_, r)| r),
            action,
        })
    }
}

/// The sender's replies to a quarantined message that arrived while it
/// waited (recorded as answering no case) join the case it is now recorded
/// as, so that its thread is whole. What they say is not applied: the
/// timeline says each arrived before the case was recorded, for a person
/// to read.
async fn join_replies_to(
    tx: &mut Tx,
    quarantined: StoredMessageId,
    case: CaseId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let row = sqlx::query("SELECT message_id, sender FROM messages WHERE id = $1")
        .bind(quarantined)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else {
        return Ok(());
    };
    let (Some(message_id), Some(sender)) = (
        row.get::<Option<String>, _>(0),
        row.get::<Option<String>, _>(1),
    ) else {
        return Ok(());
    };
    let replies = sqlx::query(
        "SELECT id, thread FROM messages WHERE case_id IS NULL \
         AND quarantine_reason IS NULL AND sender = $1 AND thread IS NOT NULL AND id <> $2 \
         ORDER BY id",
    )
    .bind(&sender)
    .bind(quarantined)
    .fetch_all(&mut **tx)
    .await?;
    for reply in replies {
        let thread: String = reply.get(1);
        if !thread.split(' ').any(|id| id == message_id) {
            continue;
        }
        let id: StoredMessageId = reply.get(0);
        sqlx::query("UPDATE messages SET case_id = $1 WHERE id = $2")
            .bind(case)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        add_event(tx, case, now, EventKind::EarlierReplyJoined, Some(id), None).await?;
    }
    Ok(())
}

/// Settles a quarantined message as recorded as `case` (by hand, or by a
/// later copy): it joins the case, so that its Message-ID leads there, and
/// its bytes go. Its reason, or none when it was not waiting.
pub(super) async fn settle_recorded(
    tx: &mut Tx,
    id: StoredMessageId,
    case: CaseId,
    reference: &CaseRef,
    how: Settlement,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let note = if how == Settlement::RecordedByHand {
        format!("as case {reference}")
    } else {
        format!("now case {reference}")
    };
    Ok(sqlx::query_scalar(
        "UPDATE messages SET settled = $1, settled_at = $2, settled_by = $3, settled_note = $4, \
         raw = NULL, case_id = $5 \
         WHERE id = $6 AND quarantine_reason IS NOT NULL AND settled IS NULL \
         RETURNING quarantine_reason",
    )
    .bind(how.as_str())
    .bind(Stamp(now))
    .bind(by)
    .bind(note)
    .bind(case)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Carries out a plan for a message already recorded (as `message_row`):
/// the case it opens or changes, the mail it bounces, the mail it sends.
pub(super) async fn carry_out(
    tx: &mut Tx,
    message_row: StoredMessageId,
    facts: &MessageFacts,
    plan: &Plan,
    in_reply_to: Option<&str>,
    outgoing: &Outgoing,
    now: DateTime<Utc>,
) -> Result<(Option<(CaseId, CaseRef)>, Action, usize), StoreError> {
    let (case, action) = match &plan.disposition {
        Disposition::Open(new) => {
            let (id, reference) = open_case(tx, new, facts.received_at, now).await?;
            add_event(
                tx,
                id,
                now,
                new.event,
                Some(message_row),
                non_null(&new.detail),
            )
            .await?;
            if !new.form_read.is_null() {
                add_event(
                    tx,
                    id,
                    now,
                    EventKind::FormRead,
                    Some(message_row),
                    Some(&new.form_read),
                )
                .await?;
            }
            let action = match (new.status, new.linked_to) {
                (CaseStatus::Refused, _) => Action::Refused,
                (_, Some(_)) => Action::Linked,
                _ => Action::Opened,
            };
            (Some((id, reference)), action)
        }
        Disposition::Change {
            case,
            case_ref,
            event,
            changes,
        } => {
            add_event(tx, *case, now, *event, Some(message_row), None).await?;
            deadlines::apply_changes(tx, *case, changes, facts.received_at, Some(message_row))
                .await?;
            let action = if *event == EventKind::ReferralAttached {
                Action::AttachedReferral
            } else {
                Action::Noted((*event).to_string())
            };
            (Some((*case, case_ref.clone())), action)
        }
        Disposition::RecordOnly => (None, Action::RecordedOnly),
        Disposition::Quarantine { reason } => (None, Action::Quarantined(reason.clone())),
    };
    if let Some((case_id, _)) = &case {
        sqlx::query("UPDATE messages SET case_id = $1 WHERE id = $2")
            .bind(case_id)
            .bind(message_row)
            .execute(&mut **tx)
            .await?;
    }
    if let Some(returned) = &plan.returned {
        // The bounce and the failure it reports are recorded together.
        // Only mail that left can come back: a report naming a mail still
        // queued is somebody's guess at its Message-ID, and the case says
        // nothing the outbox does not.
        let recipients: Vec<String> = returned
            .recipients
            .iter()
            .map(|r| r.as_str().to_ascii_lowercase())
            .collect();
        let failed = sqlx::query(
            "UPDATE outbox SET status = 'failed', last_error = $1 WHERE id = $2 \
             AND status IN ('sent', 'failed')",
        )
        .bind(format!(
            "returned by the recipient's server (bounce) for {}",
            recipients.join(", ")
        ))
        .bind(returned.outbox_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if failed > 0 {
            super::outbox::add_mail_event_failed(
                tx,
                returned.outbox_id,
                now,
                EventKind::MailBounced,
                Some(message_row),
                None,
                Some(&recipients),
            )
            .await?;
        }
    }
    for undelivered in &plan.undelivered {
        // Once per failed mail and address, with the mail's own case and
        // authority: a second report of the same failure adds nothing,
        // unless it is the first the receiving server vouched for.
        sqlx::query(
            "INSERT INTO contact_failures (outbox_id, case_id, message_id, authority, purpose, \
             address, kind, reason, vouched, failed_at, role) \
             SELECT id, case_id, $2, authority, purpose, $3, $4, $5, $6, $7, $8 FROM outbox \
             WHERE id = $1 ON CONFLICT (outbox_id, address) DO UPDATE SET vouched = 1, \
             kind = excluded.kind, reason = excluded.reason, message_id = excluded.message_id, \
             failed_at = excluded.failed_at \
             WHERE excluded.vouched = 1 AND contact_failures.vouched = 0",
        )
        .bind(undelivered.outbox_id)
        .bind(message_row)
        .bind(undelivered.failure.address.as_str().to_ascii_lowercase())
        .bind(undelivered.failure.kind.as_str())
        .bind(&undelivered.failure.reason)
        .bind(Flag(undelivered.vouched))
        .bind(Stamp(facts.received_at))
        .bind(undelivered.role.as_str())
        .execute(&mut **tx)
        .await?;
    }
    let authority = match &plan.disposition {
        Disposition::Open(new) => new.authority.as_str().to_string(),
        Disposition::Change { case_ref, .. } => case_ref.authority.as_str().to_string(),
        _ => facts.authority.clone(),
    };
    let mut queued = 0;
    for mail in &plan.mails {
        // The referring side hears a case is closed only if it closed: a
        // confirmation the referrer had taken back closes nothing.
        if mail.purpose == Purpose::WithdrawalConfirmed {
            if let Some((case_id, _)) = &case {
                let status: String = sqlx::query_scalar("SELECT status FROM cases WHERE id = $1")
                    .bind(case_id)
                    .fetch_one(&mut **tx)
                    .await?;
                if status != "closed" && status != "refused" {
                    continue;
                }
            }
        }
        // The notice names the message set aside by the id the
        // `quarantine` commands take, known only now.
        let mut numbered;
        let mail = if mail.purpose == Purpose::QuarantineNotice {
            numbered = mail.clone();
            numbered.context["quarantined"] = serde_json::json!(message_row.get());
            &numbered
        } else {
            mail
        };
        let queued_id = queue_answer(
            tx,
            QueueContext {
                case: case.as_ref().map(|(id, r)| (*id, r)),
                cause: Some(message_row),
                authority: &authority,
                in_reply_to: mail.thread_under.as_deref().or(in_reply_to),
                outgoing,
                now,
                vouched: facts.vouched_for,
            },
            mail,
        )
        .await?;
        queued += usize::from(queued_id.is_some());
    }
    Ok((case, action, queued))
}

/// Whether two messages under one Message-ID came from the same place:
/// the same sender, into the same mailbox. Only then is one a copy of the
/// other: a Message-ID is the sender's to choose, and another's mail
/// reusing it speaks for no case of theirs.
fn same_origin(recorded: (&str, Option<&str>), arriving: (&str, Option<&str>)) -> bool {
    recorded.0 == arriving.0
        && match (recorded.1, arriving.1) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        }
}

/// A message without a Message-ID (or another content under one) seen
/// before: the same content, or the same bytes for rows kept before the
/// content hash.
async fn by_hash(tx: &mut Tx, facts: &MessageFacts) -> Result<Option<DbRow>, StoreError> {
    Ok(sqlx::query(
        "SELECT m.id, c.reference FROM messages m LEFT JOIN cases c ON c.id = m.case_id \
         WHERE m.message_id IS NULL AND (m.sha256 = $1 OR m.sha256 = $2)",
    )
    .bind(&facts.sha256)
    .bind(&facts.raw_sha256)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The message seen before, if it was; whether another content was
/// recorded under its Message-ID; and whether that was the same sender's,
/// in the same mailbox (only then is it an earlier copy of this one).
pub(super) async fn find_message(
    tx: &mut Tx,
    facts: &MessageFacts,
) -> Result<(Option<Recorded>, bool, bool), StoreError> {
    let mut another_copy = false;
    let mut same_origin = false;
    let row = match &facts.message_id {
        Some(id) => {
            let same_id = sqlx::query(
                "SELECT m.id, c.reference, m.sha256, m.mailbox, m.sender FROM messages m \
                 LEFT JOIN cases c ON c.id = m.case_id WHERE m.message_id = $1",
            )
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
            match same_id {
                // The same content (or, for rows kept before the content
                // hash, the same bytes): seen before.
                Some(row)
                    if [&facts.sha256, &facts.raw_sha256].contains(&&row.get::<String, _>(2)) =>
                {
                    Some(row)
                }
                // Another content under the same Message-ID (Dynamic
                // Delivery's real attachment after its placeholder): read
                // again, once, recorded without the Message-ID.
                Some(row) => {
                    another_copy = true;
                    same_origin = self::same_origin(
                        (&row.get::<String, _>(3), row.get::<Option<&str>, _>(4)),
                        (&facts.mailbox, facts.sender.as_deref()),
                    );
                    by_hash(tx, facts).await?
                }
                None => None,
            }
        }
        None => by_hash(tx, facts).await?,
    };
    let seen = row.map(|r| Recorded {
        message_row: r.get(0),
        case: r.get::<Option<String>, _>(1).and_then(|s| s.parse().ok()),
        action: Action::Duplicate,
    });
    Ok((seen, another_copy, same_origin))
}

/// The person's open and incomplete cases at the authority, oldest first:
/// same prison number, same CRN, or same name and date of birth.
pub(super) async fn find_person_cases(
    tx: &mut Tx,
    lookup: &PersonLookup,
) -> Result<Vec<PersonCase>, StoreError> {
    // One indexed lookup per way of knowing the person: an OR across them
    // would scan every case of the authority for every referral. A person
    // has a handful of cases at most; a flood of forms naming one is
    // bounded.
    const OPEN: &str = "authority = $1 AND status IN ('open', 'incomplete')";
    const COLUMNS: &str = "id, reference, status, referral, referrer_email, case_lead_email";
    const AT_MOST: usize = 50;
    let mut rows: Vec<DbRow> = Vec::new();
    if let Some(number) = &lookup.prison_number {
        rows.extend(
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM cases WHERE {OPEN} AND prison_number = $2 ORDER BY id LIMIT {AT_MOST}"
            )))
            .bind(lookup.authority.as_str())
            .bind(number)
            .fetch_all(&mut **tx)
            .await?,
        );
    }
    if let Some(crn) = &lookup.crn {
        rows.extend(
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM cases WHERE {OPEN} AND crn = $2 ORDER BY id LIMIT {AT_MOST}"
            )))
            .bind(lookup.authority.as_str())
            .bind(crn)
            .fetch_all(&mut **tx)
            .await?,
        );
    }
    if let (Some(name), Some(born)) = (&lookup.name_key, lookup.date_of_birth) {
        rows.extend(
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM cases WHERE {OPEN} AND name_key = $2 AND date_of_birth = $3 \
                 ORDER BY id LIMIT {AT_MOST}"
            )))
            .bind(lookup.authority.as_str())
            .bind(name)
            .bind(Day(born))
            .fetch_all(&mut **tx)
            .await?,
        );
    }
    let mut cases: Vec<PersonCase> = Vec::new();
    for row in rows {
        let id: CaseId = row.get("id");
        if cases.iter().any(|c| c.id == id) {
            continue;
        }
        let reference: String = row.get("reference");
        let corrupt = |message: String| StoreError::Corrupt {
            reference: reference.clone(),
            message,
        };
        let case_ref: CaseRef = reference
            .parse()
            .map_err(|_| corrupt("not a case reference".into()))?;
        let referral: Referral = serde_json::from_str(row.get::<&str, _>("referral"))
            .map_err(|e| corrupt(e.to_string()))?;
        let address = |column: &str| {
            row.get::<Option<String>, _>(column)
                .and_then(|a| EmailAddress::parse(&a).ok())
        };
        let opening = super::deadlines::opening_detail(tx, id).await?;
        cases.push(PersonCase {
            id,
            case_ref,
            status: row.named("cases", "status")?,
            referral,
            referrer_email: address("referrer_email"),
            case_lead_email: address("case_lead_email"),
            consent_first_doubted: super::deadlines::consent_first_doubted(
                tx,
                id,
                opening.as_ref(),
            )
            .await?,
        });
    }
    cases.sort_by_key(|c| c.id);
    Ok(cases)
}

pub(super) async fn open_case(
    tx: &mut Tx,
    new: &NewCase,
    received_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(CaseId, CaseRef), StoreError> {
    let year = crate::core::uk::local(received_at).year();
    let authority = &new.authority;
    let referral = &new.referral;
    // Gap-free: the number is taken in the transaction that uses it, so a
    // rollback gives it back.
    let sequence: i64 = sqlx::query_scalar(
        "INSERT INTO case_sequences (authority, year, last) VALUES ($1, $2, 1) \
         ON CONFLICT (authority, year) DO UPDATE SET last = case_sequences.last + 1 RETURNING last",
    )
    .bind(authority.as_str())
    .bind(year)
    .fetch_one(&mut **tx)
    .await?;
    let case_ref = CaseRef::new(
        authority.clone(),
        year,
        u32::try_from(sequence).unwrap_or(u32::MAX),
    );
    let reference = case_ref.to_string();
    let mut unread: Vec<&str> = new.missing.iter().map(|f| f.key()).collect();
    unread.extend(new.invalid.iter().map(|f| f.key()));
    let id: CaseId = sqlx::query_scalar(
        "INSERT INTO cases (reference, authority, year, sequence, status, referral_type, urgent, \
         referral, missing, name_key, date_of_birth, prison_number, crn, custody_status, \
         expected_release_date, referring_agency, referrer_name, referrer_email, referrer_phone, \
         case_lead_name, case_lead_email, case_lead_phone, received_at, clock_from, opened_at, linked_to) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $23, $24, $25) RETURNING id",
    )
    .bind(&reference)
    .bind(authority.as_str())
    .bind(year)
    .bind(sequence)
    .bind(new.status.as_str())
    .bind(referral.referral_type.map(|t| enum_text(&t)))
    .bind(Flag(new.urgent))
    .bind(referral.to_json().to_string())
    .bind(serde_json::to_string(&unread).unwrap_or_default())
    .bind(referral.name_key())
    .bind(referral.date_of_birth.map(Day))
    .bind(&referral.prison_number)
    .bind(&referral.crn)
    .bind(referral.custody_status.map(|s| enum_text(&s)))
    .bind(referral.expected_release_date.map(Day))
    .bind(&referral.referring_agency)
    .bind(&referral.referrer_name)
    .bind(
        new.referrer
            .as_ref()
            .or(referral.referrer_email.as_ref())
            .map(|e| e.to_string()),
    )
    .bind(referral.referrer_phone.as_ref().map(|p| p.as_str().to_string()))
    .bind(&referral.case_lead_name)
    .bind(referral.case_lead_email.as_ref().map(|e| e.to_string()))
    .bind(referral.case_lead_phone.as_ref().map(|p| p.as_str().to_string()))
    .bind(Stamp(received_at))
    .bind(Stamp(now))
    .bind(new.linked_to)
    .fetch_one(&mut **tx)
    .await?;
    Ok((id, case_ref))
}

/// Moves an IMAP folder's position past this message, in the message's
/// transaction. Messages from elsewhere have no position.
pub(super) async fn advance_position(
    tx: &mut Tx,
    facts: &MessageFacts,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let Some((uidvalidity, uid)) = facts.position else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO mailbox_positions (mailbox, folder, uidvalidity, last_uid, updated_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (mailbox, folder) DO UPDATE SET \
           last_uid = CASE WHEN mailbox_positions.uidvalidity = $3 \
             AND mailbox_positions.last_uid > $4 THEN mailbox_positions.last_uid ELSE $4 END, \
           uidvalidity = $3, updated_at = $5",
    )
    .bind(&facts.mailbox)
    .bind(&facts.folder)
    .bind(i64::from(uidvalidity))
    .bind(i64::from(uid))
    .bind(Stamp(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
