//! The sender's unit tests: composing mail, and claiming, retrying and
//! settling through the in-process stub transport.

use super::*;
use crate::core::ids::OutboxId;
use crate::core::referral::ReferralType;
use chrono::TimeZone;

fn row(message_id: &str, in_reply_to: Option<String>) -> OutboxRow {
    OutboxRow {
        id: crate::core::ids::OutboxId::new(1),
        case_id: None,
        case_ref: None,
        authority: "COL".into(),
        purpose: "blank_form".into(),
        to: vec!["jo@justice.gov.uk".into()],
        cc: Vec::new(),
        context: json!({}),
        message_id: message_id.into(),
        in_reply_to,
        status: crate::core::states::OutboxStatus::Sending,
        attempts: 0,
        last_error: None,
        created_at: Utc::now(),
        sent_at: None,
        next_attempt_at: Utc::now(),
    }
}

fn rendered(subject: &str) -> crate::templates::Rendered {
    crate::templates::Rendered {
        subject: subject.into(),
        text: "text".into(),
        html: "<p>html</p>".into(),
    }
}

#[test]
fn no_header_line_is_longer_than_mail_allows() {
    let (config, _) = Config::embedded().expect("embedded config");
    let authority = config.authorities.by_code("COL").expect("Colchester");
    let id = "<dtr.x.blank_form.1@dtr-gateway.invalid>";
    let lines = |message: &Message| {
        String::from_utf8_lossy(&message.formatted())
            .split("\r\n\r\n")
            .next()
            .unwrap_or_default()
            .split("\r\n")
            .map(str::len)
            .max()
            .unwrap_or_default()
    };
    // Threaded to a Message-ID that fits; not to one that does not.
    let fits = format!("<{}@x>", "a".repeat(MAX_LINE - "In-Reply-To: <@x>".len()));
    let message = build_message(
        &row(id, Some(fits.clone())),
        authority,
        Purpose::BlankForm,
        rendered("Form"),
        Vec::new(),
    )
    .expect("built");
    assert_eq!(lines(&message), MAX_LINE);
    assert!(message.headers().get_raw("In-Reply-To") == Some(fits.as_str()));
    let over = format!("<a{}", &fits[1..]);
    let message = build_message(
        &row(id, Some(over)),
        authority,
        Purpose::BlankForm,
        rendered(&format!("Form {}", "y".repeat(3000))),
        Vec::new(),
    )
    .expect("built");
    assert!(lines(&message) <= MAX_LINE);
    assert!(message.headers().get_raw("In-Reply-To").is_none());
    assert!(message.headers().get_raw("References").is_none());
    // What cannot be folded (a Message-ID of the gateway's own domain,
    // set too long) fails the mail, naming the header.
    let long_id = format!("<dtr.x@{}.invalid>", "d".repeat(1000));
    let error = build_message(
        &row(&long_id, None),
        authority,
        Purpose::BlankForm,
        rendered("Form"),
        Vec::new(),
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(
        error.contains("Message-ID header") && error.contains("998"),
        "{error}"
    );
}

#[test]
fn a_follow_up_asks_for_the_lead_officer_when_its_rule_is_met_by_one() {
    let (config, _) = Config::embedded().expect("embedded config");
    let queued = |id: &str| json!({ "id": id, "commitment": "10" });
    let lead = deadline_data(Some(&queued("lead_officer")), &config);
    assert_eq!(lead["asks_for_lead"], json!(true));
    assert_eq!(lead["commitment"], json!("10"));
    for other in ["acknowledge", "keep_accommodation", "a_rule_since_removed"] {
        let data = deadline_data(Some(&queued(other)), &config);
        assert_eq!(data["asks_for_lead"], json!(false), "{other}");
    }
    assert_eq!(deadline_data(None, &config), Value::Null);
}

#[test]
fn the_acknowledgement_lists_what_the_protocol_says_is_owed_next() {
    let (config, _) = Config::embedded().expect("embedded config");
    let referral = Referral {
        referral_type: Some(ReferralType::KeepAccommodation),
        ..Referral::default()
    };
    // Monday 23 November 2026, 10:00.
    let received = Utc
        .with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
        .single()
        .expect("time");
    let colchester = config.authorities.by_code("COL").expect("Colchester");
    let listed = |referral: &Referral| {
        deadlines(referral, received, colchester, &config, uk_date(received))
            .iter()
            .filter_map(|d| {
                Some((
                    d["what"].as_str()?.to_string(),
                    d["by"].as_str()?.to_string(),
                ))
            })
            .collect::<Vec<_>>()
    };
    // A request to help keep accommodation owes commitment 2, not the
    // lead officer of a homeless application (commitment 10).
    assert_eq!(
        listed(&referral),
        [(
            "An answer to the request for help to keep the accommodation".to_string(),
            "Thursday 26 November 2026".to_string()
        )]
    );
    let duty = Referral {
        referral_type: Some(ReferralType::DutyToRefer),
        ..Referral::default()
    };
    assert_eq!(
        listed(&duty),
        [(
            "A substantive response naming the authority's lead officer".to_string(),
            "Monday 30 November 2026".to_string()
        )]
    );
}

#[test]
fn a_date_gone_by_when_the_mail_is_sent_is_said_to_have_passed() {
    let (config, _) = Config::embedded().expect("embedded config");
    let duty = Referral {
        referral_type: Some(ReferralType::DutyToRefer),
        ..Referral::default()
    };
    // The clock started on Monday 23 November 2026, 10:00.
    let from = Utc
        .with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
        .single()
        .expect("time");
    let colchester = config.authorities.by_code("COL").expect("Colchester");
    let lead = |today: chrono::NaiveDate| {
        deadlines(&duty, from, colchester, &config, today)
            .into_iter()
            .next()
            .expect("the lead officer")
    };
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, d).expect("day");
    // Due Monday 30 November: still to come that day, passed the day after.
    assert_eq!(lead(day(30))["passed"], json!(false));
    let passed = lead(day(30).succ_opt().expect("day"));
    assert_eq!(passed["passed"], json!(true));
    assert_eq!(passed["by"], json!("Monday 30 November 2026"));
}

