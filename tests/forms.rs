//! Forms as people fill them, answered as people answer: the incomplete
//! mail asks the referrer for what is missing, and each of the ways a
//! referrer gives it (the form again in full, the one line, the line typed
//! into the quoted form) completes the case and brings the acknowledgement;
//! and nobody else's mail does.

mod common;

use common::world::*;
use dtr_gateway::store::OutboxRow;

const COLCHESTER: &str = "dutytorefer@colchester.gov.uk";

/// A referral whose consent boxes were left unticked, received Monday 23
/// November 2026 at 10:00; the incomplete mail sent. Returns the case and
/// that mail.
async fn unticked(w: &World) -> (String, OutboxRow) {
    let reference = w
        .case(
            "colchester",
            &referral(
                COLCHESTER,
                "unticked@justice.gov.uk",
                &[("Consent to referral", "\u{2610} Yes \u{2610} No")],
            ),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    w.send().await;
    let case = w.store.case(&reference).await.expect("case");
    assert_eq!(case.summary.status, "incomplete");
    assert!(w.rows("acknowledgement").await.is_empty());
    let asked = incomplete_mail(w, &reference).await;
    assert_eq!(asked.to, [REFERRER]);
    assert!(w
        .text_of(&asked)
        .contains("Please give: Consent to referral."));
    (reference, asked)
}

/// `text` quoted as Gmail and Thunderbird quote it.
fn angle_quote(text: &str) -> String {
    let quoted: String = text.lines().map(|l| format!("> {l}\r\n")).collect();
    format!(
        "On Mon, 23 Nov 2026 at 10:05, Colchester Duty to Refer <{COLCHESTER}> wrote:\r\n{quoted}"
    )
}

/// The referrer's reply to the incomplete mail, as their mail program
/// sends it: the reference kept in the subject, the mail answered.
fn reply(asked: &OutboxRow, reference: &str, headers: &str, from: &str, body: &str) -> Vec<u8> {
    answer(
        headers,
        from,
        COLCHESTER,
        &format!("RE: [{reference}] Referral incomplete: information needed"),
        &asked.message_id,
        body,
    )
}

/// The referrer's answer to `asked`, from their own mailbox, authenticated,
/// at 14:00 on the day the referral came.
async fn referrer_replies(w: &World, asked: &OutboxRow, reference: &str, body: &str) {
    let raw = reply(asked, reference, &passed("justice.gov.uk"), REFERRER, body);
    w.put("colchester", &raw, uk(2026, 11, 23, 14, 0)).await;
}

/// The referrer answers in the form the mail quotes, its consent line
/// written as `answered`, under a line of their own (as Outlook quotes).
async fn fills_the_quoted_form(w: &World, asked: &OutboxRow, reference: &str, answered: &str) {
    let filled = w
        .text_of(asked)
        .replace("Consent to referral: [Yes / No]", answered);
    let body = format!("See below.\r\n\r\n{}", outlook_quote(&filled));
    referrer_replies(w, asked, reference, &body).await;
}

/// The incomplete mail sent for the case.
async fn incomplete_mail(w: &World, reference: &str) -> OutboxRow {
    w.rows("incomplete")
        .await
        .into_iter()
        .find(|r| r.case_ref.as_deref() == Some(reference))
        .expect("the incomplete mail")
}

/// The case is open, acknowledged once, to the referrer.
async fn completed_and_acknowledged(w: &World, reference: &str) {
    w.send().await;
    let case = w.store.case(reference).await.expect("case");
    assert_eq!(
        case.summary.status,
        "open",
        "{:?}",
        w.events(reference).await
    );
    assert!(w.has_event(reference, "referral_completed").await);
    let acks: Vec<OutboxRow> = w
        .rows("acknowledgement")
        .await
        .into_iter()
        .filter(|r| r.case_ref.as_deref() == Some(reference))
        .collect();
    assert_eq!(acks.len(), 1, "one acknowledgement");
    assert_eq!(acks[0].to, [REFERRER]);
    assert_eq!(acks[0].status, "sent");
    // One case: the answer opened nothing of its own.
    assert_eq!(
        w.store.cases(None, false).await.expect("cases").len(),
        1,
        "the answer opened a case of its own"
    );
}

#[tokio::test]
async fn the_form_again_in_full_above_the_quote_completes_the_case() {
    let w = world().await;
    let (reference, asked) = unticked(&w).await;
    let form = &form_text(&[]);
    let body = format!(
        "Hello, the form again with consent.\r\n\r\n{form}\r\nJo\r\n\r\n{}",
        outlook_quote(&w.text_of(&asked))
    );
    let raw = reply(
        &asked,
        &reference,
        &passed("justice.gov.uk"),
        &format!("Jo Probation <{REFERRER}>"),
        &body,
    );
    w.put("colchester", &raw, uk(2026, 11, 23, 14, 0)).await;
    completed_and_acknowledged(&w, &reference).await;
}

#[tokio::test]
async fn the_one_missing_line_above_the_quote_completes_the_case() {
    let w = world().await;
    let (reference, asked) = unticked(&w).await;
    let body = format!(
        "Consent to referral: Yes\r\n\r\nThanks, Jo\r\n\r\n{}",
        angle_quote(&w.text_of(&asked))
    );
    referrer_replies(&w, &asked, &reference, &body).await;
    completed_and_acknowledged(&w, &reference).await;
}

#[tokio::test]
async fn the_answer_typed_into_the_quoted_form_completes_the_case() {
    let w = world().await;
    let (reference, asked) = unticked(&w).await;
    // The referrer types into the form the mail quotes: the placeholder
    // `[Yes / No]` replaced by their answer, everything else left as sent.
    let text = w.text_of(&asked);
    assert!(text.contains("Consent to referral: [Yes / No]"), "{text}");
    let filled = text.replace(
        "Consent to referral: [Yes / No]",
        "Consent to referral: Yes",
    );
    for quoted in [outlook_quote(&filled), angle_quote(&filled)] {
        let w = world().await;
        let (reference, asked) = unticked(&w).await;
        let body = format!("See below.\r\n\r\n{quoted}");
        referrer_replies(&w, &asked, &reference, &body).await;
        completed_and_acknowledged(&w, &reference).await;
    }
    // The quote sent back untouched fills in nothing.
    let body = format!("Sorry, which part?\r\n\r\n{}", angle_quote(&text));
    referrer_replies(&w, &asked, &reference, &body).await;
    w.send().await;
    let case = w.store.case(&reference).await.expect("case");
    assert_eq!(case.summary.status, "incomplete");
    assert!(w.rows("acknowledgement").await.is_empty());
    assert_eq!(w.store.cases(None, false).await.expect("cases").len(), 1);
}

#[tokio::test]
async fn only_the_referring_side_authenticated_may_give_the_missing_answer() {
    for (headers, from) in [
        // A colleague in the same domain who is neither referrer nor case lead.
        (
            passed("justice.gov.uk"),
            "someone.else@justice.gov.uk".to_string(),
        ),
        // The referrer's address, but the receiving server could not say so.
        (String::new(), REFERRER.to_string()),
        // The referrer's address, forged.
        (
            "Authentication-Results: mx.lha.example; dmarc=fail header.from=justice.gov.uk\r\n"
                .to_string(),
            REFERRER.to_string(),
        ),
    ] {
        let w = world().await;
        let (reference, asked) = unticked(&w).await;
        let body = format!(
            "Consent to referral: Yes\r\n\r\n{}",
            angle_quote(&w.text_of(&asked))
        );
        let raw = reply(&asked, &reference, &headers, &from, &body);
        w.put("colchester", &raw, uk(2026, 11, 23, 14, 0)).await;
        w.send().await;
        let case = w.store.case(&reference).await.expect("case");
        assert_eq!(case.summary.status, "incomplete", "{from} {headers}");
        assert!(
            w.rows("acknowledgement").await.is_empty(),
            "{from} {headers}"
        );
        assert_eq!(w.store.cases(None, false).await.expect("cases").len(), 1);
    }
}

#[tokio::test]
async fn a_new_mail_to_the_inbox_quoting_the_reference_completes_the_case() {
    let w = world().await;
    let (reference, _) = unticked(&w).await;
    // Not a reply: a fresh message, the reference typed into the subject.
    let raw = format!(
        "{}From: Jo Probation <{REFERRER}>\r\nTo: {COLCHESTER}\r\n\
         Subject: Consent for {reference}\r\nDate: Mon, 23 Nov 2026 15:00:00 +0000\r\n\
         Message-ID: <fresh-consent@justice.gov.uk>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         Hello,\r\n\r\nConsent to referral: Yes\r\n\r\nJo Probation\r\nTel: 01245 000000\r\n",
        passed("justice.gov.uk")
    );
    w.put("colchester", raw.as_bytes(), uk(2026, 11, 23, 15, 0))
        .await;
    completed_and_acknowledged(&w, &reference).await;
}

/// A referral whose date of birth was not a date (31/02/1988), and so
/// incomplete; the incomplete mail sent.
#[tokio::test]
async fn the_answer_typed_after_the_options_left_in_completes_the_case() {
    // Many people click after `[Yes / No]` and type, leaving the options.
    let w = world().await;
    let (reference, asked) = unticked(&w).await;
    fills_the_quoted_form(
        &w,
        &asked,
        &reference,
        "Consent to referral: [Yes / No] Yes",
    )
    .await;
    completed_and_acknowledged(&w, &reference).await;
}

#[tokio::test]
async fn an_unreadable_consent_is_asked_again_saying_what_is_wanted() {
    let w = world().await;
    let reference = w
        .case(
            "colchester",
            &referral(
                COLCHESTER,
                "verbal@justice.gov.uk",
                &[("Consent to referral", "Verbal only, written to follow")],
            ),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    w.send().await;
    let asked = incomplete_mail(&w, &reference).await;
    let text = one_line(&w.text_of(&asked));
    assert!(
        text.contains("Please check and write again: Consent to referral (Yes or No)."),
        "{text}"
    );
    // Doing as asked: the one line, above the quote.
    let body = format!(
        "Consent to referral: Yes\r\n\r\nJo\r\n\r\n{}",
        angle_quote(&w.text_of(&asked))
    );
    referrer_replies(&w, &asked, &reference, &body).await;
    completed_and_acknowledged(&w, &reference).await;
}

async fn impossible_birthday(w: &World) -> (String, OutboxRow) {
    let reference = w
        .case(
            "colchester",
            &referral(
                COLCHESTER,
                "bad-dob@justice.gov.uk",
                &[("Date of birth", "31/02/1988"), ("Prison number", "")],
            ),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    w.send().await;
    let asked = incomplete_mail(w, &reference).await;
    assert!(one_line(&w.text_of(&asked))
        .contains("Please check and write again: Date of birth (a date, such as 14/02/1988)."));
    (reference, asked)
}

#[tokio::test]
async fn the_date_of_birth_given_alone_completes_the_case() {
    let w = world().await;
    let (reference, asked) = impossible_birthday(&w).await;
    let body = format!(
        "Sorry - Date of birth: 14/07/1988\r\n\r\nJo\r\n\r\n{}",
        outlook_quote(&w.text_of(&asked))
    );
    let body = body.replacen("Sorry - ", "", 1);
    referrer_replies(&w, &asked, &reference, &body).await;
    completed_and_acknowledged(&w, &reference).await;
    // The acknowledgement speaks of the referral, not of the reply.
    let ack = &w.rows("acknowledgement").await[0];
    let text = one_line(&w.text_of(ack));
    assert!(!text.contains("Referral incomplete"), "{text}");
}

#[tokio::test]
async fn the_whole_form_corrected_completes_the_case_and_opens_no_other() {
    let w = world().await;
    let (reference, asked) = impossible_birthday(&w).await;
    let form = &form_text(&[]);
    let body = format!(
        "Corrected form below.\r\n\r\n{form}\r\n{}",
        outlook_quote(&w.text_of(&asked))
    );
    referrer_replies(&w, &asked, &reference, &body).await;
    completed_and_acknowledged(&w, &reference).await;
}

#[tokio::test]
async fn a_form_for_someone_else_in_the_thread_completes_nothing() {
    let w = world().await;
    let (reference, asked) = impossible_birthday(&w).await;
    let form = &form_text(&[("Full name", "Another Person"), ("Prison number", "")]);
    let raw = reply(
        &asked,
        &reference,
        &passed("justice.gov.uk"),
        REFERRER,
        form,
    );
    w.put("colchester", &raw, uk(2026, 11, 23, 14, 0)).await;
    let case = w.store.case(&reference).await.expect("case");
    assert_eq!(case.summary.status, "incomplete");
}

#[tokio::test]
async fn the_referrers_updated_form_moves_the_release_date() {
    let w = world().await;
    let reference = w
        .case(
            "colchester",
            &referral(COLCHESTER, "first@justice.gov.uk", &[]),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    w.send().await;
    // Parole granted: the same form, a new (earlier) release date.
    let form = &form_text(&[("Expected release date", "15/01/2027")]);
    let raw = answer(
        &passed("justice.gov.uk"),
        REFERRER,
        COLCHESTER,
        &format!("RE: [{reference}] Referral received"),
        "<first@justice.gov.uk>",
        &format!("Updated form: release brought forward.\r\n\r\n{form}"),
    );
    w.put("colchester", &raw, uk(2026, 11, 30, 10, 0)).await;
    let events = w.events(&reference).await;
    assert!(
        events
            .iter()
            .any(|(kind, detail)| kind == "release_date_changed" && detail.contains("2027-01-15")),
        "{events:?}"
    );
    let case = w.store.case(&reference).await.expect("case");
    assert_eq!(
        case.summary.expected_release_date.map(|d| d.to_string()),
        Some("2027-01-15".to_string())
    );
    // One case still.
    assert_eq!(w.store.cases(None, false).await.expect("cases").len(), 1);
}

#[tokio::test]
async fn an_incomplete_referral_owes_the_council_nothing_until_it_is_complete() {
    let w = world().await;
    let (reference, asked) = unticked(&w).await;
    // Three weeks without an answer: nobody at the council is reminded,
    // chased or escalated to.
    w.sweep_days(day(2026, 11, 24), day(2026, 12, 11)).await;
    for purpose in ["reminder", "chase", "escalation"] {
        assert!(w.rows(purpose).await.is_empty(), "{purpose} sent");
    }
    // Completed on Monday 14 December: the council's clock starts then.
    let raw = reply(
        &asked,
        &reference,
        &passed("justice.gov.uk"),
        REFERRER,
        "Consent to referral: Yes\r\n",
    );
    w.put("colchester", &raw, uk(2026, 12, 14, 10, 0)).await;
    let due = w.due(&reference, day(2026, 12, 14)).await;
    let lead = due
        .iter()
        .find(|(rule, ..)| rule == "lead_officer")
        .expect("the lead officer deadline");
    assert_eq!(
        lead.1,
        day(2026, 12, 21),
        "five working days from completion: {due:?}"
    );
}

#[tokio::test]
async fn yes_he_has_consented_in_reply_completes_the_case() {
    let w = world().await;
    let (reference, asked) = unticked(&w).await;
    let body = format!(
        "Yes, he has consented to the referral.\r\n\r\nJo\r\n\r\n{}",
        outlook_quote(&w.text_of(&asked))
    );
    referrer_replies(&w, &asked, &reference, &body).await;
    completed_and_acknowledged(&w, &reference).await;

    // Words that take it back complete nothing.
    let w = world().await;
    let (reference, asked) = unticked(&w).await;
    let raw = reply(
        &asked,
        &reference,
        &passed("justice.gov.uk"),
        REFERRER,
        "He has not consented yet; I will ask him on Friday.\r\n",
    );
    w.put("colchester", &raw, uk(2026, 11, 23, 14, 0)).await;
    let case = w.store.case(&reference).await.expect("case");
    assert_eq!(case.summary.status, "incomplete");
}

#[tokio::test]
async fn the_referrers_corrected_date_of_birth_is_the_cases() {
    let w = world().await;
    let (reference, asked) = unticked(&w).await;
    // The whole form again, consent ticked and the date of birth corrected.
    let form = &form_text(&[("Date of birth", "15/07/1988")]);
    let body = format!(
        "Sorry, I had his date of birth wrong.\r\n\r\n{form}\r\n{}",
        outlook_quote(&w.text_of(&asked))
    );
    referrer_replies(&w, &asked, &reference, &body).await;
    completed_and_acknowledged(&w, &reference).await;
    let case = w.store.case(&reference).await.expect("case");
    assert_eq!(
        case.referral.date_of_birth.map(|d| d.to_string()),
        Some("1988-07-15".to_string())
    );
}

/// A referral with its consent line left empty, received Monday 23
/// November 2026 at 10:00 under Message-ID `id`: its reference, the
/// request for consent queued and not sent yet.
async fn consent_left_empty(w: &World, id: &str) -> String {
    w.case(
        "colchester",
        &referral(COLCHESTER, id, &[("Consent to referral", "")]),
        uk(2026, 11, 23, 10, 0),
    )
    .await
}

#[tokio::test]
async fn a_request_still_waiting_when_the_form_comes_complete_does_not_go() {
    let w = world().await;
    let reference = consent_left_empty(&w, "waiting-1@justice.gov.uk").await;
    // The request for consent is queued, not sent yet (the hourly limit,
    // the daemon stopped) when the referrer sends the form again in full.
    assert_eq!(w.rows("incomplete").await.len(), 1);
    w.put(
        "colchester",
        &referral(COLCHESTER, "waiting-2@justice.gov.uk", &[]),
        uk(2026, 11, 23, 10, 20),
    )
    .await;
    assert_eq!(w.status(&reference).await, "open");
    w.send().await;
    // The acknowledgement goes; the request for consent no longer does.
    let asked = w.rows("incomplete").await;
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].sent_at, None);
    assert!(
        asked[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("the referral was completed before it went")),
        "{:?}",
        asked[0].last_error
    );
    assert!(w.rows("acknowledgement").await[0].sent_at.is_some());
}

#[tokio::test]
async fn a_request_still_waiting_when_the_referral_lapses_does_not_go() {
    let w = world().await;
    let reference = consent_left_empty(&w, "lapsing-1@justice.gov.uk").await;
    assert_eq!(w.rows("incomplete").await.len(), 1);
    // Never sent (the daemon stopped), never answered: the case lapses.
    // (Its days are counted from when the gateway opened it.)
    let due =
        dtr_gateway::retention::cutoffs(&w.config, chrono::Utc::now() + chrono::Duration::days(15));
    w.store.purge(due, &w.config, false).await.expect("purge");
    assert_eq!(w.status(&reference).await, "lapsed");
    w.send().await;
    // It never went, and (its case purged) no longer names its recipient.
    let asked = w.rows("incomplete").await;
    assert_eq!(asked[0].sent_at, None);
    assert_eq!(
        asked[0].status,
        dtr_gateway::core::states::OutboxStatus::Failed
    );
    assert!(
        !asked[0].to.iter().any(|t| t.contains(REFERRER)),
        "{asked:?}"
    );
    assert!(w
        .events(&reference)
        .await
        .iter()
        .any(|(k, d)| k == "mail_withheld" && d.contains("the referral lapsed before it went")));
}

/// The referral of [`unticked`], its consent never confirmed, lapsed by the
/// purge `unconfirmed_consent_days` and a day after the gateway opened it,
/// and the mail that went: the case's reference, the incomplete mail, and
/// the day consent was to be confirmed by, in words.
async fn lapsed(w: &World) -> (String, OutboxRow, String) {
    let (reference, asked) = unticked(w).await;
    let opened = w
        .store
        .case(&reference)
        .await
        .expect("case")
        .opened_at
        .expect("opened");
    let days = i64::from(w.config.retention.unconfirmed_consent_days);
    let by = dtr_gateway::core::uk::date(opened + chrono::Duration::days(days))
        .format("%A %-d %B %Y")
        .to_string();
    let due = dtr_gateway::retention::cutoffs(
        &w.config,
        chrono::Utc::now() + chrono::Duration::days(days + 1),
    );
    w.store.purge(due, &w.config, false).await.expect("purge");
    assert_eq!(w.status(&reference).await, "lapsed");
    w.send().await;
    (reference, asked, by)
}

/// Nothing in the mail that names or describes the person, nor whom it
/// was about: the form's and the referral's subject's words.
fn says_nothing_personal(w: &World, row: &OutboxRow) {
    let raw = w.written().remove(&row.message_id).expect("written");
    for personal in [
        "Samuel",
        "Testperson",
        "14/07/1988",
        "1988",
        "A1234BC",
        "Tenancy lost",
        "HMP Chelmsford",
        "Kim Casework",
        CASE_LEAD,
    ] {
        assert!(!raw.contains(personal), "{personal} in {raw}");
    }
}

#[tokio::test]
async fn the_referrer_is_told_once_when_a_referral_lapses_for_want_of_consent() {
    let w = world().await;
    let (reference, _, by) = lapsed(&w).await;
    let told = w.rows("consent_lapsed").await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].to, [REFERRER]);
    assert!(told[0].cc.is_empty(), "never the case lead: {told:?}");
    assert!(told[0].sent_at.is_some(), "{told:?}");
    let text = one_line(&w.text_of(&told[0]));
    for said in [
        reference.as_str(),
        "Monday 23 November 2026",
        &format!("consent to the referral was not confirmed by {by}"),
        "the referral has lapsed",
        "have been deleted",
        "as a new email, not as a reply to this one",
    ] {
        assert!(text.contains(said), "{said:?} not in {text}");
    }
    says_nothing_personal(&w, &told[0]);
    // A second purge, and the sender again: nothing more goes.
    let due =
        dtr_gateway::retention::cutoffs(&w.config, chrono::Utc::now() + chrono::Duration::days(30));
    w.store.purge(due, &w.config, false).await.expect("purge");
    w.send().await;
    assert_eq!(w.rows("consent_lapsed").await.len(), 1);
}

