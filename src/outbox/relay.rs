//! The SMTP relay: lettre's SMTP client over connections the gateway opens
//! itself, so that `TCP_NODELAY` is set on them. lettre 0.11.23 never sets
//! it, and its `AsyncSmtpTransport` takes no socket from outside; its
//! `AsyncSmtpConnection` does. Without it every mail waited about 40 ms for
//! the relay's delayed ACK between the message and the closing dot, which
//! lettre writes separately. Connections are kept between mails and checked
//! with NOOP before each reuse, as lettre's pool does.

use super::{Composed, MailTransport, SendError};
use crate::config::{Credentials, SmtpSettings, TlsMode};
use futures::future::BoxFuture;
use lettre::transport::smtp::authentication::{Credentials as SmtpCredentials, Mechanism};
use lettre::transport::smtp::client::{
    AsyncSmtpConnection, AsyncTokioStream, Certificate, TlsParameters,
};
use lettre::transport::smtp::extension::ClientId;
use lettre::Message;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::TlsConnector;

/// For a connection to be ready: TCP, TLS, greeting, EHLO, login.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// For a mail to be taken, from MAIL FROM to the answer to its closing
/// dot: lettre waits for ever on a relay that stops answering, and a
/// connection kept between mails may have gone quiet.
const SEND_TIMEOUT: Duration = Duration::from_secs(120);
/// For a kept connection to answer NOOP before it is used again.
const NOOP_TIMEOUT: Duration = Duration::from_secs(10);

