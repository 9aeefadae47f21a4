//! A stand-in for Microsoft Entra's and Google's token endpoints, and the
//! introspection endpoint the test Dovecot asks about XOAUTH2 logins, on
//! 127.0.0.1 at `DTR_OAUTH_PORT` (see scripts/mailservers.sh). It checks
//! each token request as Microsoft's v2.0 endpoint documents it (form
//! fields, client secret or a PS256/RS256 client assertion signed by the
//! registered certificate, audience, issuer, times) and Google's
//! service-account grant, answers in their formats, and keeps every token
//! it issued: Dovecot's question "is this token good for this user" is
//! answered from them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub const MICROSOFT_SCOPE: &str = "https://outlook.office365.com/.default";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// An app registration in a tenant, with the one mailbox it may open.
#[derive(Clone)]
pub struct App {
    pub client_id: String,
    pub secret: Option<String>,
    /// The certificate's DER, when it signs in with one.
    pub certificate: Option<Vec<u8>>,
    pub mailbox: String,
}

/// A service account: its key's public half (PKCS#1 DER) and its email.
#[derive(Clone)]
pub struct ServiceAccount {
    pub public_key: Vec<u8>,
    pub subjects: Vec<String>,
}

struct Issued {
    username: String,
    expires: Instant,
    revoked: bool,
}

/// A form's fields, in order.
pub type Form = Vec<(String, String)>;

#[derive(Default)]
pub struct Provider {
    apps: HashMap<String, App>,
    accounts: HashMap<String, ServiceAccount>,
    tokens: HashMap<String, Issued>,
    lifetime: HashMap<String, u64>,
    /// Each token request: (tenant or "google", form fields with any
    /// secret left out, the answer's status).
    pub requests: Vec<(String, Form, u16)>,
    /// Each introspection: (token's user or "-", whether it was good).
    pub introspections: Vec<(String, bool)>,
    next: u64,
}

pub struct Identity {
    pub port: u16,
    state: Arc<Mutex<Provider>>,
}

/// The provider of this test binary, started once.
pub fn identity() -> &'static Identity {
    static IDENTITY: OnceLock<Identity> = OnceLock::new();
    IDENTITY.get_or_init(|| {
        let port = super::mail_servers().port("DTR_OAUTH_PORT");
        let state = Arc::new(Mutex::new(Provider::default()));
        let shared = state.clone();
        let (ready, wait) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let app = Router::new()
                    .route("/{tenant}/oauth2/v2.0/token", post(microsoft))
                    .route("/google/token", post(google))
                    .route("/introspect", post(introspect))
                    .with_state(shared);
                let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                    .await
                    .expect("the introspection port is free");
                ready.send(()).expect("ready");
                axum::serve(listener, app).await.expect("serve");
            });
        });
        wait.recv().expect("the identity provider started");
        Identity { port, state }
    })
}

impl Identity {
    pub fn lock(&self) -> std::sync::MutexGuard<'_, Provider> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn register(&self, tenant: &str, app: App) {
        self.lock().apps.insert(tenant.to_string(), app);
    }

    pub fn register_account(&self, email: &str, account: ServiceAccount) {
        self.lock().accounts.insert(email.to_string(), account);
    }

    /// Tokens of `tenant` live this long (default 3599 s).
    pub fn set_lifetime(&self, tenant: &str, seconds: u64) {
        self.lock().lifetime.insert(tenant.to_string(), seconds);
    }

    /// The token endpoint of a tenant.
    pub fn token_url(&self, tenant: &str) -> String {
        format!("http://127.0.0.1:{}/{tenant}/oauth2/v2.0/token", self.port)
    }

    pub fn google_url(&self) -> String {
        format!("http://127.0.0.1:{}/google/token", self.port)
    }

    /// Every token issued for `user` so far is refused from now on.
    pub fn revoke(&self, user: &str) {
        for issued in self.lock().tokens.values_mut() {
            if issued.username == user {
                issued.revoked = true;
            }
        }
    }

    /// Tokens issued for `user`.
    pub fn issued(&self, user: &str) -> usize {
        self.lock()
            .tokens
            .values()
            .filter(|t| t.username == user)
            .count()
    }

    /// Logins Dovecot asked about for `user`, and how many were good.
    pub fn logins(&self, user: &str) -> (usize, usize) {
        let p = self.lock();
        let asked = p.introspections.iter().filter(|(u, _)| u == user);
        let good = asked.clone().filter(|(_, ok)| *ok).count();
        (asked.count(), good)
    }
}

type Shared = State<Arc<Mutex<Provider>>>;

