//! `dtr-gateway check-config` through the real binary: every problem of
//! every file in one run, each with its file, line and key, entries named;
//! and each of its checks.

use std::path::Path;
use std::process::Command;
use tempfile::TempDir;

const AUTHORITIES: &str = r#"
[[authority]]
name = "Colchester"
code = "COL"
inbox = "dtr@colchester.gov.uk"
domains = ["colchester.gov.uk"]
operational_lead = { name = "Lead", email = "lead@colchster.gov.uk" }
dispute_contact = { name = "Head", email = "head@colchester.gov.uk" }

[[authority]]
name = "Harlow"
code = "HAR"
inbox = "dtr@harlow.gov.uk"
domains = ["harlow.gov.uk"]
operational_lead = { name = "Lead", email = "lead@harlow.gov.uk" }
dispute_contact = { name = "Head", email = "head@harlow.gov.uk" }
"#;

fn gateway_toml(dir: &Path, extra: &str) -> String {
    format!(
        "[gateway]\ndatabase = \"sqlite:{}/cases.db\"\n\n[referrers]\nallowed_domains = [\"*.gov.uk\"]\n\n\
         [outgoing]\ntransport = \"files\"\nfolder = \"{}/outbox\"\n\n\
         [[mailbox]]\nname = \"colchester\"\nauthority = \"COL\"\nmaildir = \"{}/maildir\"\n\n\
         [[mailbox]]\nname = \"harlow\"\nauthority = \"HAR\"\nmaildir = \"{}/maildir-h\"\n{extra}",
        dir.display(),
        dir.display(),
        dir.display(),
        dir.display()
    )
}

