//! `dtr-gateway outbox`: the mail queued, sent and failed; retrying by hand.

use anyhow::{bail, Result};
use chrono::Utc;
use dtr_gateway::core::ids::OutboxId;
use dtr_gateway::core::states::OutboxStatus;
use dtr_gateway::core::words::short_time;
use dtr_gateway::store::{OutboxRow, Store};
use dtr_gateway::terminal::printable;
use std::process::ExitCode;

use super::OutboxAction;

pub(crate) async fn outbox(
    store: &Store,
    failed: bool,
    action: Option<OutboxAction>,
) -> Result<ExitCode> {
    if let Some(OutboxAction::Retry { id }) = action {
        let id = OutboxId::new(id);
        let Some(mail) = store.outbox_mail(id).await? else {
            bail!("outbox {id}: no such mail (see `dtr-gateway outbox`)");
        };
        if mail.status != OutboxStatus::Failed {
            bail!(
                "outbox {id} is not a failed mail: it is {} (see `dtr-gateway outbox --failed`)",
                mail.status
            );
        }
        if store.retry_outbox(id).await? {
            println!("outbox {id}: queued again; the running daemon sends it within seconds");
            return Ok(ExitCode::SUCCESS);
        }
        bail!("outbox {id} cannot be sent again: its recipients were erased by a purge");
    }
    let rows = store.outbox(failed).await?;
    let now = Utc::now();
    println!(
        "{:>5} {:<8} {:<18} {:<20} {:>8} {:<17} TO / CC / WHY",
        "ID", "STATUS", "PURPOSE", "CASE", "ATTEMPTS", "SENT / NEXT TRY"
    );
    for r in &rows {
        let when = match (r.status, r.sent_at) {
            (_, Some(sent)) => short_time(sent),
            (OutboxStatus::Queued, None) => short_time(r.next_attempt_at.max(now)),
            _ => "-".into(),
        };
        let mut detail = r.to.join(", ");
        if !r.cc.is_empty() {
            detail.push_str(&format!("; cc {}", r.cc.join(", ")));
        }
        if let Some(why) = waits(r, now) {
            detail.push_str(&format!(" [{why}]"));
        }
        if r.status == OutboxStatus::Failed {
            if let Some(e) = &r.last_error {
                detail.push_str(&format!(" [failed: {e}]"));
            }
        }
        println!(
            "{:>5} {:<8} {:<18} {:<20} {:>8} {:<17} {}",
            r.id,
            printable(r.status.as_str()),
            printable(&r.purpose),
            printable(r.case_ref.as_deref().unwrap_or("-")),
            r.attempts,
            when,
            printable(&detail)
        );
    }
    println!("{} mail(s)", rows.len());
    Ok(ExitCode::SUCCESS)
}

/// Why a queued mail has not gone yet, if it waits.
fn waits(r: &OutboxRow, now: chrono::DateTime<Utc>) -> Option<String> {
    if r.status != OutboxStatus::Queued {
        return None;
    }
    if let Some(e) = &r.last_error {
        return Some(if r.next_attempt_at <= now {
            format!("due now, tried before: {e}")
        } else {
            format!("to be tried again after: {e}")
        });
    }
    if r.next_attempt_at <= now {
        return Some("due now: the running daemon sends it".into());
    }
    // Follow-ups go only in working hours: one put off until they start
    // waits for the hour the working day starts, on the hour.
    let follow_up = matches!(r.purpose.as_str(), "reminder" | "chase" | "escalation");
    let on_the_hour = dtr_gateway::core::uk::local(r.next_attempt_at)
        .format("%M:%S")
        .to_string()
        == "00:00";
    let awaiting_copy =
        r.context.get("awaiting_a_later_copy") == Some(&serde_json::Value::Bool(true));
    Some(if follow_up && on_the_hour {
        "follow-ups go in working hours".into()
    } else if awaiting_copy {
        "waiting for a copy of the message with its attachment (Dynamic Delivery): not sent if it comes".into()
    } else {
        "held back by a sending limit (the hourly limit per recipient, or the relay's own: a minute's, a day's, or its pause)".into()
    })
}
