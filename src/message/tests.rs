use super::parts::MAX_NESTING;
use super::*;
use crate::core::test_support::mime_base64 as base64;

#[test]
fn html_tables_become_label_value_lines() {
    let html = "<table><tr><td><p>Full name</p></td><td><p>Sam Example</p></td></tr>\
        <tr><td>Reason at risk of homelessness:</td><td><p>First part</p><p>second part</p></td></tr>\
        <tr><td>Prison</td><td></td></tr></table><p>Kind regards</p>";
    let text = html_to_lines(html);
    let reading = read_form(&text);
    use crate::core::field::Field;
    assert_eq!(reading.values[&Field::FullName], "Sam Example", "{text}");
    assert_eq!(
        reading.values[&Field::HomelessnessReason],
        "First part second part"
    );
    assert!(!reading.values.contains_key(&Field::CurrentLocation));
}

#[test]
fn documents_past_the_message_time_budget_are_set_aside_with_the_reason() {
    let (config, _) = crate::config::Config::embedded().expect("embedded config");
    let ctx = Context {
        authorities: &config.authorities,
        receiving_authority: None,
        today: NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"),
        max_bytes: DEFAULT_MAX_MESSAGE_BYTES,
    };
    let raw = format!(
        "{HEAD}Content-Type: multipart/mixed; boundary=\"p\"\r\n\r\n--p\r\nContent-Type: text/plain\r\n\r\nplease find attached\r\n--p\r\nContent-Type: text/plain; name=\"form.txt\"\r\nContent-Disposition: attachment; filename=\"form.txt\"\r\n\r\n{FORM}\r\n--p--\r\n"
    );
    let read = analyse_within(raw.as_bytes(), &ctx, std::time::Duration::ZERO);
    assert_eq!(read.kind, Kind::Other);
    assert_eq!(
        read.attachments
            .iter()
            .filter_map(|a| a.unread.as_deref())
            .collect::<Vec<_>>(),
        vec!["not read: the message's time budget is spent"]
    );
    // With time left, the attached form is read.
    let read = analyse_within(raw.as_bytes(), &ctx, MESSAGE_DOCUMENT_TIME);
    assert_eq!(read.kind, Kind::Referral);
}

fn analysed(raw: &[u8]) -> Analysis {
    let (config, _) = crate::config::Config::embedded().expect("embedded config");
    let ctx = Context {
        authorities: &config.authorities,
        receiving_authority: None,
        today: NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"),
        max_bytes: DEFAULT_MAX_MESSAGE_BYTES,
    };
    analyse(raw, &ctx)
}

/// On a thread with the 2 MiB stack tokio gives its workers: an
/// overflow there aborts the daemon, which no panic guard catches.
fn analysed_on_small_stack(raw: Vec<u8>) -> Analysis {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || analysed(&raw))
        .expect("thread")
        .join()
        .expect("no panic")
}

const HEAD: &str = "From: Jo <jo@justice.gov.uk>\r\nTo: dutytorefer@colchester.gov.uk\r\n\
    Subject: Referral\r\nMessage-ID: <x@justice.gov.uk>\r\nMIME-Version: 1.0\r\n";
const FORM: &str = "DUTY TO REFER REFERRAL\r\nFull name: Hidden Person\r\n\
    Date of birth: 14/07/1988\r\nPrison number: A1234BC\r\nConsent to referral: Yes\r\n";

fn nested_multiparts(levels: usize) -> Vec<u8> {
    let mut raw = HEAD.to_string();
    for i in 0..levels {
        raw += &format!("Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n");
    }
    raw += &format!("Content-Type: text/plain\r\n\r\n{FORM}");
    for i in (0..levels).rev() {
        raw += &format!("\r\n--b{i}--\r\n");
    }
    raw.into_bytes()
}

/// One multipart holding `leaves` text parts: `leaves + 1` parts.
fn many_parts(leaves: usize) -> Vec<u8> {
    let mut raw = format!(
        "{HEAD}Content-Type: multipart/mixed; boundary=\"p\"\r\n\r\n--p\r\nContent-Type: text/plain\r\n\r\n{FORM}"
    );
    for i in 1..leaves {
        raw += &format!("\r\n--p\r\nContent-Type: text/plain\r\n\r\npart {i}");
    }
    raw += "\r\n--p--\r\n";
    raw.into_bytes()
}

