//! Text drawn so that a reader does not see it, each way a PDF can, is
//! not read; the same text drawn so that it shows is.

use super::super::write::{pdf, PdfField, PdfValue};
use super::super::{read_document, DocumentError, DocumentKind, LIMITS};
use lopdf::{dictionary, Dictionary, Document, Object, Stream};

/// What the page shows whatever else it draws, last.
const SHOWN: &str = "BT /F1 12 Tf 72 700 Td (Full name: Sam Example) Tj ET\n";

/// The text to be hidden, at the top of the page.
const SMUGGLED: &str = "BT /F1 12 Tf 72 760 Td (Zed Smuggled) Tj ET";

/// A one-page A4 PDF drawing `content` then `SHOWN`, its resources (the
/// font `F1`) and catalog added to by `extra`.
fn one_page(
    content: &str,
    extra: &dyn Fn(&mut Document, &mut Dictionary, &mut Dictionary),
) -> Vec<u8> {
    page_drawing(&format!("{content}\n{SHOWN}"), extra)
}

/// A one-page A4 PDF drawing `content` alone.
fn page_drawing(
    content: &str,
    extra: &dyn Fn(&mut Document, &mut Dictionary, &mut Dictionary),
) -> Vec<u8> {
    page_with(content, extra, &|_, _| {})
}

/// As `page_drawing`, the page's dictionary added to by `on_page`.
fn page_with(
    content: &str,
    extra: &dyn Fn(&mut Document, &mut Dictionary, &mut Dictionary),
    on_page: &dyn Fn(&mut Document, &mut Dictionary),
) -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let mut resources = dictionary! { "Font" => dictionary! { "F1" => font } };
    let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => pages_id };
    extra(&mut doc, &mut resources, &mut catalog);
    let content = doc.add_object(Stream::new(dictionary! {}, content.as_bytes().to_vec()));
    let mut page = dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content,
        "Resources" => resources,
    };
    on_page(&mut doc, &mut page);
    let page = doc.add_object(page);
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog = doc.add_object(catalog);
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("saves");
    out
}

fn read(bytes: &[u8]) -> String {
    read_document(DocumentKind::Pdf, bytes, &LIMITS).expect("read")
}

/// Each of `hidden` drawn before `SHOWN` leaves `Zed Smuggled` unread;
/// each of `shown` has it read; `SHOWN` is read throughout.
fn check(
    hidden: &[&str],
    shown: &[&str],
    extra: &dyn Fn(&mut Document, &mut Dictionary, &mut Dictionary),
) {
    for (content, seen) in hidden
        .iter()
        .map(|c| (c, false))
        .chain(shown.iter().map(|c| (c, true)))
    {
        let text = read(&one_page(content, extra));
        assert!(text.contains("Sam Example"), "{content}: {text:?}");
        assert_eq!(text.contains("Zed Smuggled"), seen, "{content}: {text:?}");
    }
}

fn no_extra(_: &mut Document, _: &mut Dictionary, _: &mut Dictionary) {}

#[test]
fn transparent_text_is_not_read() {
    let states = |_: &mut Document, resources: &mut Dictionary, _: &mut Dictionary| {
        resources.set(
            "ExtGState",
            dictionary! {
                "Clear" => dictionary! { "ca" => 0, "CA" => 0 },
                "Faint" => dictionary! { "ca" => Object::Real(0.05) },
                "NoStroke" => dictionary! { "CA" => 0 },
                "FillOnly" => dictionary! { "ca" => 0 },
                "Half" => dictionary! { "ca" => Object::Real(0.5) },
                "Screen" => dictionary! { "BM" => "Screen" },
            },
        );
    };
    let hidden = [
        format!("q /Clear gs {SMUGGLED} Q"),
        format!("q /Faint gs {SMUGGLED} Q"),
        format!("q /NoStroke gs 1 Tr {SMUGGLED} 0 Tr Q"),
        // Restoring the state restores its transparency too.
        format!("q /Clear gs q /Half gs Q {SMUGGLED} Q"),
        format!("q /Screen gs {SMUGGLED} Q"),
    ];
    let shown = [
        format!("q /Half gs {SMUGGLED} Q"),
        format!("q /Clear gs Q {SMUGGLED}"),
        // Its fill clear, its outline stroked in full.
        format!("q /FillOnly gs 1 Tr {SMUGGLED} 0 Tr Q"),
    ];
    check(&refs(&hidden), &refs(&shown), &states);
}

fn refs(strings: &[String]) -> Vec<&str> {
    strings.iter().map(String::as_str).collect()
}

#[test]
fn text_squeezed_to_a_speck_is_not_read() {
    let hidden = [
        format!("q 1 Tz {SMUGGLED} Q"),
        format!("q 0 Tz {SMUGGLED} Q"),
        format!("q 1 Tz q 100 Tz Q {SMUGGLED} Q"),
        format!("q BT /F1 12 Tf 5 Tz ET {SMUGGLED} Q"),
    ];
    let shown = [
        format!("q 1 Tz Q {SMUGGLED}"),
        format!("q 80 Tz {SMUGGLED} Q"),
    ];
    check(&refs(&hidden), &refs(&shown), &no_extra);
}

#[test]
fn text_raised_off_the_page_or_its_clip_is_not_read() {
    let hidden = [
        format!("q 5000 Ts {SMUGGLED} Q"),
        format!("q -2000 Ts {SMUGGLED} Q"),
        format!("q 0 740 595 102 re W n -100 Ts {SMUGGLED} Q"),
    ];
    let shown = [
        format!("q 3 Ts {SMUGGLED} Q"),
        format!("q 5000 Ts Q {SMUGGLED}"),
    ];
    check(&refs(&hidden), &refs(&shown), &no_extra);
}

