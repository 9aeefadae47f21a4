use super::*;

#[test]
fn same_line_and_next_line_values() {
    let r = read_form(
        "DUTY TO REFER REFERRAL\nFull name: Sam Example\nDate of birth:\n01/02/1990\nCRN\nX123456\n",
    );
    assert!(r.heading);
    assert_eq!(r.values[&Field::FullName], "Sam Example");
    assert_eq!(r.values[&Field::DateOfBirth], "01/02/1990");
    assert_eq!(r.values[&Field::Crn], "X123456");
}

#[test]
fn a_label_or_the_heading_anywhere_in_text_is_found() {
    assert!(holds_a_label("Full name\nSam Example\n"));
    assert!(holds_a_label("something\n> Date of birth: 01/02/1990\n"));
    assert!(holds_a_label("Duty to Refer referral\n"));
    assert!(!holds_a_label("Sam Example\n01/02/1990\n"));
    assert!(!holds_a_label("Please ignore the form and open a case\n"));
    assert!(!holds_a_label(""));
}

#[test]
fn placeholders_are_empty_and_labels_are_not_values() {
    let r = read_form("Date of birth: [DD/MM/YYYY]\nConsent to referral: [ yes / no ]\nFull name:\nPrison number:\n");
    assert!(r.values.is_empty(), "{:?}", r.values);
    assert_eq!(r.labels, 4);
}

#[test]
fn first_occurrence_wins_and_signatures_end_the_form() {
    let r = read_form(
        "Name: Sam Example\nReferrer phone:\n\nKind regards\nName: Jo Officer\nReferrer phone: 01234 567890\n",
    );
    assert_eq!(r.values[&Field::FullName], "Sam Example");
    assert!(!r.values.contains_key(&Field::ReferrerPhone));
}

#[test]
fn paragraphs_continue_until_a_blank_line_or_label() {
    let r = read_form(
        "Reason at risk of homelessness: Tenancy ended\nwhile in custody.\nLocal connection: resident\n",
    );
    assert_eq!(
        r.values[&Field::HomelessnessReason],
        "Tenancy ended while in custody."
    );
    assert_eq!(r.values[&Field::LocalConnection], "resident");
}

#[test]
fn table_rows_and_quoted_lines() {
    let r = read_form(
        "> Full name\tSam Example\n> Custody status:\tremand\n>> DOB: 1/2/90\nPrison\t\n",
    );
    assert_eq!(r.values[&Field::FullName], "Sam Example");
    assert_eq!(r.values[&Field::CustodyStatus], "remand");
    assert_eq!(r.values[&Field::DateOfBirth], "1/2/90");
    assert!(!r.values.contains_key(&Field::CurrentLocation));
}

#[test]
fn a_forwarded_form_wins_over_the_forwarders_note() {
    let r = read_form(
        "Please see below.\nName: Fo Rwarder\nOrganisation: Council\n\nKind regards\nFo\n\
         Probation Practitioner\nSomeone\n\
         ________________________________\nFrom: Jane Doe <jane.doe@justice.gov.uk>\n\
         Sent: 16 November 2026 09:12\nSubject: referral\n\n\
         Full name: Sam Example\nReferring agency: HMPPS\nDOB: 1/2/90\n",
    );
    assert_eq!(r.values[&Field::FullName], "Sam Example");
    assert_eq!(r.values[&Field::ReferringAgency], "HMPPS");
    assert!(!r.values.contains_key(&Field::CaseLeadName));
    assert_eq!(
        r.forwarded_from.map(|a| a.to_string()).as_deref(),
        Some("jane.doe@justice.gov.uk")
    );
}

#[test]
fn an_empty_table_cell_is_empty_not_the_next_line() {
    let r = read_form("Prison number\t\nSomething else entirely\nFull name\tSam\n");
    assert!(
        !r.values.contains_key(&Field::PrisonNumber),
        "{:?}",
        r.values
    );
    assert_eq!(r.values[&Field::FullName], "Sam");
}

#[test]
fn labels_after_question_numbers_and_bullets() {
    let r = read_form(
        "1. Full name: Daniel Whitmore\nQ3. Date of birth: 14/02/1988\n\
         Q4 Prison number: A1234BC\na) Custody status: remand\n(iv) CRN: X123456\n\
         12) Current location: HMP Chelmsford\n3.1. Referral type: Duty to Refer\n\
         \u{2022} Referrer phone: 01632 960 118\n- Referring agency: HMPPS\n\
         2. b) Consent to referral: Yes\n1.Referrer name: Jo Officer\n",
    );
    let v = &r.values;
    assert_eq!(v[&Field::FullName], "Daniel Whitmore");
    assert_eq!(v[&Field::DateOfBirth], "14/02/1988");
    assert_eq!(v[&Field::PrisonNumber], "A1234BC");
    assert_eq!(v[&Field::CustodyStatus], "remand");
    assert_eq!(v[&Field::Crn], "X123456");
    assert_eq!(v[&Field::CurrentLocation], "HMP Chelmsford");
    assert_eq!(v[&Field::ReferralType], "Duty to Refer");
    assert_eq!(v[&Field::ReferrerPhone], "01632 960 118");
    assert_eq!(v[&Field::ReferringAgency], "HMPPS");
    assert_eq!(v[&Field::Consent], "Yes");
    assert_eq!(v[&Field::ReferrerName], "Jo Officer");
    assert_eq!(r.labels, 11);
}

#[test]
fn numbered_labels_with_values_on_the_next_line_and_in_tables() {
    let r = read_form(
        "1. Full name\nSam Example\n\n2. Date of birth\n01/02/1990\n\
         3.\tCRN\u{1f}X123456\n4\tPrison number\u{1f}A1234BC\n5. Custody status\tremand\n\
         6.\tCurrent location: HMP Bure\n",
    );
    let v = &r.values;
    assert_eq!(v[&Field::FullName], "Sam Example");
    assert_eq!(v[&Field::DateOfBirth], "01/02/1990");
    assert_eq!(v[&Field::Crn], "X123456");
    assert_eq!(v[&Field::PrisonNumber], "A1234BC");
    assert_eq!(v[&Field::CustodyStatus], "remand");
    assert_eq!(v[&Field::CurrentLocation], "HMP Bure");
}

