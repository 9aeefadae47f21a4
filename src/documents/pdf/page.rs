//! A page's text layer: its content stream followed as a viewer draws
//! it, each piece of text kept with where it is drawn when a reader sees
//! it (see `sight`).

use super::boxes::{read_boxes, Painting, Squares};
use super::layout::lay_out;
use super::sight::*;
use super::*;
use crate::core::tick::{SymbolFont, UNKNOWN_MARK};
use lopdf::content::Operation;

/// A font as the text layer is read with it: how its codes decode, and
/// how wide its glyphs are when it says.
pub(super) struct Font<'a> {
    /// How its codes decode; none for a simple font of symbols, whose
    /// codes are read by `drawn`.
    encoding: Option<Encoding<'a>>,
    widths: Option<Widths>,
    /// A composite (`Type0`) font: its codes may be more than a byte, so
    /// a string is not split into its glyphs.
    composite: bool,
    /// A font of symbols (ZapfDingbats, Wingdings, Symbol), by its name:
    /// its codes draw ticks and boxes, not the letters they decode to.
    symbols: Option<SymbolFont>,
    /// A simple font of symbols: what each code draws.
    drawn: Option<Box<[char; 256]>>,
    /// Its ToUnicode map says other letters than the glyphs it names:
    /// its text cannot be trusted.
    misleading: bool,
}

impl<'a> Font<'a> {
    /// A font dictionary as the text is read with it; none when its
    /// encoding cannot be read within `limit`.
    fn of(document: &'a Document, font: &'a Dictionary, limit: usize) -> Option<Font<'a>> {
        let composite = is_composite(font);
        let symbols = symbol_font(document, font);
        let widths = Widths::of(document, font);
        if let (Some(symbols), false) = (symbols, composite) {
            // Read by its codes (and its ToUnicode map, when it has one):
            // the encoding the loader would take for it is no help, and
            // it complains of the glyph names a symbol font's differences
            // use.
            return Some(Font {
                encoding: None,
                widths,
                composite,
                symbols: Some(symbols),
                drawn: Some(drawn_codes(document, font, symbols, limit)),
                misleading: false,
            });
        }
        let encoding = font.get_font_encoding_with_limit(document, limit).ok()?;
        Some(Font {
            encoding: Some(encoding),
            widths,
            composite,
            symbols,
            drawn: None,
            misleading: !composite && misleads(document, font, limit),
        })
    }

    /// The text a string draws: a font of symbols' codes as the marks
    /// they draw (`4` in ZapfDingbats as `✔`).
    fn decode(&self, bytes: &[u8]) -> String {
        if let Some(drawn) = &self.drawn {
            return bytes.iter().map(|&b| drawn[usize::from(b)]).collect();
        }
        let decoded = self
            .encoding
            .as_ref()
            .and_then(|e| Document::decode_text(e, bytes).ok());
        match (self.symbols, decoded) {
            (Some(symbols), Some(text)) => text.chars().map(|c| symbols.draw(c)).collect(),
            (Some(_), None) => UNKNOWN_MARK.to_string(),
            (None, text) => text.unwrap_or_default(),
        }
    }
    /// Where each glyph of a string starts and ends, in text space along
    /// the baseline from where the string starts, `Tc` and `Tw` added and
    /// all scaled by `Tz`, with the bytes that draw it. A composite
    /// font's string is taken as one glyph, spaced as its characters.
    fn glyphs(&self, bytes: &[u8], text: &TextState) -> Vec<(std::ops::Range<usize>, f32, f32)> {
        let size = text.size;
        let scale = text.horizontal_scale;
        if self.composite {
            let decoded = self.decode(bytes);
            let characters = decoded.chars().count() as f32;
            let end = (self.width(bytes, &decoded) * size + text.char_spacing * characters) * scale;
            return vec![(0..bytes.len(), 0.0, end)];
        }
        let mut at = 0.0f32;
        bytes
            .iter()
            .enumerate()
            .map(|(i, &code)| {
                let width = match &self.widths {
                    Some(widths) => widths.of_code(code),
                    None => 0.5,
                };
                let mut advance = width * size + text.char_spacing;
                if code == b' ' {
                    advance += text.word_spacing;
                }
                let start = at;
                at += advance * scale;
                (i..i + 1, start, at)
            })
            .collect()
    }

    /// How far a string moves the text on, in units of the font size:
    /// the font's own widths for a simple font, else half a unit for each
    /// character (fonts' widths are not read for composite fonts).
    fn width(&self, bytes: &[u8], text: &str) -> f32 {
        match &self.widths {
            Some(widths) => bytes.iter().map(|&code| widths.of_code(code)).sum(),
            None => text.chars().count() as f32 * 0.5,
        }
    }
}

/// Whether a font is composite (`Type0`), its codes of one byte or more.
fn is_composite(font: &Dictionary) -> bool {
    font.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Type0".as_slice())
}

