//! A gateway in a folder, driven as the daemon drives it on a simulated
//! clock: intake of `.eml` bytes, the deadline sweep, the sender writing
//! `.eml` files; and the mail people send it, with the receiving server's
//! verdict on their senders.
#![allow(dead_code)]

use super::ingest_into;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::London;
use dtr_gateway::config::{Config, InternalMarks, ResultsFrom, Transport};
use dtr_gateway::core::protocol::Rag;
use dtr_gateway::outbox::Sender;
use dtr_gateway::store::{Action, OutboxRow, Recorded, Store};
use dtr_gateway::sweep::{open_deadlines, sweep_once, Mode, SweepReport};
use std::collections::BTreeMap;
use std::sync::Arc;
use tempfile::TempDir;

/// A time in UK local time.
pub fn uk(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    London
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("valid local time")
        .with_timezone(&Utc)
}

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

pub const KENT: &str = include_str!("../../config/protocols/kent.toml");
pub const REFERRER: &str = "jo.probation@justice.gov.uk";
pub const CASE_LEAD: &str = "kim.casework@justice.gov.uk";

/// The receiving server's verdict that the sender is who the From says.
pub fn passed(domain: &str) -> String {
    format!("Authentication-Results: mx.lha.example; dmarc=pass header.from={domain}\r\n")
}

/// Exchange Online's mark on mail sent inside the council.
pub const INTERNAL: &str = "X-MS-Exchange-Organization-AuthAs: Internal\r\n";

/// A complete referral to `inbox`, with lines of the form replaced or
/// added (`("Expected release date", "01/03/2027")`).
pub fn referral(inbox: &str, id: &str, changes: &[(&str, &str)]) -> Vec<u8> {
    let mut fields: Vec<(String, String)> = [
        ("Referral type", "Duty to Refer"),
        ("Full name", "Samuel Testperson"),
        ("Date of birth", "14/07/1988"),
        ("Prison number", "A1234BC"),
        ("Custody status", "sentenced"),
        ("Expected release date", "01/06/2027"),
        ("Consent to referral", "Yes"),
        (
            "Reason at risk of homelessness",
            "Tenancy lost during sentence",
        ),
        ("Local connection", "resident"),
        ("Referring agency", "HMP Chelmsford"),
        ("Referrer name", "Jo Probation"),
        ("Referrer email", REFERRER),
        ("Referrer phone", "01245 000000"),
        ("Case lead name", "Kim Casework"),
        ("Case lead email", CASE_LEAD),
    ]
    .iter()
    .map(|(l, v)| (l.to_string(), v.to_string()))
    .collect();
    for (label, value) in changes {
        match fields.iter_mut().find(|(l, _)| l == label) {
            Some(field) => field.1 = value.to_string(),
            None => fields.push((label.to_string(), value.to_string())),
        }
    }
    let form: String = fields
        .iter()
        .map(|(l, v)| format!("{l}: {v}\r\n"))
        .collect();
    format!(
        "{}From: Jo Probation <{REFERRER}>\r\nTo: {inbox}\r\nSubject: Referral: S Testperson\r\n\
         Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{id}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nDUTY TO REFER REFERRAL\r\n{form}",
        passed("justice.gov.uk")
    )
    .into_bytes()
}

/// Colchester's case for Samuel, received Monday 23 November 2026 at 10:00
/// from Jo (authenticated), acknowledged: its reference and the
/// acknowledgement.
pub async fn colchester_acknowledged(w: &World) -> (String, OutboxRow) {
    let reference = w
        .case(
            "colchester",
            &referral(
                "dutytorefer@colchester.gov.uk",
                "ref-col-1@justice.gov.uk",
                &[],
            ),
            uk(2026, 11, 23, 10, 0),
        )
        .await;
    w.send().await;
    let ack = w.rows("acknowledgement").await.remove(0);
    (reference, ack)
}

/// The referral form alone, as a referrer pastes it into a reply (no
/// headers), with lines replaced as in [`referral`].
pub fn form_text(changes: &[(&str, &str)]) -> String {
    let raw = String::from_utf8(referral(
        "unused@example.invalid",
        "unused@justice.gov.uk",
        changes,
    ))
    .expect("utf-8");
    let at = raw
        .find("DUTY TO REFER REFERRAL")
        .expect("the form's heading");
    raw[at..].to_string()
}

