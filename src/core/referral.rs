//! The referral as typed values, and the rules that make one complete,
//! incomplete or refused for want of consent.

use super::address::EmailAddress;
use super::authority::{Authorities, Authority};
use super::dates::{parse_british_date, DateRole};
use super::field::{Field, ValueKind};
use super::form::FormReading;
use super::tick::has_boxes;
use chrono::NaiveDate;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralType {
    DutyToRefer,
    KeepAccommodation,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustodyStatus {
    Remand,
    Sentenced,
    Community,
    Released,
}

/// The local connection grounds of Housing Act 1996 s.199.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocalConnection {
    Resident,
    Employed,
    Family,
    SpecialCircumstances,
}

/// A telephone number as written; it holds at least six digits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(text: &str) -> Option<Self> {
        let digits = text.chars().filter(|c| c.is_ascii_digit()).count();
        (digits >= 6).then(|| PhoneNumber(text.trim().to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Everything the form can say. Empty fields are `None`; a referral that
/// answered `none` for local connection has `Some(vec![])`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub referral_type: Option<ReferralType>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub full_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub date_of_birth: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub prison_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub crn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub current_location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub custody_status: Option<CustodyStatus>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub expected_release_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub consent: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub person_phone: Option<PhoneNumber>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub person_email: Option<EmailAddress>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub current_accommodation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rough_sleeping_risk: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub existing_tenancy: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub homelessness_reason: Option<String>,
    /// The configured name of the authority referred to.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub lha: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub local_connection: Option<Vec<LocalConnection>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub local_connection_details: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub no_connection_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub physical_health: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub mental_health: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub risk_to_others: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub risk_to_self: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub referring_agency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub referrer_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub referrer_email: Option<EmailAddress>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub referrer_phone: Option<PhoneNumber>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub case_lead_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub case_lead_email: Option<EmailAddress>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub case_lead_phone: Option<PhoneNumber>,
}

/// What the referral amounts to under the contract (v2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every required field present and valid, consent given.
    Complete,
    /// Something required is missing or unreadable, consent included when
    /// the form does not say, or cannot be read: a question to ask.
    Incomplete,
    /// The form says consent was not given.
    NoConsent,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Complete => "complete",
            Outcome::Incomplete => "incomplete",
            Outcome::NoConsent => "no_consent",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "complete" => Some(Outcome::Complete),
            "incomplete" => Some(Outcome::Incomplete),
            "no_consent" => Some(Outcome::NoConsent),
            _ => None,
        }
    }
}

/// A referral as read from a message, with what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadReferral {
    pub referral: Referral,
    pub outcome: Outcome,
    /// Required fields that are empty, in form order.
    pub missing: Vec<Field>,
    /// Fields whose value could not be read, in form order.
    pub invalid: Vec<Field>,
    /// Fields two forms in one message answer differently (the body and an
    /// attachment: two names, two dates of birth); also among `invalid`.
    pub conflicts: Vec<Field>,
    /// The forms that disagree, when `conflicts` is not empty: the body
    /// and an attachment, or two attachments.
    pub conflicting_forms: Vec<super::sources::FormSource>,
    /// Why the consent answer is not an answer, when the reading can say
    /// (a yes with a condition or a limit, put as a question, or not the
    /// person's own); `None` otherwise.
    pub consent_doubt: Option<ConsentDoubt>,
    /// The message's forms are about more than one person (see
    /// `sources::several_people`): the referral holds neither person.
    pub several_people: bool,
}

/// Why a consent answer that opens as a yes could not be taken as one:
/// the kind of problem only. The answer's own words are never carried,
/// since they can name other people and the mail that asks again may
/// copy in the case lead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsentDoubt {
    /// On a condition or with a limit on some other sharing or action:
    /// `Yes if the council needs it`, `Yes (he does not consent to GP
    /// contact)`, `Yes - no consent for GP contact`.
    Qualified,
    /// Put as a question: `Yes?`.
    Question,
    /// Beside someone else's agreement or the person's own denial: `Yes -
    /// his mother agreed; he has not`.
    NotTheirOwn,
    /// A yes the same answer takes back: `Yes (refused, withdrawn)`, `Yes
    /// - since withdrawn`.
    TakenBack,
}

impl ConsentDoubt {
    /// The name a case's record keeps it under.
    pub fn key(self) -> &'static str {
        match self {
            ConsentDoubt::Qualified => "qualified",
            ConsentDoubt::Question => "question",
            ConsentDoubt::NotTheirOwn => "not_their_own",
            ConsentDoubt::TakenBack => "taken_back",
        }
    }

    /// The kind of problem in a few words for the council, never the
    /// answer's own: `it was put as a question`.
    pub fn said(self) -> &'static str {
        match self {
            ConsentDoubt::Qualified => "it carried a limit or a condition",
            ConsentDoubt::Question => "it was put as a question",
            ConsentDoubt::NotTheirOwn => {
                "it spoke of someone else's word, or the person's own denial"
            }
            ConsentDoubt::TakenBack => "it said yes and also that consent was refused or withdrawn",
        }
    }

    /// The kind a case's record keeps under `key`.
    pub fn from_key(key: &str) -> Option<ConsentDoubt> {
        [
            ConsentDoubt::Qualified,
            ConsentDoubt::Question,
            ConsentDoubt::NotTheirOwn,
            ConsentDoubt::TakenBack,
        ]
        .into_iter()
        .find(|doubt| doubt.key() == key)
    }

    /// Why, in plain words for the referrer, with what to write instead.
    pub fn words(self) -> &'static str {
        match self {
            ConsentDoubt::Qualified => {
                "Your answer on consent was not a plain Yes or No: it carried a condition \
                 or a limit. Please answer the consent question with Yes or No alone, and \
                 write any limits on what may be shared on a line of their own, for example \
                 Notes: no contact with the GP."
            }
            ConsentDoubt::Question => {
                "Your answer on consent was not a plain Yes or No: it was put as a \
                 question. Please answer the consent question with Yes or No alone, once \
                 the person has been asked."
            }
            ConsentDoubt::NotTheirOwn => {
                "Your answer on consent was not a plain Yes or No: it spoke of someone \
                 else's agreement, or said the person has not agreed. The consent must be \
                 the person's own: please answer the consent question with Yes or No alone, \
                 as the person answers."
            }
            ConsentDoubt::TakenBack => {
                "Your answer on consent was not a plain Yes or No: it said Yes, and also \
                 that consent was refused or withdrawn. Please answer the consent question \
                 with Yes or No alone, as the person answers now."
            }
        }
    }
}

/// What the reading of values depends on beyond the form itself.
pub struct ReadingContext<'a> {
    /// When the message was sent, in the UK: two-digit years are placed
    /// against it and a date of birth may not be after it.
    pub sent_on: NaiveDate,
    pub authorities: &'a Authorities,
    /// The authority whose inbox received the message.
    pub receiving_authority: Option<&'a Authority>,
}

static PRISON_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Z]\d{4}[A-Z]{2}$").expect("static pattern"));
static CRN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Z]\d{6}$").expect("static pattern"));

/// `N/A`, `None`, `Not known`, `-`: the answer is that there is nothing.
fn says_none(raw: &str) -> bool {
    let v = raw.trim().to_lowercase();
    super::not_yet::is_not_yet(&v)
        || matches!(
            v.trim_matches(|c: char| matches!(c, '.' | '(' | ')')),
            "na" | "nil"
                | "-"
                | "--"
                | "not applicable"
                | "nothing"
                | "none known"
                | "no phone"
                | "no email"
        )
}

