//! `gateway.toml` as a whole: its sections read in turn, and the
//! settings of no section of their own.

use super::*;
use crate::core::address::{DomainPattern, EmailAddress};
use crate::core::authority::Contact;
use crate::core::protocol::Protocol;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The tables of `gateway.toml`, each read on its own so that a mistake
/// in one hides nothing in the others.
pub(super) const SECTIONS: [&str; 8] = [
    "gateway",
    "referrers",
    "mailbox",
    "outgoing",
    "deadlines",
    "retention",
    "http",
    "web",
];

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
    #[serde(default)]
    pub(super) portal_senders: Vec<String>,
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
    pub(super) portal_senders: Vec<EmailAddress>,
    pub(super) mailboxes: Vec<Mailbox>,
    pub(super) http: Option<Http>,
    pub(super) web: Option<Web>,
}

/// Reads `[section]` of the file as `T` (its default when absent).
fn section<T: serde::de::DeserializeOwned + Default>(
    file: &str,
    name: &str,
    document: &mut toml::Table,
    problems: &mut Problems,
) -> Option<T> {
    match document.remove(name) {
        None => Some(T::default()),
        Some(toml::Value::Table(table)) => read_table(file, name, "", table, problems),
        Some(other) => {
            problems.error(
                file,
                name,
                format!("must be a table [{name}], not {}", other.type_str()),
            );
            None
        }
    }
}

