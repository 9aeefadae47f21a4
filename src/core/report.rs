//! The outcomes report for the protocol's governance meetings (commitment
//! 23): per authority and quarter, counts and rates only, never a person.
//! Pure: the cases come in as values, the tables go out as text.

use super::address::{DomainPattern, EmailAddress};
use super::calendar::Calendar;
use super::field::normalise_label;
use super::protocol::{CaseFacts, Progress, Protocol};
use super::referral::ReferralType;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// Who referred, in the categories of the national homelessness statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyCategory {
    AdultSecureEstate,
    YouthSecureEstate,
    Probation,
    HospitalUrgentCare,
    MentalHealthInpatient,
    JobcentrePlus,
    AdultSocialServices,
    ChildrensSocialServices,
    SecretaryOfStateForDefence,
    Other,
}

impl AgencyCategory {
    pub const ALL: [AgencyCategory; 10] = [
        AgencyCategory::AdultSecureEstate,
        AgencyCategory::YouthSecureEstate,
        AgencyCategory::Probation,
        AgencyCategory::HospitalUrgentCare,
        AgencyCategory::MentalHealthInpatient,
        AgencyCategory::JobcentrePlus,
        AgencyCategory::AdultSocialServices,
        AgencyCategory::ChildrensSocialServices,
        AgencyCategory::SecretaryOfStateForDefence,
        AgencyCategory::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            AgencyCategory::AdultSecureEstate => "Adult secure estate (prison)",
            AgencyCategory::YouthSecureEstate => "Youth secure estate",
            AgencyCategory::Probation => "Probation",
            AgencyCategory::HospitalUrgentCare => "Hospital and urgent care",
            AgencyCategory::MentalHealthInpatient => "Mental health in-patient care",
            AgencyCategory::JobcentrePlus => "Jobcentre Plus",
            AgencyCategory::AdultSocialServices => "Adult social services",
            AgencyCategory::ChildrensSocialServices => "Children's social services",
            AgencyCategory::SecretaryOfStateForDefence => "Secretary of State for Defence",
            AgencyCategory::Other => "Other",
        }
    }
}

/// The mapping from what a referral says of its agency to a category
/// (`config/agencies.toml`): the first rule that matches.
#[derive(Clone, Debug, Default)]
pub struct AgencyMap(Vec<AgencyRule>);

#[derive(Clone, Debug)]
struct AgencyRule {
    category: AgencyCategory,
    /// Normalised, padded with spaces for whole-word search.
    words: Vec<String>,
    domains: Vec<DomainPattern>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgencyMapError {
    #[error("{0}")]
    Toml(String),
    #[error("rule[{index}].domains: {message}")]
    Domain { index: usize, message: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMap {
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    category: AgencyCategory,
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    domains: Vec<String>,
}

impl AgencyMap {
    pub fn from_toml(text: &str) -> Result<AgencyMap, AgencyMapError> {
        let raw: RawMap = toml::from_str(text)
            .map_err(|e| AgencyMapError::Toml(e.message().trim().to_string()))?;
        let mut rules = Vec::new();
        for (index, r) in raw.rule.into_iter().enumerate() {
            let domains = r
                .domains
                .iter()
                .map(|d| DomainPattern::parse(d))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| AgencyMapError::Domain {
                    index,
                    message: e.to_string(),
                })?;
            rules.push(AgencyRule {
                category: r.category,
                words: r
                    .words
                    .iter()
                    .map(|w| format!(" {} ", normalise_label(w)))
                    .collect(),
                domains,
            });
        }
        Ok(AgencyMap(rules))
    }

    /// The agency's category: by its name first, then by the referrer's domain.
    pub fn categorise(
        &self,
        agency: Option<&str>,
        referrer: Option<&EmailAddress>,
    ) -> AgencyCategory {
        self.categorise_domain(agency, referrer.map(EmailAddress::domain).as_deref())
    }

    /// As [`AgencyMap::categorise`], with only the referrer's domain (lower
    /// case): all that is kept of their address once a case is purged.
    pub fn categorise_domain(&self, agency: Option<&str>, domain: Option<&str>) -> AgencyCategory {
        let text = agency.map(|a| format!(" {} ", normalise_label(a)));
        self.0
            .iter()
            .find(|rule| {
                text.as_ref()
                    .is_some_and(|t| rule.words.iter().any(|w| t.contains(w.as_str())))
            })
            .or_else(|| {
                self.0.iter().find(|rule| {
                    domain
                        .as_ref()
                        .is_some_and(|d| rule.domains.iter().any(|p| p.matches(d)))
                })
            })
            .map_or(AgencyCategory::Other, |rule| rule.category)
    }
}

/// A calendar quarter: `2026Q4` is October to December 2026.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quarter {
    pub year: i32,
    pub number: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a quarter such as 2026Q4")]
pub struct NotAQuarter(pub String);

impl std::str::FromStr for Quarter {
    type Err = NotAQuarter;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || NotAQuarter(text.to_string());
        let upper = text.trim().to_ascii_uppercase();
        let (year, number) = upper.split_once('Q').ok_or_else(bad)?;
        let year: i32 = year.parse().map_err(|_| bad())?;
        let number: u32 = number.parse().map_err(|_| bad())?;
        if !(1..=4).contains(&number) || !(2000..=2100).contains(&year) {
            return Err(bad());
        }
        Ok(Quarter { year, number })
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Q{}", self.year, self.number)
    }
}

impl Quarter {
    /// The first day, and the first day after.
    pub fn days(self) -> (NaiveDate, NaiveDate) {
        let month = 3 * (self.number - 1) + 1;
        let first = NaiveDate::from_ymd_opt(self.year, month, 1).unwrap_or_default();
        let next = if self.number == 4 {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(self.year, month + 3, 1)
        }
        .unwrap_or_default();
        (first, next)
    }

