//! One HTTPS request to a token endpoint: hyper's HTTP/1.1 client over the
//! gateway's own TCP and TLS (tokio-rustls, the system's roots), as oauth2
//! takes an HTTP client. Plain `http://` is for a test endpoint on this
//! machine (the configuration refuses it elsewhere).

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use std::time::Duration;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::TlsConnector;

/// For the whole request: connection, TLS, request and answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// A token answer is a few kilobytes.
const MAX_ANSWER: usize = 256 * 1024;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RequestError(String);

/// Sends `request` and reads the answer whole.
pub async fn send(request: oauth2::HttpRequest) -> Result<oauth2::HttpResponse, RequestError> {
    tokio::time::timeout(REQUEST_TIMEOUT, exchange(request))
        .await
        .unwrap_or_else(|_| {
            Err(RequestError(format!(
                "no answer within {} s",
                REQUEST_TIMEOUT.as_secs()
            )))
        })
}

async fn exchange(request: oauth2::HttpRequest) -> Result<oauth2::HttpResponse, RequestError> {
    let uri = request.uri().clone();
    let https = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => return Err(RequestError(format!("{uri} is not an http(s) URL"))),
    };
    let host = uri
        .host()
        .ok_or_else(|| RequestError(format!("{uri} names no host")))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let tcp = crate::net::connect(&host, port)
        .await
        .map_err(|e| RequestError(format!("cannot connect to {host}:{port}: {e}")))?;
    let (parts, body) = request.into_parts();
    let mut outgoing = hyper::Request::from_parts(parts, Full::new(Bytes::from(body)));
    let authority = uri
        .authority()
        .map(|a| a.as_str().to_string())
        .unwrap_or_else(|| host.clone());
    let host_header = hyper::header::HeaderValue::from_str(&authority)
        .map_err(|e| RequestError(format!("{uri}: {e}")))?;
    outgoing
        .headers_mut()
        .insert(hyper::header::HOST, host_header);
    *outgoing.uri_mut() = uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
        .parse()
        .map_err(|e| RequestError(format!("{uri}: {e}")))?;
    let answer = if https {
        let config = crate::net::tls_config(None).map_err(RequestError)?;
        let name =
            ServerName::try_from(host.clone()).map_err(|e| RequestError(format!("{host}: {e}")))?;
        let tls = TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .map_err(|e| RequestError(format!("TLS with {host}: {e}")))?;
        round_trip(TokioIo::new(tls), outgoing).await?
    } else {
        round_trip(TokioIo::new(tcp), outgoing).await?
    };
    Ok(answer)
}

async fn round_trip<T>(
    io: T,
    request: hyper::Request<Full<Bytes>>,
) -> Result<oauth2::HttpResponse, RequestError>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| RequestError(format!("HTTP: {e}")))?;
    let driver = tokio::spawn(connection);
    let result = async {
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| RequestError(format!("HTTP: {e}")))?;
        let (parts, body) = response.into_parts();
        let body = Limited::new(body, MAX_ANSWER)
            .collect()
            .await
            .map_err(|e| RequestError(format!("reading the answer: {e}")))?
            .to_bytes();
        Ok(hyper::Response::from_parts(parts, body.to_vec()))
    }
    .await;
    driver.abort();
    result
}
