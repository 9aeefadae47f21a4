//! British dates as referrers write them: day first, two-digit years read
//! against the message's own date, impossible dates refused rather than guessed.

use chrono::{Datelike, NaiveDate};
use regex::Regex;
use std::sync::LazyLock;

/// What the date is of; a date of birth is never in the future.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateRole {
    Birth,
    Event,
}

const ISO: &str = r"(?:^|[^\d])(?<iy>\d{4})-(?<im>\d{1,2})-(?<id>\d{1,2})(?:$|[^\d])";
const NUMERIC: &str = r"(?:^|[^\d])(?<nd>\d{1,2})\s*(?<ns1>[/.\-])\s*(?<nm>\d{1,2})\s*(?<ns2>[/.\-])\s*(?<ny>\d{4}|\d{2})(?:$|[^\d])";
const WORDS: &str = r"(?i:(?:^|[^\w])(?<wd>\d{1,2})(?:st|nd|rd|th)?(?:\s+|-)(?:of\s+)?(?<wm>[a-z]{3,9})\.?,?(?:\s+|-)(?<wy>\d{4}|\d{2})(?:$|[^\d]))";
/// `04 05 1983`: spaces for separators, a four-digit year.
const SPACED: &str = r"(?:^|[^\d])(?<sd>\d{1,2})\s+(?<sm>\d{1,2})\s+(?<sy>\d{4})(?:$|[^\d])";
/// `May 4 1983`, `May 4th, 1983`: the month first, a four-digit year.
const MONTH_FIRST: &str = r"(?i:(?:^|[^\w])(?<mm>(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6})\.?\s+(?<md>\d{1,2})(?:st|nd|rd|th)?,?\s+(?<my>\d{4})(?:$|[^\d]))";

/// The three ways of writing a date in one pattern, so that one search
/// finds the first date written; the alternatives are in the order that
/// breaks a tie at the same place (ISO, then numeric, then words).
static ANY_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!("{ISO}|{NUMERIC}|{SPACED}|{WORDS}|{MONTH_FIRST}")).expect("static pattern")
});
/// The same without words, for a text with no letter in it.
static DIGIT_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("{ISO}|{NUMERIC}|{SPACED}")).expect("static pattern"));

/// Reads a date written the British way. `reference` is the date the message
/// was sent, against which two-digit years are placed.
pub fn parse_british_date(text: &str, reference: NaiveDate, role: DateRole) -> Option<NaiveDate> {
    let text = text.trim();
    if says_not_yet_known(text) {
        return None;
    }
    // `14/02/1988` and nothing else, as most dates are typed: read
    // without the pattern, whose numeric alternative is the one that
    // matches such a text, from its first byte, with these parts.
    if let Some((day, month, year_text)) = whole_numeric_date(text) {
        return dated(day, month, year_text, reference, role);
    }
    // The first date written is the answer: `12th January 2027 (HDC
    // eligible 15/12/2026)` is 12 January.
    let pattern = if text.bytes().any(|b| b.is_ascii_alphabetic()) {
        &ANY_DATE
    } else {
        &DIGIT_DATE
    };
    let c = pattern.captures(text)?;
    let number = |name: &str| c.name(name)?.as_str().parse::<u32>().ok();
    let (day, month, year_text) = if let Some(year) = c.name("iy") {
        let date =
            NaiveDate::from_ymd_opt(year.as_str().parse().ok()?, number("im")?, number("id")?)?;
        return accept(date, reference, role);
    } else if let Some(year) = c.name("ny") {
        if c.name("ns1")?.as_str() != c.name("ns2")?.as_str() {
            return None;
        }
        (number("nd")?, number("nm")?, year.as_str())
    } else if let Some(year) = c.name("sy") {
        (number("sd")?, number("sm")?, year.as_str())
    } else if let Some(year) = c.name("my") {
        (
            number("md")?,
            month_from_name(c.name("mm")?.as_str())?,
            year.as_str(),
        )
    } else {
        (
            number("wd")?,
            month_from_name(c.name("wm")?.as_str())?,
            c.name("wy")?.as_str(),
        )
    };
    dated(day, month, year_text, reference, role)
}

/// The date of a day, month and year as written, two-digit years placed
/// against `reference`.
fn dated(
    day: u32,
    month: u32,
    year_text: &str,
    reference: NaiveDate,
    role: DateRole,
) -> Option<NaiveDate> {
    let year = if year_text.len() == 2 {
        resolve_two_digit_year(year_text.parse().ok()?, day, month, reference, role)?
    } else {
        year_text.parse().ok()?
    };
    accept(NaiveDate::from_ymd_opt(year, month, day)?, reference, role)
}

/// A text that is one date and nothing else, day, month and year in
/// ASCII digits, one or two, one or two, and four or two, apart by the
/// same `/`, `.` or `-` (`14/02/1988`, `4.2.88`): its day, month and
/// year as written.
fn whole_numeric_date(text: &str) -> Option<(u32, u32, &str)> {
    let bytes = text.as_bytes();
    let digits = |from: usize| {
        bytes.get(from..).map_or(0, |rest| {
            rest.iter().take_while(|b| b.is_ascii_digit()).count()
        })
    };
    let day_len = digits(0);
    let separator = *bytes.get(day_len)?;
    let month_len = digits(day_len + 1);
    let year_at = day_len + 1 + month_len + 1;
    let year_len = digits(year_at);
    let parts_fit = (1..=2).contains(&day_len)
        && (1..=2).contains(&month_len)
        && matches!(year_len, 2 | 4)
        && year_at + year_len == bytes.len();
    if !parts_fit
        || !matches!(separator, b'/' | b'.' | b'-')
        || bytes.get(year_at - 1) != Some(&separator)
    {
        return None;
    }
    Some((
        text[..day_len].parse().ok()?,
        text[day_len + 1..day_len + 1 + month_len].parse().ok()?,
        &text[year_at..],
    ))
}

