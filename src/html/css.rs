//! The little of CSS that decides whether text is seen: `display`,
//! `visibility`, `mso-hide`, `opacity`, a font too small to read, text the
//! colour of its background or transparent, a box moved off the screen or
//! scaled to nothing, and the Wingdings fonts whose letters draw boxes.
//! Read from an element's `style` attribute and from the rules of the
//! message's `<style>` blocks (one class, id, element name or `*`, or an
//! element name with classes and an id, and descendant rules by their first
//! and last parts); a rule whose selector asks more (siblings, attributes,
//! pseudo-classes) is read loosely, as one that may match the elements its
//! last part's name, classes and id match, and what it would change is in
//! doubt, as is a value worked out by what is not read here (`var()`,
//! `calc()`, a colour function not known). Escapes are read as a browser
//! reads them. Bounded: so much style sheet and so many rules are read, no
//! more.

use super::colour::{paint, paint_of, Paint};
use std::borrow::Cow;

/// The most style sheet text read, over all `<style>` blocks.
const MAX_SHEET_BYTES: usize = 256 * 1024;
/// The most rules kept (only those that set a property read here count).
const MAX_RULES: usize = 512;

/// What an element's style says of how its text is seen. `None`: not set
/// (inherited from around it, for the inherited ones).
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Look {
    display_none: Option<bool>,
    invisible: Option<bool>,
    mso_hide: Option<bool>,
    /// `opacity:0`: nothing inside can show again.
    transparent: Option<bool>,
    /// A height or width of 0 with what overflows it hidden.
    zero_size: bool,
    overflow_hidden: Option<bool>,
    /// `position` moves the box by its offsets (absolute, fixed, relative).
    positioned: Option<bool>,
    /// Each offset (`left`, `top`, `right`, `bottom`): a thousand pixels or
    /// more away, off the screen.
    offsets_away: [Option<bool>; 4],
    /// A margin that moves the box a thousand pixels or more to the left
    /// or up, whatever its position.
    margin_away: Option<bool>,
    /// `text-indent` of a thousand pixels or more: its text is out of the
    /// box, and out of sight when what overflows it is hidden.
    indent_away: Option<bool>,
    /// Inherited: the first line of each block is moved a thousand pixels
    /// or more (or by a length not worked out), out of the box: whether it
    /// is still seen depends on how the lines fall, so its text is in doubt.
    pub(super) indent_off: Option<bool>,
    /// The kinds of declaration (`UNREAD_*`) whose value is not worked out
    /// here (`display: var(--d)`, `left: calc(...)`), and those declared at
    /// all, so that a later declaration of a kind settles it again.
    unread: u16,
    declared: u16,
    /// `transform` scales the box to nothing or moves it off the screen.
    transformed_away: Option<bool>,
    /// Drawn too small to see (`zoom` under a tenth).
    pub(super) tiny: Option<bool>,
    /// `font-size`, worked out against the size around it when text is.
    pub(super) font_size: Option<FontSize>,
    pub(super) color: Option<Paint>,
    /// What Safari and Chrome fill the letters with (inherited apart from
    /// `color`, and drawn over it).
    pub(super) fill: Option<Paint>,
    pub(super) background: Option<Paint>,
    /// The font draws letters as symbols: Wingdings or Wingdings 2 (as
    /// browsers or as Outlook choose it).
    pub(super) symbols: Option<Symbols>,
    /// A line drawn through its text (`text-decoration: line-through`,
    /// `<s>`, `<strike>`, `<del>`): drawn through all inside it too.
    pub(super) struck: Option<bool>,
}

/// The kinds of declaration whose value may be unread (`Look::unread`).
const UNREAD_DISPLAY: u16 = 1;
const UNREAD_VISIBILITY: u16 = 1 << 1;
const UNREAD_OPACITY: u16 = 1 << 2;
const UNREAD_POSITION: u16 = 1 << 3;
const UNREAD_OFFSET: u16 = 1 << 4;
const UNREAD_MARGIN: u16 = 1 << 5;
const UNREAD_TRANSFORM: u16 = 1 << 6;
const UNREAD_CLIP: u16 = 1 << 7;
const UNREAD_SIZE: u16 = 1 << 8;
const UNREAD_OVERFLOW: u16 = 1 << 9;

/// The kind of a declaration that decides whether a box is seen, if it is
/// one.
fn unread_kind(property: &[u8]) -> Option<u16> {
    Some(match property {
        b"display" | b"content-visibility" | b"mso-hide" => UNREAD_DISPLAY,
        b"visibility" => UNREAD_VISIBILITY,
        b"opacity" | b"filter" => UNREAD_OPACITY,
        b"position" => UNREAD_POSITION,
        b"left" | b"top" | b"right" | b"bottom" => UNREAD_OFFSET,
        b"margin" | b"margin-left" | b"margin-top" => UNREAD_MARGIN,
        b"transform" | b"scale" | b"zoom" => UNREAD_TRANSFORM,
        b"clip" | b"clip-path" => UNREAD_CLIP,
        b"height" | b"max-height" | b"width" | b"max-width" => UNREAD_SIZE,
        b"overflow" | b"overflow-x" | b"overflow-y" => UNREAD_OVERFLOW,
        _ => return None,
    })
}

/// A value computed by CSS functions this reader does not work out: a
/// custom property (`var(--x)`), `calc()` and its kin, the environment's.
fn computed_elsewhere(value: &[u8]) -> bool {
    const FUNCTIONS: [&[u8]; 8] = [
        b"var(", b"calc(", b"env(", b"attr(", b"min(", b"max(", b"clamp(", b"if(",
    ];
    value.contains(&b'(')
        && FUNCTIONS
            .iter()
            .any(|f| value.windows(f.len()).any(|w| w.eq_ignore_ascii_case(f)))
}

/// A `font-size`: in pixels, or a share of the size around it (`em`,
/// `%`) or of the page's (`rem`), or worked out by what is not read here
/// (`var()`, an unknown unit).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum FontSize {
    Px(f64),
    OfParent(f64),
    OfRoot(f64),
    Unknown,
}

/// The size a page's text is drawn in unless set.
pub(super) const MEDIUM: f64 = 16.0;

/// Text smaller than this, in pixels, is not read by a person.
pub(super) const SMALLEST_READ: f64 = 2.0;

impl FontSize {
    /// The size in pixels inside text of `parent` pixels (`None`: not
    /// known).
    pub(super) fn within(self, parent: Option<f64>) -> Option<f64> {
        match self {
            FontSize::Px(px) => Some(px),
            FontSize::OfParent(share) => parent.map(|p| p * share),
            FontSize::OfRoot(share) => Some(MEDIUM * share),
            FontSize::Unknown => None,
        }
    }

