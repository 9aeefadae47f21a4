//! Answers given against the options a form offers: a grid of option
//! columns, options on lines or table rows of their own under the
//! question, and the options left in with the answer typed beside them.
//! The form reader asks these before reading an answer's tick boxes.

use super::field::ValueKind;
use super::form::UNREADABLE;
use super::form::{is_space, CELL_SEPARATOR, VALUE_CELL_SEPARATOR};
use super::tick::{has_boxes, read_ticks, Ticks};

/// A table row that heads a grid of options: no label in its first cell
/// (empty, or a word such as `Question`), then two or more short options
/// with no box among them (`| | Yes | No |`, `| Please tick | Remand |
/// Sentenced | ... |`). Its cells after the first.
pub(super) fn grid_header(line: &str) -> Option<Vec<&str>> {
    // An empty first cell leaves the line starting with the separator.
    let (_, right) = line.split_once(CELL_SEPARATOR)?;
    let cells: Vec<&str> = right
        .split([VALUE_CELL_SEPARATOR, CELL_SEPARATOR])
        .map(str::trim)
        .collect();
    let first_option = cells.iter().position(|c| !c.is_empty())?;
    let options = &cells[first_option..];
    let short = |c: &&str| {
        !c.is_empty()
            && c.chars().count() <= 30
            && c.split_whitespace().count() <= 3
            && !has_boxes(c)
    };
    (options.len() >= 2 && options.iter().all(short)).then_some(cells)
}

/// A grid row's marks written beside the options they stand under
/// (`Yes<US>X<US>No<US>`), for the tick-box reader: only for a yes/no or
/// fixed-choice question whose cells hold marks or nothing, at least one
/// of them a mark, and line up with the header's options.
pub(super) fn under_grid(
    kind: ValueKind,
    header: &[&str],
    before: usize,
    value: &str,
) -> Option<String> {
    if !matches!(kind, ValueKind::Boolean | ValueKind::Choice) {
        return None;
    }
    let cells: Vec<&str> = value
        .split([VALUE_CELL_SEPARATOR, CELL_SEPARATOR])
        .map(str::trim)
        .collect();
    // Column by column from the left, as a browser or Word lays them out:
    // `before` cells (the label, a question number) stand before the
    // answer's, under the header's first cell and those after it; a row
    // may end early.
    let first = before.checked_sub(1)?;
    let options = header.get(first..first + cells.len())?;
    if options.iter().any(|c| c.is_empty()) {
        return None;
    }
    let is_mark = |cell: &str| match read_ticks(cell) {
        Ticks::Ticked(beside) => beside.is_empty(),
        Ticks::NoneTicked => true,
        _ => false,
    };
    if !cells.iter().all(|c| c.is_empty() || is_mark(c)) || cells.iter().all(|c| c.is_empty()) {
        return None;
    }
    let mut row = String::new();
    for (option, mark) in options.iter().zip(&cells) {
        for piece in [*option, *mark] {
            if !row.is_empty() {
                row.push(VALUE_CELL_SEPARATOR);
            }
            row.push_str(piece);
        }
    }
    Some(row)
}

/// How many blank lines may stand between two options on lines of their
/// own: an empty paragraph between two (Outlook's `<p>&nbsp;</p>`) reads
/// as three.
const BLANKS_BETWEEN_OPTIONS: usize = 3;

