use super::write::{docx, odt, pdf, word_paragraph, word_table, PdfField, PdfValue};
use super::*;
use crate::core::field::Field;
use crate::core::form::{read_form, FormReading, CELL_SEPARATOR};

fn form(kind: DocumentKind, bytes: &[u8]) -> FormReading {
    let text = read_document(kind, bytes, &LIMITS).expect("read");
    read_form(&text)
}

fn rows(pairs: &[(&str, &str)]) -> Vec<Vec<String>> {
    pairs
        .iter()
        .map(|(l, v)| vec![l.to_string(), v.to_string()])
        .collect()
}

#[test]
fn word_paragraphs_and_tables_read_as_the_body_form_does() {
    let body = [
        word_paragraph("DUTY TO REFER REFERRAL"),
        word_paragraph("Full name: Sam Example"),
        word_table(&rows(&[
            ("Date of birth", "14/07/1988"),
            ("Prison number", "a1234bc"),
            (
                "Reason at risk of homelessness",
                "Tenancy ended while in custody",
            ),
        ])),
    ]
    .concat();
    let reading = form(DocumentKind::Docx, &docx(&body).expect("docx"));
    assert!(reading.heading);
    assert_eq!(reading.values[&Field::FullName], "Sam Example");
    assert_eq!(reading.values[&Field::DateOfBirth], "14/07/1988");
    assert_eq!(reading.values[&Field::PrisonNumber], "a1234bc");
    assert_eq!(
        reading.values[&Field::HomelessnessReason],
        "Tenancy ended while in custody"
    );
}

#[test]
fn a_table_row_pairing_a_known_question_with_an_unknown_one_keeps_the_known_answer() {
    let table = word_table(&[
        vec![
            "Full name".to_string(),
            "Daniel Whitmore".to_string(),
            "Favourite colour".to_string(),
            "blue".to_string(),
        ],
        vec![
            "Date of birth".to_string(),
            "02/03/1991".to_string(),
            "Shoe size".to_string(),
            "9".to_string(),
        ],
        // Options of a yes/no question across its cells stay one answer.
        vec![
            "Consent to referral".to_string(),
            "Yes".to_string(),
            "X".to_string(),
            "No".to_string(),
        ],
    ]);
    let reading = form(DocumentKind::Docx, &docx(&table).expect("docx"));
    assert_eq!(reading.values[&Field::FullName], "Daniel Whitmore");
    assert_eq!(reading.values[&Field::DateOfBirth], "02/03/1991");
    let consent = &reading.values[&Field::Consent];
    assert!(
        consent.starts_with("Yes") && consent.ends_with("No"),
        "{consent:?}"
    );
}

#[test]
fn deleted_text_field_codes_and_placeholders_are_never_values() {
    let xml = r#"<w:document xmlns:w="w" xmlns:w14="w14"><w:body>
      <w:p><w:r><w:t>Full name: </w:t></w:r><w:del w:id="1"><w:r><w:delText>Wrong Person</w:delText></w:r></w:del><w:ins><w:r><w:t>Sam Example</w:t></w:r></w:ins></w:p>
      <w:p><w:r><w:t xml:space="preserve">Prison number: </w:t></w:r><w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Text1"/></w:ffData></w:fldChar></w:r><w:r><w:instrText> FORMTEXT </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>A1234BC</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>
      <w:p><w:r><w:t>CRN: </w:t></w:r><w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:r><w:t>Click or tap here to enter text.</w:t></w:r></w:sdtContent></w:sdt></w:p>
      <w:p><w:r><w:t>Current location: </w:t></w:r><w:sdt><w:sdtPr><w:alias w:val="Location"/></w:sdtPr><w:sdtContent><w:r><w:t>HMP Chelmsford</w:t></w:r></w:sdtContent></w:sdt></w:p>
    </w:body></w:document>"#;
    let text = docx::read_document_xml(xml).expect("read");
    let reading = read_form(&text);
    assert_eq!(reading.values[&Field::FullName], "Sam Example", "{text}");
    assert_eq!(reading.values[&Field::PrisonNumber], "A1234BC", "{text}");
    assert_eq!(reading.values[&Field::CurrentLocation], "HMP Chelmsford");
    assert!(!reading.values.contains_key(&Field::Crn), "{text}");
}

#[test]
fn hidden_text_is_no_answer() {
    // The consent cell's only text is hidden (`w:vanish`): the reader of
    // the form sees nothing there, and neither does the gateway.
    let xml = r#"<w:document xmlns:w="w"><w:body>
      <w:p><w:r><w:t xml:space="preserve">Consent to referral: </w:t></w:r><w:r><w:rPr><w:vanish/></w:rPr><w:t>Yes</w:t></w:r></w:p>
      <w:p><w:pPr><w:rPr><w:vanish/></w:rPr></w:pPr><w:r><w:t>Full name: Sam Example</w:t></w:r></w:p>
      <w:p><w:r><w:t xml:space="preserve">Custody status: </w:t></w:r><w:r><w:rPr><w:vanish w:val="0"/></w:rPr><w:t>remand</w:t></w:r></w:p>
    </w:body></w:document>"#;
    let text = docx::read_document_xml(xml).expect("read");
    let reading = read_form(&text);
    assert!(!reading.values.contains_key(&Field::Consent), "{text}");
    // Only a hidden paragraph mark: the run's text shows.
    assert_eq!(reading.values[&Field::FullName], "Sam Example", "{text}");
    assert_eq!(reading.values[&Field::CustodyStatus], "remand", "{text}");
}

#[test]
fn word_check_boxes_of_every_kind_read_as_ticks() {
    // A content-control box ticked beside Yes, a legacy box ticked by its
    // state beside No of another question, an X in a table cell.
    let xml = r#"<w:document xmlns:w="w" xmlns:w14="w14"><w:body>
      <w:p><w:r><w:t xml:space="preserve">Consent to referral: </w:t></w:r><w:sdt><w:sdtPr><w14:checkbox><w14:checked w14:val="1"/></w14:checkbox></w:sdtPr><w:sdtContent><w:r><w:t>☒</w:t></w:r></w:sdtContent></w:sdt><w:r><w:t xml:space="preserve"> Yes </w:t></w:r><w:sdt><w:sdtPr><w14:checkbox><w14:checked w14:val="0"/></w14:checkbox></w:sdtPr><w:sdtContent><w:r><w:t>☐</w:t></w:r></w:sdtContent></w:sdt><w:r><w:t xml:space="preserve"> No</w:t></w:r></w:p>
      <w:p><w:r><w:t xml:space="preserve">At risk of rough sleeping: </w:t></w:r><w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:checkBox><w:default w:val="0"/></w:checkBox></w:ffData></w:fldChar></w:r><w:r><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t xml:space="preserve"> Yes </w:t></w:r><w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:checkBox><w:default w:val="0"/><w:checked/></w:checkBox></w:ffData></w:fldChar></w:r><w:r><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t xml:space="preserve"> No</w:t></w:r></w:p>
      <w:tbl><w:tr><w:tc><w:p><w:r><w:t>Existing tenancy or mortgage</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Yes</w:t></w:r></w:p></w:tc><w:tc><w:p/></w:tc><w:tc><w:p><w:r><w:t>No</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>X</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
    </w:body></w:document>"#;
    let text = docx::read_document_xml(xml).expect("read");
    let reading = read_form(&text);
    let authorities = crate::core::authority::Authorities::default();
    let read = crate::core::referral::interpret(
        &reading,
        &crate::core::referral::ReadingContext {
            sent_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"),
            authorities: &authorities,
            receiving_authority: None,
        },
    );
    assert_eq!(read.referral.consent, Some(true), "{text:?}");
    assert_eq!(read.referral.rough_sleeping_risk, Some(false), "{text:?}");
    assert_eq!(read.referral.existing_tenancy, Some(false), "{text:?}");
}