    /// A `font-size` value; `None` for one that changes nothing
    /// (`inherit`) or that browsers drop (a negative size).
    fn of(value: &[u8]) -> Option<FontSize> {
        let text = std::str::from_utf8(value).ok()?.trim();
        let lowered = text.to_ascii_lowercase();
        let keyword = match lowered.as_str() {
            "inherit" | "unset" | "revert" | "revert-layer" => return None,
            "initial" | "medium" => Some(FontSize::Px(MEDIUM)),
            "xx-small" => Some(FontSize::Px(9.0)),
            "x-small" => Some(FontSize::Px(10.0)),
            "small" => Some(FontSize::Px(13.0)),
            "large" => Some(FontSize::Px(18.0)),
            "x-large" => Some(FontSize::Px(24.0)),
            "xx-large" => Some(FontSize::Px(32.0)),
            "xxx-large" | "-webkit-xxx-large" => Some(FontSize::Px(48.0)),
            "smaller" => Some(FontSize::OfParent(0.83)),
            "larger" => Some(FontSize::OfParent(1.2)),
            _ => None,
        };
        if keyword.is_some() {
            return keyword;
        }
        // `calc(0px)`: one length inside is that length; more is not
        // worked out.
        if let Some(inside) = lowered
            .strip_prefix("calc(")
            .and_then(|rest| rest.strip_suffix(')'))
        {
            let inside = inside.trim();
            if inside.contains(['(', '+', '*', '/', ' ']) {
                return Some(FontSize::Unknown);
            }
            return Some(FontSize::of(inside.as_bytes()).unwrap_or(FontSize::Unknown));
        }
        if lowered.contains('(') {
            return Some(FontSize::Unknown);
        }
        let number_end = lowered
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
            .unwrap_or(lowered.len());
        let Ok(number) = lowered[..number_end].parse::<f64>() else {
            return Some(FontSize::Unknown);
        };
        if number < 0.0 || !number.is_finite() {
            return None;
        }
        let unit = lowered[number_end..].trim();
        let px = |scale: f64| Some(FontSize::Px(number * scale));
        match unit {
            "" | "px" => px(1.0),
            "pt" => px(4.0 / 3.0),
            "pc" => px(16.0),
            "in" => px(96.0),
            "cm" => px(96.0 / 2.54),
            "mm" => px(96.0 / 25.4),
            "q" => px(96.0 / 101.6),
            "em" | "cap" | "ic" | "lh" => Some(FontSize::OfParent(number)),
            "%" => Some(FontSize::OfParent(number / 100.0)),
            "ex" | "ch" => Some(FontSize::OfParent(number / 2.0)),
            "rem" | "rlh" => Some(FontSize::OfRoot(number)),
            // A hundredth of a screen a thousand pixels across.
            "vw" | "vh" | "vmin" | "vmax" | "svw" | "svh" | "lvw" | "lvh" | "dvw" | "dvh" => {
                px(10.0)
            }
            _ if number == 0.0 => px(0.0),
            _ => Some(FontSize::Unknown),
        }
    }
}

impl Look {
    /// Something that decides whether the element is seen is not worked
    /// out here (`display: var(--d)`), and nothing else hides it for
    /// certain: what it holds may or may not be seen.
    pub(super) fn in_doubt(&self) -> bool {
        let unread = |kind: u16| self.unread & kind != 0;
        !self.hidden()
            && (unread(
                UNREAD_DISPLAY
                    | UNREAD_VISIBILITY
                    | UNREAD_OPACITY
                    | UNREAD_MARGIN
                    | UNREAD_TRANSFORM
                    | UNREAD_CLIP,
            ) || (unread(UNREAD_POSITION) && self.offsets_away.contains(&Some(true)))
                || (unread(UNREAD_OFFSET) && self.positioned == Some(true))
                || (unread(UNREAD_OVERFLOW) && (self.zero_size || self.indent_away == Some(true)))
                || (unread(UNREAD_SIZE) && self.overflow_hidden == Some(true)))
    }

    /// The element and all in it are out of sight.
    pub(super) fn hidden(&self) -> bool {
        self.display_none == Some(true)
            || self.invisible == Some(true)
            || self.mso_hide == Some(true)
            || self.transparent == Some(true)
            || (self.zero_size && self.overflow_hidden == Some(true))
            || (self.positioned == Some(true) && self.offsets_away.contains(&Some(true)))
            || self.margin_away == Some(true)
            || (self.indent_away == Some(true) && self.overflow_hidden == Some(true))
            || self.transformed_away == Some(true)
    }

    /// Sets anything its content inherits.
    pub(super) fn inherited(&self) -> bool {
        self.tiny.is_some()
            || self.font_size.is_some()
            || self.indent_off.is_some()
            || self.color.is_some()
            || self.fill.is_some()
            || self.background.is_some()
            || self.symbols.is_some()
            || self.struck == Some(true)
    }

    /// What `other` sets, set over this, as if its declarations were
    /// applied after this one's.
    fn overlay(&mut self, other: &Look) {
        fn over<T: Copy>(mine: &mut Option<T>, theirs: Option<T>) {
            if theirs.is_some() {
                *mine = theirs;
            }
        }
        over(&mut self.display_none, other.display_none);
        over(&mut self.invisible, other.invisible);
        over(&mut self.mso_hide, other.mso_hide);
        over(&mut self.transparent, other.transparent);
        self.zero_size |= other.zero_size;
        over(&mut self.overflow_hidden, other.overflow_hidden);
        over(&mut self.positioned, other.positioned);
        for (mine, theirs) in self.offsets_away.iter_mut().zip(other.offsets_away) {
            over(mine, theirs);
        }
        over(&mut self.margin_away, other.margin_away);
        over(&mut self.indent_away, other.indent_away);
        over(&mut self.indent_off, other.indent_off);
        self.unread = (self.unread & !other.declared) | other.unread;
        self.declared |= other.declared;
        over(&mut self.transformed_away, other.transformed_away);
        over(&mut self.tiny, other.tiny);
        over(&mut self.font_size, other.font_size);
        over(&mut self.color, other.color);
        over(&mut self.fill, other.fill);
        over(&mut self.background, other.background);
        over(&mut self.symbols, other.symbols);
        over(&mut self.struck, other.struck);
    }

    /// What declarations (`a:b; c:d`, comments already taken out) say:
    /// the others, then the `!important` ones, read in one pass.
    fn declared(declarations: &[u8]) -> [Look; 2] {
        let mut looks = [Look::default(), Look::default()];
        // Outlook draws the characters of a span marked as symbols in the
        // symbol font it names: both are looked for, by importance.
        let mut symbol_font = [None; 2];
        let mut symbol_chars = [false; 2];
        for declaration in declarations.split(|&b| b == b';') {
            // `disp\lay:none` is `display:none` to a browser.
            let declaration = unescape(declaration);
            let declaration: &[u8] = &declaration;
            let Some(colon) = declaration.iter().position(|&b| b == b':') else {
                continue;
            };
            let property = declaration[..colon].trim_ascii();
            let mut value = declaration[colon + 1..].trim_ascii();
            let mut which = 0;
            if let Some(at) = value.iter().position(|&b| b == b'!') {
                if value[at + 1..]
                    .trim_ascii()
                    .eq_ignore_ascii_case(b"important")
                {
                    which = 1;
                }
                value = value[..at].trim_ascii();
            }
            // Lower-cased on the stack: no property that matters is long.
            let mut lowered = [0u8; 24];
            let Some(slot) = lowered.get_mut(..property.len()) else {
                continue;
            };
            slot.copy_from_slice(property);
            slot.make_ascii_lowercase();
            match &*slot {
                b"mso-symbol-font-family" => symbol_font[which] = Some(Symbols::of(value)),
                b"mso-char-type" => {
                    symbol_chars[which] = value.eq_ignore_ascii_case(b"symbol");
                }
                property => looks[which].declare(property, value),
            }
        }
        for (look, (chars, font)) in looks
            .iter_mut()
            .zip(symbol_chars.into_iter().zip(symbol_font))
        {
            if let (true, Some(symbols)) = (chars, font) {
                look.symbols = Some(symbols);
            }
        }
        looks
    }

