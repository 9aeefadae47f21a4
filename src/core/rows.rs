//! The rows of a form laid out as a table, whoever reads them (a Word
//! document, an email's HTML): how a row's cells pair up as questions and
//! answers.

use super::field::{Label, ValueKind};
use super::form::{answers_below, label_answered, CELL_SEPARATOR};
use super::tick::has_boxes;

/// A table's column of notes beside the answers, as its header row names
/// it (`Question | Answer | Notes`): no part of the answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotesColumn {
    /// The column it starts at: the third or a later one.
    pub from: usize,
    /// Headed as the template's own help (`Guidance`): printed, never
    /// written by the referrer.
    pub printed: bool,
}

/// In a table's header row (`Question | Answer | Notes`), the column from
/// which the cells hold notes, comments or guidance beside the answers
/// rather than answers: the third or a later one, headed so, in a row
/// whose first cell is none of the form's labels.
pub fn notes_column<S: AsRef<str>>(cells: &[S]) -> Option<NotesColumn> {
    const HEADINGS: [&str; 12] = [
        "notes",
        "note",
        "comments",
        "comment",
        "notes comments",
        "notes and comments",
        "remarks",
        "additional information",
        "additional notes",
        "further information",
        "other information",
        "officer notes",
    ];
    const PRINTED: [&str; 6] = [
        "guidance",
        "help",
        "instructions",
        "how to answer",
        "how to complete",
        "office use",
    ];
    let first = cells.first()?.as_ref();
    if cells.len() < 3 || Label::from_text(first.trim().trim_end_matches(':')).is_some() {
        return None;
    }
    cells.iter().enumerate().skip(2).find_map(|(at, cell)| {
        let words: Vec<String> = cell
            .as_ref()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .filter(|w| !matches!(w.as_str(), "for" | "only"))
            .collect();
        let heading = words.join(" ");
        if PRINTED.contains(&heading.as_str()) {
            Some(NotesColumn {
                from: at,
                printed: true,
            })
        } else {
            HEADINGS.contains(&heading.as_str()).then_some(NotesColumn {
                from: at,
                printed: false,
            })
        }
    })
}

impl NotesColumn {
    /// How many of a row's cells to keep: the label and its answer, never
    /// fewer than two. The consent answer keeps the notes the referrer
    /// wrote beside it (`Yes | not to his GP`, `Yes | withdrawn 03/12`): a
    /// limit or a withdrawal written there must still be read with the
    /// answer. Not the template's own words: a guidance column, or a note
    /// that only prints the options (`Yes / No`) or asks the question.
    pub fn kept<S: AsRef<str>>(&self, cells: &[S]) -> usize {
        let consent = cells.first().is_some_and(|c| {
            Label::from_text(c.as_ref().trim().trim_end_matches(':'))
                == Some(Label::Field(super::field::Field::Consent))
        });
        let written = cells
            .iter()
            .skip(self.from)
            .any(|c| !printed_words(c.as_ref()));
        if consent && !self.printed && written {
            cells.len()
        } else {
            cells.len().min(self.from.max(2))
        }
    }
}

/// A cell that says only what a template prints: nothing, the options
/// (`Yes / No`, `Yes or No`, `Y/N`), or a question (`Has the person
/// consented?`).
fn printed_words(cell: &str) -> bool {
    let cell = cell.trim();
    cell.ends_with('?')
        || cell
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .all(|w| {
                matches!(
                    w.to_lowercase().as_str(),
                    "yes"
                        | "no"
                        | "y"
                        | "n"
                        | "or"
                        | "tick"
                        | "one"
                        | "delete"
                        | "as"
                        | "appropriate"
                )
            })
}

/// Whether a row of four or more cells, an even number, is question,
/// answer, question, answer. Every question a known label; or the first a label whose answer
/// is one value (a name, a date: not a choice whose options may fill the
/// cells after it) and the others questions the form reader does not know
/// (`Full name | Daniel Whitmore | Favourite colour | blue`), which are
/// neither empty, nor boxes, nor ticks: the known answer is kept, the
/// unknown pair read as a line of its own.
pub fn is_row_of_pairs(cells: &[&str]) -> bool {
    if cells.len() < 4 || !cells.len().is_multiple_of(2) {
        return false;
    }
    let label = |c: &str| Label::from_text(c.trim_end_matches(':'));
    let questions = || cells.iter().step_by(2);
    if questions().all(|c| label(c).is_some()) {
        return true;
    }
    let Some(first) = cells.first().and_then(|c| label(c)) else {
        return false;
    };
    let one_value = !matches!(first.value_kind(), ValueKind::Choice | ValueKind::Boolean);
    one_value
        && questions().skip(1).all(|c| {
            label(c).is_some()
                || (!c.is_empty()
                    && !has_boxes(c)
                    && !c.eq_ignore_ascii_case("x")
                    && c.chars().any(char::is_alphabetic))
        })
}

