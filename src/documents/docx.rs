//! Word (`.docx`): `word/document.xml` read as a person sees the page.
//! Paragraphs are lines and table rows `label<TAB>value`; text typed into
//! content controls and legacy form fields reads as text, a control still
//! showing its placeholder as nothing; legacy check boxes (`w:checkBox`)
//! and content-control check boxes (`w14:checkbox`) read as `☒`/`☐`, as
//! do the symbol characters Word draws boxes with. Tracked deletions
//! (`w:delText`, `w:del`, `w:moveFrom`) and field codes (`w:instrText`)
//! are never read.

use super::xml::{attribute, is_on, malformed, reader, reference, tick, Layout};
use super::{zipped, Budget, DocumentError};
use quick_xml::events::Event;

/// A content control being read.
#[derive(Default)]
struct Control {
    /// Still its placeholder text (`w:showingPlcHdr`): nothing typed.
    placeholder: bool,
    /// A check box control, ticked or not.
    checkbox: Option<bool>,
    /// In its content (`w:sdtContent`) rather than its properties.
    in_content: bool,
}

pub(super) fn read(bytes: &[u8], budget: &Budget) -> Result<String, DocumentError> {
    let xml = zipped::read_part(bytes, "word/document.xml", budget)?;
    read_xml(&xml, budget)
}

fn read_xml(xml: &[u8], budget: &Budget) -> Result<String, DocumentError> {
    let mut reader = reader(xml)?;
    let mut layout = Layout::default();
    // Inside `w:t`: its text is the document's.
    let mut in_text = false;
    // Inside something never read (a deletion, a field code, a
    // placeholder): how deep.
    let mut skipping = 0usize;
    let mut controls: Vec<Control> = Vec::new();
    // A legacy check box being read: its default, then its state.
    let mut legacy_box: Option<bool> = None;
    // Inside a run, and whether its text is hidden (`w:vanish`): hidden
    // text is not what the reader of the form sees, so it is no answer.
    let mut in_run = false;
    let mut run_hidden = false;
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
        match reader.read_event().map_err(malformed)? {
            Event::Eof => break,
            Event::DocType(_) => return Err(DocumentError::Dtd),
            Event::Start(e) => match e.local_name().as_ref() {
                "del" | "moveFrom" | "instrText" | "delText" | "delInstrText" => skipping += 1,
                _ if skipping > 0 => {}
                "r" => {
                    in_run = true;
                    run_hidden = false;
                }
                "t" => in_text = true,
                "tbl" => layout.start_table(),
                "tr" => layout.start_row(),
                "tc" => layout.start_cell(),
                "sdt" => controls.push(Control::default()),
                "sdtContent" => {
                    if let Some(control) = controls.last_mut() {
                        control.in_content = true;
                        if let (Some(checked), false) = (control.checkbox, control.placeholder) {
                            layout.push(tick(checked));
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
                "vanish" | "specVanish" | "webHidden" if in_run => run_hidden = is_on(&e),
                "tab" if !suppressed => layout.push('\t'),
                "br" | "cr" if !suppressed => layout.push('\n'),
                "sym" if !suppressed => {
                    if let Some(c) = attribute(&e, "char")
                        .and_then(|code| u32::from_str_radix(code.trim(), 16).ok())
                        .and_then(symbol)
                    {
                        layout.push(c);
                    }
                }
                "p" => layout.end_paragraph(budget)?,
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
                    controls.pop();
                }
                "checkBox" => {
                    if let Some(checked) = legacy_box.take() {
                        layout.push(tick(checked));
                    }
                }
                _ => {}
            },
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
    read_xml(xml.as_bytes(), &Budget::new(&super::LIMITS))
}
