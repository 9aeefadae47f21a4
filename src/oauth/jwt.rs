//! Signed JWT assertions: Microsoft's certificate credential (a client
//! assertion, PS256, `x5t#S256`) and Google's service-account grant
//! (RS256). jsonwebtoken writes the token; ring, which rustls already
//! uses, signs it.

use super::OAuthError;
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use ring::signature::{RsaEncoding, RsaKeyPair, RSA_PKCS1_SHA256, RSA_PSS_SHA256};
use serde::Serialize;
use std::path::Path;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// jsonwebtoken's signing done with ring: RS256 and PS256, nothing else
/// (the gateway only signs; it never verifies).
static RING: CryptoProvider = CryptoProvider {
    signer_factory: ring_signer,
    verifier_factory: no_verifier,
    key_utils: KeyUtils::new_unimplemented(),
};

struct RingSigner {
    pair: RsaKeyPair,
    padding: &'static dyn RsaEncoding,
    algorithm: Algorithm,
}

impl jsonwebtoken::signature::Signer<Vec<u8>> for RingSigner {
    fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, jsonwebtoken::signature::Error> {
        let mut signature = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(
                self.padding,
                &ring::rand::SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| jsonwebtoken::signature::Error::new())?;
        Ok(signature)
    }
}

impl JwtSigner for RingSigner {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

/// The key is PKCS#8 or PKCS#1 DER (see [`signing_key`]).
fn ring_signer(
    algorithm: &Algorithm,
    key: &EncodingKey,
) -> jsonwebtoken::errors::Result<Box<dyn JwtSigner>> {
    let padding: &'static dyn RsaEncoding = match algorithm {
        Algorithm::RS256 => &RSA_PKCS1_SHA256,
        Algorithm::PS256 => &RSA_PSS_SHA256,
        _ => return Err(ErrorKind::InvalidAlgorithm.into()),
    };
    let pair = RsaKeyPair::from_pkcs8(key.as_bytes())
        .or_else(|_| RsaKeyPair::from_der(key.as_bytes()))
        .map_err(|e| ErrorKind::InvalidRsaKey(e.to_string()))?;
    Ok(Box::new(RingSigner {
        pair,
        padding,
        algorithm: *algorithm,
    }))
}

fn no_verifier(
    _: &Algorithm,
    _: &DecodingKey,
) -> jsonwebtoken::errors::Result<Box<dyn JwtVerifier>> {
    Err(ErrorKind::InvalidAlgorithm.into())
}

/// A signed JWT: header and claims as given.
pub(super) fn sign<C: Serialize>(
    header: &Header,
    claims: &C,
    key: &EncodingKey,
) -> Result<String, String> {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        // Fails only when a provider is already installed: the process's
        // own choice, which signs these algorithms too.
        let _ = RING.install_default();
    });
    jsonwebtoken::encode(header, claims, key).map_err(|e| e.to_string())
}

/// An RSA private key from PEM text (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA
/// PRIVATE KEY`), checked to be one ring can sign with.
pub(super) fn signing_key(pem: &[u8]) -> Result<EncodingKey, String> {
    let key = PrivateKeyDer::from_pem_slice(pem)
        .map_err(|_| "no private key (PEM `PRIVATE KEY` or `RSA PRIVATE KEY`) in it".to_string())?;
    let der = match &key {
        PrivateKeyDer::Pkcs8(k) => k.secret_pkcs8_der(),
        PrivateKeyDer::Pkcs1(k) => k.secret_pkcs1_der(),
        _ => return Err("the private key is not an RSA key".to_string()),
    };
    RsaKeyPair::from_pkcs8(der)
        .or_else(|_| RsaKeyPair::from_der(der))
        .map_err(|e| {
            format!("the private key cannot sign ({e}); an RSA key of 2048 bits or more is needed")
        })?;
    Ok(EncodingKey::from_rsa_der(der))
}

