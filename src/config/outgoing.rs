//! `[outgoing]`: how mail leaves (files or an SMTP relay) and its limits,
//! and `[outgoing.identity.NAME]`: an authority's own sending identity (its
//! own relay, account and sign-in), used for its mail instead of
//! `[outgoing.smtp]`.

use super::*;
use serde::Deserialize;
use std::path::PathBuf;

/// Where and how the gateway's own mail goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    pub transport: Transport,
    /// The domain of the gateway's Message-IDs.
    pub message_id_domain: String,
    /// At most this many automatic mails to one address in an hour.
    pub max_per_recipient_per_hour: u32,
    /// At most this many in a day: past it, automatic mail to that address
    /// stops (a loop with an auto-responder), and the case says why.
    pub max_per_recipient_per_day: u32,
    /// Who receives the new-referral notice.
    pub notice_to: NoticeTo,
    /// How long this gateway's claim on a mail it is sending holds without
    /// being renewed: how soon another gateway on the same store takes over
    /// the mail of one that died.
    pub claim: chrono::Duration,
    /// Sending identities of their own, each for some authorities' mail;
    /// the others' goes by `transport`.
    pub identities: Vec<Identity>,
}

/// An authority's (or several authorities') own way out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// Its name in the configuration (`[outgoing.identity.NAME]`), in
    /// `status`, /health and the log.
    pub name: String,
    /// The codes of the authorities whose mail it sends.
    pub authorities: Vec<String>,
    pub smtp: SmtpSettings,
}

/// What a relay allows one account: the sender keeps to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendLimits {
    /// Connections open at once (mails in flight).
    pub max_connections: u32,
    /// Mails begun in any minute; none for no limit.
    pub max_per_minute: Option<u32>,
    /// Recipients in any 24 hours; none for no limit.
    pub max_recipients_per_day: Option<u32>,
}

/// Exchange Online's limits per mailbox (SMTP AUTH client submission):
/// 3 connections at once, 30 messages a minute, 10,000 recipients a day.
pub const EXCHANGE_ONLINE: SendLimits = SendLimits {
    max_connections: 3,
    max_per_minute: Some(30),
    max_recipients_per_day: Some(10_000),
};

/// Any other relay (one of the gateway's own, Postfix): a few connections,
/// no rate. Four: each mail in flight also writes to the store as it
/// settles, and more than the SQLite pool's four connections in flight
/// starve intake of connections (measured: eight stalled both).
pub const OTHER_RELAY: SendLimits = SendLimits {
    max_connections: 4,
    max_per_minute: None,
    max_recipients_per_day: None,
};

