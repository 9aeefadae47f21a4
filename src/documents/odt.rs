//! OpenDocument text (`.odt`): `content.xml` read as a person sees the
//! page. Paragraphs and headings are lines, table rows `label<TAB>value`
//! (nested tables and cells of a label over its answer as Word's are);
//! tracked changes (deleted text is kept in `text:tracked-changes`),
//! notes and form controls' definitions are not read, nor is text a
//! reader does not see: in a hidden section or one shown on a condition,
//! in a paragraph holding a hidden-paragraph field, in a hidden-text
//! field, or in a paragraph or span whose style (or a style it is based
//! on, or its family's default style) hides it, colours it as what it is
//! drawn on (white on no background; white on a dark text, paragraph,
//! cell, row or table background shows, the innermost painted one
//! counting), makes it smaller than two points (in any unit,
//! or a percentage of the size beneath), squeezes it under a tenth of its
//! width or condenses it onto itself, draws it (nearly) see-through
//! (`loext:opacity`, `style:text-opacity`), moves it more than a page from
//! its line or shrinks it to a speck (`style:text-position`); nor text in
//! a frame or shape not displayed (`draw:display="none"`), placed off the
//! page or on a page past the document's last, or under a millimetre
//! across. Elements and attributes are known
//! by their namespace, whatever prefix a document binds it to, and styles
//! by their family and name. Legacy form check boxes (fieldmarks of type
//! `FORMCHECKBOX`) read as `☒`/`☐`, as Word's do.

use super::look::{Colour, Fill, Ink, Look, Size, PAGE_POINTS};
use super::xml::{next_event, reference, tick, Layout, Namespaces};
use super::{zipped, Budget, DocumentError, DocumentText};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::QName;
use std::collections::{HashMap, HashSet};

const OFFICE: &str = "urn:oasis:names:tc:opendocument:xmlns:office:1.0";
const STYLE: &str = "urn:oasis:names:tc:opendocument:xmlns:style:1.0";
const TEXT: &str = "urn:oasis:names:tc:opendocument:xmlns:text:1.0";
const TABLE: &str = "urn:oasis:names:tc:opendocument:xmlns:table:1.0";
const FO: &str = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0";
const FIELD: &str = "urn:openoffice:names:experimental:ooo-ms-interop:xmlns:field:1.0";
const DRAW: &str = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0";
const SVG: &str = "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0";
const LOEXT: &str = "urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0";

pub(super) fn read(bytes: &[u8], budget: &Budget) -> Result<DocumentText, DocumentError> {
    let xml = zipped::read_part(bytes, "content.xml", budget)?;
    let mut styles = Styles::default();
    if let Some(common) = zipped::read_optional_part(bytes, "styles.xml", budget)? {
        styles.read(&common, budget)?;
    }
    read_xml(&xml, styles, budget)
}

/// An element's name with the prefix OpenDocument's specification gives
/// its namespace (`text:p`), whatever prefix the document binds it to; an
/// element of any other namespace has none (`:p`).
fn name_of(namespaces: &Namespaces, name: QName<'_>) -> String {
    let (namespace, local) = namespaces.element(name);
    let prefix = match namespace {
        Some(OFFICE) => "office",
        Some(STYLE) => "style",
        Some(TEXT) => "text",
        Some(TABLE) => "table",
        Some(FIELD) => "field",
        Some(DRAW) => "draw",
        _ => "",
    };
    format!("{prefix}:{local}")
}

/// A length in points (`12pt`, `0.5mm`, `0.02in`, `1px`).
fn points(value: &str) -> Option<f32> {
    let value = value.trim();
    let unit_at = value.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = value.split_at(unit_at);
    let number = number
        .trim()
        .parse::<f32>()
        .ok()
        .filter(|n| n.is_finite())?;
    let per_unit = match unit.to_ascii_lowercase().as_str() {
        "pt" => 1.0,
        "pc" => 12.0,
        "in" => 72.0,
        "cm" => 72.0 / 2.54,
        "mm" => 72.0 / 25.4,
        "px" => 0.75,
        _ => return None,
    };
    Some(number * per_unit)
}

/// A percentage (`50%`).
fn percent(value: &str) -> Option<f32> {
    value
        .trim()
        .strip_suffix('%')?
        .trim()
        .parse::<f32>()
        .ok()
        .filter(|n| n.is_finite())
}

