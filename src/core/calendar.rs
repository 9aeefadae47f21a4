//! The working-day calendar behind protocol deadlines ("acknowledge within
//! 3 working days"). Weekends and England & Wales bank holidays are not
//! working days, and a message that arrives after the daily cut-off, UK
//! time, counts from the next working day.
//!
//! Counting is done by whole weeks plus a correction for the holidays jumped
//! over, never a day at a time, so a huge `n` costs no more than a small one
//! and nothing loops for longer than the holiday list is long. Results that
//! would fall outside the dates chrono can hold saturate at
//! [`NaiveDate::MAX`] or [`NaiveDate::MIN`] rather than panic.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Offset, TimeZone, Utc, Weekday};
use chrono_tz::Europe::London;
use serde_json::Value;
use std::collections::BTreeSet;
use std::ops::Bound::{Excluded, Included};

/// The cut-off the protocols assume: 17:00 UK time.
pub const DEFAULT_CUTOFF: NaiveTime = match NaiveTime::from_hms_opt(17, 0, 0) {
    Some(time) => time,
    None => panic!("17:00 is a time of day"),
};

/// The gov.uk division whose holidays apply to English authorities.
const DIVISION: &str = "england-and-wales";

/// Working days in England & Wales, with a daily cut-off in UK local time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calendar {
    /// Bank holidays falling Monday to Friday: the only ones that change a
    /// count, since weekends are closed anyway.
    closed: BTreeSet<NaiveDate>,
    /// The latest year with any holiday listed, weekend or not.
    last_year: Option<i32>,
    cutoff: NaiveTime,
}

/// Why a gov.uk `bank-holidays.json` could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("the bank holidays file is not JSON: {0}")]
    NotJson(String),
    #[error("the bank holidays file has no \"england-and-wales\" division")]
    MissingDivision,
    #[error("the \"england-and-wales\" division has no \"events\" list")]
    MissingEvents,
    #[error("england-and-wales event number {number} has no \"date\" text")]
    MissingDate { number: usize },
    #[error("england-and-wales event `{title}` has date `{text}`, which is not a real date written YYYY-MM-DD")]
    BadDate { title: String, text: String },
    #[error("the \"england-and-wales\" division lists no bank holidays")]
    NoHolidays,
}

