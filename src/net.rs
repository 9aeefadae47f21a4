//! What the gateway's own connections to mail servers share: TCP with
//! `TCP_NODELAY`, and the TLS client configuration.
//!
//! IMAP and SMTP go command and answer. A client that writes a command in
//! two pieces, or a second command before the first is acknowledged, has
//! its second write held back by Nagle's algorithm until the server's
//! delayed ACK comes, about 40 ms later on Linux: most of a message's time
//! on a quick server. With `TCP_NODELAY` each write leaves at once.

use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::CertificateDer;

/// Connects over TCP with `TCP_NODELAY` set.
pub async fn connect(host: &str, port: u16) -> std::io::Result<TcpStream> {
    let tcp = TcpStream::connect((host, port)).await?;
    tcp.set_nodelay(true)?;
    Ok(tcp)
}

/// A TLS client configuration that trusts the system's certificates and,
/// when given, those of `ca_file` (a PEM file). The error says what is
/// wrong with the file.
pub fn tls_config(ca_file: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        // A system certificate rustls cannot use is skipped, not fatal.
        let _ = roots.add(cert);
    }
    if let Some(ca) = ca_file {
        let bad = |e: &dyn std::fmt::Display| format!("ca_file {}: {e}", ca.display());
        for cert in CertificateDer::pem_file_iter(ca).map_err(|e| bad(&e))? {
            roots.add(cert.map_err(|e| bad(&e))?).map_err(|e| bad(&e))?;
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn connections_are_opened_with_nodelay() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        let tcp = connect("127.0.0.1", port).await.expect("connect");
        assert!(tcp.nodelay().expect("nodelay"));
    }

    #[test]
    fn a_ca_file_that_is_not_pem_is_named_in_the_error() {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let file = dir.path().join("ca.pem");
        std::fs::write(&file, "-----BEGIN CERTIFICATE-----\nnot base64!\n").expect("write");
        let error = tls_config(Some(&file)).expect_err("refused");
        assert!(error.contains("ca.pem"), "{error}");
    }
}
