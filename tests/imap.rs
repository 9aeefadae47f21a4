//! The daemon against real IMAP servers on loopback: the Dovecot and
//! Postfix of `scripts/mailservers.sh` and the Cyrus of `scripts/cyrus.sh`.
//! Mail delivered (through Postfix, or with APPEND into Cyrus) is recorded
//! within seconds over IDLE or polling, over TLS or STARTTLS, and left
//! unread and unflagged; a server ending the session is reconnected to at
//! once; outages, UIDVALIDITY changes, wrong passwords and a SIGTERM
//! mid-burst lose nothing and record nothing twice. The tests that
//! matter for any server are written once and run against both
//! (`on_both_servers!`); the tests on one server take turns.

mod common;

use common::daemon::Daemon;
use common::in_process::InProcess;
use common::servers::TestServer;
use common::{mail_servers, referral, wait_until, write_config, write_config_on, AUTHORITIES};
use dtr_gateway::store::{Flag, Store, Table};
use sqlx::Row;
use std::time::Duration;
use tempfile::TempDir;

on_both_servers!(
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    a_referral_is_recorded_over_idle_and_left_unread_and_unflagged,
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    starttls_plain_polling_and_a_keyword_when_asked,
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    a_uidvalidity_change_records_nothing_twice,
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    an_idle_the_server_ends_is_taken_up_again_at_once,
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    the_server_stopped_and_started_again_loses_nothing,
);

/// Whether a message's flags say nothing: no \Seen, no \Flagged, no
/// keyword (\Recent is the server's own).
fn unflagged(flags: &str) -> bool {
    flags.split_whitespace().all(|flag| flag == "\\Recent")
}

/// A gateway watching the users' inboxes on Dovecot.
async fn gateway(users: &[&str], imap: &str) -> InProcess {
    gateway_on(TestServer::Dovecot, users, imap).await
}

/// A gateway watching the users' inboxes on `server`.
async fn gateway_on(server: TestServer, users: &[&str], imap: &str) -> InProcess {
    InProcess::start(|dir, database| write_config_on(server, dir, database, users, imap)).await
}

impl InProcess {
    async fn messages_in(&self, mailbox: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE mailbox = $1")
            .bind(mailbox)
            .fetch_one(self.store.pool())
            .await
            .expect("count")
    }

    async fn state_of(&self, mailbox: &str) -> Option<(String, Option<String>)> {
        sqlx::query("SELECT state, last_error FROM mailbox_status WHERE mailbox = $1")
            .bind(mailbox)
            .fetch_optional(self.store.pool())
            .await
            .expect("status")
            .map(|r| (r.get(0), r.get(1)))
    }

    /// Waits until every folder of the listed mailboxes is idling.
    async fn wait_all_idle(&self, users: &[&str]) {
        for user in users {
            let idle = self.wait_idle(user).await;
            assert!(
                idle,
                "{user} never went idle: {:?}",
                self.state_of(user).await
            );
        }
    }
}

async fn a_referral_is_recorded_over_idle_and_left_unread_and_unflagged(server: TestServer) {
    let _turn = server.turn().await;
    server.reset("colchester");
    let mut gateway = gateway_on(server, &["colchester"], "").await;
    gateway.wait_all_idle(&["colchester"]).await;

    server.deliver(
        "colchester",
        &referral("idle-1@justice.test", 1, "colchester@lha.test"),
    );
    let took = wait_until(Duration::from_secs(10), || async {
        gateway.store.count(Table::Cases).await.unwrap_or(0) == 1
    })
    .await;
    let took = took.expect("the referral is recorded as a case within 10 s");
    assert!(took < Duration::from_secs(5), "IDLE took {took:?}");

    let cases = gateway.store.cases(None, false).await.expect("cases");
    assert!(
        cases[0].reference.starts_with("DTR-COL-2026-"),
        "{}",
        cases[0].reference
    );
    assert_eq!(cases[0].authority, "COL");
    let flags = server.flags("colchester");
    assert_eq!(flags.len(), 1);
    assert!(
        unflagged(&flags[0]),
        "the gateway marked the message read or flagged it: {flags:?}"
    );
    gateway.stop().await;
}

