//! Signing in by email. `POST /sign-in` mails a one-time link, through the
//! outbox, only to an address the configuration lists (an authority's
//! officer or a coordinator); every other address gets the same page and no
//! mail, so nobody learns who is known. Opening the link shows only a
//! button (mail scanners open links before people do); its POST uses the
//! link, once, within 15 minutes, and opens a session.

use super::page::{answer, escape, page};
use super::session::{
    self, field, form, hashed, local_path, next_field, next_query, secret, set_cookie, signed_in,
    Viewer,
};
use super::WebState;
use crate::core::address::EmailAddress;
use crate::core::mail::Purpose;
use crate::core::plan::OutgoingMail;
use crate::http::Peer;
use crate::store::SignInRequest;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// A link works this long after it was asked for.
pub(crate) const LINK_LIFETIME: chrono::Duration = chrono::Duration::minutes(15);
/// Links one address may be sent in [`WINDOW`] at the request of one
/// client.
pub(crate) const PER_ADDRESS_PER_CLIENT: usize = 3;
/// Links one address may be sent in [`ADDRESS_WINDOW`] in all, whoever
/// asks: a few clients together cannot fill an officer's mailbox with
/// links. A stranger alone can use only [`PER_ADDRESS_PER_CLIENT`] of them,
/// so the officer still gets a link; several strangers together can still
/// use them all, which is the price of capping the mail any address
/// receives (and every request is in the access record, with its client,
/// for an administrator to see).
pub(crate) const PER_ADDRESS: i64 = 5;
pub(crate) const ADDRESS_WINDOW: chrono::Duration = chrono::Duration::hours(1);
/// A browser someone signed in from is remembered this long (by a cookie
/// and the hash of its secret): its requests for its own person have
/// [`PER_ADDRESS`] links of their own, so that strangers asking together
/// cannot keep the person from signing in there.
pub(crate) const DEVICE_KEPT: chrono::Duration = chrono::Duration::days(90);
/// Requests one client may make in [`WINDOW`], whatever address each
/// names: were listed addresses counted apart, counting the refusals would
/// tell them from the rest. A flood guard, not the limit that protects an
/// address (that is [`PER_ADDRESS_PER_CLIENT`]): a council's officers
/// behind one office address share it, so it leaves room for an office of
/// thirty signing in at nine, each asking up to three times.
pub(crate) const PER_CLIENT: usize = 100;
pub(crate) const WINDOW: chrono::Duration = chrono::Duration::minutes(15);
/// Clients (and address and client pairs) remembered at once; when full,
/// the least recently seen are forgotten, so that a flood from many
/// addresses cannot shut newcomers out. A forgotten client may ask again,
/// but the limits per address (kept apart, and in the store) still bound
/// the mail any address gets.
const CLIENTS_KEPT: usize = 10_000;
/// Links being queued at once; past this a request is answered the same
/// and no link is sent.
const MAIL_TASKS: usize = 16;

/// When something was asked, by who asked it.
type Asked<K> = Mutex<HashMap<K, Vec<DateTime<Utc>>>>;

/// The requests each client made within the window.
pub(crate) struct Limits {
    clients: Asked<IpAddr>,
    /// By address (lower-case) and client.
    pairs: Asked<(String, IpAddr)>,
    /// When "limit reached" was last logged, by address.
    logged: Mutex<HashMap<String, DateTime<Utc>>>,
    tasks: Arc<tokio::sync::Semaphore>,
    /// How many clients (and pairs) each table keeps.
    kept: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits::keeping(CLIENTS_KEPT)
    }
}

/// Counts a request under `key` within `at_most` per window: false when it
/// is one too many. A table holding `kept` keys forgets the one seen least
/// recently to make room.
fn count<K: std::hash::Hash + Eq + Clone>(
    table: &mut HashMap<K, Vec<DateTime<Utc>>>,
    key: K,
    at_most: usize,
    now: DateTime<Utc>,
    kept: usize,
) -> bool {
    if !table.contains_key(&key) && table.len() >= kept {
        table.retain(|_, times| times.iter().any(|t| now - *t < WINDOW));
        while table.len() >= kept.max(1) {
            let least_recent = table
                .iter()
                .min_by_key(|(_, times)| times.last().copied())
                .map(|(k, _)| k.clone());
            match least_recent {
                Some(k) => table.remove(&k),
                None => break,
            };
        }
    }
    let times = table.entry(key).or_default();
    times.retain(|t| now - *t < WINDOW);
    if times.len() >= at_most {
        return false;
    }
    times.push(now);
    true
}

impl Limits {
    /// Limits remembering at most `kept` clients (and pairs) at once.
    pub(crate) fn keeping(kept: usize) -> Self {
        Limits {
            clients: Mutex::default(),
            pairs: Mutex::default(),
            logged: Mutex::default(),
            tasks: Arc::new(tokio::sync::Semaphore::new(MAIL_TASKS)),
            kept,
        }
    }

