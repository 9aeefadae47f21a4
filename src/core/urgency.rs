//! Why a referral is urgent, and what else the authority must know before
//! it reads on: true reasons only, worked out from the form and the day it
//! arrived. These go to the authority's own notice, never to referrers.

use super::referral::{Referral, DAYS_BEFORE_RELEASE};
use super::words::long_date;
use chrono::{Datelike, NaiveDate};

/// The reasons a referral is urgent under the protocol: release within 56
/// days of the referral, or a risk of rough sleeping. Nothing is said of a
/// release further off.
pub fn urgent_reasons(referral: &Referral, received_on: NaiveDate) -> Vec<String> {
    let mut reasons = Vec::new();
    if let Some(release) = referral.expected_release_date {
        let days = (release - received_on).num_days();
        if let Some(reason) = release_within_reach(release, received_on) {
            reasons.push(reason);
        } else if days < 0 {
            reasons.push(format!(
                "The expected release date ({}) had passed when the referral arrived.",
                long_date(release)
            ));
        }
    }
    if referral.rough_sleeping_risk == Some(true) {
        reasons.push("At risk of rough sleeping.".to_string());
    }
    reasons
}

/// Why a case is urgent that may have become so after it arrived (consent,
/// or its last detail, came later and nearer the release): the reasons on
/// the day it arrived, else the release's nearness on the first of `later`
/// days (the day its deadlines started counting, today) on which it is
/// within 56 days, so that a case shown as urgent always says why.
pub fn urgent_reasons_since(
    referral: &Referral,
    received_on: NaiveDate,
    later: &[NaiveDate],
) -> Vec<String> {
    let reasons = urgent_reasons(referral, received_on);
    if !reasons.is_empty() {
        return reasons;
    }
    let Some(release) = referral.expected_release_date else {
        return reasons;
    };
    later
        .iter()
        .filter(|day| **day > received_on)
        .find_map(|day| release_within_reach(release, *day))
        .into_iter()
        .collect()
}

/// `Release in 53 days (…)`, counted from `from`, when that is within 56
/// days and not past.
fn release_within_reach(release: NaiveDate, from: NaiveDate) -> Option<String> {
    let days = (release - from).num_days();
    (0..DAYS_BEFORE_RELEASE)
        .contains(&days)
        .then(|| match days {
            0 => format!("Release is today ({}).", long_date(release)),
            1 => format!("Release is tomorrow ({}).", long_date(release)),
            n => format!("Release in {n} days ({}).", long_date(release)),
        })
}

/// What else the authority should see first: a person under 18 when
/// referred (the protocol is not for them; other arrangements apply), and
/// a form that says the person is managed under MAPPA (which takes
/// precedence over the protocol).
pub fn notes(referral: &Referral, received_on: NaiveDate) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(born) = referral.date_of_birth {
        if let Some(age) = age_on(born, received_on) {
            if age < 18 {
                notes.push(format!(
                    "The person was {age} when referred: the protocol does not apply to people \
                     under 18, for whom other arrangements apply."
                ));
            }
        }
    }
    if mentions_mappa(referral) {
        notes.push(
            "The form says the person is managed under MAPPA, which takes precedence over the \
             protocol."
                .to_string(),
        );
    }
    notes
}

/// Whole years from `born` to `on`.
pub fn age_on(born: NaiveDate, on: NaiveDate) -> Option<u32> {
    if on < born {
        return None;
    }
    let mut years = on.year() - born.year();
    if (on.month(), on.day()) < (born.month(), born.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

/// `MAPPA level 2`, `MAPPA: category 1`, `MAPPA level: Level 1`: but not
/// `MAPPA: no`, `not MAPPA`, `MAPPA level 0` or `MAPPA level: N/A`.
fn mentions_mappa(referral: &Referral) -> bool {
    [&referral.risk_to_others, &referral.risk_to_self]
        .into_iter()
        .flatten()
        .any(|text| {
            let lower = text.to_lowercase();
            let Some(at) = lower.find("mappa") else {
                return false;
            };
            let before = lower[..at].trim_end();
            let separators = [':', ' ', '-', '.'];
            let after = lower[at + 5..].trim_start_matches(separators);
            let after = after
                .strip_prefix("level")
                .map_or(after, |rest| rest.trim_start_matches(separators));
            // `MAPPA nominal` is someone managed under it: the first word
            // after, whole, says no.
            let first = after
                .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '.' | '('))
                .next()
                .unwrap_or("");
            let denied = before.ends_with("not")
                || before.ends_with("no")
                || before.ends_with("non")
                || matches!(
                    first,
                    "no" | "n/a" | "na" | "none" | "nil" | "not" | "0" | "zero"
                );
            !denied
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_support::d;

    #[test]
    fn only_true_reasons() {
        let far = Referral {
            expected_release_date: Some(d(2027, 3, 20)),
            ..Referral::default()
        };
        // 117 days away: no reason at all, never "118 days away; the
        // protocol asks for 56".
        assert!(urgent_reasons(&far, d(2026, 11, 23)).is_empty());
        let near = Referral {
            expected_release_date: Some(d(2027, 1, 6)),
            rough_sleeping_risk: Some(true),
            ..Referral::default()
        };
        assert_eq!(
            urgent_reasons(&near, d(2026, 11, 23)),
            [
                "Release in 44 days (6 January 2027).",
                "At risk of rough sleeping."
            ]
        );
    }

    #[test]
    fn a_case_urgent_since_a_later_day_says_why_as_of_that_day() {
        let release = Referral {
            expected_release_date: Some(d(2027, 1, 25)),
            ..Referral::default()
        };
        // 63 days off when it came; 54 when consent came on 2 December.
        let received = d(2026, 11, 23);
        assert!(urgent_reasons(&release, received).is_empty());
        assert_eq!(
            urgent_reasons_since(&release, received, &[d(2026, 12, 2), d(2026, 12, 8)]),
            ["Release in 54 days (25 January 2027)."]
        );
        // The day it came, when it was urgent then, is the day it is told from.
        assert_eq!(
            urgent_reasons_since(&release, d(2026, 12, 1), &[d(2026, 12, 8)]),
            ["Release in 55 days (25 January 2027)."]
        );
        // Release gone by before any later day: no reason made up.
        assert!(urgent_reasons_since(&release, received, &[d(2027, 2, 1)]).is_empty());
    }

    #[test]
    fn under_eighteen_and_mappa_are_flagged() {
        let young = Referral {
            date_of_birth: Some(d(2009, 1, 10)),
            risk_to_others: Some("MAPPA level 2, category 1".into()),
            ..Referral::default()
        };
        let notes = notes(&young, d(2026, 11, 23));
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("was 17 when referred"));
        for denied in [
            "Not MAPPA",
            "MAPPA: no",
            "MAPPA level 0",
            "MAPPA - N/A",
            "MAPPA level: N/A",
            "MAPPA level: 0",
            "MAPPA level: None",
            "MAPPA level: not applicable",
        ] {
            let r = Referral {
                risk_to_others: Some(denied.into()),
                ..Referral::default()
            };
            assert!(!mentions_mappa(&r), "{denied}");
        }
        for managed in [
            "MAPPA level: Level 1, category 2",
            "MAPPA level: 2",
            "Managed under MAPPA.",
            "MAPPA nominal, category 2",
        ] {
            let r = Referral {
                risk_to_others: Some(managed.into()),
                ..Referral::default()
            };
            assert!(mentions_mappa(&r), "{managed}");
        }
        assert_eq!(age_on(d(2008, 11, 23), d(2026, 11, 23)), Some(18));
    }
}
