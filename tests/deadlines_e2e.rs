//! The deadline follow-ups end to end, against the real Dovecot and Postfix
//! on loopback (started by `scripts/mailservers.sh`): the daemon runs as a
//! child process, a referral arrives by SMTP, `dtr-gateway sweep --now`
//! plays the days after it, and the reminder, chase and escalation of the
//! lead-officer deadline (Essex commitment 10) must arrive in the right
//! mailboxes, once each, with nothing about the person in the escalation;
//! an answer naming the lead officer, in the thread or in the authority's
//! Sent folder, stops them. Every date comes from the gateway's own
//! calendar, so the test passes whatever day it runs on.

mod common;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::London;
use common::daemon::Daemon;
use common::{header, mail_servers, mailbox_count, messages, send_to_all, smtp_outgoing};
use dtr_gateway::config::Config;
use dtr_gateway::core::protocol::Rule;
use dtr_gateway::store::{DeadlineCase, Store};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::sync::Mutex;

static SERIAL: Mutex<()> = Mutex::const_new(());

const BINARY: &str = env!("CARGO_BIN_EXE_dtr-gateway");
/// Every mailbox the tests look at.
const USERS: [&str; 5] = ["colchester", "lead", "senior", "head", "referrer"];
/// How long anything expected may take to arrive.
const LIMIT: Duration = Duration::from_secs(30);
/// Longer than the sender's 5 s poll: what has not arrived by then was not sent.
const QUIET: Duration = Duration::from_secs(8);

// What the referral says of the person; none of it may leave in an escalation.
const FULL_NAME: &str = "Quentin Marlowe-Zebedee";
const DATE_OF_BIRTH: &str = "14/07/1988";
const PRISON_NUMBER: &str = "A7319QZ";
const PHYSICAL_HEALTH: &str = "Type 1 diabetes, insulin dependent";
const MENTAL_HEALTH: &str = "Post-traumatic stress disorder, seen by the in-reach team";
const RISK_TO_OTHERS: &str = "Previous conviction for arson";
const RISK_TO_SELF: &str = "History of self-harm in custody";

/// A configuration folder, its database, and the store opened on it.
struct Setup {
    dir: TempDir,
    store: Store,
    config: Config,
}

impl Setup {
    async fn new(folders: &[&str]) -> Setup {
        let servers = mail_servers();
        let dir = TempDir::new().expect("temp dir");
        let database = format!("sqlite:{}", dir.path().join("cases.db").display());
        // The morning digest (tests/digest.rs) is off: these tests count
        // every mail the follow-ups bring to the inbox.
        std::fs::write(
            dir.path().join("authorities.toml"),
            "[[authority]]\nname = \"Colchester\"\ncode = \"COL\"\ninbox = \"colchester@lha.test\"\ndigest = false\n\
             operational_lead = { name = \"Lee Lead\", email = \"lead@lha.test\" }\n\
             dispute_contact = { name = \"Sam Senior\", email = \"senior@lha.test\" }\n",
        )
        .expect("write authorities.toml");
        let folders = folders
            .iter()
            .map(|f| format!("\"{f}\""))
            .collect::<Vec<_>>()
            .join(", ");
        std::fs::write(
            dir.path().join("gateway.toml"),
            format!(
                "[gateway]\ndatabase = \"{database}\"\n\n[outgoing]\n{}\n\n\
                 [referrers]\nallowed_domains = [\"justice.test\"]\n\n\
                 [[mailbox]]\nname = \"colchester\"\nauthority = \"COL\"\n\
                 trusted_authserv_id = \"mx.lha.test\"\n[mailbox.imap]\n\
                 host = \"127.0.0.1\"\nport = {}\ntls = \"implicit\"\nca_file = \"{}\"\n\
                 username = \"colchester\"\npassword_env = \"DTR_MAIL_PASSWORD\"\n\
                 folders = [{folders}]\n",
                smtp_outgoing(100),
                servers.port("DTR_IMAPS_PORT"),
                servers.get("DTR_MAIL_CA"),
            ),
        )
        .expect("write gateway.toml");
        let (config, _) = Config::load(Some(dir.path())).expect("the test configuration loads");
        let store = Store::open(&database).await.expect("store");
        Setup { dir, store, config }
    }