#[test]
fn text_under_an_area_filled_after_it_is_not_read() {
    let states = |doc: &mut Document, resources: &mut Dictionary, _: &mut Dictionary| {
        resources.set(
            "ExtGState",
            dictionary! {
                "Half" => dictionary! { "ca" => Object::Real(0.5) },
                "Multiply" => dictionary! { "BM" => "Multiply" },
            },
        );
        let mut image = |mask: bool| {
            let mut dict = dictionary! {
                "Type" => "XObject", "Subtype" => "Image", "Width" => 1, "Height" => 1,
                "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
            };
            if mask {
                dict.set("ImageMask", true);
            }
            doc.add_object(Stream::new(dict, vec![255]))
        };
        let (opaque, stencil) = (image(false), image(true));
        resources.set(
            "XObject",
            dictionary! { "Opaque" => opaque, "Stencil" => stencil },
        );
    };
    let hidden = [
        format!("{SMUGGLED} q 1 g 0 0 595 842 re f Q"),
        format!("{SMUGGLED} q 0 0 1 rg 60 750 300 30 re f Q"),
        format!("{SMUGGLED} q 1 g 60 750 300 30 re F Q"),
        format!("{SMUGGLED} q 1 g 60 750 300 30 re B Q"),
        format!("{SMUGGLED} q 1 g 60 750 300 30 re f* Q"),
        // Two boxes apart, one over the text.
        format!("{SMUGGLED} q 1 g 0 0 10 10 re 60 750 300 30 re f* Q"),
        // Under a page-sized scale, as a writer draws.
        format!("{SMUGGLED} q 0.5 0 0 0.5 0 0 cm 1 g 120 1500 600 60 re f Q"),
        // An opaque image over it.
        format!("{SMUGGLED} q 300 0 0 30 60 750 cm /Opaque Do Q"),
    ];
    let shown = [
        // A form's shaded box, then the text on it.
        format!("q 0.9 g 60 750 300 30 re f Q {SMUGGLED}"),
        format!("q 1 g 0 0 595 842 re f Q {SMUGGLED}"),
        // Only half opaque, or blended so the text shows through.
        format!("{SMUGGLED} q /Half gs 1 g 60 750 300 30 re f Q"),
        format!("{SMUGGLED} q /Multiply gs 1 g 60 750 300 30 re f Q"),
        // The text in a hole in the area (even-odd, or drawn the other
        // way round).
        format!("{SMUGGLED} q 1 g 0 0 595 680 re 60 750 300 30 re 0 720 595 122 re f* Q"),
        format!("{SMUGGLED} q 1 g 0 720 595 122 re 60 780 300 -30 re f Q"),
        // Over part of it only, or stroked, or clipped away elsewhere.
        format!("{SMUGGLED} q 1 g 60 750 20 30 re f Q"),
        format!("{SMUGGLED} q 1 G 60 750 300 30 re S Q"),
        format!("{SMUGGLED} q 0 0 10 10 re W n 1 g 0 0 595 842 re f Q"),
        // A shape that is not a rectangle, around the text.
        format!("{SMUGGLED} q 1 g 60 750 m 360 750 l 360 780 l 210 800 l 60 780 l h f Q"),
        // An image elsewhere, or one painting only through its stencil.
        format!("{SMUGGLED} q 300 0 0 30 60 100 cm /Opaque Do Q"),
        format!("{SMUGGLED} q 300 0 0 30 60 750 cm /Stencil Do Q"),
    ];
    check(&refs(&hidden), &refs(&shown), &states);
}

#[test]
fn text_in_a_colour_of_no_ink_is_not_read() {
    let spaces = |doc: &mut Document, resources: &mut Dictionary, _: &mut Dictionary| {
        let tint = |c1: Vec<Object>| {
            Object::Dictionary(dictionary! {
                "FunctionType" => 2, "Domain" => vec![0.into(), 1.into()],
                "C0" => vec![0.into(), 0.into(), 0.into(), 0.into()], "C1" => c1, "N" => 1,
            })
        };
        let icc = |doc: &mut Document, n: i64| {
            doc.add_object(Stream::new(dictionary! { "N" => n }, Vec::new()))
        };
        let icc4 = icc(doc, 4);
        let icc3 = icc(doc, 3);
        let blue = vec![Object::Real(1.0), Object::Real(0.5), 0.into(), 0.into()];
        let paper = vec![0.into(), 0.into(), 0.into(), 0.into()];
        resources.set(
            "ColorSpace",
            dictionary! {
                "Spot" => vec!["Separation".into(), "Blue".into(), "DeviceCMYK".into(), tint(blue.clone())],
                "Paper" => vec!["Separation".into(), "Paper".into(), "DeviceCMYK".into(), tint(paper)],
                "NoInk" => vec!["Separation".into(), "None".into(), "DeviceCMYK".into(), tint(blue.clone())],
                "Inks" => vec![
                    "DeviceN".into(),
                    vec!["Cyan".into(), "Magenta".into()].into(),
                    "DeviceCMYK".into(),
                    tint(blue),
                ],
                "Icc4" => vec!["ICCBased".into(), icc4.into()],
                "Icc3" => vec!["ICCBased".into(), icc3.into()],
                "Lab" => vec!["Lab".into(), dictionary! { "WhitePoint" => vec![Object::Real(0.95), 1.into(), Object::Real(1.09)] }.into()],
                "Palette" => vec![
                    "Indexed".into(),
                    "DeviceRGB".into(),
                    1.into(),
                    Object::string_literal(vec![0u8, 0, 0, 255, 255, 255]),
                ],
            },
        );
    };
    let drawn = |colour: &str| format!("q {colour} {SMUGGLED} Q");
    let hidden: Vec<String> = [
        "/Spot cs 0 scn",
        "/Paper cs 1 scn",
        "/NoInk cs 1 scn",
        "/Inks cs 0 0 scn",
        "/Icc4 cs 0 0 0 0 scn",
        "/Icc4 cs",
        "/Icc3 cs 1 1 1 sc",
        "/Lab cs 100 0 0 sc",
        "/Palette cs 1 sc",
        "0 0 0 0 k",
        "/DeviceCMYK cs 0 0 0 0 sc",
        "/DeviceGray cs 1 sc",
        "1 1 1 rg",
    ]
    .map(drawn)
    .to_vec();
    let shown: Vec<String> = [
        "/Spot cs 1 scn",
        "/Spot cs",
        "/Inks cs 1 0 scn",
        "/Icc4 cs 0 0 0 1 scn",
        "/Icc3 cs 0 0 0 scn",
        "/Lab cs 20 0 0 sc",
        "/Palette cs 0 sc",
        "/Palette cs",
        "/DeviceCMYK cs",
        "0 0 0 1 k",
        "/Pattern cs /P0 scn",
    ]
    .map(drawn)
    .to_vec();
    check(&refs(&hidden), &refs(&shown), &spaces);
}

/// Adds two layers, `Off` (switched off in the default view) and `On`,
/// and memberships of them: `BothOn` (all on), `NotOff` and `OnAndOff`
/// (by expression).
fn layers(base_off: bool) -> impl Fn(&mut Document, &mut Dictionary, &mut Dictionary) {
    move |doc: &mut Document, resources: &mut Dictionary, catalog: &mut Dictionary| {
        let off = doc.add_object(dictionary! { "Type" => "OCG", "Name" => "Off" });
        let on = doc.add_object(dictionary! { "Type" => "OCG", "Name" => "On" });
        let both = doc.add_object(dictionary! {
            "Type" => "OCMD", "OCGs" => vec![off.into(), on.into()], "P" => "AllOn",
        });
        let mut expression =
            |e: Vec<Object>| doc.add_object(dictionary! { "Type" => "OCMD", "VE" => e });
        let not_off = expression(vec!["Not".into(), off.into()]);
        let on_and_off = expression(vec!["And".into(), on.into(), off.into()]);
        resources.set(
            "Properties",
            dictionary! {
                "Off" => off, "On" => on, "BothOn" => both,
                "NotOff" => not_off, "OnAndOff" => on_and_off,
            },
        );
        let view = if base_off {
            dictionary! { "BaseState" => "OFF", "ON" => vec![on.into()] }
        } else {
            dictionary! { "OFF" => vec![off.into()] }
        };
        catalog.set(
            "OCProperties",
            dictionary! { "OCGs" => vec![off.into(), on.into()], "D" => view },
        );
    }
}

