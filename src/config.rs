//! The deployment's configuration: a folder of TOML files, compiled in as the
//! embedded default and overridable with `--config DIR`. Loading checks
//! everything and reports every problem with its file, key and reason.

use crate::core::address::{DomainPattern, EmailAddress};
use crate::core::authority::{Authorities, Authority, Contact};
use crate::core::calendar::{holidays_from_govuk_json, Calendar};
use crate::core::case_ref::ShortCode;
use crate::core::protocol::Protocol;
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub const GATEWAY_FILE: &str = "gateway.toml";
pub const AUTHORITIES_FILE: &str = "authorities.toml";

const EMBEDDED_GATEWAY: &str = include_str!("../config/gateway.toml");
const EMBEDDED_AUTHORITIES: &str = include_str!("../config/authorities.toml");
pub const HOLIDAYS_FILE: &str = "bank-holidays.json";
const EMBEDDED_HOLIDAYS: &str = include_str!("../config/bank-holidays.json");
/// The protocols shipped with the gateway; a configuration folder may add or
/// replace one as `protocols/NAME.toml`.
const EMBEDDED_PROTOCOLS: [(&str, &str); 2] = [
    ("essex", include_str!("../config/protocols/essex.toml")),
    ("kent", include_str!("../config/protocols/kent.toml")),
];

/// A mailbox the gateway watches, and the authority it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mailbox {
    pub name: String,
    pub authority: ShortCode,
    pub source: Source,
    /// How the receiving organisation's verdict on senders is read.
    pub trust: SenderTrust,
}

pub use crate::core::sender::{InternalMarks, ResultsFrom, SenderTrust};

impl Mailbox {
    /// The folders the daemon watches: an IMAP mailbox's `folders`, a
    /// Maildir's one (called INBOX), none for a mailbox only `ingest` feeds.
    pub fn watched_folders(&self) -> Vec<String> {
        match &self.source {
            Source::None => Vec::new(),
            Source::Maildir(_) => vec!["INBOX".to_string()],
            Source::Imap(settings) => settings.folders.clone(),
        }
    }
}

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

/// Where a mailbox's messages come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Only `ingest` feeds it.
    None,
    /// A Maildir folder (`new/` and `cur/` are read, nothing is moved).
    Maildir(PathBuf),
    Imap(ImapSettings),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    /// TLS from the first byte (port 993).
    Implicit,
    /// Plain connection upgraded with STARTTLS (port 143).
    StartTls,
    /// No encryption: only for a server on this machine.
    None,
}

/// How the gateway proves who it is. Secrets are never in the configuration
/// itself, only where to find them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credentials {
    PasswordEnv(String),
    PasswordFile(PathBuf),
    /// XOAUTH2 with an access token printed by a command.
    TokenCommand(String),
    /// XOAUTH2 with an access token kept fresh in a file by another tool.
    TokenFile(PathBuf),
}

/// Where reading a folder begins the first time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartFrom {
    /// Only mail that arrives from now on.
    New,
    /// The backlog of mail received since this date, then new mail.
    Since(chrono::NaiveDate),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImapSettings {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    /// A CA certificate (PEM) trusted besides the system's roots.
    pub ca_file: Option<PathBuf>,
    pub username: String,
    pub credentials: Credentials,
    pub folders: Vec<String>,
    /// Use IDLE when the server offers it.
    pub idle: bool,
    /// How often to look for mail when IDLE is not available.
    pub poll_interval: std::time::Duration,
    pub start: StartFrom,
    /// A keyword set on recorded messages (e.g. `$DtrRecorded`); none by default.
    pub keyword: Option<String>,
}

/// A loaded, checked configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where it came from: a folder, or `None` for the embedded default.
    pub source: Option<PathBuf>,
    pub database: String,
    /// The name this gateway claims outbox rows under (`[gateway]
    /// instance`); none: the host's name.
    pub instance: Option<String>,
    pub max_message_bytes: usize,
    pub allowed_domains: Vec<DomainPattern>,
    /// Quarantine a message whose receiving server found that SPF, DKIM and
    /// DMARC all failed (`[referrers] quarantine_unauthenticated`).
    pub quarantine_unauthenticated: bool,
    pub authorities: Authorities,
    pub mailboxes: Vec<Mailbox>,
    /// Messages received longer ago than this are recorded but never
    /// answered automatically (a first start on an old inbox).
    pub answer_max_age: chrono::Duration,
    pub outgoing: Outgoing,
    /// Working days: England & Wales bank holidays and the daily cut-off.
    pub calendar: Calendar,
    /// The calendars of authorities closed on days of their own
    /// (`closed_days`), by code; the others use `calendar`.
    pub authority_calendars: std::collections::BTreeMap<String, Calendar>,
    /// The county protocol whose deadlines the gateway keeps.
    pub protocol: Protocol,
    pub deadlines: Deadlines,
    /// How long personal details are kept (`[retention]`).
    pub retention: Retention,
    /// The HTTP listener for /health and /metrics; none without `[http]`.
    pub http: Option<Http>,
}

/// The optional HTTP listener (`[http]`) serving /health and /metrics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Http {
    pub listen: std::net::SocketAddr,
    /// /health answers 503 once a folder has been failing for longer.
    pub unhealthy_after: std::time::Duration,
}

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

    /// An incomplete case opened before this time whose consent was never
    /// confirmed lapses in a purge at `now`.
    pub fn unconfirmed_consent_cutoff(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> chrono::DateTime<chrono::Utc> {
        now.checked_sub_signed(chrono::Duration::days(i64::from(
            self.unconfirmed_consent_days,
        )))
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC)
    }
}

