//! What intake makes of one analysed message, in the situation it finds:
//! the plan the store carries out (a case opened, changed or noted, the
//! message set aside) and the mail it sends. No I/O.

use super::*;
use crate::config::Config;
use crate::core::address::EmailAddress;
use crate::core::authority::Authority;
use crate::core::case_ref::ShortCode;
use crate::core::classify::Kind;
use crate::core::event::EventKind;
use crate::core::field::Field;
use crate::core::mail::Purpose;
use crate::core::plan::{
    CaseChange, CaseContacts, CaseStatus, Disposition, NewCase, OutgoingMail, PersonCase, Plan,
};
use crate::core::referral::{ConsentDoubt, Outcome, ReadReferral, Referral};
use crate::core::reply::NamedLead;
use crate::core::sender::Verdict;
use crate::core::undelivered::{Failure, FailureKind};
use crate::message::Analysis;
use serde_json::json;

/// Decides everything a message does. `persons` are the open and
/// incomplete cases of the person a referral names at its authority, oldest
/// first, found by the store while it records.
pub fn decide(analysis: &Analysis, s: &Situation<'_>, persons: &[PersonCase]) -> Plan {
    let mut plan = decide_unsent(analysis, s, persons);
    // Another content under a Message-ID already recorded as a case
    // (a third copy after Dynamic Delivery's two, a resend with changes)
    // opens no second case: a person decides what it adds. Released, a
    // person has decided.
    // The referrer's form for its open case again changes nothing, and
    // would leave the new content unread: set aside too.
    let another_case_or_nothing = match &plan.disposition {
        Disposition::Open(_) => true,
        Disposition::Change { event, .. } => *event == "referral_attached",
        _ => false,
    };
    if let (Some(reference), true, false) = (s.earlier_copy, another_case_or_nothing, s.released) {
        plan = set_aside(
            analysis,
            s,
            format!(
                "a second copy with different content of a message already recorded as case \
                 {reference}"
            ),
            true,
        );
        // Its notice says what a person decides, not what a stranger's
        // mail needs.
        for mail in &mut plan.mails {
            mail.context["copy_of"] = json!(reference.to_string());
        }
    }
    // A portal's notification sender gets no mail, ever: not an answer to
    // its notice, nor one to a referral released from it.
    plan.mails.retain_mut(|mail| {
        mail.to.retain(|a| !s.config.is_portal_sender(a));
        mail.cc.retain(|a| !s.config.is_portal_sender(a));
        if mail.to.is_empty() && !mail.cc.is_empty() {
            mail.to.push(mail.cc.remove(0));
        }
        !mail.to.is_empty()
    });
    if !s.answerable || is_own(analysis, s.config) {
        // Backlog and the gateway's own mail are never answered.
        plan.mails.clear();
    } else if analysis.is_list {
        // Nor is a mailing list; but the authority still hears of what
        // came in its inbox.
        plan.mails
            .retain(|m| matches!(m.purpose, Purpose::Notice | Purpose::QuarantineNotice));
    }
    plan
}