/// Types every value of a form reading and judges the outcome.
pub fn interpret(reading: &FormReading, ctx: &ReadingContext<'_>) -> ReadReferral {
    let mut r = Referral::default();
    let mut invalid = Vec::new();
    let mut consent_doubt = None;
    for (&field, raw) in &reading.values {
        // `Contact phone: N/A`: nothing to give, not a number misread. A
        // required field so answered is asked for as missing.
        if set_field(&mut r, field, raw, ctx).is_none() && !says_none(raw) {
            invalid.push(field);
            if field == Field::Consent && !super::form::holds(raw, super::form::UNREADABLE) {
                consent_doubt = consent(raw).err().flatten();
            }
        }
    }
    if r.lha.is_none() && !invalid.contains(&Field::Lha) {
        r.lha = ctx.receiving_authority.map(|a| a.name.clone());
    }
    invalid.sort();
    let missing: Vec<Field> = Field::ALL
        .into_iter()
        .filter(|&f| is_required(f, &r) && !is_present(f, &r) && !invalid.contains(&f))
        .collect();
    let outcome = if r.consent == Some(false) {
        Outcome::NoConsent
    } else if missing.is_empty() && !invalid.iter().any(|&f| is_required(f, &r)) {
        // Consent is required: here it is `Some(true)`.
        Outcome::Complete
    } else {
        Outcome::Incomplete
    };
    ReadReferral {
        referral: r,
        outcome,
        missing,
        invalid,
        conflicts: Vec::new(),
        conflicting_forms: Vec::new(),
        consent_doubt,
        several_people: false,
    }
}

/// Whether the contract requires a field, given what else the referral says.
pub fn is_required(field: Field, r: &Referral) -> bool {
    use Field::*;
    match field {
        ReferralType | FullName | DateOfBirth | CustodyStatus | Consent | HomelessnessReason
        | LocalConnection | ReferringAgency | ReferrerName | ReferrerEmail | ReferrerPhone => true,
        ExpectedReleaseDate => r.custody_status == Some(super::referral::CustodyStatus::Sentenced),
        NoConnectionReason => r.local_connection.as_ref().is_some_and(|l| l.is_empty()),
        _ => false,
    }
}

pub(super) fn is_present(field: Field, r: &Referral) -> bool {
    use Field::*;
    match field {
        ReferralType => r.referral_type.is_some(),
        FullName => r.full_name.is_some(),
        DateOfBirth => r.date_of_birth.is_some(),
        PrisonNumber => r.prison_number.is_some(),
        Crn => r.crn.is_some(),
        CurrentLocation => r.current_location.is_some(),
        CustodyStatus => r.custody_status.is_some(),
        ExpectedReleaseDate => r.expected_release_date.is_some(),
        Consent => r.consent.is_some(),
        PersonPhone => r.person_phone.is_some(),
        PersonEmail => r.person_email.is_some(),
        CurrentAccommodation => r.current_accommodation.is_some(),
        RoughSleepingRisk => r.rough_sleeping_risk.is_some(),
        ExistingTenancy => r.existing_tenancy.is_some(),
        HomelessnessReason => r.homelessness_reason.is_some(),
        Lha => r.lha.is_some(),
        LocalConnection => r.local_connection.is_some(),
        LocalConnectionDetails => r.local_connection_details.is_some(),
        NoConnectionReason => r.no_connection_reason.is_some(),
        PhysicalHealth => r.physical_health.is_some(),
        MentalHealth => r.mental_health.is_some(),
        RiskToOthers => r.risk_to_others.is_some(),
        RiskToSelf => r.risk_to_self.is_some(),
        ReferringAgency => r.referring_agency.is_some(),
        ReferrerName => r.referrer_name.is_some(),
        ReferrerEmail => r.referrer_email.is_some(),
        ReferrerPhone => r.referrer_phone.is_some(),
        CaseLeadName => r.case_lead_name.is_some(),
        CaseLeadEmail => r.case_lead_email.is_some(),
        CaseLeadPhone => r.case_lead_phone.is_some(),
    }
}

/// Stores one typed value; `None` when the text cannot be read as that field.
fn set_field(r: &mut Referral, field: Field, raw: &str, ctx: &ReadingContext<'_>) -> Option<()> {
    use Field::*;
    let text = || Some(raw.to_string());
    // Tick boxes left in a yes/no or choice answer are boxes the form
    // reader could not match to an option: unreadable, never guessed.
    if super::form::holds(raw, super::form::UNREADABLE) {
        return None;
    }
    let chooses = matches!(field.value_kind(), ValueKind::Boolean | ValueKind::Choice);
    if chooses && has_boxes(raw) {
        return None;
    }
    match field {
        ReferralType => r.referral_type = Some(referral_type(raw)?),
        FullName => r.full_name = text(),
        DateOfBirth => {
            r.date_of_birth = Some(parse_british_date(raw, ctx.sent_on, DateRole::Birth)?)
        }
        PrisonNumber => r.prison_number = Some(identifier(raw, &PRISON_NUMBER)?),
        Crn => r.crn = Some(identifier(raw, &CRN)?),
        CurrentLocation => r.current_location = text(),
        CustodyStatus => r.custody_status = Some(custody_status(raw)?),
        ExpectedReleaseDate => {
            r.expected_release_date = Some(parse_british_date(raw, ctx.sent_on, DateRole::Event)?)
        }
        Consent => r.consent = Some(consent(raw).ok()?),
        PersonPhone => r.person_phone = Some(PhoneNumber::parse(raw)?),
        PersonEmail => r.person_email = Some(EmailAddress::find_in(raw)?),
        CurrentAccommodation => r.current_accommodation = text(),
        RoughSleepingRisk => r.rough_sleeping_risk = Some(yes_no(raw)?),
        ExistingTenancy => r.existing_tenancy = Some(yes_no(raw)?),
        HomelessnessReason => r.homelessness_reason = text(),
        Lha => r.lha = Some(ctx.authorities.by_name(raw)?.name.clone()),
        LocalConnection => r.local_connection = Some(local_connection(raw)?),
        LocalConnectionDetails => r.local_connection_details = text(),
        NoConnectionReason => r.no_connection_reason = text(),
        PhysicalHealth => r.physical_health = text(),
        MentalHealth => r.mental_health = text(),
        RiskToOthers => r.risk_to_others = text(),
        RiskToSelf => r.risk_to_self = text(),
        ReferringAgency => r.referring_agency = text(),
        ReferrerName => r.referrer_name = text(),
        ReferrerEmail => r.referrer_email = Some(EmailAddress::find_in(raw)?),
        ReferrerPhone => r.referrer_phone = Some(PhoneNumber::parse(raw)?),
        CaseLeadName => r.case_lead_name = text(),
        CaseLeadEmail => r.case_lead_email = Some(EmailAddress::find_in(raw)?),
        CaseLeadPhone => r.case_lead_phone = Some(PhoneNumber::parse(raw)?),
    }
    Some(())
}

fn words(raw: &str) -> String {
    // Into one string: each consent answer is read so several times over.
    let mut out = String::with_capacity(raw.len());
    for word in raw
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        if word.is_ascii() {
            out.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            out.push_str(&word.to_lowercase());
        }
    }
    out
}

