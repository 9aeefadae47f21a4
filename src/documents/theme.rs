//! A Word document's theme colours: text and shading may name a colour of
//! the theme (`w:themeColor="background1"`) rather than spell it, and Word
//! draws the theme's colour, whatever the spelt one (`w:val`) says. The
//! theme part (`a:clrScheme`) gives the colours, the settings part
//! (`w:clrSchemeMapping`) which of them the text and background names
//! mean; without either, Office's own.

use super::look::Colour;
use super::xml::{attribute, next_event, reader};
use super::{Budget, DocumentError};
use quick_xml::events::{BytesStart, Event};
use std::collections::HashMap;

/// The slots of a colour scheme, and Office's default theme's colours.
const OFFICE: [(&str, Colour); 12] = [
    ("dk1", Colour::BLACK),
    ("lt1", Colour::WHITE),
    ("dk2", Colour::rgb(0x44, 0x54, 0x6A)),
    ("lt2", Colour::rgb(0xE7, 0xE6, 0xE6)),
    ("accent1", Colour::rgb(0x44, 0x72, 0xC4)),
    ("accent2", Colour::rgb(0xED, 0x7D, 0x31)),
    ("accent3", Colour::rgb(0xA5, 0xA5, 0xA5)),
    ("accent4", Colour::rgb(0xFF, 0xC0, 0x00)),
    ("accent5", Colour::rgb(0x5B, 0x9B, 0xD5)),
    ("accent6", Colour::rgb(0x70, 0xAD, 0x47)),
    ("hlink", Colour::rgb(0x05, 0x63, 0xC1)),
    ("folHlink", Colour::rgb(0x95, 0x4F, 0x72)),
];

pub(super) struct Theme {
    /// Each slot's colour.
    slots: HashMap<&'static str, Colour>,
    /// What the document maps Word's names to (`bg1` → `light1`), from
    /// its settings.
    mapping: HashMap<String, String>,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            slots: OFFICE.into_iter().collect(),
            mapping: HashMap::new(),
        }
    }
}

impl Theme {
    /// Takes the colours of a theme part's scheme (the first: others are
    /// alternatives it offers, not the one used).
    pub fn read_scheme(&mut self, xml: &[u8], budget: &Budget) -> Result<(), DocumentError> {
        let mut reader = reader(xml)?;
        let mut events = 0u32;
        let mut in_scheme = false;
        let mut slot: Option<&'static str> = None;
        loop {
            match next_event(&mut reader, &mut events, budget)? {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e) => {
                    let name = e.local_name();
                    match name.as_ref() {
                        "clrScheme" => in_scheme = true,
                        _ if !in_scheme => {}
                        "srgbClr" | "sysClr" => {
                            if let Some(colour) = slot.take().zip(scheme_colour(&e)) {
                                self.slots.insert(colour.0, colour.1);
                            }
                        }
                        local => {
                            if let Some((known, _)) = OFFICE.iter().find(|(s, _)| *s == local) {
                                slot = Some(*known);
                            }
                        }
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "clrScheme" => break,
                _ => {}
            }
        }
        Ok(())
    }

    /// Takes the settings part's `w:clrSchemeMapping`.
    pub fn read_mapping(&mut self, xml: &[u8], budget: &Budget) -> Result<(), DocumentError> {
        let mut reader = reader(xml)?;
        let mut events = 0u32;
        loop {
            match next_event(&mut reader, &mut events, budget)? {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e)
                    if e.local_name().as_ref() == "clrSchemeMapping" =>
                {
                    for a in e.attributes().flatten().take(OFFICE.len() + 4) {
                        let key = a.key.local_name().into_inner().to_string();
                        if let Ok(value) = a.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
                            self.mapping.insert(key, value.trim().to_string());
                        }
                    }
                    break;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The colour a theme colour's name stands for (`background1`,
    /// `text1`, `accent1`, `dark2`...).
    fn colour(&self, name: &str) -> Option<Colour> {
        // The background and text names go through the document's
        // mapping; Word's own maps them to the light and dark colours.
        let word_name = match name.trim() {
            "background1" | "bg1" => "bg1",
            "text1" | "tx1" | "t1" => "t1",
            "background2" | "bg2" => "bg2",
            "text2" | "tx2" | "t2" => "t2",
            other => other,
        };
        let mapped = match self.mapping.get(word_name) {
            Some(mapped) => mapped.as_str(),
            None => match word_name {
                "bg1" => "light1",
                "t1" => "dark1",
                "bg2" => "light2",
                "t2" => "dark2",
                other => other,
            },
        };
        let slot = match mapped {
            "dark1" | "dk1" => "dk1",
            "light1" | "lt1" => "lt1",
            "dark2" | "dk2" => "dk2",
            "light2" | "lt2" => "lt2",
            "hyperlink" | "hlink" => "hlink",
            "followedHyperlink" | "folHlink" => "folHlink",
            accent => accent,
        };
        self.slots.get(slot).copied()
    }

    /// The theme colour an element names in `colour`, lightened by its
    /// `tint` and darkened by its `shade` (hex fractions of 255).
    pub fn named(&self, e: &BytesStart<'_>, [colour, tint, shade]: [&str; 3]) -> Option<Colour> {
        let named = self.colour(&attribute(e, colour)?)?;
        let fraction = |name: &str| {
            attribute(e, name)
                .and_then(|v| u8::from_str_radix(v.trim(), 16).ok())
                .map(|v| f32::from(v) / 255.0)
        };
        let tinted = fraction(tint).map_or(named, |keep| named.tinted(keep));
        Some(fraction(shade).map_or(tinted, |keep| tinted.shaded(keep)))
    }
}

/// A scheme slot's colour: spelt (`a:srgbClr`), or the system's
/// (`a:sysClr`), as last saved or as Windows' defaults have it.
fn scheme_colour(e: &BytesStart<'_>) -> Option<Colour> {
    if e.local_name().as_ref() == "srgbClr" {
        return attribute(e, "val").and_then(|v| Colour::from_hex(&v));
    }
    attribute(e, "lastClr")
        .and_then(|v| Colour::from_hex(&v))
        .or_else(|| match attribute(e, "val")?.trim() {
            "window" => Some(Colour::WHITE),
            "windowText" => Some(Colour::BLACK),
            _ => None,
        })
}