pub(super) fn decide_unsent(
    analysis: &Analysis,
    s: &Situation<'_>,
    persons: &[PersonCase],
) -> Plan {
    if let Some(problem) = &analysis.problem {
        // A referral set aside (several From headers, say) still tells the
        // authority it came.
        return quarantine(analysis, s, problem.clone());
    }
    if s.config.quarantine_unauthenticated && !s.released {
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
    if let Some(reason) = portal_notice(analysis, s) {
        return set_aside(analysis, s, reason, true);
    }
    match analysis.kind {
        Kind::Bounce => return bounce(analysis, s),
        Kind::AutoReply if !(s.released && referral_route(analysis, s).is_some()) => {
            return match s.case {
                Some(case) => {
                    let mut plan = note(case, EventKind::AutoReplyReceived, Vec::new());
                    if let (Some(reason), Some(from)) = (&analysis.left, &analysis.from) {
                        // A leaver's reply about one of the gateway's mails:
                        // the address that answered is the contact to correct.
                        if let Some(mail) = s.parent.or(s.answered) {
                            if let Some(why) = foreign(s, mail) {
                                if let Disposition::Change { changes, .. } = &mut plan.disposition {
                                    changes.push(not_applied("a leaver's automatic reply", why));
                                }
                                return plan;
                            }
                            let failure = Failure {
                                address: from.clone(),
                                kind: FailureKind::Left,
                                reason: reason.clone(),
                            };
                            // Someone the reply names to write to instead,
                            // at a domain allowed to refer or the council's.
                            let replacement = analysis.left_names.iter().find(|a| {
                                *a != from
                                    && (s.config.allows_sender(a)
                                        || authority_of_case(s, case)
                                            .is_some_and(|au| au.owns_domain(&a.domain())))
                            });
                            contact_failed(s, case, mail, vec![failure], replacement, &mut plan);
                        }
                    }
                    plan
                }
                // A referral sent by a system that marks its mail automatic
                // (a case-management system, a rule): never answered, as
                // automatic mail is not, but never lost either.
                None if analysis.carries_form
                    && analysis
                        .from
                        .as_ref()
                        .is_some_and(|f| s.config.allows_sender(f)) =>
                {
                    quarantine(
                        analysis,
                        s,
                        "a referral form in a message marked as sent automatically \
                         (Auto-Submitted, Precedence or an automatic-reply subject): \
                         a person must record it"
                            .to_string(),
                    )
                }
                None => Plan::only(Disposition::RecordOnly),
            };
        }
        _ => {}
    }
    // A message about another authority's case (its thread, or its
    // reference), come to this mailbox: whatever it carries (an answer, a
    // form, a form saying No), it changes nothing of that case and opens
    // none here beside it; a person here passes it on, or releases it to
    // be read as a referral of this authority's.
    if let Some(case) = s.case {
        if !s.released && s.mailbox.authority.as_str() != case.authority {
            let authority = authority_of_case(s, case)
                .map(|a| a.full_name().to_string())
                .unwrap_or_else(|| case.authority.clone());
            return quarantine(
                analysis,
                s,
                format!(
                    "it refers to {}, a case of {authority}, but arrived in the {} mailbox: it \
                     changes nothing of that case; pass it on to {authority} if it is for them",
                    case.case_ref, s.mailbox.name
                ),
            );
        }
    }
    // A form saying No about the person of the open case whose thread it
    // is in: that case's consent said to be withdrawn, for the council to
    // confirm (`answers::withdrawal_said`), never a refused referral
    // beside it with a refusal mailed to whoever sent it.
    let withdraws_in_thread = s.case.is_some_and(|case| {
        case.status.is_open()
            && !case.purged
            && s.mailbox.authority.as_str() == case.authority
            && referral_route(analysis, s).is_some_and(|(_, read)| {
                read.outcome == Outcome::NoConsent
                    && !crate::core::sources::another_person(&case.referral, &read.referral)
            })
    });
    if let (Some((authority, read)), false) = (referral_route(analysis, s), withdraws_in_thread) {
        return referral(analysis, s, authority, read, persons);
    }
    if let Some(case) = s.case {
        let forms = [&analysis.own_form, &analysis.referral, &analysis.filled_in];
        // A form or an answer that takes the consent back completes
        // nothing: it is read as the withdrawal it is.
        let withdrawn = super::answers::withdrawal_said(analysis).is_some();
        if let (Some(from), false) = (analysis.from.as_ref(), withdrawn) {
            // A label with no answer (`Consent given` alone on a line)
            // fills nothing: read below as the words it is.
            for read in forms
                .into_iter()
                .flatten()
                .filter(|r| !r.referral.as_form().is_empty())
            {
                if completes(case, read, from, s) {
                    return complete_case(analysis, s, case, read);
                }
            }
        }
        // `Yes, he has consented to the referral`, in answer to the
        // question about consent: the consent the case was waiting for; or
        // a plain `Yes` in direct answer to the mail asking for it.
        let answers_request = s
            .parent
            .is_some_and(|m| m.purpose == Purpose::Incomplete && m.case_id == Some(case.id));
        if case.status == CaseStatus::Incomplete
            && case.referral.consent.is_none()
            && (analysis.answer.gives_consent || (analysis.answer.says_yes && answers_request))
        {
            if let Some(from) = analysis.from.as_ref() {
                let consent = ReadReferral {
                    referral: Referral {
                        consent: Some(true),
                        ..Referral::default()
                    },
                    outcome: Outcome::Incomplete,
                    missing: Vec::new(),
                    invalid: Vec::new(),
                    conflicts: Vec::new(),
                    conflicting_forms: Vec::new(),
                    consent_doubt: None,
                    several_people: false,
                };
                if completes(case, &consent, from, s) {
                    return complete_case(analysis, s, case, &consent);
                }
            }
        }
        // `Yes (he does not consent to GP contact)` in direct answer to the
        // mail asking for consent: no consent, and the referrer is asked
        // again, told why, rather than left without an answer.
        let consent_asked_again = match (analysis.answer.consent_doubt, analysis.from.as_ref()) {
            (Some(doubt), Some(from))
                if answers_request
                    && case.status == CaseStatus::Incomplete
                    && case.referral.consent.is_none() =>
            {
                let asked = ReadReferral {
                    referral: Referral::default(),
                    outcome: Outcome::Incomplete,
                    missing: Vec::new(),
                    invalid: vec![Field::Consent],
                    conflicts: Vec::new(),
                    conflicting_forms: Vec::new(),
                    consent_doubt: Some(doubt),
                    several_people: false,
                };
                completes(case, &asked, from, s).then_some(asked)
            }
            _ => None,
        };
        if matches!(analysis.kind, Kind::Reply | Kind::Other | Kind::Referral) {
            let mut plan = answer(analysis, s, case);
            if let Some(asked) = &consent_asked_again {
                let (outcome, missing) = case.referral.judge();
                let mail = answer_referrer(analysis, s, case, outcome, &missing, asked);
                ask_unless_asked(&mut plan, case, mail);
            }
            // Answers for an incomplete case from someone who may not give
            // them: on the case, with why they changed nothing.
            let gives_answers = !withdrawn
                && analysis.filled_in.as_ref().is_some_and(|r| {
                    case.status == CaseStatus::Incomplete && !conflicts(&case.referral, &r.referral)
                });
            if gives_answers {
                let why = if !s.verdict.may_change_state(&s.mailbox.trust) {
                    super::answers::unverified_why(s)
                } else {
                    "only the case's referrer or case lead may complete its referral".to_string()
                };
                if let Disposition::Change { changes, .. } = &mut plan.disposition {
                    changes.push(not_applied("the answers for the incomplete referral", why));
                }
            }
            return plan;
        }
    }
    match analysis.kind {
        Kind::Reply => match &analysis.case_ref {
            // A person answering about a case we do not have needs a
            // person to look. Released, it would still join no case, and
            // what it says (a changed release date, say) would reach no
            // one: it stays set aside until a person finds its case.
            Some(reference) if s.released => Plan::only(Disposition::Quarantine {
                reason: format!(
                    "it refers to {reference}, which is not a case here: released, it \
                     would be added to no case and what it says would reach no one"
                ),
            }),
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

/// When the message is to be taken as a referral: the authority it goes
/// to, and the form read.
pub(super) fn referral_route<'a>(
    analysis: &'a Analysis,
    s: &Situation<'_>,
) -> Option<(ShortCode, &'a ReadReferral)> {
    if analysis.problem.is_some() || is_own(analysis, s.config) {
        return None;
    }
    let read = match (analysis.kind, s.case) {
        (Kind::Referral, None) => analysis.referral.as_ref()?,
        // A referral a person released from quarantine, sent by a system
        // that marks its mail automatic.
        (Kind::AutoReply, None) if s.released => analysis.referral.as_ref()?,
        (Kind::Referral, Some(case)) => {
            // In a case's thread: the authority's reply that quotes the
            // referral is its answer; anyone else's form is judged by its
            // content.
            let from = analysis.from.as_ref()?;
            if authority_of_case(s, case).is_some_and(|a| a.speaks_for(from)) {
                return None;
            }
            let read = analysis.referral.as_ref()?;
            if is_form_for_case(case, read, from, s) {
                return None;
            }
            read
        }
        (Kind::Reply, case) => {
            let read = analysis.own_form.as_ref()?;
            let from = analysis.from.as_ref()?;
            match case {
                Some(case) if is_form_for_case(case, read, from, s) => return None,
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
    if !s.config.allows_sender(from) && !s.released {
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
pub(super) fn completes(
    case: &CaseContacts,
    read: &ReadReferral,
    from: &EmailAddress,
    s: &Situation<'_>,
) -> bool {
    is_form_for_case(case, read, from, s) && s.verdict.may_change_state(&s.mailbox.trust)
}

/// A form sent in a case's thread by the case's referrer or case lead,
/// for the case's person, while the case is open: the case's own, whether
/// or not the sender's verdict lets it complete the case. Never a further
/// referral of its own (a second case for the same person): where it may
/// not complete the case, it is noted there with why.
pub(super) fn is_form_for_case(
    case: &CaseContacts,
    read: &ReadReferral,
    from: &EmailAddress,
    s: &Situation<'_>,
) -> bool {
    case.status.is_open()
        && !case.purged
        && s.mailbox.authority.as_str() == case.authority
        && speaks_for_referring_side(s, case, from)
        && (same_person(&case.referral, &read.referral)
            || (case.status == CaseStatus::Incomplete
                && !conflicts(&case.referral, &read.referral)))
}

/// The case's referrer or case lead, at a domain allowed to refer: an
/// address typed into the form elsewhere speaks for nobody.
pub(super) fn speaks_for_referring_side(
    s: &Situation<'_>,
    case: &CaseContacts,
    from: &EmailAddress,
) -> bool {
    case.is_referring_side(from) && s.config.allows_sender(from)
}

/// Two referrals that say different things of who the person is: a
/// different prison number, CRN, name or date of birth where both give
/// one. The referrer's answers to an incomplete case (a date of birth
/// alone, or the whole form corrected) complete it unless they do.
pub(super) fn conflicts(a: &Referral, b: &Referral) -> bool {
    crate::core::sources::another_person(a, b)
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

pub(super) fn authority_of_case<'c>(
    s: &Situation<'c>,
    case: &CaseContacts,
) -> Option<&'c Authority> {
    s.config.authorities.by_code(&case.authority)
}

/// A message the gateway itself sent (seen again in a Sent folder, or
/// returned to the inbox): its Message-ID is the gateway's.
pub(super) fn is_own(analysis: &Analysis, config: &Config) -> bool {
    analysis.message_id.as_deref().is_some_and(|id| {
        id.starts_with("<dtr.") && id.ends_with(&format!("@{}>", config.outgoing.message_id_domain))
    })
}

/// Set aside for a person; a referral-like message tells the authority.
pub(super) fn quarantine(analysis: &Analysis, s: &Situation<'_>, reason: String) -> Plan {
    let worth_a_notice = analysis.kind == Kind::Referral
        || analysis.carries_form
        || (analysis.encrypted.is_some() && analysis.kind != Kind::Bounce);
    set_aside(analysis, s, reason, worth_a_notice)
}

/// Why a message from someone who may refer was set aside when the
/// gateway cannot read the referral it may hold: releasing it would only
/// read the same bytes again, so a person records it by hand.
const CANNOT_BE_READ: &str = "the message cannot be read: ";
const DOCUMENT_UNREAD: &str = "an attached document that may hold a referral could not be read: ";
const NO_FORM_IN_DOCUMENT: &str =
    "an attached document holds no referral form the gateway can read";
const NO_FORM_FOUND: &str = "the subject speaks of a referral, but no form was found";

/// The message was set aside because the gateway cannot read the referral
/// it may hold (encrypted, an attached document it cannot read, no form
/// found): `quarantine release` would not help, `case new --quarantined`
/// records it by hand.
pub fn unreadable_reason(reason: &str) -> bool {
    reason.starts_with(CANNOT_BE_READ)
        || reason.starts_with(DOCUMENT_UNREAD)
        || reason == NO_FORM_IN_DOCUMENT
        || reason == NO_FORM_FOUND
}

/// Set aside as [`unreadable_reason`] says, the authority told that a
/// person must open it and record it by hand.
fn unreadable(analysis: &Analysis, s: &Situation<'_>, reason: String) -> Plan {
    let mut plan = set_aside(analysis, s, reason, true);
    for mail in &mut plan.mails {
        mail.context["unreadable"] = json!(true);
    }
    plan
}

/// Set aside, the authority told when `notice`.
fn set_aside(analysis: &Analysis, s: &Situation<'_>, reason: String, notice: bool) -> Plan {
    let mut plan = Plan::only(Disposition::Quarantine {
        reason: reason.clone(),
    });
    if notice {
        plan.mails.push(to_authority(
            s.config,
            s.receiving,
            Purpose::QuarantineNotice,
            false,
            json!({
                "reason": reason,
                "sender": analysis.from.as_ref().map(|a| a.to_string()),
                "original": original(analysis),
                "portal": portal_notice(analysis, s).is_some(),
            }),
        ));
    }
    plan
}

/// What the referrer's message was: its subject and when it was sent, so
/// that people can find it. The subject on one line: a line break decoded
/// from it would start a line of the gateway's own mail (`From: … (verified)`).
pub(super) fn original(analysis: &Analysis) -> serde_json::Value {
    let one_line = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(200)
            .collect()
    };
    json!({
        "subject": analysis.subject.as_deref().map(one_line),
        "sent": analysis.sent_at.map(crate::core::words::spoken_time),
    })
}

pub(super) fn note(case: &CaseContacts, event: EventKind, changes: Vec<CaseChange>) -> Plan {
    Plan::only(Disposition::Change {
        case: case.id,
        case_ref: case.case_ref.clone(),
        event,
        changes,
    })
}

pub(super) fn not_applied(what: impl Into<String>, why: impl Into<String>) -> CaseChange {
    CaseChange::NotApplied {
        what: what.into(),
        why: why.into(),
    }
}

/// Mail that is neither a referral nor about a case.
/// How long after it came the notice of a referral's note with nothing
/// attached waits for a copy of it with its attachment (Defender's Dynamic
/// Delivery sends that within minutes of the first; mail read long after
/// it came waits for nothing).
pub const AWAITING_A_LATER_COPY: chrono::Duration = chrono::Duration::minutes(20);

pub(super) fn other(analysis: &Analysis, s: &Situation<'_>) -> Plan {
    let allowed = analysis
        .from
        .as_ref()
        .is_some_and(|f| s.config.allows_sender(f));
    if let (Some(why), true) = (&analysis.encrypted, allowed) {
        // A referral that may be inside: a person must open it.
        return unreadable(analysis, s, format!("{CANNOT_BE_READ}{why}"));
    }
    // A blank form sent back unfilled is most likely the wrong file
    // attached: its sender is told it came back empty and given the form
    // again, rather than a case opened with no one in it.
    let wants_form = analysis.asks_for_form || analysis.blank_form_back;
    if allowed && analysis.kind == Kind::Other && !wants_form {
        // From someone who may refer, a referral the gateway cannot read
        // must not be filed and forgotten: a person looks, and the
        // authority is told. The reasons name no attachment.
        if let Some(why) = analysis
            .attachments
            .iter()
            .find_map(|a| a.unread.as_deref())
        {
            return unreadable(analysis, s, format!("{DOCUMENT_UNREAD}{why}"));
        }
        if analysis.documents > 0 {
            return unreadable(analysis, s, NO_FORM_IN_DOCUMENT.to_string());
        }
        if analysis.subject.as_deref().is_some_and(speaks_of_referral) {
            // A referral's note with nothing attached may be Dynamic
            // Delivery's first copy: its notice waits for the real one.
            let mut plan = unreadable(analysis, s, NO_FORM_FOUND.to_string());
            for mail in &mut plan.mails {
                mail.held_until = Some(s.received_at + AWAITING_A_LATER_COPY);
                mail.context["awaiting_a_later_copy"] = json!(true);
            }
            return plan;
        }
    }
    let mut plan = Plan::only(Disposition::RecordOnly);
    // The blank form goes to whoever asks, unless the receiving server
    // says the asker is not who they claim: a forged request would only
    // send the form to someone who did not ask for it.
    let disowned = matches!(s.verdict, Verdict::NotAuthenticated { .. });
    if analysis.kind == Kind::Other && wants_form && !disowned {
        if let Some(to) = analysis.from.clone().filter(|_| allowed) {
            plan.mails.push(OutgoingMail {
                purpose: Purpose::BlankForm,
                to: vec![to],
                cc: Vec::new(),
                once_per_case: false,
                context: json!({ "came_back_empty": analysis.blank_form_back }),
                unlimited: Vec::new(),
                step: None,
                thread_under: None,
                held_until: None,
            });
        }
    }
    plan
}

/// Whether a mail asking for `fields` asks for a date (and so says how to
/// write one).
fn asks_dates(fields: &[Field]) -> bool {
    fields
        .iter()
        .any(|f| f.value_kind() == crate::core::field::ValueKind::Date)
}

/// Why the consent answer could not be taken, in words for the referrer,
/// when consent is among the fields `asked` again and the reading says
/// why; null otherwise. Two forms that disagree are said as such instead.
fn consent_why(read: &ReadReferral, asked: &[Field]) -> serde_json::Value {
    read.consent_doubt
        .filter(|_| asked.contains(&Field::Consent) && !read.conflicts.contains(&Field::Consent))
        .map_or(serde_json::Value::Null, |doubt| json!(doubt.words()))
}

/// The kind of [`consent_why`] (`ConsentDoubt::key`), kept with the mail
/// that asks again, so that the case can say later that its first consent
/// answer was no plain yes; null otherwise.
fn consent_doubt(read: &ReadReferral, asked: &[Field]) -> serde_json::Value {
    read.consent_doubt
        .filter(|_| asked.contains(&Field::Consent) && !read.conflicts.contains(&Field::Consent))
        .map_or(serde_json::Value::Null, |doubt| json!(doubt.key()))
}

/// An attachment's name as a line of text may show it: no control
/// characters, nor the marks that turn text around (`U+202E`: a name that
/// reads `fdp.exe` as `exe.pdf`), at most 120 characters.
fn printable_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            let turns = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
            if c.is_control() || turns {
                ' '
            } else {
                c
            }
        })
        .take(120)
        .collect()
}

/// Where a referral's form was read (`attachment:NAME`) and which forms
/// disagreed, for the officer reading the case; null when it was the
/// email's own text and nothing disagreed.
fn form_read(analysis: &Analysis, read: &ReadReferral) -> serde_json::Value {
    let attached = matches!(
        analysis.form_source,
        Some(crate::core::sources::FormSource::Attachment(_))
    );
    // Documents beside the form that could not be read: the officer opens
    // the mail for them (a scan, a second form, a damaged file).
    let unread: Vec<serde_json::Value> = analysis
        .attachments
        .iter()
        .filter_map(|a| {
            let why = a.unread.as_ref()?;
            Some(json!({ "name": a.name.as_deref().map(printable_name), "why": why }))
        })
        .collect();
    if !attached && read.conflicts.is_empty() && unread.is_empty() {
        return serde_json::Value::Null;
    }
    json!({
        "unread": unread,
        "form_source": analysis.form_source.as_ref().map(|f| f.describe()),
        "conflicts": read.conflicts.iter().map(|f| f.key()).collect::<Vec<_>>(),
        "conflicting_forms": read
            .conflicting_forms
            .iter()
            .map(|f| f.describe())
            .collect::<Vec<_>>(),
    })
}

/// A referral: a new case, a refusal, a completion of the referrer's own
/// open case of the person, a copy the authority forwarded of one it has,
/// or a further referral from someone else: a case of its own, with its
/// own deadlines, linked to the person's first for the authority to see.
/// Its referrer is answered exactly as for a new referral, and nobody on
/// the first case is told: what either learns must not depend on whether
/// the other exists.
pub(super) fn referral(
    analysis: &Analysis,
    s: &Situation<'_>,
    authority_code: ShortCode,
    read: &ReadReferral,
    persons: &[PersonCase],
) -> Plan {
    let config = s.config;
    let authority = config
        .authorities
        .by_code(authority_code.as_str())
        .unwrap_or(s.receiving);
    let received_on = crate::core::protocol::uk_date(s.received_at);
    let from = analysis.from.as_ref();
    let persons = the_same_person_s(persons, read);
    // The referrer named in the form, else who sent it (before any forward).
    // The form's referrer address, when it is at a domain allowed to
    // refer; otherwise whoever sent the referral (an address typed
    // elsewhere is answered nothing, and the sender is not left unanswered).
    // A no-reply or portal address gets no mail: the sender's own is
    // answered instead.
    let allowed = |a: &EmailAddress| config.allows_sender(a) && !config.is_portal_sender(a);
    let referrer: Option<EmailAddress> = read
        .referral
        .referrer_email
        .clone()
        .filter(allowed)
        .or_else(|| analysis.original_sender.clone().filter(allowed))
        .or_else(|| from.cloned().filter(allowed))
        // Released by a person, its sender is answered as if allowed.
        .or_else(|| from.cloned().filter(|_| s.released));
    let labels =
        |fields: &[Field]| -> Vec<&'static str> { fields.iter().map(|f| f.label()).collect() };
    // A field the email and its attached form (or two attached forms)
    // answer differently is named as such: the referrer must say which is
    // right.
    let invalid_labels = |fields: &[Field]| -> Vec<String> {
        fields
            .iter()
            .map(|f| {
                if read.conflicts.contains(f) {
                    format!(
                        "{} ({} give different answers)",
                        f.label(),
                        crate::core::sources::describe_conflicting(&read.conflicting_forms)
                    )
                } else if let Some(wanted) = f.answer_wanted() {
                    // Say what would be read: `Consent to referral (Yes or No)`.
                    format!("{} ({wanted})", f.label())
                } else {
                    f.label().to_string()
                }
            })
            .collect()
    };
    // A document beside the form that could not be read (a scan, a second
    // form, a damaged file) may say what the form does not: a person opens
    // the mail to see.
    let unread: Vec<String> = analysis
        .attachments
        .iter()
        .filter_map(|a| {
            let why = a.unread.as_ref()?;
            Some(match &a.name {
                Some(name) => format!("\"{}\" ({why})", printable_name(name)),
                None => format!("an attachment without a name ({why})"),
            })
        })
        .collect();
    let context = |outcome: Outcome, missing: &[Field], invalid: &[Field]| {
        json!({
            // How many, never their names or why: a file's name can name
            // anyone (another person, a clinic), and this mail may copy in
            // the case lead.
            "unread_documents": unread.len(),
            "outcome": outcome.as_str(),
            "missing": labels(missing),
            "invalid": invalid_labels(invalid),
            "several_people": read.several_people,
            "asks_dates": asks_dates(missing) || asks_dates(invalid),
            "consent_why": consent_why(read, invalid),
            "consent_doubt": consent_doubt(read, invalid),
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
            referrer: referrer.clone(),
            event: EventKind::ReferralRefusedNoConsent,
            detail: serde_json::Value::Null,
            // A refusal keeps nothing that could name the person.
            form_read: serde_json::Value::Null,
        })));
        plan.mails.extend(referrer.map(|to| OutgoingMail {
            purpose: Purpose::NoConsent,
            to: vec![to],
            cc: Vec::new(),
            once_per_case: true,
            context: json!({ "original": original(analysis) }),
            unlimited: Vec::new(),
            step: None,
            thread_under: None,
            held_until: None,
        }));
        return plan;
    }
    // The sender's own case of the person (they referred it or lead it):
    // their form completes it, and is acknowledged once.
    let speaks = s.verdict.may_change_state(&s.mailbox.trust);
    let own_case = from.filter(|_| speaks).and_then(|f| {
        persons
            .iter()
            .copied()
            .find(|c| c.referrer_email.as_ref() == Some(f) || c.case_lead_email.as_ref() == Some(f))
    });
    if let Some(case) = own_case {
        return complete_case(
            analysis,
            s,
            &person_contacts(case, &authority_code, s),
            read,
        );
    }
    // The authority forwarding into its inbox a referral it already has
    // (from an officer's own mailbox, say): the same referral, noted on
    // its case, answered by nobody a second time.
    let forwarded_by_authority =
        analysis.is_forward && from.is_some_and(|f| authority.speaks_for(f)) && speaks;
    if forwarded_by_authority {
        if let Some(case) = persons
            .iter()
            .find(|c| referrer.is_some() && c.referrer_email == referrer)
        {
            let contacts = person_contacts(case, &authority_code, s);
            return note(&contacts, EventKind::ReferralForwarded, Vec::new());
        }
    }
    let first = persons.first();
    let event = match first {
        Some(_) => EventKind::FurtherReferralReceived,
        None => EventKind::ReferralReceived,
    };
    let mut plan = Plan::only(Disposition::Open(Box::new(NewCase {
        authority: authority_code.clone(),
        status: CaseStatus::of(read.outcome),
        referral: read.referral.clone(),
        missing: read.missing.clone(),
        invalid: read.invalid.clone(),
        urgent: read.referral.is_urgent(received_on),
        linked_to: first.map(|f| f.id),
        referrer: referrer.clone(),
        event,
        detail: json!({
            "outcome": read.outcome.as_str(),
            "missing": read.missing.iter().map(|f| f.key()).collect::<Vec<_>>(),
            "invalid": read.invalid.iter().map(|f| f.key()).collect::<Vec<_>>(),
            "conflicts": read.conflicts.iter().map(|f| f.key()).collect::<Vec<_>>(),
            // Why a consent answer was asked again (a limit, a condition,
            // someone else's word): what the referrer wrote may matter to
            // the council once consent is given plainly.
            "consent_doubt": read
                .consent_doubt
                .filter(|_| read.invalid.contains(&Field::Consent))
                .map(ConsentDoubt::key),
            "further_referral_of": first.map(|p| p.case_ref.to_string()),
            // Whether the earlier case's referrer sent this one too (a
            // form they sent again, released from quarantine, say).
            "same_referrer": first.map(|p| referrer.is_some() && p.referrer_email == referrer),
        }),
        form_read: form_read(analysis, read),
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
                thread_under: None,
                held_until: None,
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
            thread_under: None,
            held_until: None,
        }),
    };
    plan.mails.extend(reply);
    let mut notice_context = context;
    let mut notes = Vec::new();
    if let Verdict::NotAuthenticated { reason, .. } = s.verdict {
        // Tracked all the same (a referral is never lost), but the council
        // should not take the sender's word for it.
        notes.push(format!(
            "The receiving mail server could not confirm who sent this referral ({reason}). \
             Confirm it with the referring agency before acting on it or sharing anything."
        ));
    }
    if !unread.is_empty() {
        notes.push(format!(
            "The mail also carries what the gateway could not read: {}. Open the mail to see \
             what it says before acting on the referral.",
            unread.join("; ")
        ));
    }
    if !notes.is_empty() {
        notice_context["notes"] = json!(notes);
    }
    if let Some(first) = first {
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
    plan
}

/// A referral entered by hand of a person whose case the authority has
/// (open or incomplete): not a second case with a second reference. An
/// incomplete case is completed by the form, as the referrer's reply with
/// it would; a complete one is refused, with its reference.
pub(super) fn entered_again(
    analysis: &Analysis,
    s: &Situation<'_>,
    persons: &[PersonCase],
) -> Option<Plan> {
    let (authority_code, read) = referral_route(analysis, s)?;
    if read.outcome == Outcome::NoConsent {
        return None;
    }
    let case = the_same_person_s(persons, read)
        .into_iter()
        .find(|c| matches!(c.status, CaseStatus::Open | CaseStatus::Incomplete))?;
    Some(match case.status {
        CaseStatus::Incomplete => complete_case(
            analysis,
            s,
            &person_contacts(case, &authority_code, s),
            read,
        ),
        _ => Plan::only(Disposition::Quarantine {
            reason: format!(
                "already recorded as {}: the person has an open case at this authority \
                 (give --again to record it as a further referral)",
                case.case_ref
            ),
        }),
    })
}

/// What intake needs of a person's case found by the store, as the
/// contacts of a case.
fn person_contacts(case: &PersonCase, authority: &ShortCode, s: &Situation<'_>) -> CaseContacts {
    CaseContacts {
        id: case.id,
        case_ref: case.case_ref.clone(),
        authority: authority.to_string(),
        status: case.status,
        referral: case.referral.clone(),
        referrer_email: case.referrer_email.clone(),
        referrer_domain: case.referrer_email.as_ref().map(EmailAddress::domain),
        case_lead: NamedLead {
            email: case.case_lead_email.clone(),
            ..NamedLead::default()
        },
        lha_lead: NamedLead::default(),
        release_date: case.referral.expected_release_date,
        received_at: s.received_at,
        purged: false,
        conflicts: Vec::new(),
        consent_first_doubted: case.consent_first_doubted,
        // A form in a new mail is answered as a new message is.
        last_request: None,
        withdrawals_settled: 0,
        withdrawal_waits: false,
    }
}

/// The cases the store found for the person a form names (by one
/// identifier: a prison number, a CRN, a name and date of birth), less
/// those whose person the form names otherwise on two counts or more (a
/// CRN typed twice, another name and another date of birth): someone
/// else, whose case this form must not complete, overwrite or join.
fn the_same_person_s<'p>(persons: &'p [PersonCase], read: &ReadReferral) -> Vec<&'p PersonCase> {
    persons
        .iter()
        .filter(|c| !crate::core::sources::someone_else(&c.referral, &read.referral))
        .collect()
}

/// The referrer's own completed form for their open case: it fills what
/// the case lacks, overwriting nothing, and the referral is acknowledged
/// once it is complete.
pub(super) fn complete_case(
    analysis: &Analysis,
    s: &Situation<'_>,
    case: &CaseContacts,
    read: &ReadReferral,
) -> Plan {
    let received_on = crate::core::protocol::uk_date(s.received_at);
    // The referrer's later form corrects a date of birth or an
    // identifier typed wrong; everything else it only fills in.
    let mut merged = case.referral.clone().merged_over(&read.referral);
    merged.date_of_birth = read.referral.date_of_birth.or(merged.date_of_birth);
    merged.prison_number = read.referral.prison_number.clone().or(merged.prison_number);
    merged.crn = read.referral.crn.clone().or(merged.crn);
    // The referrer's later form moves the release date (parole, Home
    // Detention Curfew): the date it gives is the one that holds now.
    let moved_release = read
        .referral
        .expected_release_date
        .filter(|to| case.release_date.is_some_and(|from| from != *to));
    if let Some(to) = moved_release {
        merged.expected_release_date = Some(to);
    }
    let (mut outcome, mut missing) = merged.judge();
    // A field the opening forms answered differently waits for the
    // referrer's answer, required or not: neither form's was taken, and
    // a risk left unsaid is not a risk settled.
    let given: Vec<Field> = merged.as_form().into_iter().map(|(f, _)| f).collect();
    let unsettled: Vec<Field> = case
        .conflicts
        .iter()
        .copied()
        .filter(|f| !given.contains(f) && !missing.contains(f))
        .collect();
    if !unsettled.is_empty() && outcome == Outcome::Complete {
        outcome = Outcome::Incomplete;
    }
    missing.extend(unsettled);
    missing.sort();
    // A later form that names the person otherwise than the case does is
    // not taken over the case's name: it is noted, for a person to check.
    let renamed = match (&case.referral.full_name, &read.referral.full_name) {
        (Some(held), Some(given)) => !crate::core::sources::agree(Field::FullName, held, given),
        _ => false,
    };
    let status = match outcome {
        Outcome::Complete => CaseStatus::Open,
        _ => CaseStatus::Incomplete,
    };
    // A form that adds nothing to a case already complete is only noted.
    let adds_nothing = merged == case.referral && status == case.status;
    let mut changes = if adds_nothing {
        Vec::new()
    } else {
        vec![CaseChange::ReferralCompleted {
            urgent: merged.is_urgent(received_on),
            referral: Box::new(merged.clone()),
            missing: missing.clone(),
            status,
            completes: status == CaseStatus::Open && case.status != CaseStatus::Open,
            at: s.received_at,
        }]
    };
    if let Some(to) = moved_release {
        changes.push(CaseChange::ReleaseDateChanged {
            to,
            urgent: merged.is_urgent(received_on),
            by: "the referrer's updated form".into(),
        });
    }
    if renamed {
        changes.push(not_applied(
            "the full name the later form gives",
            "it differs from the case's; the case keeps the name it had until a person \
             checks which is right",
        ));
    }
    let mut plan = note(case, EventKind::ReferralAttached, changes);
    if status == CaseStatus::Open && case.status != CaseStatus::Open {
        // The council had only the incomplete notice: now it has a
        // referral to act on, and its deadlines start.
        if let Some(authority) = authority_of_case(s, case) {
            let notes = completion_notes(
                s,
                written_by(analysis, case),
                renamed,
                case.referral.consent == Some(true),
                case.consent_first_doubted,
            );
            let mut notice = notice_of_complete(s, authority, notes, None);
            notice.step = Some("notice:completed".into());
            plan.mails.push(notice);
        }
    }
    plan.mails
        .extend(later_consent_doubted(analysis, s, case, read));
    let mail = answer_referrer(analysis, s, case, outcome, &missing, read);
    ask_unless_asked(&mut plan, case, mail);
    plan
}

/// The council's notice that a later form for an open case answered
/// consent with no plain yes (a limit, a question, someone else's word).
/// The consent the case has stands (a doubt takes nothing back), but what
/// the later form says may limit what the person agreed to: an officer
/// must read it. The notice names the kind of doubt, never its words.
fn later_consent_doubted(
    analysis: &Analysis,
    s: &Situation<'_>,
    case: &CaseContacts,
    read: &ReadReferral,
) -> Option<OutgoingMail> {
    let doubt = read
        .consent_doubt
        .filter(|_| read.invalid.contains(&Field::Consent))?;
    if case.status != CaseStatus::Open {
        return None;
    }
    let authority = authority_of_case(s, case)?;
    let note = format!(
        "A later form for this referral, from {}, did not answer consent with a plain Yes: {}. \
         The consent given before stands, but read that form before sharing anything: it may \
         limit what the person agreed to.",
        written_by(analysis, case).words(),
        doubt.said()
    );
    Some(notice_of_complete(
        s,
        authority,
        vec![note],
        Some(original(analysis)),
    ))
}

/// The council's notice of a referral complete on an open case, with
/// what it must know of it (`notes`), and the message it came with.
fn notice_of_complete(
    s: &Situation<'_>,
    authority: &Authority,
    notes: Vec<String>,
    original: Option<serde_json::Value>,
) -> OutgoingMail {
    let mut context = json!({
        "outcome": "complete",
        "missing": [],
        "invalid": [],
        "notes": notes,
    });
    if let Some(original) = original {
        context["original"] = original;
    }
    to_authority(s.config, authority, Purpose::Notice, false, context)
}

/// Who on the referring side wrote the message: the case lead when it
/// comes from the case lead's address, else the referrer.
fn written_by(analysis: &Analysis, case: &CaseContacts) -> CompletedBy {
    analysis
        .from
        .as_ref()
        .map_or(CompletedBy::Referrer, |from| completed_by(case, from))
}

/// Adds the answer to the referring side's message to the plan, unless it
/// is a request for what is missing that the case's last request already
/// made in the same words to the same person, itself in answer to the
/// referring side: the first answer is always answered (the sender learns
/// their answer was read and what it still lacks), but the same answer
/// again is only noted on the case. A second identical request tells them
/// nothing they do not have in the thread, and reads as a machine that did
/// not read them.
fn ask_unless_asked(plan: &mut Plan, case: &CaseContacts, mail: Option<OutgoingMail>) {
    let Some(mail) = mail else {
        return;
    };
    let asked_already = mail.purpose == Purpose::Incomplete
        && case.last_request.as_ref().is_some_and(|last| {
            last.context["asked_again"] == json!(true)
                && last.to == mail.to
                && [
                    "outcome",
                    "missing",
                    "invalid",
                    "consent_doubt",
                    "addressee",
                ]
                .iter()
                .all(|key| last.context.get(key) == mail.context.get(key))
        });
    match &mut plan.disposition {
        Disposition::Change { changes, .. } if asked_already => {
            changes.push(CaseChange::Noted {
                event: EventKind::MailWithheld,
                detail: json!({
                    "purpose": Purpose::Incomplete.name(),
                    "reason": "the answer leaves the referral as it was, and the last request \
                               already asks for exactly this: it is not asked twice",
                }),
            });
        }
        _ => plan.mails.push(mail),
    }
}

/// The referrer's answer to a later form or reply on an incomplete case:
/// the acknowledgement once it is complete, else the incomplete mail
/// again, saying what is still missing and what could not be read, and
/// why. `read` is what the later message gave; `missing` what the case
/// still lacks.
fn answer_referrer(
    analysis: &Analysis,
    s: &Situation<'_>,
    case: &CaseContacts,
    outcome: Outcome,
    missing: &[Field],
    read: &ReadReferral,
) -> Option<OutgoingMail> {
    let allowed = |a: &EmailAddress| s.config.allows_sender(a);
    let referrer = case
        .referrer_email
        .clone()
        .filter(allowed)
        .or_else(|| analysis.from.clone().filter(allowed));
    let to = referrer?;
    // The case lead's answer that still leaves the referral incomplete is
    // asked of the case lead: they wrote it, and the referrer would be
    // sent the matter of someone else's answer.
    let case_lead_wrote = analysis
        .from
        .as_ref()
        .filter(|from| completed_by(case, from) == CompletedBy::CaseLead)
        .filter(|from| allowed(from));
    // A field this form answered in words that cannot be read (a consent
    // `Yes` with a limit, a date that is none) is asked for as the first
    // mail asks: checked and written again, saying what is wanted.
    let (unreadable, not_given): (Vec<Field>, Vec<Field>) = missing
        .iter()
        .partition(|f| read.invalid.contains(f) && !case.conflicts.contains(f));
    let labels: Vec<String> = not_given
        .iter()
        .map(|f| {
            if case.conflicts.contains(f) {
                format!("{} (the first forms gave different answers)", f.label())
            } else {
                f.label().to_string()
            }
        })
        .collect();
    let unreadable_labels: Vec<String> = unreadable
        .iter()
        .map(|f| match f.answer_wanted() {
            Some(wanted) => format!("{} ({wanted})", f.label()),
            None => f.label().to_string(),
        })
        .collect();
    // A reply in the thread (`RE: [DTR-…] Referral incomplete`) is not the
    // referral the acknowledgement speaks of: the reference says which.
    let in_thread = analysis.case_ref.is_some() || analysis.is_reply;
    let original = if in_thread {
        json!({ "subject": null, "sent": null })
    } else {
        original(analysis)
    };
    let context = json!({
        "outcome": outcome.as_str(),
        "missing": labels,
        "invalid": unreadable_labels,
        "asks_dates": asks_dates(missing),
        // The later form's consent, asked for again: why it was not taken.
        "consent_why": consent_why(read, missing),
        "consent_doubt": consent_doubt(read, missing),
        "original": original,
    });
    Some(match outcome {
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
            thread_under: None,
            held_until: None,
        },
        _ => {
            let mut context = context;
            // An answer to the referring side's own answer: a later one that
            // changes nothing is not answered again (`ask_unless_asked`).
            context["asked_again"] = json!(true);
            let to = match case_lead_wrote {
                Some(case_lead) => {
                    // Greeted as themselves: the referral is not theirs.
                    context["addressee"] =
                        json!(case.case_lead.name.as_deref().unwrap_or("colleague"));
                    case_lead.clone()
                }
                None => to,
            };
            OutgoingMail {
                purpose: Purpose::Incomplete,
                to: vec![to],
                cc: Vec::new(),
                once_per_case: false,
                context,
                unlimited: Vec::new(),
                step: None,
                thread_under: None,
                held_until: None,
            }
        }
    })
}

