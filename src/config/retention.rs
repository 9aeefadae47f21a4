//! `[retention]`: how long personal details are kept.

use super::*;
use serde::Deserialize;

/// How long personal details are kept (`[retention]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// A closed case's personal details are erased this many months after
    /// it was closed; a refusal's, and those of a message that belongs to
    /// no case, this many months after they were recorded.
    pub closed_case_months: u32,
    /// An incomplete case whose consent was never confirmed (the form did
    /// not say, or could not be read) lapses this many days after it was
    /// opened, and its personal details are erased.
    pub unconfirmed_consent_days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            closed_case_months: DEFAULT_CLOSED_CASE_MONTHS,
            unconfirmed_consent_days: DEFAULT_UNCONFIRMED_CONSENT_DAYS,
        }
    }
}

impl Retention {
    /// What was closed or recorded before this time is erased by a purge at
    /// `now`.
    pub fn cutoff(&self, now: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
        now.checked_sub_months(chrono::Months::new(self.closed_case_months))
            // Before the earliest representable time nothing was recorded.
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC)
    }

    /// When a message of no case recorded at `recorded_at` (one waiting
    /// in quarantine) is erased: the first purge from then on erases it.
    pub fn erased_from(
        &self,
        recorded_at: chrono::DateTime<chrono::Utc>,
    ) -> chrono::DateTime<chrono::Utc> {
        recorded_at
            .checked_add_months(chrono::Months::new(self.closed_case_months))
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC)
    }

    /// An incomplete case opened before this time whose consent was never
    /// confirmed lapses in a purge at `now`: from the start of the day the
    /// referrer and the case were told (the day, in England, that falls
    /// `unconfirmed_consent_days` after the case opened), not to the minute.
    pub fn unconfirmed_consent_cutoff(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> chrono::DateTime<chrono::Utc> {
        let tomorrow = crate::core::uk::date(now).succ_opt();
        tomorrow
            .map(crate::core::uk::midnight)
            .and_then(|next_midnight| {
                next_midnight.checked_sub_signed(chrono::Duration::days(i64::from(
                    self.unconfirmed_consent_days,
                )))
            })
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC)
    }
}

pub(super) const DEFAULT_CLOSED_CASE_MONTHS: u32 = 24;

/// A hundred years: anything longer is a slip of the keyboard.
pub(super) const MAX_CLOSED_CASE_MONTHS: i64 = 1200;

pub(super) const DEFAULT_UNCONFIRMED_CONSENT_DAYS: u32 = 14;

/// A year: personal details held without consent for longer than that are
/// not a setting anyone means.
pub(super) const MAX_UNCONFIRMED_CONSENT_DAYS: i64 = 365;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRetention {
    /// Read by hand, so that a wrong type is reported with its key.
    pub(super) closed_case_months: Option<toml::Value>,
    pub(super) unconfirmed_consent_days: Option<toml::Value>,
}

/// `[retention]`: whole months after a case is closed, whole days for an
/// unconfirmed consent, at least one. A wrong value is an error rather than
/// a fallback to the default, since it decides when personal data is
/// erased.
pub(super) fn read_retention(file: &str, raw: &RawRetention, problems: &mut Problems) -> Retention {
    let defaults = Retention::default();
    let closed_case_months = read_period(
        file,
        "retention.closed_case_months",
        raw.closed_case_months.as_ref(),
        (MAX_CLOSED_CASE_MONTHS, "months", "after a case is closed"),
        problems,
    );
    let unconfirmed_consent_days = read_period(
        file,
        "retention.unconfirmed_consent_days",
        raw.unconfirmed_consent_days.as_ref(),
        (
            MAX_UNCONFIRMED_CONSENT_DAYS,
            "days",
            "an incomplete referral waits for its consent",
        ),
        problems,
    );
    Retention {
        closed_case_months: closed_case_months.unwrap_or(defaults.closed_case_months),
        unconfirmed_consent_days: unconfirmed_consent_days
            .unwrap_or(defaults.unconfirmed_consent_days),
    }
}

/// One retention period: a whole number from 1 to `max` of `unit`s (`what`
/// they count, for the error). `None` when absent or wrong (then an error
/// says why).
pub(super) fn read_period(
    file: &str,
    key: &str,
    value: Option<&toml::Value>,
    (max, unit, what): (i64, &str, &str),
    problems: &mut Problems,
) -> Option<u32> {
    match value? {
        toml::Value::Integer(n) if (1..=max).contains(n) => u32::try_from(*n).ok(),
        toml::Value::Integer(n) if *n < 1 => {
            problems.error(
                file,
                key,
                format!("must be at least 1 ({unit} {what}), not {n}"),
            );
            None
        }
        other => {
            problems.error(
                file,
                key,
                format!("must be a whole number of {unit} from 1 to {max}, not {other}"),
            );
            None
        }
    }
}