/// Messages attached one inside another, `levels` deep, the form in
/// the innermost.
fn nested_messages(levels: usize) -> String {
    let mut raw = String::from("From: a@justice.gov.uk\r\nSubject: fw\r\n");
    for _ in 0..levels {
        raw += "Content-Type: message/rfc822\r\n\r\nFrom: a@justice.gov.uk\r\n";
    }
    raw + &format!("Content-Type: text/plain\r\n\r\n{FORM}")
}

#[test]
fn a_message_with_too_many_parts_is_not_read() {
    let analysis = analysed(&many_parts(10_000));
    assert_eq!(
        analysis.problem.as_deref(),
        Some("message has 10001 MIME parts, over the limit of 1000")
    );
    assert_eq!(analysis.kind, Kind::Other);
    assert!(analysis.referral.is_none());
    // At the limit (999 texts and their multipart), it is read.
    let analysis = analysed(&many_parts(MAX_MIME_PARTS - 1));
    assert_eq!(analysis.problem, None);
    assert_eq!(analysis.kind, Kind::Referral);
}

#[test]
fn a_referral_hidden_deep_in_multiparts_is_not_read() {
    let analysis = analysed_on_small_stack(nested_multiparts(5000));
    let problem = analysis.problem.expect("a problem");
    assert!(
        problem.contains("message has MIME parts nested 5000 levels deep, over the limit of 30"),
        "{problem}"
    );
    assert!(analysis.referral.is_none());
    let analysis = analysed(&nested_multiparts(MAX_MIME_DEPTH));
    assert_eq!(analysis.problem, None);
    assert_eq!(analysis.kind, Kind::Referral);
}

#[test]
fn a_message_attached_too_deep_is_listed_as_not_read() {
    let raw = format!(
        "{HEAD}Content-Type: message/rfc822\r\n\r\n{}",
        nested_messages(MAX_NESTING)
    );
    let analysis = analysed(raw.as_bytes());
    assert_eq!(analysis.problem, None);
    assert_eq!(analysis.kind, Kind::Other);
    assert_eq!(
        analysis
            .attachments
            .iter()
            .filter_map(|a| a.unread.as_deref())
            .collect::<Vec<_>>(),
        vec!["a message attached more than 3 deep: not read"]
    );
}

#[test]
fn messages_attached_thousands_deep_neither_crash_nor_are_read() {
    // In place (message/rfc822, 7bit), once bare and once inside a
    // multipart, then base64 and quoted-printable encoded, which the
    // parser decodes and reads itself: every one would overflow the
    // stack while being parsed or freed.
    let inner = nested_messages(5000);
    let bare = format!("{HEAD}Content-Type: message/rfc822\r\n\r\n{inner}");
    let in_multipart = format!(
        "{HEAD}Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\n\
         Content-Type: message/rfc822\r\n\r\n{inner}\r\n--m--\r\n"
    );
    let encoded = format!(
        "{HEAD}Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\n\
         Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--m--\r\n",
        base64(inner.as_bytes())
    );
    let quoted = format!(
        "{HEAD}Content-Type: message/rfc822\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{}",
        inner.replace("message/rfc822", "=6Dessage/=72fc822")
    );
    // An attached message whose own first part is an encoded message:
    // its body ends at the enclosing multipart's boundary.
    let inside_inline = format!(
        "{HEAD}Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\n\
         Content-Type: message/rfc822\r\n\r\nFrom: b@justice.gov.uk\r\n\
         Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--m--\r\n",
        base64(inner.as_bytes())
    );
    // Spellings of the type the parser reads as message/rfc822 too.
    let spellings = [
        "message/\\rfc822",
        "message/\"RFC822\"",
        "message/(x) rfc822 (y)",
    ];
    for spelling in spellings {
        let sample = format!("Content-Type: {spelling}\r\n\r\nFrom: a@b.c\r\n\r\nhi\r\n");
        let parsed = MessageParser::default()
            .parse(sample.as_bytes())
            .expect("parsed");
        assert!(
            matches!(parsed.parts[0].body, PartType::Message(_)),
            "{spelling} is not read as an attached message"
        );
    }
    let spelt = |spelling: &str| bare.replace("message/rfc822", spelling);
    // The encoding as an encoded word, which the parser decodes.
    let worded = encoded.replace(
        "Content-Transfer-Encoding: base64",
        "Content-Transfer-Encoding: =?us-ascii?q?base64?=",
    );
    for (what, raw) in [
        ("encoding in an encoded word", worded),
        ("backslashed", spelt(spellings[0])),
        ("quoted", spelt(spellings[1])),
        ("commented", spelt(spellings[2])),
        ("bare", bare.clone()),
        ("in a multipart", in_multipart),
        ("base64", encoded),
        ("quoted-printable", quoted),
        ("inside an attached message", inside_inline),
    ] {
        let analysis = analysed_on_small_stack(raw.into_bytes());
        let problem = analysis.problem.unwrap_or_default();
        assert!(
            problem.contains("attached messages, over the limit of 100"),
            "{what}: {problem}"
        );
        assert!(analysis.referral.is_none(), "{what}");
    }
}

