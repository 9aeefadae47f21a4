//! Where a message's form was found, and a message carrying several: the
//! form in its text and those attached. The most complete one wins and the
//! others fill its gaps; where they name a different person (name, date of
//! birth, prison number, CRN) nothing is chosen: the field is left out and
//! named as a conflict, with the forms that disagree, which makes the
//! referral incomplete. A message is one referral: two people's forms in
//! one mail are asked about, never split or dropped.

use super::field::Field;
use super::form::FormReading;
use super::referral::{interpret, Outcome, ReadReferral, ReadingContext, Referral};

/// Where the form a referral was read from is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormSource {
    /// The message's own text.
    Body,
    /// An attached document, by its file name (empty when it has none).
    Attachment(String),
}

impl FormSource {
    /// As the parse contract prints it: `body`, `attachment:NAME`.
    pub fn describe(&self) -> String {
        match self {
            FormSource::Body => "body".to_string(),
            FormSource::Attachment(name) => format!("attachment:{name}"),
        }
    }
}

/// The fields that say who the person is, whether they agreed and where
/// and when they leave custody: two forms disagreeing on one are two
/// people, or one mistaken, and never settled by a guess (a consent of No
/// in one and Yes in the other is asked again, never chosen).
const IDENTITY: [Field; 8] = [
    Field::FullName,
    Field::DateOfBirth,
    Field::PrisonNumber,
    Field::Crn,
    Field::Consent,
    Field::CustodyStatus,
    Field::ExpectedReleaseDate,
    Field::Lha,
];

/// Reads a message's forms (its text's and its attachments') as one
/// referral: the one with most answers wins (an attachment over the
/// body on a tie, the first attachment over a later one), and the others
/// about the same person fill its gaps. A field any two of them answer differently is left out
/// and named as a conflict, with the forms that disagree, so that a second
/// form (a second person's, say) is never dropped without a word.
pub fn read_forms(
    forms: &[(FormSource, &FormReading)],
    ctx: &ReadingContext<'_>,
) -> Option<(ReadReferral, FormSource)> {
    let winner = forms
        .iter()
        .enumerate()
        .max_by_key(|(i, (source, reading))| {
            (
                reading.values.len(),
                matches!(source, FormSource::Attachment(_)),
                std::cmp::Reverse(*i),
            )
        })
        .map(|(i, _)| i)?;
    // One form is read as it stands: nothing to compare or fill.
    if let [(source, reading)] = forms {
        return Some((interpret(reading, ctx), source.clone()));
    }
    let interpreted: Vec<ReadReferral> = forms.iter().map(|(_, r)| interpret(r, ctx)).collect();
    let mut conflicts = Vec::new();
    let mut conflicting_forms: Vec<FormSource> = Vec::new();
    for field in IDENTITY {
        for (i, a) in interpreted.iter().enumerate() {
            for (j, b) in interpreted.iter().enumerate().skip(i + 1) {
                if differ(field, &a.referral, &b.referral) {
                    if !conflicts.contains(&field) {
                        conflicts.push(field);
                    }
                    for k in [i, j] {
                        if !conflicting_forms.contains(&forms[k].0) {
                            conflicting_forms.push(forms[k].0.clone());
                        }
                    }
                }
            }
        }
    }
    let mut merged = forms[winner].1.clone();
    for (i, (_, other)) in forms.iter().enumerate() {
        // A form about someone else fills nothing in: one person's health
        // or risk never lands on another's case.
        if i == winner || another_person(&interpreted[winner].referral, &interpreted[i].referral) {
            continue;
        }
        merged.heading |= other.heading;
        for (field, value) in &other.values {
            merged.values.entry(*field).or_insert_with(|| value.clone());
        }
    }
    for field in &conflicts {
        merged.values.remove(field);
    }
    let mut read = interpret(&merged, ctx);
    if !conflicts.is_empty() {
        read.missing.retain(|f| !conflicts.contains(f));
        read.invalid.extend(conflicts.iter().copied());
        read.invalid.sort();
        read.invalid.dedup();
        if read.outcome == Outcome::Complete {
            read.outcome = Outcome::Incomplete;
        }
        read.conflicts = conflicts;
        // In the order the message carries them: its text first.
        conflicting_forms.sort_by_key(|f| forms.iter().position(|(s, _)| s == f));
        read.conflicting_forms = conflicting_forms;
    }
    Some((read, forms[winner].0.clone()))
}

