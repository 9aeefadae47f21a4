//! From the raw bytes of one email to what it means: its kind, the case it
//! concerns, and the referral it carries. A function over bytes, with no
//! I/O, so that every behaviour can be tested on a folder of `.eml` files.

use crate::core::address::EmailAddress;
use crate::core::authority::{Authorities, Authority};
use crate::core::case_ref::CaseRef;
use crate::core::classify::{classify, gateway_case_ref, HeaderFacts, Kind};
use crate::core::form::{read_form, FormReading};
use crate::core::referral::{interpret, ReadReferral, ReadingContext};
use crate::html::html_to_lines;
use chrono::{DateTime, NaiveDate, Utc};
use mail_parser::{HeaderValue, Message, MessageParser, MimeHeaders, PartType};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Messages larger than this are recorded and quarantined unread.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 25 * 1024 * 1024;

/// A file attached to a message: listed, never read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Attachment {
    pub name: Option<String>,
    pub content_type: String,
    pub bytes: usize,
}

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
    /// For a forwarded referral, who sent it before it was forwarded.
    pub original_sender: Option<EmailAddress>,
    pub recipients: Vec<EmailAddress>,
    pub attachments: Vec<Attachment>,
    /// Mailing-list traffic (`List-Id`, `Precedence: list`).
    pub is_list: bool,
    /// The subject is just `form` or `template`: a request for the blank form.
    pub asks_for_form: bool,
    /// For a bounce: the Message-ID of the gateway's mail it returns.
    pub returned_message_id: Option<String>,
    /// Why the message could not be read, when it could not.
    pub problem: Option<String>,
}

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
    fn unreadable(problem: String) -> Self {
        Analysis {
            kind: Kind::Other,
            message_id: None,
            case_ref: None,
            referral: None,
            sent_at: None,
            from: None,
            original_sender: None,
            recipients: Vec::new(),
            attachments: Vec::new(),
            is_list: false,
            asks_for_form: false,
            returned_message_id: None,
            problem: Some(problem),
        }
    }

    /// The JSON object of the `parse` contract (referral-template.md).
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
        }
        out.insert("message_id".into(), json!(self.message_id));
        out.insert(
            "case_ref".into(),
            json!(self.case_ref.as_ref().map(|r| r.to_string())),
        );
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
    match catch_unwind(AssertUnwindSafe(|| analyse_unchecked(raw, ctx))) {
        Ok(analysis) => analysis,
        Err(_) => Analysis::unreadable("the message's MIME structure could not be read".into()),
    }
}

fn analyse_unchecked(raw: &[u8], ctx: &Context<'_>) -> Analysis {
    let Some(message) = MessageParser::default().parse(raw) else {
        return Analysis::unreadable("not an email message".into());
    };
    let facts = header_facts(&message);
    let sent_at = message
        .date()
        .and_then(|d| DateTime::from_timestamp(d.to_timestamp(), 0));
    let sent_on = sent_at
        .map(|t| t.with_timezone(&chrono_tz::Europe::London).date_naive())
        .unwrap_or(ctx.today);

    let mut renderings = Vec::new();
    let mut attachments = Vec::new();
    let mut nested_senders = Vec::new();
    collect(
        &message,
        &mut renderings,
        &mut attachments,
        &mut nested_senders,
        0,
    );

    // The rendering that reads best: most values, then the heading; the
    // first (the plain text) on a tie.
    let best = renderings
        .iter()
        .enumerate()
        .max_by_key(|(i, r)| (r.values.len(), r.heading, std::cmp::Reverse(*i)))
        .map(|(_, r)| r);

    let looks_like_referral = best.is_some_and(|r| r.is_referral());
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

    let referral = match (kind, best) {
        (Kind::Referral, Some(rendering)) => Some(interpret(
            rendering,
            &ReadingContext {
                sent_on,
                authorities: ctx.authorities,
                receiving_authority: receiving,
            },
        )),
        _ => None,
    };

    let returned = if kind == Kind::Bounce {
        returned_mail(&message)
    } else {
        Returned::default()
    };
    let case_ref = facts.case_ref().or(returned.case_ref);
    let original_sender = best
        .and_then(|r| r.forwarded_from.clone())
        .or_else(|| nested_senders.into_iter().next());

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
        original_sender,
        recipients,
        attachments,
        is_list: facts.is_list(),
        asks_for_form: facts.subject.as_deref().is_some_and(|subject| {
            let subject = subject
                .trim()
                .trim_end_matches(['.', '?', '!'])
                .to_ascii_lowercase();
            subject == "form" || subject == "template"
        }),
        returned_message_id: returned.message_id,
        problem: None,
    }
}