#[test]
fn a_question_number_never_becomes_part_of_a_value() {
    // The next question, unknown to the contract, is not the empty
    // answer's value, nor the end of the one before.
    let r = read_form(
        "1. Full name:\n2. Is the person pregnant? No\n\
         14. Reason at risk of homelessness: Tenancy ended\n15. Any pets? A dog\n\
         16. Mental health\n17) Other needs: none\n",
    );
    assert!(!r.values.contains_key(&Field::FullName), "{:?}", r.values);
    assert!(
        !r.values.contains_key(&Field::MentalHealth),
        "{:?}",
        r.values
    );
    assert_eq!(r.values[&Field::HomelessnessReason], "Tenancy ended");
    // Numbers inside a value stay, and so does a list in an answer of a
    // form that does not number its questions.
    let r = read_form(
        "Current accommodation: 3 Elm Court, Flat 2. Harlow\n\
         Reason at risk of homelessness: 1. Rent arrears 2. Notice served\n\
         Mental health: two diagnoses:\n1. Anxiety\n2. Depression\n",
    );
    assert_eq!(
        r.values[&Field::CurrentAccommodation],
        "3 Elm Court, Flat 2. Harlow"
    );
    assert_eq!(
        r.values[&Field::HomelessnessReason],
        "1. Rent arrears 2. Notice served"
    );
    assert_eq!(
        r.values[&Field::MentalHealth],
        "two diagnoses: 1. Anxiety 2. Depression"
    );
}

#[test]
fn a_spaced_dash_ends_a_label_and_other_dashes_stay_in_the_value() {
    let r = read_form(
        "Full name - Anna Smith-Jones\nReferring agency \u{2013} Probation Service - Basildon\n\
         Local connection details - Lived in Colchester 2015 - 2025\n\
         Date of birth \u{2014} 01/02/1990\nRisk to self -none\nCRN-X123456\n\
         Referrer name: Jo Officer - Senior OM\n",
    );
    let v = &r.values;
    assert_eq!(v[&Field::FullName], "Anna Smith-Jones");
    assert_eq!(v[&Field::ReferringAgency], "Probation Service - Basildon");
    assert_eq!(
        v[&Field::LocalConnectionDetails],
        "Lived in Colchester 2015 - 2025"
    );
    assert_eq!(v[&Field::DateOfBirth], "01/02/1990");
    assert_eq!(v[&Field::ReferrerName], "Jo Officer - Senior OM");
    // An unspaced dash is no separator.
    assert!(!v.contains_key(&Field::RiskToSelf), "{v:?}");
    assert!(!v.contains_key(&Field::Crn), "{v:?}");
}

#[test]
fn split_names_are_joined() {
    let r = read_form("First name(s): Daniel James\nSurname: Whitmore\nDOB: 1/2/90\n");
    assert_eq!(r.values[&Field::FullName], "Daniel James Whitmore");
    assert_eq!(r.labels, 3);
    let r = read_form("Family name\nWhitmore\n\nForename(s)\nDaniel\n");
    assert_eq!(r.values[&Field::FullName], "Daniel Whitmore");
    let r = read_form("1. Given name - Daniel\n2. Last name - Whitmore\n");
    assert_eq!(r.values[&Field::FullName], "Daniel Whitmore");
    // A full name given as such wins; half a name is no name.
    let r = read_form("Full name: Dan Whitmore\nFirst name: Daniel\nSurname: Whitmore\n");
    assert_eq!(r.values[&Field::FullName], "Dan Whitmore");
    let r = read_form("First name(s):\nSurname: Whitmore\nCRN: X123456\n");
    assert!(!r.values.contains_key(&Field::FullName), "{:?}", r.values);
}

#[test]
fn a_signature_tel_never_fills_a_phone() {
    let r = read_form(
        "Referrer phone: 01632 960 118\nCase lead phone:\nTel: 01632 960 999\n\
         Mobile: 07700 900 999\n",
    );
    assert_eq!(r.values[&Field::ReferrerPhone], "01632 960 118");
    assert!(
        !r.values.contains_key(&Field::CaseLeadPhone),
        "{:?}",
        r.values
    );
    let r =
        read_form("Referrer email:\nEmail: jo@justice.gov.uk\nReferrer phone:\nT: 01632 960 999\n");
    assert!(r.values.is_empty(), "{:?}", r.values);
    // A value of its own on the next line still reads.
    let r = read_form("Referrer phone:\n01632 960 118\n");
    assert_eq!(r.values[&Field::ReferrerPhone], "01632 960 118");
}

#[test]
fn tick_boxes_answer_yes_no_and_choice_questions() {
    let r = read_form(
        "Consent to referral: \u{2612} Yes \u{2610} No\n\
         At risk of rough sleeping: [ ] Yes [x] No\n\
         Existing tenancy or mortgage: Yes \u{2713}\n\
         Custody status\t\u{2610} remand\u{1f}\u{2612} sentenced\u{1f}\u{2610} community\n\
         Local connection: [x] resident [ ] employed [x] family\n\
         Referral type\tDuty to Refer\u{1f}X\u{1f}Help to keep accommodation\u{1f}\n\
         Full name: Malcolm X\n",
    );
    let v = &r.values;
    assert_eq!(v[&Field::Consent], "Yes");
    assert_eq!(v[&Field::RoughSleepingRisk], "No");
    assert_eq!(v[&Field::ExistingTenancy], "Yes");
    assert_eq!(v[&Field::CustodyStatus], "sentenced");
    assert_eq!(v[&Field::LocalConnection], "resident, family");
    assert_eq!(v[&Field::ReferralType], "Duty to Refer");
    // Only answers to yes/no and choice questions have boxes.
    assert_eq!(v[&Field::FullName], "Malcolm X");
    // On the next line, or in a table row whose boxes are cells.
    let r = read_form(
        "Consent to referral:\n\u{2612} Yes \u{2610} No\n\
         Existing tenancy or mortgage\tYes\u{1f}\u{1f}No\u{1f}X\n",
    );
    assert_eq!(r.values[&Field::Consent], "Yes");
    assert_eq!(r.values[&Field::ExistingTenancy], "No");
}

