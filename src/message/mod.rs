//! From the raw bytes of one email to what it means: its kind, the case it
//! concerns, and the referral it carries. A function over bytes, with no
//! I/O, so that every behaviour can be tested on a folder of `.eml` files.

use crate::core::address::EmailAddress;
use crate::core::authority::{Authorities, Authority};
use crate::core::case_ref::CaseRef;
use crate::core::classify::{classify, Kind};
use crate::core::field::Field;
use crate::core::form::{holds_a_label, read_form, read_struck_form, FormReading};
use crate::core::referral::{interpret, ReadReferral, ReadingContext};
use crate::core::reply::{read_answer, AnswerReading};
use crate::core::sender::SenderHeaders;
use crate::core::sources::{read_forms, FormSource};
use crate::documents::{read_document_text, DocumentKind, Limits, LIMITS};
use crate::html::{form_renderings, html_renderings, html_to_lines};
use chrono::{DateTime, NaiveDate, Utc};
use mail_parser::{Encoding, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use regex::Regex;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::LazyLock;

mod headers;
mod parts;
mod structure;

use parts::{collect, Found};

use headers::{header_facts, returned_mail, sender_headers, Returned};

/// Messages larger than this are recorded and quarantined unread.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 25 * 1024 * 1024;

/// A message with more MIME parts than this, its own and those of the
/// messages attached to it, is recorded and quarantined unread. Mail
/// programs write a handful; a referral form needs one.
pub const MAX_MIME_PARTS: usize = 1000;

/// A message whose parts nest deeper than this (multiparts and attached
/// messages, one inside another) is recorded and quarantined unread. Mail
/// programs nest three or four deep, a few more for each forward.
pub const MAX_MIME_DEPTH: usize = 30;

/// A message with more attached messages (`message/rfc822`) than this,
/// side by side or one inside another, is recorded and quarantined unread.
pub const MAX_ATTACHED_MESSAGES: usize = 100;

/// At most this many Message-IDs of the thread a message answers are kept
/// (`In-Reply-To` first, then the most recent of `References`) and looked
/// up in the store. A References header may hold millions under the size
/// limit; the messages that place a message in a case's thread are its
/// latest.
pub const MAX_THREAD_IDS: usize = 50;

/// A file attached to a message. Documents a form may be in are read
/// (`documents`); the others are only listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Attachment {
    pub name: Option<String>,
    pub content_type: String,
    pub bytes: usize,
    /// Why a document that may hold a form was not read. Names no file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unread: Option<String>,
}

/// A form read from an attached document.
#[derive(Clone, Debug)]
struct DocumentForm {
    name: String,
    reading: FormReading,
}

/// At most this many attached documents of a message are read; a referral
/// comes with one or two.
pub const MAX_DOCUMENTS_READ: usize = 10;

