//! `/cases`: the reader's authority's open cases with the next deadline and
//! its state, filtered and searched as the `cases` command does; a
//! coordinator sees each authority's counts instead. `/cases/REF`: the case
//! as the `case` command shows it, with who has viewed it here; a case of
//! another authority answers as a page that does not exist.

use super::page::{answer, escape, not_found_page, page};
use super::session::{signed_in, Signed, Viewer};
use super::sign_in::trouble;
use super::WebState;
use crate::case_list::{filter_cases, CaseFilter, ListedCase};
use crate::case_view::{case_view, rag_words, short_day};
use crate::core::protocol::Rag;
use crate::store::{CaseScope, CaseSummary};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{NaiveDate, Utc};
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

/// A day as a form gives it: `24/12/2026`, `2026-12-24`, or `today`.
fn form_day(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("today") {
        return Some(today);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .ok()
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
    /// What could not be read, said above the list.
    problems: Vec<String>,
}

impl ListQuery {
    fn read(query: Option<&str>, today: NaiveDate) -> ListQuery {
        let fields: Vec<(String, String)> = query
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        let get = |name: &str| super::session::field(&fields, name).unwrap_or("").trim();
        let mut problems = Vec::new();
        let mut day = |name: &str, what: &str| {
            let text = get(name);
            if text.is_empty() {
                return None;
            }
            let day = form_day(text, today);
            if day.is_none() {
                problems.push(format!(
                    "{what}: \u{201c}{text}\u{201d} is not a date such as 24/12/2026"
                ));
            }
            day
        };
        let on = day("on", "Deadlines as on").unwrap_or(today);
        let due_on = day("due", "A deadline due on");
        let next = match get("state") {
            "red" => Some(Rag::Red),
            "amber" => Some(Rag::Amber),
            "green" => Some(Rag::Green),
            _ => None,
        };
        let filter = CaseFilter {
            open_only: get("all") != "yes",
            due_on,
            overdue: get("overdue") == "yes",
            next,
            search: Some(get("q").to_string()).filter(|q| !q.is_empty()),
        };
        let page = get("page").parse::<usize>().unwrap_or(1).max(1);
        ListQuery {
            fields,
            filter,
            on,
            page,
            problems,
        }
    }

    fn get(&self, name: &str) -> &str {
        super::session::field(&self.fields, name)
            .unwrap_or("")
            .trim()
    }

    /// The address of another page of the same list.
    fn page_link(&self, page: usize) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for name in ["q", "state", "due", "overdue", "all", "on"] {
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
    let body = match listing(&state, &scope, &asked, today).await {
        Ok(body) => body,
        Err(e) => return trouble(&e),
    };
    answer(StatusCode::OK, page(&title, &body, Some(&signed)))
}

/// The page of the list asked for. Only a filter on deadlines needs every
/// case's deadlines worked out; otherwise only the page's cases are read
/// in full (the store pages them when nothing is searched for).
async fn listing(
    state: &WebState,
    scope: &CaseScope,
    asked: &ListQuery,
    today: NaiveDate,
) -> Result<String, crate::store::StoreError> {
    let filter = &asked.filter;
    let store = &state.store;
    if filter.keeps_by_deadline() {
        let (cases, deadline_cases) = tokio::try_join!(
            store.scoped_cases(scope, filter.reads_open_only()),
            store.scoped_deadline_cases(scope)
        )?;
        let deadlines = crate::sweep::open_deadlines(&state.config, &deadline_cases, asked.on);
        let listed = filter_cases(&cases, &deadlines, filter);
        let (page, range) = page_of(asked.page, listed.len());
        return Ok(list_body(asked, listed.len(), page, &listed[range], today));
    }
    let (total, page, cases) = if filter.search.is_some() {
        let all = store.scoped_cases(scope, filter.open_only).await?;
        let matched: Vec<CaseSummary> = filter_cases(&all, &[], filter)
            .into_iter()
            .map(|l| l.case.clone())
            .collect();
        let (page, range) = page_of(asked.page, matched.len());
        (matched.len(), page, matched[range].to_vec())
    } else {
        let first = (asked.page - 1).saturating_mul(PAGE_SIZE);
        let (total, cases) = store
            .scoped_case_page(scope, filter.open_only, first, PAGE_SIZE)
            .await?;
        let (page, range) = page_of(asked.page, total);
        if cases.is_empty() && total > 0 {
            // Past the last page: the last page.
            let (_, cases) = store
                .scoped_case_page(scope, filter.open_only, range.start, PAGE_SIZE)
                .await?;
            (total, page, cases)
        } else {
            (total, page, cases)
        }
    };
    let references: Vec<&str> = cases.iter().map(|c| c.reference.as_str()).collect();
    let deadline_cases = store
        .scoped_deadline_cases_among(scope, &references)
        .await?;
    let deadlines = crate::sweep::open_deadlines(&state.config, &deadline_cases, asked.on);
    let listed = filter_cases(&cases, &deadlines, &CaseFilter::default());
    Ok(list_body(asked, total, page, &listed, today))
}

/// The page to show of `total` cases (the last when asked for one past
/// it), and which of them it holds.
fn page_of(asked: usize, total: usize) -> (usize, std::ops::Range<usize>) {
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = asked.clamp(1, pages);
    let first = (page - 1) * PAGE_SIZE;
    (page, first.min(total)..(first + PAGE_SIZE).min(total))
}

/// The filters' form, how many cases there are (`total`), and page `page`
/// of them (`shown`).
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
                    rag_words(d.rag)
                ),
            ),
            None => ("none open".to_string(), String::new()),
        };
        rows.push_str(&format!(
            "<tr><td><a href=\"/cases/{r}\">{r}</a>{urgent}</td><td>{name}</td><td>{status}</td>\
             <td>{due}</td><td>{rag}</td><td class=\"when\">{received}</td></tr>",
            r = escape(&c.reference),
            urgent = if c.urgent {
                " <strong>urgent</strong>"
            } else {
                ""
            },
            name = escape(c.full_name.as_deref().unwrap_or("-")),
            status = escape(c.status.as_str()),
            received = escape(&received),
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
    let problems: String = asked
        .problems
        .iter()
        .map(|p| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(p)))
        .collect();
    let count = match total {
        n if n <= PAGE_SIZE => format!("{n} case(s)."),
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
    format!(
        "{problems}<form method=\"get\" action=\"/cases\" class=\"filters\">\
         <div><label for=\"q\">Name, prison number, CRN or reference</label>\
         <input type=\"search\" id=\"q\" name=\"q\" value=\"{q}\"></div>\
         <div><label for=\"state\">Next deadline</label><select id=\"state\" name=\"state\">\
         {any}{red}{amber}{green}</select></div>\
         <div><label for=\"due\">A deadline due on</label>\
         <span class=\"hint\" id=\"due-hint\">24/12/2026, or today</span>\
         <input type=\"text\" id=\"due\" name=\"due\" value=\"{due}\" \
         aria-describedby=\"due-hint\" class=\"day\"></div>\
         <div><label for=\"all\">Cases</label><select id=\"all\" name=\"all\">\
         <option value=\"\">Open only</option><option value=\"yes\"{all_selected}>All, closed too</option>\
         </select></div>\
         <div><label for=\"on\">Deadlines as on</label>\
         <span class=\"hint\" id=\"on-hint\">a day, if not today</span>\
         <input type=\"text\" id=\"on\" name=\"on\" value=\"{on}\" \
         aria-describedby=\"on-hint\" class=\"day\"></div>\
         {overdue}\
         <div><button type=\"submit\" class=\"secondary\">Show</button> \
         <a href=\"/cases\" class=\"reset\">Clear filters</a></div></form>\
         <p>{count}{seen_as}</p>\
         <table><thead><tr><th scope=\"col\">Reference</th><th scope=\"col\">Name</th>\
         <th scope=\"col\">Status</th><th scope=\"col\">Next deadline</th><th scope=\"col\">State</th>\
         <th scope=\"col\">Received</th></tr></thead><tbody>{rows}</tbody></table>{pager}",
        q = escape(asked.get("q")),
        any = option("", "Any"),
        red = option("red", "Overdue"),
        amber = option("amber", "Due soon"),
        green = option("green", "On time"),
        // What was typed, as read (a date as people write it); what could
        // not be read, as typed, beside its error.
        due = match asked.filter.due_on {
            Some(d) if !asked.get("due").eq_ignore_ascii_case("today") => {
                d.format("%d/%m/%Y").to_string()
            }
            _ => escape(asked.get("due")),
        },
        on = if asked.on == today {
            escape(asked.get("on"))
        } else {
            asked.on.format("%d/%m/%Y").to_string()
        },
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
    )
}

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
        rows.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&authority.name),
            c.open,
            c.incomplete,
            c.closed,
            c.refused
        ));
    }
    let body = format!(
        "<p>Coordinators see each authority's counts; the cases themselves are the \
         authorities' own.</p>\
         <table><thead><tr><th scope=\"col\">Authority</th><th scope=\"col\">Open</th>\
         <th scope=\"col\">Incomplete</th><th scope=\"col\">Closed</th><th scope=\"col\">Refused</th>\
         </tr></thead><tbody>{rows}</tbody></table>"
    );
    answer(
        StatusCode::OK,
        page("Cases by authority", &body, Some(signed)),
    )
}