/// Writes the files and runs check-config: success, and what it printed.
fn check(dir: &TempDir, gateway: &str, authorities: &str) -> (bool, String) {
    std::fs::write(dir.path().join("gateway.toml"), gateway).expect("write");
    std::fs::write(dir.path().join("authorities.toml"), authorities).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_dtr-gateway"))
        .args(["check-config", "--config"])
        .arg(dir.path())
        .env_remove("DTR_UNSET_PASSWORD")
        .output()
        .expect("run");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn a_good_configuration_passes() {
    let dir = TempDir::new().expect("temp dir");
    let (ok, text) = check(&dir, &gateway_toml(dir.path(), ""), AUTHORITIES);
    assert!(ok, "{text}");
    assert!(text.contains("no errors"), "{text}");
}

#[test]
fn every_file_s_errors_and_the_warnings_come_in_one_run() {
    let dir = TempDir::new().expect("temp dir");
    // gateway.toml: an unknown key in [gateway], a bad time in [deadlines]
    // and a wrong TLS mode in a mailbox, all three reported.
    let gateway = gateway_toml(dir.path(), "")
        .replace(
            "[gateway]\n",
            "[gateway]\nprotocl = \"essex\"\n",
        )
        .replace(
            "[referrers]",
            "[deadlines]\nsend_from = \"nine\"\n\n[referrers]",
        )
        + "\n[[mailbox]]\nname = \"spare\"\nauthority = \"HAR\"\n[mailbox.imap]\nhost = \"127.0.0.1\"\n\
           username = \"x@harlow.gov.uk\"\ntls = \"maybe\"\npassword_env = \"X\"\n";
    // authorities.toml: Harlow's inbox is not an address; Colchester's lead
    // is at a misspelt domain (a warning).
    let authorities = AUTHORITIES.replace("inbox = \"dtr@harlow.gov.uk\"", "inbox = \"harlow\"");
    std::fs::write(dir.path().join("bank-holidays.json"), "{ not json").expect("write");
    let (ok, text) = check(&dir, &gateway, &authorities);
    assert!(!ok, "{text}");
    let expect = [
        "error: ",
        "gateway.toml:2: gateway.protocl: unknown field `protocl`",
        "deadlines.send_from: `nine` is not a time such as 09:00",
        "mailbox[spare].imap.tls: mailbox `spare`: `maybe` is not one of implicit, starttls, none",
        "authorities.toml:13: authority[Harlow].inbox:",
        "bank-holidays.json: england-and-wales: the bank holidays file is not JSON",
        "warning: ",
        "authority[Colchester].operational_lead.email: Colchester: lead@colchster.gov.uk: colchster.gov.uk looks like a misspelling of Colchester's colchester.gov.uk",
    ];
    for needle in expect {
        assert!(text.contains(needle), "{needle} not in\n{text}");
    }
    // Harlow's broken entry brings no second error for the mailboxes that
    // name it.
    assert!(!text.contains("no authority has the code"), "{text}");
    assert!(text.contains("5 error(s)"), "{text}");
}

#[test]
fn a_syntax_error_is_reported_once() {
    let dir = TempDir::new().expect("temp dir");
    let (ok, text) = check(
        &dir,
        &gateway_toml(dir.path(), ""),
        "[[authority]\nname = \"x\"\n",
    );
    assert!(!ok);
    let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{text}");
    assert!(
        errors[0].contains("authorities.toml: (file): line 1"),
        "{text}"
    );
}

#[test]
fn a_missing_secret_file_is_an_error_and_an_unset_variable_a_warning() {
    let dir = TempDir::new().expect("temp dir");
    let extra = format!(
        "\n[[mailbox]]\nname = \"c2\"\nauthority = \"COL\"\n[mailbox.imap]\nhost = \"127.0.0.1\"\n\
         username = \"dtr@colchester.gov.uk\"\npassword_env = \"DTR_UNSET_PASSWORD\"\n\n\
         [[mailbox]]\nname = \"c3\"\nauthority = \"COL\"\n[mailbox.imap]\nhost = \"127.0.0.1\"\n\
         username = \"dtr@colchester.gov.uk\"\n[mailbox.imap.microsoft]\ntenant = \"colchester.gov.uk\"\n\
         client_id = \"x\"\nclient_secret_file = \"{}/nowhere\"\n",
        dir.path().display()
    );
    let (ok, text) = check(&dir, &gateway_toml(dir.path(), &extra), AUTHORITIES);
    assert!(!ok, "{text}");
    assert!(
        text.contains("mailbox[c3].imap.microsoft.client_secret_file:")
            && text.contains("/nowhere does not exist: the login will fail"),
        "{text}"
    );
    assert!(
        text.contains("warning: ")
            && text.contains("mailbox[c2].imap.password_env: the environment variable DTR_UNSET_PASSWORD is not set here"),
        "{text}"
    );
}

#[test]
fn an_invalid_message_id_domain_with_smtp_and_sending_as_other_inboxes_are_warned_of() {
    let dir = TempDir::new().expect("temp dir");
    let password = dir.path().join("smtp.password");
    std::fs::write(&password, "x").expect("write");
    let gateway = gateway_toml(dir.path(), "")
        .replace(
            "[outgoing]\ntransport = \"files\"",
            &format!(
                "[outgoing]\ntransport = \"smtp\"\nmessage_id_domain = \"dtr-gateway.invalid\"\n\
             [outgoing.smtp]\nhost = \"smtp.office365.com\"\nusername = \"dtr@colchester.gov.uk\"\n\
             password_file = \"{}\"\n[outgoing.x]",
                password.display()
            ),
        )
        .replace("[outgoing.x]\nfolder", "#folder");
    let (ok, text) = check(&dir, &gateway, AUTHORITIES);
    assert!(ok, "{text}");
    assert!(
        text.contains("outgoing.message_id_domain: mail sent through a relay would carry Message-IDs at dtr-gateway.invalid"),
        "{text}"
    );
    assert!(
        text.contains("outgoing.smtp.username: the gateway logs in as dtr@colchester.gov.uk and sends as 1 other inbox(es) (dtr@harlow.gov.uk)")
            && text.contains("Send As"),
        "{text}"
    );
}

#[test]
fn an_authority_no_mailbox_watches_is_warned_of() {
    let dir = TempDir::new().expect("temp dir");
    let gateway = gateway_toml(dir.path(), "").replace(
        &format!("maildir = \"{}/maildir-h\"", dir.path().display()),
        "",
    );
    let (ok, text) = check(&dir, &gateway, AUTHORITIES);
    assert!(ok, "{text}");
    assert!(
        text.contains("authority[Harlow]: no mailbox watches Harlow's inbox (dtr@harlow.gov.uk)"),
        "{text}"
    );
}

#[test]
fn an_officer_address_that_looks_like_a_team_or_list_is_warned_of() {
    let dir = TempDir::new().expect("temp dir");
    let authorities = AUTHORITIES.replacen(
        "domains = [\"colchester.gov.uk\"]\n",
        "domains = [\"colchester.gov.uk\"]\nofficers = [\"housing-team@colchester.gov.uk\", \
         \"ann.smith@colchester.gov.uk\", \"NoReply@colchester.gov.uk\"]\n",
        1,
    );
    let (ok, text) = check(&dir, &gateway_toml(dir.path(), ""), &authorities);
    assert!(ok, "a warning, not an error: {text}");
    let warned: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("warning:") && l.contains("team's or a list's address"))
        .collect();
    assert_eq!(warned.len(), 2, "{text}");
    assert!(warned[0].contains("officers[0]"), "{text}");
    assert!(warned[1].contains("officers[2]"), "{text}");
}

