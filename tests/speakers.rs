//! Who may speak for a case, attacked: each test starts from the exact
//! message an attacker (or a careless correspondent) would send, and
//! asserts that nothing changed (the case's leads, its deadlines, its
//! contacts, the outbox) and that the case says why; and that the entitled
//! sender, authenticated, still gets through.

mod common;

use common::world::*;
use dtr_gateway::config::{InternalMarks, ResultsFrom};
use dtr_gateway::store::{Action, OutboxRow};

const COLCHESTER: &str = "dutytorefer@colchester.gov.uk";

async fn lead_officer(w: &World, reference: &str) -> Option<String> {
    w.store
        .case_contacts(reference)
        .await
        .expect("contacts")
        .and_then(|c| c.lha_lead.email.map(|e| e.to_string()))
}

async fn case_lead(w: &World, reference: &str) -> Option<String> {
    w.store
        .case_contacts(reference)
        .await
        .expect("contacts")
        .and_then(|c| c.case_lead.email.map(|e| e.to_string()))
}

async fn not_applied(w: &World, reference: &str) -> Vec<String> {
    w.events(reference)
        .await
        .into_iter()
        .filter(|(k, _)| k == "not_applied")
        .map(|(_, d)| d)
        .collect()
}

#[tokio::test]
async fn a_forged_council_reply_whose_own_spf_passes_names_nobody() {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    let forged = answer(
        "Authentication-Results: mx.lha.example; spf=pass smtp.mailfrom=attacker.example; \
         dkim=none; dmarc=fail header.from=colchester.gov.uk\r\n",
        "Peter Quill <peter.quill@colchester.gov.uk>",
        REFERRER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Lead officer: Sam Officer\r\nEmail: sam.officer@attacker.example\r\n",
    );
    w.put("colchester", &forged, uk(2026, 11, 24, 11, 0)).await;
    assert_eq!(lead_officer(&w, &reference).await, None);
    assert!(!w.has_event(&reference, "authority_responded").await);
    let why = not_applied(&w, &reference).await;
    assert!(
        why.iter()
            .any(|d| d.contains("could not be authenticated") && d.contains("DMARC fail")),
        "{why:?}"
    );
    assert!(w.rows("lead_changed").await.is_empty());
    // Even authenticated, the council names no lead at another domain.
    let named_outside = answer(
        INTERNAL,
        "peter.quill@colchester.gov.uk",
        REFERRER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Lead officer: Sam Officer\r\nEmail: sam.officer@attacker.example\r\n",
    );
    w.put("colchester", &named_outside, uk(2026, 11, 24, 12, 0))
        .await;
    assert_eq!(lead_officer(&w, &reference).await, None);
    assert!(not_applied(&w, &reference)
        .await
        .iter()
        .any(|d| d.contains("not one of Colchester City Council's")));
}

#[tokio::test]
async fn mail_without_any_verdict_changes_nothing_unless_the_mailbox_trusts_it() {
    let w = world_with(|c| {
        for mailbox in &mut c.mailboxes {
            mailbox.trust.internal = InternalMarks::None;
        }
    })
    .await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    let bare = answer(
        "",
        "peter.quill@colchester.gov.uk",
        REFERRER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Lead officer: Peter Quill\r\nEmail: peter.quill@colchester.gov.uk\r\n",
    );
    w.put("colchester", &bare, uk(2026, 11, 24, 11, 0)).await;
    assert_eq!(lead_officer(&w, &reference).await, None);
    assert!(not_applied(&w, &reference)
        .await
        .iter()
        .any(|d| d.contains("no Authentication-Results header")));
    // A forged internal mark on a mailbox that does not believe them.
    let marked = answer(
        INTERNAL,
        "peter.quill@colchester.gov.uk",
        REFERRER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Lead officer: Peter Quill\r\n",
    );
    w.put("colchester", &marked, uk(2026, 11, 24, 12, 0)).await;
    assert_eq!(lead_officer(&w, &reference).await, None);
    // The deployment that chose to trust mail without a verdict.
    let w = world_with(|c| {
        for mailbox in &mut c.mailboxes {
            mailbox.trust.internal = InternalMarks::None;
            mailbox.trust.trust_unauthenticated = true;
        }
    })
    .await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    let bare = answer(
        "",
        "peter.quill@colchester.gov.uk",
        REFERRER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Lead officer: Peter Quill\r\nEmail: peter.quill@colchester.gov.uk\r\n",
    );
    w.put("colchester", &bare, uk(2026, 11, 24, 11, 0)).await;
    assert_eq!(
        lead_officer(&w, &reference).await.as_deref(),
        Some("peter.quill@colchester.gov.uk")
    );
}

#[tokio::test]
async fn only_the_receiving_servers_own_header_counts() {
    let w = world_with(|c| {
        for mailbox in &mut c.mailboxes {
            mailbox.trust.results = ResultsFrom::AuthservId("mx.colchester.gov.uk".into());
            mailbox.trust.internal = InternalMarks::None;
        }
    })
    .await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    // The forger's pass on top, the server's own failure below it.
    let forged = answer(
        "Authentication-Results: mx.colchester.gov.uk.evil; dmarc=pass header.from=colchester.gov.uk\r\n\
         Authentication-Results: forger.example; dmarc=pass header.from=colchester.gov.uk\r\n\
         Authentication-Results: mx.colchester.gov.uk; spf=softfail smtp.mailfrom=colchester.gov.uk; \
         dkim=none; dmarc=fail header.from=colchester.gov.uk\r\n",
        "peter.quill@colchester.gov.uk",
        REFERRER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Lead officer: Sam Officer\r\nEmail: sam.officer@colchester.gov.uk\r\n",
    );
    w.put("colchester", &forged, uk(2026, 11, 24, 11, 0)).await;
    assert_eq!(lead_officer(&w, &reference).await, None);
    // The server's own pass, wherever it stands.
    let real = answer(
        "Authentication-Results: forger.example; dmarc=fail\r\n\
         Authentication-Results: mx.colchester.gov.uk; dkim=pass header.d=colchester.gov.uk; \
         dmarc=pass header.from=colchester.gov.uk\r\n",
        "peter.quill@colchester.gov.uk",
        REFERRER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Lead officer: Peter Quill\r\nEmail: peter.quill@colchester.gov.uk\r\n",
    );
    w.put("colchester", &real, uk(2026, 11, 24, 12, 0)).await;
    assert_eq!(
        lead_officer(&w, &reference).await.as_deref(),
        Some("peter.quill@colchester.gov.uk")
    );
}

#[tokio::test]
async fn exchange_onlines_own_header_is_read_as_microsoft_writes_it() {
    let w = world_with(|c| {
        for mailbox in &mut c.mailboxes {
            mailbox.trust.results = ResultsFrom::Exchange;
        }
    })
    .await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    // The referrer, from outside: Microsoft's header, exactly.
    let microsoft = "Authentication-Results: spf=pass (sender IP is 51.140.1.2)\r\n \
        smtp.mailfrom=justice.gov.uk; dkim=pass (signature was verified)\r\n \
        header.d=justice.gov.uk;dmarc=pass action=none\r\n header.from=justice.gov.uk;compauth=pass reason=100\r\n";
    let raw = answer(
        microsoft,
        REFERRER,
        COLCHESTER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Please note the new case lead.\r\nCase lead: Priya Shah\r\nEmail: priya.shah@justice.gov.uk\r\n",
    );
    w.put("colchester", &raw, uk(2026, 11, 24, 11, 0)).await;
    assert_eq!(
        case_lead(&w, &reference).await.as_deref(),
        Some("priya.shah@justice.gov.uk")
    );
}