const DEFAULT_CLOSED_CASE_MONTHS: u32 = 24;
/// A hundred years: anything longer is a slip of the keyboard.
const MAX_CLOSED_CASE_MONTHS: i64 = 1200;
const DEFAULT_UNCONFIRMED_CONSENT_DAYS: u32 = 14;
/// A year: personal details held without consent for longer than that are
/// not a setting anyone means.
const MAX_UNCONFIRMED_CONSENT_DAYS: i64 = 365;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One thing wrong, or probably wrong, with the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    pub file: String,
    pub key: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{level}: {}: {}: {}", self.file, self.key, self.message)
    }
}

/// The configuration could not be used; every error found is listed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the configuration has {} error(s):\n{}", .0.len(), list(.0))]
    Invalid(Vec<Problem>),
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Config {
    /// The configuration compiled into the binary: the Essex authorities.
    pub fn embedded() -> Result<(Config, Vec<Problem>), ConfigError> {
        Self::from_texts(
            None,
            &format!("(embedded) {GATEWAY_FILE}"),
            EMBEDDED_GATEWAY,
            &format!("(embedded) {AUTHORITIES_FILE}"),
            EMBEDDED_AUTHORITIES,
        )
        .and_then(|loaded| {
            with_holidays(
                loaded,
                &format!("(embedded) {HOLIDAYS_FILE}"),
                EMBEDDED_HOLIDAYS,
            )
        })
    }

    /// Reads a configuration from the texts of its three files, as `load`
    /// would find them in a folder (protocols named by `protocol` are the
    /// embedded ones). For checking configurations without files: the
    /// configuration fuzz target, tools.
    pub fn from_strings(
        gateway: &str,
        authorities: &str,
        holidays: &str,
    ) -> Result<(Config, Vec<Problem>), ConfigError> {
        Self::from_texts(None, GATEWAY_FILE, gateway, AUTHORITIES_FILE, authorities)
            .and_then(|loaded| with_holidays(loaded, HOLIDAYS_FILE, holidays))
    }

    /// Loads `DIR/gateway.toml` and `DIR/authorities.toml`, or the embedded
    /// default when no folder is given. Warnings come back beside the config.
    pub fn load(dir: Option<&Path>) -> Result<(Config, Vec<Problem>), ConfigError> {
        let Some(dir) = dir else {
            return Self::embedded();
        };
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path)
                .map_err(|source| ConfigError::Unreadable { path, source })
        };
        let gateway = read(GATEWAY_FILE)?;
        let authorities = read(AUTHORITIES_FILE)?;
        // A folder without its own holidays uses the shipped ones.
        let (holidays_file, holidays) = match dir.join(HOLIDAYS_FILE) {
            path if path.exists() => (path.display().to_string(), read(HOLIDAYS_FILE)?),
            _ => (
                format!("(embedded) {HOLIDAYS_FILE}"),
                EMBEDDED_HOLIDAYS.to_string(),
            ),
        };
        Self::from_texts(
            Some(dir.to_path_buf()),
            &dir.join(GATEWAY_FILE).display().to_string(),
            &gateway,
            &dir.join(AUTHORITIES_FILE).display().to_string(),
            &authorities,
        )
        .and_then(|loaded| with_holidays(loaded, &holidays_file, &holidays))
    }

    fn from_texts(
        source: Option<PathBuf>,
        gateway_file: &str,
        gateway_text: &str,
        authorities_file: &str,
        authorities_text: &str,
    ) -> Result<(Config, Vec<Problem>), ConfigError> {
        let mut problems = Problems::default();
        let authorities = read_authorities(authorities_file, authorities_text, &mut problems);
        let gateway = read_gateway(
            gateway_file,
            gateway_text,
            &authorities,
            source.as_deref(),
            &mut problems,
        );
        warn_about_contacts(authorities_file, &authorities, &mut problems);
        let (errors, warnings): (Vec<Problem>, Vec<Problem>) = problems
            .0
            .into_iter()
            .partition(|p| p.severity == Severity::Error);
        match gateway {
            Some(g) if errors.is_empty() => Ok((
                Config {
                    source,
                    database: g.database,
                    instance: g.instance,
                    max_message_bytes: g.max_message_bytes,
                    allowed_domains: g.allowed_domains,
                    quarantine_unauthenticated: g.quarantine_unauthenticated,
                    authorities: Authorities::new(authorities),
                    mailboxes: g.mailboxes,
                    answer_max_age: g.answer_max_age,
                    outgoing: g.outgoing,
                    calendar: Calendar::new(Vec::new(), g.cutoff),
                    authority_calendars: std::collections::BTreeMap::new(),
                    protocol: g.protocol,
                    deadlines: g.deadlines,
                    retention: g.retention,
                    http: g.http,
                },
                warnings,
            )),
            _ => Err(ConfigError::Invalid(errors)),
        }
    }

    pub fn mailbox(&self, name: &str) -> Option<&Mailbox> {
        self.mailboxes.iter().find(|m| m.name == name)
    }

    /// The working days of an authority (by code): England and Wales's,
    /// without the days it is closed besides.
    pub fn calendar_for(&self, authority: &str) -> &Calendar {
        self.authority_calendars
            .get(authority)
            .unwrap_or(&self.calendar)
    }

    pub fn authority_of(&self, mailbox: &Mailbox) -> Option<&Authority> {
        self.authorities.by_code(mailbox.authority.as_str())
    }

    /// May a referral from this address be acted on?
    pub fn allows_sender(&self, address: &EmailAddress) -> bool {
        let domain = address.domain();
        self.allowed_domains.iter().any(|p| p.matches(&domain))
    }
}

