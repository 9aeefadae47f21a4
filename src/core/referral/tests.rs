use super::*;
use crate::core::form::read_form;

fn read(text: &str) -> ReadReferral {
    let authorities = Authorities::default();
    let ctx = ReadingContext {
        sent_on: NaiveDate::from_ymd_opt(2026, 11, 16).expect("valid"),
        authorities: &authorities,
        receiving_authority: None,
    };
    interpret(&read_form(text), &ctx)
}

const COMPLETE: &str = "Referral type: Duty to Refer\nFull name: Sam Example\nDOB: 01/02/1990\n\
    Custody status: sentenced\nRelease date: 3/4/27\nConsent: Yes\n\
    Reason at risk of homelessness: No address on release\nLocal connection: family, resident\n\
    Referring agency: HMPPS\nReferrer name: Jo Officer\nReferrer email: jo@justice.gov.uk\n\
    Referrer phone: 01234 567890\n";

#[test]
fn a_complete_referral() {
    let r = read(COMPLETE);
    assert_eq!(r.outcome, Outcome::Complete, "{r:?}");
    assert_eq!(
        r.referral.local_connection,
        Some(vec![LocalConnection::Resident, LocalConnection::Family])
    );
    assert_eq!(
        r.referral.expected_release_date,
        NaiveDate::from_ymd_opt(2027, 4, 3)
    );
}

#[test]
fn missing_and_invalid_fields_make_it_incomplete() {
    let text = COMPLETE
        .replace("Referrer phone: 01234 567890\n", "")
        .replace("DOB: 01/02/1990", "DOB: 31/02/1990")
        .replace(
            "Custody status: sentenced",
            "Custody status: sentenced\nPrison number: 12345",
        );
    let r = read(&text);
    assert_eq!(r.outcome, Outcome::Incomplete);
    assert_eq!(r.missing, vec![Field::ReferrerPhone]);
    assert_eq!(r.invalid, vec![Field::DateOfBirth, Field::PrisonNumber]);
}

#[test]
fn only_a_stated_no_refuses() {
    let r = read(&COMPLETE.replace("Consent: Yes", "Consent: No"));
    assert_eq!(r.outcome, Outcome::NoConsent);
    // Not stated: a question to ask, not a refusal.
    let r = read(&COMPLETE.replace("Consent: Yes\n", ""));
    assert_eq!(r.outcome, Outcome::Incomplete);
    assert_eq!(r.missing, vec![Field::Consent]);
    // Unreadable: likewise.
    let r = read(&COMPLETE.replace("Consent: Yes", "Consent: verbal, form to follow"));
    assert_eq!(r.outcome, Outcome::Incomplete);
    assert_eq!(r.invalid, vec![Field::Consent]);
    // A stated No decides even when other fields are missing.
    let r = read(
        &COMPLETE
            .replace("Consent: Yes", "Consent: No")
            .replace("DOB: 01/02/1990\n", ""),
    );
    assert_eq!(r.outcome, Outcome::NoConsent);
}

#[test]
fn answers_with_explanations_are_read_by_their_first_words() {
    let with = |from: &str, to: &str| read(&COMPLETE.replace(from, to));
    for (line, status) in [
        ("Custody status: Remanded", CustodyStatus::Remand),
        ("Custody status: On remand", CustodyStatus::Remand),
        (
            "Custody status: Sentenced - 18 months",
            CustodyStatus::Sentenced,
        ),
        (
            "Custody status: Released on licence",
            CustodyStatus::Released,
        ),
    ] {
        let r = with("Custody status: sentenced", line);
        assert_eq!(r.referral.custody_status, Some(status), "{line}");
    }
    for (line, wanted) in [
        (
            "Local connection: Resident - lived in Harlow for 10 years, mother nearby",
            vec![LocalConnection::Resident],
        ),
        (
            "Local connection: Yes - family",
            vec![LocalConnection::Family],
        ),
        (
            "Local connection: Resident and employed (since 2015)",
            vec![LocalConnection::Resident, LocalConnection::Employed],
        ),
        ("Local connection: None - moved away", vec![]),
    ] {
        let r = with("Local connection: family, resident", line);
        assert_eq!(r.referral.local_connection, Some(wanted), "{line}");
    }
    // `Yes` alone names no connection: asked again.
    let r = with(
        "Local connection: family, resident",
        "Local connection: Yes",
    );
    assert_eq!(r.invalid, vec![Field::LocalConnection]);
    let r = with("Referral type: Duty to Refer", "Referral type: DTR");
    assert_eq!(r.referral.referral_type, Some(ReferralType::DutyToRefer));
    let r = with(
        "Release date: 3/4/27",
        "Release date: TBC (parole hearing 12/01/2027)",
    );
    assert_eq!(r.referral.expected_release_date, None);
    assert_eq!(r.invalid, vec![Field::ExpectedReleaseDate]);
}

#[test]
fn nothing_to_give_is_not_a_misread_answer() {
    let r = read(&format!(
        "{COMPLETE}Contact phone: N/A\nContact email: none\n"
    ));
    assert_eq!((r.outcome, r.invalid), (Outcome::Complete, vec![]));
    // A required answer so given is asked for as missing.
    let r = read(&COMPLETE.replace("Custody status: sentenced", "Custody status: N/A"));
    assert_eq!(r.invalid, vec![]);
    assert!(r.missing.contains(&Field::CustodyStatus), "{:?}", r.missing);
}

