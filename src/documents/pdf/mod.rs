//! PDF: the fields of a fillable form (AcroForm), then the text layer.
//! A field reads as `label<TAB>value`, its label the tooltip (`/TU`) or
//! else its name (`/T`): an identifier's words (`DateOfBirth`), or for a
//! name a form tool gave by default (`Text1`) the label printed beside
//! its box (see `field_names`); a check box as `Yes` when on (`/Yes`, `/On`, or
//! its own export value), unanswered when `/Off`, by the state it is shown
//! in (`/AS`), off when the appearance of that state draws no mark; a
//! field whose value and what it shows differ is
//! unreadable (see `shown_value`). Fields come first so
//! that they answer what the page leaves blank; where a field and the page
//! say who the person is or whether they agreed differently, neither is
//! taken (see `settle`). Only what a reader sees is read (see `sight`):
//! not hidden fields, nor fields in a layer switched off, nor a value
//! drawn white, under a point high or by an appearance drawing no text
//! (see `value_unseen`); not text that
//! is invisible (`Tr` 3 or 7), in the colour of what it is drawn on (the
//! topmost rectangle filled before it under its glyphs, else the white
//! page: white on a navy cell shows, navy on it does not; judged in its
//! colour space: grey, RGB, CMYK, calibrated, Lab, indexed, a spot colour
//! of no ink), transparent
//! (`ca`, `CA` under a tenth) or blended away, off the page or clipped
//! (its rise counted, and each glyph placed with `Tc`, `Tw` and `Tz`), a
//! speck (its size under a point, squeezed by `Tz`
//! counted), in an optional content layer switched off (`/OC ... BDC`;
//! a membership dictionary judged by its policy or visibility
//! expression against the default view),
//! or wholly under a rectangle, image (inline or not), shading or
//! annotation's appearance painted opaquely after it. The
//! text layer is laid out from where each piece of text is drawn: pieces
//! on one baseline make a line, pieces far apart on it are cells
//! (`label<TAB>value`), as a table's are. Text in form XObjects (a
//! flattened form's) is read where the form is drawn, by the same rules;
//! forms drawn within forms up to a depth, never inside themselves.

use super::{look, Budget, DocumentError};
use crate::core::field::Field;
use crate::core::field::{Label, ValueKind};
use crate::core::form::{read_form, CELL_SEPARATOR, UNREADABLE};
use lopdf::{decode_text_string, Dictionary, Document, Encoding, LoadOptions, Object, ObjectId};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

mod boxes;
mod calculator;
mod colour_space;
mod content;
mod field_names;
mod layout;
mod load;
mod page;
mod sight;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tick_tests;

use field_names::{identifier_words, is_default_name, PlacedText};
use load::{load, pre_scan};
use page::page_lines;
use sight::OptionalContent;

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
    if page_tree_loops(&document) {
        return Err(DocumentError::Malformed(
            "its page tree loops back on itself".into(),
        ));
    }
    let pages = document.get_pages();
    if pages.len() > budget.limits.max_pdf_pages {
        return Err(DocumentError::TooManyPages {
            pages: pages.len(),
            limit: budget.limits.max_pdf_pages,
        });
    }
    let layers = OptionalContent::of(&document);
    let mut out = String::new();
    // Where each page's text is printed, for the labels of fields whose
    // names say nothing.
    let mut printed: HashMap<ObjectId, Rc<PageText>> = HashMap::new();
    let mut page_text = false;
    // A page past a budget (its content too large to decompress, too
    // much filled over its text to check) is not read; when nothing else
    // is, that budget is why, not "no text".
    let mut over_budget: Option<DocumentError> = None;
    let mut contents = Contents::default();
    for &page in pages.values() {
        budget.check_time()?;
        // A page that cannot be read spoils neither the fields nor the
        // other pages.
        match page_lines(&document, page, &layers, budget, &mut contents) {
            Ok(text) => {
                page_text |= text.lines.iter().any(|l| !l.trim().is_empty());
                for line in text.lines.iter() {
                    out.push_str(line);
                    out.push('\n');
                }
                printed.insert(page, text);
            }
            Err(e @ (DocumentError::TimedOut(_) | DocumentError::PdfMisleadingFont)) => {
                return Err(e)
            }
            Err(e @ (DocumentError::PdfContent { .. } | DocumentError::PdfOverdrawn { .. })) => {
                over_budget.get_or_insert(e);
            }
            Err(_) => {}
        }
        budget.check_text(&out)?;
    }
    let mut fields = String::new();
    read_fields(&document, &layers, &printed, &mut fields, budget)?;
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

