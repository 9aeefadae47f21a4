//! Reads the referral form out of a message's text: which labels are there
//! and the raw text given for each. Typing and validation live in `referral`.

use super::address::EmailAddress;
use super::field::{longest_label_len, Field, Label, NamePart, ShortKey, ValueKind};
use super::options::{
    after_offered_options, grid_header, is_cross, marks_below_options, options_in_rows,
    options_on_lines, under_grid,
};
use super::tick::{has_boxes, read_ticks, Ticks};
use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};

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
    /// Fields whose answer rests on text that may or may not be seen (a
    /// rendering of HTML with such text left out reads them otherwise:
    /// see [`FormReading::doubt_against`]): no answer is read from them,
    /// and they are asked about.
    pub in_doubt: BTreeSet<Field>,
    /// The sender named in the header block of the forwarded message the
    /// form was read from, when it was forwarded inline.
    pub forwarded_from: Option<EmailAddress>,
}

impl FormReading {
    /// Sets the fields that this reading (of what is seen for certain) and
    /// `with_doubtful` (of that and text that may or may not be seen)
    /// answer differently, or one answers and the other not, as in doubt
    /// in both: an answer that such text gives, changes or hides decides
    /// nothing.
    pub fn doubt_against(&mut self, with_doubtful: &mut FormReading) {
        let fields: BTreeSet<Field> = [self, &*with_doubtful]
            .iter()
            .flat_map(|r| r.values.keys().chain(r.again.keys()))
            .copied()
            .collect();
        let differ = |field: &Field| {
            self.values.get(field) != with_doubtful.values.get(field)
                || self.again.get(field) != with_doubtful.again.get(field)
        };
        let in_doubt: BTreeSet<Field> = fields.into_iter().filter(differ).collect();
        self.in_doubt.extend(in_doubt.iter().copied());
        with_doubtful.in_doubt.extend(in_doubt);
    }

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

/// Text drawn struck through (a Word run's `w:strike`, an HTML `<s>`)
/// stands between these two noncharacters in the lines a reader writes. A
/// person reads it as crossed out: where an answer offers options (`Yes /
/// No`, delete as appropriate), the one option left unstruck is the
/// answer, and all or none left is no answer.
pub const STRUCK_START: char = '\u{fdd1}';
pub const STRUCK_END: char = '\u{fdd2}';

/// Whether `text` holds `c`. For a character outside ASCII (the marks
/// above, boxes), its first byte is looked for first: every answer is
/// asked about several of them and almost none holds any, and a byte
/// search costs far less than a search for the character's bytes.
pub fn holds(text: &str, c: char) -> bool {
    let mut utf8 = [0u8; 4];
    let lead = c.encode_utf8(&mut utf8).as_bytes()[0];
    text.as_bytes().contains(&lead) && text.contains(c)
}

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

/// The first three letters of each of [`SIGN_OFFS`].
const SIGN_OFF_OPENINGS: [[u8; 3]; 11] = [
    *b"kin", *b"reg", *b"bes", *b"war", *b"man", *b"tha", *b"you", *b"sen", *b"get", *b"wit",
    *b"che",
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
    // Text from where nothing is struck through (plain text, a PDF's, a
    // web form's): a struck mark typed in it is no strike, and whatever
    // holds one cannot be read.
    if text.contains([STRUCK_START, STRUCK_END]) {
        return read_lines(&text.replace([STRUCK_START, STRUCK_END], &UNREADABLE.to_string()));
    }
    read_lines(text)
}

/// As [`read_form`], for the lines of a reader that marks text struck
/// through (`STRUCK_START` ... `STRUCK_END`): Word, OpenDocument, HTML.
pub fn read_struck_form(text: &str) -> FormReading {
    read_lines(&struck_out(text))
}

fn read_lines(text: &str) -> FormReading {
    let pairs_apart = label_pairs_apart(text);
    let text = pairs_apart.as_deref().unwrap_or(text);
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
        labelled.get(at).and_then(|cell| {
            cell.get_or_init(|| split_label(without_ps(lines[at])))
                .as_ref()
        })
    };
    let is_label = |at: usize| label_at(at).is_some();
    // Two of the person's name labels asked together: a few lines apart,
    // with nothing between but other parts of the name or blank lines (a
    // `NEXT OF KIN` heading, a case lead's details or a signature between
    // make the parts below someone else's).
    let one_name_block = |from: usize, to: usize| {
        to - from <= NAME_PARTS_APART
            && (from + 1..to).all(|k| {
                lines[k].trim().is_empty()
                    || matches!(
                        label_at(k).map(|found| found.label),
                        Some(Label::NamePart(_) | Label::Field(Field::FullName))
                    )
            })
    };
    let mut reading = FormReading::default();
    let mut names = SplitName::default();
    let mut in_signature = false;
    // The options of a grid's header row (`| | Yes | No |`), while its
    // rows follow: a mark under a column answers with that column's option.
    let mut grid: Option<Vec<&str>> = None;
    // A line that is no part of the form (the sender's name, a `Phone:`
    // the form does not ask) has stood since the last label written as
    // the form writes it: labels below it may be a signature's.
    let mut outside = false;
    // The form asked the person's name under its own label(s): `Full name`,
    // or `First name(s)` and `Surname`, answered or left empty.
    let mut name_asked = false;
    // The furthest of the form's questions answered or asked so far, in the
    // form's order.
    let mut furthest: Option<usize> = None;
    // The form's questions met so far, answered or not, by `Field as usize`.
    let mut asked: u64 = 0;
    // Where the full name and a part of it were answered: a one-word full
    // name is completed only by a part asked right beside it.
    let mut full_name_line: Option<usize> = None;
    let mut name_part_line: Option<usize> = None;
    // The full name as answered, before any part completed it.
    let mut full_name_written: Option<String> = None;
    // Each answered field's label as written where it was first answered.
    // Kept as written: which name it is (`Label::name_written`) is only
    // worked out when a second answer asks.
    let mut first_written: [Option<&str>; Field::ALL.len()] = [None; Field::ALL.len()];
    // Where the form ended before the message did (a sign-off, older mail
    // below): a consent answered again below it still counts.
    let mut ended_at = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if let Some(forwarded_from) = forward_header(&lines, i - 1) {
            if reading.is_referral() {
                ended_at = Some(i - 1);
                break;
            }
            reading = FormReading {
                forwarded_from,
                ..FormReading::default()
            };
            names = SplitName::default();
            in_signature = false;
            outside = false;
            furthest = None;
            asked = 0;
            full_name_line = None;
            name_part_line = None;
            full_name_written = None;
            first_written = [None; Field::ALL.len()];
            continue;
        }
        if in_signature {
            continue;
        }
        if is_heading(line) {
            reading.heading = true;
            continue;
        }
        // `--` alone dividing the form's sections: the form's next label
        // under it, or a section's heading (`SECTION 2 - HOUSING`) over
        // one, is no signature (a signature's first line is a name or its
        // own `Name:`).
        let next_filled = |from: usize| {
            lines
                .iter()
                .enumerate()
                .skip(from)
                .take(3)
                .find(|(_, l)| !l.trim().is_empty())
                .map(|(at, _)| at)
        };
        // The form's own name for a label, or another name for one no
        // signature carries (`MAPPA level`, `NOMIS number`): a
        // signature's `Name:`, `Tel:` or `Organisation:` is its writer's.
        let the_form_s = |at: usize| {
            label_at(at).is_some_and(|next| {
                next.own || matches!(next.label, Label::Field(f) if !in_signatures(f))
            })
        };
        let divider = line.trim() == "--"
            && next_filled(i).is_some_and(|at| {
                the_form_s(at)
                    || (is_section_heading(lines[at])
                        && next_filled(at + 1).is_some_and(the_form_s))
            });
        if divider {
            continue;
        }
        if reading.labels > 0 && ends_form(line) {
            if reading.is_referral() {
                ended_at = Some(i);
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
            } else if !line.trim().is_empty() && reading.is_referral() {
                outside = true;
            }
            continue;
        };
        reading.labels += 1;
        let label_line = i - 1;
        let own = found.own;
        // A `Contact phone:` asked again in a signature under the form
        // (after its referrer's or case lead's questions, and lines of its
        // own) is the writer's, not the person's.
        if let Label::Field(field @ (Field::PersonPhone | Field::PersonEmail)) = found.label {
            let asked_before = asked & (1 << field as usize) != 0;
            if outside && asked_before && furthest.is_some_and(|seen| seen > field as usize) {
                continue;
            }
        }
        if let Label::Field(field) = found.label {
            furthest = furthest.max(Some(field as usize));
            asked |= 1 << field as usize;
        }
        if own {
            outside = false;
        }
        // A `Name:` below the form's own name labels is someone else's (a
        // mother, a contact): never the person's, whatever was left empty.
        let full_name = found.label == Label::Field(Field::FullName);
        if full_name && !own && name_asked {
            continue;
        }
        name_asked |= (full_name && own) || matches!(found.label, Label::NamePart(_));
        let kind = found.label.value_kind();
        let under_options = grid
            .as_deref()
            .filter(|_| found.from_table)
            .and_then(|options| {
                // The cells before the answer's: `found.value` is a slice of
                // the line.
                let at = (found.value.as_ptr() as usize).checked_sub(line.as_ptr() as usize)?;
                let before = line
                    .get(..at)?
                    .chars()
                    .filter(|&c| c == CELL_SEPARATOR || c == VALUE_CELL_SEPARATOR)
                    .count();
                under_grid(kind, options, before, found.value)
            });
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
        // `Full name: Full name: Daniel Marsh` (the label typed again, or
        // pasted with its answer): the answer is what follows the second.
        // Looked for only where the value holds a colon, as a label typed
        // again does: most answers hold none, and the label search is not
        // asked of each.
        if let Some(again) = value
            .contains(':')
            .then(|| split_label(&value))
            .flatten()
            .filter(|again| again.label == found.label && !again.value.trim().is_empty())
        {
            value = answer(kind, again.value);
        }
        // `Surname: Q3. Marsh`: a question number is never part of a
        // one-line answer (an initial, `A. Patel`, is kept).
        if matches!(kind, ValueKind::Line | ValueKind::Identifier)
            && marker_number(&value).is_some()
        {
            // Not `5(a) High Street`: a sub-question's letter marks an
            // address as often as a question.
            if let Some(at) = marker_len(&value).filter(|&at| {
                at < value.len()
                    && !value[..at]
                        .bytes()
                        .any(|b| b.is_ascii_alphabetic() && !matches!(b, b'Q' | b'q'))
            }) {
                value = value[at..].trim().to_string();
            }
        }
        // `1.<TAB>Full name:` with the answer on the line below: Word's
        // numbering pasted as text, a line rather than a table row.
        let numbered_line = found.from_table
            && found.marked
            && found.value.trim().is_empty()
            && line.matches(CELL_SEPARATOR).count() == 1
            && !line.contains(VALUE_CELL_SEPARATOR);
        // The options on the label's line, the marks on the next under
        // the ones they answer (`Consent:  Yes     No` over `        X`).
        let marked_below = (!found.from_table
            && matches!(kind, ValueKind::Boolean | ValueKind::Choice))
        .then(|| {
            let at = (found.value.as_ptr() as usize).checked_sub(line.as_ptr() as usize)?;
            let value_at = line.get(..at)?.chars().count();
            marks_below_options(kind, found.value, value_at, line, lines.get(i)?)
        })
        .flatten();
        if let Some(boxes) = &marked_below {
            value = answer(kind, boxes);
            i += 1;
        }
        if value.is_empty() && marked_below.is_none() && (!found.from_table || numbered_line) {
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
                let next_question = found.marked && next_question(line, next);
                let labelled = (labels_its_own_value(kind) && looks_labelled(&next_clean))
                    || (kind == ValueKind::Boolean && asks_its_own_question(next));
                if !next_clean.is_empty()
                    && !is_label(j)
                    && !is_heading(next)
                    && !is_section_title(next)
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
        // The first option on the label's line and the others on lines of
        // their own below it (`Consent: Yes` over `No X`): one answer, so
        // that a mark below is not lost to the bare option above it.
        // Boxes none of which is ticked on the label's line (`Consent: ☐
        // Yes`) leave no value, but may be the first option all the same.
        let chooses = matches!(kind, ValueKind::Boolean | ValueKind::Choice);
        if chooses && !found.from_table && !found.value.trim_matches(is_space).is_empty() {
            let mut offered: Vec<&str> = vec![found.value];
            offered.extend(lines.iter().skip(i).take(16).copied());
            if let Some((options, after)) = options_on_lines(kind, &offered, 0) {
                if after > 1 {
                    value = answer(kind, &options);
                    i += after - 1;
                }
            }
        }
        if found.label == Label::Field(Field::Consent)
            && !value.is_empty()
            && !starts_saying_no(&value)
        {
            // A yes taken back on the lines under it, within the same
            // answer (`Consent withdrawn on 03/12`, `He now refuses`): the
            // answer is all of it, and read as no yes.
            let mut last = None;
            for (at, next) in lines.iter().enumerate().skip(i).take(6) {
                // Blank lines between (Outlook's and Word's paragraphs)
                // end nothing: the next question does.
                if next.trim().is_empty() {
                    continue;
                }
                if is_label(at)
                    || is_heading(next)
                    || ends_form(next)
                    || (found.marked && next_question(line, next))
                {
                    break;
                }
                // `Consent withdrawn 03/12`, `now refuses`; not the case's
                // other news (`He refused a hostel place`). A sub-question's
                // number before it (`8a. Update - he now refuses`) is no word.
                let next = strip_markers(next).unwrap_or(next);
                let short = few_words(next);
                if (takes_back(next) || denies_consent(next))
                    && (short || about_consent(next))
                    && !about_something_else(next)
                {
                    last = Some(at);
                }
            }
            if let Some(last) = last {
                for next in &lines[i..=last] {
                    let next = clean_value(next);
                    if !next.is_empty() {
                        value.push(' ');
                        value.push_str(&next);
                    }
                }
                i = last + 1;
            }
        }
        // Inside a running answer, a line that reads as a label under one
        // of its other names (`Risk: ...`, `Name: ...` in the reason for
        // referral) is the answer's own text when the form shows it is no
        // question of its own: that field is answered already (or is this
        // one), or the form asks it further down under its own label.
        let goes_on = |at: usize| {
            let Some(next) = label_at(at) else {
                return true;
            };
            let Label::Field(field) = next.label else {
                return false;
            };
            !next.from_table
                && !next.own
                && (reading.values.contains_key(&field)
                    || (field == Field::FullName && name_asked)
                    || next.label == found.label
                    || (at + 1..lines.len().min(at + 1 + LOOK_AHEAD)).any(|below| {
                        label_at(below).is_some_and(|l| l.label == next.label && l.own)
                    }))
        };
        if kind == ValueKind::Paragraph && !value.is_empty() {
            while let Some(next) = lines.get(i).copied() {
                if next.trim().is_empty()
                    || !goes_on(i)
                    || is_heading(next)
                    || ends_form(next)
                    // The next question of a numbered form, though not one
                    // of the contract's.
                    || (found.marked && next_question(line, next))
                {
                    break;
                }
                let more = clean_value(next);
                // The same question under its other name, straight under
                // (`Risk to others: Low` over `MAPPA level: 1`): a second
                // answer, kept as when a blank line parts them.
                let other_name = label_at(i).filter(|l| {
                    l.label == found.label
                        && Label::name_written(l.written) != Label::name_written(found.written)
                });
                // Items of a list (`- Tenancy ended`, `- Family refuse`)
                // stay apart as they were.
                let item = starts_with_marker(next)
                    && next
                        .trim_start()
                        .starts_with(['•', '·', '◦', '▪', '‣', '-', '\u{2013}', '*']);
                if !more.is_empty() {
                    value.push_str(if other_name.is_some() || item {
                        "; "
                    } else {
                        " "
                    });
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
            Label::Field(field) => match reading.values.get_mut(&field) {
                None => {
                    let value = if Label::answer_needs_its_label(field, found.written, &value) {
                        format!(
                            "{}: {value}",
                            normalise_space(found.written.trim().trim_end_matches(':'))
                        )
                    } else {
                        value
                    };
                    // `Surname: Marsh` right over `Full name: Daniel`.
                    let near = name_part_line.is_some_and(|at| one_name_block(at, label_line));
                    let value = if field == Field::FullName {
                        full_name_line = Some(label_line);
                        full_name_written = Some(value.clone());
                        match near.then(|| name_completed(&value, &names)).flatten() {
                            Some(whole) => whole,
                            None => value,
                        }
                    } else {
                        value
                    };
                    reading.values.insert(field, value);
                    first_written[field as usize] = Some(found.written);
                }
                // What a signature below the form says of its writer
                // (`Organisation: ...`, `Name: ...`, under names the form
                // does not print) is no second answer.
                Some(first) if *first != value && outside && !own && about_the_writer(field) => {}
                // A free-text question the form asks under two labels
                // (`Risk to others` and `MAPPA level`): both answers.
                Some(first)
                    if *first != value
                        && kind == ValueKind::Paragraph
                        && first_written[field as usize].is_some_and(|w| {
                            Label::name_written(w) != Label::name_written(found.written)
                        }) =>
                {
                    first.push_str("; ");
                    first.push_str(&normalise_space(found.written.trim().trim_end_matches(':')));
                    first.push_str(": ");
                    first.push_str(&value);
                }
                Some(first) if *first != value => {
                    reading.again.entry(field).or_insert(value);
                }
                Some(_) => {}
            },
            Label::NamePart(part) => {
                let before = names.joined();
                names.set(part, value.clone());
                let held = reading.values.get(&Field::FullName);
                if let Some(full) = names.joined() {
                    // A middle name after the two it goes between joins
                    // the name they made; a full name given is kept.
                    if held.is_none() || held == before.as_ref() {
                        reading.values.insert(Field::FullName, full);
                        continue;
                    }
                }
                // `Full name: Daniel` over `Surname: Marsh`: one word given
                // as the full name, the rest under its own label, right
                // under it (not a case lead's or next of kin's further on).
                let near = full_name_line.is_some_and(|at| one_name_block(at, label_line));
                if let Some(whole) = full_name_written
                    .as_deref()
                    .filter(|_| near && held.is_some())
                    .and_then(|written| name_completed(written, &names))
                {
                    reading.values.insert(Field::FullName, whole);
                }
                name_part_line = Some(label_line);
            }
        }
    }
    if let Some(from) = ended_at {
        consent_below(&lines, from, &mut reading);
    }
    // The labels already read above serve again: this looks at every line.
    consent_taken_back(
        &lines,
        |at| label_at(at).map(|found| found.label),
        &mut reading,
    );
    reading
}

/// A consent taken back in so many words: inside a yes (`No objection,
/// but he refuses to consent`), or anywhere in the text without a label
/// (`PS he has withdrawn his consent this morning`, a covering note's
/// `Consent was withdrawn yesterday`). A yes is then no yes but asked
/// again; a covering note's words are its answer, set against the
/// attached form's. A refusal stays one; `He has not withdrawn consent`
/// takes nothing back. `label_of(at)` is the label `lines[at]` reads as
/// (after any `PS`), as [`read_form`] has it.
fn consent_taken_back(
    lines: &[&str],
    label_of: impl Fn(usize) -> Option<Label>,
    reading: &mut FormReading,
) {
    // Answered twice already: asked again as it is.
    if reading.again.contains_key(&Field::Consent) {
        return;
    }
    if let Some(first) = reading.values.get(&Field::Consent) {
        if first.contains(UNREADABLE) || super::referral::yes_no(first) != Some(true) {
            return;
        }
        let short = few_words(first);
        // A yes limited by a denial of some other sharing (`Consent given;
        // he does not want GP contact`) takes nothing back: it is asked
        // again as a qualified yes, saying why.
        if (takes_back(first) || denies_consent(first))
            && (short || about_consent(first))
            && !about_something_else(first)
            && !super::referral::limits_another_consent(first)
        {
            // Read as given, but unreadable: asked again.
            let unsettled = format!("{UNREADABLE}{first}");
            reading.values.insert(Field::Consent, unsettled);
            return;
        }
    }
    // Whether each line speaks of consent, asked once a line: a sentence
    // below is a line with or without the next, and speaks of it when
    // either does, or when the words meet across the two (`he now` /
    // `no longer wants it`, `want` / `this`).
    let speaks: Vec<bool> = lines
        .iter()
        .map(|line| {
            let line = line.trim();
            !line.is_empty() && about_consent(line)
        })
        .collect();
    // One sentence buffer for all the lines: most are looked at and passed.
    let mut sentence = String::new();
    for (at, line) in lines.iter().enumerate() {
        // The consent answer's own line is read above; any other line,
        // a labelled one too (`Reason: ... he has since withdrawn
        // consent`, `UPDATE 14:30 - consent to referral: NO`), may take
        // the yes back. A sentence wrapped onto the next line (`he has
        // withdrawn` / `his consent`) is read whole.
        // Blank lines first: they cost nothing to pass over; then lines
        // whose sentence, with the next line or without, cannot speak of
        // consent (their labels are not worked out for nothing).
        if line.trim().is_empty() {
            continue;
        }
        let next_speaks = lines.get(at + 1).is_some_and(|next| {
            let next = next.trim();
            !next.is_empty() && (speaks[at + 1] || words_meet(line.trim(), next))
        });
        if !speaks[at] && !next_speaks {
            continue;
        }
        if label_of(at) == Some(Label::Field(Field::Consent)) {
            continue;
        }
        sentence.clear();
        sentence.push_str(line.trim());
        if let Some(next) = lines.get(at + 1) {
            if !next.trim().is_empty() && label_of(at + 1).is_none() {
                sentence.push(' ');
                sentence.push_str(next.trim());
            }
        }
        // The dearest test last: few lines that speak of consent take
        // anything back.
        let says_consent = about_consent(&sentence);
        if !says_consent
            || !(takes_back(&sentence) || answers_no_after(&sentence))
            || about_something_else(&sentence)
        {
            continue;
        }
        let said = clean_value(&sentence);
        // Read as given but unreadable, never as a refusal: what a note
        // says in words is asked about, not taken for the answer.
        let unsettled = match reading.values.get(&Field::Consent) {
            Some(first) => format!("{UNREADABLE}{first} {said}"),
            None => format!("{UNREADABLE}{said}"),
        };
        reading.values.insert(Field::Consent, unsettled);
        return;
    }
}

/// A few words at most (`Withdrawn`, `now refuses`, `Yes - not any
/// more`): said of the answer they stand by.
fn few_words(text: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .count()
        <= 4
}

/// Whether a line speaks of the person's consent or agreement to the
/// referral (`consent`, `agreement`, `permission`, `referred`, `want
/// this`), not of the case's other news (`He refused a hostel place`).
fn about_consent(text: &str) -> bool {
    // ASCII (most lines) is read in place, each letter lower-cased as it
    // is compared: nothing copied.
    if text.is_ascii() {
        let bytes = text.as_bytes();
        let opens = |rest: &[u8], word: &[u8]| {
            rest.get(..word.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(word))
        };
        return (0..bytes.len()).any(|at| {
            let rest = &bytes[at..];
            match rest[0].to_ascii_lowercase() {
                b'c' => opens(rest, b"consent"),
                b'a' => opens(rest, b"agree"),
                b'p' => opens(rest, b"permission"),
                b'r' => opens(rest, b"referr"),
                b'w' => opens(rest, b"want this") || opens(rest, b"want it"),
                b's' => opens(rest, b"says no") || opens(rest, b"said no"),
                b'n' => opens(rest, b"now no"),
                _ => false,
            }
        });
    }
    let mut room = [0u8; LOWERED_ROOM];
    let lowered = lowered(text, "", &mut room);
    // One pass, each position tried only against the words that start with
    // its letter: nearly every line is asked, and nine string searches
    // over each cost several times as much. (The words are ASCII, so
    // finding their bytes in the UTF-8 is finding them in the text.)
    let bytes = lowered.as_bytes();
    (0..bytes.len()).any(|at| {
        let rest = &bytes[at..];
        match rest[0] {
            b'c' => rest.starts_with(b"consent"),
            b'a' => rest.starts_with(b"agree"),
            b'p' => rest.starts_with(b"permission"),
            b'r' => rest.starts_with(b"referr"),
            b'w' => rest.starts_with(b"want this") || rest.starts_with(b"want it"),
            b's' => rest.starts_with(b"says no") || rest.starts_with(b"said no"),
            b'n' => rest.starts_with(b"now no"),
            _ => false,
        }
    })
}

/// Whether the words [`about_consent`] looks for that hold a space (`want
/// this`, `want it`, `says no`, `said no`, `now no`) run from the end of
/// `line` on into `next`, as they do when the two are read as one
/// sentence. (No other letter lower-cases to one of theirs.)
fn words_meet(line: &str, next: &str) -> bool {
    let ends = |word: &[u8]| {
        line.len() >= word.len()
            && line.as_bytes()[line.len() - word.len()..].eq_ignore_ascii_case(word)
    };
    let starts = |word: &[u8]| {
        next.as_bytes()
            .get(..word.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(word))
    };
    (ends(b"want") && (starts(b"this") || starts(b"it")))
        || ((ends(b"says") || ends(b"said") || ends(b"now")) && starts(b"no"))
}

/// Room on the stack for a line lower-cased by [`lowered`].
const LOWERED_ROOM: usize = 256;

/// `text` lower-cased as [`str::to_lowercase`] does, with `pad` before and
/// after it. The consent searches ask this of nearly every line: an ASCII
/// line that fits is lower-cased in `room` (byte by byte, which for ASCII
/// is the same), any other in a new string.
fn lowered<'a>(text: &str, pad: &str, room: &'a mut [u8]) -> Cow<'a, str> {
    let len = text.len() + 2 * pad.len();
    match room.get_mut(..len) {
        Some(slot) if text.is_ascii() && pad.is_ascii() => {
            let (head, rest) = slot.split_at_mut(pad.len());
            let (middle, tail) = rest.split_at_mut(text.len());
            head.copy_from_slice(pad.as_bytes());
            middle.copy_from_slice(text.as_bytes());
            middle.make_ascii_lowercase();
            tail.copy_from_slice(pad.as_bytes());
            match std::str::from_utf8(slot) {
                Ok(ascii) => Cow::Borrowed(ascii),
                Err(_) => Cow::Owned(format!("{pad}{}{pad}", text.to_lowercase())),
            }
        }
        _ => Cow::Owned(format!("{pad}{}{pad}", text.to_lowercase())),
    }
}

