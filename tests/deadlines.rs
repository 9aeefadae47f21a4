//! The deadline sweep and the answers that stop it, against a real SQLite
//! file with the embedded Essex configuration: each follow-up written once,
//! to the right people, on the right working day; an answer in the thread
//! recorded as the authority's response; a change of lead told to the other
//! side. (The same against the real mail servers: `tests/deadlines_e2e.rs`.)

mod common;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::London;
use common::{ingest_into, TestDb};
use dtr_gateway::config::Config;
use dtr_gateway::core::address::EmailAddress;
use dtr_gateway::core::authority::{Authorities, Contact};
use dtr_gateway::core::plan::CaseStatus;
use dtr_gateway::store::{FollowUpDay, OutboxRow, Store};
use dtr_gateway::sweep::sweep_once;
use dtr_gateway::templates::{sample_data, Purpose, Templates};
use tempfile::TempDir;

/// A time in UK local time.
fn uk(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    London
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("valid local time")
        .with_timezone(&Utc)
}

/// The receiving server's verdict on a sender at `domain`: DMARC passed.
fn authenticated(domain: &str) -> String {
    format!("Authentication-Results: mx.lha.example; dmarc=pass header.from={domain}\r\n")
}

fn referral(mailbox_address: &str, message_id: &str, extra: &str) -> Vec<u8> {
    referral_text(mailbox_address, message_id, extra).into_bytes()
}

/// [`referral`] as text, for a test to change a line of.
fn referral_text(mailbox_address: &str, message_id: &str, extra: &str) -> String {
    format!(
        "{}From: Jo Probation <jo.probation@justice.gov.uk>\r\nTo: {mailbox_address}\r\nSubject: Referral\r\n\
         Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         DUTY TO REFER REFERRAL\r\nReferral type: Duty to Refer\r\nFull name: Samuel Testperson\r\n\
         Date of birth: 14/07/1988\r\nPrison number: A1234BC\r\nCustody status: sentenced\r\n\
         Expected release date: 01/06/2027\r\nConsent to referral: Yes\r\n\
         Mental health: Sensitive diagnosis text\r\n\
         Reason at risk of homelessness: Tenancy lost during sentence\r\n\
         Local connection: resident\r\nReferring agency: HMP Chelmsford\r\n\
         Referrer name: Jo Probation\r\nReferrer email: jo.probation@justice.gov.uk\r\n\
         Referrer phone: 01245 000000\r\nCase lead name: Kim Casework\r\n\
         Case lead email: kim.casework@justice.gov.uk\r\n{extra}",
        authenticated("justice.gov.uk")
    )
}

on_both_stores!(
    follow_ups_go_once_each_to_the_right_people_on_their_working_days,
    concurrent_sweeps_write_each_step_once,
    concurrent_sweeps_each_report_only_what_they_recorded,
    an_incomplete_referral_the_person_consented_to_is_chased_one_without_consent_is_not,
    the_councils_answer_in_the_thread_names_the_lead_and_stops_the_chases,
    a_reply_to_the_referral_itself_joins_the_case,
    a_forward_inside_the_council_is_not_its_response,
    another_councils_message_in_the_thread_changes_nothing,
    a_new_probation_lead_is_told_to_the_council,
    paused_closed_and_met_by_hand_cases_are_not_followed_up,
    where_the_dispute_contact_is_the_lead_the_next_level_or_a_note,
    a_change_during_a_sweep_is_not_covered_by_its_stale_day,
    a_sweep_outside_sending_hours_says_it_did_not_sweep,
    consent_confirmed_later_moves_the_clock_not_the_receipt,
    a_chase_says_escalated_only_once_it_was_and_on_its_real_day,
    a_first_chase_after_the_escalation_date_promises_the_next_working_day,
);

struct World {
    _dir: TempDir,
    store: Store,
    config: Config,
}

async fn world(db: TestDb) -> World {
    let dir = TempDir::new().expect("temp dir");
    let url = db.new_store_url(dir.path());
    let store = Store::open(&url).await.expect("store opens");
    let (mut config, _) = Config::embedded().expect("embedded config");
    // These tests ingest mail "received" in the past; answer it anyway.
    config.answer_max_age = chrono::Duration::days(36_500);
    // As behind a receiving server that writes its verdict on top.
    for mailbox in &mut config.mailboxes {
        mailbox.trust.results = dtr_gateway::config::ResultsFrom::Topmost;
    }
    World {
        _dir: dir,
        store,
        config,
    }
}

impl World {
    async fn put(&self, mailbox: &str, raw: &[u8], at: DateTime<Utc>) -> Option<String> {
        ingest_into(&self.store, &self.config, mailbox, raw, at)
            .await
            .case
            .map(|c| c.to_string())
    }

    /// Sends what is queued, as if at `at`.
    async fn send_all(&self, at: DateTime<Utc>) {
        for row in self.store.claim_due(Utc::now(), 1000).await.expect("claim") {
            self.store.mark_sent(row.id, at).await.expect("sent");
        }
    }

