//! The deadline sweep's decisions: which reminders, chases and escalations
//! a case is owed on a given working day, and who receives each. Pure: the
//! adapter (`crate::sweep`) loads cases, asks, and writes the answers to the
//! outbox, each step once.
//!
//! The ladder of a deadline is worked out from what was done, not from the
//! calendar alone: the reminder a set number of working days before it; the
//! first chase the working day after it, each next chase `chase_every`
//! working days after the last one sent, up to the rule's maximum; the
//! escalation `escalate_after` working days after it, and never before the
//! working day after the first chase ([`escalation_day`], which the
//! reminder and chases also name). A case read after the daemon was stopped
//! gets the next step, never a burst of missed ones, and never starts at
//! "Chase 6".

use super::address::EmailAddress;
use super::authority::{Authority, Contact};
use super::calendar::Calendar;
use super::protocol::{CaseFacts, Due, Owner, Progress, Protocol, Rule};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One follow-up of a deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StepKind {
    Reminder,
    /// The n-th chase, from 1.
    Chase(u32),
    Escalation,
    /// The rule's last chase was sent: a note on the case, no mail.
    ChasesEnded,
}

impl StepKind {
    /// As people read it: `Reminder`, `Chase 2`, `Escalation`.
    pub fn label(self) -> String {
        match self {
            StepKind::Reminder => "Reminder".into(),
            StepKind::Chase(n) => format!("Chase {n}"),
            StepKind::Escalation => "Escalation".into(),
            StepKind::ChasesEnded => "No more chases".into(),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            StepKind::Reminder => "reminder",
            StepKind::Chase(_) => "chase",
            StepKind::Escalation => "escalation",
            StepKind::ChasesEnded => "chases_ended",
        }
    }

    pub fn number(self) -> u32 {
        match self {
            StepKind::Chase(n) => n,
            _ => 1,
        }
    }

    /// Read back from a step key's tail (`chase:2`).
    pub fn parse(text: &str) -> Option<StepKind> {
        match text.split_once(':') {
            Some(("chase", n)) => n.parse().ok().map(StepKind::Chase),
            None => match text {
                "reminder" => Some(StepKind::Reminder),
                "escalation" => Some(StepKind::Escalation),
                "chases_ended" => Some(StepKind::ChasesEnded),
                _ => None,
            },
            _ => None,
        }
    }
}

impl fmt::Display for StepKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepKind::Chase(n) => write!(f, "chase:{n}"),
            other => f.write_str(other.name()),
        }
    }
}

/// A follow-up the sweep has done for a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoneStep {
    /// `lead_officer:chase:2`; [`STOPPED_KEY`] for the note that follow-ups
    /// ended.
    pub key: String,
    pub on: NaiveDate,
    /// To whom, by name or address, for the history in later mail.
    pub to: Option<String>,
    /// The deadline it was about. A deadline that moves (a new release
    /// date, a later request for information) starts its ladder again.
    /// Steps recorded before this was kept count for any date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
}

/// The key of the note that a case's follow-ups stopped after release.
pub const STOPPED_KEY: &str = "follow_ups:stopped";

impl DoneStep {
    /// The rule and step of its key.
    pub fn rule_and_kind(&self) -> Option<(&str, StepKind)> {
        let (rule, kind) = self.key.split_once(':')?;
        Some((rule, StepKind::parse(kind)?))
    }

    /// Its step, when it was about `rule`'s deadline falling on `due`.
    pub fn is(&self, rule: &str, due: NaiveDate) -> Option<StepKind> {
        let (r, kind) = self.rule_and_kind()?;
        (r == rule && self.due.is_none_or(|d| d == due)).then_some(kind)
    }
}

/// A follow-up due on `on` for a deadline falling on `due`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step<'a> {
    pub rule: &'a Rule,
    pub kind: StepKind,
    pub on: NaiveDate,
    pub due: Due,
}

impl Step<'_> {
    /// Unique within a case and deadline: `lead_officer:chase:2`.
    pub fn key(&self) -> String {
        format!("{}:{}", self.rule.id, self.kind)
    }

    /// Unique within a case, whatever the deadline's date: the outbox's
    /// idempotency step (`lead_officer:chase:2@2026-11-30`).
    pub fn instance_key(&self) -> String {
        format!("{}@{}", self.key(), self.due.on)
    }
}

/// The working day the sweep acts for at `now`: today, from `send_from`
/// until `send_until` UK time on a working day. None in the evening, at
/// night and on days off: nobody is chased at the weekend or at 22:30.
pub fn acting_day(
    now: DateTime<Utc>,
    send_from: NaiveTime,
    send_until: NaiveTime,
    calendar: &Calendar,
) -> Option<NaiveDate> {
    let local = crate::core::uk::local(now);
    let today = local.date_naive();
    (local.time() >= send_from && local.time() < send_until && calendar.is_working_day(today))
        .then_some(today)
}

