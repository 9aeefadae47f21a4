//! Word's formatting, as far as it decides whether a reader sees text: a
//! run's properties, shading, and the styles part (`word/styles.xml`):
//! the document's defaults, its paragraph, character and table styles
//! (with the conditional parts of a table style: its first row, first
//! column and bands), and the default style of each type, which a
//! paragraph, run or table naming no style (or one the document lacks)
//! has. Colours named from the theme are the theme's.

use super::look::{Colour, Fill, Ink, Look, Size, PAGE_POINTS};
use super::theme::Theme;
use super::xml::{attribute, is_on, next_event, reader};
use super::{Budget, DocumentError};
use quick_xml::events::{BytesStart, Event};
use std::collections::HashMap;

/// A property element of a run's (or a style's) `w:rPr`: what of it
/// decides whether a reader sees the text.
pub(super) fn set_run_property(look: &mut Look, e: &BytesStart<'_>, theme: &Theme) {
    match e.local_name().as_ref() {
        // `w:webHidden` hides text only in Word's web layout: printed and
        // in print layout it shows.
        "vanish" => look.hidden = Some(is_on(e)),
        "specVanish" => look.always_hidden = Some(is_on(e)),
        "color" => {
            look.ink = theme
                .named(e, ["themeColor", "themeTint", "themeShade"])
                .map(Ink::Colour)
                .or_else(|| attribute(e, "val").map(|v| ink(&v)));
        }
        "sz" => {
            look.size = attribute(e, "val")
                .and_then(|v| v.trim().parse::<u16>().ok())
                .map(|half_points| Size::Points(f32::from(half_points) / 2.0));
        }
        // Character scale, percent of the letters' width.
        "w" => {
            look.scale = attribute(e, "val")
                .and_then(|v| v.trim().trim_end_matches('%').parse::<u16>().ok())
                .map(f32::from);
        }
        // Space between letters, in twentieths of a point.
        "spacing" => {
            look.spacing = attribute(e, "val")
                .and_then(|v| v.trim().parse::<i16>().ok())
                .map(|twips| f32::from(twips) / 20.0);
        }
        // Moved up or down from the line, in half points.
        "position" => {
            look.raised = attribute(e, "val")
                .and_then(|v| v.trim().parse::<i32>().ok())
                .map(|half_points| Size::Points(half_points as f32 / 2.0));
        }
        "highlight" => look.mark = attribute(e, "val").map(|v| highlight(&v)),
        "shd" => look.fill = shading(e, theme),
        "caps" => look.caps = Some(is_on(e)),
        "smallCaps" => look.small_caps = Some(is_on(e)),
        "strike" => look.strike = Some(is_on(e)),
        "dstrike" => look.double_strike = Some(is_on(e)),
        _ => {}
    }
}

/// The look of a run as Word makes it from the layers of its formatting:
/// the document's defaults, beneath its table style's, beneath its
/// paragraph style's, beneath the paragraph's own, beneath its character
/// style's, beneath its own (`direct`). Word's toggle properties (ECMA-376
/// 17.7.3: hidden, capitals, small capitals, struck through) are not laid over one
/// another: each style level (the table's, the paragraph's, the
/// character's style, each with the styles it is based on, whose nearest
/// value counts) that turns one on turns it over, one saying off leaves
/// it as it was, and the run's own formatting says outright.
pub(super) fn run_look(
    defaults: Look,
    table: Look,
    paragraph: Look,
    own: Look,
    character: Look,
    direct: Look,
) -> Look {
    let mut look = defaults
        .under(table)
        .under(paragraph)
        .under(own)
        .under(character)
        .under(direct);
    let levels = [table, paragraph, character];
    let toggled = |of: fn(&Look) -> Option<bool>| {
        of(&direct).or_else(|| {
            let turns = levels.iter().filter(|l| of(l) == Some(true)).count();
            let set = of(&defaults).is_some() || levels.iter().any(|l| of(l).is_some());
            set.then(|| of(&defaults).unwrap_or(false) ^ (turns % 2 == 1))
        })
    };
    look.hidden = toggled(|l| l.hidden);
    look.caps = toggled(|l| l.caps);
    look.small_caps = toggled(|l| l.small_caps);
    look.strike = toggled(|l| l.strike);
    look
}