#[test]
fn millions_of_tiny_parts_are_counted_before_they_are_parsed() {
    let mut raw = format!("{HEAD}Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n");
    raw += &"--b\r\n\r\nx\r\n".repeat(300_000);
    let analysis = analysed(raw.as_bytes());
    assert_eq!(
        analysis.problem.as_deref(),
        Some("message has up to 300001 MIME parts, over the limit of 1000")
    );
}

#[test]
fn ordinary_forwards_and_attachments_are_still_read() {
    // A referral forwarded as an attachment, itself carrying a base64
    // PDF and a forwarded message of its own, with dashes and the word
    // boundary in its text.
    let pdf = base64(&[0x25; 3000]);
    let forwarded = format!(
        "From: Jo <jo@justice.gov.uk>\r\nSubject: Referral\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"inner\"\r\n\r\n--inner\r\n\
         Content-Type: text/plain\r\n\r\n{FORM}Local connection: lives by the borough boundary\r\n\
         -----Original Message-----\r\n--inner\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{pdf}\r\n--inner\r\n\
         Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--inner--\r\n",
        base64(b"From: x@justice.gov.uk\r\nSubject: older\r\n\r\nolder text\r\n")
    );
    let raw = format!(
        "{HEAD}Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\n\
         Content-Type: text/plain\r\n\r\nPlease see the referral attached.\r\n--outer\r\n\
         Content-Type: message/rfc822\r\n\r\n{forwarded}\r\n--outer--\r\n"
    );
    let analysis = analysed(raw.as_bytes());
    assert_eq!(analysis.problem, None);
    assert_eq!(analysis.kind, Kind::Referral);
}

#[test]
fn the_sender_headers_are_the_messages_own_in_order() {
    let raw = format!(
        "Authentication-Results: mx.one; dmarc=pass\r\nAuthentication-Results: forged; dmarc=fail\r\n\
         X-MS-Exchange-Organization-AuthAs: Internal\r\n{HEAD}Content-Type: text/plain\r\n\r\n{FORM}"
    );
    let analysis = analysed(raw.as_bytes());
    assert_eq!(analysis.sender_headers.authentication_results.len(), 2);
    assert!(analysis.sender_headers.authentication_results[0].contains("mx.one"));
    assert_eq!(
        analysis.sender_headers.exchange_auth_as.as_deref(),
        Some("Internal")
    );
    // Headers of an attached message are not the message's.
    let raw = format!(
        "{HEAD}Content-Type: message/rfc822\r\n\r\nAuthentication-Results: x; dmarc=pass\r\n\
         From: a@justice.gov.uk\r\n\r\nhello\r\n"
    );
    assert!(analysed(raw.as_bytes())
        .sender_headers
        .authentication_results
        .is_empty());
}

#[test]
fn the_gateways_own_mail_quoted_back_is_no_referral() {
    // An auto-responder quotes each of the gateway's mails back inline,
    // under a new subject and without threading headers: none of them
    // reads as a referral (the authority's own notice aside, which goes
    // only to the authority).
    let templates = crate::templates::Templates::load(None).expect("templates");
    for purpose in crate::templates::Purpose::ALL {
        if purpose == crate::templates::Purpose::Notice {
            continue;
        }
        let mail = templates
            .render(purpose, "COL", &crate::templates::sample_data(purpose))
            .expect("renders");
        let raw = format!(
            "From: Auto <office@justice.gov.uk>\r\nTo: dutytorefer@colchester.gov.uk\r\n\
             Subject: Thank you for your email\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\n\
             Thank you for your message, which reads:\r\n\r\n{}\r\n",
            mail.text.replace('\n', "\r\n")
        );
        let analysis = analysed(raw.as_bytes());
        assert!(analysis.quotes_gateway, "{purpose}");
        assert_ne!(
            analysis.kind,
            Kind::Referral,
            "{purpose}: {:?}",
            analysis.referral
        );
    }
}

