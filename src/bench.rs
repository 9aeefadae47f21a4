//! `dtr-gateway bench sweep` and `bench intake`: the deadline sweep over many
//! open cases, and intake of many referrals, each in a database of its own
//! (never the configured one): a SQLite file, or for intake a new database
//! on a PostgreSQL server, dropped afterwards.

use crate::config::Config;
use crate::intake::{ingest, Incoming, IntakeError};
use crate::store::{Day, Stamp, Store, StoreError, Table};
use crate::sweep::{sweep_once, SweepReport};
use chrono::{DateTime, Duration, Utc};
use std::path::Path;
use std::time::Instant;

/// One timed sweep.
#[derive(Clone, Debug)]
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
        let report = sweep_once(&store, config, now, whole, crate::sweep::Mode::Record).await?;
        timed.push(Timed {
            report,
            seconds: started.elapsed().as_secs_f64(),
        });
    }
    Ok((seeded, timed[0].clone(), timed[2].clone(), timed[3].clone()))
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
             VALUES ($1, $2, 2026, $3, 'open', 'duty_to_refer', '{}', 'sentenced', $4, $5, $6, $7, $8, $9)",
        )
        .bind(format!("DTR-{code}-2026-{sequence:05}"))
        .bind(code)
        .bind(sequence as i64)
        .bind(Day((now + Duration::days(20 + (i % 90) as i64)).date_naive()))
        .bind(format!("officer{}@justice.gov.uk", i % 500))
        .bind(Stamp(received))
        .bind(Stamp(received))
        .bind((i % 10 != 0).then_some(received).map(Stamp))
        .bind((i % 2 == 0).then_some(received).map(Stamp))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What `bench intake` measured.
#[derive(Clone, Copy, Debug)]
pub struct IntakeFigures {
    pub messages: usize,
    pub streams: usize,
    /// Gateways on the store, each with its own connections.
    pub instances: usize,
    pub seconds: f64,
    /// Cases in the store afterwards: one a message, or the figure is wrong.
    pub cases: i64,
}

/// Records `messages` distinct referrals (each a different person and
/// referrer) into the new, empty store at `url`, as `streams` mailboxes
/// would at once, through the same intake the daemon uses: parse, judge,
/// open the case and queue its answers, one transaction a message. With
/// several `instances`, each is a store of its own on `url` (its own
/// connections, as a gateway process has), and the mailboxes are shared
/// out among them.
pub async fn intake(
    config: &Config,
    url: &str,
    messages: usize,
    streams: usize,
    instances: usize,
) -> Result<IntakeFigures, IntakeError> {
    let instances = instances.max(1);
    let mut stores = Vec::with_capacity(instances);
    for _ in 0..instances {
        stores.push(Store::open(url).await?);
    }
    let store = stores[0].clone();
    let mailboxes: Vec<_> = config
        .mailboxes
        .iter()
        .filter(|m| config.authorities.by_code(m.authority.as_str()).is_some())
        .cloned()
        .collect();
    let streams = streams.clamp(1, mailboxes.len().max(1));
    let now = Utc::now();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (stream, mailbox) in mailboxes.iter().take(streams).enumerate() {
        let store = stores[stream % instances].clone();
        let (config, mailbox) = (config.clone(), mailbox.clone());
        tasks.spawn(async move {
            let inbox = config
                .authorities
                .by_code(mailbox.authority.as_str())
                .map(|a| a.inbox.to_string())
                .unwrap_or_default();
            for n in (stream..messages).step_by(streams) {
                let raw = referral(n, &inbox);
                ingest(
                    &store,
                    &config,
                    Incoming {
                        mailbox: &mailbox,
                        folder: "INBOX",
                        position: None,
                        raw: &raw,
                        received_at: now,
                        source_key: None,
                    },
                )
                .await?;
            }
            Ok::<(), IntakeError>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        if let Ok(result) = done {
            result?;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let cases = store.count(Table::Cases).await?;
    Ok(IntakeFigures {
        messages,
        streams,
        instances,
        seconds,
        cases,
    })
}

/// A complete referral, the `n`th of the run: its own person, prison
/// number and referrer.
fn referral(n: usize, to: &str) -> Vec<u8> {
    let letters = |k: usize| {
        let a = b'A' + (k % 26) as u8;
        let b = b'A' + (k / 26 % 26) as u8;
        format!("{}{}", a as char, b as char)
    };
    let prison_number = format!("B{:04}{}", n % 10_000, letters(n / 10_000));
    format!(
        "From: Officer {n} <officer.{n:05}@justice.gov.uk>\r\n\
         To: {to}\r\n\
         Subject: Duty to Refer referral ({prison_number})\r\n\
         Message-ID: <bench-intake-{n}@justice.gov.uk>\r\n\
         Date: Mon, 30 Nov 2026 10:15:00 +0000\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         DUTY TO REFER REFERRAL\r\n\
         Referral type: Duty to Refer\r\n\
         Full name: Bench Person {n}\r\n\
         Date of birth: 14/07/1988\r\n\
         Prison number: {prison_number}\r\n\
         Current location: HMP Chelmsford\r\n\
         Custody status: sentenced\r\n\
         Expected release date: 03/04/2027\r\n\
         Consent to referral: Yes\r\n\
         At risk of rough sleeping: No\r\n\
         Reason at risk of homelessness: No address to be released to.\r\n\
         Local connection: resident\r\n\
         Referring agency: HMP Chelmsford\r\n\
         Referrer name: Officer {n}\r\n\
         Referrer email: officer.{n:05}@justice.gov.uk\r\n\
         Referrer phone: 01632 960 118\r\n"
    )
    .into_bytes()
}

/// A database of its own for a benchmark, on a PostgreSQL server.
pub struct ScratchDatabase {
    /// Where it was made from (any database of the server the role may
    /// connect to).
    server_url: String,
    name: String,
    /// The new database's URL.
    pub url: String,
}

impl ScratchDatabase {
    /// Makes a new, empty database on the server of `server_url`.
    pub async fn create(server_url: &str) -> Result<ScratchDatabase, StoreError> {
        sqlx::any::install_default_drivers();
        let name = format!("dtr_bench_{}", std::process::id());
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(server_url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name}"
        )))
        .execute(&mut conn)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await?;
        let (base, query) = match server_url.split_once('?') {
            Some((base, query)) => (base, format!("?{query}")),
            None => (server_url, String::new()),
        };
        let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
        Ok(ScratchDatabase {
            server_url: server_url.to_string(),
            url: format!("{server}/{name}{query}"),
            name,
        })
    }

    /// Drops it.
    pub async fn drop(self) -> Result<(), StoreError> {
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&self.server_url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&mut conn)
        .await?;
        Ok(())
    }
}
