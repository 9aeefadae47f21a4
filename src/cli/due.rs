//! `dtr-gateway due`: the open deadlines, most pressing first.

use super::*;
use anyhow::Result;
use chrono::Utc;
use dtr_gateway::config::Config;
use dtr_gateway::store::Store;
use dtr_gateway::terminal::printable;
use std::process::ExitCode;

pub(crate) async fn due(
    config: &Config,
    store: &Store,
    authority: Option<String>,
    now: Option<chrono::NaiveDate>,
) -> Result<ExitCode> {
    use dtr_gateway::core::protocol::{Owner, Rag};
    let code = authority_code(config, authority)?;
    let today = now.unwrap_or_else(|| dtr_gateway::core::uk::date(Utc::now()));
    let cases = store.deadline_cases(code.as_deref()).await?;
    let rows = dtr_gateway::sweep::open_deadlines(config, &cases, today);
    println!(
        "{} on {}",
        printable(&config.protocol.name),
        today.format("%A %-d %B %Y")
    );
    println!(
        "{:<6} {:<16} {:<20} {:<4} {:<10} WHAT (COMMITMENT)",
        "STATE", "DUE", "REFERENCE", "LHA", "OWED BY"
    );
    for row in &rows {
        let (case, rule, due) = (row.case, row.rule, row.due);
        let state = match row.rag {
            Rag::Red => "RED",
            Rag::Amber => "AMBER",
            Rag::Green => "GREEN",
        };
        let owed = match rule.owed_by {
            Owner::Authority => "authority",
            Owner::Referrer => "referrer",
        };
        let paused = match case.paused_until {
            Some(until) if until > today => {
                format!(" [paused until {}]", until.format("%-d %b %Y"))
            }
            _ => String::new(),
        };
        let notes = row.notes();
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" [{}]", notes.join("; "))
        };
        println!(
            "{:<6} {:<16} {:<20} {:<4} {:<10} {} ({}; rule {}){paused}{notes}",
            state,
            due.on.format("%a %-d %b %Y"),
            printable(&case.reference),
            printable(&case.authority),
            owed,
            printable(&rule.description),
            printable(&rule.commitment),
            printable(&rule.id)
        );
    }
    println!("{} open deadline(s)", rows.len());
    Ok(ExitCode::SUCCESS)
}
