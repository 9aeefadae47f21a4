//! Every input under `tests/fixtures/fuzz/` (crashes the fuzzer found and
//! hand-made hostile messages) through the code its fuzz target runs:
//! `.eml` files through `message::analyse`, `.txt` files through
//! `Config::from_strings` (the three files joined by NUL bytes, as the
//! `load_config` target splits them). None may panic, not even a panic that
//! `analyse` catches (one known mail-parser debug assertion aside, see
//! `is_known_mail_parser_assertion`), and each answer must keep the contract.

use chrono::NaiveDate;
use dtr_gateway::config::{
    Config, ConfigError, Problem, Severity, AUTHORITIES_FILE, GATEWAY_FILE, HOLIDAYS_FILE,
};
use dtr_gateway::message::{analyse, Context};
use serde_json::Value;
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::{Duration, Instant};

const KINDS: [&str; 5] = ["referral", "reply", "auto_reply", "bounce", "other"];
/// Present in the contract JSON for referrals only.
const REFERRAL_KEYS: [&str; 5] = ["outcome", "missing", "invalid", "referral", "form_source"];
/// Far above what any fixture takes, even unoptimised: a regression to a
/// hang or a quadratic blow-up fails here rather than only slowing the suite.
const TIME_LIMIT: Duration = Duration::from_secs(30);

/// A panic seen on this thread: where, what, and whether it is the known
/// mail-parser assertion.
struct Panic {
    at: String,
    message: String,
    known: bool,
}

thread_local! {
    static PANICS: RefCell<Vec<Panic>> = const { RefCell::new(Vec::new()) };
}

/// The panics of this thread since the last call, including those `analyse`
/// catches itself.
fn take_panics() -> Vec<Panic> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let message = info.payload_as_str().unwrap_or_default().to_string();
            let known = is_known_mail_parser_assertion(&at, &message);
            PANICS.with(|p| p.borrow_mut().push(Panic { at, message, known }));
            if !known {
                default(info);
            }
        }));
    });
    PANICS.with(|p| std::mem::take(&mut *p.borrow_mut()))
}

/// mail-parser 0.11 reaches `debug_assert!(false, "Invalid part ID, could
/// not find multipart.")` on an attached message whose body is another
/// attached message with no body, just before the closing boundary
/// (`rfc822-holding-empty-rfc822.eml`). Release builds skip the assertion
/// and read the message; in a debug build `analyse` catches the panic and
/// answers `other` with a problem, which is what is checked then. Fixed in
/// mail-parser 1.0.
fn is_known_mail_parser_assertion(at: &str, message: &str) -> bool {
    at.contains("mail-parser-0.11") && message.contains("could not find multipart")
}

fn fixtures(extension: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("folder entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == extension))
        .collect();
    files.sort();
    files
}

fn name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn every_fixture_is_for_a_target() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    for entry in std::fs::read_dir(&dir).expect("fixture folder") {
        let path = entry.expect("folder entry").path();
        assert!(
            path.extension().is_some_and(|x| x == "eml" || x == "txt"),
            "{}: a fuzz fixture is a .eml (parser) or a .txt (configuration)",
            path.display()
        );
    }
}

