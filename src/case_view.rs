//! One case as an officer reads it, for the `case REF` command and the web
//! view alike: the form's own labels, British dates and UK local times, a
//! header with what matters now, the next deadlines, and a timeline of
//! sentences in time order. The text is plain: each surface escapes it its
//! own way (the terminal's `printable`, HTML's escaping).

use crate::config::Config;
use crate::core::event::EventKind;
use crate::core::field::Field;
use crate::core::ids::OutboxId;
use crate::core::plan::CaseStatus;
use crate::core::protocol::Rag;
use crate::core::referral::ConsentDoubt;
use crate::core::words::{long_date, short_time, spoken_time};
use crate::store::{CaseDetail, CaseMail, Event, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

/// A case, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseView {
    pub reference: String,
    /// The authority's name in full.
    pub authority: String,
    /// `(label, value)`: status, received, leads, what is missing, ...
    pub header: Vec<(String, String)>,
    /// The next deadlines (at most three); none when the case is not open.
    pub deadlines: Option<Vec<DeadlineLine>>,
    /// The form's labels and the referral's values.
    pub referral: Vec<(String, String)>,
    /// `(when, sentence)`, oldest first.
    pub timeline: Vec<(String, String)>,
    /// The case this one is a further referral of (its reference, named in
    /// the header's [`LINKED_TO`] row).
    pub linked_to: Option<String>,
    /// The further referrals of the same person linked to this case (their
    /// references, named in the header's [`FURTHER_REFERRALS`] row).
    pub further_referrals: Vec<String>,
}

/// The header row's label saying when the protocol's clocks started, for
/// a referral received without the person's consent.
pub const DEADLINES_COUNT_FROM: &str = "Deadlines count from";

/// When the case's deadlines count from, when that is later than its
/// receipt (consent came after the referral).
fn clock_started_later(
    case: &CaseDetail,
    received: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    case.clock_from
        .filter(|from| received.is_some_and(|received| *from > received))
}

/// The header row's label naming the case this one is linked to.
pub const LINKED_TO: &str = "Linked to";
/// Why a consent answer was asked again, as the case records its kind
/// (`ConsentDoubt::key`).
fn doubt_words(kind: &str) -> &'static str {
    ConsentDoubt::from_key(kind)
        .unwrap_or(ConsentDoubt::Qualified)
        .said()
}

/// The header row's label saying the first consent answer was asked again.
pub const CONSENT_FIRST_ANSWER: &str = "First consent answer";
/// The header row's label naming the further referrals linked to this one.
pub const FURTHER_REFERRALS: &str = "Further referrals";

/// One of a case's next deadlines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadlineLine {
    pub rag: Rag,
    pub due: NaiveDate,
    pub what: String,
    pub commitment: String,
    /// The follow-ups sent so far, in words (empty when none).
    pub ladder: String,
}

