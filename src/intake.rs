//! Intake: what a message should do to the store. `decide` is a pure
//! function of what the message says, who the receiving organisation says
//! sent it, the case it concerns and the configuration; it returns a
//! [`Plan`] that `Store::record` carries out in one transaction.
//!
//! Anyone may write to an inbox; few may change a case. A message that
//! names a lead, moves a case lead, meets a deadline, completes a referral
//! or fails one of the gateway's mails changes the case only when its
//! sender is authenticated (as the receiving server judged it) and
//! entitled: the authority's own addresses for its side, the case's
//! referrer or current case lead for theirs. Everything else is still
//! recorded on the case's timeline, with why it changed nothing.

use crate::config::{Config, Mailbox, NoticeTo};
use crate::core::address::EmailAddress;
use crate::core::authority::Authority;
use crate::core::case_ref::{CaseRef, ShortCode};
use crate::core::classify::Kind;
use crate::core::dates::{parse_british_date, DateRole};
use crate::core::field::{normalise_label, Field};
use crate::core::mail::Purpose;
use crate::core::plan::{
    CaseChange, CaseContacts, CaseStatus, Disposition, GatewayMail, MessageFacts, NewCase,
    OutgoingMail, PersonCase, Plan, Returned,
};
use crate::core::protocol::{Evidence, Owner, Side};
use crate::core::referral::{Outcome, ReadReferral, Referral};
use crate::core::reply::NamedLead;
use crate::core::sender::{judge, Verdict};
use crate::message::{analyse, Analysis, Context};
use crate::store::{PersonLookup, Recorded, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};

/// A message as it arrived: where from and its bytes.
pub struct Incoming<'a> {
    pub mailbox: &'a Mailbox,
    pub folder: &'a str,
    /// IMAP UIDVALIDITY and UID, when the message came from IMAP.
    pub position: Option<(u32, u32)>,
    pub raw: &'a [u8],
    pub received_at: DateTime<Utc>,
    /// The Maildir file's unique name, when the message came from a Maildir.
    pub source_key: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("mailbox `{0}` belongs to no configured authority")]
    UnknownAuthority(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What `decide` knows besides the message.
pub struct Situation<'a> {
    pub config: &'a Config,
    pub mailbox: &'a Mailbox,
    /// The authority whose mailbox received it.
    pub receiving: &'a Authority,
    pub folder: &'a str,
    pub verdict: &'a Verdict,
    pub received_at: DateTime<Utc>,
    /// False for backlog mail older than the configured age: nothing is
    /// sent because of it.
    pub answerable: bool,
    /// The case the message is about (by the reference in its subject or
    /// its thread), when the store has it.
    pub case: Option<&'a CaseContacts>,
    /// The gateway mail it answers (its `In-Reply-To` or `References`).
    pub answered: Option<&'a GatewayMail>,
    /// For a bounce: the gateway mail it returns.
    pub returned: Option<&'a GatewayMail>,
}

/// Reads and records one message: the whole intake of the gateway.
pub async fn ingest(
    store: &Store,
    config: &Config,
    incoming: Incoming<'_>,
) -> Result<(Analysis, Recorded), IntakeError> {
    let receiving = config
        .authority_of(incoming.mailbox)
        .ok_or_else(|| IntakeError::UnknownAuthority(incoming.mailbox.name.clone()))?;
    let received_on = incoming
        .received_at
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive();
    let analysis = analyse(
        incoming.raw,
        &Context {
            authorities: &config.authorities,
            receiving_authority: Some(receiving),
            today: received_on,
            max_bytes: config.max_message_bytes,
        },
    );
    let verdict = judge(
        analysis.from.as_ref(),
        &analysis.sender_headers,
        &incoming.mailbox.trust,
        incoming.folder,
    );
    // The thread: the gateway mail it answers, the case it is about.
    let answered = if analysis.thread_ids.is_empty() || analysis.problem.is_some() {
        None
    } else {
        store.gateway_mail_in(&analysis.thread_ids).await?
    };
    let returned = match &analysis.returned_message_id {
        Some(id) if analysis.kind == Kind::Bounce => {
            store.gateway_mail_in(std::slice::from_ref(id)).await?
        }
        _ => None,
    };
    let mut case_ref = analysis.case_ref.clone();
    if case_ref.is_none() && analysis.problem.is_none() && !analysis.thread_ids.is_empty() {
        case_ref = store.case_of_thread(&analysis.thread_ids).await?;
    }
    let case = match &case_ref {
        Some(reference) => store.case_contacts(&reference.to_string()).await?,
        None => None,
    };
    let answerable = Utc::now() - incoming.received_at <= config.answer_max_age;
    let situation = Situation {
        config,
        mailbox: incoming.mailbox,
        receiving,
        folder: incoming.folder,
        verdict: &verdict,
        received_at: incoming.received_at,
        answerable,
        case: case.as_ref(),
        answered: answered.as_ref(),
        returned: returned.as_ref(),
    };
    let refusal = analysis
        .referral
        .as_ref()
        .is_some_and(|r| r.outcome == Outcome::NoConsent);
    let facts = MessageFacts {
        mailbox: incoming.mailbox.name.clone(),
        authority: receiving.code.to_string(),
        folder: incoming.folder.to_string(),
        position: incoming.position,
        message_id: analysis.message_id.clone(),
        sha256: hex_sha256(incoming.raw),
        kind: analysis.kind,
        outcome: analysis.referral.as_ref().map(|r| r.outcome),
        sender: analysis
            .original_sender
            .as_ref()
            .or(analysis.from.as_ref())
            .map(|a| a.to_string()),
        received_at: incoming.received_at,
        // Attachment names can name the person: a refusal keeps none,
        // whether it was recorded or set aside.
        attachments: if refusal {
            "[]".into()
        } else {
            serde_json::to_string(&analysis.attachments).unwrap_or_else(|_| "[]".into())
        },
        source_key: incoming.source_key,
        answerable,
        sender_verdict: verdict.as_str(),
        from_allowed_domain: analysis
            .from
            .as_ref()
            .is_some_and(|f| config.allows_sender(f)),
    };
    let lookup = person_lookup(&analysis, &situation);
    let recorded = store
        .record(
            &facts,
            lookup.as_ref(),
            |person| decide(&analysis, &situation, person),
            analysis.message_id.as_deref(),
            &config.outgoing,
        )
        .await?;
    Ok((analysis, recorded))
}

