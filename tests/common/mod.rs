//! Shared by the integration tests: the real Dovecot and Postfix started by
//! `scripts/mailservers.sh`, a minimal SMTP client to deliver through
//! Postfix, and a configuration pointing the gateway at them; the Cyrus of
//! `scripts/cyrus.sh` beside Dovecot, in [`servers`].
#![allow(dead_code)]

pub mod daemon;
pub mod folder;
pub mod identity;
pub mod in_process;
pub mod servers;
pub mod web_client;
pub mod web_gateway;
pub mod world;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The authorities of the test configuration: mailbox user, code.
pub const AUTHORITIES: [(&str, &str, &str); 14] = [
    ("basildon", "BAS", "Basildon"),
    ("braintree", "BRA", "Braintree"),
    ("brentwood", "BRE", "Brentwood"),
    ("castle-point", "CPT", "Castle Point"),
    ("chelmsford", "CHE", "Chelmsford"),
    ("colchester", "COL", "Colchester"),
    ("epping-forest", "EPF", "Epping Forest"),
    ("harlow", "HAR", "Harlow"),
    ("maldon", "MAL", "Maldon"),
    ("rochford", "ROC", "Rochford"),
    ("southend", "SOU", "Southend"),
    ("tendring", "TEN", "Tendring"),
    ("thurrock", "THU", "Thurrock"),
    ("uttlesford", "UTT", "Uttlesford"),
];

pub struct MailServers {
    pub env: HashMap<String, String>,
}

/// Starts the servers once per test binary (the script is idempotent).
pub fn mail_servers() -> &'static MailServers {
    static SERVERS: OnceLock<MailServers> = OnceLock::new();
    SERVERS.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/mailservers.sh");
        stdout_of(
            Command::new("bash").arg(&script).arg("start"),
            "scripts/mailservers.sh start",
        );
        let env_out = Command::new("bash")
            .arg(&script)
            .arg("env")
            .output()
            .expect("env");
        let env = String::from_utf8_lossy(&env_out.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix("export "))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
            .collect();
        MailServers { env }
    })
}

impl MailServers {
    pub fn get(&self, key: &str) -> &str {
        self.env
            .get(key)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("{key} not in the mail server environment"))
    }

    pub fn port(&self, key: &str) -> u16 {
        self.get(key).parse().expect("port")
    }

    pub fn script(&self, args: &[&str]) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/mailservers.sh");
        stdout_of(
            Command::new("bash").arg(script).args(args),
            &format!("mailservers.sh {args:?}"),
        );
    }

    pub fn doveadm(&self, args: &[&str]) -> String {
        let mut words = self.get("DTR_DOVEADM").split_whitespace();
        let program = words.next().expect("doveadm");
        stdout_of(
            Command::new(program).args(words).args(args),
            &format!("doveadm {args:?}"),
        )
    }

    /// Empties every folder of a user.
    pub fn reset(&self, user: &str) {
        self.script(&["reset-mailbox", user]);
    }

    /// The flags of every message in a folder, one string per message.
    pub fn flags(&self, user: &str, folder: &str) -> Vec<String> {
        self.doveadm(&["fetch", "-u", user, "flags", "mailbox", folder, "all"])
            .lines()
            .filter_map(|l| l.strip_prefix("flags:"))
            .map(|f| f.trim().to_string())
            .collect()
    }

    /// Puts a message straight into a user's folder (`doveadm save`), as if
    /// it had been delivered or sent from that mailbox.
    pub fn save(&self, user: &str, folder: &str, raw: &[u8]) {
        let mut save = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "{} save -u {user} -m {folder}",
                self.get("DTR_DOVEADM")
            ))
            .stdin(std::process::Stdio::piped())
            .spawn()
            .expect("doveadm save");
        save.stdin
            .take()
            .expect("stdin")
            .write_all(raw)
            .expect("write");
        assert!(save.wait().expect("wait").success(), "doveadm save");
    }

    /// Delivers a message through Postfix over SMTP.
    pub fn send(&self, from: &str, to: &str, raw: &[u8]) {
        send_to_all(from, &[to], raw);
    }
}