#[tokio::test]
async fn a_case_lead_moves_only_on_the_word_of_the_referring_side() {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    let subject = format!("RE: [{reference}] Referral received");
    let justice = passed("justice.gov.uk");
    // Anyone at justice.gov.uk handing the case to someone else: not
    // applied; the current case lead is asked.
    let other = answer(
        &justice,
        "someone.else@justice.gov.uk",
        COLCHESTER,
        &subject,
        &ack.message_id,
        "Case lead: Mallory Thief\r\nEmail: mallory@justice.gov.uk\r\n",
    );
    w.put("colchester", &other, uk(2026, 11, 24, 11, 0)).await;
    assert_eq!(case_lead(&w, &reference).await.as_deref(), Some(CASE_LEAD));
    let pending = w.rows("lead_change_pending").await;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].to, [CASE_LEAD]);
    // Never to an outside address, even from the referrer.
    let outside = answer(
        &justice,
        REFERRER,
        COLCHESTER,
        &subject,
        &ack.message_id,
        "Case lead: Kim Home\r\nEmail: kim.home@gmail.com\r\n",
    );
    w.put("colchester", &outside, uk(2026, 11, 24, 12, 0)).await;
    assert_eq!(case_lead(&w, &reference).await.as_deref(), Some(CASE_LEAD));
    assert!(not_applied(&w, &reference)
        .await
        .iter()
        .any(|d| d.contains("domain allowed to refer")));
    // The current case lead confirms the pending change: one reply.
    w.send().await;
    let confirm = answer(
        &justice,
        CASE_LEAD,
        COLCHESTER,
        "RE: [DTR] Change of case lead: please confirm",
        &pending[0].message_id,
        "Yes, Mallory has taken over.\r\n",
    );
    w.put("colchester", &confirm, uk(2026, 11, 25, 11, 0)).await;
    assert_eq!(
        case_lead(&w, &reference).await.as_deref(),
        Some("mallory@justice.gov.uk")
    );
    // The council, and the previous lead and the referrer, are told.
    let told = w.rows("lead_changed").await;
    assert_eq!(told.len(), 2, "{told:?}");
    assert_eq!(told[0].to, [COLCHESTER]);
    assert_eq!(told[1].to, [CASE_LEAD]);
}

#[tokio::test]
async fn a_newly_assigned_officer_may_name_themselves_the_case_lead() {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    let raw = answer(
        &passed("justice.gov.uk"),
        "new.officer@justice.gov.uk",
        COLCHESTER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "I am the community officer now.\r\nCase lead: New Officer <new.officer@justice.gov.uk>\r\n",
    );
    w.put("colchester", &raw, uk(2026, 11, 24, 11, 0)).await;
    assert_eq!(
        case_lead(&w, &reference).await.as_deref(),
        Some("new.officer@justice.gov.uk")
    );
    let told = w.rows("lead_changed").await;
    assert_eq!(told.len(), 2);
}

#[tokio::test]
async fn a_stranger_on_a_shared_national_mail_service_cannot_name_themselves_the_case_lead() {
    let w = world().await;
    // A hospital's referral: the referrer and case lead on NHSmail, which
    // every NHS body shares.
    let reference = w
        .case(
            "colchester",
            &referral(
                COLCHESTER,
                "nhs-ref@justice.gov.uk",
                &[
                    ("Referrer email", "ward.nurse@nhs.net"),
                    ("Case lead email", "ward.sister@nhs.net"),
                ],
            ),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    w.send().await;
    let ack = w.rows("acknowledgement").await.remove(0);
    let raw = answer(
        &passed("nhs.net"),
        "anyone@nhs.net",
        COLCHESTER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Case lead: Any One <anyone@nhs.net>\r\n",
    );
    w.put("colchester", &raw, uk(2026, 11, 24, 11, 0)).await;
    assert_eq!(
        case_lead(&w, &reference).await.as_deref(),
        Some("ward.sister@nhs.net")
    );
    assert!(not_applied(&w, &reference)
        .await
        .iter()
        .any(|d| d.contains("asked to confirm")));
}

#[tokio::test]
async fn a_pending_change_whose_case_lead_bounces_goes_to_the_council() {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    let other = answer(
        &passed("justice.gov.uk"),
        "someone.else@justice.gov.uk",
        COLCHESTER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Case lead: Mallory Thief\r\nEmail: mallory@justice.gov.uk\r\n",
    );
    w.put("colchester", &other, uk(2026, 11, 24, 11, 0)).await;
    w.send().await;
    let pending = w.rows("lead_change_pending").await.remove(0);
    let bounce = delivery_report(&pending.message_id, CASE_LEAD);
    w.put("colchester", &bounce, uk(2026, 11, 24, 12, 0)).await;
    let rows = w.rows("lead_change_pending").await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].to, [COLCHESTER]);
    assert_eq!(rows[1].context["bounced"], true);
}

/// A delivery status report that `recipient` failed, returning the
/// gateway's mail `message_id`, authenticated by the receiving server (an
/// unauthenticated one fails no mail).
fn delivery_report(message_id: &str, recipient: &str) -> Vec<u8> {
    format!(
        "{}From: MAILER-DAEMON@mx.justice.gov.uk\r\nTo: {COLCHESTER}\r\nReturn-Path: <>\r\n\
         Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-{}@mx.justice.gov.uk>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n\
         --b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.justice.gov.uk\r\n\r\n\
         Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n\
         --b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {message_id}\r\n--b--\r\n",
        passed("mx.justice.gov.uk"),
        fastrand::u64(..)
    )
    .into_bytes()
}

#[tokio::test]
async fn a_bounce_fails_a_mail_only_for_its_own_recipient() {
    let w = world().await;
    let (_, ack) = colchester_acknowledged(&w).await;
    // Anyone quoting the gateway's Message-ID in a "failure notice".
    let fake = format!(
        "From: mailer-daemon@evil.example\r\nTo: {COLCHESTER}\r\nReturn-Path: <>\r\n\
         Subject: failure notice\r\nMessage-ID: <fake-bounce@evil.example>\r\n\r\n\
         Your message could not be delivered.\r\nMessage-ID: {}\r\n",
        ack.message_id
    );
    w.put("colchester", fake.as_bytes(), uk(2026, 11, 24, 11, 0))
        .await;
    // A real report, but for another recipient.
    let other = delivery_report(&ack.message_id, "nobody.else@justice.gov.uk");
    w.put("colchester", &other, uk(2026, 11, 24, 12, 0)).await;
    assert_eq!(w.rows("acknowledgement").await[0].status, "sent");
    // The report for the acknowledgement's own recipient.
    let real = delivery_report(&ack.message_id, REFERRER);
    w.put("colchester", &real, uk(2026, 11, 24, 13, 0)).await;
    assert_eq!(w.rows("acknowledgement").await[0].status, "failed");
}

