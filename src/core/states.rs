//! The states the gateway's own records pass through: a mail in the
//! outbox, a watched folder, a message set aside for a person.

use super::stored::{compares_with_text, StoredName};

/// Where a mail in the outbox is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutboxStatus {
    /// Waiting until it is due.
    Queued,
    /// Claimed by a gateway that is sending it.
    Sending,
    Sent,
    /// It will not go unless a person sends it again.
    Failed,
}

impl OutboxStatus {
    pub const ALL: [OutboxStatus; 4] = [
        OutboxStatus::Queued,
        OutboxStatus::Sending,
        OutboxStatus::Sent,
        OutboxStatus::Failed,
    ];

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Queued => "queued",
            OutboxStatus::Sending => "sending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
        }
    }
}

impl StoredName for OutboxStatus {
    const ALL: &'static [OutboxStatus] = &OutboxStatus::ALL;
    fn stored_name(self) -> &'static str {
        self.as_str()
    }
}

compares_with_text!(OutboxStatus);

/// What the daemon is doing with a watched folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FolderState {
    /// A daemon has just started watching it.
    Starting,
    /// Connecting to its server (or connecting again after a failure).
    Connecting,
    /// Being read (a Maildir).
    Connected,
    /// Waiting for new mail with IMAP IDLE.
    Idle,
    /// Read at intervals.
    Polling,
    /// Reading failed; trying again.
    Retrying,
    /// No longer watched.
    Stopped,
}

impl FolderState {
    pub const ALL: [FolderState; 7] = [
        FolderState::Starting,
        FolderState::Connecting,
        FolderState::Connected,
        FolderState::Idle,
        FolderState::Polling,
        FolderState::Retrying,
        FolderState::Stopped,
    ];

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            FolderState::Starting => "starting",
            FolderState::Connecting => "connecting",
            FolderState::Connected => "connected",
            FolderState::Idle => "idle",
            FolderState::Polling => "polling",
            FolderState::Retrying => "retrying",
            FolderState::Stopped => "stopped",
        }
    }

    /// Whether a folder in this state is failing: `Some(true)` when the
    /// daemon is retrying it, `Some(false)` once it is read again, no
    /// longer watched, or watched anew by a daemon just started, `None`
    /// (no change) while it is still trying to connect, so that the
    /// reconnection attempts of a folder that keeps failing do not restart
    /// its failing time.
    pub fn failing(self) -> Option<bool> {
        match self {
            FolderState::Retrying => Some(true),
            FolderState::Starting
            | FolderState::Connected
            | FolderState::Idle
            | FolderState::Polling
            | FolderState::Stopped => Some(false),
            FolderState::Connecting => None,
        }
    }
}

impl StoredName for FolderState {
    const ALL: &'static [FolderState] = &FolderState::ALL;
    fn stored_name(self) -> &'static str {
        self.as_str()
    }
}

compares_with_text!(FolderState);

impl serde::Serialize for FolderState {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// How a person settled a message set aside for them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Settlement {
    /// Recorded as what it is, as if it had been allowed.
    Released,
    /// Kept aside for good, with a reason.
    Dismissed,
    /// Recorded by a person from the message (`case new --quarantined`),
    /// the note naming the case.
    RecordedByHand,
    /// A later copy under the same Message-ID was read and opened (or
    /// completed) the case the note names (Dynamic Delivery's placeholder).
    ReplacedByLaterCopy,
}

impl Settlement {
    pub const ALL: [Settlement; 4] = [
        Settlement::Released,
        Settlement::Dismissed,
        Settlement::RecordedByHand,
        Settlement::ReplacedByLaterCopy,
    ];

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Settlement::Released => "released",
            Settlement::Dismissed => "dismissed",
            Settlement::RecordedByHand => "recorded by hand",
            Settlement::ReplacedByLaterCopy => "replaced by a later copy",
        }
    }
}

impl StoredName for Settlement {
    const ALL: &'static [Settlement] = &Settlement::ALL;
    fn stored_name(self) -> &'static str {
        self.as_str()
    }
}

compares_with_text!(Settlement);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::stored::tests::round_trips;

    #[test]
    fn outbox_statuses_read_back_from_their_stored_names() {
        round_trips::<OutboxStatus>("outbox", "status");
    }

    #[test]
    fn folder_states_read_back_from_their_stored_names() {
        round_trips::<FolderState>("mailbox_status", "state");
    }

    #[test]
    fn settlements_read_back_from_their_stored_names() {
        round_trips::<Settlement>("messages", "settled");
    }

    #[test]
    fn only_retrying_starts_a_failure_and_only_connecting_keeps_it() {
        let failing: Vec<&str> = FolderState::ALL
            .into_iter()
            .filter(|s| s.failing() == Some(true))
            .map(FolderState::as_str)
            .collect();
        assert_eq!(failing, ["retrying"]);
        let unchanged: Vec<&str> = FolderState::ALL
            .into_iter()
            .filter(|s| s.failing().is_none())
            .map(FolderState::as_str)
            .collect();
        assert_eq!(unchanged, ["connecting"]);
    }
}
