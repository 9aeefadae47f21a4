//! Laying out a page's text from where each piece is drawn: lines by
//! baseline, cells by the gaps between pieces, and labels wrapped over
//! two lines of a table cell joined again, and marks on the line under a
//! question's options written beside the options they stand under.

use super::page::Piece;
use super::*;
use crate::core::options::{marks_under, Span};
use crate::core::tick::{read_ticks, Ticks};

/// Pieces on one baseline (within a third of their size) make a line,
/// left to right; a gap wider than two characters between them is a cell
/// boundary, and so is any gap before a piece starting where the second
/// cell of three or more other lines starts (a table whose label column
/// is nearly full). A label wrapped over two lines of its cell is joined
/// again with its answer's lines, when only the two together are a label.
/// Within the document's time: the clock is looked at every
/// `CHECK_EVERY` pieces or lines of each pass.
pub(super) fn lay_out(
    mut pieces: Vec<Piece>,
    budget: &Budget,
) -> Result<Vec<String>, DocumentError> {
    pieces.sort_by(|a, b| b.y.total_cmp(&a.y).then(a.x.total_cmp(&b.x)));
    budget.check_time()?;
    let mut lines: Vec<Vec<Piece>> = Vec::new();
    for (n, piece) in pieces.into_iter().enumerate() {
        if n % CHECK_EVERY == 0 {
            budget.check_time()?;
        }
        match lines.last_mut() {
            Some(line)
                if line.first().is_some_and(|first| {
                    (first.y - piece.y).abs() <= first.size.max(piece.size) / 3.0
                }) =>
            {
                line.push(piece)
            }
            _ => lines.push(vec![piece]),
        }
    }
    for line in &mut lines {
        line.sort_by(|a, b| a.x.total_cmp(&b.x));
    }
    let lines = marks_onto_options(lines);
    // Where a second cell starts, by the wide gap before it: a column
    // (lines starting their second cells within a point of one another
    // count for the first such place found).
    let mut columns: HashMap<i64, usize> = HashMap::new();
    for (n, line) in lines.iter().enumerate() {
        if n % CHECK_EVERY == 0 {
            budget.check_time()?;
        }
        let wide = line
            .windows(2)
            .find(|w| w[1].x - w[0].end > w[1].size * 2.0)
            .map(|w| w[1].x.round() as i64);
        if let Some(x) = wide {
            let at = [x, x - 1, x + 1]
                .into_iter()
                .find(|c| columns.contains_key(c))
                .unwrap_or(x);
            *columns.entry(at).or_insert(0) += 1;
        }
    }
    let is_column = |x: f32| {
        let x = x.round() as i64;
        [x - 1, x, x + 1]
            .iter()
            .any(|c| columns.get(c).is_some_and(|n| *n >= 3))
    };
    let mut laid: Vec<LaidLine> = Vec::with_capacity(lines.len());
    for (n, line) in lines.into_iter().enumerate() {
        if n % CHECK_EVERY == 0 {
            budget.check_time()?;
        }
        laid.push({
            let mut text = String::new();
            let mut cells = 0;
            let mut last_end: Option<f32> = None;
            let first = line.first().map_or((0.0, 0.0, 0.0), |p| (p.x, p.y, p.size));
            for piece in line {
                if let Some(end) = last_end {
                    let gap = piece.x - end;
                    let boundary = gap > piece.size * 2.0 || (gap > 0.0 && is_column(piece.x));
                    if boundary && cells == 0 {
                        text.push(CELL_SEPARATOR);
                        cells += 1;
                    } else if gap > piece.size * 0.15
                        && !text.ends_with(' ')
                        && !piece.text.starts_with(' ')
                    {
                        text.push(' ');
                    }
                }
                text.push_str(&piece.text);
                last_end = Some(piece.end);
            }
            LaidLine {
                x: first.0,
                y: first.1,
                size: first.2,
                text,
            }
        });
    }
    Ok(join_wrapped_labels(join_cells_across_lines(laid, budget)?))
}

/// How many pieces or lines the layout passes take between looks at the
/// clock.
const CHECK_EVERY: usize = 256;

/// A label as the page prints it: `Local connection`, `9 Local
/// connection`, `Date of birth:`.
fn is_label_text(text: &str) -> bool {
    let text = text.trim().trim_end_matches(':').trim();
    let unnumbered = text
        .trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '.' | ')'))
        .trim();
    Label::from_text(text).is_some()
        || (unnumbered != text && Label::from_text(unnumbered).is_some())
}

