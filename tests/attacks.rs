//! Attacks on who may speak for a case, each from the exact mail an
//! attacker (or a careless correspondent) sends: a decoy referral, a
//! stranger at a huge allowed domain, bait quoted by an officer, a flood
//! of forged requests, a probe, a forward, a weaker mailbox, mail marked
//! automatic, forged verdicts. Each asserts what must hold: the referral
//! tracked, the case's leads and deadlines unchanged, the outbox clean,
//! and the case saying why.

mod common;

use common::world::*;
use dtr_gateway::config::{InternalMarks, ResultsFrom};
use dtr_gateway::store::Action;

const COLCHESTER: &str = "dutytorefer@colchester.gov.uk";

/// `raw` with its first line (the receiving server's verdict) replaced.
fn with_verdict(raw: Vec<u8>, verdict: &str) -> Vec<u8> {
    let text = String::from_utf8(raw).expect("utf-8");
    let rest = text.split_once("\r\n").map_or("", |(_, r)| r);
    format!("{verdict}{rest}").into_bytes()
}

#[tokio::test]
async fn a_decoy_referral_without_consent_never_untracks_the_real_one() {
    let w = world().await;
    // A decoy: no verdict, an NHSmail address, the prisoner's number, no
    // consent answer.
    let decoy = format!(
        "From: A Nurse <a.nurse@nhs.net>\r\nTo: {COLCHESTER}\r\nSubject: Referral\r\n\
         Message-ID: <decoy@nhs.net>\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\n\
         Content-Type: text/plain\r\n\r\nDUTY TO REFER REFERRAL\r\nFull name: Whoever\r\n\
         Prison number: A1234BC\r\nReferrer email: a.nurse@nhs.net\r\n"
    );
    let decoy_case = w
        .case("colchester", decoy.as_bytes(), uk(2026, 11, 23, 9, 0))
        .await;
    assert_eq!(w.status(&decoy_case).await, "incomplete");
    // The real referral, complete, authenticated.
    let recorded = w
        .put(
            "colchester",
            &referral(COLCHESTER, "real@justice.gov.uk", &[]),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    let real = recorded.case.expect("a case").to_string();
    assert_ne!(real, decoy_case);
    assert_eq!(w.status(&real).await, "open");
    w.send().await;
    // Nothing about the real referral reaches the decoy's sender.
    for row in w.all_rows().await {
        assert!(
            !row.to
                .iter()
                .chain(row.cc.iter())
                .any(|a| a == "a.nurse@nhs.net")
                || row.case_ref.as_deref() == Some(decoy_case.as_str()),
            "{row:?}"
        );
    }
    // The decoy lapses, unconfirmed; the real referral keeps its deadlines.
    let config = w.config.clone();
    let later = uk(2026, 12, 22, 10, 0);
    for sql in [
        "UPDATE cases SET opened_at = received_at",
        "UPDATE messages SET recorded_at = received_at",
    ] {
        sqlx::query(sql)
            .execute(w.store.pool())
            .await
            .expect("dates");
    }
    w.store
        .purge(
            dtr_gateway::retention::cutoffs(&config, later),
            &config,
            false,
        )
        .await
        .expect("purge");
    assert_eq!(w.status(&decoy_case).await, "lapsed");
    assert_eq!(w.status(&real).await, "open");
    assert!(w
        .open_rules(&real, day(2026, 12, 22))
        .await
        .contains(&"lead_officer".to_string()));
}

#[tokio::test]
async fn a_stranger_at_a_huge_allowed_domain_cannot_make_themselves_case_lead() {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    let takeover = answer(
        &passed("nhs.net"),
        "Mallory <mallory.evil@nhs.net>",
        COLCHESTER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Case lead: Mallory Evil <mallory.evil@nhs.net>\r\n",
    );
    w.put("colchester", &takeover, uk(2026, 11, 24, 10, 0))
        .await;
    assert_eq!(w.case_lead(&reference).await.as_deref(), Some(CASE_LEAD));
    assert!(
        w.not_applied(&reference)
            .await
            .iter()
            .any(|d| d.contains("mallory.evil@nhs.net")),
        "{:?}",
        w.events(&reference).await
    );
    // The current case lead is asked, and can confirm a real handover.
    w.send().await;
    let asked = w.rows("lead_change_pending").await;
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].to, [CASE_LEAD]);
    // Then, as the case lead, the stranger could have stopped the
    // follow-ups by moving the release date into the past: nothing moves.
    let stop = answer(
        &passed("nhs.net"),
        "mallory.evil@nhs.net",
        COLCHESTER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Release date: 02/01/2025\r\n",
    );
    w.put("colchester", &stop, uk(2026, 11, 24, 11, 0)).await;
    assert!(!w.has_event(&reference, "release_date_changed").await);
}

