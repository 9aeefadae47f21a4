//! `[outgoing]`: how mail leaves (files or an SMTP relay) and its limits.

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
    let transport = match raw.transport.as_str() {
        "files" => Transport::Files(PathBuf::from(
            raw.folder.unwrap_or_else(|| "data/outbox".into()),
        )),
        "smtp" => {
            let Some(toml::Value::Table(mut smtp)) = smtp_table else {
                problems.error(
                    file,
                    "outgoing.smtp",
                    "transport = \"smtp\" needs an [outgoing.smtp] table",
                );
                return None;
            };
            if smtp.remove("password").is_some() {
                problems.error(
                    file,
                    "outgoing.smtp.password",
                    "a password is never written in the configuration; name where to find it with password_env or password_file",
                );
                return None;
            }
            let raw_smtp: RawSmtp = read_table(file, "outgoing.smtp", "", smtp, problems)?;
            let tls = read_tls(
                file,
                "outgoing.smtp",
                "outgoing mail",
                &raw_smtp.tls,
                problems,
            )?;
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
                    let credentials = read_credentials(
                        file,
                        "outgoing.smtp",
                        "outgoing mail",
                        &user,
                        secrets,
                        problems,
                    )?;
                    Some((user, credentials))
                }
                None if secrets.any() => {
                    problems.error(
                        file,
                        "outgoing.smtp.username",
                        "a password or token is given but no username",
                    );
                    return None;
                }
                None => None,
            };
            Transport::Smtp(SmtpSettings {
                port: raw_smtp.port.unwrap_or(match tls {
                    TlsMode::Implicit => 465,
                    TlsMode::StartTls | TlsMode::None => 587,
                }),
                host: raw_smtp.host,
                tls,
                ca_file: raw_smtp.ca_file.map(PathBuf::from),
                login,
            })
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
    Some(Outgoing {
        transport,
        message_id_domain: raw.message_id_domain,
        max_per_recipient_per_hour: raw.max_per_recipient_per_hour,
        max_per_recipient_per_day: raw.max_per_recipient_per_day,
        notice_to,
        claim: chrono::Duration::seconds(i64::from(raw.claim_seconds)),
    })
}
