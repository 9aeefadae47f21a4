//! Arbitrary bytes as a received message: `analyse` must return, and what it
//! returns must keep the `parse` contract (spec/referral-template.md).
//! libFuzzer's panic hook aborts on any panic, so a panic that `analyse`
//! catches and turns into `other` is still reported as a crash here, with
//! one exception: a known debug assertion of mail-parser 0.11 (see
//! `is_known_mail_parser_assertion`).

#![no_main]

use chrono::NaiveDate;
use dtr_gateway::config::Config;
use dtr_gateway::core::field::Field;
use dtr_gateway::message::{analyse, Analysis, Context};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::panic::PanicHookInfo;
use std::sync::{LazyLock, Once};

static CONFIG: LazyLock<Config> = LazyLock::new(|| {
    Config::embedded()
        .expect("the embedded configuration loads")
        .0
});

const KINDS: [&str; 5] = ["referral", "reply", "auto_reply", "bounce", "other"];
const OUTCOMES: [&str; 3] = ["complete", "incomplete", "no_consent"];
/// Present for referrals only.
const REFERRAL_KEYS: [&str; 5] = ["outcome", "missing", "invalid", "referral", "form_source"];

/// mail-parser 0.11 reaches `debug_assert!(false, "Invalid part ID, could
/// not find multipart.")` (parsers/message.rs) on an attached message whose
/// body is another attached message with no body, just before the closing
/// boundary (tests/fixtures/fuzz/rfc822-holding-empty-rfc822.eml). Release
/// builds skip the assertion and read the message; debug builds panic, and
/// `analyse` catches it. Fixed in mail-parser 1.0. Left to unwind into
/// `analyse` here so that the fuzzer can look past it.
fn is_known_mail_parser_assertion(info: &PanicHookInfo<'_>) -> bool {
    info.location()
        .is_some_and(|l| l.file().contains("mail-parser-0.11"))
        && info
            .payload_as_str()
            .is_some_and(|m| m.contains("could not find multipart"))
}

fuzz_target!(|data: &[u8]| {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        // libFuzzer's own hook, which aborts; installed before the first input.
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !is_known_mail_parser_assertion(info) {
                abort(info);
            }
        }));
    });
    let config = &*CONFIG;
    let analysis = analyse(
        data,
        &Context {
            authorities: &config.authorities,
            receiving_authority: None,
            today: NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date"),
            max_bytes: config.max_message_bytes,
        },
    );
    check(&analysis);
});

fn check(analysis: &Analysis) {
    let json = analysis.to_contract_json();
    let text = serde_json::to_string(&json).expect("the contract JSON serialises");
    let again: Value = serde_json::from_str(&text).expect("the contract JSON reads back");
    assert_eq!(again, json, "the contract JSON survives a round trip");

    let object = json.as_object().expect("the contract JSON is an object");
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .expect("kind is a string");
    assert!(KINDS.contains(&kind), "unknown kind {kind:?}");
    assert_eq!(kind, analysis.kind.as_str());

    let is_referral = kind == "referral";
    for key in REFERRAL_KEYS {
        assert_eq!(
            object.contains_key(key),
            is_referral,
            "`{key}` present for kind {kind}"
        );
    }
    assert_eq!(analysis.referral.is_some(), is_referral);

    if analysis.problem.is_some() {
        assert_eq!(kind, "other", "an unreadable message is `other`");
    }

    match object.get("message_id") {
        Some(Value::Null) => {}
        Some(Value::String(id)) => assert!(
            id.starts_with('<') && id.ends_with('>') && id.len() > 2,
            "message_id {id:?} is not <id@host>"
        ),
        other => panic!("message_id is {other:?}"),
    }
    match object.get("case_ref") {
        Some(Value::Null) => {}
        Some(Value::String(r)) => assert!(
            r.parse::<dtr_gateway::core::case_ref::CaseRef>()
                .is_ok_and(|parsed| parsed.to_string() == *r),
            "case_ref {r:?} does not read back"
        ),
        other => panic!("case_ref is {other:?}"),
    }

    if is_referral {
        check_referral(object);
    }
}

fn check_referral(object: &serde_json::Map<String, Value>) {
    let outcome = object
        .get("outcome")
        .and_then(Value::as_str)
        .expect("outcome is a string");
    assert!(OUTCOMES.contains(&outcome), "unknown outcome {outcome:?}");

    let keys = |name: &str| -> Vec<&str> {
        object
            .get(name)
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("{name} is an array"))
            .iter()
            .map(|k| {
                let k = k.as_str().unwrap_or_else(|| panic!("{name} lists strings"));
                assert!(
                    Field::from_key(k).is_some(),
                    "{name} lists unknown key {k:?}"
                );
                k
            })
            .collect()
    };
    let missing = keys("missing");
    let invalid = keys("invalid");
    for k in &missing {
        assert!(!invalid.contains(k), "{k} is both missing and invalid");
    }

    let referral = object
        .get("referral")
        .and_then(Value::as_object)
        .expect("referral is an object");
    for (key, value) in referral {
        assert!(
            Field::from_key(key).is_some(),
            "referral has unknown key {key:?}"
        );
        assert!(
            !missing.contains(&key.as_str()),
            "{key} is given and missing"
        );
        let empty = match value {
            Value::Null => true,
            Value::String(s) => s.trim().is_empty(),
            Value::Array(a) => a.is_empty() && key != "local_connection",
            _ => false,
        };
        assert!(!empty, "referral.{key} is empty: {value}");
    }
    let consent = referral.get("consent").and_then(Value::as_bool);
    match outcome {
        "complete" => {
            assert_eq!(consent, Some(true), "complete without consent");
            assert!(missing.is_empty(), "complete with missing {missing:?}");
        }
        "incomplete" => {
            assert_eq!(consent, Some(true), "incomplete is for consented referrals");
            assert!(
                !missing.is_empty() || !invalid.is_empty(),
                "incomplete with nothing missing or invalid"
            );
        }
        _ => assert_ne!(consent, Some(true), "no_consent with consent"),
    }
}
