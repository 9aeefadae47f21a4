//! Secrets never leave where they are kept. The real daemon, logging at
//! `trace`, watches mailboxes on the real Dovecot with passwords from the
//! environment and from files, one of each wrong, and an access-token
//! command the server refuses, and sends through the real Postfix with a
//! password it cannot use; then `status`, `outbox`, `cases`, `case` and
//! `check-config` run. No password or token appears anywhere: not in the
//! daemon's output, not in any command's, not in any byte of the store.
//! The tests share the mail servers, so they take turns.

mod common;

use common::{mail_servers, referral, smtp_outgoing, wait_until, write_config_sending};
use dtr_gateway::store::Store;
use sqlx::Row;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tempfile::TempDir;
use tokio::sync::Mutex;

static SERIAL: Mutex<()> = Mutex::const_new(());

/// Distinctive secrets: the wrong ones, and the SMTP password and token.
const WRONG_IN_FILE: &str = "file-Wrong-Secret-Rochford-8c41";
const WRONG_IN_ENV: &str = "env-Wrong-Secret-Southend-3e97";
const TOKEN: &str = "cmd-Token-Secret-Tendring-6a12";
const SMTP_PASSWORD: &str = "smtp-Secret-Password-d5f0";

/// Ways a secret could be written down: as it is, and inside base64 (an
/// `AUTHENTICATE PLAIN` or XOAUTH2 string) at each of the three offsets.
fn spellings(secret: &str) -> Vec<Vec<u8>> {
    let mut out = vec![secret.as_bytes().to_vec()];
    for offset in 0..3 {
        let mut bytes = vec![0u8; offset];
        bytes.extend_from_slice(secret.as_bytes());
        let encoded = common::base64(&bytes);
        // Keep the characters that depend on the secret alone.
        let skip = (offset * 4).div_ceil(3);
        let keep = (secret.len() - 2) * 4 / 3;
        out.push(encoded.as_bytes()[skip..skip + keep].to_vec());
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The start of the log line holding byte `at` (its time, level and
/// target), for a failure to say who wrote it without repeating it.
fn where_in(bytes: &[u8], at: usize) -> String {
    let start = bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    String::from_utf8_lossy(&bytes[start..at])
        .chars()
        .take(80)
        .collect()
}

struct Setup {
    dir: TempDir,
    config_dir: PathBuf,
    database: String,
    env: Vec<(&'static str, String)>,
}

/// Colchester with the password from the environment, Maldon from a file
/// (both right), Rochford from a file and Southend from the environment
/// (both wrong), Tendring with a token command; mail out through Postfix,
/// whose login refuses the password from the environment.
fn setup() -> Setup {
    let servers = mail_servers();
    let dir = TempDir::new().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    let outgoing = format!(
        "{}\nusername = \"gateway\"\npassword_env = \"DTR_SMTP_PASSWORD\"",
        smtp_outgoing(100)
    );
    let config_dir =
        write_config_sending(dir.path(), &database, &["colchester"], "", Some(&outgoing));
    let right = dir.path().join("maldon.password");
    std::fs::write(&right, format!("{}\n", servers.get("DTR_MAIL_PASSWORD"))).expect("write");
    let wrong = dir.path().join("rochford.password");
    std::fs::write(&wrong, format!("{WRONG_IN_FILE}\n")).expect("write");
    let mailbox = |name: &str, code: &str, credentials: String| {
        format!(
            "[[mailbox]]\nname = \"{name}\"\nauthority = \"{code}\"\n[mailbox.imap]\nhost = \"127.0.0.1\"\n\
             port = {}\ntls = \"implicit\"\nca_file = \"{}\"\nusername = \"{name}\"\n{credentials}\n\n",
            servers.port("DTR_IMAPS_PORT"),
            servers.get("DTR_MAIL_CA"),
        )
    };
    let mut gateway = std::fs::read_to_string(config_dir.join("gateway.toml")).expect("read");
    gateway += &mailbox(
        "maldon",
        "MAL",
        format!("password_file = \"{}\"", right.display()),
    );
    gateway += &mailbox(
        "rochford",
        "ROC",
        format!("password_file = \"{}\"", wrong.display()),
    );
    gateway += &mailbox(
        "southend",
        "SOU",
        "password_env = \"DTR_WRONG_PASSWORD\"".into(),
    );
    gateway += &mailbox(
        "tendring",
        "TEN",
        format!("token_command = \"echo {TOKEN}\""),
    );
    std::fs::write(config_dir.join("gateway.toml"), gateway).expect("write");
    Setup {
        env: vec![
            ("RUST_LOG", "trace".into()),
            ("DTR_MAIL_PASSWORD", servers.get("DTR_MAIL_PASSWORD").into()),
            ("DTR_WRONG_PASSWORD", WRONG_IN_ENV.into()),
            ("DTR_SMTP_PASSWORD", SMTP_PASSWORD.into()),
        ],
        dir,
        config_dir,
        database,
    }
}

impl Setup {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_dtr-gateway"));
        command
            .arg("--config")
            .arg(&self.config_dir)
            .args(["--database", &self.database])
            .args(args)
            .current_dir(self.dir.path())
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())));
        command
    }

    /// A command's whole output, standard output then standard error.
    fn run(&self, args: &[&str]) -> Vec<u8> {
        let out = self.command(args).output().expect("run");
        let mut all = out.stdout;
        all.extend(out.stderr);
        all
    }

    fn daemon(&self) -> Child {
        let log = |name: &str| std::fs::File::create(self.dir.path().join(name)).expect("log file");
        self.command(&["run"])
            .stdout(Stdio::from(log("daemon.out")))
            .stderr(Stdio::from(log("daemon.err")))
            .spawn()
            .expect("start the daemon")
    }

    /// Every file of the store: the database, its WAL and shared memory.
    fn store_files(&self) -> Vec<(String, Vec<u8>)> {
        std::fs::read_dir(self.dir.path())
            .expect("dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("cases.db"))
            })
            .map(|p| {
                (
                    p.display().to_string(),
                    std::fs::read(&p).unwrap_or_default(),
                )
            })
            .collect()
    }
}

