//! The web view (`[web]`): council officers and coordinators sign in with
//! a one-time link mailed to them, and read what the `cases` and `case`
//! commands show, for their own authority only.
//!
//! Served by the same machinery as /health (`http::serve_router`: the
//! connection cap, the head's deadline), over TLS or plain HTTP on
//! loopback. Every answer carries the security headers ([`secured`]).
//! What a page may read is decided by the store's scoped queries
//! (`store::CaseScope`), not by the pages.
//!
//! - `page`: the HTML around every page, escaping, the stylesheet.
//! - `session`: the cookie, who the reader is, the forms' CSRF token.
//! - `sign_in`: `/`, `/sign-in`, the link, sign-out (here or everywhere),
//!   the rate limits, the way back to the page asked for.
//! - `access`: the record of who viewed or did what, and how a case shows
//!   it.
//! - `cases`: `/cases` and `/cases/REF`.
//! - `due`: `/due`.
//! - `quarantine`: `/quarantine`, release and dismiss.
//! - `report`: `/report` with a chart per measure, `/report.csv`.

use crate::config::{Config, Web};
use crate::shutdown::Shutdown;
use crate::store::Store;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;

mod access;
mod cases;
mod due;
mod page;
mod quarantine;
mod report;
mod session;
mod sign_in;

pub use session::Viewer;

/// A session unused this long is over (and purged).
pub const SESSION_IDLE: chrono::Duration = session::IDLE;
/// A sign-in link works this long after it was asked for.
pub const SIGN_IN_LINK_LIFETIME: chrono::Duration = sign_in::LINK_LIFETIME;
/// How long a link counts against the links its address may be sent.
pub const SIGN_IN_LINKS_COUNTED: chrono::Duration = sign_in::ADDRESS_WINDOW;
/// How long a browser someone signed in from is remembered as theirs.
pub const DEVICES_KEPT: chrono::Duration = sign_in::DEVICE_KEPT;

/// Form bodies larger than this are refused: the largest form is a
/// quarantine note.
const MAX_BODY: usize = 16 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("[web] listen {address}: cannot listen there: {error}")]
    Bind {
        address: std::net::SocketAddr,
        error: std::io::Error,
    },
    #[error(transparent)]
    Agencies(#[from] crate::config::AgenciesError),
    #[error("web view: cannot forget the sign-in links of people no longer listed: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("web view: no randomness for the key of the access record")]
    NoRandomness,
    #[error("[web] {what} {path}: {message}")]
    Tls {
        what: &'static str,
        path: String,
        message: String,
    },
}

/// What the pages read.
pub struct WebState {
    pub(crate) config: Arc<Config>,
    pub(crate) settings: Web,
    pub(crate) store: Store,
    pub(crate) limits: sign_in::Limits,
    /// The report's categories of referring agency.
    pub(crate) agencies: crate::core::report::AgencyMap,
    /// Keys what the access record shows of an address nobody lists: the
    /// same while the gateway runs (a flood shows as one), never kept, so
    /// that nobody reading the record can test a guess against it.
    pub(crate) record_key: ring::hmac::Key,
}

/// The web view's routes, for the daemon and for tests.
pub fn router(config: Arc<Config>, settings: Web, store: Store) -> Result<Router, WebError> {
    let agencies = crate::config::agency_map(config.source.as_deref())?;
    let record_key =
        ring::hmac::Key::generate(ring::hmac::HMAC_SHA256, &ring::rand::SystemRandom::new())
            .map_err(|_| WebError::NoRandomness)?;
    let state = Arc::new(WebState {
        config,
        settings,
        store,
        limits: sign_in::Limits::default(),
        agencies,
        record_key,
    });
    Ok(routes(state))
}

fn routes(state: Arc<WebState>) -> Router {
    let over_tls = state.settings.tls.is_some();
    let router = Router::new()
        .route("/", get(sign_in::start))
        .route("/sign-in", post(sign_in::request_link))
        .route(
            "/sign-in/{token}",
            get(sign_in::confirm).post(sign_in::redeem),
        )
        .route("/sign-out", post(sign_in::sign_out))
        .route("/sign-out/everywhere", post(sign_in::sign_out_everywhere))
        .route("/cases", get(cases::list))
        .route("/cases/{reference}", get(cases::one))
        .route("/due", get(due::list))
        .route("/quarantine", get(quarantine::list))
        .route("/quarantine/{id}/release", post(quarantine::release_one))
        .route("/quarantine/{id}/dismiss", post(quarantine::dismiss_one))
        .route("/report", get(report::show))
        .route("/report.csv", get(report::download))
        .route("/style.css", get(page::stylesheet))
        .fallback(page::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(return_after_sign_in))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            same_origin,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            record_refusals,
        ))
        .layer(axum::middleware::map_response(secured))
        .with_state(state);
    if over_tls {
        router.layer(axum::middleware::map_response(strict_transport))
    } else {
        router
    }
}

/// Over TLS, browsers are told to come back only over HTTPS for a year.
async fn strict_transport(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000"),
    );
    response
}

/// A form posted from another site is refused: browsers say where a POST
/// comes from in `Sec-Fetch-Site`, and name its origin in `Origin`
/// (`Referrer-Policy: same-origin` lets them name it for the view's own
/// forms). An opaque origin (`null`: a sandboxed frame, a `data:` page, a
/// redirect from elsewhere) is not the view's own, so it is refused too. The
/// session's CSRF token is the guard that does not depend on the browser;
/// this one also covers the sign-in forms.
async fn same_origin(
    axum::extract::State(state): axum::extract::State<Arc<WebState>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if request.method() == axum::http::Method::POST {
        let headers = request.headers();
        let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
        let cross_site = headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == "cross-site" || v == "same-site");
        let foreign = origin.is_some_and(|o| o != state.settings.public_url);
        if foreign || cross_site {
            return cases::forbidden();
        }
    }
    next.run(request).await
}

