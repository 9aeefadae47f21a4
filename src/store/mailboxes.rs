//! Where each watched folder is (UIDVALIDITY, last UID, Maildir keys),
//! its health, and the verdicts on its senders.

use super::db::StoredRow;
use super::*;
use crate::core::states::FolderState;
use chrono::{DateTime, Utc};
use sqlx::Row;

/// One watched folder, for `dtr-gateway status`.
#[derive(Clone, Debug)]
pub struct FolderStatus {
    pub mailbox: String,
    pub folder: String,
    pub state: FolderState,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    pub last_message_at: Option<String>,
    pub updated_at: String,
    pub last_uid: Option<i64>,
    pub recorded_today: i64,
    /// Since when it has been failing; none while it is read.
    pub failing_since: Option<String>,
}

impl Store {
    /// How far a folder has been read: UIDVALIDITY and the highest UID done.
    pub async fn position(
        &self,
        mailbox: &str,
        folder: &str,
    ) -> Result<Option<(u32, u32)>, StoreError> {
        let row = sqlx::query(
            "SELECT uidvalidity, last_uid FROM mailbox_positions WHERE mailbox = $1 AND folder = $2",
        )
        .bind(mailbox)
        .bind(folder)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| {
            let v: i64 = r.get(0);
            let u: i64 = r.get(1);
            (u32::try_from(v).unwrap_or(0), u32::try_from(u).unwrap_or(0))
        }))
    }

    /// Sets a folder's position outright: on first start ("only new mail")
    /// and when UIDVALIDITY changes (rescan from the start).
    pub async fn set_position(
        &self,
        mailbox: &str,
        folder: &str,
        uidvalidity: u32,
        last_uid: u32,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO mailbox_positions (mailbox, folder, uidvalidity, last_uid, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (mailbox, folder) DO UPDATE SET \
             uidvalidity = $3, last_uid = $4, updated_at = $5",
        )
        .bind(mailbox)
        .bind(folder)
        .bind(i64::from(uidvalidity))
        .bind(i64::from(last_uid))
        .bind(Stamp(Utc::now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The Maildir files of a mailbox already recorded.
    pub async fn source_keys(
        &self,
        mailbox: &str,
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        let keys: Vec<String> = sqlx::query_scalar(
            "SELECT source_key FROM messages WHERE mailbox = $1 AND source_key IS NOT NULL",
        )
        .bind(mailbox)
        .fetch_all(&self.pool)
        .await?;
        Ok(keys.into_iter().collect())
    }

    /// Records a watched folder's state for `status`. An error is kept until
    /// replaced by another, with its time. `failing_since` is set when the
    /// folder starts `retrying` and kept until it is read again or stopped
    /// (see `failing`).
    pub async fn set_status(
        &self,
        mailbox: &str,
        folder: &str,
        state: FolderState,
        error: Option<&str>,
        message_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let now = Utc::now();
        sqlx::query(
            "INSERT INTO mailbox_status (mailbox, folder, state, last_error, last_error_at, \
             last_message_at, updated_at, failing_since) VALUES ($1, $2, $3, $4, CASE WHEN $4 IS NULL THEN NULL ELSE $6 END, $5, $6, \
             CASE WHEN $7 = 1 THEN $6 ELSE NULL END) \
             ON CONFLICT (mailbox, folder) DO UPDATE SET state = $3, \
             last_error = COALESCE($4, mailbox_status.last_error), \
             last_error_at = CASE WHEN $4 IS NULL THEN mailbox_status.last_error_at ELSE $6 END, \
             last_message_at = COALESCE($5, mailbox_status.last_message_at), updated_at = $6, \
             failing_since = CASE $7 WHEN 1 THEN COALESCE(mailbox_status.failing_since, $6) \
             WHEN 0 THEN NULL ELSE mailbox_status.failing_since END",
        )
        .bind(mailbox)
        .bind(folder)
        .bind(state.as_str())
        .bind(error)
        .bind(message_at.map(Stamp))
        .bind(Stamp(now))
        .bind(state.failing().map(Flag))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every watched folder's state, with the messages recorded since `since`.
    pub async fn statuses(&self, since: DateTime<Utc>) -> Result<Vec<FolderStatus>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.mailbox, s.folder, s.state, s.last_error, s.last_error_at, s.last_message_at, \
             s.updated_at, s.failing_since, p.last_uid, \
             (SELECT COUNT(*) FROM messages m WHERE m.mailbox = s.mailbox AND m.folder = s.folder \
              AND m.recorded_at >= $1) AS today \
             FROM mailbox_status s LEFT JOIN mailbox_positions p \
             ON p.mailbox = s.mailbox AND p.folder = s.folder ORDER BY s.mailbox, s.folder",
        )
        .bind(Stamp(since))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FolderStatus {
                    mailbox: r.get("mailbox"),
                    folder: r.get("folder"),
                    state: r.named("mailbox_status", "state")?,
                    last_error: r.get("last_error"),
                    last_error_at: r.get("last_error_at"),
                    last_message_at: r.get("last_message_at"),
                    updated_at: r.get("updated_at"),
                    last_uid: r.get("last_uid"),
                    recorded_today: r.get("today"),
                    failing_since: r.get("failing_since"),
                })
            })
            .collect()
    }

    /// Per mailbox, how the mail from domains allowed to refer recorded
    /// since `since` was judged: (mailbox, verdict, count).
    pub async fn sender_verdicts(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT mailbox, COALESCE(sender_verdict, 'unknown') AS verdict, COUNT(*) AS n \
             FROM messages WHERE from_allowed = 1 AND recorded_at >= $1 \
             GROUP BY mailbox, COALESCE(sender_verdict, 'unknown') ORDER BY mailbox",
        )
        .bind(Stamp(since))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get("mailbox"), r.get("verdict"), r.get("n")))
            .collect())
    }
}