/// An answer in a thread: `headers` first (the server's verdict), then
/// the message.
pub fn answer(
    headers: &str,
    from: &str,
    to: &str,
    subject: &str,
    in_reply_to: &str,
    body: &str,
) -> Vec<u8> {
    format!(
        "{headers}From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: Tue, 1 Dec 2026 11:00:00 +0000\r\n\
         Message-ID: <answer-{}@example.invalid>\r\nIn-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}",
        fastrand::u64(..)
    )
    .into_bytes()
}

/// `text` quoted as Outlook quotes it: no `>`, under its rule and a
/// `From:`/`Sent:` block.
pub fn outlook_quote(text: &str) -> String {
    format!(
        "________________________________\r\nFrom: Colchester Duty to Refer <dutytorefer@colchester.gov.uk>\r\n\
         Sent: 01 December 2026 09:00\r\nTo: Tracey Brushett\r\nSubject: the chase\r\n\r\n{}",
        text.replace('\n', "\r\n")
    )
}

pub struct World {
    pub dir: TempDir,
    pub store: Store,
    pub config: Arc<Config>,
}

pub async fn world() -> World {
    world_with(|_| {}).await
}

/// The embedded Essex configuration, every mailbox's mail judged as
/// Exchange Online's would be (its header, its internal mark), writing
/// mail into files.
pub async fn world_with(change: impl FnOnce(&mut Config)) -> World {
    let dir = TempDir::new().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("cases.db").display());
    let store = Store::open(&url).await.expect("store opens");
    let (mut config, _) = Config::embedded().expect("embedded config");
    config.answer_max_age = chrono::Duration::days(36_500);
    config.outgoing.max_per_recipient_per_hour = 1000;
    config.outgoing.transport = Transport::Files(dir.path().join("outbox"));
    for mailbox in &mut config.mailboxes {
        mailbox.trust.results = ResultsFrom::Topmost;
        mailbox.trust.internal = InternalMarks::Exchange;
    }
    change(&mut config);
    World {
        dir,
        store,
        config: Arc::new(config),
    }
}

impl World {
    pub async fn put(&self, mailbox: &str, raw: &[u8], at: DateTime<Utc>) -> Recorded {
        ingest_into(&self.store, &self.config, mailbox, raw, at).await
    }

    pub async fn case(&self, mailbox: &str, raw: &[u8], at: DateTime<Utc>) -> String {
        let recorded = self.put(mailbox, raw, at).await;
        assert_eq!(recorded.action, Action::Opened, "{recorded:?}");
        recorded.case.expect("a case").to_string()
    }

    pub async fn sweep(&self, at: DateTime<Utc>) -> SweepReport {
        sweep_once(&self.store, &self.config, at, false, Mode::Record)
            .await
            .expect("sweep")
    }

    /// Sweeps every working day from `from` to `to` at 10:00.
    pub async fn sweep_days(&self, from: NaiveDate, to: NaiveDate) {
        let mut d = from;
        while d <= to {
            self.sweep(uk(d.year(), d.month(), d.day(), 10, 0)).await;
            d = d.succ_opt().expect("next day");
        }
    }

    /// Sends what is queued through the real sender, into `.eml` files.
    pub async fn send(&self) {
        self.send_as_of(None).await;
    }

    /// Sends what is queued as [`World::send`] does, the mail written as
    /// at `at` (the dates it names as passed or to come).
    pub async fn send_at(&self, at: DateTime<Utc>) {
        self.send_as_of(Some(at)).await;
    }

    async fn send_as_of(&self, as_of: Option<DateTime<Utc>>) {
        let sender = Sender {
            store: self.store.clone(),
            config: self.config.clone(),
            templates: Arc::new(dtr_gateway::templates::Templates::load(None).expect("templates")),
            as_of,
        };
        let (_stop, shutdown) = dtr_gateway::shutdown::Shutdown::new();
        sender.send_due(&shutdown).await.expect("send");
    }