    /// Whether `client` may ask at all; every request counts against it,
    /// so the answer depends only on how often the client asked, never on
    /// which addresses.
    fn allow(&self, client: IpAddr, now: DateTime<Utc>) -> bool {
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        count(&mut clients, key_of(client), PER_CLIENT, now, self.kept)
    }

    /// Counts a link for `address` asked by `client`: false past
    /// [`PER_ADDRESS_PER_CLIENT`].
    fn allow_pair(&self, address: &str, client: IpAddr, now: DateTime<Utc>) -> bool {
        let mut pairs = self.pairs.lock().unwrap_or_else(PoisonError::into_inner);
        count(
            &mut pairs,
            (address.to_string(), key_of(client)),
            PER_ADDRESS_PER_CLIENT,
            now,
            self.kept,
        )
    }

    /// Whether to log that `address`'s limit is reached: once a window.
    fn first_refusal(&self, address: &str, now: DateTime<Utc>) -> bool {
        let mut logged = self.logged.lock().unwrap_or_else(PoisonError::into_inner);
        if logged.len() >= self.kept {
            logged.retain(|_, at| now - *at < WINDOW);
        }
        match logged.get(address) {
            Some(at) if now - *at < WINDOW => false,
            _ => {
                logged.insert(address.to_string(), now);
                true
            }
        }
    }
}

/// The key a client is counted under: an IPv6 client by its /64 (one
/// network hands out a whole /64).
fn key_of(client: IpAddr) -> IpAddr {
    match client.to_canonical() {
        IpAddr::V6(v6) => {
            let mut segments = v6.segments();
            for s in &mut segments[4..] {
                *s = 0;
            }
            IpAddr::from(segments)
        }
        v4 => v4,
    }
}

/// The sign-in page; with `next`, a page of the view to return to once
/// signed in (kept through the form, the link and its button).
fn sign_in_form(note: &str, next: Option<&str>) -> String {
    let next = next.and_then(local_path);
    let returning = match next {
        Some(path) => format!(
            "<p>You will return to {} after signing in: the link takes you back there.</p>",
            escape(&page_in_words(path))
        ),
        None => String::new(),
    };
    page(
        "Sign in",
        &format!(
            "{note}{returning}<p>Council officers and the protocol's coordinators sign in with a \
             link sent to their own work email address.</p>\
             <form method=\"post\" action=\"/sign-in\">{next}\
             <label for=\"email\">Email address</label>\
             <input type=\"email\" id=\"email\" name=\"email\" autocomplete=\"email\" required>\
             <div><button type=\"submit\">Send me a link</button></div></form>",
            next = next_field(next),
        ),
        None,
    )
}

/// A page of the view as a reader would name it: `/cases?q=smith` is "the
/// list of cases", `/cases/DTR-COL-2026-00001` "case DTR-COL-2026-00001".
fn page_in_words(path: &str) -> String {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let filtered = if query.is_empty() {
        ""
    } else {
        ", as you filtered it"
    };
    match path {
        "/cases" => format!("the list of cases{filtered}"),
        "/due" => "the deadlines due".to_string(),
        "/quarantine" => "the quarantine".to_string(),
        "/report" => "the report".to_string(),
        "/report.csv" => "the report's figures as CSV".to_string(),
        other => match other.strip_prefix("/cases/") {
            Some(reference)
                if !reference.is_empty()
                    && reference
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
            {
                format!("case {}", reference.to_ascii_uppercase())
            }
            _ => "the page you asked for".to_string(),
        },
    }
}

/// The `next` field of a query or form: a page of the view to return to.
fn next_of(fields: &[(String, String)]) -> Option<&str> {
    field(fields, "next").and_then(local_path)
}

fn query_fields(query: Option<&str>) -> Vec<(String, String)> {
    query.map(|q| form(q.as_bytes())).unwrap_or_default()
}