/// The font of symbols a font is, by its `BaseFont` (a composite font's,
/// or its descendant's): `ABCDEF+ZapfDingbats`, `Wingdings-Regular`.
fn symbol_font(document: &Document, font: &Dictionary) -> Option<SymbolFont> {
    let named = |font: &Dictionary| {
        let name = font.get(b"BaseFont").and_then(Object::as_name).ok()?;
        SymbolFont::named(&String::from_utf8_lossy(name))
    };
    named(font).or_else(|| {
        let descendants = deref(document, font.get(b"DescendantFonts").ok()?)
            .as_array()
            .ok()?;
        named(deref(document, descendants.first()?).as_dict().ok()?)
    })
}

/// What each code of a simple font of symbols draws: by its ToUnicode
/// map where that says (the code itself, its private-use twin U+F0xx, or
/// the mark: as a document's writer saw it), else by the code in the
/// font's own encoding.
fn drawn_codes(
    document: &Document,
    font: &Dictionary,
    symbols: SymbolFont,
    limit: usize,
) -> Box<[char; 256]> {
    let mut drawn = Box::new([UNKNOWN_MARK; 256]);
    for (code, mark) in (0u8..=255).zip(drawn.iter_mut()) {
        *mark = symbols.draw(char::from(code));
    }
    if font.get(b"ToUnicode").is_err() {
        return drawn;
    }
    // The loader reads a font's `/Encoding` before its ToUnicode map: the
    // map is read from the dictionary without it.
    let mut mapped = font.clone();
    mapped.remove(b"Encoding");
    let Ok(encoding @ Encoding::UnicodeMapEncoding(_)) =
        mapped.get_font_encoding_with_limit(document, limit)
    else {
        return drawn;
    };
    for (code, mark) in (0u8..=255).zip(drawn.iter_mut()) {
        let Ok(text) = encoding.bytes_to_string(&[code]) else {
            continue;
        };
        let mut chars = text.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            if c != UNKNOWN_MARK && c != '\0' {
                *mark = symbols.draw(c);
            }
        }
    }
    drawn
}

/// The standard fonts of letters every viewer has its own copy of.
const STANDARD_LATIN_FONTS: [&[u8]; 12] = [
    b"Times-Roman",
    b"Times-Bold",
    b"Times-Italic",
    b"Times-BoldItalic",
    b"Helvetica",
    b"Helvetica-Bold",
    b"Helvetica-Oblique",
    b"Helvetica-BoldOblique",
    b"Courier",
    b"Courier-Bold",
    b"Courier-Oblique",
    b"Courier-BoldOblique",
];

/// A standard font of letters not embedded: a viewer draws its own
/// copy's glyphs, by the font's standard encoding where it has no other.
fn standard_not_embedded(document: &Document, font: &Dictionary) -> bool {
    let named = font
        .get(b"BaseFont")
        .and_then(Object::as_name)
        .is_ok_and(|name| STANDARD_LATIN_FONTS.contains(&name));
    let embedded = font
        .get(b"FontDescriptor")
        .ok()
        .and_then(|d| deref(document, d).as_dict().ok())
        .is_some_and(|d| {
            [b"FontFile".as_slice(), b"FontFile2", b"FontFile3"]
                .iter()
                .any(|key| d.get(key).is_ok())
        });
    named && !embedded
}