/// The answer's leading words, before any explanation: people write
/// `Sentenced - 18 months` or `Resident (lived in Harlow 10 years)`.
fn leading_words(raw: &str) -> Vec<String> {
    let head = raw
        .split(['-', '–', '—', '(', ':', ';', '.'])
        .next()
        .unwrap_or(raw);
    head.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn starts_with_words(words: &[String], wanted: &str) -> bool {
    let wanted: Vec<&str> = wanted.split(' ').collect();
    words.len() >= wanted.len() && words.iter().zip(&wanted).all(|(a, b)| a == b)
}

fn referral_type(raw: &str) -> Option<ReferralType> {
    let lead = leading_words(raw);
    let is = |option: &str| starts_with_words(&lead, option);
    if is("duty to refer") || is("dtr") {
        Some(ReferralType::DutyToRefer)
    } else if is("help to keep accommodation")
        || is("help to keep")
        || is("save accommodation")
        || is("tenancy sustainment")
    {
        Some(ReferralType::KeepAccommodation)
    } else {
        None
    }
}

fn custody_status(raw: &str) -> Option<CustodyStatus> {
    let mut lead = leading_words(raw);
    if lead.first().is_some_and(|w| w == "on") {
        lead.remove(0);
    }
    match lead.first()?.as_str() {
        "remand" | "remanded" => Some(CustodyStatus::Remand),
        "sentenced" | "serving" => Some(CustodyStatus::Sentenced),
        "community" => Some(CustodyStatus::Community),
        "released" | "licence" | "license" => Some(CustodyStatus::Released),
        _ => None,
    }
}

/// A clear yes or no: `Yes - signed form held` is yes, `No` is no;
/// `N/A`, `Not asked` or `No objection` are not a refusal. Only an answer
/// that says no in so many words may refuse a referral: `No`, `No - he
/// declined`, `Refused`, `Does not consent`. A `No` run on into other
/// words (`No problem`, `No written consent yet, verbal given`) is not.
pub(super) fn yes_no(raw: &str) -> Option<bool> {
    let all = words(raw);
    let lead = leading_words(raw);
    let fact_denials = fact_denials(raw);
    let first = lead.first()?;
    if all == "n" || all == "y" {
        return Some(all == "y");
    }
    // Both options and nothing else (`Yes No`, what is left of `Yes No X`
    // once its mark is read, or of a `Yes/No` not struck through), or an
    // answer that starts with both: which is meant cannot be told, and is
    // asked again.
    if matches!(all.as_str(), "yes no" | "no yes")
        || matches!(
            lead.get(..2),
            Some([a, b]) if (a == "yes" && b == "no" && !fact_denials.get(1).copied().unwrap_or(false) && !no_objection_at(&lead, 1))
                || (a == "no" && b == "yes")
        )
        // `Yes   NoX`: a mark run into the other option; `Agreed? No`.
        || (matches!(first.as_str(), "yes" | "agreed" | "agrees" | "consented" | "given")
            && lead.iter().enumerate().skip(1).any(|(at, w)| {
                // `no` or a mark run into it (`NoX`), or another denial
                // (`not`, `nothing`); not `now`, nor a `no` that says `no
                // objection` or `no fixed abode`.
                let marked = w
                    .strip_prefix("no")
                    .is_some_and(|x| !x.is_empty() && x.chars().all(|c| c == 'x'));
                let denial = match w.as_str() {
                    "no" => !no_objection_at(&lead, at),
                    "not" | "t" | "none" | "nothing" | "nobody" | "nor" | "never" => true,
                    _ => false,
                };
                marked || (denial && !fact_denials.get(at).copied().unwrap_or(false))
            }))
    {
        return None;
    }
    // Whole words only: `disagreed` does not say `agreed`. Each answer is
    // asked for a dozen words and more: they are looked for in place, as
    // `spaced.contains(" {phrase} ")` would find them, without writing
    // out each pattern.
    let spaced = format!(" {all} ");
    let bytes = spaced.as_bytes();
    let says = |phrase: &str| {
        let p = phrase.as_bytes();
        bytes
            .windows(p.len() + 2)
            .any(|w| w[0] == b' ' && w[p.len() + 1] == b' ' && &w[1..=p.len()] == p)
    };
    let says_from = |stem: &str| {
        let p = stem.as_bytes();
        bytes
            .windows(p.len() + 1)
            .any(|w| w[0] == b' ' && &w[1..] == p)
    };
    // A yes taken back in the same breath: `Yes (since withdrawn)`, `Yes -
    // revoked 20/11`, `Agreed on 12/11, refused on 20/11`.
    let taken_back = ["withdr", "revok", "refus", "retract", "rescind", "declin"]
        .iter()
        .any(|stem| says_from(stem))
        || says("changed his mind")
        || says("changed her mind")
        || says("changed their mind");
    let negated = all.split(' ').any(|w| {
        matches!(
            w,
            "not"
                | "no"
                | "n"
                | "never"
                | "without"
                | "t"
                | "unwilling"
                | "refused"
                | "refuses"
                | "declined"
                | "declines"
                | "withdrawn"
                | "withdrew"
                | "but"
        )
    });
    match first.as_str() {
        // `Y - see attached`; but `Y/N` is no answer.
        "y" if lead.len() == 1 => Some(true),
        "yes" | "true" | "agreed" | "agrees" | "consented" | "consents" | "given" => {
            // `Agreed: No`, `Yes - N`, `Yes - no consent`: a no right
            // after it, or at its end, says both; `Yes - no problems` not.
            let rest: Vec<&str> = all.split(' ').skip(1).collect();
            let no_beside = rest.iter().enumerate().any(|(i, w)| {
                matches!(*w, "no" | "n")
                    && (i == 0 || i + 1 == rest.len())
                    && !rest
                        .get(i + 1)
                        .is_some_and(|next| OBJECTIONS.contains(next))
                    && !fact_denials.get(i + 1).copied().unwrap_or(false)
            });
            (!taken_back && !no_beside).then_some(true)
        }
        "refused" | "refuses" | "declined" | "declines" | "withheld" | "withdrawn" => {
            // `Declined initially, but has now agreed`, `Refused to sign,
            // verbal consent given`: asked again.
            let consent_too = [
                "but",
                "agreed",
                "now",
                "since",
                "verbal",
                "verbally",
                "consented",
            ]
            .iter()
            .any(|w| says(w))
                || says("consent given")
                || says("consent obtained")
                || says("re given")
                || says("then given")
                || says("yes")
                || says("objection")
                || says_from("happy");
            (!consent_too).then_some(false)
        }
        "no" | "false" => {
            // `No - TBC`, `No (not yet asked)`, `No, awaiting signed form`:
            // not asked yet, which is no refusal.
            let not_yet = all.split(' ').any(|w| {
                matches!(
                    w,
                    "tbc"
                        | "tba"
                        | "pending"
                        | "awaiting"
                        | "await"
                        | "yet"
                        | "sought"
                        | "unable"
                        | "obtain"
                        | "will"
                        | "later"
                        | "notes"
                        | "follow"
                )
            }) || says("not asked");
            // `No - now given`, `No (initially) - now Yes`, `No, but
            // verbal yes given today`: a yes after the no, asked again.
            let yes_too = says("yes")
                || says("initially")
                || says("at first")
                || says("now given")
                || says("since given")
                || says("then given")
                || says("re given")
                || says("verbal")
                || says("verbally")
                || says("consented")
                || (says_from("agree")
                    && !says("not agree")
                    && !says("not agreed")
                    && !says("t agree")
                    && !says("never agreed"));
            if not_yet || yes_too {
                return None;
            }
            let next = lead.get(1).map(String::as_str);
            match next {
                // The answer is `No` and what follows explains it (`No -
                // he declined`, `No, refused`).
                None => Some(false),
                // `No objection(s)` and the like agree.
                Some(next) if OBJECTIONS.contains(&next) => Some(true),
                // `No consent` (given) says no in so many words.
                Some("consent")
                    if lead[2..].iter().all(|w| {
                        matches!(w.as_str(), "given" | "obtained" | "was" | "has" | "been")
                    }) =>
                {
                    Some(false)
                }
                // `No he declined`, `No consent form but he agreed
                // verbally`, `No phone`: not a plain no.
                Some(_) if runs_on(raw) => None,
                Some(_) => Some(false),
            }
        }
        _ => {
            // In plain words: `Consent given`, `He has agreed`, `Signed
            // consent on file`; `Does not consent`, `He does not want to be
            // referred`. Anything else, or both at once, is asked again.
            // Refusal in so many words; `Never refused`, `Not refused` and
            // `He refused at first` say no such thing plainly.
            let refuses = says_from("disagree")
                || says("consent refused")
                || says("has declined")
                || says("not consented")
                || (says("said no") && !says("no objection") && !says("no problem"))
                || says("not consent")
                || says("doesn t consent")
                || says("not want")
                || says("doesn t want")
                || says("not wish");
            let agrees = [
                "agreed",
                "agrees",
                "consented",
                "consent given",
                "consent obtained",
                "given verbally",
                "verbal consent",
                "signed consent",
                "consent signed",
                "happy to be referred",
                "happy for",
            ]
            .iter()
            .any(|phrase| says(phrase));
            // Agreeing in words no denial comes before: not the
            // `consented` of `not consented`.
            let agrees_plainly = agrees
                && [
                    "agreed",
                    "agrees",
                    "consented",
                    "consent given",
                    "signed consent",
                    "happy for",
                ]
                .iter()
                .any(|phrase| {
                    says(phrase)
                        && !["not", "t", "never"]
                            .iter()
                            .any(|d| says(&format!("{d} {phrase}")))
                });
            // Not yet given is no refusal: `Not consented yet`, `Does not
            // consent at the moment - will review after his hearing`.
            let not_yet = all.split(' ').any(|w| {
                matches!(
                    w,
                    "yet"
                        | "tbc"
                        | "pending"
                        | "awaiting"
                        | "await"
                        | "will"
                        | "later"
                        | "moment"
                        | "review"
                        | "tomorrow"
                        | "until"
                )
            });
            // `Consent given (he does not consent to GP contact)`: the
            // refusal is of another consent.
            let another_consent = all.split(' ').any(|w| {
                matches!(
                    w,
                    "gp" | "doctor"
                        | "share"
                        | "sharing"
                        | "health"
                        | "medical"
                        | "records"
                        | "information"
                )
            });
            if refuses {
                // A refusal in so many words stands, unless taken back
                // (`but`), yet to come, or beside a yes (`He said no at
                // first, now agrees`), which is asked again.
                if says("but") || not_yet {
                    None
                } else if agrees_plainly {
                    (another_consent && !taken_back).then_some(true)
                } else {
                    Some(false)
                }
            } else if agrees && !negated && !taken_back {
                Some(true)
            } else {
                None
            }
        }
    }
}

/// What follows a `No` that makes it agree: `No objection`, `No problems`.
const OBJECTIONS: [&str; 9] = [
    "objection",
    "objections",
    "problem",
    "problems",
    "issue",
    "issues",
    "concern",
    "concerns",
    "hesitation",
];

/// A consent answer as [`yes_no`] reads it, except that a yes that is no
/// plain yes is asked again (never read as a refusal): one put as a
/// question (`Yes?`), on a condition (`Yes if the council needs it`,
/// `Yes, subject to ...`), with a limit on some other sharing or action
/// (`Yes (he does not consent to GP contact)`, `Yes - does not consent to
/// a Social Services referral`), or beside the person's own denial or
/// someone else's agreement (`Yes - his mother agreed; he has not`). The
/// consent must be the person's own, given as it stands. Not an answer:
/// `Err`, with why when the answer opens as a yes and the reading can say.
fn consent(raw: &str) -> Result<bool, Option<ConsentDoubt>> {
    let answer = yes_no(raw);
    // `Yes - no consent for GP contact` is no yes to [`yes_no`], but opens
    // as one: its words after the yes are judged as any yes's are.
    let opens_yes = answer == Some(true) || opening(raw).is_some_and(|o| yes_no(o) == Some(true));
    let doubt = if opens_yes {
        hedged_yes(raw).or_else(|| {
            // `Yes (refused, withdrawn)`: a yes the same answer takes back.
            let words = words(raw);
            let words: Vec<&str> = words.split(' ').collect();
            let refused = words
                .iter()
                .any(|w| matches!(*w, "refused" | "refuses" | "declined" | "declines"));
            (answer.is_none() && (taken_back(&words) || refused)).then_some(ConsentDoubt::TakenBack)
        })
    } else {
        None
    };
    match (answer, doubt) {
        (Some(false), _) => Ok(false),
        (Some(true), None) => Ok(true),
        (_, doubt) => Err(doubt),
    }
}

/// Why a consent answer that opens as a yes is no plain yes (`Yes (he
/// does not consent to GP contact)` written alone in a reply); `None` for
/// a plain yes or no, or an answer the reading cannot say more of.
pub fn consent_doubt(raw: &str) -> Option<ConsentDoubt> {
    consent(raw).err().flatten()
}

/// Why a yes written in words is no plain yes (put as a question, on a
/// condition, with a limit or an exception, or on someone else's word), as
/// a form's consent answer is judged; `None` when nothing hedges it.
pub fn yes_doubt(text: &str) -> Option<ConsentDoubt> {
    hedged_yes(text)
}

/// An answer's words before its first mark (`Yes` of `Yes - no GP
/// contact`, `Consent given` of `Consent given; not to his family`), when
/// something follows.
fn opening(raw: &str) -> Option<&str> {
    let (before, after) = raw
        .trim()
        .split_once([',', ';', ':', '(', '-', '\u{2013}', '\u{2014}'])?;
    (!before.trim().is_empty() && !after.trim().is_empty()).then_some(before)
}

/// Why a yes is no plain yes: put as a question, on a condition or with a
/// limit on some other sharing or action, beside the person's own denial
/// or beside someone else's agreement.
fn hedged_yes(raw: &str) -> Option<ConsentDoubt> {
    // `Yes`, `YES.`, `[x] Y`, as most answers are: nothing to hedge, and
    // the searches below cost more than the rest of the answer's reading.
    if plain_yes(raw) {
        return None;
    }
    let trimmed = raw.trim();
    let first_word = trimmed
        .find(|c: char| !c.is_alphanumeric())
        .unwrap_or(trimmed.len());
    // `Yes?`, `Y? see notes`; not `Agreed? Yes`.
    let question = trimmed.ends_with('?')
        || (trimmed[first_word..].starts_with('?')
            && matches!(trimmed[..first_word].to_lowercase().as_str(), "yes" | "y"));
    let spaced = format!(" {} ", words(raw));
    // ` {phrase} ` in `spaced`, found from each space.
    let says = |phrase: &str| {
        spaced.match_indices(' ').any(|(at, _)| {
            spaced[at + 1..]
                .strip_prefix(phrase)
                .is_some_and(|rest| rest.starts_with(' '))
        })
    };
    let conditional = [
        "if",
        "unless",
        "subject to",
        "provided",
        "providing",
        "as long as",
        "so long as",
        "depending on",
        "depends on",
        "conditional",
        "on condition",
    ]
    .iter()
    .any(|phrase| says(phrase));
    if question {
        Some(ConsentDoubt::Question)
    } else if conditional || limits_another_consent(raw) {
        Some(ConsentDoubt::Qualified)
    } else if denied_or_someone_else_s(raw) || names_someone_else(raw) {
        Some(ConsentDoubt::NotTheirOwn)
    } else if limited(raw) {
        Some(ConsentDoubt::Qualified)
    } else {
        None
    }
}

/// An answer whose words are all `yes` or `y` (in any case), with no `?`:
/// no question, and no word that [`hedged_yes`] reads as a condition, a
/// limit or someone else's.
fn plain_yes(raw: &str) -> bool {
    !raw.contains('?')
        && raw
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .all(|w| w.eq_ignore_ascii_case("yes") || w.eq_ignore_ascii_case("y"))
}

/// A yes with a limit or an exception of any kind (`Yes (not to the
/// referral)`, `Yes, except housing`, `Yes - GP only`, `Yes apart from
/// ...`, `Yes but ...`), or that speaks of another consent at all (`Yes -
/// consent to share with GP`): no plain yes, whatever the limit is on.
/// `No objection`, `no problems` and `not a problem` limit nothing.
fn limited(raw: &str) -> bool {
    let all = words(raw);
    let words: Vec<&str> = all.split(' ').filter(|w| !w.is_empty()).collect();
    let facts = fact_denials(raw);
    let limit = words.iter().enumerate().any(|(at, w)| match *w {
        "no" | "not" | "t" => !no_objection(&words[at + 1..]) && !facts.get(at).copied().unwrap_or(false),
        "never" | "without" | "except" | "excepting" | "excluding" | "exclude" | "apart"
        | "only" | "but" | "however" | "although" | "though" | "refuses" | "refused"
        | "declines" | "declined" | "objects" | "objected" | "unhappy" | "limited"
        | "restricted" | "partial" | "partially" | "against" | "opted" | "pulled" | "backed"
        | "nothing" | "unwilling" | "reluctant" | "unsure" | "maybe" | "possibly" | "expired"
        | "lapsed" | "previously" | "previous" | "awaiting" | "pending" | "tbc" | "unsigned"
        // An exclusion however put (`all agencies bar the police`).
        | "bar" | "save" | "minus" | "excluded" | "besides" | "nobody" | "else"
        // A narrower purpose or a time limit (`just housing`, `until
        // release`, `expires 01/12`).
        | "just" | "solely" | "purely" | "until" | "expires" | "expiring" | "expiry"
        | "temporary" | "temporarily"
        // A guess, a hesitation, a refusal in other words, a mind not made
        // up or changed, a question not yet put (`probably`, `under
        // protest`, `nah`, `w/drawn`, `he may change his mind`, `will ask
        // him`, `unable to ask`).
        | "probably" | "perhaps" | "might" | "think" | "assume" | "presumably" | "hesitant"
        | "reluctantly" | "protest" | "nope" | "nah" | "shook" | "reversed" | "drawn"
        | "back" | "mind" | "ask" | "unable" => true,
        // `everyone other than the police`, `to be confirmed`.
        "other" => words.get(at + 1) == Some(&"than"),
        "be" => words.get(at + 1) == Some(&"confirmed"),
        _ => false,
    });
    // A yes taken back (`Yes - since withdrawn`) is read as that, and no
    // limit.
    !taken_back(&words) && (limit || speaks_of_another_consent(raw))
}

/// An answer's clauses (between commas, dashes, brackets and stops), each
/// as its lower-cased words: what a `no` or a person is about is read
/// within its clause. Their words, in turn, are the answer's [`words`].
fn clauses(raw: &str) -> Vec<Vec<String>> {
    raw.split([',', ';', '.', ':', '(', ')', '-', '\u{2013}', '\u{2014}'])
        .map(|clause| {
            clause
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        })
        .filter(|clause| !clause.is_empty())
        .collect()
}

/// For each of the answer's [`words`], whether it is a `no` or `not` that
/// denies a fact of the person's life (`no fixed abode`, `no phone`, `does
/// not read English`, `hasn't got a phone`) in a clause that says nothing
/// of consent, sharing or contact: such a denial limits no consent.
fn fact_denials(raw: &str) -> Vec<bool> {
    /// What a person may have no `no` of without it touching consent.
    const FACTS: [&str; 30] = [
        "phone",
        "phones",
        "telephone",
        "mobile",
        "number",
        "address",
        "abode",
        "accommodation",
        "home",
        "property",
        "tenancy",
        "income",
        "money",
        "benefits",
        "bank",
        "id",
        "identification",
        "passport",
        "english",
        "job",
        "work",
        "employment",
        "car",
        "email",
        "internet",
        "savings",
        "children",
        "dependants",
        "pets",
        "arrears",
    ];
    /// Words between the `no` and the fact (`no fixed abode`).
    const QUALIFIERS: [&str; 10] = [
        "fixed",
        "current",
        "permanent",
        "settled",
        "stable",
        "suitable",
        "known",
        "own",
        "valid",
        "working",
    ];
    /// What a person may `not` do without it touching consent.
    const FACT_VERBS: [&str; 7] = ["read", "speak", "write", "have", "got", "own", "drive"];
    /// Words that may stand before the denial in a clause that states a
    /// fact (`he has no`, `he does not`, `there is currently no`).
    const BEFORE: [&str; 25] = [
        "he",
        "she",
        "they",
        "has",
        "have",
        "had",
        "hasn",
        "haven",
        "does",
        "do",
        "did",
        "doesn",
        "don",
        "didn",
        "got",
        "currently",
        "there",
        "is",
        "are",
        "was",
        "at",
        "present",
        "will",
        "be",
        "the",
    ];
    /// Words that may follow the fact (`no address on release`, `no phone
    /// at present`): none names someone the fact may go to.
    const AFTER: [&str; 20] = [
        "on",
        "release",
        "at",
        "present",
        "currently",
        "yet",
        "in",
        "custody",
        "prison",
        "the",
        "moment",
        "this",
        "time",
        "of",
        "any",
        "kind",
        "or",
        "and",
        "nor",
        "either",
    ];
    // Before the fact, after the denial: `no fixed`, `not have a`.
    let between = |w: &str| {
        QUALIFIERS.contains(&w) || matches!(w, "a" | "an" | "any" | "his" | "her" | "their")
    };
    let mut denials = Vec::new();
    for clause in clauses(raw) {
        let about_consent = clause.iter().any(|w| {
            speaks_of_consent(w) || super::form::OTHER_CONSENT_OBJECTS.contains(&w.as_str())
        });
        // The clause says a fact and nothing else: what comes before the
        // denial, the fact, and only such words after it. `no address to
        // Harlow council`, `not have his address released` say more.
        let states_a_fact = |at: usize, from: usize| {
            let mut rest = clause[from..]
                .iter()
                .map(String::as_str)
                .skip_while(|w| between(w));
            let Some(fact) = rest.next() else {
                return false;
            };
            clause[..at].iter().all(|w| BEFORE.contains(&w.as_str()))
                && FACTS.contains(&fact)
                && rest.all(|w| FACTS.contains(&w) || QUALIFIERS.contains(&w) || AFTER.contains(&w))
        };
        for (at, word) in clause.iter().enumerate() {
            let fact = match word.as_str() {
                "no" => states_a_fact(at, at + 1),
                "not" | "t" => match clause.get(at + 1).map(String::as_str) {
                    // `does not read English`, `doesn't drive`.
                    Some("read" | "speak" | "write" | "drive") => {
                        clause[at + 2..].iter().all(|w| {
                            matches!(w.as_str(), "english" | "or" | "and" | "well" | "much")
                        }) && clause[..at].iter().all(|w| BEFORE.contains(&w.as_str()))
                    }
                    // `does not have a phone`, `hasn't got a mobile`.
                    Some(verb) if FACT_VERBS.contains(&verb) => states_a_fact(at, at + 2),
                    _ => false,
                },
                _ => false,
            };
            denials.push(fact && !about_consent);
        }
    }
    denials
}

/// A word of consent, sharing or contact: a clause holding one is about
/// what the person agreed to, and a `no` in it limits.
fn speaks_of_consent(word: &str) -> bool {
    const STEMS: [&str; 14] = [
        "consent", "agree", "shar", "contact", "call", "refer", "disclos", "inform", "permi",
        "allow", "involv", "approach", "visit", "wish",
    ];
    STEMS.iter().any(|stem| word.starts_with(stem))
        || matches!(
            word,
            "details"
                | "data"
                | "happy"
                | "ok"
                | "okay"
                | "access"
                | "tell"
                | "told"
                | "pass"
                | "passed"
                | "send"
                | "sent"
                | "give"
                | "given"
                | "gave"
                | "want"
                | "wants"
                | "wanted"
                | "letter"
                | "letters"
        )
}

/// A yes that speaks of another consent than the referral's: a clause
/// naming only such objects (`Yes (GP)`, `Yes - GP and family`), or one
/// that speaks of consent to them (`Yes - consent to share with GP`); not
/// one that adds them (`GP contact also agreed`, `to all agencies`), nor
/// one that speaks of the person's life (`lives with his partner`).
fn speaks_of_another_consent(raw: &str) -> bool {
    clauses(raw).iter().any(|clause| {
        let object = |w: &str| {
            super::form::OTHER_CONSENT_OBJECTS.contains(&w)
                && !matches!(w, "share" | "sharing" | "shared")
        };
        let names_one = clause.iter().any(|w| object(w));
        let alone = clause.iter().all(|w| {
            object(w)
                || matches!(
                    w.as_str(),
                    "yes"
                        | "y"
                        | "and"
                        | "or"
                        | "to"
                        | "for"
                        | "with"
                        | "the"
                        | "his"
                        | "her"
                        | "their"
                        | "a"
                        | "an"
                )
        });
        let consent = clause.iter().any(|w| {
            [
                "consent", "agree", "shar", "contact", "refer", "disclos", "inform", "permi",
            ]
            .iter()
            .any(|stem| w.starts_with(stem))
        });
        let added = clause.iter().any(|w| {
            matches!(
                w.as_str(),
                "also" | "too" | "all" | "including" | "incl" | "plus" | "well" | "any" | "every"
            )
        });
        names_one && (alone || consent) && !added
    })
}

/// A word that takes a consent back (`withdrawn`, `revoked`, ...).
fn taken_back(words: &[&str]) -> bool {
    words.iter().any(|w| {
        ["withdr", "revok", "retract", "rescind"]
            .iter()
            .any(|stem| w.starts_with(stem))
    })
}

/// [`no_objection`] of the words after `at` in a list of owned words.
fn no_objection_at(words: &[String], at: usize) -> bool {
    let after: Vec<&str> = words
        .iter()
        .skip(at + 1)
        .take(2)
        .map(String::as_str)
        .collect();
    no_objection(&after)
}

/// What follows a `no` or `not` says it denies nothing: `no problems`,
/// `not a problem`, `no objection`.
fn no_objection(after: &[&str]) -> bool {
    match after {
        [next, ..] if OBJECTIONS.contains(next) => true,
        ["a" | "an" | "any", next, ..] => OBJECTIONS.contains(next),
        _ => false,
    }
}

/// A yes that rests on someone other than the person (`Yes (mum agrees)`,
/// `Yes - agreed by his solicitor`, `Yes - verbal, via his partner`, `Yes
/// (mum)`), or on their capacity in doubt: the consent must be the
/// person's own, and the answer leaves it in doubt. The people of the
/// person's life spoken of otherwise (`lives with his partner`, `wants to
/// live near his family`) and capacity had (`he has mental capacity`)
/// leave it as it is.
fn names_someone_else(raw: &str) -> bool {
    // Other people.
    const OTHERS: [&str; 30] = [
        "mum",
        "mother",
        "dad",
        "father",
        "parent",
        "parents",
        "partner",
        "wife",
        "husband",
        "girlfriend",
        "boyfriend",
        "fiance",
        "fiancee",
        "solicitor",
        "family",
        "sister",
        "brother",
        "son",
        "daughter",
        "carer",
        "advocate",
        "friend",
        "guardian",
        "nan",
        "gran",
        "grandmother",
        "grandfather",
        "aunt",
        "uncle",
        "relative",
    ];
    // Staff, who take the person's consent every day (`consent obtained by
    // prison OMU`) but may not give it (`OM consented`, `agreed by OMU`).
    const STAFF: [&str; 11] = [
        "officer",
        "staff",
        "om",
        "omu",
        "pom",
        "com",
        "worker",
        "keyworker",
        "caseworker",
        "colleague",
        "manager",
    ];
    // Consent given for the person by someone else, whoever.
    const PROXY: [&str; 6] = [
        "behalf",
        "attorney",
        "interests",
        "implied",
        "assumed",
        "deemed",
    ];
    // Words that put an agreement in someone's mouth.
    const AGREEING: [&str; 13] = [
        "agree", "consent", "sign", "confirm", "authori", "approv", "said", "says", "told",
        "spoke", "verbal", "witness", "support",
    ];
    const DETERMINERS: [&str; 7] = ["his", "her", "their", "the", "a", "an", "my"];
    let clauses = clauses(raw);
    let words: Vec<&str> = clauses.iter().flatten().map(String::as_str).collect();
    if words.iter().any(|w| PROXY.contains(w)) {
        return true;
    }
    // Someone's agreement anywhere after the answer's opening yes.
    let agreement = words.iter().skip(1).any(|w| {
        AGREEING.iter().any(|stem| w.starts_with(stem))
            || matches!(
                *w,
                "by" | "via"
                    | "through"
                    | "happy"
                    | "ok"
                    | "okay"
                    | "gave"
                    | "given"
                    | "per"
                    | "according"
                    | "advice"
                    | "asked"
                    | "from"
            )
    });
    // `I agreed for him`, `we consented`: the writer's own agreement.
    let writer_agreed = words.windows(2).any(|pair| {
        matches!(pair[0], "i" | "we")
            && ["agree", "consent", "sign", "gave"]
                .iter()
                .any(|stem| pair[1].starts_with(stem))
    });
    if writer_agreed {
        return true;
    }
    clauses.iter().any(|clause| {
        clause.iter().enumerate().any(|(at, w)| {
            let before = &clause[..at];
            if STAFF.contains(&w.as_str()) {
                // Staff giving the agreement in the clause, not taking it.
                let gives = clause.iter().any(|c| {
                    ["agree", "consent", "sign", "confirm", "authori", "approv"]
                        .iter()
                        .any(|stem| c.starts_with(stem))
                        || matches!(c.as_str(), "per" | "according" | "advice" | "behalf")
                });
                let takes = clause.iter().any(|c| {
                    matches!(
                        c.as_str(),
                        "obtained"
                            | "taken"
                            | "took"
                            | "gained"
                            | "sought"
                            | "witnessed"
                            | "recorded"
                            | "explained"
                            | "got"
                            | "received"
                    )
                });
                gives && !takes
            } else if OTHERS.contains(&w.as_str()) {
                // The clause's subject (`mum wants it`, `his partner is
                // happy`), a clause of the name alone (`Yes (mum)`), or
                // anyone beside someone's agreement.
                let subject = before.iter().all(|b| DETERMINERS.contains(&b.as_str()));
                let alone = clause.iter().all(|c| {
                    OTHERS.contains(&c.as_str())
                        || DETERMINERS.contains(&c.as_str())
                        || matches!(c.as_str(), "yes" | "y" | "and" | "or")
                });
                agreement || subject || alone
            } else if w == "capacity" {
                // `he has mental capacity` is no doubt; `lacks capacity`,
                // `does not have capacity`, `capacity in doubt` are.
                let had = matches!(
                    before.iter().rev().find(|b| !matches!(b.as_str(), "full" | "mental")),
                    Some(b) if matches!(b.as_str(), "has" | "have" | "with")
                );
                // Anywhere in the answer: `has capacity (assessed as
                // lacking)`, `has capacity on good days`.
                let doubted = words.iter().any(|c| {
                    matches!(
                        *c,
                        "sometimes"
                            | "days"
                            | "per"
                            | "varies"
                            | "variable"
                            | "fluctuates"
                            | "no"
                            | "not"
                            | "t"
                            | "never"
                            | "lacks"
                            | "lack"
                            | "lacking"
                            | "without"
                            | "limited"
                            | "questionable"
                            | "doubt"
                            | "fluctuating"
                            | "reduced"
                            | "impaired"
                            | "assessed"
                            | "assessment"
                            | "unclear"
                            | "unsure"
                    )
                });
                !had || doubted
            } else {
                false
            }
        })
    })
}

/// A yes beside a denial of some other sharing or action: `no consent for
/// GP contact`, `he does not consent to GP contact`, `not to be shared
/// with other agencies`, `does not consent to a Social Services
/// referral`. Such a yes is neither taken nor read as a refusal: the
/// referrer is asked for the answer and the limit apart.
pub(super) fn limits_another_consent(raw: &str) -> bool {
    let all = words(raw);
    let words: Vec<&str> = all.split(' ').filter(|w| !w.is_empty()).collect();
    // `no problems` and `no fixed abode` deny nothing the person agreed
    // to: a `no` before one of these is no limit.
    let facts = fact_denials(raw);
    let denial = words.iter().enumerate().any(|(at, w)| match *w {
        "no" => !no_objection(&words[at + 1..]) && !facts.get(at).copied().unwrap_or(false),
        "not" | "t" => !facts.get(at).copied().unwrap_or(false),
        "never" | "without" | "except" | "excluding" | "refuses" | "refused" | "declines"
        | "declined" => true,
        _ => false,
    });
    // A yes taken back (`Yes - since withdrawn; no GP contact`) is that,
    // and no limit.
    denial
        && !taken_back(&words)
        && words
            .iter()
            .any(|w| super::form::OTHER_CONSENT_OBJECTS.contains(w))
}

/// `he has not`, `she hasn't`, `they do not agree` (a clause that ends at
/// the denial or goes on to agreement), or `his mother agreed`, `her
/// partner has consented` when the person's own agreement is not said.
fn denied_or_someone_else_s(raw: &str) -> bool {
    let is_person = |w: &str| matches!(w, "he" | "she" | "they");
    let agreeing = |w: &str| {
        matches!(
            w,
            "agree" | "agreed" | "agrees" | "consent" | "consented" | "consents" | "given"
        )
    };
    let mut own_agreement = false;
    let mut someone_else = false;
    for clause in raw.split([';', ',', '.', '(', ')', '-', '\u{2013}', '\u{2014}']) {
        let clause = words(clause);
        let w: Vec<&str> = clause.split(' ').filter(|w| !w.is_empty()).collect();
        for (at, word) in w.iter().enumerate() {
            let rest = &w[at + 1..];
            if is_person(word) {
                let auxiliary = rest.first().is_some_and(|a| {
                    matches!(
                        *a,
                        "has"
                            | "have"
                            | "had"
                            | "hasn"
                            | "haven"
                            | "hadn"
                            | "does"
                            | "do"
                            | "did"
                            | "doesn"
                            | "don"
                            | "didn"
                            | "is"
                            | "isn"
                            | "was"
                            | "wasn"
                            | "will"
                            | "won"
                            | "would"
                            | "wouldn"
                    )
                });
                let denied_at = match rest {
                    ["never", ..] => Some(1),
                    [_, "not" | "t" | "never", ..] if auxiliary => Some(2),
                    _ => None,
                };
                if let Some(after) = denied_at {
                    let then = &rest[after..];
                    if then.is_empty() || then.iter().take(2).any(|n| agreeing(n)) {
                        return true;
                    }
                }
                own_agreement |= rest.iter().take(2).any(|n| agreeing(n) || *n == "and");
            }
            if matches!(*word, "his" | "her" | "their") {
                // `his mother agreed`; not `his consent was given`.
                someone_else |= rest.len() >= 2
                    && !matches!(rest[0], "consent" | "agreement" | "form")
                    && rest
                        .iter()
                        .skip(1)
                        .take(3)
                        .any(|n| matches!(*n, "agreed" | "agrees" | "consented" | "consents"));
            }
        }
    }
    someone_else && !own_agreement
}

/// Whether the answer's first word runs straight on into another, with no
/// punctuation between (`No he declined`), as against `No - he declined`
/// or `No, refused`.
fn runs_on(raw: &str) -> bool {
    let text = raw.trim_start_matches(|c: char| !c.is_alphanumeric());
    let after = text.trim_start_matches(char::is_alphanumeric);
    let gap = after.len() - after.trim_start().len();
    gap > 0 && after.trim_start().starts_with(char::is_alphanumeric)
}

fn identifier(raw: &str, shape: &Regex) -> Option<String> {
    let id: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    shape.is_match(&id).then_some(id)
}

/// `resident, family`, or with an explanation after the list (`Resident -
/// lived in Harlow 10 years, mother nearby`, `Yes - family`): the list is
/// what comes before the explanation, and every item of it must be known.
/// `2015 - 2025` written `2015 to 2025`: a dash with a digit on either
/// side of it (white space apart) joins two numbers.
fn spans_joined(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_seen = None;
    for (at, c) in text.char_indices() {
        let dash = matches!(c, '-' | '–' | '—');
        let digit_before = last_seen.is_some_and(|l: char| l.is_ascii_digit());
        let digit_after = || {
            text[at + c.len_utf8()..]
                .trim_start()
                .starts_with(|n: char| n.is_ascii_digit())
        };
        if dash && digit_before && digit_after() {
            out.push_str(" to ");
        } else {
            out.push(c);
        }
        if !c.is_whitespace() {
            last_seen = Some(c);
        }
    }
    out
}

fn local_connection(raw: &str) -> Option<Vec<LocalConnection>> {
    let mut found = Vec::new();
    let mut none = false;
    let lowered = raw.trim().to_lowercase();
    let lowered = match lowered.strip_prefix("yes") {
        Some(rest) if !rest.starts_with(char::is_alphanumeric) => {
            rest.trim_start_matches(|c: char| !c.is_alphanumeric())
        }
        _ => lowered.as_str(),
    };
    // An explanation in brackets may come after any item (`Resident (10
    // years), employed`): the brackets go, the list goes on after them.
    // A dash between two numbers (`Resident 2015 - 2025, family`) is a span
    // of years, not the start of an explanation.
    let unbracketed = spans_joined(&without_brackets(lowered));
    let list = unbracketed
        .split(['-', '–', '—', '(', ':'])
        .next()
        .unwrap_or(&unbracketed)
        .replace(" and ", ",");
    for item in list.split([',', '/', ';', '&', '+']) {
        let lead: Vec<String> = item
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        let option = |name: &str| starts_with_words(&lead, name);
        if lead.is_empty() {
            continue;
        } else if option("resident") || option("residence") {
            found.push(LocalConnection::Resident);
        } else if option("employed") || option("employment") || option("works") {
            found.push(LocalConnection::Employed);
        } else if option("family") || option("close family") {
            found.push(LocalConnection::Family);
        } else if option("special circumstances") {
            found.push(LocalConnection::SpecialCircumstances);
        } else if option("none") || option("no connection") || lead == ["no"] {
            none = true;
        } else {
            return None;
        }
    }
    // A list that names nothing known, or that says none and names
    // something, is asked again rather than guessed.
    if none && !found.is_empty() || !none && found.is_empty() {
        return None;
    }
    found.sort();
    found.dedup();
    Some(found)
}

/// The text without what stands in closed brackets.
fn without_brackets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    // An unclosed bracket: what came before it stands.
    out
}

