//! Access tokens the gateway fetches itself: Microsoft Entra's
//! client-credentials grant (a client secret or a certificate) and a Google
//! service account with domain-wide delegation. A token is kept until
//! shortly before it expires and shared by every login with the same
//! credentials; a token the server refused is fetched anew. Tokens and
//! secrets are never logged, nor put in an error.

mod advice;
mod http;
mod jwt;

pub use advice::login_advice;

use crate::config::{AppCredential, Credentials, GoogleServiceAccount, MicrosoftApp};
use oauth2::basic::{BasicClient, BasicErrorResponse, BasicTokenResponse};
use oauth2::{AuthType, ClientId, ClientSecret, Scope, TokenResponse, TokenUrl};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A token is renewed this long before it expires at most (a fifth of its
/// life for short-lived ones), so a session opened with it can be opened
/// again with the next one before the server ends it.
const RENEW_BEFORE: Duration = Duration::from_secs(5 * 60);
/// What a token lives when the answer does not say.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// The longest a fetched token is kept, whatever its endpoint says.
const LONGEST_LIFETIME: Duration = Duration::from_secs(24 * 3600);

const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("cannot use the {what} in {path}: {message}")]
    Credential {
        what: &'static str,
        path: String,
        message: String,
    },
    #[error("the {what} in {path} expired on {on}: {advice}")]
    Expired {
        what: &'static str,
        path: String,
        on: chrono::NaiveDate,
        advice: &'static str,
    },
    #[error("cannot reach the token endpoint {url}: {message}")]
    Unreachable { url: String, message: String },
    #[error("{provider} refused the sign-in ({said}): {advice}")]
    Refused {
        provider: &'static str,
        said: String,
        advice: String,
    },
    #[error("the token endpoint {url} answered without a usable token ({message})")]
    Garbled { url: String, message: String },
}

/// A token fetched, and when to renew it.
#[derive(Clone)]
pub struct Token {
    pub value: String,
    /// When a session opened with it should sign in again.
    pub renew_at: Instant,
}

struct Cached {
    token: Token,
}

/// Tokens by the credentials that fetched them.
static TOKENS: LazyLock<Mutex<HashMap<Credentials, Cached>>> = LazyLock::new(Default::default);
/// One fetch at a time per credentials: folders of one mailbox starting
/// together share the first.
static FETCHING: LazyLock<Mutex<HashMap<Credentials, Arc<tokio::sync::Mutex<()>>>>> =
    LazyLock::new(Default::default);

fn cached(credentials: &Credentials) -> Option<Token> {
    let tokens = TOKENS.lock().unwrap_or_else(PoisonError::into_inner);
    tokens
        .get(credentials)
        .filter(|c| Instant::now() < c.token.renew_at)
        .map(|c| c.token.clone())
}

/// A token for `credentials` (Microsoft or Google): the one kept, or a new
/// one when it is due for renewal.
pub async fn token(credentials: &Credentials) -> Result<Token, OAuthError> {
    if let Some(token) = cached(credentials) {
        return Ok(token);
    }
    let turn = {
        let mut fetching = FETCHING.lock().unwrap_or_else(PoisonError::into_inner);
        fetching.entry(credentials.clone()).or_default().clone()
    };
    let _turn = turn.lock().await;
    if let Some(token) = cached(credentials) {
        return Ok(token);
    }
    let (value, lifetime) = match credentials {
        Credentials::Microsoft(app) => microsoft(app).await?,
        Credentials::Google(account) => google(account).await?,
        _ => {
            return Err(OAuthError::Garbled {
                url: String::new(),
                message: "not a Microsoft or Google sign-in".into(),
            })
        }
    };
    let token = Token {
        value,
        renew_at: renew_at(Instant::now(), lifetime),
    };
    TOKENS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(
            credentials.clone(),
            Cached {
                token: token.clone(),
            },
        );
    Ok(token)
}

/// When a token fetched `now` and said to last `lifetime` is fetched
/// again. A lifetime no endpoint should give (`expires_in` of 2^64
/// seconds) counts as a day: no clock overflows.
fn renew_at(now: Instant, lifetime: Duration) -> Instant {
    let lifetime = lifetime.min(LONGEST_LIFETIME);
    now + lifetime.saturating_sub(renew_before(lifetime))
}