/// The letters a simple font's codes name, where the font itself says
/// (a viewer draws the glyph so named): by a standard encoding
/// (`WinAnsiEncoding`, `MacRomanEncoding`, `StandardEncoding`, which all
/// keep the letters at their ASCII codes), with the `/Differences` of an
/// encoding dictionary over it; a standard font not embedded has its
/// standard encoding. What an embedded font's own program maps is not
/// known here, and names nothing.
fn named_letters(document: &Document, font: &Dictionary) -> [Option<char>; 256] {
    let mut letters = [None; 256];
    let ascii = |letters: &mut [Option<char>; 256]| {
        for c in ('A'..='Z').chain('a'..='z') {
            letters[c as usize] = Some(c);
        }
    };
    let standard = |name: &[u8]| {
        matches!(
            name,
            b"WinAnsiEncoding" | b"MacRomanEncoding" | b"StandardEncoding"
        )
    };
    let encoding = font.get(b"Encoding").ok().map(|e| deref(document, e));
    match encoding {
        None if standard_not_embedded(document, font) => ascii(&mut letters),
        Some(Object::Name(name)) if standard(name) => ascii(&mut letters),
        Some(Object::Dictionary(encoding)) => {
            match encoding.get(b"BaseEncoding").and_then(Object::as_name) {
                Ok(name) if standard(name) => ascii(&mut letters),
                Err(_) if standard_not_embedded(document, font) => ascii(&mut letters),
                _ => {}
            }
            let differences = encoding
                .get(b"Differences")
                .ok()
                .map(|d| deref(document, d))
                .and_then(|d| d.as_array().ok());
            let mut code: Option<u8> = None;
            for entry in differences.into_iter().flatten().take(1024) {
                match entry {
                    Object::Integer(at) => code = u8::try_from(*at).ok(),
                    Object::Name(glyph) => {
                        if let Some(at) = code {
                            // Each letter's glyph is named by the letter.
                            letters[usize::from(at)] = match glyph.as_slice() {
                                [c] if c.is_ascii_alphabetic() => Some(char::from(*c)),
                                _ => None,
                            };
                        }
                        code = code.and_then(|at| at.checked_add(1));
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    letters
}

/// Whether a simple font's ToUnicode map says, for a code whose glyph the
/// font names as a letter, other letters (`N` drawn, `Y` said): what a
/// reader sees and what its text says differ.
fn misleads(document: &Document, font: &Dictionary, limit: usize) -> bool {
    if font.get(b"ToUnicode").is_err() {
        return false;
    }
    let letters = named_letters(document, font);
    if letters.iter().all(Option::is_none) {
        return false;
    }
    // The loader reads a font's `/Encoding` before its ToUnicode map: the
    // map is read from the dictionary without it.
    let mut mapped = font.clone();
    mapped.remove(b"Encoding");
    let Ok(map @ Encoding::UnicodeMapEncoding(_)) =
        mapped.get_font_encoding_with_limit(document, limit)
    else {
        return false;
    };
    (0u8..=255).zip(letters).any(|(code, letter)| {
        let Some(letter) = letter else {
            return false;
        };
        map.bytes_to_string(&[code]).is_ok_and(|said| {
            let mut chars = said.chars();
            let same = chars.next() == Some(letter) && chars.next().is_none();
            !same && said.chars().any(char::is_alphabetic)
        })
    })
}

/// A simple font's glyph widths (`/FirstChar`, `/Widths`), in thousandths.
struct Widths {
    first: i64,
    widths: Vec<f32>,
}

impl Widths {
    fn of(document: &Document, font: &Dictionary) -> Option<Widths> {
        if font.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Type0".as_slice()) {
            return None;
        }
        let first = font.get(b"FirstChar").and_then(Object::as_i64).ok()?;
        let widths = deref(document, font.get(b"Widths").ok()?).as_array().ok()?;
        if widths.is_empty() || widths.len() > 256 {
            return None;
        }
        Some(Widths {
            first,
            widths: widths.iter().map(|w| number(deref(document, w))).collect(),
        })
    }

    fn of_code(&self, code: u8) -> f32 {
        usize::try_from(i64::from(code) - self.first)
            .ok()
            .and_then(|i| self.widths.get(i))
            .filter(|w| **w > 0.0)
            .map_or(0.5, |w| w / 1000.0)
    }
}

/// A piece of text and where it is drawn.
pub(super) struct Piece {
    pub x: f32,
    pub y: f32,
    /// Where it ends, roughly: fonts' widths are not read.
    pub end: f32,
    pub size: f32,
    pub text: String,
    /// The page space its glyphs take, near enough, for an area filled
    /// over it.
    pub area: Rect,
    /// The place in the content stream of the operation drawing it.
    pub drawn: usize,
}

/// Text drawn smaller than this (in points, once every matrix is applied)
/// is a speck to a reader, not words.
pub(super) const MIN_VISIBLE_SIZE: f32 = 1.0;

/// How many operations are followed between looks at the clock.
const CHECK_EVERY: usize = 256;

/// Forms drawn within forms: deeper than this is no real document.
const MAX_FORM_DEPTH: usize = 8;
/// Forms (and annotations' appearances) drawn on one page: a flattened
/// form draws a few hundred.
const MAX_FORMS: usize = 2000;

/// The fonts a content stream draws with: its own resources', then those
/// of what draws it.
pub(super) struct Fonts<'a> {
    own: BTreeMap<Vec<u8>, Font<'a>>,
    outer: Option<&'a Fonts<'a>>,
}

impl<'a> Fonts<'a> {
    fn get(&self, name: &[u8]) -> Option<&Font<'a>> {
        self.own
            .get(name)
            .or_else(|| self.outer.and_then(|outer| outer.get(name)))
    }
}

/// Fonts of a resource dictionary (`/Font`), as the text is read with
/// them, the clock looked at after each.
fn fonts_of<'a>(
    document: &'a Document,
    fonts: &'a Dictionary,
    limit: usize,
    budget: &Budget,
) -> Result<BTreeMap<Vec<u8>, Font<'a>>, DocumentError> {
    let mut out = BTreeMap::new();
    for (name, font) in fonts.iter().take(MAX_FORMS) {
        budget.check_time()?;
        let Ok(font) = deref(document, font).as_dict() else {
            continue;
        };
        if let Some(font) = Font::of(document, font, limit) {
            out.insert(name.clone(), font);
        }
    }
    Ok(out)
}

/// What a page draws, as it is followed: its text, the areas it fills,
/// and the forms it is inside.
struct Drawing<'p, 'c> {
    page: &'p Page<'p>,
    budget: &'p Budget,
    contents: &'c mut Contents,
    pieces: Vec<Piece>,
    filled: Filled,
    /// Operations followed so far, in the page and the forms it draws:
    /// what is drawn later is over what is drawn before.
    tick: usize,
    /// Forms drawn so far.
    forms: usize,
    /// The forms being drawn, outermost first: a form drawing itself is
    /// not drawn again.
    open: Vec<ObjectId>,
    /// The operations of each form read so far (a form drawn many times
    /// is decompressed and read once, and counted once).
    read_forms: HashMap<ObjectId, Rc<Vec<Operation>>>,
    /// Small squares and marks drawn: check boxes (see `boxes`).
    squares: Squares,
}