impl Referral {
    /// The referral as the contract's JSON object: empty keys left out.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Keeps only what shows a referral was refused: who sent it and where.
    pub fn without_personal_details(&self) -> Referral {
        Referral {
            referral_type: self.referral_type,
            consent: self.consent,
            lha: self.lha.clone(),
            referring_agency: self.referring_agency.clone(),
            referrer_name: self.referrer_name.clone(),
            referrer_email: self.referrer_email.clone(),
            referrer_phone: self.referrer_phone.clone(),
            ..Referral::default()
        }
    }

    /// Fills what this referral leaves empty from an earlier one, so a
    /// second, completed referral for the same person updates the case.
    pub fn merged_over(self, earlier: &Referral) -> Referral {
        let e = earlier.clone();
        Referral {
            referral_type: self.referral_type.or(e.referral_type),
            full_name: self.full_name.or(e.full_name),
            date_of_birth: self.date_of_birth.or(e.date_of_birth),
            prison_number: self.prison_number.or(e.prison_number),
            crn: self.crn.or(e.crn),
            current_location: self.current_location.or(e.current_location),
            custody_status: self.custody_status.or(e.custody_status),
            expected_release_date: self.expected_release_date.or(e.expected_release_date),
            consent: self.consent.or(e.consent),
            person_phone: self.person_phone.or(e.person_phone),
            person_email: self.person_email.or(e.person_email),
            current_accommodation: self.current_accommodation.or(e.current_accommodation),
            rough_sleeping_risk: self.rough_sleeping_risk.or(e.rough_sleeping_risk),
            existing_tenancy: self.existing_tenancy.or(e.existing_tenancy),
            homelessness_reason: self.homelessness_reason.or(e.homelessness_reason),
            lha: self.lha.or(e.lha),
            local_connection: self.local_connection.or(e.local_connection),
            local_connection_details: self.local_connection_details.or(e.local_connection_details),
            no_connection_reason: self.no_connection_reason.or(e.no_connection_reason),
            physical_health: self.physical_health.or(e.physical_health),
            mental_health: self.mental_health.or(e.mental_health),
            risk_to_others: self.risk_to_others.or(e.risk_to_others),
            risk_to_self: self.risk_to_self.or(e.risk_to_self),
            referring_agency: self.referring_agency.or(e.referring_agency),
            referrer_name: self.referrer_name.or(e.referrer_name),
            referrer_email: self.referrer_email.or(e.referrer_email),
            referrer_phone: self.referrer_phone.or(e.referrer_phone),
            case_lead_name: self.case_lead_name.or(e.case_lead_name),
            case_lead_email: self.case_lead_email.or(e.case_lead_email),
            case_lead_phone: self.case_lead_phone.or(e.case_lead_phone),
        }
    }

