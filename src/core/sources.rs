//! Where a message's form was found, and a message carrying several: the
//! form in its text and those attached. The most complete one wins and the
//! others fill its gaps; where two of them answer a field differently (two
//! names, two dates of birth, but as much a risk of `Low` beside one of
//! `MAPPA level 2`) nothing is chosen: the field is left out and named as
//! a conflict, with the forms that disagree, which makes the referral
//! incomplete. Answers that agree in substance (`K Walsh` and `Kieran
//! Walsh`, one date written two ways) are no conflict: see [`agree`]. A message is one referral: two people's forms in
//! one mail are asked about, never split or dropped.

use super::field::{Field, ValueKind};
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

/// Reads a message's forms (its text's and its attachments') as one
/// referral: the one with most answers wins (an attachment over the
/// body on a tie, the first attachment over a later one), and the others
/// about the same person fill its gaps. A field any two of them answer
/// differently (whatever the field: see [`agree`]) is left out
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
    // One form that says each thing once is read as it stands: nothing
    // to compare or fill.
    if let [(source, reading)] = forms {
        if reading.again.is_empty() && reading.in_doubt.is_empty() {
            return Some((interpret(reading, ctx), source.clone()));
        }
    }
    let interpreted: Vec<ReadReferral> = forms.iter().map(|(_, r)| interpret(r, ctx)).collect();
    let mut conflicts = Vec::new();
    let mut conflicting_forms: Vec<FormSource> = Vec::new();
    // A form that answers a label twice, differently (an answer in text
    // that may be hidden before the one shown, a second `Consent: Yes`
    // below a `No`): the
    // field is a conflict within that form, as between two forms.
    for (k, (source, reading)) in forms.iter().enumerate() {
        if reading.again.is_empty() {
            continue;
        }
        let mut second = (*reading).clone();
        second.values.extend(reading.again.clone());
        let second = interpret(&second, ctx);
        for field in reading.again.keys() {
            if differ(*field, &interpreted[k].referral, &second.referral) {
                if !conflicts.contains(field) {
                    conflicts.push(*field);
                }
                if !conflicting_forms.contains(source) {
                    conflicting_forms.push(source.clone());
                }
            }
        }
    }
    // A field whose answer rests on text that may or may not be seen
    // (`FormReading::in_doubt`) is asked about, as a conflict within the
    // form.
    for (source, reading) in forms {
        for field in &reading.in_doubt {
            if !conflicts.contains(field) {
                conflicts.push(*field);
            }
            if !conflicting_forms.contains(source) {
                conflicting_forms.push(source.clone());
            }
        }
    }
    for field in Field::ALL {
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
    // A consent one form gives that cannot be read (`No - he withdrew it
    // (20/11)`) beside a Yes in another is no Yes: the sender may have
    // written No.
    let unreadable_consent = interpreted
        .iter()
        .any(|r| r.invalid.contains(&Field::Consent) && r.referral.consent.is_none());
    let consent_given = interpreted.iter().any(|r| r.referral.consent == Some(true));
    if forms.len() > 1 && unreadable_consent && consent_given {
        if !conflicts.contains(&Field::Consent) {
            conflicts.push(Field::Consent);
        }
        for (k, (source, _)) in forms.iter().enumerate() {
            let says = interpreted[k].referral.consent == Some(true)
                || interpreted[k].invalid.contains(&Field::Consent);
            if says && !conflicting_forms.contains(source) {
                conflicting_forms.push(source.clone());
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
        // Two answers that agree: the one that says more is kept (the
        // full given name over its initial, the risk with its detail).
        for field in Field::ALL {
            let (Some(kept), Some(offered)) = (
                answer(field, &interpreted[winner].referral),
                answer(field, &interpreted[i].referral),
            ) else {
                continue;
            };
            let fuller = agree(field, &kept, &offered) && says_more(&offered, &kept);
            if let (true, Some(raw)) = (fuller, other.values.get(&field)) {
                merged.values.insert(field, raw.clone());
            }
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
    // Two forms naming two whole names apart are two people's, whatever
    // else they share (a date of birth copied from one form to the next).
    let names_apart = interpreted.iter().enumerate().any(|(i, a)| {
        interpreted
            .iter()
            .skip(i + 1)
            .any(|b| names_apart(&a.referral, &b.referral))
    });
    read.several_people = several_people(&read) || names_apart;
    if read.several_people {
        // Two people's forms: the case holds neither person (one's risk
        // must never stand on the other's case when the referrer answers
        // for one of them), nor a consent to run a clock on; only who
        // referred. The referrer is asked to send each apart.
        read.referral = Referral {
            consent: None,
            ..read.referral.without_personal_details()
        };
        read.missing = Field::ALL
            .into_iter()
            .filter(|&f| {
                super::referral::is_required(f, &read.referral)
                    && !super::referral::is_present(f, &read.referral)
                    && !read.invalid.contains(&f)
            })
            .collect();
    }
    Some((read, forms[winner].0.clone()))
}

/// A Yes that one rendering of the message's own text leaves out (its
/// plain text beside its HTML, Outlook's view beside the others'): whoever
/// reads that rendering sees no consent, so the Yes is no Yes, and the
/// referrer is asked, as for renderings that disagree.
pub fn consent_unseen_in_a_rendering(read: &mut ReadReferral) {
    if read.referral.consent != Some(true) {
        return;
    }
    read.referral.consent = None;
    read.missing.retain(|f| *f != Field::Consent);
    if !read.invalid.contains(&Field::Consent) {
        read.invalid.push(Field::Consent);
        read.invalid.sort();
    }
    if !read.conflicts.contains(&Field::Consent) {
        read.conflicts.push(Field::Consent);
    }
    if !read.conflicting_forms.contains(&FormSource::Body) {
        read.conflicting_forms.insert(0, FormSource::Body);
    }
    if read.outcome == Outcome::Complete {
        read.outcome = Outcome::Incomplete;
    }
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
        // One form answering a label twice.
        (true, 0) => "two lines of the email's form",
        (false, 1) if forms.len() == 1 => "two lines of the attached form",
        (true, 1) => "the email and its attached form",
        (true, _) => "the email and its attached forms",
        (false, _) => "the attached forms",
    }
}

/// Forms of one message about different people (two attached forms naming
/// two people on two counts or more: name and date of birth, say): not
/// one referral with typing errors, but a referral for each, which the
/// referrer must send apart.
pub fn several_people(read: &ReadReferral) -> bool {
    let sources = read.conflicting_forms.len();
    sources > 1
        && read
            .conflicts
            .iter()
            .filter(|field| PERSON.contains(field))
            .count()
            >= 2
}

/// Two forms' full names share no name at all, in any order and spelled
/// nearly alike or not (`Sam Example`, `Daniel Whitmore`; but `HALE,
/// Marcus` is `Marcus Hale`, `Mr Marcus Hale Jr` is too, and `Muhammad
/// Aly` may be `Mohammed Ali`), and no prison number or CRN both give is
/// the same: someone else, not a name typed wrong or written otherwise.
fn names_apart(a: &Referral, b: &Referral) -> bool {
    let (Some(x), Some(y)) = (a.full_name.as_deref(), b.full_name.as_deref()) else {
        return false;
    };
    const TITLES: [&str; 11] = [
        "mr", "mrs", "ms", "miss", "mx", "dr", "master", "jr", "jnr", "sr", "snr",
    ];
    let names = |text: &str| -> Vec<String> {
        words(text)
            .into_iter()
            .filter(|w| !TITLES.contains(&w.as_str()) && !matches!(w.as_str(), "ii" | "iii"))
            .collect()
    };
    let (x, y) = (names(x), names(y));
    if x.len() < 2 || y.len() < 2 {
        return false;
    }
    let alike = |p: &String, q: &String| {
        p == q
            || (p.chars().count() == 1 && q.starts_with(p.as_str()))
            || (q.chars().count() == 1 && p.starts_with(q.as_str()))
            || edits_apart(p, q) <= if p.len().min(q.len()) <= 4 { 1 } else { 2 }
    };
    let shares_a_name = x.iter().any(|p| y.iter().any(|q| alike(p, q)));
    let same_identifier = [Field::PrisonNumber, Field::Crn].into_iter().any(|field| {
        matches!(
            (answer(field, a), answer(field, b)),
            (Some(p), Some(q)) if agree(field, &p, &q)
        )
    });
    !shares_a_name && !same_identifier
}

/// How many letters must be changed, added or taken away to make one word
/// the other (names are short: the table is a row at a time).
fn edits_apart(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb))
                .min(above + 1)
                .min(row[j] + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The fields that say who the person is.
const PERSON: [Field; 4] = [
    Field::FullName,
    Field::DateOfBirth,
    Field::PrisonNumber,
    Field::Crn,
];

/// The two referrals say different things of who the person is: a
/// prison number, CRN, name or date of birth both give and that do not
/// agree (see [`agree`]).
pub fn another_person(a: &Referral, b: &Referral) -> bool {
    PERSON.into_iter().any(|field| differ(field, a, b))
}

/// The two referrals name another person on two counts or more (name and
/// date of birth, prison number and CRN): not one identifier typed wrong,
/// which a later form corrects, but someone else.
pub fn someone_else(a: &Referral, b: &Referral) -> bool {
    PERSON
        .into_iter()
        .filter(|&field| differ(field, a, b))
        .count()
        >= 2
}

/// Both forms give the field, and their answers do not agree in
/// substance (see [`agree`]).
pub fn differ(field: Field, a: &Referral, b: &Referral) -> bool {
    match (answer(field, a), answer(field, b)) {
        (Some(x), Some(y)) => !agree(field, &x, &y),
        _ => false,
    }
}

/// The field's answer in words, as [`Referral::as_form`] gives it: dates
/// however written are one date, Yes or No, the form's own choices.
fn answer(field: Field, r: &Referral) -> Option<String> {
    r.answer_in_words(field)
}

/// Whether two answers to one field say the same thing:
/// - names: the same surname, and given names the same or one the
///   initial of the other (`K Walsh`, `K. Walsh`, `Kieran Walsh`);
/// - dates, Yes or No, the form's choices, prison numbers, CRNs: the
///   same value (dates are compared as dates, however written);
/// - telephone numbers: the same digits (`+44 1206` is `01206`);
///   email addresses: the same address in any case;
/// - local connection: the same grounds in any order;
/// - free text (health, risk, reasons, places): the same words once case,
///   spacing and punctuation are set aside, or the one the other's
///   opening words with more said after them (`MAPPA level 2` and
///   `MAPPA level 2, history of violence`). Words found only inside the
///   other (`violence` in `no history of violence`) are not agreement:
///   what comes before them may deny them.
///
/// Case, spacing and punctuation never matter.
pub fn agree(field: Field, a: &str, b: &str) -> bool {
    use Field::*;
    match field {
        FullName | ReferrerName | CaseLeadName => same_name(a, b),
        PersonPhone | ReferrerPhone | CaseLeadPhone => phone_digits(a) == phone_digits(b),
        PersonEmail | ReferrerEmail | CaseLeadEmail => {
            a.trim().to_lowercase() == b.trim().to_lowercase()
        }
        LocalConnection => {
            let grounds = |s: &str| {
                let mut g: Vec<String> = s.split(',').map(fold).collect();
                g.sort();
                g
            };
            grounds(a) == grounds(b)
        }
        _ if matches!(field.value_kind(), ValueKind::Line | ValueKind::Paragraph) => {
            let (x, y) = (words(a), words(b));
            let (short, long) = if x.len() <= y.len() { (x, y) } else { (y, x) };
            !short.is_empty() && long.starts_with(&short)
        }
        _ => fold(a) == fold(b),
    }
}

/// Of two answers that agree, the one that says more: the full given
/// name over an initial, the longer of two free-text answers.
fn says_more(a: &str, b: &str) -> bool {
    let (x, y) = (fold(a), fold(b));
    x.len() > y.len()
}

/// Lower case, punctuation as space, single spaces.
fn fold(text: &str) -> String {
    words(text).join(" ")
}

fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// `+44 (0)1206 123456`, `01206 123456`: the digits as dialled at home.
fn phone_digits(text: &str) -> String {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    match digits.strip_prefix("440") {
        Some(rest) => format!("0{rest}"),
        None => match digits.strip_prefix("44") {
            Some(rest) if text.trim_start().starts_with('+') || digits.len() > 11 => {
                format!("0{rest}")
            }
            _ => digits,
        },
    }
}

/// The same surname, and each given name the other gives the same or one
/// the initial of the other; a middle name one leaves out is no
/// disagreement, a surname alone against a given name and surname is.
fn same_name(a: &str, b: &str) -> bool {
    let (x, y) = (words(a), words(b));
    let (Some((xs, xg)), Some((ys, yg))) = (x.split_last(), y.split_last()) else {
        return false;
    };
    if xs != ys || xg.is_empty() != yg.is_empty() {
        return false;
    }
    xg.iter().zip(yg.iter()).all(|(p, q)| {
        p == q
            || (p.chars().count() == 1 && q.starts_with(p.as_str()))
            || (q.chars().count() == 1 && p.starts_with(q.as_str()))
    })
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

    fn alone(body: &str) -> ReadReferral {
        let authorities = Authorities::default();
        let ctx = ReadingContext {
            sent_on: NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"),
            authorities: &authorities,
            receiving_authority: None,
        };
        let body = read_form(body);
        read_forms(&[(FormSource::Body, &body)], &ctx)
            .expect("a form")
            .0
    }

    #[test]
    fn a_form_that_answers_a_label_twice_differently_is_asked_again() {
        // A hidden answer above the one shown is the attack; two visible
        // ones are a slip. Either way no answer is chosen silently.
        let twice = FULL.replace(
            "Consent to referral: Yes\n",
            "Consent to referral: Yes\nConsent to referral: No\n",
        );
        let read = alone(&twice);
        assert_eq!(read.conflicts, vec![Field::Consent]);
        assert_eq!(read.outcome, Outcome::Incomplete);
        assert_eq!(read.referral.consent, None);
        assert_eq!(
            describe_conflicting(&read.conflicting_forms),
            "two lines of the email's form"
        );
        let names = FULL.replace(
            "Full name: Sam Example\n",
            "Full name: Hidden Person\nFull name: Sam Example\n",
        );
        let read = alone(&names);
        assert_eq!(read.conflicts, vec![Field::FullName]);
        assert_eq!(read.referral.full_name, None);
        // The same answer twice, or written two ways, is one answer.
        let same = FULL.replace(
            "Date of birth: 14/07/1988\n",
            "Date of birth: 14/07/1988\nDate of birth: 14 July 1988\n",
        );
        let read = alone(&same);
        assert!(read.conflicts.is_empty(), "{read:?}");
        assert_eq!(read.outcome, Outcome::Complete);
    }

    /// The form read from what is seen for certain and from that with
    /// text in doubt shown, as one message's renderings.
    fn seen_and_doubtful(seen: &str, with_doubtful: &str) -> ReadReferral {
        let authorities = Authorities::default();
        let ctx = ReadingContext {
            sent_on: NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"),
            authorities: &authorities,
            receiving_authority: None,
        };
        let (mut seen, mut shown) = (read_form(seen), read_form(with_doubtful));
        seen.doubt_against(&mut shown);
        let forms = [(FormSource::Body, &seen), (FormSource::Body, &shown)];
        read_forms(&forms, &ctx).expect("a form").0
    }

    #[test]
    fn an_answer_given_changed_or_hidden_by_text_in_doubt_is_asked_about() {
        let without_consent = FULL.replace("Consent to referral: Yes\n", "");
        let no_above = FULL.replace(
            "Consent to referral: Yes",
            "Consent to referral: No\nConsent to referral: Yes",
        );
        let no = FULL.replace("Consent to referral: Yes", "Consent to referral: No");
        for (seen, with_doubtful) in [
            // A No in doubt beside, or instead of, the answer seen.
            (FULL, no_above.as_str()),
            (without_consent.as_str(), no.as_str()),
            // A Yes in doubt: never a Yes.
            (without_consent.as_str(), FULL),
        ] {
            let read = seen_and_doubtful(seen, with_doubtful);
            assert_eq!(read.referral.consent, None, "{with_doubtful}");
            assert_eq!(read.conflicts, vec![Field::Consent], "{read:?}");
            assert!(read.invalid.contains(&Field::Consent));
            assert!(!read.missing.contains(&Field::Consent));
            assert_eq!(read.outcome, Outcome::Incomplete);
        }
        // Text in doubt that changes no answer changes nothing.
        let read = seen_and_doubtful(FULL, &format!("Preview of the form\n{FULL}"));
        assert!(read.conflicts.is_empty(), "{read:?}");
        assert_eq!(read.outcome, Outcome::Complete);
    }

    #[test]
    fn a_covering_note_that_takes_consent_back_makes_the_attached_yes_no_yes() {
        for cover in [
            "Please find the form attached.\n\nKind regards\nJo\n\nPS Consent to referral: No\n",
            "Please find the form attached.\nPS Consent to referral: No\n",
            "Please find attached. PS he has withdrawn his consent this morning.\n",
            "Please find attached. He does not give his consent.\n",
            "Please find attached. He has not consented.\n",
            "Please find attached. Consent not obtained.\n",
            "Please note he has not yet signed the consent form.\n",
        ] {
            let (read, _) = both(cover, FULL);
            assert_eq!(read.referral.consent, None, "{cover}");
            assert!(
                read.conflicts.contains(&Field::Consent),
                "{cover}: {read:?}"
            );
        }
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
    fn a_consent_that_cannot_be_read_beside_a_yes_is_no_yes() {
        let unclear =
            "Full name: Sam Example\nConsent to referral: Yes [ ] No [ ] - he is unsure\n";
        let (read, _) = both(unclear, FULL);
        assert_eq!(read.conflicts, vec![Field::Consent], "{read:?}");
        assert_eq!(read.referral.consent, None);
        assert_eq!(read.outcome, Outcome::Incomplete);
        // Beside a No it is no Yes either way: nothing to ask.
        let no = FULL.replace("Consent to referral: Yes", "Consent to referral: No");
        let (read, _) = both(unclear, &no);
        assert!(read.conflicts.is_empty(), "{read:?}");
        assert_eq!(read.referral.consent, Some(false));
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
        // Two whole names apart (neither the surname nor the first name
        // shared) are two people, even on one date of birth: the case
        // holds neither, nor a consent to run a clock on.
        assert!(read.several_people, "{read:?}");
        assert_eq!(read.referral.consent, None);
        assert_eq!(read.referral.date_of_birth, None);
        // A surname typed two ways, or one prison number under both names,
        // is one person asked about the name.
        for other in ["Sam Exampel", "Daniel Whitmore"] {
            let one_number = |name: &str| {
                read_form(&format!(
                    "{}Prison number: A1234BC\n",
                    FULL.replace("Sam Example", name)
                ))
            };
            let (sam, typed) = if other == "Sam Exampel" {
                (
                    read_form(FULL),
                    read_form(&FULL.replace("Sam Example", other)),
                )
            } else {
                (one_number("Sam Example"), one_number(other))
            };
            let forms = [
                (FormSource::Attachment("a.docx".into()), &sam),
                (FormSource::Attachment("b.docx".into()), &typed),
            ];
            let (read, _) = read_forms(&forms, &ctx).expect("a form");
            assert_eq!(read.conflicts, vec![Field::FullName], "{other}");
            assert!(!read.several_people, "{other}");
            assert_eq!(read.referral.consent, Some(true), "{other}");
        }
        // One person's name as people write it: never two people.
        for (first, second) in [
            ("Sam Example", "EXAMPLE, Sam"),
            ("Sam Example", "Example Sam"),
            ("Sam Example", "Mr Sam Example Jr"),
            ("Mohammed Ali", "Muhammad Aly"),
        ] {
            let one = read_form(&FULL.replace("Sam Example", first));
            let other = read_form(&FULL.replace("Sam Example", second));
            let forms = [
                (FormSource::Attachment("a.docx".into()), &one),
                (FormSource::Attachment("b.docx".into()), &other),
            ];
            let (read, _) = read_forms(&forms, &ctx).expect("a form");
            assert!(!read.several_people, "{first} / {second}: {read:?}");
        }
        // The same form attached twice is one referral.
        let forms = [
            (FormSource::Attachment("a.docx".into()), &first),
            (FormSource::Attachment("b.pdf".into()), &first),
        ];
        let (read, _) = read_forms(&forms, &ctx).expect("a form");
        assert_eq!(read.outcome, Outcome::Complete);
        assert!(read.conflicting_forms.is_empty());
    }

    #[test]
    fn names_agree_by_surname_and_given_name_or_its_initial() {
        for (a, b) in [
            ("K Walsh", "Kieran Walsh"),
            ("K. Walsh", "kieran  WALSH"),
            ("Kieran Walsh", "Kieran John Walsh"),
            ("O'Neill, Sean", "O Neill, Sean"),
        ] {
            assert!(agree(Field::FullName, a, b), "{a} / {b}");
            assert!(agree(Field::ReferrerName, b, a), "{b} / {a}");
        }
        for (a, b) in [
            ("Jon Smyth", "Jonathan Smyth"),
            ("K Walsh", "Kieran Welsh"),
            ("J Walsh", "Kieran Walsh"),
            ("Walsh", "Kieran Walsh"),
        ] {
            assert!(!agree(Field::FullName, a, b), "{a} / {b}");
        }
    }

    #[test]
    fn dates_yes_no_phones_and_addresses_agree_when_the_same() {
        assert!(agree(Field::Consent, "Yes", "yes"));
        assert!(!agree(Field::Consent, "Yes", "No"));
        assert!(agree(Field::ReferrerPhone, "01245 000000", "01245-000-000"));
        assert!(agree(
            Field::ReferrerPhone,
            "+44 (0)1245 000000",
            "01245 000000"
        ));
        assert!(agree(
            Field::ReferrerPhone,
            "+44 1245 000000",
            "01245000000"
        ));
        assert!(!agree(Field::ReferrerPhone, "01245 000000", "01245 000001"));
        assert!(agree(
            Field::ReferrerEmail,
            "Jo@Justice.gov.uk",
            "jo@justice.gov.uk"
        ));
        assert!(!agree(
            Field::ReferrerEmail,
            "jo.x@justice.gov.uk",
            "jox@justice.gov.uk"
        ));
        assert!(agree(
            Field::LocalConnection,
            "resident, family",
            "Family, resident"
        ));
        assert!(!agree(
            Field::LocalConnection,
            "resident",
            "resident, family"
        ));
        // Dates are read first: two ways of writing one date are one date.
        let (read, _) = both(
            "Full name: Sam Example\nDate of birth: 14 July 1988\n",
            FULL,
        );
        assert!(read.conflicts.is_empty(), "{read:?}");
        assert_eq!(read.outcome, Outcome::Complete);
    }

    #[test]
    fn free_text_agrees_when_one_says_the_other_and_more() {
        let risk = Field::RiskToOthers;
        assert!(agree(
            risk,
            "MAPPA level 2",
            "mappa level 2, history of violence"
        ));
        assert!(agree(risk, "MAPPA level 2.", "MAPPA  level 2"));
        assert!(!agree(risk, "Low", "MAPPA level 2"));
        assert!(!agree(risk, "violence", "no history of violence"));
        assert!(!agree(Field::MentalHealth, "PTSD", "Anxiety"));
        assert!(!agree(Field::MentalHealth, "", "Anxiety"));
    }

    #[test]
    fn any_field_the_forms_answer_differently_is_a_conflict() {
        let body = FULL
            .replace("Jo Officer\n", "Jo Officer\nRisk to others: MAPPA level 2, history of violence against partner\nMental health: PTSD\n")
            .replace("01245 000000", "01245 111111");
        let attached = format!("{FULL}Risk to others: Low\nMental health: Anxiety\n");
        let (read, _) = both(&body, &attached);
        assert_eq!(
            read.conflicts,
            vec![
                Field::MentalHealth,
                Field::RiskToOthers,
                Field::ReferrerPhone
            ]
        );
        assert_eq!(read.outcome, Outcome::Incomplete);
        assert_eq!(read.referral.risk_to_others, None, "neither risk is taken");
        assert_eq!(read.referral.mental_health, None);
        assert_eq!(read.referral.referrer_phone, None);
        assert!(read.invalid.contains(&Field::RiskToOthers));
        assert!(!read.missing.contains(&Field::ReferrerPhone));
    }

    #[test]
    fn answers_that_agree_keep_the_one_that_says_more() {
        let cover = "Please find the form attached.\nName: K Walsh\n\
            Risk to others: MAPPA level 2\n";
        let form = format!(
            "{}Risk to others: MAPPA level 2, history of violence\n",
            FULL.replace("Sam Example", "Kieran Walsh")
        );
        let (read, _) = both(cover, &form);
        assert!(read.conflicts.is_empty(), "{read:?}");
        assert_eq!(read.outcome, Outcome::Complete);
        assert_eq!(read.referral.full_name.as_deref(), Some("Kieran Walsh"));
        assert_eq!(
            read.referral.risk_to_others.as_deref(),
            Some("MAPPA level 2, history of violence")
        );
        // The fuller answer is kept whichever form it is in.
        let form = format!(
            "{}Risk to others: MAPPA level 2\n",
            FULL.replace("Sam Example", "K Walsh")
        );
        let cover = "Name: Kieran Walsh\nRisk to others: MAPPA level 2, history of violence\n";
        let (read, _) = both(cover, &form);
        assert!(read.conflicts.is_empty(), "{read:?}");
        assert_eq!(read.referral.full_name.as_deref(), Some("Kieran Walsh"));
        assert_eq!(
            read.referral.risk_to_others.as_deref(),
            Some("MAPPA level 2, history of violence")
        );
    }
}