#[test]
fn a_mark_under_a_grid_s_column_is_that_column_s_option() {
    let rows = |rows: &[&str]| read_form(&(rows.join("\n") + "\n"));
    let answer = |r: &FormReading, field| r.values.get(&field).cloned();
    // As Word and HTML tables are read: `| | Yes | No |` heads the rows
    // of yes/no questions, an X or a box in the column meant.
    let r = rows(&[
        "\tYes\u{1f}No",
        "Consent to referral\tX\u{1f}",
        "At risk of rough sleeping\t\u{1f}\u{2612}",
        "Existing tenancy or mortgage\t\u{2610}\u{1f}\u{2610}",
        "",
        "Question\tRemand\u{1f}Sentenced\u{1f}Community",
        "Custody status\t\u{1f}X\u{1f}",
        "Full name\tX\u{1f}",
    ]);
    assert_eq!(answer(&r, Field::Consent).as_deref(), Some("Yes"));
    assert_eq!(answer(&r, Field::RoughSleepingRisk).as_deref(), Some("No"));
    // Boxes left empty are no answer.
    assert_eq!(answer(&r, Field::ExistingTenancy), None);
    assert_eq!(
        answer(&r, Field::CustodyStatus).as_deref(),
        Some("Sentenced")
    );
    // Only yes/no and choice questions are read under a grid.
    assert_eq!(answer(&r, Field::FullName).as_deref(), Some("X"));
    // A row that ends early: the mark stands under the first option, as a
    // browser lays it out.
    let r = rows(&["\tYes\u{1f}No", "Consent to referral\tX"]);
    assert_eq!(answer(&r, Field::Consent).as_deref(), Some("Yes"));
    let r = rows(&["\tYes\tNo", "Consent to referral\tX"]);
    assert_eq!(answer(&r, Field::Consent).as_deref(), Some("Yes"));
    // A question number in its own column.
    let r = rows(&[
        "\t\u{1f}Yes\u{1f}No",
        "1.\tConsent to referral\u{1f}\u{1f}X",
    ]);
    assert_eq!(answer(&r, Field::Consent).as_deref(), Some("No"));
    // Rows apart by blank lines, as HTML tables are read.
    let r = rows(&["\tYes\u{1f}No", "", "Consent to referral\t\u{1f}X", ""]);
    assert_eq!(answer(&r, Field::Consent).as_deref(), Some("No"));
    // After the table has ended, the grid no longer applies.
    let r = rows(&["\tYes\u{1f}No", "Thanks", "Consent to referral\tX\u{1f}"]);
    assert_ne!(answer(&r, Field::Consent).as_deref(), Some("Yes"));
    // Outlook's plain text of such a table: cells apart by tabs.
    let r = rows(&["\tYes\tNo", "Consent to referral\t\tX"]);
    assert_eq!(answer(&r, Field::Consent).as_deref(), Some("No"));
    // An answer written in words is read as written; two marks are
    // neither option.
    let r = rows(&[
        "\tYes\u{1f}No",
        "Consent to referral\tNo\u{1f}",
        "At risk of rough sleeping\tX\u{1f}X",
    ]);
    assert_eq!(answer(&r, Field::Consent).as_deref(), Some("No"));
    let both = answer(&r, Field::RoughSleepingRisk);
    assert!(!matches!(both.as_deref(), Some("Yes" | "No")), "{both:?}");
}

#[test]
fn a_rule_divides_a_form_and_a_dash_before_an_answer_is_not_part_of_it() {
    let r = read_form(
        "Full name: - Martin Osei\nDate of birth: 09/03/1987\nPrison number: A7712KD\n\
         ________________________________\n\
         Consent to referral: No\nReferrer name: \u{2013} Jane Doe\n",
    );
    assert_eq!(
        r.values.get(&Field::FullName).map(String::as_str),
        Some("Martin Osei")
    );
    assert_eq!(
        r.values.get(&Field::Consent).map(String::as_str),
        Some("No")
    );
    assert_eq!(
        r.values.get(&Field::ReferrerName).map(String::as_str),
        Some("Jane Doe")
    );
    // Over a header block, the rule still starts the forwarded mail.
    let r = read_form(
        "Full name: Sam Example\nDate of birth: 01/02/1990\nCRN: X123456\n\
         ________________________________\nFrom: Someone <someone@example.com>\n\
         Sent: 01 December 2026 10:00\nFull name: Other Person\n",
    );
    assert_eq!(
        r.values.get(&Field::FullName).map(String::as_str),
        Some("Sam Example")
    );
    assert!(r.again.is_empty(), "{:?}", r.again);
}

#[test]
fn two_questions_on_one_line_set_apart() {
    let r = read_form(
        "First name: Amy    Surname: Smith-Jones\nFull name: Amy Smith-Jones   DOB: 04/05/1983\n",
    );
    assert_eq!(
        r.values.get(&Field::FullName).map(String::as_str),
        Some("Amy Smith-Jones")
    );
    assert_eq!(
        r.values.get(&Field::DateOfBirth).map(String::as_str),
        Some("04/05/1983")
    );
    // Not a label on the right: one answer.
    let r = read_form("Consent to referral: Yes   No X\nReason at risk of homelessness: Evicted   Note: rent arrears\n");
    assert_eq!(
        r.values.get(&Field::Consent).map(String::as_str),
        Some("No")
    );
    assert_eq!(
        r.values.get(&Field::HomelessnessReason).map(String::as_str),
        Some("Evicted Note: rent arrears")
    );
}

#[test]
fn options_in_rows_of_their_own_under_one_label() {
    let answer = |text: &str| read_form(text).values.get(&Field::Consent).cloned();
    for (text, want) in [
        ("Consent to referral\tYes\u{1f}\n\nNo\tX\n", Some("No")),
        ("Consent to referral\tYes\u{1f}X\n\nNo\t\n", Some("Yes")),
        ("Consent to referral\tYes\u{1f}\n\tNo\u{1f}X\n", Some("No")),
        ("Consent to referral\tYes\u{1f}\nNo\t\n", None),
    ] {
        assert_eq!(answer(text).as_deref(), want, "{text:?}");
    }
}

#[test]
fn boxes_left_empty_are_no_answer_and_unclear_ones_are_kept_as_written() {
    let r = read_form(
        "Consent to referral: \u{2610} Yes \u{2610} No\n\
         At risk of rough sleeping: Yes / No\n\
         Existing tenancy or mortgage\tYes\u{1f}\u{1f}No\u{1f}\n\
         Custody status: \u{2610} remand \u{2610} sentenced\n",
    );
    assert!(r.values.is_empty(), "{:?}", r.values);
    assert_eq!(r.labels, 4);
    let r = read_form(
        "Consent to referral: Yes X No\nAt risk of rough sleeping: \u{2612} Yes \u{2612} No\n",
    );
    assert_eq!(r.values[&Field::Consent], "Yes X No");
    assert_eq!(
        r.values[&Field::RoughSleepingRisk],
        "\u{2612} Yes \u{2612} No"
    );
}

#[test]
fn what_is_not_a_question_number() {
    for line in [
        "3 Elm Court",
        "D.O.B.",
        "Mix) a",
        "x",
        "1",
        "2015 - 2025",
        "-x",
        "Q Full name",
    ] {
        assert!(!starts_with_marker(line), "{line}");
    }
    for line in [
        "1. a",
        "Q12. a",
        "Q12 a",
        "a) a",
        "(iv) a",
        "iv. a",
        "\u{2022} a",
        "- a",
        "1.a",
    ] {
        assert!(starts_with_marker(line), "{line}");
    }
    for cell in ["1", "12", "1.", "Q3", "(b)", "\u{2022}"] {
        assert!(is_marker(cell), "{cell}");
    }
    assert!(!is_marker("1234"));
    assert!(!is_marker("Name"));
}

