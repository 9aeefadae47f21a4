//! The store against a real SQLite file and a real PostgreSQL database: idempotent intake, a second
//! referral for the same person, gap-free references under concurrency, and
//! nothing personal kept for a refused referral.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use common::{ingest_into, TestDb};
use dtr_gateway::config::Config;
use dtr_gateway::core::event::EventKind;
use dtr_gateway::core::ids::OutboxId;
use dtr_gateway::store::{Action, Store, Table};
use sqlx::Row;
use std::collections::BTreeSet;
use tempfile::TempDir;

struct Person<'a> {
    name: &'a str,
    dob: &'a str,
    prison_number: &'a str,
    consent: &'a str,
}

const SAM: Person = Person {
    name: "Samuel Testperson",
    dob: "14/07/1988",
    prison_number: "A1234BC",
    consent: "Yes",
};

fn referral(message_id: Option<&str>, from: &str, p: &Person, extra: &str) -> Vec<u8> {
    let id_header = message_id
        .map(|id| format!("Message-ID: <{id}>\r\n"))
        .unwrap_or_default();
    format!(
        "From: Jo Officer <{from}>\r\nTo: dutytorefer@colchester.gov.uk\r\nSubject: Referral\r\n\
         Date: Mon, 16 Nov 2026 10:00:00 +0000\r\n{id_header}MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         DUTY TO REFER REFERRAL\r\nReferral type: Duty to Refer\r\nFull name: {}\r\n\
         Date of birth: {}\r\nPrison number: {}\r\nCustody status: sentenced\r\n\
         Expected release date: 01/03/2027\r\nConsent to referral: {}\r\n\
         Mental health: Sensitive diagnosis text\r\n\
         Reason at risk of homelessness: Tenancy lost during sentence\r\n\
         Local connection: resident\r\nReferring agency: HMP Chelmsford\r\n\
         Referrer name: Jo Officer\r\nReferrer email: {from}\r\nReferrer phone: 01245 000000\r\n{extra}",
        p.name, p.dob, p.prison_number, p.consent
    )
    .into_bytes()
}

on_both_stores!(
    the_same_message_twice_records_one_message_and_one_case,
    a_second_referral_for_the_same_person_joins_their_open_case,
    an_incomplete_referral_completed_later_becomes_open,
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    references_are_gap_free_and_unique_under_concurrent_intake,
    a_refused_referral_keeps_nothing_about_the_person,
    a_referral_refused_on_a_confirmed_withdrawal_keeps_nothing_about_the_person,
    a_case_closed_on_a_withdrawal_is_reopened_as_it_was,
    a_withdrawal_waits_for_the_council_until_it_declines,
    replies_join_their_case_and_strangers_are_quarantined,
    events_cannot_be_changed_or_deleted,
    answers_are_queued_with_the_message_once_and_only_to_allowed_domains,
    automatic_mail_lists_strangers_and_old_backlog_get_no_answer,
    the_hourly_limit_per_recipient_defers_mail_and_a_form_request_is_answered,
    mail_that_would_wait_more_than_a_day_is_withheld,
    a_failed_mail_can_be_sent_again_and_shows_on_its_case,
    outbox_claims_keep_two_gateways_from_sending_one_mail,
    an_instance_name_is_held_by_one_gateway_at_a_time,
    the_web_view_reads_one_authoritys_cases_and_links_open_one_session_once,
    a_busy_session_still_ends_and_a_person_is_signed_out_everywhere,
    the_purge_deletes_old_records_of_pages_and_searches,
    pages_opened_again_are_counted_and_actions_never_are,
);

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 16, 10, 5, 0)
        .single()
        .expect("valid time")
}

/// A new store on `db`, its URL (for a second gateway on it) and the
/// embedded configuration.
async fn store(db: TestDb) -> (TempDir, Store, Config, String) {
    let dir = TempDir::new().expect("temp dir");
    let url = db.new_store_url(dir.path());
    let store = Store::open(&url).await.expect("store opens");
    let (mut config, _) = Config::embedded().expect("embedded config");
    // These mails carry no verdict on their senders; here the question is
    // what the store makes of them, so the mailbox takes senders at their
    // word (tests/speakers.rs asks who may speak).
    for mailbox in &mut config.mailboxes {
        mailbox.trust.trust_unauthenticated = true;
    }
    (dir, store, config, url)
}

/// Ingests as if received a week ago: recorded, too old to be answered.
async fn put(store: &Store, config: &Config, raw: &[u8]) -> dtr_gateway::store::Recorded {
    put_at(store, config, raw, at()).await
}

async fn put_at(
    store: &Store,
    config: &Config,
    raw: &[u8],
    received_at: DateTime<Utc>,
) -> dtr_gateway::store::Recorded {
    ingest_into(store, config, "colchester", raw, received_at).await
}

async fn the_same_message_twice_records_one_message_and_one_case(db: TestDb) {
    let (_dir, store, config, _) = store(db).await;
    let raw = referral(Some("one@justice.gov.uk"), "jo@justice.gov.uk", &SAM, "");
    let first = put(&store, &config, &raw).await;
    assert_eq!(first.action, Action::Opened);
    assert_eq!(
        first.case.as_ref().map(|c| c.to_string()).as_deref(),
        Some("DTR-COL-2026-00001")
    );

    let again = put(&store, &config, &raw).await;
    assert_eq!(again.action, Action::Duplicate);
    assert_eq!(again.case, first.case);

    // Same Message-ID, different bytes (another copy, other headers added).
    let mut copy = b"Received: from elsewhere\r\n".to_vec();
    copy.extend_from_slice(&raw);
    assert_eq!(put(&store, &config, &copy).await.action, Action::Duplicate);

    // Without a Message-ID the hash decides.
    let anonymous = referral(
        None,
        "jo@justice.gov.uk",
        &Person {
            prison_number: "B2345CD",
            name: "Alex Other",
            ..SAM
        },
        "",
    );
    assert_eq!(
        put(&store, &config, &anonymous).await.action,
        Action::Opened
    );
    assert_eq!(
        put(&store, &config, &anonymous).await.action,
        Action::Duplicate
    );

    assert_eq!(store.count(Table::Messages).await.expect("count"), 2);
    assert_eq!(store.count(Table::Cases).await.expect("count"), 2);
}