    async fn sweep(&self, at: DateTime<Utc>) -> usize {
        sweep_once(
            &self.store,
            &self.config,
            at,
            false,
            dtr_gateway::sweep::Mode::Record,
        )
        .await
        .expect("sweep")
        .queued
    }

    async fn rows(&self, purpose: &str) -> Vec<OutboxRow> {
        let mut rows: Vec<OutboxRow> = self
            .store
            .outbox(false)
            .await
            .expect("outbox")
            .into_iter()
            .filter(|r| r.purpose == purpose)
            .collect();
        rows.sort_by_key(|r| r.id);
        rows
    }

    async fn events(&self, reference: &str) -> Vec<String> {
        self.store
            .case(reference)
            .await
            .expect("case")
            .events
            .into_iter()
            .map(|e| e.kind.to_string())
            .collect()
    }
}

/// A Basildon referral received Monday 23 November 2026 at 10:00 and
/// acknowledged at once. Lead officer due Monday 30 November.
async fn basildon_case(w: &World) -> String {
    let received = uk(2026, 11, 23, 10, 0);
    let reference = w
        .put(
            "basildon",
            &referral(
                "housing.solutions@basildon.gov.uk",
                "ref-1@justice.gov.uk",
                "",
            ),
            received,
        )
        .await
        .expect("a case");
    w.send_all(received).await;
    reference
}

