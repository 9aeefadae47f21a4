//! A gateway in a temporary folder, as an operator lays one out: its
//! configuration, a SQLite store (or a PostgreSQL database), Braintree's
//! inbox as a Maildir that the tests deliver into, and the outbox folder
//! where the `files` transport writes its mail.
#![allow(dead_code)]

use super::{authorities_toml, outcome, TestDb};
use dtr_gateway::store::Store;
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

pub struct GatewayFolder {
    dir: TempDir,
    /// The store's URL, as `gateway.toml` gives it.
    pub database: String,
    /// The SQLite file (in a folder of its own, so that a test may fill
    /// or lock that folder alone); unused on PostgreSQL.
    pub db_file: PathBuf,
    /// Braintree's inbox.
    pub maildir: PathBuf,
    /// Where the `files` transport writes.
    pub outbox: PathBuf,
}

impl GatewayFolder {
    /// A folder under the system's temporary folder, on SQLite.
    pub fn new() -> GatewayFolder {
        GatewayFolder::new_in(&std::env::temp_dir())
    }

    /// A folder under `parent`, on SQLite.
    pub fn new_in(parent: &Path) -> GatewayFolder {
        let dir = TempDir::new_in(parent).expect("temp dir");
        let db_file = dir.path().join("db").join("cases.db");
        std::fs::create_dir_all(dir.path().join("db")).expect("db folder");
        GatewayFolder::laid_out(dir, format!("sqlite:{}", db_file.display()), db_file)
    }

    /// A folder whose store is a new one on `db`.
    pub fn on(db: TestDb) -> GatewayFolder {
        let dir = TempDir::new().expect("temp dir");
        let database = db.new_store_url(dir.path());
        let db_file = dir.path().join("cases.db");
        GatewayFolder::laid_out(dir, database, db_file)
    }

    fn laid_out(dir: TempDir, database: String, db_file: PathBuf) -> GatewayFolder {
        let maildir = dir.path().join("maildir").join("braintree");
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(maildir.join(sub)).expect("maildir");
        }
        GatewayFolder {
            outbox: dir.path().join("outbox"),
            database,
            db_file,
            maildir,
            dir,
        }
    }

    /// The configuration folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `[outgoing]`: `.eml` files into the outbox folder.
    pub fn files(&self) -> String {
        format!(
            "transport = \"files\"\nfolder = \"{}\"\nmax_per_recipient_per_hour = 1000",
            self.outbox.display()
        )
    }

    /// `[outgoing]`: SMTP without TLS to a server on this machine.
    pub fn smtp(port: u16) -> String {
        format!(
            "transport = \"smtp\"\nmax_per_recipient_per_hour = 1000\n\
             [outgoing.smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\""
        )
    }

    /// A `[[mailbox]]` reading the Maildir (Braintree's inbox).
    pub fn maildir_mailbox(&self) -> String {
        format!(
            "[[mailbox]]\nname = \"braintree\"\nauthority = \"BRA\"\nmaildir = \"{}\"\n",
            self.maildir.display()
        )
    }

    /// Writes `authorities.toml` (the fourteen test authorities) and
    /// `gateway.toml`: the store, `outgoing`, referrers at `justice.test`,
    /// then `rest` (the mailboxes and any other section).
    pub fn write_config(&self, outgoing: &str, rest: &str) {
        let gateway = format!(
            "[gateway]\ndatabase = \"{}\"\n\n[outgoing]\n{outgoing}\n\n\
             [referrers]\nallowed_domains = [\"justice.test\"]\n\n{rest}",
            self.database
        );
        std::fs::write(self.path().join("authorities.toml"), authorities_toml())
            .expect("authorities.toml");
        std::fs::write(self.path().join("gateway.toml"), gateway).expect("gateway.toml");
    }

    /// Puts a message into the Maildir as a delivery agent does: written in
    /// `tmp/`, then renamed into `new/`.
    pub fn deliver(&self, name: &str, raw: &[u8]) {
        let tmp = self.maildir.join("tmp").join(name);
        std::fs::write(&tmp, raw).expect("write into tmp/");
        std::fs::rename(&tmp, self.maildir.join("new").join(name)).expect("rename into new/");
    }

    pub async fn store(&self) -> Store {
        Store::open(&self.database).await.expect("open the store")
    }

    /// A one-shot command against this configuration: (success, stdout,
    /// stderr).
    pub fn cli(&self, args: &[&str]) -> (bool, String, String) {
        outcome(
            Command::new(env!("CARGO_BIN_EXE_dtr-gateway"))
                .arg("--config")
                .arg(self.path())
                .args(args)
                .env_remove("DTR_DATABASE_URL")
                .env_remove("RUST_LOG"),
        )
    }
}
