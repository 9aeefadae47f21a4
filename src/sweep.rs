//! The deadline sweep: at start and every minute, the reminders, chases and
//! escalations due are written to the outbox, each step once however often
//! the sweep runs or the daemon restarts. The decisions are the core's
//! (`core::sweep`); this module reads the cases, words the follow-ups, and
//! hands them to the store. A dry run words them and writes nothing.

use crate::config::Config;
use crate::core::address::EmailAddress;
use crate::core::authority::Authority;
use crate::core::calendar::Calendar;
use crate::core::event::EventKind;
use crate::core::plan::OutgoingMail;
use crate::core::protocol::{Due, Owner, Rag, Rule};
use crate::core::sweep::{
    acting_day, delivery, escalation_contacts, escalation_day, not_acting_because, plan, CaseView,
    Contacts, Delivery, DoneStep, Limits, Step, StepKind, STOPPED_KEY,
};
use crate::core::words::spoken_date;
use crate::shutdown::Shutdown;
use crate::store::{DeadlineCase, FollowUp, FollowUpDay, Store, StoreError};
use crate::templates::Purpose;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Value};
use std::time::Duration;

/// How often the daemon sweeps.
pub const EVERY: Duration = Duration::from_secs(60);

/// Whether a sweep writes what it finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Records each step and queues its mail.
    Record,
    /// Says what would be sent; changes nothing.
    DryRun,
}

/// One follow-up a sweep found, as people read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    pub case: String,
    /// `Reminder`, `Chase 2`, `Escalation`, `No more chases`,
    /// `Follow-ups stopped`.
    pub step: String,
    pub rule: Option<String>,
    pub due: Option<NaiveDate>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// Why nothing is sent, when nothing is.
    pub note: Option<String>,
}

/// What one sweep did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Open cases looked at.
    pub cases: usize,
    /// Follow-ups this sweep recorded (mail or, when nobody can be written
    /// to, a note); in a dry run, those it would record.
    pub follow_ups: usize,
    /// Follow-ups found due that another sweep running at once recorded
    /// first: not counted in `follow_ups` nor listed in `planned`.
    pub recorded_elsewhere: usize,
    /// Mails queued.
    pub queued: usize,
    /// False when `now` was outside sending hours (before `send_from`, from
    /// `send_until`, or not a working day) and nothing was read.
    pub swept: bool,
    /// Why nothing was read, in words.
    pub skipped: Option<String>,
    /// Each follow-up recorded (in a dry run, found).
    pub planned: Vec<Planned>,
    /// The authorities whose morning digest this sweep queued.
    pub digests: Vec<String>,
}

/// Sweeps once, as at `now`. `whole` reads every open case; otherwise only
/// those whose next follow-up day has come or that changed since (the
/// daemon reads the whole at start, which picks up a changed protocol or
/// calendar). The queued mail is stamped with the real time, so that
/// `--now` in the future still sends at once.
pub async fn sweep_once(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
    whole: bool,
    mode: Mode,
) -> Result<SweepReport, StoreError> {
    let deadlines = &config.deadlines;
    let Some(day) = acting_day(
        now,
        deadlines.send_from,
        deadlines.send_until,
        &config.calendar,
    ) else {
        return Ok(SweepReport {
            skipped: not_acting_because(
                now,
                deadlines.send_from,
                deadlines.send_until,
                &config.calendar,
            ),
            ..SweepReport::default()
        });
    };
    let cases = if whole {
        store.deadline_cases(None).await?
    } else {
        store.cases_to_sweep(day).await?
    };
    let mut report = SweepReport {
        cases: cases.len(),
        swept: true,
        ..SweepReport::default()
    };
    let limits = Limits {
        stop_after_release: chrono::Duration::days(i64::from(deadlines.stop_after_release_days)),
    };
    let mut batch = Vec::new();
    let mut next_days = Vec::new();
    for case in cases {
        let calendar = config.calendar_for(&case.authority);
        let done = case.done();
        if !calendar.is_working_day(day) {
            // The authority is closed today (a day of its own): nothing
            // goes to it; the case is read again on its next working day.
            let next = Some(calendar.next_working_day(day));
            if !case.follows_up_on(next) {
                next_days.push(FollowUpDay {
                    case_id: case.id,
                    revision: case.revision,
                    on: next,
                });
            }
            continue;
        }
        let view = CaseView {
            facts: &case.facts,
            progress: &case.progress,
            paused_until: case.paused_until,
            awaiting_withdrawal: case.withdrawal_waits,
            done: &done,
        };
        let planned = plan(&config.protocol, calendar, view, limits, day);
        if !case.follows_up_on(planned.next) {
            next_days.push(FollowUpDay {
                case_id: case.id,
                revision: case.revision,
                on: planned.next,
            });
        }
        let mut follow_ups: Vec<FollowUp> = planned
            .steps
            .iter()
            .filter_map(|step| follow_up(step, &case, &done, config, calendar, day))
            .collect();
        if let Some(reason) = planned.stopped {
            follow_ups.push(FollowUp {
                step: DoneStep {
                    key: STOPPED_KEY.into(),
                    on: day,
                    to: None,
                    due: None,
                },
                event: EventKind::FollowUpsStopped,
                detail: json!({ "reason": reason }),
                mail: None,
            });
        }
        if follow_ups.is_empty() {
            continue;
        }
        batch.push((case, follow_ups));
    }
    if mode == Mode::DryRun {
        report.planned = batch
            .iter()
            .flat_map(|(case, follow_ups)| follow_ups.iter().map(|f| planned_of(case, f)))
            .collect();
        report.follow_ups = report.planned.len();
        report.queued = report.planned.iter().filter(|p| !p.to.is_empty()).count();
        return Ok(report);
    }
    let recorded = store
        .record_follow_ups(&batch, &config.outgoing, Utc::now())
        .await?;
    report.queued = recorded.queued;
    // Only what this sweep wrote: another running at once (a second
    // gateway, `sweep --record` beside the daemon) wrote the rest and says
    // so itself.
    let found: usize = batch.iter().map(|(_, follow_ups)| follow_ups.len()).sum();
    report.planned = batch
        .iter()
        .zip(&recorded.written)
        .flat_map(|((case, follow_ups), written)| {
            follow_ups
                .iter()
                .zip(written)
                .filter(|(_, by_this_sweep)| **by_this_sweep)
                .map(|(f, _)| planned_of(case, f))
        })
        .collect();
    report.follow_ups = report.planned.len();
    report.recorded_elsewhere = found - report.follow_ups;
    // After the follow-ups: a crash between the two leaves the old day,
    // which only makes the next sweep look again.
    store.set_follow_up_days(&next_days).await?;
    // After the day's follow-ups, so that the digest counts them.
    report.digests = crate::digest::queue_digests(store, config, now, day).await?;
    Ok(report)
}

