//! The case store (sqlx over SQLite or PostgreSQL). Every message is recorded in the same
//! transaction as everything it causes, so a crash leaves either all of it
//! or none of it.

use crate::config::Outgoing;
use crate::core::address::EmailAddress;
use crate::core::case_ref::{CaseRef, ShortCode};
use crate::core::plan::{
    CaseStatus, Disposition, MessageFacts, NewCase, OutgoingMail, PersonCase, Plan,
};
use crate::core::referral::Referral;
use chrono::{DateTime, Datelike, Utc};
use db::{DbRow, StoredRow, Tx};
use sqlx::{AnyPool, Row};
use std::sync::Arc;
use tokio::sync::Notify;

mod db;
mod deadlines;
mod metrics;
mod report;
mod retention;
pub use crate::core::sweep::DoneStep;
pub use db::{shown_url, Backend, Day, Flag, Stamp};
pub use deadlines::{DeadlineCase, FollowUp, FollowUpDay};
pub use metrics::{FolderHealth, StoreCounts};
pub use retention::{PurgeCounts, PurgeCutoffs, CONSENT_LAPSED, LAPSED};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL `{url}` is not usable: {message}")]
    BadUrl { url: String, message: String },
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("no case {0}")]
    NoSuchCase(String),
    #[error("stored data for case {reference} is unreadable: {message}")]
    Corrupt { reference: String, message: String },
    #[error(
        "another gateway runs as instance `{instance}` on this store (it holds {path}); \
         give each gateway its own [gateway] instance"
    )]
    InstanceInUse { instance: String, path: String },
    #[error("cannot lock {path}: {source}")]
    InstanceLock {
        path: String,
        source: std::io::Error,
    },
}

/// Keeps a gateway's instance name its own while it lives (see
/// [`Store::hold_instance`]).
#[derive(Debug)]
pub enum InstanceHold {
    /// A lock on a file beside the SQLite database.
    File(std::fs::File),
    /// A PostgreSQL session holding an advisory lock, and its server
    /// process id.
    Session {
        conn: sqlx::AnyConnection,
        session: i32,
    },
}

impl InstanceHold {
    /// Gives the name up now. (Dropped, a hold ends as well, once the
    /// database notices its connection has gone.)
    pub async fn release(self) {
        if let InstanceHold::Session { conn, .. } = self {
            let _ = sqlx::Connection::close(conn).await;
        }
    }
}

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
    pub message_row: i64,
    pub case: Option<CaseRef>,
    pub action: Action,
}

/// One line of `dtr-gateway cases`.
#[derive(Clone, Debug)]
pub struct CaseSummary {
    pub reference: String,
    pub authority: String,
    pub status: String,
    pub referral_type: Option<String>,
    pub urgent: bool,
    pub received_at: String,
    pub expected_release_date: Option<String>,
}

/// A case with its timeline, for `dtr-gateway case REF`.
#[derive(Clone, Debug)]
pub struct CaseDetail {
    pub summary: CaseSummary,
    pub referral: Referral,
    pub missing: Vec<String>,
    pub events: Vec<Event>,
}

#[derive(Clone, Debug)]
pub struct Event {
    pub at: String,
    pub kind: String,
    pub detail: Option<String>,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Woken when mail is queued, so the sender need not wait for its poll.
    outbox_changed: Arc<Notify>,
    /// The name this gateway claims outbox rows under (see [`Store::with_instance`]).
    instance: Arc<str>,
    /// How long a claim on an outbox row holds unrenewed (see [`Store::with_claim`]).
    claim: chrono::Duration,
    /// The SQLite file; none in memory.
    file: Option<std::path::PathBuf>,
}

/// How long a claim on an outbox row holds unless configured
/// (`[outgoing] claim_seconds`).
pub const DEFAULT_CLAIM: chrono::Duration = chrono::Duration::minutes(15);

