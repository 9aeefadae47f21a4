//! The optional HTTP listener (`[http]` in gateway.toml): `/health` for a
//! monitor or a service manager, `/metrics` for Prometheus. Both show
//! mailbox names, folder states, authority codes and counts, never a
//! person's details; the errors shown are the daemon's own texts (which hold
//! no secrets) with any email address left out.

use crate::config::{Config, Http, Source};
use crate::core::classify::Kind;
use crate::core::protocol::Rag;
use crate::shutdown::Shutdown;
use crate::store::{FolderHealth, Store, StoreError};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long open connections may take to finish once the daemon stops.
const GRACE: Duration = Duration::from_secs(5);

const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("[http] listen {address}: cannot listen there: {source}")]
    Bind {
        address: SocketAddr,
        source: std::io::Error,
    },
}

/// Figures only the running daemon knows, kept in memory.
#[derive(Debug, Default)]
pub struct Counters {
    /// Per IMAP mailbox, fixed at start: the times it failed and was retried.
    reconnects: BTreeMap<String, AtomicU64>,
}

impl Counters {
    /// A zero for every IMAP mailbox of the configuration.
    pub fn new(config: &Config) -> Counters {
        Counters {
            reconnects: config
                .mailboxes
                .iter()
                .filter(|m| matches!(m.source, Source::Imap(_)))
                .map(|m| (m.name.clone(), AtomicU64::new(0)))
                .collect(),
        }
    }

    /// The mailbox failed and is about to be retried.
    pub fn reconnecting(&self, mailbox: &str) {
        if let Some(count) = self.reconnects.get(mailbox) {
            count.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Each IMAP mailbox with its retries so far, by name.
    pub fn reconnects(&self) -> Vec<(&str, u64)> {
        self.reconnects
            .iter()
            .map(|(name, count)| (name.as_str(), count.load(Ordering::Relaxed)))
            .collect()
    }
}

/// A listening socket, bound before the daemon starts anything else so that
/// an address in use stops it at once.
pub struct Listener {
    socket: tokio::net::TcpListener,
    settings: Http,
}

impl Listener {
    /// The address actually bound (port 0 asks the system for one).
    pub fn address(&self) -> Result<SocketAddr, std::io::Error> {
        self.socket.local_addr()
    }
}

/// Binds `[http] listen`.
pub async fn bind(settings: &Http) -> Result<Listener, HttpError> {
    let socket = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|source| HttpError::Bind {
            address: settings.listen,
            source,
        })?;
    Ok(Listener {
        socket,
        settings: settings.clone(),
    })
}

/// What the handlers read.
struct Endpoints {
    config: Arc<Config>,
    store: Store,
    counters: Arc<Counters>,
    unhealthy_after: Duration,
}

/// Serves /health and /metrics until shutdown.
pub async fn serve(
    listener: Listener,
    config: Arc<Config>,
    store: Store,
    counters: Arc<Counters>,
    mut shutdown: Shutdown,
) {
    let address = listener.address().unwrap_or(listener.settings.listen);
    let endpoints = Endpoints {
        config,
        store,
        counters,
        unhealthy_after: listener.settings.unhealthy_after,
    };
    let app = Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .with_state(Arc::new(endpoints));
    tracing::info!(%address, "serving /health and /metrics over HTTP");
    let mut signal = shutdown.clone();
    let server = axum::serve(listener.socket, app)
        .with_graceful_shutdown(async move { signal.wait().await })
        .into_future();
    tokio::pin!(server);
    let result = tokio::select! {
        result = &mut server => result,
        _ = shutdown.wait() => {
            // A client holding its connection open does not hold up the exit.
            match tokio::time::timeout(GRACE, server).await {
                Ok(result) => result,
                Err(_) => {
                    tracing::warn!(%address, "HTTP connections still open at shutdown; closed");
                    Ok(())
                }
            }
        }
    };
    if let Err(error) = result {
        tracing::error!(%address, %error, "the HTTP listener failed");
    }
}

/// `/health`, as JSON.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Health {
    /// `ok`, or `failing` when a folder has been failing too long.
    pub status: &'static str,
    pub unhealthy_after_seconds: u64,
    pub folders: Vec<FolderReport>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct FolderReport {
    pub mailbox: String,
    pub folder: String,
    /// `starting` until the folder's task has written a state.
    pub state: String,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub failing_since: Option<DateTime<Utc>>,
    pub failing_seconds: Option<i64>,
}

/// Every watched folder of the configuration with its stored state; the
/// whole is failing when one folder has been failing longer than
/// `unhealthy_after`. Folders no longer configured are left out.
pub fn health_report(
    config: &Config,
    rows: Vec<FolderHealth>,
    unhealthy_after: Duration,
    now: DateTime<Utc>,
) -> Health {
    let mut stored: HashMap<(String, String), FolderHealth> = rows
        .into_iter()
        .map(|r| ((r.mailbox.clone(), r.folder.clone()), r))
        .collect();
    let limit = chrono::Duration::from_std(unhealthy_after).unwrap_or(chrono::Duration::MAX);
    let mut failing = false;
    let mut folders = Vec::new();
    for mailbox in &config.mailboxes {
        for folder in mailbox.watched_folders() {
            let row = stored.remove(&(mailbox.name.clone(), folder.clone()));
            let failing_since = row.as_ref().and_then(|r| r.failing_since);
            let failing_for = failing_since.map(|since| now - since);
            failing |= failing_for.is_some_and(|d| d > limit);
            folders.push(FolderReport {
                mailbox: mailbox.name.clone(),
                folder,
                state: row
                    .as_ref()
                    .map_or_else(|| "starting".to_string(), |r| r.state.clone()),
                last_error: row
                    .as_ref()
                    .and_then(|r| r.last_error.as_deref())
                    .map(without_addresses),
                last_error_at: row.as_ref().and_then(|r| r.last_error_at),
                failing_since,
                failing_seconds: failing_for.map(|d| d.num_seconds().max(0)),
            });
        }
    }
    Health {
        status: if failing { "failing" } else { "ok" },
        unhealthy_after_seconds: unhealthy_after.as_secs(),
        folders,
    }
}

async fn health(State(endpoints): State<Arc<Endpoints>>) -> Response {
    match endpoints.store.folder_health().await {
        Ok(rows) => {
            let report = health_report(
                &endpoints.config,
                rows,
                endpoints.unhealthy_after,
                Utc::now(),
            );
            let code = if report.status == "ok" {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            (code, Json(report)).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "/health: cannot read the folders' states");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({
                    "status": "failing",
                    "error": "cannot read the folders' states from the store",
                })),
            )
                .into_response()
        }
    }
}