/// Everything the gateway takes from one message.
#[derive(Clone, Debug)]
pub struct Analysis {
    pub kind: Kind,
    /// `<id@host>`, as the contract prints it.
    pub message_id: Option<String>,
    pub case_ref: Option<CaseRef>,
    pub referral: Option<ReadReferral>,
    pub sent_at: Option<DateTime<Utc>>,
    pub from: Option<EmailAddress>,
    /// The sender's display name, when the From header gives one.
    pub from_name: Option<String>,
    /// For a forwarded referral, who sent it before it was forwarded.
    pub original_sender: Option<EmailAddress>,
    pub recipients: Vec<EmailAddress>,
    pub attachments: Vec<Attachment>,
    /// Mailing-list traffic (`List-Id`, `Precedence: list`).
    pub is_list: bool,
    /// Where the referral's form was found: the message's text or an
    /// attached document (the one that won, when both carry one).
    pub form_source: Option<FormSource>,
    /// Attached documents a form may be in: how many, and whether any of
    /// them could not be read.
    pub documents: usize,
    pub documents_unread: usize,
    /// Its text carries a filled-in referral form, whatever its kind (an
    /// automatic message may carry one).
    pub carries_form: bool,
    /// Its subject or first lines ask for the blank form, and it carries
    /// no document (`core::form_request`).
    pub asks_for_form: bool,
    /// It carries the referral form with nothing typed into it (attached,
    /// or in its own words): the blank form sent back unfilled.
    pub blank_form_back: bool,
    /// For a bounce: the Message-ID of the gateway's mail it returns.
    pub returned_message_id: Option<String>,
    /// Why the message could not be read, when it could not.
    pub problem: Option<String>,
    /// The Message-IDs it answers: the latest `References` (oldest first),
    /// then `In-Reply-To`; at most `MAX_THREAD_IDS`.
    pub thread_ids: Vec<String>,
    /// The message this one answers directly (its `In-Reply-To`).
    pub replied_to: Option<String>,
    /// What its own text says, for an answer in a case's thread: the lead
    /// it names, steps done, a new release date...
    pub answer: AnswerReading,
    /// A referral form in the message's own text (above what it quotes),
    /// for a message that is classed an answer by its subject or thread
    /// but may carry a new or completed form: judged by its content.
    pub own_form: Option<ReadReferral>,
    /// For a message in a thread: what it fills in of the form, in its own
    /// words (`Consent to referral: Yes` above the quote) or typed into the
    /// gateway's form it quotes (whose placeholders count as empty). It
    /// only ever fills the gaps of the referring side's incomplete case.
    pub filled_in: Option<ReadReferral>,
    /// The headers the receiving organisation's verdict on the sender is
    /// read from.
    pub sender_headers: SenderHeaders,
    /// Why the message cannot be read, when it is encrypted or protected
    /// (S/MIME, Microsoft Purview); none otherwise.
    pub encrypted: Option<String>,
    /// The subject, as written.
    pub subject: Option<String>,
    /// The subject marks a forward (`Fwd:`, `FW:`).
    pub is_forward: bool,
    /// Its subject says it is a reply (`RE:`, `AW:`, `SV:`).
    pub is_reply: bool,
    /// For a bounce: the recipients its delivery status report says failed
    /// for good (`Action: failed`).
    pub failed_recipients: Vec<EmailAddress>,
    /// For a bounce: each recipient it says failed for good, and why (from
    /// a delivery report's blocks, or for a refusal written for people,
    /// the addresses its text names beside a permanent failure).
    pub failures: Vec<crate::core::undelivered::Failure>,
    /// For an automatic reply: that the person has left or the mailbox is
    /// no longer read, in a sentence (an ordinary out-of-office says
    /// nothing here).
    pub left: Option<String>,
    /// For a leaver's automatic reply: the addresses its own text names
    /// (who to write to instead).
    pub left_names: Vec<crate::core::address::EmailAddress>,
    /// The message quotes one of the gateway's own mails (it carries their
    /// marker line).
    pub quotes_gateway: bool,
}

/// The line every mail the gateway writes carries, so that the gateway
/// never reads its own mail, quoted back by a person or a program, as a
/// referral or an answer of its own.
pub const GATEWAY_MARKER: &str = "Sent by dtr-gateway";

/// What `analyse` needs to know besides the bytes.
pub struct Context<'a> {
    pub authorities: &'a Authorities,
    /// The authority whose inbox the message arrived in; when `None`, the
    /// authority whose inbox is among the recipients.
    pub receiving_authority: Option<&'a Authority>,
    /// Today, for messages without a readable Date header.
    pub today: NaiveDate,
    pub max_bytes: usize,
}

impl Analysis {
    /// A message that could not be read, and why.
    pub(crate) fn unreadable(problem: String) -> Self {
        Analysis {
            kind: Kind::Other,
            message_id: None,
            case_ref: None,
            referral: None,
            sent_at: None,
            from: None,
            from_name: None,
            original_sender: None,
            recipients: Vec::new(),
            attachments: Vec::new(),
            is_list: false,
            form_source: None,
            documents: 0,
            documents_unread: 0,
            carries_form: false,
            asks_for_form: false,
            blank_form_back: false,
            returned_message_id: None,
            problem: Some(problem),
            thread_ids: Vec::new(),
            replied_to: None,
            answer: AnswerReading::default(),
            own_form: None,
            filled_in: None,
            sender_headers: SenderHeaders::default(),
            encrypted: None,
            subject: None,
            is_forward: false,
            is_reply: false,
            failed_recipients: Vec::new(),
            failures: Vec::new(),
            left: None,
            left_names: Vec::new(),
            quotes_gateway: false,
        }
    }

