//! Asking the daemon's tasks to stop: the mail sources, the sender, the
//! sweep, retention and the HTTP listener all wait on one `Shutdown`.

use tokio::sync::watch;

/// Tells a task to stop after the work in hand.
#[derive(Clone)]
pub struct Shutdown(watch::Receiver<bool>);

impl Shutdown {
    pub fn new() -> (watch::Sender<bool>, Shutdown) {
        let (tx, rx) = watch::channel(false);
        (tx, Shutdown(rx))
    }

    pub fn requested(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves when shutdown is requested (at once if it already was).
    pub async fn wait(&mut self) {
        while !*self.0.borrow_and_update() {
            if self.0.changed().await.is_err() {
                // The sender is gone: nobody can ask any more, so stop.
                return;
            }
        }
    }
}
