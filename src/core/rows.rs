//! The rows of a form laid out as a table, whoever reads them (a Word
//! document, an email's HTML): how a row's cells pair up as questions and
//! answers.

use super::field::{Label, ValueKind};
use super::tick::has_boxes;

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