/// Who on the referring side wrote a message that completes (or answers
/// for) a case's referral.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CompletedBy {
    Referrer,
    CaseLead,
}

impl CompletedBy {
    fn words(self) -> &'static str {
        match self {
            CompletedBy::Referrer => "the referrer",
            CompletedBy::CaseLead => "the case lead",
        }
    }
}

/// The case lead when `from` is the case's case lead and not its referrer
/// (one person may be both); the referrer otherwise.
pub(super) fn completed_by(case: &CaseContacts, from: &EmailAddress) -> CompletedBy {
    let is =
        |address: &Option<EmailAddress>| address.as_ref().is_some_and(|a| a.same_mailbox(from));
    if is(&case.case_lead.email) && !is(&case.referrer_email) {
        CompletedBy::CaseLead
    } else {
        CompletedBy::Referrer
    }
}

/// What the notice of a completed referral tells the authority: when it
/// was completed and by whom, and that the later form named the person
/// otherwise.
fn completion_notes(
    s: &Situation<'_>,
    by: CompletedBy,
    renamed: bool,
    consented_before: bool,
    consent_first_doubted: bool,
) -> Vec<String> {
    let mut notes = vec![format!(
        "This referral arrived incomplete; {} completed it on {}. {}",
        by.words(),
        crate::core::words::spoken_time(s.received_at),
        if consented_before {
            "Its deadlines count from when the person's consent was first given, \
             as the dates below say."
        } else {
            "Its deadlines count from then."
        }
    )];
    if consent_first_doubted {
        notes.push(CONSENT_FIRST_DOUBTED.to_string());
    }
    if renamed {
        notes.push(
            "The referrer's later form gives a different full name from the one first given. \
             The case keeps the first name: please check with the referrer which is right."
                .to_string(),
        );
    }
    notes
}

