//! Retention on a real SQLite file and a real PostgreSQL database, filled through intake, the sweep, the
//! sender's bookkeeping and the case commands: the personal details of cases
//! closed long ago, of refusals and of messages without a case are erased;
//! open and recently closed cases are untouched; the quarterly report is the
//! same to the byte; a second purge and a dry run change nothing.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use common::{gateway_cli as gateway, ingest_into, TestDb};
use dtr_gateway::config::Config;
use dtr_gateway::core::ids::StoredMessageId;
use dtr_gateway::core::reply::NamedLead;
use dtr_gateway::core::report::{build, csv, markdown, AgencyMap, Quarter};
use dtr_gateway::store::{Backend, PurgeCounts, Stamp, Store};
use sqlx::Row;
use std::path::Path;
use tempfile::TempDir;

fn uk(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    London
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .expect("valid local time")
        .with_timezone(&Utc)
}

struct Form<'a> {
    id: &'a str,
    from: &'a str,
    name: &'a str,
    dob: &'a str,
    prison_number: &'a str,
    consent: &'a str,
    agency: &'a str,
    referrer: (&'a str, &'a str),
    case_lead: (&'a str, &'a str),
    attachment: Option<&'a str>,
}

/// A referral to Basildon as a MIME message, with an attachment when given.
fn referral(f: &Form) -> Vec<u8> {
    let body = format!(
        "DUTY TO REFER REFERRAL\r\nReferral type: Duty to Refer\r\nFull name: {}\r\n\
         Date of birth: {}\r\nPrison number: {}\r\nCRN: X{}00\r\nCustody status: sentenced\r\n\
         Expected release date: 20/12/2026\r\nConsent to referral: {}\r\n\
         Contact phone: 07700 900111\r\nMental health: Sensitive diagnosis text\r\n\
         Reason at risk of homelessness: Tenancy lost during sentence\r\n\
         Local connection: resident\r\nReferring agency: {}\r\nReferrer name: {}\r\n\
         Referrer email: {}\r\nReferrer phone: 01245 000000\r\nCase lead name: {}\r\n\
         Case lead email: {}\r\nCase lead phone: 07700 900222\r\n",
        f.name,
        f.dob,
        f.prison_number,
        &f.prison_number[1..5],
        f.consent,
        f.agency,
        f.referrer.0,
        f.referrer.1,
        f.case_lead.0,
        f.case_lead.1,
    );
    let attachment = f
        .attachment
        .map(|name| {
            format!(
                "--b\r\nContent-Type: application/pdf; name=\"{name}\"\r\n\
                 Content-Disposition: attachment; filename=\"{name}\"\r\n\
                 Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
            )
        })
        .unwrap_or_default();
    format!(
        "From: {} <{}>\r\nTo: housing.solutions@basildon.gov.uk\r\nSubject: Referral\r\n\
         Message-ID: <{}>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n{attachment}--b--\r\n",
        f.referrer.0, f.from, f.id
    )
    .into_bytes()
}

const SAMUEL: Form = Form {
    id: "p1@justice.gov.uk",
    from: "alice.referrer@justice.gov.uk",
    name: "Samuel Testperson",
    dob: "14/07/1988",
    prison_number: "A1234BC",
    consent: "Yes",
    agency: "HMP Chelmsford",
    referrer: ("Alice Referrer", "alice.referrer@justice.gov.uk"),
    case_lead: ("Carl Caselead", "carl.caselead@justice.gov.uk"),
    attachment: Some("Samuel Testperson licence.pdf"),
};

/// Every value of every table, one line per row: what a person with the
/// database file in hand could read with SQL.
async fn dump(store: &Store) -> String {
    let tables = match store.backend() {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> '_sqlx_migrations' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' \
             AND table_name <> '_sqlx_migrations' ORDER BY 1"
        }
    };
    let tables: Vec<String> = sqlx::query_scalar(tables)
        .fetch_all(store.pool())
        .await
        .expect("tables");
    let mut out = String::new();
    for table in tables {
        out.push_str(
            &rows(
                store,
                &format!("SELECT * FROM {table} ORDER BY 1, 2"),
                &table,
            )
            .await,
        );
    }
    out
}

/// The rows a query returns, as text lines prefixed with `label`.
async fn rows(store: &Store, sql: &str, label: &str) -> String {
    let mut out = String::new();
    for row in sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(store.pool())
        .await
        .expect("rows")
    {
        out.push_str(label);
        for i in 0..row.len() {
            let value = if let Ok(v) = row.try_get::<Option<String>, _>(i) {
                format!("{v:?}")
            } else if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
                format!("{v:?}")
            } else if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
                format!("{v:?}")
            } else if let Ok(v) = row.try_get::<Option<Vec<u8>>, _>(i) {
                format!("{:?}", v.map(|b| String::from_utf8_lossy(&b).to_string()))
            } else {
                "?".into()
            };
            out.push('|');
            out.push_str(&value);
        }
        out.push('\n');
    }
    out
}

struct Seeded {
    _dir: TempDir,
    /// The SQLite file; none on PostgreSQL.
    file: Option<std::path::PathBuf>,
    store: Store,
    config: Config,
    /// Closed long ago.
    samuel: String,
    petra: String,
    /// Still open.
    olive: String,
    /// Closed recently.
    rita: String,
    /// Refused long ago.
    nora: String,
    /// Quarantined long ago, and recently.
    old_quarantined: StoredMessageId,
    new_quarantined: StoredMessageId,
}

