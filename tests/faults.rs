//! Fault tests: the real daemon binary (`dtr-gateway run`) as a child
//! process, its standard error kept in a file, against real servers (the
//! test Dovecot of `scripts/mailservers.sh`, real SQLite files, real
//! filesystems) and against servers scripted here (a TCP proxy that cuts or
//! garbles IMAP connections, an IMAP server that answers garbage, an SMTP
//! server that answers 421, 451 and 550). For each fault: what the daemon
//! reports (its log line, `status`, `outbox`, the case), and, once the fault
//! is gone, that every message is recorded once and every mail sent once.
//!
//! The daemon killed with SIGKILL is not here: `tests/replies.rs`
//! (`sigkill_during_a_burst_of_200_referrals_loses_none`) kills it three
//! times during a burst of 200 referrals.
//!
//! Some faults need root: a small tmpfs mounted for a full disk, a
//! read-only tmpfs, and `chattr +i` for a database that refuses writes while
//! the daemon runs (root ignores permission bits, and a read-only remount is
//! refused while the daemon holds the files open for writing; an immutable
//! file refuses writes even through descriptors opened before, on ext4).
//! Where the sandbox does not allow them, the test says so on standard error
//! and checks nothing.
//!
//! The sender waits 30 s × 2^attempts before retrying a mail. Rather than
//! wait, the tests bring the retry forward in the database (`due_now`).
//! The IMAP tests read folders of their own in the test Dovecot's `gateway`
//! mailbox, so that other tests using the authorities' inboxes at the same
//! time do not disturb them.

mod common;

use common::daemon::Daemon;
use common::folder::GatewayFolder;
use common::{header, mail_servers, referral};
use dtr_gateway::store::{Store, Table};
use sqlx::Connection;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown as Both, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_dtr-gateway");

// ------------------------------------------------------------------ set-up

/// One test's gateway: its configuration folder (also the test folder),
/// database, Maildir and outbox folder.
impl GatewayFolder {
    /// The line of `dtr-gateway status` for a mailbox.
    fn status_line(&self, mailbox: &str) -> Option<String> {
        let (_, out, _) = self.cli(&["status"]);
        out.lines()
            .find(|l| l.split_whitespace().next() == Some(mailbox))
            .map(str::to_string)
    }
}

/// Polls `check` every 100 ms until it holds or `limit` passes.
async fn wait_for<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if check().await {
            return true;
        }
        if started.elapsed() > limit {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The outbox: (id, purpose, status, attempts, last error).
async fn outbox_rows(store: &Store) -> Vec<(i64, String, String, i64, Option<String>)> {
    sqlx::query_as("SELECT id, purpose, status, attempts, last_error FROM outbox ORDER BY id")
        .fetch_all(store.pool())
        .await
        .unwrap_or_default()
}

/// Brings every queued mail's retry forward to now. The sender's backoff
/// (30 s × 2^attempts) would make each test wait minutes; only the time
/// moves, nothing else about the row.
async fn due_now(store: &Store) {
    sqlx::query("UPDATE outbox SET next_attempt_at = $1 WHERE status = 'queued'")
        .bind(dtr_gateway::store::Stamp(chrono::Utc::now()))
        .execute(store.pool())
        .await
        .expect("bring the retries forward");
}

/// The mailbox's state and last error, as `status` shows them.
async fn state_of(store: &Store, mailbox: &str) -> Option<(String, Option<String>)> {
    sqlx::query_as("SELECT state, last_error FROM mailbox_status WHERE mailbox = $1")
        .bind(mailbox)
        .fetch_optional(store.pool())
        .await
        .ok()
        .flatten()
}

async fn wait_state(store: &Store, mailbox: &str, state: &str, limit: Duration) -> bool {
    wait_for(limit, || async {
        state_of(store, mailbox)
            .await
            .is_some_and(|(s, _)| s == state)
    })
    .await
}

/// The Message-IDs of the referrals in the store, each with how often it
/// was recorded.
async fn referrals_recorded(store: &Store) -> HashMap<String, i64> {
    sqlx::query_as::<_, (String, i64)>(
        "SELECT message_id, COUNT(*) FROM messages WHERE kind = 'referral' GROUP BY message_id",
    )
    .fetch_all(store.pool())
    .await
    .unwrap_or_default()
    .into_iter()
    .collect()
}

/// Every referral recorded once, each with a case of its own, and nothing
/// left in the outbox unsent.
async fn assert_recorded_once(store: &Store, ids: &[String]) {
    let recorded = referrals_recorded(store).await;
    for id in ids {
        assert_eq!(
            recorded.get(&format!("<{id}>")),
            Some(&1),
            "{id} is recorded once: {recorded:?}"
        );
    }
    assert_eq!(recorded.len(), ids.len(), "no other referral: {recorded:?}");
    assert_eq!(
        store.count(Table::Cases).await.expect("cases"),
        ids.len() as i64,
        "a case per referral"
    );
    let rows = outbox_rows(store).await;
    assert!(
        rows.iter().all(|r| r.2 == "sent"),
        "every mail is sent: {rows:?}"
    );
    let acks = rows.iter().filter(|r| r.1 == "acknowledgement").count();
    assert_eq!(acks, ids.len(), "an acknowledgement per referral: {rows:?}");
}

/// Waits until every referral has its case and the outbox holds an
/// acknowledgement for each and nothing unsent.
async fn wait_all_sent(store: &Store, n: usize, limit: Duration) -> bool {
    wait_for(limit, || async {
        let cases = store.count(Table::Cases).await.unwrap_or(-1);
        let rows = outbox_rows(store).await;
        cases == n as i64
            && rows.iter().filter(|r| r.1 == "acknowledgement").count() == n
            && rows.iter().all(|r| r.2 == "sent")
    })
    .await
}

/// Once a fault is gone the daemon works as before: a referral delivered
/// into the Maildir now is recorded and acknowledged, and nothing goes
/// wrong meanwhile (a connection left broken by the fault would).
async fn assert_recovered(
    setup: &GatewayFolder,
    daemon: &Daemon,
    store: &Store,
    mail: &mut Vec<(String, Vec<u8>)>,
) {
    let errors = daemon.lines_with(&["ERROR"]).len();
    let tag = format!("after-{}", mail[0].0.split('-').next().unwrap_or("fault"));
    let mut more = referrals(&tag, 90..93, "braintree@lha.test");
    for (n, (_, raw)) in more.iter().enumerate() {
        setup.deliver(&format!("{n}.{tag}"), raw);
    }
    mail.append(&mut more);
    assert!(
        wait_all_sent(store, mail.len(), Duration::from_secs(30)).await,
        "referrals after the fault are recorded and acknowledged: {:?}; outbox {:?}\n{}",
        referrals_recorded(store).await,
        outbox_rows(store).await,
        daemon.tail()
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = daemon.lines_with(&["ERROR"]);
    assert_eq!(
        after.len(),
        errors,
        "errors after the fault was gone:\n{}",
        after[errors..].join("\n")
    );
}

/// Each mail's text, from the `.eml` files of a folder.
fn mail_files(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).to_string())
        .collect()
}

