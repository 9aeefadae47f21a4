//! An IMAP folder as a source. Messages are fetched with `BODY.PEEK[]`, so
//! nothing is marked read; progress is the stored UID position, never the
//! `\Seen` flag; nothing is moved, deleted or flagged unless the
//! configuration names a keyword. Every network wait has a timeout, so a
//! dead connection fails and is retried instead of hanging for ever.
//! Commands leave in one write each, on a socket with `TCP_NODELAY` (see
//! [`crate::net`]).

use super::{Feed, Shutdown};
use crate::config::{ImapSettings, StartFrom, TlsMode};
use crate::intake::IntakeError;
use crate::secret::{self, Secret, SecretError};
use async_imap::extensions::idle::IdleResponse;
use async_imap::types::UnsolicitedResponse;
use async_imap::{Authenticator, Client, Session};
use chrono::Utc;
use futures::TryStreamExt;
use std::fmt::Debug;
use std::future::Future;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, BufWriter};
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::TlsConnector;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// Servers drop IDLE after 30 minutes; renew well before.
const IDLE_RENEW: Duration = Duration::from_secs(25 * 60);

/// Any byte stream the IMAP client can run over: plain TCP or TLS.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Debug> Io for T {}
/// What the client runs over. async-imap writes a command in pieces (tag,
/// space, text, CRLF) and then flushes: the buffer gathers them into one
/// write, and over TLS into one record, so that no piece waits behind
/// another.
type Conn = BufWriter<Box<dyn Io>>;

fn buffered(stream: Box<dyn Io>) -> Conn {
    BufWriter::new(stream)
}

#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("cannot connect to {host}:{port}: {source}")]
    Connect {
        host: String,
        port: u16,
        source: std::io::Error,
    },
    #[error("TLS with {host}: {message}")]
    Tls { host: String, message: String },
    #[error("{what} timed out after {} s", .after.as_secs())]
    Timeout { what: &'static str, after: Duration },
    #[error("the server closed the connection")]
    Closed,
    #[error(
        "login as {username} refused: {message}; check the password or token for this mailbox"
    )]
    LoginRefused { username: String, message: String },
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("cannot open folder {folder}: {message}")]
    Folder { folder: String, message: String },
    #[error("IMAP: {0}")]
    Protocol(async_imap::error::Error),
    /// What the server sent is not shown: it may be a message, with a name
    /// and a date of birth in it.
    #[error("the server's answer is not valid IMAP (not shown here: it may hold a message)")]
    Garbled,
    #[error("the server sent message UID {uid} without its content; it will be asked again")]
    NoBody { uid: u32 },
    #[error(transparent)]
    Intake(#[from] IntakeError),
}

impl From<crate::store::StoreError> for ImapError {
    fn from(e: crate::store::StoreError) -> Self {
        ImapError::Intake(IntakeError::Store(e))
    }
}

async fn within<T, E>(
    what: &'static str,
    after: Duration,
    fut: impl Future<Output = Result<T, E>>,
) -> Result<T, ImapError>
where
    ImapError: From<E>,
{
    match tokio::time::timeout(after, fut).await {
        Ok(result) => result.map_err(ImapError::from),
        Err(_) => Err(ImapError::Timeout { what, after }),
    }
}

impl From<std::io::Error> for ImapError {
    fn from(e: std::io::Error) -> Self {
        ImapError::from(async_imap::error::Error::Io(e))
    }
}

impl From<async_imap::error::Error> for ImapError {
    fn from(e: async_imap::error::Error) -> Self {
        use async_imap::error::{Error, ParseError};
        match e {
            // The parser's errors carry what the server sent, which may be a
            // message: none of it goes into the log or the status.
            Error::Io(io) if io.to_string().contains(" during parsing of ") => ImapError::Garbled,
            Error::Parse(
                ParseError::Invalid(_) | ParseError::Unexpected(_) | ParseError::DataNotUtf8(..),
            ) => ImapError::Garbled,
            other => ImapError::Protocol(other),
        }
    }
}

/// SASL XOAUTH2, as Microsoft 365 and Google require for IMAP.
struct XOAuth2<'a> {
    user: &'a str,
    token: &'a str,
    sent: bool,
}

