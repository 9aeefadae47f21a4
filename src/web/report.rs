//! `/report?quarter=2026Q4`: the quarter's figures as the `report` command
//! gives them (the same `core::report` arithmetic), a bar chart per
//! measure drawn here as SVG, and `/report.csv` to download. An officer
//! sees their authority's; a coordinator every authority's and the total.

use super::cases::reader;
use super::page::{answer, escape, page};
use super::session::{field, Viewer};
use super::sign_in::trouble;
use super::WebState;
use crate::core::report::{build, csv, rows, AuthorityReport, Quarter};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Utc};
use std::sync::Arc;

/// The quarter asked for, or the current one.
fn quarter_of(query: Option<&str>) -> Result<Quarter, String> {
    let fields: Vec<(String, String)> = query
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    match field(&fields, "quarter")
        .map(str::trim)
        .filter(|q| !q.is_empty())
    {
        Some(text) => text
            .parse()
            .map_err(|e: crate::core::report::NotAQuarter| e.to_string()),
        None => {
            let today = crate::core::uk::date(Utc::now());
            Ok(Quarter {
                year: today.year(),
                number: (today.month() - 1) / 3 + 1,
            })
        }
    }
}

/// The reports the reader may see, per authority (and the total for a
/// coordinator).
async fn reports(
    state: &WebState,
    viewer: &Viewer,
    quarter: Quarter,
) -> Result<Vec<AuthorityReport>, crate::store::StoreError> {
    let code = match viewer {
        Viewer::Officer { scope, .. } => Some(scope.code().to_string()),
        Viewer::Coordinator { .. } => None,
    };
    let cases = state
        .store
        .report_cases(quarter, code.as_deref(), &state.agencies)
        .await?;
    let authorities: Vec<String> = match &code {
        Some(code) => vec![code.clone()],
        None => state
            .config
            .authorities
            .iter()
            .map(|a| a.code.to_string())
            .collect(),
    };
    let today = crate::core::uk::date(Utc::now());
    let calendar_for = |code: &str| state.config.calendar_for(code);
    Ok(build(
        &cases,
        &authorities,
        &state.config.protocol,
        &calendar_for,
        today,
    ))
}

/// A horizontal bar chart: one bar per authority, each of one or two parts
/// (met in time, then missed), scaled to the largest.
fn chart(title: &str, bars: &[(String, u32, u32)], parts: (&str, &str)) -> String {
    const LABEL: u32 = 150;
    const WIDTH: u32 = 420;
    const ROW: u32 = 26;
    let most = bars.iter().map(|(_, a, b)| a + b).max().unwrap_or(0).max(1);
    let height = ROW * bars.len() as u32 + 30;
    let mut svg = format!(
        "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{t}\" \
         width=\"{w}\" height=\"{height}\" viewBox=\"0 0 {w} {height}\"><title>{t}</title>",
        t = escape(title),
        w = LABEL + WIDTH + 60,
    );
    for (i, (name, first, second)) in bars.iter().enumerate() {
        let y = ROW * i as u32 + 4;
        let w1 = WIDTH * first / most;
        let w2 = WIDTH * second / most;
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{ty}\" font-family=\"Arial, sans-serif\" font-size=\"16\" fill=\"#0b0c0c\">{name}</text>\
             <rect x=\"{LABEL}\" y=\"{y}\" width=\"{w1}\" height=\"18\" fill=\"#00703c\"><title>{first} {p1}</title></rect>\
             <rect x=\"{x2}\" y=\"{y}\" width=\"{w2}\" height=\"18\" fill=\"#d4351c\"><title>{second} {p2}</title></rect>\
             <text x=\"{tx}\" y=\"{ty}\" font-family=\"Arial, sans-serif\" font-size=\"16\" fill=\"#0b0c0c\">{label}</text>",
            ty = y + 14,
            name = escape(name),
            x2 = LABEL + w1,
            tx = LABEL + w1 + w2 + 6,
            p1 = escape(parts.0),
            p2 = escape(parts.1),
            label = if parts.1.is_empty() {
                first.to_string()
            } else {
                format!("{first} / {second}")
            },
        ));
    }
    let legend_y = ROW * bars.len() as u32 + 22;
    svg.push_str(&format!(
        "<rect x=\"{LABEL}\" y=\"{ly}\" width=\"12\" height=\"12\" fill=\"#00703c\"/>\
         <text x=\"{lx}\" y=\"{legend_y}\" font-family=\"Arial, sans-serif\" font-size=\"15\" fill=\"#0b0c0c\">{p1}</text>",
        ly = legend_y - 11,
        lx = LABEL + 16,
        p1 = escape(parts.0),
    ));
    if !parts.1.is_empty() {
        svg.push_str(&format!(
            "<rect x=\"{x}\" y=\"{ly}\" width=\"12\" height=\"12\" fill=\"#d4351c\"/>\
             <text x=\"{lx}\" y=\"{legend_y}\" font-family=\"Arial, sans-serif\" font-size=\"15\" fill=\"#0b0c0c\">{p2}</text>",
            x = LABEL + 160,
            ly = legend_y - 11,
            lx = LABEL + 176,
            p2 = escape(parts.1),
        ));
    }
    // The heading above names the measure; the chart needs no caption.
    svg.push_str("</svg></figure>");
    svg
}

