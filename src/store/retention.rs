//! Retention: the personal details of closed cases, of refusals and of
//! messages that belong to no case are erased once the configured period
//! has passed, and those of incomplete cases whose consent was never
//! confirmed once theirs has (they lapse). What the outcomes report counts
//! stays, and so does the timeline of what happened when (events keep their
//! kind and time; only details that can name someone are erased).

use super::db::{self, Backend, Stamp};
use super::outbox::{queue_answer, QueueContext};
use super::{Store, StoreError};
use crate::config::Config;
use crate::core::address::EmailAddress;
use crate::core::case_ref::CaseRef;
use crate::core::event::EventKind;
use crate::core::plan::CaseStatus;
use crate::core::plan::OutgoingMail;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// Rows per transaction: a purge catching up on years of cases never holds
/// the write lock long enough to keep intake waiting.
const CHUNK: i64 = 200;

/// The referral's fields kept after a purge: what kind of referral it was,
/// where it went and from which agency, and the dates the report and the
/// deadlines use. Nothing in them names or describes the person.
const KEPT_REFERRAL_FIELDS: [&str; 6] = [
    "referral_type",
    "consent",
    "lha",
    "custody_status",
    "expected_release_date",
    "referring_agency",
];

/// Event kinds whose detail holds field names, rule ids, dates, purposes
/// and outbox ids only: kept. Every other detail is erased: the lead
/// officers' and case leads' names and addresses, mail errors that quote an
/// address, the outcome typed when closing (kept on the case for the
/// report), and any kind added later until it is known to be safe.
const KEPT_EVENT_DETAILS: [EventKind; 17] = [
    EventKind::ReferralReceived,
    EventKind::ReferralAttached,
    EventKind::MailQueued,
    EventKind::MailSent,
    EventKind::MailBounced,
    EventKind::MailWithheld,
    EventKind::MailDeferred,
    EventKind::ReminderQueued,
    EventKind::ChaseQueued,
    EventKind::EscalationQueued,
    EventKind::ReminderNotSent,
    EventKind::ChaseNotSent,
    EventKind::EscalationNotSent,
    EventKind::CasePaused,
    EventKind::DeadlineMet,
    EventKind::AuthorityResponded,
    EventKind::ConsentLapsed,
];

const NO_RECIPIENTS: &str = r#"{"to":[],"cc":[]}"#;

/// A follow-up's addressee whose domain cannot be found any more.
const ERASED: &str = "(erased)";

/// Where a purge draws its lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PurgeCutoffs {
    /// Cases closed before this, and refusals and messages of no case
    /// recorded before it, are erased.
    pub closed: DateTime<Utc>,
    /// Incomplete cases opened before this whose consent was never
    /// confirmed lapse and are erased.
    pub unconfirmed_consent: DateTime<Utc>,
    /// The period that gave `unconfirmed_consent`, noted on each case that
    /// lapses.
    pub unconfirmed_consent_days: u32,
}

/// What a purge erased (or, in a dry run, would erase).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PurgeCounts {
    /// Cases whose personal details were erased.
    pub cases: u64,
    /// Of those, incomplete cases that lapsed because their consent was
    /// never confirmed.
    pub unconfirmed_consent: u64,
    /// Messages whose sender and attachment names were erased: a purged
    /// case's, and those of no case.
    pub messages: u64,
    /// Mails whose recipients, contents and errors were erased.
    pub outbox: u64,
    /// Event details erased.
    pub events: u64,
    /// Rows of the web view deleted: expired sign-in links, idle sessions,
    /// and records of who viewed or did what older than the cutoff.
    pub web: u64,
}

impl PurgeCounts {
    pub fn is_zero(&self) -> bool {
        *self == PurgeCounts::default()
    }

    fn add(&mut self, other: PurgeCounts) {
        self.cases += other.cases;
        self.unconfirmed_consent += other.unconfirmed_consent;
        self.messages += other.messages;
        self.outbox += other.outbox;
        self.events += other.events;
        self.web += other.web;
    }
}

