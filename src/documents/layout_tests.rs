//! Forms laid out as councils' templates lay them out: inside a table
//! holding the logo and heading, a question over its answer in one cell,
//! ticks drawn as list bullets.

use super::write::{docx, escape, odt, word_paragraph, zip_parts};
use super::*;
use crate::core::field::Field;
use crate::core::form::read_form;
use crate::core::referral::{interpret, ReadReferral, ReadingContext};

fn interpreted(text: &str) -> ReadReferral {
    let authorities = crate::core::authority::Authorities::default();
    interpret(
        &read_form(text),
        &ReadingContext {
            sent_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"),
            authorities: &authorities,
            receiving_authority: None,
        },
    )
}

fn word_text(body: &str) -> String {
    let bytes = docx(body).expect("docx");
    read_document(DocumentKind::Docx, &bytes, &LIMITS).expect("read")
}

fn odt_text(body: &str) -> String {
    let bytes = odt(body).expect("odt");
    read_document(DocumentKind::Odt, &bytes, &LIMITS).expect("read")
}

/// A Word table cell holding `content` (paragraphs, tables).
fn word_cell(content: &str) -> String {
    format!(r#"<w:tc><w:tcPr><w:tcW w:w="4500" w:type="dxa"/></w:tcPr>{content}</w:tc>"#)
}

fn word_row(cells: &[String]) -> String {
    format!("<w:tr>{}</w:tr>", cells.concat())
}

fn word_tbl(rows: &[String]) -> String {
    format!(
        r#"<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/></w:tblPr>{}</w:tbl>"#,
        rows.concat()
    )
}

/// Paragraphs, each a cell of its own, as rows of a table.
fn word_rows(rows: &[&[&str]]) -> Vec<String> {
    rows.iter()
        .map(|cells| {
            word_row(
                &cells
                    .iter()
                    .map(|c| word_cell(&word_paragraph(c)))
                    .collect::<Vec<_>>(),
            )
        })
        .collect()
}

/// A Word paragraph in bold.
fn word_bold(text: &str) -> String {
    format!(
        r#"<w:p><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
        escape(text)
    )
}

const FORM: &[&[&str]] = &[
    &["Full name", "Daniel Whitmore"],
    &["Date of birth", "02/03/1991"],
    &["Prison number", "A1234BC"],
    &["Consent to referral", "☒ Yes ☐ No"],
    &["At risk of rough sleeping", "☐ Yes ☒ No"],
];

/// Daniel Whitmore, born 2 March 1991, prison number `prison`, consent
/// given: read from `text`.
fn assert_person_read(read: &ReadReferral, prison: &str, text: &str) {
    assert_eq!(
        read.referral.full_name.as_deref(),
        Some("Daniel Whitmore"),
        "{text:?}"
    );
    assert_eq!(
        read.referral.date_of_birth,
        chrono::NaiveDate::from_ymd_opt(1991, 3, 2),
        "{text:?}"
    );
    assert_eq!(
        read.referral.prison_number.as_deref(),
        Some(prison),
        "{text:?}"
    );
    assert_eq!(read.referral.consent, Some(true), "{text:?}");
}

fn assert_form_read(text: &str) {
    let read = interpreted(text);
    assert_person_read(&read, "A1234BC", text);
    assert_eq!(read.referral.rough_sleeping_risk, Some(false), "{text:?}");
}

#[test]
fn a_word_form_table_inside_the_layout_table_reads_row_by_row() {
    // A council's template: the logo and heading in the first row of the
    // page's layout table, the form's own table inside its second row.
    let inner = word_tbl(&word_rows(FORM));
    let layout = word_tbl(&[
        word_row(&[
            word_cell(&word_paragraph("Essex County Council")),
            word_cell(&word_paragraph("Housing Solutions")),
        ]),
        word_row(&[word_cell(&format!(
            "{}{inner}{}",
            word_paragraph("DUTY TO REFER REFERRAL"),
            word_paragraph("Please return to the council's inbox.")
        ))]),
    ]);
    let text = word_text(&layout);
    assert!(read_form(&text).heading, "{text:?}");
    assert_form_read(&text);
}

#[test]
fn a_word_form_two_tables_deep_and_beside_the_logo_reads() {
    // The form's table in a cell beside the logo's, itself inside a
    // table of the page.
    let inner = word_tbl(&word_rows(FORM));
    let middle = word_tbl(&[word_row(&[
        word_cell(&word_paragraph("")),
        word_cell(&inner),
    ])]);
    let page = word_tbl(&[word_row(&[word_cell(&middle)])]);
    assert_form_read(&word_text(&page));
}

#[test]
fn boxes_in_a_table_inside_the_answer_cell_stay_the_answer() {
    // Tick boxes laid out in a small table of their own inside the
    // answer's cell: still that answer, not lines of their own.
    let boxes = |yes: &str, no: &str| word_tbl(&word_rows(&[&[yes, "Yes", no, "No"]]));
    let rows = [
        word_row(&[
            word_cell(&word_paragraph("Full name")),
            word_cell(&word_paragraph("Daniel Whitmore")),
        ]),
        word_row(&[
            word_cell(&word_paragraph("Consent to referral")),
            word_cell(&boxes("☐", "☒")),
        ]),
        word_row(&[
            word_cell(&word_paragraph("At risk of rough sleeping")),
            word_cell(&boxes("☒", "☐")),
        ]),
    ];
    let text = word_text(&word_tbl(&rows));
    let read = interpreted(&text);
    assert_eq!(read.referral.consent, Some(false), "{text:?}");
    assert_eq!(read.referral.rough_sleeping_risk, Some(true), "{text:?}");
}

#[test]
fn an_opendocument_form_table_inside_the_layout_table_reads_row_by_row() {
    let cell = |content: &str| format!("<table:table-cell>{content}</table:table-cell>");
    let p = |text: &str| format!("<text:p>{}</text:p>", escape(text));
    let row = |cells: &[String]| format!("<table:table-row>{}</table:table-row>", cells.concat());
    let inner: String = FORM
        .iter()
        .map(|cells| row(&cells.iter().map(|c| cell(&p(c))).collect::<Vec<_>>()))
        .collect();
    let inner = format!("<table:table>{inner}</table:table>");
    let layout = format!(
        "<table:table>{}{}</table:table>",
        row(&[
            cell(&p("Essex County Council")),
            cell(&p("Housing Solutions"))
        ]),
        row(&[cell(&format!("{}{inner}", p("DUTY TO REFER REFERRAL")))]),
    );
    let text = odt_text(&layout);
    assert!(read_form(&text).heading, "{text:?}");
    assert_form_read(&text);
}

#[test]
fn a_question_over_its_answer_in_one_cell_reads_as_label_then_value() {
    // A cell for each question: `Full name:` over the answer, the
    // question in bold without its colon, the answer cell beside empty.
    let rows = [
        word_row(&[word_cell(&format!(
            "{}{}",
            word_paragraph("Full name:"),
            word_paragraph("Daniel Whitmore")
        ))]),
        word_row(&[word_cell(&format!(
            "{}{}",
            word_bold("Date of birth"),
            word_paragraph("02/03/1991")
        ))]),
        word_row(&[
            word_cell(&format!(
                "{}{}",
                word_paragraph("Prison number:"),
                word_paragraph("A1234BC")
            )),
            word_cell(&word_paragraph("")),
        ]),
        word_row(&[word_cell(&format!(
            "{}{}",
            word_bold("Consent to referral"),
            word_paragraph("☒ Yes ☐ No")
        ))]),
        word_row(&[word_cell(&format!(
            "{}{}{}",
            word_bold("At risk of rough sleeping"),
            word_paragraph("☐ Yes"),
            word_paragraph("☒ No")
        ))]),
    ];
    assert_form_read(&word_text(&word_tbl(&rows)));
}

#[test]
fn each_cell_keeps_its_own_question_and_answer_in_a_row_of_pairs() {
    // Two questions a row, each cell its question over its answer; the
    // date of birth left empty must not take the next cell's question.
    let pair = |label: &str, value: &str| {
        word_cell(&format!(
            "{}{}",
            word_paragraph(label),
            word_paragraph(value)
        ))
    };
    let rows = [
        word_row(&[
            pair("Full name:", "Daniel Whitmore"),
            pair("Date of birth:", ""),
        ]),
        word_row(&[pair("Prison number:", "A1234BC"), pair("CRN:", "X123456")]),
        word_row(&[
            pair("Consent to referral:", "☒ Yes ☐ No"),
            pair("At risk of rough sleeping:", "☐ Yes ☒ No"),
        ]),
    ];
    let text = word_text(&word_tbl(&rows));
    let read = interpreted(&text);
    assert_eq!(
        read.referral.full_name.as_deref(),
        Some("Daniel Whitmore"),
        "{text:?}"
    );
    assert_eq!(read.referral.date_of_birth, None, "{text:?}");
    assert!(!read.invalid.contains(&Field::DateOfBirth), "{text:?}");
    assert_eq!(
        read.referral.prison_number.as_deref(),
        Some("A1234BC"),
        "{text:?}"
    );
    assert_eq!(read.referral.consent, Some(true), "{text:?}");
    assert_eq!(read.referral.rough_sleeping_risk, Some(false), "{text:?}");
}

#[test]
fn a_question_beside_its_answer_still_reads_as_before() {
    // `Full name | Daniel` and an answer of two paragraphs: one row, one
    // answer, however the answer's cell starts.
    let rows = [
        word_row(&[
            word_cell(&word_paragraph("Full name")),
            word_cell(&word_paragraph("Daniel Whitmore")),
        ]),
        word_row(&[
            word_cell(&word_paragraph("Reason at risk of homelessness")),
            word_cell(&format!(
                "{}{}",
                word_paragraph("Rough sleeping"),
                word_paragraph("He slept in the park before his arrest.")
            )),
        ]),
    ];
    let text = word_text(&word_tbl(&rows));
    let read = interpreted(&text);
    assert_eq!(
        read.referral.homelessness_reason.as_deref(),
        Some("Rough sleeping He slept in the park before his arrest."),
        "{text:?}"
    );
    assert_eq!(read.referral.rough_sleeping_risk, None, "{text:?}");
}

/// A Word package with its numbering part, as Word writes one.
fn numbered_docx(body: &str, numbering: &str) -> Vec<u8> {
    const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
    let document = format!(r#"<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>"#);
    let numbering = format!(r#"<w:numbering xmlns:w="{W}">{numbering}</w:numbering>"#);
    zip_parts(&[
        ("_rels/.rels", br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#.as_slice()),
        ("word/_rels/document.xml.rels", br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/></Relationships>"#.as_slice()),
        ("word/document.xml", document.as_bytes()),
        ("word/numbering.xml", numbering.as_bytes()),
    ])
    .expect("docx")
}

/// A list (`w:num`) whose first level draws `text` in `font` as its bullet.
fn bullet_list(id: u32, text: &str, font: &str) -> String {
    format!(
        r#"<w:abstractNum w:abstractNumId="{id}"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="{text}"/><w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:hint="default"/></w:rPr></w:lvl></w:abstractNum><w:num w:numId="{id}"><w:abstractNumId w:val="{id}"/></w:num>"#
    )
}

fn list_paragraph(list: u32, text: &str) -> String {
    format!(
        r#"<w:p><w:pPr><w:pStyle w:val="ListParagraph"/><w:numPr><w:ilvl w:val="0"/><w:numId w:val="{list}"/></w:numPr></w:pPr><w:r><w:t>{}</w:t></w:r></w:p>"#,
        escape(text)
    )
}

#[test]
fn a_tick_drawn_as_a_list_bullet_answers() {
    // Word's tick bullet (Wingdings `ü`) beside Yes, its empty box (`¨`)
    // beside No; a tick written at Wingdings' own code point (U+F0FC).
    let numbering = [
        bullet_list(1, "ü", "Wingdings"),
        bullet_list(2, "¨", "Wingdings"),
        bullet_list(3, "\u{F0FC}", "Symbol"),
    ]
    .concat();
    let body = [
        word_paragraph("Consent to referral:"),
        list_paragraph(1, "Yes"),
        list_paragraph(2, "No"),
        word_paragraph("At risk of rough sleeping:"),
        list_paragraph(2, "Yes"),
        list_paragraph(3, "No"),
    ]
    .concat();
    let bytes = numbered_docx(&body, &numbering);
    let text = read_document(DocumentKind::Docx, &bytes, &LIMITS).expect("read");
    let read = interpreted(&text);
    assert_eq!(read.referral.consent, Some(true), "{text:?}");
    assert_eq!(read.referral.rough_sleeping_risk, Some(false), "{text:?}");
}

#[test]
fn a_tick_bullet_drawn_white_or_too_small_to_see_ticks_nothing() {
    // The level's own formatting, or the paragraph mark's (which draws the
    // bullet too), white or under 4 pt: Word shows no tick.
    let faint_level = |id: u32, rpr: &str| {
        format!(
            r#"<w:abstractNum w:abstractNumId="{id}"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="ü"/><w:rPr><w:rFonts w:ascii="Wingdings" w:hAnsi="Wingdings"/>{rpr}</w:rPr></w:lvl></w:abstractNum><w:num w:numId="{id}"><w:abstractNumId w:val="{id}"/></w:num>"#
        )
    };
    let faint_mark = |rpr: &str| {
        format!(
            r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr><w:rPr>{rpr}</w:rPr></w:pPr><w:r><w:t>Yes</w:t></w:r></w:p>"#
        )
    };
    let cases = [
        (
            faint_level(1, r#"<w:color w:val="FFFFFF"/>"#),
            list_paragraph(1, "Yes"),
        ),
        (
            faint_level(1, r#"<w:sz w:val="1"/>"#),
            list_paragraph(1, "Yes"),
        ),
        (
            faint_level(1, ""),
            faint_mark(r#"<w:color w:val="FFFFFF"/>"#),
        ),
        (faint_level(1, ""), faint_mark(r#"<w:sz w:val="2"/>"#)),
    ];
    for (numbering, yes) in cases {
        let numbering = format!("{numbering}{}", bullet_list(2, "¨", "Wingdings"));
        let body = [
            word_paragraph("Consent to referral:"),
            yes,
            list_paragraph(2, "No"),
        ]
        .concat();
        let bytes = numbered_docx(&body, &numbering);
        let text = read_document(DocumentKind::Docx, &bytes, &LIMITS).expect("read");
        assert_ne!(interpreted(&text).referral.consent, Some(true), "{text:?}");
    }
}

#[test]
fn a_list_s_ordinary_bullet_ticks_nothing() {
    // Wingdings' square bullet (`§`) and a plain round one: bullets, no
    // ticks, so the options are only offered.
    let numbering = [
        bullet_list(1, "§", "Wingdings"),
        bullet_list(2, "•", "Calibri"),
    ]
    .concat();
    let body = [
        word_paragraph("Consent to referral:"),
        list_paragraph(1, "Yes"),
        list_paragraph(1, "No"),
        word_paragraph("At risk of rough sleeping:"),
        list_paragraph(2, "Yes"),
        list_paragraph(2, "No"),
    ]
    .concat();
    let bytes = numbered_docx(&body, &numbering);
    let text = read_document(DocumentKind::Docx, &bytes, &LIMITS).expect("read");
    let read = interpreted(&text);
    assert_eq!(read.referral.consent, None, "{text:?}");
    assert_eq!(read.referral.rough_sleeping_risk, None, "{text:?}");
}

#[test]
fn web_hidden_text_is_printed_and_read() {
    // `w:webHidden` hides text in Word's web layout only.
    let body = r#"<w:p><w:r><w:t xml:space="preserve">Full name: </w:t></w:r><w:r><w:rPr><w:webHidden/></w:rPr><w:t>Daniel Whitmore</w:t></w:r></w:p>"#;
    let text = word_text(body);
    let read = interpreted(&text);
    assert_eq!(
        read.referral.full_name.as_deref(),
        Some("Daniel Whitmore"),
        "{text:?}"
    );
}

#[test]
fn guidance_under_a_question_in_its_cell_is_no_answer() {
    // The consent question over guidance, its boxes in the row below: the
    // guidance speaks of consent but is no answer, and neither is a
    // question put to the referrer. Asked again, never read as yes.
    let rows = [
        word_row(&[word_cell(&format!(
            "{}{}",
            word_bold("Consent to referral"),
            word_paragraph("Please confirm the person has consented to this referral.")
        ))]),
        word_row(&[word_cell(&word_paragraph("☐ Yes ☐ No"))]),
        word_row(&[word_cell(&format!(
            "{}{}",
            word_bold("Existing tenancy or mortgage"),
            word_paragraph("Has he agreed?")
        ))]),
        word_row(&[word_cell(&format!(
            "{}{}",
            word_bold("Full name"),
            word_paragraph("Daniel Whitmore")
        ))]),
    ];
    let text = word_text(&word_tbl(&rows));
    let read = interpreted(&text);
    assert_eq!(read.referral.consent, None, "{text:?}");
    assert_eq!(read.referral.existing_tenancy, None, "{text:?}");
    assert_eq!(
        read.referral.full_name.as_deref(),
        Some("Daniel Whitmore"),
        "{text:?}"
    );
}

/// A Word form of paragraphs, its consent answered by `consent` (one
/// paragraph or more).
fn word_consent_form(consent: &[&str]) -> ReadReferral {
    let mut body = [
        "DUTY TO REFER REFERRAL",
        "Full name: Daniel Whitmore",
        "Date of birth: 02/03/1991",
    ]
    .map(word_paragraph)
    .concat();
    for line in consent {
        body += &word_paragraph(line);
    }
    body += &word_paragraph("Prison number: A1234BC");
    interpreted(&word_text(&body))
}

#[test]
fn an_option_printed_before_its_box_answers_with_the_box_after_it() {
    for line in [
        "Consent given:  Yes ☐   No ☒",
        "Consent given:  Yes [ ]  No [X]",
        "Consent given: Yes ☐ No ☒",
    ] {
        let read = word_consent_form(&[line]);
        assert_eq!(read.referral.consent, Some(false), "{line}");
        assert_eq!(read.referral.prison_number.as_deref(), Some("A1234BC"));
    }
}

#[test]
fn a_mark_under_an_option_on_the_line_below_answers_with_that_option() {
    // `Consent given:  ` is 16 characters: `Yes` stands at 16-18, `No`
    // at 24-25.
    for (marks, consent) in [
        ("                        X", false),
        ("                 X", true),
        ("                         ✓", false),
    ] {
        let read = word_consent_form(&["Consent given:  Yes     No", marks]);
        assert_eq!(read.referral.consent, Some(consent), "{marks:?}");
        assert_eq!(read.referral.prison_number.as_deref(), Some("A1234BC"));
    }
    // Halfway between, far from both, or moved by tabs (whose stops the
    // text does not give): unreadable, and asked again, never the first
    // option.
    for lines in [
        ["Consent given:  Yes     No", "                     X"],
        ["Consent given:  Yes     No", "X"],
        ["Consent given:\tYes\tNo", "\t\tX"],
    ] {
        let read = word_consent_form(&lines);
        assert_eq!(read.referral.consent, None, "{lines:?}");
        assert_eq!(
            read.outcome,
            crate::core::referral::Outcome::Incomplete,
            "{lines:?}"
        );
        assert!(
            read.missing.contains(&Field::Consent) || read.invalid.contains(&Field::Consent),
            "{lines:?}"
        );
    }
}

/// A Word paragraph of runs, each `(formatting, text)`: the run's
/// properties (`<w:caps/>`) and its text.
fn word_runs(runs: &[(&str, &str)]) -> String {
    let runs: String = runs
        .iter()
        .map(|(formatting, text)| {
            format!(
                r#"<w:r><w:rPr>{formatting}</w:rPr><w:t xml:space="preserve">{}</w:t></w:r>"#,
                escape(text)
            )
        })
        .collect();
    format!("<w:p>{runs}</w:p>")
}

#[test]
fn options_shown_in_capitals_by_their_formatting_read_as_shown() {
    let consent = |paragraph: String| {
        let body = [
            word_paragraph("DUTY TO REFER REFERRAL"),
            word_paragraph("Full name: Daniel Whitmore"),
            paragraph,
        ]
        .concat();
        let text = word_text(&body);
        (interpreted(&text).referral.consent, text)
    };
    // `[YES / no]` with `no` formatted in capitals shows `[YES / NO]`: both
    // in capitals, no choice made.
    for caps in ["<w:caps/>", "<w:smallCaps/>", r#"<w:caps w:val="true"/>"#] {
        let (read, text) = consent(word_runs(&[
            ("", "Consent given: [YES / "),
            (caps, "no"),
            ("", "]"),
        ]));
        assert_eq!(read, None, "{text:?}");
        assert!(text.contains("[YES / NO]"), "{text:?}");
    }
    // The one chosen shown in capitals by formatting, the other not.
    let (read, text) = consent(word_runs(&[
        ("", "Consent given: ["),
        ("<w:caps/>", "yes"),
        ("", " / no]"),
    ]));
    assert_eq!(read, Some(true), "{text:?}");
    // Formatting turned off shows the letters as stored.
    let (read, text) = consent(word_runs(&[
        ("", "Consent given: [YES / "),
        (r#"<w:caps w:val="0"/>"#, "no"),
        ("", "]"),
    ]));
    assert_eq!(read, Some(true), "{text:?}");
    // A template's `yes / no` shown in capitals, the filler deleting the
    // option not meant (by hand, or as a tracked deletion).
    let (read, text) = consent(word_runs(&[
        ("", "Consent given: "),
        ("<w:caps/>", "[yes / ]"),
    ]));
    assert_eq!(read, Some(true), "{text:?}");
    let tracked = r#"<w:p><w:r><w:t xml:space="preserve">Consent given: </w:t></w:r><w:r><w:rPr><w:caps/></w:rPr><w:t xml:space="preserve">[yes / </w:t></w:r><w:del w:id="1" w:author="A"><w:r><w:rPr><w:caps/></w:rPr><w:delText>no</w:delText></w:r></w:del><w:r><w:rPr><w:caps/></w:rPr><w:t>]</w:t></w:r></w:p>"#;
    let (read, text) = consent(tracked.to_string());
    assert_eq!(read, Some(true), "{text:?}");
    // OpenDocument's `fo:text-transform` and `fo:font-variant` alike.
    for property in [
        r#"fo:text-transform="uppercase""#,
        r#"fo:font-variant="small-caps""#,
    ] {
        let xml = format!(
            r#"<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"><office:automatic-styles><style:style style:name="Caps" style:family="text"><style:text-properties {property}/></style:style></office:automatic-styles><office:body><office:text><text:p>DUTY TO REFER REFERRAL</text:p><text:p>Full name: Daniel Whitmore</text:p><text:p>Consent given: [YES / <text:span text:style-name="Caps">no</text:span>]</text:p></office:text></office:body></office:document-content>"#
        );
        let text = super::odt::read_content_xml(&xml).expect("read");
        assert!(text.contains("[YES / NO]"), "{text:?}");
        assert_eq!(interpreted(&text).referral.consent, None, "{text:?}");
    }
}

/// A Word paragraph of style `style`.
fn styled_paragraph(style: &str, text: &str) -> String {
    format!(
        r#"<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
        escape(text)
    )
}

#[test]
fn a_list_a_paragraph_style_numbers_draws_its_bullets_and_not_its_numbers() {
    const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
    // Questions numbered `1.`, `2.` by their style; a tick and an empty
    // box drawn as bullets by the styles of the options, one based on a
    // style that names the list.
    let numbering = [
        bullet_list(1, "ü", "Wingdings"),
        bullet_list(2, "¨", "Wingdings"),
        r#"<w:abstractNum w:abstractNumId="3"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl></w:abstractNum><w:num w:numId="3"><w:abstractNumId w:val="3"/></w:num>"#.to_string(),
    ]
    .concat();
    let styles = format!(
        r#"<w:styles xmlns:w="{W}"><w:style w:type="paragraph" w:styleId="Question"><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="3"/></w:numPr></w:pPr></w:style><w:style w:type="paragraph" w:styleId="TickedBase"><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style><w:style w:type="paragraph" w:styleId="Ticked"><w:basedOn w:val="TickedBase"/></w:style><w:style w:type="paragraph" w:styleId="Unticked"><w:pPr><w:numPr><w:numId w:val="2"/></w:numPr></w:pPr></w:style></w:styles>"#
    );
    let body = [
        word_paragraph("DUTY TO REFER REFERRAL"),
        styled_paragraph("Question", "Full name: Daniel Whitmore"),
        styled_paragraph("Question", "Date of birth"),
        word_paragraph("02/03/1991"),
        styled_paragraph("Question", "Consent to referral:"),
        styled_paragraph("Ticked", "Yes"),
        styled_paragraph("Unticked", "No"),
        styled_paragraph("Question", "At risk of rough sleeping:"),
        styled_paragraph("Unticked", "Yes"),
        // The paragraph's own `w:numId` 0 takes it out of its style's list.
        r#"<w:p><w:pPr><w:pStyle w:val="Ticked"/><w:numPr><w:numId w:val="0"/></w:numPr></w:pPr><w:r><w:t>No</w:t></w:r></w:p>"#.to_string(),
    ]
    .concat();
    let document = format!(r#"<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>"#);
    let numbering = format!(r#"<w:numbering xmlns:w="{W}">{numbering}</w:numbering>"#);
    let bytes = zip_parts(&[
        ("_rels/.rels", br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#.as_slice()),
        ("word/_rels/document.xml.rels", br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/></Relationships>"#.as_slice()),
        ("word/document.xml", document.as_bytes()),
        ("word/numbering.xml", numbering.as_bytes()),
        ("word/styles.xml", styles.as_bytes()),
    ])
    .expect("docx");
    let text = read_document(DocumentKind::Docx, &bytes, &LIMITS).expect("read");
    let read = interpreted(&text);
    assert_eq!(
        read.referral.full_name.as_deref(),
        Some("Daniel Whitmore"),
        "{text:?}"
    );
    assert_eq!(
        read.referral.date_of_birth,
        chrono::NaiveDate::from_ymd_opt(1991, 3, 2),
        "{text:?}"
    );
    assert_eq!(read.referral.consent, Some(true), "{text:?}");
    // One box drawn, empty, and the other option bare: nothing ticked.
    assert_eq!(read.referral.rough_sleeping_risk, None, "{text:?}");
    assert!(!text.contains("1."), "{text:?}");
}

#[test]
fn numbers_of_an_opendocument_list_are_no_part_of_labels_or_answers() {
    let odf = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0""#;
    let item = |number: &str, text: &str| {
        format!(
            "<text:list-item><text:p><text:number>{number}</text:number>{}</text:p></text:list-item>",
            escape(text)
        )
    };
    let cell = |content: &str| format!("<table:table-cell>{content}</table:table-cell>");
    let numbered_cell =
        |number: &str, text: &str| cell(&format!("<text:list>{}</text:list>", item(number, text)));
    let body = [
        "<text:p>DUTY TO REFER REFERRAL</text:p><text:list><text:list-header><text:p>Section 1</text:p></text:list-header>".to_string(),
        item("1.", "Full name: Daniel Whitmore"),
        item("a)", "Prison number: A1234BC"),
        item("(iii)", "Consent to referral: Yes"),
        "<text:list-item><text:p>Risk to self: none known</text:p><text:list>".to_string(),
        item("1.1", "Custody status: remand"),
        "</text:list></text:list-item>".to_string(),
        item("Q4", "CRN: X123456"),
        "</text:list><table:table><table:table-row>".to_string(),
        numbered_cell("5.", "Date of birth"),
        numbered_cell("6.", "02/03/1991"),
        "</table:table-row></table:table>".to_string(),
    ]
    .concat();
    let xml = format!(
        r#"<office:document-content {odf}><office:body><office:text>{body}</office:text></office:body></office:document-content>"#
    );
    let text = super::odt::read_content_xml(&xml).expect("read");
    let read = interpreted(&text);
    assert_eq!(
        read.referral.full_name.as_deref(),
        Some("Daniel Whitmore"),
        "{text:?}"
    );
    assert_eq!(
        read.referral.prison_number.as_deref(),
        Some("A1234BC"),
        "{text:?}"
    );
    assert_eq!(read.referral.consent, Some(true), "{text:?}");
    assert!(read.referral.custody_status.is_some(), "{text:?}");
    assert_eq!(read.referral.crn.as_deref(), Some("X123456"), "{text:?}");
    assert_eq!(
        read.referral.date_of_birth,
        chrono::NaiveDate::from_ymd_opt(1991, 3, 2),
        "{text:?}"
    );
}

#[test]
fn a_hint_under_a_label_in_its_cell_is_the_label_s_not_the_answer() {
    let cell_of = |paragraphs: &[&str]| {
        word_cell(
            &paragraphs
                .iter()
                .map(|p| word_paragraph(p))
                .collect::<String>(),
        )
    };
    let row = |label: &[&str], answer: &[&str]| word_row(&[cell_of(label), cell_of(answer)]);
    let body = [
        word_paragraph("DUTY TO REFER REFERRAL"),
        word_tbl(&[
            row(
                &["Full name", "Please give full name"],
                &["Daniel Whitmore"],
            ),
            row(&["Date of birth", "(dd/mm/yyyy)"], &["02/03/1991"]),
            row(&["Prison number:", "e.g. A1234BC"], &["A9876ZY"]),
            row(&["Consent to referral", "Tick one"], &["☒ Yes ☐ No"]),
            // A question over its hint over its answer, in one cell.
            word_row(&[cell_of(&[
                "Expected release date",
                "DD/MM/YYYY",
                "14/01/2027",
            ])]),
        ]),
    ]
    .concat();
    let text = word_text(&body);
    let read = interpreted(&text);
    assert_person_read(&read, "A9876ZY", &text);
    assert_eq!(
        read.referral.expected_release_date,
        chrono::NaiveDate::from_ymd_opt(2027, 1, 14),
        "{text:?}"
    );
    assert!(read.invalid.is_empty(), "{text:?}");
    // An answer typed under its label, with other text beside it, is no
    // hint: never the label's, and never replaced by the text beside.
    let body = [
        word_paragraph("DUTY TO REFER REFERRAL"),
        word_tbl(&[row(
            &["Full name", "Daniel Whitmore"],
            &["Known to services"],
        )]),
    ]
    .concat();
    let text = word_text(&body);
    assert_ne!(
        interpreted(&text).referral.full_name.as_deref(),
        Some("Known to services"),
        "{text:?}"
    );
    // OpenDocument's cells alike.
    let body = r#"<text:p>DUTY TO REFER REFERRAL</text:p><table:table><table:table-row><table:table-cell><text:p>Full name</text:p><text:p>Please give full name</text:p></table:table-cell><table:table-cell><text:p>Daniel Whitmore</text:p></table:table-cell></table:table-row></table:table>"#;
    let text = odt_text(body);
    assert_eq!(
        interpreted(&text).referral.full_name.as_deref(),
        Some("Daniel Whitmore"),
        "{text:?}"
    );
}

#[test]
fn a_notes_column_of_a_word_table_is_no_part_of_the_answers() {
    let rows = word_rows(&[
        &["Question", "Answer", "Notes"],
        &["Full name", "Daniel Whitmore", "Known as Danny"],
        &["Date of birth", "02/03/1991", "Checked on NOMIS"],
        &["Consent to referral", "Yes", "Not to his GP"],
    ]);
    let text = word_text(&word_tbl(&rows));
    let read = interpreted(&text);
    assert_eq!(
        read.referral.full_name.as_deref(),
        Some("Daniel Whitmore"),
        "{text:?}"
    );
    assert!(read.referral.date_of_birth.is_some(), "{text:?}");
    // The consent row keeps its note: a limit there is still asked about.
    assert_eq!(read.referral.consent, None, "{text:?}");
}
