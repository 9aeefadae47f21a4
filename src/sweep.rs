//! The deadline sweep: at start and every minute, the reminders, chases and
//! escalations due are written to the outbox, each step once however often
//! the sweep runs or the daemon restarts. The decisions are the core's
//! (`core::sweep`); this module reads the cases, words the follow-ups, and
//! hands them to the store.

use crate::config::Config;
use crate::core::address::EmailAddress;
use crate::core::protocol::{Owner, Rag, Rule};
use crate::core::sweep::{
    acting_day, delivery, next_follow_up_on, steps_due, Contacts, Delivery, Step, StepKind,
};
use crate::intake::Answer;
use crate::source::Shutdown;
use crate::store::{DeadlineCase, DoneStep, FollowUp, FollowUpDay, Store, StoreError};
use crate::templates::Purpose;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Value};
use std::time::Duration;

/// How often the daemon sweeps.
pub const EVERY: Duration = Duration::from_secs(60);

/// What one sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Open cases looked at.
    pub cases: usize,
    /// Follow-ups recorded (mail or, when nobody can be written to, a note).
    pub follow_ups: usize,
    /// Mails queued.
    pub queued: usize,
    /// False when `now` was outside sending hours (before `send_from`, or
    /// not a working day) and nothing was read.
    pub swept: bool,
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
) -> Result<SweepReport, StoreError> {
    let Some(day) = acting_day(now, config.deadlines.send_from, &config.calendar) else {
        return Ok(SweepReport::default());
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
    let mut batch = Vec::new();
    let mut next_days = Vec::new();
    for case in cases {
        let steps = steps_due(
            &config.protocol,
            &config.calendar,
            &case.facts,
            &case.met,
            case.paused_until,
            day,
        );
        // Most steps due were done on an earlier sweep: a text search of the
        // stored list spares reading it.
        let was_done = |key: &str| case.follow_ups.contains(&format!("\"{key}\""));
        let new: Vec<Step<'_>> = steps.into_iter().filter(|s| !was_done(&s.key())).collect();
        let new_keys: Vec<String> = new.iter().map(Step::key).collect();
        let next = next_follow_up_on(
            &config.protocol,
            &config.calendar,
            &case.facts,
            &case.met,
            case.paused_until,
            day,
            |key| was_done(key) || new_keys.iter().any(|k| k == key),
        );
        if !case.follows_up_on(next) {
            next_days.push(FollowUpDay {
                case_id: case.id,
                revision: case.revision,
                on: next,
            });
        }
        if new.is_empty() {
            continue;
        }
        let done = case.done();
        let follow_ups: Vec<FollowUp> = new
            .iter()
            .filter_map(|step| follow_up(step, &case, &done, config, day))
            .collect();
        report.follow_ups += follow_ups.len();
        batch.push((case, follow_ups));
    }
    report.queued = store
        .record_follow_ups(&batch, &config.outgoing, Utc::now())
        .await?;
    // After the follow-ups: a crash between the two leaves the old day,
    // which only makes the next sweep look again.
    store.set_follow_up_days(&next_days).await?;
    Ok(report)
}

/// Sweeps at start and every minute until shutdown; the whole of the open
/// cases at start, then the cases whose day has come or that changed. A
/// case's day is stored only if the case did not change meanwhile (its
/// revision), so no later whole sweep is needed to catch up with changes.
pub async fn run(store: Store, config: std::sync::Arc<Config>, mut shutdown: Shutdown) {
    let mut whole = true;
    loop {
        let result = sweep_once(&store, &config, Utc::now(), whole).await;
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
pub struct Due<'a> {
    pub case: &'a DeadlineCase,
    pub rule: &'a Rule,
    pub due: NaiveDate,
    pub rag: Rag,
}

/// Every open deadline of `cases` as on `today`, most pressing first (red,
/// amber, green, then by date and reference): what `dtr-gateway due` lists,
/// and whose red ones /metrics counts as overdue.
pub fn open_deadlines<'a>(
    config: &'a Config,
    cases: &'a [DeadlineCase],
    today: NaiveDate,
) -> Vec<Due<'a>> {
    let mut rows: Vec<Due<'a>> = cases
        .iter()
        .flat_map(|case| {
            config
                .protocol
                .open_deadlines(
                    &case.facts,
                    |rule| case.met.meets(rule),
                    &config.calendar,
                    today,
                )
                .into_iter()
                .map(move |open| Due {
                    case,
                    rule: open.rule,
                    due: open.due,
                    rag: open.rag,
                })
        })
        .collect();
    rows.sort_by(|a, b| (a.rag, a.due, &a.case.reference).cmp(&(b.rag, b.due, &b.case.reference)));
    rows
}

