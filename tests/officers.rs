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
        case.contains("quarantine_released") && case.contains("Sam Officer"),
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