#[test]
fn a_delivery_report_names_who_failed() {
    let raw = "From: MAILER-DAEMON@relay.example\r\nTo: dutytorefer@colchester.gov.uk\r\n\
        Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
        --b\r\nContent-Type: text/plain\r\n\r\nI could not deliver it.\r\n\
        --b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; relay.example\r\n\r\n\
        Final-Recipient: rfc822; gone@justice.gov.uk\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n\
        Final-Recipient: rfc822; slow@justice.gov.uk\r\nAction: delayed\r\nStatus: 4.4.1\r\n\
        --b\r\nContent-Type: text/rfc822-headers\r\n\r\n\
        Message-ID: <dtr.DTR-COL-2026-00001.acknowledgement.ab@dtr-gateway.invalid>\r\n--b--\r\n";
    let analysis = analysed(raw.as_bytes());
    assert_eq!(analysis.kind, Kind::Bounce);
    let failed: Vec<&str> = analysis
        .failed_recipients
        .iter()
        .map(|a| a.as_str())
        .collect();
    assert_eq!(failed, ["gone@justice.gov.uk"]);
    assert!(analysis.returned_message_id.is_some());
}

#[test]
fn a_postfix_report_gives_each_failure_its_reason() {
    // Postfix's own shape: the per-recipient block with a folded
    // Diagnostic-Code, a second recipient blocked by a policy.
    let raw = "Return-Path: <>\r\nFrom: MAILER-DAEMON@mail.colchester.gov.uk (Mail Delivery System)\r\n\
        To: dutytorefer@colchester.gov.uk\r\nSubject: Undelivered Mail Returned to Sender\r\n\
        Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
        --b\r\nContent-Description: Notification\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n\
        This is the mail system at host mail.colchester.gov.uk.\r\n\r\n\
        I'm sorry to have to inform you that your message could not\r\nbe delivered to one or more recipients.\r\n\r\n\
        --b\r\nContent-Description: Delivery report\r\nContent-Type: message/delivery-status\r\n\r\n\
        Reporting-MTA: dns; mail.colchester.gov.uk\r\nX-Postfix-Queue-ID: 4F1A2B3C\r\n\r\n\
        Final-Recipient: rfc822; gone@justice.gov.uk\r\nOriginal-Recipient: rfc822;gone@justice.gov.uk\r\n\
        Action: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; mx.justice.gov.uk\r\n\
        Diagnostic-Code: smtp; 550 5.1.1 <gone@justice.gov.uk>: Recipient address\r\n    rejected: User unknown in virtual mailbox table\r\n\r\n\
        Final-Recipient: rfc822; kim@justice.gov.uk\r\nAction: failed\r\nStatus: 5.7.1\r\n\
        Diagnostic-Code: smtp; 550 5.7.1 Message blocked by data loss prevention policy\r\n\r\n\
        --b\r\nContent-Type: text/rfc822-headers\r\n\r\n\
        Message-ID: <dtr.DTR-COL-2026-00001.chase.ab@dtr-gateway.invalid>\r\n--b--\r\n";
    let analysis = analysed(raw.as_bytes());
    assert_eq!(analysis.kind, Kind::Bounce);
    let reasons: Vec<(&str, &str)> = analysis
        .failures
        .iter()
        .map(|f| (f.address.as_str(), f.kind.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("gone@justice.gov.uk", "bounced"),
            ("kim@justice.gov.uk", "blocked")
        ]
    );
    assert!(analysis.failures[0].reason.contains("does not exist"));
}

#[test]
fn a_refusal_written_for_people_names_the_address_it_refused() {
    let raw =
        "Return-Path: <>\r\nFrom: postmaster@cjsm.net\r\nTo: dutytorefer@colchester.gov.uk\r\n\
        Subject: Mail delivery failure\r\nContent-Type: text/plain\r\n\r\n\
        Your message to jo@justice.gov.uk.cjsm.net was refused.\r\n\
        554 5.7.1 CJSM: the sending domain is not classed as secure.\r\n\r\n\
        ------ Original message headers ------\r\n\
        To: jo@justice.gov.uk.cjsm.net, kim@justice.gov.uk.cjsm.net\r\n\
        Message-ID: <dtr.DTR-COL-2026-00001.acknowledgement.ab@dtr-gateway.invalid>\r\n";
    let analysis = analysed(raw.as_bytes());
    assert_eq!(analysis.kind, Kind::Bounce);
    let refused: Vec<&str> = analysis
        .failures
        .iter()
        .map(|f| f.address.as_str())
        .collect();
    assert_eq!(
        refused,
        ["jo@justice.gov.uk.cjsm.net"],
        "not the copied recipient"
    );
    assert!(analysis.failures[0].reason.contains("CJSM"));
    assert!(
        analysis.failed_recipients.is_empty(),
        "no report: nothing fails on the case"
    );
}

