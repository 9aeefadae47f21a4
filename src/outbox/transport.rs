//! The seam between the sender and the world: one trait that hands a
//! composed mail over, and the transports behind it (the SMTP relay in
//! `relay.rs`, `.eml` files here, and an in-process stub for the sender's
//! own tests). Claiming, retrying and settling know only this trait.

use super::SendError;
use futures::future::BoxFuture;
use lettre::Message;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// A mail ready to go: what the relay is handed, and the Message-ID the
/// row was queued under (a file transport names its file after it).
pub struct Composed {
    pub message_id: String,
    pub message: Message,
}

/// Hands composed mail over to whatever delivers it.
pub trait MailTransport: Send + Sync {
    /// Hands one mail over; `Ok` once the relay (or the disk) has taken it.
    /// The error says whether trying again may help
    /// ([`SendError::is_transient`]).
    fn send<'a>(&'a self, mail: &'a Composed) -> BoxFuture<'a, Result<(), SendError>>;

    /// Lets go of anything kept between mails (connections).
    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}

/// Each mail written as an `.eml` file into a folder.
pub struct Files(pub PathBuf);

impl MailTransport for Files {
    fn send<'a>(&'a self, mail: &'a Composed) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(write_mail_file(
            &self.0,
            &mail.message_id,
            mail.message.formatted(),
        ))
    }
}

/// Writes a mail into the outbox folder whole or not at all: into a hidden
/// temporary file, renamed once complete, so a full disk leaves no mail cut
/// short. The name is the mail's Message-ID, so a mail written again (after
/// a crash) replaces its copy instead of adding a second.
async fn write_mail_file(folder: &Path, message_id: &str, raw: Vec<u8>) -> Result<(), SendError> {
    let stem: String = message_id
        .trim_matches(['<', '>'])
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-._@".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = folder.join(format!("{stem}.eml"));
    let partial = folder.join(format!(".{stem}.eml.partial"));
    let folder = folder.to_path_buf();
    let (target, temporary) = (path.clone(), partial.clone());
    // std::fs, not tokio's File: that one reports a failed write only on a
    // later flush, and a full disk would pass for a mail written.
    let written = tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&folder)?;
        // A mail holds what its case lets it say: its owner's alone.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temporary)?;
        file.write_all(&raw)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temporary, &target)
    })
    .await
    .unwrap_or_else(|e| Err(std::io::Error::other(e)));
    if let Err(e) = written {
        let _ = tokio::fs::remove_file(&partial).await;
        return Err(SendError::File(format!("{}: {e}", path.display())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A mail written to the folder is whole, and its owner's alone.
    #[tokio::test]
    async fn a_mail_file_is_written_whole_and_private() {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let folder = dir.path().join("outbox");
        write_mail_file(
            &folder,
            "<one@dtr.test>",
            b"Subject: x\r\n\r\nbody\r\n".to_vec(),
        )
        .await
        .expect("written");
        let files: Vec<PathBuf> = std::fs::read_dir(&folder)
            .expect("the folder is made")
            .map(|e| e.expect("entry").path())
            .collect();
        assert_eq!(files.len(), 1, "one file, no partial left: {files:?}");
        let mode = std::fs::metadata(&files[0])
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "open to others: {:o}", mode & 0o777);
        assert_eq!(
            std::fs::read(&files[0]).expect("read"),
            b"Subject: x\r\n\r\nbody\r\n"
        );
    }
}