/// The case as its officers read it, its deadlines as of `today`.
pub async fn case_view(
    config: &Config,
    store: &Store,
    case: &CaseDetail,
    today: NaiveDate,
) -> Result<CaseView, StoreError> {
    let s = &case.summary;
    let authority = config.authorities.by_code(&s.authority);
    let received = parse_time(&s.received_at);
    let mut header: Vec<(String, String)> = Vec::new();
    let mut row = |label: &str, value: String| header.push((label.to_string(), value));
    row("Status", status_words(case, received, today));
    if let Some(erased) = unconfirmed_consent_erasure(config, case) {
        row(
            CONSENT_NOT_CONFIRMED,
            format!(
                "unless it is confirmed, the case lapses and the person's details are erased \
                 from {} ({} days after the case was opened)",
                long_date(erased),
                config.retention.unconfirmed_consent_days
            ),
        );
    }
    if let Some(at) = received {
        row("Received", spoken_time(at));
    }
    if let Some(from) = clock_started_later(case, received) {
        row(
            DEADLINES_COUNT_FROM,
            format!(
                "{}, when the person's consent was confirmed",
                spoken_time(from)
            ),
        );
    }
    if let Some(first) = &case.linked_to {
        row(
            LINKED_TO,
            format!("a further referral of the person in {first}"),
        );
    }
    if !case.further_referrals.is_empty() {
        row(
            FURTHER_REFERRALS,
            format!(
                "the person referred again, in {}",
                and_list(&case.further_referrals)
            ),
        );
    }
    row(
        "Council lead officer",
        contact(&case.lha_lead).unwrap_or_else(|| "not named yet".into()),
    );
    row(
        "Case lead",
        contact(&case.case_lead).unwrap_or_else(|| "not named".into()),
    );
    if let Some(until) = case.paused_until {
        row(
            "Paused",
            format!(
                "no reminders, chases or escalations before {}",
                long_date(until)
            ),
        );
    }
    if !case.missing.is_empty() {
        let labels: Vec<&str> = case
            .missing
            .iter()
            .map(|k| Field::from_key(k).map(|f| f.label()).unwrap_or(k))
            .collect();
        row("Still missing", labels.join(", "));
    }
    // Where the form was read, and which forms disagreed, as the case's
    // opening recorded them (the documents' names until a purge).
    let detail_of = |kind: &str| -> Value {
        case.events
            .iter()
            .find(|e| e.kind == kind)
            .and_then(|e| e.detail.as_deref())
            .and_then(|d| serde_json::from_str(d).ok())
            .unwrap_or(Value::Null)
    };
    let form_read = detail_of("form_read");
    if let Some(name) =
        str_of(&form_read, "form_source").and_then(|f| f.strip_prefix("attachment:"))
    {
        row("Form read from", attached_form_words(name));
    }
    let unread: Vec<String> = form_read
        .get("unread")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|document| {
            let name = str_of(document, "name").unwrap_or_default();
            match str_of(document, "why") {
                Some(why) => format!("{} ({why})", attached_form_words(name)),
                None => attached_form_words(name),
            }
        })
        .collect();
    if !unread.is_empty() {
        row(
            "Not read",
            format!("{}: open the mail to see what it says", and_list(&unread)),
        );
    }
    let mut opening = detail_of("referral_received");
    if opening.is_null() {
        opening = detail_of("further_referral_received");
    }
    // The first consent answer was asked again: what the referrer wrote
    // with it (a limit on what may be shared) is in their mail.
    // Or as a mail asking again said, for an answer given in a reply.
    let asked_again_for = case
        .mails
        .iter()
        .filter(|m| m.purpose == "incomplete")
        .find_map(|m| m.context.get("consent_doubt").and_then(Value::as_str));
    if let Some(kind) = opening
        .get("consent_doubt")
        .and_then(Value::as_str)
        .or(asked_again_for)
    {
        let why = doubt_words(kind);
        row(
            CONSENT_FIRST_ANSWER,
            if case.referral.consent == Some(true) {
                format!(
                    "not a plain Yes ({why}), asked again; read the referrer's and the case \
                     lead's mails for any limit on what may be shared before contacting the \
                     person"
                )
            } else {
                format!("not a plain Yes ({why}): asked again")
            },
        );
    }
    // Disagreeing forms hold the case only until the referrer answers:
    // the fields since given, or a case no longer incomplete, are history.
    let given: Vec<Field> = case
        .referral
        .as_form()
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    let conflicts = keys_of(&opening, "conflicts");
    let unsettled: Vec<String> = conflicts
        .iter()
        .filter(|k| !Field::from_key(k).is_some_and(|f| given.contains(&f)))
        .map(|k| label_of(k))
        .collect();
    if s.status == CaseStatus::Incomplete && !unsettled.is_empty() {
        if let Some(disagreement) = disagreement(&unsettled, &form_read) {
            row("Forms disagree", disagreement);
        }
    } else if !conflicts.is_empty() {
        let all: Vec<String> = conflicts.iter().map(|k| label_of(k)).collect();
        row(
            "Forms disagreed",
            format!(
                "{} ({} gave different answers): {}",
                and_list(&all),
                conflicting_forms(&form_read),
                if unsettled.is_empty() {
                    "the referrer's later answer settled it"
                } else {
                    "neither was taken"
                }
            ),
        );
    }
    if let Some(outcome) = &case.outcome {
        let when = case
            .closed_at
            .map(|t| format!(" (closed {})", long_date(crate::core::uk::date(t))))
            .unwrap_or_default();
        row("Outcome", format!("{outcome}{when}"));
    }
    let deadlines = if s.status.is_open() {
        let cases: Vec<_> = store
            .deadline_cases(Some(&s.authority))
            .await?
            .into_iter()
            .filter(|c| c.reference == s.reference)
            .collect();
        let rows = crate::sweep::open_deadlines(config, &cases, today);
        Some(
            rows.iter()
                .take(3)
                .map(|row| DeadlineLine {
                    rag: row.rag,
                    due: row.due.on,
                    what: row.rule.description.clone(),
                    commitment: row.rule.commitment.to_string(),
                    ladder: row.ladder.to_string(),
                })
                .collect(),
        )
    } else {
        None
    };
    let referral = case
        .referral
        .as_form()
        .into_iter()
        .map(|(field, value)| (field.label().to_string(), value))
        .collect();
    // The referral that opened the case is said at the time it was
    // received, as the header says it, even when it was recorded later
    // (released from quarantine, entered by hand): that is said beside it.
    let shown_at = |e: &Event| {
        let recorded = parse_time(&e.at);
        match (opens_case(e.kind), received) {
            (true, Some(received)) => Some(received),
            _ => recorded,
        }
    };
    let mut events: Vec<&Event> = case.events.iter().collect();
    events.sort_by_key(|e| shown_at(e));
    let timeline = events
        .into_iter()
        .map(|e| {
            let at = shown_at(e).map(short_time).unwrap_or_else(|| e.at.clone());
            let mut text = sentence(config, case, e);
            if let (true, Some(received), Some(recorded)) =
                (opens_case(e.kind), received, parse_time(&e.at))
            {
                if short_time(recorded) != short_time(received) {
                    text.push_str(&format!(" (recorded {})", short_time(recorded)));
                }
            }
            (at, text)
        })
        .collect();
    Ok(CaseView {
        reference: s.reference.clone(),
        authority: authority
            .map(|a| a.full_name().to_string())
            .unwrap_or_else(|| s.authority.clone()),
        header,
        deadlines,
        referral,
        timeline,
        linked_to: case.linked_to.clone(),
        further_referrals: case.further_referrals.clone(),
    })
}

pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub fn status_words(
    case: &CaseDetail,
    received: Option<DateTime<Utc>>,
    today: NaiveDate,
) -> String {
    let s = &case.summary;
    let status = match s.status {
        CaseStatus::Incomplete => "Incomplete: waiting for details from the referrer".into(),
        CaseStatus::Refused => "Refused: the person did not consent".into(),
        other => status_label(other).to_string(),
    };
    // Urgency is about what is still to be done: a case no longer open
    // (closed, lapsed, refused) shows its state alone.
    if !s.status.is_open() {
        return status;
    }
    if !s.urgent {
        return format!("{status}, not urgent");
    }
    // Urgent since consent came later: why, as of then (or today).
    let later: Vec<NaiveDate> = case
        .clock_from
        .map(crate::core::uk::date)
        .into_iter()
        .chain([today])
        .collect();
    let reasons = received
        .map(|at| {
            crate::core::urgency::urgent_reasons_since(
                &case.referral,
                crate::core::uk::date(at),
                &later,
            )
        })
        .unwrap_or_default();
    if reasons.is_empty() {
        format!("{status}, URGENT")
    } else {
        format!("{status}, URGENT: {}", reasons.join(" "))
    }
}

/// The header row's label saying when an incomplete case's personal
/// details go if its consent is never confirmed.
pub const CONSENT_NOT_CONFIRMED: &str = "Consent not confirmed";