/// Whether a node of the page tree lists one of its own ancestors (or
/// itself) among its kids. A page listed twice is not a loop.
fn page_tree_loops(document: &Document) -> bool {
    let Some(root) = document
        .catalog()
        .ok()
        .and_then(|c| c.get(b"Pages").ok())
        .and_then(|p| p.as_reference().ok())
    else {
        return false;
    };
    // Depth first: a node is on the path from entering it to leaving it.
    let mut on_path: HashSet<ObjectId> = HashSet::new();
    let mut done: HashSet<ObjectId> = HashSet::new();
    let mut stack: Vec<(ObjectId, bool)> = vec![(root, false)];
    while let Some((id, leaving)) = stack.pop() {
        if leaving {
            on_path.remove(&id);
            done.insert(id);
            continue;
        }
        if on_path.contains(&id) {
            return true;
        }
        if done.contains(&id) || done.len() > document.objects.len() {
            continue;
        }
        on_path.insert(id);
        stack.push((id, true));
        let kids = document
            .get_dictionary(id)
            .ok()
            .and_then(|d| d.get(b"Kids").ok())
            .and_then(|k| deref(document, k).as_array().ok());
        for kid in kids.into_iter().flatten() {
            if let Ok(kid) = kid.as_reference() {
                stack.push((kid, false));
            }
        }
    }
    false
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

type PageRead = Result<Rc<PageText>, DocumentError>;

/// A page's text: its lines, and where its runs of text are printed.
struct PageText {
    lines: Vec<String>,
    placed: PlacedText,
}

/// A page's content streams and the fonts they are drawn with (by where
/// their dictionaries are: the same objects of one document).
#[derive(PartialEq, Eq)]
struct PageKey {
    streams: Vec<ObjectId>,
    fonts: Vec<(Vec<u8>, usize)>,
    /// Its resources (colour spaces, graphics states, layers), by where
    /// their dictionaries are.
    resources: Vec<usize>,
    /// Its visible box, by the bits of its numbers.
    page_box: Option<[u32; 4]>,
    /// Its annotations (drawn over it), by where their array is.
    annotations: Option<usize>,
}

/// The AcroForm's fields, as `label<TAB>value` lines.
fn read_fields(
    document: &Document,
    layers: &OptionalContent,
    printed: &HashMap<ObjectId, Rc<PageText>>,
    out: &mut String,
    budget: &Budget,
) -> Result<(), DocumentError> {
    let form = document
        .catalog()
        .ok()
        .and_then(|catalog| catalog.get(b"AcroForm").ok())
        .and_then(|o| deref(document, o).as_dict().ok());
    let listed = form
        .and_then(|form| form.get(b"Fields").ok())
        .and_then(|o| deref(document, o).as_array().ok());
    // Widgets whose form dictionary was lost (a PDF saved by a tool that
    // drops it) are still on their pages, and still shown: their fields
    // are found from them.
    let from_pages: Vec<Object>;
    let fields: &[Object] = match listed {
        Some(fields) => fields,
        None => {
            from_pages = widget_fields(document);
            &from_pages
        }
    };
    if fields.is_empty() {
        return Ok(());
    }
    // Viewers draw every field afresh from its value when the form asks
    // them to; else they show the appearance the field carries.
    let need_appearances = form
        .and_then(|form| form.get(b"NeedAppearances").ok())
        .and_then(|o| deref(document, o).as_bool().ok())
        .unwrap_or(false);
    let placed = placed_widgets(document);
    let mut seen = HashSet::new();
    let mut count = 0usize;
    // The form's default appearance, for fields that set none.
    let top = Inherited {
        appearance: form
            .and_then(|form| form.get(b"DA").ok())
            .and_then(|o| deref(document, o).as_str().ok())
            .map(<[u8]>::to_vec),
        ..Inherited::default()
    };
    let mut stack: Vec<(&Object, usize, Inherited)> =
        fields.iter().rev().map(|f| (f, 0, top.clone())).collect();
    let mut read: Vec<FieldRead> = Vec::new();
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
        if is_hidden(document, object, field, &placed, layers)
            || value_unseen(document, field, &here, need_appearances, budget)
        {
            continue;
        }
        let answer = shown_value(document, field, &here, need_appearances, budget);
        if let Some(label) = here.label.as_deref() {
            let check_box = here.is_check_box();
            let (label, option) = if here.named {
                let beside = || {
                    let (page, rect) = widget_place(document, object, field, &placed)?;
                    printed.get(&page)?.placed.label_beside(&rect, check_box)
                };
                name_label(label, beside)
            } else {
                (field_label(label), None)
            };
            if !label.is_empty() {
                read.push(FieldRead {
                    label,
                    option,
                    value: answer,
                    check_box,
                });
            }
        }
        budget.check_time()?;
    }
    write_fields(&read, out);
    Ok(())
}

