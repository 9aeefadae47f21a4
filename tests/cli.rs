//! The CLI verbs a person runs, on a real SQLite file: ingest, cases, case,
//! due, outbox, check-config.

mod common;

use common::gateway_cli as gateway;
use std::path::Path;
use std::process::Command;
use tempfile::TempDir;

#[test]
fn ingest_then_cases_case_due_and_outbox() {
    let dir = TempDir::new().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/referrals");
    let complete = examples.join("complete-referral.eml");
    let refused = examples.join("referral-without-consent.eml");
    let (ok, text) = gateway(
        &database,
        &[
            "ingest",
            "--mailbox",
            "colchester",
            &complete.to_string_lossy(),
            &refused.to_string_lossy(),
        ],
    );
    assert!(ok, "{text}");
    assert!(
        text.contains("referral complete: opened DTR-COL-"),
        "{text}"
    );
    assert!(text.contains("recorded as refused (no consent)"), "{text}");
    let reference = text
        .split_whitespace()
        .find(|w| w.starts_with("DTR-COL-"))
        .expect("a reference")
        .to_string();

    let (ok, text) = gateway(&database, &["cases", "--open"]);
    assert!(
        ok && text.contains(&reference) && text.contains("1 case(s)"),
        "{text}"
    );

    let (ok, text) = gateway(&database, &["case", &reference]);
    assert!(ok && text.contains("Referral received, complete"), "{text}");

    // Nothing has sent the acknowledgement (no daemon ran): after three
    // working days it is overdue. The dates depend on today, so look far on.
    let (ok, text) = gateway(&database, &["due", "--now", "2099-01-05"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("RED")
            && text.contains("Acknowledge receipt of the referral (9; rule acknowledge)"),
        "{text}"
    );
    assert!(text.contains("2 open deadline(s)"), "{text}");

    let (ok, text) = gateway(&database, &["outbox"]);
    assert!(
        ok && text.contains("queued") && text.contains("acknowledgement"),
        "{text}"
    );
    let (ok, text) = gateway(&database, &["outbox", "retry", "1"]);
    assert!(!ok && text.contains("not a failed mail"), "{text}");
}

#[test]
fn check_config_lists_the_annex_a_warnings_and_fails_on_errors() {
    let (ok, text) = gateway("sqlite::memory:", &["check-config"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("warning:") && text.contains("no errors"),
        "{text}"
    );

    let dir = TempDir::new().expect("temp dir");
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    for file in ["gateway.toml", "authorities.toml"] {
        std::fs::copy(config.join(file), dir.path().join(file)).expect("copy");
    }
    let gateway_toml = dir.path().join("gateway.toml");
    let text = std::fs::read_to_string(&gateway_toml).expect("read");
    std::fs::write(
        &gateway_toml,
        text.replace("protocol = \"essex\"", "protocol = \"norfolk\""),
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_dtr-gateway"))
        .args(["check-config", "--config"])
        .arg(dir.path())
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        text.contains("gateway.protocol") && text.contains("norfolk"),
        "{text}"
    );
}

#[test]
fn a_person_records_the_response_a_pause_a_deadline_met_and_the_closure() {
    let dir = TempDir::new().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    let complete =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/referrals/complete-referral.eml");
    let (ok, text) = gateway(
        &database,
        &[
            "ingest",
            "--mailbox",
            "colchester",
            &complete.to_string_lossy(),
        ],
    );
    assert!(ok, "{text}");
    let reference = text
        .split_whitespace()
        .find(|w| w.starts_with("DTR-COL-"))
        .expect("a reference")
        .to_string();
    let lead_officer_open = |database: &str| {
        let (ok, text) = gateway(database, &["due", "--now", "2099-01-05"]);
        assert!(ok, "{text}");
        text.contains("rule lead_officer")
    };
    assert!(lead_officer_open(&database));

    // A lead that names no one, a phone without a lead, an unknown rule, an
    // unknown case: refused, saying why.
    let (ok, text) = gateway(&database, &["case", &reference, "respond", "--lead", "  "]);
    assert!(!ok && text.contains("names no one"), "{text}");
    let (ok, text) = gateway(
        &database,
        &["case", &reference, "respond", "--phone", "01206 500000"],
    );
    assert!(!ok && text.contains("--phone goes with --lead"), "{text}");
    let (ok, text) = gateway(&database, &["case", &reference, "met", "no_such_rule"]);
    assert!(!ok && text.contains("acknowledge"), "{text}");
    let (ok, text) = gateway(
        &database,
        &[
            "case",
            "DTR-COL-2026-99999",
            "pause",
            "--until",
            "2027-01-04",
        ],
    );
    assert!(!ok && text.contains("no case DTR-COL-2026-99999"), "{text}");

    let (ok, text) = gateway(
        &database,
        &[
            "case",
            &reference,
            "respond",
            "--lead",
            "Ayesha Khan <ayesha.khan@colchester.gov.uk>",
            "--phone",
            "01206 282000",
        ],
    );
    assert!(ok && text.contains("response is recorded"), "{text}");
    assert!(!lead_officer_open(&database), "the lead officer is named");
    let (ok, text) = gateway(&database, &["case", &reference]);
    assert!(
        ok && text.contains("Council lead officer named: Ayesha Khan"),
        "{text}"
    );

    let (ok, text) = gateway(
        &database,
        &["case", &reference, "pause", "--until", "31/12/2098"],
    );
    assert!(ok && text.contains("Wednesday 31 December 2098"), "{text}");
    let (ok, text) = gateway(&database, &["case", &reference, "met", "acknowledge"]);
    assert!(ok && text.contains("is met"), "{text}");
    let (ok, text) = gateway(&database, &["due", "--now", "2099-01-05"]);
    assert!(ok && text.contains("0 open deadline(s)"), "{text}");

    // A sweep on a weekday morning long after: nothing owed, nothing queued.
    let (ok, text) = gateway(
        &database,
        &["sweep", "--now", "2099-01-05T10:00:00Z", "--record"],
    );
    assert!(ok && text.contains("0 mail(s) queued"), "{text}");

    let (ok, text) = gateway(
        &database,
        &[
            "case",
            &reference,
            "close",
            "--outcome",
            "personal-housing-plan-agreed",
        ],
    );
    assert!(ok, "{text}");
    let (ok, text) = gateway(&database, &["cases", "--open"]);
    assert!(ok && text.contains("0 case(s)"), "{text}");
}

/// A store created where none was found is said aloud, once: a volume not
/// mounted or a mistyped path would otherwise start references from 1 again.
#[test]
fn a_new_case_store_is_announced() {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path().join("new").join("cases.db");
    let database = format!("sqlite:{}", path.display());
    let (ok, text) = gateway(&database, &["cases"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("no case store at this path: creating a new one"),
        "{text}"
    );
    assert!(path.exists());
    let (ok, text) = gateway(&database, &["cases"]);
    assert!(ok && !text.contains("creating a new one"), "{text}");
}

/// Two daemons started with one configuration would share an instance name
/// and take each other's mail in flight for their own: the second refuses
/// to start, saying why.
#[test]
fn a_second_daemon_under_the_same_instance_name_refuses_to_start() {
    let dir = TempDir::new().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    let start = || {
        Command::new(env!("CARGO_BIN_EXE_dtr-gateway"))
            .args(["--database", &database, "run"])
            .current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start the daemon")
    };
    let mut first = start();
    // Running: its store and its lock are made.
    let lock_made = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        std::fs::read_dir(dir.path())
            .map(|entries| {
                entries
                    .flatten()
                    .any(|e| e.file_name().to_string_lossy().contains(".instance-"))
            })
            .unwrap_or(false)
    });
    assert!(lock_made, "the first daemon holds its instance");
    let second = start().wait_with_output().expect("second daemon");
    let _ = first.kill();
    let _ = first.wait();
    let text = String::from_utf8_lossy(&second.stderr);
    assert!(!second.status.success(), "{text}");
    assert!(
        text.contains("another gateway runs as instance") && text.contains("[gateway] instance"),
        "{text}"
    );
}

/// A complete referral to Colchester, its release a year from today, in
/// a file of `dir`.
fn referral_file(dir: &Path) -> std::path::PathBuf {
    let release = (chrono::Utc::now() + chrono::Duration::days(365))
        .format("%d/%m/%Y")
        .to_string();
    let text = format!(
        "From: Jo Probation <jo.probation@justice.gov.uk>\r\nTo: dutytorefer@colchester.gov.uk\r\n\
         Subject: Referral\r\nMessage-ID: <cli-1@justice.gov.uk>\r\nContent-Type: text/plain\r\n\r\n\
         DUTY TO REFER REFERRAL\r\nReferral type: Duty to Refer\r\nFull name: Samuel Testperson\r\n\
         Date of birth: 14/07/1988\r\nPrison number: A1234BC\r\nCustody status: sentenced\r\n\
         Expected release date: {release}\r\nConsent to referral: Yes\r\n\
         Reason at risk of homelessness: No address\r\nLocal connection: resident\r\n\
         Referring agency: HMP Chelmsford\r\nReferrer name: Jo Probation\r\n\
         Referrer email: jo.probation@justice.gov.uk\r\nReferrer phone: 01245 000000\r\n"
    );
    let file = dir.join("referral.eml");
    std::fs::write(&file, text).expect("write");
    file
}

/// A working day three weeks or so from today, as `01/12/2026`: every
/// step of a referral received today is overdue by then.
fn three_weeks_on() -> String {
    use chrono::Datelike;
    let mut day = chrono::Utc::now().date_naive() + chrono::Duration::days(21);
    while matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
        day = day.succ_opt().expect("next day");
    }
    // A bank holiday is not a working day either; the next Wednesday that
    // is not 25 December or 1 January will do.
    while day.weekday() != chrono::Weekday::Wed || (day.month() == 12 && day.day() == 25) {
        day = day.succ_opt().expect("next day");
    }
    day.format("%d/%m/%Y").to_string()
}

