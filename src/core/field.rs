//! The labels of the standard referral form and what kind of value each takes.

/// One field of the referral form (contract v2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    ReferralType,
    FullName,
    DateOfBirth,
    PrisonNumber,
    Crn,
    CurrentLocation,
    CustodyStatus,
    ExpectedReleaseDate,
    Consent,
    PersonPhone,
    PersonEmail,
    CurrentAccommodation,
    RoughSleepingRisk,
    ExistingTenancy,
    HomelessnessReason,
    Lha,
    LocalConnection,
    LocalConnectionDetails,
    NoConnectionReason,
    PhysicalHealth,
    MentalHealth,
    RiskToOthers,
    RiskToSelf,
    ReferringAgency,
    ReferrerName,
    ReferrerEmail,
    ReferrerPhone,
    CaseLeadName,
    CaseLeadEmail,
    CaseLeadPhone,
}

/// How a field's value is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// One line of free text.
    Line,
    /// Free text that may continue on the following lines.
    Paragraph,
    Date,
    Boolean,
    Email,
    Phone,
    /// A value from a fixed list (referral type, custody status, local connection, ...).
    Choice,
    /// An identifier with a fixed shape (prison number, CRN).
    Identifier,
}

impl Field {
    /// Every field, in the order of the form (and of the contract's table).
    pub const ALL: [Field; 30] = [
        Field::ReferralType,
        Field::FullName,
        Field::DateOfBirth,
        Field::PrisonNumber,
        Field::Crn,
        Field::CurrentLocation,
        Field::CustodyStatus,
        Field::ExpectedReleaseDate,
        Field::Consent,
        Field::PersonPhone,
        Field::PersonEmail,
        Field::CurrentAccommodation,
        Field::RoughSleepingRisk,
        Field::ExistingTenancy,
        Field::HomelessnessReason,
        Field::Lha,
        Field::LocalConnection,
        Field::LocalConnectionDetails,
        Field::NoConnectionReason,
        Field::PhysicalHealth,
        Field::MentalHealth,
        Field::RiskToOthers,
        Field::RiskToSelf,
        Field::ReferringAgency,
        Field::ReferrerName,
        Field::ReferrerEmail,
        Field::ReferrerPhone,
        Field::CaseLeadName,
        Field::CaseLeadEmail,
        Field::CaseLeadPhone,
    ];