/// Whether an XObject is a form (`/Subtype /Form`).
fn is_form(document: &Document, object: &Object) -> bool {
    deref(document, object).as_stream().is_ok_and(|s| {
        s.dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Form".as_slice())
    })
}

impl<'p> Drawing<'p, '_> {
    /// A form XObject drawn (`Do`) with the graphics state it is drawn
    /// in: its `/Matrix` (after `placed`, which fits an annotation's
    /// appearance to its rectangle) applied, clipped to its `/BBox`, its
    /// own resources before those of what draws it; not when it sits in a
    /// layer switched off, nor deeper than `MAX_FORM_DEPTH`, nor past
    /// `MAX_FORMS` on the page, nor inside itself.
    fn form(
        &mut self,
        object: &Object,
        outer: &Resources,
        fonts: &Fonts,
        state: Graphics,
        placed: Matrix,
        depth: usize,
    ) -> Result<(), DocumentError> {
        let document = self.page.document;
        let Ok(stream) = deref(document, object).as_stream() else {
            return Ok(());
        };
        let id = object.as_reference().ok();
        if depth >= MAX_FORM_DEPTH
            || self.forms >= MAX_FORMS
            || id.is_some_and(|id| self.open.contains(&id))
            || stream
                .dict
                .get(b"OC")
                .is_ok_and(|group| self.page.layers.hides(document, group))
        {
            return Ok(());
        }
        self.forms += 1;
        self.budget.check_time()?;
        let limit = self.budget.limits.max_pdf_page_content_bytes;
        let operations = match id.and_then(|id| self.read_forms.get(&id)) {
            Some(operations) => Rc::clone(operations),
            None => {
                let left = self
                    .budget
                    .limits
                    .max_pdf_content_bytes
                    .saturating_sub(self.contents.decoded);
                let Ok(data) = stream.decompressed_content_with_limit(limit.min(left)) else {
                    return Ok(());
                };
                self.contents.decoded += data.len();
                let operations = Rc::new(content::operations_within(&data, self.budget)?);
                if let Some(id) = id {
                    self.read_forms.insert(id, Rc::clone(&operations));
                }
                operations
            }
        };
        let matrix = form_matrix(document, stream);
        let mut inner = state;
        inner.ctm = multiply(&multiply(&matrix, &placed), &state.ctm);
        if let Some(bbox) = stream
            .dict
            .get(b"BBox")
            .ok()
            .and_then(|b| Rect::of(document, b))
        {
            let extent = bbox.transformed(&inner.ctm);
            inner.clip = Some(inner.clip.map_or(extent, |clip| clip.intersect(&extent)));
        }
        let own = stream
            .dict
            .get(b"Resources")
            .ok()
            .and_then(|r| deref(document, r).as_dict().ok());
        let resources = outer.within(own);
        let own_fonts = match own
            .and_then(|r| r.get(b"Font").ok())
            .and_then(|f| deref(document, f).as_dict().ok())
        {
            Some(f) => fonts_of(document, f, limit, self.budget)?,
            None => BTreeMap::new(),
        };
        let inner_fonts = Fonts {
            own: own_fonts,
            outer: Some(fonts),
        };
        self.open.extend(id);
        let drawn = self.run(&operations, &resources, &inner_fonts, inner, depth + 1);
        if id.is_some() {
            self.open.pop();
        }
        drawn
    }

    /// The page's annotations as a viewer draws them over its content:
    /// each one's normal appearance (`/AP /N`, by its state `/AS` when it
    /// has several), fitted to its rectangle. What they fill opaquely
    /// hides the page's text under it (a box of a Square, FreeText or
    /// Widget annotation); their own text is not read here (a field's
    /// value is read from the form).
    fn annotations(&mut self) -> Result<(), DocumentError> {
        let document = self.page.document;
        let Some(annots) = document
            .get_dictionary(self.page.id)
            .ok()
            .and_then(|d| d.get(b"Annots").ok())
            .and_then(|a| deref(document, a).as_array().ok())
        else {
            return Ok(());
        };
        let pieces = self.pieces.len();
        let squares = self.squares.mark();
        let fonts = Fonts {
            own: BTreeMap::new(),
            outer: None,
        };
        let no_resources = Resources::none(document);
        for annot in annots.iter().take(MAX_FORMS) {
            let Ok(annot) = deref(document, annot).as_dict() else {
                continue;
            };
            let flags = annot
                .get(b"F")
                .ok()
                .and_then(|f| f.as_i64().ok())
                .unwrap_or(0);
            let Some(rect) = annot.get(b"Rect").ok().and_then(|r| Rect::of(document, r)) else {
                continue;
            };
            if flags & (2 | 32) != 0
                || annot
                    .get(b"OC")
                    .is_ok_and(|group| self.page.layers.hides(document, group))
            {
                continue;
            }
            let Some(normal) = annot
                .get(b"AP")
                .ok()
                .and_then(|ap| deref(document, ap).as_dict().ok())
                .and_then(|ap| ap.get(b"N").ok())
            else {
                continue;
            };
            let appearance = match deref(document, normal) {
                Object::Dictionary(states) => {
                    let Some(state) = annot.get(b"AS").and_then(Object::as_name).ok() else {
                        continue;
                    };
                    match states.get(state) {
                        Ok(appearance) => appearance,
                        Err(_) => continue,
                    }
                }
                _ => normal,
            };
            let Some(placed) = fitted(document, appearance, &rect) else {
                continue;
            };
            self.form(
                appearance,
                &no_resources,
                &fonts,
                Graphics::default(),
                placed,
                0,
            )?;
        }
        self.pieces.truncate(pieces);
        self.squares.back_to(squares);
        Ok(())
    }
}