// ------------------------------------------- claiming, retrying, settling

mod through_the_stub {
    use super::super::stub::{Answer, Stub};
    use super::*;
    use crate::config::SendLimits;

    struct Bench {
        sender: Sender,
        stub: Arc<Stub>,
        shutdown: Shutdown,
        _stop: tokio::sync::watch::Sender<bool>,
    }

    async fn bench(answers: &[Answer]) -> Bench {
        let (config, _) = Config::embedded().expect("embedded config");
        let templates = Templates::load(None).expect("templates");
        let store = Store::open("sqlite::memory:").await.expect("store");
        let (stop, shutdown) = Shutdown::new();
        Bench {
            sender: Sender {
                store,
                config: Arc::new(config),
                templates: Arc::new(templates),
                as_of: None,
            },
            stub: Arc::new(Stub::answering(answers)),
            shutdown,
            _stop: stop,
        }
    }

    impl Bench {
        async fn queue(&self, n: usize) -> Vec<OutboxId> {
            let mut ids = Vec::new();
            for _ in 0..n {
                ids.push(
                    self.sender
                        .store
                        .queue_bare("COL", "blank_form", "jo@justice.gov.uk")
                        .await
                        .expect("queued"),
                );
            }
            ids
        }

        async fn send(&self) -> usize {
            self.sender
                .send_batches(&mut Some(self.routes()), &self.shutdown)
                .await
                .expect("sent")
        }

        fn routes(&self) -> Routes {
            let transport: Arc<dyn MailTransport> = self.stub.clone();
            Routes::single(Route::new(
                SHARED,
                Ok(transport),
                crate::config::OTHER_RELAY,
            ))
        }

        /// (status, attempts, last_error) of a row.
        async fn row(&self, id: OutboxId) -> (String, i64, Option<String>) {
            sqlx::query_as("SELECT status, attempts, last_error FROM outbox WHERE id = $1")
                .bind(id)
                .fetch_one(self.sender.store.pool())
                .await
                .expect("row")
        }

        async fn seconds_until_due(&self, id: OutboxId) -> i64 {
            let rows = self.sender.store.outbox(false).await.expect("outbox");
            let row = rows.iter().find(|r| r.id == id).expect("row");
            (row.next_attempt_at - Utc::now()).num_seconds()
        }
    }

