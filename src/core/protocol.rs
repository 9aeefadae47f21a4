//! Protocol rules as data: which deadline a referral starts, from which
//! event, over how long, owed by whom and met by what. The Essex and Kent
//! protocols are two files of rules for one engine (`config/protocols/`).
//! Pure: dates in, dates out.

use super::calendar::Calendar;
use super::referral::{CustodyStatus, ReferralType};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;

/// A county's protocol: its deadlines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Protocol {
    pub name: String,
    /// Where the protocol sets out how disputes are resolved, as mail to a
    /// dispute contact cites it ("Annex C of the protocol (dispute
    /// resolution)"); none when it has no such part.
    pub dispute_resolution: Option<String>,
    /// The part of the protocol that asks for a change of lead officer to
    /// be notified ("Commitment 11 of the protocol"); none when it does not.
    pub change_of_lead: Option<String>,
    pub rules: Vec<Rule>,
}

/// The event a deadline runs from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    Received,
    Acknowledged,
    Release,
}

/// How long after (or before) the anchor the deadline falls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    WorkingDays(u32),
    CalendarDays(u32),
    DaysBeforeRelease(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Owner {
    Authority,
    Referrer,
}

/// What meets a deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfier {
    /// The gateway's acknowledgement was sent.
    Acknowledgement,
    /// The authority named its lead officer.
    LeadNamed,
    /// Any answer from the authority in the case's thread.
    AuthorityResponse,
    /// A person records it.
    Manual,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppliesTo {
    #[serde(default)]
    pub referral_type: Vec<ReferralType>,
    #[serde(default)]
    pub custody_status: Vec<CustodyStatus>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub id: String,
    pub commitment: String,
    pub description: String,
    pub applies_to: AppliesTo,
    pub from: Anchor,
    pub period: Period,
    pub owed_by: Owner,
    pub satisfied_by: Satisfier,
    /// Working days before the deadline that a reminder goes.
    pub reminder_before: Option<u32>,
    /// Working days between chases once it has passed.
    pub chase_every: Option<u32>,
    /// Working days overdue before escalation.
    pub escalate_after: Option<u32>,
}

/// What a rule needs to know of a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseFacts {
    pub referral_type: Option<ReferralType>,
    pub custody_status: Option<CustodyStatus>,
    pub received_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub release_date: Option<NaiveDate>,
}

/// Red: overdue. Amber: due within a working day. Green: further off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rag {
    Red,
    Amber,
    Green,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("{0}")]
    Toml(String),
    #[error("rule `{rule}`: {message}")]
    Rule { rule: String, message: String },
}

impl Rule {
    pub fn applies(&self, facts: &CaseFacts) -> bool {
        let by_type = self.applies_to.referral_type.is_empty()
            || facts
                .referral_type
                .is_some_and(|t| self.applies_to.referral_type.contains(&t));
        let by_custody = self.applies_to.custody_status.is_empty()
            || facts
                .custody_status
                .is_some_and(|c| self.applies_to.custody_status.contains(&c));
        by_type && by_custody
    }

    /// The date the deadline falls on, when the case knows its anchor.
    pub fn due(&self, facts: &CaseFacts, calendar: &Calendar) -> Option<NaiveDate> {
        let anchor_time = match self.from {
            Anchor::Received => Some(facts.received_at),
            Anchor::Acknowledged => facts.acknowledged_at,
            Anchor::Release => None,
        };
        match (self.from, self.period) {
            (Anchor::Release, Period::DaysBeforeRelease(n)) => facts
                .release_date
                .and_then(|d| d.checked_sub_signed(Duration::days(i64::from(n)))),
            (_, Period::WorkingDays(n)) => {
                anchor_time.map(|t| calendar.add_working_days(calendar.start_day(t), n))
            }
            (_, Period::CalendarDays(n)) => anchor_time.and_then(|t| {
                t.with_timezone(&chrono_tz::Europe::London)
                    .date_naive()
                    .checked_add_signed(Duration::days(i64::from(n)))
            }),
            // Rejected when the protocol is read.
            (_, Period::DaysBeforeRelease(_)) => None,
        }
    }

    /// The day the reminder goes, a set number of working days before.
    pub fn reminder_on(&self, due: NaiveDate, calendar: &Calendar) -> Option<NaiveDate> {
        self.reminder_before
            .map(|n| calendar.subtract_working_days(due, n))
    }
}

/// A deadline of a case not yet met.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenDeadline<'a> {
    pub rule: &'a Rule,
    pub due: NaiveDate,
    pub rag: Rag,
}