/// Table cells whose text spans several lines, laid out again as the rows
/// they are:
/// - a label wrapped over two lines of its cell with no answer beside it
///   (`Reason for referral without local` over `connection`) is one label,
///   so that its second half is never read as the answer to the question
///   above it;
/// - a label standing alone, centred in its row between the lines of an
///   answer that wrapped (`Resident - lived in Colchester 10`, `Local
///   connection`, `years`), takes those lines as its answer.
fn join_cells_across_lines(
    lines: Vec<LaidLine>,
    budget: &Budget,
) -> Result<Vec<LaidLine>, DocumentError> {
    let near = |upper: &LaidLine, lower: &LaidLine| {
        let gap = upper.y - lower.y;
        gap > 0.0 && gap <= upper.size.max(lower.size) * 1.6
    };
    let single = |line: &LaidLine| !line.text.contains(CELL_SEPARATOR);
    let mut out: Vec<LaidLine> = Vec::with_capacity(lines.len());
    let mut lines = lines.into_iter().peekable();
    let mut n = 0usize;
    while let Some(mut line) = lines.next() {
        n += 1;
        if n.is_multiple_of(CHECK_EVERY) {
            budget.check_time()?;
        }
        // A wrapped label.
        if single(&line) && !is_label_text(&line.text) {
            if let Some(next) = lines.peek() {
                let whole = format!("{} {}", line.text.trim(), next.text.trim());
                if single(next)
                    && near(&line, next)
                    && (line.x - next.x).abs() <= 1.0
                    && !is_label_text(&next.text)
                    && is_label_text(&whole)
                {
                    line.text = whole;
                    lines.next();
                }
            }
        }
        // A label centred beside its wrapped answer.
        if single(&line) && is_label_text(&line.text) {
            let beside = |other: &LaidLine| {
                single(other) && other.x > line.x + line.size * 2.0 && !is_label_text(&other.text)
            };
            let mut above: Vec<String> = Vec::new();
            let mut upper = &line;
            let mut taken = 0;
            for previous in out.iter().rev() {
                n += 1;
                if n.is_multiple_of(CHECK_EVERY) {
                    budget.check_time()?;
                }
                if !(beside(previous) && near(previous, upper)) {
                    break;
                }
                above.push(previous.text.trim().to_string());
                upper = previous;
                taken += 1;
            }
            let column = (taken > 0).then(|| out[out.len() - 1].x);
            let mut below: Vec<LaidLine> = Vec::new();
            while let Some(next) = lines.peek() {
                n += 1;
                if n.is_multiple_of(CHECK_EVERY) {
                    budget.check_time()?;
                }
                let lower = below.last().unwrap_or(&line);
                let aligned = column.is_none_or(|x| (next.x - x).abs() <= 1.0);
                if !(beside(next) && aligned && near(lower, next)) {
                    break;
                }
                below.extend(lines.next());
            }
            if taken > 0 && !below.is_empty() {
                out.truncate(out.len() - taken);
                above.reverse();
                above.extend(below.iter().map(|l| l.text.trim().to_string()));
                line.text = format!("{}{CELL_SEPARATOR}{}", line.text.trim(), above.join(" "));
            } else {
                // Lines only below it may be the next row's answer: left
                // as they were.
                out.push(line);
                out.extend(below);
                continue;
            }
        }
        out.push(line);
    }
    Ok(out)
}

/// A line laid out, and where its first piece is.
struct LaidLine {
    x: f32,
    y: f32,
    size: f32,
    text: String,
}

/// `Reason at risk of<TAB>Her tenancy ... while she was in` over
/// `homelessness<TAB>custody.`: one row of a table whose label cell
/// wrapped. Joined when the second line starts where the first does, just
/// below it, and the first's label is a label only with the second's.
fn join_wrapped_labels(lines: Vec<LaidLine>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut lines = lines.into_iter().peekable();
    while let Some(line) = lines.next() {
        let joined = lines.peek().and_then(|next| {
            let (label, value) = line.text.split_once(CELL_SEPARATOR)?;
            let (more_label, more_value) = next.text.split_once(CELL_SEPARATOR)?;
            let below = line.y - next.y > 0.0 && line.y - next.y <= line.size.max(next.size) * 1.6;
            let aligned = (line.x - next.x).abs() <= 1.0;
            let whole = format!("{} {}", label.trim(), more_label.trim());
            (below
                && aligned
                && Label::from_text(label.trim().trim_end_matches(':')).is_none()
                && Label::from_text(whole.trim_end_matches(':')).is_some())
            .then(|| {
                format!(
                    "{whole}{CELL_SEPARATOR}{} {}",
                    value.trim(),
                    more_value.trim()
                )
            })
        });
        match joined {
            Some(text) => {
                lines.next();
                out.push(text);
            }
            None => out.push(line.text),
        }
    }
    out
}