/// Every mail is whole and went once; each referral has exactly one
/// acknowledgement, in its thread.
fn assert_acknowledged_once(mails: &[String], ids: &[String]) {
    let mut message_ids = HashMap::<String, usize>::new();
    let mut acks = HashMap::<String, usize>::new();
    for mail in mails {
        assert!(
            mail.trim_end().ends_with("--"),
            "a mail is cut short ({} bytes): {:?}",
            mail.len(),
            &mail[mail.len().saturating_sub(200)..]
        );
        *message_ids
            .entry(header(mail, "Message-ID").unwrap_or_default())
            .or_default() += 1;
        if header(mail, "Subject").is_some_and(|s| s.ends_with("Referral received")) {
            *acks
                .entry(header(mail, "In-Reply-To").unwrap_or_default())
                .or_default() += 1;
        }
    }
    let twice: Vec<_> = message_ids.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "mail sent more than once: {twice:?}");
    for id in ids {
        assert_eq!(
            acks.get(&format!("<{id}>")),
            Some(&1),
            "{id} is acknowledged once: {acks:?}"
        );
    }
    assert_eq!(acks.len(), ids.len(), "no other acknowledgement: {acks:?}");
}

/// Referrals to an inbox, with Message-IDs `{tag}-{n}@justice.test`.
fn referrals(tag: &str, numbers: std::ops::Range<u32>, to: &str) -> Vec<(String, Vec<u8>)> {
    numbers
        .map(|n| {
            let id = format!("{tag}-{n}@justice.test");
            let raw = referral(&id, n, to);
            (id, raw)
        })
        .collect()
}

/// Once the sender's 5 s poll has passed again (so that anything going a
/// second time would have gone): every referral recorded once, the relay
/// given `mails` mails, and each referral acknowledged once.
async fn assert_delivered_once(
    store: &Store,
    smtp: &FakeSmtp,
    mail: &[(String, Vec<u8>)],
    mails: usize,
    what: &str,
) {
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_recorded_once(store, &ids(mail)).await;
    assert_eq!(smtp.accepted().len(), mails, "{what}");
    assert_acknowledged_once(&smtp.accepted(), &ids(mail));
}

fn ids(referrals: &[(String, Vec<u8>)]) -> Vec<String> {
    referrals.iter().map(|(id, _)| id.clone()).collect()
}

// ------------------------------------------------------- scripted servers

/// How the scripted SMTP server answers; changed while it runs.
#[derive(Default)]
struct SmtpRules {
    /// 421 instead of the greeting, then the connection is closed.
    refuse_connections: bool,
    /// 451 to every RCPT.
    defer_rcpt: bool,
    /// 451 at the end of DATA, once the whole mail has come.
    defer_data: bool,
    /// 550 to RCPT for this address.
    reject: Option<String>,
    /// The answer to the end of DATA is kept back while this holds.
    hold: bool,
}

#[derive(Default)]
struct SmtpSeen {
    /// The text of every mail answered 250.
    accepted: Vec<String>,
    /// Every refusal given, as "421 connect", "451 RCPT x", "451 DATA", "550 RCPT x".
    refusals: Vec<String>,
    /// Mails that have come in full (whatever the answer).
    data: usize,
}

/// An SMTP server on a loopback port speaking just enough SMTP for lettre.
#[derive(Clone)]
struct FakeSmtp {
    port: u16,
    rules: Arc<Mutex<SmtpRules>>,
    seen: Arc<Mutex<SmtpSeen>>,
}

impl FakeSmtp {
    fn start(rules: SmtpRules) -> FakeSmtp {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let server = FakeSmtp {
            port: listener.local_addr().expect("addr").port(),
            rules: Arc::new(Mutex::new(rules)),
            seen: Arc::default(),
        };
        let accepting = server.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let server = accepting.clone();
                std::thread::spawn(move || {
                    let _ = server.serve(stream);
                });
            }
        });
        server
    }

    fn rules(&self) -> MutexGuard<'_, SmtpRules> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn seen(&self) -> MutexGuard<'_, SmtpSeen> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn accepted(&self) -> Vec<String> {
        self.seen().accepted.clone()
    }

    fn refusals(&self) -> Vec<String> {
        self.seen().refusals.clone()
    }

    fn refuse(&self, what: String) {
        self.seen().refusals.push(what);
    }

    fn serve(&self, stream: TcpStream) -> std::io::Result<()> {
        stream.set_read_timeout(Some(Duration::from_secs(120)))?;
        let mut out = stream.try_clone()?;
        let mut input = BufReader::new(stream);
        if self.rules().refuse_connections {
            self.refuse("421 connect".into());
            out.write_all(b"421 4.3.2 fake.test Service not available, closing channel\r\n")?;
            return Ok(());
        }
        out.write_all(b"220 fake.test ESMTP\r\n")?;
        let mut line = String::new();
        loop {
            line.clear();
            if input.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let verb = line
                .split([' ', ':', '\r', '\n'])
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            let reply = match verb.as_str() {
                "EHLO" => "250-fake.test\r\n250 8BITMIME\r\n".to_string(),
                "HELO" | "MAIL" | "RSET" | "NOOP" => "250 2.0.0 Ok\r\n".to_string(),
                "RCPT" => {
                    let to = line
                        .split(['<', '>'])
                        .nth(1)
                        .unwrap_or("")
                        .to_ascii_lowercase();
                    let (reject, defer) = {
                        let rules = self.rules();
                        (rules.reject.as_deref() == Some(&to), rules.defer_rcpt)
                    };
                    if reject {
                        self.refuse(format!("550 RCPT {to}"));
                        format!("550 5.1.1 <{to}>: Recipient address rejected: User unknown\r\n")
                    } else if defer {
                        self.refuse(format!("451 RCPT {to}"));
                        format!("451 4.3.0 <{to}>: Temporary lookup failure\r\n")
                    } else {
                        "250 2.1.5 Ok\r\n".to_string()
                    }
                }
                "DATA" => {
                    out.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")?;
                    let mut text = String::new();
                    loop {
                        line.clear();
                        if input.read_line(&mut line)? == 0 {
                            return Ok(());
                        }
                        if line == ".\r\n" || line == ".\n" {
                            break;
                        }
                        text.push_str(line.strip_prefix('.').unwrap_or(&line));
                    }
                    self.seen().data += 1;
                    while self.rules().hold {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    if self.rules().defer_data {
                        self.refuse("451 DATA".into());
                        "451 4.3.0 Error: queue file write error\r\n".to_string()
                    } else {
                        self.seen().accepted.push(text);
                        "250 2.0.0 Ok: queued\r\n".to_string()
                    }
                }
                "QUIT" => {
                    out.write_all(b"221 2.0.0 Bye\r\n")?;
                    return Ok(());
                }
                _ => "502 5.5.2 Error: command not recognized\r\n".to_string(),
            };
            out.write_all(reply.as_bytes())?;
        }
    }
}

/// A TCP proxy in front of Dovecot's plain IMAP port that can cut or garble
/// the server's answers, or answer garbage itself.
#[derive(Clone)]
struct ImapProxy {
    port: u16,
    shared: Arc<ProxyShared>,
}

