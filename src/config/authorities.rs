//! `authorities.toml`: each authority, its inbox, contacts, domains and
//! protocol.

use super::*;
use crate::core::address::EmailAddress;
use crate::core::authority::{Authority, Contact};
use crate::core::case_ref::ShortCode;
use serde::Deserialize;
use std::collections::HashMap;

// The files are read into plain strings first and checked field by field, so
// that one bad address does not hide the next.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAuthoritiesFile {
    #[serde(default)]
    pub(super) authority: Vec<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAuthority {
    pub(super) name: String,
    pub(super) full_name: Option<String>,
    pub(super) code: String,
    #[serde(default)]
    pub(super) aliases: Vec<String>,
    pub(super) inbox: String,
    #[serde(default)]
    pub(super) domains: Vec<String>,
    pub(super) operational_lead: RawContact,
    pub(super) dispute_contact: RawContact,
    pub(super) next_level: Option<RawContact>,
    #[serde(default)]
    pub(super) closed_days: Vec<String>,
    /// `false` turns the morning digest off.
    pub(super) digest: Option<bool>,
    /// The people who may sign in to the web view for this authority.
    #[serde(default)]
    pub(super) officers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawContact {
    pub(super) name: String,
    pub(super) email: String,
}

/// What `authorities.toml` gave: the authorities without errors, whether
/// the file could be read at all, and the code of every entry (valid or
/// not), so that a mailbox naming a broken authority is not a second error.
pub(super) struct ReadAuthorities {
    pub(super) authorities: Vec<Authority>,
    /// Each authority's place among the file's `[[authority]]` entries
    /// (an entry with errors is not read, so the two may differ): what
    /// the problems found later name it by.
    pub(super) entries: Vec<usize>,
    pub(super) parsed: bool,
    pub(super) codes: Vec<String>,
}

pub(super) fn read_authorities(file: &str, text: &str, problems: &mut Problems) -> ReadAuthorities {
    let table: toml::Table = match text.parse() {
        Ok(r) => r,
        Err(e) => {
            problems.error(file, "(file)", toml_message(&e, text));
            return ReadAuthorities {
                authorities: Vec::new(),
                entries: Vec::new(),
                parsed: false,
                codes: Vec::new(),
            };
        }
    };
    let raw: RawAuthoritiesFile =
        read_table(file, "", "", table, problems).unwrap_or(RawAuthoritiesFile {
            authority: Vec::new(),
        });
    let codes = raw
        .authority
        .iter()
        .filter_map(|a| a.get("code")?.as_str().map(str::to_string))
        .collect();
    if raw.authority.is_empty() {
        problems.error(file, "authority", "no authorities are configured");
    }
    let mut out: Vec<Authority> = Vec::new();
    let mut entries = Vec::new();
    for (i, value) in raw.authority.into_iter().enumerate() {
        let key = format!("authority[{i}]");
        let toml::Value::Table(table) = value else {
            problems.error(file, &key, "an authority is an [[authority]] table");
            continue;
        };
        let Some(a) = read_table::<RawAuthority>(file, &key, "", table, problems) else {
            continue;
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
        let mut officers: Vec<EmailAddress> = Vec::new();
        for (j, text) in a.officers.iter().enumerate() {
            let field = format!("{key}.officers[{j}]");
            match EmailAddress::parse(text) {
                Ok(officer) if inbox.as_ref().is_some_and(|i| same_inbox(i, &officer)) => {
                    // The link would reach everyone who reads the inbox.
                    problems.error(
                        file,
                        field,
                        format!(
                            "{}: {officer} is the authority's shared inbox: list the named people \
                             who may sign in, never a shared address",
                            a.name
                        ),
                    );
                    ok = false;
                }
                Ok(officer) if officers.contains(&officer) => {
                    problems.error(
                        file,
                        field,
                        format!("{}: {officer} is listed twice", a.name),
                    );
                    ok = false;
                }
                Ok(officer) => officers.push(officer),
                Err(e) => {
                    problems.error(file, field, format!("{}: {e}", a.name));
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
            // An officer sees one authority's cases: never two, never
            // through another's shared inbox.
            for (j, officer) in officers.iter().enumerate() {
                if other.officers.contains(officer) {
                    problems.error(
                        file,
                        format!("{key}.officers[{j}]"),
                        format!(
                            "{}: {officer} is already an officer of {}: a person signs in for one authority",
                            a.name, other.name
                        ),
                    );
                }
                if &other.inbox == officer {
                    problems.error(
                        file,
                        format!("{key}.officers[{j}]"),
                        format!("{}: {officer} is {}'s shared inbox", a.name, other.name),
                    );
                }
            }
            for officer in &other.officers {
                if *officer == inbox {
                    problems.error(
                        file,
                        format!("{key}.inbox"),
                        format!(
                            "{}: inbox {inbox} is listed as an officer of {}",
                            a.name, other.name
                        ),
                    );
                }
            }
        }
        entries.push(i);
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
            digest: a.digest.unwrap_or(true),
            operational_lead: Contact {
                name: a.operational_lead.name,
                email: lead,
            },
            dispute_contact: Contact {
                name: a.dispute_contact.name,
                email: dispute,
            },
            next_level,
            officers,
        });
    }
    ReadAuthorities {
        authorities: out,
        entries,
        parsed: true,
        codes,
    }
}

/// Legal but probably wrong: the things in Annex A a person would want
/// pointed out before relying on escalation.
pub(super) fn warn_about_contacts(
    file: &str,
    authorities: &[Authority],
    entries: &[usize],
    problems: &mut Problems,
) {
    let home_domains: HashMap<String, &str> = authorities
        .iter()
        .map(|a| (a.inbox.domain(), a.name.as_str()))
        .collect();
    for (i, a) in authorities.iter().enumerate() {
        let key = format!("authority[{}]", entries.get(i).copied().unwrap_or(i));
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
        // A sign-in link goes to the officer's address: a private or
        // another organisation's mailbox would take it out of the council.
        for (j, officer) in a.officers.iter().enumerate() {
            if looks_shared(officer.as_str()) {
                problems.warn(
                    file,
                    format!("{key}.officers[{j}]"),
                    format!(
                        "{}: {officer} looks like a team's or a list's address: no sign-in link \
                         is mailed to it (it would go to whoever reads it); list the named \
                         people who may sign in",
                        a.name
                    ),
                );
            }
            if a.owns_domain(&officer.domain()) {
                continue;
            }
            let own = if a.domains.is_empty() {
                format!(
                    "{} (the inbox's domain; `domains` lists no others)",
                    a.inbox.domain()
                )
            } else {
                a.domains.join(", ")
            };
            problems.warn(
                file,
                format!("{key}.officers[{j}]"),
                format!(
                    "{}: {officer} is not at the authority's own domains ({own}): sign-in links \
                     to the web view go to this address; list the officer's work address, or add \
                     its domain to `domains` if the council uses it",
                    a.name
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
            if let Some(right) = super::checks::misspelling_of(&domain, a) {
                problems.warn(
                    file,
                    format!("{key}.{field}"),
                    format!(
                        "{}: {address}: {domain} looks like a misspelling of {}'s {right}",
                        a.name, a.name
                    ),
                );
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

/// The same mailbox, a `+tag` aside: `dtr+web@council.gov.uk` is
/// delivered to `dtr@council.gov.uk`.
fn same_inbox(inbox: &EmailAddress, other: &EmailAddress) -> bool {
    use crate::core::address::untagged;
    inbox.same_mailbox(other) || untagged(inbox.as_str()) == untagged(other.as_str())
}

pub(super) fn first_label(domain: &str) -> &str {
    domain.split('.').next().unwrap_or(domain)
}

/// Whether an address's local part names a role, a team, an office or a
/// list rather than a person (`housing@`, `housingoptions@`, `d2r@`,
/// `dtr-team@`, `dtr.inbox@`, `no-reply@`): the sign-in links of the web
/// view reach named people only, and none is mailed to such an address.
pub fn looks_shared(address: &str) -> bool {
    /// Whole local parts (separators `.`, `-`, `_` and `+` ignored).
    const ROLES: [&str; 33] = [
        "noreply",
        "donotreply",
        "housing",
        "housingoptions",
        "housingadvice",
        "housingsolutions",
        "homeless",
        "homelessness",
        "dtr",
        "d2r",
        "dutytorefer",
        "info",
        "information",
        "enquiries",
        "enquiry",
        "admin",
        "administrator",
        "office",
        "reception",
        "contact",
        "contactus",
        "hello",
        "mail",
        "mailbox",
        "general",
        "duty",
        "dutyofficer",
        "options",
        "advice",
        "support",
        "customerservices",
        "postmaster",
        "webmaster",
    ];
    /// Held anywhere in the local part.
    const WITHIN: [&str; 10] = [
        "team",
        "referral",
        "noreply",
        "enquir",
        "dutytorefer",
        "options",
        "inbox",
        "mailbox",
        "shared",
        "homeless",
    ];
    /// Beginning the local part (`dtr.colchester@`, `d2r-north@`).
    const STARTING: [&str; 2] = ["dtr", "d2r"];
    let local: String = address
        .rsplit_once('@')
        .map_or(address, |(local, _)| local)
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, '.' | '-' | '_' | '+'))
        .collect();
    ROLES.contains(&local.as_str())
        || WITHIN.iter().any(|w| local.contains(w))
        || STARTING.iter().any(|s| local.starts_with(s))
}