impl Store {
    /// A write transaction: see [`db::begin_write`].
    pub(super) async fn begin_write(&self) -> Result<Tx, StoreError> {
        db::begin_write(&self.pool, self.backend).await
    }

    /// Opens (creating when needed) the store at `url` and brings its schema
    /// up to date: `sqlite:path/to/file.db`, `sqlite::memory:` or
    /// `postgres://user@host/database`.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let opened = db::open(url).await?;
        Ok(Store {
            pool: opened.pool,
            backend: opened.backend,
            outbox_changed: Arc::new(Notify::new()),
            instance: Arc::from(default_instance()),
            claim: DEFAULT_CLAIM,
            file: opened.file,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The store as seen by the gateway named `instance` (`[gateway]
    /// instance`; the host name by default). Gateways sharing a store need
    /// different names: each takes back only its own unfinished rows when it
    /// starts.
    pub fn with_instance(mut self, instance: &str) -> Store {
        self.instance = Arc::from(instance);
        self
    }

    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// How long a claim on a mail holds unrenewed. The sender renews it
    /// before the mail goes and while it is being sent, so a live gateway
    /// never loses a mail to another; a dead one's mail goes to another
    /// gateway this long after its last renewal.
    pub fn with_claim(mut self, claim: chrono::Duration) -> Store {
        self.claim = claim;
        self
    }

    pub fn claim(&self) -> chrono::Duration {
        self.claim
    }

    /// Holds this gateway's instance name on this store for as long as the
    /// returned hold lives: a second gateway started under the same name
    /// (two daemons with one configuration) would take back the first's
    /// mail in flight as its own, and send it again. On SQLite the lock is
    /// a file beside the database, which covers gateways on this machine; on
    /// PostgreSQL it is an advisory lock held by a connection of its own,
    /// which covers every machine on the database.
    pub async fn hold_instance(&self) -> Result<Option<InstanceHold>, StoreError> {
        if self.backend == Backend::Postgres {
            return self.hold_instance_on_server().await;
        }
        let Some(database) = &self.file else {
            return Ok(None);
        };
        let name: String = self
            .instance
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let mut path = database.clone().into_os_string();
        path.push(format!(".instance-{name}.lock"));
        let path = std::path::PathBuf::from(path);
        let shown = path.display().to_string();
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| StoreError::InstanceLock {
                path: shown.clone(),
                source,
            })?;
        match lock.try_lock() {
            Ok(()) => Ok(Some(InstanceHold::File(lock))),
            Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::InstanceInUse {
                instance: self.instance.to_string(),
                path: shown,
            }),
            Err(std::fs::TryLockError::Error(source)) => Err(StoreError::InstanceLock {
                path: shown,
                source,
            }),
        }
    }

    async fn hold_instance_on_server(&self) -> Result<Option<InstanceHold>, StoreError> {
        // A connection of its own, outside the pool, for as long as the hold.
        let mut conn = self.pool.acquire().await?.detach();
        let (held, session): (bool, i32) =
            sqlx::query_as("SELECT pg_try_advisory_lock($1, hashtext($2)), pg_backend_pid()")
                .bind(db::INSTANCE_LOCKS)
                .bind(&*self.instance)
                .fetch_one(&mut conn)
                .await?;
        if held {
            Ok(Some(InstanceHold::Session { conn, session }))
        } else {
            Err(StoreError::InstanceInUse {
                instance: self.instance.to_string(),
                path: "a PostgreSQL advisory lock on the database".into(),
            })
        }
    }

