//! The deadline sweep's decisions: which reminders, chases and escalations
//! a case is owed on a given working day, and who receives each. Pure: the
//! adapter (`crate::sweep`) loads cases, asks, and writes the answers to the
//! outbox, each step once.
//!
//! A step has a day. The sweep acts for the latest step of each kind whose
//! day has come; a step missed while the daemon was stopped is not sent late
//! in a burst, the current one is.

use super::address::EmailAddress;
use super::authority::{Authority, Contact};
use super::calendar::Calendar;
use super::protocol::{CaseFacts, Owner, Protocol, Rule, Satisfier};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use std::fmt;

/// What has been done about a case's deadlines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Met {
    /// The gateway (or the authority) acknowledged the referral.
    pub acknowledged: bool,
    /// The authority named its lead officer.
    pub lead_named: bool,
    /// The authority answered in the case's thread, or a person recorded it.
    pub responded: bool,
    /// Rules a person marked as met, by id.
    pub by_hand: Vec<String>,
}

impl Met {
    pub fn meets(&self, rule: &Rule) -> bool {
        if self.by_hand.contains(&rule.id) {
            return true;
        }
        match rule.satisfied_by {
            Satisfier::Acknowledgement => self.acknowledged,
            Satisfier::LeadNamed => self.lead_named,
            Satisfier::AuthorityResponse => self.responded,
            Satisfier::Manual => false,
        }
    }
}

/// One follow-up of a deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StepKind {
    Reminder,
    /// The n-th chase, from 1.
    Chase(u32),
    Escalation,
}

impl StepKind {
    /// As people read it: `Reminder`, `Chase 2`, `Escalation`.
    pub fn label(self) -> String {
        match self {
            StepKind::Reminder => "Reminder".into(),
            StepKind::Chase(n) => format!("Chase {n}"),
            StepKind::Escalation => "Escalation".into(),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            StepKind::Reminder => "reminder",
            StepKind::Chase(_) => "chase",
            StepKind::Escalation => "escalation",
        }
    }

    pub fn number(self) -> u32 {
        match self {
            StepKind::Chase(n) => n,
            _ => 1,
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

/// A follow-up due on `on` for a deadline falling on `due`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step<'a> {
    pub rule: &'a Rule,
    pub kind: StepKind,
    pub on: NaiveDate,
    pub due: NaiveDate,
}

impl Step<'_> {
    /// Unique within a case: `lead_officer:chase:2`. A step with a key the
    /// case has already recorded is never taken again.
    pub fn key(&self) -> String {
        format!("{}:{}", self.rule.id, self.kind)
    }
}

/// The working day the sweep acts for at `now`: today, from `send_from` UK
/// time on a working day. None in the evening before, at night and on days
/// off: nobody is chased at the weekend.
pub fn acting_day(
    now: DateTime<Utc>,
    send_from: NaiveTime,
    calendar: &Calendar,
) -> Option<NaiveDate> {
    let local = now.with_timezone(&chrono_tz::Europe::London);
    let today = local.date_naive();
    (local.time() >= send_from && calendar.is_working_day(today)).then_some(today)
}

/// The follow-ups of a case whose day has come on `day`: for each deadline
/// that applies, has a date and is not met, the reminder (from its day to the
/// deadline), the latest chase, and the escalation. A paused case gets none.
pub fn steps_due<'a>(
    protocol: &'a Protocol,
    calendar: &Calendar,
    facts: &CaseFacts,
    met: &Met,
    paused_until: Option<NaiveDate>,
    day: NaiveDate,
) -> Vec<Step<'a>> {
    if paused_until.is_some_and(|until| day < until) {
        return Vec::new();
    }
    let mut steps = Vec::new();
    for rule in &protocol.rules {
        if !rule.applies(facts) || met.meets(rule) {
            continue;
        }
        let Some(due) = rule.due(facts, calendar) else {
            continue;
        };
        if let Some(on) = rule.reminder_on(due, calendar) {
            if on <= day && day <= due {
                steps.push(Step {
                    rule,
                    kind: StepKind::Reminder,
                    on,
                    due,
                });
            }
        }
        if day <= due {
            continue;
        }
        let escalation_on = rule
            .escalate_after
            .map(|n| calendar.add_working_days(due, n.max(1)));
        if let Some(every) = rule.chase_every {
            if let Some((n, on)) = latest_chase(calendar, due, every, day) {
                // The escalation copies the operational lead: no chase the
                // same day as well.
                if Some(on) != escalation_on {
                    steps.push(Step {
                        rule,
                        kind: StepKind::Chase(n),
                        on,
                        due,
                    });
                }
            }
        }
        if let Some(on) = escalation_on.filter(|on| *on <= day) {
            steps.push(Step {
                rule,
                kind: StepKind::Escalation,
                on,
                due,
            });
        }
    }
    steps
}

