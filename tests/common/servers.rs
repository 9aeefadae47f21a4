//! The two IMAP servers the gateway is tested against: the Dovecot of
//! `scripts/mailservers.sh` (mail delivered through Postfix) and the Cyrus
//! of `scripts/cyrus.sh` (mail put in with IMAP APPEND: it has no delivery
//! from Postfix here). A test written once as `async fn NAME(server:
//! TestServer)` runs against both with [`on_both_servers!`].

use super::{mail_servers, stdout_of};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

/// An IMAP server of the test suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestServer {
    Dovecot,
    Cyrus,
}

/// One test at a time on each server: they share its inboxes, and some
/// stop it.
static DOVECOT_TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
static CYRUS_TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl TestServer {
    pub fn name(self) -> &'static str {
        match self {
            TestServer::Dovecot => "dovecot",
            TestServer::Cyrus => "cyrus",
        }
    }

    /// Waits for this server to be free of other tests of this binary.
    pub async fn turn(self) -> tokio::sync::MutexGuard<'static, ()> {
        match self {
            TestServer::Dovecot => DOVECOT_TURN.lock().await,
            TestServer::Cyrus => CYRUS_TURN.lock().await,
        }
    }

    fn env(self, key: &str) -> String {
        let env = match self {
            TestServer::Dovecot => &mail_servers().env,
            TestServer::Cyrus => &cyrus().env,
        };
        env.get(key)
            .cloned()
            .unwrap_or_else(|| panic!("{key} not in the {} environment", self.name()))
    }

    /// The port for IMAP over TLS.
    pub fn imaps_port(self) -> u16 {
        let key = match self {
            TestServer::Dovecot => "DTR_IMAPS_PORT",
            TestServer::Cyrus => "DTR_CYRUS_IMAPS_PORT",
        };
        self.env(key).parse().expect("port")
    }

    /// The port for plain IMAP and STARTTLS.
    pub fn imap_port(self) -> u16 {
        let key = match self {
            TestServer::Dovecot => "DTR_IMAP_PORT",
            TestServer::Cyrus => "DTR_CYRUS_IMAP_PORT",
        };
        self.env(key).parse().expect("port")
    }

    /// The CA file that signed the server's certificate.
    pub fn ca_file(self) -> String {
        match self {
            TestServer::Dovecot => self.env("DTR_MAIL_CA"),
            TestServer::Cyrus => self.env("DTR_CYRUS_CA"),
        }
    }

    pub fn password(self) -> String {
        self.env("DTR_MAIL_PASSWORD")
    }

    /// Empties a user's inbox.
    pub fn reset(self, user: &str) {
        match self {
            TestServer::Dovecot => mail_servers().reset(user),
            TestServer::Cyrus => cyrus().script(&["reset-mailbox", user]),
        }
    }

    /// Brings a message to `user@lha.test`'s inbox: through Postfix into
    /// Dovecot, or with APPEND into Cyrus.
    pub fn deliver(self, user: &str, raw: &[u8]) {
        match self {
            TestServer::Dovecot => {
                mail_servers().send("referrer@justice.test", &format!("{user}@lha.test"), raw)
            }
            TestServer::Cyrus => self.login(user).append("INBOX", raw),
        }
    }

    /// The flags of every message in a user's inbox, in UID order.
    pub fn flags(self, user: &str) -> Vec<String> {
        match self {
            TestServer::Dovecot => mail_servers().flags(user, "INBOX"),
            TestServer::Cyrus => {
                let mut session = self.login(user);
                session.run("EXAMINE INBOX");
                let mut flags: Vec<(u32, String)> = session
                    .run("UID FETCH 1:* (UID FLAGS)")
                    .iter()
                    .filter_map(|answer| {
                        let uid = item(&answer.text, "UID ")?.parse().ok()?;
                        let flags = item(&answer.text, "FLAGS (")?;
                        Some((uid, flags.to_string()))
                    })
                    .collect();
                flags.sort();
                flags.into_iter().map(|(_, f)| f).collect()
            }
        }
    }

    /// Marks every message of a user's inbox read, as its owner would.
    pub fn mark_all_seen(self, user: &str) {
        match self {
            TestServer::Dovecot => {
                mail_servers().doveadm(&[
                    "flags", "add", "-u", user, "\\Seen", "mailbox", "INBOX", "all",
                ]);
            }
            TestServer::Cyrus => {
                let mut session = self.login(user);
                session.run("SELECT INBOX");
                session.run("UID STORE 1:* +FLAGS.SILENT (\\Seen)");
            }
        }
    }

    /// The UIDVALIDITY of a user's inbox.
    pub fn uid_validity(self, user: &str) -> u32 {
        match self {
            TestServer::Dovecot => {
                let out = mail_servers().doveadm(&[
                    "mailbox",
                    "status",
                    "-u",
                    user,
                    "uidvalidity",
                    "INBOX",
                ]);
                item(&out, "uidvalidity=")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| panic!("doveadm mailbox status: {out}"))
            }
            TestServer::Cyrus => {
                let answers = self.login(user).run("STATUS INBOX (UIDVALIDITY)");
                answers
                    .iter()
                    .find_map(|a| item(&a.text, "UIDVALIDITY ")?.parse().ok())
                    .expect("STATUS UIDVALIDITY")
            }
        }
    }

    /// The server numbers a user's inbox afresh (a new UIDVALIDITY), the
    /// messages in it kept: Dovecot changes the number in place; in Cyrus
    /// the inbox is deleted and made again, and its messages put back.
    /// The new UIDVALIDITY.
    pub fn renumber(self, user: &str) -> u32 {
        match self {
            TestServer::Dovecot => {
                let next = self.uid_validity(user) + 1000;
                mail_servers().doveadm(&[
                    "mailbox",
                    "update",
                    "-u",
                    user,
                    "--uid-validity",
                    &next.to_string(),
                    "INBOX",
                ]);
            }
            TestServer::Cyrus => {
                let kept: Vec<Vec<u8>> = {
                    let mut session = self.login(user);
                    session.run("EXAMINE INBOX");
                    session
                        .run("UID FETCH 1:* (BODY.PEEK[])")
                        .into_iter()
                        .filter_map(|a| a.literals.into_iter().next())
                        .collect()
                };
                let admin = self.env("DTR_CYRUS_ADMIN");
                let mut session = self.login(&admin);
                // An admin may delete a user's inbox once it has the right to.
                session.run(&format!("SETACL user.{user} {admin} lrswipkxtecdan"));
                session.run(&format!("DELETE user.{user}"));
                session.run(&format!("CREATE user.{user}"));
                drop(session);
                let mut session = self.login(user);
                for raw in kept {
                    session.append("INBOX", &raw);
                }
            }
        }
        self.uid_validity(user)
    }

    /// Stops the IMAP server (an outage); Postfix stays up.
    pub fn stop(self) {
        match self {
            TestServer::Dovecot => mail_servers().script(&["stop-imap"]),
            TestServer::Cyrus => cyrus().script(&["stop"]),
        }
    }

    /// Starts it again after [`TestServer::stop`].
    pub fn start(self) {
        match self {
            TestServer::Dovecot => mail_servers().script(&["start-imap"]),
            TestServer::Cyrus => cyrus().script(&["start"]),
        }
    }

    /// The server ends the user's sessions: Dovecot says `BYE` and closes
    /// the connection, Cyrus closes it (as each does to an IDLE past its
    /// timeout).
    pub fn kick(self, user: &str) {
        match self {
            TestServer::Dovecot => {
                mail_servers().doveadm(&["kick", user]);
            }
            TestServer::Cyrus => cyrus().script(&["kick", user]),
        }
    }

    /// A plain-text IMAP session as `user` (Cyrus only: Dovecot is handled
    /// with doveadm).
    pub fn login(self, user: &str) -> ImapSession {
        assert_eq!(self, TestServer::Cyrus, "IMAP sessions are for Cyrus");
        ImapSession::login(self.imap_port(), user, &self.password())
    }
}

