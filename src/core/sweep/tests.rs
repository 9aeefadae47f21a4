use super::*;
use crate::core::case_ref::ShortCode;
use crate::core::protocol::{Evidence, Side};
use crate::core::test_support::{at, calendar, d, facts, ESSEX, KENT};

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
                awaiting_withdrawal: false,
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
    // escalation are owed, not six chases; the chase first, so that the
    // escalation can say what the operational lead was sent.
    let case = CaseView {
        facts: &f,
        progress: &Progress::default(),
        paused_until: None,
        awaiting_withdrawal: false,
        done: &[],
    };
    let plan = plan(&essex, &cal, case, LIMITS, d(2026, 12, 21));
    let keys: Vec<String> = plan.steps.iter().map(Step::key).collect();
    assert_eq!(keys, ["lead_officer:chase:1"]);
    assert_eq!(plan.next, Some(d(2026, 12, 22)));
    let done = [DoneStep {
        key: "lead_officer:chase:1".into(),
        on: d(2026, 12, 21),
        to: Some("Tracey Brushett".into()),
        due: Some(d(2026, 11, 30)),
    }];
    let case = CaseView {
        done: &done,
        ..case
    };
    // Another sweep the same day (a second gateway, or a restart's whole
    // sweep) sees the chase just written: still no escalation today.
    let same_day = super::plan(&essex, &cal, case, LIMITS, d(2026, 12, 21));
    assert!(same_day.steps.is_empty(), "{:?}", same_day.steps);
    assert_eq!(same_day.next, Some(d(2026, 12, 22)));
    let plan = super::plan(&essex, &cal, case, LIMITS, d(2026, 12, 22));
    let keys: Vec<String> = plan.steps.iter().map(Step::key).collect();
    assert_eq!(keys, ["lead_officer:escalation"]);
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
                        awaiting_withdrawal: false,
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
                awaiting_withdrawal: false,
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
    // A withdrawal of consent waiting for the council: nothing, and no
    // day to read the case again until it changes.
    let waiting = plan(
        &essex,
        &cal,
        CaseView {
            facts: &f,
            progress: &Progress::default(),
            paused_until: None,
            awaiting_withdrawal: true,
            done: &[],
        },
        LIMITS,
        d(2026, 12, 7),
    );
    assert!(waiting.steps.is_empty() && waiting.next.is_none());
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
        clock_from: at(2027, 2, 15, 10, 0),
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
fn a_person_already_out_when_referred_is_followed_up_from_the_referral() {
    let essex = Protocol::from_toml(ESSEX).expect("essex");
    // Released on Friday 6 November, sleeping rough, referred on Monday 23
    // November: the council's steps are chased as for anyone, for the
    // grace after the referral, not stopped at once.
    let f = CaseFacts {
        release_date: Some(d(2026, 11, 6)),
        ..acknowledged(monday_morning())
    };
    let steps = run(
        &essex,
        &f,
        &Progress::default(),
        d(2026, 11, 23),
        d(2027, 1, 29),
    );
    assert!(
        steps.iter().any(|(k, _)| k == "lead_officer:chase:1"),
        "{steps:?}"
    );
    // And nothing after the grace: 14 days from the referral.
    assert!(steps
        .iter()
        .filter(|(k, _)| !k.starts_with("stopped"))
        .all(|(_, on)| *on <= d(2026, 12, 7)));
}

#[test]
fn follow_ups_stop_after_release() {
    let essex = Protocol::from_toml(ESSEX).expect("essex");
    // Referred on Monday 23 November, released on Tuesday 24: nothing goes
    // after Tuesday 8 December.
    let f = CaseFacts {
        release_date: Some(d(2026, 11, 24)),
        application_on: Some(d(2026, 11, 30)),
        ..acknowledged(monday_morning())
    };
    let steps = run(
        &essex,
        &f,
        &Progress::default(),
        d(2026, 11, 23),
        d(2027, 1, 29),
    );
    assert!(
        steps.iter().all(|(_, on)| *on <= d(2026, 12, 8)),
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
        digest: true,
        officers: Vec::new(),
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
    let Delivery::Mail { to, cc, .. } = delivery(StepKind::Reminder, Owner::Authority, &contacts)
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
    let Delivery::Mail { to, cc, .. } = delivery(StepKind::Chase(1), Owner::Referrer, &contacts)
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
    let Delivery::Mail { to, cc, .. } = delivery(StepKind::Escalation, Owner::Authority, &contacts)
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

#[test]
fn the_escalation_day_a_follow_up_names_is_the_day_the_plan_escalates() {
    // For cases read daily from receipt, and first read on each working
    // day long after the deadline (the daemon was down): what
    // `escalation_day` says on the day of each reminder and chase, before
    // the escalation, is the day `plan` escalates.
    let essex = Protocol::from_toml(ESSEX).expect("essex");
    let kent = Protocol::from_toml(KENT).expect("kent");
    let cal = calendar();
    for protocol in [&essex, &kent] {
        for first_read in [23, 30].into_iter().chain(1..=18).map(|day| {
            if day >= 23 {
                d(2026, 11, day)
            } else {
                d(2026, 12, day)
            }
        }) {
            let f = facts(at(2026, 11, 23, 10, 0));
            let progress = Progress::default();
            let mut done: Vec<DoneStep> = Vec::new();
            // (rule, due, day told, the day it said)
            let mut promised: Vec<(String, NaiveDate, NaiveDate, Option<NaiveDate>)> = Vec::new();
            let mut escalated: Vec<(String, NaiveDate, NaiveDate)> = Vec::new();
            let mut day = first_read;
            while day <= d(2027, 2, 26) {
                if cal.is_working_day(day) {
                    let case = CaseView {
                        facts: &f,
                        progress: &progress,
                        paused_until: None,
                        awaiting_withdrawal: false,
                        done: &done,
                    };
                    let plan = plan(protocol, &cal, case, LIMITS, day);
                    for step in &plan.steps {
                        match step.kind {
                            StepKind::Escalation => {
                                escalated.push((step.rule.id.clone(), step.due.on, day))
                            }
                            StepKind::Reminder | StepKind::Chase(_) => promised.push((
                                step.rule.id.clone(),
                                step.due.on,
                                day,
                                escalation_day(step.rule, &cal, step.due.on, &done, day),
                            )),
                            StepKind::ChasesEnded => {}
                        }
                    }
                    for step in plan.steps {
                        done.push(DoneStep {
                            key: step.key(),
                            on: day,
                            to: None,
                            due: Some(step.due.on),
                        });
                    }
                }
                day = day.succ_opt().expect("next day");
            }
            for (rule, due, told_on, said) in &promised {
                let went = escalated
                    .iter()
                    .find(|(r, d, _)| r == rule && d == due)
                    .map(|(_, _, on)| *on);
                if went.is_none_or(|went| *told_on < went) {
                    assert_eq!(
                        *said, went,
                        "{} {rule} due {due}, told on {told_on}, first read {first_read}",
                        protocol.name
                    );
                }
            }
            assert!(!escalated.is_empty(), "{} {first_read}", protocol.name);
        }
    }
}