async fn a_second_referral_for_the_same_person_joins_their_open_case(db: TestDb) {
    let (_dir, store, config, _) = store(db).await;
    let first = put(
        &store,
        &config,
        &referral(Some("a@justice.gov.uk"), "jo@justice.gov.uk", &SAM, ""),
    )
    .await;
    // Same prison number.
    let second = put(
        &store,
        &config,
        &referral(Some("b@justice.gov.uk"), "jo@justice.gov.uk", &SAM, ""),
    )
    .await;
    assert_eq!(second.action, Action::AttachedReferral);
    assert_eq!(second.case, first.case);
    // No prison number, but the same name (written differently) and date of birth.
    let by_name = Person {
        prison_number: "",
        name: "samuel  TESTPERSON",
        ..SAM
    };
    let third = put(
        &store,
        &config,
        &referral(Some("c@justice.gov.uk"), "jo@justice.gov.uk", &by_name, ""),
    )
    .await;
    assert_eq!(third.action, Action::AttachedReferral);
    assert_eq!(third.case, first.case);
    // Another person is another case.
    let other = Person {
        prison_number: "Z9999ZZ",
        name: "Another Person",
        ..SAM
    };
    let fourth = put(
        &store,
        &config,
        &referral(Some("d@justice.gov.uk"), "jo@justice.gov.uk", &other, ""),
    )
    .await;
    assert_eq!(fourth.action, Action::Opened);
    // The same person at another authority is a case there.
    let elsewhere = put(
        &store,
        &config,
        &referral(
            Some("e@justice.gov.uk"),
            "jo@justice.gov.uk",
            &SAM,
            "Local housing authority: Basildon\r\n",
        ),
    )
    .await;
    assert_eq!(elsewhere.action, Action::Opened);
    assert_eq!(
        elsewhere.case.map(|c| c.to_string()).as_deref(),
        Some("DTR-BAS-2026-00001")
    );

    let reference = first.case.expect("case").to_string();
    let case = store.case(&reference).await.expect("case");
    let kinds: Vec<&str> = case.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "referral_received",
            "referral_attached",
            "referral_attached"
        ]
    );
}

async fn an_incomplete_referral_completed_later_becomes_open(db: TestDb) {
    let (_dir, store, config, _) = store(db).await;
    let mut incomplete = String::from_utf8(referral(
        Some("i1@justice.gov.uk"),
        "jo@justice.gov.uk",
        &SAM,
        "",
    ))
    .expect("utf-8");
    incomplete = incomplete.replace("Referrer phone: 01245 000000\r\n", "");
    let first = put(&store, &config, incomplete.as_bytes()).await;
    let reference = first.case.expect("case").to_string();
    let case = store.case(&reference).await.expect("case");
    assert_eq!(case.summary.status, "incomplete");
    assert_eq!(case.missing, ["referrer_phone"]);

    put(
        &store,
        &config,
        &referral(Some("i2@justice.gov.uk"), "jo@justice.gov.uk", &SAM, ""),
    )
    .await;
    let case = store.case(&reference).await.expect("case");
    assert_eq!(case.summary.status, "open");
    assert!(case.missing.is_empty());
}

async fn references_are_gap_free_and_unique_under_concurrent_intake(db: TestDb) {
    let (_dir, store, config, url) = store(db).await;
    // A second pool on the same store stands in for a second process.
    let other_store = Store::open(&url).await.expect("second pool");
    let mut tasks = Vec::new();
    for i in 0..40u32 {
        let store = if i % 2 == 0 {
            store.clone()
        } else {
            other_store.clone()
        };
        let config = config.clone();
        tasks.push(tokio::spawn(async move {
            let prison_number = format!("A{:04}AA", i);
            let name = format!("Person Number{i}");
            let p = Person {
                name: &name,
                prison_number: &prison_number,
                ..SAM
            };
            let raw = referral(
                Some(&format!("c{i}@justice.gov.uk")),
                "jo@justice.gov.uk",
                &p,
                "",
            );
            put(&store, &config, &raw).await
        }));
    }
    let mut refs = BTreeSet::new();
    for t in tasks {
        let recorded = t.await.expect("task");
        assert_eq!(recorded.action, Action::Opened);
        refs.insert(recorded.case.expect("case").to_string());
    }
    let expected: BTreeSet<String> = (1..=40).map(|n| format!("DTR-COL-2026-{n:05}")).collect();
    assert_eq!(refs, expected);
}

/// The council's confirmation that the person withdrew their consent,
/// recorded on `reference`; `refused` when consent had never been given.
async fn withdrawal_confirmed(store: &Store, config: &Config, reference: &str, refused: bool) {
    store
        .record_by_hand(
            reference,
            &[dtr_gateway::core::plan::CaseChange::ConsentWithdrawn {
                by: "the referrer wrote it and the council confirmed it".into(),
                at: at(),
                refused,
                notice: None,
            }],
            &[],
            &config.outgoing,
        )
        .await
        .expect("recorded");
}

async fn a_referral_refused_on_a_confirmed_withdrawal_keeps_nothing_about_the_person(db: TestDb) {
    let (_dir, store, config, _) = store(db).await;
    let unanswered = Person { consent: "", ..SAM };
    let raw = referral(
        Some("wd@justice.gov.uk"),
        "jo@justice.gov.uk",
        &unanswered,
        "",
    );
    let recorded = put(&store, &config, &raw).await;
    let reference = recorded.case.expect("case").to_string();
    withdrawal_confirmed(&store, &config, &reference, true).await;
    let case = store.case(&reference).await.expect("case");
    assert_eq!(case.summary.status.as_str(), "refused");
    let contacts = store
        .case_contacts(&reference)
        .await
        .expect("contacts")
        .expect("case");
    assert!(contacts.purged);
    assert_eq!(contacts.referral.full_name, None);
    assert_eq!(contacts.referral.mental_health, None);
}

/// `kind` noted on `reference`, as intake notes it.
async fn noted(store: &Store, config: &Config, reference: &str, kind: EventKind) {
    store
        .record_by_hand(
            reference,
            &[dtr_gateway::core::plan::CaseChange::Noted {
                event: kind,
                detail: serde_json::json!({ "by": "the referrer", "follow_ups_wait": true }),
            }],
            &[],
            &config.outgoing,
        )
        .await
        .expect("recorded");
}

