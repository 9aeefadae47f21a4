//! `dtr-gateway report`: the quarter's figures per protocol commitment.

use super::*;
use anyhow::Result;
use chrono::Utc;
use dtr_gateway::config::Config;
use dtr_gateway::store::Store;
use dtr_gateway::terminal::printable_lines;
use std::path::Path;
use std::process::ExitCode;

/// The agencies' categories: `DIR/agencies.toml` when the configuration
/// folder has one, else the embedded mapping.
pub(crate) fn agency_map(dir: Option<&Path>) -> Result<dtr_gateway::core::report::AgencyMap> {
    Ok(dtr_gateway::config::agency_map(dir)?)
}

pub(crate) async fn report(
    dir: Option<&Path>,
    config: &Config,
    store: &Store,
    quarter: dtr_gateway::core::report::Quarter,
    authority: Option<String>,
    format: ReportFormat,
) -> Result<ExitCode> {
    use dtr_gateway::core::report::{build, csv, markdown};
    let code = authority_code(config, authority)?;
    let agencies = agency_map(dir)?;
    let cases = store
        .report_cases(quarter, code.as_deref(), &agencies)
        .await?;
    let authorities: Vec<String> = match &code {
        Some(code) => vec![code.clone()],
        None => config
            .authorities
            .iter()
            .map(|a| a.code.to_string())
            .collect(),
    };
    let today = dtr_gateway::core::uk::date(Utc::now());
    let calendar_for = |code: &str| config.calendar_for(code);
    let reports = build(&cases, &authorities, &config.protocol, &calendar_for, today);
    match format {
        ReportFormat::Markdown => print!(
            "{}",
            printable_lines(&markdown(
                &format!("{}: outcomes, {quarter}", config.protocol.name),
                &reports
            ))
        ),
        ReportFormat::Csv => print!("{}", printable_lines(&csv(&reports))),
    }
    Ok(ExitCode::SUCCESS)
}
