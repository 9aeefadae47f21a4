//! Load: 10,000 referrals spread over the fourteen inboxes, through the real
//! Postfix and Dovecot, to the daemon binary watching all fourteen over IMAP
//! and answering through Postfix. Every referral must be recorded once and
//! acknowledged once; the test prints what was recorded, acknowledged,
//! duplicated and lost, and how long it took.
//!
//! `DTR_LOAD_REFERRALS=500 cargo test --test load -- --nocapture` runs it
//! smaller; the default is 10,000.
//!
//! Each referral names its own referrer, `officer.NUMBER@justice.test`
//! (Postfix delivers all of them to the `probation` mailbox), so the hourly
//! limit per recipient stays at its default and is never what holds an
//! acknowledgement back.
//!
//! The same run with two gateways on one store, one of them killed in the
//! middle of the burst, is a test of its own (300 referrals, not ignored).

mod common;

use common::daemon::Daemon;
use common::{mail_servers, smtp_outgoing, write_config_sending, TestDb, AUTHORITIES};
use dtr_gateway::store::{Store, Table};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use tempfile::TempDir;

const DEFAULT_REFERRALS: usize = 10_000;
/// Parallel SMTP sessions into Postfix.
const SESSIONS: usize = 4;
/// Messages sent in one SMTP session before it is closed and a new one opened.
const PER_SESSION: usize = 250;
/// How long everything may take, from the first message sent.
const LIMIT: Duration = Duration::from_secs(30 * 60);
/// Give up early when nothing at all has moved for this long.
const STALLED: Duration = Duration::from_secs(180);
/// Where every acknowledgement arrives (see `scripts/mailservers.sh`).
const OFFICERS_MAILBOX: &str = "probation";
/// Every run uses all fourteen inboxes and the officers' mailbox: one at a
/// time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const FIRST_NAMES: [&str; 20] = [
    "Alex", "Billie", "Casey", "Dana", "Eden", "Frankie", "Glen", "Harper", "Indy", "Jamie", "Kit",
    "Lee", "Morgan", "Nico", "Ollie", "Pat", "Quinn", "Robin", "Sam", "Toni",
];
const SYLLABLES: [&str; 10] = ["ba", "ke", "lo", "mi", "nu", "ra", "se", "ti", "vo", "wy"];

/// One referral to send.
struct Outgoing {
    /// `<...>`, as in the header.
    message_id: String,
    referrer: String,
    to: String,
    raw: Vec<u8>,
}

fn referral_count() -> usize {
    std::env::var("DTR_LOAD_REFERRALS")
        .ok()
        .map(|v| {
            v.trim()
                .parse::<usize>()
                .unwrap_or_else(|_| panic!("DTR_LOAD_REFERRALS={v} is not a count"))
        })
        .unwrap_or(DEFAULT_REFERRALS)
}

/// A distinct surname for every `n` (its digits as syllables).
fn surname(n: usize) -> String {
    let mut s: String = format!("{n:05}")
        .bytes()
        .map(|d| SYLLABLES[usize::from(d - b'0')])
        .collect();
    s[..1].make_ascii_uppercase();
    s
}

/// A distinct, valid prison number for every `n` below 260,000.
fn prison_number(n: usize) -> String {
    let letter = char::from(b'A' + ((n / 10_000) % 26) as u8);
    format!("{letter}{:04}BC", n % 10_000)
}