#[test]
fn only_a_clear_no_is_a_refusal_of_consent() {
    let consent = |answer: &str| {
        let r = read(&COMPLETE.replace("Consent: Yes", &format!("Consent: {answer}")));
        (r.outcome, r.referral.consent)
    };
    for refusal in ["No", "N", "no - declined to sign", "Refused", "Declined"] {
        assert_eq!(
            consent(refusal),
            (Outcome::NoConsent, Some(false)),
            "{refusal}"
        );
    }
    for agreed in [
        "Yes",
        "Y",
        "No objection",
        "No objections raised",
        "Given verbally",
    ] {
        assert_eq!(consent(agreed), (Outcome::Complete, Some(true)), "{agreed}");
    }
    for unclear in ["N/A", "n/a", "Not asked", "No answer", "Unknown", "TBC"] {
        assert_eq!(consent(unclear), (Outcome::Incomplete, None), "{unclear}");
    }
    // Not yet given, or a no beside a yes: asked again, never a refusal.
    for unclear in [
        "Not consented - he was in court, will ask tomorrow",
        "Has not consented yet - seeing him Thursday",
        "Not consented yet",
        "Doesn't want to sign yet",
        "Does not consent at the moment - will review after his hearing",
        "No - now given, signed 03/12",
        "No -> Yes, signed 03/12",
        "No (initially) - now Yes",
        "No, but verbal yes given today",
        "No - changed mind, yes",
        "Withdrawn then re-given 03/12",
        "He said no at first, now agrees",
        "Initially said no; signed consent on 03/12",
        "He has agreed; mother said no",
        "N - he agreed",
        "Agreed: No",
        "Given: No",
        "Consented - No",
        "Yes - no consent",
        "Yes - N",
        "Yes - No (selected)",
    ] {
        assert_eq!(consent(unclear), (Outcome::Incomplete, None), "{unclear}");
    }
    // Another consent refused beside this one given: never a refusal of
    // this one (asked again where the denial reads as the person's own).
    for unclear in [
        "Consent given (he does not consent to GP contact)",
        "He does not want his GP told; consent given",
    ] {
        assert_eq!(consent(unclear), (Outcome::Incomplete, None), "{unclear}");
    }
    assert_eq!(
        consent("Yes - no problems"),
        (Outcome::Complete, Some(true))
    );
    for refusal in [
        "No - he has not agreed",
        "He does not consent",
        "No - consent not given",
    ] {
        assert_eq!(
            consent(refusal),
            (Outcome::NoConsent, Some(false)),
            "{refusal}"
        );
    }
}

#[test]
fn consent_in_people_s_words() {
    let consent = |answer: &str| {
        let r = read(&COMPLETE.replace("Consent: Yes", &format!("Consent: {answer}")));
        r.referral.consent
    };
    for agreed in [
        "No problem - happy for referral to be made",
        "No issues, consent form signed 01/12/2026",
        "No concerns - signed consent held",
        "Y - see attached",
        "he agreed",
        "Verbal consent given",
        "Consent given",
        "Consented",
        "He has consented",
        "Signed consent on file",
    ] {
        assert_eq!(consent(agreed), Some(true), "{agreed}");
    }
    for refused in [
        "No, he declined to sign",
        "No consent given",
        "Does not consent",
        "He does not want to be referred",
        "Withdrawn",
        "Consent refused",
        "He has declined",
        "Not consented",
        "He said no",
        "He disagreed",
        "Disagrees with the referral",
    ] {
        assert_eq!(consent(refused), Some(false), "{refused}");
    }
    // Neither plainly: asked again, never refused.
    for unclear in [
        "No consent form but he agreed verbally",
        "No written consent yet, verbal given",
        "No he declined",
        "Yes (since withdrawn)",
        "Declined initially, but has now agreed - signed form held",
        "Y/N",
        "Not at this time",
        "X",
        "Never refused",
        "Not refused",
        "He said no objection",
        "He is unhappy for us to refer him",
        "Agreed on 12/11, refused on 20/11",
        "Yes - revoked 20/11",
        "Yes \u{2013} now changed his mind",
        "Yes   NoX",
        "Agreed? No",
        "Refused to sign, verbal consent given",
        "Declined to sign - consented verbally",
        "Refused initially; has since consented",
        "No - TBC",
        "No - not asked yet",
        "No (not yet asked)",
        "No, awaiting signed form",
        "No - unable to see him, he is in healthcare",
    ] {
        assert_eq!(consent(unclear), None, "{unclear}");
    }
}

#[test]
fn options_left_in_with_the_answer_after_them() {
    let with = |line: &str| read(&COMPLETE.replace("Consent: Yes", line));
    for refused in [
        "Consent to referral: [Yes / No] No",
        "Consent to referral: [Yes / No] - No",
        "Consent to referral: Yes / No  No",
        "Consent to referral: Yes/No: No",
        "Consent to referral: Yes or No - No",
        "Consent to referral (Yes/No): No",
        "Consent to referral? No",
        "Consent to referral:\tYes \u{2610}\tNo \u{2612}",
        "Consent to referral:\nYes\nNo X",
        "Consent to referral:\n\u{2610} Yes\n\u{2612} No",
        "Consent to referral:\n    Yes\n    No     X",
        "Consent to referral:\n\tYes\n\tNo\tX",
        "Consent to referral: No [Yes / No]",
    ] {
        let r = with(refused);
        assert_eq!(r.outcome, Outcome::NoConsent, "{refused:?}");
    }
    for asked_again in [
        "Consent to referral: [Yes / No] N/A",
        "Consent to referral: [Yes / No]",
        "Consent to referral: Yes   No XX",
        "Consent to referral:\nYes\nNo",
        "Consent to referral:\nNo recourse to public funds: No",
    ] {
        let r = with(asked_again);
        assert_eq!(
            (r.outcome, r.referral.consent),
            (Outcome::Incomplete, None),
            "{asked_again:?}"
        );
    }
    let r = read(&COMPLETE.replace(
        "Custody status: sentenced",
        "Custody status: [remand / sentenced / community / released] community",
    ));
    assert_eq!(r.referral.custody_status, Some(CustodyStatus::Community));
    let r = read(&COMPLETE.replace(
        "family, resident",
        "[resident, employed, family, special circumstances, none] family",
    ));
    assert_eq!(
        r.referral.local_connection,
        Some(vec![LocalConnection::Family])
    );
    let r = read(&COMPLETE.replace(
        "Custody status: sentenced",
        "Custody status:\n\u{2610} remand\n\u{2612} sentenced\n\u{2610} community",
    ));
    assert_eq!(r.referral.custody_status, Some(CustodyStatus::Sentenced));
}

