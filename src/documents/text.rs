//! Plain text (`.txt`) and attached messages saved as `.eml`: read as
//! written. A byte-order mark says the encoding (UTF-8, UTF-16 either
//! way); else the charset the mail declared for the part; else UTF-8 when
//! the bytes are UTF-8, and Windows-1252 when not, which is what Notepad
//! wrote for years. Within the document's text and time budget.

use super::{Budget, DocumentError};
use encoding_rs::Encoding;

pub(super) fn read(
    bytes: &[u8],
    charset: Option<&str>,
    budget: &Budget,
) -> Result<String, DocumentError> {
    let text = decode(bytes, charset);
    budget.check_time()?;
    budget.check_text(&text)?;
    Ok(text)
}

fn decode(bytes: &[u8], charset: Option<&str>) -> String {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        return encoding
            .decode_without_bom_handling(&bytes[bom..])
            .0
            .into_owned();
    }
    // A declared charset other than ASCII or UTF-8 (which the bytes
    // themselves tell apart from Windows-1252 below).
    let declared = charset
        .and_then(|c| Encoding::for_label(c.trim().as_bytes()))
        .filter(|e| *e != encoding_rs::UTF_8 && *e != encoding_rs::WINDOWS_1252);
    if let Some(encoding) = declared {
        return encoding.decode_without_bom_handling(bytes).0.into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn byte_order_marks_and_declared_charsets_say_the_encoding() {
        let utf16le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(
                "Full name: Zoë Example"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes),
            )
            .collect();
        assert_eq!(decode(&utf16le, Some("utf-8")), "Full name: Zoë Example");
        let utf16be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("Full name: Zoë".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode(&utf16be, None), "Full name: Zoë");
        // ISO-8859-15's euro sign, declared.
        assert_eq!(decode(b"Rent: \xA4100", Some("iso-8859-15")), "Rent: €100");
        // Windows-1252 without a declaration, UTF-8 as itself.
        assert_eq!(decode(b"Zo\xEB", None), "Zoë");
        assert_eq!(decode("Zoë".as_bytes(), Some("us-ascii")), "Zoë");
    }
}