    /// Keeps this gateway's hold on its instance name. On PostgreSQL the
    /// hold lives as long as its connection, which a server restart or a
    /// network cut ends: a lost hold is taken again. If the server still
    /// counts the old session (it has not noticed a cut), that session is
    /// ended first: it is this gateway's own. `InstanceInUse` means another
    /// gateway took the name meanwhile, and may have taken back this one's
    /// mail in flight: this one must stop. Any other error: the database
    /// cannot be reached now; ask again later.
    pub async fn keep_instance(&self, hold: &mut InstanceHold) -> Result<(), StoreError> {
        let InstanceHold::Session { conn, session } = hold else {
            return Ok(());
        };
        let alive = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            sqlx::query("SELECT 1").execute(&mut *conn),
        )
        .await;
        if matches!(alive, Ok(Ok(_))) {
            return Ok(());
        }
        let old_session = *session;
        tracing::warn!(
            "the session holding this gateway's instance name was lost; taking it again"
        );
        match self.hold_instance_on_server().await {
            Ok(Some(new)) => {
                *hold = new;
                return Ok(());
            }
            Ok(None) => return Ok(()),
            Err(StoreError::InstanceInUse { .. }) => {}
            Err(e) => return Err(e),
        }
        let holders: Vec<i32> = sqlx::query_scalar(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted \
             AND classid = $1::oid AND objid = hashtext($2)::oid AND objsubid = 2 \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
        .bind(i64::from(db::INSTANCE_LOCKS))
        .bind(&*self.instance)
        .fetch_all(&self.pool)
        .await?;
        if holders != [old_session] {
            return Err(StoreError::InstanceInUse {
                instance: self.instance.to_string(),
                path: "a PostgreSQL advisory lock on the database".into(),
            });
        }
        sqlx::query("SELECT pg_terminate_backend($1, 5000)")
            .bind(old_session)
            .execute(&self.pool)
            .await?;
        if let Some(new) = self.hold_instance_on_server().await? {
            *hold = new;
        }
        Ok(())
    }

