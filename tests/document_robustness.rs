//! Attached documents never panic the reader: corrupted and truncated
//! copies of every document of the corpus (Word, PDF, as python-docx,
//! reportlab and LibreOffice write them), and copies changed inside (the
//! XML of a Word or OpenDocument package, a PDF's page content, with the
//! formats' own markup spliced in), read as the `read_document` fuzz
//! target reads them. A panic that `read_document` catches still
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

/// Pieces of the formats read, spliced into documents: markup the
/// readers act on (runs, cells, colours, shading, check boxes, fields)
/// and content-stream syntax (operators, strings, arrays, inline images),
/// whole and broken.
const TOKENS: &[&[u8]] = &[
    b"<w:p>",
    b"</w:p>",
    b"<w:r>",
    b"</w:r>",
    b"<w:t>",
    b"</w:t>",
    b"<w:tab/>",
    b"<w:br/>",
    b"<w:tbl>",
    b"</w:tbl>",
    b"<w:tr>",
    b"</w:tr>",
    b"<w:tc>",
    b"</w:tc>",
    b"<w:tcPr><w:shd w:val=\"clear\" w:fill=\"1F3864\"/></w:tcPr>",
    b"<w:pPr><w:shd w:val=\"solid\" w:color=\"auto\"/></w:pPr>",
    b"<w:rPr><w:color w:val=\"FFFFFF\"/><w:highlight w:val=\"darkBlue\"/></w:rPr>",
    b"<w:shd w:fill=\"#zz\"/>",
    b"<w:vanish/>",
    b"<w:sdt><w:sdtPr><w14:checkbox><w14:checked w14:val=\"1\"/></w14:checkbox></w:sdtPr><w:sdtContent>",
    b"</w:sdtContent></w:sdt>",
    b"<w:checkBox><w:checked/></w:checkBox>",
    b"<mc:AlternateContent><mc:Choice>",
    b"</mc:Choice><mc:Fallback>",
    b"<w:delText>",
    b"<!DOCTYPE x [<!ENTITY a \"b\">]>",
    b"&amp;",
    b"&#x2612;",
    b"&#xFFFFFFFF;",
    b"&unknown;",
    b"<text:p>",
    b"</text:p>",
    b"<text:span text:style-name=\"T1\">",
    b"<text:tab/>",
    b"<text:s text:c=\"99999999999\"/>",
    b"<table:table>",
    b"<table:table-row>",
    b"<table:table-cell table:style-name=\"Navy\">",
    b"</table:table-cell>",
    b"<field:fieldmark field:type=\"vnd.oasis.opendocument.field.FORMCHECKBOX\">",
    b"<field:param field:name=\"Checkbox_Checked\" field:value=\"true\"/>",
    b"</field:fieldmark>",
    b"<style:style style:name=\"Navy\"><style:table-cell-properties fo:background-color=\"#000\"/></style:style>",
    b" BT ",
    b" ET ",
    b" (Full name: Sam Example) Tj ",
    b" [(Date of) -300 (birth)] TJ ",
    b" 1 0 0 1 72 700 Tm ",
    b" 0 -14 Td ",
    b" /F1 12 Tf ",
    b" 3 Tr ",
    b" 1 1 1 rg ",
    b" q ",
    b" Q ",
    b" 0 0 10 10 re W n ",
    b" BI /W 1 /H 1 /BPC 8 /CS /G ID ",
    b" EI ",
    b"(",
    b")",
    b"<",
    b">",
    b"<<",
    b">>",
    b"[",
    b"]",
    b"{",
    b"%",
    b"\\",
    b" 1e999 ",
    b" -0.0.0 ",
    b" 99999999999999999999 ",
    b"\0",
    b"\xff\xfe",
];