/// Where the reading of a run's properties is in its text fill
/// (`w14:textFill`), which Word draws the letters with in place of their
/// colour: none (`w14:noFill`), a colour, and how see-through it is
/// (`w14:alpha`, which counts transparency: `100000` is none of the
/// colour).
#[derive(Default)]
pub(super) struct TextFill {
    depth: usize,
}

impl TextFill {
    /// An element of run properties starts (`opens` when it is not
    /// empty): whether it is the text fill or inside it, read here.
    pub fn start(
        &mut self,
        look: &mut Look,
        e: &BytesStart<'_>,
        opens: bool,
        theme: &Theme,
    ) -> bool {
        let name = e.local_name();
        let name = name.as_ref();
        if self.depth == 0 {
            if name != "textFill" {
                return false;
            }
            look.opacity = Some(1.0);
        } else {
            match name {
                "noFill" => look.opacity = Some(0.0),
                "srgbClr" => {
                    if let Some(colour) = attribute(e, "val").and_then(|v| Colour::from_hex(&v)) {
                        look.ink = Some(Ink::Colour(colour));
                    }
                }
                "schemeClr" => {
                    if let Some(colour) = theme.named(e, ["val", "", ""]) {
                        look.ink = Some(Ink::Colour(colour));
                    }
                }
                "alpha" => {
                    if let Some(transparency) = attribute(e, "val")
                        .and_then(|v| v.trim().parse::<f32>().ok())
                        .filter(|v| v.is_finite())
                    {
                        look.opacity = Some(1.0 - (transparency / 100_000.0).clamp(0.0, 1.0));
                    }
                }
                _ => {}
            }
        }
        if opens {
            self.depth += 1;
        }
        true
    }

    /// An element ends: whether it was the text fill or inside it.
    pub fn end(&mut self) -> bool {
        if self.depth == 0 {
            return false;
        }
        self.depth -= 1;
        true
    }
}

/// A row held exactly to under this many twips (two points) shows no
/// line of its text; nor does a frame.
pub(super) const MIN_ROW_TWIPS: f32 = 40.0;
/// A page's margin, about: an object placed relative to it and wholly
/// further left or up than this is off the page.
pub(super) const MARGIN_TWIPS: f32 = 1440.0;
/// Twips in `PAGE_POINTS`.
const PAGE_TWIPS: f32 = PAGE_POINTS * 20.0;

/// Where a paragraph stands, as its own properties or its style's
/// (`w:pPr`) place it: its left indent and first line's (`w:ind`), its
/// alignment (`w:jc`), and whether it is a frame placed where no one sees
/// it (`w:framePr`).
#[derive(Default)]
pub(super) struct Placing {
    /// Any of them set.
    set: bool,
    left: i64,
    first_line: i64,
    aligned_right: bool,
    frame_away: bool,
}

impl Placing {
    /// `w:ind`, `w:jc` or `w:framePr` of paragraph properties.
    pub fn read(&mut self, e: &BytesStart<'_>) {
        self.set = true;
        match e.local_name().as_ref() {
            "ind" => self.indent(e),
            "jc" => {
                self.aligned_right =
                    attribute(e, "val").is_some_and(|v| matches!(v.trim(), "right" | "end"))
            }
            "framePr" => self.frame(e),
            _ => {}
        }
    }

    fn indent(&mut self, e: &BytesStart<'_>) {
        let twips = |name: &str| attribute(e, name).and_then(|v| v.trim().parse::<i64>().ok());
        if let Some(left) = twips("left").or_else(|| twips("start")) {
            self.left = left;
        }
        if let Some(first) = twips("firstLine") {
            self.first_line = first;
        }
        if let Some(hanging) = twips("hanging") {
            self.first_line = -hanging;
        }
    }

    /// A frame off the page (further than a page from it, or wholly
    /// before its left or top edge), or held to a height no line of text
    /// fits in.
    fn frame(&mut self, e: &BytesStart<'_>) {
        let twips = |name: &str| {
            attribute(e, name)
                .and_then(|v| v.trim().parse::<f32>().ok())
                .filter(|v| v.is_finite())
        };
        let size = |name: &str| twips(name).unwrap_or(0.0).max(0.0);
        let off = |at: Option<f32>, size: f32| {
            at.is_some_and(|at| at > PAGE_TWIPS || at + size < -MARGIN_TWIPS)
        };
        let exact = attribute(e, "hRule").is_some_and(|r| r.trim() == "exact");
        self.frame_away = off(twips("x"), size("w"))
            || off(twips("y"), size("h"))
            || (exact && twips("h").is_some_and(|h| h < MIN_ROW_TWIPS));
    }

