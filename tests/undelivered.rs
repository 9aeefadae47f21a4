//! Mail that fails for good is seen by a person: a bounce, a block or a
//! leaver's automatic reply about one of the gateway's mails tells the
//! authority's inbox once, names the contact to correct, appears in the
//! next morning digest and in `status`; and changes no deadline.

mod common;

use common::world::*;
use common::{gateway_cli, TestDb};
use dtr_gateway::store::{OutboxRow, Store};

on_both_stores!(the_store_keeps_one_failure_per_mail_and_address_for_status_and_the_digest);

/// Exchange Online's report from the council's own server: the chase to
/// the operational lead failed for good, as Exchange writes it.
fn exchange_ndr(headers: &str, id: &str, chase: &OutboxRow, reference: &str, to: &str) -> Vec<u8> {
    format!(
        "{headers}From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@colchester.gov.uk>\r\n\
         To: dutytorefer@colchester.gov.uk\r\nDate: Tue, 1 Dec 2026 10:05:00 +0000\r\n\
         Message-ID: <{id}>\r\nSubject: Undeliverable: [{reference}] Chase 1\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Your message to {to} couldn't be delivered.\r\n\
         {to} wasn't found at cbhomes.org.\r\n\r\n\
         Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'\r\n\
         --b\r\nContent-Type: message/delivery-status\r\n\r\n\
         Reporting-MTA: dns;AM0PR01MB1234.eurprd01.prod.outlook.com\r\n\
         Received-From-MTA: dns;colchester.gov.uk\r\n\r\n\
         Final-Recipient: rfc822;{to}\r\nAction: failed\r\nStatus: 5.1.1\r\n\
         Diagnostic-Code: smtp;550 5.1.1 RESOLVER.ADR.RecipNotFound; not found\r\n\r\n\
         --b\r\nContent-Type: text/rfc822-headers\r\n\r\n\
         Message-ID: {}\r\nSubject: [{reference}] Chase 1\r\n\r\n--b--\r\n",
        chase.message_id
    )
    .into_bytes()
}

/// Colchester's case with its first chase (Tuesday 1 December) sent.
async fn chased() -> (World, String, OutboxRow) {
    let w = world().await;
    let (reference, _) = colchester_acknowledged(&w).await;
    w.sweep(uk(2026, 12, 1, 10, 0)).await;
    w.send().await;
    let chase = w.rows("chase").await.remove(0);
    (w, reference, chase)
}

