//! What council officers and the person who runs the gateway read: the
//! quarantine commands, the case as the form has it, the list of cases,
//! the outbox and the report, as printed by the binary on a real SQLite
//! file.

mod common;

use common::gateway_cli as gateway;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/referrals")
        .join(name)
}

/// A store in a temporary folder, and its URL.
fn store() -> (TempDir, String) {
    let dir = TempDir::new().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    (dir, database)
}

/// The complete example referral, sent from `from` with its own
/// Message-ID and prison number.
fn referral_from(dir: &Path, name: &str, from: &str, n: u32) -> PathBuf {
    let text = std::fs::read_to_string(example("complete-referral.eml")).expect("example");
    let text = text
        .replace("jane.doe@justice.gov.uk", from)
        .replace("A4821KT", &format!("A{n:04}ZZ"))
        .replace("Daniel Marsh", &format!("Daniel Marsh{n}"))
        .replacen("Message-ID: <", &format!("Message-ID: <{n}."), 1)
        .replacen("Message-Id: <", &format!("Message-Id: <{n}."), 1);
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

fn ingest(database: &str, files: &[&Path]) -> String {
    let mut args = vec![
        "ingest".to_string(),
        "--mailbox".into(),
        "colchester".into(),
    ];
    args.extend(files.iter().map(|f| f.to_string_lossy().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (ok, text) = gateway(database, &args);
    assert!(ok, "{text}");
    text
}

#[test]
fn quarantine_is_listed_shown_released_and_dismissed_without_sql() {
    let (dir, database) = store();
    let first = referral_from(dir.path(), "a.eml", "jane.doe@example.org", 1);
    let second = referral_from(dir.path(), "b.eml", "spam@example.net", 2);
    let text = ingest(&database, &[&first, &second]);
    assert_eq!(
        text.matches("quarantined: sender domain").count(),
        2,
        "{text}"
    );

    let (ok, list) = gateway(&database, &["quarantine"]);
    assert!(ok, "{list}");
    for column in ["ID", "RECEIVED", "MAILBOX", "SENDER", "SUBJECT", "REASON"] {
        assert!(list.contains(column), "{list}");
    }
    assert!(list.contains("jane.doe@example.org"), "{list}");
    assert!(list.contains("Duty to Refer referral - Daniel"), "{list}");
    assert!(
        list.contains("sender domain example.org is not allowed to make referrals"),
        "{list}"
    );
    assert!(list.contains("2 message(s) waiting"), "{list}");
    let id_of = |sender: &str| -> String {
        list.lines()
            .find(|l| l.contains(sender))
            .and_then(|l| l.split_whitespace().next())
            .expect("an id")
            .to_string()
    };
    let (jane, spam) = (id_of("jane.doe@example.org"), id_of("spam@example.net"));

    let (ok, shown) = gateway(&database, &["quarantine", "show", &jane]);
    assert!(ok, "{shown}");
    assert!(shown.contains("From:      jane.doe@example.org"), "{shown}");
    assert!(
        shown.contains("Subject:   Duty to Refer referral - Daniel Marsh1 (A0001ZZ)"),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("quarantine release {jane}")),
        "{shown}"
    );

    // Released, the referral is what it is: a case, answered, with the
    // release and who ran it on the case.
    let (ok, released) = gateway(
        &database,
        &["quarantine", "release", &jane, "--by", "Sam Officer"],
    );
    assert!(ok, "{released}");
    assert!(
        released.contains("released by Sam Officer: opened case DTR-COL-"),
        "{released}"
    );
    let reference = released
        .split_whitespace()
        .find(|w| w.starts_with("DTR-COL-"))
        .expect("a reference")
        .trim_end_matches(';')
        .to_string();
    let (ok, outbox) = gateway(&database, &["outbox"]);
    assert!(ok, "{outbox}");
    assert!(
        outbox
            .lines()
            .any(|l| l.contains("acknowledgement") && l.contains(&reference)),
        "{outbox}"
    );
    let (ok, case) = gateway(&database, &["case", &reference]);
    assert!(ok, "{case}");
    assert!(
        case.contains("Released from quarantine by Sam Officer (it had been set aside: sender domain example.org"),
        "{case}"
    );

    // Once only; and a dismissal says why.
    let (ok, again) = gateway(&database, &["quarantine", "release", &jane]);
    assert!(!ok && again.contains("already released"), "{again}");
    let (ok, empty) = gateway(
        &database,
        &["quarantine", "dismiss", &spam, "--reason", " "],
    );
    assert!(!ok && empty.contains("--reason is empty"), "{empty}");
    let (ok, dismissed) = gateway(
        &database,
        &[
            "quarantine",
            "dismiss",
            &spam,
            "--reason",
            "spam",
            "--by",
            "Sam",
        ],
    );
    assert!(ok && dismissed.contains("dismissed by Sam"), "{dismissed}");
    let (ok, list) = gateway(&database, &["quarantine"]);
    assert!(ok && list.contains("No message is waiting"), "{list}");
    let (ok, shown) = gateway(&database, &["quarantine", "show", &spam]);
    assert!(
        ok && shown.contains("dismissed on") && shown.contains("(spam)"),
        "{shown}"
    );
    let (ok, none) = gateway(&database, &["quarantine", "release", "999"]);
    assert!(!ok && none.contains("no quarantined message 999"), "{none}");
}

#[test]
fn a_dismissal_reason_cannot_break_lines_or_colour_the_terminal() {
    let (dir, database) = store();
    let spam = referral_from(dir.path(), "s.eml", "spam@example.net", 3);
    ingest(&database, &[&spam]);
    let (ok, list) = gateway(&database, &["quarantine"]);
    assert!(ok, "{list}");
    let id = list
        .lines()
        .find(|l| l.contains("spam@example.net"))
        .and_then(|l| l.split_whitespace().next())
        .expect("an id")
        .to_string();
    // A reason as typed on the web page: free text, any characters.
    let (ok, dismissed) = gateway(
        &database,
        &[
            "quarantine",
            "dismiss",
            &id,
            "--reason",
            "junk\nSettled:   released\x1b[31m",
            "--by",
            "Sam\x1b[2J",
        ],
    );
    assert!(ok, "{dismissed}");
    let (ok, shown) = gateway(&database, &["quarantine", "show", &id]);
    assert!(ok, "{shown}");
    assert!(!shown.contains('\x1b'), "{shown:?}");
    let settled: Vec<&str> = shown
        .lines()
        .filter(|l| l.trim_start().starts_with("Settled:"))
        .collect();
    assert_eq!(settled.len(), 1, "{shown}");
    assert!(settled[0].contains("junk\\nSettled"), "{shown}");
}

/// The line of `text` that starts (after spaces) with `label`.
fn line_of<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no line {label} in:\n{text}"))
}

/// The reference `ingest` printed for the nth case it opened.
fn references(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|w| w.starts_with("DTR-"))
        .map(|w| w.trim_end_matches([';', ',', ')']).to_string())
        .collect()
}

