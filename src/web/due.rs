//! `/due?on=DAY`: the reader's authority's open deadlines as on a day
//! (today unless asked), most pressing first, as the `due` command lists
//! them with `--now`; each with the person's name and a link to the case.

use super::cases::{form_day, rag_class, rag_label, reader, shown_day, ON_HINT, ON_LABEL};
use super::page::{answer, column_heads, escape, labelled_row, not_found_page, page_at, table};
use super::session::{field, Viewer};
use super::sign_in::trouble;
use super::WebState;
use crate::case_view::short_day;
use crate::core::protocol::Owner;
use crate::store::CaseScope;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use std::collections::HashMap;
use std::sync::Arc;

/// The day asked for (`on`, as typed), or today; what was typed when it
/// is not a day.
fn day_of(query: Option<&str>, today: NaiveDate) -> Result<(NaiveDate, String), String> {
    let fields: Vec<(String, String)> = query
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let typed = field(&fields, "on").unwrap_or("").trim().to_string();
    if typed.is_empty() {
        return Ok((today, typed));
    }
    match form_day(&typed, today) {
        // Shown back as read: `16/12/26` as 16/12/2026.
        Some(day) if !typed.eq_ignore_ascii_case("today") => Ok((day, shown_day(day))),
        Some(day) => Ok((day, typed)),
        None => Err(typed),
    }
}

/// The form choosing the day, with its error when `error` says one.
fn day_form(typed: &str, error: Option<&str>) -> String {
    let (message, described, invalid) = match error {
        Some(message) => (
            format!(
                "<span class=\"field-error\" id=\"on-error\">{}</span>",
                escape(message)
            ),
            "on-hint on-error",
            " aria-invalid=\"true\"",
        ),
        None => (String::new(), "on-hint", ""),
    };
    format!(
        "<form method=\"get\" action=\"/due\" class=\"filters\"><div>\
         <label for=\"on\">{ON_LABEL}</label>\
         <span class=\"hint\" id=\"on-hint\">{ON_HINT}</span>{message}\
         <input type=\"text\" id=\"on\" name=\"on\" value=\"{value}\" \
         aria-describedby=\"{described}\"{invalid} class=\"day{class}\"></div>\
         <div><button type=\"submit\" class=\"secondary\">Show</button></div></form>",
        value = escape(typed),
        class = if error.is_some() { " invalid" } else { "" },
    )
}

pub(crate) async fn list(
    State(state): State<Arc<WebState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let signed = match reader(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Viewer::Officer { scope, .. } = &signed.viewer else {
        return not_found_page(Some(&signed));
    };
    if let Err(e) = super::access::record_page(&state, &signed, "/due", query.as_deref()).await {
        return trouble(&e);
    }
    let today = crate::core::uk::date(Utc::now());
    let (day, typed) = match day_of(query.as_deref(), today) {
        Ok(found) => found,
        Err(typed) => {
            let message =
                format!("{ON_LABEL}: \u{201c}{typed}\u{201d} is not a date such as 24/12/2026");
            let body = format!(
                "<div class=\"error-summary\" role=\"alert\"><h2>The list is not shown: \
                 the day could not be read</h2><ul><li><a href=\"#on\">{}</a></li></ul></div>{}",
                escape(&message),
                day_form(&typed, Some(&message))
            );
            return answer(
                StatusCode::BAD_REQUEST,
                page_at(Some("/due"), "Due", &body, Some(&signed)),
            );
        }
    };
    match due_body(&state, scope, day, &typed).await {
        Ok(body) => answer(
            StatusCode::OK,
            page_at(Some("/due"), "Due", &body, Some(&signed)),
        ),
        Err(e) => trouble(&e),
    }
}

/// The columns of `/due`.
const HEADINGS: [&str; 6] = ["State", "Due", "Case", "Name", "Owed by", "What"];

/// The deadlines open on `day`, with the people's names (the reader is an
/// officer of the same authority).
async fn due_body(
    state: &WebState,
    scope: &CaseScope,
    day: NaiveDate,
    typed: &str,
) -> Result<String, crate::store::StoreError> {
    let (cases, summaries) = tokio::try_join!(
        state.store.scoped_deadline_cases(scope),
        state.store.scoped_cases(scope, true)
    )?;
    let names: HashMap<&str, &str> = summaries
        .iter()
        .filter_map(|c| Some((c.reference.as_str(), c.full_name.as_deref()?)))
        .collect();
    let rows = crate::sweep::open_deadlines(&state.config, &cases, day);
    let day_words = day.format("%A %-d %B %Y").to_string();
    let mut body = format!(
        "{}<p>{} on {}</p>",
        day_form(typed, None),
        escape(&state.config.protocol.name),
        escape(&day_words)
    );
    if rows.is_empty() {
        body.push_str(&format!("<p>Nothing is due on {}.</p>", escape(&day_words)));
        return Ok(body);
    }
    let mut lines = String::new();
    for row in &rows {
        let mut notes = Vec::new();
        if let Some(until) = row.case.paused_until.filter(|u| *u > day) {
            notes.push(format!("paused until {}", until.format("%-d %b %Y")));
        }
        notes.extend(row.notes());
        lines.push_str(&labelled_row(
            &HEADINGS,
            &[
                (
                    "td",
                    format!(
                        "<span class=\"tag {}\">{}</span>",
                        rag_class(row.rag),
                        rag_label(row.rag)
                    ),
                ),
                ("td class=\"when\"", escape(&short_day(row.due.on))),
                (
                    "th scope=\"row\"",
                    format!(
                        "<a href=\"/cases/{r}\">{r}</a>",
                        r = escape(&row.case.reference)
                    ),
                ),
                (
                    "td",
                    escape(
                        names
                            .get(row.case.reference.as_str())
                            .copied()
                            .unwrap_or("-"),
                    ),
                ),
                (
                    "td",
                    match row.rule.owed_by {
                        Owner::Authority => "The council",
                        Owner::Referrer => "The referrer",
                    }
                    .to_string(),
                ),
                (
                    "td",
                    format!(
                        "{} (commitment {}){}",
                        escape(&row.rule.description),
                        escape(&row.rule.commitment.to_string()),
                        if notes.is_empty() {
                            String::new()
                        } else {
                            format!(
                                "<br><span class=\"hint\">{}</span>",
                                escape(&notes.join("; "))
                            )
                        },
                    ),
                ),
            ],
        ));
    }
    body.push_str(&table(
        &format!("Deadlines open on {day_words}"),
        false,
        &column_heads(&HEADINGS),
        &lines,
    ));
    body.push_str(&format!(
        "<p>{} open deadline{}</p>",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    ));
    Ok(body)
}
