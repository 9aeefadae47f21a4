//! The store's side of deadlines: the cases the sweep and `due` read, the
//! follow-ups the sweep writes, and what people and answers record on a
//! case (a response, a lead officer, a release date, a pause, a closure, a
//! deadline met by hand), each applied as the plan says.

use super::db::{self, Day, DbRow, Stamp, StoredRow, Tx};
use super::{add_event, enum_text, from_enum_text, queue_answer, QueueContext, Store, StoreError};
use crate::config::Outgoing;
use crate::core::address::EmailAddress;
use crate::core::case_ref::CaseRef;
use crate::core::event::EventKind;
use crate::core::ids::{CaseId, StoredMessageId};
use crate::core::mail::Purpose;
use crate::core::plan::{CaseChange, CaseContacts, CaseStatus, GatewayMail, OutgoingMail};
use crate::core::protocol::{CaseFacts, Evidence, Progress};
use crate::core::referral::{PhoneNumber, Referral};
use crate::core::reply::NamedLead;
use crate::core::sweep::DoneStep;
use crate::message::MAX_THREAD_IDS;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;

/// An open case as the deadline rules see it.
#[derive(Clone, Debug)]
pub struct DeadlineCase {
    pub id: CaseId,
    pub reference: String,
    pub authority: String,
    pub facts: CaseFacts,
    pub progress: Progress,
    pub paused_until: Option<NaiveDate>,
    /// A message said the person withdrew their consent, and the council
    /// has not yet confirmed or declined it.
    pub withdrawal_waits: bool,
    pub referrer_email: Option<String>,
    pub case_lead_email: Option<String>,
    /// The follow-ups done, as stored (JSON); read with [`DeadlineCase::done`].
    pub follow_ups: String,
    /// The next follow-up day as last worked out (`9999-12-31`: none).
    pub follow_up_on: Option<String>,
    /// The case's revision when read: a day worked out from this reading is
    /// stored only if nothing changed the case since.
    pub revision: i64,
}

/// What [`Store::record_follow_ups`] wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordedFollowUps {
    /// Mails queued.
    pub queued: usize,
    /// For each case of the batch, in order, whether each of its follow-ups
    /// was written by this call: false where another sweep wrote it first.
    pub written: Vec<Vec<bool>>,
}

/// The next day a case could owe a follow-up, as worked out from the case
/// at `revision`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FollowUpDay {
    pub case_id: CaseId,
    pub revision: i64,
    /// None: no follow-up can come, as things stand.
    pub on: Option<NaiveDate>,
}

impl DeadlineCase {
    /// Whether the stored next follow-up day is already `next` (None:
    /// never), so that it need not be written again.
    pub fn follows_up_on(&self, next: Option<NaiveDate>) -> bool {
        self.follow_up_on.as_deref() == Some(stored_day(next).as_str())
    }

    pub fn done(&self) -> Vec<DoneStep> {
        serde_json::from_str(&self.follow_ups).unwrap_or_default()
    }
}

/// A follow-up to record: an event on the case, and a mail when someone can
/// be written to.
#[derive(Clone, Debug)]
pub struct FollowUp {
    pub step: DoneStep,
    /// `reminder_queued`, `chase_queued`, `escalation_queued`,
    /// `escalation_not_sent`, `chases_ended`, `follow_ups_stopped` ...
    pub event: EventKind,
    pub detail: serde_json::Value,
    pub mail: Option<OutgoingMail>,
}

/// The SQL condition that the case `$case` (a table name or alias) waits
/// for the council to confirm a withdrawal of consent reported by a
/// message `$reported` (a condition on its event `e`): one came after
/// whatever settled the last (the referring side took it back, the council
/// declined or confirmed it, a person reopened the case).
macro_rules! withdrawal_waits {
    ($case:literal, $reported:literal) => {
        concat!(
            "(SELECT MAX(e.id) FROM events e WHERE e.case_id = ",
            $case,
            ".id AND e.kind = 'consent_withdrawal_reported'",
            $reported,
            ") > COALESCE((SELECT MAX(e.id) FROM events e WHERE e.case_id = ",
            $case,
            ".id AND e.kind IN ('consent_withdrawal_taken_back', \
             'consent_withdrawal_declined', 'consent_withdrawn', 'case_reopened')), 0)"
        )
    };
}
pub(super) use withdrawal_waits;

const DEADLINE_COLUMNS: &str = concat!(
    "id, reference, authority, referral_type, custody_status, \
    clock_from, acknowledged_at, lead_named_at, responded_at, expected_release_date, \
    paused_until, met_by_hand, referrer_email, case_lead_email, follow_ups, follow_up_on, revision, \
    evidence, application_on, information_requested_at, \
    CAST(CASE WHEN ",
    // Only a report from the referrer, the case lead or the council holds
    // the follow-ups (see `intake::answers::withdrawal_reported`): anyone
    // else at an allowed domain must not be able to silence a case. The
    // detail is compact JSON written by the gateway.
    withdrawal_waits!("cases", " AND e.detail LIKE '%\"follow_ups_wait\":true%'"),
    " THEN 1 ELSE 0 END AS BIGINT) AS withdrawal_waits"
);

/// The cases whose deadlines run (see [`Store::deadline_cases`]).
/// The stored referral is compact JSON written by the gateway, in which
/// `"consent":true` can only be the consent field (quotes inside values
/// are escaped).
const CLOCK_RUNS: &str =
    "(status = 'open' OR (status = 'incomplete' AND referral LIKE '%\"consent\":true%'))";

/// `follow_up_on` for a case that no follow-up can come to as things stand.
const NEVER: &str = "9999-12-31";

/// A next follow-up day as `follow_up_on` stores it.
fn stored_day(on: Option<NaiveDate>) -> String {
    on.map_or_else(|| NEVER.to_string(), |d| d.to_string())
}

/// What the case's opening event recorded (its outcome, the fields its
/// forms disagreed on, why its consent was asked again), while its details
/// are kept.
pub(super) async fn opening_detail(
    conn: &mut sqlx::AnyConnection,
    id: CaseId,
) -> Result<Option<serde_json::Value>, StoreError> {
    let detail: Option<Option<String>> = sqlx::query_scalar(
        "SELECT detail FROM events WHERE case_id = $1 \
         AND kind IN ('referral_received', 'further_referral_received') ORDER BY id LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(detail
        .flatten()
        .and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok()))
}