/// The lines of a row whose cells each hold questions with their answers
/// (`Full name:` over `Daniel Whitmore` in one cell, `Date of birth:` over
/// `02/03/1991` in the next; or `Full name` in bold over its answer in a
/// cell of its own), given each cell's paragraphs: a line for each
/// question, `question<TAB>answer` where the answer stands below it, its
/// answer the paragraphs up to the cell's next question and never the next
/// cell's. Every cell holding text starts with a question, and the first
/// holds its answer too: a row whose first cell is a question alone is a
/// question beside its answer (`Full name | Daniel Whitmore`), `None`.
pub fn questions_in_cells(cells: &[Vec<&str>]) -> Option<Vec<String>> {
    let mut lines = Vec::new();
    let mut first = true;
    for cell in cells {
        let paragraphs: Vec<&str> = cell
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .collect();
        let Some(head) = paragraphs.first() else {
            continue;
        };
        let beside = label_answered(head)?;
        let below = paragraphs
            .get(1)
            .is_some_and(|p| label_answered(p).is_none());
        if first && !beside && !below {
            return None;
        }
        first = false;
        // The question being read, whether its answer is beside it, and
        // the paragraphs below it.
        let mut question: Option<(&str, bool, Vec<&str>)> = None;
        for paragraph in paragraphs {
            match label_answered(paragraph) {
                Some(beside) => {
                    if let Some(done) = question.take() {
                        lines.push(question_line(done));
                    }
                    question = Some((paragraph, beside, Vec::new()));
                }
                None => {
                    if let Some((_, _, below)) = question.as_mut() {
                        below.push(paragraph);
                    }
                }
            }
        }
        if let Some(done) = question {
            lines.push(question_line(done));
        }
    }
    (!lines.is_empty()).then_some(lines)
}

/// A question and what stands below it in its cell: `question<TAB>answer`
/// when it stands alone, else one line of text, as the cell reads. What
/// stands below a question alone that cannot be its answer (guidance) is
/// a line of its own under the question left unanswered; guidance
/// printed between the question and its answer (`Date of birth` over
/// `(dd/mm/yyyy)` over `02/03/1991`) is the question's hint.
fn question_line((question, beside, below): (&str, bool, Vec<&str>)) -> String {
    if !beside && below.len() >= 2 {
        let (hint, answer) = (below[0], below[1..].join(" "));
        if is_hint(hint) && answers_below(question, &answer) {
            if let Some(hinted) = with_hint(question, &[hint]) {
                return format!("{hinted}{CELL_SEPARATOR}{answer}");
            }
        }
    }
    let joined = below.join(" ");
    if beside {
        if joined.is_empty() {
            question.to_string()
        } else {
            format!("{question} {joined}")
        }
    } else if answers_below(question, &joined) {
        format!("{question}{CELL_SEPARATOR}{joined}")
    } else {
        let mut lines = format!("{question}{CELL_SEPARATOR}");
        for paragraph in below {
            lines.push('\n');
            lines.push_str(paragraph);
        }
        lines
    }
}

/// A label cell's text when the label stands over a hint in it (`Date of
/// birth` over `(dd/mm/yyyy)`, `Full name` over `Please give full name`):
/// the label with the hint in brackets after it, as forms print hints on
/// the label's line (`Date of birth (dd/mm/yyyy)`), so that the label is
/// read and the hint is no part of the answer beside it. `None` when the
/// cell's first paragraph is no label alone, or a later one holds a label.
pub fn label_over_hint(paragraphs: &[&str]) -> Option<String> {
    let paragraphs: Vec<&str> = paragraphs
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect();
    let [label, hint @ ..] = paragraphs.as_slice() else {
        return None;
    };
    if hint.is_empty()
        || label_answered(label) != Some(false)
        || !hint
            .iter()
            .all(|p| is_hint(p) && label_answered(p).is_none())
    {
        return None;
    }
    with_hint(label, hint)
}

/// How forms open the guidance they print under a question.
const HINT_OPENINGS: [&str; 16] = [
    "please",
    "eg",
    "e.g",
    "if",
    "tick",
    "give",
    "enter",
    "write",
    "include",
    "including",
    "state",
    "provide",
    "select",
    "circle",
    "delete",
    "use",
];

/// Guidance printed with a question, never an answer: wholly in brackets
/// (`(if known)`), a date's format (`dd/mm/yyyy`), or opening as
/// guidance does (`Please give full name`, `e.g. HMP Chelmsford`, `If
/// known`).
fn is_hint(text: &str) -> bool {
    let text = text.trim();
    if text.starts_with('(') && text.ends_with(')') {
        return true;
    }
    let date_format = !text.is_empty()
        && text.chars().any(|c| c.is_ascii_alphabetic())
        && text.chars().all(|c| {
            matches!(
                c.to_ascii_lowercase(),
                'd' | 'm' | 'y' | '/' | '-' | '.' | ' '
            )
        });
    let first = text
        .split(|c: char| c.is_whitespace() || c == ':' || c == ',')
        .next()
        .unwrap_or_default()
        .trim_end_matches('.')
        .to_lowercase();
    date_format || HINT_OPENINGS.contains(&first.as_str())
}

/// The longest hint kept in brackets after its label; a longer one (a
/// paragraph of guidance) is left out of the label's line.
const MAX_HINT: usize = 60;

/// `label (hint)`, or the label alone when the hint is too long to be
/// read as one.
fn with_hint(label: &str, hint: &[&str]) -> Option<String> {
    let hint = hint.join(" ");
    let hint = hint.trim();
    let hint = hint
        .strip_prefix('(')
        .and_then(|h| h.strip_suffix(')'))
        .unwrap_or(hint)
        .trim();
    let label = label.trim();
    if hint.is_empty() || hint.contains(['(', ')']) || hint.len() > MAX_HINT {
        return Some(label.to_string());
    }
    Some(format!("{label} ({hint})"))
}