/// Words about consent that take nothing back from this referral's: the
/// form's guidance and declarations (`understands they can withdraw
/// consent at any time`, `If consent is refused, ...`), another consent
/// (`consent to share with GP: No`, `refused consent for GP contact`),
/// and history set right (`previously refused consent but now agrees`).
fn about_something_else(text: &str) -> bool {
    let mut room = [0u8; LOWERED_ROOM];
    let lowered = lowered(text, " ", &mut room);
    let guidance = [
        " if ",
        " can ",
        " could ",
        " may ",
        " might ",
        " should ",
        " must ",
        " unless ",
        "at any time",
        "right to",
        "understand",
        "previously",
        "in the past",
        "but now",
        "now agrees",
        "now consents",
        "no longer refuses",
    ];
    if guidance.iter().any(|g| lowered.contains(g)) {
        return true;
    }
    // `consent to share`, `consent for GP contact`: a consent to anything
    // but the referral.
    [
        "consent to ",
        "consent for ",
        "consented to ",
        "consents to ",
    ]
    .iter()
    .any(|lead| {
        lowered.match_indices(lead).any(|(at, _)| {
            // What the consent is to: the first word past `the`, `his`,
            // `us`... Only a thing the referral is not (`GP`, `sharing`,
            // `his family`) makes it another consent; anything else
            // (`the council`, `the local authority`, `proceed`, `DTR`) may
            // be the referral, and is taken as it.
            let object = lowered[at + lead.len()..]
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .take(4)
                .find(|w| !CONSENT_OBJECT_FILLERS.contains(w));
            object.is_some_and(|w| OTHER_CONSENT_OBJECTS.contains(&w))
        })
    })
}

