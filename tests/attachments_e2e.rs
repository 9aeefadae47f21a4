//! End to end, through the real Postfix into the Dovecot inbox: a
//! probation officer's covering note with the referral form attached as a
//! Word document is read, recorded and acknowledged in its thread.

mod common;

use base64::Engine;
use common::{header, mail_servers, messages, smtp_outgoing, wait_until, write_config_sending};
use dtr_gateway::config::Config;
use dtr_gateway::documents::write::{docx, word_paragraph, word_table};
use dtr_gateway::shutdown::Shutdown;
use dtr_gateway::store::Store;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

/// The officer's mail: a two-line note, the form in a Word table.
fn covering_note_with_form(message_id: &str, to: &str) -> Vec<u8> {
    let rows: Vec<Vec<String>> = [
        ("Referral type", "Duty to Refer"),
        ("Full name", "Attached Person"),
        ("Date of birth", "14/07/1988"),
        ("CRN", "X654321"),
        ("Custody status", "community"),
        ("Consent to referral", "Yes"),
        ("Reason at risk of homelessness", "Asked to leave by family"),
        ("Local connection", "resident"),
        ("Referring agency", "Probation Service"),
        ("Referrer name", "Jo Officer"),
        ("Referrer email", "referrer@justice.test"),
        ("Referrer phone", "01632 960000"),
    ]
    .iter()
    .map(|(l, v)| vec![l.to_string(), v.to_string()])
    .collect();
    let form =
        docx(&(word_paragraph("DUTY TO REFER REFERRAL") + &word_table(&rows))).expect("docx");
    let encoded = base64::engine::general_purpose::STANDARD.encode(form);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).expect("ascii"))
        .collect();
    format!(
        "From: Jo Officer <referrer@justice.test>\r\nTo: {to}\r\nSubject: DTR\r\n\
         Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"note\"\r\n\r\n--note\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nPlease find attached.\r\n\r\nJo\r\n--note\r\n\
         Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; name=\"DTR referral.docx\"\r\n\
         Content-Disposition: attachment; filename=\"DTR referral.docx\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--note--\r\n",
        lines.join("\r\n")
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_attached_as_word_is_acknowledged_through_postfix_and_dovecot() {
    let servers = mail_servers();
    servers.reset("maldon");
    servers.reset("referrer");
    let dir = TempDir::new().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    let config_dir = write_config_sending(
        dir.path(),
        &database,
        &["maldon"],
        "",
        Some(&smtp_outgoing(100)),
    );
    let store = Store::open(&database).await.expect("store");
    let (config, _) = Config::load(Some(&config_dir)).expect("config");
    let (stop, shutdown) = Shutdown::new();
    let task = tokio::spawn(dtr_gateway::daemon::run(
        Arc::new(config),
        store.clone(),
        common::templates(),
        shutdown,
    ));
    assert!(
        common::wait_idle(&store, "maldon", Duration::from_secs(20)).await,
        "maldon is watched"
    );

    servers.send(
        "referrer@justice.test",
        "maldon@lha.test",
        &covering_note_with_form("attached-e2e-1@justice.test", "maldon@lha.test"),
    );
    wait_until(Duration::from_secs(20), || async {
        !messages("referrer", "INBOX").is_empty()
    })
    .await;
    let acks = messages("referrer", "INBOX");
    assert_eq!(acks.len(), 1, "one acknowledgement");
    let subject = header(&acks[0], "Subject").expect("subject");
    assert!(
        subject.starts_with("[DTR-MAL-2026-") && subject.ends_with("] Referral received"),
        "{subject}"
    );
    assert_eq!(
        header(&acks[0], "In-Reply-To").as_deref(),
        Some("<attached-e2e-1@justice.test>")
    );
    assert!(
        !acks[0].contains("Attached Person"),
        "the acknowledgement names the person"
    );

    let _ = stop.send(true);
    tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .expect("stops")
        .expect("ends cleanly")
        .expect("the daemon runs");
}