impl Calendar {
    /// A calendar closed on weekends and on `holidays`, counting a message
    /// received at or after `cutoff` (UK time) from the next working day.
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>, cutoff: NaiveTime) -> Calendar {
        let holidays: BTreeSet<NaiveDate> = holidays.into_iter().collect();
        Calendar {
            last_year: holidays.last().map(|d| d.year()),
            closed: holidays.into_iter().filter(|d| !is_weekend(*d)).collect(),
            cutoff,
        }
    }

    /// This calendar, also closed on `days` (an authority's own closures,
    /// such as the days between Christmas and New Year).
    pub fn with_closures(&self, days: &[NaiveDate]) -> Calendar {
        let mut calendar = self.clone();
        calendar
            .closed
            .extend(days.iter().copied().filter(|d| !is_weekend(*d)));
        calendar
    }

    /// The working day at or before `date`: a date falling on a weekend or
    /// a closed day moves to the working day before it.
    pub fn at_or_before(&self, date: NaiveDate) -> NaiveDate {
        self.subtract_working_days(date, 0)
    }

    /// The daily cut-off, UK local time.
    pub fn cutoff(&self) -> NaiveTime {
        self.cutoff
    }

    /// Monday to Friday and not a bank holiday.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !is_weekend(date) && !self.closed.contains(&date)
    }

    /// The first working day strictly after `date`.
    pub fn next_working_day(&self, date: NaiveDate) -> NaiveDate {
        self.forward(date, 1)
    }

    /// The working day a deadline counts from: the UK date of receipt if that
    /// is a working day and the message came before the cut-off, otherwise
    /// the next working day. The date and time are taken in Europe/London,
    /// so 16:30 UTC in summer is 17:30 BST and already past a 17:00 cut-off.
    pub fn start_day(&self, received: DateTime<Utc>) -> NaiveDate {
        let utc = received.naive_utc();
        let offset = London.offset_from_utc_datetime(&utc).fix();
        // A forged Date header can sit at the edge of chrono's range, where
        // adding the offset would overflow.
        let Some(local) = utc.checked_add_offset(offset) else {
            return NaiveDate::MAX;
        };
        let date = local.date();
        if local.time() < self.cutoff && self.is_working_day(date) {
            date
        } else {
            self.next_working_day(date)
        }
    }

    /// The `n`-th working day after `from`; for `n` = 0, `from` itself if it
    /// is a working day, else the next one. Received Monday, due in 3 working
    /// days: Thursday.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        match n {
            0 if self.is_working_day(from) => from,
            0 => self.forward(from, 1),
            n => self.forward(from, n),
        }
    }

    /// The `n`-th working day before `from`; for `n` = 0, `from` itself if it
    /// is a working day, else the working day before it. A reminder "one
    /// working day before the deadline" is `subtract_working_days(due, 1)`.
    pub fn subtract_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        match n {
            0 if self.is_working_day(from) => from,
            0 => self.backward(from, 1),
            n => self.backward(from, n),
        }
    }

    /// Working days after `from` up to and including `to`; negative when `to`
    /// is before `from`. For a working day `d`,
    /// `working_days_between(d, add_working_days(d, n)) == n`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to < from {
            return -self.working_days_between(to, from);
        }
        let closed = self.closed.range((Excluded(from), Included(to))).count();
        weekdays_after_through(from, to) - closed as i64
    }

    /// 31 December of the last year with any holiday listed: after it every
    /// weekday would count as working, so start-up warns as it approaches.
    pub fn last_covered_day(&self) -> Option<NaiveDate> {
        self.last_year
            .and_then(|year| NaiveDate::from_ymd_opt(year, 12, 31))
    }

    /// The `n`-th working day after `from`, for `n` ≥ 1.
    fn forward(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut day = from;
        let mut owed = u64::from(n);
        // Jump `owed` weekdays, then owe one more for each holiday jumped
        // over. Those holidays are behind the next jump, so every pass but
        // the last uses up at least one holiday: at most holidays + 1 passes.
        loop {
            let Some(target) = nth_weekday_after(day, owed) else {
                return NaiveDate::MAX;
            };
            let skipped = self.closed.range((Excluded(day), Included(target))).count();
            if skipped == 0 {
                return target;
            }
            day = target;
            owed = skipped as u64;
        }
    }

    /// The `n`-th working day before `from`, for `n` ≥ 1; `forward` mirrored.
    fn backward(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut day = from;
        let mut owed = u64::from(n);
        loop {
            let Some(target) = nth_weekday_before(day, owed) else {
                return NaiveDate::MIN;
            };
            let skipped = self.closed.range((Included(target), Excluded(day))).count();
            if skipped == 0 {
                return target;
            }
            day = target;
            owed = skipped as u64;
        }
    }
}

/// Reads gov.uk's `bank-holidays.json`, keeping only England & Wales. The
/// dates come back sorted, each once.
pub fn holidays_from_govuk_json(text: &str) -> Result<Vec<NaiveDate>, CalendarError> {
    let root: Value =
        serde_json::from_str(text).map_err(|e| CalendarError::NotJson(e.to_string()))?;
    let events = root
        .get(DIVISION)
        .ok_or(CalendarError::MissingDivision)?
        .get("events")
        .and_then(Value::as_array)
        .ok_or(CalendarError::MissingEvents)?;
    let mut dates = BTreeSet::new();
    for (i, event) in events.iter().enumerate() {
        let date_text = event
            .get("date")
            .and_then(Value::as_str)
            .ok_or(CalendarError::MissingDate { number: i + 1 })?;
        let date = parse_iso_date(date_text).ok_or_else(|| CalendarError::BadDate {
            title: event
                .get("title")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            text: date_text.to_string(),
        })?;
        dates.insert(date);
    }
    if dates.is_empty() {
        return Err(CalendarError::NoHolidays);
    }
    Ok(dates.into_iter().collect())
}

