//! What the core's tests share: the shipped calendar and protocols, and
//! dates and times written short.

use super::calendar::{holidays_from_govuk_json, Calendar, DEFAULT_CUTOFF};
use super::protocol::CaseFacts;
use super::referral::{CustodyStatus, ReferralType};
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

/// A sentenced Duty to Refer referral received at `received`, release on
/// 1 March 2027, not yet acknowledged.
pub fn facts(received: DateTime<Utc>) -> CaseFacts {
    CaseFacts {
        referral_type: Some(ReferralType::DutyToRefer),
        custody_status: Some(CustodyStatus::Sentenced),
        clock_from: received,
        acknowledged_at: None,
        release_date: Some(d(2027, 3, 1)),
        application_on: None,
        information_requested_at: None,
    }
}

/// Base64 in lines of 76 characters, as mail programs write it.
pub fn mime_base64(bytes: &[u8]) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .filter_map(|line| std::str::from_utf8(line).ok())
        .collect();
    let mut out = lines.join("\r\n");
    if !encoded.is_empty() && encoded.len().is_multiple_of(76) {
        out.push_str("\r\n");
    }
    out
}
