//! `gateway.toml` as a whole: its sections read in turn, and the
//! settings of no section of their own.

use super::*;
use crate::core::address::{DomainPattern, EmailAddress};
use crate::core::authority::{Authority, Contact};
use crate::core::protocol::Protocol;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGatewayFile {
    pub(super) gateway: RawGateway,
    #[serde(default)]
    pub(super) referrers: RawReferrers,
    #[serde(default)]
    pub(super) mailbox: Vec<toml::Value>,
    #[serde(default)]
    pub(super) outgoing: Option<toml::Table>,
    #[serde(default)]
    pub(super) deadlines: RawDeadlines,
    #[serde(default)]
    pub(super) retention: RawRetention,
    #[serde(default)]
    pub(super) http: Option<toml::Table>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGateway {
    pub(super) database: String,
    pub(super) instance: Option<String>,
    #[serde(default = "default_max_message_bytes")]
    pub(super) max_message_bytes: usize,
    #[serde(default = "default_answer_max_age_hours")]
    pub(super) answer_max_age_hours: u32,
    /// Mail received after this local time counts from the next working day.
    #[serde(default = "default_cutoff")]
    pub(super) cutoff: String,
    #[serde(default = "default_protocol")]
    pub(super) protocol: String,
}

pub(super) fn default_protocol() -> String {
    "essex".into()
}

pub(super) fn default_cutoff() -> String {
    "17:00".into()
}

pub(super) fn default_answer_max_age_hours() -> u32 {
    72
}

pub(super) fn default_max_message_bytes() -> usize {
    crate::message::DEFAULT_MAX_MESSAGE_BYTES
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReferrers {
    #[serde(default)]
    pub(super) allowed_domains: Vec<String>,
    /// Read by hand, so that a wrong type is reported with its key.
    pub(super) quarantine_unauthenticated: Option<toml::Value>,
}

pub(super) struct Gateway {
    pub(super) protocol: Protocol,
    pub(super) deadlines: Deadlines,
    pub(super) retention: Retention,
    pub(super) cutoff: chrono::NaiveTime,
    pub(super) outgoing: Outgoing,
    pub(super) database: String,
    pub(super) instance: Option<String>,
    pub(super) max_message_bytes: usize,
    pub(super) answer_max_age: chrono::Duration,
    pub(super) allowed_domains: Vec<DomainPattern>,
    pub(super) quarantine_unauthenticated: bool,
    pub(super) mailboxes: Vec<Mailbox>,
    pub(super) http: Option<Http>,
}

pub(super) fn read_gateway(
    file: &str,
    text: &str,
    authorities: &[Authority],
    source_dir: Option<&Path>,
    problems: &mut Problems,
) -> Option<Gateway> {
    let raw: RawGatewayFile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            problems.error(file, "(file)", toml_message(&e, text));
            return None;
        }
    };
    let mut allowed_domains = Vec::new();
    for (i, d) in raw.referrers.allowed_domains.iter().enumerate() {
        match DomainPattern::parse(d) {
            Ok(p) => allowed_domains.push(p),
            Err(e) => problems.error(
                file,
                format!("referrers.allowed_domains[{i}]"),
                e.to_string(),
            ),
        }
    }
    // CJSM addresses are the organisation's own with `.cjsm.net` appended
    // (name@org.org.uk.cjsm.net): `cjsm.net` alone allows none of them.
    let cjsm_covered = allowed_domains
        .iter()
        .any(|p: &DomainPattern| p.matches("probation.gov.uk.cjsm.net"));
    for (i, d) in raw.referrers.allowed_domains.iter().enumerate() {
        let bare_cjsm = DomainPattern::parse(d)
            .is_ok_and(|p| p.matches("cjsm.net") && !p.matches("org.cjsm.net"));
        if bare_cjsm && !cjsm_covered {
            problems.warn(
                file,
                format!("referrers.allowed_domains[{i}]"),
                "\"cjsm.net\" allows no CJSM address: they are the sender's own address with \
                 .cjsm.net appended (name@probation.gov.uk.cjsm.net); allow \"*.cjsm.net\"",
            );
        }
    }
    let quarantine_unauthenticated = match &raw.referrers.quarantine_unauthenticated {
        None => true,
        Some(toml::Value::Boolean(on)) => *on,
        Some(other) => {
            problems.error(
                file,
                "referrers.quarantine_unauthenticated",
                format!("must be true or false, not {other}"),
            );
            true
        }
    };
    let retention = read_retention(file, &raw.retention, problems);
    if raw.referrers.allowed_domains.is_empty() {
        problems.warn(
            file,
            "referrers.allowed_domains",
            "no sender domain is allowed: every referral will be quarantined",
        );
    }
    if raw.gateway.database.trim().is_empty() {
        problems.error(file, "gateway.database", "the database URL is empty");
    }
    let instance = raw.gateway.instance.map(|name| name.trim().to_string());
    if let Some(name) = &instance {
        if name.is_empty() || name.chars().any(char::is_control) {
            problems.error(
                file,
                "gateway.instance",
                "the instance name is empty or holds control characters",
            );
        }
    }
    let mut mailboxes: Vec<Mailbox> = Vec::new();
    for (i, value) in raw.mailbox.into_iter().enumerate() {
        let key = format!("mailbox[{i}]");
        let m: RawMailbox = match value.try_into() {
            Ok(m) => m,
            Err(e) => {
                problems.error(file, &key, e.to_string().trim().to_string());
                continue;
            }
        };
        if mailboxes.iter().any(|o| o.name == m.name) {
            problems.error(
                file,
                format!("{key}.name"),
                format!("mailbox `{}` is configured twice", m.name),
            );
            continue;
        }
        let Some(trust) = read_trust(file, &key, &m, problems) else {
            continue;
        };
        let source = match (&m.maildir, m.imap) {
            (Some(_), Some(_)) => {
                problems.error(
                    file,
                    format!("{key}.imap"),
                    format!(
                        "mailbox `{}`: give either maildir or imap, not both",
                        m.name
                    ),
                );
                continue;
            }
            (Some(path), None) => Source::Maildir(PathBuf::from(path)),
            (None, Some(table)) => {
                match read_imap(file, &format!("{key}.imap"), &m.name, table, problems) {
                    Some(settings) => Source::Imap(settings),
                    None => continue,
                }
            }
            (None, None) => Source::None,
        };
        if matches!(source, Source::Imap(_)) && trust.results == ResultsFrom::Topmost {
            problems.warn(
                file,
                &key,
                format!(
                    "mailbox `{}`: the topmost Authentication-Results header is believed, whoever \
                     wrote it; set trusted_authserv_id to the receiving server's (or auth_results \
                     = \"exchange\" for Exchange Online) so that only its verdict counts",
                    m.name
                ),
            );
        }
        match authorities.iter().find(|a| a.code.as_str() == m.authority) {
            Some(a) => mailboxes.push(Mailbox {
                name: m.name,
                authority: a.code.clone(),
                source,
                trust,
            }),
            None => problems.error(
                file,
                format!("{key}.authority"),
                format!(
                    "mailbox `{}`: no authority has the code `{}`",
                    m.name, m.authority
                ),
            ),
        }
    }
    if mailboxes.is_empty() {
        problems.warn(
            file,
            "mailbox",
            "no mailbox is configured: nothing will be watched",
        );
    }
    let http = raw.http.and_then(|table| read_http(file, table, problems));
    let outgoing = read_outgoing(file, raw.outgoing, problems)?;
    let Ok(cutoff) = chrono::NaiveTime::parse_from_str(&raw.gateway.cutoff, "%H:%M") else {
        problems.error(
            file,
            "gateway.cutoff",
            format!("`{}` is not a time such as 17:00", raw.gateway.cutoff),
        );
        return None;
    };
    let protocol = read_protocol(file, &raw.gateway.protocol, source_dir, problems)?;
    let Ok(send_from) = chrono::NaiveTime::parse_from_str(&raw.deadlines.send_from, "%H:%M") else {
        problems.error(
            file,
            "deadlines.send_from",
            format!("`{}` is not a time such as 09:00", raw.deadlines.send_from),
        );
        return None;
    };
    let referrer_escalation = match raw.deadlines.referrer_escalation {
        Some(contact) => match EmailAddress::parse(&contact.email) {
            Ok(email) if !contact.name.trim().is_empty() => Some(Contact {
                name: contact.name,
                email,
            }),
            Ok(_) => {
                problems.error(
                    file,
                    "deadlines.referrer_escalation.name",
                    "the name is empty",
                );
                return None;
            }
            Err(e) => {
                problems.error(file, "deadlines.referrer_escalation.email", e.to_string());
                return None;
            }
        },
        None => None,
    };
    let Ok(send_until) = chrono::NaiveTime::parse_from_str(&raw.deadlines.send_until, "%H:%M")
    else {
        problems.error(
            file,
            "deadlines.send_until",
            format!("`{}` is not a time such as 17:00", raw.deadlines.send_until),
        );
        return None;
    };
    if send_until <= send_from {
        problems.error(
            file,
            "deadlines.send_until",
            format!(
                "{} is not after send_from ({}): no follow-up could ever be sent",
                send_until.format("%H:%M"),
                send_from.format("%H:%M")
            ),
        );
        return None;
    }
    if referrer_escalation.is_none() && protocol.has_referrer_rules() {
        problems.warn(
            file,
            "deadlines.referrer_escalation",
            format!(
                "the protocol ({}) has steps the referring side owes, but no referrer_escalation \
                 is set: their escalations are only noted on the case (see the commented example \
                 in gateway.toml)",
                protocol.name
            ),
        );
    }
    Some(Gateway {
        protocol,
        deadlines: Deadlines {
            send_from,
            send_until,
            stop_after_release_days: raw.deadlines.stop_after_release_days,
            referrer_escalation,
        },
        retention,
        cutoff,
        outgoing,
        database: raw.gateway.database,
        instance,
        max_message_bytes: raw.gateway.max_message_bytes,
        answer_max_age: chrono::Duration::hours(i64::from(raw.gateway.answer_max_age_hours)),
        allowed_domains,
        quarantine_unauthenticated,
        mailboxes,
        http,
    })
}
