//! Signing in to the web view by email, against what a stranger could do
//! with it: keep an officer's links from arriving, tell listed addresses
//! from the rest, or use a link after its owner signed out everywhere or
//! was taken off the list.

mod common;

use common::wait_for;
use common::web_gateway::*;
use std::time::Duration;

const PROXIED: &str = "trusted_proxies = [\"127.0.0.1\"]\n";

/// Waits until `count` mails have been written to `to`.
fn wait_mails(gateway: &Gateway, to: &str, count: usize) {
    wait_for(Duration::from_secs(20), || {
        (gateway.mails_to(to).len() >= count).then_some(())
    })
    .unwrap_or_else(|| panic!("fewer than {count} mails to {to}:\n{}", gateway.log()));
}

#[test]
fn many_link_requests_within_the_hour_do_not_hold_the_officers_next_link() {
    let gateway = Gateway::start_configured(false, PROXIED);
    // As many as `[outgoing] max_per_recipient_per_hour` (5), each from
    // another client: every link goes at once.
    for i in 0..5 {
        assert_eq!(gateway.ask_link(ANN, Some(&format!("198.51.100.{i}"))), 200);
        wait_mails(&gateway, ANN, i + 1);
    }
    // And Ann can still sign in with the latest.
    let token = token_in(gateway.mails_to(ANN).last().expect("a mail"));
    assert_eq!(redeem(&gateway, &token), 303);
}

#[test]
fn strangers_asking_together_cannot_keep_an_officer_from_signing_in_in_her_own_browser() {
    let gateway = Gateway::start_configured(false, PROXIED);
    // Ann signs in once from her browser, which is remembered as hers.
    let asked = gateway.ask_link_with(ANN, "X-Forwarded-For: 192.0.2.10\r\n");
    assert_eq!(asked.status, 200);
    wait_mails(&gateway, ANN, 1);
    let token = token_in(gateway.mails_to(ANN).last().expect("a mail"));
    let redeemed = gateway
        .request("POST", &format!("/sign-in/{token}"), None, Some(""))
        .expect("an answer");
    assert_eq!(redeemed.status, 303, "{}", redeemed.body);
    let device = redeemed
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .find(|(_, v)| v.starts_with("dtr_device="))
        .map(|(_, v)| v.split(';').next().unwrap_or_default().to_string())
        .unwrap_or_else(|| panic!("no device cookie: {:?}", redeemed.headers));
    assert!(
        redeemed
            .headers
            .iter()
            .any(|(_, v)| v.starts_with("dtr_device=") && v.contains("HttpOnly")),
        "{:?}",
        redeemed.headers
    );
    // Two strangers use up the links anyone else may ask for her.
    for client in 1..=2 {
        for _ in 0..3 {
            gateway.ask_link(ANN, Some(&format!("198.51.100.{client}")));
        }
    }
    wait_mails(&gateway, ANN, 5);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(gateway.mails_to(ANN).len(), 5);
    // A forged device cookie is anyone's: nothing more goes.
    let forged = format!("Cookie: dtr_device={}\r\n", "ab".repeat(32));
    let status = gateway
        .ask_link_with(ANN, &format!("X-Forwarded-For: 198.51.100.3\r\n{forged}"))
        .status;
    assert_eq!(status, 200);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(gateway.mails_to(ANN).len(), 5);
    // From her own browser, her link still comes.
    let status = gateway
        .ask_link_with(
            ANN,
            &format!("X-Forwarded-For: 192.0.2.10\r\nCookie: {device}\r\n"),
        )
        .status;
    assert_eq!(status, 200);
    wait_mails(&gateway, ANN, 6);
    let token = token_in(gateway.mails_to(ANN).last().expect("a mail"));
    assert_eq!(redeem(&gateway, &token), 303);
}

/// The access record as `access` prints it, once it holds `count` lines
/// containing `needle`.
fn access_record(gateway: &Gateway, args: &[&str], needle: &str, count: usize) -> String {
    let mut all = vec!["access"];
    all.extend_from_slice(args);
    wait_for(Duration::from_secs(20), || {
        let (ok, out) = common::gateway_cli(&gateway.database(), &all);
        (ok && out.matches(needle).count() >= count).then_some(out)
    })
    .unwrap_or_else(|| {
        let (_, out) = common::gateway_cli(&gateway.database(), &all);
        panic!(
            "fewer than {count} lines with {needle:?}:\n{out}\n{}",
            gateway.log()
        )
    })
}