#[tokio::test]
async fn bait_quoted_in_an_officers_reply_names_no_lead() {
    let w = world().await;
    let (reference, _) = colchester_acknowledged(&w).await;
    // An outsider's mail under the case's reference, with the gateway's
    // prompt filled in with their own man.
    let bait = format!(
        "From: Cover <cover@evil.example>\r\nTo: {COLCHESTER}\r\n\
         Subject: [{reference}] Lead officer update\r\nMessage-ID: <bait@evil.example>\r\n\
         Content-Type: text/plain\r\n\r\nPlease confirm the details below.\r\n\r\n\
         Lead officer: Mark Cover\r\nEmail: (email address)\r\nTelephone: 07700 900 666\r\n"
    );
    w.put("colchester", bait.as_bytes(), uk(2026, 11, 24, 9, 0))
        .await;
    // The officer answers it from inside the council, quoting it.
    let reply = answer(
        INTERNAL,
        "Sam Real <sam.real@colchester.gov.uk>",
        "cover@evil.example",
        &format!("RE: [{reference}] Lead officer update"),
        "<bait@evil.example>",
        &format!(
            "I don't know who you are: please do not write to this inbox again.\r\n\r\n{}",
            outlook_quote(
                "Please confirm the details below.\n\nLead officer: Mark Cover\n\
                 Email: (email address)\nTelephone: 07700 900 666\n"
            )
        ),
    );
    w.put("colchester", &reply, uk(2026, 11, 24, 10, 0)).await;
    assert_eq!(w.lead_officer(&reference).await, None);
    assert!(!w.has_event(&reference, "lead_officer_named").await);
    assert!(w.rows("lead_changed").await.is_empty());
    assert!(w
        .not_applied(&reference)
        .await
        .iter()
        .any(|d| d.contains("Mark Cover")));
}

#[tokio::test]
async fn forged_requests_cannot_use_up_the_room_of_a_real_referrers_mail() {
    let w = world_with(|c| {
        c.outgoing.max_per_recipient_per_hour = 20;
        c.outgoing.max_per_recipient_per_day = 20;
    })
    .await;
    // Sixty forged requests for the blank form, in the referrer's name,
    // with no verdict from the receiving server.
    for n in 0..60 {
        let raw = format!(
            "From: {REFERRER}\r\nTo: {COLCHESTER}\r\nSubject: form\r\n\
             Message-ID: <forged-form-{n}@justice.gov.uk>\r\nContent-Type: text/plain\r\n\r\nform\r\n"
        );
        w.put("colchester", raw.as_bytes(), uk(2026, 11, 23, 9, n % 60))
            .await;
    }
    // The referrer's real referral, incomplete, authenticated: asked for
    // what is missing at once, not held back a day or dropped.
    let real = String::from_utf8(referral(COLCHESTER, "real-inc@justice.gov.uk", &[]))
        .expect("utf-8")
        .replace("Consent to referral: Yes\r\n", "");
    let reference = w
        .case("colchester", real.as_bytes(), uk(2026, 11, 23, 10, 0))
        .await;
    let asked = w
        .rows("incomplete")
        .await
        .into_iter()
        .find(|r| r.case_ref.as_deref() == Some(reference.as_str()))
        .expect("the incomplete mail is queued");
    assert!(
        asked.next_attempt_at <= asked.created_at + chrono::Duration::minutes(1),
        "held back: {asked:?}"
    );
    assert!(!w.has_event(&reference, "mail_withheld").await);
    assert!(!w.has_event(&reference, "mail_deferred").await);
    // A request the receiving server disowns gets no form at all.
    let before = w.rows("blank_form").await.len();
    let disowned = format!(
        "Authentication-Results: mx.lha.example; spf=pass smtp.mailfrom=evil.example; \
         dmarc=fail header.from=justice.gov.uk\r\nFrom: {REFERRER}\r\nTo: {COLCHESTER}\r\n\
         Subject: form\r\nMessage-ID: <disowned@justice.gov.uk>\r\nContent-Type: text/plain\r\n\r\nform\r\n"
    );
    w.put("colchester", disowned.as_bytes(), uk(2026, 11, 23, 11, 0))
        .await;
    assert_eq!(w.rows("blank_form").await.len(), before);
}

