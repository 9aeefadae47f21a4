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
    seed_for(store, &codes, cases, now).await
}

/// `cases` open cases shared out among the authorities of `codes`.
async fn seed_for(
    store: &Store,
    codes: &[String],
    cases: usize,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut tx = store.pool().begin().await?;
    for i in 0..cases {
        let code = &codes[i % codes.len().max(1)];
        let received = now - Duration::days((i % 40) as i64) - Duration::hours(3);
        let sequence = i / codes.len().max(1) + 1;
        sqlx::query(
            "INSERT INTO cases (reference, authority, year, sequence, status, referral_type, \
             referral, custody_status, expected_release_date, referrer_email, received_at, \
             clock_from, opened_at, acknowledged_at, lead_named_at) \
             VALUES ($1, $2, 2026, $3, 'open', 'duty_to_refer', $10, 'sentenced', $4, $5, $6, $6, $7, $8, $9)",
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
        // A name to show and search, as a form gives one.
        .bind(serde_json::json!({ "full_name": format!("Bench Person {i}") }).to_string())
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

/// What `bench web` measured: each a median, with the slowest, over the
/// runs, in milliseconds.
#[derive(Clone, Debug)]
pub struct WebFigures {
    /// Open cases of the officer's authority.
    pub cases: usize,
    /// Of them, how many the first page of `/cases` lists, and the page's
    /// size in bytes.
    pub listed: usize,
    pub bytes: usize,
    /// `GET /cases`, signed in.
    pub list: (f64, f64),
    /// `GET /cases?q=...`: a search that finds one case.
    pub search: (f64, f64),
    /// `GET /cases?overdue=yes`: every case's deadlines worked out.
    pub overdue: (f64, f64),
    /// `GET /cases?order=urgent`: every case's deadlines worked out to
    /// order them.
    pub urgent: (f64, f64),
    /// Pressing "Sign in" on the link's page (`POST /sign-in/TOKEN`), then
    /// the list it leads to.
    pub sign_in_to_list: (f64, f64),
}

/// Fills a new store at `file` with `cases` open cases of the first
/// authority, serves the web view on a loopback port as the daemon does,
/// and times, over real HTTP requests, an officer of that authority
/// signing in and reading `/cases`, `runs` times each.
pub async fn web(
    config: &Config,
    file: &Path,
    cases: usize,
    runs: usize,
    now: DateTime<Utc>,
) -> Result<WebFigures, WebBenchError> {
    use crate::core::address::EmailAddress;
    use sha2::{Digest, Sha256};
    let store = Store::open(&format!("sqlite:{}", file.display())).await?;
    let mut config = config.clone();
    let mut authorities: Vec<_> = config.authorities.iter().cloned().collect();
    let first = authorities.first_mut().ok_or(WebBenchError::NoAuthority)?;
    let officer = EmailAddress::parse(&format!("bench.officer@{}", first.inbox.domain()))
        .map_err(|e| WebBenchError::Http(e.to_string()))?;
    first.officers = vec![officer.clone()];
    let code = first.code.to_string();
    config.authorities = crate::core::authority::Authorities::new(authorities);
    seed_for(&store, std::slice::from_ref(&code), cases, now).await?;
    let settings = crate::config::Web {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        public_url: "http://127.0.0.1".to_string(),
        coordinators: Vec::new(),
        coordinators_from: None,
        tls: None,
        trusted_proxies: Vec::new(),
        session_hours: crate::config::DEFAULT_SESSION_HOURS,
    };
    let config = std::sync::Arc::new(config);
    let listener = crate::web::bind(config, &settings, store.clone()).await?;
    let address = listener
        .address()
        .map_err(|e| WebBenchError::Http(e.to_string()))?;
    let (stop, shutdown) = crate::shutdown::Shutdown::new();
    let server = tokio::spawn(crate::web::serve(listener, shutdown));

    let mut list = Vec::new();
    let mut search = Vec::new();
    let mut overdue = Vec::new();
    let mut urgent = Vec::new();
    let mut sign_in = Vec::new();
    let mut listed = 0;
    let mut bytes = 0;
    for run in 0..runs.max(1) {
        // A link as `POST /sign-in` records one (its token's hash).
        let token = format!("{:064x}", run as u128 + 1);
        let hash: String = Sha256::digest(token.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        sqlx::query(
            "INSERT INTO web_sign_ins (token_hash, address, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&hash)
        .bind(officer.as_str())
        .bind(Stamp(Utc::now()))
        .bind(Stamp(Utc::now() + Duration::minutes(15)))
        .execute(store.pool())
        .await
        .map_err(StoreError::from)?;
        let started = Instant::now();
        let redeemed = http(address, "POST", &format!("/sign-in/{token}"), None).await?;
        let cookie = redeemed
            .lines()
            .find_map(|l| {
                l.strip_prefix("set-cookie: ")
                    .or(l.strip_prefix("Set-Cookie: "))
            })
            .and_then(|c| c.split(';').next())
            .map(str::to_string)
            .ok_or_else(|| WebBenchError::Http(format!("no session: {redeemed}")))?;
        let page = http(address, "GET", "/cases", Some(&cookie)).await?;
        sign_in.push(started.elapsed().as_secs_f64() * 1000.0);
        let started = Instant::now();
        let page_again = http(address, "GET", "/cases", Some(&cookie)).await?;
        list.push(started.elapsed().as_secs_f64() * 1000.0);
        if !page.starts_with("HTTP/1.1 200") || !page_again.starts_with("HTTP/1.1 200") {
            return Err(WebBenchError::Http(format!(
                "/cases answered {}",
                page.lines().next().unwrap_or("")
            )));
        }
        listed = page_again
            .matches("data-label=\"Reference\"><a href=\"/cases/")
            .count();
        bytes = page_again.len();
        let wanted = format!("/cases?q=Bench+Person+{}", cases / 2);
        let started = Instant::now();
        let found = http(address, "GET", &wanted, Some(&cookie)).await?;
        search.push(started.elapsed().as_secs_f64() * 1000.0);
        if !found.contains(&format!("Bench Person {}<", cases / 2)) {
            return Err(WebBenchError::Http("the search found nothing".to_string()));
        }
        let started = Instant::now();
        let late = http(address, "GET", "/cases?overdue=yes", Some(&cookie)).await?;
        overdue.push(started.elapsed().as_secs_f64() * 1000.0);
        if !late.starts_with("HTTP/1.1 200") {
            return Err(WebBenchError::Http("/cases?overdue=yes failed".to_string()));
        }
        let started = Instant::now();
        let ordered = http(address, "GET", "/cases?order=urgent", Some(&cookie)).await?;
        urgent.push(started.elapsed().as_secs_f64() * 1000.0);
        if !ordered.starts_with("HTTP/1.1 200") {
            return Err(WebBenchError::Http(
                "/cases?order=urgent failed".to_string(),
            ));
        }
    }
    let _ = stop.send(true);
    let _ = server.await;
    Ok(WebFigures {
        cases,
        listed,
        bytes,
        list: median_and_worst(&mut list),
        search: median_and_worst(&mut search),
        overdue: median_and_worst(&mut overdue),
        urgent: median_and_worst(&mut urgent),
        sign_in_to_list: median_and_worst(&mut sign_in),
    })
}

fn median_and_worst(times: &mut [f64]) -> (f64, f64) {
    times.sort_by(f64::total_cmp);
    let median = times.get(times.len() / 2).copied().unwrap_or(0.0);
    (median, times.last().copied().unwrap_or(0.0))
}

/// What stopped `bench web`.
#[derive(Debug, thiserror::Error)]
pub enum WebBenchError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Web(#[from] crate::web::WebError),
    #[error("the configuration has no authority")]
    NoAuthority,
    #[error("web view: {0}")]
    Http(String),
}

/// One HTTP/1.1 request on its own connection: the whole answer, head and
/// body.
async fn http(
    address: std::net::SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
) -> Result<String, WebBenchError> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let failed = |e: std::io::Error| WebBenchError::Http(e.to_string());
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(failed)?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if let Some(cookie) = cookie {
        head.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if method == "POST" {
        head.push_str("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.map_err(failed)?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.map_err(failed)?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}
