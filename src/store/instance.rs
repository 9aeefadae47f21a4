//! One daemon per instance name: a lock file for SQLite, an advisory
//! lock for PostgreSQL, held while the daemon runs.

use super::*;

/// Keeps a gateway's instance name its own while it lives (see
/// [`Store::hold_instance`]).
#[derive(Debug)]
pub enum InstanceHold {
    /// A lock on a file beside the SQLite database, and its path.
    File {
        file: std::fs::File,
        path: std::path::PathBuf,
    },
    /// A PostgreSQL session holding an advisory lock, and its server
    /// process id.
    Session {
        conn: sqlx::AnyConnection,
        session: i32,
    },
}

impl InstanceHold {
    /// Gives the name up now. (Dropped, a hold ends as well, once the
    /// database notices its connection has gone.)
    /// At a clean stop the lock file goes too, so that a stopped gateway
    /// leaves nothing beside its database: it is removed while still locked.
    pub async fn release(self) {
        match self {
            InstanceHold::Session { mut conn, .. } => {
                // Unlocked before the session closes: the server ends a
                // closed session's locks only when its process exits, a
                // moment later, and a gateway starting at once would find
                // the name still taken.
                let _ = sqlx::query("SELECT pg_advisory_unlock_all()")
                    .execute(&mut conn)
                    .await;
                let _ = sqlx::Connection::close(conn).await;
            }
            InstanceHold::File { file, path } => {
                if let Err(error) = std::fs::remove_file(&path) {
                    tracing::warn!(path = %path.display(), %error, "cannot remove the instance lock file");
                }
                drop(file);
            }
        }
    }
}

impl Store {
    /// Holds this gateway's instance name on this store for as long as the
    /// returned hold lives: a second gateway started under the same name
    /// (two daemons with one configuration) would take back the first's
    /// mail in flight as its own, and send it again. On SQLite the lock is
    /// a file beside the database, which covers gateways on this machine; on
    /// PostgreSQL it is an advisory lock held by a connection of its own,
    /// which covers every machine on the database.
    pub async fn hold_instance(&self) -> Result<Option<InstanceHold>, StoreError> {
        if self.backend == Backend::Postgres {
            return self.hold_instance_on_server().await;
        }
        let Some(database) = &self.file else {
            return Ok(None);
        };
        let name: String = self
            .instance
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let mut path = database.clone().into_os_string();
        path.push(format!(".instance-{name}.lock"));
        let path = std::path::PathBuf::from(path);
        let shown = path.display().to_string();
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| StoreError::InstanceLock {
                path: shown.clone(),
                error: source,
            })?;
        match lock.try_lock() {
            Ok(()) => Ok(Some(InstanceHold::File { file: lock, path })),
            Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::InstanceInUse {
                instance: self.instance.to_string(),
                path: shown,
            }),
            Err(std::fs::TryLockError::Error(source)) => Err(StoreError::InstanceLock {
                path: shown,
                error: source,
            }),
        }
    }

    async fn hold_instance_on_server(&self) -> Result<Option<InstanceHold>, StoreError> {
        // A connection of its own, outside the pool, for as long as the hold.
        let mut conn = self.pool.acquire().await?.detach();
        let (held, session): (bool, i32) =
            sqlx::query_as("SELECT pg_try_advisory_lock($1, hashtext($2)), pg_backend_pid()")
                .bind(db::INSTANCE_LOCKS)
                .bind(&*self.instance)
                .fetch_one(&mut conn)
                .await?;
        if held {
            Ok(Some(InstanceHold::Session { conn, session }))
        } else {
            Err(StoreError::InstanceInUse {
                instance: self.instance.to_string(),
                path: "a PostgreSQL advisory lock on the database".into(),
            })
        }
    }

    /// Keeps this gateway's hold on its instance name. On PostgreSQL the
    /// hold lives as long as its connection, which a server restart or a
    /// network cut ends: a lost hold is taken again. If the server still
    /// counts the old session (it has not noticed a cut), that session is
    /// ended first: it is this gateway's own. `InstanceInUse` means another
    /// gateway took the name meanwhile, and may have taken back this one's
    /// mail in flight: this one must stop. Any other error: the database
    /// cannot be reached now; ask again later.
    pub async fn keep_instance(&self, hold: &mut InstanceHold) -> Result<(), StoreError> {
        let InstanceHold::Session { conn, session } = hold else {
            return Ok(());
        };
        let alive = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            sqlx::query("SELECT 1").execute(&mut *conn),
        )
        .await;
        if matches!(alive, Ok(Ok(_))) {
            return Ok(());
        }
        let old_session = *session;
        tracing::warn!(
            "the session holding this gateway's instance name was lost; taking it again"
        );
        match self.hold_instance_on_server().await {
            Ok(Some(new)) => {
                *hold = new;
                return Ok(());
            }
            Ok(None) => return Ok(()),
            Err(StoreError::InstanceInUse { .. }) => {}
            Err(e) => return Err(e),
        }
        let holders: Vec<i32> = sqlx::query_scalar(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted \
             AND classid = $1::oid AND objid = hashtext($2)::oid AND objsubid = 2 \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
        .bind(i64::from(db::INSTANCE_LOCKS))
        .bind(&*self.instance)
        .fetch_all(&self.pool)
        .await?;
        if holders != [old_session] {
            return Err(StoreError::InstanceInUse {
                instance: self.instance.to_string(),
                path: "a PostgreSQL advisory lock on the database".into(),
            });
        }
        sqlx::query("SELECT pg_terminate_backend($1, 5000)")
            .bind(old_session)
            .execute(&self.pool)
            .await?;
        if let Some(new) = self.hold_instance_on_server().await? {
            *hold = new;
        }
        Ok(())
    }
}

/// The host's name, or `dtr-gateway` when it cannot be read: the default
/// name a gateway claims outbox rows under.
pub(super) fn default_instance() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "dtr-gateway".to_string())
}