fn planned_of(case: &DeadlineCase, f: &FollowUp) -> Planned {
    let (rule, kind) = match f.step.rule_and_kind() {
        Some((rule, kind)) => (Some(rule.to_string()), kind.label()),
        None => (None, "Follow-ups stopped".to_string()),
    };
    let list = |l: &[EmailAddress]| l.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    Planned {
        case: case.reference.clone(),
        step: kind,
        rule,
        due: f.step.due,
        to: f.mail.as_ref().map(|m| list(&m.to)).unwrap_or_default(),
        cc: f.mail.as_ref().map(|m| list(&m.cc)).unwrap_or_default(),
        note: match &f.mail {
            Some(_) => None,
            None => f.detail["reason"].as_str().map(str::to_string),
        },
    }
}

/// Sweeps at start and every minute until shutdown; the whole of the open
/// cases at start, then the cases whose day has come or that changed. A
/// case's day is stored only if the case did not change meanwhile (its
/// revision), so no later whole sweep is needed to catch up with changes.
pub async fn run(store: Store, config: std::sync::Arc<Config>, mut shutdown: Shutdown) {
    let mut whole = true;
    loop {
        let result = sweep_once(&store, &config, Utc::now(), whole, Mode::Record).await;
        // The whole sweep is done once it has run: not when it failed, nor
        // when the daemon started outside sending hours (a night or a
        // weekend), when it read nothing.
        if matches!(&result, Ok(report) if report.swept) {
            whole = false;
        }
        match result {
            Ok(report) if report.follow_ups > 0 => {
                tracing::info!(
                    follow_ups = report.follow_ups,
                    queued = report.queued,
                    "deadline sweep"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "deadline sweep failed; trying again"),
        }
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            _ = shutdown.wait() => return,
        }
    }
}

/// A deadline of an open case not yet met.
#[derive(Clone, Debug)]
pub struct OpenDeadline<'a> {
    pub case: &'a DeadlineCase,
    pub rule: &'a Rule,
    pub due: Due,
    pub rag: Rag,
    /// How far its ladder has gone: `reminded 27 Nov; chased 2 times;
    /// escalated 2 Dec`, or empty.
    pub ladder: String,
}

impl OpenDeadline<'_> {
    /// What else the `due` list says of the deadline: a late referral, a
    /// deadline brought forward, the follow-ups done so far (the `due`
    /// command and the web view's /due alike).
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.due.late {
            notes.push("late referral".to_string());
        }
        if self.due.before_release {
            notes.push("brought forward: before release".to_string());
        }
        if !self.ladder.is_empty() {
            notes.push(self.ladder.clone());
        }
        if self.case.withdrawal_waits {
            notes.push(
                "no follow-ups: a withdrawal of consent waits for the council's answer".to_string(),
            );
        }
        notes
    }
}

