//! Messages set aside for a person: listed, shown, released (recorded as
//! what they are, as if they had been allowed) or dismissed with a reason.

use super::db::{DbRow, StoredRow};
use super::messages::{carry_out, find_person_cases};
use super::*;
use crate::config::Outgoing;
use crate::core::classify::Kind;
use crate::core::event::EventKind;
use crate::core::ids::StoredMessageId;
use crate::core::plan::{Disposition, MessageFacts, PersonCase, Plan};
use crate::core::states::Settlement;
use serde_json::json;
use sqlx::Row;

/// A quarantined message, as a person handling it sees it.
#[derive(Clone, Debug)]
pub struct Quarantined {
    pub id: StoredMessageId,
    pub mailbox: String,
    pub folder: String,
    pub received_at: DateTime<Utc>,
    /// When the gateway recorded it: the purge erases it counting from
    /// this.
    pub recorded_at: DateTime<Utc>,
    pub sender: Option<String>,
    pub subject: Option<String>,
    pub reason: String,
    /// What the gateway took it for (`referral`, `other`, ...).
    pub kind: Kind,
    /// Its Message-ID, the thread its sender's replies follow.
    pub message_id: Option<String>,
    /// Its bytes, kept until it is settled (none when too large to keep,
    /// or erased by a purge).
    pub raw: Option<Vec<u8>>,
    /// How a person settled it, once they have.
    pub settled: Option<Settled>,
}

/// A release or a dismissal: what, when, by whom, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settled {
    /// Released, dismissed, recorded by hand (`case new --quarantined`,
    /// the note naming the case) or replaced by a later copy (the same
    /// Message-ID, read, the note naming its case).
    pub how: Settlement,
    pub at: DateTime<Utc>,
    pub by: String,
    pub note: Option<String>,
}

/// What releasing a quarantined message did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Released {
    /// Recorded as what it is.
    Recorded(Recorded),
    /// Even allowed, the gateway cannot take it (it cannot be read): it
    /// stays set aside, for the reason given.
    StillSetAside(String),
    /// A person already released or dismissed it.
    AlreadySettled(Settled),
    /// No quarantined message has that id.
    NotQuarantined,
}

const COLUMNS: &str =
    "id, mailbox, folder, received_at, recorded_at, sender, subject, quarantine_reason, \
    kind, message_id, raw, settled, settled_at, settled_by, settled_note";

fn quarantined(row: &DbRow) -> Result<Quarantined, StoreError> {
    use base64::Engine;
    let settled = row.named_opt("messages", "settled")?.map(|how| Settled {
        how,
        at: row.time_opt("settled_at").unwrap_or_default(),
        by: row
            .get::<Option<String>, _>("settled_by")
            .unwrap_or_default(),
        note: row.get("settled_note"),
    });
    Ok(Quarantined {
        id: row.get("id"),
        mailbox: row.get("mailbox"),
        folder: row.get("folder"),
        received_at: row.time("received_at"),
        recorded_at: row.time("recorded_at"),
        sender: row.get("sender"),
        subject: row.get("subject"),
        reason: row
            .get::<Option<String>, _>("quarantine_reason")
            .unwrap_or_default(),
        kind: row.named("messages", "kind")?,
        message_id: row.get("message_id"),
        raw: row
            .get::<Option<String>, _>("raw")
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok()),
        settled,
    })
}

impl Store {
    /// The quarantined messages no one has settled yet, oldest first.
    pub async fn quarantined(&self) -> Result<Vec<Quarantined>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM messages WHERE quarantine_reason IS NOT NULL \
             AND settled IS NULL ORDER BY received_at, id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(quarantined).collect()
    }

    /// One quarantined message, settled or not.
    pub async fn quarantined_message(
        &self,
        id: StoredMessageId,
    ) -> Result<Option<Quarantined>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM messages WHERE id = $1 AND quarantine_reason IS NOT NULL"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(quarantined).transpose()
    }

    /// Dismisses a quarantined message: it stays recorded, with who
    /// dismissed it and why, and its bytes go. False when there is no such
    /// message waiting.
    pub async fn dismiss_quarantined(
        &self,
        id: StoredMessageId,
        by: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE messages SET settled = $5, settled_at = $1, settled_by = $2, \
             settled_note = $3, raw = NULL \
             WHERE id = $4 AND quarantine_reason IS NOT NULL AND settled IS NULL",
        )
        .bind(Stamp(now))
        .bind(by)
        .bind(reason)
        .bind(id)
        .bind(Settlement::Dismissed.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(done > 0)
    }

    /// What releasing a message would do, decided as
    /// [`Store::release_quarantined`] decides it, recording nothing.
    pub async fn plan_release(
        &self,
        lookup: Option<&PersonLookup>,
        decide: impl FnOnce(&[PersonCase]) -> Plan,
    ) -> Result<Plan, StoreError> {
        let mut tx = db::begin_snapshot(&self.pool, self.backend).await?;
        let persons = match lookup {
            Some(lookup) => find_person_cases(&mut tx, lookup).await?,
            None => Vec::new(),
        };
        tx.rollback().await?;
        Ok(decide(&persons))
    }

    /// Releases a quarantined message: `decide` (given the person's open
    /// cases, as in [`Store::record`]) says what it is, and that is carried
    /// out on the message already recorded, all or nothing. The case it
    /// opens or joins has the release, and who ran it, on its timeline.
    #[allow(clippy::too_many_arguments)]
    pub async fn release_quarantined(
        &self,
        id: StoredMessageId,
        facts: &MessageFacts,
        lookup: Option<&PersonLookup>,
        decide: impl FnOnce(&[PersonCase]) -> Plan,
        in_reply_to: Option<&str>,
        outgoing: &Outgoing,
        by: &str,
    ) -> Result<Released, StoreError> {
        let mut tx = self.begin_write().await?;
        let now = Utc::now();
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM messages WHERE id = $1 AND quarantine_reason IS NOT NULL"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(Released::NotQuarantined);
        };
        let waiting = quarantined(&row)?;
        if let Some(settled) = waiting.settled {
            return Ok(Released::AlreadySettled(settled));
        }
        let persons = match lookup {
            Some(lookup) => find_person_cases(&mut tx, lookup).await?,
            None => Vec::new(),
        };
        let plan = decide(&persons);
        if let Disposition::Quarantine { reason } = &plan.disposition {
            return Ok(Released::StillSetAside(reason.clone()));
        }
        let (case, action, queued) =
            carry_out(&mut tx, id, facts, &plan, in_reply_to, outgoing, now).await?;
        sqlx::query(
            "UPDATE messages SET settled = $6, settled_at = $1, settled_by = $2, \
             settled_note = $7, raw = NULL, kind = $3, outcome = $4 WHERE id = $5",
        )
        .bind(Stamp(now))
        .bind(by)
        .bind(facts.kind.as_str())
        .bind(facts.outcome.map(|o| o.as_str()))
        .bind(id)
        .bind(Settlement::Released.as_str())
        .bind(
            case.as_ref()
                .map(|(_, reference)| format!("case {reference}")),
        )
        .execute(&mut *tx)
        .await?;
        if let Some((case_id, _)) = &case {
            let detail = json!({ "by": by, "reason": waiting.reason });
            add_event(
                &mut tx,
                *case_id,
                now,
                EventKind::QuarantineReleased,
                Some(id),
                Some(&detail),
            )
            .await?;
        }
        tx.commit().await?;
        if queued > 0 {
            self.outbox_changed.notify_one();
        }
        Ok(Released::Recorded(Recorded {
            message_row: id,
            case: case.map(|(_, r)| r),
            action,
        }))
    }
}
