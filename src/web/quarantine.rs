//! `/quarantine`: the messages set aside from the reader's authority's
//! inboxes, with release and dismiss as the `quarantine` command's verbs
//! (the same library calls), each a POST carrying the session's CSRF token
//! and recorded with who did it.

use super::access::record_action;
use super::cases::{forbidden, reader, refused};
use super::page::{answer, escape, headed_table, not_found_page, page_at, visible};
use super::session::{csrf_ok, field, form, Signed, Viewer};
use super::sign_in::trouble;
use super::WebState;
use crate::core::classify::Kind;
use crate::core::ids::StoredMessageId;
use crate::core::plan::Disposition;
use crate::core::states::Settlement;
use crate::core::words::{long_date, short_time};
use crate::intake::{release, release_preview, Release};
use crate::store::{Action, CaseScope, Released, Settled};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use std::collections::HashMap;
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
    // What was just done, said from the message's state in the store, not
    // from the address: a link cannot make the page say something happened.
    let note = match after(&uri) {
        Some(id) => match state.store.scoped_quarantined_message(scope, id).await {
            Ok(Some(message)) => match &message.settled {
                Some(settled) => match confirmation(&state, scope, id, settled).await {
                    Ok(words) => format!("<p role=\"status\"><strong>{words}</strong></p>"),
                    Err(e) => return trouble(&e),
                },
                None => String::new(),
            },
            Ok(None) => String::new(),
            Err(e) => return trouble(&e),
        },
        None => String::new(),
    };
    show(&state, &signed, scope, StatusCode::OK, &note, None).await
}

/// The message just settled, from the query (`dismissed=ID`,
/// `released=ID` or `released-elsewhere=ID`).
fn after(uri: &Uri) -> Option<StoredMessageId> {
    let (key, value) = uri.query()?.split('&').next()?.split_once('=')?;
    let id = value.parse().ok()?;
    matches!(key, "dismissed" | "released" | "released-elsewhere").then(|| StoredMessageId::new(id))
}

/// The case a release's note names, when it is the reader's authority's:
/// another authority's case is not the reader's to see, nor to be named.
async fn own_case(
    state: &WebState,
    scope: &CaseScope,
    settled: &Settled,
) -> Result<Option<String>, crate::store::StoreError> {
    let Some(reference) = settled
        .note
        .as_deref()
        .filter(|_| settled.how != Settlement::Dismissed)
        .and_then(|n| n.strip_prefix("case "))
        .map(str::trim)
        .filter(|r| !r.is_empty())
    else {
        return Ok(None);
    };
    Ok(state
        .store
        .scoped_case(scope, reference)
        .await?
        .map(|_| reference.to_string()))
}

/// What a release or dismissal did, as its confirmation says it (HTML).
async fn confirmation(
    state: &WebState,
    scope: &CaseScope,
    id: StoredMessageId,
    settled: &Settled,
) -> Result<String, crate::store::StoreError> {
    let who = format!(
        "by {} on {}",
        visible(&settled.by),
        escape(&short_time(settled.at))
    );
    let case = own_case(state, scope, settled).await?;
    Ok(match (settled.how, case) {
        (Settlement::Dismissed, _) => format!(
            "Message {id} dismissed {who}. Reason: {}",
            visible(settled.note.as_deref().unwrap_or("(none given)"))
        ),
        (how, Some(r)) => format!(
            "Message {id} {} {who}: case <a href=\"/cases/{r}\">{r}</a>.",
            escape(how.as_str()),
            r = escape(&r)
        ),
        // A case, but another authority's: said without naming it.
        (how, None) if settled.note.is_some() => format!(
            "Message {id} {} {who}: its form names another authority, so its case was opened \
             there and is theirs to see; the referrer is answered.",
            escape(how.as_str())
        ),
        (how, None) => format!(
            "Message {id} {} {who}: recorded; it concerns no case.",
            escape(how.as_str())
        ),
    })
}

/// The answer to a release or dismissal of a message already settled (a
/// reload, a second officer): how and by whom, with a link to its case only
/// when that case is the reader's authority's.
async fn already(
    state: &WebState,
    scope: &CaseScope,
    id: StoredMessageId,
    s: &Settled,
) -> Result<String, crate::store::StoreError> {
    let case = match own_case(state, scope, s).await? {
        Some(r) => format!(" (case <a href=\"/cases/{r}\">{r}</a>)", r = escape(&r)),
        None if s.how == Settlement::Dismissed => s
            .note
            .as_deref()
            .map(|n| format!(" (reason: {})", visible(n)))
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(format!(
        "Message {id} was already {} by {} on {}{case}.",
        escape(s.how.as_str()),
        visible(&s.by),
        escape(&short_time(s.at)),
    ))
}

/// A dismissal that could not be done: the message's number and what is
/// wrong with its form, said above the page and at the reason's field.
type Problem<'a> = Option<(StoredMessageId, &'a str)>;