#[test]
fn a_case_reads_like_the_form_with_a_header_and_a_timeline_of_sentences() {
    let (_dir, database) = store();
    let text = ingest(&database, &[&example("complete-referral.eml")]);
    let reference = references(&text).remove(0);
    let (ok, case) = gateway(&database, &["case", &reference.to_lowercase()]);
    assert!(ok, "{case}");
    // The header: the authority in full, status and urgency with its
    // reason, both leads, the next deadlines with their state.
    assert!(
        case.starts_with(&format!("{reference}  Colchester City Council")),
        "{case}"
    );
    assert!(
        line_of(&case, "Status:").contains("Open, URGENT: At risk of rough sleeping."),
        "{case}"
    );
    assert!(line_of(&case, "Received:").contains(" at "), "{case}");
    assert!(
        line_of(&case, "Council lead officer:").ends_with("not named yet"),
        "{case}"
    );
    assert!(
        line_of(&case, "Case lead:").contains("Marcus Bell <offender.manager@probation.gov.uk>"),
        "{case}"
    );
    let deadlines = case.split("Next deadlines:").nth(1).expect("deadlines");
    assert!(
        deadlines.contains("Acknowledge receipt of the referral (commitment 9)"),
        "{case}"
    );
    // The form's labels, British dates, yes and no in words.
    assert!(
        line_of(&case, "Full name:").ends_with("Daniel Marsh"),
        "{case}"
    );
    assert!(
        line_of(&case, "Date of birth:").ends_with("14 July 1988"),
        "{case}"
    );
    assert!(
        line_of(&case, "At risk of rough sleeping:").ends_with("Yes"),
        "{case}"
    );
    assert!(
        line_of(&case, "Existing tenancy or mortgage:").ends_with("No"),
        "{case}"
    );
    for machine in [
        "rough_sleeping_risk",
        "true",
        "1988-07-14",
        "duty_to_refer",
        "+00:00",
    ] {
        assert!(!case.contains(machine), "{machine} in:\n{case}");
    }
    // The timeline: sentences, in time order.
    let timeline = case.split("\nTimeline\n").nth(1).expect("a timeline");
    let received = timeline
        .find("Referral received, complete")
        .expect("received");
    let acknowledged = timeline
        .find("Acknowledgement written for jane.doe@justice.gov.uk")
        .expect("acknowledgement");
    let notice = timeline
        .find("Notice of the referral written for the Colchester inbox")
        .expect("notice");
    assert!(
        received < acknowledged && acknowledged < notice,
        "{timeline}"
    );

    // Recorded by hand, it reads as what was done.
    let (ok, text) = gateway(
        &database,
        &[
            "case",
            &reference,
            "respond",
            "--lead",
            "Sam Lead <sam.lead@colchester.gov.uk>",
        ],
    );
    assert!(ok, "{text}");
    let (ok, case) = gateway(&database, &["case", &reference]);
    assert!(ok, "{case}");
    assert!(
        line_of(&case, "Council lead officer:").ends_with("Sam Lead <sam.lead@colchester.gov.uk>"),
        "{case}"
    );
    assert!(
        case.contains("Council lead officer named: Sam Lead <sam.lead@colchester.gov.uk>"),
        "{case}"
    );

    // --json keeps the machine form.
    let (ok, json) = gateway(&database, &["case", &reference, "--json"]);
    assert!(ok, "{json}");
    let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(value["referral"]["rough_sleeping_risk"], true);
    assert_eq!(value["referral"]["date_of_birth"], "1988-07-14");
    assert_eq!(value["events"][0]["kind"], "referral_received");
}