/// The day from which the purge erases an incomplete case's personal
/// details if its consent is never confirmed (`[retention]
/// unconfirmed_consent_days` after it was opened; the purge of that day or
/// after lapses it); none for a case not incomplete, or whose consent is
/// confirmed.
pub fn unconfirmed_consent_erasure(config: &Config, case: &CaseDetail) -> Option<NaiveDate> {
    if case.summary.status != CaseStatus::Incomplete || case.referral.consent == Some(true) {
        return None;
    }
    let opened = case.opened_at?;
    let days = chrono::Duration::days(i64::from(config.retention.unconfirmed_consent_days));
    Some(crate::core::uk::date(opened.checked_add_signed(days)?))
}

/// A case's status as a word a person reads, in sentence case on every
/// surface (the store's names are lower case).
pub fn status_label(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Open => "Open",
        CaseStatus::Incomplete => "Incomplete",
        CaseStatus::Refused => "Refused",
        CaseStatus::Closed => "Closed",
        CaseStatus::Lapsed => "Lapsed",
    }
}

/// `Name <address>, telephone`, as much of it as is known.
pub fn contact(parts: &[Option<String>; 3]) -> Option<String> {
    let [name, email, phone] = parts;
    let mut text = match (name, email) {
        (Some(n), Some(e)) => format!("{n} <{e}>"),
        (Some(n), None) => n.clone(),
        (None, Some(e)) => e.clone(),
        (None, None) => return None,
    };
    if let Some(p) = phone {
        text.push_str(&format!(", {p}"));
    }
    Some(text)
}

pub fn rag_words(rag: Rag) -> &'static str {
    match rag {
        Rag::Red => "overdue",
        Rag::Amber => "due soon",
        Rag::Green => "on time",
    }
}

pub fn short_day(day: NaiveDate) -> String {
    day.format("%a %-d %b %Y").to_string()
}

/// A mail's purpose, as a person calls it.
pub fn mail_words(purpose: &str) -> &str {
    match purpose {
        "acknowledgement" => "Acknowledgement",
        "incomplete" => "Request for the missing details",
        "no_consent" => "Answer to a referral without consent",
        "blank_form" => "Blank referral form",
        "notice" => "Notice of the referral",
        "quarantine_notice" => "Notice of a message set aside",
        "reminder" => "Reminder",
        "chase" => "Chase",
        "escalation" => "Escalation",
        "lead_changed" => "Notice of a new lead officer",
        "lead_change_pending" => "Question about a change of case lead",
        "unreadable_answer" => "Answer that could not be read",
        "digest" => "Morning digest",
        "contact_failed" => "Notice of mail that did not arrive",
        "information_requested" => "Request for information",
        "consent_withdrawn" => "Question to the council: consent withdrawn?",
        "withdrawal_confirmed" => {
            "Notice to the referring side: referral closed, consent withdrawn"
        }
        "consent_lapsed" => "Notice to the referrer: referral lapsed, consent not confirmed",
        "case_reopened" => "Notice to the referring side: referral open again",
        other => other,
    }
}

/// Recipients in words: the authority's inbox by its name.
fn recipients(config: &Config, case: &CaseDetail, to: &[String]) -> String {
    let authority = config.authorities.by_code(&case.summary.authority);
    let named: Vec<String> = to
        .iter()
        .map(|a| match authority {
            Some(auth) if auth.inbox.as_str().eq_ignore_ascii_case(a) => {
                format!("the {} inbox", auth.name)
            }
            _ => a.clone(),
        })
        .collect();
    named.join(", ")
}