async fn seeded(db: TestDb) -> Seeded {
    let dir = TempDir::new().expect("temp dir");
    let url = db.new_store_url(dir.path());
    let file = (db == TestDb::Sqlite).then(|| dir.path().join("cases.db"));
    let store = Store::open(&url).await.expect("store");
    let (mut config, _) = Config::embedded().expect("config");
    config.answer_max_age = chrono::Duration::days(36_500);
    let put = |raw: Vec<u8>| {
        let (store, config) = (store.clone(), &config);
        async move { ingest_into(&store, config, "basildon", &raw, uk(2026, 11, 23, 10)).await }
    };
    let case = |r: dtr_gateway::store::Recorded| r.case.expect("a case").to_string();
    let samuel = case(put(referral(&SAMUEL)).await);
    // Referred by probation under a name no rule knows: its category comes
    // from the referrer's domain, which must survive the purge.
    let petra = case(
        put(referral(&Form {
            id: "p2@probation.gov.uk",
            from: "paul.probation@probation.gov.uk",
            name: "Petra Pellington",
            dob: "02/02/1977",
            prison_number: "P2222PP",
            agency: "Resettlement team",
            referrer: ("Paul Probation", "paul.probation@probation.gov.uk"),
            case_lead: ("Carl Caselead", "carl.caselead@justice.gov.uk"),
            attachment: None,
            ..SAMUEL
        }))
        .await,
    );
    let olive = case(
        put(referral(&Form {
            id: "p3@justice.gov.uk",
            from: "owen.officer@justice.gov.uk",
            name: "Olive Openshaw",
            dob: "03/03/1999",
            prison_number: "O3333OO",
            referrer: ("Owen Officer", "owen.officer@justice.gov.uk"),
            case_lead: ("Otto Lead", "otto.lead@justice.gov.uk"),
            attachment: Some("Olive Openshaw licence.pdf"),
            ..SAMUEL
        }))
        .await,
    );
    let rita = case(
        put(referral(&Form {
            id: "p4@justice.gov.uk",
            from: "rob.officer@justice.gov.uk",
            name: "Rita Recentclose",
            dob: "04/04/1984",
            prison_number: "R4444RR",
            referrer: ("Rob Officer", "rob.officer@justice.gov.uk"),
            case_lead: ("Ruth Lead", "ruth.lead@justice.gov.uk"),
            attachment: None,
            ..SAMUEL
        }))
        .await,
    );
    let nora = case(
        put(referral(&Form {
            id: "p5@justice.gov.uk",
            from: "nina.refuser@justice.gov.uk",
            name: "Nora Nonconsent",
            dob: "05/05/1955",
            prison_number: "N5555NN",
            consent: "No",
            referrer: ("Nina Refuser", "nina.refuser@justice.gov.uk"),
            attachment: None,
            ..SAMUEL
        }))
        .await,
    );
    let quarantined = |id: &'static str, from: &'static str, name: &'static str| {
        referral(&Form {
            id,
            from,
            name,
            dob: "06/06/1966",
            prison_number: "Q6666QQ",
            referrer: ("Someone", from),
            attachment: Some(name),
            ..SAMUEL
        })
    };
    let old_quarantined = put(quarantined(
        "q1@example.com",
        "someone@example.com",
        "Quentin Quarantine.pdf",
    ))
    .await;
    let new_quarantined = put(quarantined(
        "q2@example.org",
        "recent@example.org",
        "Quincy Recent.pdf",
    ))
    .await;
    assert!(matches!(
        old_quarantined.action,
        dtr_gateway::store::Action::Quarantined(_)
    ));

    // The acknowledgements go; Petra's late (on the 4th working day), and
    // Samuel's notice fails with an error that quotes an address.
    for row in store.claim_due(Utc::now(), 100).await.expect("claim") {
        let case = row.case_ref.as_deref();
        if case == Some(samuel.as_str()) && row.purpose == "notice" {
            store
                .mark_failed(
                    row.id,
                    "550 5.1.1 <alice.referrer@justice.gov.uk>: mailbox unavailable",
                )
                .await
                .expect("failed");
        } else if case == Some(petra.as_str()) {
            store
                .mark_sent(row.id, uk(2026, 11, 27, 9))
                .await
                .expect("sent");
        } else {
            store
                .mark_sent(row.id, uk(2026, 11, 23, 10))
                .await
                .expect("sent");
        }
    }
    // Samuel: the council names its lead, then probation a new case lead.
    common::respond_by_hand(
        &store,
        &config,
        &samuel,
        NamedLead::parse_contact("Ayesha Khan <ayesha.khan@basildon.gov.uk>"),
    )
    .await;
    common::case_lead_by_hand(
        &store,
        &config,
        &samuel,
        NamedLead::parse_contact("Carl Newlead <carl.newlead@justice.gov.uk>").expect("a lead"),
    )
    .await;
    sqlx::query("UPDATE cases SET responded_at = $1, lead_named_at = $1 WHERE reference = $2")
        .bind(Stamp(uk(2026, 11, 25, 12)))
        .bind(&samuel)
        .execute(store.pool())
        .await
        .expect("date the response");
    // The others are reminded, chased and escalated, and the mail goes.
    for (m, d) in [(11, 27), (12, 1), (12, 2)] {
        dtr_gateway::sweep::sweep_once(
            &store,
            &config,
            uk(2026, m, d, 10),
            false,
            dtr_gateway::sweep::Mode::Record,
        )
        .await
        .expect("sweep");
    }
    for row in store.claim_due(Utc::now(), 100).await.expect("claim") {
        store.mark_sent(row.id, Utc::now()).await.expect("sent");
    }
    for (reference, outcome, closed) in [
        (&samuel, "prevention duty accepted", uk(2026, 12, 10, 12)),
        (&petra, "relief duty accepted", uk(2026, 12, 20, 12)),
        (&rita, "no further action", uk(2028, 12, 1, 12)),
    ] {
        store.close_case(reference, outcome).await.expect("close");
        sqlx::query("UPDATE cases SET closed_at = $1 WHERE reference = $2")
            .bind(Stamp(closed))
            .bind(reference)
            .execute(store.pool())
            .await
            .expect("date the closure");
    }
    // Recorded when received; the second quarantined message much later.
    for sql in [
        "UPDATE messages SET recorded_at = received_at",
        "UPDATE cases SET opened_at = received_at",
    ] {
        sqlx::query(sql).execute(store.pool()).await.expect("dates");
    }
    for (message, at) in [
        (old_quarantined.message_row, uk(2026, 11, 23, 10)),
        (new_quarantined.message_row, uk(2028, 12, 1, 10)),
    ] {
        sqlx::query("UPDATE messages SET recorded_at = $1 WHERE id = $2")
            .bind(Stamp(at))
            .bind(message)
            .execute(store.pool())
            .await
            .expect("date the message");
        sqlx::query("UPDATE outbox SET created_at = $1 WHERE cause_id = $2")
            .bind(Stamp(at))
            .bind(message)
            .execute(store.pool())
            .await
            .expect("date its mail");
    }
    Seeded {
        _dir: dir,
        file,
        store,
        config,
        samuel,
        petra,
        olive,
        rita,
        nora,
        old_quarantined: old_quarantined.message_row,
        new_quarantined: new_quarantined.message_row,
    }
}

