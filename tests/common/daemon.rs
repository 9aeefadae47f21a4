//! `dtr-gateway run` as a child process, started as an operator starts it:
//! its log (at info) in a file beside the configuration, what an operator
//! reads; stopped by SIGTERM, and killed if a test fails before it stops.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long a daemon is given to stop after SIGTERM.
pub const STOP_LIMIT: Duration = Duration::from_secs(30);

pub struct Daemon {
    child: Option<Child>,
    log: PathBuf,
}

impl Daemon {
    /// `dtr-gateway run --config DIR`, logging at info, on the database
    /// its configuration names (never a test runner's `DTR_DATABASE_URL`),
    /// with the test mail servers' password when the run has one.
    pub fn command(config_dir: &Path) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_dtr-gateway"));
        command
            .args(["run", "--config"])
            .arg(config_dir)
            .env("RUST_LOG", "info")
            .env_remove("DTR_CONFIG")
            .env_remove("DTR_DATABASE_URL");
        if let Ok(password) = std::env::var("DTR_MAIL_PASSWORD") {
            command.env("DTR_MAIL_PASSWORD", password);
        }
        command
    }

    /// Starts the daemon of the configuration in `config_dir`, its log in
    /// `daemon.log` there.
    pub fn start(config_dir: &Path) -> Daemon {
        Daemon::spawn(Daemon::command(config_dir), config_dir.join("daemon.log"))
    }

    /// Starts `command`, its standard error appended to `log` (a daemon
    /// started again writes on after the first).
    pub fn spawn(mut command: Command, log: PathBuf) -> Daemon {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("daemon log file");
        let child = command
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("start dtr-gateway run");
        Daemon {
            child: Some(child),
            log,
        }
    }

    /// Whether it was started and has not been seen to end.
    pub fn running(&self) -> bool {
        self.child.is_some()
    }

    /// Its process id, while it runs.
    pub fn id(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Its whole log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The log lines holding every one of `words`.
    pub fn lines_with(&self, words: &[&str]) -> Vec<String> {
        self.log()
            .lines()
            .filter(|l| words.iter().all(|w| l.contains(w)))
            .map(str::to_string)
            .collect()
    }

    /// The first log line holding every one of `words`, waiting up to
    /// `limit` for it.
    pub async fn wait_log(&self, words: &[&str], limit: Duration) -> Option<String> {
        let started = Instant::now();
        loop {
            if let Some(line) = self.lines_with(words).into_iter().next() {
                return Some(line);
            }
            if started.elapsed() > limit {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The end of the log, for failure messages.
    pub fn tail(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Its exit status once it has ended by itself, within `limit`.
    pub fn exited(&mut self, limit: Duration) -> Option<ExitStatus> {
        let child = self.child.as_mut()?;
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().expect("wait for the daemon") {
                self.child = None;
                return Some(status);
            }
            if started.elapsed() >= limit {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends it SIGTERM, as an operator or systemd stops it.
    fn signal_stop(&self) {
        let pid = i32::try_from(self.id()).expect("pid");
        // SAFETY: a signal to the child this test started, by its id.
        let sent = unsafe { libc::kill(pid, libc::SIGTERM) };
        assert_eq!(sent, 0, "SIGTERM to the daemon");
    }

    /// Stops it as an operator does (SIGTERM) and waits for it, blocking
    /// the thread; its exit status.
    pub fn stop(&mut self) -> ExitStatus {
        self.signal_stop();
        match self.exited(STOP_LIMIT) {
            Some(status) => status,
            None => {
                self.kill();
                panic!(
                    "the daemon did not stop within {STOP_LIMIT:?} of SIGTERM:\n{}",
                    self.tail()
                )
            }
        }
    }

    /// [`Daemon::stop`] for async tests: waits without blocking the
    /// runtime's thread.
    pub async fn terminate(mut self) -> ExitStatus {
        self.signal_stop();
        let started = Instant::now();
        loop {
            if let Some(status) = self.exited(Duration::ZERO) {
                return status;
            }
            if started.elapsed() > STOP_LIMIT {
                self.kill();
                panic!(
                    "the daemon did not stop within {STOP_LIMIT:?} of SIGTERM:\n{}",
                    self.tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Kills it (SIGKILL), as a crash or the OOM killer does.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill();
    }
}