/// Adds the bank holidays to a loaded configuration; warns when the
/// calendar runs out within 90 days.
fn with_holidays(
    (mut config, mut warnings): (Config, Vec<Problem>),
    file: &str,
    text: &str,
) -> Result<(Config, Vec<Problem>), ConfigError> {
    let holidays = holidays_from_govuk_json(text).map_err(|e| {
        ConfigError::Invalid(vec![Problem {
            severity: Severity::Error,
            file: file.to_string(),
            key: "england-and-wales".into(),
            message: e.to_string(),
        }])
    })?;
    config.calendar = Calendar::new(holidays, config.calendar.cutoff());
    config.authority_calendars = config
        .authorities
        .iter()
        .filter(|a| !a.closed_days.is_empty())
        .map(|a| {
            (
                a.code.to_string(),
                config.calendar.with_closures(&a.closed_days),
            )
        })
        .collect();
    let today = chrono::Utc::now().date_naive();
    if let Some(last) = config.calendar.last_covered_day() {
        if last - today < chrono::Duration::days(90) {
            warnings.push(Problem {
                severity: Severity::Warning,
                file: file.to_string(),
                key: "england-and-wales".into(),
                message: format!(
                    "the bank holidays end on {last}: import the current list with `dtr-gateway holidays import bank-holidays.json`"
                ),
            });
        }
    }
    Ok((config, warnings))
}

#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn error(&mut self, file: &str, key: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Error, file, key, message);
    }
    fn warn(&mut self, file: &str, key: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Warning, file, key, message);
    }
    fn push(
        &mut self,
        severity: Severity,
        file: &str,
        key: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.0.push(Problem {
            severity,
            file: file.to_string(),
            key: key.into(),
            message: message.into(),
        });
    }
}