async fn metrics(State(endpoints): State<Arc<Endpoints>>) -> Response {
    match exposition(&endpoints).await {
        Ok(text) => ([(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)], text).into_response(),
        Err(error) => {
            tracing::error!(%error, "/metrics: cannot read the store");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot read the store\n".to_string(),
            )
                .into_response()
        }
    }
}

/// The figures in Prometheus's text format, read from the store now.
async fn exposition(endpoints: &Endpoints) -> Result<String, StoreError> {
    let config = &endpoints.config;
    let counts = endpoints.store.counts().await?;
    let cases = endpoints.store.deadline_cases(None).await?;
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive();
    // Every configured authority and known kind appears, at zero if need be,
    // so that a series exists before its first event.
    let authorities = || -> BTreeMap<String, i64> {
        config
            .authorities
            .iter()
            .map(|a| (a.code.to_string(), 0))
            .collect()
    };
    let mut overdue = authorities();
    for due in crate::sweep::open_deadlines(config, &cases, today) {
        if due.rag == Rag::Red {
            *overdue.entry(due.case.authority.clone()).or_default() += 1;
        }
    }
    let mut kinds: BTreeMap<String, i64> = [
        Kind::Referral,
        Kind::Reply,
        Kind::AutoReply,
        Kind::Bounce,
        Kind::Other,
    ]
    .iter()
    .map(|k| (k.as_str().to_string(), 0))
    .collect();
    kinds.extend(counts.messages_by_kind);
    let mut opened = authorities();
    opened.extend(counts.cases_by_authority);
    let mut open = authorities();
    open.extend(counts.open_cases_by_authority);

    let mut out = Exposition::default();
    out.family(
        "dtr_gateway_messages_recorded_total",
        "counter",
        "Messages recorded, by kind (referral, reply, auto_reply, bounce, other).",
    );
    for (kind, n) in &kinds {
        out.sample("dtr_gateway_messages_recorded_total", &[("kind", kind)], *n);
    }
    out.family(
        "dtr_gateway_cases_opened_total",
        "counter",
        "Case references given out, by authority; a referral refused for want of consent is recorded under a reference of its own and counted.",
    );
    for (authority, n) in &opened {
        out.sample(
            "dtr_gateway_cases_opened_total",
            &[("authority", authority)],
            *n,
        );
    }
    out.family(
        "dtr_gateway_cases_open",
        "gauge",
        "Cases open or incomplete, by authority.",
    );
    for (authority, n) in &open {
        out.sample("dtr_gateway_cases_open", &[("authority", authority)], *n);
    }
    out.family(
        "dtr_gateway_outbox_mail",
        "gauge",
        "The gateway's mail by purpose and status (queued, sending, sent, failed). A gauge: a bounce turns sent mail into failed, and `outbox retry` failed mail into queued.",
    );
    for (purpose, status, n) in &counts.outbox {
        out.sample(
            "dtr_gateway_outbox_mail",
            &[("purpose", purpose), ("status", status)],
            *n,
        );
    }
    out.family(
        "dtr_gateway_deadlines_overdue",
        "gauge",
        "Open deadlines past their date (RED in `dtr-gateway due`), by authority.",
    );
    for (authority, n) in &overdue {
        out.sample(
            "dtr_gateway_deadlines_overdue",
            &[("authority", authority)],
            *n,
        );
    }
    out.family(
        "dtr_gateway_imap_reconnects_total",
        "counter",
        "Times an IMAP mailbox failed and was retried since the daemon started, by mailbox.",
    );
    for (mailbox, n) in endpoints.counters.reconnects() {
        out.sample(
            "dtr_gateway_imap_reconnects_total",
            &[("mailbox", mailbox)],
            n,
        );
    }
    Ok(out.0)
}

