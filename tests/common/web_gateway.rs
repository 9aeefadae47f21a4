//! The real daemon binary (`dtr-gateway run`) serving the web view, for
//! the web view's tests: officers of Colchester and Harlow and a
//! coordinator sign in with the link the gateway mails them (written as
//! `.eml` files by the files transport); referrals arrive through Maildir
//! folders. Requests are plain HTTP/1.1 over a TcpStream.
#![allow(dead_code)]

use super::wait_for;
use super::web_client::{exchange_with, tls_client, Answer};
use regex::Regex;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tempfile::TempDir;

pub const BIN: &str = env!("CARGO_BIN_EXE_dtr-gateway");
pub const ANN: &str = "ann.officer@lha.test";
pub const HAL: &str = "hal.officer@lha.test";
pub const CORA: &str = "cora.ordinator@lha.test";

/// The daemon with Colchester's and Harlow's inboxes as Maildir folders,
/// Ann an officer of Colchester, Hal of Harlow, Cora a coordinator.
pub struct Gateway {
    pub dir: TempDir,
    pub port: u16,
    pub child: Option<Child>,
    pub tls: bool,
}

impl Gateway {
    pub fn start() -> Gateway {
        Gateway::start_with(false)
    }

    /// With `tls`, the view serves HTTPS with a self-signed certificate
    /// for 127.0.0.1 (`cert.pem` in the folder).
    pub fn start_with(tls: bool) -> Gateway {
        Gateway::start_configured(tls, "")
    }

    /// With `web`, more lines of `[web]`.
    pub fn start_configured(tls: bool, more: &str) -> Gateway {
        Gateway::start_renaming(tls, more, &[])
    }

