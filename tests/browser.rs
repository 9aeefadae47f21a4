//! The web view in a real browser: headless Chromium driven through
//! chromedriver (Debian's `chromium` and `chromium-driver`, installed by
//! `scripts/browser.sh`), against the daemon binary watching Colchester's
//! and Harlow's inboxes on Dovecot and sending through Postfix. Run under
//! the mail servers' lock (`flock /tmp/dtr-mailservers.lock`).
//!
//! An officer of Colchester asks for a link on the sign-in page; the link
//! arrives in the officer's own Dovecot mailbox through Postfix; the browser
//! follows it, presses "Sign in", lists Colchester's cases, opens one, and
//! releases a quarantined referral, then finds its new case. An officer of
//! Harlow in a second browser gets 404 for that case and does not see it
//! listed; a browser that has not signed in is sent to the sign-in page.
//!
//! With `DTR_SCREENSHOTS=1` each page is saved as a PNG under
//! `docs/screenshots/` (the README shows them). Without Chromium the test
//! fails, saying how to install it; `DTR_SKIP_BROWSER=1` skips it instead,
//! for a machine that cannot have a browser.

mod common;

use common::{free_port, wait_for};

use common::daemon::Daemon;
use common::web_client::{exchange, Answer};
use fantoccini::{Client, ClientBuilder, Locator};
use regex::Regex;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// Colchester's officer, with a Dovecot mailbox of their own.
const COLCHESTER_OFFICER: &str = "head@lha.test";
/// Harlow's officer, likewise.
const HARLOW_OFFICER: &str = "senior@lha.test";
/// The mailbox users the test reads or empties.
const MAILBOXES: [&str; 4] = ["colchester", "harlow", "head", "senior"];

/// How wide the browser window is; screenshots are as tall as the page.
const WIDTH: u32 = 1200;

/// Where Chromium and chromedriver are: `scripts/browser.sh` installs them
/// when missing (as the mail servers' script installs those). `None` only
/// when `DTR_SKIP_BROWSER` is set and they cannot be had.
fn browser() -> Option<(PathBuf, PathBuf)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/browser.sh");
    let paths = || {
        let chromium = PathBuf::from(
            std::env::var("DTR_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
        );
        let driver = PathBuf::from(
            std::env::var("DTR_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into()),
        );
        (chromium.is_file() && driver.is_file()).then_some((chromium, driver))
    };
    if let Some(found) = paths() {
        return Some(found);
    }
    let skip = std::env::var("DTR_SKIP_BROWSER").is_ok_and(|v| !v.is_empty() && v != "0");
    if skip {
        eprintln!("browser tests skipped: DTR_SKIP_BROWSER is set and Chromium is not installed");
        return None;
    }
    let installed = Command::new("bash")
        .arg(&script)
        .arg("install")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    match paths() {
        Some(found) => Some(found),
        None => panic!(
            "the browser tests need Chromium and chromedriver (/usr/bin/chromium, \
             /usr/bin/chromedriver; DTR_CHROMIUM and DTR_CHROMEDRIVER to name others), and \
             `bash scripts/browser.sh` {} to install them (Debian's chromium and \
             chromium-driver, as root). Set DTR_SKIP_BROWSER=1 to skip these tests on a \
             machine that cannot have a browser.",
            if installed {
                "ran but did not"
            } else {
                "failed"
            }
        ),
    }
}

/// chromedriver on a free loopback port, in a process group of its own so
/// that the browsers it starts end with it.
struct Driver {
    child: Child,
    url: String,
    chromium: PathBuf,
}

impl Driver {
    fn start(chromium: PathBuf, driver: &Path) -> Driver {
        use std::os::unix::process::CommandExt;
        let port = free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            // Chromium on Linux takes its language from the environment:
            // dates in date fields as a British browser shows them.
            .env("LANG", "en_GB.UTF-8")
            .env("LANGUAGE", "en_GB:en")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver.display()));
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            chromium,
        };
        wait_for(Duration::from_secs(20), || {
            TcpStream::connect(("127.0.0.1", port)).ok()
        })
        .expect("chromedriver never listened");
        driver
    }

    /// A new browser: its own profile, so its own cookies.
    async fn browser(&self) -> Client {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".to_string(),
            serde_json::json!({
                "binary": self.chromium,
                "prefs": { "intl.accept_languages": "en-GB" },
                "args": [
                    "--headless=new",
                    // Root in a container has no user namespaces to sandbox with.
                    "--no-sandbox",
                    "--disable-dev-shm-usage",
                    "--disable-gpu",
                    "--hide-scrollbars",
                    "--force-device-scale-factor=1",
                    "--lang=en-GB",
                    format!("--window-size={WIDTH},900"),
                ],
            }),
        );
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("chromedriver would not start Chromium: {e}"))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Ok(group) = i32::try_from(self.child.id()) {
            // SAFETY: a signal to the process group this test started.
            unsafe { libc::kill(-group, libc::SIGKILL) };
        }
        let _ = self.child.wait();
    }
}