/// A field as read: its label, what it answers (none when empty or
/// unticked), and whether it is a check box.
struct FieldRead {
    label: String,
    /// A check box's option, when the page prints it beside the box.
    option: Option<String>,
    value: Option<String>,
    check_box: bool,
}

/// A question's check boxes: each option's, ticked or not (none when
/// what it shows cannot be told).
type QuestionBoxes<'a> = Vec<(&'a str, Option<bool>)>;

/// The fields as `label<TAB>value` lines. Check boxes one per option of
/// a question (`Consent - Yes`, `Consent - No`) are one line of boxes
/// (`Consent<TAB>☐ Yes ☒ No`), read as tick boxes are: the option ticked
/// is the answer, and both ticked is asked again.
fn write_fields(fields: &[FieldRead], out: &mut String) {
    // Each line: a field's, or a question's boxes (where its first is).
    let mut questions: Vec<(&str, QuestionBoxes)> = Vec::new();
    let mut lines: Vec<Result<&FieldRead, usize>> = Vec::new();
    for field in fields {
        let own = field
            .option
            .as_deref()
            .map(|option| (field.label.as_str(), option));
        let Some((question, option)) = field
            .check_box
            .then(|| own.or_else(|| option_box(&field.label)))
            .flatten()
        else {
            lines.push(Ok(field));
            continue;
        };
        let ticked = match field.value.as_deref() {
            None => Some(false),
            Some(v) if v.contains(UNREADABLE) => None,
            Some(_) => Some(true),
        };
        match questions.iter_mut().find(|(q, _)| *q == question) {
            Some((_, options)) => options.push((option, ticked)),
            None => {
                lines.push(Err(questions.len()));
                questions.push((question, vec![(option, ticked)]));
            }
        }
    }
    for line in lines {
        match line {
            Ok(field) => {
                if let Some(value) = &field.value {
                    out.push_str(&field.label);
                    out.push(CELL_SEPARATOR);
                    out.push_str(value);
                    out.push('\n');
                }
            }
            Err(at) => {
                let (question, options) = &questions[at];
                out.push_str(question);
                out.push(CELL_SEPARATOR);
                if options.iter().any(|(_, ticked)| ticked.is_none()) {
                    out.push(UNREADABLE);
                } else {
                    let boxes: Vec<String> = options
                        .iter()
                        .map(|(option, ticked)| {
                            let mark = if *ticked == Some(true) {
                                '\u{2612}'
                            } else {
                                '\u{2610}'
                            };
                            format!("{mark} {option}")
                        })
                        .collect();
                    out.push_str(&boxes.join(" "));
                }
                out.push('\n');
            }
        }
    }
}

/// A check box's label as a question and one of its options (`Consent -
/// Yes`, `Consent: No`, `consent no`): the question a label the form
/// reader knows, the label whole not one. A yes or no box may name its
/// question by a short form of the label (`Rough Sleeping Yes`,
/// `Tenancy No`): the question is then the label as the form prints it.
fn option_box(label: &str) -> Option<(&str, &str)> {
    if Label::from_text(label.trim_end_matches(':')).is_some() {
        return None;
    }
    let (question, option) = label.trim().rsplit_once([' ', ':', '-', '\u{2013}', '.'])?;
    let question = question
        .trim_end_matches([' ', ':', '-', '\u{2013}', '.'])
        .trim();
    let option = option.trim();
    if option.is_empty() {
        return None;
    }
    if Label::from_text(question).is_some() {
        return Some((question, option));
    }
    let yes_or_no = ["yes", "no", "y", "n"]
        .iter()
        .any(|word| option.eq_ignore_ascii_case(word));
    let field = Field::from_label_part(question)
        .filter(|field| yes_or_no && field.value_kind() == ValueKind::Boolean)?;
    Some((field.label(), option))
}