/// How long before its end a token of this lifetime is renewed.
pub fn renew_before(lifetime: Duration) -> Duration {
    RENEW_BEFORE.min(lifetime / 5)
}

/// The server refused `value`: the next login fetches a new token (unless
/// another login already has).
pub fn refused(credentials: &Credentials, value: &str) {
    let mut tokens = TOKENS.lock().unwrap_or_else(PoisonError::into_inner);
    if tokens
        .get(credentials)
        .is_some_and(|c| c.token.value == value)
    {
        tokens.remove(credentials);
    }
}

/// The server said the token expired: whatever is kept goes.
pub fn forget(credentials: &Credentials) {
    TOKENS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(credentials);
}

async fn microsoft(app: &MicrosoftApp) -> Result<(String, Duration), OAuthError> {
    let url = app.token_url.clone();
    let token_url = TokenUrl::new(url.clone()).map_err(|e| OAuthError::Garbled {
        url: url.clone(),
        message: e.to_string(),
    })?;
    let mut client = BasicClient::new(ClientId::new(app.client_id.clone()))
        .set_auth_type(AuthType::RequestBody)
        .set_token_uri(token_url);
    let mut assertion = None;
    match &app.credential {
        AppCredential::Secret { file, .. } => {
            let secret = crate::secret::read_secret_text(file).await.map_err(|e| {
                OAuthError::Credential {
                    what: "client secret",
                    path: file.display().to_string(),
                    message: e.to_string(),
                }
            })?;
            let secret = secret.trim().to_string();
            if secret.is_empty() {
                return Err(OAuthError::Credential {
                    what: "client secret",
                    path: file.display().to_string(),
                    message: "the file is empty".into(),
                });
            }
            client = client.set_client_secret(ClientSecret::new(secret));
        }
        AppCredential::Certificate {
            certificate,
            private_key,
        } => {
            assertion = Some(
                jwt::microsoft_assertion(&app.client_id, &url, certificate, private_key.as_deref())
                    .await?,
            );
        }
    }
    let mut request = client
        .exchange_client_credentials()
        .add_scope(Scope::new(app.scope.clone()));
    if let Some(assertion) = assertion {
        request = request
            .add_extra_param("client_assertion_type", CLIENT_ASSERTION_TYPE)
            .add_extra_param("client_assertion", assertion);
    }
    let send = |r| http::send(r);
    match request.request_async(&send).await {
        Ok(answer) => Ok((
            answer.access_token().secret().clone(),
            answer.expires_in().unwrap_or(DEFAULT_LIFETIME),
        )),
        Err(oauth2::RequestTokenError::ServerResponse(refusal)) => Err(refused_by(
            "Microsoft",
            &refusal,
            advice::microsoft(&refusal, app),
        )),
        Err(oauth2::RequestTokenError::Request(e)) => Err(OAuthError::Unreachable {
            url,
            message: e.to_string(),
        }),
        // Neither the body (it could hold a token) nor the parser's words
        // about it are shown.
        Err(oauth2::RequestTokenError::Parse(..)) => Err(OAuthError::Garbled {
            url,
            message: "the answer is not a token or an OAuth error".into(),
        }),
        Err(oauth2::RequestTokenError::Other(message)) => Err(OAuthError::Garbled { url, message }),
    }
}

fn refused_by(provider: &'static str, refusal: &BasicErrorResponse, advice: String) -> OAuthError {
    // Microsoft's description ends with trace and correlation IDs and a
    // time, on lines of their own: the first line says it.
    // What the endpoint wrote reaches the log and `status`: one line, no
    // control characters (a terminal's escapes), a few hundred at most.
    let shown = |text: &str, most: usize| -> String {
        text.lines()
            .next()
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
            .take(most)
            .collect()
    };
    let description = refusal
        .error_description()
        .map(|d| shown(d, 300))
        .unwrap_or_default();
    let error = shown(refusal.error().as_ref(), 100);
    let said = if description.is_empty() {
        error
    } else {
        format!("{error}: {description}")
    };
    OAuthError::Refused {
        provider,
        said,
        advice,
    }
}

/// The fields of a service account's JSON key that the grant needs.
#[derive(serde::Deserialize)]
struct ServiceAccountKey {
    client_email: String,
    private_key: String,
    private_key_id: Option<String>,
    token_uri: Option<String>,
}