    /// Whether its text is off the page (`Look::away`), when it says
    /// anything of where it stands: in a frame placed away, or indented
    /// left by more than a page (unless aligned to the right, where it
    /// ends at the margin whatever its indent).
    pub fn look(&self) -> Option<bool> {
        self.set.then(|| {
            self.frame_away
                || (!self.aligned_right
                    && ((self.left + self.first_line.min(0)) as f32) < -PAGE_TWIPS)
        })
    }
}

/// `w:color`'s value: `auto`, or a colour. One that cannot be read is
/// taken as one that shows.
fn ink(value: &str) -> Ink {
    Colour::from_hex(value).map_or(Ink::Automatic, Ink::Colour)
}

/// `w:shd`: a pattern (`w:val`) in its pattern colour (`w:color`, black
/// when automatic) over the fill (`w:fill`), seen as the two mixed by how
/// much of the fill the pattern covers (all for `solid`, a tenth for
/// `pct10`, about half for stripes and crosses); `clear` is the fill
/// alone, and `nil`, or a clear pattern with an automatic fill, paints
/// nothing. A theme colour (`w:themeColor`, `w:themeFill`) is what is
/// drawn, whatever the colour spelt beside it.
pub(super) fn shading(e: &BytesStart<'_>, theme: &Theme) -> Option<Fill> {
    let pattern = attribute(e, "val").map(|v| v.trim().to_ascii_lowercase());
    if pattern.as_deref() == Some("nil") {
        return Some(Fill::Clear);
    }
    let fill = theme
        .named(e, ["themeFill", "themeFillTint", "themeFillShade"])
        .map(Fill::Colour)
        .or_else(|| {
            attribute(e, "fill")
                .map(|fill| Colour::from_hex(&fill).map_or(Fill::Clear, Fill::Colour))
        });
    let coverage = pattern.as_deref().map_or(0.0, coverage);
    if coverage <= 0.0 {
        return fill.or(pattern.map(|_| Fill::Clear));
    }
    let ink = theme
        .named(e, ["themeColor", "themeTint", "themeShade"])
        .or_else(|| attribute(e, "color").and_then(|c| Colour::from_hex(&c)))
        .unwrap_or(Colour::BLACK);
    // An automatic fill under a pattern is the white of the page.
    let beneath = match fill {
        Some(Fill::Colour(c)) => c,
        _ => Colour::WHITE,
    };
    Some(Fill::Colour(beneath.under(ink, coverage)))
}

/// How much of the fill a shading pattern (`w:val`, lower case) covers
/// with its pattern colour: `pct25` a quarter, `solid` all of it, stripes
/// and crosses about half (the thin ones about a quarter); none for
/// `clear` and any pattern Word does not know.
fn coverage(pattern: &str) -> f32 {
    if let Some(percent) = pattern.strip_prefix("pct") {
        return percent.parse::<f32>().map_or(0.0, |p| p / 100.0);
    }
    match pattern {
        "solid" => 1.0,
        "horzstripe" | "vertstripe" | "reversediagstripe" | "diagstripe" | "horzcross"
        | "diagcross" => 0.5,
        "thinhorzstripe"
        | "thinvertstripe"
        | "thinreversediagstripe"
        | "thindiagstripe"
        | "thinhorzcross"
        | "thindiagcross" => 0.25,
        _ => 0.0,
    }
}

