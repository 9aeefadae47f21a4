//! Checks across the configuration's files, for `check-config`: what is
//! allowed but probably wrong, and what will fail when it is first used (a
//! secret that is not where the configuration says).

use super::gateway::Gateway;
use super::*;
use crate::core::address::EmailAddress;
use crate::core::authority::Authority;

/// Every check that needs more than one section or file.
pub(super) fn across_files(
    (gateway_file, authorities_file): (&str, &str),
    gateway: Option<&Gateway>,
    authorities: &[Authority],
    problems: &mut Problems,
) {
    misspelt_authority_domains(authorities_file, authorities, problems);
    let Some(gateway) = gateway else {
        return;
    };
    for mailbox in &gateway.mailboxes {
        let Source::Imap(imap) = &mailbox.source else {
            continue;
        };
        let key = format!("mailbox[{}].imap", mailbox.name);
        secret_sources(gateway_file, &key, &imap.credentials, problems);
        if let Some(authority) = authorities.iter().find(|a| a.code == mailbox.authority) {
            misspelt_address(
                gateway_file,
                &format!("{key}.username"),
                &imap.username,
                authority,
                problems,
            );
        }
    }
    let identities = &gateway.outgoing.identities;
    for identity in identities {
        let key = format!("outgoing.identity.{}", identity.name);
        for code in &identity.authorities {
            if !authorities.iter().any(|a| a.code.as_str() == code) {
                problems.error(
                    gateway_file,
                    format!("{key}.authorities"),
                    format!("{code} is not the code of an authority in authorities.toml"),
                );
            }
        }
        if let Some((user, credentials)) = &identity.smtp.login {
            secret_sources(gateway_file, &key, credentials, problems);
            let own: Vec<Authority> = authorities
                .iter()
                .filter(|a| identity.authorities.iter().any(|c| c == a.code.as_str()))
                .cloned()
                .collect();
            send_as(gateway_file, &key, user, &own, problems);
        }
    }
    if let Transport::Smtp(smtp) = &gateway.outgoing.transport {
        if let Some((user, credentials)) = &smtp.login {
            secret_sources(gateway_file, "outgoing.smtp", credentials, problems);
            // Only the authorities without an identity of their own send
            // through it.
            let rest: Vec<Authority> = authorities
                .iter()
                .filter(|a| {
                    !identities
                        .iter()
                        .any(|i| i.authorities.iter().any(|c| c == a.code.as_str()))
                })
                .cloned()
                .collect();
            send_as(gateway_file, "outgoing.smtp", user, &rest, problems);
        }
        if gateway.outgoing.message_id_domain.ends_with(".invalid") {
            problems.warn(
                gateway_file,
                "outgoing.message_id_domain",
                format!(
                    "mail sent through a relay would carry Message-IDs at {}, a domain that \
                     cannot exist: spam filters count it against the mail; use a domain of the \
                     gateway's own, such as dtr.essex.gov.uk",
                    gateway.outgoing.message_id_domain
                ),
            );
        }
    }
    for authority in authorities {
        let watched = gateway
            .mailboxes
            .iter()
            .any(|m| m.authority == authority.code && m.source != Source::None);
        if !watched {
            problems.warn(
                authorities_file,
                format!("authority[{}]", authority.name),
                format!(
                    "no mailbox watches {}'s inbox ({}): its referrals are not read; add a \
                     [[mailbox]] with authority = \"{}\" to gateway.toml",
                    authority.name, authority.inbox, authority.code
                ),
            );
        }
    }
}

/// A domain one or two keystrokes from one of the authority's own (and not
/// one of them): `colchster.gov.uk` beside `colchester.gov.uk`.
pub(super) fn misspelling_of(domain: &str, authority: &Authority) -> Option<String> {
    if authority.domains.iter().any(|d| d == domain) {
        return None;
    }
    let mut own: Vec<String> = authority.domains.clone();
    own.push(authority.inbox.domain());
    own.into_iter().filter(|d| d != domain).find(|d| {
        let distance = edit_distance(d, domain);
        (1..=2).contains(&distance) && d.len() >= 6
    })
}

fn misspelt_address(
    file: &str,
    key: &str,
    address: &str,
    authority: &Authority,
    problems: &mut Problems,
) {
    let Some((_, domain)) = address.rsplit_once('@') else {
        return;
    };
    let domain = domain.to_ascii_lowercase();
    if let Some(right) = misspelling_of(&domain, authority) {
        problems.warn(
            file,
            key,
            format!(
                "{address}: {domain} looks like a misspelling of {}'s {right}",
                authority.name
            ),
        );
    }
}

/// The inbox and the next level's address; the contacts are checked with
/// the other warnings about them.
fn misspelt_authority_domains(file: &str, authorities: &[Authority], problems: &mut Problems) {
    for a in authorities {
        let mut addresses: Vec<(&str, &EmailAddress)> = vec![("inbox", &a.inbox)];
        if let Some(next) = &a.next_level {
            addresses.push(("next_level.email", &next.email));
        }
        for (field, address) in addresses {
            misspelt_address(
                file,
                &format!("authority[{}].{field}", a.name),
                &address.to_string(),
                a,
                problems,
            );
        }
    }
}

