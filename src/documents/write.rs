//! Documents the gateway writes: Word and fillable PDF forms (from the
//! form's field table), and the documents the tests read back. Small and
//! plain: one font, one column, a field per question.

use crate::core::field::Field;
use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, ObjectId, Stream, StringFormat};
use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;
use zip::ZipWriter;

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the zip container cannot be written: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("the document cannot be written: {0}")]
    Io(#[from] std::io::Error),
    #[error("the PDF cannot be written: {0}")]
    Pdf(#[from] lopdf::Error),
}

const WORD_NAMESPACES: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml""#;

/// A zip container of the given parts, in order.
pub fn zip_parts(parts: &[(&str, &[u8])]) -> Result<Vec<u8>, WriteError> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, bytes) in parts {
        // OpenDocument's `mimetype` comes first and is stored.
        let options = if *name == "mimetype" {
            options.compression_method(zip::CompressionMethod::Stored)
        } else {
            options
        };
        zip.start_file(*name, options)?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// A Word document whose body is `body` (WordprocessingML, `w:` and `w14:`
/// prefixes declared).
pub fn docx(body: &str) -> Result<Vec<u8>, WriteError> {
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {WORD_NAMESPACES}><w:body>{body}</w:body></w:document>"#
    );
    zip_parts(&[
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#,
        ),
        ("word/document.xml", document.as_bytes()),
    ])
}

/// XML text escaped.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A Word paragraph of plain text.
pub fn word_paragraph(text: &str) -> String {
    format!(
        r#"<w:p><w:r><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
        escape(text)
    )
}

/// A Word table of rows of plain-text cells.
pub fn word_table(rows: &[Vec<String>]) -> String {
    let mut xml = String::from("<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/></w:tblPr>");
    for row in rows {
        xml.push_str("<w:tr>");
        for cell in row {
            xml.push_str("<w:tc><w:tcPr><w:tcW w:w=\"4500\" w:type=\"dxa\"/></w:tcPr>");
            xml.push_str(&word_paragraph(cell));
            xml.push_str("</w:tc>");
        }
        xml.push_str("</w:tr>");
    }
    xml.push_str("</w:tbl>");
    xml
}

/// An OpenDocument text whose `office:text` is `body`.
pub fn odt(body: &str) -> Result<Vec<u8>, WriteError> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.3"><office:body><office:text>{body}</office:text></office:body></office:document-content>"#
    );
    zip_parts(&[
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("content.xml", content.as_bytes()),
    ])
}

/// A field of a fillable PDF form.
#[derive(Clone, Debug)]
pub struct PdfField {
    /// Its name (`/T`).
    pub name: String,
    /// Its tooltip (`/TU`), which readers show as its label.
    pub tooltip: Option<String>,
    pub value: PdfValue,
}

#[derive(Clone, Debug)]
pub enum PdfValue {
    Text(String),
    /// A check box: on (`/Yes`) or off (`/Off`).
    Check(bool),
}

/// A PDF of `pages`, each a list of lines (a tab in a line puts what
/// follows in a second column, as a table's value cell), with `fields` as
/// a fillable form on the first page.
pub fn pdf(pages: &[Vec<String>], fields: &[PdfField]) -> Result<Vec<u8>, WriteError> {
    let mut document = build_pdf(pages, fields);
    let mut out = Vec::new();
    document.save_to(&mut out)?;
    Ok(out)
}

/// The same PDF encrypted with a user password.
pub fn encrypted_pdf(pages: &[Vec<String>], password: &str) -> Result<Vec<u8>, WriteError> {
    let mut document = build_pdf(pages, &[]);
    document.trailer.set(
        "ID",
        Object::Array(vec![
            Object::String(b"0123456789abcdef".to_vec(), StringFormat::Hexadecimal),
            Object::String(b"0123456789abcdef".to_vec(), StringFormat::Hexadecimal),
        ]),
    );
    let version = lopdf::EncryptionVersion::V2 {
        document: &document,
        owner_password: "owner",
        user_password: password,
        key_length: 128,
        permissions: lopdf::Permissions::all(),
    };
    let state = lopdf::EncryptionState::try_from(version)?;
    document.encrypt(&state)?;
    let mut out = Vec::new();
    document.save_to(&mut out)?;
    Ok(out)
}