#[test]
fn an_empty_last_field_does_not_swallow_the_signature() {
    let r = read_form("Referrer phone: 01234 567890\nCase lead phone:\n\nJo Officer\nHMPPS\n");
    assert!(!r.values.contains_key(&Field::CaseLeadPhone));
}

#[test]
fn questions_numbered_the_looser_ways() {
    for number in [
        "Q1: ",
        "1.1 ",
        "2.3 ",
        "1 - ",
        "1: ",
        "1 ",
        "[1] ",
        "Question 1 - ",
        "Question 1: ",
        "o   ",
    ] {
        let r = read_form(&format!(
            "{number}Full name: Daniel Okafor\n{number}Date of birth: 14/02/1988\n"
        ));
        assert_eq!(
            r.values.get(&Field::FullName).map(String::as_str),
            Some("Daniel Okafor"),
            "{number:?}"
        );
        assert_eq!(
            r.values.get(&Field::DateOfBirth).map(String::as_str),
            Some("14/02/1988")
        );
    }
    // A number before what is no label is left alone.
    let r = read_form("3 Elm Court: the flat\n12 - 14 Station Road\n");
    assert!(r.values.is_empty(), "{:?}", r.values);
}

#[test]
fn blank_lines_left_and_a_colon_in_a_cell_of_its_own() {
    let r = read_form(
        "FULL NAME\t:\tDaniel Okafor\nContact email: ____________\nCase lead phone: ..........\n\
         Local connection (resident, employed, family, special circumstances, none): family\n",
    );
    assert_eq!(
        r.values.get(&Field::FullName).map(String::as_str),
        Some("Daniel Okafor")
    );
    assert!(
        !r.values.contains_key(&Field::PersonEmail),
        "{:?}",
        r.values
    );
    assert!(
        !r.values.contains_key(&Field::CaseLeadPhone),
        "{:?}",
        r.values
    );
    assert_eq!(
        r.values.get(&Field::LocalConnection).map(String::as_str),
        Some("family")
    );
}

#[test]
fn word_numbering_pasted_with_the_answer_below() {
    let r = read_form(
        "1.\tFull name:\nDaniel Okafor\n2.\tDate of birth:\n14/02/1988\n5.\tConsent to referral:\nNo - he declined to sign\n",
    );
    assert_eq!(
        r.values.get(&Field::FullName).map(String::as_str),
        Some("Daniel Okafor")
    );
    assert_eq!(
        r.values.get(&Field::DateOfBirth).map(String::as_str),
        Some("14/02/1988")
    );
    assert_eq!(
        r.values.get(&Field::Consent).map(String::as_str),
        Some("No - he declined to sign")
    );
}

#[test]
fn options_on_lines_with_colons_letters_bullets_or_blank_lines_between() {
    for options in [
        "Yes:\nNo: X",
        "Yes:\nNo:   X",
        "Y\nN X",
        "- Yes\n- No X",
        "* Yes\n* No X",
        "\u{2022} Yes\n\u{2022} No X",
        "\u{2610} Yes\n\n\u{2612} No",
        "Yes\n\nNo X",
    ] {
        let r = read_form(&format!(
            "Consent to referral:\n{options}\nFull name: Sam Example\n"
        ));
        let consent = r.values.get(&Field::Consent).map(String::as_str);
        assert!(
            matches!(consent, Some("No" | "N")),
            "{options:?}: {consent:?}"
        );
        assert_eq!(r.values[&Field::FullName], "Sam Example", "{options:?}");
    }
    let r = read_form("Consent to referral:\n- Yes X\n- No\n");
    assert_eq!(r.values[&Field::Consent], "Yes");
    // Options none of which is marked are no answer.
    let r = read_form("Consent to referral:\nYes:\nNo:\nFull name: Sam\n");
    assert!(!r.values.contains_key(&Field::Consent), "{:?}", r.values);
}

#[test]
fn dot_leaders_stand_for_a_colon() {
    let r = read_form(
        "FULL NAME........ Daniel Whitmore\nDate of birth \u{2026}\u{2026} 14/02/1988\n\
         Prison number: A1234BC\n",
    );
    assert_eq!(r.values[&Field::FullName], "Daniel Whitmore");
    assert_eq!(r.values[&Field::DateOfBirth], "14/02/1988");
}

#[test]
fn two_dashes_dividing_the_form_are_no_signature() {
    let r = read_form(
        "Full name: Sam Example\nDate of birth: 01/02/1990\nCRN: X123456\n--\n\
         Risk to others: Low\nReferrer name: Jo Officer\n\n-- \nJo Officer\nReferrer phone: 01234 567890\n",
    );
    assert_eq!(r.values[&Field::RiskToOthers], "Low");
    assert_eq!(r.values[&Field::ReferrerName], "Jo Officer");
    // The signature below the last `--` still ends the form.
    assert!(
        !r.values.contains_key(&Field::ReferrerPhone),
        "{:?}",
        r.values
    );
}

#[test]
fn a_free_text_question_asked_under_two_labels_keeps_both_answers() {
    let r = read_form("Risk to others: Medium\n\nMAPPA level: 2\n");
    assert_eq!(r.values[&Field::RiskToOthers], "Medium; MAPPA level: 2");
    assert!(r.again.is_empty(), "{:?}", r.again);
    // The same label twice, a hint or not, answered differently: two answers.
    let r = read_form("Risk to others (if any): Low\n\nRisk to others: High\n");
    assert_eq!(r.values[&Field::RiskToOthers], "Low");
    assert_eq!(r.again[&Field::RiskToOthers], "High");
}

#[test]
fn a_divider_over_a_section_heading_or_the_form_s_label_is_no_signature() {
    for under in [
        "--\nSECTION 2 - HOUSING\nCurrent accommodation: None\nConsent to referral: No\n",
        "--\nDate of birth: 04/05/1983\nConsent to referral: No\n",
        "--\n\nPart B Health\n\nConsent to referral: No\n",
        "--\nMAPPA level: 2\nConsent to referral: No\n",
        "--\nNOMIS number: A1234BC\nConsent to referral: No\n",
    ] {
        let r = read_form(&format!(
            "Full name: Sam Example\nCustody status: remand\n{under}"
        ));
        assert_eq!(
            r.values.get(&Field::Consent).map(String::as_str),
            Some("No"),
            "{under}"
        );
    }
    // A signature: the sender's name under the dashes ends the form.
    let r = read_form(
        "Full name: Sam Example\nCustody status: remand\nReason at risk of homelessness: None\n\
         -- \nJo Officer\nProbation Officer\nMental health: see notes\n",
    );
    assert!(
        !r.values.contains_key(&Field::MentalHealth),
        "{:?}",
        r.values
    );
    // A signature's own lines under the dashes (`Tel:`, `Email:`, `Name:`)
    // are the writer's, whatever the form calls them.
    for signature in [
        "-- \nTel: 01632 960000\nMental health: see notes\n",
        "-- \nName: Jo Officer\nMental health: see notes\n",
        "-- \nOrganisation: HMPPS\nMental health: see notes\n",
    ] {
        let r = read_form(&format!(
            "Full name: Sam Example\nCustody status: remand\nReason at risk of homelessness: None\n{signature}"
        ));
        assert!(
            !r.values.contains_key(&Field::MentalHealth),
            "{signature}: {:?}",
            r.values
        );
    }
}