    /// The key in the JSON contract and in the store.
    pub fn key(self) -> &'static str {
        match self {
            Field::ReferralType => "referral_type",
            Field::FullName => "full_name",
            Field::DateOfBirth => "date_of_birth",
            Field::PrisonNumber => "prison_number",
            Field::Crn => "crn",
            Field::CurrentLocation => "current_location",
            Field::CustodyStatus => "custody_status",
            Field::ExpectedReleaseDate => "expected_release_date",
            Field::Consent => "consent",
            Field::PersonPhone => "person_phone",
            Field::PersonEmail => "person_email",
            Field::CurrentAccommodation => "current_accommodation",
            Field::RoughSleepingRisk => "rough_sleeping_risk",
            Field::ExistingTenancy => "existing_tenancy",
            Field::HomelessnessReason => "homelessness_reason",
            Field::Lha => "lha",
            Field::LocalConnection => "local_connection",
            Field::LocalConnectionDetails => "local_connection_details",
            Field::NoConnectionReason => "no_connection_reason",
            Field::PhysicalHealth => "physical_health",
            Field::MentalHealth => "mental_health",
            Field::RiskToOthers => "risk_to_others",
            Field::RiskToSelf => "risk_to_self",
            Field::ReferringAgency => "referring_agency",
            Field::ReferrerName => "referrer_name",
            Field::ReferrerEmail => "referrer_email",
            Field::ReferrerPhone => "referrer_phone",
            Field::CaseLeadName => "case_lead_name",
            Field::CaseLeadEmail => "case_lead_email",
            Field::CaseLeadPhone => "case_lead_phone",
        }
    }

    pub fn from_key(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.key() == key)
    }

    /// The label as the form prints it; replies name fields by this.
    pub fn label(self) -> &'static str {
        self.labels()[0]
    }

    /// What an answer must look like, for a reply asking again for an
    /// answer that could not be read (`Yes or No`).
    pub fn answer_wanted(self) -> Option<&'static str> {
        match self {
            Field::Consent | Field::RoughSleepingRisk | Field::ExistingTenancy => Some("Yes or No"),
            Field::DateOfBirth | Field::ExpectedReleaseDate => Some("a date, such as 14/02/1988"),
            Field::CustodyStatus => Some("remand, sentenced, community or released"),
            Field::ReferralType => Some("Duty to Refer or Help to keep accommodation"),
            Field::LocalConnection => {
                Some("resident, employed, family, special circumstances, or none")
            }
            _ => None,
        }
    }

    /// The label first, then its aliases.
    pub fn labels(self) -> &'static [&'static str] {
        match self {
            Field::ReferralType => &["Referral type"],
            Field::FullName => &["Full name", "Name", "Name of person", "Person's name"],
            Field::DateOfBirth => &["Date of birth", "DOB"],
            Field::PrisonNumber => &["Prison number", "NOMIS number", "NOMS number"],
            Field::Crn => &["CRN", "Case reference number", "nDelius CRN"],
            Field::CurrentLocation => &["Current location", "Establishment", "Prison"],
            Field::CustodyStatus => &["Custody status"],
            Field::ExpectedReleaseDate => &["Expected release date", "Release date", "EDR", "CRD"],
            Field::Consent => &["Consent to referral", "Consent given", "Consent"],
            Field::PersonPhone => &["Contact phone", "Person's phone"],
            Field::PersonEmail => &["Contact email", "Person's email"],
            Field::CurrentAccommodation => &["Current accommodation"],
            Field::RoughSleepingRisk => &["At risk of rough sleeping", "Rough sleeping risk"],
            Field::ExistingTenancy => &["Existing tenancy or mortgage"],
            Field::HomelessnessReason => &["Reason at risk of homelessness", "Reason for referral"],
            Field::Lha => &["Local housing authority", "LHA", "Council referred to"],
            Field::LocalConnection => &["Local connection"],
            Field::LocalConnectionDetails => &["Local connection details"],
            Field::NoConnectionReason => &["Reason for referral without local connection"],
            Field::PhysicalHealth => &["Physical health"],
            Field::MentalHealth => &["Mental health"],
            Field::RiskToOthers => &["Risk to others", "MAPPA level", "Risk"],
            Field::RiskToSelf => &["Risk to self"],
            Field::ReferringAgency => &["Referring agency", "Agency", "Organisation"],
            Field::ReferrerName => &["Referrer name", "Referred by"],
            Field::ReferrerEmail => &["Referrer email"],
            Field::ReferrerPhone => &["Referrer phone", "Referrer telephone"],
            Field::CaseLeadName => &[
                "Case lead name",
                "Offender manager",
                "Probation practitioner",
            ],
            Field::CaseLeadEmail => &["Case lead email"],
            Field::CaseLeadPhone => &["Case lead phone"],
        }
    }

    pub fn value_kind(self) -> ValueKind {
        use Field::*;
        match self {
            DateOfBirth | ExpectedReleaseDate => ValueKind::Date,
            Consent | RoughSleepingRisk | ExistingTenancy => ValueKind::Boolean,
            PersonEmail | ReferrerEmail | CaseLeadEmail => ValueKind::Email,
            PersonPhone | ReferrerPhone | CaseLeadPhone => ValueKind::Phone,
            ReferralType | CustodyStatus | LocalConnection | Lha => ValueKind::Choice,
            PrisonNumber | Crn => ValueKind::Identifier,
            CurrentAccommodation
            | HomelessnessReason
            | LocalConnectionDetails
            | NoConnectionReason
            | PhysicalHealth
            | MentalHealth
            | RiskToOthers
            | RiskToSelf => ValueKind::Paragraph,
            FullName | CurrentLocation | ReferringAgency | ReferrerName | CaseLeadName => {
                ValueKind::Line
            }
        }
    }

    /// Recognises a field's label written any of the ways the contract allows.
    pub fn from_label(text: &str) -> Option<Field> {
        match Label::from_text(text)? {
            Label::Field(field) => Some(field),
            Label::NamePart(_) => None,
        }
    }

    /// The field a short form of its label names (`Rough sleeping` of
    /// `At risk of rough sleeping`, `Tenancy` of `Existing tenancy or
    /// mortgage`), as form tools name a check box after its question:
    /// words that run, whole and in order, within the labels of this one
    /// field and of no other label, not all of them small words (`of`,
    /// `or`). A label in full is [`Field::from_label`]'s.
    pub fn from_label_part(text: &str) -> Option<Field> {
        let wanted = ShortKey::of(text, longest_label_len())?;
        let wanted = wanted.as_str();
        if wanted.is_empty() || wanted.split(' ').all(|w| SMALL_WORDS.contains(&w)) {
            return None;
        }
        let mut named = LABEL_INDEX
            .iter()
            .filter(|(label, _)| {
                // Whole words: ` rough sleeping ` within ` at risk of rough sleeping `.
                format!(" {label} ").contains(&format!(" {wanted} "))
            })
            .map(|(_, meaning)| *meaning);
        let first = named.next()?;
        if named.any(|other| other != first) {
            return None;
        }
        match first {
            Label::Field(field) => Some(field),
            Label::NamePart(_) => None,
        }
    }
}

