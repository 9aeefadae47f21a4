//! The deadline sweep's decisions: which reminders, chases and escalations
//! a case is owed on a given working day, and who receives each. Pure: the
//! adapter (`crate::sweep`) loads cases, asks, and writes the answers to the
//! outbox, each step once.
//!
//! The ladder of a deadline is worked out from what was done, not from the
//! calendar alone: the reminder a set number of working days before it; the
//! first chase the working day after it, each next chase `chase_every`
//! working days after the last one sent, up to the rule's maximum; the
//! escalation `escalate_after` working days after it. A case read after the
//! daemon was stopped gets the next step, never a burst of missed ones, and
//! never starts at "Chase 6".

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

    fn is(&self, rule: &str, due: NaiveDate) -> Option<StepKind> {
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
    let local = now.with_timezone(&chrono_tz::Europe::London);
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
    let local = now.with_timezone(&chrono_tz::Europe::London);
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
    use chrono::TimeZone;
    if acting_day(now, send_from, send_until, calendar).is_some() {
        return None;
    }
    let local = now.with_timezone(&chrono_tz::Europe::London);
    let today = local.date_naive();
    let day = if calendar.is_working_day(today) && local.time() < send_from {
        today
    } else {
        calendar.next_working_day(today)
    };
    chrono_tz::Europe::London
        .from_local_datetime(&day.and_time(send_from))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// Everything the planner needs of one case.
#[derive(Clone, Copy)]
pub struct CaseView<'a> {
    pub facts: &'a CaseFacts,
    pub progress: &'a Progress,
    pub paused_until: Option<NaiveDate>,
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
/// day has come and they are not done. A paused case gets none.
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
    let stop_after = case
        .facts
        .release_date
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
        let escalation_on = rule
            .escalate_after
            .map(|n| calendar.add_working_days(due.on, n.max(1)));
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
                None => calendar.add_working_days(due.on, 1),
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
mod tests {
    use super::*;
    use crate::core::case_ref::ShortCode;
    use crate::core::protocol::{Evidence, Side};
    use crate::core::referral::{CustodyStatus, ReferralType};
    use crate::core::test_support::{at, calendar, d, ESSEX, KENT};

    fn facts(received: DateTime<Utc>) -> CaseFacts {
        CaseFacts {
            referral_type: Some(ReferralType::DutyToRefer),
            custody_status: Some(CustodyStatus::Sentenced),
            received_at: received,
            acknowledged_at: None,
            release_date: Some(d(2027, 3, 1)),
            application_on: None,
            information_requested_at: None,
        }
    }

    fn acknowledged(received: DateTime<Utc>) -> CaseFacts {
        CaseFacts {
            acknowledged_at: Some(received),
            ..facts(received)
        }
    }

    /// Monday 23 November 2026, 10:00 UK time (GMT).
    fn monday_morning() -> DateTime<Utc> {
        at(2026, 11, 23, 10, 0)
    }

    const LIMITS: Limits = Limits {
        stop_after_release: Duration::days(14),
    };

    /// Sweeps every day from `from` to `to` (working days only, as the
    /// daemon does), each step done as it comes: (key, day) in order.
    fn run(
        protocol: &Protocol,
        facts: &CaseFacts,
        progress: &Progress,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Vec<(String, NaiveDate)> {
        let cal = calendar();
        let mut done: Vec<DoneStep> = Vec::new();
        let mut out = Vec::new();
        let mut day = from;
        while day <= to {
            if cal.is_working_day(day) {
                let case = CaseView {
                    facts,
                    progress,
                    paused_until: None,
                    done: &done,
                };
                let plan = plan(protocol, &cal, case, LIMITS, day);
                for step in plan.steps {
                    out.push((step.key(), day));
                    done.push(DoneStep {
                        key: step.key(),
                        on: day,
                        to: None,
                        due: Some(step.due.on),
                    });
                }
                if let Some(reason) = plan.stopped {
                    out.push((format!("stopped: {reason}"), day));
                    done.push(DoneStep {
                        key: STOPPED_KEY.into(),
                        on: day,
                        to: None,
                        due: None,
                    });
                }
            }
            day = day.succ_opt().expect("next day");
        }
        out
    }

    fn of<'a>(steps: &'a [(String, NaiveDate)], rule: &str) -> Vec<(&'a str, NaiveDate)> {
        steps
            .iter()
            .filter(|(k, _)| k.starts_with(&format!("{rule}:")))
            .map(|(k, on)| (k.as_str(), *on))
            .collect()
    }

    #[test]
    fn essex_lead_officer_ladder_day_by_day() {
        let essex = Protocol::from_toml(ESSEX).expect("essex");
        let f = acknowledged(monday_morning());
        let steps = run(
            &essex,
            &f,
            &Progress::default(),
            d(2026, 11, 23),
            d(2026, 12, 18),
        );
        // Lead officer due Monday 30 November: reminder Friday 27; chase 1
        // Tuesday 1 December; escalation Wednesday 2; then a chase every 2
        // working days after the last, five at most.
        assert_eq!(
            of(&steps, "lead_officer"),
            [
                ("lead_officer:reminder", d(2026, 11, 27)),
                ("lead_officer:chase:1", d(2026, 12, 1)),
                ("lead_officer:escalation", d(2026, 12, 2)),
                ("lead_officer:chase:2", d(2026, 12, 3)),
                ("lead_officer:chase:3", d(2026, 12, 7)),
                ("lead_officer:chase:4", d(2026, 12, 9)),
                ("lead_officer:chase:5", d(2026, 12, 11)),
                ("lead_officer:chases_ended", d(2026, 12, 15)),
            ]
        );
    }

    #[test]
    fn no_chase_on_the_escalation_day() {
        let essex = Protocol::from_toml(ESSEX).expect("essex");
        // Acknowledgement due Thursday 26 November, chased daily, escalated
        // 2 working days after: chase 1 Friday 27, escalation Monday 30 and
        // no chase that day, chase 2 on Tuesday 1 December.
        let f = facts(monday_morning());
        let steps = run(
            &essex,
            &f,
            &Progress::default(),
            d(2026, 11, 23),
            d(2026, 12, 1),
        );
        assert_eq!(
            of(&steps, "acknowledge"),
            [
                ("acknowledge:reminder", d(2026, 11, 25)),
                ("acknowledge:chase:1", d(2026, 11, 27)),
                ("acknowledge:escalation", d(2026, 11, 30)),
                ("acknowledge:chase:2", d(2026, 12, 1)),
            ]
        );
    }

    #[test]
    fn over_christmas_the_steps_skip_the_holidays() {
        let essex = Protocol::from_toml(ESSEX).expect("essex");
        // Received Friday 18 December 2026 after the cut-off: counts from
        // Monday 21; lead officer due Wednesday 30 December (25 and 28 are
        // holidays). Reminder Tuesday 29, chase Thursday 31, escalation
        // Monday 4 January (1 January is a holiday).
        let f = acknowledged(at(2026, 12, 18, 17, 30));
        let steps = run(
            &essex,
            &f,
            &Progress::default(),
            d(2026, 12, 18),
            d(2027, 1, 4),
        );
        assert_eq!(
            of(&steps, "lead_officer"),
            [
                ("lead_officer:reminder", d(2026, 12, 29)),
                ("lead_officer:chase:1", d(2026, 12, 31)),
                ("lead_officer:escalation", d(2027, 1, 4)),
            ]
        );
    }

    #[test]
    fn a_first_sweep_long_after_the_deadline_starts_at_chase_one() {
        let essex = Protocol::from_toml(ESSEX).expect("essex");
        let cal = calendar();
        let f = acknowledged(monday_morning());
        // The daemon was stopped for three weeks: one chase and the
        // escalation are owed, not six chases.
        let case = CaseView {
            facts: &f,
            progress: &Progress::default(),
            paused_until: None,
            done: &[],
        };
        let plan = plan(&essex, &cal, case, LIMITS, d(2026, 12, 21));
        let keys: Vec<String> = plan.steps.iter().map(Step::key).collect();
        assert_eq!(keys, ["lead_officer:escalation"]);
        let done = [DoneStep {
            key: "lead_officer:escalation".into(),
            on: d(2026, 12, 21),
            to: None,
            due: Some(d(2026, 11, 30)),
        }];
        let case = CaseView {
            done: &done,
            ..case
        };
        let plan = super::plan(&essex, &cal, case, LIMITS, d(2026, 12, 22));
        let keys: Vec<String> = plan.steps.iter().map(Step::key).collect();
        assert_eq!(keys, ["lead_officer:chase:1"]);
    }

    #[test]
    fn the_next_day_never_skips_a_step_a_daily_sweep_would_take() {
        // For every day of four months, reading the case only on the days
        // `plan` names as next gives the same steps as reading it daily.
        let essex = Protocol::from_toml(ESSEX).expect("essex");
        let kent = Protocol::from_toml(KENT).expect("kent");
        let cal = calendar();
        for protocol in [&essex, &kent] {
            for received_day in [23, 24, 25, 26, 27] {
                let f = facts(at(2026, 11, received_day, 16, 30));
                let progress = Progress::default();
                let daily = run(
                    protocol,
                    &f,
                    &progress,
                    d(2026, 11, received_day),
                    d(2027, 3, 31),
                );
                let mut skipping = Vec::new();
                let mut done: Vec<DoneStep> = Vec::new();
                let mut next = Some(d(2026, 11, received_day));
                let mut day = d(2026, 11, received_day);
                while day <= d(2027, 3, 31) {
                    if cal.is_working_day(day) && next.is_some_and(|n| n <= day) {
                        let case = CaseView {
                            facts: &f,
                            progress: &progress,
                            paused_until: None,
                            done: &done,
                        };
                        let plan = plan(protocol, &cal, case, LIMITS, day);
                        for step in &plan.steps {
                            skipping.push((step.key(), day));
                            done.push(DoneStep {
                                key: step.key(),
                                on: day,
                                to: None,
                                due: Some(step.due.on),
                            });
                        }
                        if let Some(reason) = plan.stopped {
                            skipping.push((format!("stopped: {reason}"), day));
                            done.push(DoneStep {
                                key: STOPPED_KEY.into(),
                                on: day,
                                to: None,
                                due: None,
                            });
                        }
                        next = plan.next;
                        assert!(next.is_none_or(|n| n > day), "{} {day}", protocol.name);
                    }
                    day = day.succ_opt().expect("next day");
                }
                assert_eq!(
                    daily, skipping,
                    "received {received_day} November, {}",
                    protocol.name
                );
                assert!(!daily.is_empty());
            }
        }
    }

    #[test]
    fn met_and_paused_cases_are_left_alone() {
        let essex = Protocol::from_toml(ESSEX).expect("essex");
        let cal = calendar();
        let f = acknowledged(monday_morning());
        let named = Progress {
            lead_named_at: Some(at(2026, 11, 25, 9, 0)),
            ..Progress::default()
        };
        let case = |progress: &Progress, paused| {
            plan(
                &essex,
                &cal,
                CaseView {
                    facts: &f,
                    progress,
                    paused_until: paused,
                    done: &[],
                },
                LIMITS,
                d(2026, 12, 7),
            )
            .steps
            .len()
        };
        assert_eq!(case(&named, None), 0);
        let by_hand = Progress {
            by_hand: vec!["lead_officer".into()],
            ..Progress::default()
        };
        assert_eq!(case(&by_hand, None), 0);
        assert_eq!(case(&Progress::default(), Some(d(2026, 12, 8))), 0);
        // The pause ends: what is owed that day, not every step missed.
        assert_eq!(case(&Progress::default(), Some(d(2026, 12, 7))), 1);
    }

    #[test]
    fn kent_release_steps_are_met_only_by_answers_inside_their_window() {
        let kent = Protocol::from_toml(KENT).expect("kent");
        let cal = calendar();
        let f = facts(monday_morning());
        let rule = kent.rule("housing_confirmation").expect("rule");
        // Release Monday 1 March 2027: housing confirmation due Monday 1
        // February; a "Thanks, received" in December does not meet it.
        assert_eq!(rule.due(&f, &cal).map(|d| d.on), Some(d(2027, 2, 1)));
        let answer = |at: DateTime<Utc>, answers: Option<&str>, done: &[&str]| Progress {
            evidence: vec![Evidence {
                at,
                side: Side::Authority,
                answers: answers.map(str::to_string),
                done: done.iter().map(|s| s.to_string()).collect(),
            }],
            ..Progress::default()
        };
        assert!(!rule.is_met(&f, &answer(at(2026, 12, 10, 11, 0), None, &[]), &cal));
        // Within the window (from the reminder, two working days before).
        assert!(rule.is_met(&f, &answer(at(2027, 1, 28, 11, 0), None, &[]), &cal));
        // Earlier, but in answer to its own follow-up, or saying it is done.
        assert!(rule.is_met(
            &f,
            &answer(at(2026, 12, 10, 11, 0), Some("housing_confirmation"), &[]),
            &cal
        ));
        assert!(rule.is_met(
            &f,
            &answer(at(2026, 12, 10, 11, 0), None, &["housing_confirmation"]),
            &cal
        ));
        // The referring side owes appointments: their "done" meets it, the
        // authority's does not.
        let appointments = kent.rule("appointments_confirmed").expect("rule");
        let mut referrer_done = answer(at(2027, 2, 10, 11, 0), None, &["appointments_confirmed"]);
        assert!(!appointments.is_met(&f, &referrer_done, &cal));
        referrer_done.evidence[0].side = Side::Referrer;
        assert!(appointments.is_met(&f, &referrer_done, &cal));
    }

    #[test]
    fn a_late_referral_has_its_passed_step_due_the_next_working_day() {
        let kent = Protocol::from_toml(KENT).expect("kent");
        let cal = calendar();
        // Received Monday 15 February 2027 for release on Monday 1 March:
        // housing confirmation (28 days before, 1 February) has passed. It
        // is due on Tuesday 16, marked late, and amber (release comes first
        // for nothing here: it is before release anyway).
        let f = CaseFacts {
            received_at: at(2027, 2, 15, 10, 0),
            ..facts(at(2027, 2, 15, 10, 0))
        };
        let due = kent
            .rule("housing_confirmation")
            .and_then(|r| r.due(&f, &cal))
            .expect("a date");
        assert_eq!(due.on, d(2027, 2, 16));
        assert!(due.late);
        // The ladder starts at its reminder and first chase, not at chase 6.
        let steps = run(
            &kent,
            &f,
            &Progress::default(),
            d(2027, 2, 15),
            d(2027, 2, 19),
        );
        assert_eq!(
            of(&steps, "housing_confirmation"),
            [
                ("housing_confirmation:reminder", d(2027, 2, 15)),
                ("housing_confirmation:chase:1", d(2027, 2, 17)),
                ("housing_confirmation:escalation", d(2027, 2, 19)),
            ]
        );
    }

    #[test]
    fn release_before_a_deadline_brings_it_forward_and_it_is_never_green() {
        let essex = Protocol::from_toml(ESSEX).expect("essex");
        let cal = calendar();
        // Received Monday 23 November, release Friday 27: the lead officer
        // (due Monday 30) is due Thursday 26, the last working day before.
        let f = CaseFacts {
            release_date: Some(d(2026, 11, 27)),
            ..acknowledged(monday_morning())
        };
        let due = essex
            .rule("lead_officer")
            .and_then(|r| r.due(&f, &cal))
            .expect("a date");
        assert_eq!(due.on, d(2026, 11, 26));
        assert!(due.before_release);
        assert_eq!(
            crate::core::protocol::rag(due, d(2026, 11, 23), &cal),
            crate::core::protocol::Rag::Amber
        );
    }

    #[test]
    fn release_relative_dates_on_a_day_off_move_to_the_working_day_before() {
        let kent = Protocol::from_toml(KENT).expect("kent");
        let cal = calendar();
        // Release Tuesday 12 January 2027: 28 days before is Tuesday 15
        // December; 14 days before is Tuesday 29 December, after the 28th
        // (a holiday): stays. Release Monday 11 January: 14 days before is
        // Monday 28 December, a bank holiday: Thursday 24 December.
        let f = CaseFacts {
            release_date: Some(d(2027, 1, 11)),
            ..facts(monday_morning())
        };
        let due = kent
            .rule("appointments_confirmed")
            .and_then(|r| r.due(&f, &cal))
            .expect("a date");
        assert_eq!(due.on, d(2026, 12, 24));
    }

    #[test]
    fn follow_ups_stop_after_release_and_the_case_says_why() {
        let essex = Protocol::from_toml(ESSEX).expect("essex");
        // Released on Friday 20 November, referred on Monday 23: nothing
        // goes after Friday 4 December; the chase that would have gone on
        // Monday 7 is noted as stopped instead.
        let f = CaseFacts {
            release_date: Some(d(2026, 11, 20)),
            ..acknowledged(monday_morning())
        };
        let steps = run(
            &essex,
            &f,
            &Progress::default(),
            d(2026, 11, 23),
            d(2027, 1, 29),
        );
        let last = steps.last().expect("steps");
        assert!(
            last.0.starts_with("stopped: follow-ups stopped"),
            "{steps:?}"
        );
        assert_eq!(last.1, d(2026, 12, 7));
        let before: Vec<_> = steps[..steps.len() - 1].iter().map(|(_, on)| *on).collect();
        assert!(before.iter().all(|on| *on <= d(2026, 12, 4)), "{steps:?}");
        assert!(
            steps.iter().any(|(k, _)| k == "lead_officer:chase:2"),
            "{steps:?}"
        );
    }

    #[test]
    fn outside_the_sending_window_nothing_is_sent() {
        let cal = calendar();
        let nine = NaiveTime::from_hms_opt(9, 0, 0).expect("time");
        let five = NaiveTime::from_hms_opt(17, 0, 0).expect("time");
        assert_eq!(acting_day(at(2026, 11, 23, 8, 0), nine, five, &cal), None);
        assert_eq!(
            acting_day(at(2026, 11, 23, 9, 0), nine, five, &cal),
            Some(d(2026, 11, 23))
        );
        // 22:30 on a working day: no.
        assert_eq!(acting_day(at(2026, 11, 23, 22, 30), nine, five, &cal), None);
        assert!(
            not_acting_because(at(2026, 11, 23, 22, 30), nine, five, &cal)
                .is_some_and(|r| r.contains("after 17:00"))
        );
        // Saturday, and Christmas Day.
        assert_eq!(acting_day(at(2026, 11, 28, 12, 0), nine, five, &cal), None);
        assert!(
            not_acting_because(at(2026, 12, 25, 12, 0), nine, five, &cal)
                .is_some_and(|r| r.contains("not a working day"))
        );
        // Summer time: 08:30 UTC is 09:30 in London.
        assert_eq!(
            acting_day(at(2027, 6, 1, 8, 30), nine, five, &cal),
            Some(d(2027, 6, 1))
        );
    }

    #[test]
    fn a_follow_up_held_into_the_evening_waits_for_the_morning() {
        let cal = calendar();
        let nine = NaiveTime::from_hms_opt(9, 0, 0).expect("time");
        let five = NaiveTime::from_hms_opt(17, 0, 0).expect("time");
        assert_eq!(
            next_sending_time(at(2026, 11, 23, 10, 0), nine, five, &cal),
            None
        );
        // Monday 22:30: Tuesday 09:00.
        assert_eq!(
            next_sending_time(at(2026, 11, 23, 22, 30), nine, five, &cal),
            Some(at(2026, 11, 24, 9, 0))
        );
        // Thursday 24 December after five: Tuesday 29 December.
        assert_eq!(
            next_sending_time(at(2026, 12, 24, 17, 30), nine, five, &cal),
            Some(at(2026, 12, 29, 9, 0))
        );
        // Early on a working day: that morning.
        assert_eq!(
            next_sending_time(at(2026, 11, 24, 6, 0), nine, five, &cal),
            Some(at(2026, 11, 24, 9, 0))
        );
    }

    fn contact(name: &str, email: &str) -> Contact {
        Contact {
            name: name.into(),
            email: EmailAddress::parse(email).expect("address"),
        }
    }

    fn authority(dispute_is_lead: bool, next_level: Option<Contact>) -> Authority {
        Authority {
            name: "Harlow".into(),
            full_name: None,
            code: ShortCode::parse("HAR").expect("code"),
            aliases: Vec::new(),
            inbox: EmailAddress::parse("dtr@harlow.gov.uk").expect("address"),
            domains: Vec::new(),
            operational_lead: contact("Lee Lead", "lee.lead@harlow.gov.uk"),
            dispute_contact: if dispute_is_lead {
                contact("Lee Lead", "lee.lead@harlow.gov.uk")
            } else {
                contact("Dana Director", "dana.director@harlow.gov.uk")
            },
            next_level,
            closed_days: Vec::new(),
        }
    }

    fn addresses(list: &[EmailAddress]) -> Vec<&str> {
        list.iter().map(|a| a.as_str()).collect()
    }

    #[test]
    fn who_receives_each_step() {
        let a = authority(false, None);
        let contacts = Contacts {
            authority: &a,
            referrer: EmailAddress::parse("pat@justice.gov.uk").ok(),
            case_lead: EmailAddress::parse("cl@justice.gov.uk").ok(),
            referrer_escalation: None,
        };
        let Delivery::Mail { to, cc, .. } =
            delivery(StepKind::Reminder, Owner::Authority, &contacts)
        else {
            panic!("reminder goes by mail");
        };
        assert_eq!(
            (addresses(&to), addresses(&cc)),
            (vec!["dtr@harlow.gov.uk"], vec![])
        );
        let Delivery::Mail { to, cc, addressee } =
            delivery(StepKind::Chase(2), Owner::Authority, &contacts)
        else {
            panic!("chase goes by mail");
        };
        assert_eq!(addresses(&to), ["lee.lead@harlow.gov.uk"]);
        assert_eq!(addresses(&cc), ["dtr@harlow.gov.uk"]);
        assert_eq!(addressee.as_deref(), Some("Lee Lead"));
        // Annex C: to the dispute contact, the referring side copied.
        let Delivery::Mail { to, cc, addressee } =
            delivery(StepKind::Escalation, Owner::Authority, &contacts)
        else {
            panic!("escalation goes by mail");
        };
        assert_eq!(addresses(&to), ["dana.director@harlow.gov.uk"]);
        assert_eq!(
            addresses(&cc),
            [
                "lee.lead@harlow.gov.uk",
                "dtr@harlow.gov.uk",
                "pat@justice.gov.uk",
                "cl@justice.gov.uk"
            ]
        );
        assert_eq!(addressee.as_deref(), Some("Dana Director"));
        let Delivery::Mail { to, cc, .. } =
            delivery(StepKind::Chase(1), Owner::Referrer, &contacts)
        else {
            panic!("the referrer is chased by mail");
        };
        assert_eq!(
            (addresses(&to), addresses(&cc)),
            (vec!["pat@justice.gov.uk"], vec!["cl@justice.gov.uk"])
        );
        assert!(matches!(
            delivery(StepKind::Escalation, Owner::Referrer, &contacts),
            Delivery::Nobody(_)
        ));
    }

    #[test]
    fn where_the_dispute_contact_is_the_lead_the_escalation_still_reaches_them() {
        let same = authority(true, None);
        let contacts = Contacts {
            authority: &same,
            referrer: EmailAddress::parse("pat@justice.gov.uk").ok(),
            case_lead: None,
            referrer_escalation: None,
        };
        let Delivery::Mail { to, cc, .. } =
            delivery(StepKind::Escalation, Owner::Authority, &contacts)
        else {
            panic!("the dispute contact is written to");
        };
        assert_eq!(addresses(&to), ["lee.lead@harlow.gov.uk"]);
        assert_eq!(addresses(&cc), ["dtr@harlow.gov.uk", "pat@justice.gov.uk"]);
        // And the next level too, where one is configured.
        let with_next = authority(true, Some(contact("Hana Head", "hana.head@harlow.gov.uk")));
        let contacts = Contacts {
            authority: &with_next,
            ..contacts
        };
        let Delivery::Mail { to, .. } = delivery(StepKind::Escalation, Owner::Authority, &contacts)
        else {
            panic!("by mail");
        };
        assert_eq!(
            addresses(&to),
            ["lee.lead@harlow.gov.uk", "hana.head@harlow.gov.uk"]
        );
    }
}
