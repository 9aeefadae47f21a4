//! Arbitrary text as a configuration folder: the input is split on NUL bytes
//! into gateway.toml, authorities.toml and bank-holidays.json (NUL is never
//! valid in either format, so it costs the fuzzer nothing). Loading must
//! never panic, and every problem it reports must name the file it is in.

#![no_main]

use chrono::NaiveDate;
use dtr_gateway::config::{
    Config, ConfigError, Problem, Severity, AUTHORITIES_FILE, GATEWAY_FILE, HOLIDAYS_FILE,
};
use libfuzzer_sys::fuzz_target;

const SEPARATOR: u8 = 0;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |&b| b == SEPARATOR);
    let mut next = || String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let (gateway, authorities, holidays) = (next(), next(), next());

    match Config::from_strings(&gateway, &authorities, &holidays) {
        Ok((config, warnings)) => {
            for w in &warnings {
                assert_eq!(w.severity, Severity::Warning, "{w}");
                assert_names_a_file(w);
            }
            // What the daemon relies on once a configuration is accepted.
            let mut names: Vec<&str> = config.mailboxes.iter().map(|m| m.name.as_str()).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(
                names.len(),
                config.mailboxes.len(),
                "a mailbox name repeats"
            );
            for m in &config.mailboxes {
                assert!(
                    config.authority_of(m).is_some(),
                    "mailbox {} has no authority",
                    m.name
                );
            }
            let mut codes: Vec<&str> = config.authorities.iter().map(|a| a.code.as_str()).collect();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(
                codes.len(),
                config.authorities.len(),
                "an authority code repeats"
            );
            let start = NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date");
            let due = config.calendar.add_working_days(start, 10);
            assert!(due > start && config.calendar.is_working_day(due));
        }
        Err(ConfigError::Invalid(errors)) => {
            assert!(!errors.is_empty(), "rejected without a reason");
            for e in &errors {
                assert_eq!(e.severity, Severity::Error, "{e}");
                assert_names_a_file(e);
            }
        }
        Err(e @ ConfigError::Unreadable { .. }) => {
            panic!("from_strings read a file: {e}")
        }
    }
});

fn assert_names_a_file(problem: &Problem) {
    let known = [GATEWAY_FILE, AUTHORITIES_FILE, HOLIDAYS_FILE];
    assert!(
        known.contains(&problem.file.as_str())
            || (problem.file.starts_with("(embedded) protocols/")
                && problem.file.ends_with(".toml")),
        "problem names no file: {problem}"
    );
    assert!(
        problem.to_string().contains(&problem.file),
        "{problem:?} prints without its file"
    );
}