/// A referral whose consent line is `consent` (in the text given).
fn form_with_consent(consent: &str) -> String {
    FORM.replace("Consent to referral: Yes\r\n", consent)
}

#[test]
fn what_outlook_shows_and_what_others_show_answering_differently_is_asked_again() {
    let consent = "<p>Consent to referral: <!--[if mso]>No &#8211; he declined<![endif]-->\
        <!--[if !mso]><!-->Yes &#8211; signed<!--<![endif]--></p>";
    let html: String = form_with_consent("")
        .lines()
        .map(|l| format!("<p>{l}</p>"))
        .collect::<String>()
        + consent;
    let raw = format!("{HEAD}Content-Type: text/html\r\n\r\n{html}\r\n");
    let read = analysed(raw.as_bytes());
    let referral = read.referral.expect("a referral");
    assert_eq!(referral.referral.consent, None, "{referral:?}");
    assert_eq!(referral.conflicts, vec![Field::Consent]);
    // The same answer either way is no conflict.
    let same = consent.replace("No &#8211; he declined", "Yes &#8211; signed");
    let html = html.replace(consent, &same);
    let raw = format!("{HEAD}Content-Type: text/html\r\n\r\n{html}\r\n");
    let referral = analysed(raw.as_bytes()).referral.expect("a referral");
    assert_eq!(referral.referral.consent, Some(true));
    assert!(referral.conflicts.is_empty());
}

#[test]
fn a_forwarders_consent_of_no_above_a_forwarded_yes_is_asked_again() {
    let raw = format!(
        "{HEAD}Content-Type: text/plain\r\n\r\nHi,\r\n\r\nUpdate on the referral below:\r\n\
         Consent to referral: No - he withdrew his consent this morning (20/11).\r\n\r\n\
         Thanks,\r\nSam Bell\r\nName: Sam Bell\r\nTel: 01632 960 905\r\n\r\n\
         ________________________________\r\nFrom: Jo <jo@justice.gov.uk>\r\n\
         Sent: 19 November 2026 09:12\r\nSubject: Referral\r\n\r\n{FORM}"
    );
    let referral = analysed(raw.as_bytes()).referral.expect("a referral");
    assert_eq!(referral.referral.consent, None, "{referral:?}");
    assert_eq!(
        referral.conflicts,
        vec![Field::Consent],
        "the forwarder's own name and number are no answers"
    );
    // A note that says nothing of the form's answers changes nothing.
    let raw = format!(
        "{HEAD}Content-Type: text/plain\r\n\r\nFYI, see below.\r\nName: Sam Bell\r\n\r\n\
         -----Original Message-----\r\nFrom: Jo <jo@justice.gov.uk>\r\n\
         Sent: 19 November 2026 09:12\r\n\r\n{FORM}"
    );
    let referral = analysed(raw.as_bytes()).referral.expect("a referral");
    assert_eq!(referral.referral.consent, Some(true));
    assert_eq!(
        referral.referral.full_name.as_deref(),
        Some("Hidden Person")
    );
    assert!(referral.conflicts.is_empty(), "{referral:?}");
}

#[test]
fn a_yes_one_rendering_of_the_text_leaves_out_is_asked_again() {
    // Only inside Outlook's conditional comments: other programs show no
    // consent at all.
    let html: String = form_with_consent("")
        .lines()
        .map(|l| format!("<p>{l}</p>"))
        .collect::<String>()
        + "<!--[if mso]><p>Consent to referral: Yes</p><![endif]-->";
    let raw = format!("{HEAD}Content-Type: text/html\r\n\r\n{html}\r\n");
    let referral = analysed(raw.as_bytes()).referral.expect("a referral");
    assert_eq!(referral.referral.consent, None, "{referral:?}");
    assert_eq!(referral.conflicts, vec![Field::Consent]);
    // Only in the plain text, which Outlook does not show beside the HTML.
    let html: String = form_with_consent("")
        .lines()
        .map(|l| format!("<p>{l}</p>"))
        .collect();
    let raw = format!(
        "{HEAD}Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n\
         --b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n--b--\r\n",
        form_with_consent("Consent to referral: Yes\r\n")
    );
    let referral = analysed(raw.as_bytes()).referral.expect("a referral");
    assert_eq!(referral.referral.consent, None, "{referral:?}");
    assert_eq!(referral.outcome, crate::core::referral::Outcome::Incomplete);
}

