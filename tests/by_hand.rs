//! Referrals by other routes: a telephone call or a portal's notice is
//! recorded by a person with `case new` and tracked like any other; a
//! portal's notification sender is never written to; the report says what
//! it counts.

mod common;

use chrono::Datelike;
use common::gateway_cli as gateway;
use common::world::*;
use std::io::Write;
use std::process::{Command, Stdio};
use tempfile::TempDir;

/// The form a person types from a telephone call: the template's labels.
fn phoned_form(referrer_email: &str) -> String {
    let release = (chrono::Utc::now() + chrono::Duration::days(365))
        .format("%d/%m/%Y")
        .to_string();
    format!(
        "DUTY TO REFER REFERRAL\nReferral type: Duty to Refer\nFull name: Samuel Testperson\n\
         Date of birth: 14/07/1988\nPrison number: A1234BC\nCustody status: sentenced\n\
         Expected release date: {release}\nConsent to referral: Yes\n\
         Reason at risk of homelessness: Tenancy lost during sentence\nLocal connection: resident\n\
         Referring agency: HMP Chelmsford\nReferrer name: Jo Probation\n\
         Referrer email: {referrer_email}\nReferrer phone: 01245 000000\n"
    )
}

fn line_of<'a>(text: &'a str, start: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(start))
        .unwrap_or_else(|| panic!("no line with {start:?} in:\n{text}"))
}

