//! What a document says now, as its reader sees it: tracked deletions of
//! whole rows and cells and text moved away are not read, and formatting
//! that Word toggles (hidden text set by two styles) is decided as Word
//! decides it.

use super::write::docx;
use super::*;
use crate::core::field::Field;
use crate::core::form::{read_form, UNREADABLE};
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

/// A table cell of one paragraph, with the cell properties given.
fn cell(properties: &str, text: &str) -> String {
    format!(r#"<w:tc><w:tcPr>{properties}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"#)
}

/// A table row of the cells given, with the row properties given.
fn row(properties: &str, cells: &[String]) -> String {
    format!(
        "<w:tr><w:trPr>{properties}</w:trPr>{}</w:tr>",
        cells.concat()
    )
}

fn table(rows: &[String]) -> String {
    format!("<w:tbl>{}</w:tbl>", rows.concat())
}

const DELETED_ROW: &str = r#"<w:del w:id="7" w:author="Jane Doe" w:date="2026-11-20T10:00:00Z"/>"#;
const DELETED_CELL: &str =
    r#"<w:cellDel w:id="8" w:author="Jane Doe" w:date="2026-11-20T10:00:00Z"/>"#;

#[test]
fn a_deleted_table_row_is_not_read() {
    for (deleted, current, consent) in [("No", "Yes", Some(true)), ("Yes", "No", Some(false))] {
        let body = table(&[
            row("", &[cell("", "Full name"), cell("", "Sam Example")]),
            row(
                DELETED_ROW,
                &[cell("", "Consent to referral"), cell("", deleted)],
            ),
            row("", &[cell("", "Consent to referral"), cell("", current)]),
            row("", &[cell("", "Date of birth"), cell("", "14/07/1988")]),
        ]);
        let text = word_text(&body);
        let read = interpreted(&text);
        assert_eq!(read.referral.consent, consent, "{text:?}");
        assert!(!text.contains(deleted), "{text:?}");
        assert_eq!(read.referral.full_name.as_deref(), Some("Sam Example"));
        assert_eq!(
            read.referral.date_of_birth,
            chrono::NaiveDate::from_ymd_opt(1988, 7, 14)
        );
    }
}

#[test]
fn a_deleted_row_written_with_content_is_not_read_either() {
    let body = table(&[
        row(
            r#"<w:del w:id="7" w:author="Jane Doe"></w:del>"#,
            &[cell("", "Consent to referral"), cell("", "No")],
        ),
        row("", &[cell("", "Consent to referral"), cell("", "Yes")]),
    ]);
    let text = word_text(&body);
    assert_eq!(interpreted(&text).referral.consent, Some(true), "{text:?}");
}

#[test]
fn a_deleted_table_cell_is_not_read() {
    // `Consent | No (deleted) | Yes`: Word shows `Consent | Yes`.
    for (deleted, current, consent) in [("No", "Yes", Some(true)), ("Yes", "No", Some(false))] {
        let body = table(&[row(
            "",
            &[
                cell("", "Consent to referral"),
                cell(DELETED_CELL, deleted),
                cell("", current),
            ],
        )]);
        let text = word_text(&body);
        assert_eq!(interpreted(&text).referral.consent, consent, "{text:?}");
        assert!(!text.contains(deleted), "{text:?}");
    }
}

#[test]
fn text_moved_away_is_read_only_where_it_now_stands() {
    // Word's own move: the answer moved from one paragraph to another,
    // each run marked, the paragraph left behind marked too.
    let body = r#"<w:p><w:r><w:t>Full name: Sam Example</w:t></w:r></w:p>
      <w:p><w:pPr><w:rPr><w:moveFrom w:id="3" w:author="J"/></w:rPr></w:pPr><w:moveFromRangeStart w:id="1" w:author="J" w:name="move1"/><w:moveFrom w:id="2" w:author="J"><w:r><w:t>Consent to referral: No</w:t></w:r></w:moveFrom><w:moveFromRangeEnd w:id="1"/></w:p>
      <w:p><w:moveToRangeStart w:id="4" w:author="J" w:name="move1"/><w:moveTo w:id="5" w:author="J"><w:r><w:t>Consent to referral: Yes</w:t></w:r></w:moveTo><w:moveToRangeEnd w:id="4"/></w:p>"#;
    let text = word_text(body);
    assert_eq!(interpreted(&text).referral.consent, Some(true), "{text:?}");
}

#[test]
fn text_inside_a_moved_away_range_but_not_marked_moved_is_unreadable() {
    // Between the marks of a move's source, a run not itself marked as
    // moved: whether it shows is not settled, so it is no answer.
    for answer in ["No", "Yes"] {
        let body = format!(
            r#"<w:p><w:r><w:t xml:space="preserve">Consent to referral: </w:t></w:r><w:moveFromRangeStart w:id="1" w:author="J" w:name="move1"/><w:r><w:t>{answer}</w:t></w:r><w:moveFromRangeEnd w:id="1"/></w:p>
            <w:p><w:r><w:t>Full name: Sam Example</w:t></w:r></w:p>"#
        );
        let text = word_text(&body);
        let reading = read_form(&text);
        assert_eq!(
            reading.values.get(&Field::Consent).map(String::as_str),
            Some(UNREADABLE.to_string().as_str()),
            "{text:?}"
        );
        assert_eq!(interpreted(&text).referral.consent, None, "{text:?}");
        // Text after the range's end is read.
        assert_eq!(reading.values[&Field::FullName], "Sam Example");
    }
}

/// Styles for the toggle tests: a hidden paragraph style, a hidden
/// character style (and one based on it that says nothing of hiding),
/// and a table style hiding its text.
const TOGGLE_STYLES: &str = r#"<w:styles xmlns:w="w">
  <w:style w:type="paragraph" w:styleId="HiddenPara"><w:rPr><w:vanish/></w:rPr></w:style>
  <w:style w:type="paragraph" w:styleId="HiddenParaChild"><w:basedOn w:val="HiddenPara"/></w:style>
  <w:style w:type="paragraph" w:styleId="ShownPara"><w:basedOn w:val="HiddenPara"/><w:rPr><w:vanish w:val="0"/></w:rPr></w:style>
  <w:style w:type="character" w:styleId="HiddenChar"><w:rPr><w:vanish/></w:rPr></w:style>
  <w:style w:type="character" w:styleId="HiddenCharChild"><w:basedOn w:val="HiddenChar"/></w:style>
  <w:style w:type="character" w:styleId="NotHiddenChar"><w:rPr><w:vanish w:val="0"/></w:rPr></w:style>
  <w:style w:type="character" w:styleId="Capitals"><w:rPr><w:caps/></w:rPr></w:style>
  <w:style w:type="paragraph" w:styleId="CapitalsPara"><w:rPr><w:caps/></w:rPr></w:style>
  <w:style w:type="table" w:styleId="HiddenTable"><w:rPr><w:vanish/></w:rPr></w:style>
</w:styles>"#;

/// A paragraph of the style given holding `before` plain and `text` in a
/// run of the character style and run properties given.
fn styled(paragraph: &str, before: &str, character: &str, direct: &str, text: &str) -> String {
    format!(
        r#"<w:p><w:pPr><w:pStyle w:val="{paragraph}"/></w:pPr><w:r><w:t xml:space="preserve">{before}</w:t></w:r><w:r><w:rPr><w:rStyle w:val="{character}"/>{direct}</w:rPr><w:t>{text}</w:t></w:r></w:p>"#
    )
}

fn toggled_consent(paragraph: &str, character: &str, direct: &str) -> Option<bool> {
    // The label is in a shown run of its own, so only the answer's run is
    // in question; a paragraph style that hides hides the label too, and
    // the label is then written with direct formatting that shows it.
    let body = format!(
        r#"<w:document xmlns:w="w"><w:body>{}</w:body></w:document>"#,
        styled(paragraph, "", character, direct, "No")
            .replace(
                r#"<w:r><w:t xml:space="preserve"></w:t></w:r>"#,
                r#"<w:r><w:rPr><w:vanish w:val="0"/></w:rPr><w:t xml:space="preserve">Consent to referral: </w:t></w:r>"#,
            )
    );
    let text = docx::read_styled_xml(&body, TOGGLE_STYLES).expect("read");
    interpreted(&text).referral.consent
}

#[test]
fn hidden_set_by_the_paragraph_style_and_again_by_the_character_style_shows() {
    // Word toggles `w:vanish`: hidden by two levels of styles is shown.
    assert_eq!(toggled_consent("HiddenPara", "HiddenChar", ""), Some(false));
    // So too through the styles each is based on.
    assert_eq!(
        toggled_consent("HiddenParaChild", "HiddenCharChild", ""),
        Some(false)
    );
    // One level alone hides.
    assert_eq!(toggled_consent("HiddenPara", "None", ""), None);
    assert_eq!(toggled_consent("Normal", "HiddenChar", ""), None);
    assert_eq!(toggled_consent("Normal", "HiddenCharChild", ""), None);
    // A style saying not hidden leaves what is beneath it as it was.
    assert_eq!(toggled_consent("HiddenPara", "NotHiddenChar", ""), None);
    // Within one level, a style's own value is the one taken.
    assert_eq!(toggled_consent("ShownPara", "None", ""), Some(false));
    assert_eq!(toggled_consent("ShownPara", "HiddenChar", ""), None);
    // Direct formatting says outright, whatever the styles.
    assert_eq!(
        toggled_consent("HiddenPara", "HiddenChar", "<w:vanish/>"),
        None
    );
    assert_eq!(
        toggled_consent("HiddenPara", "None", r#"<w:vanish w:val="0"/>"#),
        Some(false)
    );
    assert_eq!(
        toggled_consent("Normal", "HiddenChar", r#"<w:vanish w:val="false"/>"#),
        Some(false)
    );
}

#[test]
fn hidden_by_the_table_style_and_a_paragraph_style_shows() {
    let body = r#"<w:document xmlns:w="w"><w:body><w:tbl><w:tblPr><w:tblStyle w:val="HiddenTable"/></w:tblPr>
      <w:tr><w:tc><w:p><w:r><w:rPr><w:vanish w:val="0"/></w:rPr><w:t>Consent to referral</w:t></w:r></w:p></w:tc>
      <w:tc><w:p><w:pPr><w:pStyle w:val="HiddenPara"/></w:pPr><w:r><w:t>No</w:t></w:r></w:p></w:tc></w:tr>
      <w:tr><w:tc><w:p><w:r><w:rPr><w:vanish w:val="0"/></w:rPr><w:t>Full name</w:t></w:r></w:p></w:tc>
      <w:tc><w:p><w:r><w:t>Zed Smuggled</w:t></w:r></w:p></w:tc></w:tr>
    </w:tbl></w:body></w:document>"#;
    let text = docx::read_styled_xml(body, TOGGLE_STYLES).expect("read");
    let read = interpreted(&text);
    assert_eq!(read.referral.consent, Some(false), "{text:?}");
    assert_eq!(read.referral.full_name, None, "{text:?}");
}

#[test]
fn capitals_set_by_two_styles_are_not_capitals() {
    // `[YES / no]` tells the choice by capitals: capitals set by the
    // paragraph style and again by the character style cancel out, and
    // `yes` is then not the one in capitals.
    let body = r#"<w:document xmlns:w="w"><w:body>
      <w:p><w:pPr><w:pStyle w:val="CapitalsPara"/></w:pPr><w:r><w:rPr><w:caps w:val="0"/></w:rPr><w:t xml:space="preserve">Consent to referral: [</w:t></w:r><w:r><w:rPr><w:rStyle w:val="Capitals"/></w:rPr><w:t>yes</w:t></w:r><w:r><w:rPr><w:caps w:val="0"/></w:rPr><w:t xml:space="preserve"> / </w:t></w:r><w:r><w:t>no</w:t></w:r><w:r><w:rPr><w:caps w:val="0"/></w:rPr><w:t>]</w:t></w:r></w:p>
    </w:body></w:document>"#;
    let text = docx::read_styled_xml(body, TOGGLE_STYLES).expect("read");
    assert_eq!(interpreted(&text).referral.consent, Some(false), "{text:?}");
}

#[test]
fn text_marked_always_hidden_is_unreadable_not_dropped() {
    // `w:specVanish` is meant for a paragraph mark; on text, whether Word
    // shows it is not settled, so it is no answer either way. And it does
    // not make text hidden by `w:vanish` show.
    let body = r#"<w:document xmlns:w="w"><w:body>
      <w:p><w:r><w:t xml:space="preserve">Consent to referral: Yes </w:t></w:r><w:r><w:rPr><w:specVanish/></w:rPr><w:t>No</w:t></w:r></w:p>
      <w:p><w:r><w:t xml:space="preserve">Full name: Sam Example</w:t></w:r><w:r><w:rPr><w:vanish/><w:specVanish w:val="0"/></w:rPr><w:t>Zed</w:t></w:r></w:p>
    </w:body></w:document>"#;
    let text = docx::read_styled_xml(body, TOGGLE_STYLES).expect("read");
    let read = interpreted(&text);
    assert_eq!(read.referral.consent, None, "{text:?}");
    assert_eq!(
        read.referral.full_name.as_deref(),
        Some("Sam Example"),
        "{text:?}"
    );
}

/// The consent a Word paragraph gives, read as the gateway reads a Word
/// attachment (struck text marked).
fn struck_consent(paragraph: &str, styles: &str) -> (Option<bool>, String) {
    let body = format!(r#"<w:document xmlns:w="w"><w:body>{paragraph}</w:body></w:document>"#);
    let text = docx::read_styled_xml(&body, styles).expect("read");
    (struck_interpreted(&text).referral.consent, text)
}

fn struck_interpreted(text: &str) -> ReadReferral {
    let authorities = crate::core::authority::Authorities::default();
    interpret(
        &crate::core::form::read_struck_form(text),
        &ReadingContext {
            sent_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"),
            authorities: &authorities,
            receiving_authority: None,
        },
    )
}

/// `Consent to referral: Yes / No` with each option's run properties.
fn options(yes: &str, no: &str) -> String {
    format!(
        r#"<w:p><w:r><w:t xml:space="preserve">Consent to referral: </w:t></w:r><w:r><w:rPr>{yes}</w:rPr><w:t>Yes</w:t></w:r><w:r><w:t xml:space="preserve"> / </w:t></w:r><w:r><w:rPr>{no}</w:rPr><w:t>No</w:t></w:r><w:r><w:t xml:space="preserve"> (delete as appropriate)</w:t></w:r></w:p>"#
    )
}

const STRIKE_STYLES: &str = r#"<w:styles xmlns:w="w">
  <w:style w:type="character" w:styleId="Struck"><w:rPr><w:strike/></w:rPr></w:style>
  <w:style w:type="paragraph" w:styleId="StruckPara"><w:rPr><w:strike/></w:rPr></w:style>
</w:styles>"#;

#[test]
fn a_struck_through_option_is_not_chosen() {
    let cases = [
        // One option struck: the other is the answer.
        (options("", "<w:strike/>"), Some(true)),
        (options("<w:strike/>", ""), Some(false)),
        (options("", "<w:dstrike/>"), Some(true)),
        (options("<w:dstrike w:val=\"1\"/>", ""), Some(false)),
        (options("", r#"<w:rStyle w:val="Struck"/>"#), Some(true)),
        // Both struck, or neither: no answer.
        (options("<w:strike/>", "<w:strike/>"), None),
        (options("", ""), None),
        (
            options("<w:strike w:val=\"0\"/>", "<w:strike w:val=\"false\"/>"),
            None,
        ),
    ];
    for (paragraph, consent) in cases {
        let (read, text) = struck_consent(&paragraph, STRIKE_STYLES);
        assert_eq!(read, consent, "{text:?}");
    }
    // Struck by the paragraph style and again by the character style: Word
    // toggles it off, and `No` is not struck.
    let paragraph = options("", r#"<w:rStyle w:val="Struck"/>"#).replace(
        "<w:p>",
        r#"<w:p><w:pPr><w:pStyle w:val="StruckPara"/></w:pPr>"#,
    );
    let paragraph = paragraph
        .replace(
            "<w:r><w:t",
            r#"<w:r><w:rPr><w:strike w:val="0"/></w:rPr><w:t"#,
        )
        .replace("<w:rPr></w:rPr>", r#"<w:rPr><w:strike w:val="0"/></w:rPr>"#);
    let (read, text) = struck_consent(&paragraph, STRIKE_STYLES);
    assert_eq!(read, None, "{text:?}");
}

#[test]
fn all_options_struck_is_unreadable_and_asked_again() {
    let body = format!(
        r#"<w:document xmlns:w="w"><w:body>{}</w:body></w:document>"#,
        options("<w:strike/>", "<w:strike/>")
    );
    let text = docx::read_styled_xml(&body, STRIKE_STYLES).expect("read");
    let reading = crate::core::form::read_struck_form(&text);
    assert_eq!(
        reading.values.get(&Field::Consent).map(String::as_str),
        Some(UNREADABLE.to_string().as_str()),
        "{text:?}"
    );
}

#[test]
fn struck_options_of_a_choice_and_in_a_table_cell_leave_the_one_chosen() {
    let strike = |text: &str| format!(r#"<w:r><w:rPr><w:strike/></w:rPr><w:t>{text}</w:t></w:r>"#);
    let plain = |text: &str| format!(r#"<w:r><w:t xml:space="preserve">{text}</w:t></w:r>"#);
    let custody = [
        plain("["),
        strike("remand"),
        plain(" / sentenced / "),
        strike("community"),
        plain(" / "),
        strike("released"),
        plain("]"),
    ]
    .concat();
    let consent = [plain("Yes / "), strike("No")].concat();
    let body = format!(
        r#"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Custody status</w:t></w:r></w:p></w:tc><w:tc><w:p>{custody}</w:p></w:tc></w:tr>
        <w:tr><w:tc><w:p><w:r><w:t>Consent to referral</w:t></w:r></w:p></w:tc><w:tc><w:p>{consent}</w:p></w:tc></w:tr></w:tbl>"#
    );
    let bytes = docx(&body).expect("docx");
    let text = read_document(DocumentKind::Docx, &bytes, &LIMITS).expect("read");
    let read = struck_interpreted(&text);
    assert_eq!(read.referral.consent, Some(true), "{text:?}");
    assert_eq!(
        read.referral.custody_status,
        Some(crate::core::referral::CustodyStatus::Sentenced),
        "{text:?}"
    );
    // Two choices left unstruck: which is meant cannot be told.
    let two_left = body.replace(&strike("community"), &plain("community"));
    let bytes = docx(&two_left).expect("docx");
    let text = read_document(DocumentKind::Docx, &bytes, &LIMITS).expect("read");
    assert_eq!(
        struck_interpreted(&text).referral.custody_status,
        None,
        "{text:?}"
    );
}

#[test]
fn an_opendocument_option_struck_through_is_not_chosen() {
    for (style, consent) in [
        (r#"style:text-line-through-style="solid""#, Some(true)),
        (
            r#"style:text-line-through-style="solid" style:text-line-through-type="double""#,
            Some(true),
        ),
        (r#"style:text-line-through-style="none""#, None),
    ] {
        let xml = format!(
            r#"<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:automatic-styles><style:style style:name="Struck" style:family="text"><style:text-properties {style}/></style:style></office:automatic-styles><office:body><office:text><text:p>Consent to referral: Yes / <text:span text:style-name="Struck">No</text:span></text:p></office:text></office:body></office:document-content>"#
        );
        let text = super::odt::read_content_xml(&xml).expect("read");
        assert_eq!(
            struck_interpreted(&text).referral.consent,
            consent,
            "{text:?}"
        );
    }
}

#[test]
fn a_strike_mark_typed_as_text_strikes_nothing() {
    // The marks the readers write for struck text, typed into a document
    // or a plain-text mail, hide nothing: the answer cannot be read.
    let typed = format!(
        "Consent to referral: {}No{} Yes\n",
        crate::core::form::STRUCK_START,
        crate::core::form::STRUCK_END
    );
    assert_eq!(interpreted(&typed).referral.consent, None);
    let body = format!(
        r#"<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:body></w:document>"#,
        typed.trim()
    );
    let text = docx::read_document_xml(&body).expect("read");
    assert_eq!(struck_interpreted(&text).referral.consent, None, "{text:?}");
}

#[test]
fn a_paragraph_whose_mark_is_deleted_runs_on_into_the_next() {
    // Word shows `Consent to referral: YesNo`: which is meant cannot be
    // told, and the Yes alone is not read.
    for removed in [
        r#"<w:del w:id="3" w:author="J"/>"#,
        r#"<w:moveFrom w:id="3" w:author="J"/>"#,
    ] {
        let body = format!(
            r#"<w:p><w:pPr><w:rPr>{removed}</w:rPr></w:pPr><w:r><w:t>Consent to referral: Yes</w:t></w:r></w:p>
            <w:p><w:r><w:t>No</w:t></w:r></w:p>
            <w:p><w:r><w:t>Full name: Sam Example</w:t></w:r></w:p>"#
        );
        let text = word_text(&body);
        assert!(text.contains("Consent to referral: YesNo"), "{text:?}");
        let read = interpreted(&text);
        assert_eq!(read.referral.consent, None, "{text:?}");
        assert_eq!(read.referral.full_name.as_deref(), Some("Sam Example"));
    }
    // An inserted mark is a paragraph's end as any other.
    let body = r#"<w:p><w:pPr><w:rPr><w:ins w:id="3" w:author="J"/></w:rPr></w:pPr><w:r><w:t>Consent to referral: Yes</w:t></w:r></w:p>
        <w:p><w:r><w:t>Full name: Sam Example</w:t></w:r></w:p>"#;
    let text = word_text(body);
    assert_eq!(interpreted(&text).referral.consent, Some(true), "{text:?}");
}