    /// The JSON object of the `parse` contract (docs/parse-contract.md).
    pub fn to_contract_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("kind".into(), json!(self.kind.as_str()));
        if let Some(read) = &self.referral {
            out.insert("outcome".into(), json!(read.outcome.as_str()));
            let keys = |fields: &[crate::core::field::Field]| -> Vec<&str> {
                fields.iter().map(|f| f.key()).collect()
            };
            out.insert("missing".into(), json!(keys(&read.missing)));
            out.insert("invalid".into(), json!(keys(&read.invalid)));
            out.insert("referral".into(), read.referral.to_json());
            if let Some(source) = &self.form_source {
                out.insert("form_source".into(), json!(source.describe()));
            }
        }
        out.insert("message_id".into(), json!(self.message_id));
        out.insert(
            "case_ref".into(),
            json!(self.case_ref.as_ref().map(|r| r.to_string())),
        );
        Value::Object(out)
    }

    /// Why what the gateway did not read was set aside, for `parse
    /// --explain` (outside the contract): the message itself, when it
    /// could not be read or is encrypted, and each attached document not
    /// read, by its type (never its name). Empty when nothing was.
    pub fn explain_json(&self) -> Value {
        let mut out = Map::new();
        if let Some(problem) = &self.problem {
            out.insert("problem".into(), json!(problem));
        }
        if let Some(encrypted) = &self.encrypted {
            out.insert("encrypted".into(), json!(encrypted));
        }
        let unread: Vec<Value> = self
            .attachments
            .iter()
            .filter_map(|a| {
                a.unread
                    .as_ref()
                    .map(|why| json!({ "content_type": a.content_type, "why": why }))
            })
            .collect();
        if !unread.is_empty() {
            out.insert("not_read".into(), json!(unread));
        }
        Value::Object(out)
    }
}

/// Reads one message. Never panics and never fails: what cannot be read
/// comes back as `other` with the reason in `problem`.
pub fn analyse(raw: &[u8], ctx: &Context<'_>) -> Analysis {
    if raw.len() > ctx.max_bytes {
        return Analysis::unreadable(format!(
            "message of {} bytes is over the limit of {} bytes",
            raw.len(),
            ctx.max_bytes
        ));
    }
    analyse_within(raw, ctx, MESSAGE_DOCUMENT_TIME)
}

/// Time for all of one message's documents together: past it, those not
/// yet read are set aside unread, so that ten attachments each just
/// under the document budget cannot hold intake for ten times as long.
pub const MESSAGE_DOCUMENT_TIME: std::time::Duration = std::time::Duration::from_secs(10);

/// As [`analyse`], its documents read within `document_time` together.
fn analyse_within(raw: &[u8], ctx: &Context<'_>, document_time: std::time::Duration) -> Analysis {
    match catch_unwind(AssertUnwindSafe(|| {
        analyse_unchecked(raw, ctx, document_time)
    })) {
        Ok(analysis) => analysis,
        Err(_) => Analysis::unreadable("the message's MIME structure could not be read".into()),
    }
}

