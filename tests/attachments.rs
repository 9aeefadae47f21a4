//! Mail whose referral is in, or may be in, an attachment, as the
//! authority and the referrer see it: a Word form attached to a covering
//! note opens a case and is acknowledged; one the gateway cannot read
//! (a legacy `.doc`, a scanned PDF, an encrypted message) is set aside and
//! the authority told, never filed as `other` and forgotten.

mod common;

use base64::Engine;
use common::world::*;
use dtr_gateway::documents::write::{docx, pdf, word_paragraph, word_table};
use dtr_gateway::store::Action;

const COLCHESTER: &str = "dutytorefer@colchester.gov.uk";

/// A mail from the referrer with `body` and one attachment.
fn with_attachment(
    id: &str,
    subject: &str,
    body: &str,
    attachment: Option<(&str, &str, Vec<u8>)>,
) -> Vec<u8> {
    with_attachments(id, subject, body, attachment.as_slice())
}

/// A mail from the referrer with `body` and its attachments.
fn with_attachments(
    id: &str,
    subject: &str,
    body: &str,
    attachments: &[(&str, &str, Vec<u8>)],
) -> Vec<u8> {
    let mut raw = format!(
        "{}From: Jo Probation <{REFERRER}>\r\nTo: {COLCHESTER}\r\nSubject: {subject}\r\n\
         Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{id}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        passed("justice.gov.uk")
    );
    for (name, content_type, bytes) in attachments {
        let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
        let lines: Vec<String> = encoded
            .as_bytes()
            .chunks(76)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        raw += &format!(
            "--b\r\nContent-Type: {content_type}; name=\"{name}\"\r\n\
             Content-Disposition: attachment; filename=\"{name}\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            lines.join("\r\n")
        );
    }
    raw += "--b--\r\n";
    raw.into_bytes()
}

fn word_form() -> Vec<u8> {
    let rows: Vec<Vec<String>> = [
        ("Referral type", "Duty to Refer"),
        ("Full name", "Samuel Testperson"),
        ("Date of birth", "14/07/1988"),
        ("CRN", "X123456"),
        ("Custody status", "community"),
        ("Consent to referral", "☒ Yes ☐ No"),
        (
            "Reason at risk of homelessness",
            "Asked to leave the family home",
        ),
        ("Local connection", "resident"),
        ("Referring agency", "Probation Service"),
        ("Referrer name", "Jo Probation"),
        ("Referrer email", REFERRER),
        ("Referrer phone", "01245 000000"),
    ]
    .iter()
    .map(|(l, v)| vec![l.to_string(), v.to_string()])
    .collect();
    docx(&(word_paragraph("DUTY TO REFER REFERRAL") + &word_table(&rows))).expect("docx")
}

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

#[tokio::test]
async fn a_word_form_attached_to_a_covering_note_opens_a_case_and_is_acknowledged() {
    let w = world().await;
    let raw = with_attachment(
        "attached-1@justice.gov.uk",
        "Duty to refer",
        "Please find attached.\r\n\r\nKind regards\r\nJo",
        Some(("DTR referral - S Testperson.docx", DOCX, word_form())),
    );
    let reference = w.case("colchester", &raw, uk(2026, 11, 23, 10, 0)).await;
    w.send().await;
    let case = w.store.case(&reference).await.expect("case");
    assert_eq!(case.summary.status, "open");
    let acks = w.rows("acknowledgement").await;
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].to, [REFERRER]);
    assert!(w.text_of(&acks[0]).contains(&reference));
}

/// Set aside with `reason`, and the authority's inbox told.
async fn set_aside(raw: &[u8], reason: &str) {
    let w = world().await;
    let recorded = w.put("colchester", raw, uk(2026, 11, 23, 10, 0)).await;
    match &recorded.action {
        Action::Quarantined(why) => {
            assert_eq!(why, reason);
            assert!(
                !why.contains("form.doc") && !why.contains("scan.pdf"),
                "{why}"
            );
        }
        other => panic!("not set aside: {other:?}"),
    }
    w.send().await;
    let notices = w.rows("quarantine_notice").await;
    assert_eq!(notices.len(), 1, "the authority is told");
    assert_eq!(notices[0].to, [COLCHESTER]);
    assert!(w.rows("acknowledgement").await.is_empty());
    // What works for a message the gateway cannot read: a person opens it
    // and records it by hand; a release would only read it again, and a
    // domain to accept is no question here.
    // The notice names the message by the id the commands take.
    let id = recorded.message_row.to_string();
    let text = one_line(&w.text_of(&notices[0]));
    assert!(
        text.contains(&format!("ID: {id} (`dtr-gateway quarantine show {id}`)")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "record the referral by hand: `dtr-gateway case new --quarantined {id}`"
        )),
        "{text}"
    );
    assert!(
        !text.contains("can release it") && !text.contains("referring organisation's domain"),
        "{text}"
    );
}

#[tokio::test]
async fn a_legacy_word_form_is_set_aside_for_a_person() {
    let raw = with_attachment(
        "doc-1@justice.gov.uk",
        "Housing",
        "Please find attached.",
        Some((
            "form.doc",
            "application/msword",
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest".to_vec(),
        )),
    );
    set_aside(
        &raw,
        "an attached document that may hold a referral could not be read: \
         a Word 97-2003 (.doc) document, which the gateway cannot read",
    )
    .await;
}

#[tokio::test]
async fn a_scanned_form_is_set_aside_for_a_person() {
    let scan = pdf(&[vec![]], &[]).expect("pdf");
    let raw = with_attachment(
        "scan-1@justice.gov.uk",
        "Scan",
        "Scanned form attached.",
        Some(("scan.pdf", "application/pdf", scan)),
    );
    set_aside(
        &raw,
        "an attached document that may hold a referral could not be read: \
         a PDF with no text to read (a scan?)",
    )
    .await;
}

#[tokio::test]
async fn a_subject_that_names_a_referral_without_a_form_is_set_aside() {
    let raw = with_attachment(
        "subject-1@justice.gov.uk",
        "DTR - S Testperson",
        "I will send the form on Monday.",
        None,
    );
    set_aside(
        &raw,
        "the subject speaks of a referral, but no form was found",
    )
    .await;
}

#[tokio::test]
async fn mail_encrypted_on_a_portal_is_set_aside_for_a_person() {
    let raw = with_attachment(
        "portal-1@justice.gov.uk",
        "Secure message",
        "Jo Probation has sent you a protected message.\r\n\
         Read the message: https://outlook.office365.com/Encryption/retrieve.ashx?x=1",
        None,
    );
    set_aside(
        &raw,
        "the message cannot be read: held on Microsoft Purview Message Encryption's portal, \
         to be read there",
    )
    .await;
}

#[tokio::test]
async fn a_form_scanned_as_an_image_or_zipped_is_set_aside() {
    for (name, content_type) in [
        ("Scan_0001.jpg", "image/jpeg"),
        ("DTR referral.zip", "application/zip"),
    ] {
        let raw = with_attachment(
            &format!("{name}@justice.gov.uk"),
            "Referral",
            "Please find attached.",
            Some((name, content_type, vec![0xff, 0xd8, 0xff, 0xe0, 0, 1, 2, 3])),
        );
        set_aside(
            &raw,
            "an attached document that may hold a referral could not be read: \
             a file of a kind the gateway does not read (an image, an archive)",
        )
        .await;
    }
}