/// Referral `n`: a complete form for a distinct person (prison number, name,
/// date of birth), from its own referrer, to one of the fourteen inboxes.
fn referral(run: &str, n: usize, now: chrono::DateTime<chrono::Utc>) -> Outgoing {
    let (user, _, _) = AUTHORITIES[n % AUTHORITIES.len()];
    let to = format!("{user}@lha.test");
    let referrer = format!("officer.{n:05}@justice.test");
    let message_id = format!("<load-{run}-{n}@justice.test>");
    let name = format!("{} {}", FIRST_NAMES[n % FIRST_NAMES.len()], surname(n));
    let born = chrono::NaiveDate::from_ymd_opt(1960, 1, 1).expect("date")
        + chrono::Duration::days((n % 15_000) as i64);
    let release = now.date_naive() + chrono::Duration::days(120);
    let raw = format!(
        "From: Officer {n} <{referrer}>\r\nTo: {to}\r\nSubject: Duty to Refer referral\r\n\
         Date: {date}\r\nMessage-ID: {message_id}\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         DUTY TO REFER REFERRAL\r\nReferral type: Duty to Refer\r\nFull name: {name}\r\n\
         Date of birth: {born}\r\nPrison number: {prison}\r\nCustody status: sentenced\r\n\
         Expected release date: {release}\r\nConsent to referral: Yes\r\n\
         Reason at risk of homelessness: No address on release\r\n\
         Local connection: resident\r\nReferring agency: HMP Test\r\n\
         Referrer name: Officer {n}\r\nReferrer email: {referrer}\r\n\
         Referrer phone: 01632 960000\r\n",
        date = now.to_rfc2822(),
        born = born.format("%d/%m/%Y"),
        prison = prison_number(n),
        release = release.format("%d/%m/%Y"),
    );
    Outgoing {
        message_id,
        referrer,
        to,
        raw: raw.into_bytes(),
    }
}

/// One SMTP session into Postfix delivering every message given, one
/// transaction each.
fn smtp_session(port: u16, batch: &[Outgoing]) -> std::io::Result<()> {
    let stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = std::io::BufWriter::new(stream);
    let expect = |code: &str, reader: &mut BufReader<TcpStream>| -> std::io::Result<()> {
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Err(std::io::Error::other(format!(
                    "SMTP: connection closed, expected {code}"
                )));
            }
            if !line.starts_with(code) {
                return Err(std::io::Error::other(format!(
                    "SMTP: expected {code}, got {}",
                    line.trim_end()
                )));
            }
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(());
            }
        }
    };
    let command = |writer: &mut std::io::BufWriter<TcpStream>,
                   reader: &mut BufReader<TcpStream>,
                   line: &str,
                   code: &str|
     -> std::io::Result<()> {
        write!(writer, "{line}\r\n")?;
        writer.flush()?;
        expect(code, reader)
    };
    expect("220", &mut reader)?;
    command(&mut writer, &mut reader, "EHLO load.invalid", "250")?;
    for message in batch {
        command(
            &mut writer,
            &mut reader,
            &format!("MAIL FROM:<{}>", message.referrer),
            "250",
        )?;
        command(
            &mut writer,
            &mut reader,
            &format!("RCPT TO:<{}>", message.to),
            "250",
        )?;
        command(&mut writer, &mut reader, "DATA", "354")?;
        let text = String::from_utf8_lossy(&message.raw).replace("\r\n", "\n");
        for line in text.trim_end_matches('\n').split('\n') {
            if line.starts_with('.') {
                writer.write_all(b".")?;
            }
            writer.write_all(line.as_bytes())?;
            writer.write_all(b"\r\n")?;
        }
        command(&mut writer, &mut reader, ".", "250")?;
    }
    command(&mut writer, &mut reader, "QUIT", "221")
}

/// Sends every referral through Postfix from `SESSIONS` threads, each
/// taking batches of `PER_SESSION` in turn.
fn send_all(port: u16, referrals: &[Outgoing]) {
    let batches: Vec<&[Outgoing]> = referrals.chunks(PER_SESSION).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..SESSIONS {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(batch) = batches.get(i) else {
                    return;
                };
                if let Err(e) = smtp_session(port, batch) {
                    panic!("sending batch {i} through Postfix: {e}");
                }
            });
        }
    });
}

async fn scalar(store: &Store, sql: &'static str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(store.pool())
        .await
        .unwrap_or(-1)
}

/// What has happened so far, cheaply (polled every second while the
/// daemon works).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Progress {
    recorded: i64,
    acks_sent: i64,
    delivered: usize,
}