/// Why a sweep at `now` acts for no day, in words.
pub fn not_acting_because(
    now: DateTime<Utc>,
    send_from: NaiveTime,
    send_until: NaiveTime,
    calendar: &Calendar,
) -> Option<String> {
    let local = crate::core::uk::local(now);
    let today = local.date_naive();
    if !calendar.is_working_day(today) {
        Some(format!(
            "{} is not a working day: nothing sent",
            today.format("%A %-d %B %Y")
        ))
    } else if local.time() < send_from {
        Some(format!(
            "before {} UK time: nothing sent until then",
            send_from.format("%H:%M")
        ))
    } else if local.time() >= send_until {
        Some(format!(
            "after {} UK time: nothing sent until the next working day",
            send_until.format("%H:%M")
        ))
    } else {
        None
    }
}

/// When a follow-up held at `now` may go: none when it may go now (a
/// working day, between `send_from` and `send_until`, UK time); otherwise
/// the next working day's `send_from`.
pub fn next_sending_time(
    now: DateTime<Utc>,
    send_from: NaiveTime,
    send_until: NaiveTime,
    calendar: &Calendar,
) -> Option<DateTime<Utc>> {
    if acting_day(now, send_from, send_until, calendar).is_some() {
        return None;
    }
    let local = crate::core::uk::local(now);
    let today = local.date_naive();
    let day = if calendar.is_working_day(today) && local.time() < send_from {
        today
    } else {
        calendar.next_working_day(today)
    };
    Some(crate::core::uk::instant(day, send_from))
}

/// Everything the planner needs of one case.
#[derive(Clone, Copy)]
pub struct CaseView<'a> {
    pub facts: &'a CaseFacts,
    pub progress: &'a Progress,
    pub paused_until: Option<NaiveDate>,
    /// A message said the person withdrew their consent and the council
    /// has not answered: no follow-up until it declines (or the referring
    /// side takes it back).
    pub awaiting_withdrawal: bool,
    pub done: &'a [DoneStep],
}

/// The deployment's limits on follow-ups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// No follow-up of any kind this many days after release.
    pub stop_after_release: Duration,
}

/// What a case is owed on a day, and when it may next be owed something.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FollowUpPlan<'a> {
    /// The steps whose day has come and that are not done.
    pub steps: Vec<Step<'a>>,
    /// Follow-ups ended (release was long ago): the reason, to note once.
    pub stopped: Option<String>,
    /// The first day after `day` on which something new could be owed
    /// (`day` itself never: what is due today is in `steps`); none when
    /// nothing more can come of the case as it stands.
    pub next: Option<NaiveDate>,
}