#[tokio::test]
async fn a_bounced_chase_tells_the_inbox_once_and_the_next_digest() {
    let (w, reference, chase) = chased().await;
    let lead = chase.to[0].clone();
    let due_before = w.open_rules(&reference, day(2026, 12, 2)).await;

    w.put(
        "colchester",
        &exchange_ndr(
            INTERNAL,
            "ndr-1@colchester.gov.uk",
            &chase,
            &reference,
            &lead,
        ),
        uk(2026, 12, 1, 10, 5),
    )
    .await;
    // The same failure reported again (a second report, a leaver's reply
    // from the same address): still one notice.
    w.put(
        "colchester",
        &exchange_ndr(
            INTERNAL,
            "ndr-2@colchester.gov.uk",
            &chase,
            &reference,
            &lead,
        ),
        uk(2026, 12, 1, 10, 6),
    )
    .await;
    w.send().await;

    let notices = w.rows("contact_failed").await;
    assert_eq!(
        notices.len(),
        1,
        "one notice per failed mail and address: {notices:?}"
    );
    assert_eq!(notices[0].to, ["dutytorefer@colchester.gov.uk"]);
    assert!(notices[0].cc.is_empty());
    let text = one_line(&w.text_of(&notices[0]));
    assert!(
        text.contains(&format!(
            "The gateway's mail about the Duty to Refer referral {reference} (the chase) did not reach {lead}"
        )) && text.contains("the address does not exist"),
        "{text}"
    );
    // Nothing about the person referred: the reference and the address.
    assert!(
        !text.contains("Samuel") && !text.contains("A1234BC"),
        "{text}"
    );
    // A chase that never arrived changes no deadline.
    assert_eq!(w.open_rules(&reference, day(2026, 12, 2)).await, due_before);

    // The next morning's digest names the contact to correct.
    w.sweep(uk(2026, 12, 2, 10, 0)).await;
    w.send().await;
    let digests = w.rows("digest").await;
    let digest = digests
        .iter()
        .rfind(|d| d.to == ["dutytorefer@colchester.gov.uk"])
        .expect("Colchester's digest");
    let text = w.text_of(digest);
    assert!(text.contains("Mail that did not arrive: 1"), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains(&lead.to_ascii_lowercase()))
        .unwrap_or_else(|| panic!("no line for the contact: {text}"));
    assert!(
        line.contains(&reference) && line.contains("the chase"),
        "{line}"
    );

    // `status` lists the contact whose mail bounces.
    let database = format!("sqlite:{}", w.dir.path().join("cases.db").display());
    let (ok, out) = gateway_cli(&database, &["status", "--now", "02/12/2026 10:00"]);
    assert!(ok, "{out}");
    let row = out
        .lines()
        .find(|l| l.contains(&lead.to_ascii_lowercase()))
        .unwrap_or_else(|| panic!("the contact is listed: {out}"));
    assert!(
        row.contains("Colchester")
            && row.contains("1 Dec 2026 10:05")
            && row.contains("  1  ")
            && row.contains("the address does not exist"),
        "{row}"
    );
    assert!(out.contains("Contacts whose mail does not arrive"), "{out}");
}

#[tokio::test]
async fn a_leavers_automatic_reply_names_the_contact_and_out_of_office_does_not() {
    let (w, reference, chase) = chased().await;
    let lead = chase.to[0].clone();
    let reply = |id: &str, body: &str| {
        format!(
            "From: Tracey Brushett <{lead}>\r\nTo: dutytorefer@colchester.gov.uk\r\n\
             Subject: Automatic reply: [{reference}] Chase 1\r\nAuto-Submitted: auto-replied\r\n\
             X-Auto-Response-Suppress: All\r\nDate: Tue, 1 Dec 2026 10:01:00 +0000\r\n\
             Message-ID: <{id}>\r\nIn-Reply-To: {0}\r\nReferences: {0}\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\n{body}",
            chase.message_id
        )
        .into_bytes()
    };
    w.put(
        "colchester",
        &reply(
            "ooo-1@cbhomes.org",
            "I am out of the office until Monday 7 December with limited access to email.",
        ),
        uk(2026, 12, 1, 10, 1),
    )
    .await;
    w.send().await;
    assert!(
        w.rows("contact_failed").await.is_empty(),
        "away is not gone"
    );

    w.put(
        "colchester",
        &reply(
            "left-1@cbhomes.org",
            "Thank you for your email. I have now left Colchester Borough Homes and this \
             mailbox is no longer monitored.",
        ),
        uk(2026, 12, 1, 10, 2),
    )
    .await;
    w.send().await;
    let notices = w.rows("contact_failed").await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    let text = one_line(&w.text_of(&notices[0]));
    assert!(
        text.contains(&format!("did not reach {lead}"))
            && text.contains("has left, or that the mailbox is no longer read")
            && text.contains("authorities.toml"),
        "{text}"
    );
}

