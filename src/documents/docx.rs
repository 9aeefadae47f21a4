//! Word (`.docx`): `word/document.xml` read as a person sees the page.
//! Paragraphs are lines and table rows `label<TAB>value` (a form's table
//! inside a layout table's cell read as a table of its own, a cell holding
//! a label over its answer as that pair: `xml::Layout`; a list paragraph
//! whose bullet is a tick or a box shows it, `word_numbering`); text typed into
//! content controls and legacy form fields reads as text, a control still
//! showing its placeholder as nothing; legacy check boxes (`w:checkBox`)
//! and content-control check boxes (`w14:checkbox`) read as `☒`/`☐`, as
//! do the symbol characters Word draws boxes with. Tracked deletions
//! (`w:delText`, `w:del`, `w:moveFrom`, a row deleted by its `w:trPr/w:del`
//! or a cell by its `w:cellDel`, the cells after it standing in its
//! place; a paragraph whose mark is deleted or moved runs on into the
//! next) and field codes (`w:instrText`,
//! and whatever stands between a field's `begin` and its `separate`, or
//! its `end` when it has no result, nested fields included) are never
//! read, nor is text a reader does not see: hidden (`w:vanish`
//! however written; `w:webHidden` hides text in the web layout only, and
//! is read), in the colour of what it is drawn on (white on no
//! shading; white on a dark run, paragraph or table cell shading shows;
//! a theme colour as the document's theme and its colour mapping make
//! it, tints and shades included), under two points, squeezed under a
//! tenth of its width (`w:w`) or fitted into such a width (`w:fitText`),
//! condensed onto itself (`w:spacing`), drawn with no fill or a see-through
//! one (`w14:textFill`), or placed off the page: moved more than a page up
//! or down (`w:position`), indented left by more than a page (`w:ind`), in
//! a frame off the page or too low for a line (`w:framePr`), in a table
//! row held exactly to under two points (`w:trHeight`), or in a text box
//! (a drawing's, `wp:anchor`, or VML's, `v:shape`) that is hidden, off the
//! page or under a millimetre across. Text judged unseen is kept apart
//! (`DocumentText::unseen`). Text whose showing is not settled reads as
//! unreadable: between the marks of a move's source
//! (`w:moveFromRangeStart`/`End`) yet not marked moved, or marked always
//! hidden (`w:specVanish`, meant for a paragraph mark).
//! Hidden text, capitals and strike-through set by styles are toggled, as
//! Word toggles them (`word_styles::run_look`). Text struck through
//! (`w:strike`, `w:dstrike`) is marked so (`Layout::struck_text`): an option
//! struck out is not the one chosen (`core::form::read_struck_form`).
//! The look is the document's defaults, beneath its table's style (with
//! the style's first row, first column and band parts), beneath its
//! paragraph's style, beneath its run's, beneath its own; a paragraph,
//! run or table naming no style has its type's default style
//! (`word_styles`). Text that look shows in capitals (`w:caps`,
//! `w:smallCaps`) reads in capitals, as seen: a choice made by capitals
//! (`[YES / no]`) is told by them.
//! Elements in a namespace the document marks ignorable (`mc:Ignorable`,
//! on the element naming it and within it) that Word does not know are
//! dropped with all inside them, as Word drops them; those it is told to
//! read the content of (`mc:ProcessContent`) are read through.
//! The old look a tracked formatting change keeps (`w:rPrChange`) is not
//! the look shown, and of alternative content (`mc:AlternateContent`)
//! only the branch Word shows is read: the first `mc:Choice` whose
//! required namespaces Word knows, else the `mc:Fallback`. A content
//! control bound to an XML part (`w:dataBinding`) reads as its copy in the
//! document; where the bound value Word shows in its place says otherwise,
//! or its path is not one followed, or it wraps whole paragraphs, the
//! answer is unreadable (`bound`).

use super::bound::{same_text, Binding, Shown, Stores};
use super::look::{Colour, Fill, Look, PAGE_POINTS};
use super::theme::Theme;
use super::word_numbering::Numbering;
use super::word_package::{bound_stores, in_folder, main_part, related_parts};
use super::word_styles::{
    run_look, set_run_property, shading, Place, Placing, Styles, TableLook, TextFill, MARGIN_TWIPS,
    MIN_ROW_TWIPS,
};
use super::xml::{
    attribute, is_on, malformed, next_event, reader, reference, tick, Layout, Mark, Namespaces,
};
use super::{zipped, Budget, DocumentError, DocumentText};
use crate::core::form::UNREADABLE;
use quick_xml::events::{BytesStart, Event};
use std::borrow::Cow;

/// A content control being read.
#[derive(Default)]
struct Control {
    /// Bound to an XML part (`w:dataBinding`): Word shows the value there.
    binding: Option<Binding>,
    /// Where the layout stood when its content began.
    mark: Option<Mark>,
    /// Still its placeholder text (`w:showingPlcHdr`): nothing typed.
    placeholder: bool,
    /// A check box control, ticked or not.
    checkbox: Option<bool>,
    /// In its content (`w:sdtContent`) rather than its properties.
    in_content: bool,
    /// What a check box's content shows: a ticked or an empty box.
    shown: Option<bool>,
    /// Bound, and wrapping whole paragraphs (or rows, or cells): its
    /// copy is not read, and its first paragraph is unreadable.
    bound_block: bool,
    /// That paragraph is written.
    marked: bool,
}

impl Control {
    /// Notes the box a check box control's content draws.
    fn shows(&mut self, text: &str) {
        for c in text.chars() {
            match c {
                '☒' | '☑' | '✓' | '✔' | '✗' | '✘' | '■' | 'þ' | 'ý' => {
                    self.shown = Some(true)
                }
                '☐' | '□' | '◻' | '⬜' | '¨' => self.shown = Some(false),
                _ => {}
            }
        }
    }