/// What a prober at an allowed domain receives, by purpose, for two
/// referrals of one prisoner.
async fn probe(w: &World, number: &str) -> Vec<String> {
    for n in 0..2 {
        let raw = referral(
            COLCHESTER,
            &format!("probe-{number}-{n}@nhs.net"),
            &[
                ("Prison number", number),
                ("Full name", "Probed Person"),
                ("Referrer email", "mallory@nhs.net"),
                ("Case lead email", "mallory@nhs.net"),
            ],
        );
        let raw = String::from_utf8(with_verdict(raw, &passed("nhs.net")))
            .expect("utf-8")
            .replace(&format!("<{REFERRER}>"), "<mallory@nhs.net>");
        w.put("colchester", raw.as_bytes(), uk(2026, 11, 24, 10, n))
            .await;
    }
    w.all_rows()
        .await
        .into_iter()
        .filter(|r| {
            r.to.iter()
                .chain(r.cc.iter())
                .any(|a| a == "mallory@nhs.net")
        })
        .map(|r| r.purpose)
        .collect()
}

#[tokio::test]
async fn a_probe_learns_nothing_of_whether_a_prisoner_has_a_case() {
    let with_case = world().await;
    colchester_acknowledged(&with_case).await;
    let seen_with = probe(&with_case, "A1234BC").await;
    let without = world().await;
    colchester_acknowledged(&without).await;
    let seen_without = probe(&without, "Z9999ZZ").await;
    assert_eq!(seen_with, seen_without);
    assert_eq!(seen_with, ["acknowledgement"]);
}

#[tokio::test]
async fn a_form_without_the_referrers_address_is_completed_by_who_sent_it() {
    let w = world().await;
    let raw = String::from_utf8(referral(COLCHESTER, "no-address@justice.gov.uk", &[]))
        .expect("utf-8")
        .replace(&format!("Referrer email: {REFERRER}\r\n"), "")
        .replace("Consent to referral: Yes\r\n", "");
    let reference = w
        .case("colchester", raw.as_bytes(), uk(2026, 11, 23, 10, 0))
        .await;
    assert_eq!(w.status(&reference).await, "incomplete");
    w.send().await;
    let asked = w.rows("incomplete").await.remove(0);
    assert_eq!(asked.to, [REFERRER]);
    let reply = answer(
        &passed("justice.gov.uk"),
        REFERRER,
        COLCHESTER,
        &format!("RE: [{reference}] Referral incomplete"),
        &asked.message_id,
        "Consent to referral: Yes\r\nReferrer email: jo.probation@justice.gov.uk\r\n",
    );
    w.put("colchester", &reply, uk(2026, 11, 23, 14, 0)).await;
    assert_eq!(w.status(&reference).await, "open");
}

