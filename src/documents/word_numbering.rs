//! Word's list numbering (`word/numbering.xml`), as far as a reader sees it
//! on the page: a list paragraph whose level draws a tick or a box for its
//! bullet (`w:lvlText` a Wingdings `ü` or `þ`, or `✓`, `☐` as themselves)
//! shows that tick or box before its text, as if typed there, whether
//! the paragraph or its style names the list. Other bullets and numbers
//! are not read: a question's number is no part of its label.

use super::docx::symbol;
use super::look::Colour;
use super::xml::{attribute, is_on, next_event, reader};
use super::{Budget, DocumentError};
use quick_xml::events::Event;
use std::collections::HashMap;

/// Lists and levels of one document: Word writes a few dozen.
const MAX_LISTS: usize = 10_000;
/// Word's lists have nine levels.
const MAX_LEVEL: u8 = 8;

/// What a list level draws before its paragraphs: a tick or a box, or
/// nothing the reader reads (`None`).
type Marks = HashMap<u8, Option<char>>;

/// `word/numbering.xml`: each list's (`w:num`) levels, from its abstract
/// list (`w:abstractNum`) and its own overrides (`w:lvlOverride`).
#[derive(Default)]
pub(super) struct Numbering {
    abstracts: HashMap<String, Marks>,
    /// Each list: its abstract list and the levels it overrides.
    lists: HashMap<String, (Option<String>, Marks)>,
}

/// The smallest bullet read as a mark, in half points (4 pt).
const MIN_BULLET_HALF_POINTS: u16 = 8;

/// A level being read: its text and the font it is drawn in.
#[derive(Default)]
struct Level {
    at: u8,
    text: Option<String>,
    font: Option<String>,
    hidden: bool,
}

impl Level {
    fn mark(&self) -> Option<char> {
        if self.hidden {
            return None;
        }
        let text = self.text.as_deref()?.trim();
        let mut chars = text.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else {
            return None;
        };
        let code = u32::from(c);
        let wingdings = self
            .font
            .as_deref()
            .is_some_and(|f| f.trim().eq_ignore_ascii_case("Wingdings"));
        match c {
            '✓' | '✔' | '☑' | '☒' | '☐' | '□' => Some(c),
            // Wingdings keeps its glyphs at `F0xx`, and a level written in
            // the font names them by the low byte (`ü` is its tick).
            '\u{F000}'..='\u{F0FF}' => tick_or_box(code),
            _ if wingdings && code < 0x100 => tick_or_box(0xF000 + code),
            _ => None,
        }
    }
}

/// A Wingdings tick or box; its other glyphs (its square `§` bullet
/// among them) are no tick.
fn tick_or_box(code: u32) -> Option<char> {
    symbol(code).filter(|c| matches!(c, '☐' | '☒' | '✓'))
}

impl Numbering {
    pub fn read(xml: &[u8], budget: &Budget) -> Result<Numbering, DocumentError> {
        let mut reader = reader(xml)?;
        let mut numbering = Numbering::default();
        // The abstract list or list being read (`true` for a list), its
        // levels so far, and the level being read.
        let mut open: Option<(bool, String, Option<String>, Marks)> = None;
        let mut level: Option<Level> = None;
        let mut in_run_properties = false;
        let mut events = 0u32;
        loop {
            let event = next_event(&mut reader, &mut events, budget)?;
            let start = matches!(event, Event::Start(_));
            match event {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                    "abstractNum" if start => {
                        open = attribute(&e, "abstractNumId")
                            .map(|id| (false, id.trim().to_string(), None, Marks::new()));
                    }
                    "num" if start => {
                        open = attribute(&e, "numId")
                            .map(|id| (true, id.trim().to_string(), None, Marks::new()));
                    }
                    "abstractNumId" => {
                        if let Some((true, _, base, _)) = open.as_mut() {
                            *base = attribute(&e, "val").map(|v| v.trim().to_string());
                        }
                    }
                    "lvl" if start => {
                        let at = attribute(&e, "ilvl")
                            .and_then(|v| v.trim().parse::<u8>().ok())
                            .filter(|at| *at <= MAX_LEVEL);
                        level = at.map(|at| Level {
                            at,
                            ..Level::default()
                        });
                    }
                    "lvlText" => {
                        if let Some(level) = level.as_mut() {
                            level.text = attribute(&e, "val");
                        }
                    }
                    "rPr" if start => in_run_properties = true,
                    "rFonts" if in_run_properties => {
                        if let Some(level) = level.as_mut() {
                            level.font = attribute(&e, "ascii").or_else(|| attribute(&e, "hAnsi"));
                        }
                    }
                    "vanish" if in_run_properties => {
                        if let Some(level) = level.as_mut() {
                            level.hidden = is_on(&e);
                        }
                    }
                    // A bullet drawn white (on the page's white) or too
                    // small to see is no mark a reader sees.
                    "color" if in_run_properties => {
                        let faint = attribute(&e, "val")
                            .and_then(|v| Colour::from_hex(&v))
                            .is_some_and(|c| !c.stands_out_on(Colour::WHITE));
                        if let Some(level) = level.as_mut() {
                            level.hidden |= faint;
                        }
                    }
                    "sz" if in_run_properties => {
                        let tiny = attribute(&e, "val")
                            .and_then(|v| v.trim().parse::<u16>().ok())
                            .is_some_and(|half_points| half_points < MIN_BULLET_HALF_POINTS);
                        if let Some(level) = level.as_mut() {
                            level.hidden |= tiny;
                        }
                    }
                    _ => {}
                },
                Event::End(e) => match e.local_name().as_ref() {
                    "rPr" => in_run_properties = false,
                    "lvl" => {
                        if let (Some(level), Some((_, _, _, marks))) = (level.take(), open.as_mut())
                        {
                            marks.insert(level.at, level.mark());
                        }
                    }
                    "abstractNum" | "num" => {
                        let full = numbering.abstracts.len() + numbering.lists.len() >= MAX_LISTS;
                        match open.take() {
                            Some(_) if full => {}
                            Some((false, id, _, marks)) => {
                                numbering.abstracts.insert(id, marks);
                            }
                            Some((true, id, base, marks)) => {
                                numbering.lists.insert(id, (base, marks));
                            }
                            None => {}
                        }
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        Ok(numbering)
    }

    /// The tick or box a paragraph in list `list` (`w:numId`) at level
    /// `level` (`w:ilvl`, 0 when unsaid) shows before its text.
    pub fn mark(&self, list: &str, level: u8) -> Option<char> {
        let (base, overrides) = self.lists.get(list.trim())?;
        match overrides.get(&level) {
            Some(mark) => *mark,
            None => *self.abstracts.get(base.as_deref()?)?.get(&level)?,
        }
    }
}