/// A change to a document's bytes.
#[derive(Clone, Debug)]
enum Mutation {
    Insert(prop::sample::Index, usize),
    Delete(prop::sample::Index, u8),
    Duplicate(prop::sample::Index, prop::sample::Index, u8),
    Set(prop::sample::Index, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<prop::sample::Index>(), 0..TOKENS.len()).prop_map(|(at, t)| Mutation::Insert(at, t)),
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(at, n)| Mutation::Delete(at, n)),
        (
            any::<prop::sample::Index>(),
            any::<prop::sample::Index>(),
            any::<u8>()
        )
            .prop_map(|(from, to, n)| Mutation::Duplicate(from, to, n)),
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(at, b)| Mutation::Set(at, b)),
    ]
}

fn mutate(bytes: &mut Vec<u8>, mutations: &[Mutation]) {
    for m in mutations {
        let len = bytes.len();
        match m {
            Mutation::Insert(at, token) => {
                let at = at.index(len + 1);
                bytes.splice(at..at, TOKENS[*token].iter().copied());
            }
            Mutation::Delete(at, n) if len > 0 => {
                let at = at.index(len);
                let end = (at + usize::from(*n)).min(len);
                bytes.drain(at..end);
            }
            Mutation::Duplicate(from, to, n) if len > 0 => {
                let from = from.index(len);
                let piece = bytes[from..(from + usize::from(*n) * 4).min(len)].to_vec();
                let to = to.index(len + 1);
                bytes.splice(to..to, piece);
            }
            Mutation::Set(at, value) if len > 0 => {
                let at = at.index(len);
                bytes[at] = *value;
            }
            _ => {}
        }
    }
}

/// A zip container's parts, in order.
fn unzipped(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip container");
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).expect("an entry");
            let mut content = Vec::new();
            entry.read_to_end(&mut content).expect("inflates");
            (entry.name().expect("a name").to_string(), content)
        })
        .collect()
}

/// The Word and OpenDocument documents of the corpus, and one of each
/// written by the gateway (with styles, tables and check boxes).
fn packages() -> Vec<(DocumentKind, Vec<u8>)> {
    use dtr_gateway::documents::write::{docx, odt, word_paragraph, word_table};
    let rows = vec![
        vec!["Full name".to_string(), "Sam Example".to_string()],
        vec!["Consent to referral".to_string(), "☒ Yes ☐ No".to_string()],
    ];
    let written_docx =
        docx(&(word_paragraph("DUTY TO REFER REFERRAL") + &word_table(&rows))).expect("docx");
    let written_odt = odt(
        "<text:p>DUTY TO REFER REFERRAL</text:p><table:table><table:table-row>\
         <table:table-cell><text:p>Full name</text:p></table:table-cell>\
         <table:table-cell><text:p>Sam Example</text:p></table:table-cell>\
         </table:table-row></table:table>",
    )
    .expect("odt");
    documents()
        .into_iter()
        .filter(|(kind, _)| matches!(kind, DocumentKind::Docx | DocumentKind::Odt))
        .chain([
            (DocumentKind::Docx, written_docx),
            (DocumentKind::Odt, written_odt),
        ])
        .collect()
}

