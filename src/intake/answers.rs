//! Answers in a case's thread: from the authority (a response, a lead
//! officer, an application), from the referring side (steps done, a new
//! release date, a new case lead), or from someone who may not speak for it.

use super::*;
use crate::core::address::EmailAddress;
use crate::core::authority::Authority;
use crate::core::case_ref::CaseRef;
use crate::core::dates::{parse_british_date, DateRole};
use crate::core::event::EventKind;
use crate::core::field::normalise_label;
use crate::core::mail::Purpose;
use crate::core::plan::{CaseChange, CaseContacts, OutgoingMail, Plan};
use crate::core::plan::{CaseStatus, Disposition};
use crate::core::protocol::{Evidence, Owner, Side};
use crate::core::reply::{AnswerReading, NamedLead};
use crate::core::sender::Verdict;
use crate::message::Analysis;
use chrono::NaiveDate;
use serde_json::json;

/// Consent given in a case's thread after the case lapsed for want of it
/// (its details erased): the referrer is told, once per case, that it
/// came too late and to send the referral again as a new email. The
/// referrer's address was erased with the case: the answer must come,
/// authenticated as the mailbox trusts, from the referrer's domain (kept)
/// in answer to the gateway's own mail about the case, which went to them.
/// Once is enough: a second reply would draw the same words again, and an
/// automatic reply could draw them without end.
fn consent_after_lapse(
    analysis: &Analysis,
    s: &Situation<'_>,
    case: &CaseContacts,
    from: &EmailAddress,
) -> Option<Plan> {
    let answers_own_mail = |purposes: &[Purpose]| {
        s.parent
            .is_some_and(|m| m.case_id == Some(case.id) && purposes.contains(&m.purpose))
    };
    let forms = [&analysis.own_form, &analysis.referral, &analysis.filled_in];
    let brings_consent = forms
        .into_iter()
        .flatten()
        .any(|read| read.referral.consent == Some(true))
        || analysis.answer.gives_consent
        || (analysis.answer.says_yes
            && answers_own_mail(&[Purpose::Incomplete, Purpose::ConsentLapsed]));
    let in_its_thread = s.answered.is_some_and(|m| m.case_id == Some(case.id));
    let from_referrers_side = case
        .referrer_domain
        .as_deref()
        .is_some_and(|domain| domain.eq_ignore_ascii_case(&from.domain()))
        && s.config.allows_sender(from)
        && !s.config.is_portal_sender(from)
        && s.verdict.may_change_state(&s.mailbox.trust);
    let speaks = case.status == CaseStatus::Lapsed
        && brings_consent
        && in_its_thread
        && from_referrers_side
        && !analysis.is_forward
        && s.mailbox.authority.as_str() == case.authority;
    if !speaks {
        return None;
    }
    let mut plan = note(
        case,
        EventKind::ReplyReceived,
        vec![not_applied(
            "the consent given",
            "the referral lapsed before it came and its personal details were erased: the \
             referrer is asked to send the referral again as a new email",
        )],
    );
    plan.mails
        .push(OutgoingMail::consent_lapsed(from.clone(), None, true));
    Some(plan)
}

