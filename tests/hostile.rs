//! Hostile input. Values that try to break out of the gateway's mail (HTML,
//! handlebars syntax, line breaks and header lines in every field), through
//! every purpose of mail, rendered and written by the real sender; messages
//! built to exhaust memory or the stack, read by the real binary with its
//! peak memory measured; referrals from domains not allowed; and senders
//! the receiving server could not authenticate. Against real SQLite files.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use common::ingest_into;
use dtr_gateway::config::{Config, Transport};
use dtr_gateway::outbox::Sender;
use dtr_gateway::store::{Action, OutboxRow, Store};
use dtr_gateway::sweep::sweep_once;
use mail_parser::MessageParser;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

/// A time in UK local time.
fn uk(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    London
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("valid local time")
        .with_timezone(&Utc)
}

/// What a field value tries: markup, handlebars (plain, triple, blocks,
/// partials), entities, quotes, and a header line after a bare CR.
const PAYLOAD: &str = "<script>alert(1)</script> {{authority.name}} {{{raw}}} {{> partial}} \
    {{#each fields}}x{{/each}} &amp; &lt;b&gt; \"dq\" 'sq' `bt` a=b \rBcc: evil@example.org";

/// The payload as the form reader keeps it: the bare CR read as a space.
const SHOWN: &str = "<script>alert(1)</script> {{authority.name}} {{{raw}}} {{> partial}} \
    {{#each fields}}x{{/each}} &amp; &lt;b&gt; \"dq\" 'sq' `bt` a=b Bcc: evil@example.org";

/// As handlebars escapes it into HTML.
fn html_escaped(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&#x27;".to_string(),
            '`' => "&#x60;".to_string(),
            '=' => "&#x3D;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

const BASILDON: &str = "housing.solutions@basildon.gov.uk";
const REFERRER: &str = "jo.probation@justice.gov.uk";

/// A referral to Basildon: `fields` are the form's lines, after the heading.
fn referral(
    message_id: &str,
    from: &str,
    extra_headers: &str,
    fields: &[(&str, String)],
) -> Vec<u8> {
    let mut raw = format!(
        "{extra_headers}From: Jo Probation <{from}>\r\nTo: {BASILDON}\r\nSubject: Referral\r\n\
         Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nDUTY TO REFER REFERRAL\r\n"
    );
    for (label, value) in fields {
        raw += &format!("{label}: {value}\r\n");
    }
    raw.into_bytes()
}

/// A complete referral whose every free-text field is hostile; the typed
/// fields (dates, answers, addresses) are as they must be to be read.
fn hostile_complete() -> Vec<u8> {
    let p = PAYLOAD;
    let fields = [
        ("Referral type", "Duty to Refer".to_string()),
        ("Full name", format!("Samuel {p}")),
        ("Date of birth", "14/07/1988".into()),
        ("Prison number", "A1234BC".into()),
        ("Current location", format!("HMP Chelmsford {p}")),
        ("Custody status", "sentenced".into()),
        ("Expected release date", "01/06/2027".into()),
        ("Consent to referral", "Yes".into()),
        ("Contact phone", "07700 900000".into()),
        ("Current accommodation", p.to_string()),
        ("At risk of rough sleeping", "No".into()),
        ("Existing tenancy or mortgage", "No".into()),
        ("Reason at risk of homelessness", p.to_string()),
        ("Local housing authority", "Basildon".into()),
        ("Local connection", "resident".into()),
        ("Local connection details", p.to_string()),
        (
            "Reason for referral without local connection",
            p.to_string(),
        ),
        ("Physical health", p.to_string()),
        ("Mental health", p.to_string()),
        ("Risk to others", p.to_string()),
        // A bare LF: a line of its own, which the reader joins to the value.
        ("Risk to self", format!("{p}\nBcc: evil2@example.org")),
        ("Referring agency", format!("HMP Chelmsford {p}")),
        ("Referrer name", format!("Jo {p}")),
        ("Referrer email", REFERRER.into()),
        ("Referrer phone", "01245 000000".into()),
        ("Case lead name", format!("Kim {p}")),
        ("Case lead email", "kim.casework@justice.gov.uk".into()),
        ("Case lead phone", "01245 000001".into()),
    ];
    referral("hostile-1@justice.gov.uk", REFERRER, "", &fields)
}

/// A referral whose every field is hostile, consent aside: incomplete,
/// answered at its sender's address (its own is not an address).
fn hostile_everywhere() -> Vec<u8> {
    let p = PAYLOAD;
    let labels = [
        "Referral type",
        "Full name",
        "Date of birth",
        "Prison number",
        "CRN",
        "Current location",
        "Custody status",
        "Expected release date",
        "Contact phone",
        "Contact email",
        "Current accommodation",
        "At risk of rough sleeping",
        "Existing tenancy or mortgage",
        "Reason at risk of homelessness",
        "Local housing authority",
        "Local connection",
        "Local connection details",
        "Reason for referral without local connection",
        "Physical health",
        "Mental health",
        "Risk to others",
        "Risk to self",
        "Referring agency",
        "Referrer name",
        "Referrer phone",
        "Case lead name",
        "Case lead email",
        "Case lead phone",
    ];
    let mut fields: Vec<(&str, String)> = labels
        .iter()
        .map(|label| (*label, format!("Other {p}")))
        .collect();
    fields.push(("Consent to referral", "Yes".into()));
    fields.push((
        "Referrer email",
        format!("{REFERRER}\rBcc: evil@example.org"),
    ));
    let mut raw = referral("hostile-2@justice.gov.uk", REFERRER, "", &fields);
    // Its Message-ID, which the answers quote, tries a header of its own.
    let id = b"Message-ID: <hostile-2@justice.gov.uk>";
    let at = raw.windows(id.len()).position(|w| w == id).expect("id");
    raw.splice(
        at..at + id.len(),
        b"Message-ID: <hostile-2\"<script>\"{{x}}@justice.gov.uk>\r\n\tBcc: evil@example.org\rX-Injected: yes"
            .iter()
            .copied(),
    );
    raw
}

/// An ordinary complete referral, distinct per `n`.
fn ordinary(message_id: &str, from: &str, extra_headers: &str, n: u32) -> Vec<u8> {
    let fields = [
        ("Referral type", "Duty to Refer".to_string()),
        ("Full name", format!("Test Person{n}")),
        ("Date of birth", "14/07/1988".into()),
        ("Prison number", format!("A{n:04}AA")),
        ("Custody status", "sentenced".into()),
        ("Expected release date", "01/06/2027".into()),
        ("Consent to referral", "Yes".into()),
        (
            "Reason at risk of homelessness",
            "No address on release".into(),
        ),
        ("Local connection", "resident".into()),
        ("Referring agency", "HMP Test".into()),
        ("Referrer name", "Jo Probation".into()),
        ("Referrer email", from.to_string()),
        ("Referrer phone", "01632 960000".into()),
    ];
    referral(message_id, from, extra_headers, &fields)
}

struct World {
    dir: TempDir,
    store: Store,
    config: Arc<Config>,
}

async fn world() -> World {
    world_with(|_| {}).await
}

async fn world_with(change: impl FnOnce(&mut Config)) -> World {
    let dir = TempDir::new().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("cases.db").display());
    let store = Store::open(&url).await.expect("store opens");
    let (mut config, _) = Config::embedded().expect("embedded config");
    // Mail "received" in the past is answered all the same.
    config.answer_max_age = chrono::Duration::days(36_500);
    config.outgoing.max_per_recipient_per_hour = 1000;
    config.outgoing.transport = Transport::Files(dir.path().join("outbox"));
    // As behind a receiving server that writes its verdict on top.
    for mailbox in &mut config.mailboxes {
        mailbox.trust.results = dtr_gateway::config::ResultsFrom::Topmost;
    }
    change(&mut config);
    World {
        dir,
        store,
        config: Arc::new(config),
    }
}