/// The person a message's referral names, when it will be taken as a
/// referral: the store looks for their open case while it records.
fn person_lookup(analysis: &Analysis, s: &Situation<'_>) -> Option<PersonLookup> {
    let (authority, read) = referral_route(analysis, s)?;
    let r = &read.referral;
    (read.outcome != Outcome::NoConsent).then(|| PersonLookup {
        authority,
        prison_number: r.prison_number.clone(),
        crn: r.crn.clone(),
        name_key: r.name_key(),
        date_of_birth: r.date_of_birth,
    })
}

/// When the message is to be taken as a referral: the authority it goes
/// to, and the form read.
fn referral_route<'a>(
    analysis: &'a Analysis,
    s: &Situation<'_>,
) -> Option<(ShortCode, &'a ReadReferral)> {
    if analysis.problem.is_some() || is_own(analysis, s.config) {
        return None;
    }
    let read = match (analysis.kind, s.case) {
        (Kind::Referral, None) => analysis.referral.as_ref()?,
        (Kind::Referral, Some(case)) => {
            // In a case's thread: the authority's reply that quotes the
            // referral is its answer; anyone else's form is judged by its
            // content.
            let from = analysis.from.as_ref()?;
            if authority_of_case(s, case).is_some_and(|a| a.speaks_for(from)) {
                return None;
            }
            let read = analysis.referral.as_ref()?;
            if completes(case, read, from, s) {
                return None;
            }
            read
        }
        (Kind::Reply, case) => {
            let read = analysis.own_form.as_ref()?;
            let from = analysis.from.as_ref()?;
            match case {
                Some(case) if completes(case, read, from, s) => return None,
                Some(case) if authority_of_case(s, case).is_some_and(|a| a.speaks_for(from)) => {
                    return None
                }
                _ => {}
            }
            read
        }
        _ => return None,
    };
    let from = analysis.from.as_ref()?;
    if !s.config.allows_sender(from) {
        return None;
    }
    let authority = read
        .referral
        .lha
        .as_deref()
        .and_then(|name| s.config.authorities.by_name(name))
        .unwrap_or(s.receiving)
        .code
        .clone();
    Some((authority, read))
}

/// A form sent in a case's thread that completes that case: the same
/// person, from the case's referrer or case lead, authenticated, while the
/// case is still open.
fn completes(
    case: &CaseContacts,
    read: &ReadReferral,
    from: &EmailAddress,
    s: &Situation<'_>,
) -> bool {
    case.status.is_open()
        && !case.purged
        && case.is_referring_side(from)
        && s.verdict.may_change_state(&s.mailbox.trust)
        && (same_person(&case.referral, &read.referral)
            || (case.status == CaseStatus::Incomplete && names_nobody(&read.referral)))
}

/// A form that names no person (the missing answers only, given in reply
/// to the incomplete mail) can only be about the case it answers.
fn names_nobody(r: &Referral) -> bool {
    r.prison_number.is_none()
        && r.crn.is_none()
        && r.full_name.is_none()
        && r.date_of_birth.is_none()
}

/// Two referrals name the same person: the same prison number, CRN, or
/// name and date of birth.
pub fn same_person(a: &Referral, b: &Referral) -> bool {
    let same = |x: &Option<String>, y: &Option<String>| {
        x.as_deref()
            .zip(y.as_deref())
            .is_some_and(|(x, y)| x.eq_ignore_ascii_case(y))
    };
    same(&a.prison_number, &b.prison_number)
        || same(&a.crn, &b.crn)
        || (a.name_key().is_some()
            && a.name_key() == b.name_key()
            && a.date_of_birth.is_some()
            && a.date_of_birth == b.date_of_birth)
}

fn authority_of_case<'c>(s: &Situation<'c>, case: &CaseContacts) -> Option<&'c Authority> {
    s.config.authorities.by_code(&case.authority)
}

/// A message the gateway itself sent (seen again in a Sent folder, or
/// returned to the inbox): its Message-ID is the gateway's.
fn is_own(analysis: &Analysis, config: &Config) -> bool {
    analysis.message_id.as_deref().is_some_and(|id| {
        id.starts_with("<dtr.") && id.ends_with(&format!("@{}>", config.outgoing.message_id_domain))
    })
}

