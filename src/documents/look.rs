//! Whether a reader sees a piece of text, as Word's and OpenDocument's
//! readers both decide it: not when it is hidden or a speck, drawn
//! see-through or moved off the page, nor when its colour is too close to
//! what it is drawn on (white on white or on no shading, black on black). Each reader gathers the formatting from its
//! own markup; the rule is this one.

/// A colour as written in a document (`FFFFFF`, `#ffffff`, `#fff`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Colour {
    red: u8,
    green: u8,
    blue: u8,
}

impl Colour {
    pub const WHITE: Colour = Colour::rgb(0xFF, 0xFF, 0xFF);
    pub const BLACK: Colour = Colour::rgb(0, 0, 0);

    pub const fn rgb(red: u8, green: u8, blue: u8) -> Colour {
        Colour { red, green, blue }
    }

    /// Six hex digits, or three, with or without a leading `#`.
    pub fn from_hex(text: &str) -> Option<Colour> {
        let hex = text.trim().trim_start_matches('#');
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let digit = |at: usize, len: usize| u8::from_str_radix(hex.get(at..at + len)?, 16).ok();
        match hex.len() {
            6 => Some(Colour::rgb(digit(0, 2)?, digit(2, 2)?, digit(4, 2)?)),
            3 => {
                let short = |at| digit(at, 1).map(|d| d * 17);
                Some(Colour::rgb(short(0)?, short(1)?, short(2)?))
            }
            _ => None,
        }
    }

    /// Lightened toward white, `keep` (0 to 1) of the colour kept: Word's
    /// theme tints.
    pub fn tinted(self, keep: f32) -> Colour {
        let keep = keep.clamp(0.0, 1.0);
        let c = |v: u8| (f32::from(v) * keep + 255.0 * (1.0 - keep)).round() as u8;
        Colour::rgb(c(self.red), c(self.green), c(self.blue))
    }

    /// Darkened toward black, `keep` (0 to 1) of the colour kept: Word's
    /// theme shades.
    pub fn shaded(self, keep: f32) -> Colour {
        let keep = keep.clamp(0.0, 1.0);
        let c = |v: u8| (f32::from(v) * keep).round() as u8;
        Colour::rgb(c(self.red), c(self.green), c(self.blue))
    }

    /// `over` laid on this colour covering `share` (0 to 1) of it, as a
    /// pattern of dots or stripes is seen from reading distance.
    pub fn under(self, over: Colour, share: f32) -> Colour {
        let share = share.clamp(0.0, 1.0);
        let c = |beneath: u8, on: u8| {
            (f32::from(beneath) * (1.0 - share) + f32::from(on) * share).round() as u8
        };
        Colour::rgb(
            c(self.red, over.red),
            c(self.green, over.green),
            c(self.blue, over.blue),
        )
    }

    /// Relative luminance, as WCAG defines it: 0 black, 1 white.
    fn luminance(self) -> f32 {
        let channel = |c: u8| {
            let c = f32::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.red) + 0.7152 * channel(self.green) + 0.0722 * channel(self.blue)
    }

    /// Whether text in this colour is seen drawn on `background`.
    pub fn stands_out_on(self, background: Colour) -> bool {
        self.contrast(background) >= MIN_CONTRAST
    }

    /// WCAG's contrast ratio: 1 for one colour on itself, 21 for black on
    /// white.
    fn contrast(self, other: Colour) -> f32 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }
}

/// Colours closer than this are one to a reader: white on white (1.0), on
/// Word's lightest grey shading (about 1.1), on yellow (about 1.07). Pale
/// grey text on white (`C0C0C0`, about 1.8) is faint but read.
const MIN_CONTRAST: f32 = 1.25;

/// The colour text is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ink {
    /// Chosen by the program to stand out from whatever is behind it
    /// (Word's `auto`, LibreOffice's automatic colour).
    Automatic,
    Colour(Colour),
}

/// What is painted behind text: nothing (what lies beneath shows), or a
/// colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fill {
    Clear,
    Colour(Colour),
}

impl Fill {
    fn colour(self) -> Option<Colour> {
        match self {
            Fill::Clear => None,
            Fill::Colour(c) => Some(c),
        }
    }
}