    /// Judges a referral afresh (after a merge) without a form reading.
    pub fn judge(&self) -> (Outcome, Vec<Field>) {
        let missing: Vec<Field> = Field::ALL
            .into_iter()
            .filter(|&f| is_required(f, self) && !is_present(f, self))
            .collect();
        let outcome = if self.consent == Some(false) {
            Outcome::NoConsent
        } else if missing.is_empty() {
            Outcome::Complete
        } else {
            Outcome::Incomplete
        };
        (outcome, missing)
    }
}

/// Days before release by which the protocol asks for a referral.
pub const DAYS_BEFORE_RELEASE: i64 = 56;

impl Referral {
    /// Urgent under the protocol: release less than 56 days away, or the
    /// person at risk of rough sleeping.
    pub fn is_urgent(&self, received_on: NaiveDate) -> bool {
        self.rough_sleeping_risk == Some(true)
            || self
                .expected_release_date
                .is_some_and(|d| (d - received_on).num_days() < DAYS_BEFORE_RELEASE)
    }

    /// The name as compared when matching a second referral to a case.
    pub fn name_key(&self) -> Option<String> {
        self.full_name
            .as_deref()
            .map(|n| super::form::normalise_space(n).to_lowercase())
    }
}

#[cfg(test)]
mod tests;