/// `w:highlight`'s named colours.
fn highlight(name: &str) -> Fill {
    let colour = match name.trim() {
        "black" => Colour::rgb(0x00, 0x00, 0x00),
        "blue" => Colour::rgb(0x00, 0x00, 0xFF),
        "cyan" => Colour::rgb(0x00, 0xFF, 0xFF),
        "green" => Colour::rgb(0x00, 0xFF, 0x00),
        "magenta" => Colour::rgb(0xFF, 0x00, 0xFF),
        "red" => Colour::rgb(0xFF, 0x00, 0x00),
        "yellow" => Colour::rgb(0xFF, 0xFF, 0x00),
        "white" => Colour::WHITE,
        "darkBlue" => Colour::rgb(0x00, 0x00, 0x80),
        "darkCyan" => Colour::rgb(0x00, 0x80, 0x80),
        "darkGreen" => Colour::rgb(0x00, 0x80, 0x00),
        "darkMagenta" => Colour::rgb(0x80, 0x00, 0x80),
        "darkRed" => Colour::rgb(0x80, 0x00, 0x00),
        "darkYellow" => Colour::rgb(0x80, 0x80, 0x00),
        "darkGray" => Colour::rgb(0x80, 0x80, 0x80),
        "lightGray" => Colour::rgb(0xC0, 0xC0, 0xC0),
        _ => return Fill::Clear,
    };
    Fill::Colour(colour)
}

/// Styles deeper than this in `w:basedOn` are no real document's.
const MAX_STYLE_DEPTH: usize = 16;
/// Styles of one document: Word writes a few hundred.
pub(super) const MAX_STYLES: usize = 10_000;
/// Conditional parts of one table style: Word knows twelve.
const MAX_TABLE_PARTS: usize = 16;

/// What a style (or a conditional part of a table style) paints: its
/// text's look, and a table style's cells' shading (`w:tcPr`, or its
/// table's `w:tblPr`).
#[derive(Clone, Copy, Default)]
pub(super) struct Paint {
    look: Look,
    cell: Option<Fill>,
}

#[derive(Default)]
struct Style {
    /// `paragraph`, `character`, `table` or `numbering`.
    kind: String,
    base: Option<String>,
    paint: Paint,
    /// A table style's conditional parts (`w:tblStylePr`), by type
    /// (`firstRow`, `band1Horz`...).
    parts: Vec<(String, Paint)>,
    /// A paragraph style's list (`w:numPr`: `w:numId`, `w:ilvl`): its
    /// paragraphs are that list's items unless they say otherwise.
    list: Option<String>,
    list_level: Option<u8>,
}

/// Which of its table style's conditional parts a table takes
/// (`w:tblLook`): none unless it says.
#[derive(Clone, Copy, Default)]
pub(super) struct TableLook {
    first_row: bool,
    first_column: bool,
    no_row_bands: bool,
    no_column_bands: bool,
}

impl TableLook {
    /// From `w:tblLook`: its attributes, or the bits of its older `w:val`.
    pub fn read(e: &BytesStart<'_>) -> TableLook {
        let bits = attribute(e, "val")
            .and_then(|v| u16::from_str_radix(v.trim(), 16).ok())
            .unwrap_or(0);
        let flag = |name: &str, bit: u16| match attribute(e, name) {
            Some(v) => !matches!(v.trim(), "0" | "false" | "off"),
            None => bits & bit != 0,
        };
        TableLook {
            first_row: flag("firstRow", 0x0020),
            first_column: flag("firstColumn", 0x0080),
            no_row_bands: flag("noHBand", 0x0200),
            no_column_bands: flag("noVBand", 0x0400),
        }
    }
}

/// Where a cell stands in its table, counted from 0.
#[derive(Clone, Copy)]
pub(super) struct Place {
    pub row: usize,
    pub column: usize,
}

/// `word/styles.xml`: each style's look and what it is based on, each
/// type's default style, the document's default look, and the theme its
/// colours are named from.
#[derive(Default)]
pub(super) struct Styles {
    pub theme: Theme,
    defaults: Look,
    styles: HashMap<String, Style>,
    /// Each type's default style (`w:default="1"`).
    default_of_kind: HashMap<String, String>,
}

impl Styles {
    /// A document without styles of its own.
    pub fn with_theme(theme: Theme) -> Styles {
        Styles {
            theme,
            ..Styles::default()
        }
    }

