//! Word (`.docx`): `word/document.xml` read as a person sees the page.
//! Paragraphs are lines and table rows `label<TAB>value`; text typed into
//! content controls and legacy form fields reads as text, a control still
//! showing its placeholder as nothing; legacy check boxes (`w:checkBox`)
//! and content-control check boxes (`w14:checkbox`) read as `☒`/`☐`, as
//! do the symbol characters Word draws boxes with. Tracked deletions
//! (`w:delText`, `w:del`, `w:moveFrom`) and field codes (`w:instrText`)
//! are never read, nor is text a reader does not see: hidden (`w:vanish`
//! however written, directly or by a paragraph or character style and
//! the styles it is based on), white on no shading, or under two points.
//! The old look a tracked formatting change keeps (`w:rPrChange`) is not
//! the look shown, and of alternative content (`mc:AlternateContent`)
//! only the branch a program shows is read.

use super::xml::{attribute, is_on, malformed, reader, reference, tick, Layout};
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

/// What of a run's formatting decides whether a reader sees its text;
/// each unset until a style or the run says.
#[derive(Clone, Copy, Default, Debug)]
struct Look {
    /// `w:vanish`, `w:specVanish`, `w:webHidden`.
    hidden: Option<bool>,
    /// `w:color` white.
    white: Option<bool>,
    /// On a coloured background (`w:shd` fill, `w:highlight`): white
    /// text on it shows.
    backed: Option<bool>,
    /// `w:sz` of three half-points or less: a speck, not words.
    tiny: Option<bool>,
}

impl Look {
    /// `self` with what `over` sets laid over it.
    fn under(self, over: Look) -> Look {
        Look {
            hidden: over.hidden.or(self.hidden),
            white: over.white.or(self.white),
            backed: over.backed.or(self.backed),
            tiny: over.tiny.or(self.tiny),
        }
    }

    fn unseen(&self) -> bool {
        self.hidden == Some(true)
            || (self.white == Some(true) && self.backed != Some(true))
            || self.tiny == Some(true)
    }

    /// A property element of a run's (or a style's) `w:rPr`.
    fn set(&mut self, e: &BytesStart<'_>) {
        match e.local_name().as_ref() {
            "vanish" | "specVanish" | "webHidden" => self.hidden = Some(is_on(e)),
            "color" => {
                self.white = attribute(e, "val").map(|v| v.trim().eq_ignore_ascii_case("FFFFFF"));
            }
            "sz" => {
                self.tiny = attribute(e, "val")
                    .and_then(|v| v.trim().parse::<u32>().ok())
                    .map(|half_points| half_points <= 3);
            }
            "highlight" => {
                self.backed = attribute(e, "val").map(|v| !matches!(v.trim(), "none" | "white"));
            }
            "shd" => {
                self.backed = attribute(e, "fill").map(|v| {
                    !(v.trim().eq_ignore_ascii_case("auto")
                        || v.trim().eq_ignore_ascii_case("FFFFFF"))
                });
            }
            _ => {}
        }
    }
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
        let mut changed = 0usize;
        let mut events = 0u32;
        loop {
            events = events.wrapping_add(1);
            if events.is_multiple_of(4096) {
                budget.check_time()?;
            }
            let event = reader.read_event().map_err(malformed)?;
            let start = matches!(event, Event::Start(_));
            match event {
                Event::Eof => break,
                Event::DocType(_) => return Err(DocumentError::Dtd),
                Event::Start(e) | Event::Empty(e) if changed == 0 => {
                    match e.local_name().as_ref() {
                        "style" => {
                            style = attribute(&e, "styleId").map(|id| (id, Look::default(), None));
                        }
                        "docDefaults" if start => in_defaults = true,
                        "rPr" if start => in_run_properties = true,
                        "rPrChange" if start => changed += 1,
                        "basedOn" => {
                            if let Some((_, _, base)) = style.as_mut() {
                                *base = attribute(&e, "val");
                            }
                        }
                        _ if in_run_properties => {
                            if let Some((_, look, _)) = style.as_mut() {
                                look.set(&e);
                            } else if in_defaults {
                                styles.defaults.set(&e);
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
    let seen = |paragraph_style: &Option<String>, run: &Run| {
        !styles
            .defaults
            .under(styles.look(paragraph_style.as_deref()))
            .under(styles.look(run.style.as_deref()))
            .under(run.look)
            .unseen()
    };
    let mut events = 0u32;
    loop {
        events = events.wrapping_add(1);
        if events.is_multiple_of(4096) {
            budget.check_time()?;
        }
        let suppressed = skipping > 0
            || run_hidden
            || controls
                .iter()
                .any(|c| c.in_content && (c.placeholder || c.checkbox.is_some()));
        let event = reader.read_event().map_err(malformed)?;
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
                "rStyle" if in_run && in_run_properties => run.style = attribute(e, "val"),
                _ if in_run && in_run_properties => run.look.set(e),
                _ => {}
            },
            Event::End(e) if skipping == 0 => match e.local_name().as_ref() {
                "rPrChange" | "pPrChange" => changed = changed.saturating_sub(1),
                _ if changed > 0 => {}
                "pPr" => in_paragraph_properties = false,
                "rPr" => {
                    in_run_properties = false;
                    if in_run {
                        run_hidden = !seen(&paragraph_style, &run);
                    }
                }
                _ => {}
            },
            _ => {}
        }
        match event {
            Event::Eof => break,
            Event::DocType(_) => return Err(DocumentError::Dtd),
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
                "p" => paragraph_style = None,
                "r" => {
                    in_run = true;
                    run = Run::default();
                    run_hidden = !seen(&paragraph_style, &run);
                }
                "t" => in_text = true,
                "tbl" => layout.start_table(),
                "tr" => layout.start_row(),
                "tc" => layout.start_cell(),
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
                "tc" => layout.end_cell(),
                "tr" => layout.end_row(),
                "tbl" => layout.end_table(),
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
