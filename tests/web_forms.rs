//! The web view's forms and pages as officers use them: days typed as
//! people type them, pages a browser must not keep once signed out, the
//! day field labelled alike on /cases and /due, refused look-ups in the
//! access record, and the quarantine's advice in words.

mod common;

use common::web_client::Answer;
use common::web_gateway::{csrf_of, Gateway, ANN, CORA, HAL};
use regex::Regex;
use std::time::Duration;

fn get(gateway: &Gateway, path: &str, cookie: &str) -> Answer {
    gateway.get(path, cookie)
}

/// A message from a referrer that speaks of a referral and holds no form:
/// set aside as one a person must record by hand.
fn formless_referral(gateway: &Gateway, user: &str) {
    let raw = format!(
        "From: referrer@justice.test\r\nTo: {user}@lha.test\r\n\
         Subject: DTR referral\r\nMessage-ID: <formless-{user}@justice.test>\r\n\
         Date: Mon, 7 Dec 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         Please find the referral on the portal.\r\n"
    );
    gateway.deliver(user, "formless.eml", raw.as_bytes());
}

#[test]
fn days_typed_with_two_digit_years_or_in_words_are_read_as_the_commands_read_them() {
    let gateway = Gateway::start();
    let colchester = gateway.refer("colchester", 1);
    let ann = gateway.sign_in(ANN);
    // Not overdue today; overdue as on 7 January 2030, however it is typed.
    for typed in ["07/01/30", "7%20January%202030", "07-01-2030", "2030-01-07"] {
        let cases = get(&gateway, &format!("/cases?overdue=yes&on={typed}"), &ann);
        assert_eq!(cases.status, 200, "{typed}: {}", cases.body);
        assert!(cases.body.contains(&colchester), "{typed}: {}", cases.body);
        assert!(
            cases.body.contains("value=\"07/01/2030\"") && !cases.body.contains("0030"),
            "{typed}: {}",
            cases.body
        );
        let due = get(&gateway, &format!("/due?on={typed}"), &ann);
        assert_eq!(due.status, 200, "{typed}: {}", due.body);
        assert!(
            due.body.contains("on Monday 7 January 2030")
                && due.body.contains("<span class=\"tag red\">Overdue</span>")
                && due.body.contains("value=\"07/01/2030\""),
            "{typed}: {}",
            due.body
        );
    }
    // A year before 2000 is a slip, said at its field, with no list.
    for typed in ["07/01/0030", "07/01/1999"] {
        for path in [
            format!("/cases?on={typed}"),
            format!("/cases?due={typed}"),
            format!("/due?on={typed}"),
        ] {
            let page = get(&gateway, &path, &ann);
            assert_eq!(page.status, 400, "{path}: {}", page.body);
            assert!(
                page.body.contains("-error\">") && !page.body.contains(&colchester),
                "{path}: {}",
                page.body
            );
        }
    }
}

#[test]
fn signed_in_pages_are_not_kept_by_the_browser_and_signing_out_redirects() {
    let gateway = Gateway::start();
    let colchester = gateway.refer("colchester", 1);
    let ann = gateway.sign_in(ANN);
    for path in [
        "/cases".to_string(),
        format!("/cases/{colchester}"),
        "/due".to_string(),
        "/quarantine".to_string(),
        "/report".to_string(),
        "/report.csv".to_string(),
    ] {
        let page = get(&gateway, &path, &ann);
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert_eq!(page.header("cache-control"), Some("no-store"), "{path}");
        assert_eq!(page.header("pragma"), Some("no-cache"), "{path}");
    }
    let csrf = csrf_of(&get(&gateway, "/cases", &ann).body);
    let out = gateway
        .request(
            "POST",
            "/sign-out",
            Some(&ann),
            Some(&format!("csrf={csrf}")),
        )
        .expect("an answer");
    assert_eq!(out.status, 303, "{}", out.body);
    let location = out.header("location").expect("a location").to_string();
    assert!(location.starts_with("/?"), "{location}");
    assert!(out.header("set-cookie").is_some(), "{:?}", out.headers);
    let landing = gateway.after_sign_out(&out);
    assert_eq!(landing.status, 200);
    assert!(
        landing.body.contains("You have signed out."),
        "{}",
        landing.body
    );
    assert_eq!(get(&gateway, "/cases", &ann).status, 303);
}

#[test]
fn the_day_the_deadlines_are_seen_as_on_is_labelled_alike_on_cases_and_due() {
    let gateway = Gateway::start();
    let ann = gateway.sign_in(ANN);
    let field = "<label for=\"on\">Deadlines as on</label>\
                 <span class=\"hint\" id=\"on-hint\">what is due and overdue as on this day</span>";
    for path in ["/cases", "/due"] {
        let page = get(&gateway, path, &ann);
        assert!(page.body.contains(field), "{path}: {}", page.body);
        assert!(!page.body.contains(">Due on<"), "{path}: {}", page.body);
    }
    let unreadable = get(&gateway, "/due?on=31%2F02%2F2026", &ann);
    assert!(
        unreadable
            .body
            .contains("Deadlines as on: \u{201c}31/02/2026\u{201d} is not a date"),
        "{}",
        unreadable.body
    );
}