/// The options of a yes/no or fixed-choice question each on its own line
/// below it (`Yes` / `No X`, `☐ remand` / `☒ sentenced`, `Yes:` / `No: X`,
/// `Y` / `N X`, `- Yes` / `- No X`, `No (ticked)`), with a third option
/// between or after them (`Don't know`, `N/A`), blank lines between them
/// (Outlook's paragraphs, an empty one among them): two or more such lines
/// from `from`, read as one answer with the options set apart, and the
/// line after them.
pub(super) fn options_on_lines(
    kind: ValueKind,
    lines: &[&str],
    from: usize,
) -> Option<(String, usize)> {
    if !matches!(kind, ValueKind::Boolean | ValueKind::Choice) {
        return None;
    }
    let mut options: Vec<String> = Vec::new();
    let mut next = from;
    let mut at = from;
    while options.len() < 8 {
        if !options.is_empty() {
            // Blank lines between two options; none after the last.
            let blanks = lines[at.min(lines.len())..]
                .iter()
                .take(BLANKS_BETWEEN_OPTIONS + 1)
                .take_while(|l| l.trim_matches(is_space).is_empty())
                .count();
            if blanks > BLANKS_BETWEEN_OPTIONS {
                break;
            }
            at += blanks;
        }
        let Some(line) = lines.get(at) else { break };
        let Some(option) = option_line(kind, line) else {
            break;
        };
        options.push(option);
        at += 1;
        next = at;
    }
    if options.len() < 2 {
        return None;
    }
    // Each line's mark belongs to its own option (`No     X`); written
    // again as boxes before their options for the tick-box reader.
    let mut answer = Vec::new();
    let mut any_mark = false;
    for line in &options {
        match read_ticks(line) {
            Ticks::NoBoxes => answer.push(format!("☐ {line}")),
            Ticks::NoneTicked => answer.push(format!("☐ {}", without_boxes(line))),
            Ticks::Ticked(option) if option.len() == 1 => {
                any_mark = true;
                answer.push(format!("☒ {}", option[0]));
            }
            // A line whose mark cannot be read makes the answer unclear.
            _ => return Some((line.clone(), next)),
        }
    }
    let options = if any_mark {
        answer.join(" ")
    } else {
        // Options with no mark at all: as the form offered them.
        options.join(" / ")
    };
    Some((options, next))
}

/// One option on a line of its own, as the tick-box reader takes it: the
/// option with its mark, without a list's bullet (`- No X`) or the colon
/// after the option (`No: X`), a mark said in words written as an `X`
/// (`No - ticked`, `No (selected)`); `None` when the line is no option.
fn option_line(kind: ValueKind, line: &str) -> Option<String> {
    let line = line.trim_matches(is_space);
    let line = match line.strip_prefix(['-', '*', '•', '–']) {
        Some(rest) if rest.starts_with(is_space) => rest.trim_start_matches(is_space),
        _ => line,
    };
    let marked_in_words = marked_in_words(line).map(|option| format!("{option} X"));
    let line = marked_in_words.as_deref().unwrap_or(line);
    let line = match line.split_once(':') {
        // `No: X`: the colon after the option's one word, nothing after it
        // but the mark.
        Some((head, tail))
            if kind == ValueKind::Boolean
                && head.split_whitespace().count() == 1
                && !tail.contains(':') =>
        {
            format!("{} {}", head.trim(), tail.trim())
                .trim_end()
                .to_string()
        }
        Some(_) => return None,
        None => line.to_string(),
    };
    let short =
        !line.is_empty() && line.chars().count() <= 40 && line.split_whitespace().count() <= 4;
    let fits = short
        && match kind {
            // Only the two options, each with or without its mark.
            ValueKind::Boolean => {
                let words: Vec<String> = line
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty() && !w.eq_ignore_ascii_case("x"))
                    .map(str::to_lowercase)
                    .collect();
                match words.as_slice() {
                    [w] => matches!(w.as_str(), "yes" | "no" | "y" | "n" | "unknown" | "unsure"),
                    // The third option some forms offer.
                    [a, b] => matches!(
                        (a.as_str(), b.as_str()),
                        ("n", "a") | ("dont", "know") | ("not", "known" | "sure" | "asked")
                    ),
                    [a, b, c] => {
                        matches!((a.as_str(), b.as_str(), c.as_str()), ("don", "t", "know"))
                    }
                    _ => false,
                }
            }
            // A box with each option.
            _ => has_boxes(&line),
        };
    fits.then_some(line)
}