#[test]
fn cases_answer_an_officers_questions() {
    let (_dir, database) = store();
    ingest(
        &database,
        &[
            &example("complete-referral.eml"),
            &example("incomplete-referral.eml"),
            &example("referral-without-consent.eml"),
        ],
    );
    let (ok, list) = gateway(&database, &["cases"]);
    assert!(ok, "{list}");
    for column in ["NAME", "REFERRER", "NEXT DEADLINE", "STATE"] {
        assert!(list.contains(column), "{list}");
    }
    let marsh = line_of(&list, "DTR-COL-2026-00001");
    assert!(
        marsh.contains("Daniel Marsh") && marsh.contains("Jane Doe, HMP Chelmsford"),
        "{list}"
    );
    assert!(marsh.contains("on time"), "{list}");
    // A refusal keeps no name.
    assert!(
        line_of(&list, "DTR-COL-2026-00003").contains("refused"),
        "{list}"
    );

    // Search by prison number, CRN or name, in any letter case.
    for text in ["a4821kt", "X123456", "marsh"] {
        let (ok, found) = gateway(&database, &["cases", "--search", text]);
        assert!(ok && found.contains("1 case(s)"), "{text}: {found}");
        assert!(found.contains("DTR-COL-2026-00001"), "{text}: {found}");
    }

    // Due on the day of its next deadline; overdue once it has passed.
    let words: Vec<&str> = marsh.split_whitespace().collect();
    let due = words
        .windows(4)
        .find_map(|w| chrono::NaiveDate::parse_from_str(&w.join(" "), "%a %e %b %Y").ok())
        .expect("the next deadline's date");
    let british = due.format("%d/%m/%Y").to_string();
    let (ok, on_the_day) = gateway(&database, &["cases", "--due", "today", "--now", &british]);
    assert!(
        ok && on_the_day.contains("DTR-COL-2026-00001"),
        "{on_the_day}"
    );
    let (ok, by_date) = gateway(&database, &["cases", "--due", &british]);
    assert!(ok && by_date.contains("DTR-COL-2026-00001"), "{by_date}");
    let (ok, today) = gateway(&database, &["cases", "--overdue"]);
    assert!(ok && today.contains("0 case(s)"), "{today}");
    let (ok, later) = gateway(&database, &["cases", "--overdue", "--now", "05/01/2099"]);
    assert!(ok, "{later}");
    assert!(
        line_of(&later, "DTR-COL-2026-00001").contains("overdue"),
        "{later}"
    );
    assert!(!later.contains("DTR-COL-2026-00003"), "{later}");
}