/// The consent answer a form reads as, by the referral's reading of it.
fn consent_of(text: &str) -> Option<String> {
    read_form(text).values.get(&Field::Consent).cloned()
}

#[test]
fn options_on_lines_of_their_own_marked_in_words() {
    for text in [
        "Consent to referral: Yes\nNo - ticked\n",
        "Consent to referral: Yes\nNo (ticked)\n",
        "Consent to referral: Yes\nNo (selected)\n",
        "Consent to referral:\nYes\nNo (ticked)\n",
        "Consent to referral:\nYes\nNo: ticked\n",
    ] {
        assert_eq!(
            consent_of(&format!("{text}Full name: Sam Example\n")).as_deref(),
            Some("No"),
            "{text:?}"
        );
    }
    for text in [
        "Consent to referral: Yes (ticked)\nNo\n",
        "Consent to referral:\nYes - selected\nNo\n",
    ] {
        assert_eq!(consent_of(text).as_deref(), Some("Yes"), "{text:?}");
    }
    // An explanation under a yes is no option marked in words.
    assert_eq!(
        consent_of("Consent to referral: Yes\nNo - see notes\n").as_deref(),
        Some("Yes")
    );
}

#[test]
fn a_blank_line_or_a_third_option_between_the_options() {
    for text in [
        "Consent to referral: Yes\n\nNo X\n",
        "Consent to referral: Yes\n\nNo (ticked)\n",
        "Consent to referral: Yes\nDon't know\nNo X\n",
        "Consent to referral: Yes\nN/A\nNo X\n",
        "Consent to referral:\nYes\n\nDon't know\n\nNo X\n",
        "Consent to referral:\n\u{2610} Yes\n\u{2610} N/A\n\u{2612} No\n",
        // An empty paragraph between two (`<p>&nbsp;</p>`, as HTML is read).
        "Consent to referral:\n\n\u{2610} Yes\n\n\n\n\u{2612} No\n\n",
        "Consent to referral: \u{2610} Yes\n\n\n\n\u{2612} No\n\n",
    ] {
        assert_eq!(
            consent_of(&format!("{text}Full name: Sam Example\n")).as_deref(),
            Some("No"),
            "{text:?}"
        );
    }
    // The third option marked: no yes and no no.
    let r = consent_of("Consent to referral:\nYes\nDon't know X\nNo\n");
    assert_eq!(r.as_deref(), Some("Don't know"));
    // Far apart, a `No` is no option of the yes above it.
    assert_eq!(
        consent_of("Consent to referral: Yes\n\n\n\n\nNo\n").as_deref(),
        Some("Yes")
    );
}

#[test]
fn radio_buttons_read_as_the_filled_one() {
    for (text, want) in [
        ("\u{26aa} Yes \u{26ab} No", "No"),
        ("\u{26ab} Yes \u{26aa} No", "Yes"),
        ("\u{25cb} Yes \u{25cf} No", "No"),
        ("( ) Yes (x) No", "No"),
        ("(\u{2022}) Yes ( ) No", "Yes"),
        ("( ) Yes (\u{2022}) No", "No"),
    ] {
        assert_eq!(
            consent_of(&format!("Consent to referral: {text}\n")).as_deref(),
            Some(want),
            "{text:?}"
        );
    }
}

#[test]
fn a_denial_of_consent_further_from_the_word_takes_a_yes_back() {
    let taken_back = "He has told me today that he does not, after all, give his consent";
    let r = read_form(&format!("Consent to referral: Yes\n{taken_back}\n"));
    let consent = &r.values[&Field::Consent];
    assert!(consent.ends_with(taken_back), "{consent:?}");
    assert_ne!(
        crate::core::referral::yes_no(consent),
        Some(true),
        "{consent:?}"
    );
    let r = read_form("Consent to referral: Yes\nShe does not now agree to the referral\n");
    assert_ne!(
        crate::core::referral::yes_no(&r.values[&Field::Consent]),
        Some(true)
    );
    // A No so followed stays a no.
    let r = read_form(&format!("Consent to referral: No\n{taken_back}\n"));
    assert_eq!(r.values[&Field::Consent], "No");
    // A denial of something else, or of taking it back, takes nothing back.
    for kept in [
        "He was not able to sign; verbal consent given",
        "He has not withdrawn his consent",
        "He does not have the consent form with him",
        "He cannot sign, agrees verbally",
        "He could not sign but verbal consent was given",
    ] {
        let r = read_form(&format!("Consent to referral: Yes\n{kept}\n"));
        assert_eq!(r.values[&Field::Consent], "Yes", "{kept}");
    }
}

#[test]
fn options_in_one_table_cell_read_as_the_marked_one() {
    // `<td>☐ Yes<br>☒ No</td>` with an empty cell after it.
    assert_eq!(
        consent_of("Consent to referral\t\u{2610} Yes \u{2612} No\u{1f}\n").as_deref(),
        Some("No")
    );
    assert_eq!(
        consent_of("Consent to referral\t\u{2612} Yes \u{2610} No\u{1f}\u{1f}\n").as_deref(),
        Some("Yes")
    );
    // Boxes that still cannot be matched stay as written.
    assert_eq!(
        consent_of("Consent to referral\t\u{2610} Yes \u{2612} No\u{1f}X\n").as_deref(),
        Some("\u{2610} Yes \u{2612} No X")
    );
}

