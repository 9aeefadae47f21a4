//! Email addresses and the domain patterns that say who may refer.

use regex::Regex;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::LazyLock;

static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+")
        .expect("static pattern")
});

/// The longest address mail can carry: a path of 256 octets, its angle
/// brackets included (RFC 5321 section 4.5.3.1.3).
pub const MAX_ADDRESS_LEN: usize = 254;

/// An email address, kept as written (local parts are case-sensitive in
/// principle); compared without regard to case, as every real server does.
#[derive(Clone, Debug, Serialize, Deserialize, Eq)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an email address")]
pub struct NotAnAddress(pub String);

impl EmailAddress {
    /// Accepts exactly one bare address, of at most [`MAX_ADDRESS_LEN`]
    /// characters.
    pub fn parse(text: &str) -> Result<Self, NotAnAddress> {
        let text = text.trim();
        if text.len() > MAX_ADDRESS_LEN {
            return Err(NotAnAddress(text.to_string()));
        }
        match ADDRESS.find(text) {
            Some(m) if m.start() == 0 && m.end() == text.len() && !text.contains("..") => {
                Ok(EmailAddress(text.to_string()))
            }
            _ => Err(NotAnAddress(text.to_string())),
        }
    }

    /// Finds the first address in free text such as `Jo <jo@x.gov.uk>`,
    /// `jo@x.gov.uk<mailto:jo@x.gov.uk>` or `[jo@x.gov.uk]`.
    pub fn find_in(text: &str) -> Option<Self> {
        let text = text.trim_start_matches(|c: char| c.is_whitespace());
        let found = ADDRESS.find(text)?;
        let address = found
            .as_str()
            .trim_start_matches("mailto:")
            .trim_matches('.');
        EmailAddress::parse(address).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The domain, lower-cased.
    pub fn domain(&self) -> String {
        self.0
            .rsplit_once('@')
            .map(|(_, d)| d.to_ascii_lowercase())
            .unwrap_or_default()
    }

    /// The same person's mailbox: the same address, or one of them its
    /// CJSM form (`jo@justice.gov.uk.cjsm.net` is `jo@justice.gov.uk`
    /// writing through the Criminal Justice Secure Mail relay).
    pub fn same_mailbox(&self, other: &EmailAddress) -> bool {
        let plain = |a: &EmailAddress| {
            let (local, domain) = a.0.rsplit_once('@').unwrap_or((a.0.as_str(), ""));
            let domain = domain.to_ascii_lowercase();
            let domain = domain
                .strip_suffix(".cjsm.net")
                .unwrap_or(&domain)
                .to_string();
            (local.to_lowercase(), domain)
        };
        self == other || plain(self) == plain(other)
    }

    /// Whether both addresses belong to one organisation: the same
    /// registrable domain, a CJSM address (`name@org.uk.cjsm.net`) counting
    /// as its organisation's own. A national mail service that many
    /// organisations share (NHSmail's `nhs.net`, CJSM's own `cjsm.net`) is
    /// nobody's organisation: two of its users are strangers.
    pub fn same_organisation(&self, other: &EmailAddress) -> bool {
        const SHARED_SERVICES: [&str; 2] = ["nhs.net", "cjsm.net"];
        let org = |a: &EmailAddress| {
            let domain = a.domain();
            let domain = domain
                .strip_suffix(".cjsm.net")
                .unwrap_or(&domain)
                .to_string();
            organisational_domain(&domain)
        };
        let (a, b) = (org(self), org(other));
        !a.is_empty() && a == b && !SHARED_SERVICES.contains(&a.as_str())
    }
}

/// An address as its mailbox receives it: lower case, a `+tag` dropped
/// (`dtr+web@council.gov.uk` is delivered to `dtr@council.gov.uk`). Text
/// that is no address (an IMAP user name) is only lower-cased.
pub fn untagged(address: &str) -> String {
    let lower = address.to_lowercase();
    match lower.rsplit_once('@') {
        Some((local, domain)) => {
            let local = local.split_once('+').map_or(local, |(l, _)| l);
            format!("{local}@{domain}")
        }
        None => lower,
    }
}

/// The registrable domain of `domain` under the Public Suffix List
/// (`colchester.gov.uk` for `mail.colchester.gov.uk`; `gov.uk` is a public
/// suffix, owned by nobody); the domain itself when the list has no answer.
pub fn organisational_domain(domain: &str) -> String {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    match psl::domain_str(&domain) {
        Some(registrable) => registrable.to_string(),
        None if psl::suffix_str(&domain) == Some(domain.as_str()) => String::new(),
        None => domain,
    }
}

impl PartialEq for EmailAddress {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl std::hash::Hash for EmailAddress {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.to_ascii_lowercase().hash(state)
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = NotAnAddress;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        EmailAddress::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(value: EmailAddress) -> Self {
        value.0
    }
}

/// A text with every word holding an `@` replaced by `(address)`: for
/// errors that go to logs and monitors, where a server's message (a refused
/// login naming its account, a relay refusing a recipient) may name anyone.
pub fn without_addresses(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if word.contains('@') {
                "(address)"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `justice.gov.uk` (that domain exactly) or `*.gov.uk` (any domain under it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DomainPattern {
    suffix: String,
    wildcard: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a domain or a `*.domain` pattern")]
pub struct NotADomainPattern(pub String);

impl DomainPattern {
    pub fn parse(text: &str) -> Result<Self, NotADomainPattern> {
        let lowered = text.trim().to_ascii_lowercase();
        let (wildcard, domain) = match lowered.strip_prefix("*.") {
            Some(rest) => (true, rest.to_string()),
            None => (false, lowered),
        };
        let valid = domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            });
        if !valid {
            return Err(NotADomainPattern(text.to_string()));
        }
        Ok(DomainPattern {
            suffix: domain,
            wildcard,
        })
    }

    pub fn matches(&self, domain: &str) -> bool {
        let domain = domain.to_ascii_lowercase();
        if self.wildcard {
            domain
                .strip_suffix(&self.suffix)
                .is_some_and(|head| head.ends_with('.'))
        } else {
            domain == self.suffix
        }
    }
}

impl TryFrom<String> for DomainPattern {
    type Error = NotADomainPattern;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        DomainPattern::parse(&value)
    }
}

impl From<DomainPattern> for String {
    fn from(value: DomainPattern) -> Self {
        if value.wildcard {
            format!("*.{}", value.suffix)
        } else {
            value.suffix
        }
    }
}

impl fmt::Display for DomainPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.wildcard {
            write!(f, "*.{}", self.suffix)
        } else {
            f.write_str(&self.suffix)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisations() {
        let a = |s: &str| EmailAddress::parse(s).expect("address");
        assert!(a("jo@justice.gov.uk").same_organisation(&a("kim@justice.gov.uk")));
        assert!(a("jo@justice.gov.uk").same_organisation(&a("kim@justice.gov.uk.cjsm.net")));
        assert!(a("jo@justice.gov.uk").same_mailbox(&a("Jo@Justice.gov.uk.cjsm.net")));
        assert!(!a("jo@justice.gov.uk").same_mailbox(&a("kim@justice.gov.uk.cjsm.net")));
        assert!(!a("jo@justice.gov.uk").same_mailbox(&a("jo@justice.gov.uk.evil.net")));
        assert!(a("jo@mail.colchester.gov.uk").same_organisation(&a("kim@colchester.gov.uk")));
        assert!(!a("jo@colchester.gov.uk").same_organisation(&a("kim@basildon.gov.uk")));
        assert!(!a("jo@gov.uk").same_organisation(&a("kim@gov.uk")));
        // NHSmail serves every NHS body: its users are not one employer.
        assert!(!a("ward.nurse@nhs.net").same_organisation(&a("anyone@nhs.net")));
        assert_eq!(organisational_domain("gov.uk"), "");
        assert_eq!(organisational_domain("x.justice.gov.uk"), "justice.gov.uk");
    }

    #[test]
    fn addresses_are_found_in_what_mail_programs_write() {
        for text in [
            "jo.bloggs@justice.gov.uk",
            "Jo Bloggs <jo.bloggs@justice.gov.uk>",
            "jo.bloggs@justice.gov.uk<mailto:jo.bloggs@justice.gov.uk>",
            "[jo.bloggs@justice.gov.uk]",
            "mailto:jo.bloggs@justice.gov.uk",
        ] {
            let found = EmailAddress::find_in(text).map(|a| a.to_string());
            assert_eq!(found.as_deref(), Some("jo.bloggs@justice.gov.uk"), "{text}");
        }
        assert!(EmailAddress::find_in("jo.bloggs at justice").is_none());
        assert!(EmailAddress::parse("a@b").is_err());
        // No longer than mail can carry.
        let domain = "justice.gov.uk";
        let longest = format!(
            "{}@{domain}",
            "j".repeat(MAX_ADDRESS_LEN - domain.len() - 1)
        );
        assert!(EmailAddress::parse(&longest).is_ok());
        assert!(EmailAddress::parse(&format!("j{longest}")).is_err());
    }

    #[test]
    fn domain_patterns() {
        let exact = DomainPattern::parse("justice.gov.uk").expect("valid");
        assert!(exact.matches("JUSTICE.gov.uk"));
        assert!(!exact.matches("x.justice.gov.uk"));
        let wild = DomainPattern::parse("*.gov.uk").expect("valid");
        assert!(wild.matches("essex.gov.uk"));
        assert!(wild.matches("a.b.gov.uk"));
        assert!(!wild.matches("gov.uk"));
        assert!(!wild.matches("evilgov.uk"));
        assert!(DomainPattern::parse("*").is_err());
        assert!(DomainPattern::parse("not a domain").is_err());
    }
}