    pub async fn rows(&self, purpose: &str) -> Vec<OutboxRow> {
        let mut rows: Vec<OutboxRow> = self
            .store
            .outbox(false)
            .await
            .expect("outbox")
            .into_iter()
            .filter(|r| r.purpose == purpose)
            .collect();
        rows.sort_by_key(|r| r.id);
        rows
    }

    pub async fn events(&self, reference: &str) -> Vec<(String, String)> {
        self.store
            .case(reference)
            .await
            .expect("case")
            .events
            .into_iter()
            .map(|e| (e.kind.to_string(), e.detail.unwrap_or_default()))
            .collect()
    }

    /// The case's lead officer's address, as recorded.
    pub async fn lead_officer(&self, reference: &str) -> Option<String> {
        self.store
            .case_contacts(reference)
            .await
            .expect("contacts")
            .and_then(|c| c.lha_lead.email.map(|e| e.to_string()))
    }

    /// The case's case lead's address, as recorded.
    pub async fn case_lead(&self, reference: &str) -> Option<String> {
        self.store
            .case_contacts(reference)
            .await
            .expect("contacts")
            .and_then(|c| c.case_lead.email.map(|e| e.to_string()))
    }

    /// The details of the case's `not_applied` events: what a message
    /// asked for that was not done, and why.
    pub async fn not_applied(&self, reference: &str) -> Vec<String> {
        self.events(reference)
            .await
            .into_iter()
            .filter(|(k, _)| k == "not_applied")
            .map(|(_, d)| d)
            .collect()
    }

    /// The case's status.
    pub async fn status(&self, reference: &str) -> String {
        self.store
            .case(reference)
            .await
            .expect("case")
            .summary
            .status
            .to_string()
    }

    /// Every outbox row, in order.
    pub async fn all_rows(&self) -> Vec<OutboxRow> {
        let mut rows = self.store.outbox(false).await.expect("outbox");
        rows.sort_by_key(|r| r.id);
        rows
    }

    pub async fn has_event(&self, reference: &str, kind: &str) -> bool {
        self.events(reference).await.iter().any(|(k, _)| k == kind)
    }

    /// The open deadlines of a case on `today`: (rule, due, state, late,
    /// before release).
    pub async fn due(
        &self,
        reference: &str,
        today: NaiveDate,
    ) -> Vec<(String, NaiveDate, Rag, bool)> {
        let cases = self.store.deadline_cases(None).await.expect("cases");
        open_deadlines(&self.config, &cases, today)
            .into_iter()
            .filter(|d| d.case.reference == reference)
            .map(|d| (d.rule.id.clone(), d.due.on, d.rag, d.due.late))
            .collect()
    }

    pub async fn open_rules(&self, reference: &str, today: NaiveDate) -> Vec<String> {
        self.due(reference, today)
            .await
            .into_iter()
            .map(|(rule, ..)| rule)
            .collect()
    }

    /// The text of every `.eml` written, by Message-ID.
    pub fn written(&self) -> BTreeMap<String, String> {
        let folder = self.dir.path().join("outbox");
        let mut out = BTreeMap::new();
        let Ok(entries) = std::fs::read_dir(&folder) else {
            return out;
        };
        for entry in entries {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "eml") {
                let raw = std::fs::read(&path).expect("read");
                let text = String::from_utf8_lossy(&raw).to_string();
                let id = text
                    .lines()
                    .find_map(|l| l.strip_prefix("Message-ID: "))
                    .expect("a Message-ID")
                    .trim()
                    .to_string();
                out.insert(id, text);
            }
        }
        out
    }

    /// The plain text of the written mail of an outbox row, unfolded.
    pub fn text_of(&self, row: &OutboxRow) -> String {
        let raw = self.written().remove(&row.message_id).expect("written");
        plain_text(&raw)
    }
}

/// The decoded text/plain part of a written mail, joined into lines.
pub fn plain_text(raw: &str) -> String {
    let parsed = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("a mail");
    parsed
        .body_text(0)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// Text with its line breaks made spaces, to find a sentence however the
/// template wraps it.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