#[test]
fn four_clients_cannot_send_an_officer_a_flood_of_links_and_each_request_is_on_record() {
    let gateway = Gateway::start_configured(false, PROXIED);
    // Four strangers, each asking three times (within the limit per
    // client): twelve requests in a minute.
    for client in 1..=4 {
        for _ in 0..3 {
            assert_eq!(
                gateway.ask_link(ANN, Some(&format!("198.51.100.{client}"))),
                200
            );
        }
    }
    wait_mails(&gateway, ANN, 5);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        gateway.mails_to(ANN).len(),
        5,
        "five links an hour, whoever asks"
    );
    // An administrator sees every request, and where it came from.
    let out = access_record(&gateway, &["--person", ANN], "sign-in link", 12);
    assert_eq!(
        out.matches(&format!(
            "{ANN} (COL) was sent a sign-in link (asked for from 198.51.100."
        ))
        .count(),
        5,
        "{out}"
    );
    assert_eq!(
        out.matches("was sent no sign-in link: 5 were sent in the past hour (asked for from")
            .count(),
        7,
        "{out}"
    );
    for client in 1..=4 {
        assert!(
            out.contains(&format!("(asked for from 198.51.100.{client})")),
            "{out}"
        );
    }
    // An address nobody lists is on record too, but never as typed.
    assert_eq!(
        gateway.ask_link("Nobody@lha.test", Some("198.51.100.9")),
        200
    );
    assert_eq!(
        gateway.ask_link("nobody@lha.test", Some("198.51.100.9")),
        200
    );
    let out = access_record(&gateway, &[], "an address not listed (", 2);
    assert!(!out.to_lowercase().contains("nobody@lha.test"), "{out}");
    let unlisted: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("an address not listed ("))
        .collect();
    assert!(
        unlisted.iter().all(|l| l.contains(
            "was sent no sign-in link: it may not sign in (asked for from 198.51.100.9)"
        )),
        "{out}"
    );
    // The same address, however typed, is one hash: a flood shows as one.
    let hash = |l: &str| l.split('(').nth(1).map(str::to_string);
    assert_eq!(hash(unlisted[0]), hash(unlisted[1]), "{out}");
    // Whoever reads the record cannot test a guess: the plain SHA-256 of
    // the address is not what it shows.
    use sha2::Digest;
    let plain: String = sha2::Sha256::digest(b"nobody@lha.test")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(!out.contains(&plain[..12]), "{out}");
}

#[test]
fn no_link_goes_to_an_authoritys_shared_inbox_however_it_is_listed() {
    let gateway = Gateway::start_configured(false, PROXIED);
    // Colchester's inbox with a tag: mail to it lands in the shared inbox.
    // Listed as an officer, the configuration is refused, naming the key.
    let tagged = "colchester+web@lha.test";
    let path = gateway.dir.path().join("authorities.toml");
    let text = std::fs::read_to_string(&path).expect("authorities.toml");
    std::fs::write(
        &path,
        text.replace(
            &format!("officers = [\"{ANN}\"]"),
            &format!("officers = [\"{ANN}\", \"{tagged}\"]"),
        ),
    )
    .expect("authorities.toml");
    let (ok, said) = gateway.cli(&["check-config"]);
    assert!(
        !ok && said.contains("officers[1]") && said.contains("shared inbox"),
        "{said}"
    );
    // The running view, asked for a link to it (typed as a browser sends
    // it: `+` is a space in a form), sends none.
    assert_eq!(
        gateway.ask_link(&tagged.replace('+', "%2B"), Some("192.0.2.1")),
        200
    );
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        gateway.mails_to(tagged).is_empty(),
        "a link went to the shared inbox"
    );
}