/// A complete referral, distinct per `n`.
pub fn referral(message_id: &str, n: u32, to: &str) -> Vec<u8> {
    format!(
        "From: Jo Officer <referrer@justice.test>\r\nTo: {to}\r\nSubject: Referral {n}\r\n\
         Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         DUTY TO REFER REFERRAL\r\nReferral type: Duty to Refer\r\nFull name: Test Person{n}\r\n\
         Date of birth: 14/07/1988\r\nPrison number: A{n:04}AA\r\nCustody status: sentenced\r\n\
         Expected release date: 01/03/2027\r\nConsent to referral: Yes\r\n\
         Reason at risk of homelessness: No address on release\r\n\
         Local connection: resident\r\nReferring agency: HMP Test\r\n\
         Referrer name: Jo Officer\r\nReferrer email: referrer@justice.test\r\nReferrer phone: 01632 960000\r\n"
    )
    .into_bytes()
}

/// `authorities.toml` for the fourteen test authorities, each with its
/// inbox, lead and senior contact at `lha.test`. The morning digest is
/// off: tests that count the mail in an inbox would otherwise find one
/// there on a working morning (tests/digest.rs has its own).
pub fn authorities_toml() -> String {
    let mut authorities = String::new();
    for (user, code, name) in AUTHORITIES {
        authorities.push_str(&format!(
            "[[authority]]\nname = \"{name}\"\ncode = \"{code}\"\ninbox = \"{user}@lha.test\"\ndigest = false\n\
             operational_lead = {{ name = \"Lead\", email = \"lead.{user}@lha.test\" }}\n\
             dispute_contact = {{ name = \"Senior\", email = \"senior.{user}@lha.test\" }}\n\n"
        ));
    }
    authorities
}

/// Writes a configuration folder watching the given users over IMAP.
/// `imap` is extra TOML for every mailbox's `[mailbox.imap]` table.
pub fn write_config(dir: &Path, database: &str, users: &[&str], imap: &str) -> PathBuf {
    write_config_sending(dir, database, users, imap, None)
}

/// Like `write_config`, the users' inboxes on the given server.
pub fn write_config_on(
    server: servers::TestServer,
    dir: &Path,
    database: &str,
    users: &[&str],
    imap: &str,
) -> PathBuf {
    write_config_full(server, dir, database, users, imap, None)
}

/// Like `write_config`, with an `[outgoing]` table: mail through the test
/// Postfix when `smtp` is true, else into files under `dir`.
pub fn write_config_sending(
    dir: &Path,
    database: &str,
    users: &[&str],
    imap: &str,
    outgoing: Option<&str>,
) -> PathBuf {
    write_config_full(
        servers::TestServer::Dovecot,
        dir,
        database,
        users,
        imap,
        outgoing,
    )
}

fn write_config_full(
    server: servers::TestServer,
    dir: &Path,
    database: &str,
    users: &[&str],
    imap: &str,
    outgoing: Option<&str>,
) -> PathBuf {
    let authorities = authorities_toml();
    let outgoing = outgoing.map(str::to_string).unwrap_or_else(|| {
        format!(
            "transport = \"files\"\nfolder = \"{}\"",
            dir.join("outbox").display()
        )
    });
    let mut gateway = format!(
        "[gateway]\ndatabase = \"{database}\"\n\n[outgoing]\n{outgoing}\n\n\
         [referrers]\nallowed_domains = [\"justice.test\"]\n\n"
    );
    for user in users {
        let code = AUTHORITIES
            .iter()
            .find(|(u, _, _)| u == user)
            .map(|(_, c, _)| *c)
            .unwrap_or("COL");
        gateway.push_str(&format!(
            "[[mailbox]]\nname = \"{user}\"\nauthority = \"{code}\"\n[mailbox.imap]\nhost = \"127.0.0.1\"\n\
             port = {}\ntls = \"implicit\"\nca_file = \"{}\"\nusername = \"{user}\"\n\
             password_env = \"DTR_MAIL_PASSWORD\"\n{imap}\n\n",
            server.imaps_port(),
            server.ca_file(),
        ));
    }
    std::fs::write(dir.join("authorities.toml"), authorities).expect("write authorities");
    std::fs::write(dir.join("gateway.toml"), gateway).expect("write gateway");
    // SAFETY: tests set this before any daemon reads it; the value is the same everywhere.
    unsafe { std::env::set_var("DTR_MAIL_PASSWORD", server.password()) };
    dir.to_path_buf()
}