async fn a_withdrawal_waits_for_the_council_until_it_declines(db: TestDb) {
    let (_dir, store, config, _) = store(db).await;
    let raw = referral(Some("wait@justice.gov.uk"), "jo@justice.gov.uk", &SAM, "");
    let reference = put(&store, &config, &raw)
        .await
        .case
        .expect("case")
        .to_string();
    let waits = |cases: Vec<dtr_gateway::store::DeadlineCase>| {
        cases
            .iter()
            .filter(|c| c.withdrawal_waits)
            .map(|c| c.reference.clone())
            .collect::<Vec<_>>()
    };
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 17).expect("day");
    assert!(waits(store.deadline_cases(None).await.expect("cases")).is_empty());
    noted(
        &store,
        &config,
        &reference,
        EventKind::ConsentWithdrawalReported,
    )
    .await;
    assert_eq!(
        waits(store.deadline_cases(None).await.expect("cases")),
        std::slice::from_ref(&reference)
    );
    // The sweep reads it again at once (whatever day it had planned).
    assert_eq!(
        waits(store.cases_to_sweep(day).await.expect("cases")),
        std::slice::from_ref(&reference)
    );
    assert_eq!(
        store.withdrawals_to_confirm("COL").await.expect("waiting"),
        std::slice::from_ref(&reference)
    );
    noted(
        &store,
        &config,
        &reference,
        EventKind::ConsentWithdrawalDeclined,
    )
    .await;
    assert!(waits(store.deadline_cases(None).await.expect("cases")).is_empty());
    assert!(store
        .withdrawals_to_confirm("COL")
        .await
        .expect("waiting")
        .is_empty());
}

async fn a_case_closed_on_a_withdrawal_is_reopened_as_it_was(db: TestDb) {
    let (_dir, store, config, _) = store(db).await;
    let raw = referral(Some("ro@justice.gov.uk"), "jo@justice.gov.uk", &SAM, "");
    let reference = put(&store, &config, &raw)
        .await
        .case
        .expect("case")
        .to_string();
    withdrawal_confirmed(&store, &config, &reference, false).await;
    let case = store.case(&reference).await.expect("case");
    assert_eq!(case.summary.status.as_str(), "closed");
    let reopened = store
        .reopen_case(&reference, &config.outgoing)
        .await
        .expect("reopened");
    assert_eq!(reopened.status.as_str(), "open");
    let case = store.case(&reference).await.expect("case");
    assert_eq!(case.summary.status.as_str(), "open");
    assert_eq!(case.outcome, None);
    assert!(case
        .events
        .iter()
        .any(|e| e.kind == dtr_gateway::core::event::EventKind::CaseReopened));
    // Open now: reopening it again says why not.
    let again = store.reopen_case(&reference, &config.outgoing).await;
    assert!(
        again.is_err_and(|e| e.to_string().contains("only a closed case is reopened")),
        "reopened twice"
    );
    // Closed, then erased by the retention purge: nothing about the person
    // is left to reopen.
    store
        .close_case(&reference, "no contact")
        .await
        .expect("closed");
    let years_on =
        dtr_gateway::retention::cutoffs(&config, Utc::now() + chrono::Duration::days(4000));
    store.purge(years_on, &config, false).await.expect("purged");
    let erased = store.reopen_case(&reference, &config.outgoing).await;
    assert!(
        erased.is_err_and(|e| e.to_string().contains("its details erased")),
        "an erased case reopened"
    );
}

async fn a_refused_referral_keeps_nothing_about_the_person(db: TestDb) {
    let (_dir, store, config, _) = store(db).await;
    let refused = Person {
        consent: "No",
        ..SAM
    };
    let raw = referral(Some("nc@justice.gov.uk"), "jo@justice.gov.uk", &refused, "");
    let recorded = put(&store, &config, &raw).await;
    assert_eq!(recorded.action, Action::Refused);
    let reference = recorded.case.expect("case").to_string();

    let mut everything = String::new();
    for table in ["messages", "cases", "events", "outbox", "case_sequences"] {
        let sql = format!("SELECT * FROM {table}");
        for row in sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(store.pool())
            .await
            .expect("rows")
        {
            for i in 0..row.len() {
                if let Ok(Some(text)) = row.try_get::<Option<String>, _>(i) {
                    everything.push_str(&text);
                    everything.push('\n');
                }
            }
        }
    }
    for personal in [
        "Samuel",
        "Testperson",
        "1988",
        "A1234BC",
        "Sensitive diagnosis",
        "Tenancy lost",
    ] {
        assert!(
            !everything.contains(personal),
            "{personal} is stored:\n{everything}"
        );
    }
    // What proves the refusal is there.
    assert!(everything.contains("jo@justice.gov.uk"));
    assert!(everything.contains(&reference));
    let case = store.case(&reference).await.expect("case");
    assert_eq!(case.summary.status, "refused");
}

async fn replies_join_their_case_and_strangers_are_quarantined(db: TestDb) {
    let (_dir, store, config, _) = store(db).await;
    let opened = put(
        &store,
        &config,
        &referral(Some("r1@justice.gov.uk"), "jo@justice.gov.uk", &SAM, ""),
    )
    .await;
    let reference = opened.case.expect("case").to_string();
    let reply = format!(
        "From: jo@justice.gov.uk\r\nTo: dutytorefer@colchester.gov.uk\r\nMessage-ID: <r2@justice.gov.uk>\r\n\
         Subject: RE: [{reference}] Referral received\r\n\r\nThank you.\r\n"
    );
    let recorded = put(&store, &config, reply.as_bytes()).await;
    // The referrer's own answer: on the case as the referring side's.
    assert_eq!(recorded.action, Action::Noted("reply_received".into()));
    let case = store.case(&reference).await.expect("case");
    assert_eq!(
        case.events.last().map(|e| e.kind.as_str()),
        Some("referrer_responded")
    );

    let unknown = reply
        .replace(&reference, "DTR-COL-2026-00999")
        .replace("r2@", "r3@");
    let recorded = put(&store, &config, unknown.as_bytes()).await;
    assert!(
        matches!(recorded.action, Action::Quarantined(ref why) if why.contains("DTR-COL-2026-00999"))
    );

    let stranger = referral(
        Some("s1@example.com"),
        "someone@example.com",
        &Person {
            prison_number: "C3456DE",
            ..SAM
        },
        "",
    );
    let recorded = put(&store, &config, &stranger).await;
    assert!(matches!(recorded.action, Action::Quarantined(ref why) if why.contains("example.com")));
    assert_eq!(store.count(Table::Cases).await.expect("count"), 1);
    assert_eq!(store.count(Table::Quarantined).await.expect("count"), 2);
}