/// The certificate of a PEM file (the first), as DER.
pub(super) fn certificate_der(pem: &[u8]) -> Result<Vec<u8>, String> {
    CertificateDer::pem_slice_iter(pem)
        .next()
        .ok_or_else(|| "no certificate (PEM `CERTIFICATE`) in it".to_string())?
        .map(|c| c.to_vec())
        .map_err(|e| format!("the certificate cannot be read: {e}"))
}

/// When a certificate stops being valid (its notAfter).
pub(super) fn not_after(der: &[u8]) -> Result<chrono::DateTime<chrono::Utc>, String> {
    use x509_cert::der::Decode;
    let certificate = x509_cert::Certificate::from_der(der)
        .map_err(|e| format!("the certificate cannot be read: {e}"))?;
    let seconds = certificate
        .tbs_certificate()
        .validity()
        .not_after
        .to_unix_duration()
        .as_secs();
    i64::try_from(seconds)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .ok_or_else(|| "the certificate's expiry date is out of range".to_string())
}

/// Microsoft's client assertion: signed with the certificate's key, valid
/// for ten minutes, naming the app as issuer and subject and the token
/// endpoint as audience.
pub(super) async fn microsoft_assertion(
    client_id: &str,
    token_url: &str,
    certificate: &Path,
    private_key: Option<&Path>,
) -> Result<String, OAuthError> {
    let unreadable = |path: &Path, error: String| OAuthError::Credential {
        what: "certificate",
        path: path.display().to_string(),
        message: error,
    };
    let pem = crate::secret::read_secret_file(certificate)
        .await
        .map_err(|e| unreadable(certificate, e.to_string()))?;
    let der = certificate_der(&pem).map_err(|e| unreadable(certificate, e))?;
    let expires = not_after(&der).map_err(|e| unreadable(certificate, e))?;
    if expires <= chrono::Utc::now() {
        return Err(OAuthError::Expired {
            what: "certificate",
            path: certificate.display().to_string(),
            on: expires.date_naive(),
            advice: "make a new one, upload it to the app registration (Certificates & \
                     secrets) and put it and its key in certificate_file",
        });
    }
    let key_path = private_key.unwrap_or(certificate);
    let key_pem = match private_key {
        Some(path) => crate::secret::read_secret_file(path)
            .await
            .map_err(|e| unreadable(path, e.to_string()))?,
        None => pem,
    };
    let key = signing_key(&key_pem).map_err(|e| unreadable(key_path, e))?;
    let mut header = Header::new(Algorithm::PS256);
    header.x5t_s256 = Some(base64url(&sha256(&der)));
    let now = chrono::Utc::now().timestamp();
    let claims = serde_json::json!({
        "aud": token_url,
        "iss": client_id,
        "sub": client_id,
        "jti": random_id(),
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    });
    sign(&header, &claims, &key).map_err(|e| unreadable(key_path, e))
}

/// Google's service-account assertion, acting as `subject`.
pub(super) fn google_assertion(
    key: &EncodingKey,
    key_id: Option<&str>,
    client_email: &str,
    subject: &str,
    scope: &str,
    audience: &str,
) -> Result<String, String> {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = key_id.map(str::to_string);
    let now = chrono::Utc::now().timestamp();
    let claims = serde_json::json!({
        "iss": client_email,
        "sub": subject,
        "scope": scope,
        "aud": audience,
        "iat": now,
        "exp": now + 3600,
    });
    sign(&header, &claims, key)
}

pub(super) fn sha256(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}

pub(super) fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A random identifier in the form of a GUID (the assertion's `jti`).
fn random_id() -> String {
    let mut bytes = [0u8; 16];
    // ring's generator; on the off chance it fails, time and a counter.
    if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes).is_err() {
        static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let t = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
        bytes[..8].copy_from_slice(&t.to_le_bytes());
        bytes[8..].copy_from_slice(&n.to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jti_values_are_guids_and_differ() {
        let (a, b) = (random_id(), random_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
    }

    #[test]
    fn a_file_without_a_key_or_certificate_says_so() {
        assert!(signing_key(b"nothing here")
            .expect_err("no key")
            .contains("no private key"));
        assert!(certificate_der(b"nothing here")
            .expect_err("no certificate")
            .contains("no certificate"));
    }
}
