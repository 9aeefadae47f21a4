//! The web view end to end through the real mail servers: a referral comes
//! into Colchester's inbox on Dovecot through Postfix, an officer asks for a
//! link, the link arrives in the officer's own Dovecot mailbox through
//! Postfix, and following it shows the authority's case. Run under the
//! mail servers' lock (`flock /tmp/dtr-mailservers.lock`).

mod common;

use common::wait_for;

use common::web_client::{exchange, Answer};
use regex::Regex;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_dtr-gateway");
/// A person at the test authority domain with a mailbox of their own.
const OFFICER: &str = "head@lha.test";

fn request(
    port: u16,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    form: Option<&str>,
) -> Option<Answer> {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let stream = TcpStream::connect_timeout(&address, Duration::from_secs(2)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    exchange(stream, method, path, cookie, form)
}

#[test]
fn an_officer_signs_in_with_a_link_delivered_by_postfix_to_dovecot() {
    let servers = common::mail_servers();
    for user in ["colchester", "head"] {
        servers.reset(user);
    }
    let dir = TempDir::new().expect("temp dir");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let database = format!("sqlite:{}", dir.path().join("gateway.db").display());
    common::write_config_sending(
        dir.path(),
        &database,
        &["colchester"],
        "",
        Some(&common::smtp_outgoing(100)),
    );
    let gateway_toml = dir.path().join("gateway.toml");
    let mut gateway = std::fs::read_to_string(&gateway_toml).expect("gateway.toml");
    gateway = gateway.replacen(
        "[referrers]",
        &format!("[web]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\n\n[referrers]"),
        1,
    );
    std::fs::write(&gateway_toml, gateway).expect("gateway.toml");
    let authorities_toml = dir.path().join("authorities.toml");
    let authorities = std::fs::read_to_string(&authorities_toml)
        .expect("authorities.toml")
        .replace(
            "inbox = \"colchester@lha.test\"\n",
            &format!("inbox = \"colchester@lha.test\"\nofficers = [\"{OFFICER}\"]\n"),
        );
    std::fs::write(&authorities_toml, authorities).expect("authorities.toml");
    let log = std::fs::File::create(dir.path().join("daemon.log")).expect("log");
    let mut child = Command::new(BIN)
        .args(["run", "--config"])
        .arg(dir.path())
        .env("RUST_LOG", "info")
        .env_remove("DTR_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start dtr-gateway run");
    let daemon_log = || std::fs::read_to_string(dir.path().join("daemon.log")).unwrap_or_default();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wait_for(Duration::from_secs(30), || {
            request(port, "GET", "/", None, None)
        })
        .unwrap_or_else(|| panic!("the web view never answered:\n{}", daemon_log()));
        servers.send(
            "referrer@justice.test",
            "colchester@lha.test",
            &common::referral("web-e2e-1@justice.test", 41, "colchester@lha.test"),
        );
        let reference = Regex::new(r"DTR-COL-\d{4}-\d{5}").expect("regex");
        let case = wait_for(Duration::from_secs(60), || {
            let (ok, out) = common::gateway_cli(&database, &["cases", "--search", "Test Person41"]);
            ok.then(|| reference.find(&out).map(|m| m.as_str().to_string()))
                .flatten()
        })
        .unwrap_or_else(|| panic!("no case:\n{}", daemon_log()));

        let asked = request(
            port,
            "POST",
            "/sign-in",
            None,
            Some(&format!("email={}", OFFICER.replace('@', "%40"))),
        )
        .expect("an answer");
        assert_eq!(asked.status, 200);
        let link = Regex::new(r"/sign-in/([0-9a-f]{64})").expect("regex");
        let token = wait_for(Duration::from_secs(60), || {
            common::messages("head", "INBOX").iter().find_map(|m| {
                let unfolded = m.replace("=\r\n", "").replace("=\n", "");
                link.captures(&unfolded).map(|c| c[1].to_string())
            })
        })
        .unwrap_or_else(|| panic!("no link in the officer's mailbox:\n{}", daemon_log()));
        let redeemed =
            request(port, "POST", &format!("/sign-in/{token}"), None, Some("")).expect("an answer");
        assert_eq!(redeemed.status, 303, "{}", redeemed.body);
        let cookie = redeemed
            .header("set-cookie")
            .and_then(|c| c.split(';').next())
            .and_then(|c| c.split_once('='))
            .map(|(_, v)| v.to_string())
            .expect("a session");
        let cases = request(port, "GET", "/cases", Some(&cookie), None).expect("an answer");
        assert_eq!(cases.status, 200);
        assert!(cases.body.contains(&case), "{}", cases.body);
        let one = request(port, "GET", &format!("/cases/{case}"), Some(&cookie), None)
            .expect("an answer");
        assert!(one.body.contains("Test Person41"), "{}", one.body);
        // Nothing of it went to the shared inbox.
        assert!(common::messages("colchester", "INBOX")
            .iter()
            .all(|m| !m.contains("/sign-in/")));
    }));
    let _ = child.kill();
    let _ = child.wait();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