/// Every open deadline of `cases` as on `today`, most pressing first (red,
/// amber, green, then by date and reference): what `dtr-gateway due` lists,
/// and whose red ones /metrics counts as overdue.
pub fn open_deadlines<'a>(
    config: &'a Config,
    cases: &'a [DeadlineCase],
    today: NaiveDate,
) -> Vec<OpenDeadline<'a>> {
    let mut rows: Vec<OpenDeadline<'a>> = cases
        .iter()
        .flat_map(|case| {
            let calendar = config.calendar_for(&case.authority);
            let done = case.done();
            config
                .protocol
                .open_deadlines(&case.facts, &case.progress, calendar, today)
                .into_iter()
                .map(move |open| OpenDeadline {
                    case,
                    rule: open.rule,
                    due: open.due,
                    rag: open.rag,
                    ladder: ladder(&done, &open.rule.id, open.due.on),
                })
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.rag, a.due.on, &a.case.reference).cmp(&(b.rag, b.due.on, &b.case.reference))
    });
    rows
}

/// The follow-ups done for one deadline, in words.
pub fn ladder(done: &[DoneStep], rule: &str, due: NaiveDate) -> String {
    let mine: Vec<(StepKind, NaiveDate)> = done
        .iter()
        .filter(|d| d.due.is_none_or(|x| x == due))
        .filter_map(|d| {
            let (r, kind) = d.rule_and_kind()?;
            (r == rule).then_some((kind, d.on))
        })
        .collect();
    let mut words = Vec::new();
    if let Some((_, on)) = mine.iter().find(|(k, _)| *k == StepKind::Reminder) {
        words.push(format!("reminded {}", on.format("%-d %b")));
    }
    let chases: Vec<NaiveDate> = mine
        .iter()
        .filter(|(k, _)| matches!(k, StepKind::Chase(_)))
        .map(|(_, on)| *on)
        .collect();
    match chases.len() {
        0 => {}
        1 => words.push(format!("chased {}", chases[0].format("%-d %b"))),
        n => words.push(format!(
            "chased {n} times, last {}",
            chases
                .iter()
                .max()
                .map(|d| d.format("%-d %b").to_string())
                .unwrap_or_default()
        )),
    }
    // An escalation nobody could be written to was noted, not sent.
    let escalation = done.iter().find(|d| {
        d.due.is_none_or(|x| x == due) && d.rule_and_kind() == Some((rule, StepKind::Escalation))
    });
    match escalation {
        Some(d) if d.to.is_some() => words.push(format!("escalated {}", d.on.format("%-d %b"))),
        Some(d) => words.push(format!(
            "escalation due {} not sent (no contact)",
            d.on.format("%-d %b")
        )),
        None => {}
    }
    if mine.iter().any(|(k, _)| *k == StepKind::ChasesEnded) {
        words.push("no more chases".into());
    }
    words.join("; ")
}