    /// A check box as the reader has it: its state, or unreadable where
    /// the state stored and the box shown disagree.
    fn answer(&self) -> Option<char> {
        let checked = self.checkbox?;
        if self.placeholder {
            return None;
        }
        Some(match self.shown {
            Some(shown) if shown != checked => UNREADABLE,
            _ => tick(checked),
        })
    }
}

pub(super) fn read(bytes: &[u8], budget: &Budget) -> Result<DocumentText, DocumentError> {
    let main = main_part(bytes, budget)?;
    let xml = zipped::read_part(bytes, &main, budget)?;
    let folder = main.rsplit_once('/').map_or("", |(folder, _)| folder);
    let mut theme = Theme::default();
    let [theme_part, settings_part, numbering_part] =
        related_parts(bytes, &main, ["/theme", "/settings", "/numbering"], budget)?;
    if let Some(part) = theme_part {
        if let Some(xml) = zipped::read_optional_part(bytes, &part, budget)? {
            theme.read_scheme(&xml, budget)?;
        }
    }
    if let Some(part) = settings_part {
        if let Some(xml) = zipped::read_optional_part(bytes, &part, budget)? {
            theme.read_mapping(&xml, budget)?;
        }
    }
    let styles_part = in_folder(folder, "styles.xml");
    let styles = match zipped::read_optional_part(bytes, &styles_part, budget)? {
        Some(xml) => Styles::read(&xml, theme, budget)?,
        None => Styles::with_theme(theme),
    };
    let numbering = match numbering_part {
        Some(part) => match zipped::read_optional_part(bytes, &part, budget)? {
            Some(xml) => Numbering::read(&xml, budget)?,
            None => Numbering::default(),
        },
        None => Numbering::default(),
    };
    let stores = if xml.windows(11).any(|w| w == b"dataBinding") {
        bound_stores(bytes, &main, budget)?
    } else {
        Stores::default()
    };
    read_xml(&xml, &styles, &numbering, &stores, budget)
}

/// The namespaces Word knows: a `mc:Choice` requiring any other is one
/// Word passes over for what follows it.
const WORD_KNOWS: &[&str] = &[
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://schemas.openxmlformats.org/officeDocument/2006/math",
    "http://schemas.openxmlformats.org/drawingml/2006/main",
    "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "http://schemas.openxmlformats.org/drawingml/2006/diagram",
    "urn:schemas-microsoft-com:vml",
    "urn:schemas-microsoft-com:office:office",
    "urn:schemas-microsoft-com:office:word",
    "http://schemas.microsoft.com/office/word/2006/wordml",
    "http://schemas.microsoft.com/office/word/2010/wordml",
    "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "http://schemas.microsoft.com/office/word/2010/wordprocessingGroup",
    "http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas",
    "http://schemas.microsoft.com/office/word/2010/wordprocessingInk",
    "http://schemas.microsoft.com/office/word/2010/wordprocessingDrawing",
    "http://schemas.microsoft.com/office/word/2012/wordml",
    "http://schemas.microsoft.com/office/word/2015/wordml/symex",
    "http://schemas.microsoft.com/office/word/2016/wordml/cid",
    "http://schemas.microsoft.com/office/word/2018/wordml",
    "http://schemas.microsoft.com/office/word/2018/wordml/cex",
    "http://schemas.microsoft.com/office/word/2020/wordml/sdtdatahash",
    "http://schemas.microsoft.com/office/word/2023/wordml/word16du",
    "http://schemas.microsoft.com/office/drawing/2010/main",
    "http://schemas.microsoft.com/office/drawing/2012/main",
    "http://schemas.microsoft.com/office/drawing/2014/main",
    "http://schemas.microsoft.com/office/drawing/2014/chartex",
    "http://schemas.microsoft.com/office/drawing/2016/ink",
    "http://schemas.microsoft.com/office/drawing/2017/model3d",
];

/// Move sources open at once (`w:moveFromRangeStart` not yet ended):
/// Word writes one for each passage moved.
const MAX_OPEN_MOVES: usize = 1024;

const MARKUP_COMPATIBILITY: &str = "http://schemas.openxmlformats.org/markup-compatibility/2006";
/// Namespaces one `mc:Ignorable` names: Word writes a few.
const MAX_IGNORABLE: usize = 64;

/// Whether Word shows a `mc:Choice`: every namespace its `Requires`
/// names (by prefix) is one Word knows.
fn understood(namespaces: &Namespaces, e: &BytesStart<'_>) -> bool {
    let Some(requires) = attribute(e, "Requires") else {
        return false;
    };
    let mut prefixes = requires.split_whitespace().peekable();
    prefixes.peek().is_some()
        && prefixes.all(|prefix| {
            namespaces
                .of_prefix(prefix)
                .is_some_and(|namespace| WORD_KNOWS.contains(&namespace))
        })
}

/// A table being read: its style, which of the style's conditional parts
/// it takes, and the row and column reached.
#[derive(Default)]
struct Table {
    style: Option<String>,
    look: TableLook,
    row: Option<usize>,
    column: usize,
    /// The row reached is held to a height no line of text fits in
    /// (`w:trHeight` of a few twips, `w:hRule="exact"`).
    squeezed: bool,
    /// The row reached is a tracked deletion (`w:trPr/w:del`): Word shows
    /// it struck through, or not at all, and it is not read.
    row_deleted: bool,
    /// The cell reached is a tracked deletion (`w:tcPr/w:cellDel`).
    cell_deleted: bool,
}

/// The run being read: its style and its own formatting.
#[derive(Default)]
struct Run {
    style: Option<String>,
    look: Look,
    /// The width its text is fitted into (`w:fitText`), in twips.
    fit: Option<f32>,
}

