//! `dtr-gateway bench sweep`: the deadline sweep over many open cases, in a
//! database of its own (never the configured one).

use crate::config::Config;
use crate::store::{Store, StoreError};
use crate::sweep::{sweep_once, SweepReport};
use chrono::{DateTime, Duration, Utc};
use std::path::Path;
use std::time::Instant;

/// One timed sweep.
#[derive(Clone, Copy, Debug)]
pub struct Timed {
    pub report: SweepReport,
    pub seconds: f64,
}

/// Fills a new store at `file` with `cases` open cases received over the
/// 40 days before `now`, most acknowledged, some with a lead officer named,
/// spread over the configured authorities; then sweeps three times as at
/// `now`: the first writes every follow-up due, the second is the sweep of
/// every later minute, the third the sweep of every open case the daemon
/// makes when it starts.
pub async fn sweep(
    config: &Config,
    file: &Path,
    cases: usize,
    now: DateTime<Utc>,
) -> Result<(f64, Timed, Timed, Timed), StoreError> {
    let store = Store::open(&format!("sqlite:{}", file.display())).await?;
    let started = Instant::now();
    seed(&store, config, cases, now).await?;
    let seeded = started.elapsed().as_secs_f64();
    let mut timed = Vec::new();
    // Catching up (whole), two minutes later (only the cases whose day has
    // come), and a whole sweep with nothing new, as at a restart.
    for whole in [true, false, false, true] {
        let started = Instant::now();
        let report = sweep_once(&store, config, now, whole).await?;
        timed.push(Timed {
            report,
            seconds: started.elapsed().as_secs_f64(),
        });
    }
    Ok((seeded, timed[0], timed[2], timed[3]))
}

async fn seed(
    store: &Store,
    config: &Config,
    cases: usize,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let codes: Vec<String> = config
        .authorities
        .iter()
        .map(|a| a.code.to_string())
        .collect();
    let mut tx = store.pool().begin().await?;
    for i in 0..cases {
        let code = &codes[i % codes.len().max(1)];
        let received = now - Duration::days((i % 40) as i64) - Duration::hours(3);
        let sequence = i / codes.len().max(1) + 1;
        sqlx::query(
            "INSERT INTO cases (reference, authority, year, sequence, status, referral_type, \
             referral, custody_status, expected_release_date, referrer_email, received_at, \
             opened_at, acknowledged_at, lead_named_at) \
             VALUES (?, ?, 2026, ?, 'open', 'duty_to_refer', '{}', 'sentenced', ?, ?, ?, ?, ?, ?)",
        )
        .bind(format!("DTR-{code}-2026-{sequence:05}"))
        .bind(code)
        .bind(sequence as i64)
        .bind((now + Duration::days(20 + (i % 90) as i64)).date_naive())
        .bind(format!("officer{}@justice.gov.uk", i % 500))
        .bind(received)
        .bind(received)
        .bind((i % 10 != 0).then_some(received))
        .bind((i % 2 == 0).then_some(received))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