#[test]
fn opendocument_tables_and_paragraphs_read() {
    let body = "<text:h>DUTY TO REFER REFERRAL</text:h><text:p>Full name:<text:s/>Sam Example</text:p>\
        <text:tracked-changes><text:changed-region><text:deletion><text:p>Date of birth: 01/01/1970</text:p></text:deletion></text:changed-region></text:tracked-changes>\
        <table:table><table:table-row><table:table-cell><text:p>Date of birth</text:p></table:table-cell>\
        <table:table-cell><text:p>14/07/1988</text:p></table:table-cell></table:table-row></table:table>";
    let reading = form(DocumentKind::Odt, &odt(body).expect("odt"));
    assert!(reading.heading);
    assert_eq!(reading.values[&Field::FullName], "Sam Example");
    assert_eq!(reading.values[&Field::DateOfBirth], "14/07/1988");
}

#[test]
fn a_pdf_text_layer_reads_label_and_value_on_one_line_or_side_by_side() {
    let page = vec![
        "DUTY TO REFER REFERRAL".to_string(),
        "Full name: Sam Example".to_string(),
        "Date of birth\t14/07/1988".to_string(),
        "Prison number\tA1234BC".to_string(),
    ];
    let reading = form(DocumentKind::Pdf, &pdf(&[page], &[]).expect("pdf"));
    assert!(reading.heading);
    assert_eq!(reading.values[&Field::FullName], "Sam Example");
    assert_eq!(reading.values[&Field::DateOfBirth], "14/07/1988");
    assert_eq!(reading.values[&Field::PrisonNumber], "A1234BC");
}

#[test]
fn fillable_pdf_fields_answer_what_the_page_leaves_blank() {
    let page = vec!["Full name:".to_string(), "Date of birth:".to_string()];
    let fields = [
        PdfField {
            name: "full_name".into(),
            tooltip: None,
            value: PdfValue::Text("Sam Example".into()),
        },
        PdfField {
            name: "Text7".into(),
            tooltip: Some("Date of birth".into()),
            value: PdfValue::Text("14/07/1988".into()),
        },
        PdfField {
            name: "Consent to referral".into(),
            tooltip: None,
            value: PdfValue::Check(true),
        },
        PdfField {
            name: "At risk of rough sleeping".into(),
            tooltip: None,
            value: PdfValue::Check(false),
        },
    ];
    let reading = form(DocumentKind::Pdf, &pdf(&[page], &fields).expect("pdf"));
    assert_eq!(reading.values[&Field::FullName], "Sam Example");
    assert_eq!(reading.values[&Field::DateOfBirth], "14/07/1988");
    assert_eq!(reading.values[&Field::Consent], "Yes");
    assert!(!reading.values.contains_key(&Field::RoughSleepingRisk));
}

#[test]
fn a_hidden_pdf_field_is_no_answer() {
    let fields = [PdfField {
        name: "Consent to referral".into(),
        tooltip: None,
        value: PdfValue::Check(true),
    }];
    let bytes = pdf(&[vec!["Consent to referral  No".to_string()]], &fields).expect("pdf");
    // Flag the field Hidden, as a forger would.
    let mut document = lopdf::Document::load_mem(&bytes).expect("loads");
    let ids: Vec<lopdf::ObjectId> = document
        .objects
        .iter()
        .filter(|(_, o)| {
            o.as_dict()
                .is_ok_and(|d| d.get(b"FT").is_ok() && d.get(b"Rect").is_ok())
        })
        .map(|(id, _)| *id)
        .collect();
    assert!(!ids.is_empty(), "the builder writes widgets");
    for id in ids {
        if let Ok(dict) = document
            .get_object_mut(id)
            .and_then(lopdf::Object::as_dict_mut)
        {
            dict.set("F", 2);
        }
    }
    let mut hidden = Vec::new();
    document.save_to(&mut hidden).expect("saves");
    let reading = form(DocumentKind::Pdf, &hidden);
    assert_ne!(
        reading.values.get(&Field::Consent).map(String::as_str),
        Some("Yes"),
        "{:?}",
        reading.values
    );
}

#[test]
fn formats_that_cannot_be_read_say_so() {
    assert_eq!(
        DocumentKind::of(Some("DTR form.DOC"), "application/octet-stream"),
        DocumentKind::LegacyWord
    );
    assert_eq!(DocumentKind::of(None, "application/pdf"), DocumentKind::Pdf);
    assert_eq!(
        DocumentKind::of(Some("image001.png"), "image/png"),
        DocumentKind::NotADocument
    );
    let err = read_document(DocumentKind::LegacyWord, b"\xD0\xCF\x11\xE0", &LIMITS).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a Word 97-2003 (.doc) document, which the gateway cannot read"
    );
    let scanned = pdf(&[vec![]], &[]).expect("pdf");
    assert_eq!(
        read_document(DocumentKind::Pdf, &scanned, &LIMITS),
        Err(DocumentError::NoText)
    );
    assert!(matches!(
        read_document(DocumentKind::Docx, b"PK\x03\x04 not really", &LIMITS),
        Err(DocumentError::Malformed(_))
    ));
}

