//! How big a message's MIME structure is, checked in two steps.
//!
//! The parser builds every part in memory, reads attached messages one
//! inside another however deep (and, when they are base64 or
//! quoted-printable, decodes and reads them three levels deep), and frees
//! them recursively: a message of a few megabytes made of nested or tiny
//! parts would take gigabytes or overflow the stack, which no panic guard
//! catches. So, before anything is parsed, the bytes (and the decoded
//! bodies of encoded attached messages) are counted for what the parser
//! could make of them, from above; beyond generous bounds the message is
//! not parsed. Within them it is, and the exact count of parts and depth of
//! the parsed tree is checked against [`MAX_MIME_PARTS`] and
//! [`MAX_MIME_DEPTH`].

use super::{MAX_ATTACHED_MESSAGES, MAX_MIME_DEPTH, MAX_MIME_PARTS};
use mail_parser::{Encoding, Message, MessageParser, MimeHeaders, PartType};
use mail_parser::{HeaderName, MessagePart};
use std::borrow::Cow;

/// Beyond this many parts (an upper bound) the message is not parsed:
/// a parsed part costs a few hundred bytes, so this is a few megabytes.
const PARSE_AT_MOST_PARTS: usize = 20 * MAX_MIME_PARTS;
/// A multipart whose boundary never comes makes the parser read the
/// rest of the message again: beyond this many bytes of such reading
/// (bounded from above) the message is not parsed. About a second.
const PARSE_AT_MOST_SCANNED: u64 = 2 << 30;
/// Reading the attached messages' structure before parsing may go over
/// the message this many times.
const CENSUS_READS: u64 = 16;

/// Checks the raw bytes before the parser sees them.
pub fn check_before_parsing(raw: &[u8]) -> Result<(), String> {
    let mut census = Census {
        budget: CENSUS_READS * raw.len() as u64 + (16 << 20),
        scan_budget: PARSE_AT_MOST_SCANNED,
        ..Census::default()
    };
    let counts = Counts::of(raw);
    census.add(&counts)?;
    if !counts.may_hold_encoded_messages() {
        return Ok(());
    }
    attached(raw, None, ENCODED_LEVELS, &mut census)
}

