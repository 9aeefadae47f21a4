//! The mail an answer causes: the authority's inbox told, and the
//! referring side told of a new lead officer or asked to confirm a new case
//! lead.

use super::*;
use crate::config::{Config, NoticeTo};
use crate::core::address::EmailAddress;
use crate::core::authority::Authority;
use crate::core::mail::Purpose;
use crate::core::plan::{CaseContacts, OutgoingMail};
use crate::core::reply::NamedLead;
use chrono::{DateTime, Utc};
use serde_json::json;

/// A mail to the authority itself: its inbox, or its operational lead.
pub(super) fn to_authority(
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
        thread_under: None,
        held_until: None,
    }
}

/// Who hears for the referring side: the referrer, copying the case lead
/// (or the case lead alone), at domains allowed to refer; none when
/// neither is.
pub(super) fn referring_side(
    config: &Config,
    case: &CaseContacts,
) -> Option<(EmailAddress, Vec<EmailAddress>)> {
    let allowed = |a: &EmailAddress| config.allows_sender(a);
    let referrer = case.referrer_email.clone().filter(allowed);
    let case_lead = case.case_lead.email.clone().filter(allowed);
    match (referrer, case_lead) {
        (Some(r), Some(c)) if r != c => Some((r, vec![c])),
        (Some(r), _) => Some((r, Vec::new())),
        (None, Some(c)) => Some((c, Vec::new())),
        (None, None) => None,
    }
}

/// The context a `lead_changed` or `lead_change_pending` mail reads.
pub(super) fn lead_context(
    side: &str,
    lead: &NamedLead,
    previous: &NamedLead,
) -> serde_json::Value {
    json!({
        "lead": {
            "side": side,
            "name": lead.name,
            "email": lead.email.as_ref().map(|e| e.to_string()),
            "phone": lead.phone.as_ref().map(|p| p.as_str().to_string()),
            "previous_name": previous.name.clone().or_else(|| previous.email.as_ref().map(|e| e.to_string())),
            "first": !previous.is_named(),
        }
    })
}

/// A key of its own for each change of lead, so that every change is told
/// once (a change recorded by hand has no message to key it by).
pub(super) fn change_key(what: &str, lead: &NamedLead, at: &DateTime<Utc>) -> String {
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
    // The first lead named is news to the referring side as much as a
    // change is (commitment 10: they need to know whom to talk to).
    if lead.same_person(&case.lha_lead) {
        return None;
    }
    let (to, cc) = referring_side(config, case)?;
    Some(OutgoingMail {
        purpose: Purpose::LeadChanged,
        to: vec![to],
        cc,
        once_per_case: false,
        context: lead_context("authority", lead, &case.lha_lead),
        unlimited: Vec::new(),
        step: Some(change_key("lead_changed", lead, at)),
        thread_under: None,
        held_until: None,
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
        thread_under: None,
        held_until: None,
    }];
    // The previous case lead and the referrer, and the new lead too, so
    // that they have the reference from the council's inbox.
    let referring_side: Vec<EmailAddress> = case
        .case_lead
        .email
        .iter()
        .chain(case.referrer_email.iter())
        .filter(|a| Some(*a) != lead.email.as_ref())
        .chain(lead.email.iter())
        .filter(|a| config.allows_sender(a))
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
            thread_under: None,
            held_until: None,
        });
    }
    mails
}

/// Someone other than the referrer or the current case lead says the case
/// lead is now someone else: the current case lead (or the referrer) is
/// asked, so that a real handover is one reply away.
pub(super) fn pending_lead_mail(
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
        thread_under: None,
        held_until: None,
    })
}