/// The kinds of rows a purge goes through, in this order: a case's follow-ups
/// are rewritten from its mail's recipients before the mail is erased.
#[derive(Clone, Copy)]
enum Stage {
    Cases,
    /// Incomplete cases whose consent was never confirmed.
    Unconfirmed,
    /// Messages of no case, or that joined a purged one.
    Messages,
    Outbox,
}

impl Store {
    /// Erases the personal details of cases closed before `cutoffs.closed`,
    /// of refusals and messages without a case recorded before it (and of
    /// messages recorded before it that joined an already purged case), of
    /// incomplete cases opened before `cutoffs.unconfirmed_consent` whose
    /// consent was never confirmed (which lapse: status `lapsed`, a
    /// `consent_lapsed` event), and of the mail of such cases (or without a
    /// case, queued before the first cutoff) once it is no longer waiting to
    /// go. A case still open, or incomplete with its consent given, is never
    /// purged, and a purged row is never touched again. The referrer of a
    /// case that lapses, at a domain `config` allows, is told, by mail
    /// queued with the lapse (`consent_lapsed`). With `dry_run` the
    /// same work is done and rolled back, so the counts are exact and
    /// nothing changes. A real purge is recorded in `purges` (its `cutoff`
    /// is `cutoffs.closed`).
    pub async fn purge(
        &self,
        cutoffs: PurgeCutoffs,
        config: &Config,
        dry_run: bool,
    ) -> Result<PurgeCounts, StoreError> {
        let cutoff = cutoffs.closed;
        let mut conn = self.pool.acquire().await?;
        let conn: &mut AnyConnection = &mut conn;
        let log: Option<i64> = if dry_run {
            None
        } else {
            Some(
                sqlx::query_scalar(
                    "INSERT INTO purges (started_at, cutoff) VALUES ($1, $2) RETURNING id",
                )
                .bind(Stamp(Utc::now()))
                .bind(Stamp(cutoff))
                .fetch_one(&mut *conn)
                .await?,
            )
        };
        let mut total = PurgeCounts::default();
        // In a dry run the lapsed cases are rolled back with their chunk:
        // their mail is found by id.
        let mut lapsed_unsaved: Vec<i64> = Vec::new();
        for stage in [
            Stage::Cases,
            Stage::Unconfirmed,
            Stage::Messages,
            Stage::Outbox,
        ] {
            let mut after = 0;
            loop {
                let mut tx = db::begin_write_on(conn, self.backend).await?;
                let now = Utc::now();
                let (counts, last) = match stage {
                    Stage::Cases => purge_cases(&mut tx, cutoff, after, now, self.backend).await?,
                    Stage::Unconfirmed => {
                        let (counts, last, lapsed) =
                            lapse_unconfirmed(&mut tx, &cutoffs, config, after, now, self.backend)
                                .await?;
                        if dry_run {
                            lapsed_unsaved.extend(lapsed);
                        }
                        (counts, last)
                    }
                    Stage::Messages => purge_messages(&mut tx, cutoff, after, now).await?,
                    Stage::Outbox => {
                        purge_outbox(&mut tx, cutoff, &lapsed_unsaved, after, now, self.backend)
                            .await?
                    }
                };
                if let Some(id) = log {
                    // In the chunk's own transaction: the record never
                    // claims more or less than what was committed.
                    sqlx::query(
                        "UPDATE purges SET cases = cases + $1, messages = messages + $2, \
                         outbox = outbox + $3, events = events + $4 WHERE id = $5",
                    )
                    .bind(as_i64(counts.cases))
                    .bind(as_i64(counts.messages))
                    .bind(as_i64(counts.outbox))
                    .bind(as_i64(counts.events))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
                if dry_run {
                    tx.rollback().await?;
                } else {
                    tx.commit().await?;
                }
                total.add(counts);
                match last {
                    Some(last) => after = last,
                    None => break,
                }
            }
        }
        {
            let mut tx = db::begin_write_on(conn, self.backend).await?;
            total.web = purge_web(&mut tx, cutoff, Utc::now()).await?;
            if dry_run {
                tx.rollback().await?;
            } else {
                tx.commit().await?;
            }
        }
        if let Some(id) = log {
            sqlx::query("UPDATE purges SET finished_at = $1 WHERE id = $2")
                .bind(Stamp(Utc::now()))
                .bind(id)
                .execute(&mut *conn)
                .await?;
            if !total.is_zero() && self.backend == Backend::Sqlite {
                // The write-ahead log still holds the pages as they were
                // before the erasure: copy the new ones into the file and
                // empty it. A reader in the way only delays that to
                // SQLite's next automatic checkpoint.
                let (busy, _, _): (i64, i64, i64) =
                    sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                        .fetch_one(&mut *conn)
                        .await?;
                if busy != 0 {
                    tracing::debug!("purge: the write-ahead log is in use; checkpointed later");
                }
            }
        }
        Ok(total)
    }
}

/// The next chunk of cases due for purging, after the case id `after`.
/// Returns the counts and the last id when there may be more.
async fn purge_cases(
    tx: &mut AnyConnection,
    cutoff: DateTime<Utc>,
    after: i64,
    now: DateTime<Utc>,
    backend: Backend,
) -> Result<(PurgeCounts, Option<i64>), StoreError> {
    let ids: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM cases WHERE purged_at IS NULL AND id > $2 AND ({DUE_CASE}) \
         ORDER BY id LIMIT $3"
    )))
    .bind(Stamp(cutoff))
    .bind(after)
    .bind(CHUNK)
    .fetch_all(&mut *tx)
    .await?;
    let mut counts = PurgeCounts::default();
    for &id in &ids {
        counts.add(purge_case(tx, id, now, backend).await?);
    }
    Ok((counts, next_after(&ids)))
}