/// Counts the parts of the parsed message and how deep they nest.
pub fn check_parsed(message: &Message<'_>) -> Result<(), String> {
    let (parts, depth) = measure(message);
    let mut problems = Vec::new();
    if parts > MAX_MIME_PARTS {
        problems.push(format!(
            "message has {parts} MIME parts, over the limit of {MAX_MIME_PARTS}"
        ));
    }
    if depth > MAX_MIME_DEPTH {
        problems.push(format!(
            "message has MIME parts nested {depth} levels deep, over the limit of {MAX_MIME_DEPTH}"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// All the parts of a parsed message, those of attached messages
/// included, and the depth of the deepest (the whole message is 0).
/// Iterative: the tree may be deep.
fn measure(message: &Message<'_>) -> (usize, usize) {
    let mut parts = 0;
    let mut deepest = 0;
    let mut messages: Vec<(&Message<'_>, usize)> = vec![(message, 0)];
    while let Some((message, depth)) = messages.pop() {
        parts += message.parts.len();
        let mut pending: Vec<(u32, usize)> = vec![(0, depth)];
        // Each part once: the parser numbers children after their parent.
        let mut visits = 0;
        while let Some((id, depth)) = pending.pop() {
            visits += 1;
            if visits > message.parts.len() {
                break;
            }
            deepest = deepest.max(depth);
            match message.parts.get(id as usize).map(|p| &p.body) {
                Some(PartType::Multipart(children)) => pending.extend(
                    children
                        .iter()
                        .filter(|&&child| child > id)
                        .map(|&child| (child, depth + 1)),
                ),
                Some(PartType::Message(nested)) => messages.push((nested, depth + 1)),
                _ => {}
            }
        }
    }
    (parts, deepest)
}

/// The parser reads base64 or quoted-printable attached messages this
/// many levels deep (mail-parser's own limit).
const ENCODED_LEVELS: usize = 3;

/// Upper bounds of what the parser could build, added up over the
/// message and the decoded bodies of its encoded attached messages.
#[derive(Default)]
struct Census {
    parts: usize,
    messages: usize,
    boundaries: usize,
    scanned: u64,
    /// The bytes counted: the message's and its decoded attachments'.
    bytes: usize,
    /// Bytes this census may still read.
    budget: u64,
    /// Bytes its own parses may still search for boundaries.
    scan_budget: u64,
}

impl Census {
    fn add(&mut self, counts: &Counts) -> Result<(), String> {
        self.parts = self.parts.saturating_add(counts.parts());
        self.messages = self.messages.saturating_add(counts.messages());
        self.boundaries = self.boundaries.saturating_add(counts.boundaries);
        self.scanned = self.scanned.saturating_add(counts.scanned);
        self.bytes = self.bytes.saturating_add(counts.len);
        if self.messages > MAX_ATTACHED_MESSAGES {
            return Err(format!(
                "message has up to {} attached messages, over the limit of {MAX_ATTACHED_MESSAGES}",
                self.messages
            ));
        }
        if self.parts > PARSE_AT_MOST_PARTS {
            return Err(format!(
                "message has up to {} MIME parts, over the limit of {MAX_MIME_PARTS}",
                self.parts
            ));
        }
        if self.scanned > PARSE_AT_MOST_SCANNED {
            return Err(format!(
                "message has {} MIME boundaries in {} bytes, too many to read",
                self.boundaries, self.bytes
            ));
        }
        Ok(())
    }

    fn spend(&mut self, bytes: usize) -> Result<(), String> {
        self.budget = self
            .budget
            .checked_sub(bytes as u64)
            .ok_or("message has attached messages nested in too many ways to read")?;
        Ok(())
    }
}

/// The bytes that can begin something `Counts::of` looks for.
static STARTS: [bool; 256] = {
    let mut table = [false; 256];
    let starts = b"-\n=86qQbBgG";
    let mut k = 0;
    while k < starts.len() {
        table[starts[k] as usize] = true;
        k += 1;
    }
    table
};

/// What one pass over some bytes finds.
#[derive(Default)]
struct Counts {
    len: usize,
    /// `--` pairs that do not overlap. The parser starts a part only
    /// after a boundary delimiter (`--` and the boundary, anywhere in a
    /// line) and each delimiter it reads begins past the last, so this
    /// bounds the parts after the first, attached messages' aside.
    dashes: usize,
    /// `rfc822` and `global` written as a media subtype: after `/` (or
    /// a comment or quote), ending the token. Every attached message
    /// the parser reads is declared so, or is the part of a digest.
    message_types: usize,
    /// `digest` as a subtype: its parts are messages by default.
    digest: bool,
    /// `boundary` anywhere, and how much re-reading each could cause.
    boundaries: usize,
    scanned: u64,
    /// Something the parser would decode a body for: `base64`,
    /// `quoted-printable`, or an encoded word that could spell them.
    encoded: bool,
    /// A message subtype and such an encoding in one paragraph.
    encoded_message: bool,
}

impl Counts {
    fn of(bytes: &[u8]) -> Counts {
        let mut counts = Counts {
            len: bytes.len(),
            ..Counts::default()
        };
        // Within the current paragraph (between empty lines, which no
        // header block holds): a message subtype, an encoding.
        let (mut message_here, mut encoding_here) = (false, false);
        let mut i = 0;
        // Most bytes start nothing of interest: skip them.
        while let Some(skip) = bytes
            .get(i..)
            .and_then(|rest| rest.iter().position(|&b| STARTS[usize::from(b)]))
        {
            i += skip;
            let b = bytes[i];
            let next = bytes.get(i + 1).copied().unwrap_or(0);
            match b {
                b'-' if next == b'-' => {
                    counts.dashes += 1;
                    i += 2;
                    continue;
                }
                b'\n' if next == b'\n' || (next == b'\r' && bytes.get(i + 2) == Some(&b'\n')) => {
                    (message_here, encoding_here) = (false, false);
                }
                b'=' if next == b'?' => encoding_here = true,
                // Each word is found by a byte of its own that text has
                // little of: `rfc822` by its 8, `base64` by its 6...
                b'8' if i >= 3 && subtype_at(bytes, i - 3, b"rfc822") => {
                    counts.message_types += 1;
                    message_here = true;
                }
                b'6' if i >= 4 && word_at(bytes, i - 4, b"base64") => encoding_here = true,
                b'q' | b'Q' if word_at(bytes, i, b"quoted-printable") => encoding_here = true,
                b'b' | b'B' if word_at(bytes, i, b"boundary") => {
                    counts.boundaries += 1;
                    counts.scanned += (bytes.len() - i) as u64;
                }
                b'b' | b'B' if i >= 3 && subtype_at(bytes, i - 3, b"global") => {
                    counts.message_types += 1;
                    message_here = true;
                }
                b'g' | b'G' if i >= 2 && subtype_at(bytes, i - 2, b"digest") => {
                    counts.digest = true
                }
                _ => {}
            }
            counts.encoded |= encoding_here;
            counts.encoded_message |= message_here && encoding_here;
            i += 1;
        }
        counts
    }

    fn messages(&self) -> usize {
        self.message_types + if self.digest { self.dashes } else { 0 }
    }

    fn parts(&self) -> usize {
        1 + self.dashes + self.messages()
    }

    /// Could these bytes hold an attached message the parser decodes?
    /// Its header block, which names both its type and its encoding,
    /// lies within one paragraph; a digest's parts need not name their
    /// type.
    fn may_hold_encoded_messages(&self) -> bool {
        self.encoded_message || (self.digest && self.encoded)
    }
}

fn word_at(bytes: &[u8], i: usize, word: &[u8]) -> bool {
    bytes
        .get(i..i + word.len())
        .is_some_and(|w| w.eq_ignore_ascii_case(word))
}

fn message_subtype_at(bytes: &[u8], i: usize) -> bool {
    subtype_at(bytes, i, b"rfc822") || subtype_at(bytes, i, b"global")
}

/// `word` as a whole media subtype token at `i`: preceded by `/` or a
/// comment's `)`, past the white space, quotes and backslashes the
/// parser skips there; not followed by a token character. (More than
/// the parser takes, never less.)
fn subtype_at(bytes: &[u8], i: usize, word: &[u8]) -> bool {
    if !word_at(bytes, i, word) {
        return false;
    }
    let token_char = |c: u8| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`{|}~".contains(&c);
    if bytes.get(i + word.len()).is_some_and(|&c| token_char(c)) {
        return false;
    }
    let before = bytes[..i]
        .iter()
        .rev()
        .take(256)
        .find(|&&c| !c.is_ascii_whitespace() && c != b'"' && c != b'\\');
    // A long run of skipped characters: counted, to be safe.
    match before {
        Some(c) => matches!(c, b'/' | b')'),
        None => i > 0,
    }
}

/// The same bytes with every message or digest subtype made into
/// another (`rfc822` to `xfc822`): parsed so, nothing is read as an
/// attached message, and the parts that would be stand out.
fn neutralized(bytes: &[u8]) -> Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    for i in 0..bytes.len() {
        let found = match bytes[i] | 0x20 {
            b'r' | b'g' => message_subtype_at(bytes, i),
            b'd' => subtype_at(bytes, i, b"digest"),
            _ => false,
        };
        if found {
            out.get_or_insert_with(|| bytes.to_vec())[i] = b'x';
        }
    }
    out.map_or(Cow::Borrowed(bytes), Cow::Owned)
}

/// An attached message found in a parse of neutralized bytes.
enum Attached {
    /// Read in place: its own structure starts at `start`; `boundary`
    /// is the enclosing multipart's, which ends it.
    Inline {
        start: usize,
        boundary: Option<Vec<u8>>,
    },
    /// Base64 or quoted-printable, its body `start..end`.
    Encoded {
        start: usize,
        end: usize,
        encoding: Encoding,
    },
    /// Base64 or quoted-printable, the first part of an inline message
    /// inside a multipart: its body runs to the multipart's boundary.
    EncodedUntil {
        start: usize,
        boundary: Vec<u8>,
        encoding: Encoding,
    },
}

/// Finds the attached messages the parser would read in `bytes` (whose
/// first part, if inside a multipart, ends at `boundary`), and counts
/// what the encoded ones hold, as the parser would decode them.
fn attached(
    bytes: &[u8],
    boundary: Option<&[u8]>,
    encoded_levels: usize,
    census: &mut Census,
) -> Result<(), String> {
    census.spend(bytes.len())?;
    let counts = Counts::of(bytes);
    if !counts.may_hold_encoded_messages() {
        // Inline attached messages are in these bytes, counted already.
        return Ok(());
    }
    census.spend(bytes.len())?;
    // Parsing these bytes may search for boundaries as long as the
    // real parse would: the census gets as much again, no more.
    census.scan_budget = census
        .scan_budget
        .checked_sub(counts.scanned)
        .ok_or("message has attached messages nested in too many ways to read")?;
    let found = {
        let neutral = neutralized(bytes);
        match MessageParser::default().parse(neutral.as_ref()) {
            Some(message) => attached_in(&message, bytes, boundary),
            None => Vec::new(),
        }
    };
    for attached_message in found {
        match attached_message {
            Attached::Inline { start, boundary } => {
                let rest = bytes.get(start..).unwrap_or_default();
                attached(rest, boundary.as_deref(), encoded_levels, census)?;
            }
            _ if encoded_levels == 0 => {}
            Attached::Encoded {
                start,
                end,
                encoding,
            } => {
                let body = bytes.get(start..end).unwrap_or_default();
                decoded(body, encoding, encoded_levels, census)?;
            }
            Attached::EncodedUntil {
                start,
                boundary,
                encoding,
            } => {
                let rest = bytes.get(start..).unwrap_or_default();
                if let Some(end) = body_end(rest, &boundary, encoding) {
                    decoded(&rest[..end], encoding, encoded_levels, census)?;
                }
            }
        }
    }
    Ok(())
}

/// Decodes an encoded attached message's body as the parser would,
/// counts it, and looks inside it in turn.
fn decoded(
    body: &[u8],
    encoding: Encoding,
    encoded_levels: usize,
    census: &mut Census,
) -> Result<(), String> {
    census.spend(body.len())?;
    let name = match encoding {
        Encoding::Base64 => "base64",
        Encoding::QuotedPrintable => "quoted-printable",
        Encoding::None => return Ok(()),
    };
    let mut wrapped = format!(
        "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: {name}\r\n\r\n"
    )
    .into_bytes();
    wrapped.extend_from_slice(body);
    let contents = match MessageParser::default().parse(&wrapped) {
        Some(message) => match message.parts.first() {
            Some(part) if !part.is_encoding_problem => part.contents().to_vec(),
            _ => return Ok(()),
        },
        None => return Ok(()),
    };
    drop(wrapped);
    census.add(&Counts::of(&contents))?;
    attached(&contents, None, encoded_levels - 1, census)
}

/// Where the body of an encoded first part ends when its enclosing
/// multipart's boundary ends it: base64 only at the first `--`, which
/// must begin the boundary; quoted-printable at the boundary's first
/// `--`. `None` when the parser would find the body broken.
fn body_end(rest: &[u8], boundary: &[u8], encoding: Encoding) -> Option<usize> {
    match encoding {
        Encoding::Base64 => rest
            .windows(2)
            .position(|w| w == b"--".as_slice())
            .filter(|&i| rest.get(i + 2..).is_some_and(|r| r.starts_with(boundary))),
        // A linear search: a boundary may be long and full of dashes.
        _ => regex::bytes::Regex::new(&format!(
            "--{}",
            regex::escape(&String::from_utf8_lossy(boundary))
        ))
        .ok()?
        .find(rest)
        .map(|m| m.start()),
    }
}

/// The attached messages of one parse of neutralized bytes: the parts
/// whose type was `message/rfc822` or `message/global`, or that are a
/// digest's parts without a type.
fn attached_in(message: &Message<'_>, original: &[u8], boundary: Option<&[u8]>) -> Vec<Attached> {
    let mut parent = vec![None; message.parts.len()];
    for (id, part) in message.parts.iter().enumerate() {
        if let PartType::Multipart(children) = &part.body {
            for &child in children {
                if let Some(slot) = parent.get_mut(child as usize) {
                    *slot = Some(id);
                }
            }
        }
    }
    let mut found = Vec::new();
    for (id, part) in message.parts.iter().enumerate() {
        let parent_part = parent[id].and_then(|p| message.parts.get(p));
        let is_message = match part.content_type() {
            Some(ct) => {
                ct.ctype().eq_ignore_ascii_case("message")
                    && ct.subtype().is_some_and(|s| {
                        s.eq_ignore_ascii_case("xfc822") || s.eq_ignore_ascii_case("xlobal")
                    })
            }
            None => parent_part
                .and_then(|p| p.content_type())
                .and_then(|ct| ct.subtype())
                .is_some_and(|s| s.eq_ignore_ascii_case("xigest")),
        };
        if !is_message {
            continue;
        }
        // The boundary that ends this part: its multipart's, read from
        // the original bytes (a boundary may contain what was changed),
        // or, for the first part, the one it was given.
        let enclosing = match parent_part {
            Some(p) => original_boundary(p, original),
            None => boundary.map(<[u8]>::to_vec),
        };
        let start = part.offset_body as usize;
        // From the header: a body the parser could not decode here
        // (a first part cut off from its boundary) is marked unencoded.
        let encoding = match part.content_transfer_encoding() {
            Some(e) if e.eq_ignore_ascii_case("base64") => Encoding::Base64,
            Some(e) if e.eq_ignore_ascii_case("quoted-printable") => Encoding::QuotedPrintable,
            _ => Encoding::None,
        };
        match encoding {
            Encoding::None => found.push(Attached::Inline {
                start,
                boundary: enclosing,
            }),
            encoding => match (parent_part, enclosing) {
                (None, Some(boundary)) => found.push(Attached::EncodedUntil {
                    start,
                    boundary,
                    encoding,
                }),
                _ if part.is_encoding_problem => {}
                _ => found.push(Attached::Encoded {
                    start,
                    end: part.offset_end as usize,
                    encoding,
                }),
            },
        }
    }
    found
}

/// A multipart's boundary as its header in the original bytes gives it.
fn original_boundary(part: &MessagePart<'_>, original: &[u8]) -> Option<Vec<u8>> {
    // The last Content-Type, as the parser takes it.
    let header = part
        .headers
        .iter()
        .rev()
        .find(|h| h.name == HeaderName::ContentType)?;
    let value = original.get(header.offset_start as usize..header.offset_end as usize)?;
    let mut text = b"Content-Type:".to_vec();
    text.extend_from_slice(value);
    let headers = MessageParser::default().parse_headers(&text)?;
    let boundary = headers.content_type()?.attribute("boundary")?;
    Some(boundary.as_bytes().to_vec())
}