/// Words between a consent and what it is to (`consent to the`, `to us`,
/// `for his`, `to other agencies`).
const CONSENT_OBJECT_FILLERS: [&str; 13] = [
    "the", "a", "an", "any", "us", "his", "her", "their", "him", "them", "being", "be", "other",
];

/// What a consent other than the referral's is to: health and its
/// professionals, sharing information, the person's family, the police,
/// social services and other agencies. A consent answer's yes limited by
/// one of these is asked again (see `referral::consent`); elsewhere in
/// the text such a consent refused takes nothing back.
/// (Not `information`, `details`, `records`: `his details going to the
/// council` is the referral.)
pub(super) const OTHER_CONSENT_OBJECTS: [&str; 24] = [
    "gp",
    "gps",
    "doctor",
    "doctors",
    "medical",
    "health",
    "mental",
    "nurse",
    "share",
    "sharing",
    "shared",
    "photo",
    "photograph",
    "treatment",
    "assessment",
    "family",
    "mother",
    "father",
    "parents",
    "partner",
    "police",
    "social",
    "agency",
    "agencies",
];

/// How many lines below a label inside a running answer are looked at for
/// the form's own label of the same field.
const LOOK_AHEAD: usize = 40;

/// A consent answered below the form's end (a PS under the sign-off, older
/// mail quoted below) that differs from the form's: a second answer, so
/// that neither is kept. Only lines that say `consent` are read as labels.
fn consent_below(lines: &[&str], from: usize, reading: &mut FormReading) {
    let first = reading.values.get(&Field::Consent).cloned();
    for line in lines.iter().skip(from) {
        let says_consent = line
            .as_bytes()
            .windows(7)
            .any(|w| w.eq_ignore_ascii_case(b"consent"));
        if !says_consent {
            continue;
        }
        let Some(found) = split_label(without_ps(line)) else {
            continue;
        };
        if found.label != Label::Field(Field::Consent) {
            continue;
        }
        let value = answer(ValueKind::Boolean, found.value);
        if value.is_empty() || is_placeholder(&value) {
            continue;
        }
        match &first {
            Some(first) if value != *first => {
                reading.again.entry(Field::Consent).or_insert(value);
                return;
            }
            Some(_) => {}
            // A covering note's only answer (a PS under its sign-off):
            // its answer, to be set against the attached form's.
            None => {
                reading.values.insert(Field::Consent, value);
                return;
            }
        }
    }
}