/// Decides everything a message does. `person` is the open case of the
/// person a referral names, found by the store while it records.
pub fn decide(analysis: &Analysis, s: &Situation<'_>, person: Option<&PersonCase>) -> Plan {
    let mut plan = decide_unsent(analysis, s, person);
    if !s.answerable || analysis.is_list || is_own(analysis, s.config) {
        // Backlog, lists and the gateway's own mail are never answered.
        plan.mails.clear();
    }
    plan
}

fn decide_unsent(analysis: &Analysis, s: &Situation<'_>, person: Option<&PersonCase>) -> Plan {
    if let Some(problem) = &analysis.problem {
        // A referral set aside (several From headers, say) still tells the
        // authority it came.
        return quarantine(analysis, s, problem.clone());
    }
    if s.config.quarantine_unauthenticated {
        // A forged sender: whatever it says, it neither opens a case nor
        // answers one, names a lead, or fails one of the gateway's mails.
        if let Some(reason) = s.verdict.forgery() {
            return quarantine(analysis, s, reason.to_string());
        }
    }
    if is_own(analysis, s.config) {
        // The gateway's own mail, seen again (a Sent folder, an inbox it
        // writes to): recorded, never taken for someone's answer.
        return Plan::only(Disposition::RecordOnly);
    }
    match analysis.kind {
        Kind::Bounce => return bounce(analysis, s),
        Kind::AutoReply => {
            return match s.case {
                Some(case) => note(case, "auto_reply_received", Vec::new()),
                None => Plan::only(Disposition::RecordOnly),
            }
        }
        _ => {}
    }
    if let Some((authority, read)) = referral_route(analysis, s) {
        return referral(analysis, s, authority, read, person);
    }
    if let Some(case) = s.case {
        let forms = [&analysis.own_form, &analysis.referral, &analysis.filled_in];
        if let Some(from) = analysis.from.as_ref() {
            for read in forms.into_iter().flatten() {
                if completes(case, read, from, s) {
                    return complete_case(analysis, s, case, read);
                }
            }
        }
        if matches!(analysis.kind, Kind::Reply | Kind::Other | Kind::Referral) {
            return answer(analysis, s, case);
        }
    }
    match analysis.kind {
        Kind::Reply => match &analysis.case_ref {
            // A person answering about a case we do not have needs a
            // person to look.
            Some(reference) => Plan::only(Disposition::Quarantine {
                reason: format!("refers to {reference}, which is not a case here"),
            }),
            None => Plan::only(Disposition::RecordOnly),
        },
        Kind::Referral => {
            // A referral the route refused: no sender, or one not allowed.
            let reason = match &analysis.from {
                None => "referral without a sender address".to_string(),
                Some(from) => format!(
                    "sender domain {} is not allowed to make referrals",
                    from.domain()
                ),
            };
            quarantine(analysis, s, reason)
        }
        _ => other(analysis, s),
    }
}

/// Set aside for a person; a referral-like message tells the authority.
fn quarantine(analysis: &Analysis, s: &Situation<'_>, reason: String) -> Plan {
    let mut plan = Plan::only(Disposition::Quarantine {
        reason: reason.clone(),
    });
    let worth_a_notice = analysis.kind == Kind::Referral
        || (analysis.encrypted.is_some() && analysis.kind != Kind::Bounce);
    if worth_a_notice {
        plan.mails.push(to_authority(
            s.config,
            s.receiving,
            Purpose::QuarantineNotice,
            false,
            json!({
                "reason": reason,
                "sender": analysis.from.as_ref().map(|a| a.to_string()),
                "original": original(analysis),
            }),
        ));
    }
    plan
}

/// What the referrer's message was: its subject and when it was sent, so
/// that people can find it.
fn original(analysis: &Analysis) -> serde_json::Value {
    json!({
        "subject": analysis.subject.as_deref().map(|s| s.chars().take(200).collect::<String>()),
        "sent": analysis.sent_at.map(crate::core::words::spoken_time),
    })
}

fn note(case: &CaseContacts, event: &'static str, changes: Vec<CaseChange>) -> Plan {
    Plan::only(Disposition::Change {
        case: case.id,
        case_ref: case.case_ref.clone(),
        event,
        changes,
    })
}

fn not_applied(what: impl Into<String>, why: impl Into<String>) -> CaseChange {
    CaseChange::NotApplied {
        what: what.into(),
        why: why.into(),
    }
}

/// A bounce fails one of the gateway's mails only when it is a delivery
/// status report naming one of that mail's own recipients as failed.
fn bounce(analysis: &Analysis, s: &Situation<'_>) -> Plan {
    let mut plan = match s.case {
        Some(case) => note(case, "bounce_received", Vec::new()),
        None => Plan::only(Disposition::RecordOnly),
    };
    let Some(mail) = s.returned else {
        return plan;
    };
    let recipients: Vec<EmailAddress> = analysis
        .failed_recipients
        .iter()
        .filter(|r| mail.to.contains(r) || mail.cc.contains(r))
        .cloned()
        .collect();
    if recipients.is_empty() {
        if let Disposition::Change { changes, .. } = &mut plan.disposition {
            changes.push(not_applied(
                "a returned mail",
                "the bounce is not a delivery report for that mail's recipients",
            ));
        }
        return plan;
    }
    plan.returned = Some(Returned {
        outbox_id: mail.outbox_id,
        recipients,
    });
    // A pending change of case lead that could not reach the current case
    // lead goes to the authority instead.
    if mail.purpose == Purpose::LeadChangePending {
        if let Some(authority) = s.case.and_then(|c| authority_of_case(s, c)) {
            let mut context = mail.context.clone();
            context["bounced"] = json!(true);
            let mut to_inbox = to_authority(
                s.config,
                authority,
                Purpose::LeadChangePending,
                false,
                context,
            );
            to_inbox.to = vec![authority.inbox.clone()];
            to_inbox.step = Some(format!("lead_change_pending@bounce:{}", mail.outbox_id));
            plan.mails.push(to_inbox);
        }
    }
    plan
}

