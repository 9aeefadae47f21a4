//! The sender's health: how much mail waits to go, how long the oldest has
//! waited, and, per sending identity, the last temporary failure and since
//! when mail has failed to leave. Read by `status`, /health and /metrics.

use super::db::StoredRow;
use super::{Stamp, Store, StoreError};
use chrono::{DateTime, Utc};
use sqlx::Row;

/// The outbox and the sender's state, as `status` and /health show them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SenderHealth {
    /// Mail due to go now (or being sent).
    pub due: i64,
    /// When the oldest of it was queued.
    pub oldest_due_since: Option<DateTime<Utc>>,
    /// Mail queued for later: a retry's pause, the hourly limit per
    /// recipient, working hours.
    pub later: i64,
    /// Each sending identity that has failed since the gateway started.
    pub identities: Vec<IdentityHealth>,
}

/// One sending identity of one gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityHealth {
    pub instance: String,
    pub identity: String,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// Since when no mail has left through it; none once one has.
    pub failing_since: Option<DateTime<Utc>>,
}

impl SenderHealth {
    /// How long the oldest mail due has waited, at `now`.
    pub fn oldest_due_age(&self, now: DateTime<Utc>) -> Option<chrono::Duration> {
        self.oldest_due_since
            .map(|since| (now - since).max(chrono::Duration::zero()))
    }
}

impl Store {
    /// A new start: this gateway's sender has not failed yet.
    pub async fn sender_starting(&self) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sender_status WHERE instance = $1")
            .bind(&*self.instance)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Mail failed to leave through `identity` for a reason that may pass.
    pub async fn sender_failed(&self, identity: &str, error: &str) -> Result<(), StoreError> {
        let now = Stamp(Utc::now());
        sqlx::query(
            "INSERT INTO sender_status (instance, identity, last_error, last_error_at, failing_since) \
             VALUES ($1, $2, $3, $4, $4) ON CONFLICT (instance, identity) DO UPDATE SET \
             last_error = $3, last_error_at = $4, \
             failing_since = COALESCE(sender_status.failing_since, $4)",
        )
        .bind(&*self.instance)
        .bind(identity)
        .bind(error)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Mail left through `identity` again: it no longer fails (its last
    /// error is kept, with its time).
    pub async fn sender_recovered(&self, identity: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sender_status SET failing_since = NULL WHERE instance = $1 AND identity = $2",
        )
        .bind(&*self.instance)
        .bind(identity)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The queue and every gateway's sending identities that have failed;
    /// only this gateway's when `own` (each gateway's /health speaks for
    /// itself).
    pub async fn sender_health(
        &self,
        now: DateTime<Utc>,
        own: bool,
    ) -> Result<SenderHealth, StoreError> {
        let queue = sqlx::query(
            "SELECT \
             COALESCE(SUM(CASE WHEN status = 'sending' OR next_attempt_at <= $1 THEN 1 ELSE 0 END), 0) AS due, \
             MIN(CASE WHEN status = 'sending' OR next_attempt_at <= $1 THEN created_at END) AS oldest, \
             COALESCE(SUM(CASE WHEN status = 'queued' AND next_attempt_at > $1 THEN 1 ELSE 0 END), 0) AS later \
             FROM outbox WHERE status IN ('queued', 'sending')",
        )
        .bind(Stamp(now))
        .fetch_one(&self.pool)
        .await?;
        let rows = sqlx::query(
            "SELECT instance, identity, last_error, last_error_at, failing_since FROM sender_status \
             WHERE ($1 = '' OR instance = $1) ORDER BY instance, identity",
        )
        .bind(if own { &*self.instance } else { "" })
        .fetch_all(&self.pool)
        .await?;
        Ok(SenderHealth {
            due: queue.try_get::<i64, _>("due")?,
            oldest_due_since: queue.time_opt("oldest"),
            later: queue.try_get::<i64, _>("later")?,
            identities: rows
                .iter()
                .map(|r| {
                    Ok(IdentityHealth {
                        instance: r.try_get("instance")?,
                        identity: r.try_get("identity")?,
                        last_error: r.try_get("last_error")?,
                        last_error_at: r.time_opt("last_error_at"),
                        failing_since: r.time_opt("failing_since"),
                    })
                })
                .collect::<Result<_, StoreError>>()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn failing_lasts_from_the_first_failure_until_mail_leaves_again() {
        let store = Store::open("sqlite::memory:").await.expect("store");
        let now = Utc::now();
        assert_eq!(
            store.sender_health(now, true).await.expect("health"),
            SenderHealth::default()
        );
        store
            .sender_failed("shared", "cannot reach the relay")
            .await
            .expect("failed");
        let first = store
            .sender_health(now, true)
            .await
            .expect("health")
            .identities[0]
            .failing_since
            .expect("failing");
        store
            .sender_failed("shared", "SMTP: 421 busy")
            .await
            .expect("failed");
        let health = store.sender_health(now, true).await.expect("health");
        let shared = &health.identities[0];
        assert_eq!(shared.failing_since, Some(first));
        assert_eq!(shared.last_error.as_deref(), Some("SMTP: 421 busy"));
        store.sender_recovered("shared").await.expect("recovered");
        let health = store.sender_health(now, true).await.expect("health");
        assert_eq!(health.identities[0].failing_since, None);
        assert_eq!(
            health.identities[0].last_error.as_deref(),
            Some("SMTP: 421 busy")
        );
        // A new start begins with a clean slate.
        store.sender_starting().await.expect("start");
        assert!(store
            .sender_health(now, false)
            .await
            .expect("health")
            .identities
            .is_empty());
    }

    #[tokio::test]
    async fn the_queue_counts_mail_due_and_mail_for_later_apart() {
        let store = Store::open("sqlite::memory:").await.expect("store");
        for _ in 0..3 {
            store
                .queue_bare("COL", "acknowledgement", "jo@justice.gov.uk")
                .await
                .expect("queued");
        }
        sqlx::query("UPDATE outbox SET next_attempt_at = $1 WHERE id = 3")
            .bind(Stamp(Utc::now() + chrono::Duration::hours(2)))
            .execute(store.pool())
            .await
            .expect("later");
        let now = Utc::now() + chrono::Duration::minutes(10);
        let health = store.sender_health(now, true).await.expect("health");
        assert_eq!((health.due, health.later), (2, 1));
        let age = health.oldest_due_age(now).expect("an age");
        assert!((9..=10).contains(&age.num_minutes()), "{age}");
    }
}
