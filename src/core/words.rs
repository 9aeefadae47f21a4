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

/// `14:05 on 7 December 2026`, in UK time.
pub fn time_on_day(at: DateTime<Utc>) -> String {
    super::uk::local(at)
        .format("%H:%M on %-d %B %Y")
        .to_string()
}

/// The UK date of an instant.
pub fn uk_date(at: DateTime<Utc>) -> NaiveDate {
    super::uk::date(at)
}

/// What a search compares: letters and digits only, in lower case,
/// accents taken off, so that `OBrien` finds `O'Brien`, `elise` finds
/// `Élise` and `dtr col 2026 1` does not need the dashes.
pub fn search_key(text: &str) -> String {
    use unicode_normalization::char::is_combining_mark;
    use unicode_normalization::UnicodeNormalization;
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
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
        assert_eq!(time_on_day(at(2027, 6, 1, 8, 5)), "09:05 on 1 June 2027");
    }

    #[test]
    fn a_search_key_keeps_letters_and_digits_without_accents_or_case() {
        assert_eq!(search_key("Daniel O'Brien"), "danielobrien");
        assert_eq!(search_key("Sarah Élise Smith"), "sarahelisesmith");
        assert_eq!(search_key("DTR-COL-2026-00001"), "dtrcol202600001");
        assert!(search_key("Sarah Élise Smith").contains(&search_key("elise")));
        assert_eq!(search_key(" - ' "), "");
    }
}