/// A case due for purging, `?1` being the cutoff: closed before it, or
/// refused (which never closes) and recorded before it.
const DUE_CASE: &str =
    "(status = 'closed' AND closed_at < $1) OR (status = 'refused' AND opened_at < $1)";

pub(super) async fn purge_case(
    tx: &mut AnyConnection,
    id: i64,
    now: DateTime<Utc>,
    backend: Backend,
) -> Result<PurgeCounts, StoreError> {
    let row = sqlx::query(
        "SELECT reference, referral, referrer_email, follow_ups FROM cases WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let reference: String = row.get("reference");
    // Whom each follow-up mail went to, by its step, for the follow-ups'
    // history: its addressee becomes a domain.
    let mail: Vec<(String, String)> =
        sqlx::query_as("SELECT idempotency_key, recipients FROM outbox WHERE case_id = $1")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
    let mail_domains: HashMap<String, String> = mail
        .into_iter()
        .filter_map(|(key, recipients)| first_to_domain(&recipients).map(|d| (key, d)))
        .collect();
    let referrer_domain = row
        .get::<Option<String>, _>("referrer_email")
        .and_then(|e| EmailAddress::parse(&e).ok())
        .map(|e| e.domain());
    sqlx::query(
        "UPDATE cases SET referral = $1, referrer_domain = COALESCE($2, referrer_domain), \
         follow_ups = $3, name_key = NULL, date_of_birth = NULL, prison_number = NULL, crn = NULL, \
         referrer_name = NULL, referrer_email = NULL, referrer_phone = NULL, \
         case_lead_name = NULL, case_lead_email = NULL, case_lead_phone = NULL, \
         lha_lead_name = NULL, lha_lead_email = NULL, lha_lead_phone = NULL, purged_at = $4 \
         WHERE id = $5",
    )
    .bind(kept_referral(row.get("referral")))
    .bind(referrer_domain)
    .bind(follow_ups_by_domain(
        row.get("follow_ups"),
        &reference,
        &mail_domains,
    ))
    .bind(Stamp(now))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let messages: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, attachments FROM messages WHERE case_id = $1 AND purged_at IS NULL",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let messages = erase_messages(tx, &messages, now).await?;
    let events = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE events SET detail = NULL WHERE case_id = $1 AND detail IS NOT NULL \
         AND kind NOT IN {}",
        db::json_texts(backend, "$2")
    )))
    .bind(id)
    .bind(Value::from(KEPT_EVENT_DETAILS.map(EventKind::as_str).to_vec()).to_string())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    Ok(PurgeCounts {
        cases: 1,
        messages,
        events,
        ..PurgeCounts::default()
    })
}