#[test]
fn tick_boxes_decide_and_unclear_ones_are_asked_again() {
    let with = |consent: &str| read(&COMPLETE.replace("Consent: Yes", consent));
    let r = with("Consent to referral: \u{2612} Yes \u{2610} No");
    assert_eq!(r.outcome, Outcome::Complete);
    let r = with("Consent to referral: \u{2610} Yes \u{2612} No");
    assert_eq!(r.outcome, Outcome::NoConsent);
    // Not ticked: not stated.
    let r = with("Consent to referral: \u{2610} Yes \u{2610} No");
    assert_eq!(
        (r.outcome, r.missing),
        (Outcome::Incomplete, vec![Field::Consent])
    );
    // A mark typed beside one of two options set apart: that option.
    let r = with("Consent: Yes   No X");
    assert_eq!(r.outcome, Outcome::NoConsent);
    let r = with("Consent: Yes X   No");
    assert_eq!(r.outcome, Outcome::Complete);
    // Beside which option? Unreadable, never the first word's `Yes`.
    for unclear in [
        "Consent: Yes X No",
        "Consent: \u{2612} Yes \u{2612} No",
        // The mark after both options, with nothing to set them apart.
        "Consent: Yes No X",
    ] {
        let r = with(unclear);
        assert_eq!(r.outcome, Outcome::Incomplete, "{unclear}");
        assert_eq!(r.invalid, vec![Field::Consent], "{unclear}");
    }
    let r = read(&COMPLETE.replace("Custody status: sentenced", "Custody status: X"));
    assert_eq!(r.invalid, vec![Field::CustodyStatus]);
}

#[test]
fn a_merged_referral_is_judged_the_same_way() {
    let mut r = read(COMPLETE).referral;
    assert_eq!(r.judge(), (Outcome::Complete, vec![]));
    r.consent = None;
    assert_eq!(r.judge(), (Outcome::Incomplete, vec![Field::Consent]));
    r.consent = Some(false);
    assert_eq!(r.judge().0, Outcome::NoConsent);
}

#[test]
fn local_connections_with_explanations_between_them() {
    let with = |answer: &str| {
        read(&COMPLETE.replace("family, resident", answer))
            .referral
            .local_connection
    };
    use LocalConnection::*;
    assert_eq!(
        with("Resident (10 years), employed"),
        Some(vec![Resident, Employed])
    );
    assert_eq!(
        with("Family (mother in Greenstead) and resident 2015 - 2025"),
        Some(vec![Resident, Family])
    );
    assert_eq!(
        with("Resident - lived in Harlow 10 years, mother nearby"),
        Some(vec![Resident])
    );
}

#[test]
fn no_local_connection_needs_a_reason() {
    let r = read(&COMPLETE.replace("family, resident", "none"));
    assert_eq!(r.referral.local_connection, Some(vec![]));
    assert_eq!(r.missing, vec![Field::NoConnectionReason]);
    let r = read(&COMPLETE.replace("family, resident", "none, family"));
    assert_eq!(r.invalid, vec![Field::LocalConnection]);
}

#[test]
fn refusal_keeps_no_personal_details() {
    let r = read(COMPLETE).referral.without_personal_details();
    assert!(r.full_name.is_none() && r.date_of_birth.is_none());
    assert!(r.referrer_email.is_some());
}

/// As a message with one form is read: a label the form answers twice,
/// differently, is a conflict.
fn read_as_message(text: &str) -> ReadReferral {
    let authorities = Authorities::default();
    let ctx = ReadingContext {
        sent_on: NaiveDate::from_ymd_opt(2026, 11, 16).expect("valid"),
        authorities: &authorities,
        receiving_authority: None,
    };
    let reading = read_form(text);
    crate::core::sources::read_forms(&[(crate::core::sources::FormSource::Body, &reading)], &ctx)
        .map(|(read, _)| read)
        .expect("a form")
}

#[test]
fn a_yes_taken_back_on_the_line_under_it_is_no_yes() {
    for taken_back in [
        "Consent withdrawn on 03/12",
        "He has since withdrawn consent",
        "withdrawn",
        "now refuses",
        "He no longer consents",
    ] {
        let text = COMPLETE.replace("Consent: Yes\n", &format!("Consent: Yes\n{taken_back}\n"));
        let r = read(&text);
        assert_eq!(r.referral.consent, None, "{taken_back}");
        assert_eq!(r.outcome, Outcome::Incomplete, "{taken_back}");
        assert!(r.invalid.contains(&Field::Consent), "{taken_back}: {r:?}");
    }
    // Under the label, the answer on the next line.
    let r = read(&COMPLETE.replace(
        "Consent: Yes\n",
        "Consent to referral:\nYes\nConsent withdrawn on 03/12\n",
    ));
    assert_eq!(r.referral.consent, None);
    // A stated No stays a No; a line under a Yes that takes nothing back,
    // or one beyond a blank line, changes nothing.
    let r = read(&COMPLETE.replace(
        "Consent: Yes\n",
        "Consent: No\nConsent withdrawn on 03/12\n",
    ));
    assert_eq!(r.outcome, Outcome::NoConsent);
    let r = read(&COMPLETE.replace("Consent: Yes\n", "Consent: Yes\nSigned form held on file\n"));
    assert_eq!(r.referral.consent, Some(true));
}

#[test]
fn a_consent_answered_differently_below_the_sign_off_is_asked_again() {
    let text = format!(
        "{COMPLETE}\nKind regards\nJo Officer\n\nPS Consent to referral: No - he rang to withdraw it\n"
    );
    let r = read_as_message(&text);
    assert_eq!(r.referral.consent, None, "{r:?}");
    assert_eq!(r.outcome, Outcome::Incomplete);
    assert!(r.conflicts.contains(&Field::Consent), "{r:?}");
    // In older mail quoted below the form, likewise.
    let text = format!(
        "{COMPLETE}\n-----Original Message-----\nFrom: Jo Officer <jo@justice.gov.uk>\n\
         Sent: 12 November 2026\n\nConsent to referral: No\n"
    );
    assert!(read_as_message(&text).conflicts.contains(&Field::Consent));
    // The same answer again is no conflict.
    let text = format!("{COMPLETE}\nKind regards\nJo Officer\nPS Consent: Yes\n");
    let r = read_as_message(&text);
    assert_eq!(r.outcome, Outcome::Complete, "{r:?}");
}