impl ReferralType {
    /// As the form words it.
    pub fn words(self) -> &'static str {
        match self {
            ReferralType::DutyToRefer => "Duty to Refer",
            ReferralType::KeepAccommodation => "Help to keep accommodation",
        }
    }
}

impl CustodyStatus {
    /// As the form words it.
    pub fn words(self) -> &'static str {
        match self {
            CustodyStatus::Remand => "remand",
            CustodyStatus::Sentenced => "sentenced",
            CustodyStatus::Community => "community",
            CustodyStatus::Released => "released",
        }
    }
}

impl LocalConnection {
    /// As the form words it.
    pub fn words(self) -> &'static str {
        match self {
            LocalConnection::Resident => "resident",
            LocalConnection::Employed => "employed",
            LocalConnection::Family => "family",
            LocalConnection::SpecialCircumstances => "special circumstances",
        }
    }
}

/// Yes or No, as the form asks.
pub fn in_words(answer: bool) -> &'static str {
    if answer {
        "Yes"
    } else {
        "No"
    }
}

impl Referral {
    /// The referral as the form reads: each field given, in the form's
    /// order, by its label, with its value in words (dates as `14 July
    /// 1988`, Yes or No, the form's own choices).
    pub fn as_form(&self) -> Vec<(Field, String)> {
        Field::ALL
            .into_iter()
            .filter_map(|field| Some((field, self.answer_in_words(field)?)))
            .collect()
    }