/// Runs the binary with `input` on its standard input (not a terminal).
fn gateway_with_input(database: &str, args: &[&str], input: &str) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dtr-gateway"))
        .arg("--database")
        .arg(database)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dtr-gateway");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write the form");
    let out = child.wait_with_output().expect("output");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn a_referral_by_telephone_is_recorded_from_a_form_file_and_tracked_like_any_other() {
    let dir = TempDir::new().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    let file = dir.path().join("call.txt");
    std::fs::write(&file, phoned_form("jo.probation@justice.gov.uk")).expect("write");
    let (ok, out) = gateway(
        &database,
        &[
            "case",
            "new",
            "--authority",
            "COL",
            "--route",
            "phone",
            "--file",
            &file.to_string_lossy(),
            "--by",
            "Sam Officer",
        ],
    );
    assert!(ok, "{out}");
    let first = line_of(&out, "Recorded DTR-COL-");
    assert!(
        first.ends_with(
            "for Colchester City Council: a referral made by telephone, entered by Sam Officer."
        ),
        "{out}"
    );
    assert!(
        out.contains("The referral is complete: its deadlines run from today."),
        "{out}"
    );
    assert!(
        out.contains("The referrer (jo.probation@justice.gov.uk) is written to"),
        "{out}"
    );
    let reference = first
        .split_whitespace()
        .nth(1)
        .expect("a reference")
        .to_string();

    // The case reads like any other, and says who entered it and how.
    let (ok, case) = gateway(&database, &["case", &reference]);
    assert!(ok, "{case}");
    assert!(
        line_of(&case, "recorded by hand")
            .contains("Referral made by telephone recorded by hand by Sam Officer"),
        "{case}"
    );
    assert!(
        line_of(&case, "Full name").contains("Samuel Testperson"),
        "{case}"
    );
    // Its deadlines are tracked: acknowledgement and lead officer.
    let (ok, due) = gateway(&database, &["due", "--now", "2099-01-05"]);
    assert!(ok && due.contains(&reference), "{due}");

    // Only what the protocol owes the referrer: the acknowledgement, not a
    // notice to the authority that entered it.
    let (ok, outbox) = gateway(&database, &["outbox"]);
    assert!(ok, "{outbox}");
    assert!(outbox.contains("acknowledgement"), "{outbox}");
    assert!(!outbox.contains("notice"), "{outbox}");

    // The report says what it counts, and counts the call.
    let today = chrono::Utc::now();
    let quarter = format!("{}Q{}", today.year(), (today.month() - 1) / 3 + 1);
    let (ok, report) = gateway(
        &database,
        &["report", "--quarter", &quarter, "--authority", "COL"],
    );
    assert!(ok, "{report}");
    assert!(
        report.contains(
            "This report counts the referrals received by email and read by the gateway, and \
             those recorded by hand"
        ),
        "{report}"
    );
    let section = report
        .split("## How referrals came")
        .nth(1)
        .expect("the routes' section");
    let header = line_of(section, "By hand: telephone");
    let row = line_of(section, "| COL ");
    let column = |name: &str| {
        let at = header
            .split('|')
            .position(|c| c.trim() == name)
            .unwrap_or_else(|| panic!("no column {name}: {header}"));
        row.split('|')
            .nth(at)
            .map(str::trim)
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(column("By hand: telephone"), "1", "{section}");
    assert_eq!(column("By email, read by the gateway"), "0", "{section}");
}

#[test]
fn a_form_piped_in_without_a_referrer_address_sends_nothing() {
    let dir = TempDir::new().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    // Typed without the heading, the referrer giving no address.
    let form = phoned_form("")
        .replace("DUTY TO REFER REFERRAL\n", "")
        .replace("Referrer email: \n", "");
    let (ok, out) = gateway_with_input(
        &database,
        &[
            "case",
            "new",
            "--authority",
            "Colchester",
            "--route",
            "portal",
        ],
        &form,
    );
    assert!(ok, "{out}");
    assert!(out.contains("a referral made through a portal"), "{out}");
    assert!(
        out.contains("No mail is sent: the form gives no referrer address"),
        "{out}"
    );
    let (_, outbox) = gateway(&database, &["outbox"]);
    assert!(!outbox.contains("acknowledgement"), "{outbox}");

    // Nor to an address outside the domains allowed to refer, though the
    // form is incomplete and would ask its referrer for the rest.
    // (Another person: the same one again would complete the first case.)
    let form = phoned_form("someone@example.org")
        .replace("Date of birth: 14/07/1988\n", "")
        .replace("A1234BC", "B7654CD")
        .replace("Samuel Testperson", "Other Testperson");
    let (ok, out) = gateway_with_input(
        &database,
        &["case", "new", "--authority", "COL", "--route", "phone"],
        &form,
    );
    assert!(
        ok && out.contains("The referral is incomplete: Date of birth"),
        "{out}"
    );
    assert!(out.contains("No mail is sent"), "{out}");
    let (_, outbox) = gateway(&database, &["outbox"]);
    assert!(
        !outbox.contains("example.org") && !outbox.contains("incomplete"),
        "{outbox}"
    );
}

#[test]
fn case_new_refuses_what_it_cannot_record_with_a_sentence() {
    let dir = TempDir::new().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    let file = dir.path().join("call.txt");
    std::fs::write(&file, phoned_form("jo.probation@justice.gov.uk")).expect("write");
    let path = file.to_string_lossy().to_string();

    let (ok, out) = gateway(
        &database,
        &["case", "new", "--authority", "COL", "--file", &path],
    );
    assert!(!ok && out.contains("how did the referral come?"), "{out}");
    let (ok, out) = gateway(
        &database,
        &["case", "new", "--route", "phone", "--file", &path],
    );
    assert!(
        !ok && out.contains("which authority is the referral for?"),
        "{out}"
    );
    let (ok, out) = gateway(
        &database,
        &["case", "DTR-COL-2026-00001", "--route", "phone"],
    );
    assert!(!ok && out.contains("go with `case new`"), "{out}");
    let (ok, out) = gateway_with_input(
        &database,
        &["case", "new", "--authority", "COL", "--route", "other"],
        "Hello, please call me back about a referral.\n",
    );
    assert!(!ok && out.contains("not recorded"), "{out}");
    // A form naming another authority is not put under this one.
    std::fs::write(
        &file,
        phoned_form("jo.probation@justice.gov.uk") + "Local housing authority: Basildon\n",
    )
    .expect("write");
    let (ok, out) = gateway(
        &database,
        &[
            "case",
            "new",
            "--authority",
            "COL",
            "--route",
            "phone",
            "--file",
            &path,
        ],
    );
    assert!(
        !ok && out.contains("the form names another authority (BAS)"),
        "{out}"
    );
    let (_, cases) = gateway(&database, &["cases"]);
    assert!(!cases.contains("DTR-"), "nothing was recorded: {cases}");
}

/// A portal's ALERT notification, from its no-reply sender.
fn portal_alert(from: &str, id: &str, body: &str) -> Vec<u8> {
    format!(
        "{}From: Housing Portal <{from}>\r\nTo: dutytorefer@colchester.gov.uk\r\n\
         Subject: ALERT: new Duty to Refer referral submitted\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\
         Message-ID: <{id}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}",
        passed("portal.example.gov.uk")
    )
    .into_bytes()
}

#[tokio::test]
async fn a_portal_notification_is_handed_to_the_authority_and_never_answered() {
    let w = world_with(|c| {
        c.portal_senders =
            vec![
                dtr_gateway::core::address::EmailAddress::parse("alerts@portal.example.gov.uk")
                    .expect("address"),
            ]
    })
    .await;
    // A no-reply sender whose notice carries the form, and a listed sender
    // whose notice says only that a referral waits on the portal.
    let with_form = portal_alert(
        "no-reply@portal.example.gov.uk",
        "alert-1@portal.example.gov.uk",
        &form_text(&[("Referrer email", "no-reply@portal.example.gov.uk")]),
    );
    let notice_only = portal_alert(
        "alerts@portal.example.gov.uk",
        "alert-2@portal.example.gov.uk",
        "A new referral has been submitted. Sign in to the portal to view it.",
    );
    for raw in [&with_form, &notice_only] {
        let recorded = w.put("colchester", raw, uk(2026, 11, 23, 10, 0)).await;
        assert!(
            matches!(&recorded.action, dtr_gateway::store::Action::Quarantined(why)
                if why.contains("dtr-gateway case new --route portal")),
            "{recorded:?}"
        );
    }
    w.send().await;
    let rows = w.all_rows().await;
    assert!(
        rows.iter()
            .all(|r| r.purpose == "quarantine_notice" && r.to == ["dutytorefer@colchester.gov.uk"]),
        "only the authority hears of it: {rows:?}"
    );
    assert_eq!(rows.len(), 2);
    let text = one_line(&w.text_of(&rows[0]));
    assert!(text.contains("case new --route portal"), "{text}");
    // One instruction: record it by hand, not release it.
    assert!(
        text.contains("a portal gets no mail") && !text.contains("can release it"),
        "{text}"
    );

    // Released by a person, the referral opens its case, and still nothing
    // goes to the portal: no acknowledgement, and later no chase.
    let id = w
        .store
        .quarantined()
        .await
        .expect("quarantined")
        .into_iter()
        .find(|q| q.sender.as_deref() == Some("no-reply@portal.example.gov.uk"))
        .expect("the portal's notice")
        .id;
    let message = w
        .store
        .quarantined_message(id)
        .await
        .expect("read")
        .expect("kept");
    dtr_gateway::intake::release(
        &w.store,
        &w.config,
        dtr_gateway::intake::Release {
            message: &message,
            by: "Sam Officer",
        },
    )
    .await
    .expect("released");
    w.sweep_days(day(2026, 11, 23), day(2026, 12, 10)).await;
    w.send().await;
    let to_portal: Vec<_> = w
        .all_rows()
        .await
        .into_iter()
        .filter(|r| {
            r.to.iter()
                .chain(r.cc.iter())
                .any(|a| a.contains("portal.example.gov.uk"))
        })
        .collect();
    assert!(to_portal.is_empty(), "{to_portal:?}");
}

#[test]
fn the_same_referral_entered_again_completes_an_incomplete_case_or_is_refused() {
    let dir = TempDir::new().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    let new_case = |form: &str, again: bool| {
        let mut args = vec![
            "case",
            "new",
            "--authority",
            "COL",
            "--route",
            "phone",
            "--by",
            "Sam",
        ];
        if again {
            args.push("--again");
        }
        gateway_with_input(&database, &args, form)
    };
    let acks = |database: &str| {
        let (ok, out) = gateway(database, &["outbox"]);
        assert!(ok, "{out}");
        out.lines()
            .filter(|l| l.to_ascii_lowercase().contains("acknowledgement"))
            .count()
    };
    // First entered without the reason (incomplete).
    let complete = phoned_form("jo.probation@justice.gov.uk");
    let incomplete: String = complete
        .lines()
        .filter(|l| !l.starts_with("Reason at risk"))
        .map(|l| format!("{l}\n"))
        .collect();
    let (ok, out) = new_case(&incomplete, false);
    assert!(ok, "{out}");
    assert!(out.contains("The referral is incomplete"), "{out}");
    let reference = line_of(&out, "Recorded DTR-COL-")
        .split_whitespace()
        .nth(1)
        .expect("a reference")
        .to_string();

    // The full form, typed again: it completes the same case.
    let (ok, out) = new_case(&complete, false);
    assert!(ok, "{out}");
    assert!(
        out.contains(&format!(
            "Already recorded as {reference}, incomplete: the form completes it"
        )),
        "{out}"
    );
    let (ok, cases) = gateway(&database, &["cases"]);
    assert!(ok, "{cases}");
    assert_eq!(cases.matches("DTR-COL-").count(), 1, "{cases}");
    let before = acks(&database);

    // Again, now that the case is complete: refused, with its reference.
    let (ok, out) = new_case(&complete, false);
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!("already recorded as {reference}")),
        "{out}"
    );
    assert_eq!(acks(&database), before, "no second acknowledgement");

    // Unless the person says it is another referral.
    let (ok, out) = new_case(&complete, true);
    assert!(ok, "{out}");
    assert!(out.contains("linked to it"), "{out}");
}