#[tokio::test]
async fn a_second_referral_from_someone_else_overwrites_nothing_and_reveals_nothing() {
    let w = world().await;
    let (first, _) = colchester_acknowledged(&w).await;
    // Another referrer, another agency, the same prisoner: their own
    // contacts and a different date of birth.
    let other = String::from_utf8(referral(
        COLCHESTER,
        "second-1@justice.gov.uk",
        &[
            ("Referrer email", "rival@justice.gov.uk"),
            ("Referrer name", "Rival Referrer"),
            ("Case lead email", "rival.lead@justice.gov.uk"),
            ("Referring agency", "HMP Elsewhere"),
            ("Date of birth", "01/01/1980"),
        ],
    ))
    .expect("utf-8")
    .replace(REFERRER, "rival@justice.gov.uk");
    let recorded = w
        .put("colchester", other.as_bytes(), uk(2026, 11, 24, 10, 0))
        .await;
    assert_eq!(recorded.action, Action::Linked);
    let second = recorded.case.expect("its own reference").to_string();
    assert_ne!(second, first);
    // Nothing of the first case changed.
    let contacts = w
        .store
        .case_contacts(&first)
        .await
        .expect("read")
        .expect("case");
    assert_eq!(
        contacts.referrer_email.map(|e| e.to_string()).as_deref(),
        Some(REFERRER)
    );
    assert_eq!(
        contacts.case_lead.email.map(|e| e.to_string()).as_deref(),
        Some(CASE_LEAD)
    );
    assert_eq!(
        contacts.referral.date_of_birth,
        Some(day(1988, 7, 14)),
        "the date of birth stays the first referrer's"
    );
    // The new referrer is answered as for any referral and learns nothing
    // of the first; nobody on the first case hears of the second (what
    // either learns must not depend on the other); the authority's notice
    // names both.
    w.send().await;
    let acks = w.rows("acknowledgement").await;
    let theirs = acks
        .iter()
        .find(|r| r.to == ["rival@justice.gov.uk"])
        .expect("the second referrer is acknowledged");
    let text = w.text_of(theirs);
    assert!(text.contains(&second), "{text}");
    assert!(!text.contains(&first), "{text}");
    let to_first_side: Vec<_> = w
        .store
        .outbox(false)
        .await
        .expect("outbox")
        .into_iter()
        .filter(|r| r.case_ref.as_deref() == Some(second.as_str()))
        .filter(|r| {
            r.to.iter()
                .chain(r.cc.iter())
                .any(|a| a == REFERRER || a == CASE_LEAD)
        })
        .collect();
    assert!(to_first_side.is_empty(), "{to_first_side:?}");
    let notice = w
        .rows("notice")
        .await
        .into_iter()
        .find(|r| r.case_ref.as_deref() == Some(second.as_str()))
        .expect("the authority's notice");
    assert!(
        w.text_of(&notice).contains(&first),
        "the notice names the first case"
    );
    // The second is a case of its own: its deadlines run, and an answer on
    // its reference acts on it.
    assert!(w
        .open_rules(&second, day(2026, 11, 25))
        .await
        .contains(&"lead_officer".to_string()));
    let answer_on_second = answer(
        INTERNAL,
        "peter.quill@colchester.gov.uk",
        "rival@justice.gov.uk",
        &format!("RE: [{second}] Referral received"),
        &theirs.message_id,
        "Lead officer: Peter Quill\r\nEmail: peter.quill@colchester.gov.uk\r\n",
    );
    w.put("colchester", &answer_on_second, uk(2026, 11, 25, 10, 0))
        .await;
    assert_eq!(
        lead_officer(&w, &second).await.as_deref(),
        Some("peter.quill@colchester.gov.uk")
    );
    assert_eq!(lead_officer(&w, &first).await, None);
}

#[tokio::test]
async fn an_incomplete_probe_cannot_tell_whether_a_prisoner_has_a_case() {
    let w = world().await;
    colchester_acknowledged(&w).await;
    let probe = |number: &str, id: &str| {
        format!(
            "{}From: probe@justice.gov.uk\r\nTo: {COLCHESTER}\r\nSubject: Referral\r\n\
             Message-ID: <{id}>\r\nContent-Type: text/plain\r\n\r\nDUTY TO REFER REFERRAL\r\n\
             Full name: Samuel Testperson\r\nPrison number: {number}\r\nConsent to referral: Yes\r\n",
            passed("justice.gov.uk")
        )
    };
    let known = w
        .put(
            "colchester",
            probe("A1234BC", "probe-1@justice.gov.uk").as_bytes(),
            uk(2026, 11, 24, 10, 0),
        )
        .await;
    let unknown = w
        .put(
            "colchester",
            probe("Z9999ZZ", "probe-2@justice.gov.uk").as_bytes(),
            uk(2026, 11, 24, 10, 1),
        )
        .await;
    assert!(known.case.is_some() && unknown.case.is_some());
    let replies = w.rows("incomplete").await;
    assert_eq!(replies.len(), 2);
    // The same questions either way.
    assert_eq!(replies[0].context["missing"], replies[1].context["missing"]);
    assert_eq!(replies[0].to, replies[1].to);
}

#[tokio::test]
async fn an_auto_responder_quoting_the_gateway_opens_nothing_and_loops_are_broken() {
    let w = world_with(|c| c.outgoing.max_per_recipient_per_day = 3).await;
    // An incomplete referral, answered.
    let incomplete = format!(
        "{}From: {REFERRER}\r\nTo: {COLCHESTER}\r\nSubject: Referral\r\nMessage-ID: <inc-1@justice.gov.uk>\r\n\
         Content-Type: text/plain\r\n\r\nDUTY TO REFER REFERRAL\r\nFull name: Samuel Testperson\r\n\
         Prison number: A1234BC\r\nConsent to referral: Yes\r\nReferrer email: {REFERRER}\r\n",
        passed("justice.gov.uk")
    );
    w.put("colchester", incomplete.as_bytes(), uk(2026, 11, 23, 10, 0))
        .await;
    w.send().await;
    let reply = w.rows("incomplete").await.remove(0);
    let text = w.text_of(&reply);
    // Their auto-responder quotes it back: new subject, no threading, no
    // Auto-Submitted; five rounds.
    for round in 0..5 {
        let bounce_back = format!(
            "{}From: {REFERRER}\r\nTo: {COLCHESTER}\r\nSubject: Thank you for your email\r\n\
             Message-ID: <auto-{round}@justice.gov.uk>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
             Thank you. Your message was:\r\n\r\n{}",
            passed("justice.gov.uk"),
            text.replace('\n', "\r\n")
        );
        let recorded = w
            .put(
                "colchester",
                bounce_back.as_bytes(),
                uk(2026, 11, 23, 11, round),
            )
            .await;
        assert_eq!(recorded.action, Action::RecordedOnly, "round {round}");
    }
    assert_eq!(w.store.cases(None, false).await.expect("cases").len(), 1);
    // And a correspondent sent more answers that could loop than a day
    // allows gets no more (acknowledgements, one per case, are not
    // counted); the case says why.
    for n in 0..5 {
        let raw = format!(
            "{}From: {REFERRER}\r\nTo: {COLCHESTER}\r\nSubject: Referral\r\n\
             Message-ID: <many-{n}@justice.gov.uk>\r\nContent-Type: text/plain\r\n\r\n\
             DUTY TO REFER REFERRAL\r\nFull name: Person Number{n}\r\nPrison number: B{n:04}CC\r\n\
             Consent to referral: Yes\r\nReferrer email: {REFERRER}\r\n",
            passed("justice.gov.uk")
        );
        w.put("colchester", raw.as_bytes(), uk(2026, 11, 23, 12, n))
            .await;
    }
    let to_referrer = w.rows("incomplete").await.len();
    assert_eq!(to_referrer, 3);
    let cases = w.store.cases(None, false).await.expect("cases");
    let last = &cases.last().expect("cases").reference;
    let events = w.events(last).await;
    assert!(
        events
            .iter()
            .any(|(k, d)| k == "mail_withheld" && d.contains("mail loop")),
        "{events:?}"
    );
}