/// Squeezed by `w:fitText` to under a tenth of the width its letters
/// take (about half their size each): a line, not words.
fn squeezed(fit: Option<f32>, points: f32, text: &str) -> bool {
    fit.is_some_and(|width| {
        let letters = text.chars().filter(|c| !c.is_whitespace()).count() as f32;
        let natural = letters * points * 0.5 * 20.0;
        letters > 0.0 && width < natural * 0.1
    })
}

/// A drawing (`wp:anchor`, `wp:inline`) or a VML shape being read, its
/// text boxes' text seen only when it is: not hidden, not placed off the
/// page, not a speck. Positions and sizes in points.
#[derive(Clone, Copy, Default)]
struct Shape {
    hidden: bool,
    left: Option<f32>,
    top: Option<f32>,
    width: Option<f32>,
    height: Option<f32>,
}

/// A text box narrower or lower than a millimetre shows none of its text.
const MIN_BOX_POINTS: f32 = 72.0 / 25.4;
/// English Metric Units in a point.
const EMU_PER_POINT: f32 = 12_700.0;
const VML: &str = "urn:schemas-microsoft-com:vml";
const WORD_DRAWING: &str = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing";

impl Shape {
    fn away(&self) -> bool {
        let off = |at: Option<f32>, size: Option<f32>| {
            at.is_some_and(|at| at > PAGE_POINTS || at + size.unwrap_or(0.0) < -MARGIN_TWIPS / 20.0)
        };
        self.hidden
            || off(self.left, self.width)
            || off(self.top, self.height)
            || self.width.is_some_and(|w| w < MIN_BOX_POINTS)
            || self.height.is_some_and(|h| h < MIN_BOX_POINTS)
    }

    /// A VML shape by its `style`: hidden (`visibility:hidden`,
    /// `display:none`, `mso-hide:all`), and where it is and how large
    /// when it is placed on the page (`position:absolute`, not a part of
    /// a group, whose parts are placed in the group's own units).
    fn vml(e: &BytesStart<'_>, in_group: bool) -> Shape {
        let mut shape = Shape::default();
        let Some(style) = attribute(e, "style") else {
            return shape;
        };
        let properties: Vec<(String, String)> = style
            .split(';')
            .take(64)
            .filter_map(|p| p.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_ascii_lowercase()))
            .collect();
        let get = |key: &str| {
            properties
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        shape.hidden = get("visibility") == Some("hidden")
            || get("display") == Some("none")
            || get("mso-hide") == Some("all");
        if get("position") == Some("absolute") && !in_group {
            let length = |key: &str| get(key).and_then(css_points);
            shape.left = length("margin-left").or_else(|| length("left"));
            shape.top = length("margin-top").or_else(|| length("top"));
            shape.width = length("width");
            // A box that grows to fit its text has no height of its own.
            if get("mso-fit-shape-to-text") != Some("t") {
                shape.height = length("height");
            }
        }
        shape
    }
}

/// A CSS length in points (`12pt`, `1in`, `2.5cm`, `10mm`, `16px`).
fn css_points(value: &str) -> Option<f32> {
    let value = value.trim();
    let split = value
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number = number
        .trim()
        .parse::<f32>()
        .ok()
        .filter(|n| n.is_finite())?;
    let per_unit = match unit {
        "pt" => 1.0,
        "in" => 72.0,
        "cm" => 72.0 / 2.54,
        "mm" => 72.0 / 25.4,
        "pc" => 12.0,
        "px" | "" => 0.75,
        _ => return None,
    };
    Some(number * per_unit)
}