    #[tokio::test]
    async fn each_mail_due_is_claimed_sent_once_and_marked_sent() {
        let bench = bench(&[]).await;
        let ids = bench.queue(3).await;
        assert_eq!(bench.send().await, 3);
        assert_eq!(bench.stub.taken().len(), 3);
        for id in ids {
            assert_eq!(bench.row(id).await, ("sent".into(), 1, None));
        }
        // Nothing is due any more: nothing goes twice.
        assert_eq!(bench.send().await, 0);
        assert_eq!(bench.stub.tried().len(), 3);
    }

    #[tokio::test]
    async fn a_temporary_refusal_is_tried_again_later_not_at_once() {
        let bench = bench(&[Answer::Refuse(451, "4.3.0 try again later")]).await;
        let [id] = bench.queue(1).await[..] else {
            panic!("one row")
        };
        assert_eq!(bench.send().await, 0);
        let (status, attempts, error) = bench.row(id).await;
        assert_eq!((status.as_str(), attempts), ("queued", 1));
        assert!(error.is_some_and(|e| e.contains("451")));
        // The first retry waits a minute (30 s doubled for the attempt).
        let wait = bench.seconds_until_due(id).await;
        assert!((50..=60).contains(&wait), "{wait}");
        assert_eq!(bench.send().await, 0, "not due yet");
        assert_eq!(bench.stub.tried().len(), 1);
    }

    #[tokio::test]
    async fn an_unreachable_relay_is_a_temporary_failure() {
        let bench = bench(&[Answer::Unreachable]).await;
        let [id] = bench.queue(1).await[..] else {
            panic!("one row")
        };
        bench.send().await;
        let (status, _, error) = bench.row(id).await;
        assert_eq!(status, "queued");
        assert!(error.is_some_and(|e| e.contains("cannot reach the relay")));
    }