/// Words that name no field on their own.
const SMALL_WORDS: [&str; 8] = ["of", "or", "to", "at", "for", "the", "and", "s"];

/// One half of a name that a form asks for on two lines (contract v2):
/// joined `Given Family` into the full name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NamePart {
    /// First name(s), forename(s), given name.
    Given,
    /// Middle name(s), between the two when joined.
    Middle,
    /// Surname, last name, family name.
    Family,
}

impl NamePart {
    /// The labels it goes by, as [`Field::labels`].
    pub fn labels(self) -> &'static [&'static str] {
        match self {
            // `First name(s)` reads as `first names`: brackets are dropped
            // without splitting the word.
            NamePart::Given => &[
                "First name",
                "First names",
                "Forename",
                "Forenames",
                "Given name",
                "Given names",
            ],
            NamePart::Middle => &["Middle name", "Middle names"],
            NamePart::Family => &["Surname", "Last name", "Family name"],
        }
    }
}

/// What a label on the form names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Label {
    Field(Field),
    NamePart(NamePart),
}

impl Label {
    /// Recognises a label written any of the ways the contract allows.
    pub fn from_text(text: &str) -> Option<Label> {
        Label::as_written(text).or_else(|| Label::as_written(without_hint(text)?))
    }

    /// As [`Label::from_text`], with whether the label is written as the
    /// form prints it, as [`Label::written_as_the_form_s`] says of `text`:
    /// the form reader asks both of every label it reads, and the look-up
    /// that finds the label knows the answer already.
    pub fn with_own_from_text(text: &str) -> Option<(Label, bool)> {
        if let Some((label, own)) = Label::looked_up(text) {
            // The label's name with a hint after it may be the form's own
            // where the whole is another name.
            let own = own
                || match label {
                    Label::Field(field) => without_hint(text).is_some_and(|bare| {
                        ShortKey::of(bare, longest_label_len())
                            .is_some_and(|key| key.as_str() == OWN_LABELS[field as usize])
                    }),
                    Label::NamePart(_) => true,
                };
            return Some((label, own));
        }
        let label = Label::as_written(without_hint(text)?)?;
        Some((label, label.written_as_the_form_s(text)))
    }

    fn as_written(text: &str) -> Option<Label> {
        Label::looked_up(text).map(|(label, _)| label)
    }