#[tokio::test]
async fn an_officer_forwarding_a_referral_into_the_inbox_makes_no_second_case() {
    let w = world().await;
    let (reference, _) = colchester_acknowledged(&w).await;
    let acks = w.rows("acknowledgement").await.len();
    let original =
        String::from_utf8(referral(COLCHESTER, "ref-col-1@justice.gov.uk", &[])).expect("utf-8");
    let body = &original[original.find("DUTY TO REFER REFERRAL").expect("form")..];
    let forward = format!(
        "{INTERNAL}From: Sam Real <sam.real@colchester.gov.uk>\r\nTo: {COLCHESTER}\r\n\
         Subject: FW: Referral: S Testperson\r\nMessage-ID: <fw-1@colchester.gov.uk>\r\n\
         Content-Type: text/plain\r\n\r\n\r\n________________________________\r\n\
         From: Jo Probation <{REFERRER}>\r\nSent: 23 November 2026 10:00\r\nTo: {COLCHESTER}\r\n\
         Subject: Referral: S Testperson\r\n\r\n{body}"
    );
    let recorded = w
        .put("colchester", forward.as_bytes(), uk(2026, 11, 23, 12, 0))
        .await;
    assert_eq!(
        recorded.case.as_ref().map(|c| c.to_string()).as_deref(),
        Some(reference.as_str()),
        "{recorded:?}"
    );
    assert_eq!(w.store.cases(None, false).await.expect("cases").len(), 1);
    w.send().await;
    assert_eq!(w.rows("acknowledgement").await.len(), acks);
}

#[tokio::test]
async fn a_weaker_mailbox_does_not_speak_for_another_authoritys_cases() {
    // Basildon's mailbox trusts mail without a verdict; Colchester's does not.
    let w = world_with(|c| {
        for m in &mut c.mailboxes {
            if m.name == "basildon" {
                m.trust.trust_unauthenticated = true;
            }
        }
    })
    .await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    let forged = answer(
        "",
        "sam.real@colchester.gov.uk",
        COLCHESTER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Lead officer: Mark Cover\r\nEmail: mark.cover@colchester.gov.uk\r\n",
    );
    let recorded = w.put("basildon", &forged, uk(2026, 11, 24, 10, 0)).await;
    assert_eq!(w.lead_officer(&reference).await, None);
    assert!(w
        .open_rules(&reference, day(2026, 11, 24))
        .await
        .contains(&"lead_officer".to_string()));
    // Set aside in Basildon's mailbox for a person there, saying whose
    // case it names; nothing of it is written on Colchester's case.
    assert!(
        matches!(
            &recorded.action,
            Action::Quarantined(why) if why.contains(&reference)
                && why.contains("Colchester")
                && why.contains("basildon")
        ),
        "{recorded:?}"
    );
    assert!(w.not_applied(&reference).await.is_empty());
    let timeline = w.events(&reference).await;
    assert!(
        !timeline.iter().any(|(kind, _)| kind == "reply_received"),
        "{timeline:?}"
    );
}

#[tokio::test]
async fn a_referral_marked_automatic_is_set_aside_for_a_person_never_dropped() {
    let w = world().await;
    for (n, header) in ["Auto-Submitted: auto-generated\r\n", "Precedence: bulk\r\n"]
        .into_iter()
        .enumerate()
    {
        let raw = String::from_utf8(referral(
            COLCHESTER,
            &format!("auto-{n}@justice.gov.uk"),
            &[],
        ))
        .expect("utf-8")
        .replacen("From:", &format!("{header}From:"), 1);
        let recorded = w
            .put("colchester", raw.as_bytes(), uk(2026, 11, 23, 10, n as u32))
            .await;
        assert!(
            matches!(recorded.action, Action::Quarantined(ref why) if why.contains("automatically")),
            "{header}: {recorded:?}"
        );
    }
    let notices = w.rows("quarantine_notice").await;
    assert_eq!(notices.len(), 2);
    assert_eq!(notices[0].to, [COLCHESTER]);
    // Nothing went back to the automatic sender.
    assert!(w.rows("acknowledgement").await.is_empty());
    // A referral through a mailing list opens its case; the authority hears
    // of it, the list does not.
    let listed = String::from_utf8(referral(COLCHESTER, "listed@justice.gov.uk", &[]))
        .expect("utf-8")
        .replacen("From:", "List-Id: <omu.lists.justice.gov.uk>\r\nFrom:", 1);
    let recorded = w
        .put("colchester", listed.as_bytes(), uk(2026, 11, 23, 11, 0))
        .await;
    assert_eq!(recorded.action, Action::Opened);
    assert_eq!(w.rows("notice").await.len(), 1);
    assert!(w.rows("acknowledgement").await.is_empty());
}

