//! The web view's records: one-time sign-in links, sessions, and the
//! accountability log (who viewed which case, who did what). Links and
//! sessions are found by the SHA-256 of their secret: the store never
//! holds a secret that would open a session.

use super::db::{DbRow, StoredRow};
use super::outbox::{queue_answer, QueueContext};
use super::*;
use crate::config::Outgoing;
use crate::core::address::EmailAddress;
use crate::core::plan::OutgoingMail;
use sqlx::Row;

/// A signed-in person's session, as the store keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebSession {
    /// Who signed in (lower case).
    pub address: String,
    /// The token each form must carry back.
    pub csrf: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// One line of the accountability log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebAccess {
    pub at: DateTime<Utc>,
    pub address: String,
    /// The officer's authority (its code); none for a coordinator.
    pub authority: Option<String>,
    pub case_ref: Option<String>,
    /// `viewed`, `released ...`, `dismissed ...`, or for a page of no one
    /// case what was asked of it (`listed cases at /cases with q="..."`).
    pub action: String,
    /// How many times it was done in a row within a minute of `at` (a page
    /// reloaded): 1 for an action, which is never counted with another.
    pub repeats: u32,
    /// When it was last done, when more than once.
    pub last_at: Option<DateTime<Utc>>,
}

impl WebAccess {
    /// When it was last done.
    pub fn last(&self) -> DateTime<Utc> {
        self.last_at.unwrap_or(self.at)
    }
}

fn access(row: &DbRow) -> WebAccess {
    WebAccess {
        at: row.time("at"),
        address: row.get("address"),
        authority: row.get("authority"),
        case_ref: row.get("case_ref"),
        action: row.get("action"),
        repeats: u32::try_from(row.get::<i64, _>("repeats").max(1)).unwrap_or(u32::MAX),
        last_at: row.time_opt("last_at"),
    }
}

/// A page or a view opened again, by the same person, within this long of
/// the first time, right after it: counted on the same row.
pub const WEB_REPEATS_WITHIN: chrono::Duration = chrono::Duration::minutes(1);
/// Rows one person's pages may add to the record in a minute; past it,
/// their pages that minute are counted on one row ([`WEB_PAGES_OVER`]).
/// Their actions (sign-ins, releases, dismissals) are always recorded.
pub const WEB_PAGES_PER_MINUTE: i64 = 60;
/// The row counting the pages past [`WEB_PAGES_PER_MINUTE`].
pub const WEB_PAGES_OVER: &str =
    "opened more pages than the record keeps one by one (60 a minute): counted here";

/// A one-time link asked for: the hash of its token, for whom, which
/// authority's sending identity mails it, and when it stops working.
#[derive(Clone, Copy, Debug)]
pub struct SignInRequest<'a> {
    pub token_hash: &'a str,
    pub address: &'a EmailAddress,
    pub authority: &'a str,
    pub expires: DateTime<Utc>,
    /// No link is recorded when the address has had this many since
    /// `since` (checked under the write lock, so that requests at once
    /// cannot pass it together).
    pub at_most: i64,
    pub since: DateTime<Utc>,
    /// The hash of the browser's device secret, when it asks for its own
    /// person: its links are counted apart from everyone else's.
    pub device: Option<&'a str>,
}

impl Store {
    /// Records a one-time link for `address` (by its token's hash) and
    /// queues the mail that carries it, in one transaction. False when the
    /// address has had its share of links, or the mail could not be queued:
    /// then nothing is recorded. The mail is never held back by the hourly
    /// limit per recipient when `mail.unlimited` names the address.
    pub async fn request_sign_in(
        &self,
        request: SignInRequest<'_>,
        mail: &OutgoingMail,
        outgoing: &Outgoing,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let SignInRequest {
            token_hash,
            address,
            authority,
            expires,
            at_most,
            since,
            device,
        } = request;
        let mut tx = self.begin_write().await?;
        let recent: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM web_sign_ins WHERE address = $1 AND created_at > $2 \
             AND COALESCE(device_hash, '') = $3",
        )
        .bind(address.as_str().to_lowercase())
        .bind(Stamp(since))
        .bind(device.unwrap_or(""))
        .fetch_one(&mut *tx)
        .await?;
        if recent >= at_most {
            tx.rollback().await?;
            return Ok(false);
        }
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
        if queued.is_none() {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO web_sign_ins (token_hash, address, created_at, expires_at, device_hash) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(address.as_str().to_lowercase())
        .bind(Stamp(now))
        .bind(Stamp(expires))
        .bind(device)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.outbox_changed.notify_one();
        Ok(true)
    }