#[tokio::test]
async fn a_forged_report_changes_no_deadline_and_a_notice_that_bounces_begets_none() {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    let due_before = w.open_rules(&reference, day(2026, 11, 24)).await;
    // Anyone who has the acknowledgement's Message-ID can write this.
    let forged = exchange_ndr("", "forged@evil.example", &ack, &reference, REFERRER);
    w.put("colchester", &forged, uk(2026, 11, 23, 10, 30)).await;
    w.send().await;
    assert_eq!(
        w.open_rules(&reference, day(2026, 11, 24)).await,
        due_before
    );
    assert!(!w.has_event(&reference, "acknowledgement_returned").await);
    // The council hears of it (harmless), once, told that nobody vouched
    // for the report, and threaded under its own acknowledgement, never
    // under the report.
    let notices = w.rows("contact_failed").await;
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].to, ["dutytorefer@colchester.gov.uk"]);
    assert_eq!(
        notices[0].in_reply_to.as_deref(),
        Some(ack.message_id.as_str())
    );
    let written = w.written();
    let raw = written
        .values()
        .find(|m| m.contains("Mail did not arrive"))
        .expect("the notice is written");
    assert!(!raw.contains("forged@evil.example"), "{raw}");
    let text = one_line(&w.text_of(&notices[0]));
    assert!(
        text.contains("did not authenticate whoever sent this report"),
        "{text}"
    );
    // And the digest says so beside the contact.
    w.sweep(uk(2026, 11, 24, 10, 0)).await;
    w.send().await;
    let digest = w
        .rows("digest")
        .await
        .into_iter()
        .rfind(|d| d.to == ["dutytorefer@colchester.gov.uk"])
        .expect("Colchester's digest");
    let text = one_line(&w.text_of(&digest));
    assert!(
        text.contains("(reported by a sender the server did not authenticate)"),
        "{text}"
    );

    // The notice itself comes back: no notice of the notice.
    let notice = notices[0].clone();
    let back = exchange_ndr(
        INTERNAL,
        "ndr-notice@colchester.gov.uk",
        &notice,
        &reference,
        "dutytorefer@colchester.gov.uk",
    );
    w.put("colchester", &back, uk(2026, 11, 23, 11, 0)).await;
    w.send().await;
    assert_eq!(w.rows("contact_failed").await.len(), 1);
}

#[tokio::test]
async fn a_leavers_reply_without_threading_headers_is_about_the_latest_mail_to_them() {
    let (w, reference, chase) = chased().await;
    let lead = chase.to[0].clone();
    // Some systems answer with the reference in the subject only.
    let reply = format!(
        "From: {lead}\r\nTo: dutytorefer@colchester.gov.uk\r\n\
         Subject: Automatic reply: [{reference}] Chase 1\r\nAuto-Submitted: auto-replied\r\n\
         Date: Tue, 1 Dec 2026 10:01:00 +0000\r\nMessage-ID: <left-2@cbhomes.org>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         Tracey Brushett no longer works for Colchester Borough Homes.\r\n"
    );
    w.put("colchester", reply.as_bytes(), uk(2026, 12, 1, 10, 1))
        .await;
    w.send().await;
    let notices = w.rows("contact_failed").await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    let text = one_line(&w.text_of(&notices[0]));
    assert!(
        text.contains(&format!("({}) did not reach {lead}", "the chase")),
        "{text}"
    );
}

/// The embedded world on the store of `db`.
async fn world_on(db: TestDb) -> World {
    let base = world().await;
    let store = Store::open(&db.new_store_url(base.dir.path()))
        .await
        .expect("store opens");
    World {
        dir: base.dir,
        store,
        config: base.config,
    }
}

async fn the_store_keeps_one_failure_per_mail_and_address_for_status_and_the_digest(db: TestDb) {
    let w = world_on(db).await;
    let (reference, _) = colchester_acknowledged(&w).await;
    w.sweep(uk(2026, 12, 1, 10, 0)).await;
    w.send().await;
    let chase = w.rows("chase").await.remove(0);
    let lead = chase.to[0].clone();
    for id in ["ndr-a@colchester.gov.uk", "ndr-b@colchester.gov.uk"] {
        w.put(
            "colchester",
            &exchange_ndr(INTERNAL, id, &chase, &reference, &lead),
            uk(2026, 12, 1, 10, 5),
        )
        .await;
    }
    let contacts = w
        .store
        .failing_contacts(uk(2026, 12, 2, 10, 0))
        .await
        .expect("contacts");
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    let c = &contacts[0];
    assert_eq!(c.address, lead.to_ascii_lowercase());
    assert_eq!(
        (c.authority.as_str(), c.count, c.kind.as_str()),
        ("COL", 1, "bounced")
    );
    assert!(c.vouched);
    assert_eq!(c.since, uk(2026, 12, 1, 10, 5));
    let since = w
        .store
        .contact_failures(Some("COL"), uk(2026, 12, 1, 10, 0))
        .await
        .expect("failures");
    assert_eq!(since.len(), 1);
    assert_eq!(since[0].case_ref.as_deref(), Some(reference.as_str()));
    assert_eq!(since[0].purpose, "chase");
    assert!(w
        .store
        .contact_failures(Some("BAS"), uk(2026, 12, 1, 10, 0))
        .await
        .expect("failures")
        .is_empty());
    assert_eq!(w.rows("contact_failed").await.len(), 1);
}

