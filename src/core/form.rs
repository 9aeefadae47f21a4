//! Reads the referral form out of a message's text: which labels are there
//! and the raw text given for each. Typing and validation live in `referral`.

use super::address::EmailAddress;
use super::field::{longest_label_len, Field, Label, NamePart, ShortKey, ValueKind};
use super::tick::{read_ticks, Ticks};
use std::cell::OnceCell;
use std::collections::BTreeMap;

/// What the text of one rendering of a message says.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FormReading {
    /// The `DUTY TO REFER REFERRAL` heading was present.
    pub heading: bool,
    /// Raw values, first occurrence of each label only, placeholders removed.
    pub values: BTreeMap<Field, String>,
    /// Labels seen, with or without a value.
    pub labels: usize,
    /// A later answer to a label the form answered before, when its text
    /// differs from the first (the first of such answers per field): the
    /// form saying two things, which the reading must not settle by
    /// keeping either silently.
    pub again: BTreeMap<Field, String>,
    /// The sender named in the header block of the forwarded message the
    /// form was read from, when it was forwarded inline.
    pub forwarded_from: Option<EmailAddress>,
}

impl FormReading {
    /// A message is a referral by its heading or by at least three labels
    /// that carry a value.
    pub fn is_referral(&self) -> bool {
        self.heading || self.values.len() >= 3
    }
}

/// Separates a label cell from its value cell in rendered HTML tables.
pub const CELL_SEPARATOR: char = '\t';

/// Separates the value cells of a table row of three or more cells, empty
/// ones included (`Consent<TAB>Yes<US>X<US>No<US>`), so that a tick-box
/// row keeps which option each box stands beside. Everywhere else it reads
/// as a space. (The ASCII unit separator: no text a person writes holds it.)
pub const VALUE_CELL_SEPARATOR: char = '\u{1f}';

/// The value of an answer a document reader found but could not settle
/// (what the document stores and what it shows disagree): a noncharacter,
/// never text a person wrote. The first answer to its label, it is read
/// as given but unreadable, never as an answer, and asked again.
pub const UNREADABLE: char = '\u{fdd0}';

const PLACEHOLDERS: [&str; 5] = [
    "[dutytorefer/helptokeepaccommodation]",
    "[dd/mm/yyyy]",
    "[remand/sentenced/community/released]",
    "[yes/no]",
    "[resident,employed,family,specialcircumstances,none]",
];

const SIGN_OFFS: [&str; 14] = [
    "kind regards",
    "regards",
    "best regards",
    "warm regards",
    "best wishes",
    "many thanks",
    "thanks",
    "thank you",
    "yours sincerely",
    "yours faithfully",
    "sent from my",
    "get outlook for",
    "with thanks",
    "cheers",
];

/// Reads the form from text whose lines are as a person would see them.
///
/// A line holds a label and its value as the contract allows: `label:
/// value`, `label - value`, `label<TAB>value` (a table row; its value cells
/// separated by [`VALUE_CELL_SEPARATOR`]), or the label alone with its value
/// on the next line; after a question number or bullet or not. Whatever
/// reads a form (a message body, and documents later) gives it this shape.
///
/// A forwarded message's form wins over the forwarder's note above it: at
/// the forward's header block, what was read so far is dropped unless it is
/// already a referral (then the forward is older mail below the form).
pub fn read_form(text: &str) -> FormReading {
    let mut lines: Vec<&str> = Vec::new();
    for line in text.lines().map(unquote) {
        push_apart(&mut lines, line);
    }
    // Each line is looked at as a label once, though the value search below
    // asks about a line up to three times; and only when asked: the lines
    // of a signature or below the form's end never are.
    let labelled: Vec<OnceCell<Option<LabelLine<'_>>>> = std::iter::repeat_with(OnceCell::new)
        .take(lines.len())
        .collect();
    let label_at = |at: usize| {
        labelled
            .get(at)
            .and_then(|cell| cell.get_or_init(|| split_label(lines[at])).as_ref())
    };
    let is_label = |at: usize| label_at(at).is_some();
    let mut reading = FormReading::default();
    let mut names = SplitName::default();
    let mut in_signature = false;
    // The options of a grid's header row (`| | Yes | No |`), while its
    // rows follow: a mark under a column answers with that column's option.
    let mut grid: Option<Vec<&str>> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if let Some(forwarded_from) = forward_header(&lines, i - 1) {
            if reading.is_referral() {
                break;
            }
            reading = FormReading {
                forwarded_from,
                ..FormReading::default()
            };
            names = SplitName::default();
            in_signature = false;
            continue;
        }
        if in_signature {
            continue;
        }
        if is_heading(line) {
            reading.heading = true;
            continue;
        }
        if reading.labels > 0 && ends_form(line) {
            if reading.is_referral() {
                break;
            }
            // A signature below a note: skip it, a forwarded form may follow.
            in_signature = true;
            continue;
        }
        // A table's rows may stand apart by blank lines (as HTML tables are
        // read); text outside a table ends the grid.
        if !line.contains(CELL_SEPARATOR) && !line.trim().is_empty() {
            grid = None;
        }
        let Some(found) = label_at(i - 1) else {
            if let Some(options) = grid_header(line) {
                grid = Some(options);
            }
            continue;
        };
        reading.labels += 1;
        let kind = found.label.value_kind();
        let under_options = grid
            .as_deref()
            .filter(|_| found.from_table)
            .and_then(|options| under_grid(kind, options, found.value));
        // The options in rows of their own under a label that spans them
        // (`Consent | Yes | ` over `No | X`).
        let spanned = (found.from_table && under_options.is_none())
            .then(|| options_in_rows(kind, found.value, &lines, i))
            .flatten();
        if let Some((_, after)) = spanned {
            i = after;
        }
        let raw = spanned
            .as_ref()
            .map(|(row, _)| row.as_str())
            .or(under_options.as_deref())
            .unwrap_or(found.value);
        let mut value = answer(kind, raw);
        if value.is_empty() && !found.from_table {
            // The value may stand on the next line, one blank line at most
            // away (Outlook writes label and value as two paragraphs).
            let mut j = i;
            if j < lines.len() && lines[j].trim().is_empty() {
                j += 1;
            }
            if let Some((options, after)) = options_on_lines(kind, &lines, j) {
                value = answer(kind, &options);
                i = after;
            } else if let Some(next) = lines.get(j).copied() {
                let next_clean = answer(kind, next);
                // The next question of a numbered form, though not one of
                // the contract's, is not this one's answer; nor is a
                // signature's `Tel: ...`.
                let next_question = found.marked && starts_with_marker(next);
                let labelled = (labels_its_own_value(kind) && looks_labelled(&next_clean))
                    || (kind == ValueKind::Boolean && asks_its_own_question(next));
                if !next_clean.is_empty()
                    && !is_label(j)
                    && !is_heading(next)
                    && !ends_form(next)
                    && !next_question
                    && !labelled
                    && fits_on_next_line(kind, &next_clean)
                {
                    value = next_clean;
                    i = j + 1;
                }
            }
        }
        if kind == ValueKind::Paragraph && !value.is_empty() {
            while let Some(next) = lines.get(i).copied() {
                if next.trim().is_empty()
                    || is_label(i)
                    || is_heading(next)
                    || ends_form(next)
                    // The next question of a numbered form, though not one
                    // of the contract's.
                    || (found.marked && starts_with_marker(next))
                {
                    break;
                }
                let more = clean_value(next);
                if !more.is_empty() {
                    value.push(' ');
                    value.push_str(&more);
                }
                i += 1;
            }
        }
        // Every piece is already cleaned: single spaces, trimmed.
        if value.is_empty() || is_placeholder(&value) {
            continue;
        }
        match found.label {
            // The first occurrence wins: a signature's `Name:` never overrides.
            Label::Field(field) => match reading.values.get(&field) {
                None => {
                    reading.values.insert(field, value);
                }
                Some(first) if *first != value => {
                    reading.again.entry(field).or_insert(value);
                }
                Some(_) => {}
            },
            Label::NamePart(part) => {
                names.set(part, value);
                if let Some(full) = names.joined() {
                    reading.values.entry(Field::FullName).or_insert(full);
                }
            }
        }
    }
    reading
}

