//! Reads the referral form out of a message's text: which labels are there
//! and the raw text given for each. Typing and validation live in `referral`.

use super::address::EmailAddress;
use super::field::{longest_label_len, normalise_label, Field, ValueKind};
use std::collections::BTreeMap;

/// What the text of one rendering of a message says.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FormReading {
    /// The `DUTY TO REFER REFERRAL` heading was present.
    pub heading: bool,
    /// Raw values, first occurrence of each label only, placeholders removed.
    pub values: BTreeMap<Field, String>,
    /// Labels seen, with or without a value.
    pub labels: usize,
    /// The sender named in the header block of the forwarded message the
    /// form was read from, when it was forwarded inline.
    pub forwarded_from: Option<EmailAddress>,
}

impl FormReading {
    /// A message is a referral by its heading or by at least three labels
    /// that carry a value; a form with no values at all (the blank form,
    /// quoted back) is no referral, heading or not.
    pub fn is_referral(&self) -> bool {
        (self.heading && !self.values.is_empty()) || self.values.len() >= 3
    }
}

/// Separates a label cell from its value cell in rendered HTML tables.
pub const CELL_SEPARATOR: char = '\t';

const PLACEHOLDERS: [&str; 5] = [
    "[dutytorefer/helptokeepaccommodation]",
    "[dd/mm/yyyy]",
    "[remand/sentenced/community/released]",
    "[yes/no]",
    "[resident,employed,family,specialcircumstances,none]",
];

const SIGN_OFFS: [&str; 14] = [
    "kind regards",
    "regards",
    "best regards",
    "warm regards",
    "best wishes",
    "many thanks",
    "thanks",
    "thank you",
    "yours sincerely",
    "yours faithfully",
    "sent from my",
    "get outlook for",
    "with thanks",
    "cheers",
];

/// Reads the form from text whose lines are as a person would see them.
///
/// A forwarded message's form wins over the forwarder's note above it: at
/// the forward's header block, what was read so far is dropped unless it is
/// already a referral (then the forward is older mail below the form).
pub fn read_form(text: &str) -> FormReading {
    let lines: Vec<&str> = text.lines().map(unquote).collect();
    // Each line is looked at as a label once, though the value search below
    // asks about a line up to three times.
    let labelled: Vec<Option<LabelLine<'_>>> = lines.iter().map(|l| split_label(l)).collect();
    let is_label = |at: usize| labelled.get(at).is_some_and(Option::is_some);
    let mut reading = FormReading::default();
    let mut in_signature = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if let Some(forwarded_from) = forward_header(&lines, i - 1) {
            if reading.is_referral() {
                break;
            }
            reading = FormReading {
                forwarded_from,
                ..FormReading::default()
            };
            in_signature = false;
            continue;
        }
        if in_signature {
            continue;
        }
        if is_heading(line) {
            reading.heading = true;
            continue;
        }
        if reading.labels > 0 && ends_form(line) {
            if reading.is_referral() {
                break;
            }
            // A signature below a note: skip it, a forwarded form may follow.
            in_signature = true;
            continue;
        }
        let Some(found) = labelled[i - 1].as_ref() else {
            continue;
        };
        reading.labels += 1;
        let kind = found.field.value_kind();
        let mut value = clean_value(found.value);
        if value.is_empty() && !found.from_table {
            // The value may stand on the next line, one blank line at most
            // away (Outlook writes label and value as two paragraphs).
            let mut j = i;
            if j < lines.len() && lines[j].trim().is_empty() {
                j += 1;
            }
            if let Some(next) = lines.get(j).copied() {
                let next_clean = clean_value(next);
                if !next_clean.is_empty()
                    && !is_label(j)
                    && !is_heading(next)
                    && !ends_form(next)
                    && fits_on_next_line(kind, &next_clean)
                {
                    value = next_clean;
                    i = j + 1;
                }
            }
        }
        if kind == ValueKind::Paragraph && !value.is_empty() {
            while let Some(next) = lines.get(i).copied() {
                if next.trim().is_empty() || is_label(i) || is_heading(next) || ends_form(next) {
                    break;
                }
                value.push(' ');
                value.push_str(&clean_value(next));
                i += 1;
            }
        }
        let value = normalise_space(&value);
        if value.is_empty() || is_placeholder(&value) {
            continue;
        }
        // The first occurrence wins: a signature's `Name:` never overrides.
        reading.values.entry(found.field).or_insert(value);
    }
    reading
}

struct LabelLine<'a> {
    field: Field,
    value: &'a str,
    from_table: bool,
}

