//! `dtr-gateway access`: the web view's record of who viewed or did what,
//! a line a record in UK time, for an auditor.

use anyhow::Result;
use dtr_gateway::core::words::time_on_day;
use dtr_gateway::store::{Store, WebAccess};
use dtr_gateway::terminal::printable;
use std::process::ExitCode;

pub(crate) async fn access(
    store: &Store,
    person: Option<String>,
    since: Option<chrono::NaiveDate>,
) -> Result<ExitCode> {
    let from = since.map(dtr_gateway::core::uk::midnight);
    let records = store
        .web_access_log(person.as_deref().map(str::trim), from)
        .await?;
    for record in &records {
        println!("{}", printable(&line(record)));
    }
    if records.is_empty() {
        println!(
            "Nothing recorded{}.",
            match since {
                Some(day) => format!(" since {}", dtr_gateway::core::words::long_date(day)),
                None => String::new(),
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `14:05 on 7 December 2026: a.officer@colchester.gov.uk (COL) viewed case
/// DTR-COL-2026-00001`.
fn line(record: &WebAccess) -> String {
    let authority = record
        .authority
        .as_deref()
        .map(|code| format!(" ({code})"))
        .unwrap_or_default();
    let what = match record.case_ref.as_deref() {
        Some(case) if record.action == "viewed" => format!("viewed case {case}"),
        Some(case) => format!("{} (case {case})", record.action),
        None => record.action.clone(),
    };
    // A page reloaded, counted on its row.
    let repeated = match (record.repeats, record.last_at) {
        (n, Some(last)) if n > 1 => format!(
            " ({n} times, the last at {})",
            dtr_gateway::core::uk::local(last).format("%H:%M:%S")
        ),
        _ => String::new(),
    };
    format!(
        "{}: {}{authority} {what}{repeated}",
        time_on_day(record.at),
        record.address
    )
}
