//! Attached documents as the lines a person would read, for the form reader
//! (`core::form`): Word (`.docx`), OpenDocument (`.odt`), PDF (its text
//! layer and its AcroForm fields), plain text and attached `.eml` files.
//! Each reader gives the shape the body's HTML rendering gives: a paragraph
//! is a line, a table row is `label<TAB>value` (further value cells apart
//! by `VALUE_CELL_SEPARATOR`), a tick box is `☒` or `☐`. The form's rules
//! (labels, aliases, dates, the judgement) are the core's alone.
//!
//! Documents come from strangers: every reader works within [`Limits`]
//! (bytes, zip entries, uncompressed size, pages, time) and refuses a DTD,
//! and whatever it cannot read comes back as a [`DocumentError`] naming
//! why, never a panic.

mod bound;
mod docx;
mod look;
mod odt;
mod pdf;
mod text;
mod theme;
mod word_numbering;
mod word_package;
mod word_styles;
pub mod write;
mod xml;
mod zipped;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// The bounds every document is read within.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The attachment itself, as attached.
    pub max_document_bytes: usize,
    /// Entries in a zip container (`.docx`, `.odt`). Word writes about 20.
    pub max_zip_entries: usize,
    /// What the one part read from a zip container may inflate to.
    pub max_unzipped_bytes: u64,
    /// Pages of a PDF: a referral form has a handful.
    pub max_pdf_pages: usize,
    /// What one PDF page's content may decompress to.
    pub max_pdf_page_content_bytes: usize,
    /// What all of a PDF's page contents may decompress to together, each
    /// stream counted once however many pages draw it.
    pub max_pdf_content_bytes: usize,
    /// Text taken from one document.
    pub max_text_chars: usize,
    /// Time for one document.
    pub max_time: Duration,
}

/// The limits the gateway reads attachments within.
pub const LIMITS: Limits = Limits {
    max_document_bytes: 10 * 1024 * 1024,
    max_zip_entries: 1000,
    max_unzipped_bytes: 20 * 1024 * 1024,
    max_pdf_pages: 50,
    max_pdf_page_content_bytes: 4 * 1024 * 1024,
    max_pdf_content_bytes: 8 * 1024 * 1024,
    max_text_chars: 1_000_000,
    max_time: Duration::from_secs(2),
};

/// What kind of document an attachment is, by its name and type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    Docx,
    Odt,
    Pdf,
    PlainText,
    Email,
    /// Formats a form arrives in that the gateway cannot read.
    LegacyWord,
    Rtf,
    OutlookMessage,
    /// Not a document a form arrives in (an image, a signature logo).
    NotADocument,
}

impl DocumentKind {
    /// By the file name's extension first, then the declared type: mail
    /// programs often send everything as `application/octet-stream`.
    pub fn of(name: Option<&str>, content_type: &str) -> DocumentKind {
        let extension = name
            .and_then(|n| n.rsplit_once('.'))
            .map(|(_, ext)| ext.trim().to_ascii_lowercase());
        let by_extension = match extension.as_deref() {
            Some("docx" | "docm" | "dotx") => Some(DocumentKind::Docx),
            Some("odt" | "ott") => Some(DocumentKind::Odt),
            Some("pdf") => Some(DocumentKind::Pdf),
            Some("txt" | "text") => Some(DocumentKind::PlainText),
            Some("eml") => Some(DocumentKind::Email),
            Some("doc" | "dot" | "wpd") => Some(DocumentKind::LegacyWord),
            Some("rtf") => Some(DocumentKind::Rtf),
            Some("msg") => Some(DocumentKind::OutlookMessage),
            _ => None,
        };
        if let Some(kind) = by_extension {
            return kind;
        }
        match content_type.to_ascii_lowercase().as_str() {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
                DocumentKind::Docx
            }
            "application/vnd.oasis.opendocument.text" => DocumentKind::Odt,
            "application/pdf" | "application/x-pdf" => DocumentKind::Pdf,
            "text/plain" => DocumentKind::PlainText,
            "application/msword" => DocumentKind::LegacyWord,
            "application/rtf" | "text/rtf" => DocumentKind::Rtf,
            "application/vnd.ms-outlook" => DocumentKind::OutlookMessage,
            _ => DocumentKind::NotADocument,
        }
    }

    /// A form could be in it, read or not.
    pub fn may_hold_a_form(self) -> bool {
        self != DocumentKind::NotADocument
    }
}

