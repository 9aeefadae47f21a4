//! A message's parts: its text read as forms, its attachments read as
//! documents (attached messages too, a few deep), and what could not be
//! read listed with its reason.

use super::*;

/// Nested messages deeper than this are not read (they are still listed).
pub(super) const MAX_NESTING: usize = 3;

/// What reading a message's parts gathers.
pub(super) struct Found<'a> {
    pub(super) renderings: &'a mut Vec<FormReading>,
    /// How many of `renderings` are the message's own (its plain text,
    /// its HTML, its HTML as Outlook shows it), not an attached message's.
    pub(super) own_renderings: &'a mut usize,
    /// What the message's own text answers above a message it forwards
    /// or quotes (`Consent to referral: No` over a forwarded form).
    pub(super) notes: &'a mut Vec<FormReading>,
    pub(super) attachments: &'a mut Vec<Attachment>,
    pub(super) nested_senders: &'a mut Vec<EmailAddress>,
    pub(super) documents: &'a mut Vec<DocumentForm>,
    /// What is left of the message's time for its documents.
    pub(super) time_left: &'a mut std::time::Duration,
}

/// Why a document whose form would read as blank, while text judged out
/// of sight in it holds the form's labels, is set aside.
pub(super) const HIDDEN_FORM: &str = "it holds text of the referral form that the gateway judged \
     out of sight of a reader (hidden, or coloured as what it is drawn on), so a form filled \
     in may read as blank";

/// The name an attached message without a file name goes by in the path
/// of a document attached to it.
const UNNAMED_MESSAGE: &str = "(attached message)";
/// How a document attached without a file name is named.
const UNNAMED_DOCUMENT: &str = "(attached document)";

/// Reads a message's text and its attachments. `path` names the attached
/// message it is (`fwd.eml/`), empty for the message itself: a document
/// in it goes by its path (`fwd.eml/DTR referral.docx`).
pub(super) fn collect(message: &Message<'_>, found: &mut Found<'_>, depth: usize, path: &str) {
    let before = found.renderings.len();
    collect_text(message, found, depth == 0);
    if depth == 0 {
        *found.own_renderings = found.renderings.len() - before;
    }
    collect_attachments(message, found, depth, path);
}

/// A message's own text (plain and HTML, and the HTML as Outlook shows it
/// when that differs) as renderings of its form; for the message itself
/// (`own`), what its text answers above a forward too.
fn collect_text(message: &Message<'_>, found: &mut Found<'_>, own: bool) {
    let text: Vec<&str> = message
        .text_body
        .iter()
        .filter_map(|&i| match &message.parts.get(i as usize)?.body {
            PartType::Text(t) => Some(t.as_ref()),
            _ => None,
        })
        .collect();
    // The HTML's lines mark text struck through; plain text has none.
    let read = |text: &str, struck: bool, found: &mut Found<'_>| {
        found.renderings.push(if struck {
            read_struck_form(text)
        } else {
            read_form(text)
        });
        if own {
            if let Some(note) = above_forward(text).map(|note| {
                if struck {
                    read_struck_form(note)
                } else {
                    read_form(note)
                }
            }) {
                if !note.values.is_empty() {
                    found.notes.push(note);
                }
            }
        }
    };
    match text.as_slice() {
        [] => {}
        [one] => read(one, false, found),
        _ => read(&text.join("\n"), false, found),
    }
    // Each HTML part: what is seen for certain, that with the text that
    // may or may not be seen shown too (when there is such text), and
    // what Outlook shows (when it differs), likewise.
    type Renderings = (String, Option<String>);
    let html: Vec<(String, Option<String>, Option<Renderings>)> = message
        .html_body
        .iter()
        .filter_map(|&i| match &message.parts.get(i as usize)?.body {
            PartType::Html(h) => {
                let ((lines, with_doubtful), outlook) = form_renderings(h);
                Some((lines, with_doubtful, outlook))
            }
            _ => None,
        })
        .collect();
    if html.is_empty() {
        return;
    }
    let lines: Vec<&str> = html.iter().map(|(lines, _, _)| lines.as_str()).collect();
    let seen = found.renderings.len();
    let notes_seen = found.notes.len();
    read(&lines.join("\n"), true, found);
    // Text that may or may not be seen: read with it shown, as a rendering
    // of its own, and whatever it changes of the form (or of a note above
    // a forward) is asked about.
    if html.iter().any(|(_, doubtful, _)| doubtful.is_some()) {
        let shown: Vec<&str> = html
            .iter()
            .map(|(lines, doubtful, _)| doubtful.as_deref().unwrap_or(lines))
            .collect();
        let notes_shown = found.notes.len();
        read(&shown.join("\n"), true, found);
        if let Some([seen, shown]) = found.renderings.get_mut(seen..seen + 2) {
            seen.doubt_against(shown);
        }
        // A note read from one rendering alone is set against none.
        let mut no_note = FormReading::default();
        let mut also_none = FormReading::default();
        let (before, after) = found.notes.split_at_mut(notes_shown);
        let seen_note = before.get_mut(notes_seen).unwrap_or(&mut no_note);
        let shown_note = after.first_mut().unwrap_or(&mut also_none);
        seen_note.doubt_against(shown_note);
    }
    // What Outlook shows, where it differs: read as a rendering of its
    // own, so that a form answered differently there is asked about.
    if html.iter().any(|(_, _, outlook)| outlook.is_some()) {
        let outlook: Vec<&str> = html
            .iter()
            .map(|(lines, _, outlook)| outlook.as_ref().map_or(lines.as_str(), |(o, _)| o.as_str()))
            .collect();
        let seen = found.renderings.len();
        read(&outlook.join("\n"), true, found);
        // Text in doubt in what Outlook alone shows, likewise.
        if html
            .iter()
            .any(|(_, _, outlook)| outlook.as_ref().is_some_and(|(_, d)| d.is_some()))
        {
            let shown: Vec<&str> = html
                .iter()
                .map(|(lines, _, outlook)| match outlook {
                    Some((o, doubtful)) => doubtful.as_deref().unwrap_or(o.as_str()),
                    None => lines.as_str(),
                })
                .collect();
            read(&shown.join("\n"), true, found);
            if let Some([seen, shown]) = found.renderings.get_mut(seen..seen + 2) {
                seen.doubt_against(shown);
            }
        }
    }
}