impl World {
    async fn put(&self, raw: &[u8], at: DateTime<Utc>) -> (Action, Option<String>) {
        let recorded = ingest_into(&self.store, &self.config, "basildon", raw, at).await;
        (recorded.action, recorded.case.map(|c| c.to_string()))
    }

    /// Sends what is queued through the real sender, into `.eml` files.
    async fn send(&self) {
        let sender = Sender {
            store: self.store.clone(),
            config: self.config.clone(),
            templates: Arc::new(dtr_gateway::templates::Templates::load(None).expect("templates")),
            as_of: None,
        };
        let (_stop, shutdown) = dtr_gateway::shutdown::Shutdown::new();
        sender.send_due(&shutdown).await.expect("send");
    }

    async fn rows(&self) -> Vec<OutboxRow> {
        let mut rows = self.store.outbox(false).await.expect("outbox");
        rows.sort_by_key(|r| r.id);
        rows
    }

    async fn rows_of(&self, purpose: &str) -> Vec<OutboxRow> {
        let mut rows = self.rows().await;
        rows.retain(|r| r.purpose == purpose);
        rows
    }

    /// Every `.eml` file written, by its Message-ID.
    fn written(&self) -> BTreeMap<String, Vec<u8>> {
        let folder = self.dir.path().join("outbox");
        let mut out = BTreeMap::new();
        for entry in std::fs::read_dir(&folder).expect("outbox folder") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "eml") {
                let raw = std::fs::read(&path).expect("read");
                let id = header_values(&raw, "message-id")
                    .pop()
                    .expect("a Message-ID");
                out.insert(id, raw);
            }
        }
        out
    }

    async fn quarantine_reasons(&self) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT quarantine_reason FROM messages WHERE quarantine_reason IS NOT NULL ORDER BY id",
        )
        .fetch_all(self.store.pool())
        .await
        .expect("messages")
    }
}

