//! Answers through the outbox, against the real Postfix and Dovecot: the
//! acknowledgement reaches the referrer threaded under the referral, the
//! notice reaches the authority, incomplete and refused referrals get the
//! right answers, automatic mail gets none, a Postfix outage loses nothing,
//! SIGKILL during a burst sends (almost) nothing twice, and mail goes over
//! TLS from the first byte as well as over STARTTLS.

mod common;

use common::in_process::InProcess;
use common::{
    header, mail_servers, messages, referral, smtp_outgoing, smtps_outgoing, wait_until,
    write_config_sending,
};

use dtr_gateway::store::{Store, Table};
use std::collections::HashMap;

use std::time::Duration;
use tempfile::TempDir;
use tokio::sync::Mutex;

static SERIAL: Mutex<()> = Mutex::const_new(());

/// A gateway watching `user` and sending through Postfix without TLS.
async fn gateway(user: &str, max_per_hour: u32) -> InProcess {
    gateway_sending(user, &smtp_outgoing(max_per_hour)).await
}

/// A gateway watching `user` and sending as `outgoing` says, once `user`
/// is watched.
async fn gateway_sending(user: &str, outgoing: &str) -> InProcess {
    let gateway = InProcess::start(|dir, database| {
        write_config_sending(dir, database, &[user], "", Some(outgoing))
    })
    .await;
    assert!(gateway.wait_idle(user).await, "{user} is watched");
    gateway
}

impl InProcess {
    async fn outbox_statuses(&self) -> Vec<(String, String)> {
        sqlx::query_as("SELECT purpose, status FROM outbox ORDER BY id")
            .fetch_all(self.store.pool())
            .await
            .expect("outbox")
    }
}

