//! The morning digest through the real mail servers: the authority's
//! Dovecot inbox receives one digest per working day, with the right
//! counts, and none on a weekend or where it is turned off.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use common::{header, ingest_into, mail_servers, messages, referral, smtp_outgoing, wait_until};
use dtr_gateway::config::Config;
use dtr_gateway::outbox::Sender;
use dtr_gateway::store::Store;
use dtr_gateway::sweep::{sweep_once, Mode};
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

fn uk(d: u32, h: u32, min: u32) -> DateTime<Utc> {
    London
        .with_ymd_and_hms(2026, 12, d, h, min, 0)
        .single()
        .expect("a UK time")
        .with_timezone(&Utc)
}

fn digests(user: &str) -> Vec<String> {
    messages(user, "INBOX")
        .into_iter()
        .filter(|m| header(m, "Subject").is_some_and(|s| s.starts_with("Duty to Refer digest for")))
        .collect()
}

/// A digest's body as plain text, whatever its transfer encoding.
fn text_of(message: &str) -> String {
    let message = message.replace("\r\n", "\n").replace("=\n", "");
    message.replace("=3D", "=").replace("=E2=80=99", "\u{2019}")
}

#[tokio::test(flavor = "multi_thread")]
async fn each_working_day_the_inbox_gets_one_digest_with_the_right_counts() {
    let servers = mail_servers();
    servers.reset("colchester");
    servers.reset("tendring");
    let dir = TempDir::new().expect("temp dir");
    let database = format!("sqlite:{}", dir.path().join("cases.db").display());
    // Colchester has the digest by default; Tendring turned it off.
    std::fs::write(
        dir.path().join("authorities.toml"),
        "[[authority]]\nname = \"Colchester\"\nfull_name = \"Colchester City Council\"\n\
         code = \"COL\"\ninbox = \"colchester@lha.test\"\n\
         operational_lead = { name = \"Lee Lead\", email = \"lead@lha.test\" }\n\
         dispute_contact = { name = \"Sam Senior\", email = \"senior@lha.test\" }\n\n\
         [[authority]]\nname = \"Tendring\"\ncode = \"TEN\"\ninbox = \"tendring@lha.test\"\n\
         digest = false\n\
         operational_lead = { name = \"Tess Lead\", email = \"lead@lha.test\" }\n\
         dispute_contact = { name = \"Sam Senior\", email = \"senior@lha.test\" }\n",
    )
    .expect("write authorities.toml");
    std::fs::write(
        dir.path().join("gateway.toml"),
        format!(
            "[gateway]\ndatabase = \"{database}\"\n\n[outgoing]\n{}\n\n\
             [referrers]\nallowed_domains = [\"justice.test\"]\n\n\
             [[mailbox]]\nname = \"colchester\"\nauthority = \"COL\"\n[mailbox.imap]\n\
             host = \"127.0.0.1\"\nport = {}\ntls = \"implicit\"\nca_file = \"{}\"\n\
             username = \"colchester\"\npassword_env = \"DTR_MAIL_PASSWORD\"\n",
            smtp_outgoing(100),
            servers.port("DTR_IMAPS_PORT"),
            servers.get("DTR_MAIL_CA"),
        ),
    )
    .expect("write gateway.toml");
    let (mut config, _) = Config::load(Some(dir.path())).expect("the configuration loads");
    // Nothing is answered: the referrals' deadlines stay open, and only
    // the digests (and the sweep's follow-ups) are mailed.
    config.answer_max_age = chrono::Duration::zero();
    let config = Arc::new(config);
    let store = Store::open(&database).await.expect("store");

    // Friday 4 December: two referrals.
    for n in 1..=2 {
        let raw = referral(
            &format!("digest-{n}@justice.test"),
            n,
            "colchester@lha.test",
        );
        ingest_into(&store, &config, "colchester", &raw, uk(4, 11, 0)).await;
    }
    let sweep = |at| {
        let (store, config) = (store.clone(), config.clone());
        async move {
            sweep_once(&store, &config, at, true, Mode::Record)
                .await
                .expect("sweep")
        }
    };
    // Monday 7: before the sending hours, nothing; from them, one digest,
    // however often the sweep runs.
    assert!(sweep(uk(7, 8, 0)).await.digests.is_empty());
    assert_eq!(sweep(uk(7, 9, 0)).await.digests, ["COL"]);
    assert!(sweep(uk(7, 9, 1)).await.digests.is_empty());
    assert!(sweep(uk(7, 15, 0)).await.digests.is_empty());
    // Monday afternoon: a third referral.
    let raw = referral("digest-3@justice.test", 3, "colchester@lha.test");
    ingest_into(&store, &config, "colchester", &raw, uk(7, 14, 0)).await;
    // Tuesday and Wednesday: one each; Saturday: none.
    assert_eq!(sweep(uk(8, 9, 30)).await.digests, ["COL"]);
    assert_eq!(sweep(uk(9, 9, 30)).await.digests, ["COL"]);
    assert!(sweep(uk(9, 9, 31)).await.digests.is_empty());
    assert!(sweep(uk(12, 10, 0)).await.digests.is_empty());

    let sender = Sender {
        store: store.clone(),
        config: config.clone(),
        templates: common::templates(),
        as_of: None,
    };
    let (_stop, shutdown) = dtr_gateway::shutdown::Shutdown::new();
    sender.send_due(&shutdown).await.expect("send");
    let arrived = wait_until(Duration::from_secs(30), || async {
        digests("colchester").len() >= 3
    })
    .await;
    assert!(arrived.is_some(), "three digests arrive");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got: Vec<String> = digests("colchester").iter().map(|m| text_of(m)).collect();
    assert_eq!(got.len(), 3, "one a working day: {got:#?}");
    assert!(digests("tendring").is_empty(), "Tendring's is off");

    let subject = |m: &str| header(m, "Subject").unwrap_or_default();
    let find = |day: &str| -> &String {
        got.iter()
            .find(|m| subject(m).ends_with(day))
            .unwrap_or_else(|| panic!("no digest for {day}: {got:#?}"))
    };
    let monday = find("Monday 7 December 2026");
    let tuesday = find("Tuesday 8 December 2026");
    let wednesday = find("Wednesday 9 December 2026");
    // Monday: the two of Friday (since the working day before), nothing
    // due yet, four deadlines waiting for the council.
    assert!(
        monday.contains("New referrals since Friday 4 December 2026 at 00:00: 2"),
        "{monday}"
    );
    assert!(monday.contains("Due today: 0"), "{monday}");
    assert!(monday.contains("Overdue: 0"), "{monday}");
    assert!(monday.contains("Waiting for the council: 4"), "{monday}");
    assert!(
        monday.contains("Nothing is due today and nothing is overdue."),
        "{monday}"
    );
    // Tuesday: the one of Monday afternoon, since Monday's digest.
    assert!(
        tuesday.contains("New referrals since Monday 7 December 2026 at 09:00: 1"),
        "{tuesday}"
    );
    assert!(tuesday.contains("DTR-COL-2026-00003"), "{tuesday}");
    assert!(
        !tuesday.contains("DTR-COL-2026-00001  received"),
        "{tuesday}"
    );
    // Wednesday: Friday's two acknowledgements are due.
    assert!(wednesday.contains("New referrals since"), "{wednesday}");
    assert!(wednesday.contains(": 0\n"), "{wednesday}");
    assert!(wednesday.contains("Due today: 2"), "{wednesday}");
    assert!(!wednesday.contains("Nothing is due"), "{wednesday}");
    // References and dates, never the person.
    for m in [monday, tuesday, wednesday] {
        for private in [
            "Test Person",
            "14/07/1988",
            "14 July 1988",
            "No address on release",
        ] {
            assert!(!m.contains(private), "{private} in a digest: {m}");
        }
    }
}