/// The top-level header lines of a written mail, unfolded, as (name, value).
fn headers(raw: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(raw);
    let head = text.split("\r\n\r\n").next().unwrap_or("");
    let mut out: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push_str(line);
            }
            continue;
        }
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        out.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    out
}

fn header_values(raw: &[u8], name: &str) -> Vec<String> {
    headers(raw)
        .into_iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v)
        .collect()
}

/// What the gateway writes at the top of every mail, and how often.
const HEADERS: [(&str, usize, usize); 13] = [
    ("from", 1, 1),
    ("reply-to", 1, 1),
    ("subject", 1, 1),
    ("message-id", 1, 1),
    ("to", 1, 1),
    ("cc", 0, 1),
    ("in-reply-to", 0, 1),
    ("references", 0, 1),
    ("auto-submitted", 1, 1),
    ("mime-version", 1, 1),
    ("date", 1, 1),
    ("content-type", 1, 1),
    ("content-transfer-encoding", 0, 1),
];

/// Everything wrong with one written mail: a header the gateway did not
/// write, recipients other than the row's, a subject of more than one
/// line, a script in the HTML.
fn problems_of(raw: &[u8], row: &OutboxRow) -> Vec<String> {
    let mut problems = Vec::new();
    let head = headers(raw);
    for (name, _) in &head {
        if !HEADERS.iter().any(|(n, _, _)| n == name) {
            problems.push(format!("a header the gateway does not write: {name}"));
        }
    }
    for (name, min, max) in HEADERS {
        let n = head.iter().filter(|(h, _)| h == name).count();
        if n < min || n > max {
            problems.push(format!("{n} {name} header(s)"));
        }
    }
    for (name, value) in &head {
        let value = value.to_ascii_lowercase();
        // `bcc:` with its colon: a Message-ID's random hex can hold "bcc".
        if ["evil@", "evil2@", "x-injected", "bcc:"]
            .iter()
            .any(|injected| value.contains(injected))
        {
            problems.push(format!("{name}: {value}"));
        }
    }
    let Some(message) = MessageParser::default().parse(raw) else {
        problems.push("not a message".into());
        return problems;
    };
    let addresses = |list: Option<&mail_parser::Address<'_>>| -> Vec<String> {
        list.map(|a| {
            a.iter()
                .filter_map(|a| a.address())
                .map(|a| a.to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default()
    };
    let lower =
        |list: &[String]| -> Vec<String> { list.iter().map(|a| a.to_ascii_lowercase()).collect() };
    if addresses(message.to()) != lower(&row.to) {
        problems.push(format!(
            "To {:?}, queued {:?}",
            addresses(message.to()),
            row.to
        ));
    }
    if addresses(message.cc()) != lower(&row.cc) {
        problems.push(format!(
            "Cc {:?}, queued {:?}",
            addresses(message.cc()),
            row.cc
        ));
    }
    let subject = message.subject().unwrap_or("");
    if subject.is_empty() || subject.contains(['\r', '\n']) {
        problems.push(format!("subject {subject:?}"));
    }
    match message.body_html(0) {
        Some(html) if html.to_ascii_lowercase().contains("<script") => {
            problems.push("an unescaped <script in the HTML".into())
        }
        Some(_) => {}
        None => problems.push("no HTML part".into()),
    }
    if message.body_text(0).is_none() {
        problems.push("no text part".into());
    }
    problems
}

fn text_and_html(raw: &[u8]) -> (String, String) {
    let message = MessageParser::default().parse(raw).expect("a message");
    (
        message.body_text(0).expect("text").to_string(),
        message.body_html(0).expect("html").to_string(),
    )
}

/// The plain text as read, its lines joined: the text part is wrapped at
/// spaces (never inside a word), so a value may run over two lines.
fn read_as_one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An answer in a case's thread.
/// An answer in a thread, with the receiving server's verdict that its
/// sender is who the From says (DMARC passed).
fn answer(from: &str, to: &str, in_reply_to: &str, subject: &str, body: &str) -> Vec<u8> {
    let domain = from.rsplit('@').next().unwrap_or("").trim_end_matches('>');
    format!(
        "Authentication-Results: mx.lha.example; dmarc=pass header.from={domain}\r\n\
         From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: Tue, 1 Dec 2026 11:00:00 +0000\r\n\
         Message-ID: <answer-{}@example.invalid>\r\nIn-Reply-To: {in_reply_to}\r\n\
         References: {in_reply_to}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}",
        fastrand::u64(..)
    )
    .into_bytes()
}

#[tokio::test]
async fn hostile_values_are_escaped_in_every_mail_and_never_make_a_header() {
    let w = world().await;
    let received = uk(2026, 11, 23, 10, 0);
    let (action, complete) = w.put(&hostile_complete(), received).await;
    assert_eq!(action, Action::Opened);
    let complete = complete.expect("a case");
    let (action, everywhere) = w.put(&hostile_everywhere(), received).await;
    assert_eq!(action, Action::Opened);
    let everywhere = everywhere.expect("a case");
    // Set aside: from a domain not allowed, and a forged sender whose
    // "checking server" is markup.
    w.put(
        &ordinary("evil-1@evil.example.org", "jo@evil.example.org", "", 1),
        received,
    )
    .await;
    let forged =
        "Authentication-Results: <script>alert(1)</script>; spf=fail; dkim=none; dmarc=fail\r\n";
    let (action, _) = w
        .put(
            &ordinary("forged-1@justice.gov.uk", REFERRER, forged, 2),
            received,
        )
        .await;
    assert!(matches!(action, Action::Quarantined(_)), "{action:?}");
    w.send().await;

    // The deadline sweep on later working days: reminder, chase, escalation.
    for at in [
        uk(2026, 11, 27, 9, 30),
        uk(2026, 12, 1, 10, 0),
        uk(2026, 12, 2, 10, 0),
    ] {
        sweep_once(
            &w.store,
            &w.config,
            at,
            true,
            dtr_gateway::sweep::Mode::Record,
        )
        .await
        .expect("sweep");
    }
    w.send().await;

    // Leads named in the thread: the council's first (no mail), then a new
    // hostile one (told to the referrer), then a hostile probation lead
    // (told to the council).
    let acknowledgement = w
        .rows_of("acknowledgement")
        .await
        .into_iter()
        .find(|r| r.case_ref.as_deref() == Some(complete.as_str()))
        .expect("the acknowledgement");
    let subject = format!("RE: [{complete}] Referral received");
    let first = answer(
        "someone@basildon.gov.uk",
        REFERRER,
        &acknowledgement.message_id,
        &subject,
        "Lead officer: Ayesha Khan\r\nEmail: ayesha.khan@basildon.gov.uk\r\n",
    );
    w.put(&first, uk(2026, 12, 1, 11, 0)).await;
    // A name ends at `<` and a line with an address in it names an
    // address, so the lead's name tries the rest.
    let hostile_lead = "Mal &lt;b&gt; {{authority.name}} {{{raw}}} {{#if x}}y{{/if}} &amp; \"dq\" 'sq' `bt` a=b \rX-Injected: yes";
    let second = answer(
        "someone@basildon.gov.uk",
        REFERRER,
        &acknowledgement.message_id,
        &subject,
        &format!(
            "Lead officer: {hostile_lead}\r\nEmail: mal.lead@basildon.gov.uk\r\nTelephone: 01268 282 111\r\n"
        ),
    );
    w.put(&second, uk(2026, 12, 8, 11, 0)).await;
    let third = answer(
        REFERRER,
        BASILDON,
        &acknowledgement.message_id,
        &subject,
        &format!("Case lead: Priya {hostile_lead}\r\nEmail: priya.shah@justice.gov.uk\r\n"),
    );
    w.put(&third, uk(2026, 12, 9, 11, 0)).await;
    w.send().await;

    // Every row was written: nothing failed to render or to build.
    let rows = w.rows().await;
    let unsent: Vec<(&str, &str, Option<&str>)> = rows
        .iter()
        .filter(|r| r.status != "sent")
        .map(|r| {
            (
                r.purpose.as_str(),
                r.status.as_str(),
                r.last_error.as_deref(),
            )
        })
        .collect();
    assert!(unsent.is_empty(), "{unsent:?}");
    let purposes: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r.purpose.as_str()).collect();
    for purpose in [
        "acknowledgement",
        "incomplete",
        "notice",
        "quarantine_notice",
        "reminder",
        "chase",
        "escalation",
        "lead_changed",
    ] {
        assert!(purposes.contains(purpose), "no {purpose} in {purposes:?}");
    }

    let written = w.written();
    assert_eq!(written.len(), rows.len(), "one file per mail");
    for row in &rows {
        let raw = written
            .get(&row.message_id)
            .unwrap_or_else(|| panic!("no file for {} {}", row.purpose, row.message_id));
        let problems = problems_of(raw, row);
        assert!(
            problems.is_empty(),
            "{} {}: {problems:#?}",
            row.purpose,
            row.id
        );
        let (text, html) = text_and_html(raw);
        // Handlebars in a value is never evaluated: it stays, or it is not shown.
        assert!(
            !read_as_one_line(&text).contains("Basildon Colchester"),
            "{}",
            row.purpose
        );
        for evaluated in ["{{authority.name}}", "{{{raw}}}"] {
            let shown = text.matches(evaluated).count();
            let escaped = html.matches(&html_escaped(evaluated)).count();
            assert_eq!(
                shown, escaped,
                "{} shows {evaluated} unequally",
                row.purpose
            );
        }
    }

    // The notices show every hostile value: as given in the text, escaped in
    // the HTML.
    for reference in [&complete, &everywhere] {
        let notice = rows
            .iter()
            .find(|r| r.purpose == "notice" && r.case_ref.as_deref() == Some(reference.as_str()))
            .expect("a notice");
        let (text, html) = text_and_html(&written[&notice.message_id]);
        assert!(
            read_as_one_line(&text).matches(SHOWN).count() >= 8,
            "{text}"
        );
        assert!(html.matches(&html_escaped(SHOWN)).count() >= 8, "{html}");
    }
    // The referrer's name, in the answers to the referrer.
    for purpose in ["acknowledgement", "incomplete"] {
        let row = &w.rows_of(purpose).await[0];
        let (text, html) = text_and_html(&written[&row.message_id]);
        let text = read_as_one_line(&text);
        assert!(
            text.contains(&format!("Dear Jo {SHOWN},"))
                || text.contains(&format!("Dear Other {SHOWN},")),
            "{purpose}: {text}"
        );
        assert!(html.contains(&html_escaped(SHOWN)), "{purpose}: {html}");
    }
    // The hostile referrer address was not an address: the answer went to
    // the sender, and nowhere else.
    let incomplete = &w.rows_of("incomplete").await[0];
    assert_eq!(incomplete.to, [REFERRER]);
    // Both lead changes, as given: the council's to the referrer; the
    // probation lead's to the council and to the previous case lead. (The
    // council's first lead, named before, was told to the referrer too.)
    let changes: Vec<_> = w
        .rows_of("lead_changed")
        .await
        .into_iter()
        .filter(|r| r.context["lead"]["first"] != true)
        .collect();
    assert_eq!(changes.len(), 3, "{changes:?}");
    assert_eq!(changes[0].to, [REFERRER]);
    assert_eq!(changes[1].to, ["mal.lead@basildon.gov.uk"]);
    assert_eq!(changes[2].to, ["kim.casework@justice.gov.uk"]);
    for (row, name) in changes.iter().zip([
        hostile_lead.to_string(),
        format!("Priya {hostile_lead}"),
        format!("Priya {hostile_lead}"),
    ]) {
        let (text, html) = text_and_html(&written[&row.message_id]);
        assert!(
            read_as_one_line(&text).contains(&read_as_one_line(&name)),
            "{name:?} not in {text:?}"
        );
        assert!(html.contains(&html_escaped(&name)), "{html}");
    }
    // The quarantine notices: the reasons, and no markup from the forger.
    let notices = w.rows_of("quarantine_notice").await;
    assert_eq!(notices.len(), 2);
    for row in &notices {
        assert_eq!(row.to, [BASILDON]);
        let (text, _) = text_and_html(&written[&row.message_id]);
        assert!(!text.contains("<script"), "{text}");
    }
    assert_eq!(
        w.quarantine_reasons().await,
        [
            "sender domain evil.example.org is not allowed to make referrals",
            "the sender could not be authenticated: SPF fail, DKIM none, DMARC fail",
        ]
    );
}

#[tokio::test]
async fn a_message_over_the_configured_limit_is_quarantined_unread() {
    let w = world_with(|c| c.max_message_bytes = 4096).await;
    let mut raw = ordinary("big-1@justice.gov.uk", REFERRER, "", 1);
    raw.extend(std::iter::repeat_n(b'x', 5000));
    let size = raw.len();
    let (action, case) = w.put(&raw, uk(2026, 11, 23, 10, 0)).await;
    let reason = format!("message of {size} bytes is over the limit of 4096 bytes");
    assert_eq!(action, Action::Quarantined(reason.clone()));
    assert_eq!(case, None);
    assert_eq!(w.quarantine_reasons().await, [reason]);
    assert!(w.rows().await.is_empty(), "nothing is sent");
    // Just under the limit, the same referral is read.
    let w = world_with(|c| c.max_message_bytes = size).await;
    let (action, _) = w.put(&raw, uk(2026, 11, 23, 10, 0)).await;
    assert_eq!(action, Action::Opened);
}

#[tokio::test]
async fn a_referral_from_a_domain_not_allowed_is_answered_to_nobody_but_the_council() {
    let w = world().await;
    // The form names an allowed referrer and case lead, and the message asks
    // for answers elsewhere: none of them is written to.
    let mut raw =
        b"Reply-To: someone@justice.gov.uk\r\nCc: kim.casework@justice.gov.uk\r\n".to_vec();
    raw.extend(referral(
        "outside-1@evil.example.org",
        "jo@evil.example.org",
        "",
        &[
            ("Referral type", "Duty to Refer".into()),
            ("Full name", "Test Person".into()),
            ("Date of birth", "14/07/1988".into()),
            ("Prison number", "A0001AA".into()),
            ("Custody status", "sentenced".into()),
            ("Expected release date", "01/06/2027".into()),
            ("Consent to referral", "Yes".into()),
            ("Reason at risk of homelessness", "No address".into()),
            ("Local connection", "resident".into()),
            ("Referrer name", "Jo".into()),
            ("Referrer email", REFERRER.into()),
            ("Case lead email", "kim.casework@justice.gov.uk".into()),
        ],
    ));
    let (action, case) = w.put(&raw, uk(2026, 11, 23, 10, 0)).await;
    let reason = "sender domain evil.example.org is not allowed to make referrals";
    assert_eq!(action, Action::Quarantined(reason.into()));
    assert_eq!(case, None);
    assert_eq!(w.quarantine_reasons().await, [reason]);
    assert!(w.store.cases(None, false).await.expect("cases").is_empty());
    let rows = w.rows().await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].purpose, "quarantine_notice");
    assert_eq!(rows[0].to, [BASILDON]);
    assert!(rows[0].cc.is_empty());
    assert_eq!(rows[0].context["sender"], "jo@evil.example.org");
    // Read twice, still one notice.
    w.put(&raw, uk(2026, 11, 23, 10, 5)).await;
    assert_eq!(w.rows().await.len(), 1);
}

