//! PDF: the fields of a fillable form (AcroForm), then the text layer.
//! A field reads as `label<TAB>value`, its label the tooltip (`/TU`) or
//! else its name (`/T`); a check box as `Yes` when on (`/Yes`, `/On`, or
//! its own export value), unanswered when `/Off`, by the state it is shown
//! in (`/AS`); a field whose value and what it shows differ is
//! unreadable (see `shown_value`). Fields come first so
//! that they answer what the page leaves blank; where a field and the page
//! say who the person is or whether they agreed differently, neither is
//! taken (see `settle`). Only what a reader sees is read: hidden fields and
//! invisible, white, off-page, clipped or tiny text are not. The text layer is laid out from where each piece
//! of text is drawn: pieces on one baseline make a line, pieces far apart
//! on it are cells (`label<TAB>value`), as a table's are.

use super::{Budget, DocumentError};
use crate::core::field::Field;
use crate::core::field::Label;
use crate::core::form::{read_form, CELL_SEPARATOR, UNREADABLE};
use lopdf::{decode_text_string, Dictionary, Document, Encoding, LoadOptions, Object, ObjectId};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

mod content;
mod layout;
mod load;

use layout::lay_out;
use load::{load, pre_scan};

/// AcroForm fields nest in `/Kids`; deeper than this is no real form.
const MAX_FIELD_DEPTH: usize = 16;
/// Fields of one form: a referral form has about forty.
const MAX_FIELDS: usize = 2000;

pub(super) fn read(bytes: &[u8], budget: &Budget) -> Result<String, DocumentError> {
    if !bytes.starts_with(b"%PDF")
        && !bytes[..bytes.len().min(1024)]
            .windows(4)
            .any(|w| w == b"%PDF")
    {
        return Err(DocumentError::Malformed("not a PDF".into()));
    }
    let streams = pre_scan(bytes, budget)?;
    let document = load(bytes, budget, streams)?;
    if document.is_encrypted() && document.authenticate_raw_user_password(b"").is_err() {
        return Err(DocumentError::Encrypted);
    }
    budget.check_time()?;
    let pages = document.get_pages();
    if pages.len() > budget.limits.max_pdf_pages {
        return Err(DocumentError::TooManyPages {
            pages: pages.len(),
            limit: budget.limits.max_pdf_pages,
        });
    }
    let mut fields = String::new();
    read_fields(&document, &mut fields, budget)?;
    let mut out = String::new();
    let mut page_text = false;
    // A page past a budget (its content too large to decompress) is not
    // read; when nothing else is, that budget is why, not "no text".
    let mut over_budget: Option<DocumentError> = None;
    let mut contents = Contents::default();
    for &page in pages.values() {
        budget.check_time()?;
        // A page that cannot be read spoils neither the fields nor the
        // other pages.
        match page_lines(&document, page, budget, &mut contents) {
            Ok(lines) => {
                page_text |= lines.iter().any(|l| !l.trim().is_empty());
                for line in lines.iter() {
                    out.push_str(line);
                    out.push('\n');
                }
            }
            Err(e @ DocumentError::TimedOut(_)) => return Err(e),
            Err(e @ DocumentError::PdfContent { .. }) => {
                over_budget.get_or_insert(e);
            }
            Err(_) => {}
        }
        budget.check_text(&out)?;
    }
    let out = settle(&fields, &out);
    if out.trim().is_empty() {
        return Err(match over_budget {
            Some(e) => e,
            None if page_text => DocumentError::Malformed("its text cannot be decoded".into()),
            None => DocumentError::NoText,
        });
    }
    Ok(out)
}

/// What the form's fields say who the person is or whether they agreed:
/// where a visible field and the page's text answer one of these
/// differently, neither is taken.
const SETTLED_BY_BOTH: [Field; 5] = [
    Field::FullName,
    Field::DateOfBirth,
    Field::PrisonNumber,
    Field::Crn,
    Field::Consent,
];