    /// The quarter in words: `October to December 2026`.
    pub fn words(self) -> String {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let first = 3 * (self.number.clamp(1, 4) as usize - 1);
        format!("{} to {} {}", MONTHS[first], MONTHS[first + 2], self.year)
    }

    pub fn contains(self, day: NaiveDate) -> bool {
        let (first, next) = self.days();
        first <= day && day < next && day.year() == self.year
    }
}

/// What came of a closed case, from a fixed list so that the report can
/// count them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CaseOutcome {
    AccommodationSecured,
    PersonalHousingPlanAgreed,
    NotEligible,
    ReferredElsewhere,
    NoContact,
    /// The person withdrew their consent to the referral.
    ConsentWithdrawn,
    /// Anything else, with a note saying what.
    Other,
}

impl CaseOutcome {
    pub const ALL: [CaseOutcome; 7] = [
        CaseOutcome::AccommodationSecured,
        CaseOutcome::PersonalHousingPlanAgreed,
        CaseOutcome::NotEligible,
        CaseOutcome::ReferredElsewhere,
        CaseOutcome::NoContact,
        CaseOutcome::ConsentWithdrawn,
        CaseOutcome::Other,
    ];

    /// As a sentence says it, and as the case keeps it.
    pub fn words(self) -> &'static str {
        match self {
            CaseOutcome::AccommodationSecured => "accommodation secured",
            CaseOutcome::PersonalHousingPlanAgreed => "personal housing plan agreed",
            CaseOutcome::NotEligible => "not eligible",
            CaseOutcome::ReferredElsewhere => "referred elsewhere",
            CaseOutcome::NoContact => "no contact",
            CaseOutcome::ConsentWithdrawn => "consent withdrawn",
            CaseOutcome::Other => "other",
        }
    }

    /// As a column heading.
    pub fn heading(self) -> &'static str {
        match self {
            CaseOutcome::AccommodationSecured => "Accommodation secured",
            CaseOutcome::PersonalHousingPlanAgreed => "Personal housing plan agreed",
            CaseOutcome::NotEligible => "Not eligible",
            CaseOutcome::ReferredElsewhere => "Referred elsewhere",
            CaseOutcome::NoContact => "No contact",
            CaseOutcome::ConsentWithdrawn => "Consent withdrawn",
            CaseOutcome::Other => "Other",
        }
    }

    /// What the case keeps: the outcome's words, and the note after a
    /// colon (`other: moved to Scotland`).
    pub fn stored(self, note: Option<&str>) -> String {
        match note.map(str::trim).filter(|n| !n.is_empty()) {
            Some(note) => format!("{}: {note}", self.words()),
            None => self.words().to_string(),
        }
    }

    /// The outcome a case keeps; anything not from the list (an outcome
    /// recorded before there was one) is `Other`, except a withdrawal of
    /// consent kept as `other: consent withdrawn` before it had its own.
    pub fn of_stored(text: &str) -> CaseOutcome {
        let (head, note) = text.split_once(':').unwrap_or((text, ""));
        let found = CaseOutcome::ALL
            .into_iter()
            .find(|o| o.words().eq_ignore_ascii_case(head.trim()))
            .unwrap_or(CaseOutcome::Other);
        let withdrawn = CaseOutcome::ConsentWithdrawn.words();
        if found == CaseOutcome::Other && note.trim().eq_ignore_ascii_case(withdrawn) {
            return CaseOutcome::ConsentWithdrawn;
        }
        found
    }
}

/// What the report needs of one case: no name, no date of birth, no health.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportCase {
    pub authority: String,
    pub refused: bool,
    /// Consent never confirmed: an incomplete referral still waiting for
    /// it, or one that lapsed without it. Not accepted, as a refusal is not.
    pub unconfirmed: bool,
    pub referral_type: Option<ReferralType>,
    pub agency: AgencyCategory,
    pub urgent: bool,
    /// When the protocol's clocks started (see [`CaseFacts::clock_from`]):
    /// the notice before release and the days to respond count from it.
    pub clock_from: DateTime<Utc>,
    pub release_date: Option<NaiveDate>,
    /// What the protocol's deadlines are worked out from.
    pub facts: CaseFacts,
    /// What met them.
    pub progress: Progress,
    pub responded_at: Option<DateTime<Utc>>,
    pub chases: u32,
    pub escalations: u32,
    /// The outcome a person recorded when closing the case.
    pub outcome: Option<String>,
    /// How it came when a person recorded it by hand (`case new`):
    /// `phone`, `portal`, `email` or `other`; none for mail the gateway read.
    pub route: Option<String>,
}

/// How referrals reach the report: mail the gateway read, or a route a
/// person gave when recording one by hand. Keys and headings.
pub const ROUTES: [(&str, &str); 5] = [
    ("mail", "By email, read by the gateway"),
    ("phone", "By hand: telephone"),
    ("portal", "By hand: portal"),
    ("email", "By hand: email"),
    ("other", "By hand: other"),
];

