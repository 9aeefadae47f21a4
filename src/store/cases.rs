//! Listing cases and reading one with its timeline.

use super::db::{DbRow, StoredRow};
use super::*;
use crate::core::event::EventKind;
use crate::core::ids::{CaseId, OutboxId};
use crate::core::plan::CaseStatus;
use crate::core::referral::Referral;
use sqlx::Row;

/// One line of `dtr-gateway cases`.
#[derive(Clone, Debug)]
pub struct CaseSummary {
    pub reference: String,
    pub authority: String,
    pub status: CaseStatus,
    pub referral_type: Option<String>,
    pub urgent: bool,
    pub received_at: String,
    pub expected_release_date: Option<String>,
    /// The person's name as the form gives it (none for a refusal, or
    /// once erased).
    pub full_name: Option<String>,
    pub prison_number: Option<String>,
    pub crn: Option<String>,
    pub referrer_name: Option<String>,
    pub referring_agency: Option<String>,
}

/// A case with its timeline, for `dtr-gateway case REF`.
#[derive(Clone, Debug)]
pub struct CaseDetail {
    pub summary: CaseSummary,
    pub referral: Referral,
    pub missing: Vec<String>,
    pub events: Vec<Event>,
    /// The authority's named lead officer: name, address, telephone.
    pub lha_lead: [Option<String>; 3],
    /// The probation or prison case lead: name, address, telephone.
    pub case_lead: [Option<String>; 3],
    /// When the gateway opened the case (the unconfirmed-consent period
    /// counts from it).
    pub opened_at: Option<DateTime<Utc>>,
    /// When the protocol's clocks started: when it was received, or, for a
    /// referral received without the person's consent, when consent came.
    pub clock_from: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub paused_until: Option<chrono::NaiveDate>,
    /// The first case of the same person, for a further referral.
    pub linked_to: Option<String>,
    /// The further referrals of the same person linked to this case, oldest
    /// first (their references).
    pub further_referrals: Vec<String>,
    /// The gateway's mail about the case, oldest first.
    pub mails: Vec<CaseMail>,
}

/// One of the gateway's mails about a case, for its timeline.
#[derive(Clone, Debug)]
pub struct CaseMail {
    pub id: OutboxId,
    pub purpose: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// What its template was given beyond the case (a follow-up's deadline).
    pub context: serde_json::Value,
}

#[derive(Clone, Debug)]
pub struct Event {
    pub at: String,
    pub kind: EventKind,
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
             expected_release_date, referral, prison_number, crn, referrer_name, \
             referring_agency FROM cases \
             WHERE ($1 IS NULL OR authority = $1) \
               AND ($2 = 0 OR status IN ('open', 'incomplete')) \
             ORDER BY received_at, id",
        )
        .bind(authority)
        .bind(Flag(open_only))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(summary).collect()
    }

    pub async fn case(&self, reference: &str) -> Result<CaseDetail, StoreError> {
        let row = sqlx::query(
            "SELECT id, reference, authority, status, referral_type, urgent, received_at, \
             expected_release_date, referral, missing, prison_number, crn, referrer_name, \
             referring_agency, lha_lead_name, lha_lead_email, \
             lha_lead_phone, case_lead_name, case_lead_email, case_lead_phone, opened_at, \
             clock_from, closed_at, close_outcome, paused_until, \
             (SELECT f.reference FROM cases f WHERE f.id = cases.linked_to) AS first_case \
             FROM cases WHERE reference = $1",
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
                .bind(row.get::<CaseId, _>("id"))
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|e| {
                    Ok(Event {
                        at: e.get("at"),
                        kind: e.named("events", "kind")?,
                        detail: e.get("detail"),
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
        let further_referrals: Vec<String> =
            sqlx::query_scalar("SELECT reference FROM cases WHERE linked_to = $1 ORDER BY id")
                .bind(row.get::<CaseId, _>("id"))
                .fetch_all(&self.pool)
                .await?;
        let mails = sqlx::query(
            "SELECT id, purpose, recipients, context FROM outbox WHERE case_id = $1 ORDER BY id",
        )
        .bind(row.get::<CaseId, _>("id"))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|m| {
            let recipients: serde_json::Value =
                serde_json::from_str(m.get::<&str, _>("recipients")).unwrap_or_default();
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
            CaseMail {
                id: m.get("id"),
                purpose: m.get("purpose"),
                to: list("to"),
                cc: list("cc"),
                context: serde_json::from_str(m.get::<&str, _>("context")).unwrap_or_default(),
            }
        })
        .collect();
        let text = |column: &str| row.get::<Option<String>, _>(column);
        Ok(CaseDetail {
            summary: summary(&row)?,
            referral,
            missing,
            events,
            lha_lead: [
                text("lha_lead_name"),
                text("lha_lead_email"),
                text("lha_lead_phone"),
            ],
            case_lead: [
                text("case_lead_name"),
                text("case_lead_email"),
                text("case_lead_phone"),
            ],
            opened_at: row.time_opt("opened_at"),
            clock_from: row.time_opt("clock_from"),
            closed_at: row.time_opt("closed_at"),
            outcome: text("close_outcome"),
            paused_until: row.day_opt("paused_until"),
            linked_to: text("first_case"),
            further_referrals,
            mails,
        })
    }
}

pub(super) fn summary(row: &DbRow) -> Result<CaseSummary, StoreError> {
    Ok(CaseSummary {
        reference: row.get("reference"),
        authority: row.get("authority"),
        status: row.named("cases", "status")?,
        referral_type: row.get("referral_type"),
        urgent: row.flag("urgent"),
        received_at: row.get("received_at"),
        expected_release_date: row.get("expected_release_date"),
        full_name: serde_json::from_str::<serde_json::Value>(row.get::<&str, _>("referral"))
            .ok()
            .and_then(|r| r["full_name"].as_str().map(str::to_string)),
        prison_number: row.get("prison_number"),
        crn: row.get("crn"),
        referrer_name: row.get("referrer_name"),
        referring_agency: row.get("referring_agency"),
    })
}