// The files are read into plain strings first and checked field by field, so
// that one bad address does not hide the next.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuthoritiesFile {
    #[serde(default)]
    authority: Vec<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuthority {
    name: String,
    full_name: Option<String>,
    code: String,
    #[serde(default)]
    aliases: Vec<String>,
    inbox: String,
    #[serde(default)]
    domains: Vec<String>,
    operational_lead: RawContact,
    dispute_contact: RawContact,
    next_level: Option<RawContact>,
    #[serde(default)]
    closed_days: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContact {
    name: String,
    email: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGatewayFile {
    gateway: RawGateway,
    #[serde(default)]
    referrers: RawReferrers,
    #[serde(default)]
    mailbox: Vec<toml::Value>,
    #[serde(default)]
    outgoing: Option<toml::Table>,
    #[serde(default)]
    deadlines: RawDeadlines,
    #[serde(default)]
    retention: RawRetention,
    #[serde(default)]
    http: Option<toml::Table>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeadlines {
    #[serde(default = "default_send_from")]
    send_from: String,
    #[serde(default = "default_send_until")]
    send_until: String,
    #[serde(default = "default_stop_after_release_days")]
    stop_after_release_days: u32,
    referrer_escalation: Option<RawContact>,
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

fn default_send_until() -> String {
    "17:00".into()
}

fn default_stop_after_release_days() -> u32 {
    14
}

fn default_send_from() -> String {
    "09:00".into()
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRetention {
    /// Read by hand, so that a wrong type is reported with its key.
    closed_case_months: Option<toml::Value>,
    unconfirmed_consent_days: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutgoing {
    #[serde(default = "default_transport")]
    transport: String,
    folder: Option<String>,
    #[serde(default = "default_message_id_domain")]
    message_id_domain: String,
    #[serde(default = "default_max_per_hour")]
    max_per_recipient_per_hour: u32,
    #[serde(default = "default_max_per_day")]
    max_per_recipient_per_day: u32,
    #[serde(default = "default_notice_to")]
    notice_to: String,
    #[serde(default = "default_claim_seconds")]
    claim_seconds: u32,
}

fn default_claim_seconds() -> u32 {
    900
}

fn default_max_per_day() -> u32 {
    50
}

/// A claim is renewed every third of its time while a mail is sent; a
/// minute leaves room for a store that is slow to answer.
const MIN_CLAIM_SECONDS: u32 = 60;

fn default_transport() -> String {
    "files".into()
}
fn default_message_id_domain() -> String {
    "dtr-gateway.invalid".into()
}
fn default_max_per_hour() -> u32 {
    5
}
fn default_notice_to() -> String {
    "inbox".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSmtp {
    host: String,
    port: Option<u16>,
    #[serde(default = "default_smtp_tls")]
    tls: String,
    ca_file: Option<String>,
    username: Option<String>,
    password_env: Option<String>,
    password_file: Option<String>,
    token_command: Option<String>,
    token_file: Option<String>,
}

fn default_smtp_tls() -> String {
    "starttls".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGateway {
    database: String,
    instance: Option<String>,
    #[serde(default = "default_max_message_bytes")]
    max_message_bytes: usize,
    #[serde(default = "default_answer_max_age_hours")]
    answer_max_age_hours: u32,
    /// Mail received after this local time counts from the next working day.
    #[serde(default = "default_cutoff")]
    cutoff: String,
    #[serde(default = "default_protocol")]
    protocol: String,
}

fn default_protocol() -> String {
    "essex".into()
}

fn default_cutoff() -> String {
    "17:00".into()
}

fn default_answer_max_age_hours() -> u32 {
    72
}

fn default_max_message_bytes() -> usize {
    crate::message::DEFAULT_MAX_MESSAGE_BYTES
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawReferrers {
    #[serde(default)]
    allowed_domains: Vec<String>,
    /// Read by hand, so that a wrong type is reported with its key.
    quarantine_unauthenticated: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMailbox {
    name: String,
    authority: String,
    maildir: Option<String>,
    imap: Option<toml::Table>,
    auth_results: Option<String>,
    trusted_authserv_id: Option<String>,
    internal_auth: Option<String>,
    #[serde(default)]
    trust_unauthenticated: bool,
    sent_folders: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawImap {
    host: String,
    port: Option<u16>,
    #[serde(default = "default_tls")]
    tls: String,
    ca_file: Option<String>,
    username: String,
    password_env: Option<String>,
    password_file: Option<String>,
    token_command: Option<String>,
    token_file: Option<String>,
    #[serde(default = "default_folders")]
    folders: Vec<String>,
    #[serde(default = "default_true")]
    idle: bool,
    #[serde(default = "default_poll_seconds")]
    poll_seconds: u64,
    #[serde(default = "default_start")]
    start: String,
    keyword: Option<String>,
}

fn default_tls() -> String {
    "implicit".into()
}
fn default_folders() -> Vec<String> {
    vec!["INBOX".into()]
}
fn default_true() -> bool {
    true
}
fn default_poll_seconds() -> u64 {
    60
}
fn default_start() -> String {
    "new".into()
}

struct Gateway {
    protocol: Protocol,
    deadlines: Deadlines,
    retention: Retention,
    cutoff: chrono::NaiveTime,
    outgoing: Outgoing,
    database: String,
    instance: Option<String>,
    max_message_bytes: usize,
    answer_max_age: chrono::Duration,
    allowed_domains: Vec<DomainPattern>,
    quarantine_unauthenticated: bool,
    mailboxes: Vec<Mailbox>,
    http: Option<Http>,
}

/// toml's own message, with the line and column it points at.
fn toml_message(e: &toml::de::Error, text: &str) -> String {
    match e.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}: {}", e.message().trim())
        }
        None => e.message().trim().to_string(),
    }
}

fn read_authorities(file: &str, text: &str, problems: &mut Problems) -> Vec<Authority> {
    let raw: RawAuthoritiesFile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            problems.error(file, "(file)", toml_message(&e, text));
            return Vec::new();
        }
    };
    if raw.authority.is_empty() {
        problems.error(file, "authority", "no authorities are configured");
    }
    let mut out: Vec<Authority> = Vec::new();
    for (i, value) in raw.authority.into_iter().enumerate() {
        let key = format!("authority[{i}]");
        let a: RawAuthority = match value.try_into() {
            Ok(a) => a,
            Err(e) => {
                problems.error(file, &key, e.to_string().trim().to_string());
                continue;
            }
        };
        let mut ok = true;
        let mut email = |field: &str, text: &str, problems: &mut Problems| {
            EmailAddress::parse(text)
                .map_err(|e| {
                    problems.error(file, format!("{key}.{field}"), format!("{}: {e}", a.name));
                    ok = false;
                })
                .ok()
        };
        let inbox = email("inbox", &a.inbox, problems);
        let lead = email(
            "operational_lead.email",
            &a.operational_lead.email,
            problems,
        );
        let dispute = email("dispute_contact.email", &a.dispute_contact.email, problems);
        let next_address = a
            .next_level
            .as_ref()
            .and_then(|next| email("next_level.email", &next.email, problems));
        let code = ShortCode::parse(&a.code)
            .map_err(|e| problems.error(file, format!("{key}.code"), format!("{}: {e}", a.name)))
            .ok();
        if a.name.trim().is_empty() {
            problems.error(file, format!("{key}.name"), "the name is empty");
            ok = false;
        }
        for (field, contact) in [
            ("operational_lead.name", &a.operational_lead),
            ("dispute_contact.name", &a.dispute_contact),
        ] {
            if contact.name.trim().is_empty() {
                problems.error(
                    file,
                    format!("{key}.{field}"),
                    format!("{}: the name is empty", a.name),
                );
                ok = false;
            }
        }
        let next_level = a.next_level.as_ref().and_then(|next| {
            if next.name.trim().is_empty() {
                problems.error(
                    file,
                    format!("{key}.next_level.name"),
                    format!("{}: the name is empty", a.name),
                );
                ok = false;
            }
            next_address.map(|email| Contact {
                name: next.name.clone(),
                email,
            })
        });
        let mut domains = Vec::new();
        for (j, domain) in a.domains.iter().enumerate() {
            let domain = domain.trim().to_ascii_lowercase();
            let valid = !domain.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && domain
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
            if valid {
                domains.push(domain);
            } else {
                problems.error(
                    file,
                    format!("{key}.domains[{j}]"),
                    format!(
                        "{}: `{domain}` is not a mail domain such as colchester.gov.uk (no wildcards: \
                         list each domain whose staff speak for the authority)",
                        a.name
                    ),
                );
                ok = false;
            }
        }
        let mut closed_days = Vec::new();
        for (j, day) in a.closed_days.iter().enumerate() {
            match chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d") {
                Ok(d) => closed_days.push(d),
                Err(_) => {
                    problems.error(
                        file,
                        format!("{key}.closed_days[{j}]"),
                        format!("{}: `{day}` is not a date written YYYY-MM-DD", a.name),
                    );
                    ok = false;
                }
            }
        }
        let (Some(inbox), Some(lead), Some(dispute), Some(code), true) =
            (inbox, lead, dispute, code, ok)
        else {
            continue;
        };
        for other in &out {
            if other.code == code {
                problems.error(
                    file,
                    format!("{key}.code"),
                    format!("{}: code {code} is already used by {}", a.name, other.name),
                );
            }
            if other.name.eq_ignore_ascii_case(&a.name) {
                problems.error(
                    file,
                    format!("{key}.name"),
                    format!("{} is configured twice", a.name),
                );
            }
            if other.inbox == inbox {
                problems.error(
                    file,
                    format!("{key}.inbox"),
                    format!("{}: inbox {inbox} is already {}'s", a.name, other.name),
                );
            }
        }
        out.push(Authority {
            name: a.name,
            full_name: a
                .full_name
                .map(|f| f.trim().to_string())
                .filter(|f| !f.is_empty()),
            code,
            aliases: a.aliases,
            inbox,
            domains,
            closed_days,
            operational_lead: Contact {
                name: a.operational_lead.name,
                email: lead,
            },
            dispute_contact: Contact {
                name: a.dispute_contact.name,
                email: dispute,
            },
            next_level,
        });
    }
    out
}

fn read_gateway(
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

/// A mailbox's sender trust: whose Authentication-Results count, which
/// marks of the receiving organisation make mail internal, and whether
/// mail without any verdict may change a case.
fn read_trust(
    file: &str,
    key: &str,
    m: &RawMailbox,
    problems: &mut Problems,
) -> Option<SenderTrust> {
    let mut ok = true;
    let results = match (m.auth_results.as_deref(), m.trusted_authserv_id.as_deref()) {
        (Some("exchange"), None) => ResultsFrom::Exchange,
        (Some("topmost") | None, None) => ResultsFrom::Topmost,
        (Some("topmost") | None, Some(id)) => {
            if id.trim().is_empty() {
                problems.error(
                    file,
                    format!("{key}.trusted_authserv_id"),
                    format!("mailbox `{}`: the authserv-id is empty", m.name),
                );
                ok = false;
            }
            ResultsFrom::AuthservId(id.trim().to_ascii_lowercase())
        }
        (Some("exchange"), Some(_)) => {
            problems.error(
                file,
                format!("{key}.trusted_authserv_id"),
                format!(
                    "mailbox `{}`: Exchange Online writes no authserv-id; give either \
                     auth_results = \"exchange\" or trusted_authserv_id, not both",
                    m.name
                ),
            );
            ok = false;
            ResultsFrom::Topmost
        }
        (Some(other), _) => {
            problems.error(
                file,
                format!("{key}.auth_results"),
                format!(
                    "mailbox `{}`: `{other}` is not \"topmost\" or \"exchange\"",
                    m.name
                ),
            );
            ok = false;
            ResultsFrom::Topmost
        }
    };
    let internal = match m.internal_auth.as_deref() {
        None | Some("none") => InternalMarks::None,
        Some("exchange") => InternalMarks::Exchange,
        Some("google") => InternalMarks::Google,
        Some(other) => {
            problems.error(
                file,
                format!("{key}.internal_auth"),
                format!(
                    "mailbox `{}`: `{other}` is not \"exchange\", \"google\" or \"none\"",
                    m.name
                ),
            );
            ok = false;
            InternalMarks::None
        }
    };
    if internal == InternalMarks::Exchange && results != ResultsFrom::Exchange {
        problems.warn(
            file,
            format!("{key}.internal_auth"),
            format!(
                "mailbox `{}`: internal_auth = \"exchange\" is safe only on an Exchange Online \
                 mailbox, whose servers remove those marks from mail arriving from outside; set \
                 auth_results = \"exchange\" too",
                m.name
            ),
        );
    }
    let sent_folders = m
        .sent_folders
        .clone()
        .unwrap_or_else(crate::core::sender::default_sent_folders);
    ok.then_some(SenderTrust {
        results,
        internal,
        trust_unauthenticated: m.trust_unauthenticated,
        sent_folders,
    })
}

fn read_imap(
    file: &str,
    key: &str,
    mailbox: &str,
    mut table: toml::Table,
    problems: &mut Problems,
) -> Option<ImapSettings> {
    if table.remove("password").is_some() {
        problems.error(
            file,
            format!("{key}.password"),
            format!("mailbox `{mailbox}`: a password is never written in the configuration; name where to find it with password_env or password_file"),
        );
        return None;
    }
    let raw: RawImap = match toml::Value::Table(table).try_into() {
        Ok(r) => r,
        Err(e) => {
            problems.error(
                file,
                key,
                format!("mailbox `{mailbox}`: {}", e.message().trim()),
            );
            return None;
        }
    };
    let owner = format!("mailbox `{mailbox}`");
    let tls = read_tls(file, key, &owner, &raw.tls, problems)?;
    let credentials = read_credentials(
        file,
        key,
        &owner,
        [
            raw.password_env,
            raw.password_file,
            raw.token_command,
            raw.token_file,
        ],
        problems,
    )?;
    let start = match raw.start.as_str() {
        "new" => StartFrom::New,
        other => match other
            .strip_prefix("since ")
            .and_then(|d| chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        {
            Some(date) => StartFrom::Since(date),
            None => {
                problems.error(
                    file,
                    format!("{key}.start"),
                    format!("mailbox `{mailbox}`: `{other}` is neither \"new\" nor \"since YYYY-MM-DD\""),
                );
                return None;
            }
        },
    };
    if raw.folders.is_empty() {
        problems.error(
            file,
            format!("{key}.folders"),
            format!("mailbox `{mailbox}`: no folder to watch"),
        );
        return None;
    }
    if raw.poll_seconds == 0 {
        problems.error(
            file,
            format!("{key}.poll_seconds"),
            format!("mailbox `{mailbox}`: must be at least 1"),
        );
        return None;
    }
    Some(ImapSettings {
        port: raw.port.unwrap_or(match tls {
            TlsMode::Implicit => 993,
            TlsMode::StartTls | TlsMode::None => 143,
        }),
        host: raw.host,
        tls,
        ca_file: raw.ca_file.map(PathBuf::from),
        username: raw.username,
        credentials,
        folders: raw.folders,
        idle: raw.idle,
        poll_interval: std::time::Duration::from_secs(raw.poll_seconds),
        start,
        keyword: raw.keyword,
    })
}

/// `protocols/NAME.toml` of the configuration folder, else the shipped one.
fn read_protocol(
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

fn read_outgoing(
    file: &str,
    table: Option<toml::Table>,
    problems: &mut Problems,
) -> Option<Outgoing> {
    let key = "outgoing";
    let mut table = table.unwrap_or_default();
    let smtp_table = table.remove("smtp");
    let raw: RawOutgoing = match toml::Value::Table(table).try_into() {
        Ok(r) => r,
        Err(e) => {
            problems.error(file, key, e.message().trim().to_string());
            return None;
        }
    };
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
            let raw_smtp: RawSmtp = match toml::Value::Table(smtp).try_into() {
                Ok(r) => r,
                Err(e) => {
                    problems.error(file, "outgoing.smtp", e.message().trim().to_string());
                    return None;
                }
            };
            let tls = read_tls(
                file,
                "outgoing.smtp",
                "outgoing mail",
                &raw_smtp.tls,
                problems,
            )?;
            let secrets = [
                raw_smtp.password_env,
                raw_smtp.password_file,
                raw_smtp.token_command,
                raw_smtp.token_file,
            ];
            let login = match raw_smtp.username {
                Some(user) => Some((
                    user,
                    read_credentials(file, "outgoing.smtp", "outgoing mail", secrets, problems)?,
                )),
                None if secrets.iter().any(Option::is_some) => {
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    listen: String,
    #[serde(default = "default_unhealthy_after_seconds")]
    unhealthy_after_seconds: u64,
    #[serde(default)]
    allow_remote: bool,
}

fn default_unhealthy_after_seconds() -> u64 {
    15 * 60
}

/// `[http]`: a socket address, on loopback unless `allow_remote` says
/// otherwise, since the endpoints show mailbox names and their errors.
fn read_http(file: &str, table: toml::Table, problems: &mut Problems) -> Option<Http> {
    let raw: RawHttp = match toml::Value::Table(table).try_into() {
        Ok(r) => r,
        Err(e) => {
            problems.error(file, "http", e.message().trim().to_string());
            return None;
        }
    };
    let Ok(listen) = raw.listen.trim().parse::<std::net::SocketAddr>() else {
        problems.error(
            file,
            "http.listen",
            format!(
                "`{}` is not a socket address such as 127.0.0.1:9187",
                raw.listen
            ),
        );
        return None;
    };
    // `::ffff:127.0.0.1` is loopback too.
    let loopback = listen.ip().to_canonical().is_loopback();
    if !loopback && !raw.allow_remote {
        problems.error(
            file,
            "http.listen",
            format!(
                "{listen} is not a loopback address, and /health and /metrics show mailbox names \
                 and their errors to whoever asks: listen on 127.0.0.1 or [::1], or set \
                 allow_remote = true to serve other machines"
            ),
        );
        return None;
    }
    if !loopback {
        problems.warn(
            file,
            "http.allow_remote",
            format!("/health and /metrics at {listen} answer other machines without authentication: keep the port behind a firewall"),
        );
    }
    if raw.unhealthy_after_seconds == 0 {
        problems.error(file, "http.unhealthy_after_seconds", "must be at least 1");
        return None;
    }
    Some(Http {
        listen,
        unhealthy_after: std::time::Duration::from_secs(raw.unhealthy_after_seconds),
    })
}

/// `[retention]`: whole months after a case is closed, whole days for an
/// unconfirmed consent, at least one. A wrong value is an error rather than
/// a fallback to the default, since it decides when personal data is
/// erased.
fn read_retention(file: &str, raw: &RawRetention, problems: &mut Problems) -> Retention {
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
fn read_period(
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

/// `implicit`, `starttls` or `none` (with a warning).
fn read_tls(
    file: &str,
    key: &str,
    owner: &str,
    text: &str,
    problems: &mut Problems,
) -> Option<TlsMode> {
    match text {
        "implicit" => Some(TlsMode::Implicit),
        "starttls" => Some(TlsMode::StartTls),
        "none" => {
            problems.warn(
                file,
                format!("{key}.tls"),
                format!("{owner}: tls = \"none\" sends the password unencrypted; use it only for a server on this machine"),
            );
            Some(TlsMode::None)
        }
        other => {
            problems.error(
                file,
                format!("{key}.tls"),
                format!("{owner}: `{other}` is not one of implicit, starttls, none"),
            );
            None
        }
    }
}

/// Exactly one of password_env, password_file, token_command, token_file.
fn read_credentials(
    file: &str,
    key: &str,
    owner: &str,
    [password_env, password_file, token_command, token_file]: [Option<String>; 4],
    problems: &mut Problems,
) -> Option<Credentials> {
    let mut given = Vec::new();
    given.extend(password_env.map(Credentials::PasswordEnv));
    given.extend(password_file.map(|v| Credentials::PasswordFile(PathBuf::from(v))));
    given.extend(token_command.map(Credentials::TokenCommand));
    given.extend(token_file.map(|v| Credentials::TokenFile(PathBuf::from(v))));
    if given.len() != 1 {
        problems.error(
            file,
            key,
            format!("{owner}: give exactly one of password_env, password_file, token_command, token_file"),
        );
        return None;
    }
    given.pop()
}

/// Legal but probably wrong: the things in Annex A a person would want
/// pointed out before relying on escalation.
fn warn_about_contacts(file: &str, authorities: &[Authority], problems: &mut Problems) {
    let home_domains: HashMap<String, &str> = authorities
        .iter()
        .map(|a| (a.inbox.domain(), a.name.as_str()))
        .collect();
    for (i, a) in authorities.iter().enumerate() {
        let key = format!("authority[{i}]");
        let lead = &a.operational_lead;
        let dispute = &a.dispute_contact;
        if a.dispute_contact_is_lead() && a.next_level.is_none() {
            let who = if lead.email == dispute.email {
                format!("({})", lead.email)
            } else {
                format!(
                    "({}) at another address ({} beside {})",
                    lead.name, dispute.email, lead.email
                )
            };
            problems.warn(
                file,
                format!("{key}.dispute_contact"),
                format!(
                    "{}: the dispute-resolution contact is the operational lead {who}: escalations \
                     go to them as Annex C escalations; set next_level = {{ name, email }} for a \
                     more senior officer to be written to as well",
                    a.name
                ),
            );
        }
        if a.domains.is_empty() {
            problems.warn(
                file,
                format!("{key}.domains"),
                format!(
                    "{}: no domains listed: only addresses at {} (the inbox's domain) and the \
                     contacts' own addresses speak for the authority",
                    a.name,
                    a.inbox.domain()
                ),
            );
        }
        let home = a.inbox.domain();
        let addresses = [
            ("operational_lead.email", &lead.email),
            ("dispute_contact.email", &dispute.email),
        ];
        for (field, address) in addresses {
            let domain = address.domain();
            if domain == home {
                continue;
            }
            if let Some(other) = home_domains.get(&domain) {
                problems.warn(
                    file,
                    format!("{key}.{field}"),
                    format!(
                        "{}: {address} is at {domain}, the domain of another council ({other})",
                        a.name
                    ),
                );
            } else if first_label(&domain) == first_label(&home) {
                problems.warn(
                    file,
                    format!("{key}.{field}"),
                    format!(
                        "{}: {address} is at {domain} beside the authority's {home}: a typing slip?",
                        a.name
                    ),
                );
            } else {
                problems.warn(
                    file,
                    format!("{key}.{field}"),
                    format!(
                        "{}: {address} is at {domain}, not at the authority's {home}",
                        a.name
                    ),
                );
            }
        }
        // Two contacts at near-identical domains (cbhomes.org beside cbhomes.org.uk).
        let (ld, dd) = (lead.email.domain(), dispute.email.domain());
        if ld != dd && ld != home && dd != home && first_label(&ld) == first_label(&dd) {
            problems.warn(
                file,
                format!("{key}.dispute_contact.email"),
                format!(
                    "{}: the operational lead is at {ld} but the dispute-resolution contact at {dd}: one of them is probably mistyped",
                    a.name
                ),
            );
        }
    }
}

fn first_label(domain: &str) -> &str {
    domain.split('.').next().unwrap_or(domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_configuration_loads_with_the_annex_a_warnings() {
        let (config, warnings) = Config::embedded().expect("embedded config is valid");
        assert_eq!(config.authorities.len(), 14);
        assert_eq!(config.mailboxes.len(), 14);
        let text: Vec<String> = warnings.iter().map(|w| w.to_string()).collect();
        let has = |needle: &str| text.iter().any(|t| t.contains(needle));
        assert!(
            has(
                "Chelmsford: Alison.Hawkins@chelmsford.gov.co.uk is at chelmsford.gov.co.uk beside"
            ),
            "{text:#?}"
        );
        assert!(has("Rochford: julian.higson@brentwood.gov.uk is at brentwood.gov.uk, the domain of another council (Brentwood)"));
        assert!(has("Colchester: the operational lead is at cbhomes.org but the dispute-resolution contact at cbhomes.org.uk"));
        assert!(has(
            "Harlow: the dispute-resolution contact is the operational lead"
        ));
        assert!(has("Colchester: the dispute-resolution contact is the operational lead (Tracey Brushett) at another address"));
        // Basildon's contacts are all at basildon.gov.uk: nothing to say.
        assert!(!has("Basildon"));
    }

    #[test]
    fn every_error_is_reported_with_file_and_key() {
        let authorities = r#"
[[authority]]
name = "Basildon"
code = "basildon"
inbox = "not-an-address"
operational_lead = { name = "A", email = "a@basildon.gov.uk" }
dispute_contact = { name = "B", email = "b@basildon" }
"#;
        let gateway = r#"
[gateway]
database = "sqlite::memory:"
[referrers]
allowed_domains = ["*.gov.uk", "not a domain"]
[[mailbox]]
name = "x"
authority = "ZZZ"
"#;
        let err = Config::from_texts(None, "g.toml", gateway, "a.toml", authorities)
            .expect_err("invalid");
        let ConfigError::Invalid(problems) = err else {
            panic!("expected a list of problems");
        };
        let keys: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.file.as_str(), p.key.as_str()))
            .collect();
        assert!(keys.contains(&("a.toml", "authority[0].inbox")), "{keys:?}");
        assert!(keys.contains(&("a.toml", "authority[0].dispute_contact.email")));
        assert!(keys.contains(&("a.toml", "authority[0].code")));
        assert!(keys.contains(&("g.toml", "referrers.allowed_domains[1]")));
    }

    #[test]
    fn imap_settings_are_checked_and_passwords_refused() {
        let gateway = r#"
[gateway]
database = "sqlite::memory:"
[referrers]
allowed_domains = ["*.gov.uk"]
[[mailbox]]
name = "colchester"
authority = "COL"
[mailbox.imap]
host = "127.0.0.1"
username = "colchester"
password = "hunter2"
[[mailbox]]
name = "harlow"
authority = "HAR"
[mailbox.imap]
host = "127.0.0.1"
username = "harlow"
tls = "maybe"
password_env = "X"
[[mailbox]]
name = "basildon"
authority = "BAS"
[mailbox.imap]
host = "127.0.0.1"
username = "basildon"
tls = "none"
password_env = "X"
token_file = "/tmp/token"
"#;
        let err = Config::from_texts(None, "g.toml", gateway, "a.toml", EMBEDDED_AUTHORITIES)
            .expect_err("invalid");
        let text = err.to_string();
        assert!(text.contains("mailbox[0].imap.password"), "{text}");
        assert!(
            !text.contains("hunter2"),
            "the password is repeated: {text}"
        );
        assert!(text.contains("mailbox[1].imap.tls"), "{text}");
        assert!(
            text.contains("mailbox[2].imap: mailbox `basildon`: give exactly one"),
            "{text}"
        );
    }

    #[test]
    fn quarantining_unauthenticated_senders_is_on_unless_turned_off() {
        let gateway = |setting: &str| {
            format!(
                "[gateway]\ndatabase = \"sqlite::memory:\"\n[referrers]\n\
                 allowed_domains = [\"*.gov.uk\"]\n{setting}\n"
            )
        };
        let load = |setting: &str| {
            Config::from_texts(
                None,
                "g.toml",
                &gateway(setting),
                "a.toml",
                EMBEDDED_AUTHORITIES,
            )
        };
        let (config, _) = load("").expect("valid");
        assert!(config.quarantine_unauthenticated);
        let (config, _) = load("quarantine_unauthenticated = false").expect("valid");
        assert!(!config.quarantine_unauthenticated);
        let err = load("quarantine_unauthenticated = \"no\"").expect_err("invalid");
        assert!(
            err.to_string().contains(
                "g.toml: referrers.quarantine_unauthenticated: must be true or false, not \"no\""
            ),
            "{err}"
        );
    }

    #[test]
    fn unknown_keys_and_bad_toml_are_errors() {
        let gateway = "[gateway]\ndatabse = \"x\"\n";
        let err = Config::from_texts(None, "g.toml", gateway, "a.toml", EMBEDDED_AUTHORITIES)
            .expect_err("invalid");
        assert!(err.to_string().contains("databse"), "{err}");
        let err = Config::from_texts(None, "g.toml", "[gateway\n", "a.toml", EMBEDDED_AUTHORITIES)
            .expect_err("invalid");
        assert!(err.to_string().contains("g.toml"), "{err}");
    }

    #[test]
    fn the_instance_name_and_claim_time_are_checked() {
        let load = |gateway_extra: &str, outgoing: &str| {
            let gateway = format!(
                "[gateway]\ndatabase = \"sqlite::memory:\"\n{gateway_extra}\n[outgoing]\n{outgoing}\n\
                 [referrers]\nallowed_domains = [\"*.gov.uk\"]\n"
            );
            Config::from_texts(None, "g.toml", &gateway, "a.toml", EMBEDDED_AUTHORITIES)
        };
        let (config, _) = load("instance = \"gateway-2\"", "claim_seconds = 120").expect("valid");
        assert_eq!(config.instance.as_deref(), Some("gateway-2"));
        assert_eq!(config.outgoing.claim, chrono::Duration::seconds(120));
        let (config, _) = load("", "").expect("valid");
        assert_eq!(config.instance, None);
        assert_eq!(config.outgoing.claim, chrono::Duration::seconds(900));
        let err = load("", "claim_seconds = 10").expect_err("too short");
        assert!(
            err.to_string()
                .contains("g.toml: outgoing.claim_seconds: 10 is too short"),
            "{err}"
        );
        let err = load("instance = \" \"", "").expect_err("empty");
        assert!(err.to_string().contains("gateway.instance"), "{err}");
    }

    #[test]
    fn the_http_listener_is_on_loopback_unless_allowed_elsewhere() {
        let load = |http: &str| {
            let gateway = format!(
                "[gateway]\ndatabase = \"sqlite::memory:\"\n[referrers]\n\
                 allowed_domains = [\"*.gov.uk\"]\n{http}\n"
            );
            Config::from_texts(None, "g.toml", &gateway, "a.toml", EMBEDDED_AUTHORITIES)
        };
        let (config, _) = load("").expect("valid");
        assert_eq!(config.http, None);

        let (config, _) = load("[http]\nlisten = \"127.0.0.1:9187\"").expect("valid");
        let http = config.http.expect("a listener");
        assert_eq!(http.listen.to_string(), "127.0.0.1:9187");
        assert_eq!(http.unhealthy_after, std::time::Duration::from_secs(900));
        let (config, _) =
            load("[http]\nlisten = \"[::1]:9187\"\nunhealthy_after_seconds = 2").expect("valid");
        assert_eq!(
            config.http.map(|h| h.unhealthy_after),
            Some(std::time::Duration::from_secs(2))
        );

        let err = load("[http]\nlisten = \"localhost:9187\"").expect_err("not an address");
        assert!(
            err.to_string().contains(
                "g.toml: http.listen: `localhost:9187` is not a socket address such as 127.0.0.1:9187"
            ),
            "{err}"
        );
        let err = load("[http]\nlisten = \"0.0.0.0:9187\"").expect_err("not loopback");
        assert!(
            err.to_string()
                .contains("g.toml: http.listen: 0.0.0.0:9187 is not a loopback address"),
            "{err}"
        );
        assert!(err.to_string().contains("allow_remote = true"), "{err}");
        let (config, warnings) =
            load("[http]\nlisten = \"0.0.0.0:9187\"\nallow_remote = true").expect("allowed");
        assert_eq!(
            config.http.map(|h| h.listen.to_string()),
            Some("0.0.0.0:9187".to_string())
        );
        assert!(
            warnings.iter().any(|w| w.key == "http.allow_remote"),
            "{warnings:?}"
        );

        let err = load("[http]\nlisten = \"127.0.0.1:9187\"\nunhealthy_after_seconds = 0")
            .expect_err("zero");
        assert!(
            err.to_string()
                .contains("g.toml: http.unhealthy_after_seconds: must be at least 1"),
            "{err}"
        );
        let err = load("[http]\nlisen = \"127.0.0.1:9187\"").expect_err("misspelt");
        assert!(
            err.to_string().contains("g.toml: http:") && err.to_string().contains("lisen"),
            "{err}"
        );
    }
}