fn ingested(dir: &TempDir) -> (String, String) {
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    let file = referral_file(dir.path());
    let (ok, text) = gateway(
        &database,
        &["ingest", "--mailbox", "colchester", &file.to_string_lossy()],
    );
    assert!(ok, "{text}");
    let reference = text
        .split_whitespace()
        .find(|w| w.starts_with("DTR-COL-"))
        .expect("a reference")
        .trim_end_matches(':')
        .to_string();
    (database, reference)
}

#[test]
fn commitment_11_a_lead_change_recorded_by_hand_is_sent() {
    let dir = TempDir::new().expect("temp dir");
    let (database, reference) = ingested(&dir);
    let (ok, text) = gateway(
        &database,
        &[
            "case",
            &reference,
            "respond",
            "--lead",
            "Ayesha Khan <ayesha.khan@colchester.gov.uk>",
        ],
    );
    // The first lead named is told as much as any change.
    assert!(ok && text.contains("will be told"), "{text}");
    let (ok, text) = gateway(
        &database,
        &[
            "case",
            &reference,
            "respond",
            "--lead",
            "Ben Ortiz <ben.ortiz@colchester.gov.uk>",
        ],
    );
    assert!(
        ok && text.contains("the referring side will be told of the new lead officer"),
        "{text}"
    );
    let (ok, text) = gateway(&database, &["outbox"]);
    assert!(ok, "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("lead_changed"))
        .unwrap_or_else(|| panic!("no lead change queued: {text}"));
    assert!(
        line.contains("queued") && line.contains("jo.probation@justice.gov.uk"),
        "{line}"
    );
}

#[test]
fn a_sweep_as_at_another_time_shows_what_it_would_send_and_records_only_when_asked() {
    let dir = TempDir::new().expect("temp dir");
    let (database, reference) = ingested(&dir);
    let later = three_weeks_on();
    let (ok, text) = gateway(&database, &["sweep", "--now", &later]);
    assert!(ok, "{text}");
    assert!(text.contains(&reference) && text.contains("to "), "{text}");
    assert!(
        text.contains("nothing was recorded (add --record to record and send them)"),
        "{text}"
    );
    let (_, outbox) = gateway(&database, &["outbox"]);
    assert!(
        !outbox.contains("chase") && !outbox.contains("escalation"),
        "{outbox}"
    );
    let (ok, text) = gateway(&database, &["sweep", "--now", &later, "--record"]);
    assert!(ok && text.contains("mail(s) queued"), "{text}");
    // The first sweep after a gap chases first; it never escalates
    // before anyone was chased.
    let (_, outbox) = gateway(&database, &["outbox"]);
    assert!(
        outbox.contains("chase") && !outbox.contains("escalation"),
        "{outbox}"
    );
    // `due` shows how far each ladder has gone.
    let (ok, due) = gateway(&database, &["due", "--now", &later]);
    assert!(ok && due.contains("chased"), "{due}");
    // A Saturday: the sweep says why it sends nothing.
    let (ok, text) = gateway(&database, &["sweep", "--now", "2026-11-28T11:00:00Z"]);
    assert!(
        ok && text.contains("not a working day: nothing sent"),
        "{text}"
    );
}

/// The number before ` follow-up(s)` in a sweep's last line.
fn follow_ups_said(text: &str) -> usize {
    text.split(" follow-up(s)")
        .next()
        .and_then(|before| before.split_whitespace().last())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count of follow-ups in: {text}"))
}

#[test]
fn sweeps_run_at_once_each_count_only_what_they_recorded() {
    let dir = TempDir::new().expect("temp dir");
    let (database, _) = ingested(&dir);
    let later = three_weeks_on();
    let (ok, text) = gateway(&database, &["sweep", "--now", &later]);
    assert!(ok, "{text}");
    let due = follow_ups_said(&text);
    assert!(due > 0, "{text}");
    // Four `sweep --record` at once: between them each follow-up is
    // recorded once, and together they say so, not four times over.
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let database = database.clone();
            let later = later.clone();
            std::thread::spawn(move || gateway(&database, &["sweep", "--now", &later, "--record"]))
        })
        .collect();
    let mut recorded = 0;
    for run in runs {
        let (ok, text) = run.join().expect("the sweep ran");
        assert!(ok, "{text}");
        recorded += follow_ups_said(&text);
    }
    assert_eq!(recorded, due);
    let (ok, text) = gateway(&database, &["sweep", "--now", &later, "--record"]);
    assert!(ok && follow_ups_said(&text) == 0, "{text}");
}

