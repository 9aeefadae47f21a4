//! What a message's headers say: who sent it, what it answers, whether it
//! returns one of the gateway's mails, and the headers a verdict on its
//! sender is read from. Read as written, in the order they stand.

use super::MAX_THREAD_IDS;
use crate::core::address::EmailAddress;
use crate::core::case_ref::CaseRef;
use crate::core::classify::{gateway_case_ref, HeaderFacts};
use crate::core::sender::SenderHeaders;
use mail_parser::{HeaderName, HeaderValue, Message, MimeHeaders};
use std::sync::LazyLock;

/// The headers the sender's verdict is read from, each in the order they
/// stand (`header_raw` would give the last). Those of an attached message
/// are not the message's.
pub(super) fn sender_headers(message: &Message<'_>) -> SenderHeaders {
    let Some(part) = message.parts.first() else {
        return SenderHeaders::default();
    };
    let raw = |header: &mail_parser::Header<'_>| {
        message
            .raw_message
            .get(header.offset_start as usize..header.offset_end as usize)
            .map(|v| String::from_utf8_lossy(v).into_owned())
    };
    let named = |name: &str| -> Vec<String> {
        part.headers
            .iter()
            .filter(|h| h.name.as_str().eq_ignore_ascii_case(name))
            .filter_map(raw)
            .collect()
    };
    SenderHeaders {
        authentication_results: named("Authentication-Results"),
        exchange_auth_as: named("X-MS-Exchange-Organization-AuthAs")
            .into_iter()
            .next()
            .map(|v| v.trim().to_string()),
    }
}

pub(super) fn header_text(message: &Message<'_>, name: &HeaderName<'static>) -> Option<String> {
    match message.header(name.clone())? {
        HeaderValue::Text(t) => Some(t.to_string()),
        HeaderValue::TextList(list) => Some(list.join(", ")),
        _ => message
            .header_raw(name.clone())
            .map(|r| r.trim().to_string()),
    }
}

/// The headers [`header_facts`] looks up by name, each name read once:
/// a lookup by `&str` lower-cases the name into a new string and looks
/// it up again on every call, for every message.
struct Names {
    return_path: HeaderName<'static>,
    auto_submitted: HeaderName<'static>,
    x_autoreply: HeaderName<'static>,
    x_autorespond: HeaderName<'static>,
    precedence: HeaderName<'static>,
    rules_loop: HeaderName<'static>,
    list_id: HeaderName<'static>,
}

static NAMES: LazyLock<Names> = LazyLock::new(|| Names {
    return_path: HeaderName::from("Return-Path"),
    auto_submitted: HeaderName::from("Auto-Submitted"),
    x_autoreply: HeaderName::from("X-Autoreply"),
    x_autorespond: HeaderName::from("X-Autorespond"),
    precedence: HeaderName::from("Precedence"),
    rules_loop: HeaderName::from("X-MS-Exchange-Inbox-Rules-Loop"),
    list_id: HeaderName::from("List-Id"),
});

/// The Message-IDs of an `In-Reply-To` or `References` header, at most
/// `keep` of them: the first ones, or the last (the most recent) when
/// `latest` is set.
pub(super) fn id_list(value: &HeaderValue<'_>, keep: usize, latest: bool) -> Vec<String> {
    match value {
        HeaderValue::Text(t) if keep > 0 => vec![format!("<{t}>")],
        HeaderValue::TextList(list) => {
            let skip = if latest {
                list.len().saturating_sub(keep)
            } else {
                0
            };
            list.iter()
                .skip(skip)
                .take(keep)
                .map(|t| format!("<{t}>"))
                .collect()
        }
        _ => Vec::new(),
    }
}

