//! Text from mail on a terminal. A sender writes what they like into a
//! name, a subject or an address, and the CLI prints it to an operator:
//! escape sequences (`ESC [ 2 J` clears the screen, others set the window's
//! title or, on some terminals, answer back), the 8-bit C1 controls that
//! some terminals read the same way, and the bidirectional controls that
//! show text in another order than it is written (U+202E makes
//! `evil\u{202e}fdp.exe` read as `evilexe.pdf`). Every character of those
//! kinds is shown escaped, as `\u{1b}`, so that output shows what the mail
//! says and does nothing else.

use std::borrow::Cow;

/// Whether a character may act on a terminal or reorder what is shown,
/// rather than be shown: the C0 controls (line breaks and tabs included),
/// DEL, the C1 controls, the bidirectional marks, embeddings, overrides
/// and isolates, and the Unicode line and paragraph separators.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// The text with every [unsafe](is_unsafe) character escaped (`\n`, `\r`,
/// `\t`, else `\u{1b}`), so that it stays on one line; line breaks are kept
/// when `keep_lines` is set, for text that has lines by design. What every
/// command prints of stored or received text goes through this.
pub fn printable_text(text: &str, keep_lines: bool) -> Cow<'_, str> {
    let escaped = |c: char| is_unsafe(c) && !(keep_lines && c == '\n');
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if !escaped(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
        }
    }
    Cow::Owned(out)
}

/// One line of text, escaped: see [`printable_text`].
pub fn printable(text: &str) -> Cow<'_, str> {
    printable_text(text, false)
}

/// Text of several lines, escaped but for its line breaks: see
/// [`printable_text`].
pub fn printable_lines(text: &str) -> Cow<'_, str> {
    printable_text(text, true)
}

/// JSON text with the [unsafe](is_unsafe) characters left in its strings
/// (serde_json escapes C0 controls, not C1 nor bidirectional ones) written
/// as JSON escapes (`\u202e`): the same JSON to a reader, plain on a
/// terminal.
pub fn printable_json(json: &str) -> Cow<'_, str> {
    if !json.chars().any(|c| is_unsafe(c) && c != '\n') {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_unsafe(c) && c != '\n' {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_reordering_marks_are_shown_escaped() {
        assert_eq!(printable("Sam Evans"), "Sam Evans");
        assert!(matches!(printable("Sam Evans"), Cow::Borrowed(_)));
        assert_eq!(
            printable("a\u{1b}[2Jb\u{7}c\u{7f}d\u{9b}31me"),
            "a\\u{1b}[2Jb\\u{7}c\\u{7f}d\\u{9b}31me"
        );
        assert_eq!(
            printable("evil\u{202e}fdp.exe \u{2066}x\u{2069}"),
            "evil\\u{202e}fdp.exe \\u{2066}x\\u{2069}"
        );
        assert_eq!(printable("one\ntwo\r\tthree"), "one\\ntwo\\r\\tthree");
        assert_eq!(printable_lines("one\ntwo\r\u{1b}"), "one\ntwo\\r\\u{1b}");
        // Letters of every script stay as they are.
        assert_eq!(
            printable("Zoë Ł. Ωμέγα عربي 名前"),
            "Zoë Ł. Ωμέγα عربي 名前"
        );
    }

    #[test]
    fn json_keeps_its_meaning() {
        let value = serde_json::json!({ "name": "a\u{1b}b\u{9b}c\u{202e}d\u{2028}" });
        let text = serde_json::to_string_pretty(&value).expect("json");
        let shown = printable_json(&text);
        assert!(!shown.chars().any(|c| is_unsafe(c) && c != '\n'), "{shown}");
        let read: serde_json::Value = serde_json::from_str(&shown).expect("still JSON");
        assert_eq!(read, value);
    }
}
