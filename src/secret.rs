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
        Credentials::PasswordFile(path) => read_secret_text(path)
            .await
            .map(|p| Secret::Password(p.trim_end_matches(['\r', '\n']).to_string()))
            .map_err(|e| SecretError::Password(format!("{}: {e}", path.display()))),
        Credentials::TokenFile(path) => read_secret_text(path)
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

/// The most a secret file (a password, a key, a certificate chain) holds.
const LARGEST_SECRET_FILE: u64 = 1024 * 1024;

/// Why a secret file cannot be read as one, without opening it: a pipe
/// would hang the reader, a device or a folder is no file, and something
/// larger than any key would be read to no end.
pub fn secret_file_problem(path: &std::path::Path) -> Option<String> {
    match std::fs::metadata(path) {
        Err(e) => Some(format!("cannot read {}: {e}", path.display())),
        Ok(m) if !m.is_file() => Some(format!("{} is not a regular file", path.display())),
        Ok(m) if m.len() > LARGEST_SECRET_FILE => Some(format!(
            "{} is larger than a secret file ({} bytes)",
            path.display(),
            m.len()
        )),
        Ok(_) => None,
    }
}

/// Reads a secret file, once [`secret_file_problem`] finds nothing wrong.
pub async fn read_secret_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    if let Some(problem) = secret_file_problem(path) {
        return Err(std::io::Error::other(problem));
    }
    tokio::fs::read(path).await
}

/// [`read_secret_file`] as text.
pub async fn read_secret_text(path: &std::path::Path) -> std::io::Result<String> {
    String::from_utf8(read_secret_file(path).await?)
        .map_err(|_| std::io::Error::other(format!("{} is not text", path.display())))
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
        if let Some(problem) = secret_file_problem(path) {
            return Some((key, problem));
        }
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
    fn a_pipe_a_device_or_a_folder_is_no_secret_file_and_is_never_opened() {
        let dir = std::env::temp_dir().join(format!("dtr-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("folder");
        let fifo = dir.join("pipe");
        let c_path = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).expect("path");
        // SAFETY: mkfifo with a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
        let file = dir.join("password");
        std::fs::write(&file, "s3cret\n").expect("file");
        for (path, want) in [
            (fifo.as_path(), "is not a regular file"),
            (std::path::Path::new("/dev/zero"), "is not a regular file"),
            (dir.as_path(), "is not a regular file"),
            (std::path::Path::new("/nonexistent/key.pem"), "cannot read"),
        ] {
            let problem = secret_file_problem(path).expect("a problem");
            assert!(problem.contains(want), "{path:?}: {problem}");
            let (key, why) = missing(&Credentials::PasswordFile(path.to_path_buf()))
                .expect("reported as missing");
            assert_eq!(key, "password_file");
            assert!(why.contains(want), "{why}");
        }
        assert_eq!(secret_file_problem(&file), None);
        assert_eq!(missing(&Credentials::PasswordFile(file.clone())), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

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
