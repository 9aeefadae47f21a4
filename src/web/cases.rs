//! `/cases`: the reader's authority's open cases with the next deadline and
//! its state, filtered and searched as the `cases` command does; a
//! coordinator sees each authority's counts instead. `/cases/REF`: the case
//! as the `case` command shows it, with who has viewed it here; a case of
//! another authority answers as a page that does not exist.

use super::page::{answer, escape, not_found_page, page};
use super::session::{signed_in, Signed, Viewer};
use super::sign_in::trouble;
use super::WebState;
use crate::case_view::{case_view, rag_words, short_day};
use crate::core::protocol::Rag;
use crate::store::CaseSummary;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
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
        Ok(None) => Err(Redirect::to("/").into_response()),
        Err(e) => Err(trouble(&e)),
    }
}

/// `GET /cases?q=&state=&all=`.
pub(crate) async fn list(
    State(state): State<Arc<WebState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let signed = match reader(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let scope = match &signed.viewer {
        Viewer::Officer { scope, .. } => scope.clone(),
        Viewer::Coordinator { .. } => return counts(&state, &signed).await,
    };
    let fields: Vec<(String, String)> = query
        .as_deref()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let get = |name: &str| super::session::field(&fields, name).unwrap_or("").trim();
    let search = get("q").to_lowercase();
    let wanted_state = get("state");
    let all = get("all") == "yes";
    let today = crate::core::uk::date(Utc::now());
    let (cases, deadline_cases) = match tokio::try_join!(
        state.store.scoped_cases(&scope, !all),
        state.store.scoped_deadline_cases(&scope)
    ) {
        Ok(found) => found,
        Err(e) => return trouble(&e),
    };
    let deadlines = crate::sweep::open_deadlines(&state.config, &deadline_cases, today);
    let matches = |c: &&CaseSummary| {
        search.is_empty()
            || [
                Some(&c.reference),
                c.full_name.as_ref(),
                c.prison_number.as_ref(),
                c.crn.as_ref(),
            ]
            .into_iter()
            .flatten()
            .any(|v| v.to_lowercase().contains(search.as_str()))
    };
    let mut rows = String::new();
    let mut shown = 0;
    for c in cases.iter().filter(matches) {
        // Deadlines are most pressing first: the case's first is its next.
        let next = deadlines.iter().find(|d| d.case.reference == c.reference);
        let keep = match wanted_state {
            "red" | "amber" | "green" => next.is_some_and(|d| rag_class(d.rag) == wanted_state),
            _ => true,
        };
        if !keep {
            continue;
        }
        shown += 1;
        let received = chrono::DateTime::parse_from_rfc3339(&c.received_at)
            .map(|t| crate::core::words::short_time(t.with_timezone(&Utc)))
            .unwrap_or_else(|_| c.received_at.clone());
        let (due, rag) = match next {
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
             <td>{due}</td><td>{rag}</td><td>{received}</td></tr>",
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
    let body = format!(
        "<form method=\"get\" action=\"/cases\" class=\"filters\">\
         <div><label for=\"q\">Name, prison number, CRN or reference</label>\
         <input type=\"search\" id=\"q\" name=\"q\" value=\"{q}\"></div>\
         <div><label for=\"state\">Next deadline</label><select id=\"state\" name=\"state\">\
         {any}{red}{amber}{green}</select></div>\
         <div><label for=\"all\">Cases</label><select id=\"all\" name=\"all\">\
         <option value=\"\">Open only</option><option value=\"yes\"{all_selected}>All, closed too</option>\
         </select></div>\
         <div><button type=\"submit\" class=\"secondary\">Show</button></div></form>\
         <p>{shown} case(s)</p>\
         <table><thead><tr><th scope=\"col\">Reference</th><th scope=\"col\">Name</th>\
         <th scope=\"col\">Status</th><th scope=\"col\">Next deadline</th><th scope=\"col\">State</th>\
         <th scope=\"col\">Received</th></tr></thead><tbody>{rows}</tbody></table>",
        q = escape(get("q")),
        any = option("", "Any"),
        red = option("red", "Overdue"),
        amber = option("amber", "Due soon"),
        green = option("green", "On time"),
        all_selected = if all { " selected" } else { "" },
    );
    let title = state
        .config
        .authorities
        .by_code(scope.code())
        .map_or_else(|| "Cases".to_string(), |a| format!("{} cases", a.name));
    answer(StatusCode::OK, page(&title, &body, Some(&signed)))
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
                    "<tr><td><span class=\"tag {}\">{}</span></td><td>{}</td><td>{} (commitment {}){}</td></tr>",
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
            "<tr><td>{}</td><td>{}</td></tr>",
            escape(at),
            escape(sentence)
        ));
    }
    body.push_str("</tbody></table><h2>Viewed and changed here</h2><table><tbody>");
    for a in &access {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&crate::core::words::short_time(a.at)),
            escape(&a.address),
            escape(&a.action)
        ));
    }
    body.push_str("</tbody></table><p><a href=\"/cases\">All cases</a></p>");
    answer(StatusCode::OK, page(&view.reference, &body, Some(&signed)))
}
