//! Attached documents never panic the reader: corrupted and truncated
//! copies of every document of the corpus (Word, PDF, as python-docx,
//! reportlab and LibreOffice write them), read as the `read_document`
//! fuzz target reads them. A panic that `read_document` catches still
//! fails here, so that it is found and fixed rather than hidden; each
//! answer is a text or a reason, within the document's time budget.

use dtr_gateway::core::form::read_form;
use dtr_gateway::documents::{read_document, DocumentKind, LIMITS};
use proptest::prelude::*;
use std::cell::RefCell;
use std::path::Path;
use std::sync::Once;
use std::time::{Duration, Instant};

thread_local! {
    /// Where and why this thread last panicked.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn record_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            default(info);
            let at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(at));
        }));
    });
}

/// The documents of the corpus, with the kind each is read as.
fn documents() -> Vec<(DocumentKind, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/documents");
    let mut found: Vec<(DocumentKind, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("the documents folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?.to_string();
            let kind = DocumentKind::of(Some(&name), "application/octet-stream");
            (kind != DocumentKind::NotADocument)
                .then(|| (kind, std::fs::read(&path).expect("readable")))
        })
        .collect();
    found.sort_by_key(|(_, bytes)| bytes.len());
    assert!(found.len() >= 6, "{} documents", found.len());
    found
}

/// Reads a document as the fuzz target does; fails on any panic, caught
/// or not, and on a read far past the time budget.
fn read_soundly(kind: DocumentKind, bytes: &[u8]) {
    record_panics();
    LAST_PANIC.with(|p| p.borrow_mut().take());
    let started = Instant::now();
    if let Ok(text) = read_document(kind, bytes, &LIMITS) {
        let _ = read_form(&text);
    }
    let took = started.elapsed();
    if let Some(at) = LAST_PANIC.with(|p| p.borrow_mut().take()) {
        panic!("{kind:?} of {} bytes panicked at {at}", bytes.len());
    }
    // The budget is 2 s; an unoptimised build on a busy machine is
    // slower, but never by this much.
    assert!(
        took < LIMITS.max_time * 10 + Duration::from_secs(10),
        "{kind:?} took {took:?}"
    );
}

#[test]
fn every_document_of_the_corpus_reads() {
    for (kind, bytes) in documents() {
        let text = read_document(kind, &bytes, &LIMITS).expect("reads");
        assert!(read_form(&text).is_referral(), "{kind:?}: {text}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn corrupted_documents_never_panic(
        which in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..24),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let documents = documents();
        let (kind, bytes) = &documents[which.index(documents.len())];
        let mut bytes = bytes.clone();
        for (at, value) in flips {
            let at = at.index(bytes.len());
            bytes[at] = value;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        read_soundly(*kind, &bytes);
    }

    #[test]
    fn any_document_read_as_any_kind_never_panics(
        which in any::<prop::sample::Index>(),
        kind in prop::sample::select(vec![
            DocumentKind::Docx,
            DocumentKind::Odt,
            DocumentKind::Pdf,
            DocumentKind::PlainText,
        ]),
    ) {
        let documents = documents();
        let (_, bytes) = &documents[which.index(documents.len())];
        read_soundly(kind, bytes);
    }
}
