//! OpenDocument text (`.odt`): `content.xml` read as a person sees the
//! page. Paragraphs and headings are lines, table rows `label<TAB>value`;
//! tracked changes (deleted text is kept in `text:tracked-changes`),
//! notes and form controls' definitions are not read, nor is text a
//! reader does not see: in a hidden section, or in a paragraph or span
//! whose style (or a style it is based on) hides it, colours it as what
//! it is drawn on (white on no background; white on a dark text,
//! paragraph or cell background shows), or makes it smaller than two
//! points. Legacy form check boxes (fieldmarks of type `FORMCHECKBOX`)
//! read as `☒`/`☐`, as Word's do.

use super::look::{Colour, Fill, Ink, Look};
use super::xml::{attribute, next_event, reader, reference, tick, Layout};
use super::{zipped, Budget, DocumentError};
use quick_xml::events::{BytesStart, Event};

pub(super) fn read(bytes: &[u8], budget: &Budget) -> Result<String, DocumentError> {
    let xml = zipped::read_part(bytes, "content.xml", budget)?;
    let mut styles = Styles::default();
    if let Some(common) = zipped::read_optional_part(bytes, "styles.xml", budget)? {
        styles.read(&common, budget)?;
    }
    read_xml(&xml, styles, budget)
}

/// What of a style's properties decides whether a reader sees its text
/// (`style:text-properties`), and what its paragraph or cell is painted
/// with (`style:paragraph-properties`, `style:table-cell-properties`).
fn look_of(e: &BytesStart<'_>) -> Look {
    let fill = |e: &BytesStart<'_>| {
        attribute(e, "background-color").map(|v| match v.trim() {
            "transparent" => Fill::Clear,
            v => Colour::from_hex(v).map_or(Fill::Clear, Fill::Colour),
        })
    };
    match e.name().as_ref() {
        "style:text-properties" => {
            let automatic = attribute(e, "use-window-font-color").as_deref() == Some("true");
            Look {
                hidden: attribute(e, "display").map(|v| v.trim() == "none"),
                ink: if automatic {
                    Some(Ink::Automatic)
                } else {
                    attribute(e, "color")
                        .map(|v| Colour::from_hex(&v).map_or(Ink::Automatic, Ink::Colour))
                },
                fill: fill(e),
                tiny: attribute(e, "font-size").and_then(|v| {
                    let points = v.trim().strip_suffix("pt")?.trim().parse::<f32>().ok()?;
                    Some(points < 2.0)
                }),
                ..Look::default()
            }
        }
        "style:paragraph-properties" | "style:table-cell-properties" => Look {
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

/// The document's styles (`styles.xml`'s and `content.xml`'s automatic
/// ones), by name: each one's look and its parent.
#[derive(Default)]
struct Styles {
    styles: std::collections::HashMap<String, (Look, Option<String>)>,
}

impl Styles {
    /// Reads the styles of a part, up to its body.
    fn read(&mut self, xml: &[u8], budget: &Budget) -> Result<(), DocumentError> {
        let mut reader = reader(xml)?;
        let mut style: Option<(String, Look, Option<String>)> = None;
        let mut events = 0u32;
        loop {
            match next_event(&mut reader, &mut events, budget)? {
                Event::Eof => break,
                Event::Start(e) if e.name().as_ref() == "office:body" => break,
                Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                    "style:style" => {
                        if let Some(done) = style.take() {
                            self.insert(done);
                        }
                        style = attribute(&e, "name").map(|name| {
                            (name, Look::default(), attribute(&e, "parent-style-name"))
                        });
                    }
                    "style:text-properties"
                    | "style:paragraph-properties"
                    | "style:table-cell-properties" => {
                        if let Some((_, look, _)) = style.as_mut() {
                            *look = look.under(look_of(&e));
                        }
                    }
                    _ => {}
                },
                Event::End(e) if e.name().as_ref() == "style:style" => {
                    if let Some(done) = style.take() {
                        self.insert(done);
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn insert(&mut self, (name, look, parent): (String, Look, Option<String>)) {
        if self.styles.len() < MAX_STYLES {
            self.styles.insert(name, (look, parent));
        }
    }

    /// A style's look, its parents' beneath it.
    fn look(&self, name: Option<&str>) -> Look {
        let mut chain = Vec::new();
        let mut next = name;
        while let Some(name) = next {
            if chain.len() >= MAX_STYLE_DEPTH {
                break;
            }
            let Some((look, parent)) = self.styles.get(name) else {
                break;
            };
            chain.push(*look);
            next = parent.as_deref();
        }
        chain.into_iter().rev().fold(Look::default(), Look::under)
    }
}

fn read_xml(xml: &[u8], mut styles: Styles, budget: &Budget) -> Result<String, DocumentError> {
    // The automatic styles come before the body.
    styles.read(xml, budget)?;
    let mut reader = reader(xml)?;
    let mut layout = Layout::default();
    // The look of each paragraph and span open, innermost last: text in
    // one a reader cannot see is no answer.
    let mut looks: Vec<Look> = Vec::new();
    // The background of each table cell open, innermost last (its cell
    // style's `fo:background-color`): what the text is drawn on.
    let mut cells: Vec<Option<Colour>> = Vec::new();
    let unseen = |looks: &[Look], cells: &[Option<Colour>]| {
        looks
            .last()
            .is_some_and(|look| look.unseen(cells.iter().rev().find_map(|c| *c)))
    };
    // A legacy form check box (a fieldmark) being read: whether ticked.
    let mut check_box: Option<bool> = None;
    // Sections open, and whether each is hidden (`text:display="none"`).
    let mut sections: Vec<bool> = Vec::new();
    // Paragraphs open (text:p and text:h nest inside frames and notes).
    let mut in_paragraph = 0usize;
    let mut skipping = 0usize;
    let mut events = 0u32;
    loop {
        match next_event(&mut reader, &mut events, budget)? {
            Event::Eof => break,
            Event::Start(e) => match e.name().as_ref() {
                "text:tracked-changes" | "office:forms" | "text:note" | "office:annotation" => {
                    skipping += 1
                }
                "text:section" => {
                    let hidden = attribute(&e, "display").as_deref() == Some("none");
                    sections.push(hidden);
                    if hidden {
                        skipping += 1;
                    }
                }
                _ if skipping > 0 => {}
                "text:p" | "text:h" | "text:span" => {
                    if e.name().as_ref() != "text:span" {
                        in_paragraph += 1;
                    }
                    let outer = looks.last().copied().unwrap_or_default();
                    let own = styles.look(attribute(&e, "style-name").as_deref());
                    looks.push(outer.under(own));
                }

                "table:table" => layout.start_table(),
                "table:table-row" => layout.start_row(),
                "table:table-cell" | "table:covered-table-cell" => {
                    let style = styles.look(attribute(&e, "style-name").as_deref());
                    cells.push(match style.area {
                        Some(Fill::Colour(c)) => Some(c),
                        _ => None,
                    });
                    layout.start_cell();
                }
                "field:fieldmark" | "field:fieldmark-start" if is_check_box(&e) => {
                    check_box = Some(false);
                }
                "field:param" => check_box_state(&e, &mut check_box),
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
                // A box left unticked may carry no state at all.
                "field:fieldmark" | "field:fieldmark-start"
                    if is_check_box(&e) && in_paragraph > 0 && !unseen(&looks, &cells) =>
                {
                    layout.push(tick(false));
                }
                "field:param" => check_box_state(&e, &mut check_box),
                _ => {}
            },
            Event::End(e) => match e.name().as_ref() {
                "text:tracked-changes" | "office:forms" | "text:note" | "office:annotation" => {
                    skipping = skipping.saturating_sub(1)
                }
                "text:section" => {
                    let hidden = sections.pop() == Some(true);
                    skipping = skipping.saturating_sub(usize::from(hidden));
                }
                _ if skipping > 0 => {}
                "text:p" | "text:h" => {
                    in_paragraph = in_paragraph.saturating_sub(1);
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
                        if in_paragraph > 0 && !unseen(&looks, &cells) {
                            layout.push(tick(checked));
                        }
                    }
                }
                "table:table-row" => layout.end_row(),
                "table:table" => layout.end_table(),
                _ => {}
            },
            Event::Text(t) if in_paragraph > 0 && skipping == 0 && !unseen(&looks, &cells) => {
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
            Event::GeneralRef(r)
                if in_paragraph > 0 && skipping == 0 && !unseen(&looks, &cells) =>
            {
                if let Some(c) = reference(&r) {
                    layout.push(c);
                }
            }
            _ => {}
        }
    }
    Ok(layout.finish())
}

/// A fieldmark that is a legacy form check box.
fn is_check_box(e: &BytesStart<'_>) -> bool {
    attribute(e, "type").is_some_and(|t| t.trim() == "vnd.oasis.opendocument.field.FORMCHECKBOX")
}

/// A check box fieldmark's `Checkbox_Checked` parameter: its state.
fn check_box_state(e: &BytesStart<'_>, check_box: &mut Option<bool>) {
    if let Some(state) = check_box.as_mut() {
        if attribute(e, "name").as_deref() == Some("Checkbox_Checked") {
            *state = attribute(e, "value").is_some_and(|v| v.trim() == "true");
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
}
