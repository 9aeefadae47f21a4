//! `/cases`: the reader's authority's open cases with the next deadline and
//! its state, filtered and searched as the `cases` command does; a
//! coordinator sees each authority's counts instead. `/cases/REF`: the case
//! as the `case` command shows it, with who has viewed it here; a case of
//! another authority answers as a page that does not exist.

use super::page::{
    answer, column_heads, escape, headed_table, labelled_row, not_found_page, page, page_at, table,
};
use super::session::{signed_in, Signed, Viewer};
use super::sign_in::trouble;
use super::WebState;
use crate::case_list::{
    filter_cases, most_urgent_first, newest_first, urgency, CaseFilter, ListedCase,
    MOST_URGENT_FIRST, NEWEST_FIRST,
};
use crate::case_view::{case_view, short_day, status_label, FURTHER_REFERRALS, LINKED_TO};
use crate::core::protocol::Rag;
use crate::store::{CaseScope, CaseSummary};
use crate::sweep::OpenDeadline;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{Datelike, NaiveDate, Utc};
use std::collections::HashMap;
use std::sync::Arc;

/// Forms without their session's token are refused.
pub(crate) fn forbidden() -> Response {
    answer(
        StatusCode::FORBIDDEN,
        page(
            "Not allowed",
            "<p>That form has expired. Go back, reload the page and try again.</p>",
            None,
        ),
    )
}

/// A deadline's state on a tag, in sentence case as every status is shown.
pub(crate) fn rag_label(rag: Rag) -> &'static str {
    match rag {
        Rag::Red => "Overdue",
        Rag::Amber => "Due soon",
        Rag::Green => "On time",
    }
}

pub(crate) fn rag_class(rag: Rag) -> &'static str {
    match rag {
        Rag::Red => "red",
        Rag::Amber => "amber",
        Rag::Green => "green",
    }
}

/// The reader, or the way to the sign-in page.
pub(crate) async fn reader(state: &WebState, headers: &HeaderMap) -> Result<Signed, Response> {
    match signed_in(state, headers).await {
        Ok(Some(signed)) => Ok(signed),
        Ok(None) => Err(super::session::sign_in_needed()),
        Err(e) => Err(trouble(&e)),
    }
}

/// Cases shown on one page of `/cases`; the page says how many there are
/// and links to the rest.
pub(crate) const PAGE_SIZE: usize = 100;

/// A day as a form gives it, read as the commands read `--now`
/// (`16/12/26` is 2026), or `today`. A day before 2000 is a typing slip
/// (`0026`), not a day anyone means.
pub(crate) fn form_day(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("today") {
        return Some(today);
    }
    crate::core::dates::parse_typed_day(text, today).filter(|day| day.year() >= 2000)
}

/// The field of `/cases` and `/due` that says which day the deadlines are
/// seen as on, labelled alike on both.
pub(crate) const ON_LABEL: &str = "Deadlines as on";
pub(crate) const ON_HINT: &str = "what is due and overdue as on this day";

/// A day as the pages show it back: `16/12/2026`.
pub(crate) fn shown_day(day: NaiveDate) -> String {
    day.format("%d/%m/%Y").to_string()
}