/// Polls `check` until it is true or `limit` passes; returns how long it took.
pub async fn wait_until<F, Fut>(limit: Duration, mut check: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while started.elapsed() < limit {
        if check().await {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    None
}

/// The `[outgoing]` settings for sending through the test Postfix over
/// TLS from the first byte (its SMTPS port), not STARTTLS.
pub fn smtps_outgoing(max_per_hour: u32) -> String {
    let servers = mail_servers();
    format!(
        "transport = \"smtp\"\nmax_per_recipient_per_hour = {max_per_hour}\n\
         [outgoing.smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"implicit\"\nca_file = \"{}\"",
        servers.port("DTR_SMTPS_PORT"),
        servers.get("DTR_MAIL_CA")
    )
}

/// The `[outgoing]` settings for sending through the test Postfix.
pub fn smtp_outgoing(max_per_hour: u32) -> String {
    let servers = mail_servers();
    format!(
        "transport = \"smtp\"\nmax_per_recipient_per_hour = {max_per_hour}\n\
         [outgoing.smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"starttls\"\nca_file = \"{}\"",
        servers.port("DTR_SMTP_PORT"),
        servers.get("DTR_MAIL_CA")
    )
}

/// Every message in a user's folder, as full text, in UID order.
pub fn messages(user: &str, folder: &str) -> Vec<String> {
    let servers = mail_servers();
    // One fetch per message: doveadm separates multi-line values ambiguously.
    let uids: Vec<String> = servers
        .doveadm(&["fetch", "-u", user, "uid", "mailbox", folder, "all"])
        .lines()
        .filter_map(|l| l.strip_prefix("uid:"))
        .map(|u| u.trim().to_string())
        .collect();
    uids.iter()
        .map(|uid| {
            let text =
                servers.doveadm(&["fetch", "-u", user, "text", "mailbox", folder, "uid", uid]);
            text.trim_start_matches("text:")
                .trim_start_matches(['\r', '\n'])
                .to_string()
        })
        .collect()
}

/// A header's value in a message's text (first occurrence, unfolded).
pub fn header(message: &str, name: &str) -> Option<String> {
    let message = message.replace("\r\n", "\n");
    let head = message.split("\n\n").next().unwrap_or("");
    let mut value: Option<String> = None;
    for line in head.lines() {
        if let Some(v) = value.as_mut() {
            if line.starts_with([' ', '\t']) {
                v.push(' ');
                v.push_str(line.trim());
                continue;
            }
            break;
        }
        if let Some((n, v)) = line.split_once(':') {
            if n.eq_ignore_ascii_case(name) {
                value = Some(v.trim().to_string());
            }
        }
    }
    value
}

/// The embedded templates.
pub fn templates() -> std::sync::Arc<dtr_gateway::templates::Templates> {
    std::sync::Arc::new(dtr_gateway::templates::Templates::load(None).expect("templates"))
}

/// Waits until a watched mailbox's INBOX reports `idle` in the status.
pub async fn wait_idle(store: &dtr_gateway::store::Store, mailbox: &str, limit: Duration) -> bool {
    wait_until(limit, || async {
        sqlx::query_scalar::<_, String>("SELECT state FROM mailbox_status WHERE mailbox = $1")
            .bind(mailbox)
            .fetch_optional(store.pool())
            .await
            .ok()
            .flatten()
            .as_deref()
            == Some("idle")
    })
    .await
    .is_some()
}

/// Delivers one message through Postfix to several envelope recipients
/// (To and Cc alike), in one SMTP transaction.
pub fn send_to_all(from: &str, recipients: &[&str], raw: &[u8]) {
    let port = mail_servers().port("DTR_SMTP_PORT");
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to Postfix");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut writer = stream;
    let expect = |code: &str, reader: &mut BufReader<TcpStream>| loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("SMTP reply");
        assert!(line.starts_with(code), "SMTP: expected {code}, got {line}");
        if line.as_bytes().get(3) != Some(&b'-') {
            break;
        }
    };
    expect("220", &mut reader);
    let mut commands = vec![
        ("EHLO test.invalid".to_string(), "250"),
        (format!("MAIL FROM:<{from}>"), "250"),
    ];
    commands.extend(
        recipients
            .iter()
            .map(|to| (format!("RCPT TO:<{to}>"), "250")),
    );
    commands.push(("DATA".to_string(), "354"));
    for (command, code) in commands {
        write!(writer, "{command}\r\n").expect("write");
        expect(code, &mut reader);
    }
    let text = String::from_utf8_lossy(raw).replace("\r\n", "\n");
    for line in text.split('\n') {
        let line = if line.starts_with('.') {
            format!(".{line}")
        } else {
            line.to_string()
        };
        write!(writer, "{line}\r\n").expect("write");
    }
    write!(writer, ".\r\n").expect("write");
    expect("250", &mut reader);
    write!(writer, "QUIT\r\n").expect("write");
}

/// How many messages a user's folder holds (`doveadm mailbox status`).
pub fn mailbox_count(user: &str, folder: &str) -> usize {
    let status = mail_servers().doveadm(&["mailbox", "status", "-u", user, "messages", folder]);
    status
        .split_whitespace()
        .find_map(|w| w.strip_prefix("messages="))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("doveadm mailbox status for {user}/{folder}: {status}"))
}

