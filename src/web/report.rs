//! `/report?quarter=2026Q4`: the quarter's figures as the `report` command
//! gives them (the same `core::report` arithmetic), a bar chart per
//! measure drawn here as SVG, and `/report.csv` to download. An officer
//! sees their authority's; a coordinator every authority's and the total.

use super::cases::reader;
use super::page::{answer, escape, labelled_row, page_at, table};
use super::session::{field, Viewer};
use super::sign_in::trouble;
use super::WebState;
use crate::core::report::{build, csv_for_people, rows, AuthorityReport, Quarter};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Utc};
use std::sync::Arc;

/// The quarter asked for, or the current one; when it cannot be read,
/// what was typed and what is wrong with it.
/// The quarter asked for, or the report's page with the reason at its
/// field (400): no figures `what` until the quarter can be read.
fn quarter_or_page(
    signed: &super::session::Signed,
    query: Option<&str>,
    what: &str,
) -> Result<Quarter, Box<Response>> {
    quarter_of(query).map_err(|(typed, message)| {
        Box::new(answer(
            StatusCode::BAD_REQUEST,
            page_html(
                signed,
                &format!("<p>No figures {what} until the quarter can be read.</p>"),
                Err((typed.as_str(), message.as_str())),
            ),
        ))
    })
}

