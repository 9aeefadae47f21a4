//! Mail sources: where messages come from. Each watches one folder, hands
//! every new message to intake, and reports its state to the store for
//! `status`. Failures are retried with backoff by the daemon; a source only
//! returns `Ok` when asked to stop, and otherwise says whether it had opened
//! the folder ([`Interrupted`]).

pub mod imap;
pub mod maildir;

use crate::config::{Config, Mailbox};
use crate::core::states::FolderState;
use crate::intake::{ingest, Incoming, IntakeError};
use crate::store::{Action, Store};
use chrono::{DateTime, Utc};

/// A watch that ended before it was asked to stop: why, and whether the
/// folder had been opened first (an IMAP folder logged in to and selected,
/// a Maildir read through once). The daemon's pause before the next
/// attempt grows only over failures to open it.
#[derive(Debug)]
pub struct Interrupted<E> {
    pub error: E,
    pub opened: bool,
}

impl<E> Interrupted<E> {
    pub fn before_open(error: E) -> Self {
        Interrupted {
            error,
            opened: false,
        }
    }

    pub fn after_open(error: E) -> Self {
        Interrupted {
            error,
            opened: true,
        }
    }
}

/// What sources share: the configuration, the store, the mailbox.
pub struct Feed<'a> {
    pub config: &'a Config,
    pub store: &'a Store,
    pub mailbox: &'a Mailbox,
    pub folder: &'a str,
}

impl Feed<'_> {
    /// Notes in the status that messages were just recorded. Called once per
    /// batch, not per message: it is a write of its own.
    pub async fn note_recorded(&self, state: FolderState) -> Result<(), crate::store::StoreError> {
        self.store
            .set_status(
                &self.mailbox.name,
                self.folder,
                state,
                None,
                Some(Utc::now()),
            )
            .await
    }

    /// Records one message and logs it by reference only: never a name, a
    /// subject or a body.
    pub async fn take(
        &self,
        raw: &[u8],
        position: Option<(u32, u32)>,
        received_at: DateTime<Utc>,
        source_key: Option<String>,
    ) -> Result<Action, IntakeError> {
        let (analysis, recorded) = ingest(
            self.store,
            self.config,
            Incoming {
                mailbox: self.mailbox,
                folder: self.folder,
                position,
                raw,
                received_at,
                source_key,
            },
        )
        .await?;
        let case = recorded.case.map(|c| c.to_string()).unwrap_or_default();
        let uid = position.map(|(_, uid)| uid.to_string()).unwrap_or_default();
        let action = match &recorded.action {
            Action::Quarantined(_) => "quarantined",
            Action::Opened => "opened",
            Action::AttachedReferral => "attached",
            Action::Linked => "linked",
            Action::Refused => "refused",
            Action::Noted(_) => "noted",
            Action::RecordedOnly => "recorded",
            Action::Duplicate => "duplicate",
        };
        tracing::info!(
            mailbox = %self.mailbox.name,
            folder = %self.folder,
            uid = %uid,
            case = %case,
            kind = analysis.kind.as_str(),
            action,
            "message"
        );
        Ok(recorded.action)
    }
}