/// Records `raw` in `mailbox`'s inbox as received at `at`, through the
/// daemon's own intake.
pub async fn ingest_into(
    store: &dtr_gateway::store::Store,
    config: &dtr_gateway::config::Config,
    mailbox: &str,
    raw: &[u8],
    at: chrono::DateTime<chrono::Utc>,
) -> dtr_gateway::store::Recorded {
    let mailbox = config.mailbox(mailbox).expect("mailbox");
    let (_, recorded) = dtr_gateway::intake::ingest(
        store,
        config,
        dtr_gateway::intake::Incoming {
            mailbox,
            folder: "INBOX",
            position: None,
            raw,
            received_at: at,
            source_key: None,
        },
    )
    .await
    .expect("ingest");
    recorded
}

/// Runs `dtr-gateway --database DATABASE ARGS...`: whether it succeeded,
/// and what it printed (standard output, then standard error).
pub fn gateway_cli(database: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dtr-gateway"))
        .arg("--database")
        .arg(database)
        .args(args)
        .output()
        .expect("run dtr-gateway");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// A port on 127.0.0.1 that nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Asks `check` every 50 ms until it gives a value or `limit` passes,
/// blocking the thread.
pub fn wait_for<T>(limit: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let started = Instant::now();
    loop {
        if let Some(value) = check() {
            return Some(value);
        }
        if started.elapsed() > limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `command` to its end: whether it succeeded, its standard output
/// and its standard error.
pub fn outcome(command: &mut Command) -> (bool, String, String) {
    let out = command.output().expect("run dtr-gateway");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// The database a store test runs on. Store tests run on both: each is
/// written once, as `async fn name(db: TestDb)`, and [`on_both_stores!`]
/// makes a test of it for each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestDb {
    Sqlite,
    Postgres,
}

impl TestDb {
    /// The URL of a new, empty store: a SQLite file in `dir`, or a new
    /// database on the PostgreSQL server of `scripts/postgres.sh`.
    pub fn new_store_url(self, dir: &Path) -> String {
        match self {
            TestDb::Sqlite => format!("sqlite:{}", dir.join("cases.db").display()),
            TestDb::Postgres => postgres_database(),
        }
    }
}

/// The admin URL of the test PostgreSQL server, started once per test
/// binary (the script is idempotent); databases that ended test
/// processes left are dropped then.
pub fn postgres_admin() -> &'static str {
    static ADMIN: OnceLock<String> = OnceLock::new();
    ADMIN.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/postgres.sh");
        let url = stdout_of(Command::new("bash").arg(&script), "scripts/postgres.sh")
            .lines()
            .find_map(|l| l.strip_prefix("export DTR_TEST_POSTGRES="))
            .expect("the script prints the server's URL")
            .trim()
            .to_string();
        let stale = psql(
            &url,
            "SELECT datname FROM pg_database WHERE datname LIKE 'dtr\\_test\\_%'",
        );
        for name in stale.lines().filter(|l| !l.is_empty()) {
            // Each name carries its test process's id: a test binary
            // running beside this one keeps its databases.
            let pid = name.split('_').nth(2).unwrap_or_default();
            if !Path::new("/proc").join(pid).exists() {
                psql(
                    &url,
                    &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                );
            }
        }
        url
    })
}