#[tokio::test]
async fn ordinary_mail_with_a_logo_is_still_only_recorded() {
    let w = world().await;
    let raw = with_attachment(
        "logo-1@justice.gov.uk",
        "Training on Thursday",
        "See you there.",
        Some(("image001.png", "image/png", vec![0x89, b'P', b'N', b'G'])),
    );
    let recorded = w.put("colchester", &raw, uk(2026, 11, 23, 10, 0)).await;
    assert_eq!(recorded.action, Action::RecordedOnly, "{recorded:?}");
    w.send().await;
    assert!(w.rows("quarantine_notice").await.is_empty());
}

#[tokio::test]
async fn dynamic_delivery_swapping_in_the_real_attachment_is_read_again() {
    // Defender's Dynamic Delivery: the note first, its attachment held
    // back for scanning; then the same Message-ID with the real form.
    let w = world().await;
    let id = "dynamic-1@justice.gov.uk";
    let placeholder = with_attachment(id, "Duty to refer", "Please find attached.", None);
    let first = w
        .put("colchester", &placeholder, uk(2026, 11, 23, 10, 0))
        .await;
    assert!(matches!(first.action, Action::Quarantined(_)), "{first:?}");
    let real = with_attachment(
        id,
        "Duty to refer",
        "Please find attached.",
        Some(("DTR referral.docx", DOCX, word_form())),
    );
    let second = w.put("colchester", &real, uk(2026, 11, 23, 10, 5)).await;
    assert_eq!(second.action, Action::Opened, "{second:?}");
    // The real copy seen again (a rescan, another folder) is a duplicate;
    // so is the same mail with the headers a server adds on the way.
    let third = w.put("colchester", &real, uk(2026, 11, 23, 10, 6)).await;
    assert_eq!(third.action, Action::Duplicate);
    let relayed = [
        b"Received: from relay.example by mx.example; Mon, 23 Nov 2026 10:07:00 +0000\r\n"
            .as_slice(),
        &real,
    ]
    .concat();
    let fourth = w.put("colchester", &relayed, uk(2026, 11, 23, 10, 7)).await;
    assert_eq!(fourth.action, Action::Duplicate);
    w.send().await;
    assert_eq!(w.rows("acknowledgement").await.len(), 1);
    // The placeholder waits for nobody: its referral is the case now.
    let reference = second.case.expect("a case").to_string();
    assert!(
        w.store.quarantined().await.expect("list").is_empty(),
        "the placeholder is settled"
    );
    let placeholder = w
        .store
        .quarantined_message(first.message_row)
        .await
        .expect("read")
        .expect("kept");
    let settled = placeholder.settled.expect("settled");
    assert_eq!(settled.how, "replaced by a later copy");
    assert_eq!(settled.note, Some(format!("now case {reference}")));
    assert!(placeholder.raw.is_none(), "its bytes go once settled");
    assert!(w.has_event(&reference, "earlier_copy_replaced").await);
    // Nobody at the council is asked to open a note whose referral is
    // already a case: its notice, held for this copy, never went.
    let notices = w.rows("quarantine_notice").await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].sent_at.is_none(), "{:?}", notices[0]);
    assert!(
        notices[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains(&format!("read as case {reference}"))),
        "{:?}",
        notices[0]
    );
}

#[tokio::test]
async fn a_referral_note_with_nothing_attached_is_told_once_no_copy_came() {
    let w = world().await;
    let placeholder = with_attachment(
        "dynamic-3@justice.gov.uk",
        "Duty to refer",
        "Please find attached.",
        None,
    );
    // Come just now: Dynamic Delivery's second copy may be minutes away.
    let at = chrono::Utc::now();
    let first = w.put("colchester", &placeholder, at).await;
    assert!(matches!(first.action, Action::Quarantined(_)), "{first:?}");
    w.send().await;
    let notices = w.rows("quarantine_notice").await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].sent_at.is_none(), "held: {:?}", notices[0]);
    // So that `outbox` says why it waits.
    assert_eq!(notices[0].context["awaiting_a_later_copy"], true);
    assert_eq!(
        notices[0].next_attempt_at,
        at + chrono::Duration::minutes(20)
    );
    // Come long ago (the gateway catching up): nothing to wait for, the
    // council hears of it at once.
    let old = with_attachment(
        "dynamic-4@justice.gov.uk",
        "Duty to refer",
        "Please find attached.",
        None,
    );
    w.put("colchester", &old, at - chrono::Duration::hours(2))
        .await;
    w.send().await;
    let notices = w.rows("quarantine_notice").await;
    assert_eq!(notices.len(), 2, "{notices:?}");
    assert!(notices[1].sent_at.is_some(), "{:?}", notices[1]);
}

#[tokio::test]
async fn a_further_copy_with_other_content_is_set_aside_never_a_second_case() {
    let w = world().await;
    let id = "dynamic-2@justice.gov.uk";
    let placeholder = with_attachment(id, "Duty to refer", "Please find attached.", None);
    w.put("colchester", &placeholder, uk(2026, 11, 23, 10, 0))
        .await;
    let real = with_attachment(
        id,
        "Duty to refer",
        "Please find attached.",
        Some(("DTR referral.docx", DOCX, word_form())),
    );
    let reference = w.case("colchester", &real, uk(2026, 11, 23, 10, 5)).await;
    w.send().await;
    // A third content under the same Message-ID: a person decides.
    let changed = with_attachment(
        id,
        "Duty to refer",
        "Please find attached the corrected form.",
        Some(("DTR referral v2.docx", DOCX, word_form())),
    );
    let third = w.put("colchester", &changed, uk(2026, 11, 23, 10, 9)).await;
    let why = format!(
        "a second copy with different content of a message already recorded as case {reference}"
    );
    assert_eq!(third.action, Action::Quarantined(why.clone()), "{third:?}");
    assert_eq!(third.case, None);
    let waiting = w.store.quarantined().await.expect("list");
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0].reason, why);
    // Seen again, it is a duplicate of itself, not another decision.
    let again = w
        .put("colchester", &changed, uk(2026, 11, 23, 10, 10))
        .await;
    assert_eq!(again.action, Action::Duplicate);
    w.send().await;
    assert_eq!(
        w.rows("acknowledgement").await.len(),
        1,
        "one case, one answer"
    );
    let notices = w.rows("quarantine_notice").await;
    assert_eq!(notices.len(), 2, "the placeholder's, then the copy's");
    let notice = one_line(&w.text_of(&notices[1]));
    assert!(notice.contains(&why), "{notice}");
    // What a person decides: compare, then dismiss or release; no advice
    // meant for a stranger's domain.
    assert!(
        notice.contains(&format!(
            "Compare it with the case (`dtr-gateway case {reference}`): if it adds nothing, \
             dismiss it"
        )),
        "{notice}"
    );
    assert!(
        !notice.contains("referring organisation's domain"),
        "{notice}"
    );
    let cases: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases")
        .fetch_one(w.store.pool())
        .await
        .expect("count");
    assert_eq!(cases, 1);
}

