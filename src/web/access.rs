//! The accountability record of the web view: which page each person
//! opened, with what they asked of it (a search term included: that is
//! what an audit needs), and how a case shows who viewed it. Kept in the
//! store (`web_access`), shown by the `access` command; never logged.

use super::session::{Signed, Viewer};
use super::WebState;
use crate::store::{StoreError, WebAccess};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

/// A field's value is kept to this many characters.
const LONGEST_VALUE: usize = 200;

tokio::task_local! {
    /// Whether the request being answered has been recorded already: a
    /// refusal not recorded by its page is recorded by
    /// `super::record_refusals`.
    static RECORDED: std::cell::Cell<bool>;
}

/// Says that the request being answered is in the record.
fn recorded() {
    let _ = RECORDED.try_with(|r| r.set(true));
}

/// Runs `answer` (a request's handling), and says whether it recorded
/// itself.
pub(crate) async fn recording<F: std::future::Future>(answer: F) -> (F::Output, bool) {
    RECORDED
        .scope(std::cell::Cell::new(false), async {
            let out = answer.await;
            (
                out,
                RECORDED.try_with(std::cell::Cell::get).unwrap_or(false),
            )
        })
        .await
}

/// What opening `path` is called in the record.
fn words_for(path: &str, viewer: &Viewer) -> &'static str {
    match (path, viewer) {
        ("/cases", Viewer::Officer { .. }) => "listed cases",
        ("/cases", Viewer::Coordinator { .. }) => "viewed the counts by authority",
        ("/due", _) => "listed the deadlines due",
        ("/quarantine", _) => "listed the quarantined messages",
        ("/report", _) => "viewed the report",
        ("/report.csv", _) => "downloaded the report as CSV",
        _ => "opened a page",
    }
}

/// What the record says of a page opened with `query`:
/// `listed cases at /cases, asking q="smith", state="red"`.
fn described(path: &str, query: Option<&str>, viewer: &Viewer) -> String {
    let mut text = format!("{} at {path}", words_for(path, viewer));
    let asked: Vec<String> = query
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect::<Vec<(String, String)>>()
        })
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(name, value)| {
            let value: String = understood(&name, &value)
                .chars()
                .take(LONGEST_VALUE)
                .collect();
            format!("{name}=\"{}\"", value.replace('"', "\\\""))
        })
        .collect();
    if !asked.is_empty() {
        text.push_str(", asking ");
        text.push_str(&asked.join(", "));
    }
    text
}

/// A field of a page's query as the record keeps it: a day (`on`, `due`),
/// a quarter, a state or a page number as the page read it, or said not to
/// be one, never the text typed; a search (`q`) as given, which is what an
/// audit needs.
fn understood(name: &str, value: &str) -> String {
    let value = value.trim();
    match name {
        "on" | "due" if value.eq_ignore_ascii_case("today") => "today".to_string(),
        "on" | "due" => {
            let today = crate::core::uk::date(Utc::now());
            super::cases::form_day(value, today)
                .map_or_else(|| "(not a date)".to_string(), super::cases::shown_day)
        }
        "quarter" => value
            .parse::<crate::core::report::Quarter>()
            .map_or_else(|_| "(not a quarter)".to_string(), |q| q.to_string()),
        "state" => match value {
            "red" | "amber" | "green" => value.to_string(),
            _ => "(not a state)".to_string(),
        },
        "page" => value
            .parse::<usize>()
            .map_or_else(|_| "(not a number)".to_string(), |n| n.to_string()),
        _ => value.to_string(),
    }
}

/// `asked` (a path and query) with its query's fields as understood.
fn asked_as_understood(asked: &str) -> String {
    let Some((path, query)) = asked.split_once('?') else {
        return asked.to_string();
    };
    let fields: Vec<String> = form_urlencoded::parse(query.as_bytes())
        .map(|(name, value)| format!("{name}={}", understood(&name, &value)))
        .collect();
    format!("{path}?{}", fields.join("&"))
}

/// Records that the reader opened `path` (a page of no one case) with
/// `query` as given.
pub(crate) async fn record_page(
    state: &WebState,
    signed: &Signed,
    path: &str,
    query: Option<&str>,
) -> Result<(), StoreError> {
    let authority = match &signed.viewer {
        Viewer::Officer { scope, .. } => Some(scope.code()),
        Viewer::Coordinator { .. } => None,
    };
    recorded();
    state
        .store
        .record_web_page(
            signed.viewer.address(),
            authority,
            None,
            &described(path, query, &signed.viewer),
            Utc::now(),
        )
        .await
}

/// Records an action the reader took or tried, with what became of it
/// (`released quarantined message 4, which opened the case`, `tried to
/// release quarantined message 4: not released, ...`): every release and
/// dismissal, done or refused, is in the record.
pub(crate) async fn record_action(
    state: &WebState,
    signed: &Signed,
    case: Option<&str>,
    action: &str,
) -> Result<(), StoreError> {
    let authority = match &signed.viewer {
        Viewer::Officer { scope, .. } => Some(scope.code()),
        Viewer::Coordinator { .. } => None,
    };
    recorded();
    state
        .store
        .record_web_access(signed.viewer.address(), authority, case, action, Utc::now())
        .await
}

/// Records a look-up refused as not found (another authority's case or
/// quarantined message, or one that does not exist): `asked` is what was
/// asked for, so that probing for others' cases leaves a trace.
pub(crate) async fn record_refused(
    state: &WebState,
    signed: &Signed,
    asked: &str,
) -> Result<(), StoreError> {
    let authority = match &signed.viewer {
        Viewer::Officer { scope, .. } => Some(scope.code()),
        Viewer::Coordinator { .. } => None,
    };
    let asked: String = asked.chars().take(LONGEST_VALUE).collect();
    recorded();
    state
        .store
        .record_web_page(
            signed.viewer.address(),
            authority,
            None,
            &format!("asked for {asked}: refused: not found"),
            Utc::now(),
        )
        .await
}

