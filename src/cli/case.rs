//! `dtr-gateway cases` and `dtr-gateway case REF ...`: the cases, one
//! case, and what people record on it.

use super::*;
use anyhow::{bail, Result};
use chrono::Utc;
use dtr_gateway::config::Config;
use dtr_gateway::core::event::EventKind;
use dtr_gateway::core::plan::CaseStatus;
use dtr_gateway::store::Store;
use dtr_gateway::terminal::printable;
use std::process::ExitCode;

/// What `cases` is asked to narrow the list to.
pub(crate) struct CaseFilter {
    pub(crate) authority: Option<String>,
    pub(crate) open: bool,
    /// Only cases with a deadline due that day.
    pub(crate) due: Option<DueOn>,
    /// Only cases with a deadline past.
    pub(crate) overdue: bool,
    /// Text in the person's name, prison number or CRN (or the reference).
    pub(crate) search: Option<String>,
    /// As on this day instead of today.
    pub(crate) now: Option<chrono::NaiveDate>,
}

pub(crate) async fn list_cases(
    config: &Config,
    store: &Store,
    filter: CaseFilter,
) -> Result<ExitCode> {
    let code = authority_code(config, filter.authority)?;
    let today = filter
        .now
        .unwrap_or_else(|| dtr_gateway::core::uk::date(Utc::now()));
    let kept = dtr_gateway::case_list::CaseFilter {
        open_only: filter.open,
        due_on: filter.due.map(|d| d.day(today)),
        overdue: filter.overdue,
        next: None,
        search: filter.search,
    };
    let cases = store.cases(code.as_deref(), kept.reads_open_only()).await?;
    let deadline_cases = store.deadline_cases(code.as_deref()).await?;
    let deadlines = dtr_gateway::sweep::open_deadlines(config, &deadline_cases, today);
    let shown = dtr_gateway::case_list::filter_cases(&cases, &deadlines, &kept);
    println!(
        "{:<20} {:<11} {:<6} {:<22} {:<26} {:<16} {:<9} RECEIVED",
        "REFERENCE", "STATUS", "URGENT", "NAME", "REFERRER", "NEXT DEADLINE", "STATE"
    );
    for listed in &shown {
        let (c, next) = (listed.case, listed.next);
        let referrer = match (&c.referrer_name, &c.referring_agency) {
            (Some(n), Some(a)) => format!("{n}, {a}"),
            (Some(x), None) | (None, Some(x)) => x.clone(),
            (None, None) => "-".into(),
        };
        let received = chrono::DateTime::parse_from_rfc3339(&c.received_at)
            .map(|t| dtr_gateway::core::words::short_time(t.with_timezone(&Utc)))
            .unwrap_or_else(|_| c.received_at.clone());
        println!(
            "{:<20} {:<11} {:<6} {:<22} {:<26} {:<16} {:<9} {}",
            printable(&c.reference),
            printable(c.status.as_str()),
            if c.urgent { "yes" } else { "no" },
            super::quarantine::clip(&printable(c.full_name.as_deref().unwrap_or("-")), 22),
            super::quarantine::clip(&printable(&referrer), 26),
            next.map(|d| d.due.on.format("%a %-d %b %Y").to_string())
                .unwrap_or_else(|| "-".into()),
            next.map(|d| super::case_view::rag_words(d.rag))
                .unwrap_or("-"),
            received
        );
    }
    println!("{} case(s)", shown.len());
    Ok(ExitCode::SUCCESS)
}

/// `--due today`, or a date.
#[derive(Clone, Copy, Debug)]
pub(crate) enum DueOn {
    Today,
    Day(chrono::NaiveDate),
}

impl DueOn {
    fn day(self, today: chrono::NaiveDate) -> chrono::NaiveDate {
        match self {
            DueOn::Today => today,
            DueOn::Day(d) => d,
        }
    }
}

/// `today`, `tomorrow`, or a date such as 24/12/2026.
pub(crate) fn parse_due(text: &str) -> Result<DueOn, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "today" => Ok(DueOn::Today),
        _ => parse_day(text).map(DueOn::Day).map_err(|_| {
            format!("`{text}` is neither `today` nor a date such as 24/12/2026 or 2026-12-24")
        }),
    }
}