#[test]
fn no_link_goes_to_a_team_or_role_address_listed_as_an_officer() {
    let mut gateway = Gateway::start_configured(false, PROXIED);
    // Listed by mistake: the team's inbox, a role and a list; `check-config`
    // warns of each, and none gets a link, which would reach whoever reads
    // it.
    let shared = [
        "dtr.inbox@lha.test",
        "homelessness@lha.test",
        "housing.options.team@lha.test",
    ];
    let listed: Vec<String> = shared.iter().map(|a| format!("\"{a}\"")).collect();
    gateway.restart_with_authorities(|text| {
        text.replace(
            &format!("officers = [\"{ANN}\"]"),
            &format!("officers = [\"{ANN}\", {}]", listed.join(", ")),
        )
    });
    for (i, address) in shared.iter().enumerate() {
        assert_eq!(
            gateway.ask_link(address, Some(&format!("192.0.2.{}", i + 10))),
            200,
            "{address} is answered as anyone is"
        );
    }
    // Ann's link, asked for after them, comes; theirs never do.
    gateway.sign_in_from(ANN, "192.0.2.2");
    std::thread::sleep(Duration::from_secs(1));
    for address in shared {
        assert!(
            gateway.mails_to(address).is_empty(),
            "a link went to {address}"
        );
    }
}

#[test]
fn a_page_named_by_a_stranger_never_goes_in_the_officers_record() {
    let gateway = Gateway::start();
    let harlow = gateway.refer("harlow", 31);
    let colchester = gateway.refer("colchester", 32);
    let to_harlow: String =
        form_urlencoded::byte_serialize(format!("/cases/{harlow}").as_bytes()).collect();
    // A stranger asks for Ann's link naming Harlow's case as the page to
    // return to.
    let asked = gateway
        .request(
            "POST",
            "/sign-in",
            None,
            Some(&format!(
                "email={}&next={to_harlow}",
                ANN.replace('@', "%40")
            )),
        )
        .expect("an answer");
    assert_eq!(asked.status, 200);
    wait_mails(&gateway, ANN, 1);
    let token = token_in(gateway.mails_to(ANN).last().expect("a mail"));
    // Ann presses the button the link shows (its form carries the page).
    let redeemed = gateway
        .request(
            "POST",
            &format!("/sign-in/{token}"),
            None,
            Some(&format!("next={to_harlow}")),
        )
        .expect("an answer");
    assert_eq!(redeemed.status, 303, "{}", redeemed.body);
    let ann = session_of(&redeemed);
    // Her browser follows where it is sent.
    let landed = redeemed.header("location").expect("a location").to_string();
    assert_eq!(gateway.get(&landed, &ann).status, 200, "{landed}");
    // A link the stranger mails her while she is signed in.
    let sent = gateway.get(&format!("/?next={to_harlow}"), &ann);
    let landed = sent.header("location").expect("a location").to_string();
    assert_eq!(gateway.get(&landed, &ann).status, 200, "{landed}");
    // Her own case still comes back after signing in.
    let own = gateway.get(&format!("/?next=%2Fcases%2F{colchester}"), &ann);
    assert_eq!(
        own.header("location"),
        Some(format!("/cases/{colchester}").as_str())
    );
    // A page a coordinator cannot open is never opened for one.
    let cora = gateway.sign_in(CORA);
    let sent = gateway.get("/?next=%2Fdue", &cora);
    let landed = sent.header("location").expect("a location").to_string();
    assert_eq!(gateway.get(&landed, &cora).status, 200, "{landed}");
    let out = access_record(&gateway, &[], "signed in", 2);
    assert!(!out.contains(&harlow), "{out}");
    assert!(!out.contains("refused"), "{out}");
}

