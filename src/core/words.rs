//! Dates and times as people read them: British, in UK time. One home for
//! the few ways the gateway writes them.

use chrono::{DateTime, NaiveDate, Utc};

/// `Monday 23 November 2026`.
pub fn spoken_date(date: NaiveDate) -> String {
    date.format("%A %-d %B %Y").to_string()
}

/// `Monday 23 November 2026 at 10:15`, in UK time.
pub fn spoken_time(at: DateTime<Utc>) -> String {
    super::uk::local(at)
        .format("%A %-d %B %Y at %H:%M")
        .to_string()
}

/// `14 July 1988`.
pub fn long_date(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// `Mon 30 Nov 2026`, for tables.
pub fn short_date(date: NaiveDate) -> String {
    date.format("%a %-d %b %Y").to_string()
}

/// `10 Dec 2026 09:00`, in UK time, for timelines.
pub fn short_time(at: DateTime<Utc>) -> String {
    super::uk::local(at).format("%-d %b %Y %H:%M").to_string()
}

/// The UK date of an instant.
pub fn uk_date(at: DateTime<Utc>) -> NaiveDate {
    super::uk::date(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_support::{at, d};

    #[test]
    fn british_dates_in_uk_time() {
        assert_eq!(spoken_date(d(2026, 11, 23)), "Monday 23 November 2026");
        assert_eq!(long_date(d(1988, 7, 14)), "14 July 1988");
        assert_eq!(short_date(d(2026, 11, 30)), "Mon 30 Nov 2026");
        // Summer time: 08:30 UTC is 09:30 in London.
        assert_eq!(short_time(at(2027, 6, 1, 8, 30)), "1 Jun 2027 09:30");
        assert_eq!(
            spoken_time(at(2026, 11, 23, 10, 15)),
            "Monday 23 November 2026 at 10:15"
        );
    }
}