/// The line that says what the report counts.
pub const WHAT_IT_COUNTS: &str = "This report counts the referrals received by email and read by \
    the gateway, and those recorded by hand (`dtr-gateway case new`) that came by telephone, \
    through a portal or another way; referrals handled outside the gateway are not counted.";

/// The heading of accepted referrals whose form gave no referral type, so
/// that the types add up to the referrals accepted.
pub const TYPE_NOT_STATED: &str = "Referral type not stated";

/// The heading of referrals whose consent was never confirmed: still
/// awaited, or the case lapsed without it.
pub const CONSENT_NOT_CONFIRMED: &str = "Consent not confirmed (awaited or lapsed)";

/// One authority's quarter (or every authority's, as the total).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuthorityReport {
    pub authority: String,
    /// Accepted referrals (consent given); refusals and referrals whose
    /// consent was never confirmed are counted apart.
    pub referrals: u32,
    pub refused: u32,
    /// Consent awaited, or never given before the case lapsed.
    pub unconfirmed: u32,
    pub by_type: BTreeMap<String, u32>,
    pub by_agency: BTreeMap<AgencyCategory, u32>,
    /// Every referral received (refusals too), by how it came (`ROUTES`).
    pub by_route: BTreeMap<String, u32>,
    /// Each rule of the protocol, in its order: how many of its deadlines
    /// were met in time, and how many passed unmet (or met late). One not
    /// yet passed is in neither.
    pub deadlines: Vec<DeadlineTally>,
    pub chases: u32,
    pub escalations: u32,
    pub urgent: u32,
    /// Received with release less than 56 days away.
    pub under_56_days: u32,
    /// Received on or after the expected release date.
    pub late: u32,
    /// Median working days from receipt to the authority's first response.
    pub median_response_days: Option<f64>,
    pub responses: u32,
    pub outcomes: BTreeMap<CaseOutcome, u32>,
}

/// One rule's deadlines in a report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeadlineTally {
    /// `Acknowledge receipt of the referral (commitment 9)`.
    pub label: String,
    pub in_time: u32,
    pub missed: u32,
}

/// Per authority, in the order given, then the total of all, against the
/// protocol's own deadlines as they stand on `today`: a deadline counts as
/// missed only once it has passed.
pub fn build<'c>(
    cases: &[ReportCase],
    authorities: &[String],
    protocol: &Protocol,
    calendar_for: &dyn Fn(&str) -> &'c Calendar,
    today: NaiveDate,
) -> Vec<AuthorityReport> {
    let mut out: Vec<AuthorityReport> = authorities
        .iter()
        .map(|a| {
            one(
                a,
                cases.iter().filter(|c| &c.authority == a),
                protocol,
                calendar_for,
                today,
            )
        })
        .collect();
    if authorities.len() != 1 {
        out.push(one("All", cases.iter(), protocol, calendar_for, today));
    }
    out
}

fn one<'a, 'c>(
    authority: &str,
    cases: impl Iterator<Item = &'a ReportCase>,
    protocol: &Protocol,
    calendar_for: &dyn Fn(&str) -> &'c Calendar,
    today: NaiveDate,
) -> AuthorityReport {
    let mut r = AuthorityReport {
        authority: authority.to_string(),
        deadlines: protocol
            .rules
            .iter()
            .map(|rule| DeadlineTally {
                label: format!("{} (commitment {})", rule.description, rule.commitment),
                ..DeadlineTally::default()
            })
            .collect(),
        ..AuthorityReport::default()
    };
    let mut response_days = Vec::new();
    for case in cases {
        let route = case.route.as_deref().unwrap_or("mail");
        let route = if ROUTES.iter().any(|(key, _)| *key == route) {
            route
        } else {
            "other"
        };
        *r.by_route.entry(route.to_string()).or_default() += 1;
        if case.refused {
            r.refused += 1;
            continue;
        }
        if case.unconfirmed {
            r.unconfirmed += 1;
            continue;
        }
        r.referrals += 1;
        let calendar = calendar_for(&case.authority);
        let kind = match case.referral_type {
            Some(ReferralType::DutyToRefer) => "duty_to_refer",
            Some(ReferralType::KeepAccommodation) => "keep_accommodation",
            None => "not_stated",
        };
        *r.by_type.entry(kind.to_string()).or_default() += 1;
        *r.by_agency.entry(case.agency).or_default() += 1;
        for (rule, tally) in protocol.rules.iter().zip(r.deadlines.iter_mut()) {
            if !rule.applies(&case.facts) {
                continue;
            }
            let Some(due) = rule.due(&case.facts, calendar) else {
                continue;
            };
            match rule.met_at(&case.facts, &case.progress, calendar) {
                Some(met) if uk_day(met) <= due.on => tally.in_time += 1,
                _ if today > due.on => tally.missed += 1,
                _ => {}
            }
        }
        r.chases += case.chases;
        r.escalations += case.escalations;
        r.urgent += u32::from(case.urgent);
        let received = uk_day(case.clock_from);
        if let Some(release) = case.release_date {
            let days = (release - received).num_days();
            r.under_56_days += u32::from((0..56).contains(&days));
            r.late += u32::from(days <= 0);
        }
        if let Some(responded) = case.responded_at {
            let start = calendar.start_day(case.clock_from);
            response_days.push(
                calendar
                    .working_days_between(start, uk_day(responded))
                    .max(0),
            );
            r.responses += 1;
        }
        if let Some(outcome) = &case.outcome {
            *r.outcomes
                .entry(CaseOutcome::of_stored(outcome))
                .or_default() += 1;
        }
    }
    r.median_response_days = median(&mut response_days);
    r
}

