//! `dtr-gateway purge`: personal details past their retention period.

use super::*;
use anyhow::Result;
use chrono::Utc;
use dtr_gateway::config::Config;
use dtr_gateway::store::Store;
use std::process::ExitCode;

pub(crate) async fn purge(
    config: &Config,
    store: &Store,
    dry_run: bool,
    now: Option<chrono::DateTime<Utc>>,
) -> Result<ExitCode> {
    let (cutoffs, counts) =
        dtr_gateway::retention::purge_once(store, config, now.unwrap_or_else(Utc::now), dry_run)
            .await?;
    let verb = if dry_run { "purge --dry-run" } else { "purge" };
    println!(
        "{verb}: closed cases, refusals and messages without a case from before {} \
         ({} months)",
        local_time(&cutoffs.closed.to_rfc3339()),
        config.retention.closed_case_months
    );
    println!(
        "{verb}: incomplete cases whose consent was never confirmed, opened before {} \
         ({} days)",
        local_time(&cutoffs.unconfirmed_consent.to_rfc3339()),
        cutoffs.unconfirmed_consent_days
    );
    println!(
        "{verb}: cases={} messages={} outbox={} events={} web={} (of the cases, lapsed for want \
         of consent: {})",
        counts.cases,
        counts.messages,
        counts.outbox,
        counts.events,
        counts.web,
        counts.unconfirmed_consent
    );
    println!(
        "{}",
        match (dry_run, counts.is_zero()) {
            (true, true) => "dry run: nothing to erase; nothing was changed",
            (true, false) => "dry run: these would be erased; nothing was changed",
            (false, true) => "nothing to erase; the purge is recorded in the store",
            (false, false) => "personal details erased; the purge is recorded in the store",
        }
    );
    Ok(ExitCode::SUCCESS)
}