impl Authenticator for XOAuth2<'_> {
    type Response = String;
    fn process(&mut self, _challenge: &[u8]) -> String {
        if self.sent {
            // The server's error challenge: answer empty to get its NO.
            return String::new();
        }
        self.sent = true;
        format!("user={}\x01auth=Bearer {}\x01\x01", self.user, self.token)
    }
}

async fn start_tls(
    settings: &ImapSettings,
    stream: impl Io + 'static,
) -> Result<Box<dyn Io>, ImapError> {
    let tls_error = |message: String| ImapError::Tls {
        host: settings.host.clone(),
        message,
    };
    let config = crate::net::tls_config(settings.ca_file.as_deref()).map_err(tls_error)?;
    let name = ServerName::try_from(settings.host.clone()).map_err(|e| tls_error(e.to_string()))?;
    let tls = tokio::time::timeout(
        CONNECT_TIMEOUT,
        TlsConnector::from(config).connect(name, stream),
    )
    .await
    .map_err(|_| ImapError::Timeout {
        what: "TLS handshake",
        after: CONNECT_TIMEOUT,
    })?
    .map_err(|e| tls_error(e.to_string()))?;
    Ok(Box::new(tls))
}

async fn greeting<T: AsyncRead + AsyncWrite + Unpin + Send + Debug>(
    client: &mut Client<T>,
) -> Result<(), ImapError> {
    match within("greeting", CONNECT_TIMEOUT, client.read_response()).await? {
        Some(_) => Ok(()),
        None => Err(ImapError::Closed),
    }
}

/// Connects as the settings say and returns a client ready to log in.
async fn connect(settings: &ImapSettings) -> Result<Client<Conn>, ImapError> {
    let tcp = tokio::time::timeout(
        CONNECT_TIMEOUT,
        crate::net::connect(&settings.host, settings.port),
    )
    .await
    .map_err(|_| ImapError::Timeout {
        what: "connect",
        after: CONNECT_TIMEOUT,
    })?
    .map_err(|source| ImapError::Connect {
        host: settings.host.clone(),
        port: settings.port,
        source,
    })?;
    match settings.tls {
        TlsMode::Implicit => {
            let mut client = Client::new(buffered(start_tls(settings, tcp).await?));
            greeting(&mut client).await?;
            Ok(client)
        }
        TlsMode::StartTls => {
            let mut plain = Client::new(buffered(Box::new(tcp)));
            greeting(&mut plain).await?;
            within(
                "STARTTLS",
                COMMAND_TIMEOUT,
                plain.run_command_and_check_ok("STARTTLS", None),
            )
            .await?;
            // No second greeting after STARTTLS. The buffer is empty: the
            // client flushed its last command.
            let tcp = plain.into_inner().into_inner();
            Ok(Client::new(buffered(start_tls(settings, tcp).await?)))
        }
        TlsMode::None => {
            let mut client = Client::new(buffered(Box::new(tcp)));
            greeting(&mut client).await?;
            Ok(client)
        }
    }
}

/// Connects and logs in. A refused access token is fetched again once, as
/// the token command may have been handed an expired one.
async fn login(settings: &ImapSettings) -> Result<Session<Conn>, ImapError> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let client = connect(settings).await?;
        let secret = secret::fetch(&settings.credentials).await?;
        let is_token = matches!(secret, Secret::Token(_));
        let result = match &secret {
            Secret::Password(password) => {
                within_login(client.login(&settings.username, password)).await?
            }
            Secret::Token(token) => {
                let auth = XOAuth2 {
                    user: &settings.username,
                    token,
                    sent: false,
                };
                within_login(client.authenticate("XOAUTH2", auth)).await?
            }
        };
        match result {
            Ok(session) => return Ok(session),
            Err(message) if is_token && attempts < 2 => {
                tracing::warn!(username = %settings.username, "access token refused ({message}); fetching a new one");
            }
            Err(message) => {
                return Err(ImapError::LoginRefused {
                    username: settings.username.clone(),
                    message,
                })
            }
        }
    }
}