/// `run` is this run's Message-ID prefix: mail left over from an earlier
/// run is not counted.
async fn progress(store: &Store, run: &str, before: Progress) -> Progress {
    Progress {
        recorded: sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM messages WHERE kind = 'referral' AND message_id LIKE $1",
        )
        .bind(format!("<load-{run}-%"))
        .fetch_one(store.pool())
        .await
        .unwrap_or(-1),
        acks_sent: scalar(
            store,
            "SELECT COUNT(*) FROM outbox WHERE purpose = 'acknowledgement' AND status = 'sent'",
        )
        .await,
        delivered: officers_count().unwrap_or(before.delivered),
    }
}

/// Every acknowledgement that reached the officers' mailbox: its
/// `In-Reply-To`, `To` and `Subject`, read in one `doveadm fetch`.
/// Runs doveadm; an error instead of a panic, so that a moment when Dovecot
/// is restarted (by another test starting the servers) does not end the run.
fn doveadm(args: &[&str]) -> Result<String, String> {
    let mut words = mail_servers().get("DTR_DOVEADM").split_whitespace();
    let program = words.next().ok_or("no doveadm")?;
    let out = std::process::Command::new(program)
        .args(words)
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "doveadm {args:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).to_string())
}

/// How many messages the officers' mailbox holds.
fn officers_count() -> Option<usize> {
    doveadm(&[
        "mailbox",
        "status",
        "-u",
        OFFICERS_MAILBOX,
        "messages",
        "INBOX",
    ])
    .ok()?
    .split_whitespace()
    .find_map(|w| w.strip_prefix("messages="))?
    .parse()
    .ok()
}

fn delivered_acknowledgements() -> Result<Vec<(String, String, String)>, String> {
    let out = doveadm(&[
        "-f",
        "tab",
        "fetch",
        "-u",
        OFFICERS_MAILBOX,
        "hdr.in-reply-to hdr.to hdr.subject",
        "mailbox",
        "INBOX",
        "all",
    ])?;
    Ok(out
        .lines()
        .skip(1) // the column names
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut fields = l.split('\t').map(|f| f.trim().to_string());
            let mut field = || fields.next().unwrap_or_default();
            (field(), field(), field())
        })
        .collect())
}

/// The case reference at the start of a subject such as `[DTR-COL-2026-00042] ...`.
fn subject_reference(subject: &str) -> Option<&str> {
    subject.strip_prefix('[')?.split(']').next()
}

fn secs(d: Option<Duration>) -> String {
    d.map_or_else(
        || "not reached".to_string(),
        |d| format!("{:.1} s", d.as_secs_f64()),
    )
}

fn rate(count: usize, d: Option<Duration>) -> String {
    d.map_or_else(
        || "-".to_string(),
        |d| format!("{:.1}/s", count as f64 / d.as_secs_f64().max(0.001)),
    )
}

// About 25 minutes on the reference machine: run it on purpose, with
// `cargo test --test load -- --ignored --nocapture`.
#[ignore = "25 minutes; run with --ignored"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_referrals_over_fourteen_mailboxes_are_recorded_and_acknowledged_once() {
    let figures = run_load(referral_count(), 1, false, TestDb::Sqlite).await;
    assert_eq!(figures.recorded, figures.total, "every referral recorded");
    assert_eq!(
        figures.acknowledged, figures.total,
        "every referral acknowledged"
    );
    assert_eq!(
        figures.duplicated(),
        0,
        "nothing recorded or acknowledged twice"
    );
    assert_eq!(figures.lost, 0, "nothing lost");
    assert_eq!(figures.cases, figures.total, "a case for every referral");
}