    pub fn read(xml: &[u8], theme: Theme, budget: &Budget) -> Result<Styles, DocumentError> {
        let mut reader = reader(xml)?;
        let mut styles = Styles::with_theme(theme);
        // The style being read, and the conditional part of it; where in
        // its (or the defaults') properties; and how deep inside an old
        // look a tracked change keeps, which is not the look shown.
        let mut style: Option<(String, Style)> = None;
        let mut part: Option<(String, Paint)> = None;
        let mut in_defaults = false;
        let mut in_run_properties = false;
        let mut in_paragraph_properties = false;
        let mut in_cell_properties = false;
        let mut changed = 0usize;
        let mut text_fill = TextFill::default();
        let mut placing = Placing::default();
        let mut events = 0u32;
        loop {
            let event = next_event(&mut reader, &mut events, budget)?;
            let start = matches!(event, Event::Start(_));
            match event {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e) if changed == 0 => {
                    let in_part = part.is_some();
                    let paint = if let Some((_, paint)) = part.as_mut() {
                        Some(paint)
                    } else if let Some((_, style)) = style.as_mut() {
                        Some(&mut style.paint)
                    } else {
                        None
                    };
                    match e.local_name().as_ref() {
                        "style" => {
                            let kind = attribute(&e, "type")
                                .map_or_else(|| "paragraph".to_string(), |t| t.trim().to_string());
                            let id = attribute(&e, "styleId");
                            if let Some(id) = &id {
                                let default = attribute(&e, "default")
                                    .is_some_and(|v| matches!(v.trim(), "1" | "true" | "on"));
                                if default {
                                    styles
                                        .default_of_kind
                                        .entry(kind.clone())
                                        .or_insert_with(|| id.clone());
                                }
                            }
                            part = None;
                            style = id.map(|id| {
                                (
                                    id,
                                    Style {
                                        kind,
                                        ..Style::default()
                                    },
                                )
                            });
                        }
                        "tblStylePr" if start => {
                            part = attribute(&e, "type")
                                .map(|t| (t.trim().to_string(), Paint::default()));
                        }
                        "docDefaults" if start => in_defaults = true,
                        "rPr" if start => in_run_properties = true,
                        "pPr" if start => {
                            in_paragraph_properties = true;
                            placing = Placing::default();
                        }
                        "tcPr" | "tblPr" if start => in_cell_properties = true,
                        "rPrChange" | "pPrChange" | "tcPrChange" | "tblPrChange" if start => {
                            changed += 1
                        }
                        "basedOn" => {
                            if let Some((_, style)) = style.as_mut() {
                                style.base = attribute(&e, "val");
                            }
                        }
                        _ if in_run_properties => {
                            let look = if let Some(paint) = paint {
                                Some(&mut paint.look)
                            } else if in_defaults {
                                Some(&mut styles.defaults)
                            } else {
                                None
                            };
                            if let Some(look) = look {
                                if !text_fill.start(look, &e, start, &styles.theme) {
                                    set_run_property(look, &e, &styles.theme);
                                }
                            }
                        }
                        "ind" | "jc" | "framePr" if in_paragraph_properties => placing.read(&e),
                        "numId" if in_paragraph_properties && !in_part => {
                            if let Some((_, style)) = style.as_mut() {
                                style.list = attribute(&e, "val");
                            }
                        }
                        "ilvl" if in_paragraph_properties && !in_part => {
                            if let Some((_, style)) = style.as_mut() {
                                style.list_level =
                                    attribute(&e, "val").and_then(|v| v.trim().parse::<u8>().ok());
                            }
                        }
                        // A paragraph style's shading, behind its text.
                        "shd" if in_paragraph_properties => {
                            let area = shading(&e, &styles.theme);
                            if let Some(paint) = paint {
                                paint.look.area = area;
                            } else if in_defaults {
                                styles.defaults.area = area;
                            }
                        }
                        // A table style's shading of its cells.
                        "shd" if in_cell_properties => {
                            if let Some(paint) = paint {
                                paint.cell = shading(&e, &styles.theme);
                            }
                        }
                        _ => {}
                    }
                }
                Event::Start(e)
                    if matches!(
                        e.local_name().as_ref(),
                        "rPrChange" | "pPrChange" | "tcPrChange" | "tblPrChange"
                    ) =>
                {
                    changed += 1
                }
                Event::End(e) => match e.local_name().as_ref() {
                    "rPrChange" | "pPrChange" | "tcPrChange" | "tblPrChange" => {
                        changed = changed.saturating_sub(1)
                    }
                    _ if changed > 0 => {}
                    _ if in_run_properties && text_fill.end() => {}
                    "rPr" => in_run_properties = false,
                    "pPr" => {
                        in_paragraph_properties = false;
                        let away = placing.look();
                        if let Some((_, paint)) = part.as_mut() {
                            paint.look.away = away.or(paint.look.away);
                        } else if let Some((_, style)) = style.as_mut() {
                            style.paint.look.away = away.or(style.paint.look.away);
                        } else if in_defaults {
                            styles.defaults.away = away.or(styles.defaults.away);
                        }
                    }
                    "tcPr" | "tblPr" => in_cell_properties = false,
                    "docDefaults" => in_defaults = false,
                    "tblStylePr" => {
                        if let Some(((_, style), part)) = style.as_mut().zip(part.take()) {
                            if style.parts.len() < MAX_TABLE_PARTS {
                                style.parts.push(part);
                            }
                        }
                    }
                    "style" => {
                        if let Some((id, style)) = style.take() {
                            if styles.styles.len() < MAX_STYLES {
                                styles.styles.insert(id, style);
                            }
                        }
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        Ok(styles)
    }

    /// The document's default look (`w:docDefaults`).
    pub fn defaults(&self) -> Look {
        self.defaults
    }

    /// The style of a kind a paragraph, run or table has: the one it
    /// names, if the document has it as one of that kind, else the
    /// kind's default.
    fn of_kind<'a>(&'a self, kind: &str, id: Option<&'a str>) -> Option<&'a str> {
        id.filter(|id| self.styles.get(*id).is_some_and(|s| s.kind == kind))
            .or_else(|| self.default_of_kind.get(kind).map(String::as_str))
    }

    /// A style and the styles it is based on, the deepest base first.
    fn chain(&self, id: Option<&str>) -> Vec<&Style> {
        let mut chain = Vec::new();
        let mut next = id;
        while let Some(id) = next {
            if chain.len() >= MAX_STYLE_DEPTH {
                break;
            }
            let Some(style) = self.styles.get(id) else {
                break;
            };
            chain.push(style);
            next = style.base.as_deref();
        }
        chain.reverse();
        chain
    }

    /// The list a paragraph style `id` makes its paragraphs items of, and
    /// at what level: its own, else its nearest base's.
    pub fn list(&self, id: Option<&str>) -> Option<(String, u8)> {
        self.chain(self.of_kind("paragraph", id))
            .into_iter()
            .rev()
            .find_map(|style| {
                let list = style.list.clone()?;
                Some((list, style.list_level.unwrap_or(0)))
            })
    }

    /// The look of a paragraph (`kind` `paragraph`) or run (`character`)
    /// naming style `id`, its bases' beneath it.
    pub fn look(&self, kind: &str, id: Option<&str>) -> Look {
        self.chain(self.of_kind(kind, id))
            .into_iter()
            .fold(Look::default(), |look, style| look.under(style.paint.look))
    }

    /// What the table style `id` gives a cell at `place`: its text's look
    /// and the cell's shading. The whole table's part beneath the bands',
    /// beneath the first column's, beneath the first row's.
    pub fn table(&self, id: Option<&str>, table: TableLook, place: Place) -> Paint {
        let in_first_row = table.first_row && place.row == 0;
        let in_first_column = table.first_column && place.column == 0;
        let band = |index: usize, header: bool| {
            if index % 2 == usize::from(header) {
                "1"
            } else {
                "2"
            }
        };
        let mut applying = vec!["wholeTable".to_string()];
        if !table.no_column_bands && !in_first_column {
            let band = band(place.column, table.first_column);
            applying.push(format!("band{band}Vert"));
        }
        if !table.no_row_bands && !in_first_row {
            applying.push(format!("band{}Horz", band(place.row, table.first_row)));
        }
        if in_first_column {
            applying.push("firstCol".to_string());
        }
        if in_first_row {
            applying.push("firstRow".to_string());
        }
        let mut paint = Paint::default();
        for style in self.chain(self.of_kind("table", id)) {
            paint = paint.under(style.paint);
            for wanted in &applying {
                for (_, part) in style.parts.iter().filter(|(kind, _)| kind == wanted) {
                    paint = paint.under(*part);
                }
            }
        }
        paint
    }
}

impl Paint {
    fn under(self, over: Paint) -> Paint {
        Paint {
            look: self.look.under(over.look),
            cell: over.cell.or(self.cell),
        }
    }

    pub fn look(&self) -> Look {
        self.look
    }

    /// The colour the cell is painted, if any.
    pub fn cell(&self) -> Option<Colour> {
        match self.cell {
            Some(Fill::Colour(c)) => Some(c),
            _ => None,
        }
    }
}