#[tokio::test]
async fn a_form_under_an_old_reference_is_judged_by_its_content() {
    let w = world().await;
    let (first, _) = colchester_acknowledged(&w).await;
    // A complete referral for a different person, sent as a reply.
    let mut raw = referral(
        COLCHESTER,
        "other-person@justice.gov.uk",
        &[
            ("Prison number", "C5555DD"),
            ("Full name", "Different Person"),
        ],
    );
    let text = String::from_utf8(raw.clone()).expect("utf-8").replace(
        "Subject: Referral: S Testperson",
        &format!("Subject: RE: [{first}] Referral received"),
    );
    raw = text.into_bytes();
    let recorded = w.put("colchester", &raw, uk(2026, 11, 24, 10, 0)).await;
    assert_eq!(recorded.action, Action::Opened);
    assert_ne!(recorded.case.map(|c| c.to_string()), Some(first.clone()));

    // The referrer who follows the incomplete mail: the same person's
    // form, completed, in reply: the case is completed and acknowledged.
    let w = world().await;
    let incomplete = String::from_utf8(referral(
        COLCHESTER,
        "inc-2@justice.gov.uk",
        &[("Referrer phone", "")],
    ))
    .expect("utf-8")
    .replace("Referrer phone: \r\n", "");
    let recorded = w
        .put("colchester", incomplete.as_bytes(), uk(2026, 11, 23, 10, 0))
        .await;
    let reference = recorded.case.expect("a case").to_string();
    w.send().await;
    let asked = w.rows("incomplete").await.remove(0);
    assert!(w.rows("acknowledgement").await.is_empty());
    let completed = String::from_utf8(referral(COLCHESTER, "inc-2-done@justice.gov.uk", &[]))
        .expect("utf-8")
        .replace(
            "Subject: Referral: S Testperson",
            &format!("Subject: RE: [{reference}] Referral incomplete: information needed\r\nIn-Reply-To: {}", asked.message_id),
        );
    let recorded = w
        .put("colchester", completed.as_bytes(), uk(2026, 11, 23, 14, 0))
        .await;
    assert_eq!(recorded.action, Action::AttachedReferral);
    assert_eq!(
        recorded.case.map(|c| c.to_string()).as_deref(),
        Some(reference.as_str())
    );
    let acks = w.rows("acknowledgement").await;
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].to, [REFERRER]);
}

