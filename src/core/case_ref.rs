//! Case references: `DTR-COL-2026-00042`.

use regex::Regex;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

/// An authority's three-letter code, as used in case references.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ShortCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a short code: three capital letters, such as COL")]
pub struct NotAShortCode(pub String);

impl ShortCode {
    pub fn parse(text: &str) -> Result<Self, NotAShortCode> {
        if text.len() == 3 && text.chars().all(|c| c.is_ascii_uppercase()) {
            Ok(ShortCode(text.to_string()))
        } else {
            Err(NotAShortCode(text.to_string()))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ShortCode {
    type Error = NotAShortCode;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        ShortCode::parse(&value)
    }
}
impl From<ShortCode> for String {
    fn from(value: ShortCode) -> Self {
        value.0
    }
}
impl fmt::Display for ShortCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A case reference: the authority, the year the case was opened and its
/// number in that authority's sequence for the year.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CaseRef {
    pub authority: ShortCode,
    pub year: i32,
    pub sequence: u32,
}

/// People retype references as they like: `dtr-col-2026-00001` is the same.
static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)DTR-([A-Z]{3})-(\d{4})-(\d{5})(?:[^\d]|$)").expect("static pattern")
});

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a case reference such as DTR-COL-2026-00042")]
pub struct NotACaseRef(pub String);

impl CaseRef {
    pub fn new(authority: ShortCode, year: i32, sequence: u32) -> Self {
        CaseRef {
            authority,
            year,
            sequence,
        }
    }

    /// The first case reference anywhere in `text` (a subject, a header).
    pub fn find_in(text: &str) -> Option<CaseRef> {
        PATTERN.captures(text).and_then(|c| {
            Some(CaseRef {
                authority: ShortCode::parse(&c[1].to_ascii_uppercase()).ok()?,
                year: c[2].parse().ok()?,
                sequence: c[3].parse().ok()?,
            })
        })
    }
}

impl FromStr for CaseRef {
    type Err = NotACaseRef;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        match CaseRef::find_in(s) {
            Some(r) if s.len() == 18 && s.is_ascii() => Ok(r),
            _ => Err(NotACaseRef(s.to_string())),
        }
    }
}

impl fmt::Display for CaseRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "DTR-{}-{:04}-{:05}",
            self.authority, self.year, self.sequence
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_find() {
        let r: CaseRef = "DTR-COL-2026-00042".parse().expect("valid");
        assert_eq!(r.sequence, 42);
        assert_eq!(r.to_string(), "DTR-COL-2026-00042");
        let found = CaseRef::find_in("RE: [DTR-BAS-2027-00001] Referral received").expect("found");
        assert_eq!(found.to_string(), "DTR-BAS-2027-00001");
        let typed: CaseRef = "dtr-col-2026-00042".parse().expect("any letter case");
        assert_eq!(typed, r);
        let found = CaseRef::find_in("RE: [dtr-bas-2027-00001] thanks").expect("found");
        assert_eq!(found.to_string(), "DTR-BAS-2027-00001");
        assert!(CaseRef::find_in("DTR-BAS-2027-000011").is_none());
        assert!("DTR-COL-2026-000421".parse::<CaseRef>().is_err());
    }
}