#[derive(Default)]
struct ProxyShared {
    upstream: u16,
    /// New connections get garbage instead of Dovecot while this holds.
    garbage: AtomicBool,
    /// This many more connections get garbage after their first message body.
    garble: AtomicUsize,
    /// Message bodies seen in FETCH answers so far, over all connections.
    bodies: AtomicUsize,
    /// The connection is cut 200 bytes into these bodies (counting from 1).
    cut_in: Mutex<HashSet<usize>>,
    /// What was done: "garbage", "cut in body N", "garbled".
    done: Mutex<Vec<String>>,
    connections: AtomicUsize,
    /// Run once, before the next `UID STORE` reaches the server.
    before_store: Mutex<Option<Box<dyn FnOnce() + Send>>>,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

impl ImapProxy {
    fn start(upstream: u16) -> ImapProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let proxy = ImapProxy {
            port: listener.local_addr().expect("addr").port(),
            shared: Arc::new(ProxyShared {
                upstream,
                ..ProxyShared::default()
            }),
        };
        let shared = proxy.shared.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let shared = shared.clone();
                std::thread::spawn(move || shared.serve(client));
            }
        });
        proxy
    }

    fn done(&self) -> Vec<String> {
        self.shared
            .done
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl ProxyShared {
    fn note(&self, what: String) {
        self.done
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(what);
    }

    fn serve(self: Arc<Self>, client: TcpStream) {
        self.connections.fetch_add(1, Ordering::SeqCst);
        if self.garbage.load(Ordering::SeqCst) {
            self.note("garbage".into());
            return answer_garbage(client);
        }
        let Ok(server) = TcpStream::connect(("127.0.0.1", self.upstream)) else {
            return;
        };
        let garble = self
            .garble
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        let (Ok(mut client_in), Ok(mut server_out)) = (client.try_clone(), server.try_clone())
        else {
            return;
        };
        let commands = self.clone();
        std::thread::spawn(move || {
            commands.pump_commands(&mut client_in, &mut server_out);
            let _ = server_out.shutdown(Both::Write);
        });
        self.pump_answers(server, client, garble);
    }

    /// Client to server, running the `before_store` hook on the way.
    fn pump_commands(&self, client: &mut TcpStream, server: &mut TcpStream) {
        let mut buf = [0u8; 16384];
        loop {
            let n = match client.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if find(&buf[..n], b" UID STORE ").is_some() {
                let hook = self
                    .before_store
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take();
                if let Some(hook) = hook {
                    hook();
                }
            }
            if server.write_all(&buf[..n]).is_err() {
                return;
            }
        }
    }

    /// Server to client, watching for message bodies (`BODY[] {n}`).
    fn pump_answers(&self, mut server: TcpStream, mut client: TcpStream, garble: bool) {
        let mut seen: Vec<u8> = Vec::new();
        let (mut sent, mut scanned) = (0, 0);
        // Where to stop forwarding, and why.
        let mut stop: Option<(usize, &'static str)> = None;
        // A body start whose literal header has not fully arrived yet.
        let mut pending: Option<(usize, bool)> = None;
        let mut buf = [0u8; 16384];
        loop {
            let n = match server.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            seen.extend_from_slice(&buf[..n]);
            while stop.is_none() && pending.is_none() {
                match find(&seen[scanned..], b"BODY[] {") {
                    Some(i) => {
                        let at = scanned + i;
                        scanned = at + 1;
                        let number = self.bodies.fetch_add(1, Ordering::SeqCst) + 1;
                        let cut = self
                            .cut_in
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .remove(&number);
                        if cut {
                            self.note(format!("cut in body {number}"));
                            pending = Some((at, true));
                        } else if garble {
                            self.note("garbled".into());
                            pending = Some((at, false));
                        }
                    }
                    None => {
                        scanned = scanned.max(seen.len().saturating_sub(8));
                        break;
                    }
                }
            }
            if let Some((at, cut)) = pending {
                let open = at + b"BODY[] ".len();
                if let Some(close) = find(&seen[open..], b"}\r\n") {
                    let length: usize = std::str::from_utf8(&seen[open + 1..open + close])
                        .ok()
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(0);
                    let body = open + close + 3;
                    stop = Some(if cut {
                        (body + 200.min(length / 2), "cut")
                    } else {
                        (body + length, "garble")
                    });
                    pending = None;
                }
            }
            let upto = match (stop, pending) {
                (Some((at, _)), _) => at.min(seen.len()),
                (None, Some((at, _))) => at,
                (None, None) => seen.len(),
            };
            if upto > sent && client.write_all(&seen[sent..upto]).is_err() {
                break;
            }
            sent = sent.max(upto);
            match stop {
                Some((at, "cut")) if sent >= at => {
                    let _ = client.shutdown(Both::Both);
                    let _ = server.shutdown(Both::Both);
                    return;
                }
                Some((at, _)) if sent >= at => {
                    // The body came whole; what follows it is nonsense, and
                    // the server's real answer never comes.
                    let _ = client.write_all(b" \x00\x01 ))) NONSENSE \xff\xfe\r\n");
                    while let Ok(n) = server.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                    }
                    return;
                }
                _ => {}
            }
        }
        let _ = client.shutdown(Both::Both);
    }
}

/// Answers a connection with bytes that are not IMAP, then nonsense to
/// whatever the client says, for up to a minute.
fn answer_garbage(mut client: TcpStream) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(60)));
    let _ = client.write_all(
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\xfe\xff\x00garbage\r\n* HELLO this is not IMAP\r\n",
    );
    let mut reader = BufReader::new(match client.try_clone() {
        Ok(c) => c,
        Err(_) => return,
    });
    let mut line = Vec::new();
    while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
        line.clear();
        if client.write_all(b")))) {5}\r\n\xff\xff\r\n").is_err() {
            break;
        }
    }
}

/// Another process holding SQLite's write lock on the database: the
/// `sqlite3` shell, or python3's sqlite3 module where the shell is missing.
struct Locker(Child);

impl Locker {
    async fn lock(db: &Path) -> Locker {
        let shell = Command::new("sqlite3")
            .arg(db)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn();
        let mut child = match shell {
            Ok(mut child) => {
                let stdin = child.stdin.as_mut().expect("stdin");
                // Wait for the daemon's own write to finish rather than
                // fail at once while it holds the lock.
                stdin
                    .write_all(b".timeout 30000\nBEGIN EXCLUSIVE;\n")
                    .expect("write");
                stdin.flush().expect("flush");
                child
            }
            Err(_) => Command::new("python3")
                .args([
                    "-c",
                    "import sqlite3, sys\n\
                     c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)\n\
                     c.execute('BEGIN EXCLUSIVE')\nsys.stdin.readline()\nc.execute('ROLLBACK')",
                ])
                .arg(db)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .spawn()
                .expect("neither sqlite3 nor python3 can be run"),
        };
        let locked = wait_for(Duration::from_secs(20), || write_locked(db)).await;
        if !locked {
            let _ = child.kill();
            panic!("the other process did not take the write lock within 20 s");
        }
        Locker(child)
    }