pub(super) fn read_gateway(
    file: &str,
    text: &str,
    authorities: &ReadAuthorities,
    source_dir: Option<&Path>,
    problems: &mut Problems,
) -> Option<Gateway> {
    let mut document: toml::Table = match text.parse() {
        Ok(r) => r,
        Err(e) => {
            problems.error(file, "(file)", toml_message(&e, text));
            return None;
        }
    };
    let unknown: Vec<String> = document
        .keys()
        .filter(|k| !SECTIONS.contains(&k.as_str()))
        .cloned()
        .collect();
    for name in unknown {
        let hint = SECTIONS
            .iter()
            .find(|s| super::checks::edit_distance(s, &name) <= 2)
            .map(|s| format!(" (did you mean [{s}]?)"))
            .unwrap_or_default();
        problems.error(
            file,
            &name,
            format!(
                "unknown section `{name}`{hint}; expected one of {}",
                SECTIONS.join(", ")
            ),
        );
        document.remove(&name);
    }
    let raw_gateway: Option<RawGateway> = match document.remove("gateway") {
        Some(toml::Value::Table(table)) => read_table(file, "gateway", "", table, problems),
        Some(_) => {
            problems.error(file, "gateway", "must be a table [gateway]");
            None
        }
        None => {
            problems.error(
                file,
                "gateway",
                "the [gateway] table is missing (it holds database = \"...\")",
            );
            None
        }
    };
    let referrers: RawReferrers =
        section(file, "referrers", &mut document, problems).unwrap_or_default();
    let raw_deadlines: Option<RawDeadlines> = section(file, "deadlines", &mut document, problems);
    let raw_retention: RawRetention =
        section(file, "retention", &mut document, problems).unwrap_or_default();
    let raw_mailboxes = match document.remove("mailbox") {
        None => Vec::new(),
        Some(toml::Value::Array(entries)) => entries,
        Some(_) => {
            problems.error(file, "mailbox", "mailboxes are [[mailbox]] tables");
            Vec::new()
        }
    };
    let raw_outgoing = match document.remove("outgoing") {
        None => None,
        Some(toml::Value::Table(table)) => Some(table),
        Some(_) => {
            problems.error(file, "outgoing", "must be a table [outgoing]");
            None
        }
    };
    let raw_http = match document.remove("http") {
        None => None,
        Some(toml::Value::Table(table)) => Some(table),
        Some(_) => {
            problems.error(file, "http", "must be a table [http]");
            None
        }
    };
    let raw_web = match document.remove("web") {
        None => None,
        Some(toml::Value::Table(table)) => Some(table),
        Some(_) => {
            problems.error(file, "web", "must be a table [web]");
            None
        }
    };
    let mut allowed_domains = Vec::new();
    for (i, d) in referrers.allowed_domains.iter().enumerate() {
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
    for (i, d) in referrers.allowed_domains.iter().enumerate() {
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
    let quarantine_unauthenticated = match &referrers.quarantine_unauthenticated {
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
    let mut portal_senders = Vec::new();
    for (i, a) in referrers.portal_senders.iter().enumerate() {
        match EmailAddress::parse(a) {
            Ok(address) => portal_senders.push(address),
            Err(e) => problems.error(
                file,
                format!("referrers.portal_senders[{i}]"),
                format!("{e}: list the portal's notification addresses, such as \"alerts@portal.example.gov.uk\""),
            ),
        }
    }
    let retention = read_retention(file, &raw_retention, problems);
    if referrers.allowed_domains.is_empty() {
        problems.warn(
            file,
            "referrers.allowed_domains",
            "no sender domain is allowed: every referral will be quarantined",
        );
    }
    if raw_gateway
        .as_ref()
        .is_some_and(|g| g.database.trim().is_empty())
    {
        problems.error(file, "gateway.database", "the database URL is empty");
    }
    let instance = raw_gateway
        .as_ref()
        .and_then(|g| g.instance.as_ref())
        .map(|name| name.trim().to_string());
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
    for (i, value) in raw_mailboxes.into_iter().enumerate() {
        let key = format!("mailbox[{i}]");
        let toml::Value::Table(table) = value else {
            problems.error(file, &key, "a mailbox is a [[mailbox]] table");
            continue;
        };
        let Some(m) = read_table::<RawMailbox>(file, &key, "", table, problems) else {
            continue;
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
        match authorities
            .authorities
            .iter()
            .find(|a| a.code.as_str() == m.authority)
        {
            Some(a) => mailboxes.push(Mailbox {
                name: m.name,
                authority: a.code.clone(),
                source,
                trust,
            }),
            // An authority that is there but wrong has errors of its own;
            // one whose file could not be read, its syntax error.
            None if !authorities.parsed
                || authorities
                    .codes
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(&m.authority)) => {}
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
    let http = raw_http.and_then(|table| read_http(file, table, problems));
    let web = raw_web.and_then(|table| read_web(file, table, &authorities.authorities, problems));
    let outgoing = read_outgoing(file, raw_outgoing, problems);
    let cutoff = raw_gateway.as_ref().and_then(|g| {
        chrono::NaiveTime::parse_from_str(&g.cutoff, "%H:%M")
            .map_err(|_| {
                problems.error(
                    file,
                    "gateway.cutoff",
                    format!("`{}` is not a time such as 17:00", g.cutoff),
                )
            })
            .ok()
    });
    let protocol = raw_gateway
        .as_ref()
        .and_then(|g| read_protocol(file, &g.protocol, source_dir, problems));
    let deadlines = raw_deadlines.and_then(|raw| read_deadline_times(file, raw, problems));
    let (Some(raw_gateway), Some(outgoing), Some(cutoff), Some(protocol), Some(deadlines)) =
        (raw_gateway, outgoing, cutoff, protocol, deadlines)
    else {
        return None;
    };
    if deadlines.referrer_escalation.is_none() && protocol.has_referrer_rules() {
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
        deadlines,
        retention,
        cutoff,
        outgoing,
        database: raw_gateway.database,
        instance,
        max_message_bytes: raw_gateway.max_message_bytes,
        answer_max_age: chrono::Duration::hours(i64::from(raw_gateway.answer_max_age_hours)),
        allowed_domains,
        quarantine_unauthenticated,
        portal_senders,
        mailboxes,
        http,
        web,
    })
}

/// `[deadlines]`: the sending hours and the referring side's escalation;
/// each mistake is reported.
fn read_deadline_times(
    file: &str,
    raw: RawDeadlines,
    problems: &mut Problems,
) -> Option<Deadlines> {
    let time = |key: &str, text: &str, example: &str, problems: &mut Problems| {
        chrono::NaiveTime::parse_from_str(text, "%H:%M")
            .map_err(|_| {
                problems.error(
                    file,
                    key,
                    format!("`{text}` is not a time such as {example}"),
                )
            })
            .ok()
    };
    let send_from = time("deadlines.send_from", &raw.send_from, "09:00", problems);
    let send_until = time("deadlines.send_until", &raw.send_until, "17:00", problems);
    let mut ok = true;
    let referrer_escalation = match raw.referrer_escalation {
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
                ok = false;
                None
            }
            Err(e) => {
                problems.error(file, "deadlines.referrer_escalation.email", e.to_string());
                ok = false;
                None
            }
        },
        None => None,
    };
    let (send_from, send_until) = (send_from?, send_until?);
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
    ok.then_some(Deadlines {
        send_from,
        send_until,
        stop_after_release_days: raw.stop_after_release_days,
        referrer_escalation,
    })
}