/// An answer in a case's thread: from the authority, the referring side,
/// or someone else.
pub(super) fn answer(analysis: &Analysis, s: &Situation<'_>, case: &CaseContacts) -> Plan {
    let Some(from) = analysis.from.as_ref() else {
        return note(case, EventKind::ReplyReceived, Vec::new());
    };
    let Some(authority) = authority_of_case(s, case) else {
        return note(case, EventKind::ReplyReceived, Vec::new());
    };
    if case.purged {
        if let Some(plan) = consent_after_lapse(analysis, s, case, from) {
            return plan;
        }
        // A case whose personal details were erased takes no new ones.
        return note(
            case,
            EventKind::ReplyReceived,
            vec![not_applied(
                "the answer",
                "the case's personal details were erased",
            )],
        );
    }
    if s.mailbox.authority.as_str() != case.authority {
        // Each authority's mailbox is trusted as it is configured; what
        // arrives in another's changes none of this one's cases, nor is
        // written on them (anyone may write to any inbox). It is set aside
        // where it came, for a person there to pass on.
        let reason = format!(
            "it refers to {}, a case of {}, but arrived in the {} mailbox: it changes nothing of that case; pass it on to {} if it is for them",
            case.case_ref,
            authority.full_name(),
            s.mailbox.name,
            authority.full_name()
        );
        return super::decide::quarantine(analysis, s, reason);
    }
    // A lead filled into a quoted prompt counts only when what is quoted is
    // the gateway's own mail about this case: someone else's mail, quoted
    // in an answer, does not speak for the one who answers.
    let mut reading = analysis.answer.clone();
    let mut set_aside = Vec::new();
    // The quote is the gateway's only when the message answers that mail
    // directly: a reply to someone else's message in the same thread
    // quotes theirs.
    let answers_gateway = s.parent.is_some_and(|m| m.case_id == Some(case.id));
    if reading.lead_in_quote && !answers_gateway {
        if let Some(lead) = reading.named_lead.take() {
            set_aside.push(not_applied(
                format!(
                    "the lead {} filled into a quoted message",
                    lead_words(&lead)
                ),
                "only the gateway's own prompt, in its mail about this case, counts",
            ));
        }
    }
    if !case.status.is_open() {
        // Its deadlines ended: nothing an answer says applies.
        return note(
            case,
            EventKind::ReplyReceived,
            vec![not_applied(
                "the answer",
                format!("the case is {}", case.status.as_str()),
            )],
        );
    }
    if let Some(plan) = confirmed_withdrawal(analysis, &reading, s, case, authority, from) {
        return plan;
    }
    // The council answering elsewhere in the thread of the gateway's own
    // question about consent (a reply to a forward of it, say) answers
    // that question, not the referral: no response to the referral, and
    // nothing closed.
    let about_the_question = s
        .answered
        .is_some_and(|m| m.purpose == Purpose::ConsentWithdrawn && m.case_id == Some(case.id));
    if about_the_question && authority.speaks_for(from) {
        return note(
            case,
            EventKind::ReplyReceived,
            vec![not_applied(
                "the council's answer in the thread of the question about consent",
                "only a direct reply to that notice saying Confirmed closes the case; it is no \
                 response to the referral",
            )],
        );
    }
    let mut plan = if authority.speaks_for(from) {
        authority_answer(analysis, &reading, s, case, authority)
    } else if speaks_for_referring_side(s, case, from) {
        referring_answer(analysis, &reading, s, case, authority, true)
    } else if s.config.allows_sender(from) {
        referring_answer(analysis, &reading, s, case, authority, false)
    } else {
        note(case, EventKind::ReplyReceived, Vec::new())
    };
    if let Disposition::Change { changes, .. } = &mut plan.disposition {
        changes.extend(set_aside);
    }
    if let Some(said) = withdrawal_said(analysis) {
        withdrawal_reported(&mut plan, analysis, s, case, authority, from, said);
    } else if reading.withdrawal_taken_back
        && speaks_for_referring_side(s, case, from)
        && s.verdict.may_change_state(&s.mailbox.trust)
        && !analysis.is_forward
    {
        let by = if case
            .referrer_email
            .as_ref()
            .is_some_and(|r| r.same_mailbox(from))
        {
            "The referrer"
        } else {
            "The case lead"
        };
        if let Disposition::Change { changes, .. } = &mut plan.disposition {
            changes.push(CaseChange::Noted {
                event: EventKind::ConsentWithdrawalTakenBack,
                detail: json!({ "by": by }),
            });
        }
    }
    plan
}