    /// With authorities renamed: `(name, new name)`.
    pub fn start_renaming(tls: bool, more: &str, renamed: &[(&str, &str)]) -> Gateway {
        let dir = TempDir::new().expect("temp dir");
        let port = super::free_port();
        let web = if tls {
            let status = Command::new("openssl")
                .args([
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                ])
                .args(["-subj", "/CN=127.0.0.1"])
                .args(["-addext", "subjectAltName=IP:127.0.0.1"])
                .args(["-addext", "basicConstraints=critical,CA:FALSE"])
                .arg("-keyout")
                .arg(dir.path().join("key.pem"))
                .arg("-out")
                .arg(dir.path().join("cert.pem"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("openssl");
            assert!(status.success(), "openssl req failed");
            format!(
                "public_url = \"https://127.0.0.1:{port}\"\ntls_certificate = \"{}\"\ntls_key = \"{}\"\n",
                dir.path().join("cert.pem").display(),
                dir.path().join("key.pem").display()
            )
        } else {
            format!("public_url = \"http://127.0.0.1:{port}\"\n")
        };
        let database = format!("sqlite:{}", dir.path().join("gateway.db").display());
        let mut mailboxes = String::new();
        for (user, code) in [("colchester", "COL"), ("harlow", "HAR")] {
            let maildir = dir.path().join("maildir").join(user);
            for sub in ["new", "cur", "tmp"] {
                std::fs::create_dir_all(maildir.join(sub)).expect("maildir");
            }
            mailboxes.push_str(&format!(
                "[[mailbox]]\nname = \"{user}\"\nauthority = \"{code}\"\nmaildir = \"{}\"\n\n",
                maildir.display()
            ));
        }
        let gateway = format!(
            "[gateway]\ndatabase = \"{database}\"\n\n\
             [outgoing]\ntransport = \"files\"\nfolder = \"{outbox}\"\n\n\
             [referrers]\nallowed_domains = [\"justice.test\"]\n\n\
             [web]\nlisten = \"127.0.0.1:{port}\"\n{web}{more}\
             coordinators = [\"{CORA}\"]\n\n{mailboxes}",
            outbox = dir.path().join("outbox").display(),
        );
        std::fs::write(dir.path().join("gateway.toml"), gateway).expect("gateway.toml");
        let mut authorities = super::authorities_toml();
        for (name, new_name) in renamed {
            authorities = authorities.replace(
                &format!("name = \"{name}\"\n"),
                &format!("name = \"{new_name}\"\n"),
            );
        }
        let authorities = authorities
            .replace(
                "inbox = \"colchester@lha.test\"\n",
                &format!("inbox = \"colchester@lha.test\"\nofficers = [\"{ANN}\"]\n"),
            )
            .replace(
                "inbox = \"harlow@lha.test\"\n",
                &format!("inbox = \"harlow@lha.test\"\nofficers = [\"{HAL}\"]\n"),
            );
        std::fs::write(dir.path().join("authorities.toml"), authorities).expect("authorities");
        let mut gateway = Gateway {
            dir,
            port,
            child: None,
            tls,
        };
        gateway.run_daemon();
        gateway
    }

    /// Starts the daemon on the folder's configuration and waits for the
    /// view to answer.
    pub fn run_daemon(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("daemon.log"))
            .expect("log");
        let child = Command::new(BIN)
            .args(["run", "--config"])
            .arg(self.dir.path())
            .env("RUST_LOG", "info")
            .env_remove("DTR_DATABASE_URL")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start dtr-gateway run");
        self.child = Some(child);
        wait_for(Duration::from_secs(30), || {
            self.request("GET", "/", None, None)
        })
        .unwrap_or_else(|| panic!("the web view never answered:\n{}", self.log()));
    }

    /// Stops the daemon, changes `authorities.toml` with `change`, and
    /// starts it again.
    pub fn restart_with_authorities(&mut self, change: impl FnOnce(String) -> String) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let path = self.dir.path().join("authorities.toml");
        let text = std::fs::read_to_string(&path).expect("authorities.toml");
        std::fs::write(&path, change(text)).expect("authorities.toml");
        self.run_daemon();
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("daemon.log")).unwrap_or_default()
    }

    /// Runs the command line on this gateway's configuration folder:
    /// whether it succeeded, and what it printed.
    pub fn cli(&self, args: &[&str]) -> (bool, String) {
        let config = self.dir.path().display().to_string();
        let mut all = vec!["--config", config.as_str()];
        all.extend_from_slice(args);
        super::gateway_cli(&self.database(), &all)
    }

    pub fn database(&self) -> String {
        format!("sqlite:{}", self.dir.path().join("gateway.db").display())
    }

    /// A referral into an authority's inbox; its case reference once
    /// recorded.
    pub fn refer(&self, user: &str, n: u32) -> String {
        self.refer_edited(user, n, |raw| raw)
    }

    /// A referral as [`Gateway::refer`] sends it, its text first changed
    /// by `edit`; its case reference once recorded.
    pub fn refer_edited(&self, user: &str, n: u32, edit: impl FnOnce(String) -> String) -> String {
        let raw = super::referral(
            &format!("web-{user}-{n}@justice.test"),
            n,
            &format!("{user}@lha.test"),
        );
        let raw = edit(String::from_utf8(raw).expect("a referral in UTF-8"));
        self.deliver(user, &format!("{n}.eml"), raw.as_bytes());
        let database = self.database();
        wait_for(Duration::from_secs(30), || {
            let (ok, out) = super::gateway_cli(
                &database,
                &["cases", "--search", &format!("Test Person{n}")],
            );
            let reference = Regex::new(r"DTR-[A-Z]{3}-\d{4}-\d{5}").expect("regex");
            ok.then(|| reference.find(&out).map(|m| m.as_str().to_string()))
                .flatten()
        })
        .unwrap_or_else(|| {
            panic!(
                "referral {n} to {user} never became a case:\n{}",
                self.log()
            )
        })
    }

    /// A message into `user`'s inbox, as file `name`.
    pub fn deliver(&self, user: &str, name: &str, raw: &[u8]) {
        let maildir = self.dir.path().join("maildir").join(user);
        std::fs::write(maildir.join("tmp").join(name), raw).expect("write");
        std::fs::rename(
            maildir.join("tmp").join(name),
            maildir.join("new").join(name),
        )
        .expect("deliver");
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        cookie: Option<&str>,
        form: Option<&str>,
    ) -> Option<Answer> {
        self.request_with(method, path, cookie, form, "")
    }

    pub fn request_with(
        &self,
        method: &str,
        path: &str,
        cookie: Option<&str>,
        form: Option<&str>,
        extra: &str,
    ) -> Option<Answer> {
        let address = SocketAddr::from(([127, 0, 0, 1], self.port));
        let stream = TcpStream::connect_timeout(&address, Duration::from_secs(2)).ok()?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .ok()?;
        if !self.tls {
            return exchange_with(stream, method, path, cookie, form, extra);
        }
        let config = tls_client(&self.dir.path().join("cert.pem"));
        let name = tokio_rustls::rustls::pki_types::ServerName::try_from("127.0.0.1").ok()?;
        let connection = tokio_rustls::rustls::ClientConnection::new(config, name).ok()?;
        exchange_with(
            tokio_rustls::rustls::StreamOwned::new(connection, stream),
            method,
            path,
            cookie,
            form,
            extra,
        )
    }

    /// The mails written so far to `to`, their text unfolded.
    pub fn mails_to(&self, to: &str) -> Vec<String> {
        mails_in(&self.dir.path().join("outbox"))
            .into_iter()
            .filter(|m| m.contains(&format!("To: {to}")))
            .collect()
    }

    /// Asks for a link for `address` and follows it to a session cookie.
    pub fn sign_in(&self, address: &str) -> String {
        self.sign_in_with(address, "")
    }

    /// Signs in as [`Gateway::sign_in`] does, the proxy naming `client`.
    pub fn sign_in_from(&self, address: &str, client: &str) -> String {
        self.sign_in_with(address, &format!("X-Forwarded-For: {client}\r\n"))
    }

    pub fn sign_in_with(&self, address: &str, extra: &str) -> String {
        let before = self.mails_to(address).len();
        let answer = self
            .request_with(
                "POST",
                "/sign-in",
                None,
                Some(&format!("email={}", address.replace('@', "%40"))),
                extra,
            )
            .expect("an answer");
        assert_eq!(answer.status, 200, "{}", answer.body);
        let token = wait_for(Duration::from_secs(20), || {
            let mails = self.mails_to(address);
            (mails.len() > before).then(|| token_in(mails.last().expect("a mail")))
        })
        .unwrap_or_else(|| panic!("no link mailed to {address}:\n{}", self.log()));
        let redeemed = self
            .request("POST", &format!("/sign-in/{token}"), None, Some(""))
            .expect("an answer");
        assert_eq!(redeemed.status, 303, "{}", redeemed.body);
        session_of(&redeemed)
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub fn mails_in(folder: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "eml"));
    files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    files
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        // Quoted-printable soft line breaks joined.
        .map(|m| m.replace("=\r\n", "").replace("=\n", ""))
        .collect()
}