#[test]
fn release_and_application_dates_are_recorded_by_hand() {
    let dir = TempDir::new().expect("temp dir");
    let (database, reference) = ingested(&dir);
    let (ok, text) = gateway(&database, &["case", &reference, "release", "31/02/2027"]);
    assert!(
        !ok && text.contains("not a date such as 24/12/2026"),
        "{text}"
    );
    let next_month = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%d/%m/%Y")
        .to_string();
    let (ok, text) = gateway(&database, &["case", &reference, "release", &next_month]);
    assert!(
        ok && text.contains("expected release on") && text.contains("(urgent)"),
        "{text}"
    );
    let (ok, text) = gateway(
        &database,
        &["case", &reference, "application", "2026-12-02"],
    );
    assert!(
        ok && text.contains("homeless application received on Wednesday 2 December 2026"),
        "{text}"
    );
    let (ok, text) = gateway(&database, &["case", &reference]);
    assert!(
        ok && text.contains("Expected release date moved from")
            && text.contains("Homeless application received on 2 December 2026"),
        "{text}"
    );
}

/// A store that cannot be reached is said once, cause and all: not
/// "database error: error communicating with database: Connection refused
/// …: error communicating with database: Connection refused".
#[test]
fn an_unreachable_store_is_reported_once() {
    // Nothing listens on port 9 of loopback: the connection is refused.
    let (ok, text) = gateway("postgres://dtr@127.0.0.1:9/dtr_gateway", &["cases"]);
    assert!(!ok, "{text}");
    let line = text.trim();
    assert!(
        line.starts_with("dtr-gateway: cannot open the store at postgres://dtr@127.0.0.1:9/"),
        "{line}"
    );
    assert_eq!(line.matches("Connection refused").count(), 1, "{line}");
    assert_eq!(
        line.matches("error communicating with database").count(),
        1,
        "{line}"
    );
    assert!(!line.contains("database error"), "{line}");
}

