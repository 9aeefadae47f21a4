//! The parse contract on the fixture corpus: every `.eml` under
//! `tests/fixtures/parse/` against the expected JSON beside it, compared
//! whole. The fixtures are made by `tests/fixtures/generate.py` with
//! Python's email package, the way mail programs write messages.

use chrono::NaiveDate;
use dtr_gateway::config::Config;
use dtr_gateway::message::{analyse, Context};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/parse");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_fixture_parses_to_its_expected_json() {
    let (config, _) = Config::embedded().expect("embedded config");
    let files = corpus();
    assert!(
        files.len() >= 30,
        "the corpus has only {} fixtures",
        files.len()
    );
    let mut failures = Vec::new();
    for eml in &files {
        let expected_path = eml.with_extension("json");
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(&expected_path)
                .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display())),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
        let raw = std::fs::read(eml).unwrap_or_else(|e| panic!("{}: {e}", eml.display()));
        let analysis = analyse(
            &raw,
            &Context {
                authorities: &config.authorities,
                receiving_authority: None,
                today: NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date"),
                max_bytes: config.max_message_bytes,
            },
        );
        let actual = analysis.to_contract_json();
        if actual != expected {
            failures.push(format!(
                "{}\n  expected: {}\n  actual:   {}",
                eml.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default(),
                expected,
                actual
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn the_parse_command_prints_the_contract_and_exits_zero() {
    let files = corpus();
    let eml = files
        .iter()
        .find(|p| p.to_string_lossy().contains("plain-complete"))
        .unwrap_or(&files[0]);
    let out = Command::new(env!("CARGO_BIN_EXE_dtr-gateway"))
        .arg("parse")
        .arg(eml)
        .output()
        .expect("run dtr-gateway");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(eml.with_extension("json")).expect("expected json"),
    )
    .expect("json");
    assert_eq!(printed["kind"], expected["kind"]);
    assert_eq!(printed["referral"], expected["referral"]);
}

#[test]
fn reading_a_fillable_pdf_prints_no_warnings_of_the_pdf_library() {
    // reportlab's fields name `.notdef` in their font's encoding, which
    // the PDF library warns of, with the font's whole dictionary.
    let eml = corpus()
        .into_iter()
        .find(|p| p.to_string_lossy().contains("attachment-pdf-fillable"))
        .expect("the fillable PDF fixture");
    for level in [None, Some("warn"), Some("lopdf=warn")] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_dtr-gateway"));
        command.arg("parse").arg(&eml).env_remove("RUST_LOG");
        if let Some(level) = level {
            command.env("RUST_LOG", level);
        }
        let out = command.output().expect("run dtr-gateway");
        assert!(out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("WARN"), "{level:?}: {err}");
    }
}

#[test]
fn the_parse_command_fails_with_one_line_for_a_missing_file() {
    let out = Command::new(env!("CARGO_BIN_EXE_dtr-gateway"))
        .args(["parse", "/nonexistent/referral.eml"])
        .output()
        .expect("run dtr-gateway");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("/nonexistent/referral.eml"), "{err}");
}

#[test]
fn the_blank_form_template_sent_as_it_is_is_no_referral_but_the_form_back_blank() {
    let (config, _) = Config::embedded().expect("embedded config");
    let form = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/blank-form.txt"),
    )
    .expect("blank form");
    let raw = format!(
        "From: jo@justice.gov.uk\r\nTo: dutytorefer@colchester.gov.uk\r\nSubject: x\r\n\r\n{}",
        form.replace('\n', "\r\n")
    );
    let analysis = analyse(
        raw.as_bytes(),
        &Context {
            authorities: &config.authorities,
            receiving_authority: None,
            today: NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date"),
            max_bytes: config.max_message_bytes,
        },
    );
    // Nothing typed into it: the authority the gateway reads from the To
    // address is no one's answer, and a form without values is no referral.
    assert!(analysis.blank_form_back);
    assert!(!analysis.carries_form);
    let json = analysis.to_contract_json();
    assert_eq!(json["kind"], "other", "{json}");
    assert!(json["referral"].is_null(), "{json}");
}

#[test]
fn parse_explain_says_why_an_attached_form_was_not_read() {
    let eml = corpus()
        .into_iter()
        .find(|p| p.to_string_lossy().contains("attachment-legacy-doc"))
        .expect("the legacy .doc fixture");
    let run = |explain: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_dtr-gateway"));
        command.arg("parse").arg(&eml);
        if explain {
            command.arg("--explain");
        }
        let out = command.output().expect("run dtr-gateway");
        assert!(out.status.success());
        serde_json::from_slice::<Value>(&out.stdout).expect("one JSON object")
    };
    // The contract's object is unchanged without the flag.
    let plain = run(false);
    assert_eq!(plain["kind"], "other");
    assert!(plain.get("explain").is_none(), "{plain}");
    let explained = run(true);
    assert_eq!(explained["kind"], "other");
    let not_read = &explained["explain"]["not_read"];
    assert_eq!(
        not_read[0]["why"], "a Word 97-2003 (.doc) document, which the gateway cannot read",
        "{explained}"
    );
    assert!(
        !explained["explain"].to_string().contains("form.doc"),
        "no file name: {explained}"
    );
}
