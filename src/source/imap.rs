//! An IMAP folder as a source. Messages are fetched with `BODY.PEEK[]`, so
//! nothing is marked read; progress is the stored UID position, never the
//! `\Seen` flag; nothing is moved, deleted or flagged unless the
//! configuration names a keyword. Every network wait has a timeout, so a
//! dead connection fails and is retried instead of hanging for ever.
//! Commands leave in one write each, on a socket with `TCP_NODELAY` (see
//! [`crate::net`]).

use super::{Feed, Interrupted};
use crate::config::{ImapSettings, StartFrom, TlsMode};
use crate::core::states::FolderState;
use crate::intake::IntakeError;
use crate::secret::{self, Secret, SecretError};
use crate::shutdown::Shutdown;
use async_imap::extensions::idle::IdleResponse;
use async_imap::imap_proto::{Response, Status};
use async_imap::types::UnsolicitedResponse;
use async_imap::{Authenticator, Client, Session};
use chrono::Utc;
use futures::TryStreamExt;
use std::fmt::Debug;
use std::future::Future;
use std::time::{Duration, Instant};
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
    #[error("cannot connect to {host}:{port}: {error}")]
    Connect {
        host: String,
        port: u16,
        error: std::io::Error,
    },
    #[error("TLS with {host}: {message}")]
    Tls { host: String, message: String },
    #[error("{what} timed out after {} s", .after.as_secs())]
    Timeout { what: &'static str, after: Duration },
    #[error("the server closed the connection")]
    Closed,
    /// The server ended the session itself: an untagged BYE (with what it
    /// said, if anything), or the connection closed while idle.
    #[error("the server ended the session{}", .said.as_deref().map(|s| format!(" ({s})")).unwrap_or_default())]
    Goodbye { said: Option<String> },
    #[error("login as {username} refused: {message}; {advice}")]
    LoginRefused {
        username: String,
        message: String,
        /// The usual causes of such a refusal, and what to do.
        advice: &'static str,
    },
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("cannot open folder {folder}: {message}")]
    Folder { folder: String, message: String },
    #[error("IMAP: {}", described(.0))]
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

impl ImapError {
    /// A goodbye with the server's words, kept short and on one line.
    fn goodbye(said: String) -> ImapError {
        let said: String = said.chars().filter(|c| !c.is_control()).take(200).collect();
        let said = said.trim();
        ImapError::Goodbye {
            said: (!said.is_empty()).then(|| said.to_string()),
        }
    }

    /// Whether the connection ended under a command.
    fn is_connection_lost(&self) -> bool {
        use async_imap::error::Error;
        match self {
            ImapError::Closed => true,
            ImapError::Protocol(Error::ConnectionLost) => true,
            ImapError::Protocol(Error::Io(e)) => matches!(
                e.kind(),
                std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
            ),
            _ => false,
        }
    }
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

/// An async-imap error in a person's words: a refusal (NO or BAD) as the
/// server's own text.
fn described(e: &async_imap::error::Error) -> String {
    use async_imap::error::Error;
    match e {
        Error::No(said) => format!("the server refused: {}", refusal(said)),
        Error::Bad(said) => format!("the server rejected the command: {}", refusal(said)),
        other => other.to_string(),
    }
}

/// What the server said with a NO or BAD. async-imap hands it over as
/// Rust's debug output of the answer (`code: None, info: Some("…")` or
/// `outcome: ResponseOutcome { …, information: Some("…") }`): the quoted
/// text is taken out of it, unescaped, on one line.
fn refusal(raw: &str) -> String {
    for key in ["info: Some(\"", "information: Some(\""] {
        let Some(at) = raw.find(key) else { continue };
        let mut text = String::new();
        let mut chars = raw[at + key.len()..].chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => match chars.next() {
                    Some('n' | 'r' | 't') => text.push(' '),
                    Some(escaped) => text.push(escaped),
                    None => break,
                },
                c if c.is_control() => {}
                c => text.push(c),
            }
        }
        let text = text.trim();
        if !text.is_empty() {
            return text.chars().take(300).collect();
        }
    }
    if raw.contains("info: None") || raw.contains("information: None") {
        return "(no reason given)".to_string();
    }
    raw.chars().filter(|c| !c.is_control()).take(300).collect()
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
        // A server that will not serve now (too many connections, say)
        // greets with BYE.
        Some(greeting) => match bye(greeting.parsed()) {
            Some(said) => Err(ImapError::goodbye(said)),
            None => Ok(()),
        },
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
        error: source,
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

