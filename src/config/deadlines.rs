//! `[deadlines]` and the protocols: when follow-ups may go, and the
//! rules they follow.

use super::*;
use crate::core::authority::Contact;
use crate::core::protocol::Protocol;
use serde::Deserialize;
use std::path::Path;

/// How deadlines are followed up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deadlines {
    /// Reminders, chases and escalations go on working days from this time (UK).
    pub send_from: chrono::NaiveTime,
    /// ... and until this time (UK): never in the evening.
    pub send_until: chrono::NaiveTime,
    /// No follow-up of any kind this many days after the release date.
    pub stop_after_release_days: u32,
    /// Where an escalation of a step the referring side owes goes (Annex C:
    /// the Director of Probation); none means it is noted on the case only.
    pub referrer_escalation: Option<Contact>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDeadlines {
    #[serde(default = "default_send_from")]
    pub(super) send_from: String,
    #[serde(default = "default_send_until")]
    pub(super) send_until: String,
    #[serde(default = "default_stop_after_release_days")]
    pub(super) stop_after_release_days: u32,
    pub(super) referrer_escalation: Option<RawContact>,
}

impl Default for RawDeadlines {
    fn default() -> Self {
        RawDeadlines {
            send_from: default_send_from(),
            send_until: default_send_until(),
            stop_after_release_days: default_stop_after_release_days(),
            referrer_escalation: None,
        }
    }
}

pub(super) fn default_send_until() -> String {
    "17:00".into()
}

pub(super) fn default_stop_after_release_days() -> u32 {
    14
}

pub(super) fn default_send_from() -> String {
    "09:00".into()
}

/// `protocols/NAME.toml` of the configuration folder, else the shipped one.
pub(super) fn read_protocol(
    file: &str,
    name: &str,
    source_dir: Option<&Path>,
    problems: &mut Problems,
) -> Option<Protocol> {
    let own = source_dir.map(|d| d.join("protocols").join(format!("{name}.toml")));
    let (where_from, text) = match own.filter(|p| p.exists()) {
        Some(path) => match std::fs::read_to_string(&path) {
            Ok(text) => (path.display().to_string(), text),
            Err(e) => {
                problems.error(&path.display().to_string(), "(file)", e.to_string());
                return None;
            }
        },
        None => match EMBEDDED_PROTOCOLS.iter().find(|(n, _)| *n == name) {
            Some((_, text)) => (
                format!("(embedded) protocols/{name}.toml"),
                text.to_string(),
            ),
            None => {
                problems.error(
                    file,
                    "gateway.protocol",
                    format!("no protocol `{name}`: the shipped ones are essex and kent, or add protocols/{name}.toml"),
                );
                return None;
            }
        },
    };
    match Protocol::from_toml(&text) {
        Ok(p) => Some(p),
        Err(e) => {
            problems.error(&where_from, "rule", e.to_string());
            None
        }
    }
}
