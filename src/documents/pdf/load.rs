//! Loading a PDF within bounds: the raw bytes counted before the loader
//! sees them, and its object streams unpacked within one budget across
//! them all.

use super::*;

/// Objects of one PDF: a referral form has a few hundred to a few
/// thousand, a scanned one a few dozen. Objects packed in object streams
/// count against the same limit.
const MAX_OBJECTS: usize = 50_000;
/// Values (numbers, names, strings, references, arrays, dictionaries)
/// all of a PDF's object streams may hold together: each becomes an
/// object in memory many times the bytes it is written in.
const MAX_PACKED_VALUES: usize = 500_000;
/// All of a PDF's object streams together may unpack to this many times
/// what its page contents may.
const PACKED_PER_CONTENT: usize = 2;
/// Cross-reference streams of one PDF: one per time it was saved.
const MAX_XREF_STREAMS: usize = 64;
/// Object streams of one PDF, as written: a writer packs a hundred or so
/// objects in each.
const MAX_OBJECT_STREAMS: usize = 500;

thread_local! {
    /// What the object streams of the PDF being loaded on this thread
    /// have unpacked to so far (the loader takes a plain function).
    static PACKED: std::cell::RefCell<Option<Packed>> = const { std::cell::RefCell::new(None) };
}

/// The running count of what a PDF's object streams unpack to, against
/// the budget of all of them together.
struct Packed {
    bytes: usize,
    values: usize,
    objects: usize,
    max_bytes: usize,
    per_stream: usize,
    deadline: std::time::Instant,
    max_time: std::time::Duration,
    /// Why loading went past the budget, once it has.
    over: Option<DocumentError>,
}

/// Loads the document, its object streams unpacked within one budget
/// across them all: the loader itself bounds each stream alone, so that a
/// small file of many object streams, each just under that bound, would
/// otherwise unpack to gigabytes before anything else is checked.
pub(super) fn load(
    bytes: &[u8],
    budget: &Budget,
    streams: Streams,
) -> Result<Document, DocumentError> {
    let per_stream = budget.limits.max_pdf_page_content_bytes;
    let max_bytes = budget
        .limits
        .max_pdf_content_bytes
        .saturating_mul(PACKED_PER_CONTENT);
    // An encrypted document's object streams are unpacked after they are
    // decrypted, where they cannot be counted one by one: each may unpack
    // to its share of the budget only.
    let per_stream = if streams.encrypted {
        per_stream.min(max_bytes / streams.count.max(1))
    } else {
        per_stream
    };
    let attempt = |force_reconstruct: bool| {
        PACKED.with(|p| {
            *p.borrow_mut() = Some(Packed {
                bytes: 0,
                values: 0,
                objects: 0,
                max_bytes,
                per_stream,
                deadline: budget.deadline(),
                max_time: budget.limits.max_time,
                over: None,
            })
        });
        let options = LoadOptions {
            max_decompressed_size: Some(per_stream),
            filter: Some(count_packed),
            force_reconstruct,
            ..LoadOptions::default()
        };
        let loaded = Document::load_mem_with_options(bytes, options);
        let packed = PACKED.with(|p| p.borrow_mut().take());
        if let Some(why) = packed.and_then(|p| p.over) {
            return Err(why);
        }
        loaded.map_err(|e| match e {
            lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword => DocumentError::Encrypted,
            lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. }) => {
                DocumentError::PdfUnpacked(format!(
                    "an object stream unpacks to more than {per_stream} bytes"
                ))
            }
            other => DocumentError::Malformed(format!("the PDF cannot be read ({other})")),
        })
    };
    let document = attempt(false)?;
    // The loader rebuilds a damaged cross-reference table by itself only
    // when nothing watches what it loads: asked again here, within the
    // same budget, when no page was found.
    if document.get_pages().is_empty() {
        budget.check_time()?;
        if let Ok(rebuilt) = attempt(true) {
            if !rebuilt.get_pages().is_empty() {
                return Ok(rebuilt);
            }
        }
    }
    Ok(document)
}