/// The first day after `day` on which the case could be owed a follow-up
/// it has not had (`done` says which step keys it has had), so that later
/// sweeps need not read it before then; `day` itself while a step due on it
/// is not done. None when nothing more can come of the facts as they are.
pub fn next_follow_up_on(
    protocol: &Protocol,
    calendar: &Calendar,
    facts: &CaseFacts,
    met: &Met,
    paused_until: Option<NaiveDate>,
    day: NaiveDate,
    done: impl Fn(&str) -> bool,
) -> Option<NaiveDate> {
    if let Some(until) = paused_until.filter(|until| day < *until) {
        return Some(until);
    }
    if steps_due(protocol, calendar, facts, met, None, day)
        .iter()
        .any(|s| !done(&s.key()))
    {
        return Some(day);
    }
    let mut next: Option<NaiveDate> = None;
    let mut consider = |d: NaiveDate| {
        if d > day && next.is_none_or(|n| d < n) {
            next = Some(d);
        }
    };
    for rule in &protocol.rules {
        if !rule.applies(facts) || met.meets(rule) {
            continue;
        }
        let Some(due) = rule.due(facts, calendar) else {
            continue;
        };
        let key = |kind: StepKind| format!("{}:{kind}", rule.id);
        if let Some(on) = rule.reminder_on(due, calendar) {
            if on <= due && !done(&key(StepKind::Reminder)) {
                consider(on);
            }
        }
        let escalation_on = rule
            .escalate_after
            .map(|n| calendar.add_working_days(due, n.max(1)));
        if let Some(on) = escalation_on.filter(|_| !done(&key(StepKind::Escalation))) {
            consider(on);
        }
        if let Some(every) = rule.chase_every {
            // The first chase day after `day` (not the escalation's day).
            let first = calendar.add_working_days(due, 1);
            let mut on = match latest_chase(calendar, due, every, day) {
                Some((_, latest)) => calendar.add_working_days(latest, every.max(1)),
                None => first,
            };
            if Some(on) == escalation_on {
                on = calendar.add_working_days(on, every.max(1));
            }
            consider(on);
        }
    }
    next
}

/// The chases fall on the first working day after the deadline and every
/// `every` working days after that: the latest one on or before `day`.
fn latest_chase(
    calendar: &Calendar,
    due: NaiveDate,
    every: u32,
    day: NaiveDate,
) -> Option<(u32, NaiveDate)> {
    let first = calendar.add_working_days(due, 1);
    if first > day {
        return None;
    }
    let elapsed = u32::try_from(calendar.working_days_between(first, day)).unwrap_or(0);
    let n = elapsed / every.max(1);
    Some((n + 1, calendar.add_working_days(first, n * every.max(1))))
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
        /// To the authority's own people, not limited per hour.
        internal: bool,
    },
    /// Nobody can be written to; the reason goes on the case.
    Nobody(String),
}