async fn starttls_plain_polling_and_a_keyword_when_asked(server: TestServer) {
    let _turn = server.turn().await;
    server.reset("harlow");
    // A message the officer has already opened before the gateway starts:
    // progress never depends on \Seen.
    server.deliver(
        "harlow",
        &referral("seen-1@justice.test", 2, "harlow@lha.test"),
    );
    wait_until(Duration::from_secs(10), || async {
        server.flags("harlow").len() == 1
    })
    .await;
    server.mark_all_seen("harlow");

    let imap = format!(
        "tls = \"starttls\"\nport = {}\nidle = false\npoll_seconds = 1\nstart = \"since 2026-01-01\"\nkeyword = \"$DtrRecorded\"",
        server.imap_port()
    );
    // write_config puts tls = "implicit" first; a later key would be a
    // duplicate, so build this one by hand.
    let mut gateway = gateway_on(server, &[], "").await;
    gateway.stop().await;
    let gateway_toml =
        std::fs::read_to_string(gateway.config_dir.join("gateway.toml")).expect("read");
    let mailbox = format!(
        "[[mailbox]]\nname = \"harlow\"\nauthority = \"HAR\"\n[mailbox.imap]\nhost = \"127.0.0.1\"\n{imap}\n\
         ca_file = \"{}\"\nusername = \"harlow\"\npassword_env = \"DTR_MAIL_PASSWORD\"\n",
        server.ca_file()
    );
    std::fs::write(
        gateway.config_dir.join("gateway.toml"),
        gateway_toml + &mailbox,
    )
    .expect("write");
    gateway.run().await;

    let recorded = wait_until(Duration::from_secs(10), || async {
        gateway.messages_in("harlow").await == 1
    })
    .await;
    assert!(
        recorded.is_some(),
        "the message read before the gateway started is recorded"
    );
    server.deliver(
        "harlow",
        &referral("poll-2@justice.test", 3, "harlow@lha.test"),
    );
    let recorded = wait_until(Duration::from_secs(10), || async {
        gateway.messages_in("harlow").await == 2
    })
    .await;
    assert!(recorded.is_some(), "polling finds new mail");
    let flagged = wait_until(Duration::from_secs(5), || async {
        let flags = server.flags("harlow");
        flags.len() == 2 && flags.iter().all(|f| f.contains("$DtrRecorded"))
    })
    .await;
    assert!(
        flagged.is_some(),
        "recorded messages carry the keyword: {:?}",
        server.flags("harlow")
    );
    let flags = server.flags("harlow");
    assert!(!flags[1].contains("\\Seen"), "{flags:?}");
    assert_eq!(
        gateway.state_of("harlow").await.map(|s| s.0).as_deref(),
        Some("polling")
    );
    gateway.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fourteen_mailboxes_at_once_each_to_its_authority() {
    let _turn = TestServer::Dovecot.turn().await;
    let servers = mail_servers();
    let users: Vec<&str> = AUTHORITIES.iter().map(|(u, _, _)| *u).collect();
    for user in &users {
        servers.reset(user);
    }
    let mut gateway = gateway(&users, "").await;
    gateway.wait_all_idle(&users).await;
    for (n, user) in users.iter().enumerate() {
        let to = format!("{user}@lha.test");
        servers.send(
            "referrer@justice.test",
            &to,
            &referral(&format!("many-{n}@justice.test"), n as u32 + 100, &to),
        );
    }
    let all = wait_until(Duration::from_secs(20), || async {
        gateway.store.count(Table::Cases).await.unwrap_or(0) == 14
    })
    .await;
    assert!(all.is_some(), "14 cases within 20 s");
    let every = gateway.store.cases(None, false).await.expect("cases");
    for (user, code, _) in AUTHORITIES {
        let cases = gateway.store.cases(Some(code), false).await.expect("cases");
        assert_eq!(cases.len(), 1, "{user}: {every:?}");
        assert_eq!(cases[0].reference, format!("DTR-{code}-2026-00001"));
    }
    gateway.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_shows_in_status_and_the_others_carry_on() {
    let _turn = TestServer::Dovecot.turn().await;
    let servers = mail_servers();
    servers.reset("maldon");
    let dir = TempDir::new().expect("temp dir");
    let wrong = dir.path().join("wrong-password");
    std::fs::write(&wrong, "not-the-password\n").expect("write");
    let mut gateway = gateway(&["maldon"], "").await;
    gateway.stop().await;
    let gateway_toml =
        std::fs::read_to_string(gateway.config_dir.join("gateway.toml")).expect("read");
    let broken = format!(
        "[[mailbox]]\nname = \"rochford\"\nauthority = \"ROC\"\n[mailbox.imap]\nhost = \"127.0.0.1\"\nport = {}\n\
         ca_file = \"{}\"\nusername = \"rochford\"\npassword_file = \"{}\"\n",
        servers.port("DTR_IMAPS_PORT"),
        servers.get("DTR_MAIL_CA"),
        wrong.display()
    );
    let no_token = format!(
        "[[mailbox]]\nname = \"southend\"\nauthority = \"SOU\"\n[mailbox.imap]\nhost = \"127.0.0.1\"\nport = {}\n\
         ca_file = \"{}\"\nusername = \"southend\"\ntoken_command = \"echo secret-token-text >&2; exit 3\"\n",
        servers.port("DTR_IMAPS_PORT"),
        servers.get("DTR_MAIL_CA"),
    );
    std::fs::write(
        gateway.config_dir.join("gateway.toml"),
        gateway_toml + &broken + &no_token,
    )
    .expect("write");
    gateway.run().await;

    let reported = wait_until(Duration::from_secs(10), || async {
        matches!(gateway.state_of("rochford").await, Some((ref s, Some(_))) if s == "retrying")
    })
    .await;
    assert!(
        reported.is_some(),
        "the refused login shows: {:?}",
        gateway.state_of("rochford").await
    );
    let (_, error) = gateway.state_of("rochford").await.expect("status");
    let error = error.expect("error");
    assert!(error.contains("login as rochford refused"), "{error}");
    assert!(
        !error.contains("not-the-password"),
        "the password is in the status: {error}"
    );

    // An XOAUTH2 token command that fails shows at once, with what to do.
    let reported = wait_until(Duration::from_secs(10), || async {
        matches!(gateway.state_of("southend").await, Some((ref s, Some(_))) if s == "retrying")
    })
    .await;
    assert!(
        reported.is_some(),
        "the token failure shows: {:?}",
        gateway.state_of("southend").await
    );
    let (_, error) = gateway.state_of("southend").await.expect("status");
    let error = error.expect("error");
    assert!(
        error.contains("token_command failed") && error.contains("run it by hand"),
        "{error}"
    );
    assert!(
        !error.contains("secret-token-text"),
        "the command's output is in the status: {error}"
    );

    gateway.wait_all_idle(&["maldon"]).await;
    servers.send(
        "referrer@justice.test",
        "maldon@lha.test",
        &referral("other-ok@justice.test", 7, "maldon@lha.test"),
    );
    let recorded = wait_until(Duration::from_secs(10), || async {
        gateway.messages_in("maldon").await == 1
    })
    .await;
    assert!(recorded.is_some(), "the healthy mailbox carries on");
    gateway.stop().await;
}

async fn a_uidvalidity_change_records_nothing_twice(server: TestServer) {
    let _turn = server.turn().await;
    server.reset("tendring");
    let mut gateway = gateway_on(server, &["tendring"], "").await;
    gateway.wait_all_idle(&["tendring"]).await;
    for n in 0..3 {
        server.deliver(
            "tendring",
            &referral(
                &format!("uv-{n}@justice.test"),
                200 + n,
                "tendring@lha.test",
            ),
        );
    }
    assert!(wait_until(Duration::from_secs(10), || async {
        gateway.messages_in("tendring").await == 3
    })
    .await
    .is_some());
    gateway.stop().await;

    // The server renumbers the folder while the gateway is away.
    let renumbered = server.renumber("tendring");
    server.deliver(
        "tendring",
        &referral("uv-new@justice.test", 299, "tendring@lha.test"),
    );
    wait_until(Duration::from_secs(10), || async {
        server.flags("tendring").len() == 4
    })
    .await;
    gateway.run().await;
    assert!(wait_until(Duration::from_secs(10), || async {
        gateway.messages_in("tendring").await == 4
    })
    .await
    .is_some());
    gateway.wait_all_idle(&["tendring"]).await;
    assert_eq!(gateway.messages_in("tendring").await, 4);
    assert_eq!(gateway.store.count(Table::Cases).await.expect("count"), 4);
    assert_eq!(
        gateway
            .store
            .position("tendring", "INBOX")
            .await
            .expect("position")
            .map(|p| p.0),
        Some(renumbered)
    );
    gateway.stop().await;
}

/// A gateway process watching `user` on `server`, and its store; waits
/// until it is idle.
async fn daemon_watching(server: TestServer, user: &str) -> (TempDir, Store, Daemon) {
    let dir = TempDir::new().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    let config_dir = write_config_on(server, dir.path(), &database, &[user], "");
    let store = Store::open(&database).await.expect("store");
    let daemon = Daemon::start(&config_dir);
    assert!(
        common::wait_idle(&store, user, Duration::from_secs(20)).await,
        "{user} is watched:\n{}",
        daemon.tail()
    );
    (dir, store, daemon)
}

async fn messages_in(store: &Store, mailbox: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE mailbox = $1")
        .bind(mailbox)
        .fetch_one(store.pool())
        .await
        .unwrap_or(0)
}

async fn state_of(store: &Store, mailbox: &str) -> Option<(String, Option<String>)> {
    sqlx::query("SELECT state, last_error FROM mailbox_status WHERE mailbox = $1")
        .bind(mailbox)
        .fetch_optional(store.pool())
        .await
        .expect("status")
        .map(|r| (r.get(0), r.get(1)))
}

/// The pause a "retrying" log line announces, in seconds.
fn retry_in(line: &str) -> f64 {
    line.split("retry_in=")
        .nth(1)
        .and_then(|v| v.split('s').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no retry_in in {line}"))
}

/// The server ends the session while the gateway idles: Dovecot says BYE
/// and closes the connection; Cyrus closes it, as it does when an IDLE
/// outlives its timeout. Not a fault: the gateway says so at info, is back
/// at once, and shows no error.
async fn an_idle_the_server_ends_is_taken_up_again_at_once(server: TestServer) {
    let _turn = server.turn().await;
    server.reset("basildon");
    let (_dir, store, daemon) = daemon_watching(server, "basildon").await;

    server.kick("basildon");
    let again = wait_until(Duration::from_secs(20), || async {
        daemon.lines_with(&[" watching ", "basildon"]).len() == 2
    })
    .await;
    assert!(again.is_some(), "watching again:\n{}", daemon.tail());
    let goodbye = daemon.lines_with(&[
        "the server ended the session; reconnecting at once",
        "mailbox=basildon",
    ]);
    assert_eq!(goodbye.len(), 1, "{}", daemon.tail());
    assert!(goodbye[0].contains(" INFO "), "{}", goodbye[0]);
    println!("{} ended IDLE, logged as: {}", server.name(), goodbye[0]);
    assert!(
        daemon.lines_with(&["ERROR"]).is_empty(),
        "an error is logged:\n{}",
        daemon.tail()
    );
    assert!(common::wait_idle(&store, "basildon", Duration::from_secs(20)).await);
    assert_eq!(
        state_of(&store, "basildon").await,
        Some(("idle".to_string(), None)),
        "the status shows no error"
    );

    server.deliver(
        "basildon",
        &referral("after-bye@justice.test", 50, "basildon@lha.test"),
    );
    let recorded = wait_until(Duration::from_secs(10), || async {
        messages_in(&store, "basildon").await == 1
    })
    .await;
    assert!(
        recorded.is_some(),
        "mail still comes in:\n{}",
        daemon.tail()
    );
    assert!(
        daemon.terminate().await.success(),
        "SIGTERM ends the daemon cleanly"
    );
}

/// The server goes away and comes back, twice. While it is away the
/// outage shows in the status and the pause before each attempt grows over
/// the failures in a row; what arrives before the gateway is back is
/// recorded once. Once the folder has been opened again, the next outage
/// starts from the shortest pause, however short the connection was.
async fn the_server_stopped_and_started_again_loses_nothing(server: TestServer) {
    let _turn = server.turn().await;
    server.reset("thurrock");
    let (_dir, store, daemon) = daemon_watching(server, "thurrock").await;
    let failures = || daemon.lines_with(&["mailbox failed; retrying", "mailbox=thurrock"]);

    // The server comes back even if an assertion below fails.
    struct Restart(TestServer);
    impl Drop for Restart {
        fn drop(&mut self) {
            self.0.start();
        }
    }
    server.stop();
    let restart = Restart(server);
    let noticed = wait_until(Duration::from_secs(30), || async { failures().len() >= 2 }).await;
    assert!(
        noticed.is_some(),
        "two failures in a row:\n{}",
        daemon.tail()
    );
    assert_eq!(
        state_of(&store, "thurrock").await.map(|s| s.0).as_deref(),
        Some("retrying"),
        "the outage shows"
    );
    let first = failures();
    assert!(first[0].contains("failures=1"), "{}", first[0]);
    assert!(first[1].contains("failures=2"), "{}", first[1]);
    // 1 s then 2 s, each with up to half more or less.
    assert!(retry_in(&first[0]) <= 1.5, "{}", first[0]);
    assert!(retry_in(&first[1]) >= 1.0, "{}", first[1]);

    server.start();
    for n in 0..3 {
        server.deliver(
            "thurrock",
            &referral(
                &format!("outage-{n}@justice.test"),
                300 + n,
                "thurrock@lha.test",
            ),
        );
    }
    let recovered = wait_until(Duration::from_secs(60), || async {
        messages_in(&store, "thurrock").await == 3
    })
    .await;
    assert!(
        recovered.is_some(),
        "what arrived meanwhile is recorded: {}\n{}",
        messages_in(&store, "thurrock").await,
        daemon.tail()
    );
    assert!(common::wait_idle(&store, "thurrock", Duration::from_secs(20)).await);

    // Away again, a few seconds after the folder was opened.
    let before = failures().len();
    server.stop();
    let noticed = wait_until(Duration::from_secs(30), || async {
        failures().len() > before
    })
    .await;
    assert!(noticed.is_some(), "the second outage:\n{}", daemon.tail());
    let next = &failures()[before];
    assert!(
        next.contains("failures=1"),
        "the count starts again: {next}"
    );
    assert!(retry_in(next) <= 1.5, "the shortest pause again: {next}");
    drop(restart);
    assert!(common::wait_idle(&store, "thurrock", Duration::from_secs(30)).await);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(messages_in(&store, "thurrock").await, 3, "recorded once");
    assert!(
        daemon.terminate().await.success(),
        "SIGTERM ends the daemon cleanly"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_burst_then_restart_records_every_message_once() {
    let _turn = TestServer::Dovecot.turn().await;
    let servers = mail_servers();
    servers.reset("uttlesford");
    let dir = TempDir::new().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    let config_dir = write_config(dir.path(), &database, &["uttlesford"], "");
    let store = Store::open(&database).await.expect("store");
    let binary = env!("CARGO_BIN_EXE_dtr-gateway");
    let start = || {
        std::process::Command::new(binary)
            .args(["run", "--config"])
            .arg(&config_dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the daemon")
    };
    let count = |store: Store| async move {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM messages WHERE mailbox = 'uttlesford'")
            .fetch_one(store.pool())
            .await
            .unwrap_or(0)
    };
    let mut daemon = start();
    let idle = common::wait_idle(&store, "uttlesford", Duration::from_secs(20)).await;
    assert!(idle, "the daemon starts watching");

    const BURST: u32 = 40;
    for n in 0..BURST {
        servers.send(
            "referrer@justice.test",
            "uttlesford@lha.test",
            &referral(
                &format!("burst-{n}@justice.test"),
                400 + n,
                "uttlesford@lha.test",
            ),
        );
    }
    wait_until(Duration::from_secs(20), || {
        count(store.clone()).then_some_async(|c| c >= 5)
    })
    .await;
    // SAFETY: sending a signal to the child we started.
    unsafe { libc::kill(daemon.id() as i32, libc::SIGTERM) };
    let status = tokio::task::spawn_blocking(move || daemon.wait())
        .await
        .expect("join")
        .expect("wait");
    assert!(
        status.success(),
        "SIGTERM ends the daemon with exit 0: {status:?}"
    );

    let mut daemon = start();
    let all = wait_until(Duration::from_secs(30), || {
        count(store.clone()).then_some_async(|c| c == i64::from(BURST))
    })
    .await;
    // SAFETY: as above.
    unsafe { libc::kill(daemon.id() as i32, libc::SIGTERM) };
    let _ = tokio::task::spawn_blocking(move || daemon.wait()).await;
    assert!(
        all.is_some(),
        "after the restart every message is recorded: {}",
        count(store.clone()).await
    );
    assert_eq!(
        store.count(Table::Messages).await.expect("count"),
        i64::from(BURST)
    );
    assert_eq!(
        store.count(Table::Cases).await.expect("count"),
        i64::from(BURST)
    );
}

/// `async { f(fut.await) }` for the polling closures above.
trait ThenAsync: std::future::Future<Output = i64> + Sized {
    async fn then_some_async(self, f: impl FnOnce(i64) -> bool) -> bool {
        f(self.await)
    }
}
impl<F: std::future::Future<Output = i64>> ThenAsync for F {}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_backlog_is_recorded_but_not_answerable_and_sent_mail_is_watched_too() {
    let _turn = TestServer::Dovecot.turn().await;
    let servers = mail_servers();
    servers.reset("epping-forest");
    // Two messages already in the inbox: one received weeks ago, one today.
    // In a Maildir, Dovecot takes a message's INTERNALDATE from its file time.
    servers.doveadm(&[
        "mailbox",
        "status",
        "-u",
        "epping-forest",
        "messages",
        "INBOX",
    ]);
    let new_dir = std::path::PathBuf::from(format!(
        "{}/mail/epping-forest/Maildir/new",
        servers.get("DTR_MAIL_DIR")
    ));
    let owner = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&new_dir).expect("maildir"));
    for (name, id, age_days) in [
        ("1700000000.M1P1.old", "old-backlog@justice.test", 30u64),
        ("1700000001.M2P2.new", "new-backlog@justice.test", 0),
    ] {
        let path = new_dir.join(name);
        std::fs::write(
            &path,
            referral(id, 600 + age_days as u32, "epping-forest@lha.test"),
        )
        .expect("write");
        std::os::unix::fs::chown(&path, Some(owner), Some(owner)).expect("chown");
        let when = std::time::SystemTime::now() - Duration::from_secs(age_days * 86_400);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .expect("open")
            .set_modified(when)
            .expect("mtime");
    }
    servers.doveadm(&["force-resync", "-u", "epping-forest", "INBOX"]);
    // And an answer sent from the shared inbox, in its Sent folder.
    let answer = b"From: epping-forest@lha.test\r\nTo: referrer@justice.test\r\nMessage-ID: <sent-1@lha.test>\r\nSubject: RE: [DTR-EPF-2026-00001] Referral received\r\n\r\nLead officer: A Person\r\n";
    servers.save("epping-forest", "Sent", answer);

    let mut gateway = gateway(
        &["epping-forest"],
        "folders = [\"INBOX\", \"Sent\"]\nstart = \"since 2026-01-01\"",
    )
    .await;
    let recorded = wait_until(Duration::from_secs(15), || async {
        gateway.messages_in("epping-forest").await == 3
    })
    .await;
    assert!(
        recorded.is_some(),
        "backlog and sent folder read: {}",
        gateway.messages_in("epping-forest").await
    );
    let rows: Vec<(String, String, bool)> = sqlx::query_as::<_, (String, String, Flag)>(
        "SELECT message_id, folder, answerable FROM messages WHERE mailbox = 'epping-forest' ORDER BY message_id",
    )
    .fetch_all(gateway.store.pool())
    .await
    .expect("rows")
    .into_iter()
    .map(|(id, folder, answerable)| (id, folder, answerable.0))
    .collect();
    assert_eq!(
        rows,
        vec![
            (
                "<new-backlog@justice.test>".to_string(),
                "INBOX".to_string(),
                true
            ),
            (
                "<old-backlog@justice.test>".to_string(),
                "INBOX".to_string(),
                false
            ),
            ("<sent-1@lha.test>".to_string(), "Sent".to_string(), true),
        ]
    );
    gateway.stop().await;
}