#[test]
fn the_forms_the_gateway_writes_read_back_as_the_field_table() {
    let blank = read_document(
        DocumentKind::Docx,
        &write::blank_form_docx().expect("docx"),
        &LIMITS,
    )
    .expect("read");
    let reading = read_form(&blank);
    assert!(reading.heading);
    assert_eq!(reading.labels, Field::ALL.len(), "{blank}");
    assert!(reading.values.is_empty(), "{:?}", reading.values);

    let identity = [
        (Field::FullName, "Sam Example".to_string()),
        (Field::DateOfBirth, "14/07/1988".to_string()),
        (Field::PrisonNumber, "A1234BC".to_string()),
    ];
    let prefilled = write::form_pdf(&identity).expect("pdf");
    let reading = form(DocumentKind::Pdf, &prefilled);
    assert!(reading.heading);
    assert_eq!(reading.values.len(), 3, "{:?}", reading.values);
    assert_eq!(reading.values[&Field::FullName], "Sam Example");
    assert_eq!(reading.values[&Field::PrisonNumber], "A1234BC");
}

/// A PDF of `pages` pages that all draw the one content stream, stored
/// compressed.
fn pdf_sharing_one_stream(pages: usize, content: &[u8]) -> Vec<u8> {
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
    });
    let resources_id = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font_id },
    });
    let mut stream = Stream::new(dictionary! {}, content.to_vec());
    stream.compress().expect("compresses");
    let content_id = doc.add_object(stream);
    let kids: Vec<Object> = (0..pages)
        .map(|_| {
            doc.add_object(dictionary! {
                "Type" => "Page",
                "Parent" => pages_id,
                "Contents" => content_id,
            })
            .into()
        })
        .collect();
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => pages as i64,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("saves");
    out
}

const PDF_FORM_TEXT: &[u8] = b"BT /F1 12 Tf 72 760 Td (DUTY TO REFER REFERRAL) Tj ET\n\
    BT /F1 12 Tf 72 740 Td (Full name: Sam Example) Tj ET\n\
    BT /F1 12 Tf 72 720 Td (Date of birth: 14/07/1988) Tj ET\n";

#[test]
fn a_pdf_page_over_the_content_budget_says_so_not_no_text() {
    // One page whose content decompresses to 5 MiB, a few KiB stored.
    let mut content = PDF_FORM_TEXT.to_vec();
    content.resize(5 << 20, b' ');
    let bomb = pdf_sharing_one_stream(1, &content);
    assert!(bomb.len() < 64 << 10, "{} bytes", bomb.len());
    let err = read_document(DocumentKind::Pdf, &bomb, &LIMITS).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a PDF whose page content decompresses to more than 4194304 bytes"
    );
}

#[test]
fn fifty_pages_sharing_one_large_stream_are_read_once() {
    // Every page draws the same 3 MiB: read page by page it is 150 MiB
    // to decompress and parse, past the time budget; decoded once, the
    // form on it is read.
    let mut content = PDF_FORM_TEXT.to_vec();
    while content.len() < 3 << 20 {
        content.extend_from_slice(
            b"q Q                                                             \n",
        );
    }
    let shared = pdf_sharing_one_stream(50, &content);
    assert!(shared.len() < 64 << 10, "{} bytes", shared.len());
    // One reading takes most of a second in a debug build on a busy
    // machine; fifty would take a minute. The time allowed is wide enough
    // for one and far short of fifty, so that only reading once passes.
    let limits = Limits {
        max_time: Duration::from_secs(20),
        ..LIMITS
    };
    let text = read_document(DocumentKind::Pdf, &shared, &limits).expect("read");
    let reading = read_form(&text);
    assert!(reading.heading);
    assert_eq!(reading.values[&Field::FullName], "Sam Example");
    assert_eq!(reading.values[&Field::DateOfBirth], "14/07/1988");
}

#[test]
fn page_contents_count_against_one_budget_for_the_document() {
    // A page of 3 MiB within the document's budget is read.
    let limits = Limits {
        max_pdf_content_bytes: 5 << 20,
        ..LIMITS
    };
    let mut big = PDF_FORM_TEXT.to_vec();
    big.resize(3 << 20, b' ');
    let bytes = pdf_sharing_one_stream(1, &big);
    let text = read_document(DocumentKind::Pdf, &bytes, &limits).expect("read");
    assert!(text.contains("Sam Example"), "{text}");
    // With a document budget smaller than one page, the budget is why.
    let limits = Limits {
        max_pdf_content_bytes: 1 << 20,
        ..LIMITS
    };
    let err = read_document(DocumentKind::Pdf, &bytes, &limits).unwrap_err();
    assert_eq!(
        err,
        DocumentError::PdfContent {
            limit: limits.max_pdf_content_bytes
        }
    );
}

/// Draws `Full name: Zed Smuggled`, a date of birth and a consent of Yes
/// in the way `shape` hides them, above the visible form answering No.
fn pdf_with_hidden_text(shape: &str) -> Vec<u8> {
    let hidden = [
        "Full name: Zed Smuggled",
        "Date of birth: 01/01/1970",
        "Consent to referral: Yes",
    ];
    let mut content = Vec::new();
    for (i, line) in hidden.iter().enumerate() {
        let y = 820 - 14 * i as i32;
        let drawn = match shape {
            "render mode 3" => format!("q BT 3 Tr /F1 10 Tf 72 {y} Td ({line}) Tj ET Q\n"),
            "render mode 7" => format!("q BT 7 Tr /F1 10 Tf 72 {y} Td ({line}) Tj ET Q\n"),
            "white fill" => format!("q 1 1 1 rg BT /F1 10 Tf 72 {y} Td ({line}) Tj ET Q\n"),
            "white grey" => format!("q 1 g BT /F1 10 Tf 72 {y} Td ({line}) Tj ET Q\n"),
            "left of the page" => format!("BT /F1 10 Tf -5000 {y} Td ({line}) Tj ET\n"),
            "above the page" => format!("BT /F1 10 Tf 72 {} Td ({line}) Tj ET\n", 5000 + y),
            "zero clip" => {
                format!("q 0 0 0 0 re W n BT /F1 10 Tf 72 {y} Td ({line}) Tj ET Q\n")
            }
            "clip elsewhere" => {
                format!("q 0 0 20 20 re W n BT /F1 10 Tf 72 {y} Td ({line}) Tj ET Q\n")
            }
            "tiny font" => format!("BT /F1 0.1 Tf 72 {y} Td ({line}) Tj ET\n"),
            "tiny text matrix" => {
                format!("BT /F1 10 Tf 0.05 0 0 0.05 72 {y} Tm ({line}) Tj ET\n")
            }
            "tiny CTM" => {
                format!("q 0.05 0 0 0.05 72 {y} cm BT /F1 10 Tf 0 0 Td ({line}) Tj ET Q\n")
            }
            other => panic!("no shape {other}"),
        };
        content.extend_from_slice(drawn.as_bytes());
    }
    content.extend_from_slice(PDF_FORM_TEXT);
    content.extend_from_slice(b"BT /F1 12 Tf 72 700 Td (Consent to referral: No) Tj ET\n");
    pdf_sharing_one_stream(1, &content)
}

