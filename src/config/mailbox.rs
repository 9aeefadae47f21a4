//! `[[mailbox]]`: where each authority's mail is read from (a Maildir or
//! an IMAP folder), how to sign in, and how its senders are judged.

use super::*;
use crate::core::case_ref::ShortCode;
use serde::Deserialize;
use std::path::PathBuf;

/// A mailbox the gateway watches, and the authority it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mailbox {
    pub name: String,
    pub authority: ShortCode,
    pub source: Source,
    /// How the receiving organisation's verdict on senders is read.
    pub trust: SenderTrust,
}

impl Mailbox {
    /// The folders the daemon watches: an IMAP mailbox's `folders`, a
    /// Maildir's one (called INBOX), none for a mailbox only `ingest` feeds.
    pub fn watched_folders(&self) -> Vec<String> {
        match &self.source {
            Source::None => Vec::new(),
            Source::Maildir(_) => vec!["INBOX".to_string()],
            Source::Imap(settings) => settings.folders.clone(),
        }
    }
}

/// Where a mailbox's messages come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Only `ingest` feeds it.
    None,
    /// A Maildir folder (`new/` and `cur/` are read, nothing is moved).
    Maildir(PathBuf),
    Imap(ImapSettings),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    /// TLS from the first byte (port 993).
    Implicit,
    /// Plain connection upgraded with STARTTLS (port 143).
    StartTls,
    /// No encryption: only for a server on this machine.
    None,
}

/// How the gateway proves who it is. Secrets are never in the configuration
/// itself, only where to find them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Credentials {
    PasswordEnv(String),
    PasswordFile(PathBuf),
    /// XOAUTH2 with an access token printed by a command.
    TokenCommand(String),
    /// XOAUTH2 with an access token kept fresh in a file by another tool.
    TokenFile(PathBuf),
    /// XOAUTH2 with a token the gateway fetches itself from Microsoft
    /// Entra (client-credentials grant) and renews before it expires.
    Microsoft(Box<MicrosoftApp>),
    /// XOAUTH2 with a token the gateway fetches itself for a Google
    /// service account acting as the mailbox.
    Google(Box<GoogleServiceAccount>),
}

impl Credentials {
    /// Whether the login is XOAUTH2 with an access token (else a password).
    pub fn is_token(&self) -> bool {
        !matches!(
            self,
            Credentials::PasswordEnv(_) | Credentials::PasswordFile(_)
        )
    }
}

