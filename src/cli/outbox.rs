//! `dtr-gateway outbox`: the mail queued, sent and failed; retrying by hand.

use super::*;
use anyhow::{bail, Result};
use dtr_gateway::store::Store;
use dtr_gateway::terminal::printable;
use std::process::ExitCode;

pub(crate) async fn outbox(
    store: &Store,
    failed: bool,
    action: Option<OutboxAction>,
) -> Result<ExitCode> {
    if let Some(OutboxAction::Retry { id }) = action {
        if store.retry_outbox(id).await? {
            println!("outbox {id}: queued again; the running daemon sends it within seconds");
            return Ok(ExitCode::SUCCESS);
        }
        bail!("outbox {id} is not a failed mail, or its recipients were erased by a purge (see `dtr-gateway outbox --failed`)");
    }
    let rows = store.outbox(failed).await?;
    println!(
        "{:>5} {:<8} {:<18} {:<20} {:>8} {:<22} TO / LAST ERROR",
        "ID", "STATUS", "PURPOSE", "CASE", "ATTEMPTS", "SENT"
    );
    for r in &rows {
        let sent = r
            .sent_at
            .map(|t| local_time(&t.to_rfc3339()))
            .unwrap_or_else(|| "-".into());
        let detail = match &r.last_error {
            Some(e) if r.status != "sent" => e.clone(),
            _ => r.to.join(", "),
        };
        println!(
            "{:>5} {:<8} {:<18} {:<20} {:>8} {:<22} {}",
            r.id,
            printable(&r.status),
            printable(&r.purpose),
            printable(r.case_ref.as_deref().unwrap_or("-")),
            r.attempts,
            printable(&sent),
            printable(&detail)
        );
    }
    println!("{} mail(s)", rows.len());
    Ok(ExitCode::SUCCESS)
}