#[tokio::test]
async fn a_report_in_another_authoritys_mailbox_changes_nothing_of_the_case() {
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
    let due_before = w.open_rules(&reference, day(2026, 11, 24)).await;
    let forged = exchange_ndr("", "xdsn@evil.example", &ack, &reference, REFERRER);
    w.put("basildon", &forged, uk(2026, 11, 23, 10, 30)).await;
    w.send().await;

    assert!(!w.has_event(&reference, "acknowledgement_returned").await);
    assert_eq!(
        w.open_rules(&reference, day(2026, 11, 24)).await,
        due_before
    );
    let row = w.rows("acknowledgement").await.remove(0);
    assert_eq!(row.status, "sent", "{row:?}");
    assert!(w
        .store
        .failing_contacts(uk(2026, 12, 2, 10, 0))
        .await
        .expect("contacts")
        .is_empty());
    assert!(w.rows("contact_failed").await.is_empty());
    assert!(
        w.not_applied(&reference)
            .await
            .iter()
            .any(|d| d.contains("basildon")),
        "{:?}",
        w.not_applied(&reference).await
    );
}

#[tokio::test]
async fn an_unauthenticated_report_does_not_mark_the_mail_failed() {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    let forged = exchange_ndr("", "forged-2@evil.example", &ack, &reference, REFERRER);
    w.put("colchester", &forged, uk(2026, 11, 23, 10, 30)).await;
    w.send().await;
    let row = w.rows("acknowledgement").await.remove(0);
    assert_eq!(row.status, "sent", "{row:?}");
    assert!(
        w.not_applied(&reference)
            .await
            .iter()
            .any(|d| d.contains("marked as not delivered")),
        "{:?}",
        w.not_applied(&reference).await
    );
    // The same report, authenticated by the council's own server, does.
    let real = exchange_ndr(
        INTERNAL,
        "ndr-real@colchester.gov.uk",
        &ack,
        &reference,
        REFERRER,
    );
    w.put("colchester", &real, uk(2026, 11, 23, 10, 40)).await;
    let row = w.rows("acknowledgement").await.remove(0);
    assert_eq!(row.status, "failed", "{row:?}");
}