async fn google(account: &GoogleServiceAccount) -> Result<(String, Duration), OAuthError> {
    let path = account.key_file.display().to_string();
    let unusable = |message: String| OAuthError::Credential {
        what: "service account key",
        path: path.clone(),
        message,
    };
    let text = crate::secret::read_secret_file(&account.key_file)
        .await
        .map_err(|e| unusable(e.to_string()))?;
    // serde_json's message quotes no value, only where it failed.
    let key: ServiceAccountKey = serde_json::from_slice(&text)
        .map_err(|e| unusable(format!("not a service account's JSON key: {e}")))?;
    let url = account
        .token_url
        .clone()
        .or(key.token_uri.clone())
        .unwrap_or_else(|| crate::config::GOOGLE_TOKEN_URL.to_string());
    // The key file's own endpoint is checked as the configuration's is:
    // the signed assertion travels to it.
    crate::config::token_endpoint(&url).map_err(|why| unusable(format!("its token_uri: {why}")))?;
    let signing = jwt::signing_key(key.private_key.as_bytes()).map_err(unusable)?;
    let assertion = jwt::google_assertion(
        &signing,
        key.private_key_id.as_deref(),
        &key.client_email,
        &account.subject,
        &account.scope,
        &url,
    )
    .map_err(unusable)?;
    let body = oauth2::url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", JWT_BEARER_GRANT)
        .append_pair("assertion", &assertion)
        .finish();
    let request = oauth2::http::Request::post(&url)
        .header(
            oauth2::http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(oauth2::http::header::ACCEPT, "application/json")
        .body(body.into_bytes())
        .map_err(|e| OAuthError::Garbled {
            url: url.clone(),
            message: e.to_string(),
        })?;
    let answer = http::send(request)
        .await
        .map_err(|e| OAuthError::Unreachable {
            url: url.clone(),
            message: e.to_string(),
        })?;
    if answer.status().is_success() {
        let token: BasicTokenResponse =
            serde_json::from_slice(answer.body()).map_err(|_| OAuthError::Garbled {
                url: url.clone(),
                message: "the answer is not a token".into(),
            })?;
        return Ok((
            token.access_token().secret().clone(),
            token.expires_in().unwrap_or(DEFAULT_LIFETIME),
        ));
    }
    match serde_json::from_slice::<BasicErrorResponse>(answer.body()) {
        Ok(refusal) => Err(refused_by(
            "Google",
            &refusal,
            advice::google(&refusal, &key.client_email, account),
        )),
        Err(_) => Err(OAuthError::Garbled {
            url,
            message: format!("HTTP status {}", answer.status()),
        }),
    }
}

/// A client secret or certificate with an end date, and that date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expiry {
    /// `client secret` or `certificate`.
    pub what: &'static str,
    /// The file it is in.
    pub path: String,
    pub on: chrono::NaiveDate,
}

/// When the secret or certificate of `credentials` expires, if it says:
/// the configured `client_secret_expires`, or the certificate's own date.
/// A certificate that cannot be read is an error (its sign-in will fail).
pub fn expiry(credentials: &Credentials) -> Result<Option<Expiry>, String> {
    let Credentials::Microsoft(app) = credentials else {
        return Ok(None);
    };
    match &app.credential {
        AppCredential::Secret { file, expires } => Ok(expires.map(|on| Expiry {
            what: "client secret",
            path: file.display().to_string(),
            on,
        })),
        AppCredential::Certificate { certificate, .. } => {
            let path = certificate.display().to_string();
            if let Some(problem) = crate::secret::secret_file_problem(certificate) {
                return Err(problem);
            }
            let pem = std::fs::read(certificate).map_err(|e| format!("{path}: {e}"))?;
            let der = jwt::certificate_der(&pem).map_err(|e| format!("{path}: {e}"))?;
            let end = jwt::not_after(&der).map_err(|e| format!("{path}: {e}"))?;
            Ok(Some(Expiry {
                what: "certificate",
                path,
                on: end.date_naive(),
            }))
        }
    }
}