    /// One field's answer in words, as [`Referral::as_form`] gives it: what
    /// comparing two readings field by field asks, without writing out
    /// every other answer each time.
    pub fn answer_in_words(&self, field: Field) -> Option<String> {
        use super::words::long_date;
        let text = |v: &Option<String>| v.clone();
        match field {
            Field::ReferralType => self.referral_type.map(|t| t.words().to_string()),
            Field::FullName => text(&self.full_name),
            Field::DateOfBirth => self.date_of_birth.map(long_date),
            Field::PrisonNumber => text(&self.prison_number),
            Field::Crn => text(&self.crn),
            Field::CurrentLocation => text(&self.current_location),
            Field::CustodyStatus => self.custody_status.map(|s| s.words().to_string()),
            Field::ExpectedReleaseDate => self.expected_release_date.map(long_date),
            Field::Consent => self.consent.map(|b| in_words(b).to_string()),
            Field::PersonPhone => self.person_phone.as_ref().map(|p| p.as_str().into()),
            Field::PersonEmail => self.person_email.as_ref().map(|e| e.to_string()),
            Field::CurrentAccommodation => text(&self.current_accommodation),
            Field::RoughSleepingRisk => self.rough_sleeping_risk.map(|b| in_words(b).to_string()),
            Field::ExistingTenancy => self.existing_tenancy.map(|b| in_words(b).to_string()),
            Field::HomelessnessReason => text(&self.homelessness_reason),
            Field::Lha => text(&self.lha),
            Field::LocalConnection => self.local_connection.as_ref().map(|c| {
                if c.is_empty() {
                    "none".to_string()
                } else {
                    c.iter().map(|c| c.words()).collect::<Vec<_>>().join(", ")
                }
            }),
            Field::LocalConnectionDetails => text(&self.local_connection_details),
            Field::NoConnectionReason => text(&self.no_connection_reason),
            Field::PhysicalHealth => text(&self.physical_health),
            Field::MentalHealth => text(&self.mental_health),
            Field::RiskToOthers => text(&self.risk_to_others),
            Field::RiskToSelf => text(&self.risk_to_self),
            Field::ReferringAgency => text(&self.referring_agency),
            Field::ReferrerName => text(&self.referrer_name),
            Field::ReferrerEmail => self.referrer_email.as_ref().map(|e| e.to_string()),
            Field::ReferrerPhone => self.referrer_phone.as_ref().map(|p| p.as_str().into()),
            Field::CaseLeadName => text(&self.case_lead_name),
            Field::CaseLeadEmail => self.case_lead_email.as_ref().map(|e| e.to_string()),
            Field::CaseLeadPhone => self.case_lead_phone.as_ref().map(|p| p.as_str().into()),
        }
    }
}

#[cfg(test)]
mod form_words {
    use super::*;
    use crate::core::test_support::d;

    #[test]
    fn the_form_reads_in_words_with_british_dates() {
        let r = Referral {
            referral_type: Some(ReferralType::DutyToRefer),
            full_name: Some("Daniel Marsh".into()),
            date_of_birth: Some(d(1988, 7, 14)),
            rough_sleeping_risk: Some(true),
            existing_tenancy: Some(false),
            local_connection: Some(vec![
                LocalConnection::Resident,
                LocalConnection::SpecialCircumstances,
            ]),
            ..Referral::default()
        };
        let rows: Vec<(&str, String)> = r
            .as_form()
            .into_iter()
            .map(|(f, v)| (f.label(), v))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("Referral type", "Duty to Refer".to_string()),
                ("Full name", "Daniel Marsh".into()),
                ("Date of birth", "14 July 1988".into()),
                ("At risk of rough sleeping", "Yes".into()),
                ("Existing tenancy or mortgage", "No".into()),
                ("Local connection", "resident, special circumstances".into()),
            ]
        );
    }
}