async fn events_cannot_be_changed_or_deleted(db: TestDb) {
    let (_dir, store, config, _) = store(db).await;
    put(
        &store,
        &config,
        &referral(Some("ev@justice.gov.uk"), "jo@justice.gov.uk", &SAM, ""),
    )
    .await;
    assert!(sqlx::query("UPDATE events SET kind = 'x'")
        .execute(store.pool())
        .await
        .is_err());
    assert!(sqlx::query("DELETE FROM events")
        .execute(store.pool())
        .await
        .is_err());
    assert_eq!(store.count(Table::Events).await.expect("count"), 1);
}

/// Ingests as if received just now, so that answers are planned.
async fn put_now(store: &Store, config: &Config, raw: &[u8]) -> dtr_gateway::store::Recorded {
    put_at(store, config, raw, chrono::Utc::now()).await
}

async fn outbox_rows(store: &Store) -> Vec<(String, String)> {
    sqlx::query_as("SELECT purpose, recipients FROM outbox ORDER BY id")
        .fetch_all(store.pool())
        .await
        .expect("outbox")
}

async fn answers_are_queued_with_the_message_once_and_only_to_allowed_domains(db: TestDb) {
    let (_dir, store, config, _) = store(db).await;
    let raw = referral(
        Some("q1@justice.gov.uk"),
        "jo@justice.gov.uk",
        &SAM,
        "Case lead email: lead@example.com\r\n",
    );
    put_now(&store, &config, &raw).await;
    put_now(&store, &config, &raw).await;
    let rows = outbox_rows(&store).await;
    let purposes: Vec<&str> = rows.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        purposes,
        ["acknowledgement", "notice"],
        "once, however often the message comes"
    );
    assert!(rows[0].1.contains("jo@justice.gov.uk"));
    assert!(
        !rows[0].1.contains("example.com"),
        "a case lead outside the allowed domains is not written to"
    );
    assert!(rows[1].1.contains("dutytorefer@colchester.gov.uk"));

    // A second referral for the same person: acknowledged already, so no
    // second acknowledgement; the notice is once per case too.
    put_now(
        &store,
        &config,
        &referral(Some("q2@justice.gov.uk"), "jo@justice.gov.uk", &SAM, ""),
    )
    .await;
    assert_eq!(outbox_rows(&store).await.len(), 2);
}

async fn automatic_mail_lists_strangers_and_old_backlog_get_no_answer(db: TestDb) {
    let (_dir, store, config, _) = store(db).await;
    let auto = "From: jo@justice.gov.uk\r\nMessage-ID: <a1@justice.gov.uk>\r\nAuto-Submitted: auto-replied\r\n\
                Subject: Out of office\r\n\r\nAway.\r\n";
    put_now(&store, &config, auto.as_bytes()).await;
    let mut list = String::from_utf8(referral(
        Some("l1@justice.gov.uk"),
        "jo@justice.gov.uk",
        &Person {
            prison_number: "L1111LL",
            ..SAM
        },
        "",
    ))
    .expect("utf-8");
    list = format!("List-Id: <referrals.lists.justice.gov.uk>\r\n{list}");
    put_now(&store, &config, list.as_bytes()).await;
    // Old backlog (received a week ago): recorded, never answered.
    put(
        &store,
        &config,
        &referral(
            Some("old@justice.gov.uk"),
            "jo@justice.gov.uk",
            &Person {
                prison_number: "O1111OO",
                ..SAM
            },
            "",
        ),
    )
    .await;
    // The list's referral is answered to nobody on the list; the authority
    // still hears of it.
    let rows = outbox_rows(&store).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, "notice");
    assert!(!rows[0].1.contains("jo@justice.gov.uk"), "{rows:?}");

    // A referral from a domain not allowed: quarantined, the authority told,
    // nothing to the sender.
    put_now(
        &store,
        &config,
        &referral(
            Some("x1@example.com"),
            "someone@example.com",
            &Person {
                prison_number: "X1111XX",
                ..SAM
            },
            "",
        ),
    )
    .await;
    let rows = outbox_rows(&store).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].0, "quarantine_notice");
    assert!(
        rows[1].1.contains("dutytorefer@colchester.gov.uk") && !rows[1].1.contains("example.com")
    );
}

/// Queues `n` referrals from one probation officer now.
async fn referrals_from_one_officer(store: &Store, config: &Config, n: u32) {
    for n in 0..n {
        let prison_number = format!("R{n:04}RR");
        let name = format!("Rate Person{n}");
        let p = Person {
            prison_number: &prison_number,
            name: &name,
            ..SAM
        };
        put_now(
            store,
            config,
            &referral(
                Some(&format!("r{n}@justice.gov.uk")),
                "jo@justice.gov.uk",
                &p,
                "",
            ),
        )
        .await;
    }
}

/// When each acknowledgement is due to go, in hours from now, rounded.
async fn acknowledgement_hours(store: &Store) -> Vec<i64> {
    let due: Vec<dtr_gateway::store::Stamp> = sqlx::query_scalar(
        "SELECT next_attempt_at FROM outbox WHERE purpose = 'acknowledgement' ORDER BY id",
    )
    .fetch_all(store.pool())
    .await
    .expect("outbox");
    let now = chrono::Utc::now();
    due.iter()
        .map(|at| ((at.0 - now).num_seconds() as f64 / 3600.0).round() as i64)
        .collect()
}

async fn events_of_kind(store: &Store, kind: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE kind = $1")
        .bind(kind)
        .fetch_one(store.pool())
        .await
        .expect("count")
}

