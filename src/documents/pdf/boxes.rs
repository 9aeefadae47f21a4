//! Check boxes a printed form draws as small squares (`re S`, or four
//! lines): a square with a mark inside or on it (`X`, `✔`, `[X]`, a
//! tick or cross drawn as lines, a filled square) is a ticked box, an
//! empty one an empty box, each read as the box character (`☒`, `☐`) in
//! its place on the line, so that the form reader pairs it with the
//! option beside it. Squares side by side (a comb of cells for a date or
//! number), and squares holding anything but a mark, are left as drawn.
//! What the page does not show is no mark: one hidden under an area
//! filled over it later ticks nothing, and one stroked as a hairline
//! (which viewers draw or not) makes its box unreadable.

use super::page::Piece;
use super::sight::{Cover, MAX_COVER_CHECKS};
use super::*;
use crate::core::tick::{read_ticks, Ticks, UNKNOWN_MARK};

/// A check box is a square this many points across, or between.
const SMALLEST_BOX: f32 = 4.0;
const LARGEST_BOX: f32 = 24.0;
/// Squares and marks kept on one page: a form has a few dozen boxes.
const MAX_SQUARES: usize = 500;
const MAX_MARKS: usize = 2000;
/// How far a mark may stand over a box's edge and still be on it.
const SLACK: f32 = 2.0;

/// The small squares a page strokes, and the small shapes it paints.
#[derive(Default)]
pub(super) struct Squares {
    boxes: Vec<Rect>,
    /// Lines, curves and filled shapes small enough to be a mark in a
    /// box: an X or tick drawn as lines, a filled square.
    marks: Vec<Mark>,
}

/// A shape that may be a box's mark: where, when it was drawn (an area
/// filled over it later hides it), and whether it is a hairline, which
/// one viewer shows and another does not.
#[derive(Clone, Copy)]
struct Mark {
    area: Rect,
    drawn: usize,
    hairline: bool,
}

/// How a path was painted: its outline, its inside, the outline a
/// hairline, and when (the operation's place in the content).
pub(super) struct Painting {
    pub stroked: bool,
    pub filled: bool,
    pub hairline: bool,
    pub drawn: usize,
}

impl Squares {
    /// A path painted: its rectangles when it is nothing else, its extent,
    /// and whether its outline and its inside show.
    pub fn painted(&mut self, rectangles: Option<Vec<Rect>>, extent: Option<Rect>, how: Painting) {
        let small = |r: &Rect| {
            r.right - r.left <= LARGEST_BOX + SLACK && r.top - r.bottom <= LARGEST_BOX + SLACK
        };
        let mark = |area: Rect| Mark {
            area,
            drawn: how.drawn,
            hairline: how.hairline,
        };
        match rectangles {
            Some(rectangles) if how.stroked => {
                for square in rectangles.into_iter().filter(is_square) {
                    if self.boxes.len() < MAX_SQUARES {
                        self.boxes.push(square);
                    }
                }
            }
            Some(rectangles) if how.filled => {
                for area in rectangles.into_iter().filter(small) {
                    if self.marks.len() < MAX_MARKS {
                        self.marks.push(mark(area));
                    }
                }
            }
            Some(_) => {}
            None if how.stroked || how.filled => {
                if let Some(extent) = extent.filter(small) {
                    if self.marks.len() < MAX_MARKS {
                        self.marks.push(mark(extent));
                    }
                }
            }
            None => {}
        }
    }

    /// How many of each are kept, to go back to (an annotation's
    /// appearance draws squares that are a field's, read from the form).
    pub fn mark(&self) -> (usize, usize) {
        (self.boxes.len(), self.marks.len())
    }

    pub fn back_to(&mut self, (boxes, marks): (usize, usize)) {
        self.boxes.truncate(boxes);
        self.marks.truncate(marks);
    }
}

fn is_square(r: &Rect) -> bool {
    let (width, height) = (r.right - r.left, r.top - r.bottom);
    (SMALLEST_BOX..=LARGEST_BOX).contains(&width)
        && (SMALLEST_BOX..=LARGEST_BOX).contains(&height)
        && width / height >= 0.75
        && height / width >= 0.75
}

fn within(inner: &Rect, outer: &Rect, slack: f32) -> bool {
    inner.left >= outer.left - slack
        && inner.right <= outer.right + slack
        && inner.bottom >= outer.bottom - slack
        && inner.top <= outer.top + slack
}

fn overlaps(a: &Rect, b: &Rect) -> bool {
    a.left < b.right && b.left < a.right && a.bottom < b.top && b.bottom < a.top
}