#[tokio::test]
async fn a_referral_lapsing_with_its_referrer_at_a_domain_not_allowed_tells_nobody() {
    let w = world().await;
    let reference = consent_left_empty(&w, "elsewhere@justice.gov.uk").await;
    // Its referrer's address at a domain the configuration does not allow
    // (allowed when recorded, say, and taken off the list since).
    sqlx::query("UPDATE cases SET referrer_email = 'jo@example.com'")
        .execute(w.store.pool())
        .await
        .expect("referrer moved");
    let due =
        dtr_gateway::retention::cutoffs(&w.config, chrono::Utc::now() + chrono::Duration::days(30));
    w.store.purge(due, &w.config, false).await.expect("purge");
    assert_eq!(w.status(&reference).await, "lapsed");
    w.send().await;
    let told = w.rows("consent_lapsed").await;
    assert!(told.is_empty(), "{told:?}");
}

#[tokio::test]
async fn consent_given_in_a_reply_after_the_lapse_is_answered_with_how_to_refer_again() {
    let w = world().await;
    let (reference, asked, by) = lapsed(&w).await;
    let later = chrono::Utc::now() + chrono::Duration::days(16);
    let body = format!(
        "Consent to referral: Yes\r\n\r\n{}",
        outlook_quote("Please give: Consent to referral.")
    );
    let raw = reply(
        &asked,
        &reference,
        &passed("justice.gov.uk"),
        REFERRER,
        &body,
    );
    w.put("colchester", &raw, later).await;
    assert_eq!(w.status(&reference).await, "lapsed");
    w.send().await;
    let told = w.rows("consent_lapsed").await;
    assert_eq!(told.len(), 2, "{told:?}");
    let answer = &told[1];
    assert_eq!(answer.to, [REFERRER]);
    assert!(answer.cc.is_empty());
    assert!(answer.sent_at.is_some(), "{answer:?}");
    assert!(
        answer
            .in_reply_to
            .as_deref()
            .is_some_and(|id| id.starts_with("<answer-")),
        "answers the reply: {answer:?}"
    );
    let text = one_line(&w.text_of(answer));
    for said in [
        reference.as_str(),
        "Your answer came after the referral had lapsed",
        &format!("consent to the referral was not confirmed by {by}"),
        "as a new email, not as a reply to this one",
    ] {
        assert!(text.contains(said), "{said:?} not in {text}");
    }
    says_nothing_personal(&w, answer);
    assert!(w
        .not_applied(&reference)
        .await
        .iter()
        .any(|n| n.contains("the referral lapsed")));

    // The same answer again, and another reply: told once is enough.
    w.put("colchester", &raw, later).await;
    let again = reply(
        &asked,
        &reference,
        &passed("justice.gov.uk"),
        REFERRER,
        &body,
    );
    w.put("colchester", &again, later + chrono::Duration::hours(1))
        .await;
    w.send().await;
    assert_eq!(w.rows("consent_lapsed").await.len(), 2);
}