#[tokio::test]
async fn a_look_alike_domain_or_a_contacts_domain_does_not_speak_for_the_council() {
    let w = world().await;
    let chelmsford = "housing.adviceemail@chelmsford.gov.uk";
    let reference = w
        .case(
            "chelmsford",
            &referral(chelmsford, "che-1@justice.gov.uk", &[]),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    w.send().await;
    let ack = w.rows("acknowledgement").await.remove(0);
    // Annex A's lead is at chelmsford.gov.co.uk: that address speaks, the
    // domain does not.
    let look_alike = answer(
        &passed("chelmsford.gov.co.uk"),
        "someone@chelmsford.gov.co.uk",
        REFERRER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Lead officer: Some One\r\nEmail: someone@chelmsford.gov.co.uk\r\n",
    );
    w.put("chelmsford", &look_alike, uk(2026, 11, 24, 10, 0))
        .await;
    assert_eq!(lead_officer(&w, &reference).await, None);
    assert!(!w.has_event(&reference, "authority_responded").await);
}

#[tokio::test]
async fn the_referrer_writing_through_cjsm_is_the_referrer_and_a_colleague_is_told_why_not() {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    // The referrer's own mailbox, through the secure relay.
    let cjsm = "jo.probation@justice.gov.uk.cjsm.net";
    let moved = answer(
        &passed("justice.gov.uk.cjsm.net"),
        cjsm,
        COLCHESTER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Release date: 15/01/2027\r\n",
    );
    w.put("colchester", &moved, uk(2026, 11, 24, 10, 0)).await;
    assert!(
        w.has_event(&reference, "release_date_changed").await,
        "{:?}",
        w.events(&reference).await
    );
    // The case reads the new date everywhere, the form's copy included.
    let case = w.store.case(&reference).await.expect("case");
    assert_eq!(
        case.referral.expected_release_date.map(|d| d.to_string()),
        Some("2027-01-15".to_string())
    );
    // A colleague at the same agency asks the same: noted, with why.
    let colleague = answer(
        &passed("justice.gov.uk"),
        "sam.colleague@justice.gov.uk",
        COLCHESTER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Release date: 22/01/2027\r\n",
    );
    w.put("colchester", &colleague, uk(2026, 11, 24, 11, 0))
        .await;
    let why = not_applied(&w, &reference).await;
    assert!(
        why.iter()
            .any(|d| d.contains("a new release date") && d.contains("referrer or case lead")),
        "{why:?}"
    );
}

#[tokio::test]
async fn a_lead_officer_line_from_outside_the_council_names_no_case_lead() {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    // An officer of another council (an allowed domain) answers the thread.
    let raw = answer(
        &passed("brentwood.gov.uk"),
        "angela.abbott@brentwood.gov.uk",
        COLCHESTER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Lead officer: Angela Abbott, angela.abbott@brentwood.gov.uk\r\n",
    );
    w.put("colchester", &raw, uk(2026, 11, 24, 10, 0)).await;
    assert_eq!(
        case_lead(&w, &reference).await.as_deref(),
        Some("kim.casework@justice.gov.uk")
    );
    assert!(w.rows("lead_change_pending").await.is_empty());
    assert!(not_applied(&w, &reference)
        .await
        .iter()
        .any(|d| d.contains("only the authority names its lead officer")));
}

#[tokio::test]
async fn the_shared_inbox_saying_it_will_lead_names_nobody() {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    let raw = answer(
        INTERNAL,
        "Colchester Duty to Refer <dutytorefer@colchester.gov.uk>",
        "jo.probation@justice.gov.uk",
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "I will be the lead officer for this case.\r\n\r\nSarah Jones\r\n",
    );
    w.put("colchester", &raw, uk(2026, 11, 24, 10, 0)).await;
    assert_eq!(lead_officer(&w, &reference).await, None);
}

/// An answer in the case's thread from `from`, `headers` first, with
/// `body` above the quoted acknowledgement.
fn referrer_says(
    headers: &str,
    from: &str,
    reference: &str,
    ack: &OutboxRow,
    body: &str,
) -> Vec<u8> {
    answer(
        headers,
        from,
        COLCHESTER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        &format!(
            "{body}\r\n\r\n{}",
            outlook_quote("Your referral has been received.")
        ),
    )
}

/// The council's officer replying to the gateway's notice `notice` with
/// `body`, authenticated as sent inside the council.
fn council_replies(reference: &str, notice: &OutboxRow, body: &str) -> Vec<u8> {
    answer(
        INTERNAL,
        "Peter Quill <peter.quill@colchester.gov.uk>",
        COLCHESTER,
        &format!("RE: [{reference}] Consent withdrawn? Please confirm"),
        &notice.message_id,
        &format!(
            "{body}\r\n\r\n{}",
            outlook_quote("A message in the thread says ...")
        ),
    )
}

/// The referrer's authenticated word, on Tuesday 24 November at 11:00,
/// that the person has withdrawn their consent: the council's notice it
/// brings, sent.
async fn referrer_withdraws(w: &World, reference: &str, ack: &OutboxRow) -> OutboxRow {
    let raw = referrer_says(
        &passed("justice.gov.uk"),
        REFERRER,
        reference,
        ack,
        "He has withdrawn his consent to the referral.",
    );
    w.put("colchester", &raw, uk(2026, 11, 24, 11, 0)).await;
    w.send().await;
    w.rows("consent_withdrawn").await.remove(0)
}

/// Colchester's acknowledged case, its consent said withdrawn by the
/// referrer and the council's `Confirmed` to the notice at noon on Tuesday
/// 24 November: the case and the notice.
async fn closed_on_a_confirmed_withdrawal(w: &World) -> (String, OutboxRow) {
    let (reference, ack) = colchester_acknowledged(w).await;
    let notice = referrer_withdraws(w, &reference, &ack).await;
    council_answers(w, &reference, &notice, "Confirmed", uk(2026, 11, 24, 12, 0)).await;
    (reference, notice)
}

/// The council's officer answering the notice with `body`, at `at`.
async fn council_answers(
    w: &World,
    reference: &str,
    notice: &OutboxRow,
    body: &str,
    at: chrono::DateTime<chrono::Utc>,
) {
    w.put("colchester", &council_replies(reference, notice, body), at)
        .await;
}

#[tokio::test]
async fn the_referrers_word_that_consent_is_withdrawn_is_confirmed_by_the_council_and_ends_the_case(
) {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    let raw = referrer_says(
        &passed("justice.gov.uk"),
        "Jo Probation <jo.probation@justice.gov.uk>",
        &reference,
        &ack,
        "Hi,\r\n\r\nSamuel has withdrawn his consent to the referral this morning,\r\n\
         so please do not go ahead with it.\r\n\r\nThanks\r\nJo",
    );
    w.put("colchester", &raw, uk(2026, 11, 24, 11, 0)).await;
    // Words alone end nothing: the case says what was written, and the
    // council is asked.
    assert_eq!(w.status(&reference).await, "open");
    let events = w.events(&reference).await;
    assert!(
        events
            .iter()
            .any(|(k, d)| k == "consent_withdrawal_reported" && d.contains("the referrer")),
        "{events:?}"
    );
    let asked = w.rows("consent_withdrawn").await;
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].to, [COLCHESTER]);
    w.send().await;
    let notice = w.rows("consent_withdrawn").await.remove(0);
    let text = one_line(&w.text_of(&notice));
    assert!(text.contains("from the referrer"), "{text}");
    assert!(
        text.contains("withdrawn his consent to the referral this morning"),
        "{text}"
    );
    assert!(text.contains("reply to this message with"), "{text}");
    // Saying it again asks nothing new.
    let again = referrer_says(
        &passed("justice.gov.uk"),
        REFERRER,
        &reference,
        &ack,
        "Consent withdrawn.",
    );
    w.put("colchester", &again, uk(2026, 11, 24, 11, 30)).await;
    assert_eq!(w.rows("consent_withdrawn").await.len(), 1);
    // Until someone answers, the morning digest lists it.
    w.sweep(uk(2026, 11, 25, 9, 0)).await;
    w.send().await;
    let digest = w.rows("digest").await;
    let colchester = digest
        .iter()
        .find(|d| d.authority == "COL")
        .expect("Colchester's digest");
    let text = one_line(&w.text_of(colchester));
    assert!(
        text.contains("waiting for the council to confirm it: 1 (reply Confirmed")
            && text.contains(&reference),
        "{text}"
    );
    // An answer that does not confirm closes nothing.
    for (i, body) in [
        "Not confirmed - he still wants it.",
        "Confirmed? No, checking.",
    ]
    .iter()
    .enumerate()
    {
        w.put(
            "colchester",
            &council_replies(&reference, &notice, body),
            uk(2026, 11, 24, 12 + u32::try_from(i).expect("small"), 0),
        )
        .await;
    }
    assert_eq!(w.status(&reference).await, "open");
    // An answer to the gateway's own question is not the council's
    // response to the referral.
    assert!(!w.has_event(&reference, "authority_responded").await);
    // A `Yes` that answers a colleague further down the thread, the
    // notice only in its References, answers someone else.
    let elsewhere = format!(
        "{INTERNAL}From: sam.officer@colchester.gov.uk\r\nTo: {COLCHESTER}\r\n\
         Subject: RE: [{reference}] Consent withdrawn? Please confirm\r\n\
         Date: Tue, 24 Nov 2026 13:30:00 +0000\r\nMessage-ID: <elsewhere-1@colchester.gov.uk>\r\n\
         In-Reply-To: <colleague-1@colchester.gov.uk>\r\n\
         References: {} <colleague-1@colchester.gov.uk>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nYes\r\n",
        notice.message_id
    )
    .into_bytes();
    w.put("colchester", &elsewhere, uk(2026, 11, 24, 13, 30))
        .await;
    assert_eq!(w.status(&reference).await, "open");
    // Nor is it the council's response to the referral.
    assert!(!w.has_event(&reference, "authority_responded").await);
    // The officer does what the notice asks.
    w.put(
        "colchester",
        &council_replies(&reference, &notice, "Confirmed\r\n\r\nPeter"),
        uk(2026, 11, 24, 14, 0),
    )
    .await;
    assert_eq!(w.status(&reference).await, "closed");
    assert!(w
        .events(&reference)
        .await
        .iter()
        .any(|(k, d)| k == "consent_withdrawn"
            && d.contains("peter.quill@colchester.gov.uk confirmed it for the council")));
    // The quarter's report counts it as a withdrawal, not as "other".
    let agencies =
        dtr_gateway::core::report::AgencyMap::from_toml(include_str!("../config/agencies.toml"))
            .expect("agencies");
    let quarter = "2026Q4".parse().expect("quarter");
    let cases = w
        .store
        .report_cases(quarter, Some("COL"), &agencies)
        .await
        .expect("report");
    let outcomes: Vec<_> = cases
        .iter()
        .filter_map(|c| c.outcome.as_deref())
        .map(dtr_gateway::core::report::CaseOutcome::of_stored)
        .collect();
    assert_eq!(
        outcomes,
        [dtr_gateway::core::report::CaseOutcome::ConsentWithdrawn]
    );
    // The referring side hears that the referral ends, nothing more.
    let told = w.rows("withdrawal_confirmed").await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].to, [REFERRER]);
    assert_eq!(told[0].cc, [CASE_LEAD]);
    // It threads under the referrer's own message, not under the
    // officer's confirmation (an address inside the council).
    let referrers_message = String::from_utf8_lossy(&raw)
        .lines()
        .find_map(|l| l.strip_prefix("Message-ID: ").map(str::to_string))
        .expect("the referrer's Message-ID");
    assert_eq!(
        told[0].in_reply_to.as_deref(),
        Some(referrers_message.as_str())
    );
    w.send().await;
    let text = one_line(&w.text_of(&w.rows("withdrawal_confirmed").await[0]));
    assert!(text.contains("The referral is closed"), "{text}");
    assert!(!text.contains("Samuel"), "{text}");
    // The lead officer deadline (Monday 30 November) passes: nobody is
    // chased or escalated to about a referral without consent.
    w.sweep_days(day(2026, 11, 25), day(2026, 12, 11)).await;
    assert!(w.rows("reminder").await.is_empty());
    assert!(w.rows("chase").await.is_empty());
    assert!(w.rows("escalation").await.is_empty());
    // And a closed case takes nothing more.
    let late = referrer_says(
        &passed("justice.gov.uk"),
        REFERRER,
        &reference,
        &ack,
        "Release date: 01/02/2027",
    );
    w.put("colchester", &late, uk(2026, 12, 14, 10, 0)).await;
    assert!(w
        .not_applied(&reference)
        .await
        .iter()
        .any(|d| d.contains("the case is closed")));
}