    #[tokio::test]
    async fn the_sender_fails_from_its_first_temporary_failure_until_a_mail_goes() {
        let bench = bench(&[
            Answer::Unreachable,
            Answer::Refuse(421, "4.4.2 connection dropped"),
        ])
        .await;
        bench.queue(1).await;
        let store = &bench.sender.store;
        let routes = bench.routes();
        let failing = || async {
            store
                .sender_health(Utc::now(), true)
                .await
                .expect("health")
                .identities
        };
        bench
            .sender
            .send_batches(&mut Some(bench.routes()), &bench.shutdown)
            .await
            .expect("sent");
        let first = failing().await;
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].identity, "shared");
        assert!(first[0].failing_since.is_some());
        assert!(first[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("cannot reach")));
        // Due again now: refused, still failing since the first time.
        sqlx::query("UPDATE outbox SET next_attempt_at = created_at")
            .execute(store.pool())
            .await
            .expect("due");
        let mut kept = Some(routes);
        bench
            .sender
            .send_batches(&mut kept, &bench.shutdown)
            .await
            .expect("sent");
        let second = failing().await;
        assert_eq!(second[0].failing_since, first[0].failing_since);
        assert!(second[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("421")));
        sqlx::query("UPDATE outbox SET next_attempt_at = created_at")
            .execute(store.pool())
            .await
            .expect("due");
        assert_eq!(
            bench
                .sender
                .send_batches(&mut kept, &bench.shutdown)
                .await
                .expect("sent"),
            1
        );
        assert_eq!(failing().await[0].failing_since, None);
    }

    #[tokio::test]
    async fn throttling_is_waited_out_uncounted_and_is_no_failure() {
        let bench = bench(&[Answer::Refuse(
            432,
            "4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded",
        )])
        .await;
        let [id] = bench.queue(1).await[..] else {
            panic!("one row")
        };
        let routes = bench.routes();
        let mut kept = Some(routes);
        assert_eq!(
            bench
                .sender
                .send_batches(&mut kept, &bench.shutdown)
                .await
                .expect("sent"),
            0
        );
        // Queued again for after the pause, the attempt not counted, no
        // error on the row, and the sender not failing.
        assert_eq!(bench.row(id).await, ("queued".into(), 0, None));
        let wait = bench.seconds_until_due(id).await;
        assert!((50..=60).contains(&wait), "{wait}");
        let health = bench
            .sender
            .store
            .sender_health(Utc::now(), true)
            .await
            .expect("health");
        assert!(health.identities.iter().all(|i| i.failing_since.is_none()));
        // Due again within the pause (another gateway's clock, say): the
        // mail is not even tried while the relay asked for a pause.
        sqlx::query("UPDATE outbox SET next_attempt_at = created_at")
            .execute(bench.sender.store.pool())
            .await
            .expect("due");
        bench
            .sender
            .send_batches(&mut kept, &bench.shutdown)
            .await
            .expect("sent");
        assert_eq!(bench.stub.tried().len(), 1);
        assert_eq!(bench.row(id).await.0, "queued");
    }

    #[tokio::test]
    async fn each_authority_sends_by_its_own_identity_and_the_rest_by_the_shared_one() {
        let bench = bench(&[]).await;
        let store = &bench.sender.store;
        store
            .queue_bare("COL", "blank_form", "jo@justice.gov.uk")
            .await
            .expect("queued");
        store
            .queue_bare("HAR", "blank_form", "jo@justice.gov.uk")
            .await
            .expect("queued");
        let colchester = Arc::new(Stub::default());
        let own: Arc<dyn MailTransport> = colchester.clone();
        let routes = bench.routes().with(
            Route::new("colchester", Ok(own), crate::config::EXCHANGE_ONLINE),
            &["COL"],
        );
        assert_eq!(
            bench
                .sender
                .send_batches(&mut Some(routes), &bench.shutdown)
                .await
                .expect("sent"),
            2
        );
        assert_eq!(colchester.taken(), ["<dtr.test.0@dtr-gateway.invalid>"]);
        assert_eq!(bench.stub.taken(), ["<dtr.test.1@dtr-gateway.invalid>"]);
    }

    #[tokio::test]
    async fn a_restart_does_not_start_the_relays_day_again() {
        let bench = bench(&[]).await;
        let limited = || {
            let transport: Arc<dyn MailTransport> = bench.stub.clone();
            Routes::single(Route::new(
                SHARED,
                Ok(transport),
                SendLimits {
                    max_connections: 1,
                    max_per_minute: None,
                    max_recipients_per_day: Some(2),
                },
            ))
        };
        bench.queue(2).await;
        let before = limited();
        bench.sender.count_the_last_day(&before).await;
        assert_eq!(
            bench
                .sender
                .send_batches(&mut Some(before), &bench.shutdown)
                .await
                .expect("sent"),
            2
        );
        // The gateway starts again: its routes are new, the day is not.
        let [id] = bench.queue(1).await[..] else {
            panic!("one row")
        };
        let after = limited();
        bench.sender.count_the_last_day(&after).await;
        assert_eq!(
            bench
                .sender
                .send_batches(&mut Some(after), &bench.shutdown)
                .await
                .expect("sent"),
            0
        );
        assert_eq!(bench.row(id).await.0, "queued");
        assert!(
            bench.seconds_until_due(id).await > 23 * 3600,
            "it waits until the first of the day's mails is a day old"
        );
    }

    #[tokio::test]
    async fn time_bound_mail_is_claimed_before_notes_to_the_authority() {
        let bench = bench(&[]).await;
        let store = &bench.sender.store;
        for purpose in ["notice", "acknowledgement", "quarantine_notice", "chase"] {
            store
                .queue_bare("COL", purpose, "jo@justice.gov.uk")
                .await
                .expect("queued");
        }
        let first = store.claim_due(Utc::now(), 2).await.expect("claimed");
        let purposes: Vec<&str> = first.iter().map(|r| r.purpose.as_str()).collect();
        assert_eq!(purposes, ["acknowledgement", "chase"]);
        let rest = store.claim_due(Utc::now(), 10).await.expect("claimed");
        let purposes: Vec<&str> = rest.iter().map(|r| r.purpose.as_str()).collect();
        assert_eq!(purposes, ["notice", "quarantine_notice"]);
    }

    #[tokio::test]
    async fn a_permanent_refusal_fails_the_mail_for_good() {
        let bench = bench(&[Answer::Refuse(550, "5.1.1 no such mailbox")]).await;
        let ids = bench.queue(2).await;
        // The second mail is not held up by the first's refusal.
        assert_eq!(bench.send().await, 1);
        let (status, attempts, error) = bench.row(ids[0]).await;
        assert_eq!((status.as_str(), attempts), ("failed", 1));
        assert!(error.is_some_and(|e| e.contains("550 5.1.1")));
        assert_eq!(bench.row(ids[1]).await.0, "sent");
        assert_eq!(bench.send().await, 0);
        assert_eq!(
            bench.stub.tried().len(),
            2,
            "a failed mail is not tried again"
        );
    }

    #[tokio::test]
    async fn a_mail_whose_claim_passed_to_another_gateway_is_left_to_it() {
        let bench = bench(&[]).await;
        let [id] = bench.queue(1).await[..] else {
            panic!("one row")
        };
        let store = &bench.sender.store;
        let rows = store.claim_due(Utc::now(), 10).await.expect("claimed");
        // Its claim ran out while it waited, and another gateway took it.
        sqlx::query("UPDATE outbox SET claimed_by = 'another' WHERE id = $1")
            .bind(id)
            .execute(store.pool())
            .await
            .expect("taken");
        let routes = bench.routes();
        for row in rows {
            let went = bench
                .sender
                .deliver(&routes, row, false, &bench.shutdown)
                .await
                .expect("settled");
            assert!(!went);
        }
        assert!(bench.stub.tried().is_empty(), "not sent by this gateway");
        assert_eq!(bench.row(id).await.0, "sending");
    }

    #[tokio::test]
    async fn what_became_of_a_mail_is_recorded_once_the_store_answers_again() {
        let bench = bench(&[]).await;
        let [id] = bench.queue(1).await[..] else {
            panic!("one row")
        };
        let pool = bench.sender.store.pool().clone();
        // The store refuses to record a mail sent (a full disk, say) until
        // the refusal is lifted.
        for sql in [
            "CREATE TABLE refuse (x INTEGER)",
            "INSERT INTO refuse VALUES (1)",
            "CREATE TRIGGER refuse_sent BEFORE UPDATE OF status ON outbox \
             WHEN NEW.status = 'sent' AND EXISTS (SELECT 1 FROM refuse) \
             BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
        ] {
            sqlx::query(sql).execute(&pool).await.expect("set up");
        }
        let lift = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            sqlx::query("DELETE FROM refuse")
                .execute(&pool)
                .await
                .expect("lifted");
        });
        assert_eq!(bench.send().await, 1);
        lift.await.expect("lifted");
        assert_eq!(bench.row(id).await.0, "sent");
        assert_eq!(bench.stub.tried().len(), 1, "sent once, recorded later");
    }

    #[tokio::test]
    async fn a_transport_is_kept_open_across_the_batches_of_a_run() {
        let bench = bench(&[]).await;
        bench.queue(1).await;
        let mut made = Some(bench.routes());
        bench
            .sender
            .send_batches(&mut made, &bench.shutdown)
            .await
            .expect("sent");
        assert!(!bench.stub.closed(), "kept open within a run");
    }
}