impl SendLimits {
    /// Exchange Online's for its submission host, else [`OTHER_RELAY`].
    pub fn default_for(host: &str) -> SendLimits {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if host == "smtp.office365.com" || host.ends_with(".outlook.com") {
            EXCHANGE_ONLINE
        } else {
            OTHER_RELAY
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Each mail written as an `.eml` file into the folder (the embedded default).
    Files(PathBuf),
    Smtp(SmtpSettings),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeTo {
    Inbox,
    OperationalLead,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub ca_file: Option<PathBuf>,
    /// None for a relay that needs no login (one on this machine).
    pub login: Option<(String, Credentials)>,
    pub limits: SendLimits,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOutgoing {
    #[serde(default = "default_transport")]
    pub(super) transport: String,
    pub(super) folder: Option<String>,
    #[serde(default = "default_message_id_domain")]
    pub(super) message_id_domain: String,
    #[serde(default = "default_max_per_hour")]
    pub(super) max_per_recipient_per_hour: u32,
    #[serde(default = "default_max_per_day")]
    pub(super) max_per_recipient_per_day: u32,
    #[serde(default = "default_notice_to")]
    pub(super) notice_to: String,
    #[serde(default = "default_claim_seconds")]
    pub(super) claim_seconds: u32,
}

pub(super) fn default_claim_seconds() -> u32 {
    900
}

pub(super) fn default_max_per_day() -> u32 {
    50
}

/// A claim is renewed every third of its time while a mail is sent; a
/// minute leaves room for a store that is slow to answer.
pub(super) const MIN_CLAIM_SECONDS: u32 = 60;

pub(super) fn default_transport() -> String {
    "files".into()
}

pub(super) fn default_message_id_domain() -> String {
    "dtr-gateway.invalid".into()
}

pub(super) fn default_max_per_hour() -> u32 {
    5
}

pub(super) fn default_notice_to() -> String {
    "inbox".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSmtp {
    pub(super) host: String,
    pub(super) port: Option<u16>,
    #[serde(default = "default_smtp_tls")]
    pub(super) tls: String,
    pub(super) ca_file: Option<String>,
    pub(super) username: Option<String>,
    pub(super) password_env: Option<String>,
    pub(super) password_file: Option<String>,
    pub(super) token_command: Option<String>,
    pub(super) token_file: Option<String>,
    pub(super) microsoft: Option<toml::Table>,
    pub(super) google: Option<toml::Table>,
    pub(super) max_connections: Option<u32>,
    pub(super) max_per_minute: Option<u32>,
    pub(super) max_recipients_per_day: Option<u32>,
}

pub(super) fn default_smtp_tls() -> String {
    "starttls".into()
}

pub(super) fn read_outgoing(
    file: &str,
    table: Option<toml::Table>,
    problems: &mut Problems,
) -> Option<Outgoing> {
    let key = "outgoing";
    let mut table = table.unwrap_or_default();
    let smtp_table = table.remove("smtp");
    let identity_table = table.remove("identity");
    let raw: RawOutgoing = read_table(file, key, "", table, problems)?;
    let notice_to = match raw.notice_to.as_str() {
        "inbox" => NoticeTo::Inbox,
        "operational_lead" => NoticeTo::OperationalLead,
        other => {
            problems.error(
                file,
                "outgoing.notice_to",
                format!("`{other}` is not one of inbox, operational_lead"),
            );
            return None;
        }
    };
    // A wrong [outgoing.smtp] is read past (None here), so that the
    // identities' problems are said in the same run.
    let transport = match raw.transport.as_str() {
        "files" => Some(Transport::Files(PathBuf::from(
            raw.folder.unwrap_or_else(|| "data/outbox".into()),
        ))),
        "smtp" => {
            let Some(toml::Value::Table(smtp)) = smtp_table else {
                problems.error(
                    file,
                    "outgoing.smtp",
                    "transport = \"smtp\" needs an [outgoing.smtp] table",
                );
                return None;
            };
            read_smtp(file, "outgoing.smtp", "outgoing mail", smtp, problems).map(Transport::Smtp)
        }
        other => {
            problems.error(
                file,
                "outgoing.transport",
                format!("`{other}` is not one of files, smtp"),
            );
            return None;
        }
    };
    if raw.max_per_recipient_per_hour == 0 {
        problems.warn(
            file,
            "outgoing.max_per_recipient_per_hour",
            "0 means the gateway never answers anyone",
        );
    }
    if raw.max_per_recipient_per_day < raw.max_per_recipient_per_hour {
        problems.warn(
            file,
            "outgoing.max_per_recipient_per_day",
            format!(
                "{} a day is fewer than {} an hour",
                raw.max_per_recipient_per_day, raw.max_per_recipient_per_hour
            ),
        );
    }
    if raw.claim_seconds < MIN_CLAIM_SECONDS {
        problems.error(
            file,
            "outgoing.claim_seconds",
            format!(
                "{} is too short: at least {MIN_CLAIM_SECONDS} seconds",
                raw.claim_seconds
            ),
        );
    }
    let to_files = matches!(transport, Some(Transport::Files(_)));
    let identities = read_identities(file, identity_table, to_files, problems);
    let (transport, identities) = (transport?, identities?);
    Some(Outgoing {
        identities,
        transport,
        message_id_domain: raw.message_id_domain,
        max_per_recipient_per_hour: raw.max_per_recipient_per_hour,
        max_per_recipient_per_day: raw.max_per_recipient_per_day,
        notice_to,
        claim: chrono::Duration::seconds(i64::from(raw.claim_seconds)),
    })
}

/// An SMTP relay's table (`[outgoing.smtp]`, `[outgoing.identity.NAME]`):
/// `key` is where it is, `owner` what it is for (for problems).
fn read_smtp(
    file: &str,
    key: &str,
    owner: &str,
    mut smtp: toml::Table,
    problems: &mut Problems,
) -> Option<SmtpSettings> {
    if smtp.remove("password").is_some() {
        problems.error(
            file,
            format!("{key}.password"),
            "a password is never written in the configuration; name where to find it with password_env or password_file",
        );
        return None;
    }
    let raw_smtp: RawSmtp = read_table(file, key, "", smtp, problems)?;
    let tls = read_tls(file, key, owner, &raw_smtp.tls, problems)?;
    let secrets = SecretKeys {
        password_env: raw_smtp.password_env,
        password_file: raw_smtp.password_file,
        token_command: raw_smtp.token_command,
        token_file: raw_smtp.token_file,
        microsoft: raw_smtp.microsoft,
        google: raw_smtp.google,
    };
    let login = match raw_smtp.username {
        Some(user) => {
            let credentials = read_credentials(file, key, owner, &user, secrets, problems)?;
            Some((user, credentials))
        }
        None if secrets.any() => {
            problems.error(
                file,
                format!("{key}.username"),
                "a password or token is given but no username",
            );
            return None;
        }
        None => None,
    };
    let defaults = SendLimits::default_for(&raw_smtp.host);
    let mut limits = SendLimits {
        max_connections: raw_smtp.max_connections.unwrap_or(defaults.max_connections),
        max_per_minute: raw_smtp.max_per_minute.or(defaults.max_per_minute),
        max_recipients_per_day: raw_smtp
            .max_recipients_per_day
            .or(defaults.max_recipients_per_day),
    };
    for (name, value) in [
        ("max_connections", Some(limits.max_connections)),
        ("max_per_minute", limits.max_per_minute),
        ("max_recipients_per_day", limits.max_recipients_per_day),
    ] {
        if value == Some(0) {
            problems.error(
                file,
                format!("{key}.{name}"),
                format!("{owner}: 0 would never send a mail; leave it out for the default"),
            );
            return None;
        }
    }
    if limits.max_connections > MAX_CONNECTIONS {
        problems.warn(
            file,
            format!("{key}.max_connections"),
            format!("{owner}: at most {MAX_CONNECTIONS} connections are opened"),
        );
        limits.max_connections = MAX_CONNECTIONS;
    }
    Some(SmtpSettings {
        port: raw_smtp.port.unwrap_or(match tls {
            TlsMode::Implicit => 465,
            TlsMode::StartTls | TlsMode::None => 587,
        }),
        host: raw_smtp.host,
        tls,
        ca_file: raw_smtp.ca_file.map(PathBuf::from),
        login,
        limits,
    })
}

/// Connections to one relay, at most, whatever is configured.
pub const MAX_CONNECTIONS: u32 = 32;

/// `[outgoing.identity.NAME]` tables: each an SMTP relay's keys and
/// `authorities`, the codes whose mail it sends. An authority in two is an
/// error; a code that names no authority is found across the files
/// (`checks`).
fn read_identities(
    file: &str,
    table: Option<toml::Value>,
    to_files: bool,
    problems: &mut Problems,
) -> Option<Vec<Identity>> {
    let Some(table) = table else {
        return Some(Vec::new());
    };
    let toml::Value::Table(table) = table else {
        problems.error(
            file,
            "outgoing.identity",
            "must be tables, one per identity: [outgoing.identity.NAME]",
        );
        return None;
    };
    if to_files {
        problems.error(
            file,
            "outgoing.identity",
            "sending identities need transport = \"smtp\" (and an [outgoing.smtp] for the other authorities)",
        );
        return None;
    }
    let mut identities: Vec<Identity> = Vec::new();
    let mut whole = true;
    for (name, value) in table {
        let key = format!("outgoing.identity.{name}");
        if name == "shared" {
            problems.error(
                file,
                &key,
                "`shared` names [outgoing.smtp] in status and /health: choose another name",
            );
            whole = false;
            continue;
        }
        let toml::Value::Table(mut settings) = value else {
            problems.error(file, &key, "must be a table: [outgoing.identity.NAME]");
            whole = false;
            continue;
        };
        let authorities: Vec<String> = match settings.remove("authorities") {
            Some(toml::Value::Array(codes)) if !codes.is_empty() => {
                let codes: Option<Vec<String>> = codes
                    .iter()
                    .map(|c| c.as_str().map(str::to_string))
                    .collect();
                match codes {
                    Some(codes) => codes,
                    None => {
                        problems.error(
                            file,
                            format!("{key}.authorities"),
                            "a list of authority codes, such as [\"COL\"]",
                        );
                        whole = false;
                        continue;
                    }
                }
            }
            _ => {
                problems.error(
                    file,
                    format!("{key}.authorities"),
                    "the authority codes whose mail this identity sends, such as [\"COL\"]",
                );
                whole = false;
                continue;
            }
        };
        for code in &authorities {
            if let Some(other) = identities.iter().find(|i| i.authorities.contains(code)) {
                problems.error(
                    file,
                    format!("{key}.authorities"),
                    format!("{code} already sends as identity `{}`", other.name),
                );
                whole = false;
            }
        }
        let owner = format!("sending identity `{name}`");
        match read_smtp(file, &key, &owner, settings, problems) {
            Some(smtp) => identities.push(Identity {
                name,
                authorities,
                smtp,
            }),
            None => whole = false,
        }
    }
    whole.then_some(identities)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHARED: &str =
        "[outgoing]\ntransport = \"smtp\"\nmessage_id_domain = \"dtr.essex.gov.uk\"\n\
        [outgoing.smtp]\nhost = \"relay.essex.gov.uk\"\n";

    fn load(outgoing: &str) -> Result<Config, Vec<Problem>> {
        let gateway = format!(
            "[gateway]\ndatabase = \"sqlite::memory:\"\n[referrers]\nallowed_domains = [\"*.gov.uk\"]\n{outgoing}"
        );
        let authorities = include_str!("../../config/authorities.toml");
        let holidays = include_str!("../../config/bank-holidays.json");
        match Config::from_strings(&gateway, authorities, holidays) {
            Ok((config, _)) => Ok(config),
            Err(ConfigError::Invalid(problems)) => Err(problems),
            Err(other) => panic!("{other}"),
        }
    }

    fn errors(outgoing: &str) -> Vec<(String, String)> {
        load(outgoing)
            .err()
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p.severity == Severity::Error)
            .map(|p| (p.key, p.message))
            .collect()
    }

    #[test]
    fn an_authority_may_send_by_an_identity_of_its_own_with_exchange_onlines_limits() {
        let config = load(&format!(
            "{SHARED}[outgoing.identity.colchester]\nauthorities = [\"COL\"]\n\
             host = \"smtp.office365.com\"\nport = 587\nusername = \"dutytorefer@colchester.gov.uk\"\n\
             token_command = \"echo x\"\n\
             [outgoing.identity.harlow]\nauthorities = [\"HAR\"]\nhost = \"smtp.harlow.gov.uk\"\n\
             max_connections = 2\nmax_per_minute = 100\n"
        ))
        .expect("valid");
        let identities = &config.outgoing.identities;
        assert_eq!(identities.len(), 2);
        assert_eq!(identities[0].name, "colchester");
        assert_eq!(identities[0].authorities, ["COL"]);
        assert_eq!(identities[0].smtp.limits, EXCHANGE_ONLINE);
        assert_eq!(
            identities[1].smtp.limits,
            SendLimits {
                max_connections: 2,
                max_per_minute: Some(100),
                max_recipients_per_day: None,
            }
        );
        let Transport::Smtp(shared) = &config.outgoing.transport else {
            panic!("smtp")
        };
        assert_eq!(shared.limits, OTHER_RELAY);
    }

    #[test]
    fn a_wrong_shared_relay_hides_no_problem_of_an_identity() {
        let found = errors(
            "[outgoing]\ntransport = \"smtp\"\n[outgoing.smtp]\nhost = \"relay.essex.gov.uk\"\n\
             tls = \"maybe\"\n[outgoing.identity.harlow]\nauthorities = [\"HAR\"]\n\
             host = \"smtp.office365.com\"\npassword = \"x\"\n",
        );
        let keys: Vec<&str> = found.iter().map(|(k, _)| k.as_str()).collect();
        assert!(keys.contains(&"outgoing.smtp.tls"), "{found:?}");
        assert!(
            keys.contains(&"outgoing.identity.harlow.password"),
            "{found:?}"
        );
    }

    #[test]
    fn a_wrong_identity_is_named_by_its_key() {
        let wrong =
            |table: &str| errors(&format!("{SHARED}[outgoing.identity.colchester]\n{table}"));
        let keys =
            |table: &str| -> Vec<String> { wrong(table).into_iter().map(|(k, _)| k).collect() };
        assert_eq!(
            keys("host = \"smtp.office365.com\"\n"),
            ["outgoing.identity.colchester.authorities"]
        );
        let unknown = wrong("authorities = [\"XYZ\"]\nhost = \"smtp.office365.com\"\n");
        assert_eq!(unknown.len(), 1, "{unknown:?}");
        assert_eq!(unknown[0].0, "outgoing.identity.colchester.authorities");
        assert!(unknown[0].1.contains("XYZ is not the code of an authority"));
        assert_eq!(
            keys("authorities = [\"COL\"]\nhost = \"smtp.office365.com\"\nmax_per_minute = 0\n"),
            ["outgoing.identity.colchester.max_per_minute"]
        );
        assert_eq!(
            keys("authorities = [\"COL\"]\nhost = \"smtp.office365.com\"\npassword = \"x\"\n"),
            ["outgoing.identity.colchester.password"]
        );
        assert_eq!(
            keys("authorities = [\"COL\"]\nhost = \"smtp.office365.com\"\nport = \"x\"\n").len(),
            1
        );
        let twice = errors(&format!(
            "{SHARED}[outgoing.identity.a]\nauthorities = [\"COL\"]\nhost = \"h\"\n\
             [outgoing.identity.b]\nauthorities = [\"COL\"]\nhost = \"h\"\n"
        ));
        assert_eq!(twice.len(), 1, "{twice:?}");
        assert_eq!(twice[0].0, "outgoing.identity.b.authorities");
        assert!(twice[0].1.contains("COL already sends as identity `a`"));
        // Identities need an SMTP relay for the others.
        let files =
            errors("[outgoing]\n[outgoing.identity.a]\nauthorities = [\"COL\"]\nhost = \"h\"\n");
        assert_eq!(files[0].0, "outgoing.identity");
    }
}