/// A day as a person types it for the commands and the web view's forms
/// (`16/12/26`, `24 December 2026`, `14-12-2026`, `2026-12-24`), two-digit
/// years placed nearest to `today`.
pub fn parse_typed_day(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    parse_british_date(text, today, DateRole::Event)
}

/// `TBC (parole hearing 12/01/2027)`: the date in it is of something else,
/// and the answer is that the date is not known yet.
fn says_not_yet_known(text: &str) -> bool {
    super::not_yet::opens_with_not_yet(text)
}

fn accept(date: NaiveDate, reference: NaiveDate, role: DateRole) -> Option<NaiveDate> {
    if !(1900..=2200).contains(&date.year()) {
        return None;
    }
    if role == DateRole::Birth && date > reference {
        return None;
    }
    Some(date)
}

/// The year ending in `yy` nearest to the reference year; for a date of
/// birth, the nearest one that is not in the future.
fn resolve_two_digit_year(
    yy: i32,
    day: u32,
    month: u32,
    reference: NaiveDate,
    role: DateRole,
) -> Option<i32> {
    let century = reference.year() - reference.year().rem_euclid(100);
    let nearest = [century - 100 + yy, century + yy, century + 100 + yy]
        .into_iter()
        .min_by_key(|y| (y - reference.year()).abs())?;
    if role == DateRole::Birth {
        // Compare whole dates: a birthday later this year is still in the future.
        let candidate = NaiveDate::from_ymd_opt(nearest, month, day);
        if candidate.is_none_or(|d| d > reference) {
            return Some(nearest - 100);
        }
    }
    Some(nearest)
}

fn month_from_name(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let name = name.to_ascii_lowercase();
    if name.len() < 3 {
        return None;
    }
    let name = if name == "sept" {
        "sep".to_string()
    } else {
        name
    };
    MONTHS
        .iter()
        .position(|m| m.starts_with(&name))
        .map(|i| i as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    const SENT: fn() -> NaiveDate = || d(2026, 11, 16);

    #[test]
    fn a_date_alone_reads_as_it_does_in_a_sentence() {
        // `on ...` is read by the pattern whatever the date; the date
        // alone, as typed in a form, must read the same.
        for day in ["0", "1", "04", "29", "31", "32", "99", "123"] {
            for month in ["0", "2", "02", "12", "13", "012"] {
                for year in ["88", "26", "00", "1988", "2027", "1899", "198", "19880"] {
                    for (first, second) in
                        [('/', '/'), ('.', '.'), ('-', '-'), ('/', '-'), (' ', ' ')]
                    {
                        let alone = format!("{day}{first}{month}{second}{year}");
                        for role in [DateRole::Birth, DateRole::Event] {
                            assert_eq!(
                                parse_british_date(&alone, SENT(), role),
                                parse_british_date(&format!("on {alone}"), SENT(), role),
                                "{alone} {role:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn every_accepted_format_reads_day_first() {
        for text in [
            "03/04/2027",
            "3/4/27",
            "03-04-2027",
            "03.04.2027",
            "2027-04-03",
            "3 April 2027",
            "3rd Apr 2027",
            "Saturday 3 April 2027",
            "Saturday, 3rd of April, 2027",
        ] {
            assert_eq!(
                parse_british_date(text, SENT(), DateRole::Event),
                Some(d(2027, 4, 3)),
                "{text}"
            );
        }
    }

    #[test]
    fn the_first_date_written_is_the_answer() {
        assert_eq!(
            parse_british_date(
                "12th January 2027 (HDC eligible 15/12/2026)",
                SENT(),
                DateRole::Event
            ),
            Some(d(2027, 1, 12))
        );
        assert_eq!(
            parse_british_date(
                "CRD 12/01/2027, HDC 15 December 2026",
                SENT(),
                DateRole::Event
            ),
            Some(d(2027, 1, 12))
        );
    }

    #[test]
    fn two_digit_years() {
        assert_eq!(
            parse_british_date("04/05/83", SENT(), DateRole::Birth),
            Some(d(1983, 5, 4))
        );
        assert_eq!(
            parse_british_date("01/01/30", SENT(), DateRole::Birth),
            Some(d(1930, 1, 1))
        );
        assert_eq!(
            parse_british_date("01/01/30", SENT(), DateRole::Event),
            Some(d(2030, 1, 1))
        );
        // Born on 1 December: 2026-12-01 is after the message, so 1926.
        assert_eq!(
            parse_british_date("01/12/26", SENT(), DateRole::Birth),
            Some(d(1926, 12, 1))
        );
        assert_eq!(
            parse_british_date("01/11/26", SENT(), DateRole::Birth),
            Some(d(2026, 11, 1))
        );
    }

    #[test]
    fn impossible_and_unreadable_dates_are_refused() {
        for text in [
            "31/02/1990",
            "TBC",
            "TBC (parole hearing 12/01/2027)",
            "Awaiting parole board, hearing 12/01/2027",
            "unknown - possibly 12/01/2027",
            "March 2027",
            "12/13/2020",
            "1/2-2020",
            "32 Jan 2020",
        ] {
            assert_eq!(
                parse_british_date(text, SENT(), DateRole::Event),
                None,
                "{text}"
            );
        }
        assert_eq!(
            parse_british_date("01/01/2030", SENT(), DateRole::Birth),
            None
        );
    }
}
