//! `dtr-gateway holidays import`: bank holidays from GOV.UK's JSON.

use anyhow::{bail, Context as _, Result};
use dtr_gateway::terminal::printable;
use std::path::Path;
use std::process::ExitCode;

pub(crate) fn import_holidays(dir: Option<&Path>, file: &Path) -> Result<ExitCode> {
    let Some(dir) = dir else {
        bail!("give the configuration folder to write to with --config DIR (the embedded configuration cannot change)");
    };
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let dates = dtr_gateway::core::calendar::holidays_from_govuk_json(&text)
        .with_context(|| format!("{} is not gov.uk's bank-holidays.json", file.display()))?;
    let target = dir.join(dtr_gateway::config::HOLIDAYS_FILE);
    std::fs::write(&target, &text).with_context(|| format!("cannot write {}", target.display()))?;
    println!(
        "{}: {} England & Wales bank holidays, {} to {}",
        printable(&target.display().to_string()),
        dates.len(),
        dates.first().map(|d| d.to_string()).unwrap_or_default(),
        dates.last().map(|d| d.to_string()).unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}
