//! The deployment's configuration: a folder of TOML files, compiled in as the
//! embedded default and overridable with `--config DIR`. Loading checks
//! everything and reports every problem with its file, key and reason.

use crate::core::address::{DomainPattern, EmailAddress};
use crate::core::authority::{Authorities, Authority};
use crate::core::calendar::{holidays_from_govuk_json, Calendar};
use crate::core::protocol::Protocol;
use std::path::{Path, PathBuf};

mod agencies;
mod authorities;
mod checks;
mod deadlines;
mod gateway;
mod http;
mod mailbox;
mod oauth;
mod outgoing;
mod problems;
mod retention;
mod web;

pub use agencies::{agency_map, AgenciesError};
pub use authorities::looks_shared;
use authorities::*;
pub use deadlines::Deadlines;
use deadlines::*;
use gateway::*;
pub use http::Http;
use http::*;
use mailbox::*;
pub use mailbox::{Credentials, ImapSettings, Mailbox, Source, StartFrom, TlsMode};
use oauth::*;
pub use oauth::{
    microsoft_token_url, token_endpoint, AppCredential, GoogleServiceAccount, MicrosoftApp,
    TokenEndpoint, GOOGLE_SCOPE, GOOGLE_TOKEN_URL, MICROSOFT_SCOPE,
};
use outgoing::*;
pub use outgoing::{
    Identity, NoticeTo, Outgoing, SendLimits, SmtpSettings, Transport, EXCHANGE_ONLINE, OTHER_RELAY,
};
use problems::*;
pub use problems::{Problem, Severity};
pub use retention::Retention;
use retention::*;
use web::*;
pub use web::{Web, WebTls, DEFAULT_SESSION_HOURS};

pub const GATEWAY_FILE: &str = "gateway.toml";
pub const AUTHORITIES_FILE: &str = "authorities.toml";

const EMBEDDED_GATEWAY: &str = include_str!("../../config/gateway.toml");
const EMBEDDED_AUTHORITIES: &str = include_str!("../../config/authorities.toml");
pub const HOLIDAYS_FILE: &str = "bank-holidays.json";
const EMBEDDED_HOLIDAYS: &str = include_str!("../../config/bank-holidays.json");
/// The protocols shipped with the gateway; a configuration folder may add or
/// replace one as `protocols/NAME.toml`.
const EMBEDDED_PROTOCOLS: [(&str, &str); 2] = [
    ("essex", include_str!("../../config/protocols/essex.toml")),
    ("kent", include_str!("../../config/protocols/kent.toml")),
];

pub use crate::core::sender::{InternalMarks, ResultsFrom, SenderTrust};

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
    /// Portals' notification senders (`[referrers] portal_senders`) beside
    /// the no-reply addresses every portal uses: never answered.
    pub portal_senders: Vec<EmailAddress>,
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
    /// The web view for officers and coordinators; none without `[web]`.
    pub web: Option<Web>,
}

/// The configuration could not be used; every error found is listed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {error}")]
    Unreadable {
        path: PathBuf,
        error: std::io::Error,
    },
    /// Every problem found, the warnings too: the errors first.
    #[error("the configuration has {} error(s):\n{}", errors(.0), list(.0))]
    Invalid(Vec<Problem>),
}