/// Records a request refused without its page saying so: a page the
/// reader may not open (a coordinator's `/due`), a form refused as not the
/// view's own (its CSRF token or its origin).
pub(crate) async fn record_refused_request(
    state: &WebState,
    signed: &Signed,
    posted: bool,
    asked: &str,
    forbidden: bool,
) -> Result<(), StoreError> {
    let authority = match &signed.viewer {
        Viewer::Officer { scope, .. } => Some(scope.code()),
        Viewer::Coordinator { .. } => None,
    };
    let asked: String = asked_as_understood(asked)
        .chars()
        .take(LONGEST_VALUE)
        .collect();
    let action = match (posted, forbidden) {
        (true, true) => format!(
            "sent a form to {asked}: refused: not the view's own form (its token or origin did \
             not match), nothing done"
        ),
        (true, false) => format!("sent a form to {asked}: refused: not found, nothing done"),
        (false, true) => format!("asked for {asked}: refused: not allowed"),
        (false, false) => format!("asked for {asked}: refused: not found"),
    };
    state
        .store
        .record_web_page(
            signed.viewer.address(),
            authority,
            None,
            &action,
            Utc::now(),
        )
        .await
}

/// A case's record as its page shows it, oldest first: each action a line,
/// and one person's views of one day as one line however often they
/// reloaded ("Viewed by ..., 3 times, last at 14:05 on 7 December 2026").
pub(crate) fn case_lines(access: &[WebAccess]) -> Vec<String> {
    struct Line<'a> {
        last: DateTime<Utc>,
        address: &'a str,
        /// None: views, counted.
        action: Option<&'a str>,
        views: usize,
    }
    let mut lines: Vec<Line<'_>> = Vec::new();
    let mut views_of: HashMap<(&str, NaiveDate), usize> = HashMap::new();
    for a in access {
        if a.action == "viewed" {
            let key = (a.address.as_str(), crate::core::uk::date(a.at));
            let views = a.repeats.max(1) as usize;
            if let Some(&i) = views_of.get(&key) {
                lines[i].views += views;
                lines[i].last = a.last();
                continue;
            }
            views_of.insert(key, lines.len());
            lines.push(Line {
                last: a.last(),
                address: &a.address,
                action: None,
                views,
            });
        } else {
            lines.push(Line {
                last: a.at,
                address: &a.address,
                action: Some(&a.action),
                views: 0,
            });
        }
    }
    lines.sort_by_key(|l| l.last);
    lines
        .iter()
        .map(|l| {
            let at = crate::core::words::time_on_day(l.last);
            match (l.action, l.views) {
                (Some(action), _) => format!("{} {action} at {at}", l.address),
                (None, 1) => format!("Viewed by {} at {at}", l.address),
                (None, n) => format!("Viewed by {}, {n} times, last at {at}", l.address),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_support::at;

    fn record(address: &str, action: &str, at: DateTime<Utc>) -> WebAccess {
        WebAccess {
            at,
            address: address.to_string(),
            authority: Some("COL".to_string()),
            case_ref: Some("DTR-COL-2026-00001".to_string()),
            action: action.to_string(),
            repeats: 1,
            last_at: None,
        }
    }

    #[test]
    fn a_persons_views_of_a_day_are_one_line() {
        let ann = "a.officer@colchester.gov.uk";
        let bob = "b.officer@colchester.gov.uk";
        let access = [
            record(ann, "viewed", at(2026, 12, 7, 9, 0)),
            record(bob, "viewed", at(2026, 12, 7, 10, 0)),
            record(ann, "viewed", at(2026, 12, 7, 13, 30)),
            record(
                ann,
                "released quarantined message 4",
                at(2026, 12, 7, 13, 40),
            ),
            record(ann, "viewed", at(2026, 12, 7, 14, 5)),
            record(ann, "viewed", at(2026, 12, 8, 9, 0)),
        ];
        assert_eq!(
            case_lines(&access),
            [
                "Viewed by b.officer@colchester.gov.uk at 10:00 on 7 December 2026",
                "a.officer@colchester.gov.uk released quarantined message 4 at 13:40 on 7 December 2026",
                "Viewed by a.officer@colchester.gov.uk, 3 times, last at 14:05 on 7 December 2026",
                "Viewed by a.officer@colchester.gov.uk at 09:00 on 8 December 2026",
            ]
        );
    }

    #[test]
    fn a_page_is_recorded_with_what_was_asked_of_it() {
        let officer = Viewer::Officer {
            address: "a.officer@colchester.gov.uk".to_string(),
            scope: crate::store::CaseScope::with_mailboxes("COL", Vec::new()),
        };
        assert_eq!(
            described(
                "/cases",
                Some("q=O%27Brien+%22D%22&state=red&due=&page=2"),
                &officer
            ),
            "listed cases at /cases, asking q=\"O'Brien \\\"D\\\"\", state=\"red\", page=\"2\""
        );
        assert_eq!(
            described("/due", None, &officer),
            "listed the deadlines due at /due"
        );
        let coordinator = Viewer::Coordinator {
            address: "co@essex.gov.uk".to_string(),
        };
        assert_eq!(
            described("/cases", None, &coordinator),
            "viewed the counts by authority at /cases"
        );
    }
}
