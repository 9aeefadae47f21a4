//! Microsoft 365 and Google sign-in, end to end on loopback: the real
//! daemon fetches tokens from a stand-in token endpoint that checks each
//! request as Microsoft's v2.0 endpoint (or Google's) documents it, logs
//! in to the real Dovecot with XOAUTH2 (Dovecot asks the same stand-in
//! whether the token is good) and sends through the real Postfix, which
//! takes XOAUTH2 through Dovecot's SASL. The tests share the mail servers
//! and the stand-in's port, so they take turns.

mod common;

use common::free_port;

use common::daemon::Daemon;
use common::identity::{identity, App, ServiceAccount, MICROSOFT_SCOPE};
use common::{mail_servers, referral};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::sync::Mutex;

static SERIAL: Mutex<()> = Mutex::const_new(());

/// Runs openssl; panics with its error when it fails.
fn openssl(args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A self-signed certificate valid for `days`, with its key in the same
/// PEM file (as an administrator exports one); its DER.
fn certificate(dir: &Path, days: u32) -> (PathBuf, Vec<u8>) {
    let key = dir.join("app.key");
    let cert = dir.join("app.crt");
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-sha256",
        "-keyout",
        &key.display().to_string(),
        "-out",
        &cert.display().to_string(),
        "-days",
        &days.to_string(),
        "-subj",
        "/CN=dtr-gateway test app",
    ]);
    let der = dir.join("app.der");
    openssl(&[
        "x509",
        "-in",
        &cert.display().to_string(),
        "-outform",
        "DER",
        "-out",
        &der.display().to_string(),
    ]);
    let pem = dir.join("app.pem");
    let both = std::fs::read_to_string(&cert).expect("cert")
        + &std::fs::read_to_string(&key).expect("key");
    std::fs::write(&pem, both).expect("write");
    (pem, std::fs::read(der).expect("der"))
}

struct Gateway {
    dir: TempDir,
    config: PathBuf,
    http_port: u16,
}

/// A configuration watching `user`'s inbox with `credentials` (a TOML
/// table's lines, under `[mailbox.imap.KIND]`) and sending through
/// Postfix with the same.
fn gateway(dir: TempDir, user: &str, kind: &str, credentials: &str) -> Gateway {
    let servers = mail_servers();
    let http_port = free_port();
    let ca = servers.get("DTR_MAIL_CA");
    let database = dir.path().join("cases.db");
    let code = common::AUTHORITIES
        .iter()
        .find(|(u, _, _)| *u == user)
        .map(|(_, c, _)| *c)
        .expect("a test authority");
    let gateway = format!(
        "[gateway]\ndatabase = \"sqlite:{}\"\n\n\
         [outgoing]\ntransport = \"smtp\"\nmessage_id_domain = \"dtr.lha.test\"\n\
         [outgoing.smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"starttls\"\nca_file = \"{ca}\"\n\
         username = \"{user}\"\n[outgoing.smtp.{kind}]\n{credentials}\n\n\
         [referrers]\nallowed_domains = [\"justice.test\"]\n\n\
         [http]\nlisten = \"127.0.0.1:{http_port}\"\n\n\
         [[mailbox]]\nname = \"{user}\"\nauthority = \"{code}\"\ntrust_unauthenticated = true\n\
         [mailbox.imap]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"implicit\"\nca_file = \"{ca}\"\n\
         username = \"{user}\"\n[mailbox.imap.{kind}]\n{credentials}\n",
        database.display(),
        servers.port("DTR_SMTP_PORT"),
        servers.port("DTR_IMAPS_PORT"),
    );
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(config.join("gateway.toml"), gateway).expect("write");
    std::fs::write(config.join("authorities.toml"), common::authorities_toml()).expect("write");
    Gateway {
        dir,
        config,
        http_port,
    }
}