/// A form XObject's or appearance's `/Matrix` (the identity when absent
/// or not six numbers).
fn form_matrix(document: &Document, stream: &lopdf::Stream) -> Matrix {
    stream
        .dict
        .get(b"Matrix")
        .ok()
        .and_then(|m| deref(document, m).as_array().ok())
        .filter(|m| m.len() == 6)
        .map_or(IDENTITY, |m| {
            let n = |i: usize| number(deref(document, &m[i]));
            [n(0), n(1), n(2), n(3), n(4), n(5)]
        })
}

/// The matrix fitting an appearance to its annotation's rectangle: its
/// `/BBox`, transformed by its `/Matrix`, onto `rect` (as viewers place
/// an annotation's appearance).
fn fitted(document: &Document, appearance: &Object, rect: &Rect) -> Option<Matrix> {
    let stream = deref(document, appearance).as_stream().ok()?;
    let bbox = Rect::of(document, stream.dict.get(b"BBox").ok()?)?;
    let matrix = form_matrix(document, stream);
    let extent = bbox.transformed(&matrix);
    let (width, height) = (extent.right - extent.left, extent.top - extent.bottom);
    if width <= 0.0 || height <= 0.0 {
        return None;
    }
    let (sx, sy) = (
        (rect.right - rect.left) / width,
        (rect.top - rect.bottom) / height,
    );
    Some([
        sx,
        0.0,
        0.0,
        sy,
        rect.left - extent.left * sx,
        rect.bottom - extent.bottom * sy,
    ])
}

/// A page's text as lines, top to bottom.
pub(super) fn page_lines(
    document: &Document,
    page: ObjectId,
    layers: &OptionalContent,
    budget: &Budget,
    contents: &mut Contents,
) -> PageRead {
    let malformed =
        |e: lopdf::Error| DocumentError::Malformed(format!("a page cannot be read ({e})"));
    let fonts = document.get_page_fonts(page).map_err(malformed)?;
    let resources = Resources::of(document, page);
    let page_box = visible_box(document, page);
    let key = PageKey {
        streams: document.get_page_contents(page),
        fonts: fonts
            .iter()
            .map(|(name, font)| (name.clone(), std::ptr::from_ref(*font) as usize))
            .collect(),
        resources: resources.identity(),
        page_box: page_box.map(|b| [b.left, b.bottom, b.right, b.top].map(f32::to_bits)),
        annotations: document
            .get_dictionary(page)
            .ok()
            .and_then(|d| d.get(b"Annots").ok())
            .map(|a| std::ptr::from_ref(deref(document, a)) as usize),
    };
    if let Some((_, read)) = contents.pages.iter().find(|(k, _)| *k == key) {
        return read.clone();
    }
    let page = Page {
        document,
        id: page,
        resources,
        page_box,
        layers,
    };
    let read = decode_page(&page, fonts, budget, contents);
    if !matches!(read, Err(DocumentError::TimedOut(_))) {
        contents.pages.push((key, read.clone()));
    }
    read
}

/// What a page is drawn with.
struct Page<'a> {
    document: &'a Document,
    id: ObjectId,
    resources: Resources<'a>,
    /// The part of it a reader sees.
    page_box: Option<Rect>,
    layers: &'a OptionalContent,
}

fn decode_page(
    page: &Page,
    fonts: BTreeMap<Vec<u8>, &Dictionary>,
    budget: &Budget,
    contents: &mut Contents,
) -> PageRead {
    let document = page.document;
    let malformed =
        |e: lopdf::Error| DocumentError::Malformed(format!("a page cannot be read ({e})"));
    let limit = budget.limits.max_pdf_page_content_bytes;
    // A font's encoding (its ToUnicode map) may take a while to read:
    // the clock is looked at after each.
    let mut encodings: BTreeMap<Vec<u8>, Font> = BTreeMap::new();
    for (name, font) in fonts.into_iter().take(MAX_FORMS) {
        budget.check_time()?;
        if let Some(font) = Font::of(document, font, limit) {
            encodings.insert(name, font);
        }
    }
    // Within the page's budget and what is left of the document's.
    let left = budget
        .limits
        .max_pdf_content_bytes
        .saturating_sub(contents.decoded);
    let over = |limit: usize| DocumentError::PdfContent { limit };
    let data = match document.get_page_content_with_limit(page.id, limit.min(left)) {
        Ok(data) => data,
        Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })) => {
            return Err(if left < limit {
                over(budget.limits.max_pdf_content_bytes)
            } else {
                over(limit)
            });
        }
        Err(e) => return Err(malformed(e)),
    };
    contents.decoded += data.len();
    // What cannot be read of it is passed over, the rest read.
    let operations = content::operations_within(&data, budget)?;
    let fonts = Fonts {
        own: encodings,
        outer: None,
    };
    let mut drawing = Drawing {
        page,
        budget,
        contents,
        pieces: Vec::new(),
        filled: Filled::default(),
        tick: 0,
        forms: 0,
        open: Vec::new(),
        read_forms: HashMap::new(),
        squares: Squares::default(),
    };
    drawing.run(&operations, &page.resources, &fonts, Graphics::default(), 0)?;
    drawing.annotations()?;
    let Drawing {
        mut pieces,
        filled,
        squares,
        ..
    } = drawing;
    drop_covered(&mut pieces, &filled.covers, budget)?;
    read_boxes(&mut pieces, &squares, &filled.covers, budget)?;
    let placed = PlacedText::of(&pieces);
    budget.check_time()?;
    Ok(Rc::new(PageText {
        lines: lay_out(pieces, budget)?,
        placed,
    }))
}

