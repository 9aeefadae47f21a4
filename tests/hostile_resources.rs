//! Hostile input aimed at the gateway's resources and at the people who
//! read its output: slow HTTP clients holding connections open, a
//! References header of millions of Message-IDs, header lines longer than
//! mail may have, several From headers, terminal escape sequences in mail
//! fields, secrets in database URLs, addresses in logs, attachment names of
//! refusals, template overrides that are links or do not compile, and
//! allow-lists that match no real sender. Each test starts from the attack
//! and checks what an operator or a recipient would see: the real daemon
//! and CLI binary, real SQLite files, the real sender writing real mail,
//! and for the relay's refusal the test Postfix of `scripts/mailservers.sh`.

mod common;

use common::{free_port, wait_for};

use common::daemon::Daemon;
use common::folder::GatewayFolder;
use common::{ingest_into, mail_servers, referral, smtp_outgoing, TestDb};
use dtr_gateway::config::Config;
use dtr_gateway::store::{Action, Store};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_dtr-gateway");

// ------------------------------------------------------------------ set-up

/// One test's configuration folder, SQLite file, Maildir (Braintree's
/// inbox) and outbox folder.
/// `dtr-gateway run` with at most `max_files` open files, as a service
/// manager sets it.
fn daemon_with_open_files(setup: &GatewayFolder, max_files: u64) -> Daemon {
    use std::os::unix::process::CommandExt;
    let mut command = Daemon::command(setup.path());
    // SAFETY: only setrlimit, which is async-signal-safe, runs between
    // fork and exec.
    unsafe {
        command.pre_exec(move || {
            let limits = libc::rlimit {
                rlim_cur: max_files,
                rlim_max: max_files,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limits) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    Daemon::spawn(command, setup.path().join("daemon.log"))
}

/// The files the daemon holds open now.
fn open_files(daemon: &Daemon) -> usize {
    std::fs::read_dir(format!("/proc/{}/fd", daemon.id()))
        .map(|entries| entries.count())
        .unwrap_or(0)
}

/// `GET path` as HTTP/1.0: the status code, or None when nothing answers.
fn get(port: u16, path: &str) -> Option<u16> {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(2)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split_whitespace().nth(1)?.parse().ok()
}

/// The messages recorded in the store: (Message-ID, case reference).
async fn recorded(store: &Store) -> Vec<(Option<String>, Option<String>)> {
    sqlx::query_as(
        "SELECT m.message_id, c.reference FROM messages m LEFT JOIN cases c ON c.id = m.case_id \
         ORDER BY m.id",
    )
    .fetch_all(store.pool())
    .await
    .expect("messages")
}

/// Raises this process's limit of open files to `wanted` if the hard limit
/// allows; whether it now is at least that.
fn allow_open_files(wanted: u64) -> bool {
    let mut limits = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit on this process, with a valid struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limits) != 0 {
            return false;
        }
        if limits.rlim_cur >= wanted {
            return true;
        }
        if limits.rlim_max < wanted {
            return false;
        }
        limits.rlim_cur = wanted;
        libc::setrlimit(libc::RLIMIT_NOFILE, &limits) == 0
    }
}

// ------------------------------------------------------ the HTTP listener

/// The attack: 1,100 connections to the HTTP listener that send half a
/// request and then nothing, against a daemon allowed 1,024 open files (a
/// common default). Without a limit they took every descriptor and each
/// mailbox failed with "Too many open files". Now the daemon holds a bounded
/// number of them, /health still answers while they are held, a referral
/// dropped into the Maildir is recorded, and every slow connection is closed
/// by the daemon (the oldest to make room, the rest after the header
/// timeout).
#[test]
fn slow_http_clients_cannot_take_the_daemons_files() {
    const SLOW: usize = 1100;
    if !allow_open_files(SLOW as u64 + 200) {
        eprintln!("SKIPPED: this process may not open {SLOW} connections (RLIMIT_NOFILE)");
        return;
    }
    let setup = GatewayFolder::new();
    let port = free_port();
    setup.write_config(
        &setup.files(),
        &format!(
            "{}\n[http]\nlisten = \"127.0.0.1:{port}\"\n",
            setup.maildir_mailbox()
        ),
    );
    let daemon = daemon_with_open_files(&setup, 1024);
    assert!(
        wait_for(Duration::from_secs(30), || (get(port, "/health")
            == Some(200))
        .then_some(()))
        .is_some(),
        "/health does not answer\n{}",
        daemon.tail()
    );

    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let mut slow: Vec<TcpStream> = (0..SLOW)
        .map(|_| {
            let mut stream = TcpStream::connect(address).expect("connect");
            stream
                .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Never-Ends: ")
                .expect("half a request");
            stream
        })
        .collect();

    // While they are held: /health answers, and the daemon holds a bounded
    // number of files.
    assert_eq!(
        get(port, "/health"),
        Some(200),
        "/health while {SLOW} slow connections are open\n{}",
        daemon.tail()
    );
    let open = open_files(&daemon);
    println!("the daemon holds {open} open files with {SLOW} slow connections made");
    assert!(
        open < 64 + 100,
        "{open} open files: the slow connections were kept"
    );

    // The mailbox still works.
    setup.deliver(
        "1.referral",
        &referral("slow-http-1@justice.test", 1, "braintree@lha.test"),
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let store = runtime.block_on(setup.store());
    let case = wait_for(Duration::from_secs(30), || {
        runtime
            .block_on(recorded(&store))
            .into_iter()
            .find_map(|(_, case)| case)
    });
    assert!(
        case.as_deref().is_some_and(|c| c.starts_with("DTR-BRA-")),
        "the referral is not recorded while the slow connections are held: {case:?}\n{}",
        daemon.tail()
    );
    assert!(
        !daemon.log().contains("Too many open files"),
        "{}",
        daemon.tail()
    );

    // Every slow connection is closed by the daemon, none left hanging.
    let started = Instant::now();
    for (i, stream) in slow.iter_mut().enumerate() {
        let left = Duration::from_secs(60).saturating_sub(started.elapsed());
        stream
            .set_read_timeout(Some(left.max(Duration::from_millis(10))))
            .expect("timeout");
        let mut buffer = [0u8; 256];
        match stream.read(&mut buffer) {
            Ok(0) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            other => panic!("slow connection {i} not closed by the daemon: {other:?}"),
        }
    }
    println!(
        "all {SLOW} slow connections closed within {:?}",
        started.elapsed()
    );
    assert_eq!(get(port, "/health"), Some(200));
}

// ------------------------------------------------- a thread of millions

/// The embedded configuration (the Essex authorities), answering mail
/// whenever it was received, with the test referrers' domain allowed and
/// mail written as files into `outbox` when given.
fn embedded_config_into(outbox: Option<&Path>) -> Config {
    let (mut config, _) = Config::embedded().expect("embedded config");
    config.answer_max_age = chrono::Duration::days(36_500);
    config.outgoing.max_per_recipient_per_hour = 1000;
    config
        .allowed_domains
        .push(dtr_gateway::core::address::DomainPattern::parse("justice.test").expect("a domain"));
    if let Some(folder) = outbox {
        config.outgoing.transport = dtr_gateway::config::Transport::Files(folder.to_path_buf());
    }
    config
}

fn embedded_config() -> Config {
    embedded_config_into(None)
}

/// A message answering a thread whose References header holds `n`
/// Message-IDs (short ones, so that two million stay under the size
/// limit), folded as mail programs fold it.
fn huge_references(message_id: &str, n: usize) -> Vec<u8> {
    use std::fmt::Write as _;
    let mut raw = String::with_capacity(n * 12 + 1024);
    raw.push_str(&format!(
        "From: Someone <someone@justice.test>\r\nTo: braintree@lha.test\r\n\
         Subject: Re: our conversation\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\
         Message-ID: <{message_id}>\r\nIn-Reply-To: <{:x}@a>\r\nReferences:",
        n - 1
    ));
    for i in 0..n {
        let _ = write!(raw, " <{i:x}@a>");
        if i % 80 == 79 {
            raw.push_str("\r\n");
        }
    }
    raw.push_str(
        "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThank you.\r\n",
    );
    raw.into_bytes()
}

/// The attack: a message whose References header names 2,000,000
/// Message-IDs, under the size limit. Looking each up in the store took
/// minutes and held up every later message of its mailbox. Now it is
/// recorded, and the referral delivered right after it into the same
/// Maildir is recorded too.
#[test]
fn a_references_header_of_two_million_ids_does_not_stall_its_mailbox() {
    let setup = GatewayFolder::new();
    setup.write_config(&setup.files(), &setup.maildir_mailbox());
    let huge = huge_references("huge-thread@justice.test", 2_000_000);
    assert!(huge.len() < 25 * 1024 * 1024, "{} bytes", huge.len());
    let daemon = Daemon::start(setup.path());
    setup.deliver("1.huge", &huge);
    drop(huge);
    setup.deliver(
        "2.referral",
        &referral("after-huge-1@justice.test", 1, "braintree@lha.test"),
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let store = runtime.block_on(setup.store());
    // Not a measure of speed (the benchmarks are): the bound any test
    // has, which one lookup per Message-ID (minutes) did not keep.
    let both = wait_for(Duration::from_secs(60), || {
        let rows = runtime.block_on(recorded(&store));
        (rows.len() == 2).then_some(rows)
    })
    .unwrap_or_else(|| panic!("not both recorded within a minute\n{}", daemon.tail()));
    assert_eq!(
        both[0].0.as_deref(),
        Some("<huge-thread@justice.test>"),
        "{both:?}"
    );
    assert_eq!(both[1].0.as_deref(), Some("<after-huge-1@justice.test>"));
    assert!(
        both[1]
            .1
            .as_deref()
            .is_some_and(|c| c.starts_with("DTR-BRA-")),
        "the referral after it opens a case: {both:?}"
    );
}

/// What is kept of a long thread: the most recent References, oldest
/// first, then the In-Reply-To, fifty in all.
#[test]
fn a_long_thread_keeps_its_latest_message_ids() {
    let (config, _) = Config::embedded().expect("embedded config");
    let raw = huge_references("long-thread@justice.test", 1000);
    let analysis = dtr_gateway::message::analyse(
        &raw,
        &dtr_gateway::message::Context {
            authorities: &config.authorities,
            receiving_authority: None,
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"),
            max_bytes: config.max_message_bytes,
        },
    );
    let mut expected: Vec<String> = (951..1000).map(|i| format!("<{i:x}@a>")).collect();
    expected.push("<3e7@a>".to_string());
    assert_eq!(analysis.thread_ids, expected);
}

/// Of a thread's Message-IDs, the last the store knows names the case,
/// whether it is a message the gateway recorded or a mail it sent; only
/// the last fifty are looked at.
async fn the_last_known_message_of_a_thread_names_its_case(db: TestDb) {
    let dir = TempDir::new().expect("temp dir");
    let store = Store::open(&db.new_store_url(dir.path()))
        .await
        .expect("store");
    let config = embedded_config();
    let at = chrono::Utc::now();
    let mut cases = Vec::new();
    for n in 1..=2 {
        let raw = referral(
            &format!("thread-{n}@justice.test"),
            n,
            "housing.solutions@basildon.gov.uk",
        );
        let recorded = ingest_into(&store, &config, "basildon", &raw, at).await;
        assert_eq!(recorded.action, Action::Opened);
        cases.push(recorded.case.expect("a case").to_string());
    }
    let sent: String = sqlx::query_scalar(
        "SELECT o.message_id FROM outbox o JOIN cases c ON c.id = o.case_id \
         WHERE c.reference = $1 ORDER BY o.id LIMIT 1",
    )
    .bind(&cases[0])
    .fetch_one(store.pool())
    .await
    .expect("a mail of the first case");
    let ids = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let case_of = |list: Vec<String>| {
        let store = store.clone();
        async move {
            store
                .case_of_thread(&list)
                .await
                .expect("lookup")
                .map(|c| c.to_string())
        }
    };
    let (first, second) = ("<thread-1@justice.test>", "<thread-2@justice.test>");
    assert_eq!(
        case_of(ids(&[first, second, "<unknown@x>"]))
            .await
            .as_deref(),
        Some(cases[1].as_str())
    );
    assert_eq!(
        case_of(ids(&[second, first])).await.as_deref(),
        Some(cases[0].as_str())
    );
    assert_eq!(
        case_of(ids(&[second, &sent, "<unknown@x>"]))
            .await
            .as_deref(),
        Some(cases[0].as_str()),
        "a mail the gateway sent"
    );
    assert_eq!(case_of(ids(&["<unknown@x>"])).await, None);
    assert_eq!(case_of(Vec::new()).await, None);
    // Fifty unknown ones after a known one: not looked that far back.
    let mut long = ids(&[first]);
    long.extend((0..50).map(|i| format!("<unknown-{i}@x>")));
    assert_eq!(case_of(long.clone()).await, None);
    long.pop();
    assert_eq!(
        case_of(long).await.as_deref(),
        Some(cases[0].as_str()),
        "forty-nine after it"
    );
}

on_both_stores!(the_last_known_message_of_a_thread_names_its_case);

// ------------------------------------------------------ long header lines

const BASILDON: &str = "housing.solutions@basildon.gov.uk";

/// Sends what is queued through the real sender, as `.eml` files.
async fn send_all(
    store: &Store,
    config: &Arc<Config>,
    templates: dtr_gateway::templates::Templates,
) {
    let sender = dtr_gateway::outbox::Sender {
        store: store.clone(),
        config: config.clone(),
        templates: Arc::new(templates),
        as_of: None,
    };
    let (_stop, shutdown) = dtr_gateway::shutdown::Shutdown::new();
    sender.send_due(&shutdown).await.expect("send");
}

/// Every `.eml` file in a folder.
fn mail_files(folder: &Path) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(folder).expect("outbox folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "eml") {
            out.push(std::fs::read(&path).expect("read"));
        }
    }
    out
}

/// The lines of a mail's header block, as written (folded).
fn header_lines(raw: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(raw);
    let head = text.split("\r\n\r\n").next().unwrap_or_default();
    head.split("\r\n").map(str::to_string).collect()
}

/// The attack: a referral whose Message-ID (which the gateway's answers
/// quote in In-Reply-To and References) is longer than a line of mail may
/// be, and whose referrer's name, which an authority's subject template
/// shows, is one word of 1,500 letters. Every mail the gateway writes keeps
/// its header lines within RFC 5322's 998 characters: the long Message-ID
/// is left out of the threading, the long word is cut, and the mail goes.
#[tokio::test]
async fn header_lines_the_gateway_writes_fit_the_line_limit_of_mail() {
    let dir = TempDir::new().expect("temp dir");
    let outbox = dir.path().join("outbox");
    let config = Arc::new(embedded_config_into(Some(&outbox)));
    let url = format!("sqlite:{}", dir.path().join("cases.db").display());
    let store = Store::open(&url).await.expect("store");
    let config_dir = dir.path().join("config");
    std::fs::create_dir_all(config_dir.join("templates")).expect("templates folder");
    std::fs::write(
        config_dir
            .join("templates")
            .join("acknowledgement.subject.hbs"),
        "[{{case_ref}}] Referral received from {{referrer_name}}",
    )
    .expect("override");
    let templates = dtr_gateway::templates::Templates::load(Some(&config_dir)).expect("templates");

    let long_word = "x".repeat(1500);
    let long_id = format!("{}@justice.test", "a".repeat(1200));
    let raw = String::from_utf8(referral(&long_id, 1, BASILDON))
        .expect("text")
        .replace(
            "Referrer name: Jo Officer",
            &format!("Referrer name: Jo {long_word}"),
        );
    let at = chrono::Utc::now();
    let long = ingest_into(&store, &config, "basildon", raw.as_bytes(), at).await;
    assert_eq!(long.action, Action::Opened);
    let ordinary = ingest_into(
        &store,
        &config,
        "basildon",
        &referral("short-id-2@justice.test", 2, BASILDON),
        at,
    )
    .await;
    assert_eq!(ordinary.action, Action::Opened);
    send_all(&store, &config, templates).await;

    let rows = store.outbox(false).await.expect("outbox");
    assert!(rows.len() >= 4, "{rows:?}");
    for row in &rows {
        assert_eq!(row.status, "sent", "{} {:?}", row.purpose, row.last_error);
    }
    let mails = mail_files(&outbox);
    assert_eq!(mails.len(), rows.len());
    let long_case = long.case.expect("a case").to_string();
    let mut acknowledged = 0;
    for raw in &mails {
        for line in header_lines(raw) {
            assert!(
                line.len() <= 998,
                "a header line of {} characters",
                line.len()
            );
        }
        let message = mail_parser::MessageParser::default()
            .parse(raw)
            .expect("a mail");
        let subject = message.subject().unwrap_or_default().to_string();
        let threaded = message.in_reply_to().as_text().map(str::to_string);
        if subject.contains(&long_case) {
            assert_eq!(threaded, None, "{subject:.80}");
            if subject.contains("Referral received from") {
                acknowledged += 1;
                // Cut with spaces, every letter still there.
                assert_eq!(subject.matches('x').count(), 1500, "{subject:.80}");
                assert!(!subject.contains(&"x".repeat(901)), "{subject:.80}");
            }
        } else {
            assert_eq!(threaded.as_deref(), Some("short-id-2@justice.test"));
        }
    }
    assert_eq!(acknowledged, 1, "the long referral's acknowledgement");
}

// ------------------------------------------------------ several From headers

/// The attack: a referral with two From headers, an allowed referrer's and
/// an outsider's (RFC 5322 allows one; readers show either). It was read
/// by the last. Now it is recorded and quarantined with the reason, opens
/// no case and answers no one; the authority is told it was set aside.
/// The same with one From opens a case.
#[tokio::test]
async fn a_message_with_two_from_headers_is_quarantined() {
    let dir = TempDir::new().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("cases.db").display());
    let store = Store::open(&url).await.expect("store");
    let config = embedded_config();
    let at = chrono::Utc::now();
    let raw = referral("two-froms-1@justice.test", 1, BASILDON);
    let mut twice = b"From: Mallory <mallory@evil.example.org>\r\n".to_vec();
    twice.extend_from_slice(&raw);
    let recorded = ingest_into(&store, &config, "basildon", &twice, at).await;
    assert_eq!(
        recorded.action,
        Action::Quarantined("message has 2 From headers".into())
    );
    assert_eq!(recorded.case, None);
    let rows = store.outbox(false).await.expect("outbox");
    let sent: Vec<(&str, &[String])> = rows
        .iter()
        .map(|r| (r.purpose.as_str(), r.to.as_slice()))
        .collect();
    assert_eq!(
        sent,
        [("quarantine_notice", [BASILDON.to_string()].as_slice())],
        "only the authority is told"
    );
    assert_eq!(rows[0].context["reason"], "message has 2 From headers");
    assert!(store.cases(None, false).await.expect("cases").is_empty());

    // An answer in a thread with three From headers names no one.
    let answer = format!(
        "From: someone@basildon.gov.uk\r\nFrom: mallory@evil.example.org\r\n\
         From: someone@basildon.gov.uk\r\nTo: {BASILDON}\r\nSubject: RE: Referral\r\n\
         Message-ID: <two-froms-2@basildon.gov.uk>\r\n\
         In-Reply-To: <two-froms-1@justice.test>\r\n\r\nLead officer: Not Real\r\n"
    );
    let recorded = ingest_into(&store, &config, "basildon", answer.as_bytes(), at).await;
    assert_eq!(
        recorded.action,
        Action::Quarantined("message has 3 From headers".into())
    );

    // With its own From alone, the referral opens a case.
    let recorded = ingest_into(
        &store,
        &config,
        "basildon",
        &referral("one-from-3@justice.test", 3, BASILDON),
        at,
    )
    .await;
    assert_eq!(recorded.action, Action::Opened);
}