#[test]
fn commands_take_dates_and_times_alike_and_refuse_nonsense_saying_why() {
    let (_dir, database) = store();
    let text = ingest(
        &database,
        &[
            &example("complete-referral.eml"),
            &example("referral-without-consent.eml"),
        ],
    );
    let refs = references(&text);
    let (open, refused) = (&refs[0], &refs[1]);

    // Every --now takes a date, British or not, or a time.
    for now in [
        "24/12/2026",
        "2026-12-24",
        "24/12/2026 10:00",
        "2026-12-24T10:00:00Z",
    ] {
        for verb in [
            vec!["due", "--now", now],
            vec!["cases", "--now", now],
            vec!["sweep", "--dry-run", "--now", now],
            vec!["purge", "--dry-run", "--now", now],
        ] {
            let (ok, text) = gateway(&database, &verb);
            assert!(ok, "{verb:?}: {text}");
        }
    }
    let (ok, text) = gateway(&database, &["due", "--now", "soon"]);
    assert!(
        !ok && text.contains("not a date such as 24/12/2026"),
        "{text}"
    );

    // Nothing recorded on a refusal, a closed case twice, a pause in the
    // past, or a response already recorded: each says why.
    let (ok, text) = gateway(&database, &["case", refused, "respond"]);
    assert!(
        !ok && text.contains("refused for want of consent"),
        "{text}"
    );
    let (ok, text) = gateway(&database, &["case", open, "pause", "--until", "01/01/2020"]);
    assert!(
        !ok && text.contains("a pause runs until a later date"),
        "{text}"
    );
    let (ok, text) = gateway(&database, &["case", open, "respond"]);
    assert!(ok, "{text}");
    let (ok, text) = gateway(&database, &["case", open, "respond"]);
    assert!(
        !ok && text.contains("nothing to record: the authority's response is already recorded"),
        "{text}"
    );
    let (ok, text) = gateway(
        &database,
        &["case", open, "close", "--outcome", "referred-elsewhere"],
    );
    assert!(ok, "{text}");
    let (ok, text) = gateway(
        &database,
        &["case", open, "close", "--outcome", "referred-elsewhere"],
    );
    assert!(!ok && text.contains("was closed on"), "{text}");

    // Closed by mistake: reopened, its timeline says so and its deadlines
    // run again; an open case, or a refusal that kept nothing about the
    // person, is not reopened, saying why.
    let (ok, text) = gateway(&database, &["case", open, "reopen"]);
    assert!(ok && text.contains("reopened (open)"), "{text}");
    let (ok, view) = gateway(&database, &["case", open]);
    assert!(
        ok && view.contains("Reopened by hand (it had closed: referred elsewhere)"),
        "{view}"
    );
    let (ok, cases) = gateway(&database, &["cases"]);
    assert!(ok && line_of(&cases, open).contains(" open "), "{cases}");
    let (ok, text) = gateway(&database, &["case", open, "reopen"]);
    assert!(
        !ok && text.contains("is open: only a closed case is reopened"),
        "{text}"
    );
    let (ok, text) = gateway(&database, &["case", refused, "reopen"]);
    assert!(
        !ok && text.contains("is refused: only a closed case is reopened"),
        "{text}"
    );
    let (ok, text) = gateway(
        &database,
        &["case", open, "close", "--outcome", "consent-withdrawn"],
    );
    assert!(ok && text.contains("closed: consent withdrawn"), "{text}");

    // The outbox shows the copy, when queued mail goes and why it waits;
    // a mail that does not exist is said to be so.
    let (ok, outbox) = gateway(&database, &["outbox"]);
    assert!(ok, "{outbox}");
    let acknowledgement = outbox
        .lines()
        .find(|l| l.contains("acknowledgement"))
        .expect("an acknowledgement");
    assert!(
        acknowledgement.contains("; cc offender.manager@probation.gov.uk"),
        "{outbox}"
    );
    assert!(
        acknowledgement.contains("[due now: the running daemon sends it]"),
        "{outbox}"
    );
    assert!(outbox.contains("SENT / NEXT TRY"), "{outbox}");
    let (ok, text) = gateway(&database, &["outbox", "retry", "99"]);
    assert!(!ok && text.contains("no such mail"), "{text}");
}

