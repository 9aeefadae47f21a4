//! Word (`.docx`): `word/document.xml` read as a person sees the page.
//! Paragraphs are lines and table rows `label<TAB>value`; text typed into
//! content controls and legacy form fields reads as text, a control still
//! showing its placeholder as nothing; legacy check boxes (`w:checkBox`)
//! and content-control check boxes (`w14:checkbox`) read as `☒`/`☐`, as
//! do the symbol characters Word draws boxes with. Tracked deletions
//! (`w:delText`, `w:del`, `w:moveFrom`) and field codes (`w:instrText`)
//! are never read, nor is text a reader does not see: hidden (`w:vanish`
//! however written, directly or by a paragraph or character style and
//! the styles it is based on), in the colour of what it is drawn on
//! (white on no shading; white on a dark run, paragraph or table cell
//! shading shows), or under two points.
//! The old look a tracked formatting change keeps (`w:rPrChange`) is not
//! the look shown, and of alternative content (`mc:AlternateContent`)
//! only the branch a program shows is read.

use super::look::{Colour, Fill, Ink, Look};
use super::xml::{attribute, is_on, malformed, next_event, reader, reference, tick, Layout};
use super::{zipped, Budget, DocumentError};
use crate::core::form::UNREADABLE;
use quick_xml::events::{BytesStart, Event};