/// Runs a login and separates a refusal (worth a new token) from a failure.
async fn within_login(
    fut: impl Future<Output = Result<Session<Conn>, (async_imap::error::Error, Client<Conn>)>>,
) -> Result<Result<Session<Conn>, String>, ImapError> {
    match tokio::time::timeout(COMMAND_TIMEOUT, fut).await {
        Err(_) => Err(ImapError::Timeout {
            what: "login",
            after: COMMAND_TIMEOUT,
        }),
        Ok(Ok(session)) => Ok(Ok(session)),
        Ok(Err((async_imap::error::Error::No(message), _)))
        | Ok(Err((async_imap::error::Error::Bad(message), _))) => Ok(Err(message)),
        Ok(Err((other, _))) => Err(ImapError::from(other)),
    }
}

/// Watches one folder until shutdown; returns an error for the daemon to
/// retry after a pause.
pub async fn watch(
    feed: Feed<'_>,
    settings: &ImapSettings,
    mut shutdown: Shutdown,
) -> Result<(), ImapError> {
    let (mailbox, folder) = (feed.mailbox.name.as_str(), feed.folder);
    feed.store
        .set_status(mailbox, folder, "connecting", None, None)
        .await?;
    let mut session = login(settings).await?;
    let capabilities = within("CAPABILITY", COMMAND_TIMEOUT, session.capabilities()).await?;
    let can_idle = settings.idle && capabilities.has_str("IDLE");
    let selected = within("SELECT", COMMAND_TIMEOUT, session.select(folder))
        .await
        .map_err(|e| ImapError::Folder {
            folder: folder.to_string(),
            message: e.to_string(),
        })?;
    let uidvalidity = selected.uid_validity.unwrap_or(0);
    let mut last = match feed.store.position(mailbox, folder).await? {
        Some((known, last)) if known == uidvalidity => last,
        Some(_) => {
            // The server renumbered the folder: read it all again; Message-ID
            // and hash keep anything from being recorded twice.
            tracing::warn!(
                mailbox,
                folder,
                uidvalidity,
                "UIDVALIDITY changed: rescanning the folder"
            );
            feed.store
                .set_position(mailbox, folder, uidvalidity, 0)
                .await?;
            0
        }
        None => {
            let last = first_position(&mut session, settings.start, selected.uid_next).await?;
            feed.store
                .set_position(mailbox, folder, uidvalidity, last)
                .await?;
            last
        }
    };
    tracing::info!(
        mailbox,
        folder,
        uidvalidity,
        last_uid = last,
        idle = can_idle,
        "watching"
    );
    // When the server last told us of new mail: the gateway's own share of
    // the delivery-to-recorded time is measured from here.
    let mut woke_at: Option<std::time::Instant> = None;
    // Untagged answers that come between commands, or before IDLE's "+",
    // go to this channel rather than to the IDLE wait.
    let announcements = session.unsolicited_responses.clone();
    loop {
        // The fetch below covers whatever was announced until now.
        announced_new_mail(|| announcements.try_recv().ok());
        let before = last;
        last = fetch_new(&mut session, &feed, settings, uidvalidity, last, &shutdown).await?;
        if let (Some(woke), true) = (woke_at.take(), last > before) {
            tracing::debug!(
                target: "dtr_gateway::latency",
                mailbox,
                micros = woke.elapsed().as_micros() as u64,
                "from the server's EXISTS to recorded"
            );
        }
        if shutdown.requested() {
            break;
        }
        if can_idle {
            feed.store
                .set_status(mailbox, folder, "idle", None, None)
                .await?;
            let mut idle = session.idle();
            within("IDLE", COMMAND_TIMEOUT, idle.init()).await?;
            // Mail delivered between the fetch and IDLE is announced before
            // the "+" and would otherwise wait for the next renewal.
            let woke = if announced_new_mail(|| announcements.try_recv().ok()) {
                woke_at = Some(std::time::Instant::now());
                Some(Ok(IdleResponse::ManualInterrupt))
            } else {
                let (wait, _interrupt) = idle.wait_with_timeout(IDLE_RENEW);
                tokio::select! {
                    response = wait => Some(response),
                    _ = shutdown.wait() => None,
                }
            };
            match woke {
                // Shutting down while idle: no message is in hand.
                None => return Ok(()),
                Some(response) => {
                    if let IdleResponse::NewData(_) = response? {
                        woke_at = Some(std::time::Instant::now());
                    }
                }
            }
            session = within("DONE", COMMAND_TIMEOUT, idle.done()).await?;
        } else {
            feed.store
                .set_status(mailbox, folder, "polling", None, None)
                .await?;
            tokio::select! {
                _ = tokio::time::sleep(settings.poll_interval) => {}
                _ = shutdown.wait() => break,
            }
            within("NOOP", COMMAND_TIMEOUT, session.noop()).await?;
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), session.logout()).await;
    Ok(())
}