/// The option of a line that says in words that it is the one marked:
/// `No - ticked`, `No (ticked)`, `No (selected)`, `Yes: chosen`.
fn marked_in_words(line: &str) -> Option<&str> {
    let body = line.trim_end_matches([')', ']', ' ']);
    let word_from = body
        .char_indices()
        .rev()
        .find(|(_, c)| !c.is_alphabetic())
        .map_or(0, |(at, c)| at + c.len_utf8());
    let word = &body[word_from..];
    if !["ticked", "selected", "chosen", "checked", "marked"]
        .iter()
        .any(|marked| word.eq_ignore_ascii_case(marked))
    {
        return None;
    }
    let option = body[..word_from].trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, '(' | '[' | '-' | ':' | '\u{2013}')
    });
    (!option.is_empty()).then_some(option)
}

/// An option's text without the empty boxes around it.
pub(super) fn without_boxes(line: &str) -> String {
    line.split_whitespace()
        .filter(|w| !matches!(*w, "☐" | "□" | "[" | "]" | "[]" | "()" | "¨"))
        .collect::<Vec<_>>()
        .join(" ")
        .trim_matches(|c: char| matches!(c, '[' | ']' | '(' | ')') || c.is_whitespace())
        .to_string()
}

/// A yes/no question whose label cell spans two rows, one option with its
/// box in each: `Consent | Yes | ` then `No | X` (or ` | No | X`). The
/// two rows as one answer, and the line after them.
pub(super) fn options_in_rows(
    kind: ValueKind,
    value: &str,
    lines: &[&str],
    next: usize,
) -> Option<(String, usize)> {
    if kind != ValueKind::Boolean {
        return None;
    }
    let cells = |text: &str| -> Vec<String> {
        text.split([VALUE_CELL_SEPARATOR, CELL_SEPARATOR])
            .map(|c| c.trim_matches(is_space).to_string())
            .collect()
    };
    let option_and_box = |cells: &[String]| -> Option<String> {
        match cells {
            [option, mark]
                if (option.eq_ignore_ascii_case("yes") || option.eq_ignore_ascii_case("no"))
                    && (mark.is_empty() || has_boxes(mark)) =>
            {
                Some(option.to_lowercase())
            }
            _ => None,
        }
    };
    let first = cells(value);
    let first_option = option_and_box(&first)?;
    let mut at = next;
    while lines.get(at).is_some_and(|l| l.trim().is_empty()) {
        at += 1;
    }
    let row = lines.get(at)?;
    if !row.contains(CELL_SEPARATOR) {
        return None;
    }
    let mut second = cells(row);
    // The spanned label's place left empty.
    while second.len() > 2 && second.first().is_some_and(String::is_empty) {
        second.remove(0);
    }
    let second_option = option_and_box(&second)?;
    if first_option == second_option {
        return None;
    }
    let joined = [&first[..], &second[..]]
        .concat()
        .join(&VALUE_CELL_SEPARATOR.to_string());
    Some((joined, at + 1))
}

/// A mark that is a cross rather than a tick or a filled box.
pub(super) fn is_cross(raw: &str) -> bool {
    let mark = raw.trim().trim_end_matches('\u{fe0f}');
    matches!(mark, "x" | "X" | "✗" | "✘" | "ý")
        || mark
            .chars()
            .next()
            .is_some_and(|c| mark.len() == c.len_utf8() && super::tick::CROSSES.contains(&c))
}

/// The form's options left in, with the answer typed after them:
/// `[Yes / No] No`, `Yes/No: No`, `Yes or No - No`, `[remand / sentenced /
/// community / released] sentenced`. The answer is what follows; the
/// options alone are left as they are (and read as no answer).
pub(super) fn after_offered_options(kind: ValueKind, raw: &str) -> &str {
    let text = raw.trim_start_matches(is_space);
    let rest = offered_in_brackets(kind, text).or_else(|| {
        (kind == ValueKind::Boolean)
            .then(|| offered_yes_no(text))
            .flatten()
    });
    let Some(rest) = rest else {
        return before_offered_options(kind, raw);
    };
    let answer = rest.trim_start_matches(|c: char| {
        is_space(c) || matches!(c, ':' | '-' | '–' | '—' | '=' | '>' | ',' | ';')
    });
    if answer.trim_matches(is_space).is_empty() {
        raw
    } else {
        answer
    }
}

