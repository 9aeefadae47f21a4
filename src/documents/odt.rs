//! OpenDocument text (`.odt`): `content.xml` read as a person sees the
//! page. Paragraphs and headings are lines, table rows `label<TAB>value`;
//! tracked changes (deleted text is kept in `text:tracked-changes`),
//! notes and form controls' definitions are not read.

use super::xml::{attribute, malformed, reader, reference, Layout};
use super::{zipped, Budget, DocumentError};
use quick_xml::events::Event;

pub(super) fn read(bytes: &[u8], budget: &Budget) -> Result<String, DocumentError> {
    let xml = zipped::read_part(bytes, "content.xml", budget)?;
    read_xml(&xml, budget)
}

fn read_xml(xml: &[u8], budget: &Budget) -> Result<String, DocumentError> {
    let mut reader = reader(xml)?;
    let mut layout = Layout::default();
    // Paragraphs open (text:p and text:h nest inside frames and notes).
    let mut in_paragraph = 0usize;
    let mut skipping = 0usize;
    let mut events = 0u32;
    loop {
        events = events.wrapping_add(1);
        if events.is_multiple_of(4096) {
            budget.check_time()?;
        }
        match reader.read_event().map_err(malformed)? {
            Event::Eof => break,
            Event::DocType(_) => return Err(DocumentError::Dtd),
            Event::Start(e) => match e.name().as_ref() {
                "text:tracked-changes" | "office:forms" | "text:note" | "office:annotation" => {
                    skipping += 1
                }
                _ if skipping > 0 => {}
                "text:p" | "text:h" => in_paragraph += 1,
                "table:table" => layout.start_table(),
                "table:table-row" => layout.start_row(),
                "table:table-cell" | "table:covered-table-cell" => layout.start_cell(),
                _ => {}
            },
            Event::Empty(e) => match e.name().as_ref() {
                _ if skipping > 0 => {}
                "text:tab" => layout.push('\t'),
                "text:line-break" => layout.push('\n'),
                "text:s" => {
                    let n = attribute(&e, "c")
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
                _ => {}
            },
            Event::End(e) => match e.name().as_ref() {
                "text:tracked-changes" | "office:forms" | "text:note" | "office:annotation" => {
                    skipping = skipping.saturating_sub(1)
                }
                _ if skipping > 0 => {}
                "text:p" | "text:h" => {
                    in_paragraph = in_paragraph.saturating_sub(1);
                    layout.end_paragraph(budget)?;
                }
                "table:table-cell" | "table:covered-table-cell" => layout.end_cell(),
                "table:table-row" => layout.end_row(),
                "table:table" => layout.end_table(),
                _ => {}
            },
            Event::Text(t) if in_paragraph > 0 && skipping == 0 => {
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
                layout.text(&collapsed);
            }
            Event::GeneralRef(r) if in_paragraph > 0 && skipping == 0 => {
                if let Some(c) = reference(&r) {
                    layout.push(c);
                }
            }
            _ => {}
        }
    }
    Ok(layout.finish())
}