/// Connects and logs in; with an access token, also says when to sign in
/// again (before the token expires). A refused access token is fetched
/// again once: it may have expired or been revoked since it was fetched.
async fn login(settings: &ImapSettings) -> Result<(Session<Conn>, Option<Instant>), ImapError> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let client = connect(settings).await?;
        let secret = secret::fetch(&settings.credentials).await?;
        let is_token = matches!(secret, Secret::Token { .. });
        let renew_at = match &secret {
            Secret::Token { renew_at, .. } => *renew_at,
            Secret::Password(_) => None,
        };
        let result = match &secret {
            Secret::Password(password) => {
                within_login(client.login(&settings.username, password)).await?
            }
            Secret::Token { token, .. } => {
                let auth = XOAuth2 {
                    user: &settings.username,
                    token,
                    sent: false,
                };
                within_login(client.authenticate("XOAUTH2", auth)).await?
            }
        };
        match result {
            Ok(session) => return Ok((session, renew_at)),
            Err(message) if is_token && attempts < 2 => {
                tracing::warn!(username = %settings.username, "access token refused ({message}); fetching a new one");
                secret::refused(&settings.credentials, &secret);
            }
            Err(message) => {
                return Err(ImapError::LoginRefused {
                    advice: crate::oauth::login_advice(&message, is_token),
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
        | Ok(Err((async_imap::error::Error::Bad(message), _))) => Ok(Err(refusal(&message))),
        Ok(Err((other, _))) => Err(ImapError::from(other)),
    }
}

/// Watches one folder until shutdown. A watch that ends otherwise says
/// whether it had opened the folder (logged in and selected it) first: the
/// daemon's pause before the next attempt depends on it.
///
/// A session signed in with an access token is ended and opened again with
/// a new token before the old one expires, so that the server never ends
/// it for an expired token (Exchange Online's `BYE … AccessTokenExpired`).
/// If the server does, the goodbye is a reconnection like any other, and
/// the token is fetched anew.
pub async fn watch(
    feed: Feed<'_>,
    settings: &ImapSettings,
    shutdown: Shutdown,
) -> Result<(), Interrupted<ImapError>> {
    loop {
        let opened = open(&feed, settings)
            .await
            .map_err(Interrupted::before_open)?;
        let announcements = opened.session.unsolicited_responses.clone();
        let followed = follow(&feed, settings, opened, shutdown.clone())
            .await
            .map_err(|e| {
                // A command cut short by the connection closing after the
                // server said BYE (which came as an unsolicited answer) is
                // a goodbye too.
                let e = match e {
                    e if e.is_connection_lost() => {
                        heard(|| announcements.try_recv().ok()).err().unwrap_or(e)
                    }
                    e => e,
                };
                if let ImapError::Goodbye { said: Some(said) } = &e {
                    if said.contains("AccessTokenExpired") || said.contains("Session invalidated") {
                        secret::expired(&settings.credentials);
                    }
                }
                Interrupted::after_open(e)
            })?;
        match followed {
            Followed::Stopped => return Ok(()),
            Followed::Renew => {
                tracing::info!(
                    mailbox = %feed.mailbox.name,
                    folder = %feed.folder,
                    "the access token is due for renewal: signing in again with a new one"
                );
            }
        }
    }
}

/// How reading an open folder ended, when it was not a failure.
enum Followed {
    /// Shutdown was asked for.
    Stopped,
    /// The session's token is about to expire: sign in again.
    Renew,
}

/// A folder selected, and where its reading goes on from.
struct Opened {
    session: Session<Conn>,
    uidvalidity: u32,
    last: u32,
    can_idle: bool,
    /// When to sign in again with a new access token.
    renew_at: Option<Instant>,
}

/// Connects, logs in and selects the folder; finds where to go on from.
async fn open(feed: &Feed<'_>, settings: &ImapSettings) -> Result<Opened, ImapError> {
    let (mailbox, folder) = (feed.mailbox.name.as_str(), feed.folder);
    feed.store
        .set_status(mailbox, folder, FolderState::Connecting, None, None)
        .await?;
    let (mut session, renew_at) = login(settings).await?;
    let capabilities = within("CAPABILITY", COMMAND_TIMEOUT, session.capabilities()).await?;
    let can_idle = settings.idle && capabilities.has_str("IDLE");
    let selected = within("SELECT", COMMAND_TIMEOUT, session.select(folder))
        .await
        .map_err(|e| ImapError::Folder {
            folder: folder.to_string(),
            message: match &e {
                ImapError::Protocol(e) => described(e),
                other => other.to_string(),
            },
        })?;
    let uidvalidity = selected.uid_validity.unwrap_or(0);
    let last = match feed.store.position(mailbox, folder).await? {
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
    Ok(Opened {
        session,
        uidvalidity,
        last,
        can_idle,
        renew_at,
    })
}

/// Reads the open folder as mail comes, until shutdown or the end of the
/// session. The server ending the session itself (an untagged BYE, or the
/// connection closed while idle, as Cyrus does at its IDLE timeout) is
/// [`ImapError::Goodbye`].
async fn follow(
    feed: &Feed<'_>,
    settings: &ImapSettings,
    opened: Opened,
    mut shutdown: Shutdown,
) -> Result<Followed, ImapError> {
    let (mailbox, folder) = (feed.mailbox.name.as_str(), feed.folder);
    let Opened {
        mut session,
        uidvalidity,
        mut last,
        can_idle,
        renew_at,
    } = opened;
    let due = || renew_at.is_some_and(|at| Instant::now() >= at);
    let mut ended = Followed::Stopped;
    // Untagged answers that come between commands, or before IDLE's "+",
    // go to this channel rather than to the IDLE wait.
    let announcements = session.unsolicited_responses.clone();
    let news = || heard(|| announcements.try_recv().ok());
    // When the server last told us of new mail: the gateway's own share of
    // the delivery-to-recorded time is measured from here.
    let mut woke_at: Option<std::time::Instant> = None;
    loop {
        // The fetch below covers whatever was announced until now.
        news()?;
        let before = last;
        // A polled folder stays "polling" while it is read: the status
        // tells how the folder is watched, not the moment of the read.
        let reading = if can_idle {
            FolderState::Connected
        } else {
            FolderState::Polling
        };
        last = fetch_new(
            &mut session,
            feed,
            settings,
            (uidvalidity, last),
            reading,
            &shutdown,
        )
        .await?;
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
        if due() {
            ended = Followed::Renew;
            break;
        }
        if can_idle {
            let mut idle = session.idle();
            within("IDLE", COMMAND_TIMEOUT, idle.init()).await?;
            // Idle once the server has taken the IDLE command, not before:
            // `status` (and a test waiting for it) then tells the truth.
            feed.store
                .set_status(mailbox, folder, FolderState::Idle, None, None)
                .await?;
            // Mail delivered between the fetch and IDLE is announced before
            // the "+" and would otherwise wait for the next renewal.
            if news()? {
                woke_at = Some(std::time::Instant::now());
            } else {
                let until_renewal = renew_at
                    .map(|at| at.saturating_duration_since(Instant::now()))
                    .unwrap_or(IDLE_RENEW);
                let (wait, _interrupt) = idle.wait_with_timeout(IDLE_RENEW.min(until_renewal));
                let woke = tokio::select! {
                    response = wait => Some(response),
                    _ = shutdown.wait() => None,
                };
                match woke {
                    // Shutting down while idle: no message is in hand.
                    None => return Ok(Followed::Stopped),
                    Some(Ok(IdleResponse::NewData(data))) => {
                        if let Some(said) = bye(data.parsed()) {
                            return Err(ImapError::goodbye(said));
                        }
                        woke_at = Some(std::time::Instant::now());
                    }
                    Some(Ok(IdleResponse::Timeout)) => {}
                    // The answers ended (nothing here interrupts the wait),
                    // or the connection did: the server closed it.
                    Some(Ok(IdleResponse::ManualInterrupt)) => {
                        news()?;
                        return Err(ImapError::Goodbye { said: None });
                    }
                    Some(Err(e)) => {
                        let e = ImapError::from(e);
                        if e.is_connection_lost() {
                            news()?;
                            return Err(ImapError::Goodbye { said: None });
                        }
                        return Err(e);
                    }
                }
            }
            session = within("DONE", COMMAND_TIMEOUT, idle.done()).await?;
        } else {
            feed.store
                .set_status(mailbox, folder, FolderState::Polling, None, None)
                .await?;
            let until_renewal = renew_at
                .map(|at| at.saturating_duration_since(Instant::now()))
                .unwrap_or(settings.poll_interval);
            tokio::select! {
                _ = tokio::time::sleep(settings.poll_interval.min(until_renewal)) => {}
                _ = shutdown.wait() => break,
            }
            within("NOOP", COMMAND_TIMEOUT, session.noop()).await?;
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), session.logout()).await;
    Ok(ended)
}

/// Empties the channel of unsolicited answers: true when one of them says
/// the folder has grown; the server's goodbye when one is a BYE.
fn heard(mut next: impl FnMut() -> Option<UnsolicitedResponse>) -> Result<bool, ImapError> {
    let mut grown = false;
    while let Some(answer) = next() {
        match answer {
            UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Recent(_) => grown = true,
            UnsolicitedResponse::Other(data) => {
                if let Some(said) = bye(data.parsed()) {
                    return Err(ImapError::goodbye(said));
                }
            }
            _ => {}
        }
    }
    Ok(grown)
}

/// What an untagged BYE says, if `response` is one.
fn bye(response: &Response<'_>) -> Option<String> {
    match response {
        Response::Data {
            status: Status::Bye,
            outcome,
        } => Some(outcome.information.as_deref().unwrap_or("").to_string()),
        _ => None,
    }
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
    (uidvalidity, mut last): (u32, u32),
    reading: FolderState,
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
        feed.note_recorded(reading).await?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use async_imap::imap_proto::Response;

    fn parsed(line: &[u8]) -> Response<'_> {
        Response::parse(line).expect("IMAP").1
    }

    #[test]
    fn an_untagged_bye_is_a_goodbye_with_what_the_server_said() {
        assert_eq!(
            bye(&parsed(b"* BYE Server shutting down.\r\n")).as_deref(),
            Some("Server shutting down.")
        );
        assert_eq!(
            bye(&parsed(b"* BYE [ALERT] Autologout; idle for too long\r\n")).as_deref(),
            Some("Autologout; idle for too long")
        );
        assert_eq!(bye(&parsed(b"* OK Still here\r\n")), None);
        assert_eq!(bye(&parsed(b"* 3 EXISTS\r\n")), None);
        assert_eq!(bye(&parsed(b"a1 BAD BYE is not a tag\r\n")), None);
    }

    #[test]
    fn what_a_goodbye_says_is_one_short_line() {
        let said = format!("Going\r\ndown{}", "!".repeat(500));
        let ImapError::Goodbye { said: Some(said) } = ImapError::goodbye(said) else {
            panic!("a goodbye with words");
        };
        assert!(said.starts_with("Goingdown!"), "{said}");
        assert_eq!(said.chars().count(), 200);
        assert!(matches!(
            ImapError::goodbye("  ".into()),
            ImapError::Goodbye { said: None }
        ));
        assert_eq!(
            ImapError::Goodbye { said: None }.to_string(),
            "the server ended the session"
        );
        assert_eq!(
            ImapError::goodbye("Server shutting down.".into()).to_string(),
            "the server ended the session (Server shutting down.)"
        );
    }

    #[test]
    fn a_refusal_is_shown_as_the_server_said_it() {
        use async_imap::error::Error;
        let login = Error::No(r#"code: None, info: Some("AUTHENTICATE failed.")"#.into());
        assert_eq!(
            ImapError::from(login).to_string(),
            "IMAP: the server refused: AUTHENTICATE failed."
        );
        let select = Error::No(
            r#"outcome: ResponseOutcome { code: None, information: Some("Mailbox doesn't exist: \"Junk Email\"") }"#
                .into(),
        );
        assert_eq!(
            ImapError::from(select).to_string(),
            r#"IMAP: the server refused: Mailbox doesn't exist: "Junk Email""#
        );
        assert_eq!(
            refusal(r#"code: Some(AuthenticationFailed), info: None"#),
            "(no reason given)"
        );
        assert_eq!(
            refusal("code: None, info: Some(\"User is authenticated but not connected.\")"),
            "User is authenticated but not connected."
        );
    }

    #[test]
    fn only_the_connection_ending_under_a_command_can_be_a_goodbye() {
        use std::io::{Error, ErrorKind};
        let io = |kind| ImapError::from(Error::new(kind, "x"));
        assert!(io(ErrorKind::UnexpectedEof).is_connection_lost());
        assert!(io(ErrorKind::BrokenPipe).is_connection_lost());
        assert!(io(ErrorKind::ConnectionReset).is_connection_lost());
        assert!(ImapError::Closed.is_connection_lost());
        assert!(ImapError::from(async_imap::error::Error::ConnectionLost).is_connection_lost());
        assert!(!io(ErrorKind::PermissionDenied).is_connection_lost());
        assert!(!ImapError::Timeout {
            what: "NOOP",
            after: COMMAND_TIMEOUT
        }
        .is_connection_lost());
        assert!(!ImapError::NoBody { uid: 7 }.is_connection_lost());
    }
}
