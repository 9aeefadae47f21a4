//! Protocol rules as data: which deadline a referral starts, from which
//! event, over how long, owed by whom and met by what. The Essex and Kent
//! protocols are two files of rules for one engine (`config/protocols/`).
//! Pure: dates in, dates out.

use super::calendar::Calendar;
use super::referral::{CustodyStatus, ReferralType};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

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
    /// The homeless application (commitment 10), once recorded; until then
    /// the referral, which usually starts it.
    Application,
    /// The authority's latest request to the referring side for
    /// information (commitment 16).
    InformationRequested,
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

impl Owner {
    /// As the configuration and stored detail write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Owner::Authority => "authority",
            Owner::Referrer => "referrer",
        }
    }
}

/// What meets a deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfier {
    /// The gateway's acknowledgement was sent.
    Acknowledgement,
    /// The authority named its lead officer.
    LeadNamed,
    /// An answer from the authority inside the rule's window, or in answer
    /// to the rule's own follow-ups.
    AuthorityResponse,
    /// An answer from the referring side (the referrer or the case lead)
    /// after the deadline's anchor: information sent after a request.
    ReferrerResponse,
    /// A person records it, or the side that owes it says it is done
    /// (a `Done:` line).
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
    /// Chases at most; none after that (the escalation still goes).
    pub max_chases: u32,
    /// An answer counts for this deadline from this many working days
    /// before it; none: from the anchor (release-relative rules: from the
    /// reminder, or ten working days before).
    pub window_working_days: Option<u32>,
}

/// Chases of one deadline when the protocol file does not say.
pub const DEFAULT_MAX_CHASES: u32 = 5;

/// What a rule needs to know of a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseFacts {
    pub referral_type: Option<ReferralType>,
    pub custody_status: Option<CustodyStatus>,
    /// When the protocol's clocks start: the referral's receipt, or, for
    /// one received without the person's consent, when consent came (the
    /// council could not act on it before).
    pub clock_from: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub release_date: Option<NaiveDate>,
    /// The homeless application's date, once recorded.
    pub application_on: Option<NaiveDate>,
    /// When the authority last asked the referring side for information.
    pub information_requested_at: Option<DateTime<Utc>>,
}

impl CaseFacts {
    /// The UK date the protocol's clocks start.
    pub fn clock_from_day(&self) -> NaiveDate {
        uk_date(self.clock_from)
    }
}

pub use super::words::uk_date;

/// Who did something that may meet a deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Authority,
    Referrer,
}

/// An answer in a case's thread from one side, as the gateway judged it:
/// when, whether it answered one rule's follow-up, and which rules it said
/// were done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub at: DateTime<Utc>,
    pub side: Side,
    /// The rule whose reminder, chase or escalation it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<String>,
    /// Rules it says are done (a `Done:` line).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub done: Vec<String>,
}

/// What has been done about a case's deadlines, beyond its dates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// When the authority first named its lead officer.
    pub lead_named_at: Option<DateTime<Utc>>,
    /// Rules a person marked as met, by id.
    pub by_hand: Vec<String>,
    /// The answers of either side, oldest first.
    pub evidence: Vec<Evidence>,
}

/// Red: overdue. Amber: due within a working day (or before a release
/// that comes first). Green: further off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rag {
    Red,
    Amber,
    Green,
}

