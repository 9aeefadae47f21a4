//! A font whose ToUnicode map says its letters are other than the glyphs
//! it draws: a viewer shows the glyphs, a text layer read by the map says
//! something else. Where the font names its glyphs (its `/Encoding`, or a
//! standard font's own), such a document is set aside, never read.

use super::super::{read_document, DocumentError, DocumentKind, LIMITS};
use crate::core::field::Field;
use crate::core::form::read_form;
use lopdf::{dictionary, Dictionary, Document, Object, Stream};

/// A one-page PDF: the form's heading and a name in Helvetica (`F1`),
/// and its consent answer `No` in the font `F2` that `font` makes.
fn consent_in(font: &dyn Fn(&mut Document) -> Dictionary) -> Vec<u8> {
    let content = "BT /F1 14 Tf 72 780 Td (DUTY TO REFER REFERRAL) Tj ET\n\
                   BT /F1 10 Tf 72 740 Td (Full name: Sam Example) Tj ET\n\
                   BT /F1 10 Tf 72 700 Td (Consent to referral:) Tj ET\n\
                   BT /F2 10 Tf 250 700 Td (No) Tj ET\n";
    super::tick_tests::printed(content, &|doc, fonts| {
        let answer_font = font(doc);
        fonts.set("F2", doc.add_object(answer_font));
    })
}

/// A ToUnicode map of one-byte codes to the text given.
fn to_unicode(doc: &mut Document, pairs: &[(u8, &str)]) -> Object {
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
         /CMapName /Adobe-Identity-UCS def /CMapType 2 def\n\
         1 begincodespacerange <00> <FF> endcodespacerange\n",
    );
    cmap.push_str(&format!("{} beginbfchar\n", pairs.len()));
    for (code, text) in pairs {
        let utf16: String = text.encode_utf16().map(|u| format!("{u:04X}")).collect();
        cmap.push_str(&format!("<{code:02X}> <{utf16}>\n"));
    }
    cmap.push_str("endbfchar endcmap CMapName currentdict /CMap defineresource pop end end\n");
    doc.add_object(Stream::new(dictionary! {}, cmap.into_bytes()))
        .into()
}

/// What makes the answer's font dictionary.
type MakeFont = Box<dyn Fn(&mut Document) -> Dictionary>;

/// `N` drawn, `Y` said; `o` drawn, `es` said: `No` on the page, `Yes`
/// in the map.
const SAYS_YES: &[(u8, &str)] = &[(b'N', "Y"), (b'o', "es")];
const SAYS_NO: &[(u8, &str)] = &[(b'N', "N"), (b'o', "o")];

fn consent(bytes: &[u8]) -> Result<Option<String>, DocumentError> {
    let text = read_document(DocumentKind::Pdf, bytes, &LIMITS)?;
    let reading = read_form(&text);
    assert!(reading.values.contains_key(&Field::FullName), "{text:?}");
    Ok(reading.values.get(&Field::Consent).cloned())
}

#[test]
fn a_font_whose_map_says_other_letters_than_its_glyphs_is_set_aside() {
    let fonts: Vec<MakeFont> = vec![
        // A standard font, not embedded, with no encoding of its own: the
        // viewer draws Helvetica's `N` and `o`.
        Box::new(|doc| {
            let map = to_unicode(doc, SAYS_YES);
            dictionary! {
                "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
                "ToUnicode" => map,
            }
        }),
        // A named encoding.
        Box::new(|doc| {
            let map = to_unicode(doc, SAYS_YES);
            dictionary! {
                "Type" => "Font", "Subtype" => "TrueType", "BaseFont" => "ABCDEF+Arial",
                "Encoding" => "WinAnsiEncoding", "ToUnicode" => map,
            }
        }),
        // Differences naming the glyphs each code draws.
        Box::new(|doc| {
            let map = to_unicode(doc, SAYS_YES);
            let differences: Vec<Object> = vec![
                78.into(),
                Object::Name(b"N".to_vec()),
                111.into(),
                Object::Name(b"o".to_vec()),
            ];
            dictionary! {
                "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "ABCDEF+Helvetica",
                "Encoding" => dictionary! { "Type" => "Encoding", "Differences" => differences },
                "ToUnicode" => map,
            }
        }),
    ];
    for font in &fonts {
        assert!(
            matches!(
                consent(&consent_in(font.as_ref())),
                Err(DocumentError::PdfMisleadingFont)
            ),
            "{:?}",
            consent(&consent_in(font.as_ref()))
        );
    }
}

#[test]
fn a_font_whose_map_agrees_with_its_glyphs_is_read() {
    let bytes = consent_in(&|doc| {
        let map = to_unicode(doc, SAYS_NO);
        dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
            "Encoding" => "WinAnsiEncoding", "ToUnicode" => map,
        }
    });
    assert_eq!(consent(&bytes), Ok(Some("No".to_string())));
    // A map that says other than letters for a code (a ligature, a
    // space) is no letter said otherwise.
    let bytes = consent_in(&|doc| {
        let map = to_unicode(doc, &[(b'N', "N"), (b'o', "o"), (b' ', "\u{a0}")]);
        dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
            "ToUnicode" => map,
        }
    });
    assert_eq!(consent(&bytes), Ok(Some("No".to_string())));
}
