//! The local housing authorities a deployment serves, and how a referral
//! names one.

use super::address::EmailAddress;
use super::case_ref::ShortCode;
use super::field::normalise_label;
use serde::{Deserialize, Serialize};

/// A named person at an email address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub email: EmailAddress,
}

/// One local housing authority as Annex A describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authority {
    pub name: String,
    /// The name in full, as a sentence gives it ("Colchester City
    /// Council"); the short name when not configured.
    #[serde(default)]
    pub full_name: Option<String>,
    pub code: ShortCode,
    /// Other names referrers use, such as `Southend-on-Sea`.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The Duty to Refer inbox.
    pub inbox: EmailAddress,
    /// The mail domains of the authority's own staff, lower case; the
    /// inbox's domain when none are configured. Only these, and the exact
    /// addresses of its contacts, speak for it.
    #[serde(default)]
    pub domains: Vec<String>,
    pub operational_lead: Contact,
    pub dispute_contact: Contact,
    /// A further senior contact escalations also go to (Annex A gives
    /// the operational lead as dispute-resolution contact at several
    /// authorities).
    #[serde(default)]
    pub next_level: Option<Contact>,
    /// Days the authority is closed besides weekends and bank holidays
    /// (between Christmas and New Year, say): its deadlines and follow-ups
    /// skip them.
    #[serde(default)]
    pub closed_days: Vec<chrono::NaiveDate>,
    /// A morning digest to the inbox on working days (on unless set off).
    #[serde(default = "on")]
    pub digest: bool,
    /// The named people who may sign in to the web view for this authority
    /// (never the shared inbox): each sees this authority's cases only.
    #[serde(default)]
    pub officers: Vec<EmailAddress>,
}

fn on() -> bool {
    true
}

impl Authority {
    /// Annex A gives the operational lead as the dispute-resolution contact
    /// too, by address or by name (Colchester: one person, two addresses).
    pub fn dispute_contact_is_lead(&self) -> bool {
        let (lead, dispute) = (&self.operational_lead, &self.dispute_contact);
        lead.email == dispute.email || lead.name.trim().eq_ignore_ascii_case(dispute.name.trim())
    }

    /// The name a sentence uses: "Colchester City Council".
    pub fn full_name(&self) -> &str {
        self.full_name.as_deref().unwrap_or(&self.name)
    }

    /// Addresses that speak for the authority: its inbox, its contacts'
    /// exact addresses, and any address at its own domains. A contact's
    /// domain is not the authority's (Rochford's dispute contact is at
    /// Brentwood), nor is a look-alike (`.gov.co.uk`).
    pub fn speaks_for(&self, address: &EmailAddress) -> bool {
        self.contact_addresses().any(|a| a == address) || self.owns_domain(&address.domain())
    }

    /// Is `domain` one of the authority's own?
    pub fn owns_domain(&self, domain: &str) -> bool {
        let domain = domain.to_ascii_lowercase();
        if self.domains.is_empty() {
            self.inbox.domain() == domain
        } else {
            self.domains.contains(&domain)
        }
    }

    /// The inbox and the contacts' addresses.
    pub fn contact_addresses(&self) -> impl Iterator<Item = &EmailAddress> {
        std::iter::once(&self.inbox)
            .chain([&self.operational_lead.email, &self.dispute_contact.email])
            .chain(self.next_level.iter().map(|c| &c.email))
    }
}

/// Every authority of the deployment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Authorities(Vec<Authority>);

const COUNCIL_WORDS: [&str; 11] = [
    "borough council",
    "district council",
    "city council",
    "county council",
    "council",
    "city",
    "borough",
    "district",
    "dc",
    "bc",
    "cc",
];