/// Exactly `YYYY-MM-DD`; chrono alone would also take `2026-1-5` or `+2026-01-05`.
fn parse_iso_date(text: &str) -> Option<NaiveDate> {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The `k`-th weekday strictly after `day` (`k` ≥ 1), holidays aside.
fn nth_weekday_after(day: NaiveDate, k: u64) -> Option<NaiveDate> {
    let weekday = u64::from(day.weekday().num_days_from_monday());
    // From a weekend, count as from the Friday before: same weekdays follow.
    let from_friday = weekday.saturating_sub(4);
    let position = weekday - from_friday;
    let rest = k % 5;
    let weekend = if position + rest > 4 { 2 } else { 0 };
    let ahead = 7 * (k / 5) + rest + weekend;
    day.checked_add_days(Days::new(ahead.checked_sub(from_friday)?))
}

/// The `k`-th weekday strictly before `day` (`k` ≥ 1), holidays aside.
fn nth_weekday_before(day: NaiveDate, k: u64) -> Option<NaiveDate> {
    let weekday = u64::from(day.weekday().num_days_from_monday());
    // From a weekend, count as from the Monday after: same weekdays precede.
    let to_monday = if weekday >= 5 { 7 - weekday } else { 0 };
    let position = if weekday >= 5 { 0 } else { weekday };
    let rest = k % 5;
    let weekend = if rest > position { 2 } else { 0 };
    let behind = 7 * (k / 5) + rest + weekend;
    day.checked_sub_days(Days::new(behind.checked_sub(to_monday)?))
}

/// Monday-to-Friday days in `(from, to]`, for `from` ≤ `to`.
fn weekdays_after_through(from: NaiveDate, to: NaiveDate) -> i64 {
    let span = to.signed_duration_since(from).num_days();
    let first = i64::from(from.weekday().num_days_from_monday());
    let tail = (1..=span % 7).filter(|i| (first + i) % 7 < 5).count();
    5 * (span / 7) + tail as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    fn utc(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
        d(y, m, day)
            .and_hms_opt(h, min, 0)
            .expect("valid test time")
            .and_utc()
    }

    /// England & Wales bank holidays 2025–2028, typed from the published list.
    fn holidays() -> Vec<NaiveDate> {
        vec![
            d(2025, 1, 1),
            d(2025, 4, 18),
            d(2025, 4, 21),
            d(2025, 5, 5),
            d(2025, 5, 26),
            d(2025, 8, 25),
            d(2025, 12, 25),
            d(2025, 12, 26),
            d(2026, 1, 1),
            d(2026, 4, 3),
            d(2026, 4, 6),
            d(2026, 5, 4),
            d(2026, 5, 25),
            d(2026, 8, 31),
            d(2026, 12, 25),
            d(2026, 12, 28),
            d(2027, 1, 1),
            d(2027, 3, 26),
            d(2027, 3, 29),
            d(2027, 5, 3),
            d(2027, 5, 31),
            d(2027, 8, 30),
            d(2027, 12, 27),
            d(2027, 12, 28),
            d(2028, 1, 3),
            d(2028, 4, 14),
            d(2028, 4, 17),
            d(2028, 5, 1),
            d(2028, 5, 29),
            d(2028, 8, 28),
            d(2028, 12, 25),
            d(2028, 12, 26),
        ]
    }

    fn cal() -> Calendar {
        Calendar::new(holidays(), DEFAULT_CUTOFF)
    }

    #[test]
    fn weekends_and_holidays_are_not_working_days() {
        let c = cal();
        assert!(c.is_working_day(d(2026, 11, 16))); // Monday
        assert!(c.is_working_day(d(2026, 11, 20))); // Friday
        assert!(!c.is_working_day(d(2026, 11, 14))); // Saturday
        assert!(!c.is_working_day(d(2026, 11, 15))); // Sunday
        assert!(!c.is_working_day(d(2026, 12, 25))); // Christmas, Friday
        assert!(!c.is_working_day(d(2026, 12, 28))); // Boxing Day substitute
        assert!(c.is_working_day(d(2026, 12, 29)));
        assert!(!c.is_working_day(d(2027, 12, 27)));
        assert!(!c.is_working_day(d(2028, 1, 3)));
    }

    #[test]
    fn christmas_2026_with_boxing_day_on_saturday() {
        let c = cal();
        // Thu 24 Dec; Fri 25 holiday, weekend, Mon 28 substitute.
        assert_eq!(c.next_working_day(d(2026, 12, 24)), d(2026, 12, 29));
        assert_eq!(c.add_working_days(d(2026, 12, 24), 1), d(2026, 12, 29));
        assert_eq!(c.add_working_days(d(2026, 12, 24), 3), d(2026, 12, 31));
        // 29, 30, 31 Dec, then Fri 1 Jan 2027 and the weekend, Mon 4, Tue 5.
        assert_eq!(c.add_working_days(d(2026, 12, 24), 5), d(2027, 1, 5));
        assert_eq!(c.next_working_day(d(2026, 12, 31)), d(2027, 1, 4));
    }

    #[test]
    fn christmas_2027_on_the_weekend_and_new_year_2028() {
        let c = cal();
        // Fri 24 Dec; Sat 25, Sun 26, Mon 27 and Tue 28 substitutes.
        assert_eq!(c.next_working_day(d(2027, 12, 24)), d(2027, 12, 29));
        assert_eq!(c.add_working_days(d(2027, 12, 24), 3), d(2027, 12, 31));
        // Sat 1 Jan 2028, Sun 2, Mon 3 substitute.
        assert_eq!(c.add_working_days(d(2027, 12, 24), 4), d(2028, 1, 4));
        assert_eq!(c.next_working_day(d(2027, 12, 31)), d(2028, 1, 4));
    }

    #[test]
    fn easter_2026_and_2027() {
        let c = cal();
        // Maundy Thursday, then Good Friday, the weekend and Easter Monday.
        assert_eq!(c.next_working_day(d(2026, 4, 2)), d(2026, 4, 7));
        assert_eq!(c.add_working_days(d(2026, 4, 2), 3), d(2026, 4, 9));
        assert_eq!(c.next_working_day(d(2027, 3, 25)), d(2027, 3, 30));
        // Tue 30, Wed 31 March, Thu 1, Fri 2 and Mon 5 April.
        assert_eq!(c.add_working_days(d(2027, 3, 25), 3), d(2027, 4, 1));
        assert_eq!(c.add_working_days(d(2027, 3, 25), 5), d(2027, 4, 5));
    }

    #[test]
    fn may_and_august_bank_holidays() {
        let c = cal();
        assert_eq!(c.next_working_day(d(2026, 5, 1)), d(2026, 5, 5)); // early May
        assert_eq!(c.next_working_day(d(2026, 5, 22)), d(2026, 5, 26)); // spring
        assert_eq!(c.next_working_day(d(2027, 5, 28)), d(2027, 6, 1)); // 31 May 2027
        assert_eq!(c.next_working_day(d(2026, 8, 28)), d(2026, 9, 1)); // summer
        assert_eq!(c.next_working_day(d(2025, 8, 22)), d(2025, 8, 26));
    }

    #[test]
    fn cutoff_is_1700_local() {
        let c = cal();
        // Monday 16 November 2026, GMT: UTC is local.
        assert_eq!(c.start_day(utc(2026, 11, 16, 16, 59)), d(2026, 11, 16));
        assert_eq!(c.start_day(utc(2026, 11, 16, 17, 0)), d(2026, 11, 17));
        // Monday 15 June 2026, BST: 15:59 UTC is 16:59 local, 16:00 is 17:00.
        assert_eq!(c.start_day(utc(2026, 6, 15, 15, 59)), d(2026, 6, 15));
        assert_eq!(c.start_day(utc(2026, 6, 15, 16, 0)), d(2026, 6, 16));
        // 23:30 UTC on Monday is 00:30 BST on Tuesday: Tuesday, before cut-off.
        assert_eq!(c.start_day(utc(2026, 6, 15, 23, 30)), d(2026, 6, 16));
    }

    #[test]
    fn a_custom_cutoff() {
        let noon = NaiveTime::from_hms_opt(12, 0, 0).expect("valid time");
        let c = Calendar::new(holidays(), noon);
        assert_eq!(c.cutoff(), noon);
        assert_eq!(c.start_day(utc(2026, 11, 16, 11, 59)), d(2026, 11, 16));
        assert_eq!(c.start_day(utc(2026, 11, 16, 12, 0)), d(2026, 11, 17));
    }

    #[test]
    fn clock_changes() {
        let c = cal();
        // Clocks went forward Sunday 29 March 2026: 16:30 UTC Monday is 17:30 BST.
        assert_eq!(c.start_day(utc(2026, 3, 30, 16, 30)), d(2026, 3, 31));
        assert_eq!(c.start_day(utc(2026, 3, 30, 15, 30)), d(2026, 3, 30));
        // Friday before the change is still GMT: 16:30 UTC is 16:30 local.
        assert_eq!(c.start_day(utc(2026, 3, 27, 16, 30)), d(2026, 3, 27));
        // Clocks went back Sunday 25 October 2026: 16:30 UTC Monday is 16:30 GMT.
        assert_eq!(c.start_day(utc(2026, 10, 26, 16, 30)), d(2026, 10, 26));
        // The Friday before, still BST: 16:30 UTC is 17:30 local, so Monday.
        assert_eq!(c.start_day(utc(2026, 10, 23, 16, 30)), d(2026, 10, 26));
    }

    #[test]
    fn received_on_a_weekend_or_holiday() {
        let c = cal();
        // Saturday 14 November 2026 morning: counts from Monday, due Thursday.
        let start = c.start_day(utc(2026, 11, 14, 10, 0));
        assert_eq!(start, d(2026, 11, 16));
        assert_eq!(c.add_working_days(start, 3), d(2026, 11, 19));
        // Early May bank holiday, 09:00 BST: counts from Tuesday.
        assert_eq!(c.start_day(utc(2026, 5, 4, 8, 0)), d(2026, 5, 5));
        // Christmas Day 2026, then Boxing Day substitute Monday: Tuesday 29th.
        assert_eq!(c.start_day(utc(2026, 12, 25, 10, 0)), d(2026, 12, 29));
        // Friday after the cut-off before the August bank holiday.
        assert_eq!(c.start_day(utc(2026, 8, 28, 16, 30)), d(2026, 9, 1));
    }

    #[test]
    fn monday_plus_three_is_thursday() {
        let c = cal();
        let start = c.start_day(utc(2026, 11, 16, 10, 0));
        assert_eq!(start, d(2026, 11, 16));
        assert_eq!(c.add_working_days(start, 3), d(2026, 11, 19));
    }

    #[test]
    fn add_zero_one_three_five() {
        let c = cal();
        let monday = d(2026, 11, 16);
        assert_eq!(c.add_working_days(monday, 0), monday);
        assert_eq!(c.add_working_days(monday, 1), d(2026, 11, 17));
        assert_eq!(c.add_working_days(monday, 3), d(2026, 11, 19));
        assert_eq!(c.add_working_days(monday, 5), d(2026, 11, 23));
        // From a Thursday, 3 crosses the weekend.
        assert_eq!(c.add_working_days(d(2026, 11, 19), 3), d(2026, 11, 24));
        // Zero from a closed day is the next working day.
        assert_eq!(c.add_working_days(d(2026, 11, 14), 0), d(2026, 11, 16));
        assert_eq!(c.add_working_days(d(2026, 12, 25), 0), d(2026, 12, 29));
        // From a Saturday the first working day after is Monday.
        assert_eq!(c.add_working_days(d(2026, 11, 14), 1), d(2026, 11, 16));
        assert_eq!(c.add_working_days(d(2026, 11, 15), 5), d(2026, 11, 20));
    }

    #[test]
    fn subtract() {
        let c = cal();
        assert_eq!(c.subtract_working_days(d(2026, 11, 23), 1), d(2026, 11, 20));
        assert_eq!(c.subtract_working_days(d(2026, 11, 19), 3), d(2026, 11, 16));
        assert_eq!(c.subtract_working_days(d(2026, 12, 29), 1), d(2026, 12, 24));
        assert_eq!(c.subtract_working_days(d(2026, 4, 7), 1), d(2026, 4, 2));
        // Mon 4 Jan 2027 back over New Year: Thu 31, Wed 30, Tue 29 Dec.
        assert_eq!(c.subtract_working_days(d(2027, 1, 4), 3), d(2026, 12, 29));
        assert_eq!(c.subtract_working_days(d(2028, 1, 4), 1), d(2027, 12, 31));
        assert_eq!(c.subtract_working_days(d(2026, 11, 16), 0), d(2026, 11, 16));
        // Zero from a closed day is the working day before it.
        assert_eq!(c.subtract_working_days(d(2026, 11, 14), 0), d(2026, 11, 13));
        assert_eq!(c.subtract_working_days(d(2026, 12, 28), 0), d(2026, 12, 24));
        assert_eq!(c.subtract_working_days(d(2026, 11, 15), 1), d(2026, 11, 13));
        assert_eq!(c.subtract_working_days(d(2026, 11, 14), 5), d(2026, 11, 9));
    }

    #[test]
    fn between() {
        let c = cal();
        assert_eq!(c.working_days_between(d(2026, 12, 24), d(2026, 12, 29)), 1);
        assert_eq!(c.working_days_between(d(2026, 12, 24), d(2027, 1, 5)), 5);
        assert_eq!(c.working_days_between(d(2027, 1, 5), d(2026, 12, 24)), -5);
        assert_eq!(c.working_days_between(d(2026, 11, 16), d(2026, 11, 16)), 0);
        assert_eq!(c.working_days_between(d(2026, 11, 16), d(2026, 11, 19)), 3);
        assert_eq!(c.working_days_between(d(2026, 12, 25), d(2026, 12, 29)), 1);
        assert_eq!(c.working_days_between(d(2026, 12, 26), d(2026, 12, 28)), 0);
        assert_eq!(c.working_days_between(d(2026, 11, 13), d(2026, 11, 16)), 1);
        // Whole years: 261 weekdays less 8 holidays; 2028 is a leap year
        // starting on a Saturday, so 260 weekdays.
        assert_eq!(
            c.working_days_between(d(2024, 12, 31), d(2025, 12, 31)),
            253
        );
        assert_eq!(
            c.working_days_between(d(2025, 12, 31), d(2026, 12, 31)),
            253
        );
        assert_eq!(
            c.working_days_between(d(2026, 12, 31), d(2027, 12, 31)),
            253
        );
        assert_eq!(
            c.working_days_between(d(2027, 12, 31), d(2028, 12, 31)),
            252
        );
    }

    #[test]
    fn between_inverts_add_and_subtract() {
        let c = cal();
        for from in [d(2026, 12, 24), d(2027, 3, 25), d(2026, 11, 16)] {
            for n in [0, 1, 3, 5, 20, 300] {
                let due = c.add_working_days(from, n);
                assert_eq!(c.working_days_between(from, due), i64::from(n));
                assert_eq!(c.subtract_working_days(due, n), from);
            }
        }
    }

    #[test]
    fn last_covered_day() {
        assert_eq!(cal().last_covered_day(), Some(d(2028, 12, 31)));
        assert_eq!(Calendar::new([], DEFAULT_CUTOFF).last_covered_day(), None);
        // A weekend holiday still marks its year as covered.
        let weekend = Calendar::new([d(2029, 12, 29)], DEFAULT_CUTOFF);
        assert_eq!(weekend.last_covered_day(), Some(d(2029, 12, 31)));
    }

    #[test]
    fn the_edges_of_time_do_not_panic() {
        let c = cal();
        assert_eq!(
            c.add_working_days(d(9999, 12, 31), u32::MAX),
            NaiveDate::MAX
        );
        assert_eq!(c.add_working_days(NaiveDate::MAX, 1), NaiveDate::MAX);
        assert_eq!(c.next_working_day(NaiveDate::MAX), NaiveDate::MAX);
        assert_eq!(c.subtract_working_days(NaiveDate::MIN, 1), NaiveDate::MIN);
        assert_eq!(
            c.subtract_working_days(d(1, 1, 1), u32::MAX),
            NaiveDate::MIN
        );
        let _ = c.add_working_days(NaiveDate::MAX, 0);
        let _ = c.subtract_working_days(NaiveDate::MIN, 0);
        let _ = c.start_day(DateTime::<Utc>::MAX_UTC);
        let _ = c.start_day(DateTime::<Utc>::MIN_UTC);
        let span = c.working_days_between(NaiveDate::MIN, NaiveDate::MAX);
        assert!(span > 0);
        assert_eq!(
            c.working_days_between(NaiveDate::MAX, NaiveDate::MIN),
            -span
        );
        // A million working days is about 1.4 million days, some 3,800 years.
        let far = c.add_working_days(d(2026, 1, 1), 1_000_000);
        assert!((5800..5900).contains(&far.year()), "{far}");
        assert_eq!(c.working_days_between(d(2026, 1, 1), far), 1_000_000);
    }

    const GOOD: &str = r#"{
        "england-and-wales": {"division": "england-and-wales", "events": [
            {"title": "Christmas Day", "date": "2026-12-25", "notes": "", "bunting": true},
            {"title": "Boxing Day", "date": "2026-12-28", "notes": "Substitute day", "bunting": true},
            {"title": "New Year’s Day", "date": "2026-01-01", "notes": "", "bunting": true}
        ]},
        "scotland": {"division": "scotland", "events": [
            {"title": "2nd January", "date": "2026-01-02", "notes": "", "bunting": true},
            {"title": "St Andrew’s Day", "date": "2026-11-30", "notes": "", "bunting": true}
        ]},
        "northern-ireland": {"division": "northern-ireland", "events": [
            {"title": "St Patrick’s Day", "date": "2026-03-17", "notes": "", "bunting": true}
        ]}
    }"#;

    #[test]
    fn govuk_json_takes_england_and_wales_only() {
        assert_eq!(
            holidays_from_govuk_json(GOOD),
            Ok(vec![d(2026, 1, 1), d(2026, 12, 25), d(2026, 12, 28)])
        );
    }

    #[test]
    fn govuk_json_errors_say_what_is_wrong() {
        let scotland_only = r#"{"scotland": {"division": "scotland", "events": [
            {"title": "St Andrew’s Day", "date": "2026-11-30", "notes": "", "bunting": true}]}}"#;
        assert_eq!(
            holidays_from_govuk_json(scotland_only),
            Err(CalendarError::MissingDivision)
        );

        let bad = r#"{"england-and-wales": {"division": "england-and-wales", "events": [
            {"title": "Christmas Day", "date": "2026-12-25", "notes": "", "bunting": true},
            {"title": "Leap day", "date": "2026-02-29", "notes": "", "bunting": true}]}}"#;
        let err = holidays_from_govuk_json(bad).expect_err("29 February 2026 does not exist");
        assert_eq!(
            err,
            CalendarError::BadDate {
                title: "Leap day".to_string(),
                text: "2026-02-29".to_string()
            }
        );
        assert!(err.to_string().contains("2026-02-29"), "{err}");

        for text in ["25/12/2026", "2026-1-05", "+2026-01-05", "2026-12-25T00:00"] {
            let file = format!(
                r#"{{"england-and-wales": {{"events": [{{"title": "X", "date": "{text}"}}]}}}}"#
            );
            assert!(
                matches!(holidays_from_govuk_json(&file), Err(CalendarError::BadDate { text: t, .. }) if t == text),
                "{text}"
            );
        }

        let no_date = r#"{"england-and-wales": {"events": [{"title": "X", "date": 20261225}]}}"#;
        assert_eq!(
            holidays_from_govuk_json(no_date),
            Err(CalendarError::MissingDate { number: 1 })
        );
        assert_eq!(
            holidays_from_govuk_json(r#"{"england-and-wales": {"division": "england-and-wales"}}"#),
            Err(CalendarError::MissingEvents)
        );
        assert_eq!(
            holidays_from_govuk_json(r#"{"england-and-wales": {"events": []}}"#),
            Err(CalendarError::NoHolidays)
        );
        assert!(matches!(
            holidays_from_govuk_json("<html>Service unavailable</html>"),
            Err(CalendarError::NotJson(_))
        ));
        assert_eq!(
            holidays_from_govuk_json("[]"),
            Err(CalendarError::MissingDivision)
        );
    }

    #[test]
    fn shipped_file_has_the_32_published_dates() {
        let text = include_str!("../../config/bank-holidays.json");
        let dates = holidays_from_govuk_json(text).expect("shipped file reads");
        assert_eq!(dates, holidays());
        let c = Calendar::new(dates, DEFAULT_CUTOFF);
        assert_eq!(c.last_covered_day(), Some(d(2028, 12, 31)));
    }

    /// A day-at-a-time count, as a check on the week-jumping arithmetic.
    fn step_forward(c: &Calendar, from: NaiveDate, n: u32) -> NaiveDate {
        let mut day = from;
        let mut left = n;
        if n == 0 {
            while !c.is_working_day(day) {
                day = day.succ_opt().expect("in range");
            }
            return day;
        }
        while left > 0 {
            day = day.succ_opt().expect("in range");
            if c.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    fn step_backward(c: &Calendar, from: NaiveDate, n: u32) -> NaiveDate {
        let mut day = from;
        let mut left = n;
        if n == 0 {
            while !c.is_working_day(day) {
                day = day.pred_opt().expect("in range");
            }
            return day;
        }
        while left > 0 {
            day = day.pred_opt().expect("in range");
            if c.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_counting_day_by_day(offset in 0u64..(6 * 366), n in 0u32..80, back in 0u64..400) {
            let c = cal();
            let from = d(2024, 6, 1) + Days::new(offset);
            let due = c.add_working_days(from, n);
            proptest::prop_assert_eq!(due, step_forward(&c, from, n));
            proptest::prop_assert_eq!(c.subtract_working_days(from, n), step_backward(&c, from, n));
            let to = from - Days::new(back);
            let counted = (0..back)
                .filter(|i| c.is_working_day(from - Days::new(*i)))
                .count() as i64;
            proptest::prop_assert_eq!(c.working_days_between(to, from), counted);
            proptest::prop_assert_eq!(c.working_days_between(from, to), -counted);
        }
    }
}