#[test]
fn role_addresses_as_officers_or_coordinators_are_warned_of() {
    let dir = TempDir::new().expect("temp dir");
    let roles = [
        "housingoptions",
        "d2r",
        "dtr.team",
        "office",
        "enquiries",
        "info",
        "admin",
        "duty",
        "Housing.Options",
    ];
    let officers: Vec<String> = roles
        .iter()
        .map(|r| format!("\"{r}@colchester.gov.uk\""))
        .collect();
    let authorities = AUTHORITIES.replacen(
        "domains = [\"colchester.gov.uk\"]\n",
        &format!(
            "domains = [\"colchester.gov.uk\"]\nofficers = [\"ann.smith@colchester.gov.uk\", {}]\n",
            officers.join(", ")
        ),
        1,
    );
    let web = "\n[web]\nlisten = \"127.0.0.1:8080\"\npublic_url = \"https://dtr.essex.gov.uk\"\n\
               trusted_proxies = [\"127.0.0.1\"]\ncoordinators_from = \"COL\"\n\
               coordinators = [\"cora.ordinator@essex.gov.uk\", \"dtr@essex.gov.uk\"]\n";
    let (ok, text) = check(&dir, &gateway_toml(dir.path(), web), &authorities);
    assert!(ok, "warnings, not errors: {text}");
    let warned: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("warning:") && l.contains("team's or a list's address"))
        .collect();
    for i in 1..=roles.len() {
        assert!(
            warned
                .iter()
                .any(|l| l.contains(&format!("officers[{i}]:"))),
            "officers[{i}] ({}) not warned of: {text}",
            roles[i - 1]
        );
    }
    assert!(
        warned.iter().all(|l| !l.contains("officers[0]:")),
        "a named person is not warned of: {text}"
    );
    assert!(
        warned
            .iter()
            .any(|l| l.contains("web.coordinators[1]: dtr@essex.gov.uk")),
        "{text}"
    );
    assert!(
        warned.iter().all(|l| !l.contains("web.coordinators[0]")),
        "{text}"
    );
}