/// A table row that heads a grid of options: no label in its first cell
/// (empty, or a word such as `Question`), then two or more short options
/// with no box among them (`| | Yes | No |`, `| Please tick | Remand |
/// Sentenced | ... |`). Its cells after the first.
fn grid_header(line: &str) -> Option<Vec<&str>> {
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
            && !super::tick::has_boxes(c)
    };
    (options.len() >= 2 && options.iter().all(short)).then_some(cells)
}

/// A grid row's marks written beside the options they stand under
/// (`Yes<US>X<US>No<US>`), for the tick-box reader: only for a yes/no or
/// fixed-choice question whose cells hold marks or nothing, at least one
/// of them a mark, and line up with the header's options.
fn under_grid(kind: ValueKind, header: &[&str], value: &str) -> Option<String> {
    if !matches!(kind, ValueKind::Boolean | ValueKind::Choice) {
        return None;
    }
    let cells: Vec<&str> = value
        .split([VALUE_CELL_SEPARATOR, CELL_SEPARATOR])
        .map(str::trim)
        .collect();
    // Lined up from the right: what the header has over the label and a
    // question number (`Question`, or nothing) is not an option.
    let skipped = header.len().checked_sub(cells.len())?;
    let options = &header[skipped..];
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

/// Two questions answered on one line, set apart by a wide gap (`First
/// name: Amy    Surname: Smith-Jones`, `Full name: Amy Smith   DOB:
/// 04/05/1983`): a line for each. Only where both sides read as a label
/// and its answer, so that `Yes   No X` stays one answer.
fn push_apart<'a>(lines: &mut Vec<&'a str>, line: &'a str) {
    let mut rest = line;
    if !rest.contains(CELL_SEPARATOR) {
        let mut from = 0;
        while let Some(gap) = rest[from..].find("   ").map(|at| at + from) {
            let after = rest[gap..].trim_start_matches(' ');
            let next_starts = rest.len() - after.len();
            let right_is_labelled = after.contains(':')
                && split_line(after, false).is_some_and(|found| !found.value.trim().is_empty());
            let left = &rest[..gap];
            if right_is_labelled && split_label(left).is_some() {
                lines.push(left);
                rest = &rest[next_starts..];
                from = 0;
            } else {
                from = next_starts;
            }
        }
    }
    lines.push(rest);
}

/// A name asked for on two lines (`First name(s)`, `Surname`): the full
/// name once both are known.
#[derive(Default)]
struct SplitName {
    given: Option<String>,
    family: Option<String>,
}

impl SplitName {
    fn set(&mut self, part: NamePart, value: String) {
        let slot = match part {
            NamePart::Given => &mut self.given,
            NamePart::Family => &mut self.family,
        };
        slot.get_or_insert(value);
    }

    /// `Given Family`, as the contract joins them.
    fn joined(&self) -> Option<String> {
        Some(format!(
            "{} {}",
            self.given.as_ref()?,
            self.family.as_ref()?
        ))
    }
}

struct LabelLine<'a> {
    label: Label,
    value: &'a str,
    from_table: bool,
    /// The label came after a question number or bullet.
    marked: bool,
}

fn split_label(line: &str) -> Option<LabelLine<'_>> {
    // A table row keeps its cell separator even when the value cell is
    // empty (`Prison number<TAB>`), so look for it before trimming.
    if let Some((left, right)) = line.trim_start().split_once(CELL_SEPARATOR) {
        if let Some(found) = split_table_row(left, right) {
            return Some(found);
        }
        // Not a row whose first cell is a label: a tab typed in a line of
        // text (`Consent: Yes ☐<TAB>No ☒`, Word's tab stops pasted) is
        // white space, read below as a wide gap.
    }
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    // As written first: a question number is only looked for when the
    // line does not read as a label without it.
    split_line(line, false).or_else(|| split_line(strip_markers(line)?, true))
}

/// Whether any line of `text` is the form's heading or one of its labels
/// (with its value or without), as [`read_form`] knows them.
pub fn holds_a_label(text: &str) -> bool {
    text.lines()
        .map(unquote)
        .any(|line| is_heading(line) || split_label(line).is_some())
}

/// A table row: the label is the first cell, or the second when the first
/// holds only the question number.
fn split_table_row<'a>(left: &'a str, right: &'a str) -> Option<LabelLine<'a>> {
    let cell = |text: &'a str| text.trim().trim_end_matches(':');
    let row = |label, value, marked| LabelLine {
        label,
        value,
        from_table: true,
        marked,
    };
    if let Some(label) = Label::from_text(cell(left)) {
        return Some(row(label, right, false));
    }
    let left = left.trim();
    if is_marker(left) {
        return match right.split_once(VALUE_CELL_SEPARATOR) {
            Some((label, value)) => Label::from_text(cell(label)).map(|l| row(l, value, true)),
            // Label and value in one cell after the number's.
            None => split_line(right.trim(), true).map(|found| LabelLine {
                from_table: true,
                ..found
            }),
        };
    }
    Label::from_text(cell(strip_markers(left)?)).map(|l| row(l, right, true))
}