#[test]
fn ingest_says_whether_a_form_added_to_a_case_completed_it() {
    let dir = TempDir::new().expect("temp dir");
    // The embedded configuration, its Colchester inbox trusting mail with no
    // verdict (as a Maildir fed by a trusted relay may): the referrer's
    // later form may change their case.
    let config = dir.path().join("config");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    copy_dir(&source, &config);
    let gateway_toml = std::fs::read_to_string(config.join("gateway.toml")).expect("read");
    let trusted = gateway_toml.replacen(
        "name = \"colchester\"\nauthority = \"COL\"\n",
        "name = \"colchester\"\nauthority = \"COL\"\ntrust_unauthenticated = true\n",
        1,
    );
    assert_ne!(
        trusted, gateway_toml,
        "the Colchester mailbox is configured"
    );
    std::fs::write(config.join("gateway.toml"), trusted).expect("write");
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    let full = std::fs::read_to_string(referral_file(dir.path())).expect("read");
    let write = |name: &str, text: String| {
        let file = dir.path().join(name);
        std::fs::write(&file, text).expect("write");
        file
    };
    // Without a date of birth and without a phone: incomplete.
    let first = write(
        "first.eml",
        full.replace("Date of birth: 14/07/1988\r\n", "")
            .replace("Referrer phone: 01245 000000\r\n", ""),
    );
    // The date of birth alone comes: still incomplete; then the phone.
    let second = write(
        "second.eml",
        full.replace("<cli-1@", "<cli-2@")
            .replace("Referrer phone: 01245 000000\r\n", ""),
    );
    let third = write("third.eml", full.replace("<cli-1@", "<cli-3@"));
    let config_arg = config.to_string_lossy().to_string();
    let ingest = |file: &Path| {
        let (ok, text) = gateway(
            &database,
            &[
                "--config",
                &config_arg,
                "ingest",
                "--mailbox",
                "colchester",
                &file.to_string_lossy(),
            ],
        );
        assert!(ok, "{text}");
        text
    };
    let text = ingest(&first);
    assert!(
        text.contains("referral incomplete: opened DTR-COL-"),
        "{text}"
    );
    let text = ingest(&second);
    assert!(
        text.contains("added to the referrer's case DTR-COL-")
            && text.contains(", still incomplete"),
        "{text}"
    );
    assert!(!text.contains("completed"), "{text}");
    let text = ingest(&third);
    assert!(text.contains(", now open"), "{text}");
}

