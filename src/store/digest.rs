//! The morning digest's side of the store: whether today's is queued, when
//! the last one was, what came in since, and queuing it once.

use super::db::StoredRow;
use super::outbox::{queue_answer, QueueContext};
use super::*;
use crate::config::Outgoing;
use crate::core::plan::{CaseStatus, OutgoingMail};
use chrono::DateTime;
use sqlx::Row;

/// A referral received since the last digest: its reference and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReferral {
    pub reference: String,
    pub received_at: DateTime<Utc>,
    pub referral_type: Option<String>,
    pub status: CaseStatus,
    pub urgent: bool,
}

/// The key a digest is queued under: one per authority and day.
pub fn digest_key(authority: &str, day: chrono::NaiveDate) -> String {
    format!("digest:{authority}:{day}")
}

impl Store {
    /// Was the authority's digest for `day` queued already?
    pub async fn digest_queued(
        &self,
        authority: &str,
        day: chrono::NaiveDate,
    ) -> Result<bool, StoreError> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM outbox WHERE idempotency_key = $1")
                .bind(digest_key(authority, day))
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
    }

    /// The time the authority's last digest covered up to, if it had one
    /// (kept in its context as `until`).
    pub async fn last_digest(&self, authority: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        let context: Option<String> = sqlx::query_scalar(
            "SELECT context FROM outbox WHERE purpose = 'digest' AND authority = $1 \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(authority)
        .fetch_optional(&self.pool)
        .await?;
        Ok(context
            .and_then(|c| serde_json::from_str::<serde_json::Value>(&c).ok())
            .and_then(|c| c["until"].as_str().map(str::to_string))
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Utc)))
    }

    /// The authority's open cases whose consent a message says was
    /// withdrawn, waiting for the council to confirm it: their references,
    /// oldest first.
    pub async fn withdrawals_to_confirm(&self, authority: &str) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(concat!(
            "SELECT reference FROM cases c WHERE authority = $1 \
             AND status IN ('open', 'incomplete') AND ",
            super::deadlines::withdrawal_waits!("c", ""),
            " ORDER BY id"
        ))
        .bind(authority)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The authority's referrals received since `since`, oldest first.
    pub async fn referrals_since(
        &self,
        authority: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<NewReferral>, StoreError> {
        let rows = sqlx::query(
            "SELECT reference, received_at, referral_type, status, urgent FROM cases \
             WHERE authority = $1 AND received_at > $2 ORDER BY received_at, id",
        )
        .bind(authority)
        .bind(Stamp(since))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(NewReferral {
                    reference: r.get("reference"),
                    received_at: r.time("received_at"),
                    referral_type: r.get("referral_type"),
                    status: r.named("cases", "status")?,
                    urgent: r.flag("urgent"),
                })
            })
            .collect()
    }

    /// Queues the authority's digest for `day`, once: a second call for the
    /// same day queues nothing. True when it was queued.
    pub async fn queue_digest(
        &self,
        authority: &str,
        mail: &OutgoingMail,
        outgoing: &Outgoing,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let queued = queue_answer(
            &mut tx,
            QueueContext {
                case: None,
                cause: None,
                authority,
                in_reply_to: None,
                outgoing,
                now,
                vouched: true,
            },
            mail,
        )
        .await?;
        tx.commit().await?;
        if queued.is_some() {
            self.outbox_changed.notify_one();
        }
        Ok(queued.is_some())
    }
}