/// A line that says consent and then, after a colon, no: `UPDATE 14:30 -
/// consent to referral: NO`.
fn answers_no_after(line: &str) -> bool {
    let lowered = line.to_ascii_lowercase();
    let Some(at) = lowered.find("consent") else {
        return false;
    };
    lowered[at..]
        .rfind([':', '=', '?', '-'])
        .and_then(|sign| line.get(at + sign + 1..))
        .is_some_and(|after| super::referral::yes_no(after) == Some(false))
}

/// A line without the `PS` it opens with (`PS Consent to referral: No`,
/// `P.S. Consent: No`).
fn without_ps(line: &str) -> &str {
    let trimmed = line.trim_start();
    // Every line is asked: most are passed by their first letter.
    if !trimmed.starts_with(['P', 'p']) {
        return line;
    }
    ["PS", "P.S.", "P.S", "PPS", "ps", "p.s."]
        .iter()
        .find_map(|ps| {
            trimmed
                .strip_prefix(ps)
                .filter(|rest| rest.starts_with([' ', ':', '-']))
        })
        .map(|rest| rest.trim_start_matches([' ', ':', '-']))
        .unwrap_or(line)
}

/// The fields a signature gives of its writer.
/// Fields whose other names a signature also carries (`Name:`, `Tel:`,
/// `Email:`, `Organisation:`, `Address:`).
fn in_signatures(field: Field) -> bool {
    about_the_writer(field)
        || matches!(
            field,
            Field::PersonPhone
                | Field::PersonEmail
                | Field::CurrentAccommodation
                | Field::CurrentLocation
        )
}

fn about_the_writer(field: Field) -> bool {
    matches!(
        field,
        Field::FullName
            | Field::ReferringAgency
            | Field::ReferrerName
            | Field::ReferrerEmail
            | Field::ReferrerPhone
            | Field::CaseLeadName
            | Field::CaseLeadEmail
            | Field::CaseLeadPhone
    )
}

/// An answer that starts by saying no (`No`, `N`, `Refused ...`).
fn starts_saying_no(value: &str) -> bool {
    let first = value
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())
        .unwrap_or_default()
        .to_lowercase();
    matches!(
        first.as_str(),
        "no" | "n"
            | "false"
            | "refused"
            | "refuses"
            | "declined"
            | "declines"
            | "withheld"
            | "withdrawn"
    )
}

/// A line that takes a consent back: `Consent withdrawn on 03/12`, `He
/// has since withdrawn consent`, `now refuses`, `no longer consents`,
/// `cancelled`, `not any more`. A word of taking back right after a
/// denial (`not withdrawn`, `never refused`, `hasn't revoked`) is none.
fn takes_back(line: &str) -> bool {
    // Every word and pair below holds one of these (`no` is in `not`,
    // `now`, `no longer`): a line of ASCII without an apostrophe (which
    // joins words when dropped) and without any of them takes nothing
    // back, and most lines asked are such.
    if line.is_ascii() && !line.contains('\'') {
        let bytes = line.as_bytes();
        let opens = |rest: &[u8], part: &[u8]| {
            rest.get(..part.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(part))
        };
        // One pass, each position tried only against the parts that start
        // with its letter.
        let may = (0..bytes.len()).any(|at| {
            let rest = &bytes[at..];
            match rest[0].to_ascii_lowercase() {
                b'n' => opens(rest, b"no"),
                b'w' => opens(rest, b"withdr"),
                b'r' => {
                    opens(rest, b"revok")
                        || opens(rest, b"refus")
                        || opens(rest, b"retract")
                        || opens(rest, b"rescind")
                }
                b'd' => opens(rest, b"declin") || opens(rest, b"doesnt") || opens(rest, b"dont"),
                b'c' => opens(rest, b"cancel") || opens(rest, b"changed"),
                _ => false,
            }
        });
        if !may {
            return false;
        }
    }
    let lowered = line.to_lowercase().replace(['\'', '\u{2019}'], "");
    let words: Vec<&str> = lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let denial = |w: &str| {
        matches!(
            w,
            "not" | "never" | "hasnt" | "hadnt" | "didnt" | "isnt" | "wasnt" | "without"
        )
    };
    let taking_back = |w: &str| {
        [
            "withdr", "revok", "refus", "retract", "rescind", "declin", "cancel",
        ]
        .iter()
        .any(|stem| w.starts_with(stem))
    };
    words
        .iter()
        .enumerate()
        .any(|(at, w)| taking_back(w) && !words[at.saturating_sub(3)..at].iter().any(|w| denial(w)))
        || words.windows(2).any(|pair| {
            matches!(
                pair,
                ["no", "longer"]
                    | ["changed", "his" | "her" | "their"]
                    | [
                        "not",
                        "any"
                            | "anymore"
                            | "consent"
                            | "consenting"
                            | "consented"
                            | "given"
                            | "give"
                            | "gave"
                            | "want"
                    ]
                    | ["now", "no"]
                    | ["says" | "said", "no"]
                    | ["doesnt" | "dont", "consent" | "want"]
            )
        })
        || words.windows(3).any(|three| {
            matches!(
                three,
                ["not", "been", "given" | "obtained"]
                    | ["consent", "not", "obtained" | "given" | "signed" | "yet"]
                    | ["not", "yet", "signed" | "consented" | "given" | "agreed"]
            )
        })
}

