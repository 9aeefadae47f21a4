//! The optional HTTP listener (`[http]` in gateway.toml): `/health` for a
//! monitor or a service manager, `/metrics` for Prometheus. Both show
//! mailbox names, folder states, authority codes and counts, never a
//! person's details; the errors shown are the daemon's own texts (which hold
//! no secrets) with any email address left out.
//!
//! The listener shares the daemon's file descriptors with its mailboxes and
//! its store, so it never holds more than [`MAX_CONNECTIONS`] connections:
//! a client has [`HEADER_TIMEOUT`] to send its request's head and
//! [`BODY_TIMEOUT`] to send its body, and when every place is taken the
//! connection that has waited longest without a request is closed to make
//! room, or else the oldest one still sending its request's body after
//! [`BODY_GRACE`] (one answering a whole request is never closed; when all
//! are, the newcomer is closed at once). Clients that open connections and
//! never finish them, or trickle a body, cannot starve the mailboxes, nor
//! keep a monitor's or a person's request from being answered.

use crate::config::{Config, Http, Source};
use crate::core::address::without_addresses;
use crate::core::classify::Kind;
use crate::core::protocol::Rag;
use crate::core::states::FolderState;
use crate::shutdown::Shutdown;
use crate::store::{FolderHealth, SenderHealth, Store, StoreError};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use hyper::body::Body as _;
use hyper::body::Incoming;
use hyper::service::Service as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::future::Future as _;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio::task::JoinSet;

/// How long open connections may take to finish once the daemon stops.
const GRACE: Duration = Duration::from_secs(5);

/// Connections open at once, at most. A monitor and Prometheus need a few;
/// the daemon's mailboxes and store need the rest of the process's file
/// descriptors (often 1,024 in all).
pub const MAX_CONNECTIONS: usize = 64;

/// A client that has not sent its request's whole head this long after
/// connecting (or after its last answer, on a kept-alive connection) is
/// disconnected.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// A client that has not sent its request's whole body this long after its
/// head is answered with an error and disconnected.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// When every place is taken, a connection still sending its request's body
/// this long after its head may be closed to make room.
pub const BODY_GRACE: Duration = Duration::from_secs(1);

/// The listener says at most this often that it is full.
const FULL_WARNING_EVERY: Duration = Duration::from_secs(60);

const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("[http] listen {address}: cannot listen there: {error}")]
    Bind {
        address: SocketAddr,
        error: std::io::Error,
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
            error: source,
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
    shutdown: Shutdown,
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
    serve_router(listener.socket, app, None, shutdown).await;
}

/// The address of the client a request came from (the TCP peer), put in
/// each request's extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Peer(pub SocketAddr);

/// Serves `app` on `socket` until shutdown, over TLS when an acceptor is
/// given, within the connection cap and with the head's deadline (the TLS
/// handshake must finish within it too).
pub async fn serve_router(
    socket: tokio::net::TcpListener,
    app: Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut shutdown: Shutdown,
) {
    let address = socket
        .local_addr()
        .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
    let slots = Arc::new(Mutex::new(Slots::default()));
    let mut connections = JoinSet::new();
    loop {
        // Finished connections are let go as others arrive.
        while connections.try_join_next().is_some() {}
        let accepted = tokio::select! {
            accepted = socket.accept() => accepted,
            _ = shutdown.wait() => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors, most likely: the mailboxes need
                // them more. Wait rather than spin.
                tracing::warn!(%address, %error, "cannot accept an HTTP connection");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    _ = shutdown.wait() => break,
                }
            }
        };
        let admitted = lock(&slots).admit();
        if admitted.say_full {
            tracing::warn!(
                %address,
                limit = MAX_CONNECTIONS,
                "HTTP connections at their limit: those waiting longest for a request are closed"
            );
        }
        let Some((id, slot)) = admitted.slot else {
            // Every place is answering a request: this one is closed at once.
            drop(stream);
            continue;
        };
        let held = Held {
            slots: slots.clone(),
            id,
            slot,
        };
        let app = app.clone();
        let shutdown = shutdown.clone();
        match &tls {
            None => {
                connections.spawn(serve_connection(stream, Peer(peer), app, held, shutdown));
            }
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                connections.spawn(async move {
                    let close = held.slot.clone();
                    let handshake = tokio::time::timeout(HEADER_TIMEOUT, acceptor.accept(stream));
                    let stream = tokio::select! {
                        done = handshake => match done {
                            Ok(Ok(stream)) => stream,
                            // A failed or slow handshake: closed.
                            _ => return,
                        },
                        _ = close.close.notified() => return,
                    };
                    serve_connection(stream, Peer(peer), app, held, shutdown).await;
                });
            }
        }
    }
    // Each connection finishes the request in hand (the signal reaches them
    // too); a client holding its connection open does not hold up the exit.
    let finished = tokio::time::timeout(GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if finished.is_err() {
        tracing::warn!(%address, "HTTP connections still open at shutdown; closed");
        connections.abort_all();
    }
}

