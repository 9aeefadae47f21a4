//! The secrets logins use (IMAP and SMTP alike): read from where the
//! configuration says, when they are needed, and never logged or stored.

use crate::config::Credentials;
use std::time::Duration;

/// How long a token command may take.
const TOKEN_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read the password: {0}")]
    Password(String),
    #[error("no access token: {0}")]
    Token(String),
}

/// The secret a login uses, fetched when needed and never logged.
pub enum Secret {
    Password(String),
    Token(String),
}

pub async fn fetch(credentials: &Credentials) -> Result<Secret, SecretError> {
    match credentials {
        Credentials::PasswordEnv(name) => std::env::var(name)
            .map(Secret::Password)
            .map_err(|_| SecretError::Password(format!("environment variable {name} is not set"))),
        Credentials::PasswordFile(path) => tokio::fs::read_to_string(path)
            .await
            .map(|p| Secret::Password(p.trim_end_matches(['\r', '\n']).to_string()))
            .map_err(|e| SecretError::Password(format!("{}: {e}", path.display()))),
        Credentials::TokenFile(path) => tokio::fs::read_to_string(path)
            .await
            .map(|t| Secret::Token(t.trim().to_string()))
            .map_err(|e| {
                SecretError::Token(format!("cannot read token file {}: {e}", path.display()))
            }),
        Credentials::TokenCommand(command) => {
            let run = tokio::process::Command::new("sh")
                .arg("-c")
                .arg(command)
                .kill_on_drop(true)
                .output();
            let output = tokio::time::timeout(TOKEN_TIMEOUT, run)
                .await
                .map_err(|_| {
                    SecretError::Token(format!(
                        "token_command did not finish within {} s",
                        TOKEN_TIMEOUT.as_secs()
                    ))
                })?
                .map_err(|e| SecretError::Token(format!("cannot run token_command: {e}")))?;
            // Its output is the token: never quote it, or its errors, in a message.
            if !output.status.success() {
                return Err(SecretError::Token(format!(
                    "token_command failed ({}); run it by hand to see why, then renew the mailbox's consent or credentials",
                    output.status
                )));
            }
            let token = String::from_utf8_lossy(&output.stdout).trim().to_string();
            if token.is_empty() {
                return Err(SecretError::Token("token_command printed nothing".into()));
            }
            Ok(Secret::Token(token))
        }
    }
}

impl Secret {
    /// The password or token itself, to hand to a login; never to a log.
    pub fn expose(&self) -> &str {
        match self {
            Secret::Password(s) | Secret::Token(s) => s,
        }
    }
}