/// What of a style's properties decides whether a reader sees its text
/// (`style:text-properties`), and what its paragraph or cell is painted
/// with (`style:paragraph-properties`, `style:table-cell-properties`).
fn look_of(namespaces: &Namespaces, e: &BytesStart<'_>) -> Look {
    let fill = |e: &BytesStart<'_>| {
        namespaces
            .attribute(e, FO, "background-color")
            .map(|v| match v.trim() {
                "transparent" => Fill::Clear,
                v => Colour::from_hex(v).map_or(Fill::Clear, Fill::Colour),
            })
    };
    match name_of(namespaces, e.name()).as_str() {
        "style:text-properties" => {
            let automatic = namespaces
                .attribute(e, STYLE, "use-window-font-color")
                .as_deref()
                == Some("true");
            let font_size = namespaces.attribute(e, FO, "font-size");
            let mut size = font_size.and_then(|v| {
                percent(&v)
                    .map(Size::Percent)
                    .or_else(|| points(&v).map(Size::Points))
            });
            // `super 58%`, `-33% 100%`: raised by a percentage of the
            // size, and drawn at a percentage of it.
            let position = namespaces.attribute(e, STYLE, "text-position");
            let mut words = position.as_deref().unwrap_or_default().split_whitespace();
            let raised = words.next().and_then(|by| match by {
                "super" => Some(Size::Percent(33.0)),
                "sub" => Some(Size::Percent(-33.0)),
                by => percent(by).map(Size::Percent),
            });
            if let Some(relative) = words.next().and_then(percent) {
                size = Some(match size {
                    Some(Size::Points(p)) => Size::Points(p * relative / 100.0),
                    Some(Size::Percent(p)) => Size::Percent(p * relative / 100.0),
                    None => Size::Percent(relative),
                });
            }
            let opacity = namespaces
                .attribute(e, LOEXT, "opacity")
                .or_else(|| namespaces.attribute(e, STYLE, "text-opacity"))
                .and_then(|v| percent(&v))
                .map(|p| (p / 100.0).clamp(0.0, 1.0));
            Look {
                hidden: namespaces
                    .attribute(e, TEXT, "display")
                    .map(|v| v.trim() == "none"),
                ink: if automatic {
                    Some(Ink::Automatic)
                } else {
                    namespaces
                        .attribute(e, FO, "color")
                        .map(|v| Colour::from_hex(&v).map_or(Ink::Automatic, Ink::Colour))
                },
                fill: fill(e),
                size,
                raised,
                opacity,
                scale: namespaces
                    .attribute(e, STYLE, "text-scale")
                    .and_then(|v| percent(&v)),
                spacing: namespaces.attribute(e, FO, "letter-spacing").and_then(|v| {
                    match v.trim() {
                        "normal" => Some(0.0),
                        v => points(v),
                    }
                }),
                caps: namespaces
                    .attribute(e, FO, "text-transform")
                    .map(|v| v.trim() == "uppercase"),
                small_caps: namespaces
                    .attribute(e, FO, "font-variant")
                    .map(|v| v.trim() == "small-caps"),
                strike: namespaces
                    .attribute(e, STYLE, "text-line-through-style")
                    .map(|v| v.trim() != "none")
                    .map(|struck| {
                        struck
                            && namespaces
                                .attribute(e, STYLE, "text-line-through-type")
                                .is_none_or(|t| t.trim() != "none")
                    }),
                ..Look::default()
            }
        }
        "style:paragraph-properties"
        | "style:table-cell-properties"
        | "style:table-row-properties"
        | "style:table-properties" => Look {
            area: fill(e),
            ..Look::default()
        },
        _ => Look::default(),
    }
}

/// Styles deeper than this in `style:parent-style-name` are no real
/// document's.
const MAX_STYLE_DEPTH: usize = 16;
/// Styles of one document: LibreOffice writes a few hundred.
const MAX_STYLES: usize = 10_000;

/// A style being read: its family, its name (none for a family's
/// default style), its look and its parent.
struct Pending {
    family: String,
    name: Option<String>,
    look: Look,
    parent: Option<String>,
    /// It starts a new page before or after its paragraph or table
    /// (`fo:break-before`, `fo:break-after`).
    breaks: bool,
}