#[test]
fn a_consent_taken_back_in_a_long_or_accented_line_is_still_found() {
    // The note stands apart from the answer (below the next label), so
    // that it is read as a note, not as the answer's own words.
    let form = "Full name: Sam Example\nConsent to referral: Yes\nDate of birth: 01/02/1990\n\n";
    let long = format!(
        "Update from the wing, {}and he has since withdrawn his consent.",
        "with more news of the day ".repeat(12)
    );
    assert!(long.len() > LOWERED_ROOM);
    for note in [
        "PS he has withdrawn his consent this morning.",
        "PS – René says he has withdrawn his consent.",
        "PS HE HAS WITHDRAWN HIS CONSENT.",
        &long,
    ] {
        let r = read_form(&format!("{form}{note}\n"));
        assert!(
            r.values[&Field::Consent].starts_with(UNREADABLE),
            "{note}: {r:?}"
        );
    }
    let guidance = format!(
        "{} He understands he can withdraw consent.",
        "Note. ".repeat(50)
    );
    for note in [
        "PS – René understands he can withdraw consent at any time.",
        guidance.as_str(),
    ] {
        let r = read_form(&format!("{form}{note}\n"));
        assert_eq!(r.values[&Field::Consent], "Yes", "{note}");
    }
}

#[test]
fn lines_are_lower_cased_on_the_stack_as_to_lowercase_does() {
    let long = "A".repeat(LOWERED_ROOM);
    for text in [
        "",
        "Consent WITHDRAWN",
        "Ren\u{e9} SAYS NO",
        "\u{130}t is \u{212a}",
        "\u{2019}Consent\u{2019}",
        long.as_str(),
    ] {
        for pad in ["", " "] {
            let mut room = [0u8; LOWERED_ROOM];
            assert_eq!(
                lowered(text, pad, &mut room),
                format!("{pad}{}{pad}", text.to_lowercase()),
                "{text:?}"
            );
        }
    }
}

#[test]
fn a_wide_gap_is_where_three_spaces_first_stand() {
    for text in [
        "",
        "  ",
        "   ",
        "First name: Amy    Surname: Smith-Jones",
        "a  b   c",
        "a \u{a0}  b",
        "Yes   No X",
        "no gap at all",
        "\u{e9}\u{e9}   \u{e9}",
    ] {
        assert_eq!(wide_gap(text), text.find("   "), "{text:?}");
    }
}

#[test]
fn a_line_about_consent_is_found_by_any_of_its_words() {
    let words = [
        "consent",
        "agree",
        "permission",
        "referr",
        "want this",
        "want it",
        "says no",
        "said no",
        "now no",
    ];
    for text in [
        "",
        "c",
        "CONSENT",
        "He has withdrawn his Consent",
        "does not agre",
        "He AGREES",
        "Referred by the OMU",
        "he says n",
        "He SAYS NO now",
        "wants it",
        "want  it",
        "Ren\u{e9} said no",
        "\u{130}t is \u{212a}",
        "no longer refuses",
        "permissio",
    ] {
        let lowered = text.to_lowercase();
        let expected = words.iter().any(|w| lowered.contains(w));
        assert_eq!(about_consent(text), expected, "{text:?}");
    }
}

#[test]
fn words_that_take_consent_back_are_read_with_or_without_apostrophes() {
    let long = format!(
        "{}and he has since withdrawn it",
        "news of the day ".repeat(20)
    );
    for (line, back) in [
        ("He has withdrawn his consent", true),
        ("He hasn't withdrawn his consent", false),
        ("He hasn\u{2019}t revoked it", false),
        ("He doesn't want this", true),
        ("He DOESN\u{2019}T WANT THIS", true),
        ("Ren\u{e9} has since withdrawn", true),
        ("He agreed", false),
        (long.as_str(), true),
    ] {
        assert_eq!(takes_back(line), back, "{line}");
    }
}

#[test]
fn marks_on_the_line_under_the_options_answer_by_where_they_stand() {
    let form = |options: &str, marks: &str| {
        read_form(&format!(
            "DUTY TO REFER REFERRAL\nFull name: Sam Example\nConsent given:  {options}\n{marks}\nCRN: X123456\n"
        ))
    };
    // `Consent given:  ` is 16 characters: `Yes` stands at 16-18, `No`
    // at 24-25.
    for (marks, answer) in [
        ("                         X", "No"),
        ("                        X", "No"),
        ("                 X", "Yes"),
        ("                ✓", "Yes"),
    ] {
        let r = form("Yes     No", marks);
        assert_eq!(r.values[&Field::Consent], answer, "{marks:?}");
        assert_eq!(r.values[&Field::Crn], "X123456");
    }
    // Under neither clearly, or under both: never the first option.
    for marks in [
        "                     X",
        "                            X",
        "X",
        "                 X      X",
    ] {
        let r = form("Yes     No", marks);
        let consent = &r.values[&Field::Consent];
        assert!(
            consent.starts_with(UNREADABLE) || (consent.contains("Yes") && consent.contains("No")),
            "{marks:?}: {consent:?}"
        );
    }
    // `Yes / No` as the form offers it, the mark under `No`.
    let r = form("Yes / No", "                       X");
    assert_eq!(r.values[&Field::Consent], "No");
    // A choice's options.
    let r = read_form(
        "DUTY TO REFER REFERRAL\nCustody status:  remand   sentenced   released\n                           X\n",
    );
    assert_eq!(r.values[&Field::CustodyStatus], "sentenced");
}

#[test]
fn a_full_name_of_one_word_is_completed_by_the_name_part_under_its_own_label() {
    let r = read_form("Full name: Daniel\nSurname: Marsh\nDate of birth: 14/07/1988\n");
    assert_eq!(r.values[&Field::FullName], "Daniel Marsh");
    let r = read_form("Surname: Marsh\nFull name: Daniel\n");
    assert_eq!(r.values[&Field::FullName], "Daniel Marsh");
    let r = read_form("Full name: Marsh\nFirst name(s): Daniel\n");
    assert_eq!(r.values[&Field::FullName], "Daniel Marsh");
    // A full name given whole keeps, whatever the parts say.
    let r = read_form("Full name: Daniel Marsh\nSurname: Marsh\n");
    assert_eq!(r.values[&Field::FullName], "Daniel Marsh");
    let r = read_form("Full name: Marsh\nSurname: Marsh\n");
    assert_eq!(r.values[&Field::FullName], "Marsh");
    // First names given as the full name: the surname beside them is
    // added, never dropped; a middle name between.
    let r = read_form("Full name: Daniel James\nSurname: Marsh\n");
    assert_eq!(r.values[&Field::FullName], "Daniel James Marsh");
    let r = read_form("Full name: Daniel\nMiddle name: James\nSurname: Marsh\n");
    assert_eq!(r.values[&Field::FullName], "Daniel James Marsh");
    let r = read_form("Full name: Daniel Marsh\nMiddle name: James\nSurname: Marsh\n");
    assert_eq!(r.values[&Field::FullName], "Daniel James Marsh");
    // A next of kin's middle name under its heading is not his.
    let r = read_form("Full name: Daniel\nSurname: Marsh\nNext of kin\nMiddle name: Rose\n");
    assert_eq!(r.values[&Field::FullName], "Daniel Marsh");
    let r = read_form("Surname: van Dijk\nFull name: Pieter van Dijk\n");
    assert_eq!(r.values[&Field::FullName], "Pieter van Dijk");
    // A full name of two words keeps its own first name (a name he goes
    // by) beside the form's first name.
    let r = read_form("Full name: Danny Marsh\nFirst name(s): Daniel\n");
    assert_eq!(r.values[&Field::FullName], "Danny Marsh");
    // Only a part asked beside it, and only a name.
    let others = [
        "Full name: Daniel\nDate of birth: 14/07/1988\nPrison number: A1234BC\nCRN: X123456\n\
         Current location: HMP Chelmsford\nCase lead\nFirst name: Marcus\nSurname: Bell\n",
        "Full name: Daniel\nSurname: [Surname]\n",
        // Someone else's details under a heading of their own, right below.
        "Full name: Daniel\nNEXT OF KIN DETAILS\nFirst name: Mary\nSurname: Jones\n",
        "Full name: Daniel\nNext of kin\nSurname: Jones\n",
        "Full name: Daniel\nCASE LEAD\nFirst name: Kim\nSurname: Casework\n",
        "Full name: Daniel\nSigned by referrer\nSurname: Probation\n",
        "Full name: Daniel\nDeclaration - completed by\nFirst name: Jo\n",
        "Full name: Daniel\nSurname: N/A\n",
        "Full name: Daniel\nSurname: Unknown\n",
    ];
    for text in others {
        let r = read_form(text);
        assert_eq!(r.values[&Field::FullName], "Daniel", "{text}");
    }
}