fn quarter_of(query: Option<&str>) -> Result<Quarter, (String, String)> {
    let fields: Vec<(String, String)> = query
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    match field(&fields, "quarter").map(str::trim) {
        Some("") => Err((String::new(), "Enter a quarter, such as 2026Q4".to_string())),
        Some(text) => text.parse().map_err(|_: crate::core::report::NotAQuarter| {
            (
                text.to_string(),
                format!("\u{201c}{text}\u{201d} is not a quarter such as 2026Q4"),
            )
        }),
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

/// The chart's text size, in pixels.
const FONT: u32 = 16;
/// The widest a character of the chart's text is taken to be, in tenths
/// of the font size: Arial's letters average about half of it, capitals
/// and figures a little more, so that a line of this many characters
/// never runs past the room it is given.
const CHAR_TENTHS: u32 = 6;
/// The most characters a line of an authority's name may hold, and the
/// most lines: a longer name is cut, whole in its tooltip.
const NAME_CHARS: usize = 22;
const NAME_LINES: usize = 2;

/// How wide `text` is taken to be at `font` pixels.
fn text_width(text: &str, font: u32) -> u32 {
    text.chars().count() as u32 * font * CHAR_TENTHS / 10
}

/// An authority's name in lines of at most `NAME_CHARS` characters, broken
/// between words, at most `NAME_LINES` of them; whether it had to be cut.
fn name_lines(name: &str) -> (Vec<String>, bool) {
    let mut lines: Vec<String> = Vec::new();
    let mut dropped = false;
    for word in name.split_whitespace() {
        let fits_after = lines
            .last()
            .is_some_and(|l| l.chars().count() + 1 + word.chars().count() <= NAME_CHARS);
        if fits_after {
            if let Some(line) = lines.last_mut() {
                line.push(' ');
                line.push_str(word);
            }
        } else if lines.len() == NAME_LINES {
            dropped = true;
            break;
        } else {
            lines.push(word.to_string());
        }
    }
    // A word longer than a line, or more words than the lines hold: cut,
    // with an ellipsis.
    let mut cut = dropped;
    for line in &mut lines {
        if line.chars().count() > NAME_CHARS {
            *line = line.chars().take(NAME_CHARS - 1).collect();
            line.push('\u{2026}');
            cut = true;
        }
    }
    if let Some(last) = lines
        .last_mut()
        .filter(|l| dropped && !l.ends_with('\u{2026}'))
    {
        if last.chars().count() >= NAME_CHARS {
            *last = last.chars().take(NAME_CHARS - 1).collect();
        }
        last.push('\u{2026}');
    }
    (lines, cut)
}

/// What a chart's bars measure.
#[derive(Clone, Copy)]
enum Measure {
    /// The share of the deadlines that fell due met within target: each
    /// bar is the whole of its authority's deadlines, green for the share
    /// met and red for the share missed.
    Share,
    /// A count (one word, and the word for more than one), each bar scaled
    /// to the largest.
    Count(&'static str, &'static str),
}

/// A bar's words, as the chart writes them beside it: `3 of 4 within
/// target (75%)`, `none due yet`, `2 escalations`.
fn bar_words(measure: Measure, first: u32, second: u32) -> String {
    match measure {
        Measure::Share if first + second == 0 => "none due yet".to_string(),
        Measure::Share => format!(
            "{first} of {} within target ({})",
            first + second,
            crate::core::report::percent(first, first + second)
        ),
        Measure::Count(one, _) if first == 1 => format!("1 {one}"),
        Measure::Count(_, many) => format!("{first} {many}"),
    }
}

/// A horizontal bar chart: one bar per authority, as `measure` says.
/// Names are wrapped to fit the label column, which is as wide as the
/// longest line. The chart is drawn at its own size, never shrunk to the
/// screen (its text stays at [`FONT`] pixels): a narrow screen scrolls it
/// sideways in its own box.
fn chart(title: &str, bars: &[(String, u32, u32)], measure: Measure) -> String {
    const BARS: u32 = 420;
    const LINE: u32 = 18;
    const GAP: u32 = 12;
    let named: Vec<(Vec<String>, bool)> =
        bars.iter().map(|(name, _, _)| name_lines(name)).collect();
    let label = named
        .iter()
        .flat_map(|(lines, _)| lines.iter())
        .map(|l| text_width(l, FONT))
        .max()
        .unwrap_or(0)
        .max(text_width("Colchester", FONT))
        + GAP;
    let most_lines = named.iter().map(|(l, _)| l.len()).max().unwrap_or(1).max(1) as u32;
    let row = (LINE * most_lines + 8).max(26);
    let most = bars.iter().map(|(_, a, b)| a + b).max().unwrap_or(0).max(1);
    let figure_room = bars
        .iter()
        .map(|(_, a, b)| text_width(&bar_words(measure, *a, *b), FONT))
        .max()
        .unwrap_or(0)
        + GAP;
    let width = label + BARS + figure_room;
    let height = row * bars.len() as u32 + 30;
    let (met, missed) = match measure {
        Measure::Share => ("share within target", "share missed"),
        Measure::Count(_, many) => (many, ""),
    };
    let mut svg = format!(
        "<figure class=\"chart\" role=\"group\" tabindex=\"0\" aria-label=\"{t}\">\
         <svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{t}\" \
         width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\"><title>{t}</title>",
        t = escape(title),
    );
    for (i, ((name, first, second), (lines, cut))) in bars.iter().zip(&named).enumerate() {
        let y = row * i as u32 + 4;
        // Shares of the whole bar, or counts against the largest.
        let (w1, w2) = match measure {
            Measure::Share if first + second == 0 => (0, 0),
            Measure::Share => {
                let w1 = BARS * first / (first + second);
                (w1, BARS - w1)
            }
            Measure::Count(..) => (BARS * first / most, BARS * second / most),
        };
        let ty = y + 14;
        let mut text = format!(
            "<text x=\"0\" y=\"{ty}\" font-family=\"Arial, sans-serif\" font-size=\"{FONT}\" fill=\"#0b0c0c\">"
        );
        if *cut {
            text.push_str(&format!("<title>{}</title>", escape(name)));
        }
        for (n, line) in lines.iter().enumerate() {
            text.push_str(&format!(
                "<tspan x=\"0\" y=\"{}\">{}</tspan>",
                ty + LINE * n as u32,
                escape(line)
            ));
        }
        text.push_str("</text>");
        let words = bar_words(measure, *first, *second);
        svg.push_str(&format!(
            "{text}\
             <rect x=\"{label}\" y=\"{y}\" width=\"{w1}\" height=\"18\" fill=\"#00703c\"><title>{words}</title></rect>\
             <rect x=\"{x2}\" y=\"{y}\" width=\"{w2}\" height=\"18\" fill=\"#d4351c\"><title>{words}</title></rect>\
             <text x=\"{tx}\" y=\"{ty}\" font-family=\"Arial, sans-serif\" font-size=\"{FONT}\" fill=\"#0b0c0c\">{words}</text>",
            x2 = label + w1,
            tx = label + w1 + w2 + 6,
            words = escape(&words),
        ));
    }
    let legend_y = row * bars.len() as u32 + 22;
    svg.push_str(&format!(
        "<rect x=\"{label}\" y=\"{ly}\" width=\"12\" height=\"12\" fill=\"#00703c\"/>\
         <text x=\"{lx}\" y=\"{legend_y}\" font-family=\"Arial, sans-serif\" font-size=\"{FONT}\" fill=\"#0b0c0c\">{p1}</text>",
        ly = legend_y - 11,
        lx = label + 16,
        p1 = escape(met),
    ));
    if !missed.is_empty() {
        svg.push_str(&format!(
            "<rect x=\"{x}\" y=\"{ly}\" width=\"12\" height=\"12\" fill=\"#d4351c\"/>\
             <text x=\"{lx}\" y=\"{legend_y}\" font-family=\"Arial, sans-serif\" font-size=\"{FONT}\" fill=\"#0b0c0c\">{p2}</text>",
            x = label + 200,
            ly = legend_y - 11,
            lx = label + 216,
            p2 = escape(missed),
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
    let quarter = match quarter_or_page(&signed, query.as_deref(), "are shown") {
        Ok(q) => q,
        Err(page) => return *page,
    };
    let reports = match reports(&state, &signed.viewer, quarter).await {
        Ok(r) => r,
        Err(e) => return trouble(&e),
    };
    let name = |r: &AuthorityReport| authority_name(&state, &r.authority);
    let today = crate::core::uk::date(Utc::now());
    let (first_day, next_day) = quarter.days();
    let words = quarter.words();
    // When the figures were taken, on every report, empty or not.
    let mut body = format!(
        "<p>Figures as at {}.</p>",
        crate::core::words::time_on_day(Utc::now())
    );
    // Nothing measured is said in a sentence, not shown as zeros.
    if today < first_day {
        body.push_str(&format!(
            "<p>{words} has not begun: there is nothing to report yet.</p>"
        ));
        return answer(StatusCode::OK, page_html(&signed, &body, Ok(quarter)));
    }
    if reports.iter().all(|r| r.referrals == 0 && r.refused == 0) {
        body.push_str(&format!(
            "<p>No referrals were received in {words}, so there is nothing to measure.</p>"
        ));
        return answer(StatusCode::OK, page_html(&signed, &body, Ok(quarter)));
    }
    if today < next_day {
        body.push_str(&format!(
            "<p>{words} is not over: these are the figures so far, with deadlines not yet \
             due counted neither met nor missed.</p>"
        ));
    }
    // The protocol's deadlines (acknowledgement, lead named, ...), then
    // escalations.
    let rules = reports.first().map_or(0, |r| r.deadlines.len());
    for i in 0..rules {
        let title = format!(
            "{}: the share met within target",
            reports[0].deadlines[i].label
        );
        let bars: Vec<(String, u32, u32)> = reports
            .iter()
            .map(|r| {
                let tally = &r.deadlines[i];
                (name(r), tally.in_time, tally.missed)
            })
            .collect();
        body.push_str(&format!("<h2>{}</h2>", escape(&title)));
        body.push_str(&chart(&title, &bars, Measure::Share));
    }
    let escalations: Vec<(String, u32, u32)> = reports
        .iter()
        .map(|r| (name(r), r.escalations, 0))
        .collect();
    let title = "Escalations: how many were sent";
    body.push_str(&format!("<h2>{title}</h2>"));
    body.push_str(&chart(
        title,
        &escalations,
        Measure::Count("escalation", "escalations"),
    ));
    body.push_str("<h2>Every measure</h2>");
    let mut head = String::from("<thead><tr><th scope=\"col\">Measure</th>");
    for r in &reports {
        head.push_str(&format!("<th scope=\"col\">{}</th>", escape(&name(r))));
    }
    head.push_str("</tr></thead>");
    let mut headings = vec!["Measure".to_string()];
    headings.extend(reports.iter().map(name));
    let headings: Vec<&str> = headings.iter().map(String::as_str).collect();
    let mut lines = String::new();
    for (measure, cells) in rows(&reports) {
        let mut row = vec![("th scope=\"row\"", escape(&measure))];
        row.extend(cells.iter().map(|cell| ("td", escape(cell))));
        lines.push_str(&labelled_row(&headings, &row));
    }
    body.push_str(&table(
        &format!("Figures for {words}: a measure a row, an authority a column"),
        true,
        &head,
        &lines,
    ));
    answer(StatusCode::OK, page_html(&signed, &body, Ok(quarter)))
}

/// An authority's name for the report: its name, or "All authorities" for
/// the coordinator's total.
fn authority_name(state: &WebState, code: &str) -> String {
    match state.config.authorities.by_code(code) {
        Some(authority) => authority.name.clone(),
        None if code == "All" => "All authorities".to_string(),
        None => code.to_string(),
    }
}

/// The page around the report's `body`: the quarter's form, and the link to
/// the quarter's CSV; or, when the quarter asked for cannot be read
/// (`Err((typed, message))`), the form with what was typed and the error
/// beside it, and no link.
fn page_html(
    signed: &super::session::Signed,
    body: &str,
    quarter: Result<Quarter, (&str, &str)>,
) -> String {
    let (value, error, download, title) = match quarter {
        Ok(q) => (
            q.to_string(),
            None,
            format!(
                "<p><a href=\"/report.csv?quarter={q}\">Download the figures for {} as CSV</a></p>",
                q.words()
            ),
            format!("Report for {}", q.words()),
        ),
        Err((typed, message)) => (
            typed.to_string(),
            Some(message),
            String::new(),
            "Report".to_string(),
        ),
    };
    let summary = match error {
        Some(message) => format!(
            "<div class=\"error-summary\" role=\"alert\"><h2>The report is not shown: \
             the quarter could not be read</h2><ul><li><a href=\"#quarter\">{}</a></li></ul></div>",
            escape(message)
        ),
        None => String::new(),
    };
    let (field_error, described, invalid) = match error {
        Some(message) => (
            format!(
                "<span class=\"field-error\" id=\"quarter-error\">{}</span>",
                escape(message)
            ),
            "quarter-hint quarter-error",
            " aria-invalid=\"true\" class=\"invalid\"",
        ),
        None => (String::new(), "quarter-hint", ""),
    };
    let form = format!(
        "{summary}<form method=\"get\" action=\"/report\" class=\"filters\"><div>\
         <label for=\"quarter\">Quarter</label>\
         <span class=\"hint\" id=\"quarter-hint\">A year and a quarter, such as 2026Q4</span>\
         {field_error}<input type=\"text\" id=\"quarter\" name=\"quarter\" value=\"{v}\" \
         aria-describedby=\"{described}\"{invalid}></div>\
         <div><button type=\"submit\" class=\"secondary\">Show</button></div></form>{download}",
        v = escape(&value),
    );
    page_at(
        Some("/report"),
        &title,
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
    // A quarter that cannot be read: the report's page with the reason at
    // its field, as /report answers.
    let quarter = match quarter_or_page(&signed, query.as_deref(), "can be downloaded") {
        Ok(q) => q,
        Err(page) => return *page,
    };
    // A quarter still running changes daily: the file says when it was
    // taken, in its name and its last line.
    let now = Utc::now();
    let taken = crate::core::uk::local(now).format("%Y-%m-%d");
    match reports(&state, &signed.viewer, quarter).await {
        Ok(reports) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"dtr-report-{quarter}-as-at-{taken}.csv\""),
                ),
            ],
            csv_for_people(
                &reports,
                &|code| authority_name(&state, code),
                &crate::core::words::time_on_day(now),
            ),
        )
            .into_response(),
        Err(e) => trouble(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    /// How wide Arial draws `text` at `font` pixels: its letters' own
    /// advance widths (in thousandths of the font size), not the chart's
    /// estimate.
    fn arial_width(text: &str, font: u32) -> f64 {
        let thousandths: u32 = text
            .chars()
            .map(|c| match c {
                'i' | 'j' | 'l' | '\'' => 222,
                'f' | 't' | ' ' | '/' | '.' | ',' => 278,
                'r' | '-' => 333,
                'c' | 'k' | 's' | 'v' | 'x' | 'y' | 'z' | 'J' => 500,
                'm' => 833,
                'w' => 722,
                'a'..='z' | '0'..='9' => 556,
                'M' => 833,
                'W' => 944,
                'I' => 278,
                'A'..='Z' => 722,
                '\u{2026}' => 1000,
                _ => 1000,
            })
            .sum();
        f64::from(thousandths) * f64::from(font) / 1000.0
    }

    fn unescaped(text: &str) -> String {
        text.replace("&#39;", "'")
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    }

    /// Every piece of text in `svg` with where it starts and its size.
    fn texts(svg: &str) -> Vec<(f64, u32, String)> {
        let text = Regex::new(
            r#"<text x="(\d+)" y="\d+" font-family="[^"]*" font-size="(\d+)"[^>]*>(.*?)</text>"#,
        )
        .expect("regex");
        let span = Regex::new(r#"<tspan x="(\d+)"[^>]*>([^<]*)</tspan>"#).expect("regex");
        let title = Regex::new(r"<title>[^<]*</title>").expect("regex");
        let mut found = Vec::new();
        for t in text.captures_iter(svg) {
            let font: u32 = t[2].parse().expect("a size");
            let inside = title.replace_all(&t[3], "");
            let spans: Vec<_> = span.captures_iter(&inside).collect();
            if spans.is_empty() {
                found.push((t[1].parse().expect("x"), font, unescaped(&inside)));
            }
            for s in spans {
                found.push((s[1].parse().expect("x"), font, unescaped(&s[2])));
            }
        }
        found
    }

    #[test]
    fn long_council_names_stay_inside_the_chart() {
        let names = [
            "Basildon Borough Council",
            "London Borough of Barking and Dagenham",
            "Borough Council of King's Lynn and West Norfolk",
            "Supercalifragilisticexpialidocious-upon-Thames",
            "Harlow",
        ];
        let bars: Vec<(String, u32, u32)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.to_string(), 100 + i as u32, 999))
            .collect();
        let svg = chart("Acknowledged", &bars, Measure::Share);
        let width: f64 = Regex::new(r#"<svg [^>]*width="(\d+)""#)
            .expect("regex")
            .captures(&svg)
            .map(|c| c[1].parse().expect("a width"))
            .expect("the chart's width");
        let bars_start: f64 = Regex::new(r#"<rect x="(\d+)""#)
            .expect("regex")
            .captures(&svg)
            .map(|c| c[1].parse().expect("x"))
            .expect("a bar");
        let found = texts(&svg);
        assert!(found.len() > names.len(), "{svg}");
        for (x, font, text) in &found {
            let end = x + arial_width(text, *font);
            assert!(end <= width, "{text:?} ends at {end}, past {width}:\n{svg}");
            // A name's lines end before the bars begin.
            if *x == 0.0 {
                assert!(end < bars_start, "{text:?} runs into the bars:\n{svg}");
            }
        }
        // Names that fit on two lines are whole; one that does not is cut,
        // and whole in its tooltip.
        let shown: String = found
            .iter()
            .filter(|(x, _, _)| *x == 0.0)
            .map(|(_, _, t)| t.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            shown.contains("London Borough of Barking and Dagenham"),
            "{shown}"
        );
        assert!(shown.contains("Basildon Borough Council"), "{shown}");
        assert!(shown.contains("King's Lynn and West\u{2026}"), "{shown}");
        assert!(
            svg.contains("<title>Borough Council of King&#39;s Lynn and West Norfolk</title>"),
            "{svg}"
        );
    }

    /// The widths of a chart's green and red bars, in order.
    fn bar_widths(svg: &str) -> Vec<(u32, u32)> {
        let rect =
            Regex::new(r##"<rect x="\d+" y="\d+" width="(\d+)" height="18" fill="(#[0-9a-f]+)""##)
                .expect("regex");
        let widths: Vec<(u32, String)> = rect
            .captures_iter(svg)
            .map(|c| (c[1].parse().expect("a width"), c[2].to_string()))
            .collect();
        widths
            .chunks(2)
            .map(|pair| (pair[0].0, pair[1].0))
            .collect()
    }

    #[test]
    fn a_deadline_chart_draws_the_share_within_target_and_says_it_in_words() {
        let bars = vec![
            ("Colchester".to_string(), 4, 0),
            ("Harlow".to_string(), 1, 1),
            ("Basildon".to_string(), 30, 10),
            ("Braintree".to_string(), 0, 0),
        ];
        let svg = chart("Acknowledged", &bars, Measure::Share);
        // Each bar is its authority's whole: 4 of 4 fills it, as 30 of 40
        // fills three quarters of it, whatever the counts.
        assert_eq!(
            bar_widths(&svg),
            [(420, 0), (210, 210), (315, 105), (0, 0)],
            "{svg}"
        );
        let words: Vec<String> = texts(&svg).into_iter().map(|(_, _, t)| t).collect();
        for said in [
            "4 of 4 within target (100%)",
            "1 of 2 within target (50%)",
            "30 of 40 within target (75%)",
            "none due yet",
        ] {
            assert!(words.iter().any(|w| w == said), "{said}: {words:?}");
        }
        assert!(!svg.contains(" / "), "{svg}");
        let counts = chart(
            "Escalations",
            &[
                ("Colchester".to_string(), 1, 0),
                ("Harlow".to_string(), 4, 0),
            ],
            Measure::Count("escalation", "escalations"),
        );
        assert_eq!(bar_widths(&counts), [(105, 0), (420, 0)], "{counts}");
        assert!(counts.contains(">1 escalation<") && counts.contains(">4 escalations<"));
    }

    #[test]
    fn chart_text_is_never_smaller_than_twelve_pixels_on_a_phone() {
        let svg = chart(
            "Acknowledged",
            &[("Colchester".to_string(), 3, 1)],
            Measure::Share,
        );
        // Drawn at its own size (width as its viewBox), in a box that
        // scrolls rather than shrinks it.
        let size =
            Regex::new(r#"<svg [^>]*width="(\d+)" height="(\d+)" viewBox="0 0 (\d+) (\d+)""#)
                .expect("regex")
                .captures(&svg)
                .expect("the chart's size");
        assert_eq!(size[1], size[3]);
        assert_eq!(size[2], size[4]);
        assert!(svg.starts_with("<figure class=\"chart\""), "{svg}");
        let sizes = Regex::new(r#"font-size="(\d+)""#).expect("regex");
        for found in sizes.captures_iter(&svg) {
            let px: u32 = found[1].parse().expect("a size");
            assert!(px >= 12, "{px} px:\n{svg}");
        }
        let css = include_str!("style.css");
        assert!(
            css.contains("figure.chart { max-width: 100%; overflow-x: auto; }")
                && css.contains("figure.chart svg { display: block; max-width: none; }"),
            "{css}"
        );
    }

    #[test]
    fn a_quarter_is_named_in_words() {
        let q = |text: &str| text.parse::<Quarter>().expect("a quarter").words();
        assert_eq!(q("2026Q4"), "October to December 2026");
        assert_eq!(q("2027Q1"), "January to March 2027");
    }
}