fn smtp_config(credentials: &str) -> Config {
    let gateway = format!(
        "[gateway]\ndatabase = \"sqlite::memory:\"\n[referrers]\nallowed_domains = [\"*.gov.uk\"]\n\
         [outgoing]\ntransport = \"smtp\"\nmessage_id_domain = \"dtr.example.gov.uk\"\n\
         [outgoing.smtp]\nhost = \"127.0.0.1\"\nusername = \"gateway\"\n{credentials}\n"
    );
    let authorities = include_str!("../../config/authorities.toml");
    let holidays = include_str!("../../config/bank-holidays.json");
    Config::from_strings(&gateway, authorities, holidays)
        .expect("valid")
        .0
}

#[test]
fn a_missing_secret_is_a_configuration_error_at_start_naming_its_key() {
    let config = smtp_config("password_env = \"DTR_TEST_NEVER_SET_ANYWHERE\"");
    let error = check_credentials(&config).expect_err("missing");
    assert!(!error.is_transient());
    let said = error.to_string();
    assert!(
        said.starts_with("outgoing.smtp.password_env: the environment variable DTR_TEST_NEVER_SET_ANYWHERE is not set"),
        "{said}"
    );
    // A file there when the configuration was checked, gone at start.
    let dir = tempfile::TempDir::new().expect("dir");
    let file = dir.path().join("smtp.password");
    std::fs::write(&file, "secret\n").expect("written");
    let config = smtp_config(&format!("password_file = \"{}\"", file.display()));
    assert!(check_credentials(&config).is_ok());
    std::fs::remove_file(&file).expect("removed");
    let said = check_credentials(&config).expect_err("missing").to_string();
    let expected = format!(
        "outgoing.smtp.password_file: cannot read {}",
        file.display()
    );
    assert!(said.starts_with(&expected), "{said}");
    // A token command is known only when it runs.
    assert!(check_credentials(&smtp_config("token_command = \"false\"")).is_ok());
}
