//! Signing in by email. `POST /sign-in` mails a one-time link, through the
//! outbox, only to an address the configuration lists (an authority's
//! officer or a coordinator); every other address gets the same page and no
//! mail, so nobody learns who is known. Opening the link shows only a
//! button (mail scanners open links before people do); its POST uses the
//! link, once, within 15 minutes, and opens a session.

use super::page::{answer, escape, page};
use super::session::{self, field, form, hashed, secret, set_cookie, signed_in, Viewer};
use super::WebState;
use crate::core::address::EmailAddress;
use crate::core::mail::Purpose;
use crate::core::plan::OutgoingMail;
use crate::http::Peer;
use crate::store::SignInRequest;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// A link works this long after it was asked for.
pub(crate) const LINK_LIFETIME: chrono::Duration = chrono::Duration::minutes(15);
/// Links one address may be sent in [`WINDOW`].
pub(crate) const PER_ADDRESS: i64 = 3;
/// Requests for links one client may make in [`WINDOW`].
pub(crate) const PER_CLIENT: usize = 10;
pub(crate) const WINDOW: chrono::Duration = chrono::Duration::minutes(15);
/// Clients remembered at once; past this the oldest are forgotten.
const CLIENTS_KEPT: usize = 10_000;

/// The requests for links each client made within the window.
#[derive(Default)]
pub(crate) struct Limits {
    clients: Mutex<HashMap<IpAddr, Vec<DateTime<Utc>>>>,
}

impl Limits {
    /// Counts a request from `client`: false when it is one too many.
    fn allow(&self, client: IpAddr, now: DateTime<Utc>) -> bool {
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        if clients.len() >= CLIENTS_KEPT {
            clients.retain(|_, times| times.iter().any(|t| now - *t < WINDOW));
            if clients.len() >= CLIENTS_KEPT {
                clients.clear();
            }
        }
        let times = clients.entry(client).or_default();
        times.retain(|t| now - *t < WINDOW);
        if times.len() >= PER_CLIENT {
            return false;
        }
        times.push(now);
        true
    }
}

fn sign_in_form(note: &str) -> String {
    page(
        "Sign in",
        &format!(
            "{note}<p>Council officers and the protocol's coordinators sign in with a link \
             sent to their own work email address.</p>\
             <form method=\"post\" action=\"/sign-in\">\
             <label for=\"email\">Email address</label>\
             <input type=\"email\" id=\"email\" name=\"email\" autocomplete=\"email\" required>\
             <div><button type=\"submit\">Send me a link</button></div></form>"
        ),
        None,
    )
}

/// `GET /`: the sign-in page, or the cases for someone signed in.
pub(crate) async fn start(State(state): State<Arc<WebState>>, headers: HeaderMap) -> Response {
    match signed_in(&state, &headers).await {
        Ok(Some(_)) => Redirect::to("/cases").into_response(),
        Ok(None) => answer(StatusCode::OK, sign_in_form("")),
        Err(e) => trouble(&e),
    }
}

/// The client a request came from: behind a reverse proxy on loopback, the
/// address it names last in `X-Forwarded-For`.
fn client(peer: Option<Peer>, headers: &HeaderMap) -> IpAddr {
    let direct = peer.map_or(IpAddr::from([0, 0, 0, 0]), |p| p.0.ip());
    if !direct.to_canonical().is_loopback() {
        return direct;
    }
    headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(direct)
}

/// `POST /sign-in`: the same page whoever asks.
pub(crate) async fn request_link(
    State(state): State<Arc<WebState>>,
    peer: Option<axum::Extension<Peer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = Utc::now();
    if !state.limits.allow(client(peer.map(|p| p.0), &headers), now) {
        return answer(
            StatusCode::TOO_MANY_REQUESTS,
            page(
                "Too many requests",
                "<p>Too many sign-in links have been asked for from here. Try again in 15 minutes.</p>",
                None,
            ),
        );
    }
    let fields = form(&body);
    let sent = page(
        "Check your email",
        "<p>If that address may sign in, a link is on its way to it. It works once, for 15 \
         minutes.</p><p>Nothing arrived? Check the address with your team leader, or \
         <a href=\"/\">ask again</a>.</p>",
        None,
    );
    let Some(address) = field(&fields, "email").and_then(|e| EmailAddress::parse(e.trim()).ok())
    else {
        return answer(StatusCode::OK, sent);
    };
    // Apart from the answer, so that how long it takes says nothing about
    // whether the address is known.
    let worker = state.clone();
    tokio::spawn(async move {
        if let Err(error) = mail_link(&worker, &address, now).await {
            tracing::warn!(%error, "web view: a sign-in link could not be queued");
        }
    });
    answer(StatusCode::OK, sent)
}

