//! UK local time: every date people read and every working day is counted
//! in it; instants are stored in UTC. One place converts between them.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::{Europe::London, Tz};

/// An instant as the clocks in England show it.
pub fn local(at: DateTime<Utc>) -> DateTime<Tz> {
    at.with_timezone(&London)
}

/// The UK date of an instant.
pub fn date(at: DateTime<Utc>) -> NaiveDate {
    local(at).date_naive()
}

/// The instant the clocks in England show `time` on `day`: the earlier of
/// two when the clocks go back; when they go forward past it, `time` read
/// as UTC (an hour that does not exist is never a deadline).
pub fn instant(day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    London
        .from_local_datetime(&day.and_time(time))
        .earliest()
        .map_or_else(|| day.and_time(time).and_utc(), |t| t.with_timezone(&Utc))
}

/// 00:00 UK time on `day`.
pub fn midnight(day: NaiveDate) -> DateTime<Utc> {
    instant(day, NaiveTime::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_support::{at, d};

    #[test]
    fn summer_and_winter() {
        // 23:30 UTC on 30 June is 00:30 on 1 July in England.
        assert_eq!(date(at(2026, 6, 30, 23, 30)), d(2026, 7, 1));
        assert_eq!(date(at(2026, 12, 31, 23, 30)), d(2026, 12, 31));
        assert_eq!(midnight(d(2026, 7, 1)), at(2026, 6, 30, 23, 0));
        assert_eq!(midnight(d(2026, 12, 1)), at(2026, 12, 1, 0, 0));
        // 01:30 on 29 March 2026 does not exist in England.
        let skipped = NaiveTime::from_hms_opt(1, 30, 0).expect("time");
        assert_eq!(instant(d(2026, 3, 29), skipped), at(2026, 3, 29, 1, 30));
    }
}