#[test]
fn pdf_text_a_reader_cannot_see_is_no_answer() {
    for shape in [
        "render mode 3",
        "render mode 7",
        "white fill",
        "white grey",
        "left of the page",
        "above the page",
        "zero clip",
        "clip elsewhere",
        "tiny font",
        "tiny text matrix",
        "tiny CTM",
    ] {
        let reading = form(DocumentKind::Pdf, &pdf_with_hidden_text(shape));
        assert_eq!(
            reading.values.get(&Field::FullName).map(String::as_str),
            Some("Sam Example"),
            "{shape}: {:?}",
            reading.values
        );
        assert_eq!(
            reading.values.get(&Field::DateOfBirth).map(String::as_str),
            Some("14/07/1988"),
            "{shape}"
        );
        assert_eq!(
            reading.values.get(&Field::Consent).map(String::as_str),
            Some("No"),
            "{shape}"
        );
    }
}

#[test]
fn pdf_text_drawn_visibly_after_a_hidden_block_is_read() {
    // Restoring the graphics state makes the text after it visible again.
    let content = b"q 3 Tr 1 1 1 rg 0 0 0 0 re W n Q\n\
        BT /F1 12 Tf 72 760 Td (DUTY TO REFER REFERRAL) Tj ET\n\
        q 0.5 0 0 0.5 0 0 cm BT /F1 24 Tf 144 1480 Td (Full name: Sam Example) Tj ET Q\n";
    let reading = form(DocumentKind::Pdf, &pdf_sharing_one_stream(1, content));
    assert_eq!(reading.values[&Field::FullName], "Sam Example");
}

/// A fillable PDF whose fields say `Zed Smuggled` and a consent of Yes,
/// over a page showing `Sam Example` and No, its widgets changed by
/// `forge` as a forger would.
fn forged_fields(forge: impl Fn(&mut lopdf::Document, &[lopdf::ObjectId])) -> FormReading {
    let fields = [
        PdfField {
            name: "Full name".into(),
            tooltip: None,
            value: PdfValue::Text("Zed Smuggled".into()),
        },
        PdfField {
            name: "Consent to referral".into(),
            tooltip: None,
            value: PdfValue::Check(true),
        },
    ];
    let page = vec![
        "DUTY TO REFER REFERRAL".to_string(),
        "Full name: Sam Example".to_string(),
        "Consent to referral: No".to_string(),
    ];
    let bytes = pdf(&[page], &fields).expect("pdf");
    let mut document = lopdf::Document::load_mem(&bytes).expect("loads");
    let widgets: Vec<lopdf::ObjectId> = document
        .objects
        .iter()
        .filter(|(_, o)| o.as_dict().is_ok_and(|d| d.get(b"FT").is_ok()))
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(widgets.len(), 2, "the builder writes widgets");
    forge(&mut document, &widgets);
    let mut out = Vec::new();
    document.save_to(&mut out).expect("saves");
    form(DocumentKind::Pdf, &out)
}

fn widget(document: &mut lopdf::Document, id: lopdf::ObjectId) -> &mut lopdf::Dictionary {
    document
        .get_object_mut(id)
        .and_then(lopdf::Object::as_dict_mut)
        .expect("a widget")
}

#[test]
fn pdf_fields_nobody_sees_are_no_answer() {
    let off_page = |d: &mut lopdf::Document, ids: &[lopdf::ObjectId]| {
        for &id in ids {
            let rect: Vec<lopdf::Object> = vec![
                (-2000).into(),
                (-2000).into(),
                (-1800).into(),
                (-1980).into(),
            ];
            widget(d, id).set("Rect", rect);
        }
    };
    let no_rect = |d: &mut lopdf::Document, ids: &[lopdf::ObjectId]| {
        for &id in ids {
            widget(d, id).remove(b"Rect");
        }
    };
    let not_on_a_page = |d: &mut lopdf::Document, _: &[lopdf::ObjectId]| {
        let pages: Vec<lopdf::ObjectId> = d.get_pages().values().copied().collect();
        for page in pages {
            widget(d, page).remove(b"Annots");
        }
    };
    for (shape, reading) in [
        ("off its page", forged_fields(off_page)),
        ("without a rectangle", forged_fields(no_rect)),
        ("in no page's annotations", forged_fields(not_on_a_page)),
    ] {
        assert_eq!(
            reading.values.get(&Field::FullName).map(String::as_str),
            Some("Sam Example"),
            "{shape}: {:?}",
            reading.values
        );
        assert_eq!(
            reading.values.get(&Field::Consent).map(String::as_str),
            Some("No"),
            "{shape}"
        );
    }
}

fn interpreted(reading: &FormReading) -> crate::core::referral::ReadReferral {
    let authorities = crate::core::authority::Authorities::default();
    crate::core::referral::interpret(
        reading,
        &crate::core::referral::ReadingContext {
            sent_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"),
            authorities: &authorities,
            receiving_authority: None,
        },
    )
}

#[test]
fn a_visible_pdf_field_disagreeing_with_the_page_is_asked_again() {
    // Nothing forged: both fields show, saying other than the page.
    let reading = forged_fields(|_, _| {});
    let read = interpreted(&reading);
    assert_eq!(read.referral.full_name, None, "{:?}", reading.values);
    assert_eq!(read.referral.consent, None);
    assert!(
        read.invalid.contains(&Field::FullName),
        "{:?}",
        read.invalid
    );
    assert!(read.invalid.contains(&Field::Consent), "{:?}", read.invalid);
    assert_eq!(read.outcome, crate::core::referral::Outcome::Incomplete);
}

#[test]
fn a_pdf_field_agreeing_with_the_page_is_read() {
    let fields = [PdfField {
        name: "Consent to referral".into(),
        tooltip: None,
        value: PdfValue::Check(true),
    }];
    let page = vec![
        "DUTY TO REFER REFERRAL".to_string(),
        "Full name: Sam Example".to_string(),
        "Consent to referral: yes".to_string(),
    ];
    let reading = form(DocumentKind::Pdf, &pdf(&[page], &fields).expect("pdf"));
    let read = interpreted(&reading);
    assert_eq!(read.referral.consent, Some(true), "{:?}", reading.values);
    assert_eq!(read.referral.full_name.as_deref(), Some("Sam Example"));
}