/// Reminders go to the inbox of whoever owes the deadline; chases to the
/// operational lead, copying the inbox; escalations to the dispute-resolution
/// contact (Annex C), copying the operational lead, or to the next level when
/// those two are one person.
pub fn delivery(kind: StepKind, owed_by: Owner, contacts: &Contacts<'_>) -> Delivery {
    let authority = contacts.authority;
    let lead = &authority.operational_lead;
    match (owed_by, kind) {
        (Owner::Authority, StepKind::Reminder) => Delivery::Mail {
            to: vec![authority.inbox.clone()],
            cc: Vec::new(),
            addressee: None,
            internal: true,
        },
        (Owner::Authority, StepKind::Chase(_)) => Delivery::Mail {
            to: vec![lead.email.clone()],
            cc: copy_unless_same(&authority.inbox, &lead.email),
            addressee: Some(lead.name.clone()),
            internal: true,
        },
        (Owner::Authority, StepKind::Escalation) => {
            let to = if authority.dispute_contact_is_lead() {
                authority.next_level.as_ref()
            } else {
                Some(&authority.dispute_contact)
            };
            match to {
                Some(contact) => Delivery::Mail {
                    to: vec![contact.email.clone()],
                    cc: copy_unless_same(&lead.email, &contact.email),
                    addressee: Some(contact.name.clone()),
                    internal: true,
                },
                None => Delivery::Nobody(format!(
                    "{}'s dispute-resolution contact is its operational lead and no next level \
                     is configured (next_level in authorities.toml)",
                    authority.name
                )),
            }
        }
        (Owner::Referrer, StepKind::Escalation) => match contacts.referrer_escalation {
            Some(contact) => Delivery::Mail {
                to: vec![contact.email.clone()],
                cc: contacts.referrer.iter().cloned().collect(),
                addressee: Some(contact.name.clone()),
                internal: false,
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
                cc: case_lead
                    .iter()
                    .filter(|c| *c != referrer)
                    .cloned()
                    .collect(),
                addressee: None,
                internal: false,
            },
            (None, Some(case_lead)) => Delivery::Mail {
                to: vec![case_lead.clone()],
                cc: Vec::new(),
                addressee: None,
                internal: false,
            },
            (None, None) => {
                Delivery::Nobody("the referrer has no address the gateway may write to".into())
            }
        },
    }
}