async fn follow_ups_go_once_each_to_the_right_people_on_their_working_days(db: TestDb) {
    let w = world(db).await;
    let reference = basildon_case(&w).await;
    assert_eq!(reference, "DTR-BAS-2026-00001");

    // Thursday 26: nothing due yet.
    assert_eq!(w.sweep(uk(2026, 11, 26, 10, 0)).await, 0);
    // Friday 27, before 09:00: not yet; from 09:00 the reminder, once.
    assert_eq!(w.sweep(uk(2026, 11, 27, 8, 59)).await, 0);
    assert_eq!(w.sweep(uk(2026, 11, 27, 9, 0)).await, 1);
    assert_eq!(w.sweep(uk(2026, 11, 27, 15, 0)).await, 0);
    // Saturday and Sunday: nobody is written to.
    assert_eq!(w.sweep(uk(2026, 11, 28, 10, 0)).await, 0);
    // Monday 30, the day itself: the reminder was sent already.
    assert_eq!(w.sweep(uk(2026, 11, 30, 10, 0)).await, 0);

    let reminders = w.rows("reminder").await;
    assert_eq!(reminders.len(), 1);
    assert_eq!(reminders[0].to, ["housing.solutions@basildon.gov.uk"]);
    assert_eq!(reminders[0].context["deadline"]["commitment"], "10");
    assert_eq!(
        reminders[0].context["deadline"]["due"],
        "Monday 30 November 2026"
    );

    // Tuesday 1 December: chase 1 to the operational lead, copying the inbox.
    assert_eq!(w.sweep(uk(2026, 12, 1, 10, 0)).await, 1);
    let chases = w.rows("chase").await;
    assert_eq!(chases.len(), 1);
    let lead = &w
        .config
        .authorities
        .by_code("BAS")
        .expect("COL")
        .operational_lead;
    assert_eq!(chases[0].to, [lead.email.to_string()]);
    assert_eq!(chases[0].cc, ["housing.solutions@basildon.gov.uk"]);
    assert_eq!(chases[0].context["step"]["number"], 1);
    assert_eq!(chases[0].context["deadline"]["working_days_overdue"], 1);

    // Wednesday 2: escalation to the dispute-resolution contact, copying the
    // lead, with the history so far.
    assert_eq!(w.sweep(uk(2026, 12, 2, 10, 0)).await, 1);
    let escalations = w.rows("escalation").await;
    assert_eq!(escalations.len(), 1);
    let basildon = w.config.authorities.by_code("BAS").expect("BAS");
    assert_eq!(
        escalations[0].to,
        [basildon.dispute_contact.email.to_string()]
    );
    // Copying the lead, the inbox and the referring side, whose
    // escalation it is under Annex C.
    assert_eq!(
        escalations[0].cc,
        [
            lead.email.to_string(),
            "housing.solutions@basildon.gov.uk".to_string(),
            "jo.probation@justice.gov.uk".to_string(),
            "kim.casework@justice.gov.uk".to_string(),
        ]
    );
    let history: Vec<(String, String)> = escalations[0].context["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| {
            (
                h["what"].as_str().unwrap_or("").to_string(),
                h["on"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        history,
        [
            (
                "Reminder".to_string(),
                "Friday 27 November 2026".to_string()
            ),
            ("Chase 1".to_string(), "Tuesday 1 December 2026".to_string()),
        ]
    );
    // Nothing about the person travels with a follow-up.
    let context = escalations[0].context.to_string();
    for private in ["Testperson", "A1234BC", "Sensitive", "1988"] {
        assert!(!context.contains(private), "{private} in {context}");
    }

    // Thursday 3: chase 2. Every sweep again, however often: nothing new.
    assert_eq!(w.sweep(uk(2026, 12, 3, 10, 0)).await, 1);
    for day in [27, 30] {
        assert_eq!(w.sweep(uk(2026, 11, day, 10, 0)).await, 0);
    }
    for day in 1..=3 {
        assert_eq!(w.sweep(uk(2026, 12, day, 16, 0)).await, 0);
    }
    assert_eq!(w.rows("chase").await.len(), 2);
    let events = w.events(&reference).await;
    assert_eq!(events.iter().filter(|e| *e == "chase_queued").count(), 2);
    assert_eq!(
        events.iter().filter(|e| *e == "escalation_queued").count(),
        1
    );
}

async fn concurrent_sweeps_write_each_step_once(db: TestDb) {
    let w = world(db).await;
    for n in 0..20 {
        let raw = referral(
            "housing.solutions@basildon.gov.uk",
            &format!("many-{n}@justice.gov.uk"),
            "",
        );
        // Different people: another prison number and name each.
        let text = String::from_utf8(raw)
            .expect("utf-8")
            .replace("A1234BC", &format!("A{n:04}BC"))
            .replace("Samuel", &format!("Person{n}"))
            // Each from its own officer: the hourly limit per address would
            // hold back the acknowledgements of a burst from one.
            .replace("jo.probation@", &format!("officer{n}@"))
            .replace("kim.casework@", &format!("casework{n}@"));
        w.put("basildon", text.as_bytes(), uk(2026, 11, 23, 10, 0))
            .await
            .expect("a case");
    }
    w.send_all(uk(2026, 11, 23, 10, 0)).await;
    // Wednesday 2 December, first read since: the first chase of the lead
    // officer deadline for each of the 20 (never an escalation before a
    // chase); Thursday 3, each one's escalation.
    let at = uk(2026, 12, 2, 10, 0);
    let (a, b, c) = tokio::join!(w.sweep(at), w.sweep(at), w.sweep(at));
    assert_eq!(a + b + c, 20);
    assert_eq!(w.rows("chase").await.len(), 20);
    let at = uk(2026, 12, 3, 10, 0);
    let (a, b, c) = tokio::join!(w.sweep(at), w.sweep(at), w.sweep(at));
    assert_eq!(a + b + c, 20);
    assert_eq!(w.rows("escalation").await.len(), 20);
    assert!(w
        .rows("chase")
        .await
        .iter()
        .all(|r| r.context["step"]["number"] == 1));
}

async fn concurrent_sweeps_each_report_only_what_they_recorded(db: TestDb) {
    let w = world(db).await;
    for n in 0..5 {
        let text = referral_text(
            "housing.solutions@basildon.gov.uk",
            &format!("report-{n}@justice.gov.uk"),
            "",
        )
        .replace("A1234BC", &format!("A{n:04}BC"))
        .replace("Samuel", &format!("Person{n}"))
        .replace("jo.probation@", &format!("officer{n}@"))
        .replace("kim.casework@", &format!("casework{n}@"));
        w.put("basildon", text.as_bytes(), uk(2026, 11, 23, 10, 0))
            .await
            .expect("a case");
    }
    w.send_all(uk(2026, 11, 23, 10, 0)).await;
    // Three sweeps at once on Tuesday 1 December, as three `sweep --record`
    // processes: the five first chases are recorded once between them, and
    // each says only what it recorded itself.
    let sweep = || {
        sweep_once(
            &w.store,
            &w.config,
            uk(2026, 12, 1, 10, 0),
            true,
            dtr_gateway::sweep::Mode::Record,
        )
    };
    let (a, b, c) = tokio::join!(sweep(), sweep(), sweep());
    let reports = [a.expect("sweep"), b.expect("sweep"), c.expect("sweep")];
    assert_eq!(w.rows("chase").await.len(), 5);
    let recorded: usize = reports.iter().map(|r| r.follow_ups).sum();
    assert_eq!(recorded, 5, "{reports:#?}");
    let listed: usize = reports.iter().map(|r| r.planned.len()).sum();
    assert_eq!(listed, 5, "{reports:#?}");
    let queued: usize = reports.iter().map(|r| r.queued).sum();
    assert_eq!(queued, 5, "{reports:#?}");
    for report in &reports {
        assert_eq!(report.follow_ups, report.planned.len(), "{report:#?}");
    }
}

async fn an_incomplete_referral_the_person_consented_to_is_chased_one_without_consent_is_not(
    db: TestDb,
) {
    let w = world(db).await;
    // Consent given, the date of birth still to come: the council's clock
    // runs from receipt (as `due` and the report count it), so its steps
    // are followed up as an open case's are.
    let consented = referral_text(
        "housing.solutions@basildon.gov.uk",
        "no-dob@justice.gov.uk",
        "",
    )
    .replace("Date of birth: 14/07/1988\r\n", "");
    // Consent not answered: nothing the council may act on yet.
    let unconsented = referral_text(
        "housing.solutions@basildon.gov.uk",
        "no-consent@justice.gov.uk",
        "",
    )
    .replace("Consent to referral: Yes\r\n", "")
    .replace("A1234BC", "A7777ZZ")
    .replace("Samuel", "Other");
    let at = uk(2026, 11, 23, 10, 0);
    let with_consent = w
        .put("basildon", consented.as_bytes(), at)
        .await
        .expect("a case");
    let without = w
        .put("basildon", unconsented.as_bytes(), at)
        .await
        .expect("a case");
    for reference in [&with_consent, &without] {
        assert_eq!(
            w.store.case(reference).await.expect("case").summary.status,
            CaseStatus::Incomplete
        );
    }
    w.send_all(at).await;
    // Wednesday 2 December: the lead officer deadline (Monday 30) passed.
    assert_eq!(w.sweep(uk(2026, 12, 2, 10, 0)).await, 1);
    let chases = w.rows("chase").await;
    let chased: Vec<Option<&str>> = chases.iter().map(|r| r.case_ref.as_deref()).collect();
    assert_eq!(chased, [Some(with_consent.as_str())]);
    assert_eq!(w.sweep(uk(2026, 12, 3, 10, 0)).await, 1);
    let escalated: Vec<Option<String>> = w
        .rows("escalation")
        .await
        .into_iter()
        .map(|r| r.case_ref)
        .collect();
    assert_eq!(escalated, [Some(with_consent.clone())]);
    assert!(w
        .events(&without)
        .await
        .iter()
        .all(|e| !e.contains("chase")));
}

fn answer(from: &str, in_reply_to: &str, subject: &str, body: &str) -> Vec<u8> {
    let domain = from
        .rsplit('@')
        .next()
        .unwrap_or("")
        .trim_end_matches('>')
        .to_string();
    format!(
        "{}From: {from}\r\nTo: jo.probation@justice.gov.uk\r\nCc: housing.solutions@basildon.gov.uk\r\n\
         Subject: {subject}\r\nDate: Tue, 1 Dec 2026 11:00:00 +0000\r\n\
         Message-ID: <answer-{}@basildon.gov.uk>\r\nIn-Reply-To: {in_reply_to}\r\n\
         References: {in_reply_to}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}",
        authenticated(&domain),
        fastrand::u64(..)
    )
    .into_bytes()
}

async fn the_councils_answer_in_the_thread_names_the_lead_and_stops_the_chases(db: TestDb) {
    let w = world(db).await;
    let reference = basildon_case(&w).await;
    assert_eq!(w.sweep(uk(2026, 12, 1, 10, 0)).await, 1);
    let chase = w.rows("chase").await.remove(0);

    // The lead answers the chase; the gateway's own chase is quoted below.
    let body = "Dear Jo,\r\n\r\nWe have this in hand.\r\n\r\nLead officer: Ayesha Khan\r\n\
                Email: ayesha.khan@basildon.gov.uk\r\nTelephone: 01268 282 000\r\n\r\n\
                On Tue, 1 Dec 2026, Colchester Duty to Refer wrote:\r\n> Lead officer: not named\r\n";
    let raw = answer(
        "Lead <someone@basildon.gov.uk>",
        &chase.message_id,
        &format!("RE: [{reference}] Chase 1"),
        body,
    );
    w.put("basildon", &raw, uk(2026, 12, 1, 11, 0)).await;
    let events = w.events(&reference).await;
    assert!(
        events.contains(&"authority_responded".to_string()),
        "{events:?}"
    );
    assert!(
        events.contains(&"lead_officer_named".to_string()),
        "{events:?}"
    );

    // Nothing more for the lead officer deadline, on any later day.
    for day in [2, 3, 7, 14] {
        assert_eq!(w.sweep(uk(2026, 12, day, 10, 0)).await, 0, "day {day}");
    }
    let cases = w.store.deadline_cases(Some("BAS")).await.expect("cases");
    assert!(cases[0].progress.lead_named_at.is_some() && !cases[0].progress.evidence.is_empty());
    // The first naming is told to the referring side (commitment 10).
    let first = w.rows("lead_changed").await;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].context["lead"]["first"], true);

    // A new lead officer later on: the referrer is told, copying the case lead.
    let raw = answer(
        "someone@basildon.gov.uk",
        &chase.message_id,
        &format!("RE: [{reference}] Chase 1"),
        "Ayesha has moved on.\r\nLead officer: Ben Ortiz <ben.ortiz@basildon.gov.uk>\r\nTel: 01268 282 111\r\n",
    );
    w.put("basildon", &raw, uk(2026, 12, 8, 11, 0)).await;
    let told: Vec<_> = w
        .rows("lead_changed")
        .await
        .into_iter()
        .filter(|r| r.context["lead"]["first"] == false)
        .collect();
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].to, ["jo.probation@justice.gov.uk"]);
    assert_eq!(told[0].cc, ["kim.casework@justice.gov.uk"]);
    assert_eq!(told[0].context["lead"]["side"], "authority");
    assert_eq!(told[0].context["lead"]["name"], "Ben Ortiz");
    assert_eq!(told[0].context["lead"]["previous_name"], "Ayesha Khan");
}

