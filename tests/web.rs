//! The web view of the real daemon binary (`dtr-gateway run`): officers of
//! Colchester and Harlow and a coordinator sign in with the link the
//! gateway mails them (written as `.eml` files by the files transport), and
//! each sees only what is theirs. Referrals arrive through Maildir folders;
//! no mail server is needed. Requests are plain HTTP/1.1 over a TcpStream.

mod common;

use common::wait_for;
use common::web_client::tls_client;
use common::web_gateway::*;

use regex::Regex;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

#[test]
fn officers_sign_in_by_link_and_see_their_own_authority_only() {
    let gateway = Gateway::start();
    let colchester = gateway.refer("colchester", 1);
    let harlow = gateway.refer("harlow", 2);

    // The sign-in page, with the security headers.
    let start = gateway.request("GET", "/", None, None).expect("an answer");
    assert_eq!(start.status, 200);
    assert!(start
        .body
        .contains("<label for=\"email\">Email address</label>"));
    assert!(start
        .header("content-security-policy")
        .is_some_and(|v| v.contains("default-src 'self'") && v.contains("frame-ancestors 'none'")));
    assert_eq!(start.header("referrer-policy"), Some("same-origin"));
    // Plain HTTP does not ask browsers to insist on HTTPS.
    assert_eq!(start.header("strict-transport-security"), None);

    // A form posted from an opaque origin (a sandboxed frame, a data: page)
    // or another site is refused; from the view itself it is taken.
    for (origin, status) in [
        ("null".to_string(), 403),
        ("http://evil.test".to_string(), 403),
        (format!("http://127.0.0.1:{}", gateway.port), 200),
    ] {
        let answer = gateway
            .request_with(
                "POST",
                "/sign-in",
                None,
                Some("email=nobody%40lha.test"),
                &format!("Origin: {origin}\r\n"),
            )
            .expect("an answer");
        assert_eq!(answer.status, status, "Origin: {origin}\n{}", answer.body);
    }

    // Whoever asks gets the same page; only the officer gets mail.
    let asked = |email: &str| {
        gateway
            .request(
                "POST",
                "/sign-in",
                None,
                Some(&format!("email={}", email.replace('@', "%40"))),
            )
            .expect("an answer")
    };
    let stranger = asked("stranger@lha.test");
    let inbox = asked("colchester@lha.test");
    let officer = asked(ANN);
    assert_eq!(stranger.status, 200);
    assert_eq!(stranger.body, officer.body);
    assert_eq!(inbox.body, officer.body);
    let token = wait_for(Duration::from_secs(20), || {
        gateway.mails_to(ANN).last().map(|m| token_in(m))
    })
    .unwrap_or_else(|| panic!("no link for Ann:\n{}", gateway.log()));
    assert!(gateway.mails_to("stranger@lha.test").is_empty());
    assert!(gateway
        .mails_to("colchester@lha.test")
        .iter()
        .all(|m| !m.contains("/sign-in/")));

    // Opening the link (as a mail scanner does) uses nothing.
    for _ in 0..2 {
        let opened = gateway
            .request("GET", &format!("/sign-in/{token}"), None, None)
            .expect("an answer");
        assert_eq!(opened.status, 200);
        assert!(opened.body.contains(">Sign in</button>"), "{}", opened.body);
        assert_eq!(opened.header("set-cookie"), None);
    }
    let redeemed = gateway
        .request("POST", &format!("/sign-in/{token}"), None, Some(""))
        .expect("an answer");
    assert_eq!(redeemed.status, 303, "{}", redeemed.body);
    assert_eq!(redeemed.header("location"), Some("/cases"));
    let cookie = redeemed.header("set-cookie").expect("a cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let ann = session_of(&redeemed);
    // Used once.
    let again = gateway
        .request("POST", &format!("/sign-in/{token}"), None, Some(""))
        .expect("an answer");
    assert_eq!(again.status, 400);
    assert!(again.body.contains("That link cannot be used"));
    assert_eq!(again.header("set-cookie"), None);

    // Ann sees Colchester's case, not Harlow's.
    let cases = gateway
        .request("GET", "/cases", Some(&ann), None)
        .expect("an answer");
    assert_eq!(cases.status, 200);
    assert!(cases.body.contains(&colchester), "{}", cases.body);
    assert!(cases.body.contains("Test Person1"));
    assert!(!cases.body.contains(&harlow));
    assert!(!cases.body.contains("Test Person2"));
    let searched = gateway
        .request("GET", "/cases?q=A0001AA", Some(&ann), None)
        .expect("an answer");
    assert!(searched.body.contains(&colchester));
    // Filters as `cases` has them: a new case's next deadline is on time.
    let on_time = gateway
        .request("GET", "/cases?state=green", Some(&ann), None)
        .expect("an answer");
    assert!(on_time.body.contains(&colchester), "{}", on_time.body);
    let overdue = gateway
        .request("GET", "/cases?state=red", Some(&ann), None)
        .expect("an answer");
    assert!(!overdue.body.contains(&colchester), "{}", overdue.body);
    assert!(overdue.body.contains("<option value=\"red\" selected>"));
    let none = gateway
        .request("GET", "/cases?q=nobody-at-all", Some(&ann), None)
        .expect("an answer");
    assert!(
        none.body.contains("No cases match these filters") && !none.body.contains("<table"),
        "{}",
        none.body
    );
    // `--overdue` and `--now`: not overdue today, overdue as seen in 2030.
    let overdue = gateway
        .request("GET", "/cases?overdue=yes", Some(&ann), None)
        .expect("an answer");
    assert!(!overdue.body.contains(&colchester), "{}", overdue.body);
    let later = gateway
        .request("GET", "/cases?overdue=yes&on=2030-01-07", Some(&ann), None)
        .expect("an answer");
    assert!(later.body.contains(&colchester), "{}", later.body);
    assert!(
        later
            .body
            .contains("Deadlines as they stand on Monday 7 January 2030"),
        "{}",
        later.body
    );
    assert!(!later.body.contains(&harlow));
    // `--due DATE`: nothing of this case falls due on a day in 2030; a
    // date that cannot be read is said beside its field, and no list is
    // shown as if it were filtered.
    let due = gateway
        .request("GET", "/cases?due=2030-01-07", Some(&ann), None)
        .expect("an answer");
    assert!(!due.body.contains(&colchester), "{}", due.body);
    assert!(due.body.contains("value=\"07/01/2030\""), "{}", due.body);
    let unreadable = gateway
        .request("GET", "/cases?due=31%2F02%2F2026", Some(&ann), None)
        .expect("an answer");
    assert!(
        unreadable
            .body
            .contains("A deadline due on: \u{201c}31/02/2026\u{201d} is not a date"),
        "{}",
        unreadable.body
    );
    assert_eq!(unreadable.status, 400);
    assert!(
        !unreadable.body.contains(&colchester),
        "{}",
        unreadable.body
    );

    let case = gateway
        .request("GET", &format!("/cases/{colchester}"), Some(&ann), None)
        .expect("an answer");
    assert_eq!(case.status, 200);
    assert!(case.body.contains("Full name"), "{}", case.body);
    assert!(case.body.contains("Test Person1"));
    assert!(case.body.contains("Referral received, complete"));
    assert!(
        case.body.contains(&format!("Viewed by {ANN} at ")),
        "{}",
        case.body
    );

    let theirs = gateway
        .request("GET", &format!("/cases/{harlow}"), Some(&ann), None)
        .expect("an answer");
    let nothing = gateway
        .request("GET", "/cases/DTR-COL-2026-99999", Some(&ann), None)
        .expect("an answer");
    assert_eq!(theirs.status, 404);
    assert_eq!(
        theirs.body, nothing.body,
        "another's case is told from no case"
    );
    assert!(!theirs.body.contains("Test Person2"));

    // And the other way round.
    let hal = gateway.sign_in(HAL);
    let case = gateway
        .request("GET", &format!("/cases/{harlow}"), Some(&hal), None)
        .expect("an answer");
    assert_eq!(case.status, 200);
    assert!(case.body.contains("Test Person2"));
    assert!(
        !case.body.contains(ANN),
        "Ann's view of her own case is not Harlow's business"
    );
    let theirs = gateway
        .request("GET", &format!("/cases/{colchester}"), Some(&hal), None)
        .expect("an answer");
    assert_eq!(theirs.status, 404);
    let list = gateway
        .request("GET", "/cases", Some(&hal), None)
        .expect("an answer");
    assert!(!list.body.contains(&colchester));

    // A coordinator counts, and reads no case.
    let cora = gateway.sign_in(CORA);
    let counts = gateway
        .request("GET", "/cases", Some(&cora), None)
        .expect("an answer");
    assert_eq!(counts.status, 200);
    assert!(
        counts.body.contains("Cases by authority"),
        "{}",
        counts.body
    );
    // Only the pages a coordinator may open are offered.
    assert!(counts.body.contains("href=\"/report\""), "{}", counts.body);
    assert!(
        !counts.body.contains("href=\"/quarantine\""),
        "{}",
        counts.body
    );
    assert!(
        counts
            .body
            .contains("<th scope=\"row\" data-label=\"Authority\">Colchester</th><td data-label=\"Open\">1</td>"),
        "{}",
        counts.body
    );
    assert!(!counts.body.contains(&colchester) && !counts.body.contains("Test Person1"));
    let case = gateway
        .request("GET", &format!("/cases/{colchester}"), Some(&cora), None)
        .expect("an answer");
    assert_eq!(case.status, 404);

    // The quarter's report: Ann's authority only; the coordinator's, all.
    let today = chrono::Utc::now().date_naive();
    let quarter = format!(
        "{}Q{}",
        chrono::Datelike::year(&today),
        (chrono::Datelike::month(&today) - 1) / 3 + 1
    );
    let report = gateway
        .request(
            "GET",
            &format!("/report?quarter={quarter}"),
            Some(&ann),
            None,
        )
        .expect("an answer");
    assert_eq!(report.status, 200, "{}", report.body);
    assert!(report.body.contains("<svg") && report.body.contains("Escalations"));
    assert!(
        report
            .body
            .contains("<th scope=\"row\" data-label=\"Measure\">Referrals accepted</th><td data-label=\"Colchester\">1</td></tr>"),
        "{}",
        report.body
    );
    assert!(!report.body.contains("Harlow"), "{}", report.body);
    let all = gateway
        .request(
            "GET",
            &format!("/report?quarter={quarter}"),
            Some(&cora),
            None,
        )
        .expect("an answer");
    assert!(
        all.body.contains("<th scope=\"col\">Harlow</th>"),
        "{}",
        all.body
    );
    let download = gateway
        .request(
            "GET",
            &format!("/report.csv?quarter={quarter}"),
            Some(&cora),
            None,
        )
        .expect("an answer");
    assert_eq!(
        download.header("content-type"),
        Some("text/csv; charset=utf-8")
    );
    // People's words in the header row: the authorities by name.
    assert!(
        download
            .body
            .starts_with("Measure,Basildon,Braintree,Brentwood,Castle Point,"),
        "{}",
        download.body
    );
    assert!(
        download.body.contains("Referrals accepted,"),
        "{}",
        download.body
    );
    // A quarter's figures change while it runs: the file says when they
    // were taken, in its name and its last line.
    let taken = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(
        download.header("content-disposition"),
        Some(format!("attachment; filename=\"dtr-report-{quarter}-as-at-{taken}.csv\"").as_str())
    );
    let last = download.body.lines().last().unwrap_or_default();
    assert!(last.starts_with("Figures as at,"), "{}", download.body);
    let bad = gateway
        .request("GET", "/report?quarter=2026Q7", Some(&ann), None)
        .expect("an answer");
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("is not a quarter such as 2026Q4"));

    // A forged cookie, and none: the sign-in page.
    let forged = "0".repeat(64);
    for cookie in [Some(forged.as_str()), Some("not-a-session"), None] {
        let answer = gateway
            .request("GET", "/cases", cookie, None)
            .expect("an answer");
        assert_eq!(answer.status, 303, "{cookie:?}");
        assert_eq!(answer.header("location"), Some("/?next=%2Fcases"));
        let answer = gateway
            .request("GET", &format!("/cases/{colchester}"), cookie, None)
            .expect("an answer");
        assert_eq!(answer.status, 303);
        assert!(!answer.body.contains("Test Person1"));
    }

    // Signing out needs the session's CSRF token.
    let without = gateway
        .request("POST", "/sign-out", Some(&ann), Some(""))
        .expect("an answer");
    assert_eq!(without.status, 403);
    let wrong = gateway
        .request(
            "POST",
            "/sign-out",
            Some(&ann),
            Some(&format!("csrf={}", "a".repeat(64))),
        )
        .expect("an answer");
    assert_eq!(wrong.status, 403);
    let still = gateway
        .request("GET", "/cases", Some(&ann), None)
        .expect("an answer");
    assert_eq!(still.status, 200);
    let csrf = csrf_of(&still.body);
    let out = gateway
        .request(
            "POST",
            "/sign-out",
            Some(&ann),
            Some(&format!("csrf={csrf}")),
        )
        .expect("an answer");
    assert_eq!(out.status, 303, "{}", out.body);
    let landing = gateway.after_sign_out(&out);
    assert!(landing.body.contains("You have signed out"));
    let after = gateway
        .request("GET", "/cases", Some(&ann), None)
        .expect("an answer");
    assert_eq!(after.status, 303);
}