pub(super) fn header_facts(message: &Message<'_>) -> HeaderFacts {
    let names = &*NAMES;
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
        .header_raw(names.return_path.clone())
        .is_some_and(|r| r.trim() == "<>" || r.trim().is_empty());
    let in_reply_to = id_list(message.in_reply_to(), MAX_THREAD_IDS, false);
    let references = id_list(
        message.references(),
        MAX_THREAD_IDS - in_reply_to.len(),
        true,
    );
    // The first From header (mail-parser's `from()` gives the last).
    let first_from = message
        .parts
        .first()
        .and_then(|part| {
            part.headers
                .iter()
                .find(|h| h.name == mail_parser::HeaderName::From)
        })
        .and_then(|h| h.value.as_address())
        .and_then(|a| a.first());
    HeaderFacts {
        subject: message.subject().map(str::to_string),
        from_address: first_from.and_then(|a| a.address()).map(str::to_string),
        from_name: first_from.and_then(|a| a.name()).map(str::to_string),
        auto_submitted: header_text(message, &names.auto_submitted),
        x_autoreply: message.header_raw(names.x_autoreply.clone()).is_some(),
        x_autorespond: message.header_raw(names.x_autorespond.clone()).is_some(),
        precedence: header_text(message, &names.precedence),
        exchange_rules_loop: message.header_raw(names.rules_loop.clone()).is_some(),
        list_id: message.header_raw(names.list_id.clone()).is_some(),
        delivery_status_report,
        null_return_path,
        in_reply_to,
        references,
    }
}

/// What a bounce says of the gateway mail it returns.
#[derive(Default)]
pub(super) struct Returned {
    /// The gateway's own Message-ID among the returned headers.
    pub(super) message_id: Option<String>,
    /// Its case, from the returned Message-ID, In-Reply-To or Subject.
    pub(super) case_ref: Option<CaseRef>,
    /// The recipients a delivery status report says failed for good.
    pub(super) failed_recipients: Vec<EmailAddress>,
    /// Each of them with its `Status` and `Diagnostic-Code`, as written.
    pub(super) reports: Vec<RecipientReport>,
}

/// One failed recipient's block of a delivery status report.
#[derive(Clone, Debug, Default)]
pub(super) struct RecipientReport {
    pub(super) address: Option<EmailAddress>,
    pub(super) failed: bool,
    pub(super) status: Option<String>,
    pub(super) diagnostic: Option<String>,
}

impl Returned {
    fn close(&mut self, block: &mut RecipientReport) {
        let block = std::mem::take(block);
        if let (Some(who), true) = (&block.address, block.failed) {
            if !self.failed_recipients.contains(who) {
                self.failed_recipients.push(who.clone());
                self.reports.push(block);
            }
        }
    }
}

/// Reads the returned headers (`message/rfc822`, `text/rfc822-headers`, or
/// quoted inline) in one pass over the raw bounce.
pub(super) fn returned_mail(message: &Message<'_>, status_report: bool) -> Returned {
    let text = String::from_utf8_lossy(message.raw_message.as_ref());
    let mut found = Returned::default();
    // Only a delivery status report (RFC 3464) names who failed: one block
    // per recipient, `Final-Recipient: rfc822; addr` and `Action: failed`,
    // with its `Status` and `Diagnostic-Code` (which may be folded).
    let mut block = RecipientReport::default();
    let mut in_diagnostic = false;
    for line in text.lines() {
        if status_report && in_diagnostic && line.starts_with([' ', '\t']) {
            if let Some(d) = block.diagnostic.as_mut() {
                if d.len() < 1000 {
                    d.push(' ');
                    d.push_str(line.trim());
                }
            }
            continue;
        }
        in_diagnostic = false;
        if line.trim().is_empty() {
            if status_report && block.address.is_some() {
                found.close(&mut block);
            }
            continue;
        }
        let Some((name, value)) = line.trim().split_once(':') else {
            continue;
        };
        let value = value.trim();
        if status_report {
            if name.eq_ignore_ascii_case("final-recipient")
                || (name.eq_ignore_ascii_case("original-recipient") && block.address.is_none())
            {
                if name.eq_ignore_ascii_case("final-recipient") && block.address.is_some() {
                    found.close(&mut block);
                }
                block.address = value
                    .split_once(';')
                    .map_or(value, |(_, a)| a)
                    .trim()
                    .trim_matches(['<', '>'])
                    .parse::<String>()
                    .ok()
                    .and_then(|a| EmailAddress::parse(&a).ok());
            } else if name.eq_ignore_ascii_case("action") && block.address.is_some() {
                block.failed = value.eq_ignore_ascii_case("failed");
            } else if name.eq_ignore_ascii_case("status") && block.address.is_some() {
                block.status = Some(value.chars().take(40).collect());
            } else if name.eq_ignore_ascii_case("diagnostic-code") && block.address.is_some() {
                block.diagnostic = Some(value.chars().take(1000).collect());
                in_diagnostic = true;
            }
        }
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
        if found.message_id.is_some() && found.case_ref.is_some() && !status_report {
            break;
        }
    }
    if status_report {
        found.close(&mut block);
    }
    found
}