async fn a_reply_to_the_referral_itself_joins_the_case(db: TestDb) {
    let w = world(db).await;
    let reference = basildon_case(&w).await;
    // Reply-all to the probation officer's own mail: no reference in the
    // subject, the form quoted below.
    let quoted = referral_text("housing.solutions@basildon.gov.uk", "x@y", "")
        .lines()
        .map(|l| format!("> {l}"))
        .collect::<Vec<_>>()
        .join("\r\n");
    let raw = answer(
        "housing.officer@basildon.gov.uk",
        "<ref-1@justice.gov.uk>",
        "RE: Referral",
        &format!("Thanks.\r\nLead officer: Ayesha Khan\r\n\r\n{quoted}"),
    );
    let case = w.put("basildon", &raw, uk(2026, 11, 24, 11, 0)).await;
    assert_eq!(case.as_deref(), Some(reference.as_str()));
    assert!(w
        .events(&reference)
        .await
        .contains(&"lead_officer_named".to_string()));
    assert_eq!(w.store.cases(None, false).await.expect("cases").len(), 1);
}

async fn a_forward_inside_the_council_is_not_its_response(db: TestDb) {
    let w = world(db).await;
    let reference = basildon_case(&w).await;
    let raw = format!(
        "From: housing.solutions@basildon.gov.uk\r\nTo: colleague@basildon.gov.uk\r\n\
         Subject: FW: [{reference}] New referral\r\nMessage-ID: <fw-1@basildon.gov.uk>\r\n\
         Content-Type: text/plain\r\n\r\nCould you pick this up?\r\nLead officer: Colleague\r\n"
    );
    w.put("basildon", raw.as_bytes(), uk(2026, 11, 24, 11, 0))
        .await;
    let events = w.events(&reference).await;
    assert!(events.contains(&"reply_received".to_string()), "{events:?}");
    assert!(
        !events.contains(&"authority_responded".to_string()),
        "{events:?}"
    );
    // The chases still come.
    assert_eq!(w.sweep(uk(2026, 12, 1, 10, 0)).await, 1);
}