async fn the_hourly_limit_per_recipient_defers_mail_and_a_form_request_is_answered(db: TestDb) {
    let (_dir, store, config, _) = store(db).await;
    referrals_from_one_officer(&store, &config, 8).await;
    assert_eq!(
        acknowledgement_hours(&store).await,
        [0, 0, 0, 0, 0, 1, 1, 1],
        "every referral is acknowledged; past 5 to one address in an hour, an hour later"
    );
    assert_eq!(events_of_kind(&store, "mail_deferred").await, 3);
    assert_eq!(events_of_kind(&store, "mail_withheld").await, 0);
    // Nothing deferred is handed to the sender before its time.
    let claimed = store
        .claim_due(chrono::Utc::now(), 100)
        .await
        .expect("claim");
    let acks = claimed
        .iter()
        .filter(|row| row.purpose == "acknowledgement")
        .count();
    assert_eq!(acks, 5);

    let ask = "From: someone@probation.gov.uk\r\nMessage-ID: <f1@probation.gov.uk>\r\nSubject: form\r\n\r\nPlease send the form.\r\n";
    put_now(&store, &config, ask.as_bytes()).await;
    let rows = outbox_rows(&store).await;
    let last = rows.last().expect("a row");
    assert_eq!(last.0, "blank_form");
    assert!(last.1.contains("someone@probation.gov.uk"));
}

async fn mail_that_would_wait_more_than_a_day_is_withheld(db: TestDb) {
    let (_dir, store, mut config, _) = store(db).await;
    config.outgoing.max_per_recipient_per_hour = 1;
    referrals_from_one_officer(&store, &config, 27).await;
    let hours = acknowledgement_hours(&store).await;
    assert_eq!(
        hours,
        (0..=24).collect::<Vec<i64>>(),
        "one an hour, for a day ahead"
    );
    assert_eq!(events_of_kind(&store, "mail_withheld").await, 2);
}

async fn a_failed_mail_can_be_sent_again_and_shows_on_its_case(db: TestDb) {
    let (_dir, store, config, _) = store(db).await;
    let recorded = put_now(
        &store,
        &config,
        &referral(Some("f1@justice.gov.uk"), "jo@justice.gov.uk", &SAM, ""),
    )
    .await;
    let rows = store
        .claim_due(chrono::Utc::now(), 10)
        .await
        .expect("claim");
    assert_eq!(rows.len(), 2);
    assert!(
        store
            .claim_due(chrono::Utc::now(), 10)
            .await
            .expect("claim")
            .is_empty(),
        "claimed rows are not handed out twice"
    );
    store
        .mark_failed(rows[0].id, "550 5.1.1 no such user")
        .await
        .expect("fail");
    let failed = store.outbox(true).await.expect("outbox");
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0].last_error.as_deref(),
        Some("550 5.1.1 no such user")
    );
    let case = store
        .case(&recorded.case.expect("case").to_string())
        .await
        .expect("case");
    assert!(case.events.iter().any(|e| e.kind == "mail_failed"));

    assert!(store.retry_outbox(rows[0].id).await.expect("retry"));
    assert!(
        !store.retry_outbox(rows[1].id).await.expect("retry"),
        "only a failed mail is retried"
    );
    let again = store
        .claim_due(chrono::Utc::now(), 10)
        .await
        .expect("claim");
    assert_eq!(
        again.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![rows[0].id]
    );
}

/// Two gateways on one store: a row one of them claimed is not sent by the
/// other while the claim holds; once it runs out (the first died), the other
/// takes it, and the first may no longer send it. At start, a gateway takes
/// back only the rows it claimed itself.
async fn outbox_claims_keep_two_gateways_from_sending_one_mail(db: TestDb) {
    let (_dir, first, config, url) = store(db).await;
    let first = first.with_instance("gateway-a");
    let second = Store::open(&url)
        .await
        .expect("second opens")
        .with_instance("gateway-b");
    put_now(
        &first,
        &config,
        &referral(Some("claim@justice.gov.uk"), "jo@justice.gov.uk", &SAM, ""),
    )
    .await;
    let now = chrono::Utc::now();
    let claimed: Vec<OutboxId> = first
        .claim_due(now, 10)
        .await
        .expect("claim")
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(claimed.len(), 2, "the acknowledgement and the notice");
    assert!(second.claim_due(now, 10).await.expect("claim").is_empty());
    assert_eq!(second.requeue_interrupted().await.expect("requeue"), 0);
    assert!(first.renew_claim(claimed[0], now).await.expect("renew"));

    // The first gateway dies; its claim runs out.
    let later = now + first.claim() + chrono::Duration::seconds(1);
    let taken: Vec<OutboxId> = second
        .claim_due(later, 10)
        .await
        .expect("claim")
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(taken, claimed);
    assert!(
        !first.renew_claim(claimed[0], later).await.expect("renew"),
        "the first gateway, back, must not send what the second took"
    );
    assert!(second.renew_claim(claimed[0], later).await.expect("renew"));
    // The first's late word on the row changes nothing of the second's.
    first
        .mark_retry(claimed[0], "451 try later", later)
        .await
        .expect("retry");
    first
        .mark_failed(claimed[1], "550 no such user")
        .await
        .expect("failed");
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT status, claimed_by FROM outbox ORDER BY id")
            .fetch_all(second.pool())
            .await
            .expect("rows");
    assert!(
        rows.iter()
            .all(|(status, by)| status == "sending" && by.as_deref() == Some("gateway-b")),
        "{rows:?}"
    );
    // A restart of the first gives nothing of the second's back to the queue;
    // a restart of the second takes back its own.
    assert_eq!(first.requeue_interrupted().await.expect("requeue"), 0);
    assert_eq!(second.requeue_interrupted().await.expect("requeue"), 2);
    assert_eq!(first.claim_due(later, 10).await.expect("claim").len(), 2);
}

/// Two gateways under one instance name would each take back the other's
/// mail in flight as their own: the second is refused while the first
/// holds the name, on SQLite (a lock file) and on PostgreSQL (an advisory
/// lock), and may start once the first has stopped.
async fn an_instance_name_is_held_by_one_gateway_at_a_time(db: TestDb) {
    let (_dir, first, _config, url) = store(db).await;
    let first = first.with_instance("gateway-a");
    let held = first.hold_instance().await.expect("first holds");
    assert!(held.is_some());
    let twin = Store::open(&url)
        .await
        .expect("opens")
        .with_instance("gateway-a");
    let refused = twin.hold_instance().await;
    assert!(
        matches!(
            refused,
            Err(dtr_gateway::store::StoreError::InstanceInUse { .. })
        ),
        "{refused:?}"
    );
    let other = Store::open(&url)
        .await
        .expect("opens")
        .with_instance("gateway-b");
    assert!(other.hold_instance().await.expect("another name").is_some());
    held.expect("held").release().await;
    assert!(twin.hold_instance().await.expect("free again").is_some());
}