    fn config_dir(&self) -> &Path {
        self.dir.path()
    }

    /// `dtr-gateway run` on this configuration, with the mail servers'
    /// password.
    fn daemon(&self) -> Daemon {
        let mut command = Daemon::command(self.config_dir());
        command.env("DTR_MAIL_PASSWORD", mail_servers().get("DTR_MAIL_PASSWORD"));
        Daemon::spawn(command, self.config_dir().join("daemon.log"))
    }

    /// The essex rule `lead_officer`.
    fn lead_officer_rule(&self) -> &Rule {
        self.config
            .protocol
            .rules
            .iter()
            .find(|r| r.id == "lead_officer")
            .expect("the protocol has a lead_officer rule")
    }

    /// A command of the gateway's CLI on this configuration.
    fn command(&self) -> Command {
        let mut command = Command::new(BINARY);
        command
            .arg("--config")
            .arg(self.config_dir())
            .env_remove("DTR_CONFIG")
            .env_remove("DTR_DATABASE_URL")
            .env("DTR_MAIL_PASSWORD", mail_servers().get("DTR_MAIL_PASSWORD"));
        command
    }

    /// `dtr-gateway sweep --now AT`; its report line.
    fn sweep(&self, at: DateTime<Utc>) -> String {
        let report = common::stdout_of(
            self.command()
                .args(["sweep", "--now", &at.to_rfc3339(), "--record"]),
            &format!("dtr-gateway sweep --now {at}"),
        )
        .trim()
        .to_string();
        eprintln!("sweep as at {} UK: {report}", at.with_timezone(&London));
        report
    }

    /// `dtr-gateway case REF`.
    fn show_case(&self, reference: &str) -> String {
        common::stdout_of(
            self.command().args(["case", reference]),
            &format!("dtr-gateway case {reference}"),
        )
    }

    /// The open case with this reference, as the sweep sees it.
    async fn deadline_case(&self, reference: &str) -> Option<DeadlineCase> {
        self.store
            .deadline_cases(None)
            .await
            .expect("deadline cases")
            .into_iter()
            .find(|c| c.reference == reference)
    }

    /// The outbox, for failure messages.
    async fn outbox(&self) -> String {
        let rows: Vec<(String, String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT purpose, status, recipients, CAST(next_attempt_at AS TEXT), last_error \
             FROM outbox ORDER BY id",
        )
        .fetch_all(self.store.pool())
        .await
        .unwrap_or_default();
        let now = Utc::now();
        let mut out: String = rows
            .iter()
            .map(|(purpose, status, to, next, error)| {
                format!(
                    "\n  {purpose:<16} {status:<8} next attempt {next} (now {now}) to {to} {}",
                    error.as_deref().unwrap_or("")
                )
            })
            .collect();
        let waiting = rows.iter().any(|(_, status, _, next, _)| {
            status == "queued"
                && DateTime::parse_from_rfc3339(next)
                    .is_ok_and(|next| next > now + Duration::from_secs(60))
        });
        if waiting {
            out.push_str(
                "\n  (queued mail is not due before its next attempt, which lies in the future: \
                 the sender will not send it until then)",
            );
        }
        out
    }