const MICROSOFT_FAIL: &str = "Authentication-Results: spf=fail (sender IP is 203.0.113.7)\r\n \
    smtp.mailfrom=justice.gov.uk; dkim=none (message not signed)\r\n header.d=none;dmarc=fail \
    action=quarantine\r\n header.from=justice.gov.uk;compauth=fail reason=000\r\n";

#[tokio::test]
async fn a_forged_sender_is_quarantined_naming_the_failed_checks() {
    let w = world().await;
    let at = uk(2026, 11, 23, 10, 0);
    let (action, case) = w
        .put(
            &ordinary("forged-1@justice.gov.uk", REFERRER, MICROSOFT_FAIL, 1),
            at,
        )
        .await;
    let reason = "the sender could not be authenticated: SPF fail, DKIM none, DMARC fail";
    assert_eq!(action, Action::Quarantined(reason.into()));
    assert_eq!(case, None);
    let rows = w.rows().await;
    assert_eq!(rows.len(), 1, "only the notice to the council: {rows:?}");
    assert_eq!(
        (rows[0].purpose.as_str(), rows[0].to.as_slice()),
        ("quarantine_notice", [BASILDON.to_string()].as_slice())
    );
    assert_eq!(rows[0].context["reason"], reason);

    // Authenticated, or only doubtful: read. A forged failure below the
    // receiving server's pass does not count.
    let google_pass = "Authentication-Results: mx.google.com; dkim=pass header.i=@justice.gov.uk; \
        spf=pass smtp.mailfrom=jo@justice.gov.uk; dmarc=pass header.from=justice.gov.uk\r\n";
    let best_guess = "Authentication-Results: spf=fail (sender IP is 203.0.113.7) smtp.mailfrom=example.org; \
        dkim=none (message not signed) header.d=none;dmarc=bestguesspass action=none header.from=example.org\r\n";
    let above = format!("{google_pass}{MICROSOFT_FAIL}");
    for (n, headers) in [(2, google_pass), (3, best_guess), (4, above.as_str())] {
        let raw = ordinary(&format!("genuine-{n}@justice.gov.uk"), REFERRER, headers, n);
        let (action, _) = w.put(&raw, at).await;
        assert_eq!(action, Action::Opened, "{headers}");
    }

    // A forged answer in a case's thread names no lead; a forged bounce
    // fails none of the gateway's mails.
    let acknowledgement = w.rows_of("acknowledgement").await.remove(0);
    let reference = acknowledgement.case_ref.clone().expect("a case");
    let mut forged_answer = MICROSOFT_FAIL.as_bytes().to_vec();
    forged_answer.extend(answer(
        "someone@basildon.gov.uk",
        REFERRER,
        &acknowledgement.message_id,
        &format!("RE: [{reference}] Referral received"),
        "Lead officer: Not Real\r\n",
    ));
    let (action, _) = w.put(&forged_answer, uk(2026, 11, 24, 10, 0)).await;
    assert!(matches!(action, Action::Quarantined(_)), "{action:?}");
    let events: Vec<String> = w
        .store
        .case(&reference)
        .await
        .expect("case")
        .events
        .into_iter()
        .map(|e| e.kind.to_string())
        .collect();
    assert!(
        !events
            .iter()
            .any(|e| e.contains("lead") || e.contains("responded")),
        "{events:?}"
    );
    let bounce = format!(
        "{MICROSOFT_FAIL}From: MAILER-DAEMON@justice.gov.uk\r\nTo: {BASILDON}\r\nReturn-Path: <>\r\n\
         Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce-1@justice.gov.uk>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n\
         --r\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\
         --r\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; {REFERRER}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n\
         --r\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {}\r\nSubject: [{reference}] Referral received\r\n--r--\r\n",
        acknowledgement.message_id
    );
    let (action, _) = w.put(bounce.as_bytes(), uk(2026, 11, 24, 10, 5)).await;
    assert!(matches!(action, Action::Quarantined(_)), "{action:?}");
    let after = w
        .rows()
        .await
        .into_iter()
        .find(|r| r.id == acknowledgement.id)
        .expect("row");
    assert_eq!(
        after.status, acknowledgement.status,
        "the forged bounce failed the mail"
    );

    // Turned off, the same forged referral opens a case.
    let w = world_with(|c| c.quarantine_unauthenticated = false).await;
    let (action, _) = w
        .put(
            &ordinary("forged-1@justice.gov.uk", REFERRER, MICROSOFT_FAIL, 1),
            at,
        )
        .await;
    assert_eq!(action, Action::Opened);
}