#[test]
fn text_in_a_layer_switched_off_is_not_read() {
    let hidden = [
        format!("/OC /Off BDC {SMUGGLED} EMC"),
        format!("/OC /Off BDC /Span BMC EMC {SMUGGLED} EMC"),
        format!("/OC /BothOn BDC {SMUGGLED} EMC"),
        format!("/OC /OnAndOff BDC {SMUGGLED} EMC"),
    ];
    let shown = [
        format!("/OC /On BDC {SMUGGLED} EMC"),
        format!("/OC /NotOff BDC {SMUGGLED} EMC"),
        format!("/OC /Off BDC EMC {SMUGGLED}"),
        format!("/Span BMC /OC /Off BDC EMC {SMUGGLED} EMC"),
    ];
    for base_off in [false, true] {
        check(&refs(&hidden), &refs(&shown), &layers(base_off));
    }
    // A page whose layer is switched off has nothing to fill over its
    // text either.
    let covered_off = format!("{SMUGGLED} /OC /Off BDC q 1 g 60 750 300 30 re f Q EMC");
    check(&[], &[&covered_off], &layers(false));
}

/// One layer, `On`, switched on in the default view (by `/ON`, or by
/// the base state alone), and memberships judged against it.
fn one_layer_on(listed: bool) -> impl Fn(&mut Document, &mut Dictionary, &mut Dictionary) {
    move |doc: &mut Document, resources: &mut Dictionary, catalog: &mut Dictionary| {
        let on = doc.add_object(dictionary! { "Type" => "OCG", "Name" => "On" });
        let mut policy = |p: &str| {
            doc.add_object(dictionary! {
                "Type" => "OCMD", "OCGs" => vec![on.into()], "P" => p,
            })
        };
        let (all_on, any_on, all_off, any_off) = (
            policy("AllOn"),
            policy("AnyOn"),
            policy("AllOff"),
            policy("AnyOff"),
        );
        let mut expression =
            |e: Vec<Object>| doc.add_object(dictionary! { "Type" => "OCMD", "VE" => e });
        let not_on = expression(vec!["Not".into(), on.into()]);
        let or_not_on = expression(vec![
            "Or".into(),
            Object::Array(vec!["Not".into(), on.into()]),
        ]);
        let and_on = expression(vec!["And".into(), on.into()]);
        // Twenty `/Not`s: on, were it followed that deep.
        let mut deep = Object::Reference(on);
        for _ in 0..20 {
            deep = Object::Array(vec!["Not".into(), deep]);
        }
        let deep = doc.add_object(dictionary! { "Type" => "OCMD", "VE" => deep });
        resources.set(
            "Properties",
            dictionary! {
                "AllOn" => all_on, "AnyOn" => any_on, "AllOff" => all_off,
                "AnyOff" => any_off, "NotOn" => not_on, "OrNotOn" => or_not_on,
                "AndOn" => and_on, "Deep" => deep,
            },
        );
        let view = if listed {
            dictionary! { "ON" => vec![on.into()] }
        } else {
            dictionary! {}
        };
        catalog.set(
            "OCProperties",
            dictionary! { "OCGs" => vec![on.into()], "D" => view },
        );
    }
}

#[test]
fn text_a_membership_hides_while_every_layer_is_on_is_not_read() {
    let hidden: Vec<String> = ["AllOff", "AnyOff", "NotOn", "OrNotOn", "Deep"]
        .iter()
        .map(|m| format!("/OC /{m} BDC {SMUGGLED} EMC"))
        .collect();
    let shown: Vec<String> = ["AllOn", "AnyOn", "AndOn"]
        .iter()
        .map(|m| format!("/OC /{m} BDC {SMUGGLED} EMC"))
        .collect();
    for listed in [true, false] {
        check(&refs(&hidden), &refs(&shown), &one_layer_on(listed));
    }
}

#[test]
fn a_field_in_a_layer_switched_off_is_not_read() {
    let fields = [PdfField {
        name: "Full name".into(),
        tooltip: None,
        value: PdfValue::Text("Zed Smuggled".into()),
    }];
    let bytes = pdf(&[vec!["DUTY TO REFER REFERRAL".to_string()]], &fields).expect("pdf");
    let mut document = Document::load_mem(&bytes).expect("loads");
    let off = document.add_object(dictionary! { "Type" => "OCG", "Name" => "Off" });
    let on = document.add_object(dictionary! { "Type" => "OCG", "Name" => "On" });
    let widgets: Vec<lopdf::ObjectId> = document
        .objects
        .iter()
        .filter(|(_, o)| o.as_dict().is_ok_and(|d| d.get(b"Rect").is_ok()))
        .map(|(id, _)| *id)
        .collect();
    assert!(!widgets.is_empty(), "the builder writes widgets");
    let catalog = document.catalog_mut().expect("catalog");
    catalog.set(
        "OCProperties",
        dictionary! {
            "OCGs" => vec![off.into(), on.into()],
            "D" => dictionary! { "OFF" => vec![off.into()] },
        },
    );
    let in_layer = |document: &mut Document, layer: lopdf::ObjectId| {
        for id in &widgets {
            if let Ok(widget) = document.get_object_mut(*id).and_then(Object::as_dict_mut) {
                widget.set("OC", layer);
            }
        }
        let mut out = Vec::new();
        document.save_to(&mut out).expect("saves");
        read(&out)
    };
    let text = in_layer(&mut document, on);
    assert!(text.contains("Zed Smuggled"), "{text:?}");
    let text = in_layer(&mut document, off);
    assert!(!text.contains("Zed Smuggled"), "{text:?}");
}

#[test]
fn a_page_filled_over_its_text_past_checking_says_so() {
    let mut content = String::new();
    for i in 0..2_000 {
        content += &format!("BT /F1 12 Tf 72 {} Td (line {i}) Tj ET\n", 100 + i % 600);
    }
    for _ in 0..3_000 {
        content += "0 0 595 842 re f\n";
    }
    let bytes = one_page(&content, &no_extra);
    // Time enough that the count of checks, not the clock of a busy
    // machine, is what stops the reading.
    let patient = super::super::Limits {
        max_time: std::time::Duration::from_secs(120),
        ..LIMITS
    };
    assert_eq!(
        read_document(DocumentKind::Pdf, &bytes, &patient),
        Err(DocumentError::PdfOverdrawn {
            limit: super::sight::MAX_COVER_CHECKS
        })
    );
}

