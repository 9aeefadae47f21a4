//! A Maildir folder as a source: files in `new/` and `cur/` are read as they
//! appear. Nothing is moved or renamed: the folder stays its owner's.

use super::{Feed, Interrupted};
use crate::core::states::FolderState;
use crate::intake::IntakeError;
use crate::shutdown::Shutdown;
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How often the folder is looked at.
pub const POLL: Duration = Duration::from_millis(500);

#[derive(Debug, thiserror::Error)]
pub enum MaildirError {
    #[error("Maildir {path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(transparent)]
    Intake(#[from] IntakeError),
}

impl From<crate::store::StoreError> for MaildirError {
    fn from(e: crate::store::StoreError) -> Self {
        MaildirError::Intake(IntakeError::Store(e))
    }
}

/// Watches the Maildir at `root` until shutdown. It counts as opened once
/// it has been read through: a file that cannot be read every time is a
/// failure to open it, and waits longer each time.
pub async fn watch(
    feed: Feed<'_>,
    root: &Path,
    shutdown: Shutdown,
) -> Result<(), Interrupted<MaildirError>> {
    let mut opened = false;
    read(feed, root, shutdown, &mut opened)
        .await
        .map_err(|error| Interrupted { error, opened })
}

async fn read(
    feed: Feed<'_>,
    root: &Path,
    mut shutdown: Shutdown,
    opened: &mut bool,
) -> Result<(), MaildirError> {
    for sub in ["new", "cur", "tmp"] {
        let path = root.join(sub);
        tokio::fs::create_dir_all(&path)
            .await
            .map_err(|error| MaildirError::Io { path, error })?;
    }
    let mut seen = feed.store.source_keys(&feed.mailbox.name).await?;
    feed.store
        .set_status(
            &feed.mailbox.name,
            feed.folder,
            FolderState::Connected,
            None,
            None,
        )
        .await?;
    loop {
        let mut recorded = 0;
        for (key, path) in unseen_files(root, &seen).await? {
            if shutdown.requested() {
                return Ok(());
            }
            let raw = match tokio::fs::read(&path).await {
                Ok(raw) => raw,
                // Moved by the mail program between listing and reading:
                // the next look finds it under its new name.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(error) => return Err(MaildirError::Io { path, error }),
            };
            let received_at = modified(&path).await.unwrap_or_else(Utc::now);
            feed.take(&raw, None, received_at, Some(key.clone()))
                .await?;
            seen.insert(key);
            recorded += 1;
        }
        if recorded > 0 {
            feed.note_recorded(FolderState::Connected).await?;
        }
        *opened = true;
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = shutdown.wait() => return Ok(()),
        }
    }
}

/// Files not yet recorded, oldest name first. A Maildir file keeps its
/// unique name (the part before `:`) when a mail program moves it from
/// `new/` to `cur/` and adds flags, so that part is the key.
async fn unseen_files(
    root: &Path,
    seen: &HashSet<String>,
) -> Result<Vec<(String, PathBuf)>, MaildirError> {
    let mut found = Vec::new();
    for sub in ["new", "cur"] {
        let dir = root.join(sub);
        let mut entries = tokio::fs::read_dir(&dir)
            .await
            .map_err(|source| MaildirError::Io {
                path: dir.clone(),
                error: source,
            })?;
        while let Some(entry) = entries
            .next_entry()
            .await
            .map_err(|source| MaildirError::Io {
                path: dir.clone(),
                error: source,
            })?
        {
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with('.') {
                continue;
            }
            let key = name.split(':').next().unwrap_or(&name).to_string();
            if !seen.contains(&key) {
                found.push((key, entry.path()));
            }
        }
    }
    found.sort();
    found.dedup_by(|a, b| a.0 == b.0);
    Ok(found)
}

async fn modified(path: &Path) -> Option<DateTime<Utc>> {
    let meta = tokio::fs::metadata(path).await.ok()?;
    Some(DateTime::<Utc>::from(meta.modified().ok()?))
}