#[test]
fn every_argument_has_help() {
    let verbs: &[&[&str]] = &[
        &["parse"],
        &["check-config"],
        &["ingest"],
        &["cases"],
        &["case"],
        &["case", "X", "respond"],
        &["case", "X", "close"],
        &["case", "X", "reopen"],
        &["case", "X", "pause"],
        &["case", "X", "release"],
        &["case", "X", "application"],
        &["case", "X", "met"],
        &["sweep"],
        &["purge"],
        &["status"],
        &["outbox"],
        &["outbox", "retry"],
        &["due"],
        &["report"],
        &["quarantine"],
        &["quarantine", "show"],
        &["quarantine", "release"],
        &["quarantine", "dismiss"],
        &["holidays", "import"],
        &["bench", "sweep"],
        &["bench", "intake"],
        &["bench", "parse"],
    ];
    for verb in verbs {
        let mut args: Vec<&str> = verb.to_vec();
        args.push("--help");
        let (ok, help) = gateway("sqlite::memory:", &args);
        assert!(ok, "{verb:?}: {help}");
        let mut in_list = false;
        for line in help.lines() {
            if line == "Arguments:" || line == "Options:" {
                in_list = true;
                continue;
            }
            if !line.starts_with(' ') {
                in_list = false;
                continue;
            }
            let item = line.trim_start();
            // An argument or option line with nothing after its name has
            // no help.
            if in_list
                && line.starts_with("  ")
                && !line.starts_with("      ")
                && (item.starts_with('<') || item.starts_with('-'))
            {
                assert!(
                    item.contains("  "),
                    "{verb:?}: `{item}` has no help:\n{help}"
                );
            }
        }
    }
    let (ok, help) = gateway("sqlite::memory:", &["case", "X", "met", "--help"]);
    assert!(ok && help.contains("acknowledge, lead_officer"), "{help}");
}

#[test]
fn the_report_has_an_authority_a_row_and_counts_outcomes_from_a_fixed_list() {
    use chrono::Datelike;
    let (_dir, database) = store();
    let text = ingest(
        &database,
        &[
            &example("complete-referral.eml"),
            &example("incomplete-referral.eml"),
        ],
    );
    let refs = references(&text);
    let (ok, text) = gateway(
        &database,
        &["case", &refs[0], "close", "--outcome", "other"],
    );
    assert!(
        !ok && text.contains("--outcome other needs --note"),
        "{text}"
    );
    let (ok, text) = gateway(
        &database,
        &["case", &refs[0], "close", "--outcome", "prevention duty"],
    );
    assert!(
        !ok && text.contains("accommodation-secured") && text.contains("referred-elsewhere"),
        "{text}"
    );
    let (ok, text) = gateway(
        &database,
        &["case", &refs[0], "close", "--outcome", "referred-elsewhere"],
    );
    assert!(ok && text.contains("closed: referred elsewhere"), "{text}");
    let (ok, text) = gateway(
        &database,
        &[
            "case",
            &refs[1],
            "close",
            "--outcome",
            "other",
            "--note",
            "moved to Scotland",
        ],
    );
    assert!(ok, "{text}");
    let (ok, case) = gateway(&database, &["case", &refs[1]]);
    assert!(
        ok && line_of(&case, "Outcome:").contains("other: moved to Scotland"),
        "{case}"
    );

    let today = chrono::Utc::now();
    let quarter = format!("{}Q{}", today.year(), (today.month() - 1) / 3 + 1);
    let (ok, report) = gateway(&database, &["report", "--quarter", &quarter]);
    assert!(ok, "{report}");
    let referrals = report
        .split("## Referrals\n")
        .nth(1)
        .and_then(|t| t.split("\n## ").next())
        .expect("a referrals table");
    let header = line_of(referrals, "| Authority");
    assert!(header.contains("| Accepted |"), "{report}");
    let col = line_of(referrals, "| COL");
    assert_eq!(
        col.chars().count(),
        header.chars().count(),
        "padded: {report}"
    );
    assert!(line_of(referrals, "| All").contains(" 2 |"), "{report}");
    let outcomes = report
        .split("## Outcomes of closed cases\n")
        .nth(1)
        .expect("an outcomes table");
    let header = line_of(outcomes, "| Authority");
    for heading in [
        "Accommodation secured",
        "Personal housing plan agreed",
        "Not eligible",
        "Referred elsewhere",
        "No contact",
        "Consent withdrawn",
        "Other",
    ] {
        assert!(header.contains(heading), "{report}");
    }
    // COL: one referred elsewhere, one other.
    let cells: Vec<&str> = line_of(outcomes, "| COL")
        .split('|')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        cells,
        ["COL", "0", "0", "0", "1", "0", "0", "1"],
        "{report}"
    );

    let (ok, one) = gateway(
        &database,
        &["report", "--quarter", &quarter, "--authority", "Colchester"],
    );
    assert!(ok, "{one}");
    assert!(one.contains("| COL") && !one.contains("| All"), "{one}");
}