async fn another_councils_message_in_the_thread_changes_nothing(db: TestDb) {
    let w = world(db).await;
    let reference = basildon_case(&w).await;
    let acknowledgement = w.rows("acknowledgement").await.remove(0);
    // *.gov.uk may refer, but Braintree does not answer for Basildon, nor
    // is it the probation side.
    let raw = answer(
        "officer@braintree.gov.uk",
        &acknowledgement.message_id,
        &format!("RE: [{reference}] Referral received"),
        "For information.\r\nLead officer: Not Basildon\r\n",
    );
    w.put("basildon", &raw, uk(2026, 11, 24, 11, 0)).await;
    let events = w.events(&reference).await;
    assert!(events.contains(&"reply_received".to_string()), "{events:?}");
    for kind in [
        "authority_responded",
        "lead_officer_named",
        "case_lead_changed",
    ] {
        assert!(!events.contains(&kind.to_string()), "{kind} in {events:?}");
    }
    assert!(w.rows("lead_changed").await.is_empty());
}

async fn a_new_probation_lead_is_told_to_the_council(db: TestDb) {
    let w = world(db).await;
    let reference = basildon_case(&w).await;
    let acknowledgement = w.rows("acknowledgement").await.remove(0);
    let raw = format!(
        "{}From: jo.probation@justice.gov.uk\r\nTo: housing.solutions@basildon.gov.uk\r\n\
         Subject: RE: [{reference}] Referral received\r\nMessage-ID: <new-lead@justice.gov.uk>\r\n\
         In-Reply-To: {}\r\nContent-Type: text/plain\r\n\r\n\
         Please note the new case lead.\r\nCase lead: Priya Shah\r\nEmail: priya.shah@justice.gov.uk\r\n",
        authenticated("justice.gov.uk"),
        acknowledgement.message_id
    );
    w.put("basildon", raw.as_bytes(), uk(2026, 11, 25, 11, 0))
        .await;
    // The council is told, and so are the previous case lead and the
    // referrer (commitment 11), and the new lead, who has the reference.
    let told = w.rows("lead_changed").await;
    assert_eq!(told.len(), 2);
    assert_eq!(told[0].to, ["housing.solutions@basildon.gov.uk"]);
    assert_eq!(told[1].to, ["kim.casework@justice.gov.uk"]);
    assert_eq!(
        told[1].cc,
        ["jo.probation@justice.gov.uk", "priya.shah@justice.gov.uk"]
    );
    assert_eq!(told[0].context["lead"]["side"], "referrer");
    assert_eq!(told[0].context["lead"]["previous_name"], "Kim Casework");
    assert!(w
        .events(&reference)
        .await
        .contains(&"case_lead_changed".to_string()));
    // A referrer's message is not the council's response.
    let cases = w.store.deadline_cases(Some("BAS")).await.expect("cases");
    assert!(cases[0]
        .progress
        .evidence
        .iter()
        .all(|e| e.side != dtr_gateway::core::protocol::Side::Authority));
}

