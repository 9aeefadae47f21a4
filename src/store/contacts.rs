//! Contacts the gateway's mail failed to reach for good: what the morning
//! digest tells and `status` lists, so that a person corrects Annex A.

use super::db::StoredRow;
use super::*;
use crate::core::ids::CaseId;
use crate::core::undelivered::{FailureKind, Role};
use sqlx::Row;

/// One failure: the address, the mail and case, why, and when it came.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactFailure {
    pub address: String,
    pub authority: String,
    pub case_ref: Option<String>,
    pub purpose: String,
    pub kind: FailureKind,
    pub reason: String,
    /// The receiving server vouched for whoever reported it.
    pub vouched: bool,
    pub failed_at: DateTime<Utc>,
    /// Who the address is on the case; none for failures recorded before
    /// roles were.
    pub role: Option<Role>,
}

/// An address whose mail fails, over every failure recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailingContact {
    pub address: String,
    pub authority: String,
    pub since: DateTime<Utc>,
    pub last: DateTime<Utc>,
    pub count: usize,
    /// The latest failure's kind and reason.
    pub kind: FailureKind,
    pub reason: String,
    /// At least one report was vouched for by the receiving server.
    pub vouched: bool,
    /// The latest failure's role of the address on its case.
    pub role: Option<Role>,
}

/// How long a failure is listed by `status`: an address that failed a
/// month ago and not since is history.
pub const FAILING_FOR: chrono::Duration = chrono::Duration::days(30);

impl Store {
    /// A person corrected `address` (or found it works): its failures are
    /// no longer listed. The number of failures cleared.
    pub async fn clear_contact(&self, address: &str, at: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "UPDATE contact_failures SET cleared_at = $1 WHERE address = $2 AND cleared_at IS NULL",
        )
        .bind(Stamp(at))
        .bind(address.trim().to_ascii_lowercase())
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// The reference of the case with this id.
    pub async fn case_reference(&self, case_id: CaseId) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT reference FROM cases WHERE id = $1")
                .bind(case_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The Message-ID of the case's latest mail sent to `address`: what an
    /// automatic reply that does not say what it answers is about.
    pub async fn latest_mail_to(
        &self,
        case_id: CaseId,
        address: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT o.message_id FROM outbox o JOIN outbox_recipients r ON r.outbox_id = o.id \
             WHERE o.case_id = $1 AND r.address = $2 AND o.status = 'sent' \
             ORDER BY o.id DESC LIMIT 1",
        )
        .bind(case_id)
        .bind(address.to_lowercase())
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The failures recorded for `authority` (every authority when `None`),
    /// received after `since`, oldest first.
    pub async fn contact_failures(
        &self,
        authority: Option<&str>,
        since: DateTime<Utc>,
    ) -> Result<Vec<ContactFailure>, StoreError> {
        let rows = sqlx::query(
            "SELECT f.address, f.authority, c.reference, f.purpose, f.kind, f.reason, f.vouched, \
             f.failed_at, f.role FROM contact_failures f LEFT JOIN cases c ON c.id = f.case_id \
             WHERE ($1 = '' OR f.authority = $1) AND f.failed_at > $2 \
             ORDER BY f.failed_at, f.id",
        )
        .bind(authority.unwrap_or(""))
        .bind(Stamp(since))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ContactFailure {
                    address: r.get("address"),
                    authority: r.get("authority"),
                    case_ref: r.get("reference"),
                    purpose: r.get("purpose"),
                    kind: r.named("contact_failures", "kind")?,
                    reason: r.get("reason"),
                    vouched: r.flag("vouched"),
                    failed_at: r.time("failed_at"),
                    role: r.named_opt("contact_failures", "role")?,
                })
            })
            .collect()
    }

    /// Every address whose mail still fails, by authority: since when, how
    /// often, and the latest reason; the most recent first. A failure
    /// older than [`FAILING_FOR`], cleared by a person, or followed by
    /// authenticated mail from the address itself (it works again) is not
    /// listed.
    pub async fn failing_contacts(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<FailingContact>, StoreError> {
        let failures = self.contact_failures(None, now - FAILING_FOR).await?;
        let current: Vec<(String, DateTime<Utc>)> = sqlx::query(
            "SELECT f.address, f.failed_at FROM contact_failures f WHERE f.cleared_at IS NULL \
             AND NOT EXISTS (SELECT 1 FROM messages m WHERE LOWER(m.sender) = f.address \
             AND m.received_at > f.failed_at AND m.kind NOT IN ('auto_reply', 'bounce') \
             AND m.sender_verdict IN ('authenticated', 'internal'))",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| (r.get("address"), r.time("failed_at")))
        .collect();
        let failures: Vec<ContactFailure> = failures
            .into_iter()
            .filter(|f| {
                current
                    .iter()
                    .any(|(a, at)| *a == f.address && *at == f.failed_at)
            })
            .collect();
        let mut contacts: Vec<FailingContact> = Vec::new();
        for f in failures {
            match contacts
                .iter_mut()
                .find(|c| c.address == f.address && c.authority == f.authority)
            {
                Some(c) => {
                    c.count += 1;
                    c.last = f.failed_at;
                    c.kind = f.kind;
                    c.reason = f.reason;
                    c.vouched |= f.vouched;
                    c.role = f.role.or(c.role.take());
                }
                None => contacts.push(FailingContact {
                    address: f.address,
                    authority: f.authority,
                    since: f.failed_at,
                    last: f.failed_at,
                    count: 1,
                    kind: f.kind,
                    reason: f.reason,
                    vouched: f.vouched,
                    role: f.role,
                }),
            }
        }
        contacts.sort_by(|a, b| b.last.cmp(&a.last).then(a.address.cmp(&b.address)));
        Ok(contacts)
    }
}