fn str_of<'a>(detail: &'a Value, key: &str) -> Option<&'a str> {
    detail.get(key).and_then(Value::as_str)
}

/// `(commitment 10, due 14 Dec)` for a mail or step about a deadline.
fn about_deadline(deadline: &Value) -> String {
    let commitment = deadline.get("commitment").map(|c| {
        c.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| c.to_string())
    });
    let due = str_of(deadline, "due")
        .and_then(|d| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .ok()
                .map(|d| d.format("%-d %b").to_string())
                .or_else(|| Some(d.to_string()))
        })
        .or_else(|| str_of(deadline, "due_short").map(str::to_string));
    match (commitment, due) {
        (Some(c), Some(d)) => format!(" (commitment {c}, due {d})"),
        (Some(c), None) => format!(" (commitment {c})"),
        (None, Some(d)) => format!(" (due {d})"),
        (None, None) => String::new(),
    }
}

/// An attached document, as an officer looks for it in the mail.
fn attached_form_words(name: &str) -> String {
    if name.trim().is_empty() {
        "an attachment without a name".into()
    } else {
        format!("the attachment \"{name}\"")
    }
}

/// The forms that disagreed, in words: `the form in the email's text and
/// the attachment "DTR referral.docx"`.
fn conflicting_forms(form_read: &Value) -> String {
    let forms: Vec<String> = form_read
        .get("conflicting_forms")
        .and_then(Value::as_array)
        .map(|all| {
            all.iter()
                .filter_map(Value::as_str)
                .map(|f| match f.strip_prefix("attachment:") {
                    Some(name) => attached_form_words(name),
                    None => "the form in the email's text".to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    if forms.is_empty() {
        // Erased with the case's details.
        "the message's forms".to_string()
    } else {
        and_list(&forms)
    }
}

/// The fields the message's forms answered differently, and which forms
/// they were. None when they agreed.
fn disagreement(fields: &[String], form_read: &Value) -> Option<String> {
    if fields.is_empty() {
        return None;
    }
    Some(format!(
        "{} ({} give different answers): neither was taken, and the referral is \
         incomplete until the referrer says which is right",
        and_list(fields),
        conflicting_forms(form_read)
    ))
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn labels_of(detail: &Value, key: &str) -> Vec<String> {
    keys_of(detail, key).iter().map(|k| label_of(k)).collect()
}

/// The field keys a detail lists under `key`.
fn keys_of(detail: &Value, key: &str) -> Vec<String> {
    detail
        .get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// A field's label, from its key (the key itself when unknown).
fn label_of(key: &str) -> String {
    Field::from_key(key)
        .map(|f| f.label().to_string())
        .unwrap_or_else(|| key.to_string())
}

fn day_words(detail: &Value, key: &str) -> Option<String> {
    str_of(detail, key)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map(long_date)
}

fn lead_words(detail: &Value) -> String {
    let parts = [
        str_of(detail, "name").map(str::to_string),
        str_of(detail, "email").map(str::to_string),
        str_of(detail, "phone").map(str::to_string),
    ];
    contact(&parts).unwrap_or_else(|| "someone unnamed".into())
}

/// Whether an event is the referral that opened its case.
fn opens_case(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::ReferralReceived
            | EventKind::FurtherReferralReceived
            | EventKind::ReferralRefusedNoConsent
    )
}

/// One event of the timeline as a sentence.
pub fn sentence(config: &Config, case: &CaseDetail, e: &Event) -> String {
    let detail: Value = e
        .detail
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or(Value::Null);
    let mail = || -> Option<&CaseMail> {
        let id = OutboxId::new(detail.get("outbox").and_then(Value::as_i64)?);
        case.mails.iter().find(|m| m.id == id)
    };
    let purpose = || {
        mail_words(
            str_of(&detail, "purpose")
                .or_else(|| mail().map(|m| m.purpose.as_str()))
                .unwrap_or("mail"),
        )
        .to_string()
    };
    let to = || {
        mail()
            .map(|m| {
                let mut all = m.to.clone();
                all.extend(m.cc.iter().cloned());
                recipients(config, case, &all)
            })
            .unwrap_or_default()
    };
    let mail_deadline = || {
        mail()
            .and_then(|m| m.context.get("deadline"))
            .map(about_deadline)
            .unwrap_or_default()
    };
    let rule_words = |id: Option<&str>| -> String {
        let id = id.unwrap_or("");
        config
            .protocol
            .rules
            .iter()
            .find(|r| r.id == id)
            .map(|r| format!("{} (commitment {})", r.description, r.commitment))
            .unwrap_or_else(|| format!("rule {id}"))
    };
    let rule_description = |id: Option<&str>| -> String {
        let id = id.unwrap_or("");
        config
            .protocol
            .rules
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.description.clone())
            .unwrap_or_else(|| format!("rule {id}"))
    };
    match e.kind {
        EventKind::ReferralReceived => {
            let missing = labels_of(&detail, "missing");
            let conflicts = labels_of(&detail, "conflicts");
            // A consent answer asked again for a limit or a condition was
            // read well enough: said as such, not as unreadable.
            let consent_doubt = detail.get("consent_doubt").and_then(Value::as_str);
            let consent_doubted = consent_doubt.is_some();
            let consent = Field::Consent.label();
            let invalid: Vec<String> = labels_of(&detail, "invalid")
                .into_iter()
                .filter(|f| !conflicts.contains(f))
                .filter(|f| !(consent_doubted && f.as_str() == consent))
                .collect();
            let mut text = match str_of(&detail, "outcome") {
                Some("incomplete") => "Referral received, incomplete".to_string(),
                _ => "Referral received, complete".to_string(),
            };
            if !missing.is_empty() {
                text.push_str(&format!("; missing: {}", missing.join(", ")));
            }
            if !invalid.is_empty() {
                text.push_str(&format!("; unreadable: {}", invalid.join(", ")));
            }
            if let Some(kind) = consent_doubt {
                text.push_str(&format!(
                    "; asked again: {consent} (not a plain Yes: {})",
                    doubt_words(kind)
                ));
            }
            if !conflicts.is_empty() {
                text.push_str(&format!(
                    "; the forms disagreed on: {}",
                    conflicts.join(", ")
                ));
            }
            text
        }
        EventKind::FurtherReferralReceived => format!(
            "A further referral of a person with an open case ({}) received{}",
            str_of(&detail, "further_referral_of").unwrap_or("another case"),
            // Said only when known: earlier records do not say.
            match detail.get("same_referrer").and_then(Value::as_bool) {
                Some(true) => " from the same referrer",
                Some(false) => " from another referrer",
                None => "",
            }
        ),
        EventKind::ReferralRefusedNoConsent => {
            "Referral received without the person's consent: recorded as a refusal, nothing kept about them".into()
        }
        // The referrer or the case lead: the form again, or answers in a
        // reply; the event does not say which of them.
        EventKind::ReferralAttached => {
            "The form or answers for this case received again from the referring side".into()
        }
        EventKind::ReferralCompleted => "The referral completed by the referring side".into(),
        EventKind::ReferralDetailsAdded => {
            let missing = labels_of(&detail, "missing");
            if missing.is_empty() {
                "Details added to the referral".into()
            } else {
                format!(
                    "Details added to the referral; still missing: {}",
                    missing.join(", ")
                )
            }
        }
        EventKind::ReplyReceived => "A reply received in the case's thread".into(),
        EventKind::AutoReplyReceived => "An automatic reply (out of office) received".into(),
        EventKind::BounceReceived => "A delivery failure report received".into(),
        EventKind::AnswerUnreadable => "An answer received that could not be read".into(),
        EventKind::MailQueued => {
            let who = to();
            if who.is_empty() {
                format!("{} written{}", purpose(), mail_deadline())
            } else {
                format!("{} written for {who}{}", purpose(), mail_deadline())
            }
        }
        EventKind::MailSent => format!("{} sent to {}{}", purpose(), to(), mail_deadline()),
        EventKind::MailFailed => format!(
            "{} could not be sent{}",
            purpose(),
            str_of(&detail, "error")
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        ),
        EventKind::MailBounced => {
            // Only the addresses the report names as failed.
            let failed: Vec<String> = detail
                .get("failed")
                .and_then(Value::as_array)
                .map(|all| {
                    all.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            let who = if failed.is_empty() {
                to()
            } else {
                recipients(config, case, &failed)
            };
            format!("{} to {who} came back undelivered", purpose())
        }
        EventKind::MailDeferred => format!(
            "{} held back until {} (hourly limit per recipient)",
            purpose(),
            str_of(&detail, "until")
                .and_then(parse_time)
                .map(short_time)
                .unwrap_or_else(|| "later".into())
        ),
        EventKind::MailWithheld => format!(
            "{} withheld: {}",
            purpose(),
            str_of(&detail, "reason").unwrap_or("a sending limit")
        ),
        EventKind::ReminderQueued | EventKind::ChaseQueued | EventKind::EscalationQueued => format!(
            "{} written: {}{}",
            str_of(&detail, "step").unwrap_or("Follow-up"),
            rule_description(str_of(&detail, "rule")),
            about_deadline(&detail)
        ),
        EventKind::ReminderNotSent | EventKind::ChaseNotSent | EventKind::EscalationNotSent => format!(
            "{} not sent{}: {}",
            str_of(&detail, "step").unwrap_or("Follow-up"),
            about_deadline(&detail),
            str_of(&detail, "reason").unwrap_or("no one to send it to")
        ),
        EventKind::ChasesEnded => format!(
            "No more chases{}",
            about_deadline(&detail)
        ),
        EventKind::FollowUpsStopped => format!(
            "Reminders, chases and escalations stopped: {}",
            str_of(&detail, "reason").unwrap_or("the case changed")
        ),
        EventKind::AuthorityResponded => match str_of(&detail, "how") {
            Some("recorded by hand") => "The authority's response recorded by hand".into(),
            _ => "The authority responded".into(),
        },
        EventKind::ReferrerResponded => "The referring side answered".into(),
        EventKind::LeadOfficerNamed => format!("Council lead officer named: {}", lead_words(&detail)),
        EventKind::LeadOfficerChanged => {
            format!("Council lead officer changed to {}", lead_words(&detail))
        }
        EventKind::CaseLeadChanged => format!("Case lead changed to {}", lead_words(&detail)),
        EventKind::ReleaseDateChanged => format!(
            "Expected release date moved from {} to {}{}",
            day_words(&detail, "from").unwrap_or_else(|| "none".into()),
            day_words(&detail, "to").unwrap_or_else(|| "none".into()),
            if detail.get("urgent").and_then(Value::as_bool) == Some(true) {
                "; the case is urgent"
            } else {
                ""
            }
        ),
        EventKind::ApplicationReceived => format!(
            "Homeless application received on {}",
            day_words(&detail, "on").unwrap_or_else(|| "an unrecorded date".into())
        ),
        EventKind::InformationRequested => "The authority asked the referring side for information".into(),
        EventKind::AcknowledgementReturned => {
            "The acknowledgement came back undelivered: the referrer has not been told".into()
        }
        EventKind::NotApplied => format!(
            "{} not taken: {}",
            capitalised(str_of(&detail, "what").unwrap_or("A change")),
            str_of(&detail, "why").unwrap_or("not allowed")
        ),
        EventKind::CasePaused => format!(
            "Paused: no reminders, chases or escalations before {}",
            day_words(&detail, "until").unwrap_or_else(|| "a later date".into())
        ),
        EventKind::DeadlineMet => format!(
            "Marked as met by hand: {}",
            rule_words(str_of(&detail, "rule"))
        ),
        EventKind::ConsentWithdrawalReported => format!(
            "A message from {} says the person has withdrawn their consent: the council was \
             asked to confirm it ({})",
            str_of(&detail, "by").unwrap_or("the referring side"),
            if detail.get("follow_ups_wait").and_then(Value::as_bool) == Some(true) {
                "until it answers, nobody is reminded, chased or escalated to"
            } else {
                "until then the deadlines run"
            }
        ),
        EventKind::ConsentWithdrawalDeclined => format!(
            "{} answered for the council that the withdrawal of consent does not stand: the \
             deadlines' follow-ups run again",
            str_of(&detail, "by").unwrap_or("The council")
        ),
        EventKind::ConsentWithdrawalTakenBack => format!(
            "{} took back what was written of a withdrawal of consent: the council's \
             confirmation of it no longer closes the case",
            str_of(&detail, "by").unwrap_or("The referring side")
        ),
        EventKind::ConsentWithdrawn
            if detail.get("refused").and_then(Value::as_bool) == Some(true) =>
        {
            format!(
                "No consent ({}): the referral is refused and its deadlines ended",
                str_of(&detail, "by").unwrap_or("the council confirmed it")
            )
        }
        EventKind::ConsentWithdrawn => format!(
            "Consent withdrawn ({}): the case closed and its deadlines ended",
            str_of(&detail, "by").unwrap_or("the council confirmed it")
        ),
        EventKind::CaseClosed => format!(
            "Case closed: {}",
            str_of(&detail, "outcome").unwrap_or("no outcome given")
        ),
        EventKind::CaseReopened => format!(
            "Reopened by hand (it had closed: {}): its deadlines run again",
            str_of(&detail, "outcome").unwrap_or("no outcome given")
        ),
        EventKind::QuarantineReleased => format!(
            "Released from quarantine by {} (it had been set aside: {})",
            str_of(&detail, "by").unwrap_or("an unnamed operator"),
            str_of(&detail, "reason").unwrap_or("no reason kept")
        ),
        EventKind::RecordedByHand => format!(
            "Referral made {} recorded by hand by {}{}",
            match str_of(&detail, "route") {
                Some("phone") => "by telephone",
                Some("portal") => "through a portal",
                Some("email") => "by email",
                _ => "by another route",
            },
            str_of(&detail, "by").unwrap_or("an unnamed operator"),
            match detail.get("quarantined").and_then(Value::as_i64) {
                Some(id) => format!(
                    ", from quarantined message {id} (set aside: {})",
                    str_of(&detail, "reason").unwrap_or("no reason kept")
                ),
                None => String::new(),
            }
        ),
        EventKind::FormRead => {
            let mut text = match str_of(&detail, "form_source") {
                Some(f) => match f.strip_prefix("attachment:") {
                    Some(name) => format!("Form read from {}", attached_form_words(name)),
                    None => "Form read from the email's text".to_string(),
                },
                None => "Where the form was read from (erased with the case's details)".into(),
            };
            let conflicts = labels_of(&detail, "conflicts");
            if !conflicts.is_empty() {
                text.push_str(&format!(
                    "; {} gave different answers for {}",
                    conflicting_forms(&detail),
                    and_list(&conflicts)
                ));
            }
            text
        }
        EventKind::EarlierCopyReplaced => format!(
            "An earlier copy of the referral's message, set aside in quarantine ({}), settled \
             as replaced by the later copy",
            str_of(&detail, "reason").unwrap_or("no reason kept")
        ),
        EventKind::EarlierReplyJoined => "A reply from the sender to the message set aside, which \
             arrived before the case was recorded, joined the case; nothing in it was applied \
             (read it in the inbox: it may answer a question)"
            .to_string(),
        other => capitalised(&other.as_str().replace('_', " ")),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