/// What `/cases` was asked for: the `cases` command's filters as query
/// fields (`q` for `--search`, `all` against `--open`, `due` for `--due`,
/// `overdue` for `--overdue`, `on` for `--now`), the next deadline's
/// state, and the page.
struct ListQuery {
    fields: Vec<(String, String)>,
    filter: CaseFilter,
    /// The day the deadlines are seen as on.
    on: NaiveDate,
    page: usize,
    /// `order=urgent`: the most urgent first (every open case's deadlines
    /// worked out); otherwise the newest first.
    urgent_first: bool,
    /// What could not be read: the field's name and what is wrong with
    /// it, said above the form and beside the field. The list is then not
    /// shown, as it would not be what was asked for.
    problems: Vec<(&'static str, String)>,
}

impl ListQuery {
    fn read(query: Option<&str>, today: NaiveDate) -> ListQuery {
        let fields: Vec<(String, String)> = query
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        let get = |name: &str| super::session::field(&fields, name).unwrap_or("").trim();
        let mut problems = Vec::new();
        let mut day = |name: &'static str, what: &str| {
            let text = get(name);
            if text.is_empty() {
                return None;
            }
            let day = form_day(text, today);
            if day.is_none() {
                problems.push((
                    name,
                    format!("{what}: \u{201c}{text}\u{201d} is not a date such as 24/12/2026"),
                ));
            }
            day
        };
        let on = day("on", ON_LABEL).unwrap_or(today);
        // `due=today` with `on=DAY` is due on DAY, as `cases --due today
        // --now DAY` is.
        let due_on = if get("due").eq_ignore_ascii_case("today") {
            Some(on)
        } else {
            day("due", "A deadline due on")
        };
        let next = match get("state") {
            "" => None,
            "red" => Some(Rag::Red),
            "amber" => Some(Rag::Amber),
            "green" => Some(Rag::Green),
            // Not ignored: the list would look filtered and not be.
            other => {
                problems.push((
                    "state",
                    format!(
                        "Next deadline: \u{201c}{other}\u{201d} is not one of Any, Overdue, \
                         Due soon or On time"
                    ),
                ));
                None
            }
        };
        let filter = CaseFilter {
            open_only: get("all") != "yes",
            due_on,
            overdue: get("overdue") == "yes",
            next,
            search: Some(get("q").to_string()).filter(|q| !q.is_empty()),
        };
        let page = get("page").parse::<usize>().unwrap_or(1).max(1);
        let urgent_first = get("order") == "urgent";
        ListQuery {
            fields,
            filter,
            on,
            page,
            urgent_first,
            problems,
        }
    }

    fn get(&self, name: &str) -> &str {
        super::session::field(&self.fields, name)
            .unwrap_or("")
            .trim()
    }

    /// What is wrong with field `name`, if anything.
    fn problem(&self, name: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|(field, _)| *field == name)
            .map(|(_, message)| message.as_str())
    }

    /// The address of the same list in the other order, from its first
    /// page.
    fn order_link(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for name in ["q", "state", "due", "overdue", "all", "on"] {
            let value = self.get(name);
            if !value.is_empty() {
                query.append_pair(name, value);
            }
        }
        if !self.urgent_first {
            query.append_pair("order", "urgent");
        }
        let query = query.finish();
        if query.is_empty() {
            "/cases".to_string()
        } else {
            format!("/cases?{query}")
        }
    }

    /// The address of the list without its filters, in the order chosen.
    fn cleared_link(&self) -> &'static str {
        if self.urgent_first {
            "/cases?order=urgent"
        } else {
            "/cases"
        }
    }

    /// The address of another page of the same list.
    fn page_link(&self, page: usize) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for name in ["q", "state", "due", "overdue", "all", "on", "order"] {
            let value = self.get(name);
            if !value.is_empty() {
                query.append_pair(name, value);
            }
        }
        query.append_pair("page", &page.to_string());
        format!("/cases?{}", query.finish())
    }
}