fn form(body: &str) -> Vec<(String, String)> {
    oauth2::url::form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Microsoft's error answer: the AADSTS code first in the description,
/// then trace lines, as Entra writes them.
fn entra_error(
    status: StatusCode,
    error: &str,
    code: u32,
    text: &str,
) -> (StatusCode, Json<Value>) {
    (
        status,
        Json(json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {text}\r\nTrace ID: 0000\r\nCorrelation ID: 1111\r\nTimestamp: 2026-12-01 10:00:00Z"),
            "error_codes": [code],
            "timestamp": "2026-12-01 10:00:00Z",
            "trace_id": "0000",
            "correlation_id": "1111",
        })),
    )
}

fn b64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()
}

/// A JWT's header and claims, if its signature verifies with the RSA key
/// (PKCS#1 DER) for its algorithm.
fn verified(jwt: &str, public_key: &[u8]) -> Option<(Value, Value)> {
    let mut parts = jwt.split('.');
    let (h, c, s) = (parts.next()?, parts.next()?, parts.next()?);
    let header: Value = serde_json::from_slice(&b64(h)?).ok()?;
    let claims: Value = serde_json::from_slice(&b64(c)?).ok()?;
    let algorithm: &dyn ring::signature::VerificationAlgorithm = match header["alg"].as_str()? {
        "PS256" => &ring::signature::RSA_PSS_2048_8192_SHA256,
        "RS256" => &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        _ => return None,
    };
    ring::signature::UnparsedPublicKey::new(algorithm, public_key)
        .verify(format!("{h}.{c}").as_bytes(), &b64(s)?)
        .ok()?;
    Some((header, claims))
}

/// The RSA public key (PKCS#1) of a certificate.
fn public_key_of(certificate: &[u8]) -> Option<Vec<u8>> {
    use x509_cert::der::Decode;
    let cert = x509_cert::Certificate::from_der(certificate).ok()?;
    cert.tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .as_bytes()
        .map(<[u8]>::to_vec)
}

fn issue(provider: &mut Provider, tenant: &str, username: &str) -> Value {
    let lifetime = provider.lifetime.get(tenant).copied().unwrap_or(3599);
    provider.next += 1;
    let token = format!(
        "test-token-{tenant}-{}-{}",
        provider.next,
        fastrand::u64(..)
    );
    provider.tokens.insert(
        token.clone(),
        Issued {
            username: username.to_string(),
            expires: Instant::now() + Duration::from_secs(lifetime),
            revoked: false,
        },
    );
    json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": token,
    })
}

async fn microsoft(
    State(state): Shared,
    Path(tenant): Path<String>,
    headers: axum::http::HeaderMap,
    body: String,
) -> (StatusCode, Json<Value>) {
    let fields = form(&body);
    let mut provider = state.lock().unwrap_or_else(|e| e.into_inner());
    let answer = check_microsoft(&mut provider, &tenant, &headers, &fields);
    let shown = fields
        .iter()
        .map(|(k, v)| {
            let v = if k == "client_secret" || k == "client_assertion" {
                "(given)".to_string()
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect();
    provider.requests.push((tenant, shown, answer.0.as_u16()));
    answer
}

fn check_microsoft(
    provider: &mut Provider,
    tenant: &str,
    headers: &axum::http::HeaderMap,
    fields: &[(String, String)],
) -> (StatusCode, Json<Value>) {
    let bad =
        |code, text: &str| entra_error(StatusCode::BAD_REQUEST, "invalid_request", code, text);
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return bad(900144, "The request body must be form-encoded.");
    }
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for (k, v) in fields {
        if seen.insert(k.as_str(), v.as_str()).is_some() {
            return bad(90014, &format!("The parameter '{k}' is given twice."));
        }
        let known = [
            "grant_type",
            "client_id",
            "scope",
            "client_secret",
            "client_assertion_type",
            "client_assertion",
        ];
        if !known.contains(&k.as_str()) {
            return bad(900144, &format!("Unexpected parameter '{k}'."));
        }
    }
    for required in ["grant_type", "client_id", "scope"] {
        if !seen.contains_key(required) {
            return bad(
                900144,
                &format!("The request body must contain the following parameter: '{required}'."),
            );
        }
    }
    if seen["grant_type"] != "client_credentials" {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.",
        );
    }
    if seen["scope"] != MICROSOFT_SCOPE {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1002012,
            "The provided value for scope is not valid.",
        );
    }
    let Some(app) = provider.apps.get(tenant).cloned() else {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &format!("Tenant '{tenant}' not found."),
        );
    };
    if seen["client_id"] != app.client_id {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            "Application with identifier was not found in the directory.",
        );
    }
    let secret = seen.get("client_secret");
    let assertion = seen.get("client_assertion");
    match (secret, assertion, seen.get("client_assertion_type")) {
        (Some(given), None, None) => {
            if app.secret.as_deref() != Some(*given) {
                return entra_error(StatusCode::UNAUTHORIZED, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.");
            }
        }
        (None, Some(jwt), Some(&ASSERTION_TYPE)) => {
            let refused = |text: &str| entra_error(StatusCode::UNAUTHORIZED, "invalid_client", 700027, text);
            let Some(certificate) = &app.certificate else {
                return refused("No certificate is registered for the app.");
            };
            let Some(key) = public_key_of(certificate) else {
                return refused("The registered certificate cannot be read.");
            };
            let Some((header, claims)) = verified(jwt, &key) else {
                return refused("Client assertion failed signature validation.");
            };
            use sha2::Digest;
            let thumbprint = {
                use base64::Engine;
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(sha2::Sha256::digest(certificate))
            };
            let now = chrono::Utc::now().timestamp();
            let audience = format!("http://127.0.0.1:{}/{tenant}/oauth2/v2.0/token", super::mail_servers().port("DTR_OAUTH_PORT"));
            let checks = [
                (header["typ"] == "JWT", "typ must be JWT"),
                (header["x5t#S256"] == thumbprint.as_str(), "x5t#S256 does not match the certificate"),
                (claims["aud"] == audience.as_str(), "aud must be the token endpoint"),
                (claims["iss"] == app.client_id.as_str(), "iss must be the client ID"),
                (claims["sub"] == app.client_id.as_str(), "sub must be the client ID"),
                (claims["jti"].as_str().is_some_and(|j| !j.is_empty()), "jti is missing"),
                (claims["nbf"].as_i64().is_some_and(|t| t <= now + 60), "nbf is in the future"),
                (claims["exp"].as_i64().is_some_and(|t| t > now && t <= now + 900), "exp must be within minutes"),
            ];
            if let Some((_, why)) = checks.iter().find(|(ok, _)| !ok) {
                return refused(&format!("Client assertion is not valid: {why}."));
            }
        }
        _ => return bad(7000218, "The request body must contain either 'client_secret' or 'client_assertion' with 'client_assertion_type'."),
    }
    let answer = issue(provider, tenant, &app.mailbox);
    (StatusCode::OK, Json(answer))
}