/// How a reader is told which forms disagree: `the email and its
/// attached form`, `the attached forms`.
pub fn describe_conflicting(forms: &[FormSource]) -> &'static str {
    let body = forms.contains(&FormSource::Body);
    let attached = forms
        .iter()
        .filter(|f| matches!(f, FormSource::Attachment(_)))
        .count();
    match (body, attached) {
        (true, 0 | 1) => "the email and its attached form",
        (true, _) => "the email and its attached forms",
        (false, _) => "the attached forms",
    }
}

/// The fields that say who the person is.
const PERSON: [Field; 4] = [
    Field::FullName,
    Field::DateOfBirth,
    Field::PrisonNumber,
    Field::Crn,
];

/// The two forms name different people.
fn another_person(a: &Referral, b: &Referral) -> bool {
    PERSON.into_iter().any(|field| differ(field, a, b))
}

/// Both forms give the field, differently.
fn differ(field: Field, a: &Referral, b: &Referral) -> bool {
    fn text(s: &Option<String>) -> Option<String> {
        s.as_ref().map(|s| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        })
    }
    match field {
        Field::FullName => {
            matches!((text(&a.full_name), text(&b.full_name)), (Some(x), Some(y)) if x != y)
        }
        Field::DateOfBirth => {
            matches!((a.date_of_birth, b.date_of_birth), (Some(x), Some(y)) if x != y)
        }
        Field::PrisonNumber => {
            matches!((&a.prison_number, &b.prison_number), (Some(x), Some(y)) if x != y)
        }
        Field::Crn => matches!((&a.crn, &b.crn), (Some(x), Some(y)) if x != y),
        Field::Consent => matches!((a.consent, b.consent), (Some(x), Some(y)) if x != y),
        Field::CustodyStatus => {
            matches!((a.custody_status, b.custody_status), (Some(x), Some(y)) if x != y)
        }
        Field::ExpectedReleaseDate => matches!(
            (a.expected_release_date, b.expected_release_date),
            (Some(x), Some(y)) if x != y
        ),
        Field::Lha => matches!((&a.lha, &b.lha), (Some(x), Some(y)) if x != y),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::authority::Authorities;
    use crate::core::form::read_form;
    use chrono::NaiveDate;

    const FULL: &str =
        "DUTY TO REFER REFERRAL\nReferral type: Duty to Refer\nFull name: Sam Example\n\
        Date of birth: 14/07/1988\nCustody status: remand\nConsent to referral: Yes\n\
        Reason at risk of homelessness: No fixed abode\nLocal connection: resident\n\
        Referring agency: HMP Chelmsford\nReferrer name: Jo Officer\n\
        Referrer email: jo@justice.gov.uk\nReferrer phone: 01245 000000\n";

    fn both(body: &str, attachment: &str) -> (ReadReferral, bool) {
        let authorities = Authorities::default();
        let ctx = ReadingContext {
            sent_on: NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"),
            authorities: &authorities,
            receiving_authority: None,
        };
        let (body, attachment) = (read_form(body), read_form(attachment));
        let forms = [
            (FormSource::Body, &body),
            (FormSource::Attachment("form.docx".into()), &attachment),
        ];
        let (read, source) = read_forms(&forms, &ctx).expect("a form");
        (read, source != FormSource::Body)
    }

    #[test]
    fn the_more_complete_form_wins_and_the_other_fills_its_gaps() {
        let (read, attachment_wins) = both(
            "Please find the referral attached.\nCase lead name: Pat Manager\nFull name: Sam Example\n",
            FULL,
        );
        assert!(attachment_wins);
        assert_eq!(read.outcome, Outcome::Complete, "{read:?}");
        assert_eq!(read.referral.case_lead_name.as_deref(), Some("Pat Manager"));
        assert!(read.conflicts.is_empty());
    }

    #[test]
    fn a_consent_of_no_beside_a_yes_is_asked_again() {
        let no = FULL.replace("Consent to referral: Yes", "Consent to referral: No");
        let (read, _) = both(&no, FULL);
        assert_eq!(read.conflicts, vec![Field::Consent]);
        assert_eq!(read.outcome, Outcome::Incomplete);
        assert_eq!(read.referral.consent, None);
    }

    #[test]
    fn two_dates_of_birth_make_it_incomplete_and_are_named() {
        let (read, _) = both("Full name: Sam Example\nDate of birth: 15/07/1988\n", FULL);
        assert_eq!(read.outcome, Outcome::Incomplete);
        assert_eq!(read.conflicts, vec![Field::DateOfBirth]);
        assert!(read.invalid.contains(&Field::DateOfBirth));
        assert!(!read.missing.contains(&Field::DateOfBirth));
        assert_eq!(read.referral.date_of_birth, None, "no date is chosen");
        assert_eq!(
            describe_conflicting(&read.conflicting_forms),
            "the email and its attached form"
        );
        // A name written differently is the same name.
        let (read, _) = both("Full name:  SAM   example\n", FULL);
        assert!(read.conflicts.is_empty());
        assert_eq!(read.outcome, Outcome::Complete);
    }

    #[test]
    fn two_attached_forms_for_two_people_are_named_not_dropped() {
        let authorities = Authorities::default();
        let ctx = ReadingContext {
            sent_on: NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"),
            authorities: &authorities,
            receiving_authority: None,
        };
        let first = read_form(FULL);
        let second = read_form(
            &FULL
                .replace("Sam Example", "Daniel Whitmore")
                .replace("14/07/1988", "02/03/1991"),
        );
        let forms = [
            (FormSource::Attachment("sam.docx".into()), &first),
            (FormSource::Attachment("daniel.docx".into()), &second),
        ];
        let (read, source) = read_forms(&forms, &ctx).expect("a form");
        assert_eq!(source, FormSource::Attachment("sam.docx".into()));
        assert_eq!(read.outcome, Outcome::Incomplete);
        assert_eq!(read.conflicts, vec![Field::FullName, Field::DateOfBirth]);
        assert_eq!(read.referral.full_name, None, "no name is chosen");
        assert_eq!(
            describe_conflicting(&read.conflicting_forms),
            "the attached forms"
        );
        // Nothing of the second person's form fills the first's gaps.
        let sams = read_form(&format!(
            "{FULL}Case lead name: Pat Manager\nCase lead email: pat@probation.gov.uk\n"
        ));
        let daniels = read_form(&format!(
            "{}Mental health: under the community mental health team\n",
            FULL.replace("Sam Example", "Daniel Whitmore")
        ));
        let forms = [
            (FormSource::Attachment("daniel.docx".into()), &daniels),
            (FormSource::Attachment("sam.docx".into()), &sams),
        ];
        let (read, source) = read_forms(&forms, &ctx).expect("a form");
        assert_eq!(source, FormSource::Attachment("sam.docx".into()));
        assert_eq!(read.conflicts, vec![Field::FullName]);
        assert_eq!(
            read.referral.mental_health, None,
            "Daniel's health is not written on Sam's case"
        );
        // The same form attached twice is one referral.
        let forms = [
            (FormSource::Attachment("a.docx".into()), &first),
            (FormSource::Attachment("b.pdf".into()), &first),
        ];
        let (read, _) = read_forms(&forms, &ctx).expect("a form");
        assert_eq!(read.outcome, Outcome::Complete);
        assert!(read.conflicting_forms.is_empty());
    }
}
