//! `dtr-gateway cases` and `dtr-gateway case REF ...`: the cases, one
//! case, and what people record on it.

use super::*;
use anyhow::{bail, Result};
use chrono::Utc;
use dtr_gateway::config::Config;
use dtr_gateway::store::Store;
use dtr_gateway::terminal::printable;
use std::process::ExitCode;

pub(crate) async fn list_cases(
    config: &Config,
    store: &Store,
    authority: Option<String>,
    open: bool,
) -> Result<ExitCode> {
    let code = authority_code(config, authority)?;
    let cases = store.cases(code.as_deref(), open).await?;
    println!(
        "{:<20} {:<4} {:<10} {:<18} {:<6} {:<12} RECEIVED",
        "REFERENCE", "LHA", "STATUS", "TYPE", "URGENT", "RELEASE"
    );
    for c in &cases {
        println!(
            "{:<20} {:<4} {:<10} {:<18} {:<6} {:<12} {}",
            printable(&c.reference),
            printable(&c.authority),
            printable(&c.status),
            printable(c.referral_type.as_deref().unwrap_or("-")),
            if c.urgent { "yes" } else { "" },
            printable(c.expected_release_date.as_deref().unwrap_or("-")),
            printable(&local_time(&c.received_at))
        );
    }
    println!("{} case(s)", cases.len());
    Ok(ExitCode::SUCCESS)
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
            let today = Utc::now()
                .with_timezone(&chrono_tz::Europe::London)
                .date_naive();
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
        CaseAction::Close { outcome } => {
            if outcome.trim().is_empty() {
                bail!("--outcome is empty: say what came of the referral");
            }
            store.close_case(reference, outcome.trim()).await?;
            println!("{shown}: closed");
        }
        CaseAction::Pause { until } => {
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