/// The sender alone, through the same Postfix: `DTR_LOAD_REFERRALS`
/// referrals (10,000 by default) already recorded with `dtr-gateway
/// ingest`, as when the relay was down while they came in, then the
/// daemon started. It prints how fast their acknowledgements leave (the
/// store marks them sent once Postfix has taken them) and arrive in the
/// officers' mailbox, from the daemon's start. Every one must arrive once.
/// The notices to the authorities (one per referral) go out after them.
#[ignore = "a few minutes; run with --ignored"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_of_acknowledgements_leaves_through_postfix_once_each() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let total = referral_count();
    let servers = mail_servers();
    let users: Vec<&str> = AUTHORITIES.iter().map(|(u, _, _)| *u).collect();
    for user in &users {
        servers.reset(user);
    }
    servers.reset(OFFICERS_MAILBOX);

    let dir = TempDir::new().expect("temp dir");
    let database = TestDb::Sqlite.new_store_url(dir.path());
    let store = Store::open(&database).await.expect("store");
    let folder = dir.path().join("gateway");
    std::fs::create_dir_all(&folder).expect("config folder");
    let outgoing = smtp_outgoing(5);
    let config_dir = write_config_sending(&folder, &database, &users, "", Some(&outgoing));

    // Recorded as if read from each inbox while nothing could be sent.
    let now = chrono::Utc::now();
    let run = format!("{:x}", now.timestamp_micros());
    let referrals: Vec<Outgoing> = (0..total).map(|n| referral(&run, n, now)).collect();
    let ids: HashSet<String> = referrals.iter().map(|r| r.message_id.clone()).collect();
    let recording = Instant::now();
    for user in &users {
        let inbox = dir.path().join("backlog").join(user);
        std::fs::create_dir_all(&inbox).expect("backlog folder");
        let files: Vec<std::path::PathBuf> = referrals
            .iter()
            .enumerate()
            .filter(|(_, r)| r.to == format!("{user}@lha.test"))
            .map(|(n, r)| {
                let path = inbox.join(format!("{n}.eml"));
                std::fs::write(&path, &r.raw).expect("write referral");
                path
            })
            .collect();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dtr-gateway"))
            .args(["ingest", "--config"])
            .arg(&config_dir)
            .args(["--mailbox", user])
            .args(&files)
            .env_remove("DTR_CONFIG")
            .env_remove("DTR_DATABASE_URL")
            .output()
            .expect("dtr-gateway ingest");
        assert!(
            out.status.success(),
            "ingest into {user}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let recorded = scalar(
        &store,
        "SELECT COUNT(*) FROM outbox WHERE purpose = 'acknowledgement' AND status = 'queued'",
    )
    .await;
    assert_eq!(
        recorded, total as i64,
        "every referral waits for its acknowledgement"
    );
    eprintln!(
        "load: {total} referrals recorded with `ingest` in {:.1} s; starting the daemon",
        recording.elapsed().as_secs_f64()
    );

    let log_path = dir.path().join("daemon.log");
    let mut daemon = Daemon::spawn(Daemon::command(&config_dir), log_path.clone());
    let started = Instant::now();
    let (mut sent_at, mut delivered_at) = (None, None);
    let mut last = (0, 0);
    let mut last_change = Instant::now();
    while started.elapsed() < LIMIT && delivered_at.is_none() {
        let sent = scalar(
            &store,
            "SELECT COUNT(*) FROM outbox WHERE purpose = 'acknowledgement' AND status = 'sent'",
        )
        .await;
        if sent_at.is_none() && sent >= total as i64 {
            sent_at = Some(started.elapsed());
        }
        let delivered = officers_count().unwrap_or(last.1);
        if delivered >= total {
            let answered: HashSet<String> = delivered_acknowledgements()
                .unwrap_or_default()
                .into_iter()
                .map(|(in_reply_to, _, _)| in_reply_to)
                .filter(|id| ids.contains(id))
                .collect();
            if answered.len() >= total {
                delivered_at = Some(started.elapsed());
            }
        }
        if (sent, delivered) != last {
            last = (sent, delivered);
            last_change = Instant::now();
        }
        if last_change.elapsed() > STALLED {
            eprintln!("load: nothing moved for {} s; giving up", STALLED.as_secs());
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Anything sent twice would arrive a little later than the rest.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let stopped = daemon.stop();

    let mut per_referral: HashMap<String, usize> = HashMap::new();
    for (in_reply_to, _, _) in delivered_acknowledgements().expect("the officers' mailbox") {
        if ids.contains(&in_reply_to) {
            *per_referral.entry(in_reply_to).or_default() += 1;
        }
    }
    let acknowledged = per_referral.len();
    let twice: usize = per_referral.values().map(|n| n - 1).sum();
    eprintln!();
    eprintln!(
        "load: a backlog of {total} acknowledgements, the daemon started after they were recorded"
    );
    let rows: [(&str, String); 6] = [
        (
            "acknowledged, delivered (goal: all)",
            acknowledged.to_string(),
        ),
        ("acknowledged twice (goal: 0)", twice.to_string()),
        ("time to send all (taken by Postfix)", secs(sent_at)),
        (
            "time to deliver all to the officers' mailbox",
            secs(delivered_at),
        ),
        ("sent, acknowledgements/s", rate(total, sent_at)),
        ("delivered, acknowledgements/s", rate(total, delivered_at)),
    ];
    for (what, figure) in rows {
        eprintln!("  {what:<54} {figure:>12}");
    }
    eprintln!("  daemon stopped: {stopped}");
    if acknowledged != total || twice != 0 {
        let kept = dir.keep();
        eprintln!("  kept the daemon's log and database in {}", kept.display());
    }
    assert_eq!(acknowledged, total, "every referral acknowledged");
    assert_eq!(twice, 0, "no referral acknowledged twice");
}

/// Two gateways on one store watch the same fourteen inboxes; the first is
/// killed (SIGKILL) once half the burst is recorded. The second records the
/// rest, and sends what the first had claimed once that claim runs out.
/// Nothing is recorded twice and no person gets two cases. A mail the
/// killed gateway had handed to Postfix but not yet marked sent goes again:
/// at most the mails it had in flight, and the run prints how many.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_gateways_on_one_store_one_killed_mid_burst() {
    two_gateways_one_killed(300, TestDb::Sqlite).await;
}

/// The same on PostgreSQL, where several gateways on one store belong: two
/// daemon processes, 500 referrals, the first killed halfway.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_gateways_on_postgres_one_killed_mid_burst() {
    two_gateways_one_killed(500, TestDb::Postgres).await;
}

