//! The plain-text part of a mail, wrapped for people: a line longer than
//! [`MAX_COLUMNS`] is broken at spaces to lines of at most [`WIDTH`]
//! characters. Words are never broken, so a link, a case reference or an
//! address stays whole (on a line of its own when it is longer than the
//! width). A continued line keeps the line's indentation, its quote marks
//! (`> `) and the width of its list marker (`- `, `1. `), so that quoted
//! text and lists still read as such. Applied after the templates render,
//! to the plain text only: what a value says is never read again.

/// The width wrapped lines keep to.
pub const WIDTH: usize = 76;

/// Lines up to this long are left as they are.
pub const MAX_COLUMNS: usize = 78;

/// `text` with every line longer than [`MAX_COLUMNS`] wrapped.
pub fn wrap_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 32);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let (line, cr) = match line.strip_suffix('\r') {
            Some(l) => (l, "\r"),
            None => (line, ""),
        };
        if line.chars().count() <= MAX_COLUMNS {
            out.push_str(line);
        } else {
            out.push_str(&wrap_line(line, cr));
        }
        out.push_str(cr);
    }
    out
}

/// The prefix a continued line repeats (quote marks, indentation) and the
/// width its first line's marker takes.
fn prefix_of(line: &str) -> (usize, String, usize) {
    let mut quote_end = 0;
    for (i, c) in line.char_indices() {
        match c {
            '>' | ' ' | '\t' => quote_end = i + c.len_utf8(),
            _ => break,
        }
    }
    let quote = &line[..quote_end];
    // Indentation only counts past the last quote mark.
    let rest = &line[quote_end..];
    let marker = match list_marker(rest) {
        0 => match column_gap(rest) {
            0 => label_indent(rest),
            gap => gap,
        },
        marker => marker,
    };
    let repeated = if quote.contains('>') {
        quote.to_string()
    } else {
        quote.replace('\t', "    ")
    };
    (quote_end, repeated, marker)
}

/// Where a line laid out in columns (`DTR-COL-2026-00001  A deadline`,
/// `Address:  kim@...`) has its second column: its first word, then two
/// spaces or more. Continued lines align under it.
fn column_gap(text: &str) -> usize {
    let Some(word_end) = text.find(' ') else {
        return 0;
    };
    let after = &text[word_end..];
    let spaces = after.len() - after.trim_start_matches(' ').len();
    let column = text[..word_end].chars().count() + spaces;
    if spaces >= 2 && column <= 30 {
        column
    } else {
        0
    }
}

/// A `Label: value` line with one space after the colon (the authority
/// notice's form lines): its continued lines are indented, so that a value
/// can never start a line that reads as a label of its own.
fn label_indent(text: &str) -> usize {
    let Some(colon) = text.find(": ") else {
        return 0;
    };
    // Only the form's own labels: a sentence such as `Please give: ...`
    // wraps as a paragraph.
    let label = &text[..colon];
    let is_label = crate::core::field::Field::from_label(label).is_some();
    if is_label {
        4
    } else {
        0
    }
}

/// The width of a list marker at the start of `text`: `- `, `* `, `• `,
/// `1. `, `a) `; 0 when there is none.
fn list_marker(text: &str) -> usize {
    for bullet in ["- ", "* ", "\u{2022} "] {
        if text.starts_with(bullet) {
            return 2;
        }
    }
    let end = text
        .char_indices()
        .find(|(_, c)| !c.is_ascii_alphanumeric())
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    let after = &text[end..];
    if (1..=3).contains(&end) && (after.starts_with(". ") || after.starts_with(") ")) {
        end + 2
    } else {
        0
    }
}

