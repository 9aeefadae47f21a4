//! `/quarantine`: the messages set aside from the reader's authority's
//! inboxes, with release and dismiss as the `quarantine` command's verbs
//! (the same library calls), each a POST carrying the session's CSRF token
//! and recorded with who did it.

use super::cases::{forbidden, reader, refused};
use super::page::{answer, escape, headed_table, not_found_page, page_at};
use super::session::{csrf_ok, field, form, Signed, Viewer};
use super::sign_in::trouble;
use super::WebState;
use crate::core::ids::StoredMessageId;
use crate::core::states::Settlement;
use crate::core::words::short_time;
use crate::intake::{release, Release};
use crate::store::{Action, CaseScope, Released, Settled};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use std::sync::Arc;

fn officer(signed: &Signed) -> Option<(&str, &CaseScope)> {
    match &signed.viewer {
        Viewer::Officer { address, scope } => Some((address, scope)),
        Viewer::Coordinator { .. } => None,
    }
}

/// `GET /quarantine`, after a dismissal or a release with `?dismissed=ID`
/// or `?released=ID` (a POST is answered with a redirect here, so that
/// reloading the page does not send it again).
pub(crate) async fn list(
    State(state): State<Arc<WebState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let signed = match reader(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some((_, scope)) = officer(&signed) else {
        return not_found_page(Some(&signed));
    };
    if let Err(e) = super::access::record_page(&state, &signed, "/quarantine", uri.query()).await {
        return trouble(&e);
    }
    let waiting = match state.store.scoped_quarantined(scope).await {
        Ok(w) => w,
        Err(e) => return trouble(&e),
    };
    let note = match after(&uri) {
        Some(("dismissed", id)) => format!("Message {id} dismissed."),
        Some(("released", id)) => format!("Message {id} released: recorded; it concerns no case."),
        Some(("released-elsewhere", id)) => format!(
            "Message {id} released: its form names another authority, so its case was opened there and is theirs to see; the referrer is answered."
        ),
        _ => String::new(),
    };
    let note = if note.is_empty() {
        note
    } else {
        format!("<p role=\"status\"><strong>{note}</strong></p>")
    };
    answer(StatusCode::OK, listing(&signed, &waiting, &note, None))
}

/// What was just done, from the query (`dismissed=ID` or `released=ID`).
fn after(uri: &Uri) -> Option<(&'static str, u64)> {
    let (key, value) = uri.query()?.split('&').next()?.split_once('=')?;
    let id = value.parse().ok()?;
    match key {
        "dismissed" => Some(("dismissed", id)),
        "released" => Some(("released", id)),
        "released-elsewhere" => Some(("released-elsewhere", id)),
        _ => None,
    }
}

/// How a settled message was settled, with a link to its case when the
/// note names one.
fn settled_note(id: StoredMessageId, s: &Settled) -> String {
    let case = s
        .note
        .as_deref()
        .filter(|_| s.how != Settlement::Dismissed)
        .and_then(|n| n.rsplit_once("case "))
        .map(|(_, reference)| reference.trim())
        .filter(|r| !r.is_empty());
    let case = match case {
        Some(r) => format!(" (case <a href=\"/cases/{r}\">{r}</a>)", r = escape(r)),
        None => s
            .note
            .as_deref()
            .map(|n| format!(" ({})", escape(n)))
            .unwrap_or_default(),
    };
    format!(
        "Message {id} was already {} by {} on {}{case}.",
        escape(s.how.as_str()),
        escape(&s.by),
        escape(&short_time(s.at)),
    )
}

/// A dismissal that could not be done: the message's number and what is
/// wrong with its form, said above the page and at the reason's field.
type Problem<'a> = Option<(StoredMessageId, &'a str)>;