/// A denial of consent further from the word than [`takes_back`] looks,
/// read in a consent answer and the lines under it only: `he does not,
/// after all, give his consent`. Within one sentence or clause, a denial
/// and then, within seven words, the consent (`consent given`, `the
/// consent form` are other things), or agreement with no comma between
/// (`he cannot sign, agrees verbally` denies nothing); with nothing taken
/// back between (`not withdrawn his consent`) and no `but`.
fn denies_consent(text: &str) -> bool {
    let lowered = text.to_lowercase().replace(['\'', '\u{2019}'], "");
    lowered.split([';', '.']).any(|clause| {
        // Each word with the number of commas before it.
        let words: Vec<(usize, &str)> = clause
            .split(',')
            .enumerate()
            .flat_map(|(part, text)| {
                text.split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .map(move |w| (part, w))
            })
            .collect();
        words.iter().enumerate().any(|(at, &(part, w))| {
            let denial = matches!(
                w,
                "not" | "never" | "doesnt" | "dont" | "didnt" | "wont" | "hasnt" | "cannot"
            );
            if !denial {
                return false;
            }
            for (k, &(next_part, next)) in words.iter().enumerate().skip(at + 1).take(7) {
                if next.starts_with("consent") {
                    let after = words.get(k + 1).map(|&(_, w)| w);
                    return !matches!(
                        after,
                        Some("form" | "forms" | "given" | "obtained" | "held" | "signed")
                    );
                }
                if next.starts_with("agree") {
                    return next_part == part;
                }
                let stops = next == "but"
                    || [
                        "withdr", "revok", "refus", "retract", "rescind", "declin", "cancel",
                    ]
                    .iter()
                    .any(|stem| next.starts_with(stem));
                if stops {
                    return false;
                }
            }
            false
        })
    })
}

/// Two questions answered on one line, set apart by a wide gap (`First
/// name: Amy    Surname: Smith-Jones`, `Full name: Amy Smith   DOB:
/// 04/05/1983`): a line for each. Only where both sides read as a label
/// and its answer, so that `Yes   No X` stays one answer.
fn push_apart<'a>(lines: &mut Vec<&'a str>, line: &'a str) {
    let mut rest = line;
    if !rest.contains(CELL_SEPARATOR) {
        let mut from = 0;
        while let Some(gap) = wide_gap(&rest[from..]).map(|at| at + from) {
            let after = rest[gap..].trim_start_matches(' ');
            let next_starts = rest.len() - after.len();
            // Each look is bounded, so that a long line of gaps costs no
            // more than its length: the label's colon comes within a label
            // and its hint, and the answer before it is a short one.
            let head = after.as_bytes().iter().take(longest_label_len() + 72);
            let right_is_labelled = head.into_iter().any(|&b| b == b':')
                && split_line(after, false).is_some_and(|found| !found.value.trim().is_empty());
            let left = &rest[..gap];
            if right_is_labelled && left.len() <= 400 && split_label(left).is_some() {
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

/// A table as a mail program's plain text gives it (Outlook's, Apple
/// Mail's: a tab between cells, a row a line, a cell of two paragraphs
/// broken over two lines), read as the HTML and Word readers read its
/// rows: a row broken over lines joined again; two questions a row
/// (`Full name | Daniel | Date of birth | 14/07/1988`) a row each
/// ([`super::rows::is_row_of_pairs`]); a notes column its header names
/// (`Question | Answer | Notes`) no part of the answers
/// ([`super::rows::notes_column`]); the cells after a label's (`Consent |
/// Yes | X | No`) apart as the HTML's are, so a box stays beside its
/// option. A blank line ends the table. The text is written again only
/// when some line needs it.
fn label_pairs_apart(text: &str) -> Option<String> {
    if !text.contains(CELL_SEPARATOR) {
        return None;
    }
    let is_cell_break = |c: char| c == CELL_SEPARATOR || c == VALUE_CELL_SEPARATOR;
    let cells_of = |row: &str| -> Vec<String> {
        row.split(is_cell_break)
            .map(|c| c.trim().to_string())
            .collect()
    };
    let label = |cell: &str| Label::from_text(cell.trim().trim_end_matches(':').trim()).is_some();
    // The text's lines, a row broken over lines joined again: a line of
    // cells whose first is no label, under a row of the table (`Mental
    // health | Anxiety;` then `seen by the in-reach team | Consent | Yes`),
    // or any line under a row of a table with a notes column (a note of two
    // paragraphs).
    let lines: Vec<&str> = text.lines().collect();
    // The most cells a row opening with a label has in each line's block
    // (between blank lines): a row with fewer may go on on the next line.
    let mut widths = vec![0; lines.len()];
    let mut block_start = 0;
    for at in 0..=lines.len() {
        if at == lines.len() || lines[at].trim().is_empty() {
            let width = lines[block_start..at]
                .iter()
                .filter(|l| l.contains(CELL_SEPARATOR))
                .filter(|l| label(l.split(is_cell_break).next().unwrap_or(l)))
                .map(|l| l.matches(is_cell_break).count() + 1)
                .max()
                .unwrap_or(0);
            widths[block_start..at].fill(width);
            block_start = at + 1;
        }
    }
    let mut rows: Vec<String> = Vec::new();
    let mut in_table = false;
    let mut notes_from: Option<super::rows::NotesColumn> = None;
    let mut joined = false;
    for (at, line) in lines.iter().enumerate() {
        let width = widths[at];
        if line.trim().is_empty() {
            in_table = false;
            notes_from = None;
            rows.push(String::new());
            continue;
        }
        let cells = line.matches(is_cell_break).count();
        let first = line.split(is_cell_break).next().unwrap_or(line).trim();
        // The cells the row above lacks, which this line's complete
        // exactly when it is that row going on.
        let short_by = rows
            .last()
            .filter(|r| r.contains(CELL_SEPARATOR))
            .map_or(0, |r| {
                width.saturating_sub(r.matches(is_cell_break).count() + 1)
            });
        let continues = in_table
            && rows.last().is_some_and(|r| r.contains(CELL_SEPARATOR))
            && ((cells > 0 && cells == short_by && !first.is_empty() && !label(first))
                || (cells == 0 && notes_from.is_some()));
        if continues {
            if let Some(last) = rows.last_mut() {
                last.push(' ');
                last.push_str(line.trim());
                joined = true;
            }
            continue;
        }
        if cells > 0 {
            let row = cells_of(line);
            if !in_table || notes_from.is_none() {
                notes_from = notes_from.or_else(|| super::rows::notes_column(&row));
            }
            in_table = label(first) || notes_from.is_some();
        } else {
            in_table = false;
            notes_from = None;
        }
        rows.push(line.to_string());
    }
    // Each row as the HTML renderer writes one.
    let mut out = String::with_capacity(text.len() + 64);
    let mut changed = joined;
    let mut notes_from: Option<super::rows::NotesColumn> = None;
    for row in &rows {
        if row.matches(is_cell_break).count() < 2 {
            if !row.contains(CELL_SEPARATOR) {
                notes_from = None;
            }
            out.push_str(row);
            out.push('\n');
            continue;
        }
        let mut cells = cells_of(row);
        match notes_from {
            None => {
                notes_from = super::rows::notes_column(&cells);
                if notes_from.is_some() {
                    out.push_str(row);
                    out.push('\n');
                    continue;
                }
            }
            Some(notes) => cells.truncate(notes.kept(&cells)),
        }
        let texts: Vec<&str> = cells.iter().map(String::as_str).collect();
        let pairs = super::rows::is_row_of_pairs(&texts);
        if !pairs && notes_from.is_none() && !label(&cells[0]) {
            out.push_str(row);
            out.push('\n');
            continue;
        }
        changed = true;
        let width = if pairs { 2 } else { cells.len() };
        for pair in cells.chunks(width) {
            for (at, cell) in pair.iter().enumerate() {
                match at {
                    0 => {}
                    1 => out.push(CELL_SEPARATOR),
                    _ => out.push(VALUE_CELL_SEPARATOR),
                }
                out.push_str(cell);
            }
            out.push('\n');
        }
    }
    changed.then_some(out)
}

/// Where the first run of three or more spaces in `text` starts (as
/// `text.find("   ")`, a byte at a time: every line is searched so, and
/// a string search costs more to set up than most lines are long).
fn wide_gap(text: &str) -> Option<usize> {
    let mut run = 0;
    for (at, &b) in text.as_bytes().iter().enumerate() {
        if b != b' ' {
            run = 0;
            continue;
        }
        run += 1;
        if run == 3 {
            return Some(at - 2);
        }
    }
    None
}

/// How many lines apart a one-word full name and the part of the name that
/// completes it may stand.
const NAME_PARTS_APART: usize = 3;

/// A full name given short (`Daniel`, `Daniel James`) and the parts of
/// the name the labels beside it give (`Surname: Marsh`, `Middle name:
/// James`): the name they make, when a part adds what the full name lacks.
/// A full name of two words or more is only ever completed by the surname
/// it lacks (`Danny Marsh` beside `First name: Daniel` stays as written).
fn name_completed(written: &str, parts: &SplitName) -> Option<String> {
    // A name, not `N/A`, `[Surname]`, `Unknown`.
    let a_name = |text: &str| {
        text.chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '\u{2019}'))
            && !["none", "unknown", "nil", "na", "tbc", "n"].contains(&text.to_lowercase().as_str())
    };
    if !a_name(written) {
        return None;
    }
    let words: Vec<String> = written.split_whitespace().map(str::to_lowercase).collect();
    // A part the full name already holds, word for word (`van Dijk` in
    // `Pieter van Dijk`).
    let held = |part: &str| {
        let part: Vec<String> = part.split_whitespace().map(str::to_lowercase).collect();
        !part.is_empty() && words.windows(part.len()).any(|w| w == part.as_slice())
    };
    let new = |part: &Option<String>| {
        part.as_deref()
            .filter(|p| a_name(p) && !held(p))
            .map(str::to_string)
    };
    let (given, middle, family) = (new(&parts.given), new(&parts.middle), new(&parts.family));
    let one_word = words.len() == 1;
    let name = match (given, middle, family) {
        // `Daniel` + (`James`) + `Marsh`.
        (None, middle, Some(family)) if one_word || middle.is_none() => match middle {
            Some(middle) => format!("{written} {middle} {family}"),
            None => format!("{written} {family}"),
        },
        // `Marsh` + `Daniel` (+ `James`).
        (Some(given), middle, None) if one_word => match middle {
            Some(middle) => format!("{given} {middle} {written}"),
            None => format!("{given} {written}"),
        },
        // `Daniel Marsh` + `James` + `Marsh`: the middle name before the
        // surname it ends with.
        (None, Some(middle), None) if !one_word => {
            let family = parts.family.as_deref()?;
            let (stem, last) = written.trim().rsplit_once(char::is_whitespace)?;
            if !last.eq_ignore_ascii_case(family.trim()) {
                return None;
            }
            format!("{} {middle} {last}", stem.trim_end())
        }
        _ => return None,
    };
    Some(name)
}

/// A name asked for on two lines (`First name(s)`, `Surname`): the full
/// name once both are known.
#[derive(Default)]
struct SplitName {
    given: Option<String>,
    middle: Option<String>,
    family: Option<String>,
}

impl SplitName {
    fn set(&mut self, part: NamePart, value: String) {
        let slot = match part {
            NamePart::Given => &mut self.given,
            NamePart::Middle => &mut self.middle,
            NamePart::Family => &mut self.family,
        };
        slot.get_or_insert(value);
    }

    /// `Given Middle Family`, as the contract joins them (a middle name
    /// only between the two).
    fn joined(&self) -> Option<String> {
        let (given, family) = (self.given.as_ref()?, self.family.as_ref()?);
        Some(match &self.middle {
            Some(middle) => format!("{given} {middle} {family}"),
            None => format!("{given} {family}"),
        })
    }
}

struct LabelLine<'a> {
    label: Label,
    /// The label is written as the form prints it
    /// ([`Label::written_as_the_form_s`]).
    own: bool,
    /// The label as written, before its separator.
    written: &'a str,
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
    split_line(line, false)
        .or_else(|| split_line(strip_markers(line)?, true))
        .or_else(|| split_line(after_question_number(line)?, true))
}