#[test]
fn word_text_a_reader_cannot_see_is_no_answer() {
    let styles = r#"<w:styles xmlns:w="w">
      <w:style w:type="character" w:styleId="Secret"><w:rPr><w:vanish/></w:rPr></w:style>
      <w:style w:type="character" w:styleId="MoreSecret"><w:basedOn w:val="Secret"/></w:style>
      <w:style w:type="paragraph" w:styleId="HiddenPara"><w:rPr><w:vanish w:val="true"/></w:rPr></w:style>
      <w:style w:type="paragraph" w:styleId="Shown"><w:basedOn w:val="HiddenPara"/><w:rPr><w:vanish w:val="0"/></w:rPr></w:style>
    </w:styles>"#;
    let xml = r#"<w:document xmlns:w="w"><w:body>
      <w:p><w:r><w:rPr><w:vanish></w:vanish></w:rPr><w:t>Full name: Zed Smuggled</w:t></w:r></w:p>
      <w:p><w:r><w:rPr><w:vanish w:val="on"/></w:rPr><w:t>Date of birth: 01/01/1970</w:t></w:r></w:p>
      <w:p><w:r><w:rPr><w:rStyle w:val="MoreSecret"/></w:rPr><w:t>Consent to referral: Yes</w:t></w:r></w:p>
      <w:p><w:pPr><w:pStyle w:val="HiddenPara"/></w:pPr><w:r><w:t>Prison number: Z9999ZZ</w:t></w:r></w:p>
      <w:p><w:r><w:rPr><w:color w:val="FFFFFF"/></w:rPr><w:t>CRN: Z999999</w:t></w:r></w:p>
      <w:p><w:r><w:rPr><w:sz w:val="2"/></w:rPr><w:t>Custody status: remand</w:t></w:r></w:p>
      <w:p><w:r><w:t>Full name: Sam Example</w:t></w:r></w:p>
      <w:p><w:r><w:rPr><w:vanish w:val="false"/></w:rPr><w:t>Date of birth: 14/07/1988</w:t></w:r></w:p>
      <w:p><w:pPr><w:pStyle w:val="Shown"/></w:pPr><w:r><w:t>Consent to referral: No</w:t></w:r></w:p>
      <w:p><w:r><w:rPr><w:color w:val="FFFFFF"/><w:shd w:val="clear" w:fill="1F3864"/></w:rPr><w:t>Prison number: A1234BC</w:t></w:r></w:p>
      <w:p><w:r><w:rPr><w:sz w:val="4"/></w:rPr><w:t>Custody status: sentenced</w:t></w:r></w:p>
    </w:body></w:document>"#;
    let text = docx::read_styled_xml(xml, styles).expect("read");
    let reading = read_form(&text);
    assert_eq!(reading.values[&Field::FullName], "Sam Example", "{text}");
    assert_eq!(reading.values[&Field::DateOfBirth], "14/07/1988", "{text}");
    assert_eq!(reading.values[&Field::Consent], "No", "{text}");
    // White on a dark shading shows; two points is small but seen.
    assert_eq!(reading.values[&Field::PrisonNumber], "A1234BC", "{text}");
    assert_eq!(reading.values[&Field::CustodyStatus], "sentenced", "{text}");
    assert!(!reading.values.contains_key(&Field::Crn), "{text}");
}

#[test]
fn a_docx_hides_by_its_styles_part() {
    // The whole package: styles.xml is read with the document.
    let body = [
        "<w:p><w:r><w:rPr><w:rStyle w:val=\"Secret\"/></w:rPr><w:t>Full name: Zed Smuggled</w:t></w:r></w:p>",
        &word_paragraph("Full name: Sam Example"),
    ]
    .concat();
    let bytes = docx(&body).expect("docx");
    let styles = r#"<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:style w:type="character" w:styleId="Secret"><w:rPr><w:vanish/></w:rPr></w:style></w:styles>"#;
    let with_styles = add_zip_part(&bytes, "word/styles.xml", styles.as_bytes());
    let reading = form(DocumentKind::Docx, &with_styles);
    assert_eq!(reading.values[&Field::FullName], "Sam Example");
}

/// A zip container with one more part.
fn add_zip_part(bytes: &[u8], name: &str, content: &[u8]) -> Vec<u8> {
    use std::io::{Cursor, Write};
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).expect("zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let file = archive.by_index(i).expect("entry");
        out.raw_copy_file(file).expect("copies");
    }
    out.start_file(name, zip::write::SimpleFileOptions::default())
        .expect("starts");
    out.write_all(content).expect("writes");
    out.finish().expect("finishes").into_inner()
}

#[test]
fn opendocument_text_a_reader_cannot_see_is_no_answer() {
    let xml = r##"<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0">
      <office:automatic-styles>
        <style:style style:name="Hide" style:family="text"><style:text-properties text:display="none"/></style:style>
        <style:style style:name="HideMore" style:family="text" style:parent-style-name="Hide"/>
        <style:style style:name="White" style:family="paragraph"><style:text-properties fo:color="#FFFFFF"/></style:style>
        <style:style style:name="Speck" style:family="text"><style:text-properties fo:font-size="0.5pt"/></style:style>
        <style:style style:name="Banner" style:family="text"><style:text-properties fo:color="#ffffff" fo:background-color="#1f3864"/></style:style>
      </office:automatic-styles>
      <office:body><office:text>
        <text:p>Full name: <text:span text:style-name="HideMore">Zed Smuggled</text:span>Sam Example</text:p>
        <text:p text:style-name="White">Date of birth: 01/01/1970</text:p>
        <text:p>Consent to referral: <text:span text:style-name="Speck">Yes</text:span></text:p>
        <text:section text:name="S" text:display="none"><text:p>CRN: Z999999</text:p></text:section>
        <text:p>Date of birth: 14/07/1988</text:p>
        <text:p>Consent to referral: No</text:p>
        <text:p>Prison number: <text:span text:style-name="Banner">A1234BC</text:span></text:p>
      </office:text></office:body></office:document-content>"##;
    let text = odt::read_content_xml(xml).expect("read");
    let reading = read_form(&text);
    assert_eq!(reading.values[&Field::FullName], "Sam Example", "{text}");
    assert_eq!(reading.values[&Field::DateOfBirth], "14/07/1988", "{text}");
    assert_eq!(reading.values[&Field::Consent], "No", "{text}");
    assert_eq!(reading.values[&Field::PrisonNumber], "A1234BC", "{text}");
    assert!(!reading.values.contains_key(&Field::Crn), "{text}");
}