/// The PDFs of the corpus, their page contents stored uncompressed.
fn pdfs() -> Vec<lopdf::Document> {
    documents()
        .into_iter()
        .filter(|(kind, _)| *kind == DocumentKind::Pdf)
        .map(|(_, bytes)| {
            let mut document = lopdf::Document::load_mem(&bytes).expect("a PDF of the corpus");
            document.decompress();
            document
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// The XML inside a Word or OpenDocument package changed (markup
    /// spliced in, pieces cut and repeated), the package zipped again:
    /// the readers see what a fuzzer flipping compressed bytes rarely
    /// reaches.
    #[test]
    fn documents_with_their_xml_changed_never_panic(
        which in any::<prop::sample::Index>(),
        part in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..16),
    ) {
        let packages = packages();
        let (kind, bytes) = &packages[which.index(packages.len())];
        let mut parts = unzipped(bytes);
        // The part read most often: the document's own text, else any.
        let xml: Vec<usize> = parts
            .iter()
            .enumerate()
            .filter(|(_, (name, _))| name.ends_with(".xml") || name.ends_with(".rels"))
            .map(|(i, _)| i)
            .collect();
        let main = parts
            .iter()
            .position(|(name, _)| name == "word/document.xml" || name == "content.xml")
            .expect("a main part");
        let chosen = if part.index(3) == 0 { xml[part.index(xml.len())] } else { main };
        mutate(&mut parts[chosen].1, &mutations);
        let named: Vec<(&str, &[u8])> =
            parts.iter().map(|(n, c)| (n.as_str(), c.as_slice())).collect();
        let changed = dtr_gateway::documents::write::zip_parts(&named).expect("zips");
        read_soundly(*kind, &changed);
    }

    /// A PDF's page content changed (operators, strings, arrays and inline
    /// images spliced in, pieces cut and repeated), stored uncompressed.
    #[test]
    fn pdfs_with_their_page_content_changed_never_panic(
        which in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..16),
    ) {
        let mut documents = pdfs();
        let index = which.index(documents.len());
        let document = &mut documents[index];
        let pages: Vec<lopdf::ObjectId> = document.get_pages().into_values().collect();
        for page in pages {
            let mut content = document.get_page_content(page);
            mutate(&mut content, &mutations);
            document.change_page_content(page, content).expect("changes");
        }
        let mut changed = Vec::new();
        document.save_to(&mut changed).expect("saves");
        read_soundly(DocumentKind::Pdf, &changed);
    }

    /// Whole documents with bytes spliced in, cut and repeated (the
    /// corruption the first test makes, flips and truncation, moves
    /// nothing).
    #[test]
    fn documents_with_bytes_moved_never_panic(
        which in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..24),
    ) {
        let documents = documents();
        let (kind, bytes) = &documents[which.index(documents.len())];
        let mut bytes = bytes.clone();
        mutate(&mut bytes, &mutations);
        read_soundly(*kind, &bytes);
    }
}

/// A page of tens of thousands of tiny lines, each of two pieces: every
/// pass of laying the page out is long, and each looks at the clock.
#[test]
fn a_page_of_countless_lines_is_laid_out_within_the_time_budget() {
    use lopdf::dictionary;
    let mut ops = String::from("BT /F1 1 Tf\n");
    for i in 0..60_000 {
        ops += &format!(
            "1 0 0 1 0 {} Tm (a) Tj 1 0 0 1 {} {} Tm (b) Tj\n",
            i * 2,
            10 + i * 3,
            i * 2
        );
    }
    ops += "ET\n";
    let mut document = lopdf::Document::with_version("1.7");
    let pages = document.new_object_id();
    let font = document.add_object(lopdf::dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let mut stream = lopdf::Stream::new(lopdf::Dictionary::new(), ops.into_bytes());
    stream.compress().expect("compress");
    let content = document.add_object(stream);
    let page = document.add_object(lopdf::dictionary! {
        "Type" => "Page", "Parent" => pages, "Contents" => content,
        "MediaBox" => vec![0.into(), 0.into(), 100_000_000.into(), 100_000_000.into()],
        "Resources" => lopdf::dictionary! { "Font" => lopdf::dictionary! { "F1" => font } },
    });
    document.objects.insert(
        pages,
        lopdf::Object::Dictionary(lopdf::dictionary! {
            "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1,
        }),
    );
    let catalog = document.add_object(lopdf::dictionary! { "Type" => "Catalog", "Pages" => pages });
    document.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    document.save_to(&mut bytes).expect("save");
    let started = Instant::now();
    let read = read_document(DocumentKind::Pdf, &bytes, &LIMITS);
    let took = started.elapsed();
    assert_eq!(
        read,
        Err(dtr_gateway::documents::DocumentError::TimedOut(
            LIMITS.max_time
        )),
        "{took:?}"
    );
    // Stopped soon after the budget, though an unoptimised build on a
    // busy machine is slower.
    assert!(took < LIMITS.max_time * 2, "{took:?}");
}