/// The follow-ups of a case on `day`: for each deadline that applies, has a
/// date and is not met, its reminder, next chase and escalation when their
/// day has come and they are not done. A paused case gets none, nor one
/// whose withdrawal of consent waits for the council: chasing a council
/// about a referral the person may have withdrawn from asks it to act on
/// what it was just asked to confirm it must not.
pub fn plan<'a>(
    protocol: &'a Protocol,
    calendar: &Calendar,
    case: CaseView<'_>,
    limits: Limits,
    day: NaiveDate,
) -> FollowUpPlan<'a> {
    let mut out = FollowUpPlan::default();
    if let Some(until) = case.paused_until.filter(|until| day < *until) {
        out.next = Some(until);
        return out;
    }
    if case.awaiting_withdrawal {
        // Read again when the council answers (the case changes then).
        return out;
    }
    // Counted from release, or from the referral when the person was
    // already out when referred (released, rough sleeping): their need is
    // now, and the council owes its steps as for anyone.
    let stop_after = case
        .facts
        .release_date
        .map(|r| r.max(case.facts.clock_from_day()))
        .and_then(|r| r.checked_add_signed(limits.stop_after_release));
    let consider = |d: NaiveDate, next: &mut Option<NaiveDate>| {
        if d > day && next.is_none_or(|n| d < n) {
            *next = Some(d);
        }
    };
    for rule in &protocol.rules {
        if !rule.applies(case.facts) || rule.is_met(case.facts, case.progress, calendar) {
            continue;
        }
        let Some(due) = rule.due(case.facts, calendar) else {
            continue;
        };
        let done: Vec<(StepKind, NaiveDate)> = case
            .done
            .iter()
            .filter_map(|d| d.is(&rule.id, due.on).map(|k| (k, d.on)))
            .collect();
        let has = |kind: StepKind| done.iter().any(|(k, _)| *k == kind);
        if let Some(on) = rule.reminder_on(due.on, calendar) {
            if !has(StepKind::Reminder) && on <= due.on {
                if on <= day && day <= due.on {
                    out.steps.push(Step {
                        rule,
                        kind: StepKind::Reminder,
                        on,
                        due,
                    });
                } else {
                    consider(on, &mut out.next);
                }
            }
        }
        let escalation_on = escalation_day(rule, calendar, due.on, case.done, day);
        let escalates_today = match escalation_on {
            Some(on) if !has(StepKind::Escalation) => {
                if on <= day {
                    out.steps.push(Step {
                        rule,
                        kind: StepKind::Escalation,
                        on,
                        due,
                    });
                    true
                } else {
                    consider(on, &mut out.next);
                    false
                }
            }
            _ => false,
        };
        if let Some(every) = rule.chase_every {
            let chases: Vec<NaiveDate> = done
                .iter()
                .filter(|(k, _)| matches!(k, StepKind::Chase(_)))
                .map(|(_, on)| *on)
                .collect();
            let count = u32::try_from(chases.len()).unwrap_or(u32::MAX);
            let next_chase = match chases.iter().max() {
                None => first_chase_day(due.on, calendar),
                Some(last) => calendar.add_working_days(*last, every.max(1)),
            };
            let ended = count >= rule.max_chases;
            if ended && has(StepKind::ChasesEnded) {
                // Nothing more but the escalation.
            } else if next_chase > day {
                consider(next_chase, &mut out.next);
            } else if escalates_today {
                // The escalation copies the operational lead: no chase the
                // same day as well; it comes the next working day.
                consider(calendar.next_working_day(day), &mut out.next);
            } else {
                let kind = if ended {
                    StepKind::ChasesEnded
                } else {
                    // The chase after this one (or the note that there
                    // are no more) comes `every` working days after it.
                    consider(calendar.add_working_days(day, every.max(1)), &mut out.next);
                    StepKind::Chase(count + 1)
                };
                out.steps.push(Step {
                    rule,
                    kind,
                    on: next_chase.max(due.on),
                    due,
                });
            }
        }
    }
    if let Some(stop) = stop_after {
        // Nothing goes after release and its grace. When something would
        // still have followed, the case says so, once.
        let noted = case.done.iter().any(|d| d.key == STOPPED_KEY);
        let would_follow = !out.steps.is_empty() || out.next.is_some();
        if day > stop {
            out.steps.clear();
            out.next = None;
            if would_follow && !noted {
                out.stopped = Some(format!(
                    "follow-ups stopped: the release date, {}, was more than {} days ago",
                    case.facts
                        .release_date
                        .map(|r| r.format("%-d %B %Y").to_string())
                        .unwrap_or_default(),
                    limits.stop_after_release.num_days()
                ));
            }
        } else if out.next.is_some_and(|n| n > stop) {
            // Read again the day after the stop, to note it.
            out.next = if noted { None } else { stop.succ_opt() };
        }
    }
    out
}

/// The day the escalation of `rule`'s deadline falling on `due` goes, as
/// [`plan`] sends it, seen on `day` with the steps `done` so far; none when
/// the rule is not escalated. `escalate_after` working days after the
/// deadline, but for a rule that chases never before the working day after
/// its first chase, so that the escalation can say what the operational
/// lead was sent; a chase done on `day` does not count yet, so that
/// another sweep the same day (a second gateway, a restart) does not
/// escalate beside it. A first chase not yet sent goes on `day` at the
/// earliest. The reminder and chases name this day.
pub fn escalation_day(
    rule: &Rule,
    calendar: &Calendar,
    due: NaiveDate,
    done: &[DoneStep],
    day: NaiveDate,
) -> Option<NaiveDate> {
    let on = calendar.add_working_days(due, rule.escalate_after?.max(1));
    if rule.chase_every.is_none() {
        return Some(on);
    }
    let first_chase = done
        .iter()
        .filter(|d| matches!(d.is(&rule.id, due), Some(StepKind::Chase(_))))
        .map(|d| d.on)
        .min()
        .unwrap_or_else(|| first_chase_day(due, calendar).max(day));
    Some(on.max(calendar.next_working_day(first_chase)))
}

/// The first chase of a deadline: the working day after it.
fn first_chase_day(due: NaiveDate, calendar: &Calendar) -> NaiveDate {
    calendar.add_working_days(due, 1)
}