    /// The label `text` names as written, and whether its normalised text
    /// is the form's own name for it.
    fn looked_up(text: &str) -> Option<(Label, bool)> {
        if text.len() > MAX_LABEL_TEXT {
            return None;
        }
        // Cheap test first: most lines asked about are not labels, and
        // most start with a digit or a letter no label starts with.
        let first = text.chars().find(|c| c.is_alphanumeric())?;
        if first.is_ascii_digit()
            || (first.is_ascii_alphabetic()
                && *LABEL_INITIALS & (1 << (first.to_ascii_lowercase() as u32 - 'a' as u32)) == 0)
        {
            return None;
        }
        let wanted = ShortKey::of(text, longest_label_len())?;
        let wanted = wanted.as_str();
        if wanted.is_empty() {
            return None;
        }
        LABEL_LOOKUP.get(wanted).copied()
    }

    /// Whether `text` (a label [`Label::from_text`] read as this one) is
    /// written as the form prints it (`Risk to others`, `Full name`), not
    /// as one of its other names (`Risk`, `Name`). A split name's halves
    /// have no other name the form prints: each counts as its own.
    pub fn written_as_the_form_s(self, text: &str) -> bool {
        let Label::Field(field) = self else {
            return true;
        };
        let own = |text: &str| {
            ShortKey::of(text, longest_label_len())
                .is_some_and(|key| key.as_str() == OWN_LABELS[field as usize])
        };
        own(text) || without_hint(text).is_some_and(own)
    }

    /// Which of its names a label was written under, whatever hint or
    /// decoration came with it (`Risk to others (if any)` is `risk to
    /// others`): two labels of one field compare equal by it when they
    /// are the same name.
    pub fn name_written(text: &str) -> String {
        let key = normalise_label(text);
        if LABEL_LOOKUP.contains_key(key.as_str()) {
            return key;
        }
        without_hint(text).map(normalise_label).unwrap_or(key)
    }

    /// An answer that says nothing without the label it was written under
    /// (`2`, `Level 1, category 2` under `MAPPA level`): kept with it, as
    /// `MAPPA level: 2`, as when the form asks it beside `Risk to others`.
    pub fn answer_needs_its_label(field: Field, written: &str, value: &str) -> bool {
        field == Field::RiskToOthers
            && Label::name_written(written).starts_with("mappa")
            && !value.to_lowercase().contains("mappa")
    }

    /// How its value is read.
    pub fn value_kind(self) -> ValueKind {
        match self {
            Label::Field(field) => field.value_kind(),
            Label::NamePart(_) => ValueKind::Line,
        }
    }
}

/// A label with a hint after it, as forms write them: `Date of birth
/// (DD/MM/YYYY)`, `Consent to referral (tick one)`, `Consent to referral?`.
/// The label without it, when there was one.
fn without_hint(text: &str) -> Option<&str> {
    let text = text.trim_end();
    let unasked = text.trim_end_matches('?').trim_end();
    let bare = match unasked.strip_suffix(')') {
        Some(inner) => {
            let open = inner.rfind('(')?;
            // A hint is short: anything longer is no label's.
            (inner.len() - open <= 64).then(|| inner[..open].trim_end())?
        }
        None => unasked,
    };
    (bare.len() < text.len() && !bare.is_empty()).then_some(bare)
}

/// No label written with any amount of decoration is longer than this.
const MAX_LABEL_TEXT: usize = 80;

/// Lower case, letters and digits only, single spaces: `D.O.B.` and `DOB`
/// both become `dob`, `Person’s name *` becomes `persons name`.
pub fn normalise_label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    normalise_into(text, &mut out, usize::MAX);
    out
}

/// Room for a normalised label on the stack, more than any label needs.
const SHORT_KEY: usize = 96;

/// A short text normalised as [`normalise_label`], kept on the stack: the
/// form reader asks of nearly every line whether it is a label, a heading
/// or a sign-off, and most lines are none of them.
pub struct ShortKey {
    bytes: [u8; SHORT_KEY],
    len: usize,
}

