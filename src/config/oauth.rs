//! `[mailbox.imap.microsoft]`, `[mailbox.imap.google]` and the same
//! tables under `[outgoing.smtp]`: the gateway signing in to Microsoft 365
//! or Google Workspace itself, with an app of the council's tenant or a
//! service account, instead of a token some other tool fetches.

use super::*;
use std::path::PathBuf;

/// Microsoft's token endpoint for a tenant (v2.0).
pub fn microsoft_token_url(tenant: &str) -> String {
    format!("https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token")
}

/// What an app must ask for to read mail over IMAP and send it over SMTP
/// with the client-credentials grant (`IMAP.AccessAsApp`, `SMTP.SendAsApp`).
pub const MICROSOFT_SCOPE: &str = "https://outlook.office365.com/.default";

/// The scope of full IMAP and SMTP access to a Google Workspace mailbox.
pub const GOOGLE_SCOPE: &str = "https://mail.google.com/";

/// Google's token endpoint, unless the key file names another.
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";

/// An app registration in a council's Microsoft Entra tenant, signing in
/// with the OAuth2 client-credentials grant.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MicrosoftApp {
    /// The tenant: its ID (a GUID) or one of its domains.
    pub tenant: String,
    /// The app registration's Application (client) ID.
    pub client_id: String,
    pub credential: AppCredential,
    pub scope: String,
    pub token_url: String,
}

/// How the app proves who it is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AppCredential {
    /// A client secret kept in a file, and the date it expires (as the
    /// portal showed it), for the warning before it does.
    Secret {
        file: PathBuf,
        expires: Option<chrono::NaiveDate>,
    },
    /// A certificate uploaded to the app registration, and its private key
    /// (in the same PEM file unless named apart): a signed client assertion.
    Certificate {
        certificate: PathBuf,
        private_key: Option<PathBuf>,
    },
}

/// A Google service account with domain-wide delegation, acting as one
/// mailbox.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GoogleServiceAccount {
    /// The service account's JSON key file.
    pub key_file: PathBuf,
    /// The mailbox it acts as (the JWT's `sub`).
    pub subject: String,
    pub scope: String,
    /// The token endpoint; the key file's `token_uri` when none.
    pub token_url: Option<String>,
}