/// A line of text (not a table row): `label: value`, `label - value`, or a
/// label alone.
fn split_line(line: &str, marked: bool) -> Option<LabelLine<'_>> {
    let limit = longest_label_len() + 8;
    let labelled = |label, value| LabelLine {
        label,
        value,
        from_table: false,
        marked,
    };
    if let Some((left, right)) = line.split_once(':') {
        if left.len() <= limit {
            if let Some(label) = Label::from_text(left) {
                return Some(labelled(label, right));
            }
        }
    }
    if let Some((left, right)) = split_at_spaced_dash(line, limit) {
        if let Some(label) = Label::from_text(left) {
            return Some(labelled(label, right));
        }
    }
    // A label asked as a question: `Consent to referral? Yes`.
    if let Some((left, right)) = line.split_once('?') {
        if left.len() <= limit {
            if let Some(label) = Label::from_text(left) {
                return Some(labelled(label, right));
            }
        }
    }
    // A label alone on its line has no digits and no address in it.
    let could_be_bare_label =
        line.len() <= limit && !line.bytes().any(|b| b.is_ascii_digit() || b == b'@');
    if could_be_bare_label {
        if let Some(label) = Label::from_text(line) {
            return Some(labelled(label, ""));
        }
    }
    None
}

/// `Full name - Jo Bloggs`: the line split at its first dash with white
/// space on both sides, when that comes within `limit` bytes. A dash
/// without spaces (`Smith-Jones`) is part of a word.
fn split_at_spaced_dash(line: &str, limit: usize) -> Option<(&str, &str)> {
    let bytes = line.as_bytes();
    // A hyphen, or the first byte of an en or em dash (E2 80 93, E2 80 94).
    for (at, &b) in bytes.iter().enumerate().take(limit + 2).skip(1) {
        if b != b'-' && b != 0xE2 {
            continue;
        }
        let dash = match &bytes[at..] {
            [b'-', ..] => 1,
            [0xE2, 0x80, 0x93 | 0x94, ..] => 3,
            _ => continue,
        };
        let (before, after) = (&line[..at], &line[at + dash..]);
        if before.ends_with(char::is_whitespace) && after.starts_with(char::is_whitespace) {
            return Some((before, after));
        }
    }
    None
}

/// The line without the question number(s) or bullet it starts with
/// (`1.`, `Q12.`, `a)`, `(iv)`, `•`, `-`, or `3. a)`); `None` when it
/// starts with none or holds nothing else.
fn strip_markers(line: &str) -> Option<&str> {
    let mut rest = &line[marker_len(line)?..];
    if let Some(more) = marker_len(rest) {
        rest = &rest[more..];
    }
    let rest = rest.trim_start();
    (!rest.is_empty()).then_some(rest)
}

/// Whether a line starts with a question number or bullet.
fn starts_with_marker(line: &str) -> bool {
    marker_len(line.trim_start()).is_some()
}

/// Whether a cell holds nothing but a question number (`1.`, or `1` in a
/// numbering column) or bullet.
fn is_marker(cell: &str) -> bool {
    let bare_number = (1..=3).contains(&cell.len()) && cell.bytes().all(|b| b.is_ascii_digit());
    bare_number || (!cell.is_empty() && marker_len(cell) == Some(cell.len()))
}

/// The length of the question number or bullet that `text` starts with,
/// and of the white space after it: `1.`, `12)`, `1.2.`, `Q3`, `Q3.`, `a)`,
/// `b.`, `(c)`, `iv)`, `(iv)`, or one of `• · ◦ ▪ ‣ - – *` followed by a
/// space. A number needs its `.` or `)` (`3 Elm Court` is no question), or
/// a `Q` before it. `1.Full name` (Outlook's list numbering) counts.
fn marker_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let first = text.chars().next()?;
    let space_after = |at: usize| -> Option<usize> {
        let rest = &text[at..];
        let trimmed = rest.trim_start();
        if trimmed.len() == rest.len() && !rest.is_empty() {
            return None;
        }
        Some(text.len() - trimmed.len())
    };
    if matches!(first, '•' | '·' | '◦' | '▪' | '‣' | '-' | '\u{2013}' | '*') {
        return space_after(first.len_utf8());
    }
    let open = usize::from(first == '(');
    let mut at = open;
    let digits = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    // `Q3`: a question number that needs no `.` or `)`.
    let q = bytes.get(at).is_some_and(|b| matches!(b, b'Q' | b'q')) && digits(at + 1) > 0;
    let number;
    if q {
        at += 1 + digits(at + 1);
        number = true;
    } else if digits(at) > 0 {
        // `1`, `1.2`, `1.2.3`: at most three digits a part.
        loop {
            let n = digits(at);
            if n == 0 || n > 3 {
                return None;
            }
            at += n;
            if bytes.get(at) == Some(&b'.') && bytes.get(at + 1).is_some_and(u8::is_ascii_digit) {
                at += 1;
                continue;
            }
            break;
        }
        number = true;
    } else {
        // One letter, or a roman numeral up to `xviii`.
        let letters = bytes[at..]
            .iter()
            .take_while(|b| b.is_ascii_alphabetic())
            .count();
        let word = &text[at..at + letters];
        let roman = (1..=5).contains(&letters)
            && word
                .bytes()
                .all(|b| matches!(b.to_ascii_lowercase(), b'i' | b'v' | b'x'));
        if letters != 1 && !roman {
            return None;
        }
        at += letters;
        number = false;
    }
    let close = bytes.get(at).copied();
    if open == 1 {
        if close != Some(b')') {
            return None;
        }
        at += 1;
    } else if matches!(close, Some(b'.' | b')')) {
        at += 1;
    } else if !q {
        // A bare number or letter is a word, not a question number.
        return None;
    }
    if at == text.len() {
        return Some(at);
    }
    match space_after(at) {
        Some(len) => Some(len),
        // Outlook's numbered lists may leave no space after `1.`.
        None if number
            && bytes[at - 1] == b'.'
            && text[at..].starts_with(|c: char| c.is_alphabetic()) =>
        {
            Some(at)
        }
        None => None,
    }
}

/// Values of these kinds are short and never written `Word: value`, so a
/// line that is (a signature's `Tel: 01632 960 999`) is not theirs.
fn labels_its_own_value(kind: ValueKind) -> bool {
    !matches!(kind, ValueKind::Paragraph | ValueKind::Boolean)
}

