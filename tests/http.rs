//! `/health` and `/metrics` of the real daemon binary (`dtr-gateway run`):
//! one mailbox reads a Maildir, the other points its IMAP at a loopback port
//! nobody listens on, so it fails from the start. No mail server is needed;
//! requests are plain HTTP/1.0 over a TcpStream.

mod common;

use common::{free_port, wait_for};

use common::daemon::Daemon;
use common::folder::GatewayFolder;
use common::TestDb;
use regex::Regex;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

use std::time::Duration;

/// `unhealthy_after_seconds` of the test configuration.
const UNHEALTHY_AFTER: u64 = 3;

/// A gateway folder with `/health` on `port`: Braintree reads a Maildir;
/// Colchester's IMAP server is `closed_port`.
fn gateway_folder(port: u16, closed_port: u16, db: TestDb) -> GatewayFolder {
    let folder = GatewayFolder::on(db);
    let outbox = format!(
        "transport = \"files\"\nfolder = \"{}\"",
        folder.outbox.display()
    );
    folder.write_config(
        &outbox,
        &format!(
            "[http]\nlisten = \"127.0.0.1:{port}\"\nunhealthy_after_seconds = {UNHEALTHY_AFTER}\n\n\
             {}\n\
             [[mailbox]]\nname = \"colchester\"\nauthority = \"COL\"\n[mailbox.imap]\n\
             host = \"127.0.0.1\"\nport = {closed_port}\ntls = \"none\"\nusername = \"colchester\"\n\
             password_env = \"DTR_HTTP_TEST_UNUSED\"\n",
            folder.maildir_mailbox()
        ),
    );
    folder
}

/// `GET path` as HTTP/1.0 (one response, no chunking, then the server
/// closes): the status code and body, or None when nothing answers.
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(2)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    let code = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((code, body.to_string()))
}

/// Reads Prometheus's text format strictly: every line is a `# HELP`, a
/// `# TYPE` (counter or gauge; a counter's name ends in `_total`) or a
/// sample of a family typed before it, with a numeric value. Each series
/// (`name{labels}` as written) with its value.
fn parse_metrics(text: &str) -> HashMap<String, f64> {
    let label = r#"[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*""#;
    let sample = Regex::new(&format!(
        r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{{(?:{label}(?:,{label})*)?\}})? (\S+)$"
    ))
    .expect("regex");
    let help = Regex::new(r"^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*$").expect("regex");
    let kind = Regex::new(r"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge)$").expect("regex");
    let mut typed = HashMap::new();
    let mut series = HashMap::new();
    assert!(text.ends_with('\n'), "the exposition ends with a newline");
    for line in text.lines() {
        if help.is_match(line) {
            continue;
        }
        if let Some(c) = kind.captures(line) {
            let (name, kind) = (c[1].to_string(), c[2].to_string());
            if kind == "counter" {
                assert!(name.ends_with("_total"), "counter without _total: {line}");
            }
            assert!(typed.insert(name, kind).is_none(), "typed twice: {line}");
            continue;
        }
        let c = sample
            .captures(line)
            .unwrap_or_else(|| panic!("not a metric line: {line:?}"));
        assert!(
            typed.contains_key(&c[1]),
            "sample before its # TYPE: {line}"
        );
        let value: f64 = c[3]
            .parse()
            .unwrap_or_else(|_| panic!("not a number: {line}"));
        let key = format!("{}{}", &c[1], c.get(2).map_or("", |m| m.as_str()));
        assert!(series.insert(key, value).is_none(), "twice: {line}");
    }
    series
}

/// What must never be in either endpoint: the person's and the referrer's
/// details from `common::referral`, and any email address.
fn assert_no_personal_data(body: &str) {
    for secret in [
        "Test Person",
        "Jo Officer",
        "referrer",
        "A0001AA",
        "14/07/1988",
        "01632",
        "Referral 1",
        "@",
    ] {
        assert!(!body.contains(secret), "`{secret}` is shown:\n{body}");
    }
}

#[test]
fn health_turns_503_when_a_mailbox_fails_too_long_and_metrics_count_what_happened() {
    health_and_metrics(TestDb::Sqlite);
}

#[test]
fn health_and_metrics_on_postgres() {
    health_and_metrics(TestDb::Postgres);
}