/// Words one step: its event, and its mail when someone can be written to.
fn follow_up(
    step: &Step<'_>,
    case: &DeadlineCase,
    done: &[DoneStep],
    config: &Config,
    day: NaiveDate,
) -> Option<FollowUp> {
    let Some(authority) = config.authorities.by_code(&case.authority) else {
        tracing::warn!(case = %case.reference, "the case's authority is no longer configured; no follow-up");
        return None;
    };
    let allowed = |text: &Option<String>| {
        text.as_deref()
            .and_then(|t| EmailAddress::parse(t).ok())
            .filter(|a| config.allows_sender(a))
    };
    let contacts = Contacts {
        authority,
        referrer: allowed(&case.referrer_email),
        case_lead: allowed(&case.case_lead_email),
        referrer_escalation: config.deadlines.referrer_escalation.as_ref(),
    };
    let rule = step.rule;
    let prefix = format!("{}:", rule.id);
    let history: Vec<Value> = done
        .iter()
        .filter_map(|d| {
            let what = step_label(d.key.strip_prefix(&prefix)?)?;
            Some(json!({ "what": what, "on": spoken_date(d.on), "to": d.to }))
        })
        .collect();
    let overdue = config.calendar.working_days_between(step.due, day).max(0);
    let detail = json!({
        "rule": rule.id,
        "commitment": rule.commitment,
        "due": step.due,
        "step": step.kind.label(),
    });
    let kind_event = |mail: bool| match (step.kind, mail) {
        (StepKind::Reminder, true) => "reminder_queued",
        (StepKind::Chase(_), true) => "chase_queued",
        (StepKind::Escalation, true) => "escalation_queued",
        (StepKind::Reminder, false) => "reminder_not_sent",
        (StepKind::Chase(_), false) => "chase_not_sent",
        (StepKind::Escalation, false) => "escalation_not_sent",
    };
    match delivery(step.kind, rule.owed_by, &contacts) {
        Delivery::Mail {
            to,
            cc,
            addressee,
            internal,
        } => {
            let purpose = match step.kind {
                StepKind::Reminder => Purpose::Reminder,
                StepKind::Chase(_) => Purpose::Chase,
                StepKind::Escalation => Purpose::Escalation,
            };
            let context = json!({
                "deadline": {
                    "id": rule.id,
                    "commitment": rule.commitment,
                    "what": rule.description,
                    "due": spoken_date(step.due),
                    "owed_by": match rule.owed_by { Owner::Authority => "authority", Owner::Referrer => "referrer" },
                    "working_days_overdue": overdue,
                },
                "step": {
                    "kind": step.kind.name(),
                    "number": step.kind.number(),
                    "on": spoken_date(day),
                },
                "history": history,
                "addressee": addressee,
            });
            let to_name = addressee
                .clone()
                .or_else(|| to.first().map(|a| a.to_string()));
            Some(FollowUp {
                step: DoneStep {
                    key: step.key(),
                    on: day,
                    to: to_name,
                },
                event: kind_event(true),
                detail,
                mail: Some(Answer {
                    purpose,
                    to,
                    cc,
                    once_per_case: true,
                    context,
                    internal,
                    step: Some(step.key()),
                }),
            })
        }
        Delivery::Nobody(reason) => {
            let mut detail = detail;
            detail["reason"] = json!(reason);
            Some(FollowUp {
                step: DoneStep {
                    key: step.key(),
                    on: day,
                    to: None,
                },
                event: kind_event(false),
                detail,
                mail: None,
            })
        }
    }
}

/// `chase:2` to `Chase 2`.
fn step_label(kind: &str) -> Option<String> {
    match kind.split_once(':') {
        Some(("chase", n)) => Some(StepKind::Chase(n.parse().ok()?).label()),
        None if kind == "reminder" => Some(StepKind::Reminder.label()),
        None if kind == "escalation" => Some(StepKind::Escalation.label()),
        _ => None,
    }
}

fn spoken_date(date: NaiveDate) -> String {
    date.format("%A %-d %B %Y").to_string()
}