/// A new database on the test server, named for this process; its URL.
pub fn postgres_database() -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let admin = postgres_admin();
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let name = format!("dtr_test_{}_{n}", std::process::id());
    psql(admin, &format!("CREATE DATABASE {name}"));
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
    format!("{base}/{name}")
}

/// Runs one statement with psql; its rows, one a line.
pub fn psql(url: &str, sql: &str) -> String {
    stdout_of(
        Command::new("psql").args([
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            url,
            "-c",
            sql,
        ]),
        &format!("psql {sql}"),
    )
}

/// Runs a command that must succeed (`what` names it in the failure,
/// with what it wrote to standard error); what it printed.
pub fn stdout_of(command: &mut Command, what: &str) -> String {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Makes two tests of each `async fn NAME(db: TestDb)` listed, in a module
/// `NAME`: `NAME::sqlite` and `NAME::postgres`. Attributes given before a
/// name (such as a multi-threaded runtime) replace `#[tokio::test]`.
#[macro_export]
macro_rules! on_both_stores {
    ($($(#[$meta:meta])* $name:ident),* $(,)?) => {
        $(
            mod $name {
                $crate::on_both_stores!(@test sqlite, Sqlite, $name, $(#[$meta])*);
                $crate::on_both_stores!(@test postgres, Postgres, $name, $(#[$meta])*);
            }
        )*
    };
    (@test $which:ident, $db:ident, $name:ident, ) => {
        #[tokio::test]
        async fn $which() {
            super::$name(super::common::TestDb::$db).await
        }
    };
    (@test $which:ident, $db:ident, $name:ident, $(#[$meta:meta])+) => {
        $(#[$meta])+
        async fn $which() {
            super::$name(super::common::TestDb::$db).await
        }
    };
}

/// What `dtr-gateway case REF respond --lead` records: the authority's
/// response, naming its lead officer when given.
pub async fn respond_by_hand(
    store: &dtr_gateway::store::Store,
    config: &dtr_gateway::config::Config,
    reference: &str,
    lead: Option<dtr_gateway::core::reply::NamedLead>,
) {
    use dtr_gateway::core::plan::CaseChange;
    use dtr_gateway::core::protocol::{Evidence, Side};
    let mut changes = vec![CaseChange::AuthorityResponded {
        evidence: Evidence {
            at: chrono::Utc::now(),
            side: Side::Authority,
            answers: None,
            done: Vec::new(),
        },
        how: "recorded by hand".into(),
    }];
    changes.extend(lead.map(CaseChange::LeadOfficerNamed));
    store
        .record_by_hand(reference, &changes, &[], &config.outgoing)
        .await
        .expect("the response is recorded");
}

/// A new probation or prison case lead, recorded by hand.
pub async fn case_lead_by_hand(
    store: &dtr_gateway::store::Store,
    config: &dtr_gateway::config::Config,
    reference: &str,
    lead: dtr_gateway::core::reply::NamedLead,
) {
    use dtr_gateway::core::plan::CaseChange;
    store
        .record_by_hand(
            reference,
            &[CaseChange::CaseLeadChanged(lead)],
            &[],
            &config.outgoing,
        )
        .await
        .expect("the case lead is recorded");
}

/// Base64 on one line (as inside `AUTHENTICATE PLAIN`).
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Base64 in lines of 76 characters, as mail programs write it.
pub fn mime_base64(bytes: &[u8]) -> String {
    let encoded = base64(bytes);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .filter_map(|line| std::str::from_utf8(line).ok())
        .collect();
    let mut out = lines.join("\r\n");
    if !encoded.is_empty() && encoded.len().is_multiple_of(76) {
        out.push_str("\r\n");
    }
    out
}