    fn release(mut self) {
        // End of input: the shell exits and its transaction is rolled back.
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

impl Drop for Locker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether someone holds the database's write lock (tried without waiting).
async fn write_locked(db: &Path) -> bool {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(db)
        .busy_timeout(Duration::ZERO);
    let Ok(mut conn) = sqlx::SqliteConnection::connect_with(&options).await else {
        return false;
    };
    let locked = sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut conn)
        .await
        .is_err();
    if !locked {
        let _ = sqlx::query("ROLLBACK").execute(&mut conn).await;
    }
    let _ = conn.close().await;
    locked
}

/// A tmpfs of the given size mounted for the test, unmounted at the end.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(path: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(path).expect("mount point");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .output();
        match out {
            Ok(out) if out.status.success() => Some(Tmpfs(path.to_path_buf())),
            Ok(out) => {
                eprintln!(
                    "SKIPPED: cannot mount a tmpfs at {} ({}); the disk-full test needs root and mount",
                    path.display(),
                    String::from_utf8_lossy(&out.stderr).trim()
                );
                None
            }
            Err(e) => {
                eprintln!("SKIPPED: cannot run mount ({e}); the disk-full test needs it");
                None
            }
        }
    }

    /// Fills it to the last byte; the filler file's path.
    fn fill(&self) -> PathBuf {
        let path = self.0.join("filler");
        let mut file = std::fs::File::create(&path).expect("filler");
        for size in [1 << 16, 4096, 512, 64, 1] {
            let chunk = vec![0u8; size];
            while file.write_all(&chunk).is_ok() {}
        }
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Files made immutable (`chattr +i`), made writable again when dropped.
struct Immutable(Vec<PathBuf>);

impl Immutable {
    /// Whether the filesystem under `dir` refuses writes to an immutable
    /// file through a descriptor opened before (ext4 does; tmpfs does not).
    fn enforced_under(dir: &Path) -> bool {
        let probe = dir.join("immutable-probe");
        let Ok(mut file) = std::fs::File::create(&probe) else {
            return false;
        };
        let made = Command::new("chattr")
            .arg("+i")
            .arg(&probe)
            .output()
            .is_ok_and(|o| o.status.success());
        let refused = made && file.write_all(b"x").is_err();
        let _ = Command::new("chattr").arg("-i").arg(&probe).status();
        let _ = std::fs::remove_file(&probe);
        refused
    }

    fn set(files: Vec<PathBuf>) -> Immutable {
        for file in &files {
            let out = Command::new("chattr")
                .arg("+i")
                .arg(file)
                .output()
                .expect("chattr");
            assert!(out.status.success(), "chattr +i {}", file.display());
        }
        Immutable(files)
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        for file in &self.0 {
            let _ = Command::new("chattr").arg("-i").arg(file).status();
        }
    }
}

/// The test Dovecot, its plain IMAP port and the users' password.
fn dovecot() -> u16 {
    let servers = mail_servers();
    // SAFETY: every test sets the same value, before any daemon starts.
    unsafe { std::env::set_var("DTR_MAIL_PASSWORD", servers.get("DTR_MAIL_PASSWORD")) };
    servers.port("DTR_IMAP_PORT")
}

/// A `[[mailbox]]` reading one folder of the `gateway` user over a plain
/// IMAP connection on this machine, from the first message of 2020 on.
fn imap_mailbox(name: &str, code: &str, folder: &str, port: u16) -> String {
    format!(
        "[[mailbox]]\nname = \"{name}\"\nauthority = \"{code}\"\n[mailbox.imap]\nhost = \"127.0.0.1\"\n\
         port = {port}\ntls = \"none\"\nusername = \"gateway\"\npassword_env = \"DTR_MAIL_PASSWORD\"\n\
         folders = [\"{folder}\"]\nstart = \"since 2020-01-01\"\n\n"
    )
}

/// Makes the folder anew (empty) in the `gateway` user's mailbox.
fn fresh_folder(folder: &str) {
    let servers = mail_servers();
    let mut words = servers.get("DTR_DOVEADM").split_whitespace();
    let program = words.next().expect("doveadm");
    let args: Vec<&str> = words.collect();
    // It may not exist yet.
    let _ = Command::new(program)
        .args(&args)
        .args(["mailbox", "delete", "-u", "gateway", folder])
        .output();
    servers.doveadm(&["mailbox", "create", "-u", "gateway", folder]);
}

// ------------------------------------------------------------------ tests

/// The IMAP connection is cut in the middle of a message body four times,
/// in the first fetch and in one woken by IDLE.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imap_connection_cut_in_the_middle_of_a_fetch() {
    let imap = dovecot();
    let servers = mail_servers();
    fresh_folder("FaultsCut");
    let proxy = ImapProxy::start(imap);
    // Bodies are counted over all connections. First fetch: 1-5, cut in 1;
    // again 1-5, cut in 2 (the first recorded); 2-5, cut in 3; then 3-5
    // whole. Two more while idle: cut in the second of them.
    proxy
        .shared
        .cut_in
        .lock()
        .expect("cuts")
        .extend([1, 3, 5, 10]);
    let setup = GatewayFolder::new();
    setup.write_config(
        &setup.files(),
        &imap_mailbox("castle-point", "CPT", "FaultsCut", proxy.port),
    );
    let mail = referrals("cut", 1..8, "castle-point@lha.test");
    for (_, raw) in &mail[..5] {
        servers.save("gateway", "FaultsCut", raw);
    }
    let store = setup.store().await;
    let daemon = Daemon::start(setup.path());

    let first = wait_for(Duration::from_secs(60), || async {
        referrals_recorded(&store).await.len() == 5
    })
    .await;
    assert!(
        first,
        "the five referrals are recorded despite three cuts: {:?}; cuts {:?}\n{}",
        referrals_recorded(&store).await,
        proxy.done(),
        daemon.tail()
    );
    assert!(
        wait_state(&store, "castle-point", "idle", Duration::from_secs(30)).await,
        "castle-point goes back to idle: {:?}",
        state_of(&store, "castle-point").await
    );
    for (_, raw) in &mail[5..] {
        servers.save("gateway", "FaultsCut", raw);
    }
    let all = wait_all_sent(&store, 7, Duration::from_secs(60)).await;
    assert!(
        all,
        "every referral recorded and acknowledged: {:?}; outbox {:?}; cuts {:?}\n{}",
        referrals_recorded(&store).await,
        outbox_rows(&store).await,
        proxy.done(),
        daemon.tail()
    );
    assert_eq!(
        proxy.done(),
        [
            "cut in body 1",
            "cut in body 3",
            "cut in body 5",
            "cut in body 10"
        ]
    );

    // What a person sees: a log line per cut naming the mailbox, and the
    // last error in `status`.
    let failures = daemon.lines_with(&["mailbox failed; retrying", "mailbox=castle-point"]);
    assert_eq!(failures.len(), 4, "one report per cut:\n{}", daemon.tail());
    println!("IMAP cut, reported as: {}", failures[0]);
    let status = setup.status_line("castle-point").expect("status line");
    println!("IMAP cut, status: {status}");
    assert!(
        status.contains(" idle ") && status.contains("IMAP"),
        "status shows the mailbox idle again with its last error: {status}"
    );

    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_recorded_once(&store, &ids(&mail)).await;
    assert_acknowledged_once(&mail_files(&setup.outbox), &ids(&mail));
}