// ------------------------------------------------- escape sequences in mail

/// Runs the binary with the embedded configuration on the SQLite file in
/// `dir`: whether it succeeded, and its standard output and error.
fn embedded_cli(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let database = format!("sqlite:{}", dir.join("cases.db").display());
    common::outcome(
        Command::new(BIN)
            .arg("--database")
            .arg(&database)
            .args(args)
            .current_dir(dir)
            .env_remove("DTR_CONFIG")
            .env_remove("DTR_DATABASE_URL")
            .env_remove("RUST_LOG"),
    )
}

/// What a terminal would act on rather than show.
fn acts_on_a_terminal(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

/// The attack: a referral whose fields, subject and attachment name hold
/// terminal escape sequences (clear the screen, set the window's title,
/// ring the bell, an 8-bit CSI) and a right-to-left override that shows
/// `txt.exe` as `exe.txt`. Every command that shows it prints them escaped,
/// as `\u{1b}`, and the terminal is left alone.
#[test]
fn escape_sequences_in_mail_are_printed_escaped() {
    let dir = TempDir::new().expect("temp dir");
    let hostile = "Sam \u{1b}[2J\u{1b}]0;pwned\u{7} Evil\u{202e}txt.exe \u{9b}31m";
    let raw = format!(
        "From: Jo \u{1b}[31m <jo.probation@justice.gov.uk>\r\nTo: dutytorefer@colchester.gov.uk\r\n\
         Subject: Referral \u{1b}[2J\u{202e}\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\
         Message-ID: <escapes-1@justice.gov.uk>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         DUTY TO REFER REFERRAL\r\nReferral type: Duty to Refer\r\nFull name: {hostile}\r\n\
         Date of birth: 14/07/1988\r\nPrison number: A1234BC\r\nCustody status: sentenced\r\n\
         Expected release date: 01/06/2027\r\nConsent to referral: Yes\r\n\
         Reason at risk of homelessness: {hostile}\r\nLocal connection: resident\r\n\
         Referring agency: HMP {hostile}\r\nReferrer name: Jo {hostile}\r\n\
         Referrer email: jo.probation@justice.gov.uk\r\nReferrer phone: 01632 960000\r\n"
    );
    let file = dir.path().join("referral \u{1b}[2J.eml");
    std::fs::write(&file, raw).expect("write");
    let file = file.display().to_string();

    let (ok, ingested, err) =
        embedded_cli(dir.path(), &["ingest", "--mailbox", "colchester", &file]);
    assert!(ok, "{ingested}{err}");
    let reference = ingested
        .split_whitespace()
        .find(|w| w.starts_with("DTR-COL-"))
        .unwrap_or_else(|| panic!("no case opened: {ingested}"))
        .to_string();
    let (_, parsed, _) = embedded_cli(dir.path(), &["parse", &file]);
    let json: serde_json::Value = serde_json::from_str(&parsed).expect("parse prints JSON");
    assert_eq!(json["referral"]["full_name"], hostile, "the same JSON");

    let mut shown = vec![
        ("ingest", ingested),
        ("parse", parsed),
        ("case", embedded_cli(dir.path(), &["case", &reference]).1),
        ("cases", embedded_cli(dir.path(), &["cases"]).1),
        ("outbox", embedded_cli(dir.path(), &["outbox"]).1),
        ("due", embedded_cli(dir.path(), &["due"]).1),
        ("status", embedded_cli(dir.path(), &["status"]).1),
    ];
    // An error naming what the operator typed.
    shown.push((
        "an error",
        embedded_cli(dir.path(), &["case", "DTR-COL-2026-\u{1b}[2J"]).2,
    ));
    for (command, output) in &shown {
        assert_eq!(
            acts_on_a_terminal(output),
            Vec::<char>::new(),
            "{command}: {output:?}"
        );
    }
    let case = &shown[2].1;
    let escaped = "Sam \\u{1b}[2J\\u{1b}]0;pwned\\u{7} Evil\\u{202e}txt.exe \\u{9b}31m";
    assert!(case.contains(escaped), "case shows {escaped}: {case}");
    assert!(
        shown[0].1.contains("referral \\u{1b}[2J.eml"),
        "{}",
        shown[0].1
    );
    assert!(shown[1].1.contains("\\u202e"), "{}", shown[1].1);
    assert!(shown[7].1.contains("\\u{1b}[2J"), "{}", shown[7].1);
}

// ----------------------------------------------------- secrets in the URL

/// The attack (an operator's mistake, which the gateway must not make
/// worse): a password in every place a database URL can hold one. Every
/// error naming the database blanks each of them; `--help` does not show
/// the URL set in the environment.
#[test]
fn database_passwords_are_blanked_in_every_form() {
    let dir = TempDir::new().expect("temp dir");
    let port = free_port();
    let secrets = [
        "pw-userinfo-1",
        "pw-query-2",
        "pw-ssl-3",
        "pw-keyvalue-4",
        "pw-env-5",
    ];
    let forms = [
        format!(
            "postgres://gw:{}@127.0.0.1:{port}/dtr?sslmode=prefer&password={}&sslpassword={}",
            secrets[0], secrets[1], secrets[2]
        ),
        format!("postgresql://gw:{}@127.0.0.1:{port}/dtr", secrets[0]),
        format!("postgres://gw@127.0.0.1:{port}/dtr?PassWord={}", secrets[1]),
        format!(
            "host=127.0.0.1 port={port} user=gw password='{} x'",
            secrets[3]
        ),
    ];
    let run = |args: &[&str], env: Option<&str>| {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .current_dir(dir.path())
            .env_remove("DTR_CONFIG")
            .env_remove("DTR_DATABASE_URL");
        if let Some(url) = env {
            command.env("DTR_DATABASE_URL", url);
        }
        let out = command.output().expect("run dtr-gateway");
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
    };
    let mut outputs = Vec::new();
    for url in &forms {
        outputs.push(run(&["--database", url, "cases"], None));
        outputs.push(run(&["cases"], Some(url)));
        outputs.push(run(
            &["bench", "intake", "--messages", "1", "--postgres", url],
            None,
        ));
    }
    let in_env = format!("postgres://gw:{}@127.0.0.1:{port}/dtr", secrets[4]);
    outputs.push(run(&["--help"], Some(&in_env)));
    outputs.push(run(&["run", "--help"], Some(&in_env)));
    for output in &outputs {
        for secret in secrets {
            assert!(!output.contains(secret), "{secret} shown: {output}");
        }
    }
    let all = outputs.join("\n");
    println!("{all}");
    for shown in [
        format!(
            "postgres://gw:***@127.0.0.1:{port}/dtr?sslmode=prefer&password=***&sslpassword=***"
        ),
        format!("postgresql://gw:***@127.0.0.1:{port}/dtr"),
        format!("postgres://gw@127.0.0.1:{port}/dtr?PassWord=***"),
        format!("host=127.0.0.1 port={port} user=gw password=***"),
    ] {
        assert!(all.contains(&shown), "{shown} not named in:\n{all}");
    }
}

// ------------------------------------------------- addresses kept from logs

/// The attack: a referral from an address the relay does not know, so that
/// the real Postfix refuses the acknowledgement at RCPT with a 550 naming
/// the address. The daemon's log says which mail of which case failed and
/// never the address; `outbox --failed` shows the operator the whole
/// answer, address included, to put right.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_refusing_a_recipient_is_logged_without_the_address() {
    let servers = mail_servers();
    servers.reset("braintree");
    let setup = GatewayFolder::new();
    setup.write_config(&smtp_outgoing(100), &setup.maildir_mailbox());
    let stranger = "nobody.known.here@justice.test";
    let raw = String::from_utf8(referral(
        "refused-rcpt-1@justice.test",
        1,
        "braintree@lha.test",
    ))
    .expect("text")
    .replace("referrer@justice.test", stranger);
    let daemon = Daemon::start(setup.path());
    setup.deliver("1.referral", raw.as_bytes());
    let store = setup.store().await;
    let mut settled = None;
    for _ in 0..600 {
        let rows: Vec<(i64, String, String, Option<String>)> =
            sqlx::query_as("SELECT id, purpose, status, last_error FROM outbox ORDER BY id")
                .fetch_all(store.pool())
                .await
                .expect("outbox");
        if rows.len() == 2 && rows.iter().all(|r| r.2 == "sent" || r.2 == "failed") {
            settled = Some(rows);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rows = settled.unwrap_or_else(|| panic!("the mail does not settle\n{}", daemon.tail()));
    let failed = rows
        .iter()
        .find(|r| r.1 == "acknowledgement")
        .expect("the acknowledgement");
    assert_eq!(failed.2, "failed", "{rows:?}");
    assert!(
        rows.iter().any(|r| r.1 == "notice" && r.2 == "sent"),
        "{rows:?}"
    );

    let log = daemon.log();
    let line = log
        .lines()
        .find(|l| l.contains("mail failed") && l.contains(&format!("outbox={}", failed.0)))
        .unwrap_or_else(|| panic!("no log line for the failed mail:\n{log}"));
    println!("logged: {line}");
    assert!(line.contains("DTR-BRA-") && line.contains("550"), "{line}");
    assert!(!log.contains(stranger), "the address is in the log:\n{log}");
    assert!(!log.contains("nobody.known"), "{log}");

    let (_, listing, _) = setup.cli(&["outbox", "--failed"]);
    println!("outbox --failed:\n{listing}");
    assert!(
        listing.contains("550") && listing.contains(stranger),
        "the operator sees which address was refused: {listing}"
    );
    drop(daemon);
    servers.reset("braintree");
}

// ------------------------------------------- attachment names of refusals

/// A referral to Colchester from `from`, with consent as given, and a PDF
/// attached whose name names the person.
fn referral_with_attachment(message_id: &str, from: &str, consent: &str) -> Vec<u8> {
    format!(
        "From: Jo Probation <{from}>\r\nTo: dutytorefer@colchester.gov.uk\r\n\
         Subject: Referral\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\
         Message-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nDUTY TO REFER REFERRAL\r\n\
         Referral type: Duty to Refer\r\nFull name: Samuel Hiddenname\r\n\
         Date of birth: 14/07/1988\r\nPrison number: A1234BC\r\nCustody status: sentenced\r\n\
         Expected release date: 01/06/2027\r\nConsent to referral: {consent}\r\n\
         Reason at risk of homelessness: No address\r\nLocal connection: resident\r\n\
         Referring agency: HMP Chelmsford\r\nReferrer name: Jo Probation\r\n\
         Referrer email: {from}\r\nReferrer phone: 01632 960000\r\n\r\n--b\r\n\
         Content-Type: application/pdf; name=\"Samuel Hiddenname mental health.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"Samuel Hiddenname mental health.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
    )
    .into_bytes()
}

/// The attack: referrals without consent, or from a domain not allowed,
/// carrying an attachment whose name names the person and their health.
/// `ingest` says what became of each and how many attachments were not
/// read, never their names.
#[test]
fn ingest_never_names_the_attachments_of_a_refusal() {
    let dir = TempDir::new().expect("temp dir");
    let cases = [
        (
            "no-consent.eml",
            referral_with_attachment("no-consent-1@justice.gov.uk", "jo@justice.gov.uk", "No"),
            "recorded as refused (no consent)",
        ),
        (
            "not-allowed.eml",
            referral_with_attachment("elsewhere-2@example.org", "jo@example.org", "No"),
            "quarantined: sender domain example.org is not allowed to make referrals",
        ),
        (
            "consented.eml",
            referral_with_attachment("consented-3@justice.gov.uk", "jo@justice.gov.uk", "Yes"),
            "opened DTR-COL-",
        ),
    ];
    for (name, raw, done) in &cases {
        let file = dir.path().join(name);
        std::fs::write(&file, raw).expect("write");
        let (ok, out, err) = embedded_cli(
            dir.path(),
            &[
                "ingest",
                "--mailbox",
                "colchester",
                &file.display().to_string(),
            ],
        );
        println!("{out}");
        assert!(ok, "{out}{err}");
        assert!(out.contains(done), "{name}: {out}");
        assert!(out.contains("[1 attachment not read]"), "{name}: {out}");
        for word in ["Hiddenname", "mental", ".pdf"] {
            assert!(
                !out.contains(word) && !err.contains(word),
                "{name}: {out}{err}"
            );
        }
    }
}

// ----------------------------------------------------- template overrides

/// A copy of the shipped configuration in `dir`, with `gateway.toml`
/// changed by `edit`.
fn shipped_config_in(dir: &Path, edit: impl FnOnce(String) -> String) {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    std::fs::copy(
        shipped.join("authorities.toml"),
        dir.join("authorities.toml"),
    )
    .expect("copy");
    let gateway = std::fs::read_to_string(shipped.join("gateway.toml")).expect("read");
    std::fs::write(dir.join("gateway.toml"), edit(gateway)).expect("write");
}

/// `check-config --config DIR`: whether it passed, and what it printed.
fn check_config(dir: &Path) -> (bool, String) {
    let out = Command::new(BIN)
        .args(["check-config", "--config"])
        .arg(dir)
        .env_remove("DTR_CONFIG")
        .env_remove("RUST_LOG")
        .output()
        .expect("check-config");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// The attacks: overrides that do not compile or name data that is not
/// there, found only when the first mail of their kind was sent; and
/// overrides that are links out of the configuration folder (to a file,
/// or the whole `templates` folder), which made the gateway mail whatever
/// they point at. `check-config` now loads and checks every override,
/// naming each file and its error, and refuses links; the daemon does not
/// start with them.
#[test]
fn check_config_loads_every_template_override_and_refuses_links() {
    let dir = TempDir::new().expect("temp dir");
    let config = dir.path().join("config");
    let templates = config.join("templates");
    std::fs::create_dir_all(templates.join("COL")).expect("templates folder");
    shipped_config_in(&config, |g| g);

    // Good overrides load.
    std::fs::write(
        templates.join("acknowledgement.subject.hbs"),
        "[{{case_ref}}] Received, thank you",
    )
    .expect("write");
    let (ok, out) = check_config(&config);
    assert!(ok, "{out}");
    assert!(out.contains("1 template override(s)"), "{out}");

    // Broken ones are each named with the error.
    let unclosed = templates.join("notice.txt.hbs");
    std::fs::write(&unclosed, "URGENT\n{{#if urgent}}\n").expect("write");
    let misspelt = templates.join("COL").join("chase.html.hbs");
    std::fs::write(&misspelt, "<p>{{case_reference}}</p>").expect("write");
    let (ok, out) = check_config(&config);
    println!("{out}");
    assert!(!ok, "{out}");
    for path in [&unclosed, &misspelt] {
        let line = out
            .lines()
            .find(|l| l.contains(&path.display().to_string()))
            .unwrap_or_else(|| panic!("{} is not named: {out}", path.display()));
        assert!(line.starts_with("error: "), "{line}");
    }
    assert!(out.contains("`case_reference`"), "{out}");
    assert!(out.contains("2 error(s)"), "{out}");
    std::fs::remove_file(&unclosed).expect("remove");
    std::fs::remove_file(&misspelt).expect("remove");

    // A link to a file outside the folder, a well-formed template at that.
    let outside = dir.path().join("elsewhere");
    std::fs::create_dir_all(&outside).expect("folder");
    std::fs::write(outside.join("notice.txt.hbs"), "{{case_ref}}").expect("write");
    let link = templates.join("COL").join("notice.txt.hbs");
    std::os::unix::fs::symlink(outside.join("notice.txt.hbs"), &link).expect("symlink");
    let (ok, out) = check_config(&config);
    println!("{out}");
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!("error: {}: a symbolic link", link.display())),
        "{out}"
    );

    // The daemon does not start with it, and names it.
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    let run = Command::new(BIN)
        .args(["--database", &database, "run", "--config"])
        .arg(&config)
        .current_dir(dir.path())
        .env_remove("DTR_DATABASE_URL")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("{}: a symbolic link", link.display())),
        "{stderr}"
    );
    std::fs::remove_file(&link).expect("remove");

    // The whole templates folder a link.
    std::fs::remove_dir_all(&templates).expect("remove");
    std::os::unix::fs::symlink(&outside, &templates).expect("symlink");
    let (ok, out) = check_config(&config);
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!("error: {}: a symbolic link", templates.display())),
        "{out}"
    );
}