impl<'p> Drawing<'p, '_> {
    /// Follows a content stream's operations as a viewer draws them,
    /// from `state`, with these resources and fonts; `depth` forms deep.
    fn run<'f>(
        &mut self,
        operations: &[Operation],
        resources: &Resources,
        fonts: &'f Fonts<'f>,
        mut state: Graphics<'f>,
        depth: usize,
    ) -> Result<(), DocumentError> {
        let document = self.page.document;
        let initial = state;
        let mut saved: Vec<Graphics> = Vec::new();
        // The current path's extent, for a clip made from it.
        let mut path: Option<Rect> = None;
        let mut rects = Path::default();
        let mut marked = Marked::default();
        let mut clipping = false;
        let mut tm = IDENTITY;
        let mut line_start = IDENTITY;
        for op in operations {
            let n = self.tick;
            self.tick += 1;
            if n.is_multiple_of(CHECK_EVERY) {
                self.budget.check_time()?;
            }
            let args = &op.operands;
            let arg = |i: usize| args.get(i).map(number).unwrap_or(0.0);
            let name = |i: usize| args.get(i).and_then(|o| o.as_name().ok());
            match op.operator.as_str() {
                "q" if saved.len() < 64 => saved.push(state),
                "Q" => state = saved.pop().unwrap_or(initial),
                "cm" => {
                    state.ctm = multiply(
                        &[arg(0), arg(1), arg(2), arg(3), arg(4), arg(5)],
                        &state.ctm,
                    )
                }
                "gs" => {
                    if let Some(parameters) = name(0).and_then(|n| resources.graphics_state(n)) {
                        state.apply(parameters, document);
                    }
                }
                "Tr" => state.text.render_mode = arg(0) as i64,
                "Tz" => state.text.horizontal_scale = arg(0) / 100.0,
                "Ts" => state.text.rise = arg(0),
                "Tc" => state.text.char_spacing = arg(0),
                "Tw" => state.text.word_spacing = arg(0),
                "rg" => state.fill.set_device(Space::Rgb, args),
                "g" => state.fill.set_device(Space::Gray, args),
                "k" => state.fill.set_device(Space::Cmyk, args),
                "sc" | "scn" => state.fill.set_colour(args),
                "cs" => state
                    .fill
                    .set_space(name(0).map_or(Space::Unknown, |n| Space::named(resources, n))),
                "RG" => state.stroke.set_device(Space::Rgb, args),
                "G" => state.stroke.set_device(Space::Gray, args),
                "K" => state.stroke.set_device(Space::Cmyk, args),
                "SC" | "SCN" => state.stroke.set_colour(args),
                "CS" => state
                    .stroke
                    .set_space(name(0).map_or(Space::Unknown, |n| Space::named(resources, n))),
                "BMC" => marked.open(false),
                "BDC" => {
                    // `/OC /name BDC`: content of an optional content group.
                    let hidden = name(0) == Some(b"OC".as_slice())
                        && name(1)
                            .and_then(|n| resources.get(b"Properties", n))
                            .is_some_and(|group| self.page.layers.hides(document, group));
                    marked.open(hidden);
                }
                "EMC" => marked.close(),
                "Do" => {
                    let Some(name) = name(0) else {
                        continue;
                    };
                    let object = resources.get(b"XObject", name);
                    if object.is_some_and(|o| is_form(document, o)) {
                        if !marked.hidden() {
                            if let Some(object) = object {
                                self.form(object, resources, fonts, state, IDENTITY, depth)?;
                            }
                        }
                    } else {
                        image_cover(
                            resources,
                            name,
                            &state,
                            marked.hidden(),
                            n,
                            &mut self.filled,
                        );
                    }
                }
                "BI" => {
                    // An inline image: opaque unless it is a stencil mask.
                    let mask = args
                        .first()
                        .and_then(|o| o.as_stream().ok())
                        .is_some_and(|s| {
                            s.dict
                                .get(b"IM")
                                .or_else(|_| s.dict.get(b"ImageMask"))
                                .and_then(Object::as_bool)
                                .unwrap_or(false)
                        });
                    if !mask {
                        unit_square_cover(&state, marked.hidden(), n, &mut self.filled);
                    }
                }
                "sh" => {
                    if let Some(name) = name(0) {
                        shading_cover(
                            resources,
                            name,
                            &state,
                            self.page.page_box,
                            marked.hidden(),
                            n,
                            &mut self.filled,
                        );
                    }
                }
                "re" => {
                    let (x, y, w, h) = (arg(0), arg(1), arg(2), arg(3));
                    for (px, py) in [(x, y), (x + w, y + h)] {
                        path = Some(Rect::extend(path, transform(&state.ctm, px, py)));
                    }
                    rects.rectangle(&state.ctm, x, y, w, h);
                }
                "m" | "l" => {
                    let point = transform(&state.ctm, arg(0), arg(1));
                    path = Some(Rect::extend(path, point));
                    if op.operator == "m" {
                        rects.move_to(point);
                    } else {
                        rects.line_to(point);
                    }
                }
                "c" | "v" | "y" => {
                    for i in (0..args.len()).step_by(2) {
                        path = Some(Rect::extend(
                            path,
                            transform(&state.ctm, arg(i), arg(i + 1)),
                        ));
                    }
                    rects.other();
                }
                "W" | "W*" => clipping = true,
                "n" | "S" | "s" | "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" => {
                    let fills = match op.operator.as_str() {
                        "f" | "F" | "B" | "b" => Some(EvenOdd(false)),
                        "f*" | "B*" | "b*" => Some(EvenOdd(true)),
                        _ => None,
                    };
                    let stroked =
                        matches!(op.operator.as_str(), "S" | "s" | "B" | "B*" | "b" | "b*")
                            && state.strokes_visibly();
                    let painted = fills.is_some() && state.fills_visibly();
                    if (stroked || painted) && !marked.hidden() {
                        let hairline = stroked && !painted && state.strokes_hairline();
                        self.squares.painted(
                            rects.rectangles(),
                            path,
                            Painting {
                                stroked,
                                filled: painted,
                                hairline,
                                drawn: n,
                            },
                        );
                    }
                    rects.end(fills, &state, marked.hidden(), n, &mut self.filled);
                    if clipping {
                        // An empty path clips everything away.
                        let area = path.unwrap_or(Rect::EMPTY);
                        state.clip = Some(match state.clip {
                            Some(clip) => clip.intersect(&area),
                            None => area,
                        });
                    }
                    clipping = false;
                    path = None;
                }
                "BT" => {
                    tm = IDENTITY;
                    line_start = IDENTITY;
                }
                "Tf" => {
                    state.text.font = name(0).and_then(|name| fonts.get(name));
                    state.text.size = arg(1);
                }
                "TL" => state.text.leading = arg(0),
                "w" => {
                    let width = arg(0);
                    if width.is_finite() {
                        state.line_width = width;
                    }
                }
                "Tm" => {
                    tm = [arg(0), arg(1), arg(2), arg(3), arg(4), arg(5)];
                    line_start = tm;
                }
                "Td" | "TD" => {
                    if op.operator == "TD" {
                        state.text.leading = -arg(1);
                    }
                    line_start = multiply(&[1.0, 0.0, 0.0, 1.0, arg(0), arg(1)], &line_start);
                    tm = line_start;
                }
                "T*" => {
                    line_start =
                        multiply(&[1.0, 0.0, 0.0, 1.0, 0.0, -state.text.leading], &line_start);
                    tm = line_start;
                }
                "Tj" | "TJ" | "'" | "\"" => {
                    if op.operator == "\"" {
                        state.text.word_spacing = arg(0);
                        state.text.char_spacing = arg(1);
                    }
                    if op.operator != "Tj" && op.operator != "TJ" {
                        line_start =
                            multiply(&[1.0, 0.0, 0.0, 1.0, 0.0, -state.text.leading], &line_start);
                        tm = line_start;
                    }
                    let Some(font) = state.text.font else {
                        continue;
                    };
                    let items: Vec<&Object> = match op.operator.as_str() {
                        "TJ" => args
                            .first()
                            .and_then(|a| a.as_array().ok())
                            .map(|a| a.iter().collect())
                            .unwrap_or_default(),
                        "\"" => args.get(2).into_iter().collect(),
                        _ => args.first().into_iter().collect(),
                    };
                    let text = &state.text;
                    let size = text.size;
                    // Each string is drawn where the text matrix stands, and
                    // moves it on by its width; a number moves it back or on.
                    // A large move apart (a gap the PDF leaves instead of
                    // spaces: between a tick box and its option, say) starts
                    // a piece of its own where it is drawn.
                    let mut piece: Option<Piece> = None;
                    for (i, item) in items.into_iter().enumerate() {
                        if (i + 1).is_multiple_of(CHECK_EVERY) {
                            self.budget.check_time()?;
                        }
                        match item {
                            Object::String(bytes, _) => {
                                // Each glyph is placed with the spacing
                                // (`Tc`, `Tw`) and scaling (`Tz`) after the
                                // one before: runs of glyphs off the page
                                // or clipped away are dropped, the rest
                                // read as pieces of their own.
                                let start_tm = tm;
                                let translated = |offset: f32| {
                                    multiply(&[1.0, 0.0, 0.0, 1.0, offset, 0.0], &start_tm)
                                };
                                let placed = |offset: f32| {
                                    let at = multiply(&translated(offset), &state.ctm);
                                    let (x, y) =
                                        (at[4] + text.rise * at[2], at[5] + text.rise * at[3]);
                                    self.page.page_box.is_none_or(|b| b.contains(x, y))
                                        && state.clip.is_none_or(|c| c.contains(x, y))
                                };
                                let spaced = text.char_spacing != 0.0 || text.word_spacing != 0.0;
                                let mut runs: Vec<(std::ops::Range<usize>, f32, f32, bool)> =
                                    Vec::new();
                                for (range, from, to) in font.glyphs(bytes, text) {
                                    let shown =
                                        placed(from) && (!font.composite || !spaced || placed(to));
                                    match runs.last_mut() {
                                        Some(run) if run.3 == shown => {
                                            run.0.end = range.end;
                                            run.2 = to;
                                        }
                                        _ => runs.push((range, from, to, shown)),
                                    }
                                }
                                let total = runs.last().map_or(0.0, |run| run.2);
                                for (range, from, to, shown) in runs {
                                    if !shown {
                                        self.pieces.extend(
                                            piece.take().filter(|p| !p.text.trim().is_empty()),
                                        );
                                        continue;
                                    }
                                    let run_bytes = &bytes[range];
                                    let decoded = font.decode(run_bytes);
                                    if font.misleading && decoded.chars().any(char::is_alphabetic) {
                                        return Err(DocumentError::PdfMisleadingFont);
                                    }
                                    let tm = translated(from);
                                    let at = multiply(&tm, &state.ctm);
                                    let scale = (at[0] * at[0] + at[1] * at[1]).sqrt().max(0.01);
                                    let height = (at[2] * at[2] + at[3] * at[3]).sqrt();
                                    let advance = to - from;
                                    let tm = multiply(&[1.0, 0.0, 0.0, 1.0, advance, 0.0], &tm);
                                    let end = at[4] + advance * scale;
                                    // Where the glyphs are drawn: raised off the
                                    // baseline by the rise.
                                    let risen = |m: &Matrix| {
                                        (m[4] + text.rise * m[2], m[5] + text.rise * m[3])
                                    };
                                    let (x, y) = risen(&at);
                                    // The glyphs' box: from the start to the end
                                    // of the string, a little below the baseline
                                    // to most of the size above it.
                                    let after = risen(&multiply(&tm, &state.ctm));
                                    let (up_x, up_y) = (at[2] * size, at[3] * size);
                                    let mut glyphs = None;
                                    for (px, py) in [(x, y), after] {
                                        for lift in [-0.2, 0.7] {
                                            glyphs = Some(Rect::extend(
                                                glyphs,
                                                (px + up_x * lift, py + up_y * lift),
                                            ));
                                        }
                                    }
                                    let glyphs = glyphs.unwrap_or(Rect::EMPTY);
                                    // Text a reader cannot see (invisible, in the
                                    // colour of what is under it, transparent,
                                    // off the page, clipped away, a speck, in a
                                    // layer switched off) is no answer: it ends
                                    // the piece and is dropped.
                                    let unsqueezed =
                                        (size * scale).abs().min((size * height).abs());
                                    let shown = unsqueezed
                                        .min((size * scale * text.horizontal_scale).abs());
                                    if marked.hidden()
                                        || !shown.is_finite()
                                        || shown < MIN_VISIBLE_SIZE
                                        || !self.page.page_box.is_none_or(|b| b.contains(x, y))
                                        || !state.clip.is_none_or(|c| c.contains(x, y))
                                        || !state.paints_text_on(self.filled.beneath.under(&glyphs))
                                    {
                                        self.pieces.extend(
                                            piece.take().filter(|p| !p.text.trim().is_empty()),
                                        );
                                        continue;
                                    }
                                    let area = match piece.as_ref() {
                                        Some(p) => Rect::union(&p.area, &glyphs),
                                        None => glyphs,
                                    };
                                    let font_size = unsqueezed.max(1.0);
                                    match piece.as_mut() {
                                        Some(p) => {
                                            p.text.push_str(&decoded);
                                            p.end = end;
                                            p.area = area;
                                        }
                                        None => {
                                            piece = Some(Piece {
                                                x: at[4],
                                                y: at[5],
                                                end,
                                                size: font_size,
                                                text: decoded,
                                                area,
                                                drawn: n,
                                            })
                                        }
                                    }
                                }
                                tm = translated(total);
                            }
                            other => {
                                let moved = number(other);
                                tm = multiply(
                                    &[
                                        1.0,
                                        0.0,
                                        0.0,
                                        1.0,
                                        -moved / 1000.0 * size * text.horizontal_scale,
                                        0.0,
                                    ],
                                    &tm,
                                );
                                if moved < -200.0 {
                                    self.pieces
                                        .extend(piece.take().filter(|p| !p.text.trim().is_empty()));
                                }
                            }
                        }
                    }
                    self.pieces
                        .extend(piece.filter(|p| !p.text.trim().is_empty()));
                }
                _ => {}
            }
        }
        Ok(())
    }
}