/// A signed-in reader's request refused (403, or 404 for one of the view's
/// own addresses) that its page did not record: a coordinator's `/due`, a
/// form whose token or origin is wrong. In the record, so that an
/// administrator sees what was tried. A cross-site request carries no
/// session (the cookie is `SameSite=Strict`), so nobody else's attempt is
/// put in a reader's record.
async fn record_refusals(
    axum::extract::State(state): axum::extract::State<Arc<WebState>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let posted = request.method() == axum::http::Method::POST;
    // The view's own pages, by their first segment.
    let routed = matches!(
        request.uri().path().split('/').nth(1),
        Some("cases" | "due" | "quarantine" | "report" | "report.csv" | "sign-out")
    );
    let asked = request
        .uri()
        .path_and_query()
        .map_or_else(|| request.uri().path().to_string(), |p| p.to_string());
    let headers = request.headers().clone();
    let (response, recorded) = access::recording(next.run(request)).await;
    let forbidden = response.status() == axum::http::StatusCode::FORBIDDEN;
    let not_found = response.status() == axum::http::StatusCode::NOT_FOUND;
    // A page nobody has (a browser's /favicon.ico) is nobody's attempt.
    if recorded || !(forbidden || (not_found && (routed || posted))) {
        return response;
    }
    let signed = match session::signed_in(&state, &headers).await {
        Ok(Some(signed)) => signed,
        Ok(None) => return response,
        Err(e) => return sign_in::trouble(&e),
    };
    match access::record_refused_request(&state, &signed, posted, &asked, forbidden).await {
        Ok(()) => response,
        Err(e) => sign_in::trouble(&e),
    }
}

/// A request that needs a session and has none: a page is answered with
/// the sign-in page's address and the page to come back to (`/?next=`);
/// a form, with a page saying its session ended and nothing was done.
async fn return_after_sign_in(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let posted = request.method() == axum::http::Method::POST;
    let asked = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string());
    let response = next.run(request).await;
    if response
        .extensions()
        .get::<session::SignInNeeded>()
        .is_none()
    {
        return response;
    }
    let Some(asked) = asked.filter(|a| session::local_path(a).is_some()) else {
        return response;
    };
    if posted {
        return sign_in::session_ended(&asked);
    }
    let mut response = response;
    if let Ok(location) = HeaderValue::from_str(&format!("/{}", session::next_query(Some(&asked))))
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// The headers every answer carries: no script, no frame, no referrer, no
/// caching of pages that show cases.
async fn secured(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
        // Never to another site; to the view itself, so that its own
        // forms carry their origin.
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    let cache = headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    // After signing out, Back must not show a page from the browser's
    // cache; `Pragma` for the caches that know only HTTP/1.0.
    if cache == "no-store" {
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    }
    response
}

/// Whether the configuration lists `address` as a coordinator or an
/// authority's officer.
fn may_sign_in(config: &Config, settings: &Web, address: &str) -> bool {
    let Ok(parsed) = crate::core::address::EmailAddress::parse(address) else {
        return false;
    };
    settings.coordinators.contains(&parsed)
        || config
            .authorities
            .iter()
            .any(|a| a.officers.contains(&parsed))
}

/// A bound listener for the web view, with its routes.
pub struct Listener {
    socket: tokio::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    app: Router,
}

impl Listener {
    pub fn address(&self) -> Result<std::net::SocketAddr, std::io::Error> {
        self.socket.local_addr()
    }
}

/// Binds `[web] listen` and loads its certificate and the report's agency
/// categories, before the daemon starts anything else.
pub async fn bind(config: Arc<Config>, settings: &Web, store: Store) -> Result<Listener, WebError> {
    let forgotten = store
        .forget_sign_ins_unless(|address| may_sign_in(&config, settings, address))
        .await?;
    if forgotten > 0 {
        tracing::info!(
            forgotten,
            "sign-in links of people no longer listed deleted"
        );
    }
    let app = router(config, settings.clone(), store)?;
    let tls = match &settings.tls {
        Some(tls) => Some(acceptor(&tls.certificate, &tls.key)?),
        None => None,
    };
    let socket = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|error| WebError::Bind {
            address: settings.listen,
            error,
        })?;
    Ok(Listener { socket, tls, app })
}

/// Serves the web view until shutdown.
pub async fn serve(listener: Listener, shutdown: Shutdown) {
    if let Ok(address) = listener.address() {
        tracing::info!(%address, tls = listener.tls.is_some(), "serving the web view");
    }
    crate::http::serve_router(listener.socket, listener.app, listener.tls, shutdown).await;
}

fn acceptor(
    certificate: &std::path::Path,
    key: &std::path::Path,
) -> Result<tokio_rustls::TlsAcceptor, WebError> {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bad =
        |what: &'static str, path: &std::path::Path, e: &dyn std::fmt::Display| WebError::Tls {
            what,
            path: path.display().to_string(),
            message: e.to_string(),
        };
    let chain = CertificateDer::pem_file_iter(certificate)
        .map_err(|e| bad("tls_certificate", certificate, &e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad("tls_certificate", certificate, &e))?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| bad("tls_key", key, &e))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| bad("tls_certificate", certificate, &e))?
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .map_err(|e| bad("tls_certificate", certificate, &e))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}