#[test]
fn text_is_judged_against_the_fill_drawn_under_it() {
    let navy_box = "q 0.12 0.22 0.39 rg 60 750 300 30 re f Q";
    let white_box = "q 1 g 60 750 300 30 re f Q";
    let hidden = [
        // White on a white box, or on the page beside a navy box, or
        // mostly beside one.
        format!("{white_box} q 1 g {SMUGGLED} Q"),
        format!("q 0 0 0.5 rg 60 750 30 30 re f Q q 1 g {SMUGGLED} Q"),
        format!("q 0.12 0.22 0.39 rg 60 100 300 30 re f Q q 1 g {SMUGGLED} Q"),
        // Navy on the navy box drawn before it.
        format!("q 0.12 0.22 0.39 rg 60 750 300 30 re f {SMUGGLED} Q"),
        format!("q 1 1 0 0.5 k 60 750 300 30 re f {SMUGGLED} Q"),
        // A white box painted over the navy one, then white text.
        format!("{navy_box} {white_box} q 1 g {SMUGGLED} Q"),
        // The navy box in its own coordinates, the text on it the same.
        format!("q 0.5 0 0 0.5 0 0 cm 0 0 0.5 rg 120 1500 600 60 re f Q q 0 0 0.5 rg {SMUGGLED} Q"),
    ];
    let shown = [
        // White or yellow on navy: a header row as Word prints it.
        format!("{navy_box} q 1 g {SMUGGLED} Q"),
        format!("{navy_box} q 1 1 0 rg {SMUGGLED} Q"),
        format!("q 1 1 0 0.5 k 60 750 300 30 re f Q q 0 0 0 0 k {SMUGGLED} Q"),
        format!("q 0.5 0 0 0.5 0 0 cm 0 0 0.5 rg 120 1500 600 60 re f Q q 1 g {SMUGGLED} Q"),
        // The topmost fill counts: navy over white.
        format!("{white_box} {navy_box} q 1 g {SMUGGLED} Q"),
        // Black on the navy box's neighbour, white on it in a cell of a
        // path of several rectangles.
        format!("q 0 0 0.5 rg 0 0 10 10 re 60 750 300 30 re f Q q 1 g {SMUGGLED} Q"),
        // Its end (estimated from no widths) a little past the box.
        format!("q 0 0 0.5 rg 60 750 70 30 re f Q q 1 g {SMUGGLED} Q"),
    ];
    check(&refs(&hidden), &refs(&shown), &no_extra);
}

/// A table as a word processor prints it: each label white in a navy
/// cell drawn before it, each answer black beside it.
fn navy_label_table(rows: &[(&str, &str)]) -> String {
    let mut content = String::new();
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = 700 - 30 * i as i32;
        content += &format!(
            "q 0.122 0.22 0.392 rg 50 {} 200 24 re f Q\n\
             q 1 1 1 rg BT /F1 11 Tf 56 {y} Td ({label}) Tj ET Q\n\
             q 0.5 g 250 {} 300 24 re S Q\n",
            y - 7,
            y - 7,
        );
        if !value.is_empty() {
            content += &format!("BT /F1 11 Tf 260 {y} Td ({value}) Tj ET\n");
        }
    }
    content
}

#[test]
fn a_form_printed_with_white_labels_on_navy_cells_is_read() {
    use crate::core::field::Field;
    use crate::core::form::read_form;
    let content = navy_label_table(&[
        ("Full name", "Sam Example"),
        ("Date of birth", "01/02/1990"),
        ("Prison number", "A1234BC"),
    ]);
    let text = read(&page_drawing(&content, &no_extra));
    let form = read_form(&text);
    assert_eq!(
        form.values.get(&Field::FullName).map(String::as_str),
        Some("Sam Example"),
        "{text:?}"
    );
    assert_eq!(
        form.values.get(&Field::PrisonNumber).map(String::as_str),
        Some("A1234BC"),
        "{text:?}"
    );
    assert!(form.values.contains_key(&Field::DateOfBirth), "{text:?}");
    // Left blank, it is a form left blank, not a scan.
    let blank = navy_label_table(&[("Full name", ""), ("Date of birth", "")]);
    let text = read(&page_drawing(&blank, &no_extra));
    assert!(text.contains("Full name"), "{text:?}");
}

#[test]
fn many_fills_under_text_are_judged_within_bounds() {
    let mut content = String::new();
    for i in 0..20_000 {
        content += &format!("0.9 g {} {} 4 4 re f\n", i % 590, (i / 590) * 5 % 830);
    }
    content += "0 0 0.5 rg 60 750 300 30 re f\n";
    for i in 0..2_000 {
        content += &format!(
            "0 g BT /F1 12 Tf 72 {} Td (line {i}) Tj ET\n",
            100 + i % 600
        );
    }
    content += &format!("1 g {SMUGGLED}\n0 g\n");
    // Read whole, on a busy machine given time to.
    let limits = super::super::Limits {
        max_time: std::time::Duration::from_secs(20),
        ..LIMITS
    };
    let text =
        read_document(DocumentKind::Pdf, &one_page(&content, &no_extra), &limits).expect("read");
    assert!(text.contains("line 1999"), "{text:?}");
    assert!(text.contains("Sam Example"));
    // However many fills and pieces of text, the looks are bounded.
    let mut beneath = super::sight::Beneath::default();
    let fill = |i: usize| super::Rect {
        left: (i % 590) as f32,
        bottom: ((i / 590) * 5 % 830) as f32,
        right: (i % 590) as f32 + 4.0,
        top: ((i / 590) * 5 % 830) as f32 + 4.0,
    };
    for i in 0..20_000 {
        beneath.push(fill(i), None);
    }
    for i in 0..10_000 {
        beneath.under(&fill(i * 7));
    }
    assert!(beneath.checks() <= super::sight::MAX_BENEATH_CHECKS);
}

#[test]
fn text_under_an_inline_image_or_a_shading_painted_after_it_is_not_read() {
    let shading = |_: &mut Document, resources: &mut Dictionary, _: &mut Dictionary| {
        let function = dictionary! {
            "FunctionType" => 2, "Domain" => vec![0.into(), 1.into()],
            "C0" => vec![1.into(), 1.into(), 1.into()],
            "C1" => vec![Object::Real(0.9), Object::Real(0.9), Object::Real(0.9)], "N" => 1,
        };
        resources.set(
            "Shading",
            dictionary! {
                "Sh" => dictionary! {
                    "ShadingType" => 2, "ColorSpace" => "DeviceRGB",
                    "Coords" => vec![60.into(), 750.into(), 360.into(), 750.into()],
                    "Function" => function, "Extend" => vec![true.into(), true.into()],
                },
            },
        );
        resources.set(
            "ExtGState",
            dictionary! { "Half" => dictionary! { "ca" => Object::Real(0.5) } },
        );
    };
    let image = |at: &str, mask: &str| {
        format!("q 300 0 0 30 {at} cm BI /W 1 /H 1 /BPC 8 /CS /G {mask}ID A EI Q")
    };
    let hidden = [
        format!("{SMUGGLED} {}", image("60 750", "")),
        format!("{SMUGGLED} q 60 750 300 30 re W n /Sh sh Q"),
        // With no clip, the shading fills the page.
        format!("{SMUGGLED} q /Sh sh Q"),
    ];
    let shown = [
        format!("{SMUGGLED} {}", image("60 100", "")),
        format!("{SMUGGLED} {}", image("60 750", "/IM true ")),
        format!("{} {SMUGGLED}", image("60 750", "")),
        format!("q 60 750 300 30 re W n /Sh sh Q {SMUGGLED}"),
        format!("{SMUGGLED} q 60 100 300 30 re W n /Sh sh Q"),
        format!("{SMUGGLED} q /Half gs 60 750 300 30 re W n /Sh sh Q"),
    ];
    check(&refs(&hidden), &refs(&shown), &shading);
}

