//! The protocol as officers live it: scenarios on a simulated clock, each
//! named after the commitment it proves, driving the gateway's own intake,
//! sweep and sender as the daemon does, and asserting what a person would
//! see: the deadlines `due` lists, the mail in the outbox and its words,
//! the events on the case. (The same through the real mail servers:
//! `tests/deadlines_e2e.rs`.)

mod common;

use common::world::*;
use dtr_gateway::core::protocol::{Protocol, Rag};
use dtr_gateway::store::{Action, OutboxRow};
use dtr_gateway::sweep::open_deadlines;

const COLCHESTER: &str = "dutytorefer@colchester.gov.uk";

/// A Colchester referral received Monday 23 November 2026 at 10:00 and
/// acknowledged at once: lead officer due Monday 30 November, reminder
/// Friday 27, chase 1 Tuesday 1 December, escalation Wednesday 2.
async fn colchester_case(w: &World) -> String {
    let reference = w
        .case(
            "colchester",
            &referral(COLCHESTER, "ref-col-1@justice.gov.uk", &[]),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    w.send().await;
    reference
}

async fn chase_of(w: &World, reference: &str) -> OutboxRow {
    w.sweep(uk(2026, 12, 1, 10, 0)).await;
    w.send().await;
    w.rows("chase")
        .await
        .into_iter()
        .find(|r| r.case_ref.as_deref() == Some(reference))
        .expect("a chase")
}

#[tokio::test]
async fn commitment_10_an_officer_who_replies_to_the_chase_as_told_names_the_lead() {
    let w = world().await;
    let reference = colchester_case(&w).await;
    let chase = chase_of(&w, &reference).await;
    let chase_text = w.text_of(&chase);
    // The chase tells the officer what to do, and who gets the escalation.
    assert!(one_line(&chase_text).contains("reply to this message (reply, not forward)"));
    assert!(one_line(&chase_text).contains(
        "it will be escalated on Wednesday 2 December 2026 to Tracey Brushett, under Annex C"
    ));
    // Exactly as told: reply, lead lines on top, the chase quoted below as
    // Outlook quotes it; from inside the council, to its own inbox.
    let body = format!(
        "Hi,\r\n\r\nLead officer: Peter Quill\r\nEmail: peter.quill@colchester.gov.uk\r\n\
         Telephone: 01206 282 000\r\n\r\nThanks\r\n\r\n{}",
        outlook_quote(&chase_text)
    );
    let raw = answer(
        INTERNAL,
        "Peter Quill <peter.quill@colchester.gov.uk>",
        COLCHESTER,
        &format!("RE: [{reference}] Chase 1: overdue since Mon 30 Nov"),
        &chase.message_id,
        &body,
    );
    w.put("colchester", &raw, uk(2026, 12, 1, 11, 0)).await;
    assert!(w.has_event(&reference, "authority_responded").await);
    assert!(w.has_event(&reference, "lead_officer_named").await);
    assert!(!w
        .open_rules(&reference, day(2026, 12, 1))
        .await
        .contains(&"lead_officer".to_string()));
    // And the chasing stops: nothing more on any later day.
    let chases = w.rows("chase").await.len();
    w.sweep_days(day(2026, 12, 2), day(2026, 12, 31)).await;
    assert_eq!(w.rows("chase").await.len(), chases);
    assert!(w.rows("escalation").await.is_empty());
}

#[tokio::test]
async fn commitment_10_the_prompt_filled_in_inside_the_quote_names_the_lead() {
    let w = world().await;
    let reference = colchester_case(&w).await;
    let chase = chase_of(&w, &reference).await;
    let chase_text = w.text_of(&chase);
    let filled = chase_text
        .replace("Lead officer: (name)", "Lead officer: Peter Quill")
        .replace(
            "Email: (email address)",
            "Email: peter.quill@colchester.gov.uk",
        );
    let raw = answer(
        INTERNAL,
        "peter.quill@colchester.gov.uk",
        COLCHESTER,
        &format!("RE: [{reference}] Chase 1"),
        &chase.message_id,
        &format!("See below.\r\n\r\n{}", outlook_quote(&filled)),
    );
    w.put("colchester", &raw, uk(2026, 12, 1, 11, 0)).await;
    assert!(w.has_event(&reference, "lead_officer_named").await);

    // An HTML-only answer, Outlook on the web, filled in the same way.
    let w = world().await;
    let reference = colchester_case(&w).await;
    let chase = chase_of(&w, &reference).await;
    let html = format!(
        "{INTERNAL}From: peter.quill@colchester.gov.uk\r\nTo: {COLCHESTER}\r\n\
         Subject: RE: [{reference}] Chase 1\r\nMessage-ID: <html-answer@colchester.gov.uk>\r\n\
         In-Reply-To: {}\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <div>All in hand.</div><hr><div id=\"divRplyFwdMsg\"><b>From:</b> Colchester Duty to Refer<br>\
         <b>Sent:</b> 01 December 2026 09:00<br><b>To:</b> Tracey</div>\
         <div>Lead officer: Peter Quill</div><div>Email: peter.quill@colchester.gov.uk</div>\
         <div>Telephone: (telephone number)</div>",
        chase.message_id
    );
    w.put("colchester", html.as_bytes(), uk(2026, 12, 1, 11, 0))
        .await;
    assert!(
        w.has_event(&reference, "lead_officer_named").await,
        "{:?}",
        w.events(&reference).await
    );
}

#[tokio::test]
async fn commitment_10_a_forward_a_quote_an_automatic_reply_or_its_own_mail_do_not_count() {
    let w = world().await;
    let reference = colchester_case(&w).await;
    let chase = chase_of(&w, &reference).await;
    let chase_text = w.text_of(&chase);
    let subject = format!("RE: [{reference}] Chase 1");
    // A forward to a colleague, even naming someone.
    let forward = answer(
        INTERNAL,
        "peter.quill@colchester.gov.uk",
        "colleague@colchester.gov.uk",
        &format!("FW: [{reference}] Chase 1"),
        &chase.message_id,
        &format!(
            "Could you pick this up?\r\nLead officer: Colleague Name\r\n\r\n{}",
            outlook_quote(&chase_text)
        ),
    );
    // Only the quote, the prompt untouched.
    let bare = answer(
        INTERNAL,
        "peter.quill@colchester.gov.uk",
        COLCHESTER,
        &subject,
        &chase.message_id,
        &outlook_quote(&chase_text),
    );
    // An automatic reply.
    let automatic = answer(
        &format!("{INTERNAL}Auto-Submitted: auto-replied\r\n"),
        "tracey.brushett@cbhomes.org",
        COLCHESTER,
        &format!("Automatic reply: [{reference}] Chase 1"),
        &chase.message_id,
        "I am out of the office until Monday.\r\nLead officer: Someone Else\r\n",
    );
    for (n, raw) in [forward, bare, automatic].iter().enumerate() {
        w.put("colchester", raw, uk(2026, 12, 1, 11, n as u32))
            .await;
    }
    let events = w.events(&reference).await;
    assert!(
        !events.iter().any(|(k, _)| k == "lead_officer_named"),
        "{events:?}"
    );
    assert!(events
        .iter()
        .any(|(k, d)| k == "not_applied" && d.contains("a forward")));
    assert!(events
        .iter()
        .any(|(k, d)| k == "not_applied" && d.contains("only quotes")));
    // The chase itself, seen again in the inbox it copies: nothing.
    let own = w.written().remove(&chase.message_id).expect("written");
    let recorded = w
        .put("colchester", own.as_bytes(), uk(2026, 12, 1, 12, 0))
        .await;
    assert_eq!(recorded.action, Action::RecordedOnly);
    // The lead officer deadline is still open and the ladder goes on:
    // the escalation on Wednesday 2, chase 2 on Thursday 3.
    assert!(w
        .open_rules(&reference, day(2026, 12, 3))
        .await
        .contains(&"lead_officer".to_string()));
    w.sweep(uk(2026, 12, 2, 10, 0)).await;
    w.sweep(uk(2026, 12, 3, 10, 0)).await;
    assert_eq!(w.rows("escalation").await.len(), 1);
    assert_eq!(w.rows("chase").await.len(), 2);
}

#[tokio::test]
async fn annex_c_every_essex_authority_escalates_to_its_dispute_contact() {
    let w = world().await;
    let mut references = Vec::new();
    for (n, mailbox) in w.config.mailboxes.clone().iter().enumerate() {
        let authority = w.config.authority_of(mailbox).expect("authority").clone();
        let raw = referral(
            authority.inbox.as_str(),
            &format!("annex-c-{n}@justice.gov.uk"),
            &[
                ("Prison number", &format!("A{n:04}ZZ")),
                ("Full name", &format!("Person Number{n}")),
            ],
        );
        let reference = w.case(&mailbox.name, &raw, uk(2026, 11, 23, 10, 0)).await;
        references.push((reference, authority));
    }
    w.send().await;
    // Chase 1 on Tuesday 1 December names who the escalation goes to.
    w.sweep(uk(2026, 12, 1, 10, 0)).await;
    for chase in w.rows("chase").await {
        let (_, authority) = references
            .iter()
            .find(|(r, _)| Some(r.as_str()) == chase.case_ref.as_deref())
            .expect("a case");
        assert_eq!(
            chase.context["escalation"]["to"],
            authority.dispute_contact.name.as_str(),
            "{}",
            authority.name
        );
    }
    // Wednesday 2: every one of the fourteen escalates to its Head of
    // Housing Options, the referrer and the case lead copied.
    w.sweep(uk(2026, 12, 2, 10, 0)).await;
    let escalations = w.rows("escalation").await;
    assert_eq!(escalations.len(), 14);
    for (reference, authority) in &references {
        let row = escalations
            .iter()
            .find(|r| r.case_ref.as_deref() == Some(reference.as_str()))
            .unwrap_or_else(|| panic!("no escalation for {}", authority.name));
        assert_eq!(
            row.to[0],
            authority.dispute_contact.email.to_string(),
            "{}",
            authority.name
        );
        assert!(row.cc.contains(&REFERRER.to_string()), "{}", authority.name);
        assert!(
            row.cc.contains(&CASE_LEAD.to_string()),
            "{}",
            authority.name
        );
        assert!(!w.has_event(reference, "escalation_not_sent").await);
        // Where the lead is the dispute contact (Castle Point and six more),
        // the escalation is addressed to them: it does not say they are
        // copied.
        w.send().await;
        let row = w
            .rows("escalation")
            .await
            .into_iter()
            .find(|r| r.case_ref.as_deref() == Some(reference.as_str()))
            .expect("sent");
        let text = one_line(&w.text_of(&row));
        let lead_is_addressee = authority.operational_lead.email == authority.dispute_contact.email;
        assert_eq!(
            text.contains(&format!(
                "{}, the operational lead for",
                authority.operational_lead.name
            )),
            !lead_is_addressee,
            "{}: {text}",
            authority.name
        );
        if lead_is_addressee {
            assert!(text.contains("You are also the operational lead"), "{text}");
        }
    }
    // `due` shows how far each ladder has gone.
    let cases = w.store.deadline_cases(None).await.expect("cases");
    let rows = open_deadlines(&w.config, &cases, day(2026, 12, 2));
    let lead = rows
        .iter()
        .find(|d| d.rule.id == "lead_officer")
        .expect("an open lead officer deadline");
    assert_eq!(lead.ladder, "chased 1 Dec; escalated 2 Dec");
    // A chase after the escalation says it was escalated, not that it will be.
    w.sweep_days(day(2026, 12, 3), day(2026, 12, 10)).await;
    w.send().await;
    let late_chase = w
        .rows("chase")
        .await
        .into_iter()
        .filter(|r| r.context["deadline"]["id"] == "lead_officer")
        .max_by_key(|r| r.id)
        .expect("a chase after the escalation");
    let text = one_line(&w.text_of(&late_chase));
    if late_chase.context["escalation"]["to"].is_string() {
        assert!(
            text.contains("It was escalated on Wednesday 2 December 2026"),
            "{text}"
        );
        assert!(!text.contains("it will be escalated"), "{text}");
    }
}

#[tokio::test]
async fn kent_28_days_prior_to_release_is_met_by_an_answer_in_its_window_not_an_early_thanks() {
    let w = world_with(|c| c.protocol = Protocol::from_toml(KENT).expect("kent")).await;
    let reference = w
        .case(
            "colchester",
            &referral(
                COLCHESTER,
                "kent-1@justice.gov.uk",
                &[("Expected release date", "01/03/2027")],
            ),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    w.send().await;
    let ack = w.rows("acknowledgement").await.remove(0);
    let thanks = answer(
        INTERNAL,
        "peter.quill@colchester.gov.uk",
        REFERRER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Thanks, received.\r\n",
    );
    w.put("colchester", &thanks, uk(2026, 12, 10, 11, 0)).await;
    // Due Monday 1 February: still open, reminded on Thursday 28 January.
    assert!(w
        .open_rules(&reference, day(2027, 1, 27))
        .await
        .contains(&"housing_confirmation".to_string()));
    w.sweep(uk(2027, 1, 28, 10, 0)).await;
    let reminder = w.rows("reminder").await;
    assert_eq!(reminder.len(), 1);
    assert_eq!(
        reminder[0].context["deadline"]["id"],
        "housing_confirmation"
    );
    // An answer to the reminder meets it.
    let done = answer(
        INTERNAL,
        "peter.quill@colchester.gov.uk",
        COLCHESTER,
        &format!("RE: [{reference}] Reminder"),
        &reminder[0].message_id,
        "We wrote to him today with the plan.\r\n",
    );
    w.put("colchester", &done, uk(2027, 1, 28, 15, 0)).await;
    assert!(!w
        .open_rules(&reference, day(2027, 1, 29))
        .await
        .contains(&"housing_confirmation".to_string()));
}

#[tokio::test]
async fn kent_14_days_prior_the_referring_side_says_it_is_done() {
    let w = world_with(|c| c.protocol = Protocol::from_toml(KENT).expect("kent")).await;
    let reference = w
        .case(
            "colchester",
            &referral(
                COLCHESTER,
                "kent-2@justice.gov.uk",
                &[("Expected release date", "01/03/2027")],
            ),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    w.send().await;
    // The acknowledgement tells the referrer the step that is theirs.
    let ack = w.rows("acknowledgement").await.remove(0);
    let text = one_line(&w.text_of(&ack));
    assert!(text.contains("(for you to do)"), "{text}");
    w.sweep(uk(2027, 2, 11, 10, 0)).await;
    let reminder = w
        .rows("reminder")
        .await
        .into_iter()
        .find(|r| r.context["deadline"]["id"] == "appointments_confirmed")
        .expect("the referrer is reminded");
    assert_eq!(reminder.to, [REFERRER]);
    let done = answer(
        &passed("justice.gov.uk"),
        REFERRER,
        COLCHESTER,
        &format!("RE: [{reference}] Reminder"),
        &reminder.message_id,
        "Done: appointments confirmed in writing to the prisoner\r\n",
    );
    w.put("colchester", &done, uk(2027, 2, 11, 15, 0)).await;
    assert!(!w
        .open_rules(&reference, day(2027, 2, 12))
        .await
        .contains(&"appointments_confirmed".to_string()));
    // The council cannot say it for them.
    let w2 = world_with(|c| c.protocol = Protocol::from_toml(KENT).expect("kent")).await;
    let reference = w2
        .case(
            "colchester",
            &referral(
                COLCHESTER,
                "kent-3@justice.gov.uk",
                &[("Expected release date", "01/03/2027")],
            ),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    w2.send().await;
    let ack = w2.rows("acknowledgement").await.remove(0);
    let council = answer(
        INTERNAL,
        "peter.quill@colchester.gov.uk",
        COLCHESTER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Done: appointments confirmed\r\n",
    );
    w2.put("colchester", &council, uk(2027, 2, 11, 15, 0)).await;
    assert!(w2
        .open_rules(&reference, day(2027, 2, 12))
        .await
        .contains(&"appointments_confirmed".to_string()));
}

#[tokio::test]
async fn commitment_2_a_request_to_keep_accommodation_owes_no_lead_officer() {
    let w = world().await;
    let reference = w
        .case(
            "colchester",
            &referral(
                COLCHESTER,
                "keep-1@justice.gov.uk",
                &[("Referral type", "Help to keep accommodation")],
            ),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    let rules = w.open_rules(&reference, day(2026, 11, 23)).await;
    assert!(
        rules.contains(&"keep_accommodation".to_string()),
        "{rules:?}"
    );
    assert!(!rules.contains(&"lead_officer".to_string()), "{rules:?}");
}

#[tokio::test]
async fn commitment_16_information_requested_starts_a_step_the_referring_side_owes() {
    let w = world().await;
    let reference = colchester_case(&w).await;
    let ack = w.rows("acknowledgement").await.remove(0);
    let ask = answer(
        INTERNAL,
        "peter.quill@colchester.gov.uk",
        REFERRER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Lead officer: Peter Quill\r\nEmail: peter.quill@colchester.gov.uk\r\n\
         Information requested: proof of identity and of income\r\n",
    );
    w.put("colchester", &ask, uk(2026, 11, 24, 11, 0)).await;
    assert!(w.has_event(&reference, "information_requested").await);
    // Written to the referrer: nothing more to tell them.
    assert!(w.rows("information_requested").await.is_empty());
    // Five working days, owed by the referrer: due Tuesday 1 December,
    // reminded Monday 30 November.
    let due = w.due(&reference, day(2026, 11, 25)).await;
    assert!(
        due.iter()
            .any(|(r, d, ..)| r == "information" && *d == day(2026, 12, 1)),
        "{due:?}"
    );
    w.sweep(uk(2026, 11, 30, 10, 0)).await;
    let reminder = w
        .rows("reminder")
        .await
        .into_iter()
        .find(|r| r.context["deadline"]["id"] == "information")
        .expect("reminded");
    assert_eq!(reminder.to, [REFERRER]);
    assert_eq!(reminder.cc, [CASE_LEAD]);
    // The case lead answers with it: met.
    let sent = answer(
        &passed("justice.gov.uk"),
        CASE_LEAD,
        COLCHESTER,
        &format!("RE: [{reference}] Reminder"),
        &reminder.message_id,
        "Attached, as asked.\r\n",
    );
    w.put("colchester", &sent, uk(2026, 11, 30, 14, 0)).await;
    assert!(!w
        .open_rules(&reference, day(2026, 12, 1))
        .await
        .contains(&"information".to_string()));
}

#[tokio::test]
async fn commitment_10_an_officer_of_another_council_does_not_answer_for_rochford() {
    let w = world().await;
    let rochford = "housingoptions@rochford.gov.uk";
    let reference = w
        .case(
            "rochford",
            &referral(rochford, "roc-1@justice.gov.uk", &[]),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    w.send().await;
    let ack = w.rows("acknowledgement").await.remove(0);
    // Rochford's dispute contact is at Brentwood; another Brentwood
    // officer is not Rochford.
    let raw = answer(
        &passed("brentwood.gov.uk"),
        "marie.other@brentwood.gov.uk",
        REFERRER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Lead officer: Marie Other\r\nEmail: marie.other@brentwood.gov.uk\r\n",
    );
    w.put("rochford", &raw, uk(2026, 11, 24, 11, 0)).await;
    assert!(!w.has_event(&reference, "lead_officer_named").await);
    assert!(!w.has_event(&reference, "authority_responded").await);
}

#[tokio::test]
async fn late_referrals_are_due_the_next_working_day_and_first_sweeps_start_at_chase_one() {
    let w = world_with(|c| c.protocol = Protocol::from_toml(KENT).expect("kent")).await;
    // Received Monday 15 February 2027 for release on Monday 1 March: the
    // housing confirmation (28 days before, 1 February) had passed.
    let reference = w
        .case(
            "colchester",
            &referral(
                COLCHESTER,
                "late-1@justice.gov.uk",
                &[("Expected release date", "01/03/2027")],
            ),
            uk(2027, 2, 15, 10, 0),
        )
        .await;
    let due = w.due(&reference, day(2027, 2, 15)).await;
    let housing = due
        .iter()
        .find(|(r, ..)| r == "housing_confirmation")
        .expect("open");
    assert_eq!((housing.1, housing.3), (day(2027, 2, 16), true), "{due:?}");
    // The acknowledgement promises no date in the past.
    w.send().await;
    let ack = w.rows("acknowledgement").await.remove(0);
    let text = one_line(&w.text_of(&ack));
    assert!(
        text.contains("by Tuesday 16 February 2027 (the protocol's date had passed"),
        "{text}"
    );
    // The first chase is chase 1.
    w.sweep(uk(2027, 2, 17, 10, 0)).await;
    let chases = w.rows("chase").await;
    assert_eq!(chases[0].context["step"]["number"], 1);
}

#[tokio::test]
async fn chases_stop_after_their_maximum_and_nothing_goes_after_release() {
    let w = world().await;
    // Released on Friday 4 December: nothing goes after Friday 18.
    let reference = w
        .case(
            "colchester",
            &referral(
                COLCHESTER,
                "stop-1@justice.gov.uk",
                &[("Expected release date", "04/12/2026")],
            ),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    w.send().await;
    w.sweep_days(day(2026, 11, 24), day(2027, 1, 29)).await;
    let chases: Vec<OutboxRow> = w
        .rows("chase")
        .await
        .into_iter()
        .filter(|r| r.context["deadline"]["id"] == "lead_officer")
        .collect();
    assert!(chases.len() <= 5, "{}", chases.len());
    let events = w.events(&reference).await;
    assert!(
        events
            .iter()
            .any(|(k, _)| k == "follow_ups_stopped" || k == "chases_ended"),
        "{events:?}"
    );
    // Lead officer due Thursday 3 December, the last working day before
    // release: never green.
    let due = w.due(&reference, day(2026, 11, 23)).await;
    let lead = due
        .iter()
        .find(|(r, ..)| r == "lead_officer")
        .expect("open");
    assert_eq!(lead.1, day(2026, 11, 30));
    let w = world().await;
    let reference = w
        .case(
            "colchester",
            &referral(
                COLCHESTER,
                "soon-1@justice.gov.uk",
                &[("Expected release date", "27/11/2026")],
            ),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    let due = w.due(&reference, day(2026, 11, 23)).await;
    let lead = due
        .iter()
        .find(|(r, ..)| r == "lead_officer")
        .expect("open");
    assert_eq!((lead.1, lead.2), (day(2026, 11, 26), Rag::Amber));
}

#[tokio::test]
async fn the_urgent_notice_gives_true_reasons_and_flags_under_18s_and_mappa() {
    let w = world().await;
    let far = w
        .case(
            "colchester",
            &referral(
                COLCHESTER,
                "far-1@justice.gov.uk",
                &[("Expected release date", "20/03/2027")],
            ),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    let near = w
        .case(
            "colchester",
            &referral(
                COLCHESTER,
                "near-1@justice.gov.uk",
                &[
                    ("Prison number", "B7654CD"),
                    ("Full name", "Young Person"),
                    ("Date of birth", "10/01/2009"),
                    ("Expected release date", "06/01/2027"),
                    ("Risk to others", "MAPPA level 2"),
                ],
            ),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    w.send().await;
    let notices = w.rows("notice").await;
    let text_of = |reference: &str| {
        let row = notices
            .iter()
            .find(|r| r.case_ref.as_deref() == Some(reference))
            .expect("a notice");
        one_line(&w.text_of(row))
    };
    let far = text_of(&far);
    assert!(
        !far.contains("URGENT") && !far.contains("days away"),
        "{far}"
    );
    let near = text_of(&near);
    assert!(
        near.starts_with("URGENT - Release in 44 days (6 January 2027)."),
        "{near}"
    );
    assert!(near.contains("The person was 17 when referred"), "{near}");
    assert!(near.contains("managed under MAPPA"), "{near}");
}

#[tokio::test]
async fn follow_ups_go_only_in_working_hours() {
    let w = world().await;
    colchester_case(&w).await;
    let late = w.sweep(uk(2026, 12, 1, 22, 30)).await;
    assert!(!late.swept);
    assert!(
        late.skipped
            .as_deref()
            .is_some_and(|s| s.contains("after 17:00")),
        "{late:?}"
    );
    assert!(w.rows("chase").await.is_empty());
    let christmas = w.sweep(uk(2026, 12, 25, 10, 0)).await;
    assert!(christmas
        .skipped
        .as_deref()
        .is_some_and(|s| s.contains("not a working day: nothing sent")));
}

#[tokio::test]
async fn an_answer_that_cannot_be_read_is_reported_to_the_inbox() {
    let w = world().await;
    let reference = colchester_case(&w).await;
    let ack = w.rows("acknowledgement").await.remove(0);
    let raw = format!(
        "{INTERNAL}From: peter.quill@colchester.gov.uk\r\nTo: {REFERRER}\r\n\
         Subject: RE: [{reference}] Referral received\r\nMessage-ID: <enc-1@colchester.gov.uk>\r\n\
         In-Reply-To: {}\r\nMIME-Version: 1.0\r\n\
         Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n\
         Content-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHA6CAMIACAQAxggE=\r\n",
        ack.message_id
    );
    w.put("colchester", raw.as_bytes(), uk(2026, 11, 24, 11, 0))
        .await;
    assert!(w.has_event(&reference, "answer_unreadable").await);
    assert!(!w.has_event(&reference, "authority_responded").await);
    let told = w.rows("unreadable_answer").await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].to, [COLCHESTER]);
}

#[tokio::test]
async fn release_dates_move_and_the_deadlines_with_them() {
    let w = world_with(|c| c.protocol = Protocol::from_toml(KENT).expect("kent")).await;
    let reference = w
        .case(
            "colchester",
            &referral(
                COLCHESTER,
                "move-1@justice.gov.uk",
                &[("Expected release date", "01/03/2027")],
            ),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    w.send().await;
    let ack = w.rows("acknowledgement").await.remove(0);
    // Home Detention Curfew: release brought forward to Monday 1 February.
    let raw = answer(
        &passed("justice.gov.uk"),
        CASE_LEAD,
        COLCHESTER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "He has been granted HDC.\r\nRelease date: 01/02/2027\r\n",
    );
    w.put("colchester", &raw, uk(2026, 12, 1, 11, 0)).await;
    let events = w.events(&reference).await;
    let change = events
        .iter()
        .find(|(k, _)| k == "release_date_changed")
        .expect("recorded");
    assert!(
        change.1.contains("2027-03-01") && change.1.contains("2027-02-01"),
        "{change:?}"
    );
    let due = w.due(&reference, day(2026, 12, 1)).await;
    let housing = due
        .iter()
        .find(|(r, ..)| r == "housing_confirmation")
        .expect("open");
    assert_eq!(
        housing.1,
        day(2027, 1, 4),
        "28 days before 1 February, a Monday"
    );
    // Someone who is neither the referrer nor the case lead cannot move it.
    let raw = answer(
        &passed("justice.gov.uk"),
        "someone.else@justice.gov.uk",
        COLCHESTER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "Release date: 01/06/2027\r\n",
    );
    w.put("colchester", &raw, uk(2026, 12, 2, 11, 0)).await;
    let due = w.due(&reference, day(2026, 12, 2)).await;
    let housing = due
        .iter()
        .find(|(r, ..)| r == "housing_confirmation")
        .expect("open");
    assert_eq!(housing.1, day(2027, 1, 4));
}

#[tokio::test]
async fn commitment_10_counts_from_the_application_and_councils_close_on_days_of_their_own() {
    let w = world().await;
    let reference = colchester_case(&w).await;
    let ack = w.rows("acknowledgement").await.remove(0);
    let raw = answer(
        INTERNAL,
        "peter.quill@colchester.gov.uk",
        REFERRER,
        &format!("RE: [{reference}] Referral received"),
        &ack.message_id,
        "We have taken his application.\r\nApplication received: 02/12/2026\r\n",
    );
    w.put("colchester", &raw, uk(2026, 12, 2, 11, 0)).await;
    let due = w.due(&reference, day(2026, 12, 2)).await;
    let lead = due
        .iter()
        .find(|(r, ..)| r == "lead_officer")
        .expect("open");
    assert_eq!(
        lead.1,
        day(2026, 12, 9),
        "five working days from Wednesday 2 December"
    );

    // Colchester closed 29 to 31 December: a referral on Wednesday 23 is
    // to be acknowledged by Tuesday 5 January, not Wednesday 30.
    let w = world_with(|c| {
        let list = c
            .authorities
            .iter()
            .cloned()
            .map(|mut a| {
                if a.code.as_str() == "COL" {
                    a.closed_days = vec![day(2026, 12, 29), day(2026, 12, 30), day(2026, 12, 31)];
                }
                a
            })
            .collect();
        c.authorities = dtr_gateway::core::authority::Authorities::new(list);
        c.authority_calendars.insert(
            "COL".into(),
            c.calendar
                .with_closures(&[day(2026, 12, 29), day(2026, 12, 30), day(2026, 12, 31)]),
        );
    })
    .await;
    let reference = w
        .case(
            "colchester",
            &referral(COLCHESTER, "xmas-1@justice.gov.uk", &[]),
            uk(2026, 12, 23, 10, 0),
        )
        .await;
    let due = w.due(&reference, day(2026, 12, 23)).await;
    let ack = due.iter().find(|(r, ..)| r == "acknowledge").expect("open");
    assert_eq!(ack.1, day(2027, 1, 5));
    // And nobody is chased on those days.
    let report = w.sweep(uk(2026, 12, 30, 10, 0)).await;
    assert_eq!(report.follow_ups, 0);
}

/// The notice the authority got for a case (the mail an officer answers).
async fn notice_of(w: &World, reference: &str) -> OutboxRow {
    w.rows("notice")
        .await
        .into_iter()
        .find(|r| r.case_ref.as_deref() == Some(reference))
        .expect("a notice")
}

#[tokio::test]
async fn commitment_10_the_first_lead_named_is_told_to_the_referring_side() {
    let w = world().await;
    let reference = colchester_case(&w).await;
    let notice = notice_of(&w, &reference).await;
    // On one line, the way officers write it, on top of the quoted notice.
    let raw = answer(
        INTERNAL,
        "Peter Quill <peter.quill@colchester.gov.uk>",
        COLCHESTER,
        &format!("RE: [{reference}] New Duty to Refer referral"),
        &notice.message_id,
        &format!(
            "Lead officer: Jo Officer (jo.officer@colchester.gov.uk), 01206 282 000\r\n\r\n{}",
            outlook_quote(&w.text_of(&notice))
        ),
    );
    w.put("colchester", &raw, uk(2026, 11, 24, 11, 0)).await;
    assert_eq!(
        w.lead_officer(&reference).await.as_deref(),
        Some("jo.officer@colchester.gov.uk")
    );
    w.send().await;
    let told = w.rows("lead_changed").await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].to, vec![REFERRER.to_string()]);
    assert_eq!(told[0].cc, vec![CASE_LEAD.to_string()]);
    let text = one_line(&w.text_of(&told[0]));
    assert!(
        text.contains("Colchester City Council has named its lead officer"),
        "{text}"
    );
    assert!(text.contains("Jo Officer"), "{text}");
    assert!(!text.contains("has changed"), "{text}");
}

#[tokio::test]
async fn commitment_10_a_lead_to_be_confirmed_is_no_lead_and_the_chasing_goes_on() {
    let w = world().await;
    let reference = colchester_case(&w).await;
    let notice = notice_of(&w, &reference).await;
    let raw = answer(
        INTERNAL,
        "peter.quill@colchester.gov.uk",
        COLCHESTER,
        &format!("RE: [{reference}] New Duty to Refer referral"),
        &notice.message_id,
        "Received, thank you.\r\nLead officer: TBC - not yet allocated\r\n",
    );
    w.put("colchester", &raw, uk(2026, 11, 24, 11, 0)).await;
    assert_eq!(w.lead_officer(&reference).await, None);
    assert!(w.rows("lead_changed").await.is_empty());
    assert!(w
        .open_rules(&reference, day(2026, 11, 30))
        .await
        .contains(&"lead_officer".to_string()));
}

#[tokio::test]
async fn commitment_10_an_officer_who_says_they_are_the_lead_is_named() {
    let w = world().await;
    let reference = colchester_case(&w).await;
    let notice = notice_of(&w, &reference).await;
    let raw = answer(
        INTERNAL,
        "Peter Quill <peter.quill@colchester.gov.uk>",
        COLCHESTER,
        &format!("RE: [{reference}] New Duty to Refer referral"),
        &notice.message_id,
        &format!(
            "Hi, I will be the lead officer for this case.\r\n\r\nPeter Quill\r\n\
             Housing Options Officer\r\n\r\n{}",
            outlook_quote(&w.text_of(&notice))
        ),
    );
    w.put("colchester", &raw, uk(2026, 11, 24, 11, 0)).await;
    assert_eq!(
        w.lead_officer(&reference).await.as_deref(),
        Some("peter.quill@colchester.gov.uk")
    );
    w.send().await;
    let text = one_line(&w.text_of(&w.rows("lead_changed").await[0]));
    assert!(text.contains("Peter Quill"), "{text}");
}

#[tokio::test]
async fn commitment_16_a_request_written_to_the_councils_own_inbox_reaches_the_referrer() {
    let w = world().await;
    let reference = colchester_case(&w).await;
    let notice = notice_of(&w, &reference).await;
    let ask = answer(
        INTERNAL,
        "peter.quill@colchester.gov.uk",
        COLCHESTER,
        &format!("RE: [{reference}] New Duty to Refer referral"),
        &notice.message_id,
        "Information requested: proof of identity and of income\r\n",
    );
    w.put("colchester", &ask, uk(2026, 11, 24, 11, 0)).await;
    w.send().await;
    let asked = w.rows("information_requested").await;
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0].to, [REFERRER]);
    assert_eq!(asked[0].cc, [CASE_LEAD]);
    let text = one_line(&w.text_of(&asked[0]));
    assert!(
        text.contains("Colchester City Council asks for the following information")
            && text.contains("proof of identity and of income"),
        "{text}"
    );
}

#[tokio::test]
async fn commitment_9_an_acknowledgement_that_bounced_did_not_acknowledge() {
    let w = world().await;
    let reference = colchester_case(&w).await;
    let ack = w.rows("acknowledgement").await.remove(0);
    assert!(!w
        .open_rules(&reference, day(2026, 11, 23))
        .await
        .contains(&"acknowledge".to_string()));
    let dsn = |headers: &str, from: &str, id: &str| {
        format!(
        "{headers}From: {from}\r\nTo: {COLCHESTER}\r\n\
         Message-ID: <dsn-ack@colchester.gov.uk>\r\nSubject: Undeliverable: [{reference}] Referral received\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n\
         --b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mail.colchester.gov.uk\r\n\r\n\
         Final-Recipient: rfc822; {REFERRER}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n\
         --b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {}\r\n\
         Subject: [{reference}] Referral received\r\n\r\n--b--\r\n",
        ack.message_id
    )
    .replace("<dsn-ack@colchester.gov.uk>", id)
    };
    // Forged: anyone in the thread knows the acknowledgement's Message-ID.
    let forged = dsn(
        "",
        "MAILER-DAEMON@evil.example",
        "<dsn-forged@evil.example>",
    );
    w.put("colchester", forged.as_bytes(), uk(2026, 11, 23, 10, 30))
        .await;
    assert!(!w.has_event(&reference, "acknowledgement_returned").await);
    // The council's own mail server's report.
    let real = dsn(
        INTERNAL,
        "MAILER-DAEMON@colchester.gov.uk",
        "<dsn-ack@colchester.gov.uk>",
    );
    w.put("colchester", real.as_bytes(), uk(2026, 11, 23, 11, 0))
        .await;
    assert!(
        w.has_event(&reference, "acknowledgement_returned").await,
        "{:?}",
        w.events(&reference).await
    );
    // The council is reminded that the referrer has not been told.
    assert!(w
        .open_rules(&reference, day(2026, 11, 24))
        .await
        .contains(&"acknowledge".to_string()));
}