/// The document's text: its fields' lines, then its pages'. An answer the
/// fields and the page text give differently (a field saying consent Yes
/// over a page printed No) comes first as unreadable, so that neither is
/// taken and it is asked again.
fn settle(fields: &str, pages: &str) -> String {
    let mut out = String::new();
    if !fields.is_empty() && !pages.trim().is_empty() {
        let in_fields = read_form(fields);
        let on_pages = read_form(pages);
        for field in SETTLED_BY_BOTH {
            let (Some(a), Some(b)) = (in_fields.values.get(&field), on_pages.values.get(&field))
            else {
                continue;
            };
            // A label printed where the answer should be is no answer.
            if Label::from_text(b.trim().trim_end_matches(':')).is_some() {
                continue;
            }
            if !same_answer(field, a, b) {
                out.push_str(field.label());
                out.push(CELL_SEPARATOR);
                out.push(UNREADABLE);
                out.push('\n');
            }
        }
    }
    out.push_str(fields);
    out.push_str(pages);
    out
}

/// Two answers alike but for case, spacing and punctuation; a consent by
/// its yes or no alone.
fn same_answer(field: Field, a: &str, b: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let (a, b) = (words(a), words(b));
    if field == Field::Consent {
        let yes_no = |w: &[String]| {
            w.iter().find_map(|w| match w.as_str() {
                "yes" | "y" => Some(true),
                "no" | "n" => Some(false),
                _ => None,
            })
        };
        return match (yes_no(&a), yes_no(&b)) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        };
    }
    a == b
}

/// What the document's pages have decoded so far: each content stream is
/// decompressed once, and a page drawn from the same streams with the
/// same fonts as one read before reads as it did (a hostile PDF gives
/// every page one enormous stream), all against one budget.
#[derive(Default)]
struct Contents {
    /// Decompressed bytes of the streams decoded so far.
    decoded: usize,
    /// Lines of the pages read (or why they could not be), by their
    /// streams and fonts.
    pages: Vec<(PageKey, PageRead)>,
}

type PageRead = Result<Rc<Vec<String>>, DocumentError>;

/// A page's content streams and the fonts they are drawn with (by where
/// their dictionaries are: the same objects of one document).
#[derive(PartialEq, Eq)]
struct PageKey {
    streams: Vec<ObjectId>,
    fonts: Vec<(Vec<u8>, usize)>,
}

/// The AcroForm's fields, as `label<TAB>value` lines.
fn read_fields(
    document: &Document,
    out: &mut String,
    budget: &Budget,
) -> Result<(), DocumentError> {
    let Ok(catalog) = document.catalog() else {
        return Ok(());
    };
    let Some(form) = catalog
        .get(b"AcroForm")
        .ok()
        .and_then(|o| deref(document, o).as_dict().ok())
    else {
        return Ok(());
    };
    let Some(fields) = form
        .get(b"Fields")
        .ok()
        .and_then(|o| deref(document, o).as_array().ok())
    else {
        return Ok(());
    };
    // Viewers draw every field afresh from its value when the form asks
    // them to; else they show the appearance the field carries.
    let need_appearances = form
        .get(b"NeedAppearances")
        .ok()
        .and_then(|o| deref(document, o).as_bool().ok())
        .unwrap_or(false);
    let placed = placed_widgets(document);
    let mut seen = HashSet::new();
    let mut count = 0usize;
    let mut stack: Vec<(&Object, usize, Inherited)> = fields
        .iter()
        .rev()
        .map(|f| (f, 0, Inherited::default()))
        .collect();
    while let Some((object, depth, inherited)) = stack.pop() {
        count += 1;
        if count > MAX_FIELDS || depth > MAX_FIELD_DEPTH {
            break;
        }
        if let Object::Reference(id) = object {
            if !seen.insert(*id) {
                continue;
            }
        }
        let Ok(field) = deref(document, object).as_dict() else {
            continue;
        };
        let here = Inherited::of(document, field, &inherited);
        if let Ok(kids) = field.get(b"Kids").and_then(Object::as_array) {
            // Kids that are widgets only (no `/T`) are the field's own.
            let named_kids: Vec<&Object> = kids
                .iter()
                .filter(|k| {
                    deref(document, k)
                        .as_dict()
                        .is_ok_and(|d| d.get(b"T").is_ok())
                })
                .collect();
            if !named_kids.is_empty() {
                for kid in named_kids.into_iter().rev() {
                    stack.push((kid, depth + 1, here.clone()));
                }
                continue;
            }
        }
        // A field nobody can see (hidden, or a box a point wide) is not
        // what the form shows its reader: never an answer.
        if is_hidden(document, object, field, &placed) {
            continue;
        }
        let answer = shown_value(document, field, &here, need_appearances, budget);
        if let (Some(label), Some(value)) = (here.label.as_deref(), answer) {
            let label = field_label(label);
            if !label.is_empty() {
                out.push_str(&label);
                out.push(CELL_SEPARATOR);
                out.push_str(&value);
                out.push('\n');
            }
        }
        budget.check_time()?;
    }
    Ok(())
}