/// Words one step: its event, and its mail when someone can be written to.
fn follow_up(
    step: &Step<'_>,
    case: &DeadlineCase,
    done: &[DoneStep],
    config: &Config,
    calendar: &Calendar,
    day: NaiveDate,
) -> Option<FollowUp> {
    let Some(authority) = config.authorities.by_code(&case.authority) else {
        tracing::warn!(case = %case.reference, "the case's authority is no longer configured; no follow-up");
        return None;
    };
    let allowed = |text: &Option<String>| {
        text.as_deref()
            .and_then(|t| EmailAddress::parse(t).ok())
            .filter(|a| config.allows_sender(a) && !config.is_portal_sender(a))
    };
    let contacts = Contacts {
        authority,
        referrer: allowed(&case.referrer_email),
        case_lead: allowed(&case.case_lead_email),
        referrer_escalation: config.deadlines.referrer_escalation.as_ref(),
    };
    let rule = step.rule;
    // What was sent: a step noted with nobody to write to went nowhere.
    let history: Vec<Value> = done
        .iter()
        .filter(|d| d.due.is_none_or(|x| x == step.due.on) && d.to.is_some())
        .filter_map(|d| {
            let (r, kind) = d.rule_and_kind()?;
            (r == rule.id && kind != StepKind::ChasesEnded)
                .then(|| json!({ "what": kind.label(), "on": spoken_date(d.on), "to": d.to }))
        })
        .collect();
    let overdue = calendar.working_days_between(step.due.on, day).max(0);
    let detail = json!({
        "rule": rule.id,
        "commitment": rule.commitment,
        "due": step.due.on,
        "late": step.due.late,
        "before_release": step.due.before_release,
        "step": step.kind.label(),
    });
    let kind_event = |mail: bool| match (step.kind, mail) {
        (StepKind::Reminder, true) => EventKind::ReminderQueued,
        (StepKind::Chase(_), true) => EventKind::ChaseQueued,
        (StepKind::Escalation, true) => EventKind::EscalationQueued,
        (StepKind::Reminder, false) => EventKind::ReminderNotSent,
        (StepKind::Chase(_), false) => EventKind::ChaseNotSent,
        (StepKind::Escalation, false) => EventKind::EscalationNotSent,
        (StepKind::ChasesEnded, _) => EventKind::ChasesEnded,
    };
    let done_step = |to: Option<String>| DoneStep {
        key: step.key(),
        on: day,
        to,
        due: Some(step.due.on),
    };
    match delivery(step.kind, rule.owed_by, &contacts) {
        Delivery::Mail { to, cc, addressee } => {
            let purpose = match step.kind {
                StepKind::Reminder => Purpose::Reminder,
                StepKind::Chase(_) => Purpose::Chase,
                _ => Purpose::Escalation,
            };
            let escalation = escalation_words(rule, &contacts, calendar, step, done, day);
            let context = json!({
                "deadline": {
                    "id": rule.id,
                    "commitment": rule.commitment,
                    "what": rule.description,
                    "due": spoken_date(step.due.on),
                    "due_short": step.due.on.format("%a %-d %b").to_string(),
                    "late": step.due.late,
                    "before_release": step.due.before_release,
                    "owed_by": rule.owed_by.as_str(),
                    "working_days_overdue": overdue,
                },
                "step": {
                    "kind": step.kind.name(),
                    "number": step.kind.number(),
                    "on": spoken_date(day),
                    // Whether the operational lead is among the copies (an
                    // escalation to a lead who is also the dispute contact
                    // is addressed to them, not copied).
                    "lead_copied": cc.contains(&authority.operational_lead.email),
                },
                "history": history,
                "addressee": addressee,
                "escalation": escalation,
            });
            let to_name = addressee
                .clone()
                .or_else(|| to.first().map(|a| a.to_string()));
            let unlimited = to
                .iter()
                .chain(cc.iter())
                .filter(|a| authority.speaks_for(a))
                .cloned()
                .collect();
            Some(FollowUp {
                step: done_step(to_name),
                event: kind_event(true),
                detail,
                mail: Some(OutgoingMail {
                    purpose,
                    to,
                    cc,
                    once_per_case: true,
                    context,
                    unlimited,
                    step: Some(step.instance_key()),
                    thread_under: None,
                    held_until: None,
                }),
            })
        }
        Delivery::Nobody(reason) => {
            let mut detail = detail;
            detail["reason"] = json!(reason);
            Some(FollowUp {
                step: done_step(None),
                event: kind_event(false),
                detail,
                mail: None,
            })
        }
    }
}

/// Who a deadline's escalation went or will go to, and when, for the
/// reminder and the chases to say; or that nobody is written to. Once it
/// was sent, the day it went; before, the day the sweep will send it.
fn escalation_words(
    rule: &Rule,
    contacts: &Contacts<'_>,
    calendar: &Calendar,
    step: &Step<'_>,
    done: &[DoneStep],
    today: NaiveDate,
) -> Value {
    let who: Vec<String> = escalation_contacts(rule.owed_by, contacts)
        .iter()
        .map(|c| c.name.clone())
        .collect();
    let escalation = done
        .iter()
        .find(|d| d.is(&rule.id, step.due.on) == Some(StepKind::Escalation));
    // An escalation noted with nobody to write to is not sent again.
    let sent = escalation.is_some_and(|d| d.to.is_some());
    let on = match escalation {
        Some(d) => sent.then_some(d.on),
        None => escalation_day(rule, calendar, step.due.on, done, today),
    };
    match (who.is_empty(), on) {
        (false, Some(on)) => json!({
            "to": who.join(" and "),
            "on": spoken_date(on),
            "already": sent,
            "none": Value::Null,
            "as_head_of_housing_options": rule.owed_by == Owner::Authority,
            "authority": escalation_authority(rule.owed_by, contacts.authority),
        }),
        _ => json!({
            "to": Value::Null,
            "on": on.map(spoken_date),
            "already": false,
            "none": match rule.owed_by {
                Owner::Authority => "this step is not escalated under the protocol file",
                Owner::Referrer => "no escalation contact for the referring side is configured",
            },
            "as_head_of_housing_options": false,
            "authority": escalation_authority(rule.owed_by, contacts.authority),
        }),
    }
}

fn escalation_authority(owed_by: Owner, authority: &Authority) -> Value {
    match owed_by {
        Owner::Authority => json!(authority.full_name()),
        Owner::Referrer => Value::Null,
    }
}