fn health_and_metrics(db: TestDb) {
    let port = free_port();
    let setup = gateway_folder(port, free_port(), db);
    let mut daemon = Daemon::start(setup.path());

    // At first, the failing folder has not failed for long: 200.
    let (code, body) = wait_for(Duration::from_secs(30), || get(port, "/health"))
        .unwrap_or_else(|| panic!("/health never answered:\n{}", daemon.log()));
    let health: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(
        (code, health["status"].as_str()),
        (200, Some("ok")),
        "{body}"
    );
    assert_eq!(health["unhealthy_after_seconds"], UNHEALTHY_AFTER, "{body}");
    let mut bodies = vec![body];
    let log = daemon.log();
    assert!(
        log.contains("serving /health and /metrics")
            && log.contains(&format!("127.0.0.1:{}", port)),
        "the address is logged:\n{log}"
    );

    setup.deliver(
        "1.referral.eml",
        &common::referral("http-1@justice.test", 1, "braintree@lha.test"),
    );
    let metrics = wait_for(Duration::from_secs(30), || {
        let (code, body) = get(port, "/metrics")?;
        assert_eq!(code, 200, "{body}");
        let series = parse_metrics(&body);
        // The referral recorded, and Colchester's closed port tried (in
        // either order).
        let recorded =
            series.get(r#"dtr_gateway_messages_recorded_total{kind="referral"}"#) == Some(&1.0);
        let retried = series
            .get(r#"dtr_gateway_imap_reconnects_total{mailbox="colchester"}"#)
            .is_some_and(|n| *n >= 1.0);
        (recorded && retried).then_some((body, series))
    });
    let (body, series) = metrics.unwrap_or_else(|| {
        panic!(
            "the referral or Colchester's retry is never counted:\n{}",
            daemon.log()
        )
    });
    let value = |key: &str| {
        *series
            .get(key)
            .unwrap_or_else(|| panic!("no {key} in\n{body}"))
    };
    assert_eq!(
        value(r#"dtr_gateway_messages_recorded_total{kind="reply"}"#),
        0.0
    );
    assert_eq!(
        value(r#"dtr_gateway_cases_opened_total{authority="BRA"}"#),
        1.0
    );
    assert_eq!(
        value(r#"dtr_gateway_cases_opened_total{authority="COL"}"#),
        0.0
    );
    assert_eq!(value(r#"dtr_gateway_cases_open{authority="BRA"}"#), 1.0);
    assert_eq!(
        value(r#"dtr_gateway_deadlines_overdue{authority="BRA"}"#),
        0.0
    );
    assert!(
        value(r#"dtr_gateway_imap_reconnects_total{mailbox="colchester"}"#) >= 1.0,
        "{body}"
    );
    assert!(
        !body.contains(r#"dtr_gateway_imap_reconnects_total{mailbox="braintree"}"#),
        "a Maildir is not IMAP:\n{body}"
    );
    // The acknowledgement, queued with the case, perhaps already written.
    let acknowledgements: f64 = series
        .iter()
        .filter(|(k, _)| k.starts_with(r#"dtr_gateway_outbox_mail{purpose="acknowledgement","#))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(acknowledgements, 1.0, "{body}");
    bodies.push(body);

    // Once Colchester has been failing for longer than allowed: 503, naming it.
    let failing = wait_for(Duration::from_secs(30), || {
        let (code, body) = get(port, "/health")?;
        (code == 503).then_some(body)
    });
    let body = failing.unwrap_or_else(|| panic!("/health never turns 503:\n{}", daemon.log()));
    let health: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(health["status"], "failing", "{body}");
    let folder = |mailbox: &str| {
        health["folders"]
            .as_array()
            .and_then(|folders| folders.iter().find(|f| f["mailbox"] == mailbox))
            .unwrap_or_else(|| panic!("no {mailbox} in {body}"))
            .clone()
    };
    let colchester = folder("colchester");
    assert_eq!(colchester["folder"], "INBOX", "{body}");
    assert!(
        ["retrying", "connecting"].contains(&colchester["state"].as_str().unwrap_or("")),
        "{body}"
    );
    assert!(colchester["failing_since"].is_string(), "{body}");
    assert!(
        colchester["failing_seconds"].as_i64() >= Some(UNHEALTHY_AFTER as i64),
        "{body}"
    );
    assert!(
        colchester["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("cannot connect to 127.0.0.1")),
        "{body}"
    );
    let braintree = folder("braintree");
    assert_eq!(braintree["state"], "connected", "{body}");
    assert!(braintree["failing_since"].is_null(), "{body}");
    bodies.push(body);

    for body in &bodies {
        assert_no_personal_data(body);
    }
    assert_eq!(get(port, "/nothing-here").map(|(code, _)| code), Some(404));

    let status = daemon.stop();
    assert!(status.success(), "{status}:\n{}", daemon.log());
    assert_eq!(get(port, "/health"), None, "still listening after exit");
}

#[test]
fn an_address_in_use_stops_the_daemon_naming_it() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("address").port();
    let setup = gateway_folder(port, free_port(), TestDb::Sqlite);
    let mut daemon = Daemon::start(setup.path());
    let status = daemon
        .exited(Duration::from_secs(30))
        .unwrap_or_else(|| panic!("still running:\n{}", daemon.log()));
    let log = daemon.log();
    assert!(!status.success(), "{log}");
    assert!(
        log.contains(&format!(
            "[http] listen 127.0.0.1:{port}: cannot listen there"
        )),
        "{log}"
    );
    // Nothing was watched: the store has no folder state.
    assert!(!log.contains("mailbox failed"), "{log}");
    drop(taken);
}