/// The value after `key` in an IMAP answer: up to the closing parenthesis
/// for a list (`FLAGS (`), else up to the next space or parenthesis.
fn item<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let start = text.find(key)? + key.len();
    let rest = &text[start..];
    let end = if key.ends_with('(') {
        rest.find(')')?
    } else {
        rest.find([' ', ')']).unwrap_or(rest.len())
    };
    Some(rest[..end].trim())
}

/// The Cyrus of `scripts/cyrus.sh`, started once per test binary.
pub struct Cyrus {
    pub env: HashMap<String, String>,
}

pub fn cyrus() -> &'static Cyrus {
    static CYRUS: OnceLock<Cyrus> = OnceLock::new();
    CYRUS.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/cyrus.sh");
        let out = stdout_of(
            Command::new("bash").arg(&script).arg("start"),
            "scripts/cyrus.sh start",
        );
        let env = out
            .lines()
            .filter_map(|l| l.strip_prefix("export "))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
            .collect();
        Cyrus { env }
    })
}

impl Cyrus {
    pub fn script(&self, args: &[&str]) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/cyrus.sh");
        stdout_of(
            Command::new("bash").arg(script).args(args),
            &format!("cyrus.sh {args:?}"),
        );
    }
}

/// An untagged answer: its text (literals left out) and its literals.
#[derive(Debug, Default)]
pub struct Answer {
    pub text: String,
    pub literals: Vec<Vec<u8>>,
}