/// A font size as written: in points, or a percentage of the size it
/// would otherwise have (OpenDocument's `fo:font-size="50%"`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Size {
    Points(f32),
    Percent(f32),
}

/// The size text has when nothing sets one (Word's; LibreOffice's
/// default styles set theirs).
const DEFAULT_POINTS: f32 = 10.0;
/// Under two points: a speck, not words.
const MIN_POINTS: f32 = 2.0;
/// Letters squeezed under a tenth of their width (`w:w`,
/// `style:text-scale`) are a line, not words.
const MIN_SCALE: f32 = 10.0;
/// Letters moved closer by half their size or more are drawn on one
/// another: a smudge, not words.
const MAX_CONDENSED: f32 = 0.5;

/// The tallest page a form is printed on (A4, 842 points; its width
/// turned landscape): text moved further than this is off the page.
pub(super) const PAGE_POINTS: f32 = 842.0;
/// Text drawn at under a tenth of its opacity is a ghost, not words.
const MIN_OPACITY: f32 = 0.1;

/// What of a piece of text's formatting decides whether a reader sees it;
/// each unset until a style or the text itself says.
#[derive(Clone, Copy, Default, Debug)]
pub(super) struct Look {
    /// Hidden text (`w:vanish`, `text:display="none"`).
    pub hidden: Option<bool>,
    /// Marked as always hidden (`w:specVanish`), which Word means for a
    /// paragraph mark: on text, whether it shows is not settled.
    pub always_hidden: Option<bool>,
    pub size: Option<Size>,
    /// The width of its letters, percent of their own (`w:w`,
    /// `style:text-scale`).
    pub scale: Option<f32>,
    /// Points added between letters; condensed text's is negative
    /// (`w:spacing`, `fo:letter-spacing`).
    pub spacing: Option<f32>,
    pub ink: Option<Ink>,
    /// A highlighter's mark over the text (`w:highlight`).
    pub mark: Option<Fill>,
    /// The text's own background (`w:shd` of a run, `fo:background-color`
    /// of text).
    pub fill: Option<Fill>,
    /// Its paragraph's background (`w:shd` of a paragraph, a paragraph
    /// style's `fo:background-color`).
    pub area: Option<Fill>,
    /// How far it is moved up (down when negative) from its line: in
    /// points (`w:position`), or percent of its size
    /// (`style:text-position`).
    pub raised: Option<Size>,
    /// How opaque its letters are drawn, 0 (not at all) to 1
    /// (`w14:textFill`, `loext:opacity`, `style:text-opacity`).
    pub opacity: Option<f32>,
    /// Placed off the page by its paragraph (`w:ind`, `w:framePr`).
    pub away: Option<bool>,
    /// Shown in capitals whatever the letters stored (`w:caps`,
    /// `fo:text-transform="uppercase"`).
    pub caps: Option<bool>,
    /// Shown in small capitals (`w:smallCaps`, `fo:font-variant`): to a
    /// reader, capitals too.
    pub small_caps: Option<bool>,
    /// Struck through (`w:strike`, `style:text-line-through-style`).
    pub strike: Option<bool>,
    /// Struck through twice (`w:dstrike`).
    pub double_strike: Option<bool>,
}

impl Look {
    /// `self` with what `over` sets laid over it (a style's look under
    /// the one based on it, a style's under the text's own). A size in
    /// percent is of the size beneath it.
    pub fn under(self, over: Look) -> Look {
        let size = match (over.size, self.size) {
            (Some(Size::Percent(p)), Some(Size::Points(beneath))) => {
                Some(Size::Points(beneath * p / 100.0))
            }
            (Some(Size::Percent(p)), Some(Size::Percent(beneath))) => {
                Some(Size::Percent(beneath * p / 100.0))
            }
            (over, beneath) => over.or(beneath),
        };
        Look {
            hidden: over.hidden.or(self.hidden),
            always_hidden: over.always_hidden.or(self.always_hidden),
            size,
            scale: over.scale.or(self.scale),
            spacing: over.spacing.or(self.spacing),
            ink: over.ink.or(self.ink),
            mark: over.mark.or(self.mark),
            fill: over.fill.or(self.fill),
            area: over.area.or(self.area),
            raised: over.raised.or(self.raised),
            opacity: over.opacity.or(self.opacity),
            away: over.away.or(self.away),
            caps: over.caps.or(self.caps),
            small_caps: over.small_caps.or(self.small_caps),
            strike: over.strike.or(self.strike),
            double_strike: over.double_strike.or(self.double_strike),
        }
    }