impl Gateway {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_dtr-gateway"));
        command
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .current_dir(self.dir.path())
            .env("RUST_LOG", "info");
        command
    }

    fn run(&self, args: &[&str]) -> String {
        let out = self.command(args).output().expect("run");
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
    }

    /// Starts the daemon and waits until it runs: until then its store may
    /// be being created, and another command opening it at that moment
    /// would find it locked.
    /// `dtr-gateway run`, once it says it is running.
    fn daemon(&self) -> Daemon {
        let daemon = Daemon::spawn(self.command(&["run"]), self.dir.path().join("daemon.log"));
        let started = Instant::now();
        while !daemon.log().contains("dtr-gateway running") {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the daemon did not start:\n{}",
                daemon.tail()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        daemon
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("daemon.log")).unwrap_or_default()
    }

    /// The `status` line of a mailbox's inbox.
    fn inbox_status(&self, user: &str) -> String {
        self.run(&["status"])
            .lines()
            .find(|l| l.starts_with(user) && l.contains("INBOX"))
            .unwrap_or_default()
            .to_string()
    }

    async fn wait_for(&self, limit: Duration, what: &str, mut check: impl FnMut(&Self) -> bool) {
        let started = Instant::now();
        while started.elapsed() < limit {
            if check(self) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!(
            "{what}: not within {limit:?}\nstatus:\n{}\nlog:\n{}",
            self.run(&["status"]),
            self.log()
        );
    }

    fn health(&self) -> String {
        use std::io::{Read, Write};
        let mut stream =
            std::net::TcpStream::connect(("127.0.0.1", self.http_port)).expect("connect");
        write!(
            stream,
            "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .expect("write");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        answer
    }
}

fn postfix_log() -> String {
    let dir = mail_servers().get("DTR_MAIL_DIR");
    std::fs::read_to_string(Path::new(dir).join("log/postfix.log")).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_secret_signs_in_to_imap_and_smtp_and_its_expiry_is_warned_of() {
    let _turn = SERIAL.lock().await;
    let servers = mail_servers();
    let idp = identity();
    servers.reset("colchester");
    servers.reset("referrer");
    idp.register(
        "colchester-tenant",
        App {
            client_id: "11111111-2222-3333-4444-555555555555".into(),
            secret: Some("s3cret~Value-Colchester".into()),
            certificate: None,
            mailbox: "colchester".into(),
        },
    );
    let dir = TempDir::new().expect("temp dir");
    let secret = dir.path().join("client-secret");
    std::fs::write(&secret, "s3cret~Value-Colchester\n").expect("write");
    let expires = (chrono::Utc::now() + chrono::Duration::days(10)).date_naive();
    let gw = gateway(
        dir,
        "colchester",
        "microsoft",
        &format!(
            "tenant = \"colchester-tenant\"\nclient_id = \"11111111-2222-3333-4444-555555555555\"\n\
             client_secret_file = \"{}\"\nclient_secret_expires = {expires}\ntoken_url = \"{}\"",
            secret.display(),
            idp.token_url("colchester-tenant")
        ),
    );
    let daemon = gw.daemon();
    gw.wait_for(Duration::from_secs(30), "colchester idle", |g| {
        g.inbox_status("colchester").contains(" idle ")
    })
    .await;
    // The token request was Microsoft's, field for field.
    {
        let p = idp.lock();
        let (_, fields, status) = p
            .requests
            .iter()
            .find(|(t, _, _)| t == "colchester-tenant")
            .expect("a token request");
        assert_eq!(*status, 200, "{fields:?}");
        let mut names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        names.sort();
        assert_eq!(names, ["client_id", "client_secret", "grant_type", "scope"]);
        assert!(fields.contains(&("grant_type".into(), "client_credentials".into())));
        assert!(fields.contains(&("scope".into(), MICROSOFT_SCOPE.into())));
    }
    assert!(idp.logins("colchester").1 >= 1, "Dovecot never asked");

    // A referral comes in; its acknowledgement leaves through Postfix,
    // logged in with the same kind of token.
    servers.send(
        "referrer@justice.test",
        "colchester@lha.test",
        &referral("oauth-1@justice.test", 1, "colchester@lha.test"),
    );
    let started = Instant::now();
    while common::mailbox_count("referrer", "INBOX") == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no acknowledgement arrived\n{}\n{}",
            gw.run(&["outbox"]),
            gw.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        postfix_log().contains("sasl_method=XOAUTH2, sasl_username=colchester"),
        "Postfix did not log an XOAUTH2 login"
    );
    let status = gw.run(&["status"]);
    assert!(
        status.contains("mailbox colchester: the client secret in")
            && status.contains("expires in 10 days")
            && status.contains("outgoing mail: the client secret in"),
        "{status}"
    );
    daemon.terminate().await;
    let log = gw.log();
    assert!(log.contains("expires in 10 days"), "{log}");
    assert!(
        !log.contains("s3cret~Value-Colchester"),
        "the secret was logged"
    );
    assert!(!log.contains("test-token-"), "a token was logged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_signs_in_and_tokens_are_renewed_before_they_expire() {
    let _turn = SERIAL.lock().await;
    let servers = mail_servers();
    let idp = identity();
    servers.reset("maldon");
    let dir = TempDir::new().expect("temp dir");
    let (pem, der) = certificate(dir.path(), 20);
    idp.register(
        "maldon-tenant",
        App {
            client_id: "aaaaaaaa-0000-0000-0000-000000000001".into(),
            secret: None,
            certificate: Some(der),
            mailbox: "maldon".into(),
        },
    );
    // Tokens that live 15 seconds: renewed about 3 seconds before the end.
    idp.set_lifetime("maldon-tenant", 15);
    let gw = gateway(
        dir,
        "maldon",
        "microsoft",
        &format!(
            "tenant = \"maldon-tenant\"\nclient_id = \"aaaaaaaa-0000-0000-0000-000000000001\"\n\
             certificate_file = \"{}\"\ntoken_url = \"{}\"",
            pem.display(),
            idp.token_url("maldon-tenant")
        ),
    );
    let daemon = gw.daemon();
    gw.wait_for(Duration::from_secs(30), "maldon idle", |g| {
        g.inbox_status("maldon").contains(" idle ")
    })
    .await;
    let first = Instant::now();
    // Two renewals: each a new token and a new login, each before the
    // token in use expired, and the folder never failing.
    // Two 15-second tokens take about 25 s; a busy machine adds to it.
    // What shows each was renewed in time is below: no login with an
    // expired token, the folder never failing.
    gw.wait_for(Duration::from_secs(60), "two renewals", |_| {
        idp.issued("maldon") >= 3 && idp.logins("maldon").1 >= 3
    })
    .await;
    assert!(first.elapsed() < Duration::from_secs(60));
    let (asked, good) = idp.logins("maldon");
    assert_eq!(asked, good, "a login used an expired token");
    let line = gw.inbox_status("maldon");
    assert!(!line.contains("failing"), "{line}");
    let log = gw.log();
    assert!(log.contains("signing in again with a new one"), "{log}");
    assert!(!log.contains("mailbox failed"), "{log}");
    let status = gw.run(&["status"]);
    assert!(
        status.contains("mailbox maldon: the certificate in") && status.contains("expires in"),
        "{status}"
    );
    daemon.terminate().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_is_fetched_again_once() {
    let _turn = SERIAL.lock().await;
    let servers = mail_servers();
    let idp = identity();
    servers.reset("harlow");
    idp.register(
        "harlow-tenant",
        App {
            client_id: "bbbbbbbb-0000-0000-0000-000000000002".into(),
            secret: Some("harlow-secret".into()),
            certificate: None,
            mailbox: "harlow".into(),
        },
    );
    let dir = TempDir::new().expect("temp dir");
    let secret = dir.path().join("client-secret");
    std::fs::write(&secret, "harlow-secret").expect("write");
    let gw = gateway(
        dir,
        "harlow",
        "microsoft",
        &format!(
            "tenant = \"harlow-tenant\"\nclient_id = \"bbbbbbbb-0000-0000-0000-000000000002\"\n\
             client_secret_file = \"{}\"\ntoken_url = \"{}\"",
            secret.display(),
            idp.token_url("harlow-tenant")
        ),
    );
    let daemon = gw.daemon();
    gw.wait_for(Duration::from_secs(30), "harlow idle", |g| {
        g.inbox_status("harlow").contains(" idle ")
    })
    .await;
    assert_eq!(idp.issued("harlow"), 1);
    // The token is revoked and the session ended: the kept token is
    // refused, a new one fetched, and the folder read again.
    idp.revoke("harlow");
    servers.doveadm(&["kick", "harlow"]);
    gw.wait_for(Duration::from_secs(30), "a second token", |_| {
        idp.issued("harlow") == 2 && idp.logins("harlow").1 >= 2
    })
    .await;
    gw.wait_for(Duration::from_secs(30), "harlow idle again", |g| {
        g.inbox_status("harlow").contains(" idle ")
    })
    .await;
    assert!(gw.log().contains("access token refused"), "{}", gw.log());
    daemon.terminate().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_client_secret_shows_in_status_health_and_the_log_with_what_to_do() {
    let _turn = SERIAL.lock().await;
    let idp = identity();
    idp.register(
        "rochford-tenant",
        App {
            client_id: "cccccccc-0000-0000-0000-000000000003".into(),
            secret: Some("the-right-one".into()),
            certificate: None,
            mailbox: "rochford".into(),
        },
    );
    let dir = TempDir::new().expect("temp dir");
    let secret = dir.path().join("client-secret");
    std::fs::write(&secret, "a-wrong-one").expect("write");
    let gw = gateway(
        dir,
        "rochford",
        "microsoft",
        &format!(
            "tenant = \"rochford-tenant\"\nclient_id = \"cccccccc-0000-0000-0000-000000000003\"\n\
             client_secret_file = \"{}\"\ntoken_url = \"{}\"",
            secret.display(),
            idp.token_url("rochford-tenant")
        ),
    );
    let daemon = gw.daemon();
    let said = "Microsoft refused the sign-in (invalid_client: AADSTS7000215: Invalid client secret provided.";
    gw.wait_for(Duration::from_secs(30), "the refusal in status", |g| {
        g.inbox_status("rochford").contains(said)
    })
    .await;
    let line = gw.inbox_status("rochford");
    assert!(line.contains("the client secret is wrong"), "{line}");
    assert!(!line.contains("Trace ID"), "{line}");
    let health = gw.health();
    assert!(health.contains("AADSTS7000215"), "{health}");
    assert!(gw.log().contains("AADSTS7000215"), "{}", gw.log());
    assert!(!gw.log().contains("a-wrong-one"), "the secret was logged");
    daemon.terminate().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_google_service_account_signs_in_as_the_mailbox() {
    let _turn = SERIAL.lock().await;
    let servers = mail_servers();
    let idp = identity();
    servers.reset("tendring");
    let dir = TempDir::new().expect("temp dir");
    let key = dir.path().join("sa.pem");
    openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        &key.display().to_string(),
    ]);
    let public = dir.path().join("sa.pub");
    openssl(&[
        "rsa",
        "-in",
        &key.display().to_string(),
        "-RSAPublicKey_out",
        "-outform",
        "DER",
        "-out",
        &public.display().to_string(),
    ]);
    let email = "dtr-gateway@council-test.iam.gserviceaccount.com";
    idp.register_account(
        email,
        ServiceAccount {
            public_key: std::fs::read(&public).expect("public key"),
            subjects: vec!["tendring".into()],
        },
    );
    let key_file = dir.path().join("service-account.json");
    let json = serde_json::json!({
        "type": "service_account",
        "client_email": email,
        "private_key_id": "k1",
        "private_key": std::fs::read_to_string(&key).expect("key"),
        "token_uri": idp.google_url(),
    });
    std::fs::write(&key_file, json.to_string()).expect("write");
    let gw = gateway(
        dir,
        "tendring",
        "google",
        &format!("service_account_file = \"{}\"", key_file.display()),
    );
    let daemon = gw.daemon();
    gw.wait_for(Duration::from_secs(30), "tendring idle", |g| {
        g.inbox_status("tendring").contains(" idle ")
    })
    .await;
    assert!(idp.logins("tendring").1 >= 1);
    daemon.terminate().await;
}