async fn state_of(store: &Store, mailbox: &str) -> Option<(String, Option<String>)> {
    sqlx::query(
        "SELECT state, last_error FROM mailbox_status WHERE mailbox = $1 AND folder = 'INBOX'",
    )
    .bind(mailbox)
    .fetch_optional(store.pool())
    .await
    .expect("status")
    .map(|r| (r.get(0), r.get(1)))
}

fn stop(mut daemon: Child) {
    // SAFETY: signals our own child, by its id.
    unsafe { libc::kill(daemon.id() as libc::pid_t, libc::SIGTERM) };
    for _ in 0..400 {
        if daemon.try_wait().expect("wait").is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = daemon.kill();
    panic!("the daemon did not stop within 20 s of SIGTERM");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_password_or_token_appears_in_logs_output_or_the_store() {
    let _turn = SERIAL.lock().await;
    let servers = mail_servers();
    for user in [
        "colchester",
        "maldon",
        "rochford",
        "southend",
        "tendring",
        "referrer",
    ] {
        servers.reset(user);
    }
    let setup = setup();
    let secrets = [
        servers.get("DTR_MAIL_PASSWORD"),
        WRONG_IN_FILE,
        WRONG_IN_ENV,
        TOKEN,
        SMTP_PASSWORD,
    ];
    let daemon = setup.daemon();
    let store = Store::open(&setup.database).await.expect("store");

    // The right passwords log in; the wrong ones and the token are refused.
    for user in ["colchester", "maldon"] {
        let idle = wait_until(Duration::from_secs(30), || async {
            state_of(&store, user)
                .await
                .is_some_and(|(s, _)| s == "idle")
        })
        .await;
        assert!(idle.is_some(), "{user}: {:?}", state_of(&store, user).await);
    }
    for user in ["rochford", "southend", "tendring"] {
        let refused = wait_until(Duration::from_secs(30), || async {
            state_of(&store, user)
                .await
                .is_some_and(|(_, e)| e.is_some())
        })
        .await;
        assert!(
            refused.is_some(),
            "{user}: {:?}",
            state_of(&store, user).await
        );
    }
    // A referral: recorded, and its acknowledgement fails to go (Postfix
    // refuses the login), so the SMTP password is fetched and used in vain.
    servers.send(
        "referrer@justice.test",
        "colchester@lha.test",
        &referral("secrets-1@justice.test", 1, "colchester@lha.test"),
    );
    let failed = wait_until(Duration::from_secs(30), || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM outbox WHERE last_error IS NOT NULL")
            .fetch_one(store.pool())
            .await
            .unwrap_or(0)
            > 0
    })
    .await;
    let errors: Vec<Option<String>> = sqlx::query_scalar("SELECT last_error FROM outbox")
        .fetch_all(store.pool())
        .await
        .expect("outbox");
    assert!(failed.is_some(), "no SMTP failure: {errors:?}");
    let reference: String = sqlx::query_scalar("SELECT reference FROM cases")
        .fetch_one(store.pool())
        .await
        .expect("a case");

    // Everything a person would look at, while the daemon runs.
    let mut seen: Vec<(String, Vec<u8>)> = Vec::new();
    for args in [
        &["status"][..],
        &["outbox"],
        &["outbox", "--failed"],
        &["cases"],
        &["case", &reference],
    ] {
        seen.push((format!("dtr-gateway {}", args.join(" ")), setup.run(args)));
    }
    let check = setup
        .command(&["check-config", "--config"])
        .arg(&setup.config_dir)
        .output()
        .expect("check-config");
    let mut all = check.stdout;
    all.extend(check.stderr);
    seen.push(("dtr-gateway check-config".into(), all));
    for (name, bytes) in setup.store_files() {
        seen.push((format!("{name} (daemon running)"), bytes));
    }
    drop(store);
    stop(daemon);
    for (name, bytes) in setup.store_files() {
        seen.push((format!("{name} (daemon stopped)"), bytes));
    }
    for name in ["daemon.out", "daemon.err"] {
        let bytes = std::fs::read(setup.dir.path().join(name)).expect("log");
        seen.push((name.to_string(), bytes));
    }

    // What was looked at is what it should be: the failures show, and the
    // daemon logged at trace level, the IMAP conversation included.
    let text = |name: &str| -> String {
        seen.iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| String::from_utf8_lossy(b).to_string())
            .unwrap_or_default()
    };
    let status = text("dtr-gateway status");
    for expected in [
        "login as rochford refused",
        "login as southend refused",
        "tendring",
    ] {
        assert!(status.contains(expected), "{expected} not in {status}");
    }
    let outbox = text("dtr-gateway outbox");
    assert!(
        outbox.contains("SMTP") || outbox.contains("credentials"),
        "{outbox}"
    );
    let log = text("daemon.err");
    assert!(
        log.contains("TRACE"),
        "the daemon did not log at trace level"
    );
    assert!(log.contains("LOGIN") || log.contains("login"), "{log}");

    let mut leaks = Vec::new();
    for (name, bytes) in &seen {
        for (n, secret) in secrets.iter().enumerate() {
            if let Some(at) = spellings(secret).iter().find_map(|s| find(bytes, s)) {
                leaks.push(format!("secret {n} in {name}: {}", where_in(bytes, at)));
            }
        }
    }
    assert!(leaks.is_empty(), "secrets written down: {leaks:#?}");

    // Nor, while at it, the person the referral is about.
    for (name, bytes) in seen.iter().filter(|(n, _)| n.starts_with("daemon.")) {
        for private in ["Test Person1", "A0001AA", "14/07/1988"] {
            if let Some(at) = find(bytes, private.as_bytes()) {
                panic!("{private} in {name}: {}", where_in(bytes, at));
            }
        }
    }
}