fn errors(problems: &[Problem]) -> usize {
    problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count()
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Config {
    /// The configuration compiled into the binary: the Essex authorities.
    pub fn embedded() -> Result<(Config, Vec<Problem>), ConfigError> {
        Self::from_texts(
            None,
            (&format!("(embedded) {GATEWAY_FILE}"), EMBEDDED_GATEWAY),
            (
                &format!("(embedded) {AUTHORITIES_FILE}"),
                EMBEDDED_AUTHORITIES,
            ),
            (&format!("(embedded) {HOLIDAYS_FILE}"), EMBEDDED_HOLIDAYS),
        )
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
        Self::from_texts(
            None,
            (GATEWAY_FILE, gateway),
            (AUTHORITIES_FILE, authorities),
            (HOLIDAYS_FILE, holidays),
        )
    }

    /// Loads `DIR/gateway.toml` and `DIR/authorities.toml`, or the embedded
    /// default when no folder is given. Warnings come back beside the config.
    pub fn load(dir: Option<&Path>) -> Result<(Config, Vec<Problem>), ConfigError> {
        let Some(dir) = dir else {
            return Self::embedded();
        };
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|error| ConfigError::Unreadable { path, error })
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
            (&dir.join(GATEWAY_FILE).display().to_string(), &gateway),
            (
                &dir.join(AUTHORITIES_FILE).display().to_string(),
                &authorities,
            ),
            (&holidays_file, &holidays),
        )
    }

    /// Reads the three files, each `(name, text)`: every problem of every
    /// file is found, whatever the others hold.
    fn from_texts(
        source: Option<PathBuf>,
        (gateway_file, gateway_text): (&str, &str),
        (authorities_file, authorities_text): (&str, &str),
        (holidays_file, holidays_text): (&str, &str),
    ) -> Result<(Config, Vec<Problem>), ConfigError> {
        let mut problems = Problems::default();
        let read = read_authorities(authorities_file, authorities_text, &mut problems);
        let gateway = read_gateway(
            gateway_file,
            gateway_text,
            &read,
            source.as_deref(),
            &mut problems,
        );
        let authorities = read.authorities;
        warn_about_contacts(authorities_file, &authorities, &read.entries, &mut problems);
        checks::across_files(
            (gateway_file, authorities_file),
            gateway.as_ref(),
            &authorities,
            &mut problems,
        );
        let holidays = holidays_from_govuk_json(holidays_text)
            .map_err(|e| problems.error(holidays_file, "england-and-wales", e.to_string()))
            .ok();
        problems.locate(gateway_file, gateway_text);
        problems.locate(authorities_file, authorities_text);
        let ok = !problems.has_errors();
        let mut problems = problems.0;
        // Errors first; each file's in the order of its lines.
        let rank = |p: &Problem| {
            let file = [gateway_file, authorities_file]
                .iter()
                .position(|f| *f == p.file)
                .unwrap_or(2);
            (p.severity, file, p.line.unwrap_or(0))
        };
        problems.sort_by_key(rank);
        match (gateway, holidays) {
            (Some(g), Some(holidays)) if ok => with_holidays(
                (
                    Config {
                        source,
                        database: g.database,
                        instance: g.instance,
                        max_message_bytes: g.max_message_bytes,
                        allowed_domains: g.allowed_domains,
                        quarantine_unauthenticated: g.quarantine_unauthenticated,
                        portal_senders: g.portal_senders,
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
                        web: g.web,
                    },
                    problems,
                ),
                holidays_file,
                holidays,
            ),
            _ => Err(ConfigError::Invalid(problems)),
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

    /// A portal's notification sender (an ALERT notice of a referral made
    /// on a portal): a no-reply address (`no-reply@`, `noreply@`,
    /// `donotreply@`...) or one listed in `[referrers] portal_senders`. It
    /// gets no automatic mail, ever; a person records the referral with
    /// `case new`.
    pub fn is_portal_sender(&self, address: &EmailAddress) -> bool {
        let local = address
            .as_str()
            .rsplit_once('@')
            .map(|(l, _)| l.to_ascii_lowercase().replace(['-', '_', '.'], ""))
            .unwrap_or_default();
        matches!(local.as_str(), "noreply" | "donotreply" | "noreplies")
            || self.portal_senders.iter().any(|p| p == address)
    }
}

/// Adds the bank holidays to a loaded configuration; warns when the
/// calendar runs out within 90 days.
fn with_holidays(
    (mut config, mut warnings): (Config, Vec<Problem>),
    file: &str,
    holidays: Vec<chrono::NaiveDate>,
) -> Result<(Config, Vec<Problem>), ConfigError> {
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
                line: None,
                key: "england-and-wales".into(),
                message: format!(
                    "the bank holidays end on {last}: import the current list with `dtr-gateway holidays import bank-holidays.json`"
                ),
            });
        }
    }
    Ok((config, warnings))
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
        let err = Config::from_texts(
            None,
            ("g.toml", gateway),
            ("a.toml", authorities),
            ("h.json", EMBEDDED_HOLIDAYS),
        )
        .expect_err("invalid");
        let ConfigError::Invalid(problems) = err else {
            panic!("expected a list of problems");
        };
        let keys: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.file.as_str(), p.key.as_str()))
            .collect();
        assert!(
            keys.contains(&("a.toml", "authority[Basildon].inbox")),
            "{keys:?}"
        );
        assert!(keys.contains(&("a.toml", "authority[Basildon].dispute_contact.email")));
        assert!(keys.contains(&("a.toml", "authority[Basildon].code")));
        assert!(keys.contains(&("g.toml", "referrers.allowed_domains[1]")));
    }

    #[test]
    fn the_deployment_guides_placeholders_are_refused() {
        let gateway = r#"
[gateway]
database = "sqlite::memory:"
[referrers]
allowed_domains = ["*.gov.uk"]
[[mailbox]]
name = "colchester"
authority = "COL"
[mailbox.imap]
host = "outlook.office365.com"
username = "dutytorefer@colchester.gov.uk"
[mailbox.imap.microsoft]
tenant = "<Directory (tenant) ID>"
client_id = "<Application (client) ID>"
certificate_file = "/nonexistent/colchester.pem"
[[mailbox]]
name = "harlow"
authority = "HAR"
[mailbox.imap]
host = "outlook.office365.com"
username = "housing.options@harlow.gov.uk"
[mailbox.imap.microsoft]
tenant = "harlow.gov.uk"
client_id = "00000000-0000-0000-0000-000000000000"
certificate_file = "/nonexistent/harlow.pem"
"#;
        let err = Config::from_texts(
            None,
            ("g.toml", gateway),
            ("a.toml", EMBEDDED_AUTHORITIES),
            ("h.json", EMBEDDED_HOLIDAYS),
        )
        .expect_err("placeholders");
        let text = err.to_string();
        assert!(
            text.contains("mailbox[colchester].imap.microsoft.tenant")
                && text.contains("`<Directory (tenant) ID>` is a placeholder"),
            "{text}"
        );
        assert!(
            text.contains("mailbox[colchester].imap.microsoft.client_id"),
            "{text}"
        );
        // Real IDs pass: Harlow's only problem is its missing certificate.
        assert!(
            !text.contains("mailbox[harlow].imap.microsoft.tenant")
                && !text.contains("mailbox[harlow].imap.microsoft.client_id"),
            "{text}"
        );
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
        let err = Config::from_texts(
            None,
            ("g.toml", gateway),
            ("a.toml", EMBEDDED_AUTHORITIES),
            ("h.json", EMBEDDED_HOLIDAYS),
        )
        .expect_err("invalid");
        let text = err.to_string();
        assert!(text.contains("mailbox[colchester].imap.password"), "{text}");
        assert!(
            !text.contains("hunter2"),
            "the password is repeated: {text}"
        );
        assert!(text.contains("mailbox[harlow].imap.tls"), "{text}");
        assert!(
            text.contains("mailbox[basildon].imap: mailbox `basildon`: give exactly one"),
            "{text}"
        );
    }

    /// The embedded configuration with one more line in `[referrers]`
    /// (line 5 of `g.toml`).
    fn with_referrers_setting(setting: &str) -> Result<(Config, Vec<Problem>), ConfigError> {
        let gateway = format!(
            "[gateway]\ndatabase = \"sqlite::memory:\"\n[referrers]\n\
             allowed_domains = [\"*.gov.uk\"]\n{setting}\n"
        );
        Config::from_texts(
            None,
            ("g.toml", &gateway),
            ("a.toml", EMBEDDED_AUTHORITIES),
            ("h.json", EMBEDDED_HOLIDAYS),
        )
    }

    #[test]
    fn quarantining_unauthenticated_senders_is_on_unless_turned_off() {
        let load = with_referrers_setting;
        let (config, _) = load("").expect("valid");
        assert!(config.quarantine_unauthenticated);
        let (config, _) = load("quarantine_unauthenticated = false").expect("valid");
        assert!(!config.quarantine_unauthenticated);
        let err = load("quarantine_unauthenticated = \"no\"").expect_err("invalid");
        assert!(
            err.to_string().contains(
                "g.toml:5: referrers.quarantine_unauthenticated: must be true or false, not \"no\""
            ),
            "{err}"
        );
    }

    #[test]
    fn portal_senders_are_no_reply_addresses_and_those_listed() {
        let load = with_referrers_setting;
        let (config, _) =
            load("portal_senders = [\"alerts@portal.example.gov.uk\"]").expect("valid");
        let address = |a: &str| EmailAddress::parse(a).expect("address");
        for portal in [
            "alerts@portal.example.gov.uk",
            "no-reply@portal.example.gov.uk",
            "NoReply@portal.example.gov.uk",
            "do-not-reply@x.gov.uk",
            "donotreply@x.gov.uk",
        ] {
            assert!(config.is_portal_sender(&address(portal)), "{portal}");
        }
        for person in [
            "jo.probation@justice.gov.uk",
            "alerts@other.gov.uk",
            "nora.reply@x.gov.uk",
        ] {
            assert!(!config.is_portal_sender(&address(person)), "{person}");
        }
        let err = load("portal_senders = [\"the portal\"]").expect_err("invalid");
        assert!(
            err.to_string().contains(
                "g.toml:5: referrers.portal_senders[0]: `the portal` is not an email address"
            ),
            "{err}"
        );
    }

    #[test]
    fn unknown_keys_and_bad_toml_are_errors() {
        let gateway = "[gateway]\ndatabse = \"x\"\n";
        let err = Config::from_texts(
            None,
            ("g.toml", gateway),
            ("a.toml", EMBEDDED_AUTHORITIES),
            ("h.json", EMBEDDED_HOLIDAYS),
        )
        .expect_err("invalid");
        assert!(err.to_string().contains("databse"), "{err}");
        let err = Config::from_texts(
            None,
            ("g.toml", "[gateway\n"),
            ("a.toml", EMBEDDED_AUTHORITIES),
            ("h.json", EMBEDDED_HOLIDAYS),
        )
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
            Config::from_texts(
                None,
                ("g.toml", &gateway),
                ("a.toml", EMBEDDED_AUTHORITIES),
                ("h.json", EMBEDDED_HOLIDAYS),
            )
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
                .contains("outgoing.claim_seconds: 10 is too short"),
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
            Config::from_texts(
                None,
                ("g.toml", &gateway),
                ("a.toml", EMBEDDED_AUTHORITIES),
                ("h.json", EMBEDDED_HOLIDAYS),
            )
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
                "http.listen: `localhost:9187` is not a socket address such as 127.0.0.1:9187"
            ),
            "{err}"
        );
        let err = load("[http]\nlisten = \"0.0.0.0:9187\"").expect_err("not loopback");
        assert!(
            err.to_string()
                .contains("http.listen: 0.0.0.0:9187 is not a loopback address"),
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
                .contains("http.unhealthy_after_seconds: must be at least 1"),
            "{err}"
        );
        let err = load("[http]\nlisen = \"127.0.0.1:9187\"").expect_err("misspelt");
        assert!(
            err.to_string()
                .contains("http.lisen: unknown field `lisen`"),
            "{err}"
        );
    }
}
