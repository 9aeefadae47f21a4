//! Mail that came back: a delivery report or a leaver's reply about one
//! of the gateway's own mails, and what it does to the case and the
//! authority's contacts. No I/O.

use super::*;
use crate::core::address::EmailAddress;
use crate::core::authority::Authority;
use crate::core::event::EventKind;
use crate::core::plan::{
    CaseChange, CaseContacts, Disposition, GatewayMail, Plan, Returned, Undelivered,
};
use crate::core::undelivered::{Failure, FailureKind, Role};
use crate::message::Analysis;
use serde_json::json;

/// A bounce fails one of the gateway's mails only when it is a delivery
/// status report naming one of that mail's own recipients as failed.
pub(super) fn bounce(analysis: &Analysis, s: &Situation<'_>) -> Plan {
    let mut plan = match s.case {
        Some(case) => note(case, EventKind::BounceReceived, Vec::new()),
        None => Plan::only(Disposition::RecordOnly),
    };
    let Some(mail) = s.returned else {
        return plan;
    };
    // A report about another authority's case speaks for nothing of it:
    // each mailbox is trusted as it is configured, and the Message-ID it
    // names is known to everyone who had the mail.
    if let Some(why) = foreign(s, mail) {
        if let Disposition::Change { changes, .. } = &mut plan.disposition {
            changes.push(not_applied("a returned mail", why));
        }
        return plan;
    }
    let recipients: Vec<EmailAddress> = analysis
        .failed_recipients
        .iter()
        .filter(|r| mail.to.contains(r) || mail.cc.contains(r))
        .cloned()
        .collect();
    if recipients.is_empty() {
        // A refusal written for people, not a delivery report (a secure
        // mail service's, a council's rule): it fails nothing on the case,
        // but the contact it names is told to the authority.
        if let Some(case) = s.case {
            let failures = analysis
                .failures
                .iter()
                .filter(|f| mail.to.contains(&f.address) || mail.cc.contains(&f.address))
                .cloned()
                .collect();
            contact_failed(s, case, mail, failures, None, &mut plan);
        }
        if let Disposition::Change { changes, .. } = &mut plan.disposition {
            changes.push(not_applied(
                "a returned mail",
                "the bounce is not a delivery report for that mail's recipients",
            ));
        }
        return plan;
    }
    // Only a report the mailbox can authenticate fails the mail or reopens
    // a step: the Message-ID it names is known to everyone in the thread.
    // Anything else is noted on the case, and the contact still named to
    // the authority (marked as not authenticated).
    let verified = s.verdict.may_change_state(&s.mailbox.trust);
    if let Disposition::Change { changes, .. } = &mut plan.disposition {
        if !verified {
            changes.push(not_applied(
                format!("the {} marked as not delivered", mail.purpose.in_words()),
                super::answers::unverified_why(s),
            ));
        }
    }
    // An acknowledgement that never arrived did not acknowledge: the
    // council is reminded to tell the referrer another way.
    if mail.purpose == Purpose::Acknowledgement && verified {
        if let Disposition::Change { changes, .. } = &mut plan.disposition {
            changes.push(CaseChange::AcknowledgementReturned {
                to: recipients.clone(),
            });
        }
    }
    if verified {
        plan.returned = Some(Returned {
            outbox_id: mail.outbox_id,
            recipients: recipients.clone(),
        });
    }
    if let Some(case) = s.case {
        let failures = analysis
            .failures
            .iter()
            .filter(|f| recipients.contains(&f.address))
            .cloned()
            .collect();
        contact_failed(s, case, mail, failures, None, &mut plan);
    }
    // A pending change of case lead that could not reach the current case
    // lead goes to the authority instead.
    if mail.purpose == Purpose::LeadChangePending && verified {
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

/// Why a report of a failed mail that arrived in this mailbox may not
/// speak for it: the mail is another authority's case's (or a case the
/// report's thread does not lead to).
pub(super) fn foreign(s: &Situation<'_>, mail: &GatewayMail) -> Option<String> {
    let case_id = mail.case_id?;
    match s.case {
        Some(case) if case.id == case_id && s.mailbox.authority.as_str() == case.authority => None,
        Some(case) if case.id == case_id => Some(format!(
            "it arrived in the {} mailbox, not {}'s",
            s.mailbox.name,
            authority_of_case(s, case)
                .map(|a| a.full_name().to_string())
                .unwrap_or_else(|| case.authority.clone())
        )),
        _ => Some("the mail it names is not of the case it is about".to_string()),
    }
}

/// One of the gateway's mails failed for good for these recipients: each
/// is recorded as a contact to correct, and the authority's own inbox is
/// told once per failed mail and address, whoever sent the
/// report: a notice to the council itself is harmless, and it changes no
/// deadline. Mail to the inbox itself, and these notices, raise none: a
/// notice that bounced must not beget another.
pub(super) fn contact_failed(
    s: &Situation<'_>,
    case: &CaseContacts,
    mail: &GatewayMail,
    failures: Vec<Failure>,
    replacement: Option<&EmailAddress>,
    plan: &mut Plan,
) {
    let Some(authority) = authority_of_case(s, case) else {
        return;
    };
    if mail.case_id != Some(case.id) || mail.purpose == Purpose::ContactFailed {
        return;
    }
    // Named as the mail addressed them (a reply from `jo@justice.gov.uk`
    // to mail sent through CJSM is about `jo@justice.gov.uk.cjsm.net`).
    let failures: Vec<Failure> = failures
        .into_iter()
        .filter_map(|f| {
            let to = mail
                .to
                .iter()
                .chain(mail.cc.iter())
                .find(|r| **r == f.address || r.same_mailbox(&f.address))?;
            Some(Failure {
                address: to.clone(),
                ..f
            })
        })
        .filter(|f| f.address != authority.inbox)
        .fold(Vec::new(), |mut all, f| {
            if !all.iter().any(|a: &Failure| a.address == f.address) {
                all.push(f);
            }
            all
        });
    let vouched = s.verdict.may_change_state(&s.mailbox.trust);
    // One notice per failed address of the mail: a second recipient that
    // fails later is told too, and the same failure reported again is not.
    // A report the receiving server vouched for is keyed apart from one it
    // did not, so that a forged report first does not hide the real one.
    let role_of = |a: &EmailAddress| role(case, authority, a);
    for failure in &failures {
        let role = role_of(&failure.address);
        let context = json!({
            "failure": {
                "address": failure.address.to_string(),
                "others": Vec::<String>::new(),
                "mail": mail.purpose.in_words(),
                "kind": failure.kind.as_str(),
                "left": failure.kind == FailureKind::Left,
                "reason": failure.reason,
                "on": crate::core::words::spoken_time(s.received_at),
                "vouched": vouched,
                "role": role.in_words(),
                "advice": crate::core::undelivered::advice(role, failure.kind),
                "replacement": replacement.map(|a| a.to_string()),
            }
        });
        let mut notice = to_authority(s.config, authority, Purpose::ContactFailed, false, context);
        notice.to = vec![authority.inbox.clone()];
        notice.unlimited = vec![authority.inbox.clone()];
        notice.step = Some(format!(
            "contact_failed@{}:{}{}",
            mail.outbox_id,
            failure.address.as_str().to_ascii_lowercase(),
            if vouched { "" } else { ":unauthenticated" }
        ));
        // Threaded under the gateway's own mail that failed, never under
        // the report, whoever wrote it.
        notice.thread_under = Some(mail.message_id.clone());
        plan.mails.push(notice);
    }
    plan.undelivered
        .extend(failures.into_iter().map(|failure| Undelivered {
            outbox_id: mail.outbox_id,
            role: role_of(&failure.address),
            failure,
            vouched,
        }));
}

/// Who `address` is on the case: the referring side, the council's lead
/// officer, or one of the authority's Annex A contacts.
fn role(case: &CaseContacts, authority: &Authority, address: &EmailAddress) -> Role {
    let is = |other: Option<&EmailAddress>| {
        other.is_some_and(|o| o == address || o.same_mailbox(address))
    };
    if is(case.referrer_email.as_ref()) {
        Role::Referrer
    } else if is(case.case_lead.email.as_ref()) {
        Role::CaseLead
    } else if is(case.lha_lead.email.as_ref()) {
        Role::CouncilLead
    } else if is(Some(&authority.operational_lead.email)) {
        Role::OperationalLead
    } else if is(Some(&authority.dispute_contact.email)) {
        Role::DisputeContact
    } else if is(authority.next_level.as_ref().map(|c| &c.email)) {
        Role::NextLevel
    } else {
        Role::Other
    }
}