/// The next chunk of incomplete cases opened before the unconfirmed-consent
/// cutoff, after the case id `after`: those whose consent was never
/// confirmed lapse and are purged. Returns the counts, the last id when
/// there may be more, and the ids of the cases that lapsed.
async fn lapse_unconfirmed(
    tx: &mut AnyConnection,
    cutoffs: &PurgeCutoffs,
    config: &Config,
    after: i64,
    now: DateTime<Utc>,
    backend: Backend,
) -> Result<(PurgeCounts, Option<i64>, Vec<i64>), StoreError> {
    let rows: Vec<(i64, String, String, String, Option<String>, Stamp)> = sqlx::query_as(
        "SELECT id, referral, reference, authority, referrer_email, opened_at FROM cases \
         WHERE purged_at IS NULL AND status = 'incomplete' \
         AND opened_at < $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(Stamp(cutoffs.unconfirmed_consent))
    .bind(after)
    .bind(CHUNK)
    .fetch_all(&mut *tx)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|row| row.0).collect();
    let mut counts = PurgeCounts::default();
    let mut lapsed = Vec::new();
    for (id, referral, reference, authority, referrer_email, opened_at) in &rows {
        if consent_confirmed(referral) {
            continue;
        }
        // What was still to go asks for what is no longer owed.
        super::deadlines::withhold(
            tx,
            crate::core::ids::CaseId::new(*id),
            now,
            &crate::core::mail::Purpose::ASKING,
            "the referral lapsed before it went",
        )
        .await?;
        counts.add(purge_case(tx, *id, now, backend).await?);
        counts.unconfirmed_consent += 1;
        sqlx::query("UPDATE cases SET status = $1 WHERE id = $2")
            .bind(CaseStatus::Lapsed.as_str())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        super::add_event(
            tx,
            crate::core::ids::CaseId::new(*id),
            now,
            EventKind::ConsentLapsed,
            None,
            Some(&serde_json::json!({ "days": cutoffs.unconfirmed_consent_days })),
        )
        .await?;
        // Queued with the lapse, so that it goes exactly once; its address
        // stays only until it has gone (the next purge erases it).
        let referrer = referrer_email
            .as_deref()
            .and_then(|e| EmailAddress::parse(e).ok())
            .filter(|a| config.allows_sender(a) && !config.is_portal_sender(a));
        if let (Some(referrer), Ok(case_ref)) = (referrer, reference.parse::<CaseRef>()) {
            let by = lapse_day(opened_at.0, cutoffs.unconfirmed_consent_days);
            queue_answer(
                tx,
                QueueContext {
                    case: Some((crate::core::ids::CaseId::new(*id), &case_ref)),
                    cause: None,
                    authority,
                    in_reply_to: None,
                    outgoing: &config.outgoing,
                    now,
                    vouched: false,
                },
                &OutgoingMail::consent_lapsed(referrer, Some(by), false),
            )
            .await?;
        }
        lapsed.push(*id);
    }
    Ok((counts, next_after(&ids), lapsed))
}

/// The day a referral opened at `opened_at` had its consent to be confirmed
/// by, in words: the day its incomplete mail said its details are deleted
/// from.
fn lapse_day(opened_at: DateTime<Utc>, days: u32) -> String {
    let day = opened_at
        .checked_add_signed(chrono::Duration::days(i64::from(days)))
        .unwrap_or(opened_at);
    crate::core::words::spoken_date(crate::core::words::uk_date(day))
}