/// `GET /cases/REF`: the case, recorded as viewed.
pub(crate) async fn one(
    State(state): State<Arc<WebState>>,
    headers: HeaderMap,
    Path(reference): Path<String>,
) -> Response {
    let signed = match reader(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Viewer::Officer { scope, address } = &signed.viewer else {
        return not_found_page();
    };
    let case = match state.store.scoped_case(scope, &reference).await {
        Ok(Some(case)) => case,
        Ok(None) => return not_found_page(),
        Err(e) => return trouble(&e),
    };
    let now = Utc::now();
    if let Err(e) = state
        .store
        .record_web_access(address, Some(scope.code()), Some(&reference), "viewed", now)
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
    let mut body = format!("<p>{}</p><table><tbody>", escape(&view.authority));
    for (label, value) in &view.header {
        body.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
            escape(label),
            escape(value)
        ));
    }
    body.push_str("</tbody></table>");
    if let Some(deadlines) = &view.deadlines {
        body.push_str("<h2>Next deadlines</h2>");
        if deadlines.is_empty() {
            body.push_str("<p>None open.</p>");
        } else {
            body.push_str("<table><tbody>");
            for d in deadlines {
                body.push_str(&format!(
                    "<tr><td><span class=\"tag {}\">{}</span></td><td class=\"when\">{}</td><td>{} (commitment {}){}</td></tr>",
                    rag_class(d.rag),
                    rag_words(d.rag),
                    escape(&short_day(d.due)),
                    escape(&d.what),
                    escape(&d.commitment),
                    if d.ladder.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", escape(&d.ladder))
                    }
                ));
            }
            body.push_str("</tbody></table>");
        }
    }
    body.push_str("<h2>Referral</h2>");
    if view.referral.is_empty() {
        body.push_str("<p>Nothing kept: refused, or erased after its retention period.</p>");
    } else {
        body.push_str("<table><tbody>");
        for (label, value) in &view.referral {
            body.push_str(&format!(
                "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
                escape(label),
                escape(value).replace('\n', "<br>")
            ));
        }
        body.push_str("</tbody></table>");
    }
    body.push_str("<h2>Timeline</h2><table><tbody>");
    for (at, sentence) in &view.timeline {
        body.push_str(&format!(
            "<tr><td class=\"when\">{}</td><td>{}</td></tr>",
            escape(at),
            escape(sentence)
        ));
    }
    body.push_str("</tbody></table><h2>Viewed and changed here</h2><table><tbody>");
    for line in super::access::case_lines(&access) {
        body.push_str(&format!("<tr><td>{}</td></tr>", escape(&line)));
    }
    body.push_str("</tbody></table><p><a href=\"/cases\">All cases</a></p>");
    answer(StatusCode::OK, page(&view.reference, &body, Some(&signed)))
}