/// Why an attached document was not read. The messages name no file: they
/// are kept on the message and shown by `ingest`.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum DocumentError {
    #[error("{0}, which the gateway cannot read")]
    Unsupported(&'static str),
    #[error("a document of {bytes} bytes, over the limit of {limit}")]
    TooLarge { bytes: usize, limit: usize },
    #[error("a zip container of {entries} entries, over the limit of {limit}")]
    TooManyEntries { entries: usize, limit: usize },
    #[error("a document that unzips to more than {limit} bytes")]
    Unzipped { limit: u64 },
    #[error("a document that declares a DTD (entity expansion is refused)")]
    Dtd,
    #[error("a damaged document: {0}")]
    Malformed(String),
    #[error("a password-protected or encrypted document")]
    Encrypted,
    #[error("a PDF with no text to read (a scan?)")]
    NoText,
    #[error("a PDF of {pages} pages, over the limit of {limit}")]
    TooManyPages { pages: usize, limit: usize },
    #[error("a PDF of more than {limit} objects")]
    TooManyObjects { limit: usize },
    #[error("a PDF whose page content decompresses to more than {limit} bytes")]
    PdfContent { limit: usize },
    /// What its packed parts (object streams) unpack to at load.
    #[error("a PDF too large when unpacked: {0}")]
    PdfUnpacked(String),
    /// More values (numbers, names, strings, references) written outside
    /// its streams than can be loaded within the time budget: one array
    /// of millions of numbers takes seconds to load.
    #[error(
        "a PDF of more than {limit} values outside its streams, more than can be read in time"
    )]
    PdfTooManyValues { limit: usize },
    /// Text and areas filled over it, more than can be checked for what
    /// a reader sees (`limit` checks of a piece against an area).
    #[error("a PDF page with too many filled areas over its text to tell what shows (more than {limit} checks)")]
    PdfOverdrawn { limit: usize },
    /// A font whose ToUnicode map says its letters are others than the
    /// glyphs it names (and a viewer draws): `No` on the page read as
    /// `Yes`. What the text says cannot be trusted.
    #[error("a PDF whose font's text map says other letters than the ones it draws")]
    PdfMisleadingFont,
    #[error("a document that took more than {0:?} to read")]
    TimedOut(Duration),
    #[error("a document with more than {0} characters of text")]
    TooMuchText(usize),
}

/// A document's text as the form reader takes it, and what of it was
/// judged out of sight of a reader and left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocumentText {
    pub text: String,
    pub unseen: Unseen,
}

/// The text of a document judged out of sight of a reader (hidden, in the
/// colour of what it is drawn on, a speck...). Should that judgement be
/// wrong, a form filled in would read as blank: what was left out is kept
/// for the gateway to tell. Readers that do not judge (plain text, PDF)
/// leave it empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Unseen {
    /// Characters left out, white space not counted.
    pub chars: usize,
    /// The text left out, a line for each paragraph or cell, as far as
    /// it is kept (the first 64 KiB).
    pub text: String,
}

/// Reads a document's text as lines for the form reader. Never panics.
pub fn read_document(
    kind: DocumentKind,
    bytes: &[u8],
    limits: &Limits,
) -> Result<String, DocumentError> {
    read_document_in(kind, bytes, None, limits)
}

/// As [`read_document`], for a plain-text document whose mail part
/// declares a charset (`text/plain; charset=...`): its bytes as attached,
/// decoded here by their byte-order mark or that charset.
pub fn read_document_in(
    kind: DocumentKind,
    bytes: &[u8],
    charset: Option<&str>,
    limits: &Limits,
) -> Result<String, DocumentError> {
    read_document_text(kind, bytes, charset, limits).map(|read| read.text)
}

/// As [`read_document_in`], with the text judged out of sight kept apart.
pub fn read_document_text(
    kind: DocumentKind,
    bytes: &[u8],
    charset: Option<&str>,
    limits: &Limits,
) -> Result<DocumentText, DocumentError> {
    if bytes.len() > limits.max_document_bytes {
        return Err(DocumentError::TooLarge {
            bytes: bytes.len(),
            limit: limits.max_document_bytes,
        });
    }
    let budget = Budget::new(limits);
    let read = catch_unwind(AssertUnwindSafe(|| match kind {
        DocumentKind::Docx => docx::read(bytes, &budget),
        DocumentKind::Odt => odt::read(bytes, &budget),
        DocumentKind::Pdf => pdf::read(bytes, &budget).map(DocumentText::seen),
        DocumentKind::PlainText | DocumentKind::Email => {
            text::read(bytes, charset, &budget).map(DocumentText::seen)
        }
        DocumentKind::LegacyWord => {
            Err(DocumentError::Unsupported("a Word 97-2003 (.doc) document"))
        }
        DocumentKind::Rtf => Err(DocumentError::Unsupported(
            "a Rich Text Format (.rtf) document",
        )),
        DocumentKind::OutlookMessage => {
            Err(DocumentError::Unsupported("an Outlook message (.msg)"))
        }
        DocumentKind::NotADocument => Err(DocumentError::Unsupported("a file that is no document")),
    }));
    match read {
        Ok(result) => result,
        Err(_) => Err(DocumentError::Malformed("it could not be read".into())),
    }
}

impl DocumentText {
    /// Text a reader does not judge: all of it read.
    fn seen(text: String) -> DocumentText {
        DocumentText {
            text,
            unseen: Unseen::default(),
        }
    }
}

/// The time and text one document may take.
pub(crate) struct Budget {
    pub limits: Limits,
    deadline: Instant,
}

impl Budget {
    fn new(limits: &Limits) -> Self {
        Budget {
            limits: *limits,
            deadline: Instant::now() + limits.max_time,
        }
    }

    /// Past the document's time: stop reading it.
    pub fn check_time(&self) -> Result<(), DocumentError> {
        if Instant::now() > self.deadline {
            Err(DocumentError::TimedOut(self.limits.max_time))
        } else {
            Ok(())
        }
    }

    /// When the document's time runs out.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    pub fn check_text(&self, text: &str) -> Result<(), DocumentError> {
        if text.len() > self.limits.max_text_chars {
            Err(DocumentError::TooMuchText(self.limits.max_text_chars))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod layout_tests;
#[cfg(test)]
mod revision_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod unseen_tests;