/// The 2026Q4 report, as Markdown and as CSV.
async fn report(s: &Seeded) -> (String, String) {
    let quarter: Quarter = "2026Q4".parse().expect("quarter");
    let agencies = AgencyMap::from_toml(include_str!("../config/agencies.toml")).expect("map");
    let cases = s
        .store
        .report_cases(quarter, None, &agencies)
        .await
        .expect("cases");
    let authorities: Vec<String> = s
        .config
        .authorities
        .iter()
        .map(|a| a.code.to_string())
        .collect();
    let calendar_for = |code: &str| s.config.calendar_for(code);
    let today = chrono::NaiveDate::from_ymd_opt(2027, 1, 15).expect("date");
    let reports = build(
        &cases,
        &authorities,
        &s.config.protocol,
        &calendar_for,
        today,
    );
    (markdown("Outcomes 2026Q4", &reports), csv(&reports))
}

/// What must not change for the cases and messages a purge leaves alone.
async fn untouched(s: &Seeded) -> String {
    let cases = format!(
        "(SELECT id FROM cases WHERE reference IN ('{}', '{}'))",
        s.olive, s.rita
    );
    let mut out = String::new();
    for (label, sql) in [
        (
            "cases",
            format!("SELECT * FROM cases WHERE id IN {cases} ORDER BY 1, 2"),
        ),
        (
            "messages",
            format!(
                "SELECT * FROM messages WHERE case_id IN {cases} OR id = {} ORDER BY 1, 2",
                s.new_quarantined
            ),
        ),
        (
            "outbox",
            format!(
                "SELECT * FROM outbox WHERE case_id IN {cases} OR cause_id = {} ORDER BY 1, 2",
                s.new_quarantined
            ),
        ),
        (
            "outbox_recipients",
            format!(
                "SELECT * FROM outbox_recipients WHERE outbox_id IN (SELECT id FROM outbox \
                 WHERE case_id IN {cases} OR cause_id = {}) ORDER BY 1, 2",
                s.new_quarantined
            ),
        ),
        (
            "events",
            format!("SELECT * FROM events WHERE case_id IN {cases} ORDER BY 1, 2"),
        ),
    ] {
        out.push_str(&rows(&s.store, &sql, label).await);
    }
    out
}

/// As at 15 January 2029, 24 months back: what closed before 15 January
/// 2027 goes.
fn purge_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2029, 1, 15, 12, 0, 0)
        .single()
        .expect("time")
}

on_both_stores!(
    a_purge_erases_the_people_of_old_cases_and_keeps_the_report,
    events_stay_append_only_but_for_erasing_a_detail,
    a_referral_without_a_consent_answer_is_asked_for_it_and_lapses_unconfirmed,
);