fn wrap_line(line: &str, cr: &str) -> String {
    let (prefix_len, prefix, marker) = prefix_of(line);
    let continued = format!("{prefix}{}", " ".repeat(marker));
    let body = &line[prefix_len..];
    let mut lines: Vec<String> = Vec::new();
    let mut current = line[..prefix_len].to_string();
    let mut current_width = current.chars().count();
    let mut has_word = false;
    // Words as written, with the spaces before each kept (aligned columns
    // such as `Address:  x` stay aligned on the first line); a date's day,
    // month and year kept together.
    for (gap, word) in dates_whole(body, words(body)) {
        let word_width = word.chars().count();
        let gap_width = gap.chars().count();
        if has_word && current_width + gap_width + word_width > WIDTH {
            lines.push(std::mem::take(&mut current));
            current = continued.clone();
            current_width = current.chars().count();
            current.push_str(word);
            current_width += word_width;
        } else {
            current.push_str(gap);
            current.push_str(word);
            current_width += gap_width + word_width;
        }
        has_word = true;
    }
    lines.push(current);
    lines.join(&format!("{cr}\n"))
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn is_month(word: &str) -> bool {
    let word = word
        .trim_end_matches([',', '.', ':', ';', ')'])
        .to_ascii_lowercase();
    word.len() >= 3
        && MONTHS.iter().any(|m| word.starts_with(m))
        && word.chars().all(|c| c.is_ascii_alphabetic())
}

fn is_day(word: &str) -> bool {
    let word = word.trim_start_matches('(');
    (1..=2).contains(&word.len()) && word.chars().all(|c| c.is_ascii_digit())
}

fn is_year(word: &str) -> bool {
    let digits: String = word.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.len() == 4
}

/// The words with `6 Dec 2026` (and `6 December`, `December 2026`) each
/// taken as one, so that a date is never split across lines.
fn dates_whole<'a>(line: &'a str, words: Vec<(&'a str, &'a str)>) -> Vec<(&'a str, &'a str)> {
    let base = line.as_ptr() as usize;
    let mut out: Vec<(&'a str, &'a str)> = Vec::with_capacity(words.len());
    for (gap, word) in words {
        let joins = out.last().is_some_and(|(_, last): &(&str, &str)| {
            let last_word = last.rsplit(' ').next().unwrap_or(last);
            gap == " "
                && ((is_day(last_word) && is_month(word)) || (is_month(last_word) && is_year(word)))
        });
        if joins {
            if let Some((_, last)) = out.last_mut() {
                // Both are slices of `line`: the joined word is the span
                // from the start of the one to the end of the other.
                let start = last.as_ptr() as usize - base;
                let end = word.as_ptr() as usize - base + word.len();
                *last = &line[start..end];
            }
        } else {
            out.push((gap, word));
        }
    }
    out
}