#[tokio::test]
async fn the_form_sent_again_saying_no_asks_the_council_and_is_not_merged_under_the_yes() {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    let raw = referrer_says(
        &passed("justice.gov.uk"),
        REFERRER,
        &reference,
        &ack,
        &form_text(&[("Consent to referral", "No")]),
    );
    w.put("colchester", &raw, uk(2026, 11, 24, 11, 0)).await;
    assert!(w.has_event(&reference, "consent_withdrawal_reported").await);
    assert!(!w.has_event(&reference, "referral_attached").await);
    assert_eq!(w.rows("consent_withdrawn").await.len(), 1);
}

#[tokio::test]
async fn many_addresses_saying_consent_is_withdrawn_bring_the_council_one_notice_a_day() {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    // The referrer, the case lead and colleagues at the same service, the
    // same morning: each is on the timeline, the council is asked once.
    let senders = [
        REFERRER,
        CASE_LEAD,
        "a.colleague@justice.gov.uk",
        "another.colleague@justice.gov.uk",
    ];
    for (minute, from) in (0u32..).zip(senders) {
        let raw = referrer_says(
            &passed("justice.gov.uk"),
            from,
            &reference,
            &ack,
            "He has withdrawn his consent to the referral.",
        );
        w.put("colchester", &raw, uk(2026, 11, 24, 11, minute))
            .await;
    }
    let reported = w
        .events(&reference)
        .await
        .iter()
        .filter(|(k, _)| k == "consent_withdrawal_reported")
        .count();
    assert_eq!(reported, senders.len());
    assert_eq!(w.rows("consent_withdrawn").await.len(), 1);
    // Said again on another day, unanswered: the council is asked again.
    let raw = referrer_says(
        &passed("justice.gov.uk"),
        "a.colleague@justice.gov.uk",
        &reference,
        &ack,
        "Consent withdrawn.",
    );
    w.put("colchester", &raw, uk(2026, 11, 25, 11, 0)).await;
    assert_eq!(w.rows("consent_withdrawn").await.len(), 2);
}

#[tokio::test]
async fn a_case_closed_on_a_withdrawal_by_mistake_is_reopened_and_its_deadlines_run_again() {
    let w = world().await;
    let (reference, notice) = closed_on_a_confirmed_withdrawal(&w).await;
    assert_eq!(w.status(&reference).await, "closed");
    // The officer learns it was another person's case, and reopens it.
    let reopened = w
        .store
        .reopen_case(&reference, &w.config.outgoing)
        .await
        .expect("reopened");
    assert_eq!(reopened.status.as_str(), "open");
    assert!(
        !reopened.referrer_told_reopened,
        "the note had not gone yet"
    );
    assert_eq!(w.status(&reference).await, "open");
    // The note that the referral closed, not sent yet, no longer goes.
    w.send().await;
    assert_eq!(w.rows("withdrawal_confirmed").await[0].sent_at, None);
    // Another answer to the same notice does not close it again.
    council_answers(
        &w,
        &reference,
        &notice,
        "Confirmed",
        uk(2026, 11, 24, 15, 0),
    )
    .await;
    assert_eq!(w.status(&reference).await, "open");
    // The lead officer deadline (Monday 30 November) runs again: nobody
    // has named one, so the council is reminded, then chased.
    w.sweep_days(day(2026, 11, 25), day(2026, 12, 3)).await;
    assert!(
        !w.rows("reminder").await.is_empty() || !w.rows("chase").await.is_empty(),
        "the deadlines run again"
    );
}

#[tokio::test]
async fn a_withdrawal_naming_another_case_as_people_type_it_asks_nothing_of_this_one() {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    let raw = referrer_says(
        &passed("justice.gov.uk"),
        REFERRER,
        &reference,
        &ack,
        "Re DTR/COL/2026/00002 - he has withdrawn his consent.",
    );
    w.put("colchester", &raw, uk(2026, 11, 24, 11, 0)).await;
    assert!(w.rows("consent_withdrawn").await.is_empty());
    assert!(!w.has_event(&reference, "consent_withdrawal_reported").await);
}

