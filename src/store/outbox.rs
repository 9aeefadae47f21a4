//! The outbox: mail queued in the transaction that caused it, claimed by
//! the sender, retried, postponed or failed, within the hourly and daily
//! limits per recipient.

use super::db::{DbRow, StoredRow, Tx};
use super::*;
use crate::config::Outgoing;
use crate::core::address::EmailAddress;
use crate::core::case_ref::CaseRef;
use crate::core::event::EventKind;
use crate::core::ids::{CaseId, OutboxId, StoredMessageId};
use crate::core::plan::OutgoingMail;
use crate::core::referral::Referral;
use crate::core::states::OutboxStatus;
use chrono::{DateTime, Utc};
use sqlx::Row;

/// What the sender needs of a case to write about it.
#[derive(Clone, Debug)]
pub struct MailCase {
    pub reference: String,
    pub referral: Referral,
    pub received_at: DateTime<Utc>,
    /// When the protocol's clocks started (see `cases.clock_from`).
    pub clock_from: DateTime<Utc>,
    /// When the gateway opened the case (the unconfirmed-consent period
    /// counts from it).
    pub opened_at: DateTime<Utc>,
    pub urgent: bool,
}

/// A queued mail, as the sender sees it.
#[derive(Clone, Debug)]
pub struct OutboxRow {
    pub id: OutboxId,
    pub case_id: Option<CaseId>,
    pub case_ref: Option<String>,
    pub authority: String,
    /// As stored, not a `Purpose`: rows queued by earlier versions may
    /// name a purpose since retired, which the sender must still read and
    /// fail on its own (`Purpose::from_name`), not refuse the whole queue.
    pub purpose: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub context: serde_json::Value,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub status: OutboxStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// When it was (last) due to be tried.
    pub next_attempt_at: DateTime<Utc>,
}

/// A mail that left: what a relay's daily limit counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMail {
    pub authority: String,
    pub sent_at: DateTime<Utc>,
    pub recipients: u32,
}

pub(super) struct QueueContext<'a> {
    pub(super) case: Option<(CaseId, &'a CaseRef)>,
    /// The message that caused it; none for the sweep's follow-ups.
    pub(super) cause: Option<StoredMessageId>,
    pub(super) authority: &'a str,
    pub(super) in_reply_to: Option<&'a str>,
    pub(super) outgoing: &'a Outgoing,
    pub(super) now: DateTime<Utc>,
    /// The message that caused it came from a sender the receiving server
    /// vouched for: held to the limits per recipient only against mail
    /// caused likewise.
    pub(super) vouched: bool,
}

impl Store {
    /// Resolves when intake has queued mail.
    pub async fn outbox_changed(&self) {
        self.outbox_changed.notified().await;
    }

    /// Rows this gateway left `sending` when it stopped go back to the queue
    /// (and rows claimed before claims were named). Another gateway's rows
    /// are left to their claim running out.
    pub async fn requeue_interrupted(&self) -> Result<u64, StoreError> {
        // Under the write lock: on PostgreSQL a many-row update beside
        // another gateway's claim could otherwise lock rows in the other
        // order and deadlock.
        let mut tx = self.begin_write().await?;
        let requeued = sqlx::query(
            "UPDATE outbox SET status = 'queued', claimed_by = NULL, claimed_until = NULL \
             WHERE status = 'sending' AND (claimed_by = $1 OR claimed_by IS NULL)",
        )
        .bind(&*self.instance)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(requeued)
    }