fn analyse_unchecked(
    raw: &[u8],
    ctx: &Context<'_>,
    document_time: std::time::Duration,
) -> Analysis {
    // Bounded before anything is built: the parser keeps every part in
    // memory and frees attached messages recursively.
    if let Err(problem) = structure::check_before_parsing(raw) {
        return Analysis::unreadable(problem);
    }
    let Some(message) = MessageParser::default().parse(raw) else {
        return Analysis::unreadable("not an email message".into());
    };
    if let Err(problem) = structure::check_parsed(&message) {
        return Analysis::unreadable(problem);
    }
    // RFC 5322 allows exactly one: with several, who sent it is whichever a
    // reader shows, and nothing in it may speak for anyone.
    let from_headers = message.parts.first().map_or(0, |part| {
        part.headers
            .iter()
            .filter(|h| h.name == mail_parser::HeaderName::From)
            .count()
    });
    // Likewise one From naming several people (or a group): which of them
    // a receiving server checked is anyone's guess.
    let from_addresses = message
        .parts
        .first()
        .and_then(|part| {
            part.headers
                .iter()
                .find(|h| h.name == mail_parser::HeaderName::From)
        })
        .and_then(|h| h.value.as_address())
        .map_or(0, |a| match a {
            mail_parser::Address::List(list) => list.len(),
            mail_parser::Address::Group(_) => usize::MAX,
        });
    let problem = if from_headers > 1 {
        Some(format!("message has {from_headers} From headers"))
    } else if from_addresses == usize::MAX {
        Some("the From header is a group, not a sender".to_string())
    } else if from_addresses > 1 {
        Some(format!("the From header names {from_addresses} senders"))
    } else {
        None
    };
    let facts = header_facts(&message);
    let sent_at = message
        .date()
        .and_then(|d| DateTime::from_timestamp(d.to_timestamp(), 0));
    let sent_on = sent_at.map(crate::core::uk::date).unwrap_or(ctx.today);

    let mut renderings = Vec::new();
    let mut own_renderings = 0;
    let mut notes = Vec::new();
    let mut attachments = Vec::new();
    let mut nested_senders = Vec::new();
    let mut documents = Vec::new();
    let mut time_left = document_time;
    collect(
        &message,
        &mut Found {
            renderings: &mut renderings,
            own_renderings: &mut own_renderings,
            notes: &mut notes,
            attachments: &mut attachments,
            nested_senders: &mut nested_senders,
            documents: &mut documents,
            time_left: &mut time_left,
        },
        0,
        "",
    );
    // The attached form that reads best: most values, the first on a tie.
    let document = documents
        .iter()
        .enumerate()
        .filter(|(_, d)| typed(&d.reading))
        .max_by_key(|(i, d)| {
            (
                d.reading.values.len(),
                d.reading.heading,
                std::cmp::Reverse(*i),
            )
        })
        .map(|(_, d)| d);

    // The rendering that reads best: most values, then the heading; the
    // first (the plain text) on a tie.
    let best = renderings
        .iter()
        .enumerate()
        .max_by_key(|(i, r)| (r.values.len(), r.heading, std::cmp::Reverse(*i)))
        .map(|(_, r)| r);

    // The message's own text is rendered again only when it is needed: to
    // read a form above a quote of the gateway's mail, or an answer in a
    // thread (for an HTML referral, rendering is the dearest step of all).
    let quotes_gateway = carries(&message, GATEWAY_MARKER);
    let mut body_text: Option<(String, Option<String>)> =
        quotes_gateway.then(|| readable_renderings(&message));
    // A message that quotes the gateway's own mail is read for a form in
    // its own words above the quote first; the quote counts only for what
    // was filled in there (the gateway's placeholders count as empty), so
    // its mail quoted back by an auto-responder is never a referral.
    let own_reading = body_text
        .as_ref()
        .map(|(text, doubtful)| read_own_words(text, doubtful.as_deref()));
    // Beside the gateway's mail, the form's heading alone (its blank form
    // quoted back) makes no referral: something must be filled in.
    // Nor does a form with nothing typed into it anywhere, quoted or not:
    // a blank form sent back is answered as such (`blank_form_back`).
    let is_form = |reading: &FormReading| typed(reading);
    let best = match &own_reading {
        Some(own) if is_form(own) => Some(own),
        _ => best,
    };
    let body_form = best.filter(|r| is_form(r));
    let looks_like_referral = body_form.is_some() || document.is_some();
    // The form came back with nothing typed in: attached, or in the
    // message's text. The text only when it quotes none of the gateway's
    // own mail: an auto-responder quoting it back would be sent the form
    // again and again.
    let unfilled = |r: &FormReading| r.values.is_empty() && (r.heading || r.labels >= 3);
    let blank_form_back = !looks_like_referral
        && (documents.iter().any(|d| unfilled(&d.reading))
            || (!quotes_gateway && best.is_some_and(unfilled)));
    let kind = classify(&facts, looks_like_referral);

    let recipients: Vec<EmailAddress> = [message.to(), message.cc()]
        .into_iter()
        .flatten()
        .flat_map(|a| a.iter())
        .filter_map(|a| a.address())
        .filter_map(|a| EmailAddress::parse(a).ok())
        .collect();
    let receiving = ctx
        .receiving_authority
        .or_else(|| recipients.iter().find_map(|r| ctx.authorities.by_inbox(r)));
    let reading_context = ReadingContext {
        sent_on,
        authorities: ctx.authorities,
        receiving_authority: receiving,
    };

    // Every form the message carries, its text's first: one referral,
    // with any disagreement between them named (`read_forms`).
    let (referral, form_source) = if kind == Kind::Referral {
        // A covering note (`Consent to referral: No - he withdrew it`,
        // too few labels to be a form of its own) beside an attached form
        // counts too: an answer there that differs is asked about, not
        // dropped.
        // What a note says of its writer (its signature's `Name:`,
        // `Tel:`, `Organisation:`) is no answer about the person.
        let cover_note = best
            .filter(|_| body_form.is_none() && !quotes_gateway && document.is_some())
            .map(|r| answers_about_the_person(r, &[]))
            .filter(|r| !r.values.is_empty());
        let forward_notes: Vec<FormReading> = notes
            .iter()
            .map(|r| answers_about_the_person(r, &[Field::FullName]))
            .filter(|r| !r.values.is_empty())
            .collect();
        let mut body_forms: Vec<&FormReading> =
            body_form.or(cover_note.as_ref()).into_iter().collect();
        let own_form_read = own_reading.as_ref().is_some_and(is_form);
        // A consent one rendering of the text gives and another leaves
        // out altogether (a Yes only in the plain text Outlook never
        // shows, or only inside Outlook's conditional comments).
        let mut consent_not_everywhere = false;
        if body_form.is_some() && !own_form_read {
            // The text's other renderings of the form (its plain text
            // and its HTML, the HTML as Outlook shows it): one that
            // answers differently is no rendering to choose from.
            let forms_rendered: Vec<&FormReading> = renderings[..own_renderings]
                .iter()
                .filter(|r| is_form(r))
                .collect();
            let gives = |r: &&FormReading| r.values.contains_key(&Field::Consent);
            consent_not_everywhere =
                forms_rendered.iter().any(gives) && !forms_rendered.iter().all(gives);
            body_forms.extend(forms_rendered);
        }
        if !quotes_gateway {
            // What the sender wrote above a forwarded form.
            body_forms.extend(forward_notes.iter());
        }
        let mut distinct: Vec<&FormReading> = Vec::new();
        for reading in body_forms {
            if !distinct.iter().any(|d| d.values == reading.values) {
                distinct.push(reading);
            }
        }
        let forms: Vec<(FormSource, &FormReading)> = distinct
            .into_iter()
            .map(|body| (FormSource::Body, body))
            .chain(
                documents
                    .iter()
                    .filter(|d| typed(&d.reading))
                    .map(|d| (FormSource::Attachment(d.name.clone()), &d.reading)),
            )
            .collect();
        match read_forms(&forms, &reading_context) {
            Some((mut read, source)) => {
                if consent_not_everywhere {
                    crate::core::sources::consent_unseen_in_a_rendering(&mut read);
                }
                (Some(read), Some(source))
            }
            None => (None, None),
        }
    } else {
        (None, None)
    };
    // Oldest first, the message answered (In-Reply-To) last: the last
    // one the store knows says which case and which mail this answers.
    let thread_ids: Vec<String> = facts
        .references
        .iter()
        .chain(facts.in_reply_to.iter())
        .cloned()
        .collect();
    // Read for answers: a reply that quotes the referral may be classed a
    // referral (or other) until intake finds its thread; without a thread
    // to find, such a message is never an answer.
    let may_answer = match kind {
        Kind::Reply => true,
        Kind::Other | Kind::Referral => !thread_ids.is_empty(),
        Kind::AutoReply | Kind::Bounce => false,
    };
    if may_answer && body_text.is_none() {
        body_text = Some(readable_renderings(&message));
    }
    let (body_text, body_doubtful) = body_text.unwrap_or_default();
    // The message's own words above what it quotes, and the form read
    // there, each worked out once for all that asks for them below.
    let own_words: Option<String> =
        (may_answer && own_reading.is_none()).then(|| crate::core::reply::own_text(&body_text));
    let own_words_reading = own_words.as_deref().map(|words| {
        let mut reading = read_form(words);
        if let Some(doubtful) = &body_doubtful {
            let mut shown = read_form(&crate::core::reply::own_text(doubtful));
            reading.doubt_against(&mut shown);
        }
        reading
    });
    let own = own_reading.as_ref().or(own_words_reading.as_ref());
    // An answer carrying a form of its own (a completed referral sent in
    // reply to the incomplete mail, say): the form above the quote.
    let own_form = match (kind, own) {
        (Kind::Reply, Some(own)) => {
            if is_form(own) {
                Some(interpret(&without_doubt(own), &reading_context))
            } else {
                // A completed form sent attached to an answer.
                document.map(|d| interpret(&d.reading, &reading_context))
            }
        }
        _ => None,
    };
    let filled_in = match own {
        Some(own) if may_answer => {
            let filled = if !own.values.is_empty() {
                Some(own)
            } else if let Some(document) = document {
                Some(&document.reading)
            } else if quotes_gateway {
                best
            } else {
                None
            };
            filled
                .filter(|r| !r.values.is_empty())
                .map(|r| interpret(&without_doubt(r), &reading_context))
        }
        _ => None,
    };

    let returned = if kind == Kind::Bounce {
        returned_mail(&message, facts.delivery_status_report)
    } else {
        Returned::default()
    };
    let failures = if kind == Kind::Bounce {
        failures_of(&message, &returned, facts.delivery_status_report)
    } else {
        Vec::new()
    };
    let (left, left_names) = if kind == Kind::AutoReply {
        let text = readable_text(&message);
        let own = crate::core::reply::own_text(&text);
        match crate::core::undelivered::leaver(facts.subject.as_deref(), &own) {
            Some(left) => (Some(left), crate::core::undelivered::addresses_in(&own)),
            None => (None, Vec::new()),
        }
    } else {
        (None, Vec::new())
    };
    let case_ref = facts.case_ref().or(returned.case_ref);
    let answer = if may_answer {
        read_answer(&body_text)
    } else {
        AnswerReading::default()
    };
    let original_sender = best
        .and_then(|r| r.forwarded_from.clone())
        .or_else(|| nested_senders.into_iter().next());
    let subject = facts.subject.clone();
    let marked = |prefixes: &[&str]| {
        subject.as_deref().is_some_and(|s| {
            let lower = s.trim_start().to_ascii_lowercase();
            prefixes.iter().any(|p| lower.starts_with(p))
        })
    };
    let is_forward = marked(&["fwd:", "fw:", "fwd :", "fw :", "tr:", "wg:"]);
    let is_reply = marked(&["re:", "re :", "aw:", "sv:"]);

    // Asked for in words, with no document the form could be in. Its text
    // counts only when it quotes none of the gateway's mail, whose words an
    // auto-responder would send back.
    let asks_for_form = kind == Kind::Other
        && documents.is_empty()
        && attachments.iter().all(|a| a.unread.is_none())
        && crate::core::form_request::asks_for_blank_form(
            facts.subject.as_deref(),
            &if quotes_gateway {
                Cow::Borrowed("")
            } else if let Some(words) = &own_words {
                // The same text: read for answers, it is the readable text.
                Cow::Borrowed(words.as_str())
            } else {
                Cow::Owned(crate::core::reply::own_text(&readable_text(&message)))
            },
        );

    Analysis {
        kind,
        message_id: message.message_id().map(|id| format!("<{id}>")),
        case_ref,
        referral,
        sent_at,
        from: facts
            .from_address
            .as_deref()
            .and_then(|a| EmailAddress::parse(a).ok()),
        from_name: facts
            .from_name
            .as_deref()
            .map(|n| crate::terminal::printable(n).trim().to_string())
            .filter(|n| !n.is_empty()),
        original_sender,
        recipients,
        encrypted: encrypted(&message, &attachments),
        documents: documents.len() + attachments.iter().filter(|a| a.unread.is_some()).count(),
        documents_unread: attachments.iter().filter(|a| a.unread.is_some()).count(),
        attachments,
        is_list: facts.is_list(),
        form_source,
        carries_form: looks_like_referral,
        asks_for_form,
        blank_form_back: kind == Kind::Other && blank_form_back,
        returned_message_id: returned.message_id,
        failed_recipients: returned.failed_recipients,
        failures,
        left,
        left_names,
        problem,
        replied_to: facts.in_reply_to.last().cloned(),
        thread_ids,
        answer,
        own_form,
        filled_in,
        sender_headers: sender_headers(&message),
        subject,
        is_forward,
        is_reply,
        quotes_gateway,
    }
}