/// The document's styles (`styles.xml`'s and `content.xml`'s automatic
/// ones), by family and name (a paragraph style and a text style may
/// share a name): each one's look and its parent; and each family's
/// default style (`style:default-style`), beneath all of that family.
#[derive(Default)]
struct Styles {
    styles: HashMap<(String, String), (Look, Option<String>)>,
    defaults: HashMap<String, Look>,
    /// The styles that start a new page, by family and name.
    breaking: HashSet<(String, String)>,
}

impl Styles {
    /// Reads the styles of a part, up to its body.
    fn read(&mut self, xml: &[u8], budget: &Budget) -> Result<(), DocumentError> {
        let mut reader = super::xml::reader(xml)?;
        let mut namespaces = Namespaces::default();
        let mut style: Option<Pending> = None;
        let mut events = 0u32;
        loop {
            let event = next_event(&mut reader, &mut events, budget)?;
            if let Event::Start(e) | Event::Empty(e) = &event {
                namespaces.enter(e)?;
            }
            let leaves = matches!(event, Event::End(_) | Event::Empty(_));
            match &event {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e) => {
                    match name_of(&namespaces, e.name()).as_str() {
                        "office:body" => break,
                        kind @ ("style:style" | "style:default-style") => {
                            if let Some(done) = style.take() {
                                self.insert(done);
                            }
                            let family =
                                namespaces.attribute(e, STYLE, "family").unwrap_or_default();
                            let name = namespaces.attribute(e, STYLE, "name");
                            style = (kind == "style:default-style" || name.is_some()).then(|| {
                                Pending {
                                    family,
                                    name,
                                    look: Look::default(),
                                    parent: namespaces.attribute(e, STYLE, "parent-style-name"),
                                    breaks: false,
                                }
                            });
                        }
                        "style:text-properties"
                        | "style:paragraph-properties"
                        | "style:table-cell-properties"
                        | "style:table-row-properties"
                        | "style:table-properties" => {
                            if let Some(pending) = style.as_mut() {
                                pending.look = pending.look.under(look_of(&namespaces, e));
                                pending.breaks |= ["break-before", "break-after"].iter().any(|b| {
                                    namespaces.attribute(e, FO, b).as_deref().map(str::trim)
                                        == Some("page")
                                });
                            }
                        }
                        _ => {}
                    }
                }
                Event::End(e) => {
                    if let "style:style" | "style:default-style" =
                        name_of(&namespaces, e.name()).as_str()
                    {
                        if let Some(done) = style.take() {
                            self.insert(done);
                        }
                    }
                }
                _ => {}
            }
            if leaves {
                namespaces.leave();
            }
        }
        Ok(())
    }

    fn insert(&mut self, style: Pending) {
        if self.styles.len() + self.defaults.len() >= MAX_STYLES {
            return;
        }
        match style.name {
            Some(name) => {
                if style.breaks {
                    self.breaking.insert((style.family.clone(), name.clone()));
                }
                self.styles
                    .insert((style.family, name), (style.look, style.parent));
            }
            None => {
                self.defaults.insert(style.family, style.look);
            }
        }
    }

    /// Whether a style, or one it is based on, starts a new page.
    fn breaks_page(&self, family: &str, name: Option<&str>) -> bool {
        let mut next = name;
        for _ in 0..MAX_STYLE_DEPTH {
            let Some(name) = next else {
                return false;
            };
            let key = (family.to_string(), name.to_string());
            if self.breaking.contains(&key) {
                return true;
            }
            next = self
                .styles
                .get(&key)
                .and_then(|(_, parent)| parent.as_deref());
        }
        false
    }

    /// A style's look: its family's default beneath its parents' beneath
    /// its own.
    fn look(&self, family: &str, name: Option<&str>) -> Look {
        let mut chain = Vec::new();
        let mut next = name;
        while let Some(name) = next {
            if chain.len() >= MAX_STYLE_DEPTH {
                break;
            }
            let Some((look, parent)) = self.styles.get(&(family.to_string(), name.to_string()))
            else {
                break;
            };
            chain.push(*look);
            next = parent.as_deref();
        }
        let default = self.defaults.get(family).copied().unwrap_or_default();
        chain.into_iter().rev().fold(default, Look::under)
    }
}