    /// Claims up to `limit` due rows for sending: rows queued and due, and
    /// rows whose claim ran out (their gateway died); time-bound mail first
    /// (see `Purpose::is_time_bound`), then the oldest.
    pub async fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let notes: Vec<String> = crate::core::mail::Purpose::ALL
            .iter()
            .filter(|p| !p.is_time_bound())
            .map(|p| format!("'{}'", p.name()))
            .collect();
        let later = format!(
            "CASE WHEN purpose IN ({}) THEN 1 ELSE 0 END",
            notes.join(", ")
        );
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_by = $1, \
             claimed_until = $2 WHERE id IN (SELECT id FROM \
             (SELECT id, {later} AS later FROM outbox WHERE status = 'queued' AND next_attempt_at <= $3 \
              UNION ALL SELECT id, {later} AS later FROM outbox WHERE status = 'sending' AND claimed_until < $3) due \
              ORDER BY later, id LIMIT $4) \
             RETURNING {OUTBOX_COLUMNS}"
        )))
        .bind(&*self.instance)
        .bind(Stamp(now + self.claim))
        .bind(Stamp(now))
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut out: Vec<OutboxRow> = rows.iter().map(outbox_row).collect::<Result<_, _>>()?;
        out.sort_by_key(|r| {
            let time_bound =
                crate::core::mail::Purpose::from_name(&r.purpose).is_none_or(|p| p.is_time_bound());
            (!time_bound, r.id)
        });
        self.fill_case_refs(&mut out).await?;
        Ok(out)
    }

    /// Takes the claim on a row again just before its mail goes; false when
    /// it is no longer this gateway's (its claim ran out and another took
    /// it), and the mail must not go.
    pub async fn renew_claim(&self, id: OutboxId, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let renewed = sqlx::query(
            "UPDATE outbox SET claimed_until = $1 WHERE id = $2 AND status = 'sending' AND claimed_by = $3",
        )
        .bind(Stamp(now + self.claim))
        .bind(id)
        .bind(&*self.instance)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(renewed == 1)
    }

    async fn fill_case_refs(&self, rows: &mut [OutboxRow]) -> Result<(), StoreError> {
        for row in rows {
            if let Some(id) = row.case_id {
                row.case_ref = sqlx::query_scalar("SELECT reference FROM cases WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }

    pub async fn mark_sent(&self, id: OutboxId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE outbox SET status = 'sent', sent_at = $1, last_error = NULL WHERE id = $2",
        )
        .bind(Stamp(at))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        add_mail_event(&mut tx, id, at, EventKind::MailSent, None, None).await?;
        // A sign-in link, once mailed, is kept only where its owner has it:
        // the store keeps its hash (web_sign_ins), not the link.
        sqlx::query("UPDATE outbox SET context = '{}' WHERE id = $1 AND purpose = 'sign_in'")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        // An incomplete reply acknowledges receipt too (commitment 9).
        sqlx::query(
            "UPDATE cases SET acknowledged_at = COALESCE(acknowledged_at, $1), follow_up_on = NULL, revision = revision + 1 WHERE id = \
             (SELECT case_id FROM outbox WHERE id = $2 AND purpose IN ('acknowledgement', 'incomplete'))",
        )
        .bind(Stamp(at))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn mark_retry(
        &self,
        id: OutboxId,
        error: &str,
        next: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // Only while the row is still this gateway's: one whose claim ran
        // out and passed to another is not put back in the queue under it.
        sqlx::query(
            "UPDATE outbox SET status = 'queued', last_error = $1, next_attempt_at = $2 \
             WHERE id = $3 AND status = 'sending' AND (claimed_by = $4 OR claimed_by IS NULL)",
        )
        .bind(error)
        .bind(Stamp(next))
        .bind(id)
        .bind(&*self.instance)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A mail that may not go yet (a follow-up outside working hours):
    /// queued again for `until`, its attempt not counted.
    pub async fn postpone(&self, id: OutboxId, until: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET status = 'queued', next_attempt_at = $1, attempts = attempts - 1, \
             claimed_by = NULL, claimed_until = NULL \
             WHERE id = $2 AND status = 'sending' AND (claimed_by = $3 OR claimed_by IS NULL)",
        )
        .bind(Stamp(until))
        .bind(id)
        .bind(&*self.instance)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A mail that will not go: failed, and noted on its case.
    pub async fn mark_failed(&self, id: OutboxId, error: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        // A row another gateway is sending is left to it.
        let failed = sqlx::query(
            "UPDATE outbox SET status = 'failed', last_error = $1 WHERE id = $2 \
             AND (status <> 'sending' OR claimed_by = $3 OR claimed_by IS NULL)",
        )
        .bind(error)
        .bind(id)
        .bind(&*self.instance)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if failed > 0 {
            add_mail_event(
                &mut tx,
                id,
                Utc::now(),
                EventKind::MailFailed,
                None,
                Some(error),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Sends a failed row again.
    pub async fn retry_outbox(&self, id: OutboxId) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "UPDATE outbox SET status = 'queued', next_attempt_at = $1, last_error = NULL \
             WHERE id = $2 AND status = 'failed' AND purged_at IS NULL",
        )
        .bind(Stamp(Utc::now()))
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// One mail of the outbox, by its number.
    pub async fn outbox_mail(&self, id: OutboxId) -> Result<Option<OutboxRow>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(outbox_row).transpose()
    }

    /// The outbox, newest first; only failed rows when asked.
    pub async fn outbox(&self, failed_only: bool) -> Result<Vec<OutboxRow>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE ($1 = 0 OR status = 'failed') ORDER BY id DESC"
        )))
        .bind(Flag(failed_only))
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<OutboxRow> = rows.iter().map(outbox_row).collect::<Result<_, _>>()?;
        self.fill_case_refs(&mut out).await?;
        Ok(out)
    }

    /// The mail that left since `since`, oldest first: which authority's,
    /// when, and to how many recipients. The sender counts a relay's daily
    /// limit from it, so that a restart does not start the day again.
    pub async fn sent_since(&self, since: DateTime<Utc>) -> Result<Vec<SentMail>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE status = 'sent' AND sent_at > $1 \
             ORDER BY sent_at, id"
        )))
        .bind(Stamp(since))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let mail = outbox_row(row)?;
                Ok(SentMail {
                    authority: mail.authority,
                    sent_at: mail.sent_at.unwrap_or(mail.created_at),
                    recipients: u32::try_from(mail.to.len() + mail.cc.len()).unwrap_or(u32::MAX),
                })
            })
            .collect()
    }

    pub async fn mail_case(&self, case_id: CaseId) -> Result<MailCase, StoreError> {
        let row = sqlx::query(
            "SELECT reference, referral, received_at, clock_from, opened_at, urgent \
             FROM cases WHERE id = $1",
        )
        .bind(case_id)
        .fetch_one(&self.pool)
        .await?;
        let reference: String = row.get("reference");
        let referral = serde_json::from_str(row.get::<&str, _>("referral")).map_err(|e| {
            StoreError::Corrupt {
                reference: reference.clone(),
                message: e.to_string(),
            }
        })?;
        Ok(MailCase {
            reference,
            referral,
            received_at: row.time("received_at"),
            clock_from: row.time("clock_from"),
            opened_at: row.time("opened_at"),
            urgent: row.flag("urgent"),
        })
    }
}

