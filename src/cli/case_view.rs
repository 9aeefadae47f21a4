//! `dtr-gateway case REF`: one case as an officer reads it (see
//! `dtr_gateway::case_view`, which the web view shows too). `--json` keeps
//! the machine form.

use anyhow::Result;
use chrono::Utc;
use dtr_gateway::case_view::{case_view, short_day};
use dtr_gateway::config::Config;
use dtr_gateway::store::{CaseDetail, Store};
use dtr_gateway::terminal::printable;
use serde_json::Value;
use std::process::ExitCode;

pub(crate) use dtr_gateway::case_view::rag_words;

pub(crate) async fn show_case(
    config: &Config,
    store: &Store,
    reference: &str,
    json: bool,
) -> Result<ExitCode> {
    let case = store.case(reference).await?;
    if json {
        let json = serde_json::to_string_pretty(&machine_form(&case))?;
        println!("{}", dtr_gateway::terminal::printable_json(&json));
        return Ok(ExitCode::SUCCESS);
    }
    let today = dtr_gateway::core::uk::date(Utc::now());
    let view = case_view(config, store, &case, today).await?;
    println!(
        "{}  {}",
        printable(&view.reference),
        printable(&view.authority)
    );
    for (label, value) in &view.header {
        println!("{:<22} {}", format!("{label}:"), printable(value));
    }
    match &view.deadlines {
        None => {}
        Some(rows) if rows.is_empty() => println!("{:<22} none open", "Next deadlines:"),
        Some(rows) => {
            println!("Next deadlines:");
            for row in rows {
                println!(
                    "  {:<9} {}  {} (commitment {}){}",
                    rag_words(row.rag),
                    short_day(row.due),
                    printable(&row.what),
                    printable(&row.commitment),
                    if row.ladder.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", row.ladder)
                    }
                );
            }
        }
    }

    println!("\nReferral");
    let width = view
        .referral
        .iter()
        .map(|(label, _)| label.chars().count())
        .max()
        .unwrap_or(0);
    if view.referral.is_empty() {
        println!("  (nothing kept: refused, or erased after its retention period)");
    }
    for (label, value) in &view.referral {
        // A line break inside a value is shown escaped, as every command
        // shows text from mail.
        println!(
            "  {:<width$}  {}",
            format!("{label}:"),
            printable(value),
            width = width + 1
        );
    }

    println!("\nTimeline");
    for (at, sentence) in &view.timeline {
        println!("  {at:<17}  {}", printable(sentence));
    }
    Ok(ExitCode::SUCCESS)
}

/// The case as JSON: what `case REF` showed before it read like the form.
fn machine_form(case: &CaseDetail) -> Value {
    let s = &case.summary;
    serde_json::json!({
        "reference": s.reference,
        "authority": s.authority,
        "status": s.status.as_str(),
        "urgent": s.urgent,
        "received_at": s.received_at,
        "clock_from": case.clock_from,
        "missing": case.missing,
        "lha_lead": { "name": case.lha_lead[0], "email": case.lha_lead[1], "phone": case.lha_lead[2] },
        "case_lead": { "name": case.case_lead[0], "email": case.case_lead[1], "phone": case.case_lead[2] },
        "paused_until": case.paused_until,
        "closed_at": case.closed_at,
        "outcome": case.outcome,
        "linked_to": case.linked_to,
        "further_referrals": case.further_referrals,
        "referral": case.referral.to_json(),
        "events": case.events.iter().map(|e| serde_json::json!({
            "at": e.at,
            "kind": e.kind.as_str(),
            "detail": e.detail.as_deref().and_then(|d| serde_json::from_str::<Value>(d).ok()),
        })).collect::<Vec<_>>(),
    })
}
