//! `/due`: the reader's authority's open deadlines, most pressing first,
//! as the `due` command lists them.

use super::cases::{rag_class, reader};
use super::page::{answer, escape, not_found_page, page};
use super::session::Viewer;
use super::sign_in::trouble;
use super::WebState;
use crate::case_view::{rag_words, short_day};
use crate::core::protocol::Owner;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use std::sync::Arc;

pub(crate) async fn list(State(state): State<Arc<WebState>>, headers: HeaderMap) -> Response {
    let signed = match reader(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Viewer::Officer { scope, .. } = &signed.viewer else {
        return not_found_page();
    };
    if let Err(e) = super::access::record_page(&state, &signed, "/due", None).await {
        return trouble(&e);
    }
    let today = crate::core::uk::date(Utc::now());
    let cases = match state.store.scoped_deadline_cases(scope).await {
        Ok(c) => c,
        Err(e) => return trouble(&e),
    };
    let rows = crate::sweep::open_deadlines(&state.config, &cases, today);
    let mut body = format!(
        "<p>{} on {}</p><table><thead><tr><th scope=\"col\">State</th><th scope=\"col\">Due</th>\
         <th scope=\"col\">Case</th><th scope=\"col\">Owed by</th><th scope=\"col\">What</th></tr></thead><tbody>",
        escape(&state.config.protocol.name),
        escape(&today.format("%A %-d %B %Y").to_string())
    );
    for row in &rows {
        let mut notes = Vec::new();
        if let Some(until) = row.case.paused_until.filter(|u| *u > today) {
            notes.push(format!("paused until {}", until.format("%-d %b %Y")));
        }
        if row.due.late {
            notes.push("late referral".to_string());
        }
        if row.due.before_release {
            notes.push("brought forward: before release".to_string());
        }
        if !row.ladder.is_empty() {
            notes.push(row.ladder.clone());
        }
        body.push_str(&format!(
            "<tr><td><span class=\"tag {}\">{}</span></td><td class=\"when\">{}</td>\
             <td><a href=\"/cases/{r}\">{r}</a></td><td>{}</td><td>{} (commitment {}){}</td></tr>",
            rag_class(row.rag),
            rag_words(row.rag),
            escape(&short_day(row.due.on)),
            match row.rule.owed_by {
                Owner::Authority => "the council",
                Owner::Referrer => "the referrer",
            },
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
            r = escape(&row.case.reference),
        ));
    }
    body.push_str(&format!(
        "</tbody></table><p>{} open deadline(s)</p>",
        rows.len()
    ));
    answer(StatusCode::OK, page("Due", &body, Some(&signed)))
}