fn split_label(line: &str) -> Option<LabelLine<'_>> {
    // A table row keeps its cell separator even when the value cell is
    // empty (`Prison number<TAB>`), so look for it before trimming.
    if let Some((left, right)) = line.trim_start().split_once(CELL_SEPARATOR) {
        let left = left.trim().trim_end_matches(':');
        return Field::from_label(left).map(|field| LabelLine {
            field,
            value: right,
            from_table: true,
        });
    }
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    if let Some((left, right)) = line.split_once(':') {
        if left.len() <= longest_label_len() + 8 {
            if let Some(field) = Field::from_label(left) {
                return Some(LabelLine {
                    field,
                    value: right,
                    from_table: false,
                });
            }
        }
    }
    // A label alone on its line has no digits and no address in it.
    let could_be_bare_label = line.len() <= longest_label_len() + 8
        && !line.bytes().any(|b| b.is_ascii_digit() || b == b'@');
    if could_be_bare_label {
        if let Some(field) = Field::from_label(line) {
            return Some(LabelLine {
                field,
                value: "",
                from_table: false,
            });
        }
    }
    None
}

/// A value found on the line after its label must look like that kind of
/// value, so that a signature below an empty last field is not taken for it.
fn fits_on_next_line(kind: ValueKind, value: &str) -> bool {
    let digits = value.chars().filter(|c| c.is_ascii_digit()).count();
    match kind {
        ValueKind::Phone => digits >= 6,
        ValueKind::Email => value.contains('@'),
        ValueKind::Date | ValueKind::Identifier => digits > 0,
        ValueKind::Boolean => value.len() <= 40,
        ValueKind::Line | ValueKind::Choice => value.chars().count() <= 120,
        ValueKind::Paragraph => true,
    }
}

fn is_heading(line: &str) -> bool {
    // Cheap test first: this runs on every line.
    let trimmed = line.trim();
    trimmed.len() <= 48
        && trimmed.len() >= 22
        && normalise_label(trimmed) == "duty to refer referral"
}

fn ends_form(line: &str) -> bool {
    let trimmed = line.trim();
    if trimmed == "--" {
        return true;
    }
    // Cheap test first: this runs on most lines, and every sign-off starts
    // with one of these letters.
    let starts_like_a_sign_off = trimmed
        .chars()
        .next()
        .is_some_and(|c| "kKrRbBwWmMtTyYsSgGcC".contains(c));
    if trimmed.len() > 60 || !starts_like_a_sign_off {
        return false;
    }
    let normalised = normalise_label(trimmed);
    SIGN_OFFS.iter().any(|s| {
        normalised == *s
            || normalised
                .strip_prefix(s)
                .is_some_and(|rest| rest.starts_with(' ') && *s == "sent from my")
    })
}

/// At the start of a forwarded message (a separator line, or an inline
/// `From:` header block), the forwarded sender's address, if named.
/// `None` when this line does not start a forward.
#[allow(clippy::option_option)]
fn forward_header(lines: &[&str], at: usize) -> Option<Option<EmailAddress>> {
    let line = lines[at].trim();
    // Cheap test first: this runs on every line.
    if !line.starts_with(['_', '-', 'B', 'b', 'F', 'f', '*']) {
        return None;
    }
    let lower = line.to_lowercase();
    let squashed: String = lower.chars().filter(|c| c.is_alphanumeric()).collect();
    let separator = (line.len() >= 10 && line.chars().all(|c| c == '_'))
        || (line.starts_with('-')
            && (squashed == "forwardedmessage" || squashed == "originalmessage"))
        || lower.starts_with("begin forwarded message");
    let header_block = is_from_line(line)
        && lines.iter().skip(at + 1).take(4).any(|l| {
            let l = l.trim().trim_start_matches('*').to_lowercase();
            l.starts_with("sent:") || l.starts_with("date:")
        });
    if !separator && !header_block {
        return None;
    }
    let from = lines
        .iter()
        .skip(at)
        .take(6)
        .filter(|l| is_from_line(l.trim()))
        .find_map(|l| EmailAddress::find_in(l));
    Some(from)
}

fn is_from_line(line: &str) -> bool {
    let line = line.trim_start_matches('*');
    line.len() > 5
        && line
            .get(..5)
            .is_some_and(|head| head.eq_ignore_ascii_case("from:"))
}

/// Strips `>` quoting, so a form in a quoted forward still reads.
fn unquote(line: &str) -> &str {
    let mut rest = line;
    loop {
        let trimmed = rest.trim_start_matches([' ', '\u{a0}']);
        match trimmed.strip_prefix('>') {
            Some(after) => rest = after,
            None => {
                return if rest.len() == line.len() {
                    line
                } else {
                    trimmed
                }
            }
        }
    }
}

fn clean_value(value: &str) -> String {
    let value = value
        .trim_matches(|c: char| c.is_whitespace())
        .trim_start_matches('*')
        .trim_end_matches('*');
    normalise_space(value)
}

/// Every run of white space (non-breaking spaces included) becomes one space.
pub fn normalise_space(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_whitespace() || c == '\u{200b}') {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

fn is_placeholder(value: &str) -> bool {
    let squashed: String = value
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    PLACEHOLDERS.contains(&squashed.as_str())
}

#[cfg(test)]
mod tests {
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
    fn an_empty_last_field_does_not_swallow_the_signature() {
        let r = read_form("Referrer phone: 01234 567890\nCase lead phone:\n\nJo Officer\nHMPPS\n");
        assert!(!r.values.contains_key(&Field::CaseLeadPhone));
    }
}