/// `GET /?next=PATH`: the sign-in page, or for someone signed in the page
/// asked for (the cases when none).
pub(crate) async fn start(
    State(state): State<Arc<WebState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let fields = query_fields(query.as_deref());
    let next = next_of(&fields);
    match signed_in(&state, &headers).await {
        Ok(Some(signed)) => match landing(&state, &signed.viewer, next).await {
            Ok(page) => Redirect::to(&page).into_response(),
            Err(e) => trouble(&e),
        },
        Ok(None) => {
            // Said only to the browser that signed out (its cookie), never
            // to anyone opening `/?signed-out=everywhere` from a link.
            let signed_out = just_signed_out(&state, &headers);
            let note = match signed_out.as_deref() {
                Some("everywhere") => {
                    "<p role=\"status\">You have signed out in every browser.</p>"
                }
                Some(_) => "<p role=\"status\">You have signed out.</p>",
                // A session cookie that opens nothing: the session ended
                // (unused too long, or past its hours).
                None if session::carries_session_cookie(&state, &headers) => {
                    "<p role=\"status\">Your session ended; sign in again to go on.</p>"
                }
                None => "",
            };
            let mut response = answer(StatusCode::OK, sign_in_form(note, next));
            if signed_out.is_some() {
                if let Some(cookie) = signed_out_cookie(&state, None) {
                    response.headers_mut().append(header::SET_COOKIE, cookie);
                }
            }
            response
        }
        Err(e) => trouble(&e),
    }
}

/// The cookie that tells the sign-in page, once, that this browser has
/// just signed out (here or everywhere); `__Host-` over HTTPS.
fn signed_out_name(state: &WebState) -> &'static str {
    if state.settings.secure_cookies() {
        "__Host-dtr_signed_out"
    } else {
        "dtr_signed_out"
    }
}