/// When a deadline falls, and how it came to fall there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Due {
    pub on: NaiveDate,
    /// The protocol's date had passed when the referral arrived: the step
    /// is due on the next working day instead.
    pub late: bool,
    /// Moved forward to the last working day before release.
    pub before_release: bool,
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
        // A referral whose type is not known yet is taken for a Duty to
        // Refer: the form is one, and most referrals are.
        let by_type = self.applies_to.referral_type.is_empty()
            || self
                .applies_to
                .referral_type
                .contains(&facts.referral_type.unwrap_or(ReferralType::DutyToRefer));
        let by_custody = self.applies_to.custody_status.is_empty()
            || facts
                .custody_status
                .is_some_and(|c| self.applies_to.custody_status.contains(&c));
        by_type && by_custody
    }

    /// The moment the deadline runs from, when the case knows it.
    fn anchor_time(&self, facts: &CaseFacts) -> Option<DateTime<Utc>> {
        match self.from {
            Anchor::Received => Some(facts.clock_from),
            Anchor::Acknowledged => facts.acknowledged_at,
            Anchor::Application => Some(
                facts
                    .application_on
                    .and_then(|d| d.and_hms_opt(12, 0, 0))
                    .map(|t| t.and_utc())
                    .unwrap_or(facts.clock_from),
            ),
            Anchor::InformationRequested => facts.information_requested_at,
            Anchor::Release => None,
        }
    }

    /// The date the deadline falls on, when the case knows its anchor.
    /// Release-relative dates that fall on a day off move to the working
    /// day before. No deadline falls before the clock started: one
    /// whose date had passed is due on the next working day, late. Where
    /// release comes first, the deadline moves to the last working day
    /// before it (a lead officer named after release is no use).
    pub fn due(&self, facts: &CaseFacts, calendar: &Calendar) -> Option<Due> {
        let raw = match (self.from, self.period) {
            (Anchor::Release, Period::DaysBeforeRelease(n)) => facts
                .release_date
                .and_then(|d| d.checked_sub_signed(Duration::days(i64::from(n))))
                .map(|d| calendar.at_or_before(d)),
            (_, Period::WorkingDays(n)) => self
                .anchor_time(facts)
                .map(|t| calendar.add_working_days(calendar.start_day(t), n)),
            (_, Period::CalendarDays(n)) => self
                .anchor_time(facts)
                .and_then(|t| uk_date(t).checked_add_signed(Duration::days(i64::from(n)))),
            // Rejected when the protocol is read.
            (_, Period::DaysBeforeRelease(_)) => None,
        }?;
        let started = facts.clock_from_day();
        let mut due = Due {
            on: raw,
            late: false,
            before_release: false,
        };
        if due.on < started {
            due.on = calendar.next_working_day(started);
            due.late = true;
        }
        if let Some(release) = facts.release_date.filter(|r| *r > started) {
            if due.on >= release {
                due.on = calendar.subtract_working_days(release, 1).max(started);
                due.before_release = true;
            }
        }
        Some(due)
    }

    /// The day the reminder goes, a set number of working days before.
    pub fn reminder_on(&self, due: NaiveDate, calendar: &Calendar) -> Option<NaiveDate> {
        self.reminder_before
            .map(|n| calendar.subtract_working_days(due, n))
    }

    /// From when an answer counts towards this deadline.
    fn window_opens(
        &self,
        facts: &CaseFacts,
        due: NaiveDate,
        calendar: &Calendar,
    ) -> DateTime<Utc> {
        let working_days_before = match (self.window_working_days, self.from) {
            (Some(n), _) => Some(n),
            (None, Anchor::Release) => Some(self.reminder_before.unwrap_or(10)),
            (None, _) => None,
        };
        match working_days_before {
            Some(n) => super::uk::midnight(calendar.subtract_working_days(due, n)),
            None => self.anchor_time(facts).unwrap_or(facts.clock_from),
        }
    }

    /// When the deadline was met, if it was: by the gateway's
    /// acknowledgement, the lead officer named, an answer from the side
    /// that owes it within its window (or to its own follow-ups), a line
    /// saying it is done, or a person's record.
    pub fn met_at(
        &self,
        facts: &CaseFacts,
        progress: &Progress,
        calendar: &Calendar,
    ) -> Option<DateTime<Utc>> {
        let owing_side = match self.owed_by {
            Owner::Authority => Side::Authority,
            Owner::Referrer => Side::Referrer,
        };
        if progress.by_hand.contains(&self.id) {
            // The time a person recorded it is on the timeline; for the
            // deadline it is met, as from its anchor.
            return Some(self.anchor_time(facts).unwrap_or(facts.clock_from));
        }
        let said_done = progress
            .evidence
            .iter()
            .find(|e| e.side == owing_side && e.done.contains(&self.id))
            .map(|e| e.at);
        let by_rule = match self.satisfied_by {
            Satisfier::Acknowledgement => facts.acknowledged_at,
            Satisfier::LeadNamed => progress.lead_named_at,
            Satisfier::AuthorityResponse | Satisfier::ReferrerResponse => {
                let side = if self.satisfied_by == Satisfier::AuthorityResponse {
                    Side::Authority
                } else {
                    Side::Referrer
                };
                let opens = self
                    .due(facts, calendar)
                    .map(|due| self.window_opens(facts, due.on, calendar));
                let strictly_after = self.from == Anchor::InformationRequested;
                progress
                    .evidence
                    .iter()
                    .find(|e| {
                        e.side == side
                            && (e.answers.as_deref() == Some(self.id.as_str())
                                || opens.is_some_and(|o| {
                                    if strictly_after {
                                        e.at > o
                                    } else {
                                        e.at >= o
                                    }
                                }))
                    })
                    .map(|e| e.at)
            }
            Satisfier::Manual => None,
        };
        match (said_done, by_rule) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub fn is_met(&self, facts: &CaseFacts, progress: &Progress, calendar: &Calendar) -> bool {
        self.met_at(facts, progress, calendar).is_some()
    }
}

/// A deadline of a case not yet met.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenDeadline<'a> {
    pub rule: &'a Rule,
    pub due: Due,
    pub rag: Rag,
}

