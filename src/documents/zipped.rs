//! The zip container of `.docx` and `.odt`, opened within limits: the
//! entry count is checked before anything is inflated, and a part is read
//! through a bound on what it inflates to, whatever its header claims.

use super::{Budget, DocumentError};
use std::io::{Cursor, Read};
use zip::ZipArchive;

/// The first bytes of an OLE compound file: a legacy `.doc`, or a
/// password-protected Office document (its package encrypted inside one).
const COMPOUND_FILE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Reads one part (`word/document.xml`, `content.xml`) of a zip container.
pub(super) fn read_part(
    bytes: &[u8],
    part: &str,
    budget: &Budget,
) -> Result<Vec<u8>, DocumentError> {
    read_optional_part(bytes, part, budget)?
        .ok_or_else(|| DocumentError::Malformed(format!("it has no {part}")))
}

/// Reads a part a container may lack (`word/styles.xml`): `None` when it
/// has none, within the same limits as any part.
pub(super) fn read_optional_part(
    bytes: &[u8],
    part: &str,
    budget: &Budget,
) -> Result<Option<Vec<u8>>, DocumentError> {
    if bytes.starts_with(&COMPOUND_FILE) {
        // Office keeps a password-protected document as an OLE file holding
        // `EncryptedPackage` (in UTF-16).
        let marker: Vec<u8> = "EncryptedPackage"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        return Err(if bytes.windows(marker.len()).any(|w| w == marker) {
            DocumentError::Encrypted
        } else {
            DocumentError::Unsupported("a Word 97-2003 (.doc) document")
        });
    }
    let mut archive = ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| DocumentError::Malformed(format!("not a zip container ({e})")))?;
    if archive.len() > budget.limits.max_zip_entries {
        return Err(DocumentError::TooManyEntries {
            entries: archive.len(),
            limit: budget.limits.max_zip_entries,
        });
    }
    // A package names each part once, names compared without regard to
    // case (Office Open XML's rule). Two copies are a damaged or forged
    // file: which one a program shows is its own choice, so neither is
    // read and the document is refused as damaged.
    if archive.has_duplicate_names() || names_a_part_twice(&archive) {
        return Err(DocumentError::Malformed(
            "its zip container holds two parts of one name".into(),
        ));
    }
    let Ok(entry) = archive.by_name(part) else {
        return Ok(None);
    };
    if entry.encrypted() {
        return Err(DocumentError::Encrypted);
    }
    let limit = budget.limits.max_unzipped_bytes;
    if entry.size() > limit {
        return Err(DocumentError::Unzipped { limit });
    }
    let mut out = Vec::new();
    // The declared size may lie: read one byte past the limit to know.
    let mut bounded = entry.take(limit + 1);
    let mut chunk = [0u8; 64 * 1024];
    loop {
        let n = bounded.read(&mut chunk).map_err(|e| {
            DocumentError::Malformed(format!("its {part} cannot be inflated ({e})"))
        })?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&chunk[..n]);
        if out.len() as u64 > limit {
            return Err(DocumentError::Unzipped { limit });
        }
        budget.check_time()?;
    }
    Ok(Some(out))
}

/// Two entries whose names differ only in case.
fn names_a_part_twice(archive: &ZipArchive<Cursor<&[u8]>>) -> bool {
    let mut names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.to_lowercase())
        .collect();
    let count = names.len();
    names.sort_unstable();
    names.dedup();
    names.len() != count
}