/// The case's latest request for what its referral lacks that was not
/// given up on (a mail that failed for good asked nobody anything).
async fn last_request(
    conn: &mut sqlx::AnyConnection,
    id: CaseId,
) -> Result<Option<crate::core::plan::LastRequest>, StoreError> {
    let row = sqlx::query(
        "SELECT recipients, context FROM outbox WHERE case_id = $1 AND purpose = 'incomplete' \
         AND status <> 'failed' ORDER BY id DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| {
        let json = |column: &str| {
            serde_json::from_str::<serde_json::Value>(r.get::<&str, _>(column)).unwrap_or_default()
        };
        let to = json("recipients")["to"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a.as_str().and_then(|a| EmailAddress::parse(a).ok()))
            .collect();
        crate::core::plan::LastRequest {
            to,
            context: json("context"),
        }
    }))
}

/// Whether a consent answer of the case was asked again for being no plain
/// yes (a limit, a condition, someone else's word): as its opening event
/// recorded, or as a mail asking again said (an answer in a reply).
pub(super) async fn consent_first_doubted(
    conn: &mut sqlx::AnyConnection,
    id: CaseId,
    opening: Option<&serde_json::Value>,
) -> Result<bool, StoreError> {
    if opening.is_some_and(|d| d.get("consent_doubt").is_some_and(|v| !v.is_null())) {
        return Ok(true);
    }
    // The context is compact JSON written by the gateway: a kind is a
    // string there, an absent one `null`.
    let asked: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE case_id = $1 AND purpose = 'incomplete' \
         AND context LIKE '%\"consent_doubt\":\"%'",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(asked > 0)
}

impl Store {
    /// The cases whose deadlines run, with what the protocol needs to date
    /// and follow up their deadlines; one authority's when given: the open
    /// ones, and the incomplete ones the person consented to (a date of
    /// birth still to come, say), whose clock runs from receipt as the
    /// report counts it, so that they are followed up as they are counted.
    /// An incomplete referral without consent is none the council may act
    /// on yet: its clock starts when consent comes. People are shown these
    /// (`cases`, `due`, the web view) and the sweep follows them up.
    pub async fn deadline_cases(
        &self,
        authority: Option<&str>,
    ) -> Result<Vec<DeadlineCase>, StoreError> {
        self.deadline_cases_where(authority, CLOCK_RUNS).await
    }