impl Authorities {
    pub fn new(list: Vec<Authority>) -> Self {
        Authorities(list)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Authority> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn by_code(&self, code: &str) -> Option<&Authority> {
        self.0
            .iter()
            .find(|a| a.code.as_str().eq_ignore_ascii_case(code))
    }

    /// Matches what a referrer wrote: `Colchester`, `Colchester Borough
    /// Council`, `colchester city council`, or a configured alias.
    pub fn by_name(&self, written: &str) -> Option<&Authority> {
        let wanted = strip_council_words(&normalise_label(written));
        if wanted.is_empty() {
            return None;
        }
        self.0.iter().find(|a| {
            std::iter::once(&a.name)
                .chain(a.aliases.iter())
                .any(|n| same_name(&strip_council_words(&normalise_label(n)), &wanted))
        })
    }

    /// The authority whose Duty to Refer inbox this is.
    pub fn by_inbox(&self, address: &EmailAddress) -> Option<&Authority> {
        self.0.iter().find(|a| &a.inbox == address)
    }
}

/// `Castlepoint` is Castle Point: spaces do not tell names apart.
fn same_name(a: &str, b: &str) -> bool {
    a == b
        || a.chars()
            .filter(|c| *c != ' ')
            .eq(b.chars().filter(|c| *c != ' '))
}

fn strip_council_words(name: &str) -> String {
    let mut name = name.trim().to_string();
    if let Some(rest) = name.strip_prefix("the ") {
        name = rest.to_string();
    }
    for word in COUNCIL_WORDS {
        if let Some(rest) = name.strip_suffix(word) {
            if rest.ends_with(' ') {
                return rest.trim().to_string();
            }
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn colchester() -> Authority {
        let email = |s: &str| EmailAddress::parse(s).expect("valid");
        Authority {
            name: "Colchester".into(),
            full_name: None,
            code: ShortCode::parse("COL").expect("valid"),
            aliases: vec![],
            inbox: email("dutytorefer@colchester.gov.uk"),
            domains: vec!["colchester.gov.uk".into()],
            operational_lead: Contact {
                name: "Lead".into(),
                email: email("lead@colchester.gov.uk"),
            },
            dispute_contact: Contact {
                name: "Senior".into(),
                email: email("senior@colchester.gov.uk"),
            },
            next_level: None,
            closed_days: vec![],
            digest: true,
            officers: vec![],
        }
    }

    #[test]
    fn only_its_own_domains_and_contacts_speak_for_it() {
        let mut a = colchester();
        a.dispute_contact.email = EmailAddress::parse("head@brentwood.gov.uk").expect("valid");
        let speaks = |s: &str| a.speaks_for(&EmailAddress::parse(s).expect("valid"));
        assert!(speaks("peter.quill@colchester.gov.uk"));
        assert!(speaks("Head@Brentwood.gov.uk"));
        assert!(!speaks("anyone@brentwood.gov.uk"));
        assert!(!speaks("peter@colchester.gov.co.uk"));
        assert!(!speaks("peter@mail.colchester.gov.uk"));
    }

    #[test]
    fn names_match_with_or_without_council_words() {
        let all = Authorities::new(vec![colchester()]);
        for written in [
            "Colchester",
            "Colchester Borough Council",
            "colchester city council",
            "COLCHESTER.",
        ] {
            assert!(all.by_name(written).is_some(), "{written}");
        }
        let mut castle_point = colchester();
        castle_point.name = "Castle Point".into();
        castle_point.code = ShortCode::parse("CPT").expect("valid");
        let mut epping = colchester();
        epping.name = "Epping Forest".into();
        epping.code = ShortCode::parse("EPP").expect("valid");
        let all = Authorities::new(vec![colchester(), castle_point, epping]);
        for (written, meant) in [
            ("Castlepoint", "Castle Point"),
            ("Castle Point BC", "Castle Point"),
            ("Epping Forest DC", "Epping Forest"),
            ("Colchester CC", "Colchester"),
        ] {
            assert_eq!(
                all.by_name(written).map(|a| a.name.as_str()),
                Some(meant),
                "{written}"
            );
        }
        assert!(all.by_name("Council").is_none());
        assert!(all.by_name("Norwich City Council").is_none());
        let inbox = EmailAddress::parse("DutyToRefer@Colchester.gov.uk").expect("valid");
        assert!(all.by_inbox(&inbox).is_some());
    }
}