#[test]
fn a_form_over_the_limit_is_refused_whole_and_nothing_is_recorded() {
    let dir = TempDir::new().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    // A complete form, then notes past the limit: never cut to fit.
    let mut form = phoned_form("jo.probation@justice.gov.uk");
    form.push_str("Notes: ");
    while form.len() <= 256 * 1024 + 10 {
        form.push_str("é détail ");
    }
    let path = dir.path().join("huge.txt");
    std::fs::write(&path, &form).expect("write");
    let args = ["case", "new", "--authority", "COL", "--route", "phone"];
    let (ok, out) = gateway(
        &database,
        &[&args[..], &["--file", &path.to_string_lossy()]].concat(),
    );
    assert!(!ok, "{out}");
    assert!(out.contains("the form is larger than 256 KiB"), "{out}");
    assert!(!out.contains("not a text file"), "{out}");
    let (ok, out) = gateway_with_input(&database, &args, &form);
    assert!(
        !ok && out.contains("the form is larger than 256 KiB"),
        "{out}"
    );
    let (ok, cases) = gateway(&database, &["cases"]);
    assert!(ok, "{cases}");
    assert!(!cases.contains("DTR-COL-"), "{cases}");
}

#[tokio::test]
async fn a_telephone_referral_is_acknowledged_as_made_by_telephone() {
    let w = world().await;
    let authority = w.config.authorities.by_code("COL").expect("Colchester");
    let form = phoned_form(REFERRER);
    dtr_gateway::intake::record_by_hand(
        &w.store,
        &w.config,
        dtr_gateway::intake::ByHand {
            authority,
            form: &form,
            route: "phone",
            by: "Sam Officer",
            at: uk(2026, 12, 7, 11, 30),
            again: false,
            quarantined: None,
        },
    )
    .await
    .expect("recorded");
    w.send().await;
    let ack = w.rows("acknowledgement").await.remove(0);
    let text = one_line(&w.text_of(&ack));
    assert!(
        text.contains("your Duty to Refer referral made by telephone on Monday 7 December 2026."),
        "{text}"
    );
    assert!(!text.contains("Referral made by telephone\""), "{text}");
    assert!(!text.contains("sent on"), "{text}");
}