/// Nested messages deeper than this are not read (they are still listed).
const MAX_NESTING: usize = 3;

fn collect(
    message: &Message<'_>,
    renderings: &mut Vec<FormReading>,
    attachments: &mut Vec<Attachment>,
    nested_senders: &mut Vec<EmailAddress>,
    depth: usize,
) {
    let text: Vec<&str> = message
        .text_body
        .iter()
        .filter_map(|&i| match &message.parts.get(i as usize)?.body {
            PartType::Text(t) => Some(t.as_ref()),
            _ => None,
        })
        .collect();
    if !text.is_empty() {
        renderings.push(read_form(&text.join("\n")));
    }
    let html: Vec<String> = message
        .html_body
        .iter()
        .filter_map(|&i| match &message.parts.get(i as usize)?.body {
            PartType::Html(h) => Some(html_to_lines(h)),
            _ => None,
        })
        .collect();
    if !html.is_empty() {
        renderings.push(read_form(&html.join("\n")));
    }
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
                    nested_senders.push(from);
                }
                collect(nested, renderings, attachments, nested_senders, depth + 1);
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
        attachments.push(Attachment {
            name: part.attachment_name().map(str::to_string),
            content_type,
            bytes: part.contents().len(),
        });
    }
}

fn header_text(message: &Message<'_>, name: &str) -> Option<String> {
    match message.header(name)? {
        HeaderValue::Text(t) => Some(t.to_string()),
        HeaderValue::TextList(list) => Some(list.join(", ")),
        _ => message.header_raw(name).map(|r| r.trim().to_string()),
    }
}

fn id_list(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => vec![format!("<{t}>")],
        HeaderValue::TextList(list) => list.iter().map(|t| format!("<{t}>")).collect(),
        _ => Vec::new(),
    }
}

fn header_facts(message: &Message<'_>) -> HeaderFacts {
    let content_type = message.content_type();
    let delivery_status_report = content_type.is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct
                .attribute("report-type")
                .is_some_and(|r| r.eq_ignore_ascii_case("delivery-status"))
    });
    let null_return_path = message
        .header_raw("Return-Path")
        .is_some_and(|r| r.trim() == "<>" || r.trim().is_empty());
    HeaderFacts {
        subject: message.subject().map(str::to_string),
        from_address: message
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(str::to_string),
        auto_submitted: header_text(message, "Auto-Submitted"),
        x_autoreply: message.header_raw("X-Autoreply").is_some(),
        x_autorespond: message.header_raw("X-Autorespond").is_some(),
        precedence: header_text(message, "Precedence"),
        exchange_rules_loop: message
            .header_raw("X-MS-Exchange-Inbox-Rules-Loop")
            .is_some(),
        list_id: message.header_raw("List-Id").is_some(),
        delivery_status_report,
        null_return_path,
        in_reply_to: id_list(message.in_reply_to()),
        references: id_list(message.references()),
    }
}

/// What a bounce says of the gateway mail it returns.
#[derive(Default)]
struct Returned {
    /// The gateway's own Message-ID among the returned headers.
    message_id: Option<String>,
    /// Its case, from the returned Message-ID, In-Reply-To or Subject.
    case_ref: Option<CaseRef>,
}

/// Reads the returned headers (`message/rfc822`, `text/rfc822-headers`, or
/// quoted inline) in one pass over the raw bounce.
fn returned_mail(message: &Message<'_>) -> Returned {
    let text = String::from_utf8_lossy(message.raw_message.as_ref());
    let mut found = Returned::default();
    for line in text.lines() {
        let Some((name, value)) = line.trim().split_once(':') else {
            continue;
        };
        let value = value.trim();
        let is_id = name.eq_ignore_ascii_case("message-id");
        if is_id && found.message_id.is_none() && value.starts_with("<dtr.") {
            found.message_id = value.split_whitespace().next().map(str::to_string);
        }
        if found.case_ref.is_none() {
            found.case_ref = if is_id || name.eq_ignore_ascii_case("in-reply-to") {
                value.split_whitespace().find_map(gateway_case_ref)
            } else if name.eq_ignore_ascii_case("subject") {
                CaseRef::find_in(value)
            } else {
                None
            };
        }
        if found.message_id.is_some() && found.case_ref.is_some() {
            break;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