    /// One declaration, its property lower-cased.
    fn declare(&mut self, property: &[u8], value: &[u8]) {
        let value_is = |v: &str| value.eq_ignore_ascii_case(v.as_bytes());
        if let Some(kind) = unread_kind(property) {
            self.declared |= kind;
            if computed_elsewhere(value) {
                self.unread |= kind;
                return;
            }
            self.unread &= !kind;
        }
        match property {
            b"display" => self.display_none = Some(value_is("none")),
            b"visibility" => {
                self.invisible = Some(value_is("hidden") || value_is("collapse"));
            }
            b"mso-hide" => self.mso_hide = Some(value_is("all")),
            b"text-decoration" | b"text-decoration-line" => {
                self.struck = Some(
                    value
                        .to_ascii_lowercase()
                        .windows(12)
                        .any(|w| w == b"line-through"),
                );
            }
            b"font-size" => self.font_size = FontSize::of(value).or(self.font_size),
            // `font: 0/0 a`: the size is the first word that is one.
            b"font" if computed_elsewhere(value) => self.font_size = Some(FontSize::Unknown),
            b"font" => {
                if let Some(size) = value
                    .split(|b| b.is_ascii_whitespace())
                    .map(|word| word.split(|&b| b == b'/').next().unwrap_or_default())
                    .find(|word| {
                        word.first()
                            .is_some_and(|b| b.is_ascii_digit() || *b == b'.')
                    })
                    .and_then(FontSize::of)
                {
                    self.font_size = Some(size);
                }
            }
            b"opacity" => {
                self.transparent = std::str::from_utf8(value).ok().and_then(|v| {
                    let v = v.trim();
                    match v.strip_suffix('%') {
                        Some(pc) => pc.trim().parse::<f64>().ok().map(|p| p < 10.0),
                        None => v.parse::<f64>().ok().map(|v| v < 0.1),
                    }
                });
            }
            b"position" => {
                self.positioned =
                    Some(value_is("absolute") || value_is("fixed") || value_is("relative"));
            }
            b"left" | b"top" | b"right" | b"bottom" => {
                let at = match property {
                    b"left" => 0,
                    b"top" => 1,
                    b"right" => 2,
                    _ => 3,
                };
                self.offsets_away[at] = far(value);
            }
            b"margin-left" | b"margin-top" => {
                self.margin_away = pixels(value).map(|px| px <= -FAR);
            }
            // `margin: 0 0 0 -5000px`: any side far away.
            b"margin" => {
                self.margin_away = Some(
                    value
                        .split(|b| b.is_ascii_whitespace())
                        .filter_map(pixels)
                        .any(|px| px <= -FAR),
                );
            }
            b"text-indent" => {
                self.indent_away = far(value);
                self.indent_off = if computed_elsewhere(value) {
                    Some(true)
                } else {
                    far(value).or(self.indent_off)
                };
            }
            // `scale: 0`, `zoom: 0.01`: drawn too small to see.
            b"scale" => {
                self.transformed_away = Some(
                    value
                        .split(|b| b.is_ascii_whitespace() || *b == b',')
                        .filter(|w| !w.is_empty())
                        .any(|w| fraction(w).is_some_and(|f| f < 0.1)),
                );
            }
            b"zoom" if fraction(value).is_some_and(|f| f < 0.1) => self.tiny = Some(true),
            b"content-visibility" => self.display_none = Some(value_is("hidden")),
            // `filter: opacity(0)`, `clip-path: inset(50%)`, `clip:
            // rect(0 0 0 0)`: nothing of the text is painted.
            b"filter" => self.transparent = Some(filters_away(value)),
            b"clip-path" => self.transparent = Some(clipped_away(value)),
            b"clip" => self.transparent = Some(clipped_away(value)),
            // What Safari and Chrome fill the letters with, over `color`.
            b"-webkit-text-fill-color" => self.fill = paint_of(value).or(self.fill),
            b"transform" => self.transformed_away = Some(transformed_away(value)),
            b"height" | b"max-height" | b"width" | b"max-width"
                if tiny_size(value) == Some(true) =>
            {
                self.zero_size = true;
            }
            b"overflow" | b"overflow-x" | b"overflow-y" => {
                self.overflow_hidden = Some(value_is("hidden") || value_is("clip"));
            }
            // Transparent text is not seen, whatever is behind it.
            b"color" => self.color = paint_of(value).or(self.color),
            // A transparent background shows what is behind it.
            b"background-color" => {
                self.background = paint_of(value)
                    .filter(|p| *p != Paint::Transparent)
                    .or(self.background);
            }
            b"background" => {
                if let Some(p) = background_paint(value) {
                    self.background = Some(p);
                }
            }
            b"font-family" => self.symbols = Some(Symbols::of(value)),
            _ => {}
        }
    }
}

/// The colour a `background` shorthand paints: the word of it that is a
/// colour, or an unknown one when a word looks like a colour not worked
/// out (`var(--bg)`, `color-mix(...)`); `None` for none, or transparent.
fn background_paint(value: &[u8]) -> Option<Paint> {
    const COLOUR_FUNCTIONS: [&[u8]; 13] = [
        b"var(",
        b"color(",
        b"color-mix(",
        b"light-dark(",
        b"device-cmyk(",
        b"rgb(",
        b"rgba(",
        b"hsl(",
        b"hsla(",
        b"hwb(",
        b"lab(",
        b"lch(",
        b"ok",
    ];
    for word in words(value) {
        if let Some((rgb, opaque)) = paint(word) {
            return opaque.then_some(Paint::Colour(rgb));
        }
        let lowered = word.to_ascii_lowercase();
        if word.contains(&b'(') && COLOUR_FUNCTIONS.iter().any(|f| lowered.starts_with(f)) {
            return Some(Paint::Unknown);
        }
    }
    None
}

/// The words of a value, a function's arguments kept with it
/// (`rgb(255, 255, 255) no-repeat`: two words).
fn words(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut depth = 0usize;
    value
        .split(move |&b| {
            match b {
                b'(' => depth += 1,
                b')' => depth = depth.saturating_sub(1),
                _ => {}
            }
            depth == 0 && (b.is_ascii_whitespace() || b == b',')
        })
        .filter(|w| !w.is_empty())
}