#[test]
fn a_signature_without_a_sign_off_is_no_second_answer() {
    let text = format!(
        "{COMPLETE}\nJo Officer\nPhone: 01234 567890\nOrganisation: HMPPS East of England Probation\n\
         Name: Jo Officer\n"
    );
    let r = read_as_message(&text);
    assert_eq!(r.outcome, Outcome::Complete, "{r:?}");
    assert_eq!(r.referral.referring_agency.as_deref(), Some("HMPPS"));
    assert_eq!(r.referral.full_name.as_deref(), Some("Sam Example"));
    // Under the form's own label, a second answer still counts.
    let text = format!("{COMPLETE}\nJo Officer\nReferring agency: Essex County Council\n");
    assert!(read_as_message(&text)
        .conflicts
        .contains(&Field::ReferringAgency));
}

#[test]
fn label_words_inside_a_free_text_answer_are_part_of_it() {
    let text = COMPLETE.replace(
        "Reason at risk of homelessness: No address on release\n",
        "Reason at risk of homelessness: No address on release.\n\
         Risk: his former partner lives at the family home\n\
         Name: his brother cannot house him either\n\
         Prison: he has been in HMP Chelmsford since 2023\n",
    ) + "Current location: HMP Chelmsford\nRisk to others: Low\n";
    let r = read_as_message(&text);
    assert_eq!(r.outcome, Outcome::Complete, "{r:?}");
    assert_eq!(
        r.referral.homelessness_reason.as_deref(),
        Some(
            "No address on release. Risk: his former partner lives at the family home \
             Name: his brother cannot house him either \
             Prison: he has been in HMP Chelmsford since 2023"
        )
    );
    assert_eq!(r.referral.risk_to_others.as_deref(), Some("Low"));
    assert_eq!(
        r.referral.current_location.as_deref(),
        Some("HMP Chelmsford")
    );
    // `Risk to others` and `MAPPA level` both asked: both answers, no conflict.
    let r = read_as_message(&format!(
        "{COMPLETE}Risk to others: Medium\n\nMAPPA level: 2\n"
    ));
    assert!(r.conflicts.is_empty(), "{r:?}");
    assert_eq!(
        r.referral.risk_to_others.as_deref(),
        Some("Medium; MAPPA level: 2")
    );
    // `MAPPA level` alone: `2` says nothing without its label, which stays.
    for (form, want) in [
        ("MAPPA level: 2\n", "MAPPA level: 2"),
        (
            "MAPPA LEVEL: Level 1, category 2\n",
            "MAPPA LEVEL: Level 1, category 2",
        ),
        ("MAPPA level: MAPPA 2\n", "MAPPA 2"),
    ] {
        let r = read_as_message(&format!("{COMPLETE}{form}"));
        assert_eq!(r.referral.risk_to_others.as_deref(), Some(want), "{form}");
    }
}

#[test]
fn options_in_capitals_and_other_marks() {
    let consent = |answer: &str| {
        read(&COMPLETE.replace("Consent: Yes", answer))
            .referral
            .consent
    };
    assert_eq!(consent("Consent: [YES / No]"), Some(true));
    assert_eq!(consent("Consent: [Yes / NO]"), Some(false));
    // Both or neither in capitals: asked again.
    assert_eq!(consent("Consent: [YES / NO]"), None);
    assert_eq!(consent("Consent: [Yes / No]"), None);
    for (answer, want) in [
        ("Consent: \u{25c9} Yes \u{25cb} No", Some(true)),
        ("Consent: \u{25cb} Yes \u{25c9} No", Some(false)),
        ("Consent: \u{2714}\u{fe0f} Yes \u{2610} No", Some(true)),
        ("Consent: Yes \u{2610} No \u{2611}\u{fe0f}", Some(false)),
        ("Consent: Yes   No \u{274c}", Some(false)),
        ("Consent: Yes \u{00d7}    No", Some(true)),
        ("Consent: Yes     No \u{2716}", Some(false)),
        ("Consent: \u{2715} Yes   No", Some(true)),
        // A cross alone may mean either, as `X` alone.
        ("Consent: \u{274c}", None),
        ("Consent: \u{2716}\u{fe0f}", None),
    ] {
        assert_eq!(consent(answer), want, "{answer}");
    }
}

#[test]
fn a_dash_alone_is_no_answer_and_spans_of_years_are_no_explanation() {
    let r = read(&format!(
        "{COMPLETE}Risk to self: -\nRisk to others: \u{2013}\n"
    ));
    assert_eq!(r.referral.risk_to_self, None);
    assert_eq!(r.referral.risk_to_others, None);
    assert_eq!(r.outcome, Outcome::Complete);
    let r = read(&COMPLETE.replace(
        "Local connection: family, resident",
        "Local connection: Resident 2015 - 2025, family",
    ));
    assert_eq!(
        r.referral.local_connection,
        Some(vec![LocalConnection::Resident, LocalConnection::Family])
    );
}

#[test]
fn dates_with_month_words_between_dashes_first_or_spaces() {
    for written in [
        "04-May-1983",
        "May 4 1983",
        "May 4th, 1983",
        "04 05 1983",
        "4-may-83",
    ] {
        let r = read(&COMPLETE.replace("DOB: 01/02/1990", &format!("DOB: {written}")));
        assert_eq!(
            r.referral.date_of_birth,
            NaiveDate::from_ymd_opt(1983, 5, 4),
            "{written}"
        );
    }
}

