//! `[web]`: the web view for officers and coordinators (off unless the
//! section is there).

use super::*;
use serde::Deserialize;
use std::path::PathBuf;

/// The web view's listener and who may sign in beyond each authority's
/// `officers`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Web {
    pub listen: std::net::SocketAddr,
    /// The address people reach the view at, without a trailing `/`
    /// (`https://dtr.essex.gov.uk`): the sign-in links are made from it.
    pub public_url: String,
    /// People who see every authority's counts and report, never a case.
    pub coordinators: Vec<EmailAddress>,
    /// The authority (its code) whose inbox and sending identity mail a
    /// coordinator's sign-in link when the coordinator is at none of the
    /// authorities' own domains; the first authority when not set.
    pub coordinators_from: Option<String>,
    /// The certificate and key the listener serves TLS with; none: plain
    /// HTTP on loopback, behind a reverse proxy.
    pub tls: Option<WebTls>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (none: the TCP
    /// peer is the client). The client is the right-most address there
    /// that is not itself one of these.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// However busy, a session ends this many hours after signing in.
    pub session_hours: u32,
}

/// A session's lifetime unless `session_hours` says otherwise: a working
/// day and its evening.
pub const DEFAULT_SESSION_HOURS: u32 = 12;
/// The longest lifetime `session_hours` may give: a week.
const MOST_SESSION_HOURS: u32 = 7 * 24;

impl Web {
    /// How long after signing in a session ends, however busy.
    pub fn session_lifetime(&self) -> chrono::Duration {
        chrono::Duration::hours(i64::from(self.session_hours))
    }