async fn a_purge_erases_the_people_of_old_cases_and_keeps_the_report(db: TestDb) {
    let s = seeded(db).await;
    let cutoffs = dtr_gateway::retention::cutoffs(&s.config, purge_time());
    assert_eq!(cutoffs.closed, uk(2027, 1, 15, 12));
    let before = dump(&s.store).await;
    for present in [
        "Samuel",
        "Testperson",
        "1988-07-14",
        "alice.referrer@",
        "Ayesha Khan",
    ] {
        assert!(before.contains(present), "{present} was never stored");
    }
    let (report_md, report_csv) = report(&s).await;
    assert!(report_csv.contains("From: Probation,1,"), "{report_csv}");
    // Petra, Olive and Rita were chased and escalated: the follow-ups count.
    assert!(report_csv.contains("\nChases,3,"), "{report_csv}");
    assert!(report_csv.contains("\nEscalations,3,"), "{report_csv}");
    let kept = untouched(&s).await;
    // SQLite's file is read as bytes too; PostgreSQL's files are the
    // server's.
    let file_bytes = || {
        let Some(file) = &s.file else {
            return Vec::new();
        };
        let mut bytes = std::fs::read(file).expect("database file");
        let wal = file.with_extension("db-wal");
        if wal.exists() {
            bytes.extend(std::fs::read(&wal).expect("wal"));
        }
        bytes
    };
    let in_file =
        |bytes: &[u8], text: &str| bytes.windows(text.len()).any(|w| w == text.as_bytes());
    assert!(
        s.file.is_none() || in_file(&file_bytes(), "Testperson"),
        "the file check would prove nothing"
    );
    let events_before = rows(
        &s.store,
        "SELECT id, case_id, at, kind, message_id FROM events ORDER BY id",
        "",
    )
    .await;

    // A dry run counts and changes nothing, not even the record of purges.
    let dry = s
        .store
        .purge(cutoffs, &s.config, true)
        .await
        .expect("dry run");
    assert_eq!(dump(&s.store).await, before, "a dry run changed the store");
    assert_eq!((dry.cases, dry.messages), (3, 4), "{dry:?}");

    let counts = s
        .store
        .purge(cutoffs, &s.config, false)
        .await
        .expect("purge");
    assert_eq!(counts, dry, "the dry run counted what the purge did");
    // Every mail of the purged cases and the old quarantine notice.
    let outbox: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE purged_at IS NOT NULL")
        .fetch_one(s.store.pool())
        .await
        .expect("count");
    assert_eq!(counts.outbox, outbox as u64);
    assert!(counts.outbox >= 5, "{counts:?}");

    let after = dump(&s.store).await;
    for personal in [
        "Samuel",
        "Testperson",
        "1988-07-14",
        "A1234BC",
        "X1234",
        "Petra",
        "Pellington",
        "1977-02-02",
        "P2222PP",
        "Nora",
        "nina.refuser@",
        "Nina Refuser",
        "alice.referrer@",
        "Alice Referrer",
        "paul.probation@",
        "Paul Probation",
        "carl.caselead@",
        "Carl Caselead",
        "carl.newlead@",
        "Carl Newlead",
        "ayesha.khan@",
        "Ayesha Khan",
        "someone@example.com",
        "Quentin",
        "Sensitive diagnosis",
        "Tenancy lost",
        "07700 900111",
        "07700 900222",
        "01245 000000",
        // The chases named the operational lead; their record names the domain.
        "Phil Warren",
        "Mo Slade",
    ] {
        let open_case_has_it = kept.contains(personal);
        assert!(
            open_case_has_it || !after.contains(personal),
            "{personal} is still stored after the purge"
        );
    }
    // Nor in the file: erased values are zeroed, and the log of pages
    // before the purge is emptied.
    let bytes = file_bytes();
    for personal in ["Testperson", "alice.referrer@", "Pellington", "Quentin"] {
        assert!(
            !in_file(&bytes, personal),
            "{personal} is still in the database file"
        );
    }
    // What stays: the open and recently closed cases, the recent quarantine.
    assert_eq!(untouched(&s).await, kept, "an open or recent case changed");
    for present in [
        "Olive",
        "Openshaw",
        "owen.officer@",
        "Rita",
        "recent@example.org",
        "Quincy",
    ] {
        assert!(after.contains(present), "{present} was erased");
    }
    // The report, to the byte.
    assert_eq!(report(&s).await, (report_md, report_csv));
    // The timeline: every event, its kind, time, case and message.
    assert_eq!(
        rows(
            &s.store,
            "SELECT id, case_id, at, kind, message_id FROM events ORDER BY id",
            ""
        )
        .await,
        events_before
    );

    // Column by column.
    let case = sqlx::query(
        "SELECT referral, name_key, date_of_birth, prison_number, crn, referrer_name, referrer_email, \
         referrer_phone, case_lead_name, case_lead_email, case_lead_phone, lha_lead_name, \
         lha_lead_email, lha_lead_phone, referrer_domain, purged_at, follow_ups, close_outcome, \
         expected_release_date, referring_agency FROM cases WHERE reference = $1",
    )
    .bind(&s.samuel)
    .fetch_one(s.store.pool())
    .await
    .expect("case");
    for column in 1..=13 {
        assert_eq!(
            case.get::<Option<String>, _>(column),
            None,
            "column {column} of the purged case"
        );
    }
    let referral: serde_json::Value =
        serde_json::from_str(case.get::<&str, _>("referral")).expect("json");
    let keys: Vec<&String> = referral.as_object().expect("object").keys().collect();
    assert_eq!(
        keys,
        [
            "referral_type",
            "custody_status",
            "expected_release_date",
            "consent",
            "lha",
            "referring_agency"
        ],
        "{referral}"
    );
    assert_eq!(case.get::<&str, _>("referrer_domain"), "justice.gov.uk");
    assert!(case.get::<Option<String>, _>("purged_at").is_some());
    assert_eq!(
        case.get::<&str, _>("close_outcome"),
        "prevention duty accepted"
    );
    assert_eq!(case.get::<&str, _>("expected_release_date"), "2026-12-20");
    // The case still reads, without the person.
    let detail = s.store.case(&s.samuel).await.expect("case");
    assert!(detail.referral.full_name.is_none());
    assert_eq!(
        detail.referral.referring_agency.as_deref(),
        Some("HMP Chelmsford")
    );
    // The refusal keeps who referred only as a domain.
    let (status, referrer, domain, purged): (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    ) = sqlx::query_as(
        "SELECT status, referrer_email, referrer_domain, purged_at FROM cases WHERE reference = $1",
    )
    .bind(&s.nora)
    .fetch_one(s.store.pool())
    .await
    .expect("refusal");
    assert_eq!(
        (
            status.as_str(),
            referrer,
            domain.as_deref(),
            purged.is_some()
        ),
        ("refused", None, Some("justice.gov.uk"), true)
    );
    let (sender, reason): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT sender, quarantine_reason FROM messages WHERE id = $1")
            .bind(s.old_quarantined)
            .fetch_one(s.store.pool())
            .await
            .expect("quarantined");
    assert_eq!(sender, None);
    assert!(
        reason.is_some_and(|r| r.contains("example.com")),
        "the reason stays"
    );
    // Petra's follow-ups: the same steps, each to a domain.
    let follow_ups: String =
        sqlx::query_scalar("SELECT follow_ups FROM cases WHERE reference = $1")
            .bind(&s.petra)
            .fetch_one(s.store.pool())
            .await
            .expect("follow-ups");
    let steps: Vec<dtr_gateway::store::DoneStep> =
        serde_json::from_str(&follow_ups).expect("follow-ups");
    assert!(
        steps.iter().any(|d| d.key.contains(":chase:")),
        "{follow_ups}"
    );
    assert!(
        steps.iter().any(|d| d.key.contains(":escalation")),
        "{follow_ups}"
    );
    for step in &steps {
        let to = step.to.as_deref().expect("each went to someone");
        assert!(to.ends_with(".gov.uk") && !to.contains([' ', '@']), "{to}");
    }
    // The messages: no sender, attachments without names.
    let messages: Vec<(Option<String>, String)> = sqlx::query_as(
        "SELECT sender, attachments FROM messages WHERE purged_at IS NOT NULL ORDER BY id",
    )
    .fetch_all(s.store.pool())
    .await
    .expect("messages");
    assert_eq!(messages.len(), 4);
    for (sender, attachments) in &messages {
        assert_eq!(sender, &None);
        assert!(!attachments.contains("name"), "{attachments}");
    }
    assert!(messages.iter().any(|(_, a)| a.contains("application/pdf")));
    // The mail: no recipients, no contents, no errors, no per-hour trail.
    let mail: Vec<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT recipients, context, last_error, in_reply_to FROM outbox WHERE purged_at IS NOT NULL",
    )
    .fetch_all(s.store.pool())
    .await
    .expect("outbox");
    for row in &mail {
        assert_eq!(
            row,
            &(r#"{"to":[],"cc":[]}"#.into(), "{}".into(), None, None)
        );
    }
    let trail: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox_recipients WHERE outbox_id IN \
         (SELECT id FROM outbox WHERE purged_at IS NOT NULL)",
    )
    .fetch_one(s.store.pool())
    .await
    .expect("count");
    assert_eq!(trail, 0);
    // The events: the leads and the failure are gone, the mail's purpose stays.
    let details: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT kind, detail FROM events WHERE case_id = (SELECT id FROM cases WHERE reference = $1) ORDER BY id",
    )
    .bind(&s.samuel)
    .fetch_all(s.store.pool())
    .await
    .expect("events");
    for (kind, detail) in &details {
        match kind.as_str() {
            "lead_officer_named" | "case_lead_changed" | "mail_failed" | "case_closed" => {
                assert_eq!(detail, &None, "{kind}")
            }
            "mail_queued" | "referral_received" => assert!(detail.is_some(), "{kind}"),
            _ => {}
        }
    }
    let erased: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM events WHERE detail IS NULL AND case_id IN \
         (SELECT id FROM cases WHERE purged_at IS NOT NULL)",
    )
    .fetch_one(s.store.pool())
    .await
    .expect("count");
    assert!(
        counts.events >= 4 && counts.events as i64 <= erased,
        "{counts:?}"
    );
    // The purge is on record.
    let log: Vec<(i64, i64, i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT cases, messages, outbox, events, finished_at FROM purges ORDER BY id",
    )
    .fetch_all(s.store.pool())
    .await
    .expect("purges");
    assert_eq!(log.len(), 1, "one record, none for the dry run");
    let (c, m, o, e, finished) = &log[0];
    assert_eq!(
        (*c as u64, *m as u64, *o as u64, *e as u64),
        (counts.cases, counts.messages, counts.outbox, counts.events)
    );
    assert!(finished.is_some());

    // Again: nothing to do, nothing changes but the record of the purge.
    let again = s
        .store
        .purge(cutoffs, &s.config, false)
        .await
        .expect("second purge");
    assert_eq!(again, PurgeCounts::default());
    let without_log = |text: &str| {
        text.lines()
            .filter(|l| !l.starts_with("purges|"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let twice = dump(&s.store).await;
    assert_eq!(without_log(&twice), without_log(&after));
    let records: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM purges")
        .fetch_one(s.store.pool())
        .await
        .expect("count");
    assert_eq!(records, 2);
    // A late reply joins the purged case; it goes when its own time comes.
    let reply = format!(
        "From: alice.referrer@justice.gov.uk\r\nTo: housing.solutions@basildon.gov.uk\r\n\
         Message-ID: <late@justice.gov.uk>\r\nSubject: RE: [{}] Referral received\r\n\r\n\
         Is there any news?\r\n",
        s.samuel
    );
    let late = ingest_into(
        &s.store,
        &s.config,
        "basildon",
        reply.as_bytes(),
        uk(2027, 1, 4, 10),
    )
    .await;
    assert_eq!(late.case.map(|c| c.to_string()), Some(s.samuel.clone()));
    assert!(dump(&s.store).await.contains("alice.referrer@"));
    // The council's answer naming a lead officer is kept as a message, but
    // the purged case takes no new personal details from it.
    let answer = format!(
        "From: housing.solutions@basildon.gov.uk\r\nTo: alice.referrer@justice.gov.uk\r\n\
         Message-ID: <late-lead@basildon.gov.uk>\r\nIn-Reply-To: <late@justice.gov.uk>\r\n\
         Subject: RE: [{}] Referral received\r\n\r\n\
         Lead officer: Lena Latecomer\r\nEmail: lena.latecomer@basildon.gov.uk\r\n",
        s.samuel
    );
    let answered = ingest_into(
        &s.store,
        &s.config,
        "basildon",
        answer.as_bytes(),
        uk(2027, 1, 4, 11),
    )
    .await;
    assert_eq!(answered.case.map(|c| c.to_string()), Some(s.samuel.clone()));
    let after_answer = dump(&s.store).await;
    assert!(
        !after_answer.contains("Lena Latecomer") && !after_answer.contains("lena.latecomer@"),
        "a purged case takes no lead officer"
    );
    sqlx::query("UPDATE messages SET recorded_at = received_at WHERE id = $1")
        .bind(late.message_row)
        .execute(s.store.pool())
        .await
        .expect("date the reply");
    sqlx::query("UPDATE messages SET recorded_at = received_at WHERE id = $1")
        .bind(answered.message_row)
        .execute(s.store.pool())
        .await
        .expect("date the answer");
    let late_purge = s
        .store
        .purge(cutoffs, &s.config, false)
        .await
        .expect("third purge");
    assert_eq!(
        late_purge,
        PurgeCounts {
            messages: 2,
            ..PurgeCounts::default()
        }
    );
    assert!(!dump(&s.store).await.contains("alice.referrer@"));
    // Open cases are never purged, however old.
    let much_later = s
        .store
        .purge(
            dtr_gateway::retention::cutoffs(&s.config, uk(2099, 1, 1, 0)),
            &s.config,
            true,
        )
        .await
        .expect("dry run");
    assert_eq!(much_later.cases, 1, "only Rita, closed; Olive is open");
}

async fn events_stay_append_only_but_for_erasing_a_detail(db: TestDb) {
    let s = seeded(db).await;
    let (id, other_case): (i64, i64) = sqlx::query_as(
        "SELECT e.id, (SELECT MAX(id) FROM cases) FROM events e \
         WHERE e.detail IS NOT NULL AND e.message_id IS NOT NULL ORDER BY e.id LIMIT 1",
    )
    .fetch_one(s.store.pool())
    .await
    .expect("an event");
    let refused = [
        "UPDATE events SET kind = 'x' WHERE id = $1",
        "UPDATE events SET detail = '{}' WHERE id = $1",
        "UPDATE events SET detail = NULL, at = '2000-01-01T00:00:00+00:00' WHERE id = $1",
        "UPDATE events SET detail = NULL, message_id = NULL WHERE id = $1",
        "UPDATE events SET id = id + 100000 WHERE id = $1",
        "DELETE FROM events WHERE id = $1",
    ];
    for sql in refused {
        let result = sqlx::query(sql).bind(id).execute(s.store.pool()).await;
        assert!(result.is_err(), "allowed: {sql}");
    }
    let moved = sqlx::query("UPDATE events SET case_id = $2 WHERE id = $1")
        .bind(id)
        .bind(other_case)
        .execute(s.store.pool())
        .await;
    assert!(moved.is_err(), "an event moved to another case");
    sqlx::query("UPDATE events SET detail = NULL WHERE id = $1")
        .bind(id)
        .execute(s.store.pool())
        .await
        .expect("erasing a detail is allowed");
    let detail: Option<String> = sqlx::query_scalar("SELECT detail FROM events WHERE id = $1")
        .bind(id)
        .fetch_one(s.store.pool())
        .await
        .expect("event");
    assert_eq!(detail, None);
}

/// A referral whose form gives no readable consent: recorded as incomplete,
/// the referrer asked for consent by its label, and, when no later form
/// confirms it within `unconfirmed_consent_days`, the case lapses and its
/// personal details are erased. One whose consent a later form confirms,
/// and one incomplete for another reason, are kept.
async fn a_referral_without_a_consent_answer_is_asked_for_it_and_lapses_unconfirmed(db: TestDb) {
    let dir = TempDir::new().expect("temp dir");
    let store = Store::open(&db.new_store_url(dir.path()))
        .await
        .expect("store");
    let (mut config, _) = Config::embedded().expect("config");
    config.answer_max_age = chrono::Duration::days(36_500);
    config.outgoing.transport = dtr_gateway::config::Transport::Files(dir.path().join("outbox"));
    config.retention.unconfirmed_consent_days = 10;
    // These forms carry no verdict on their senders: a deployment that
    // trusts such mail lets a referrer's second form complete their case.
    for mailbox in &mut config.mailboxes {
        mailbox.trust.trust_unauthenticated = true;
    }
    let received = uk(2026, 11, 23, 10);
    let put = |raw: Vec<u8>| {
        let (store, config) = (store.clone(), &config);
        async move { ingest_into(&store, config, "basildon", &raw, received).await }
    };
    let case = |r: dtr_gateway::store::Recorded| r.case.expect("a case").to_string();
    // The consent question offered as boxes, neither ticked.
    let uma = Form {
        id: "u1@justice.gov.uk",
        from: "una.officer@justice.gov.uk",
        name: "Uma Unconfirmed",
        dob: "07/07/1977",
        prison_number: "U7777UU",
        consent: "\u{2610} Yes \u{2610} No",
        referrer: ("Una Officer", "una.officer@justice.gov.uk"),
        case_lead: ("Una Lead", "una.lead@justice.gov.uk"),
        attachment: Some("Uma Unconfirmed licence.pdf"),
        ..SAMUEL
    };
    let uma_case = case(put(referral(&uma)).await);
    // Consent left empty, then given in a second referral.
    let carl = Form {
        id: "c1@justice.gov.uk",
        from: "cora.officer@justice.gov.uk",
        name: "Carl Confirmedlater",
        dob: "08/08/1988",
        prison_number: "C8888CC",
        consent: "",
        referrer: ("Cora Officer", "cora.officer@justice.gov.uk"),
        case_lead: ("Cora Lead", "cora.lead@justice.gov.uk"),
        attachment: None,
        ..SAMUEL
    };
    let carl_case = case(put(referral(&carl)).await);
    // Consent given, the referrer's phone missing.
    let pat = String::from_utf8(referral(&Form {
        id: "p1@justice.gov.uk",
        from: "pia.officer@justice.gov.uk",
        name: "Pat Phoneless",
        dob: "09/09/1999",
        prison_number: "P9999PP",
        referrer: ("Pia Officer", "pia.officer@justice.gov.uk"),
        case_lead: ("Pia Lead", "pia.lead@justice.gov.uk"),
        attachment: None,
        ..SAMUEL
    }))
    .expect("utf-8")
    .replace("Referrer phone: 01245 000000\r\n", "");
    let pat_case = case(put(pat.into_bytes()).await);

    // Recorded as incomplete, with consent what is missing.
    for (reference, missing) in [
        (&uma_case, "consent"),
        (&carl_case, "consent"),
        (&pat_case, "referrer_phone"),
    ] {
        let detail = store.case(reference).await.expect("case");
        assert_eq!(detail.summary.status, "incomplete", "{reference}");
        assert_eq!(detail.missing, [missing], "{reference}");
    }
    // The referrer is asked for consent by its label, in the mail itself.
    let sender = dtr_gateway::outbox::Sender {
        store: store.clone(),
        config: std::sync::Arc::new(config.clone()),
        templates: common::templates(),
        as_of: None,
    };
    let (_stop, shutdown) = dtr_gateway::shutdown::Shutdown::new();
    sender.send_due(&shutdown).await.expect("send");
    let asked = store
        .outbox(false)
        .await
        .expect("outbox")
        .into_iter()
        .find(|r| r.case_ref.as_deref() == Some(uma_case.as_str()) && r.purpose == "incomplete")
        .expect("an incomplete mail for Uma's referral");
    assert_eq!(asked.to, ["una.officer@justice.gov.uk"]);
    assert_eq!(asked.status, "sent");
    let written = std::fs::read_dir(dir.path().join("outbox"))
        .expect("outbox folder")
        .map(|e| std::fs::read(e.expect("entry").path()).expect("mail file"))
        .find(|raw| String::from_utf8_lossy(raw).contains(&asked.message_id))
        .expect("the incomplete mail was written");
    let mail = mail_parser::MessageParser::default()
        .parse(&written)
        .expect("a mail");
    let text = mail
        .body_text(0)
        .expect("a text part")
        .replace("\r\n", "\n");
    assert!(
        mail.subject().is_some_and(|s| s.contains(&uma_case)),
        "{:?}",
        mail.subject()
    );
    assert!(
        text.contains("Please give: Consent to referral.\n"),
        "{text}"
    );
    // And from which day the details go if consent never comes: the
    // configured days after the case opened, as the purge counts them.
    let opened = store
        .case(&uma_case)
        .await
        .expect("case")
        .opened_at
        .expect("opened");
    let erased = dtr_gateway::core::uk::date(
        opened + chrono::Duration::days(i64::from(config.retention.unconfirmed_consent_days)),
    );
    let said = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        said.contains(&format!(
            "the details it gives about the person are deleted from {}.",
            erased.format("%A %-d %B %Y")
        )),
        "{said}"
    );

    // Carl's referrer sends the form again, consent given: the case is his.
    let confirmed = put(referral(&Form {
        id: "c2@justice.gov.uk",
        consent: "Yes",
        ..carl
    }))
    .await;
    assert_eq!(
        confirmed.case.map(|c| c.to_string()),
        Some(carl_case.clone())
    );
    assert_eq!(
        store.case(&carl_case).await.expect("case").summary.status,
        "open"
    );
    for sql in [
        "UPDATE cases SET opened_at = received_at",
        "UPDATE messages SET recorded_at = received_at",
    ] {
        sqlx::query(sql).execute(store.pool()).await.expect("dates");
    }

    // Nine days on (ten configured), nothing lapses.
    let before = dump(&store).await;
    // From the start of the day named (the end of the day ten days back).
    let early = dtr_gateway::retention::cutoffs(&config, uk(2026, 12, 2, 10));
    assert_eq!(early.unconfirmed_consent, uk(2026, 11, 23, 0));
    let counts = store
        .purge(early, &config, false)
        .await
        .expect("early purge");
    assert_eq!(counts, PurgeCounts::default());
    let without_purges = |dump: &str| {
        dump.lines()
            .filter(|l| !l.starts_with("purges|"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(without_purges(&dump(&store).await), without_purges(&before));

    // Eleven days on: Uma's case lapses; the dry run counts it exactly.
    let due = dtr_gateway::retention::cutoffs(&config, uk(2026, 12, 4, 10));
    let dry = store.purge(due, &config, true).await.expect("dry run");
    assert_eq!(
        without_purges(&dump(&store).await),
        without_purges(&before),
        "a dry run changed the store"
    );
    let counts = store.purge(due, &config, false).await.expect("purge");
    assert_eq!(counts, dry, "the dry run counted what the purge did");
    assert_eq!(
        (counts.cases, counts.unconfirmed_consent),
        (1, 1),
        "{counts:?}"
    );
    assert!(
        counts.outbox >= 2,
        "the incomplete mail and the notice: {counts:?}"
    );

    let after = dump(&store).await;
    for personal in [
        "Uma",
        "Unconfirmed",
        "1977-07-07",
        "U7777UU",
        "Una Lead",
        "una.lead@",
        "licence.pdf",
    ] {
        assert!(before.contains(personal), "{personal} was never stored");
        assert!(!after.contains(personal), "{personal} is still stored");
    }
    // The referrer's address stays only in the mail that tells them, until
    // it has gone.
    let holding: Vec<&str> = after
        .lines()
        .filter(|l| l.contains("una.officer@"))
        .collect();
    assert!(
        holding.iter().all(|l| l.starts_with("outbox_recipients|")
            || (l.starts_with("outbox|") && l.contains("consent_lapsed"))),
        "{holding:#?}"
    );
    sender.send_due(&shutdown).await.expect("send");
    let told: Vec<_> = store
        .outbox(false)
        .await
        .expect("outbox")
        .into_iter()
        .filter(|r| r.purpose == "consent_lapsed")
        .collect();
    assert_eq!(told.len(), 1, "only Uma's referral lapsed: {told:?}");
    assert_eq!(told[0].case_ref.as_deref(), Some(uma_case.as_str()));
    assert_eq!(told[0].to, ["una.officer@justice.gov.uk"]);
    assert!(told[0].cc.is_empty(), "not the case lead: {told:?}");
    assert_eq!(told[0].status, "sent");
    let written = std::fs::read_dir(dir.path().join("outbox"))
        .expect("outbox folder")
        .map(|e| std::fs::read(e.expect("entry").path()).expect("mail file"))
        .find(|raw| String::from_utf8_lossy(raw).contains(&told[0].message_id))
        .expect("the lapse mail was written");
    let mail = mail_parser::MessageParser::default()
        .parse(&written)
        .expect("a mail");
    let said = mail
        .body_text(0)
        .expect("a text part")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        mail.subject().is_some_and(|s| s.contains(&uma_case)),
        "{:?}",
        mail.subject()
    );
    for words in [
        "received on Monday 23 November 2026",
        // Ten days after it opened (its opening moved back to when it came).
        "consent to the referral was not confirmed by Thursday 3 December 2026",
        "the referral has lapsed",
        "as a new email, not as a reply to this one",
    ] {
        assert!(said.contains(words), "{words:?} not in {said}");
    }
    let whole = String::from_utf8_lossy(&written);
    for personal in ["Uma", "Unconfirmed", "1977", "U7777UU", "Una", "una.lead@"] {
        assert!(!whole.contains(personal), "{personal} in the lapse mail");
    }
    for kept in ["Carl Confirmedlater", "C8888CC", "Pat Phoneless", "P9999PP"] {
        assert!(after.contains(kept), "{kept} was erased");
    }
    // A person sees why.
    let lapsed = store.case(&uma_case).await.expect("case");
    assert_eq!(lapsed.summary.status, "lapsed");
    // The lapse, then the mail that told the referrer, queued and sent.
    let kinds: Vec<(&str, Option<&str>)> = lapsed
        .events
        .iter()
        .map(|e| (e.kind.as_str(), e.detail.as_deref()))
        .collect();
    let at = kinds
        .iter()
        .position(|(kind, _)| *kind == "consent_lapsed")
        .expect("the lapse on the timeline");
    assert_eq!(kinds[at].1, Some(r#"{"days":10}"#));
    assert_eq!(
        kinds[at + 1..].iter().map(|(k, _)| *k).collect::<Vec<_>>(),
        ["mail_queued", "mail_sent"],
        "{kinds:?}"
    );
    assert!(
        lapsed.events.iter().any(|e| e.kind == "referral_received"),
        "the timeline stays"
    );
    // What the report counts is kept.
    assert_eq!(
        lapsed.referral.referral_type,
        Some(dtr_gateway::core::referral::ReferralType::DutyToRefer)
    );
    for (reference, status) in [(&carl_case, "open"), (&pat_case, "incomplete")] {
        assert_eq!(
            store.case(reference).await.expect("case").summary.status,
            status
        );
    }

    // Nothing more to do; a lapsed case is no longer open: consent given
    // now makes a new case.
    let again = store
        .purge(due, &config, false)
        .await
        .expect("second purge");
    assert_eq!(
        again,
        PurgeCounts {
            outbox: 1,
            ..PurgeCounts::default()
        },
        "the lapse mail, sent, is erased in turn"
    );
    assert!(!dump(&store).await.contains("una.officer@"));
    let later = put(referral(&Form {
        id: "u2@justice.gov.uk",
        consent: "Yes",
        ..uma
    }))
    .await;
    assert_eq!(later.action, dtr_gateway::store::Action::Opened);
    assert_ne!(later.case.map(|c| c.to_string()), Some(uma_case));
}

#[test]
fn the_retention_period_is_checked_with_its_file_and_key() {
    let authorities = include_str!("../config/authorities.toml");
    let holidays = include_str!("../config/bank-holidays.json");
    let load = |retention: &str| {
        let gateway = format!(
            "[gateway]\ndatabase = \"sqlite::memory:\"\n[referrers]\n\
             allowed_domains = [\"*.gov.uk\"]\n{retention}\n"
        );
        Config::from_strings(&gateway, authorities, holidays)
    };
    let (config, _) = load("").expect("valid");
    assert_eq!(config.retention.closed_case_months, 24);
    let (config, _) = load("[retention]\nclosed_case_months = 6").expect("valid");
    assert_eq!(config.retention.closed_case_months, 6);
    let utc = |y, m, d| {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0)
            .single()
            .expect("time")
    };
    assert_eq!(
        config.retention.cutoff(utc(2027, 8, 31)),
        utc(2027, 2, 28),
        "whole months, the end of a shorter month"
    );
    for (value, message) in [
        ("0", "retention.closed_case_months: must be at least 1"),
        ("-3", "retention.closed_case_months: must be at least 1"),
        (
            "\"24\"",
            "retention.closed_case_months: must be a whole number",
        ),
        (
            "2.5",
            "retention.closed_case_months: must be a whole number",
        ),
        (
            "100000",
            "retention.closed_case_months: must be a whole number",
        ),
    ] {
        let err = load(&format!("[retention]\nclosed_case_months = {value}")).expect_err(value);
        // The file and its line, then the key and what is wrong.
        assert!(
            err.to_string().contains("gateway.toml:") && err.to_string().contains(message),
            "{value}: {err}"
        );
    }
    let err = load("[retention]\nclosed_months = 6").expect_err("unknown key");
    assert!(
        err.to_string().contains("gateway.toml") && err.to_string().contains("closed_months"),
        "{err}"
    );
    let (embedded, _) = Config::embedded().expect("embedded");
    assert_eq!(embedded.retention.closed_case_months, 24);
    assert_eq!(embedded.retention.unconfirmed_consent_days, 14);

    // An unconfirmed consent: whole days.
    let (config, _) = load("").expect("valid");
    assert_eq!(config.retention.unconfirmed_consent_days, 14);
    let (config, _) = load("[retention]\nunconfirmed_consent_days = 30").expect("valid");
    assert_eq!(config.retention.unconfirmed_consent_days, 30);
    assert_eq!(config.retention.closed_case_months, 24);
    // From the start of the day named, in England: on Wednesday 31 March
    // 2027 (summer time), at any hour, a case opened thirty days of hours
    // before the day's end lapses (1 March 23:00, GMT: the hour the clocks
    // went forward between).
    for hour in [0, 12, 22] {
        assert_eq!(
            config
                .retention
                .unconfirmed_consent_cutoff(uk(2027, 3, 31, hour)),
            uk(2027, 3, 1, 23)
        );
    }
    for (value, message) in [
        (
            "0",
            "retention.unconfirmed_consent_days: must be at least 1",
        ),
        (
            "-14",
            "retention.unconfirmed_consent_days: must be at least 1",
        ),
        (
            "\"14\"",
            "retention.unconfirmed_consent_days: must be a whole number of days from 1 to 365",
        ),
        (
            "1.5",
            "retention.unconfirmed_consent_days: must be a whole number of days",
        ),
        (
            "400",
            "retention.unconfirmed_consent_days: must be a whole number of days",
        ),
    ] {
        let err =
            load(&format!("[retention]\nunconfirmed_consent_days = {value}")).expect_err(value);
        assert!(
            err.to_string().contains("gateway.toml:") && err.to_string().contains(message),
            "{value}: {err}"
        );
    }
}

#[test]
fn purge_on_the_command_line() {
    let dir = TempDir::new().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/referrals");
    let (ok, text) = gateway(
        &database,
        &[
            "ingest",
            "--mailbox",
            "colchester",
            &examples.join("complete-referral.eml").to_string_lossy(),
            &examples
                .join("referral-without-consent.eml")
                .to_string_lossy(),
        ],
    );
    assert!(ok, "{text}");
    let reference = text
        .split_whitespace()
        .find(|w| w.starts_with("DTR-COL-"))
        .expect("a reference")
        .to_string();
    let (ok, text) = gateway(
        &database,
        &[
            "case",
            &reference,
            "close",
            "--outcome",
            "personal-housing-plan-agreed",
        ],
    );
    assert!(ok, "{text}");

    // Closed today: nothing is due yet.
    let (ok, text) = gateway(&database, &["purge", "--dry-run"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("purge --dry-run: cases=0 messages=0 outbox=0 events=0"),
        "{text}"
    );
    assert!(text.contains("(24 months)"), "{text}");
    assert!(
        text.contains("incomplete cases whose consent was never confirmed")
            && text.contains("(14 days)"),
        "{text}"
    );
    assert!(text.contains("nothing was changed"), "{text}");

    // Years on: the closed case and the refusal would go; nothing does.
    let (ok, text) = gateway(&database, &["purge", "--dry-run", "--now", "2099-01-01"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("purge --dry-run: cases=2 messages=2 "),
        "{text}"
    );
    assert!(
        text.contains("dry run: these would be erased; nothing was changed"),
        "{text}"
    );
    let (ok, text) = gateway(&database, &["case", &reference]);
    assert!(ok && text.contains("Daniel Marsh"), "{text}");

    let (ok, text) = gateway(&database, &["purge", "--now", "2099-01-01T09:00:00Z"]);
    assert!(ok, "{text}");
    assert!(text.contains("purge: cases=2 messages=2 "), "{text}");
    assert!(text.contains("personal details erased"), "{text}");
    let (ok, text) = gateway(&database, &["case", &reference]);
    assert!(ok, "{text}");
    assert!(
        !text.contains("Daniel Marsh") && !text.contains("A4821KT"),
        "{text}"
    );
    assert!(
        text.contains("Case closed") && text.contains("Referral received"),
        "{text}"
    );
    let (ok, text) = gateway(&database, &["purge", "--now", "2099-01-01T09:00:00Z"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("purge: cases=0 messages=0 outbox=0 events=0"),
        "{text}"
    );
    assert!(text.contains("nothing to erase"), "{text}");

    let (ok, text) = gateway(&database, &["purge", "--now", "soon"]);
    assert!(!ok && text.contains("`soon` is neither a time"), "{text}");
}