#[test]
fn a_no_reply_referrer_address_is_named_as_such_when_no_mail_is_sent() {
    let dir = TempDir::new().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    let (ok, out) = gateway_with_input(
        &database,
        &["case", "new", "--authority", "COL", "--route", "portal"],
        &phoned_form("no-reply@justice.gov.uk"),
    );
    assert!(ok, "{out}");
    assert!(
        out.contains(
            "No mail is sent: the form's referrer address (no-reply@justice.gov.uk) is a \
             no-reply or portal address"
        ),
        "{out}"
    );
}

#[tokio::test]
async fn a_form_giving_a_no_reply_referrer_address_is_acknowledged_to_its_sender() {
    let w = world().await;
    let raw = referral(
        "dutytorefer@colchester.gov.uk",
        "noreply-form@justice.gov.uk",
        &[("Referrer email", "no-reply@justice.gov.uk")],
    );
    w.case("colchester", &raw, uk(2026, 11, 23, 10, 0)).await;
    w.send().await;
    let acks = w.rows("acknowledgement").await;
    assert_eq!(acks.len(), 1, "{acks:?}");
    assert_eq!(acks[0].to, [REFERRER]);
}

/// A referral the gateway cannot read: encrypted, held on Microsoft
/// Purview's portal.
fn encrypted_referral(id: &str) -> Vec<u8> {
    format!(
        "{}From: Jo Probation <{REFERRER}>\r\nTo: dutytorefer@colchester.gov.uk\r\n\
         Subject: Secure message\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\
         Message-ID: <{id}>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Jo Probation has sent you a protected message.\r\n\
         Read the message: https://outlook.office365.com/Encryption/retrieve.ashx?x=1\r\n",
        passed("justice.gov.uk")
    )
    .into_bytes()
}