#[tokio::test]
async fn each_failed_address_of_a_mail_is_told_once_and_a_real_report_after_a_forged_one_too() {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    let recipients: Vec<String> = ack.to.iter().chain(ack.cc.iter()).cloned().collect();
    assert!(recipients.len() >= 2, "{recipients:?}");
    let (first, second) = (&recipients[0], &recipients[1]);

    w.put(
        "colchester",
        &exchange_ndr(
            INTERNAL,
            "ndr-first@colchester.gov.uk",
            &ack,
            &reference,
            first,
        ),
        uk(2026, 11, 23, 10, 30),
    )
    .await;
    // The second recipient's failure, reported later: told too.
    w.put(
        "colchester",
        &exchange_ndr(
            INTERNAL,
            "ndr-second@colchester.gov.uk",
            &ack,
            &reference,
            second,
        ),
        uk(2026, 11, 23, 10, 40),
    )
    .await;
    // The first again: nothing more.
    w.put(
        "colchester",
        &exchange_ndr(
            INTERNAL,
            "ndr-again@colchester.gov.uk",
            &ack,
            &reference,
            first,
        ),
        uk(2026, 11, 23, 10, 50),
    )
    .await;
    w.send().await;
    let notices = w.rows("contact_failed").await;
    assert_eq!(notices.len(), 2, "{notices:?}");
    let texts: Vec<String> = notices.iter().map(|n| one_line(&w.text_of(n))).collect();
    assert!(
        texts[0].contains(&format!("did not reach {first}")),
        "{}",
        texts[0]
    );
    assert!(
        texts[1].contains(&format!("did not reach {second}")),
        "{}",
        texts[1]
    );

    // A forged report of the chase, then the real one: the real one is
    // told, and the contact counts as vouched for.
    w.sweep(uk(2026, 12, 1, 10, 0)).await;
    w.send().await;
    let chase = w.rows("chase").await.remove(0);
    let lead = chase.to[0].clone();
    w.put(
        "colchester",
        &exchange_ndr("", "forged-c@evil.example", &chase, &reference, &lead),
        uk(2026, 12, 1, 10, 5),
    )
    .await;
    w.put(
        "colchester",
        &exchange_ndr(
            INTERNAL,
            "ndr-c@colchester.gov.uk",
            &chase,
            &reference,
            &lead,
        ),
        uk(2026, 12, 1, 10, 6),
    )
    .await;
    w.send().await;
    let about_lead = w
        .rows("contact_failed")
        .await
        .into_iter()
        .filter(|n| one_line(&w.text_of(n)).contains(&format!("did not reach {lead}")))
        .count();
    assert_eq!(about_lead, 2);
    let contacts = w
        .store
        .failing_contacts(uk(2026, 12, 2, 10, 0))
        .await
        .expect("contacts");
    let c = contacts
        .iter()
        .find(|c| c.address == lead.to_ascii_lowercase())
        .expect("the lead is listed");
    assert!(c.vouched, "{c:?}");
}

#[tokio::test]
async fn the_timeline_names_only_the_address_that_failed_and_agrees_with_the_outbox() {
    let w = world().await;
    let (reference, ack) = colchester_acknowledged(&w).await;
    let recipients: Vec<String> = ack.to.iter().chain(ack.cc.iter()).cloned().collect();
    assert!(recipients.len() >= 2, "{recipients:?}");
    let (failed, fine) = (&recipients[0], &recipients[1]);
    w.put(
        "colchester",
        &exchange_ndr(
            INTERNAL,
            "ndr-t@colchester.gov.uk",
            &ack,
            &reference,
            failed,
        ),
        uk(2026, 11, 23, 10, 30),
    )
    .await;
    // A report naming a mail still queued (its Message-ID guessed): the
    // outbox keeps it queued, and the timeline says nothing came back.
    w.sweep(uk(2026, 12, 1, 10, 0)).await;
    let chase = w.rows("chase").await.remove(0);
    assert_eq!(chase.status, "queued");
    let lead = chase.to[0].clone();
    w.put(
        "colchester",
        &exchange_ndr(
            INTERNAL,
            "ndr-q@colchester.gov.uk",
            &chase,
            &reference,
            &lead,
        ),
        uk(2026, 12, 1, 10, 1),
    )
    .await;
    assert_eq!(w.rows("chase").await[0].status, "queued");

    let database = format!("sqlite:{}", w.dir.path().join("cases.db").display());
    let (ok, out) = gateway_cli(&database, &["case", &reference]);
    assert!(ok, "{out}");
    let back: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(" to ") && l.contains("came back undelivered"))
        .collect();
    assert_eq!(back.len(), 1, "{out}");
    assert!(
        back[0].contains(&failed.to_ascii_lowercase()) || back[0].contains(failed.as_str()),
        "{}",
        back[0]
    );
    assert!(
        !back[0]
            .to_ascii_lowercase()
            .contains(&fine.to_ascii_lowercase()),
        "{}",
        back[0]
    );
}