/// The text above the first header of a message forwarded or quoted in it
/// (`From: ...` with `Sent:` or `Date:` below, `-----Original Message-----`,
/// `---------- Forwarded message ---------`, `Begin forwarded message:`),
/// when there is one.
fn above_forward(text: &str) -> Option<&str> {
    let lines: Vec<(usize, &str)> = text
        .split_inclusive('\n')
        .scan(0, |at, line| {
            let start = *at;
            *at += line.len();
            Some((start, line.trim()))
        })
        .collect();
    // Each line's first characters are tested before it is lower-cased:
    // nearly every line of a message is neither separator nor header.
    let opens = |line: &str, word: &str| {
        line.get(..word.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(word))
    };
    lines.iter().enumerate().find_map(|(i, &(start, line))| {
        let separator = line.starts_with(['-', '_', 'B', 'b']) && {
            let lower = line.to_ascii_lowercase();
            lower.contains("original message") || lower.contains("forwarded message")
        };
        let header = opens(line, "from:")
            && lines
                .iter()
                .skip(i + 1)
                .take(4)
                .any(|(_, next)| opens(next, "sent:") || opens(next, "date:"));
        if !(separator || header) {
            return None;
        }
        // Outlook's rule above the header (`____`) belongs to the forward.
        let rule = |l: &str| !l.is_empty() && l.chars().all(|c| c == '_' || c == '-');
        let cut = lines[..i]
            .iter()
            .rposition(|(_, l)| !l.is_empty() && !rule(l))
            .map_or(0, |last| lines[last + 1].0);
        Some(&text[..cut.min(start)])
    })
}