#[test]
fn an_answer_in_a_reply_that_text_in_doubt_changes_fills_nothing_in() {
    // A reply in a case's thread, HTML only: a consent of No in text
    // coloured by a custom property the gateway does not work out, above
    // a Yes shown.
    let raw = "From: Jo <jo@justice.gov.uk>\r\nTo: dutytorefer@colchester.gov.uk\r\n\
        Subject: RE: [DTR-COL-2026-00042] Referral incomplete\r\n\
        Message-ID: <r@justice.gov.uk>\r\nIn-Reply-To: <gw@colchester.gov.uk>\r\n\
        MIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n\
        <style>:root{--c:#fff}</style><p>Hello,</p>\
        <p style=\"color:var(--c)\">Consent to referral: No</p>\
        <p>Consent to referral: Yes</p><p>Prison number: A1234BC</p>\r\n";
    let read = analysed(raw.as_bytes());
    let filled = read.filled_in.expect("the prison number filled in");
    assert_eq!(filled.referral.consent, None, "{filled:?}");
    assert_eq!(filled.referral.prison_number.as_deref(), Some("A1234BC"));
    // Hidden for certain, the No is no answer: the Yes fills it in.
    let raw = raw.replace("color:var(--c)", "color:#fff");
    let filled = analysed(raw.as_bytes()).filled_in.expect("filled in");
    assert_eq!(filled.referral.consent, Some(true));
}

#[test]
fn a_forwarders_note_in_text_in_doubt_answers_nothing() {
    // The forwarded form gives no consent; the note above it gives a Yes
    // in text coloured by a custom property the gateway does not work out.
    let form: String = FORM
        .replace("Consent to referral: Yes\r\n", "")
        .lines()
        .map(|l| format!("<p>{l}</p>"))
        .collect();
    let raw = format!(
        "{HEAD}Content-Type: text/html\r\n\r\n<style>:root{{--c:#fff}}</style>\
         <p>Update on the referral below:</p>\
         <p style=\"color:var(--c)\">Consent to referral: Yes</p>\
         <p>Thanks, Sam Bell</p><hr><p><b>From:</b> Jo &lt;jo@justice.gov.uk&gt;<br>\
         <b>Sent:</b> 19 November 2026 09:12<br><b>Subject:</b> Referral</p>{form}\r\n"
    );
    let referral = analysed(raw.as_bytes()).referral.expect("a referral");
    assert_ne!(referral.referral.consent, Some(true), "{referral:?}");
    assert!(referral.invalid.contains(&Field::Consent), "{referral:?}");
    // Shown for certain, the note's Yes is read.
    let raw = raw.replace("color:var(--c)", "color:#000");
    let referral = analysed(raw.as_bytes()).referral.expect("a referral");
    assert_eq!(referral.referral.consent, Some(true), "{referral:?}");
}

#[test]
fn an_answer_in_doubt_in_what_outlook_alone_shows_is_asked_about() {
    let html: String = form_with_consent("")
        .lines()
        .map(|l| format!("<p>{l}</p>"))
        .collect::<String>()
        + "<style>:root{--c:#fff}</style><p>Consent to referral: \
        <!--[if mso]><span style=\"color:var(--c)\">No - </span><![endif]-->Yes</p>";
    let raw = format!("{HEAD}Content-Type: text/html\r\n\r\n{html}\r\n");
    let referral = analysed(raw.as_bytes()).referral.expect("a referral");
    assert_eq!(referral.referral.consent, None, "{referral:?}");
    assert_eq!(referral.conflicts, vec![Field::Consent]);
    // Shown for certain there, it is a conflict too; hidden for certain,
    // the Yes is read.
    let shown = raw.replace("color:var(--c)", "color:#000");
    let referral = analysed(shown.as_bytes()).referral.expect("a referral");
    assert_eq!(referral.referral.consent, None, "{referral:?}");
    let hidden = raw.replace("color:var(--c)", "color:#fff");
    let referral = analysed(hidden.as_bytes()).referral.expect("a referral");
    assert_eq!(referral.referral.consent, Some(true), "{referral:?}");
}