fn uk_day(at: DateTime<Utc>) -> NaiveDate {
    super::uk::date(at)
}

fn median(values: &mut [i64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) as f64 / 2.0
    } else {
        values[mid] as f64
    })
}

pub fn percent(part: u32, whole: u32) -> String {
    if whole == 0 {
        "-".into()
    } else {
        format!("{:.0}%", f64::from(part) * 100.0 / f64::from(whole))
    }
}

/// The rows of the report: one line per measure, one column per authority
/// (the CSV's and the web view's table).
pub fn rows(reports: &[AuthorityReport]) -> Vec<(String, Vec<String>)> {
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let mut add = |name: &str, f: &dyn Fn(&AuthorityReport) -> String| {
        rows.push((name.to_string(), reports.iter().map(f).collect()));
    };
    add("Referrals accepted", &|r| r.referrals.to_string());
    add("Refused (no consent)", &|r| r.refused.to_string());
    add(CONSENT_NOT_CONFIRMED, &|r| r.unconfirmed.to_string());
    add("Duty to Refer", &|r| {
        r.by_type
            .get("duty_to_refer")
            .copied()
            .unwrap_or(0)
            .to_string()
    });
    add("Help to keep accommodation", &|r| {
        r.by_type
            .get("keep_accommodation")
            .copied()
            .unwrap_or(0)
            .to_string()
    });
    add(TYPE_NOT_STATED, &|r| {
        r.by_type
            .get("not_stated")
            .copied()
            .unwrap_or(0)
            .to_string()
    });
    for (key, heading) in ROUTES {
        add(heading, &move |r| {
            r.by_route.get(key).copied().unwrap_or(0).to_string()
        });
    }
    for category in AgencyCategory::ALL {
        add(&format!("From: {}", category.label()), &move |r| {
            r.by_agency.get(&category).copied().unwrap_or(0).to_string()
        });
    }
    let labels: Vec<String> = reports
        .first()
        .map(|r| r.deadlines.iter().map(|d| d.label.clone()).collect())
        .unwrap_or_default();
    for (i, label) in labels.iter().enumerate() {
        let tally = move |r: &AuthorityReport| r.deadlines.get(i).cloned().unwrap_or_default();
        add(&format!("{label}: met in time"), &move |r| {
            tally(r).in_time.to_string()
        });
        add(&format!("{label}: missed"), &move |r| {
            tally(r).missed.to_string()
        });
        add(&format!("{label}: met in time (%)"), &move |r| {
            let t = tally(r);
            percent(t.in_time, t.in_time + t.missed)
        });
    }
    add("Median working days to the authority's response", &|r| {
        r.median_response_days
            .map_or("-".into(), |m| format!("{m:.1}"))
    });
    add("Chases", &|r| r.chases.to_string());
    add("Escalations", &|r| r.escalations.to_string());
    add("Urgent", &|r| r.urgent.to_string());
    add("Under 56 days to release when received", &|r| {
        r.under_56_days.to_string()
    });
    add("Late (received on or after the release date)", &|r| {
        r.late.to_string()
    });
    for outcome in CaseOutcome::ALL {
        let name = format!("Closed: {}", outcome.words());
        rows.push((
            name,
            reports
                .iter()
                .map(|r| r.outcomes.get(&outcome).copied().unwrap_or(0).to_string())
                .collect(),
        ));
    }
    rows
}

/// A Markdown table with its columns padded, so that it reads as a table
/// in plain text too; `right` says which columns are figures.
fn padded_table(header: &[String], rows: &[Vec<String>], right: &[bool]) -> String {
    let clean = |t: &str| t.replace('|', "/");
    let mut widths: Vec<usize> = header.iter().map(|h| clean(h).chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(clean(cell).chars().count()).max(3);
        }
    }
    let line = |cells: &[String]| {
        let mut out = String::from("|");
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            let cell = clean(cell);
            if right.get(i).copied().unwrap_or(false) {
                out.push_str(&format!(" {cell:>w$} |"));
            } else {
                out.push_str(&format!(" {cell:<w$} |"));
            }
        }
        out.push('\n');
        out
    };
    let mut out = line(header);
    out.push('|');
    for (i, w) in widths.iter().enumerate() {
        if right.get(i).copied().unwrap_or(false) {
            out.push_str(&format!(" {}: |", "-".repeat(w.saturating_sub(1))));
        } else {
            out.push_str(&format!(" {} |", "-".repeat(*w)));
        }
    }
    out.push('\n');
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

/// A column of a table: its heading, and its cell for one authority.
type Column<'a> = (String, Box<dyn Fn(&AuthorityReport) -> String + 'a>);

