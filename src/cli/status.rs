//! `dtr-gateway status`: each watched folder's health and the verdicts on
//! senders.

use super::*;
use anyhow::Result;
use chrono::Utc;
use dtr_gateway::core::undelivered::{advice, Role};
use dtr_gateway::store::Store;
use dtr_gateway::terminal::printable;
use std::process::ExitCode;

pub(crate) async fn show_status(store: &Store) -> Result<ExitCode> {
    let midnight = dtr_gateway::core::uk::midnight(dtr_gateway::core::uk::date(Utc::now()));
    let rows = store.statuses(midnight).await?;
    if rows.is_empty() {
        println!("No mailbox has been watched yet: start the daemon with `dtr-gateway run`.");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<16} {:<12} {:<11} {:>8} {:>6} {:<22} LAST ERROR",
        "MAILBOX", "FOLDER", "STATE", "LAST UID", "TODAY", "LAST MESSAGE"
    );
    for r in &rows {
        let mut error = match (&r.last_error, &r.last_error_at) {
            (Some(e), Some(at)) => format!("{} ({})", e, local_time(at)),
            (Some(e), None) => e.clone(),
            _ => String::new(),
        };
        if let Some(since) = &r.failing_since {
            error.push_str(&format!("; failing since {}", local_time(since)));
        }
        println!(
            "{:<16} {:<12} {:<11} {:>8} {:>6} {:<22} {}",
            printable(&r.mailbox),
            printable(&r.folder),
            printable(r.state.as_str()),
            r.last_uid
                .map(|u| u.to_string())
                .unwrap_or_else(|| "-".into()),
            r.recorded_today,
            printable(
                &r.last_message_at
                    .as_deref()
                    .map(local_time)
                    .unwrap_or_else(|| "-".into())
            ),
            printable(&error)
        );
    }
    show_sender_verdicts(store).await?;
    Ok(ExitCode::SUCCESS)
}

/// The sender: how much mail waits to go and for how long, and each
/// sending identity's last error and since when it fails.
pub(crate) async fn show_sender(store: &Store) -> Result<()> {
    let now = Utc::now();
    let health = store.sender_health(now, false).await?;
    let waited = health
        .oldest_due_age(now)
        .map(|age| format!(", the oldest waiting {}", how_long(age)))
        .unwrap_or_default();
    println!(
        "\nSender: {} mail(s) due to go{waited}; {} queued for later",
        health.due, health.later
    );
    if health.identities.is_empty() {
        return Ok(());
    }
    println!(
        "{:<16} {:<16} {:<24} LAST ERROR",
        "INSTANCE", "IDENTITY", "FAILING SINCE"
    );
    for identity in &health.identities {
        let since = identity
            .failing_since
            .map(|t| local_time(&t.to_rfc3339()))
            .unwrap_or_else(|| "- (sending)".into());
        let error = match (&identity.last_error, identity.last_error_at) {
            (Some(e), Some(at)) => format!("{e} ({})", local_time(&at.to_rfc3339())),
            (Some(e), None) => e.clone(),
            _ => String::new(),
        };
        println!(
            "{:<16} {:<16} {:<24} {}",
            printable(&identity.instance),
            printable(&identity.identity),
            since,
            printable(&dtr_gateway::core::address::without_addresses(&error))
        );
    }
    Ok(())
}

/// Contacts whose mail fails for good (a bounce, a block, a leaver's
/// automatic reply): the address to correct, for which authority, since
/// when and how often, and the latest reason.
pub(crate) async fn show_failing_contacts(
    config: &dtr_gateway::config::Config,
    store: &Store,
    now: chrono::DateTime<Utc>,
) -> Result<()> {
    let contacts = store.failing_contacts(now).await?;
    if contacts.is_empty() {
        return Ok(());
    }
    println!("\nContacts whose mail does not arrive (correct them in the contact list, Annex A):");
    println!(
        "(listed for 30 days, until mail from the address arrives, or until \
         `dtr-gateway contacts clear ADDRESS`)"
    );
    let width = contacts
        .iter()
        .map(|c| printable(&c.address).chars().count())
        .max()
        .unwrap_or(0)
        .max("ADDRESS".len());
    println!(
        "{:<width$}  {:<20} {:<17} {:>5}  WHY (LATEST)",
        "ADDRESS", "AUTHORITY", "SINCE", "COUNT"
    );
    for c in &contacts {
        let authority = config
            .authorities
            .by_code(&c.authority)
            .map(|a| a.name.clone())
            .unwrap_or_else(|| c.authority.clone());
        let why = format!("{}: {}", c.kind.as_str(), c.reason);
        let unverified = if c.vouched {
            ""
        } else {
            " (reported by a sender the server did not authenticate)"
        };
        println!(
            "{:<width$}  {:<20} {:<17} {:>5}  {}{unverified}",
            printable(&c.address),
            printable(&authority),
            dtr_gateway::core::words::short_time(c.since),
            c.count,
            printable(&why),
        );
        // Who the address is, and what to do about it.
        let role = c.role.unwrap_or(Role::Other);
        println!(
            "{:<width$}  {} on the case: {}",
            "",
            capitalised(role.in_words()),
            advice(role, c.kind)
        );
    }
    Ok(())
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A wait in the largest unit that says it: `45 s`, `12 min`, `3 h 5 min`.
fn how_long(age: chrono::Duration) -> String {
    let seconds = age.num_seconds().max(0);
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min", seconds / 60),
        _ => format!("{} h {} min", seconds / 3600, seconds % 3600 / 60),
    }
}

/// How the mail from domains allowed to refer was judged, per mailbox, in
/// the last 30 days: a filter in front of the server that breaks senders'
/// signatures shows here at once, before it silently stops answers
/// counting.
pub(crate) async fn show_sender_verdicts(store: &Store) -> Result<()> {
    let since = Utc::now() - chrono::Duration::days(30);
    let rows = store.sender_verdicts(since).await?;
    if rows.is_empty() {
        return Ok(());
    }
    println!("\nWho sent it (mail from domains allowed to refer, last 30 days):");
    println!(
        "{:<16} {:>13} {:>8} {:>16} {:>8} {:>10}",
        "MAILBOX", "AUTHENTICATED", "INTERNAL", "NOT AUTHENTICATED", "FORGED", "NO VERDICT"
    );
    let mut mailboxes: Vec<&str> = rows.iter().map(|(m, _, _)| m.as_str()).collect();
    mailboxes.dedup();
    for mailbox in mailboxes {
        let count = |verdict: &str| {
            rows.iter()
                .filter(|(m, v, _)| m == mailbox && v == verdict)
                .map(|(_, _, n)| *n)
                .sum::<i64>()
        };
        let (ok, internal, failed, forged, none) = (
            count("authenticated"),
            count("internal"),
            count("not_authenticated"),
            count("forged"),
            count("no_verdict") + count("unknown"),
        );
        let total = ok + internal + failed + forged + none;
        let note = if total >= 5 && (failed + forged) * 5 >= total {
            "  many fail: a filter in front of the server may rewrite mail (see the README)"
        } else if total >= 5 && none == total {
            "  no verdict at all: answers here change no case unless trust_unauthenticated"
        } else {
            ""
        };
        println!(
            "{:<16} {:>13} {:>8} {:>16} {:>8} {:>10}{note}",
            printable(mailbox),
            ok,
            internal,
            failed,
            forged,
            none
        );
    }
    Ok(())
}