/// Waits until `user`'s INBOX holds `n` messages; returns them.
async fn inbox(user: &str, n: usize, limit: Duration) -> Vec<String> {
    wait_until(limit, || async { messages(user, "INBOX").len() >= n }).await;
    messages(user, "INBOX")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complete_referral_is_acknowledged_in_its_thread_and_the_authority_told() {
    let _turn = SERIAL.lock().await;
    let servers = mail_servers();
    servers.reset("colchester");
    servers.reset("referrer");
    let mut gateway = gateway("colchester", 100).await;
    servers.send(
        "referrer@justice.test",
        "colchester@lha.test",
        &referral("ack-1@justice.test", 1, "colchester@lha.test"),
    );

    let acks = inbox("referrer", 1, Duration::from_secs(15)).await;
    assert_eq!(acks.len(), 1, "one acknowledgement");
    let ack = &acks[0];
    let subject = header(ack, "Subject").expect("subject");
    assert!(
        subject.starts_with("[DTR-COL-2026-") && subject.ends_with("] Referral received"),
        "{subject}"
    );
    assert_eq!(
        header(ack, "In-Reply-To").as_deref(),
        Some("<ack-1@justice.test>")
    );
    assert_eq!(
        header(ack, "Auto-Submitted").as_deref(),
        Some("auto-replied")
    );
    assert!(header(ack, "Reply-To").is_some_and(|r| r.contains("colchester@lha.test")));
    assert!(
        !ack.contains("Test Person1"),
        "the acknowledgement names the person"
    );

    // The authority's notice lands in its own inbox (which the gateway also
    // watches: it must not take its own notice for an answer).
    let inbox_mail = inbox("colchester", 2, Duration::from_secs(15)).await;
    let notice = inbox_mail
        .iter()
        .find(|m| header(m, "Subject").is_some_and(|s| s.contains("New Duty to Refer referral")))
        .expect("the notice arrives for the authority");
    assert!(
        notice.contains("Test Person1"),
        "the notice carries the referral's details"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let reference = subject
        .trim_start_matches('[')
        .split(']')
        .next()
        .expect("ref")
        .to_string();
    let case = gateway.store.case(&reference).await.expect("case");
    let kinds: Vec<&str> = case.events.iter().map(|e| e.kind.as_str()).collect();
    assert!(
        !kinds.contains(&"reply_received"),
        "the gateway's own notice counted as an answer: {kinds:?}"
    );
    assert_eq!(
        gateway
            .outbox_statuses()
            .await
            .iter()
            .filter(|(_, s)| s == "sent")
            .count(),
        2
    );
    gateway.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_acknowledgement_goes_out_over_tls_from_the_first_byte_too() {
    let _turn = SERIAL.lock().await;
    let servers = mail_servers();
    servers.reset("braintree");
    servers.reset("referrer");
    let mut gateway = gateway_sending("braintree", &smtps_outgoing(100)).await;
    servers.send(
        "referrer@justice.test",
        "braintree@lha.test",
        &referral("smtps-1@justice.test", 11, "braintree@lha.test"),
    );
    let acks = inbox("referrer", 1, Duration::from_secs(15)).await;
    assert_eq!(acks.len(), 1, "one acknowledgement");
    assert_eq!(
        header(&acks[0], "In-Reply-To").as_deref(),
        Some("<smtps-1@justice.test>")
    );
    let sent = wait_until(Duration::from_secs(15), || async {
        let statuses = gateway.outbox_statuses().await;
        statuses.len() == 2 && statuses.iter().all(|(_, s)| s == "sent")
    })
    .await;
    assert!(
        sent.is_some(),
        "the acknowledgement and the notice are sent: {:?}",
        gateway.outbox_statuses().await
    );
    gateway.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incomplete_and_refused_referrals_get_their_answers_and_automatic_mail_none() {
    let _turn = SERIAL.lock().await;
    let servers = mail_servers();
    servers.reset("harlow");
    servers.reset("referrer");
    let mut gateway = gateway("harlow", 100).await;

    let incomplete = String::from_utf8(referral("inc-1@justice.test", 2, "harlow@lha.test"))
        .expect("utf-8")
        .replace("Referrer phone: 01632 960000\r\n", "")
        .replace("Date of birth: 14/07/1988", "Date of birth: 31/02/1988");
    servers.send(
        "referrer@justice.test",
        "harlow@lha.test",
        incomplete.as_bytes(),
    );
    let refused = String::from_utf8(referral("nc-1@justice.test", 3, "harlow@lha.test"))
        .expect("utf-8")
        .replace("Consent to referral: Yes", "Consent to referral: No");
    servers.send(
        "referrer@justice.test",
        "harlow@lha.test",
        refused.as_bytes(),
    );
    // An out-of-office and a bounce: never answered.
    servers.send(
        "referrer@justice.test",
        "harlow@lha.test",
        b"From: referrer@justice.test\r\nTo: harlow@lha.test\r\nMessage-ID: <ooo-1@justice.test>\r\n\
          Auto-Submitted: auto-replied\r\nSubject: Automatic reply: [DTR-HAR-2026-00001] Referral received\r\n\r\n\
          I am out of the office.\r\n",
    );
    servers.send(
        "referrer@justice.test",
        "harlow@lha.test",
        b"From: MAILER-DAEMON@justice.test\r\nTo: harlow@lha.test\r\nMessage-ID: <dsn-1@justice.test>\r\n\
          Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n\
          Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
          --b\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n--b--\r\n",
    );

    let answers = inbox("referrer", 2, Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let answers = if answers.len() == 2 {
        messages("referrer", "INBOX")
    } else {
        answers
    };
    assert_eq!(
        answers.len(),
        2,
        "one answer each for the incomplete and refused referrals, none for automatic mail"
    );
    let incomplete_reply = answers
        .iter()
        .find(|m| header(m, "Subject").is_some_and(|s| s.contains("Referral incomplete")))
        .expect("the incomplete reply");
    assert!(
        incomplete_reply.contains("Referrer phone"),
        "names the missing field"
    );
    assert!(
        incomplete_reply.contains("Date of birth"),
        "names the unreadable field"
    );
    for label in ["Full name", "Custody status", "Referrer email"] {
        let listed = incomplete_reply
            .lines()
            .any(|l| l.trim_start_matches(['-', '*', ' ']).trim() == label);
        assert!(!listed, "{label} is listed as missing but was given");
    }
    let refusal = answers
        .iter()
        .find(|m| header(m, "Subject").is_some_and(|s| s.contains("Referral not accepted")))
        .expect("the refusal");
    assert_eq!(
        header(refusal, "In-Reply-To").as_deref(),
        Some("<nc-1@justice.test>")
    );

    // Nothing personal is kept for the refusal.
    let kept: Vec<String> =
        sqlx::query_scalar("SELECT referral FROM cases WHERE status = 'refused'")
            .fetch_all(gateway.store.pool())
            .await
            .expect("rows");
    assert_eq!(kept.len(), 1);
    assert!(
        !kept[0].contains("Test Person3") && !kept[0].contains("1988"),
        "{}",
        kept[0]
    );
    let purposes: Vec<String> = gateway
        .outbox_statuses()
        .await
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert!(
        !purposes.iter().any(|p| p == "acknowledgement"),
        "{purposes:?}"
    );
    gateway.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledgements_wait_out_a_postfix_outage() {
    let _turn = SERIAL.lock().await;
    let servers = mail_servers();
    servers.reset("basildon");
    servers.reset("referrer");
    let mut gateway = gateway("basildon", 100).await;
    let postfix_dir = format!("{}/postfix", servers.get("DTR_MAIL_DIR"));
    // Take Postfix away, then put the referral straight into the inbox.
    let stopped = std::process::Command::new("postfix")
        .args(["-c", &postfix_dir, "stop"])
        .status();
    assert!(stopped.is_ok_and(|s| s.success()), "postfix stop");
    struct Restart(String);
    impl Drop for Restart {
        fn drop(&mut self) {
            let _ = std::process::Command::new("postfix")
                .args(["-c", &self.0, "start"])
                .status();
        }
    }
    let restart = Restart(postfix_dir.clone());
    servers.save(
        "basildon",
        "INBOX",
        &referral("outage-ack@justice.test", 4, "basildon@lha.test"),
    );

    let retried = wait_until(Duration::from_secs(20), || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM outbox WHERE status = 'queued' AND attempts > 0",
        )
        .fetch_one(gateway.store.pool())
        .await
        .unwrap_or(0)
            > 0
    })
    .await;
    assert!(
        retried.is_some(),
        "the failed attempt is kept for a retry: {:?}",
        gateway.outbox_statuses().await
    );
    drop(restart);
    // Bring the retry forward rather than wait out the backoff.
    sqlx::query("UPDATE outbox SET next_attempt_at = $1 WHERE status = 'queued'")
        .bind(dtr_gateway::store::Stamp(chrono::Utc::now()))
        .execute(gateway.store.pool())
        .await
        .expect("update");
    let acks = inbox("referrer", 1, Duration::from_secs(30)).await;
    assert_eq!(
        acks.len(),
        1,
        "the acknowledgement goes once Postfix is back"
    );
    assert!(gateway
        .outbox_statuses()
        .await
        .iter()
        .all(|(_, s)| s == "sent"));
    gateway.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_burst_of_200_referrals_loses_none() {
    let _turn = SERIAL.lock().await;
    let servers = mail_servers();
    servers.reset("chelmsford");
    servers.reset("referrer");
    let dir = TempDir::new().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    let config_dir = write_config_sending(
        dir.path(),
        &database,
        &["chelmsford"],
        "",
        Some(&smtp_outgoing(1000)),
    );
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
    const BURST: u32 = 200;
    let mut daemon = start();
    // The daemon has been watching before the burst (with `start = "new"`,
    // mail that arrives before its first look is not its to take).
    let watching = common::wait_idle(&store, "chelmsford", Duration::from_secs(20)).await;
    assert!(watching, "the daemon starts watching");
    let sender = tokio::task::spawn_blocking(move || {
        for n in 0..BURST {
            mail_servers().send(
                "referrer@justice.test",
                "chelmsford@lha.test",
                &referral(
                    &format!("kill-{n}@justice.test"),
                    2000 + n,
                    "chelmsford@lha.test",
                ),
            );
        }
    });
    // Kill it three times at moments spread over the burst.
    let mut rng = 0x2545_F491_4F6C_DD1D_u64;
    for _ in 0..3 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        tokio::time::sleep(Duration::from_millis(500 + rng % 1500)).await;
        daemon.kill().expect("SIGKILL");
        let _ = daemon.wait();
        daemon = start();
    }
    sender.await.expect("all sent");
    let done = wait_until(Duration::from_secs(120), || async {
        let cases = store.count(Table::Cases).await.unwrap_or(0);
        let sent: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE purpose = 'acknowledgement' AND status = 'sent'",
        )
        .fetch_one(store.pool())
        .await
        .unwrap_or(0);
        cases == i64::from(BURST) && sent == i64::from(BURST)
    })
    .await;
    let acks_expected = wait_until(Duration::from_secs(60), || async {
        messages("referrer", "INBOX").len() >= BURST as usize
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _ = daemon.kill();
    let _ = daemon.wait();
    if done.is_none() {
        let kinds: Vec<(String, i64)> =
            sqlx::query_as("SELECT kind, COUNT(*) FROM messages GROUP BY kind")
                .fetch_all(store.pool())
                .await
                .unwrap_or_default();
        let outbox: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT purpose, status, COUNT(*) FROM outbox GROUP BY purpose, status")
                .fetch_all(store.pool())
                .await
                .unwrap_or_default();
        let position: Vec<(i64, i64)> =
            sqlx::query_as("SELECT uidvalidity, last_uid FROM mailbox_positions")
                .fetch_all(store.pool())
                .await
                .unwrap_or_default();
        let in_inbox = mail_servers().doveadm(&[
            "mailbox",
            "status",
            "-u",
            "chelmsford",
            "messages uidnext",
            "INBOX",
        ]);
        panic!(
            "200 cases and 200 acknowledgements sent: {} cases; messages {kinds:?}; outbox {outbox:?}; position {position:?}; inbox {in_inbox}",
            store.count(Table::Cases).await.unwrap_or(0)
        );
    }
    assert!(acks_expected.is_some(), "the acknowledgements arrive");

    let mut per_case: HashMap<String, usize> = HashMap::new();
    for m in messages("referrer", "INBOX") {
        if let Some(subject) = header(&m, "Subject") {
            *per_case.entry(subject).or_default() += 1;
        }
    }
    let twice: usize = per_case.values().map(|n| n.saturating_sub(1)).sum();
    println!(
        "SIGKILL burst: {} cases acknowledged, {twice} acknowledgement(s) sent twice (goal 0)",
        per_case.len()
    );
    assert_eq!(
        per_case.len(),
        BURST as usize,
        "every referrer is acknowledged"
    );
    let referrals: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE kind = 'referral'")
            .fetch_one(store.pool())
            .await
            .expect("count");
    assert_eq!(referrals, i64::from(BURST), "every referral recorded once");
    assert!(twice <= 3, "at most one second copy per kill: {twice}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounce_of_the_acknowledgement_marks_it_failed_on_the_case() {
    let _turn = SERIAL.lock().await;
    let servers = mail_servers();
    servers.reset("maldon");
    servers.reset("referrer");
    let mut gateway = gateway("maldon", 100).await;
    servers.send(
        "referrer@justice.test",
        "maldon@lha.test",
        &referral("bounce-me@justice.test", 9, "maldon@lha.test"),
    );
    let acks = inbox("referrer", 1, Duration::from_secs(15)).await;
    let ack_id = header(&acks[0], "Message-ID").expect("message id");
    let reference = header(&acks[0], "Subject")
        .and_then(|s| {
            s.trim_start_matches('[')
                .split(']')
                .next()
                .map(str::to_string)
        })
        .expect("reference");

    // Authenticated as the receiving server judged it: an unauthenticated
    // report fails no mail.
    let dsn = format!(
        "Authentication-Results: mx.lha.test; dmarc=pass header.from=justice.test\r\n\
         From: MAILER-DAEMON@justice.test\r\nTo: maldon@lha.test\r\nMessage-ID: <dsn-9@justice.test>\r\n\
         Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n\
         --b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mail.justice.test\r\n\r\n\
         Final-Recipient: rfc822; referrer@justice.test\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n\
         --b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {ack_id}\r\nSubject: [{reference}] Referral received\r\n\r\n--b--\r\n"
    );
    servers.send("referrer@justice.test", "maldon@lha.test", dsn.as_bytes());
    let failed = wait_until(Duration::from_secs(15), || async {
        sqlx::query_scalar::<_, String>(
            "SELECT status FROM outbox WHERE purpose = 'acknowledgement'",
        )
        .fetch_one(gateway.store.pool())
        .await
        .map(|s| s == "failed")
        .unwrap_or(false)
    })
    .await;
    assert!(
        failed.is_some(),
        "the bounced acknowledgement is failed: {:?}",
        gateway.outbox_statuses().await
    );
    let case = gateway.store.case(&reference).await.expect("case");
    assert!(
        case.events.iter().any(|e| e.kind == "mail_bounced"),
        "{:?}",
        case.events
    );
    // The council's own inbox is told, once, which contact to correct.
    let is_notice =
        |m: &String| header(m, "Subject").is_some_and(|s| s.contains("Mail did not arrive"));
    let arrived = wait_until(Duration::from_secs(15), || async {
        messages("maldon", "INBOX").iter().any(is_notice)
    })
    .await;
    assert!(
        arrived.is_some(),
        "the notice reaches the authority's inbox"
    );
    let notice = messages("maldon", "INBOX")
        .into_iter()
        .find(is_notice)
        .expect("the notice");
    assert!(
        header(&notice, "Subject").is_some_and(|s| s.contains(&reference)),
        "{notice}"
    );
    let text = common::world::one_line(&common::world::plain_text(&notice));
    assert!(
        text.contains("did not reach referrer@justice.test")
            && text.contains("the address does not exist"),
        "{text}"
    );
    // The same report again makes no second notice.
    servers.send(
        "referrer@justice.test",
        "maldon@lha.test",
        dsn.replace("dsn-9", "dsn-10").as_bytes(),
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let notices = messages("maldon", "INBOX")
        .iter()
        .filter(|m| is_notice(m))
        .count();
    assert_eq!(notices, 1, "one notice per failed mail and address");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        messages("referrer", "INBOX").len(),
        1,
        "nothing is sent in answer to the bounce: {:?}",
        messages("referrer", "INBOX")
            .iter()
            .map(|m| header(m, "Subject"))
            .collect::<Vec<_>>()
    );
    gateway.stop().await;
}
