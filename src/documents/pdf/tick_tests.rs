//! Tick boxes as printed PDFs draw them: marks and boxes in fonts of
//! symbols (ZapfDingbats, Wingdings), squares drawn as paths, fillable
//! check boxes one per option, and forms flattened into the page. Each
//! is read as the option ticked; what cannot be told is asked again,
//! never read as Yes.

use super::super::{read_document, DocumentKind, LIMITS};
use crate::core::field::Field;
use crate::core::form::{read_form, UNREADABLE};
use crate::core::tick::has_boxes;
use lopdf::{dictionary, Dictionary, Document, Object, Stream};

/// A one-page A4 PDF drawing `content` with the fonts `F1` (Helvetica)
/// and those `fonts` adds (by name), as printed from a word processor.
pub(super) fn printed(content: &str, fonts: &dyn Fn(&mut Document, &mut Dictionary)) -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let helvetica = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let mut font_names = dictionary! { "F1" => helvetica };
    fonts(&mut doc, &mut font_names);
    let content = doc.add_object(Stream::new(dictionary! {}, content.as_bytes().to_vec()));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content,
        "Resources" => dictionary! { "Font" => font_names },
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("saves");
    out
}

/// A ToUnicode map of `code_bytes`-byte codes to the characters given.
fn to_unicode(doc: &mut Document, code_bytes: usize, pairs: &[(u32, char)]) -> Object {
    let hex = |code: u32| format!("{code:0width$X}", width = code_bytes * 2);
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
         /CMapName /Adobe-Identity-UCS def /CMapType 2 def\n",
    );
    cmap.push_str(&format!(
        "1 begincodespacerange <{}> <{}> endcodespacerange\n",
        hex(0),
        hex(if code_bytes == 1 { 0xFF } else { 0xFFFF })
    ));
    cmap.push_str(&format!("{} beginbfchar\n", pairs.len()));
    for (code, c) in pairs {
        cmap.push_str(&format!("<{}> <{:04X}>\n", hex(*code), u32::from(*c)));
    }
    cmap.push_str("endbfchar endcmap CMapName currentdict /CMap defineresource pop end end\n");
    doc.add_object(Stream::new(dictionary! {}, cmap.into_bytes()))
        .into()
}

/// The page's consent answer as the form reader takes it.
fn consent(bytes: &[u8]) -> String {
    let text = read_document(DocumentKind::Pdf, bytes, &LIMITS).expect("reads");
    let reading = read_form(&text);
    assert!(
        reading.values.contains_key(&Field::FullName),
        "the rest of the page reads: {text:?}"
    );
    reading
        .values
        .get(&Field::Consent)
        .cloned()
        .unwrap_or_else(|| panic!("no consent in {text:?}"))
}

/// An answer left for a person to ask again: boxes it could not match,
/// or unreadable; never a yes or no.
fn asked_again(value: &str) -> bool {
    value != "Yes" && value != "No" && (has_boxes(value) || value.contains(UNREADABLE))
}

/// The form's heading, a name, and the consent row: its label, then
/// `row` (drawn from x = 250 on the same baseline).
fn form_with_consent(row: &str) -> String {
    format!(
        "BT /F1 14 Tf 72 780 Td (DUTY TO REFER REFERRAL) Tj ET\n\
         BT /F1 10 Tf 72 740 Td (Full name:) Tj ET\n\
         BT /F1 10 Tf 250 740 Td (Sam Example) Tj ET\n\
         BT /F1 10 Tf 72 700 Td (Consent to referral:) Tj ET\n\
         {row}\n"
    )
}

fn zapf_dingbats(name: &'static str) -> impl Fn(&mut Document, &mut Dictionary) {
    move |doc: &mut Document, fonts: &mut Dictionary| {
        let font = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => name,
        });
        fonts.set("ZaDb", font);
    }
}