/// Mail that is neither a referral nor about a case.
fn other(analysis: &Analysis, s: &Situation<'_>) -> Plan {
    let allowed = analysis
        .from
        .as_ref()
        .is_some_and(|f| s.config.allows_sender(f));
    if let (Some(why), true) = (&analysis.encrypted, allowed) {
        // A referral that may be inside: a person must open it.
        return quarantine(analysis, s, format!("the message cannot be read: {why}"));
    }
    let mut plan = Plan::only(Disposition::RecordOnly);
    if analysis.kind == Kind::Other && analysis.asks_for_form {
        if let Some(to) = analysis.from.clone().filter(|_| allowed) {
            plan.mails.push(OutgoingMail {
                purpose: Purpose::BlankForm,
                to: vec![to],
                cc: Vec::new(),
                once_per_case: false,
                context: json!({}),
                unlimited: Vec::new(),
                step: None,
            });
        }
    }
    plan
}

/// A referral: a new case, a refusal, a completion of the referrer's own
/// open case of the person, or a further referral from someone else,
/// linked to it.
fn referral(
    analysis: &Analysis,
    s: &Situation<'_>,
    authority_code: ShortCode,
    read: &ReadReferral,
    person: Option<&PersonCase>,
) -> Plan {
    let config = s.config;
    let authority = config
        .authorities
        .by_code(authority_code.as_str())
        .unwrap_or(s.receiving);
    let received_on = crate::core::protocol::uk_date(s.received_at);
    let from = analysis.from.as_ref();
    // The referrer named in the form, else who sent it (before any forward).
    let referrer: Option<EmailAddress> = read
        .referral
        .referrer_email
        .clone()
        .or_else(|| analysis.original_sender.clone())
        .or_else(|| from.cloned())
        .filter(|a| config.allows_sender(a));
    let labels =
        |fields: &[Field]| -> Vec<&'static str> { fields.iter().map(|f| f.label()).collect() };
    let context = |outcome: Outcome, missing: &[Field], invalid: &[Field]| {
        json!({
            "outcome": outcome.as_str(),
            "missing": labels(missing),
            "invalid": labels(invalid),
            "original": original(analysis),
        })
    };
    if read.outcome == Outcome::NoConsent {
        let mut plan = Plan::only(Disposition::Open(Box::new(NewCase {
            authority: authority_code,
            status: CaseStatus::Refused,
            referral: read.referral.without_personal_details(),
            missing: Vec::new(),
            invalid: Vec::new(),
            urgent: false,
            linked_to: None,
            event: "referral_refused_no_consent",
            detail: serde_json::Value::Null,
        })));
        plan.mails.extend(referrer.map(|to| OutgoingMail {
            purpose: Purpose::NoConsent,
            to: vec![to],
            cc: Vec::new(),
            once_per_case: true,
            context: json!({ "original": original(analysis) }),
            unlimited: Vec::new(),
            step: None,
        }));
        return plan;
    }
    if let Some(case) = person {
        let own_case = from.is_some_and(|f| {
            case.referrer_email.as_ref() == Some(f) || case.case_lead_email.as_ref() == Some(f)
        }) && s.verdict.may_change_state(&s.mailbox.trust);
        if own_case {
            let contacts = CaseContacts {
                id: case.id,
                case_ref: case.case_ref.clone(),
                authority: authority_code.to_string(),
                status: case.status,
                referral: case.referral.clone(),
                referrer_email: case.referrer_email.clone(),
                case_lead: NamedLead {
                    email: case.case_lead_email.clone(),
                    ..NamedLead::default()
                },
                lha_lead: NamedLead::default(),
                release_date: case.referral.expected_release_date,
                received_at: s.received_at,
                purged: false,
            };
            return complete_case(analysis, s, &contacts, read);
        }
    }
    let (status, linked_to, event) = match person {
        Some(first) => (
            CaseStatus::Linked,
            Some(first.id),
            "further_referral_received",
        ),
        None => (CaseStatus::of(read.outcome), None, "referral_received"),
    };
    let mut plan = Plan::only(Disposition::Open(Box::new(NewCase {
        authority: authority_code.clone(),
        status,
        referral: read.referral.clone(),
        missing: read.missing.clone(),
        invalid: read.invalid.clone(),
        urgent: read.referral.is_urgent(received_on),
        linked_to,
        event,
        detail: json!({
            "outcome": read.outcome.as_str(),
            "missing": read.missing.iter().map(|f| f.key()).collect::<Vec<_>>(),
            "invalid": read.invalid.iter().map(|f| f.key()).collect::<Vec<_>>(),
            "further_referral_of": person.map(|p| p.case_ref.to_string()),
        }),
    })));
    let context = context(read.outcome, &read.missing, &read.invalid);
    // To the referrer: exactly what a new referral gets, whoever else has
    // referred the person, so that nothing about another case leaks.
    let reply = match read.outcome {
        Outcome::Complete => referrer.clone().map(|to| {
            let cc = read
                .referral
                .case_lead_email
                .iter()
                .filter(|c| config.allows_sender(c) && **c != to)
                .cloned()
                .collect();
            OutgoingMail {
                purpose: Purpose::Acknowledgement,
                to: vec![to],
                cc,
                once_per_case: true,
                context: context.clone(),
                unlimited: Vec::new(),
                step: None,
            }
        }),
        _ => referrer.clone().map(|to| OutgoingMail {
            purpose: Purpose::Incomplete,
            to: vec![to],
            cc: Vec::new(),
            once_per_case: false,
            context: context.clone(),
            unlimited: Vec::new(),
            step: None,
        }),
    };
    plan.mails.extend(reply);
    let mut notice_context = context;
    if let Some(first) = person {
        notice_context["further"] = json!({
            "first_case": first.case_ref.to_string(),
            "agency": read.referral.referring_agency,
            "referrer_name": read.referral.referrer_name,
        });
    }
    plan.mails.push(to_authority(
        config,
        authority,
        Purpose::Notice,
        true,
        notice_context,
    ));
    if let Some(first) = person {
        // The first case's referring side hears that the person was
        // referred again, and by which agency: the protocol's leads
        // coordinate the case together (commitments 11 and 12).
        let to: Vec<EmailAddress> = first
            .case_lead_email
            .iter()
            .chain(first.referrer_email.iter())
            .filter(|a| config.allows_sender(a) && referrer.as_ref() != Some(*a))
            .cloned()
            .collect();
        if let Some((main, rest)) = to.split_first() {
            plan.mails.push(OutgoingMail {
                purpose: Purpose::FurtherReferral,
                to: vec![main.clone()],
                cc: rest.iter().filter(|a| *a != main).cloned().collect(),
                once_per_case: false,
                context: json!({
                    "further": {
                        "first_case": first.case_ref.to_string(),
                        "agency": read.referral.referring_agency,
                        "referrer_name": read.referral.referrer_name,
                    }
                }),
                unlimited: Vec::new(),
                step: None,
            });
        }
    }
    plan
}