/// `GET /report?quarter=`.
pub(crate) async fn show(
    State(state): State<Arc<WebState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let signed = match reader(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(e) = super::access::record_page(&state, &signed, "/report", query.as_deref()).await {
        return trouble(&e);
    }
    let quarter = match quarter_of(query.as_deref()) {
        Ok(q) => q,
        Err(message) => {
            return answer(
                StatusCode::BAD_REQUEST,
                page_html(
                    &signed,
                    &format!("<p role=\"alert\">{}</p>", escape(&message)),
                    None,
                ),
            )
        }
    };
    let reports = match reports(&state, &signed.viewer, quarter).await {
        Ok(r) => r,
        Err(e) => return trouble(&e),
    };
    let name = |r: &AuthorityReport| {
        state
            .config
            .authorities
            .by_code(&r.authority)
            .map_or_else(|| r.authority.clone(), |a| a.name.clone())
    };
    let mut body = String::new();
    // The protocol's deadlines (acknowledgement, lead named, ...), then
    // escalations.
    let rules = reports.first().map_or(0, |r| r.deadlines.len());
    for i in 0..rules {
        let title = reports[0].deadlines[i].label.clone();
        let bars: Vec<(String, u32, u32)> = reports
            .iter()
            .map(|r| {
                let tally = &r.deadlines[i];
                (name(r), tally.in_time, tally.missed)
            })
            .collect();
        body.push_str(&format!("<h2>{}</h2>", escape(&title)));
        body.push_str(&chart(&title, &bars, ("within target", "missed")));
    }
    let escalations: Vec<(String, u32, u32)> = reports
        .iter()
        .map(|r| (name(r), r.escalations, 0))
        .collect();
    body.push_str("<h2>Escalations</h2>");
    body.push_str(&chart("Escalations", &escalations, ("escalations", "")));
    body.push_str("<h2>The quarter's table</h2><table><thead><tr><th scope=\"col\">Measure</th>");
    for r in &reports {
        body.push_str(&format!("<th scope=\"col\">{}</th>", escape(&name(r))));
    }
    body.push_str("</tr></thead><tbody>");
    for (measure, cells) in rows(&reports) {
        body.push_str(&format!("<tr><th scope=\"row\">{}</th>", escape(&measure)));
        for cell in cells {
            body.push_str(&format!("<td>{}</td>", escape(&cell)));
        }
        body.push_str("</tr>");
    }
    body.push_str("</tbody></table>");
    answer(StatusCode::OK, page_html(&signed, &body, Some(quarter)))
}

fn page_html(signed: &super::session::Signed, body: &str, quarter: Option<Quarter>) -> String {
    let shown = quarter.map(|q| q.to_string()).unwrap_or_default();
    let form = format!(
        "<form method=\"get\" action=\"/report\" class=\"filters\"><div>\
         <label for=\"quarter\">Quarter (such as 2026Q4)</label>\
         <input type=\"text\" id=\"quarter\" name=\"quarter\" value=\"{q}\"></div>\
         <div><button type=\"submit\" class=\"secondary\">Show</button></div></form>\
         <p><a href=\"/report.csv?quarter={q}\">Download the quarter as CSV</a></p>",
        q = escape(&shown)
    );
    page(
        &format!("Report {shown}"),
        &format!("{form}{body}"),
        Some(signed),
    )
}

/// `GET /report.csv?quarter=`: the same figures as the `report --csv`
/// command writes.
pub(crate) async fn download(
    State(state): State<Arc<WebState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let signed = match reader(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(e) =
        super::access::record_page(&state, &signed, "/report.csv", query.as_deref()).await
    {
        return trouble(&e);
    }
    let Ok(quarter) = quarter_of(query.as_deref()) else {
        return super::page::not_found_page();
    };
    match reports(&state, &signed.viewer, quarter).await {
        Ok(reports) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"dtr-report-{quarter}.csv\""),
                ),
            ],
            csv(&reports),
        )
            .into_response(),
        Err(e) => trouble(&e),
    }
}
