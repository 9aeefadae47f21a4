//! `dtr-gateway quarantine`: the messages set aside for a person, one of
//! them, and settling them (release, dismiss) without touching the store
//! by hand.

use super::*;
use anyhow::{bail, Result};
use chrono::Utc;
use dtr_gateway::config::Config;
use dtr_gateway::core::classify::Kind;
use dtr_gateway::core::ids::StoredMessageId;
use dtr_gateway::core::words::short_time;
use dtr_gateway::intake::{release, unreadable_reason, Release};
use dtr_gateway::store::{Action, Released, Settled, Store};
use dtr_gateway::terminal::printable;
use std::process::ExitCode;

/// Who runs the command, for the record: `--by`, else the login name.
fn who(by: Option<String>) -> String {
    by.filter(|b| !b.trim().is_empty())
        .or_else(|| std::env::var("SUDO_USER").ok())
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .map(|b| b.trim().to_string())
        .unwrap_or_else(|| "an unnamed operator".into())
}

/// The by and the note are free text typed on the web page or the command
/// line: escaped, so they stay on one line and cannot act on the terminal.
fn settled_line(s: &Settled) -> String {
    format!(
        "already {} on {} by {}{}",
        s.how,
        short_time(s.at),
        printable(&s.by),
        s.note
            .as_deref()
            .map(|n| format!(" ({})", printable(n)))
            .unwrap_or_default()
    )
}

