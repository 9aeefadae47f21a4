//! `dtr-gateway run`: one supervised task per watched folder. A folder that
//! fails is retried with exponential backoff and jitter, and never stops the
//! others. SIGINT or SIGTERM: each task finishes the message in hand (its
//! position is recorded with it) and the daemon exits.

use crate::config::{Config, Mailbox, Source};
use crate::outbox::Sender;
use crate::source::{imap, maildir, Feed, Shutdown};
use crate::store::Store;
use crate::templates::Templates;
use std::sync::Arc;
use std::time::{Duration, Instant};

const FIRST_RETRY: Duration = Duration::from_secs(1);
const LAST_RETRY: Duration = Duration::from_secs(300);
/// A folder that ran this long before failing starts its backoff afresh.
const HEALTHY_AFTER: Duration = Duration::from_secs(60);

/// Runs until `shutdown` is requested; returns when every task has stopped.
pub async fn run(config: Arc<Config>, store: Store, templates: Arc<Templates>, shutdown: Shutdown) {
    let mut tasks = tokio::task::JoinSet::new();
    let sender = Sender {
        store: store.clone(),
        config: config.clone(),
        templates,
    };
    tasks.spawn(sender.run(shutdown.clone()));
    tasks.spawn(crate::sweep::run(
        store.clone(),
        config.clone(),
        shutdown.clone(),
    ));
    for mailbox in &config.mailboxes {
        let folders: Vec<String> = match &mailbox.source {
            Source::None => continue,
            Source::Maildir(_) => vec!["INBOX".to_string()],
            Source::Imap(settings) => settings.folders.clone(),
        };
        for folder in folders {
            tasks.spawn(supervise(
                config.clone(),
                store.clone(),
                mailbox.clone(),
                folder,
                shutdown.clone(),
            ));
        }
    }
    if tasks.len() == 2 {
        tracing::warn!("no mailbox has a maildir or imap source: nothing to watch");
    }
    while tasks.join_next().await.is_some() {}
}

async fn supervise(
    config: Arc<Config>,
    store: Store,
    mailbox: Mailbox,
    folder: String,
    mut shutdown: Shutdown,
) {
    let mut delay = FIRST_RETRY;
    loop {
        let started = Instant::now();
        let feed = Feed {
            config: &config,
            store: &store,
            mailbox: &mailbox,
            folder: &folder,
        };
        let result = match &mailbox.source {
            Source::Maildir(root) => maildir::watch(feed, root, shutdown.clone())
                .await
                .map_err(|e| e.to_string()),
            Source::Imap(settings) => imap::watch(feed, settings, shutdown.clone())
                .await
                .map_err(|e| e.to_string()),
            Source::None => Ok(()),
        };
        match result {
            Ok(()) => break,
            Err(error) => {
                tracing::error!(mailbox = %mailbox.name, folder = %folder, %error, "mailbox failed; retrying");
                if let Err(e) = store
                    .set_status(&mailbox.name, &folder, "retrying", Some(&error), None)
                    .await
                {
                    tracing::error!(mailbox = %mailbox.name, error = %e, "cannot record the mailbox's state");
                }
            }
        }
        if started.elapsed() > HEALTHY_AFTER {
            delay = FIRST_RETRY;
        }
        // Jitter keeps fourteen mailboxes from reconnecting in step.
        let pause = delay.mul_f64(0.5 + fastrand::f64());
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.wait() => break,
        }
        delay = (delay * 2).min(LAST_RETRY);
    }
    if let Err(e) = store
        .set_status(&mailbox.name, &folder, "stopped", None, None)
        .await
    {
        tracing::error!(mailbox = %mailbox.name, error = %e, "cannot record the mailbox's state");
    }
}