#[test]
fn a_marked_option_under_a_bare_option_on_the_label_s_line_is_the_answer() {
    let consent = |answer: &str| {
        read_as_message(&COMPLETE.replace("Consent: Yes\n", answer))
            .referral
            .consent
    };
    for no in [
        "Consent: Yes\nNo X\n",
        "Consent: Yes:\nNo: X\n",
        "Consent: Y\nN X\n",
        "Consent: - Yes\n- No X\n",
        "Consent: Yes\nNo ✔\n",
        "Consent: Yes\nX No\n",
        "Consent: Yes\n\nNo X\n",
    ] {
        assert_eq!(consent(no), Some(false), "{no:?}");
    }
    assert_eq!(consent("Consent: No\nYes X\n"), Some(true));
    // Both marked, or neither: asked again, never the first word.
    assert_eq!(consent("Consent: Yes X\nNo X\n"), None);
    assert_eq!(consent("Consent: Yes\nNo\n"), None);
    // A yes followed by the next question stays a yes.
    assert_eq!(consent("Consent: Yes\nNotes: none\n"), Some(true));
    let rough = read_as_message(&format!("{COMPLETE}Rough sleeping risk: Yes\nNo X\n"));
    assert_eq!(rough.referral.rough_sleeping_risk, Some(false));
}

#[test]
fn a_consent_taken_back_anywhere_in_the_text_is_no_yes() {
    let consent = |text: &str| read_as_message(text).referral.consent;
    for taken_back in [
        // A paragraph below, as Outlook and Word set lines apart.
        COMPLETE.replace(
            "Consent: Yes\n",
            "Consent: Yes\n\nConsent withdrawn 03/12\n",
        ),
        COMPLETE.replace(
            "Consent: Yes\n",
            "Consent: Yes\nConsent cancelled by him 03/12\n",
        ),
        // A PS in words, with or without a sign-off.
        format!("{COMPLETE}\nKind regards\nJo\n\nPS he has withdrawn his consent this morning\n"),
        format!("{COMPLETE}\nP.S. He has now declined consent.\n"),
        // Inside the answer itself.
        COMPLETE.replace(
            "Consent: Yes\n",
            "Consent: No objection from probation, but he refuses to consent\n",
        ),
        COMPLETE.replace("Consent: Yes\n", "Consent: Yes - not any more\n"),
        // Said in another answer, or updated below with its label inside
        // the line.
        COMPLETE.replace(
            "No address on release\n",
            "No address on release; he has since withdrawn consent\n",
        ),
        format!("{COMPLETE}\nUPDATE 14:30 - consent to referral: NO\n"),
        COMPLETE.replace("Consent: Yes\n", "Consent: Yes\n\n\nWithdrawn\n"),
    ] {
        assert_eq!(consent(&taken_back), None, "{taken_back}");
    }
    // Nothing taken back: a yes stays a yes, a no a no.
    assert_eq!(
        consent(&format!(
            "{COMPLETE}\nPS he has not withdrawn his consent\n"
        )),
        Some(true)
    );
    assert_eq!(
        consent(&COMPLETE.replace("Consent: Yes\n", "Consent: No\n\nHe withdrew it on 03/12\n")),
        Some(false)
    );
}

#[test]
fn words_about_other_consents_guidance_or_other_news_take_nothing_back() {
    let consent = |text: &str| read_as_message(text).referral.consent;
    for kept in [
        // The form's declarations and privacy wording.
        format!("{COMPLETE}I confirm the person has consented and understands they can withdraw consent at any time.\n"),
        format!("{COMPLETE}If consent is refused, no referral can be made.\n"),
        // Another consent.
        format!("{COMPLETE}Consent to share with GP: No\n"),
        format!("{COMPLETE}\nKind regards\nJo\n\nHe declined consent to share his medical records.\n"),
        // The case's other news under the yes, and history set right.
        COMPLETE.replace("Consent: Yes\n", "Consent: Yes\nHe refused a hostel place.\n"),
        format!("{COMPLETE}Previously refused consent in 2024 but now agrees.\n"),
        format!("{COMPLETE}\nPS he has never once withdrawn consent\n"),
    ] {
        assert_eq!(consent(&kept), Some(true), "{kept}");
    }
    // Taken back: wrapped over two lines, said without the word consent,
    // or denied outright.
    for taken_back in [
        format!("{COMPLETE}\nPS he rang this morning and withdrew his\nconsent to this referral, so please hold.\n"),
        format!("{COMPLETE}\nPS he no longer agrees to the referral\n"),
        COMPLETE.replace("Consent: Yes\n", "Consent: Yes\nCorrection: consent has NOT been given\n"),
        COMPLETE.replace("Consent: Yes\n", "Consent: Yes\nUpdate 4/12: he now says no.\n"),
    ] {
        assert_eq!(consent(&taken_back), None, "{taken_back}");
    }
    // A refusal of something else where the form gives no answer is
    // asked about, never a refusal of the referral.
    let text = COMPLETE.replace("Consent: Yes\n", "") + "Refused consent for GP contact.\n";
    let r = read_as_message(&text);
    assert_ne!(r.outcome, Outcome::NoConsent, "{r:?}");
    let text = COMPLETE.replace("Consent: Yes\n", "") + "\nPS he has withdrawn his consent\n";
    let r = read_as_message(&text);
    assert_ne!(r.outcome, Outcome::NoConsent, "{r:?}");
    assert_eq!(r.referral.consent, None);
}