/// Whether any line of `text` is the form's heading or one of its labels
/// (with its value or without), as [`read_form`] knows them.
pub fn holds_a_label(text: &str) -> bool {
    text.lines()
        .map(unquote)
        .any(|line| is_heading(line) || split_label(line).is_some())
}

/// Whether a line of text (a paragraph, not a table row) is one of the
/// form's labels: `Some(true)` with its answer beside it (`Full name:
/// Daniel`), `Some(false)` alone (`Full name:`, `Full name`).
pub fn label_answered(line: &str) -> Option<bool> {
    if line.contains(CELL_SEPARATOR) {
        return None;
    }
    split_label(line).map(|found| !found.value.trim().is_empty())
}

/// Whether `value`, standing below the label `label` in its table cell,
/// may be its answer, as a value on the line after its label may: a yes/no
/// answer is short, a date has digits; boxes are read as boxes. Guidance
/// under the question (`Please confirm the person has consented`, `Has
/// the person agreed?`) is no answer.
pub fn answers_below(label: &str, value: &str) -> bool {
    let Some(found) = split_label(label) else {
        return false;
    };
    let kind = found.label.value_kind();
    if matches!(kind, ValueKind::Boolean | ValueKind::Choice) && has_boxes(value) {
        return true;
    }
    let clean = answer(kind, value);
    clean.is_empty()
        || (fits_on_next_line(kind, &clean)
            && !clean.ends_with('?')
            && !(kind == ValueKind::Boolean && asks_its_own_question(value)))
}

/// A table row: the label is the first cell, or the second when the first
/// holds only the question number.
fn split_table_row<'a>(left: &'a str, right: &'a str) -> Option<LabelLine<'a>> {
    let cell = |text: &'a str| text.trim().trim_end_matches(':');
    let row = |(label, own), written, value, marked| LabelLine {
        label,
        own,
        written,
        value,
        from_table: true,
        marked,
    };
    if let Some(label) = Label::with_own_from_text(cell(left)) {
        // `FULL NAME<TAB>:<TAB>Daniel`: the colon in a cell of its own.
        let right = match right
            .trim_start_matches([' ', CELL_SEPARATOR])
            .strip_prefix(':')
        {
            Some(after) => after.trim_start_matches([' ', CELL_SEPARATOR]),
            None => right,
        };
        return Some(row(label, cell(left), right, false));
    }
    let left = left.trim();
    if is_marker(left) {
        return match right.split_once(VALUE_CELL_SEPARATOR) {
            Some((label, value)) => {
                Label::with_own_from_text(cell(label)).map(|l| row(l, cell(label), value, true))
            }
            // Label and value in one cell after the number's.
            None => split_line(right.trim(), true).map(|found| LabelLine {
                from_table: true,
                ..found
            }),
        };
    }
    let written = cell(strip_markers(left)?);
    Label::with_own_from_text(written).map(|l| row(l, written, right, true))
}