/// The referrer's own completed form for their open case: it fills what
/// the case lacks, overwriting nothing, and the referral is acknowledged
/// once it is complete.
fn complete_case(
    analysis: &Analysis,
    s: &Situation<'_>,
    case: &CaseContacts,
    read: &ReadReferral,
) -> Plan {
    let received_on = crate::core::protocol::uk_date(s.received_at);
    let merged = case.referral.clone().merged_over(&read.referral);
    let (outcome, missing) = merged.judge();
    let status = match outcome {
        Outcome::Complete => CaseStatus::Open,
        _ => CaseStatus::Incomplete,
    };
    // A form that adds nothing to a case already complete is only noted.
    let adds_nothing = merged == case.referral && status == case.status;
    let changes = if adds_nothing {
        Vec::new()
    } else {
        vec![CaseChange::ReferralCompleted {
            urgent: merged.is_urgent(received_on),
            referral: Box::new(merged.clone()),
            missing: missing.clone(),
            status,
            completes: status == CaseStatus::Open && case.status != CaseStatus::Open,
        }]
    };
    let mut plan = note(case, "referral_attached", changes);
    let referrer = case
        .referrer_email
        .clone()
        .or_else(|| analysis.from.clone())
        .filter(|a| s.config.allows_sender(a));
    let Some(to) = referrer else {
        return plan;
    };
    let labels: Vec<&str> = missing.iter().map(|f| f.label()).collect();
    let context = json!({
        "outcome": outcome.as_str(),
        "missing": labels,
        "invalid": [],
        "original": original(analysis),
    });
    plan.mails.push(match outcome {
        Outcome::Complete => OutgoingMail {
            purpose: Purpose::Acknowledgement,
            cc: case
                .case_lead
                .email
                .iter()
                .filter(|c| s.config.allows_sender(c) && **c != to)
                .cloned()
                .collect(),
            to: vec![to],
            once_per_case: true,
            context,
            unlimited: Vec::new(),
            step: None,
        },
        _ => OutgoingMail {
            purpose: Purpose::Incomplete,
            to: vec![to],
            cc: Vec::new(),
            once_per_case: false,
            context,
            unlimited: Vec::new(),
            step: None,
        },
    });
    plan
}

/// An answer in a case's thread: from the authority, the referring side,
/// or someone else.
fn answer(analysis: &Analysis, s: &Situation<'_>, case: &CaseContacts) -> Plan {
    let Some(from) = analysis.from.as_ref() else {
        return note(case, "reply_received", Vec::new());
    };
    let Some(authority) = authority_of_case(s, case) else {
        return note(case, "reply_received", Vec::new());
    };
    if case.purged {
        // A case whose personal details were erased takes no new ones.
        return note(
            case,
            "reply_received",
            vec![not_applied(
                "the answer",
                "the case's personal details were erased",
            )],
        );
    }
    if authority.speaks_for(from) {
        authority_answer(analysis, s, case, authority)
    } else if case.is_referring_side(from) {
        referring_answer(analysis, s, case, authority, true)
    } else if s.config.allows_sender(from) {
        referring_answer(analysis, s, case, authority, false)
    } else {
        note(case, "reply_received", Vec::new())
    }
}

