//! The store's side of the outcomes report: the facts of each case received
//! in a quarter, without the person's details.

use super::db::StoredRow;
use super::{from_enum_text, Stamp, Store, StoreError};
use crate::core::address::EmailAddress;
use crate::core::plan::CaseStatus;
use crate::core::protocol::{CaseFacts, Progress};
use crate::core::report::{AgencyMap, Quarter, ReportCase};
use crate::core::sweep::DoneStep;
use sqlx::Row;

impl Store {
    /// Every case received in the quarter (UK dates), one authority's when
    /// given, with its referring agency put into its category. A referral
    /// received without the person's consent counts as received, as the
    /// protocol's clocks do, when consent came.
    pub async fn report_cases(
        &self,
        quarter: Quarter,
        authority: Option<&str>,
        agencies: &AgencyMap,
    ) -> Result<Vec<ReportCase>, StoreError> {
        let (first, next) = quarter.days();
        let rows = sqlx::query(
            "SELECT authority, status, referral_type, custody_status, referring_agency, referrer_email, \
             referrer_domain, urgent, clock_from, expected_release_date, acknowledged_at, lead_named_at, \
             responded_at, application_on, information_requested_at, evidence, met_by_hand, \
             follow_ups, close_outcome, route, \
             CASE WHEN status = 'incomplete' THEN referral ELSE NULL END AS awaiting FROM cases \
             WHERE clock_from >= $1 AND clock_from < $2 AND ($3 IS NULL OR authority = $3) ORDER BY id",
        )
        .bind(Stamp(crate::core::uk::midnight(first)))
        .bind(Stamp(crate::core::uk::midnight(next)))
        .bind(authority)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let done: Vec<DoneStep> =
                    serde_json::from_str(r.get::<&str, _>("follow_ups")).unwrap_or_default();
                // Only follow-ups that reached someone.
                let sent = |kind: &str| {
                    let n = done
                        .iter()
                        .filter(|d| d.to.is_some() && d.key.contains(kind))
                        .count();
                    u32::try_from(n).unwrap_or(u32::MAX)
                };
                // A purged case keeps only the referrer's domain.
                let referrer_domain = r
                    .get::<Option<String>, _>("referrer_email")
                    .and_then(|e| EmailAddress::parse(&e).ok())
                    .map(|e| e.domain())
                    .or_else(|| r.get("referrer_domain"));
                let status = r.named::<CaseStatus>("cases", "status")?;
                Ok(ReportCase {
                    authority: r.get("authority"),
                    refused: status == CaseStatus::Refused,
                    unconfirmed: status == CaseStatus::Lapsed
                        || r.get::<Option<&str>, _>("awaiting")
                            .is_some_and(|referral| !super::retention::consent_confirmed(referral)),
                    referral_type: from_enum_text(r.get("referral_type")),
                    agency: agencies.categorise_domain(
                        r.get::<Option<&str>, _>("referring_agency"),
                        referrer_domain.as_deref(),
                    ),
                    urgent: r.flag("urgent"),
                    clock_from: r.time("clock_from"),
                    release_date: r.day_opt("expected_release_date"),
                    facts: CaseFacts {
                        referral_type: from_enum_text(r.get("referral_type")),
                        custody_status: from_enum_text(r.get("custody_status")),
                        clock_from: r.time("clock_from"),
                        acknowledged_at: r.time_opt("acknowledged_at"),
                        release_date: r.day_opt("expected_release_date"),
                        application_on: r.day_opt("application_on"),
                        information_requested_at: r.time_opt("information_requested_at"),
                    },
                    progress: Progress {
                        lead_named_at: r.time_opt("lead_named_at"),
                        by_hand: serde_json::from_str(r.get::<&str, _>("met_by_hand"))
                            .unwrap_or_default(),
                        evidence: serde_json::from_str(r.get::<&str, _>("evidence"))
                            .unwrap_or_default(),
                    },
                    responded_at: r.time_opt("responded_at"),
                    chases: sent(":chase:"),
                    escalations: sent(":escalation"),
                    outcome: r.get("close_outcome"),
                    route: r.get("route"),
                })
            })
            .collect()
    }
}
