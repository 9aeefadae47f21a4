//! The little of CSS that decides whether text is seen: `display`,
//! `visibility`, `mso-hide`, a font too small to read, text the colour of
//! its background, and the Wingdings fonts whose letters draw boxes. Read
//! from an element's `style` attribute and from the simple rules of the
//! message's `<style>` blocks (one class, id or element name, or an element
//! name with classes and an id: no combinators, no pseudo-classes). Bounded:
//! so much style sheet and so many rules are read, no more.

use std::collections::HashMap;

/// The most style sheet text read, over all `<style>` blocks.
const MAX_SHEET_BYTES: usize = 256 * 1024;
/// The most rules kept (only those that set a property read here count).
const MAX_RULES: usize = 512;

/// A colour as red, green, blue.
pub(super) type Rgb = (u8, u8, u8);

/// The white a message is shown on unless it sets a background.
pub(super) const PAGE: Rgb = (255, 255, 255);

/// What an element's style says of how its text is seen. `None`: not set
/// (inherited from around it, for the inherited ones).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Look {
    display_none: Option<bool>,
    invisible: Option<bool>,
    mso_hide: Option<bool>,
    /// `opacity:0`: nothing inside can show again.
    transparent: Option<bool>,
    /// A height or width of 0 with what overflows it hidden.
    zero_size: bool,
    overflow_hidden: Option<bool>,
    /// A font too small to read (under 2px, 1.5pt).
    pub(super) tiny: Option<bool>,
    pub(super) color: Option<Rgb>,
    pub(super) background: Option<Rgb>,
    /// The font draws letters as symbols: Wingdings or Wingdings 2 (as
    /// browsers or as Outlook choose it).
    pub(super) symbols: Option<Symbols>,
}

impl Look {
    /// The element and all in it are out of sight.
    pub(super) fn hidden(&self) -> bool {
        self.display_none == Some(true)
            || self.invisible == Some(true)
            || self.mso_hide == Some(true)
            || self.transparent == Some(true)
            || (self.zero_size && self.overflow_hidden == Some(true))
    }

    /// Sets anything its content inherits.
    pub(super) fn inherited(&self) -> bool {
        self.tiny.is_some()
            || self.color.is_some()
            || self.background.is_some()
            || self.symbols.is_some()
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
        over(&mut self.tiny, other.tiny);
        over(&mut self.color, other.color);
        over(&mut self.background, other.background);
        over(&mut self.symbols, other.symbols);
    }