/// CSS text with its escapes read (`\6c` and `\l` are `l`), as a
/// browser reads a property, value or selector.
pub(super) fn unescape(css: &[u8]) -> Cow<'_, [u8]> {
    if !css.contains(&b'\\') {
        return Cow::Borrowed(css);
    }
    let mut out = Vec::with_capacity(css.len());
    let mut at = 0;
    while let Some(&b) = css.get(at) {
        at += 1;
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let hex_end = css[at..]
            .iter()
            .take(6)
            .take_while(|c| c.is_ascii_hexdigit())
            .count();
        if hex_end > 0 {
            let digits = std::str::from_utf8(&css[at..at + hex_end]).unwrap_or("0");
            let code = u32::from_str_radix(digits, 16).unwrap_or(0);
            let c = char::from_u32(code)
                .filter(|&c| c != '\0')
                .unwrap_or('\u{fffd}');
            let mut room = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut room).as_bytes());
            at += hex_end;
            // One white space ends the escape.
            if css.get(at).is_some_and(u8::is_ascii_whitespace) {
                at += 1;
            }
        } else if let Some(&next) = css.get(at) {
            if next != b'\n' {
                out.push(next);
            }
            at += 1;
        }
    }
    Cow::Owned(out)
}

/// The size of a font too small to read: under 2 pixels or 1.5 points
/// (a tenth of the usual size in relative units).
fn tiny_size(value: &[u8]) -> Option<bool> {
    let text = std::str::from_utf8(value).ok()?.trim();
    let number_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let number: f64 = text[..number_end].parse().ok()?;
    let unit = text[number_end..].trim();
    let is = |u: &str| unit.eq_ignore_ascii_case(u);
    // Nothing, in any unit, is nothing.
    if number == 0.0 {
        return Some(true);
    }
    let under = if unit.is_empty() || is("px") {
        2.0
    } else if is("pt") {
        1.5
    } else if is("em") || is("rem") || is("ex") || is("ch") {
        0.15
    } else if unit == "%" {
        15.0
    } else if is("vw") || is("vh") || is("vmin") || is("vmax") {
        // A hundredth of a screen a thousand pixels across: under 2px.
        0.2
    } else if is("mm") {
        0.5
    } else if is("cm") {
        0.05
    } else if is("in") {
        0.02
    } else {
        return Some(false);
    };
    Some(number < under)
}

/// How far an offset, indent or translation moves a box out of sight:
/// a thousand pixels, either way.
const FAR: f64 = 1000.0;

/// A number or a percentage as a fraction (`0.5`, `50%`).
fn fraction(value: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(value).ok()?.trim();
    match text.strip_suffix('%') {
        Some(pc) => pc.trim().parse::<f64>().ok().map(|p| p / 100.0),
        None => text.parse().ok(),
    }
}

/// A filter that leaves nothing seen: `opacity(0)`, `opacity(5%)`.
fn filters_away(value: &[u8]) -> bool {
    let lowered = value.to_ascii_lowercase();
    lowered
        .windows(8)
        .enumerate()
        .filter(|(_, w)| w == b"opacity(")
        .any(|(at, _)| {
            let rest = &lowered[at + 8..];
            let end = rest.iter().position(|&b| b == b')').unwrap_or(rest.len());
            fraction(&rest[..end]).is_some_and(|f| f < 0.1)
        })
}

/// A clip that leaves nothing: `inset(50%)` or more, `circle(0)`,
/// `rect(0 0 0 0)`.
fn clipped_away(value: &[u8]) -> bool {
    let lowered = value.to_ascii_lowercase();
    let inside = |name: &[u8]| -> Option<Vec<u8>> {
        let at = lowered.windows(name.len()).position(|w| w == name)? + name.len();
        let rest = &lowered[at..];
        let end = rest.iter().position(|&b| b == b')').unwrap_or(rest.len());
        Some(rest[..end].to_vec())
    };
    let numbers = |args: &[u8]| -> Vec<f64> {
        args.split(|b| b.is_ascii_whitespace() || *b == b',')
            .filter(|w| !w.is_empty())
            .filter_map(|w| {
                let text = std::str::from_utf8(w).ok()?;
                let end = text
                    .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
                    .unwrap_or(text.len());
                text[..end].parse().ok()
            })
            .collect()
    };
    if let Some(args) = inside(b"inset(") {
        let percent = args.contains(&b'%');
        if percent && numbers(&args).first().is_some_and(|&n| n >= 50.0) {
            return true;
        }
    }
    if let Some(args) = inside(b"circle(") {
        if numbers(&args).first().is_some_and(|&n| n == 0.0) {
            return true;
        }
    }
    if let Some(args) = inside(b"rect(") {
        let n = numbers(&args);
        // Top equal to bottom, or left to right: no area.
        if n.len() == 4 && (n[0] >= n[2] || n[3] >= n[1]) {
            return true;
        }
    }
    false
}

/// A length that moves a box out of sight (`-9999px`, `-100%` and more).
fn far(value: &[u8]) -> Option<bool> {
    let text = std::str::from_utf8(value).ok()?.trim();
    if let Some(pc) = text.strip_suffix('%').or_else(|| text.strip_suffix("vw")) {
        return pc.trim().parse::<f64>().ok().map(|p| p.abs() >= 100.0);
    }
    pixels(value).map(|px| px.abs() >= FAR)
}

/// A length in pixels (`px`, `pt`, `em`, `rem`, `cm`, `mm`, `in`, and a
/// bare number); `None` for others (`auto`, percentages).
fn pixels(value: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(value).ok()?.trim();
    let number_end = text
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (i == 0 && matches!(c, '-' | '+'))))
        .map_or(text.len(), |(i, _)| i);
    let number: f64 = text[..number_end].parse().ok()?;
    let unit = text[number_end..].trim();
    let is = |u: &str| unit.eq_ignore_ascii_case(u);
    let scale = if unit.is_empty() || is("px") {
        1.0
    } else if is("pt") {
        4.0 / 3.0
    } else if is("em") || is("rem") {
        16.0
    } else if is("cm") {
        37.8
    } else if is("mm") {
        3.78
    } else if is("in") {
        96.0
    } else {
        return None;
    };
    Some(number * scale)
}

/// A `transform` that scales a box to nothing (`scale(0)`, `scaleY(0)`)
/// or moves it out of sight (`translateX(-9999px)`).
fn transformed_away(value: &[u8]) -> bool {
    let text = value.to_ascii_lowercase();
    let mut rest = text.as_slice();
    while let Some(open) = rest.iter().position(|&b| b == b'(') {
        let name = rest[..open].trim_ascii();
        let name = name
            .rsplit(|b| b.is_ascii_whitespace())
            .next()
            .unwrap_or_default();
        let Some(close) = rest[open..].iter().position(|&b| b == b')') else {
            break;
        };
        let arguments = rest[open + 1..open + close]
            .split(|&b| b == b',' || b.is_ascii_whitespace())
            .filter(|a| !a.is_empty());
        let away = match name {
            b"scale" | b"scalex" | b"scaley" | b"scale3d" => arguments
                .filter_map(|a| std::str::from_utf8(a).ok()?.parse::<f64>().ok())
                .any(|n| n.abs() < 0.01),
            b"translate" | b"translatex" | b"translatey" | b"translate3d" => {
                arguments.filter_map(far).any(|f| f)
            }
            _ => false,
        };
        if away {
            return true;
        }
        rest = &rest[open + close + 1..];
    }
    false
}