    /// Waits until every watched folder of the mailbox reports `idle`.
    async fn wait_watching(&self, folders: &[&str], daemon: &Daemon) {
        let started = Instant::now();
        while started.elapsed() < LIMIT {
            let idle: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM mailbox_status WHERE mailbox = 'colchester' AND state = 'idle'",
            )
            .fetch_one(self.store.pool())
            .await
            .unwrap_or(0);
            if idle == folders.len() as i64 {
                eprintln!(
                    "the daemon watches {folders:?} after {:?}",
                    started.elapsed()
                );
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let states: Vec<(String, String, Option<String>)> =
            sqlx::query_as("SELECT folder, state, last_error FROM mailbox_status")
                .fetch_all(self.store.pool())
                .await
                .unwrap_or_default();
        panic!(
            "the daemon did not start watching {folders:?} within {LIMIT:?}: {states:?}\n{}",
            daemon.tail()
        );
    }

    /// Waits until the mailboxes hold at least `want` (users not named: as
    /// now); returns how long it took, or fails saying what did not arrive.
    async fn wait_mail(&self, what: &str, want: &Counts, daemon: &Daemon) -> Duration {
        let started = Instant::now();
        loop {
            let now = counts();
            if want.iter().all(|(user, n)| now[user] >= *n) {
                let took = started.elapsed();
                eprintln!("{what}: arrived after {took:?}");
                return took;
            }
            if started.elapsed() > LIMIT {
                panic!(
                    "{what}: did not arrive within {LIMIT:?}; mailboxes hold {now:?}, expected {want:?}\n\
                     outbox:{}\ndaemon log:\n{}",
                    self.outbox().await,
                    daemon.tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits out the sender's poll and checks that nothing more arrived.
    async fn assert_quiet(&self, what: &str, before: &Counts, daemon: &Daemon) {
        tokio::time::sleep(QUIET).await;
        let after = counts();
        assert_eq!(
            &after,
            before,
            "{what}: mail arrived that should not have (mailboxes before, then after {QUIET:?})\n\
             outbox:{}\ndaemon log:\n{}",
            self.outbox().await,
            daemon.tail()
        );
    }
}

type Counts = BTreeMap<&'static str, usize>;

/// How many messages each user's INBOX holds.
fn counts() -> Counts {
    USERS
        .iter()
        .map(|u| (*u, mailbox_count(u, "INBOX")))
        .collect()
}

/// `counts` with some users' numbers raised.
fn plus(base: &Counts, more: &[(&'static str, usize)]) -> Counts {
    let mut out = base.clone();
    for (user, n) in more {
        *out.get_mut(user).expect("a known user") += n;
    }
    out
}

/// `at` o'clock UK time on `day`, as UTC.
fn uk(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    London
        .from_local_datetime(&day.and_hms_opt(hour, 0, 0).expect("time"))
        .single()
        .expect("an unambiguous UK time")
        .with_timezone(&Utc)
}

/// As the gateway's mail words a date: `Friday 27 November 2026`.
fn spoken(day: NaiveDate) -> String {
    day.format("%A %-d %B %Y").to_string()
}

/// A complete referral with health and risk details.
fn referral(message_id: &str) -> Vec<u8> {
    format!(
        "From: Pat Probation <referrer@justice.test>\r\nTo: colchester@lha.test\r\n\
         Subject: Duty to Refer referral\r\nDate: {}\r\nMessage-ID: <{message_id}>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         DUTY TO REFER REFERRAL\r\nReferral type: Duty to Refer\r\nFull name: {FULL_NAME}\r\n\
         Date of birth: {DATE_OF_BIRTH}\r\nPrison number: {PRISON_NUMBER}\r\n\
         Custody status: sentenced\r\nExpected release date: {}\r\n\
         Consent to referral: Yes\r\nReason at risk of homelessness: No address on release\r\n\
         Local connection: resident\r\nPhysical health: {PHYSICAL_HEALTH}\r\n\
         Mental health: {MENTAL_HEALTH}\r\nRisk to others: {RISK_TO_OTHERS}\r\n\
         Risk to self: {RISK_TO_SELF}\r\nReferring agency: HMP Test\r\n\
         Referrer name: Pat Probation\r\nReferrer email: referrer@justice.test\r\n\
         Referrer phone: 01632 960000\r\n",
        Utc::now().to_rfc2822(),
        // A year on: every step of the test falls well before release.
        (Utc::now() + chrono::Duration::days(365)).format("%d/%m/%Y"),
    )
    .into_bytes()
}

/// A delivered message, read.
struct Mail {
    raw: String,
    subject: String,
    message_id: String,
    to: String,
    cc: String,
    text: String,
    html: String,
}

impl Mail {
    fn read(raw: &str) -> Mail {
        let parsed = mail_parser::MessageParser::default()
            .parse(raw.as_bytes())
            .unwrap_or_else(|| panic!("cannot parse a delivered message:\n{raw}"));
        Mail {
            raw: raw.to_string(),
            subject: parsed.subject().unwrap_or_default().to_string(),
            message_id: parsed
                .message_id()
                .map(|id| format!("<{id}>"))
                .unwrap_or_default(),
            to: header(raw, "To").unwrap_or_default(),
            cc: header(raw, "Cc").unwrap_or_default(),
            text: parsed
                .body_text(0)
                .map(|t| t.to_string())
                .unwrap_or_default(),
            html: parsed
                .body_html(0)
                .map(|t| t.to_string())
                .unwrap_or_default(),
        }
    }
}

/// The messages of a user's INBOX whose subject contains `word`.
fn inbox_with(user: &str, word: &str) -> Vec<Mail> {
    messages(user, "INBOX")
        .iter()
        .map(|m| Mail::read(m))
        .filter(|m| m.subject.contains(word))
        .collect()
}

/// The one message of a user's INBOX whose subject contains `word`.
fn the_one(user: &str, word: &str) -> Mail {
    let mut found = inbox_with(user, word);
    assert_eq!(
        found.len(),
        1,
        "{user}'s INBOX: one message with `{word}` in the subject, found {:?}",
        found.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    found.remove(0)
}

/// Sends the referral, waits for its acknowledgement and the authority's
/// notice, and returns the case as the sweep sees it.
async fn refer(setup: &Setup, daemon: &Daemon, message_id: &str) -> DeadlineCase {
    let before = counts();
    mail_servers().send(
        "referrer@justice.test",
        "colchester@lha.test",
        &referral(message_id),
    );
    // The referral and the notice in the inbox, the acknowledgement at the referrer.
    setup
        .wait_mail(
            "the acknowledgement and the notice",
            &plus(&before, &[("referrer", 1), ("colchester", 2)]),
            daemon,
        )
        .await;
    let ack = the_one("referrer", "Referral received");
    let reference = ack
        .subject
        .trim_start_matches('[')
        .split(']')
        .next()
        .expect("a reference")
        .to_string();
    assert!(reference.starts_with("DTR-COL-"), "{}", ack.subject);
    let started = Instant::now();
    loop {
        if let Some(case) = setup.deadline_case(&reference).await {
            if case.facts.acknowledged_at.is_some() {
                return case;
            }
        }
        assert!(
            started.elapsed() < LIMIT,
            "case {reference} is not open and acknowledged: {:?}\n{}",
            setup.deadline_case(&reference).await,
            setup.show_case(&reference)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the case records its lead officer.
async fn wait_lead_named(setup: &Setup, daemon: &Daemon, reference: &str) -> Duration {
    let started = Instant::now();
    loop {
        let case = setup.deadline_case(reference).await;
        if case
            .as_ref()
            .is_some_and(|c| c.progress.lead_named_at.is_some())
        {
            let took = started.elapsed();
            eprintln!("the lead officer is recorded after {took:?}");
            return took;
        }
        if started.elapsed() > LIMIT {
            panic!(
                "case {reference} does not record the lead officer within {LIMIT:?}: {:?}\n{}\ndaemon log:\n{}",
                case.map(|c| c.progress),
                setup.show_case(reference),
                daemon.tail()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_answer_brings_reminder_chase_and_escalation_then_an_answer_stops_them() {
    let _turn = SERIAL.lock().await;
    let test_started = Instant::now();
    let servers = mail_servers();
    for user in USERS {
        servers.reset(user);
    }
    let setup = Setup::new(&["INBOX"]).await;
    let daemon = setup.daemon();
    setup.wait_watching(&["INBOX"], &daemon).await;

    let case = refer(&setup, &daemon, "deadline-e2e-1@justice.test").await;
    let reference = case.reference.clone();
    let rule = setup.lead_officer_rule();
    let calendar = &setup.config.calendar;
    let due = rule
        .due(&case.facts, calendar)
        .expect("the lead officer deadline has a date")
        .on;
    let reminder_day = rule
        .reminder_on(due, calendar)
        .expect("the lead officer deadline has a reminder");
    let chase_1_day = calendar.add_working_days(due, 1);
    let escalation_day = calendar.add_working_days(due, 2);
    let chase_2_day = calendar.add_working_days(due, 3);
    let chase_3_day = calendar.add_working_days(due, 5);
    let week_later = calendar.add_working_days(chase_2_day, 5);
    eprintln!(
        "{reference}: deadlines from {}, lead officer due {due}; reminder {reminder_day}, chase 1 \
         {chase_1_day}, escalation {escalation_day}, chase 2 {chase_2_day}",
        case.facts.clock_from
    );
    let outbox_rows = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM outbox")
            .fetch_one(setup.store.pool())
            .await
            .expect("outbox count")
    };

    // Before the morning's send_from, nothing.
    let start = counts();
    let rows = outbox_rows().await;
    let report = setup.sweep(uk(reminder_day, 7));
    assert!(
        report.contains("before 09:00 UK time: nothing sent"),
        "07:00: {report}"
    );
    assert_eq!(outbox_rows().await, rows, "the 07:00 sweep queued mail");
    setup
        .assert_quiet("the sweep at 07:00 on the reminder day", &start, &daemon)
        .await;

    // At 10:00 the reminder, to the authority's inbox.
    setup.sweep(uk(reminder_day, 10));
    let after_reminder = plus(&start, &[("colchester", 1)]);
    setup
        .wait_mail("the reminder at colchester@", &after_reminder, &daemon)
        .await;
    let reminder = the_one("colchester", "Reminder");
    assert!(
        reminder.subject.contains(&reference),
        "{}",
        reminder.subject
    );
    assert!(
        reminder.to.contains("colchester@lha.test"),
        "{}",
        reminder.to
    );

    // The first chase day: to the operational lead, copying the inbox.
    setup.sweep(uk(chase_1_day, 10));
    let after_chase = plus(&after_reminder, &[("lead", 1), ("colchester", 1)]);
    setup
        .wait_mail(
            "chase 1 at lead@ and its copy at colchester@",
            &after_chase,
            &daemon,
        )
        .await;
    let chase = the_one("lead", "Chase 1");
    assert!(chase.subject.contains(&reference), "{}", chase.subject);
    assert!(chase.to.contains("lead@lha.test"), "To: {}", chase.to);
    assert!(
        chase.cc.contains("colchester@lha.test"),
        "the chase copies the inbox: Cc: {}",
        chase.cc
    );
    assert_eq!(
        inbox_with("colchester", "Chase 1").len(),
        1,
        "the inbox's copy"
    );

    // The escalation day: to the dispute contact, copying the operational
    // lead, the inbox and the referrer (Annex C); no chase that day.
    setup.sweep(uk(escalation_day, 10));
    let after_escalation = plus(
        &after_chase,
        &[
            ("senior", 1),
            ("lead", 1),
            ("colchester", 1),
            ("referrer", 1),
        ],
    );
    setup
        .wait_mail(
            "the escalation at senior@ and its copies at lead@, colchester@ and referrer@",
            &after_escalation,
            &daemon,
        )
        .await;
    let escalation = the_one("senior", "Escalation");
    assert!(
        escalation.subject.contains(&reference),
        "{}",
        escalation.subject
    );
    assert!(
        escalation.to.contains("senior@lha.test"),
        "To: {}",
        escalation.to
    );
    assert!(
        escalation.cc.contains("lead@lha.test"),
        "the escalation copies the operational lead: Cc: {}",
        escalation.cc
    );
    assert_eq!(inbox_with("lead", "Escalation").len(), 1, "the lead's copy");
    let text = &escalation.text;
    for (step, day) in [("Reminder", reminder_day), ("Chase 1", chase_1_day)] {
        let line = format!("{step}: {}", spoken(day));
        assert!(
            text.contains(&line),
            "the escalation lists `{line}`:\n{text}"
        );
    }
    assert!(
        text.lines().any(|l| l
            .trim()
            .strip_prefix("Commitment:")
            .is_some_and(|v| v.trim() == "10")),
        "the escalation names commitment 10:\n{text}"
    );
    let everything = format!(
        "{}\n{}\n{}\n{}",
        escalation.raw, escalation.subject, escalation.text, escalation.html
    );
    for (what, detail) in [
        ("full name", FULL_NAME),
        ("first name", "Quentin"),
        ("date of birth", DATE_OF_BIRTH),
        ("date of birth", "14 July 1988"),
        ("date of birth", "1988-07-14"),
        ("prison number", PRISON_NUMBER),
        ("physical health", PHYSICAL_HEALTH),
        ("physical health", "diabetes"),
        ("mental health", MENTAL_HEALTH),
        ("mental health", "stress disorder"),
        ("risk to others", RISK_TO_OTHERS),
        ("risk to others", "arson"),
        ("risk to self", RISK_TO_SELF),
        ("risk to self", "self-harm"),
    ] {
        assert!(
            !everything.contains(detail),
            "the escalation gives the person's {what} ({detail}):\n{}",
            escalation.raw
        );
    }

    // Every sweep again: nothing twice.
    for at in [
        uk(reminder_day, 7),
        uk(reminder_day, 10),
        uk(chase_1_day, 10),
        uk(escalation_day, 10),
    ] {
        let report = setup.sweep(at);
        assert!(
            report.contains("0 mail(s) queued") || report.contains("nothing sent"),
            "again at {at}: {report}"
        );
    }
    setup
        .assert_quiet("the same sweeps run again", &after_escalation, &daemon)
        .await;

    // The operational lead does exactly what the chase asks: replies to it
    // (its Reply-To is the council's own inbox), the lead officer's lines
    // on top, the chase quoted below as Outlook quotes it. The receiving
    // server's verdict (mx.lha.test, the mailbox's trusted authserv-id)
    // says the sender is who the From says.
    let quoted: String = chase.text.lines().map(|l| format!("{l}\r\n")).collect();
    let answer = format!(
        "Authentication-Results: mx.lha.test; dmarc=pass header.from=lha.test\r\n\
         From: Lee Lead <lead@lha.test>\r\nTo: Colchester Duty to Refer <colchester@lha.test>\r\n\
         Subject: RE: {}\r\nDate: {}\r\nMessage-ID: <answer-1@lha.test>\r\n\
         In-Reply-To: {}\r\nReferences: {}\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         Good morning,\r\n\r\nSorry for the delay. The referral is with our team.\r\n\r\n\
         Lead officer: Jo Officer\r\nEmail: jo.officer@lha.test\r\nTelephone: 01206 500123\r\n\r\n\
         Lee\r\n\r\n________________________________\r\n\
         From: Colchester Duty to Refer <colchester@lha.test>\r\nSent: {}\r\n\
         To: Lee Lead <lead@lha.test>\r\nSubject: {}\r\n\r\n{quoted}",
        chase.subject,
        Utc::now().to_rfc2822(),
        chase.message_id,
        chase.message_id,
        spoken(chase_1_day),
        chase.subject,
    );
    send_to_all("lead@lha.test", &["colchester@lha.test"], answer.as_bytes());
    // The answer in the council's inbox, and the lead officer it names
    // told to the referrer (commitment 10).
    let after_answer = plus(&after_escalation, &[("colchester", 1), ("referrer", 1)]);
    setup
        .wait_mail(
            "the answer in the council's own inbox, and the lead told to the referrer",
            &after_answer,
            &daemon,
        )
        .await;
    wait_lead_named(&setup, &daemon, &reference).await;
    let shown = setup.show_case(&reference);
    assert!(
        shown.contains("Council lead officer named: Jo Officer"),
        "`dtr-gateway case {reference}` shows the lead officer named:\n{shown}"
    );
    assert!(shown.contains("Jo Officer"), "{shown}");

    // The later chase days and a week on: nothing more, to anyone.
    for day in [chase_2_day, chase_3_day, week_later] {
        let report = setup.sweep(uk(day, 10));
        assert!(
            report.contains("0 follow-up(s)"),
            "after the answer, on {day}: {report}"
        );
    }
    setup
        .assert_quiet("the sweeps after the answer", &after_answer, &daemon)
        .await;

    let status = daemon.terminate().await;
    assert!(status.success(), "the daemon exits 0 on SIGTERM: {status}");
    eprintln!("the whole test took {:?}", test_started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_seen_in_the_sent_folder_counts() {
    let _turn = SERIAL.lock().await;
    let test_started = Instant::now();
    let servers = mail_servers();
    for user in USERS {
        servers.reset(user);
    }
    let setup = Setup::new(&["INBOX", "Sent"]).await;
    let daemon = setup.daemon();
    setup.wait_watching(&["INBOX", "Sent"], &daemon).await;

    let case = refer(&setup, &daemon, "deadline-e2e-sent@justice.test").await;
    let reference = case.reference.clone();
    let rule = setup.lead_officer_rule();
    let due = rule
        .due(&case.facts, &setup.config.calendar)
        .expect("the lead officer deadline has a date")
        .on;
    let chase_1_day = setup.config.calendar.add_working_days(due, 1);

    // Someone at the authority answers from the shared mailbox: the answer
    // is only ever seen in its Sent folder.
    let answer = format!(
        "From: Colchester Housing <colchester@lha.test>\r\nTo: referrer@justice.test\r\n\
         Subject: RE: [{reference}] Referral received\r\nDate: {}\r\n\
         Message-ID: <sent-answer-1@lha.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         Thank you for the referral.\r\n\r\nLead officer: Jo Officer\r\n\
         Email: jo.officer@lha.test\r\nTelephone: 01206 500123\r\n",
        Utc::now().to_rfc2822()
    );
    servers.save("colchester", "Sent", answer.as_bytes());
    wait_lead_named(&setup, &daemon, &reference).await;

    let before = counts();
    let report = setup.sweep(uk(chase_1_day, 10));
    assert!(
        report.contains("0 follow-up(s)"),
        "the lead officer was named; on the first chase day {chase_1_day}: {report}"
    );
    setup
        .assert_quiet("the sweep on the first chase day", &before, &daemon)
        .await;
    assert_eq!(before["lead"], 0, "nothing ever reached lead@");

    let status = daemon.terminate().await;
    assert!(status.success(), "the daemon exits 0 on SIGTERM: {status}");
    eprintln!("the whole test took {:?}", test_started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawal_of_consent_the_council_confirms_by_reply_ends_the_case() {
    let _turn = SERIAL.lock().await;
    let servers = mail_servers();
    for user in USERS {
        servers.reset(user);
    }
    let setup = Setup::new(&["INBOX"]).await;
    let daemon = setup.daemon();
    setup.wait_watching(&["INBOX"], &daemon).await;

    let case = refer(&setup, &daemon, "deadline-e2e-withdrawn@justice.test").await;
    let reference = case.reference.clone();
    let rule = setup.lead_officer_rule();
    let calendar = &setup.config.calendar;
    let due = rule
        .due(&case.facts, calendar)
        .expect("the lead officer deadline has a date")
        .on;

    // The probation officer replies to the acknowledgement (its Reply-To
    // is the council's inbox), in words, the acknowledgement quoted below
    // as Outlook quotes it.
    let ack = the_one("referrer", "Referral received");
    let quoted: String = ack.text.lines().map(|l| format!("{l}\r\n")).collect();
    let answer = format!(
        "Authentication-Results: mx.lha.test; dmarc=pass header.from=justice.test\r\n\
         From: Pat Probation <referrer@justice.test>\r\nTo: Colchester Duty to Refer <colchester@lha.test>\r\n\
         Subject: RE: {}\r\nDate: {}\r\nMessage-ID: <withdrawn-1@justice.test>\r\n\
         In-Reply-To: {}\r\nReferences: {}\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         Hello,\r\n\r\nI saw him this morning and he has withdrawn his consent to the\r\n\
         referral. Please do not take it any further.\r\n\r\nPat\r\n\r\n\
         ________________________________\r\n\
         From: Colchester Duty to Refer <colchester@lha.test>\r\nSent: {}\r\n\
         To: Pat Probation <referrer@justice.test>\r\nSubject: {}\r\n\r\n{quoted}",
        ack.subject,
        Utc::now().to_rfc2822(),
        ack.message_id,
        ack.message_id,
        Utc::now().to_rfc2822(),
        ack.subject,
    );
    let before = counts();
    send_to_all(
        "referrer@justice.test",
        &["colchester@lha.test"],
        answer.as_bytes(),
    );
    // The answer itself in the council's inbox, and the gateway's question.
    let asked = plus(&before, &[("colchester", 2)]);
    setup
        .wait_mail(
            "the answer and the question about consent in the council's inbox",
            &asked,
            &daemon,
        )
        .await;
    let notice = the_one("colchester", "Consent withdrawn?");
    assert!(notice.subject.contains(&reference), "{}", notice.subject);
    // To the council's own inbox: whom it is about, and nothing of the
    // person's health or risk.
    assert!(notice.text.contains(FULL_NAME), "{}", notice.text);
    for detail in [
        PHYSICAL_HEALTH,
        MENTAL_HEALTH,
        RISK_TO_OTHERS,
        RISK_TO_SELF,
        DATE_OF_BIRTH,
    ] {
        assert!(!notice.raw.contains(detail), "{detail} in:\n{}", notice.raw);
    }
    assert!(setup.deadline_case(&reference).await.is_some());

    // The officer who reads the inbox does what it asks: replies to it,
    // `Confirmed` on the first line, the question quoted below.
    let quoted: String = notice.text.lines().map(|l| format!("> {l}\r\n")).collect();
    let confirmed = format!(
        "Authentication-Results: mx.lha.test; dmarc=pass header.from=lha.test\r\n\
         From: Lee Lead <lead@lha.test>\r\nTo: Colchester Duty to Refer <colchester@lha.test>\r\n\
         Subject: RE: {}\r\nDate: {}\r\nMessage-ID: <confirmed-1@lha.test>\r\n\
         In-Reply-To: {}\r\nReferences: {}\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         Confirmed - I rang Pat to check.\r\n\r\nLee\r\n\r\nOn {}, Colchester Duty to Refer wrote:\r\n{quoted}",
        notice.subject,
        Utc::now().to_rfc2822(),
        notice.message_id,
        notice.message_id,
        Utc::now().to_rfc2822(),
    );
    send_to_all(
        "lead@lha.test",
        &["colchester@lha.test"],
        confirmed.as_bytes(),
    );
    // The confirmation in the council's inbox, and the referrer told the
    // referral is closed.
    let after = plus(&asked, &[("colchester", 1), ("referrer", 1)]);
    setup
        .wait_mail(
            "the confirmation in the council's inbox and the notice to the referrer",
            &after,
            &daemon,
        )
        .await;
    let closed = the_one("referrer", "Referral closed");
    assert!(closed.subject.contains(&reference), "{}", closed.subject);
    assert!(!closed.raw.contains(FULL_NAME), "{}", closed.raw);
    let started = Instant::now();
    while setup.deadline_case(&reference).await.is_some() {
        assert!(
            started.elapsed() < LIMIT,
            "the case is still open after the council confirmed:\n{}\ndaemon log:\n{}",
            setup.show_case(&reference),
            daemon.tail()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let shown = setup.show_case(&reference);
    assert!(shown.contains("Consent withdrawn"), "{shown}");

    // The lead officer deadline passes: nobody is reminded, chased or
    // escalated to about a referral the person no longer consents to.
    for day in [
        due,
        calendar.add_working_days(due, 1),
        calendar.add_working_days(due, 2),
    ] {
        let report = setup.sweep(uk(day, 10));
        assert!(report.contains("0 follow-up(s)"), "on {day}: {report}");
    }
    setup
        .assert_quiet("the sweeps after the withdrawal", &after, &daemon)
        .await;
    let status = daemon.terminate().await;
    assert!(status.success(), "the daemon exits 0 on SIGTERM: {status}");
}