#[test]
fn zapf_dingbats_ticks_beside_options_are_read_as_ticks() {
    // A box before each option, the one before No ticked: `o` is an
    // empty box in ZapfDingbats, `4` a tick, `8` a cross, `n` a filled
    // square.
    for (font, mark) in [
        ("ZapfDingbats", "4"),
        ("ZapfDingbats", "8"),
        ("ABCDEF+ZapfDingbats", "n"),
        ("ZapfDingbats", "l"),
    ] {
        let row = format!(
            "BT /ZaDb 10 Tf 250 700 Td (o) Tj ET BT /F1 10 Tf 264 700 Td (Yes) Tj ET\n\
             BT /ZaDb 10 Tf 310 700 Td ({mark}) Tj ET BT /F1 10 Tf 324 700 Td (No) Tj ET"
        );
        let read = consent(&printed(&form_with_consent(&row), &zapf_dingbats(font)));
        assert_eq!(read, "No", "{font} {mark}");
    }
    // The tick after its option, far from the other.
    let row = "BT /F1 10 Tf 250 700 Td (Yes) Tj ET BT /ZaDb 10 Tf 272 700 Td (q) Tj ET\n\
               BT /F1 10 Tf 340 700 Td (No) Tj ET BT /ZaDb 10 Tf 358 700 Td (4) Tj ET";
    let read = consent(&printed(
        &form_with_consent(row),
        &zapf_dingbats("ZapfDingbats"),
    ));
    assert_eq!(read, "No");
}

#[test]
fn a_mark_of_a_symbol_font_not_known_is_asked_again() {
    // `+` in ZapfDingbats is a star of some kind: not known, so never
    // the first word's Yes.
    let row = "BT /F1 10 Tf 250 700 Td (Yes) Tj ET\n\
               BT /ZaDb 10 Tf 290 700 Td (+) Tj ET BT /F1 10 Tf 304 700 Td (No) Tj ET";
    let read = consent(&printed(
        &form_with_consent(row),
        &zapf_dingbats("ZapfDingbats"),
    ));
    assert!(asked_again(&read), "{read:?}");
}

#[test]
fn wingdings_as_word_prints_it_is_read_by_its_unicode_map() {
    // Word's PDF: a subset TrueType Wingdings whose ToUnicode map gives
    // each code's private-use twin (U+F0FE for `þ`, the ticked box).
    let simple = |doc: &mut Document, fonts: &mut Dictionary| {
        let map = to_unicode(doc, 1, &[(0xA8, '\u{f0a8}'), (0xFE, '\u{f0fe}')]);
        let font = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "TrueType",
            "BaseFont" => "BCDEEE+Wingdings-Regular", "ToUnicode" => map,
            "FirstChar" => 168, "LastChar" => 254,
        });
        fonts.set("F2", font);
    };
    let row = "BT /F2 10 Tf 250 700 Td <A8> Tj ET BT /F1 10 Tf 264 700 Td (Yes) Tj ET\n\
               BT /F2 10 Tf 310 700 Td <FE> Tj ET BT /F1 10 Tf 324 700 Td (No) Tj ET";
    assert_eq!(consent(&printed(&form_with_consent(row), &simple)), "No");
    // A subset renumbering its glyphs (1, 2), mapped to the letters Word
    // typed (`ü`, a tick, and `o`, a box).
    let renumbered = |doc: &mut Document, fonts: &mut Dictionary| {
        let map = to_unicode(doc, 1, &[(1, 'o'), (2, 'ü')]);
        let font = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "TrueType", "BaseFont" => "CAAAAA+Wingdings",
            "Encoding" => "WinAnsiEncoding", "ToUnicode" => map,
        });
        fonts.set("F2", font);
    };
    let row = "BT /F2 10 Tf 250 700 Td <01> Tj ET BT /F1 10 Tf 264 700 Td (Yes) Tj ET\n\
               BT /F2 10 Tf 310 700 Td <02> Tj ET BT /F1 10 Tf 324 700 Td (No) Tj ET";
    assert_eq!(
        consent(&printed(&form_with_consent(row), &renumbered)),
        "No"
    );
    // A composite font of glyph numbers (Identity-H), as Word's "Microsoft
    // Print to PDF" writes.
    let composite = |doc: &mut Document, fonts: &mut Dictionary| {
        let map = to_unicode(doc, 2, &[(0x0003, '\u{f0a8}'), (0x0007, '\u{f0fd}')]);
        let descendant = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "CIDFontType2",
            "BaseFont" => "DEFGHI+Wingdings-Regular",
            "CIDSystemInfo" => dictionary! {
                "Registry" => Object::string_literal("Adobe"),
                "Ordering" => Object::string_literal("Identity"), "Supplement" => 0,
            },
        });
        let font = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "DEFGHI+Wingdings-Regular",
            "Encoding" => "Identity-H", "DescendantFonts" => vec![descendant.into()],
            "ToUnicode" => map,
        });
        fonts.set("F3", font);
    };
    let row = "BT /F1 10 Tf 250 700 Td (Yes) Tj ET BT /F3 10 Tf 272 700 Td <0007> Tj ET\n\
               BT /F1 10 Tf 340 700 Td (No) Tj ET BT /F3 10 Tf 358 700 Td <0003> Tj ET";
    assert_eq!(
        consent(&printed(&form_with_consent(row), &composite)),
        "Yes"
    );
}