/// Empties the channel of unsolicited answers; true when one of them says
/// the folder has grown.
fn announced_new_mail(mut next: impl FnMut() -> Option<UnsolicitedResponse>) -> bool {
    let mut grown = false;
    while let Some(answer) = next() {
        if matches!(
            answer,
            UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Recent(_)
        ) {
            grown = true;
        }
    }
    grown
}

/// Where a folder's first reading starts: after the newest message, or at
/// the first message received since a date.
async fn first_position(
    session: &mut Session<Conn>,
    start: StartFrom,
    uid_next: Option<u32>,
) -> Result<u32, ImapError> {
    let newest = match uid_next {
        Some(next) => next.saturating_sub(1),
        None => within("UID SEARCH", COMMAND_TIMEOUT, session.uid_search("ALL"))
            .await?
            .into_iter()
            .max()
            .unwrap_or(0),
    };
    match start {
        StartFrom::New => Ok(newest),
        StartFrom::Since(date) => {
            let query = format!("SINCE {}", date.format("%-d-%b-%Y"));
            let found = within("UID SEARCH", COMMAND_TIMEOUT, session.uid_search(query)).await?;
            Ok(found
                .into_iter()
                .min()
                .map_or(newest, |first| first.saturating_sub(1)))
        }
    }
}

/// Fetches and records every message after `last`, in UID order; returns
/// the new position.
async fn fetch_new(
    session: &mut Session<Conn>,
    feed: &Feed<'_>,
    settings: &ImapSettings,
    uidvalidity: u32,
    mut last: u32,
    shutdown: &Shutdown,
) -> Result<u32, ImapError> {
    let mut recorded = Vec::new();
    {
        let range = format!("{}:*", last.saturating_add(1));
        let mut stream = within(
            "UID FETCH",
            COMMAND_TIMEOUT,
            session.uid_fetch(range, "(UID INTERNALDATE BODY.PEEK[])"),
        )
        .await?;
        while let Some(fetch) = within("FETCH", COMMAND_TIMEOUT, stream.try_next()).await? {
            // `n:*` always answers with the newest message, even when it is
            // older than n.
            let Some(uid) = fetch.uid.filter(|&uid| uid > last) else {
                continue;
            };
            // Never step over a message: the position moves past every UID
            // recorded after it, so skipping it would lose it for good.
            let Some(raw) = fetch.body() else {
                return Err(ImapError::NoBody { uid });
            };
            let received_at = fetch
                .internal_date()
                .map(|d| d.with_timezone(&Utc))
                .unwrap_or_else(Utc::now);
            feed.take(raw, Some((uidvalidity, uid)), received_at, None)
                .await?;
            last = uid;
            recorded.push(uid);
            if shutdown.requested() {
                // The message in hand is recorded; leave the rest for later.
                return Ok(last);
            }
        }
    }
    if !recorded.is_empty() {
        feed.note_recorded("connected").await?;
    }
    if let (Some(keyword), false) = (&settings.keyword, recorded.is_empty()) {
        let set: Vec<String> = recorded.iter().map(u32::to_string).collect();
        let query = format!("+FLAGS.SILENT ({keyword})");
        let stream = within(
            "UID STORE",
            COMMAND_TIMEOUT,
            session.uid_store(set.join(","), query),
        )
        .await?;
        within("UID STORE", COMMAND_TIMEOUT, stream.try_collect::<Vec<_>>()).await?;
    }
    Ok(last)
}