impl Protocol {
    /// The case's deadlines that apply, have a date and are not yet met,
    /// most pressing first.
    pub fn open_deadlines(
        &self,
        facts: &CaseFacts,
        progress: &Progress,
        calendar: &Calendar,
        today: NaiveDate,
    ) -> Vec<OpenDeadline<'_>> {
        let mut open: Vec<OpenDeadline<'_>> = self
            .rules
            .iter()
            .filter(|r| r.applies(facts) && !r.is_met(facts, progress, calendar))
            .filter_map(|rule| {
                let due = rule.due(facts, calendar)?;
                Some(OpenDeadline {
                    rule,
                    due,
                    rag: rag(due, today, calendar),
                })
            })
            .collect();
        open.sort_by_key(|d| (d.rag, d.due.on));
        open
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Rules the referring side owes: their escalation needs a contact of
    /// its own (`referrer_escalation`).
    pub fn has_referrer_rules(&self) -> bool {
        self.rules.iter().any(|r| r.owed_by == Owner::Referrer)
    }
}

/// How pressing a deadline is on `today`. One moved before a release is
/// never green: there is no slack after it.
pub fn rag(due: Due, today: NaiveDate, calendar: &Calendar) -> Rag {
    if today > due.on {
        Rag::Red
    } else if due.before_release || calendar.working_days_between(today, due.on) <= 1 {
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
    max_chases: Option<u32>,
    window_working_days: Option<u32>,
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
            if r.id.is_empty()
                || !r
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(bad("an id is letters, digits, `_` and `-` only"));
            }
            if rules.iter().any(|x: &Rule| x.id == r.id) {
                return Err(bad("the id is used twice"));
            }
            if r.chase_every == Some(0) {
                return Err(bad("chase_every must be at least 1"));
            }
            if r.satisfied_by == Satisfier::ReferrerResponse && r.owed_by != Owner::Referrer {
                return Err(bad(
                    "satisfied_by = \"referrer_response\" goes with owed_by = \"referrer\"",
                ));
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
                max_chases: r.max_chases.unwrap_or(DEFAULT_MAX_CHASES),
                window_working_days: r.window_working_days,
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
    use crate::core::test_support::{at, calendar, d, facts, ESSEX, KENT};

    fn on(day: NaiveDate) -> Due {
        Due {
            on: day,
            late: false,
            before_release: false,
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
            rule(&essex, "acknowledge").due(&f, &cal).map(|d| d.on),
            Some(d(2026, 11, 26))
        );
        assert_eq!(
            rule(&essex, "lead_officer").due(&f, &cal).map(|d| d.on),
            Some(d(2026, 11, 30))
        );
        assert!(!rule(&essex, "keep_accommodation").applies(&f));
        let keep = CaseFacts {
            referral_type: Some(ReferralType::KeepAccommodation),
            ..f
        };
        assert!(rule(&essex, "keep_accommodation").applies(&keep));
        assert_eq!(
            rule(&essex, "keep_accommodation")
                .due(&keep, &cal)
                .map(|d| d.on),
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
            rule(&essex, "acknowledge").due(&f, &cal).map(|d| d.on),
            Some(d(2026, 12, 24))
        );
        assert_eq!(
            rule(&essex, "lead_officer").due(&f, &cal).map(|d| d.on),
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
            rule(&kent, "housing_confirmation")
                .due(&f, &cal)
                .map(|d| d.on),
            Some(d(2027, 2, 1))
        );
        assert_eq!(
            rule(&kent, "appointments_confirmed")
                .due(&f, &cal)
                .map(|d| d.on),
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
            rule(&kent, "application_acknowledged")
                .due(&community, &cal)
                .map(|d| d.on),
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
        assert_eq!(rag(on(d(2026, 11, 26)), d(2026, 11, 23), &cal), Rag::Green);
        assert_eq!(rag(on(d(2026, 11, 26)), d(2026, 11, 25), &cal), Rag::Amber);
        assert_eq!(rag(on(d(2026, 11, 26)), d(2026, 11, 26), &cal), Rag::Amber);
        assert_eq!(rag(on(d(2026, 11, 26)), d(2026, 11, 27), &cal), Rag::Red);
        // Due Tuesday 29 December: on Thursday 24 the next working day is the 29th.
        assert_eq!(rag(on(d(2026, 12, 29)), d(2026, 12, 24), &cal), Rag::Amber);
    }

    #[test]
    fn met_deadlines_drop_out_and_the_rest_sort_by_urgency() {
        let essex = Protocol::from_toml(ESSEX).expect("essex");
        let cal = calendar();
        let f = facts(at(2026, 11, 23, 10, 0));
        let open = essex.open_deadlines(&f, &Progress::default(), &cal, d(2026, 11, 27));
        let ids: Vec<(&str, Rag)> = open.iter().map(|o| (o.rule.id.as_str(), o.rag)).collect();
        assert_eq!(
            ids,
            [("acknowledge", Rag::Red), ("lead_officer", Rag::Amber)]
        );
        let acknowledged = CaseFacts {
            acknowledged_at: Some(at(2026, 11, 23, 10, 5)),
            ..f.clone()
        };
        let open = essex.open_deadlines(&acknowledged, &Progress::default(), &cal, d(2026, 11, 27));
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