#[tokio::test]
async fn an_expired_link_and_an_idle_session_open_nothing() {
    let gateway = Gateway::start();
    let colchester = gateway.refer("colchester", 3);
    let before = gateway.mails_to(ANN).len();
    gateway
        .request(
            "POST",
            "/sign-in",
            None,
            Some(&format!("email={}", ANN.replace('@', "%40"))),
        )
        .expect("an answer");
    let token = wait_for(Duration::from_secs(20), || {
        let mails = gateway.mails_to(ANN);
        (mails.len() > before).then(|| token_in(mails.last().expect("a mail")))
    })
    .expect("a link");
    let store = dtr_gateway::store::Store::open(&gateway.database())
        .await
        .expect("store");
    // Sixteen minutes pass.
    let past = chrono::Utc::now() - chrono::Duration::minutes(1);
    sqlx::query("UPDATE web_sign_ins SET expires_at = $1")
        .bind(dtr_gateway::store::Stamp(past))
        .execute(store.pool())
        .await
        .expect("update");
    let expired = gateway
        .request("POST", &format!("/sign-in/{token}"), None, Some(""))
        .expect("an answer");
    assert_eq!(expired.status, 400);
    assert_eq!(expired.header("set-cookie"), None);

    // A session left for 31 minutes is over.
    let ann = gateway.sign_in(ANN);
    let open = gateway
        .request("GET", &format!("/cases/{colchester}"), Some(&ann), None)
        .expect("an answer");
    assert_eq!(open.status, 200);
    let idle = chrono::Utc::now() - chrono::Duration::minutes(31);
    sqlx::query("UPDATE web_sessions SET last_seen_at = $1")
        .bind(dtr_gateway::store::Stamp(idle))
        .execute(store.pool())
        .await
        .expect("update");
    let later = gateway
        .request("GET", &format!("/cases/{colchester}"), Some(&ann), None)
        .expect("an answer");
    assert_eq!(later.status, 303);
    // The store keeps no secret that opens a session: links by their hash,
    // and the mail that carried one without it once sent.
    let hashes: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM web_sign_ins")
        .fetch_all(store.pool())
        .await
        .expect("select");
    assert!(!hashes.contains(&token));
    // The sender records a mail as sent just after writing it.
    let mut contexts: Vec<String> = Vec::new();
    for _ in 0..100 {
        contexts = sqlx::query_scalar(
            "SELECT context FROM outbox WHERE purpose = 'sign_in' AND status = 'sent'",
        )
        .fetch_all(store.pool())
        .await
        .expect("select");
        if contexts.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(contexts.len(), 2, "{contexts:?}");
    assert!(
        contexts
            .iter()
            .all(|c| !c.contains(&token) && !c.contains("/sign-in/")),
        "{contexts:?}"
    );
}

#[test]
fn a_flood_of_link_requests_sends_a_few_links() {
    let gateway = Gateway::start();
    // A hundred requests per client in 15 minutes, whatever address each
    // names: three links go to Ann, and the rest are refused alike.
    let refused = (0..105)
        .filter(|_| gateway.ask_link(ANN, None) == 429)
        .count();
    assert_eq!(refused, 5, "a hundred requests per client in 15 minutes");
    wait_for(Duration::from_secs(20), || {
        (gateway.mails_to(ANN).len() >= 3).then_some(())
    })
    .unwrap_or_else(|| panic!("fewer than three links:\n{}", gateway.log()));
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(gateway.mails_to(ANN).len(), 3, "three links per address");
    // "Limit reached" is logged once per address, not once per request.
    assert_eq!(
        gateway.log().matches("limit is reached").count(),
        1,
        "{}",
        gateway.log()
    );
    assert_eq!(gateway.ask_link(HAL, None), 429, "the same answer for all");
    assert_eq!(gateway.ask_link("nobody@lha.test", None), 429);
}

#[test]
fn forwarded_for_is_ignored_unless_the_proxy_is_trusted() {
    let gateway = Gateway::start();
    let refused = (0..105)
        .filter(|i| {
            gateway.ask_link(
                &format!("nobody{i}@lha.test"),
                Some(&format!("198.51.100.{i}")),
            ) == 429
        })
        .count();
    assert_eq!(refused, 5, "a new X-Forwarded-For is not a new client");
}

#[test]
fn behind_a_trusted_proxy_one_stranger_cannot_lock_an_officer_out() {
    let gateway = Gateway::start_configured(false, "trusted_proxies = [\"127.0.0.1\"]\n");
    // Clients named by the proxy are counted apart; the right-most
    // address not itself a trusted proxy is the client.
    for i in 0..100 {
        let forwarded = "203.0.113.7, 198.51.100.1, 127.0.0.1";
        assert_eq!(
            gateway.ask_link(&format!("nobody{i}@lha.test"), Some(forwarded)),
            200
        );
    }
    assert_eq!(gateway.ask_link("x@lha.test", Some("198.51.100.1")), 429);
    assert_eq!(gateway.ask_link("x@lha.test", Some("198.51.100.2")), 200);
    // A stranger asks for Hal's links over and over: three are sent...
    for _ in 0..6 {
        assert_eq!(gateway.ask_link(HAL, Some("192.0.2.66")), 200);
    }
    wait_for(Duration::from_secs(20), || {
        (gateway.mails_to(HAL).len() >= 3).then_some(())
    })
    .unwrap_or_else(|| panic!("fewer than three links:\n{}", gateway.log()));
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(gateway.mails_to(HAL).len(), 3);
    // ...and Hal, from elsewhere, still gets one.
    gateway.sign_in_from(HAL, "192.0.2.10");
}

#[test]
fn an_officer_releases_their_own_quarantine_only_with_the_forms_token() {
    let gateway = Gateway::start();
    // A referral from a domain not allowed to refer is set aside.
    let raw = String::from_utf8(common::referral(
        "web-q-7@example.org",
        7,
        "colchester@lha.test",
    ))
    .expect("text")
    .replace("referrer@justice.test", "someone@example.org");
    gateway.deliver("colchester", "q.eml", raw.as_bytes());
    let ann = gateway.sign_in(ANN);
    let hal = gateway.sign_in(HAL);
    let id = gateway.quarantined_id(&ann);
    let page = gateway
        .request("GET", "/quarantine", Some(&ann), None)
        .expect("an answer");
    assert!(page.body.contains("someone@example.org"), "{}", page.body);
    assert!(page.body.contains("<label for=\"reason-"), "{}", page.body);
    // Headed by what it is (its subject), not by a number.
    assert!(
        page.body
            .contains(&format!("<h2 id=\"message-{id}\">Referral 7</h2>")),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<h2>Message "), "{}", page.body);

    // Harlow's officer neither sees nor settles it.
    let theirs = gateway
        .request("GET", "/quarantine", Some(&hal), None)
        .expect("an answer");
    assert!(
        theirs.body.contains("The quarantine is empty"),
        "{}",
        theirs.body
    );
    let hal_page = gateway
        .request("GET", "/cases", Some(&hal), None)
        .expect("an answer");
    let hal_csrf = csrf_of(&hal_page.body);
    for verb in ["release", "dismiss"] {
        let answer = gateway
            .request(
                "POST",
                &format!("/quarantine/{id}/{verb}"),
                Some(&hal),
                Some(&format!("csrf={hal_csrf}&reason=spam")),
            )
            .expect("an answer");
        assert_eq!(answer.status, 404, "{verb}");
    }

    // Without the form's token, nothing happens.
    let forged = gateway
        .request(
            "POST",
            &format!("/quarantine/{id}/release"),
            Some(&ann),
            Some(""),
        )
        .expect("an answer");
    assert_eq!(forged.status, 403);
    let still = gateway
        .request("GET", "/quarantine", Some(&ann), None)
        .expect("an answer");
    assert!(still.body.contains(&format!("/quarantine/{id}/release")));

    let csrf = csrf_of(&still.body);
    let released = gateway
        .request(
            "POST",
            &format!("/quarantine/{id}/release"),
            Some(&ann),
            Some(&format!("csrf={csrf}")),
        )
        .expect("an answer");
    // Answered with a redirect to the new case, so that reloading the
    // page does not send the release again.
    assert_eq!(released.status, 303, "{}", released.body);
    let location = released.header("location").unwrap_or_default().to_string();
    let opened = location
        .strip_prefix("/cases/")
        .and_then(|l| l.strip_suffix(&format!("?released={id}")))
        .filter(|r| r.starts_with("DTR-COL-"))
        .unwrap_or_else(|| panic!("no case opened: {:?}", released.headers))
        .to_string();
    // Where it went is said on the page the officer lands on.
    let landed = gateway
        .request("GET", &location, Some(&ann), None)
        .expect("an answer");
    assert!(
        landed.body.contains(&format!(
            ": it opened a new case, <a href=\"/cases/{opened}\">{opened}</a>; the referrer is \
             answered.</strong></p>"
        )),
        "{}",
        landed.body
    );
    let listed = gateway
        .request("GET", "/quarantine", Some(&ann), None)
        .expect("an answer");
    assert!(
        listed.body.contains("The quarantine is empty"),
        "{}",
        listed.body
    );
    // Sent again (a reload of an old page), it says who released it and
    // where the case is, and does not ask for the referral by hand.
    let again = gateway
        .request(
            "POST",
            &format!("/quarantine/{id}/release"),
            Some(&ann),
            Some(&format!("csrf={csrf}")),
        )
        .expect("an answer");
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(
        again
            .body
            .contains(&format!("Message {id} was already released by {ANN} on "))
            && again
                .body
                .contains(&format!("(case <a href=\"/cases/{opened}\">{opened}</a>)")),
        "{}",
        again.body
    );
    assert!(!again.body.contains("by hand"), "{}", again.body);
    let case = gateway
        .request("GET", &format!("/cases/{opened}"), Some(&ann), None)
        .expect("an answer");
    assert!(case.body.contains("Test Person7"), "{}", case.body);
    assert!(
        case.body
            .contains(&format!("released quarantined message {id}")),
        "{}",
        case.body
    );
    assert!(
        case.body
            .contains(&format!("Released from quarantine by {ANN}")),
        "{}",
        case.body
    );
    let due = gateway
        .request("GET", "/due", Some(&ann), None)
        .expect("an answer");
    assert_eq!(due.status, 200);
    assert!(due.body.contains(&opened), "{}", due.body);
    let due = gateway
        .request("GET", "/due", Some(&hal), None)
        .expect("an answer");
    assert!(!due.body.contains(&opened));

    // A dismissal is answered with a redirect to the list, which says it.
    let raw = String::from_utf8(common::referral(
        "web-q-8@example.org",
        8,
        "colchester@lha.test",
    ))
    .expect("text")
    .replace("referrer@justice.test", "someone@example.org");
    gateway.deliver("colchester", "q8.eml", raw.as_bytes());
    // The first was released: the one waiting is the second.
    let second = gateway.quarantined_id(&ann);
    let dismissed = gateway
        .request(
            "POST",
            &format!("/quarantine/{second}/dismiss"),
            Some(&ann),
            Some(&format!("csrf={csrf}&reason=spam")),
        )
        .expect("an answer");
    assert_eq!(dismissed.status, 303, "{}", dismissed.body);
    let location = dismissed
        .header("location")
        .expect("a location")
        .to_string();
    assert_eq!(location, format!("/quarantine?dismissed={second}"));
    let shown = gateway
        .request("GET", &location, Some(&ann), None)
        .expect("an answer");
    assert!(
        shown
            .body
            .contains(&format!("Message {second} dismissed by {ANN} on ")),
        "{}",
        shown.body
    );
    assert!(
        shown.body.contains("The quarantine is empty"),
        "{}",
        shown.body
    );
}

#[test]
fn over_tls_the_cookie_is_secure_and_slow_clients_are_let_go() {
    let gateway = Gateway::start_with(true);
    let ann = gateway.sign_in(ANN);
    let link = gateway.mails_to(ANN).pop().expect("a mail");
    assert!(
        link.contains(&format!("https://127.0.0.1:{}/sign-in/", gateway.port)),
        "{link}"
    );
    let cases = gateway
        .request("GET", "/cases", Some(&ann), None)
        .expect("an answer");
    assert_eq!(cases.status, 200, "{}", cases.body);
    assert_eq!(
        cases.header("strict-transport-security"),
        Some("max-age=31536000")
    );
    // The cookie of a second sign-in, as the browser receives it.
    let before = gateway.mails_to(ANN).len();
    gateway
        .request(
            "POST",
            "/sign-in",
            None,
            Some(&format!("email={}", ANN.replace('@', "%40"))),
        )
        .expect("an answer");
    let token = wait_for(Duration::from_secs(20), || {
        let mails = gateway.mails_to(ANN);
        (mails.len() > before).then(|| token_in(mails.last().expect("a mail")))
    })
    .expect("a link");
    let redeemed = gateway
        .request("POST", &format!("/sign-in/{token}"), None, Some(""))
        .expect("an answer");
    let cookie = redeemed.header("set-cookie").expect("a cookie");
    assert!(cookie.starts_with("__Host-dtr_session="), "{cookie}");
    assert!(cookie.contains("; Secure"), "{cookie}");

    // Plain HTTP to the TLS port gets nothing; a client that never
    // finishes its handshake, or its request's head, is let go.
    let address = SocketAddr::from(([127, 0, 0, 1], gateway.port));
    let plain = request_plain(address);
    assert!(!plain.contains("Duty to Refer"), "{plain}");
    let started = Instant::now();
    let silent = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(address).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let mut buffer = [0u8; 64];
        stream.read(&mut buffer).unwrap_or(0)
    });
    assert_eq!(silent.join().expect("thread"), 0, "closed without a word");
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(25), "held for {waited:?}");
}

