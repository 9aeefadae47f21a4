//! Benchmarks against the real Dovecot and Postfix (started by
//! `scripts/mailservers.sh`) and the Cyrus of `scripts/cyrus.sh`: for each
//! server, the latency from delivery (through Postfix into Dovecot) or
//! APPEND (into Cyrus) to recorded over IDLE, with the gateway's own share
//! (from the server's EXISTS to the commit); the backlog rate for messages
//! already in an inbox at start; and the daemon's resident memory while
//! watching fourteen mailboxes.
//!
//! `cargo bench --bench mail` (add `-- --quick` for fewer samples).

#[path = "../tests/common/mod.rs"]
mod common;

use common::servers::TestServer;
use common::{
    mail_servers, referral, smtp_outgoing, wait_until, write_config, write_config_on,
    write_config_sending, AUTHORITIES,
};
use dtr_gateway::config::Config;
use dtr_gateway::shutdown::Shutdown;
use dtr_gateway::store::Store;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Collects the log lines the gateway writes, to read its own timings.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// What was written so far, emptied.
    fn take(&self) -> String {
        let bytes = self
            .0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let captured = Captured::default();
    let sink = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter("dtr_gateway::latency=debug")
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .init();
    let servers = mail_servers();

    // 1. Delivery to recorded, over IDLE, on each server.
    let samples = if quick { 10 } else { 50 };
    for server in [TestServer::Dovecot, TestServer::Cyrus] {
        delivery_to_recorded(server, samples, &captured).await;
    }

    // 1b. Referral received to acknowledgement delivered, through the real
    // Postfix both ways.
    servers.reset("harlow");
    servers.reset("referrer");
    let dir = tempfile::TempDir::new().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    let config_dir = write_config_sending(
        dir.path(),
        &database,
        &["harlow"],
        "",
        Some(&smtp_outgoing(10_000)),
    );
    let store = Store::open(&database).await.expect("store");
    let (config, _) = Config::load(Some(&config_dir)).expect("config");
    let (stop, shutdown) = Shutdown::new();
    let daemon = tokio::spawn(dtr_gateway::daemon::run(
        Arc::new(config),
        store.clone(),
        common::templates(),
        shutdown,
    ));
    assert!(
        common::wait_idle(&store, "harlow", Duration::from_secs(20)).await,
        "harlow is watched"
    );
    let delivered = |n: usize| {
        let out =
            mail_servers().doveadm(&["mailbox", "status", "-u", "referrer", "messages", "INBOX"]);
        // "INBOX messages=N"
        out.trim()
            .rsplit('=')
            .next()
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0)
            >= n
    };
    let mut acks = Vec::new();
    let samples = if quick { 5 } else { 20 };
    for n in 0..samples {
        let raw = referral(
            &format!("ackbench-{n}@justice.test"),
            3000 + n,
            "harlow@lha.test",
        );
        let sent = Instant::now();
        servers.send("referrer@justice.test", "harlow@lha.test", &raw);
        let mut arrived = false;
        while sent.elapsed() < Duration::from_secs(10) {
            if delivered(n as usize + 1) {
                arrived = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if arrived {
            acks.push(sent.elapsed());
        } else {
            eprintln!("acknowledgement {n} did not arrive within 10 s");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let _ = stop.send(true);
    let _ = daemon.await;
    acks.sort();
    println!(
        "referral sent to acknowledgement delivered ({} referrals): median {}, p99 {} (goal: median < 1 s)",
        acks.len(),
        ms(percentile(&acks, 0.5)),
        ms(percentile(&acks, 0.99))
    );

    // 2. Backlog: messages already in the inbox at start.
    let backlog: u32 = if quick { 300 } else { 2000 };
    servers.reset("chelmsford");
    let maildir = format!(
        "{}/mail/chelmsford/Maildir/new",
        servers.get("DTR_MAIL_DIR")
    );
    let maildir = std::path::PathBuf::from(maildir);
    if !maildir.is_dir() {
        // Let Dovecot create the Maildir, then drop files straight into it.
        servers.doveadm(&["mailbox", "status", "-u", "chelmsford", "messages", "INBOX"]);
    }
    for n in 0..backlog {
        let raw = referral(
            &format!("backlog-{n}@justice.test"),
            5000 + n,
            "chelmsford@lha.test",
        );
        let file = maildir.join(format!("{}.M{n}P1.bench", 1_700_000_000 + n));
        std::fs::write(&file, raw).expect("write maildir");
        // Dovecot reads the folder as the mail user.
        // Received a month ago, as a first start on an existing inbox finds
        // it: recorded, not answered (answer_max_age_hours).
        if let Ok(f) = std::fs::File::options().write(true).open(&file) {
            let _ = f.set_modified(std::time::SystemTime::now() - Duration::from_secs(30 * 86_400));
        }
        let owner = std::fs::metadata(&maildir)
            .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
            .ok();
        if let Some(uid) = owner {
            let _ = std::os::unix::fs::chown(&file, Some(uid), Some(uid));
        }
    }
    servers.doveadm(&["force-resync", "-u", "chelmsford", "INBOX"]);
    let dir = tempfile::TempDir::new().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    let config_dir = write_config(
        dir.path(),
        &database,
        &["chelmsford"],
        "start = \"since 2020-01-01\"",
    );
    let store = Store::open(&database).await.expect("store");
    let (config, _) = Config::load(Some(&config_dir)).expect("config");
    let (stop, shutdown) = Shutdown::new();
    let started = Instant::now();
    let daemon = tokio::spawn(dtr_gateway::daemon::run(
        Arc::new(config),
        store.clone(),
        common::templates(),
        shutdown,
    ));
    // Look rarely and cheaply (the newest row id), so that watching does
    // not slow down what is watched.
    let mut done = None;
    while started.elapsed() < Duration::from_secs(600) {
        let newest: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM messages")
            .fetch_one(store.pool())
            .await
            .unwrap_or(0);
        if newest >= i64::from(backlog) {
            done = Some(started.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = done.unwrap_or_else(|| started.elapsed());
    let _ = stop.send(true);
    let _ = daemon.await;
    match done {
        Some(_) => println!(
            "backlog of {backlog} month-old messages at start (recorded, not answered): {:.1} s, {:.0} messages/s (goal > 500/s)",
            elapsed.as_secs_f64(),
            f64::from(backlog) / elapsed.as_secs_f64()
        ),
        None => println!("backlog: not all {backlog} messages were recorded within 600 s"),
    }

    // 3. Resident memory of the daemon process watching fourteen mailboxes.
    let users: Vec<&str> = AUTHORITIES.iter().map(|(u, _, _)| *u).collect();
    let dir = tempfile::TempDir::new().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    let config_dir = write_config(dir.path(), &database, &users, "");
    let binary =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/dtr-gateway");
    if !binary.exists() {
        println!("memory: build the release binary first (cargo build --release)");
        return;
    }
    let store = Store::open(&database).await.expect("store");
    let log = std::fs::File::create(dir.path().join("daemon.log")).expect("log file");
    let mut child = std::process::Command::new(&binary)
        .args(["run", "--config"])
        .arg(&config_dir)
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start the daemon");
    wait_until(Duration::from_secs(30), || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM mailbox_status WHERE state = 'idle'")
            .fetch_one(store.pool())
            .await
            .unwrap_or(0)
            == 14
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    let rss = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .map(|l| l.trim_start_matches("VmRSS:").trim().to_string())
        .unwrap_or_else(|| {
            let log = std::fs::read_to_string(dir.path().join("daemon.log")).unwrap_or_default();
            format!(
                "unknown (the daemon stopped: {})",
                log.lines().last().unwrap_or("")
            )
        });
    println!("resident memory of the daemon watching 14 mailboxes over IDLE: {rss} (goal < 40 MB)");
    // SAFETY: signalling the child started above.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let _ = child.wait();
}

/// Delivers `samples` referrals one by one to a watched inbox on `server`
/// and prints the time from delivery (through Postfix into Dovecot) or
/// APPEND (into Cyrus) to recorded, and the gateway's own share of it: from
/// the server's EXISTS to the commit, as the gateway logs it.
async fn delivery_to_recorded(server: TestServer, samples: u32, captured: &Captured) {
    server.reset("colchester");
    let dir = tempfile::TempDir::new().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    let config_dir = write_config_on(server, dir.path(), &database, &["colchester"], "");
    let store = Store::open(&database).await.expect("store");
    let (config, _) = Config::load(Some(&config_dir)).expect("config");
    let (stop, shutdown) = Shutdown::new();
    captured.take();
    let daemon = tokio::spawn(dtr_gateway::daemon::run(
        Arc::new(config),
        store.clone(),
        common::templates(),
        shutdown,
    ));
    assert!(
        common::wait_idle(&store, "colchester", Duration::from_secs(20)).await,
        "colchester is watched on {}",
        server.name()
    );
    // Cyrus: one session for every APPEND, so that its login is not timed.
    let mut appending = (server == TestServer::Cyrus).then(|| server.login("colchester"));
    let mut totals = Vec::new();
    for n in 0..samples {
        let raw = referral(
            &format!("lat-{}-{n}@justice.test", server.name()),
            1000 + n,
            "colchester@lha.test",
        );
        let sent = Instant::now();
        match appending.as_mut() {
            Some(session) => session.append("INBOX", &raw),
            None => server.deliver("colchester", &raw),
        }
        let recorded = wait_until(Duration::from_secs(10), || async {
            sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(id), 0) FROM messages")
                .fetch_one(store.pool())
                .await
                .unwrap_or(0)
                == i64::from(n) + 1
        })
        .await;
        match recorded {
            Some(_) => totals.push(sent.elapsed()),
            None => eprintln!("message {n} was not recorded within 10 s"),
        }
        // Let the daemon go back to IDLE before the next one.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(appending);
    let _ = stop.send(true);
    let _ = daemon.await;
    totals.sort();
    let mut own: Vec<Duration> = captured
        .take()
        .lines()
        .filter_map(|l| l.split("micros=").nth(1))
        .filter_map(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map(Duration::from_micros)
        .collect();
    own.sort();
    let (what, goal) = match server {
        TestServer::Dovecot => (
            "delivery to recorded over IDLE on Dovecot (SMTP to Postfix, LMTP, IDLE)",
            "median < 700 ms, p99 < 2 s",
        ),
        TestServer::Cyrus => ("APPEND to recorded over IDLE on Cyrus", "median < 30 ms"),
    };
    println!(
        "{what} ({} messages): median {}, p99 {} (goal: {goal})",
        totals.len(),
        ms(percentile(&totals, 0.5)),
        ms(percentile(&totals, 0.99))
    );
    println!(
        "  the gateway's own share, server EXISTS to commit ({} samples): median {}, p99 {} (goal: median < 10 ms)",
        own.len(),
        ms(percentile(&own, 0.5)),
        ms(percentile(&own, 0.99))
    );
}
