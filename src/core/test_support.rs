//! What the core's tests share: the shipped calendar and protocols, and
//! dates and times written short.

use super::calendar::{holidays_from_govuk_json, Calendar, DEFAULT_CUTOFF};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

pub const ESSEX: &str = include_str!("../../config/protocols/essex.toml");
pub const KENT: &str = include_str!("../../config/protocols/kent.toml");

/// England and Wales's working days as shipped, with the default cut-off.
pub fn calendar() -> Calendar {
    let holidays = holidays_from_govuk_json(include_str!("../../config/bank-holidays.json"))
        .expect("shipped holidays");
    Calendar::new(holidays, DEFAULT_CUTOFF)
}

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
}

/// A time in UTC.
pub fn at(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, day, h, min, 0)
        .single()
        .expect("valid time")
}