    /// Applies declarations (`a:b; c:d`), comments already taken out; the
    /// important ones only, or only the others.
    fn apply(&mut self, declarations: &[u8], important: bool) {
        let mut symbol_font = None;
        let mut symbol_chars = false;
        for declaration in declarations.split(|&b| b == b';') {
            let Some(colon) = declaration.iter().position(|&b| b == b':') else {
                continue;
            };
            let property = declaration[..colon].trim_ascii();
            let mut value = declaration[colon + 1..].trim_ascii();
            let mut is_important = false;
            if let Some(at) = value.iter().position(|&b| b == b'!') {
                is_important = value[at + 1..]
                    .trim_ascii()
                    .eq_ignore_ascii_case(b"important");
                value = value[..at].trim_ascii();
            }
            if is_important != important {
                continue;
            }
            // Lower-cased on the stack: no property that matters is long.
            let mut lowered = [0u8; 24];
            let Some(slot) = lowered.get_mut(..property.len()) else {
                continue;
            };
            slot.copy_from_slice(property);
            slot.make_ascii_lowercase();
            let value_is = |v: &str| value.eq_ignore_ascii_case(v.as_bytes());
            match &*slot {
                b"display" => self.display_none = Some(value_is("none")),
                b"visibility" => {
                    self.invisible = Some(value_is("hidden") || value_is("collapse"));
                }
                b"mso-hide" => self.mso_hide = Some(value_is("all")),
                b"font-size" => self.tiny = tiny_size(value),
                // `font: 0/0 a`: the size is the first word that is one.
                b"font" => {
                    if let Some(tiny) = value
                        .split(|b| b.is_ascii_whitespace())
                        .map(|word| word.split(|&b| b == b'/').next().unwrap_or_default())
                        .find(|word| {
                            word.first()
                                .is_some_and(|b| b.is_ascii_digit() || *b == b'.')
                        })
                        .and_then(tiny_size)
                    {
                        self.tiny = Some(tiny);
                    }
                }
                b"opacity" => {
                    self.transparent = std::str::from_utf8(value)
                        .ok()
                        .and_then(|v| v.trim().parse::<f64>().ok())
                        .map(|v| v < 0.1);
                }
                b"height" | b"max-height" | b"width" | b"max-width"
                    if tiny_size(value) == Some(true) =>
                {
                    self.zero_size = true;
                }
                b"overflow" | b"overflow-x" | b"overflow-y" => {
                    self.overflow_hidden = Some(value_is("hidden") || value_is("clip"));
                }
                // Transparent text is not seen, whatever is behind it.
                b"color" if value_is("transparent") => self.tiny = Some(true),
                b"color" => self.color = colour(value).or(self.color),
                b"background-color" => self.background = colour(value).or(self.background),
                b"background" => {
                    if let Some(c) = value.split(|b| b.is_ascii_whitespace()).find_map(colour) {
                        self.background = Some(c);
                    }
                }
                b"font-family" => self.symbols = Some(Symbols::of(value)),
                b"mso-symbol-font-family" => symbol_font = Some(Symbols::of(value)),
                b"mso-char-type" => symbol_chars = value_is("symbol"),
                _ => {}
            }
        }
        // Outlook draws the characters of a span marked as symbols in
        // the symbol font it names.
        if let (true, Some(symbols)) = (symbol_chars, symbol_font) {
            self.symbols = Some(symbols);
        }
    }
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
    let under = if unit.is_empty() || is("px") {
        2.0
    } else if is("pt") {
        1.5
    } else if is("em") || is("rem") || is("ex") || is("ch") {
        0.15
    } else if unit == "%" {
        15.0
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

/// A CSS or HTML colour: `#fff`, `#ffffff`, `rgb(255, 255, 255)`, and the
/// common names. `None` for what is not read (a colour is then unknown,
/// never taken for the background's).
pub(super) fn colour(value: &[u8]) -> Option<Rgb> {
    let text = std::str::from_utf8(value).ok()?.trim().to_ascii_lowercase();
    if let Some(hex) = text.strip_prefix('#') {
        let digits: Vec<u8> = hex
            .chars()
            .map(|c| c.to_digit(16).and_then(|d| u8::try_from(d).ok()))
            .collect::<Option<_>>()?;
        return match digits.as_slice() {
            [r, g, b] | [r, g, b, _] => Some((r * 17, g * 17, b * 17)),
            [r1, r2, g1, g2, b1, b2] | [r1, r2, g1, g2, b1, b2, _, _] => {
                Some((r1 * 16 + r2, g1 * 16 + g2, b1 * 16 + b2))
            }
            _ => None,
        };
    }
    if let Some(inside) = text
        .strip_prefix("rgb(")
        .or_else(|| text.strip_prefix("rgba("))
    {
        let inside = inside.strip_suffix(')')?;
        let parts: Vec<u8> = inside
            .split([',', ' ', '/'])
            .filter(|p| !p.is_empty())
            .take(3)
            .map(|p| match p.strip_suffix('%') {
                Some(pc) => pc
                    .parse::<f64>()
                    .ok()
                    .map(|v| (v.clamp(0.0, 100.0) * 2.55) as u8),
                None => p.parse::<f64>().ok().map(|v| v.clamp(0.0, 255.0) as u8),
            })
            .collect::<Option<_>>()?;
        return match parts.as_slice() {
            [r, g, b] => Some((*r, *g, *b)),
            _ => None,
        };
    }
    Some(match text.as_str() {
        "white" | "window" => (255, 255, 255),
        "black" | "windowtext" => (0, 0, 0),
        "red" => (255, 0, 0),
        "green" => (0, 128, 0),
        "blue" => (0, 0, 255),
        "navy" => (0, 0, 128),
        "yellow" => (255, 255, 0),
        "gray" | "grey" => (128, 128, 128),
        "silver" => (192, 192, 192),
        "snow" => (255, 250, 250),
        "ivory" => (255, 255, 240),
        "whitesmoke" => (245, 245, 245),
        "ghostwhite" => (248, 248, 255),
        _ => return None,
    })
}

/// Two colours a reader cannot tell apart: text in one on the other is
/// not seen.
pub(super) fn alike(a: Rgb, b: Rgb) -> bool {
    let near = |x: u8, y: u8| x.abs_diff(y) <= 16;
    near(a.0, b.0) && near(a.1, b.1) && near(a.2, b.2)
}

/// CSS text without its comments (`display:/**/none` is `display:none`).
pub(super) fn without_comments(css: &[u8]) -> Vec<u8> {
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
    out
}

/// One simple selector: an element name, classes, an id, all of which
/// must match.
#[derive(Debug)]
struct Selector {
    tag: Option<Vec<u8>>,
    classes: Vec<Vec<u8>>,
    id: Option<Vec<u8>>,
}

impl Selector {
    fn parse(text: &[u8]) -> Option<Selector> {
        let text = text.trim_ascii();
        let simple = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'#');
        if text.is_empty() || !text.iter().all(simple) {
            return None;
        }
        let mut selector = Selector {
            tag: None,
            classes: Vec::new(),
            id: None,
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
            // A selector always names one of them.
            (None, None, None) => Vec::new(),
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
    }
}

/// The rules of a message's `<style>` blocks that set what is read here.
#[derive(Debug, Default)]
pub(super) struct Sheet {
    /// Each rule's selector and what its declarations say, the others and
    /// the `!important` ones, worked out once: an element matched by many
    /// rules costs a few assignments a rule, not a reading of each.
    rules: Vec<(Selector, [Look; 2])>,
    /// The rules by what an element must have for them to match (a class,
    /// else its id, else its name), so that an element is matched against
    /// only the rules that may apply to it.
    by_key: HashMap<Vec<u8>, Vec<usize>>,
}

/// Properties a rule must set to be kept.
const READ: [&[u8]; 8] = [
    b"display",
    b"visibility",
    b"mso-hide",
    b"font-size",
    b"color",
    b"background",
    b"font-family",
    b"mso-symbol-font-family",
];

impl Sheet {
    /// The rules of every `<style>` block in the HTML, wherever it stands
    /// (a browser applies a sheet in the body too). Rules inside `@media`
    /// and other at-rules are left out: whether they apply depends on
    /// the screen.
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
        let mut depth = 0usize;
        let mut prelude_start = 0;
        let mut block_start = 0;
        let mut at_rule = false;
        for (i, &b) in css.iter().enumerate() {
            match b {
                b'{' => {
                    if depth == 0 {
                        at_rule = sheet_prelude(&css[prelude_start..i]).starts_with(b"@");
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
                    if depth == 0 {
                        if !at_rule && rules.len() < MAX_RULES {
                            let prelude = sheet_prelude(&css[prelude_start..block_start - 1]);
                            let block = &css[block_start..i];
                            let lower = block.to_ascii_lowercase();
                            if READ.iter().any(|p| lower.windows(p.len()).any(|w| w == *p)) {
                                let block = without_comments(block);
                                let said = [false, true].map(|important| {
                                    let mut look = Look::default();
                                    look.apply(&block, important);
                                    look
                                });
                                for selector in prelude.split(|&b| b == b',') {
                                    if let Some(s) = Selector::parse(selector) {
                                        rules.push((s, said.clone()));
                                    }
                                }
                            }
                        }
                        prelude_start = i + 1;
                    }
                }
                _ => {}
            }
        }
        rules.truncate(MAX_RULES);
        let mut by_key: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
        for (i, (selector, _)) in rules.iter().enumerate() {
            by_key.entry(selector.key()).or_default().push(i);
        }
        Sheet { rules, by_key }
    }

    /// How an element is shown: the sheet's rules that match it, in order,
    /// then its `style` attribute; `!important` declarations last.
    pub(super) fn look(&self, tag: &[u8], classes: &[u8], id: &[u8], style: &[u8]) -> Look {
        let mut look = Look::default();
        let style = without_comments(style);
        let mut candidates: Vec<usize> = Vec::new();
        if !self.rules.is_empty() {
            let keys = classes
                .split(|b| b.is_ascii_whitespace())
                .filter(|c| !c.is_empty())
                .take(32)
                .map(|c| key(b'.', c))
                .chain((!id.is_empty()).then(|| key(b'#', id)))
                .chain(std::iter::once(tag.to_vec()));
            for k in keys {
                if let Some(found) = self.by_key.get(&k) {
                    candidates.extend(found);
                }
            }
            candidates.sort_unstable();
            candidates.dedup();
        }
        let matching: Vec<&[Look; 2]> = candidates
            .into_iter()
            .filter_map(|i| self.rules.get(i))
            .filter(|(s, _)| s.matches(tag, classes, id))
            .map(|(_, said)| said)
            .collect();
        for (which, important) in [false, true].into_iter().enumerate() {
            for said in &matching {
                look.overlay(&said[which]);
            }
            look.apply(&style, important);
        }
        look
    }
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

fn find_ignoring_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Outlook's conditional comments: the HTML as Outlook shows it, when that
/// differs from what other mail programs show in text a reader sees.
/// `<!--[if mso]>...<![endif]-->` is shown by Outlook alone;
/// `<!--[if !mso]><!-->...<!--<![endif]-->` by all but Outlook.
pub(super) fn outlook_view(html: &str, shows_text: impl Fn(&str) -> bool) -> Option<String> {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let mut differs = false;
    while let Some(at) = find_ignoring_case(rest.as_bytes(), b"<!--[if") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 7..];
        let Some(close) = after.find(']') else {
            out.push_str(&rest[at..]);
            rest = "";
            break;
        };
        if !after[close + 1..].starts_with('>') {
            // `<!--[if !supportLists]-->`: a whole comment, which hides
            // nothing after it from anyone.
            out.push_str(&rest[at..at + 7]);
            rest = after;
            continue;
        }
        let condition = after[..close].trim().to_ascii_lowercase();
        let mut body = &after[close + 2..];
        let revealed = body.starts_with("<!-->");
        if revealed {
            body = &body[5..];
        }
        let Some(end) = find_ignoring_case(body.as_bytes(), b"<![endif]") else {
            // Never closed: the rest is a comment to all.
            rest = "";
            break;
        };
        let mut content = &body[..end];
        if revealed {
            content = content.strip_suffix("<!--").unwrap_or(content);
        }
        let tail = &body[end + 9..];
        rest = tail.strip_prefix("-->").unwrap_or(tail);
        let in_outlook =
            !condition.starts_with('!') && (condition.contains("mso") || condition.contains("vml"));
        if in_outlook {
            out.push_str(content);
        }
        if in_outlook != revealed && !differs {
            differs = shows_text(content);
        }
    }
    out.push_str(rest);
    differs.then_some(out)
}