/// Copies the files of `from` (one level of folders) into `to`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// A referral received without the consent answer on Monday 23 November
/// 2026, the referrer's form giving it on Friday 27: `case` says when it
/// was received and, apart, from when its deadlines count, and `due`
/// counts from then.
#[test]
fn case_says_when_the_referral_came_and_from_when_its_deadlines_count() {
    use common::world::{referral, uk};
    let dir = TempDir::new().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    let inbox = "dutytorefer@colchester.gov.uk";
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let reference = runtime.block_on(async {
        let store = dtr_gateway::store::Store::open(&database)
            .await
            .expect("store");
        let (mut config, _) = dtr_gateway::config::Config::embedded().expect("config");
        config.answer_max_age = chrono::Duration::days(36_500);
        for mailbox in &mut config.mailboxes {
            mailbox.trust.results = dtr_gateway::config::ResultsFrom::Topmost;
            mailbox.trust.internal = dtr_gateway::config::InternalMarks::Exchange;
        }
        let unconsented = referral(
            inbox,
            "cli-consent-1@justice.gov.uk",
            &[("Consent to referral", "")],
        );
        let opened = common::ingest_into(
            &store,
            &config,
            "colchester",
            &unconsented,
            uk(2026, 11, 23, 10, 0),
        )
        .await;
        let consented = referral(inbox, "cli-consent-2@justice.gov.uk", &[]);
        common::ingest_into(
            &store,
            &config,
            "colchester",
            &consented,
            uk(2026, 11, 27, 10, 0),
        )
        .await;
        opened.case.expect("a case").to_string()
    });
    let (ok, text) = gateway(&database, &["case", &reference]);
    assert!(ok, "{text}");
    assert!(text.contains("Monday 23 November 2026 at 10:00"), "{text}");
    assert!(
        text.contains("Friday 27 November 2026 at 10:00, when the person's consent was confirmed"),
        "{text}"
    );
    let (ok, text) = gateway(&database, &["due", "--now", "2026-12-01"]);
    assert!(ok, "{text}");
    let due_on = |rule: &str, day: &str| {
        text.lines()
            .find(|line| line.contains(&format!("rule {rule})")))
            .is_some_and(|line| line.contains(day))
    };
    // Three and five working days from the consent, not from receipt
    // (Thursday 26 and Monday 30 November, both passed).
    assert!(due_on("acknowledge", "Wed 2 Dec 2026"), "{text}");
    assert!(due_on("lead_officer", "Fri 4 Dec 2026"), "{text}");
}