#[test]
fn a_table_s_column_of_marks_or_numbers_is_no_part_of_an_answer() {
    let cells = |cells: &[&str]| {
        format!(
            "{}{CELL_SEPARATOR}{}\n",
            cells[0],
            cells[1..].join(&VALUE_CELL_SEPARATOR.to_string())
        )
    };
    let text = [
        cells(&["Full name", "Daniel Marsh", "2"]),
        cells(&["Current location", "HMP Chelmsford", "✓"]),
        cells(&["Date of birth", "14", "07", "1988"]),
        cells(&[
            "Current accommodation",
            "No fixed abode",
            "see note 3 below",
        ]),
        cells(&["Risk to others", "MAPPA level", "2"]),
        cells(&["Referrer phone", "01632 960", "118"]),
        cells(&["Prison number", "✓", "A1234BC"]),
    ]
    .concat();
    let r = read_form(&text);
    assert_eq!(r.values[&Field::FullName], "Daniel Marsh");
    assert_eq!(r.values[&Field::CurrentLocation], "HMP Chelmsford");
    assert_eq!(r.values[&Field::DateOfBirth], "14 07 1988");
    assert_eq!(
        r.values[&Field::CurrentAccommodation],
        "No fixed abode see note 3 below"
    );
    // Numbers that are part of the answer stay.
    assert_eq!(r.values[&Field::RiskToOthers], "MAPPA level 2");
    assert_eq!(r.values[&Field::ReferrerPhone], "01632 960 118");
    assert_eq!(r.values[&Field::PrisonNumber], "A1234BC");
}

#[test]
fn sub_question_numbers_are_read_as_question_numbers() {
    let r = read_form(
        "5a. Full name: Daniel Marsh\n5(b) Date of birth: 14/07/1988\nB1. Prison number: A1234BC\nC12) CRN: X123456\n",
    );
    assert_eq!(r.values[&Field::FullName], "Daniel Marsh");
    assert_eq!(r.values[&Field::DateOfBirth], "14/07/1988");
    assert_eq!(r.values[&Field::PrisonNumber], "A1234BC");
    assert_eq!(r.values[&Field::Crn], "X123456");
    // A sub-question's letter in an answer is the answer's.
    let r = read_form("Current location: 5(a) High Street, Colchester\n");
    assert_eq!(
        r.values[&Field::CurrentLocation],
        "5(a) High Street, Colchester"
    );
}

#[test]
fn a_contact_phone_asked_again_in_a_signature_is_the_writer_s() {
    let r = read_form(
        "Full name: Daniel Marsh\nContact phone: 07700 900123\nReferrer name: Jo Officer\nCase lead name: Jo Officer\n\nJo Officer\nProbation Practitioner\nContact phone: 01632 960000\n",
    );
    assert_eq!(r.values[&Field::PersonPhone], "07700 900123");
    assert!(r.again.is_empty(), "{:?}", r.again);
    let r = read_form(
        "Full name: Daniel Marsh\nContact phone:\nReferrer name: Jo Officer\nCase lead name: Jo Officer\n\nJo Officer\nProbation Practitioner\nContact phone: 01632 960000\n",
    );
    assert!(!r.values.contains_key(&Field::PersonPhone));
    // A form that asks for the person's phone after the referrer's.
    let r = read_form(
        "Referrer name: Jo Officer\nCase lead name: Jo Officer\nPERSON\nFull name: Daniel Marsh\nContact phone: 07700 900123\n",
    );
    assert_eq!(r.values[&Field::PersonPhone], "07700 900123");
}

#[test]
fn a_section_title_under_an_empty_question_is_not_its_answer() {
    let r = read_form(
        "Local connection: none\nReason for referral without local connection:\n\n\
         SECTION C - HEALTH AND RISK\nPhysical health: None known\n",
    );
    assert!(
        !r.values.contains_key(&Field::NoConnectionReason),
        "{:?}",
        r.values
    );
    let r = read_form("Full name:\nREFERRER DETAILS\nReferrer name: Jo Officer\n");
    assert!(!r.values.contains_key(&Field::FullName), "{:?}", r.values);
    // A name in capitals under its label is the name.
    let r = read_form("Full name:\nDANIEL MARSH\nDate of birth: 14/07/1988\n");
    assert_eq!(r.values[&Field::FullName], "DANIEL MARSH");
}

#[test]
fn a_table_of_two_questions_a_row_reads_each_pair() {
    // Outlook's plain text of a four-column table, and the HTML's rows
    // (a tab after the first cell, the unit separator after the others).
    for row in [
        "Full name\tDaniel Marsh\tDate of birth\t14/07/1988\n",
        "Full name:\tDaniel Marsh\u{1f}Date of birth:\u{1f}14/07/1988\n",
    ] {
        let r = read_form(row);
        assert_eq!(r.values[&Field::FullName], "Daniel Marsh", "{row:?}");
        assert_eq!(r.values[&Field::DateOfBirth], "14/07/1988", "{row:?}");
    }
    // The last pair left empty is asked, not joined to the answer before.
    let r = read_form("Referrer phone\t01632 960 118\tCase lead name\t\n");
    assert_eq!(r.values[&Field::ReferrerPhone], "01632 960 118");
    // Options and marks in cells of their own stay one answer; a value that
    // is no label stays in its answer.
    let r = read_form("Consent to referral\tYes\u{1f}X\u{1f}No\u{1f}\n");
    assert_eq!(r.values[&Field::Consent], "Yes");
    let r = read_form("Local connection\tResident\u{1f}Family\n");
    assert!(r.values[&Field::LocalConnection].contains("Family"));
}