/// `Set-Cookie` saying how the browser signed out (for a minute), or
/// (`None`) forgetting it.
fn signed_out_cookie(state: &WebState, how: Option<&str>) -> Option<HeaderValue> {
    let secure = if state.settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let name = signed_out_name(state);
    let text = match how {
        Some(how) => {
            format!("{name}={how}; Path=/; HttpOnly; SameSite=Strict; Max-Age=60{secure}")
        }
        None => format!("{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&text).ok()
}

/// How this browser just signed out, from its cookie.
fn just_signed_out(state: &WebState, headers: &HeaderMap) -> Option<String> {
    super::session::cookie_named(headers, signed_out_name(state), |v| {
        matches!(v, "here" | "everywhere")
    })
}

/// Where `next` may take a reader once signed in: a page they can see.
/// `next` comes from whoever made the link (a stranger can mail an
/// officer a link, or ask for a sign-in link in their name, naming any
/// page), so a page the reader may not see is never opened for them: it
/// would put a refused look-up in their record that they never made. The
/// cases instead.
async fn landing(
    state: &WebState,
    viewer: &Viewer,
    next: Option<&str>,
) -> Result<String, crate::store::StoreError> {
    const CASES: &str = "/cases";
    let Some(next) = next.and_then(local_path) else {
        return Ok(CASES.to_string());
    };
    let path = next.split_once('?').map_or(next, |(path, _)| path);
    let seen = match viewer {
        Viewer::Coordinator { .. } => matches!(path, "/cases" | "/report" | "/report.csv"),
        Viewer::Officer { scope, .. } => match path.strip_prefix("/cases/") {
            Some(reference) => state
                .store
                .scoped_case(scope, &reference.to_ascii_uppercase())
                .await?
                .is_some(),
            None => true,
        },
    };
    Ok(if seen {
        next.to_string()
    } else {
        CASES.to_string()
    })
}

/// A form posted after its session ended: nothing was done, and the way
/// back is through signing in again.
pub(crate) fn session_ended(posted_to: &str) -> Response {
    // The page the form was on: `/quarantine` for `/quarantine/7/release`.
    let back = posted_to
        .split(['/', '?'])
        .find(|part| !part.is_empty())
        .map_or_else(|| "/cases".to_string(), |first| format!("/{first}"));
    answer(
        StatusCode::FORBIDDEN,
        page(
            "Your session has ended",
            &format!(
                "<p role=\"alert\">You were signed out (after 30 minutes unused, at the end of \
                 the session's hours, or from another browser) before this form was sent, so \
                 <strong>nothing was done</strong>.</p>\
                 <p><a href=\"/{}\">Sign in again and go back to the page</a>, then do it \
                 again.</p>",
                escape(&next_query(Some(&back)))
            ),
            None,
        ),
    )
}

/// The client a request came from: the TCP peer, unless it is one of
/// `[web] trusted_proxies`; then the right-most address of
/// `X-Forwarded-For` that is not itself a trusted proxy.
fn client(peer: Option<Peer>, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let mut hop = peer.map_or(IpAddr::from([0, 0, 0, 0]), |p| p.0.ip().to_canonical());
    if !trusted.contains(&hop) {
        return hop;
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter(|named| !named.trim().is_empty())
        .collect();
    for named in forwarded.iter().rev() {
        let Some(ip) = hop_address(named) else {
            // Not an address (`unknown`, a name): the proxy that passed it
            // on is all we know.
            return hop;
        };
        hop = ip.to_canonical();
        if !trusted.contains(&hop) {
            return hop;
        }
    }
    hop
}

/// The address of one hop of `X-Forwarded-For` as proxies write it: an IP
/// address alone (`203.0.113.7`, `2001:db8::1`), with a port
/// (`203.0.113.7:51234`, `[2001:db8::1]:443`), in brackets or quotes, with
/// spaces around; `None` for anything else (`unknown`, an obfuscated
/// name such as `_hidden`, a port with no address).
fn hop_address(named: &str) -> Option<IpAddr> {
    let named = named.trim().trim_matches('"').trim();
    if let Ok(ip) = named.parse::<IpAddr>() {
        return Some(ip);
    }
    let port = |p: &str| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit());
    if let Some(rest) = named.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let ip = inside.parse::<std::net::Ipv6Addr>().ok()?;
        return (after.is_empty() || after.strip_prefix(':').is_some_and(port))
            .then_some(IpAddr::V6(ip));
    }
    let (address, after) = named.rsplit_once(':')?;
    let ip = address.parse::<std::net::Ipv4Addr>().ok()?;
    port(after).then_some(IpAddr::V4(ip))
}

/// Whether a link may be mailed to `address` (lower-case): someone the
/// configuration lists, and never an authority's shared inbox, a watched
/// mailbox (`dtr+web@` reaches `dtr@`) or an address that names a team or
/// a role (`housing.options@`, `dtr.inbox@`), whoever is listed:
/// `check-config` warns of such a listing.
fn may_be_mailed(state: &WebState, address: &str) -> bool {
    let Ok(parsed) = EmailAddress::parse(address) else {
        return false;
    };
    use crate::core::address::untagged;
    let asked = untagged(parsed.as_str());
    let shared = state
        .config
        .authorities
        .iter()
        .any(|a| untagged(a.inbox.as_str()) == asked)
        || state.config.mailboxes.iter().any(|m| match &m.source {
            crate::config::Source::Imap(imap) => untagged(&imap.username) == asked,
            _ => false,
        });
    !shared && !crate::config::looks_shared(&asked) && session::viewer_for(state, address).is_some()
}

/// Who a link request is recorded under: a listed person by their address
/// (their own record); anyone else by a keyed hash of what was typed, so
/// that a flood of requests for one address shows as one without keeping
/// it, and a guessed address cannot be hashed to find it in the record.
fn requester(key: &ring::hmac::Key, listed: Option<&str>, typed: Option<&str>) -> String {
    match (listed, typed) {
        (Some(address), _) => address.to_string(),
        (None, Some(typed)) => {
            let tag = ring::hmac::sign(key, typed.trim().to_lowercase().as_bytes());
            let short: String = tag.as_ref()[..6]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            format!("an address not listed ({short})")
        }
        (None, None) => "no address".to_string(),
    }
}

/// Records a request for a sign-in link and what became of it, apart from
/// the answer (so that how long it takes says nothing).
fn record_link_request(
    state: &Arc<WebState>,
    who: String,
    client: IpAddr,
    outcome: &str,
    now: DateTime<Utc>,
) {
    let action = format!("{outcome} (asked for from {client})");
    let state = state.clone();
    tokio::spawn(async move {
        let authority = match session::viewer_for(&state, &who) {
            Some(Viewer::Officer { scope, .. }) => Some(scope.code().to_string()),
            _ => None,
        };
        if let Err(error) = state
            .store
            .record_web_access(&who, authority.as_deref(), None, &action, now)
            .await
        {
            tracing::warn!(%error, "web view: a sign-in request could not be recorded");
        }
    });
}

// What became of a request for a link, after who it was for.
const SENT: &str = "was sent a sign-in link";
const NOT_LISTED: &str = "was sent no sign-in link: it may not sign in";
const CLIENT_LIMIT: &str =
    "was sent no sign-in link: 3 were asked for from the same client in 15 minutes";
const ADDRESS_LIMIT: &str = "was sent no sign-in link: 5 were sent in the past hour";
const BUSY: &str = "was sent no sign-in link: too many were being queued at once";
const NOT_QUEUED: &str = "was sent no sign-in link: it could not be queued";

/// `POST /sign-in`: the same page whoever asks.
pub(crate) async fn request_link(
    State(state): State<Arc<WebState>>,
    peer: Option<axum::Extension<Peer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let remembered = next_of(&form(&body)).and_then(|next| next_cookie(&state, Some(next)));
    let mut response = ask_for_link(state, peer, headers, body).await;
    // Whoever asks, listed or not: the answer tells nothing.
    if let Some(cookie) = remembered {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// The cookie keeping, in the browser that asked for a link, the whole
/// page to return to (its search too, which the mailed link does not
/// carry), for as long as the link works.
fn next_cookie_name(state: &WebState) -> &'static str {
    if state.settings.secure_cookies() {
        "__Host-dtr_next"
    } else {
        "dtr_next"
    }
}

/// `Set-Cookie` keeping `next` (percent-encoded), or (`None`) forgetting
/// it.
fn next_cookie(state: &WebState, next: Option<&str>) -> Option<HeaderValue> {
    let secure = if state.settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let name = next_cookie_name(state);
    let text = match next {
        Some(next) => format!(
            "{name}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
            form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>(),
            LINK_LIFETIME.num_seconds()
        ),
        None => format!("{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&text).ok()
}

/// The page to return to once signed in: the link's `next` (a page of the
/// view, its search left out), or the whole page this browser kept when it
/// asked for the link, when that is the same page with its search.
fn next_with_search(state: &WebState, headers: &HeaderMap, linked: Option<&str>) -> Option<String> {
    let linked = linked?;
    let kept = session::cookie_named(headers, next_cookie_name(state), |_| true)
        .and_then(|v| {
            form_urlencoded::parse(format!("next={v}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        })
        .filter(|kept| local_path(kept).is_some() && without_search(kept) == linked);
    Some(kept.unwrap_or_else(|| linked.to_string()))
}

async fn ask_for_link(
    state: Arc<WebState>,
    peer: Option<axum::Extension<Peer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = Utc::now();
    let client = client(peer.map(|p| p.0), &headers, &state.settings.trusted_proxies);
    let fields = form(&body);
    let next = next_of(&fields).map(str::to_string);
    let typed = field(&fields, "email")
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let address = typed.and_then(|e| EmailAddress::parse(e).ok());
    let lowered = address.as_ref().map(|a| a.as_str().to_lowercase());
    if !state.limits.allow(client, now) {
        // Once a window per client: the flood is on record, and cannot
        // fill it.
        if state.limits.first_refusal(&format!("client {client}"), now) {
            record_link_request(
                &state,
                format!("client {client}"),
                client,
                "was refused sign-in links for 15 minutes: over 100 asked for",
                now,
            );
        }
        return answer(
            StatusCode::TOO_MANY_REQUESTS,
            page(
                "Too many requests",
                "<p>Too many sign-in links have been asked for from here. Try again in 15 minutes.</p>",
                None,
            ),
        );
    }
    let sent = page(
        "Check your email",
        "<p>If that address may sign in, a link is on its way to it. It works once, for 15 \
         minutes.</p><p>Nothing arrived? Check the address with your team leader, or \
         <a href=\"/\">ask again</a>.</p>",
        None,
    );
    let listed = lowered.as_deref().is_some_and(|a| may_be_mailed(&state, a));
    let (Some(address), Some(lowered), true) = (address, lowered, listed) else {
        record_link_request(
            &state,
            requester(&state.record_key, None, typed),
            client,
            NOT_LISTED,
            now,
        );
        return answer(StatusCode::OK, sent);
    };
    // A browser the person signed in from before asks on its own count:
    // the limits strangers share do not hold it.
    let device = own_device(&state, &headers, &lowered).await;
    if device.is_none() && !state.limits.allow_pair(&lowered, client, now) {
        if state.limits.first_refusal(&lowered, now) {
            tracing::info!("sign-in link not sent: the address's limit is reached");
        }
        record_link_request(&state, lowered, client, CLIENT_LIMIT, now);
        return answer(StatusCode::OK, sent);
    }
    let Ok(permit) = state.limits.tasks.clone().try_acquire_owned() else {
        tracing::warn!("sign-in link not sent: too many being queued at once");
        record_link_request(&state, lowered, client, BUSY, now);
        return answer(StatusCode::OK, sent);
    };
    // Apart from the answer, so that how long it takes says nothing about
    // whether the address is known.
    let worker = state.clone();
    tokio::spawn(async move {
        let outcome =
            match mail_link(&worker, &address, next.as_deref(), device.as_deref(), now).await {
                Ok(true) => SENT,
                Ok(false) => {
                    if worker.limits.first_refusal(&lowered, now) {
                        tracing::info!("sign-in link not sent: the address's limit is reached");
                    }
                    ADDRESS_LIMIT
                }
                Err(error) => {
                    tracing::warn!(%error, "web view: a sign-in link could not be queued");
                    NOT_QUEUED
                }
            };
        drop(permit);
        record_link_request(&worker, lowered, client, outcome, now);
    });
    answer(StatusCode::OK, sent)
}

/// Queues the link for a listed address within its limit; nothing for
/// anyone else. False when the address's overall limit is reached.
async fn mail_link(
    state: &WebState,
    address: &EmailAddress,
    next: Option<&str>,
    device: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, crate::store::StoreError> {
    let lowered = address.as_str().to_lowercase();
    let Some(viewer) = session::viewer_for(state, &lowered) else {
        return Ok(true);
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
        return Ok(true);
    };
    let Some(token) = secret() else {
        tracing::warn!("no randomness for a sign-in link");
        return Ok(true);
    };
    let token_hash = hashed(&token);
    let expires = now + LINK_LIFETIME;
    let mail = OutgoingMail {
        purpose: Purpose::SignIn,
        to: vec![address.clone()],
        cc: Vec::new(),
        once_per_case: false,
        context: json!({ "sign_in": {
            "link": format!(
                "{}/sign-in/{token}{}",
                state.settings.public_url,
                next_query(next.map(without_search).as_deref())
            ),
            "until": crate::core::uk::local(expires).format("%H:%M").to_string(),
            "minutes": LINK_LIFETIME.num_minutes(),
        }}),
        // Never held by the hourly limit per recipient: a link held past
        // its 15 minutes is useless, and strangers asking for links could
        // keep an officer out. The limits per address above bound how many
        // are sent.
        unlimited: vec![address.clone()],
        step: Some(format!("sign_in:{token_hash}")),
        thread_under: None,
        held_until: None,
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
                since: now - ADDRESS_WINDOW,
                device,
            },
            &mail,
            &state.config.outgoing,
            now,
        )
        .await?;
    Ok(queued)
}

/// `next` for a link that travels by mail: without its search (`q`,
/// often a person's name), which the mail would otherwise carry to every
/// mailbox and log it passes; its filters and order kept.
fn without_search(next: &str) -> String {
    match next.split_once('?') {
        Some((path, query))
            if form_urlencoded::parse(query.as_bytes()).any(|(key, _)| key == "q") =>
        {
            let kept: String = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(
                    form_urlencoded::parse(query.as_bytes()).filter(|(key, _)| key != "q"),
                )
                .finish();
            if kept.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{kept}")
            }
        }
        _ => next.to_string(),
    }
}

fn token_shape(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `GET /sign-in/TOKEN?next=PATH`: a button only; opening the link uses
/// nothing.
pub(crate) async fn confirm(Path(token): Path<String>, RawQuery(query): RawQuery) -> Response {
    let fields = query_fields(query.as_deref());
    let next = next_of(&fields);
    if !token_shape(&token) {
        return link_not_usable(next);
    }
    answer(
        StatusCode::OK,
        page(
            "Sign in",
            &format!(
                "<form method=\"post\" action=\"/sign-in/{}\">{}\
                 <p>Press the button to sign in to the Duty to Refer cases.</p>\
                 <button type=\"submit\">Sign in</button></form>",
                escape(&token),
                next_field(next)
            ),
            None,
        ),
    )
}

fn link_not_usable(next: Option<&str>) -> Response {
    answer(
        StatusCode::BAD_REQUEST,
        sign_in_form(
            "<p class=\"error\" role=\"alert\">That link cannot be used: it has been used \
             already, or more than 15 minutes have passed. Ask for a new one.</p>",
            next,
        ),
    )
}

/// The device cookie's name: `__Host-` (Secure, this host, path /) over
/// HTTPS.
fn device_cookie_name(state: &WebState) -> &'static str {
    if state.settings.secure_cookies() {
        "__Host-dtr_device"
    } else {
        "dtr_device"
    }
}

/// The hash of the browser's device secret, when the browser is one
/// `address` signed in from.
async fn own_device(state: &WebState, headers: &HeaderMap, address: &str) -> Option<String> {
    let value = session::cookie_named(headers, device_cookie_name(state), |_| true)
        .filter(|v| token_shape(v))?;
    let device_hash = hashed(&value);
    match state.store.web_device_address(&device_hash).await {
        Ok(Some(owner)) if owner.eq_ignore_ascii_case(address) => Some(device_hash),
        Ok(_) => None,
        Err(error) => {
            tracing::warn!(%error, "web view: a remembered browser could not be looked up");
            None
        }
    }
}

/// Remembers this browser as one `address` signed in from: the cookie
/// that says so, or none when it could not be kept.
async fn new_device(state: &WebState, address: &str) -> Option<HeaderValue> {
    let value = secret()?;
    if let Err(error) = state
        .store
        .remember_web_device(&hashed(&value), address, Utc::now())
        .await
    {
        tracing::warn!(%error, "web view: a browser could not be remembered");
        return None;
    }
    let secure = if state.settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        device_cookie_name(state),
        DEVICE_KEPT.num_seconds()
    ))
    .ok()
}

/// `POST /sign-in/TOKEN`: uses the link and opens a session, then goes to
/// the form's `next` page (the cases when none).
pub(crate) async fn redeem(
    State(state): State<Arc<WebState>>,
    headers: HeaderMap,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    let fields = form(&body);
    let next = next_with_search(&state, &headers, next_of(&fields));
    let next = next.as_deref();
    if !token_shape(&token) {
        return link_not_usable(next);
    }
    let (Some(session), Some(csrf)) = (secret(), secret()) else {
        return answer(
            StatusCode::SERVICE_UNAVAILABLE,
            page("Try again", "<p>Signing in failed. Try again.</p>", None),
        );
    };
    let redeemed = state
        .store
        .redeem_sign_in(
            &hashed(&token),
            &hashed(&session),
            &csrf,
            Utc::now(),
            |address| {
                // Taken off the list since the link was sent: no session.
                session::viewer_for(&state, address).is_some()
            },
        )
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
            let to = match session::viewer_for(&state, &address) {
                Some(viewer) => match landing(&state, &viewer, next).await {
                    Ok(page) => page,
                    Err(e) => return trouble(&e),
                },
                None => "/cases".to_string(),
            };
            let mut response = Redirect::to(&to).into_response();
            if let Some(cookie) = set_cookie(&state, Some(&session)) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            if own_device(&state, &headers, &address).await.is_none() {
                if let Some(cookie) = new_device(&state, &address).await {
                    response.headers_mut().append(header::SET_COOKIE, cookie);
                }
            }
            if session::cookie_named(&headers, next_cookie_name(&state), |_| true).is_some() {
                if let Some(cookie) = next_cookie(&state, None) {
                    response.headers_mut().append(header::SET_COOKIE, cookie);
                }
            }
            response
        }
        Ok(None) => link_not_usable(next),
        Err(e) => trouble(&e),
    }
}

/// `POST /sign-out`: ends this browser's session (with the form's CSRF
/// token).
pub(crate) async fn sign_out(
    State(state): State<Arc<WebState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    end_sessions(&state, &headers, &body, false).await
}

/// `POST /sign-out/everywhere`: ends every session of the reader's, in
/// every browser (with the form's CSRF token): for a lost or shared
/// computer.
pub(crate) async fn sign_out_everywhere(
    State(state): State<Arc<WebState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    end_sessions(&state, &headers, &body, true).await
}

async fn end_sessions(
    state: &WebState,
    headers: &HeaderMap,
    body: &[u8],
    everywhere: bool,
) -> Response {
    let signed = match signed_in(state, headers).await {
        Ok(Some(signed)) => signed,
        Ok(None) => return Redirect::to("/").into_response(),
        Err(e) => return trouble(&e),
    };
    if !session::csrf_ok(&signed, field(&form(body), "csrf")) {
        return super::cases::forbidden();
    }
    let address = signed.viewer.address();
    let ended = if everywhere {
        state.store.end_web_sessions_of(address).await
    } else {
        state
            .store
            .end_web_session(&signed.session_hash)
            .await
            .map(|()| 1)
    };
    let ended = match ended {
        Ok(n) => n,
        Err(e) => return trouble(&e),
    };
    let authority = match &signed.viewer {
        Viewer::Officer { scope, .. } => Some(scope.code()),
        Viewer::Coordinator { .. } => None,
    };
    let action = if everywhere {
        format!("signed out everywhere ({ended} session(s) ended)")
    } else {
        "signed out".to_string()
    };
    if let Err(e) = state
        .store
        .record_web_access(address, authority, None, &action, Utc::now())
        .await
    {
        return trouble(&e);
    }
    // Then to the sign-in page (POST-redirect-GET): reloading it or going
    // back to it posts nothing again.
    let mut response = Redirect::to(if everywhere {
        "/?signed-out=everywhere"
    } else {
        "/?signed-out=here"
    })
    .into_response();
    if let Some(cookie) = set_cookie(state, None) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    let how = if everywhere { "everywhere" } else { "here" };
    if let Some(cookie) = signed_out_cookie(state, Some(how)) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_table_forgets_the_least_recent_client_and_lets_newcomers_in() {
        let limits = Limits::keeping(10);
        let now = Utc::now();
        let flooder = |i: u32| IpAddr::from((0x0a00_0000 + i).to_be_bytes());
        let known = IpAddr::from([192, 0, 2, 1]);
        for _ in 0..PER_CLIENT {
            assert!(limits.allow(known, now));
        }
        assert!(!limits.allow(known, now));
        // The table fills with other clients, each asking once.
        for i in 0..9 {
            assert!(limits.allow(flooder(i), now + chrono::Duration::seconds(1)));
        }
        // A newcomer still gets in (the table is full, nobody stale)...
        let newcomer = IpAddr::from([198, 51, 100, 1]);
        assert!(limits.allow(newcomer, now + chrono::Duration::seconds(2)));
        // ...in place of the client seen least recently, and a flood of ten
        // more newcomers is let in too.
        for i in 100..110 {
            assert!(limits.allow(flooder(i), now + chrono::Duration::seconds(3)));
        }
        // A client still remembered keeps its count.
        assert!(limits.allow(flooder(109), now + chrono::Duration::seconds(4)));
        for _ in 2..PER_CLIENT {
            assert!(limits.allow(flooder(109), now + chrono::Duration::seconds(4)));
        }
        assert!(!limits.allow(flooder(109), now + chrono::Duration::seconds(4)));
    }

    #[test]
    fn a_full_table_of_pairs_still_lets_a_new_pair_ask() {
        let limits = Limits::keeping(10);
        let now = Utc::now();
        for i in 0..10u8 {
            assert!(limits.allow_pair("ann@lha.test", IpAddr::from([10, 0, 0, i]), now));
        }
        assert!(limits.allow_pair("hal@lha.test", IpAddr::from([192, 0, 2, 1]), now));
    }

    #[test]
    fn a_search_does_not_travel_in_the_mailed_link() {
        assert_eq!(
            without_search("/cases?q=Daniel+Marsh&state=red"),
            "/cases?state=red"
        );
        assert_eq!(
            without_search("/cases?state=red&q=x&order=urgent"),
            "/cases?state=red&order=urgent"
        );
        assert_eq!(without_search("/cases?q=Daniel+Marsh"), "/cases");
        assert_eq!(without_search("/cases?state=red"), "/cases?state=red");
        assert_eq!(
            without_search("/cases/DTR-COL-2026-00001"),
            "/cases/DTR-COL-2026-00001"
        );
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_64() {
        let limits = Limits::default();
        let now = Utc::now();
        for i in 0..PER_CLIENT as u16 {
            let ip = IpAddr::from([0x2001, 0xdb8, 1, 2, i, 7, 7, i]);
            assert!(limits.allow(ip, now));
        }
        let same_64 = IpAddr::from([0x2001, 0xdb8, 1, 2, 0xffff, 1, 1, 1]);
        assert!(!limits.allow(same_64, now));
        let other_64 = IpAddr::from([0x2001, 0xdb8, 1, 3, 0, 0, 0, 1]);
        assert!(limits.allow(other_64, now));
    }

    #[test]
    fn forwarded_for_is_read_in_the_forms_proxies_write() {
        let peer = Some(Peer(std::net::SocketAddr::from(([127, 0, 0, 1], 4000))));
        let loopback = IpAddr::from([127, 0, 0, 1]);
        let client_of = |forwarded: &[&str]| {
            let mut headers = HeaderMap::new();
            for value in forwarded {
                headers.append("x-forwarded-for", value.parse().expect("header"));
            }
            client(peer, &headers, &[loopback]).to_string()
        };
        for (forwarded, seen) in [
            (&["203.0.113.7:51234"][..], "203.0.113.7"),
            (&["[2001:db8::1]:443"], "2001:db8::1"),
            (&["[2001:db8::1]"], "2001:db8::1"),
            (&["2001:db8::1"], "2001:db8::1"),
            (&["\"203.0.113.7:80\""], "203.0.113.7"),
            (&["  203.0.113.8  "], "203.0.113.8"),
            (&["198.51.100.1, 203.0.113.9:8080"], "203.0.113.9"),
            (
                &["198.51.100.1 ,203.0.113.9 , 127.0.0.1:5000"],
                "203.0.113.9",
            ),
            (&["198.51.100.1", "203.0.113.10"], "203.0.113.10"),
            (&["::ffff:203.0.113.11"], "203.0.113.11"),
            // Unreadable: the proxy itself, never the text.
            (&["unknown"], "127.0.0.1"),
            (&["203.0.113.7, unknown"], "127.0.0.1"),
            (&["_hidden"], "127.0.0.1"),
            (&["203.0.113.7:port"], "127.0.0.1"),
            (&["203.0.113.7:99999999"], "127.0.0.1"),
            (&["[2001:db8::1]x"], "127.0.0.1"),
            (&[":443"], "127.0.0.1"),
            (&[""], "127.0.0.1"),
        ] {
            assert_eq!(client_of(forwarded), seen, "{forwarded:?}");
        }
    }

    #[test]
    fn forwarded_for_is_believed_from_trusted_proxies_only() {
        let peer = Some(Peer(std::net::SocketAddr::from(([127, 0, 0, 1], 4000))));
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "203.0.113.5, 198.51.100.9, 10.0.0.2"
                .parse()
                .expect("header"),
        );
        let loopback = IpAddr::from([127, 0, 0, 1]);
        assert_eq!(client(peer, &headers, &[]), loopback);
        assert_eq!(
            client(peer, &headers, &[loopback]),
            IpAddr::from([10, 0, 0, 2])
        );
        assert_eq!(
            client(peer, &headers, &[loopback, IpAddr::from([10, 0, 0, 2])]),
            IpAddr::from([198, 51, 100, 9])
        );
    }
}