#[tokio::test]
async fn a_message_the_gateway_cannot_read_is_recorded_by_hand_from_quarantine() {
    let w = world().await;
    let database = format!("sqlite:{}", w.dir.path().join("cases.db").display());
    let set_aside = w
        .put(
            "colchester",
            &encrypted_referral("secure-1@justice.gov.uk"),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    assert!(
        matches!(&set_aside.action, dtr_gateway::store::Action::Quarantined(why)
            if why.starts_with("the message cannot be read")),
        "{set_aside:?}"
    );
    let id = set_aside.message_row.to_string();

    // What works is said: not a release, which would read it again.
    let (ok, shown) = gateway(&database, &["quarantine", "show", &id]);
    assert!(ok, "{shown}");
    assert!(
        shown.contains(&format!("dtr-gateway case new --quarantined {id}")),
        "{shown}"
    );
    assert!(!shown.contains("quarantine release"), "{shown}");

    // The form typed from the message as the officer opened it: it gives
    // no referrer address, the message's sender is the referrer.
    let file = w.dir.path().join("opened.txt");
    std::fs::write(&file, phoned_form("")).expect("write");
    let file = file.to_string_lossy().to_string();
    // Another authority's quarantined message is not recorded as theirs.
    let (ok, out) = gateway(
        &database,
        &[
            "case",
            "new",
            "--quarantined",
            &id,
            "--authority",
            "CHE",
            "--file",
            &file,
        ],
    );
    assert!(!ok && out.contains("arrived for Colchester"), "{out}");
    let (ok, out) = gateway(
        &database,
        &[
            "case",
            "new",
            "--quarantined",
            &id,
            "--file",
            &file,
            "--by",
            "Sam Officer",
        ],
    );
    assert!(ok, "{out}");
    let reference = line_of(&out, "Recorded DTR-COL-")
        .split_whitespace()
        .nth(1)
        .expect("a reference")
        .to_string();
    assert!(
        line_of(&out, "Recorded DTR-COL-")
            .ends_with("a referral made by email, entered by Sam Officer."),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "Quarantined message {id} is settled as recorded by hand as {reference}"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("The referrer ({REFERRER}) is written to")),
        "{out}"
    );

    // Received when the message arrived: its deadlines count from then.
    let case = w.store.case(&reference).await.expect("case");
    assert!(
        case.summary.received_at.starts_with("2026-11-23T10:00"),
        "{}",
        case.summary.received_at
    );
    let message = w
        .store
        .quarantined_message(set_aside.message_row)
        .await
        .expect("read")
        .expect("kept");
    let settled = message.settled.expect("settled");
    assert_eq!(settled.how, "recorded by hand");
    assert_eq!(settled.by, "Sam Officer");
    assert_eq!(settled.note, Some(format!("as case {reference}")));
    let (ok, list) = gateway(&database, &["quarantine"]);
    assert!(ok && list.contains("No message is waiting"), "{list}");
    let (ok, shown) = gateway(&database, &["quarantine", "show", &id]);
    assert!(ok, "{shown}");
    assert!(
        shown.contains("Settled:   recorded by hand on")
            && shown.contains(&format!("by Sam Officer (as case {reference})")),
        "{shown}"
    );
    let (ok, timeline) = gateway(&database, &["case", &reference]);
    assert!(ok, "{timeline}");
    assert!(
        line_of(&timeline, "recorded by hand").contains(&format!(
            "Referral made by email recorded by hand by Sam Officer, from quarantined message {id}"
        )),
        "{timeline}"
    );

    // Settled, it is not recorded twice.
    let (ok, out) = gateway(
        &database,
        &["case", "new", "--quarantined", &id, "--file", &file],
    );
    assert!(!ok && out.contains("already settled"), "{out}");
    let (ok, cases) = gateway(&database, &["cases"]);
    assert!(ok && cases.matches("DTR-COL-").count() == 1, "{cases}");

    // The acknowledgement answers the referrer's message, and the
    // referrer's reply to their own message joins the case.
    let ack = w.rows("acknowledgement").await.remove(0);
    assert_eq!(ack.to, [REFERRER]);
    assert_eq!(
        ack.in_reply_to.as_deref(),
        Some("<secure-1@justice.gov.uk>")
    );
    let reply = format!(
        "{}From: Jo Probation <{REFERRER}>\r\nTo: dutytorefer@colchester.gov.uk\r\n\
         Subject: Re: Secure message\r\nDate: Tue, 24 Nov 2026 09:00:00 +0000\r\n\
         Message-ID: <secure-2@justice.gov.uk>\r\nIn-Reply-To: <secure-1@justice.gov.uk>\r\n\
         References: <secure-1@justice.gov.uk>\r\nContent-Type: text/plain\r\n\r\n\
         He has a new mobile number.\r\n",
        passed("justice.gov.uk")
    );
    let recorded = w
        .put("colchester", reply.as_bytes(), uk(2026, 11, 24, 9, 0))
        .await;
    assert_eq!(
        recorded.case.as_ref().map(|c| c.to_string()),
        Some(reference.clone()),
        "{recorded:?}"
    );
}

