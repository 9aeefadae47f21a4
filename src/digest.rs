//! The morning digest: on each working day, once the sending hours have
//! begun, each authority's inbox gets one mail saying what came in since
//! the last digest, what is due today, what is overdue and what waits for
//! the council, by reference and date (never health or risk). Part of the
//! sweep; queued once per authority and day, however often the sweep runs.

use crate::config::Config;
use crate::core::authority::Authority;
use crate::core::mail::Purpose;
use crate::core::plan::{CaseStatus, OutgoingMail};
use crate::core::protocol::Owner;
use crate::core::words::{short_date, short_time, spoken_date, spoken_time};
use crate::store::{digest_key, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Value};

/// Queues the digest of every authority that has one on `day` and has not
/// had it yet; the codes of those queued.
pub async fn queue_digests(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
    day: NaiveDate,
) -> Result<Vec<String>, StoreError> {
    let mut queued = Vec::new();
    for authority in config.authorities.iter() {
        let code = authority.code.as_str();
        if !authority.digest
            || !config.calendar_for(code).is_working_day(day)
            || store.digest_queued(code, day).await?
        {
            continue;
        }
        let mail = digest_mail(store, config, authority, now, day).await?;
        if store
            .queue_digest(code, &mail, &config.outgoing, Utc::now())
            .await?
        {
            tracing::info!(authority = code, "morning digest queued");
            queued.push(code.to_string());
        }
    }
    Ok(queued)
}

/// The authority's digest for `day`, as at `now`.
async fn digest_mail(
    store: &Store,
    config: &Config,
    authority: &Authority,
    now: DateTime<Utc>,
    day: NaiveDate,
) -> Result<OutgoingMail, StoreError> {
    let code = authority.code.as_str();
    // Since the last digest; the first covers the working day before.
    let calendar = config.calendar_for(code);
    let since = store
        .last_digest(code)
        .await?
        .filter(|last| *last < now)
        .unwrap_or_else(|| {
            crate::core::uk::midnight(calendar.at_or_before(day - chrono::Duration::days(1)))
        });
    let new: Vec<Value> = store
        .referrals_since(code, since)
        .await?
        .iter()
        .filter(|r| r.received_at <= now)
        .map(|r| {
            let kind = match (r.status, r.referral_type.as_deref()) {
                (CaseStatus::Refused, _) => "refused: no consent",
                (_, Some("keep_accommodation")) => "Help to keep accommodation",
                (_, Some(_)) => "Duty to Refer",
                (_, None) => "type not stated",
            };
            // An incomplete referral waits for the referrer: said so.
            let kind = if r.status == CaseStatus::Incomplete {
                format!("{kind}, incomplete")
            } else {
                kind.to_string()
            };
            json!({
                "case_ref": r.reference,
                "received": short_time(r.received_at),
                "kind": kind,
                "urgent": r.urgent,
            })
        })
        .collect();
    let cases = store.deadline_cases(Some(code)).await?;
    let deadlines = crate::sweep::open_deadlines(config, &cases, day);
    let line = |d: &crate::sweep::OpenDeadline<'_>| {
        json!({
            "case_ref": d.case.reference,
            "what": format!("{} (commitment {})", d.rule.description, d.rule.commitment),
            "due": short_date(d.due.on),
            "owed_by": match d.rule.owed_by {
                Owner::Authority => "the council",
                Owner::Referrer => "the referring side",
            },
        })
    };
    let mut by_date: Vec<&crate::sweep::OpenDeadline<'_>> = deadlines.iter().collect();
    by_date.sort_by(|a, b| (a.due.on, &a.case.reference).cmp(&(b.due.on, &b.case.reference)));
    let due_today: Vec<Value> = by_date
        .iter()
        .filter(|d| d.due.on == day)
        .map(|d| line(d))
        .collect();
    let overdue: Vec<Value> = by_date
        .iter()
        .filter(|d| d.due.on < day)
        .map(|d| line(d))
        .collect();
    let waiting: Vec<Value> = by_date
        .iter()
        .filter(|d| d.due.on > day && d.rule.owed_by == Owner::Authority)
        .map(|d| line(d))
        .collect();
    // Mail that failed for good since the last digest: the contacts to
    // correct, by address and reference.
    let undelivered: Vec<Value> = store
        .contact_failures(Some(code), since)
        .await?
        .iter()
        .filter(|f| f.failed_at <= now)
        .map(|f| {
            json!({
                "address": f.address,
                "case_ref": f.case_ref,
                "mail": Purpose::from_name(&f.purpose).map(Purpose::in_words).unwrap_or("a mail"),
                "reason": f.reason,
                "vouched": f.vouched,
                "on": short_time(f.failed_at),
            })
        })
        .collect();
    // Withdrawals of consent the council was asked to confirm and has not:
    // the case goes on until someone answers.
    let to_confirm: Vec<Value> = store
        .withdrawals_to_confirm(code)
        .await?
        .into_iter()
        .map(|reference| json!({ "case_ref": reference }))
        .collect();
    let digest = json!({
        "day": spoken_date(day),
        "since": spoken_time(since),
        "counts": {
            "new": new.len(),
            "due_today": due_today.len(),
            "overdue": overdue.len(),
            "waiting": waiting.len(),
            "undelivered": undelivered.len(),
            "consent_to_confirm": to_confirm.len(),
        },
        "nothing_due": due_today.is_empty() && overdue.is_empty(),
        "new": new,
        "due_today": due_today,
        "overdue": overdue,
        "waiting": waiting,
        "undelivered": undelivered,
        "consent_to_confirm": to_confirm,
    });
    Ok(OutgoingMail {
        purpose: Purpose::Digest,
        to: vec![authority.inbox.clone()],
        cc: Vec::new(),
        once_per_case: false,
        context: json!({ "digest": digest, "until": now.to_rfc3339() }),
        // The authority's own inbox: no limit per recipient holds it back.
        unlimited: vec![authority.inbox.clone()],
        step: Some(digest_key(code, day)),
        thread_under: None,
        held_until: None,
    })
}