pub(crate) async fn quarantine(
    config: &Config,
    store: &Store,
    action: Option<QuarantineAction>,
) -> Result<ExitCode> {
    match action {
        None => return list(store).await,
        Some(QuarantineAction::Show { id }) => return show(store, StoredMessageId::new(id)).await,
        Some(QuarantineAction::Release { id, by }) => {
            let id = StoredMessageId::new(id);
            let Some(message) = store.quarantined_message(id).await? else {
                bail!("no quarantined message {id} (see `dtr-gateway quarantine`)");
            };
            if let Some(settled) = &message.settled {
                bail!("message {id} was {}", settled_line(settled));
            }
            let by = who(by);
            let released = release(
                store,
                config,
                Release {
                    message: &message,
                    by: &by,
                },
            )
            .await?;
            match released {
                Released::Recorded(recorded) => {
                    let case = recorded
                        .case
                        .as_ref()
                        .map(|c| c.to_string())
                        .unwrap_or_default();
                    let done = match &recorded.action {
                        Action::Opened => format!("opened case {case}; the referrer is answered"),
                        Action::AttachedReferral => format!(
                            "added to the referrer's case {case}, {}",
                            super::ingest::now_reads(store, &case).await
                        ),
                        Action::Linked => format!(
                            "recorded as {case}, a further referral of a person with an open case"
                        ),
                        Action::Refused => {
                            format!("recorded as refused (no consent) under {case}")
                        }
                        Action::Noted(_) => format!("added to the timeline of {case}"),
                        _ => "recorded; it concerns no case".into(),
                    };
                    tracing::info!(message = id.get(), case = %case, "quarantined message released");
                    println!("message {id} released by {}: {done}", printable(&by));
                }
                Released::StillSetAside(why) if message.kind == Kind::Reply => bail!(
                    "message {id} was not released and stays in quarantine ({why}): read it \
                     in the inbox (`dtr-gateway quarantine show {id}` names it), record what it \
                     says on the case it is about (`dtr-gateway case REF release DATE` for a \
                     changed release date), then `dtr-gateway quarantine dismiss {id} --reason \
                     TEXT`"
                ),
                Released::StillSetAside(why) => bail!(
                    "message {id} cannot be recorded by the gateway ({why}): open it in the \
                     inbox and record the referral by hand with `dtr-gateway case new \
                     --quarantined {id}`, which settles it"
                ),
                Released::AlreadySettled(settled) => {
                    bail!("message {id} was {}", settled_line(&settled))
                }
                Released::NotQuarantined => {
                    bail!("no quarantined message {id} (see `dtr-gateway quarantine`)")
                }
            }
        }
        Some(QuarantineAction::Dismiss { id, reason, by }) => {
            let id = StoredMessageId::new(id);
            let reason = reason.trim();
            if reason.is_empty() {
                bail!("--reason is empty: say why the message needs nothing done");
            }
            let Some(message) = store.quarantined_message(id).await? else {
                bail!("no quarantined message {id} (see `dtr-gateway quarantine`)");
            };
            if let Some(settled) = &message.settled {
                bail!("message {id} was {}", settled_line(settled));
            }
            let by = who(by);
            if !store
                .dismiss_quarantined(id, &by, reason, Utc::now())
                .await?
            {
                bail!("message {id} was settled by someone else meanwhile");
            }
            tracing::info!(message = id.get(), "quarantined message dismissed");
            println!("message {id} dismissed by {}", printable(&by));
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(store: &Store) -> Result<ExitCode> {
    let waiting = store.quarantined().await?;
    if waiting.is_empty() {
        println!("No message is waiting in quarantine.");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:>5}  {:<17}  {:<12}  {:<30}  {:<40}  REASON",
        "ID", "RECEIVED", "MAILBOX", "SENDER", "SUBJECT"
    );
    for q in &waiting {
        println!(
            "{:>5}  {:<17}  {:<12}  {:<30}  {:<40}  {}",
            q.id,
            short_time(q.received_at),
            printable(&q.mailbox),
            clip(&printable(q.sender.as_deref().unwrap_or("(no sender)")), 30),
            clip(
                &printable(q.subject.as_deref().unwrap_or("(no subject)")),
                40
            ),
            printable(&q.reason)
        );
    }
    println!(
        "{} message(s) waiting: `dtr-gateway quarantine show ID` says what to do (`release ID`, \
         `dtr-gateway case new --quarantined ID` for one the gateway cannot read, or \
         `dismiss ID --reason TEXT`)",
        waiting.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// At most `width` characters, an ellipsis marking a cut.
pub(crate) fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

async fn show(store: &Store, id: StoredMessageId) -> Result<ExitCode> {
    let Some(q) = store.quarantined_message(id).await? else {
        bail!("no quarantined message {id} (see `dtr-gateway quarantine`)");
    };
    println!("Quarantined message {id}");
    println!(
        "  Received:  {}",
        dtr_gateway::core::words::spoken_time(q.received_at)
    );
    println!(
        "  Mailbox:   {} ({})",
        printable(&q.mailbox),
        printable(&q.folder)
    );
    println!(
        "  From:      {}",
        printable(q.sender.as_deref().unwrap_or("(no sender)"))
    );
    println!(
        "  Subject:   {}",
        printable(q.subject.as_deref().unwrap_or("(no subject)"))
    );
    println!("  Taken for: {}", q.kind.in_words());
    println!("  Reason:    {}", printable(&q.reason));
    match &q.settled {
        Some(settled) => println!(
            "  Settled:   {}",
            settled_line(settled).trim_start_matches("already ")
        ),
        None if unreadable_reason(&q.reason) => println!(
            "  Waiting:   the gateway cannot read the referral it may hold, and releasing it \
             would only read it again. Open it in the inbox, then record the referral by hand: \
             `dtr-gateway case new --quarantined {id} --file FORM.txt` (or the form on standard \
             input, or typed field by field) takes the sender, the time it arrived and its \
             thread from this message, and settles it as recorded by hand. \
             `dtr-gateway quarantine dismiss {id} --reason TEXT` if it holds no referral"
        ),
        None if q.raw.is_some() => println!(
            "  Waiting:   `dtr-gateway quarantine release {id}` records it as what it is; \
             `dtr-gateway quarantine dismiss {id} --reason TEXT` sets it aside for good"
        ),
        None => println!(
            "  Waiting:   its bytes were not kept; look at it in the inbox and record it by hand \
             with `dtr-gateway case new --quarantined {id}`, or \
             `dtr-gateway quarantine dismiss {id} --reason TEXT`"
        ),
    }
    Ok(ExitCode::SUCCESS)
}