/// What is attached to a message: each document a form may be in read
/// (an attached message's own attachments too, down to `MAX_NESTING`),
/// each file listed.
fn collect_attachments(message: &Message<'_>, found: &mut Found<'_>, depth: usize, path: &str) {
    for &i in &message.attachments {
        let Some(part) = message.parts.get(i as usize) else {
            continue;
        };
        if let PartType::Message(nested) = &part.body {
            if depth < MAX_NESTING {
                if let Some(from) = nested
                    .from()
                    .and_then(|a| a.first())
                    .and_then(|a| a.address())
                    .and_then(|a| EmailAddress::parse(a).ok())
                {
                    found.nested_senders.push(from);
                }
                let name = part.attachment_name().unwrap_or(UNNAMED_MESSAGE);
                collect(nested, found, depth + 1, &format!("{path}{name}/"));
            } else {
                // Listed as not read, so that a referral inside is set
                // aside for a person rather than quietly filed as other.
                found.attachments.push(Attachment {
                    name: part.attachment_name().map(str::to_string),
                    content_type: "message/rfc822".into(),
                    bytes: part.contents().len(),
                    unread: Some(format!(
                        "a message attached more than {MAX_NESTING} deep: not read"
                    )),
                });
            }
            continue;
        }
        let content_type = part
            .content_type()
            .map(|ct| match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub),
                None => ct.ctype().to_string(),
            })
            .unwrap_or_else(|| "application/octet-stream".into());
        let name = part.attachment_name().map(str::to_string);
        let kind = DocumentKind::of(name.as_deref(), &content_type);
        let mut unread = None;
        // A plain-text part the parser lists among attachments is a
        // document only when it is attached as a file.
        let is_file = name.is_some() || !matches!(part.body, PartType::Text(_) | PartType::Html(_));
        if kind.may_hold_a_form() && is_file && !is_encrypted_part(&content_type, name.as_deref()) {
            if found.documents.len()
                + found
                    .attachments
                    .iter()
                    .filter(|a| a.unread.is_some())
                    .count()
                >= MAX_DOCUMENTS_READ
            {
                unread = Some(format!(
                    "more than {MAX_DOCUMENTS_READ} documents attached: not read"
                ));
            } else if found.time_left.is_zero() {
                unread = Some("not read: the message's time budget is spent".into());
            } else {
                let charset = part.content_type().and_then(|ct| ct.attribute("charset"));
                let limits = Limits {
                    max_time: LIMITS.max_time.min(*found.time_left),
                    ..LIMITS
                };
                let bytes = attached_bytes(message, part);
                // A file without a name is still named, as what it is.
                let unnamed = if kind == DocumentKind::Email {
                    UNNAMED_MESSAGE
                } else {
                    UNNAMED_DOCUMENT
                };
                let name_in_path = format!("{path}{}", name.as_deref().unwrap_or(unnamed));
                let read = if kind == DocumentKind::Email {
                    read_attached_email(&bytes, found, depth, name_in_path)
                } else {
                    let started = std::time::Instant::now();
                    let read = read_document_text(kind, &bytes, charset, &limits);
                    *found.time_left = found.time_left.saturating_sub(started.elapsed());
                    read.map_err(|e| e.to_string()).and_then(|read| {
                        // Word and OpenDocument mark text struck through.
                        let reading = if matches!(kind, DocumentKind::Docx | DocumentKind::Odt) {
                            read_struck_form(&read.text)
                        } else {
                            read_form(&read.text)
                        };
                        // A form that reads as blank or as no form, whose
                        // text judged out of sight holds the form's labels,
                        // may be a filled-in form misjudged: a person looks
                        // rather than its sender being told it is empty.
                        if !typed(&reading) && holds_a_label(&read.unseen.text) {
                            return Err(HIDDEN_FORM.to_string());
                        }
                        found.documents.push(DocumentForm {
                            name: name_in_path,
                            reading,
                        });
                        Ok(())
                    })
                };
                if let Err(why) = read {
                    unread = Some(why);
                }
            }
        }
        // A scan sent as an image, a zip, a Pages file: attached as a file
        // (not a logo shown inline in a signature), it may hold a
        // referral the gateway cannot read.
        let inline = part.content_id().is_some()
            || part
                .content_disposition()
                .is_some_and(|d| d.ctype().eq_ignore_ascii_case("inline"));
        // Signatures, contact cards and invitations hold no form.
        let companion = matches!(
            content_type.to_ascii_lowercase().as_str(),
            "application/pkcs7-signature"
                | "application/x-pkcs7-signature"
                | "application/pgp-signature"
                | "text/vcard"
                | "text/x-vcard"
                | "text/calendar"
        ) || name.as_deref().is_some_and(|n| {
            let n = n.to_ascii_lowercase();
            n.ends_with(".p7s") || n.ends_with(".vcf") || n.ends_with(".ics") || n.ends_with(".asc")
        });
        // Signature logos, as Outlook names them (`image001.png`,
        // `Outlook-abc123.png`), even when attached as files.
        let logo = name.as_deref().is_some_and(|n| {
            let n = n.to_ascii_lowercase();
            let stem = n.rsplit_once('.').map_or(n.as_str(), |(stem, _)| stem);
            (stem.starts_with("image") && stem[5..].chars().all(|c| c.is_ascii_digit()))
                || stem.starts_with("outlook-")
        });
        if let Some(how) = encryption_of(&content_type, name.as_deref()) {
            // The message itself, encrypted (which `encrypted` reports):
            // no image or archive beside it.
            unread = Some(format!(
                "encrypted mail ({how}), which the gateway cannot open"
            ));
        } else if !kind.may_hold_a_form()
            && name.is_some()
            && !inline
            && !companion
            && !logo
            && unread.is_none()
        {
            unread = Some(if is_spreadsheet(&content_type, name.as_deref()) {
                "a spreadsheet, which the gateway does not read".into()
            } else if is_tnef(&content_type, name.as_deref()) {
                "Outlook's rich-text wrapping (winmail.dat), which the gateway cannot open: \
                 what it holds (often the form itself) needs sending again as an ordinary \
                 attachment"
                    .into()
            } else {
                "a file of a kind the gateway does not read (an image, an archive)".into()
            });
        }
        found.attachments.push(Attachment {
            name,
            content_type,
            bytes: part.contents().len(),
            unread,
        });
    }
}