/// What the message says of a withdrawal of the person's consent: its own
/// words, or a form for the case whose consent answer is `No`.
pub(super) fn withdrawal_said(analysis: &Analysis) -> Option<String> {
    analysis.answer.withdrawal.clone().or_else(|| {
        [&analysis.own_form, &analysis.referral, &analysis.filled_in]
            .into_iter()
            .flatten()
            .any(|read| read.referral.consent == Some(false))
            .then(|| "Consent to referral: No (in a form in the message)".to_string())
    })
}

const WITHDRAWAL: &str = "the person's consent withdrawn";

/// A message in the case's thread says the person has withdrawn their
/// consent. Without consent no referral stands, but words are not a
/// person's decision: read wrongly (a privacy notice, another consent, a
/// colleague's guess) or forged, they would end someone's referral. So the
/// case says what was written and by whom, and the council is asked to
/// confirm by replying to its notice (see `confirmed_withdrawal`); until
/// then the deadlines run. An unauthenticated sender's words, or a
/// forward's, are only noted; the council hears once per case and day.
fn withdrawal_reported(
    plan: &mut Plan,
    analysis: &Analysis,
    s: &Situation<'_>,
    case: &CaseContacts,
    authority: &Authority,
    from: &EmailAddress,
    said: String,
) {
    let from_authority = authority.speaks_for(from);
    if !from_authority && !s.config.allows_sender(from) {
        return;
    }
    // `DTR-COL-2026-00001 has withdrawn`, written in another case's
    // thread: about that case, not this one.
    // (`DTR/COL/2026/00002`, as people type it, too.)
    let named: Vec<CaseRef> = said
        .split(|c: char| c.is_whitespace() || "()[],.;:".contains(c))
        .filter_map(|word| CaseRef::find_in(&word.replace('/', "-")))
        .collect();
    if !named.is_empty() && !named.contains(&case.case_ref) {
        return;
    }
    // The council, the referrer or the case lead: their word holds the
    // case's follow-ups until the council answers.
    let entitled = from_authority || speaks_for_referring_side(s, case, from);
    let by = if from_authority {
        "the council".to_string()
    } else if case
        .referrer_email
        .as_ref()
        .is_some_and(|r| r.same_mailbox(from))
    {
        "the referrer".to_string()
    } else if entitled {
        "the case lead".to_string()
    } else {
        format!(
            "someone at {} who is neither the case's referrer nor its case lead",
            from.domain()
        )
    };
    let why_not = if analysis.is_forward {
        Some("a forward (FW:) speaks for nobody".to_string())
    } else if !s.verdict.may_change_state(&s.mailbox.trust) {
        Some(unverified_why(s))
    } else {
        None
    };
    let change = match &why_not {
        Some(why) => not_applied(WITHDRAWAL, why.clone()),
        None => CaseChange::Noted {
            event: EventKind::ConsentWithdrawalReported,
            detail: json!({ "by": by, "follow_ups_wait": entitled }),
        },
    };
    if let Disposition::Change { changes, .. } = &mut plan.disposition {
        changes.push(change);
    }
    if why_not.is_some() {
        return;
    }
    // The case's follow-ups wait for the council's answer: held by this
    // report, or by one before it not yet settled.
    let holds = entitled || case.withdrawal_waits;
    let mut mail = to_authority(
        s.config,
        authority,
        Purpose::ConsentWithdrawn,
        false,
        json!({
            "sender": from.to_string(),
            "original": original(analysis),
            "withdrawal": {
                "by": by,
                "said": said,
                "person": case.referral.full_name,
                "never_given": case.referral.consent != Some(true),
                // Whether the case's follow-ups wait for the council's
                // answer (a report from the referrer, the case lead or the
                // council), as the notice must say.
                "holds": holds,
                // The referring side's own message, for the note that the
                // referral closed to thread under; not the council's.
                "message_id": (!from_authority).then(|| analysis.message_id.clone()).flatten(),
            },
        }),
    );
    // Once per case and day, whoever writes: a second message saying it
    // again, or a flood of them from many addresses, asks nothing new (each
    // is on the case's timeline); a misread message uses up no more than
    // that day. But a report after the last one was settled (declined,
    // taken back, confirmed, the case reopened), or one that now holds the
    // follow-ups where the day's did not, asks afresh: every report that
    // holds them is one the council has a notice to answer.
    mail.step = Some(format!(
        "consent_withdrawn:{}:{}{}",
        crate::core::protocol::uk_date(s.received_at),
        case.withdrawals_settled,
        if holds { ":holds" } else { "" }
    ));
    plan.mails.push(mail);
}

