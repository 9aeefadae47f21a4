//! The list of cases, for the `cases` command and the web view's `/cases`
//! alike: which cases a filter keeps (open only, a deadline due on a day,
//! a deadline past, the next deadline's state, text in the person's name,
//! prison number, CRN or reference), each with its next deadline. Both
//! surfaces read the same cases and deadlines and keep the same ones.

use crate::core::protocol::Rag;
use crate::store::CaseSummary;
use crate::sweep::OpenDeadline;
use chrono::NaiveDate;
use std::collections::HashMap;

/// What the list is narrowed to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseFilter {
    /// Only cases still open (open or incomplete).
    pub open_only: bool,
    /// Only cases with a deadline due on this day.
    pub due_on: Option<NaiveDate>,
    /// Only cases with a deadline already past.
    pub overdue: bool,
    /// Only cases whose next deadline is in this state.
    pub next: Option<Rag>,
    /// Only cases whose person's name, prison number, CRN or reference
    /// holds this text (any letter case).
    pub search: Option<String>,
}

impl CaseFilter {
    /// Whether closed cases can be left unread: a deadline filter keeps
    /// only open cases anyway.
    pub fn reads_open_only(&self) -> bool {
        self.open_only || self.keeps_by_deadline()
    }

    /// Whether it keeps cases by their deadlines, so that every case's
    /// deadlines must be worked out before a page of them can be shown.
    pub fn keeps_by_deadline(&self) -> bool {
        self.due_on.is_some() || self.overdue || self.next.is_some()
    }
}

/// A case the filter kept, with its most pressing deadline.
#[derive(Clone, Copy, Debug)]
pub struct ListedCase<'a> {
    pub case: &'a CaseSummary,
    /// Its next deadline (the most pressing); none when none is open.
    pub next: Option<&'a OpenDeadline<'a>>,
}

/// The cases `filter` keeps, in the order given. `deadlines` are the open
/// deadlines of the same cases, most pressing first (as
/// `sweep::open_deadlines` gives them).
pub fn filter_cases<'a>(
    cases: impl IntoIterator<Item = &'a CaseSummary>,
    deadlines: &'a [OpenDeadline<'a>],
    filter: &CaseFilter,
) -> Vec<ListedCase<'a>> {
    // Each case's deadlines, most pressing first, found by reference once.
    let mut by_case: HashMap<&str, Vec<&OpenDeadline<'a>>> = HashMap::new();
    for d in deadlines {
        by_case
            .entry(d.case.reference.as_str())
            .or_default()
            .push(d);
    }
    let search = filter
        .search
        .as_deref()
        .map(str::trim)
        .map(crate::core::words::search_key)
        .filter(|s| !s.is_empty());
    let mut kept = Vec::new();
    for case in cases {
        if filter.open_only && !matches!(case.status.as_str(), "open" | "incomplete") {
            continue;
        }
        if let Some(text) = &search {
            let found = [
                Some(&case.reference),
                case.full_name.as_ref(),
                case.prison_number.as_ref(),
                case.crn.as_ref(),
            ]
            .into_iter()
            .flatten()
            .any(|v| crate::core::words::search_key(v).contains(text.as_str()));
            if !found {
                continue;
            }
        }
        let mine = by_case
            .get(case.reference.as_str())
            .map_or(&[][..], Vec::as_slice);
        if filter
            .due_on
            .is_some_and(|day| !mine.iter().any(|d| d.due.on == day))
        {
            continue;
        }
        if filter.overdue && !mine.iter().any(|d| d.rag == Rag::Red) {
            continue;
        }
        let next = mine.first().copied();
        if filter
            .next
            .is_some_and(|rag| next.is_none_or(|d| d.rag != rag))
        {
            continue;
        }
        kept.push(ListedCase { case, next });
    }
    kept
}

/// Where a case with `next` as its most pressing deadline comes in the
/// list, the most urgent first: cases with an overdue deadline, then by
/// their next deadline's state and day (the most overdue, then the
/// nearest), then cases with no deadline open. Cases alike go in order of
/// reference.
pub fn urgency(next: Option<&OpenDeadline<'_>>) -> (u8, Option<Rag>, Option<NaiveDate>) {
    next.map_or((1, None, None), |d| (0, Some(d.rag), Some(d.due.on)))
}