/// Whether a stored referral says consent was given. Unreadable JSON does
/// not: the case lapses, and its purge erases the JSON whole.
pub(super) fn consent_confirmed(stored: &str) -> bool {
    serde_json::from_str::<Value>(stored)
        .ok()
        .and_then(|referral| referral.get("consent")?.as_bool())
        == Some(true)
}

/// Messages that belong to no case (quarantined, automatic, form requests)
/// recorded before the cutoff, and those that joined a case after it was
/// purged (a late reply in its thread): their sender and attachment names.
async fn purge_messages(
    tx: &mut AnyConnection,
    cutoff: DateTime<Utc>,
    after: i64,
    now: DateTime<Utc>,
) -> Result<(PurgeCounts, Option<i64>), StoreError> {
    let messages: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, attachments FROM messages WHERE purged_at IS NULL AND recorded_at < $1 \
         AND (case_id IS NULL OR case_id IN (SELECT id FROM cases WHERE purged_at IS NOT NULL)) \
         AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(Stamp(cutoff))
    .bind(after)
    .bind(CHUNK)
    .fetch_all(&mut *tx)
    .await?;
    let ids: Vec<i64> = messages.iter().map(|(id, _)| *id).collect();
    let counts = PurgeCounts {
        messages: erase_messages(tx, &messages, now).await?,
        ..PurgeCounts::default()
    };
    Ok((counts, next_after(&ids)))
}

/// The web view's rows no longer needed: links past their expiry (kept as
/// long as they count against their address's links of the hour), sessions
/// idle past their limit (one past its hours is ended when next used, or
/// goes idle), and the record of who viewed or did what (pages, searches
/// and filters included) once it is older than the retention cutoff.
async fn purge_web(
    tx: &mut AnyConnection,
    cutoff: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let mut deleted = 0;
    for (sql, at) in [
        (
            "DELETE FROM web_sign_ins WHERE expires_at < $1",
            now - crate::web::SIGN_IN_LINKS_COUNTED,
        ),
        (
            "DELETE FROM web_sessions WHERE last_seen_at < $1",
            now - crate::web::SESSION_IDLE,
        ),
        (
            "DELETE FROM web_devices WHERE created_at < $1",
            now - crate::web::DEVICES_KEPT,
        ),
        ("DELETE FROM web_access WHERE at < $1", cutoff),
    ] {
        deleted += sqlx::query(sql)
            .bind(Stamp(at))
            .execute(&mut *tx)
            .await?
            .rows_affected();
    }
    Ok(deleted)
}

/// Mail of purged (or due) cases, and mail of no case queued before the
/// cutoff: its recipients, contents and errors. Mail still waiting to go is
/// left for a later purge, so that it is never sent to nobody.
async fn purge_outbox(
    tx: &mut AnyConnection,
    cutoff: DateTime<Utc>,
    lapsed_unsaved: &[i64],
    after: i64,
    now: DateTime<Utc>,
    backend: Backend,
) -> Result<(PurgeCounts, Option<i64>), StoreError> {
    // Cases due and cases that lapsed as well as purged ones: a dry run has
    // rolled their purge back.
    let ids: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM outbox WHERE purged_at IS NULL AND status NOT IN ('queued', 'sending') \
         AND id > $2 AND ((case_id IS NULL AND created_at < $1) OR case_id IN \
         (SELECT id FROM cases WHERE purged_at IS NOT NULL OR {DUE_CASE}) \
         OR case_id IN {}) \
         ORDER BY id LIMIT $3",
        db::json_ids(backend, "$4")
    )))
    .bind(Stamp(cutoff))
    .bind(after)
    .bind(CHUNK)
    .bind(Value::from(lapsed_unsaved.to_vec()).to_string())
    .fetch_all(&mut *tx)
    .await?;
    let list = Value::from(ids.clone()).to_string();
    // The contacts it failed to reach go with its recipients.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM contact_failures WHERE outbox_id IN {}",
        db::json_ids(backend, "$1")
    )))
    .bind(&list)
    .execute(&mut *tx)
    .await?;
    // The per-hour count needs only the last hour's addresses.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM outbox_recipients WHERE outbox_id IN {}",
        db::json_ids(backend, "$1")
    )))
    .bind(&list)
    .execute(&mut *tx)
    .await?;
    let outbox = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE outbox SET recipients = $1, context = '{{}}', last_error = NULL, in_reply_to = NULL, \
         purged_at = $2 WHERE id IN {}",
        db::json_ids(backend, "$3")
    )))
    .bind(NO_RECIPIENTS)
    .bind(Stamp(now))
    .bind(&list)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let counts = PurgeCounts {
        outbox,
        ..PurgeCounts::default()
    };
    Ok((counts, next_after(&ids)))
}