    /// Records a message and carries out what `decide` makes of it, all or
    /// nothing. When `lookup` is given, the open case of that person at that
    /// authority is found first, under the write lock, and handed to
    /// `decide`: two referrals of one person arriving together still make
    /// one case.
    pub async fn record(
        &self,
        facts: &MessageFacts,
        lookup: Option<&PersonLookup>,
        decide: impl FnOnce(Option<&PersonCase>) -> Plan,
        in_reply_to: Option<&str>,
        outgoing: &Outgoing,
    ) -> Result<Recorded, StoreError> {
        let mut tx = self.begin_write().await?;
        let now = Utc::now();
        if let Some(existing) = find_message(&mut tx, facts).await? {
            // Seen before (a rescan after a UIDVALIDITY change, a copy in
            // another folder): only the position moves on.
            advance_position(&mut tx, facts, now).await?;
            tx.commit().await?;
            return Ok(existing);
        }
        let person = match lookup {
            Some(lookup) => find_person_case(&mut tx, lookup).await?,
            None => None,
        };
        let plan = decide(person.as_ref());
        let quarantine = match &plan.disposition {
            Disposition::Quarantine { reason } => Some(reason.clone()),
            _ => None,
        };
        let (uidvalidity, uid) = match facts.position {
            Some((v, u)) => (Some(i64::from(v)), Some(i64::from(u))),
            None => (None, None),
        };
        let message_row: i64 = sqlx::query(
            "INSERT INTO messages (mailbox, folder, uidvalidity, uid, message_id, sha256, kind, \
             outcome, case_id, sender, received_at, recorded_at, quarantine_reason, attachments, \
             source_key, answerable, sender_verdict, from_allowed) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
        )
        .bind(&facts.mailbox)
        .bind(&facts.folder)
        .bind(uidvalidity)
        .bind(uid)
        .bind(&facts.message_id)
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
        .fetch_one(&mut *tx)
        .await?
        .get(0);
        let (case, action) = match &plan.disposition {
            Disposition::Open(new) => {
                let (id, reference) = open_case(&mut tx, new, facts.received_at, now).await?;
                add_event(
                    &mut tx,
                    id,
                    now,
                    new.event,
                    Some(message_row),
                    non_null(&new.detail),
                )
                .await?;
                let action = match new.status {
                    CaseStatus::Refused => Action::Refused,
                    CaseStatus::Linked => Action::Linked,
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
                add_event(&mut tx, *case, now, event, Some(message_row), None).await?;
                deadlines::apply_changes(
                    &mut tx,
                    *case,
                    changes,
                    facts.received_at,
                    Some(message_row),
                )
                .await?;
                let action = if *event == "referral_attached" {
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
                .execute(&mut *tx)
                .await?;
        }
        if let Some(returned) = &plan.returned {
            // The bounce and the failure it reports are recorded together.
            let recipients: Vec<String> =
                returned.recipients.iter().map(|r| r.to_string()).collect();
            sqlx::query("UPDATE outbox SET status = 'failed', last_error = $1 WHERE id = $2")
                .bind(format!(
                    "returned by the recipient's server (bounce) for {} recipient(s)",
                    recipients.len()
                ))
                .bind(returned.outbox_id)
                .execute(&mut *tx)
                .await?;
            add_mail_event(
                &mut tx,
                returned.outbox_id,
                now,
                "mail_bounced",
                Some(message_row),
                None,
            )
            .await?;
        }
        let authority = match &plan.disposition {
            Disposition::Open(new) => new.authority.as_str().to_string(),
            Disposition::Change { case_ref, .. } => case_ref.authority.as_str().to_string(),
            _ => facts.authority.clone(),
        };
        let mut queued = 0;
        for mail in &plan.mails {
            let queued_id = queue_answer(
                &mut tx,
                QueueContext {
                    case: case.as_ref().map(|(id, r)| (*id, r)),
                    cause: Some(message_row),
                    authority: &authority,
                    in_reply_to,
                    outgoing,
                    now,
                },
                mail,
            )
            .await?;
            queued += usize::from(queued_id.is_some());
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

    pub async fn cases(
        &self,
        authority: Option<&str>,
        open_only: bool,
    ) -> Result<Vec<CaseSummary>, StoreError> {
        let rows = sqlx::query(
            "SELECT reference, authority, status, referral_type, urgent, received_at, \
             expected_release_date FROM cases \
             WHERE ($1 IS NULL OR authority = $1) \
               AND ($2 = 0 OR status IN ('open', 'incomplete')) \
             ORDER BY received_at, id",
        )
        .bind(authority)
        .bind(Flag(open_only))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(summary).collect())
    }

    pub async fn case(&self, reference: &str) -> Result<CaseDetail, StoreError> {
        let row = sqlx::query(
            "SELECT id, reference, authority, status, referral_type, urgent, received_at, \
             expected_release_date, referral, missing FROM cases WHERE reference = $1",
        )
        .bind(reference)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NoSuchCase(reference.to_string()))?;
        let corrupt = |e: serde_json::Error| StoreError::Corrupt {
            reference: reference.to_string(),
            message: e.to_string(),
        };
        let referral: Referral =
            serde_json::from_str(row.get::<&str, _>("referral")).map_err(corrupt)?;
        let missing: Vec<String> =
            serde_json::from_str(row.get::<&str, _>("missing")).map_err(corrupt)?;
        let events =
            sqlx::query("SELECT at, kind, detail FROM events WHERE case_id = $1 ORDER BY id")
                .bind(row.get::<i64, _>("id"))
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|e| Event {
                    at: e.get("at"),
                    kind: e.get("kind"),
                    detail: e.get("detail"),
                })
                .collect();
        Ok(CaseDetail {
            summary: summary(&row),
            referral,
            missing,
            events,
        })
    }

    /// Counts of what the store holds, for tests and status.
    pub async fn count(&self, table: Table) -> Result<i64, StoreError> {
        let sql = match table {
            Table::Messages => "SELECT COUNT(*) FROM messages",
            Table::Cases => "SELECT COUNT(*) FROM cases",
            Table::Events => "SELECT COUNT(*) FROM events",
            Table::Quarantined => {
                "SELECT COUNT(*) FROM messages WHERE quarantine_reason IS NOT NULL"
            }
        };
        Ok(sqlx::query_scalar(sql).fetch_one(&self.pool).await?)
    }

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
        state: &str,
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
        .bind(state)
        .bind(error)
        .bind(message_at.map(Stamp))
        .bind(Stamp(now))
        .bind(failing(state).map(Flag))
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
        Ok(rows
            .iter()
            .map(|r| FolderStatus {
                mailbox: r.get("mailbox"),
                folder: r.get("folder"),
                state: r.get("state"),
                last_error: r.get("last_error"),
                last_error_at: r.get("last_error_at"),
                last_message_at: r.get("last_message_at"),
                updated_at: r.get("updated_at"),
                last_uid: r.get("last_uid"),
                recorded_today: r.get("today"),
                failing_since: r.get("failing_since"),
            })
            .collect())
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

    /// Claims up to `limit` due rows for sending, oldest first: rows queued
    /// and due, and rows whose claim ran out (their gateway died).
    pub async fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_by = $1, \
             claimed_until = $2 WHERE id IN \
             (SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= $3 \
              UNION ALL SELECT id FROM outbox WHERE status = 'sending' AND claimed_until < $3 \
              ORDER BY id LIMIT $4) \
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
        out.sort_by_key(|r| r.id);
        self.fill_case_refs(&mut out).await?;
        Ok(out)
    }

    /// Takes the claim on a row again just before its mail goes; false when
    /// it is no longer this gateway's (its claim ran out and another took
    /// it), and the mail must not go.
    pub async fn renew_claim(&self, id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
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

    pub async fn mark_sent(&self, id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE outbox SET status = 'sent', sent_at = $1, last_error = NULL WHERE id = $2",
        )
        .bind(Stamp(at))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        add_mail_event(&mut tx, id, at, "mail_sent", None, None).await?;
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
        id: i64,
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
    pub async fn postpone(&self, id: i64, until: DateTime<Utc>) -> Result<(), StoreError> {
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
    pub async fn mark_failed(&self, id: i64, error: &str) -> Result<(), StoreError> {
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
            add_mail_event(&mut tx, id, Utc::now(), "mail_failed", None, Some(error)).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A bounce returned one of the gateway's mails: that row failed.
    pub async fn mark_bounced(&self, message_id: &str) -> Result<bool, StoreError> {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM outbox WHERE message_id = $1")
            .bind(message_id)
            .fetch_optional(&self.pool)
            .await?;
        match id {
            Some(id) => {
                self.mark_failed(id, "returned by the recipient's server (bounce)")
                    .await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Sends a failed row again.
    pub async fn retry_outbox(&self, id: i64) -> Result<bool, StoreError> {
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

    pub async fn mail_case(&self, case_id: i64) -> Result<MailCase, StoreError> {
        let row =
            sqlx::query("SELECT reference, referral, received_at, urgent FROM cases WHERE id = $1")
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
            urgent: row.flag("urgent"),
        })
    }

    /// The pool, for tests that look at rows directly.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

/// Whether a folder in `state` is failing: `Some(true)` when the daemon is
/// retrying it, `Some(false)` once it is read again, no longer watched, or
/// watched anew by a daemon just started, `None` (no change) while it is still trying to connect, so that the
/// reconnection attempts of a folder that keeps failing do not restart its
/// failing time.
fn failing(state: &str) -> Option<bool> {
    match state {
        "retrying" => Some(true),
        "starting" | "connected" | "idle" | "polling" | "stopped" => Some(false),
        _ => None,
    }
}

/// What the sender needs of a case to write about it.
#[derive(Clone, Debug)]
pub struct MailCase {
    pub reference: String,
    pub referral: Referral,
    pub received_at: DateTime<Utc>,
    pub urgent: bool,
}

/// A queued mail, as the sender sees it.
#[derive(Clone, Debug)]
pub struct OutboxRow {
    pub id: i64,
    pub case_id: Option<i64>,
    pub case_ref: Option<String>,
    pub authority: String,
    pub purpose: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub context: serde_json::Value,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// When it was (last) due to be tried.
    pub next_attempt_at: DateTime<Utc>,
}

/// One watched folder, for `dtr-gateway status`.
#[derive(Clone, Debug)]
pub struct FolderStatus {
    pub mailbox: String,
    pub folder: String,
    pub state: String,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    pub last_message_at: Option<String>,
    pub updated_at: String,
    pub last_uid: Option<i64>,
    pub recorded_today: i64,
    /// Since when it has been failing; none while it is read.
    pub failing_since: Option<String>,
}

#[derive(Clone, Copy, Debug)]
pub enum Table {
    Messages,
    Cases,
    Events,
    Quarantined,
}

const OUTBOX_COLUMNS: &str = "id, case_id, authority, purpose, recipients, context, message_id, \
    in_reply_to, status, attempts, last_error, created_at, sent_at, next_attempt_at";

fn outbox_row(row: &DbRow) -> Result<OutboxRow, StoreError> {
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
        status: row.get("status"),
        attempts: row.get("attempts"),
        last_error: row.get("last_error"),
        created_at: row.time("created_at"),
        sent_at: row.time_opt("sent_at"),
        next_attempt_at: row.time("next_attempt_at"),
    })
}

fn summary(row: &DbRow) -> CaseSummary {
    CaseSummary {
        reference: row.get("reference"),
        authority: row.get("authority"),
        status: row.get("status"),
        referral_type: row.get("referral_type"),
        urgent: row.flag("urgent"),
        received_at: row.get("received_at"),
        expected_release_date: row.get("expected_release_date"),
    }
}

/// The host's name, or `dtr-gateway` when it cannot be read: the default
/// name a gateway claims outbox rows under.
fn default_instance() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "dtr-gateway".to_string())
}

/// Mail held back longer than this by the hourly limit is a loop, not a
/// busy day: it is withheld.
const MAX_DEFERRAL_HOURS: i64 = 24;

/// The earliest time from `now` at which one more mail to `address` keeps
/// every hour at or under `per_hour` mails, counting mail already queued
/// for later.
async fn free_slot(
    tx: &mut Tx,
    address: &EmailAddress,
    now: DateTime<Utc>,
    per_hour: u32,
) -> Result<DateTime<Utc>, StoreError> {
    let hour = chrono::Duration::hours(1);
    let times: Vec<Stamp> = sqlx::query_scalar(
        "SELECT created_at FROM outbox_recipients WHERE address = $1 AND created_at > $2 \
         ORDER BY created_at",
    )
    .bind(address.as_str().to_lowercase())
    .bind(Stamp(now - hour))
    .fetch_all(&mut **tx)
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
async fn sent_in_a_day(
    tx: &mut Tx,
    address: &EmailAddress,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox_recipients r JOIN outbox o ON o.id = r.outbox_id \
         WHERE r.address = $1 AND r.created_at > $2 AND o.purpose IN \
         ('incomplete', 'no_consent', 'blank_form', 'lead_change_pending', 'further_referral')",
    )
    .bind(address.as_str().to_lowercase())
    .bind(Stamp(now - chrono::Duration::days(1)))
    .fetch_one(&mut **tx)
    .await?)
}

struct QueueContext<'a> {
    case: Option<(i64, &'a CaseRef)>,
    /// The message that caused it; none for the sweep's follow-ups.
    cause: Option<i64>,
    authority: &'a str,
    in_reply_to: Option<&'a str>,
    outgoing: &'a Outgoing,
    now: DateTime<Utc>,
}

/// Writes one answer to the outbox, unless it was written before (same
/// idempotency key). A recipient who has had their hourly share gets it
/// later, when the share allows; one who would wait more than a day (a mail
/// loop, not a busy officer) does not get it. Returns the row's id when it
/// was queued.
async fn queue_answer(
    tx: &mut Tx,
    ctx: QueueContext<'_>,
    answer: &OutgoingMail,
) -> Result<Option<i64>, StoreError> {
    let purpose = answer.purpose.name();
    let key = match (ctx.case, &answer.step, answer.once_per_case, ctx.cause) {
        (Some((_, reference)), Some(step), _, _) => format!("{reference}:{step}"),
        (Some((_, reference)), None, true, _) => format!("{reference}:{purpose}:0"),
        (_, _, _, Some(cause)) => format!("message:{cause}:{purpose}"),
        // Neither a case nor a message: nothing to key it by, so no mail.
        (_, _, _, None) => return Ok(None),
    };
    // Queued before: nothing to do, and nothing to note on the case (the
    // insert below would be a no-op too).
    let queued_before: Option<i64> =
        sqlx::query_scalar("SELECT id FROM outbox WHERE idempotency_key = $1")
            .bind(&key)
            .fetch_optional(&mut **tx)
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
            )
            .await?;
            let looping = answer.purpose.may_loop()
                && sent_in_a_day(tx, &address, ctx.now).await?
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
                "mail_withheld",
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
                "mail_withheld",
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
                "mail_deferred",
                None,
                Some(&serde_json::json!({ "purpose": purpose, "until": send_at, "reason": "hourly limit per recipient" })),
            )
            .await?;
        }
    }
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
    let id: Option<i64> = sqlx::query_scalar(
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
    .fetch_optional(&mut **tx)
    .await?;
    let Some(id) = id else {
        return Ok(None);
    };
    for address in to.iter().chain(cc.iter()) {
        // `created_at` is when the mail is due to go, so that mail deferred
        // for the hourly limit counts in the hour it is sent.
        sqlx::query(
            "INSERT INTO outbox_recipients (outbox_id, address, created_at) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(address.as_str().to_lowercase())
        .bind(Stamp(send_at))
        .execute(&mut **tx)
        .await?;
    }
    if let Some((case_id, _)) = ctx.case {
        add_event(
            tx,
            case_id,
            ctx.now,
            "mail_queued",
            None,
            Some(&serde_json::json!({ "purpose": purpose, "outbox": id })),
        )
        .await?;
    }
    Ok(Some(id))
}

/// Appends an event to a case's timeline (events are never changed
/// afterwards); `message` is the message row it came with, if any.
pub(super) async fn add_event(
    tx: &mut Tx,
    case_id: i64,
    at: DateTime<Utc>,
    kind: &str,
    message: Option<i64>,
    detail: Option<&serde_json::Value>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO events (case_id, at, kind, message_id, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(case_id)
    .bind(Stamp(at))
    .bind(kind)
    .bind(message)
    .bind(detail.map(serde_json::Value::to_string))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Notes what became of one of the gateway's mails on its case (when it has
/// one): its purpose and outbox row, and the error when it failed.
async fn add_mail_event(
    tx: &mut Tx,
    outbox_id: i64,
    at: DateTime<Utc>,
    kind: &str,
    message: Option<i64>,
    error: Option<&str>,
) -> Result<(), StoreError> {
    let mail: Option<(Option<i64>, String)> =
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
    add_event(tx, case_id, at, kind, message, Some(&detail)).await
}

async fn find_message(tx: &mut Tx, facts: &MessageFacts) -> Result<Option<Recorded>, StoreError> {
    let row =
        match &facts.message_id {
            Some(id) => sqlx::query(
                "SELECT m.id, c.reference FROM messages m LEFT JOIN cases c ON c.id = m.case_id \
                 WHERE m.message_id = $1",
            )
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?,
            None => sqlx::query(
                "SELECT m.id, c.reference FROM messages m LEFT JOIN cases c ON c.id = m.case_id \
                 WHERE m.message_id IS NULL AND m.sha256 = $1",
            )
            .bind(&facts.sha256)
            .fetch_optional(&mut **tx)
            .await?,
        };
    Ok(row.map(|r| Recorded {
        message_row: r.get(0),
        case: r.get::<Option<String>, _>(1).and_then(|s| s.parse().ok()),
        action: Action::Duplicate,
    }))
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

/// The person's open case at the authority: same prison number, same CRN,
/// or same name and date of birth. A further referral linked to a case is
/// not itself the person's case.
async fn find_person_case(
    tx: &mut Tx,
    lookup: &PersonLookup,
) -> Result<Option<PersonCase>, StoreError> {
    // One indexed lookup per way of knowing the person: an OR across them
    // would scan every case of the authority for every referral.
    const OPEN: &str = "authority = $1 AND status IN ('open', 'incomplete')";
    const COLUMNS: &str = "id, reference, status, referral, referrer_email, case_lead_email";
    let mut found: Option<DbRow> = None;
    if let Some(number) = &lookup.prison_number {
        found = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM cases WHERE {OPEN} AND prison_number = $2 ORDER BY id LIMIT 1"
        )))
        .bind(lookup.authority.as_str())
        .bind(number)
        .fetch_optional(&mut **tx)
        .await?;
    }
    if let (None, Some(crn)) = (&found, &lookup.crn) {
        found = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM cases WHERE {OPEN} AND crn = $2 ORDER BY id LIMIT 1"
        )))
        .bind(lookup.authority.as_str())
        .bind(crn)
        .fetch_optional(&mut **tx)
        .await?;
    }
    if let (None, Some(name), Some(born)) = (&found, &lookup.name_key, lookup.date_of_birth) {
        found = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM cases WHERE {OPEN} AND name_key = $2 AND date_of_birth = $3 \
             ORDER BY id LIMIT 1"
        )))
        .bind(lookup.authority.as_str())
        .bind(name)
        .bind(Day(born))
        .fetch_optional(&mut **tx)
        .await?;
    }
    let Some(row) = found else {
        return Ok(None);
    };
    let reference: String = row.get("reference");
    let corrupt = |message: String| StoreError::Corrupt {
        reference: reference.clone(),
        message,
    };
    let case_ref: CaseRef = reference
        .parse()
        .map_err(|_| corrupt("not a case reference".into()))?;
    let referral: Referral =
        serde_json::from_str(row.get::<&str, _>("referral")).map_err(|e| corrupt(e.to_string()))?;
    let address = |column: &str| {
        row.get::<Option<String>, _>(column)
            .and_then(|a| EmailAddress::parse(&a).ok())
    };
    Ok(Some(PersonCase {
        id: row.get("id"),
        case_ref,
        status: CaseStatus::parse(row.get::<&str, _>("status")).unwrap_or(CaseStatus::Open),
        referral,
        referrer_email: address("referrer_email"),
        case_lead_email: address("case_lead_email"),
    }))
}

/// An event's detail, unless it is JSON null.
fn non_null(detail: &serde_json::Value) -> Option<&serde_json::Value> {
    (!detail.is_null()).then_some(detail)
}

async fn open_case(
    tx: &mut Tx,
    new: &NewCase,
    received_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(i64, CaseRef), StoreError> {
    let year = received_at.with_timezone(&chrono_tz::Europe::London).year();
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
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO cases (reference, authority, year, sequence, status, referral_type, urgent, \
         referral, missing, name_key, date_of_birth, prison_number, crn, custody_status, \
         expected_release_date, referring_agency, referrer_name, referrer_email, referrer_phone, \
         case_lead_name, case_lead_email, case_lead_phone, received_at, opened_at, linked_to) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25) RETURNING id",
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
    .bind(referral.referrer_email.as_ref().map(|e| e.to_string()))
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
async fn advance_position(
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

/// The enum value a stored snake_case name stands for.
fn from_enum_text<T: serde::de::DeserializeOwned>(text: Option<String>) -> Option<T> {
    text.and_then(|t| serde_json::from_value(serde_json::Value::String(t)).ok())
}

/// The snake_case name serde gives an enum value (`duty_to_refer`).
fn enum_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
