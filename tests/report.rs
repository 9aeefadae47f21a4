//! The outcomes report over a store (SQLite and PostgreSQL) filled through intake, the sweep and
//! the case commands, with the figures worked out by hand.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use common::{ingest_into, TestDb};
use dtr_gateway::config::Config;
use dtr_gateway::core::report::{build, csv, AgencyMap, Quarter};
use dtr_gateway::store::Store;
use tempfile::TempDir;

fn uk(m: u32, d: u32, h: u32) -> DateTime<Utc> {
    London
        .with_ymd_and_hms(2026, m, d, h, 0, 0)
        .single()
        .expect("valid local time")
        .with_timezone(&Utc)
}

fn referral(n: u32, agency: &str, release: &str, consent: &str) -> Vec<u8> {
    format!(
        "From: officer{n}@justice.gov.uk\r\nTo: housing.solutions@basildon.gov.uk\r\nSubject: Referral\r\n\
         Message-ID: <report-{n}@justice.gov.uk>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         Referral type: Duty to Refer\r\nFull name: Person Number{n}\r\nDate of birth: 01/01/1990\r\n\
         Prison number: A{n:04}AA\r\nCustody status: sentenced\r\nExpected release date: {release}\r\n\
         Consent to referral: {consent}\r\nReason at risk of homelessness: No address\r\n\
         Local connection: resident\r\nReferring agency: {agency}\r\nReferrer name: Officer {n}\r\n\
         Referrer email: officer{n}@justice.gov.uk\r\nReferrer phone: 01245 000000\r\n"
    )
    .into_bytes()
}

on_both_stores!(a_quarter_worked_by_hand);

async fn a_quarter_worked_by_hand(db: TestDb) {
    let dir = TempDir::new().expect("temp dir");
    let url = db.new_store_url(dir.path());
    let store = Store::open(&url).await.expect("store");
    let (mut config, _) = Config::embedded().expect("config");
    config.answer_max_age = chrono::Duration::days(36_500);
    let put = |n: u32, agency: &'static str, release: &'static str, consent: &'static str, at| {
        let (store, config) = (store.clone(), &config);
        async move {
            let raw = referral(n, agency, release, consent);
            ingest_into(&store, config, "basildon", &raw, at)
                .await
                .case
                .map(|c| c.to_string())
        }
    };
    // 1: from a prison, Monday 23 November, acknowledged at once, lead named
    //    by hand on Wednesday 25 (2 working days), release in 27 days.
    let one = put(1, "HMP Chelmsford", "20/12/2026", "Yes", uk(11, 23, 10))
        .await
        .expect("case");
    // 2: from probation, same day, acknowledged only on Friday 27 (late),
    //    never answered, chased and escalated; release already passed.
    let two = put(
        2,
        "The Probation Service",
        "20/11/2026",
        "Yes",
        uk(11, 23, 10),
    )
    .await
    .expect("case");
    // 3: refused, no consent.
    put(3, "HMP Chelmsford", "20/12/2026", "No", uk(11, 23, 11)).await;
    // 5: consent left unanswered: incomplete, waiting for it; not accepted.
    put(5, "HMP Chelmsford", "20/12/2026", "", uk(11, 24, 10)).await;
    // 4: in the quarter before: not counted.
    put(4, "HMP Chelmsford", "20/12/2026", "Yes", uk(9, 30, 10)).await;

    for row in store.claim_due(Utc::now(), 100).await.expect("claim") {
        let sent_at = if row.case_ref.as_deref() == Some(two.as_str()) {
            uk(11, 27, 9)
        } else {
            uk(11, 23, 10)
        };
        store.mark_sent(row.id, sent_at).await.expect("sent");
    }
    let contacts = store
        .case_contacts(&one)
        .await
        .expect("read")
        .expect("case");
    assert!(contacts.lha_lead.name.is_none());
    let lead = dtr_gateway::core::reply::NamedLead::parse_contact(
        "Ayesha Khan <ayesha.khan@basildon.gov.uk>",
    );
    common::respond_by_hand(&store, &config, &one, lead).await;
    // recorded "by hand" now; move its times to Wednesday 25 as if then.
    sqlx::query("UPDATE cases SET responded_at = $1, lead_named_at = $1 WHERE reference = $2")
        .bind(dtr_gateway::store::Stamp(uk(11, 25, 12)))
        .bind(&one)
        .execute(store.pool())
        .await
        .expect("date the response");
    // Case 2: reminder Friday 27, chase Tuesday 1, escalation Wednesday 2.
    for day in [(11, 27), (12, 1), (12, 2)] {
        dtr_gateway::sweep::sweep_once(
            &store,
            &config,
            uk(day.0, day.1, 10),
            false,
            dtr_gateway::sweep::Mode::Record,
        )
        .await
        .expect("sweep");
    }
    store
        .close_case(&one, "personal housing plan agreed")
        .await
        .expect("close");

    let quarter: Quarter = "2026Q4".parse().expect("quarter");
    let agencies = AgencyMap::from_toml(include_str!("../config/agencies.toml")).expect("map");
    let cases = store
        .report_cases(quarter, None, &agencies)
        .await
        .expect("cases");
    assert_eq!(cases.len(), 4, "the September referral is in Q3");
    let calendar_for = |code: &str| config.calendar_for(code);
    let today = chrono::NaiveDate::from_ymd_opt(2027, 1, 15).expect("date");
    let reports = build(
        &cases,
        &["BAS".into()],
        &config.protocol,
        &calendar_for,
        today,
    );
    let bas = &reports[0];
    assert_eq!((bas.referrals, bas.refused, bas.unconfirmed), (2, 1, 1));
    // The Essex targets, from the protocol file: acknowledgement
    // (commitment 9) and lead officer (commitment 10).
    let tally = |i: usize| (bas.deadlines[i].in_time, bas.deadlines[i].missed);
    assert_eq!(
        tally(0),
        (1, 1),
        "case 2 was acknowledged on the 4th working day"
    );
    assert_eq!(tally(1), (1, 1));
    assert_eq!((bas.chases, bas.escalations), (1, 1));
    assert_eq!((bas.under_56_days, bas.late), (1, 1));
    assert_eq!(bas.median_response_days, Some(2.0));
    assert_eq!(
        bas.outcomes
            .get(&dtr_gateway::core::report::CaseOutcome::PersonalHousingPlanAgreed),
        Some(&1)
    );
    let text = csv(&reports);
    assert!(
        text.contains("From: Adult secure estate (prison),1\n"),
        "{text}"
    );
    assert!(text.contains("From: Probation,1\n"), "{text}");
    assert!(
        text.contains("Consent not confirmed (awaited or lapsed),1\n"),
        "{text}"
    );
    // One authority asked for: no "All" beside it.
    assert!(text.starts_with("measure,BAS\n"), "{text}");
    // No person in it.
    for private in ["Number1", "A0001AA", "1990", "officer1@"] {
        assert!(!text.contains(private), "{private} in the report");
    }
}