/// Where each widget a page shows is: the annotations of every page (by
/// their object), with the part of that page a reader sees.
fn placed_widgets(document: &Document) -> BTreeMap<ObjectId, Option<Rect>> {
    let mut placed = BTreeMap::new();
    for &page in document.get_pages().values() {
        let Ok(dict) = document.get_dictionary(page) else {
            continue;
        };
        let Some(annots) = dict
            .get(b"Annots")
            .ok()
            .and_then(|a| deref(document, a).as_array().ok())
        else {
            continue;
        };
        let shown = visible_box(document, page);
        for annot in annots.iter().take(MAX_FIELDS) {
            if let Object::Reference(id) = annot {
                placed.insert(*id, shown);
            }
        }
    }
    placed
}

/// Whether a field's widgets are all out of sight: the Hidden or NoView
/// flag, a rectangle under two points wide or high or off its page, no
/// rectangle at all, or a widget no page lists among its annotations.
fn is_hidden(
    document: &Document,
    object: &Object,
    field: &Dictionary,
    placed: &BTreeMap<ObjectId, Option<Rect>>,
) -> bool {
    let widget_shown = |reference: Option<ObjectId>, widget: &Dictionary| {
        let flags = widget
            .get(b"F")
            .ok()
            .and_then(|f| f.as_i64().ok())
            .unwrap_or(0);
        let Some(page) = reference.and_then(|id| placed.get(&id)) else {
            return false;
        };
        let Some(rect) = widget.get(b"Rect").ok().and_then(|r| Rect::of(document, r)) else {
            return false;
        };
        let on_page = page.is_none_or(|page| {
            let seen = page.intersect(&rect);
            seen.right - seen.left >= 2.0 && seen.top - seen.bottom >= 2.0
        });
        flags & (2 | 32) == 0
            && rect.right - rect.left >= 2.0
            && rect.top - rect.bottom >= 2.0
            && on_page
    };
    let reference = |o: &Object| match o {
        Object::Reference(id) => Some(*id),
        _ => None,
    };
    let widgets: Vec<(Option<ObjectId>, &Dictionary)> =
        match field.get(b"Kids").and_then(Object::as_array) {
            Ok(kids) => kids
                .iter()
                .filter_map(|k| Some((reference(k), deref(document, k).as_dict().ok()?)))
                .collect(),
            Err(_) => vec![(reference(object), field)],
        };
    !widgets.iter().any(|(id, w)| widget_shown(*id, w))
}

/// What a field takes from its parents.
#[derive(Clone, Default)]
struct Inherited {
    label: Option<String>,
    kind: Option<Vec<u8>>,
    value: Option<Object>,
}