pub(super) const OUTBOX_COLUMNS: &str =
    "id, case_id, authority, purpose, recipients, context, message_id, \
    in_reply_to, status, attempts, last_error, created_at, sent_at, next_attempt_at";

pub(super) fn outbox_row(row: &DbRow) -> Result<OutboxRow, StoreError> {
    let corrupt = |e: serde_json::Error| StoreError::Corrupt {
        reference: format!("outbox row {}", row.get::<i64, _>("id")),
        message: e.to_string(),
    };
    let recipients: serde_json::Value =
        serde_json::from_str(row.get::<&str, _>("recipients")).map_err(corrupt)?;
    let list = |key: &str| -> Vec<String> {
        recipients[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(OutboxRow {
        id: row.get("id"),
        case_id: row.get("case_id"),
        case_ref: None,
        authority: row.get("authority"),
        purpose: row.get("purpose"),
        to: list("to"),
        cc: list("cc"),
        context: serde_json::from_str(row.get::<&str, _>("context")).map_err(corrupt)?,
        message_id: row.get("message_id"),
        in_reply_to: row.get("in_reply_to"),
        status: row.named("outbox", "status")?,
        attempts: row.get("attempts"),
        last_error: row.get("last_error"),
        created_at: row.time("created_at"),
        sent_at: row.time_opt("sent_at"),
        next_attempt_at: row.time("next_attempt_at"),
    })
}

/// Mail held back longer than this by the hourly limit is a loop, not a
/// busy day: it is withheld.
pub(super) const MAX_DEFERRAL_HOURS: i64 = 24;

/// The earliest time from `now` at which one more mail to `address` keeps
/// every hour at or under `per_hour` mails, counting mail already queued
/// for later.
pub(super) async fn free_slot(
    tx: &mut sqlx::AnyConnection,
    address: &EmailAddress,
    now: DateTime<Utc>,
    per_hour: u32,
    vouched: bool,
) -> Result<DateTime<Utc>, StoreError> {
    let hour = chrono::Duration::hours(1);
    // Mail caused by a sender the receiving server vouched for is counted
    // only against its like: forged requests cannot use up its room.
    // Sign-in links, bounded by limits of their own, use up no one's share:
    // strangers asking for an officer's links cannot hold back their mail.
    let times: Vec<Stamp> = sqlx::query_scalar(
        "SELECT created_at FROM outbox_recipients WHERE address = $1 AND created_at > $2 \
         AND vouched >= $3 AND outbox_id NOT IN (SELECT id FROM outbox WHERE purpose = 'sign_in') \
         ORDER BY created_at",
    )
    .bind(address.as_str().to_lowercase())
    .bind(Stamp(now - hour))
    .bind(super::Flag(vouched))
    .fetch_all(&mut *tx)
    .await?;
    let per_hour = per_hour as usize;
    // Queued times only ever grow, so once the last `per_hour` fit in an
    // hour the next goes an hour after the first of them.
    Ok(match times.len().checked_sub(per_hour) {
        Some(first) => (times[first].0 + hour).max(now),
        None => now,
    })
}

/// The answers that could loop (see `Purpose::may_loop`) queued to
/// `address` in the day before `now`.
pub(super) async fn sent_in_a_day(
    tx: &mut sqlx::AnyConnection,
    address: &EmailAddress,
    now: DateTime<Utc>,
    vouched: bool,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox_recipients r JOIN outbox o ON o.id = r.outbox_id \
         WHERE r.address = $1 AND r.created_at > $2 AND r.vouched >= $3 AND o.purpose IN \
         ('incomplete', 'no_consent', 'blank_form', 'lead_change_pending')",
    )
    .bind(address.as_str().to_lowercase())
    .bind(Stamp(now - chrono::Duration::days(1)))
    .bind(super::Flag(vouched))
    .fetch_one(&mut *tx)
    .await?)
}