#[test]
fn a_yes_that_is_no_plain_yes_is_asked_again_never_refused() {
    let read_consent = |answer: &str| {
        let r = read(&COMPLETE.replace("Consent: Yes", &format!("Consent: {answer}")));
        (
            r.outcome,
            r.referral.consent,
            r.invalid.contains(&Field::Consent),
        )
    };
    for unclear in [
        // Someone else's agreement, the person's own denial.
        "Yes - his mother agreed; he has not",
        "Yes - his partner consented",
        "Yes - he hasn't",
        "Yes?",
        "Y?",
        "Yes if the council needs it",
        "Yes, subject to his solicitor's advice",
        "Yes, provided he gets a hostel place",
        "No objection as long as it is Colchester",
    ] {
        assert_eq!(
            read_consent(unclear),
            (Outcome::Incomplete, None, true),
            "{unclear}"
        );
    }
    for agreed in [
        "Yes",
        "Yes - signed form held",
        "Yes, verbally on 3 Dec",
        "Yes - he agreed at his induction",
        "Yes - signed consent held, see his notes",
    ] {
        assert_eq!(
            read_consent(agreed),
            (Outcome::Complete, Some(true), false),
            "{agreed}"
        );
    }
    // Only consent is read so: another yes/no question keeps its yes.
    let r = read(&format!(
        "{COMPLETE}At risk of rough sleeping: Yes if released without an address\n"
    ));
    assert_eq!(r.referral.rough_sleeping_risk, Some(true));
}

#[test]
fn a_yes_taken_back_by_a_denial_further_from_consent_is_asked_again() {
    let taken_back = "He has told me today that he does not, after all, give his consent";
    let r = read(&COMPLETE.replace("Consent: Yes\n", &format!("Consent: Yes\n{taken_back}\n")));
    assert_eq!(r.referral.consent, None, "{r:?}");
    assert_eq!(r.outcome, Outcome::Incomplete);
    assert!(r.invalid.contains(&Field::Consent), "{r:?}");
    let r = read(&COMPLETE.replace("Consent: Yes\n", &format!("Consent: No\n{taken_back}\n")));
    assert_eq!(r.outcome, Outcome::NoConsent);
}

#[test]
fn in_a_numbered_form_an_initial_or_a_list_under_a_question_is_its_answer() {
    let form = "1. Referral type: Duty to Refer\n2. Full name:\nD. Whitmore\n3. DOB: 01/02/1990\n\
        4. Custody status: sentenced\n5. Release date: 3/4/27\n6. Consent: Yes\n\
        7. Reason at risk of homelessness:\n1. Tenancy ended during sentence\n2. Family refuse to house him\n\
        8. Local connection: family\n9. Referring agency: HMPPS\n10. Referrer name:\nA. Patel\n\
        11. Referrer email: a.patel@justice.gov.uk\n12. Referrer phone: 01234 567890\n";
    let r = read(form);
    assert_eq!(
        r.referral.full_name.as_deref(),
        Some("D. Whitmore"),
        "{r:?}"
    );
    assert_eq!(
        r.referral.referrer_name.as_deref(),
        Some("A. Patel"),
        "{r:?}"
    );
    let reason = r.referral.homelessness_reason.clone().unwrap_or_default();
    assert!(
        reason.contains("Tenancy ended during sentence") && reason.contains("Family refuse"),
        "{reason}"
    );
    assert_eq!(r.outcome, Outcome::Complete, "{r:?}");
}

#[test]
fn a_name_below_the_forms_own_name_labels_is_never_the_persons() {
    let tail = "Referral type: Duty to Refer\nDOB: 01/02/1990\nCustody status: sentenced\n\
        Release date: 3/4/27\nConsent: Yes\nReason at risk of homelessness: No address\n\
        Local connection: family\nLocal connection details: lives with his mother\n\
        Name: Mrs J Whitmore (mother)\nReferring agency: HMPPS\nReferrer name: Jo Officer\n\
        Referrer email: jo@justice.gov.uk\nReferrer phone: 01234 567890\n";
    for head in [
        "First name(s): Daniel\nSurname:\n",
        "Full name:\n",
        "Surname:\nFirst name(s): Daniel\n",
    ] {
        let r = read(&format!("{head}{tail}"));
        assert_ne!(
            r.referral.full_name.as_deref(),
            Some("Mrs J Whitmore (mother)"),
            "{head}"
        );
        assert_eq!(r.outcome, Outcome::Incomplete, "{head}: {r:?}");
    }
    // Asked under `Name` alone, `Name` is the person's.
    let r = read(
        &format!("Name: Daniel Whitmore\n{tail}").replace("Name: Mrs J Whitmore (mother)\n", ""),
    );
    assert_eq!(r.referral.full_name.as_deref(), Some("Daniel Whitmore"));
}

#[test]
fn a_label_typed_again_or_a_question_number_is_no_part_of_the_answer() {
    let r = read(&COMPLETE.replace(
        "Full name: Sam Example",
        "Full name: Full name: Sam Example",
    ));
    assert_eq!(r.referral.full_name.as_deref(), Some("Sam Example"));
    let r = read(&COMPLETE.replace(
        "Full name: Sam Example",
        "Q1. First name(s): Sam\nQ2. Surname: Q3. Example",
    ));
    assert_eq!(r.referral.full_name.as_deref(), Some("Sam Example"));
}

#[test]
fn risk_and_mappa_level_on_lines_one_under_the_other_are_two_answers() {
    let r = read(&format!("{COMPLETE}Risk to others: Low\nMAPPA level: 1\n"));
    assert_eq!(
        r.referral.risk_to_others.as_deref(),
        Some("Low; MAPPA level: 1")
    );
}

#[test]
fn a_middle_name_asked_apart_joins_the_name_between_the_two() {
    for parts in [
        "First name(s): Daniel\nMiddle name(s): James\nSurname: Whitmore",
        "First name(s): Daniel\nSurname: Whitmore\nMiddle name: James",
    ] {
        let r = read(&COMPLETE.replace("Full name: Sam Example", parts));
        assert_eq!(
            r.referral.full_name.as_deref(),
            Some("Daniel James Whitmore"),
            "{parts}"
        );
    }
}

#[test]
fn a_list_in_a_free_text_answer_keeps_its_items_apart() {
    let r = read(&COMPLETE.replace(
        "Reason at risk of homelessness: No address on release\n",
        "Reason at risk of homelessness:\n- Tenancy ended during sentence\n- Family refuse to house him\n",
    ));
    assert_eq!(
        r.referral.homelessness_reason.as_deref(),
        Some("Tenancy ended during sentence; Family refuse to house him")
    );
}