/// Mail delivered while the gateway is busy between its FETCH and IDLE (here
/// marking what it recorded with a keyword) is announced in the answer to
/// that command, not in IDLE; it is fetched at once all the same, not at the
/// next IDLE renewal 25 minutes later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imap_mail_announced_before_idle_is_fetched_at_once() {
    let imap = dovecot();
    let servers = mail_servers();
    fresh_folder("FaultsBeforeIdle");
    let proxy = ImapProxy::start(imap);
    let setup = GatewayFolder::new();
    let mailbox = imap_mailbox("harlow", "HAR", "FaultsBeforeIdle", proxy.port)
        .replace("folders =", "keyword = \"$DtrRecorded\"\nfolders =");
    setup.write_config(&setup.files(), &mailbox);
    let mail = referrals("before-idle", 1..3, "harlow@lha.test");
    servers.save("gateway", "FaultsBeforeIdle", &mail[0].1);
    let second = mail[1].1.clone();
    *proxy.shared.before_store.lock().expect("hook") = Some(Box::new(move || {
        mail_servers().save("gateway", "FaultsBeforeIdle", &second)
    }));
    let store = setup.store().await;
    let daemon = Daemon::start(setup.path());

    let both = wait_for(Duration::from_secs(20), || async {
        referrals_recorded(&store).await.len() == 2
    })
    .await;
    assert!(
        both,
        "the message delivered before IDLE is recorded without waiting for a renewal: {:?}\n{}",
        referrals_recorded(&store).await,
        daemon.tail()
    );
    assert!(
        proxy.shared.before_store.lock().expect("hook").is_none(),
        "the second message arrived while the gateway marked the first"
    );
    assert!(wait_all_sent(&store, 2, Duration::from_secs(30)).await);
    assert_recorded_once(&store, &ids(&mail)).await;
}

/// One mailbox's server answers garbage, then garbles a FETCH answer; the
/// other mailbox carries on; once the server is sane, nothing is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imap_server_answering_garbage() {
    let imap = dovecot();
    let servers = mail_servers();
    fresh_folder("FaultsGarbage");
    fresh_folder("FaultsHealthy");
    let proxy = ImapProxy::start(imap);
    proxy.shared.garbage.store(true, Ordering::SeqCst);
    let setup = GatewayFolder::new();
    setup.write_config(
        &setup.files(),
        &(imap_mailbox("brentwood", "BRE", "FaultsGarbage", proxy.port)
            + &imap_mailbox("braintree", "BRA", "FaultsHealthy", imap)),
    );
    let broken = referrals("garbage", 1..4, "brentwood@lha.test");
    let healthy = referrals("healthy", 11..12, "braintree@lha.test");
    for (_, raw) in &broken[..2] {
        servers.save("gateway", "FaultsGarbage", raw);
    }
    let store = setup.store().await;
    let daemon = Daemon::start(setup.path());

    // The garbage shows in `status` as Brentwood retrying, with its error.
    let mut shown = String::new();
    let retrying = wait_for(Duration::from_secs(45), || {
        shown = setup.status_line("brentwood").unwrap_or_default();
        std::future::ready(shown.contains(" retrying ") && shown.contains("IMAP"))
    })
    .await;
    assert!(
        retrying,
        "status shows brentwood retrying with an error: {shown:?}\n{}",
        daemon.tail()
    );
    assert!(
        shown.contains("; failing since "),
        "status says since when brentwood has been failing: {shown:?}"
    );
    println!("IMAP garbage, status: {shown}");
    let reported = daemon.lines_with(&["mailbox failed; retrying", "mailbox=brentwood"]);
    println!("IMAP garbage, reported as: {}", reported[0]);
    // Meanwhile Braintree is recorded as usual.
    servers.save("gateway", "FaultsHealthy", &healthy[0].1);
    let other = wait_for(Duration::from_secs(30), || async {
        referrals_recorded(&store)
            .await
            .contains_key(&format!("<{}>", healthy[0].0))
    })
    .await;
    assert!(other, "the other mailbox keeps working\n{}", daemon.tail());
    assert!(
        referrals_recorded(&store).await.len() == 1,
        "nothing recorded from garbage"
    );

    // The server comes back, but garbles its first FETCH answer once.
    servers.save("gateway", "FaultsGarbage", &broken[2].1);
    let before = reported.len();
    proxy.shared.garble.store(1, Ordering::SeqCst);
    proxy.shared.garbage.store(false, Ordering::SeqCst);
    let all = wait_all_sent(&store, 4, Duration::from_secs(60)).await;
    assert!(
        all,
        "every referral recorded and acknowledged once the server is sane: {:?}; outbox {:?}; proxy {:?}\n{}",
        referrals_recorded(&store).await,
        outbox_rows(&store).await,
        proxy.done(),
        daemon.tail()
    );
    assert!(
        proxy.done().iter().any(|d| d == "garbled"),
        "{:?}",
        proxy.done()
    );
    let garbled = daemon.lines_with(&["mailbox failed; retrying", "mailbox=brentwood"]);
    assert!(
        garbled.len() > before,
        "the garbled FETCH is reported:\n{}",
        daemon.tail()
    );
    println!(
        "IMAP garbled FETCH, reported as: {}",
        garbled[garbled.len() - 1]
    );
    // The garbled answer carried a referral: nothing of it in the log or the
    // status, which name cases, never people.
    let log = daemon.log();
    let status = setup.cli(&["status"]).1;
    for text in [&log, &status] {
        assert!(
            !text.contains("Test Person") && !text.contains("14/07/1988"),
            "personal data from the garbled answer is shown:\n{text}"
        );
    }

    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut every = broken.clone();
    every.extend(healthy.clone());
    assert_recorded_once(&store, &ids(&every)).await;
    assert_acknowledged_once(&mail_files(&setup.outbox), &ids(&every));
}

/// The relay answers 421 at connect: the mail waits and goes once later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_421_at_connect_is_retried_and_sent_once() {
    let smtp = FakeSmtp::start(SmtpRules {
        refuse_connections: true,
        ..SmtpRules::default()
    });
    let setup = GatewayFolder::new();
    setup.write_config(&GatewayFolder::smtp(smtp.port), &setup.maildir_mailbox());
    let store = setup.store().await;
    let daemon = Daemon::start(setup.path());
    assert!(
        wait_state(&store, "braintree", "connected", Duration::from_secs(30)).await,
        "the daemon does not watch the Maildir within 30 s\n{}",
        daemon.tail()
    );
    let mail = referrals("smtp421", 1..3, "braintree@lha.test");
    for (n, (_, raw)) in mail.iter().enumerate() {
        setup.deliver(&format!("{n}.smtp421"), raw);
    }

    let deferred = wait_for(Duration::from_secs(30), || async {
        let rows = outbox_rows(&store).await;
        rows.len() == 4
            && rows.iter().all(|r| {
                r.2 == "queued" && r.3 == 1 && r.4.as_deref().is_some_and(|e| e.contains("421"))
            })
    })
    .await;
    assert!(
        deferred,
        "each mail is kept for a retry with the 421: {:?}\n{}",
        outbox_rows(&store).await,
        daemon.tail()
    );
    let warned = daemon.lines_with(&["mail not sent; will retry", "421"]);
    assert_eq!(warned.len(), 4, "one warning per mail:\n{}", daemon.tail());
    println!("SMTP 421, reported as: {}", warned[0]);
    let (_, listing, _) = setup.cli(&["outbox"]);
    println!("SMTP 421, outbox:\n{listing}");
    assert!(
        listing.contains("queued") && listing.contains("421"),
        "`outbox` shows the mail queued with the 421: {listing}"
    );

    smtp.rules().refuse_connections = false;
    due_now(&store).await;
    assert!(
        wait_all_sent(&store, 2, Duration::from_secs(30)).await,
        "sent once the relay accepts: {:?}\n{}",
        outbox_rows(&store).await,
        daemon.tail()
    );
    assert_delivered_once(&store, &smtp, &mail, 4, "four mails, once each").await;
    assert!(outbox_rows(&store).await.iter().all(|r| r.3 == 2));
}