/// Every file the README names is in the repository: a clone has nothing
/// beside it.
#[test]
fn the_readme_refers_only_to_files_in_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README");
    let mut named = Vec::new();
    for link in readme.split("](").skip(1) {
        if let Some(target) = link.split(')').next() {
            if !target.starts_with("http") && !target.starts_with('#') {
                named.push(target.to_string());
            }
        }
    }
    for quoted in readme.split('`').skip(1).step_by(2) {
        let prefixes = [
            "docs/",
            "examples/",
            "scripts/",
            "templates/",
            "config/",
            "dist/",
        ];
        if prefixes.iter().any(|p| quoted.starts_with(p))
            && !quoted.contains(['*', ' ', '<'])
            && !quoted.contains("NAME")
        {
            named.push(quoted.to_string());
        }
    }
    assert!(
        named.iter().any(|n| n == "docs/parse-contract.md"),
        "{named:?}"
    );
    for path in &named {
        assert!(!path.starts_with(".."), "outside the repository: {path}");
        assert!(
            root.join(path).exists(),
            "the README names {path}, which is not here"
        );
    }
}

/// The quick start on the embedded defaults: Annex A's warnings in one line
/// pointing at check-config, "written" for mail written to files, and no
/// lock file left after a clean stop.
#[test]
fn the_quick_start_daemon_says_little_and_leaves_no_lock_file() {
    let dir = TempDir::new().expect("temp dir");
    let daemon = std::process::Command::new(env!("CARGO_BIN_EXE_dtr-gateway"))
        .arg("run")
        .current_dir(dir.path())
        .env_remove("DTR_CONFIG")
        .env_remove("DTR_DATABASE_URL")
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the daemon");
    let inbox = dir.path().join("data/maildir/colchester/new");
    let ready = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        inbox.is_dir()
    });
    assert!(ready, "the daemon makes the Maildir folders");
    std::fs::copy(
        example("complete-referral.eml"),
        inbox.join("complete-referral.eml"),
    )
    .expect("drop the example");
    let outbox = dir.path().join("data/outbox");
    // The acknowledgement and the notice by their names (after nine on a
    // working day, the authorities' morning digests are written too).
    let written = |purpose: &str| {
        std::fs::read_dir(&outbox)
            .into_iter()
            .flatten()
            .flatten()
            .find(|e| e.file_name().to_string_lossy().contains(purpose))
            .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
    };
    let both = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        written(".acknowledgement.").is_some() && written(".notice.").is_some()
    });
    assert!(both, "the acknowledgement and the notice are written");
    // The notice to the authority uses the form's labels and words.
    let notice = written(".notice.").expect("the notice");
    assert!(notice.contains("New Duty to Refer referral"), "{notice}");
    let notice = notice.replace("=\r\n", "").replace("=\n", "");
    assert!(notice.contains("Date of birth: 14 July 1988"), "{notice}");
    assert!(notice.contains("Referral type: Duty to Refer"), "{notice}");
    assert!(
        notice.contains("At risk of rough sleeping: Yes"),
        "{notice}"
    );
    assert!(
        !notice.contains("duty_to_refer") && !notice.contains("1988-07-14"),
        "{notice}"
    );
    let lock_file = || {
        std::fs::read_dir(dir.path().join("data"))
            .expect("data")
            .flatten()
            .any(|e| e.file_name().to_string_lossy().contains(".instance-"))
    };
    assert!(lock_file(), "held while running");
    // SIGTERM, as systemd stops it.
    let pid = i32::try_from(daemon.id()).expect("pid");
    // SAFETY: sends a signal to the child this test started.
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
    let out = daemon.wait_with_output().expect("the daemon stops");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(!lock_file(), "the lock file goes at a clean stop");
    let annex_a: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("authorities.toml"))
        .collect();
    assert!(annex_a.is_empty(), "one line, not each: {annex_a:#?}");
    assert_eq!(
        log.lines()
            .filter(|l| l.contains("(Annex A): `dtr-gateway check-config` lists them"))
            .count(),
        1,
        "{log}"
    );
    assert!(log.contains("mail written"), "{log}");
    assert!(!log.contains("mail sent"), "{log}");
    assert!(!log.contains("case=\""), "one form for case=: {log}");
}
