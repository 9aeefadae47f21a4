//! The case store (sqlx over SQLite or PostgreSQL). Every message is recorded in the same
//! transaction as everything it causes, so a crash leaves either all of it
//! or none of it.

use chrono::{DateTime, Utc};
use db::Tx;
use sqlx::AnyPool;
use std::sync::Arc;
use tokio::sync::Notify;

mod cases;
mod contacts;
mod db;
mod deadlines;
mod digest;
mod instance;
mod mailboxes;
mod messages;
mod metrics;
mod outbox;
mod quarantine;
mod report;
mod retention;
mod scope;
mod sender;
mod web;
use crate::core::event::EventKind;
use crate::core::ids::{CaseId, StoredMessageId};
pub use crate::core::sweep::DoneStep;
pub use cases::{CaseDetail, CaseMail, CaseSummary, Event};
pub use contacts::{ContactFailure, FailingContact};
pub use db::{shown_url, Backend, Day, Flag, Stamp};
pub use deadlines::{DeadlineCase, FollowUp, FollowUpDay, RecordedFollowUps, Reopened};
pub use digest::{digest_key, NewReferral};
use instance::default_instance;
pub use instance::InstanceHold;
pub use mailboxes::FolderStatus;
pub use messages::{Action, Entered, PersonLookup, Recorded};
pub use metrics::{FolderHealth, StoreCounts};
use outbox::{queue_answer, QueueContext};
pub use outbox::{MailCase, OutboxRow, SentMail};
pub use quarantine::{Quarantined, Released, Settled};
pub use retention::{PurgeCounts, PurgeCutoffs};
pub use scope::{CaseCounts, CaseScope};
pub use sender::{IdentityHealth, SenderHealth};
pub use web::{SignInRequest, WebAccess, WebSession, WEB_PAGES_OVER};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL `{url}` is not usable: {message}")]
    BadUrl { url: String, message: String },
    #[error("cannot create the database folder {path}: {error}")]
    Folder { path: String, error: std::io::Error },
    #[error("cannot create the database file {path}: {error}")]
    File { path: String, error: std::io::Error },
    // Each message holds its cause's text, so the cause is not given again
    // as a source: a chain printed whole says each thing once.
    #[error("database migration failed: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
    #[error("stored data is unreadable: {0}")]
    Unknown(#[from] crate::core::stored::UnknownValue),
    #[error("no case {0}")]
    NoSuchCase(String),
    #[error(
        "case {reference} is {status}: only a closed case is reopened (a refused or lapsed \
         referral kept nothing about the person; ask for the form again)"
    )]
    NotReopenable { reference: String, status: String },
    #[error("stored data for case {reference} is unreadable: {message}")]
    Corrupt { reference: String, message: String },
    #[error(
        "another gateway runs as instance `{instance}` on this store (it holds {path}); \
         give each gateway its own [gateway] instance"
    )]
    InstanceInUse { instance: String, path: String },
    #[error("cannot lock {path}: {error}")]
    InstanceLock { path: String, error: std::io::Error },
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Migrate(e)
    }
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

    /// The pool, for tests that look at rows directly.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Table {
    Messages,
    Cases,
    Events,
    Quarantined,
}

/// Appends an event to a case's timeline (events are never changed
/// afterwards); `message` is the message row it came with, if any.
pub(super) async fn add_event(
    tx: &mut sqlx::AnyConnection,
    case_id: CaseId,
    at: DateTime<Utc>,
    kind: EventKind,
    message: Option<StoredMessageId>,
    detail: Option<&serde_json::Value>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO events (case_id, at, kind, message_id, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(case_id)
    .bind(Stamp(at))
    .bind(kind.as_str())
    .bind(message)
    .bind(detail.map(serde_json::Value::to_string))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// An event's detail, unless it is JSON null.
fn non_null(detail: &serde_json::Value) -> Option<&serde_json::Value> {
    (!detail.is_null()).then_some(detail)
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