/// Reads `[…microsoft]`: `key` is where the table is (for problems).
pub(super) fn read_microsoft(
    file: &str,
    key: &str,
    owner: &str,
    mut table: toml::Table,
    problems: &mut Problems,
) -> Option<MicrosoftApp> {
    let mut ok = true;
    let mut text = |name: &str, problems: &mut Problems| -> Option<String> {
        match table.remove(name) {
            None => None,
            Some(toml::Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(other) => {
                problems.error(
                    file,
                    format!("{key}.{name}"),
                    format!("{owner}: must be a non-empty string, not {other}"),
                );
                ok = false;
                None
            }
        }
    };
    let tenant = text("tenant", problems);
    let client_id = text("client_id", problems);
    let secret_file = text("client_secret_file", problems);
    let certificate = text("certificate_file", problems);
    let private_key = text("private_key_file", problems);
    let scope = text("scope", problems);
    let token_url = text("token_url", problems);
    let expires = match table.remove("client_secret_expires") {
        None => None,
        Some(value) => match read_date(&value) {
            Some(date) => Some(date),
            None => {
                problems.error(
                    file,
                    format!("{key}.client_secret_expires"),
                    format!(
                        "{owner}: `{value}` is not a date such as 2027-06-30 (the secret's \
                         Expires date in the app registration's Certificates & secrets)"
                    ),
                );
                ok = false;
                None
            }
        },
    };
    unknown_keys(
        file,
        key,
        owner,
        &table,
        &[
            "tenant",
            "client_id",
            "client_secret_file",
            "client_secret_expires",
            "certificate_file",
            "private_key_file",
            "scope",
            "token_url",
        ],
        problems,
    );
    ok &= table.is_empty();
    for (name, value) in [("tenant", &tenant), ("client_id", &client_id)] {
        if value.is_none() && ok {
            problems.error(
                file,
                format!("{key}.{name}"),
                format!("{owner}: {name} is missing"),
            );
            ok = false;
        }
    }
    // The deployment guide's blocks hold `<Directory (tenant) ID>` and the
    // like; copied unchanged they would be accepted and fail only at the
    // first sign-in. No tenant ID, domain or client ID has `<`, `>` or a space.
    for (name, value, what) in [
        (
            "tenant",
            &tenant,
            "the app registration's Directory (tenant) ID, or the council's domain",
        ),
        (
            "client_id",
            &client_id,
            "the app registration's Application (client) ID",
        ),
    ] {
        if let Some(value) = value {
            if value.contains(['<', '>']) || value.contains(char::is_whitespace) {
                problems.error(
                    file,
                    format!("{key}.{name}"),
                    format!("{owner}: `{value}` is a placeholder, not an ID: put {what} here"),
                );
                ok = false;
            }
        }
    }
    let credential = match (secret_file, certificate) {
        (Some(path), None) => {
            if private_key.is_some() {
                problems.error(
                    file,
                    format!("{key}.private_key_file"),
                    format!("{owner}: private_key_file goes with certificate_file, not with a client secret"),
                );
                ok = false;
            }
            Some(AppCredential::Secret {
                file: PathBuf::from(path),
                expires,
            })
        }
        (None, Some(path)) => {
            if expires.is_some() {
                problems.error(
                    file,
                    format!("{key}.client_secret_expires"),
                    format!("{owner}: a certificate's expiry is read from the certificate; client_secret_expires is for a client secret"),
                );
                ok = false;
            }
            Some(AppCredential::Certificate {
                certificate: PathBuf::from(path),
                private_key: private_key.map(PathBuf::from),
            })
        }
        (Some(_), Some(_)) => {
            problems.error(
                file,
                key,
                format!("{owner}: give either client_secret_file or certificate_file, not both"),
            );
            None
        }
        (None, None) => {
            problems.error(
                file,
                key,
                format!(
                    "{owner}: give client_secret_file (a file holding the client secret) or \
                     certificate_file (a PEM file with the certificate uploaded to the app \
                     registration, and its private key)"
                ),
            );
            None
        }
    };
    if let Some(url) = &token_url {
        check_token_url(file, &format!("{key}.token_url"), owner, url, problems);
    }
    let (tenant, client_id, credential) = (tenant?, client_id?, credential?);
    ok.then(|| MicrosoftApp {
        token_url: token_url.unwrap_or_else(|| microsoft_token_url(&tenant)),
        scope: scope.unwrap_or_else(|| MICROSOFT_SCOPE.to_string()),
        tenant,
        client_id,
        credential,
    })
}

/// Reads `[…google]`; the subject is the login's username unless given.
pub(super) fn read_google(
    file: &str,
    key: &str,
    owner: &str,
    username: &str,
    mut table: toml::Table,
    problems: &mut Problems,
) -> Option<GoogleServiceAccount> {
    let mut ok = true;
    let mut text = |name: &str, problems: &mut Problems| -> Option<String> {
        match table.remove(name) {
            None => None,
            Some(toml::Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(other) => {
                problems.error(
                    file,
                    format!("{key}.{name}"),
                    format!("{owner}: must be a non-empty string, not {other}"),
                );
                ok = false;
                None
            }
        }
    };
    let key_file = text("service_account_file", problems);
    let subject = text("subject", problems);
    let scope = text("scope", problems);
    let token_url = text("token_url", problems);
    unknown_keys(
        file,
        key,
        owner,
        &table,
        &["service_account_file", "subject", "scope", "token_url"],
        problems,
    );
    ok &= table.is_empty();
    if key_file.is_none() && ok {
        problems.error(
            file,
            format!("{key}.service_account_file"),
            format!("{owner}: service_account_file (the service account's JSON key) is missing"),
        );
    }
    if let Some(url) = &token_url {
        check_token_url(file, &format!("{key}.token_url"), owner, url, problems);
    }
    let key_file = key_file?;
    ok.then(|| GoogleServiceAccount {
        key_file: PathBuf::from(key_file),
        subject: subject.unwrap_or_else(|| username.to_string()),
        scope: scope.unwrap_or_else(|| GOOGLE_SCOPE.to_string()),
        token_url,
    })
}

/// A token endpoint must be HTTPS, or plain HTTP on this machine (a test
/// endpoint): the client secret and the tokens travel on it.
fn check_token_url(file: &str, key: &str, owner: &str, url: &str, problems: &mut Problems) {
    let loopback = [
        "http://127.",
        "http://localhost:",
        "http://localhost/",
        "http://[::1]",
    ];
    if url.starts_with("https://") {
        return;
    }
    if loopback.iter().any(|l| url.starts_with(l)) {
        problems.warn(
            file,
            key,
            format!("{owner}: {url} is plain HTTP: only for a test endpoint on this machine"),
        );
    } else {
        problems.error(
            file,
            key,
            format!("{owner}: `{url}` is not an https:// URL (plain http:// only on this machine)"),
        );
    }
}

/// A TOML date (`2027-06-30`) or a string holding one.
fn read_date(value: &toml::Value) -> Option<chrono::NaiveDate> {
    let text = match value {
        toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => d.to_string(),
        toml::Value::String(s) => s.trim().to_string(),
        _ => return None,
    };
    chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok()
}

/// Every key of `table` not in `known` is an error of its own.
pub(super) fn unknown_keys(
    file: &str,
    key: &str,
    owner: &str,
    table: &toml::Table,
    known: &[&str],
    problems: &mut Problems,
) {
    for name in table.keys() {
        let hint = known
            .iter()
            .find(|k| super::checks::edit_distance(k, name) <= 2)
            .map(|k| format!(" (did you mean {k}?)"))
            .unwrap_or_default();
        problems.error(
            file,
            format!("{key}.{name}"),
            format!(
                "{owner}: unknown key `{name}`{hint}; expected one of {}",
                known.join(", ")
            ),
        );
    }
}