/// A font that draws letters as symbols, or one that draws text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Symbols {
    Text,
    Wingdings,
    Wingdings2,
}

impl Symbols {
    /// By the first family named (`"Wingdings 2", serif`).
    pub(super) fn of(families: &[u8]) -> Symbols {
        let first = families.split(|&b| b == b',').next().unwrap_or_default();
        let name: Vec<u8> = first
            .iter()
            .filter(|&&b| b != b'"' && b != b'\'')
            .map(u8::to_ascii_lowercase)
            .collect();
        match name.trim_ascii() {
            b"wingdings" => Symbols::Wingdings,
            b"wingdings 2" => Symbols::Wingdings2,
            _ => Symbols::Text,
        }
    }

    /// The box or mark the font draws for a character, as the form reader
    /// knows it; other characters as they are. Wingdings: `o`, `q` and `¨`
    /// empty boxes, `x` and `ý` crossed boxes, `þ` a ticked box, `ü` a
    /// tick, `û` a cross. Wingdings 2: `£` an empty box, `T` and `S`
    /// crossed boxes, `R` a ticked box, `O` and `Q` crosses, `P` a tick.
    pub(super) fn draw(self, c: char) -> char {
        match (self, c) {
            (Symbols::Wingdings, 'o' | 'q' | '\u{a8}') => '\u{2610}',
            (Symbols::Wingdings, 'x' | '\u{fd}') => '\u{2612}',
            (Symbols::Wingdings, '\u{fe}') => '\u{2611}',
            (Symbols::Wingdings, '\u{fc}') => '\u{2713}',
            (Symbols::Wingdings, '\u{fb}') => '\u{2717}',
            (Symbols::Wingdings2, '\u{a3}') => '\u{2610}',
            (Symbols::Wingdings2, 'T' | 'S') => '\u{2612}',
            (Symbols::Wingdings2, 'R') => '\u{2611}',
            (Symbols::Wingdings2, 'O' | 'Q') => '\u{2717}',
            (Symbols::Wingdings2, 'P') => '\u{2713}',
            _ => c,
        }
    }
}

/// CSS text without its comments (`display:/**/none` is `display:none`).
pub(super) fn without_comments(css: &[u8]) -> Cow<'_, [u8]> {
    if !css.windows(2).any(|w| w == b"/*") {
        return Cow::Borrowed(css);
    }
    let mut out = Vec::with_capacity(css.len());
    let mut rest = css;
    while let Some(at) = rest.windows(2).position(|w| w == b"/*") {
        out.extend_from_slice(&rest[..at]);
        // A comment is no space, but it does end a word.
        out.push(b' ');
        match rest[at + 2..].windows(2).position(|w| w == b"*/") {
            Some(end) => rest = &rest[at + 2 + end + 2..],
            None => rest = &[],
        }
    }
    out.extend_from_slice(rest);
    Cow::Owned(out)
}

/// Whether `part` is where `text` starts.
fn start_of(part: &[u8], text: &[u8]) -> bool {
    std::ptr::eq(part.as_ptr(), text.as_ptr())
}

/// One simple selector: an element name (or `*`), classes, an id, all of
/// which must match.
#[derive(Debug)]
struct Selector {
    tag: Option<Vec<u8>>,
    classes: Vec<Vec<u8>>,
    id: Option<Vec<u8>>,
    /// Tests of its `class` or `id` attribute (`td[class="hide"]`, as
    /// templates for phones write them); of no other attribute.
    attributes: Vec<AttributeTest>,
}

/// An attribute selector on `class` or `id`: `[class]`, `[class=x]`,
/// `[class~=x]`, `[class^=x]`, `[class$=x]`, `[class*=x]`, `[class|=x]`.
#[derive(Debug)]
struct AttributeTest {
    on_id: bool,
    /// The operator's first character (`=` for equality), or none for
    /// the attribute being there.
    operator: Option<u8>,
    value: Vec<u8>,
}

impl AttributeTest {
    /// What is between the brackets; `None` for another attribute or a
    /// test not read.
    fn parse(inside: &[u8]) -> Option<AttributeTest> {
        let inside = inside.trim_ascii();
        let name_end = inside
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_'))
            .unwrap_or(inside.len());
        let on_id = match inside[..name_end].to_ascii_lowercase().as_slice() {
            b"class" => false,
            b"id" => true,
            _ => return None,
        };
        let rest = inside[name_end..].trim_ascii();
        if rest.is_empty() {
            return Some(AttributeTest {
                on_id,
                operator: None,
                value: Vec::new(),
            });
        }
        let (operator, value) = match rest {
            [b'=', value @ ..] => (b'=', value),
            [op @ (b'~' | b'^' | b'$' | b'*' | b'|'), b'=', value @ ..] => (*op, value),
            _ => return None,
        };
        let mut value = value.trim_ascii();
        // A case flag after the value: names are matched in any case here.
        for flag in [&b" i"[..], b" I", b" s", b" S"] {
            if let Some(v) = value.strip_suffix(flag) {
                value = v.trim_ascii();
            }
        }
        let value = match value {
            [b'"', v @ .., b'"'] | [b'\'', v @ .., b'\''] => v,
            v => v,
        };
        if value
            .iter()
            .any(|b| matches!(b, b'"' | b'\'' | b'[' | b']'))
        {
            return None;
        }
        Some(AttributeTest {
            on_id,
            operator: Some(operator),
            value: value.to_ascii_lowercase(),
        })
    }

    fn matches(&self, classes: &[u8], id: &[u8]) -> bool {
        let given = if self.on_id { id } else { classes }.to_ascii_lowercase();
        let value = self.value.as_slice();
        match self.operator {
            None => !given.is_empty(),
            Some(b'=') => given == value,
            Some(b'~') => given.split(|b| b.is_ascii_whitespace()).any(|w| w == value),
            Some(b'^') => !value.is_empty() && given.starts_with(value),
            Some(b'$') => !value.is_empty() && given.ends_with(value),
            Some(b'*') => !value.is_empty() && given.windows(value.len()).any(|w| w == value),
            Some(_) => {
                given == value
                    || (given.starts_with(value) && given.get(value.len()) == Some(&b'-'))
            }
        }
    }
}