fn build_pdf(pages: &[Vec<String>], fields: &[PdfField]) -> Document {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let resources_id = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font_id },
    });
    // Pages alike share one content stream: a long blank document stays
    // small.
    let mut shared: Option<(Vec<String>, ObjectId)> = None;
    let mut kids = Vec::new();
    let mut first_page = None;
    for lines in pages {
        let content_id = match &shared {
            Some((same, id)) if same == lines => *id,
            _ => {
                let id = doc.add_object(Stream::new(dictionary! {}, page_content(lines)));
                shared = Some((lines.clone(), id));
                id
            }
        };
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Contents" => content_id,
        });
        first_page.get_or_insert(page_id);
        kids.push(Object::Reference(page_id));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => count,
            "Resources" => resources_id,
        }),
    );
    let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => pages_id };
    if let (Some(page), false) = (first_page, fields.is_empty()) {
        let mut refs = Vec::new();
        for (i, field) in fields.iter().enumerate() {
            // Beside the printed labels when the form's own (two lines of
            // heading above them), else one under another.
            let top = 800.0 - 16.0 * (i + 2) as f32 + 11.0;
            let mut dict = dictionary! {
                "Type" => "Annot",
                "Subtype" => "Widget",
                "F" => 4,
                "P" => page,
                "T" => Object::string_literal(field.name.as_str()),
                "Rect" => vec![300.into(), (top - 14.0).into(), 560.into(), top.into()],
            };
            if let Some(tip) = &field.tooltip {
                dict.set("TU", Object::string_literal(tip.as_str()));
            }
            match &field.value {
                PdfValue::Text(text) => {
                    dict.set("FT", "Tx");
                    if !text.is_empty() {
                        dict.set("V", lopdf::text_string(text));
                    }
                }
                PdfValue::Check(on) => {
                    let state = if *on { "Yes" } else { "Off" };
                    dict.set("FT", "Btn");
                    dict.set("V", Object::Name(state.as_bytes().to_vec()));
                    dict.set("AS", Object::Name(state.as_bytes().to_vec()));
                }
            }
            refs.push(Object::Reference(doc.add_object(dict)));
        }
        if let Ok(Object::Dictionary(page_dict)) = doc.get_object_mut(page) {
            page_dict.set("Annots", refs.clone());
        }
        let form = doc.add_object(dictionary! {
            "Fields" => refs,
            "NeedAppearances" => true,
            "DA" => Object::string_literal("/Helv 0 Tf 0 g"),
        });
        catalog.set("AcroForm", form);
    }
    let catalog_id = doc.add_object(catalog);
    doc.trailer.set("Root", catalog_id);
    doc
}

/// Lines drawn top to bottom; a tab starts a second column.
fn page_content(lines: &[String]) -> Vec<u8> {
    let mut operations = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let y = 800.0 - 16.0 * i as f32;
        let columns: Vec<&str> = line.splitn(2, '\t').collect();
        for (column, text) in columns.iter().enumerate() {
            if text.is_empty() {
                continue;
            }
            let x = if column == 0 { 50.0 } else { 300.0 };
            operations.push(Operation::new("BT", vec![]));
            operations.push(Operation::new("Tf", vec!["F1".into(), 10.into()]));
            operations.push(Operation::new(
                "Tm",
                vec![1.into(), 0.into(), 0.into(), 1.into(), x.into(), y.into()],
            ));
            operations.push(Operation::new(
                "Tj",
                vec![Object::string_literal(Document::encode_text(
                    &lopdf::Encoding::SimpleEncoding(b"WinAnsiEncoding"),
                    text,
                ))],
            ));
            operations.push(Operation::new("ET", vec![]));
        }
    }
    Content { operations }.encode().unwrap_or_default()
}

/// The form's heading, as the blank form prints it.
const HEADING: &str = "DUTY TO REFER REFERRAL";

/// The blank form as a Word document: the heading, then a two-column table
/// of every label of the field table and an empty cell for its answer. Made
/// from the same table the reader reads, so the two never drift.
pub fn blank_form_docx() -> Result<Vec<u8>, WriteError> {
    let rows: Vec<Vec<String>> = Field::ALL
        .iter()
        .map(|f| vec![f.label().to_string(), String::new()])
        .collect();
    docx(&(word_paragraph(HEADING) + &word_table(&rows)))
}

/// The form as a fillable PDF: every label printed, a text field beside
/// each (named by its JSON key, its tooltip the label), pre-filled with
/// `answers`.
pub fn form_pdf(answers: &[(Field, String)]) -> Result<Vec<u8>, WriteError> {
    let lines: Vec<String> = std::iter::once(HEADING.to_string())
        .chain(std::iter::once(String::new()))
        .chain(Field::ALL.iter().map(|f| f.label().to_string()))
        .collect();
    let fields: Vec<PdfField> = Field::ALL
        .iter()
        .map(|f| PdfField {
            name: f.key().to_string(),
            tooltip: Some(f.label().to_string()),
            value: PdfValue::Text(
                answers
                    .iter()
                    .find(|(a, _)| a == f)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            ),
        })
        .collect();
    let mut document = build_pdf(&[lines], &fields);
    let mut out = Vec::new();
    document.save_to(&mut out)?;
    Ok(out)
}