/// The words of a line, each with the run of spaces before it.
fn words(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let gap_end = rest.find(|c: char| c != ' ').unwrap_or(rest.len());
        let (gap, after) = rest.split_at(gap_end);
        if after.is_empty() {
            break;
        }
        let word_end = after.find(' ').unwrap_or(after.len());
        let (word, next) = after.split_at(word_end);
        out.push((gap, word));
        rest = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn longest(text: &str) -> usize {
        text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
    }

    #[test]
    fn a_long_sentence_wraps_between_72_and_78_columns() {
        let text = "Colchester City Council has received the Duty to Refer referral you sent on Monday 23 November 2026 at 10:02, and it has been given the reference DTR-COL-2026-00042, which please quote.";
        let wrapped = wrap_text(text);
        assert!(longest(&wrapped) <= MAX_COLUMNS, "{wrapped}");
        assert!(
            wrapped
                .lines()
                .next()
                .is_some_and(|l| l.chars().count() >= 70),
            "{wrapped}"
        );
        assert_eq!(
            wrapped.split_whitespace().collect::<Vec<_>>(),
            text.split_whitespace().collect::<Vec<_>>()
        );
        assert!(wrapped.contains("DTR-COL-2026-00042"));
    }

    #[test]
    fn links_references_and_addresses_are_never_broken() {
        let url = "https://www.gov.uk/government/publications/homelessness-code-of-guidance-for-local-authorities/chapter-4";
        let text = format!("Read the guidance at {url} before you answer jo.probation@justice.gov.uk about DTR-COL-2026-00001.");
        let wrapped = wrap_text(&text);
        assert!(wrapped.lines().any(|l| l.trim() == url), "{wrapped}");
        assert!(wrapped.contains("jo.probation@justice.gov.uk"));
        assert!(wrapped.contains("DTR-COL-2026-00001."));
    }

    #[test]
    fn quoted_indented_and_listed_lines_keep_their_shape() {
        let quoted = "> The referrer wrote a long paragraph that goes on and on past the width that mail should keep to.";
        let wrapped = wrap_text(quoted);
        assert!(wrapped.lines().count() > 1);
        assert!(wrapped.lines().all(|l| l.starts_with("> ")), "{wrapped}");

        let listed = "  - Acknowledge receipt of the referral within three working days of receiving it, by Thursday 26 November 2026";
        let wrapped = wrap_text(listed);
        let lines: Vec<&str> = wrapped.lines().collect();
        assert!(lines[0].starts_with("  - "));
        assert!(
            lines[1..]
                .iter()
                .all(|l| l.starts_with("    ") && !l.starts_with("     ")),
            "{wrapped}"
        );

        let columns = "  DTR-COL-2026-00038  A substantive response naming the authority's lead officer (commitment 10), due Wed 2 Dec 2026";
        let wrapped = wrap_text(columns);
        assert!(
            wrapped
                .lines()
                .nth(1)
                .is_some_and(|l| l.starts_with(&" ".repeat(22)) && !l.starts_with(&" ".repeat(23))),
            "{wrapped}"
        );

        let bullet = "\u{2022} A bullet as a word processor writes it, long enough to go past the width of a line.";
        let wrapped = wrap_text(bullet);
        assert!(
            wrapped
                .lines()
                .nth(1)
                .is_some_and(|l| l.starts_with("  ") && !l.starts_with("   ")),
            "{wrapped}"
        );

        let numbered = "1. Please send the completed form back to this address, keeping the reference in the subject line.";
        let wrapped = wrap_text(numbered);
        assert!(
            wrapped
                .lines()
                .nth(1)
                .is_some_and(|l| l.starts_with("   ") && !l.starts_with("    ")),
            "{wrapped}"
        );
    }

    #[test]
    fn short_lines_and_line_endings_are_left_alone() {
        let text = "Dear colleagues,\r\n\r\nAddress:  kim@justice.gov.uk\r\n";
        assert_eq!(wrap_text(text), text);
        let long = format!("{}\r\nnext", "word ".repeat(30).trim_end());
        let wrapped = wrap_text(&long);
        assert!(wrapped.lines().all(|l| !l.contains('\n')));
        assert!(
            wrapped
                .split('\n')
                .filter(|l| !l.is_empty())
                .all(|l| l.ends_with('\r') || l == "next"),
            "{wrapped:?}"
        );
    }

    #[test]
    fn a_continued_label_line_is_indented_and_dates_stay_whole() {
        let line = "Current accommodation: Sofa surfing with friends in Greenstead, Colchester Consent to referral: NO (withdrawn 01/12/2026, do not contact) Risk to others: MAPPA Level 3";
        let wrapped = wrap_text(line);
        assert!(wrapped.lines().count() > 1, "{wrapped}");
        for continued in wrapped.lines().skip(1) {
            assert!(continued.starts_with("    "), "{wrapped}");
        }
        let digest = "  DTR-COL-2026-00001  jo.probation@justice.gov.uk: the acknowledgement, 6 Dec 2026 10:05: the receiving server refused it";
        for width in 0..30 {
            let text = format!("{}{digest}", "x ".repeat(width));
            let wrapped = wrap_text(&text);
            assert!(wrapped.contains("6 Dec 2026"), "{wrapped}");
        }
    }
}