#[test]
fn a_refusal_of_the_referral_in_other_words_is_never_another_consent() {
    let consent = |note: &str| {
        let r = read(&format!("{COMPLETE}\n{note}\n"));
        (r.outcome, r.referral.consent)
    };
    for refusal in [
        "PS he does not consent to the council",
        "PS he has withdrawn his consent to the local authority",
        "He no longer consents to the council",
        "PS he does not consent to proceed",
        "PS he does not consent to DTR",
        "PS he does not consent to his details going to the council",
    ] {
        assert_eq!(consent(refusal), (Outcome::Incomplete, None), "{refusal}");
    }
    // Another consent refused takes nothing back.
    for other in [
        "PS he does not consent to GP contact",
        "PS he refused consent for sharing with the police",
    ] {
        assert_eq!(consent(other), (Outcome::Complete, Some(true)), "{other}");
    }
}

#[test]
fn a_sub_question_number_under_a_question_is_its_answer_going_on() {
    let numbered = |consent_lines: &str| {
        read(&format!(
            "1. Referral type: Duty to Refer\n2. Full name: Sam Example\n3. DOB: 01/02/1990\n\
             4. Custody status: sentenced\n5. Release date: 3/4/27\n{consent_lines}\n\
             9. Reason at risk of homelessness: No address on release\n\
             10. Local connection: family, resident\n11. Referring agency: HMPPS\n\
             12. Referrer name: Jo Officer\n13. Referrer email: jo@justice.gov.uk\n\
             14. Referrer phone: 01234 567890\n"
        ))
    };
    let plain = numbered("8. Consent: Yes");
    assert_eq!(plain.outcome, Outcome::Complete, "{plain:?}");
    for taken_back in [
        "8. Consent: Yes\n8a. Withdrawn: 03/12",
        "8. Consent: Yes\n8(b) now refuses",
        "8. Consent: Yes\n8a. Update - he now refuses",
    ] {
        let r = numbered(taken_back);
        assert_eq!(
            (r.outcome, r.referral.consent),
            (Outcome::Incomplete, None),
            "{taken_back}"
        );
    }
    // A line of a free-text answer that starts like a sub-question number.
    let r = numbered(
        "8. Consent: Yes\n9. Reason at risk of homelessness: Evicted under section\n\
         21(b) of the Housing Act notice",
    );
    assert_eq!(
        r.referral.homelessness_reason.as_deref(),
        Some("Evicted under section 21(b) of the Housing Act notice")
    );
}

#[test]
fn a_yes_limited_to_another_sharing_is_asked_again_saying_why() {
    let read_consent = |answer: &str| {
        let r = read(&COMPLETE.replace("Consent: Yes", &format!("Consent: {answer}")));
        (r.outcome, r.referral.consent, r.consent_doubt)
    };
    for limited in [
        "Yes (he does not consent to GP contact)",
        "Yes - no consent for GP contact",
        "Yes - does not consent to a Social Services referral",
        "Yes, but not to his family",
        "Yes - no sharing with the police",
        "Consent given; he does not want GP contact",
        "Yes - not to be shared with other agencies",
        "Yes, no problems, but not to his GP",
    ] {
        assert_eq!(
            read_consent(limited),
            (Outcome::Incomplete, None, Some(ConsentDoubt::Qualified)),
            "{limited}"
        );
    }
    assert_eq!(
        read_consent("Yes if the council needs it"),
        (Outcome::Incomplete, None, Some(ConsentDoubt::Qualified))
    );
    assert_eq!(
        read_consent("Yes?"),
        (Outcome::Incomplete, None, Some(ConsentDoubt::Question))
    );
    assert_eq!(
        read_consent("Yes - his mother agreed"),
        (Outcome::Incomplete, None, Some(ConsentDoubt::NotTheirOwn))
    );
    // A limit or exception of any kind, or another consent spoken of:
    // never a plain yes (a refusal of the referral among them).
    for limited in [
        "Yes (not to the referral)",
        "Yes apart from the referral",
        "Yes, except housing",
        "Yes - not for housing",
        "Yes - not to Colchester",
        "Yes. Not happy for the council to contact him",
        "Yes - only for GP contact",
        "Yes, GP only",
        "Yes (GP only)",
        "Yes - consent to share with GP",
        // A note in brackets with a comma is no list of options left in.
        "Yes (no, he refused)",
        "Yes (not to the referral, he has been asked)",
        "Yes - he is against the referral",
        "Yes - he has opted out of the referral",
        "Yes - consent has expired",
        "Yes (pending)",
        "Yes - awaiting his signature",
    ] {
        assert_eq!(
            read_consent(limited),
            (Outcome::Incomplete, None, Some(ConsentDoubt::Qualified)),
            "{limited}"
        );
    }
    // Taken back in the note: never a yes, and the referrer is told so.
    for taken_back in [
        "Yes (refused, withdrawn)",
        "Yes - since withdrawn",
        "Yes, consent revoked 20/11",
    ] {
        assert_eq!(
            read_consent(taken_back),
            (Outcome::Incomplete, None, Some(ConsentDoubt::TakenBack)),
            "{taken_back}"
        );
    }
    // Someone else's word for it.
    for others in [
        "Yes (mum agrees)",
        "Yes - agreed by his solicitor",
        "Yes - verbal, via his partner",
        "Yes (mum agrees, he has not been asked)",
        "Yes - I consent on his behalf",
        "Yes - he lacks capacity, best interests decision",
    ] {
        assert_eq!(
            read_consent(others),
            (Outcome::Incomplete, None, Some(ConsentDoubt::NotTheirOwn)),
            "{others}"
        );
    }
    for plain in [
        "Yes",
        "Yes - signed form held",
        "Yes - no problems",
        "Yes, verbally on 3 Dec",
        "Yes - not a problem",
        "Yes - happy for his details to be shared",
    ] {
        assert_eq!(
            read_consent(plain),
            (Outcome::Complete, Some(true), None),
            "{plain}"
        );
    }
    // Not an answer of another kind: asked again without a reason given.
    assert_eq!(read_consent("TBC"), (Outcome::Incomplete, None, None));
}