#[test]
fn check_config_names_the_authentication_setting_when_it_is_not_a_boolean() {
    let dir = TempDir::new().expect("temp dir");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    std::fs::copy(
        repo.join("authorities.toml"),
        dir.path().join("authorities.toml"),
    )
    .expect("copy");
    let gateway = std::fs::read_to_string(repo.join("gateway.toml")).expect("read");
    let with = |setting: &str| {
        let text = gateway.replacen(
            "[referrers]\n",
            &format!("[referrers]\nquarantine_unauthenticated = {setting}\n"),
            1,
        );
        assert_ne!(text, gateway);
        std::fs::write(dir.path().join("gateway.toml"), text).expect("write");
        Command::new(env!("CARGO_BIN_EXE_dtr-gateway"))
            .args(["check-config", "--config"])
            .arg(dir.path())
            .output()
            .expect("check-config")
    };
    for wrong in ["\"yes\"", "1"] {
        let out = with(wrong);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!out.status.success(), "{stdout}");
        assert!(
            stdout.contains("referrers.quarantine_unauthenticated: must be true or false"),
            "{stdout}"
        );
    }
    let out = with("false");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let (config, _) = Config::load(Some(dir.path())).expect("config");
    assert!(!config.quarantine_unauthenticated);
    let (config, _) = Config::embedded().expect("embedded");
    assert!(config.quarantine_unauthenticated, "on by default");
}