/// A content control being read.
#[derive(Default)]
struct Control {
    /// Still its placeholder text (`w:showingPlcHdr`): nothing typed.
    placeholder: bool,
    /// A check box control, ticked or not.
    checkbox: Option<bool>,
    /// In its content (`w:sdtContent`) rather than its properties.
    in_content: bool,
    /// What a check box's content shows: a ticked or an empty box.
    shown: Option<bool>,
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

pub(super) fn read(bytes: &[u8], budget: &Budget) -> Result<String, DocumentError> {
    let main = main_part(bytes, budget)?;
    let xml = zipped::read_part(bytes, &main, budget)?;
    let folder = main.rsplit_once('/').map_or("", |(folder, _)| folder);
    let styles_part = if folder.is_empty() {
        "styles.xml".to_string()
    } else {
        format!("{folder}/styles.xml")
    };
    let styles = match zipped::read_optional_part(bytes, &styles_part, budget)? {
        Some(xml) => Styles::read(&xml, budget)?,
        None => Styles::default(),
    };
    read_xml(&xml, &styles, budget)
}

/// The main document part, as Word finds it: the target of the package's
/// `officeDocument` relationship (`_rels/.rels`), which its content types
/// must declare as the main document if they declare one. A package whose
/// parts say two different things is damaged or forged: which one a
/// program shows is its own choice, so it is refused. A package without
/// relationships is read from `word/document.xml`.
fn main_part(bytes: &[u8], budget: &Budget) -> Result<String, DocumentError> {
    const DEFAULT: &str = "word/document.xml";
    let part_name = |name: &str| {
        name.trim()
            .trim_start_matches("./")
            .trim_start_matches('/')
            .to_string()
    };
    let attributes_of = |xml: &[u8], element: &str, wanted: &[&str]| {
        let mut found: Vec<Vec<Option<String>>> = Vec::new();
        let mut reader = reader(xml)?;
        loop {
            match reader.read_event().map_err(malformed)? {
                Event::Eof => break,
                Event::DocType(_) => return Err(DocumentError::Dtd),
                Event::Start(e) | Event::Empty(e)
                    if e.local_name().as_ref() == element && found.len() < MAX_STYLES =>
                {
                    found.push(wanted.iter().map(|a| attribute(&e, a)).collect());
                }
                _ => {}
            }
            budget.check_time()?;
        }
        Ok::<_, DocumentError>(found)
    };
    let damaged = |why: &str| DocumentError::Malformed(format!("its package is damaged ({why})"));
    let Some(rels) = zipped::read_optional_part(bytes, "_rels/.rels", budget)? else {
        return Ok(DEFAULT.to_string());
    };
    let targets: Vec<String> = attributes_of(&rels, "Relationship", &["Type", "Target"])?
        .into_iter()
        .filter(|a| {
            a[0].as_deref()
                .is_some_and(|t| t.trim().ends_with("/officeDocument"))
        })
        .filter_map(|a| a[1].as_deref().map(part_name))
        .collect();
    let main = match targets.as_slice() {
        [] => return Ok(DEFAULT.to_string()),
        [one] => one.clone(),
        _ => return Err(damaged("it names two main documents")),
    };
    if let Some(types) = zipped::read_optional_part(bytes, "[Content_Types].xml", budget)? {
        let declared: Vec<String> =
            attributes_of(&types, "Override", &["PartName", "ContentType"])?
                .into_iter()
                .filter(|a| {
                    a[1].as_deref()
                        .is_some_and(|t| t.trim().ends_with(".main+xml"))
                })
                .filter_map(|a| a[0].as_deref().map(part_name))
                .collect();
        if !declared.is_empty() && declared.iter().any(|d| !d.eq_ignore_ascii_case(&main)) {
            return Err(damaged(
                "its main document is not the one its content types declare",
            ));
        }
    }
    Ok(main)
}

/// A property element of a run's (or a style's) `w:rPr`: what of it
/// decides whether a reader sees the text.
fn set_run_property(look: &mut Look, e: &BytesStart<'_>) {
    match e.local_name().as_ref() {
        "vanish" | "specVanish" | "webHidden" => look.hidden = Some(is_on(e)),
        "color" => look.ink = attribute(e, "val").map(|v| ink(&v)),
        "sz" => {
            look.tiny = attribute(e, "val")
                .and_then(|v| v.trim().parse::<u32>().ok())
                .map(|half_points| half_points <= 3);
        }
        "highlight" => look.mark = attribute(e, "val").map(|v| highlight(&v)),
        "shd" => look.fill = shading(e),
        _ => {}
    }
}

/// `w:color`'s value: `auto`, or a colour. One that cannot be read is
/// taken as one that shows.
fn ink(value: &str) -> Ink {
    Colour::from_hex(value).map_or(Ink::Automatic, Ink::Colour)
}

/// `w:shd`: a solid pattern is its pattern colour (`w:color`, black when
/// automatic), otherwise the fill beneath it; `nil` or an automatic fill
/// paints nothing.
fn shading(e: &BytesStart<'_>) -> Option<Fill> {
    let pattern = attribute(e, "val").map(|v| v.trim().to_ascii_lowercase());
    match pattern.as_deref() {
        Some("nil") => return Some(Fill::Clear),
        Some("solid") => {
            return Some(Fill::Colour(
                attribute(e, "color")
                    .and_then(|c| Colour::from_hex(&c))
                    .unwrap_or(Colour::BLACK),
            ))
        }
        _ => {}
    }
    match attribute(e, "fill") {
        Some(fill) => Some(Colour::from_hex(&fill).map_or(Fill::Clear, Fill::Colour)),
        None => pattern.map(|_| Fill::Clear),
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
const MAX_STYLES: usize = 10_000;

/// `word/styles.xml`: each style's look and what it is based on, and the
/// document's default look.
#[derive(Default)]
struct Styles {
    defaults: Look,
    styles: std::collections::HashMap<String, (Look, Option<String>)>,
}

impl Styles {
    fn read(xml: &[u8], budget: &Budget) -> Result<Styles, DocumentError> {
        let mut reader = reader(xml)?;
        let mut styles = Styles::default();
        // The style being read (its id, look, base), and whether inside
        // its (or the defaults') run properties.
        let mut style: Option<(String, Look, Option<String>)> = None;
        let mut in_defaults = false;
        let mut in_run_properties = false;
        let mut in_paragraph_properties = false;
        let mut changed = 0usize;
        let mut events = 0u32;
        loop {
            let event = next_event(&mut reader, &mut events, budget)?;
            let start = matches!(event, Event::Start(_));
            match event {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e) if changed == 0 => {
                    match e.local_name().as_ref() {
                        "style" => {
                            style = attribute(&e, "styleId").map(|id| (id, Look::default(), None));
                        }
                        "docDefaults" if start => in_defaults = true,
                        "rPr" if start => in_run_properties = true,
                        "pPr" if start => in_paragraph_properties = true,
                        "rPrChange" if start => changed += 1,
                        "basedOn" => {
                            if let Some((_, _, base)) = style.as_mut() {
                                *base = attribute(&e, "val");
                            }
                        }
                        _ if in_run_properties => {
                            if let Some((_, look, _)) = style.as_mut() {
                                set_run_property(look, &e);
                            } else if in_defaults {
                                set_run_property(&mut styles.defaults, &e);
                            }
                        }
                        // A paragraph style's shading, behind its text.
                        "shd" if in_paragraph_properties => {
                            if let Some((_, look, _)) = style.as_mut() {
                                look.area = shading(&e);
                            } else if in_defaults {
                                styles.defaults.area = shading(&e);
                            }
                        }
                        _ => {}
                    }
                }
                Event::Start(e) if e.local_name().as_ref() == "rPrChange" => changed += 1,
                Event::End(e) => match e.local_name().as_ref() {
                    "rPrChange" => changed = changed.saturating_sub(1),
                    _ if changed > 0 => {}
                    "rPr" => in_run_properties = false,
                    "pPr" => in_paragraph_properties = false,
                    "docDefaults" => in_defaults = false,
                    "style" => {
                        if let Some((id, look, base)) = style.take() {
                            if styles.styles.len() < MAX_STYLES {
                                styles.styles.insert(id, (look, base));
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

    /// A style's look, its bases' beneath it.
    fn look(&self, id: Option<&str>) -> Look {
        let mut chain = Vec::new();
        let mut next = id;
        while let Some(id) = next {
            if chain.len() >= MAX_STYLE_DEPTH {
                break;
            }
            let Some((look, base)) = self.styles.get(id) else {
                break;
            };
            chain.push(*look);
            next = base.as_deref();
        }
        chain.into_iter().rev().fold(Look::default(), Look::under)
    }
}

/// The run being read: its style and its own formatting.
#[derive(Default)]
struct Run {
    style: Option<String>,
    look: Look,
}

fn read_xml(xml: &[u8], styles: &Styles, budget: &Budget) -> Result<String, DocumentError> {
    let mut reader = reader(xml)?;
    let mut layout = Layout::default();
    // Inside `w:t`: its text is the document's.
    let mut in_text = false;
    // Inside something never read (a deletion, a field code, a
    // placeholder): how deep.
    let mut skipping = 0usize;
    let mut controls: Vec<Control> = Vec::new();
    // `mc:AlternateContent` open, innermost last: whether a branch of it
    // has been read; and the branches open, whether each is skipped.
    let mut alternatives: Vec<bool> = Vec::new();
    let mut branches: Vec<bool> = Vec::new();
    // A legacy check box being read: its default, then its state.
    let mut legacy_box: Option<bool> = None;
    // Inside a run, and whether its text is out of sight (hidden, white,
    // a speck, by itself or by its styles): what the reader of the form
    // does not see is no answer.
    let mut in_run = false;
    let mut run_hidden = false;
    let mut run = Run::default();
    // The paragraph's style, and where its and the run's properties are
    // being read (an old look kept by a tracked change, `w:rPrChange`, is
    // not the look shown).
    let mut paragraph_style: Option<String> = None;
    let mut in_paragraph_properties = false;
    let mut in_run_properties = false;
    let mut changed = 0usize;
    // What is painted behind the text: the paragraph's own shading, and
    // each table and cell open's (innermost last), read from their
    // properties (`w:tblPr`, `w:tcPr`).
    let mut paragraph_area: Option<Fill> = None;
    let mut backgrounds: Vec<Option<Colour>> = Vec::new();
    let mut in_table_properties = false;
    let seen = |paragraph_style: &Option<String>,
                paragraph_area: Option<Fill>,
                run: &Run,
                backgrounds: &[Option<Colour>]| {
        let own = Look {
            area: paragraph_area,
            ..Look::default()
        };
        !styles
            .defaults
            .under(styles.look(paragraph_style.as_deref()))
            .under(own)
            .under(styles.look(run.style.as_deref()))
            .under(run.look)
            .unseen(backgrounds.iter().rev().find_map(|b| *b))
    };
    let mut events = 0u32;
    loop {
        let suppressed = skipping > 0
            || run_hidden
            || controls
                .iter()
                .any(|c| c.in_content && (c.placeholder || c.checkbox.is_some()));
        let event = next_event(&mut reader, &mut events, budget)?;
        // Formatting: the same whether written `<w:vanish/>` or
        // `<w:vanish></w:vanish>`.
        match &event {
            Event::Start(e) | Event::Empty(e) if skipping == 0 => match e.local_name().as_ref() {
                "rPrChange" | "pPrChange" => {
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
                "tblPr" | "tcPr" if matches!(event, Event::Start(_)) => in_table_properties = true,
                "rStyle" if in_run && in_run_properties => run.style = attribute(e, "val"),
                _ if in_run && in_run_properties => set_run_property(&mut run.look, e),
                "shd" if in_table_properties => {
                    if let Some(background) = backgrounds.last_mut() {
                        *background = shading(e).and_then(|fill| match fill {
                            Fill::Colour(c) => Some(c),
                            Fill::Clear => None,
                        });
                    }
                }
                "shd" if in_paragraph_properties && !in_run_properties => {
                    paragraph_area = shading(e);
                }
                _ => {}
            },
            Event::End(e) if skipping == 0 => match e.local_name().as_ref() {
                "rPrChange" | "pPrChange" => changed = changed.saturating_sub(1),
                _ if changed > 0 => {}
                "pPr" => in_paragraph_properties = false,
                "tblPr" | "tcPr" => in_table_properties = false,
                "rPr" => {
                    in_run_properties = false;
                    if in_run {
                        run_hidden = !seen(&paragraph_style, paragraph_area, &run, &backgrounds);
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
                    // One branch of the alternatives is what a program
                    // shows: the first, a Fallback only when no Choice
                    // came before it.
                    let taken = alternatives.last_mut();
                    let skip = taken.as_deref().copied().unwrap_or(false);
                    if let Some(taken) = taken {
                        *taken = true;
                    }
                    if skip {
                        skipping += 1;
                    }
                    branches.push(skip);
                }
                _ if skipping > 0 => {}
                "p" => {
                    paragraph_style = None;
                    paragraph_area = None;
                }
                "r" => {
                    in_run = true;
                    run = Run::default();
                    run_hidden = !seen(&paragraph_style, paragraph_area, &run, &backgrounds);
                }
                "t" => in_text = true,
                "tbl" => {
                    backgrounds.push(None);
                    layout.start_table();
                }
                "tr" => layout.start_row(),
                "tc" => {
                    backgrounds.push(None);
                    layout.start_cell();
                }
                "sdt" => controls.push(Control::default()),
                "sdtContent" => {
                    if let Some(control) = controls.last_mut() {
                        control.in_content = true;
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
                "tab" if !suppressed => layout.push('\t'),
                "br" | "cr" if !suppressed => layout.push('\n'),
                "sym" if skipping == 0 && !run_hidden && in_box(&controls) => {
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
                    layout.end_paragraph(budget)?
                }
                "tc" => {
                    layout.start_cell();
                    layout.end_cell();
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
                }
                "t" => in_text = false,
                "p" => layout.end_paragraph(budget)?,
                "tc" => {
                    backgrounds.pop();
                    layout.end_cell();
                }
                "tr" => layout.end_row(),
                "tbl" => {
                    backgrounds.pop();
                    layout.end_table();
                }
                "sdt" => {
                    if let Some(answer) = controls.pop().and_then(|c| c.answer()) {
                        layout.push(answer);
                    }
                }
                "checkBox" => {
                    if let Some(checked) = legacy_box.take() {
                        layout.push(tick(checked));
                    }
                }
                _ => {}
            },
            Event::Text(t) if in_text && skipping == 0 && !run_hidden && in_box(&controls) => {
                if let Some(control) = controls.last_mut() {
                    control.shows(&t.xml10_content());
                }
            }
            Event::Text(t) if in_text && !suppressed => layout.text(&t.xml10_content()),
            Event::CData(t) if in_text && !suppressed => layout.text(&t.xml10_content()),
            Event::GeneralRef(r) if in_text && !suppressed => {
                if let Some(c) = reference(&r) {
                    layout.push(c);
                }
            }
            _ => {}
        }
    }
    Ok(layout.finish())
}

/// Inside the content of a check box control (the innermost control).
fn in_box(controls: &[Control]) -> bool {
    controls
        .last()
        .is_some_and(|c| c.in_content && c.checkbox.is_some() && !c.placeholder)
}

/// The characters Word draws with `w:sym` (Wingdings and the like keep
/// their glyphs in the private use area, `F0xx`).
fn symbol(code: u32) -> Option<char> {
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
        &Budget::new(&super::LIMITS),
    )
}

/// A document's text as read with its `styles.xml`.
#[cfg(test)]
pub(super) fn read_styled_xml(xml: &str, styles: &str) -> Result<String, DocumentError> {
    let budget = Budget::new(&super::LIMITS);
    let styles = Styles::read(styles.as_bytes(), &budget)?;
    read_xml(xml.as_bytes(), &styles, &budget)
}