fn request_plain(address: SocketAddr) -> String {
    let Ok(mut stream) = TcpStream::connect(address) else {
        return String::new();
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(15)));
    let _ = stream.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    String::from_utf8_lossy(&raw).into_owned()
}

#[tokio::test]
async fn a_long_list_comes_a_hundred_cases_a_page_and_says_how_many() {
    let gateway = Gateway::start();
    let first = gateway.refer("colchester", 5);
    let ann = gateway.sign_in(ANN);
    let hal = gateway.sign_in(HAL);
    // 150 more open cases of Colchester, each received after the first.
    let store = dtr_gateway::store::Store::open(&gateway.database())
        .await
        .expect("store");
    let now = chrono::Utc::now();
    for i in 0..150_i64 {
        let received = now + chrono::Duration::seconds(i + 1);
        sqlx::query(
            "INSERT INTO cases (reference, authority, year, sequence, status, referral_type, \
             referral, custody_status, referrer_email, received_at, clock_from, opened_at) \
             VALUES ($1, 'COL', 2026, $2, 'open', 'duty_to_refer', $3, 'sentenced', \
             'referrer@justice.test', $4, $4, $4)",
        )
        .bind(format!("DTR-COL-2026-{:05}", 1000 + i))
        .bind(1000 + i)
        .bind(format!("{{\"full_name\": \"Paged Person {i}\"}}"))
        .bind(dtr_gateway::store::Stamp(received))
        .execute(store.pool())
        .await
        .expect("insert a case");
    }
    let rows = |body: &str| {
        body.matches("<tr><th scope=\"row\" data-label=\"Reference\"><a href=\"/cases/")
            .count()
    };

    let one = gateway
        .request("GET", "/cases", Some(&ann), None)
        .expect("an answer");
    assert!(
        one.body.contains("151 cases: 1 to 100 shown, page 1 of 2."),
        "{}",
        one.body
    );
    assert_eq!(rows(&one.body), 100);
    // The newest first: the 150 received after the first, the latest at
    // the top.
    assert!(!one.body.contains(&first), "{}", one.body);
    let at = |body: &str, name: &str| body.find(&format!("{name}<")).expect(name);
    assert!(at(&one.body, "Paged Person 149") < at(&one.body, "Paged Person 50"));
    assert!(!one.body.contains("Paged Person 49<"));
    assert!(
        one.body
            .contains("<a href=\"/cases?page=2\" rel=\"next\">Next 51</a>"),
        "{}",
        one.body
    );

    let two = gateway
        .request("GET", "/cases?page=2", Some(&ann), None)
        .expect("an answer");
    assert!(
        two.body
            .contains("151 cases: 101 to 151 shown, page 2 of 2."),
        "{}",
        two.body
    );
    assert_eq!(rows(&two.body), 51);
    assert!(two.body.contains("Paged Person 49<") && two.body.contains("Paged Person 0<"));
    assert!(two.body.find("Paged Person 0<") < two.body.find(first.as_str()));
    assert!(two
        .body
        .contains("<a href=\"/cases?page=1\" rel=\"prev\">Previous 100</a>"));
    // A page past the last is the last.
    let past = gateway
        .request("GET", "/cases?page=9", Some(&ann), None)
        .expect("an answer");
    assert!(past.body.contains("page 2 of 2"), "{}", past.body);

    // A search pages the cases it finds, and keeps itself in the links.
    let found = gateway
        .request("GET", "/cases?q=paged+person+14", Some(&ann), None)
        .expect("an answer");
    assert!(found.body.contains("11 cases."), "{}", found.body);
    let searched = gateway
        .request("GET", "/cases?q=paged&page=2", Some(&ann), None)
        .expect("an answer");
    assert!(
        searched
            .body
            .contains("150 cases: 101 to 150 shown, page 2 of 2."),
        "{}",
        searched.body
    );
    assert!(searched
        .body
        .contains("<a href=\"/cases?q=paged&amp;page=1\" rel=\"prev\">"));

    // Harlow's officer sees none of them, on any page.
    for path in ["/cases", "/cases?page=2", "/cases?q=paged"] {
        let theirs = gateway
            .request("GET", path, Some(&hal), None)
            .expect("an answer");
        assert!(
            !theirs.body.contains("Paged Person")
                && theirs.body.contains("No cases match these filters"),
            "{path}: {}",
            theirs.body
        );
    }
}