impl ShortKey {
    /// `text` normalised, or `None` when that is longer than `limit` bytes
    /// (and always when longer than the room there is).
    pub fn of(text: &str, limit: usize) -> Option<ShortKey> {
        let mut key = ShortKey {
            bytes: [0; SHORT_KEY],
            len: 0,
        };
        let limit = limit.min(SHORT_KEY);
        if text.is_ascii() {
            return key.normalise_ascii(text.as_bytes(), limit).then_some(key);
        }
        normalise_into(text, &mut key, limit).then_some(key)
    }

    /// [`normalise_into`] for ASCII text, a byte at a time.
    fn normalise_ascii(&mut self, text: &[u8], limit: usize) -> bool {
        let mut pending_space = false;
        let mut len = 0;
        for &b in text {
            match ASCII_KEY[usize::from(b)] {
                KEY_DROP => {}
                KEY_SPACE => pending_space = true,
                lower => {
                    let space = usize::from(pending_space && len > 0);
                    // `limit` is within the room there is.
                    if len + space + 1 > limit {
                        return false;
                    }
                    if space == 1 {
                        self.bytes[len] = b' ';
                        len += 1;
                    }
                    self.bytes[len] = lower;
                    len += 1;
                    pending_space = false;
                }
            }
        }
        self.len = len;
        true
    }

    pub fn as_str(&self) -> &str {
        // Only whole characters are ever written.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

/// What [`ShortKey::normalise_ascii`] makes of each ASCII byte: dropped
/// (punctuation), a word break (white space, `-`, `_`, `/`), or the
/// letter or digit it keeps, lower-cased. One look-up a byte: every line
/// asked about passes through it.
const KEY_DROP: u8 = 0;
const KEY_SPACE: u8 = 1;
const ASCII_KEY: [u8; 256] = {
    let mut table = [KEY_DROP; 256];
    let mut b = 0;
    while b < 128 {
        let byte = b as u8;
        table[b] = if byte.is_ascii_alphanumeric() {
            byte.to_ascii_lowercase()
        } else if byte.is_ascii_whitespace() || byte == 0x0b || matches!(byte, b'-' | b'_' | b'/') {
            KEY_SPACE
        } else {
            KEY_DROP
        };
        b += 1;
    }
    table
};

/// Where a normalised label is written.
trait KeyOut {
    fn len(&self) -> usize;
    /// Appends `c`, or returns false when there is no room for it.
    fn push_char(&mut self, c: char) -> bool;
}

impl KeyOut for String {
    fn len(&self) -> usize {
        String::len(self)
    }
    fn push_char(&mut self, c: char) -> bool {
        self.push(c);
        true
    }
}

impl KeyOut for ShortKey {
    fn len(&self) -> usize {
        self.len
    }
    fn push_char(&mut self, c: char) -> bool {
        let end = self.len + c.len_utf8();
        let Some(room) = self.bytes.get_mut(self.len..end) else {
            return false;
        };
        c.encode_utf8(room);
        self.len = end;
        true
    }
}

/// Writes the normalised label into `out`, giving up (returning false) once
/// it is longer than `limit`: most lines are not labels, and are long.
fn normalise_into(text: &str, out: &mut impl KeyOut, limit: usize) -> bool {
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || (!c.is_ascii() && c.is_alphanumeric()) {
            if pending_space && out.len() > 0 && !out.push_char(' ') {
                return false;
            }
            pending_space = false;
            if c.is_ascii() {
                if !out.push_char(c.to_ascii_lowercase()) {
                    return false;
                }
            } else {
                for lower in c.to_lowercase() {
                    if !out.push_char(lower) {
                        return false;
                    }
                }
            }
            if out.len() > limit {
                return false;
            }
        } else if c.is_whitespace() || c == '-' || c == '_' || c == '/' {
            pending_space = true;
        }
        // Other punctuation (dots, apostrophes, asterisks, brackets) is dropped
        // without splitting words: `D.O.B.` reads as `dob`.
    }
    true
}

static LABEL_INDEX: std::sync::LazyLock<Vec<(String, Label)>> = std::sync::LazyLock::new(|| {
    let mut index = Vec::new();
    for field in Field::ALL {
        for label in field.labels() {
            index.push((normalise_label(label), Label::Field(field)));
        }
    }
    for part in [NamePart::Given, NamePart::Middle, NamePart::Family] {
        for label in part.labels() {
            index.push((normalise_label(label), Label::NamePart(part)));
        }
    }
    index
});

/// Each field's label as the form prints it, normalised, in the order of
/// [`Field::ALL`] (which is the order of the enum).
static OWN_LABELS: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
    Field::ALL
        .iter()
        .map(|field| normalise_label(field.label()))
        .collect()
});

