//! The store's side of /health and /metrics: counts and states read at
//! scrape time, never a person's details (no names, addresses or subjects).

use super::db::StoredRow;
use super::{Stamp, Store, StoreError};
use crate::core::states::{FolderState, OutboxStatus};
use chrono::{DateTime, Utc};
use sqlx::Row;

/// One watched folder's health, as the last `set_status` left it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FolderHealth {
    pub mailbox: String,
    pub folder: String,
    pub state: FolderState,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// When it started failing; none while it is read or stopped.
    pub failing_since: Option<DateTime<Utc>>,
}

/// What the store holds, counted for /metrics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoreCounts {
    /// Messages recorded, by kind (`referral`, `reply`, ...).
    pub messages_by_kind: Vec<(String, i64)>,
    /// Case references given out, by authority code.
    pub cases_by_authority: Vec<(String, i64)>,
    /// Cases open (or incomplete), by authority code.
    pub open_cases_by_authority: Vec<(String, i64)>,
    /// Outbox rows: (purpose, status, count).
    pub outbox: Vec<(String, OutboxStatus, i64)>,
}

impl Store {
    /// Every folder that has a state, in order.
    pub async fn folder_health(&self) -> Result<Vec<FolderHealth>, StoreError> {
        let rows = sqlx::query(
            "SELECT mailbox, folder, state, last_error, last_error_at, failing_since \
             FROM mailbox_status ORDER BY mailbox, folder",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FolderHealth {
                    mailbox: r.try_get("mailbox")?,
                    folder: r.try_get("folder")?,
                    state: r.named("mailbox_status", "state")?,
                    last_error: r.try_get("last_error")?,
                    last_error_at: r.try_get::<Option<Stamp>, _>("last_error_at")?.map(|t| t.0),
                    failing_since: r.try_get::<Option<Stamp>, _>("failing_since")?.map(|t| t.0),
                })
            })
            .collect()
    }

    /// The counts /metrics shows, in one read transaction so that they agree
    /// with each other.
    pub async fn counts(&self) -> Result<StoreCounts, StoreError> {
        let mut tx = super::db::begin_snapshot(&self.pool, self.backend).await?;
        let messages_by_kind =
            sqlx::query_as("SELECT kind, COUNT(*) FROM messages GROUP BY kind ORDER BY kind")
                .fetch_all(&mut *tx)
                .await?;
        let cases_by_authority = sqlx::query_as(
            "SELECT authority, COUNT(*) FROM cases GROUP BY authority ORDER BY authority",
        )
        .fetch_all(&mut *tx)
        .await?;
        let open_cases_by_authority = sqlx::query_as(
            "SELECT authority, COUNT(*) FROM cases WHERE status IN ('open', 'incomplete') \
             GROUP BY authority ORDER BY authority",
        )
        .fetch_all(&mut *tx)
        .await?;
        let outbox = sqlx::query(
            "SELECT purpose, status, COUNT(*) AS n FROM outbox GROUP BY purpose, status \
             ORDER BY purpose, status",
        )
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("purpose")?,
                r.named("outbox", "status")?,
                r.try_get("n")?,
            ))
        })
        .collect::<Result<_, StoreError>>()?;
        tx.commit().await?;
        Ok(StoreCounts {
            messages_by_kind,
            cases_by_authority,
            open_cases_by_authority,
            outbox,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn failing_since_spans_the_reconnection_attempts_and_ends_when_read_again() {
        let store = Store::open("sqlite::memory:").await.expect("store");
        let since = |store: Store| async move {
            store.folder_health().await.expect("health")[0].failing_since
        };
        store
            .set_status("col", "INBOX", FolderState::Connecting, None, None)
            .await
            .expect("status");
        assert_eq!(since(store.clone()).await, None);
        store
            .set_status("col", "INBOX", FolderState::Retrying, Some("refused"), None)
            .await
            .expect("status");
        let first = since(store.clone()).await.expect("failing");
        for state in [FolderState::Connecting, FolderState::Retrying] {
            store
                .set_status("col", "INBOX", state, Some("refused"), None)
                .await
                .expect("status");
            assert_eq!(since(store.clone()).await, Some(first), "{state}");
        }
        for healthy in [
            FolderState::Starting,
            FolderState::Connected,
            FolderState::Idle,
            FolderState::Polling,
            FolderState::Stopped,
        ] {
            store
                .set_status("col", "INBOX", FolderState::Retrying, Some("refused"), None)
                .await
                .expect("status");
            store
                .set_status("col", "INBOX", healthy, None, None)
                .await
                .expect("status");
            assert_eq!(since(store.clone()).await, None, "{healthy}");
        }
        // A first state of `retrying` (no row yet) starts the clock too.
        store
            .set_status("har", "INBOX", FolderState::Retrying, Some("refused"), None)
            .await
            .expect("status");
        let rows = store.folder_health().await.expect("health");
        assert!(rows[1].failing_since.is_some(), "{rows:?}");
        assert_eq!(rows[1].last_error.as_deref(), Some("refused"));
    }

    #[tokio::test]
    async fn a_state_this_version_does_not_know_is_an_error_naming_where_it_is() {
        let store = Store::open("sqlite::memory:").await.expect("store");
        store
            .set_status("col", "INBOX", FolderState::Idle, None, None)
            .await
            .expect("status");
        sqlx::query("UPDATE mailbox_status SET state = 'dozing'")
            .execute(store.pool())
            .await
            .expect("update");
        let error = store.folder_health().await.expect_err("unknown state");
        assert_eq!(
            error.to_string(),
            "stored data is unreadable: mailbox_status.state holds `dozing`, \
             which is none of the values it may hold"
        );
        assert!(store.statuses(chrono::Utc::now()).await.is_err());
    }
}