#[test]
fn hostile_messages_are_read_without_panicking() {
    let (config, _) = Config::embedded().expect("embedded config");
    let files = fixtures("eml");
    assert!(files.len() >= 5, "only {} message fixtures", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let raw = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        take_panics();
        let started = Instant::now();
        let analysis = analyse(
            &raw,
            &Context {
                authorities: &config.authorities,
                receiving_authority: None,
                today: NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date"),
                max_bytes: config.max_message_bytes,
            },
        );
        let took = started.elapsed();
        let file = name(path);
        let panics = take_panics();
        if let Some(p) = panics.iter().find(|p| !p.known) {
            failures.push(format!(
                "{file}: the parser panicked at {}: {} (caught: {:?})",
                p.at, p.message, analysis.problem
            ));
            continue;
        }
        if !panics.is_empty() && (analysis.problem.is_none() || analysis.kind.as_str() != "other") {
            failures.push(format!(
                "{file}: mail-parser's assertion was not answered as an unreadable message"
            ));
        }
        if took > TIME_LIMIT {
            failures.push(format!("{file}: took {took:?}"));
        }
        if let Err(why) = contract_holds(&analysis.to_contract_json()) {
            failures.push(format!("{file}: {why}"));
        }
        if analysis.problem.is_some() && analysis.kind.as_str() != "other" {
            failures.push(format!(
                "{file}: unreadable ({:?}) but classed {}",
                analysis.problem,
                analysis.kind.as_str()
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The shape of the `parse` contract, whatever the message.
fn contract_holds(json: &Value) -> Result<(), String> {
    let text = serde_json::to_string(json).map_err(|e| format!("does not serialise: {e}"))?;
    let again: Value =
        serde_json::from_str(&text).map_err(|e| format!("does not read back: {e}"))?;
    if again != *json {
        return Err("changes in a JSON round trip".into());
    }
    let object = json.as_object().ok_or("is not an object")?;
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .ok_or("has no kind")?;
    if !KINDS.contains(&kind) {
        return Err(format!("unknown kind {kind:?}"));
    }
    for key in REFERRAL_KEYS {
        if object.contains_key(key) != (kind == "referral") {
            return Err(format!("`{key}` present or absent wrongly for kind {kind}"));
        }
    }
    for key in ["message_id", "case_ref"] {
        match object.get(key) {
            Some(Value::Null | Value::String(_)) => {}
            other => return Err(format!("{key} is {other:?}")),
        }
    }
    Ok(())
}

#[test]
fn hostile_configurations_are_refused_or_loaded_without_panicking() {
    let files = fixtures("txt");
    assert!(
        !files.is_empty(),
        "no configuration fixtures in tests/fixtures/fuzz"
    );
    let mut failures = Vec::new();
    for path in &files {
        let raw = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut parts = raw.splitn(3, |&b| b == 0);
        let mut next = || String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
        let (gateway, authorities, holidays) = (next(), next(), next());
        let file = name(path);
        let started = Instant::now();
        take_panics();
        let loaded = catch_unwind(AssertUnwindSafe(|| {
            Config::from_strings(&gateway, &authorities, &holidays)
        }));
        let took = started.elapsed();
        let panicked = !take_panics().is_empty();
        if took > TIME_LIMIT {
            failures.push(format!("{file}: took {took:?}"));
        }
        match loaded {
            Err(_) => failures.push(format!("{file}: the configuration loader panicked")),
            Ok(_) if panicked => {
                failures.push(format!("{file}: a panic inside the loader was caught"))
            }
            Ok(Ok((_, warnings))) => {
                for w in warnings.iter().filter_map(names_no_file) {
                    failures.push(format!("{file}: {w}"));
                }
            }
            Ok(Err(ConfigError::Invalid(errors))) => {
                if errors.is_empty() {
                    failures.push(format!("{file}: refused without a reason"));
                }
                // Warnings come with the errors (check-config tells all in
                // one run), but a refusal has at least one error.
                if !errors.iter().any(|e| e.severity == Severity::Error) {
                    failures.push(format!("{file}: refused with warnings only"));
                }
                for e in errors.iter().filter_map(names_no_file) {
                    failures.push(format!("{file}: {e}"));
                }
            }
            Ok(Err(e)) => failures.push(format!("{file}: read a file: {e}")),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// A complaint when the problem does not say which file it is in.
fn names_no_file(problem: &Problem) -> Option<String> {
    let named = [GATEWAY_FILE, AUTHORITIES_FILE, HOLIDAYS_FILE].contains(&problem.file.as_str())
        || (problem.file.starts_with("(embedded) protocols/") && problem.file.ends_with(".toml"));
    (!named || !problem.to_string().contains(&problem.file))
        .then(|| format!("the problem names no file: {problem}"))
}