impl Protocol {
    /// The case's deadlines that apply, have a date and are not yet met,
    /// most pressing first.
    pub fn open_deadlines(
        &self,
        facts: &CaseFacts,
        met: impl Fn(&Rule) -> bool,
        calendar: &Calendar,
        today: NaiveDate,
    ) -> Vec<OpenDeadline<'_>> {
        let mut open: Vec<OpenDeadline<'_>> = self
            .rules
            .iter()
            .filter(|r| r.applies(facts) && !met(r))
            .filter_map(|rule| {
                let due = rule.due(facts, calendar)?;
                Some(OpenDeadline {
                    rule,
                    due,
                    rag: rag(due, today, calendar),
                })
            })
            .collect();
        open.sort_by_key(|d| (d.rag, d.due));
        open
    }
}

/// How pressing a deadline is on `today`.
pub fn rag(due: NaiveDate, today: NaiveDate, calendar: &Calendar) -> Rag {
    if today > due {
        Rag::Red
    } else if calendar.working_days_between(today, due) <= 1 {
        Rag::Amber
    } else {
        Rag::Green
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProtocol {
    name: String,
    dispute_resolution: Option<String>,
    change_of_lead: Option<String>,
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    commitment: String,
    description: String,
    #[serde(default)]
    applies_to: AppliesTo,
    from: Anchor,
    working_days: Option<u32>,
    calendar_days: Option<u32>,
    days_before_release: Option<u32>,
    owed_by: Owner,
    satisfied_by: Satisfier,
    reminder_before: Option<u32>,
    chase_every: Option<u32>,
    escalate_after: Option<u32>,
}

impl Protocol {
    /// Reads a protocol file (see `config/protocols/essex.toml`).
    pub fn from_toml(text: &str) -> Result<Protocol, ProtocolError> {
        let raw: RawProtocol = toml::from_str(text)
            .map_err(|e| ProtocolError::Toml(e.message().trim().to_string()))?;
        let mut rules = Vec::new();
        for r in raw.rule {
            let bad = |message: &str| ProtocolError::Rule {
                rule: r.id.clone(),
                message: message.to_string(),
            };
            let period = match (r.working_days, r.calendar_days, r.days_before_release) {
                (Some(n), None, None) => Period::WorkingDays(n),
                (None, Some(n), None) => Period::CalendarDays(n),
                (None, None, Some(n)) => Period::DaysBeforeRelease(n),
                _ => {
                    return Err(bad(
                        "give exactly one of working_days, calendar_days, days_before_release",
                    ))
                }
            };
            if matches!(period, Period::DaysBeforeRelease(_)) != (r.from == Anchor::Release) {
                return Err(bad(
                    "days_before_release goes with from = \"release\", and only with it",
                ));
            }
            if rules.iter().any(|x: &Rule| x.id == r.id) {
                return Err(bad("the id is used twice"));
            }
            if r.chase_every == Some(0) {
                return Err(bad("chase_every must be at least 1"));
            }
            rules.push(Rule {
                id: r.id,
                commitment: r.commitment,
                description: r.description,
                applies_to: r.applies_to,
                from: r.from,
                period,
                owed_by: r.owed_by,
                satisfied_by: r.satisfied_by,
                reminder_before: r.reminder_before,
                chase_every: r.chase_every,
                escalate_after: r.escalate_after,
            });
        }
        Ok(Protocol {
            name: raw.name,
            dispute_resolution: raw.dispute_resolution,
            change_of_lead: raw.change_of_lead,
            rules,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_support::{at, calendar, d, ESSEX, KENT};

    fn facts(received: DateTime<Utc>) -> CaseFacts {
        CaseFacts {
            referral_type: Some(ReferralType::DutyToRefer),
            custody_status: Some(CustodyStatus::Sentenced),
            received_at: received,
            acknowledged_at: None,
            release_date: Some(d(2027, 3, 1)),
        }
    }

    fn rule<'a>(p: &'a Protocol, id: &str) -> &'a Rule {
        p.rules.iter().find(|r| r.id == id).expect("rule")
    }

    #[test]
    fn essex_deadlines_in_an_ordinary_week() {
        let essex = Protocol::from_toml(ESSEX).expect("essex");
        let cal = calendar();
        // Monday 23 November 2026, 10:00: acknowledge by Thursday, lead by Monday.
        let f = facts(at(2026, 11, 23, 10, 0));
        assert_eq!(
            rule(&essex, "acknowledge").due(&f, &cal),
            Some(d(2026, 11, 26))
        );
        assert_eq!(
            rule(&essex, "lead_officer").due(&f, &cal),
            Some(d(2026, 11, 30))
        );
        assert!(!rule(&essex, "keep_accommodation").applies(&f));
        let keep = CaseFacts {
            referral_type: Some(ReferralType::KeepAccommodation),
            ..f
        };
        assert!(rule(&essex, "keep_accommodation").applies(&keep));
        assert_eq!(
            rule(&essex, "keep_accommodation").due(&keep, &cal),
            Some(d(2026, 11, 26))
        );
    }

    #[test]
    fn essex_deadlines_over_christmas_after_the_cut_off() {
        let essex = Protocol::from_toml(ESSEX).expect("essex");
        let cal = calendar();
        // Friday 18 December 2026 at 17:30: counts from Monday 21; 25 Dec and
        // the 28 Dec substitute day are not working days.
        let f = facts(at(2026, 12, 18, 17, 30));
        assert_eq!(
            rule(&essex, "acknowledge").due(&f, &cal),
            Some(d(2026, 12, 24))
        );
        assert_eq!(
            rule(&essex, "lead_officer").due(&f, &cal),
            Some(d(2026, 12, 30))
        );
        // The reminder a working day before the acknowledgement deadline.
        assert_eq!(
            rule(&essex, "acknowledge").reminder_on(d(2026, 12, 24), &cal),
            Some(d(2026, 12, 23))
        );
        assert_eq!(
            rule(&essex, "lead_officer").reminder_on(d(2026, 12, 30), &cal),
            Some(d(2026, 12, 29))
        );
    }

    #[test]
    fn kent_release_relative_steps_and_community_sentences() {
        let kent = Protocol::from_toml(KENT).expect("kent");
        let cal = calendar();
        let f = facts(at(2026, 11, 23, 10, 0));
        // Release on Monday 1 March 2027.
        assert_eq!(
            rule(&kent, "housing_confirmation").due(&f, &cal),
            Some(d(2027, 2, 1))
        );
        assert_eq!(
            rule(&kent, "appointments_confirmed").due(&f, &cal),
            Some(d(2027, 2, 15))
        );
        assert!(!rule(&kent, "application_acknowledged").applies(&f));
        let community = CaseFacts {
            custody_status: Some(CustodyStatus::Community),
            release_date: None,
            ..f
        };
        assert!(rule(&kent, "application_acknowledged").applies(&community));
        assert!(!rule(&kent, "housing_confirmation").applies(&community));
        assert_eq!(
            rule(&kent, "application_acknowledged").due(&community, &cal),
            Some(d(2026, 12, 21))
        );
        // Without a release date, a release-relative rule has no date yet.
        let unknown = CaseFacts {
            release_date: None,
            ..facts(at(2026, 11, 23, 10, 0))
        };
        assert_eq!(
            rule(&kent, "housing_confirmation").due(&unknown, &cal),
            None
        );
    }

    #[test]
    fn red_amber_green() {
        let cal = calendar();
        // Due Thursday 26 November 2026.
        assert_eq!(rag(d(2026, 11, 26), d(2026, 11, 23), &cal), Rag::Green);
        assert_eq!(rag(d(2026, 11, 26), d(2026, 11, 25), &cal), Rag::Amber);
        assert_eq!(rag(d(2026, 11, 26), d(2026, 11, 26), &cal), Rag::Amber);
        assert_eq!(rag(d(2026, 11, 26), d(2026, 11, 27), &cal), Rag::Red);
        // Due Tuesday 29 December: on Thursday 24 the next working day is the 29th.
        assert_eq!(rag(d(2026, 12, 29), d(2026, 12, 24), &cal), Rag::Amber);
    }

    #[test]
    fn met_deadlines_drop_out_and_the_rest_sort_by_urgency() {
        let essex = Protocol::from_toml(ESSEX).expect("essex");
        let cal = calendar();
        let f = facts(at(2026, 11, 23, 10, 0));
        let open = essex.open_deadlines(&f, |_| false, &cal, d(2026, 11, 27));
        let ids: Vec<(&str, Rag)> = open.iter().map(|o| (o.rule.id.as_str(), o.rag)).collect();
        assert_eq!(
            ids,
            [("acknowledge", Rag::Red), ("lead_officer", Rag::Amber)]
        );
        let open = essex.open_deadlines(
            &f,
            |r| r.satisfied_by == Satisfier::Acknowledgement,
            &cal,
            d(2026, 11, 27),
        );
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].rule.id, "lead_officer");
    }

    #[test]
    fn bad_rules_are_refused_with_their_id() {
        let both = "name = \"x\"\n[[rule]]\nid = \"a\"\ncommitment = \"1\"\ndescription = \"d\"\n\
                    from = \"received\"\nworking_days = 3\ncalendar_days = 4\nowed_by = \"authority\"\n\
                    satisfied_by = \"manual\"\n";
        let err = Protocol::from_toml(both).expect_err("two periods");
        assert!(err.to_string().contains("rule `a`"), "{err}");
        let mismatch = both
            .replace("calendar_days = 4\n", "")
            .replace("working_days = 3", "days_before_release = 3");
        assert!(Protocol::from_toml(&mismatch).is_err());
        assert!(Protocol::from_toml("name = \"x\"\n[[rule]]\nid = 1\n").is_err());
    }
}