// ------------------------------------------- allow-lists fit for real senders

/// The mistake: `cjsm.net` in the allow-list, which allows no CJSM address
/// (those are the organisation's own address with `.cjsm.net` appended),
/// so every secure-email referral would be quarantined. `check-config`
/// warns about it, naming `*.cjsm.net`; not when `*.cjsm.net` is there too.
/// The shipped configuration allows CJSM and NHSmail senders.
#[test]
fn check_config_warns_of_an_allow_list_entry_that_fits_no_cjsm_address() {
    let dir = TempDir::new().expect("temp dir");
    shipped_config_in(dir.path(), |gateway| {
        let edited = gateway.replacen("  \"*.cjsm.net\",\n", "", 1);
        assert_ne!(edited, gateway, "the shipped list has *.cjsm.net");
        edited
    });
    let (ok, out) = check_config(dir.path());
    assert!(ok, "a warning, not an error: {out}");
    let warning = out
        .lines()
        .find(|l| l.contains("cjsm.net") && l.starts_with("warning:"))
        .unwrap_or_else(|| panic!("no warning about cjsm.net: {out}"));
    println!("{warning}");
    assert!(warning.contains("referrers.allowed_domains["), "{warning}");
    assert!(warning.contains("\"*.cjsm.net\""), "{warning}");

    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let (ok, out) = check_config(&shipped);
    assert!(ok, "{out}");
    assert!(!out.contains("cjsm"), "{out}");

    let (config, _) = Config::embedded().expect("embedded config");
    for sender in [
        "jo.probation@probation.gov.uk.cjsm.net",
        "a.officer@hmps.gsi.gov.uk.cjsm.net",
        "nurse@nhs.net",
    ] {
        let address = dtr_gateway::core::address::EmailAddress::parse(sender).expect("address");
        assert!(config.allows_sender(&address), "{sender}");
    }
}