/// The council's answer to its notice of a withdrawal (`Confirmed`, `Yes`,
/// authenticated, from the authority): the case closes, as a person
/// closing it would, and its deadlines end.
fn confirmed_withdrawal(
    analysis: &Analysis,
    reading: &AnswerReading,
    s: &Situation<'_>,
    case: &CaseContacts,
    authority: &Authority,
    from: &EmailAddress,
) -> Option<Plan> {
    // Only a direct answer to the notice (its In-Reply-To), from the
    // council: a reply elsewhere in the thread, or to a forward of it,
    // answers someone else.
    let notice = s
        .parent
        .filter(|m| m.purpose == Purpose::ConsentWithdrawn && m.case_id == Some(case.id))?;
    if !authority.speaks_for(from) {
        return None;
    }
    // Where the authority lists its officers, one of them, its inbox or
    // its contacts confirm: not any address at the council's domain.
    let contacts = [
        Some(&authority.inbox),
        Some(&authority.operational_lead.email),
        Some(&authority.dispute_contact.email),
        authority.next_level.as_ref().map(|c| &c.email),
    ];
    let may_confirm = authority.officers.is_empty()
        || authority.officers.iter().any(|o| o.same_mailbox(from))
        || contacts.into_iter().flatten().any(|c| c.same_mailbox(from));
    if !may_confirm {
        return Some(note(
            case,
            EventKind::ReplyReceived,
            vec![not_applied(
                "the council's confirmation that consent is withdrawn",
                "only the council's inbox, its listed officers or its contacts confirm it",
            )],
        ));
    }
    if reading.declines && !analysis.is_forward && s.verdict.may_change_state(&s.mailbox.trust) {
        // The council says the withdrawal does not stand: the case no
        // longer waits for it, and its follow-ups run again.
        return Some(note(
            case,
            EventKind::ReplyReceived,
            vec![CaseChange::Noted {
                event: EventKind::ConsentWithdrawalDeclined,
                detail: json!({ "by": from.to_string() }),
            }],
        ));
    }
    if !reading.confirms || analysis.is_forward {
        // An answer to the gateway's own question is not the council's
        // response to the referral: it only closes, or does nothing.
        return Some(note(
            case,
            EventKind::ReplyReceived,
            vec![not_applied(
                "the council's answer to the question about consent",
                "its first line is not `Confirmed`: the case stays open",
            )],
        ));
    }
    if !s.verdict.may_change_state(&s.mailbox.trust) {
        return Some(note(
            case,
            EventKind::ReplyReceived,
            vec![not_applied(
                "the council's confirmation that consent is withdrawn",
                unverified_why(s),
            )],
        ));
    }
    let who = notice.context["withdrawal"]["by"]
        .as_str()
        .unwrap_or("a message in the case's thread");
    let refused = case.referral.consent != Some(true);
    let mut plan = note(
        case,
        EventKind::ReplyReceived,
        vec![CaseChange::ConsentWithdrawn {
            by: format!("{who} wrote it and {from} confirmed it for the council"),
            at: s.received_at,
            refused,
            notice: Some(notice.outbox_id),
        }],
    );
    // The referring side learns that the referral ends, and why; nothing
    // about the person.
    if let Some((to, cc)) = super::mails::referring_side(s.config, case) {
        plan.mails.push(OutgoingMail {
            purpose: Purpose::WithdrawalConfirmed,
            to: vec![to],
            cc,
            once_per_case: true,
            context: json!({ "outcome": if refused { "no_consent" } else { "complete" } }),
            unlimited: Vec::new(),
            step: None,
            // Under the referring side's message that said it, not under
            // the officer's confirmation, which is the council's own.
            thread_under: notice.context["withdrawal"]["message_id"]
                .as_str()
                .map(str::to_string),
            held_until: None,
        });
    }
    Some(plan)
}