/// The relay answers 451 to RCPT, then 451 after the whole DATA: each
/// mail is retried and accepted once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_451_to_rcpt_and_data_is_retried_and_sent_once() {
    let smtp = FakeSmtp::start(SmtpRules {
        defer_rcpt: true,
        ..SmtpRules::default()
    });
    let setup = GatewayFolder::new();
    setup.write_config(&GatewayFolder::smtp(smtp.port), &setup.maildir_mailbox());
    let store = setup.store().await;
    let daemon = Daemon::start(setup.path());
    assert!(
        wait_state(&store, "braintree", "connected", Duration::from_secs(30)).await,
        "the daemon does not watch the Maildir within 30 s\n{}",
        daemon.tail()
    );
    let mail = referrals("smtp451", 1..3, "braintree@lha.test");
    for (n, (_, raw)) in mail.iter().enumerate() {
        setup.deliver(&format!("{n}.smtp451"), raw);
    }

    let deferred_at = |attempts: i64| {
        let store = store.clone();
        async move {
            let rows = outbox_rows(&store).await;
            rows.len() == 4
                && rows.iter().all(|r| {
                    r.2 == "queued"
                        && r.3 == attempts
                        && r.4.as_deref().is_some_and(|e| e.contains("451"))
                })
        }
    };
    assert!(
        wait_for(Duration::from_secs(30), || deferred_at(1)).await,
        "451 to RCPT keeps each mail for a retry: {:?}\n{}",
        outbox_rows(&store).await,
        daemon.tail()
    );
    let warned = daemon.lines_with(&["mail not sent; will retry", "451"]);
    println!("SMTP 451 to RCPT, reported as: {}", warned[0]);

    // Now the whole mail is taken, then refused for the time being.
    {
        let mut rules = smtp.rules();
        rules.defer_rcpt = false;
        rules.defer_data = true;
    }
    due_now(&store).await;
    assert!(
        wait_for(Duration::from_secs(30), || deferred_at(2)).await,
        "451 after DATA keeps each mail for a retry: {:?}\n{}",
        outbox_rows(&store).await,
        daemon.tail()
    );
    assert_eq!(smtp.seen().data, 4, "the four mails came in full");
    assert!(smtp.accepted().is_empty());
    let (_, listing, _) = setup.cli(&["outbox"]);
    println!("SMTP 451, outbox:\n{listing}");
    assert!(
        listing.contains("queued") && listing.contains("451"),
        "{listing}"
    );

    smtp.rules().defer_data = false;
    due_now(&store).await;
    assert!(
        wait_all_sent(&store, 2, Duration::from_secs(30)).await,
        "sent once the relay accepts: {:?}\n{}",
        outbox_rows(&store).await,
        daemon.tail()
    );
    assert_delivered_once(&store, &smtp, &mail, 4, "four mails, once each").await;
    let refusals = smtp.refusals();
    assert_eq!(
        refusals
            .iter()
            .filter(|r| r.starts_with("451 RCPT"))
            .count(),
        4,
        "{refusals:?}"
    );
    assert_eq!(
        refusals.iter().filter(|r| *r == "451 DATA").count(),
        4,
        "{refusals:?}"
    );
}

/// The relay answers 550 for the referrer: the acknowledgement fails at
/// once, shows in `outbox --failed` and on the case, is not retried, and
/// `outbox retry` sends it once when the address is fixed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_550_fails_the_mail_until_retried_by_hand() {
    let smtp = FakeSmtp::start(SmtpRules {
        reject: Some("referrer@justice.test".into()),
        ..SmtpRules::default()
    });
    let setup = GatewayFolder::new();
    setup.write_config(&GatewayFolder::smtp(smtp.port), &setup.maildir_mailbox());
    let store = setup.store().await;
    let daemon = Daemon::start(setup.path());
    assert!(
        wait_state(&store, "braintree", "connected", Duration::from_secs(30)).await,
        "the daemon does not watch the Maildir within 30 s\n{}",
        daemon.tail()
    );
    let mail = referrals("smtp550", 1..2, "braintree@lha.test");
    setup.deliver("1.smtp550", &mail[0].1);

    let settled = wait_for(Duration::from_secs(30), || async {
        let rows = outbox_rows(&store).await;
        rows.len() == 2
            && rows
                .iter()
                .any(|r| r.1 == "acknowledgement" && r.2 == "failed")
            && rows.iter().any(|r| r.1 == "notice" && r.2 == "sent")
    })
    .await;
    assert!(
        settled,
        "the acknowledgement fails and the notice goes: {:?}\n{}",
        outbox_rows(&store).await,
        daemon.tail()
    );
    let rows = outbox_rows(&store).await;
    let ack = rows
        .iter()
        .find(|r| r.1 == "acknowledgement")
        .expect("ack")
        .clone();
    assert_eq!(ack.3, 1, "failed at the first attempt");
    let failed = daemon.lines_with(&["mail failed", &format!("outbox={}", ack.0)]);
    assert_eq!(failed.len(), 1, "{}", daemon.tail());
    println!("SMTP 550, reported as: {}", failed[0]);
    let (_, listing, _) = setup.cli(&["outbox", "--failed"]);
    println!("SMTP 550, outbox --failed:\n{listing}");
    let line = listing
        .lines()
        .find(|l| l.split_whitespace().next() == Some(&ack.0.to_string()))
        .unwrap_or_else(|| panic!("`outbox --failed` lists the acknowledgement: {listing}"));
    assert!(
        line.contains("failed")
            && line.contains("acknowledgement")
            && line.contains("DTR-BRA-2026-00001")
            && line.contains("550"),
        "{line}"
    );
    assert!(listing.contains("1 mail(s)"), "{listing}");
    let (_, case, _) = setup.cli(&["case", "DTR-BRA-2026-00001"]);
    assert!(
        case.contains("could not be sent"),
        "the case shows it: {case}"
    );

    // Not retried: however long the sender runs, and whenever it is due.
    due_now(&store).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let to_referrer = |r: &&String| r.ends_with("referrer@justice.test");
    assert_eq!(
        smtp.refusals().iter().filter(to_referrer).count(),
        1,
        "asked once: {:?}",
        smtp.refusals()
    );
    assert_eq!(
        outbox_rows(&store)
            .await
            .iter()
            .find(|r| r.0 == ack.0)
            .map(|r| (r.2.clone(), r.3)),
        Some(("failed".to_string(), 1))
    );

    // The address is fixed at the referrer's end; the operator retries.
    smtp.rules().reject = None;
    let (ok, out, err) = setup.cli(&["outbox", "retry", &ack.0.to_string()]);
    assert!(ok, "outbox retry: {out}{err}");
    assert!(out.contains("queued again"), "{out}");
    assert!(
        wait_all_sent(&store, 1, Duration::from_secs(30)).await,
        "the retried mail goes: {:?}\n{}",
        outbox_rows(&store).await,
        daemon.tail()
    );
    assert_delivered_once(
        &store,
        &smtp,
        &mail,
        2,
        "notice and acknowledgement, once each",
    )
    .await;
    let (_, listing, _) = setup.cli(&["outbox", "--failed"]);
    assert!(listing.contains("0 mail(s)"), "{listing}");
    // A retry of a mail that is not failed says so.
    let (ok, _, err) = setup.cli(&["outbox", "retry", &ack.0.to_string()]);
    assert!(!ok && err.contains("not a failed mail"), "{err}");
}