#[test]
fn letters_of_text_fonts_are_never_marks() {
    // The same codes in Helvetica: `4` and `o` are a digit and a letter.
    let row = "BT /F1 10 Tf 250 700 Td (Yes - signed form held) Tj ET";
    let read = consent(&printed(&form_with_consent(row), &|_, _| {}));
    assert_eq!(read, "Yes - signed form held");
}

/// A consent row of two squares drawn as paths (`re S`, or four lines),
/// each before its option, with `yes_mark` and `no_mark` drawn in them.
fn drawn_boxes(yes_mark: &str, no_mark: &str) -> String {
    format!(
        "q 0 G 0.5 w 250 698 9 9 re S Q {yes_mark}\n\
         BT /F1 10 Tf 264 700 Td (Yes) Tj ET\n\
         q 0 G 0.5 w 310 698 m 319 698 l 319 707 l 310 707 l h S Q {no_mark}\n\
         BT /F1 10 Tf 324 700 Td (No) Tj ET"
    )
}

#[test]
fn a_mark_in_a_drawn_square_is_that_option_ticked() {
    let in_no = [
        // An X typed into the box.
        "BT /F1 10 Tf 312 700 Td (X) Tj ET",
        // `[X]` typed over it.
        "BT /F1 8 Tf 309 700 Td ([X]) Tj ET",
        // A tick in ZapfDingbats.
        "BT /ZaDb 8 Tf 311 700 Td (4) Tj ET",
        // A cross drawn as two lines, corner to corner.
        "q 1 w 311 699 m 318 706 l 311 706 m 318 699 l S Q",
        // A filled square inside it.
        "q 0 g 312 700 5 5 re f Q",
    ];
    for mark in in_no {
        let row = drawn_boxes("", mark);
        let read = consent(&printed(
            &form_with_consent(&row),
            &zapf_dingbats("ZapfDingbats"),
        ));
        assert_eq!(read, "No", "{mark}");
    }
    let row = drawn_boxes("BT /F1 10 Tf 252 700 Td (x) Tj ET", "");
    let read = consent(&printed(&form_with_consent(&row), &|_, _| {}));
    assert_eq!(read, "Yes");
    // Both empty: not answered. Both ticked: asked again.
    let row = drawn_boxes("", "");
    let text = read_document(
        DocumentKind::Pdf,
        &printed(&form_with_consent(&row), &|_, _| {}),
        &LIMITS,
    )
    .expect("reads");
    assert!(
        !read_form(&text).values.contains_key(&Field::Consent),
        "{text:?}"
    );
    let row = drawn_boxes(
        "BT /F1 10 Tf 252 700 Td (X) Tj ET",
        "BT /F1 10 Tf 312 700 Td (X) Tj ET",
    );
    let read = consent(&printed(&form_with_consent(&row), &|_, _| {}));
    assert!(asked_again(&read), "{read:?}");
}