#[tokio::test]
async fn a_reply_after_the_lapse_from_outside_the_referrers_side_is_not_answered() {
    let w = world().await;
    let (reference, asked, _) = lapsed(&w).await;
    let later = chrono::Utc::now() + chrono::Duration::days(16);
    let body = "Consent to referral: Yes\r\n";
    // Unauthenticated, then from an allowed domain that is not the
    // referrer's: neither speaks for the referral.
    let forged = reply(&asked, &reference, "", REFERRER, body);
    w.put("colchester", &forged, later).await;
    let other = reply(
        &asked,
        &reference,
        &passed("essex.gov.uk"),
        "someone@essex.gov.uk",
        body,
    );
    w.put("colchester", &other, later).await;
    w.send().await;
    assert_eq!(w.rows("consent_lapsed").await.len(), 1);
}

#[tokio::test]
async fn an_incomplete_case_closed_by_mistake_and_reopened_still_asks_for_what_is_missing() {
    let w = world().await;
    let reference = consent_left_empty(&w, "reopened-1@justice.gov.uk").await;
    w.store
        .close_case(&reference, "no contact")
        .await
        .expect("closed");
    let reopened = w
        .store
        .reopen_case(&reference, &w.config.outgoing)
        .await
        .expect("reopened");
    assert_eq!(reopened.status.as_str(), "incomplete");
    // The request for consent its closing held back goes after all.
    w.send().await;
    let asked = w.rows("incomplete").await;
    assert_eq!(asked.len(), 1);
    assert!(asked[0].sent_at.is_some(), "{asked:?}");
    assert!(one_line(&w.text_of(&asked[0])).contains("Consent to referral"));
}