/// Writes one answer to the outbox, unless it was written before (same
/// idempotency key). A recipient who has had their hourly share gets it
/// later, when the share allows; one who would wait more than a day (a mail
/// loop, not a busy officer) does not get it. Returns the row's id when it
/// was queued.
pub(super) async fn queue_answer(
    tx: &mut sqlx::AnyConnection,
    ctx: QueueContext<'_>,
    answer: &OutgoingMail,
) -> Result<Option<OutboxId>, StoreError> {
    let purpose = answer.purpose.name();
    let key = match (ctx.case, &answer.step, answer.once_per_case, ctx.cause) {
        (Some((_, reference)), Some(step), _, _) => format!("{reference}:{step}"),
        (Some((_, reference)), None, true, _) => format!("{reference}:{purpose}:0"),
        (_, _, _, Some(cause)) => format!("message:{cause}:{purpose}"),
        // Neither a case nor a message, but a step of its own (a digest
        // of the day): keyed by the step.
        (None, Some(step), _, None) => step.clone(),
        // Neither a case nor a message: nothing to key it by, so no mail.
        (_, _, _, None) => return Ok(None),
    };
    // Queued before: nothing to do, and nothing to note on the case (the
    // insert below would be a no-op too).
    let queued_before: Option<OutboxId> =
        sqlx::query_scalar("SELECT id FROM outbox WHERE idempotency_key = $1")
            .bind(&key)
            .fetch_optional(&mut *tx)
            .await?;
    if queued_before.is_some() {
        return Ok(None);
    }
    let mut send_at = ctx.now;
    let mut withheld = Vec::new();
    let mut breaker = Vec::new();
    let (mut to, mut cc) = (answer.to.clone(), answer.cc.clone());
    for list in [&mut to, &mut cc] {
        let mut kept = Vec::new();
        for address in list.drain(..) {
            if answer.unlimited.contains(&address) {
                kept.push(address);
                continue;
            }
            let slot = free_slot(
                tx,
                &address,
                ctx.now,
                ctx.outgoing.max_per_recipient_per_hour,
                ctx.vouched,
            )
            .await?;
            let looping = answer.purpose.may_loop()
                && sent_in_a_day(tx, &address, ctx.now, ctx.vouched).await?
                    >= i64::from(ctx.outgoing.max_per_recipient_per_day);
            if looping {
                // A circuit breaker: this many automatic mails to one
                // address in a day is a loop, not a busy officer.
                breaker.push(address.to_string());
            } else if slot - ctx.now > chrono::Duration::hours(MAX_DEFERRAL_HOURS) {
                withheld.push(address.to_string());
            } else {
                send_at = send_at.max(slot);
                kept.push(address);
            }
        }
        *list = kept;
    }
    if !withheld.is_empty() {
        tracing::warn!(
            purpose,
            recipients = withheld.len(),
            "hourly limit reached for a day ahead: mail withheld"
        );
        if let Some((case_id, _)) = ctx.case {
            add_event(
                tx,
                case_id,
                ctx.now,
                EventKind::MailWithheld,
                None,
                Some(&serde_json::json!({ "purpose": purpose, "reason": "hourly limit per recipient, a day ahead" })),
            )
            .await?;
        }
    }
    if !breaker.is_empty() {
        tracing::warn!(
            purpose,
            recipients = breaker.len(),
            "daily limit of automatic mail to one address reached: mail stopped"
        );
        if let Some((case_id, _)) = ctx.case {
            add_event(
                tx,
                case_id,
                ctx.now,
                EventKind::MailWithheld,
                None,
                Some(&serde_json::json!({
                    "purpose": purpose,
                    "reason": format!(
                        "{} automatic mails to the same address within a day: stopped, in case of a mail loop",
                        ctx.outgoing.max_per_recipient_per_day
                    ),
                    "recipients": breaker.len(),
                })),
            )
            .await?;
        }
    }
    if to.is_empty() {
        return Ok(None);
    }
    if send_at > ctx.now {
        if let Some((case_id, reference)) = ctx.case {
            tracing::info!(case = %reference, purpose, until = %send_at, "hourly limit reached: mail deferred");
            add_event(
                tx,
                case_id,
                ctx.now,
                EventKind::MailDeferred,
                None,
                Some(&serde_json::json!({ "purpose": purpose, "until": send_at, "reason": "hourly limit per recipient" })),
            )
            .await?;
        }
    }
    // Held for a copy that may make it moot (see `OutgoingMail::held_until`).
    let send_at = answer
        .held_until
        .map_or(send_at, |until| send_at.max(until));
    let unique = format!("{:016x}", fastrand::u64(..));
    let message_id = match ctx.case {
        Some((_, reference)) => format!(
            "<dtr.{reference}.{purpose}.{unique}@{}>",
            ctx.outgoing.message_id_domain
        ),
        None => format!(
            "<dtr.{purpose}.{unique}@{}>",
            ctx.outgoing.message_id_domain
        ),
    };
    let recipients = serde_json::json!({
        "to": to.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
        "cc": cc.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
    });
    let id: Option<OutboxId> = sqlx::query_scalar(
        "INSERT INTO outbox (case_id, cause_id, authority, idempotency_key, purpose, step, recipients, \
         context, message_id, in_reply_to, status, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9, 'queued', $10, $11) \
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
    )
    .bind(ctx.case.map(|(id, _)| id))
    .bind(ctx.cause)
    .bind(ctx.authority)
    .bind(&key)
    .bind(purpose)
    .bind(recipients.to_string())
    .bind(answer.context.to_string())
    .bind(&message_id)
    .bind(ctx.in_reply_to)
    .bind(Stamp(send_at))
    .bind(Stamp(ctx.now))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else {
        return Ok(None);
    };
    for address in to.iter().chain(cc.iter()) {
        // `created_at` is when the mail is due to go, so that mail deferred
        // for the hourly limit counts in the hour it is sent.
        sqlx::query(
            "INSERT INTO outbox_recipients (outbox_id, address, created_at, vouched) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(address.as_str().to_lowercase())
        .bind(Stamp(send_at))
        .bind(super::Flag(ctx.vouched))
        .execute(&mut *tx)
        .await?;
    }
    if let Some((case_id, _)) = ctx.case {
        add_event(
            tx,
            case_id,
            ctx.now,
            EventKind::MailQueued,
            None,
            Some(&serde_json::json!({ "purpose": purpose, "outbox": id })),
        )
        .await?;
    }
    Ok(Some(id))
}

/// Notes what became of one of the gateway's mails on its case (when it has
/// one): its purpose and outbox row, and the error when it failed.
pub(super) async fn add_mail_event(
    tx: &mut Tx,
    outbox_id: OutboxId,
    at: DateTime<Utc>,
    kind: EventKind,
    message: Option<StoredMessageId>,
    error: Option<&str>,
) -> Result<(), StoreError> {
    add_mail_event_failed(tx, outbox_id, at, kind, message, error, None).await
}

/// [`add_mail_event`], naming the recipients the mail failed to reach.
pub(super) async fn add_mail_event_failed(
    tx: &mut Tx,
    outbox_id: OutboxId,
    at: DateTime<Utc>,
    kind: EventKind,
    message: Option<StoredMessageId>,
    error: Option<&str>,
    failed: Option<&[String]>,
) -> Result<(), StoreError> {
    let mail: Option<(Option<CaseId>, String)> =
        sqlx::query_as("SELECT case_id, purpose FROM outbox WHERE id = $1")
            .bind(outbox_id)
            .fetch_optional(&mut **tx)
            .await?;
    let Some((Some(case_id), purpose)) = mail else {
        return Ok(());
    };
    let mut detail = serde_json::json!({ "purpose": purpose, "outbox": outbox_id });
    if let Some(error) = error {
        detail["error"] = serde_json::Value::from(error);
    }
    if let Some(failed) = failed {
        detail["failed"] = serde_json::json!(failed);
    }
    add_event(tx, case_id, at, kind, message, Some(&detail)).await
}

#[cfg(test)]
impl Store {
    /// A mail to `to` queued due now, with neither case nor cause, as the
    /// sender finds it: for the sender's own tests.
    pub(crate) async fn queue_bare(
        &self,
        authority: &str,
        purpose: &str,
        to: &str,
    ) -> Result<OutboxId, StoreError> {
        let now = Utc::now();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
            .fetch_one(&self.pool)
            .await?;
        Ok(sqlx::query_scalar(
            "INSERT INTO outbox (authority, idempotency_key, purpose, recipients, context, \
             message_id, status, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, '{}', $5, 'queued', $6, $6) RETURNING id",
        )
        .bind(authority)
        .bind(format!("test:{n}"))
        .bind(purpose)
        .bind(serde_json::json!({ "to": [to], "cc": [] }).to_string())
        .bind(format!("<dtr.test.{n}@dtr-gateway.invalid>"))
        .bind(Stamp(now))
        .fetch_one(&self.pool)
        .await?)
    }
}