/// The authority answering in the case's thread, wherever the answer is
/// addressed: its response, perhaps naming its lead officer (commitment
/// 10), saying a step is done, recording the application or asking the
/// referring side for information (commitment 16).
fn authority_answer(
    analysis: &Analysis,
    s: &Situation<'_>,
    case: &CaseContacts,
    authority: &Authority,
) -> Plan {
    let reading = &analysis.answer;
    if let Some(why) = &analysis.encrypted {
        let mut plan = note(
            case,
            "reply_received",
            vec![CaseChange::Noted {
                event: "answer_unreadable",
                detail: json!({ "why": why }),
            }],
        );
        plan.mails.push(to_authority(
            s.config,
            authority,
            Purpose::UnreadableAnswer,
            false,
            json!({
                "reason": why,
                "sender": analysis.from.as_ref().map(|a| a.to_string()),
                "original": original(analysis),
            }),
        ));
        return plan;
    }
    if analysis.is_forward {
        return note(
            case,
            "reply_received",
            vec![not_applied(
                "the authority's response",
                "a forward (FW:) answers nobody",
            )],
        );
    }
    if !reading.has_own_text && reading.named_lead.is_none() {
        return note(
            case,
            "reply_received",
            vec![not_applied(
                "the authority's response",
                "the message only quotes another",
            )],
        );
    }
    if !s.verdict.may_change_state(&s.mailbox.trust) {
        return note(
            case,
            "reply_received",
            vec![not_applied("the authority's response", unverified_why(s))],
        );
    }
    let answered_rule = answered_rule(s, case);
    let (done, mut changes) =
        done_rules(s, &reading.done, Side::Authority, answered_rule.as_deref());
    changes.insert(
        0,
        CaseChange::AuthorityResponded {
            evidence: Evidence {
                at: s.received_at,
                side: Side::Authority,
                answers: answered_rule,
                done,
            },
            how: if s.mailbox.trust.is_sent_folder(s.folder) {
                "answer sent from the authority's mailbox".into()
            } else {
                "answer in the case's thread".into()
            },
        },
    );
    let mut mails = Vec::new();
    if let Some(lead) = &reading.named_lead {
        let at_authority = lead.email.as_ref().is_none_or(|e| authority.speaks_for(e));
        if !at_authority {
            changes.push(not_applied(
                format!("lead officer {}", lead_words(lead)),
                format!("their address is not one of {}'s", authority.full_name()),
            ));
        } else if !lead.same_person(&case.lha_lead) {
            changes.push(CaseChange::LeadOfficerNamed(lead.clone()));
            mails.extend(lead_officer_change_mail(
                s.config,
                case,
                lead,
                &s.received_at,
            ));
        }
    }
    let today = crate::core::protocol::uk_date(s.received_at);
    if let Some(text) = &reading.application_received {
        match read_day(text, today) {
            Some(on) => changes.push(CaseChange::ApplicationReceived {
                on,
                by: "the authority's answer".into(),
            }),
            None => changes.push(not_applied(
                format!("application received `{}`", clip(text)),
                "not a date such as 02/12/2026",
            )),
        }
    }
    if let Some(what) = &reading.information_requested {
        changes.push(CaseChange::InformationRequested {
            at: s.received_at,
            what: clip(what),
        });
    }
    if reading.release_date.is_some() {
        changes.push(not_applied(
            "a new release date",
            "only the referrer or the case lead moves the release date",
        ));
    }
    let mut plan = note(case, "reply_received", changes);
    plan.mails = mails;
    plan
}