/// `No [Yes / No]`: the answer typed before the options left in.
pub(super) fn before_offered_options(kind: ValueKind, raw: &str) -> &str {
    let text = raw.trim_end_matches(is_space);
    let Some(open) = text.rfind(['[', '(']) else {
        return raw;
    };
    let before = text[..open].trim_end_matches(is_space);
    let closes = text.ends_with([']', ')']);
    if before.is_empty() || !closes || offered_in_brackets(kind, &text[open..]).is_none() {
        return raw;
    }
    before
}

/// `[a / b / c]` or `(a or b)` at the start: what follows it. Options
/// are a word or a few each, and a Yes or No question's are yes and no: a
/// note in brackets (`Yes (no, he refused)`, `Yes (mum agrees, he has
/// not)`) is no list of options, and stays with the answer.
pub(super) fn offered_in_brackets(kind: ValueKind, text: &str) -> Option<&str> {
    let close = match text.as_bytes().first()? {
        b'[' => ']',
        b'(' => ')',
        _ => return None,
    };
    let end = text
        .get(..120.min(text.len()))
        .unwrap_or(text)
        .find(close)?;
    let inner = &text[1..end].to_lowercase();
    let options: Vec<&str> = inner
        .split(['/', '|', ','])
        .flat_map(|part| part.split(" or "))
        .filter(|part| part.chars().any(char::is_alphabetic))
        .map(str::trim)
        .collect();
    let an_option = |option: &&str| {
        let words = option.split_whitespace().count();
        if kind == ValueKind::Boolean {
            matches!(
                *option,
                "yes" | "no" | "y" | "n" | "true" | "false" | "n/a" | "na"
            )
        } else {
            words <= 3
        }
    };
    (options.len() >= 2 && options.iter().all(an_option)).then(|| &text[end + 1..])
}

/// `Yes / No`, `Yes/No`, `Yes or No`, `Y/N` at the start: what follows.
pub(super) fn offered_yes_no(text: &str) -> Option<&str> {
    let word = |text: &str| {
        let end = text
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(text.len());
        (text[..end].to_lowercase(), end)
    };
    let (first, at) = word(text);
    let after_first = text[at..].trim_start();
    let after_separator = if let Some(rest) = after_first.strip_prefix('/') {
        rest
    } else {
        let (or, len) = word(after_first);
        if or != "or" {
            return None;
        }
        &after_first[len..]
    }
    .trim_start();
    let (second, len) = word(after_separator);
    let pair = matches!(
        (first.as_str(), second.as_str()),
        ("yes", "no") | ("no", "yes") | ("y", "n") | ("n", "y")
    );
    pair.then(|| &after_separator[len..])
}

/// Where a piece of text stands across its line, in whatever unit the
/// line was laid out in (characters of plain text, points of a page):
/// from its first character's left edge to its last's right.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Span {
    pub left: f32,
    pub right: f32,
}

impl Span {
    /// How far `other` stands from this span: nothing when they overlap.
    fn distance(self, other: Span) -> f32 {
        (other.left - self.right)
            .max(self.left - other.right)
            .max(0.0)
    }
}

/// Marks written on the line under the options they answer (`Yes     No`
/// over `        X`), each given to the option it stands under by where it
/// stands: overlapping it, or nearer to it than `character` (one
/// character's width), and nearer to it than to any other by at least
/// that much again. Whether each option is marked; `None` when a mark
/// stands under no one option so clearly, which is never guessed.
pub fn marks_under(options: &[Span], marks: &[Span], character: f32) -> Option<Vec<bool>> {
    let mut marked = vec![false; options.len()];
    for mark in marks {
        let mut distances: Vec<(usize, f32)> = options
            .iter()
            .enumerate()
            .map(|(at, option)| (at, option.distance(*mark)))
            .collect();
        distances.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (nearest, distance) = *distances.first()?;
        let clear_of_others = distances
            .get(1)
            .is_none_or(|(_, next)| *next - distance >= character);
        if distance > character || !clear_of_others {
            return None;
        }
        marked[nearest] = true;
    }
    Some(marked)
}