/// Warn this many days before a secret or certificate expires.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// Every login of the configuration whose secret or certificate expires
/// within [`EXPIRY_WARNING_DAYS`] of `today` (or has expired, or cannot be
/// read): who uses it, and what to say.
pub fn expiring(config: &crate::config::Config, today: chrono::NaiveDate) -> Vec<(String, String)> {
    let mut logins: Vec<(String, &Credentials)> = Vec::new();
    for mailbox in &config.mailboxes {
        if let crate::config::Source::Imap(imap) = &mailbox.source {
            logins.push((format!("mailbox {}", mailbox.name), &imap.credentials));
        }
    }
    if let crate::config::Transport::Smtp(smtp) = &config.outgoing.transport {
        if let Some((_, credentials)) = &smtp.login {
            logins.push(("outgoing mail".to_string(), credentials));
        }
    }
    let mut said: Vec<(String, String)> = Vec::new();
    let mut seen: Vec<Expiry> = Vec::new();
    for (who, credentials) in logins {
        let text = match expiry(credentials) {
            Ok(None) => continue,
            Err(message) => format!("the certificate cannot be read: {message}"),
            Ok(Some(expiry)) => {
                let days = (expiry.on - today).num_days();
                if days > EXPIRY_WARNING_DAYS {
                    continue;
                }
                let renew = match expiry.what {
                    "certificate" => "upload a new certificate to the app registration (Certificates & secrets) and put it in certificate_file",
                    _ => "add a new client secret to the app registration (Certificates & secrets), put its value in client_secret_file and its date in client_secret_expires",
                };
                let when = match days {
                    d if d < 0 => format!("expired on {}", expiry.on),
                    0 => "expires today".to_string(),
                    1 => format!("expires tomorrow ({})", expiry.on),
                    d => format!("expires in {d} days ({})", expiry.on),
                };
                let again = seen.contains(&expiry);
                seen.push(expiry.clone());
                if again {
                    format!("the {} in {} {when} (see above)", expiry.what, expiry.path)
                } else {
                    format!("the {} in {} {when}: {renew}", expiry.what, expiry.path)
                }
            }
        };
        said.push((who, text));
    }
    said
}

/// Logs, at start and then daily, every secret or certificate that
/// expires within [`EXPIRY_WARNING_DAYS`], until shutdown.
pub async fn warn_of_expiry(
    config: Arc<crate::config::Config>,
    mut shutdown: crate::shutdown::Shutdown,
) {
    loop {
        let today = crate::core::uk::date(chrono::Utc::now());
        for (login, text) in expiring(&config, today) {
            tracing::warn!(%login, "{text}");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(24 * 3600)) => {}
            _ = shutdown.wait() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_refusing_endpoint_writes_is_shown_on_one_line_without_escapes() {
        use oauth2::basic::{BasicErrorResponse, BasicErrorResponseType};
        let refusal = BasicErrorResponse::new(
            BasicErrorResponseType::Extension(format!("\u{1b}[2Jbad\nline{}", "x".repeat(5000))),
            Some("\u{1b}]0;title\u{7}no".into()),
            None,
        );
        let OAuthError::Refused { said, .. } = refused_by("Microsoft", &refusal, String::new())
        else {
            panic!("a refusal")
        };
        assert!(!said.chars().any(char::is_control), "{said:?}");
        assert!(said.len() < 500, "{}", said.len());
        assert!(said.starts_with("[2Jbad"), "{said}");
    }

    #[test]
    fn an_endless_lifetime_from_the_endpoint_is_a_day_and_never_overflows() {
        let now = Instant::now();
        for seconds in [u64::MAX, i64::MAX as u64, 10 * 365 * 24 * 3600] {
            let at = renew_at(now, Duration::from_secs(seconds));
            assert_eq!(at - now, Duration::from_secs(24 * 3600 - 5 * 60));
        }
        assert_eq!(
            renew_at(now, Duration::from_secs(3600)) - now,
            Duration::from_secs(3600 - 5 * 60)
        );
    }

    #[test]
    fn tokens_are_renewed_five_minutes_before_they_expire_or_sooner_for_short_ones() {
        assert_eq!(
            renew_before(Duration::from_secs(3599)),
            Duration::from_secs(300)
        );
        assert_eq!(
            renew_before(Duration::from_secs(20)),
            Duration::from_secs(4)
        );
    }
}