fn read_xml(
    xml: &[u8],
    styles: &Styles,
    numbering: &Numbering,
    stores: &Stores,
    budget: &Budget,
) -> Result<DocumentText, DocumentError> {
    let mut reader = reader(xml)?;
    let mut layout = Layout::default();
    // Inside `w:t`: its text is the document's.
    let mut in_text = false;
    // Inside something never read (a deletion, a field code, a
    // placeholder): how deep.
    let mut skipping = 0usize;
    let mut controls: Vec<Control> = Vec::new();
    // Paragraphs open: a control beginning outside any wraps paragraphs.
    let mut paragraphs_open = 0usize;
    // `mc:AlternateContent` open, innermost last: whether a branch of it
    // has been read; and the branches open, whether each is skipped.
    let mut alternatives: Vec<bool> = Vec::new();
    let mut branches: Vec<bool> = Vec::new();
    // Complex fields open (`w:fldChar`), innermost last: whether each is
    // still in its code (before its `separate`), which Word never shows;
    // and the kind of a `w:fldChar` written with content (a legacy form
    // field's `w:ffData`), which takes effect where it ends.
    let mut fields: Vec<bool> = Vec::new();
    let mut field_char: Option<String> = None;
    // A legacy check box being read: its default, then its state.
    let mut legacy_box: Option<bool> = None;
    // Inside a run, and whether its text is out of sight (hidden, white,
    // a speck, by itself or by its styles): what the reader of the form
    // does not see is no answer.
    let mut in_run = false;
    let mut run_hidden = false;
    let mut run = Run::default();
    let mut run_points = 0.0f32;
    // Shown in capitals by its formatting (`w:caps`, `w:smallCaps`).
    let mut run_capitals = false;
    // Marked always hidden (`w:specVanish`), and not hidden otherwise:
    // whether it shows is not settled.
    let mut run_unsettled = false;
    // Struck through (`w:strike`, `w:dstrike`): an option struck out is
    // not the one chosen.
    let mut run_struck = false;
    let mut text_fill = TextFill::default();
    // Where the paragraph stands, and the drawings and shapes open
    // (innermost last): text placed off the page is out of sight too.
    let mut placing = Placing::default();
    let mut paragraph_placed: Option<bool> = None;
    let mut shapes: Vec<Shape> = Vec::new();
    // Inside a drawing's `wp:positionH` (true) or `wp:positionV`, and
    // inside its offset (`wp:posOffset`, whose text is the offset).
    let mut axis: Option<bool> = None;
    let mut in_offset = false;
    // The paragraph's style, and where its and the run's properties are
    // being read (an old look kept by a tracked change, `w:rPrChange`, is
    // not the look shown).
    let mut paragraph_style: Option<String> = None;
    // The paragraph's list (`w:numPr`) and whether its mark is hidden:
    // a list whose bullet is a tick or a box shows it before the text.
    let mut list: Option<String> = None;
    let mut list_level = 0u8;
    let mut mark_hidden = false;
    let mut mark_vanish: Option<bool> = None;
    // The paragraph's mark is deleted or moved away (a tracked change):
    // Word runs it on into the next paragraph, and so is it read.
    let mut mark_removed = false;
    let mut in_paragraph_properties = false;
    let mut in_run_properties = false;
    let mut changed = 0usize;
    // What is painted behind the text: the paragraph's own shading, and
    // each table and cell open's (innermost last), read from their
    // properties (`w:tblPr`, `w:tcPr`).
    let mut paragraph_area: Option<Fill> = None;
    let mut backgrounds: Vec<Option<Colour>> = Vec::new();
    let mut in_table_properties = false;
    let mut in_row_properties = false;
    // The move sources open (`w:moveFromRangeStart`, by `w:id`): text
    // between their marks is moved away. Word marks each of its runs
    // (`w:moveFrom`, never read); a run left unmarked there may or may not
    // show, and is no answer either way.
    let mut move_sources: Vec<String> = Vec::new();
    // Tables open, innermost last, and what the innermost table's style
    // gives the text of each cell open: beneath its paragraph's style.
    let mut tables: Vec<Table> = Vec::new();
    let mut cell_looks: Vec<Look> = Vec::new();
    let mut namespaces = Namespaces::default();
    // Elements open, and the namespaces `mc:Ignorable` names that Word
    // does not know, each with the depth of the element naming it (its
    // scope): their elements Word drops with all inside them.
    let mut depth = 0usize;
    let mut ignorable: Vec<(usize, String)> = Vec::new();
    // The elements of those namespaces whose content Word reads all the
    // same (`mc:ProcessContent`, a local name or `*`), by scope; and the
    // depths of such elements open, read through as if not there.
    let mut processed: Vec<(usize, String, Option<String>)> = Vec::new();
    let mut unwrapped: Vec<usize> = Vec::new();
    // The paragraph's own look (its shading, where it stands) is `own`.
    let seen = |paragraph_style: &Option<String>,
                own: Look,
                run: &Run,
                backgrounds: &[Option<Colour>],
                cell_looks: &[Look]| {
        let look = run_look(
            styles.defaults(),
            cell_looks.last().copied().unwrap_or_default(),
            styles.look("paragraph", paragraph_style.as_deref()),
            own,
            styles.look("character", run.style.as_deref()),
            run.look,
        );
        let visible = !look.unseen(backgrounds.iter().rev().find_map(|b| *b));
        (
            visible,
            look.points(),
            look.capitals(),
            visible && look.always_hidden == Some(true),
            look.struck(),
        )
    };
    let mut events = 0u32;
    loop {
        // Out of sight: the run's look hides it, or it is placed where no
        // one sees it (off the page, in a row no line fits in).
        let out_of_sight =
            run_hidden || tables.iter().any(|t| t.squeezed) || shapes.iter().any(Shape::away);
        let in_code = fields.iter().any(|&code| code);
        // In a row or cell deleted by a tracked change: gone from the page.
        let deleted = tables.iter().any(|t| t.row_deleted || t.cell_deleted);
        let suppressed = skipping > 0
            || deleted
            || in_code
            || out_of_sight
            || controls
                .iter()
                .any(|c| c.in_content && (c.placeholder || c.checkbox.is_some() || c.bound_block));
        let event = next_event(&mut reader, &mut events, budget)?;
        if let Event::Start(e) | Event::Empty(e) = &event {
            namespaces.enter(e)?;
            if let Some(named) = namespaces.attribute(e, MARKUP_COMPATIBILITY, "Ignorable") {
                for prefix in named.split_whitespace().take(MAX_IGNORABLE) {
                    match namespaces.of_prefix(prefix) {
                        Some(namespace) if !WORD_KNOWS.contains(&namespace) => {
                            ignorable.push((depth, namespace.to_string()))
                        }
                        _ => {}
                    }
                }
            }
            if let Some(named) = namespaces.attribute(e, MARKUP_COMPATIBILITY, "ProcessContent") {
                for name in named.split_whitespace().take(MAX_IGNORABLE) {
                    if let Some((prefix, local)) = name.split_once(':') {
                        if let Some(namespace) = namespaces.of_prefix(prefix) {
                            let local = (local != "*").then(|| local.to_string());
                            processed.push((depth, namespace.to_string(), local));
                        }
                    }
                }
            }
            let (namespace, local) = namespaces.element(e.name());
            let ignored =
                namespace.is_some_and(|namespace| ignorable.iter().any(|(_, i)| i == namespace));
            let read_through = ignored
                && processed.iter().any(|(_, n, l)| {
                    namespace == Some(n.as_str()) && l.as_deref().is_none_or(|l| l == local)
                });
            if read_through && matches!(event, Event::Start(_)) {
                unwrapped.push(depth);
                depth += 1;
                continue;
            }
            if ignored {
                if matches!(event, Event::Start(_)) {
                    let name = e.name().as_ref().to_string();
                    reader
                        .read_to_end(quick_xml::name::QName(&name))
                        .map_err(malformed)?;
                    budget.check_time()?;
                }
                ignorable.retain(|(at, _)| *at < depth);
                processed.retain(|(at, _, _)| *at < depth);
                namespaces.leave();
                continue;
            }
        }
        match &event {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                ignorable.retain(|(at, _)| *at < depth);
                processed.retain(|(at, _, _)| *at < depth);
                if unwrapped.last() == Some(&depth) {
                    unwrapped.pop();
                    namespaces.leave();
                    continue;
                }
            }
            Event::Empty(_) => {
                ignorable.retain(|(at, _)| *at < depth);
                processed.retain(|(at, _, _)| *at < depth);
            }
            _ => {}
        }
        let leaves = matches!(event, Event::End(_) | Event::Empty(_));
        match &event {
            Event::Start(e) if e.local_name().as_ref() == "fldChar" => {
                field_char = attribute(e, "fldCharType");
            }
            Event::Empty(e) if e.local_name().as_ref() == "fldChar" => {
                field_step(&mut fields, attribute(e, "fldCharType").as_deref());
            }
            Event::End(e) if e.local_name().as_ref() == "fldChar" => {
                field_step(&mut fields, field_char.take().as_deref());
            }
            Event::Start(e) | Event::Empty(e)
                if e.local_name().as_ref() == "moveFromRangeStart" =>
            {
                if move_sources.len() >= MAX_OPEN_MOVES {
                    return Err(DocumentError::Malformed(
                        "it has more moved passages open at once than a document has".into(),
                    ));
                }
                move_sources.push(attribute(e, "id").unwrap_or_default());
            }
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "moveFromRangeEnd" => {
                let id = attribute(e, "id").unwrap_or_default();
                if let Some(at) = move_sources.iter().rposition(|open| *open == id) {
                    move_sources.remove(at);
                }
            }
            _ => {}
        }
        // Formatting: the same whether written `<w:vanish/>` or
        // `<w:vanish></w:vanish>`.
        match &event {
            Event::Start(e) | Event::Empty(e) if skipping == 0 => match e.local_name().as_ref() {
                "rPrChange" | "pPrChange" | "trPrChange" | "tcPrChange" | "tblPrChange" => {
                    if matches!(event, Event::Start(_)) {
                        changed += 1;
                    }
                }
                _ if changed > 0 => {}
                "pPr" if matches!(event, Event::Start(_)) => in_paragraph_properties = true,
                "rPr" if matches!(event, Event::Start(_)) => in_run_properties = true,
                "pStyle" if in_paragraph_properties && !in_run_properties => {
                    paragraph_style = attribute(e, "val");
                }
                "numId" if in_paragraph_properties && !in_run_properties => {
                    list = attribute(e, "val");
                }
                "ilvl" if in_paragraph_properties && !in_run_properties => {
                    list_level = attribute(e, "val")
                        .and_then(|v| v.trim().parse::<u8>().ok())
                        .unwrap_or(0);
                }
                "vanish" if in_paragraph_properties && in_run_properties && !in_run => {
                    mark_vanish = Some(is_on(e));
                }
                "del" | "moveFrom" if in_paragraph_properties && in_run_properties && !in_run => {
                    mark_removed = true;
                }
                // The paragraph mark's colour and size draw its list's
                // bullet too: white or tiny, no tick is seen.
                "color" if in_paragraph_properties && in_run_properties && !in_run => {
                    mark_hidden |= attribute(e, "val")
                        .and_then(|v| Colour::from_hex(&v))
                        .is_some_and(|c| !c.stands_out_on(Colour::WHITE));
                }
                "sz" if in_paragraph_properties && in_run_properties && !in_run => {
                    mark_hidden |= attribute(e, "val")
                        .and_then(|v| v.trim().parse::<u16>().ok())
                        .is_some_and(|half_points| half_points < 8);
                }
                "ind" | "jc" | "framePr" if in_paragraph_properties && !in_run_properties => {
                    placing.read(e)
                }
                "trHeight" if !in_run_properties => {
                    if let Some(table) = tables.last_mut() {
                        let exact = attribute(e, "hRule").is_some_and(|r| r.trim() == "exact");
                        table.squeezed = exact
                            && attribute(e, "val")
                                .and_then(|v| v.trim().parse::<f32>().ok())
                                .is_some_and(|h| h < MIN_ROW_TWIPS);
                    }
                }
                "tblPr" | "tcPr" if matches!(event, Event::Start(_)) => in_table_properties = true,
                "trPr" if matches!(event, Event::Start(_)) => in_row_properties = true,
                "del" if in_row_properties && !in_run_properties => {
                    if let Some(table) = tables.last_mut() {
                        table.row_deleted = true;
                    }
                }
                "cellDel" if in_table_properties && !in_run_properties => {
                    if let Some(table) = tables.last_mut() {
                        table.cell_deleted = true;
                    }
                }
                "rStyle" if in_run && in_run_properties => run.style = attribute(e, "val"),
                "fitText" if in_run && in_run_properties => {
                    run.fit = attribute(e, "val")
                        .and_then(|v| v.trim().parse::<f32>().ok())
                        .filter(|v| v.is_finite());
                }
                _ if in_run && in_run_properties => {
                    let opens = matches!(event, Event::Start(_));
                    if !text_fill.start(&mut run.look, e, opens, &styles.theme) {
                        set_run_property(&mut run.look, e, &styles.theme)
                    }
                }
                "tblStyle" if in_table_properties => {
                    if let Some(table) = tables.last_mut() {
                        table.style = attribute(e, "val");
                    }
                }
                "tblLook" if in_table_properties => {
                    if let Some(table) = tables.last_mut() {
                        table.look = TableLook::read(e);
                    }
                }
                "shd" if in_table_properties => {
                    if let Some(background) = backgrounds.last_mut() {
                        *background = shading(e, &styles.theme).and_then(|fill| match fill {
                            Fill::Colour(c) => Some(c),
                            Fill::Clear => None,
                        });
                    }
                }
                "shd" if in_paragraph_properties && !in_run_properties => {
                    paragraph_area = shading(e, &styles.theme);
                }
                _ => {}
            },
            Event::End(e) if skipping == 0 => match e.local_name().as_ref() {
                "rPrChange" | "pPrChange" | "trPrChange" | "tcPrChange" | "tblPrChange" => {
                    changed = changed.saturating_sub(1)
                }
                _ if changed > 0 => {}
                _ if in_run && in_run_properties && text_fill.end() => {}
                "pPr" => {
                    in_paragraph_properties = false;
                    paragraph_placed = placing.look();
                    // A list the paragraph's style makes it an item of,
                    // unless the paragraph names its own.
                    let from_style = list
                        .is_none()
                        .then(|| styles.list(paragraph_style.as_deref()))
                        .flatten();
                    let mark = match &from_style {
                        Some((list, level)) => numbering.mark(list, *level),
                        None => list
                            .as_deref()
                            .and_then(|list| numbering.mark(list, list_level)),
                    };
                    let mark_look = run_look(
                        styles.defaults(),
                        cell_looks.last().copied().unwrap_or_default(),
                        styles.look("paragraph", paragraph_style.as_deref()),
                        Look::default(),
                        Look::default(),
                        Look {
                            hidden: mark_vanish,
                            ..Look::default()
                        },
                    );
                    let shown = !mark_hidden && mark_look.hidden != Some(true);
                    let away = paragraph_placed == Some(true);
                    if let Some(mark) = mark.filter(|_| shown && !suppressed && !away) {
                        layout.push(mark);
                        layout.push(' ');
                    }
                }
                "tblPr" | "tcPr" => in_table_properties = false,
                "trPr" => in_row_properties = false,
                "rPr" => {
                    in_run_properties = false;
                    if in_run {
                        (
                            run_hidden,
                            run_points,
                            run_capitals,
                            run_unsettled,
                            run_struck,
                        ) = seen(
                            &paragraph_style,
                            Look {
                                area: paragraph_area,
                                away: paragraph_placed,
                                ..Look::default()
                            },
                            &run,
                            &backgrounds,
                            &cell_looks,
                        );
                        run_hidden = !run_hidden;
                    }
                }
                _ => {}
            },
            _ => {}
        }
        match event {
            Event::Eof => break,
            Event::Start(e) => match e.local_name().as_ref() {
                "del" | "moveFrom" | "instrText" | "delText" | "delInstrText" => skipping += 1,
                "AlternateContent" => alternatives.push(false),
                "Choice" | "Fallback" => {
                    // One branch of the alternatives is what Word shows:
                    // the first Choice it understands, else the Fallback.
                    let shown =
                        e.local_name().as_ref() == "Fallback" || understood(&namespaces, &e);
                    let skip = match alternatives.last_mut() {
                        Some(taken) => {
                            let skip = *taken || !shown;
                            *taken |= shown;
                            skip
                        }
                        None => false,
                    };
                    if skip {
                        skipping += 1;
                    }
                    branches.push(skip);
                }
                _ if skipping > 0 => {}
                "p" => {
                    paragraphs_open += 1;
                    paragraph_style = None;
                    list = None;
                    list_level = 0;
                    mark_hidden = false;
                    mark_vanish = None;
                    mark_removed = false;
                    paragraph_area = None;
                    placing = Placing::default();
                    paragraph_placed = None;
                }
                "r" => {
                    in_run = true;
                    run = Run::default();
                    text_fill = TextFill::default();
                    (
                        run_hidden,
                        run_points,
                        run_capitals,
                        run_unsettled,
                        run_struck,
                    ) = seen(
                        &paragraph_style,
                        Look {
                            area: paragraph_area,
                            away: paragraph_placed,
                            ..Look::default()
                        },
                        &run,
                        &backgrounds,
                        &cell_looks,
                    );
                    run_hidden = !run_hidden;
                }
                "docPr" | "extent" if namespaces.element(e.name()).0 == Some(WORD_DRAWING) => {
                    if let Some(shape) = shapes.last_mut() {
                        drawing_property(shape, &e);
                    }
                }
                "anchor" | "inline" | "positionH" | "positionV" | "posOffset"
                    if namespaces.element(e.name()).0 == Some(WORD_DRAWING) =>
                {
                    match e.local_name().as_ref() {
                        "positionH" => axis = Some(true),
                        "positionV" => axis = Some(false),
                        "posOffset" => in_offset = true,
                        _ => shapes.push(Shape::default()),
                    }
                }
                _ if namespaces.element(e.name()).0 == Some(VML) => {
                    let in_group = !shapes.is_empty();
                    let mut shape = Shape::vml(&e, in_group);
                    // A group's parts are placed in its own units.
                    if e.local_name().as_ref() == "group" && in_group {
                        shape = Shape {
                            hidden: shape.hidden,
                            ..Shape::default()
                        };
                    }
                    shapes.push(shape);
                }
                "t" => in_text = true,
                "tbl" => {
                    tables.push(Table::default());
                    backgrounds.push(None);
                    layout.start_table();
                }
                "tr" => {
                    if let Some(table) = tables.last_mut() {
                        table.row = Some(table.row.map_or(0, |row| row + 1));
                        table.column = 0;
                        table.squeezed = false;
                        table.row_deleted = false;
                    }
                    layout.start_row();
                }
                "tc" => {
                    if let Some(table) = tables.last_mut() {
                        table.cell_deleted = false;
                    }
                    let paint = tables.last_mut().map(|table| {
                        let place = Place {
                            row: table.row.unwrap_or(0),
                            column: table.column,
                        };
                        table.column += 1;
                        styles.table(table.style.as_deref(), table.look, place)
                    });
                    cell_looks.push(paint.map(|p| p.look()).unwrap_or_default());
                    backgrounds.push(paint.and_then(|p| p.cell()));
                    layout.start_cell();
                }
                "sdt" => controls.push(Control::default()),
                "sdtContent" => {
                    if let Some(control) = controls.last_mut() {
                        control.in_content = true;
                        control.mark = Some(layout.mark());
                        control.bound_block = paragraphs_open == 0
                            && control.binding.is_some()
                            && control.checkbox.is_none()
                            && !control.placeholder;
                    }
                }
                "dataBinding" => {
                    if let Some(control) = controls.last_mut() {
                        if !control.in_content {
                            control.binding = Binding::read(&e);
                        }
                    }
                }
                "checkbox" => {
                    if let Some(control) = controls.last_mut() {
                        control.checkbox.get_or_insert(false);
                    }
                }
                "checkBox" => legacy_box = Some(false),
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                _ if skipping > 0 => {}
                "docPr" | "extent" if namespaces.element(e.name()).0 == Some(WORD_DRAWING) => {
                    if let Some(shape) = shapes.last_mut() {
                        drawing_property(shape, &e);
                    }
                }
                "tab" if !suppressed => layout.push('\t'),
                "br" | "cr" if !suppressed => layout.push('\n'),
                "sym" if skipping == 0 && !in_code && !out_of_sight && in_box(&controls) => {
                    if let Some(c) = attribute(&e, "char")
                        .and_then(|code| u32::from_str_radix(code.trim(), 16).ok())
                        .and_then(symbol)
                    {
                        if let Some(control) = controls.last_mut() {
                            control.shows(&c.to_string());
                        }
                    }
                }
                "sym" if !suppressed => {
                    if let Some(c) = attribute(&e, "char")
                        .and_then(|code| u32::from_str_radix(code.trim(), 16).ok())
                        .and_then(symbol)
                    {
                        layout.push(c);
                    }
                }
                "p" => {
                    paragraph_style = None;
                    paragraph_area = None;
                    placing = Placing::default();
                    paragraph_placed = None;
                    if unsettled_block(&mut controls) {
                        layout.push(UNREADABLE);
                    }
                    layout.end_paragraph(budget)?
                }
                "tc" => {
                    if let Some(table) = tables.last_mut() {
                        table.column += 1;
                    }
                    layout.start_cell();
                    layout.end_cell();
                }
                "dataBinding" => {
                    if let Some(control) = controls.last_mut() {
                        if !control.in_content {
                            control.binding = Binding::read(&e);
                        }
                    }
                }
                "showingPlcHdr" => {
                    if let Some(control) = controls.last_mut() {
                        if !control.in_content {
                            control.placeholder = true;
                        }
                    }
                }
                "checked" => {
                    // `w14:checked` of a control, or `w:checked` of a
                    // legacy box (which overrides its default).
                    if let Some(state) = legacy_box.as_mut() {
                        *state = is_on(&e);
                    } else if let Some(control) = controls.last_mut() {
                        if control.checkbox.is_some() && !control.in_content {
                            control.checkbox = Some(is_on(&e));
                        }
                    }
                }
                "default" => {
                    if let Some(state) = legacy_box.as_mut() {
                        *state = is_on(&e);
                    }
                }
                "checkBox" => layout.push(tick(false)),
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                "del" | "moveFrom" | "instrText" | "delText" | "delInstrText" => {
                    skipping = skipping.saturating_sub(1)
                }
                "AlternateContent" => {
                    alternatives.pop();
                }
                "Choice" | "Fallback" => {
                    let skipped = branches.pop() == Some(true);
                    skipping = skipping.saturating_sub(usize::from(skipped));
                }
                _ if skipping > 0 => {}
                "r" => {
                    in_run = false;
                    run_hidden = false;
                    run_unsettled = false;
                    run_struck = false;
                }
                "anchor" | "inline" | "positionH" | "positionV" | "posOffset"
                    if namespaces.element(e.name()).0 == Some(WORD_DRAWING) =>
                {
                    match e.local_name().as_ref() {
                        "positionH" | "positionV" => axis = None,
                        "posOffset" => in_offset = false,
                        _ => {
                            shapes.pop();
                        }
                    }
                }
                _ if namespaces.element(e.name()).0 == Some(VML) => {
                    shapes.pop();
                }
                "t" => in_text = false,
                "p" => {
                    paragraphs_open = paragraphs_open.saturating_sub(1);
                    if unsettled_block(&mut controls) {
                        layout.push(UNREADABLE);
                    }
                    if !std::mem::take(&mut mark_removed) {
                        layout.end_paragraph(budget)?
                    }
                }
                "tc" => {
                    backgrounds.pop();
                    cell_looks.pop();
                    layout.end_cell();
                    if let Some(table) = tables.last_mut() {
                        if std::mem::take(&mut table.cell_deleted) {
                            layout.discard_cell();
                        }
                    }
                }
                "tr" => {
                    let row_deleted = tables
                        .last_mut()
                        .is_some_and(|table| std::mem::take(&mut table.row_deleted));
                    if row_deleted {
                        layout.discard_row();
                    } else {
                        layout.end_row();
                    }
                }
                "tbl" => {
                    tables.pop();
                    backgrounds.pop();
                    layout.end_table();
                }
                "sdt" => {
                    let control = controls.pop().unwrap_or_default();
                    if let Some(answer) = control.answer().filter(|_| !in_code) {
                        layout.push(answer);
                    }
                    // Bound: Word shows the bound value, not the copy
                    // read. When they differ the answer is not settled.
                    if let (Some(binding), Some(mark), None, false) = (
                        &control.binding,
                        control.mark,
                        control.checkbox,
                        control.placeholder,
                    ) {
                        let settled = match stores.shown(binding, budget)? {
                            Shown::Copy => true,
                            Shown::Value(shown) => layout
                                .since(mark)
                                .is_some_and(|copy| same_text(&shown, copy)),
                            Shown::Unknown => false,
                        };
                        if !settled {
                            layout.replace_since(mark, UNREADABLE);
                        }
                    }
                }
                "checkBox" => {
                    if let Some(checked) = legacy_box.take() {
                        layout.push(tick(checked));
                    }
                }
                _ => {}
            },
            Event::Text(t) if in_offset && skipping == 0 => {
                let offset = t
                    .xml10_content()
                    .trim()
                    .parse::<f32>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .map(|emu| emu / EMU_PER_POINT);
                if let (Some(shape), Some(horizontal)) = (shapes.last_mut(), axis) {
                    if horizontal {
                        shape.left = offset;
                    } else {
                        shape.top = offset;
                    }
                }
            }
            // Moved away, yet not marked as moved, or marked always hidden:
            // not settled.
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_)
                if in_text && !suppressed && (run_unsettled || !move_sources.is_empty()) =>
            {
                layout.push(UNREADABLE)
            }
            Event::Text(t)
                if in_text && skipping == 0 && !in_code && !out_of_sight && in_box(&controls) =>
            {
                if let Some(control) = controls.last_mut() {
                    control.shows(&t.xml10_content());
                }
            }
            Event::Text(t) if in_text && !suppressed => {
                let stored = t.xml10_content();
                let text = if run_capitals {
                    Cow::Owned(stored.to_uppercase())
                } else {
                    stored
                };
                if squeezed(run.fit, run_points, &text) {
                    layout.unseen_text(&text);
                } else if run_struck {
                    layout.struck_text(&text);
                } else {
                    layout.text(&text);
                }
            }
            // Out of sight: kept apart, should the judgement be wrong.
            Event::Text(t) if in_text && skipping == 0 && !in_code && out_of_sight => {
                layout.unseen_text(&t.xml10_content())
            }
            Event::CData(t) if in_text && !suppressed => {
                let stored = t.xml10_content();
                let text = if run_capitals {
                    Cow::Owned(stored.to_uppercase())
                } else {
                    stored
                };
                if run_struck {
                    layout.struck_text(&text);
                } else {
                    layout.text(&text);
                }
            }
            Event::GeneralRef(r) if in_text && !suppressed => {
                if let Some(c) = reference(&r) {
                    let text: String = if run_capitals {
                        c.to_uppercase().collect()
                    } else {
                        c.to_string()
                    };
                    if run_struck {
                        layout.struck_text(&text);
                    } else {
                        layout.text(&text);
                    }
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

/// What a drawing's `wp:docPr` (hidden) or `wp:extent` (its size, in
/// English Metric Units) says of it.
fn drawing_property(shape: &mut Shape, e: &BytesStart<'_>) {
    if e.local_name().as_ref() == "docPr" {
        shape.hidden |=
            attribute(e, "hidden").is_some_and(|v| matches!(v.trim(), "1" | "true" | "on"));
        return;
    }
    let points = |name: &str| {
        attribute(e, name)
            .and_then(|v| v.trim().parse::<f32>().ok())
            .filter(|v| v.is_finite())
            .map(|emu| emu / EMU_PER_POINT)
    };
    shape.width = points("cx");
    shape.height = points("cy");
}

/// A complex field's character (`w:fldChar`) of the kind given: a field
/// begins in its code, shows its result after `separate`, and ends.
fn field_step(fields: &mut Vec<bool>, kind: Option<&str>) {
    match kind.map(str::trim) {
        Some("begin") => fields.push(true),
        Some("separate") => {
            if let Some(code) = fields.last_mut() {
                *code = false;
            }
        }
        Some("end") => {
            fields.pop();
        }
        _ => {}
    }
}

/// Whether the paragraph ending is the first in a bound control wrapping
/// whole paragraphs: what Word shows there is the bound value, not the
/// copy, so it reads as unreadable (once).
fn unsettled_block(controls: &mut [Control]) -> bool {
    let mut unsettled = false;
    for control in controls
        .iter_mut()
        .filter(|c| c.in_content && c.bound_block && !c.marked)
    {
        control.marked = true;
        unsettled = true;
    }
    unsettled
}

/// Inside the content of a check box control (the innermost control).
fn in_box(controls: &[Control]) -> bool {
    controls
        .last()
        .is_some_and(|c| c.in_content && c.checkbox.is_some() && !c.placeholder)
}

/// The characters Word draws with `w:sym` (Wingdings and the like keep
/// their glyphs in the private use area, `F0xx`).
pub(super) fn symbol(code: u32) -> Option<char> {
    match code {
        // Wingdings: an empty box, a box with a cross, a box with a tick.
        0xF06F | 0xF0A8 | 0xF071 => Some('☐'),
        0xF078 | 0xF0FD | 0xF0FE => Some('☒'),
        0xF0FC => Some('✓'),
        _ => char::from_u32(code).filter(|c| !('\u{E000}'..='\u{F8FF}').contains(c)),
    }
}

#[cfg(test)]
pub(super) fn read_document_xml(xml: &str) -> Result<String, DocumentError> {
    read_xml(
        xml.as_bytes(),
        &Styles::default(),
        &Numbering::default(),
        &Stores::default(),
        &Budget::new(&super::LIMITS),
    )
    .map(|read| read.text)
}

/// A document's text as read with its `styles.xml`.
#[cfg(test)]
pub(super) fn read_styled_xml(xml: &str, styles: &str) -> Result<String, DocumentError> {
    let budget = Budget::new(&super::LIMITS);
    let styles = Styles::read(styles.as_bytes(), Theme::default(), &budget)?;
    read_xml(
        xml.as_bytes(),
        &styles,
        &Numbering::default(),
        &Stores::default(),
        &budget,
    )
    .map(|read| read.text)
}