/// Who a case's follow-ups can be written to.
#[derive(Clone, Debug)]
pub struct Contacts<'a> {
    pub authority: &'a Authority,
    /// The referrer, when their address may be written to.
    pub referrer: Option<EmailAddress>,
    /// The probation or prison case lead, likewise.
    pub case_lead: Option<EmailAddress>,
    /// Where an escalation of a step the referrer owes goes, if anywhere.
    pub referrer_escalation: Option<&'a Contact>,
}

/// Where a follow-up goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    Mail {
        to: Vec<EmailAddress>,
        cc: Vec<EmailAddress>,
        /// Whom the mail addresses by name; none for a team inbox.
        addressee: Option<String>,
    },
    /// Nobody can be written to; the reason goes on the case.
    Nobody(String),
}

/// Reminders go to the inbox of whoever owes the deadline; chases to the
/// operational lead, copying the inbox; escalations (Annex C) to the
/// authority's dispute-resolution contact, its Head of Housing Options,
/// even where that is the operational lead, and to the next level where
/// one is configured, copying the operational lead, the inbox and the
/// referring side, whose escalation it is. A step the referring side owes
/// is escalated to `referrer_escalation`.
pub fn delivery(kind: StepKind, owed_by: Owner, contacts: &Contacts<'_>) -> Delivery {
    let authority = contacts.authority;
    let lead = &authority.operational_lead;
    let referring_side: Vec<EmailAddress> = contacts
        .referrer
        .iter()
        .chain(contacts.case_lead.iter())
        .cloned()
        .collect();
    match (owed_by, kind) {
        (_, StepKind::ChasesEnded) => Delivery::Nobody("the last chase was sent".into()),
        (Owner::Authority, StepKind::Reminder) => Delivery::Mail {
            to: vec![authority.inbox.clone()],
            cc: Vec::new(),
            addressee: None,
        },
        (Owner::Authority, StepKind::Chase(_)) => Delivery::Mail {
            to: vec![lead.email.clone()],
            cc: unique(std::slice::from_ref(&lead.email), [authority.inbox.clone()]),
            addressee: Some(lead.name.clone()),
        },
        (Owner::Authority, StepKind::Escalation) => {
            let to: Vec<EmailAddress> = unique(
                &[],
                escalation_contacts(Owner::Authority, contacts)
                    .iter()
                    .map(|c| c.email.clone()),
            );
            let cc = unique(
                &to,
                [lead.email.clone(), authority.inbox.clone()]
                    .into_iter()
                    .chain(referring_side),
            );
            Delivery::Mail {
                to,
                cc,
                addressee: Some(authority.dispute_contact.name.clone()),
            }
        }
        (Owner::Referrer, StepKind::Escalation) => match contacts.referrer_escalation {
            Some(contact) => Delivery::Mail {
                to: vec![contact.email.clone()],
                cc: unique(
                    std::slice::from_ref(&contact.email),
                    referring_side.into_iter().chain([authority.inbox.clone()]),
                ),
                addressee: Some(contact.name.clone()),
            },
            None => Delivery::Nobody(
                "no escalation contact for the referring side is configured \
                 (referrer_escalation in gateway.toml)"
                    .into(),
            ),
        },
        (Owner::Referrer, _) => match (&contacts.referrer, &contacts.case_lead) {
            (Some(referrer), case_lead) => Delivery::Mail {
                to: vec![referrer.clone()],
                cc: unique(std::slice::from_ref(referrer), case_lead.iter().cloned()),
                addressee: None,
            },
            (None, Some(case_lead)) => Delivery::Mail {
                to: vec![case_lead.clone()],
                cc: Vec::new(),
                addressee: None,
            },
            (None, None) => {
                Delivery::Nobody("the referrer has no address the gateway may write to".into())
            }
        },
    }
}

/// Who a deadline's escalation goes to: the dispute-resolution contact and
/// the next level for the authority's steps; the configured contact for
/// the referring side's. Empty when nobody is configured.
pub fn escalation_contacts<'a>(owed_by: Owner, contacts: &Contacts<'a>) -> Vec<&'a Contact> {
    match owed_by {
        Owner::Authority => std::iter::once(&contacts.authority.dispute_contact)
            .chain(
                contacts
                    .authority
                    .next_level
                    .iter()
                    .filter(|n| n.email != contacts.authority.dispute_contact.email),
            )
            .collect(),
        Owner::Referrer => contacts.referrer_escalation.into_iter().collect(),
    }
}

/// `more`, without any address already in `already` or repeated.
fn unique(
    already: &[EmailAddress],
    more: impl IntoIterator<Item = EmailAddress>,
) -> Vec<EmailAddress> {
    let mut out: Vec<EmailAddress> = Vec::new();
    for address in more {
        if !already.contains(&address) && !out.contains(&address) {
            out.push(address);
        }
    }
    out
}

#[cfg(test)]
mod tests;
