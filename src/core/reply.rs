//! What an answer in a case's thread says of the case's lead officer:
//! `Lead officer:`, `Email:` and `Telephone:` lines in the answer's own text,
//! above whatever it quotes.

use super::address::EmailAddress;
use super::field::normalise_label;
use super::referral::PhoneNumber;

/// A lead officer as an answer names them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NamedLead {
    pub name: Option<String>,
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
}

impl NamedLead {
    /// Names someone: a name or an address.
    pub fn is_named(&self) -> bool {
        self.name.is_some() || self.email.is_some()
    }

    /// The same person as `other`: same address, or same name when either
    /// has no address.
    pub fn same_person(&self, other: &NamedLead) -> bool {
        match (&self.email, &other.email) {
            (Some(a), Some(b)) => a == b,
            _ => match (&self.name, &other.name) {
                (Some(a), Some(b)) => a.trim().eq_ignore_ascii_case(b.trim()),
                _ => false,
            },
        }
    }

    /// `Jo Officer <jo.officer@council.gov.uk>`, as `case REF respond --lead` takes it.
    pub fn parse_contact(text: &str) -> Option<NamedLead> {
        let email = EmailAddress::find_in(text);
        let name = match text.find('<') {
            Some(i) => text[..i].trim(),
            None if email.is_some() => "",
            None => text.trim(),
        }
        .trim_matches('"')
        .trim();
        let lead = NamedLead {
            name: (!name.is_empty()).then(|| name.to_string()),
            email,
            phone: None,
        };
        lead.is_named().then_some(lead)
    }
}

const NAME_LABELS: [&str; 9] = [
    "lead officer",
    "named lead officer",
    "lead officer name",
    "named contact",
    "case officer",
    "housing officer",
    "case lead",
    "lead contact",
    "probation lead",
];
const EMAIL_LABELS: [&str; 5] = [
    "email",
    "e mail",
    "email address",
    "e mail address",
    "lead officer email",
];
const PHONE_LABELS: [&str; 6] = [
    "telephone",
    "tel",
    "phone",
    "telephone number",
    "phone number",
    "direct line",
];

/// Reads the lead officer from an answer's text. Only the answer's own
/// lines count: reading stops where the quoted message begins (`>` lines,
/// `On ... wrote:`, an `-----Original Message-----` or `From:` header block),
/// so that the gateway's own mail, quoted back, is never taken for an answer.
pub fn read_named_lead(text: &str) -> Option<NamedLead> {
    let mut lead = NamedLead::default();
    for line in text.lines() {
        let line = line.trim();
        if starts_quote(line) {
            break;
        }
        let Some((label, value)) = line.split_once(':') else {
            continue;
        };
        let label = normalise_label(label);
        let value = value.trim();
        // Empty, or the gateway's own prompt left as it was: `(name)`.
        if value.is_empty() || value.starts_with('(') || value.starts_with('[') {
            continue;
        }
        if NAME_LABELS.contains(&label.as_str()) && lead.name.is_none() {
            // `Lead officer: Jo Officer <jo@council.gov.uk>` names both.
            if let Some(contact) = NamedLead::parse_contact(value) {
                lead.name = contact.name;
                lead.email = lead.email.or(contact.email);
            }
        } else if EMAIL_LABELS.contains(&label.as_str()) && lead.email.is_none() {
            lead.email = EmailAddress::find_in(value);
        } else if PHONE_LABELS.contains(&label.as_str()) && lead.phone.is_none() {
            lead.phone = PhoneNumber::parse(value);
        }
    }
    // An address or a phone alone (a signature) names no one.
    lead.name.is_some().then_some(lead)
}

fn starts_quote(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    line.starts_with('>')
        || (lower.starts_with("on ") && lower.ends_with("wrote:"))
        || lower.starts_with("-----original message")
        || lower.starts_with("________________")
        || lower.starts_with("from:")
        || lower.starts_with("sent:")
        || lower.starts_with("-------- forwarded message")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_lines_name_the_lead() {
        let text = "Good morning,\n\nWe have accepted the referral.\n\nLead officer: Jo Officer\n\
                    Email: jo.officer@colchester.gov.uk\nTelephone: 01206 500 123\n\nKind regards\n";
        let lead = read_named_lead(text).expect("a lead");
        assert_eq!(lead.name.as_deref(), Some("Jo Officer"));
        assert_eq!(
            lead.email.as_ref().map(|e| e.as_str()),
            Some("jo.officer@colchester.gov.uk")
        );
        assert_eq!(
            lead.phone.as_ref().map(|p| p.as_str()),
            Some("01206 500 123")
        );
    }

    #[test]
    fn one_line_with_name_and_address() {
        let lead = read_named_lead("Named lead officer: \"Jo Officer\" <jo@colchester.gov.uk>")
            .expect("a lead");
        assert_eq!(lead.name.as_deref(), Some("Jo Officer"));
        assert_eq!(
            lead.email.as_ref().map(|e| e.as_str()),
            Some("jo@colchester.gov.uk")
        );
    }

    #[test]
    fn quoted_text_is_not_read() {
        for quote in [
            "> Lead officer: Someone Else",
            "On Mon, 23 Nov 2026 at 10:00, DTR <dtr@x.gov.uk> wrote:\nLead officer: Someone Else",
            "-----Original Message-----\nLead officer: Someone Else",
            "From: Colchester Duty to Refer\nSent: Monday\nLead officer: Someone Else",
        ] {
            let text = format!("Thanks, noted.\n\n{quote}\n");
            assert_eq!(read_named_lead(&text), None, "{quote}");
        }
    }

    #[test]
    fn the_prompt_left_unfilled_names_no_one() {
        let text =
            "Done.\nLead officer: (name)\nEmail: (email address)\nTelephone: (telephone number)\n";
        assert_eq!(read_named_lead(text), None);
    }

    #[test]
    fn a_signature_alone_names_no_one() {
        assert_eq!(
            read_named_lead("Thanks\nEmail: team@colchester.gov.uk\nTel: 01206 500000"),
            None
        );
    }

    #[test]
    fn contacts_as_the_command_line_gives_them() {
        let both = NamedLead::parse_contact("Jo Officer <jo@colchester.gov.uk>").expect("named");
        assert_eq!(both.name.as_deref(), Some("Jo Officer"));
        let address = NamedLead::parse_contact("jo@colchester.gov.uk").expect("named");
        assert_eq!(address.name, None);
        assert!(address.email.is_some());
        assert_eq!(NamedLead::parse_contact("  "), None);
        let a = NamedLead::parse_contact("Jo Officer").expect("named");
        let b = NamedLead::parse_contact("jo officer <jo@colchester.gov.uk>").expect("named");
        assert!(a.same_person(&b));
        assert!(!both
            .same_person(&NamedLead::parse_contact("Kim <kim@colchester.gov.uk>").expect("named")));
    }
}