fn listing(
    signed: &Signed,
    waiting: &[crate::store::Quarantined],
    note: &str,
    problem: Problem<'_>,
) -> String {
    let csrf = escape(&signed.csrf);
    let mut body = String::new();
    if let Some((id, message)) = problem {
        body.push_str(&format!(
            "<div class=\"error-summary\" role=\"alert\"><h2>Message {id} was not dismissed</h2>\
             <ul><li><a href=\"#reason-{id}\">{}</a></li></ul></div>",
            escape(message)
        ));
    }
    body.push_str(note);
    if waiting.is_empty() {
        body.push_str("<p>The quarantine is empty: no message is waiting.</p>");
    }
    for q in waiting {
        let id = q.id;
        // A message the gateway cannot read is read no better released.
        let release = if crate::intake::unreadable_reason(&q.reason) {
            format!(
                "<p>The gateway cannot read it, and releasing it would only read it again: \
                 open it in the inbox and ask the gateway's administrator to record the referral \
                 by hand, giving message number {id}; that settles it.</p>"
            )
        } else {
            format!(
                "<form method=\"post\" action=\"/quarantine/{id}/release\" class=\"inline\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                 <button type=\"submit\">Release message {id}</button></form>"
            )
        };
        let received = short_time(q.received_at);
        let sender = q.sender.as_deref().unwrap_or("an unknown sender");
        // Named by what the page already shows of it: its subject, else who
        // sent it and when.
        let heading = match q.subject.as_deref().map(str::trim) {
            Some(subject) if !subject.is_empty() => subject.to_string(),
            _ => format!("Quarantined message from {sender}, received {received}"),
        };
        let details = format!(
            "<tr><th scope=\"row\">Received</th><td>{received}</td></tr>\
             <tr><th scope=\"row\">From</th><td>{sender}</td></tr>\
             <tr><th scope=\"row\">Subject</th><td>{subject}</td></tr>\
             <tr><th scope=\"row\">Set aside because</th><td>{reason}</td></tr>\
             <tr><th scope=\"row\">Message number</th><td>{id}</td></tr>",
            received = escape(&received),
            sender = escape(q.sender.as_deref().unwrap_or("(no sender)")),
            subject = escape(q.subject.as_deref().unwrap_or("(no subject)")),
            reason = escape(&q.reason),
        );
        // The reason's field, with what is wrong with it beside it when
        // this message's dismissal was refused.
        let (error, invalid) = match problem {
            Some((wrong, message)) if wrong == id => (
                format!(
                    "<span class=\"field-error\" id=\"reason-{id}-error\">{}</span>",
                    escape(message)
                ),
                format!(" aria-invalid=\"true\" aria-describedby=\"reason-{id}-error\""),
            ),
            _ => (String::new(), String::new()),
        };
        body.push_str(&format!(
            "{details}\
             {release}<form method=\"post\" action=\"/quarantine/{id}/dismiss\" class=\"dismiss\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
             <label for=\"reason-{id}\">Or dismiss it: why it needs nothing done</label>{error}\
             <div class=\"row\"><input type=\"text\" id=\"reason-{id}\" name=\"reason\" required{invalid}>\
             <button type=\"submit\" class=\"secondary\">Dismiss message {id}</button></div></form>",
            details = headed_table(&format!("message-{id}"), &heading, "", &details),
        ));
    }
    page_at(Some("/quarantine"), "Quarantine", &body, Some(signed))
}

/// The page again, with what was done said first (`note` is HTML).
async fn done(state: &WebState, signed: &Signed, scope: &CaseScope, note: String) -> Response {
    match state.store.scoped_quarantined(scope).await {
        Ok(waiting) => answer(
            StatusCode::OK,
            listing(
                signed,
                &waiting,
                &format!("<p role=\"status\"><strong>{note}</strong></p>"),
                None,
            ),
        ),
        Err(e) => trouble(&e),
    }
}