/// A line of text (not a table row): `label: value`, `label - value`, or a
/// label alone.
fn split_line(line: &str, marked: bool) -> Option<LabelLine<'_>> {
    let limit = longest_label_len() + 8;
    let labelled = |(label, own), written, value| LabelLine {
        label,
        own,
        written,
        value,
        from_table: false,
        marked,
    };
    // A label may carry a hint in brackets (`Local connection (resident,
    // employed, ...)`): longer, but no longer than a label and its hint.
    let fits = |left: &str| {
        left.len() <= limit || (left.trim_end().ends_with(')') && left.len() <= limit + 64)
    };
    if let Some((left, right)) = line.split_once(':') {
        if fits(left) {
            if let Some(label) = Label::with_own_from_text(left) {
                return Some(labelled(label, left, right));
            }
        }
    }
    if let Some((left, right)) = split_at_spaced_dash(line, limit) {
        if let Some(label) = Label::with_own_from_text(left) {
            return Some(labelled(label, left, right));
        }
    }
    // `FULL NAME........ Daniel Whitmore`: dot leaders for a colon.
    if let Some((left, right)) = split_at_leader(line, limit) {
        if let Some(label) = Label::with_own_from_text(left) {
            return Some(labelled(label, left, right));
        }
    }
    // A label asked as a question: `Consent to referral? Yes`.
    let question = line
        .bytes()
        .take(limit + 64)
        .position(|b| b == b'?')
        .map(|at| (&line[..at], &line[at + 1..]));
    if let Some((left, right)) = question {
        if fits(left) {
            if let Some(label) = Label::with_own_from_text(left) {
                return Some(labelled(label, left, right));
            }
        }
    }
    // A label alone on its line has no digits and no address in it.
    let could_be_bare_label =
        line.len() <= limit && !line.bytes().any(|b| b.is_ascii_digit() || b == b'@');
    if could_be_bare_label {
        if let Some(label) = Label::with_own_from_text(line) {
            return Some(labelled(label, line, ""));
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

/// `FULL NAME........ Daniel`, `Full name …… Daniel`: the line split at
/// its first run of three or more dots (or an ellipsis), when that comes
/// within `limit` bytes and something stands on both sides of it.
fn split_at_leader(line: &str, limit: usize) -> Option<(&str, &str)> {
    let head = line.get(..limit.min(line.len())).unwrap_or(line);
    // A byte search: setting up a string search costs more than most
    // lines are long, and every line that is no label is asked.
    let at = head
        .as_bytes()
        .windows(3)
        .position(|w| w == b"...")
        .or_else(|| head.find('…'))?;
    let (before, rest) = line.split_at(at);
    let after = rest.trim_start_matches(['.', '…']);
    (!before.trim().is_empty() && !after.trim().is_empty()).then_some((before, after))
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

/// What follows a question number written the looser ways forms number
/// their questions, asked only once the line has not read as a label with
/// the stricter markers: `Q1: `, `1.1 `, `1 - `, `1: `, `1 `, `[1] `,
/// `Question 1 - `, and Outlook's second-level bullet `o` in plain text.
/// What follows must then read as a label, so `3 Elm Court` is never cut.
fn after_question_number(line: &str) -> Option<&str> {
    let bytes = line.as_bytes();
    let mut at = 0;
    if line.len() > 9 && line.is_char_boundary(9) && line[..9].eq_ignore_ascii_case("question ") {
        at = 9;
    } else if matches!(bytes.first(), Some(b'Q' | b'q' | b'['))
        && bytes.get(1).is_some_and(u8::is_ascii_digit)
    {
        at = 1;
    } else if bytes.first() == Some(&b'o') && bytes.get(1).is_some_and(u8::is_ascii_whitespace) {
        let rest = line[1..].trim_start();
        return (!rest.is_empty()).then_some(rest);
    }
    let digits_from = at;
    while at < bytes.len()
        && (bytes[at].is_ascii_digit()
            || (bytes[at] == b'.' && bytes.get(at + 1).is_some_and(u8::is_ascii_digit)))
    {
        at += 1;
    }
    if at == digits_from || at - digits_from > 8 {
        return None;
    }
    if bytes[0] == b'[' {
        if bytes.get(at) != Some(&b']') {
            return None;
        }
        at += 1;
    }
    let after = line[at..].trim_start();
    let after = after
        .strip_prefix([':', '.', ')', '-', '\u{2013}'])
        .unwrap_or(after);
    let label = after.trim_start();
    // Something must stand between the number and the label.
    (label.len() < line.len() - at && !label.is_empty()).then_some(label)
}

/// Whether a line starts with a question number or bullet.
fn starts_with_marker(line: &str) -> bool {
    marker_len(line.trim_start()).is_some()
}

/// In a numbered form, whether `next` (under the question on `line`)
/// opens the next question: it starts with a question number or bullet,
/// but is not an initial (`A. Patel`, `D. Whitmore`) nor a list numbered
/// afresh inside the answer (`1.`, `2.` under question 14).
fn next_question(line: &str, next: &str) -> bool {
    if !starts_with_marker(next) {
        return false;
    }
    let next = next.trim_start();
    let bytes = next.as_bytes();
    let initial = bytes.len() > 3
        && bytes[0].is_ascii_uppercase()
        && bytes[1] == b'.'
        && bytes[2] == b' '
        && bytes[3].is_ascii_uppercase()
        && next.split_whitespace().count() <= 4
        && !next.contains([':', '?']);
    let list_inside = matches!(
        (marker_number(line), marker_number(next)),
        (Some(question), Some(item)) if item < question
    );
    // A sub-question's or section's number (`8a.`, `21(b)`, `B1.`) opens a
    // question only where a question follows (`8a. Withdrawn: 03/12` under
    // question 8 is its answer going on; `21(b) of the Housing Act`, a
    // line of the answer), and never one of the question it is part of.
    let lettered = marker_len(next).is_some_and(|at| {
        next[..at]
            .bytes()
            .any(|b| b.is_ascii_alphabetic() && !matches!(b, b'Q' | b'q'))
            && next[..at].bytes().any(|b| b.is_ascii_digit())
    });
    let part_of_this = lettered
        && (marker_number(line) == marker_number(next)
            || !next.contains([':', '?'])
            || same_section(line, next));
    !initial && !list_inside && !part_of_this
}

/// Both lines numbered in one section (`B1.` over `B1a.`): the letter and
/// number before any sub-question's letter agree.
fn same_section(line: &str, next: &str) -> bool {
    let head = |text: &str| -> Option<String> {
        let text = text.trim_start();
        let at = marker_len(text)?;
        let marker = &text[..at];
        let letter = marker.chars().next().filter(char::is_ascii_uppercase)?;
        let digits: String = marker[1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        (!digits.is_empty()).then(|| format!("{letter}{digits}"))
    };
    matches!((head(line), head(next)), (Some(a), Some(b)) if a == b)
}

/// The number a question number gives (`14.` is 14, `Q3` 3, `(2)` 2); none
/// for a letter, a numeral or a bullet.
fn marker_number(text: &str) -> Option<u32> {
    let text = text.trim_start();
    marker_len(text)?;
    let digits: String = text
        .trim_start_matches(['(', 'Q', 'q'])
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Whether a cell holds nothing but a question number (`1.`, or `1` in a
/// numbering column) or bullet.
fn is_marker(cell: &str) -> bool {
    // `5`, or `5a` in a numbering column.
    let digits = cell.trim_end_matches(|c: char| c.is_ascii_lowercase());
    let bare_number = (1..=3).contains(&digits.len())
        && cell.len() - digits.len() <= 1
        && digits.bytes().all(|b| b.is_ascii_digit());
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
    let mut sub_closed = false;
    // A question numbered in its section: `B1.`, `C12)`, `A4a.`, `A4(b)`.
    if !q
        && open == 0
        && bytes.get(at).is_some_and(u8::is_ascii_uppercase)
        && (1..=2).contains(&digits(at + 1))
    {
        at += 1;
    }
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
        // A sub-question: `5a.`, `5a)`, `5(a)`, `5(ii)`.
        let letter_after = bytes.get(at).is_some_and(u8::is_ascii_lowercase)
            && matches!(bytes.get(at + 1), Some(b'.' | b')'));
        if letter_after {
            at += 1;
        } else if open == 0 && bytes.get(at) == Some(&b'(') {
            let inside = bytes[at + 1..]
                .iter()
                .take_while(|b| b.is_ascii_alphabetic())
                .count();
            if (1..=4).contains(&inside) && bytes.get(at + 1 + inside) == Some(&b')') {
                at += inside + 2;
                sub_closed = true;
            }
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
    if sub_closed {
        // `5(a)` carries its own close.
    } else if open == 1 {
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
    if holds(raw, UNREADABLE) {
        return UNREADABLE.to_string();
    }
    let choosing = matches!(kind, ValueKind::Boolean | ValueKind::Choice);
    // Struck-through text is crossed out; of options offered, the one
    // left is the answer.
    let unstruck;
    let raw = if holds(raw, STRUCK_START) {
        unstruck = raw.replace(STRUCK_START, " ");
        if choosing {
            match one_option_left(&unstruck) {
                Some(option) => option,
                None => return UNREADABLE.to_string(),
            }
        } else {
            unstruck.as_str()
        }
    } else {
        raw
    };
    let raw = if raw.contains(VALUE_CELL_SEPARATOR) {
        without_mark_cells(raw, kind)
    } else {
        Cow::Borrowed(raw)
    };
    if !choosing {
        return clean_value(&raw);
    }
    let raw = after_offered_options(kind, &raw);
    match read_ticks(raw) {
        // `[YES / No]`: the one chosen written in capitals, the other not.
        Ticks::NoBoxes if kind == ValueKind::Boolean && offers_yes_and_no(raw) => {
            chosen_in_capitals(raw).unwrap_or_default()
        }
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

/// A written answer's cells without the table's columns of marks beside
/// it (`Daniel Marsh | ✓`, `✓ | Daniel Marsh`, `Daniel Marsh | 2`: a
/// checked column, the question's number). Ticks go from any written
/// answer; a short number only from the end of a name, place, identifier
/// or choice written in words (a risk's `MAPPA level | 2`, a date or phone typed
/// across cells keep theirs). Of a choice's cells (options and their
/// boxes) only a written answer followed by nothing but ticks loses them:
/// an empty cell there is an empty box (`Yes | ` over `No | X`).
fn without_mark_cells(raw: &str, kind: ValueKind) -> Cow<'_, str> {
    let choosing = matches!(kind, ValueKind::Boolean | ValueKind::Choice);
    let cells: Vec<&str> = raw.split(VALUE_CELL_SEPARATOR).collect();
    let worded = cells
        .iter()
        .find(|c| !c.trim_matches(is_space).is_empty())
        .is_some_and(|c| c.chars().any(char::is_alphabetic));
    let tick = |cell: &str| {
        let cell = cell.trim_matches(is_space);
        !cell.is_empty()
            && cell
                .chars()
                .all(|c| matches!(c, '✓' | '✔' | '☑' | '☒' | '√'))
    };
    let short_number = |cell: &str| {
        let cell = cell.trim_matches(is_space);
        !cell.is_empty()
            && cell.len() <= 3
            && cell
                .trim_end_matches(['.', ')'])
                .chars()
                .all(|c| c.is_ascii_digit())
    };
    let mut kept: Vec<&str> = cells.clone();
    // A page or question number after a written answer: names, places and
    // choices only (a risk's `MAPPA level | 2`, a phone typed across
    // cells, keep theirs).
    if worded
        && matches!(
            kind,
            ValueKind::Line | ValueKind::Choice | ValueKind::Boolean | ValueKind::Identifier
        )
    {
        while kept.len() > 1 && kept.last().is_some_and(|c| short_number(c)) {
            kept.pop();
        }
    }
    if choosing {
        // A written answer with ticks beside it; option grids (`Yes | X |
        // No | `) keep their cells.
        let written = kept
            .first()
            .is_some_and(|f| f.chars().any(char::is_alphabetic) && !has_boxes(f));
        let blank = |c: &str| c.trim_matches(is_space).is_empty();
        if written
            && kept.len() > 1
            && kept[1..].iter().any(|c| tick(c))
            && kept[1..].iter().all(|c| tick(c) || blank(c))
        {
            kept.truncate(1);
        }
    } else {
        kept.retain(|cell| {
            let cell = cell.trim_matches(is_space);
            let cross = |c: char| matches!(c, '✗' | '✘' | '×' | '\u{2610}');
            !tick(cell) && (cell.is_empty() || !cell.chars().all(cross))
        });
    }
    if kept.len() == cells.len() {
        return Cow::Borrowed(raw);
    }
    Cow::Owned(kept.join(&VALUE_CELL_SEPARATOR.to_string()))
}

/// The lines with each piece of struck-through text (`STRUCK_START` ...
/// `STRUCK_END`, or to the end of its line) left out, a `STRUCK_START`
/// standing where it was: what is struck is no part of an answer, but
/// that something was struck is kept for `answer`.
fn struck_out(text: &str) -> Cow<'_, str> {
    if !text.contains([STRUCK_START, STRUCK_END]) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut struck = false;
    for c in text.chars() {
        match c {
            STRUCK_START => {
                if !struck {
                    out.push(STRUCK_START);
                }
                struck = true;
            }
            STRUCK_END => struck = false,
            '\n' => {
                struck = false;
                out.push('\n');
            }
            _ if struck => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Of options offered with some struck out (`Yes / ~~No~~`, what
/// `struck_out` leaves as `Yes / `), the one left: `None` when none is
/// left, or more than one (`Yes / No` both left unstruck).
fn one_option_left(unstruck: &str) -> Option<&str> {
    // A hint in brackets after the options (`(delete as appropriate)`)
    // is none of them.
    let options = match unstruck.find('(') {
        Some(hint) if unstruck[hint..].contains(')') => &unstruck[..hint],
        _ => unstruck,
    };
    let mut left = options
        .split('/')
        .map(|option| option.trim_matches(|c: char| c.is_whitespace() || "[](){}".contains(c)))
        .filter(|option| option.chars().any(char::is_alphanumeric));
    let one = left.next()?;
    left.next().is_none().then_some(one)
}

/// Of the two options offered (`[YES / No]`), the one written in
/// capitals when the other is not: `None` when both or neither are.
fn chosen_in_capitals(raw: &str) -> Option<String> {
    let mut words = raw
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty());
    let (first, second) = (words.next()?, words.next()?);
    let capitals = |w: &str| w.len() >= 2 && w.chars().all(|c| c.is_ascii_uppercase());
    let has_lower = |w: &str| w.chars().any(|c| c.is_ascii_lowercase());
    match (capitals(first), capitals(second)) {
        (true, false) if has_lower(second) => Some(first.to_string()),
        (false, true) if has_lower(first) => Some(second.to_string()),
        _ => None,
    }
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

/// A section's heading in a form: a few words, no colon, in capitals or
/// opening with `Section` or `Part` (`SECTION 2 - HOUSING`, `Part B
/// Health`).
fn is_section_heading(line: &str) -> bool {
    let trimmed = line.trim();
    let words = trimmed.split_whitespace().count();
    if trimmed.contains(':') || words == 0 || words > 6 {
        return false;
    }
    let lowered = trimmed.to_lowercase();
    let capitals =
        trimmed.chars().any(char::is_alphabetic) && !trimmed.chars().any(char::is_lowercase);
    capitals || lowered.starts_with("section") || lowered.starts_with("part ")
}

/// A section's title under an empty question (`SECTION C - HEALTH AND
/// RISK`, `Part 3: Referrer`, `REFERRER DETAILS`): never its answer. Not
/// any line in capitals: `DANIEL MARSH` under `Full name:` is the name.
fn is_section_title(line: &str) -> bool {
    let trimmed = line.trim();
    let lowered = trimmed.to_lowercase();
    if lowered.starts_with("section ") || lowered.starts_with("part ") {
        return true;
    }
    let capitals =
        trimmed.chars().any(char::is_alphabetic) && !trimmed.chars().any(char::is_lowercase);
    capitals
        && lowered.split(|c: char| !c.is_alphanumeric()).any(|w| {
            matches!(
                w,
                "details"
                    | "information"
                    | "health"
                    | "risk"
                    | "risks"
                    | "housing"
                    | "referrer"
                    | "consent"
                    | "section"
                    | "about"
                    | "declaration"
                    | "needs"
            )
        })
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
    // The first three letters, when all are ASCII letters or digits (the
    // normalised line then starts with them too): those of no sign-off
    // end nothing.
    // Every line that gets here is asked; few start a sign-off.
    if let [first, second, third, ..] = trimmed.as_bytes() {
        if second.is_ascii_alphanumeric() && third.is_ascii_alphanumeric() {
            let opening = [
                first.to_ascii_lowercase(),
                second.to_ascii_lowercase(),
                third.to_ascii_lowercase(),
            ];
            if !SIGN_OFF_OPENINGS.contains(&opening) {
                return false;
            }
        }
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

pub(super) fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{200b}' || c == VALUE_CELL_SEPARATOR
}

/// Every run of white space (non-breaking spaces and the gaps between table
/// cells included) becomes one space.
pub fn normalise_space(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Every answer passes here: ASCII (as most are) a byte at a time, its
    // white space and the cell separator being all that `is_space` finds
    // in ASCII.
    if text.is_ascii() {
        let space = |b: u8| b.is_ascii_whitespace() || matches!(b, 0x0b | 0x1f);
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            while at < bytes.len() && space(bytes[at]) {
                at += 1;
            }
            let start = at;
            while at < bytes.len() && !space(bytes[at]) {
                at += 1;
            }
            if start < at {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&text[start..at]);
            }
        }
        return out;
    }
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
    // A blank line to write on (`________`, `..........`) left as it is.
    if value.starts_with(['_', '.']) && value.chars().all(|c| matches!(c, '_' | '.' | ' ')) {
        return true;
    }
    // A dash alone (`Risk to self: -`) answers nothing.
    if value.chars().all(|c| matches!(c, '-' | '–' | '—' | ' ')) {
        return true;
    }
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
mod tests;