#[test]
fn a_limit_on_another_sharing_on_a_line_of_its_own_leaves_the_yes() {
    // As the mail asking again tells the referrer to write it: the answer,
    // and the limit under it. GP and Social Services alike.
    for limit in [
        "Notes: no GP contact",
        "No GP contact",
        "He does not consent to GP contact",
        "Does not consent to Social Services",
        "Not to Social Services",
    ] {
        let r = read(&COMPLETE.replace("Consent: Yes\n", &format!("Consent: Yes\n{limit}\n")));
        assert_eq!(
            (r.outcome, r.referral.consent, r.consent_doubt),
            (Outcome::Complete, Some(true), None),
            "{limit}"
        );
    }
}

#[test]
fn a_yes_beside_facts_about_the_person_is_a_plain_yes() {
    let read_consent = |answer: &str| {
        let r = read(&COMPLETE.replace("Consent: Yes", &format!("Consent: {answer}")));
        (r.outcome, r.referral.consent, r.consent_doubt)
    };
    // A `no` or `not` about the person's phone, address or English, and
    // the people and agencies of their life spoken of without any consent
    // of theirs, limit nothing.
    for plain in [
        "Yes, he has no objection",
        "Yes, he has no objections to the referral",
        "Yes - no fixed abode",
        "Yes, no fixed abode on release",
        "Yes - he has no phone",
        "Yes, he has no mobile phone, contact through probation",
        "Yes - no address on release",
        "Yes - he does not read English; an interpreter explained the referral",
        "Yes - he does not have a phone",
        "Yes - lives with his partner",
        "Yes, wants to live near his family",
        "Yes - GP contact also agreed",
        "Yes, to all agencies",
        "Yes - he has mental capacity",
        "Yes, now",
        "Yes (signed November)",
        // Staff take the person's consent: that is how it is given.
        "Yes - consent obtained by prison OMU",
        "Yes - consent taken by his probation officer",
        "Yes - witnessed by OMU staff",
    ] {
        assert_eq!(
            read_consent(plain),
            (Outcome::Complete, Some(true), None),
            "{plain}"
        );
    }
    // A `no` or `not` about sharing, contact or consent still limits; a
    // clause naming only another person or another consent's object, or
    // giving someone else's view, still doubts.
    for limited in [
        "Yes - no phone contact",
        "Yes - not his address",
        "Yes - no address to be shared",
        "Yes - no contact with his family",
        "Yes (GP)",
        "Yes - GP and family",
        "Yes - no fixed abode, not to be shared with the police",
        "Yes, no fixed abode but not to the council",
        "Yes - also to his GP but not the police",
        "Yes - he does not have a phone and does not want calls",
        // A fact word with someone it may not go to, or more than a fact.
        "Yes - no address to Harlow council",
        "Yes - no home address to landlords",
        "Yes - no phone number for his ex",
        "Yes - no address to anyone",
        "Yes - no email address to probation",
        "Yes - no benefits info to DWP",
        "Yes - not have his address released",
        "Yes - not use his mobile",
        // An exclusion beside `all` or `also`.
        "Yes - all agencies bar police",
        "Yes - all agencies save police",
        "Yes - all, minus the police",
        "Yes - all agencies, police excluded",
        "Yes - everyone other than police",
        // A narrower purpose, a time limit, a guess, a question not put.
        "Yes - just housing",
        "Yes - until release",
        "Yes - expires 01/12/2026",
        "Yes - probably",
        "Yes - I think so",
        "Yes - reluctantly",
        "Yes - under protest",
        "Yes - he may change his mind",
        "Yes - will ask him",
        "Yes - unable to ask him",
        "Yes - to be confirmed",
        "Yes - he said nah",
        "Yes - w/drawn",
    ] {
        assert_eq!(
            read_consent(limited),
            (Outcome::Incomplete, None, Some(ConsentDoubt::Qualified)),
            "{limited}"
        );
    }
    for others in [
        "Yes (mum)",
        "Yes - his partner is happy with it",
        "Yes - mum wants it",
        "Yes - he does not have capacity",
        "Yes - lacks capacity",
        "Yes - lives with his partner, who agreed",
        "Yes - per his wife",
        "Yes - according to his mother",
        "Yes - as per mum",
        "Yes - from mum",
        "Yes - on advice of his solicitor",
        "Yes - has capacity per his mum",
        "Yes - he has mental capacity (assessed as lacking)",
        "Yes - has capacity sometimes",
        "Yes - has capacity on good days",
        "Yes - signed by his probation officer",
        "Yes - probation officer agreed",
        "Yes - I agreed for him",
        "Yes - staff agreed",
        "Yes - OM consented",
        "Yes - agreed by OMU",
    ] {
        assert_eq!(
            read_consent(others),
            (Outcome::Incomplete, None, Some(ConsentDoubt::NotTheirOwn)),
            "{others}"
        );
    }
    for both in ["Yes - no", "Yes no", "Yes   NoX"] {
        let (outcome, consent, _) = read_consent(both);
        assert_eq!((outcome, consent), (Outcome::Incomplete, None), "{both}");
    }
}

#[test]
fn a_yes_and_nothing_else_is_plain_whatever_its_case_and_marks() {
    for plain in ["Yes", "YES.", "y", "[x] Yes", "Yes - yes", "☒ Yes"] {
        assert_eq!(yes_doubt(plain), None, "{plain}");
    }
    assert_eq!(yes_doubt("Yes?"), Some(ConsentDoubt::Question));
    assert_eq!(yes_doubt("Y? see notes"), Some(ConsentDoubt::Question));
    assert_eq!(yes_doubt("Yes if needed"), Some(ConsentDoubt::Qualified));
    assert_eq!(
        yes_doubt("Yes, as long as he is told"),
        Some(ConsentDoubt::Qualified)
    );
    assert_eq!(
        yes_doubt("Yes - his mother agreed"),
        Some(ConsentDoubt::NotTheirOwn)
    );
}