/// Said to the council of a case whose first consent answer was asked
/// again (a limit, a condition, someone else's word) once consent is given.
pub const CONSENT_FIRST_DOUBTED: &str =
    "The first answer on consent was not a plain Yes: it carried a limit, a condition or \
     someone else's word, and was asked again. Read the referrer's and the case lead's mails \
     about this referral for any limit on what may be shared before contacting the person.";

/// A subject that says the mail is a referral: `refer`, `referral`,
/// `DTR`, `duty to refer` as words (not `reference`).
/// A portal's notification of a referral (an ALERT notice from a no-reply
/// sender, or one listed in `[referrers] portal_senders`): nothing is sent
/// to a portal, so a person must record the referral by hand; the
/// authority hears of it as of any message set aside. Other mail from
/// no-reply senders is only recorded.
fn portal_notice(analysis: &Analysis, s: &Situation<'_>) -> Option<String> {
    let from = analysis.from.as_ref()?;
    if s.released || analysis.kind == Kind::Bounce || !s.config.is_portal_sender(from) {
        return None;
    }
    let listed = s.config.portal_senders.contains(from);
    let about_a_referral =
        analysis.carries_form || analysis.subject.as_deref().is_some_and(speaks_of_referral);
    (listed || about_a_referral).then(|| {
        "a portal's notification of a referral: the gateway sends nothing to a portal; \
         record the referral with `dtr-gateway case new --route portal`"
            .to_string()
    })
}

fn speaks_of_referral(subject: &str) -> bool {
    subject.split(|c: char| !c.is_alphanumeric()).any(|word| {
        matches!(
            word.to_ascii_lowercase().as_str(),
            "refer" | "referral" | "referrals" | "referring" | "dtr"
        )
    })
}

#[cfg(test)]
mod printable_name_tests {
    #[test]
    fn marks_that_turn_text_around_are_not_shown() {
        assert_eq!(
            super::printable_name("scan\u{202e}fdp.exe\u{202c}\n"),
            "scan fdp.exe  "
        );
    }
}