#[tokio::test]
async fn an_incomplete_case_whose_consent_is_answered_no_is_not_completed() {
    let w = world().await;
    let reference = w
        .case(
            "colchester",
            &referral(
                COLCHESTER,
                "no-consent-yet@justice.gov.uk",
                &[("Consent to referral", "")],
            ),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    assert_eq!(w.status(&reference).await, "incomplete");
    w.send().await;
    let asked = w.rows("incomplete").await.remove(0);
    let raw = referrer_says(
        &passed("justice.gov.uk"),
        REFERRER,
        &reference,
        &asked,
        "Consent to referral: No - he would not sign it.",
    );
    w.put("colchester", &raw, uk(2026, 11, 24, 11, 0)).await;
    assert_eq!(w.status(&reference).await, "incomplete");
    assert!(!w.has_event(&reference, "referral_completed").await);
    assert!(w.has_event(&reference, "consent_withdrawal_reported").await);
    assert_eq!(w.rows("acknowledgement").await.len(), 0);
    assert_eq!(w.rows("consent_withdrawn").await.len(), 1);
    // Confirmed, a referral never consented to is refused, as one sent
    // without consent is, and counted so.
    w.send().await;
    let notice = w.rows("consent_withdrawn").await.remove(0);
    w.put(
        "colchester",
        &council_replies(&reference, &notice, "Yes, confirmed."),
        uk(2026, 11, 24, 14, 0),
    )
    .await;
    assert_eq!(w.status(&reference).await, "refused");
    // As a referral sent without consent: nothing about the person kept.
    let contacts = w
        .store
        .case_contacts(&reference)
        .await
        .expect("contacts")
        .expect("case");
    assert!(contacts.purged);
    assert_eq!(contacts.referral.full_name, None);
    // The referrer is still told, by reference.
    assert_eq!(w.rows("withdrawal_confirmed").await.len(), 1);
}

#[tokio::test]
async fn forged_unauthenticated_and_colleagues_words_close_nothing() {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    let forged = referrer_says(
        "Authentication-Results: mx.lha.example; spf=fail smtp.mailfrom=attacker.example; \
         dkim=none; dmarc=fail header.from=justice.gov.uk\r\n",
        REFERRER,
        &reference,
        &ack,
        "He has withdrawn his consent. Please close the case.",
    );
    // A forged sender is set aside whole, for a person to look at.
    let recorded = w.put("colchester", &forged, uk(2026, 11, 24, 11, 0)).await;
    assert!(
        matches!(recorded.action, Action::Quarantined(_)),
        "{recorded:?}"
    );
    // Without any verdict, in a mailbox that does not trust such mail:
    // noted, nobody is mailed.
    let unverified = referrer_says(
        "",
        REFERRER,
        &reference,
        &ack,
        "He has withdrawn his consent. Please close the case.",
    );
    w.put("colchester", &unverified, uk(2026, 11, 24, 11, 30))
        .await;
    let why = w.not_applied(&reference).await;
    assert!(
        why.iter()
            .any(|d| d.contains("consent withdrawn") && d.contains("could not be authenticated")),
        "{why:?}"
    );
    assert!(w.rows("consent_withdrawn").await.is_empty());
    // A colleague, authenticated: the council is asked, naming who wrote.
    let colleague = referrer_says(
        &passed("justice.gov.uk"),
        "someone.else@justice.gov.uk",
        &reference,
        &ack,
        "Consent withdrawn.",
    );
    w.put("colchester", &colleague, uk(2026, 11, 24, 12, 0))
        .await;
    assert_eq!(w.status(&reference).await, "open");
    w.send().await;
    let asked = w.rows("consent_withdrawn").await;
    assert_eq!(asked.len(), 1);
    let text = one_line(&w.text_of(&asked[0]));
    assert!(
        text.contains("neither the case's referrer nor its case lead"),
        "{text}"
    );
    // The referring side cannot confirm for the council, even answering
    // the notice's own Message-ID.
    let not_council = answer(
        &passed("justice.gov.uk"),
        "someone.else@justice.gov.uk",
        COLCHESTER,
        &format!("RE: [{reference}] Consent withdrawn? Please confirm"),
        &asked[0].message_id,
        "Confirmed",
    );
    w.put("colchester", &not_council, uk(2026, 11, 24, 13, 0))
        .await;
    // Nor the council unauthenticated.
    let unauthenticated = answer(
        "",
        "peter.quill@colchester.gov.uk",
        COLCHESTER,
        &format!("RE: [{reference}] Consent withdrawn? Please confirm"),
        &asked[0].message_id,
        "Confirmed",
    );
    w.put("colchester", &unauthenticated, uk(2026, 11, 24, 13, 30))
        .await;
    assert_eq!(w.status(&reference).await, "open");
    // The case goes on: its lead officer deadline is chased.
    w.sweep_days(day(2026, 11, 25), day(2026, 12, 2)).await;
    assert!(!w.rows("chase").await.is_empty());
}

#[tokio::test]
async fn questions_disclaimers_other_consents_and_other_cases_ask_nothing() {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    for body in [
        "Has he withdrawn his consent? I heard he might.",
        "He has not withdrawn consent; he cannot attend Monday.\r\n\r\n--\r\nJo Probation\r\n\
         People we work with may withdraw consent at any time.",
        "If he withdraws consent I will let you know.",
        "He has withdrawn his consent for us to contact his GP, nothing else.",
        "Kind regards\r\nJo\r\nThis email may contain personal data.\r\nConsent withdrawn forms: see intranet.",
        "DTR-COL-2026-00099 (another person) has withdrawn his consent.",
    ] {
        let raw = referrer_says(&passed("justice.gov.uk"), REFERRER, &reference, &ack, body);
        w.put("colchester", &raw, uk(2026, 11, 24, 11, 0)).await;
    }
    assert_eq!(w.status(&reference).await, "open");
    assert!(w.rows("consent_withdrawn").await.is_empty());
    assert!(!w.has_event(&reference, "consent_withdrawal_reported").await);
}

#[tokio::test]
async fn a_line_break_encoded_in_a_subject_starts_no_line_of_the_councils_notice() {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    let raw = answer(
        &passed("justice.gov.uk"),
        "someone.else@justice.gov.uk",
        COLCHESTER,
        &format!("=?utf-8?q?RE=3A_=5B{reference}=5D_x=0AFrom=3A_{REFERRER}_=28verified=29?="),
        &ack.message_id,
        "He has withdrawn his consent to the referral.",
    );
    w.put("colchester", &raw, uk(2026, 11, 24, 11, 0)).await;
    w.send().await;
    let asked = w.rows("consent_withdrawn").await;
    assert_eq!(asked.len(), 1);
    let text = w.text_of(&asked[0]);
    assert!(
        !text
            .lines()
            .any(|l| l.trim_start().starts_with(&format!("From: {REFERRER}"))),
        "{text}"
    );
}

#[tokio::test]
async fn mail_still_queued_for_a_case_closed_does_not_go() {
    let w = world().await;
    // The request for what is missing is written but not yet sent (held
    // back, say, by the hourly limit) when the council closes the case.
    let reference = w
        .case(
            "colchester",
            &referral(
                COLCHESTER,
                "closed-early@justice.gov.uk",
                &[("Date of birth", "")],
            ),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    w.store
        .close_case(&reference, "referred elsewhere")
        .await
        .expect("close");
    let asked = w.rows("incomplete").await.remove(0);
    assert_eq!(asked.status.as_str(), "failed", "{asked:?}");
    assert!(
        asked
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("the case was closed before it went")),
        "{asked:?}"
    );
    assert!(w
        .events(&reference)
        .await
        .iter()
        .any(|(k, d)| k == "mail_withheld" && d.contains("closed before it went")));
    // The council's own notice of the referral still goes.
    w.send().await;
    assert_eq!(w.written().len(), 1, "{:?}", w.written().keys());
}

#[tokio::test]
async fn where_officers_are_listed_only_they_the_inbox_or_the_contacts_confirm_a_withdrawal() {
    use dtr_gateway::core::address::EmailAddress;
    use dtr_gateway::core::authority::{Authorities, Authority};
    let w = world_with(|c| {
        let list: Vec<Authority> = c
            .authorities
            .iter()
            .cloned()
            .map(|mut a| {
                if a.code.as_str() == "COL" {
                    a.officers = vec![
                        EmailAddress::parse("peter.quill@colchester.gov.uk").expect("address")
                    ];
                }
                a
            })
            .collect();
        c.authorities = Authorities::new(list);
    })
    .await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    let notice = referrer_withdraws(&w, &reference, &ack).await;
    // Someone else at the council's domain (the parking team) confirms
    // nothing.
    let parking = answer(
        INTERNAL,
        "parking@colchester.gov.uk",
        COLCHESTER,
        &format!("RE: [{reference}] Consent withdrawn? Please confirm"),
        &notice.message_id,
        "Confirmed",
    );
    w.put("colchester", &parking, uk(2026, 11, 24, 12, 0)).await;
    assert_eq!(w.status(&reference).await, "open");
    assert!(w
        .not_applied(&reference)
        .await
        .iter()
        .any(|d| d.contains("its listed officers")));
    // The listed officer does.
    council_answers(
        &w,
        &reference,
        &notice,
        "Confirmed",
        uk(2026, 11, 24, 13, 0),
    )
    .await;
    assert_eq!(w.status(&reference).await, "closed");
}

#[tokio::test]
async fn a_withdrawal_the_referrer_takes_back_is_not_closed_by_a_late_confirmation() {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    let notice = referrer_withdraws(&w, &reference, &ack).await;
    let sorry = referrer_says(
        &passed("justice.gov.uk"),
        REFERRER,
        &reference,
        &ack,
        "Sorry, please ignore my last email: he is happy for the referral to go ahead.",
    );
    w.put("colchester", &sorry, uk(2026, 11, 24, 11, 30)).await;
    assert!(
        w.has_event(&reference, "consent_withdrawal_taken_back")
            .await
    );
    // Someone else at an allowed service says it again the same day: the
    // first question was settled, so the council is asked afresh (the
    // case's follow-ups run meanwhile), and the old notice is not brought
    // back by it.
    let again = referrer_says(
        &passed("justice.gov.uk"),
        "bob.someone@justice.gov.uk",
        &reference,
        &ack,
        "Consent withdrawn.",
    );
    w.put("colchester", &again, uk(2026, 11, 24, 12, 0)).await;
    assert_eq!(w.rows("consent_withdrawn").await.len(), 2);
    // The officer answers the old question all the same.
    council_answers(
        &w,
        &reference,
        &notice,
        "Confirmed",
        uk(2026, 11, 24, 14, 0),
    )
    .await;
    assert_eq!(w.status(&reference).await, "open");
    assert!(w
        .not_applied(&reference)
        .await
        .iter()
        .any(|d| d.contains("taken the withdrawal back")));
    assert!(w.rows("withdrawal_confirmed").await.is_empty());
}

#[tokio::test]
async fn a_colleague_s_form_saying_no_in_the_case_s_thread_is_a_withdrawal_for_the_council_to_confirm(
) {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    // A colleague of the referrer sends the form again in the case's
    // thread, its consent answered No.
    let raw = referrer_says(
        &passed("justice.gov.uk"),
        "Pat Colleague <pat.colleague@justice.gov.uk>",
        &reference,
        &ack,
        &format!(
            "Updated form below: he no longer consents.\r\n\r\n{}",
            form_text(&[("Consent to referral", "No")])
        ),
    );
    w.put("colchester", &raw, uk(2026, 11, 24, 11, 0)).await;
    // One case, still open; no refused case beside it, and no mail telling
    // anyone the referral was refused.
    assert_eq!(w.store.cases(None, false).await.expect("cases").len(), 1);
    assert_eq!(w.status(&reference).await, "open");
    let events = w.events(&reference).await;
    assert!(
        events
            .iter()
            .any(|(k, d)| k == "consent_withdrawal_reported" && d.contains("neither")),
        "{events:?}"
    );
    w.send().await;
    assert!(w.rows("no_consent").await.is_empty());
    // The council is asked to confirm, as for a withdrawal in words.
    let asked = w.rows("consent_withdrawn").await;
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].to, [COLCHESTER]);
}