/// How the connection is encrypted.
enum Encryption {
    None,
    /// STARTTLS, by lettre.
    StartTls(TlsParameters),
    /// TLS from the first byte, by tokio-rustls (lettre takes the stream
    /// already encrypted).
    Implicit(TlsConnector, ServerName<'static>),
}

/// Who the relay is logged in as; the secret is fetched for each new
/// connection (a token the gateway fetches itself is kept, and renewed
/// before it expires).
struct Login {
    user: String,
    credentials: Credentials,
    mechanisms: Vec<Mechanism>,
}

/// The relay of the `[outgoing.smtp]` settings, with the connections open
/// to it.
pub struct Relay {
    host: String,
    port: u16,
    encryption: Encryption,
    login: Option<Login>,
    hello: ClientId,
    idle: Mutex<Vec<AsyncSmtpConnection>>,
}

impl Relay {
    /// Reads the CA file; fetches the secret and connects only when a mail
    /// is sent (a missing secret stops the daemon at start:
    /// `check_credentials`).
    pub async fn new(settings: &SmtpSettings) -> Result<Relay, SendError> {
        let encryption = match settings.tls {
            TlsMode::None => Encryption::None,
            TlsMode::StartTls => {
                let mut params = TlsParameters::builder(settings.host.clone());
                if let Some(ca) = &settings.ca_file {
                    let pem = tokio::fs::read(ca)
                        .await
                        .map_err(|e| SendError::Build(format!("ca_file {}: {e}", ca.display())))?;
                    let cert = Certificate::from_pem(&pem)
                        .map_err(|e| SendError::Build(format!("ca_file {}: {e}", ca.display())))?;
                    params = params.add_root_certificate(cert);
                }
                Encryption::StartTls(
                    params
                        .build_rustls()
                        .map_err(|e| SendError::Build(e.to_string()))?,
                )
            }
            TlsMode::Implicit => {
                let config = crate::net::tls_config(settings.ca_file.as_deref())
                    .map_err(SendError::Build)?;
                let name = ServerName::try_from(settings.host.clone())
                    .map_err(|e| SendError::Build(format!("host {}: {e}", settings.host)))?;
                Encryption::Implicit(TlsConnector::from(config), name)
            }
        };
        let login = match &settings.login {
            None => None,
            Some((user, credentials)) => {
                let mechanisms = if credentials.is_token() {
                    vec![Mechanism::Xoauth2]
                } else {
                    vec![Mechanism::Plain, Mechanism::Login]
                };
                Some(Login {
                    user: user.clone(),
                    credentials: credentials.clone(),
                    mechanisms,
                })
            }
        };
        Ok(Relay {
            host: settings.host.clone(),
            port: settings.port,
            encryption,
            login,
            hello: ClientId::default(),
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Sends one mail on a connection kept from before, or a new one.
    async fn send_message(&self, message: &Message) -> Result<(), SendError> {
        let mut connection = self.connection().await?;
        let raw = message.formatted();
        let sending = connection.send(message.envelope(), &raw);
        let Ok(result) = tokio::time::timeout(SEND_TIMEOUT, sending).await else {
            // Dropped, not kept: its state is unknown.
            return Err(self.unreachable(format!(
                "no answer to a mail within {} s",
                SEND_TIMEOUT.as_secs()
            )));
        };
        // lettre closes a connection after any error; one that is still
        // sound is kept for the next mail.
        if !connection.has_broken() {
            self.lock_idle().push(connection);
        }
        result.map(|_| ()).map_err(SendError::Smtp)
    }

    /// Says QUIT on every connection kept.
    async fn quit_all(&self) {
        let connections = std::mem::take(&mut *self.lock_idle());
        for mut connection in connections {
            let _ = tokio::time::timeout(Duration::from_secs(5), connection.quit()).await;
        }
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, Vec<AsyncSmtpConnection>> {
        // A panic elsewhere leaves the list as it was: still usable.
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn connection(&self) -> Result<AsyncSmtpConnection, SendError> {
        loop {
            let kept = self.lock_idle().pop();
            match kept {
                Some(mut connection) => {
                    match tokio::time::timeout(NOOP_TIMEOUT, connection.test_connected()).await {
                        Ok(true) => return Ok(connection),
                        Ok(false) => connection.abort().await,
                        // Silent: dropped, which closes it.
                        Err(_) => {}
                    }
                }
                None => {
                    return match tokio::time::timeout(CONNECT_TIMEOUT, self.connect()).await {
                        Ok(result) => result,
                        Err(_) => Err(self.unreachable(format!(
                            "no answer within {} s",
                            CONNECT_TIMEOUT.as_secs()
                        ))),
                    }
                }
            }
        }
    }

    fn unreachable(&self, message: String) -> SendError {
        SendError::Connect {
            host: self.host.clone(),
            port: self.port,
            message,
        }
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let tcp = crate::net::connect(&self.host, self.port)
            .await
            .map_err(|e| self.unreachable(e.to_string()))?;
        let mut connection = match &self.encryption {
            Encryption::Implicit(connector, name) => {
                let tls = connector
                    .connect(name.clone(), tcp)
                    .await
                    .map_err(|e| self.unreachable(format!("TLS: {e}")))?;
                AsyncSmtpConnection::connect_with_transport(Box::new(Tls(tls)), &self.hello).await?
            }
            Encryption::StartTls(params) => {
                let mut connection =
                    AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello).await?;
                connection.starttls(params.clone(), &self.hello).await?;
                connection
            }
            Encryption::None => {
                AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello).await?
            }
        };
        if let Some(login) = &self.login {
            let secret = fetch(&login.credentials).await?;
            let refused = match connection
                .auth(&login.mechanisms, &login.with(&secret))
                .await
            {
                Ok(_) => return Ok(connection),
                Err(e) if login.credentials.is_token() && e.is_permanent() => e,
                Err(e) => return Err(e.into()),
            };
            // A token refused may have expired or been revoked since it
            // was fetched: a new one, once.
            tracing::warn!(host = %self.host, error = %refused, "access token refused; fetching a new one");
            crate::secret::refused(&login.credentials, &secret);
            let secret = fetch(&login.credentials).await?;
            connection
                .auth(&login.mechanisms, &login.with(&secret))
                .await?;
        }
        Ok(connection)
    }
}

impl MailTransport for Relay {
    fn send<'a>(&'a self, mail: &'a Composed) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(self.send_message(&mail.message))
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(self.quit_all())
    }
}

impl Login {
    fn with(&self, secret: &crate::secret::Secret) -> SmtpCredentials {
        SmtpCredentials::new(self.user.clone(), secret.expose().to_string())
    }
}

async fn fetch(credentials: &Credentials) -> Result<crate::secret::Secret, SendError> {
    crate::secret::fetch(credentials)
        .await
        .map_err(|e| SendError::Credentials(e.to_string()))
}

/// A TLS stream of tokio-rustls, as lettre takes one.
#[derive(Debug)]
struct Tls(tokio_rustls::client::TlsStream<TcpStream>);

impl AsyncTokioStream for Tls {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

impl AsyncRead for Tls {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Tls {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