/// The referring side answering: the referrer or the case lead (entitled),
/// or someone else at an allowed domain (who may only name themselves as
/// the new case lead).
fn referring_answer(
    analysis: &Analysis,
    s: &Situation<'_>,
    case: &CaseContacts,
    authority: &Authority,
    entitled: bool,
) -> Plan {
    let reading = &analysis.answer;
    let from = analysis.from.as_ref();
    let verified = s.verdict.may_change_state(&s.mailbox.trust);
    let mut changes = Vec::new();
    let mut mails = Vec::new();
    if !verified {
        let wants: Vec<&str> = [
            reading.named_lead.as_ref().map(|_| "a new case lead"),
            reading.release_date.as_ref().map(|_| "a new release date"),
            (!reading.done.is_empty()).then_some("a step done"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !wants.is_empty() {
            changes.push(not_applied(wants.join(", "), unverified_why(s)));
        }
        return note(case, "reply_received", changes);
    }
    // A confirmation of a pending change of case lead, in answer to the
    // gateway's question.
    let pending = s
        .answered
        .filter(|m| m.purpose == Purpose::LeadChangePending && m.case_id == Some(case.id))
        .and_then(|m| serde_json::from_value::<PendingLead>(m.context["lead"].clone()).ok());
    let mut new_lead: Option<NamedLead> = None;
    if let (true, true, Some(pending)) = (entitled, reading.affirms, pending) {
        new_lead = EmailAddress::parse(&pending.email)
            .ok()
            .map(|email| NamedLead {
                name: pending.name.clone(),
                email: Some(email),
                phone: None,
            });
    }
    if let Some(lead) = &reading.named_lead {
        let outside = lead
            .email
            .as_ref()
            .is_none_or(|e| !s.config.allows_sender(e));
        let names_themselves = lead.email.as_ref().is_some_and(|e| Some(e) == from);
        if lead.same_person(&case.case_lead) {
            // Nothing new.
        } else if outside {
            changes.push(not_applied(
                format!("case lead {}", lead_words(lead)),
                "a case lead needs an address at a domain allowed to refer",
            ));
        } else if entitled || names_themselves {
            new_lead = Some(lead.clone());
        } else {
            changes.push(not_applied(
                format!("case lead {}", lead_words(lead)),
                "only the referrer or the current case lead can hand the case to someone else; \
                 they have been asked to confirm",
            ));
            mails.extend(pending_lead_mail(s, case, authority, lead, from));
        }
    }
    if let Some(lead) = new_lead {
        changes.push(CaseChange::CaseLeadChanged(lead.clone()));
        mails.extend(case_lead_change_mails(s.config, case, authority, &lead));
    }
    if entitled {
        let today = crate::core::protocol::uk_date(s.received_at);
        if let Some(text) = &reading.release_date {
            match parse_british_date(text, today, DateRole::Event) {
                Some(to) if Some(to) != case.release_date => {
                    let rough = case.referral.rough_sleeping_risk == Some(true);
                    changes.push(CaseChange::ReleaseDateChanged {
                        to,
                        urgent: rough
                            || (to - today).num_days() < crate::core::referral::DAYS_BEFORE_RELEASE,
                        by: "the referring side's answer".into(),
                    });
                }
                Some(_) => {}
                None => changes.push(not_applied(
                    format!("release date `{}`", clip(text)),
                    "not a date such as 14/03/2027",
                )),
            }
        }
        let answered_rule = answered_rule(s, case);
        let (done, more) = done_rules(s, &reading.done, Side::Referrer, answered_rule.as_deref());
        changes.extend(more);
        changes.push(CaseChange::ReferrerResponded {
            evidence: Evidence {
                at: s.received_at,
                side: Side::Referrer,
                answers: answered_rule,
                done,
            },
        });
    }
    let mut plan = note(case, "reply_received", changes);
    plan.mails = mails;
    plan
}

#[derive(serde::Deserialize)]
struct PendingLead {
    name: Option<String>,
    email: String,
}

/// Why a message without a verdict the mailbox trusts changes nothing.
fn unverified_why(s: &Situation<'_>) -> String {
    match s.verdict {
        Verdict::NoVerdict(why) => format!(
            "the sender could not be authenticated ({why}; the mailbox `{}` does not trust \
             mail without a verdict)",
            s.mailbox.name
        ),
        other => other.reason().to_string(),
    }
}

/// The deadline rule whose follow-up the message answers, for this case.
fn answered_rule(s: &Situation<'_>, case: &CaseContacts) -> Option<String> {
    s.answered
        .filter(|m| m.case_id == Some(case.id))
        .and_then(|m| m.rule.clone())
}

/// Which rules `Done:` lines from `side` are about: the rule whose
/// follow-up they answer, a rule named by its id, commitment or words, or
/// the one rule that side owes. Lines that say none are noted.
fn done_rules(
    s: &Situation<'_>,
    lines: &[String],
    side: Side,
    answered: Option<&str>,
) -> (Vec<String>, Vec<CaseChange>) {
    let owner = match side {
        Side::Authority => Owner::Authority,
        Side::Referrer => Owner::Referrer,
    };
    let owed: Vec<&crate::core::protocol::Rule> = s
        .config
        .protocol
        .rules
        .iter()
        .filter(|r| r.owed_by == owner)
        .collect();
    let mut done = Vec::new();
    let mut notes = Vec::new();
    for line in lines {
        let words = normalise_label(line);
        let named = owed.iter().find(|r| {
            let id = normalise_label(&r.id);
            words.contains(&id)
                || words.contains(&format!("commitment {}", normalise_label(&r.commitment)))
                || words.contains(&normalise_label(&r.description))
        });
        let rule = named
            .map(|r| r.id.clone())
            .or_else(|| {
                answered
                    .filter(|a| owed.iter().any(|r| r.id == *a))
                    .map(str::to_string)
            })
            .or_else(|| (owed.len() == 1).then(|| owed[0].id.clone()));
        match rule {
            Some(rule) if !done.contains(&rule) => done.push(rule),
            Some(_) => {}
            None => notes.push(not_applied(
                format!("done: {}", clip(line)),
                "it does not say which step: reply to that step's own reminder or chase",
            )),
        }
    }
    (done, notes)
}

/// A date written in an answer (`02/12/2026`), or `today`/`yes` for the
/// answer's own day.
fn read_day(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let lower = text.trim().to_ascii_lowercase();
    if lower == "today" || lower == "yes" {
        return Some(today);
    }
    parse_british_date(text, today, DateRole::Event)
}

fn lead_words(lead: &NamedLead) -> String {
    match (&lead.name, &lead.email) {
        (Some(n), Some(e)) => format!("{} <{e}>", clip(n)),
        (Some(n), None) => clip(n),
        (None, Some(e)) => e.to_string(),
        (None, None) => "(nobody)".into(),
    }
}

/// At most 200 characters of something a message wrote, for the timeline.
fn clip(text: &str) -> String {
    text.trim().chars().take(200).collect()
}

/// A mail to the authority itself: its inbox, or its operational lead.
fn to_authority(
    config: &Config,
    authority: &Authority,
    purpose: Purpose,
    once_per_case: bool,
    context: serde_json::Value,
) -> OutgoingMail {
    let to = match config.outgoing.notice_to {
        NoticeTo::Inbox => authority.inbox.clone(),
        NoticeTo::OperationalLead => authority.operational_lead.email.clone(),
    };
    OutgoingMail {
        purpose,
        unlimited: vec![to.clone()],
        to: vec![to],
        cc: Vec::new(),
        once_per_case,
        context,
        step: None,
    }
}

/// The context a `lead_changed` or `lead_change_pending` mail reads.
fn lead_context(side: &str, lead: &NamedLead, previous: &NamedLead) -> serde_json::Value {
    json!({
        "lead": {
            "side": side,
            "name": lead.name,
            "email": lead.email.as_ref().map(|e| e.to_string()),
            "phone": lead.phone.as_ref().map(|p| p.as_str().to_string()),
            "previous_name": previous.name.clone().or_else(|| previous.email.as_ref().map(|e| e.to_string())),
        }
    })
}

/// A key of its own for each change of lead, so that every change is told
/// once (a change recorded by hand has no message to key it by).
fn change_key(what: &str, lead: &NamedLead, at: &DateTime<Utc>) -> String {
    let who = lead
        .email
        .as_ref()
        .map(|e| e.to_string())
        .or_else(|| lead.name.clone())
        .unwrap_or_default()
        .to_lowercase();
    format!("{what}:{who}@{}", at.timestamp())
}

/// Commitment 11: the authority's lead officer changed (it had one named
/// already): the referring side is told. A lead named for the first time
/// is not a change: the answer that names them went to the referrer
/// already, or the referrer reads it in the acknowledgement's thread.
pub fn lead_officer_change_mail(
    config: &Config,
    case: &CaseContacts,
    lead: &NamedLead,
    at: &DateTime<Utc>,
) -> Option<OutgoingMail> {
    if !case.lha_lead.is_named() || lead.same_person(&case.lha_lead) {
        return None;
    }
    let referrer = case
        .referrer_email
        .clone()
        .filter(|r| config.allows_sender(r));
    let case_lead = case
        .case_lead
        .email
        .clone()
        .filter(|c| config.allows_sender(c));
    let (to, cc) = match (referrer, case_lead) {
        (Some(r), Some(c)) if r != c => (r, vec![c]),
        (Some(r), _) => (r, Vec::new()),
        (None, Some(c)) => (c, Vec::new()),
        (None, None) => return None,
    };
    Some(OutgoingMail {
        purpose: Purpose::LeadChanged,
        to: vec![to],
        cc,
        once_per_case: false,
        context: lead_context("authority", lead, &case.lha_lead),
        unlimited: Vec::new(),
        step: Some(change_key("lead_changed", lead, at)),
    })
}

/// Commitment 11, the other way: the case lead changed. The authority is
/// told (its lead officer for the case, copying the inbox), and so are the
/// previous case lead and the referrer.
pub fn case_lead_change_mails(
    config: &Config,
    case: &CaseContacts,
    authority: &Authority,
    lead: &NamedLead,
) -> Vec<OutgoingMail> {
    let now = Utc::now();
    let to = case
        .lha_lead
        .email
        .clone()
        .filter(|e| authority.speaks_for(e))
        .unwrap_or_else(|| authority.inbox.clone());
    let cc = if to == authority.inbox {
        Vec::new()
    } else {
        vec![authority.inbox.clone()]
    };
    let mut mails = vec![OutgoingMail {
        purpose: Purpose::LeadChanged,
        unlimited: std::iter::once(to.clone())
            .chain(cc.iter().cloned())
            .collect(),
        to: vec![to],
        cc,
        once_per_case: false,
        context: lead_context("referrer", lead, &case.case_lead),
        step: Some(change_key("lead_changed", lead, &now)),
    }];
    let referring_side: Vec<EmailAddress> = case
        .case_lead
        .email
        .iter()
        .chain(case.referrer_email.iter())
        .filter(|a| config.allows_sender(a) && Some(*a) != lead.email.as_ref())
        .fold(Vec::new(), |mut all, a| {
            if !all.contains(a) {
                all.push(a.clone());
            }
            all
        });
    if let Some((main, rest)) = referring_side.split_first() {
        mails.push(OutgoingMail {
            purpose: Purpose::LeadChanged,
            to: vec![main.clone()],
            cc: rest.to_vec(),
            once_per_case: false,
            context: lead_context("referrer", lead, &case.case_lead),
            unlimited: Vec::new(),
            step: Some(change_key("lead_changed_told", lead, &now)),
        });
    }
    mails
}

/// Someone other than the referrer or the current case lead says the case
/// lead is now someone else: the current case lead (or the referrer) is
/// asked, so that a real handover is one reply away.
fn pending_lead_mail(
    s: &Situation<'_>,
    case: &CaseContacts,
    authority: &Authority,
    lead: &NamedLead,
    from: Option<&EmailAddress>,
) -> Option<OutgoingMail> {
    let to = case
        .case_lead
        .email
        .clone()
        .or_else(|| case.referrer_email.clone())
        .filter(|a| s.config.allows_sender(a))?;
    let mut context = lead_context("referrer", lead, &case.case_lead);
    context["claimed_by"] = json!(from.map(|f| f.to_string()));
    context["authority_inbox"] = json!(authority.inbox.to_string());
    Some(OutgoingMail {
        purpose: Purpose::LeadChangePending,
        to: vec![to],
        cc: Vec::new(),
        once_per_case: false,
        context,
        unlimited: Vec::new(),
        step: Some(change_key("lead_change_pending", lead, &s.received_at)),
    })
}

pub fn hex_sha256(raw: &[u8]) -> String {
    Sha256::digest(raw)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The case reference a message names, for callers that only need that.
pub fn named_case(analysis: &Analysis) -> Option<&CaseRef> {
    analysis.case_ref.as_ref()
}