/// Never read, with all inside: tracked changes (deleted text is kept
/// there), form definitions, notes, the text of hidden-text and
/// hidden-paragraph fields, and a list item's number as last formatted
/// (`text:number`): a question's number, like Word's, is no part of its
/// label or its answer.
fn never_read(name: &str) -> bool {
    matches!(
        name,
        "text:tracked-changes"
            | "text:number"
            | "office:forms"
            | "text:note"
            | "office:annotation"
            | "text:hidden-text"
            | "text:hidden-paragraph"
    )
}

/// The most pages the body can take: one, and one more for each page
/// break, laid out where the program last broke the pages
/// (`text:soft-page-break`) or asked for by a paragraph's or table's
/// style. A frame anchored to a page past these is on no page shown.
fn most_pages(xml: &[u8], styles: &Styles, budget: &Budget) -> Result<u64, DocumentError> {
    let mut reader = super::xml::reader(xml)?;
    let mut namespaces = Namespaces::default();
    let mut in_body = false;
    let mut pages = 1u64;
    let mut events = 0u32;
    loop {
        let event = next_event(&mut reader, &mut events, budget)?;
        if let Event::Start(e) | Event::Empty(e) = &event {
            namespaces.enter(e)?;
        }
        let leaves = matches!(event, Event::End(_) | Event::Empty(_));
        match &event {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let breaks = match name_of(&namespaces, e.name()).as_str() {
                    "office:body" => {
                        in_body = true;
                        false
                    }
                    _ if !in_body => false,
                    "text:soft-page-break" => true,
                    "text:p" | "text:h" => styles.breaks_page(
                        "paragraph",
                        namespaces.attribute(e, TEXT, "style-name").as_deref(),
                    ),
                    "table:table" => styles.breaks_page(
                        "table",
                        namespaces.attribute(e, TABLE, "style-name").as_deref(),
                    ),
                    _ => false,
                };
                pages += u64::from(breaks);
            }
            _ => {}
        }
        if leaves {
            namespaces.leave();
        }
    }
    Ok(pages)
}

