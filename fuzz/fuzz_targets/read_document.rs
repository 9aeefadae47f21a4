//! Arbitrary bytes as an attached document: the first byte chooses what it
//! claims to be (Word, OpenDocument, PDF, text), the rest is the file.
//! `read_document` must return within its limits, and what it reads must
//! go through the form reader, never panic. (Its own panic guard is no
//! excuse: libFuzzer's hook aborts on any panic, so one is reported.)

#![no_main]

use dtr_gateway::core::form::read_form;
use dtr_gateway::documents::{read_document, DocumentKind, LIMITS};
use libfuzzer_sys::fuzz_target;

const KINDS: [DocumentKind; 4] = [
    DocumentKind::Docx,
    DocumentKind::Odt,
    DocumentKind::Pdf,
    DocumentKind::PlainText,
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, bytes)) = data.split_first() else {
        return;
    };
    let kind = KINDS[usize::from(first) % KINDS.len()];
    if let Ok(text) = read_document(kind, bytes, &LIMITS) {
        let _ = read_form(&text);
    }
});