#[test]
fn behind_the_readmes_proxy_without_trusted_proxies_check_config_warns() {
    let dir = TempDir::new().expect("temp dir");
    let web = "\n[web]\nlisten = \"127.0.0.1:8080\"\npublic_url = \"https://dtr.essex.gov.uk\"\n";
    let (ok, text) = check(&dir, &gateway_toml(dir.path(), web), AUTHORITIES);
    assert!(ok, "a warning, not an error: {text}");
    assert!(
        text.lines().any(|l| l.starts_with("warning:")
            && l.contains("web.trusted_proxies")
            && l.contains("trusted_proxies is empty")),
        "{text}"
    );
    let named = format!("{web}trusted_proxies = [\"127.0.0.1\"]\n");
    let (ok, text) = check(&dir, &gateway_toml(dir.path(), &named), AUTHORITIES);
    assert!(ok, "{text}");
    assert!(!text.contains("web.trusted_proxies"), "{text}");
}

#[test]
fn a_public_url_browsers_would_never_name_is_normalised_or_refused() {
    let dir = TempDir::new().expect("temp dir");
    let web = |url: &str| {
        format!(
            "\n[web]\nlisten = \"127.0.0.1:8080\"\npublic_url = \"{url}\"\n\
             trusted_proxies = [\"127.0.0.1\"]\n"
        )
    };
    let (ok, text) = check(
        &dir,
        &gateway_toml(dir.path(), &web("HTTPS://DTR.Essex.gov.uk:443/")),
        AUTHORITIES,
    );
    assert!(ok, "{text}");
    for (url, why) in [
        ("https://user@dtr.essex.gov.uk", "has user info"),
        ("https://dtr.essex.gov.uk?from=mail", "has a query"),
        ("https://dtr.essex.gov.uk#cases", "has a fragment"),
    ] {
        let (ok, text) = check(&dir, &gateway_toml(dir.path(), &web(url)), AUTHORITIES);
        assert!(!ok, "{url}: {text}");
        assert!(
            text.contains(&format!("web.public_url: `{url}` {why}")),
            "{url}: {text}"
        );
    }
}

#[test]
fn a_template_override_that_does_not_compile_is_an_error() {
    let dir = TempDir::new().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("templates")).expect("mkdir");
    std::fs::write(
        dir.path().join("templates/acknowledgement.txt.hbs"),
        "Dear {{#if referrer_name}}{{referrer_name}}\n",
    )
    .expect("write");
    let (ok, text) = check(&dir, &gateway_toml(dir.path(), ""), AUTHORITIES);
    assert!(!ok, "{text}");
    assert!(
        text.contains("error: ") && text.contains("acknowledgement.txt.hbs"),
        "{text}"
    );
}

#[test]
fn an_authority_with_an_error_leaves_the_others_warnings_named_rightly() {
    // Colchester's entry has an error, so it is not read; Harlow's
    // warning must still name Harlow and its own line.
    let dir = TempDir::new().expect("temp dir");
    let authorities = AUTHORITIES
        .replacen(
            "domains = [\"colchester.gov.uk\"]\n",
            "domains = [\"colchester.gov.uk\"]\nofficers = [\"dtr@colchester.gov.uk\"]\n",
            1,
        )
        .replace(
            "dispute_contact = { name = \"Head\", email = \"head@harlow.gov.uk\" }",
            "dispute_contact = { name = \"Lead\", email = \"lead@harlow.gov.uk\" }",
        );
    let (ok, text) = check(&dir, &gateway_toml(dir.path(), ""), &authorities);
    assert!(!ok, "{text}");
    // Harlow's entry starts at its `[[authority]]` line.
    let harlow = authorities
        .lines()
        .position(|l| l.contains("name = \"Harlow\""))
        .expect("Harlow's entry");
    let warning = text
        .lines()
        .find(|l| l.contains("the dispute-resolution contact is the operational lead"))
        .unwrap_or_else(|| panic!("no warning for Harlow: {text}"));
    let at: usize = warning
        .split("authorities.toml:")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no line: {warning}"));
    assert!(
        at >= harlow,
        "line {at} is before Harlow's entry: {warning}"
    );
    assert!(
        warning.contains("authority[Harlow].dispute_contact: Harlow:"),
        "{warning}"
    );
}
