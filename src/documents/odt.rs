//! OpenDocument text (`.odt`): `content.xml` read as a person sees the
//! page. Paragraphs and headings are lines, table rows `label<TAB>value`;
//! tracked changes (deleted text is kept in `text:tracked-changes`),
//! notes and form controls' definitions are not read, nor is text a
//! reader does not see: in a hidden section, or in a paragraph or span
//! whose style (or a style it is based on) hides it, makes it white on
//! no background, or smaller than two points.

use super::xml::{attribute, malformed, reader, reference, Layout};
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

/// What of a style's text properties decides whether a reader sees its
/// text; each unset until the style or one it is based on says.
#[derive(Clone, Copy, Default)]
struct Look {
    /// `text:display="none"`.
    hidden: Option<bool>,
    /// `fo:color` white.
    white: Option<bool>,
    /// `fo:background-color` other than white or none: white text on it
    /// shows.
    backed: Option<bool>,
    /// `fo:font-size` under two points.
    tiny: Option<bool>,
}

impl Look {
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

    /// From a `style:text-properties` element.
    fn of(e: &BytesStart<'_>) -> Look {
        let white = |v: &str| {
            let v = v.trim();
            v.eq_ignore_ascii_case("#ffffff") || v.eq_ignore_ascii_case("#fff")
        };
        Look {
            hidden: attribute(e, "display").map(|v| v.trim() == "none"),
            white: attribute(e, "color").map(|v| white(&v)),
            backed: attribute(e, "background-color")
                .map(|v| !(white(&v) || v.trim() == "transparent")),
            tiny: attribute(e, "font-size").and_then(|v| {
                let points = v.trim().strip_suffix("pt")?.trim().parse::<f32>().ok()?;
                Some(points < 2.0)
            }),
        }
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
            events = events.wrapping_add(1);
            if events.is_multiple_of(4096) {
                budget.check_time()?;
            }
            match reader.read_event().map_err(malformed)? {
                Event::Eof => break,
                Event::DocType(_) => return Err(DocumentError::Dtd),
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
                    "style:text-properties" => {
                        if let Some((_, look, _)) = style.as_mut() {
                            *look = look.under(Look::of(&e));
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
    let unseen = |looks: &[Look]| looks.last().is_some_and(Look::unseen);
    // Sections open, and whether each is hidden (`text:display="none"`).
    let mut sections: Vec<bool> = Vec::new();
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
                "table:table-cell" | "table:covered-table-cell" => layout.end_cell(),
                "table:table-row" => layout.end_row(),
                "table:table" => layout.end_table(),
                _ => {}
            },
            Event::Text(t) if in_paragraph > 0 && skipping == 0 && !unseen(&looks) => {
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
            Event::GeneralRef(r) if in_paragraph > 0 && skipping == 0 && !unseen(&looks) => {
                if let Some(c) = reference(&r) {
                    layout.push(c);
                }
            }
            _ => {}
        }
    }
    Ok(layout.finish())
}

#[cfg(test)]
pub(super) fn read_content_xml(xml: &str) -> Result<String, DocumentError> {
    read_xml(
        xml.as_bytes(),
        Styles::default(),
        &Budget::new(&super::LIMITS),
    )
}