/// A note's answers (a covering note's, a forwarder's) without those a
/// signature gives of its writer (`Tel:`, `Email:`, `Organisation:`) and
/// the fields in `also` (a forwarder's `Name:`).
fn answers_about_the_person(reading: &FormReading, also: &[Field]) -> FormReading {
    const WRITER: [Field; 9] = [
        Field::PersonPhone,
        Field::PersonEmail,
        Field::ReferringAgency,
        Field::ReferrerName,
        Field::ReferrerEmail,
        Field::ReferrerPhone,
        Field::CaseLeadName,
        Field::CaseLeadEmail,
        Field::CaseLeadPhone,
    ];
    let mut kept = reading.clone();
    kept.values
        .retain(|f, _| !WRITER.contains(f) && !also.contains(f));
    kept.in_doubt
        .retain(|f| !WRITER.contains(f) && !also.contains(f));
    kept.again.clear();
    kept
}

/// A form is a referral by its heading or labels and something typed into
/// it: what the gateway adds itself (the authority the mail was sent to)
/// is no one's answer, and a form without values is no referral. Words
/// about consent beside a form with nothing else in it (the gateway's own
/// refusal quoted back above its blank form) fill nothing in: a consent
/// made unreadable by such words is not typed.
fn typed(reading: &FormReading) -> bool {
    reading.is_referral()
        && reading.values.iter().any(|(field, value)| {
            *field != Field::Consent || !value.contains(crate::core::form::UNREADABLE)
        })
}