/// Watches each object as the loader reads it: an object stream is
/// unpacked here first, within the budget left, and kept from the loader
/// (which would unpack it again and keep its objects) once over it.
fn count_packed(id: ObjectId, object: &mut Object) -> Option<(ObjectId, Object)> {
    PACKED.with(|p| {
        let mut p = p.borrow_mut();
        let Some(packed) = p.as_mut() else {
            return Some((id, object.clone()));
        };
        if packed.over.is_some() {
            return None;
        }
        let Object::Stream(stream) = object else {
            // Returned to the loader as it is (an object of an object
            // stream is taken from what is returned).
            return Some((id, object.clone()));
        };
        if !stream.dict.has_type(b"ObjStm") {
            // For a stream, the loader keeps the object it was given.
            return Some((id, Object::Null));
        }
        if std::time::Instant::now() > packed.deadline {
            packed.over = Some(DocumentError::TimedOut(packed.max_time));
            return None;
        }
        let declared = stream
            .dict
            .get(b"N")
            .and_then(Object::as_i64)
            .ok()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0);
        packed.objects = packed.objects.saturating_add(declared);
        if packed.objects > MAX_OBJECTS {
            packed.over = Some(DocumentError::PdfUnpacked(format!(
                "its object streams hold more than {MAX_OBJECTS} objects"
            )));
            return None;
        }
        let left = packed.max_bytes.saturating_sub(packed.bytes);
        match stream.decompressed_content_with_limit(packed.per_stream.min(left)) {
            Ok(data) => {
                packed.bytes += data.len();
                packed.values = packed.values.saturating_add(values_in(&data));
                if packed.values > MAX_PACKED_VALUES {
                    packed.over = Some(DocumentError::PdfUnpacked(format!(
                        "its object streams hold more than {MAX_PACKED_VALUES} values"
                    )));
                    return None;
                }
                Some((id, Object::Null))
            }
            Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded {
                ..
            })) if left < packed.per_stream => {
                packed.over = Some(DocumentError::PdfUnpacked(format!(
                    "its object streams unpack to more than {} bytes",
                    packed.max_bytes
                )));
                None
            }
            // The loader finds what else is wrong with it, as it would.
            Err(_) => Some((id, Object::Null)),
        }
    })
}

/// How many values PDF syntax holds, near enough: each run of regular
/// characters (a number, a keyword, a reference's parts) and each
/// opening delimiter (a name, string, array or dictionary).
fn values_in(data: &[u8]) -> usize {
    let mut count = 0usize;
    let mut in_word = false;
    for &b in data {
        match b {
            b'/' | b'(' | b'[' | b'<' => {
                count += 1;
                in_word = false;
            }
            b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b')' | b']' | b'>' | b'{' | b'}'
            | b'%' => in_word = false,
            _ => {
                if !in_word {
                    count += 1;
                }
                in_word = true;
            }
        }
    }
    count
}

/// What the look before loading found of a PDF's streams.
pub(super) struct Streams {
    /// Streams of the file, of every kind.
    count: usize,
    /// Whether it says it is encrypted.
    encrypted: bool,
}
/// Page objects written out, against the page limit: a document saved
/// with incremental updates writes its pages again each time.
const PAGE_OBJECTS_PER_PAGE: usize = 4;