/// One connection: HTTP/1.1 with a deadline for each request's head, until
/// the client goes, the deadline passes, its place is needed, or the daemon
/// stops (after the request in hand).
async fn serve_connection<S>(stream: S, peer: Peer, app: Router, held: Held, mut shutdown: Shutdown)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let slot = held.slot.clone();
    let answer = TowerToHyperService::new(app);
    let busy_slot = slot.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        let busy = Busy::new(busy_slot.clone(), !request.body().is_end_stream());
        request.extensions_mut().insert(peer);
        let slot = busy_slot.clone();
        let request = request.map(|body| TimedBody::new(body, slot));
        let response = answer.call(request);
        async move {
            let response = response.await;
            drop(busy);
            response
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let mut stopping = false;
    loop {
        tokio::select! {
            // Done, or the head did not come in time: either way, closed.
            _ = connection.as_mut() => break,
            _ = slot.close.notified() => break,
            _ = shutdown.wait(), if !stopping => {
                stopping = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
    drop(held);
}

/// One open connection, as the listener keeps count of it.
#[derive(Default)]
struct Slot {
    /// Answering a request: never closed to make room, unless still
    /// reading its body past [`BODY_GRACE`].
    busy: AtomicBool,
    /// When the request in hand began, while its body is still coming.
    reading_since: Mutex<Option<Instant>>,
    /// Told to close, its place given to a newer connection.
    close: Notify,
}

impl Slot {
    /// Still sending its request's body, past [`BODY_GRACE`].
    fn slow_body(&self) -> bool {
        self.busy.load(Ordering::Acquire)
            && self
                .reading_since
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .is_some_and(|since| since.elapsed() >= BODY_GRACE)
    }

    fn reading(&self, since: Option<Instant>) {
        *self
            .reading_since
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = since;
    }
}

/// The open connections, oldest first.
#[derive(Default)]
struct Slots {
    next: u64,
    open: BTreeMap<u64, Arc<Slot>>,
    /// When the listener last said it was full.
    said_full: Option<Instant>,
}

/// What became of a new connection.
struct Admitted {
    /// Its place, or none when every place is answering a request.
    slot: Option<(u64, Arc<Slot>)>,
    /// An older connection was closed, or this one refused, for want of
    /// room, and it is time to say so (at most once a minute).
    say_full: bool,
}

impl Slots {
    fn admit(&mut self) -> Admitted {
        let mut full = false;
        if self.open.len() >= MAX_CONNECTIONS {
            full = true;
            let idle = self
                .open
                .iter()
                .find(|(_, slot)| !slot.busy.load(Ordering::Acquire))
                .map(|(id, _)| *id);
            let waiting = idle.or_else(|| {
                self.open
                    .iter()
                    .find(|(_, slot)| slot.slow_body())
                    .map(|(id, _)| *id)
            });
            match waiting.and_then(|id| self.open.remove(&id)) {
                Some(oldest) => oldest.close.notify_one(),
                None => {
                    return Admitted {
                        slot: None,
                        say_full: self.time_to_say_full(),
                    }
                }
            }
        }
        let id = self.next;
        self.next += 1;
        let slot = Arc::new(Slot::default());
        self.open.insert(id, slot.clone());
        Admitted {
            slot: Some((id, slot)),
            say_full: full && self.time_to_say_full(),
        }
    }

    /// Whether to say now that the listener is full.
    fn time_to_say_full(&mut self) -> bool {
        let now = Instant::now();
        if self
            .said_full
            .is_some_and(|at| now.duration_since(at) < FULL_WARNING_EVERY)
        {
            return false;
        }
        self.said_full = Some(now);
        true
    }
}

fn lock(slots: &Mutex<Slots>) -> std::sync::MutexGuard<'_, Slots> {
    slots.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A connection's place, given back when the connection ends however it
/// ends (aborted at shutdown included).
struct Held {
    slots: Arc<Mutex<Slots>>,
    id: u64,
    slot: Arc<Slot>,
}

impl Drop for Held {
    fn drop(&mut self) {
        lock(&self.slots).open.remove(&self.id);
    }
}

/// Marks a connection as answering a request while it lives.
struct Busy(Arc<Slot>);

impl Busy {
    /// `with_body`: the request's body is still to come.
    fn new(slot: Arc<Slot>, with_body: bool) -> Busy {
        slot.reading(with_body.then(Instant::now));
        slot.busy.store(true, Ordering::Release);
        Busy(slot)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.busy.store(false, Ordering::Release);
        self.0.reading(None);
    }
}

/// A request's body that must come whole within [`BODY_TIMEOUT`] of its
/// head; once it has, its connection counts as answering the request.
struct TimedBody {
    inner: Incoming,
    deadline: Pin<Box<tokio::time::Sleep>>,
    slot: Arc<Slot>,
}

impl TimedBody {
    fn new(inner: Incoming, slot: Arc<Slot>) -> TimedBody {
        TimedBody {
            inner,
            deadline: Box::pin(tokio::time::sleep(BODY_TIMEOUT)),
            slot,
        }
    }
}

/// The request's body did not come within [`BODY_TIMEOUT`].
#[derive(Debug, thiserror::Error)]
#[error("the request's body did not come within {} seconds", BODY_TIMEOUT.as_secs())]
struct BodyTimeout;

impl hyper::body::Body for TimedBody {
    type Data = hyper::body::Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                if frame.is_none() || this.inner.is_end_stream() {
                    this.slot.reading(None);
                }
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyTimeout)))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

/// `/health`, as JSON.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Health {
    /// `ok`, or `failing` when a folder has been failing too long.
    pub status: &'static str,
    pub unhealthy_after_seconds: u64,
    pub folders: Vec<FolderReport>,
    /// The sender: failing when mail has failed to leave for longer than
    /// `unhealthy_after_seconds`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender: Option<SenderReport>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct SenderReport {
    /// `ok`, or `failing`.
    pub status: &'static str,
    /// Mail due to go now, and how long the oldest of it has waited.
    pub due: i64,
    pub oldest_due_seconds: Option<i64>,
    /// Mail queued for later (a retry's pause, a limit, working hours).
    pub later: i64,
    pub identities: Vec<IdentityReport>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct IdentityReport {
    pub identity: String,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub failing_since: Option<DateTime<Utc>>,
    pub failing_seconds: Option<i64>,
}

/// The sender's part of /health: failing when one sending identity has
/// failed to send for longer than `unhealthy_after`.
pub fn sender_report(
    health: SenderHealth,
    unhealthy_after: Duration,
    now: DateTime<Utc>,
) -> SenderReport {
    let limit = chrono::Duration::from_std(unhealthy_after).unwrap_or(chrono::Duration::MAX);
    let mut failing = false;
    let identities = health
        .identities
        .iter()
        .map(|i| {
            let failing_for = i.failing_since.map(|since| now - since);
            failing |= failing_for.is_some_and(|d| d > limit);
            IdentityReport {
                identity: i.identity.clone(),
                last_error: i.last_error.as_deref().map(without_addresses),
                last_error_at: i.last_error_at,
                failing_since: i.failing_since,
                failing_seconds: failing_for.map(|d| d.num_seconds().max(0)),
            }
        })
        .collect();
    SenderReport {
        status: if failing { "failing" } else { "ok" },
        due: health.due,
        oldest_due_seconds: health.oldest_due_age(now).map(|d| d.num_seconds()),
        later: health.later,
        identities,
    }
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct FolderReport {
    pub mailbox: String,
    pub folder: String,
    /// `starting` until the folder's task has written a state.
    pub state: FolderState,
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
                state: row.as_ref().map_or(FolderState::Starting, |r| r.state),
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
        sender: None,
    }
}

async fn health(State(endpoints): State<Arc<Endpoints>>) -> Response {
    let now = Utc::now();
    let read = async {
        let folders = endpoints.store.folder_health().await?;
        let sender = endpoints.store.sender_health(now, true).await?;
        Ok::<_, StoreError>((folders, sender))
    };
    match read.await {
        Ok((rows, sender)) => {
            let mut report = health_report(&endpoints.config, rows, endpoints.unhealthy_after, now);
            let sender = sender_report(sender, endpoints.unhealthy_after, now);
            if sender.status != "ok" {
                report.status = "failing";
            }
            report.sender = Some(sender);
            let code = if report.status == "ok" {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            (code, Json(report)).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "/health: cannot read the folders' and the sender's states");
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
    let now = Utc::now();
    let sender = endpoints.store.sender_health(now, true).await?;
    let cases = endpoints.store.deadline_cases(None).await?;
    let today = crate::core::uk::date(Utc::now());
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
            &[("purpose", purpose), ("status", status.as_str())],
            *n,
        );
    }
    out.family(
        "dtr_gateway_outbox_oldest_queued_seconds",
        "gauge",
        "How long the oldest mail due to go has waited since it was queued; 0 when none is due. Mail queued for later (a retry's pause, a limit per recipient, working hours) counts once it is due.",
    );
    out.sample(
        "dtr_gateway_outbox_oldest_queued_seconds",
        &[],
        sender.oldest_due_age(now).map_or(0, |d| d.num_seconds()),
    );
    out.family(
        "dtr_gateway_sender_failing_seconds",
        "gauge",
        "How long mail has failed to leave through each sending identity that is failing now.",
    );
    for identity in &sender.identities {
        if let Some(since) = identity.failing_since {
            out.sample(
                "dtr_gateway_sender_failing_seconds",
                &[("identity", &identity.identity)],
                (now - since).num_seconds().max(0),
            );
        }
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
        if labels.is_empty() {
            self.0.push_str(&format!("{name} {value}\n"));
        } else {
            self.0
                .push_str(&format!("{name}{{{}}} {value}\n", labels.join(",")));
        }
    }
}

fn label_value(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
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
            state: <FolderState as crate::core::stored::StoredName>::from_stored(
                "mailbox_status",
                "state",
                state,
            )
            .expect("state"),
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
    fn the_sender_fails_health_once_it_has_failed_to_send_for_too_long() {
        use crate::store::IdentityHealth;
        let now = Utc::now();
        let limit = Duration::from_secs(60);
        let health = |failing_for: i64| SenderHealth {
            due: 4,
            oldest_due_since: Some(now - chrono::Duration::seconds(300)),
            later: 1,
            identities: vec![IdentityHealth {
                instance: "gateway-1".into(),
                identity: "shared".into(),
                last_error: Some("SMTP: 451 4.7.1 jo@justice.gov.uk deferred".into()),
                last_error_at: Some(now),
                failing_since: Some(now - chrono::Duration::seconds(failing_for)),
            }],
        };
        let report = sender_report(health(59), limit, now);
        assert_eq!(report.status, "ok");
        assert_eq!(
            (report.due, report.oldest_due_seconds, report.later),
            (4, Some(300), 1)
        );
        assert_eq!(
            report.identities[0].last_error.as_deref(),
            Some("SMTP: 451 4.7.1 (address) deferred")
        );
        let report = sender_report(health(61), limit, now);
        assert_eq!(report.status, "failing");
        assert_eq!(report.identities[0].failing_seconds, Some(61));
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

#[cfg(test)]
mod admission {
    use super::*;

    /// Every place taken by a connection answering a request, those given
    /// `reading_since` still sending its body since then.
    fn full(reading_since: Option<Instant>) -> Slots {
        let mut slots = Slots::default();
        for _ in 0..MAX_CONNECTIONS {
            let (_, slot) = slots.admit().slot.expect("a place");
            slot.busy.store(true, Ordering::Release);
            slot.reading(reading_since);
        }
        slots
    }

    #[test]
    fn a_connection_answering_a_whole_request_is_never_closed_for_room() {
        let mut slots = full(None);
        assert!(slots.admit().slot.is_none());
        assert_eq!(slots.open.len(), MAX_CONNECTIONS);
    }

    #[test]
    fn a_body_coming_slowly_makes_room_after_its_grace() {
        let now = Instant::now();
        let mut slots = full(Some(now));
        assert!(slots.admit().slot.is_none(), "within its grace");
        let Some(long_ago) = now.checked_sub(BODY_GRACE * 2) else {
            return;
        };
        let mut slots = full(Some(long_ago));
        let oldest = *slots.open.keys().next().expect("a place");
        assert!(slots.admit().slot.is_some());
        assert_eq!(slots.open.len(), MAX_CONNECTIONS);
        assert!(!slots.open.contains_key(&oldest), "the oldest made room");
    }
}