/// Markdown for the governance meeting: a table per subject, an authority
/// a row (and all of them last, when there are several), columns padded.
pub fn markdown(title: &str, reports: &[AuthorityReport]) -> String {
    let mut out = format!("# {title}\n");
    let table = |out: &mut String, heading: &str, note: &str, columns: Vec<Column<'_>>| {
        out.push_str(&format!("\n## {heading}\n\n"));
        if !note.is_empty() {
            out.push_str(note);
            out.push_str("\n\n");
        }
        let mut header = vec!["Authority".to_string()];
        header.extend(columns.iter().map(|(name, _)| name.clone()));
        let mut right = vec![false];
        right.extend(columns.iter().map(|_| true));
        let rows: Vec<Vec<String>> = reports
            .iter()
            .map(|r| {
                let mut row = vec![r.authority.clone()];
                row.extend(columns.iter().map(|(_, f)| f(r)));
                row
            })
            .collect();
        out.push_str(&padded_table(&header, &rows, &right));
    };
    let col = |name: &str, f: Box<dyn Fn(&AuthorityReport) -> String>| -> Column<'_> {
        (name.to_string(), f)
    };
    table(
        &mut out,
        "Referrals",
        "",
        vec![
            col("Accepted", Box::new(|r| r.referrals.to_string())),
            col("Refused (no consent)", Box::new(|r| r.refused.to_string())),
            col(
                CONSENT_NOT_CONFIRMED,
                Box::new(|r| r.unconfirmed.to_string()),
            ),
            col(
                "Duty to Refer",
                Box::new(|r| {
                    r.by_type
                        .get("duty_to_refer")
                        .copied()
                        .unwrap_or(0)
                        .to_string()
                }),
            ),
            col(
                "Help to keep accommodation",
                Box::new(|r| {
                    r.by_type
                        .get("keep_accommodation")
                        .copied()
                        .unwrap_or(0)
                        .to_string()
                }),
            ),
            col(
                TYPE_NOT_STATED,
                Box::new(|r| {
                    r.by_type
                        .get("not_stated")
                        .copied()
                        .unwrap_or(0)
                        .to_string()
                }),
            ),
            col("Urgent", Box::new(|r| r.urgent.to_string())),
            col(
                "Under 56 days to release",
                Box::new(|r| r.under_56_days.to_string()),
            ),
            col(
                "Late (on or after release)",
                Box::new(|r| r.late.to_string()),
            ),
            col("Chases", Box::new(|r| r.chases.to_string())),
            col("Escalations", Box::new(|r| r.escalations.to_string())),
            col(
                "Median working days to response",
                Box::new(|r| {
                    r.median_response_days
                        .map_or("-".into(), |m| format!("{m:.1}"))
                }),
            ),
        ],
    );
    table(
        &mut out,
        "How referrals came",
        WHAT_IT_COUNTS,
        ROUTES
            .iter()
            .map(|&(key, heading)| {
                col(
                    heading,
                    Box::new(move |r: &AuthorityReport| {
                        r.by_route.get(key).copied().unwrap_or(0).to_string()
                    }),
                )
            })
            .collect(),
    );
    table(
        &mut out,
        "Referring agencies",
        "",
        AgencyCategory::ALL
            .iter()
            .map(|&category| {
                col(
                    category.label(),
                    Box::new(move |r: &AuthorityReport| {
                        r.by_agency.get(&category).copied().unwrap_or(0).to_string()
                    }),
                )
            })
            .collect(),
    );
    let labels: Vec<String> = reports
        .first()
        .map(|r| r.deadlines.iter().map(|d| d.label.clone()).collect())
        .unwrap_or_default();
    for (i, label) in labels.iter().enumerate() {
        let tally = move |r: &AuthorityReport| r.deadlines.get(i).cloned().unwrap_or_default();
        table(
            &mut out,
            label,
            "A deadline counts once it has been met or has passed; one still to come is in neither column.",
            vec![
                col("Met in time", Box::new(move |r| tally(r).in_time.to_string())),
                col("Missed", Box::new(move |r| tally(r).missed.to_string())),
                col(
                    "Met in time (%)",
                    Box::new(move |r| {
                        let t = tally(r);
                        percent(t.in_time, t.in_time + t.missed)
                    }),
                ),
            ],
        );
    }
    table(
        &mut out,
        "Outcomes of closed cases",
        "",
        CaseOutcome::ALL
            .iter()
            .map(|&outcome| {
                col(
                    outcome.heading(),
                    Box::new(move |r: &AuthorityReport| {
                        r.outcomes.get(&outcome).copied().unwrap_or(0).to_string()
                    }),
                )
            })
            .collect(),
    );
    out
}

/// CSV: a header of authorities, a line per measure.
pub fn csv(reports: &[AuthorityReport]) -> String {
    csv_table(reports, "measure", &|code| code.to_string())
}

/// The report as CSV for people: the header row says "Measure" and names
/// each authority as `name_of` gives it (its name, not its code), the
/// columns in the same order as [`csv`]'s, and a last line says when the
/// figures were taken (`as_at`: a quarter still running changes daily).
pub fn csv_for_people(
    reports: &[AuthorityReport],
    name_of: &dyn Fn(&str) -> String,
    as_at: &str,
) -> String {
    let mut out = csv_table(reports, "Measure", name_of);
    out.push_str(&csv_field("Figures as at"));
    out.push(',');
    out.push_str(&csv_field(as_at));
    out.push('\n');
    out
}