#[tokio::test]
async fn a_forged_verdict_in_a_maildir_is_not_believed() {
    // The shipped configuration: Maildir mailboxes, no verdict read.
    let w = world_with(|c| {
        for m in &mut c.mailboxes {
            m.trust.results = ResultsFrom::Ignored;
            m.trust.internal = InternalMarks::None;
        }
    })
    .await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    let forged = answer(
        "Authentication-Results: forged.example; dmarc=pass header.from=colchester.gov.uk\r\n",
        "sam.real@colchester.gov.uk",
        COLCHESTER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Lead officer: Mark Cover\r\nEmail: mark.cover@colchester.gov.uk\r\n",
    );
    w.put("colchester", &forged, uk(2026, 11, 24, 10, 0)).await;
    assert_eq!(w.lead_officer(&reference).await, None);
    // And the shipped configuration reads no verdict from a Maildir.
    let (shipped, _) = dtr_gateway::config::Config::embedded().expect("config");
    assert!(shipped
        .mailboxes
        .iter()
        .all(|m| m.trust.results == ResultsFrom::Ignored));
}

#[tokio::test]
async fn a_from_naming_two_senders_speaks_for_neither() {
    let w = world_with(|c| {
        for m in &mut c.mailboxes {
            m.trust.results = ResultsFrom::Exchange;
        }
    })
    .await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    let two = answer(
        "Authentication-Results: spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=evil.example; \
         dkim=pass (signature was verified) header.d=evil.example;dmarc=pass action=none \
         header.from=evil.example;compauth=pass reason=100\r\n",
        "jo.probation@justice.gov.uk, x@evil.example",
        COLCHESTER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Release date: 02/01/2025\r\n",
    );
    let recorded = w.put("colchester", &two, uk(2026, 11, 24, 10, 0)).await;
    assert!(
        matches!(recorded.action, Action::Quarantined(ref why) if why.contains("2 senders")),
        "{recorded:?}"
    );
    assert!(!w.has_event(&reference, "release_date_changed").await);
}

#[tokio::test]
async fn consent_from_someone_who_may_not_give_it_is_on_the_case() {
    let w = world().await;
    let raw = String::from_utf8(referral(COLCHESTER, "inc-consent@justice.gov.uk", &[]))
        .expect("utf-8")
        .replace("Consent to referral: Yes\r\n", "");
    let reference = w
        .case("colchester", raw.as_bytes(), uk(2026, 11, 23, 10, 0))
        .await;
    w.send().await;
    let asked = w.rows("incomplete").await.remove(0);
    let spoofed = answer(
        "",
        REFERRER,
        COLCHESTER,
        &format!("RE: [{reference}] Referral incomplete"),
        &asked.message_id,
        "Consent to referral: Yes\r\n",
    );
    w.put("colchester", &spoofed, uk(2026, 11, 23, 12, 0)).await;
    assert_eq!(w.status(&reference).await, "incomplete");
    assert!(w
        .not_applied(&reference)
        .await
        .iter()
        .any(|d| d.contains("incomplete referral")));
}