/// The boxes of a page read into its text: each check box's mark (or
/// nothing) in its place as `☒` (or `☐`).
pub(super) fn read_boxes(
    pieces: &mut Vec<Piece>,
    squares: &Squares,
    covers: &[Cover],
    budget: &Budget,
) -> Result<(), DocumentError> {
    let boxes = check_boxes(&squares.boxes);
    let mut taken = vec![false; pieces.len()];
    let mut checks = 0usize;
    let mut read: Vec<Piece> = Vec::new();
    for (n, square) in boxes.iter().enumerate() {
        if n % 64 == 0 {
            budget.check_time()?;
        }
        // What text is in it, and what runs across its edge.
        let mut inside: Vec<usize> = Vec::new();
        let mut across = false;
        for (i, piece) in pieces.iter().enumerate() {
            if !overlaps(&piece.area, square) {
                continue;
            }
            let (cx, cy) = (
                (piece.area.left + piece.area.right) / 2.0,
                (piece.area.bottom + piece.area.top) / 2.0,
            );
            let centred = cx >= square.left
                && cx <= square.right
                && cy >= square.bottom - SLACK
                && cy <= square.top + SLACK;
            if centred
                && piece.area.left >= square.left - SLACK * 2.0
                && piece.area.right <= square.right + SLACK * 2.0
            {
                inside.push(i);
            } else {
                across = true;
            }
        }
        if across || inside.iter().any(|&i| taken[i]) {
            continue;
        }
        let text: String = inside
            .iter()
            .map(|&i| pieces[i].text.trim())
            .collect::<Vec<_>>()
            .join(" ");
        let shown = if text.is_empty() {
            // The marks in it a reader sees: not under an area filled
            // over them later; a hairline's showing depends on the viewer.
            let mut shown = Some(false);
            for mark in squares
                .marks
                .iter()
                .filter(|m| within(&m.area, square, SLACK) && !same(&m.area, square, 0.5))
            {
                checks += covers.len();
                if checks > MAX_COVER_CHECKS {
                    return Err(DocumentError::PdfOverdrawn {
                        limit: MAX_COVER_CHECKS,
                    });
                }
                if covers.iter().any(|c| c.hides(&mark.area, mark.drawn)) {
                    continue;
                }
                if mark.hairline {
                    shown = None;
                    break;
                }
                shown = Some(true);
            }
            shown
        } else {
            match read_ticks(&text) {
                Ticks::Ticked(options) if options.is_empty() => Some(true),
                Ticks::NoneTicked => Some(false),
                // Letters or digits in a square: not a check box.
                _ => continue,
            }
        };
        for &i in &inside {
            taken[i] = true;
        }
        // On the baseline of the text beside it, at its size.
        let middle = (square.bottom + square.top) / 2.0;
        let beside = pieces
            .iter()
            .enumerate()
            .filter(|(i, p)| !taken[*i] && p.area.bottom <= middle && p.area.top >= middle)
            .min_by(|(_, a), (_, b)| {
                let off = |p: &Piece| (p.x - square.left).abs().min((p.end - square.right).abs());
                off(a).total_cmp(&off(b))
            })
            .map(|(_, p)| (p.y, p.size));
        let height = square.top - square.bottom;
        let (y, size) = beside.unwrap_or((square.bottom + height * 0.15, height));
        read.push(Piece {
            x: square.left,
            y,
            end: square.right,
            size,
            text: match shown {
                Some(true) => '\u{2612}',
                Some(false) => '\u{2610}',
                None => UNKNOWN_MARK,
            }
            .to_string(),
            area: *square,
            drawn: inside.iter().map(|&i| pieces[i].drawn).min().unwrap_or(0),
        });
    }
    let mut taken = taken.into_iter();
    pieces.retain(|_| !taken.next().unwrap_or(false));
    pieces.extend(read);
    Ok(())
}

/// Two rectangles alike within `within` points: one box drawn twice (a
/// mark inset by a point is a mark).
fn same(a: &Rect, b: &Rect, within: f32) -> bool {
    (a.left - b.left).abs() <= within
        && (a.right - b.right).abs() <= within
        && (a.bottom - b.bottom).abs() <= within
        && (a.top - b.top).abs() <= within
}

/// The squares that are check boxes: each once (a square drawn twice, or
/// within another, is one box), and none that stands in a row with
/// another closer than its own width (the cells of a comb).
fn check_boxes(squares: &[Rect]) -> Vec<Rect> {
    let mut boxes: Vec<Rect> = Vec::new();
    for square in squares {
        if boxes
            .iter()
            .any(|b| same(b, square, 1.0) || within(square, b, 0.5))
        {
            continue;
        }
        boxes.retain(|b| !within(b, square, 0.5));
        boxes.push(*square);
    }
    let in_comb = |a: &Rect| {
        boxes.iter().any(|b| {
            let width = a.right - a.left;
            let level = (a.bottom - b.bottom).abs() <= SLACK && (a.top - b.top).abs() <= SLACK;
            let gap = (b.left - a.right).max(a.left - b.right);
            !same(a, b, 1.0) && level && gap < width
        })
    };
    boxes.iter().filter(|b| !in_comb(b)).copied().collect()
}