#[test]
fn due_today_as_on_another_day_means_due_on_that_day() {
    let gateway = Gateway::start();
    let colchester = gateway.refer("colchester", 1);
    let ann = gateway.sign_in(ANN);
    // A day on which one of the case's deadlines falls due, not today.
    let today = chrono::Utc::now().date_naive();
    let when = Regex::new(r#"<td class="when"[^>]*>\w+ (\d{1,2} \w+ \d{4})</td>"#).expect("regex");
    let due = get(&gateway, "/due", &ann);
    let day = when
        .captures_iter(&due.body)
        .filter_map(|c| chrono::NaiveDate::parse_from_str(&c[1], "%d %b %Y").ok())
        .find(|d| (*d - today).num_days().abs() > 1)
        .unwrap_or_else(|| panic!("no deadline away from today:\n{}", due.body));
    let on = day.format("%Y-%m-%d");
    let explicit = get(&gateway, &format!("/cases?due={on}"), &ann);
    assert!(explicit.body.contains(&colchester), "{}", explicit.body);
    let as_on = get(&gateway, &format!("/cases?due=today&on={on}"), &ann);
    assert_eq!(as_on.status, 200, "{}", as_on.body);
    assert!(as_on.body.contains(&colchester), "{}", as_on.body);
    assert!(as_on.body.contains("value=\"today\""), "{}", as_on.body);
}

#[test]
fn refused_look_ups_of_another_authoritys_case_or_message_are_recorded() {
    let gateway = Gateway::start();
    let colchester = gateway.refer("colchester", 1);
    formless_referral(&gateway, "colchester");
    let ann = gateway.sign_in(ANN);
    let hal = gateway.sign_in(HAL);
    let release = Regex::new(r#"/quarantine/(\d+)/dismiss"#).expect("regex");
    let id = common::wait_for(Duration::from_secs(30), || {
        let page = gateway.request("GET", "/quarantine", Some(&ann), None)?;
        release.captures(&page.body).map(|c| c[1].to_string())
    })
    .unwrap_or_else(|| panic!("nothing in Colchester's quarantine:\n{}", gateway.log()));
    assert_eq!(
        get(&gateway, &format!("/cases/{colchester}"), &hal).status,
        404
    );
    let csrf = csrf_of(&get(&gateway, "/cases", &hal).body);
    let dismissed = gateway
        .request(
            "POST",
            &format!("/quarantine/{id}/dismiss"),
            Some(&hal),
            Some(&format!("csrf={csrf}&reason=probing")),
        )
        .expect("an answer");
    assert_eq!(dismissed.status, 404);
    let (ok, record) = common::gateway_cli(&gateway.database(), &["access"]);
    assert!(ok, "{record}");
    for asked in [
        format!("asked for /cases/{colchester}: refused: not found"),
        format!("asked for quarantined message {id} to dismiss: refused: not found"),
    ] {
        assert!(
            record
                .lines()
                .any(|l| l.contains(HAL) && l.contains(&asked)),
            "{asked}:\n{record}"
        );
    }
}

#[test]
fn the_quarantine_page_says_in_words_what_to_do_with_a_message_it_cannot_read() {
    let gateway = Gateway::start();
    formless_referral(&gateway, "colchester");
    let ann = gateway.sign_in(ANN);
    let page = common::wait_for(Duration::from_secs(30), || {
        let page = gateway.request("GET", "/quarantine", Some(&ann), None)?;
        page.body.contains("/dismiss").then_some(page)
    })
    .unwrap_or_else(|| panic!("nothing in Colchester's quarantine:\n{}", gateway.log()));
    let id = Regex::new(r#"/quarantine/(\d+)/dismiss"#)
        .expect("regex")
        .captures(&page.body)
        .map(|c| c[1].to_string())
        .expect("a message");
    assert!(
        page.body.contains(&format!(
            "ask the gateway's administrator to record the referral by hand, giving \
             message number {id}"
        )),
        "{}",
        page.body
    );
    assert!(!page.body.contains("dtr-gateway"), "{}", page.body);
}

#[test]
fn a_report_csv_for_a_quarter_that_cannot_be_read_says_why() {
    let gateway = Gateway::start();
    let ann = gateway.sign_in(ANN);
    let answer = get(&gateway, "/report.csv?quarter=2026Q9", &ann);
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(
        answer
            .body
            .contains("\u{201c}2026Q9\u{201d} is not a quarter such as 2026Q4"),
        "{}",
        answer.body
    );
}

#[test]
fn a_case_reference_typed_in_lower_case_finds_the_case_of_ones_own_authority_only() {
    let gateway = Gateway::start();
    let colchester = gateway.refer("colchester", 1);
    let ann = gateway.sign_in(ANN);
    let hal = gateway.sign_in(HAL);
    let lower = format!("/cases/{}", colchester.to_lowercase());
    let page = get(&gateway, &lower, &ann);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Test Person1"), "{}", page.body);
    assert_eq!(get(&gateway, &lower, &hal).status, 404);
}

#[test]
fn a_page_not_found_keeps_the_pages_and_sign_out_for_someone_signed_in() {
    let gateway = Gateway::start();
    let colchester = gateway.refer("colchester", 1);
    let hal = gateway.sign_in(HAL);
    for path in ["/no-such-page".to_string(), format!("/cases/{colchester}")] {
        let page = get(&gateway, &path, &hal);
        assert_eq!(page.status, 404, "{path}");
        assert!(
            page.body.contains("<nav aria-label=\"Pages\">")
                && page.body.contains("action=\"/sign-out\""),
            "{path}: {}",
            page.body
        );
    }
    let stranger = gateway
        .request("GET", "/no-such-page", None, None)
        .expect("an answer");
    assert_eq!(stranger.status, 404);
    assert!(!stranger.body.contains("/sign-out"), "{}", stranger.body);
}

#[test]
fn an_unknown_state_is_said_at_its_field_not_ignored() {
    let gateway = Gateway::start();
    let colchester = gateway.refer("colchester", 1);
    let ann = gateway.sign_in(ANN);
    let page = get(&gateway, "/cases?state=purple", &ann);
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(
        page.body.contains("<a href=\"#state\">")
            && page
                .body
                .contains("id=\"state-error\">Next deadline: \u{201c}purple\u{201d} is not one of")
            && page.body.contains("aria-invalid=\"true\""),
        "{}",
        page.body
    );
    assert!(!page.body.contains(&colchester), "{}", page.body);
}

#[test]
fn a_second_dismissal_by_the_same_person_says_they_dismissed_it_already() {
    let gateway = Gateway::start();
    formless_referral(&gateway, "colchester");
    let ann = gateway.sign_in(ANN);
    let id = gateway.quarantined_id(&ann);
    let csrf = csrf_of(&get(&gateway, "/quarantine", &ann).body);
    let form = format!("csrf={csrf}&reason=a+duplicate");
    let first = gateway.post_form(&format!("/quarantine/{id}/dismiss"), &ann, &form);
    assert_eq!(first.status, 303, "{}", first.body);
    let again = gateway.post_form(&format!("/quarantine/{id}/dismiss"), &ann, &form);
    assert!(
        again
            .body
            .contains(&format!("Message {id} was already dismissed by {ANN}")),
        "{}",
        again.body
    );
    assert!(!again.body.contains("someone else"), "{}", again.body);
}

#[test]
fn the_sign_in_page_names_the_page_to_return_to_in_words() {
    let gateway = Gateway::start();
    for (next, words) in [
        (
            "%2Fcases",
            "You will return to the list of cases after signing in",
        ),
        (
            "%2Fcases%3Fq%3Dsmith%26state%3Dred",
            "You will return to the list of cases, as you filtered it after signing in",
        ),
        (
            "%2Fcases%2Fdtr-col-2026-00001",
            "You will return to case DTR-COL-2026-00001 after signing in",
        ),
        (
            "%2Fdue",
            "You will return to the deadlines due after signing in",
        ),
    ] {
        let page = gateway
            .request("GET", &format!("/?next={next}"), None, None)
            .expect("an answer");
        assert!(page.body.contains(words), "{next}: {}", page.body);
        assert!(!page.body.contains("<code>"), "{next}: {}", page.body);
    }
}

#[test]
fn a_session_that_ended_is_told_so_on_the_sign_in_page() {
    let gateway = Gateway::start();
    let ended = "ab".repeat(32);
    let page = gateway
        .request("GET", "/cases", Some(&ended), None)
        .expect("an answer");
    assert_eq!(page.status, 303);
    let location = page.header("location").expect("a location").to_string();
    let landing = gateway
        .request("GET", &location, Some(&ended), None)
        .expect("an answer");
    assert!(
        landing
            .body
            .contains("Your session ended; sign in again to go on"),
        "{}",
        landing.body
    );
    let fresh = gateway.request("GET", "/", None, None).expect("an answer");
    assert!(!fresh.body.contains("Your session ended"), "{}", fresh.body);
}

#[test]
fn a_release_that_opens_another_authoritys_case_says_so_instead_of_not_found() {
    let gateway = Gateway::start();
    // Set aside in Colchester's inbox (a sender not allowed to refer), its
    // form naming Harlow as the authority.
    let raw = String::from_utf8(common::referral(
        "web-elsewhere@example.org",
        8,
        "colchester@lha.test",
    ))
    .expect("text")
    .replace("referrer@justice.test", "someone@example.org")
    .replace(
        "Local connection: resident\r\n",
        "Local connection: resident\r\nLocal housing authority: Harlow\r\n",
    );
    gateway.deliver("colchester", "elsewhere.eml", raw.as_bytes());
    let ann = gateway.sign_in(ANN);
    let id = gateway.quarantined_id(&ann);
    let page = get(&gateway, "/quarantine", &ann);
    let released = gateway
        .request(
            "POST",
            &format!("/quarantine/{id}/release"),
            Some(&ann),
            Some(&format!("csrf={}", csrf_of(&page.body))),
        )
        .expect("an answer");
    assert_eq!(released.status, 303, "{}", released.body);
    let to = released.header("location").expect("a redirect").to_string();
    assert_eq!(to, format!("/quarantine?released-elsewhere={id}"));
    let after = get(&gateway, &to, &ann);
    assert_eq!(after.status, 200);
    assert!(
        after
            .body
            .contains("its case was opened there and is theirs to see"),
        "{}",
        after.body
    );
    // Harlow's officer has it.
    let hal = gateway.sign_in(HAL);
    let theirs = get(&gateway, "/cases", &hal);
    assert!(theirs.body.contains("DTR-HAR-"), "{}", theirs.body);
}

#[test]
fn an_empty_dismissal_reason_is_refused_at_its_field_and_nothing_is_dismissed() {
    let gateway = Gateway::start();
    formless_referral(&gateway, "colchester");
    let ann = gateway.sign_in(ANN);
    let id = gateway.quarantined_id(&ann);
    let csrf = csrf_of(&get(&gateway, "/quarantine", &ann).body);
    for reason in ["", "+++"] {
        let answer = gateway.post_form(
            &format!("/quarantine/{id}/dismiss"),
            &ann,
            &format!("csrf={csrf}&reason={reason}"),
        );
        assert_eq!(answer.status, 400, "{}", answer.body);
        // Said above the page, linked to the field, and at the field.
        assert!(
            answer.body.contains(&format!("<a href=\"#reason-{id}\">"))
                && answer.body.contains(&format!(
                    "<span class=\"field-error\" id=\"reason-{id}-error\">Enter why"
                ))
                && answer.body.contains(&format!(
                    "aria-invalid=\"true\" aria-describedby=\"reason-{id}-error\""
                )),
            "{}",
            answer.body
        );
    }
    // Still waiting, and dismissed by nobody.
    let page = get(&gateway, "/quarantine", &ann);
    assert!(
        page.body.contains(&format!("/quarantine/{id}/dismiss")),
        "{}",
        page.body
    );
    let (_, out) = common::gateway_cli(&gateway.database(), &["access"]);
    assert!(!out.contains("dismissed quarantined message"), "{out}");
}

/// Where each of `references` first appears in `body`, in their order.
fn positions(body: &str, references: &[&str]) -> Vec<usize> {
    references
        .iter()
        .map(|r| {
            body.find(&format!("<a href=\"/cases/{r}\">"))
                .unwrap_or_else(|| panic!("{r} is not listed:\n{body}"))
        })
        .collect()
}

#[tokio::test]
async fn the_list_puts_the_most_urgent_case_first_and_says_so() {
    let gateway = Gateway::start();
    let first = gateway.refer("colchester", 1);
    let second = gateway.refer("colchester", 2);
    let third = gateway.refer("colchester", 3);
    let store = dtr_gateway::store::Store::open(&gateway.database())
        .await
        .expect("store");
    // The second is not acknowledged yet: its next deadline (3 working
    // days) comes before the first's (the lead officer, 5). The third was
    // received weeks ago: its deadlines are past.
    sqlx::query("UPDATE cases SET acknowledged_at = NULL WHERE reference = $1")
        .bind(&second)
        .execute(store.pool())
        .await
        .expect("update");
    let weeks_ago = chrono::Utc::now() - chrono::Duration::days(30);
    sqlx::query("UPDATE cases SET received_at = $1, clock_from = $1 WHERE reference = $2")
        .bind(dtr_gateway::store::Stamp(weeks_ago))
        .bind(&third)
        .execute(store.pool())
        .await
        .expect("update");
    let ann = gateway.sign_in(ANN);
    // By default the newest first, the other order a link away.
    let page = get(&gateway, "/cases", &ann);
    assert_eq!(page.status, 200, "{}", page.body);
    let at = positions(&page.body, &[&second, &first, &third]);
    assert!(at[0] < at[1] && at[1] < at[2], "{}", page.body);
    assert!(page.body.contains("<caption>Newest first"), "{}", page.body);
    assert!(
        page.body
            .contains("<a href=\"/cases?order=urgent\">Show the most urgent first</a>"),
        "{}",
        page.body
    );
    let page = get(&gateway, "/cases?order=urgent", &ann);
    assert_eq!(page.status, 200, "{}", page.body);
    let at = positions(&page.body, &[&third, &second, &first]);
    assert!(at[0] < at[1] && at[1] < at[2], "{}", page.body);
    let overdue_row = &page.body[at[0]..at[1]];
    assert!(overdue_row.contains(">Overdue<"), "{overdue_row}");
    // Filtering the list keeps the order chosen: the form sends it on.
    let form = &page.body[page
        .body
        .find("<form method=\"get\" action=\"/cases\"")
        .expect("the filter form")..];
    let form = &form[..form.find("</form>").expect("the form's end")];
    assert!(
        form.contains("<input type=\"hidden\" name=\"order\" value=\"urgent\">"),
        "{form}"
    );
    // The order is said above the table, where everyone sees it.
    assert!(
        page.body
            .contains("<caption>Most urgent first: overdue deadlines, then the nearest"),
        "{}",
        page.body
    );
}

#[test]
fn a_closed_case_shows_its_closed_state_and_no_urgency() {
    let gateway = Gateway::start();
    // Released in three weeks: urgent.
    let soon = (chrono::Utc::now() + chrono::Duration::days(21))
        .format("%d/%m/%Y")
        .to_string();
    let urgent = gateway.refer_edited("colchester", 1, |raw| raw.replace("01/03/2027", &soon));
    let ann = gateway.sign_in(ANN);
    let page = get(&gateway, &format!("/cases/{urgent}"), &ann);
    assert!(page.body.contains("Open, URGENT"), "{}", page.body);
    let (closed, out) = common::gateway_cli(
        &gateway.database(),
        &["case", &urgent, "close", "--outcome", "no-contact"],
    );
    assert!(closed, "{out}");
    let page = get(&gateway, &format!("/cases/{urgent}"), &ann);
    assert!(
        page.body
            .contains("<th scope=\"row\">Status</th><td>Closed</td>"),
        "{}",
        page.body
    );
    let list = get(&gateway, "/cases?all=yes", &ann);
    assert!(list.body.contains(&urgent), "{}", list.body);
    for shown in [&page.body, &list.body] {
        for marker in ["URGENT", ">Urgent<", "not urgent"] {
            assert!(!shown.contains(marker), "{marker}: {shown}");
        }
    }
}

#[test]
fn a_released_further_referral_is_linked_on_both_cases_pages() {
    let gateway = Gateway::start();
    let first = gateway.refer("colchester", 1);
    // The same person referred again by a sender not allowed to refer:
    // set aside, then released by the officer.
    let raw = String::from_utf8(common::referral(
        "web-again@example.org",
        1,
        "colchester@lha.test",
    ))
    .expect("text")
    .replace("referrer@justice.test", "someone@example.org");
    gateway.deliver("colchester", "again.eml", raw.as_bytes());
    let ann = gateway.sign_in(ANN);
    let id = gateway.quarantined_id(&ann);
    let csrf = csrf_of(&get(&gateway, "/quarantine", &ann).body);
    let released = gateway.post_form(
        &format!("/quarantine/{id}/release"),
        &ann,
        &format!("csrf={csrf}"),
    );
    assert_eq!(released.status, 303, "{}", released.body);
    let to = released.header("location").expect("a redirect").to_string();
    let further = to
        .trim_start_matches("/cases/")
        .trim_end_matches(&format!("?released={id}"))
        .to_string();
    assert!(further.starts_with("DTR-COL-") && further != first, "{to}");
    let link = |r: &str| format!("<a href=\"/cases/{r}\">{r}</a>");
    let new_case = get(&gateway, &to, &ann);
    // The officer is told where the release went: the new case, named.
    assert!(
        new_case.body.contains(&format!(
            "<p role=\"status\"><strong>Message {id} released by {ANN} at "
        )) && new_case.body.contains(&format!(
            ": it opened a new case, {}, a further referral of a person with an open \
             case.</strong></p>",
            link(&further)
        )),
        "{}",
        new_case.body
    );
    // Said from the record: the same words for another message, or on
    // another case, say nothing.
    for other in [
        format!("/cases/{further}?released=999"),
        format!("/cases/{first}?released={id}"),
    ] {
        let page = get(&gateway, &other, &ann);
        assert!(
            !page.body.contains("role=\"status\""),
            "{other}: {}",
            page.body
        );
    }
    assert!(
        new_case.body.contains(&format!(
            "<th scope=\"row\">Linked to</th><td>a further referral of the person in {}</td>",
            link(&first)
        )),
        "{}",
        new_case.body
    );
    let first_case = get(&gateway, &format!("/cases/{first}"), &ann);
    assert!(
        first_case.body.contains(&format!(
            "<th scope=\"row\">Further referrals</th><td>the person referred again, in {}</td>",
            link(&further)
        )),
        "{}",
        first_case.body
    );
    // Harlow's officer sees neither.
    let hal = gateway.sign_in(HAL);
    assert_eq!(get(&gateway, &format!("/cases/{first}"), &hal).status, 404);
}

#[test]
fn on_a_narrow_screen_tables_stack_each_cell_under_its_heading() {
    let gateway = Gateway::start();
    let case = gateway.refer("colchester", 1);
    let ann = gateway.sign_in(ANN);
    // The stylesheet stacks rows below 640 pixels and shows each cell's
    // heading from its data-label: no script.
    let css = gateway
        .request("GET", "/style.css", None, None)
        .expect("the stylesheet")
        .body;
    let narrow = css
        .split("@media (max-width: 640px)")
        .nth(1)
        .expect("rules for narrow screens");
    assert!(
        narrow.contains(".table-wrap tr, .table-wrap th, .table-wrap td { display: block;")
            && narrow.contains("[data-label]::before { content: attr(data-label);"),
        "{css}"
    );
    // Every cell of the list carries its column's heading.
    let list = get(&gateway, "/cases", &ann);
    let cells = Regex::new(r"<t[dh]( [^>]*)?>").expect("regex");
    let in_body = |page: &str| -> Vec<String> {
        page.split("<tbody>")
            .skip(1)
            .flat_map(|t| {
                let rows = t.split("</tbody>").next().unwrap_or("");
                cells
                    .find_iter(rows)
                    .map(|m| m.as_str().to_string())
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let listed = in_body(&list.body);
    assert_eq!(listed.len(), 6, "{}", list.body);
    for (cell, heading) in listed.iter().zip([
        "Reference",
        "Name",
        "Status",
        "Next deadline",
        "State",
        "Received",
    ]) {
        assert!(
            cell.contains(&format!("data-label=\"{heading}\"")),
            "{cell}: {}",
            list.body
        );
    }
    // On the case's page: the deadlines' and the timeline's cells too (the
    // summary's and the form's rows are already a heading and a value).
    let page = get(&gateway, &format!("/cases/{case}"), &ann);
    for heading in ["State", "Due", "What", "When", "What happened"] {
        assert!(
            page.body.contains(&format!("data-label=\"{heading}\"")),
            "{heading}: {}",
            page.body
        );
    }
    let unlabelled = in_body(&page.body)
        .into_iter()
        .filter(|c| c.starts_with("<td") && !c.contains("data-label"))
        .count();
    let row_headed = page.body.matches("<tr><th scope=\"row\">").count();
    assert_eq!(unlabelled, row_headed, "{}", page.body);
}

#[test]
fn the_report_names_its_quarter_in_words_and_says_when_nothing_was_measured() {
    let gateway = Gateway::start();
    gateway.refer("colchester", 1);
    let ann = gateway.sign_in(ANN);
    let today = chrono::Utc::now().date_naive();
    let (year, number) = (
        chrono::Datelike::year(&today),
        (chrono::Datelike::month(&today) - 1) / 3 + 1,
    );
    let months = [
        "January to March",
        "April to June",
        "July to September",
        "October to December",
    ];
    let words = format!("{} {year}", months[number as usize - 1]);
    let now = get(&gateway, &format!("/report?quarter={year}Q{number}"), &ann);
    assert_eq!(now.status, 200, "{}", now.body);
    assert!(
        now.body.contains(&format!("<h1>Report for {words}</h1>"))
            && now.body.contains(&format!("{words} is not over")),
        "{}",
        now.body
    );
    // The bars' words say what they count, and follow the heading's share.
    assert!(
        now.body.contains(": the share met within target</h2>") && !now.body.contains(" / "),
        "{}",
        now.body
    );
    // A quarter to come, and one with no referrals: a sentence, no zeros.
    let next = get(
        &gateway,
        &format!("/report?quarter={}Q{number}", year + 1),
        &ann,
    );
    assert!(
        next.body.contains(&format!(
            "{} {} has not begun: there is nothing to report yet.",
            months[number as usize - 1],
            year + 1
        )) && !next.body.contains("<svg")
            && !next.body.contains("<table"),
        "{}",
        next.body
    );
    let before = get(&gateway, "/report?quarter=2020Q1", &ann);
    assert!(
        before.body.contains(
            "No referrals were received in January to March 2020, so there is nothing to measure."
        ) && !before.body.contains("<svg")
            && !before.body.contains("<table"),
        "{}",
        before.body
    );
}

/// The texts of `tag`'s elements on `page`, their markup taken out.
fn texts_of(page: &str, tag: &str) -> Vec<String> {
    let element = Regex::new(&format!(r"(?s)<{tag}[^>]*>(.*?)</{tag}>")).expect("regex");
    let markup = Regex::new(r"<[^>]+>").expect("regex");
    element
        .captures_iter(page)
        .map(|c| markup.replace_all(&c[1], "").trim().to_string())
        .collect()
}

#[test]
fn no_table_caption_says_again_what_a_heading_says() {
    let gateway = Gateway::start();
    let case = gateway.refer("colchester", 1);
    formless_referral(&gateway, "colchester");
    let ann = gateway.sign_in(ANN);
    gateway.quarantined_id(&ann);
    let cora = gateway.sign_in(common::web_gateway::CORA);
    for (path, who) in [
        ("/cases".to_string(), &ann),
        (format!("/cases/{case}"), &ann),
        ("/due".to_string(), &ann),
        ("/quarantine".to_string(), &ann),
        ("/report".to_string(), &ann),
        ("/cases".to_string(), &cora),
        ("/report".to_string(), &cora),
    ] {
        let page = get(&gateway, &path, who);
        let mut headings = texts_of(&page.body, "h1");
        headings.extend(texts_of(&page.body, "h2"));
        for caption in texts_of(&page.body, "caption") {
            for heading in &headings {
                assert!(
                    !caption.to_lowercase().contains(&heading.to_lowercase()),
                    "{path}: the caption {caption:?} repeats the heading {heading:?}"
                );
            }
        }
    }
}

/// A reply about `reference` into Colchester's inbox, saying the person's
/// release date moved.
fn reply_about(gateway: &Gateway, reference: &str, name: &str) {
    let raw = format!(
        "From: Jo Officer <referrer@justice.test>\r\nTo: colchester@lha.test\r\n\
         Subject: Re: [{reference}] Referral received\r\nMessage-ID: <{name}@justice.test>\r\n\
         Date: Mon, 7 Dec 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         The expected release date is now 15/01/2027.\r\n"
    );
    gateway.deliver("colchester", &format!("{name}.eml"), raw.as_bytes());
}

#[test]
fn releasing_a_reply_about_no_case_keeps_it_with_a_warning_on_the_page_and_the_command_line() {
    let gateway = Gateway::start();
    // The referrer mistyped the reference: no such case.
    reply_about(&gateway, "DTR-COL-2026-09999", "mistyped");
    let ann = gateway.sign_in(ANN);
    let id = gateway.quarantined_id(&ann);
    let csrf = csrf_of(&get(&gateway, "/quarantine", &ann).body);
    let answer = gateway.post_form(
        &format!("/quarantine/{id}/release"),
        &ann,
        &format!("csrf={csrf}"),
    );
    assert_eq!(answer.status, 409, "{}", answer.body);
    assert!(
        answer.body.contains(&format!(
            "<div class=\"error-summary\" role=\"alert\"><h2>Message {id} was not released</h2>"
        )) && answer
            .body
            .contains("DTR-COL-2026-09999, which is not a case here"),
        "{}",
        answer.body
    );
    // Still waiting, to be released or dismissed, with nothing recorded.
    let page = get(&gateway, "/quarantine", &ann);
    assert!(
        page.body.contains(&format!("/quarantine/{id}/release")),
        "{}",
        page.body
    );
    let (_, access) = gateway.cli(&["access"]);
    assert!(!access.contains("released quarantined message"), "{access}");
    // The command line refuses alike, and the message still waits.
    let (ok, out) = gateway.cli(&["quarantine", "release", &id]);
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!(
            "message {id} was not released and stays in quarantine"
        )),
        "{out}"
    );
    let (_, listed) = gateway.cli(&["quarantine", "show", &id]);
    assert!(listed.contains("Waiting:"), "{listed}");
}

#[test]
fn an_incomplete_referral_has_its_deadlines_shown_due_and_overdue_as_the_report_counts_them() {
    let gateway = Gateway::start();
    // No date of birth: the case waits for it, but its clock runs from
    // receipt.
    let incomplete = gateway.refer_edited("colchester", 3, |raw| {
        raw.replace("Date of birth: 14/07/1988\r\n", "")
    });
    let ann = gateway.sign_in(ANN);
    let case = get(&gateway, &format!("/cases/{incomplete}"), &ann);
    assert!(case.body.contains("Incomplete"), "{}", case.body);
    let listed = get(&gateway, "/cases", &ann);
    let row = listed
        .body
        .split("<tr")
        .find(|r| r.contains(&format!(">{incomplete}</a>")))
        .unwrap_or_else(|| panic!("{incomplete} not listed:\n{}", listed.body));
    assert!(!row.contains("None open"), "{row}");
    // Weeks on, before the release, what it owed is overdue: on /due, in the overdue
    // filter, and on the command line alike.
    let due = get(&gateway, "/due?on=15%2F02%2F2027", &ann);
    assert!(due.body.contains(&incomplete), "{}", due.body);
    let overdue = get(&gateway, "/cases?overdue=yes&on=15%2F02%2F2027", &ann);
    assert!(
        overdue.body.contains(&format!(">{incomplete}</a>")),
        "{}",
        overdue.body
    );
    let (ok, out) = gateway.cli(&["due", "--now", "15/02/2027"]);
    assert!(ok && out.contains(&incomplete), "{out}");
    let (ok, out) = gateway.cli(&["cases", "--overdue", "--now", "15/02/2027"]);
    assert!(ok && out.contains(&incomplete), "{out}");
    // Harlow's officer sees none of it.
    let hal = gateway.sign_in(HAL);
    let theirs = get(&gateway, "/due?on=15%2F02%2F2027", &hal);
    assert!(!theirs.body.contains(&incomplete), "{}", theirs.body);
}

/// A message into `user`'s inbox as [`Gateway::deliver`] puts it, as if
/// it had arrived `age` ago (the time a Maildir message was received is
/// its file's); that time.
fn deliver_aged(
    gateway: &Gateway,
    user: &str,
    name: &str,
    raw: &[u8],
    age: Duration,
) -> chrono::DateTime<chrono::Utc> {
    let maildir = gateway.dir.path().join("maildir").join(user);
    let at = std::time::SystemTime::now() - age;
    let file = maildir.join("tmp").join(name);
    std::fs::write(&file, raw).expect("write");
    std::fs::File::options()
        .write(true)
        .open(&file)
        .and_then(|f| f.set_modified(at))
        .expect("date the message");
    std::fs::rename(&file, maildir.join("new").join(name)).expect("deliver");
    at.into()
}

/// Referral `n` from a sender not allowed to refer (set aside), its
/// form naming `referrer` as its referrer.
fn set_aside_referral(n: u32, referrer: &str, subject: &str) -> String {
    String::from_utf8(common::referral(
        &format!("web-aside-{n}@example.org"),
        n,
        "colchester@lha.test",
    ))
    .expect("text")
    .replacen(
        "From: Jo Officer <referrer@justice.test>",
        "From: Someone <someone@example.org>",
        1,
    )
    .replace(
        "Referrer email: referrer@justice.test",
        &format!("Referrer email: {referrer}"),
    )
    .replace(
        &format!("Subject: Referral {n}\r\n"),
        &format!("Subject: {subject}\r\n"),
    )
}

#[test]
fn the_quarantine_says_what_release_does_counts_down_from_today_and_shows_hidden_characters() {
    let gateway = Gateway::start();
    let ann = gateway.sign_in(ANN);
    // Received forty days ago, read now: its text is kept for the
    // retention period from when it was recorded, counted from today.
    deliver_aged(
        &gateway,
        "colchester",
        "old.eml",
        set_aside_referral(11, "someone@example.org", "Referral 11").as_bytes(),
        Duration::from_secs(40 * 24 * 60 * 60),
    );
    let older = gateway.quarantined_id(&ann);
    // A subject with a right-to-left override and a bell in it.
    gateway.deliver(
        "colchester",
        "new.eml",
        set_aside_referral(
            12,
            "someone@example.org",
            "Referral \u{202e}21 lla\u{7}rrefer",
        )
        .as_bytes(),
    );
    let page = common::wait_for(Duration::from_secs(30), || {
        let page = get(&gateway, "/quarantine", &ann);
        page.body.contains("2 messages are waiting").then_some(page)
    })
    .unwrap_or_else(|| panic!("the second never waited:\n{}", gateway.log()));
    let body = &page.body;
    assert!(
        body.contains("2 messages are waiting, the newest first."),
        "{body}"
    );
    let newer = Regex::new(r#"/quarantine/(\d+)/dismiss"#)
        .expect("regex")
        .captures(body)
        .map(|c| c[1].to_string())
        .expect("a message");
    assert_ne!(newer, older, "{body}");
    // The hidden characters are shown, never passed on.
    assert!(
        !body.contains('\u{202e}') && !body.contains('\u{7}'),
        "{body}"
    );
    assert!(
        body.contains("Referral \\u{202e}21 lla\\u{7}rrefer"),
        "{body}"
    );
    // What Release will do, before its button.
    let says = format!(
        "<p id=\"release-{older}-does\">Releasing it records a new referral for Colchester"
    );
    let said = body
        .find(&says)
        .unwrap_or_else(|| panic!("{says}:\n{body}"));
    let button = body
        .find(&format!("/quarantine/{older}/release"))
        .expect("its button");
    assert!(said < button, "{body}");
    // Counted from today, not from the day it was received.
    let today = chrono::Utc::now().date_naive();
    let days = (today
        .checked_add_months(chrono::Months::new(24))
        .expect("a day")
        - today)
        .num_days();
    assert!(
        body.contains(&format!(
            "<th scope=\"row\">Release within</th><td>{days} days: its text is erased"
        )),
        "{days}: {body}"
    );
    // A confirmation is said only of what was done: the address alone
    // does not make the page say the message was dismissed.
    let forged = get(&gateway, &format!("/quarantine?dismissed={older}"), &ann);
    assert!(!forged.body.contains("dismissed by"), "{}", forged.body);
    let csrf = csrf_of(body);
    let dismissed = gateway.post_form(
        &format!("/quarantine/{older}/dismiss"),
        &ann,
        &format!("csrf={csrf}&reason=sent+twice"),
    );
    let to = dismissed
        .header("location")
        .expect("a redirect")
        .to_string();
    let after = get(&gateway, &to, &ann);
    assert!(
        after
            .body
            .contains(&format!("Message {older} dismissed by {ANN} on "))
            && after.body.contains("Reason: sent twice"),
        "{}",
        after.body
    );
    assert!(
        after.body.contains("1 message is waiting."),
        "{}",
        after.body
    );
}

#[test]
fn a_further_referral_from_the_same_referrer_is_said_so_at_the_time_it_was_received() {
    let gateway = Gateway::start();
    let first = gateway.refer("colchester", 1);
    // The same person, the same referrer named in the form, sent from an
    // address not allowed to refer three days ago: set aside, released now.
    let received = deliver_aged(
        &gateway,
        "colchester",
        "again.eml",
        set_aside_referral(1, "referrer@justice.test", "Referral 1 again").as_bytes(),
        Duration::from_secs(3 * 24 * 60 * 60),
    );
    let ann = gateway.sign_in(ANN);
    let id = gateway.quarantined_id(&ann);
    let csrf = csrf_of(&get(&gateway, "/quarantine", &ann).body);
    let released = gateway.post_form(
        &format!("/quarantine/{id}/release"),
        &ann,
        &format!("csrf={csrf}"),
    );
    let to = released.header("location").expect("a redirect").to_string();
    let further = get(&gateway, &to, &ann);
    let body = &further.body;
    assert!(
        body.contains(&dtr_gateway::core::words::spoken_time(received)),
        "{body}"
    );
    let line = format!(
        "{}</td><td data-label=\"What happened\">A further referral of a person with an open case ({first}) received from the same referrer (recorded ",
        dtr_gateway::core::words::short_time(received)
    );
    assert!(body.contains(&line), "{line}\n{body}");
    assert!(!body.contains("another referrer"), "{body}");
}

#[test]
fn a_repeated_release_of_a_message_that_became_another_authoritys_case_names_no_case() {
    let gateway = Gateway::start();
    let raw = String::from_utf8(common::referral(
        "web-elsewhere-again@example.org",
        9,
        "colchester@lha.test",
    ))
    .expect("text")
    .replace("referrer@justice.test", "someone@example.org")
    .replace(
        "Local connection: resident\r\n",
        "Local connection: resident\r\nLocal housing authority: Harlow\r\n",
    );
    gateway.deliver("colchester", "elsewhere.eml", raw.as_bytes());
    let ann = gateway.sign_in(ANN);
    let id = gateway.quarantined_id(&ann);
    let page = get(&gateway, "/quarantine", &ann);
    // Said before the button: the case will be Harlow's.
    assert!(
        page.body
            .contains("Releasing it records a new referral for Harlow"),
        "{}",
        page.body
    );
    let form = format!("csrf={}", csrf_of(&page.body));
    let first = gateway.post_form(&format!("/quarantine/{id}/release"), &ann, &form);
    assert_eq!(first.status, 303, "{}", first.body);
    let again = gateway.post_form(&format!("/quarantine/{id}/release"), &ann, &form);
    assert!(
        again
            .body
            .contains(&format!("Message {id} was already released by {ANN} on ")),
        "{}",
        again.body
    );
    assert!(!again.body.contains("DTR-HAR-"), "{}", again.body);
    let dismissed = gateway.post_form(
        &format!("/quarantine/{id}/dismiss"),
        &ann,
        &format!("{form}&reason=spam"),
    );
    assert!(!dismissed.body.contains("DTR-HAR-"), "{}", dismissed.body);
    assert!(
        dismissed
            .body
            .contains(&format!("Message {id} was already released")),
        "{}",
        dismissed.body
    );
}

#[test]
fn every_release_and_dismissal_tried_is_in_the_record_done_or_refused() {
    let gateway = Gateway::start();
    // The referrer mistyped the reference: releasing it is refused.
    reply_about(&gateway, "DTR-COL-2026-09999", "unknown-case");
    let ann = gateway.sign_in(ANN);
    let id = gateway.quarantined_id(&ann);
    let csrf = csrf_of(&get(&gateway, "/quarantine", &ann).body);
    let release = format!("/quarantine/{id}/release");
    let dismiss = format!("/quarantine/{id}/dismiss");
    assert_eq!(
        gateway
            .post_form(&release, &ann, &format!("csrf={csrf}"))
            .status,
        409
    );
    assert_eq!(
        gateway
            .post_form(&dismiss, &ann, &format!("csrf={csrf}&reason="))
            .status,
        400
    );
    assert_eq!(
        gateway
            .post_form(
                &dismiss,
                &ann,
                &format!("csrf={csrf}&reason=mistyped+reply")
            )
            .status,
        303
    );
    // Sent again from an old page: refused, as already settled.
    for path in [&release, &dismiss] {
        let again = gateway.post_form(path, &ann, &format!("csrf={csrf}&reason=again"));
        assert_eq!(again.status, 200, "{path}: {}", again.body);
    }
    let (ok, out) = common::gateway_cli(&gateway.database(), &["access", "--person", ANN]);
    assert!(ok, "{out}");
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(&format!("quarantined message {id}")))
        .collect();
    let expected = [
        format!(
            "{ANN} (COL) tried to release quarantined message {id}: not released, it stays in \
             quarantine: "
        ),
        format!(
            "{ANN} (COL) tried to dismiss quarantined message {id}: not dismissed, no reason given"
        ),
        format!("{ANN} (COL) dismissed quarantined message {id}"),
        format!(
            "{ANN} (COL) tried to release quarantined message {id}: not released, it was already \
             dismissed by {ANN} on "
        ),
        format!(
            "{ANN} (COL) tried to dismiss quarantined message {id}: not dismissed, it was already \
             dismissed by {ANN} on "
        ),
    ];
    assert_eq!(lines.len(), expected.len(), "{out}");
    for (line, expected) in lines.iter().zip(&expected) {
        assert!(line.contains(expected.as_str()), "{expected}\n{out}");
    }
    assert!(lines[0].contains("DTR-COL-2026-09999"), "{out}");
}

#[test]
fn an_authority_named_as_a_formula_is_plain_text_in_the_downloaded_csv() {
    let gateway = Gateway::start_renaming(false, "", &[("Colchester", "=1+1 Colchester")]);
    let ann = gateway.sign_in(ANN);
    let csv = get(&gateway, "/report.csv?quarter=2026Q4", &ann);
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert!(
        csv.body.starts_with("Measure,'=1+1 Colchester\n"),
        "{}",
        csv.body
    );
}

#[test]
fn an_incomplete_case_says_when_its_details_are_erased_if_consent_is_never_confirmed() {
    let gateway = Gateway::start();
    // The form does not say whether the person consents: incomplete.
    let unconfirmed = gateway.refer_edited("colchester", 4, |raw| {
        raw.replace("Consent to referral: Yes\r\n", "")
    });
    let confirmed = gateway.refer("colchester", 5);
    // Opened now: erased from 14 days on (`[retention]` by default).
    let erased = dtr_gateway::core::words::long_date(dtr_gateway::core::uk::date(
        chrono::Utc::now() + chrono::Duration::days(14),
    ));
    let ann = gateway.sign_in(ANN);
    let page = get(&gateway, &format!("/cases/{unconfirmed}"), &ann);
    assert!(page.body.contains("Incomplete"), "{}", page.body);
    let said = format!(
        "<th scope=\"row\">Consent not confirmed</th><td>unless it is confirmed, the case \
         lapses and the person&#39;s details are erased from {erased} (14 days after the case \
         was opened)</td>"
    );
    assert!(page.body.contains(&said), "{said}\n{}", page.body);
    // A case whose consent is given says nothing of it.
    let page = get(&gateway, &format!("/cases/{confirmed}"), &ann);
    assert!(
        !page.body.contains("Consent not confirmed"),
        "{}",
        page.body
    );
    // The command line's `case REF` shows it alike.
    let (ok, out) = gateway.cli(&["case", &unconfirmed]);
    assert!(ok, "{out}");
    assert!(
        out.contains("Consent not confirmed")
            && out.contains(&format!("are erased from {erased} (14 days after")),
        "{out}"
    );
}

#[test]
fn clearing_the_filters_keeps_the_order_chosen() {
    let gateway = Gateway::start();
    let ann = gateway.sign_in(ANN);
    let urgent = get(&gateway, "/cases?order=urgent&state=red&q=smith", &ann);
    assert_eq!(urgent.status, 200, "{}", urgent.body);
    assert!(
        urgent
            .body
            .contains("<a href=\"/cases?order=urgent\" class=\"reset\">Clear filters</a>"),
        "{}",
        urgent.body
    );
    // With a filter that cannot be read, the way out keeps it too.
    let wrong = get(&gateway, "/cases?order=urgent&on=soon", &ann);
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    assert!(
        wrong
            .body
            .contains("<a href=\"/cases?order=urgent\">clear the filters</a>"),
        "{}",
        wrong.body
    );
    // The newest first is the list's own order: nothing to keep.
    let newest = get(&gateway, "/cases?state=red", &ann);
    assert!(
        newest
            .body
            .contains("<a href=\"/cases\" class=\"reset\">Clear filters</a>"),
        "{}",
        newest.body
    );
}

#[test]
fn days_typed_are_recorded_as_understood_never_as_free_text() {
    let gateway = Gateway::start();
    let ann = gateway.sign_in(ANN);
    let cora = gateway.sign_in(CORA);
    let typed = "%3Cscript%3EDROP+TABLE+cases%3C%2Fscript%3E";
    assert_eq!(
        get(
            &gateway,
            &format!("/cases?q=smith&on={typed}&due=31%2F02%2F2026"),
            &ann
        )
        .status,
        400
    );
    assert_eq!(get(&gateway, &format!("/due?on={typed}"), &ann).status, 400);
    assert_eq!(get(&gateway, "/due?on=7+January+2030", &ann).status, 200);
    assert_eq!(
        get(&gateway, &format!("/report?quarter={typed}"), &ann).status,
        400
    );
    // Refused to a coordinator, and still recorded as understood.
    assert_eq!(
        get(&gateway, &format!("/due?on={typed}"), &cora).status,
        404
    );
    let (ok, out) = common::gateway_cli(&gateway.database(), &["access"]);
    assert!(ok, "{out}");
    assert!(
        !out.contains("DROP") && !out.contains("script") && !out.contains("31/02"),
        "{out}"
    );
    for line in [
        format!(
            "{ANN} (COL) listed cases at /cases, asking q=\"smith\", on=\"(not a date)\", \
             due=\"(not a date)\""
        ),
        format!("{ANN} (COL) listed the deadlines due at /due, asking on=\"(not a date)\""),
        format!("{ANN} (COL) listed the deadlines due at /due, asking on=\"07/01/2030\""),
        format!("{ANN} (COL) viewed the report at /report, asking quarter=\"(not a quarter)\""),
        format!("{CORA} asked for /due?on=(not a date): refused: not found"),
    ] {
        assert!(out.contains(&line), "{line}\n{out}");
    }
}

#[test]
fn every_report_says_when_its_figures_were_taken_even_with_nothing_to_measure() {
    let gateway = Gateway::start();
    let ann = gateway.sign_in(ANN);
    for quarter in ["2026Q3", "2030Q1"] {
        let page = get(&gateway, &format!("/report?quarter={quarter}"), &ann);
        assert_eq!(page.status, 200, "{quarter}: {}", page.body);
        assert!(
            page.body.contains("<p>Figures as at ")
                && (page.body.contains("nothing to measure")
                    || page.body.contains("has not begun")),
            "{quarter}: {}",
            page.body
        );
    }
}

#[test]
fn reloading_or_a_script_cannot_flood_the_record_and_no_action_is_lost() {
    let gateway = Gateway::start();
    let colchester = gateway.refer("colchester", 6);
    formless_referral(&gateway, "colchester");
    let ann = gateway.sign_in(ANN);
    let id = gateway.quarantined_id(&ann);
    let csrf = csrf_of(&get(&gateway, "/quarantine", &ann).body);
    // Reloading a page or a case: one row each, counted.
    for _ in 0..10 {
        assert_eq!(get(&gateway, "/due", &ann).status, 200);
    }
    for _ in 0..5 {
        assert_eq!(
            get(&gateway, &format!("/cases/{colchester}"), &ann).status,
            200
        );
    }
    let (_, out) = common::gateway_cli(&gateway.database(), &["access", "--person", ANN]);
    let due: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("listed the deadlines due at /due"))
        .collect();
    assert_eq!(due.len(), 1, "{out}");
    assert!(due[0].contains("(10 times, the last at "), "{out}");
    let case = get(&gateway, &format!("/cases/{colchester}"), &ann);
    assert!(
        case.body
            .contains(&format!("Viewed by {ANN}, 6 times, last at ")),
        "{}",
        case.body
    );
    // A script asking for page after page: bounded rows a minute...
    for page in 1..=80 {
        get(&gateway, &format!("/cases?page={page}"), &ann);
    }
    // ...and an action in the midst of it is recorded all the same.
    let dismissed = gateway.post_form(
        &format!("/quarantine/{id}/dismiss"),
        &ann,
        &format!("csrf={csrf}&reason=no+form"),
    );
    assert_eq!(dismissed.status, 303, "{}", dismissed.body);
    let (_, out) = common::gateway_cli(&gateway.database(), &["access", "--person", ANN]);
    let rows = out.lines().count();
    assert!(rows <= 64, "{rows} rows:\n{out}");
    assert!(
        out.contains(
            "opened more pages than the record keeps one by one (60 a minute): counted here ("
        ),
        "{out}"
    );
    assert!(
        out.contains(&format!("{ANN} (COL) dismissed quarantined message {id}")),
        "{out}"
    );
    assert!(out.contains(&format!("{ANN} (COL) signed in")), "{out}");
}