/// Outlook's TNEF wrapping (`winmail.dat`, `application/ms-tnef`): the
/// message's attachments packed inside one file no other program opens.
fn is_tnef(content_type: &str, name: Option<&str>) -> bool {
    let content_type = content_type.to_ascii_lowercase();
    content_type.contains("ms-tnef")
        || content_type.contains("vnd.ms-tnef")
        || name.is_some_and(|n| n.eq_ignore_ascii_case("winmail.dat"))
}

/// An Excel or OpenDocument spreadsheet, by its type or its name.
fn is_spreadsheet(content_type: &str, name: Option<&str>) -> bool {
    let content_type = content_type.to_ascii_lowercase();
    content_type.contains("spreadsheet")
        || content_type.contains("ms-excel")
        || name.is_some_and(|n| {
            let n = n.to_ascii_lowercase();
            [".xlsx", ".xlsm", ".xls", ".ods"]
                .iter()
                .any(|e| n.ends_with(e))
        })
}

/// An attached message saved as a file (`.eml`): its own text, decoded,
/// as the document's text; the documents attached to it are read as the
/// message's own are (within the same budgets, `MAX_NESTING` deep), each
/// by its path (`fwd.eml/DTR referral.docx`). Its bytes were opaque to
/// the outer checks: the same bounds as any message's (parts, nesting)
/// are checked before it is parsed.
fn read_attached_email(
    bytes: &[u8],
    found: &mut Found<'_>,
    depth: usize,
    name: String,
) -> Result<(), String> {
    let started = std::time::Instant::now();
    if bytes.len() > LIMITS.max_document_bytes {
        return Err(format!(
            "an attached message of {} bytes, over the limit of {}",
            bytes.len(),
            LIMITS.max_document_bytes
        ));
    }
    structure::check_before_parsing(bytes)
        .map_err(|why| format!("an attached message that is not read: {why}"))?;
    let message = MessageParser::default()
        .parse(bytes)
        .ok_or_else(|| "an attached message that cannot be read".to_string())?;
    structure::check_parsed(&message)
        .map_err(|why| format!("an attached message that is not read: {why}"))?;
    found.documents.push(DocumentForm {
        name: name.clone(),
        reading: read_form(&readable_text(&message)),
    });
    *found.time_left = found.time_left.saturating_sub(started.elapsed());
    if depth < MAX_NESTING {
        collect_attachments(&message, found, depth + 1, &format!("{name}/"));
    } else if !message.attachments.is_empty() {
        // Listed as not read, as a message attached too deep in place is.
        found.attachments.push(Attachment {
            name: None,
            content_type: "message/rfc822".into(),
            bytes: bytes.len(),
            unread: Some(format!(
                "a message attached more than {MAX_NESTING} deep: not read"
            )),
        });
    }
    Ok(())
}

/// An attached file's bytes as attached (its transfer encoding undone).
/// The parser hands a `text/*` part back already decoded by its declared
/// charset (or as UTF-8 when it declares none), which garbles a UTF-16
/// file with its byte-order mark: the document reader decodes it instead.
pub(super) fn attached_bytes<'a>(
    message: &'a Message<'_>,
    part: &'a MessagePart<'_>,
) -> Cow<'a, [u8]> {
    use mail_parser::decoders::base64::base64_decode;
    use mail_parser::decoders::quoted_printable::quoted_printable_decode;
    if !matches!(part.body, PartType::Text(_) | PartType::Html(_)) {
        return Cow::Borrowed(part.contents());
    }
    let raw = message
        .raw_message
        .get(part.offset_body as usize..part.offset_end as usize);
    let decoded = raw.and_then(|raw| match part.encoding {
        Encoding::Base64 => base64_decode(raw).map(Cow::Owned),
        Encoding::QuotedPrintable => quoted_printable_decode(raw).map(Cow::Owned),
        Encoding::None => Some(Cow::Borrowed(raw)),
    });
    decoded.unwrap_or(Cow::Borrowed(part.contents()))
}
