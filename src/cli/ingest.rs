//! `dtr-gateway ingest`: record message files as if they arrived in a mailbox.

use anyhow::{bail, Result};
use chrono::Utc;
use dtr_gateway::config::Config;
use dtr_gateway::intake::{ingest, Incoming};
use dtr_gateway::store::{Action, Store};
use dtr_gateway::terminal::printable;
use std::path::PathBuf;
use std::process::ExitCode;

pub(crate) async fn ingest_files(
    config: &Config,
    store: &Store,
    mailbox: &str,
    files: &[PathBuf],
) -> Result<ExitCode> {
    let Some(mailbox) = config.mailbox(mailbox) else {
        let names: Vec<&str> = config.mailboxes.iter().map(|m| m.name.as_str()).collect();
        bail!(
            "no mailbox `{mailbox}` in the configuration (there are: {})",
            names.join(", ")
        );
    };
    let mut failed = false;
    for file in files {
        let raw = match std::fs::read(file) {
            Ok(raw) => raw,
            Err(e) => {
                println!(
                    "{}: cannot read: {}",
                    printable(&file.display().to_string()),
                    printable(&e.to_string())
                );
                failed = true;
                continue;
            }
        };
        let incoming = Incoming {
            mailbox,
            folder: "INBOX",
            position: None,
            raw: &raw,
            received_at: Utc::now(),
            source_key: None,
        };
        let (analysis, recorded) = ingest(store, config, incoming).await?;
        let what = match &analysis.referral {
            Some(r) => format!("{} {}", analysis.kind.as_str(), r.outcome.as_str()),
            None => analysis.kind.as_str().to_string(),
        };
        let case = recorded.case.map(|c| c.to_string()).unwrap_or_default();
        let done = match &recorded.action {
            Action::Opened => format!("opened {case}"),
            Action::AttachedReferral => {
                format!("added to the referrer's case {case}, {}", now_reads(store, &case).await)
            }
            Action::Linked => format!(
                "a further referral of a person with an open case: recorded as {case}, a case of its own linked to the first"
            ),
            Action::Refused => format!("recorded as refused (no consent) under {case}"),
            Action::Noted(event) => format!("{event} on {case}"),
            Action::RecordedOnly => "recorded".to_string(),
            Action::Quarantined(reason) => format!("quarantined: {reason}"),
            Action::Duplicate if case.is_empty() => "already recorded".to_string(),
            Action::Duplicate => format!("already recorded ({case})"),
        };
        // How many, never their names: a file's name can name the person,
        // and a refused or quarantined referral keeps nothing about them.
        let read = analysis.documents - analysis.documents_unread;
        let not_read = analysis.attachments.len() - read;
        let attachments = match (read, not_read) {
            (0, 0) => String::new(),
            (0, 1) => " [1 attachment not read]".to_string(),
            (0, n) => format!(" [{n} attachments not read]"),
            (r, 0) => format!(" [{r} attached document(s) read]"),
            (r, n) => format!(" [{r} attached document(s) read, {n} attachment(s) not read]"),
        };
        tracing::info!(mailbox = %mailbox.name, case = %case, kind = analysis.kind.as_str(), "message recorded");
        println!(
            "{}: {what}: {}{attachments}",
            printable(&file.display().to_string()),
            printable(&done)
        );
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// A case's status after a form was added to it, in words: `now open`,
/// `still incomplete`.
pub(super) async fn now_reads(store: &dtr_gateway::store::Store, case: &str) -> String {
    match store.case(case).await.map(|c| c.summary.status) {
        Ok(dtr_gateway::core::plan::CaseStatus::Incomplete) => "still incomplete".to_string(),
        Ok(status) => format!("now {status}"),
        Err(_) => "its status unknown".to_string(),
    }
}