pub fn token_in(mail: &str) -> String {
    Regex::new(r"/sign-in/([0-9a-f]{64})")
        .expect("regex")
        .captures(mail)
        .map(|c| c[1].to_string())
        .unwrap_or_else(|| panic!("no link in the mail:\n{mail}"))
}

pub fn session_of(answer: &Answer) -> String {
    let cookie = answer
        .header("set-cookie")
        .unwrap_or_else(|| panic!("no cookie: {:?}", answer.headers));
    cookie
        .split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map(|(_, v)| v.to_string())
        .expect("a cookie value")
}

pub fn csrf_of(page: &str) -> String {
    Regex::new(r#"name="csrf" value="([0-9a-f]{64})""#)
        .expect("regex")
        .captures(page)
        .map(|c| c[1].to_string())
        .unwrap_or_else(|| panic!("no CSRF token on the page:\n{page}"))
}

impl Gateway {
    /// Asks for a link for `address`, saying `X-Forwarded-For: forwarded`
    /// when given; the status.
    pub fn ask_link(&self, address: &str, forwarded: Option<&str>) -> u16 {
        let extra = forwarded.map_or(String::new(), |f| format!("X-Forwarded-For: {f}\r\n"));
        self.ask_link_with(address, &extra).status
    }

    /// Asks for a link for `address` with `extra` header lines (a proxy's
    /// `X-Forwarded-For`, a browser's `Cookie`); the answer.
    pub fn ask_link_with(&self, address: &str, extra: &str) -> Answer {
        self.request_with(
            "POST",
            "/sign-in",
            None,
            Some(&format!("email={}", address.replace('@', "%40"))),
            extra,
        )
        .expect("an answer")
    }
}

impl Gateway {
    /// The page a browser lands on after signing out (`out`, the answer to
    /// the form), sending back the cookie that answer set to say so.
    pub fn after_sign_out(&self, out: &Answer) -> Answer {
        let location = out.header("location").expect("a location");
        let cookie = out
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .filter_map(|(_, v)| v.split(';').next())
            .find(|c| c.contains("dtr_signed_out="))
            .map(|c| format!("Cookie: {c}\r\n"))
            .unwrap_or_default();
        self.request_with("GET", location, None, None, &cookie)
            .unwrap_or_else(|| panic!("no answer to GET {location}:\n{}", self.log()))
    }

    /// `GET path` with the session `cookie`.
    pub fn get(&self, path: &str, cookie: &str) -> Answer {
        self.request("GET", path, Some(cookie), None)
            .unwrap_or_else(|| panic!("no answer to GET {path}:\n{}", self.log()))
    }

    /// `POST path` of the urlencoded `form` with the session `cookie`.
    pub fn post_form(&self, path: &str, cookie: &str, form: &str) -> Answer {
        self.request("POST", path, Some(cookie), Some(form))
            .unwrap_or_else(|| panic!("no answer to POST {path}:\n{}", self.log()))
    }

    /// The number of the first message waiting in the reader's quarantine
    /// (waiting up to 30 seconds for one to be set aside).
    pub fn quarantined_id(&self, cookie: &str) -> String {
        let dismiss = Regex::new(r#"/quarantine/(\d+)/dismiss"#).expect("regex");
        wait_for(Duration::from_secs(30), || {
            let page = self.request("GET", "/quarantine", Some(cookie), None)?;
            dismiss.captures(&page.body).map(|c| c[1].to_string())
        })
        .unwrap_or_else(|| panic!("nothing in the quarantine:\n{}", self.log()))
    }
}