/// Queues the link for a listed address within its limit; nothing for
/// anyone else.
async fn mail_link(
    state: &WebState,
    address: &EmailAddress,
    now: DateTime<Utc>,
) -> Result<(), crate::store::StoreError> {
    let lowered = address.as_str().to_lowercase();
    let Some(viewer) = session::viewer_for(state, &lowered) else {
        return Ok(());
    };
    // The officer's authority sends it; a coordinator's, their own
    // council or the one `[web] coordinators_from` names.
    let authority = match &viewer {
        Viewer::Officer { scope, .. } => Some(scope.code().to_string()),
        Viewer::Coordinator { .. } => state
            .settings
            .sender_for_coordinator(address, &state.config.authorities)
            .map(|a| a.code.to_string()),
    };
    let Some(authority) = authority else {
        return Ok(());
    };
    let Some(token) = secret() else {
        tracing::warn!("no randomness for a sign-in link");
        return Ok(());
    };
    let token_hash = hashed(&token);
    let expires = now + LINK_LIFETIME;
    let mail = OutgoingMail {
        purpose: Purpose::SignIn,
        to: vec![address.clone()],
        cc: Vec::new(),
        once_per_case: false,
        context: json!({ "sign_in": {
            "link": format!("{}/sign-in/{token}", state.settings.public_url),
            "until": crate::core::uk::local(expires).format("%H:%M").to_string(),
            "minutes": LINK_LIFETIME.num_minutes(),
        }}),
        unlimited: Vec::new(),
        step: Some(format!("sign_in:{token_hash}")),
        thread_under: None,
    };
    let queued = state
        .store
        .request_sign_in(
            SignInRequest {
                token_hash: &token_hash,
                address,
                authority: &authority,
                expires,
                at_most: PER_ADDRESS,
                since: now - WINDOW,
            },
            &mail,
            &state.config.outgoing,
            now,
        )
        .await?;
    if !queued {
        tracing::info!("sign-in link not sent: the address's limit is reached");
    }
    Ok(())
}

fn token_shape(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `GET /sign-in/TOKEN`: a button only; opening the link uses nothing.
pub(crate) async fn confirm(Path(token): Path<String>) -> Response {
    if !token_shape(&token) {
        return link_not_usable();
    }
    answer(
        StatusCode::OK,
        page(
            "Sign in",
            &format!(
                "<form method=\"post\" action=\"/sign-in/{}\">\
                 <p>Press the button to sign in to the Duty to Refer cases.</p>\
                 <button type=\"submit\">Sign in</button></form>",
                escape(&token)
            ),
            None,
        ),
    )
}

fn link_not_usable() -> Response {
    answer(
        StatusCode::BAD_REQUEST,
        sign_in_form(
            "<p class=\"error\" role=\"alert\">That link cannot be used: it has been used \
             already, or more than 15 minutes have passed. Ask for a new one.</p>",
        ),
    )
}

/// `POST /sign-in/TOKEN`: uses the link and opens a session.
pub(crate) async fn redeem(
    State(state): State<Arc<WebState>>,
    Path(token): Path<String>,
) -> Response {
    if !token_shape(&token) {
        return link_not_usable();
    }
    let (Some(session), Some(csrf)) = (secret(), secret()) else {
        return answer(
            StatusCode::SERVICE_UNAVAILABLE,
            page("Try again", "<p>Signing in failed. Try again.</p>", None),
        );
    };
    let redeemed = state
        .store
        .redeem_sign_in(&hashed(&token), &hashed(&session), &csrf, Utc::now())
        .await;
    match redeemed {
        Ok(Some(address)) => {
            let authority = match session::viewer_for(&state, &address) {
                Some(Viewer::Officer { scope, .. }) => Some(scope.code().to_string()),
                _ => None,
            };
            if let Err(e) = state
                .store
                .record_web_access(
                    &address,
                    authority.as_deref(),
                    None,
                    "signed in",
                    Utc::now(),
                )
                .await
            {
                return trouble(&e);
            }
            let mut response = Redirect::to("/cases").into_response();
            if let Some(cookie) = set_cookie(&state, Some(&session)) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
        }
        Ok(None) => link_not_usable(),
        Err(e) => trouble(&e),
    }
}

/// `POST /sign-out`: ends the session (with the form's CSRF token).
pub(crate) async fn sign_out(
    State(state): State<Arc<WebState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let signed = match signed_in(&state, &headers).await {
        Ok(Some(signed)) => signed,
        Ok(None) => return Redirect::to("/").into_response(),
        Err(e) => return trouble(&e),
    };
    if !session::csrf_ok(&signed, field(&form(&body), "csrf")) {
        return super::cases::forbidden();
    }
    if let Err(e) = state.store.end_web_session(&signed.session_hash).await {
        return trouble(&e);
    }
    let authority = match &signed.viewer {
        Viewer::Officer { scope, .. } => Some(scope.code()),
        Viewer::Coordinator { .. } => None,
    };
    if let Err(e) = state
        .store
        .record_web_access(
            signed.viewer.address(),
            authority,
            None,
            "signed out",
            Utc::now(),
        )
        .await
    {
        return trouble(&e);
    }
    let mut response = answer(
        StatusCode::OK,
        sign_in_form("<p role=\"status\">You have signed out.</p>"),
    );
    if let Some(cookie) = set_cookie(&state, None) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// The store failed: said without detail (the log has it).
pub(crate) fn trouble(error: &crate::store::StoreError) -> Response {
    tracing::warn!(%error, "web view: the store failed");
    answer(
        StatusCode::INTERNAL_SERVER_ERROR,
        page(
            "Something went wrong",
            "<p>The page could not be shown. Try again in a moment.</p>",
            None,
        ),
    )
}