/// The fields of the widget annotations the pages list, each by its
/// topmost parent, once, in the order the pages list them.
fn widget_fields(document: &Document) -> Vec<Object> {
    let mut fields: Vec<ObjectId> = Vec::new();
    for &page in document.get_pages().values() {
        let Some(annots) = document
            .get_dictionary(page)
            .ok()
            .and_then(|d| d.get(b"Annots").ok())
            .and_then(|a| deref(document, a).as_array().ok())
        else {
            continue;
        };
        for annot in annots.iter().take(MAX_FIELDS) {
            let Ok(mut id) = annot.as_reference() else {
                continue;
            };
            let is_widget = document.get_dictionary(id).is_ok_and(|d| {
                d.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Widget".as_slice())
            });
            if !is_widget {
                continue;
            }
            for _ in 0..MAX_FIELD_DEPTH {
                match document
                    .get_dictionary(id)
                    .ok()
                    .and_then(|d| d.get(b"Parent").ok())
                    .and_then(|p| p.as_reference().ok())
                {
                    Some(parent) => id = parent,
                    None => break,
                }
            }
            if !fields.contains(&id) && fields.len() < MAX_FIELDS {
                fields.push(id);
            }
        }
    }
    fields.into_iter().map(Object::Reference).collect()
}

/// Where each widget a page shows is: the annotations of every page (by
/// their object), with the part of that page a reader sees.
fn placed_widgets(document: &Document) -> BTreeMap<ObjectId, Placed> {
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
                placed.insert(*id, Placed { page, shown });
            }
        }
    }
    placed
}

/// The page a widget is on, and the part of it a reader sees.
struct Placed {
    page: ObjectId,
    shown: Option<Rect>,
}

/// A field's widgets: its kids when it has them, else itself; each with
/// its object when it is one.
fn widgets_of<'a>(
    document: &'a Document,
    object: &'a Object,
    field: &'a Dictionary,
) -> Vec<(Option<ObjectId>, &'a Dictionary)> {
    let reference = |o: &Object| match o {
        Object::Reference(id) => Some(*id),
        _ => None,
    };
    match field.get(b"Kids").and_then(Object::as_array) {
        Ok(kids) => kids
            .iter()
            .filter_map(|k| Some((reference(k), deref(document, k).as_dict().ok()?)))
            .collect(),
        Err(_) => vec![(reference(object), field)],
    }
}

/// The page and rectangle of a field's first widget a page lists.
fn widget_place(
    document: &Document,
    object: &Object,
    field: &Dictionary,
    placed: &BTreeMap<ObjectId, Placed>,
) -> Option<(ObjectId, Rect)> {
    widgets_of(document, object, field)
        .into_iter()
        .find_map(|(id, widget)| {
            let page = placed.get(&id?)?.page;
            let rect = Rect::of(document, widget.get(b"Rect").ok()?)?;
            Some((page, rect))
        })
}

/// A field's label from its name (it has no tooltip): the name as it is
/// when the form reader knows it (`Full name`, `date_of_birth`,
/// `Consent - Yes`); else the words of an identifier (`DateOfBirth`,
/// `txtFullName`, `ConsentNo`) when it knows those; else, for a name a
/// form tool gave by default (`Text1`, `Check Box2`), the label the page
/// prints beside the field (`beside`: the label and, for a check box,
/// the option printed by it); else the name as it is.
fn name_label(
    name: &str,
    beside: impl FnOnce() -> Option<(String, Option<String>)>,
) -> (String, Option<String>) {
    let known = |label: &str| {
        Label::from_text(label.trim_end_matches(':')).is_some() || option_box(label).is_some()
    };
    let as_written = field_label(name);
    if known(&as_written) {
        return (as_written, None);
    }
    let words = identifier_words(name);
    if !words.is_empty() && known(&words) {
        return (words, None);
    }
    if is_default_name(name) {
        if let Some(found) = beside() {
            return found;
        }
    }
    (as_written, None)
}