/// The reminders, chases and escalations queued about the case.
async fn follow_ups(w: &World, reference: &str) -> Vec<String> {
    let mut sent = Vec::new();
    for purpose in ["reminder", "chase", "escalation"] {
        for row in w.rows(purpose).await {
            if row.case_ref.as_deref() == Some(reference) {
                sent.push(format!("{purpose} to {:?}", row.to));
            }
        }
    }
    sent
}

#[tokio::test]
async fn nobody_is_chased_while_a_withdrawal_waits_for_the_council_and_chases_resume_after() {
    for ends in ["the council declines", "the referrer takes it back"] {
        let w = world().await;
        let (reference, ack) = colchester_acknowledged(&w).await;
        let notice = referrer_withdraws(&w, &reference, &ack).await;
        // The lead officer deadline (Monday 30 November) passes while the
        // council has not answered: nobody is reminded, chased or
        // escalated to about a referral that may have no consent.
        w.sweep_days(day(2026, 11, 25), day(2026, 12, 11)).await;
        let sent = follow_ups(&w, &reference).await;
        assert!(sent.is_empty(), "{ends}: {sent:?}");
        // The due list says why the overdue deadline is not followed up.
        let cases = w.store.deadline_cases(None).await.expect("cases");
        let notes: Vec<String> =
            dtr_gateway::sweep::open_deadlines(&w.config, &cases, day(2026, 12, 11))
                .iter()
                .flat_map(|d| d.notes())
                .collect();
        assert!(
            notes
                .iter()
                .any(|n| n.contains("a withdrawal of consent waits for the council")),
            "{notes:?}"
        );
        let at = uk(2026, 12, 14, 10, 0);
        if ends == "the council declines" {
            council_answers(
                &w,
                &reference,
                &notice,
                "Not confirmed - he still wants it.",
                at,
            )
            .await;
            assert!(
                w.has_event(&reference, "consent_withdrawal_declined").await,
                "{:?}",
                w.events(&reference).await
            );
            // The morning digest no longer lists it as waiting.
            let waiting = w
                .store
                .withdrawals_to_confirm("COL")
                .await
                .expect("waiting");
            assert!(waiting.is_empty(), "{waiting:?}");
        } else {
            let sorry = referrer_says(
                &passed("justice.gov.uk"),
                REFERRER,
                &reference,
                &ack,
                "Sorry, please ignore my last email: he is happy for the referral to go ahead.",
            );
            w.put("colchester", &sorry, at).await;
        }
        assert_eq!(w.status(&reference).await, "open");
        // The deadlines run again: the overdue lead officer is chased.
        w.sweep_days(day(2026, 12, 14), day(2026, 12, 16)).await;
        let sent = follow_ups(&w, &reference).await;
        assert!(
            sent.iter().any(|s| s.starts_with("chase")),
            "{ends}: {sent:?}"
        );
    }
}

#[tokio::test]
async fn a_referring_side_told_the_referral_closed_is_told_it_goes_on_when_it_is_reopened() {
    let w = world().await;
    let (reference, _) = closed_on_a_confirmed_withdrawal(&w).await;
    w.send().await;
    let closed = w.rows("withdrawal_confirmed").await.remove(0);
    assert!(closed.sent_at.is_some(), "the note that it closed went");
    // The officer finds it was another person's withdrawal, and reopens it.
    let reopened = w
        .store
        .reopen_case(&reference, &w.config.outgoing)
        .await
        .expect("reopened");
    assert!(reopened.referrer_told_reopened);
    w.send().await;
    let told = w.rows("case_reopened").await;
    assert_eq!(told.len(), 1);
    // To whom the note that it closed went, in its thread.
    assert_eq!(told[0].to, closed.to);
    assert_eq!(told[0].cc, closed.cc);
    assert!(told[0].sent_at.is_some(), "{told:?}");
    let text = one_line(&w.text_of(&told[0]));
    assert!(text.contains("the referral is open again"), "{text}");
    assert!(
        text.contains("Please do not send the referral again"),
        "{text}"
    );
    assert!(text.contains(&reference), "{text}");
    // Nothing about the person.
    assert!(!text.contains("Samuel"), "{text}");
    // Closed again by hand (never told to the referring side) and reopened:
    // nothing to undo, nothing sent.
    w.store
        .close_case(&reference, "no contact")
        .await
        .expect("closed");
    let again = w
        .store
        .reopen_case(&reference, &w.config.outgoing)
        .await
        .expect("reopened");
    assert!(!again.referrer_told_reopened);
    assert_eq!(w.rows("case_reopened").await.len(), 1);
}

#[tokio::test]
async fn every_report_that_holds_the_follow_ups_gives_the_council_a_notice_to_answer() {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    let notice = referrer_withdraws(&w, &reference, &ack).await;
    // The notice says what the council's silence does, and how to undo it.
    let text = one_line(&w.text_of(&notice));
    assert!(
        text.contains("no reminders, chases or escalations are sent about the case"),
        "{text}"
    );
    assert!(
        text.contains("reply to this message with No on the first line"),
        "{text}"
    );
    assert!(!text.contains("do nothing"), "{text}");
    // The council declines; the same day the referrer says it again.
    council_answers(&w, &reference, &notice, "No", uk(2026, 11, 24, 12, 0)).await;
    assert!(w.has_event(&reference, "consent_withdrawal_declined").await);
    let again = referrer_says(
        &passed("justice.gov.uk"),
        REFERRER,
        &reference,
        &ack,
        "Sorry - he has now told me he does withdraw his consent.",
    );
    w.put("colchester", &again, uk(2026, 11, 24, 15, 0)).await;
    // The follow-ups wait again, and the council has a new notice to
    // answer: the first was settled.
    w.send().await;
    let notices = w.rows("consent_withdrawn").await;
    assert_eq!(notices.len(), 2, "{notices:?}");
    council_answers(
        &w,
        &reference,
        &notices[1],
        "Confirmed",
        uk(2026, 11, 24, 16, 0),
    )
    .await;
    assert_eq!(w.status(&reference).await, "closed");
}