/// The letters labels start with, one bit each (`a` the lowest). Every
/// label starts with an ASCII letter.
/// [`LABEL_INDEX`] by its normalised label, the first entry winning: a
/// line is looked up as a label several times, and most lines are not one.
/// Each entry says too whether the text is the form's own name for the
/// label ([`OWN_LABELS`]; a split name's halves always are).
static LABEL_LOOKUP: std::sync::LazyLock<
    std::collections::HashMap<
        &'static str,
        (Label, bool),
        std::hash::BuildHasherDefault<ShortHasher>,
    >,
> = std::sync::LazyLock::new(|| {
    let mut lookup = std::collections::HashMap::default();
    for (label, meaning) in LABEL_INDEX.iter() {
        let own = match meaning {
            Label::Field(field) => *label == OWN_LABELS[*field as usize],
            Label::NamePart(_) => true,
        };
        lookup.entry(label.as_str()).or_insert((*meaning, own));
    }
    lookup
});

/// FNV-1a, for [`LABEL_LOOKUP`]: its keys are a few dozen short fixed
/// labels, and nearly every line of a form is looked up, so the default
/// hasher's resistance to chosen keys buys nothing and costs several times
/// as much for keys this short.
#[derive(Default)]
struct ShortHasher(u64);

impl std::hash::Hasher for ShortHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

static LABEL_INITIALS: std::sync::LazyLock<u32> = std::sync::LazyLock::new(|| {
    let mut bits = 0u32;
    for (label, _) in LABEL_INDEX.iter() {
        if let Some(first) = label.bytes().next().filter(u8::is_ascii_lowercase) {
            bits |= 1 << (first - b'a');
        }
    }
    bits
});

/// The longest label, in normalised characters; lines longer than this plus a
/// value separator cannot be a bare label.
pub fn longest_label_len() -> usize {
    *LONGEST_LABEL
}

static LONGEST_LABEL: std::sync::LazyLock<usize> =
    std::sync::LazyLock::new(|| LABEL_INDEX.iter().map(|(l, _)| l.len()).max().unwrap_or(0));

#[cfg(test)]
mod tests {

    #[test]
    fn a_label_read_with_its_own_name_agrees_with_both_questions() {
        let labels = Field::ALL.iter().flat_map(|f| f.labels().iter()).chain(
            [NamePart::Given, NamePart::Middle, NamePart::Family]
                .iter()
                .flat_map(|p| p.labels().iter()),
        );
        for label in labels {
            for text in [
                label.to_string(),
                label.to_uppercase(),
                format!("{label} (if known)"),
                format!("{label}?"),
                format!("*{label}*"),
                format!("{label} (dd/mm/yyyy) (if known)"),
            ] {
                let read = Label::from_text(&text);
                let with_own = Label::with_own_from_text(&text);
                assert_eq!(with_own.map(|(l, _)| l), read, "{text}");
                if let Some((found, own)) = with_own {
                    assert_eq!(own, found.written_as_the_form_s(&text), "{text}");
                }
            }
        }
        assert_eq!(Label::with_own_from_text("Thanks"), None);
    }