/// Opens `count` connections that each send a sign-in form's head and the
/// first bytes of its body, then nothing more.
fn slow_bodies(gateway: &Gateway, count: usize) -> Vec<Box<dyn ReadWrite>> {
    let address = SocketAddr::from(([127, 0, 0, 1], gateway.port));
    let head = b"POST /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\n\
        Content-Type: application/x-www-form-urlencoded\r\n\
        Content-Length: 16000\r\n\r\nemail=";
    (0..count)
        .map(|_| {
            let stream = TcpStream::connect(address).expect("connect");
            stream
                .set_read_timeout(Some(Duration::from_secs(30)))
                .expect("timeout");
            let mut stream: Box<dyn ReadWrite> = if gateway.tls {
                let config = tls_client(&gateway.dir.path().join("cert.pem"));
                let name = tokio_rustls::rustls::pki_types::ServerName::try_from("127.0.0.1")
                    .expect("a name");
                let connection =
                    tokio_rustls::rustls::ClientConnection::new(config, name).expect("tls");
                Box::new(tokio_rustls::rustls::StreamOwned::new(connection, stream))
            } else {
                Box::new(stream)
            };
            stream.write_all(head).expect("the head");
            stream.flush().expect("flush");
            stream
        })
        .collect()
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// Connections that send a request's head and then trickle (or withhold)
/// its body neither keep others out nor stay open for ever.
fn slow_bodies_do_not_keep_others_out(tls: bool) {
    let gateway = Gateway::start_with(tls);
    let started = Instant::now();
    let mut slow = slow_bodies(&gateway, dtr_gateway::http::MAX_CONNECTIONS);
    // Past the moment a slow body may be let go to make room.
    std::thread::sleep(Duration::from_secs(2));
    let page = wait_for(Duration::from_secs(4), || {
        gateway.request("GET", "/", None, None)
    })
    .expect("the sign-in page, while others send their bodies slowly");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        started.elapsed() < Duration::from_secs(9),
        "answered only after {:?}",
        started.elapsed()
    );
    // The newest of them gets an answer or is closed once its body is late.
    let mut last = slow.pop().expect("a connection");
    let mut raw = Vec::new();
    let read = last.read_to_end(&mut raw);
    let waited = started.elapsed();
    // (A TLS peer may close without close_notify: that is closed too.)
    let timed_out = read.as_ref().is_err_and(|e| {
        matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        )
    });
    assert!(!timed_out, "still open after {waited:?}");
    assert!(waited < Duration::from_secs(20), "held for {waited:?}");
}