/// One plain HTTP request with a session cookie, to read a status code the
/// browser does not show.
fn status_of(port: u16, path: &str, cookie: &str) -> Answer {
    let stream = TcpStream::connect_timeout(
        &SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_secs(2),
    )
    .expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    exchange(stream, "GET", path, Some(cookie), None).expect("an answer")
}

/// The daemon watching Colchester's and Harlow's inboxes on Dovecot,
/// sending through Postfix, with the web view on a free loopback port.
struct Gateway {
    dir: TempDir,
    daemon: Daemon,
    port: u16,
}

impl Gateway {
    fn start() -> Gateway {
        let dir = TempDir::new().expect("temp dir");
        let port = free_port();
        let database = format!("sqlite:{}", dir.path().join("gateway.db").display());
        common::write_config_sending(
            dir.path(),
            &database,
            &["colchester", "harlow"],
            "",
            Some(&common::smtp_outgoing(100)),
        );
        let gateway_toml = dir.path().join("gateway.toml");
        let gateway = std::fs::read_to_string(&gateway_toml)
            .expect("gateway.toml")
            .replacen(
                "[referrers]",
                &format!(
                    "[web]\nlisten = \"127.0.0.1:{port}\"\n\
                     public_url = \"http://127.0.0.1:{port}\"\n\n[referrers]"
                ),
                1,
            );
        std::fs::write(&gateway_toml, gateway).expect("gateway.toml");
        let authorities_toml = dir.path().join("authorities.toml");
        let authorities = std::fs::read_to_string(&authorities_toml)
            .expect("authorities.toml")
            .replace(
                "inbox = \"colchester@lha.test\"\n",
                &format!(
                    "inbox = \"colchester@lha.test\"\nofficers = [\"{COLCHESTER_OFFICER}\"]\n"
                ),
            )
            .replace(
                "inbox = \"harlow@lha.test\"\n",
                &format!("inbox = \"harlow@lha.test\"\nofficers = [\"{HARLOW_OFFICER}\"]\n"),
            );
        std::fs::write(&authorities_toml, authorities).expect("authorities.toml");
        let daemon = Daemon::start(dir.path());
        let gateway = Gateway { dir, daemon, port };
        wait_for(Duration::from_secs(30), || {
            let stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
            exchange(stream, "GET", "/", None, None)
        })
        .unwrap_or_else(|| panic!("the web view never answered:\n{}", gateway.daemon.tail()));
        gateway
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn database(&self) -> String {
        format!("sqlite:{}", self.dir.path().join("gateway.db").display())
    }

    /// The reference of the case whose person's name is `name`, once
    /// recorded.
    fn case_of(&self, name: &str) -> String {
        let reference = Regex::new(r"DTR-[A-Z]{3}-\d{4}-\d{5}").expect("regex");
        let database = self.database();
        wait_for(Duration::from_secs(60), || {
            let (ok, out) = common::gateway_cli(&database, &["cases", "--search", name]);
            ok.then(|| reference.find(&out).map(|m| m.as_str().to_string()))
                .flatten()
        })
        .unwrap_or_else(|| panic!("no case for {name}:\n{}", self.daemon.tail()))
    }
}

/// An example referral from `examples/referrals/`, delivered through
/// Postfix to an inbox. Its referrer and case lead are moved to mailboxes
/// the test Postfix delivers to, so that the answers reach them.
fn deliver_example(name: &str, to: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/referrals")
        .join(name);
    let raw = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .replace("jane.doe@justice.gov.uk", "referrer@justice.test")
        .replace(
            "offender.manager@probation.gov.uk",
            "probation@justice.test",
        );
    common::mail_servers().send("referrer@justice.test", to, raw.as_bytes());
}

/// The one-time link in the newest mail of a user's inbox, waiting for it.
fn link_in_mailbox(user: &str, log: impl Fn() -> String) -> String {
    let link = Regex::new(r"http://127\.0\.0\.1:\d+/sign-in/[0-9a-f]{64}").expect("regex");
    wait_for(Duration::from_secs(60), || {
        common::messages(user, "INBOX").iter().rev().find_map(|m| {
            let unfolded = m.replace("=\r\n", "").replace("=\n", "");
            link.find(&unfolded).map(|l| l.as_str().to_string())
        })
    })
    .unwrap_or_else(|| panic!("no sign-in link reached {user}'s mailbox:\n{}", log()))
}

/// Saves the page, whole, as `docs/screenshots/NAME.png` when
/// `DTR_SCREENSHOTS` is set.
async fn screenshot(browser: &Client, name: &str) {
    if std::env::var("DTR_SCREENSHOTS").map_or(true, |v| v.is_empty() || v == "0") {
        return;
    }
    // The window is the page's height plus the browser's own rows.
    let sizes = browser
        .execute(
            "return [document.documentElement.scrollHeight, \
                     window.outerHeight - window.innerHeight];",
            vec![],
        )
        .await
        .expect("the page's height");
    let number = |i: usize| {
        sizes
            .get(i)
            .and_then(serde_json::Value::as_u64)
            .and_then(|h| u32::try_from(h).ok())
            .unwrap_or(0)
    };
    let height = number(0).clamp(500, 6000) + number(1);
    browser
        .set_window_size(WIDTH, height)
        .await
        .expect("window size");
    let png = browser.screenshot().await.expect("a screenshot");
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
    std::fs::create_dir_all(&folder).expect("docs/screenshots");
    std::fs::write(folder.join(format!("{name}.png")), png).expect("write the screenshot");
    browser
        .set_window_size(WIDTH, 900)
        .await
        .expect("window size");
}

async fn text_of(browser: &Client) -> String {
    browser
        .find(Locator::Css("body"))
        .await
        .expect("a body")
        .text()
        .await
        .expect("its text")
}

/// Waits for the browser to be at a path starting with `path` after
/// pressing a button or a link (the click can return before the next page
/// has loaded).
async fn arrive_at(browser: &Client, path: &str) {
    let started = Instant::now();
    loop {
        let now_at = path_of(browser).await;
        if now_at.starts_with(path) {
            return;
        }
        if started.elapsed() > Duration::from_secs(15) {
            panic!("at {now_at}, not {path}:\n{}", text_of(browser).await);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn path_of(browser: &Client) -> String {
    browser
        .current_url()
        .await
        .expect("the address")
        .path()
        .to_string()
}

/// Signs `address` in as a person does: the sign-in page, the link from
/// their mailbox, the button. Screenshots of the first browser's pages.
async fn sign_in(browser: &Client, gateway: &Gateway, address: &str, user: &str, shots: bool) {
    browser.goto(&gateway.url("/")).await.expect("open /");
    let field = browser
        .find(Locator::Css("input#email"))
        .await
        .expect("the email field");
    field.send_keys(address).await.expect("type the address");
    if shots {
        screenshot(browser, "sign-in").await;
    }
    browser
        .find(Locator::XPath(
            "//button[normalize-space()='Send me a link']",
        ))
        .await
        .expect("the button")
        .click()
        .await
        .expect("press it");
    arrive_at(browser, "/sign-in").await;
    let page = text_of(browser).await;
    assert!(
        page.contains("Check your email"),
        "after asking for a link:\n{page}"
    );
    let link = link_in_mailbox(user, || gateway.daemon.tail());
    browser.goto(&link).await.expect("follow the link");
    let page = text_of(browser).await;
    assert!(
        page.contains("Press the button to sign in"),
        "the link's page:\n{page}"
    );
    if shots {
        screenshot(browser, "link-opened").await;
    }
    browser
        .find(Locator::XPath("//button[normalize-space()='Sign in']"))
        .await
        .expect("the Sign in button")
        .click()
        .await
        .expect("press Sign in");
    arrive_at(browser, "/cases").await;
    let page = text_of(browser).await;
    assert!(page.contains(address), "signed in as {address}:\n{page}");
}

/// The session cookie a browser holds (HttpOnly: scripts cannot read it,
/// WebDriver can).
async fn session_cookie(browser: &Client) -> String {
    browser
        .get_all_cookies()
        .await
        .expect("cookies")
        .iter()
        .find(|c| c.name().ends_with("dtr_session"))
        .map(|c| c.value().to_string())
        .expect("a session cookie")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officers_use_the_web_view_in_a_browser_and_see_their_own_authority_only() {
    let Some((chromium, chromedriver)) = browser() else {
        return;
    };
    let servers = common::mail_servers();
    for user in MAILBOXES {
        servers.reset(user);
    }
    let gateway = Gateway::start();
    let driver = Driver::start(chromium, &chromedriver);

    // Two referrals and one from a charity, which is set aside.
    deliver_example("complete-referral.eml", "colchester@lha.test");
    deliver_example("incomplete-referral.eml", "colchester@lha.test");
    deliver_example("referral-from-a-charity.eml", "colchester@lha.test");
    let case = gateway.case_of("Daniel Marsh");
    gateway.case_of("Ben Carter");

    let officer = driver.browser().await;
    let other = driver.browser().await;
    let stranger = driver.browser().await;
    let result = async {
        sign_in(&officer, &gateway, COLCHESTER_OFFICER, "head", true).await;

        // The list: Colchester's cases, the filters a form of plain fields.
        let page = text_of(&officer).await;
        assert!(page.contains("Colchester cases"), "{page}");
        assert!(
            page.contains(&case) && page.contains("Daniel Marsh"),
            "{page}"
        );
        assert!(page.contains("Ben Carter"), "{page}");
        screenshot(&officer, "cases").await;

        // One case, opened from the list.
        officer
            .find(Locator::LinkText(&case))
            .await
            .expect("the case's link")
            .click()
            .await
            .expect("open the case");
        arrive_at(&officer, &format!("/cases/{case}")).await;
        let page = text_of(&officer).await;
        assert!(page.contains("Daniel Marsh"), "{page}");
        assert!(page.contains("Timeline"), "{page}");
        assert!(
            Regex::new(&format!(
                r"Viewed by {} at ",
                regex::escape(COLCHESTER_OFFICER)
            ))
            .expect("regex")
            .is_match(&page),
            "the view is recorded on the case:\n{page}"
        );
        screenshot(&officer, "case").await;

        officer.goto(&gateway.url("/due")).await.expect("open /due");
        let page = text_of(&officer).await;
        assert!(page.contains(&case), "{page}");
        screenshot(&officer, "due").await;

        officer
            .goto(&gateway.url("/report"))
            .await
            .expect("open /report");
        assert!(
            officer.find(Locator::Css("svg")).await.is_ok(),
            "a chart:\n{}",
            text_of(&officer).await
        );
        screenshot(&officer, "report").await;

        // The charity's referral waits in quarantine; releasing it opens
        // its case, which the list then shows.
        officer
            .goto(&gateway.url("/quarantine"))
            .await
            .expect("open /quarantine");
        wait_for_async(&officer, &gateway, "Release message").await;
        // On a phone (390 CSS pixels) and at 400% zoom (320), no page
        // needs scrolling sideways, nor do its tables, which stack; only a
        // chart scrolls, in its own box, its text never under 12 pixels.
        for width in [390, 320] {
            officer
                .set_window_size(width, 900)
                .await
                .expect("window size");
            for path in [
                "/cases".to_string(),
                format!("/cases/{case}"),
                "/due".into(),
                "/quarantine".into(),
                "/report".into(),
            ] {
                officer
                    .goto(&gateway.url(&path))
                    .await
                    .expect("open a page");
                let sizes = officer
                    .execute(
                        "return [window.innerWidth, document.documentElement.scrollWidth, \
                                 document.documentElement.clientWidth];",
                        vec![],
                    )
                    .await
                    .expect("the page's widths");
                let size = |i: usize| sizes.get(i).and_then(serde_json::Value::as_u64);
                assert_eq!(size(0), Some(u64::from(width)), "the window: {sizes:?}");
                assert!(
                    size(1) <= size(2),
                    "{path} at {width} px needs scrolling sideways: {sizes:?}\n{}",
                    text_of(&officer).await
                );
                let wider = officer
                    .execute(
                        "return Array.from(document.querySelectorAll('.table-wrap'))\
                           .filter(b => b.scrollWidth > b.clientWidth)\
                           .map(b => b.getAttribute('aria-label') || b.getAttribute('aria-labelledby'));",
                        vec![],
                    )
                    .await
                    .expect("the tables' widths");
                assert_eq!(
                    wider,
                    serde_json::json!([]),
                    "{path} at {width} px: tables scroll sideways"
                );
                let smallest = officer
                    .execute(
                        "let least = 1000;\
                         for (const svg of document.querySelectorAll('figure svg')) {\
                           const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;\
                           for (const t of svg.querySelectorAll('text')) {\
                             least = Math.min(least, scale * parseFloat(t.getAttribute('font-size')));\
                           }\
                         }\
                         return least;",
                        vec![],
                    )
                    .await
                    .expect("the charts' text");
                let smallest = smallest.as_f64().expect("a size");
                assert!(
                    smallest >= 12.0,
                    "{path} at {width} px: chart text {smallest} px"
                );
            }
        }
        officer
            .set_window_size(WIDTH, 900)
            .await
            .expect("window size");
        officer
            .goto(&gateway.url("/quarantine"))
            .await
            .expect("open /quarantine");
        let release = wait_for_async(&officer, &gateway, "Release message").await;
        screenshot(&officer, "quarantine").await;
        release.click().await.expect("press Release");
        // The release answers with the new case itself (a refresh then
        // repeats nothing).
        arrive_at(&officer, "/cases/DTR-COL-").await;
        let opened = path_of(&officer)
            .await
            .trim_start_matches("/cases/")
            .to_string();
        assert!(
            Regex::new(r"^DTR-COL-\d{4}-\d{5}$")
                .expect("regex")
                .is_match(&opened),
            "{opened}"
        );
        let page = text_of(&officer).await;
        assert!(page.contains("Aaron Pike"), "{page}");
        assert!(page.contains("released quarantined message"), "{page}");
        officer
            .goto(&gateway.url("/quarantine"))
            .await
            .expect("open /quarantine");
        let page = text_of(&officer).await;
        assert!(page.contains("The quarantine is empty"), "{page}");
        officer.goto(&gateway.url("/cases")).await.expect("/cases");
        let page = text_of(&officer).await;
        assert!(
            page.contains(&opened) && page.contains("Aaron Pike"),
            "{page}"
        );

        // Harlow's officer, in another browser: nothing of Colchester's.
        sign_in(&other, &gateway, HARLOW_OFFICER, "senior", false).await;
        let page = text_of(&other).await;
        assert!(page.contains("Harlow cases"), "{page}");
        assert!(
            !page.contains(&case) && !page.contains("Daniel Marsh") && !page.contains("Aaron Pike"),
            "{page}"
        );
        other
            .goto(&gateway.url(&format!("/cases/{case}")))
            .await
            .expect("open Colchester's case");
        let page = text_of(&other).await;
        assert!(
            page.contains("Page not found") && !page.contains("Daniel Marsh"),
            "{page}"
        );
        let answer = status_of(
            gateway.port,
            &format!("/cases/{case}"),
            &session_cookie(&other).await,
        );
        assert_eq!(answer.status, 404, "{}", answer.body);
        assert!(!answer.body.contains("Daniel Marsh"));
        other
            .goto(&gateway.url("/quarantine"))
            .await
            .expect("/quarantine");
        let page = text_of(&other).await;
        assert!(page.contains("The quarantine is empty"), "{page}");

        // A browser that has not signed in is sent to the sign-in page.
        for path in [
            "/cases".to_string(),
            format!("/cases/{case}"),
            "/due".into(),
        ] {
            stranger
                .goto(&gateway.url(&path))
                .await
                .expect("open a page");
            assert_eq!(path_of(&stranger).await, "/", "{path}");
            let page = text_of(&stranger).await;
            assert!(
                page.contains("Send me a link") && !page.contains("Daniel Marsh"),
                "{path}: {page}"
            );
        }
    }
    .await;
    for browser in [officer, other, stranger] {
        let _ = browser.close().await;
    }
    drop(driver);
    gateway.daemon.terminate().await;
    result
}

/// The quarantine page's release button, reloading until the message is
/// there (intake sets it aside a moment after the others).
async fn wait_for_async(
    browser: &Client,
    gateway: &Gateway,
    button: &str,
) -> fantoccini::elements::Element {
    let started = Instant::now();
    loop {
        let found = browser
            .find(Locator::XPath(&format!(
                "//button[starts-with(normalize-space(), '{button}')]"
            )))
            .await;
        if let Ok(element) = found {
            return element;
        }
        if started.elapsed() > Duration::from_secs(60) {
            panic!(
                "no {button} button:\n{}\n{}",
                text_of(browser).await,
                gateway.daemon.tail()
            );
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        browser.refresh().await.expect("reload");
    }
}
