//! The secrets logins use (IMAP and SMTP alike): read from where the
//! configuration says, when they are needed, and never logged or stored.
//! Tokens of Microsoft 365 and Google sign-ins come from [`crate::oauth`],
//! kept until shortly before they expire.

use crate::config::Credentials;
use std::time::{Duration, Instant};

/// How long a token command may take.
const TOKEN_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read the password: {0}")]
    Password(String),
    #[error("no access token: {0}")]
    Token(String),
    #[error(transparent)]
    SignIn(#[from] crate::oauth::OAuthError),
}

/// The secret a login uses, fetched when needed and never logged.
pub enum Secret {
    Password(String),
    /// An access token, and when a session opened with it should sign in
    /// again, before the token expires (when that is known).
    Token {
        token: String,
        renew_at: Option<Instant>,
    },
}

/// A token from a command or a file: when it expires is known if it is a
/// JWT (Microsoft's are) with an `exp` claim.
fn outside_token(token: String) -> Secret {
    let renew_at = jwt_expiry(&token)
        .map(|left| Instant::now() + left.saturating_sub(crate::oauth::renew_before(left)));
    Secret::Token { token, renew_at }
}

/// How long a JWT has left, read from its `exp` claim (not verified: only
/// to know when to sign in again).
fn jwt_expiry(token: &str) -> Option<Duration> {
    use base64::Engine;
    let claims = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(claims.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let exp = claims.get("exp")?.as_i64()?;
    let left = exp - chrono::Utc::now().timestamp();
    u64::try_from(left).ok().map(Duration::from_secs)
}

/// The server refused `secret`: a token the gateway fetched itself is
/// fetched anew at the next login.
pub fn refused(credentials: &Credentials, secret: &Secret) {
    if let Secret::Token { token, .. } = secret {
        crate::oauth::refused(credentials, token);
    }
}

/// The server said the session's token expired: the next login fetches a
/// new one.
pub fn expired(credentials: &Credentials) {
    crate::oauth::forget(credentials);
}

pub async fn fetch(credentials: &Credentials) -> Result<Secret, SecretError> {
    match credentials {
        Credentials::Microsoft(_) | Credentials::Google(_) => {
            let token = crate::oauth::token(credentials).await?;
            Ok(Secret::Token {
                token: token.value,
                renew_at: Some(token.renew_at),
            })
        }
        Credentials::PasswordEnv(name) => std::env::var(name)
            .map(Secret::Password)
            .map_err(|_| SecretError::Password(format!("environment variable {name} is not set"))),
        Credentials::PasswordFile(path) => tokio::fs::read_to_string(path)
            .await
            .map(|p| Secret::Password(p.trim_end_matches(['\r', '\n']).to_string()))
            .map_err(|e| SecretError::Password(format!("{}: {e}", path.display()))),
        Credentials::TokenFile(path) => tokio::fs::read_to_string(path)
            .await
            .map(|t| outside_token(t.trim().to_string()))
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
            Ok(outside_token(token))
        }
    }
}

/// A secret that is not where the configuration says, found without using
/// it: the key that names it (after the section's, `password_env`,
/// `microsoft.certificate_file`) and what is wrong. A variable not set or a
/// file missing is a mistake in the configuration that waiting does not
/// mend. A token command, a token file another tool writes, and a sign-in
/// are known only when used.
pub fn missing(credentials: &Credentials) -> Option<(&'static str, String)> {
    use crate::config::AppCredential;
    let mut files: Vec<(&'static str, &std::path::Path)> = Vec::new();
    match credentials {
        Credentials::PasswordEnv(name) => {
            if std::env::var_os(name).is_none() {
                return Some((
                    "password_env",
                    format!("the environment variable {name} is not set"),
                ));
            }
        }
        Credentials::PasswordFile(path) => files.push(("password_file", path)),
        Credentials::TokenFile(_) | Credentials::TokenCommand(_) => {}
        Credentials::Microsoft(app) => match &app.credential {
            AppCredential::Secret { file, .. } => {
                files.push(("microsoft.client_secret_file", file))
            }
            AppCredential::Certificate {
                certificate,
                private_key,
            } => {
                files.push(("microsoft.certificate_file", certificate));
                if let Some(key) = private_key {
                    files.push(("microsoft.private_key_file", key));
                }
            }
        },
        Credentials::Google(account) => {
            files.push(("google.service_account_file", &account.key_file))
        }
    }
    files.into_iter().find_map(|(key, path)| {
        std::fs::File::open(path)
            .err()
            .map(|e| (key, format!("cannot read {}: {e}", path.display())))
    })
}

impl Secret {
    /// The password or token itself, to hand to a login; never to a log.
    pub fn expose(&self) -> &str {
        match self {
            Secret::Password(s) | Secret::Token { token: s, .. } => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jwt_token_says_when_it_expires_and_an_opaque_one_does_not() {
        use base64::Engine;
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let exp = chrono::Utc::now().timestamp() + 3600;
        let jwt = format!(
            "{}.{}.signature",
            b64(r#"{"alg":"RS256"}"#),
            b64(&format!(
                r#"{{"aud":"https://outlook.office365.com","exp":{exp}}}"#
            ))
        );
        let left = jwt_expiry(&jwt).expect("an expiry");
        assert!(left > Duration::from_secs(3590) && left <= Duration::from_secs(3600));
        assert!(jwt_expiry("ya29.a0AfH6SM-opaque").is_none());
        let Secret::Token { renew_at, .. } = outside_token(jwt) else {
            panic!("a token");
        };
        let renew_in = renew_at.expect("renewed") - Instant::now();
        assert!(renew_in > Duration::from_secs(3280) && renew_in <= Duration::from_secs(3300));
    }
}
