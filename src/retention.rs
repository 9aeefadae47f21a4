//! The purge of personal details past their retention period
//! (`[retention]`): by `dtr-gateway purge`, and by the daemon at start and
//! every day. The store does the erasing (`Store::purge`); this module
//! works out the cutoff, logs what was done, and keeps the daily rhythm.

use crate::config::Config;
use crate::shutdown::Shutdown;
use crate::store::{PurgeCounts, PurgeCutoffs, Store, StoreError};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// How often the daemon purges.
pub const EVERY: Duration = Duration::from_secs(24 * 60 * 60);
/// After a failed purge, the next try comes sooner than the next day.
const RETRY: Duration = Duration::from_secs(60 * 60);

/// Where a purge at `now` draws its lines under `[retention]`.
pub fn cutoffs(config: &Config, now: DateTime<Utc>) -> PurgeCutoffs {
    PurgeCutoffs {
        closed: config.retention.cutoff(now),
        unconfirmed_consent: config.retention.unconfirmed_consent_cutoff(now),
        unconfirmed_consent_days: config.retention.unconfirmed_consent_days,
    }
}

/// One purge as at `now`; returns the cutoffs used and the counts. Logged
/// with the counts only: nothing about a case beyond how many.
pub async fn purge_once(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
    dry_run: bool,
) -> Result<(PurgeCutoffs, PurgeCounts), StoreError> {
    let cutoffs = cutoffs(config, now);
    let counts = store.purge(cutoffs, config, dry_run).await?;
    let what = if dry_run { "purge (dry run)" } else { "purge" };
    tracing::info!(
        cutoff = %cutoffs.closed,
        unconfirmed_consent_cutoff = %cutoffs.unconfirmed_consent,
        "{what}: cases={} messages={} outbox={} events={} web={} unconfirmed_consent={}",
        counts.cases,
        counts.messages,
        counts.outbox,
        counts.events,
        counts.web,
        counts.unconfirmed_consent
    );
    Ok((cutoffs, counts))
}

/// Purges at start and then every day until shutdown.
pub async fn run(store: Store, config: std::sync::Arc<Config>, mut shutdown: Shutdown) {
    loop {
        let pause = match purge_once(&store, &config, Utc::now(), false).await {
            Ok(_) => EVERY,
            Err(e) => {
                tracing::error!(error = %e, "purge failed; trying again in an hour");
                RETRY
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.wait() => return,
        }
    }
}