impl Inherited {
    fn of(document: &Document, field: &Dictionary, parent: &Inherited) -> Inherited {
        let text = |key: &[u8]| {
            field
                .get(key)
                .ok()
                .and_then(|o| decode_text_string(deref(document, o)).ok())
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        Inherited {
            label: text(b"TU")
                .or_else(|| text(b"T"))
                .or_else(|| parent.label.clone()),
            kind: field
                .get(b"FT")
                .ok()
                .and_then(|o| o.as_name().ok())
                .map(<[u8]>::to_vec)
                .or_else(|| parent.kind.clone()),
            value: field
                .get(b"V")
                .ok()
                .map(|o| deref(document, o).clone())
                .or_else(|| parent.value.clone()),
        }
    }
}

/// A field's name as a label: `date_of_birth` and `Date of birth` alike.
fn field_label(name: &str) -> String {
    name.replace(['_'], " ").trim().to_string()
}

/// A check box's or radio button's state as an answer: a lone box's
/// export value is its "on"; a radio group's names the option chosen.
fn state_answer(state: &[u8]) -> Option<String> {
    if state == b"Off" {
        return None;
    }
    let state = String::from_utf8_lossy(state).into_owned();
    Some(match state.to_ascii_lowercase().as_str() {
        "on" | "yes" | "1" | "true" => "Yes".to_string(),
        _ => state.replace('#', " "),
    })
}

/// What an appearance stream may decompress to, to be read for its text.
const MAX_APPEARANCE_BYTES: usize = 64 * 1024;

/// A field's answer as its reader sees it. A check box or radio button
/// shows its widgets' appearance state (`/AS`), whatever its value (`/V`)
/// says: when the two differ (a box whose value is Yes drawn empty), the
/// answer is unreadable. A text field whose appearance draws other text
/// than its value (unless the form asks viewers to draw it afresh) is
/// unreadable too; an appearance whose text cannot be told (a font of
/// glyph numbers, no text drawn) leaves the value as it is.
fn shown_value(
    document: &Document,
    field: &Dictionary,
    here: &Inherited,
    need_appearances: bool,
    budget: &Budget,
) -> Option<String> {
    let value = field_value(here);
    let widgets: Vec<&Dictionary> = match field.get(b"Kids").and_then(Object::as_array) {
        Ok(kids) => kids
            .iter()
            .filter_map(|k| deref(document, k).as_dict().ok())
            .collect(),
        Err(_) => vec![field],
    };
    let unreadable = || Some(UNREADABLE.to_string());
    match here.kind.as_deref() {
        Some(b"Btn") => {
            let states: Vec<&[u8]> = widgets
                .iter()
                .filter_map(|w| w.get(b"AS").and_then(Object::as_name).ok())
                .collect();
            if states.is_empty() {
                return value;
            }
            let mut on: Vec<String> = states.iter().filter_map(|s| state_answer(s)).collect();
            on.dedup();
            let shown = match on.as_slice() {
                [] => None,
                [one] => Some(one.clone()),
                _ => return unreadable(),
            };
            match (value, shown) {
                (None, None) => None,
                (Some(v), Some(s)) if v == s => Some(v),
                // No value at all: what it shows is the answer.
                (None, Some(s)) if here.value.is_none() => Some(s),
                _ => unreadable(),
            }
        }
        Some(b"Tx") if !need_appearances => {
            let value = value?;
            let drawn = widgets
                .iter()
                .find_map(|w| appearance_text(document, w, budget));
            match drawn {
                Some(drawn) if letters(&drawn) != letters(&value) => unreadable(),
                _ => Some(value),
            }
        }
        _ => value,
    }
}

/// A text's letters and digits alone, in lower case: a value and the
/// text drawn for it, wrapped or spaced out in a comb field, alike.
fn letters(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The text a widget's normal appearance (`/AP /N`) draws, when it is
/// plain text that can be told without its fonts: printable ASCII with
/// at least one letter or digit.
fn appearance_text(document: &Document, widget: &Dictionary, budget: &Budget) -> Option<String> {
    let appearances = deref(document, widget.get(b"AP").ok()?).as_dict().ok()?;
    let normal = deref(document, appearances.get(b"N").ok()?);
    let stream = normal.as_stream().ok()?;
    let data = stream
        .decompressed_content_with_limit(MAX_APPEARANCE_BYTES)
        .ok()?;
    let operations = content::operations_within(&data, budget).ok()?;
    let mut text: Vec<u8> = Vec::new();
    for op in &operations {
        let strings: Vec<&Object> = match op.operator.as_str() {
            "Tj" | "'" => op.operands.first().into_iter().collect(),
            "\"" => op.operands.get(2).into_iter().collect(),
            "TJ" => op
                .operands
                .first()
                .and_then(|a| a.as_array().ok())
                .map(|a| a.iter().collect())
                .unwrap_or_default(),
            _ => continue,
        };
        for s in strings {
            if let Object::String(bytes, _) = s {
                text.extend_from_slice(bytes);
                text.push(b' ');
            }
        }
    }
    (text.iter().all(|b| (0x20..0x7f).contains(b)) && text.iter().any(u8::is_ascii_alphanumeric))
        .then(|| String::from_utf8_lossy(&text).into_owned())
}

fn field_value(inherited: &Inherited) -> Option<String> {
    let value = inherited.value.as_ref()?;
    match inherited.kind.as_deref() {
        Some(b"Btn") => state_answer(value.as_name().ok()?),
        _ => match value {
            Object::String(..) => decode_text_string(value)
                .ok()
                .map(|s| s.replace('\r', "\n"))
                .map(|s| s.lines().map(str::trim).collect::<Vec<_>>().join(" "))
                .filter(|s| !s.trim().is_empty()),
            Object::Name(name) => Some(String::from_utf8_lossy(name).into_owned()),
            Object::Array(items) => {
                let chosen: Vec<String> = items
                    .iter()
                    .filter_map(|i| decode_text_string(i).ok())
                    .collect();
                (!chosen.is_empty()).then(|| chosen.join(", "))
            }
            _ => None,
        },
    }
}

fn deref<'a>(document: &'a Document, object: &'a Object) -> &'a Object {
    document
        .dereference(object)
        .map(|(_, o)| o)
        .unwrap_or(object)
}

/// A font as the text layer is read with it: how its codes decode, and
/// how wide its glyphs are when it says.
struct Font<'a> {
    encoding: Encoding<'a>,
    widths: Option<Widths>,
}

impl Font<'_> {
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
struct Piece {
    x: f32,
    y: f32,
    /// Where it ends, roughly: fonts' widths are not read.
    end: f32,
    size: f32,
    text: String,
}

type Matrix = [f32; 6];
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

fn multiply(a: &Matrix, b: &Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

fn number(o: &Object) -> f32 {
    match o {
        Object::Integer(i) => *i as f32,
        Object::Real(r) => *r,
        _ => 0.0,
    }
}

/// A page's text as lines, top to bottom.
fn page_lines(
    document: &Document,
    page: ObjectId,
    budget: &Budget,
    contents: &mut Contents,
) -> PageRead {
    let malformed =
        |e: lopdf::Error| DocumentError::Malformed(format!("a page cannot be read ({e})"));
    let fonts = document.get_page_fonts(page).map_err(malformed)?;
    let key = PageKey {
        streams: document.get_page_contents(page),
        fonts: fonts
            .iter()
            .map(|(name, font)| (name.clone(), std::ptr::from_ref(*font) as usize))
            .collect(),
    };
    if let Some((_, read)) = contents.pages.iter().find(|(k, _)| *k == key) {
        return read.clone();
    }
    let read = decode_page(document, page, fonts, budget, contents);
    if !matches!(read, Err(DocumentError::TimedOut(_))) {
        contents.pages.push((key, read.clone()));
    }
    read
}

fn decode_page(
    document: &Document,
    page: ObjectId,
    fonts: BTreeMap<Vec<u8>, &Dictionary>,
    budget: &Budget,
    contents: &mut Contents,
) -> PageRead {
    let malformed =
        |e: lopdf::Error| DocumentError::Malformed(format!("a page cannot be read ({e})"));
    let limit = budget.limits.max_pdf_page_content_bytes;
    let encodings: BTreeMap<Vec<u8>, Font> = fonts
        .into_iter()
        .filter_map(|(name, font)| {
            Some((
                name,
                Font {
                    encoding: font.get_font_encoding_with_limit(document, limit).ok()?,
                    widths: Widths::of(document, font),
                },
            ))
        })
        .collect();
    // Within the page's budget and what is left of the document's.
    let left = budget
        .limits
        .max_pdf_content_bytes
        .saturating_sub(contents.decoded);
    let over = |limit: usize| DocumentError::PdfContent { limit };
    let data = match document.get_page_content_with_limit(page, limit.min(left)) {
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
    let mut pieces: Vec<Piece> = Vec::new();
    let page_box = visible_box(document, page);
    let mut state = Graphics::default();
    let mut saved: Vec<Graphics> = Vec::new();
    // The current path's extent, for a clip made from it.
    let mut path: Option<Rect> = None;
    let mut clipping = false;
    let mut tm = IDENTITY;
    let mut line_start = IDENTITY;
    let mut leading = 0.0f32;
    let mut font: Option<&Font> = None;
    let mut size = 12.0f32;
    for (n, op) in operations.iter().enumerate() {
        if n % 4096 == 0 {
            budget.check_time()?;
        }
        let args = &op.operands;
        let arg = |i: usize| args.get(i).map(number).unwrap_or(0.0);
        match op.operator.as_str() {
            "q" if saved.len() < 64 => saved.push(state),
            "Q" => state = saved.pop().unwrap_or_default(),
            "cm" => {
                state.ctm = multiply(
                    &[arg(0), arg(1), arg(2), arg(3), arg(4), arg(5)],
                    &state.ctm,
                )
            }
            "Tr" => state.render_mode = arg(0) as i64,
            "rg" => state.white_fill = is_white(&[arg(0), arg(1), arg(2)]),
            "g" => state.white_fill = is_white(&[arg(0)]),
            "k" => state.white_fill = is_white_cmyk(args.len(), &arg),
            "sc" | "scn" => state.white_fill = is_white_components(args, &arg),
            "cs" => state.white_fill = false,
            "RG" => state.white_stroke = is_white(&[arg(0), arg(1), arg(2)]),
            "G" => state.white_stroke = is_white(&[arg(0)]),
            "K" => state.white_stroke = is_white_cmyk(args.len(), &arg),
            "SC" | "SCN" => state.white_stroke = is_white_components(args, &arg),
            "CS" => state.white_stroke = false,
            "re" => {
                let (x, y, w, h) = (arg(0), arg(1), arg(2), arg(3));
                for (px, py) in [(x, y), (x + w, y + h)] {
                    path = Some(Rect::extend(path, transform(&state.ctm, px, py)));
                }
            }
            "m" | "l" => {
                path = Some(Rect::extend(path, transform(&state.ctm, arg(0), arg(1))));
            }
            "c" | "v" | "y" => {
                for i in (0..args.len()).step_by(2) {
                    path = Some(Rect::extend(
                        path,
                        transform(&state.ctm, arg(i), arg(i + 1)),
                    ));
                }
            }
            "W" | "W*" => clipping = true,
            "n" | "S" | "s" | "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" => {
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
                font = args
                    .first()
                    .and_then(|o| o.as_name().ok())
                    .and_then(|name| encodings.get(name));
                size = arg(1);
            }
            "TL" => leading = arg(0),
            "Tm" => {
                tm = [arg(0), arg(1), arg(2), arg(3), arg(4), arg(5)];
                line_start = tm;
            }
            "Td" | "TD" => {
                if op.operator == "TD" {
                    leading = -arg(1);
                }
                line_start = multiply(&[1.0, 0.0, 0.0, 1.0, arg(0), arg(1)], &line_start);
                tm = line_start;
            }
            "T*" => {
                line_start = multiply(&[1.0, 0.0, 0.0, 1.0, 0.0, -leading], &line_start);
                tm = line_start;
            }
            "Tj" | "TJ" | "'" | "\"" => {
                if op.operator != "Tj" && op.operator != "TJ" {
                    line_start = multiply(&[1.0, 0.0, 0.0, 1.0, 0.0, -leading], &line_start);
                    tm = line_start;
                }
                let Some(font) = font else { continue };
                let items: Vec<&Object> = match op.operator.as_str() {
                    "TJ" => args
                        .first()
                        .and_then(|a| a.as_array().ok())
                        .map(|a| a.iter().collect())
                        .unwrap_or_default(),
                    "\"" => args.get(2).into_iter().collect(),
                    _ => args.first().into_iter().collect(),
                };
                // Each string is drawn where the text matrix stands, and
                // moves it on by its width; a number moves it back or on.
                // A large move apart (a gap the PDF leaves instead of
                // spaces: between a tick box and its option, say) starts
                // a piece of its own where it is drawn.
                let mut piece: Option<Piece> = None;
                for item in items {
                    match item {
                        Object::String(bytes, _) => {
                            let text =
                                Document::decode_text(&font.encoding, bytes).unwrap_or_default();
                            let at = multiply(&tm, &state.ctm);
                            let scale = (at[0] * at[0] + at[1] * at[1]).sqrt().max(0.01);
                            let height = (at[2] * at[2] + at[3] * at[3]).sqrt();
                            let advance = font.width(bytes, &text) * size;
                            tm = multiply(&[1.0, 0.0, 0.0, 1.0, advance, 0.0], &tm);
                            let end = at[4] + advance * scale;
                            // Text a reader cannot see (invisible, white,
                            // off the page, clipped away, a speck) is no
                            // answer: it ends the piece and is dropped.
                            let shown = (size * scale).abs().min((size * height).abs());
                            if !state.paints_text()
                                || !shown.is_finite()
                                || shown < MIN_VISIBLE_SIZE
                                || !page_box.is_none_or(|b| b.contains(at[4], at[5]))
                                || !state.clip.is_none_or(|c| c.contains(at[4], at[5]))
                            {
                                pieces.extend(piece.take().filter(|p| !p.text.trim().is_empty()));
                                continue;
                            }
                            let font_size = shown.max(1.0);
                            match piece.as_mut() {
                                Some(p) => {
                                    p.text.push_str(&text);
                                    p.end = end;
                                }
                                None => {
                                    piece = Some(Piece {
                                        x: at[4],
                                        y: at[5],
                                        end,
                                        size: font_size,
                                        text,
                                    })
                                }
                            }
                        }
                        other => {
                            let n = number(other);
                            tm = multiply(&[1.0, 0.0, 0.0, 1.0, -n / 1000.0 * size, 0.0], &tm);
                            if n < -200.0 {
                                pieces.extend(piece.take().filter(|p| !p.text.trim().is_empty()));
                            }
                        }
                    }
                }
                pieces.extend(piece.filter(|p| !p.text.trim().is_empty()));
            }
            _ => {}
        }
    }
    Ok(Rc::new(lay_out(pieces, budget)?))
}

/// Text drawn smaller than this (in points, once every matrix is applied)
/// is a speck to a reader, not words.
const MIN_VISIBLE_SIZE: f32 = 1.0;

/// What of the graphics state decides whether text is seen.
#[derive(Clone, Copy)]
struct Graphics {
    ctm: Matrix,
    /// `Tr`: 3 draws nothing, 7 only clips.
    render_mode: i64,
    white_fill: bool,
    white_stroke: bool,
    /// The clipping area, in page space, when one is set.
    clip: Option<Rect>,
}

impl Default for Graphics {
    fn default() -> Graphics {
        Graphics {
            ctm: IDENTITY,
            render_mode: 0,
            white_fill: false,
            white_stroke: false,
            clip: None,
        }
    }
}

impl Graphics {
    /// Whether text drawn now leaves a mark a reader sees on a white page.
    fn paints_text(&self) -> bool {
        match self.render_mode {
            0 | 4 => !self.white_fill,
            1 | 5 => !self.white_stroke,
            2 | 6 => !(self.white_fill && self.white_stroke),
            _ => false,
        }
    }
}

/// A colour's components (grey or RGB) all near full: white.
fn is_white(components: &[f32]) -> bool {
    components.iter().all(|c| *c >= 0.97)
}

fn is_white_cmyk(count: usize, arg: &dyn Fn(usize) -> f32) -> bool {
    count == 4 && (0..4).all(|i| arg(i) <= 0.03)
}

/// `sc`/`scn`: grey, RGB or CMYK by the number of components (a pattern
/// name is not a colour known to be white).
fn is_white_components(args: &[Object], arg: &dyn Fn(usize) -> f32) -> bool {
    if args.iter().any(|a| a.as_name().is_ok()) {
        return false;
    }
    match args.len() {
        1 => is_white(&[arg(0)]),
        3 => is_white(&[arg(0), arg(1), arg(2)]),
        4 => is_white_cmyk(4, arg),
        _ => false,
    }
}

fn transform(m: &Matrix, x: f32, y: f32) -> (f32, f32) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

/// An upright rectangle in page space.
#[derive(Clone, Copy, Debug)]
struct Rect {
    left: f32,
    bottom: f32,
    right: f32,
    top: f32,
}

impl Rect {
    const EMPTY: Rect = Rect {
        left: 0.0,
        bottom: 0.0,
        right: 0.0,
        top: 0.0,
    };

    fn extend(rect: Option<Rect>, (x, y): (f32, f32)) -> Rect {
        match rect {
            Some(r) => Rect {
                left: r.left.min(x),
                bottom: r.bottom.min(y),
                right: r.right.max(x),
                top: r.top.max(y),
            },
            None => Rect {
                left: x,
                bottom: y,
                right: x,
                top: y,
            },
        }
    }

    fn intersect(&self, other: &Rect) -> Rect {
        Rect {
            left: self.left.max(other.left),
            bottom: self.bottom.max(other.bottom),
            right: self.right.min(other.right),
            top: self.top.min(other.top),
        }
    }

    /// Whether text starting at a point shows: an area with no width or
    /// height shows nothing; a point on its edge (a point's slack) shows.
    fn contains(&self, x: f32, y: f32) -> bool {
        const SLACK: f32 = 1.0;
        self.right - self.left >= SLACK
            && self.top - self.bottom >= SLACK
            && x >= self.left - SLACK
            && x <= self.right + SLACK
            && y >= self.bottom - SLACK
            && y <= self.top + SLACK
    }

    fn of(document: &Document, object: &Object) -> Option<Rect> {
        let numbers = deref(document, object).as_array().ok()?;
        let n: Vec<f32> = numbers.iter().map(|v| number(deref(document, v))).collect();
        (n.len() == 4 && n.iter().all(|v| v.is_finite())).then(|| Rect {
            left: n[0].min(n[2]),
            bottom: n[1].min(n[3]),
            right: n[0].max(n[2]),
            top: n[1].max(n[3]),
        })
    }
}

/// The part of a page a reader sees: its MediaBox, cut to its CropBox,
/// each inherited from the page tree when the page has none.
fn visible_box(document: &Document, page: ObjectId) -> Option<Rect> {
    let inherited = |key: &[u8]| {
        let mut id = page;
        for _ in 0..MAX_FIELD_DEPTH {
            let dict = document.get_dictionary(id).ok()?;
            if let Ok(value) = dict.get(key) {
                return Rect::of(document, value);
            }
            id = dict.get(b"Parent").and_then(Object::as_reference).ok()?;
        }
        None
    };
    match (inherited(b"MediaBox"), inherited(b"CropBox")) {
        (Some(media), Some(crop)) => Some(media.intersect(&crop)),
        (media, crop) => media.or(crop),
    }
}