/// The authority answering in the case's thread, wherever the answer is
/// addressed: its response, perhaps naming its lead officer (commitment
/// 10), saying a step is done, recording the application or asking the
/// referring side for information (commitment 16).
pub(super) fn authority_answer(
    analysis: &Analysis,
    reading: &AnswerReading,
    s: &Situation<'_>,
    case: &CaseContacts,
    authority: &Authority,
) -> Plan {
    if let Some(why) = &analysis.encrypted {
        let mut plan = note(
            case,
            EventKind::ReplyReceived,
            vec![CaseChange::Noted {
                event: EventKind::AnswerUnreadable,
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
            EventKind::ReplyReceived,
            vec![not_applied(
                "the authority's response",
                "a forward (FW:) answers nobody",
            )],
        );
    }
    if !reading.has_own_text && reading.named_lead.is_none() {
        return note(
            case,
            EventKind::ReplyReceived,
            vec![not_applied(
                "the authority's response",
                "the message only quotes another",
            )],
        );
    }
    if !s.verdict.may_change_state(&s.mailbox.trust) {
        return note(
            case,
            EventKind::ReplyReceived,
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
    // `I will be the lead officer for this case`, signed: the sender.
    // (A shared inbox is nobody: only a person's own address names them.)
    let personal = analysis
        .from
        .as_ref()
        .is_some_and(|f| *f != authority.inbox && !f.same_mailbox(&authority.inbox));
    let self_named = (reading.sender_takes_lead && personal).then(|| NamedLead {
        name: analysis.from_name.clone(),
        email: analysis.from.clone(),
        phone: None,
    });
    if let Some(lead) = reading.named_lead.as_ref().or(self_named.as_ref()) {
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
        // The request reaches the referring side even when the officer
        // wrote it to the council's own inbox (answering the notice); an
        // officer who wrote to the referrer has told them already.
        let told = case
            .referrer_email
            .as_ref()
            .is_some_and(|r| analysis.recipients.contains(r));
        if !told {
            mails.extend(information_request_mail(s, case, what));
        }
    }
    if reading.release_date.is_some() {
        changes.push(not_applied(
            "a new release date",
            "only the referrer or the case lead moves the release date",
        ));
    }
    let mut plan = note(case, EventKind::ReplyReceived, changes);
    plan.mails = mails;
    plan
}

/// Commitment 16: the authority's request, in its own words, to the
/// referrer, copying the case lead.
fn information_request_mail(
    s: &Situation<'_>,
    case: &CaseContacts,
    what: &str,
) -> Option<OutgoingMail> {
    let (to, cc) = super::mails::referring_side(s.config, case)?;
    Some(OutgoingMail {
        purpose: Purpose::InformationRequested,
        to: vec![to],
        cc,
        once_per_case: false,
        context: json!({ "information": { "what": clip(what) } }),
        unlimited: Vec::new(),
        step: Some(format!(
            "information_requested:{}",
            s.received_at.timestamp()
        )),
        thread_under: None,
        held_until: None,
    })
}

/// The referring side answering: the referrer or the case lead (entitled),
/// or someone else at an allowed domain (who may only name themselves as
/// the new case lead).
pub(super) fn referring_answer(
    analysis: &Analysis,
    reading: &AnswerReading,
    s: &Situation<'_>,
    case: &CaseContacts,
    authority: &Authority,
    entitled: bool,
) -> Plan {
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
        return note(case, EventKind::ReplyReceived, changes);
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
    // The referring side names its own lead with `Case lead:`; a
    // `Lead officer:` line is the council's word, and from anyone else
    // names nobody.
    let case_lead_named = reading
        .named_lead
        .as_ref()
        .filter(|_| reading.names_case_lead);
    if let Some(lead) = reading
        .named_lead
        .as_ref()
        .filter(|_| !reading.names_case_lead)
    {
        changes.push(not_applied(
            format!("lead officer {}", lead_words(lead)),
            "only the authority names its lead officer",
        ));
    }
    if let Some(lead) = case_lead_named {
        let outside = lead
            .email
            .as_ref()
            .is_none_or(|e| !s.config.allows_sender(e));
        // A newly assigned officer tells the council (commitment 11): an
        // authenticated sender naming themselves, from the organisation
        // that referred or leads the case. Anyone else at an allowed
        // domain (NHSmail, any council) only asks, and the case lead is
        // asked to confirm.
        let names_themselves = lead.email.as_ref().is_some_and(|e| Some(e) == from)
            && from.is_some_and(|f| {
                case.referrer_email
                    .iter()
                    .chain(case.case_lead.email.iter())
                    .any(|c| c.same_organisation(f))
            });
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
                // Release a month and more ago is a slip of the keyboard
                // (a year, a month), not news about this case.
                Some(to) if (today - to).num_days() > 28 => changes.push(not_applied(
                    format!("release date `{}`", clip(text)),
                    "more than four weeks in the past",
                )),
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
    } else {
        // A colleague of the referrer (not the referrer nor the case lead):
        // what they ask is on the case, with why it changed nothing.
        let wants: Vec<&str> = [
            reading.release_date.as_ref().map(|_| "a new release date"),
            (!reading.done.is_empty()).then_some("a step done"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !wants.is_empty() {
            changes.push(not_applied(
                wants.join(", "),
                "only the case's referrer or case lead answers for the referring side",
            ));
        }
    }
    let mut plan = note(case, EventKind::ReplyReceived, changes);
    plan.mails = mails;
    plan
}

#[derive(serde::Deserialize)]
pub(super) struct PendingLead {
    pub(super) name: Option<String>,
    pub(super) email: String,
}

/// Why a message without a verdict the mailbox trusts changes nothing.
pub(super) fn unverified_why(s: &Situation<'_>) -> String {
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
pub(super) fn answered_rule(s: &Situation<'_>, case: &CaseContacts) -> Option<String> {
    s.answered
        .filter(|m| m.case_id == Some(case.id))
        .and_then(|m| m.rule.clone())
}

/// Which rules `Done:` lines from `side` are about: the rule whose
/// follow-up they answer, a rule named by its id, commitment or words, or
/// the one rule that side owes. Lines that say none are noted.
pub(super) fn done_rules(
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
pub(super) fn read_day(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let lower = text.trim().to_ascii_lowercase();
    if lower == "today" || lower == "yes" {
        return Some(today);
    }
    parse_british_date(text, today, DateRole::Event)
}

pub(super) fn lead_words(lead: &NamedLead) -> String {
    match (&lead.name, &lead.email) {
        (Some(n), Some(e)) => format!("{} <{e}>", clip(n)),
        (Some(n), None) => clip(n),
        (None, Some(e)) => e.to_string(),
        (None, None) => "(nobody)".into(),
    }
}

/// At most 200 characters of something a message wrote, for the timeline.
pub(super) fn clip(text: &str) -> String {
    text.trim().chars().take(200).collect()
}

/// The case reference a message names, for callers that only need that.
pub fn named_case(analysis: &Analysis) -> Option<&CaseRef> {
    analysis.case_ref.as_ref()
}