#[test]
fn a_slow_request_body_does_not_keep_others_out() {
    slow_bodies_do_not_keep_others_out(false);
}

#[test]
fn over_tls_a_slow_request_body_does_not_keep_others_out() {
    slow_bodies_do_not_keep_others_out(true);
}

/// The link in the newest mail to `to`, with the page it returns to
/// (`next`, decoded) when it names one.
fn link_and_next(gateway: &Gateway, to: &str, before: usize) -> (String, Option<String>) {
    let mail = wait_for(Duration::from_secs(20), || {
        let mails = gateway.mails_to(to);
        (mails.len() > before)
            .then(|| mails.last().cloned())
            .flatten()
    })
    .unwrap_or_else(|| panic!("no link mailed to {to}:\n{}", gateway.log()));
    let token = token_in(&mail);
    // Quoted-printable writes `=` as `=3D`; the HTML part as `&#x3D;`.
    let next = Regex::new(r"/sign-in/[0-9a-f]{64}\?next(?:=3D|&#x3D;|=)([A-Za-z0-9%._~-]+)")
        .expect("regex")
        .captures(&mail)
        .map(|c| {
            form_urlencoded::parse(format!("next={}", &c[1]).as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .expect("a value")
        });
    (token, next)
}

#[test]
fn after_signing_in_the_page_asked_for_comes_back_and_never_another_site() {
    let gateway = Gateway::start();
    let colchester = gateway.refer("colchester", 5);
    let page = format!("/cases/{colchester}");
    // A browser without a session asks for a case: the sign-in page, with
    // the way back.
    let asked = gateway
        .request("GET", &page, None, None)
        .expect("an answer");
    assert_eq!(asked.status, 303);
    let location = asked.header("location").expect("a location").to_string();
    assert_eq!(location, format!("/?next=%2Fcases%2F{colchester}"));
    let start = gateway
        .request("GET", &location, None, None)
        .expect("an answer");
    assert!(
        start
            .body
            .contains(&format!("name=\"next\" value=\"{page}\"")),
        "{}",
        start.body
    );
    // The page asked for goes through the form, the mail and the link's
    // button.
    let before = gateway.mails_to(ANN).len();
    let encoded: String = form_urlencoded::byte_serialize(page.as_bytes()).collect();
    gateway
        .request(
            "POST",
            "/sign-in",
            None,
            Some(&format!("email={}&next={encoded}", ANN.replace('@', "%40"))),
        )
        .expect("an answer");
    let (token, next) = link_and_next(&gateway, ANN, before);
    assert_eq!(next.as_deref(), Some(page.as_str()));
    let button = gateway
        .request(
            "GET",
            &format!("/sign-in/{token}?next={encoded}"),
            None,
            None,
        )
        .expect("an answer");
    assert!(
        button
            .body
            .contains(&format!("name=\"next\" value=\"{page}\"")),
        "{}",
        button.body
    );
    let redeemed = gateway
        .request(
            "POST",
            &format!("/sign-in/{token}"),
            None,
            Some(&format!("next={encoded}")),
        )
        .expect("an answer");
    assert_eq!(redeemed.status, 303, "{}", redeemed.body);
    assert_eq!(redeemed.header("location"), Some(page.as_str()));
    let ann = session_of(&redeemed);
    // Signed in, `/?next=` goes straight there.
    let again = gateway
        .request("GET", &location, Some(&ann), None)
        .expect("an answer");
    assert_eq!(again.header("location"), Some(page.as_str()));

    // Another site is never where a sign-in leads: not from the form, the
    // mail, the button or the page for someone signed in.
    for evil in ["//evil.test", "https://evil.test", "/\\evil.test"] {
        let encoded: String = form_urlencoded::byte_serialize(evil.as_bytes()).collect();
        let start = gateway
            .request("GET", &format!("/?next={encoded}"), None, None)
            .expect("an answer");
        assert!(!start.body.contains("evil.test"), "{}", start.body);
        let signed = gateway
            .request("GET", &format!("/?next={encoded}"), Some(&ann), None)
            .expect("an answer");
        assert_eq!(signed.header("location"), Some("/cases"), "{evil}");
    }
    // Through the mail and the button, as Ann and as Hal (an address is
    // sent only a few links from one client).
    for (evil, who) in [("//evil.test", ANN), ("https://evil.test", HAL)] {
        let encoded: String = form_urlencoded::byte_serialize(evil.as_bytes()).collect();
        let before = gateway.mails_to(who).len();
        gateway
            .request(
                "POST",
                "/sign-in",
                None,
                Some(&format!("email={}&next={encoded}", who.replace('@', "%40"))),
            )
            .expect("an answer");
        let (token, next) = link_and_next(&gateway, who, before);
        assert_eq!(next, None, "{evil}");
        let button = gateway
            .request(
                "GET",
                &format!("/sign-in/{token}?next={encoded}"),
                None,
                None,
            )
            .expect("an answer");
        assert!(!button.body.contains("evil.test"), "{}", button.body);
        let redeemed = gateway
            .request(
                "POST",
                &format!("/sign-in/{token}"),
                None,
                Some(&format!("next={encoded}")),
            )
            .expect("an answer");
        assert_eq!(redeemed.status, 303, "{}", redeemed.body);
        assert_eq!(redeemed.header("location"), Some("/cases"), "{evil}");
    }

    // A form sent after its session ended does nothing, and says so.
    let page = gateway
        .request("GET", "/quarantine", Some(&ann), None)
        .expect("an answer");
    let csrf = csrf_of(&page.body);
    let out = gateway
        .request(
            "POST",
            "/sign-out",
            Some(&ann),
            Some(&format!("csrf={csrf}")),
        )
        .expect("an answer");
    assert_eq!(out.status, 303);
    let late = gateway
        .request(
            "POST",
            "/quarantine/1/dismiss",
            Some(&ann),
            Some(&format!("csrf={csrf}&reason=a+test")),
        )
        .expect("an answer");
    assert_eq!(late.status, 403, "{}", late.body);
    assert!(
        late.body.contains("Your session has ended")
            && late.body.contains("nothing was done")
            && late.body.contains("href=\"/?next=%2Fquarantine\""),
        "{}",
        late.body
    );
}

#[tokio::test]
async fn a_busy_session_ends_after_its_hours_and_signing_out_everywhere_ends_them_all() {
    // Ann signs in more often than one client may ask for her links.
    let mut gateway = Gateway::start_configured(
        false,
        "session_hours = 2\ntrusted_proxies = [\"127.0.0.1\"]\n",
    );
    let store = dtr_gateway::store::Store::open(&gateway.database())
        .await
        .expect("store");
    let ann = gateway.sign_in(ANN);
    let open = gateway
        .request("GET", "/cases", Some(&ann), None)
        .expect("an answer");
    assert_eq!(open.status, 200);
    // Signed in two hours and a minute ago, used a moment ago: over.
    let signed_in = chrono::Utc::now() - chrono::Duration::minutes(121);
    sqlx::query("UPDATE web_sessions SET created_at = $1")
        .bind(dtr_gateway::store::Stamp(signed_in))
        .execute(store.pool())
        .await
        .expect("update");
    let later = gateway
        .request("GET", "/cases", Some(&ann), None)
        .expect("an answer");
    assert_eq!(later.status, 303);
    assert_eq!(later.header("location"), Some("/?next=%2Fcases"));

    // Two browsers of Ann's and Hal's: Ann signs out everywhere from one.
    let (first, second, hal) = (
        gateway.sign_in_from(ANN, "192.0.2.1"),
        gateway.sign_in_from(ANN, "192.0.2.2"),
        gateway.sign_in(HAL),
    );
    let page = gateway
        .request("GET", "/cases", Some(&first), None)
        .expect("an answer");
    assert!(
        page.body.contains("formaction=\"/sign-out/everywhere\""),
        "{}",
        page.body
    );
    let without = gateway
        .request("POST", "/sign-out/everywhere", Some(&first), Some(""))
        .expect("an answer");
    assert_eq!(without.status, 403);
    let out = gateway
        .request(
            "POST",
            "/sign-out/everywhere",
            Some(&first),
            Some(&format!("csrf={}", csrf_of(&page.body))),
        )
        .expect("an answer");
    assert_eq!(out.status, 303, "{}", out.body);
    let landing = gateway.after_sign_out(&out);
    assert!(landing
        .body
        .contains("You have signed out in every browser"));
    for cookie in [&first, &second] {
        let answer = gateway
            .request("GET", "/cases", Some(cookie), None)
            .expect("an answer");
        assert_eq!(answer.status, 303);
    }
    let still = gateway
        .request("GET", "/cases", Some(&hal), None)
        .expect("an answer");
    assert_eq!(still.status, 200);

    // Taken off the officers' list, Ann is signed out of every browser:
    // listed again later, none of her old sessions opens again.
    let (third, fourth) = (
        gateway.sign_in_from(ANN, "192.0.2.3"),
        gateway.sign_in_from(ANN, "192.0.2.4"),
    );
    let listed = format!("officers = [\"{ANN}\"]\n");
    gateway.restart_with_authorities(|text| text.replace(&listed, ""));
    let refused = gateway
        .request("GET", "/cases", Some(&third), None)
        .expect("an answer");
    assert_eq!(refused.status, 303);
    gateway.restart_with_authorities(|text| {
        text.replace(
            "inbox = \"colchester@lha.test\"\n",
            &format!("inbox = \"colchester@lha.test\"\n{listed}"),
        )
    });
    let old = gateway
        .request("GET", "/cases", Some(&fourth), None)
        .expect("an answer");
    assert_eq!(old.status, 303, "{}", old.body);
    let hal_still = gateway
        .request("GET", "/cases", Some(&hal), None)
        .expect("an answer");
    assert_eq!(hal_still.status, 200);
}

#[test]
fn every_page_opened_is_recorded_for_the_audit_and_a_case_shows_views_by_the_day() {
    let gateway = Gateway::start();
    let colchester = gateway.refer("colchester", 6);
    let ann = gateway.sign_in(ANN);
    let cora = gateway.sign_in(CORA);
    for path in [
        "/cases?q=Zebedee&state=red".to_string(),
        "/due".into(),
        "/quarantine".into(),
        "/report?quarter=2026Q4".into(),
        "/report.csv?quarter=2026Q4".into(),
        format!("/cases/{colchester}"),
        format!("/cases/{colchester}"),
    ] {
        let answer = gateway
            .request("GET", &path, Some(&ann), None)
            .expect("an answer");
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    }
    let case = gateway
        .request("GET", &format!("/cases/{colchester}"), Some(&ann), None)
        .expect("an answer");
    assert!(
        case.body
            .contains(&format!("Viewed by {ANN}, 3 times, last at ")),
        "{}",
        case.body
    );
    assert_eq!(case.body.matches("Viewed by").count(), 1, "{}", case.body);
    gateway
        .request("GET", "/cases", Some(&cora), None)
        .expect("an answer");

    let (ok, out) = common::gateway_cli(&gateway.database(), &["access", "--person", ANN]);
    assert!(ok, "{out}");
    for line in [
        "(COL) listed cases at /cases, asking q=\"Zebedee\", state=\"red\"",
        "(COL) listed the deadlines due at /due",
        "(COL) listed the quarantined messages at /quarantine",
        "(COL) viewed the report at /report, asking quarter=\"2026Q4\"",
        "(COL) downloaded the report as CSV at /report.csv, asking quarter=\"2026Q4\"",
        &format!("(COL) viewed case {colchester}"),
    ] {
        assert!(out.contains(&format!("{ANN} {line}")), "{line}\n{out}");
    }
    // Each view is kept: those right after one another, within a minute,
    // counted on one row.
    assert_eq!(out.matches("viewed case").count(), 1, "{out}");
    assert!(
        out.contains(&format!("viewed case {colchester} (3 times, the last at ")),
        "{out}"
    );
    // UK times, in words: `14:05 on 7 December 2026: ...`.
    let first = out.lines().next().expect("a line");
    assert!(
        Regex::new(r"^\d\d:\d\d on \d{1,2} [A-Z][a-z]+ \d{4}: ")
            .expect("regex")
            .is_match(first),
        "{out}"
    );
    assert!(!out.contains(CORA), "{out}");
    let (ok, everyone) = common::gateway_cli(&gateway.database(), &["access"]);
    assert!(ok);
    assert!(
        everyone.contains(&format!("{CORA} viewed the counts by authority at /cases")),
        "{everyone}"
    );
    let (ok, none) = common::gateway_cli(&gateway.database(), &["access", "--since", "2100-01-01"]);
    assert!(ok, "{none}");
    assert!(
        none.contains("Nothing recorded since 1 January 2100"),
        "{none}"
    );
    // The search term is in the record, never in the log.
    assert!(!gateway.log().contains("Zebedee"), "{}", gateway.log());
}

#[test]
fn refused_pages_and_forms_and_the_day_asked_of_due_are_in_the_record() {
    let gateway = Gateway::start();
    let ann = gateway.sign_in(ANN);
    let cora = gateway.sign_in(CORA);
    let due = gateway.get("/due?on=24%2F12%2F2026", &ann);
    assert_eq!(due.status, 200, "{}", due.body);
    // A coordinator opens the pages of cases, which are not theirs.
    for path in ["/due?on=today", "/quarantine"] {
        assert_eq!(gateway.get(path, &cora).status, 404, "{path}");
    }
    // Forms without their session's token.
    for path in ["/sign-out", "/quarantine/1/release"] {
        let answer = gateway.post_form(path, &ann, "csrf=0000");
        assert_eq!(answer.status, 403, "{path}: {}", answer.body);
    }
    // What a browser asks for by itself is nobody's attempt.
    assert_eq!(gateway.get("/favicon.ico", &ann).status, 404);
    let (ok, out) = common::gateway_cli(&gateway.database(), &["access"]);
    assert!(ok, "{out}");
    for line in [
        format!("{ANN} (COL) listed the deadlines due at /due, asking on=\"24/12/2026\""),
        format!("{CORA} asked for /due?on=today: refused: not found"),
        format!("{CORA} asked for /quarantine: refused: not found"),
        format!("{ANN} (COL) sent a form to /sign-out: refused: not the view's own form"),
        format!(
            "{ANN} (COL) sent a form to /quarantine/1/release: refused: not the view's own form"
        ),
    ] {
        assert!(out.contains(&line), "{line}\n{out}");
    }
    assert!(!out.contains("favicon"), "{out}");
    // Each refusal once.
    assert_eq!(out.matches("refused").count(), 4, "{out}");
}

/// Every table on `page` is named, by a caption or by the heading above
/// it (`aria-labelledby` naming an element of the page), sits in a box of
/// its own that scrolls sideways (focusable, named alike), and every
/// heading cell says whether it heads a column or a row.
fn tables_are_labelled(path: &str, page: &str) {
    let tables = page.matches("<table").count();
    let by_heading = Regex::new(r#"<table aria-labelledby="([^"]+)">"#).expect("regex");
    let headed: Vec<String> = by_heading
        .captures_iter(page)
        .map(|c| c[1].to_string())
        .collect();
    for id in &headed {
        assert!(
            page.contains(&format!(" id=\"{id}\">")),
            "{path}: nothing has the id {id}:\n{page}"
        );
        assert!(
            page.contains(&format!(
                "<div class=\"table-wrap\" role=\"region\" aria-labelledby=\"{id}\" tabindex=\"0\"><table aria-labelledby=\"{id}\">"
            )),
            "{path}: the table under {id} outside its scrolling box:\n{page}"
        );
    }
    assert_eq!(
        page.matches("<caption").count() + headed.len(),
        tables,
        "{path}: a table without a caption or a heading:\n{page}"
    );
    assert_eq!(
        page.matches("<div class=\"table-wrap\" role=\"region\" aria-label=\"")
            .count(),
        tables - headed.len(),
        "{path}: a table outside its scrolling box:\n{page}"
    );
    assert_eq!(
        page.matches("tabindex=\"0\"><table>").count(),
        tables - headed.len(),
        "{path}"
    );
    assert!(
        !page.contains("<th>"),
        "{path}: a heading without a scope:\n{page}"
    );
    assert_eq!(
        page.matches("<th ").count(),
        page.matches("<th scope=\"col\"").count() + page.matches("<th scope=\"row\"").count(),
        "{path}:\n{page}"
    );
}

/// The one link of the header's navigation marked as the current page.
fn current_page(page: &str) -> Vec<String> {
    Regex::new(r#"<a href="([^"]+)" aria-current="page">"#)
        .expect("regex")
        .captures_iter(page)
        .map(|c| c[1].to_string())
        .collect()
}

#[test]
fn pages_name_their_tables_link_their_cases_and_say_what_cannot_be_read() {
    let long_name = "London Borough of Barking and Dagenham";
    let gateway = Gateway::start_renaming(false, "", &[("Harlow", long_name)]);
    let first = gateway.refer("colchester", 1);
    // The same person referred again by someone else: a case of its own,
    // linked to the first.
    let again = String::from_utf8(common::referral(
        "web-again-1@justice.test",
        1,
        "colchester@lha.test",
    ))
    .expect("text")
    .replace("referrer@justice.test", "another@justice.test");
    gateway.deliver("colchester", "again.eml", again.as_bytes());
    let reference = Regex::new(r"DTR-COL-\d{4}-\d{5}").expect("regex");
    let database = gateway.database();
    let further = wait_for(Duration::from_secs(30), || {
        let (ok, out) = common::gateway_cli(&database, &["cases", "--search", "Test Person1"]);
        ok.then(|| {
            reference
                .find_iter(&out)
                .map(|m| m.as_str().to_string())
                .find(|r| *r != first)
        })
        .flatten()
    })
    .unwrap_or_else(|| {
        panic!(
            "the further referral never became a case:\n{}",
            gateway.log()
        )
    });
    let ann = gateway.sign_in(ANN);
    let get = |path: &str, who: &str| {
        gateway
            .request("GET", path, Some(who), None)
            .unwrap_or_else(|| panic!("no answer for {path}"))
    };

    // Each page: whole, its tables named, its own link in the header
    // marked as the page the reader is on.
    for (path, current) in [
        ("/cases".to_string(), "/cases"),
        (format!("/cases/{further}"), "/cases"),
        ("/due".to_string(), "/due"),
        ("/quarantine".to_string(), "/quarantine"),
        ("/report".to_string(), "/report"),
    ] {
        let page = get(&path, &ann);
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert!(page.body.ends_with("</html>\n"), "{path}");
        tables_are_labelled(&path, &page.body);
        assert_eq!(current_page(&page.body), [current], "{path}");
    }

    // Statuses in sentence case, as the case page says them.
    let list = get("/cases", &ann);
    assert!(list.body.contains(">Open</td>"), "{}", list.body);
    assert!(!list.body.contains(">open</td>"), "{}", list.body);

    // The further referral's page links to the first case.
    let case = get(&format!("/cases/{further}"), &ann);
    assert!(
        case.body.contains(&format!(
            "<th scope=\"row\">Linked to</th><td>a further referral of the person in \
             <a href=\"/cases/{first}\">{first}</a></td>"
        )),
        "{}",
        case.body
    );

    // /due: the person's name beside the case's link, and a day to choose.
    let due = get("/due", &ann);
    assert!(
        due.body.contains(&format!(
            "<a href=\"/cases/{first}\">{first}</a></th><td data-label=\"Name\">Test Person1</td>"
        )),
        "{}",
        due.body
    );
    assert!(due
        .body
        .contains("<input type=\"text\" id=\"on\" name=\"on\""));
    let later = get("/due?on=2030-01-07", &ann);
    assert_eq!(later.status, 200, "{}", later.body);
    assert!(
        later.body.contains("on Monday 7 January 2030"),
        "{}",
        later.body
    );
    assert!(
        later
            .body
            .contains("<span class=\"tag red\">Overdue</span>"),
        "{}",
        later.body
    );
    let unreadable = get("/due?on=31%2F02%2F2026", &ann);
    assert_eq!(unreadable.status, 400);
    assert!(
        unreadable
            .body
            .contains("id=\"on-error\">Deadlines as on: \u{201c}31/02/2026\u{201d} is not a date")
            && unreadable.body.contains(
                "value=\"31/02/2026\" aria-describedby=\"on-hint on-error\" aria-invalid=\"true\""
            ),
        "{}",
        unreadable.body
    );
    assert!(!unreadable.body.contains(&first), "{}", unreadable.body);
    // An authority with nothing open says so, not an empty table.
    let hal = gateway.sign_in(HAL);
    let nothing = get("/due", &hal);
    assert!(
        nothing.body.contains("<p>Nothing is due on ") && !nothing.body.contains("<table"),
        "{}",
        nothing.body
    );

    // A filter's date that cannot be read: the error at its field, and no
    // list as if filtered.
    for (query, name) in [("on=tomorrow", "on"), ("due=31%2F02%2F2026", "due")] {
        let page = get(&format!("/cases?{query}"), &ann);
        assert_eq!(page.status, 400, "{query}");
        assert!(
            page.body.contains(&format!(
                "aria-describedby=\"{name}-hint {name}-error\" aria-invalid=\"true\""
            )) && page
                .body
                .contains(&format!("<span class=\"field-error\" id=\"{name}-error\">")),
            "{query}: {}",
            page.body
        );
        assert!(
            page.body.contains(&format!("<a href=\"#{name}\">")),
            "{}",
            page.body
        );
        assert!(
            !page.body.contains(&first) && !page.body.contains("<table"),
            "{query}: {}",
            page.body
        );
    }

    // A quarter that cannot be read: a whole page, the error at the field
    // with what was typed, and no link to a CSV of nothing.
    for (typed, query) in [("2026Q9", "2026Q9"), ("abc", "abc"), ("", "")] {
        let page = get(&format!("/report?quarter={query}"), &ann);
        assert_eq!(page.status, 400, "{typed}");
        assert!(page.body.ends_with("</html>\n"), "{typed}");
        assert!(
            page.body.contains(&format!(
                "value=\"{typed}\" aria-describedby=\"quarter-hint quarter-error\" aria-invalid=\"true\""
            )) && page.body.contains("id=\"quarter-error\""),
            "{typed}: {}",
            page.body
        );
        assert!(!page.body.contains("/report.csv"), "{typed}: {}", page.body);
    }

    // A long council name in the coordinator's charts is broken over
    // lines, each inside the chart (tests of the chart itself measure it).
    let cora = gateway.sign_in(CORA);
    let report = get("/report", &cora);
    assert!(
        report.body.contains(">London Borough of</tspan>")
            && report.body.contains(">Barking and Dagenham</tspan>"),
        "{}",
        report.body
    );
}