/// Whether a field's widgets are all out of sight: the Hidden or NoView
/// flag, a layer (`/OC`) switched off, a rectangle under two points wide
/// or high or off its page, no rectangle at all, or a widget no page lists
/// among its annotations.
fn is_hidden(
    document: &Document,
    object: &Object,
    field: &Dictionary,
    placed: &BTreeMap<ObjectId, Placed>,
    layers: &OptionalContent,
) -> bool {
    let widget_shown = |reference: Option<ObjectId>, widget: &Dictionary| {
        let flags = widget
            .get(b"F")
            .ok()
            .and_then(|f| f.as_i64().ok())
            .unwrap_or(0);
        let Some(page) = reference.and_then(|id| placed.get(&id)).map(|p| &p.shown) else {
            return false;
        };
        let Some(rect) = widget.get(b"Rect").ok().and_then(|r| Rect::of(document, r)) else {
            return false;
        };
        let on_page = page.is_none_or(|page| {
            let seen = page.intersect(&rect);
            seen.right - seen.left >= 2.0 && seen.top - seen.bottom >= 2.0
        });
        let in_layer_off = widget
            .get(b"OC")
            .is_ok_and(|group| layers.hides(document, group));
        flags & (2 | 32) == 0
            && !in_layer_off
            && rect.right - rect.left >= 2.0
            && rect.top - rect.bottom >= 2.0
            && on_page
    };
    let widgets = widgets_of(document, object, field);
    !widgets.iter().any(|(id, w)| widget_shown(*id, w))
}

/// What a field takes from its parents.
#[derive(Clone, Default)]
struct Inherited {
    label: Option<String>,
    /// Whether the label is the field's name (`/T`), not a tooltip.
    named: bool,
    kind: Option<Vec<u8>>,
    value: Option<Object>,
    /// The default appearance (`/DA`): the font, size and colour a
    /// viewer draws a text's value in.
    appearance: Option<Vec<u8>>,
    /// The field's flags (`/Ff`).
    flags: i64,
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
        let (label, named) = match (text(b"TU"), text(b"T")) {
            (Some(tooltip), _) => (Some(tooltip), false),
            (None, Some(name)) => (Some(name), true),
            (None, None) => (parent.label.clone(), parent.named),
        };
        Inherited {
            label,
            named,
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
            appearance: field
                .get(b"DA")
                .ok()
                .and_then(|o| deref(document, o).as_str().ok())
                .map(<[u8]>::to_vec)
                .or_else(|| parent.appearance.clone()),
            flags: field
                .get(b"Ff")
                .ok()
                .and_then(|o| deref(document, o).as_i64().ok())
                .unwrap_or(parent.flags),
        }
    }

    /// A button that is neither a radio button nor a push button.
    fn is_check_box(&self) -> bool {
        const RADIO: i64 = 1 << 15;
        const PUSH: i64 = 1 << 16;
        self.kind.as_deref() == Some(b"Btn") && self.flags & (RADIO | PUSH) == 0
    }
}

/// Whether a text or choice field's value, though the field shows, is
/// drawn so that nobody sees it: its default appearance (`/DA`) draws it
/// white (or in no ink) or under a point high (0 is "fit to the box", and
/// shows); or, where the form does not ask viewers to draw values
/// afresh, every widget's appearance stream draws no text at all while
/// the field has a value. Such a value is no answer, as a hidden field's
/// is not.
fn value_unseen(
    document: &Document,
    field: &Dictionary,
    here: &Inherited,
    need_appearances: bool,
    budget: &Budget,
) -> bool {
    if !matches!(here.kind.as_deref(), Some(b"Tx" | b"Ch")) || field_value(here).is_none() {
        return false;
    }
    let widgets: Vec<&Dictionary> = match field.get(b"Kids").and_then(Object::as_array) {
        Ok(kids) => kids
            .iter()
            .filter_map(|k| deref(document, k).as_dict().ok())
            .collect(),
        Err(_) => vec![field],
    };
    // What the value is drawn on: the widget's background (`/MK /BG`),
    // else the page, white.
    let background = widgets
        .iter()
        .find_map(|w| widget_background(document, w))
        .unwrap_or(look::Colour::WHITE);
    if here
        .appearance
        .as_deref()
        .is_some_and(|da| default_appearance_unseen(da, background))
    {
        return true;
    }
    if need_appearances {
        return false;
    }
    !widgets.is_empty()
        && widgets
            .iter()
            .all(|w| appearance_draws_nothing(document, w, budget))
}

/// A widget's background colour (`/MK /BG`: grey, RGB or CMYK by its
/// number of components), when it has one.
fn widget_background(document: &Document, widget: &Dictionary) -> Option<look::Colour> {
    let characteristics = deref(document, widget.get(b"MK").ok()?).as_dict().ok()?;
    let background = deref(document, characteristics.get(b"BG").ok()?)
        .as_array()
        .ok()?;
    let values: Vec<f32> = background
        .iter()
        .map(|v| number(deref(document, v)))
        .collect();
    sight::Space::Unknown.colour(&values)
}