pub(crate) async fn case_action(
    config: &Config,
    store: &Store,
    reference: &str,
    action: CaseAction,
) -> Result<ExitCode> {
    use dtr_gateway::core::plan::CaseChange;
    use dtr_gateway::core::protocol::{Evidence, Side};
    use dtr_gateway::core::reply::NamedLead;
    let shown = printable(reference);
    let case = store.case(reference).await?;
    let status = case.summary.status;
    let closed = || {
        format!(
            "{shown} was closed{}{}: nothing is recorded",
            case.closed_at
                .map(|t| format!(
                    " on {}",
                    dtr_gateway::core::words::long_date(dtr_gateway::core::uk::date(t))
                ))
                .unwrap_or_default(),
            case.outcome
                .as_deref()
                .map(|o| format!(" ({})", printable(o)))
                .unwrap_or_default()
        )
    };
    let refused = || {
        format!(
            "{shown} is a referral refused for want of consent: it has no deadlines, and nothing is recorded"
        )
    };
    // Reopening is for a closed case; the store says why another is not.
    if !matches!(action, CaseAction::Reopen) {
        match status {
            CaseStatus::Closed => bail!(closed()),
            CaseStatus::Refused => bail!(refused()),
            _ => {}
        }
    }
    match action {
        CaseAction::Respond { lead, phone } => {
            let lead = match lead {
                Some(text) => {
                    let mut lead = NamedLead::parse_contact(&text).with_context(|| {
                        format!("--lead `{text}` names no one: give \"Name <email>\"")
                    })?;
                    if let Some(phone) = phone {
                        lead.phone = Some(
                            dtr_gateway::core::referral::PhoneNumber::parse(&phone).with_context(
                                || format!("--phone `{phone}` is not a telephone number"),
                            )?,
                        );
                    }
                    Some(lead)
                }
                None if phone.is_some() => bail!("--phone goes with --lead"),
                None => None,
            };
            let contacts = store
                .case_contacts(reference)
                .await?
                .with_context(|| format!("no case {reference}"))?;
            let responded = case
                .events
                .iter()
                .find(|e| e.kind == EventKind::AuthorityResponded);
            let new_lead = lead
                .as_ref()
                .is_some_and(|l| !l.same_person(&contacts.lha_lead));
            if let (Some(before), false) = (responded, new_lead) {
                let on = chrono::DateTime::parse_from_rfc3339(&before.at)
                    .map(|t| dtr_gateway::core::words::short_time(t.with_timezone(&Utc)))
                    .unwrap_or_else(|_| before.at.clone());
                bail!(
                    "{shown}: nothing to record: the authority's response is already recorded ({on}){}",
                    if lead.is_some() {
                        " and that lead officer is already named"
                    } else {
                        "; give --lead \"Name <email>\" to name a new lead officer"
                    }
                );
            }
            let now = Utc::now();
            let mut changes = vec![CaseChange::AuthorityResponded {
                evidence: Evidence {
                    at: now,
                    side: Side::Authority,
                    answers: None,
                    done: Vec::new(),
                },
                how: "recorded by hand".into(),
            }];
            let mut mails = Vec::new();
            if let Some(lead) = lead.filter(|l| !l.same_person(&contacts.lha_lead)) {
                mails.extend(dtr_gateway::intake::lead_officer_change_mail(
                    config, &contacts, &lead, &now,
                ));
                changes.push(CaseChange::LeadOfficerNamed(lead));
            }
            let queued = store
                .record_by_hand(
                    &contacts.case_ref.to_string(),
                    &changes,
                    &mails,
                    &config.outgoing,
                )
                .await?;
            println!(
                "{shown}: the authority's response is recorded{}",
                if queued > 0 {
                    "; the referring side will be told of the new lead officer"
                } else {
                    ""
                }
            );
        }
        CaseAction::Release { date } => {
            let contacts = store
                .case_contacts(reference)
                .await?
                .with_context(|| format!("no case {reference}"))?;
            let today = dtr_gateway::core::uk::date(Utc::now());
            let urgent = contacts.referral.rough_sleeping_risk == Some(true)
                || (date - today).num_days() < dtr_gateway::core::referral::DAYS_BEFORE_RELEASE;
            let change = CaseChange::ReleaseDateChanged {
                to: date,
                urgent,
                by: "recorded by hand".into(),
            };
            store
                .record_by_hand(
                    &contacts.case_ref.to_string(),
                    &[change],
                    &[],
                    &config.outgoing,
                )
                .await?;
            println!(
                "{}: expected release on {}{}; its deadlines are worked out again",
                contacts.case_ref,
                dtr_gateway::core::words::spoken_date(date),
                if urgent { " (urgent)" } else { "" }
            );
        }
        CaseAction::Application { date } => {
            let contacts = store
                .case_contacts(reference)
                .await?
                .with_context(|| format!("no case {reference}"))?;
            let change = CaseChange::ApplicationReceived {
                on: date,
                by: "recorded by hand".into(),
            };
            store
                .record_by_hand(
                    &contacts.case_ref.to_string(),
                    &[change],
                    &[],
                    &config.outgoing,
                )
                .await?;
            println!(
                "{}: homeless application received on {}",
                contacts.case_ref,
                dtr_gateway::core::words::spoken_date(date)
            );
        }
        CaseAction::Reopen => {
            let reopened = store.reopen_case(reference, &config.outgoing).await?;
            println!(
                "{shown}: reopened ({}); its deadlines run again from where they stood: \
                 `dtr-gateway case {shown}` shows what is due",
                reopened.status.as_str()
            );
            if reopened.referrer_told_reopened {
                println!(
                    "The referring side was told the referral had closed: a note telling them \
                     it goes on is queued (`dtr-gateway outbox` shows it)."
                );
            }
        }
        CaseAction::Close { outcome, note } => {
            let outcome = outcome.core();
            let note = note.as_deref().map(str::trim).filter(|n| !n.is_empty());
            if outcome == dtr_gateway::core::report::CaseOutcome::Other && note.is_none() {
                bail!("--outcome other needs --note saying what came of the referral");
            }
            let stored = outcome.stored(note);
            store.close_case(reference, &stored).await?;
            println!("{shown}: closed: {}", printable(&stored));
        }
        CaseAction::Pause { until } => {
            let today = dtr_gateway::core::uk::date(Utc::now());
            if until <= today {
                bail!(
                    "--until {} is not after today ({}): a pause runs until a later date",
                    dtr_gateway::core::words::long_date(until),
                    dtr_gateway::core::words::long_date(today)
                );
            }
            store.pause_case(reference, until).await?;
            println!(
                "{shown}: no reminders, chases or escalations before {}",
                until.format("%A %-d %B %Y")
            );
        }
        CaseAction::Met { rule } => {
            if !config.protocol.rules.iter().any(|r| r.id == rule) {
                let ids: Vec<&str> = config
                    .protocol
                    .rules
                    .iter()
                    .map(|r| r.id.as_str())
                    .collect();
                bail!(
                    "no rule `{rule}` in the protocol: its rules are {}",
                    ids.join(", ")
                );
            }
            if store.mark_met(reference, &rule).await? {
                println!("{shown}: `{rule}` is met");
            } else {
                println!("{shown}: `{rule}` was already recorded as met");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