/// Erases the sender and the attachments' names (keeping their types and
/// sizes) of these messages; returns how many.
async fn erase_messages(
    tx: &mut AnyConnection,
    messages: &[(i64, String)],
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let mut erased = 0;
    for (id, attachments) in messages {
        erased += sqlx::query(
            "UPDATE messages SET sender = NULL, subject = NULL, raw = NULL, attachments = $1, \
             purged_at = $2 WHERE id = $3",
        )
        .bind(attachments_without_names(attachments))
        .bind(Stamp(now))
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    Ok(erased)
}

/// Where the next chunk starts, when this one was full.
fn next_after(ids: &[i64]) -> Option<i64> {
    match ids.last() {
        Some(&last) if ids.len() as i64 == CHUNK => Some(last),
        _ => None,
    }
}

fn as_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The referral's JSON with only the fields that say nothing of the person.
/// Unreadable JSON is erased whole: the purge must not stop at it.
fn kept_referral(stored: &str) -> String {
    match serde_json::from_str::<Value>(stored) {
        Ok(Value::Object(mut fields)) => {
            fields.retain(|key, _| KEPT_REFERRAL_FIELDS.contains(&key.as_str()));
            Value::Object(fields).to_string()
        }
        _ => "{}".into(),
    }
}

/// The follow-ups with each addressee (a name or an address) replaced by
/// the domain mailed: the report counts the follow-ups that reached
/// someone, and still can.
fn follow_ups_by_domain(
    stored: &str,
    reference: &str,
    mail_domains: &HashMap<String, String>,
) -> String {
    let Ok(Value::Array(mut steps)) = serde_json::from_str::<Value>(stored) else {
        return "[]".into();
    };
    for step in &mut steps {
        let Some(fields) = step.as_object_mut() else {
            continue;
        };
        let key = fields.get("key").and_then(Value::as_str).unwrap_or("");
        // The mail's key names the deadline's date since deadlines can
        // move (`lead_officer:chase:1@2026-11-30`); older ones do not.
        let mailed = fields
            .get("due")
            .and_then(Value::as_str)
            .and_then(|due| mail_domains.get(&format!("{reference}:{key}@{due}")))
            .or_else(|| mail_domains.get(&format!("{reference}:{key}")))
            .cloned();
        if let Some(to) = fields.get_mut("to").filter(|to| !to.is_null()) {
            let domain = to
                .as_str()
                .and_then(|t| EmailAddress::parse(t).ok())
                .map(|a| a.domain())
                .or(mailed)
                .unwrap_or_else(|| ERASED.into());
            *to = Value::String(domain);
        }
    }
    Value::Array(steps).to_string()
}

/// The domain of a mail's first `to` recipient.
fn first_to_domain(recipients: &str) -> Option<String> {
    let parsed: Value = serde_json::from_str(recipients).ok()?;
    let first = parsed.get("to")?.as_array()?.first()?.as_str()?;
    EmailAddress::parse(first).ok().map(|a| a.domain())
}

/// Attachments as recorded, without their file names (which can name the
/// person).
fn attachments_without_names(stored: &str) -> String {
    let Ok(Value::Array(mut items)) = serde_json::from_str::<Value>(stored) else {
        return "[]".into();
    };
    for item in &mut items {
        match item.as_object_mut() {
            Some(fields) => {
                fields.shift_remove("name");
            }
            None => *item = Value::Null,
        }
    }
    items.retain(|i| !i.is_null());
    Value::Array(items).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_referral_keeps_only_what_says_nothing_of_the_person() {
        let stored = r#"{"referral_type":"duty_to_refer","full_name":"Sam Person","date_of_birth":"1988-07-14","consent":true,"lha":"Colchester","expected_release_date":"2027-03-01","referring_agency":"HMP Chelmsford","referrer_email":"jo@justice.gov.uk","mental_health":"x"}"#;
        assert_eq!(
            kept_referral(stored),
            r#"{"referral_type":"duty_to_refer","consent":true,"lha":"Colchester","expected_release_date":"2027-03-01","referring_agency":"HMP Chelmsford"}"#
        );
        assert_eq!(kept_referral("not json"), "{}");
        assert_eq!(kept_referral("[1]"), "{}");
    }

    #[test]
    fn only_a_stored_yes_confirms_consent() {
        assert!(consent_confirmed(r#"{"full_name":"Sam","consent":true}"#));
        for stored in [
            r#"{"full_name":"Sam"}"#,
            r#"{"consent":false}"#,
            r#"{"consent":"true"}"#,
            r#"{"consent":null}"#,
            "not json",
            "[true]",
        ] {
            assert!(!consent_confirmed(stored), "{stored}");
        }
    }

    #[test]
    fn follow_ups_name_domains_and_still_count_as_sent() {
        let stored = r#"[{"key":"lead_officer:chase:1","on":"2026-12-01","to":"Tracey Brushett"},{"key":"acknowledge:reminder","on":"2026-11-25","to":"jo@Justice.gov.uk"},{"key":"lead_officer:escalation","on":"2026-12-02","to":null},{"key":"x:chase:2","on":"2026-12-03","to":"Someone"}]"#;
        let domains = HashMap::from([(
            "DTR-COL-2026-00001:lead_officer:chase:1".to_string(),
            "colchester.gov.uk".to_string(),
        )]);
        let rewritten = follow_ups_by_domain(stored, "DTR-COL-2026-00001", &domains);
        assert_eq!(
            rewritten,
            r#"[{"key":"lead_officer:chase:1","on":"2026-12-01","to":"colchester.gov.uk"},{"key":"acknowledge:reminder","on":"2026-11-25","to":"justice.gov.uk"},{"key":"lead_officer:escalation","on":"2026-12-02","to":null},{"key":"x:chase:2","on":"2026-12-03","to":"(erased)"}]"#
        );
        let steps: Vec<super::super::DoneStep> =
            serde_json::from_str(&rewritten).expect("still follow-ups");
        assert_eq!(steps.iter().filter(|s| s.to.is_some()).count(), 3);
        assert_eq!(follow_ups_by_domain("{", "R", &domains), "[]");
    }

    #[test]
    fn attachments_keep_their_types_and_sizes() {
        let stored = r#"[{"name":"Sam Person licence.pdf","content_type":"application/pdf","bytes":10},"odd"]"#;
        assert_eq!(
            attachments_without_names(stored),
            r#"[{"content_type":"application/pdf","bytes":10}]"#
        );
        assert_eq!(attachments_without_names("nonsense"), "[]");
        assert_eq!(
            first_to_domain(r#"{"to":["Lead@Colchester.gov.uk"],"cc":[]}"#).as_deref(),
            Some("colchester.gov.uk")
        );
        assert_eq!(first_to_domain(NO_RECIPIENTS), None);
    }
}