/// `No recourse to public funds: No`: a question of its own, not in the
/// form, answered on the line below an unanswered yes/no question, is not
/// that question's answer.
fn asks_its_own_question(line: &str) -> bool {
    line.split_once(':')
        .is_some_and(|(head, _)| head.split_whitespace().count() >= 2)
}

/// `Tel: 01632 960 999`, `Mobile: …`, `Email: …`: a line that starts with a
/// short word or two and a colon, the way a signature labels its lines.
fn looks_labelled(line: &str) -> bool {
    let Some((head, _)) = line.split_once(':') else {
        return false;
    };
    let words = head.split_whitespace().count();
    (1..=3).contains(&words)
        && head.len() <= 24
        && head
            .chars()
            .all(|c| c.is_alphabetic() || c.is_whitespace() || matches!(c, '.' | '\'' | '/' | '&'))
}

/// What a value answers. For a yes/no or fixed-choice question, the
/// options ticked when it has tick boxes (nothing when none is ticked, or
/// when it only repeats the choice, `Yes / No`); otherwise, and when the
/// boxes cannot be matched to options, the text as written (boxes and all,
/// so that it is read as invalid, never guessed).
fn answer(kind: ValueKind, raw: &str) -> String {
    // Whatever else the answer holds, a part that could not be settled
    // makes it unreadable.
    if raw.contains(UNREADABLE) {
        return UNREADABLE.to_string();
    }
    if !matches!(kind, ValueKind::Boolean | ValueKind::Choice) {
        return clean_value(raw);
    }
    let raw = after_offered_options(kind, raw);
    match read_ticks(raw) {
        Ticks::NoBoxes if kind == ValueKind::Boolean && offers_yes_and_no(raw) => String::new(),
        Ticks::NoBoxes | Ticks::Unclear => clean_value(raw),
        Ticks::NoneTicked => String::new(),
        Ticks::Ticked(options) => match (kind, options.as_slice()) {
            // A box ticked beside the question itself (`Consent given: ☒`);
            // but a cross alone (`X`, `✗`) may as well mean no: kept as
            // written, and asked again.
            (ValueKind::Boolean, []) if !is_cross(raw) => "Yes".into(),
            (ValueKind::Boolean, [one]) => one.clone(),
            (ValueKind::Choice, [_, ..]) => options.join(", "),
            // Yes and no both ticked; a choice ticked with no option.
            _ => clean_value(raw),
        },
    }
}

/// The options of a yes/no or fixed-choice question each on its own line
/// below it (`Yes` / `No X`, `☐ remand` / `☒ sentenced`): two or more such
/// lines from `from`, read as one answer with the options set apart, and
/// the line after them.
fn options_on_lines(kind: ValueKind, lines: &[&str], from: usize) -> Option<(String, usize)> {
    if !matches!(kind, ValueKind::Boolean | ValueKind::Choice) {
        return None;
    }
    let is_option = |line: &str| {
        let line = line.trim_matches(is_space);
        let short = !line.is_empty()
            && line.chars().count() <= 40
            && line.split_whitespace().count() <= 4
            && !line.contains(':');
        short
            && match kind {
                // Only the two options, each with or without its mark.
                ValueKind::Boolean => {
                    let words: Vec<String> = line
                        .split(|c: char| !c.is_alphanumeric())
                        .filter(|w| !w.is_empty() && !w.eq_ignore_ascii_case("x"))
                        .map(str::to_lowercase)
                        .collect();
                    matches!(words.as_slice(), [w] if w == "yes" || w == "no")
                }
                // A box with each option.
                _ => super::tick::has_boxes(line),
            }
    };
    let count = lines[from.min(lines.len())..]
        .iter()
        .take(8)
        .take_while(|line| is_option(line))
        .count();
    if count < 2 {
        return None;
    }
    // Each line's mark belongs to its own option (`No     X`); written
    // again as boxes before their options for the tick-box reader.
    let mut answer = Vec::new();
    let mut any_mark = false;
    for line in &lines[from..from + count] {
        let line = line.trim_matches(is_space);
        match read_ticks(line) {
            Ticks::NoBoxes => answer.push(format!("☐ {line}")),
            Ticks::NoneTicked => answer.push(format!("☐ {}", without_boxes(line))),
            Ticks::Ticked(option) if option.len() == 1 => {
                any_mark = true;
                answer.push(format!("☒ {}", option[0]));
            }
            // A line whose mark cannot be read makes the answer unclear.
            _ => return Some((line.to_string(), from + count)),
        }
    }
    let options = if any_mark {
        answer.join(" ")
    } else {
        // Options with no mark at all: as the form offered them.
        let offered: Vec<&str> = lines[from..from + count]
            .iter()
            .map(|line| line.trim_matches(is_space))
            .collect();
        offered.join(" / ")
    };
    Some((options, from + count))
}