/// A copy to `copy`, unless it is the main recipient already.
fn copy_unless_same(copy: &EmailAddress, to: &EmailAddress) -> Vec<EmailAddress> {
    if copy == to {
        Vec::new()
    } else {
        vec![copy.clone()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::case_ref::ShortCode;
    use crate::core::referral::{CustodyStatus, ReferralType};
    use crate::core::test_support::{calendar, d, ESSEX, KENT};
    use chrono::TimeZone;

    fn facts(received: DateTime<Utc>) -> CaseFacts {
        CaseFacts {
            referral_type: Some(ReferralType::DutyToRefer),
            custody_status: Some(CustodyStatus::Sentenced),
            received_at: received,
            acknowledged_at: None,
            release_date: Some(d(2027, 3, 1)),
        }
    }

    fn monday_morning() -> DateTime<Utc> {
        // Monday 23 November 2026, 10:00 UK time (GMT).
        Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
            .single()
            .expect("time")
    }

    fn keys(steps: &[Step<'_>]) -> Vec<(String, NaiveDate)> {
        steps.iter().map(|s| (s.key(), s.on)).collect()
    }

    fn acknowledged() -> Met {
        Met {
            acknowledged: true,
            ..Met::default()
        }
    }

    #[test]
    fn essex_lead_officer_follow_ups_day_by_day() {
        let essex = Protocol::from_toml(ESSEX).expect("essex");
        let cal = calendar();
        let f = facts(monday_morning());
        let met = acknowledged();
        let on = |day| keys(&steps_due(&essex, &cal, &f, &met, None, day));
        // Lead officer due Monday 30 November. Reminder Friday 27.
        assert!(on(d(2026, 11, 26)).is_empty());
        assert_eq!(
            on(d(2026, 11, 27)),
            [("lead_officer:reminder".to_string(), d(2026, 11, 27))]
        );
        // Still a candidate on the day itself (the adapter sends it once).
        assert_eq!(
            on(d(2026, 11, 30)),
            [("lead_officer:reminder".to_string(), d(2026, 11, 27))]
        );
        // Tuesday 1 December: first chase.
        assert_eq!(
            on(d(2026, 12, 1)),
            [("lead_officer:chase:1".to_string(), d(2026, 12, 1))]
        );
        // Wednesday 2: escalation (2 working days overdue); chase 1 is still
        // the latest chase (every 2 working days).
        assert_eq!(
            on(d(2026, 12, 2)),
            [
                ("lead_officer:chase:1".to_string(), d(2026, 12, 1)),
                ("lead_officer:escalation".to_string(), d(2026, 12, 2)),
            ]
        );
        // Thursday 3: chase 2.
        assert_eq!(
            on(d(2026, 12, 3))[0],
            ("lead_officer:chase:2".to_string(), d(2026, 12, 3))
        );
        // Chases fall on working days: Tue 1, Thu 3, Mon 7.
        assert_eq!(
            on(d(2026, 12, 7))[0],
            ("lead_officer:chase:3".to_string(), d(2026, 12, 7))
        );
    }

    #[test]
    fn a_chase_on_the_escalation_day_is_left_to_the_escalation() {
        let essex = Protocol::from_toml(ESSEX).expect("essex");
        let cal = calendar();
        // Acknowledgement due Thursday 26 November, chased daily, escalated
        // after 2 working days: chase 1 on Friday 27, escalation Monday 30
        // instead of chase 2.
        let f = facts(monday_morning());
        let steps = steps_due(&essex, &cal, &f, &Met::default(), None, d(2026, 11, 30));
        let ack: Vec<_> = keys(&steps)
            .into_iter()
            .filter(|(k, _)| k.starts_with("acknowledge"))
            .collect();
        assert_eq!(
            ack,
            [("acknowledge:escalation".to_string(), d(2026, 11, 30))]
        );
        let steps = steps_due(&essex, &cal, &f, &Met::default(), None, d(2026, 12, 1));
        assert!(keys(&steps).contains(&("acknowledge:chase:3".to_string(), d(2026, 12, 1))));
    }

    #[test]
    fn over_christmas_the_steps_skip_the_holidays() {
        let essex = Protocol::from_toml(ESSEX).expect("essex");
        let cal = calendar();
        // Received Friday 18 December 2026 after the cut-off: counts from
        // Monday 21; lead officer due Wednesday 30 December (25 and 28 are
        // holidays). Reminder Tuesday 29, chase Thursday 31, escalation
        // Monday 4 January (1 January is a holiday).
        let f = facts(
            Utc.with_ymd_and_hms(2026, 12, 18, 17, 30, 0)
                .single()
                .expect("time"),
        );
        let met = acknowledged();
        let all: Vec<_> = [d(2026, 12, 29), d(2026, 12, 31), d(2027, 1, 4)]
            .into_iter()
            .flat_map(|day| keys(&steps_due(&essex, &cal, &f, &met, None, day)))
            .collect();
        assert_eq!(
            all,
            [
                ("lead_officer:reminder".to_string(), d(2026, 12, 29)),
                ("lead_officer:chase:1".to_string(), d(2026, 12, 31)),
                ("lead_officer:chase:1".to_string(), d(2026, 12, 31)),
                ("lead_officer:escalation".to_string(), d(2027, 1, 4)),
            ]
        );
    }

    #[test]
    fn the_next_follow_up_day_is_when_a_new_step_is_due() {
        let essex = Protocol::from_toml(ESSEX).expect("essex");
        let cal = calendar();
        let f = facts(monday_morning());
        let met = acknowledged();
        let next = |day, done: &[&str]| {
            next_follow_up_on(&essex, &cal, &f, &met, None, day, |k| done.contains(&k))
        };
        // Received Monday 23: the reminder is Friday 27.
        assert_eq!(next(d(2026, 11, 23), &[]), Some(d(2026, 11, 27)));
        // On Friday 27 with the reminder not yet done: today.
        assert_eq!(next(d(2026, 11, 27), &[]), Some(d(2026, 11, 27)));
        // Done: the first chase, Tuesday 1 December.
        assert_eq!(
            next(d(2026, 11, 27), &["lead_officer:reminder"]),
            Some(d(2026, 12, 1))
        );
        // After chase 1: the escalation on Wednesday 2.
        let done = ["lead_officer:reminder", "lead_officer:chase:1"];
        assert_eq!(next(d(2026, 12, 1), &done), Some(d(2026, 12, 2)));
        // After the escalation: chase 2 on Thursday 3, then every 2 working days.
        let done = [
            "lead_officer:reminder",
            "lead_officer:chase:1",
            "lead_officer:escalation",
        ];
        assert_eq!(next(d(2026, 12, 2), &done), Some(d(2026, 12, 3)));
        let done = [
            "lead_officer:reminder",
            "lead_officer:chase:1",
            "lead_officer:escalation",
            "lead_officer:chase:2",
        ];
        assert_eq!(next(d(2026, 12, 3), &done), Some(d(2026, 12, 7)));
        // Met: nothing more, ever.
        let all_met = Met {
            acknowledged: true,
            lead_named: true,
            ..Met::default()
        };
        assert_eq!(
            next_follow_up_on(&essex, &cal, &f, &all_met, None, d(2026, 11, 23), |_| false),
            None
        );
        // Paused: the day the pause ends.
        assert_eq!(
            next_follow_up_on(
                &essex,
                &cal,
                &f,
                &met,
                Some(d(2026, 12, 10)),
                d(2026, 11, 23),
                |_| false
            ),
            Some(d(2026, 12, 10))
        );
    }

    #[test]
    fn the_next_follow_up_day_never_skips_a_step_the_sweep_would_take() {
        // For every day of two months, reading the case only on the days
        // `next_follow_up_on` names gives the same steps as reading it daily.
        let essex = Protocol::from_toml(ESSEX).expect("essex");
        let kent = Protocol::from_toml(KENT).expect("kent");
        let cal = calendar();
        for protocol in [&essex, &kent] {
            for received_day in [23, 24, 25, 26, 27] {
                let f = facts(
                    Utc.with_ymd_and_hms(2026, 11, received_day, 16, 30, 0)
                        .single()
                        .expect("time"),
                );
                let met = Met::default();
                let (mut daily, mut skipping) = (Vec::<String>::new(), Vec::<String>::new());
                let mut next = Some(d(2026, 11, received_day));
                let mut day = d(2026, 11, received_day);
                while day < d(2027, 3, 10) {
                    if cal.is_working_day(day) {
                        for s in steps_due(protocol, &cal, &f, &met, None, day) {
                            if !daily.contains(&s.key()) {
                                daily.push(s.key());
                            }
                        }
                        if next.is_some_and(|n| n <= day) {
                            for s in steps_due(protocol, &cal, &f, &met, None, day) {
                                if !skipping.contains(&s.key()) {
                                    skipping.push(s.key());
                                }
                            }
                            next = next_follow_up_on(protocol, &cal, &f, &met, None, day, |k| {
                                skipping.iter().any(|x| x == k)
                            });
                        }
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
        let f = facts(monday_morning());
        let met = Met {
            acknowledged: true,
            lead_named: true,
            ..Met::default()
        };
        assert!(steps_due(&essex, &cal, &f, &met, None, d(2026, 12, 7)).is_empty());
        let by_hand = Met {
            acknowledged: true,
            by_hand: vec!["lead_officer".into()],
            ..Met::default()
        };
        assert!(steps_due(&essex, &cal, &f, &by_hand, None, d(2026, 12, 7)).is_empty());
        let paused = Some(d(2026, 12, 8));
        assert!(steps_due(&essex, &cal, &f, &acknowledged(), paused, d(2026, 12, 7)).is_empty());
        // The pause ends: the current chase, not every missed one.
        assert_eq!(
            keys(&steps_due(
                &essex,
                &cal,
                &f,
                &acknowledged(),
                paused,
                d(2026, 12, 8)
            )),
            [
                ("lead_officer:chase:3".to_string(), d(2026, 12, 7)),
                ("lead_officer:escalation".to_string(), d(2026, 12, 2)),
            ]
        );
    }

    #[test]
    fn kent_release_steps_and_the_referrer_side() {
        let kent = Protocol::from_toml(KENT).expect("kent");
        let cal = calendar();
        let f = facts(monday_morning());
        // Release Monday 1 March 2027: housing confirmation due Monday 1
        // February (reminder 2 working days before: Thursday 28 January);
        // appointments due Monday 15 February (reminder Thursday 11).
        let steps = steps_due(&kent, &cal, &f, &Met::default(), None, d(2027, 1, 28));
        assert_eq!(
            keys(&steps),
            [("housing_confirmation:reminder".to_string(), d(2027, 1, 28))]
        );
        let steps = steps_due(&kent, &cal, &f, &Met::default(), None, d(2027, 2, 11));
        let owed: Vec<_> = steps.iter().map(|s| (s.key(), s.rule.owed_by)).collect();
        assert!(owed.contains(&(
            "appointments_confirmed:reminder".to_string(),
            Owner::Referrer
        )));
        // Housing confirmation, chased every 2 working days from Tuesday 2
        // February (Tue 2, Thu 4, Mon 8, Wed 10) and escalated after 3,
        // Thursday 4: on Thursday 11 the latest chase is the fourth.
        assert!(
            keys(&steps).contains(&("housing_confirmation:chase:4".to_string(), d(2027, 2, 10)))
        );
        assert!(
            keys(&steps).contains(&("housing_confirmation:escalation".to_string(), d(2027, 2, 4)))
        );
    }

    #[test]
    fn the_sweep_acts_on_working_days_from_the_morning() {
        let cal = calendar();
        let nine = NaiveTime::from_hms_opt(9, 0, 0).expect("time");
        let at = |y, m, day, h| {
            Utc.with_ymd_and_hms(y, m, day, h, 0, 0)
                .single()
                .expect("time")
        };
        assert_eq!(acting_day(at(2026, 11, 23, 8), nine, &cal), None);
        assert_eq!(
            acting_day(at(2026, 11, 23, 9), nine, &cal),
            Some(d(2026, 11, 23))
        );
        // Saturday, and Christmas Day.
        assert_eq!(acting_day(at(2026, 11, 28, 12), nine, &cal), None);
        assert_eq!(acting_day(at(2026, 12, 25, 12), nine, &cal), None);
        // Summer time: 08:30 UTC is 09:30 in London.
        assert_eq!(
            acting_day(
                Utc.with_ymd_and_hms(2027, 6, 1, 8, 30, 0)
                    .single()
                    .expect("t"),
                nine,
                &cal
            ),
            Some(d(2027, 6, 1))
        );
    }

    fn authority(dispute_is_lead: bool, next_level: Option<Contact>) -> Authority {
        let contact = |name: &str, email: &str| Contact {
            name: name.into(),
            email: EmailAddress::parse(email).expect("address"),
        };
        Authority {
            name: "Harlow".into(),
            code: ShortCode::parse("HAR").expect("code"),
            aliases: Vec::new(),
            inbox: EmailAddress::parse("dtr@harlow.gov.uk").expect("address"),
            operational_lead: contact("Lee Lead", "lee.lead@harlow.gov.uk"),
            dispute_contact: if dispute_is_lead {
                contact("Lee Lead", "lee.lead@harlow.gov.uk")
            } else {
                contact("Dana Director", "dana.director@harlow.gov.uk")
            },
            next_level,
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
        let Delivery::Mail {
            to, cc, addressee, ..
        } = delivery(StepKind::Chase(2), Owner::Authority, &contacts)
        else {
            panic!("chase goes by mail");
        };
        assert_eq!(addresses(&to), ["lee.lead@harlow.gov.uk"]);
        assert_eq!(addresses(&cc), ["dtr@harlow.gov.uk"]);
        assert_eq!(addressee.as_deref(), Some("Lee Lead"));
        let Delivery::Mail {
            to, cc, addressee, ..
        } = delivery(StepKind::Escalation, Owner::Authority, &contacts)
        else {
            panic!("escalation goes by mail");
        };
        assert_eq!(addresses(&to), ["dana.director@harlow.gov.uk"]);
        assert_eq!(addresses(&cc), ["lee.lead@harlow.gov.uk"]);
        assert_eq!(addressee.as_deref(), Some("Dana Director"));
        let Delivery::Mail {
            to, cc, internal, ..
        } = delivery(StepKind::Chase(1), Owner::Referrer, &contacts)
        else {
            panic!("the referrer is chased by mail");
        };
        assert_eq!(
            (addresses(&to), addresses(&cc)),
            (vec!["pat@justice.gov.uk"], vec!["cl@justice.gov.uk"])
        );
        assert!(!internal);
        assert!(matches!(
            delivery(StepKind::Escalation, Owner::Referrer, &contacts),
            Delivery::Nobody(_)
        ));
    }

    #[test]
    fn when_the_dispute_contact_is_the_lead_the_next_level_is_escalated_to() {
        let same = authority(true, None);
        let contacts = Contacts {
            authority: &same,
            referrer: None,
            case_lead: None,
            referrer_escalation: None,
        };
        match delivery(StepKind::Escalation, Owner::Authority, &contacts) {
            Delivery::Nobody(reason) => assert!(reason.contains("next_level"), "{reason}"),
            other => panic!("no one to escalate to, got {other:?}"),
        }
        let next = Contact {
            name: "Hana Head".into(),
            email: EmailAddress::parse("hana.head@harlow.gov.uk").expect("address"),
        };
        let with_next = authority(true, Some(next));
        let contacts = Contacts {
            authority: &with_next,
            ..contacts
        };
        let Delivery::Mail { to, cc, .. } =
            delivery(StepKind::Escalation, Owner::Authority, &contacts)
        else {
            panic!("the next level is written to");
        };
        assert_eq!(addresses(&to), ["hana.head@harlow.gov.uk"]);
        assert_eq!(addresses(&cc), ["lee.lead@harlow.gov.uk"]);
    }
}