    /// Remembers a browser `address` signed in from, by the hash of the
    /// secret its cookie holds.
    pub async fn remember_web_device(
        &self,
        device_hash: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO web_devices (device_hash, address, created_at) VALUES ($1, $2, $3)",
        )
        .bind(device_hash)
        .bind(address.to_lowercase())
        .bind(Stamp(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The person a remembered browser signed in as, if it is remembered.
    pub async fn web_device_address(
        &self,
        device_hash: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT address FROM web_devices WHERE device_hash = $1")
                .bind(device_hash)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Links asked for by `address` since `since` (the per-address limit).
    pub async fn sign_ins_since(
        &self,
        address: &EmailAddress,
        since: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM web_sign_ins WHERE address = $1 AND created_at > $2",
        )
        .bind(address.as_str().to_lowercase())
        .bind(Stamp(since))
        .fetch_one(&self.pool)
        .await?)
    }

    /// Uses a link (once, before it expires) to open a session kept by
    /// `session_hash`: the address it was for, or none when the link is
    /// unknown, used or expired, or `may_sign_in` no longer allows its
    /// address (the link is used up all the same).
    pub async fn redeem_sign_in(
        &self,
        token_hash: &str,
        session_hash: &str,
        csrf: &str,
        now: DateTime<Utc>,
        may_sign_in: impl FnOnce(&str) -> bool,
    ) -> Result<Option<String>, StoreError> {
        let mut tx = self.begin_write().await?;
        let address: Option<String> = sqlx::query_scalar(
            "UPDATE web_sign_ins SET used_at = $2 \
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING address",
        )
        .bind(token_hash)
        .bind(Stamp(now))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(address) = address else {
            tx.rollback().await?;
            return Ok(None);
        };
        if !may_sign_in(&address) {
            tx.commit().await?;
            return Ok(None);
        }
        sqlx::query(
            "INSERT INTO web_sessions (session_hash, address, csrf, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(session_hash)
        .bind(&address)
        .bind(csrf)
        .bind(Stamp(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(address))
    }

    /// The session kept by `session_hash` if it was used within `idle` and
    /// opened within `lifetime`; its idle time starts again now. A session
    /// idle longer, or older, is ended: however busy, a session ends
    /// `lifetime` after signing in.
    pub async fn web_session(
        &self,
        session_hash: &str,
        now: DateTime<Utc>,
        idle: chrono::Duration,
        lifetime: chrono::Duration,
    ) -> Result<Option<WebSession>, StoreError> {
        let row = sqlx::query(
            "SELECT address, csrf, created_at, last_seen_at FROM web_sessions \
             WHERE session_hash = $1",
        )
        .bind(session_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let session = WebSession {
            address: row.get("address"),
            csrf: row.get("csrf"),
            created_at: row.time("created_at"),
            last_seen_at: row.time("last_seen_at"),
        };
        if now - session.last_seen_at > idle || now - session.created_at > lifetime {
            self.end_web_session(session_hash).await?;
            return Ok(None);
        }
        sqlx::query("UPDATE web_sessions SET last_seen_at = $2 WHERE session_hash = $1")
            .bind(session_hash)
            .bind(Stamp(now))
            .execute(&self.pool)
            .await?;
        Ok(Some(session))
    }

    /// Signs a session out.
    pub async fn end_web_session(&self, session_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM web_sessions WHERE session_hash = $1")
            .bind(session_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Signs out every session of `address` (lower case), wherever it was
    /// opened, and voids the links it has not used (a link in a mailbox
    /// someone else reads would open a session again); how many sessions
    /// there were.
    pub async fn end_web_sessions_of(&self, address: &str) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let ended = sqlx::query("DELETE FROM web_sessions WHERE address = $1")
            .bind(address)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        // Its browsers are forgotten too: a lost laptop's cookie no longer
        // counts as the person's own.
        sqlx::query("DELETE FROM web_devices WHERE address = $1")
            .bind(address)
            .execute(&mut *tx)
            .await?;
        // Expiring when made: never usable, still counted against the
        // address's share of links.
        sqlx::query(
            "UPDATE web_sign_ins SET expires_at = created_at \
             WHERE address = $1 AND used_at IS NULL",
        )
        .bind(address)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// Deletes the links of everyone `may_sign_in` no longer allows, so
    /// that a link asked for before someone was taken off the list does not
    /// work again once they are back on it; how many went.
    pub async fn forget_sign_ins_unless(
        &self,
        may_sign_in: impl Fn(&str) -> bool,
    ) -> Result<u64, StoreError> {
        let addresses: Vec<String> = sqlx::query_scalar(
            "SELECT address FROM web_sign_ins UNION SELECT address FROM web_devices",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut forgotten = 0;
        for address in addresses.iter().filter(|a| !may_sign_in(a)) {
            for sql in [
                "DELETE FROM web_sign_ins WHERE address = $1",
                "DELETE FROM web_devices WHERE address = $1",
            ] {
                forgotten += sqlx::query(sql)
                    .bind(address)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
            }
        }
        Ok(forgotten)
    }

    /// Records that `address` did `action` (on a case, when it names one).
    pub async fn record_web_access(
        &self,
        address: &str,
        authority: Option<&str>,
        case_ref: Option<&str>,
        action: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO web_access (at, address, authority, case_ref, action) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(Stamp(now))
        .bind(address)
        .bind(authority)
        .bind(case_ref)
        .bind(action)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records that `address` opened a page or viewed a case (`action`),
    /// bounded: the same thing again right after, within a minute of the
    /// first, is counted on its row rather than repeated; past
    /// [`WEB_PAGES_PER_MINUTE`] rows of theirs in a minute, the rest of
    /// that minute's pages are counted on one row. Actions go through
    /// [`Store::record_web_access`], never bounded.
    pub async fn record_web_page(
        &self,
        address: &str,
        authority: Option<&str>,
        case_ref: Option<&str>,
        action: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let since = now - WEB_REPEATS_WITHIN;
        let last = sqlx::query(
            "SELECT id, at, case_ref, action FROM web_access WHERE address = $1 \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(address)
        .fetch_optional(&mut *tx)
        .await?;
        let again = last.as_ref().and_then(|row| {
            let same = row.get::<String, _>("action") == action
                && row.get::<Option<String>, _>("case_ref").as_deref() == case_ref
                && row.time("at") >= since;
            same.then(|| row.get::<i64, _>("id"))
        });
        let counted = match again {
            Some(id) => Some(id),
            None => {
                let recent: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM web_access WHERE address = $1 AND at >= $2",
                )
                .bind(address)
                .bind(Stamp(since))
                .fetch_one(&mut *tx)
                .await?;
                if recent < WEB_PAGES_PER_MINUTE {
                    None
                } else {
                    let over: Option<i64> = sqlx::query_scalar(
                        "SELECT id FROM web_access WHERE address = $1 AND action = $2 \
                         AND at >= $3 ORDER BY id DESC LIMIT 1",
                    )
                    .bind(address)
                    .bind(WEB_PAGES_OVER)
                    .bind(Stamp(since))
                    .fetch_optional(&mut *tx)
                    .await?;
                    match over {
                        Some(id) => Some(id),
                        None => {
                            sqlx::query(
                                "INSERT INTO web_access (at, address, authority, case_ref, action) \
                                 VALUES ($1, $2, $3, NULL, $4)",
                            )
                            .bind(Stamp(now))
                            .bind(address)
                            .bind(authority)
                            .bind(WEB_PAGES_OVER)
                            .execute(&mut *tx)
                            .await?;
                            tx.commit().await?;
                            return Ok(());
                        }
                    }
                }
            }
        };
        match counted {
            Some(id) => {
                sqlx::query(
                    "UPDATE web_access SET repeats = repeats + 1, last_at = $1 WHERE id = $2",
                )
                .bind(Stamp(now))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO web_access (at, address, authority, case_ref, action) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(Stamp(now))
                .bind(address)
                .bind(authority)
                .bind(case_ref)
                .bind(action)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Who viewed or acted on a case through the web view, oldest first.
    pub async fn case_web_access(&self, case_ref: &str) -> Result<Vec<WebAccess>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, address, authority, case_ref, action, repeats, last_at FROM web_access \
             WHERE case_ref = $1 ORDER BY id",
        )
        .bind(case_ref)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(access).collect())
    }

    /// The accountability log, oldest first: everyone's, or one person's
    /// (`address`, any letter case), from `since` on.
    pub async fn web_access_log(
        &self,
        address: Option<&str>,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<WebAccess>, StoreError> {
        // An empty address or the first instant stand for "anyone" and
        // "ever", so that one query with fixed text serves every case.
        let rows = sqlx::query(
            "SELECT at, address, authority, case_ref, action, repeats, last_at FROM web_access \
             WHERE ($1 = '' OR address = $1) AND at >= $2 ORDER BY id",
        )
        .bind(address.map(str::to_lowercase).unwrap_or_default())
        .bind(Stamp(since.unwrap_or(DateTime::<Utc>::UNIX_EPOCH)))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(access).collect())
    }
}