    use super::*;

    #[test]
    fn labels_match_regardless_of_case_punctuation_and_asterisk() {
        assert_eq!(Field::from_label("D.O.B."), Some(Field::DateOfBirth));
        assert_eq!(
            Field::from_label("  date of BIRTH * "),
            Some(Field::DateOfBirth)
        );
        assert_eq!(Field::from_label("Person’s name"), Some(Field::FullName));
        assert_eq!(Field::from_label("nDelius CRN"), Some(Field::Crn));
        assert_eq!(
            Field::from_label("Referrer  telephone"),
            Some(Field::ReferrerPhone)
        );
        assert_eq!(Field::from_label("Kind regards"), None);
        assert_eq!(Field::from_label(""), None);
    }

    #[test]
    fn a_short_form_of_one_field_s_label_names_it() {
        for (text, field) in [
            ("Rough Sleeping", Field::RoughSleepingRisk),
            ("rough sleeping", Field::RoughSleepingRisk),
            ("Tenancy", Field::ExistingTenancy),
            ("Existing tenancy", Field::ExistingTenancy),
            ("Custody", Field::CustodyStatus),
        ] {
            assert_eq!(Field::from_label_part(text), Some(field), "{text}");
        }
        // Words of several fields' labels, of none, or only small words.
        for text in [
            "Date",
            "Local",
            "Health",
            "Yes",
            "No Fixed",
            "of",
            "at risk of",
            "First",
            "",
        ] {
            assert_eq!(Field::from_label_part(text), None, "{text}");
        }
    }

    #[test]
    fn short_keys_normalise_as_labels_do() {
        for text in [
            "D.O.B.",
            "  date of BIRTH * ",
            "Person\u{2019}s name",
            "Referrer  telephone",
            "First name(s)",
            "a-b_c/d\te\u{b}f",
            "Ärztin Straße",
            "",
            "***",
        ] {
            let key = ShortKey::of(text, 40).expect("short enough");
            assert_eq!(key.as_str(), normalise_label(text), "{text:?}");
        }
        // Longer than the limit, normalised: no key, whichever the path.
        assert!(ShortKey::of("abcdef", 5).is_none());
        assert!(ShortKey::of("abc de", 6).is_some());
        assert!(ShortKey::of("abc de", 5).is_none());
        assert!(ShortKey::of("\u{e9}bcdef", 5).is_none());
        assert!(ShortKey::of(&"x".repeat(500), usize::MAX).is_none());
    }

    #[test]
    fn split_name_labels_are_name_parts_not_fields() {
        for (text, part) in [
            ("First name(s)", NamePart::Given),
            ("Forename(s)", NamePart::Given),
            ("FORENAME", NamePart::Given),
            ("Given name", NamePart::Given),
            ("Surname", NamePart::Family),
            ("Last name *", NamePart::Family),
            ("Family name", NamePart::Family),
        ] {
            assert_eq!(
                Label::from_text(text),
                Some(Label::NamePart(part)),
                "{text}"
            );
            assert_eq!(Field::from_label(text), None, "{text}");
        }
        assert_eq!(
            Label::from_text("Full name"),
            Some(Label::Field(Field::FullName))
        );
    }

    #[test]
    fn every_label_starts_with_a_letter() {
        // What the cheap first test of `Label::from_text` relies on.
        for (label, _) in LABEL_INDEX.iter() {
            assert!(
                label.starts_with(|c: char| c.is_ascii_lowercase()),
                "{label}"
            );
        }
        assert_eq!(
            Label::from_text("\u{2022} *Full name"),
            Some(Label::Field(Field::FullName))
        );
        assert_eq!(Label::from_text("1 Full name"), None);
        assert_eq!(Label::from_text("Thanks"), None);
    }

    #[test]
    fn every_key_round_trips() {
        for f in Field::ALL {
            assert_eq!(Field::from_key(f.key()), Some(f));
            assert_eq!(Field::from_label(f.label()), Some(f));
        }
    }
}