/// A yes/no or fixed-choice question's options written on its label's
/// line with no mark (`Consent given:  Yes     No`, `value` the part
/// after the label, starting `value_at` characters into `line`) and the
/// marks on the line under them (`below`): the answer as boxes before
/// their options (`☐ Yes ☒ No`), each mark the option's it stands under;
/// unreadable when a mark stands under none clearly, or the lines hold a
/// tab (which moves text by tab stops the text does not give). `None`
/// when the lines are not such options and marks.
pub(super) fn marks_below_options(
    kind: ValueKind,
    value: &str,
    value_at: usize,
    line: &str,
    below: &str,
) -> Option<String> {
    if !matches!(kind, ValueKind::Boolean | ValueKind::Choice) {
        return None;
    }
    let marks = mark_spans(below)?;
    let options = option_spans(kind, value, value_at)?;
    if line.contains('\t') || below.contains('\t') {
        return Some(UNREADABLE.to_string());
    }
    let spans: Vec<Span> = options.iter().map(|(_, span)| *span).collect();
    let Some(marked) = marks_under(&spans, &marks, 1.0) else {
        return Some(UNREADABLE.to_string());
    };
    let boxes: Vec<String> = options
        .iter()
        .zip(marked)
        .map(|((option, _), ticked)| format!("{} {option}", if ticked { '☒' } else { '☐' }))
        .collect();
    Some(boxes.join(" "))
}

/// A line holding marks and nothing else (`        X`, `✓`): where each
/// stands, in characters.
fn mark_spans(line: &str) -> Option<Vec<Span>> {
    let mut spans = Vec::new();
    for (at, word) in words_at(line) {
        if read_ticks(word) != Ticks::Ticked(Vec::new()) {
            return None;
        }
        spans.push(Span {
            left: at as f32,
            right: (at + word.chars().count()) as f32,
        });
    }
    (!spans.is_empty()).then_some(spans)
}

/// A question's options offered with no box or mark (`Yes     No`, `Yes /
/// No`, `remand   sentenced   released`), each with where it stands in
/// its line (`value_at` characters before `value`): two or more, a yes/no
/// question's each a yes or a no, a choice's set apart by wide gaps or
/// slashes.
fn option_spans(kind: ValueKind, value: &str, value_at: usize) -> Option<Vec<(String, Span)>> {
    if has_boxes(value) {
        return None;
    }
    let mut options: Vec<(String, Span)> = Vec::new();
    let mut current: Option<(String, Span)> = None;
    for (at, word) in words_at(value) {
        let at = value_at + at;
        let word_span = Span {
            left: at as f32,
            right: (at + word.chars().count()) as f32,
        };
        let slash = matches!(word, "/" | "|");
        // A choice's option may be words apart by single spaces (`special
        // circumstances`); a yes/no question's are one word each.
        let joins = current.as_ref().is_some_and(|(_, span)| {
            kind != ValueKind::Boolean && !slash && word_span.left - span.right < 2.0
        });
        match current.as_mut() {
            Some((text, span)) if joins => {
                text.push(' ');
                text.push_str(word);
                span.right = word_span.right;
            }
            _ => {
                options.extend(current.take());
                if !slash {
                    current = Some((word.to_string(), word_span));
                }
            }
        }
    }
    options.extend(current);
    let fits = match kind {
        ValueKind::Boolean => options
            .iter()
            .all(|(option, _)| matches!(option.to_lowercase().as_str(), "yes" | "no" | "y" | "n")),
        _ => options
            .iter()
            .all(|(option, _)| option.split_whitespace().count() <= 3),
    };
    (options.len() >= 2 && fits).then_some(options)
}

/// The words of a line, each with the character it starts at.
fn words_at(line: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start: Option<(usize, usize)> = None;
    let mut words = Vec::new();
    for (column, (byte, c)) in line.char_indices().enumerate() {
        if c.is_whitespace() {
            if let Some((at, from)) = start.take() {
                words.push((at, &line[from..byte]));
            }
        } else if start.is_none() {
            start = Some((column, byte));
        }
    }
    if let Some((at, from)) = start {
        words.push((at, &line[from..]));
    }
    words.into_iter()
}
