//! From the raw bytes of one email to what it means: its kind, the case it
//! concerns, and the referral it carries. A function over bytes, with no
//! I/O, so that every behaviour can be tested on a folder of `.eml` files.

use crate::core::address::EmailAddress;
use crate::core::authority::{Authorities, Authority};
use crate::core::case_ref::CaseRef;
use crate::core::classify::{classify, Kind};
use crate::core::field::Field;
use crate::core::form::{read_form, FormReading};
use crate::core::referral::{interpret, ReadReferral, ReadingContext};
use crate::core::reply::{read_answer, AnswerReading};
use crate::core::sender::SenderHeaders;
use crate::core::sources::{read_forms, FormSource};
use crate::documents::{read_document_in, DocumentKind, Limits, LIMITS};
use crate::html::html_to_lines;
use chrono::{DateTime, NaiveDate, Utc};
use mail_parser::{Encoding, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use regex::Regex;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::LazyLock;

mod headers;
mod structure;

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
    let mut attachments = Vec::new();
    let mut nested_senders = Vec::new();
    let mut documents = Vec::new();
    let mut time_left = document_time;
    collect(
        &message,
        &mut Found {
            renderings: &mut renderings,
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
    let mut body_text: Option<String> = quotes_gateway.then(|| readable_text(&message));
    // A message that quotes the gateway's own mail is read for a form in
    // its own words above the quote first; the quote counts only for what
    // was filled in there (the gateway's placeholders count as empty), so
    // its mail quoted back by an auto-responder is never a referral.
    let own_reading = body_text
        .as_deref()
        .map(|text| read_form(&crate::core::reply::own_text(text)));
    // Beside the gateway's mail, the form's heading alone (its blank form
    // quoted back) makes no referral: something must be filled in.
    // Nor does a form with nothing typed into it anywhere, quoted or not:
    // a blank form sent back is answered as such (`blank_form_back`).
    let is_form = |reading: &FormReading| typed(reading);
    let best = match &own_reading {
        Some(own) if is_form(own) => Some(own.clone()),
        _ => best.cloned(),
    };
    let best = best.as_ref();
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
        // A covering note that names the person (`Full name: ...`, too
        // few labels to be a form of its own) beside an attached form
        // counts too: a different name there is asked about, not dropped.
        let names_person = |r: &&FormReading| {
            !quotes_gateway
                && document.is_some()
                && [
                    Field::FullName,
                    Field::DateOfBirth,
                    Field::PrisonNumber,
                    Field::Crn,
                ]
                .iter()
                .any(|f| r.values.contains_key(f))
        };
        let forms: Vec<(FormSource, &FormReading)> = body_form
            .or_else(|| best.filter(names_person))
            .map(|body| (FormSource::Body, body))
            .into_iter()
            .chain(
                documents
                    .iter()
                    .filter(|d| typed(&d.reading))
                    .map(|d| (FormSource::Attachment(d.name.clone()), &d.reading)),
            )
            .collect();
        match read_forms(&forms, &reading_context) {
            Some((read, source)) => (Some(read), Some(source)),
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
        body_text = Some(readable_text(&message));
    }
    let body_text = body_text.unwrap_or_default();
    // An answer carrying a form of its own (a completed referral sent in
    // reply to the incomplete mail, say): the form above the quote.
    let own_form = match kind {
        Kind::Reply => {
            let own = match &own_reading {
                Some(own) => own.clone(),
                None => read_form(&crate::core::reply::own_text(&body_text)),
            };
            if is_form(&own) {
                Some(interpret(&own, &reading_context))
            } else {
                // A completed form sent attached to an answer.
                document.map(|d| interpret(&d.reading, &reading_context))
            }
        }
        _ => None,
    };
    let filled_in = if may_answer {
        let own = match &own_reading {
            Some(own) => own.clone(),
            None => read_form(&crate::core::reply::own_text(&body_text)),
        };
        let filled = if !own.values.is_empty() {
            Some(own)
        } else if let Some(document) = document {
            Some(document.reading.clone())
        } else if quotes_gateway {
            best.cloned()
        } else {
            None
        };
        filled
            .filter(|r| !r.values.is_empty())
            .map(|r| interpret(&r, &reading_context))
    } else {
        None
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
                String::new()
            } else {
                crate::core::reply::own_text(&readable_text(&message))
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

/// A form is a referral by its heading or labels and something typed into
/// it: what the gateway adds itself (the authority the mail was sent to)
/// is no one's answer, and a form without values is no referral.
fn typed(reading: &FormReading) -> bool {
    reading.is_referral() && !reading.values.is_empty()
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
    let portal = PORTAL_MARKERS
        .iter()
        .find_map(|(marker, what)| texts().any(|text| marker.is_match(text)).then_some(*what));
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
static PORTAL_MARKERS: LazyLock<[(Regex, &str); 2]> = LazyLock::new(|| {
    // Found in any letter case, without copying the text to lower case.
    let marker = |pattern: &str| Regex::new(&format!("(?i){pattern}")).expect("a fixed pattern");
    [
        (
            marker(r"outlook\.office365\.com/encryption|office365\.com/encryption/retrieve"),
            "Microsoft Purview Message Encryption's portal",
        ),
        (
            marker(r"switch\.egress\.com|egress\.com/ui/"),
            "the Egress portal",
        ),
    ]
});

/// Nested messages deeper than this are not read (they are still listed).
const MAX_NESTING: usize = 3;

/// What reading a message's parts gathers.
struct Found<'a> {
    renderings: &'a mut Vec<FormReading>,
    attachments: &'a mut Vec<Attachment>,
    nested_senders: &'a mut Vec<EmailAddress>,
    documents: &'a mut Vec<DocumentForm>,
    /// What is left of the message's time for its documents.
    time_left: &'a mut std::time::Duration,
}

/// The name an attached message without a file name goes by in the path
/// of a document attached to it.
const UNNAMED_MESSAGE: &str = "(attached message)";

/// Reads a message's text and its attachments. `path` names the attached
/// message it is (`fwd.eml/`), empty for the message itself: a document
/// in it goes by its path (`fwd.eml/DTR referral.docx`).
fn collect(message: &Message<'_>, found: &mut Found<'_>, depth: usize, path: &str) {
    collect_text(message, found);
    collect_attachments(message, found, depth, path);
}

/// A message's own text (plain and HTML) as renderings of its form.
fn collect_text(message: &Message<'_>, found: &mut Found<'_>) {
    let text: Vec<&str> = message
        .text_body
        .iter()
        .filter_map(|&i| match &message.parts.get(i as usize)?.body {
            PartType::Text(t) => Some(t.as_ref()),
            _ => None,
        })
        .collect();
    match text.as_slice() {
        [] => {}
        [one] => found.renderings.push(read_form(one)),
        _ => found.renderings.push(read_form(&text.join("\n"))),
    }
    let html: Vec<String> = message
        .html_body
        .iter()
        .filter_map(|&i| match &message.parts.get(i as usize)?.body {
            PartType::Html(h) => Some(html_to_lines(h)),
            _ => None,
        })
        .collect();
    match html.as_slice() {
        [] => {}
        [one] => found.renderings.push(read_form(one)),
        _ => found.renderings.push(read_form(&html.join("\n"))),
    }
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
                let name_in_path = format!("{path}{}", name.as_deref().unwrap_or_default());
                let read = if kind == DocumentKind::Email {
                    read_attached_email(&bytes, found, depth, name_in_path)
                } else {
                    let started = std::time::Instant::now();
                    let read = read_document_in(kind, &bytes, charset, &limits);
                    *found.time_left = found.time_left.saturating_sub(started.elapsed());
                    read.map(|text| {
                        found.documents.push(DocumentForm {
                            name: name_in_path,
                            reading: read_form(&text),
                        })
                    })
                    .map_err(|e| e.to_string())
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
        let name = if name.is_empty() {
            UNNAMED_MESSAGE
        } else {
            &name
        };
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
fn attached_bytes<'a>(message: &'a Message<'_>, part: &'a MessagePart<'_>) -> Cow<'a, [u8]> {
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
mod tests {
    use super::*;
    use crate::core::test_support::mime_base64 as base64;

    #[test]
    fn html_tables_become_label_value_lines() {
        let html = "<table><tr><td><p>Full name</p></td><td><p>Sam Example</p></td></tr>\
            <tr><td>Reason at risk of homelessness:</td><td><p>First part</p><p>second part</p></td></tr>\
            <tr><td>Prison</td><td></td></tr></table><p>Kind regards</p>";
        let text = html_to_lines(html);
        let reading = read_form(&text);
        use crate::core::field::Field;
        assert_eq!(reading.values[&Field::FullName], "Sam Example", "{text}");
        assert_eq!(
            reading.values[&Field::HomelessnessReason],
            "First part second part"
        );
        assert!(!reading.values.contains_key(&Field::CurrentLocation));
    }

    #[test]
    fn documents_past_the_message_time_budget_are_set_aside_with_the_reason() {
        let (config, _) = crate::config::Config::embedded().expect("embedded config");
        let ctx = Context {
            authorities: &config.authorities,
            receiving_authority: None,
            today: NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"),
            max_bytes: DEFAULT_MAX_MESSAGE_BYTES,
        };
        let raw = format!(
            "{HEAD}Content-Type: multipart/mixed; boundary=\"p\"\r\n\r\n--p\r\nContent-Type: text/plain\r\n\r\nplease find attached\r\n--p\r\nContent-Type: text/plain; name=\"form.txt\"\r\nContent-Disposition: attachment; filename=\"form.txt\"\r\n\r\n{FORM}\r\n--p--\r\n"
        );
        let read = analyse_within(raw.as_bytes(), &ctx, std::time::Duration::ZERO);
        assert_eq!(read.kind, Kind::Other);
        assert_eq!(
            read.attachments
                .iter()
                .filter_map(|a| a.unread.as_deref())
                .collect::<Vec<_>>(),
            vec!["not read: the message's time budget is spent"]
        );
        // With time left, the attached form is read.
        let read = analyse_within(raw.as_bytes(), &ctx, MESSAGE_DOCUMENT_TIME);
        assert_eq!(read.kind, Kind::Referral);
    }

    fn analysed(raw: &[u8]) -> Analysis {
        let (config, _) = crate::config::Config::embedded().expect("embedded config");
        let ctx = Context {
            authorities: &config.authorities,
            receiving_authority: None,
            today: NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"),
            max_bytes: DEFAULT_MAX_MESSAGE_BYTES,
        };
        analyse(raw, &ctx)
    }

    /// On a thread with the 2 MiB stack tokio gives its workers: an
    /// overflow there aborts the daemon, which no panic guard catches.
    fn analysed_on_small_stack(raw: Vec<u8>) -> Analysis {
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || analysed(&raw))
            .expect("thread")
            .join()
            .expect("no panic")
    }

    const HEAD: &str = "From: Jo <jo@justice.gov.uk>\r\nTo: dutytorefer@colchester.gov.uk\r\n\
        Subject: Referral\r\nMessage-ID: <x@justice.gov.uk>\r\nMIME-Version: 1.0\r\n";
    const FORM: &str = "DUTY TO REFER REFERRAL\r\nFull name: Hidden Person\r\n\
        Date of birth: 14/07/1988\r\nPrison number: A1234BC\r\nConsent to referral: Yes\r\n";

    fn nested_multiparts(levels: usize) -> Vec<u8> {
        let mut raw = HEAD.to_string();
        for i in 0..levels {
            raw += &format!("Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n");
        }
        raw += &format!("Content-Type: text/plain\r\n\r\n{FORM}");
        for i in (0..levels).rev() {
            raw += &format!("\r\n--b{i}--\r\n");
        }
        raw.into_bytes()
    }

    /// One multipart holding `leaves` text parts: `leaves + 1` parts.
    fn many_parts(leaves: usize) -> Vec<u8> {
        let mut raw = format!(
            "{HEAD}Content-Type: multipart/mixed; boundary=\"p\"\r\n\r\n--p\r\nContent-Type: text/plain\r\n\r\n{FORM}"
        );
        for i in 1..leaves {
            raw += &format!("\r\n--p\r\nContent-Type: text/plain\r\n\r\npart {i}");
        }
        raw += "\r\n--p--\r\n";
        raw.into_bytes()
    }

    /// Messages attached one inside another, `levels` deep, the form in
    /// the innermost.
    fn nested_messages(levels: usize) -> String {
        let mut raw = String::from("From: a@justice.gov.uk\r\nSubject: fw\r\n");
        for _ in 0..levels {
            raw += "Content-Type: message/rfc822\r\n\r\nFrom: a@justice.gov.uk\r\n";
        }
        raw + &format!("Content-Type: text/plain\r\n\r\n{FORM}")
    }

    #[test]
    fn a_message_with_too_many_parts_is_not_read() {
        let analysis = analysed(&many_parts(10_000));
        assert_eq!(
            analysis.problem.as_deref(),
            Some("message has 10001 MIME parts, over the limit of 1000")
        );
        assert_eq!(analysis.kind, Kind::Other);
        assert!(analysis.referral.is_none());
        // At the limit (999 texts and their multipart), it is read.
        let analysis = analysed(&many_parts(MAX_MIME_PARTS - 1));
        assert_eq!(analysis.problem, None);
        assert_eq!(analysis.kind, Kind::Referral);
    }

    #[test]
    fn a_referral_hidden_deep_in_multiparts_is_not_read() {
        let analysis = analysed_on_small_stack(nested_multiparts(5000));
        let problem = analysis.problem.expect("a problem");
        assert!(
            problem
                .contains("message has MIME parts nested 5000 levels deep, over the limit of 30"),
            "{problem}"
        );
        assert!(analysis.referral.is_none());
        let analysis = analysed(&nested_multiparts(MAX_MIME_DEPTH));
        assert_eq!(analysis.problem, None);
        assert_eq!(analysis.kind, Kind::Referral);
    }

    #[test]
    fn a_message_attached_too_deep_is_listed_as_not_read() {
        let raw = format!(
            "{HEAD}Content-Type: message/rfc822\r\n\r\n{}",
            nested_messages(MAX_NESTING)
        );
        let analysis = analysed(raw.as_bytes());
        assert_eq!(analysis.problem, None);
        assert_eq!(analysis.kind, Kind::Other);
        assert_eq!(
            analysis
                .attachments
                .iter()
                .filter_map(|a| a.unread.as_deref())
                .collect::<Vec<_>>(),
            vec!["a message attached more than 3 deep: not read"]
        );
    }

    #[test]
    fn messages_attached_thousands_deep_neither_crash_nor_are_read() {
        // In place (message/rfc822, 7bit), once bare and once inside a
        // multipart, then base64 and quoted-printable encoded, which the
        // parser decodes and reads itself: every one would overflow the
        // stack while being parsed or freed.
        let inner = nested_messages(5000);
        let bare = format!("{HEAD}Content-Type: message/rfc822\r\n\r\n{inner}");
        let in_multipart = format!(
            "{HEAD}Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\n\
             Content-Type: message/rfc822\r\n\r\n{inner}\r\n--m--\r\n"
        );
        let encoded = format!(
            "{HEAD}Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\n\
             Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--m--\r\n",
            base64(inner.as_bytes())
        );
        let quoted = format!(
            "{HEAD}Content-Type: message/rfc822\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{}",
            inner.replace("message/rfc822", "=6Dessage/=72fc822")
        );
        // An attached message whose own first part is an encoded message:
        // its body ends at the enclosing multipart's boundary.
        let inside_inline = format!(
            "{HEAD}Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\n\
             Content-Type: message/rfc822\r\n\r\nFrom: b@justice.gov.uk\r\n\
             Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--m--\r\n",
            base64(inner.as_bytes())
        );
        // Spellings of the type the parser reads as message/rfc822 too.
        let spellings = [
            "message/\\rfc822",
            "message/\"RFC822\"",
            "message/(x) rfc822 (y)",
        ];
        for spelling in spellings {
            let sample = format!("Content-Type: {spelling}\r\n\r\nFrom: a@b.c\r\n\r\nhi\r\n");
            let parsed = MessageParser::default()
                .parse(sample.as_bytes())
                .expect("parsed");
            assert!(
                matches!(parsed.parts[0].body, PartType::Message(_)),
                "{spelling} is not read as an attached message"
            );
        }
        let spelt = |spelling: &str| bare.replace("message/rfc822", spelling);
        // The encoding as an encoded word, which the parser decodes.
        let worded = encoded.replace(
            "Content-Transfer-Encoding: base64",
            "Content-Transfer-Encoding: =?us-ascii?q?base64?=",
        );
        for (what, raw) in [
            ("encoding in an encoded word", worded),
            ("backslashed", spelt(spellings[0])),
            ("quoted", spelt(spellings[1])),
            ("commented", spelt(spellings[2])),
            ("bare", bare.clone()),
            ("in a multipart", in_multipart),
            ("base64", encoded),
            ("quoted-printable", quoted),
            ("inside an attached message", inside_inline),
        ] {
            let analysis = analysed_on_small_stack(raw.into_bytes());
            let problem = analysis.problem.unwrap_or_default();
            assert!(
                problem.contains("attached messages, over the limit of 100"),
                "{what}: {problem}"
            );
            assert!(analysis.referral.is_none(), "{what}");
        }
    }

    #[test]
    fn millions_of_tiny_parts_are_counted_before_they_are_parsed() {
        let mut raw = format!("{HEAD}Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n");
        raw += &"--b\r\n\r\nx\r\n".repeat(300_000);
        let analysis = analysed(raw.as_bytes());
        assert_eq!(
            analysis.problem.as_deref(),
            Some("message has up to 300001 MIME parts, over the limit of 1000")
        );
    }

    #[test]
    fn ordinary_forwards_and_attachments_are_still_read() {
        // A referral forwarded as an attachment, itself carrying a base64
        // PDF and a forwarded message of its own, with dashes and the word
        // boundary in its text.
        let pdf = base64(&[0x25; 3000]);
        let forwarded = format!(
            "From: Jo <jo@justice.gov.uk>\r\nSubject: Referral\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"inner\"\r\n\r\n--inner\r\n\
             Content-Type: text/plain\r\n\r\n{FORM}Local connection: lives by the borough boundary\r\n\
             -----Original Message-----\r\n--inner\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{pdf}\r\n--inner\r\n\
             Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--inner--\r\n",
            base64(b"From: x@justice.gov.uk\r\nSubject: older\r\n\r\nolder text\r\n")
        );
        let raw = format!(
            "{HEAD}Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\n\
             Content-Type: text/plain\r\n\r\nPlease see the referral attached.\r\n--outer\r\n\
             Content-Type: message/rfc822\r\n\r\n{forwarded}\r\n--outer--\r\n"
        );
        let analysis = analysed(raw.as_bytes());
        assert_eq!(analysis.problem, None);
        assert_eq!(analysis.kind, Kind::Referral);
    }

    #[test]
    fn the_sender_headers_are_the_messages_own_in_order() {
        let raw = format!(
            "Authentication-Results: mx.one; dmarc=pass\r\nAuthentication-Results: forged; dmarc=fail\r\n\
             X-MS-Exchange-Organization-AuthAs: Internal\r\n{HEAD}Content-Type: text/plain\r\n\r\n{FORM}"
        );
        let analysis = analysed(raw.as_bytes());
        assert_eq!(analysis.sender_headers.authentication_results.len(), 2);
        assert!(analysis.sender_headers.authentication_results[0].contains("mx.one"));
        assert_eq!(
            analysis.sender_headers.exchange_auth_as.as_deref(),
            Some("Internal")
        );
        // Headers of an attached message are not the message's.
        let raw = format!(
            "{HEAD}Content-Type: message/rfc822\r\n\r\nAuthentication-Results: x; dmarc=pass\r\n\
             From: a@justice.gov.uk\r\n\r\nhello\r\n"
        );
        assert!(analysed(raw.as_bytes())
            .sender_headers
            .authentication_results
            .is_empty());
    }

    #[test]
    fn the_gateways_own_mail_quoted_back_is_no_referral() {
        // An auto-responder quotes each of the gateway's mails back inline,
        // under a new subject and without threading headers: none of them
        // reads as a referral (the authority's own notice aside, which goes
        // only to the authority).
        let templates = crate::templates::Templates::load(None).expect("templates");
        for purpose in crate::templates::Purpose::ALL {
            if purpose == crate::templates::Purpose::Notice {
                continue;
            }
            let mail = templates
                .render(purpose, "COL", &crate::templates::sample_data(purpose))
                .expect("renders");
            let raw = format!(
                "From: Auto <office@justice.gov.uk>\r\nTo: dutytorefer@colchester.gov.uk\r\n\
                 Subject: Thank you for your email\r\nMIME-Version: 1.0\r\n\
                 Content-Type: text/plain; charset=utf-8\r\n\r\n\
                 Thank you for your message, which reads:\r\n\r\n{}\r\n",
                mail.text.replace('\n', "\r\n")
            );
            let analysis = analysed(raw.as_bytes());
            assert!(analysis.quotes_gateway, "{purpose}");
            assert_ne!(
                analysis.kind,
                Kind::Referral,
                "{purpose}: {:?}",
                analysis.referral
            );
        }
    }

    #[test]
    fn a_delivery_report_names_who_failed() {
        let raw = "From: MAILER-DAEMON@relay.example\r\nTo: dutytorefer@colchester.gov.uk\r\n\
            Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n\
            Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
            --b\r\nContent-Type: text/plain\r\n\r\nI could not deliver it.\r\n\
            --b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; relay.example\r\n\r\n\
            Final-Recipient: rfc822; gone@justice.gov.uk\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n\
            Final-Recipient: rfc822; slow@justice.gov.uk\r\nAction: delayed\r\nStatus: 4.4.1\r\n\
            --b\r\nContent-Type: text/rfc822-headers\r\n\r\n\
            Message-ID: <dtr.DTR-COL-2026-00001.acknowledgement.ab@dtr-gateway.invalid>\r\n--b--\r\n";
        let analysis = analysed(raw.as_bytes());
        assert_eq!(analysis.kind, Kind::Bounce);
        let failed: Vec<&str> = analysis
            .failed_recipients
            .iter()
            .map(|a| a.as_str())
            .collect();
        assert_eq!(failed, ["gone@justice.gov.uk"]);
        assert!(analysis.returned_message_id.is_some());
    }

    #[test]
    fn a_postfix_report_gives_each_failure_its_reason() {
        // Postfix's own shape: the per-recipient block with a folded
        // Diagnostic-Code, a second recipient blocked by a policy.
        let raw = "Return-Path: <>\r\nFrom: MAILER-DAEMON@mail.colchester.gov.uk (Mail Delivery System)\r\n\
            To: dutytorefer@colchester.gov.uk\r\nSubject: Undelivered Mail Returned to Sender\r\n\
            Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n\
            Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
            --b\r\nContent-Description: Notification\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n\
            This is the mail system at host mail.colchester.gov.uk.\r\n\r\n\
            I'm sorry to have to inform you that your message could not\r\nbe delivered to one or more recipients.\r\n\r\n\
            --b\r\nContent-Description: Delivery report\r\nContent-Type: message/delivery-status\r\n\r\n\
            Reporting-MTA: dns; mail.colchester.gov.uk\r\nX-Postfix-Queue-ID: 4F1A2B3C\r\n\r\n\
            Final-Recipient: rfc822; gone@justice.gov.uk\r\nOriginal-Recipient: rfc822;gone@justice.gov.uk\r\n\
            Action: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; mx.justice.gov.uk\r\n\
            Diagnostic-Code: smtp; 550 5.1.1 <gone@justice.gov.uk>: Recipient address\r\n    rejected: User unknown in virtual mailbox table\r\n\r\n\
            Final-Recipient: rfc822; kim@justice.gov.uk\r\nAction: failed\r\nStatus: 5.7.1\r\n\
            Diagnostic-Code: smtp; 550 5.7.1 Message blocked by data loss prevention policy\r\n\r\n\
            --b\r\nContent-Type: text/rfc822-headers\r\n\r\n\
            Message-ID: <dtr.DTR-COL-2026-00001.chase.ab@dtr-gateway.invalid>\r\n--b--\r\n";
        let analysis = analysed(raw.as_bytes());
        assert_eq!(analysis.kind, Kind::Bounce);
        let reasons: Vec<(&str, &str)> = analysis
            .failures
            .iter()
            .map(|f| (f.address.as_str(), f.kind.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                ("gone@justice.gov.uk", "bounced"),
                ("kim@justice.gov.uk", "blocked")
            ]
        );
        assert!(analysis.failures[0].reason.contains("does not exist"));
    }

    #[test]
    fn a_refusal_written_for_people_names_the_address_it_refused() {
        let raw =
            "Return-Path: <>\r\nFrom: postmaster@cjsm.net\r\nTo: dutytorefer@colchester.gov.uk\r\n\
            Subject: Mail delivery failure\r\nContent-Type: text/plain\r\n\r\n\
            Your message to jo@justice.gov.uk.cjsm.net was refused.\r\n\
            554 5.7.1 CJSM: the sending domain is not classed as secure.\r\n\r\n\
            ------ Original message headers ------\r\n\
            To: jo@justice.gov.uk.cjsm.net, kim@justice.gov.uk.cjsm.net\r\n\
            Message-ID: <dtr.DTR-COL-2026-00001.acknowledgement.ab@dtr-gateway.invalid>\r\n";
        let analysis = analysed(raw.as_bytes());
        assert_eq!(analysis.kind, Kind::Bounce);
        let refused: Vec<&str> = analysis
            .failures
            .iter()
            .map(|f| f.address.as_str())
            .collect();
        assert_eq!(
            refused,
            ["jo@justice.gov.uk.cjsm.net"],
            "not the copied recipient"
        );
        assert!(analysis.failures[0].reason.contains("CJSM"));
        assert!(
            analysis.failed_recipients.is_empty(),
            "no report: nothing fails on the case"
        );
    }
}