/// A look at the bytes before they are loaded (which cannot be stopped
/// once started): a document with far more objects or pages than any
/// form is refused at once.
pub(super) fn pre_scan(bytes: &[u8], budget: &Budget) -> Result<Streams, DocumentError> {
    let mut objects = 0usize;
    let mut pages = 0usize;
    let mut xrefs = 0usize;
    let mut object_streams = 0usize;
    let mut streams = Streams {
        count: 0,
        encrypted: false,
    };
    let mut at = 0usize;
    while let Some(found) = memchr_any(&bytes[at..]) {
        let here = at + found;
        let rest = &bytes[here..];
        if rest.starts_with(b"endobj") {
            objects += 1;
            if objects > MAX_OBJECTS {
                return Err(DocumentError::TooManyObjects { limit: MAX_OBJECTS });
            }
        } else if rest.starts_with(b"endstream") {
            streams.count += 1;
        } else if rest.starts_with(b"/Encrypt") {
            streams.encrypted = true;
        } else if rest.starts_with(b"/ObjStm")
            && !rest.get(7).is_some_and(|b| b.is_ascii_alphanumeric())
        {
            object_streams += 1;
            if object_streams > MAX_OBJECT_STREAMS {
                return Err(DocumentError::PdfUnpacked(format!(
                    "more than {MAX_OBJECT_STREAMS} object streams"
                )));
            }
        } else if rest.starts_with(b"/XRef")
            && !rest.get(5).is_some_and(|b| b.is_ascii_alphanumeric())
        {
            // Each unpacked as the document loads.
            xrefs += 1;
            if xrefs > MAX_XREF_STREAMS {
                return Err(DocumentError::PdfUnpacked(format!(
                    "more than {MAX_XREF_STREAMS} cross-reference streams"
                )));
            }
        } else if let Some(after) = rest.strip_prefix(b"/Type") {
            let after = &after[after.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
            if after.starts_with(b"/Page")
                && !after.get(5).is_some_and(|b| b.is_ascii_alphanumeric())
            {
                pages += 1;
            }
        }
        at = here + 1;
    }
    let limit = budget.limits.max_pdf_pages;
    if pages > limit.saturating_mul(PAGE_OBJECTS_PER_PAGE) {
        return Err(DocumentError::TooManyPages { pages, limit });
    }
    let most = budget
        .limits
        .max_time
        .as_millis()
        .saturating_mul(VALUES_PER_MILLISECOND);
    let most = usize::try_from(most).unwrap_or(usize::MAX);
    if values_outside_streams(bytes, most) > most {
        return Err(DocumentError::PdfTooManyValues { limit: most });
    }
    Ok(streams)
}

/// Values written outside streams the loader reads in a millisecond of
/// the time budget, with room to spare: it takes seconds over one array
/// of millions of numbers, and cannot be stopped once it has started. A
/// form writes a few thousand.
const VALUES_PER_MILLISECOND: u128 = 100;

/// How many values (numbers, names, strings, arrays, dictionaries,
/// references' parts) a PDF writes outside its streams and its
/// cross-reference tables, counted up to a little past `most`.
fn values_outside_streams(bytes: &[u8], most: usize) -> usize {
    let mut count = 0usize;
    let mut at = 0usize;
    while at < bytes.len() {
        let b = bytes[at];
        match b {
            b'%' => {
                // A comment, to the end of its line.
                at += bytes[at..]
                    .iter()
                    .position(|&c| c == b'\n' || c == b'\r')
                    .unwrap_or(bytes.len() - at);
                continue;
            }
            b'/' => {
                // A name, its characters with it.
                count += 1;
                at += 1 + bytes[at + 1..]
                    .iter()
                    .take_while(|&&c| is_regular(c))
                    .count();
                continue;
            }
            b'(' => {
                count += 1;
                at = string_end(bytes, at);
                continue;
            }
            b'<' if bytes.get(at + 1) != Some(&b'<') => {
                // A hex string.
                count += 1;
                at += bytes[at..]
                    .iter()
                    .position(|&c| c == b'>')
                    .map_or(bytes.len() - at, |end| end + 1);
                continue;
            }
            b'<' => {
                count += 1;
                at += 2;
                continue;
            }
            b'[' => count += 1,
            _ if is_regular(b) => {
                let word = bytes[at..].iter().take_while(|&&c| is_regular(c)).count();
                let token = &bytes[at..at + word];
                at += word;
                // A stream's data, and a cross-reference table's
                // entries, are no values the loader parses as objects.
                let skip_to: Option<&[u8]> = match token {
                    b"stream" => Some(b"endstream"),
                    b"xref" => Some(b"trailer"),
                    _ => {
                        count += 1;
                        None
                    }
                };
                if let Some(end) = skip_to {
                    at = match find(&bytes[at..], end) {
                        Some(found) => at + found + end.len(),
                        None => bytes.len(),
                    };
                }
                if count > most {
                    return count;
                }
                continue;
            }
            _ => {}
        }
        at += 1;
        if count > most {
            return count;
        }
    }
    count
}

/// Where a literal string starting at `start` (its `(`) ends: past its
/// closing parenthesis, nested ones and escapes counted.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut at = start;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 1,
            b'(' => depth += 1,
            b')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return at + 1;
                }
            }
            _ => {}
        }
        at += 1;
    }
    bytes.len()
}

/// A byte neither white space nor a delimiter: part of a number, a
/// keyword or a name.
fn is_regular(b: u8) -> bool {
    !matches!(
        b,
        b'\0'
            | b'\t'
            | b'\n'
            | b'\x0c'
            | b'\r'
            | b' '
            | b'('
            | b')'
            | b'<'
            | b'>'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'/'
            | b'%'
    )
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut from = 0usize;
    while let Some(i) = haystack[from..].iter().position(|&b| b == first) {
        let here = from + i;
        if haystack[here..].starts_with(needle) {
            return Some(here);
        }
        from = here + 1;
    }
    None
}

/// Where the next `e` of `endobj` or `/` of `/Type` may start.
fn memchr_any(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'e' || b == b'/')
}