async fn paused_closed_and_met_by_hand_cases_are_not_followed_up(db: TestDb) {
    let w = world(db).await;
    let reference = basildon_case(&w).await;
    w.store
        .pause_case(
            &reference,
            chrono::NaiveDate::from_ymd_opt(2026, 12, 4).expect("date"),
        )
        .await
        .expect("pause");
    assert_eq!(w.sweep(uk(2026, 11, 27, 10, 0)).await, 0);
    assert_eq!(w.sweep(uk(2026, 12, 3, 10, 0)).await, 0);
    // The pause ends: one chase, not every step missed; the escalation
    // that is owed the next working day (never before a chase).
    assert_eq!(w.sweep(uk(2026, 12, 4, 10, 0)).await, 1);
    assert_eq!(w.rows("chase").await.len(), 1);
    assert!(w.rows("escalation").await.is_empty());
    assert!(w.rows("reminder").await.is_empty());

    assert!(w
        .store
        .mark_met(&reference, "lead_officer")
        .await
        .expect("met"));
    assert!(!w
        .store
        .mark_met(&reference, "lead_officer")
        .await
        .expect("again"));
    assert_eq!(w.sweep(uk(2026, 12, 8, 10, 0)).await, 0);

    let second = w
        .put(
            "basildon",
            &referral(
                "housing.solutions@basildon.gov.uk",
                "ref-2@justice.gov.uk",
                "",
            ),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    // Same person, from the same referrer: it completes the open case, not
    // a new one.
    assert_eq!(second.as_deref(), Some(reference.as_str()));
    w.store
        .close_case(&reference, "accommodation secured")
        .await
        .expect("close");
    assert!(w
        .store
        .deadline_cases(None)
        .await
        .expect("cases")
        .is_empty());
    assert!(w
        .events(&reference)
        .await
        .contains(&"case_closed".to_string()));
}

async fn where_the_dispute_contact_is_the_lead_the_next_level_or_a_note(db: TestDb) {
    let mut w = world(db).await;
    // Harlow: Annex A gives the operational lead as the dispute contact.
    // Annex C still routes the escalation to them, as the authority's
    // senior contact, with the referring side copied.
    let raw = referral("homelessness@harlow.gov.uk", "harlow-1@justice.gov.uk", "");
    let harlow = w.config.authorities.by_code("HAR").expect("HAR").clone();
    assert!(harlow.dispute_contact_is_lead());
    let reference = w
        .put("harlow", &raw, uk(2026, 11, 23, 10, 0))
        .await
        .expect("a case");
    w.send_all(uk(2026, 11, 23, 10, 0)).await;
    assert_eq!(w.sweep(uk(2026, 12, 1, 10, 0)).await, 1, "the first chase");
    assert_eq!(w.sweep(uk(2026, 12, 2, 10, 0)).await, 1, "the escalation");
    let escalations = w.rows("escalation").await;
    assert_eq!(escalations.len(), 1);
    assert_eq!(
        escalations[0].to,
        [harlow.dispute_contact.email.to_string()]
    );
    assert_eq!(
        escalations[0].cc,
        [
            "housing.options@harlow.gov.uk",
            "jo.probation@justice.gov.uk",
            "kim.casework@justice.gov.uk"
        ]
    );
    assert!(w
        .events(&reference)
        .await
        .contains(&"escalation_queued".to_string()));

    // With a next level configured, the escalation goes there as well.
    let next = Contact {
        name: "Head of Housing".into(),
        email: EmailAddress::parse("head.of.housing@harlow.gov.uk").expect("address"),
    };
    let list = w
        .config
        .authorities
        .iter()
        .cloned()
        .map(|mut a| {
            if a.code.as_str() == "HAR" {
                a.next_level = Some(next.clone());
            }
            a
        })
        .collect();
    w.config.authorities = Authorities::new(list);
    let raw = referral("homelessness@harlow.gov.uk", "harlow-2@justice.gov.uk", "");
    let text = String::from_utf8(raw)
        .expect("utf-8")
        .replace("A1234BC", "B9999ZZ")
        .replace("Samuel", "Other");
    w.put("harlow", text.as_bytes(), uk(2026, 11, 23, 10, 0))
        .await
        .expect("a case");
    w.send_all(uk(2026, 11, 23, 10, 0)).await;
    w.sweep(uk(2026, 12, 2, 11, 0)).await;
    w.sweep(uk(2026, 12, 3, 11, 0)).await;
    let escalations = w.rows("escalation").await;
    assert_eq!(escalations.len(), 2);
    assert_eq!(
        escalations[1].to,
        [
            harlow.dispute_contact.email.to_string(),
            "head.of.housing@harlow.gov.uk".to_string()
        ]
    );
}

/// A case changed while the sweep works on it (here paused by a person) is
/// read again by the next sweep: the day the sweep worked out from the old
/// reading is not stored over the change.
async fn a_change_during_a_sweep_is_not_covered_by_its_stale_day(db: TestDb) {
    let w = world(db).await;
    let reference = basildon_case(&w).await;
    let day = NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
    let to_sweep = |w: &World| {
        let store = w.store.clone();
        async move {
            store
                .cases_to_sweep(day)
                .await
                .expect("cases")
                .into_iter()
                .map(|c| c.reference)
                .collect::<Vec<_>>()
        }
    };
    let read = w.store.cases_to_sweep(day).await.expect("cases");
    let case = read
        .iter()
        .find(|c| c.reference == reference)
        .expect("the new case is read")
        .clone();
    let paused_until = NaiveDate::from_ymd_opt(2026, 12, 14).expect("date");
    w.store
        .pause_case(&reference, paused_until)
        .await
        .expect("pause");
    // The sweep, unaware of the pause, works out a day from its reading.
    let stale = FollowUpDay {
        case_id: case.id,
        revision: case.revision,
        on: NaiveDate::from_ymd_opt(2026, 11, 27),
    };
    w.store.set_follow_up_days(&[stale]).await.expect("days");
    assert_eq!(
        to_sweep(&w).await,
        [reference],
        "the paused case is read again on the next sweep, not on the 27th"
    );

    // Unchanged since read, the day is kept, and the case waits for it.
    let fresh = w.store.cases_to_sweep(day).await.expect("cases")[0].clone();
    w.store
        .set_follow_up_days(&[FollowUpDay {
            case_id: fresh.id,
            revision: fresh.revision,
            on: Some(paused_until),
        }])
        .await
        .expect("days");
    assert!(to_sweep(&w).await.is_empty());
}

/// A sweep outside sending hours reads nothing and says so, so that the
/// daemon started on a Saturday or at night makes its whole sweep at the
/// first sending hour instead of forgetting it.
async fn a_sweep_outside_sending_hours_says_it_did_not_sweep(db: TestDb) {
    let w = world(db).await;
    basildon_case(&w).await;
    let saturday = sweep_once(
        &w.store,
        &w.config,
        uk(2026, 11, 28, 11, 0),
        true,
        dtr_gateway::sweep::Mode::Record,
    )
    .await
    .expect("sweep");
    assert!(!saturday.swept && saturday.cases == 0, "{saturday:?}");
    let early = sweep_once(
        &w.store,
        &w.config,
        uk(2026, 11, 30, 7, 0),
        true,
        dtr_gateway::sweep::Mode::Record,
    )
    .await
    .expect("sweep");
    assert!(!early.swept, "{early:?}");
    let monday = sweep_once(
        &w.store,
        &w.config,
        uk(2026, 11, 30, 10, 0),
        true,
        dtr_gateway::sweep::Mode::Record,
    )
    .await
    .expect("sweep");
    assert!(monday.swept && monday.cases == 1, "{monday:?}");
}

async fn consent_confirmed_later_moves_the_clock_not_the_receipt(db: TestDb) {
    let w = world(db).await;
    let inbox = "housing.solutions@basildon.gov.uk";
    // Received on Monday 23 November without the consent answer.
    let unconsented = referral_text(inbox, "late-consent-1@justice.gov.uk", "")
        .replace("Consent to referral: Yes\r\n", "Consent to referral: \r\n");
    let reference = w
        .put("basildon", unconsented.as_bytes(), uk(2026, 11, 23, 10, 0))
        .await
        .expect("a case");
    assert_eq!(
        w.store.case(&reference).await.expect("case").summary.status,
        "incomplete"
    );
    // The referrer's form again, consent given, on Friday 27 November.
    let consented_at = uk(2026, 11, 27, 10, 0);
    w.put(
        "basildon",
        &referral(inbox, "late-consent-2@justice.gov.uk", ""),
        consented_at,
    )
    .await;
    let case = w.store.case(&reference).await.expect("case");
    assert_eq!(case.summary.status, "open");
    assert!(
        case.summary.received_at.starts_with("2026-11-23T10:00"),
        "{}",
        case.summary.received_at
    );
    assert_eq!(case.clock_from, Some(consented_at));
    // The deadlines count from the consent: the lead officer five working
    // days on, Friday 4 December.
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("day");
    let cases = w.store.deadline_cases(None).await.expect("cases");
    let lead = dtr_gateway::sweep::open_deadlines(&w.config, &cases, today)
        .into_iter()
        .find(|d| d.case.reference == reference && d.rule.id == "lead_officer")
        .map(|d| d.due.on);
    assert_eq!(lead, NaiveDate::from_ymd_opt(2026, 12, 4));
    // The report reads the same clock.
    let quarter: dtr_gateway::core::report::Quarter = "2026Q4".parse().expect("quarter");
    let agencies =
        dtr_gateway::core::report::AgencyMap::from_toml(include_str!("../config/agencies.toml"))
            .expect("agency map");
    let reported = w
        .store
        .report_cases(quarter, None, &agencies)
        .await
        .expect("report cases");
    assert_eq!(reported.len(), 1);
    assert_eq!(reported[0].clock_from, consented_at);
    assert_eq!(reported[0].facts.clock_from, consented_at);
}

/// The chase's text as the operational lead reads it, on one line: the
/// queued context over the sample's case details, which the sender adds.
fn chase_words(row: &OutboxRow) -> String {
    let templates = Templates::load(None).expect("embedded templates");
    let mut data = sample_data(Purpose::Chase);
    for (key, value) in row.context.as_object().expect("a context object") {
        match (value.as_object(), data[key].is_object()) {
            // What the sender adds within (`deadline.asks_for_lead`) stays.
            (Some(fields), true) => {
                for (field, v) in fields {
                    data[key][field] = v.clone();
                }
            }
            _ => data[key] = value.clone(),
        }
    }
    let mail = templates
        .render(Purpose::Chase, &row.authority, &data)
        .expect("renders");
    mail.text.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn a_chase_says_escalated_only_once_it_was_and_on_its_real_day(db: TestDb) {
    let w = world(db).await;
    let inbox = "housing.solutions@basildon.gov.uk";
    // Consent given, the date of birth missing: received Monday 7 December,
    // the lead officer due Monday 14 December, its escalation date
    // Wednesday 16 December. Nothing was swept meanwhile (the daemon was
    // down) until Thursday 17, when the referrer sends the date of birth.
    let no_dob = referral_text(inbox, "dob-later-1@justice.gov.uk", "")
        .replace("Date of birth: 14/07/1988\r\n", "");
    let reference = w
        .put("basildon", no_dob.as_bytes(), uk(2026, 12, 7, 10, 0))
        .await
        .expect("a case");
    w.send_all(uk(2026, 12, 7, 10, 0)).await;
    w.put(
        "basildon",
        &referral(inbox, "dob-later-2@justice.gov.uk", ""),
        uk(2026, 12, 17, 9, 30),
    )
    .await;
    w.send_all(uk(2026, 12, 17, 9, 30)).await;

    // Thursday 17: the first chase. Nothing was escalated; the escalation
    // waits for the working day after the chase, Friday 18.
    assert_eq!(w.sweep(uk(2026, 12, 17, 10, 0)).await, 1);
    let chases = w.rows("chase").await;
    assert_eq!(chases.len(), 1);
    assert_eq!(chases[0].case_ref.as_deref(), Some(reference.as_str()));
    let words = chase_words(&chases[0]);
    assert!(!words.contains("It was escalated"), "{words}");
    assert!(
        words.contains(
            "If it stays overdue, it will be escalated on Friday 18 December 2026 to Mo Slade"
        ),
        "{words}"
    );

    // Friday 18: the escalation.
    assert_eq!(w.sweep(uk(2026, 12, 18, 10, 0)).await, 1);
    assert_eq!(w.rows("escalation").await.len(), 1);

    // Monday 21: chase 2 says it was escalated, on the day it was.
    assert_eq!(w.sweep(uk(2026, 12, 21, 10, 0)).await, 1);
    let chases = w.rows("chase").await;
    assert_eq!(chases.len(), 2);
    assert_eq!(chases[1].context["step"]["number"], 2);
    let words = chase_words(&chases[1]);
    assert!(
        words.contains("It was escalated on Friday 18 December 2026 to Mo Slade"),
        "{words}"
    );
    assert!(!words.contains("16 December"), "{words}");
}

async fn a_first_chase_after_the_escalation_date_promises_the_next_working_day(db: TestDb) {
    let w = world(db).await;
    // Lead officer due Monday 30 November, its escalation date Wednesday 2
    // December; first swept on Wednesday 2 (the daemon was down): the
    // chase goes today and the escalation on Thursday 3, not today.
    let reference = basildon_case(&w).await;
    assert_eq!(w.sweep(uk(2026, 12, 2, 10, 0)).await, 1);
    let chases = w.rows("chase").await;
    assert_eq!(chases.len(), 1);
    let words = chase_words(&chases[0]);
    assert!(
        words.contains("it will be escalated on Thursday 3 December 2026 to Mo Slade"),
        "{words}"
    );
    assert!(!words.contains("Wednesday 2 December 2026 to"), "{words}");
    assert_eq!(w.sweep(uk(2026, 12, 3, 10, 0)).await, 1);
    let escalations = w.rows("escalation").await;
    assert_eq!(escalations.len(), 1);
    assert_eq!(escalations[0].case_ref.as_deref(), Some(reference.as_str()));
}