/// A form XObject of `content`, its own font `F2` (Helvetica), placed by
/// `matrix` and clipped to `bbox`, with more resources from `more`.
fn form_xobject(
    doc: &mut Document,
    content: &str,
    matrix: [f32; 6],
    bbox: [i64; 4],
    more: Dictionary,
) -> lopdf::ObjectId {
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let mut resources = dictionary! { "Font" => dictionary! { "F2" => font } };
    for (key, value) in more.iter() {
        resources.set(key.clone(), value.clone());
    }
    doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Form",
            "BBox" => bbox.iter().map(|&v| Object::Integer(v)).collect::<Vec<_>>(),
            "Matrix" => matrix.iter().map(|&v| Object::Real(v)).collect::<Vec<_>>(),
            "Resources" => resources,
        },
        content.as_bytes().to_vec(),
    ))
}

const IN_FORM: &str = "BT /F2 12 Tf 62 780 Td (Zed Smuggled) Tj ET";

#[test]
fn text_in_a_form_xobject_is_read_by_the_same_rules() {
    let forms = |doc: &mut Document, resources: &mut Dictionary, catalog: &mut Dictionary| {
        // Moved 10 right and 20 down: drawn at 72, 760.
        let at = [1.0, 0.0, 0.0, 1.0, 10.0, -20.0];
        let page = [0, 0, 595, 842];
        let plain = form_xobject(doc, IN_FORM, at, page, dictionary! {});
        let white = form_xobject(doc, &format!("1 g {IN_FORM}"), at, page, dictionary! {});
        let clipped = form_xobject(doc, IN_FORM, at, [0, 0, 100, 100], dictionary! {});
        let inner = form_xobject(doc, IN_FORM, at, page, dictionary! {});
        let outer = form_xobject(
            doc,
            "/Inner Do",
            [1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
            page,
            dictionary! { "XObject" => dictionary! { "Inner" => inner } },
        );
        // A form drawing itself, and two drawing each other.
        let looping = doc.new_object_id();
        let (ping, pong) = (doc.new_object_id(), doc.new_object_id());
        for (id, calls, text) in [
            (looping, looping, IN_FORM),
            (ping, pong, IN_FORM),
            (pong, ping, ""),
        ] {
            let form = form_xobject(
                doc,
                &format!("{text} /Again Do"),
                at,
                page,
                dictionary! { "XObject" => dictionary! { "Again" => calls } },
            );
            let object = doc.objects.remove(&form).expect("added");
            doc.objects.insert(id, object);
        }
        let off = doc.add_object(dictionary! { "Type" => "OCG", "Name" => "Off" });
        let in_layer = form_xobject(doc, IN_FORM, at, page, dictionary! {});
        if let Ok(Object::Stream(s)) = doc.get_object_mut(in_layer) {
            s.dict.set("OC", off);
        }
        catalog.set(
            "OCProperties",
            dictionary! { "OCGs" => vec![off.into()], "D" => dictionary! { "OFF" => vec![off.into()] } },
        );
        resources.set(
            "XObject",
            dictionary! {
                "Plain" => plain, "White" => white, "Clipped" => clipped, "Outer" => outer,
                "Looping" => looping, "Ping" => ping, "InLayer" => in_layer,
            },
        );
    };
    let hidden = [
        "/White Do",
        "/Clipped Do",
        "/InLayer Do",
        "/Plain Do q 1 g 60 750 300 30 re f Q",
        "q 0.01 0 0 0.01 0 0 cm /Plain Do Q",
    ];
    let shown = [
        "/Plain Do",
        "/Outer Do",
        "/Looping Do",
        "/Ping Do",
        "q 0 0 0.5 rg 60 750 300 30 re f Q /White Do",
    ];
    check(&hidden, &shown, &forms);
    // Once only, however often the form draws itself.
    let text = read(&one_page("/Looping Do", &forms));
    assert_eq!(text.matches("Zed Smuggled").count(), 1, "{text:?}");
}

#[test]
fn a_form_flattened_into_a_form_xobject_is_read() {
    use crate::core::field::Field;
    use crate::core::form::read_form;
    let content = "BT /F2 11 Tf 56 700 Td (Full name) Tj 204 0 Td (Sam Example) Tj ET\n\
        BT /F2 11 Tf 56 670 Td (Prison number) Tj 204 0 Td (A1234BC) Tj ET";
    let flattened = move |doc: &mut Document, resources: &mut Dictionary, _: &mut Dictionary| {
        let form = form_xobject(
            doc,
            content,
            [1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
            [0, 0, 595, 842],
            dictionary! {},
        );
        resources.set("XObject", dictionary! { "Fm0" => form });
    };
    let text = read(&page_drawing("q /Fm0 Do Q", &flattened));
    let form = read_form(&text);
    assert_eq!(
        form.values.get(&Field::FullName).map(String::as_str),
        Some("Sam Example"),
        "{text:?}"
    );
    assert_eq!(
        form.values.get(&Field::PrisonNumber).map(String::as_str),
        Some("A1234BC"),
        "{text:?}"
    );
}

#[test]
fn text_under_an_annotation_filled_over_it_is_not_read() {
    let annotated =
        |subtype: &'static str, flags: i64, rect: [i64; 4], appearance: &'static str| {
            move |doc: &mut Document, page: &mut Dictionary| {
                let ap = doc.add_object(Stream::new(
                    dictionary! {
                        "Type" => "XObject", "Subtype" => "Form",
                        "BBox" => vec![0.into(), 0.into(), 300.into(), 30.into()],
                    },
                    appearance.as_bytes().to_vec(),
                ));
                let annot = doc.add_object(dictionary! {
                    "Type" => "Annot", "Subtype" => subtype, "F" => flags,
                    "Rect" => rect.iter().map(|&v| Object::Integer(v)).collect::<Vec<_>>(),
                    "AP" => dictionary! { "N" => ap },
                });
                page.set("Annots", vec![Object::Reference(annot)]);
            }
        };
    let over = [60, 750, 360, 780];
    let cases: [(&str, i64, [i64; 4], &str, bool); 7] = [
        ("Square", 4, over, "1 g 0 0 300 30 re f", false),
        (
            "FreeText",
            4,
            over,
            "0.9 g 0 0 300 30 re f 0 g BT /Helv 10 Tf 2 10 Td (note) Tj ET",
            false,
        ),
        ("Widget", 4, over, "1 1 1 rg 0 0 300 30 re f", false),
        // Drawn at half the size of its box: still over the text.
        (
            "Square",
            4,
            [30, 735, 390, 795],
            "1 g 0 0 300 30 re f",
            false,
        ),
        // Hidden, elsewhere, or only outlined.
        ("Square", 2, over, "1 g 0 0 300 30 re f", true),
        (
            "Square",
            4,
            [60, 100, 360, 130],
            "1 g 0 0 300 30 re f",
            true,
        ),
        ("Square", 4, over, "0 G 0 0 300 30 re S", true),
    ];
    for (subtype, flags, rect, appearance, seen) in cases {
        let bytes = page_with(
            &format!("{SMUGGLED}\n{SHOWN}"),
            &no_extra,
            &annotated(subtype, flags, rect, appearance),
        );
        let text = read(&bytes);
        assert!(
            text.contains("Sam Example"),
            "{subtype} {appearance}: {text:?}"
        );
        assert_eq!(
            text.contains("Zed Smuggled"),
            seen,
            "{subtype} {appearance}: {text:?}"
        );
        assert!(!text.contains("note"), "{text:?}");
    }
}

#[test]
fn text_in_a_spot_colour_whose_calculator_never_inks_is_not_read() {
    let spaces = |doc: &mut Document, resources: &mut Dictionary, _: &mut Dictionary| {
        let mut calculator = |program: &str, inputs: usize| {
            let domain: Vec<Object> = (0..inputs).flat_map(|_| [0.into(), 1.into()]).collect();
            let range: Vec<Object> = (0..4).flat_map(|_| [0.into(), 1.into()]).collect();
            doc.add_object(Stream::new(
                dictionary! { "FunctionType" => 4, "Domain" => domain, "Range" => range },
                program.as_bytes().to_vec(),
            ))
        };
        let paper = calculator("{pop 0 0 0 0}", 1);
        let blue = calculator("{dup 0.5 mul exch 0 exch 0}", 1);
        let branching = calculator("{dup 0.5 gt {pop 0 0 0 0} {0 0 0} ifelse}", 1);
        let pale = calculator("{0.5 mul 0 0 0}", 1);
        let paper_n = calculator("{pop pop 0 0 0 0}", 2);
        let inks_n = calculator("{0 0}", 2);
        let separation = |function| -> Object {
            vec![
                "Separation".into(),
                "Blue".into(),
                "DeviceCMYK".into(),
                Object::Reference(function),
            ]
            .into()
        };
        let device_n = |function| -> Object {
            vec![
                "DeviceN".into(),
                vec!["Cyan".into(), "Magenta".into()].into(),
                "DeviceCMYK".into(),
                Object::Reference(function),
            ]
            .into()
        };
        resources.set(
            "ColorSpace",
            dictionary! {
                "Paper" => separation(paper), "Blue" => separation(blue),
                "Branching" => separation(branching), "Pale" => separation(pale),
                "PaperN" => device_n(paper_n), "InksN" => device_n(inks_n),
            },
        );
    };
    let drawn = |colour: &str| format!("q {colour} {SMUGGLED} Q");
    let hidden: Vec<String> = [
        "/Paper cs 1 scn",
        "/Paper cs",
        "/Blue cs 0 scn",
        "/PaperN cs 1 1 scn",
        // No ink, whatever is under it.
        "0 0 0.5 rg 60 750 300 30 re f /Paper cs 1 scn",
    ]
    .map(drawn)
    .to_vec();
    let shown: Vec<String> = [
        "/Blue cs 1 scn",
        // Not run: judged as any tint, ink unless none.
        "/Branching cs 1 scn",
        "/Pale cs 1 scn",
        "/InksN cs 1 1 scn",
    ]
    .map(drawn)
    .to_vec();
    check(&refs(&hidden), &refs(&shown), &spaces);
}

/// A form of one text field, `Full name` valued `Zed Smuggled`, its
/// widget's default appearance `da` and normal appearance drawing
/// `appearance` (none when `None`); `need` sets `NeedAppearances`;
/// `background` the widget's background colour (`/MK /BG`).
fn one_field(
    da: Option<&str>,
    form_da: &str,
    appearance: Option<&str>,
    need: bool,
    background: Option<&[f32]>,
) -> String {
    let fields = [PdfField {
        name: "Full name".into(),
        tooltip: None,
        value: PdfValue::Text("Zed Smuggled".into()),
    }];
    let bytes = pdf(&[vec!["DUTY TO REFER REFERRAL".to_string()]], &fields).expect("pdf");
    let mut document = Document::load_mem(&bytes).expect("loads");
    let ap = appearance.map(|content| {
        document.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Form",
                "BBox" => vec![0.into(), 0.into(), 200.into(), 20.into()],
            },
            content.as_bytes().to_vec(),
        ))
    });
    let widgets: Vec<lopdf::ObjectId> = document
        .objects
        .iter()
        .filter(|(_, o)| o.as_dict().is_ok_and(|d| d.get(b"Rect").is_ok()))
        .map(|(id, _)| *id)
        .collect();
    for id in &widgets {
        if let Ok(widget) = document.get_object_mut(*id).and_then(Object::as_dict_mut) {
            if let Some(background) = background {
                widget.set(
                    "MK",
                    dictionary! { "BG" => background.iter().map(|&v| Object::Real(v)).collect::<Vec<_>>() },
                );
            }
            match da {
                Some(da) => widget.set("DA", Object::string_literal(da)),
                None => {
                    widget.remove(b"DA");
                }
            }
            if let Some(ap) = ap {
                widget.set("AP", dictionary! { "N" => ap });
            }
        }
    }
    let form = document
        .catalog()
        .and_then(|c| c.get(b"AcroForm"))
        .and_then(Object::as_reference)
        .expect("a form");
    let form = document
        .get_object_mut(form)
        .and_then(Object::as_dict_mut)
        .expect("form");
    form.set("NeedAppearances", need);
    form.set("DA", Object::string_literal(form_da));
    let mut out = Vec::new();
    document.save_to(&mut out).expect("saves");
    read(&out)
}