#[test]
fn a_word_check_box_whose_state_and_glyph_disagree_is_asked_again() {
    // Stored ticked, drawn empty (and the other way round): which one the
    // person meant is not known, so neither is taken.
    let control = |checked: &str, glyph: &str| {
        format!(
            r#"<w:sdt><w:sdtPr><w14:checkbox><w14:checked w14:val="{checked}"/></w14:checkbox></w:sdtPr><w:sdtContent><w:r><w:t>{glyph}</w:t></w:r></w:sdtContent></w:sdt>"#
        )
    };
    let paragraph = |label: &str, yes: String, no: String| {
        format!(
            r#"<w:p><w:r><w:t xml:space="preserve">{label}: </w:t></w:r>{yes}<w:r><w:t xml:space="preserve"> Yes </w:t></w:r>{no}<w:r><w:t xml:space="preserve"> No</w:t></w:r></w:p>"#
        )
    };
    let xml = format!(
        r#"<w:document xmlns:w="w" xmlns:w14="w14"><w:body>{}{}{}</w:body></w:document>"#,
        paragraph("Consent to referral", control("1", "☐"), control("0", "☐")),
        paragraph(
            "At risk of rough sleeping",
            control("0", "☒"),
            control("0", "☐")
        ),
        paragraph(
            "Existing tenancy or mortgage",
            control("0", "☐"),
            control("1", "☒")
        ),
    );
    let text = docx::read_document_xml(&xml).expect("read");
    let read = interpreted(&read_form(&text));
    assert_eq!(read.referral.consent, None, "{text:?}");
    assert!(read.invalid.contains(&Field::Consent), "{text:?}");
    assert_eq!(read.referral.rough_sleeping_risk, None, "{text:?}");
    assert!(read.invalid.contains(&Field::RoughSleepingRisk), "{text:?}");
    // State and glyph agreeing: read.
    assert_eq!(read.referral.existing_tenancy, Some(false), "{text:?}");
}

/// A Word package of the given parts.
fn package(parts: &[(&str, &str)]) -> Vec<u8> {
    use std::io::{Cursor, Write};
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in parts {
        out.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("starts");
        out.write_all(content.as_bytes()).expect("writes");
    }
    out.finish().expect("finishes").into_inner()
}

const MAIN_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml";

fn word_body(text: &str) -> String {
    format!(
        r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{}</w:body></w:document>"#,
        word_paragraph(text)
    )
}

fn relationships(target: &str) -> String {
    format!(
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="{target}"/></Relationships>"#
    )
}

fn content_types(main: &str) -> String {
    format!(
        r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="{main}" ContentType="{MAIN_TYPE}"/></Types>"#
    )
}

#[test]
fn a_word_package_is_read_from_the_main_part_its_relationships_name() {
    let decoy = word_body("Full name: Zed Smuggled");
    let shown = word_body("Full name: Sam Example");
    let rels = relationships("/word/main.xml");
    let types = content_types("/word/main.xml");
    let bytes = package(&[
        ("[Content_Types].xml", &types),
        ("_rels/.rels", &rels),
        ("word/document.xml", &decoy),
        ("word/main.xml", &shown),
    ]);
    let reading = form(DocumentKind::Docx, &bytes);
    assert_eq!(reading.values[&Field::FullName], "Sam Example");
}

#[test]
fn a_word_package_whose_parts_disagree_on_its_main_document_is_refused() {
    let decoy = word_body("Full name: Zed Smuggled");
    let shown = word_body("Full name: Sam Example");
    let rels = relationships("word/main.xml");
    let types = content_types("/word/document.xml");
    let bytes = package(&[
        ("[Content_Types].xml", &types),
        ("_rels/.rels", &rels),
        ("word/document.xml", &decoy),
        ("word/main.xml", &shown),
    ]);
    let err = read_document(DocumentKind::Docx, &bytes, &LIMITS).unwrap_err();
    assert!(
        matches!(&err, DocumentError::Malformed(why) if why.contains("damaged")),
        "{err}"
    );
}

#[test]
fn word_alternate_content_is_read_once() {
    // A text box written twice, as Word does (a drawing for programs that
    // understand it, a VML fallback for those that do not): one is shown.
    let xml = r#"<w:document xmlns:w="w" xmlns:mc="mc" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" xmlns:v="v"><w:body>
      <w:p><w:r><mc:AlternateContent>
        <mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent><w:p><w:r><w:t>Full name: Sam Example</w:t></w:r></w:p></w:txbxContent></wps:txbx></w:drawing></mc:Choice>
        <mc:Fallback><w:pict><v:textbox><w:txbxContent><w:p><w:r><w:t>Full name: Sam Example</w:t></w:r></w:p><w:p><w:r><w:t>Date of birth: 01/01/1970</w:t></w:r></w:p></w:txbxContent></v:textbox></w:pict></mc:Fallback>
      </mc:AlternateContent></w:r></w:p>
      <w:p><w:r><mc:AlternateContent>
        <mc:Fallback><w:pict><v:textbox><w:txbxContent><w:p><w:r><w:t>Prison number: A1234BC</w:t></w:r></w:p></w:txbxContent></v:textbox></w:pict></mc:Fallback>
      </mc:AlternateContent></w:r></w:p>
      <w:p><w:r><w:t>Custody status: remand</w:t></w:r></w:p>
    </w:body></w:document>"#;
    let text = docx::read_document_xml(xml).expect("read");
    let reading = read_form(&text);
    assert_eq!(reading.values[&Field::FullName], "Sam Example", "{text}");
    assert!(!reading.values.contains_key(&Field::DateOfBirth), "{text}");
    assert_eq!(reading.values[&Field::PrisonNumber], "A1234BC", "{text}");
    assert_eq!(reading.values[&Field::CustodyStatus], "remand", "{text}");
}

/// A page of text pieces, each `(x, y, text)` at 10 points.
fn pdf_page_of(pieces: &[(i32, i32, &str)]) -> Vec<u8> {
    let mut content = Vec::new();
    for (x, y, text) in pieces {
        content.extend_from_slice(format!("BT /F1 10 Tf {x} {y} Td ({text}) Tj ET\n").as_bytes());
    }
    pdf_sharing_one_stream(1, &content)
}

#[test]
fn a_pdf_label_wrapped_in_its_cell_is_never_the_answer_above_it() {
    // LibreOffice's blank form: `Local connection details` left empty,
    // the next question's label wrapped over two lines of its cell.
    let reading = form(
        DocumentKind::Pdf,
        &pdf_page_of(&[
            (72, 760, "DUTY TO REFER REFERRAL"),
            (72, 740, "Full name"),
            (300, 740, "Sam Example"),
            (72, 720, "Local connection details"),
            (72, 700, "Reason for referral without local"),
            (72, 688, "connection"),
            (72, 668, "Physical health"),
        ]),
    );
    assert_eq!(reading.values[&Field::FullName], "Sam Example");
    assert!(
        !reading.values.contains_key(&Field::LocalConnectionDetails),
        "{:?}",
        reading.values
    );
    assert!(
        !reading.values.contains_key(&Field::NoConnectionReason),
        "{:?}",
        reading.values
    );
}

