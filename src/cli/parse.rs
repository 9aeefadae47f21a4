//! `dtr-gateway parse`: what a message file is, as the parse contract's JSON.

use super::*;
use anyhow::Result;
use chrono::Utc;
use dtr_gateway::message::{analyse, Context};
use dtr_gateway::terminal::printable_json;
use std::path::Path;
use std::process::ExitCode;

pub(crate) fn parse(dir: Option<&Path>, file: &Path, explain: bool) -> Result<ExitCode> {
    let raw = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let config = load_config(dir, false)?;
    let analysis = analyse(
        &raw,
        &Context {
            authorities: &config.authorities,
            receiving_authority: None,
            today: dtr_gateway::core::uk::date(Utc::now()),
            max_bytes: config.max_message_bytes,
        },
    );
    let mut object = analysis.to_contract_json();
    if explain {
        if let Some(object) = object.as_object_mut() {
            object.insert("explain".into(), analysis.explain_json());
        }
    }
    let json = serde_json::to_string_pretty(&object)?;
    println!("{}", printable_json(&json));
    Ok(ExitCode::SUCCESS)
}
