//! Who is reading: the session cookie, its session in the store, and what
//! the configuration says the address may see now (an officer removed from
//! the list is signed out at their next request).

use super::WebState;
use crate::store::{CaseScope, StoreError};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};

/// Idle this long, a session ends.
pub(crate) const IDLE: chrono::Duration = chrono::Duration::minutes(30);

/// A signed-in reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Viewer {
    /// An officer of one authority: its cases.
    Officer { address: String, scope: CaseScope },
    /// A coordinator: every authority's counts, no case.
    Coordinator { address: String },
}

impl Viewer {
    pub fn address(&self) -> &str {
        match self {
            Viewer::Officer { address, .. } | Viewer::Coordinator { address } => address,
        }
    }
}

/// A reader and their session's CSRF token and hash.
pub(crate) struct Signed {
    pub(crate) viewer: Viewer,
    pub(crate) csrf: String,
    pub(crate) session_hash: String,
}

/// A new secret: 32 random bytes from the system's generator, in hex.
pub(crate) fn secret() -> Option<String> {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 32];
    ring::rand::SystemRandom::new().fill(&mut bytes).ok()?;
    Some(hex(&bytes))
}

/// The SHA-256 of a secret, in hex: what the store keeps.
pub(crate) fn hashed(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The cookie's name: `__Host-` (Secure, this host, path /) over HTTPS.
pub(crate) fn cookie_name(state: &WebState) -> &'static str {
    if state.settings.secure_cookies() {
        "__Host-dtr_session"
    } else {
        "dtr_session"
    }
}

/// The `Set-Cookie` value that opens a session, or (`None`) ends one.
pub(crate) fn set_cookie(state: &WebState, value: Option<&str>) -> Option<HeaderValue> {
    let secure = if state.settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let text = match value {
        Some(v) => format!(
            "{}={v}; Path=/; HttpOnly; SameSite=Strict{secure}",
            cookie_name(state)
        ),
        None => format!(
            "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}",
            cookie_name(state)
        ),
    };
    HeaderValue::from_str(&text).ok()
}

/// The session cookie's value, when the request carries one that looks
/// like a session (64 hex digits).
fn cookie(state: &WebState, headers: &HeaderMap) -> Option<String> {
    cookie_named(headers, cookie_name(state), |_| true)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The first value of the cookie `name` the request carries that `fits`.
pub(super) fn cookie_named(
    headers: &HeaderMap,
    name: &str,
    fits: impl Fn(&str) -> bool,
) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, v)| *k == name && fits(v))
        .map(|(_, v)| v.to_string())
}

/// Whether the request carries a session cookie, valid or not.
pub(crate) fn carries_session_cookie(state: &WebState, headers: &HeaderMap) -> bool {
    cookie(state, headers).is_some()
}

/// Who the configuration says an address is, if anyone.
pub(crate) fn viewer_for(state: &WebState, address: &str) -> Option<Viewer> {
    let parsed = crate::core::address::EmailAddress::parse(address).ok()?;
    if state.settings.coordinators.contains(&parsed) {
        return Some(Viewer::Coordinator {
            address: address.to_string(),
        });
    }
    state
        .config
        .authorities
        .iter()
        .find(|a| a.officers.contains(&parsed))
        .map(|a| Viewer::Officer {
            address: address.to_string(),
            scope: CaseScope::with_mailboxes(
                a.code.as_str(),
                state
                    .config
                    .mailboxes
                    .iter()
                    .filter(|m| m.authority == a.code)
                    .map(|m| m.name.clone())
                    .collect(),
            ),
        })
}