#[test]
fn a_pdf_answer_wrapped_around_its_centred_label_is_joined() {
    // A table row whose answer wrapped over two lines, its label (and its
    // number, in a three-column table) centred between them.
    for numbered in [false, true] {
        let label = |n: usize, text: &str| {
            if numbered {
                format!("{n} {text}")
            } else {
                text.to_string()
            }
        };
        let (name, connection, referrer) = (
            label(1, "Full name"),
            label(2, "Local connection"),
            label(3, "Referrer name"),
        );
        let bytes = pdf_page_of(&[
            (72, 760, "DUTY TO REFER REFERRAL"),
            (72, 740, &name),
            (300, 740, "Sam Example"),
            (300, 722, "Resident - lived in Colchester 10"),
            (72, 716, &connection),
            (300, 710, "years"),
            (72, 690, &referrer),
            (300, 690, "Sam Officer"),
        ]);
        let text = read_document(DocumentKind::Pdf, &bytes, &LIMITS).expect("read");
        // The row as a table's: the number's cell, the label's, the answer's.
        assert!(
            text.contains(&format!(
                "{connection}{CELL_SEPARATOR}Resident - lived in Colchester 10 years\n"
            )),
            "numbered {numbered}: {text:?}"
        );
        if numbered {
            continue;
        }
        let reading = read_form(&text);
        assert_eq!(
            reading
                .values
                .get(&Field::LocalConnection)
                .map(String::as_str),
            Some("Resident - lived in Colchester 10 years"),
            "{text:?}"
        );
        assert_eq!(reading.values[&Field::FullName], "Sam Example");
        assert_eq!(reading.values[&Field::ReferrerName], "Sam Officer");
    }
}

#[test]
fn a_pdf_of_far_too_many_pages_or_objects_is_refused_before_it_is_loaded() {
    let pages = pdf_sharing_one_stream(5_000, PDF_FORM_TEXT);
    let err = read_document(DocumentKind::Pdf, &pages, &LIMITS).unwrap_err();
    assert!(
        matches!(
            err,
            DocumentError::TooManyPages {
                pages: 5_000,
                limit: 50
            }
        ),
        "{err}"
    );
    // Objects nothing refers to: the load would parse each one.
    let mut document =
        lopdf::Document::load_mem(&pdf_sharing_one_stream(1, PDF_FORM_TEXT)).expect("loads");
    for i in 0..60_000i64 {
        document.add_object(lopdf::Object::Integer(i));
    }
    let mut objects = Vec::new();
    document.save_to(&mut objects).expect("saves");
    let err = read_document(DocumentKind::Pdf, &objects, &LIMITS).unwrap_err();
    assert_eq!(err, DocumentError::TooManyObjects { limit: 50_000 });
    // A form of a few pages is read as ever.
    let form_pages = pdf_sharing_one_stream(3, PDF_FORM_TEXT);
    assert!(read_document(DocumentKind::Pdf, &form_pages, &LIMITS).is_ok());
}

#[test]
fn a_pdf_operator_that_cannot_be_read_costs_the_page_nothing_else() {
    // Each stream opens with something the parser cannot take: a hex
    // string that is not one, a stray bracket, a brace, a number of two
    // points, an unterminated dictionary before an operator.
    for bad in [
        &b"BT /F1 12 Tf 72 780 Td <zz> Tj ET\n"[..],
        b"] 0 0 m\n",
        b"{ } 1 0 0 1 0 0 cm\n",
        b"1.2.3 w\n",
        b"<< /A 1 BDC\n",
    ] {
        let content = [bad, PDF_FORM_TEXT].concat();
        let pdf = pdf_sharing_one_stream(1, &content);
        let text = read_document(DocumentKind::Pdf, &pdf, &LIMITS)
            .unwrap_or_else(|e| panic!("{}: {e}", String::from_utf8_lossy(bad)));
        let reading = read_form(&text);
        assert!(reading.heading, "{text}");
        assert_eq!(reading.values[&Field::FullName], "Sam Example", "{text}");
        assert_eq!(reading.values[&Field::DateOfBirth], "14/07/1988", "{text}");
    }
    // A page that draws no text at all is still a scan.
    let drawing = pdf_sharing_one_stream(1, b"] 0 0 m 100 100 l S\n");
    assert_eq!(
        read_document(DocumentKind::Pdf, &drawing, &LIMITS),
        Err(DocumentError::NoText)
    );
}

#[test]
fn word_white_text_on_a_dark_cell_or_paragraph_shows() {
    // A form's header column: white labels and answers on navy cells, or
    // on a navy paragraph. White on a white cell, or a white run on a
    // navy cell given a white fill of its own, shows nothing.
    let cell = |fill: &str, text: &str, run_fill: &str| {
        format!(
            r#"<w:tc><w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{fill}"/></w:tcPr><w:p><w:r><w:rPr><w:color w:val="FFFFFF"/>{run_fill}</w:rPr><w:t>{text}</w:t></w:r></w:p></w:tc>"#
        )
    };
    let row = |cells: [String; 2]| format!("<w:tr>{}{}</w:tr>", cells[0], cells[1]);
    let white_fill = r#"<w:shd w:val="clear" w:color="auto" w:fill="FFFFFF"/>"#;
    let xml = format!(
        r#"<w:document xmlns:w="w"><w:body><w:tbl><w:tblPr/>{}{}{}</w:tbl>
      <w:p><w:pPr><w:shd w:val="clear" w:color="auto" w:fill="1F3864"/></w:pPr><w:r><w:rPr><w:color w:val="FFFFFF"/></w:rPr><w:t>Date of birth: 14/07/1988</w:t></w:r></w:p>
      <w:p><w:pPr><w:shd w:val="clear" w:color="auto" w:fill="auto"/></w:pPr><w:r><w:rPr><w:color w:val="FFFFFF"/></w:rPr><w:t>CRN: Z999999</w:t></w:r></w:p>
      <w:p><w:r><w:rPr><w:color w:val="FFFFFF"/></w:rPr><w:t>Custody status: remand</w:t></w:r></w:p>
    </w:body></w:document>"#,
        row([
            cell("1F3864", "Full name", ""),
            cell("1F3864", "Sam Example", "")
        ]),
        row([
            cell("FFFFFF", "Prison number", ""),
            cell("FFFFFF", "Z9999ZZ", "")
        ]),
        row([
            cell("000000", "Consent to referral", ""),
            cell("000000", "No", white_fill)
        ]),
    );
    let text = docx::read_document_xml(&xml).expect("read");
    let reading = read_form(&text);
    assert_eq!(reading.values[&Field::FullName], "Sam Example", "{text}");
    assert_eq!(reading.values[&Field::DateOfBirth], "14/07/1988", "{text}");
    assert!(!reading.values.contains_key(&Field::PrisonNumber), "{text}");
    assert!(!reading.values.contains_key(&Field::Consent), "{text}");
    assert!(!reading.values.contains_key(&Field::Crn), "{text}");
    assert!(
        !reading.values.contains_key(&Field::CustodyStatus),
        "{text}"
    );
}