fn read_xml(
    xml: &[u8],
    mut styles: Styles,
    budget: &Budget,
) -> Result<DocumentText, DocumentError> {
    // The automatic styles come before the body.
    styles.read(xml, budget)?;
    let pages = most_pages(xml, &styles, budget)?;
    let mut reader = super::xml::reader(xml)?;
    let mut namespaces = Namespaces::default();
    let mut layout = Layout::default();
    // The look of each paragraph and span open, innermost last: text in
    // one a reader cannot see is no answer.
    let mut looks: Vec<Look> = Vec::new();
    // The background of each table, row and cell open, innermost last
    // (its style's `fo:background-color`): what the text is drawn on is
    // the innermost one painted; one transparent or unset shows what is
    // beneath it.
    let mut cells: Vec<Option<Colour>> = Vec::new();
    let painted = |family: &str, e: &BytesStart<'_>, namespaces: &Namespaces| {
        let style = namespaces.attribute(e, TABLE, "style-name");
        match styles.look(family, style.as_deref()).area {
            Some(Fill::Colour(c)) => Some(c),
            _ => None,
        }
    };
    // Frames and shapes open, innermost last, and whether each is out of
    // sight (hidden, off the page, a speck): their text is too.
    let mut frames: Vec<bool> = Vec::new();
    let unseen = |looks: &[Look], cells: &[Option<Colour>], frames: &[bool]| {
        frames.iter().any(|away| *away)
            || looks
                .last()
                .is_some_and(|look| look.unseen(cells.iter().rev().find_map(|c| *c)))
    };
    // A legacy form check box (a fieldmark) being read: whether ticked.
    let mut check_box: Option<bool> = None;
    // Sections open, and whether each is hidden.
    let mut sections: Vec<bool> = Vec::new();
    // Paragraphs open (text:p and text:h nest inside frames and notes),
    // and whether each holds a hidden-paragraph field, which hides it
    // whole when its condition holds. Whether it holds is the program's
    // reckoning, so such a paragraph is never read.
    let mut paragraphs: Vec<bool> = Vec::new();
    let mut skipping = 0usize;
    let mut events = 0u32;
    loop {
        let event = next_event(&mut reader, &mut events, budget)?;
        if let Event::Start(e) | Event::Empty(e) = &event {
            namespaces.enter(e)?;
        }
        let leaves = matches!(event, Event::End(_) | Event::Empty(_));
        let in_paragraph = !paragraphs.is_empty();
        match event {
            Event::Eof => break,
            Event::Start(e) => match name_of(&namespaces, e.name()).as_str() {
                name if never_read(name) => {
                    if name == "text:hidden-paragraph" {
                        if let Some(hidden) = paragraphs.last_mut() {
                            *hidden = true;
                        }
                    }
                    skipping += 1
                }
                "text:section" => {
                    // Shown on a condition: whether it holds is the
                    // program's reckoning, so it is not read.
                    let hidden = matches!(
                        namespaces
                            .attribute(&e, TEXT, "display")
                            .as_deref()
                            .map(str::trim),
                        Some("none" | "condition")
                    );
                    sections.push(hidden);
                    if hidden {
                        skipping += 1;
                    }
                }
                _ if skipping > 0 => {}
                name @ ("text:p" | "text:h" | "text:span") => {
                    let family = if name == "text:span" {
                        "text"
                    } else {
                        paragraphs.push(false);
                        "paragraph"
                    };
                    let outer = looks.last().copied().unwrap_or_default();
                    let style = namespaces.attribute(&e, TEXT, "style-name");
                    looks.push(outer.under(styles.look(family, style.as_deref())));
                }
                "table:table" => {
                    cells.push(painted("table", &e, &namespaces));
                    layout.start_table();
                }
                "table:table-row" => {
                    cells.push(painted("table-row", &e, &namespaces));
                    layout.start_row();
                }
                "table:table-cell" | "table:covered-table-cell" => {
                    cells.push(painted("table-cell", &e, &namespaces));
                    layout.start_cell();
                }
                "field:fieldmark" | "field:fieldmark-start" if is_check_box(&namespaces, &e) => {
                    check_box = Some(false);
                }
                name if is_shape(name) => frames.push(frame_away(&namespaces, &e, pages)),
                "field:param" => check_box_state(&namespaces, &e, &mut check_box),
                _ => {}
            },
            Event::Empty(e) => match name_of(&namespaces, e.name()).as_str() {
                "text:hidden-paragraph" => {
                    if let Some(hidden) = paragraphs.last_mut() {
                        *hidden = true;
                    }
                }
                _ if skipping > 0 => {}
                "text:tab" => layout.push('\t'),
                "text:line-break" => layout.push('\n'),
                "text:s" => {
                    let n = namespaces
                        .attribute(&e, TEXT, "c")
                        .and_then(|c| c.parse::<usize>().ok())
                        .unwrap_or(1)
                        .min(100);
                    layout.text(&" ".repeat(n));
                }
                "text:p" | "text:h" => layout.end_paragraph(budget)?,
                "table:table-cell" | "table:covered-table-cell" => {
                    layout.start_cell();
                    layout.end_cell();
                }
                // A box left unticked may carry no state at all.
                "field:fieldmark" | "field:fieldmark-start"
                    if is_check_box(&namespaces, &e)
                        && in_paragraph
                        && !unseen(&looks, &cells, &frames) =>
                {
                    layout.push(tick(false));
                }
                "field:param" => check_box_state(&namespaces, &e, &mut check_box),
                _ => {}
            },
            Event::End(e) => match name_of(&namespaces, e.name()).as_str() {
                name if never_read(name) => skipping = skipping.saturating_sub(1),
                "text:section" => {
                    let hidden = sections.pop() == Some(true);
                    skipping = skipping.saturating_sub(usize::from(hidden));
                }
                _ if skipping > 0 => {}
                "text:p" | "text:h" => {
                    if paragraphs.pop() == Some(true) {
                        layout.discard_paragraph();
                    }
                    looks.pop();
                    layout.end_paragraph(budget)?;
                }
                "text:span" => {
                    looks.pop();
                }
                "table:table-cell" | "table:covered-table-cell" => {
                    cells.pop();
                    layout.end_cell();
                }
                "field:fieldmark" | "field:fieldmark-start" => {
                    if let Some(checked) = check_box.take() {
                        if in_paragraph && !unseen(&looks, &cells, &frames) {
                            layout.push(tick(checked));
                        }
                    }
                }
                "table:table-row" => {
                    cells.pop();
                    layout.end_row();
                }
                name if is_shape(name) => {
                    frames.pop();
                }
                "table:table" => {
                    cells.pop();
                    layout.end_table();
                }
                _ => {}
            },
            Event::Text(t) if in_paragraph && skipping == 0 && !unseen(&looks, &cells, &frames) => {
                // Whitespace in ODF text collapses; `text:s` spells spaces.
                let text = t.xml10_content();
                let mut collapsed = String::with_capacity(text.len());
                let mut space = false;
                for c in text.chars() {
                    if c.is_whitespace() {
                        if !space {
                            collapsed.push(' ');
                        }
                        space = true;
                    } else {
                        collapsed.push(c);
                        space = false;
                    }
                }
                if looks.last().is_some_and(Look::capitals) {
                    collapsed = collapsed.to_uppercase();
                }
                if looks.last().is_some_and(Look::struck) {
                    layout.struck_text(&collapsed);
                } else {
                    layout.text(&collapsed);
                }
            }
            // Out of sight: kept apart, should the judgement be wrong.
            Event::Text(t) if in_paragraph && skipping == 0 => {
                layout.unseen_text(&t.xml10_content());
            }
            Event::GeneralRef(r)
                if in_paragraph && skipping == 0 && !unseen(&looks, &cells, &frames) =>
            {
                if let Some(c) = reference(&r) {
                    layout.push(c);
                }
            }
            _ => {}
        }
        if leaves {
            namespaces.leave();
        }
    }
    Ok(layout.finish())
}