async fn google(State(state): Shared, body: String) -> (StatusCode, Json<Value>) {
    let fields = form(&body);
    let mut provider = state.lock().unwrap_or_else(|e| e.into_inner());
    let refuse = |error: &str, text: &str| {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": error, "error_description": text})),
        )
    };
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let answer = (|| {
        if fields.len() != 2
            || get("grant_type").as_deref() != Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
        {
            return refuse("unsupported_grant_type", "Invalid grant_type");
        }
        let Some(jwt) = get("assertion") else {
            return refuse("invalid_request", "Missing assertion");
        };
        let claims: Value = jwt
            .split('.')
            .nth(1)
            .and_then(b64)
            .and_then(|c| serde_json::from_slice(&c).ok())
            .unwrap_or_default();
        let Some(email) = claims["iss"].as_str() else {
            return refuse("invalid_grant", "Invalid JWT: no issuer");
        };
        let Some(account) = provider.accounts.get(email).cloned() else {
            return refuse("invalid_grant", "Invalid JWT Signature.");
        };
        let Some((header, claims)) = verified(&jwt, &account.public_key) else {
            return refuse("invalid_grant", "Invalid JWT Signature.");
        };
        let now = chrono::Utc::now().timestamp();
        let google = format!(
            "http://127.0.0.1:{}/google/token",
            super::mail_servers().port("DTR_OAUTH_PORT")
        );
        if header["alg"] != "RS256"
            || claims["aud"] != google.as_str()
            || claims["scope"] != "https://mail.google.com/"
            || !claims["exp"]
                .as_i64()
                .is_some_and(|t| t > now && t <= now + 3600)
        {
            return refuse("invalid_grant", "Invalid JWT: claims");
        }
        let subject = claims["sub"].as_str().unwrap_or_default();
        if !account.subjects.iter().any(|s| s == subject) {
            return refuse(
                "unauthorized_client",
                "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.",
            );
        }
        let answer = issue(&mut provider, "google", subject);
        (StatusCode::OK, Json(answer))
    })();
    provider
        .requests
        .push(("google".into(), Vec::new(), answer.0.as_u16()));
    answer
}

async fn introspect(State(state): Shared, body: String) -> Json<Value> {
    let fields = form(&body);
    let token = fields
        .iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut provider = state.lock().unwrap_or_else(|e| e.into_inner());
    let found = provider
        .tokens
        .get(&token)
        .map(|t| (t.username.clone(), !t.revoked && Instant::now() < t.expires));
    let (user, active) = found.unwrap_or(("-".into(), false));
    provider.introspections.push((user.clone(), active));
    if active {
        Json(json!({"active": true, "username": user}))
    } else {
        Json(json!({"active": false}))
    }
}