/// Whether a text or HTML part of the message carries `marker`, read as
/// written (no rendering).
fn carries(message: &Message<'_>, marker: &str) -> bool {
    message
        .text_body
        .iter()
        .chain(message.html_body.iter())
        .filter_map(|&i| message.parts.get(i as usize))
        .any(|part| match &part.body {
            PartType::Text(text) | PartType::Html(text) => text.contains(marker),
            _ => false,
        })
}

/// The form in a message's own words above what it quotes, from its text
/// as [`readable_renderings`] gives it: the fields that HTML text in doubt
/// changes are in doubt (`FormReading::in_doubt`).
fn read_own_words(text: &str, with_doubtful: Option<&str>) -> FormReading {
    let mut reading = read_form(&crate::core::reply::own_text(text));
    if let Some(doubtful) = with_doubtful {
        let mut shown = read_form(&crate::core::reply::own_text(doubtful));
        reading.doubt_against(&mut shown);
    }
    reading
}

/// A reading read alone, not set against other forms (an answer filling
/// a case's gaps): its answers in doubt answer nothing, and the case asks
/// for them still.
fn without_doubt(reading: &FormReading) -> Cow<'_, FormReading> {
    if reading.in_doubt.is_empty() {
        return Cow::Borrowed(reading);
    }
    let mut settled = reading.clone();
    settled
        .values
        .retain(|field, _| !reading.in_doubt.contains(field));
    settled
        .again
        .retain(|field, _| !reading.in_doubt.contains(field));
    Cow::Owned(settled)
}