/// `POST /quarantine/ID/release`.
pub(crate) async fn release_one(
    State(state): State<Arc<WebState>>,
    headers: HeaderMap,
    Path(id): Path<StoredMessageId>,
    body: Bytes,
) -> Response {
    let signed = match reader(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !csrf_ok(&signed, field(&form(&body), "csrf")) {
        return forbidden();
    }
    let Some((address, scope)) = officer(&signed) else {
        return not_found_page(Some(&signed));
    };
    let message = match state.store.scoped_quarantined_message(scope, id).await {
        Ok(Some(m)) => m,
        Ok(None) => {
            return refused(
                &state,
                &signed,
                &format!("quarantined message {id} to release"),
            )
            .await
        }
        Err(e) => return trouble(&e),
    };
    let released = release(
        &state.store,
        &state.config,
        Release {
            message: &message,
            by: address,
        },
    )
    .await;
    let (note, case) = match released {
        // The form named another authority: the case is theirs, and not
        // the reader's to see (its page would answer "not found").
        Ok(Released::Recorded(recorded))
            if recorded
                .case
                .as_ref()
                .is_some_and(|c| c.authority.as_str() != scope.code()) =>
        {
            if let Err(e) = state
                .store
                .record_web_access(
                    address,
                    Some(scope.code()),
                    None,
                    &format!("released quarantined message {id}, which became another authority's case"),
                    Utc::now(),
                )
                .await
            {
                return trouble(&e);
            }
            return Redirect::to(&format!("/quarantine?released-elsewhere={id}")).into_response();
        }
        Ok(Released::Recorded(recorded)) => {
            let case = recorded.case.as_ref().map(|c| c.to_string());
            // The case named is the reader's authority's: a link to it.
            let shown = case
                .as_deref()
                .map(|c| format!("<a href=\"/cases/{r}\">{r}</a>", r = escape(c)))
                .unwrap_or_default();
            let note = match &recorded.action {
                Action::Opened => format!("Message {id} released: case {shown} opened; the referrer is answered."),
                Action::AttachedReferral => format!("Message {id} released: it completed case {shown}."),
                Action::Linked => format!("Message {id} released: recorded as {shown}, a further referral of a person with an open case."),
                Action::Refused => format!("Message {id} released: recorded as refused (no consent) under {shown}."),
                Action::Noted(_) => format!("Message {id} released: added to the timeline of {shown}."),
                _ => format!("Message {id} released: recorded; it concerns no case."),
            };
            (note, case)
        }
        Ok(Released::StillSetAside(why)) => (
            format!("Message {id} cannot be recorded by the gateway ({}): record it by hand from the inbox, then dismiss it.", escape(&why)),
            None,
        ),
        Ok(Released::AlreadySettled(s)) => (settled_note(id, &s), None),
        Ok(Released::NotQuarantined) => return not_found_page(Some(&signed)),
        Err(e) => {
            tracing::warn!(message = id.get(), error = %e, "web view: release failed");
            (format!("Message {id} could not be released. Try again."), None)
        }
    };
    if note.contains(" released:") {
        tracing::info!(
            message = id.get(),
            case = case.as_deref().unwrap_or("-"),
            "quarantined message released from the web view"
        );
        if let Err(e) = state
            .store
            .record_web_access(
                address,
                Some(scope.code()),
                case.as_deref(),
                &format!("released quarantined message {id}"),
                Utc::now(),
            )
            .await
        {
            return trouble(&e);
        }
        // Answered with a redirect, so that reloading does not send the
        // release again: to the case it made, or to the list.
        return match case {
            Some(case) => Redirect::to(&format!("/cases/{case}")).into_response(),
            None => Redirect::to(&format!("/quarantine?released={id}")).into_response(),
        };
    }
    done(&state, &signed, scope, note).await
}

/// `POST /quarantine/ID/dismiss` with a `reason`.
pub(crate) async fn dismiss_one(
    State(state): State<Arc<WebState>>,
    headers: HeaderMap,
    Path(id): Path<StoredMessageId>,
    body: Bytes,
) -> Response {
    let signed = match reader(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let fields = form(&body);
    if !csrf_ok(&signed, field(&fields, "csrf")) {
        return forbidden();
    }
    let Some((address, scope)) = officer(&signed) else {
        return not_found_page(Some(&signed));
    };
    let reason = field(&fields, "reason").unwrap_or("").trim().to_string();
    match state.store.scoped_quarantined_message(scope, id).await {
        // Settled already (a second dismissal, say): by whom and how, as a
        // repeated release says.
        Ok(Some(message)) => {
            if let Some(settled) = &message.settled {
                return done(&state, &signed, scope, settled_note(id, settled)).await;
            }
        }
        Ok(None) => {
            return refused(
                &state,
                &signed,
                &format!("quarantined message {id} to dismiss"),
            )
            .await
        }
        Err(e) => return trouble(&e),
    }
    if reason.is_empty() {
        // Refused, with the reason's field marked, as every form's errors
        // are: nothing was dismissed.
        return match state.store.scoped_quarantined(scope).await {
            Ok(waiting) => answer(
                StatusCode::BAD_REQUEST,
                listing(
                    &signed,
                    &waiting,
                    "",
                    Some((id, "Enter why the message needs nothing done")),
                ),
            ),
            Err(e) => trouble(&e),
        };
    }
    let now = Utc::now();
    let note = match state
        .store
        .dismiss_quarantined(id, address, &reason, now)
        .await
    {
        Ok(true) => {
            tracing::info!(
                message = id.get(),
                "quarantined message dismissed from the web view"
            );
            if let Err(e) = state
                .store
                .record_web_access(
                    address,
                    Some(scope.code()),
                    None,
                    &format!("dismissed quarantined message {id}"),
                    now,
                )
                .await
            {
                return trouble(&e);
            }
            // Answered with a redirect, so that reloading does not send
            // the dismissal again.
            return Redirect::to(&format!("/quarantine?dismissed={id}")).into_response();
        }
        Ok(false) => format!("Message {id} was settled by someone else meanwhile."),
        Err(e) => return trouble(&e),
    };
    done(&state, &signed, scope, note).await
}