#[tokio::test]
async fn an_outsiders_lead_lines_quoted_by_an_officer_name_nobody() {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    // Mallory writes into the thread (References: the acknowledgement),
    // with the gateway's prompt block filled in.
    let bait = format!(
        "From: Mallory <mallory@evil.example>\r\nTo: {COLCHESTER}\r\n\
         Subject: RE: [{reference}] Referral received\r\nMessage-ID: <bait@evil.example>\r\n\
         References: {}\r\nIn-Reply-To: {}\r\nContent-Type: text/plain\r\n\r\n\
         Please note the lead below.\r\n\r\nLead officer: Sam Officer\r\nEmail: (none)\r\n\
         Telephone: 09011 123456\r\n",
        ack.message_id, ack.message_id
    );
    w.put("colchester", bait.as_bytes(), uk(2026, 11, 23, 11, 0))
        .await;
    // An officer answers Mallory's mail, quoting it as Outlook does.
    let quoted = "Please note the lead below.\r\n\r\nLead officer: Sam Officer\r\n\
                  Email: (none)\r\nTelephone: 09011 123456\r\n";
    let raw = format!(
        "{INTERNAL}From: Peter Quill <peter.quill@colchester.gov.uk>\r\nTo: mallory@evil.example\r\n\
         Subject: RE: [{reference}] Referral received\r\nMessage-ID: <officer@colchester.gov.uk>\r\n\
         In-Reply-To: <bait@evil.example>\r\nReferences: {} <bait@evil.example>\r\n\
         Content-Type: text/plain\r\n\r\nThanks, I'll look into this.\r\n\r\n{}",
        ack.message_id,
        outlook_quote(quoted)
    );
    w.put("colchester", raw.as_bytes(), uk(2026, 11, 23, 12, 0))
        .await;
    assert_eq!(w.lead_officer(&reference).await, None);
    assert!(w.rows("lead_changed").await.is_empty());
}