/// The signed-in reader of a request, if any.
pub(crate) async fn signed_in(
    state: &WebState,
    headers: &HeaderMap,
) -> Result<Option<Signed>, StoreError> {
    let Some(value) = cookie(state, headers) else {
        return Ok(None);
    };
    let session_hash = hashed(&value);
    let Some(session) = state
        .store
        .web_session(
            &session_hash,
            chrono::Utc::now(),
            IDLE,
            state.settings.session_lifetime(),
        )
        .await?
    else {
        return Ok(None);
    };
    let Some(viewer) = viewer_for(state, &session.address) else {
        // No longer listed: every session of theirs ends, not only this
        // one, so that none opens again if they are listed again later.
        state.store.end_web_sessions_of(&session.address).await?;
        return Ok(None);
    };
    Ok(Some(Signed {
        viewer,
        csrf: session.csrf,
        session_hash,
    }))
}

/// Whether a form's `csrf` field is the session's token (compared in
/// constant time).
pub(crate) fn csrf_ok(signed: &Signed, given: Option<&str>) -> bool {
    let Some(given) = given else {
        return false;
    };
    let (a, b) = (signed.csrf.as_bytes(), given.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A form body's fields.
pub(crate) fn form(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// One field of a form or query.
pub(crate) fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Marks the answer to a request that needs a session and has none, so
/// that `return_after_sign_in` can offer to come back to it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SignInNeeded;

/// The way to the sign-in page, for a request without a session.
pub(crate) fn sign_in_needed() -> Response {
    let mut response = Redirect::to("/").into_response();
    response.extensions_mut().insert(SignInNeeded);
    response
}

/// The longest page address kept to return to after signing in.
const LONGEST_NEXT: usize = 1024;

/// `next` when it is a page of this site to return to: a local path (a
/// single `/` first; never `//host`, `/\host` or a scheme, which browsers
/// would take to another site), in plain ASCII, not too long, never the
/// sign-in pages; its path without `.` or `..` segments or an encoded
/// `/`, `\\` or `.` (which would reach a page other than the one it
/// names, such as `/cases/../sign-in/TOKEN`).
pub(crate) fn local_path(next: &str) -> Option<&str> {
    let path = next.split_once('?').map_or(next, |(path, _)| path);
    let lowered = path.to_ascii_lowercase();
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= LONGEST_NEXT
        && next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
        && !path.contains('#')
        && !path
            .split('/')
            .any(|segment| segment == "." || segment == "..")
        && !["%2f", "%5c", "%2e"].iter().any(|e| lowered.contains(e))
        && !next.starts_with("/sign-");
    local.then_some(next)
}

/// `?next=PATH` for a page to return to, or nothing.
pub(crate) fn next_query(next: Option<&str>) -> String {
    match next.and_then(local_path) {
        Some(path) => format!(
            "?next={}",
            form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>()
        ),
        None => String::new(),
    }
}

/// The hidden field that carries `next` through a form, or nothing.
pub(crate) fn next_field(next: Option<&str>) -> String {
    match next.and_then(local_path) {
        Some(path) => format!(
            "<input type=\"hidden\" name=\"next\" value=\"{}\">",
            super::page::escape(path)
        ),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_path_of_this_site_is_returned_to() {
        for good in [
            "/cases",
            "/cases/DTR-COL-2026-00001",
            "/cases?q=smith&state=red",
        ] {
            assert_eq!(local_path(good), Some(good));
        }
        for bad in [
            "//evil.test",
            "//evil.test/cases",
            "/\\evil.test",
            "https://evil.test",
            "javascript:alert(1)",
            "evil.test",
            "",
            "/cases\r\nSet-Cookie: x",
            "/sign-in/abc",
            "/cases/../sign-in/abc",
            "/./sign-in/abc",
            "/cases/%2e%2e/sign-in/abc",
            "/%2F%2Fevil.test",
            "/%5cevil.test",
            "/cases/..",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
        assert_eq!(local_path(&format!("/{}", "a".repeat(2000))), None);
        assert_eq!(next_query(Some("/cases?q=a b")), "");
        assert_eq!(
            next_query(Some("/cases?q=smith")),
            "?next=%2Fcases%3Fq%3Dsmith"
        );
    }
}