#[tokio::test]
async fn a_link_that_could_not_go_before_it_expired_is_not_sent_late() {
    let mut gateway = Gateway::start();
    assert_eq!(gateway.ask_link(ANN, None), 200);
    wait_mails(&gateway, ANN, 1);
    if let Some(mut child) = gateway.child.take() {
        let _ = child.kill();
        let _ = child.wait();
    }
    // The relay was down for 16 minutes: the link waits in the outbox.
    let store = dtr_gateway::store::Store::open(&gateway.database())
        .await
        .expect("store");
    let asked = chrono::Utc::now() - chrono::Duration::minutes(16);
    sqlx::query(
        "UPDATE outbox SET status = 'queued', created_at = $1, next_attempt_at = $1, \
         sent_at = NULL WHERE purpose = 'sign_in'",
    )
    .bind(dtr_gateway::store::Stamp(asked))
    .execute(store.pool())
    .await
    .expect("update");
    gateway.run_daemon();
    let mut error = None;
    for _ in 0..200 {
        let row: (String, Option<String>) =
            sqlx::query_as("SELECT status, last_error FROM outbox WHERE purpose = 'sign_in'")
                .fetch_one(store.pool())
                .await
                .expect("select");
        if row.0 == "failed" {
            error = row.1;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let error =
        error.unwrap_or_else(|| panic!("the late link was not set aside:\n{}", gateway.log()));
    assert!(error.contains("expired"), "{error}");
    assert_eq!(gateway.mails_to(ANN).len(), 1, "not sent again, late");
}

/// From a fresh client: 99 requests for unlisted addresses, one for
/// `asked`, then unlisted ones until refused; how many were answered 200.
fn answered_before_refusal(gateway: &Gateway, client: &str, asked: &str) -> usize {
    let mut answered = 0;
    for i in 0..99 {
        if gateway.ask_link(&format!("nobody{i}@lha.test"), Some(client)) == 200 {
            answered += 1;
        }
    }
    if gateway.ask_link(asked, Some(client)) == 200 {
        answered += 1;
    }
    for i in 0..20 {
        if gateway.ask_link(&format!("later{i}@lha.test"), Some(client)) == 429 {
            return answered;
        }
        answered += 1;
    }
    panic!("never refused:\n{}", gateway.log());
}

#[test]
fn refusals_do_not_tell_a_listed_address_from_an_unlisted_one() {
    let gateway = Gateway::start_configured(false, PROXIED);
    let listed = answered_before_refusal(&gateway, "203.0.113.1", ANN);
    let unlisted = answered_before_refusal(&gateway, "203.0.113.2", "stranger@lha.test");
    assert_eq!(listed, unlisted);
    assert_eq!(listed, 100, "a hundred requests per client in 15 minutes");
}

/// Asks for a link for `address` and returns it, unused.
fn link_for(gateway: &Gateway, address: &str, client: &str) -> String {
    let before = gateway.mails_to(address).len();
    assert_eq!(gateway.ask_link(address, Some(client)), 200);
    wait_mails(gateway, address, before + 1);
    token_in(gateway.mails_to(address).last().expect("a mail"))
}

fn redeem(gateway: &Gateway, token: &str) -> u16 {
    let answer = gateway
        .request("POST", &format!("/sign-in/{token}"), None, Some(""))
        .expect("an answer");
    if answer.status == 303 {
        assert!(answer.header("set-cookie").is_some());
    } else {
        assert_eq!(answer.header("set-cookie"), None);
    }
    answer.status
}

#[test]
fn signing_out_everywhere_voids_unused_links() {
    let gateway = Gateway::start_configured(false, PROXIED);
    // A link left in a mailbox someone else can read...
    let unused = link_for(&gateway, ANN, "192.0.2.1");
    let ann = gateway.sign_in_from(ANN, "192.0.2.2");
    let page = gateway
        .request("GET", "/cases", Some(&ann), None)
        .expect("an answer");
    let out = gateway
        .request(
            "POST",
            "/sign-out/everywhere",
            Some(&ann),
            Some(&format!("csrf={}", csrf_of(&page.body))),
        )
        .expect("an answer");
    // Signed out, and sent on to the sign-in page.
    assert_eq!(out.status, 303, "{}", out.body);
    assert_eq!(out.header("location"), Some("/?signed-out=everywhere"));
    // Only the browser that signed out is told so: the same address
    // opened from a stranger's link says nothing of the kind.
    assert!(
        gateway
            .after_sign_out(&out)
            .body
            .contains("You have signed out in every browser"),
        "{}",
        out.body
    );
    for forged in ["/?signed-out=everywhere", "/?signed-out=here"] {
        let page = gateway
            .request("GET", forged, None, None)
            .expect("an answer");
        assert_eq!(page.status, 200);
        assert!(!page.body.contains("signed out"), "{forged}: {}", page.body);
    }
    // ...opens nothing once Ann has signed out everywhere.
    assert_eq!(redeem(&gateway, &unused), 400);
    // A link asked for afterwards works.
    gateway.sign_in_from(ANN, "192.0.2.3");
}

#[test]
fn a_link_sent_before_removal_from_the_list_does_not_open_after_relisting() {
    let mut gateway = Gateway::start_configured(false, PROXIED);
    let unused = link_for(&gateway, HAL, "192.0.2.1");
    let officers = format!("officers = [\"{HAL}\"]\n");
    gateway.restart_with_authorities(|text| text.replace(&officers, ""));
    gateway.restart_with_authorities(|text| {
        text.replace(
            "inbox = \"harlow@lha.test\"\n",
            &format!("inbox = \"harlow@lha.test\"\n{officers}"),
        )
    });
    assert_eq!(redeem(&gateway, &unused), 400, "the old link is gone");
    gateway.sign_in_from(HAL, "192.0.2.2");
    let log = gateway.log();
    assert!(
        log.contains("sign-in links of people no longer listed deleted"),
        "{log}"
    );
}

#[tokio::test]
async fn a_link_is_refused_to_someone_no_longer_listed() {
    let gateway = Gateway::start_configured(false, PROXIED);
    let token = link_for(&gateway, ANN, "192.0.2.1");
    let store = dtr_gateway::store::Store::open(&gateway.database())
        .await
        .expect("store");
    let hash = hex_sha256(&token);
    // Taken off the list between the link and its use.
    let opened = store
        .redeem_sign_in(&hash, "session-hash", "csrf", chrono::Utc::now(), |_| false)
        .await
        .expect("redeem");
    assert_eq!(opened, None);
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM web_sessions")
        .fetch_one(store.pool())
        .await
        .expect("count");
    assert_eq!(sessions, 0);
    let signed_in: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM web_access WHERE action = 'signed in'")
            .fetch_one(store.pool())
            .await
            .expect("count");
    assert_eq!(signed_in, 0);
    // The link is used up: back on the list, it still opens nothing.
    assert_eq!(redeem(&gateway, &token), 400);
}

fn hex_sha256(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_search_does_not_travel_in_the_mailed_link() {
    let gateway = Gateway::start();
    let next: String = form_urlencoded::byte_serialize(b"/cases?q=Zebedee+Marsh").collect();
    let answer = gateway
        .request(
            "POST",
            "/sign-in",
            None,
            Some(&format!("email={}&next={next}", ANN.replace('@', "%40"))),
        )
        .expect("an answer");
    assert_eq!(answer.status, 200);
    wait_mails(&gateway, ANN, 1);
    let mail = gateway.mails_to(ANN).pop().expect("a mail");
    assert!(!mail.contains("Zebedee"), "{mail}");
    // The page still comes back, without the search.
    assert!(
        mail.contains("next=3D%2Fcases") || mail.contains("next&#x3D;%2Fcases"),
        "{mail}"
    );
}

#[test]
fn thirty_officers_behind_one_office_address_each_get_their_link() {
    let mut gateway = Gateway::start_configured(false, PROXIED);
    let officers: Vec<String> = (1..=30).map(|i| format!("officer{i}@lha.test")).collect();
    let listed: Vec<String> = officers.iter().map(|o| format!("\"{o}\"")).collect();
    gateway.restart_with_authorities(|text| {
        text.replace(
            &format!("officers = [\"{ANN}\"]"),
            &format!("officers = [\"{ANN}\", {}]", listed.join(", ")),
        )
    });
    // Nine o'clock: the whole office, one address (the council's NAT).
    for officer in &officers {
        assert_eq!(gateway.ask_link(officer, Some("203.0.113.30")), 200);
        wait_mails(&gateway, officer, 1);
    }
    // Each can sign in with the link that came.
    for officer in officers.iter().take(3) {
        let token = token_in(gateway.mails_to(officer).last().expect("a mail"));
        assert_eq!(redeem(&gateway, &token), 303, "{officer}");
    }
    // The same address flooding one mailbox: three links go, the rest
    // are answered alike and send nothing.
    for _ in 0..20 {
        assert_eq!(gateway.ask_link(ANN, Some("203.0.113.30")), 200);
    }
    wait_mails(&gateway, ANN, 3);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(gateway.mails_to(ANN).len(), 3, "three links per address");
    // And past the office's ceiling the address is refused outright.
    let refused = (0..60)
        .filter(|i| gateway.ask_link(&format!("nobody{i}@lha.test"), Some("203.0.113.30")) == 429)
        .count();
    assert_eq!(refused, 10, "a hundred requests per client in 15 minutes");
}

#[test]
fn the_client_behind_a_proxy_is_read_from_the_forms_proxies_write() {
    let gateway = Gateway::start_configured(false, PROXIED);
    for forwarded in [
        "203.0.113.7:51234",
        "[2001:db8::1]:443",
        "unknown",
        "198.51.100.1, 203.0.113.9:8080",
    ] {
        assert_eq!(gateway.ask_link("nobody@lha.test", Some(forwarded)), 200);
    }
    let out = access_record(&gateway, &[], "an address not listed (", 4);
    for client in ["203.0.113.7", "2001:db8::1", "127.0.0.1", "203.0.113.9"] {
        assert!(
            out.contains(&format!("(asked for from {client})")),
            "{client}\n{out}"
        );
    }
    assert!(
        !out.contains(":51234") && !out.contains(":443") && !out.contains("unknown"),
        "{out}"
    );
}

/// The page the mailed link for `to` returns to (its `next`), and its
/// token, once it has come.
fn mailed_next(gateway: &Gateway, to: &str) -> (String, String) {
    wait_mails(gateway, to, 1);
    let mail = gateway.mails_to(to).pop().expect("a mail");
    let token = token_in(&mail);
    let next =
        regex::Regex::new(r"/sign-in/[0-9a-f]{64}\?next(?:=3D|&#x3D;|=)([A-Za-z0-9%._~+-]+)")
            .expect("regex")
            .captures(&mail)
            .map(|c| {
                form_urlencoded::parse(format!("next={}", &c[1]).as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .expect("a value")
            })
            .unwrap_or_else(|| panic!("no next in the link:\n{mail}"));
    (token, next)
}

#[test]
fn after_signing_in_the_list_comes_back_with_its_filters_and_search() {
    let gateway = Gateway::start();
    let asked_for = "/cases?q=Zebedee+Marsh&state=red&order=urgent";
    let answer = gateway
        .request("GET", asked_for, None, None)
        .expect("an answer");
    let location = answer.header("location").expect("a location").to_string();
    let next = form_urlencoded::parse(location.trim_start_matches("/?").as_bytes())
        .find(|(k, _)| k == "next")
        .map(|(_, v)| v.into_owned());
    assert_eq!(next.as_deref(), Some(asked_for), "{location}");
    let encoded: String = form_urlencoded::byte_serialize(asked_for.as_bytes()).collect();
    let sent = gateway
        .request(
            "POST",
            "/sign-in",
            None,
            Some(&format!("email={}&next={encoded}", ANN.replace('@', "%40"))),
        )
        .expect("an answer");
    assert_eq!(sent.status, 200);
    // The mail keeps the filters and the order, never the search.
    let (token, mailed) = mailed_next(&gateway, ANN);
    assert_eq!(mailed, "/cases?state=red&order=urgent");
    // The browser that asked gets the search back, from its own cookie.
    let remembered: String = sent
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, v)| v.split(';').next())
        .find(|c| c.starts_with("dtr_next="))
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_else(|| panic!("no cookie kept the page: {:?}", sent.headers));
    let form = format!(
        "next={}",
        form_urlencoded::byte_serialize(mailed.as_bytes()).collect::<String>()
    );
    let redeemed = gateway
        .request_with(
            "POST",
            &format!("/sign-in/{token}"),
            None,
            Some(&form),
            &remembered,
        )
        .expect("an answer");
    assert_eq!(redeemed.status, 303, "{}", redeemed.body);
    assert_eq!(redeemed.header("location"), Some(asked_for));
    // Another browser (the link opened elsewhere) gets the filters alone.
    let encoded_second: String =
        form_urlencoded::byte_serialize(b"/cases?q=Zebedee&due=today").collect();
    gateway
        .request(
            "POST",
            "/sign-in",
            None,
            Some(&format!(
                "email={}&next={encoded_second}",
                HAL.replace('@', "%40")
            )),
        )
        .expect("an answer");
    let (token, mailed) = mailed_next(&gateway, HAL);
    assert_eq!(mailed, "/cases?due=today");
    let form = format!(
        "next={}",
        form_urlencoded::byte_serialize(mailed.as_bytes()).collect::<String>()
    );
    let elsewhere = gateway
        .request("POST", &format!("/sign-in/{token}"), None, Some(&form))
        .expect("an answer");
    assert_eq!(elsewhere.header("location"), Some("/cases?due=today"));
}