/// A default appearance string (`/Helv 10 Tf 1 g`) that draws text a
/// reader does not see on `background`: its last size under a point (but
/// not 0), or its last colour too close to the background's.
fn default_appearance_unseen(appearance: &[u8], background: look::Colour) -> bool {
    let operations = content::operations(appearance);
    let mut tiny = false;
    let mut white = false;
    for op in &operations {
        let args: Vec<f32> = op.operands.iter().map(number).collect();
        match op.operator.as_str() {
            "Tf" => {
                let size = args.get(1).copied().unwrap_or(0.0).abs();
                tiny = size > 0.0 && size < page::MIN_VISIBLE_SIZE;
            }
            "g" | "rg" | "k" => {
                let space = match op.operator.as_str() {
                    "g" => sight::Space::Gray,
                    "rg" => sight::Space::Rgb,
                    _ => sight::Space::Cmyk,
                };
                white = match space.colour(&args) {
                    Some(colour) => !colour.stands_out_on(background),
                    None => space.is_white(&args),
                };
            }
            _ => {}
        }
    }
    tiny || white
}

/// Whether a widget's normal appearance (`/AP /N`) is there and draws
/// no text (nor an image or form that might): a widget with none is
/// drawn by the viewer from its value.
fn appearance_draws_nothing(document: &Document, widget: &Dictionary, budget: &Budget) -> bool {
    let Some(normal) = widget
        .get(b"AP")
        .ok()
        .and_then(|ap| deref(document, ap).as_dict().ok())
        .and_then(|ap| ap.get(b"N").ok())
    else {
        return false;
    };
    let Ok(stream) = deref(document, normal).as_stream() else {
        return false;
    };
    // Text, or an image or form that might hold it.
    paints_none_of(stream, budget, &["Tj", "TJ", "'", "\"", "Do", "BI", "sh"])
}

/// Whether an appearance stream was read within its limits and runs none
/// of `operators`.
fn paints_none_of(stream: &lopdf::Stream, budget: &Budget, operators: &[&str]) -> bool {
    let Ok(data) = stream.decompressed_content_with_limit(MAX_APPEARANCE_BYTES) else {
        return false;
    };
    let Ok(operations) = content::operations_within(&data, budget) else {
        return false;
    };
    !operations
        .iter()
        .any(|op| operators.contains(&op.operator.as_str()))
}

/// Whether the normal appearance a check box or radio button has for
/// `state` (`/AP /N /Yes`) is there and paints nothing a reader sees: no
/// text, path painted, image, form or shading.
fn state_draws_nothing(
    document: &Document,
    widget: &Dictionary,
    state: &[u8],
    budget: &Budget,
) -> bool {
    let Some(stream) = widget
        .get(b"AP")
        .ok()
        .and_then(|ap| deref(document, ap).as_dict().ok())
        .and_then(|ap| ap.get(b"N").ok())
        .and_then(|n| deref(document, n).as_dict().ok())
        .and_then(|states| states.get(state).ok())
        .and_then(|s| deref(document, s).as_stream().ok())
    else {
        return false;
    };
    paints_none_of(
        stream,
        budget,
        &[
            "Tj", "TJ", "'", "\"", "Do", "BI", "sh", "S", "s", "f", "F", "f*", "B", "B*", "b", "b*",
        ],
    )
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
            // A widget shown "on" by an appearance that leaves no mark
            // looks unticked: it is read as off.
            let states: Vec<&[u8]> = widgets
                .iter()
                .filter_map(|w| {
                    let state = w.get(b"AS").and_then(Object::as_name).ok()?;
                    if state != b"Off" && state_draws_nothing(document, w, state, budget) {
                        return Some(b"Off".as_slice());
                    }
                    Some(state)
                })
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

    /// The upright rectangle that holds this one's corners drawn through
    /// `m` (a form's or appearance's box as it lands on the page).
    fn transformed(&self, m: &Matrix) -> Rect {
        let mut extent = Rect::extend(None, transform(m, self.left, self.bottom));
        for (x, y) in [
            (self.right, self.bottom),
            (self.left, self.top),
            (self.right, self.top),
        ] {
            extent = Rect::extend(Some(extent), transform(m, x, y));
        }
        extent
    }

    fn union(&self, other: &Rect) -> Rect {
        Rect {
            left: self.left.min(other.left),
            bottom: self.bottom.min(other.bottom),
            right: self.right.max(other.right),
            top: self.top.max(other.top),
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
#[cfg(test)]
mod font_tests;