impl Selector {
    fn parse(text: &[u8]) -> Option<Selector> {
        let text = text.trim_ascii();
        // Attribute tests taken out first: `td[class=hide]`.
        let mut attributes = Vec::new();
        let owned: Vec<u8>;
        let text = if text.contains(&b'[') {
            let mut rest = Vec::with_capacity(text.len());
            let mut at = 0;
            while let Some(&b) = text.get(at) {
                if b == b'[' {
                    let close = at + text[at..].iter().position(|&c| c == b']')?;
                    attributes.push(AttributeTest::parse(&text[at + 1..close])?);
                    at = close + 1;
                } else {
                    rest.push(b);
                    at += 1;
                }
            }
            if rest.is_empty() {
                rest.push(b'*');
            }
            owned = rest;
            owned.as_slice()
        } else {
            text
        };
        let simple =
            |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'#' | b'*');
        if text.is_empty() || !text.iter().all(simple) {
            return None;
        }
        let mut selector = Selector {
            tag: None,
            classes: Vec::new(),
            id: None,
            attributes,
        };
        let mut parts = Vec::new();
        let mut start = 0;
        for (i, &b) in text.iter().enumerate().skip(1) {
            if matches!(b, b'.' | b'#') {
                parts.push(&text[start..i]);
                start = i;
            }
        }
        parts.push(&text[start..]);
        for part in parts {
            match part.split_first() {
                Some((b'.', name)) if !name.is_empty() => {
                    selector.classes.push(name.to_ascii_lowercase());
                }
                Some((b'#', name)) if !name.is_empty() => {
                    selector.id = Some(name.to_ascii_lowercase());
                }
                Some((first, _)) if first.is_ascii_alphabetic() && selector.tag.is_none() => {
                    selector.tag = Some(part.to_ascii_lowercase());
                }
                // Any element: as if no name were given, first only.
                Some((b'*', [])) if start_of(part, text) => {}
                _ => return None,
            }
        }
        Some(selector)
    }

    /// What an element must have for the selector to match: its first
    /// class, else its id, else its element name.
    fn key(&self) -> Vec<u8> {
        match (self.classes.first(), &self.id, &self.tag) {
            (Some(class), _, _) => key(b'.', class),
            (None, Some(id), _) => key(b'#', id),
            (None, None, Some(tag)) => tag.clone(),
            // `*`: every element.
            (None, None, None) => b"*".to_vec(),
        }
    }

    /// Class names and ids are matched in any case, as in the quirks mode
    /// most mail is shown in.
    fn matches(&self, tag: &[u8], classes: &[u8], id: &[u8]) -> bool {
        self.tag.as_deref().is_none_or(|t| t == tag)
            && self
                .id
                .as_deref()
                .is_none_or(|i| i.eq_ignore_ascii_case(id))
            && self.classes.iter().all(|c| {
                classes
                    .split(|b| b.is_ascii_whitespace())
                    .any(|given| given.eq_ignore_ascii_case(c))
            })
            && self.attributes.iter().all(|a| a.matches(classes, id))
    }
}

/// A rule of a style sheet: what it says of the elements its selector
/// matches. A descendant selector (`div .x`, `.x span`, `#f > b`) is read
/// as its first and last parts: the element the last matches, inside one
/// the first matches.
#[derive(Debug)]
struct Rule {
    subject: Selector,
    ancestor: Option<Selector>,
    /// Read from a selector this reader does not evaluate in full: it
    /// may match the elements `subject` matches, or not.
    loose: bool,
    /// The others and the `!important` ones, worked out once: an element
    /// matched by many rules costs a few assignments a rule, not a reading
    /// of each.
    said: [Look; 2],
}

/// The rules of a message's `<style>` blocks that set what is read here.
#[derive(Debug, Default)]
pub(super) struct Sheet {
    rules: Vec<Rule>,
    /// The rules by what an element must have for them to match (a class,
    /// else its id, else its name), sorted by it, so that an element is
    /// matched against only the rules that may apply to it.
    by_key: Vec<(Vec<u8>, Vec<usize>)>,
    /// The descendant rules by what their first part asks, likewise.
    by_ancestor_key: Vec<(Vec<u8>, Vec<usize>)>,
    /// Some rule's part is `*` alone.
    star: bool,
}

impl Sheet {
    /// The rules of every `<style>` block in the HTML, wherever it stands
    /// (a browser applies a sheet in the body too). Rules inside `@media`
    /// apply when its query holds on some screen (text hidden on a phone
    /// is hidden: the answer left is one every reader sees), inside
    /// `@supports` always, inside other at-rules never.
    pub(super) fn of(html: &str) -> Sheet {
        let mut css = Vec::new();
        let bytes = html.as_bytes();
        let mut at = 0;
        while css.len() < MAX_SHEET_BYTES {
            let Some(open) = find_ignoring_case(&bytes[at..], b"<style") else {
                break;
            };
            let start = at + open + 6;
            if bytes
                .get(start)
                .is_some_and(|b| !(b.is_ascii_whitespace() || matches!(b, b'>' | b'/')))
            {
                at = start;
                continue;
            }
            let Some(gt) = bytes[start..].iter().position(|&b| b == b'>') else {
                break;
            };
            let body = start + gt + 1;
            let end =
                find_ignoring_case(&bytes[body..], b"</style").map_or(bytes.len(), |e| body + e);
            let room = MAX_SHEET_BYTES - css.len();
            css.extend_from_slice(&bytes[body..end.min(body + room)]);
            css.push(b'\n');
            at = end;
        }
        Sheet::parse(&css)
    }

    fn parse(css: &[u8]) -> Sheet {
        let css = without_comments(css);
        let mut rules = Vec::new();
        read_rules(&css, &mut rules, true);
        rules.truncate(MAX_RULES);
        let mut sheet = Sheet::default();
        for (i, rule) in rules.iter().enumerate() {
            let key = rule.subject.key();
            sheet.star |= key == b"*";
            file(&mut sheet.by_key, key, i);
            if let Some(ancestor) = &rule.ancestor {
                let key = ancestor.key();
                sheet.star |= key == b"*";
                file(&mut sheet.by_ancestor_key, key, i);
            }
        }
        sheet.rules = rules;
        sheet
    }

    /// Whether the sheet holds descendant rules, which ask what elements
    /// are open around one.
    pub(super) fn has_descendant_rules(&self) -> bool {
        !self.by_ancestor_key.is_empty()
    }

    /// The descendant rules whose first part matches an element: inside
    /// it, their last part may match.
    pub(super) fn ancestor_of(&self, element: &Element<'_>) -> Vec<usize> {
        let mut found = Vec::new();
        self.keyed(&self.by_ancestor_key, element, &mut found);
        found.retain(|&i| {
            self.rules
                .get(i)
                .and_then(|r| r.ancestor.as_ref())
                .is_some_and(|a| a.matches(element.tag, element.classes, element.id))
        });
        found
    }

    /// The rules of `index` filed under a key the element has.
    fn keyed(
        &self,
        index: &[(Vec<u8>, Vec<usize>)],
        element: &Element<'_>,
        found: &mut Vec<usize>,
    ) {
        let mut find = |mark: Option<u8>, name: &[u8]| {
            let mut room = [0u8; 64];
            let rules = match room.get_mut(..name.len() + usize::from(mark.is_some())) {
                Some(slot) => {
                    let (head, tail) = slot.split_at_mut(usize::from(mark.is_some()));
                    if let Some(mark) = mark {
                        head[0] = mark;
                    }
                    tail.copy_from_slice(name);
                    tail.make_ascii_lowercase();
                    rules_keyed(index, slot)
                }
                None => match mark {
                    Some(mark) => rules_keyed(index, &key(mark, name)),
                    None => rules_keyed(index, &name.to_ascii_lowercase()),
                },
            };
            if let Some(rules) = rules {
                found.extend(rules);
            }
        };
        for class in element
            .classes
            .split(|b| b.is_ascii_whitespace())
            .filter(|c| !c.is_empty())
            .take(32)
        {
            find(Some(b'.'), class);
        }
        if !element.id.is_empty() {
            find(Some(b'#'), element.id);
        }
        find(None, element.tag);
        if self.star {
            find(None, b"*");
        }
        if found.len() > 1 {
            found.sort_unstable();
            found.dedup();
        }
    }