/// Orders `listed` by [`urgency`], then by reference.
pub fn most_urgent_first(listed: &mut [ListedCase<'_>]) {
    listed.sort_by(|a, b| {
        urgency(a.next)
            .cmp(&urgency(b.next))
            .then_with(|| a.case.reference.cmp(&b.case.reference))
    });
}

/// Orders `listed` the newest first (by when received, then the later
/// reference), as the store pages them.
pub fn newest_first(listed: &mut [ListedCase<'_>]) {
    listed.sort_by(|a, b| {
        (&b.case.received_at, &b.case.reference).cmp(&(&a.case.received_at, &a.case.reference))
    });
}

/// How [`newest_first`] orders the list, as the list says it.
pub const NEWEST_FIRST: &str = "Newest first: the referrals received most recently at the top.";

/// How [`most_urgent_first`] orders the list, as the list says it.
pub const MOST_URGENT_FIRST: &str = "Most urgent first: overdue deadlines, then the nearest \
     deadline, then cases with none open; cases alike in order of reference.";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::store::DeadlineCase;

    fn summary(reference: &str, status: &str, name: &str) -> CaseSummary {
        CaseSummary {
            reference: reference.to_string(),
            authority: "COL".to_string(),
            status:
                <crate::core::plan::CaseStatus as crate::core::stored::StoredName>::from_stored(
                    "cases", "status", status,
                )
                .expect("a case status"),
            referral_type: Some("duty_to_refer".to_string()),
            urgent: false,
            received_at: "2026-11-23T10:00:00+00:00".to_string(),
            expected_release_date: None,
            full_name: Some(name.to_string()),
            prison_number: Some(format!("A{}", &reference[reference.len() - 4..])),
            crn: None,
            referrer_name: None,
            referring_agency: None,
        }
    }

    /// Two open cases received on Monday 23 November 2026, the first
    /// acknowledged, seen on a later day: their deadlines as the protocol
    /// gives them.
    fn world() -> (Config, Vec<CaseSummary>, Vec<DeadlineCase>) {
        let (config, _) = Config::load(None).expect("the embedded configuration");
        let received = chrono::DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
            .expect("time")
            .with_timezone(&chrono::Utc);
        let cases = vec![
            summary("DTR-COL-2026-00001", "open", "Ann Example"),
            summary("DTR-COL-2026-00002", "open", "Bób O'Sample"),
            summary("DTR-COL-2026-00003", "closed", "Cy Closed"),
        ];
        let deadline_cases = vec![
            open_case(1, received, Some(received)),
            open_case(2, received, None),
        ];
        (config, cases, deadline_cases)
    }

    fn open_case(
        n: i64,
        received: chrono::DateTime<chrono::Utc>,
        acknowledged: Option<chrono::DateTime<chrono::Utc>>,
    ) -> DeadlineCase {
        use crate::core::protocol::{CaseFacts, Progress};
        use crate::core::referral::{CustodyStatus, ReferralType};
        DeadlineCase {
            id: crate::core::ids::CaseId::new(n),
            reference: format!("DTR-COL-2026-{n:05}"),
            authority: "COL".to_string(),
            facts: CaseFacts {
                referral_type: Some(ReferralType::DutyToRefer),
                custody_status: Some(CustodyStatus::Sentenced),
                clock_from: received,
                acknowledged_at: acknowledged,
                release_date: NaiveDate::from_ymd_opt(2027, 3, 1),
                application_on: None,
                information_requested_at: None,
            },
            progress: Progress {
                lead_named_at: None,
                by_hand: Vec::new(),
                evidence: Vec::new(),
            },
            paused_until: None,
            withdrawal_waits: false,
            referrer_email: Some("referrer@justice.gov.uk".to_string()),
            case_lead_email: None,
            follow_ups: "[]".to_string(),
            follow_up_on: None,
            revision: 0,
        }
    }

    fn references(listed: &[ListedCase<'_>]) -> Vec<String> {
        listed.iter().map(|l| l.case.reference.clone()).collect()
    }

    #[test]
    fn the_filters_keep_what_they_say() {
        // Wednesday 2 December 2026: the acknowledgement of the second
        // case (3 working days from 23 November) is past.
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).expect("day");
        let (config, cases, deadline_cases) = world();
        let deadlines = crate::sweep::open_deadlines(&config, &deadline_cases, today);
        let all = filter_cases(&cases, &deadlines, &CaseFilter::default());
        assert_eq!(all.len(), 3);
        let open = filter_cases(
            &cases,
            &deadlines,
            &CaseFilter {
                open_only: true,
                ..CaseFilter::default()
            },
        );
        assert_eq!(
            references(&open),
            ["DTR-COL-2026-00001", "DTR-COL-2026-00002"]
        );
        let overdue = filter_cases(
            &cases,
            &deadlines,
            &CaseFilter {
                overdue: true,
                ..CaseFilter::default()
            },
        );
        assert!(
            references(&overdue).contains(&"DTR-COL-2026-00002".to_string()),
            "{:?}",
            references(&overdue)
        );
        assert!(overdue
            .iter()
            .all(|l| l.next.is_some_and(|d| d.rag == Rag::Red)));
        let searched = filter_cases(
            &cases,
            &deadlines,
            &CaseFilter {
                search: Some("  bob ".to_string()),
                ..CaseFilter::default()
            },
        );
        assert_eq!(references(&searched), ["DTR-COL-2026-00002"]);
        // Typed as heard: no accent, no apostrophe.
        let searched = filter_cases(
            &cases,
            &deadlines,
            &CaseFilter {
                search: Some("bob osample".to_string()),
                ..CaseFilter::default()
            },
        );
        assert_eq!(references(&searched), ["DTR-COL-2026-00002"]);
        // A day on which one of the cases has a deadline keeps that case
        // only; a day with none keeps none.
        let first = deadlines
            .iter()
            .find(|d| d.case.reference == "DTR-COL-2026-00001")
            .expect("a deadline");
        let due = filter_cases(
            &cases,
            &deadlines,
            &CaseFilter {
                due_on: Some(first.due.on),
                ..CaseFilter::default()
            },
        );
        assert!(references(&due).contains(&"DTR-COL-2026-00001".to_string()));
        assert!(due.iter().all(|l| deadlines
            .iter()
            .any(|d| d.case.reference == l.case.reference && d.due.on == first.due.on)));
        let none = filter_cases(
            &cases,
            &deadlines,
            &CaseFilter {
                due_on: NaiveDate::from_ymd_opt(2030, 1, 1),
                ..CaseFilter::default()
            },
        );
        assert!(none.is_empty());
        // The next deadline's state: green keeps none of the overdue.
        let green = filter_cases(
            &cases,
            &deadlines,
            &CaseFilter {
                next: Some(Rag::Green),
                ..CaseFilter::default()
            },
        );
        assert!(green
            .iter()
            .all(|l| l.next.is_some_and(|d| d.rag == Rag::Green)));
        assert!(!references(&green).contains(&"DTR-COL-2026-00002".to_string()));
    }

    #[test]
    fn the_most_urgent_come_first_and_the_reference_settles_ties() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).expect("day");
        let (config, mut cases, mut deadline_cases) = world();
        // A third open case received later: its deadlines are further off.
        let later = chrono::DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
            .expect("time")
            .with_timezone(&chrono::Utc);
        cases.insert(0, summary("DTR-COL-2026-00004", "open", "Di Later"));
        deadline_cases.push(open_case(4, later, None));
        // Received on the same day as the second, the same deadlines.
        cases.insert(0, summary("DTR-COL-2026-00005", "open", "Ed Same"));
        let mut same = open_case(
            2,
            chrono::DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
                .expect("time")
                .with_timezone(&chrono::Utc),
            None,
        );
        same.id = crate::core::ids::CaseId::new(5);
        same.reference = "DTR-COL-2026-00005".to_string();
        deadline_cases.push(same);
        let deadlines = crate::sweep::open_deadlines(&config, &deadline_cases, today);
        let mut listed = filter_cases(&cases, &deadlines, &CaseFilter::default());
        most_urgent_first(&mut listed);
        assert_eq!(
            references(&listed),
            [
                // Overdue (acknowledgement past), alike: by reference.
                "DTR-COL-2026-00002",
                "DTR-COL-2026-00005",
                // Acknowledged: the next deadline further off.
                "DTR-COL-2026-00001",
                "DTR-COL-2026-00004",
                // Closed: none open.
                "DTR-COL-2026-00003",
            ]
        );
        let next = |i: usize| listed[i].next.map(|d| (d.rag, d.due.on));
        assert_eq!(next(0).map(|n| n.0), Some(Rag::Red));
        assert!(next(2) <= next(3), "{:?} then {:?}", next(2), next(3));
        assert!(listed[4].next.is_none());
    }
}
