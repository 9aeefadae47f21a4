//! `dtr-gateway status`, continued: what the person who runs the gateway
//! should act on before it bites. Client secrets and certificates about to
//! expire; watched folders that stay silent while others of the same
//! mailbox do not (a misnamed folder, an inbox rule moving referrals
//! elsewhere); a watched Sent folder that stays empty while its inbox does
//! not (a shared mailbox keeps no copy of what officers send as it).

use anyhow::Result;
use chrono::Utc;
use dtr_gateway::config::{Config, Source};
use dtr_gateway::store::{FolderStatus, Store};
use dtr_gateway::terminal::printable;

/// Over this period a folder counts as silent.
const SILENT_DAYS: i64 = 30;
/// A sibling folder must have had this many messages in the period for a
/// silent folder to be worth a word.
const BUSY: i64 = 10;

pub(crate) async fn show_warnings(config: &Config, store: &Store) -> Result<()> {
    let today = dtr_gateway::core::uk::date(Utc::now());
    let mut lines: Vec<String> = dtr_gateway::oauth::expiring(config, today)
        .into_iter()
        .map(|(login, text)| format!("{login}: {text}"))
        .collect();
    let rows = store
        .statuses(Utc::now() - chrono::Duration::days(SILENT_DAYS))
        .await?;
    lines.extend(silent_folders(config, &rows));
    if lines.is_empty() {
        return Ok(());
    }
    println!("\nTo act on:");
    for line in lines {
        println!("  warning: {}", printable(&line));
    }
    Ok(())
}

/// The warnings about silent folders, from each folder's messages in the
/// last [`SILENT_DAYS`] (`recorded_today` counts from the time asked).
pub(crate) fn silent_folders(config: &Config, rows: &[FolderStatus]) -> Vec<String> {
    let mut said = Vec::new();
    for mailbox in &config.mailboxes {
        if !matches!(mailbox.source, Source::Imap(_)) {
            continue;
        }
        let folders = mailbox.watched_folders();
        let count = |folder: &str| {
            rows.iter()
                .find(|r| r.mailbox == mailbox.name && r.folder == folder)
                .map(|r| r.recorded_today)
        };
        let is_sent = |folder: &str| {
            mailbox
                .trust
                .sent_folders
                .iter()
                .any(|f| f.eq_ignore_ascii_case(folder))
        };
        for folder in &folders {
            // Only a folder the daemon has watched can be called silent.
            if count(folder) != Some(0) {
                continue;
            }
            let busiest = folders
                .iter()
                .filter(|f| *f != folder && !is_sent(f))
                .filter_map(|f| count(f).map(|n| (f, n)))
                .max_by_key(|(_, n)| *n);
            let Some((busy, n)) = busiest.filter(|(_, n)| *n >= BUSY) else {
                continue;
            };
            if is_sent(folder) {
                said.push(format!(
                    "mailbox {}: nothing in {folder} in {SILENT_DAYS} days while {busy} had {n} \
                     messages: officers' answers sent as the shared mailbox are not kept there \
                     unless Exchange is told to (Set-Mailbox -Identity ADDRESS \
                     -MessageCopyForSentAsEnabled $true -MessageCopyForSendOnBehalfEnabled \
                     $true), and the gateway never sees them",
                    mailbox.name
                ));
            } else {
                said.push(format!(
                    "mailbox {}: nothing in {folder} in {SILENT_DAYS} days while {busy} had {n} \
                     messages: check the folder's name, and whether an inbox rule moves mail \
                     elsewhere (Get-InboxRule -Mailbox ADDRESS)",
                    mailbox.name
                ));
            }
        }
    }
    said
}