/// Another process holds the database's write lock for longer than the
/// store's 30 s busy timeout, just as a mail has been accepted by the relay
/// and while referrals arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_file_locked_by_another_process() {
    let smtp = FakeSmtp::start(SmtpRules {
        hold: true,
        ..SmtpRules::default()
    });
    let setup = GatewayFolder::new();
    setup.write_config(&GatewayFolder::smtp(smtp.port), &setup.maildir_mailbox());
    let store = setup.store().await;
    let mut daemon = Daemon::start(setup.path());
    assert!(
        wait_state(&store, "braintree", "connected", Duration::from_secs(30)).await,
        "the daemon does not watch the Maildir within 30 s\n{}",
        daemon.tail()
    );
    let mail = referrals("locked", 1..4, "braintree@lha.test");
    setup.deliver("1.locked", &mail[0].1);
    // The first mails are on the wire (the sender sends several at once);
    // the relay's answer waits.
    assert!(
        wait_for(Duration::from_secs(30), || std::future::ready(
            smtp.seen().data >= 1
        ))
        .await,
        "the first mail reaches the relay\n{}",
        daemon.tail()
    );

    let locker = Locker::lock(&setup.db_file).await;
    // The relay accepts it: the sender must now record that it went.
    smtp.rules().hold = false;
    setup.deliver("2.locked", &mail[1].1);
    setup.deliver("3.locked", &mail[2].1);
    let reported = daemon
        .wait_log(
            &["mailbox failed; retrying", "mailbox=braintree", "locked"],
            Duration::from_secs(50),
        )
        .await;
    let reported = reported.unwrap_or_else(|| panic!("the lock is reported\n{}", daemon.tail()));
    println!("SQLite locked, reported as: {reported}");
    locker.release();

    assert!(
        wait_all_sent(&store, 3, Duration::from_secs(60)).await,
        "every referral recorded and acknowledged once the lock is gone: {:?}; outbox {:?}\n{}",
        referrals_recorded(&store).await,
        outbox_rows(&store).await,
        daemon.tail()
    );
    let status = setup.status_line("braintree").expect("status");
    println!("SQLite locked, status: {status}");
    assert!(status.contains("database is locked"), "{status}");
    let mut mail = mail;
    assert_recovered(&setup, &daemon, &store, &mut mail).await;

    // A restart sends nothing again.
    assert!(daemon.stop().success(), "SIGTERM: exit 0");
    let _daemon = Daemon::start(setup.path());
    assert_delivered_once(
        &store,
        &smtp,
        &mail,
        12,
        "a notice and an acknowledgement each",
    )
    .await;
}

/// `run` cannot open its database: it stops at once, naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_unreachable_at_start_up() {
    let setup = GatewayFolder::new();
    setup.write_config(&setup.files(), &setup.maildir_mailbox());
    // Each: the URL, how the daemon names it, why it cannot be opened.
    let mut urls: Vec<(String, String, &str)> = Vec::new();
    let mut add = |url: String, reason| urls.push((url.clone(), url, reason));
    // Its folder cannot be made: a file is in the way.
    let file = setup.path().join("not-a-folder");
    std::fs::write(&file, "x").expect("write");
    add(
        format!("sqlite:{}/cases.db", file.display()),
        "cannot create the database folder",
    );
    // It is not a database.
    let garbage = setup.path().join("garbage.db");
    std::fs::write(&garbage, vec![0xa5u8; 8192]).expect("write");
    add(
        format!("sqlite:{}", garbage.display()),
        "file is not a database",
    );
    // Its filesystem is read-only (a tmpfs mounted so; root ignores modes).
    let read_only = setup.path().join("ro");
    std::fs::create_dir_all(&read_only).expect("mkdir");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs"])
        .arg(&read_only)
        .status()
        .is_ok_and(|s| s.success());
    let _unmount = mounted.then(|| Tmpfs(read_only.clone()));
    if mounted {
        add(
            format!("sqlite:{}/cases.db", read_only.display()),
            "cannot create the database file",
        );
    } else {
        eprintln!("SKIPPED: a read-only tmpfs cannot be mounted here; that case is not checked");
    }
    // A PostgreSQL server that is not there; the URL's password is blanked.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    urls.push((
        format!("postgres://dtr:db-secret-word@127.0.0.1:{closed}/dtr_gateway"),
        format!("postgres://dtr:***@127.0.0.1:{closed}/dtr_gateway"),
        "refused",
    ));
    for (url, shown, reason) in urls {
        let started = Instant::now();
        let out = Command::new(BIN)
            .args(["--database", &url, "run", "--config"])
            .arg(setup.path())
            .env_remove("DTR_DATABASE_URL")
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        println!("database {shown}: {}", stderr.trim());
        assert_eq!(out.status.code(), Some(1), "{shown}: {stderr}");
        assert!(
            stderr.contains(&format!("cannot open the store at {shown}"))
                && stderr.contains(reason),
            "{shown}: says which database and why: {stderr}"
        );
        assert!(!stderr.contains("db-secret-word"), "{stderr}");
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{shown}: took {:?}",
            started.elapsed()
        );
        assert!(!stderr.contains("dtr-gateway running"), "{stderr}");
    }
}