    /// Whether its letters are shown as capitals, as a reader sees them:
    /// a choice marked by writing it in capitals (`[YES / no]`) is told
    /// by this, not by the letters stored.
    pub fn capitals(&self) -> bool {
        self.caps == Some(true) || self.small_caps == Some(true)
    }

    /// Whether a line is drawn through its letters: to a reader, struck
    /// out (`Yes / No` with the option that does not apply struck).
    pub fn struck(&self) -> bool {
        self.strike == Some(true) || self.double_strike == Some(true)
    }

    /// The size the text is drawn at, in points.
    pub fn points(&self) -> f32 {
        match self.size {
            Some(Size::Points(points)) => points,
            Some(Size::Percent(p)) => DEFAULT_POINTS * p / 100.0,
            None => DEFAULT_POINTS,
        }
    }

    /// Whether a reader cannot see the text, drawn over `behind` (its
    /// table cell's shading, if any; else the white page).
    pub fn unseen(&self, behind: Option<Colour>) -> bool {
        let points = self.points();
        if self.hidden == Some(true)
            || self.away == Some(true)
            || points < MIN_POINTS
            || self.scale.is_some_and(|scale| scale < MIN_SCALE)
            || self
                .spacing
                .is_some_and(|spacing| spacing <= -points * MAX_CONDENSED)
            || self.opacity.is_some_and(|opacity| opacity < MIN_OPACITY)
        {
            return true;
        }
        let raised = match self.raised {
            Some(Size::Points(by)) => by,
            Some(Size::Percent(p)) => points * p / 100.0,
            None => 0.0,
        };
        if raised.abs() > PAGE_POINTS {
            return true;
        }
        let Some(Ink::Colour(ink)) = self.ink else {
            return false;
        };
        let background = [self.mark, self.fill, self.area]
            .into_iter()
            .flatten()
            .find_map(Fill::colour)
            .or(behind)
            .unwrap_or(Colour::WHITE);
        // Letters drawn part see-through show what is beneath them.
        let ink = match self.opacity {
            Some(opacity) => background.under(ink, opacity),
            None => ink,
        };
        ink.contrast(background) < MIN_CONTRAST
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn look(ink: &str, fill: Option<&str>) -> Look {
        Look {
            ink: Colour::from_hex(ink).map(Ink::Colour),
            fill: fill.map(|f| Colour::from_hex(f).map_or(Fill::Clear, Fill::Colour)),
            ..Look::default()
        }
    }

    #[test]
    fn text_is_unseen_only_in_its_own_background_colour() {
        let navy = Colour::from_hex("1F3864");
        assert!(look("FFFFFF", None).unseen(None));
        assert!(look("#fff", Some("FFFFFF")).unseen(None));
        assert!(look("FFFFFF", Some("F2F2F2")).unseen(None));
        assert!(!look("FFFFFF", Some("1F3864")).unseen(None));
        // On a shaded cell, unless the text's own fill is white again.
        assert!(!look("FFFFFF", None).unseen(navy));
        assert!(look("FFFFFF", Some("FFFFFF")).unseen(navy));
        // A clear fill lets the cell's shading show.
        assert!(!look("FFFFFF", Some("clear")).unseen(navy));
        assert!(look("000000", Some("000000")).unseen(None));
        assert!(look("1F3864", None).unseen(navy));
        assert!(!look("C0C0C0", None).unseen(None));
        assert!(!look("000000", None).unseen(None));
        // Automatic ink stands out from anything.
        let automatic = Look {
            ink: Some(Ink::Automatic),
            fill: Some(Fill::Colour(Colour::BLACK)),
            ..Look::default()
        };
        assert!(!automatic.unseen(None));
    }
}