#[test]
fn a_field_whose_value_is_drawn_unseen_is_no_answer() {
    let black = "/Helv 0 Tf 0 g";
    let shows = "/Tx BMC BT /Helv 10 Tf 2 5 Td (Zed Smuggled) Tj ET EMC";
    /// The widget's `/DA`, the form's, the widget's appearance, whether
    /// the form asks for values drawn afresh, whether the value is read.
    type Case<'a> = (Option<&'a str>, &'a str, Option<&'a str>, bool, bool);
    let cases: [Case; 10] = [
        (Some(black), black, None, true, true),
        (Some("/Helv 10 Tf 0 0 0.5 rg"), black, None, true, true),
        // White, or under a point high; from the field or the form.
        (Some("/Helv 10 Tf 1 g"), black, None, true, false),
        (Some("/Helv 10 Tf 1 1 1 rg"), black, None, true, false),
        (Some("1 g /Helv 10 Tf"), black, None, true, false),
        (Some("/Helv 0.5 Tf 0 g"), black, None, true, false),
        (None, "/Helv 10 Tf 0 0 0 0 k", None, true, false),
        // An appearance drawing nothing, shown as it is.
        (Some(black), black, Some("/Tx BMC EMC"), false, false),
        (Some(black), black, Some(shows), false, true),
        // Drawn afresh from its value when the form asks.
        (Some(black), black, Some("/Tx BMC EMC"), true, true),
    ];
    for (da, form_da, appearance, need, seen) in cases {
        let text = one_field(da, form_da, appearance, need, None);
        assert!(text.contains("DUTY TO REFER"), "{text:?}");
        assert_eq!(
            text.contains("Zed Smuggled"),
            seen,
            "{da:?} {form_da} {appearance:?} {need}: {text:?}"
        );
    }
    // White on a navy field shows; navy on it does not.
    let navy: &[f32] = &[0.0, 0.0, 0.5];
    let white = Some("/Helv 10 Tf 1 g");
    let text = one_field(white, black, None, true, Some(navy));
    assert!(text.contains("Zed Smuggled"), "{text:?}");
    let text = one_field(
        Some("/Helv 10 Tf 0 0 0.5 rg"),
        black,
        None,
        true,
        Some(navy),
    );
    assert!(!text.contains("Zed Smuggled"), "{text:?}");
}

