//! `dtr-gateway run`: one supervised task per watched folder. A folder that
//! fails is retried with exponential backoff and jitter, and never stops the
//! others; a server that ends the session itself is reconnected to at once.
//! SIGINT or SIGTERM: each task finishes the message in hand (its position
//! is recorded with it) and the daemon exits. With `[http]`, a task serves
//! /health and /metrics beside them. A task that panics is logged, the
//! others are asked to stop, and `run` fails, so that the process exits
//! non-zero (and systemd restarts it) instead of running on without it.

use crate::config::{Config, Mailbox, Source};
use crate::core::states::FolderState;
use crate::http::{Counters, HttpError};
use crate::outbox::Sender;
use crate::shutdown::Shutdown;
use crate::source::{imap, maildir, Feed, Interrupted};
use crate::store::Store;
use crate::templates::Templates;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::{Id, JoinSet};

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
/// A server that ends the session again within this time is reconnected to
/// after the shortest pause, not at once, so that one that says goodbye
/// straight after every login is not run into a loop.
const GOODBYE_AGAIN: Duration = Duration::from_secs(60);

/// After a task has panicked, how long the others have to finish what they
/// hold before they are cut off.
const GRACE_AFTER_PANIC: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error(transparent)]
    Web(#[from] crate::web::WebError),
    #[error(transparent)]
    Sending(#[from] crate::outbox::SendError),
    #[error("the daemon's {task} task panicked ({reason}); the daemon stopped")]
    TaskPanicked { task: String, reason: String },
}

/// The daemon's tasks, each with the name its failure is reported under.
#[derive(Default)]
struct Tasks {
    set: JoinSet<()>,
    names: HashMap<Id, String>,
}

impl Tasks {
    fn spawn<F>(&mut self, name: impl Into<String>, task: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let handle = self.set.spawn(task);
        self.names.insert(handle.id(), name.into());
    }

    /// Waits for every task to end. The first that panics is logged and
    /// the others are told to stop through `stop` (given
    /// [`GRACE_AFTER_PANIC`] to finish); the panic is the result.
    async fn join_all(mut self, stop: &watch::Sender<bool>) -> Result<(), DaemonError> {
        let mut failed: Option<DaemonError> = None;
        let mut deadline: Option<tokio::time::Instant> = None;
        loop {
            let joined = match deadline {
                None => self.set.join_next().await,
                Some(at) => match tokio::time::timeout_at(at, self.set.join_next()).await {
                    Ok(joined) => joined,
                    Err(_) => {
                        tracing::error!(
                            left = self.set.len(),
                            "tasks still running {} s after a panic: cut off",
                            GRACE_AFTER_PANIC.as_secs()
                        );
                        self.set.abort_all();
                        while self.set.join_next().await.is_some() {}
                        break;
                    }
                },
            };
            let Some(joined) = joined else { break };
            let Err(error) = joined else { continue };
            if error.is_cancelled() {
                continue;
            }
            let task = self
                .names
                .get(&error.id())
                .cloned()
                .unwrap_or_else(|| "unnamed".into());
            let reason = panic_reason(error);
            tracing::error!(task = %task, reason = %reason, "a daemon task panicked: stopping the daemon");
            let _ = stop.send(true);
            deadline.get_or_insert_with(|| tokio::time::Instant::now() + GRACE_AFTER_PANIC);
            failed.get_or_insert(DaemonError::TaskPanicked { task, reason });
        }
        match failed {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

/// What a panic said, addresses left out (a message may quote data).
fn panic_reason(error: tokio::task::JoinError) -> String {
    let Ok(payload) = error.try_into_panic() else {
        return "cancelled".into();
    };
    let said = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into());
    crate::core::address::without_addresses(&said)
}

/// Runs until `shutdown` is requested; returns when every task has stopped.
/// Fails before starting anything when a sending identity's secret is not
/// where the configuration says, or when the HTTP listener cannot be bound:
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
    let web = match &config.web {
        Some(settings) => Some(crate::web::bind(config.clone(), settings, store.clone()).await?),
        None => None,
    };
    crate::outbox::check_credentials(&config)?;
    say_how_senders_are_judged(&config);
    // The tasks stop on the caller's shutdown, or when one of them panics.
    let mut requested = shutdown;
    let (stop, shutdown) = Shutdown::new();
    let stop = Arc::new(stop);
    let forward = {
        let stop = stop.clone();
        tokio::spawn(async move {
            requested.wait().await;
            let _ = stop.send(true);
        })
    };
    let counters = Arc::new(Counters::new(&config));
    let mut tasks = Tasks::default();
    if let Some(listener) = listener {
        tasks.spawn(
            "http",
            crate::http::serve(
                listener,
                config.clone(),
                store.clone(),
                counters.clone(),
                shutdown.clone(),
            ),
        );
    }
    if let Some(listener) = web {
        tasks.spawn("web", crate::web::serve(listener, shutdown.clone()));
    }
    let sender = Sender {
        store: store.clone(),
        config: config.clone(),
        templates,
        as_of: None,
    };
    tasks.spawn("sender", sender.run(shutdown.clone()));
    tasks.spawn(
        "sweep",
        crate::sweep::run(store.clone(), config.clone(), shutdown.clone()),
    );
    // Client secrets and certificates about to expire: at start, then daily.
    tasks.spawn(
        "expiry warnings",
        crate::oauth::warn_of_expiry(config.clone(), shutdown.clone()),
    );
    // Personal details past their retention period: at start, then daily.
    tasks.spawn(
        "retention",
        crate::retention::run(store.clone(), config.clone(), shutdown.clone()),
    );
    let mut watched = 0;
    for mailbox in &config.mailboxes {
        for folder in mailbox.watched_folders() {
            watched += 1;
            tasks.spawn(
                format!("mailbox {} folder {folder}", mailbox.name),
                supervise(
                    config.clone(),
                    store.clone(),
                    mailbox.clone(),
                    folder,
                    counters.clone(),
                    shutdown.clone(),
                ),
            );
        }
    }
    if watched == 0 {
        tracing::warn!("no mailbox has a maildir or imap source: nothing to watch");
    }
    let ended = tasks.join_all(&stop).await;
    forward.abort();
    ended
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
        .set_status(&mailbox.name, &folder, FolderState::Starting, None, None)
        .await
    {
        tracing::warn!(mailbox = %mailbox.name, folder = %folder, error = %e, "cannot record the folder's state");
    }
    let mut backoff = Backoff::default();
    let mut last_goodbye: Option<Instant> = None;
    loop {
        let feed = Feed {
            config: &config,
            store: &store,
            mailbox: &mailbox,
            folder: &folder,
        };
        let ended = match &mailbox.source {
            Source::Maildir(root) => {
                Ended::from(maildir::watch(feed, root, shutdown.clone()).await)
            }
            Source::Imap(settings) => match imap::watch(feed, settings, shutdown.clone()).await {
                Err(Interrupted {
                    error: imap::ImapError::Goodbye { said },
                    opened: true,
                }) => Ended::Goodbye(said),
                other => Ended::from(other),
            },
            Source::None => Ended::Stopped,
        };
        let pause = match ended {
            Ended::Stopped => break,
            Ended::Goodbye(said) => {
                // Not a fault: the server's idle timeout, its shutdown, an
                // administrator. The folder was open, so the pauses start
                // afresh.
                backoff.opened();
                let said = said.as_deref();
                let again = last_goodbye.is_some_and(|at| at.elapsed() < GOODBYE_AGAIN);
                last_goodbye = Some(Instant::now());
                if !again {
                    tracing::info!(mailbox = %mailbox.name, folder = %folder, said, "the server ended the session; reconnecting at once");
                    if shutdown.requested() {
                        break;
                    }
                    continue;
                }
                let pause = jittered(FIRST_RETRY);
                tracing::info!(mailbox = %mailbox.name, folder = %folder, said, retry_in = %seconds(pause), "the server ended the session again within the minute; reconnecting shortly");
                pause
            }
            Ended::Failed { error, opened } => {
                if opened {
                    backoff.opened();
                }
                let pause = jittered(backoff.failed());
                // A server's message may name an account or a person; the
                // status keeps it whole.
                let shown = crate::core::address::without_addresses(&error);
                tracing::error!(
                    mailbox = %mailbox.name,
                    folder = %folder,
                    error = %shown,
                    failures = backoff.failures(),
                    retry_in = %seconds(pause),
                    "mailbox failed; retrying"
                );
                counters.reconnecting(&mailbox.name);
                if let Err(e) = store
                    .set_status(
                        &mailbox.name,
                        &folder,
                        FolderState::Retrying,
                        Some(&error),
                        None,
                    )
                    .await
                {
                    tracing::error!(mailbox = %mailbox.name, error = %e, "cannot record the mailbox's state");
                }
                pause
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.wait() => break,
        }
    }
    if let Err(e) = store
        .set_status(&mailbox.name, &folder, FolderState::Stopped, None, None)
        .await
    {
        tracing::error!(mailbox = %mailbox.name, error = %e, "cannot record the mailbox's state");
    }
}

/// How one watch of a folder ended.
enum Ended {
    /// Asked to stop.
    Stopped,
    /// The server ended the session itself, the folder open: what it said.
    Goodbye(Option<String>),
    /// It failed, before or after the folder was opened.
    Failed { error: String, opened: bool },
}

impl<E: std::fmt::Display> From<Result<(), Interrupted<E>>> for Ended {
    fn from(result: Result<(), Interrupted<E>>) -> Ended {
        match result {
            Ok(()) => Ended::Stopped,
            Err(Interrupted { error, opened }) => Ended::Failed {
                error: error.to_string(),
                opened,
            },
        }
    }
}

/// The pause before a folder's next attempt after a failure: it doubles
/// with each failure in a row to reach the folder (connect, log in,
/// select), up to `LAST_RETRY`, and starts again from `FIRST_RETRY` once
/// the folder has been opened. How long a connection lasted does not
/// matter: a folder dropped a few seconds after it was opened is back
/// within about a second.
#[derive(Debug, Default)]
struct Backoff {
    failures: u32,
}

impl Backoff {
    /// The folder was opened: the next failure is the first in a row.
    fn opened(&mut self) {
        self.failures = 0;
    }

    /// One more failure; the pause before the next attempt, before jitter.
    fn failed(&mut self) -> Duration {
        let pause = FIRST_RETRY
            .saturating_mul(2u32.saturating_pow(self.failures.min(16)))
            .min(LAST_RETRY);
        self.failures = self.failures.saturating_add(1);
        pause
    }

    /// Failures in a row so far.
    fn failures(&self) -> u32 {
        self.failures
    }
}

/// Jitter keeps fourteen mailboxes from reconnecting in step.
fn jittered(pause: Duration) -> Duration {
    pause.mul_f64(0.5 + fastrand::f64())
}

fn seconds(pause: Duration) -> String {
    format!("{:.1}s", pause.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pauses(backoff: &mut Backoff, n: usize) -> Vec<u64> {
        (0..n).map(|_| backoff.failed().as_secs()).collect()
    }

    #[test]
    fn the_pause_doubles_over_failures_in_a_row_up_to_five_minutes() {
        let mut backoff = Backoff::default();
        assert_eq!(
            pauses(&mut backoff, 11),
            [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
        );
        assert_eq!(backoff.failures(), 11);
        // However many failures there have been.
        backoff.failures = u32::MAX;
        assert_eq!(backoff.failed(), LAST_RETRY);
    }

    #[test]
    fn a_folder_opened_again_starts_the_pauses_afresh() {
        let mut backoff = Backoff::default();
        pauses(&mut backoff, 5);
        backoff.opened();
        assert_eq!(pauses(&mut backoff, 3), [1, 2, 4]);
        assert_eq!(backoff.failures(), 3);
    }

    /// A task that runs until told to stop, and says it stopped.
    async fn until_stopped(mut shutdown: Shutdown, stopped: Arc<std::sync::atomic::AtomicBool>) {
        shutdown.wait().await;
        stopped.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    #[tokio::test]
    async fn a_task_that_panics_stops_the_others_and_fails_the_daemon() {
        let (stop, shutdown) = Shutdown::new();
        let stopped = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut tasks = Tasks::default();
        tasks.spawn("sweep", until_stopped(shutdown.clone(), stopped.clone()));
        tasks.spawn("sender", async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            panic!("the outbox row 7 is odd");
        });
        let ended = tokio::time::timeout(Duration::from_secs(10), tasks.join_all(&stop))
            .await
            .expect("the daemon stops by itself");
        match ended {
            Err(DaemonError::TaskPanicked { task, reason }) => {
                assert_eq!(task, "sender");
                assert_eq!(reason, "the outbox row 7 is odd");
            }
            other => panic!("{other:?}"),
        }
        assert!(stopped.load(std::sync::atomic::Ordering::SeqCst));
        let error = DaemonError::TaskPanicked {
            task: "sender".into(),
            reason: "x".into(),
        };
        assert_eq!(
            error.to_string(),
            "the daemon's sender task panicked (x); the daemon stopped"
        );
    }

    #[tokio::test]
    async fn tasks_that_stop_when_asked_end_the_daemon_without_an_error() {
        let (stop, shutdown) = Shutdown::new();
        let stopped = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut tasks = Tasks::default();
        tasks.spawn("sweep", until_stopped(shutdown.clone(), stopped.clone()));
        tasks.spawn("retention", until_stopped(shutdown, stopped.clone()));
        let _ = stop.send(true);
        assert!(tasks.join_all(&stop).await.is_ok());
    }

    #[tokio::test]
    async fn the_sweep_stops_when_the_sender_panics() {
        let (config, _) = Config::embedded().expect("embedded config");
        let store = Store::open("sqlite::memory:").await.expect("store");
        let (stop, shutdown) = Shutdown::new();
        let mut tasks = Tasks::default();
        tasks.spawn(
            "sweep",
            crate::sweep::run(store, Arc::new(config), shutdown),
        );
        tasks.spawn("sender", async { panic!("boom") });
        let ended = tokio::time::timeout(Duration::from_secs(30), tasks.join_all(&stop))
            .await
            .expect("the sweep stopped");
        assert!(matches!(ended, Err(DaemonError::TaskPanicked { .. })));
    }

    #[test]
    fn jitter_stays_within_half_and_one_and_a_half_times() {
        for _ in 0..1000 {
            let pause = jittered(Duration::from_secs(4));
            assert!(pause >= Duration::from_secs(2) && pause <= Duration::from_secs(6));
        }
    }
}