/// Prometheus's text exposition format, version 0.0.4.
#[derive(Default)]
struct Exposition(String);

impl Exposition {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        self.0
            .push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        let labels: Vec<String> = labels
            .iter()
            .map(|(key, value)| format!("{key}=\"{}\"", label_value(value)))
            .collect();
        self.0
            .push_str(&format!("{name}{{{}}} {value}\n", labels.join(",")));
    }
}

fn label_value(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// An error text with every word holding an `@` replaced: a refused IMAP
/// login names its account, and a server's message may name anyone.
fn without_addresses(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if word.contains('@') {
                "(address)"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        let gateway = "[gateway]\ndatabase = \"sqlite::memory:\"\n[referrers]\n\
            allowed_domains = [\"*.gov.uk\"]\n\
            [[mailbox]]\nname = \"braintree\"\nauthority = \"BRA\"\nmaildir = \"/nonexistent\"\n\
            [[mailbox]]\nname = \"colchester\"\nauthority = \"COL\"\n[mailbox.imap]\n\
            host = \"127.0.0.1\"\nusername = \"colchester\"\npassword_env = \"X\"\n\
            folders = [\"INBOX\", \"Sent Items\"]\n\
            [[mailbox]]\nname = \"harlow\"\nauthority = \"HAR\"\n";
        let authorities = include_str!("../config/authorities.toml");
        let holidays = include_str!("../config/bank-holidays.json");
        Config::from_strings(gateway, authorities, holidays)
            .expect("valid")
            .0
    }

    fn row(mailbox: &str, folder: &str, state: &str, since: Option<DateTime<Utc>>) -> FolderHealth {
        FolderHealth {
            mailbox: mailbox.into(),
            folder: folder.into(),
            state: state.into(),
            last_error: since.map(|_| "login as dutytorefer@colchester.gov.uk refused".into()),
            last_error_at: since,
            failing_since: since,
        }
    }

    #[test]
    fn health_fails_only_after_a_folder_has_failed_for_longer_than_allowed() {
        let config = config();
        let now = Utc::now();
        let limit = Duration::from_secs(60);
        let rows = |since| {
            vec![
                row("braintree", "INBOX", "connected", None),
                row("colchester", "INBOX", "retrying", Some(since)),
                // A mailbox no longer configured is not reported.
                row(
                    "epping",
                    "INBOX",
                    "retrying",
                    Some(now - chrono::Duration::days(9)),
                ),
            ]
        };
        let report = health_report(
            &config,
            rows(now - chrono::Duration::seconds(59)),
            limit,
            now,
        );
        assert_eq!(report.status, "ok");
        let names: Vec<(&str, &str, &str)> = report
            .folders
            .iter()
            .map(|f| (f.mailbox.as_str(), f.folder.as_str(), f.state.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("braintree", "INBOX", "connected"),
                ("colchester", "INBOX", "retrying"),
                ("colchester", "Sent Items", "starting"),
            ]
        );
        assert_eq!(report.folders[1].failing_seconds, Some(59));
        assert_eq!(
            report.folders[1].last_error.as_deref(),
            Some("login as (address) refused")
        );

        let report = health_report(
            &config,
            rows(now - chrono::Duration::seconds(61)),
            limit,
            now,
        );
        assert_eq!(report.status, "failing");
        assert_eq!(report.unhealthy_after_seconds, 60);
    }

    #[test]
    fn the_exposition_escapes_label_values_and_help() {
        let mut out = Exposition::default();
        out.family("x_total", "counter", "a \\ b\nc");
        out.sample("x_total", &[("mailbox", "a\"b\\c\nd"), ("k", "v")], 3);
        assert_eq!(
            out.0,
            "# HELP x_total a \\\\ b\\nc\n# TYPE x_total counter\n\
             x_total{mailbox=\"a\\\"b\\\\c\\nd\",k=\"v\"} 3\n"
        );
    }

    #[test]
    fn reconnects_are_counted_for_imap_mailboxes_only() {
        let counters = Counters::new(&config());
        counters.reconnecting("colchester");
        counters.reconnecting("colchester");
        counters.reconnecting("braintree");
        assert_eq!(counters.reconnects(), [("colchester", 2)]);
    }
}