    /// The cases the sweep must read on `day` (those of
    /// [`Store::deadline_cases`]): those whose next follow-up day has come,
    /// and those changed since it was worked out.
    pub async fn cases_to_sweep(&self, day: NaiveDate) -> Result<Vec<DeadlineCase>, StoreError> {
        // Two index ranges, not an OR the planner would scan every case for.
        // The index's own condition, written as it is so that SQLite uses
        // the partial index, then only the cases whose deadlines run.
        let open = format!("status IN ('open', 'incomplete') AND {CLOCK_RUNS}");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DEADLINE_COLUMNS} FROM cases WHERE {open} AND follow_up_on IS NULL \
             UNION ALL \
             SELECT {DEADLINE_COLUMNS} FROM cases WHERE {open} AND follow_up_on <= $1"
        )))
        .bind(Day(day))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(deadline_case).collect())
    }

    /// The open and incomplete cases of `authority` among `references`,
    /// as [`Store::deadline_cases`] reads them (for a page of cases,
    /// without reading every case).
    pub async fn deadline_cases_among(
        &self,
        authority: &str,
        references: &[&str],
    ) -> Result<Vec<DeadlineCase>, StoreError> {
        if references.is_empty() {
            return Ok(Vec::new());
        }
        let places = super::db::numbered_places(2, references.len());
        let sql = format!(
            "SELECT {DEADLINE_COLUMNS} FROM cases \
             WHERE {CLOCK_RUNS} AND authority = $1 \
             AND reference IN ({}) ORDER BY id",
            places
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(authority);
        for reference in references {
            query = query.bind(*reference);
        }
        let rows = query.fetch_all(&self.pool).await?;
        Ok(rows.iter().map(deadline_case).collect())
    }

    /// `statuses` is a constant condition on `status`, never input.
    async fn deadline_cases_where(
        &self,
        authority: Option<&str>,
        statuses: &'static str,
    ) -> Result<Vec<DeadlineCase>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DEADLINE_COLUMNS} FROM cases \
             WHERE {statuses} AND ($1 IS NULL OR authority = $1) ORDER BY id"
        )))
        .bind(authority)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(deadline_case).collect())
    }

    /// Stores each case's next follow-up day (None: never, as things stand),
    /// in one statement; a case changed since it was read (its revision
    /// moved on) keeps no day, so the next sweep reads it again.
    pub async fn set_follow_up_days(&self, days: &[FollowUpDay]) -> Result<(), StoreError> {
        if days.is_empty() {
            return Ok(());
        }
        let list: Vec<serde_json::Value> = days
            .iter()
            .map(|day| {
                let on = stored_day(day.on);
                serde_json::json!({ "id": day.case_id, "rev": day.revision, "day": on })
            })
            .collect();
        // Under the write lock: on PostgreSQL this many-row update beside
        // another gateway's sweep, which locks the same cases one by one in
        // its own order, could otherwise deadlock.
        let mut tx = self.begin_write().await?;
        sqlx::query(db::set_follow_up_days(self.backend))
            .bind(serde_json::Value::Array(list).to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records the sweep's follow-ups, case by case, in one transaction: each
    /// step once, however often the sweep runs or however many run. Says
    /// which this call wrote (another sweep may have written the rest) and
    /// the mails it queued.
    pub async fn record_follow_ups(
        &self,
        batch: &[(DeadlineCase, Vec<FollowUp>)],
        outgoing: &Outgoing,
        now: DateTime<Utc>,
    ) -> Result<RecordedFollowUps, StoreError> {
        let mut recorded = RecordedFollowUps::default();
        // A few hundred cases a transaction: a sweep catching up on many
        // never holds the write lock long enough to keep intake waiting.
        for chunk in batch.chunks(200) {
            let (queued, written) = self.record_follow_up_chunk(chunk, outgoing, now).await?;
            recorded.queued += queued;
            recorded.written.extend(written);
        }
        if recorded.queued > 0 {
            self.outbox_changed.notify_one();
        }
        Ok(recorded)
    }

    async fn record_follow_up_chunk(
        &self,
        batch: &[(DeadlineCase, Vec<FollowUp>)],
        outgoing: &Outgoing,
        now: DateTime<Utc>,
    ) -> Result<(usize, Vec<Vec<bool>>), StoreError> {
        let mut tx = self.begin_write().await?;
        let mut queued = 0;
        let mut written = Vec::with_capacity(batch.len());
        for (case, follow_ups) in batch {
            let case_ref: CaseRef = case.reference.parse().map_err(|_| StoreError::Corrupt {
                reference: case.reference.clone(),
                message: "not a case reference".into(),
            })?;
            // Read again under the write lock: another sweep may have done
            // some of these since the case was read.
            let stored: String = sqlx::query_scalar("SELECT follow_ups FROM cases WHERE id = $1")
                .bind(case.id)
                .fetch_one(&mut *tx)
                .await?;
            let mut done: Vec<DoneStep> = serde_json::from_str(&stored).unwrap_or_default();
            let before = done.len();
            let mut case_written = Vec::with_capacity(follow_ups.len());
            for follow_up in follow_ups {
                if done.iter().any(|d| {
                    d.key == follow_up.step.key && (d.due.is_none() || d.due == follow_up.step.due)
                }) {
                    case_written.push(false);
                    continue;
                }
                case_written.push(true);
                done.push(follow_up.step.clone());
                add_event(
                    &mut tx,
                    case.id,
                    now,
                    follow_up.event,
                    None,
                    Some(&follow_up.detail),
                )
                .await?;
                let mail = follow_up.mail.as_slice();
                queued += queue_for_case(
                    &mut tx,
                    (case.id, &case_ref),
                    &case.authority,
                    mail,
                    outgoing,
                    now,
                )
                .await?;
            }
            written.push(case_written);
            if done.len() > before {
                sqlx::query("UPDATE cases SET follow_ups = $1 WHERE id = $2")
                    .bind(serde_json::to_string(&done).unwrap_or_else(|_| "[]".into()))
                    .bind(case.id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok((queued, written))
    }

    /// Who is on a case, for judging an answer in its thread.
    pub async fn case_contacts(&self, reference: &str) -> Result<Option<CaseContacts>, StoreError> {
        let reference = reference.to_string();
        let row = sqlx::query(
            "SELECT id, reference, authority, status, referral, referrer_email, case_lead_name, \
             case_lead_email, case_lead_phone, lha_lead_name, lha_lead_email, lha_lead_phone, \
             expected_release_date, received_at, purged_at, referrer_domain FROM cases \
             WHERE reference = $1",
        )
        .bind(&reference)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        let corrupt = |message: String| StoreError::Corrupt {
            reference: reference.clone(),
            message,
        };
        let case_ref: CaseRef = reference
            .parse()
            .map_err(|_| corrupt("not a case reference".into()))?;
        let referral: Referral = serde_json::from_str(r.get::<&str, _>("referral"))
            .map_err(|e| corrupt(e.to_string()))?;
        let lead = |prefix: &str| NamedLead {
            name: r.get(format!("{prefix}_name").as_str()),
            email: r
                .get::<Option<String>, _>(format!("{prefix}_email").as_str())
                .and_then(|e| EmailAddress::parse(&e).ok()),
            phone: r
                .get::<Option<String>, _>(format!("{prefix}_phone").as_str())
                .and_then(|p| PhoneNumber::parse(&p)),
        };
        let id: CaseId = r.get("id");
        // The fields the opening forms disagreed on, as the case's opening
        // event recorded them.
        let mut conn = self.pool.acquire().await?;
        let opening = opening_detail(&mut conn, id).await?;
        let consent_first_doubted = consent_first_doubted(&mut conn, id, opening.as_ref()).await?;
        let conflicts = opening
            .and_then(|d| d.get("conflicts").cloned())
            .and_then(|c| serde_json::from_value::<Vec<String>>(c).ok())
            .unwrap_or_default()
            .iter()
            .filter_map(|k| crate::core::field::Field::from_key(k))
            .collect();
        let last_request = last_request(&mut conn, id).await?;
        let withdrawals_settled: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM events WHERE case_id = $1 AND kind IN \
             ('consent_withdrawal_taken_back', 'consent_withdrawal_declined', \
             'consent_withdrawn', 'case_reopened')",
        )
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
        let withdrawal_waits: i64 = sqlx::query_scalar(concat!(
            "SELECT CAST(CASE WHEN ",
            withdrawal_waits!("cases", " AND e.detail LIKE '%\"follow_ups_wait\":true%'"),
            " THEN 1 ELSE 0 END AS BIGINT) FROM cases WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
        let referrer_email = r
            .get::<Option<String>, _>("referrer_email")
            .and_then(|e| EmailAddress::parse(&e).ok());
        Ok(Some(CaseContacts {
            id,
            case_ref,
            authority: r.get("authority"),
            status: r.named("cases", "status")?,
            referral,
            referrer_domain: referrer_email
                .as_ref()
                .map(EmailAddress::domain)
                .or_else(|| r.get("referrer_domain")),
            referrer_email,
            case_lead: lead("case_lead"),
            lha_lead: lead("lha_lead"),
            release_date: r.day_opt("expected_release_date"),
            received_at: r.time("received_at"),
            purged: r.get::<Option<String>, _>("purged_at").is_some(),
            conflicts,
            consent_first_doubted,
            last_request,
            withdrawals_settled,
            withdrawal_waits: withdrawal_waits == 1,
        }))
    }

    /// The first of these Message-IDs that is one of the gateway's own
    /// mails, in the order given: what an answer answers, or what a bounce
    /// returns. At most [`crate::message::MAX_THREAD_IDS`] are looked up,
    /// in one query.
    pub async fn gateway_mail_in(
        &self,
        message_ids: &[String],
    ) -> Result<Option<GatewayMail>, StoreError> {
        // The latest first: the mail answered, then those before it.
        let ids: Vec<&String> = message_ids
            .iter()
            .rev()
            .filter(|id| id.starts_with("<dtr."))
            .take(MAX_THREAD_IDS)
            .collect();
        if ids.is_empty() {
            return Ok(None);
        }
        let list = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into());
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, case_id, purpose, recipients, context, message_id FROM outbox \
             WHERE message_id IN {}",
            db::json_texts(self.backend, "$1")
        )))
        .bind(list)
        .fetch_all(&self.pool)
        .await?;
        let found = ids.iter().find_map(|id| {
            rows.iter()
                .find(|r| r.get::<&str, _>("message_id") == id.as_str())
        });
        let Some(r) = found else {
            return Ok(None);
        };
        let context: serde_json::Value =
            serde_json::from_str(r.get::<&str, _>("context")).unwrap_or_default();
        let recipients: serde_json::Value =
            serde_json::from_str(r.get::<&str, _>("recipients")).unwrap_or_default();
        let list = |key: &str| -> Vec<EmailAddress> {
            recipients[key]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str())
                        .filter_map(|v| EmailAddress::parse(v).ok())
                        .collect()
                })
                .unwrap_or_default()
        };
        let Some(purpose) = Purpose::from_name(r.get::<&str, _>("purpose")) else {
            return Ok(None);
        };
        Ok(Some(GatewayMail {
            outbox_id: r.get("id"),
            message_id: r.get::<&str, _>("message_id").to_string(),
            case_id: r.get("case_id"),
            purpose,
            rule: context["deadline"]["id"].as_str().map(str::to_string),
            to: list("to"),
            cc: list("cc"),
            context,
        }))
    }

    /// The case of a thread: of these Message-IDs (a message's
    /// `References`, then its `In-Reply-To`), the last that the store holds
    /// with a case, as a message it recorded or a mail it sent. At most
    /// [`MAX_THREAD_IDS`] are looked at, the last ones, in one query.
    pub async fn case_of_thread(
        &self,
        message_ids: &[String],
    ) -> Result<Option<CaseRef>, StoreError> {
        let mut wanted: Vec<&str> = Vec::new();
        for id in message_ids.iter().rev() {
            if wanted.len() == MAX_THREAD_IDS {
                break;
            }
            if !wanted.contains(&id.as_str()) {
                wanted.push(id);
            }
        }
        if wanted.is_empty() {
            return Ok(None);
        }
        let list = |first: usize| {
            (first..first + wanted.len())
                .map(|n| format!("${n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let sql = format!(
            "SELECT m.message_id, c.reference, 'message' AS source FROM messages m JOIN cases c ON c.id = m.case_id \
             WHERE m.message_id IN ({}) \
             UNION ALL SELECT o.message_id, c.reference, 'outbox' AS source FROM outbox o JOIN cases c ON c.id = o.case_id \
             WHERE o.message_id IN ({})",
            list(1),
            list(1 + wanted.len())
        );
        let mut query = sqlx::query_as::<_, (String, String, String)>(sqlx::AssertSqlSafe(sql));
        for id in wanted.iter().chain(wanted.iter()) {
            query = query.bind(*id);
        }
        let mut found = query.fetch_all(&self.pool).await?;
        // A message recorded before a mail sent, for the same Message-ID.
        found.sort_by(|a, b| a.2.cmp(&b.2));
        Ok(wanted.iter().find_map(|id| {
            found
                .iter()
                .filter(|(message_id, _, _)| message_id == id)
                .find_map(|(_, reference, _)| reference.parse().ok())
        }))
    }

    /// Records by hand what an answer would (`case REF respond`, `release`,
    /// `application`): the changes, and the mail they cause.
    pub async fn record_by_hand(
        &self,
        reference: &str,
        changes: &[CaseChange],
        mails: &[OutgoingMail],
        outgoing: &Outgoing,
    ) -> Result<usize, StoreError> {
        let mut tx = self.begin_write().await?;
        let (case_id, case_ref, authority) = find_case(&mut tx, reference).await?;
        let now = Utc::now();
        apply_changes(&mut tx, case_id, changes, now, None).await?;
        let queued = queue_for_case(
            &mut tx,
            (case_id, &case_ref),
            &authority,
            mails,
            outgoing,
            now,
        )
        .await?;
        tx.commit().await?;
        if queued > 0 {
            self.outbox_changed.notify_one();
        }
        Ok(queued)
    }

    /// Closes a case with its outcome: its deadlines end.
    pub async fn close_case(&self, reference: &str, outcome: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let (case_id, _, _) = find_case(&mut tx, reference).await?;
        let now = Utc::now();
        let was = status_of(&mut tx, case_id).await?;
        withhold_queued(&mut tx, case_id, now).await?;
        sqlx::query(
            "UPDATE cases SET status = 'closed', closed_at = $1, close_outcome = $2 WHERE id = $3",
        )
        .bind(Stamp(now))
        .bind(outcome)
        .bind(case_id)
        .execute(&mut *tx)
        .await?;
        add_event(
            &mut tx,
            case_id,
            now,
            EventKind::CaseClosed,
            None,
            Some(&serde_json::json!({ "outcome": outcome, "was": was })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Opens again a case closed by mistake (by hand, or on a withdrawal of
    /// consent the council confirmed): it takes the status it had when
    /// closed, the mail its closing held back is queued again (the note
    /// that it closed is held back instead), and its deadlines run again
    /// from where they stood. A referring side already told it closed is
    /// told it goes on, in the thread of that note. A refused or lapsed
    /// case, or one whose details the retention purge erased, kept nothing
    /// about the person, and cannot be.
    pub async fn reopen_case(
        &self,
        reference: &str,
        outgoing: &Outgoing,
    ) -> Result<Reopened, StoreError> {
        let mut tx = self.begin_write().await?;
        let (case_id, case_ref, authority) = find_case(&mut tx, reference).await?;
        let status = status_of(&mut tx, case_id).await?;
        let purged: Option<String> =
            sqlx::query_scalar("SELECT purged_at FROM cases WHERE id = $1")
                .bind(case_id)
                .fetch_one(&mut *tx)
                .await?;
        if status != CaseStatus::Closed.as_str() || purged.is_some() {
            return Err(StoreError::NotReopenable {
                reference: reference.to_string(),
                status: if purged.is_some() {
                    format!("{status} and its details erased")
                } else {
                    status
                },
            });
        }
        // The event that closed it keeps the status it had.
        let closed = sqlx::query(
            "SELECT kind, detail FROM events WHERE case_id = $1 AND kind IN ($2, $3) \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(case_id)
        .bind(EventKind::CaseClosed.as_str())
        .bind(EventKind::ConsentWithdrawn.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        // Closed on a withdrawal the council confirmed: the referring side
        // was told so (a case closed by hand tells them nothing).
        let on_withdrawal = closed
            .as_ref()
            .is_some_and(|row| row.get::<&str, _>("kind") == EventKind::ConsentWithdrawn.as_str());
        let detail: serde_json::Value = closed
            .and_then(|row| row.get::<Option<String>, _>("detail"))
            .and_then(|d| serde_json::from_str(&d).ok())
            .unwrap_or_default();
        // Closed before the status it had was kept: open, as most are.
        let reopened = match detail.get("was").and_then(serde_json::Value::as_str) {
            Some("incomplete") => CaseStatus::Incomplete,
            _ => CaseStatus::Open,
        };
        let outcome: Option<String> =
            sqlx::query_scalar("SELECT close_outcome FROM cases WHERE id = $1")
                .bind(case_id)
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query(
            "UPDATE cases SET status = $1, closed_at = NULL, close_outcome = NULL, \
             follow_up_on = NULL, revision = revision + 1 WHERE id = $2",
        )
        .bind(reopened.as_str())
        .bind(case_id)
        .execute(&mut *tx)
        .await?;
        let now = Utc::now();
        add_event(
            &mut tx,
            case_id,
            now,
            EventKind::CaseReopened,
            None,
            Some(&serde_json::json!({ "outcome": outcome, "status": reopened.as_str() })),
        )
        .await?;
        // What closing held back goes after all (a request for what is
        // missing, a chase); a note that the referral closed, not yet
        // sent, no longer does.
        sqlx::query(
            "UPDATE outbox SET status = 'queued', last_error = NULL, next_attempt_at = $1 \
             WHERE case_id = $2 AND status = 'failed' AND last_error = $3",
        )
        .bind(Stamp(now))
        .bind(case_id)
        .bind(format!("not sent: {CLOSED_BEFORE_IT_WENT}"))
        .execute(&mut *tx)
        .await?;
        withhold(
            &mut tx,
            case_id,
            now,
            &[Purpose::WithdrawalConfirmed],
            "the case was reopened before it went",
        )
        .await?;
        // Told it closed, the referring side must hear that it goes on,
        // lest they send the referral again or stop answering: to whom the
        // note went, under it.
        let told_closed = sqlx::query(
            "SELECT recipients, message_id FROM outbox WHERE case_id = $1 AND purpose = $2 \
             AND status = 'sent' ORDER BY id DESC LIMIT 1",
        )
        .bind(case_id)
        .bind(Purpose::WithdrawalConfirmed.name())
        .fetch_optional(&mut *tx)
        .await?;
        let mut referrer_told = false;
        if let Some(row) = told_closed.filter(|_| on_withdrawal) {
            let recipients: serde_json::Value =
                serde_json::from_str(row.get::<&str, _>("recipients")).map_err(|e| {
                    StoreError::Corrupt {
                        reference: format!("the outbox of {case_ref}"),
                        message: e.to_string(),
                    }
                })?;
            let addresses = |key: &str| -> Vec<EmailAddress> {
                recipients[key]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|a| a.as_str().and_then(|a| EmailAddress::parse(a).ok()))
                    .collect()
            };
            let (mut to, mut cc) = (addresses("to"), addresses("cc"));
            if to.is_empty() && !cc.is_empty() {
                to.push(cc.remove(0));
            }
            let closed_note: Option<String> = row.get("message_id");
            if !to.is_empty() {
                // One note a reopening: a case closed and reopened again
                // tells the referring side again.
                let reopenings: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM events WHERE case_id = $1 AND kind = $2",
                )
                .bind(case_id)
                .bind(EventKind::CaseReopened.as_str())
                .fetch_one(&mut *tx)
                .await?;
                let queued = queue_answer(
                    &mut tx,
                    QueueContext {
                        case: Some((case_id, &case_ref)),
                        cause: None,
                        authority: &authority,
                        in_reply_to: closed_note.as_deref(),
                        outgoing,
                        now,
                        vouched: false,
                    },
                    &OutgoingMail {
                        purpose: Purpose::CaseReopened,
                        to,
                        cc,
                        once_per_case: false,
                        context: serde_json::json!({ "outcome": "complete" }),
                        unlimited: Vec::new(),
                        step: Some(format!("case_reopened:{reopenings}")),
                        thread_under: None,
                        held_until: None,
                    },
                )
                .await?;
                referrer_told = queued.is_some();
            }
        }
        tx.commit().await?;
        Ok(Reopened {
            status: reopened,
            referrer_told_reopened: referrer_told,
        })
    }

    /// No follow-ups before `until`.
    pub async fn pause_case(&self, reference: &str, until: NaiveDate) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let (case_id, _, _) = find_case(&mut tx, reference).await?;
        sqlx::query("UPDATE cases SET paused_until = $1, follow_up_on = NULL, revision = revision + 1 WHERE id = $2")
            .bind(Day(until))
            .bind(case_id)
            .execute(&mut *tx)
            .await?;
        add_event(
            &mut tx,
            case_id,
            Utc::now(),
            EventKind::CasePaused,
            None,
            Some(&serde_json::json!({ "until": until })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A deadline met in a way the gateway cannot see (a phone call, a letter).
    pub async fn mark_met(&self, reference: &str, rule_id: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let (case_id, _, _) = find_case(&mut tx, reference).await?;
        let stored: String = sqlx::query_scalar("SELECT met_by_hand FROM cases WHERE id = $1")
            .bind(case_id)
            .fetch_one(&mut *tx)
            .await?;
        let mut met: Vec<String> = serde_json::from_str(&stored).unwrap_or_default();
        if met.iter().any(|m| m == rule_id) {
            return Ok(false);
        }
        met.push(rule_id.to_string());
        sqlx::query("UPDATE cases SET met_by_hand = $1, follow_up_on = NULL, revision = revision + 1 WHERE id = $2")
            .bind(serde_json::to_string(&met).unwrap_or_else(|_| "[]".into()))
            .bind(case_id)
            .execute(&mut *tx)
            .await?;
        add_event(
            &mut tx,
            case_id,
            Utc::now(),
            EventKind::DeadlineMet,
            None,
            Some(&serde_json::json!({ "rule": rule_id, "by": "recorded by hand" })),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

fn deadline_case(r: &DbRow) -> DeadlineCase {
    let by_hand: Vec<String> =
        serde_json::from_str(r.get::<&str, _>("met_by_hand")).unwrap_or_default();
    let evidence: Vec<Evidence> =
        serde_json::from_str(r.get::<&str, _>("evidence")).unwrap_or_default();
    DeadlineCase {
        id: r.get("id"),
        reference: r.get("reference"),
        authority: r.get("authority"),
        facts: CaseFacts {
            referral_type: from_enum_text(r.get("referral_type")),
            custody_status: from_enum_text(r.get("custody_status")),
            clock_from: r.time("clock_from"),
            acknowledged_at: r.time_opt("acknowledged_at"),
            release_date: r.day_opt("expected_release_date"),
            application_on: r.day_opt("application_on"),
            information_requested_at: r.time_opt("information_requested_at"),
        },
        progress: Progress {
            lead_named_at: r.time_opt("lead_named_at"),
            by_hand,
            evidence,
        },
        paused_until: r.day_opt("paused_until"),
        withdrawal_waits: r.flag("withdrawal_waits"),
        referrer_email: r.get("referrer_email"),
        case_lead_email: r.get("case_lead_email"),
        follow_ups: r.get("follow_ups"),
        follow_up_on: r.get("follow_up_on"),
        revision: r.get("revision"),
    }
}

/// Queues mail about a case that no message caused (a follow-up, a change
/// recorded by hand); returns how many were queued.
async fn queue_for_case(
    tx: &mut Tx,
    case: (CaseId, &CaseRef),
    authority: &str,
    answers: &[OutgoingMail],
    outgoing: &Outgoing,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut queued = 0;
    for answer in answers {
        let context = QueueContext {
            case: Some(case),
            cause: None,
            authority,
            in_reply_to: None,
            outgoing,
            now,
            vouched: false,
        };
        queued += usize::from(queue_answer(tx, context, answer).await?.is_some());
    }
    Ok(queued)
}

/// The case's status as stored.
async fn status_of(tx: &mut Tx, case_id: CaseId) -> Result<String, StoreError> {
    Ok(sqlx::query_scalar("SELECT status FROM cases WHERE id = $1")
        .bind(case_id)
        .fetch_one(&mut **tx)
        .await?)
}

async fn find_case(tx: &mut Tx, reference: &str) -> Result<(CaseId, CaseRef, String), StoreError> {
    let row = sqlx::query("SELECT id, reference, authority FROM cases WHERE reference = $1")
        .bind(reference)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NoSuchCase(reference.to_string()))?;
    let case_ref = row
        .get::<&str, _>("reference")
        .parse()
        .map_err(|_| StoreError::NoSuchCase(reference.to_string()))?;
    Ok((row.get("id"), case_ref, row.get("authority")))
}

/// Carries out a plan's changes to a case, each with its event. `at` is
/// when the message that caused them arrived (or now, by hand).
pub(super) async fn apply_changes(
    tx: &mut Tx,
    case_id: CaseId,
    changes: &[CaseChange],
    at: DateTime<Utc>,
    message_row: Option<StoredMessageId>,
) -> Result<(), StoreError> {
    let now = Utc::now();
    for change in changes {
        let (kind, detail): (EventKind, serde_json::Value) = match change {
            CaseChange::AuthorityResponded { evidence, how } => {
                add_evidence(tx, case_id, evidence).await?;
                sqlx::query(
                    "UPDATE cases SET responded_at = COALESCE(responded_at, $1), \
                     acknowledged_at = COALESCE(acknowledged_at, $1), follow_up_on = NULL, \
                     revision = revision + 1 WHERE id = $2",
                )
                .bind(Stamp(evidence.at))
                .bind(case_id)
                .execute(&mut **tx)
                .await?;
                (
                    EventKind::AuthorityResponded,
                    serde_json::json!({ "how": how, "answers": evidence.answers, "done": evidence.done }),
                )
            }
            CaseChange::ReferrerResponded { evidence } => {
                add_evidence(tx, case_id, evidence).await?;
                (
                    EventKind::ReferrerResponded,
                    serde_json::json!({ "answers": evidence.answers, "done": evidence.done }),
                )
            }
            CaseChange::LeadOfficerNamed(lead) => {
                let previous: Option<String> = sqlx::query_scalar(
                    "SELECT COALESCE(lha_lead_name, lha_lead_email) FROM cases WHERE id = $1",
                )
                .bind(case_id)
                .fetch_one(&mut **tx)
                .await?;
                sqlx::query(
                    "UPDATE cases SET lha_lead_name = $1, lha_lead_email = $2, lha_lead_phone = $3, \
                     lead_named_at = COALESCE(lead_named_at, $4), follow_up_on = NULL, \
                     revision = revision + 1 WHERE id = $5",
                )
                .bind(&lead.name)
                .bind(lead.email.as_ref().map(|e| e.to_string()))
                .bind(lead.phone.as_ref().map(|p| p.as_str().to_string()))
                .bind(Stamp(at))
                .bind(case_id)
                .execute(&mut **tx)
                .await?;
                let kind = if previous.is_some() {
                    EventKind::LeadOfficerChanged
                } else {
                    EventKind::LeadOfficerNamed
                };
                (kind, lead_detail(lead))
            }
            CaseChange::CaseLeadChanged(lead) => {
                sqlx::query(
                    "UPDATE cases SET case_lead_name = $1, case_lead_email = COALESCE($2, case_lead_email), \
                     case_lead_phone = $3, follow_up_on = NULL, revision = revision + 1 WHERE id = $4",
                )
                .bind(&lead.name)
                .bind(lead.email.as_ref().map(|e| e.to_string()))
                .bind(lead.phone.as_ref().map(|p| p.as_str().to_string()))
                .bind(case_id)
                .execute(&mut **tx)
                .await?;
                (EventKind::CaseLeadChanged, lead_detail(lead))
            }
            CaseChange::ReleaseDateChanged { to, urgent, by } => {
                let (from, referral): (Option<String>, Option<String>) = sqlx::query_as(
                    "SELECT expected_release_date, referral FROM cases WHERE id = $1",
                )
                .bind(case_id)
                .fetch_one(&mut **tx)
                .await?;
                // The stored form says the new date too, so that the case
                // reads the same everywhere.
                let referral = referral
                    .and_then(|r| serde_json::from_str::<serde_json::Value>(&r).ok())
                    .map(|mut r| {
                        r["expected_release_date"] = serde_json::json!(to);
                        r.to_string()
                    });
                sqlx::query(
                    "UPDATE cases SET expected_release_date = $1, urgent = $2, follow_up_on = NULL, \
                     revision = revision + 1, referral = COALESCE($4, referral) WHERE id = $3",
                )
                .bind(Day(*to))
                .bind(super::Flag(*urgent))
                .bind(case_id)
                .bind(referral)
                .execute(&mut **tx)
                .await?;
                (
                    EventKind::ReleaseDateChanged,
                    serde_json::json!({ "from": from, "to": to, "urgent": urgent, "by": by }),
                )
            }
            CaseChange::ApplicationReceived { on, by } => {
                sqlx::query(
                    "UPDATE cases SET application_on = $1, follow_up_on = NULL, revision = revision + 1 \
                     WHERE id = $2",
                )
                .bind(Day(*on))
                .bind(case_id)
                .execute(&mut **tx)
                .await?;
                (
                    EventKind::ApplicationReceived,
                    serde_json::json!({ "on": on, "by": by }),
                )
            }
            CaseChange::AcknowledgementReturned { to } => {
                sqlx::query(
                    "UPDATE cases SET acknowledged_at = NULL, follow_up_on = NULL, \
                     revision = revision + 1 WHERE id = $1",
                )
                .bind(case_id)
                .execute(&mut **tx)
                .await?;
                (
                    EventKind::AcknowledgementReturned,
                    serde_json::json!({
                        "to": to.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
                    }),
                )
            }
            CaseChange::InformationRequested { at, what } => {
                sqlx::query(
                    "UPDATE cases SET information_requested_at = $1, follow_up_on = NULL, \
                     revision = revision + 1 WHERE id = $2",
                )
                .bind(Stamp(*at))
                .bind(case_id)
                .execute(&mut **tx)
                .await?;
                (
                    EventKind::InformationRequested,
                    serde_json::json!({ "what": what }),
                )
            }
            CaseChange::ReferralCompleted {
                referral,
                missing,
                status,
                urgent,
                completes,
                at,
            } => {
                // Whether the person had consented before this: the clock
                // already ran from receipt.
                let stored: Option<String> =
                    sqlx::query_scalar("SELECT referral FROM cases WHERE id = $1")
                        .bind(case_id)
                        .fetch_optional(&mut **tx)
                        .await?;
                let consented_before = stored
                    .as_deref()
                    .is_some_and(super::retention::consent_confirmed);
                sqlx::query(
                    "UPDATE cases SET referral = $1, missing = $2, status = $3, \
                     urgent = CASE WHEN urgent > $4 THEN urgent ELSE $4 END, \
                     prison_number = COALESCE($5, prison_number), crn = COALESCE($6, crn), \
                     expected_release_date = COALESCE(expected_release_date, $7), \
                     custody_status = COALESCE($8, custody_status), \
                     referral_type = COALESCE($9, referral_type), \
                     name_key = COALESCE($10, name_key), date_of_birth = COALESCE($11, date_of_birth), \
                     referrer_email = COALESCE(referrer_email, $12), referrer_phone = COALESCE(referrer_phone, $13), \
                     case_lead_name = COALESCE(case_lead_name, $14), case_lead_email = COALESCE(case_lead_email, $15), \
                     follow_up_on = NULL, revision = revision + 1 WHERE id = $16",
                )
                .bind(referral.to_json().to_string())
                .bind(
                    serde_json::to_string(&missing.iter().map(|f| f.key()).collect::<Vec<_>>())
                        .unwrap_or_default(),
                )
                .bind(status.as_str())
                .bind(super::Flag(*urgent))
                .bind(&referral.prison_number)
                .bind(&referral.crn)
                .bind(referral.expected_release_date.map(Day))
                .bind(referral.custody_status.map(|s| enum_text(&s)))
                .bind(referral.referral_type.map(|t| enum_text(&t)))
                .bind(referral.name_key())
                .bind(referral.date_of_birth.map(Day))
                .bind(referral.referrer_email.as_ref().map(|e| e.to_string()))
                .bind(referral.referrer_phone.as_ref().map(|p| p.as_str().to_string()))
                .bind(&referral.case_lead_name)
                .bind(referral.case_lead_email.as_ref().map(|e| e.to_string()))
                .bind(case_id)
                .execute(&mut **tx)
                .await?;
                if !consented_before && referral.consent == Some(true) {
                    // A referral is received, for the protocol's clocks,
                    // when the person's consent comes (with the rest of
                    // the form or before it): until then the council could
                    // not act on it, and nothing was owed. One consented
                    // to runs from its receipt, whatever detail came later.
                    // `received_at` keeps when the mail arrived.
                    sqlx::query("UPDATE cases SET clock_from = $1 WHERE id = $2")
                        .bind(Stamp(*at))
                        .bind(case_id)
                        .execute(&mut **tx)
                        .await?;
                }
                if *completes {
                    // A request for what is missing, still waiting, would
                    // ask for what has come.
                    withhold(
                        tx,
                        case_id,
                        now,
                        &[Purpose::Incomplete],
                        "the referral was completed before it went",
                    )
                    .await?;
                }
                (
                    if *completes {
                        EventKind::ReferralCompleted
                    } else {
                        EventKind::ReferralDetailsAdded
                    },
                    serde_json::json!({
                        "status": status.as_str(),
                        "missing": missing.iter().map(|f| f.key()).collect::<Vec<_>>(),
                    }),
                )
            }
            CaseChange::ConsentWithdrawn { by, notice, .. }
                if withdrawal_taken_back(tx, case_id, *notice).await? =>
            {
                (
                    EventKind::NotApplied,
                    serde_json::json!({
                        "what": format!("the confirmation that consent is withdrawn ({by})"),
                        "why": "the referring side has since taken the withdrawal back, or a person reopened the case: it stays open",
                    }),
                )
            }
            CaseChange::ConsentWithdrawn {
                by, at, refused, ..
            } => {
                // Without consent no referral stands: closed as a person
                // closing it would, its deadlines ended; or, consent never
                // given, refused as a referral without it is.
                let was = status_of(tx, case_id).await?;
                let (status, outcome) = if *refused {
                    ("refused", None)
                } else {
                    (
                        "closed",
                        Some(crate::core::report::CaseOutcome::ConsentWithdrawn.stored(None)),
                    )
                };
                sqlx::query(
                    "UPDATE cases SET status = $1, closed_at = $2, close_outcome = $3, \
                     follow_up_on = NULL, revision = revision + 1 WHERE id = $4",
                )
                .bind(status)
                .bind(Stamp(*at))
                .bind(outcome)
                .bind(case_id)
                .execute(&mut **tx)
                .await?;
                withhold_queued(tx, case_id, now).await?;
                if *refused {
                    // Refused, as a referral without consent is: nothing
                    // about the person is kept, from now.
                    let backend = super::db::Backend::of(tx);
                    super::retention::purge_case(tx, case_id.get(), now, backend).await?;
                }
                (
                    EventKind::ConsentWithdrawn,
                    serde_json::json!({ "by": by, "refused": refused, "was": was }),
                )
            }
            CaseChange::NotApplied { what, why } => (
                EventKind::NotApplied,
                serde_json::json!({ "what": what, "why": why }),
            ),
            CaseChange::Noted { event, detail } => {
                if matches!(
                    event,
                    EventKind::ConsentWithdrawalReported
                        | EventKind::ConsentWithdrawalTakenBack
                        | EventKind::ConsentWithdrawalDeclined
                ) {
                    // The case starts or stops waiting for the council's
                    // word on a withdrawal: the sweep reads it again.
                    sqlx::query(
                        "UPDATE cases SET follow_up_on = NULL, revision = revision + 1 \
                         WHERE id = $1",
                    )
                    .bind(case_id)
                    .execute(&mut **tx)
                    .await?;
                }
                (*event, detail.clone())
            }
        };
        add_event(tx, case_id, now, kind, message_row, Some(&detail)).await?;
    }
    Ok(())
}

/// The mail still queued for a case just closed that asks for something
/// it no longer needs (a request for what is missing, a reminder, chase
/// or escalation, a question about its leads): it does not go, and the
/// case says so. The acknowledgement still goes (the referrer learns the
/// referral arrived), as do notes to the authority.
async fn withhold_queued(
    tx: &mut Tx,
    case_id: CaseId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    withhold(tx, case_id, now, &Purpose::ASKING, CLOSED_BEFORE_IT_WENT).await
}

/// Why mail queued for a case that closed did not go (reopening it sends
/// that mail after all).
const CLOSED_BEFORE_IT_WENT: &str = "the case was closed before it went";

/// A case opened again: its status, and whether the referring side,
/// told it had closed, is now told it goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reopened {
    pub status: CaseStatus,
    /// The referring side, told it had closed, is told it goes on (the
    /// note queued).
    pub referrer_told_reopened: bool,
}

/// `purposes` of the case's queued mail do not go: failed, with `why` on
/// the mail and the case.
pub(super) async fn withhold(
    tx: &mut sqlx::AnyConnection,
    case_id: CaseId,
    now: DateTime<Utc>,
    purposes: &[Purpose],
    why: &str,
) -> Result<(), StoreError> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, purpose FROM outbox WHERE case_id = $1 AND status = 'queued'")
            .bind(case_id)
            .fetch_all(&mut *tx)
            .await?;
    for (id, purpose) in rows
        .into_iter()
        .filter(|(_, p)| purposes.iter().any(|w| w.name() == p))
    {
        sqlx::query("UPDATE outbox SET status = 'failed', last_error = $1 WHERE id = $2")
            .bind(format!("not sent: {why}"))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        add_event(
            tx,
            case_id,
            now,
            EventKind::MailWithheld,
            None,
            Some(&serde_json::json!({ "purpose": purpose, "outbox": id, "reason": why })),
        )
        .await?;
    }
    Ok(())
}

/// Whether the referring side took back a withdrawal of consent, or a
/// person reopened the case, since the notice the council answered was
/// sent (a later report, by anyone, does not bring an old notice back);
/// without a notice, since the last message that reported one.
async fn withdrawal_taken_back(
    tx: &mut Tx,
    case_id: CaseId,
    notice: Option<crate::core::ids::OutboxId>,
) -> Result<bool, StoreError> {
    if let Some(notice) = notice {
        let sent: Option<String> =
            sqlx::query_scalar("SELECT created_at FROM outbox WHERE id = $1")
                .bind(notice)
                .fetch_optional(&mut **tx)
                .await?;
        let since: Vec<String> =
            sqlx::query_scalar("SELECT at FROM events WHERE case_id = $1 AND kind IN ($2, $3)")
                .bind(case_id)
                .bind(EventKind::ConsentWithdrawalTakenBack.as_str())
                .bind(EventKind::CaseReopened.as_str())
                .fetch_all(&mut **tx)
                .await?;
        let time = |t: &str| DateTime::parse_from_rfc3339(t).ok();
        let Some(sent) = sent.as_deref().and_then(time) else {
            // The notice is gone (purged): nothing confirms through it.
            return Ok(true);
        };
        return Ok(since.iter().filter_map(|t| time(t)).any(|t| t >= sent));
    }
    let last = |kind: EventKind| {
        sqlx::query_scalar::<_, Option<i64>>(
            "SELECT MAX(id) FROM events WHERE case_id = $1 AND kind = $2",
        )
        .bind(case_id)
        .bind(kind.as_str())
    };
    let reported = last(EventKind::ConsentWithdrawalReported)
        .fetch_one(&mut **tx)
        .await?;
    let taken_back = last(EventKind::ConsentWithdrawalTakenBack)
        .fetch_one(&mut **tx)
        .await?;
    // A case reopened after a confirmation is not closed again by another
    // answer to the same notice.
    let reopened = last(EventKind::CaseReopened).fetch_one(&mut **tx).await?;
    Ok(taken_back.max(reopened).unwrap_or(0) > reported.unwrap_or(0))
}

/// Adds an answer to the case's evidence, keeping it in time order.
async fn add_evidence(tx: &mut Tx, case_id: CaseId, evidence: &Evidence) -> Result<(), StoreError> {
    let stored: String = sqlx::query_scalar("SELECT evidence FROM cases WHERE id = $1")
        .bind(case_id)
        .fetch_one(&mut **tx)
        .await?;
    let mut all: Vec<Evidence> = serde_json::from_str(&stored).unwrap_or_default();
    all.push(evidence.clone());
    all.sort_by_key(|e| e.at);
    sqlx::query(
        "UPDATE cases SET evidence = $1, follow_up_on = NULL, revision = revision + 1 WHERE id = $2",
    )
    .bind(serde_json::to_string(&all).unwrap_or_else(|_| "[]".into()))
    .bind(case_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An officer's work contact, for the case's timeline.
fn lead_detail(lead: &NamedLead) -> serde_json::Value {
    serde_json::json!({
        "name": lead.name,
        "email": lead.email.as_ref().map(|e| e.to_string()),
        "phone": lead.phone.as_ref().map(|p| p.as_str().to_string()),
    })
}
