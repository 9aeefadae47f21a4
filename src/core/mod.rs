//! The domain core: referrals, the form, dates, authorities and the rules
//! that judge a message. Pure values and functions; nothing here performs I/O.

pub mod address;
pub mod authority;
pub mod calendar;
pub mod case_ref;
pub mod classify;
pub mod dates;
pub mod event;
pub mod field;
pub mod form;
pub mod form_request;
pub mod ids;
pub mod mail;
pub mod not_yet;
pub mod options;
pub mod plan;
pub mod protocol;
pub mod referral;
pub mod reply;
pub mod report;
pub mod rows;
pub mod sender;
pub mod sources;
pub mod states;
pub mod stored;
pub mod sweep;
#[cfg(test)]
pub(crate) mod test_support;
pub mod tick;
pub mod uk;
pub mod undelivered;
pub mod urgency;
pub mod withdrawal;
pub mod words;