/// A line of marks alone (`X`, `✓`) just under a question's line whose
/// options follow its label (`Consent given:  Yes     No`): each mark is
/// written after the option it stands under, by where the two are drawn,
/// set apart from the next option (`Yes     No X`), as the form reader
/// reads a mark typed beside its option; the line of marks goes. A mark
/// under no one option clearly is left on its line, where it answers
/// nothing for certain and is asked again.
fn marks_onto_options(lines: Vec<Vec<Piece>>) -> Vec<Vec<Piece>> {
    let mut out: Vec<Vec<Piece>> = Vec::with_capacity(lines.len());
    for line in lines {
        let attached = out
            .last_mut()
            .is_some_and(|above| attach_marks(above, &line));
        if !attached {
            out.push(line);
        }
    }
    out
}

/// A word of a piece of text and where it is drawn, estimated from the
/// piece's extent by its characters (fonts' widths are not read).
struct PlacedWord {
    piece: usize,
    /// Byte offset in the piece's text where the word ends.
    end_byte: usize,
    text: String,
    span: Span,
}

fn placed_words(line: &[Piece]) -> Vec<PlacedWord> {
    let mut words = Vec::new();
    for (at, piece) in line.iter().enumerate() {
        let chars = piece.text.chars().count().max(1) as f32;
        let per_char = (piece.end - piece.x).max(0.0) / chars;
        let mut start: Option<(usize, usize)> = None;
        let ends = piece.text.char_indices().map(Some).chain([None]);
        for (column, item) in ends.enumerate() {
            let space = item.is_none_or(|(_, c)| c.is_whitespace());
            match (space, start) {
                (true, Some((from_column, from_byte))) => {
                    let end_byte = item.map_or(piece.text.len(), |(b, _)| b);
                    words.push(PlacedWord {
                        piece: at,
                        end_byte,
                        text: piece.text[from_byte..end_byte].to_string(),
                        span: Span {
                            left: piece.x + per_char * from_column as f32,
                            right: piece.x + per_char * column as f32,
                        },
                    });
                    start = None;
                }
                (false, None) => start = item.map(|(b, _)| (column, b)),
                _ => {}
            }
        }
    }
    words
}

/// Writes the marks of `below` after the options of `above` they stand
/// under; whether they were.
fn attach_marks(above: &mut [Piece], below: &[Piece]) -> bool {
    let (Some(first_above), Some(first_below)) = (above.first(), below.first()) else {
        return false;
    };
    let size = first_above.size.max(first_below.size);
    let gap = first_above.y - first_below.y;
    if !(gap > 0.0 && gap <= size * 1.6) {
        return false;
    }
    let marks = placed_words(below);
    let all_marks = !marks.is_empty()
        && marks
            .iter()
            .all(|m| read_ticks(&m.text) == Ticks::Ticked(Vec::new()));
    if !all_marks {
        return false;
    }
    // The options: the words after the longest run of words from the
    // line's start that is a label.
    let words = placed_words(above);
    let label_words = (1..=words.len().min(8)).rev().find(|&n| {
        let text: Vec<&str> = words[..n].iter().map(|w| w.text.as_str()).collect();
        Label::from_text(text.join(" ").trim_end_matches(':')).is_some()
    });
    let Some(label_words) = label_words else {
        return false;
    };
    let options = &words[label_words..];
    if options.len() < 2
        || options
            .iter()
            .any(|o| read_ticks(&o.text) != Ticks::NoBoxes)
    {
        return false;
    }
    let spans: Vec<Span> = options.iter().map(|o| o.span).collect();
    let mark_spans: Vec<Span> = marks.iter().map(|m| m.span).collect();
    let Some(marked) = marks_under(&spans, &mark_spans, size * 0.5) else {
        return false;
    };
    // Last first, so that each insertion leaves the offsets before it.
    for (option, _) in options.iter().zip(marked).filter(|(_, m)| *m).rev() {
        above[option.piece]
            .text
            .insert_str(option.end_byte, " X   ");
    }
    true
}