#[tokio::test]
async fn another_persons_form_with_the_same_crn_opens_their_own_case_and_overwrites_nothing() {
    let w = world().await;
    let first = w
        .case(
            "colchester",
            &referral(COLCHESTER, "crn-1@justice.gov.uk", &[("CRN", "X123456")]),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    // The same referrer, the same CRN typed again, but another name,
    // another date of birth and another prison number: someone else.
    let recorded = w
        .put(
            "colchester",
            &referral(
                COLCHESTER,
                "crn-2@justice.gov.uk",
                &[
                    ("Full name", "Daniel Marsh"),
                    ("Date of birth", "01/02/1979"),
                    ("Prison number", "B1234CD"),
                    ("CRN", "X123456"),
                ],
            ),
            uk(2026, 11, 23, 11, 0),
        )
        .await;
    assert_eq!(
        recorded.action,
        dtr_gateway::store::Action::Opened,
        "{recorded:?}"
    );
    assert_ne!(recorded.case.map(|c| c.to_string()), Some(first.clone()));
    let kept = w
        .store
        .case_contacts(&first)
        .await
        .expect("contacts")
        .expect("case");
    assert_eq!(
        kept.referral.full_name.as_deref(),
        Some("Samuel Testperson")
    );
    assert_eq!(
        kept.referral.date_of_birth,
        chrono::NaiveDate::from_ymd_opt(1988, 7, 14)
    );
    assert_eq!(
        kept.referral.prison_number.as_ref().map(|p| p.to_string()),
        Some("A1234BC".to_string())
    );
}

#[tokio::test]
async fn consent_given_in_the_referrers_own_words_completes_the_case() {
    for words in [
        "Yes",
        "Yes.",
        "He has now consented to the referral.",
        "Consent given",
        "Apologies, I missed that. Consent to referral - YES (verbal, 07/12/2026).",
        "He consents.",
        "Hi,\r\n\r\nHe has agreed to the referral.\r\n\r\nThanks\r\nJo",
    ] {
        let w = world().await;
        let (reference, asked) = unticked(&w).await;
        let body = format!("{words}\r\n\r\n{}", outlook_quote(&w.text_of(&asked)));
        referrer_replies(&w, &asked, &reference, &body).await;
        let status = w.status(&reference).await;
        assert_eq!(status, "open", "{words}: {:?}", w.events(&reference).await);
    }
}

#[tokio::test]
async fn a_yes_with_doubts_or_answering_another_mail_gives_no_consent() {
    for words in [
        "Yes, but he hasn't signed yet.",
        "Yes - will ask him on Friday if he agrees.",
        "Yes?",
        "Not yet - seeing him Thursday.",
    ] {
        let w = world().await;
        let (reference, asked) = unticked(&w).await;
        let body = format!("{words}\r\n\r\n{}", outlook_quote(&w.text_of(&asked)));
        referrer_replies(&w, &asked, &reference, &body).await;
        assert_eq!(w.status(&reference).await, "incomplete", "{words}");
    }
    // A bare `Yes` answering the council's notice, not the request for
    // consent, says nothing of consent.
    let w = world().await;
    let (reference, _) = unticked(&w).await;
    let notice = w.rows("notice").await.remove(0);
    let raw = reply(
        &notice,
        &reference,
        &passed("justice.gov.uk"),
        REFERRER,
        "Yes\r\n",
    );
    w.put("colchester", &raw, uk(2026, 11, 23, 14, 0)).await;
    assert_eq!(w.status(&reference).await, "incomplete");
}

/// The council's notice of the case, on one line.
async fn notice_of(w: &World, reference: &str) -> String {
    let rows = w.rows("notice").await;
    let row = rows
        .iter()
        .find(|r| r.case_ref.as_deref() == Some(reference))
        .expect("notice");
    one_line(&w.text_of(row))
}

/// The references of the cases whose deadlines `due` and the web view
/// show on `today`, with the first deadline's day.
async fn shown(w: &World, today: chrono::NaiveDate) -> Vec<(String, chrono::NaiveDate)> {
    let cases = w.store.deadline_cases(None).await.expect("cases");
    let mut rows: Vec<(String, chrono::NaiveDate)> =
        dtr_gateway::sweep::open_deadlines(&w.config, &cases, today)
            .into_iter()
            .filter(|d| d.rule.id == "acknowledge")
            .map(|d| (d.case.reference.clone(), d.due.on))
            .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn the_clock_runs_from_receipt_once_the_person_consented_and_from_consent_otherwise() {
    let w = world().await;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).expect("day");
    // Consent given, a date of birth still to come: a referral the council
    // may act on, its clock running from Monday 23 November.
    let consented = w
        .case(
            "colchester",
            &referral(
                COLCHESTER,
                "clock-1@justice.gov.uk",
                &[("Date of birth", "")],
            ),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    // Consent not stated: none the council may act on yet.
    let unconsented = w
        .case(
            "colchester",
            &referral(
                COLCHESTER,
                "clock-2@justice.gov.uk",
                &[
                    ("Consent to referral", ""),
                    ("Full name", "Other Person"),
                    ("Prison number", "B7654CD"),
                    ("CRN", "X765432"),
                ],
            ),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    let first = shown(&w, today).await;
    assert_eq!(
        first,
        vec![(
            consented.clone(),
            chrono::NaiveDate::from_ymd_opt(2026, 11, 26).expect("day")
        )],
        "the unconsented referral shows no deadline"
    );
    // Sent at once, as the daemon sends.
    w.send_at(uk(2026, 11, 23, 10, 1)).await;
    let told = notice_of(&w, &consented).await;
    assert!(
        told.contains("lead officer: by Monday 30 November 2026"),
        "{told}"
    );
    let told = notice_of(&w, &unconsented).await;
    assert!(
        told.contains("none until the person's consent is confirmed"),
        "{told}"
    );
    // The date of birth comes a week on: the clock does not start again.
    w.put(
        "colchester",
        &referral(COLCHESTER, "clock-3@justice.gov.uk", &[]),
        uk(2026, 11, 30, 10, 0),
    )
    .await;
    assert_eq!(w.status(&consented).await, "open");
    // Consent comes a week on: the clock starts that day.
    w.put(
        "colchester",
        &referral(
            COLCHESTER,
            "clock-4@justice.gov.uk",
            &[
                ("Full name", "Other Person"),
                ("Prison number", "B7654CD"),
                ("CRN", "X765432"),
            ],
        ),
        uk(2026, 11, 30, 10, 0),
    )
    .await;
    assert_eq!(w.status(&unconsented).await, "open");
    let cases = w.store.deadline_cases(None).await.expect("cases");
    let ack = |reference: &str| {
        dtr_gateway::sweep::open_deadlines(&w.config, &cases, today)
            .into_iter()
            .filter(|d| d.case.reference == reference && d.rule.id == "lead_officer")
            .map(|d| d.due.on)
            .next()
    };
    assert_eq!(
        ack(&consented),
        chrono::NaiveDate::from_ymd_opt(2026, 11, 30),
        "five working days from 23 November"
    );
    assert_eq!(
        ack(&unconsented),
        chrono::NaiveDate::from_ymd_opt(2026, 12, 7),
        "five working days from 30 November"
    );
}

#[tokio::test]
async fn the_clock_starts_when_consent_comes_even_before_the_last_detail() {
    let w = world().await;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).expect("day");
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, d).expect("day");
    // Neither consent nor a date of birth on Monday 23 November.
    let reference = w
        .case(
            "colchester",
            &referral(
                COLCHESTER,
                "consent-first-1@justice.gov.uk",
                &[("Consent to referral", ""), ("Date of birth", "")],
            ),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    assert!(shown(&w, today).await.is_empty());
    // Consent on Monday 30 November, the date of birth still to come.
    w.put(
        "colchester",
        &referral(
            COLCHESTER,
            "consent-first-2@justice.gov.uk",
            &[("Date of birth", "")],
        ),
        uk(2026, 11, 30, 10, 0),
    )
    .await;
    assert_eq!(w.status(&reference).await, "incomplete");
    assert_eq!(
        shown(&w, today).await,
        vec![(reference.clone(), day(30) + chrono::Duration::days(3))]
    );
    // The date of birth on Friday 4 December: the clock stays where it was.
    w.put(
        "colchester",
        &referral(COLCHESTER, "consent-first-3@justice.gov.uk", &[]),
        uk(2026, 12, 4, 10, 0),
    )
    .await;
    assert_eq!(w.status(&reference).await, "open");
    assert_eq!(
        shown(&w, today).await,
        vec![(reference.clone(), day(30) + chrono::Duration::days(3))]
    );
    w.send().await;
    let notices: Vec<String> = w
        .rows("notice")
        .await
        .iter()
        .filter(|r| r.case_ref.as_deref() == Some(reference.as_str()))
        .map(|r| one_line(&w.text_of(r)))
        .collect();
    assert!(
        notices
            .iter()
            .any(|n| n
                .contains("Its deadlines count from when the person's consent was first given")),
        "{notices:?}"
    );
}

/// The case as its officers read it (`case REF`, the web view) on `today`:
/// its header's value under `label`.
async fn header_of(
    w: &World,
    reference: &str,
    today: chrono::NaiveDate,
    label: &str,
) -> Option<String> {
    let case = w.store.case(reference).await.expect("case");
    let view = dtr_gateway::case_view::case_view(&w.config, &w.store, &case, today)
        .await
        .expect("case view");
    view.header
        .into_iter()
        .find(|(l, _)| l == label)
        .map(|(_, v)| v)
}

#[tokio::test]
async fn consent_confirmed_later_keeps_the_receipt_and_starts_the_deadlines_then() {
    let w = world().await;
    // Received without consent on Monday 23 November; the referrer
    // confirms it on Friday 27 November, by answering the request.
    let (reference, asked) = unticked(&w).await;
    let raw = reply(
        &asked,
        &reference,
        &passed("justice.gov.uk"),
        REFERRER,
        "Consent to referral: Yes\r\n",
    );
    w.put("colchester", &raw, uk(2026, 11, 27, 10, 0)).await;
    assert_eq!(w.status(&reference).await, "open");
    let today = day(2026, 12, 1);
    // The case still says when the referral arrived, and says apart when
    // its deadlines count from.
    assert_eq!(
        header_of(&w, &reference, today, "Received")
            .await
            .as_deref(),
        Some("Monday 23 November 2026 at 10:00")
    );
    assert_eq!(
        header_of(&w, &reference, today, "Deadlines count from")
            .await
            .as_deref(),
        Some("Friday 27 November 2026 at 10:00, when the person's consent was confirmed")
    );
    // So does the acknowledgement the referrer gets, beside its dates.
    w.send().await;
    let ack = sent_text(&w, "acknowledgement", &reference).await;
    assert!(
        ack.contains("Monday 23 November 2026 at 10:00")
            && ack.contains(
                "Deadlines count from Friday 27 November 2026 at 10:00, when the person's \
                 consent was confirmed"
            ),
        "{ack}"
    );
    let listed = w.store.cases(None, false).await.expect("cases");
    assert!(
        listed[0].received_at.starts_with("2026-11-23T10:00"),
        "{}",
        listed[0].received_at
    );
    // `due` counts from the consent: the lead officer in five working
    // days (the acknowledgement went with the consent).
    let due = w.due(&reference, today).await;
    assert_eq!(
        due.iter()
            .find(|(rule, ..)| rule == "lead_officer")
            .map(|d| d.1),
        Some(day(2026, 12, 4)),
        "{due:?}"
    );
    // So does the report: on Tuesday 1 December no deadline of the case
    // has passed (from the receipt, both would have).
    let quarter: dtr_gateway::core::report::Quarter = "2026Q4".parse().expect("quarter");
    let agencies =
        dtr_gateway::core::report::AgencyMap::from_toml(include_str!("../config/agencies.toml"))
            .expect("agency map");
    let cases = w
        .store
        .report_cases(quarter, None, &agencies)
        .await
        .expect("report cases");
    let calendar_for = |code: &str| w.config.calendar_for(code);
    let reports = dtr_gateway::core::report::build(
        &cases,
        &["COL".into()],
        &w.config.protocol,
        &calendar_for,
        today,
    );
    assert_eq!(reports[0].referrals, 1);
    let missed: Vec<u32> = reports[0].deadlines.iter().map(|d| d.missed).collect();
    assert!(missed.iter().all(|m| *m == 0), "{:?}", reports[0].deadlines);
    // A case whose consent came with the referral shows no such line.
    let w = world().await;
    let reference = w
        .case(
            "colchester",
            &referral(COLCHESTER, "consented@justice.gov.uk", &[]),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    assert_eq!(
        header_of(&w, &reference, today, "Deadlines count from").await,
        None
    );
}

/// The mail of `purpose` sent for the case, on one line.
async fn sent_text(w: &World, purpose: &str, reference: &str) -> String {
    let rows = w.rows(purpose).await;
    let row = rows
        .iter()
        .find(|r| r.case_ref.as_deref() == Some(reference))
        .unwrap_or_else(|| panic!("no {purpose} for {reference}"));
    one_line(&w.text_of(row))
}

/// A referral consented to, its date of birth missing, received Monday 23
/// November 2026 at 10:00 (the council's clock runs); the incomplete mail
/// sent a minute later.
async fn without_date_of_birth(w: &World, id: &str) -> String {
    let reference = w
        .case(
            "colchester",
            &referral(COLCHESTER, id, &[("Date of birth", "")]),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    w.send_at(uk(2026, 11, 23, 10, 1)).await;
    reference
}

#[tokio::test]
async fn a_referral_completed_after_its_date_passed_is_not_promised_that_date() {
    let w = world().await;
    // Consented to, its date of birth missing, on Monday 23 November: the
    // council's clock runs, the lead officer due Monday 30 November.
    let reference = without_date_of_birth(&w, "late-dob-1@justice.gov.uk").await;
    let asked = incomplete_mail(&w, &reference).await;
    // The referrer gives it on Monday 7 December; the acknowledgement and
    // the council's notice of completion go that morning.
    let raw = reply(
        &asked,
        &reference,
        &passed("justice.gov.uk"),
        REFERRER,
        "Date of birth: 14/02/1988\r\n",
    );
    w.put("colchester", &raw, uk(2026, 12, 7, 10, 0)).await;
    w.send_at(uk(2026, 12, 7, 10, 1)).await;
    assert_eq!(w.status(&reference).await, "open");
    let acknowledged = sent_text(&w, "acknowledgement", &reference).await;
    assert!(
        acknowledged.contains("was due by Monday 30 November 2026, a date that has now passed"),
        "{acknowledged}"
    );
    assert!(
        !acknowledged.contains(": by Monday 30 November 2026"),
        "{acknowledged}"
    );
    let notices: Vec<String> = w
        .rows("notice")
        .await
        .iter()
        .filter(|r| r.case_ref.as_deref() == Some(reference.as_str()))
        .map(|r| one_line(&w.text_of(r)))
        .collect();
    let completed = notices.last().expect("the notice of completion");
    assert!(
        completed.contains("was due by Monday 30 November 2026, a date that has now passed"),
        "{completed}"
    );
    // The first notice, sent on the day, gave the date as one to meet.
    assert!(
        notices[0].contains("lead officer: by Monday 30 November 2026"),
        "{notices:?}"
    );
}

/// The incomplete mail of the case, on one line.
async fn asked_text(w: &World, reference: &str) -> String {
    let asked = incomplete_mail(w, reference).await;
    one_line(&w.text_of(&asked))
}

#[tokio::test]
async fn the_request_says_the_council_is_working_on_a_referral_the_person_consented_to() {
    let w = world().await;
    // Consent given, the date of birth missing: the council's clock runs.
    let reference = without_date_of_birth(&w, "no-dob-1@justice.gov.uk").await;
    let text = asked_text(&w, &reference).await;
    assert!(
        text.contains(
            "As the person has consented, we are working on the referral to the protocol's \
             deadlines, but we still need the information below."
        ),
        "{text}"
    );
    assert!(text.contains("Please give: Date of birth."), "{text}");
    assert!(!text.contains("We cannot progress it"), "{text}");
    assert!(!text.contains("deleted"), "{text}");
}

#[tokio::test]
async fn the_request_for_consent_says_it_cannot_progress_and_when_the_details_go() {
    // Thirty days configured, not the default fourteen.
    let w = world_with(|c| c.retention.unconfirmed_consent_days = 30).await;
    let (reference, _) = unticked(&w).await;
    let text = asked_text(&w, &reference).await;
    assert!(
        text.contains("We cannot progress it until the information below is given."),
        "{text}"
    );
    assert!(!text.contains("As the person has consented"), "{text}");
    // The day the retention purge erases it from, as the case says it.
    let case = w.store.case(&reference).await.expect("case");
    let opened = case.opened_at.expect("opened");
    let erased = dtr_gateway::core::uk::date(opened + chrono::Duration::days(30));
    let on = erased.format("%A %-d %B %Y").to_string();
    assert!(
        text.contains(&format!(
            "If the person's consent is not confirmed, the referral lapses and the details it \
             gives about the person are deleted from {on}."
        )),
        "{text}"
    );
    let view = dtr_gateway::case_view::case_view(&w.config, &w.store, &case, erased)
        .await
        .expect("case view");
    let said = view
        .header
        .iter()
        .find(|(label, _)| label.starts_with("Consent not confirmed"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    assert!(
        said.contains(&erased.format("%-d %B %Y").to_string()),
        "the case and the mail disagree: {said}"
    );
}

/// The HTML of the written mail of an outbox row.
fn html_of(w: &World, row: &OutboxRow) -> String {
    let raw = w.written().remove(&row.message_id).expect("written");
    let parsed = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("a mail");
    parsed
        .body_html(0)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// What the referrer is told of a consent answer that carried a condition
/// or a limit, in the text and the HTML of `asked`; never the answer's own
/// words, which may name other people.
fn says_why_consent_is_asked_again(w: &World, asked: &OutboxRow, answer: &str) {
    let text = one_line(&w.text_of(asked));
    assert!(
        text.contains("Please check and write again: Consent to referral (Yes or No)."),
        "{text}"
    );
    assert!(
        text.contains(
            "Your answer on consent was not a plain Yes or No: it carried a condition or a limit."
        ),
        "{text}"
    );
    assert!(
        text.contains("write any limits on what may be shared on a line of their own"),
        "{text}"
    );
    let html = one_line(&html_of(w, asked));
    assert!(
        html.contains("it carried a condition or a limit."),
        "{html}"
    );
    // Only the kind of problem: not a word of what was written after the yes.
    let own_words = answer
        .trim_start_matches("Yes")
        .trim_matches([' ', '-', '(', ')']);
    assert!(!text.contains(own_words), "{own_words}: {text}");
    assert!(!html.contains(own_words), "{own_words}: {html}");
}

/// The last notice the council got about the case, on one line (the one
/// saying the referral is complete, once it is).
async fn completion_notice(w: &World, reference: &str) -> String {
    let notices: Vec<String> = w
        .rows("notice")
        .await
        .iter()
        .filter(|r| r.case_ref.as_deref() == Some(reference))
        .map(|r| one_line(&w.text_of(r)))
        .collect();
    notices.last().expect("the completion notice").clone()
}

/// A reply to `asked` answering `Consent to referral: {answer}`, quoting it.
fn consent_reply(w: &World, asked: &OutboxRow, answer: &str) -> String {
    format!(
        "Consent to referral: {answer}\r\n\r\nJo\r\n\r\n{}",
        angle_quote(&w.text_of(asked))
    )
}

/// The referrer's reply `body` to `asked` leaves the case incomplete, and
/// brings the request for consent again, saying why: that mail.
async fn asked_again_after(
    w: &World,
    asked: &OutboxRow,
    reference: &str,
    body: &str,
    answer: &str,
) -> OutboxRow {
    referrer_replies(w, asked, reference, body).await;
    w.send().await;
    assert_eq!(w.status(reference).await, "incomplete");
    let mut again: Vec<OutboxRow> = w
        .rows("incomplete")
        .await
        .into_iter()
        .filter(|r| r.case_ref.as_deref() == Some(reference))
        .collect();
    assert_eq!(again.len(), 2, "asked a second time");
    let again = again.remove(1);
    says_why_consent_is_asked_again(w, &again, answer);
    again
}

/// Answered as the mail asking again says (the answer, the limit on a
/// line of its own): the referral is complete and acknowledged.
async fn answered_as_asked(w: &World, again: &OutboxRow, reference: &str) {
    let body = format!(
        "Consent to referral: Yes\r\nNotes: no GP contact\r\n\r\nJo\r\n\r\n{}",
        angle_quote(&w.text_of(again))
    );
    referrer_replies(w, again, reference, &body).await;
    completed_and_acknowledged(w, reference).await;
}

/// A referral whose consent answer is `answer`, received Monday 23
/// November 2026 at 10:00; the incomplete mail sent.
async fn consent_answered(w: &World, id: &str, answer: &str) -> (String, OutboxRow) {
    let reference = w
        .case(
            "colchester",
            &referral(COLCHESTER, id, &[("Consent to referral", answer)]),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    w.send().await;
    assert_eq!(w.status(&reference).await, "incomplete", "{answer}");
    let asked = incomplete_mail(w, &reference).await;
    (reference, asked)
}

#[tokio::test]
async fn a_limit_first_written_in_a_reply_is_flagged_to_the_council_too() {
    let w = world().await;
    // Consent left unticked; the referrer answers with a limit.
    let (reference, asked) = unticked(&w).await;
    let answer = "Yes, but not to contact with his GP";
    let body = consent_reply(&w, &asked, answer);
    let again = asked_again_after(&w, &asked, &reference, &body, answer).await;
    answered_as_asked(&w, &again, &reference).await;
    let completed = &completion_notice(&w, &reference).await;
    assert!(
        completed.contains("The first answer on consent was not a plain Yes"),
        "{completed}"
    );
    let said = first_consent_answer(&w, &reference).await;
    assert!(said.contains("a limit or a condition"), "{said}");
}

#[tokio::test]
async fn a_form_sent_again_with_a_plain_yes_tells_the_council_of_the_first_answer() {
    let w = world().await;
    let answer = "Yes - not to Social Services";
    let (reference, _asked) = consent_answered(&w, "limited-9@justice.gov.uk", answer).await;
    // The referrer sends the whole form again, in a new mail, answered Yes.
    w.put(
        "colchester",
        &referral(COLCHESTER, "limited-9-again@justice.gov.uk", &[]),
        uk(2026, 11, 24, 9, 0),
    )
    .await;
    assert_eq!(w.status(&reference).await, "open");
    w.send().await;
    let completed = &completion_notice(&w, &reference).await;
    assert!(
        completed.contains("The first answer on consent was not a plain Yes")
            && !completed.contains("Social Services"),
        "{completed}"
    );
}

#[tokio::test]
async fn a_yes_with_a_limit_is_asked_again_saying_why_until_answered_as_asked() {
    let w = world().await;
    let answer = "Yes (he does not consent to GP contact)";
    let (reference, asked) = consent_answered(&w, "limited-1@justice.gov.uk", answer).await;
    says_why_consent_is_asked_again(&w, &asked, answer);
    // The same qualified yes again, in reply: asked again, saying why again.
    let body = consent_reply(&w, &asked, answer);
    let again = asked_again_after(&w, &asked, &reference, &body, answer).await;
    // Written as the mail says: the answer, and the limit on a line of its
    // own. The referral is complete and nothing is asked again.
    answered_as_asked(&w, &again, &reference).await;
    // The council is told the first answer carried a limit, and where to
    // read it, on the notice that the referral is complete and on the case.
    let last = &completion_notice(&w, &reference).await;
    assert!(
        last.contains("The first answer on consent was not a plain Yes")
            && last.contains("for any limit on what may be shared"),
        "{last}"
    );
    let said = first_consent_answer(&w, &reference).await;
    assert!(
        said.contains("read the referrer's and the case lead's mails"),
        "{said}"
    );
    let case = w.store.case(&reference).await.expect("case");
    let view = dtr_gateway::case_view::case_view(
        &w.config,
        &w.store,
        &case,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 24).expect("date"),
    )
    .await
    .expect("case view");
    let received = &view.timeline[0].1;
    assert!(
        received.contains("asked again: Consent to referral (not a plain Yes")
            && !received.contains("unreadable"),
        "{received}"
    );
    assert_eq!(
        w.rows("incomplete")
            .await
            .into_iter()
            .filter(|r| r.case_ref.as_deref() == Some(reference.as_str()))
            .count(),
        2,
        "asked nothing more"
    );
}

#[tokio::test]
async fn a_yes_limiting_any_other_sharing_is_asked_again_alike() {
    for (id, answer) in [
        (
            "limited-gp@justice.gov.uk",
            "Yes - no consent for GP contact",
        ),
        (
            "limited-ss@justice.gov.uk",
            "Yes - does not consent to a Social Services referral",
        ),
    ] {
        let w = world().await;
        let (reference, asked) = consent_answered(&w, id, answer).await;
        says_why_consent_is_asked_again(&w, &asked, answer);
        // The answer typed into the form the mail quotes, its words on why
        // quoted with it: those words are no answer, and the case completes.
        fills_the_quoted_form(&w, &asked, &reference, "Consent to referral: Yes").await;
        completed_and_acknowledged(&w, &reference).await;
    }
}

#[tokio::test]
async fn a_qualified_yes_written_in_reply_without_the_label_is_asked_again_saying_why() {
    let w = world().await;
    let answer = "Yes (he does not consent to GP contact)";
    let (reference, asked) = consent_answered(&w, "limited-2@justice.gov.uk", answer).await;
    let body = format!(
        "{answer}\r\n\r\nJo\r\n\r\n{}",
        angle_quote(&w.text_of(&asked))
    );
    let again = asked_again_after(&w, &asked, &reference, &body, answer).await;
    answered_as_asked(&w, &again, &reference).await;
}

#[tokio::test]
async fn a_yes_put_as_a_question_in_reply_is_asked_again_saying_so() {
    let w = world().await;
    let (reference, asked) = unticked(&w).await;
    let body = format!("Yes?\r\n\r\n{}", outlook_quote(&w.text_of(&asked)));
    referrer_replies(&w, &asked, &reference, &body).await;
    w.send().await;
    assert_eq!(w.status(&reference).await, "incomplete");
    let again = w
        .rows("incomplete")
        .await
        .into_iter()
        .filter(|r| r.case_ref.as_deref() == Some(reference.as_str()))
        .nth(1)
        .expect("asked a second time");
    let text = one_line(&w.text_of(&again));
    assert!(
        text.contains(
            "Your answer on consent was not a plain Yes or No: it was put as a question."
        ),
        "{text}"
    );
}

#[tokio::test]
async fn a_yes_the_answer_takes_back_is_asked_again_saying_so() {
    let w = world().await;
    let answer = "Yes (refused, withdrawn)";
    let (reference, asked) = consent_answered(&w, "taken-back-1@justice.gov.uk", answer).await;
    let text = one_line(&w.text_of(&asked));
    assert!(
        text.contains("it said Yes, and also that consent was refused or withdrawn"),
        "{text}"
    );
    assert!(!text.contains("(refused, withdrawn)"), "{text}");
    // A plain Yes in reply completes it, and the council is told the first
    // answer was no plain yes.
    answered_as_asked(&w, &asked, &reference).await;
    let completed = completion_notice(&w, &reference).await;
    assert!(
        completed.contains("The first answer on consent was not a plain Yes"),
        "{completed}"
    );
}

/// The case's mails of one purpose, oldest first.
async fn mails_of(w: &World, purpose: &str, reference: &str) -> Vec<OutboxRow> {
    w.rows(purpose)
        .await
        .into_iter()
        .filter(|r| r.case_ref.as_deref() == Some(reference))
        .collect()
}

/// The case view's row on the first consent answer, on Tuesday 24
/// November 2026.
async fn first_consent_answer(w: &World, reference: &str) -> String {
    header_of(
        w,
        reference,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 24).expect("date"),
        dtr_gateway::case_view::CONSENT_FIRST_ANSWER,
    )
    .await
    .expect("the first consent answer on the case")
}

/// The incomplete mails of the case, oldest first.
async fn incomplete_mails(w: &World, reference: &str) -> Vec<OutboxRow> {
    mails_of(w, "incomplete", reference).await
}

/// The case lead's answer to `asked`, from their own mailbox,
/// authenticated, at `at`.
async fn case_lead_replies(
    w: &World,
    asked: &OutboxRow,
    reference: &str,
    body: &str,
    at: chrono::DateTime<chrono::Utc>,
) {
    let from = format!("Kim Casework <{CASE_LEAD}>");
    let raw = reply(asked, reference, &passed("justice.gov.uk"), &from, body);
    w.put("colchester", &raw, at).await;
}

#[tokio::test]
async fn a_case_leads_qualified_consent_is_asked_of_the_case_lead_who_then_completes_it() {
    let w = world().await;
    let (reference, asked) = unticked(&w).await;
    // The case lead answers the request (forwarded to them) with a limit.
    let answer = "Yes (he does not consent to GP contact)";
    let body = consent_reply(&w, &asked, answer);
    case_lead_replies(&w, &asked, &reference, &body, uk(2026, 11, 23, 14, 0)).await;
    w.send().await;
    assert_eq!(w.status(&reference).await, "incomplete");
    let mails = incomplete_mails(&w, &reference).await;
    assert_eq!(mails.len(), 2, "asked again");
    // The one who wrote the doubt is asked; the referrer is not sent the
    // matter of someone else's answer.
    let again = &mails[1];
    assert_eq!(again.to, [CASE_LEAD]);
    assert!(again.cc.is_empty(), "{:?}", again.cc);
    says_why_consent_is_asked_again(&w, again, answer);
    let text = one_line(&w.text_of(again));
    assert!(
        text.starts_with("Dear Kim Casework,") && !text.contains("received your Duty to Refer"),
        "{text}"
    );
    // The case lead answers as asked: the referral is complete, and the
    // council is told who completed it.
    let body = format!(
        "Consent to referral: Yes\r\nNotes: no GP contact\r\n\r\nKim\r\n\r\n{}",
        angle_quote(&w.text_of(again))
    );
    case_lead_replies(&w, again, &reference, &body, uk(2026, 11, 23, 16, 0)).await;
    completed_and_acknowledged(&w, &reference).await;
    let completed = completion_notice(&w, &reference).await;
    assert!(
        completed.contains("the case lead completed it on")
            && !completed.contains("the referrer completed it"),
        "{completed}"
    );
    // The doubt was the case lead's: the council is not told it was the
    // referrer's.
    assert!(
        completed.contains("The first answer on consent was not a plain Yes")
            && !completed.contains("The referrer's first answer"),
        "{completed}"
    );
}

#[tokio::test]
async fn the_referrers_own_answer_is_said_to_complete_it_as_before() {
    let w = world().await;
    let (reference, asked) = unticked(&w).await;
    let body = consent_reply(&w, &asked, "Yes");
    referrer_replies(&w, &asked, &reference, &body).await;
    completed_and_acknowledged(&w, &reference).await;
    let completed = completion_notice(&w, &reference).await;
    assert!(
        completed.contains("the referrer completed it on"),
        "{completed}"
    );
}

#[tokio::test]
async fn a_strangers_consent_answer_in_the_thread_changes_nothing_and_is_not_answered() {
    for answer in ["Yes (he does not consent to GP contact)", "Yes"] {
        let w = world().await;
        let (reference, asked) = unticked(&w).await;
        let before = w.all_rows().await.len();
        let raw = reply(
            &asked,
            &reference,
            &passed("justice.gov.uk"),
            "Bob Someone <bob.someone@justice.gov.uk>",
            &consent_reply(&w, &asked, answer),
        );
        w.put("colchester", &raw, uk(2026, 11, 23, 14, 0)).await;
        w.send().await;
        assert_eq!(w.status(&reference).await, "incomplete", "{answer}");
        let after: Vec<String> = w
            .all_rows()
            .await
            .iter()
            .skip(before)
            .map(|r| format!("{} to {:?}", r.purpose, r.to))
            .collect();
        assert!(after.is_empty(), "{answer}: {after:?}");
    }
}

#[tokio::test]
async fn a_reply_that_adds_nothing_to_the_last_request_is_not_asked_again() {
    let w = world().await;
    let (reference, asked) = unticked(&w).await;
    let answer = "Yes (he does not consent to GP contact)";
    // The first reply is answered: its limit is asked about.
    let body = consent_reply(&w, &asked, answer);
    let again = asked_again_after(&w, &asked, &reference, &body, answer).await;
    // The same answer again, that afternoon and the next morning: nothing
    // new to ask, so no second identical request; each reply is on the
    // case's timeline with why nothing went.
    for at in [uk(2026, 11, 23, 15, 0), uk(2026, 11, 24, 9, 0)] {
        let raw = reply(
            &again,
            &reference,
            &passed("justice.gov.uk"),
            REFERRER,
            &consent_reply(&w, &again, answer),
        );
        w.put("colchester", &raw, at).await;
    }
    w.send().await;
    assert_eq!(w.status(&reference).await, "incomplete");
    assert_eq!(incomplete_mails(&w, &reference).await.len(), 2);
    let withheld: Vec<(String, String)> = w
        .events(&reference)
        .await
        .into_iter()
        .filter(|(k, d)| k == "mail_withheld" && d.contains("already asks"))
        .collect();
    assert_eq!(withheld.len(), 2, "{withheld:?}");
    // Something changed (a question now, not a limit): asked again,
    // saying so.
    let body = format!("Yes?\r\n\r\n{}", outlook_quote(&w.text_of(&again)));
    let raw = reply(
        &again,
        &reference,
        &passed("justice.gov.uk"),
        REFERRER,
        &body,
    );
    w.put("colchester", &raw, uk(2026, 11, 24, 10, 0)).await;
    w.send().await;
    let mails = incomplete_mails(&w, &reference).await;
    assert_eq!(mails.len(), 3);
    let text = one_line(&w.text_of(&mails[2]));
    assert!(
        text.contains(
            "Your answer on consent was not a plain Yes or No: it was put as a question."
        ),
        "{text}"
    );
}

/// The notices the council got about the case, each on one line.
async fn notices(w: &World, reference: &str) -> Vec<String> {
    mails_of(w, "notice", reference)
        .await
        .iter()
        .map(|r| one_line(&w.text_of(r)))
        .collect()
}

#[tokio::test]
async fn a_later_form_whose_consent_is_no_plain_yes_on_an_open_case_is_told_to_the_council() {
    let limited = "Yes (he does not consent to GP contact)";
    // The referrer's form sent again in a new mail, and the case lead's
    // form in a reply to the acknowledgement.
    for by_case_lead in [false, true] {
        let w = world().await;
        let (reference, ack) = colchester_acknowledged(&w).await;
        assert_eq!(notices(&w, &reference).await.len(), 1);
        let at = uk(2026, 11, 25, 9, 0);
        if by_case_lead {
            let form = form_text(&[("Consent to referral", limited)]);
            let raw = answer(
                &passed("justice.gov.uk"),
                &format!("Kim Casework <{CASE_LEAD}>"),
                COLCHESTER,
                &format!("RE: [{reference}] Referral received"),
                &ack.message_id,
                &format!("Updated form below.\r\n\r\n{form}"),
            );
            w.put("colchester", &raw, at).await;
        } else {
            let raw = referral(
                COLCHESTER,
                "again-limited@justice.gov.uk",
                &[("Consent to referral", limited)],
            );
            w.put("colchester", &raw, at).await;
        }
        // The consent given stands: a doubt does not take it back.
        assert_eq!(w.status(&reference).await, "open", "{by_case_lead}");
        assert_eq!(w.store.cases(None, false).await.expect("cases").len(), 1);
        w.send().await;
        let notices = notices(&w, &reference).await;
        assert_eq!(notices.len(), 2, "{by_case_lead}: the council is told");
        let told = &notices[1];
        let who = if by_case_lead {
            "from the case lead"
        } else {
            "from the referrer"
        };
        assert!(
            told.contains(&format!(
                "A later form for this referral, {who}, did not answer consent with a plain Yes: \
                 it carried a limit or a condition."
            )) && told.contains("read that form")
                && !told.contains("GP contact"),
            "{told}"
        );
    }
}

#[tokio::test]
async fn a_case_urgent_once_consent_comes_says_why_in_the_notice_and_on_the_case() {
    let w = world().await;
    // Received Monday 23 November without consent, release on 25 January:
    // 63 days off, not urgent then.
    let reference = w
        .case(
            "colchester",
            &referral(
                COLCHESTER,
                "urgent-later@justice.gov.uk",
                &[
                    ("Consent to referral", "\u{2610} Yes \u{2610} No"),
                    ("Expected release date", "25/01/2027"),
                ],
            ),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    w.send().await;
    let asked = incomplete_mail(&w, &reference).await;
    // Consent comes on Wednesday 2 December: release is 54 days off, and
    // the case is urgent from then.
    let raw = reply(
        &asked,
        &reference,
        &passed("justice.gov.uk"),
        REFERRER,
        &consent_reply(&w, &asked, "Yes"),
    );
    w.put("colchester", &raw, uk(2026, 12, 2, 10, 0)).await;
    assert_eq!(w.status(&reference).await, "open");
    w.send_at(uk(2026, 12, 2, 10, 1)).await;
    let notice = completion_notice(&w, &reference).await;
    assert!(
        notice.contains("URGENT - Release in 54 days (25 January 2027)."),
        "{notice}"
    );
    let status = header_of(&w, &reference, day(2026, 12, 3), "Status")
        .await
        .expect("status");
    assert!(
        status.contains("URGENT: Release in 54 days (25 January 2027)."),
        "{status}"
    );
}
