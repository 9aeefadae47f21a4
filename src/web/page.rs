//! The HTML around every page: a GOV.UK-like plain layout, one stylesheet
//! served by the binary, no script. Every text from the store or the
//! request goes through [`escape`].

use super::session::{Signed, Viewer};
use super::WebState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use std::sync::Arc;

const STYLESHEET: &str = include_str!("style.css");

/// Text made safe for HTML, attribute values included. Marks that
/// reorder text (a right-to-left override in a name a sender typed) and
/// control characters other than line breaks and tabs are shown as
/// escapes (`\u{202e}`), so that no text shows as other than it is.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c if c.is_control() && !matches!(c, '\n' | '\r' | '\t') => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            other => out.push(other),
        }
    }
    out
}

/// Text from mail (a subject, a sender) made safe for HTML with its
/// control characters and reordering marks shown as escapes (`\u{202e}`),
/// so that none acts on the page or hides what the text says.
pub(crate) fn visible(text: &str) -> String {
    escape(&crate::terminal::printable(text))
}

/// A whole page: `title` (plain text), `body` (HTML), and for someone
/// signed in the pages they may open and the sign-out button (with their
/// CSRF token).
pub(crate) fn page(title: &str, body: &str, signed_in: Option<&Signed>) -> String {
    page_at(None, title, body, signed_in)
}

/// A page reached from the header's navigation: `current` is its address
/// there (`/cases`, `/due`, ...), marked as the page the reader is on.
pub(crate) fn page_at(
    current: Option<&str>,
    title: &str,
    body: &str,
    signed_in: Option<&Signed>,
) -> String {
    let header_end = match signed_in {
        Some(signed) => {
            let pages: &[(&str, &str)] = match signed.viewer {
                Viewer::Officer { .. } => &[
                    ("/cases", "Cases"),
                    ("/due", "Due"),
                    ("/quarantine", "Quarantine"),
                    ("/report", "Report"),
                ],
                Viewer::Coordinator { .. } => &[("/cases", "Counts"), ("/report", "Report")],
            };
            let links: String = pages
                .iter()
                .map(|(href, words)| {
                    let here = if current == Some(*href) {
                        " aria-current=\"page\""
                    } else {
                        ""
                    };
                    format!("<li><a href=\"{href}\"{here}>{words}</a></li>")
                })
                .collect();
            format!(
                "<nav aria-label=\"Pages\"><ul>{links}</ul></nav>\
                 <nav aria-label=\"Account\"><span class=\"who\">{}</span>\
                 <form method=\"post\" action=\"/sign-out\" class=\"inline\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
                 <button type=\"submit\" class=\"link\">Sign out</button> \
                 <button type=\"submit\" class=\"link\" formaction=\"/sign-out/everywhere\">\
                 Sign out everywhere</button></form></nav>",
                escape(signed.viewer.address()),
                escape(&signed.csrf)
            )
        }
        None => String::new(),
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} - Duty to Refer cases</title>\n\
         <link rel=\"stylesheet\" href=\"/style.css\">\n</head>\n<body>\n\
         <a class=\"skip\" href=\"#main\">Skip to main content</a>\n\
         <header><a class=\"service\" href=\"/cases\">Duty to Refer cases</a>{header_end}</header>\n\
         <main id=\"main\">\n<h1>{title}</h1>\n{body}\n</main>\n</body>\n</html>\n",
        title = escape(title),
    )
}

/// A data table in a container of its own that scrolls sideways when the
/// table is wider than the screen, so that the page around it does not;
/// the container can be focused (to scroll it by keyboard) and is named
/// by the table's caption. `head` is the `<thead>`, `rows` the `<tbody>`'s
/// rows (both HTML); `caption` is plain text, hidden unless `shown`.
pub(crate) fn table(caption: &str, shown: bool, head: &str, rows: &str) -> String {
    format!(
        "<div class=\"table-wrap\" role=\"region\" aria-label=\"{c}\" tabindex=\"0\">\
         <table><caption{class}>{c}</caption>{head}<tbody>{rows}</tbody></table></div>",
        c = escape(caption),
        class = if shown {
            ""
        } else {
            " class=\"visually-hidden\""
        },
    )
}

/// A heading (`<h2>`, its text plain) and the data table under it, the
/// table named by the heading (`aria-labelledby`) rather than by a caption
/// that would say the same again to a screen reader. `id` is the
/// heading's, unique on the page; `head` and `rows` as for [`table`].
pub(crate) fn headed_table(id: &str, heading: &str, head: &str, rows: &str) -> String {
    format!(
        "<h2 id=\"{id}\">{h}</h2>\
         <div class=\"table-wrap\" role=\"region\" aria-labelledby=\"{id}\" tabindex=\"0\">\
         <table aria-labelledby=\"{id}\">{head}<tbody>{rows}</tbody></table></div>",
        id = escape(id),
        h = escape(heading),
    )
}

/// One row of a table with column headings: each cell carries its
/// column's heading as `data-label`, which the stylesheet shows above the
/// cell on a narrow screen, where the rows stack and the headings row is
/// hidden. A cell is its opening tag's inside (`td`, `td class="when"`,
/// `th scope="row"`) and its HTML.
pub(crate) fn labelled_row(headings: &[&str], cells: &[(&str, String)]) -> String {
    let mut row = String::from("<tr>");
    for (i, (open, html)) in cells.iter().enumerate() {
        let name = open.split_whitespace().next().unwrap_or("td");
        match headings.get(i) {
            Some(label) => row.push_str(&format!(
                "<{open} data-label=\"{}\">{html}</{name}>",
                escape(label)
            )),
            None => row.push_str(&format!("<{open}>{html}</{name}>")),
        }
    }
    row.push_str("</tr>");
    row
}

/// A table's header row of column headings (plain text).
pub(crate) fn column_heads(headings: &[&str]) -> String {
    let cells: String = headings
        .iter()
        .map(|h| format!("<th scope=\"col\">{}</th>", escape(h)))
        .collect();
    format!("<thead><tr>{cells}</tr></thead>")
}

/// A page with a status.
pub(crate) fn answer(status: StatusCode, html: String) -> Response {
    (status, Html(html)).into_response()
}

pub(crate) async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// What every unknown address, and every case the reader may not see,
/// answers; to someone signed in, with the header's pages and sign-out.
pub(crate) fn not_found_page(signed_in: Option<&Signed>) -> Response {
    answer(
        StatusCode::NOT_FOUND,
        page(
            "Page not found",
            "<p>There is nothing at this address that you can see.</p>\
             <p><a href=\"/cases\">Your cases</a></p>",
            signed_in,
        ),
    )
}

pub(crate) async fn not_found(State(state): State<Arc<WebState>>, headers: HeaderMap) -> Response {
    // A store that fails here only loses the header's links.
    let signed = super::session::signed_in(&state, &headers)
        .await
        .ok()
        .flatten();
    not_found_page(signed.as_ref())
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn a_name_typed_with_a_reordering_mark_shows_as_typed() {
        // `Ma<RLO>rkcsh` would read `Mahsckr` on the page.
        assert_eq!(escape("Ma\u{202e}rkcsh"), "Ma\\u{202e}rkcsh");
        assert_eq!(escape("a\u{2067}b\u{1b}c"), "a\\u{2067}b\\u{1b}c");
        assert_eq!(
            escape("<b>\"O'Brien\"\nline two"),
            "&lt;b&gt;&quot;O&#39;Brien&quot;\nline two"
        );
    }
}
