//! Listing cases and reading one with its timeline.

use super::db::{DbRow, StoredRow};
use super::*;
use crate::core::referral::Referral;
use sqlx::Row;

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

impl Store {
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
}

pub(super) fn summary(row: &DbRow) -> CaseSummary {
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