#[test]
fn squares_of_a_comb_and_squares_holding_letters_are_no_boxes() {
    // A date of birth in a comb of squares, one letter or digit in each.
    let mut comb = String::from("BT /F1 10 Tf 72 660 Td (Date of birth:) Tj ET\n");
    for (i, digit) in "01021990".chars().enumerate() {
        let x = 250 + i * 12;
        comb.push_str(&format!(
            "q 0 G {x} 657 11 11 re S Q \
             BT /F1 10 Tf {} 660 Td ({digit}) Tj ET\n",
            x + 3
        ));
    }
    let content = format!(
        "{}{comb}",
        form_with_consent("BT /F1 10 Tf 250 700 Td (No) Tj ET")
    );
    let text =
        read_document(DocumentKind::Pdf, &printed(&content, &|_, _| {}), &LIMITS).expect("reads");
    let reading = read_form(&text);
    assert_eq!(
        reading.values.get(&Field::DateOfBirth).map(String::as_str),
        Some("0 1 0 2 1 9 9 0"),
        "{text:?}"
    );
    assert!(
        !text.contains('\u{2610}') && !text.contains('\u{2612}'),
        "{text:?}"
    );
    assert_eq!(
        reading.values.get(&Field::Consent).map(String::as_str),
        Some("No")
    );
}

/// A fillable form of a name and `boxes` (check boxes by name, ticked or
/// not), its page printing nothing but the heading.
fn fillable(boxes: &[(&str, bool)]) -> String {
    use super::super::write::{pdf, PdfField, PdfValue};
    let mut fields = vec![PdfField {
        name: "Full name".into(),
        tooltip: None,
        value: PdfValue::Text("Sam Example".into()),
    }];
    fields.extend(boxes.iter().map(|(name, on)| PdfField {
        name: (*name).into(),
        tooltip: None,
        value: PdfValue::Check(*on),
    }));
    let bytes = pdf(&[vec!["DUTY TO REFER REFERRAL".to_string()]], &fields).expect("pdf");
    read_document(DocumentKind::Pdf, &bytes, &LIMITS).expect("reads")
}

#[test]
fn check_boxes_one_per_option_give_the_option_ticked() {
    for (boxes, want) in [
        (
            &[("Consent - Yes", false), ("Consent - No", true)][..],
            "No",
        ),
        (
            &[("Consent - Yes", true), ("Consent - No", false)][..],
            "Yes",
        ),
        (
            &[
                ("Consent to referral: Yes", false),
                ("Consent to referral: No", true),
            ][..],
            "No",
        ),
        (&[("consent_yes", false), ("consent_no", true)][..], "No"),
    ] {
        let text = fillable(boxes);
        let read = read_form(&text);
        assert!(
            read.values
                .get(&Field::Consent)
                .is_some_and(|v| v.eq_ignore_ascii_case(want)),
            "{boxes:?}: {text:?}"
        );
    }
    // Both ticked: asked again. Neither: not answered.
    let text = fillable(&[("Consent - Yes", true), ("Consent - No", true)]);
    let read = read_form(&text).values.get(&Field::Consent).cloned();
    assert!(read.as_deref().is_some_and(asked_again), "{text:?}");
    let text = fillable(&[("Consent - Yes", false), ("Consent - No", false)]);
    assert!(
        !read_form(&text).values.contains_key(&Field::Consent),
        "{text:?}"
    );
}

/// A page drawing `content` with the form XObjects `Box` (an empty check
/// box's border) and `Ticked` (the border with a ZapfDingbats tick in
/// it, in its own font resource), as a flattened form draws its fields.
fn flattened(content: &str) -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let helvetica = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let dingbats = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "ZapfDingbats",
    });
    let mut form = |drawing: &str| {
        doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Form",
                "BBox" => vec![0.into(), 0.into(), 10.into(), 10.into()],
                "Resources" => dictionary! { "Font" => dictionary! { "ZaDb" => dingbats } },
            },
            drawing.as_bytes().to_vec(),
        ))
    };
    let empty = form("q 0 G 0.5 w 0.5 0.5 9 9 re S Q");
    let ticked = form("q 0 G 0.5 w 0.5 0.5 9 9 re S Q q BT 0 g /ZaDb 8 Tf 1.5 2 Td (4) Tj ET Q");
    let content = doc.add_object(Stream::new(dictionary! {}, content.as_bytes().to_vec()));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content,
        "Resources" => dictionary! {
            "Font" => dictionary! { "F1" => helvetica },
            "XObject" => dictionary! { "Box" => empty, "Ticked" => ticked },
        },
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("saves");
    out
}