    /// How an element is shown: the sheet's rules that match it, in order,
    /// then its `style` attribute; `!important` declarations last; and,
    /// when rules read loosely (`p:last-of-type`) may match it too and
    /// would change that, how it is shown if they do.
    /// `matched` is room for the rules' numbers, kept between elements so
    /// that an element costs no allocation; `inside(rule)` says whether an
    /// open element around this one matches a descendant rule's first part.
    pub(super) fn look(
        &self,
        element: &Element<'_>,
        style: &[u8],
        styles: &mut Styles,
        matched: &mut Vec<usize>,
        inside: impl Fn(usize) -> bool,
    ) -> (Look, Option<Look>) {
        matched.clear();
        if !self.rules.is_empty() {
            self.keyed(&self.by_key, element, matched);
            matched.retain(|&i| {
                self.rules.get(i).is_some_and(|rule| {
                    rule.subject
                        .matches(element.tag, element.classes, element.id)
                        && (rule.ancestor.is_none() || inside(i))
                })
            });
        }
        let own = (!style.is_empty()).then(|| styles.declared(style));
        let apply = |loose: bool| {
            let mut look = Look::default();
            for which in 0..2 {
                for rule in matched.iter().filter_map(|&i| self.rules.get(i)) {
                    if loose || !rule.loose {
                        look.overlay(&rule.said[which]);
                    }
                }
                if let Some(own) = &own {
                    look.overlay(&own[which]);
                }
            }
            look
        };
        let look = apply(false);
        let loose = matched
            .iter()
            .any(|&i| self.rules.get(i).is_some_and(|r| r.loose));
        let maybe = if loose {
            Some(apply(true)).filter(|maybe| *maybe != look)
        } else {
            None
        };
        (look, maybe)
    }
}

/// The `style` attributes of one rendering already read, with what each
/// declares ([`Look::declared`]): Outlook writes a few over and over, on
/// most of a message's elements, and reading one costs far more than
/// finding it again among the first few.
#[derive(Default)]
pub(super) struct Styles {
    read: Vec<(Vec<u8>, [Look; 2])>,
}

impl Styles {
    /// How many attributes are kept: past them, each is read afresh.
    const KEPT: usize = 32;

    /// What `style` declares, as `Look::declared` reads it.
    fn declared(&mut self, style: &[u8]) -> [Look; 2] {
        if let Some((_, said)) = self.read.iter().find(|(read, _)| read.as_slice() == style) {
            return said.clone();
        }
        let said = Look::declared(&without_comments(style));
        if self.read.len() < Self::KEPT {
            self.read.push((style.to_vec(), said.clone()));
        }
        said
    }
}

/// Files rule `rule` under `key` in a sorted index.
fn file(index: &mut Vec<(Vec<u8>, Vec<usize>)>, key: Vec<u8>, rule: usize) {
    match index.binary_search_by(|(k, _)| k.as_slice().cmp(&key)) {
        Ok(at) => {
            if let Some((_, rules)) = index.get_mut(at) {
                rules.push(rule);
            }
        }
        Err(at) => index.insert(at, (key, vec![rule])),
    }
}

/// The rules of `index` filed under `key`.
fn rules_keyed<'a>(index: &'a [(Vec<u8>, Vec<usize>)], key: &[u8]) -> Option<&'a Vec<usize>> {
    index
        .binary_search_by(|(k, _)| k.as_slice().cmp(key))
        .ok()
        .and_then(|at| index.get(at))
        .map(|(_, rules)| rules)
}

/// Reads the rules of a style sheet (comments taken out) into `rules`:
/// those at its top level, and, when `nested`, those of the `@media`
/// blocks that apply on some screen and of `@supports` blocks.
fn read_rules(css: &[u8], rules: &mut Vec<Rule>, nested: bool) {
    let mut depth = 0usize;
    let mut prelude_start = 0;
    let mut block_start = 0;
    for (i, &b) in css.iter().enumerate() {
        match b {
            b'{' => {
                if depth == 0 {
                    block_start = i + 1;
                }
                depth += 1;
            }
            b'}' => {
                if depth == 0 {
                    prelude_start = i + 1;
                    continue;
                }
                depth -= 1;
                if depth == 0 && rules.len() < MAX_RULES {
                    let prelude = sheet_prelude(&css[prelude_start..block_start - 1]);
                    let block = &css[block_start..i];
                    if let Some(at_rule) = prelude.strip_prefix(b"@") {
                        if nested && applies(at_rule) {
                            read_rules(block, rules, false);
                        }
                    } else {
                        let said = Look::declared(block);
                        if said.iter().any(|look| *look != Look::default()) {
                            for selector in prelude.split(|&b| b == b',') {
                                let selector = unescape(selector);
                                if let Some((subject, ancestor)) = parse_selector(&selector) {
                                    rules.push(Rule {
                                        subject,
                                        ancestor,
                                        loose: false,
                                        said: said.clone(),
                                    });
                                } else if let Some(subject) = loose_selector(&selector) {
                                    rules.push(Rule {
                                        subject,
                                        ancestor: None,
                                        loose: true,
                                        said: said.clone(),
                                    });
                                }
                            }
                        }
                    }
                }
                if depth == 0 {
                    prelude_start = i + 1;
                }
            }
            // A statement at the top (`@import url(a.css);`, `@charset
            // "utf-8";`) ends at its semicolon: the next rule's selector
            // starts after it.
            b';' if depth == 0 => prelude_start = i + 1,
            _ => {}
        }
    }
}

/// A selector of one part, or of a first and a last part (descendant or
/// child combinators, read alike); `None` for what is not read (siblings,
/// attributes, pseudo-classes).
fn parse_selector(text: &[u8]) -> Option<(Selector, Option<Selector>)> {
    // Sibling combinators, outside an attribute test (`[class~=x]`).
    let mut depth = 0usize;
    for &b in text {
        match b {
            b'[' => depth += 1,
            b']' => depth = depth.saturating_sub(1),
            b'+' | b'~' if depth == 0 => return None,
            _ => {}
        }
    }
    let mut parts = text
        .split(|&b| b.is_ascii_whitespace() || b == b'>')
        .filter(|p| !p.is_empty());
    let first = Selector::parse(parts.next()?)?;
    let mut last = None;
    for part in parts {
        last = Some(part);
    }
    match last {
        None => Some((first, None)),
        Some(last) => Some((Selector::parse(last)?, Some(first))),
    }
}