#[tokio::test]
async fn a_reply_that_arrived_before_the_message_was_recorded_by_hand_joins_its_case() {
    let w = world().await;
    let database = format!("sqlite:{}", w.dir.path().join("cases.db").display());
    let set_aside = w
        .put(
            "colchester",
            &encrypted_referral("secure-early-1@justice.gov.uk"),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    let id = set_aside.message_row.to_string();
    let (ok, shown) = gateway(&database, &["quarantine", "show", &id]);
    assert!(ok, "{shown}");
    assert!(
        shown.contains("Taken for: neither a referral nor a reply about a case"),
        "{shown}"
    );

    // The referrer answers her own message (the password, say) while it
    // waits: it answers no case yet.
    let reply = format!(
        "{}From: Jo Probation <{REFERRER}>\r\nTo: dutytorefer@colchester.gov.uk\r\n\
         Subject: Re: Secure message\r\nDate: Mon, 23 Nov 2026 10:05:00 +0000\r\n\
         Message-ID: <secure-early-2@justice.gov.uk>\r\n\
         In-Reply-To: <secure-early-1@justice.gov.uk>\r\n\
         References: <secure-early-1@justice.gov.uk>\r\nContent-Type: text/plain\r\n\r\n\
         The password is Tuesday2026.\r\n",
        passed("justice.gov.uk")
    );
    let early = w
        .put("colchester", reply.as_bytes(), uk(2026, 11, 23, 10, 5))
        .await;
    assert!(early.case.is_none(), "{early:?}");

    let file = w.dir.path().join("opened.txt");
    std::fs::write(&file, phoned_form("")).expect("write");
    let file = file.to_string_lossy().to_string();
    let (ok, out) = gateway(
        &database,
        &["case", "new", "--quarantined", &id, "--file", &file],
    );
    assert!(ok, "{out}");
    let reference = line_of(&out, "Recorded DTR-COL-")
        .split_whitespace()
        .nth(1)
        .expect("a reference")
        .to_string();

    // The early reply is on the case's timeline, said to be earlier and
    // not applied; a later answer to it finds the case.
    let (ok, timeline) = gateway(&database, &["case", &reference]);
    assert!(ok, "{timeline}");
    assert!(
        timeline.contains(
            "arrived before the case was recorded, joined the case; nothing in it was applied"
        ),
        "{timeline}"
    );
    let later = format!(
        "{}From: Jo Probation <{REFERRER}>\r\nTo: dutytorefer@colchester.gov.uk\r\n\
         Subject: Re: Secure message\r\nDate: Tue, 24 Nov 2026 09:00:00 +0000\r\n\
         Message-ID: <secure-early-3@justice.gov.uk>\r\n\
         In-Reply-To: <secure-early-2@justice.gov.uk>\r\n\
         References: <secure-early-2@justice.gov.uk>\r\nContent-Type: text/plain\r\n\r\n\
         Did the password work?\r\n",
        passed("justice.gov.uk")
    );
    let recorded = w
        .put("colchester", later.as_bytes(), uk(2026, 11, 24, 9, 0))
        .await;
    assert_eq!(
        recorded.case.as_ref().map(|c| c.to_string()),
        Some(reference),
        "{recorded:?}"
    );
}