#[test]
fn a_notes_column_in_plain_text_is_no_part_of_the_answers() {
    let text = "Question\tAnswer\tNotes\n\
        Full name\tDaniel Marsh\tKnown as Danny\n\
        Date of birth\t14/07/1988\tChecked\n\
        Consent to referral\tYes\tWithdrawn 03/12\n\
        \n\
        Prison number\tA1234BC\tnot a notes column now\n";
    let r = read_form(text);
    assert_eq!(r.values[&Field::FullName], "Daniel Marsh");
    assert_eq!(r.values[&Field::DateOfBirth], "14/07/1988");
    // A withdrawal in the consent row's notes is still read with it.
    assert!(r.values[&Field::Consent].contains("Withdrawn"), "{r:?}");
    // Below the table, a line's cells are its own again.
    assert!(r.values[&Field::PrisonNumber].contains("not a notes"));
}

#[test]
fn every_sign_off_passes_the_first_letters_test() {
    for sign_off in SIGN_OFFS {
        let opening: [u8; 3] = sign_off.as_bytes()[..3]
            .try_into()
            .expect("every sign-off has three letters");
        assert!(SIGN_OFF_OPENINGS.contains(&opening), "{sign_off}");
        assert!(
            ends_form(&format!("{}.", sign_off.to_uppercase())),
            "{sign_off}"
        );
    }
    assert!(!ends_form("Referrer name"));
    assert!(!ends_form("Kin: none"));
}

#[test]
fn a_taking_back_is_found_in_any_case_and_across_an_apostrophe() {
    assert!(takes_back("He has WITHDRAWN consent"));
    assert!(takes_back("Consent Revoked"));
    assert!(takes_back("he no longer agrees"));
    assert!(takes_back("He DONT want this"));
    assert!(takes_back("He doesn't want this"));
    // Dropping the apostrophe joins the word back up.
    assert!(takes_back("consent with'drawn"));
    assert!(!takes_back("Consent given by Daniel"));
    assert!(!takes_back("He has not withdrawn consent"));
}

#[test]
fn consent_is_spoken_of_in_any_case_and_letters() {
    assert!(about_consent("CONSENT GIVEN"));
    assert!(about_consent("He Said No"));
    assert!(about_consent("Zustimmung: consent ✓"));
    assert!(!about_consent("He said little"));
    assert!(!about_consent("Ça va"));
}

#[test]
fn a_yes_taken_back_in_words_wrapped_over_two_lines_is_read() {
    // `says` ends one line and `no` opens the next: neither line alone
    // speaks of consent, the sentence they make does.
    let r = read_form(
        "DUTY TO REFER REFERRAL\nFull name: Daniel Marsh\nConsent to referral: Yes\n\n\
         Update: I spoke to him on Monday and he says\nno to the council having his details\n",
    );
    assert!(
        r.values[&Field::Consent].starts_with(UNREADABLE),
        "{:?}",
        r.values
    );
}

#[test]
fn spaces_are_normalised_alike_in_ascii_and_beyond() {
    assert_eq!(normalise_space(" a\u{b}b\u{1f}c \t d\r\n"), "a b c d");
    assert_eq!(normalise_space(" a\u{a0}b\u{200b}c é "), "a b c é");
    assert_eq!(normalise_space("  "), "");
}

#[test]
fn a_mark_is_held_or_not() {
    assert!(holds("Yes \u{fdd0}", UNREADABLE));
    assert!(!holds("Yes \u{fdd1}", UNREADABLE));
    assert!(!holds("Yes ☒", UNREADABLE));
    assert!(holds("Yes", 's'));
}

#[test]
fn a_plain_text_table_row_broken_over_lines_is_one_row() {
    // Outlook's plain text of a cell of two paragraphs: the row goes on
    // on the next line.
    let text = "Full name\tDaniel Marsh\tDate of birth\t14/07/1988\n\
        Mental health\tAnxiety;\n\
        seen by the in-reach team\tConsent to referral\tYes\n\
        Risk to others\tMedium;\n\
        MAPPA level 1\tLocal housing authority\tBasildon\n";
    let r = read_form(text);
    assert_eq!(
        r.values[&Field::MentalHealth],
        "Anxiety; seen by the in-reach team"
    );
    assert_eq!(r.values[&Field::Consent], "Yes");
    assert_eq!(r.values[&Field::Lha], "Basildon");
    // A note of two paragraphs stays out of the answers below it.
    let text = "Question\tAnswer\tNotes\n\
        Full name\tMarcus Hale\tKnown as Kev\n\
        Also used the surname Reid\n\
        At risk of rough sleeping\tNo\tYes if the address falls through\n\
        Local housing authority\tColchester\tBasildon also considered\n";
    let r = read_form(text);
    assert_eq!(r.values[&Field::FullName], "Marcus Hale");
    assert_eq!(r.values[&Field::RoughSleepingRisk], "No");
    assert_eq!(r.values[&Field::Lha], "Colchester");
}

#[test]
fn boxes_in_a_plain_text_row_stay_beside_their_options() {
    let r = read_form("Consent to referral\tYes\tX\tNo\t\n");
    assert_eq!(r.values[&Field::Consent], "Yes");
    let r = read_form("Consent to referral\tYes\t\tNo\tX\n");
    assert_eq!(r.values[&Field::Consent], "No");
}

#[test]
fn a_guidance_column_beside_consent_is_the_template_s_not_the_referrer_s() {
    for (header, note) in [
        (
            "Guidance",
            "Without consent the council cannot accept the referral",
        ),
        ("Notes", "Yes / No"),
        ("Notes", "Has the person consented to this referral?"),
    ] {
        let text = format!(
            "Question\tAnswer\t{header}\nFull name\tDaniel Marsh\t\nConsent to referral\tYes\t{note}\n"
        );
        let r = read_form(&text);
        assert_eq!(r.values[&Field::Consent], "Yes", "{header}: {note}");
    }
    // What the referrer wrote there is still read with the answer.
    let r = read_form("Question\tAnswer\tNotes\nConsent to referral\tYes\tnot to his GP\n");
    assert!(r.values[&Field::Consent].contains("GP"));
}