/// On PostgreSQL the hold on an instance name lives as long as its
/// session. A session the server ends (a restart, a network cut) is taken
/// up again at the next check; if another gateway took the name in the
/// meantime, the check says so, and the first gateway is the one to stop.
#[tokio::test]
async fn a_lost_instance_hold_is_taken_again_or_given_up_on_postgres() {
    let dir = TempDir::new().expect("temp dir");
    let url = TestDb::Postgres.new_store_url(dir.path());
    let first = Store::open(&url)
        .await
        .expect("opens")
        .with_instance("gateway-a");
    let twin = Store::open(&url)
        .await
        .expect("opens")
        .with_instance("gateway-a");
    let mut hold = first.hold_instance().await.expect("holds").expect("a hold");
    // The server ends the session holding the name.
    let end_the_hold = || {
        common::psql(
            &url,
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_locks \
             WHERE locktype = 'advisory' AND objsubid = 2 \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
    };
    assert_eq!(end_the_hold().trim(), "t", "one session held the name");
    first.keep_instance(&mut hold).await.expect("taken again");
    assert!(
        matches!(
            twin.hold_instance().await,
            Err(dtr_gateway::store::StoreError::InstanceInUse { .. })
        ),
        "the name is held again"
    );
    // Ended again, and the twin takes the name before the next check.
    assert_eq!(end_the_hold().trim(), "t");
    let _twins = twin
        .hold_instance()
        .await
        .expect("the twin holds it")
        .expect("a hold");
    assert!(matches!(
        first.keep_instance(&mut hold).await,
        Err(dtr_gateway::store::StoreError::InstanceInUse { .. })
    ));
}

/// The tables and columns of a migrated store, as `table.column`.
async fn columns(store: &Store) -> BTreeSet<String> {
    let sql = match store.backend() {
        dtr_gateway::store::Backend::Sqlite => {
            "SELECT m.name || '.' || p.name AS col FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'"
        }
        dtr_gateway::store::Backend::Postgres => {
            "SELECT table_name || '.' || column_name AS col FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%'"
        }
    };
    sqlx::query(sql)
        .fetch_all(store.pool())
        .await
        .expect("columns")
        .iter()
        .map(|r| r.get::<String, _>("col"))
        .collect()
}

/// Two databases, one schema: after migration, SQLite and PostgreSQL have
/// the same tables with the same columns, so that one SQL serves both.
#[tokio::test]
async fn both_databases_have_the_same_tables_and_columns() {
    let (_sqlite_dir, sqlite, _, _) = store(TestDb::Sqlite).await;
    let (_pg_dir, postgres, _, _) = store(TestDb::Postgres).await;
    let (on_sqlite, on_postgres) = (columns(&sqlite).await, columns(&postgres).await);
    assert!(on_sqlite.len() > 20, "{on_sqlite:?}");
    let only_sqlite: Vec<&String> = on_sqlite.difference(&on_postgres).collect();
    let only_postgres: Vec<&String> = on_postgres.difference(&on_sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "only in SQLite: {only_sqlite:?}; only in PostgreSQL: {only_postgres:?}"
    );
}

/// The web view's queries take the reader's authority: a case of another
/// answers as no case, from either side; coordinators get counts. A link
/// opens one session, once, before it expires; sessions end when idle.
async fn the_web_view_reads_one_authoritys_cases_and_links_open_one_session_once(db: TestDb) {
    use dtr_gateway::store::{CaseScope, SignInRequest};
    let (_dir, store, config, _) = store(db).await;
    put(
        &store,
        &config,
        &referral(Some("col-1@x"), "jo@justice.gov.uk", &SAM, ""),
    )
    .await;
    let harlow_raw = String::from_utf8(referral(
        Some("har-1@x"),
        "jo@justice.gov.uk",
        &Person {
            name: "Harriet Other",
            prison_number: "B9999ZZ",
            ..SAM
        },
        "",
    ))
    .expect("text")
    .replace(
        "dutytorefer@colchester.gov.uk",
        "housing.options@harlow.gov.uk",
    );
    ingest_into(&store, &config, "harlow", harlow_raw.as_bytes(), at()).await;
    let all = store.cases(None, false).await.expect("cases");
    let reference_of = |code: &str| {
        all.iter()
            .find(|c| c.authority == code)
            .map(|c| c.reference.clone())
            .unwrap_or_else(|| panic!("no {code} case in {all:?}"))
    };
    let (col, har) = (reference_of("COL"), reference_of("HAR"));
    let colchester = CaseScope::authority("COL");
    let harlow = CaseScope::authority("HAR");

    let ours = store.scoped_case(&colchester, &col).await.expect("read");
    assert_eq!(
        ours.map(|c| c.summary.full_name),
        Some(Some(SAM.name.to_string()))
    );
    assert!(store
        .scoped_case(&colchester, &har)
        .await
        .expect("read")
        .is_none());
    assert!(store
        .scoped_case(&harlow, &col)
        .await
        .expect("read")
        .is_none());
    assert!(store
        .scoped_case(&harlow, &har)
        .await
        .expect("read")
        .is_some());
    let listed: Vec<String> = store
        .scoped_cases(&colchester, true)
        .await
        .expect("list")
        .into_iter()
        .map(|c| c.reference)
        .collect();
    assert_eq!(listed, std::slice::from_ref(&col));
    let deadline_refs: Vec<String> = store
        .scoped_deadline_cases(&harlow)
        .await
        .expect("deadlines")
        .into_iter()
        .map(|c| c.reference)
        .collect();
    assert!(!deadline_refs.contains(&col), "{deadline_refs:?}");
    let counts = store.case_counts().await.expect("counts");
    let open = |code: &str| counts.iter().find(|c| c.authority == code).map(|c| c.open);
    assert_eq!(
        (open("COL"), open("HAR"), open("BAS")),
        (Some(1), Some(1), None)
    );

    // A link: recorded with its mail, used once, before it expires.
    let now = Utc::now();
    let officer = dtr_gateway::core::address::EmailAddress::parse("Ann.Officer@colchester.gov.uk")
        .expect("address");
    let mail = dtr_gateway::core::plan::OutgoingMail {
        purpose: dtr_gateway::templates::Purpose::SignIn,
        to: vec![officer.clone()],
        cc: Vec::new(),
        once_per_case: false,
        context: serde_json::json!({ "sign_in": { "link": "x", "until": "10:00", "minutes": 15 } }),
        unlimited: Vec::new(),
        step: Some("sign_in:hash-1".into()),
        thread_under: None,
        held_until: None,
    };
    let request = SignInRequest {
        token_hash: "hash-1",
        address: &officer,
        authority: "COL",
        expires: now + chrono::Duration::minutes(15),
        at_most: 1,
        since: now - chrono::Duration::minutes(15),
        device: None,
    };
    assert!(store
        .request_sign_in(request, &mail, &config.outgoing, now)
        .await
        .expect("request"));
    assert_eq!(
        store
            .sign_ins_since(&officer, now - chrono::Duration::minutes(15))
            .await
            .expect("count"),
        1
    );
    // The address's share is one: a second link is not recorded.
    let second = SignInRequest {
        token_hash: "hash-2",
        ..request
    };
    let mail_2 = dtr_gateway::core::plan::OutgoingMail {
        step: Some("sign_in:hash-2".into()),
        ..mail.clone()
    };
    assert!(!store
        .request_sign_in(second, &mail_2, &config.outgoing, now)
        .await
        .expect("request"));
    // From a browser the officer signed in from, the link is counted on
    // that browser's own share, which strangers' requests did not use.
    store
        .remember_web_device("device-1", officer.as_str(), now)
        .await
        .expect("remembered");
    assert_eq!(
        store
            .web_device_address("device-1")
            .await
            .expect("looked up"),
        Some(officer.as_str().to_lowercase())
    );
    let from_device = SignInRequest {
        token_hash: "hash-3",
        device: Some("device-1"),
        ..request
    };
    let mail_3 = dtr_gateway::core::plan::OutgoingMail {
        step: Some("sign_in:hash-3".into()),
        ..mail.clone()
    };
    assert!(store
        .request_sign_in(from_device, &mail_3, &config.outgoing, now)
        .await
        .expect("request"));
    let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE purpose = 'sign_in'")
        .fetch_one(store.pool())
        .await
        .expect("count");
    assert_eq!(queued, 2, "the first link and the browser's own");
    let later = now + chrono::Duration::minutes(16);
    assert_eq!(
        store
            .redeem_sign_in("hash-1", "session-late", "csrf", later, |_| true)
            .await
            .expect("redeem"),
        None,
        "expired"
    );
    assert_eq!(
        store
            .redeem_sign_in("hash-1", "session-1", "csrf-1", now, |_| true)
            .await
            .expect("redeem")
            .as_deref(),
        Some("ann.officer@colchester.gov.uk")
    );
    assert_eq!(
        store
            .redeem_sign_in("hash-1", "session-2", "csrf-2", now, |_| true)
            .await
            .expect("redeem"),
        None,
        "used once"
    );
    let idle = chrono::Duration::minutes(30);
    let lifetime = chrono::Duration::hours(12);
    let session = store
        .web_session(
            "session-1",
            now + chrono::Duration::minutes(20),
            idle,
            lifetime,
        )
        .await
        .expect("session")
        .expect("open");
    assert_eq!(session.csrf, "csrf-1");
    // Its idle time started again 20 minutes in.
    assert!(store
        .web_session(
            "session-1",
            now + chrono::Duration::minutes(45),
            idle,
            lifetime,
        )
        .await
        .expect("session")
        .is_some());
    assert!(store
        .web_session(
            "session-1",
            now + chrono::Duration::minutes(80),
            idle,
            lifetime,
        )
        .await
        .expect("session")
        .is_none());
    assert!(store
        .web_session(
            "session-1",
            now + chrono::Duration::minutes(81),
            idle,
            lifetime,
        )
        .await
        .expect("session")
        .is_none());

    store
        .record_web_access(
            "ann.officer@colchester.gov.uk",
            Some("COL"),
            Some(&col),
            "viewed",
            now,
        )
        .await
        .expect("record");
    let access = store.case_web_access(&col).await.expect("access");
    assert_eq!(access.len(), 1);
    assert_eq!(access[0].action, "viewed");
    assert!(store
        .case_web_access(&har)
        .await
        .expect("access")
        .is_empty());
}

/// Opens a session for `address` through a link of its own, as at `now`.
async fn open_session(store: &Store, config: &Config, address: &str, n: u32, now: DateTime<Utc>) {
    use dtr_gateway::store::SignInRequest;
    let officer = dtr_gateway::core::address::EmailAddress::parse(address).expect("address");
    let token = format!("hash-{n}");
    let mail = dtr_gateway::core::plan::OutgoingMail {
        purpose: dtr_gateway::templates::Purpose::SignIn,
        to: vec![officer.clone()],
        cc: Vec::new(),
        once_per_case: false,
        context: serde_json::json!({ "sign_in": { "link": "x", "until": "10:00", "minutes": 15 } }),
        unlimited: Vec::new(),
        step: Some(format!("sign_in:{token}")),
        thread_under: None,
        held_until: None,
    };
    let request = SignInRequest {
        token_hash: &token,
        address: &officer,
        authority: "COL",
        expires: now + chrono::Duration::minutes(15),
        at_most: 10,
        since: now - chrono::Duration::minutes(15),
        device: None,
    };
    assert!(store
        .request_sign_in(request, &mail, &config.outgoing, now)
        .await
        .expect("request"));
    assert!(store
        .redeem_sign_in(&token, &format!("session-{n}"), "csrf", now, |_| true)
        .await
        .expect("redeem")
        .is_some());
}

async fn a_busy_session_still_ends_and_a_person_is_signed_out_everywhere(db: TestDb) {
    let (_dir, store, config, _) = store(db).await;
    let now = Utc::now();
    let (idle, lifetime) = (chrono::Duration::minutes(30), chrono::Duration::hours(12));
    let ann = "ann.officer@colchester.gov.uk";
    open_session(&store, &config, ann, 1, now).await;
    // Used every 20 minutes, it lasts until 12 hours after signing in.
    let mut minutes = 20;
    while minutes <= 12 * 60 {
        let at = now + chrono::Duration::minutes(minutes);
        assert!(
            store
                .web_session("session-1", at, idle, lifetime)
                .await
                .expect("session")
                .is_some(),
            "{minutes} minutes in"
        );
        minutes += 20;
    }
    let late = now + chrono::Duration::minutes(minutes);
    assert!(store
        .web_session("session-1", late, idle, lifetime)
        .await
        .expect("session")
        .is_none());

    // Three browsers of Ann's and one of Bob's: Ann signs out everywhere.
    for n in 2..=4 {
        open_session(&store, &config, ann, n, now).await;
    }
    open_session(&store, &config, "bob.officer@colchester.gov.uk", 5, now).await;
    assert_eq!(store.end_web_sessions_of(ann).await.expect("end"), 3);
    for n in 2..=4 {
        assert!(store
            .web_session(&format!("session-{n}"), now, idle, lifetime)
            .await
            .expect("session")
            .is_none());
    }
    assert!(store
        .web_session("session-5", now, idle, lifetime)
        .await
        .expect("session")
        .is_some());
}

async fn the_purge_deletes_old_records_of_pages_and_searches(db: TestDb) {
    let (_dir, store, config, _) = store(db).await;
    let now = Utc::now();
    let ann = "ann.officer@colchester.gov.uk";
    let old = now - chrono::Duration::days(800);
    for (at, action) in [
        (old, "listed cases at /cases, asking q=\"Smith\""),
        (now, "listed cases at /cases, asking q=\"Jones\""),
    ] {
        store
            .record_web_access(ann, Some("COL"), None, action, at)
            .await
            .expect("record");
    }
    store
        .record_web_access(
            "bob.officer@colchester.gov.uk",
            Some("COL"),
            None,
            "viewed the report at /report",
            now,
        )
        .await
        .expect("record");
    let anns = store
        .web_access_log(Some("Ann.Officer@colchester.gov.uk"), None)
        .await
        .expect("log");
    assert_eq!(anns.len(), 2);
    let recent = store
        .web_access_log(None, Some(now - chrono::Duration::days(1)))
        .await
        .expect("log");
    assert_eq!(recent.len(), 2);
    let cutoffs = dtr_gateway::store::PurgeCutoffs {
        closed: now - chrono::Duration::days(730),
        unconfirmed_consent: now - chrono::Duration::days(90),
        unconfirmed_consent_days: 90,
    };
    let counts = store.purge(cutoffs, &config, false).await.expect("purge");
    assert_eq!(counts.web, 1);
    let left: Vec<String> = store
        .web_access_log(None, None)
        .await
        .expect("log")
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert!(!left.iter().any(|a| a.contains("Smith")), "{left:?}");
    assert_eq!(left.len(), 2, "{left:?}");
}

async fn pages_opened_again_are_counted_and_actions_never_are(db: TestDb) {
    let (_dir, store, _config, _) = store(db).await;
    let now = Utc::now();
    let ann = "ann.officer@colchester.gov.uk";
    let second = |n: i64| now + chrono::Duration::seconds(n);
    let page = "listed cases at /cases";
    for n in 0..3 {
        store
            .record_web_page(ann, Some("COL"), None, page, second(n))
            .await
            .expect("page");
    }
    // An action between breaks the run; actions are never counted together.
    for _ in 0..2 {
        store
            .record_web_access(ann, Some("COL"), None, "signed out", second(3))
            .await
            .expect("action");
    }
    store
        .record_web_page(ann, Some("COL"), None, page, second(4))
        .await
        .expect("page");
    // More than a minute after the row's first: a new row.
    store
        .record_web_page(ann, Some("COL"), None, page, second(70))
        .await
        .expect("page");
    let log = store.web_access_log(Some(ann), None).await.expect("log");
    let seen: Vec<(&str, u32)> = log.iter().map(|a| (a.action.as_str(), a.repeats)).collect();
    assert_eq!(
        seen,
        [
            (page, 3),
            ("signed out", 1),
            ("signed out", 1),
            (page, 1),
            (page, 1)
        ]
    );
    assert_eq!(log[0].last_at, Some(second(2)));
    // Past sixty rows in a minute, the rest of the minute's pages are
    // counted on one row; an action still gets its own.
    let later = now + chrono::Duration::hours(1);
    for n in 0..70 {
        store
            .record_web_page(ann, Some("COL"), None, &format!("{page}?page={n}"), later)
            .await
            .expect("page");
    }
    store
        .record_web_access(
            ann,
            Some("COL"),
            None,
            "released quarantined message 4",
            later,
        )
        .await
        .expect("action");
    let log = store
        .web_access_log(Some(ann), Some(later))
        .await
        .expect("log");
    assert_eq!(log.len(), 62, "{log:?}");
    let over = log
        .iter()
        .find(|a| a.action == dtr_gateway::store::WEB_PAGES_OVER)
        .expect("a row counting the rest");
    assert_eq!(over.repeats, 10);
    assert_eq!(
        log.last().map(|a| a.action.as_str()),
        Some("released quarantined message 4")
    );
}

/// A store holds people's details: one the gateway creates (outside the
/// systemd unit, whose umask does the same) is its owner's alone, and so
/// are the journal files SQLite writes beside it.
#[tokio::test]
async fn a_new_sqlite_store_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new().expect("temp dir");
    let file = dir.path().join("data").join("cases.db");
    let store = Store::open(&format!("sqlite:{}", file.display()))
        .await
        .expect("a new store");
    store.count(Table::Cases).await.expect("the store answers");
    let mut checked = 0;
    for entry in std::fs::read_dir(file.parent().expect("folder")).expect("list") {
        let path = entry.expect("entry").path();
        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o077,
            0,
            "{} is open to others: {:o}",
            path.display(),
            mode & 0o777
        );
        checked += 1;
    }
    assert!(checked >= 1, "the store file was made");
}