/// A small IMAP client for setting up and checking Cyrus's inboxes, over
/// plain TCP on loopback. Every command must succeed.
pub struct ImapSession {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    tag: u32,
}

impl ImapSession {
    pub fn login(port: u16, user: &str, password: &str) -> ImapSession {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the IMAP server");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        // Each command goes in one write; no wait for a delayed ACK.
        stream.set_nodelay(true).expect("nodelay");
        let mut session = ImapSession {
            reader: BufReader::new(stream.try_clone().expect("clone")),
            writer: stream,
            tag: 0,
        };
        let greeting = session.read_answer();
        assert!(greeting.text.starts_with("* OK"), "{}", greeting.text);
        session.run(&format!("LOGIN \"{user}\" \"{password}\""));
        session
    }

    /// One line with its literals: `{n}` at the end of a line is followed
    /// by n bytes, then the line goes on.
    fn read_answer(&mut self) -> Answer {
        let mut answer = Answer::default();
        loop {
            let mut line = Vec::new();
            self.reader
                .read_until(b'\n', &mut line)
                .expect("read from the IMAP server");
            assert!(!line.is_empty(), "the IMAP server closed the connection");
            let text = String::from_utf8_lossy(&line)
                .trim_end_matches(['\r', '\n'])
                .to_string();
            let literal = text
                .strip_suffix('}')
                .and_then(|t| t.rsplit_once('{'))
                .and_then(|(before, n)| Some((before.to_string(), n.parse::<usize>().ok()?)));
            match literal {
                Some((before, n)) => {
                    let mut bytes = vec![0; n];
                    self.reader.read_exact(&mut bytes).expect("read a literal");
                    answer.text.push_str(&before);
                    answer.literals.push(bytes);
                }
                None => {
                    answer.text.push_str(&text);
                    return answer;
                }
            }
        }
    }

    /// Runs a command; its untagged answers. Panics unless it ends in OK.
    pub fn run(&mut self, command: &str) -> Vec<Answer> {
        self.tag += 1;
        let tag = format!("t{}", self.tag);
        self.writer
            .write_all(format!("{tag} {command}\r\n").as_bytes())
            .expect("write");
        self.finish(&tag, command)
    }

    fn finish(&mut self, tag: &str, command: &str) -> Vec<Answer> {
        let mut answers = Vec::new();
        loop {
            let answer = self.read_answer();
            if let Some(status) = answer.text.strip_prefix(&format!("{tag} ")) {
                assert!(status.starts_with("OK"), "{command}: {status}");
                return answers;
            }
            answers.push(answer);
        }
    }

    /// Appends a message to a folder, in one write (LITERAL+).
    pub fn append(&mut self, folder: &str, raw: &[u8]) {
        self.tag += 1;
        let tag = format!("t{}", self.tag);
        let mut command = format!("{tag} APPEND {folder} {{{}+}}\r\n", raw.len()).into_bytes();
        command.extend_from_slice(raw);
        command.extend_from_slice(b"\r\n");
        self.writer.write_all(&command).expect("write");
        self.finish(&tag, "APPEND");
    }
}

impl Drop for ImapSession {
    fn drop(&mut self) {
        let _ = self.writer.write_all(b"z LOGOUT\r\n");
    }
}

/// Makes two tests of each `async fn NAME(server: TestServer)` listed, in
/// a module `NAME`: `NAME::dovecot` and `NAME::cyrus`. Attributes given
/// before a name (such as a multi-threaded runtime) replace
/// `#[tokio::test]`.
#[macro_export]
macro_rules! on_both_servers {
    ($($(#[$meta:meta])* $name:ident),* $(,)?) => {
        $(
            mod $name {
                $crate::on_both_servers!(@test dovecot, Dovecot, $name, $(#[$meta])*);
                $crate::on_both_servers!(@test cyrus, Cyrus, $name, $(#[$meta])*);
            }
        )*
    };
    (@test $which:ident, $server:ident, $name:ident, ) => {
        #[tokio::test]
        async fn $which() {
            super::$name(super::common::servers::TestServer::$server).await
        }
    };
    (@test $which:ident, $server:ident, $name:ident, $(#[$meta:meta])+) => {
        $(#[$meta])+
        async fn $which() {
            super::$name(super::common::servers::TestServer::$server).await
        }
    };
}
