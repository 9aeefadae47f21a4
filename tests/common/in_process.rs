//! The daemon run inside the test process (`dtr_gateway::daemon::run` on a
//! task), for tests that read its store while it works and stop it as
//! SIGTERM does; [`super::daemon`] runs it as a child process instead.
#![allow(dead_code)]

use dtr_gateway::config::Config;
use dtr_gateway::daemon::DaemonError;
use dtr_gateway::shutdown::Shutdown;
use dtr_gateway::store::Store;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long the daemon is given to stop.
const STOP_LIMIT: Duration = Duration::from_secs(20);

pub struct InProcess {
    _dir: TempDir,
    pub config_dir: PathBuf,
    pub store: Store,
    stop: Option<watch::Sender<bool>>,
    task: Option<JoinHandle<Result<(), DaemonError>>>,
}

impl InProcess {
    /// A SQLite store in a new folder, and the configuration `configure`
    /// writes there given the folder and the store's URL (returning the
    /// configuration folder); not yet running.
    pub async fn prepare(configure: impl FnOnce(&Path, &str) -> PathBuf) -> InProcess {
        let dir = TempDir::new().expect("temp dir");
        let database = format!("sqlite:{}", dir.path().join("cases.db").display());
        let config_dir = configure(dir.path(), &database);
        let store = Store::open(&database).await.expect("store");
        InProcess {
            _dir: dir,
            config_dir,
            store,
            stop: None,
            task: None,
        }
    }

    /// [`InProcess::prepare`], then [`InProcess::run`].
    pub async fn start(configure: impl FnOnce(&Path, &str) -> PathBuf) -> InProcess {
        let mut gateway = InProcess::prepare(configure).await;
        gateway.run().await;
        gateway
    }

    /// Loads the configuration as it now stands and runs the daemon.
    pub async fn run(&mut self) {
        let (config, _) = Config::load(Some(&self.config_dir)).expect("config");
        let (stop, shutdown) = Shutdown::new();
        self.task = Some(tokio::spawn(dtr_gateway::daemon::run(
            Arc::new(config),
            self.store.clone(),
            super::templates(),
            shutdown,
        )));
        self.stop = Some(stop);
    }

    /// Asks the daemon to stop and waits until it has, cleanly.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(STOP_LIMIT, task)
                .await
                .expect("the daemon stops within 20 s")
                .expect("the daemon task ends cleanly")
                .expect("the daemon runs");
        }
    }

    /// Waits until every folder of `mailbox` is idling on its server.
    pub async fn wait_idle(&self, mailbox: &str) -> bool {
        super::wait_idle(&self.store, mailbox, STOP_LIMIT).await
    }
}