#[test]
fn a_page_tree_that_loops_is_a_damaged_pdf_not_a_scan() {
    // The root's kids: a page, and the root again; a node whose kids
    // list the root; the root alone, no page at all.
    for shape in 0..3 {
        let mut doc = Document::with_version("1.7");
        let root = doc.new_object_id();
        let child = doc.new_object_id();
        let font = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        });
        let content = doc.add_object(Stream::new(dictionary! {}, SHOWN.as_bytes().to_vec()));
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => root, "Contents" => content,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
        });
        let (root_kids, child_kids): (Vec<Object>, Vec<Object>) = match shape {
            0 => (vec![page.into(), root.into()], vec![]),
            1 => (vec![child.into()], vec![page.into(), root.into()]),
            _ => (vec![root.into()], vec![]),
        };
        let media = vec![0.into(), 0.into(), 595.into(), 842.into()];
        doc.objects.insert(
            root,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => root_kids, "Count" => 1, "MediaBox" => media.clone(),
            }),
        );
        doc.objects.insert(
            child,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Parent" => root, "Kids" => child_kids, "Count" => 1,
            }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => root });
        doc.trailer.set("Root", catalog);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).expect("saves");
        let read = read_document(DocumentKind::Pdf, &bytes, &LIMITS);
        assert!(
            matches!(&read, Err(DocumentError::Malformed(why)) if why.contains("page tree")),
            "{shape}: {read:?}"
        );
    }
}

/// Pages built to keep each hot loop busy: long `TJ`s, one past reading
/// (an operation of more operands than any writer makes), text over
/// thousands of fills, a table's labels each beside countless answers,
/// forms drawn thousands of times.
fn slow_pages() -> Vec<(&'static str, Vec<u8>)> {
    let mut pages = Vec::new();
    let mut tj = String::from("BT /F1 12 Tf 72 700 Td [");
    for _ in 0..5_000 {
        tj += "(a) -10 ";
    }
    tj += "] TJ ET\n";
    pages.push(("long TJs", page_drawing(&tj.repeat(90), &no_extra)));
    let mut huge = String::from("BT /F1 12 Tf 72 700 Td [");
    for _ in 0..400_000 {
        huge += "(a) -10 ";
    }
    huge += "] TJ ET";
    pages.push(("one TJ past reading", page_drawing(&huge, &no_extra)));
    let mut fills = String::new();
    for i in 0..4_000 {
        fills += &format!(
            "0.{} g {} {} 300 20 re f\n",
            1 + i % 8,
            50 + i % 7,
            100 + i % 500
        );
    }
    for i in 0..40_000 {
        fills += &format!(
            "1 g BT /F1 12 Tf 1 0 0 1 2 {} Tm [(x{i})] TJ ET\n",
            5 + i % 800
        );
    }
    pages.push(("text over fills", page_drawing(&fills, &no_extra)));
    let mut beside = String::from("BT /F1 10 Tf\n");
    for i in 0..30_000 {
        beside += &format!("1 0 0 1 300 {} Tm (answer {i}) Tj\n", 100_000 - i * 12);
    }
    for i in 0..3_000 {
        beside += &format!("1 0 0 1 20 {} Tm (Full name) Tj\n", 100 - i * 12);
    }
    beside += "ET";
    pages.push((
        "labels beside answers",
        page_with(&beside, &no_extra, &|doc, page| {
            let _ = doc;
            page.set(
                "MediaBox",
                vec![0.into(), (-100_000).into(), 595.into(), 200_000.into()],
            );
        }),
    ));
    let forms = |doc: &mut Document, resources: &mut Dictionary, _: &mut Dictionary| {
        let mut content = String::new();
        for i in 0..5_000 {
            content += &format!("BT /F2 12 Tf 72 {} Td (f{i}) Tj ET\n", 100 + i % 600);
        }
        let form = form_xobject(
            doc,
            &content,
            [1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
            [0, 0, 595, 842],
            dictionary! {},
        );
        let mut calls = String::new();
        for _ in 0..1_000 {
            calls += "/Fm Do ";
        }
        let outer = form_xobject(
            doc,
            &calls,
            [1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
            [0, 0, 595, 842],
            dictionary! { "XObject" => dictionary! { "Fm" => form } },
        );
        resources.set("XObject", dictionary! { "Outer" => outer, "Fm" => form });
    };
    pages.push(("forms", page_drawing("/Outer Do /Outer Do", &forms)));
    pages
}

#[test]
fn reading_stops_soon_after_the_time_budget() {
    let limits = super::super::Limits {
        max_time: std::time::Duration::from_millis(400),
        ..LIMITS
    };
    for (what, bytes) in slow_pages() {
        let started = std::time::Instant::now();
        let read = read_document(DocumentKind::Pdf, &bytes, &limits);
        let took = started.elapsed();
        eprintln!("{what}: {took:?} {:?}", read.as_ref().map(String::len));
        assert!(
            matches!(
                read,
                Err(DocumentError::TimedOut(_) | DocumentError::NoText)
            ),
            "{what}: {read:?}"
        );
        // An unoptimised build on a busy machine is slower: within the
        // budget again, where one operation read at once took four times
        // it.
        assert!(took < limits.max_time * 2, "{what}: {took:?}");
    }
}

#[test]
fn a_rectangle_drawn_as_four_lines_is_a_fill_like_any_other() {
    let navy_lines = "0 0 0.5 rg 60 750 m 360 750 l 360 780 l 60 780 l h f";
    let hidden = [
        // Navy on navy, and white lines filled over the text.
        format!("q {navy_lines} {SMUGGLED} Q"),
        format!("{SMUGGLED} q 1 g 60 750 m 60 780 l 360 780 l 360 750 l 60 750 l f Q"),
    ];
    let shown = [
        format!("q {navy_lines} Q q 1 g {SMUGGLED} Q"),
        // Not a rectangle, or with a hole drawn the other way round.
        format!("{SMUGGLED} q 1 g 60 750 m 360 750 l 360 780 l 210 800 l 60 780 l h f Q"),
        format!("{SMUGGLED} q 1 g 60 750 m 360 750 l 360 780 l 60 780 l h 60 700 m 60 790 l 370 790 l 370 700 l h f Q"),
        format!("{SMUGGLED} q 1 g 60 750 m 360 750 l 360 780 l f Q"),
    ];
    check(&refs(&hidden), &refs(&shown), &no_extra);
}

/// A form of one check box, `Consent to referral`, ticked (`/V` and
/// `/AS` both `/Yes`), its "on" appearance drawing `on`.
fn ticked_box(on: &str) -> String {
    let fields = [PdfField {
        name: "Consent to referral".into(),
        tooltip: None,
        value: PdfValue::Check(true),
    }];
    let bytes = pdf(&[vec!["DUTY TO REFER REFERRAL".to_string()]], &fields).expect("pdf");
    let mut document = Document::load_mem(&bytes).expect("loads");
    let font = document.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "ZapfDingbats",
    });
    let mut appearance = |content: &str| {
        document.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Form",
                "BBox" => vec![0.into(), 0.into(), 12.into(), 12.into()],
                "Resources" => dictionary! { "Font" => dictionary! { "ZaDb" => font } },
            },
            content.as_bytes().to_vec(),
        ))
    };
    let (yes, off) = (appearance(on), appearance(""));
    let widgets: Vec<lopdf::ObjectId> = document
        .objects
        .iter()
        .filter(|(_, o)| o.as_dict().is_ok_and(|d| d.get(b"Rect").is_ok()))
        .map(|(id, _)| *id)
        .collect();
    assert!(!widgets.is_empty(), "the builder writes widgets");
    for id in &widgets {
        if let Ok(widget) = document.get_object_mut(*id).and_then(Object::as_dict_mut) {
            widget.set(
                "AP",
                dictionary! { "N" => dictionary! { "Yes" => yes, "Off" => off } },
            );
        }
    }
    let mut out = Vec::new();
    document.save_to(&mut out).expect("saves");
    read(&out)
}