/// The message's own text as [`readable_text`] gives it, and, when it is
/// HTML holding text that may or may not be seen, that text with it
/// shown (`html_renderings`).
fn readable_renderings(message: &Message<'_>) -> (String, Option<String>) {
    let first_text = message
        .text_body
        .first()
        .and_then(|&i| message.parts.get(i as usize));
    match first_text.map(|p| &p.body) {
        Some(PartType::Text(text)) => (text.to_string(), None),
        _ => message
            .body_html(0)
            .map(|h| html_renderings(&h))
            .unwrap_or_default(),
    }
}

/// The message's own text as a person reads it: its plain-text part, or
/// its HTML rendered as lines (so that an Outlook quote's `From:`/`Sent:`
/// block stands on lines of its own) when it has no plain text.
fn readable_text(message: &Message<'_>) -> String {
    let first_text = message
        .text_body
        .first()
        .and_then(|&i| message.parts.get(i as usize));
    match first_text.map(|p| &p.body) {
        Some(PartType::Text(text)) => text.to_string(),
        _ => message
            .body_html(0)
            .map(|h| html_to_lines(&h))
            .unwrap_or_default(),
    }
}

/// What a bounce says failed for good: a delivery report's failed
/// recipients with their status and diagnostic; for a refusal written for
/// people (no report), the addresses its own words name, when they say the
/// failure is permanent.
fn failures_of(
    message: &Message<'_>,
    returned: &Returned,
    status_report: bool,
) -> Vec<crate::core::undelivered::Failure> {
    use crate::core::undelivered::{from_report, says_permanent};
    let full = message.body_text(0).unwrap_or_default();
    // The people's words only: the returned mail's headers and text, quoted
    // below them, name its recipients whoever failed.
    let notification: String = full
        .lines()
        .take_while(|line| {
            let name = line
                .split_once(':')
                .map(|(n, _)| n.trim().to_ascii_lowercase());
            !matches!(
                name.as_deref(),
                Some("received" | "return-path" | "message-id" | "mime-version" | "content-type")
            ) && !line.trim_start().starts_with("-----")
        })
        .take(200)
        .collect::<Vec<_>>()
        .join("\n");
    if status_report {
        return returned
            .reports
            .iter()
            .filter_map(|r| {
                let address = r.address.clone()?;
                Some(from_report(
                    address,
                    r.status.as_deref(),
                    r.diagnostic.as_deref(),
                    &notification,
                ))
            })
            .collect();
    }
    if !says_permanent(&notification) {
        return Vec::new();
    }
    let mut failures: Vec<crate::core::undelivered::Failure> = Vec::new();
    for line in notification.lines() {
        let mut rest = line;
        while let Some(address) = EmailAddress::find_in(rest) {
            let Some(at) = rest.find(address.as_str()) else {
                break;
            };
            rest = &rest[at + address.as_str().len()..];
            if !failures.iter().any(|f| f.address == address) {
                failures.push(from_report(address, None, Some(line), &notification));
            }
        }
    }
    failures
}