#[tokio::test]
async fn the_notice_and_status_say_the_role_and_fitting_advice() {
    let (w, reference, chase) = chased().await;
    let lead = chase.to[0].clone();
    // The council's own Annex A contact has left, and says who to write to.
    let reply = format!(
        "From: {lead}\r\nTo: dutytorefer@colchester.gov.uk\r\n\
         Subject: Automatic reply: [{reference}] Chase 1\r\nAuto-Submitted: auto-replied\r\n\
         Date: Tue, 1 Dec 2026 10:01:00 +0000\r\nMessage-ID: <left-r@cbhomes.org>\r\n\
         In-Reply-To: {0}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         I have left Colchester Borough Homes. Please write to Sam Jones \
         <sam.jones@colchester.gov.uk> instead.\r\n",
        chase.message_id
    );
    w.put("colchester", reply.as_bytes(), uk(2026, 12, 1, 10, 1))
        .await;
    // The referrer's address bounces.
    let ack = w.rows("acknowledgement").await.remove(0);
    w.put(
        "colchester",
        &exchange_ndr(
            INTERNAL,
            "ndr-ref@colchester.gov.uk",
            &ack,
            &reference,
            REFERRER,
        ),
        uk(2026, 12, 1, 10, 2),
    )
    .await;
    w.send().await;
    let notices = w.rows("contact_failed").await;
    assert_eq!(notices.len(), 2, "{notices:?}");
    let annex = one_line(&w.text_of(&notices[0]));
    assert!(
        annex.contains("operational lead (Annex A)")
            && annex.contains("authorities.toml")
            && annex.contains("The reply names sam.jones@colchester.gov.uk as the contact"),
        "{annex}"
    );
    let referrer = one_line(&w.text_of(&notices[1]));
    assert!(
        referrer.contains(&format!("{REFERRER} is the referrer on the case"))
            && referrer.contains("Ask the referring team for a current address"),
        "{referrer}"
    );
    let database = format!("sqlite:{}", w.dir.path().join("cases.db").display());
    let (ok, out) = gateway_cli(&database, &["status", "--now", "02/12/2026 10:00"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("The referrer on the case: Ask the referring team")
            && out.contains("operational lead (Annex A) on the case: Correct this contact"),
        "{out}"
    );
}

#[tokio::test]
async fn a_contact_leaves_the_status_list_when_mail_from_it_arrives_after_a_month_or_when_cleared()
{
    let (w, reference, chase) = chased().await;
    let lead = chase.to[0].clone();
    let ack = w.rows("acknowledgement").await.remove(0);
    w.put(
        "colchester",
        &exchange_ndr(
            INTERNAL,
            "ndr-l@colchester.gov.uk",
            &chase,
            &reference,
            &lead,
        ),
        uk(2026, 12, 1, 10, 5),
    )
    .await;
    w.put(
        "colchester",
        &exchange_ndr(
            INTERNAL,
            "ndr-r@colchester.gov.uk",
            &ack,
            &reference,
            REFERRER,
        ),
        uk(2026, 12, 1, 10, 6),
    )
    .await;
    let database = format!("sqlite:{}", w.dir.path().join("cases.db").display());
    let listed = |now: &str| {
        let (ok, out) = gateway_cli(&database, &["status", "--now", now]);
        assert!(ok, "{out}");
        (
            out.contains(&lead.to_ascii_lowercase()),
            out.contains(REFERRER),
            out,
        )
    };
    let (l, r, out) = listed("02/12/2026 10:00");
    assert!(l && r, "{out}");
    assert!(out.contains("dtr-gateway contacts clear ADDRESS"), "{out}");

    // The referrer writes again, authenticated: their address works.
    let reply = answer(
        &passed("justice.gov.uk"),
        REFERRER,
        "dutytorefer@colchester.gov.uk",
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Thank you.\r\n",
    );
    w.put("colchester", &reply, uk(2026, 12, 2, 11, 0)).await;
    let (l, r, out) = listed("02/12/2026 12:00");
    assert!(l && !r, "{out}");

    // A person corrected the lead's address.
    let (ok, out) = gateway_cli(&database, &["contacts", "clear", &lead]);
    assert!(ok && out.contains("no longer listed"), "{out}");
    let (l, _, out) = listed("02/12/2026 12:00");
    assert!(!l, "{out}");
    let (ok, out) = gateway_cli(&database, &["contacts", "clear", "nobody@justice.gov.uk"]);
    assert!(!ok && out.contains("is not listed"), "{out}");

    // A failure more than 30 days old is not listed.
    let chase2 = chase.clone();
    w.put(
        "colchester",
        &exchange_ndr(
            INTERNAL,
            "ndr-l2@colchester.gov.uk",
            &chase2,
            &reference,
            &lead,
        ),
        uk(2026, 12, 1, 10, 7),
    )
    .await;
    let (l, _, _) = listed("02/12/2026 12:00");
    assert!(
        !l,
        "a report of a failure already cleared lists nothing new"
    );
    w.put(
        "colchester",
        &exchange_ndr(
            INTERNAL,
            "ndr-r2@colchester.gov.uk",
            &ack,
            &reference,
            CASE_LEAD,
        ),
        uk(2026, 12, 3, 10, 0),
    )
    .await;
    let (_, _, out) = listed("04/12/2026 12:00");
    assert!(out.contains(CASE_LEAD), "{out}");
    let (_, _, out) = listed("05/01/2027 12:00");
    assert!(!out.contains(CASE_LEAD), "{out}");
}

#[tokio::test]
async fn a_report_that_does_not_return_the_mail_is_about_the_latest_mail_to_that_address() {
    let (w, reference, chase) = chased().await;
    let lead = chase.to[0].clone();
    // No returned headers: the reference in the subject, the recipient in
    // its Final-Recipient line, nothing more.
    let report = format!(
        "{INTERNAL}From: Microsoft Outlook <postmaster@colchester.gov.uk>\r\n\
         To: dutytorefer@colchester.gov.uk\r\nDate: Tue, 1 Dec 2026 10:05:00 +0000\r\n\
         Message-ID: <ndr-bare@colchester.gov.uk>\r\nSubject: Undeliverable: [{reference}] Chase 1\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Your message to {lead} couldn't be delivered.\r\n\
         --b\r\nContent-Type: message/delivery-status\r\n\r\n\
         Reporting-MTA: dns;AM0PR01MB1234.eurprd01.prod.outlook.com\r\n\r\n\
         Final-Recipient: rfc822;{lead}\r\nAction: failed\r\nStatus: 5.1.1\r\n\
         Diagnostic-Code: smtp;550 5.1.1 RESOLVER.ADR.RecipNotFound; not found\r\n\r\n\
         --b--\r\n"
    );
    w.put("colchester", report.as_bytes(), uk(2026, 12, 1, 10, 5))
        .await;
    w.send().await;
    let notices = w.rows("contact_failed").await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    let text = one_line(&w.text_of(&notices[0]));
    assert!(
        text.contains(&format!("(the chase) did not reach {lead}")),
        "{text}"
    );
    assert_eq!(w.rows("chase").await[0].status, "failed");
}

#[tokio::test]
async fn the_digest_marks_an_incomplete_new_referral_as_incomplete() {
    let w = world().await;
    let raw = referral(
        "dutytorefer@colchester.gov.uk",
        "incomplete-digest@justice.gov.uk",
        &[("Date of birth", "")],
    );
    let reference = w.case("colchester", &raw, uk(2026, 11, 23, 10, 0)).await;
    w.sweep(uk(2026, 11, 24, 10, 0)).await;
    w.send().await;
    let digest = w
        .rows("digest")
        .await
        .into_iter()
        .rfind(|d| d.to == ["dutytorefer@colchester.gov.uk"])
        .expect("Colchester's digest");
    let text = w.text_of(&digest);
    let line = text
        .lines()
        .find(|l| l.contains(&reference))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("Duty to Refer, incomplete"), "{line}");
}