#[tokio::test]
async fn a_case_lead_typed_into_the_form_at_a_domain_not_allowed_speaks_for_nobody() {
    let w = world().await;
    let reference = w
        .case(
            "colchester",
            &referral(
                COLCHESTER,
                "outside-lead@justice.gov.uk",
                &[("Case lead email", "mallory@evil.example")],
            ),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    w.send().await;
    let ack = w.rows("acknowledgement").await.remove(0);
    let raw = answer(
        &passed("evil.example"),
        "mallory@evil.example",
        COLCHESTER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Release date: 08/12/2026\r\nDone: commitment 10\r\n",
    );
    w.put("colchester", &raw, uk(2026, 11, 24, 10, 0)).await;
    assert!(!w.has_event(&reference, "release_date_changed").await);
    assert!(!w.has_event(&reference, "referrer_responded").await);
}

#[tokio::test]
async fn an_officer_who_says_the_case_is_not_yet_theirs_is_not_named() {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    for (n, body) in [
        "This case has not been allocated to me yet.\r\n",
        "Done: not yet - lead officer not yet allocated\r\n",
    ]
    .into_iter()
    .enumerate()
    {
        let raw = answer(
            INTERNAL,
            "peter.quill@colchester.gov.uk",
            COLCHESTER,
            &format!("RE: [{reference}] Referral received"),
            &ack.message_id,
            body,
        )
        .into_iter()
        .collect::<Vec<u8>>();
        let raw = String::from_utf8(raw).expect("utf-8").replacen(
            "Message-ID: <",
            &format!("Message-ID: <n{n}-"),
            1,
        );
        w.put(
            "colchester",
            raw.as_bytes(),
            uk(2026, 11, 24, 10 + n as u32, 0),
        )
        .await;
    }
    assert_eq!(w.lead_officer(&reference).await, None);
    assert!(w
        .open_rules(&reference, day(2026, 11, 25))
        .await
        .contains(&"lead_officer".to_string()));
}

#[tokio::test]
async fn a_referral_whose_sender_fails_authentication_is_tracked_with_a_warning() {
    let w = world().await;
    let forged = with_verdict(
        referral(COLCHESTER, "spoofed@justice.gov.uk", &[]),
        "Authentication-Results: mx.lha.example; spf=pass smtp.mailfrom=attacker.example; \
         dkim=none; dmarc=fail header.from=justice.gov.uk\r\n",
    );
    let reference = w.case("colchester", &forged, uk(2026, 11, 23, 10, 0)).await;
    w.send().await;
    let notice = w
        .rows("notice")
        .await
        .into_iter()
        .find(|r| r.case_ref.as_deref() == Some(reference.as_str()))
        .expect("the council is told");
    let text = one_line(&w.text_of(&notice));
    assert!(
        text.contains("could not confirm who sent this referral"),
        "{text}"
    );
}

#[tokio::test]
async fn consent_in_words_or_a_request_for_information_from_someone_else_changes_nothing() {
    let w = world().await;
    // An incomplete case: consent unticked.
    let reference = w
        .case(
            "colchester",
            &referral(
                COLCHESTER,
                "unticked-2@justice.gov.uk",
                &[("Consent to referral", "\u{2610} Yes \u{2610} No")],
            ),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    w.send().await;
    let asked = w.rows("incomplete").await.remove(0);
    // A colleague of the referrer, authenticated, is not the referrer.
    let raw = answer(
        &passed("justice.gov.uk"),
        "sam.colleague@justice.gov.uk",
        COLCHESTER,
        &format!("RE: [{reference}] Referral incomplete"),
        &asked.message_id,
        "Yes, he has consented to the referral.\r\n\
         Information requested: his bank details, please\r\n",
    );
    w.put("colchester", &raw, uk(2026, 11, 23, 14, 0)).await;
    assert_eq!(w.status(&reference).await, "incomplete");
    assert!(w.rows("acknowledgement").await.is_empty());
    // Only the authority asks for information, and nothing is relayed.
    assert!(!w.has_event(&reference, "information_requested").await);
    assert!(w.rows("information_requested").await.is_empty());
}

#[tokio::test]
async fn a_form_in_another_authoritys_mailbox_changes_nothing_of_this_ones_case() {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    for (n, (field, value)) in [
        ("Expected release date", "15/01/2027"),
        ("Consent to referral", "No"),
    ]
    .into_iter()
    .enumerate()
    {
        // The referrer, authenticated, answers in the case's thread with
        // the form again, to Basildon's inbox.
        let raw = answer(
            &passed("justice.gov.uk"),
            "jo.probation@justice.gov.uk",
            "housing.solutions@basildon.gov.uk",
            &format!("RE: [{reference}] Referral received"),
            &ack.message_id,
            // The form pasted under the quote of the gateway's mail, as
            // some answer in the thread.
            &format!(
                "Please see below.\r\n\r\n{}",
                outlook_quote(&form_text(&[(field, value)]))
            ),
        );
        let recorded = w
            .put("basildon", &raw, uk(2026, 11, 24, 10, n as u32))
            .await;
        assert!(
            matches!(&recorded.action, Action::Quarantined(why) if why.contains(&reference)),
            "{field}: {recorded:?}"
        );
    }
    // Set aside under its own sender, not the inbox its quote names.
    let held = w.store.quarantined().await.expect("quarantine");
    assert!(
        held.iter()
            .all(|q| q.sender.as_deref() == Some("jo.probation@justice.gov.uk")),
        "{held:?}"
    );
    // No second case, nothing moved on Colchester's, nobody told of a
    // refusal.
    assert_eq!(w.store.cases(None, false).await.expect("cases").len(), 1);
    let case = w.store.case(&reference).await.expect("case");
    assert_ne!(
        case.summary.expected_release_date.as_deref(),
        Some("2027-01-15")
    );
    w.send().await;
    assert!(w.rows("no_consent").await.is_empty());
}
