//! `dtr-gateway run`: one supervised task per watched folder. A folder that
//! fails is retried with exponential backoff and jitter, and never stops the
//! others. SIGINT or SIGTERM: each task finishes the message in hand (its
//! position is recorded with it) and the daemon exits. With `[http]`, a task
//! serves /health and /metrics beside them.

use crate::config::{Config, Mailbox, Source};
use crate::http::{Counters, HttpError};
use crate::outbox::Sender;
use crate::source::{imap, maildir, Feed, Shutdown};
use crate::store::Store;
use crate::templates::Templates;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Says once, at start, which mailboxes give the gateway no verdict of the
/// receiving server on senders, and what that means for their mail.
fn say_how_senders_are_judged(config: &Config) {
    use crate::config::ResultsFrom;
    let maildirs: Vec<&str> = config
        .mailboxes
        .iter()
        .filter(|m| matches!(m.source, Source::Maildir(_)))
        .map(|m| m.name.as_str())
        .collect();
    let (trusted, untrusted): (Vec<&str>, Vec<&str>) = maildirs.iter().partition(|name| {
        config
            .mailbox(name)
            .is_some_and(|m| m.trust.trust_unauthenticated)
    });
    if !untrusted.is_empty() {
        tracing::info!(
            mailboxes = untrusted.len(),
            "Maildir mailboxes carry no receiving server's verdict on senders: their mail opens \
             cases, but answers in them change none (trust_unauthenticated = true changes that)"
        );
    }
    if !trusted.is_empty() {
        tracing::warn!(
            mailboxes = trusted.len(),
            "Maildir mailboxes trust mail without a verdict on its sender (trust_unauthenticated): \
             anyone who can put mail there can change a case"
        );
    }
    for mailbox in &config.mailboxes {
        if matches!(mailbox.source, Source::Imap(_))
            && mailbox.trust.results == ResultsFrom::Topmost
        {
            tracing::warn!(
                mailbox = %mailbox.name,
                "the topmost Authentication-Results header is believed: set trusted_authserv_id \
                 (or auth_results = \"exchange\") so that only the receiving server's counts"
            );
        }
    }
}

const FIRST_RETRY: Duration = Duration::from_secs(1);
const LAST_RETRY: Duration = Duration::from_secs(300);
/// A folder that ran this long before failing starts its backoff afresh.
const HEALTHY_AFTER: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Http(#[from] HttpError),
}

/// Runs until `shutdown` is requested; returns when every task has stopped.
/// Fails before starting anything when the HTTP listener cannot be bound:
/// without the health check it was configured with, the daemon would look
/// down to its monitor, or whatever else holds the port would answer for it.
pub async fn run(
    config: Arc<Config>,
    store: Store,
    templates: Arc<Templates>,
    shutdown: Shutdown,
) -> Result<(), DaemonError> {
    let listener = match &config.http {
        Some(settings) => Some(crate::http::bind(settings).await?),
        None => None,
    };
    say_how_senders_are_judged(&config);
    let counters = Arc::new(Counters::new(&config));
    let mut tasks = tokio::task::JoinSet::new();
    if let Some(listener) = listener {
        tasks.spawn(crate::http::serve(
            listener,
            config.clone(),
            store.clone(),
            counters.clone(),
            shutdown.clone(),
        ));
    }
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
    // Personal details past their retention period: at start, then daily.
    tasks.spawn(crate::retention::run(
        store.clone(),
        config.clone(),
        shutdown.clone(),
    ));
    let mut watched = 0;
    for mailbox in &config.mailboxes {
        for folder in mailbox.watched_folders() {
            watched += 1;
            tasks.spawn(supervise(
                config.clone(),
                store.clone(),
                mailbox.clone(),
                folder,
                counters.clone(),
                shutdown.clone(),
            ));
        }
    }
    if watched == 0 {
        tracing::warn!("no mailbox has a maildir or imap source: nothing to watch");
    }
    while tasks.join_next().await.is_some() {}
    Ok(())
}

async fn supervise(
    config: Arc<Config>,
    store: Store,
    mailbox: Mailbox,
    folder: String,
    counters: Arc<Counters>,
    mut shutdown: Shutdown,
) {
    // A new start: how long the folder was failing before the daemon stopped
    // (or was killed) is not carried into /health.
    if let Err(e) = store
        .set_status(&mailbox.name, &folder, "starting", None, None)
        .await
    {
        tracing::warn!(mailbox = %mailbox.name, folder = %folder, error = %e, "cannot record the folder's state");
    }
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
                // A server's message may name an account or a person; the
                // status keeps it whole.
                let shown = crate::core::address::without_addresses(&error);
                tracing::error!(mailbox = %mailbox.name, folder = %folder, error = %shown, "mailbox failed; retrying");
                counters.reconnecting(&mailbox.name);
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