/// An option's text without the empty boxes around it.
fn without_boxes(line: &str) -> String {
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
fn options_in_rows(
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
                    && (mark.is_empty() || super::tick::has_boxes(mark)) =>
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
fn is_cross(raw: &str) -> bool {
    matches!(raw.trim(), "x" | "X" | "✗" | "✘" | "ý" | "×")
}

/// The form's options left in, with the answer typed after them:
/// `[Yes / No] No`, `Yes/No: No`, `Yes or No - No`, `[remand / sentenced /
/// community / released] sentenced`. The answer is what follows; the
/// options alone are left as they are (and read as no answer).
fn after_offered_options(kind: ValueKind, raw: &str) -> &str {
    let text = raw.trim_start_matches(is_space);
    let rest = offered_in_brackets(text).or_else(|| {
        (kind == ValueKind::Boolean)
            .then(|| offered_yes_no(text))
            .flatten()
    });
    let Some(rest) = rest else {
        return before_offered_options(raw);
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
fn before_offered_options(raw: &str) -> &str {
    let text = raw.trim_end_matches(is_space);
    let Some(open) = text.rfind(['[', '(']) else {
        return raw;
    };
    let before = text[..open].trim_end_matches(is_space);
    let closes = text.ends_with([']', ')']);
    if before.is_empty() || !closes || offered_in_brackets(&text[open..]).is_none() {
        return raw;
    }
    before
}

/// `[a / b / c]` or `(a or b)` at the start: what follows it.
fn offered_in_brackets(text: &str) -> Option<&str> {
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
    let options = inner
        .split(['/', '|', ','])
        .flat_map(|part| part.split(" or "))
        .filter(|part| part.chars().any(char::is_alphabetic))
        .count();
    (options >= 2).then(|| &text[end + 1..])
}

/// `Yes / No`, `Yes/No`, `Yes or No`, `Y/N` at the start: what follows.
fn offered_yes_no(text: &str) -> Option<&str> {
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

/// `Yes / No` or `Y/N` left as the form offers it: not an answer.
fn offers_yes_and_no(raw: &str) -> bool {
    let mut words = raw
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty());
    let (Some(first), Some(second), None) = (words.next(), words.next(), words.next()) else {
        return false;
    };
    let is = |word: &str, wanted: &str| word.eq_ignore_ascii_case(wanted);
    (is(first, "yes") && is(second, "no"))
        || (is(first, "no") && is(second, "yes"))
        || (is(first, "y") && is(second, "n"))
        || (is(first, "n") && is(second, "y"))
}

/// A value found on the line after its label must look like that kind of
/// value, so that a signature below an empty last field is not taken for it.
fn fits_on_next_line(kind: ValueKind, value: &str) -> bool {
    let digits = value.chars().filter(|c| c.is_ascii_digit()).count();
    match kind {
        ValueKind::Phone => digits >= 6,
        ValueKind::Email => value.contains('@'),
        ValueKind::Date | ValueKind::Identifier => digits > 0,
        ValueKind::Boolean => value.len() <= 40,
        ValueKind::Line | ValueKind::Choice => value.chars().count() <= 120,
        ValueKind::Paragraph => true,
    }
}

fn is_heading(line: &str) -> bool {
    // Cheap test first: this runs on every line.
    let trimmed = line.trim();
    trimmed.len() <= 48
        && trimmed.len() >= 22
        && trimmed
            .trim_start_matches(|c: char| !c.is_alphanumeric())
            .starts_with(['D', 'd'])
        && ShortKey::of(trimmed, 48).is_some_and(|k| k.as_str() == "duty to refer referral")
}

fn ends_form(line: &str) -> bool {
    let trimmed = line.trim();
    if trimmed == "--" {
        return true;
    }
    // Cheap test first: this runs on most lines, and every sign-off starts
    // with one of these letters.
    let starts_like_a_sign_off = trimmed.starts_with([
        'k', 'K', 'r', 'R', 'b', 'B', 'w', 'W', 'm', 'M', 't', 'T', 'y', 'Y', 's', 'S', 'g', 'G',
        'c', 'C',
    ]);
    if trimmed.len() > 60 || !starts_like_a_sign_off {
        return false;
    }
    let Some(normalised) = ShortKey::of(trimmed, 60) else {
        return false;
    };
    let normalised = normalised.as_str();
    SIGN_OFFS.iter().any(|s| {
        normalised == *s
            || normalised
                .strip_prefix(s)
                .is_some_and(|rest| rest.starts_with(' ') && *s == "sent from my")
    })
}

/// At the start of a forwarded message (a separator line, or an inline
/// `From:` header block), the forwarded sender's address, if named.
/// `None` when this line does not start a forward.
#[allow(clippy::option_option)]
fn forward_header(lines: &[&str], at: usize) -> Option<Option<EmailAddress>> {
    let line = lines[at].trim();
    // Cheap test first: this runs on every line.
    if !line.starts_with(['_', '-', 'B', 'b', 'F', 'f', '*']) {
        return None;
    }
    // Lower-cased copies only for the lines that may need them: most that
    // get here are labels (`Full name: ...`) or a signature's `From`.
    // A rule of underscores starts a forward only above its header block
    // (as Outlook writes them); alone, it divides a form's sections.
    let rule_over_header = line.len() >= 10
        && line.chars().all(|c| c == '_')
        && lines
            .iter()
            .skip(at + 1)
            .take(3)
            .any(|l| is_from_line(l.trim()));
    let separator = rule_over_header
        || (line.starts_with('-') && {
            let squashed: String = line
                .to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric())
                .collect();
            squashed == "forwardedmessage" || squashed == "originalmessage"
        })
        || (line.starts_with(['B', 'b'])
            && line.to_lowercase().starts_with("begin forwarded message"));
    let header_block = is_from_line(line)
        && lines.iter().skip(at + 1).take(4).any(|l| {
            let l = l.trim().trim_start_matches('*').to_lowercase();
            l.starts_with("sent:") || l.starts_with("date:")
        });
    if !separator && !header_block {
        return None;
    }
    let from = lines
        .iter()
        .skip(at)
        .take(6)
        .filter(|l| is_from_line(l.trim()))
        .find_map(|l| EmailAddress::find_in(l));
    Some(from)
}

fn is_from_line(line: &str) -> bool {
    let line = line.trim_start_matches('*');
    line.len() > 5
        && line
            .get(..5)
            .is_some_and(|head| head.eq_ignore_ascii_case("from:"))
}

/// Strips `>` quoting, so a form in a quoted forward still reads.
fn unquote(line: &str) -> &str {
    let mut rest = line;
    loop {
        let trimmed = rest.trim_start_matches([' ', '\u{a0}']);
        match trimmed.strip_prefix('>') {
            Some(after) => rest = after,
            None => {
                return if rest.len() == line.len() {
                    line
                } else {
                    trimmed
                }
            }
        }
    }
}

fn clean_value(value: &str) -> String {
    let value = value
        .trim_matches(is_space)
        .trim_start_matches('*')
        .trim_end_matches('*');
    // A bullet or dash typed before the answer (`Full name: - Jo Bloggs`)
    // is not part of it.
    let value = match value.strip_prefix(['-', '–', '—', '•']) {
        Some(rest) if rest.starts_with(is_space) => rest.trim_start_matches(is_space),
        _ => value,
    };
    normalise_space(value)
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{200b}' || c == VALUE_CELL_SEPARATOR
}

/// Every run of white space (non-breaking spaces and the gaps between table
/// cells included) becomes one space.
pub fn normalise_space(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(is_space) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

fn is_placeholder(value: &str) -> bool {
    // Cheap test first: this runs on every value, and every placeholder is
    // in square brackets.
    if !value.starts_with('[') {
        return false;
    }
    let squashed: String = value
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    PLACEHOLDERS.contains(&squashed.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_line_and_next_line_values() {
        let r = read_form(
            "DUTY TO REFER REFERRAL\nFull name: Sam Example\nDate of birth:\n01/02/1990\nCRN\nX123456\n",
        );
        assert!(r.heading);
        assert_eq!(r.values[&Field::FullName], "Sam Example");
        assert_eq!(r.values[&Field::DateOfBirth], "01/02/1990");
        assert_eq!(r.values[&Field::Crn], "X123456");
    }

    #[test]
    fn a_label_or_the_heading_anywhere_in_text_is_found() {
        assert!(holds_a_label("Full name\nSam Example\n"));
        assert!(holds_a_label("something\n> Date of birth: 01/02/1990\n"));
        assert!(holds_a_label("Duty to Refer referral\n"));
        assert!(!holds_a_label("Sam Example\n01/02/1990\n"));
        assert!(!holds_a_label("Please ignore the form and open a case\n"));
        assert!(!holds_a_label(""));
    }

    #[test]
    fn placeholders_are_empty_and_labels_are_not_values() {
        let r = read_form("Date of birth: [DD/MM/YYYY]\nConsent to referral: [ yes / no ]\nFull name:\nPrison number:\n");
        assert!(r.values.is_empty(), "{:?}", r.values);
        assert_eq!(r.labels, 4);
    }

    #[test]
    fn first_occurrence_wins_and_signatures_end_the_form() {
        let r = read_form(
            "Name: Sam Example\nReferrer phone:\n\nKind regards\nName: Jo Officer\nReferrer phone: 01234 567890\n",
        );
        assert_eq!(r.values[&Field::FullName], "Sam Example");
        assert!(!r.values.contains_key(&Field::ReferrerPhone));
    }

    #[test]
    fn paragraphs_continue_until_a_blank_line_or_label() {
        let r = read_form(
            "Reason at risk of homelessness: Tenancy ended\nwhile in custody.\nLocal connection: resident\n",
        );
        assert_eq!(
            r.values[&Field::HomelessnessReason],
            "Tenancy ended while in custody."
        );
        assert_eq!(r.values[&Field::LocalConnection], "resident");
    }

    #[test]
    fn table_rows_and_quoted_lines() {
        let r = read_form(
            "> Full name\tSam Example\n> Custody status:\tremand\n>> DOB: 1/2/90\nPrison\t\n",
        );
        assert_eq!(r.values[&Field::FullName], "Sam Example");
        assert_eq!(r.values[&Field::CustodyStatus], "remand");
        assert_eq!(r.values[&Field::DateOfBirth], "1/2/90");
        assert!(!r.values.contains_key(&Field::CurrentLocation));
    }

    #[test]
    fn a_forwarded_form_wins_over_the_forwarders_note() {
        let r = read_form(
            "Please see below.\nName: Fo Rwarder\nOrganisation: Council\n\nKind regards\nFo\n\
             Probation Practitioner\nSomeone\n\
             ________________________________\nFrom: Jane Doe <jane.doe@justice.gov.uk>\n\
             Sent: 16 November 2026 09:12\nSubject: referral\n\n\
             Full name: Sam Example\nReferring agency: HMPPS\nDOB: 1/2/90\n",
        );
        assert_eq!(r.values[&Field::FullName], "Sam Example");
        assert_eq!(r.values[&Field::ReferringAgency], "HMPPS");
        assert!(!r.values.contains_key(&Field::CaseLeadName));
        assert_eq!(
            r.forwarded_from.map(|a| a.to_string()).as_deref(),
            Some("jane.doe@justice.gov.uk")
        );
    }

    #[test]
    fn an_empty_table_cell_is_empty_not_the_next_line() {
        let r = read_form("Prison number\t\nSomething else entirely\nFull name\tSam\n");
        assert!(
            !r.values.contains_key(&Field::PrisonNumber),
            "{:?}",
            r.values
        );
        assert_eq!(r.values[&Field::FullName], "Sam");
    }

    #[test]
    fn labels_after_question_numbers_and_bullets() {
        let r = read_form(
            "1. Full name: Daniel Whitmore\nQ3. Date of birth: 14/02/1988\n\
             Q4 Prison number: A1234BC\na) Custody status: remand\n(iv) CRN: X123456\n\
             12) Current location: HMP Chelmsford\n3.1. Referral type: Duty to Refer\n\
             \u{2022} Referrer phone: 01632 960 118\n- Referring agency: HMPPS\n\
             2. b) Consent to referral: Yes\n1.Referrer name: Jo Officer\n",
        );
        let v = &r.values;
        assert_eq!(v[&Field::FullName], "Daniel Whitmore");
        assert_eq!(v[&Field::DateOfBirth], "14/02/1988");
        assert_eq!(v[&Field::PrisonNumber], "A1234BC");
        assert_eq!(v[&Field::CustodyStatus], "remand");
        assert_eq!(v[&Field::Crn], "X123456");
        assert_eq!(v[&Field::CurrentLocation], "HMP Chelmsford");
        assert_eq!(v[&Field::ReferralType], "Duty to Refer");
        assert_eq!(v[&Field::ReferrerPhone], "01632 960 118");
        assert_eq!(v[&Field::ReferringAgency], "HMPPS");
        assert_eq!(v[&Field::Consent], "Yes");
        assert_eq!(v[&Field::ReferrerName], "Jo Officer");
        assert_eq!(r.labels, 11);
    }

    #[test]
    fn numbered_labels_with_values_on_the_next_line_and_in_tables() {
        let r = read_form(
            "1. Full name\nSam Example\n\n2. Date of birth\n01/02/1990\n\
             3.\tCRN\u{1f}X123456\n4\tPrison number\u{1f}A1234BC\n5. Custody status\tremand\n\
             6.\tCurrent location: HMP Bure\n",
        );
        let v = &r.values;
        assert_eq!(v[&Field::FullName], "Sam Example");
        assert_eq!(v[&Field::DateOfBirth], "01/02/1990");
        assert_eq!(v[&Field::Crn], "X123456");
        assert_eq!(v[&Field::PrisonNumber], "A1234BC");
        assert_eq!(v[&Field::CustodyStatus], "remand");
        assert_eq!(v[&Field::CurrentLocation], "HMP Bure");
    }

    #[test]
    fn a_question_number_never_becomes_part_of_a_value() {
        // The next question, unknown to the contract, is not the empty
        // answer's value, nor the end of the one before.
        let r = read_form(
            "1. Full name:\n2. Is the person pregnant? No\n\
             14. Reason at risk of homelessness: Tenancy ended\n15. Any pets? A dog\n\
             16. Mental health\n17) Other needs: none\n",
        );
        assert!(!r.values.contains_key(&Field::FullName), "{:?}", r.values);
        assert!(
            !r.values.contains_key(&Field::MentalHealth),
            "{:?}",
            r.values
        );
        assert_eq!(r.values[&Field::HomelessnessReason], "Tenancy ended");
        // Numbers inside a value stay, and so does a list in an answer of a
        // form that does not number its questions.
        let r = read_form(
            "Current accommodation: 3 Elm Court, Flat 2. Harlow\n\
             Reason at risk of homelessness: 1. Rent arrears 2. Notice served\n\
             Mental health: two diagnoses:\n1. Anxiety\n2. Depression\n",
        );
        assert_eq!(
            r.values[&Field::CurrentAccommodation],
            "3 Elm Court, Flat 2. Harlow"
        );
        assert_eq!(
            r.values[&Field::HomelessnessReason],
            "1. Rent arrears 2. Notice served"
        );
        assert_eq!(
            r.values[&Field::MentalHealth],
            "two diagnoses: 1. Anxiety 2. Depression"
        );
    }

    #[test]
    fn a_spaced_dash_ends_a_label_and_other_dashes_stay_in_the_value() {
        let r = read_form(
            "Full name - Anna Smith-Jones\nReferring agency \u{2013} Probation Service - Basildon\n\
             Local connection details - Lived in Colchester 2015 - 2025\n\
             Date of birth \u{2014} 01/02/1990\nRisk to self -none\nCRN-X123456\n\
             Referrer name: Jo Officer - Senior OM\n",
        );
        let v = &r.values;
        assert_eq!(v[&Field::FullName], "Anna Smith-Jones");
        assert_eq!(v[&Field::ReferringAgency], "Probation Service - Basildon");
        assert_eq!(
            v[&Field::LocalConnectionDetails],
            "Lived in Colchester 2015 - 2025"
        );
        assert_eq!(v[&Field::DateOfBirth], "01/02/1990");
        assert_eq!(v[&Field::ReferrerName], "Jo Officer - Senior OM");
        // An unspaced dash is no separator.
        assert!(!v.contains_key(&Field::RiskToSelf), "{v:?}");
        assert!(!v.contains_key(&Field::Crn), "{v:?}");
    }

    #[test]
    fn split_names_are_joined() {
        let r = read_form("First name(s): Daniel James\nSurname: Whitmore\nDOB: 1/2/90\n");
        assert_eq!(r.values[&Field::FullName], "Daniel James Whitmore");
        assert_eq!(r.labels, 3);
        let r = read_form("Family name\nWhitmore\n\nForename(s)\nDaniel\n");
        assert_eq!(r.values[&Field::FullName], "Daniel Whitmore");
        let r = read_form("1. Given name - Daniel\n2. Last name - Whitmore\n");
        assert_eq!(r.values[&Field::FullName], "Daniel Whitmore");
        // A full name given as such wins; half a name is no name.
        let r = read_form("Full name: Dan Whitmore\nFirst name: Daniel\nSurname: Whitmore\n");
        assert_eq!(r.values[&Field::FullName], "Dan Whitmore");
        let r = read_form("First name(s):\nSurname: Whitmore\nCRN: X123456\n");
        assert!(!r.values.contains_key(&Field::FullName), "{:?}", r.values);
    }

    #[test]
    fn a_signature_tel_never_fills_a_phone() {
        let r = read_form(
            "Referrer phone: 01632 960 118\nCase lead phone:\nTel: 01632 960 999\n\
             Mobile: 07700 900 999\n",
        );
        assert_eq!(r.values[&Field::ReferrerPhone], "01632 960 118");
        assert!(
            !r.values.contains_key(&Field::CaseLeadPhone),
            "{:?}",
            r.values
        );
        let r = read_form(
            "Referrer email:\nEmail: jo@justice.gov.uk\nReferrer phone:\nT: 01632 960 999\n",
        );
        assert!(r.values.is_empty(), "{:?}", r.values);
        // A value of its own on the next line still reads.
        let r = read_form("Referrer phone:\n01632 960 118\n");
        assert_eq!(r.values[&Field::ReferrerPhone], "01632 960 118");
    }

    #[test]
    fn tick_boxes_answer_yes_no_and_choice_questions() {
        let r = read_form(
            "Consent to referral: \u{2612} Yes \u{2610} No\n\
             At risk of rough sleeping: [ ] Yes [x] No\n\
             Existing tenancy or mortgage: Yes \u{2713}\n\
             Custody status\t\u{2610} remand\u{1f}\u{2612} sentenced\u{1f}\u{2610} community\n\
             Local connection: [x] resident [ ] employed [x] family\n\
             Referral type\tDuty to Refer\u{1f}X\u{1f}Help to keep accommodation\u{1f}\n\
             Full name: Malcolm X\n",
        );
        let v = &r.values;
        assert_eq!(v[&Field::Consent], "Yes");
        assert_eq!(v[&Field::RoughSleepingRisk], "No");
        assert_eq!(v[&Field::ExistingTenancy], "Yes");
        assert_eq!(v[&Field::CustodyStatus], "sentenced");
        assert_eq!(v[&Field::LocalConnection], "resident, family");
        assert_eq!(v[&Field::ReferralType], "Duty to Refer");
        // Only answers to yes/no and choice questions have boxes.
        assert_eq!(v[&Field::FullName], "Malcolm X");
        // On the next line, or in a table row whose boxes are cells.
        let r = read_form(
            "Consent to referral:\n\u{2612} Yes \u{2610} No\n\
             Existing tenancy or mortgage\tYes\u{1f}\u{1f}No\u{1f}X\n",
        );
        assert_eq!(r.values[&Field::Consent], "Yes");
        assert_eq!(r.values[&Field::ExistingTenancy], "No");
    }

    #[test]
    fn a_mark_under_a_grid_s_column_is_that_column_s_option() {
        let rows = |rows: &[&str]| read_form(&(rows.join("\n") + "\n"));
        let answer = |r: &FormReading, field| r.values.get(&field).cloned();
        // As Word and HTML tables are read: `| | Yes | No |` heads the rows
        // of yes/no questions, an X or a box in the column meant.
        let r = rows(&[
            "\tYes\u{1f}No",
            "Consent to referral\tX\u{1f}",
            "At risk of rough sleeping\t\u{1f}\u{2612}",
            "Existing tenancy or mortgage\t\u{2610}\u{1f}\u{2610}",
            "",
            "Question\tRemand\u{1f}Sentenced\u{1f}Community",
            "Custody status\t\u{1f}X\u{1f}",
            "Full name\tX\u{1f}",
        ]);
        assert_eq!(answer(&r, Field::Consent).as_deref(), Some("Yes"));
        assert_eq!(answer(&r, Field::RoughSleepingRisk).as_deref(), Some("No"));
        // Boxes left empty are no answer.
        assert_eq!(answer(&r, Field::ExistingTenancy), None);
        assert_eq!(
            answer(&r, Field::CustodyStatus).as_deref(),
            Some("Sentenced")
        );
        // Only yes/no and choice questions are read under a grid.
        assert_eq!(answer(&r, Field::FullName).as_deref(), Some("X"));
        // A question number in its own column: the cells line up from the
        // right.
        let r = rows(&[
            "\t\u{1f}Yes\u{1f}No",
            "1.\tConsent to referral\u{1f}\u{1f}X",
        ]);
        assert_eq!(answer(&r, Field::Consent).as_deref(), Some("No"));
        // Rows apart by blank lines, as HTML tables are read.
        let r = rows(&["\tYes\u{1f}No", "", "Consent to referral\t\u{1f}X", ""]);
        assert_eq!(answer(&r, Field::Consent).as_deref(), Some("No"));
        // After the table has ended, the grid no longer applies.
        let r = rows(&["\tYes\u{1f}No", "Thanks", "Consent to referral\tX\u{1f}"]);
        assert_ne!(answer(&r, Field::Consent).as_deref(), Some("Yes"));
        // Outlook's plain text of such a table: cells apart by tabs.
        let r = rows(&["\tYes\tNo", "Consent to referral\t\tX"]);
        assert_eq!(answer(&r, Field::Consent).as_deref(), Some("No"));
        // An answer written in words is read as written; two marks are
        // neither option.
        let r = rows(&[
            "\tYes\u{1f}No",
            "Consent to referral\tNo\u{1f}",
            "At risk of rough sleeping\tX\u{1f}X",
        ]);
        assert_eq!(answer(&r, Field::Consent).as_deref(), Some("No"));
        let both = answer(&r, Field::RoughSleepingRisk);
        assert!(!matches!(both.as_deref(), Some("Yes" | "No")), "{both:?}");
    }

    #[test]
    fn a_rule_divides_a_form_and_a_dash_before_an_answer_is_not_part_of_it() {
        let r = read_form(
            "Full name: - Martin Osei\nDate of birth: 09/03/1987\nPrison number: A7712KD\n\
             ________________________________\n\
             Consent to referral: No\nReferrer name: \u{2013} Jane Doe\n",
        );
        assert_eq!(
            r.values.get(&Field::FullName).map(String::as_str),
            Some("Martin Osei")
        );
        assert_eq!(
            r.values.get(&Field::Consent).map(String::as_str),
            Some("No")
        );
        assert_eq!(
            r.values.get(&Field::ReferrerName).map(String::as_str),
            Some("Jane Doe")
        );
        // Over a header block, the rule still starts the forwarded mail.
        let r = read_form(
            "Full name: Sam Example\nDate of birth: 01/02/1990\nCRN: X123456\n\
             ________________________________\nFrom: Someone <someone@example.com>\n\
             Sent: 01 December 2026 10:00\nFull name: Other Person\n",
        );
        assert_eq!(
            r.values.get(&Field::FullName).map(String::as_str),
            Some("Sam Example")
        );
        assert!(r.again.is_empty(), "{:?}", r.again);
    }

    #[test]
    fn two_questions_on_one_line_set_apart() {
        let r = read_form("First name: Amy    Surname: Smith-Jones\nFull name: Amy Smith-Jones   DOB: 04/05/1983\n");
        assert_eq!(
            r.values.get(&Field::FullName).map(String::as_str),
            Some("Amy Smith-Jones")
        );
        assert_eq!(
            r.values.get(&Field::DateOfBirth).map(String::as_str),
            Some("04/05/1983")
        );
        // Not a label on the right: one answer.
        let r = read_form("Consent to referral: Yes   No X\nReason at risk of homelessness: Evicted   Note: rent arrears\n");
        assert_eq!(
            r.values.get(&Field::Consent).map(String::as_str),
            Some("No")
        );
        assert_eq!(
            r.values.get(&Field::HomelessnessReason).map(String::as_str),
            Some("Evicted Note: rent arrears")
        );
    }

    #[test]
    fn options_in_rows_of_their_own_under_one_label() {
        let answer = |text: &str| read_form(text).values.get(&Field::Consent).cloned();
        for (text, want) in [
            ("Consent to referral\tYes\u{1f}\n\nNo\tX\n", Some("No")),
            ("Consent to referral\tYes\u{1f}X\n\nNo\t\n", Some("Yes")),
            ("Consent to referral\tYes\u{1f}\n\tNo\u{1f}X\n", Some("No")),
            ("Consent to referral\tYes\u{1f}\nNo\t\n", None),
        ] {
            assert_eq!(answer(text).as_deref(), want, "{text:?}");
        }
    }

    #[test]
    fn boxes_left_empty_are_no_answer_and_unclear_ones_are_kept_as_written() {
        let r = read_form(
            "Consent to referral: \u{2610} Yes \u{2610} No\n\
             At risk of rough sleeping: Yes / No\n\
             Existing tenancy or mortgage\tYes\u{1f}\u{1f}No\u{1f}\n\
             Custody status: \u{2610} remand \u{2610} sentenced\n",
        );
        assert!(r.values.is_empty(), "{:?}", r.values);
        assert_eq!(r.labels, 4);
        let r = read_form(
            "Consent to referral: Yes X No\nAt risk of rough sleeping: \u{2612} Yes \u{2612} No\n",
        );
        assert_eq!(r.values[&Field::Consent], "Yes X No");
        assert_eq!(
            r.values[&Field::RoughSleepingRisk],
            "\u{2612} Yes \u{2612} No"
        );
    }

    #[test]
    fn what_is_not_a_question_number() {
        for line in [
            "3 Elm Court",
            "D.O.B.",
            "Mix) a",
            "x",
            "1",
            "2015 - 2025",
            "-x",
            "Q Full name",
        ] {
            assert!(!starts_with_marker(line), "{line}");
        }
        for line in [
            "1. a",
            "Q12. a",
            "Q12 a",
            "a) a",
            "(iv) a",
            "iv. a",
            "\u{2022} a",
            "- a",
            "1.a",
        ] {
            assert!(starts_with_marker(line), "{line}");
        }
        for cell in ["1", "12", "1.", "Q3", "(b)", "\u{2022}"] {
            assert!(is_marker(cell), "{cell}");
        }
        assert!(!is_marker("1234"));
        assert!(!is_marker("Name"));
    }

    #[test]
    fn an_empty_last_field_does_not_swallow_the_signature() {
        let r = read_form("Referrer phone: 01234 567890\nCase lead phone:\n\nJo Officer\nHMPPS\n");
        assert!(!r.values.contains_key(&Field::CaseLeadPhone));
    }
}