#[test]
fn a_check_box_whose_on_appearance_draws_no_mark_is_not_ticked() {
    let cases = [
        ("", false),
        ("q Q", false),
        ("/Tx BMC EMC", false),
        // A path built but never painted leaves no mark.
        ("0 g 2 2 8 8 re n", false),
        ("q 0 g BT /ZaDb 10 Tf 1 2 Td (4) Tj ET Q", true),
        ("0 g 2 2 8 8 re f", true),
        ("0 G 1 w 2 2 m 10 10 l S", true),
    ];
    for (on, ticked) in cases {
        let text = ticked_box(on);
        assert!(text.contains("DUTY TO REFER"), "{on}: {text:?}");
        assert_eq!(
            text.contains("Consent to referral\tYes"),
            ticked,
            "{on}: {text:?}"
        );
    }
}

#[test]
fn text_spaced_off_the_page_is_not_read() {
    // Spacing is kept from one text object to the next: each case is
    // drawn within `q` ... `Q`.
    let hidden = [
        // Each glyph after the first moved 3000 units on (or back).
        "q BT /F1 12 Tf 3000 Tc 72 760 Td ( Zed Smuggled) Tj ET Q",
        "q BT /F1 12 Tf -3000 Tc 500 760 Td ( Zed Smuggled) Tj ET Q",
        "q BT /F1 12 Tf 3000 Tc 72 760 Td [( Zed Smuggled)] TJ ET Q",
        // Each word after the first space.
        "q BT /F1 12 Tf 3000 Tw 72 760 Td ( Zed Smuggled) Tj ET Q",
        "q BT /F1 12 Tf 72 760 Td 3000 0 ( Zed Smuggled) \" ET Q",
        // Spacing scaled by `Tz`.
        "q BT /F1 12 Tf 2000 Tz 30 Tc 72 760 Td ( Zed Smuggled) Tj ET Q",
    ];
    let shown = [
        "q BT /F1 12 Tf 1 Tc 72 760 Td (Zed Smuggled) Tj ET Q",
        "q BT /F1 12 Tf 2 Tw 72 760 Td (Zed Smuggled) Tj ET Q",
        // Spacing set and reset before the text is drawn.
        "BT /F1 12 Tf 3000 Tc 0 Tc 72 760 Td (Zed Smuggled) Tj ET",
    ];
    check(&hidden, &shown, &no_extra);
    // Left set, it spaces what follows off the page too.
    let text = read(&page_drawing(
        "BT /F1 12 Tf 72 700 Td (Sam Example) Tj 3000 Tc ET\nBT 72 680 Td (Zed Smuggled) Tj ET",
        &no_extra,
    ));
    assert!(text.contains("Sam Example"), "{text:?}");
    assert!(!text.contains("Zed Smuggled"), "{text:?}");
}

/// A page that reads, and an object of one array of `items` numbers
/// nothing uses.
fn page_and_array(items: usize) -> Vec<u8> {
    page_with(
        "BT /F1 12 Tf 72 700 Td (Full name: Sam Example) Tj ET",
        &|doc, _, _| {
            let numbers: Vec<Object> = (0..items).map(|i| Object::Integer(i as i64 % 10)).collect();
            doc.add_object(numbers);
        },
        &|_, _| {},
    )
}

#[test]
fn a_pdf_of_more_values_than_load_in_time_is_refused_at_once() {
    // Within the budget: read.
    let text = read(&page_and_array(20_000));
    assert!(text.contains("Sam Example"), "{text:?}");
    // A smaller budget loads fewer values in time: the same document is
    // refused, saying why, before its loading starts.
    let limits = super::super::Limits {
        max_time: std::time::Duration::from_millis(100),
        ..LIMITS
    };
    let started = std::time::Instant::now();
    let read = read_document(DocumentKind::Pdf, &page_and_array(20_000), &limits);
    assert!(
        matches!(read, Err(DocumentError::PdfTooManyValues { .. })),
        "{read:?}"
    );
    assert!(
        started.elapsed() < limits.max_time,
        "{:?}",
        started.elapsed()
    );
    // So is one array of millions of numbers within the usual budget.
    let bytes = page_and_array(3_000_000);
    let started = std::time::Instant::now();
    let read = read_document(DocumentKind::Pdf, &bytes, &LIMITS);
    let took = started.elapsed();
    assert!(
        matches!(read, Err(DocumentError::PdfTooManyValues { .. })),
        "{read:?}"
    );
    assert!(took < LIMITS.max_time, "{took:?}");
}