/// Runs `dtr-gateway ingest` on one file with a fresh store; returns its
/// output, its peak resident memory in kB, and the store.
fn ingest_with_the_binary(dir: &Path, file: &Path) -> (Output, u64) {
    let database = format!("sqlite:{}", dir.join("cases.db").display());
    let args = ["--database", &database, "ingest", "--mailbox", "colchester"];
    let binary = env!("CARGO_BIN_EXE_dtr-gateway");
    let time = Path::new("/usr/bin/time");
    if time.exists() {
        let out = Command::new(time)
            .arg("-v")
            .arg(binary)
            .args(args)
            .arg(file)
            .current_dir(dir)
            .output()
            .expect("run under /usr/bin/time");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let peak = stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no peak in {stderr}"));
        return (out, peak);
    }
    // Without time(1): the high-water mark, read until the process ends.
    let mut child = Command::new(binary)
        .args(args)
        .arg(file)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    while child.try_wait().expect("wait").is_none() {
        if let Ok(status) = std::fs::read_to_string(&status_file) {
            for line in status.lines() {
                if let Some(v) = line.strip_prefix("VmHWM:") {
                    let kb = v.trim().trim_end_matches("kB").trim().parse().unwrap_or(0);
                    peak = peak.max(kb);
                }
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    (child.wait_with_output().expect("output"), peak)
}

const HEAD: &str = "From: Jo Probation <jo.probation@justice.gov.uk>\r\nTo: dutytorefer@colchester.gov.uk\r\n\
    Subject: Referral\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <m@justice.gov.uk>\r\nMIME-Version: 1.0\r\n";
const FORM: &str =
    "DUTY TO REFER REFERRAL\r\nReferral type: Duty to Refer\r\nFull name: Hidden Person\r\n\
    Date of birth: 14/07/1988\r\nPrison number: A1234BC\r\nCustody status: sentenced\r\n\
    Expected release date: 01/06/2027\r\nConsent to referral: Yes\r\nLocal connection: resident\r\n\
    Reason at risk of homelessness: No address\r\nReferrer email: jo.probation@justice.gov.uk\r\n";

fn base64_lines(len: usize) -> String {
    let line = format!("{}\r\n", "QUJD".repeat(19));
    line.repeat(len / line.len() + 1)
}

/// The hostile shapes: a name, the message, and the reason it must give.
fn bombs() -> Vec<(&'static str, Vec<u8>, String, u64)> {
    let mut out = Vec::new();
    // A real 26 MB referral: a form and a large attachment.
    let big = format!(
        "{HEAD}Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n{FORM}\
         --b\r\nContent-Type: application/pdf; name=\"scan.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--b--\r\n",
        base64_lines(26 * 1024 * 1024)
    );
    let size = big.len();
    out.push((
        "26 MB",
        big.into_bytes(),
        format!("message of {size} bytes is over the limit of 26214400 bytes"),
        400_000,
    ));
    // 5,000 multiparts one inside another, the referral innermost.
    let mut deep = HEAD.to_string();
    for i in 0..5000 {
        deep += &format!("Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n");
    }
    deep += &format!("Content-Type: text/plain\r\n\r\n{FORM}");
    for i in (0..5000).rev() {
        deep += &format!("\r\n--b{i}--\r\n");
    }
    out.push((
        "5,000 levels",
        deep.into_bytes(),
        "message has 5001 MIME parts, over the limit of 1000; \
         message has MIME parts nested 5000 levels deep, over the limit of 30"
            .into(),
        200_000,
    ));
    // 10,000 parts side by side, the referral first.
    let mut many = format!(
        "{HEAD}Content-Type: multipart/mixed; boundary=\"p\"\r\n\r\n--p\r\nContent-Type: text/plain\r\n\r\n{FORM}"
    );
    for i in 1..10_000 {
        many += &format!("\r\n--p\r\nContent-Type: text/plain\r\n\r\npart {i}");
    }
    many += "\r\n--p--\r\n";
    out.push((
        "10,000 parts",
        many.into_bytes(),
        "message has 10001 MIME parts, over the limit of 1000".into(),
        200_000,
    ));
    // 24 MB of empty parts: millions, counted before anything is parsed.
    let tiny_part = "--t\r\n\r\nx\r\n";
    let count = 24 * 1024 * 1024 / tiny_part.len();
    let tiny = format!(
        "{HEAD}Content-Type: multipart/mixed; boundary=\"t\"\r\n\r\n{}--t--\r\n",
        tiny_part.repeat(count)
    );
    out.push((
        "millions of parts",
        tiny.into_bytes(),
        // The root, a part after each delimiter, and the closing one's two `--`.
        format!(
            "message has up to {} MIME parts, over the limit of 1000",
            count + 3
        ),
        400_000,
    ));
    // 24 MB of messages attached one inside another, and the same inside
    // a base64 attachment: each overflowed the stack.
    let level = "Content-Type: message/rfc822\r\n\r\n";
    let levels = 24 * 1024 * 1024 / level.len();
    let nested = format!(
        "{HEAD}{}Content-Type: text/plain\r\n\r\n{FORM}",
        level.repeat(levels)
    );
    out.push((
        "messages nested 800,000 deep",
        nested.into_bytes(),
        format!("message has up to {levels} attached messages, over the limit of 100"),
        400_000,
    ));
    let inner = format!(
        "From: a@justice.gov.uk\r\n{}Content-Type: text/plain\r\n\r\n{FORM}",
        level.repeat(100_000)
    );
    let encoded = format!(
        "{HEAD}Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        common::mime_base64(inner.as_bytes())
    );
    out.push((
        "encoded messages nested 100,000 deep",
        encoded.into_bytes(),
        "message has up to 100001 attached messages, over the limit of 100".into(),
        400_000,
    ));
    out
}

#[test]
fn oversized_deep_and_many_part_messages_are_quarantined_in_bounded_memory() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for (what, raw, reason, limit_kb) in bombs() {
        let dir = TempDir::new().expect("temp dir");
        let file = dir.path().join("message.eml");
        std::fs::write(&file, &raw).expect("write");
        drop(raw);
        let (out, peak_kb) = ingest_with_the_binary(dir.path(), &file);
        let stdout = String::from_utf8_lossy(&out.stdout);
        println!("{what}: peak resident memory {} MB", peak_kb / 1024);
        assert!(
            out.status.success(),
            "{what}: {}\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains(&format!("quarantined: {reason}")),
            "{what}: {stdout}"
        );
        assert!(
            peak_kb < limit_kb,
            "{what}: {} MB at peak, over {} MB",
            peak_kb / 1024,
            limit_kb / 1024
        );
        runtime.block_on(async {
            let url = format!("sqlite:{}", dir.path().join("cases.db").display());
            let store = Store::open(&url).await.expect("store");
            let reasons: Vec<Option<String>> =
                sqlx::query_scalar("SELECT quarantine_reason FROM messages")
                    .fetch_all(store.pool())
                    .await
                    .expect("messages");
            assert_eq!(reasons, [Some(reason.clone())], "{what}");
            assert!(
                store.outbox(false).await.expect("outbox").is_empty(),
                "{what}: mail queued"
            );
            assert!(
                store.cases(None, false).await.expect("cases").is_empty(),
                "{what}"
            );
        });
    }
}