/// A frame or a drawn shape, which may hold text (in a text box, or its
/// own paragraphs).
fn is_shape(name: &str) -> bool {
    matches!(
        name,
        "draw:frame"
            | "draw:custom-shape"
            | "draw:rect"
            | "draw:ellipse"
            | "draw:polygon"
            | "draw:path"
            | "draw:g"
    )
}

/// A frame or shape placed out of sight: not displayed (`draw:display`
/// `none`), off the page (further than a page from its anchor, or wholly
/// before its left or top edge), anchored to a page past the document's
/// last (`pages` at most), or under a millimetre across.
fn frame_away(namespaces: &Namespaces, e: &BytesStart<'_>, pages: u64) -> bool {
    const MARGIN_POINTS: f32 = 72.0;
    const MIN_POINTS: f32 = 72.0 / 25.4;
    let length = |name: &str| namespaces.attribute(e, SVG, name).and_then(|v| points(&v));
    let off = |at: Option<f32>, size: Option<f32>| {
        at.is_some_and(|at| at > PAGE_POINTS || at + size.unwrap_or(0.0).max(0.0) < -MARGIN_POINTS)
    };
    let (width, height) = (length("width"), length("height"));
    let on_page = namespaces.attribute(e, TEXT, "anchor-type").as_deref() == Some("page");
    let past_the_last = on_page
        && namespaces
            .attribute(e, TEXT, "anchor-page-number")
            .and_then(|n| n.trim().parse::<u64>().ok())
            .is_some_and(|n| n > pages);
    namespaces
        .attribute(e, DRAW, "display")
        .is_some_and(|d| d.trim() == "none")
        || past_the_last
        || off(length("x"), width)
        || off(length("y"), height)
        || width.is_some_and(|w| w < MIN_POINTS)
        || height.is_some_and(|h| h < MIN_POINTS)
}

/// A fieldmark that is a legacy form check box.
fn is_check_box(namespaces: &Namespaces, e: &BytesStart<'_>) -> bool {
    namespaces
        .attribute(e, FIELD, "type")
        .is_some_and(|t| t.trim() == "vnd.oasis.opendocument.field.FORMCHECKBOX")
}

/// A check box fieldmark's `Checkbox_Checked` parameter: its state.
fn check_box_state(namespaces: &Namespaces, e: &BytesStart<'_>, check_box: &mut Option<bool>) {
    if let Some(state) = check_box.as_mut() {
        if namespaces.attribute(e, FIELD, "name").as_deref() == Some("Checkbox_Checked") {
            *state = namespaces
                .attribute(e, FIELD, "value")
                .is_some_and(|v| v.trim() == "true");
        }
    }
}

#[cfg(test)]
pub(super) fn read_content_xml(xml: &str) -> Result<String, DocumentError> {
    read_xml(
        xml.as_bytes(),
        Styles::default(),
        &Budget::new(&super::LIMITS),
    )
    .map(|read| read.text)
}