/// The database refuses every write while the daemon runs (its files made
/// immutable: root ignores permission bits), then accepts them again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_unreachable_while_running() {
    // Under the build folder rather than /tmp, which may be a tmpfs (where
    // `chattr +i` does not stop writes through open descriptors).
    let setup = GatewayFolder::new_in(Path::new(env!("CARGO_TARGET_TMPDIR")));
    if !Immutable::enforced_under(setup.path()) {
        eprintln!(
            "SKIPPED: chattr +i is not enforced under {} (not root, or a filesystem without it)",
            setup.path().display()
        );
        return;
    }
    setup.write_config(&setup.files(), &setup.maildir_mailbox());
    let store = setup.store().await;
    let daemon = Daemon::start(setup.path());
    assert!(
        wait_state(&store, "braintree", "connected", Duration::from_secs(30)).await,
        "the daemon does not watch the Maildir within 30 s\n{}",
        daemon.tail()
    );
    let mail = referrals("unreachable", 1..4, "braintree@lha.test");
    setup.deliver("1.unreachable", &mail[0].1);
    assert!(
        wait_all_sent(&store, 1, Duration::from_secs(30)).await,
        "before the fault, the first referral is not recorded and acknowledged within 30 s\n{}",
        daemon.tail()
    );

    let files: Vec<PathBuf> = ["", "-wal"]
        .iter()
        .map(|suffix| PathBuf::from(format!("{}{suffix}", setup.db_file.display())))
        .filter(|p| p.exists())
        .collect();
    let frozen = Immutable::set(files);
    setup.deliver("2.unreachable", &mail[1].1);
    setup.deliver("3.unreachable", &mail[2].1);
    let reported = daemon
        .wait_log(
            &["mailbox failed; retrying", "mailbox=braintree", "database"],
            Duration::from_secs(30),
        )
        .await
        .unwrap_or_else(|| panic!("the database failure is reported\n{}", daemon.tail()));
    println!("database unreachable, reported as: {reported}");
    // A few more rounds of retrying, then the database is back.
    tokio::time::sleep(Duration::from_secs(3)).await;
    drop(frozen);

    assert!(
        wait_all_sent(&store, 3, Duration::from_secs(60)).await,
        "every referral recorded and acknowledged once the database is back: {:?}; outbox {:?}\n{}",
        referrals_recorded(&store).await,
        outbox_rows(&store).await,
        daemon.tail()
    );
    let status = setup.status_line("braintree").expect("status");
    println!("database unreachable, status: {status}");
    let mut mail = mail;
    assert_recovered(&setup, &daemon, &store, &mut mail).await;
    assert_recorded_once(&store, &ids(&mail)).await;
    assert_acknowledged_once(&mail_files(&setup.outbox), &ids(&mail));
}

/// The outbox folder's disk is full: mails wait, then each is written once
/// and whole. (The Maildir source never writes to the Maildir, so a full
/// Maildir disk only stops new mail arriving; the store's disk is the next
/// test.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disk_of_the_outbox_folder_full() {
    let setup = GatewayFolder::new();
    let Some(disk) = Tmpfs::mount(&setup.outbox, "1m") else {
        return;
    };
    setup.write_config(&setup.files(), &setup.maildir_mailbox());
    let store = setup.store().await;
    let daemon = Daemon::start(setup.path());
    assert!(
        wait_state(&store, "braintree", "connected", Duration::from_secs(30)).await,
        "the daemon does not watch the Maildir within 30 s\n{}",
        daemon.tail()
    );
    let filler = disk.fill();
    let mail = referrals("outboxfull", 1..4, "braintree@lha.test");
    for (n, (_, raw)) in mail.iter().enumerate() {
        setup.deliver(&format!("{n}.outboxfull"), raw);
    }

    let deferred = wait_for(Duration::from_secs(30), || async {
        let rows = outbox_rows(&store).await;
        rows.len() == 6
            && rows.iter().all(|r| {
                r.2 == "queued"
                    && r.3 >= 1
                    && r.4
                        .as_deref()
                        .is_some_and(|e| e.contains("No space left on device"))
            })
    })
    .await;
    assert!(
        deferred,
        "each mail is kept for a retry: {:?}\n{}",
        outbox_rows(&store).await,
        daemon.tail()
    );
    let warned = daemon.lines_with(&["mail not sent; will retry", "No space left"]);
    println!("outbox disk full, reported as: {}", warned[0]);
    let (_, listing, _) = setup.cli(&["outbox"]);
    println!("outbox disk full, outbox:\n{listing}");
    assert!(listing.contains("No space left on device"), "{listing}");
    assert_eq!(
        referrals_recorded(&store).await.len(),
        3,
        "the referrals are recorded meanwhile"
    );

    std::fs::remove_file(&filler).expect("free the space");
    due_now(&store).await;
    assert!(
        wait_all_sent(&store, 3, Duration::from_secs(30)).await,
        "sent once there is space: {:?}\n{}",
        outbox_rows(&store).await,
        daemon.tail()
    );
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_recorded_once(&store, &ids(&mail)).await;
    let files = mail_files(&setup.outbox);
    assert_eq!(files.len(), 6, "three notices, three acknowledgements");
    assert_acknowledged_once(&files, &ids(&mail));
    let stray: Vec<_> = std::fs::read_dir(&setup.outbox)
        .expect("outbox")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| !n.ends_with(".eml"))
        .collect();
    assert!(stray.is_empty(), "files left behind: {stray:?}");
    drop(daemon);
}

/// The database's disk is full while referrals arrive; once there is space
/// each is recorded once and acknowledged once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disk_of_the_database_full() {
    let setup = GatewayFolder::new();
    let db_dir = setup.db_file.parent().expect("db folder").to_path_buf();
    let Some(disk) = Tmpfs::mount(&db_dir, "8m") else {
        return;
    };
    setup.write_config(&setup.files(), &setup.maildir_mailbox());
    let store = setup.store().await;
    let daemon = Daemon::start(setup.path());
    assert!(
        wait_state(&store, "braintree", "connected", Duration::from_secs(30)).await,
        "the daemon does not watch the Maildir within 30 s\n{}",
        daemon.tail()
    );
    let mail = referrals("dbfull", 1..16, "braintree@lha.test");
    setup.deliver("1.dbfull", &mail[0].1);
    assert!(
        wait_all_sent(&store, 1, Duration::from_secs(30)).await,
        "before the fault, the first referral is not recorded and acknowledged within 30 s\n{}",
        daemon.tail()
    );

    let filler = disk.fill();
    // Whichever write finds the disk full first (recording a message, or
    // settling a mail after it is sent) reports it; SQLite may still have
    // free pages for a few writes, so referrals keep coming until one
    // finds none.
    let mut delivered = 1;
    let mut reported = None;
    while reported.is_none() && delivered < mail.len() {
        setup.deliver(&format!("{}.dbfull", delivered + 1), &mail[delivered].1);
        delivered += 1;
        if delivered == 2 {
            continue;
        }
        reported = daemon
            .wait_log(&["database or disk is full"], Duration::from_secs(10))
            .await;
    }
    let reported =
        reported.unwrap_or_else(|| panic!("the full disk is reported\n{}", daemon.tail()));
    println!("database disk full, reported as: {reported} (after {delivered} referrals)");
    tokio::time::sleep(Duration::from_secs(2)).await;
    std::fs::remove_file(&filler).expect("free the space");

    let mut mail = mail;
    mail.truncate(delivered);
    assert!(
        wait_all_sent(&store, delivered, Duration::from_secs(60)).await,
        "every referral recorded and acknowledged once there is space: {:?}; outbox {:?}\n{}",
        referrals_recorded(&store).await,
        outbox_rows(&store).await,
        daemon.tail()
    );
    let status = setup.status_line("braintree").expect("status");
    println!("database disk full, status: {status}");
    assert_recovered(&setup, &daemon, &store, &mut mail).await;
    assert_recorded_once(&store, &ids(&mail)).await;
    assert_acknowledged_once(&mail_files(&setup.outbox), &ids(&mail));
    drop(daemon);
    store.pool().close().await;
}