/// A secret that is not where the configuration says: a file that does not
/// exist is an error (the login will fail); an environment variable not set
/// here is a warning (the service's environment may set it).
fn secret_sources(file: &str, key: &str, credentials: &Credentials, problems: &mut Problems) {
    let mut files: Vec<(&str, &std::path::Path, bool)> = Vec::new();
    match credentials {
        Credentials::PasswordEnv(name) => {
            if std::env::var_os(name).is_none() {
                problems.warn(
                    file,
                    format!("{key}.password_env"),
                    format!(
                        "the environment variable {name} is not set here: the daemon cannot log \
                         in unless its environment sets it (the systemd unit reads \
                         /etc/dtr-gateway/secrets.env)"
                    ),
                );
            }
        }
        Credentials::PasswordFile(path) => files.push(("password_file", path, true)),
        // Another tool may write it after the gateway starts.
        Credentials::TokenFile(path) => files.push(("token_file", path, false)),
        Credentials::TokenCommand(_) => {}
        Credentials::Microsoft(app) => match &app.credential {
            AppCredential::Secret { file: path, .. } => {
                files.push(("microsoft.client_secret_file", path, true))
            }
            AppCredential::Certificate {
                certificate,
                private_key,
            } => {
                files.push(("microsoft.certificate_file", certificate, true));
                if let Some(path) = private_key {
                    files.push(("microsoft.private_key_file", path, true));
                }
            }
        },
        Credentials::Google(account) => {
            files.push(("google.service_account_file", &account.key_file, true))
        }
    }
    for (name, path, required) in files {
        match std::fs::File::open(path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && required => problems.error(
                file,
                format!("{key}.{name}"),
                format!("{} does not exist: the login will fail", path.display()),
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => problems.warn(
                file,
                format!("{key}.{name}"),
                format!("{} does not exist (yet)", path.display()),
            ),
            Err(e) => problems.warn(
                file,
                format!("{key}.{name}"),
                format!(
                    "{} cannot be read here ({e}); the daemon's user must be able to",
                    path.display()
                ),
            ),
        }
    }
}

/// One SMTP account sending as every authority's inbox: fine for a relay
/// of the gateway's own, but Microsoft 365 and Google let an account send
/// only as itself and the mailboxes it has Send As on.
fn send_as(file: &str, key: &str, user: &str, authorities: &[Authority], problems: &mut Problems) {
    let others: Vec<String> = authorities
        .iter()
        .filter(|a| !a.inbox.to_string().eq_ignore_ascii_case(user))
        .map(|a| a.inbox.to_string())
        .collect();
    if others.is_empty() {
        return;
    }
    let shown = if others.len() > 3 {
        format!("{} and {} more", others[..3].join(", "), others.len() - 3)
    } else {
        others.join(", ")
    };
    problems.warn(
        file,
        format!("{key}.username"),
        format!(
            "the gateway logs in as {user} and sends as {} other inbox(es) ({shown}): \
             Microsoft 365 allows it only where {user} has Send As on each \
             (Add-RecipientPermission -Identity INBOX -Trustee {user} -AccessRights SendAs), \
             and never across tenants (give each council's tenant a sending identity of its \
             own: [outgoing.identity.NAME] with authorities = [\"CODE\"]); Google only for \
             the account's own addresses",
            others.len()
        ),
    );
}

/// The Damerau-Levenshtein distance of two strings (optimal string
/// alignment): insertions, deletions, substitutions and swaps of two
/// neighbours, one each.
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_domain_a_keystroke_from_the_authoritys_is_a_misspelling() {
        let authorities = include_str!("../../config/authorities.toml");
        let holidays = include_str!("../../config/bank-holidays.json");
        let gateway = "[gateway]\ndatabase = \"sqlite::memory:\"\n";
        let (config, _) = Config::from_strings(gateway, authorities, holidays).expect("valid");
        let colchester = config.authorities.by_code("COL").expect("Colchester");
        assert_eq!(
            misspelling_of("colchster.gov.uk", colchester).as_deref(),
            Some("colchester.gov.uk")
        );
        assert_eq!(misspelling_of("colchester.gov.uk", colchester), None);
        assert_eq!(misspelling_of("justice.gov.uk", colchester), None);
    }

    #[test]
    fn the_edit_distance_counts_slips_of_the_keyboard() {
        assert_eq!(edit_distance("colchester.gov.uk", "colchester.gov.uk"), 0);
        assert_eq!(edit_distance("colchster.gov.uk", "colchester.gov.uk"), 1);
        assert_eq!(edit_distance("colhcester.gov.uk", "colchester.gov.uk"), 1);
        assert_eq!(edit_distance("basildon.gov.uk", "braintree.gov.uk"), 7);
    }
}