/// `GET /cases?q=&state=&due=&overdue=&all=&on=&page=`.
pub(crate) async fn list(
    State(state): State<Arc<WebState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let signed = match reader(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(e) = super::access::record_page(&state, &signed, "/cases", query.as_deref()).await {
        return trouble(&e);
    }
    let scope = match &signed.viewer {
        Viewer::Officer { scope, .. } => scope.clone(),
        Viewer::Coordinator { .. } => return counts(&state, &signed).await,
    };
    let today = crate::core::uk::date(Utc::now());
    let asked = ListQuery::read(query.as_deref(), today);
    let title = state
        .config
        .authorities
        .by_code(scope.code())
        .map_or_else(|| "Cases".to_string(), |a| format!("{} cases", a.name));
    if !asked.problems.is_empty() {
        // Not the list unfiltered as if filtered: the form, its errors,
        // and no case.
        let body = list_body(&asked, 0, 1, &[], today);
        return answer(
            StatusCode::BAD_REQUEST,
            page_at(Some("/cases"), &title, &body, Some(&signed)),
        );
    }
    let body = match listing(&state, &scope, &asked, today).await {
        Ok(body) => body,
        Err(e) => return trouble(&e),
    };
    answer(
        StatusCode::OK,
        page_at(Some("/cases"), &title, &body, Some(&signed)),
    )
}

/// The page of the list asked for. The newest first, as the store pages
/// them (or as a search matched them): only the page's deadlines are read.
/// The most urgent first, or a filter on deadlines: every case's deadlines
/// are worked out before a page can be cut.
async fn listing(
    state: &WebState,
    scope: &CaseScope,
    asked: &ListQuery,
    today: NaiveDate,
) -> Result<String, crate::store::StoreError> {
    let filter = &asked.filter;
    let store = &state.store;
    if filter.keeps_by_deadline() || (asked.urgent_first && filter.search.is_some()) {
        let (cases, deadline_cases) = tokio::try_join!(
            store.scoped_cases(scope, filter.reads_open_only()),
            store.scoped_deadline_cases(scope)
        )?;
        let deadlines = crate::sweep::open_deadlines(&state.config, &deadline_cases, asked.on);
        let mut listed = filter_cases(&cases, &deadlines, filter);
        if asked.urgent_first {
            most_urgent_first(&mut listed);
        } else {
            newest_first(&mut listed);
        }
        let (page, range) = page_of(asked.page, listed.len());
        return Ok(list_body(asked, listed.len(), page, &listed[range], today));
    }
    if !asked.urgent_first {
        let (total, page, cases) = if filter.search.is_some() {
            // Matched by what the cases say; only the page's deadlines read.
            let all = store.scoped_cases(scope, filter.open_only).await?;
            let mut matched = filter_cases(&all, &[], filter);
            newest_first(&mut matched);
            let (page, range) = page_of(asked.page, matched.len());
            let shown: Vec<CaseSummary> = matched[range].iter().map(|l| l.case.clone()).collect();
            (matched.len(), page, shown)
        } else {
            let first = (asked.page - 1).saturating_mul(PAGE_SIZE);
            let (total, mut cases) = store
                .scoped_case_page(scope, filter.open_only, first, PAGE_SIZE)
                .await?;
            let (page, range) = page_of(asked.page, total);
            if cases.is_empty() && total > 0 {
                // Past the last page: the last page.
                cases = store
                    .scoped_case_page(scope, filter.open_only, range.start, PAGE_SIZE)
                    .await?
                    .1;
            }
            (total, page, cases)
        };
        let references: Vec<&str> = cases.iter().map(|c| c.reference.as_str()).collect();
        let deadline_cases = store
            .scoped_deadline_cases_among(scope, &references)
            .await?;
        let deadlines = crate::sweep::open_deadlines(&state.config, &deadline_cases, asked.on);
        let listed = filter_cases(&cases, &deadlines, &CaseFilter::default());
        return Ok(list_body(asked, total, page, &listed, today));
    }
    let (references, deadline_cases) = tokio::try_join!(
        store.scoped_case_references(scope, filter.open_only),
        store.scoped_deadline_cases(scope)
    )?;
    let deadlines = crate::sweep::open_deadlines(&state.config, &deadline_cases, asked.on);
    // Each case's most pressing deadline: the first of its in the
    // deadlines' order.
    let mut next: HashMap<&str, &OpenDeadline<'_>> = HashMap::new();
    for d in &deadlines {
        next.entry(d.case.reference.as_str()).or_insert(d);
    }
    let mut order: Vec<&str> = references.iter().map(String::as_str).collect();
    order.sort_by(|a, b| {
        urgency(next.get(a).copied())
            .cmp(&urgency(next.get(b).copied()))
            .then_with(|| a.cmp(b))
    });
    let (page, range) = page_of(asked.page, order.len());
    let shown = &order[range];
    let cases = store.scoped_cases_among(scope, shown).await?;
    let by_reference: HashMap<&str, &CaseSummary> =
        cases.iter().map(|c| (c.reference.as_str(), c)).collect();
    let listed: Vec<ListedCase<'_>> = shown
        .iter()
        .filter_map(|r| {
            Some(ListedCase {
                case: by_reference.get(r).copied()?,
                next: next.get(r).copied(),
            })
        })
        .collect();
    Ok(list_body(asked, order.len(), page, &listed, today))
}

/// The page to show of `total` cases (the last when asked for one past
/// it), and which of them it holds.
fn page_of(asked: usize, total: usize) -> (usize, std::ops::Range<usize>) {
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = asked.clamp(1, pages);
    let first = (page - 1) * PAGE_SIZE;
    (page, first.min(total)..(first + PAGE_SIZE).min(total))
}

/// The list's columns.
const LIST_HEADINGS: [&str; 6] = [
    "Reference",
    "Name",
    "Status",
    "Next deadline",
    "State",
    "Received",
];

/// The filters' form, how many cases there are (`total`), and page `page`
/// of them (`shown`); with problems in the filters, the form and its
/// errors only.
fn list_body(
    asked: &ListQuery,
    total: usize,
    page: usize,
    shown: &[ListedCase<'_>],
    today: NaiveDate,
) -> String {
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let first = (page - 1) * PAGE_SIZE;
    let mut rows = String::with_capacity(shown.len() * 400);
    for l in shown {
        let c = l.case;
        let received = chrono::DateTime::parse_from_rfc3339(&c.received_at)
            .map(|t| crate::core::words::short_time(t.with_timezone(&Utc)))
            .unwrap_or_else(|_| c.received_at.clone());
        let (due, rag) = match l.next {
            Some(d) => (
                format!(
                    "{}<br><span class=\"hint\">{}</span>",
                    escape(&short_day(d.due.on)),
                    escape(&d.rule.description)
                ),
                format!(
                    "<span class=\"tag {}\">{}</span>",
                    rag_class(d.rag),
                    rag_label(d.rag)
                ),
            ),
            None => ("None open".to_string(), String::new()),
        };
        rows.push_str(&labelled_row(
            &LIST_HEADINGS,
            &[
                (
                    "th scope=\"row\"",
                    format!(
                        "<a href=\"/cases/{r}\">{r}</a>{urgent}",
                        r = escape(&c.reference),
                        // Only while the case is open: a closed case shows
                        // its status.
                        urgent = if c.urgent && c.status.is_open() {
                            " <strong>Urgent</strong>"
                        } else {
                            ""
                        },
                    ),
                ),
                ("td", escape(c.full_name.as_deref().unwrap_or("-"))),
                ("td", status_label(c.status).to_string()),
                ("td", due),
                ("td", rag),
                ("td class=\"when\"", escape(&received)),
            ],
        ));
    }
    let wanted_state = asked.get("state");
    let option = |value: &str, label: &str| {
        format!(
            "<option value=\"{value}\"{}>{label}</option>",
            if value == wanted_state {
                " selected"
            } else {
                ""
            }
        )
    };
    // Each problem above the form links to its field, and is read out
    // with the field.
    let problems: String = if asked.problems.is_empty() {
        String::new()
    } else {
        let items: String = asked
            .problems
            .iter()
            .map(|(field, message)| {
                format!("<li><a href=\"#{field}\">{}</a></li>", escape(message))
            })
            .collect();
        format!(
            "<div class=\"error-summary\" role=\"alert\"><h2>The list is not shown: \
             a filter could not be read</h2><ul>{items}</ul></div>"
        )
    };
    let day_field = |name: &str, label: &str, hint: &str, value: String| {
        let problem = asked.problem(name);
        let (error, described, class) = match problem {
            Some(message) => (
                format!(
                    "<span class=\"field-error\" id=\"{name}-error\">{}</span>",
                    escape(message)
                ),
                format!("{name}-hint {name}-error"),
                "day invalid",
            ),
            None => (String::new(), format!("{name}-hint"), "day"),
        };
        format!(
            "<div><label for=\"{name}\">{label}</label>\
             <span class=\"hint\" id=\"{name}-hint\">{hint}</span>{error}\
             <input type=\"text\" id=\"{name}\" name=\"{name}\" value=\"{value}\" \
             aria-describedby=\"{described}\"{invalid} class=\"{class}\"></div>",
            invalid = if problem.is_some() {
                " aria-invalid=\"true\""
            } else {
                ""
            },
        )
    };
    // What was typed, as read (a date as people write it); what could
    // not be read, as typed, beside its error.
    let due_value = match asked.filter.due_on {
        Some(d) if !asked.get("due").eq_ignore_ascii_case("today") => shown_day(d),
        _ => escape(asked.get("due")),
    };
    let on_value = if asked.on == today {
        escape(asked.get("on"))
    } else {
        shown_day(asked.on)
    };
    let form = format!(
        "{problems}<form method=\"get\" action=\"/cases\" class=\"filters\">\
         <div><label for=\"q\">Name, prison number, CRN or reference</label>\
         <input type=\"search\" id=\"q\" name=\"q\" value=\"{q}\"></div>\
         <div><label for=\"state\">Next deadline</label>{state_error}\
         <select id=\"state\" name=\"state\"{state_invalid}>\
         {any}{red}{amber}{green}</select></div>\
         {due}\
         <div><label for=\"all\">Cases</label><select id=\"all\" name=\"all\">\
         <option value=\"\">Open only</option><option value=\"yes\"{all_selected}>All, closed too</option>\
         </select></div>\
         {on}\
         {overdue}{order}\
         <div><button type=\"submit\" class=\"secondary\">Show</button> \
         <a href=\"{cleared}\" class=\"reset\">Clear filters</a></div></form>",
        q = escape(asked.get("q")),
        cleared = asked.cleared_link(),
        state_error = asked.problem("state").map_or_else(String::new, |message| format!(
            "<span class=\"field-error\" id=\"state-error\">{}</span>",
            escape(message)
        )),
        state_invalid = if asked.problem("state").is_some() {
            " aria-describedby=\"state-error\" aria-invalid=\"true\""
        } else {
            ""
        },
        any = option("", "Any"),
        red = option("red", "Overdue"),
        amber = option("amber", "Due soon"),
        green = option("green", "On time"),
        due = day_field("due", "A deadline due on", "24/12/2026, or today", due_value),
        on = day_field("on", ON_LABEL, ON_HINT, on_value),
        all_selected = if asked.filter.open_only {
            ""
        } else {
            " selected"
        },
        overdue = if asked.filter.overdue {
            "<input type=\"hidden\" name=\"overdue\" value=\"yes\">"
        } else {
            ""
        },
        // Filtering keeps the order the officer chose.
        order = if asked.urgent_first {
            "<input type=\"hidden\" name=\"order\" value=\"urgent\">"
        } else {
            ""
        },
    );
    if !asked.problems.is_empty() {
        return format!(
            "{form}<p>No cases are shown until the filters can be read: correct what is \
             marked, or <a href=\"{}\">clear the filters</a>.</p>",
            asked.cleared_link()
        );
    }
    if total == 0 {
        return format!("{form}<p>No cases match these filters.</p>");
    }
    let count = match total {
        1 => "1 case.".to_string(),
        n if n <= PAGE_SIZE => format!("{n} cases."),
        n => format!(
            "{n} cases: {} to {} shown, page {page} of {pages}.",
            first + 1,
            first + shown.len()
        ),
    };
    let mut pager = String::new();
    if pages > 1 {
        pager.push_str("<nav class=\"pager\" aria-label=\"Pages of cases\">");
        if page > 1 {
            pager.push_str(&format!(
                "<a href=\"{}\" rel=\"prev\">Previous {PAGE_SIZE}</a>",
                escape(&asked.page_link(page - 1))
            ));
        }
        if page < pages {
            pager.push_str(&format!(
                "<a href=\"{}\" rel=\"next\">Next {}</a>",
                escape(&asked.page_link(page + 1)),
                PAGE_SIZE.min(total - first - shown.len())
            ));
        }
        pager.push_str("</nav>");
    }
    let seen_as = if asked.on == today {
        String::new()
    } else {
        format!(
            " Deadlines as they stand on {}.",
            escape(&asked.on.format("%A %-d %B %Y").to_string())
        )
    };
    // Shown: the heading names the list, the caption its order.
    let order = if asked.urgent_first {
        MOST_URGENT_FIRST
    } else {
        NEWEST_FIRST
    };
    let caption = if pages > 1 {
        format!("Page {page} of {pages}. {order}")
    } else {
        order.to_string()
    };
    let other_order = format!(
        "<p><a href=\"{}\">{}</a> \u{b7} <a href=\"/due\">Deadlines due, most pressing first</a></p>",
        escape(&asked.order_link()),
        if asked.urgent_first {
            "Show the newest first"
        } else {
            "Show the most urgent first"
        }
    );
    format!(
        "{form}<p>{count}{seen_as}</p>{other_order}{table}{pager}",
        table = table(&caption, true, &column_heads(&LIST_HEADINGS), &rows),
    )
}

const COUNT_HEADINGS: [&str; 5] = ["Authority", "Open", "Incomplete", "Closed", "Refused"];

/// A coordinator's `/cases`: counts per authority, no case.
async fn counts(state: &WebState, signed: &Signed) -> Response {
    let counts = match state.store.case_counts().await {
        Ok(c) => c,
        Err(e) => return trouble(&e),
    };
    let mut rows = String::new();
    for authority in state.config.authorities.iter() {
        let c = counts
            .iter()
            .find(|c| c.authority == authority.code.as_str())
            .cloned()
            .unwrap_or_default();
        rows.push_str(&labelled_row(
            &COUNT_HEADINGS,
            &[
                ("th scope=\"row\"", escape(&authority.name)),
                ("td", c.open.to_string()),
                ("td", c.incomplete.to_string()),
                ("td", c.closed.to_string()),
                ("td", c.refused.to_string()),
            ],
        ));
    }
    let body = format!(
        "<p>Coordinators see each authority's counts; the cases themselves are the \
         authorities' own.</p>{}",
        table(
            "How many cases each authority has, by status",
            false,
            &column_heads(&COUNT_HEADINGS),
            &rows
        )
    );
    answer(
        StatusCode::OK,
        page_at(Some("/cases"), "Cases by authority", &body, Some(signed)),
    )
}

/// A look-up answered as not found, and recorded as refused.
pub(crate) async fn refused(state: &WebState, signed: &Signed, asked: &str) -> Response {
    match super::access::record_refused(state, signed, asked).await {
        Ok(()) => not_found_page(Some(signed)),
        Err(e) => trouble(&e),
    }
}

/// After a release sent here (`?released=ID`), the confirmation naming the
/// case it went to (HTML), said from the access record of this case, never
/// from the address alone: a link cannot make the page say a release
/// happened.
fn released_note(
    query: Option<&str>,
    access: &[crate::store::WebAccess],
    reference: &str,
) -> String {
    let fields: Vec<(String, String)> = query
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let Some(id) = super::session::field(&fields, "released")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .map(crate::core::ids::StoredMessageId::new)
    else {
        return String::new();
    };
    let prefix = super::quarantine::released_prefix(id);
    let Some((record, words)) = access.iter().rev().find_map(|a| {
        let words = a.action.strip_prefix(&prefix)?;
        (a.case_ref.as_deref() == Some(reference)).then_some((a, words))
    }) else {
        return String::new();
    };
    let link = format!("<a href=\"/cases/{r}\">{r}</a>", r = escape(reference));
    format!(
        "<p role=\"status\"><strong>Message {id} released by {} at {}: {}.</strong></p>",
        escape(&record.address),
        escape(&crate::core::words::time_on_day(record.at)),
        escape(words).replacen(&escape(reference), &link, 1)
    )
}

/// `GET /cases/REF`: the case, recorded as viewed; `?released=ID` after a
/// release sent here.
pub(crate) async fn one(
    State(state): State<Arc<WebState>>,
    headers: HeaderMap,
    Path(reference): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let signed = match reader(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let asked = format!("/cases/{reference}");
    // References are written in capitals; one typed in lower case is the
    // same reference.
    let reference = reference.to_ascii_uppercase();
    let Viewer::Officer { scope, address } = &signed.viewer else {
        return refused(&state, &signed, &asked).await;
    };
    let case = match state.store.scoped_case(scope, &reference).await {
        Ok(Some(case)) => case,
        Ok(None) => return refused(&state, &signed, &asked).await,
        Err(e) => return trouble(&e),
    };
    let now = Utc::now();
    if let Err(e) = state
        .store
        .record_web_page(address, Some(scope.code()), Some(&reference), "viewed", now)
        .await
    {
        return trouble(&e);
    }
    let (view, access) = match tokio::try_join!(
        case_view(
            &state.config,
            &state.store,
            &case,
            crate::core::uk::date(now)
        ),
        state.store.case_web_access(&reference)
    ) {
        Ok(found) => found,
        Err(e) => return trouble(&e),
    };
    // The case this one is linked to, when it is the reader's authority's
    // too: a link to it; otherwise neither link nor reference.
    let linked = match &view.linked_to {
        Some(other) => match state.store.scoped_case(scope, other).await {
            Ok(found) => found.map(|_| other.clone()),
            Err(e) => return trouble(&e),
        },
        None => None,
    };
    // The further referrals linked to this one, those of the reader's
    // authority as links; the others neither named nor linked.
    let mut further = Vec::new();
    for other in &view.further_referrals {
        match state.store.scoped_case(scope, other).await {
            Ok(Some(_)) => further.push(other.clone()),
            Ok(None) => {}
            Err(e) => return trouble(&e),
        }
    }
    let link = |r: &str| format!("<a href=\"/cases/{r}\">{r}</a>", r = escape(r));
    let mut summary = String::new();
    for (label, value) in &view.header {
        let value = if label == LINKED_TO {
            match &linked {
                Some(other) => escape(value).replacen(&escape(other), &link(other), 1),
                None => continue,
            }
        } else if label == FURTHER_REFERRALS {
            let links: Vec<String> = further.iter().map(|r| link(r)).collect();
            match links.as_slice() {
                [] => continue,
                [one] => format!("the person referred again, in {one}"),
                [rest @ .., last] => format!(
                    "the person referred again, in {} and {last}",
                    rest.join(", ")
                ),
            }
        } else {
            escape(value)
        };
        summary.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{value}</td></tr>",
            escape(label),
        ));
    }
    let mut body = format!(
        "{}<p>{}</p>{}",
        released_note(query.as_deref(), &access, &reference),
        escape(&view.authority),
        table("Summary", false, "", &summary)
    );
    if let Some(deadlines) = &view.deadlines {
        if deadlines.is_empty() {
            body.push_str("<h2>Next deadlines</h2><p>None open.</p>");
        } else {
            let mut rows = String::new();
            let headings = ["State", "Due", "What"];
            for d in deadlines {
                rows.push_str(&labelled_row(
                    &headings,
                    &[
                        (
                            "td",
                            format!(
                                "<span class=\"tag {}\">{}</span>",
                                rag_class(d.rag),
                                rag_label(d.rag)
                            ),
                        ),
                        ("td class=\"when\"", escape(&short_day(d.due))),
                        (
                            "td",
                            format!(
                                "{} (commitment {}){}",
                                escape(&d.what),
                                escape(&d.commitment),
                                if d.ladder.is_empty() {
                                    String::new()
                                } else {
                                    format!(": {}", escape(&d.ladder))
                                }
                            ),
                        ),
                    ],
                ));
            }
            body.push_str(&headed_table(
                "deadlines",
                "Next deadlines",
                &column_heads(&headings),
                &rows,
            ));
        }
    }
    if view.referral.is_empty() {
        body.push_str(
            "<h2>Referral</h2><p>Nothing kept: refused, or erased after its retention period.</p>",
        );
    } else {
        let mut rows = String::new();
        for (label, value) in &view.referral {
            rows.push_str(&format!(
                "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
                escape(label),
                escape(value).replace('\n', "<br>")
            ));
        }
        body.push_str(&headed_table("referral", "Referral", "", &rows));
    }
    let mut rows = String::new();
    let headings = ["When", "What happened"];
    for (at, sentence) in &view.timeline {
        rows.push_str(&labelled_row(
            &headings,
            &[("td class=\"when\"", escape(at)), ("td", escape(sentence))],
        ));
    }
    body.push_str(&headed_table(
        "timeline",
        "Timeline",
        &column_heads(&headings),
        &rows,
    ));
    let mut rows = String::new();
    let headings = ["Who did what, and when"];
    for line in super::access::case_lines(&access) {
        rows.push_str(&labelled_row(&headings, &[("td", escape(&line))]));
    }
    body.push_str(&headed_table(
        "viewed",
        "Viewed and changed here",
        &column_heads(&headings),
        &rows,
    ));
    body.push_str("<p><a href=\"/cases\">All cases</a></p>");
    answer(
        StatusCode::OK,
        page_at(Some("/cases"), &view.reference, &body, Some(&signed)),
    )
}