/// Where reading a folder begins the first time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartFrom {
    /// Only mail that arrives from now on.
    New,
    /// The backlog of mail received since this date, then new mail.
    Since(chrono::NaiveDate),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImapSettings {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    /// A CA certificate (PEM) trusted besides the system's roots.
    pub ca_file: Option<PathBuf>,
    pub username: String,
    pub credentials: Credentials,
    pub folders: Vec<String>,
    /// Use IDLE when the server offers it.
    pub idle: bool,
    /// How often to look for mail when IDLE is not available.
    pub poll_interval: std::time::Duration,
    pub start: StartFrom,
    /// A keyword set on recorded messages (e.g. `$DtrRecorded`); none by default.
    pub keyword: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMailbox {
    pub(super) name: String,
    pub(super) authority: String,
    pub(super) maildir: Option<String>,
    pub(super) imap: Option<toml::Table>,
    pub(super) auth_results: Option<String>,
    pub(super) trusted_authserv_id: Option<String>,
    pub(super) internal_auth: Option<String>,
    #[serde(default)]
    pub(super) trust_unauthenticated: bool,
    pub(super) sent_folders: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawImap {
    pub(super) host: String,
    pub(super) port: Option<u16>,
    #[serde(default = "default_tls")]
    pub(super) tls: String,
    pub(super) ca_file: Option<String>,
    pub(super) username: String,
    pub(super) password_env: Option<String>,
    pub(super) password_file: Option<String>,
    pub(super) token_command: Option<String>,
    pub(super) token_file: Option<String>,
    pub(super) microsoft: Option<toml::Table>,
    pub(super) google: Option<toml::Table>,
    #[serde(default = "default_folders")]
    pub(super) folders: Vec<String>,
    #[serde(default = "default_true")]
    pub(super) idle: bool,
    #[serde(default = "default_poll_seconds")]
    pub(super) poll_seconds: u64,
    #[serde(default = "default_start")]
    pub(super) start: String,
    pub(super) keyword: Option<String>,
}

pub(super) fn default_tls() -> String {
    "implicit".into()
}

pub(super) fn default_folders() -> Vec<String> {
    vec!["INBOX".into()]
}

pub(super) fn default_true() -> bool {
    true
}

pub(super) fn default_poll_seconds() -> u64 {
    60
}

pub(super) fn default_start() -> String {
    "new".into()
}

/// A mailbox's sender trust: whose Authentication-Results count, which
/// marks of the receiving organisation make mail internal, and whether
/// mail without any verdict may change a case.
pub(super) fn read_trust(
    file: &str,
    key: &str,
    m: &RawMailbox,
    problems: &mut Problems,
) -> Option<SenderTrust> {
    let mut ok = true;
    let results = match (m.auth_results.as_deref(), m.trusted_authserv_id.as_deref()) {
        (Some("exchange"), None) => ResultsFrom::Exchange,
        (Some("none"), None) => ResultsFrom::Ignored,
        // A Maildir is written by whatever delivers into it, which may add
        // no header of its own: one found there may be the sender's. Only
        // the headers the configuration names are believed.
        (None, None) if m.maildir.is_some() => ResultsFrom::Ignored,
        (Some("topmost") | None, None) => ResultsFrom::Topmost,
        (Some("topmost") | None, Some(id)) => {
            if id.trim().is_empty() {
                problems.error(
                    file,
                    format!("{key}.trusted_authserv_id"),
                    format!("mailbox `{}`: the authserv-id is empty", m.name),
                );
                ok = false;
            }
            ResultsFrom::AuthservId(id.trim().to_ascii_lowercase())
        }
        (Some("exchange" | "none"), Some(_)) => {
            problems.error(
                file,
                format!("{key}.trusted_authserv_id"),
                format!(
                    "mailbox `{}`: Exchange Online writes no authserv-id; give either \
                     auth_results = \"exchange\" or trusted_authserv_id, not both",
                    m.name
                ),
            );
            ok = false;
            ResultsFrom::Topmost
        }
        (Some(other), _) => {
            problems.error(
                file,
                format!("{key}.auth_results"),
                format!(
                    "mailbox `{}`: `{other}` is not \"topmost\", \"exchange\" or \"none\"",
                    m.name
                ),
            );
            ok = false;
            ResultsFrom::Topmost
        }
    };
    let internal = match m.internal_auth.as_deref() {
        None | Some("none") => InternalMarks::None,
        Some("exchange") => InternalMarks::Exchange,
        Some("google") => InternalMarks::Google,
        Some(other) => {
            problems.error(
                file,
                format!("{key}.internal_auth"),
                format!(
                    "mailbox `{}`: `{other}` is not \"exchange\", \"google\" or \"none\"",
                    m.name
                ),
            );
            ok = false;
            InternalMarks::None
        }
    };
    if internal == InternalMarks::Exchange && results != ResultsFrom::Exchange {
        problems.warn(
            file,
            format!("{key}.internal_auth"),
            format!(
                "mailbox `{}`: internal_auth = \"exchange\" is safe only on an Exchange Online \
                 mailbox, whose servers remove those marks from mail arriving from outside; set \
                 auth_results = \"exchange\" too",
                m.name
            ),
        );
    }
    let sent_folders = m
        .sent_folders
        .clone()
        .unwrap_or_else(crate::core::sender::default_sent_folders);
    ok.then_some(SenderTrust {
        results,
        internal,
        trust_unauthenticated: m.trust_unauthenticated,
        sent_folders,
    })
}

pub(super) fn read_imap(
    file: &str,
    key: &str,
    mailbox: &str,
    mut table: toml::Table,
    problems: &mut Problems,
) -> Option<ImapSettings> {
    if table.remove("password").is_some() {
        problems.error(
            file,
            format!("{key}.password"),
            format!("mailbox `{mailbox}`: a password is never written in the configuration; name where to find it with password_env or password_file"),
        );
        return None;
    }
    let raw: RawImap = read_table(file, key, &format!("mailbox `{mailbox}`"), table, problems)?;
    let owner = format!("mailbox `{mailbox}`");
    let tls = read_tls(file, key, &owner, &raw.tls, problems)?;
    let credentials = read_credentials(
        file,
        key,
        &owner,
        &raw.username,
        SecretKeys {
            password_env: raw.password_env,
            password_file: raw.password_file,
            token_command: raw.token_command,
            token_file: raw.token_file,
            microsoft: raw.microsoft,
            google: raw.google,
        },
        problems,
    )?;
    let start = match raw.start.as_str() {
        "new" => StartFrom::New,
        other => match other
            .strip_prefix("since ")
            .and_then(|d| chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        {
            Some(date) => StartFrom::Since(date),
            None => {
                problems.error(
                    file,
                    format!("{key}.start"),
                    format!("mailbox `{mailbox}`: `{other}` is neither \"new\" nor \"since YYYY-MM-DD\""),
                );
                return None;
            }
        },
    };
    if raw.folders.is_empty() {
        problems.error(
            file,
            format!("{key}.folders"),
            format!("mailbox `{mailbox}`: no folder to watch"),
        );
        return None;
    }
    if raw.poll_seconds == 0 {
        problems.error(
            file,
            format!("{key}.poll_seconds"),
            format!("mailbox `{mailbox}`: must be at least 1"),
        );
        return None;
    }
    Some(ImapSettings {
        port: raw.port.unwrap_or(match tls {
            TlsMode::Implicit => 993,
            TlsMode::StartTls | TlsMode::None => 143,
        }),
        host: raw.host,
        tls,
        ca_file: raw.ca_file.map(PathBuf::from),
        username: raw.username,
        credentials,
        folders: raw.folders,
        idle: raw.idle,
        poll_interval: std::time::Duration::from_secs(raw.poll_seconds),
        start,
        keyword: raw.keyword,
    })
}

/// `implicit`, `starttls` or `none` (with a warning).
pub(super) fn read_tls(
    file: &str,
    key: &str,
    owner: &str,
    text: &str,
    problems: &mut Problems,
) -> Option<TlsMode> {
    match text {
        "implicit" => Some(TlsMode::Implicit),
        "starttls" => Some(TlsMode::StartTls),
        "none" => {
            problems.warn(
                file,
                format!("{key}.tls"),
                format!("{owner}: tls = \"none\" sends the password unencrypted; use it only for a server on this machine"),
            );
            Some(TlsMode::None)
        }
        other => {
            problems.error(
                file,
                format!("{key}.tls"),
                format!("{owner}: `{other}` is not one of implicit, starttls, none"),
            );
            None
        }
    }
}

/// Where a login's secret may come from, as written (at most one given).
#[derive(Default)]
pub(super) struct SecretKeys {
    pub(super) password_env: Option<String>,
    pub(super) password_file: Option<String>,
    pub(super) token_command: Option<String>,
    pub(super) token_file: Option<String>,
    pub(super) microsoft: Option<toml::Table>,
    pub(super) google: Option<toml::Table>,
}

impl SecretKeys {
    pub(super) fn any(&self) -> bool {
        self.password_env.is_some()
            || self.password_file.is_some()
            || self.token_command.is_some()
            || self.token_file.is_some()
            || self.microsoft.is_some()
            || self.google.is_some()
    }
}

/// Exactly one of password_env, password_file, token_command, token_file,
/// microsoft, google.
pub(super) fn read_credentials(
    file: &str,
    key: &str,
    owner: &str,
    username: &str,
    keys: SecretKeys,
    problems: &mut Problems,
) -> Option<Credentials> {
    let given = [
        keys.password_env.is_some(),
        keys.password_file.is_some(),
        keys.token_command.is_some(),
        keys.token_file.is_some(),
        keys.microsoft.is_some(),
        keys.google.is_some(),
    ]
    .iter()
    .filter(|g| **g)
    .count();
    if given != 1 {
        problems.error(
            file,
            key,
            format!(
                "{owner}: give exactly one of password_env, password_file, token_command, \
                 token_file, [microsoft], [google]"
            ),
        );
        return None;
    }
    if let Some(name) = keys.password_env {
        return Some(Credentials::PasswordEnv(name));
    }
    if let Some(path) = keys.password_file {
        return Some(Credentials::PasswordFile(PathBuf::from(path)));
    }
    if let Some(command) = keys.token_command {
        return Some(Credentials::TokenCommand(command));
    }
    if let Some(path) = keys.token_file {
        return Some(Credentials::TokenFile(PathBuf::from(path)));
    }
    if let Some(table) = keys.microsoft {
        return read_microsoft(file, &format!("{key}.microsoft"), owner, table, problems)
            .map(|app| Credentials::Microsoft(Box::new(app)));
    }
    let table = keys.google?;
    read_google(
        file,
        &format!("{key}.google"),
        owner,
        username,
        table,
        problems,
    )
    .map(|account| Credentials::Google(Box::new(account)))
}