    /// The authority a coordinator's sign-in link is mailed as (its inbox
    /// the sender, its identity the relay): the coordinator's own council
    /// when they are at one's domain, else `coordinators_from`, else the
    /// first authority.
    pub fn sender_for_coordinator<'a>(
        &self,
        coordinator: &EmailAddress,
        authorities: &'a crate::core::authority::Authorities,
    ) -> Option<&'a crate::core::authority::Authority> {
        let domain = coordinator.domain();
        authorities
            .iter()
            .find(|a| a.owns_domain(&domain))
            .or_else(|| {
                self.coordinators_from
                    .as_deref()
                    .and_then(|code| authorities.by_code(code))
            })
            .or_else(|| authorities.iter().next())
    }

    /// Whether the session cookie is marked `Secure`: always, unless the
    /// view is reached over plain HTTP (a loopback test set-up).
    pub fn secure_cookies(&self) -> bool {
        !self.public_url.starts_with("http://")
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebTls {
    /// PEM: the certificate chain, the server's first.
    pub certificate: PathBuf,
    /// PEM: its private key.
    pub key: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWeb {
    pub(super) listen: String,
    pub(super) public_url: String,
    #[serde(default)]
    pub(super) coordinators: Vec<String>,
    pub(super) coordinators_from: Option<String>,
    pub(super) tls_certificate: Option<PathBuf>,
    pub(super) tls_key: Option<PathBuf>,
    #[serde(default)]
    pub(super) trusted_proxies: Vec<String>,
    /// Read here rather than by serde, so that a wrong type is named by its
    /// key.
    pub(super) session_hours: Option<toml::Value>,
}

/// `[web]`: a socket address; TLS with a certificate and key, or plain
/// HTTP on loopback only; the public address the links use; coordinators
/// by address, none of them an authority's shared inbox.
pub(super) fn read_web(
    file: &str,
    table: toml::Table,
    authorities: &[crate::core::authority::Authority],
    problems: &mut Problems,
) -> Option<Web> {
    let raw: RawWeb = read_table(file, "web", "", table, problems)?;
    let mut ok = true;
    let listen = raw
        .listen
        .trim()
        .parse::<std::net::SocketAddr>()
        .map_err(|_| {
            problems.error(
                file,
                "web.listen",
                format!(
                    "`{}` is not a socket address such as 127.0.0.1:8080",
                    raw.listen
                ),
            )
        })
        .ok();
    let tls = match (raw.tls_certificate, raw.tls_key) {
        (Some(certificate), Some(key)) => {
            for (field, path) in [("web.tls_certificate", &certificate), ("web.tls_key", &key)] {
                if !path.is_file() {
                    problems.error(
                        file,
                        field,
                        format!("{} is not a file the gateway can read", path.display()),
                    );
                    ok = false;
                }
            }
            Some(WebTls { certificate, key })
        }
        (None, None) => None,
        (Some(_), None) => {
            problems.error(
                file,
                "web.tls_key",
                "tls_certificate is given without its key",
            );
            ok = false;
            None
        }
        (None, Some(_)) => {
            problems.error(
                file,
                "web.tls_certificate",
                "tls_key is given without its certificate",
            );
            ok = false;
            None
        }
    };
    if let Some(listen) = listen {
        // `::ffff:127.0.0.1` is loopback too.
        if tls.is_none() && !listen.ip().to_canonical().is_loopback() && ok {
            problems.error(
                file,
                "web.listen",
                format!(
                    "{listen} is not a loopback address, and without tls_certificate and tls_key \
                     the web view would carry sign-in links and sessions in clear: give both, or \
                     listen on 127.0.0.1 behind a reverse proxy that serves HTTPS"
                ),
            );
            ok = false;
        }
    }
    let public_url = match public_origin(&raw.public_url) {
        Ok(url) => url,
        Err(why) => {
            problems.error(
                file,
                "web.public_url",
                format!("`{}` {why}", raw.public_url),
            );
            ok = false;
            String::new()
        }
    };
    if let Some(host) = public_url.strip_prefix("http://") {
        let loopback_host = host.rsplit_once(':').map_or(host, |(host, _)| host);
        if !matches!(loopback_host, "127.0.0.1" | "localhost" | "[::1]") {
            problems.error(
                file,
                "web.public_url",
                format!(
                    "{public_url}: sign-in links and session cookies need HTTPS; plain http:// \
                     is only for a view opened on this machine (127.0.0.1 or localhost)"
                ),
            );
            ok = false;
        }
    }
    let mut coordinators = Vec::new();
    for (i, text) in raw.coordinators.iter().enumerate() {
        let key = format!("web.coordinators[{i}]");
        match EmailAddress::parse(text) {
            Ok(address) => {
                if let Some(a) = authorities.iter().find(|a| a.inbox == address) {
                    problems.error(
                        file,
                        key,
                        format!(
                            "{address} is {}'s shared inbox: list the named people who \
                             coordinate, never a shared address",
                            a.name
                        ),
                    );
                    ok = false;
                } else if let Some(a) = authorities.iter().find(|a| a.officers.contains(&address)) {
                    problems.error(
                        file,
                        key,
                        format!(
                            "{address} is an officer of {}: a person signs in as an officer or as \
                             a coordinator, not both",
                            a.name
                        ),
                    );
                    ok = false;
                } else if coordinators.contains(&address) {
                    problems.error(file, key, format!("{address} is listed twice"));
                    ok = false;
                } else {
                    if super::authorities::looks_shared(address.as_str()) {
                        problems.warn(
                            file,
                            key,
                            format!(
                                "{address} looks like a team's or a list's address: no sign-in \
                                 link is mailed to it (it would go to whoever reads it); list \
                                 the named people who coordinate"
                            ),
                        );
                    }
                    coordinators.push(address);
                }
            }
            Err(e) => {
                problems.error(file, key, e.to_string());
                ok = false;
            }
        }
    }
    let coordinators_from = match raw.coordinators_from.as_deref().map(str::trim) {
        Some(code) => match authorities
            .iter()
            .find(|a| a.code.as_str().eq_ignore_ascii_case(code))
        {
            Some(a) => Some(a.code.to_string()),
            None => {
                problems.error(
                    file,
                    "web.coordinators_from",
                    format!("`{code}` is not the code of an authority in authorities.toml"),
                );
                ok = false;
                None
            }
        },
        None => None,
    };
    // A coordinator at no council's domain is mailed as some council: say
    // which, so that it is chosen rather than fallen into.
    if coordinators_from.is_none() {
        if let Some(first) = authorities.first() {
            for (i, coordinator) in coordinators.iter().enumerate() {
                let domain = coordinator.domain();
                if authorities.iter().any(|a| a.owns_domain(&domain)) {
                    continue;
                }
                problems.warn(
                    file,
                    format!("web.coordinators[{i}]"),
                    format!(
                        "{coordinator} is at none of the authorities' domains: their sign-in links \
                         are sent from {}'s Duty to Refer inbox ({}), the first authority's; set \
                         coordinators_from = \"CODE\" to choose the authority they come from",
                        first.name, first.inbox
                    ),
                );
            }
        }
    }
    let mut trusted_proxies = Vec::new();
    for (i, proxy) in raw.trusted_proxies.iter().enumerate() {
        match proxy.trim().parse::<std::net::IpAddr>() {
            Ok(ip) => trusted_proxies.push(ip.to_canonical()),
            Err(_) => {
                problems.error(
                    file,
                    format!("web.trusted_proxies[{i}]"),
                    format!("`{proxy}` is not an IP address such as 127.0.0.1"),
                );
                ok = false;
            }
        }
    }
    // Behind the reverse proxy (plain HTTP on loopback, people opening an
    // https:// address), every request comes from the proxy unless it is
    // named: the limits per client would then count everyone as one, and
    // one stranger asking for links would keep every officer out.
    if let Some(listen) = listen {
        if tls.is_none()
            && public_url.starts_with("https://")
            && listen.ip().to_canonical().is_loopback()
            && trusted_proxies.is_empty()
            && raw.trusted_proxies.is_empty()
        {
            problems.warn(
                file,
                "web.trusted_proxies",
                format!(
                    "the web view listens on {listen} over plain HTTP behind a reverse proxy \
                     (public_url is {public_url}), and trusted_proxies is empty: every request \
                     seems to come from the proxy, so the sign-in limits count everyone as one \
                     client and one stranger asking for links keeps every officer from signing \
                     in; name the proxy, such as trusted_proxies = [\"{}\"], and have it set \
                     X-Forwarded-For",
                    listen.ip()
                ),
            );
        }
    }
    let session_hours = match raw.session_hours {
        None => DEFAULT_SESSION_HOURS,
        Some(hours) => match hours.as_integer().map(u32::try_from) {
            Some(Ok(h)) if (1..=MOST_SESSION_HOURS).contains(&h) => h,
            _ => {
                problems.error(
                    file,
                    "web.session_hours",
                    format!(
                        "{hours} is not a number of hours from 1 to {MOST_SESSION_HOURS}: how long \
                         after signing in a session ends, however busy (12 unless set)"
                    ),
                );
                ok = false;
                DEFAULT_SESSION_HOURS
            }
        },
    };
    let listen = listen?;
    ok.then_some(Web {
        listen,
        public_url,
        coordinators,
        coordinators_from,
        tls,
        trusted_proxies,
        session_hours,
    })
}

/// `public_url` as the origin browsers name in `Origin` (the forms are
/// checked against it, and the links made from it): scheme and host in
/// lower case, a default port (`:443`, `:80`) dropped, no trailing `/`.
/// User info, a path, a query or a fragment would never match an origin,
/// so each is refused with why.
pub(crate) fn public_origin(text: &str) -> Result<String, String> {
    const SHAPE: &str = "the address people open, such as https://dtr.essex.gov.uk \
                         (scheme and host, no path)";
    let text = text.trim().trim_end_matches('/');
    let Some((scheme, rest)) = text.split_once("://") else {
        return Err(format!("is not {SHAPE}"));
    };
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return Err(format!("is not {SHAPE}")),
    };
    if rest.contains('#') {
        return Err(format!("has a fragment (#...): give {SHAPE}"));
    }
    if rest.contains('?') {
        return Err(format!("has a query (?...): give {SHAPE}"));
    }
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    if authority.contains('@') {
        return Err(format!(
            "has user info (a name before @): browsers never send it as the view's origin, so \
             every form would be refused; give {SHAPE}"
        ));
    }
    if !path.is_empty() {
        return Err(format!(
            "has a path (/{path}): the view is served at the root of its host; give {SHAPE}"
        ));
    }
    let (host, port) = if authority.starts_with('[') {
        // An IPv6 address: `[::1]` or `[::1]:8080`.
        match authority.split_once(']') {
            Some((inside, "")) => (&authority[..inside.len() + 1], None),
            Some((inside, after)) => match after.strip_prefix(':') {
                Some(port) => (&authority[..inside.len() + 1], Some(port)),
                None => return Err(format!("is not {SHAPE}")),
            },
            None => return Err(format!("is not {SHAPE}")),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let host_ok = !host.is_empty()
        && (host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            || (host.starts_with('[')
                && host.ends_with(']')
                && host[1..host.len() - 1]
                    .parse::<std::net::Ipv6Addr>()
                    .is_ok()));
    if !host_ok {
        return Err(format!(
            "is not {SHAPE}; a host with letters beyond ASCII is given in its xn-- form"
        ));
    }
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => {
                (n != default_port).then(|| n.to_string())
            }
            _ => return Err(format!("has a port that is not a number: give {SHAPE}")),
        },
    };
    let host = host.to_ascii_lowercase();
    Ok(match port {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    })
}

#[cfg(test)]
mod tests {
    use super::super::*;

    const AUTHORITIES: &str = r#"
[[authority]]
name = "Colchester"
code = "COL"
inbox = "dtr@colchester.gov.uk"
officers = ["ann.officer@colchester.gov.uk"]
operational_lead = { name = "L", email = "lead@colchester.gov.uk" }
dispute_contact = { name = "D", email = "dispute@colchester.gov.uk" }

[[authority]]
name = "Harlow"
code = "HAR"
inbox = "dtr@harlow.gov.uk"
officers = ["hal.officer@harlow.gov.uk"]
operational_lead = { name = "L", email = "lead@harlow.gov.uk" }
dispute_contact = { name = "D", email = "dispute@harlow.gov.uk" }
"#;

    fn load(web: &str, authorities: &str) -> Result<(Config, Vec<Problem>), ConfigError> {
        let gateway = format!(
            "[gateway]\ndatabase = \"sqlite::memory:\"\n[referrers]\n\
             allowed_domains = [\"*.gov.uk\"]\n{web}\n"
        );
        Config::from_texts(
            None,
            ("g.toml", &gateway),
            ("a.toml", authorities),
            ("h.json", EMBEDDED_HOLIDAYS),
        )
    }

    fn error_of(web: &str, authorities: &str) -> String {
        load(web, authorities).expect_err("invalid").to_string()
    }

    #[test]
    fn the_web_view_is_off_unless_configured_and_officers_are_read() {
        let (config, _) = load("", AUTHORITIES).expect("valid");
        assert_eq!(config.web, None);
        let colchester = config.authorities.by_code("COL").expect("Colchester");
        assert_eq!(
            colchester
                .officers
                .iter()
                .map(|o| o.as_str())
                .collect::<Vec<_>>(),
            ["ann.officer@colchester.gov.uk"]
        );

        let (config, _) = load(
            "[web]\nlisten = \"127.0.0.1:8080\"\npublic_url = \"https://dtr.essex.gov.uk/\"\n\
             coordinators = [\"co.ordinator@essex.gov.uk\"]",
            AUTHORITIES,
        )
        .expect("valid");
        let web = config.web.expect("a web view");
        assert_eq!(web.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(web.public_url, "https://dtr.essex.gov.uk");
        assert_eq!(web.coordinators[0].as_str(), "co.ordinator@essex.gov.uk");
        assert_eq!(web.tls, None);
        assert!(web.secure_cookies());

        let (config, _) = load(
            "[web]\nlisten = \"127.0.0.1:8080\"\npublic_url = \"http://127.0.0.1:8080\"",
            AUTHORITIES,
        )
        .expect("plain HTTP on loopback");
        assert!(!config.web.expect("a web view").secure_cookies());
    }

    #[test]
    fn forwarded_for_is_trusted_only_from_the_proxies_named() {
        let web = |more: &str| {
            format!(
                "[web]\nlisten = \"127.0.0.1:8080\"\npublic_url = \"https://dtr.essex.gov.uk\"\n{more}"
            )
        };
        let (config, _) = load(&web(""), AUTHORITIES).expect("valid");
        assert!(config.web.expect("a web view").trusted_proxies.is_empty());
        let (config, _) = load(
            &web("trusted_proxies = [\"127.0.0.1\", \"::1\"]"),
            AUTHORITIES,
        )
        .expect("valid");
        assert_eq!(
            config.web.expect("a web view").trusted_proxies,
            [
                std::net::IpAddr::from([127, 0, 0, 1]),
                std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST)
            ]
        );
        let problems = match load(&web("trusted_proxies = [\"nginx\"]"), AUTHORITIES) {
            Err(ConfigError::Invalid(problems)) => problems,
            other => panic!("not refused: {:?}", other.map(|(_, p)| p)),
        };
        assert!(
            problems
                .iter()
                .any(|p| p.to_string().contains("web.trusted_proxies[0]")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_session_ends_twelve_hours_after_signing_in_unless_set() {
        let web = |more: &str| {
            format!(
                "[web]\nlisten = \"127.0.0.1:8080\"\npublic_url = \"https://dtr.essex.gov.uk\"\n{more}"
            )
        };
        let (config, _) = load(&web(""), AUTHORITIES).expect("valid");
        let lifetime = config.web.expect("a web view").session_lifetime();
        assert_eq!(lifetime, chrono::Duration::hours(12));
        let (config, _) = load(&web("session_hours = 8"), AUTHORITIES).expect("valid");
        let lifetime = config.web.expect("a web view").session_lifetime();
        assert_eq!(lifetime, chrono::Duration::hours(8));
        for bad in ["0", "-3", "169"] {
            let err = error_of(&web(&format!("session_hours = {bad}")), AUTHORITIES);
            assert!(
                err.contains("g.toml:")
                    && err.contains(&format!(
                        "web.session_hours: {bad} is not a number of hours"
                    )),
                "{err}"
            );
        }
        let err = error_of(&web("session_hours = \"twelve\""), AUTHORITIES);
        assert!(
            err.contains("web.session_hours: \"twelve\" is not a number of hours"),
            "{err}"
        );
    }

    #[test]
    fn plain_http_is_for_loopback_only_and_tls_needs_both_files() {
        let err = error_of(
            "[web]\nlisten = \"0.0.0.0:8080\"\npublic_url = \"https://dtr.essex.gov.uk\"",
            AUTHORITIES,
        );
        assert!(
            err.contains("g.toml:")
                && err.contains("web.listen: 0.0.0.0:8080 is not a loopback address"),
            "{err}"
        );
        let err = error_of(
            "[web]\nlisten = \"0.0.0.0:8443\"\npublic_url = \"https://dtr.essex.gov.uk\"\n\
             tls_certificate = \"/nonexistent/web.crt\"",
            AUTHORITIES,
        );
        assert!(
            err.contains("web.tls_key: tls_certificate is given without its key"),
            "{err}"
        );
        let err = error_of(
            "[web]\nlisten = \"0.0.0.0:8443\"\npublic_url = \"https://dtr.essex.gov.uk\"\n\
             tls_certificate = \"/nonexistent/web.crt\"\ntls_key = \"/nonexistent/web.key\"",
            AUTHORITIES,
        );
        assert!(
            err.contains("web.tls_certificate: /nonexistent/web.crt is not a file"),
            "{err}"
        );
        assert!(
            err.contains("web.tls_key: /nonexistent/web.key is not a file"),
            "{err}"
        );
        let err = error_of(
            "[web]\nlisten = \"127.0.0.1:8080\"\npublic_url = \"http://dtr.essex.gov.uk\"",
            AUTHORITIES,
        );
        assert!(
            err.contains("web.public_url: http://dtr.essex.gov.uk: sign-in links"),
            "{err}"
        );
        let err = error_of(
            "[web]\nlisten = \"127.0.0.1:8080\"\npublic_url = \"dtr.essex.gov.uk\"",
            AUTHORITIES,
        );
        assert!(
            err.contains("web.public_url: `dtr.essex.gov.uk` is not"),
            "{err}"
        );
        let err = error_of(
            "[web]\nlisten = \"localhost\"\npublic_url = \"https://dtr.essex.gov.uk\"",
            AUTHORITIES,
        );
        assert!(
            err.contains("web.listen: `localhost` is not a socket address"),
            "{err}"
        );
        let err = error_of(
            "[web]\nlisen = \"127.0.0.1:8080\"\npublic_url = \"https://x.gov.uk\"",
            AUTHORITIES,
        );
        assert!(err.contains("web.lisen"), "{err}");
    }

    #[test]
    fn shared_inboxes_and_double_roles_cannot_sign_in() {
        let web = "[web]\nlisten = \"127.0.0.1:8080\"\npublic_url = \"https://dtr.essex.gov.uk\"\n";
        let err = error_of(
            &format!("{web}coordinators = [\"dtr@harlow.gov.uk\", \"ann.officer@colchester.gov.uk\", \"nope\"]"),
            AUTHORITIES,
        );
        assert!(
            err.contains("web.coordinators[0]: dtr@harlow.gov.uk is Harlow's shared inbox"),
            "{err}"
        );
        assert!(
            err.contains(
                "web.coordinators[1]: ann.officer@colchester.gov.uk is an officer of Colchester"
            ),
            "{err}"
        );
        assert!(err.contains("web.coordinators[2]"), "{err}");

        let own_inbox = AUTHORITIES.replace(
            "officers = [\"ann.officer@colchester.gov.uk\"]",
            "officers = [\"ann.officer@colchester.gov.uk\", \"DTR@colchester.gov.uk\"]",
        );
        let err = error_of("", &own_inbox);
        assert!(
            err.contains("a.toml:6: authority[Colchester].officers[1]: Colchester: DTR@colchester.gov.uk is the authority's shared inbox"),
            "{err}"
        );
        let tagged = AUTHORITIES.replace(
            "officers = [\"ann.officer@colchester.gov.uk\"]",
            "officers = [\"ann.officer@colchester.gov.uk\", \"dtr+web@colchester.gov.uk\"]",
        );
        let err = error_of("", &tagged);
        assert!(
            err.contains("officers[1]: Colchester: dtr+web@colchester.gov.uk is the authority's shared inbox"),
            "{err}"
        );
        let two_councils = AUTHORITIES.replace(
            "officers = [\"hal.officer@harlow.gov.uk\"]",
            "officers = [\"hal.officer@harlow.gov.uk\", \"ann.officer@colchester.gov.uk\", \"dtr@colchester.gov.uk\"]",
        );
        let err = error_of("", &two_councils);
        assert!(
            err.contains("authority[Harlow].officers[1]: Harlow: ann.officer@colchester.gov.uk is already an officer of Colchester"),
            "{err}"
        );
        assert!(
            err.contains("authority[Harlow].officers[2]: Harlow: dtr@colchester.gov.uk is Colchester's shared inbox"),
            "{err}"
        );
        let err = error_of(
            "",
            &AUTHORITIES.replace("ann.officer@colchester.gov.uk", "not an address"),
        );
        assert!(
            err.contains("authority[Colchester].officers[0]: Colchester"),
            "{err}"
        );
    }

    #[test]
    fn a_coordinators_link_comes_from_their_council_or_the_one_named() {
        let web = "[web]\nlisten = \"127.0.0.1:8080\"\npublic_url = \"https://dtr.essex.gov.uk\"\n";
        // At no council's domain, with nothing named: the first authority,
        // and check-config says so.
        let (config, warnings) = load(
            &format!("{web}coordinators = [\"co.ordinator@essex.gov.uk\", \"hal.coordinator@harlow.gov.uk\"]"),
            AUTHORITIES,
        )
        .expect("valid");
        let about: Vec<_> = warnings
            .iter()
            .filter(|w| w.key.starts_with("web.coordinators"))
            .collect();
        assert_eq!(about.len(), 1, "{warnings:?}");
        assert_eq!(about[0].key, "web.coordinators[0]");
        assert!(
            about[0].message.contains(
                "co.ordinator@essex.gov.uk is at none of the authorities' domains: their sign-in \
                 links are sent from Colchester's Duty to Refer inbox (dtr@colchester.gov.uk)"
            ),
            "{}",
            about[0].message
        );
        let web_settings = config.web.clone().expect("a web view");
        let sender = |address: &str| {
            web_settings
                .sender_for_coordinator(
                    &EmailAddress::parse(address).expect("address"),
                    &config.authorities,
                )
                .map(|a| a.name.clone())
        };
        assert_eq!(
            sender("co.ordinator@essex.gov.uk").as_deref(),
            Some("Colchester")
        );
        // One at Harlow's domain hears from Harlow.
        assert_eq!(
            sender("hal.coordinator@harlow.gov.uk").as_deref(),
            Some("Harlow")
        );

        // Named: that authority, and no warning.
        let (config, warnings) = load(
            &format!(
                "{web}coordinators = [\"co.ordinator@essex.gov.uk\"]\ncoordinators_from = \"har\""
            ),
            AUTHORITIES,
        )
        .expect("valid");
        assert!(
            warnings
                .iter()
                .all(|w| !w.key.starts_with("web.coordinators")),
            "{warnings:?}"
        );
        let web_settings = config.web.clone().expect("a web view");
        assert_eq!(web_settings.coordinators_from.as_deref(), Some("HAR"));
        assert_eq!(
            web_settings
                .sender_for_coordinator(
                    &EmailAddress::parse("co.ordinator@essex.gov.uk").expect("address"),
                    &config.authorities
                )
                .map(|a| a.name.as_str()),
            Some("Harlow")
        );
        let err = error_of(&format!("{web}coordinators_from = \"XYZ\""), AUTHORITIES);
        assert!(
            err.contains("web.coordinators_from: `XYZ` is not the code of an authority"),
            "{err}"
        );
    }

    #[test]
    fn an_officer_outside_the_authoritys_domains_is_warned_about() {
        let private = AUTHORITIES.replace(
            "officers = [\"ann.officer@colchester.gov.uk\"]",
            "officers = [\"ann.officer@colchester.gov.uk\", \"ann.at.home@gmail.com\"]",
        );
        let (_, warnings) = load("", &private).expect("valid, with a warning");
        let about: Vec<_> = warnings
            .iter()
            .filter(|w| w.key.contains(".officers["))
            .collect();
        assert_eq!(about.len(), 1, "{warnings:?}");
        assert!(about[0].key.ends_with("officers[1]"), "{}", about[0].key);
        assert!(
            about[0].message.starts_with(
                "Colchester: ann.at.home@gmail.com is not at the authority's own domains \
                 (colchester.gov.uk"
            ),
            "{}",
            about[0].message
        );
        let (_, warnings) = load("", AUTHORITIES).expect("valid");
        assert!(
            warnings.iter().all(|w| !w.key.contains(".officers[")),
            "{warnings:?}"
        );
    }

    #[test]
    fn public_url_is_kept_as_the_origin_browsers_send() {
        let web = |url: &str| {
            format!("[web]\nlisten = \"127.0.0.1:8080\"\npublic_url = \"{url}\"\ntrusted_proxies = [\"127.0.0.1\"]")
        };
        for (given, origin) in [
            ("HTTPS://DTR.Essex.GOV.UK/", "https://dtr.essex.gov.uk"),
            ("https://dtr.essex.gov.uk:443", "https://dtr.essex.gov.uk"),
            (
                "https://dtr.essex.gov.uk:8443",
                "https://dtr.essex.gov.uk:8443",
            ),
            ("http://LOCALHOST:80", "http://localhost"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://[::1]:8080", "http://[::1]:8080"),
        ] {
            let (config, _) = load(&web(given), AUTHORITIES).expect(given);
            assert_eq!(
                config.web.expect("a web view").public_url,
                origin,
                "{given}"
            );
        }
        for (given, why) in [
            ("https://officer@dtr.essex.gov.uk", "has user info"),
            ("https://dtr.essex.gov.uk/?x=1", "has a query"),
            ("https://dtr.essex.gov.uk#top", "has a fragment"),
            ("https://dtr.essex.gov.uk/dtr", "has a path (/dtr)"),
            (
                "https://dtr.essex.gov.uk:44x",
                "has a port that is not a number",
            ),
            (
                "https://dtr.essex.gov.uk:+443",
                "has a port that is not a number",
            ),
            ("ftp://dtr.essex.gov.uk", "is not the address people open"),
            ("https://dtr essex.gov.uk", "is not the address people open"),
        ] {
            let err = error_of(&web(given), AUTHORITIES);
            assert!(
                err.contains(&format!("web.public_url: `{given}` {why}")),
                "{given}: {err}"
            );
        }
    }

    #[test]
    fn behind_a_proxy_an_empty_trusted_proxies_is_warned_of() {
        let web = |url: &str, more: &str| {
            format!("[web]\nlisten = \"127.0.0.1:8080\"\npublic_url = \"{url}\"\n{more}")
        };
        let warned = |url: &str, more: &str| {
            let (_, warnings) = load(&web(url, more), AUTHORITIES).expect("valid");
            warnings
                .iter()
                .filter(|w| w.key == "web.trusted_proxies")
                .map(|w| w.message.clone())
                .collect::<Vec<_>>()
        };
        let about = warned("https://dtr.essex.gov.uk", "");
        assert_eq!(about.len(), 1, "{about:?}");
        assert!(
            about[0].contains("trusted_proxies is empty")
                && about[0].contains("trusted_proxies = [\"127.0.0.1\"]"),
            "{}",
            about[0]
        );
        assert!(warned(
            "https://dtr.essex.gov.uk",
            "trusted_proxies = [\"127.0.0.1\"]"
        )
        .is_empty());
        // Opened on this machine itself: no proxy in front.
        assert!(warned("http://127.0.0.1:8080", "").is_empty());
    }

    #[test]
    fn a_coordinator_address_that_looks_like_a_role_is_warned_of() {
        let web = "[web]\nlisten = \"127.0.0.1:8080\"\npublic_url = \"https://dtr.essex.gov.uk\"\n\
                   coordinators_from = \"COL\"\n";
        let (_, warnings) = load(
            &format!(
                "{web}coordinators = [\"co.ordinator@essex.gov.uk\", \"HousingOptions@essex.gov.uk\", \
                 \"d2r@essex.gov.uk\", \"office@essex.gov.uk\", \"dtr.inbox@essex.gov.uk\", \
                 \"homelessness@essex.gov.uk\", \"shared.mailbox@essex.gov.uk\", \
                 \"dtr-north@essex.gov.uk\", \"ann.housinger@essex.gov.uk\", \"sam.dtrott@essex.gov.uk\"]"
            ),
            AUTHORITIES,
        )
        .expect("valid, with warnings");
        let keys: Vec<&str> = warnings
            .iter()
            .filter(|w| w.message.contains("team's or a list's address"))
            .map(|w| w.key.as_str())
            .collect();
        assert_eq!(
            keys,
            [
                "web.coordinators[1]",
                "web.coordinators[2]",
                "web.coordinators[3]",
                "web.coordinators[4]",
                "web.coordinators[5]",
                "web.coordinators[6]",
                "web.coordinators[7]"
            ]
        );
    }
}