/// Why a message cannot be read: S/MIME encryption, or Microsoft Purview's
/// protection (`message.rpmsg`), or a sensitivity label with no readable
/// text.
fn encrypted(message: &Message<'_>, attachments: &[Attachment]) -> Option<String> {
    let top = message
        .content_type()
        .map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")).to_ascii_lowercase())
        .unwrap_or_default();
    let smime = |ct: &str| ct.contains("pkcs7-mime");
    if smime(&top)
        || attachments.iter().any(|a| {
            smime(&a.content_type.to_ascii_lowercase())
                || a.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case("smime.p7m"))
        })
    {
        // Opaque-signed S/MIME (`smime-type=signed-data`) is signed, not
        // encrypted: its text is wrapped in the signature.
        let signed = message
            .parts
            .iter()
            .filter_map(|p| p.content_type())
            .any(|ct| {
                ct.subtype()
                    .is_some_and(|s| s.to_ascii_lowercase().contains("pkcs7-mime"))
                    && ct
                        .attribute("smime-type")
                        .is_some_and(|t| t.eq_ignore_ascii_case("signed-data"))
            });
        return Some(if signed {
            "signed with S/MIME in a form the gateway cannot open".into()
        } else {
            "encrypted with S/MIME".into()
        });
    }
    if attachments.iter().any(|a| {
        a.name
            .as_deref()
            .is_some_and(|n| n.to_ascii_lowercase().ends_with(".rpmsg"))
            || a.content_type
                .eq_ignore_ascii_case("application/x-microsoft-rpmsg-message")
    }) {
        return Some("protected by Microsoft Purview Message Encryption".into());
    }
    // The message itself is held on a portal, its mail only a link to it.
    let texts = || {
        message
            .text_body
            .iter()
            .chain(message.html_body.iter())
            .filter_map(|&i| message.parts.get(i as usize))
            .filter_map(|part| match &part.body {
                PartType::Text(text) | PartType::Html(text) => Some(text.as_ref()),
                _ => None,
            })
    };
    // One pass over the texts for any portal's marker; which one, only
    // when there is one.
    let portal = texts()
        .any(|text| ANY_PORTAL_MARKER.is_match(text))
        .then(|| {
            PORTAL_MARKERS.iter().find_map(|(marker, what)| {
                texts().any(|text| marker.is_match(text)).then_some(*what)
            })
        })
        .flatten();
    if let Some(what) = portal {
        return Some(format!("held on {what}, to be read there"));
    }
    let no_text = message.text_body.is_empty() && message.html_body.is_empty();
    if no_text && message.header_raw("msip_labels").is_some() {
        return Some("protected by a sensitivity label, with no readable text".into());
    }
    None
}

/// What the mail of an encryption portal carries instead of the message:
/// Microsoft Purview's "Read the message" link, Egress's.
const PORTAL_PATTERNS: [(&str, &str); 2] = [
    (
        r"outlook\.office365\.com/encryption|office365\.com/encryption/retrieve",
        "Microsoft Purview Message Encryption's portal",
    ),
    (r"switch\.egress\.com|egress\.com/ui/", "the Egress portal"),
];

// Found in any letter case, without copying the text to lower case.
fn portal_marker(pattern: &str) -> Regex {
    Regex::new(&format!("(?i){pattern}")).expect("a fixed pattern")
}

static PORTAL_MARKERS: LazyLock<[(Regex, &str); 2]> =
    LazyLock::new(|| PORTAL_PATTERNS.map(|(pattern, what)| (portal_marker(pattern), what)));

/// Any of [`PORTAL_MARKERS`].
static ANY_PORTAL_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    let any: Vec<&str> = PORTAL_PATTERNS
        .iter()
        .map(|(pattern, _)| *pattern)
        .collect();
    portal_marker(&any.join("|"))
});

/// How a part holding an encrypted message is encrypted: S/MIME's
/// `smime.p7m` (`application/pkcs7-mime`), Purview's `message.rpmsg`. A
/// signature beside a message (`application/pkcs7-signature`) is none.
fn encryption_of(content_type: &str, name: Option<&str>) -> Option<&'static str> {
    let ct = content_type.to_ascii_lowercase();
    let name = name.map(str::to_ascii_lowercase);
    let ends = |suffix: &str| name.as_deref().is_some_and(|n| n.ends_with(suffix));
    if ct.contains("pkcs7-mime") || ends(".p7m") {
        Some("S/MIME")
    } else if ct.contains("rpmsg") || ends(".rpmsg") {
        Some("Microsoft Purview Message Encryption")
    } else {
        None
    }
}

/// S/MIME and Purview parts: the message is encrypted, which
/// `encrypted` says; they are not documents to read.
fn is_encrypted_part(content_type: &str, name: Option<&str>) -> bool {
    let ct = content_type.to_ascii_lowercase();
    ct.contains("pkcs7")
        || ct.contains("rpmsg")
        || name.is_some_and(|n| {
            let n = n.to_ascii_lowercase();
            n.ends_with(".p7m") || n.ends_with(".rpmsg")
        })
}

#[cfg(test)]
mod tests;