#[test]
fn a_word_paragraph_style_shading_its_white_text_shows() {
    let styles = r#"<w:styles xmlns:w="w">
      <w:style w:type="paragraph" w:styleId="Banner"><w:pPr><w:shd w:val="clear" w:color="auto" w:fill="1F3864"/></w:pPr><w:rPr><w:color w:val="FFFFFF"/></w:rPr></w:style>
      <w:style w:type="paragraph" w:styleId="Ghost"><w:rPr><w:color w:val="FFFFFF"/></w:rPr></w:style>
    </w:styles>"#;
    let xml = r#"<w:document xmlns:w="w"><w:body>
      <w:p><w:pPr><w:pStyle w:val="Ghost"/></w:pPr><w:r><w:t>Full name: Zed Smuggled</w:t></w:r></w:p>
      <w:p><w:pPr><w:pStyle w:val="Banner"/></w:pPr><w:r><w:t>Full name: Sam Example</w:t></w:r></w:p>
    </w:body></w:document>"#;
    let text = docx::read_styled_xml(xml, styles).expect("read");
    assert_eq!(
        read_form(&text).values[&Field::FullName],
        "Sam Example",
        "{text}"
    );
}

#[test]
fn opendocument_white_text_on_a_dark_cell_or_paragraph_shows() {
    let xml = r##"<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0">
      <office:automatic-styles>
        <style:style style:name="Navy" style:family="table-cell"><style:table-cell-properties fo:background-color="#1f3864"/></style:style>
        <style:style style:name="Plain" style:family="table-cell"><style:table-cell-properties fo:background-color="transparent"/></style:style>
        <style:style style:name="WhiteText" style:family="paragraph"><style:text-properties fo:color="#ffffff"/></style:style>
        <style:style style:name="NavyPara" style:family="paragraph"><style:paragraph-properties fo:background-color="#1f3864"/><style:text-properties fo:color="#ffffff"/></style:style>
      </office:automatic-styles>
      <office:body><office:text>
        <table:table>
          <table:table-row><table:table-cell table:style-name="Navy"><text:p text:style-name="WhiteText">Full name</text:p></table:table-cell><table:table-cell table:style-name="Navy"><text:p text:style-name="WhiteText">Sam Example</text:p></table:table-cell></table:table-row>
          <table:table-row><table:table-cell table:style-name="Plain"><text:p text:style-name="WhiteText">Prison number</text:p></table:table-cell><table:table-cell table:style-name="Plain"><text:p text:style-name="WhiteText">Z9999ZZ</text:p></table:table-cell></table:table-row>
        </table:table>
        <text:p text:style-name="NavyPara">Date of birth: 14/07/1988</text:p>
      </office:text></office:body></office:document-content>"##;
    let text = odt::read_content_xml(xml).expect("read");
    let reading = read_form(&text);
    assert_eq!(reading.values[&Field::FullName], "Sam Example", "{text}");
    assert_eq!(reading.values[&Field::DateOfBirth], "14/07/1988", "{text}");
    assert!(!reading.values.contains_key(&Field::PrisonNumber), "{text}");
}

#[test]
fn opendocument_legacy_check_boxes_read_as_ticks() {
    // LibreOffice's form check boxes: fieldmarks, ticked by their
    // `Checkbox_Checked` parameter; one written as a start and an end.
    const BOX: &str = "vnd.oasis.opendocument.field.FORMCHECKBOX";
    let ticked = |checked: &str| {
        format!(
            r#"<field:fieldmark text:name="C" field:type="{BOX}"><field:param field:name="Checkbox_Checked" field:value="{checked}"/></field:fieldmark>"#
        )
    };
    let started = |checked: &str| {
        format!(
            r#"<field:fieldmark-start text:name="S" field:type="{BOX}"><field:param field:name="Checkbox_Checked" field:value="{checked}"/></field:fieldmark-start><field:fieldmark-end/>"#
        )
    };
    let bare = format!(r#"<field:fieldmark text:name="E" field:type="{BOX}"/>"#);
    let xml = format!(
        r#"<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:field="urn:openoffice:names:experimental:ooo-ms-interop:xmlns:field:1.0"><office:body><office:text>
        <text:p>Consent to referral: {} Yes {} No</text:p>
        <text:p>At risk of rough sleeping: {} Yes {} No</text:p>
        <text:p>Existing tenancy or mortgage: {bare} Yes {} No</text:p>
      </office:text></office:body></office:document-content>"#,
        ticked("true"),
        ticked("false"),
        started("false"),
        started("true"),
        ticked("true"),
    );
    let text = odt::read_content_xml(&xml).expect("read");
    let read = interpreted(&read_form(&text));
    assert_eq!(read.referral.consent, Some(true), "{text:?}");
    assert_eq!(read.referral.rough_sleeping_risk, Some(false), "{text:?}");
    assert_eq!(read.referral.existing_tenancy, Some(false), "{text:?}");
}

#[test]
fn a_pdf_mark_under_an_option_on_the_line_below_answers_with_that_option() {
    let consent = |pieces: &[(i32, i32, &str)]| {
        let mut page = vec![
            (72, 760, "DUTY TO REFER REFERRAL"),
            (72, 740, "Full name: Sam Example"),
        ];
        page.extend_from_slice(pieces);
        let text = read_document(DocumentKind::Pdf, &pdf_page_of(&page), &LIMITS).expect("read");
        let reading = read_form(&text);
        assert_eq!(reading.values[&Field::FullName], "Sam Example", "{text:?}");
        (reading.values.get(&Field::Consent).cloned(), text)
    };
    // Options drawn apart, or in one piece with spaces; the mark under one.
    for (pieces, answer) in [
        (
            vec![
                (72, 720, "Consent given:"),
                (160, 720, "Yes"),
                (210, 720, "No"),
                (212, 708, "X"),
            ],
            "No",
        ),
        (
            vec![
                (72, 720, "Consent given:"),
                (160, 720, "Yes"),
                (210, 720, "No"),
                (162, 708, "X"),
            ],
            "Yes",
        ),
    ] {
        let (read, text) = consent(&pieces);
        assert_eq!(read.as_deref(), Some(answer), "{text:?}");
    }
    // Halfway between, or under the question: asked again, never the
    // first option.
    for x in [186, 100] {
        let (read, text) = consent(&[
            (72, 720, "Consent given:"),
            (160, 720, "Yes"),
            (210, 720, "No"),
            (x, 708, "X"),
        ]);
        let read = read.unwrap_or_default();
        assert!(read != "Yes" && read != "No", "{x}: {read:?} {text:?}");
    }
}