/// The attachments of a mail the gateway wrote: name and bytes.
fn attachments_of(raw: &str) -> Vec<(String, Vec<u8>)> {
    let parsed = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("a mail");
    parsed
        .attachments()
        .map(|a| {
            use mail_parser::MimeHeaders;
            (
                a.attachment_name().unwrap_or_default().to_string(),
                a.contents().to_vec(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_incomplete_mail_attaches_the_form_pre_filled_with_who_the_person_is_only() {
    use dtr_gateway::core::field::Field;
    use dtr_gateway::core::form::read_form;
    use dtr_gateway::documents::{read_document, DocumentKind, LIMITS};
    let w = world().await;
    let raw = referral(
        COLCHESTER,
        "prefill-1@justice.gov.uk",
        &[
            ("Referrer phone", ""),
            ("Mental health", "Anxiety, under the GP"),
            ("Risk to others", "MAPPA level 1"),
        ],
    );
    let reference = w.case("colchester", &raw, uk(2026, 11, 23, 10, 0)).await;
    w.send().await;
    let asked = w
        .rows("incomplete")
        .await
        .into_iter()
        .find(|r| r.case_ref.as_deref() == Some(reference.as_str()))
        .expect("the incomplete mail");
    let written = w.written().remove(&asked.message_id).expect("written");
    let files = attachments_of(&written);
    assert_eq!(files.len(), 1, "one form attached");
    assert_eq!(files[0].0, "Duty to Refer referral form.pdf");
    let text = read_document(DocumentKind::Pdf, &files[0].1, &LIMITS).expect("readable");
    let reading = read_form(&text);
    let filled: Vec<Field> = reading.values.keys().copied().collect();
    assert_eq!(
        filled,
        [Field::FullName, Field::DateOfBirth, Field::PrisonNumber],
        "{:?}",
        reading.values
    );
    assert_eq!(reading.values[&Field::FullName], "Samuel Testperson");
    assert_eq!(reading.values[&Field::DateOfBirth], "14/07/1988");
    assert!(!text.contains("Anxiety") && !text.contains("MAPPA"));
    // The mail says what the attached form is for.
    let said = one_line(&plain_text(&written));
    assert!(
        said.contains(
            "The attached PDF form already holds the details we received of who the person is \
             (name, date of birth, prison number or CRN): complete the rest on screen"
        ) && said.contains("send it back attached to your reply"),
        "{said}"
    );
}

#[tokio::test]
async fn the_blank_form_comes_as_a_fillable_pdf_and_a_word_document() {
    let w = world().await;
    let raw = format!(
        "{}From: Jo Probation <{REFERRER}>\r\nTo: {COLCHESTER}\r\nSubject: form\r\n\
         Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <ask-form-1@justice.gov.uk>\r\n\
         Content-Type: text/plain\r\n\r\nPlease send the form.\r\n",
        passed("justice.gov.uk")
    );
    w.put("colchester", raw.as_bytes(), uk(2026, 11, 23, 10, 0))
        .await;
    w.send().await;
    let rows = w.rows("blank_form").await;
    assert_eq!(rows.len(), 1);
    let written = w.written().remove(&rows[0].message_id).expect("written");
    let names: Vec<String> = attachments_of(&written)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        names,
        [
            "Duty to Refer referral form.pdf",
            "Duty to Refer referral form.docx"
        ]
    );
    // The mail says what the gateway reads: the attached forms sent back
    // attached, or the text form in the body; never "not as an attachment"
    // beside the attachments it carries.
    let text = one_line(&plain_text(&written));
    assert!(!text.contains("not as an attachment"), "{text}");
    assert!(
        text.contains("the attached form: the PDF can be filled in on screen")
            && text.contains("the Word document in Word or LibreOffice")
            && text.contains("send it back attached to an email")
            && text.contains("the text form below: copy it into the body of a new email"),
        "{text}"
    );
}

#[tokio::test]
async fn two_dates_of_birth_in_the_email_and_its_form_are_asked_about_by_name() {
    let w = world().await;
    // The form attached says 14/07/1988; the form in the note, 15/07/1988.
    let raw = with_attachment(
        "conflict-1@justice.gov.uk",
        "Duty to refer",
        "Full name: Samuel Testperson\r\nDate of birth: 15/07/1988\r\n\
         Current location: HMP Chelmsford\r\n",
        Some(("DTR referral.docx", DOCX, word_form())),
    );
    let reference = w.case("colchester", &raw, uk(2026, 11, 23, 10, 0)).await;
    w.send().await;
    let case = w.store.case(&reference).await.expect("case");
    assert_eq!(case.summary.status, "incomplete");
    let asked = w
        .rows("incomplete")
        .await
        .into_iter()
        .find(|r| r.case_ref.as_deref() == Some(reference.as_str()))
        .expect("the incomplete mail");
    let text = one_line(&w.text_of(&asked));
    assert!(
        text.contains(
            "Please check and write again: Date of birth (the email and its attached form give different answers)."
        ),
        "{text}"
    );
    assert!(w.rows("acknowledgement").await.is_empty());
}

/// The case as its officers read it (`case REF`, the web view).
async fn view_of(w: &World, reference: &str) -> dtr_gateway::case_view::CaseView {
    let case = w.store.case(reference).await.expect("case");
    dtr_gateway::case_view::case_view(&w.config, &w.store, &case, day(2026, 11, 23))
        .await
        .expect("case view")
}

fn header<'a>(view: &'a dtr_gateway::case_view::CaseView, label: &str) -> Option<&'a str> {
    view.header
        .iter()
        .find(|(l, _)| l == label)
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn the_case_names_the_attachment_its_form_was_read_from() {
    let w = world().await;
    let raw = with_attachment(
        "viewed-1@justice.gov.uk",
        "Duty to refer",
        "Please find attached.",
        Some(("DTR referral.docx", DOCX, word_form())),
    );
    let reference = w.case("colchester", &raw, uk(2026, 11, 23, 10, 0)).await;
    let view = view_of(&w, &reference).await;
    assert_eq!(
        header(&view, "Form read from"),
        Some("the attachment \"DTR referral.docx\""),
        "{:?}",
        view.header
    );
    assert_eq!(header(&view, "Forms disagree"), None);
    assert!(
        view.timeline
            .iter()
            .any(|(_, s)| s == "Form read from the attachment \"DTR referral.docx\""),
        "{:?}",
        view.timeline
    );
    // A form in the email's own text says nothing of attachments.
    let raw = referral(
        COLCHESTER,
        "viewed-2@justice.gov.uk",
        &[("Prison number", "B7654CD"), ("Full name", "Other Person")],
    );
    let reference = w.case("colchester", &raw, uk(2026, 11, 23, 11, 0)).await;
    let view = view_of(&w, &reference).await;
    assert_eq!(header(&view, "Form read from"), None, "{:?}", view.header);
}

#[tokio::test]
async fn the_case_names_the_fields_the_email_and_its_attached_form_disagree_on() {
    let w = world().await;
    let raw = with_attachment(
        "viewed-3@justice.gov.uk",
        "Duty to refer",
        "Full name: Samuel Testperson\r\nDate of birth: 15/07/1988\r\n\
         Current location: HMP Chelmsford\r\n",
        Some(("DTR referral.docx", DOCX, word_form())),
    );
    let reference = w.case("colchester", &raw, uk(2026, 11, 23, 10, 0)).await;
    let view = view_of(&w, &reference).await;
    assert_eq!(
        header(&view, "Forms disagree"),
        Some(
            "Date of birth (the form in the email's text and the attachment \
             \"DTR referral.docx\" give different answers): neither was taken, and the \
             referral is incomplete until the referrer says which is right"
        ),
        "{:?}",
        view.header
    );
    assert!(
        view.timeline
            .iter()
            .any(|(_, s)| s.starts_with("Referral received, incomplete")
                // Recorded after the time it was received: said at the end.
                && (s.ends_with("; the forms disagreed on: Date of birth")
                    || s.contains("; the forms disagreed on: Date of birth (recorded "))
                && !s.contains("unreadable")),
        "{:?}",
        view.timeline
    );
    assert!(
        view.timeline.iter().any(|(_, s)| s
            == "Form read from the attachment \"DTR referral.docx\"; the form in the email's \
                text and the attachment \"DTR referral.docx\" gave different answers for \
                Date of birth"),
        "{:?}",
        view.timeline
    );
}

#[tokio::test]
async fn a_purge_forgets_the_attached_forms_names() {
    // A document is often named after the person: its name goes with
    // the case's other details.
    let w = world().await;
    let raw = with_attachment(
        "viewed-4@justice.gov.uk",
        "Duty to refer",
        "Full name: Samuel Testperson\r\nDate of birth: 15/07/1988\r\n",
        Some(("Samuel Testperson DTR.docx", DOCX, word_form())),
    );
    let reference = w.case("colchester", &raw, uk(2026, 11, 23, 10, 0)).await;
    let named = |events: &[dtr_gateway::store::Event]| {
        events.iter().any(|e| {
            e.detail
                .as_deref()
                .is_some_and(|d| d.contains("Testperson"))
        })
    };
    assert!(named(&w.store.case(&reference).await.expect("case").events));
    w.store
        .close_case(&reference, "no_contact")
        .await
        .expect("closed");
    let later = chrono::Utc::now() + chrono::Duration::days(365 * 5);
    w.store
        .purge(
            dtr_gateway::retention::cutoffs(&w.config, later),
            &w.config,
            false,
        )
        .await
        .expect("purge");
    let case = w.store.case(&reference).await.expect("case");
    assert!(!named(&case.events), "{:?}", case.events);
    // What the report counts stays, and the case still says the forms
    // disagreed.
    assert!(case.events.iter().any(|e| e.kind == "referral_received"
        && e.detail
            .as_deref()
            .is_some_and(|d| d.contains("\"conflicts\":[\"date_of_birth\"]"))));
    let view = view_of(&w, &reference).await;
    assert_eq!(header(&view, "Form read from"), None);
    assert_eq!(header(&view, "Forms disagree"), None, "{:?}", view.header);
    assert_eq!(
        header(&view, "Forms disagreed"),
        Some("Date of birth (the message's forms gave different answers): neither was taken"),
        "{:?}",
        view.header
    );
}

/// A short Word form for `name` (born 02/03/1991), consent given.
fn short_word_form(name: &str) -> Vec<u8> {
    let rows: Vec<Vec<String>> = [
        ("Referral type", "Duty to Refer"),
        ("Full name", name),
        ("Date of birth", "02/03/1991"),
        ("Custody status", "community"),
        ("Consent to referral", "Yes"),
    ]
    .iter()
    .map(|(l, v)| vec![l.to_string(), v.to_string()])
    .collect();
    docx(&(word_paragraph("DUTY TO REFER REFERRAL") + &word_table(&rows))).expect("docx")
}

/// The text of the case's mail for `purpose`, on one line.
async fn mail_of(w: &World, purpose: &str, reference: &str) -> String {
    let row = w
        .rows(purpose)
        .await
        .into_iter()
        .find(|r| r.case_ref.as_deref() == Some(reference))
        .unwrap_or_else(|| panic!("no {purpose} mail for {reference}"));
    one_line(&w.text_of(&row))
}

#[tokio::test]
async fn two_attached_forms_for_two_people_are_asked_about_not_one_dropped() {
    let w = world().await;
    let second = short_word_form("Daniel Whitmore");
    let raw = with_attachments(
        "two-people-1@justice.gov.uk",
        "Duty to refer x2",
        "Please find attached two referrals.",
        &[
            ("DTR referral - S Testperson.docx", DOCX, word_form()),
            ("DTR referral - D Whitmore.docx", DOCX, second),
        ],
    );
    let reference = w.case("colchester", &raw, uk(2026, 11, 23, 10, 0)).await;
    w.send().await;
    let case = w.store.case(&reference).await.expect("case");
    assert_eq!(case.summary.status, "incomplete");
    let text = mail_of(&w, "incomplete", &reference).await;
    // Told plainly that each person's referral must come apart, and not
    // asked for answers as if it were one referral.
    assert!(
        text.contains("Your message carried referral forms for more than one person")
            && text.contains("please send each form in a new email (not a reply to this one)"),
        "{text}"
    );
    assert!(
        !text.contains("Please give") && !text.contains("Please check and write again"),
        "{text}"
    );
    // The case holds neither person, nor a consent to run a clock on: an
    // answer for one of them later can never inherit the other's details.
    let stored = w.store.case(&reference).await.expect("case");
    let held = stored.referral;
    assert_eq!(held.full_name, None);
    assert_eq!(held.date_of_birth, None);
    assert_eq!(held.consent, None, "{held:?}");
    assert!(held.risk_to_others.is_none() && held.physical_health.is_none());
    let notice = mail_of(&w, "notice", &reference).await;
    assert!(
        notice.contains("The message carried referral forms for more than one person"),
        "{notice}"
    );
    assert!(w.rows("acknowledgement").await.is_empty());
}

#[tokio::test]
async fn a_form_and_its_copy_with_a_typing_error_are_not_two_people() {
    let w = world().await;
    // The same person, the date of birth typed differently in the copy.
    let second = short_word_form("Samuel Testperson");
    let raw = with_attachments(
        "one-person-typo-1@justice.gov.uk",
        "Duty to refer",
        "Please find attached the referral, and a copy.",
        &[
            ("DTR referral.docx", DOCX, word_form()),
            ("DTR referral copy.docx", DOCX, second),
        ],
    );
    let reference = w.case("colchester", &raw, uk(2026, 11, 23, 10, 0)).await;
    w.send().await;
    let text = mail_of(&w, "incomplete", &reference).await;
    assert!(
        text.contains("Date of birth (the attached forms give different answers)"),
        "{text}"
    );
    assert!(!text.contains("more than one person"), "{text}");
}

/// The referrer's answer to the incomplete mail: its subject, threaded
/// to it, with the gateway's PDF returned filled in; `headers` first.
fn pdf_returned(headers: &str, subject: &str, in_reply_to: &str, pdf: &[u8]) -> Vec<u8> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(pdf);
    let lines: Vec<String> = encoded
        .as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    format!(
        "{headers}From: Jo Probation <{REFERRER}>\r\nTo: {COLCHESTER}\r\nSubject: RE: {subject}\r\n\
         Date: Tue, 24 Nov 2026 09:00:00 +0000\r\nMessage-ID: <returned-pdf-1@justice.gov.uk>\r\n\
         In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nPlease find the form completed.\r\n\
         --b\r\nContent-Type: application/pdf; name=\"Duty to Refer referral form.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"Duty to Refer referral form.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
        lines.join("\r\n")
    )
    .into_bytes()
}

/// An incomplete referral (no referrer phone) and the incomplete mail
/// sent for it; `verdict` is the server's header on it, if any.
async fn incomplete_case(w: &World, verdict: &str) -> (String, dtr_gateway::store::OutboxRow) {
    let raw = String::from_utf8(referral(
        COLCHESTER,
        "returned-pdf-0@justice.gov.uk",
        &[("Referrer phone", "")],
    ))
    .expect("utf-8")
    .replace(&passed("justice.gov.uk"), verdict);
    let reference = w
        .case("colchester", raw.as_bytes(), uk(2026, 11, 23, 10, 0))
        .await;
    w.send().await;
    let asked = w
        .rows("incomplete")
        .await
        .into_iter()
        .find(|r| r.case_ref.as_deref() == Some(reference.as_str()))
        .expect("the incomplete mail");
    (reference, asked)
}

/// The gateway's PDF from the incomplete mail, filled in by the referrer.
fn pdf_filled_in() -> Vec<u8> {
    use dtr_gateway::core::field::Field;
    dtr_gateway::documents::write::form_pdf(&[
        (Field::FullName, "Samuel Testperson".into()),
        (Field::DateOfBirth, "14/07/1988".into()),
        (Field::PrisonNumber, "A1234BC".into()),
        (Field::ReferrerPhone, "01245 000000".into()),
    ])
    .expect("pdf")
}

#[tokio::test]
async fn the_pre_filled_pdf_returned_by_the_referrer_completes_the_case() {
    let w = world().await;
    let (reference, asked) = incomplete_case(&w, &passed("justice.gov.uk")).await;
    let raw = pdf_returned(
        &passed("justice.gov.uk"),
        &format!("[{reference}] Referral incomplete: information needed"),
        &asked.message_id,
        &pdf_filled_in(),
    );
    let recorded = w.put("colchester", &raw, uk(2026, 11, 24, 9, 0)).await;
    assert_eq!(
        recorded.case.as_ref().map(|c| c.to_string()),
        Some(reference.clone())
    );
    assert_ne!(recorded.action, Action::Opened, "{recorded:?}");
    assert_eq!(w.status(&reference).await, "open");
    w.send().await;
    assert_eq!(w.rows("acknowledgement").await.len(), 1);
}

#[tokio::test]
async fn the_pre_filled_pdf_returned_to_a_mailbox_without_a_verdict_opens_no_second_case() {
    // A Maildir mailbox: no Authentication-Results on anything, and
    // answers in it change no case (trust_unauthenticated is off).
    let w = world().await;
    let (reference, asked) = incomplete_case(&w, "").await;
    let raw = pdf_returned(
        "",
        &format!("[{reference}] Referral incomplete: information needed"),
        &asked.message_id,
        &pdf_filled_in(),
    );
    let recorded = w.put("colchester", &raw, uk(2026, 11, 24, 9, 0)).await;
    assert!(
        !matches!(recorded.action, Action::Opened | Action::Linked),
        "{recorded:?}"
    );
    assert_eq!(
        recorded.case.as_ref().map(|c| c.to_string()),
        Some(reference.clone())
    );
    let cases = w.store.cases(None, false).await.expect("cases");
    assert_eq!(cases.len(), 1, "{cases:?}");
    // On the case, for the officer: the answers, and why they changed
    // nothing.
    assert_eq!(w.status(&reference).await, "incomplete");
    let not_applied = w.not_applied(&reference).await;
    assert_eq!(not_applied.len(), 1, "{not_applied:?}");
    assert!(
        not_applied[0].contains("the answers for the incomplete referral")
            && not_applied[0].contains("could not be authenticated"),
        "{not_applied:?}"
    );
    w.send().await;
    assert!(w.rows("acknowledgement").await.is_empty());
}

/// The Word form of [`word_form`] with rows replaced or added.
fn word_form_with(changes: &[(&str, &str)]) -> Vec<u8> {
    let mut rows: Vec<Vec<String>> = [
        ("Referral type", "Duty to Refer"),
        ("Full name", "Samuel Testperson"),
        ("Date of birth", "14/07/1988"),
        ("CRN", "X123456"),
        ("Custody status", "community"),
        ("Consent to referral", "Yes"),
        (
            "Reason at risk of homelessness",
            "Asked to leave the family home",
        ),
        ("Local connection", "resident"),
        ("Referring agency", "Probation Service"),
        ("Referrer name", "Jo Probation"),
        ("Referrer email", REFERRER),
        ("Referrer phone", "01245 000000"),
    ]
    .iter()
    .map(|(l, v)| vec![l.to_string(), v.to_string()])
    .collect();
    for (label, value) in changes {
        match rows.iter_mut().find(|r| r[0] == *label) {
            Some(row) => row[1] = value.to_string(),
            None => rows.push(vec![label.to_string(), value.to_string()]),
        }
    }
    docx(&(word_paragraph("DUTY TO REFER REFERRAL") + &word_table(&rows))).expect("docx")
}

/// The referrer's answer in the thread of the incomplete mail `asked`.
fn answer_to(
    asked: &dtr_gateway::store::OutboxRow,
    reference: &str,
    id: &str,
    body: &str,
) -> Vec<u8> {
    format!(
        "{}From: Jo Probation <{REFERRER}>\r\nTo: {COLCHESTER}\r\n\
         Subject: RE: [{reference}] Referral incomplete: information needed\r\n\
         Date: Tue, 24 Nov 2026 09:00:00 +0000\r\nMessage-ID: <{id}>\r\n\
         In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        passed("justice.gov.uk"),
        in_reply_to = asked.message_id,
    )
    .into_bytes()
}

/// A mail from the referrer with `body` and no attachment.
fn plain(id: &str, subject: &str, extra_headers: &str, body: &str) -> Vec<u8> {
    format!(
        "{}From: Jo Probation <{REFERRER}>\r\nTo: {COLCHESTER}\r\nSubject: {subject}\r\n\
         Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{id}>\r\n{extra_headers}\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        passed("justice.gov.uk")
    )
    .into_bytes()
}

/// What the gateway told the authority about a case, in one line each.
async fn notices_of(w: &World, reference: &str) -> Vec<String> {
    w.rows("notice")
        .await
        .into_iter()
        .filter(|r| r.case_ref.as_deref() == Some(reference))
        .map(|r| one_line(&w.text_of(&r)))
        .collect()
}

#[tokio::test]
async fn a_risk_the_email_and_its_form_answer_differently_is_asked_about_never_chosen() {
    let w = world().await;
    // The note says MAPPA and PTSD; the form attached, Low and Anxiety.
    let raw = with_attachment(
        "risk-conflict-1@justice.gov.uk",
        "Duty to refer",
        "Full name: Samuel Testperson\r\nDate of birth: 14/07/1988\r\n\
         Risk to others: MAPPA level 2, history of violence against partner\r\n\
         Mental health: PTSD\r\n",
        Some((
            "DTR referral.docx",
            DOCX,
            word_form_with(&[("Risk to others", "Low"), ("Mental health", "Anxiety")]),
        )),
    );
    let reference = w.case("colchester", &raw, uk(2026, 11, 23, 10, 0)).await;
    w.send().await;
    let case = w.store.case(&reference).await.expect("case");
    assert_eq!(case.summary.status, "incomplete");
    assert_eq!(case.referral.risk_to_others, None, "neither risk is taken");
    assert_eq!(case.referral.mental_health, None);
    let asked = w
        .rows("incomplete")
        .await
        .into_iter()
        .find(|r| r.case_ref.as_deref() == Some(reference.as_str()))
        .expect("the incomplete mail");
    let text = one_line(&w.text_of(&asked));
    assert!(
        text.contains("Mental health (the email and its attached form give different answers)")
            && text.contains(
                "Risk to others (the email and its attached form give different answers)"
            ),
        "{text}"
    );
    assert!(w.rows("acknowledgement").await.is_empty());
    assert!(
        notices_of(&w, &reference)
            .await
            .iter()
            .all(|n| !n.contains("MAPPA")),
        "no risk is told the authority before the referrer says which"
    );
    let view = view_of(&w, &reference).await;
    assert!(
        header(&view, "Forms disagree").is_some_and(
            |d| d.starts_with("Mental health and Risk to others (the form in the email's text")
        ),
        "{:?}",
        view.header
    );
    // The health alone does not settle the risk: still incomplete, and
    // the risk asked about again.
    let raw = answer_to(
        &asked,
        &reference,
        "risk-conflict-2@justice.gov.uk",
        "Mental health: PTSD",
    );
    w.put("colchester", &raw, uk(2026, 11, 24, 9, 0)).await;
    assert_eq!(w.status(&reference).await, "incomplete");
    w.send().await;
    let again = w
        .rows("incomplete")
        .await
        .into_iter()
        .rfind(|r| r.case_ref.as_deref() == Some(reference.as_str()))
        .expect("asked again");
    assert_ne!(again.message_id, asked.message_id);
    assert!(
        one_line(&w.text_of(&again))
            .contains("Risk to others (the first forms gave different answers)"),
        "{}",
        w.text_of(&again)
    );
    // The referrer's answer settles it: the case opens, the authority is
    // told of MAPPA, and the case no longer says the forms disagree.
    let raw = answer_to(
        &asked,
        &reference,
        "risk-conflict-3@justice.gov.uk",
        "Risk to others: MAPPA level 2, history of violence against partner",
    );
    w.put("colchester", &raw, uk(2026, 11, 24, 10, 0)).await;
    assert_eq!(w.status(&reference).await, "open");
    w.send().await;
    assert!(
        notices_of(&w, &reference)
            .await
            .iter()
            .any(|n| n.contains("The form says the person is managed under MAPPA")),
        "{:?}",
        notices_of(&w, &reference).await
    );
    let view = view_of(&w, &reference).await;
    assert_eq!(header(&view, "Forms disagree"), None, "{:?}", view.header);
    assert_eq!(
        header(&view, "Forms disagreed"),
        Some(
            "Mental health and Risk to others (the form in the email's text and the \
             attachment \"DTR referral.docx\" gave different answers): the referrer's later \
             answer settled it"
        ),
        "{:?}",
        view.header
    );
    assert!(
        view.timeline.iter().any(
            |(_, s)| s.ends_with("gave different answers for Mental health and Risk to others")
        ),
        "{:?}",
        view.timeline
    );
}

#[tokio::test]
async fn a_covering_note_that_agrees_in_substance_with_its_form_is_no_conflict() {
    let w = world().await;
    // An initial for the given name, and the risk said shorter.
    let raw = with_attachment(
        "agreed-1@justice.gov.uk",
        "Duty to refer",
        "Please find the form attached.\r\nName: S. Testperson\r\nRisk to others: MAPPA level 2\r\n",
        Some((
            "DTR referral.docx",
            DOCX,
            word_form_with(&[(
                "Risk to others",
                "MAPPA level 2, history of violence against partner",
            )]),
        )),
    );
    let reference = w.case("colchester", &raw, uk(2026, 11, 23, 10, 0)).await;
    w.send().await;
    let case = w.store.case(&reference).await.expect("case");
    assert_eq!(case.summary.status, "open", "{:?}", case.events);
    assert_eq!(
        case.referral.full_name.as_deref(),
        Some("Samuel Testperson")
    );
    assert_eq!(
        case.referral.risk_to_others.as_deref(),
        Some("MAPPA level 2, history of violence against partner")
    );
    assert_eq!(w.rows("acknowledgement").await.len(), 1);
    assert!(
        notices_of(&w, &reference)
            .await
            .iter()
            .any(|n| n.contains("The form says the person is managed under MAPPA")),
        "{:?}",
        notices_of(&w, &reference).await
    );
    let view = view_of(&w, &reference).await;
    assert_eq!(header(&view, "Forms disagree"), None);
    assert_eq!(header(&view, "Forms disagreed"), None);
}

#[tokio::test]
async fn a_later_form_that_names_the_person_otherwise_is_noted_not_taken() {
    use dtr_gateway::core::field::Field;
    // An incomplete case, then the pre-filled PDF returned in its thread
    // naming the person `name`.
    async fn returned_naming(name: &str) -> (World, String) {
        let w = world().await;
        let (reference, asked) = incomplete_case(&w, &passed("justice.gov.uk")).await;
        let pdf = dtr_gateway::documents::write::form_pdf(&[
            (Field::FullName, name.into()),
            (Field::DateOfBirth, "14/07/1988".into()),
            (Field::PrisonNumber, "A1234BC".into()),
            (Field::ReferrerPhone, "01245 000000".into()),
        ])
        .expect("pdf");
        let raw = pdf_returned(
            &passed("justice.gov.uk"),
            &format!("[{reference}] Referral incomplete: information needed"),
            &asked.message_id,
            &pdf,
        );
        w.put("colchester", &raw, uk(2026, 11, 24, 9, 0)).await;
        assert_eq!(w.status(&reference).await, "open");
        (w, reference)
    }
    let (w, reference) = returned_naming("Samson Testperson").await;
    let case = w.store.case(&reference).await.expect("case");
    assert_eq!(
        case.referral.full_name.as_deref(),
        Some("Samuel Testperson")
    );
    let not_applied = w.not_applied(&reference).await;
    assert!(
        not_applied
            .iter()
            .any(|n| n.contains("the full name the later form gives") && !n.contains("Samson")),
        "{not_applied:?}"
    );
    w.send().await;
    let notices = notices_of(&w, &reference).await;
    assert!(
        notices.iter().any(|n| n.contains(
            "The referrer's later form gives a different full name from the one first given"
        )),
        "{notices:?}"
    );
    // The same name written with an initial is the same name: nothing noted.
    let (w, reference) = returned_naming("S Testperson").await;
    assert!(w.not_applied(&reference).await.is_empty());
}

/// A Message-ID is the sender's to choose: another sender's mail under
/// it, or the same sender's in another council's inbox, is no later copy
/// of a waiting placeholder. It settles nothing, erases nothing, and a
/// case opened from it is its own.
#[tokio::test]
async fn another_senders_mail_under_the_same_message_id_settles_no_placeholder() {
    let w = world().await;
    let id = "dynamic-3@justice.gov.uk";
    let placeholder = with_attachment(id, "Duty to refer", "Please find attached.", None);
    let first = w
        .put("colchester", &placeholder, uk(2026, 11, 23, 10, 0))
        .await;
    assert!(matches!(first.action, Action::Quarantined(_)), "{first:?}");
    let real = with_attachment(
        id,
        "Duty to refer",
        "Please find attached.",
        Some(("DTR referral.docx", DOCX, word_form())),
    );
    let stranger = String::from_utf8(real.clone())
        .expect("text")
        .replace(
            &format!("From: Jo Probation <{REFERRER}>"),
            "From: Mal Other <mal.other@justice.gov.uk>",
        )
        .into_bytes();
    w.put("colchester", &stranger, uk(2026, 11, 23, 10, 5))
        .await;
    // The same sender's mail, other content, in another council's inbox.
    let elsewhere = with_attachment(
        id,
        "Duty to refer",
        "Please find attached, for Braintree.",
        Some(("DTR referral.docx", DOCX, word_form())),
    );
    w.put("braintree", &elsewhere, uk(2026, 11, 23, 10, 6))
        .await;
    let waiting = w.store.quarantined().await.expect("list");
    assert_eq!(waiting.len(), 1, "the placeholder still waits: {waiting:?}");
    assert_eq!(waiting[0].id, first.message_row);
    let kept = w
        .store
        .quarantined_message(first.message_row)
        .await
        .expect("read")
        .expect("kept");
    assert!(kept.settled.is_none(), "{:?}", kept.settled);
    assert!(kept.raw.is_some(), "its bytes are kept for a person");
    // Its own sender's real copy in its own inbox still settles it.
    let own = w.put("colchester", &real, uk(2026, 11, 23, 10, 7)).await;
    assert!(
        matches!(
            own.action,
            Action::Opened | Action::Linked | Action::AttachedReferral
        ),
        "{own:?}"
    );
    assert!(w.store.quarantined().await.expect("list").is_empty());
}

#[tokio::test]
async fn a_request_for_the_form_in_natural_words_is_answered_with_the_blank_form() {
    let asking = "Hello, please can you send me your Duty to Refer referral form? Thanks, Alex";
    for (n, (subject, body)) in [
        ("Referral form", asking),
        ("DTR form please", asking),
        ("Blank referral form", "Thanks"),
        ("form request", asking),
        ("Hello", "Could I have a blank DTR referral form please?"),
    ]
    .into_iter()
    .enumerate()
    {
        let w = world().await;
        let raw = plain(&format!("ask-{n}@justice.gov.uk"), subject, "", body);
        let recorded = w.put("colchester", &raw, uk(2026, 11, 23, 10, 0)).await;
        assert_eq!(
            recorded.action,
            Action::RecordedOnly,
            "{subject}: {recorded:?}"
        );
        w.send().await;
        let forms = w.rows("blank_form").await;
        assert_eq!(forms.len(), 1, "{subject}");
        assert_eq!(forms[0].to, [REFERRER]);
        assert!(w.rows("quarantine_notice").await.is_empty(), "{subject}");
        let text = one_line(&w.text_of(&forms[0]));
        assert!(
            text.contains("Here is the Duty to Refer referral form for"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn a_referral_whose_form_went_missing_is_still_set_aside() {
    // The form named over a note that says it is attached, and nothing
    // attached: a referral a person must chase, not a request.
    let raw = with_attachment(
        "missing-form-1@justice.gov.uk",
        "DTR referral form",
        "Please find attached the DTR referral form for Mr Testperson.",
        None,
    );
    set_aside(
        &raw,
        "the subject speaks of a referral, but no form was found",
    )
    .await;
}

#[tokio::test]
async fn a_blank_form_sent_back_unfilled_opens_no_case_and_the_form_comes_again() {
    let w = world().await;
    let ask = plain(
        "blank-ask@justice.gov.uk",
        "Form",
        "",
        "Please send the form.",
    );
    w.put("colchester", &ask, uk(2026, 11, 23, 10, 0)).await;
    w.send().await;
    let sent = w.rows("blank_form").await.remove(0);
    let written = w.written().remove(&sent.message_id).expect("written");
    let (_, blank_pdf) = attachments_of(&written)
        .into_iter()
        .find(|(name, _)| name.ends_with(".pdf"))
        .expect("the blank PDF");
    let blank_docx = attachments_of(&written)
        .into_iter()
        .find(|(name, _)| name.ends_with(".docx"))
        .expect("the blank Word form")
        .1;
    let blank_text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/blank-form.txt"
    ))
    .expect("the text form");

    // Sent back as it came (the PDF attached to a reply), the Word form
    // attached to a new mail, or the text form's labels pasted empty.
    let returns = [
        pdf_returned(
            &passed("justice.gov.uk"),
            "Duty to Refer referral form",
            &sent.message_id,
            &blank_pdf,
        ),
        with_attachment(
            "blank-docx@justice.gov.uk",
            "hello",
            "Here it is.",
            Some(("Duty to Refer referral form.docx", DOCX, blank_docx)),
        ),
        plain(
            "blank-text@justice.gov.uk",
            "hello",
            "",
            &blank_text.replace('\n', "\r\n"),
        ),
        plain(
            "blank-labels@justice.gov.uk",
            "hello",
            "",
            "DUTY TO REFER REFERRAL\r\nReferral type:\r\nFull name:\r\nLocal housing authority:",
        ),
    ];
    for (n, raw) in returns.iter().enumerate() {
        let recorded = w
            .put("colchester", raw, uk(2026, 11, 24, 9, n as u32))
            .await;
        assert_eq!(recorded.action, Action::RecordedOnly, "{n}: {recorded:?}");
        assert!(recorded.case.is_none(), "{n}: {recorded:?}");
    }
    w.send().await;
    assert!(w.rows("acknowledgement").await.is_empty());
    assert!(w.rows("incomplete").await.is_empty());
    assert!(w.rows("quarantine_notice").await.is_empty());
    let again = w.rows("blank_form").await;
    assert_eq!(again.len(), 1 + returns.len());
    for row in &again[1..] {
        assert_eq!(row.to, [REFERRER]);
        let text = one_line(&w.text_of(row));
        assert!(
            text.contains("The referral form you sent came back with nothing filled in, so no referral has been recorded"),
            "{text}"
        );
    }
    let cases: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases")
        .fetch_one(w.store.pool())
        .await
        .expect("count");
    assert_eq!(cases, 0);
}

#[tokio::test]
async fn a_reply_to_a_placeholder_recorded_as_other_reaches_the_case_its_real_copy_opened() {
    // Dynamic Delivery's placeholder with nothing in it that speaks of a
    // referral: recorded as other mail. The real copy opens the case; the
    // referrer's reply to her own message must reach it.
    let w = world().await;
    let id = "dynamic-other@justice.gov.uk";
    let placeholder = with_attachment(id, "Please find attached", "Please find attached.", None);
    let first = w
        .put("colchester", &placeholder, uk(2026, 11, 23, 10, 0))
        .await;
    assert_eq!(first.action, Action::RecordedOnly, "{first:?}");
    let real = with_attachment(
        id,
        "Please find attached",
        "Please find attached.",
        Some(("DTR referral.docx", DOCX, word_form())),
    );
    let second = w.put("colchester", &real, uk(2026, 11, 23, 10, 5)).await;
    assert_eq!(second.action, Action::Opened, "{second:?}");
    let reference = second.case.expect("a case").to_string();
    let follow_up = plain(
        "dynamic-other-2@justice.gov.uk",
        "RE: Please find attached",
        &format!("In-Reply-To: <{id}>\r\nReferences: <{id}>\r\n"),
        "Release date: 20/01/2027",
    );
    let third = w
        .put("colchester", &follow_up, uk(2026, 11, 23, 11, 0))
        .await;
    assert_eq!(
        third.case.as_ref().map(|c| c.to_string()),
        Some(reference),
        "{third:?}"
    );
}

#[tokio::test]
async fn unreadable_attachments_are_named_as_what_they_are() {
    set_aside(
        &with_attachment(
            "xlsx-1@justice.gov.uk",
            "Referral",
            "Please find attached.",
            Some((
                "referral.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                vec![0x50, 0x4b, 3, 4, 0, 0],
            )),
        ),
        "an attached document that may hold a referral could not be read: \
         a spreadsheet, which the gateway does not read",
    )
    .await;
    // Outlook's rich-text wrapping: not "an image, an archive".
    set_aside(
        &with_attachment(
            "tnef-1@justice.gov.uk",
            "Referral",
            "Please find attached.",
            Some((
                "winmail.dat",
                "application/ms-tnef",
                vec![0x78, 0x9f, 0x3e, 0x22, 0, 0],
            )),
        ),
        "an attached document that may hold a referral could not be read: \
         Outlook's rich-text wrapping (winmail.dat), which the gateway cannot open: what it \
         holds (often the form itself) needs sending again as an ordinary attachment",
    )
    .await;
    set_aside(
        &with_attachment(
            "msg-1@justice.gov.uk",
            "Referral",
            "Please find attached.",
            Some((
                "referral.msg",
                "application/vnd.ms-outlook",
                vec![0xd0, 0xcf, 0x11, 0xe0, 0, 0],
            )),
        ),
        "an attached document that may hold a referral could not be read: \
         an Outlook message (.msg), which the gateway cannot read",
    )
    .await;
}

fn smime(id: &str, smime_type: &str) -> Vec<u8> {
    format!(
        "{}From: Jo Probation <{REFERRER}>\r\nTo: {COLCHESTER}\r\nSubject: Referral\r\n\
         Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{id}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: application/pkcs7-mime; smime-type={smime_type}; name=\"smime.p7m\"\r\n\
         Content-Disposition: attachment; filename=\"smime.p7m\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG\r\n",
        passed("justice.gov.uk")
    )
    .into_bytes()
}

#[tokio::test]
async fn s_mime_is_called_signed_or_encrypted_as_it_is() {
    set_aside(
        &smime("smime-signed@justice.gov.uk", "signed-data"),
        "the message cannot be read: signed with S/MIME in a form the gateway cannot open",
    )
    .await;
    set_aside(
        &smime("smime-enveloped@justice.gov.uk", "enveloped-data"),
        "the message cannot be read: encrypted with S/MIME",
    )
    .await;
}

#[tokio::test]
async fn a_form_whose_answers_were_judged_out_of_sight_is_set_aside_not_answered_as_blank() {
    // The heading shows; every label and answer of the table is written
    // in white, which the gateway takes for white on the white page (as
    // it would over a dark picture it does not see). Read as it shows,
    // the form is blank; what was judged out of sight holds its labels.
    let white_cell = |text: &str| {
        format!(
            r#"<w:tc><w:p><w:r><w:rPr><w:color w:val="FFFFFF"/></w:rPr><w:t>{text}</w:t></w:r></w:p></w:tc>"#
        )
    };
    let rows: String = [
        ("Full name", "Samuel Testperson"),
        ("Date of birth", "14/07/1988"),
        ("CRN", "X123456"),
        ("Consent to referral", "Yes"),
    ]
    .iter()
    .map(|(label, value)| format!("<w:tr>{}{}</w:tr>", white_cell(label), white_cell(value)))
    .collect();
    let body = word_paragraph("DUTY TO REFER REFERRAL") + &format!("<w:tbl>{rows}</w:tbl>");
    let raw = with_attachment(
        "hidden-form@justice.gov.uk",
        "hello",
        "Here it is.",
        Some((
            "Duty to Refer referral form.docx",
            DOCX,
            docx(&body).expect("docx"),
        )),
    );
    set_aside(
        &raw,
        "an attached document that may hold a referral could not be read: \
         it holds text of the referral form that the gateway judged out of sight of a reader \
         (hidden, or coloured as what it is drawn on), so a form filled in may read as blank",
    )
    .await;
}

#[tokio::test]
async fn a_form_judged_out_of_sight_is_never_told_it_came_back_empty() {
    let white = |text: &str| {
        format!(
            r#"<w:p><w:r><w:rPr><w:color w:val="FFFFFF"/></w:rPr><w:t>{text}</w:t></w:r></w:p>"#
        )
    };
    let body = word_paragraph("DUTY TO REFER REFERRAL")
        + &word_paragraph("Full name:")
        + &word_paragraph("Date of birth:")
        + &word_paragraph("Prison number:")
        + &white("Full name: Samuel Testperson");
    let raw = with_attachment(
        "hidden-answer@justice.gov.uk",
        "hello",
        "Here it is.",
        Some((
            "Duty to Refer referral form.docx",
            DOCX,
            docx(&body).expect("docx"),
        )),
    );
    let w = world().await;
    let recorded = w.put("colchester", &raw, uk(2026, 11, 23, 10, 0)).await;
    assert!(
        matches!(recorded.action, Action::Quarantined(_)),
        "{recorded:?}"
    );
    w.send().await;
    assert!(w.rows("blank_form").await.is_empty());
    assert_eq!(w.rows("quarantine_notice").await.len(), 1);
}

#[tokio::test]
async fn a_document_that_could_not_be_read_beside_the_form_is_named_in_the_councils_notice() {
    let w = world().await;
    // A form read from the Word document, and an updated PDF beside it
    // that is damaged: what it says only a person opening the mail sees.
    let raw = with_attachments(
        "unread-beside-1@justice.gov.uk",
        "Duty to refer",
        "Please find attached.\r\n\r\nKind regards\r\nJo",
        &[
            ("DTR referral - S Testperson.docx", DOCX, word_form()),
            (
                "DTR referral (updated).pdf",
                "application/pdf",
                b"%PDF-1.7 damaged".to_vec(),
            ),
        ],
    );
    let reference = w.case("colchester", &raw, uk(2026, 11, 23, 10, 0)).await;
    w.send().await;
    let notices = notices_of(&w, &reference).await;
    assert!(
        notices.iter().any(|n| n.contains("could not read")
            && n.contains("DTR referral (updated).pdf")
            && n.contains("Open the mail")),
        "{notices:?}"
    );
    // The referrer, who can send it again, is told too.
    let acknowledged = w.rows("acknowledgement").await;
    let told = one_line(&w.text_of(&acknowledged[0]));
    assert!(
        told.contains("We could not read one document attached beside the form")
            && told.contains("has not been recorded")
            && !told.contains("DTR referral (updated).pdf"),
        "{told}"
    );
    // And the case says so to whoever opens it later, not only the notice.
    let view = view_of(&w, &reference).await;
    let not_read = header(&view, "Not read").unwrap_or_default();
    assert!(
        not_read.starts_with("the attachment \"DTR referral (updated).pdf\" (")
            && not_read.ends_with("open the mail to see what it says"),
        "{:?}",
        view.header
    );
    // A form read alone says nothing of documents not read.
    let w = world().await;
    let alone = with_attachment(
        "unread-beside-2@justice.gov.uk",
        "Duty to refer",
        "Please find attached.",
        Some(("DTR referral.docx", DOCX, word_form())),
    );
    let reference = w.case("colchester", &alone, uk(2026, 11, 24, 10, 0)).await;
    let view = view_of(&w, &reference).await;
    assert_eq!(header(&view, "Not read"), None, "{:?}", view.header);
}

#[tokio::test]
async fn a_forward_quoting_the_referrer_under_their_message_id_settles_nothing() {
    let w = world().await;
    let id = "dynamic-forged-1@justice.gov.uk";
    let placeholder = with_attachment(id, "Duty to refer", "Please find attached.", None);
    let at = chrono::Utc::now();
    let first = w.put("colchester", &placeholder, at).await;
    assert!(matches!(first.action, Action::Quarantined(_)), "{first:?}");
    // Someone else at an allowed domain sends a "forward" of the referrer's
    // mail under its Message-ID, a form of their own inside.
    let form = String::from_utf8(referral(COLCHESTER, "unused@justice.gov.uk", &[])).expect("text");
    let form_text = form.split("\r\n\r\n").nth(1).unwrap_or_default();
    let forged = format!(
        "{}From: Someone <someone@nhs.net>\r\nTo: {COLCHESTER}\r\nSubject: FW: Duty to refer\r\n\
         Date: Mon, 23 Nov 2026 10:05:00 +0000\r\nMessage-ID: <{id}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         ---------- Forwarded message ---------\r\nFrom: Jo Probation <{REFERRER}>\r\n\
         Date: Mon, 23 Nov 2026 at 10:00\r\nSubject: Duty to refer\r\nTo: <{COLCHESTER}>\r\n\r\n\
         {form_text}\r\n",
        passed("nhs.net")
    );
    w.put(
        "colchester",
        forged.as_bytes(),
        at + chrono::Duration::minutes(5),
    )
    .await;
    // The referrer's note still waits for a person, and its notice still goes.
    let waiting = w.store.quarantined().await.expect("list");
    assert!(
        waiting.iter().any(|q| q.id == first.message_row),
        "{waiting:?}"
    );
    let notices = w.rows("quarantine_notice").await;
    assert!(
        notices.iter().all(|n| n.last_error.is_none()),
        "{notices:?}"
    );
}