async fn two_gateways_one_killed(total: usize, db: TestDb) {
    let figures = run_load(total, 2, true, db).await;
    assert_eq!(figures.recorded, figures.total, "every referral recorded");
    assert_eq!(figures.cases, figures.total, "a case for every referral");
    assert_eq!(
        figures.recorded_twice + figures.person_twice + figures.sharing_a_case,
        0,
        "nothing recorded twice, no person with two cases"
    );
    assert_eq!(
        figures.acknowledged, figures.total,
        "every referral acknowledged"
    );
    assert_eq!(figures.lost, 0, "nothing lost");
    assert!(
        figures.acked_twice <= 4,
        "at most the four mails in flight at the kill go twice: {}",
        figures.acked_twice
    );
}

/// What one run counted.
struct Figures {
    total: usize,
    recorded: usize,
    cases: usize,
    acknowledged: usize,
    recorded_twice: usize,
    person_twice: usize,
    sharing_a_case: usize,
    acked_twice: usize,
    lost: usize,
}

impl Figures {
    fn duplicated(&self) -> usize {
        self.recorded_twice + self.person_twice + self.sharing_a_case + self.acked_twice
    }
}

/// Sends `total` referrals through Postfix to the fourteen inboxes, watched
/// by `gateways` daemons sharing one store on `db` (each its own instance name);
/// with `kill_first`, the first is killed once half are recorded. Prints
/// the figures and returns them.
async fn run_load(total: usize, gateways: usize, kill_first: bool, db: TestDb) -> Figures {
    let _turn = ONE_AT_A_TIME.lock().await;
    let servers = mail_servers();
    let users: Vec<&str> = AUTHORITIES.iter().map(|(u, _, _)| *u).collect();
    for user in &users {
        servers.reset(user);
    }
    servers.reset(OFFICERS_MAILBOX);

    let dir = TempDir::new().expect("temp dir");
    let database = db.new_store_url(dir.path());
    let store = Store::open(&database).await.expect("store");
    let mut daemons = Vec::new();
    let mut log_paths = Vec::new();
    for n in 0..gateways {
        let folder = dir.path().join(format!("gateway-{n}"));
        std::fs::create_dir_all(&folder).expect("config folder");
        // The default hourly limit per recipient: every referral has its own
        // referrer, so no acknowledgement is held back by it. A short claim,
        // so that a dead gateway's mail passes to the other within the run.
        let outgoing = format!("claim_seconds = 60\n{}", smtp_outgoing(5));
        let config_dir = write_config_sending(&folder, &database, &users, "", Some(&outgoing));
        let gateway_toml = config_dir.join("gateway.toml");
        let text = std::fs::read_to_string(&gateway_toml).expect("gateway.toml");
        std::fs::write(
            &gateway_toml,
            text.replacen(
                "[gateway]\n",
                &format!("[gateway]\ninstance = \"gateway-{n}\"\n"),
                1,
            ),
        )
        .expect("gateway.toml");
        let log_path = dir.path().join(format!("daemon-{n}.log"));
        let mut command = Daemon::command(&config_dir);
        // The store the run was given, as the configuration was written for.
        if let Ok(url) = std::env::var("DTR_DATABASE_URL") {
            command.env("DTR_DATABASE_URL", url);
        }
        daemons.push(Daemon::spawn(command, log_path.clone()));
        log_paths.push(log_path);
    }
    let logs = || {
        log_paths
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let watching = common::wait_until(Duration::from_secs(60), || async {
        scalar(
            &store,
            "SELECT COUNT(*) FROM mailbox_status WHERE folder = 'INBOX' AND state = 'idle'",
        )
        .await
            == users.len() as i64
    })
    .await;
    assert!(
        watching.is_some(),
        "all fourteen mailboxes are watched; daemon logs:\n{}",
        logs()
    );
    if gateways > 1 {
        // Both watch every inbox before the burst, not only the first.
        tokio::time::sleep(Duration::from_secs(3)).await;
    }

    let now = chrono::Utc::now();
    let run = format!("{:x}", now.timestamp_micros());
    let referrals: Vec<Outgoing> = (0..total).map(|n| referral(&run, n, now)).collect();
    let ids: HashSet<String> = referrals.iter().map(|r| r.message_id.clone()).collect();
    let port = servers.port("DTR_SMTP_PORT");

    let started = Instant::now();
    let sender = tokio::task::spawn_blocking(move || {
        send_all(port, &referrals);
        referrals
    });
    let (mut sent_at, mut recorded_at, mut sent_acks_at, mut acked_at) = (None, None, None, None);
    let mut last = Progress {
        recorded: 0,
        acks_sent: 0,
        delivered: 0,
    };
    let mut last_change = Instant::now();
    let mut sender = Some(sender);
    let mut referrals = Vec::new();
    let mut minute = 1;
    let mut killed = false;
    while started.elapsed() < LIMIT {
        if sender.as_ref().is_some_and(|t| t.is_finished()) {
            referrals = sender.take().expect("sender").await.expect("all sent");
            sent_at = Some(started.elapsed());
        }
        let now = progress(&store, &run, last).await;
        if kill_first && !killed && now.recorded * 2 >= total as i64 {
            daemons[0].kill();
            killed = true;
            eprintln!(
                "load: the first gateway killed with {} recorded",
                now.recorded
            );
        }
        if recorded_at.is_none() && now.recorded >= total as i64 {
            recorded_at = Some(started.elapsed());
        }
        if sent_acks_at.is_none() && now.acks_sent >= total as i64 {
            sent_acks_at = Some(started.elapsed());
        }
        // The mailbox's count is cheap; when it is high enough, make sure
        // that each of this run's referrals has its answer.
        if acked_at.is_none() && now.delivered >= total {
            let answered: HashSet<String> = delivered_acknowledgements()
                .unwrap_or_default()
                .into_iter()
                .map(|(in_reply_to, _, _)| in_reply_to)
                .filter(|id| ids.contains(id))
                .collect();
            if answered.len() >= total {
                acked_at = Some(started.elapsed());
            }
        }
        if now != last {
            last = now;
            last_change = Instant::now();
        }
        if started.elapsed() >= Duration::from_secs(60 * minute) {
            eprintln!(
                "load: after {minute} min: {} recorded, {} acknowledgements sent, {} delivered",
                now.recorded, now.acks_sent, now.delivered
            );
            minute += 1;
        }
        if sender.is_none() && acked_at.is_some() && recorded_at.is_some() {
            break;
        }
        if last_change.elapsed() > STALLED && sender.is_none() {
            eprintln!("load: nothing moved for {} s; giving up", STALLED.as_secs());
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    if let Some(task) = sender.take() {
        task.abort();
        panic!("the referrals were not all sent through Postfix within {LIMIT:?}");
    }
    // Anything sent twice would arrive a little later than the rest.
    tokio::time::sleep(Duration::from_secs(3)).await;

    // What the store holds.
    let sent_ids: HashMap<&str, &Outgoing> = referrals
        .iter()
        .map(|r| (r.message_id.as_str(), r))
        .collect();
    let rows: Vec<(Option<String>, Option<i64>)> =
        sqlx::query_as("SELECT message_id, case_id FROM messages WHERE kind = 'referral'")
            .fetch_all(store.pool())
            .await
            .expect("referral messages");
    let mut recorded_ids: HashMap<String, usize> = HashMap::new();
    let mut case_of: HashMap<String, Option<i64>> = HashMap::new();
    for (id, case) in &rows {
        let id = id.clone().unwrap_or_default();
        *recorded_ids.entry(id.clone()).or_default() += 1;
        case_of.insert(id, *case);
    }
    let recorded = sent_ids
        .keys()
        .filter(|id| recorded_ids.contains_key(**id))
        .count();
    let recorded_twice: usize = recorded_ids
        .iter()
        .filter(|(id, _)| sent_ids.contains_key(id.as_str()))
        .map(|(_, n)| n - 1)
        .sum();
    let strangers = recorded_ids
        .keys()
        .filter(|id| !sent_ids.contains_key(id.as_str()))
        .count();
    // The cases of this run's referrals (another test may have sent one of
    // its own to a watched inbox meanwhile: those are counted apart).
    let all_cases = store.count(Table::Cases).await.expect("cases");
    let ours: Vec<i64> = case_of
        .iter()
        .filter(|(id, _)| sent_ids.contains_key(id.as_str()))
        .filter_map(|(_, case)| *case)
        .collect();
    let our_cases: HashSet<i64> = ours.iter().copied().collect();
    let cases = our_cases.len();
    let sharing_a_case = ours.len() - cases;
    let people: Vec<(i64, Option<String>)> = sqlx::query_as("SELECT id, prison_number FROM cases")
        .fetch_all(store.pool())
        .await
        .expect("cases");
    let mut cases_per_person: HashMap<String, usize> = HashMap::new();
    for (id, prison_number) in people {
        if our_cases.contains(&id) {
            *cases_per_person
                .entry(prison_number.unwrap_or_default())
                .or_default() += 1;
        }
    }
    let person_twice: usize = cases_per_person.values().map(|n| n - 1).sum();
    let outbox: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT purpose, status, COUNT(*) FROM outbox GROUP BY purpose, status")
            .fetch_all(store.pool())
            .await
            .expect("outbox");

    // What reached the officers.
    let delivered = delivered_acknowledgements().expect("the officers' mailbox");
    let mut acks_per_referral: HashMap<&str, usize> = HashMap::new();
    let mut acks_per_case: HashMap<&str, usize> = HashMap::new();
    let mut misaddressed = 0;
    let mut unknown = 0;
    for (in_reply_to, to, subject) in &delivered {
        match sent_ids.get_key_value(in_reply_to.as_str()) {
            Some((id, referral)) => {
                *acks_per_referral.entry(id).or_default() += 1;
                if !to.contains(&referral.referrer) {
                    misaddressed += 1;
                }
            }
            None => unknown += 1,
        }
        if let Some(reference) = subject_reference(subject) {
            *acks_per_case.entry(reference).or_default() += 1;
        }
    }
    let acknowledged = acks_per_referral.len();
    let acked_twice: usize = acks_per_referral.values().map(|n| n - 1).sum();
    let case_acked_twice: usize = acks_per_case.values().map(|n| n - 1).sum();
    let duplicated = recorded_twice + person_twice + sharing_a_case + acked_twice;
    let lost = sent_ids
        .keys()
        .filter(|id| !recorded_ids.contains_key(**id) || !acks_per_referral.contains_key(*id))
        .count();

    let stopped = tokio::task::spawn_blocking(move || {
        daemons
            .iter_mut()
            .filter(|d| d.running())
            .map(|d| d.stop())
            .collect::<Vec<_>>()
    })
    .await
    .expect("wait");
    let daemon_log = logs();
    let errors: Vec<&str> = daemon_log
        .lines()
        .filter(|l| l.contains("ERROR") || l.contains("WARN"))
        .collect();

    eprintln!();
    eprintln!(
        "load: {total} referrals over {} mailboxes, {SESSIONS} SMTP sessions at a time, \
         {gateways} gateway(s) on one store{}",
        users.len(),
        if killed {
            ", the first killed mid-burst"
        } else {
            ""
        }
    );
    let rows: [(&str, String); 13] = [
        ("sent through Postfix", total.to_string()),
        ("recorded (goal: all)", recorded.to_string()),
        ("cases opened", cases.to_string()),
        (
            "acknowledged, delivered (goal: all)",
            acknowledged.to_string(),
        ),
        (
            "duplicated, recorded or acknowledged twice (goal: 0)",
            duplicated.to_string(),
        ),
        (
            "lost, not recorded or not acknowledged (goal: 0)",
            lost.to_string(),
        ),
        ("time to send all", secs(sent_at)),
        ("time to record all", secs(recorded_at)),
        ("time to send all acknowledgements", secs(sent_acks_at)),
        ("time to deliver all acknowledgements", secs(acked_at)),
        ("sent, referrals/s", rate(total, sent_at)),
        ("recorded, referrals/s", rate(total, recorded_at)),
        ("acknowledged, referrals/s", rate(total, acked_at)),
    ];
    for (what, figure) in rows {
        eprintln!("  {what:<54} {figure:>12}");
    }
    eprintln!(
        "  details: {recorded_twice} recorded twice, {person_twice} people with two cases, \
         {sharing_a_case} referrals sharing a case, {acked_twice} acknowledged twice \
         ({case_acked_twice} by case reference), {misaddressed} to the wrong officer, \
         {unknown} answering no referral of this run; {strangers} referral(s) from elsewhere \
         recorded meanwhile, {all_cases} cases in all"
    );
    eprintln!("  outbox (purpose, status, count): {outbox:?}");
    eprintln!(
        "  daemons stopped: {}; {} warning/error lines in their logs",
        stopped
            .iter()
            .map(|status| status.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        errors.len()
    );
    for line in errors.iter().take(20) {
        eprintln!("    {line}");
    }
    if recorded != total || acknowledged != total || duplicated != 0 || lost != 0 {
        let kept = dir.keep();
        eprintln!(
            "  kept the daemon's log and database in {} for a look",
            kept.display()
        );
        let queue = std::process::Command::new("postqueue")
            .args([
                "-c",
                &format!("{}/postfix", servers.get("DTR_MAIL_DIR")),
                "-p",
            ])
            .output()
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .last()
                    .unwrap_or("")
                    .to_string()
            })
            .unwrap_or_default();
        eprintln!("  Postfix queue: {queue}");
    }

    Figures {
        total,
        recorded,
        cases,
        acknowledged,
        recorded_twice,
        person_twice,
        sharing_a_case,
        acked_twice,
        lost,
    }
}
