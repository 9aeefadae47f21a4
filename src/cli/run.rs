//! `dtr-gateway run`: the daemon, holding its instance name while it runs.

use anyhow::{bail, Context as _, Result};
use dtr_gateway::config::Config;
use dtr_gateway::store::{Store, StoreError};
use dtr_gateway::terminal::printable_lines;
use std::process::ExitCode;

pub(crate) async fn run_daemon(config: Config, store: Store) -> Result<ExitCode> {
    use tokio::signal::unix::{signal, SignalKind};
    // Held until the daemon exits.
    let instance = store.hold_instance().await?;
    let (stop, shutdown) = dtr_gateway::shutdown::Shutdown::new();
    let stop = std::sync::Arc::new(stop);
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    let stop_on_signal = stop.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        tracing::info!("stopping: finishing the messages in hand");
        let _ = stop_on_signal.send(true);
    });
    let keeper = instance.map(|hold| keep_instance(store.clone(), hold, stop.clone()));
    let watched = config
        .mailboxes
        .iter()
        .filter(|m| m.source != dtr_gateway::config::Source::None)
        .count();
    tracing::info!(mailboxes = watched, "dtr-gateway running");
    let codes: Vec<&str> = config.authorities.iter().map(|a| a.code.as_str()).collect();
    let templates = match dtr_gateway::templates::Templates::load_checked(
        config.source.as_deref(),
        &codes,
    ) {
        Ok(templates) => templates,
        Err(errors) => {
            for e in &errors {
                eprintln!("dtr-gateway: {}", printable_lines(&e.to_string()));
            }
            bail!(
                    "{} template error(s); fix them before starting (`dtr-gateway check-config` lists them)",
                    errors.len()
                );
        }
    };
    let ran = dtr_gateway::daemon::run(
        std::sync::Arc::new(config),
        store,
        std::sync::Arc::new(templates),
        shutdown,
    )
    .await;
    // A task that panicked stopped the daemon without a signal: the
    // keeper is told too, so that the instance name is let go.
    let _ = stop.send(true);
    if let Some(keeper) = keeper {
        match keeper.await {
            Ok(Ok(hold)) => hold.release().await,
            Ok(Err(lost)) => return Err(lost.into()),
            Err(e) => tracing::warn!(error = %e, "the instance name's keeper failed"),
        }
    }
    // Exits non-zero: systemd restarts the daemon.
    ran?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Checks the hold on the instance name every half minute while the daemon
/// runs (see `Store::keep_instance`); stops the daemon if another gateway
/// took the name. Returns the hold once the daemon stops, or why it was
/// lost.
pub(crate) fn keep_instance(
    store: Store,
    mut hold: dtr_gateway::store::InstanceHold,
    stop: std::sync::Arc<tokio::sync::watch::Sender<bool>>,
) -> tokio::task::JoinHandle<Result<dtr_gateway::store::InstanceHold, StoreError>> {
    tokio::spawn(async move {
        let mut stopping = stop.subscribe();
        let mut every = tokio::time::interval(std::time::Duration::from_secs(30));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = stopping.wait_for(|stop| *stop) => return Ok(hold),
            }
            match store.keep_instance(&mut hold).await {
                Ok(()) => {}
                Err(lost @ StoreError::InstanceInUse { .. }) => {
                    tracing::error!(error = %lost, "stopping: another gateway has this gateway's instance name");
                    let _ = stop.send(true);
                    return Err(lost);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot check the hold on the instance name; trying again");
                }
            }
        }
    })
}