#[test]
fn a_flattened_form_keeps_its_ticks() {
    for (yes, no, want) in [("Box", "Ticked", "No"), ("Ticked", "Box", "Yes")] {
        let row = format!(
            "q 1 0 0 1 250 698 cm /{yes} Do Q BT /F1 10 Tf 264 700 Td (Yes) Tj ET\n\
             q 1 0 0 1 310 698 cm /{no} Do Q BT /F1 10 Tf 324 700 Td (No) Tj ET"
        );
        assert_eq!(consent(&flattened(&form_with_consent(&row))), want, "{row}");
    }
}

#[test]
fn widgets_left_without_their_form_dictionary_are_read() {
    use super::super::write::{pdf, PdfField, PdfValue};
    let fields = [
        PdfField {
            name: "Full name".into(),
            tooltip: None,
            value: PdfValue::Text("Sam Example".into()),
        },
        PdfField {
            name: "Consent - Yes".into(),
            tooltip: None,
            value: PdfValue::Check(false),
        },
        PdfField {
            name: "Consent - No".into(),
            tooltip: None,
            value: PdfValue::Check(true),
        },
    ];
    let bytes = pdf(&[vec!["DUTY TO REFER REFERRAL".to_string()]], &fields).expect("pdf");
    let mut document = Document::load_mem(&bytes).expect("loads");
    let catalog = document.catalog_mut().expect("a catalog");
    assert!(
        catalog.remove(b"AcroForm").is_some(),
        "the writer writes one"
    );
    let mut out = Vec::new();
    document.save_to(&mut out).expect("saves");
    let text = read_document(DocumentKind::Pdf, &out, &LIMITS).expect("reads");
    let read = read_form(&text);
    assert_eq!(
        read.values.get(&Field::FullName).map(String::as_str),
        Some("Sam Example"),
        "{text:?}"
    );
    assert_eq!(
        read.values.get(&Field::Consent).map(String::as_str),
        Some("No"),
        "{text:?}"
    );
}

#[test]
fn a_mark_the_page_does_not_show_ticks_nothing() {
    // The page's text then `mark` in the No box; Yes left empty.
    let consent_of = |mark: &str| {
        let row = drawn_boxes("", mark);
        let text = read_document(
            DocumentKind::Pdf,
            &printed(&form_with_consent(&row), &|_, _| {}),
            &LIMITS,
        )
        .expect("reads");
        let reading = read_form(&text);
        assert!(reading.values.contains_key(&Field::FullName), "{text:?}");
        reading.values.get(&Field::Consent).cloned()
    };
    let cross = "311 699 m 318 706 l 311 706 m 318 699 l S";
    let white_over_the_box = "q 1 g 310.5 698.5 8 8 re f Q";
    // Covered by a white square filled after it, typed or drawn: the box
    // shows empty, and the question is unanswered.
    for mark in [
        format!("BT /F1 10 Tf 312 700 Td (X) Tj ET {white_over_the_box}"),
        format!("q 1 w {cross} Q {white_over_the_box}"),
    ] {
        assert_eq!(consent_of(&mark), None, "{mark}");
    }
    // The white square filled first, the mark over it: shown.
    let mark = format!("{white_over_the_box} q 1 w {cross} Q");
    assert_eq!(consent_of(&mark).as_deref(), Some("No"), "{mark}");
    // A hairline one viewer draws and another leaves out: asked again,
    // never read as a tick. A width of 0 is the thinnest line every
    // viewer draws: a tick.
    for width in ["0.01", "0.05"] {
        let mark = format!("q {width} w {cross} Q");
        let read = consent_of(&mark).unwrap_or_default();
        assert!(asked_again(&read), "{mark}: {read:?}");
    }
    let mark = format!("q 0 w {cross} Q");
    assert_eq!(consent_of(&mark).as_deref(), Some("No"), "{mark}");
    // Thin in its own units, but as wide as half a point on the page
    // once its matrix scales it: a tick.
    let mark = "q 10 0 0 10 0 0 cm 0.05 w 31.1 69.9 m 31.8 70.6 l 31.1 70.6 m 31.8 69.9 l S Q";
    assert_eq!(consent_of(mark).as_deref(), Some("No"), "{mark}");
}