fn listing(
    state: &WebState,
    signed: &Signed,
    waiting: &[crate::store::Quarantined],
    previews: &HashMap<StoredMessageId, String>,
    note: &str,
    problem: Problem<'_>,
) -> String {
    let csrf = escape(&signed.csrf);
    let today = crate::core::uk::date(Utc::now());
    let mut body = String::new();
    if let Some((id, message)) = problem {
        body.push_str(&format!(
            "<div class=\"error-summary\" role=\"alert\"><h2>Message {id} was not dismissed</h2>\
             <ul><li><a href=\"#reason-{id}\">{}</a></li></ul></div>",
            escape(message)
        ));
    }
    body.push_str(note);
    // The newest first: what came in this morning is what is asked about.
    let mut waiting: Vec<&crate::store::Quarantined> = waiting.iter().collect();
    waiting.sort_by_key(|q| std::cmp::Reverse((q.received_at, q.id)));
    match waiting.len() {
        0 => body.push_str("<p>The quarantine is empty: no message is waiting.</p>"),
        1 => body.push_str("<p>1 message is waiting.</p>"),
        n => body.push_str(&format!(
            "<p>{n} messages are waiting, the newest first.</p>"
        )),
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
            let does = previews
                .get(&id)
                .map(|words| format!("<p id=\"release-{id}-does\">Releasing it {words}</p>"))
                .unwrap_or_default();
            let described = if does.is_empty() {
                String::new()
            } else {
                format!(" aria-describedby=\"release-{id}-does\"")
            };
            format!(
                "{does}<form method=\"post\" action=\"/quarantine/{id}/release\" class=\"inline\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                 <button type=\"submit\"{described}>Release message {id}</button></form>"
            )
        };
        let received = short_time(q.received_at);
        let sender = q.sender.as_deref().unwrap_or("an unknown sender");
        // Named by what the page already shows of it: its subject, else who
        // sent it and when.
        let heading = match q.subject.as_deref().map(str::trim) {
            Some(subject) if !subject.is_empty() => {
                crate::terminal::printable(subject).into_owned()
            }
            _ => format!(
                "Quarantined message from {}, received {received}",
                crate::terminal::printable(sender)
            ),
        };
        // Its text goes at the first purge after its retention period,
        // counted in days from today; after that it can only be dismissed.
        let erased = crate::core::uk::date(state.config.retention.erased_from(q.recorded_at));
        let left = (erased - today).num_days();
        let deadline = match left {
            _ if q.raw.is_none() => "its text is no longer kept".to_string(),
            ..=0 => format!(
                "today: its text is erased by the purge from {}",
                long_date(erased)
            ),
            1 => format!(
                "1 day: its text is erased by the purge from {}",
                long_date(erased)
            ),
            n => format!(
                "{n} days: its text is erased by the purge from {}",
                long_date(erased)
            ),
        };
        let details = format!(
            "<tr><th scope=\"row\">Received</th><td>{received}</td></tr>\
             <tr><th scope=\"row\">From</th><td>{sender}</td></tr>\
             <tr><th scope=\"row\">Subject</th><td>{subject}</td></tr>\
             <tr><th scope=\"row\">Set aside because</th><td>{reason}</td></tr>\
             <tr><th scope=\"row\">Release within</th><td>{deadline}</td></tr>\
             <tr><th scope=\"row\">Message number</th><td>{id}</td></tr>",
            received = escape(&received),
            sender = visible(q.sender.as_deref().unwrap_or("(no sender)")),
            subject = visible(q.subject.as_deref().unwrap_or("(no subject)")),
            reason = visible(&q.reason),
            deadline = escape(&deadline),
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

/// The page: the scope's waiting messages, with what Release would do to
/// each, `note` (HTML) and any `problem` said first.
async fn show(
    state: &WebState,
    signed: &Signed,
    scope: &CaseScope,
    status: StatusCode,
    note: &str,
    problem: Problem<'_>,
) -> Response {
    let waiting = match state.store.scoped_quarantined(scope).await {
        Ok(waiting) => waiting,
        Err(e) => return trouble(&e),
    };
    let previews = previews(state, scope, &waiting).await;
    answer(
        status,
        listing(state, signed, &waiting, &previews, note, problem),
    )
}

/// At most this many messages a page are read again to say what Release
/// would do: each is read as a release reads it.
const PREVIEWS: usize = 25;

/// What releasing each waiting message would do (the newest first), in
/// words, HTML: decided as a release would decide it, nothing recorded.
async fn previews(
    state: &WebState,
    scope: &CaseScope,
    waiting: &[crate::store::Quarantined],
) -> HashMap<StoredMessageId, String> {
    let mut newest: Vec<&crate::store::Quarantined> = waiting
        .iter()
        .filter(|q| !crate::intake::unreadable_reason(&q.reason))
        .collect();
    newest.sort_by_key(|q| std::cmp::Reverse((q.received_at, q.id)));
    let mut said = HashMap::new();
    for q in newest.into_iter().take(PREVIEWS) {
        let plan = match release_preview(&state.store, &state.config, q).await {
            Ok(Some(plan)) => plan,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(message = q.id.get(), error = %e, "web view: release preview failed");
                continue;
            }
        };
        let words = match &plan.disposition {
            Disposition::Open(new) => {
                let code = new.authority.to_string();
                let name = state
                    .config
                    .authorities
                    .by_code(&code)
                    .map_or_else(|| code.clone(), |a| a.full_name().to_string());
                if code.eq_ignore_ascii_case(scope.code()) {
                    let further = if new.linked_to.is_some() {
                        ", a further referral of a person with an open case"
                    } else {
                        ""
                    };
                    format!("records a new referral for {}{further}.", escape(&name))
                } else {
                    format!(
                        "records a new referral for {}, as its form says: the case is theirs, \
                         and not yours to see.",
                        escape(&name)
                    )
                }
            }
            Disposition::Change { case_ref, .. } => {
                let reference = case_ref.to_string();
                match state.store.scoped_case(scope, &reference).await {
                    Ok(Some(_)) => format!(
                        "adds this message to case <a href=\"/cases/{r}\">{r}</a>.",
                        r = escape(&reference)
                    ),
                    Ok(None) => "adds this message to another authority's case.".to_string(),
                    Err(e) => {
                        tracing::warn!(message = q.id.get(), error = %e, "web view: release preview failed");
                        continue;
                    }
                }
            }
            Disposition::RecordOnly => {
                "records it on no case: nothing on any case changes.".to_string()
            }
            Disposition::Quarantine { reason } => format!(
                "does nothing: it stays here, because {}.",
                visible(reason.trim_end_matches('.'))
            ),
        };
        said.insert(q.id, words);
    }
    said
}

/// The page again, with what was done said first (`note` is HTML).
async fn done(state: &WebState, signed: &Signed, scope: &CaseScope, note: String) -> Response {
    show(
        state,
        signed,
        scope,
        StatusCode::OK,
        &format!("<p role=\"status\"><strong>{note}</strong></p>"),
        None,
    )
    .await
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
    // What a release refused says in the record, after who tried it.
    let tried = format!("tried to release quarantined message {id}: not released");
    match released {
        // The form named another authority: the case is theirs, and not
        // the reader's to see (its page would answer "not found").
        Ok(Released::Recorded(recorded))
            if recorded
                .case
                .as_ref()
                .is_some_and(|c| c.authority.as_str() != scope.code()) =>
        {
            let action =
                format!("released quarantined message {id}, which became another authority's case");
            if let Err(e) = record_action(&state, &signed, None, &action).await {
                return trouble(&e);
            }
            Redirect::to(&format!("/quarantine?released-elsewhere={id}")).into_response()
        }
        Ok(Released::Recorded(recorded)) => {
            let case = recorded.case.as_ref().map(|c| c.to_string());
            tracing::info!(
                message = id.get(),
                case = case.as_deref().unwrap_or("-"),
                "quarantined message released from the web view"
            );
            let action = match &case {
                Some(case) => format!(
                    "{}{}",
                    released_prefix(id),
                    what_became(&recorded.action, case)
                ),
                None => format!("released quarantined message {id}: it concerns no case"),
            };
            if let Err(e) = record_action(&state, &signed, case.as_deref(), &action).await {
                return trouble(&e);
            }
            // Answered with a redirect, so that reloading does not send the
            // release again: to the case it went to, which confirms it from
            // the record, or to the list.
            match case {
                Some(case) => Redirect::to(&format!("/cases/{case}?released={id}")).into_response(),
                None => Redirect::to(&format!("/quarantine?released={id}")).into_response(),
            }
        }
        // Kept in quarantine, said as a warning: nothing was recorded.
        Ok(Released::StillSetAside(why)) => {
            let action = format!("{tried}, it stays in quarantine: {why}");
            if let Err(e) = record_action(&state, &signed, None, &action).await {
                return trouble(&e);
            }
            let advice = if message.kind == Kind::Reply {
                "Read it in the inbox, record what it says on the case it is about (its \
                 reference may be mistyped), then dismiss it here with a reason."
            } else {
                "Record it by hand from the inbox, then dismiss it here with a reason."
            };
            let warning = format!(
                "<div class=\"error-summary\" role=\"alert\"><h2>Message {id} was not released</h2>\
                 <p>It stays in quarantine, with all it says: {}. {advice}</p></div>",
                escape(&why)
            );
            show(&state, &signed, scope, StatusCode::CONFLICT, &warning, None).await
        }
        Ok(Released::AlreadySettled(s)) => {
            match refused_as_settled(&state, &signed, scope, &tried, &s).await {
                Ok(()) => {}
                Err(e) => return trouble(&e),
            }
            match already(&state, scope, id, &s).await {
                Ok(words) => done(&state, &signed, scope, words).await,
                Err(e) => trouble(&e),
            }
        }
        Ok(Released::NotQuarantined) => {
            let action = format!("{tried}, it is not in quarantine");
            if let Err(e) = record_action(&state, &signed, None, &action).await {
                return trouble(&e);
            }
            not_found_page(Some(&signed))
        }
        Err(e) => {
            tracing::warn!(message = id.get(), error = %e, "web view: release failed");
            let action = format!("{tried}, the release failed (see the log)");
            if let Err(e) = record_action(&state, &signed, None, &action).await {
                return trouble(&e);
            }
            done(
                &state,
                &signed,
                scope,
                format!("Message {id} could not be released. Try again."),
            )
            .await
        }
    }
}

/// How the record of a release to a case begins; what follows says what
/// became of it ([`what_became`]).
pub(crate) fn released_prefix(id: StoredMessageId) -> String {
    format!("released quarantined message {id}: ")
}

/// What a release did to case `case`, in words that name it: the new case
/// it opened, or the existing case it joined.
fn what_became(action: &Action, case: &str) -> String {
    match action {
        Action::Opened => format!("it opened a new case, {case}; the referrer is answered"),
        Action::Linked => format!(
            "it opened a new case, {case}, a further referral of a person with an open case"
        ),
        Action::AttachedReferral => format!("its form was added to the existing case {case}"),
        Action::Refused => format!("it was recorded as refused (no consent) as case {case}"),
        Action::Noted(_) => format!("it joined the existing case {case}, on its timeline"),
        _ => format!("it was recorded on case {case}"),
    }
}

/// Records a release or dismissal refused because the message was settled
/// already (`tried`, then how and by whom), under its case when that is
/// the reader's authority's.
async fn refused_as_settled(
    state: &WebState,
    signed: &Signed,
    scope: &CaseScope,
    tried: &str,
    s: &Settled,
) -> Result<(), crate::store::StoreError> {
    let case = own_case(state, scope, s).await?;
    let action = format!(
        "{tried}, it was already {} by {} on {}",
        s.how.as_str(),
        s.by,
        short_time(s.at)
    );
    record_action(state, signed, case.as_deref(), &action).await
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
    // What a dismissal refused says in the record, after who tried it.
    let tried = format!("tried to dismiss quarantined message {id}: not dismissed");
    match state.store.scoped_quarantined_message(scope, id).await {
        // Settled already (a second dismissal, say): by whom and how, as a
        // repeated release says.
        Ok(Some(message)) => {
            if let Some(settled) = &message.settled {
                if let Err(e) = refused_as_settled(&state, &signed, scope, &tried, settled).await {
                    return trouble(&e);
                }
                return match already(&state, scope, id, settled).await {
                    Ok(words) => done(&state, &signed, scope, words).await,
                    Err(e) => trouble(&e),
                };
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
        let action = format!("{tried}, no reason given");
        if let Err(e) = record_action(&state, &signed, None, &action).await {
            return trouble(&e);
        }
        return show(
            &state,
            &signed,
            scope,
            StatusCode::BAD_REQUEST,
            "",
            Some((id, "Enter why the message needs nothing done")),
        )
        .await;
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
            let action = format!("dismissed quarantined message {id}");
            if let Err(e) = record_action(&state, &signed, None, &action).await {
                return trouble(&e);
            }
            // Answered with a redirect, so that reloading does not send
            // the dismissal again.
            return Redirect::to(&format!("/quarantine?dismissed={id}")).into_response();
        }
        Ok(false) => {
            let action = format!("{tried}, it was settled by someone else meanwhile");
            if let Err(e) = record_action(&state, &signed, None, &action).await {
                return trouble(&e);
            }
            format!("Message {id} was settled by someone else meanwhile.")
        }
        Err(e) => {
            // The store failed: the attempt is still put on record if it
            // can be.
            let action = format!("{tried}, the store failed (see the log)");
            if let Err(again) = record_action(&state, &signed, None, &action).await {
                tracing::warn!(error = %again, "web view: a failed dismissal could not be recorded");
            }
            return trouble(&e);
        }
    };
    done(&state, &signed, scope, note).await
}