/// One cell: quoted when it holds a comma, a quote or a line break; and,
/// as OWASP advises against formula injection, prefixed with `'` when it
/// begins as a spreadsheet formula would (`=`, `+`, `-`, `@`, a tab or a
/// carriage return: an authority's name or a deadline's label from the
/// configuration, say), unless it is a number or a lone dash, which no
/// spreadsheet reads as a formula.
fn csv_field(text: &str) -> String {
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r'])
        && text != "-"
        && text.parse::<f64>().is_err();
    let text = if formula {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn csv_table(reports: &[AuthorityReport], first: &str, name_of: &dyn Fn(&str) -> String) -> String {
    let field = csv_field;
    let mut out = field(first);
    for r in reports {
        out.push(',');
        out.push_str(&field(&name_of(&r.authority)));
    }
    out.push('\n');
    for (name, cells) in rows(reports) {
        out.push_str(&field(&name));
        for cell in cells {
            out.push(',');
            out.push_str(&field(&cell));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_support::{calendar, ESSEX, KENT};
    use chrono::TimeZone;

    const AGENCIES: &str = include_str!("../../config/agencies.toml");

    fn at(m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, m, d, h, 0, 0)
            .single()
            .expect("time")
    }

    fn case(authority: &str, received: DateTime<Utc>) -> ReportCase {
        ReportCase {
            authority: authority.into(),
            refused: false,
            unconfirmed: false,
            referral_type: Some(ReferralType::DutyToRefer),
            agency: AgencyCategory::AdultSecureEstate,
            urgent: false,
            clock_from: received,
            release_date: None,
            facts: CaseFacts {
                referral_type: Some(ReferralType::DutyToRefer),
                custody_status: None,
                clock_from: received,
                acknowledged_at: None,
                release_date: None,
                application_on: None,
                information_requested_at: None,
            },
            progress: Progress::default(),
            responded_at: None,
            chases: 0,
            escalations: 0,
            outcome: None,
            route: None,
        }
    }

    #[test]
    fn agencies_fall_into_the_national_categories() {
        let map = AgencyMap::from_toml(AGENCIES).expect("shipped map");
        let address = |a: &str| EmailAddress::parse(a).ok();
        let cases = [
            ("HMP Chelmsford", None, AgencyCategory::AdultSecureEstate),
            (
                "HMP/YOI Chelmsford",
                None,
                AgencyCategory::AdultSecureEstate,
            ),
            (
                "Medway Secure Training Centre",
                None,
                AgencyCategory::YouthSecureEstate,
            ),
            (
                "The Probation Service, Essex North",
                None,
                AgencyCategory::Probation,
            ),
            (
                "Broomfield Hospital A&E",
                None,
                AgencyCategory::HospitalUrgentCare,
            ),
            (
                "The Linden Centre mental health ward",
                None,
                AgencyCategory::MentalHealthInpatient,
            ),
            (
                "Colchester Jobcentre Plus",
                None,
                AgencyCategory::JobcentrePlus,
            ),
            (
                "Essex Children's Social Care",
                None,
                AgencyCategory::ChildrensSocialServices,
            ),
            (
                "Adult Social Care, Essex County Council",
                None,
                AgencyCategory::AdultSocialServices,
            ),
            (
                "Army Welfare Service",
                None,
                AgencyCategory::SecretaryOfStateForDefence,
            ),
            (
                "",
                address("nurse@nhs.net"),
                AgencyCategory::HospitalUrgentCare,
            ),
            (
                "Team",
                address("work.coach@dwp.gov.uk"),
                AgencyCategory::JobcentrePlus,
            ),
            (
                "Citizens Advice",
                address("adviser@citizensadvice.org.uk"),
                AgencyCategory::Other,
            ),
        ];
        for (agency, referrer, expected) in cases {
            assert_eq!(
                map.categorise(Some(agency), referrer.as_ref()),
                expected,
                "{agency}"
            );
        }
        // Whole words: "commission" is not "com", "comprison" not "prison".
        assert_eq!(
            map.categorise(Some("Care Quality Commission"), None),
            AgencyCategory::Other
        );
        assert!(AgencyMap::from_toml("[[rule]]\ncategory = \"nowhere\"\n").is_err());
    }

    /// Colchester's report of `cases` as it stands on 7 December 2026.
    fn colchester_on_7_december(
        cases: &[ReportCase],
        protocol: &Protocol,
        cal: &Calendar,
    ) -> Vec<AuthorityReport> {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).expect("date");
        build(cases, &["COL".into()], protocol, &|_| cal, today)
    }

    /// The cells of the report's row `name`.
    fn row_of(reports: &[AuthorityReport], name: &str) -> Option<Vec<String>> {
        rows(reports)
            .into_iter()
            .find(|(measure, _)| measure == name)
            .map(|(_, cells)| cells)
    }

    #[test]
    fn referrals_whose_consent_was_never_confirmed_are_not_counted_accepted() {
        let (cal, essex) = (calendar(), Protocol::from_toml(ESSEX).expect("essex"));
        let mut awaiting = case("COL", at(11, 23, 10));
        awaiting.unconfirmed = true;
        let mut lapsed = case("COL", at(11, 23, 11));
        lapsed.unconfirmed = true;
        lapsed.referral_type = None;
        let cases = [case("COL", at(11, 23, 9)), awaiting, lapsed];
        let reports = colchester_on_7_december(&cases, &essex, &cal);
        let row = |name: &str| row_of(&reports, name);
        assert_eq!(row("Referrals accepted"), Some(vec!["1".to_string()]));
        assert_eq!(row(CONSENT_NOT_CONFIRMED), Some(vec!["2".to_string()]));
        assert_eq!(row(TYPE_NOT_STATED), Some(vec!["0".to_string()]));
        // Every referral received is still counted by how it came.
        assert_eq!(reports[0].by_route.get("mail"), Some(&3));
    }

    #[test]
    fn the_referral_types_add_up_to_the_referrals_accepted() {
        let cal = calendar();
        let essex = Protocol::from_toml(ESSEX).expect("essex");
        let mut untyped = case("COL", at(11, 23, 10));
        untyped.referral_type = None;
        let mut refused = case("COL", at(11, 23, 11));
        refused.refused = true;
        let cases = [case("COL", at(11, 23, 9)), untyped, refused];
        let reports = colchester_on_7_december(&cases, &essex, &cal);
        let row = |name: &str| row_of(&reports, name);
        assert_eq!(row("Referrals accepted"), Some(vec!["2".to_string()]));
        assert_eq!(row("Duty to Refer"), Some(vec!["1".to_string()]));
        assert_eq!(
            row("Help to keep accommodation"),
            Some(vec!["0".to_string()])
        );
        assert_eq!(row(TYPE_NOT_STATED), Some(vec!["1".to_string()]));
        assert!(
            markdown("Report", &reports).contains("| Referral type not stated |"),
            "{}",
            markdown("Report", &reports)
        );
        // The people's CSV says when its figures were taken.
        let people = csv_for_people(
            &reports,
            &|_| "Colchester".into(),
            "10:31 on 7 December 2026",
        );
        assert!(people.starts_with("Measure,Colchester\n"), "{people}");
        assert!(
            people.ends_with("Figures as at,10:31 on 7 December 2026\n"),
            "{people}"
        );
    }

    #[test]
    fn no_cell_of_the_csv_is_a_spreadsheet_formula() {
        let cal = calendar();
        let essex = Protocol::from_toml(ESSEX).expect("essex");
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).expect("date");
        let mut reports = build(
            &[case("COL", at(11, 23, 9))],
            &["COL".into()],
            &essex,
            &|_| &cal,
            today,
        );
        // A deadline's label from the configuration, beginning as a formula.
        reports[0].deadlines[0].label = "+SUM(A1:A9)".into();
        let names = [
            "=HYPERLINK(\"http://evil.test\",\"Colchester\")",
            "+44 council",
            "-2+3",
            "@SUM(A1)",
            "\tTabbed",
            "\rReturned",
        ];
        for name in names {
            let people = csv_for_people(&reports, &|_| name.into(), "=NOW()");
            let header = people.lines().next().expect("a header");
            let cell = header.strip_prefix("Measure,").expect("the first cell");
            let unquoted = cell
                .strip_prefix('"')
                .and_then(|c| c.strip_suffix('"'))
                .map_or_else(|| cell.to_string(), |c| c.replace("\"\"", "\""));
            assert_eq!(unquoted, format!("'{name}"), "{people}");
            assert!(people.contains("\n'+SUM(A1:A9): missed,1\n"), "{people}");
            assert!(people.ends_with("Figures as at,'=NOW()\n"), "{people}");
        }
        // The command's CSV alike; numbers and a lone dash are left alone.
        let plain = csv(&reports);
        assert!(plain.contains("\n'+SUM(A1:A9): missed,1\n"), "{plain}");
        assert!(
            plain.contains("\nMedian working days to the authority's response,-\n"),
            "{plain}"
        );
        assert_eq!(csv_field("-1.5"), "-1.5");
        assert_eq!(csv_field("+3"), "+3");
    }

    #[test]
    fn quarters() {
        let q: Quarter = "2026q4".parse().expect("quarter");
        assert_eq!(q.to_string(), "2026Q4");
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).expect("date");
        assert!(q.contains(d(10, 1)) && q.contains(d(12, 31)) && !q.contains(d(9, 30)));
        for bad in ["2026", "2026Q5", "Q4", "26Q1x"] {
            assert!(bad.parse::<Quarter>().is_err(), "{bad}");
        }
    }

    #[test]
    fn hand_worked_quarter() {
        let cal = calendar();
        let essex = Protocol::from_toml(ESSEX).expect("essex");
        let calendar_for = |_: &str| &cal;
        // Monday 23 November 2026, 10:00: acknowledge by Thursday 26, lead by Monday 30.
        let mut a = case("COL", at(11, 23, 10));
        a.facts.acknowledged_at = Some(at(11, 23, 10));
        a.progress.lead_named_at = Some(at(11, 30, 15));
        a.responded_at = Some(at(11, 25, 9));
        a.release_date = NaiveDate::from_ymd_opt(2026, 12, 20);
        a.urgent = true;
        a.outcome = Some(CaseOutcome::AccommodationSecured.stored(None));
        // Late on both: acknowledged Friday 27, lead named Tuesday 1 December.
        let mut b = case("COL", at(11, 23, 10));
        b.facts.acknowledged_at = Some(at(11, 27, 9));
        b.progress.lead_named_at = Some(at(12, 1, 9));
        b.responded_at = Some(at(12, 1, 9));
        b.chases = 2;
        b.escalations = 1;
        b.release_date = NaiveDate::from_ymd_opt(2026, 11, 20);
        b.agency = AgencyCategory::Probation;
        // Received Friday 27 at 17:30: counts from Monday 30; response
        // Wednesday 2 December is 2 working days. Its lead officer is due
        // Friday 4 December: on Wednesday 2 it is neither in time nor
        // missed yet.
        let mut c = case("BAS", at(11, 27, 17));
        c.clock_from = Utc
            .with_ymd_and_hms(2026, 11, 27, 17, 30, 0)
            .single()
            .expect("t");
        c.facts.clock_from = c.clock_from;
        c.responded_at = Some(at(12, 2, 11));
        c.facts.acknowledged_at = Some(at(12, 2, 11));
        // A request to help keep accommodation owes no lead officer.
        let mut d = case("BAS", at(11, 23, 10));
        d.referral_type = Some(ReferralType::KeepAccommodation);
        d.facts.referral_type = Some(ReferralType::KeepAccommodation);
        d.facts.acknowledged_at = Some(at(11, 23, 10));
        let mut refused = case("COL", at(11, 24, 10));
        refused.refused = true;
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).expect("date");
        let reports = build(
            &[a, b, c, d, refused],
            &["COL".into(), "BAS".into()],
            &essex,
            &calendar_for,
            today,
        );
        let col = &reports[0];
        assert_eq!((col.referrals, col.refused), (2, 1));
        let tally = |r: &AuthorityReport, i: usize| (r.deadlines[i].in_time, r.deadlines[i].missed);
        assert_eq!(
            col.deadlines[0].label,
            "Acknowledge receipt of the referral (commitment 9)"
        );
        assert_eq!(tally(col, 0), (1, 1));
        assert_eq!(tally(col, 1), (1, 1));
        assert_eq!((col.chases, col.escalations), (2, 1));
        assert_eq!((col.urgent, col.under_56_days, col.late), (1, 1, 1));
        // Responses after 2 and 6 working days: median 4.
        assert_eq!(col.median_response_days, Some(4.0));
        assert_eq!(col.by_agency[&AgencyCategory::Probation], 1);
        let bas = &reports[1];
        assert_eq!(bas.median_response_days, Some(2.0));
        assert_eq!(tally(bas, 0), (2, 0));
        // Neither BAS case counts for the lead officer: one is not due yet,
        // the other owes none.
        assert_eq!(tally(bas, 1), (0, 0));
        // The keep-accommodation answer (commitment 2), due Thursday 26,
        // was not given: missed.
        assert_eq!(tally(bas, 2), (0, 1));
        let all = &reports[2];
        assert_eq!(
            (all.authority.as_str(), all.referrals, all.refused),
            ("All", 4, 1)
        );

        let table = markdown("Outcomes 2026Q4", &reports);
        let section = |heading: &str| {
            table
                .split(&format!("## {heading}\n"))
                .nth(1)
                .and_then(|t| t.split("\n## ").next())
                .unwrap_or_else(|| panic!("no {heading} in {table}"))
                .to_string()
        };
        let acknowledge = section("Acknowledge receipt of the referral (commitment 9)");
        assert!(
            acknowledge.contains("| Authority | Met in time | Missed | Met in time (%) |"),
            "{table}"
        );
        assert!(
            acknowledge.contains("| COL       |           1 |      1 |             50% |"),
            "{table}"
        );
        assert!(
            acknowledge.contains("| All       |           3 |      1 |             75% |"),
            "{table}"
        );
        let outcomes = section("Outcomes of closed cases");
        assert!(
            outcomes.contains("| COL       |                     1 |"),
            "{table}"
        );
        // Every line of a table is as long as its header: padded.
        for part in [acknowledge, outcomes] {
            let lines: Vec<&str> = part.lines().filter(|l| l.starts_with('|')).collect();
            assert!(
                lines
                    .iter()
                    .all(|l| l.chars().count() == lines[0].chars().count()),
                "{part}"
            );
        }
        let csv = csv(&reports);
        assert!(csv.starts_with("measure,COL,BAS,All\n"), "{csv}");
        assert!(
            csv.contains("Median working days to the authority's response,4.0,2.0,2.0\n"),
            "{csv}"
        );
        assert!(
            csv.contains("Closed: accommodation secured,1,0,1\n"),
            "{csv}"
        );
        assert_eq!(
            CaseOutcome::of_stored("other: moved to Scotland"),
            CaseOutcome::Other
        );
        assert_eq!(
            CaseOutcome::of_stored("prevention duty accepted"),
            CaseOutcome::Other
        );
        // A withdrawal of consent is counted as one, also as cases closed
        // before it had its own outcome kept it.
        for kept in ["consent withdrawn", "other: consent withdrawn"] {
            assert_eq!(
                CaseOutcome::of_stored(kept),
                CaseOutcome::ConsentWithdrawn,
                "{kept}"
            );
        }
        // One authority: no total beside it.
        let one = build(&[], &["COL".into()], &essex, &calendar_for, today);
        assert_eq!(one.len(), 1);
    }

    #[test]
    fn kent_is_measured_against_kents_own_timetable() {
        let cal = calendar();
        let kent = Protocol::from_toml(KENT).expect("kent");
        let calendar_for = |_: &str| &cal;
        let reports = build(&[], &["KEN".into()], &kent, &calendar_for, cal_day());
        let table = markdown("Kent", &reports);
        assert!(!table.contains("commitment 9"), "{table}");
        assert!(!table.contains("commitment 10"), "{table}");
        assert!(
            table.contains("Timetable: 28 days prior to release"),
            "{table}"
        );
    }

    fn cal_day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 2).expect("date")
    }
}