/// What a selector not read (`p[data-x]`, `p:last-of-type`, `h1 + p`)
/// may match, at most: the elements its last part's name, classes and id
/// match, whatever else it asks. `None` for one that matches no element's
/// own text (`::selection`, `::before`) or that cannot be read at all.
fn loose_selector(text: &[u8]) -> Option<Selector> {
    let text = text.trim_ascii();
    if text.is_empty() {
        return None;
    }
    // The last compound: after the last combinator outside brackets.
    let mut depth = 0usize;
    let mut start = 0;
    for (i, &b) in text.iter().enumerate() {
        match b {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b' ' | b'\t' | b'\n' | b'\r' | b'>' | b'+' | b'~' if depth == 0 => start = i + 1,
            _ => {}
        }
    }
    let last = &text[start..];
    // What it asks beyond names, classes and ids is left out.
    let mut simple = Vec::with_capacity(last.len());
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(&b) = last.get(at) {
        match b {
            b'[' | b'(' => depth += 1,
            b']' | b')' => depth = depth.saturating_sub(1),
            b':' if depth == 0 => {
                let rest = &last[at..];
                let colons = rest.iter().take_while(|&&c| c == b':').count();
                let name_end = colons
                    + rest[colons..]
                        .iter()
                        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-')
                        .count();
                let name = rest[..name_end].to_ascii_lowercase();
                // Rules for what is drawn besides the element's text.
                let aside: [&[u8]; 8] = [
                    b"::selection",
                    b"::placeholder",
                    b"::marker",
                    b"::before",
                    b"::after",
                    b"::backdrop",
                    b":before",
                    b":after",
                ];
                if aside.contains(&name.as_slice()) || name.starts_with(b"::-") {
                    return None;
                }
                // Skipped with its arguments, if any.
                at += name_end;
                if last.get(at) == Some(&b'(') {
                    let mut inner = 0usize;
                    while let Some(&c) = last.get(at) {
                        at += 1;
                        match c {
                            b'(' => inner += 1,
                            b')' => {
                                inner = inner.saturating_sub(1);
                                if inner == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                    }
                }
                continue;
            }
            _ if depth == 0 => simple.push(b),
            _ => {}
        }
        at += 1;
    }
    // What is left unread may match any element.
    Selector::parse(&simple).or_else(|| Selector::parse(b"*"))
}

/// Whether the rules of an at-rule's block apply (`media screen`, given
/// after the `@`): those of `@supports`, and of `@media` when its query
/// holds on some screen; of no other.
fn applies(at_rule: &[u8]) -> bool {
    let name_end = at_rule
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'-'))
        .unwrap_or(at_rule.len());
    let (name, query) = at_rule.split_at(name_end);
    if name.eq_ignore_ascii_case(b"supports") {
        return true;
    }
    name.eq_ignore_ascii_case(b"media")
        && query
            .to_ascii_lowercase()
            .split(|&b| b == b',')
            .any(on_some_screen)
}

/// The narrowest and widest screens a message is read on, in pixels.
const SCREENS: (f64, f64) = (320.0, 3840.0);

/// Whether a media query holds on some screen: its type is `screen` or
/// `all` (or none), and the widths it asks for are some screen's; `not`
/// turns around one that holds on every screen. A dark colour scheme is
/// none (the page is white); other features may hold.
fn on_some_screen(query: &[u8]) -> bool {
    // The words outside brackets (`not`, `only`, the type, `and`), and
    // the features inside them.
    let mut words = Vec::new();
    let mut features = Vec::new();
    let mut rest = query;
    loop {
        let open = rest.iter().position(|&b| b == b'(').unwrap_or(rest.len());
        words.extend(
            rest[..open]
                .split(|b| b.is_ascii_whitespace())
                .filter(|w| !w.is_empty()),
        );
        let Some(inside) = rest.get(open + 1..) else {
            break;
        };
        let close = inside
            .iter()
            .position(|&b| b == b')')
            .unwrap_or(inside.len());
        features.push(&inside[..close]);
        rest = inside.get(close + 1..).unwrap_or_default();
    }
    let negated = words.first() == Some(&&b"not"[..]);
    let mut screen = true;
    for word in &words {
        if !matches!(*word, b"not" | b"only" | b"and" | b"screen" | b"all") {
            screen = false;
        }
    }
    let (mut narrowest, mut widest) = SCREENS;
    for feature in &features {
        let (name, value) = match feature.iter().position(|&b| b == b':') {
            Some(colon) => (
                feature[..colon].trim_ascii(),
                feature[colon + 1..].trim_ascii(),
            ),
            None => (feature.trim_ascii(), &b""[..]),
        };
        match (name, pixels(value)) {
            (b"min-width" | b"min-device-width", Some(px)) => narrowest = narrowest.max(px),
            (b"max-width" | b"max-device-width", Some(px)) => widest = widest.min(px),
            (b"width" | b"device-width", Some(px)) => {
                narrowest = narrowest.max(px);
                widest = widest.min(px);
            }
            (b"prefers-color-scheme", _) if value == b"dark" => screen = false,
            _ => {}
        }
    }
    if negated {
        // `not` turns around the whole query: it holds on some screen
        // unless the query holds on every one.
        let every = screen && features.is_empty();
        !every
    } else {
        screen && narrowest <= widest
    }
}

/// An element as the style sheet's selectors see it.
pub(super) struct Element<'a> {
    pub(super) tag: &'a [u8],
    pub(super) classes: &'a [u8],
    pub(super) id: &'a [u8],
}

/// A rule's selectors, without the `<!--` and `-->` that may stand
/// around a sheet (no part of it).
fn sheet_prelude(prelude: &[u8]) -> &[u8] {
    let mut prelude = prelude.trim_ascii();
    while let Some(rest) = prelude
        .strip_prefix(b"<!--")
        .or_else(|| prelude.strip_prefix(b"-->"))
    {
        prelude = rest.trim_ascii();
    }
    prelude
}

/// A class or id as looked up: its mark (`.`, `#`) and its name in lower
/// case.
fn key(mark: u8, name: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(name.len() + 1);
    key.push(mark);
    key.extend(name.iter().map(u8::to_ascii_lowercase));
    key
}

/// Where `needle` (starting with a character that has no case, as `<`
/// does) first stands in `haystack`, in any case. Each message's HTML is
/// searched so several times: its first byte is looked for a word at a
/// time.
pub(super) fn find_ignoring_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut at = 0;
    loop {
        let found = at + find_byte(haystack.get(at..)?, first)?;
        let after = found + 1;
        if haystack
            .get(after..after + rest.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(rest))
        {
            return Some(found);
        }
        at = after;
    }
}

/// Where `byte` first stands in `haystack`, eight bytes at a time.
fn find_byte(haystack: &[u8], byte: u8) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let pattern = ONES * u64::from(byte);
    let mut chunks = haystack.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ pattern;
        // A zero byte in `x` is a byte equal to `byte` in the chunk.
        if x.wrapping_sub(ONES) & !x & HIGHS != 0 {
            return chunk.iter().position(|&b| b == byte).map(|i| offset + i);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == byte)
        .map(|i| offset + i)
}
