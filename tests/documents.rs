//! Referral forms attached as documents, through `analyse` as the daemon
//! reads a message: Word, OpenDocument and PDF forms read as the body's
//! form is; hostile documents (zip bombs, entity expansion, encrypted and
//! enormous PDFs) set aside with their reason while the body is still read.

use base64::Engine;
use chrono::NaiveDate;
use dtr_gateway::config::Config;
use dtr_gateway::documents::write::{
    docx, odt, pdf, word_paragraph, word_table, PdfField, PdfValue,
};
use dtr_gateway::message::{analyse, Analysis, Context};
use serde_json::{json, Value};

/// The complete form, as label and value.
const FORM: [(&str, &str); 15] = [
    ("Referral type", "Duty to Refer"),
    ("Full name", "Sam Example"),
    ("Date of birth", "14/07/1988"),
    ("CRN", "X123456"),
    ("Custody status", "community"),
    ("Consent to referral", "Yes"),
    (
        "Reason at risk of homelessness",
        "Asked to leave the family home",
    ),
    ("Local housing authority", "Colchester"),
    ("Local connection", "resident"),
    ("Referring agency", "Probation Service"),
    ("Referrer name", "Pat Officer"),
    ("Referrer email", "pat.officer@justice.gov.uk"),
    ("Referrer phone", "01206 000000"),
    ("Case lead name", "Pat Officer"),
    ("Case lead phone", "01206 000000"),
];

fn expected_referral() -> Value {
    json!({
        "referral_type": "duty_to_refer",
        "full_name": "Sam Example",
        "date_of_birth": "1988-07-14",
        "crn": "X123456",
        "custody_status": "community",
        "consent": true,
        "homelessness_reason": "Asked to leave the family home",
        "lha": "Colchester",
        "local_connection": ["resident"],
        "referring_agency": "Probation Service",
        "referrer_name": "Pat Officer",
        "referrer_email": "pat.officer@justice.gov.uk",
        "referrer_phone": "01206 000000",
        "case_lead_name": "Pat Officer",
        "case_lead_phone": "01206 000000"
    })
}

fn word_form() -> Vec<u8> {
    let rows: Vec<Vec<String>> = FORM
        .iter()
        .map(|(l, v)| vec![l.to_string(), v.to_string()])
        .collect();
    docx(&(word_paragraph("DUTY TO REFER REFERRAL") + &word_table(&rows))).expect("docx")
}

/// A probation officer's mail: a covering note, and the attachments.
fn mail(body: &str, attachments: &[(&str, &str, Vec<u8>)]) -> Vec<u8> {
    let mut raw = String::from(
        "From: Pat Officer <pat.officer@justice.gov.uk>\r\nTo: dutytorefer@colchester.gov.uk\r\n\
         Subject: Duty to refer\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\
         Message-ID: <doc-1@justice.gov.uk>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n",
    );
    raw += &body.replace('\n', "\r\n");
    for (name, content_type, bytes) in attachments {
        let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
        let lines: Vec<&str> = encoded
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).expect("ascii"))
            .collect();
        raw += &format!(
            "\r\n--b\r\nContent-Type: {content_type}; name=\"{name}\"\r\n\
             Content-Disposition: attachment; filename=\"{name}\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{}",
            lines.join("\r\n")
        );
    }
    raw += "\r\n--b--\r\n";
    raw.into_bytes()
}

fn analysed(raw: &[u8]) -> Analysis {
    let (config, _) = Config::embedded().expect("embedded config");
    analyse(
        raw,
        &Context {
            authorities: &config.authorities,
            receiving_authority: None,
            today: NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"),
            max_bytes: config.max_message_bytes,
        },
    )
}

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

#[test]
fn a_word_form_attached_to_a_covering_note_is_a_complete_referral() {
    let raw = mail(
        "Please find attached the DTR referral.\n\nKind regards\nPat\n",
        &[("DTR referral.docx", DOCX, word_form())],
    );
    let json = analysed(&raw).to_contract_json();
    assert_eq!(json["kind"], "referral");
    assert_eq!(json["outcome"], "complete", "{json}");
    assert_eq!(json["referral"], expected_referral());
    assert_eq!(json["form_source"], "attachment:DTR referral.docx");
}

#[test]
fn odt_and_pdf_forms_read_alike() {
    let mut odt_body = String::from("<text:p>DUTY TO REFER REFERRAL</text:p><table:table>");
    for (label, value) in FORM {
        odt_body += &format!(
            "<table:table-row><table:table-cell><text:p>{label}</text:p></table:table-cell>\
             <table:table-cell><text:p>{value}</text:p></table:table-cell></table:table-row>"
        );
    }
    odt_body += "</table:table>";
    let page: Vec<String> = std::iter::once("DUTY TO REFER REFERRAL".to_string())
        .chain(FORM.iter().map(|(l, v)| format!("{l}:\t{v}")))
        .collect();
    let fields: Vec<PdfField> = FORM
        .iter()
        .map(|(l, v)| PdfField {
            name: format!("field{}", l.len()),
            tooltip: Some(l.to_string()),
            value: if *l == "Consent to referral" {
                PdfValue::Check(true)
            } else {
                PdfValue::Text(v.to_string())
            },
        })
        .collect();
    let blank_page = vec!["DUTY TO REFER REFERRAL".to_string()];
    for (name, content_type, bytes) in [
        (
            "form.odt",
            "application/vnd.oasis.opendocument.text",
            odt(&odt_body).expect("odt"),
        ),
        (
            "form.pdf",
            "application/pdf",
            pdf(&[page], &[]).expect("pdf"),
        ),
        (
            "fillable.pdf",
            "application/pdf",
            pdf(&[blank_page], &fields).expect("pdf"),
        ),
        ("form.txt", "text/plain", {
            let mut t = String::from("DUTY TO REFER REFERRAL\n");
            for (l, v) in FORM {
                t += &format!("{l}: {v}\n");
            }
            t.into_bytes()
        }),
    ] {
        let raw = mail("Referral attached.\n", &[(name, content_type, bytes)]);
        let json = analysed(&raw).to_contract_json();
        assert_eq!(json["outcome"], "complete", "{name}: {json}");
        assert_eq!(json["referral"], expected_referral(), "{name}");
        assert_eq!(json["form_source"], format!("attachment:{name}"));
    }
}

/// The Word form with some answers changed.
fn word_form_with(changes: &[(&str, &str)]) -> Vec<u8> {
    let rows: Vec<Vec<String>> = FORM
        .iter()
        .map(|(l, v)| {
            let v = changes
                .iter()
                .find(|(c, _)| c == l)
                .map_or(*v, |(_, new)| *new);
            vec![l.to_string(), v.to_string()]
        })
        .collect();
    docx(&(word_paragraph("DUTY TO REFER REFERRAL") + &word_table(&rows))).expect("docx")
}

const DANIEL: [(&str, &str); 2] = [
    ("Full name", "Daniel Whitmore"),
    ("Date of birth", "02/03/1991"),
];

#[test]
fn two_forms_for_two_people_in_one_mail_are_named_not_dropped() {
    // Two attachments, each a complete form for a different person.
    let raw = mail(
        "Please find attached two referrals.
",
        &[
            ("Sam Example.docx", DOCX, word_form()),
            ("Daniel Whitmore.docx", DOCX, word_form_with(&DANIEL)),
        ],
    );
    let analysis = analysed(&raw);
    let json = analysis.to_contract_json();
    assert_eq!(json["kind"], "referral");
    assert_eq!(json["outcome"], "incomplete", "{json}");
    assert_eq!(
        json["invalid"],
        json!(["full_name", "date_of_birth"]),
        "{json}"
    );
    assert!(json["referral"].get("full_name").is_none(), "{json}");
    let read = analysis.referral.expect("a referral");
    assert_eq!(read.conflicts.len(), 2);

    // The body's form for one person, the attachment's for another.
    let mut body = String::from("DUTY TO REFER REFERRAL\n");
    for (label, value) in FORM {
        let value = DANIEL
            .iter()
            .find(|(l, _)| *l == label)
            .map_or(value, |(_, v)| *v);
        body += &format!("{label}: {value}\n");
    }
    let raw = mail(&body, &[("Sam Example.docx", DOCX, word_form())]);
    let json = analysed(&raw).to_contract_json();
    assert_eq!(json["outcome"], "incomplete", "{json}");
    assert_eq!(
        json["invalid"],
        json!(["full_name", "date_of_birth"]),
        "{json}"
    );

    // A covering note naming another person, too short to be a form.
    let raw = mail(
        "Full name: Daniel Whitmore\nDate of birth: 02/03/1991\n\nPlease find attached.\n",
        &[("form.docx", DOCX, word_form())],
    );
    let json = analysed(&raw).to_contract_json();
    assert_eq!(json["outcome"], "incomplete", "{json}");
    assert_eq!(
        json["invalid"],
        json!(["full_name", "date_of_birth"]),
        "{json}"
    );
    // One naming the same person changes nothing.
    let raw = mail(
        "Full name: Sam Example\n\nPlease find attached.\n",
        &[("form.docx", DOCX, word_form())],
    );
    let json = analysed(&raw).to_contract_json();
    assert_eq!(json["outcome"], "complete", "{json}");
    assert_eq!(json["form_source"], "attachment:form.docx");

    // The same person's form attached twice (Word and PDF) is one referral.
    let page: Vec<String> = FORM.iter().map(|(l, v)| format!("{l}: {v}")).collect();
    let raw = mail(
        "Attached in both formats.\n",
        &[
            ("form.docx", DOCX, word_form()),
            (
                "form.pdf",
                "application/pdf",
                pdf(&[page], &[]).expect("pdf"),
            ),
        ],
    );
    let json = analysed(&raw).to_contract_json();
    assert_eq!(json["outcome"], "complete", "{json}");
    assert_eq!(json["referral"], expected_referral());
}

/// A zip archive written by hand, so that its entries may be anything.
fn zip_of(entries: &[(&str, u32, &[u8])]) -> Vec<u8> {
    // (name, declared uncompressed size, deflated data)
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, size, data) in entries {
        let offset = out.len() as u32;
        let header = |sig: u32, central: bool| {
            let mut h = Vec::new();
            h.extend_from_slice(&sig.to_le_bytes());
            if central {
                h.extend_from_slice(&20u16.to_le_bytes());
            }
            h.extend_from_slice(&20u16.to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes());
            h.extend_from_slice(&8u16.to_le_bytes());
            h.extend_from_slice(&[0; 4]);
            h.extend_from_slice(&0u32.to_le_bytes());
            h.extend_from_slice(&(data.len() as u32).to_le_bytes());
            h.extend_from_slice(&size.to_le_bytes());
            h.extend_from_slice(&(name.len() as u16).to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes());
            if central {
                // Comment length, disk, internal and external attributes.
                h.extend_from_slice(&[0; 10]);
                h.extend_from_slice(&offset.to_le_bytes());
            }
            h.extend_from_slice(name.as_bytes());
            h
        };
        out.extend(header(0x0403_4b50, false));
        out.extend_from_slice(data);
        central.extend(header(0x0201_4b50, true));
    }
    let at = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&at.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A deflate stream of `mib` MiB of spaces, a few KiB long: one MiB
/// compressed once, its blocks repeated (a full flush makes each copy
/// stand alone), then the final block.
fn deflated_spaces(mib: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let mut compress = Compress::new(Compression::best(), false);
    let chunk = vec![b' '; 1 << 20];
    let mut block = Vec::with_capacity(1 << 16);
    compress
        .compress_vec(&chunk, &mut block, FlushCompress::Full)
        .expect("deflate");
    let mut end = Vec::with_capacity(64);
    compress
        .compress_vec(&[], &mut end, FlushCompress::Finish)
        .expect("deflate");
    let mut out = Vec::with_capacity(block.len() * mib + end.len());
    for _ in 0..mib {
        out.extend_from_slice(&block);
    }
    out.extend_from_slice(&end);
    out
}

const BODY_FORM: &str =
    "DUTY TO REFER REFERRAL\nFull name: Sam Example\nDate of birth: 14/07/1988\n\
    Consent to referral: Yes\n";

/// The body is still read and the attachment is set aside with its reason.
fn set_aside(name: &str, content_type: &str, bytes: Vec<u8>) -> String {
    let raw = mail(BODY_FORM, &[(name, content_type, bytes)]);
    let analysis = analysed(&raw);
    let json = analysis.to_contract_json();
    assert_eq!(json["kind"], "referral", "{name}");
    assert_eq!(json["form_source"], "body", "{name}");
    assert_eq!(json["referral"]["full_name"], "Sam Example", "{name}");
    assert_eq!(analysis.documents_unread, 1, "{name}");
    analysis.attachments[0].unread.clone().expect("a reason")
}

#[test]
fn a_docx_that_unzips_to_a_gigabyte_is_set_aside() {
    let bomb = deflated_spaces(1024);
    assert!(bomb.len() < 2 << 20, "{} bytes on disk", bomb.len());
    // Its size declared honestly, and declared small (a lie).
    for declared in [u32::MAX, 1000] {
        let docx = zip_of(&[("word/document.xml", declared, &bomb)]);
        let why = set_aside("bomb.docx", DOCX, docx);
        if declared == u32::MAX {
            assert_eq!(why, "a document that unzips to more than 20971520 bytes");
        } else {
            assert!(why.contains("larger than its declared"), "{why}");
        }
    }
}

#[test]
fn a_docx_of_thousands_of_entries_is_set_aside() {
    let empty = deflated_spaces(0);
    let names: Vec<String> = (0..5000).map(|i| format!("x/{i}.xml")).collect();
    let entries: Vec<(&str, u32, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), 0, empty.as_slice()))
        .collect();
    let why = set_aside("many.docx", DOCX, zip_of(&entries));
    assert_eq!(
        why,
        "a zip container of 5000 entries, over the limit of 1000"
    );
}

#[test]
fn a_billion_laughs_docx_is_set_aside() {
    let mut xml =
        String::from("<?xml version=\"1.0\"?><!DOCTYPE w:document [<!ENTITY lol \"lol\">");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        xml += &format!("<!ENTITY lol{i} \"{}\">", format!("&{prev};").repeat(10));
    }
    xml += "]><w:document xmlns:w=\"w\"><w:body><w:p><w:r><w:t>Full name: &lol9;</w:t></w:r></w:p></w:body></w:document>";
    let docx = dtr_gateway::documents::write::zip_parts(&[("word/document.xml", xml.as_bytes())])
        .expect("zip");
    let why = set_aside("laughs.docx", DOCX, docx);
    assert_eq!(
        why,
        "a document that declares a DTD (entity expansion is refused)"
    );
}

#[test]
fn an_encrypted_pdf_is_set_aside() {
    let page: Vec<String> = FORM.iter().map(|(l, v)| format!("{l}: {v}")).collect();
    let locked =
        dtr_gateway::documents::write::encrypted_pdf(&[page], "password to follow").expect("pdf");
    let why = set_aside("locked.pdf", "application/pdf", locked);
    assert_eq!(why, "a password-protected or encrypted document");
}

#[test]
fn a_pdf_of_ten_thousand_pages_is_set_aside() {
    let pages = vec![vec!["Full name: Sam Example".to_string()]; 10_000];
    let long = pdf(&pages, &[]).expect("pdf");
    assert!(long.len() < 4 << 20, "{} bytes", long.len());
    let why = set_aside("long.pdf", "application/pdf", long);
    assert_eq!(why, "a PDF of 10000 pages, over the limit of 50");
}

#[test]
fn a_damaged_document_is_set_aside_and_the_body_still_read() {
    let mut broken = word_form();
    let half = broken.len() / 2;
    broken.truncate(half);
    let why = set_aside("broken.docx", DOCX, broken);
    assert!(why.starts_with("a damaged document"), "{why}");
    let why = set_aside(
        "broken.pdf",
        "application/pdf",
        b"%PDF-1.7\n1 0 obj <<".to_vec(),
    );
    assert!(why.starts_with("a damaged document"), "{why}");
}

#[test]
fn an_attached_eml_file_is_read_within_the_message_limits() {
    let mut form =
        String::from("From: a@justice.gov.uk\r\nSubject: form\r\n\r\nDUTY TO REFER REFERRAL\r\n");
    for (label, value) in FORM {
        form += &format!("{label}: {value}\r\n");
    }
    let raw = mail(
        "Forwarded as a file.\n",
        &[(
            "referral.eml",
            "application/octet-stream",
            form.into_bytes(),
        )],
    );
    let json = analysed(&raw).to_contract_json();
    assert_eq!(json["outcome"], "complete", "{json}");
    assert_eq!(json["form_source"], "attachment:referral.eml");

    // Thousands of nested multiparts inside the file: refused before the
    // parser sees them (parsing them would overflow the stack).
    let mut deep = String::from("From: a@justice.gov.uk\r\n");
    for i in 0..5000 {
        deep += &format!("Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n");
    }
    deep += "Content-Type: text/plain\r\n\r\nFull name: Sam Example\r\n";
    let why = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || set_aside("deep.eml", "application/octet-stream", deep.into_bytes()))
        .expect("thread")
        .join()
        .expect("no panic");
    assert!(
        why.starts_with("an attached message that is not read"),
        "{why}"
    );
}

#[test]
fn a_text_file_in_utf16_is_read_by_its_byte_order_mark() {
    let mut text = String::from("DUTY TO REFER REFERRAL\r\n");
    for (label, value) in FORM {
        text += &format!("{label}: {value}\r\n");
    }
    // Notepad's "Unicode": UTF-16 little-endian with its mark, attached
    // as text/plain, with and without a charset declared (wrongly).
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    for content_type in ["text/plain", "text/plain; charset=utf-8"] {
        let raw = mail(
            "Referral attached.\n",
            &[("referral.txt", content_type, utf16.clone())],
        );
        let json = analysed(&raw).to_contract_json();
        assert_eq!(json["outcome"], "complete", "{content_type}: {json}");
        assert_eq!(json["referral"], expected_referral(), "{content_type}");
        assert_eq!(json["form_source"], "attachment:referral.txt");
    }
}

#[test]
fn a_text_file_is_read_within_the_documents_text_budget() {
    // Two million characters: over the text any document may give.
    let long = "Full name: Sam Example\n".repeat(2_000_000 / 23 + 1);
    let why = set_aside("long.txt", "text/plain", long.into_bytes());
    assert_eq!(why, "a document with more than 1000000 characters of text");
}

#[test]
fn a_docx_naming_its_document_twice_is_set_aside() {
    // Two `word/document.xml` entries, Sam's form first and another
    // person's after it: which one a program shows is its own choice, so
    // the gateway reads neither.
    let daniel = word_form_with(&DANIEL);
    let daniel_xml = {
        let mut archive =
            zip::ZipArchive::new(std::io::Cursor::new(daniel.as_slice())).expect("zip");
        let mut entry = archive.by_name("word/document.xml").expect("document");
        let mut xml = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut xml).expect("read");
        xml
    };
    let sam_xml = {
        let sam = word_form();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(sam.as_slice())).expect("zip");
        let mut entry = archive.by_name("word/document.xml").expect("document");
        let mut xml = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut xml).expect("read");
        xml
    };
    let mut twice = dtr_gateway::documents::write::zip_parts(&[
        ("word/document.xml", &sam_xml),
        ("word/document.xmX", &daniel_xml),
    ])
    .expect("zip");
    // Rename the second entry, in its local header and the central
    // directory alike (the checksums cover the data only).
    let from = b"word/document.xmX";
    let mut at = 0;
    while let Some(found) = twice[at..].windows(from.len()).position(|w| w == from) {
        twice[at + found + from.len() - 1] = b'l';
        at += found + from.len();
    }
    let why = set_aside("twice.docx", DOCX, twice);
    assert_eq!(
        why,
        "a damaged document: its zip container holds two parts of one name"
    );
}

/// A message forwarded as an attachment: its covering note, and the
/// Word form attached to it.
fn forwarded_with_form() -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(word_form());
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).expect("ascii"))
        .collect();
    format!(
        "From: Pat Officer <pat.officer@justice.gov.uk>\r\nTo: hub@justice.gov.uk\r\n\
         Subject: Duty to refer\r\nMessage-ID: <inner-1@justice.gov.uk>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"in\"\r\n\r\n--in\r\n\
         Content-Type: text/plain\r\n\r\nPlease find attached.\r\n--in\r\n\
         Content-Type: {DOCX}; name=\"DTR referral.docx\"\r\n\
         Content-Disposition: attachment; filename=\"DTR referral.docx\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--in--\r\n",
        lines.join("\r\n")
    )
}

#[test]
fn a_form_attached_to_a_message_attached_as_a_file_is_read_by_its_path() {
    let raw = mail(
        "Forwarded as a file.\n",
        &[(
            "fwd.eml",
            "application/octet-stream",
            forwarded_with_form().into_bytes(),
        )],
    );
    let json = analysed(&raw).to_contract_json();
    assert_eq!(json["outcome"], "complete", "{json}");
    assert_eq!(json["referral"], expected_referral());
    assert_eq!(json["form_source"], "attachment:fwd.eml/DTR referral.docx");
}

#[test]
fn a_form_attached_without_a_file_name_is_said_to_be_one() {
    let raw = mail(
        "Please find attached the DTR referral.\n",
        &[("x", DOCX, word_form())],
    );
    // The same document, its content type its only name.
    let raw = String::from_utf8(raw)
        .expect("ascii")
        .replace("; name=\"x\"", "")
        .replace("; filename=\"x\"", "");
    let json = analysed(raw.as_bytes()).to_contract_json();
    assert_eq!(json["outcome"], "complete", "{json}");
    assert_eq!(json["form_source"], "attachment:(attached document)");
}

#[test]
fn a_form_attached_to_a_forwarded_message_is_read_by_its_path() {
    let forwarded = forwarded_with_form();
    let attached = |disposition: &str| {
        format!(
            "From: Kim Hub <kim.hub@justice.gov.uk>\r\nTo: dutytorefer@colchester.gov.uk\r\n\
             Subject: Fw: Duty to refer\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\
             Message-ID: <outer-1@justice.gov.uk>\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"out\"\r\n\r\n--out\r\n\
             Content-Type: text/plain\r\n\r\nSee the attached mail.\r\n--out\r\n\
             Content-Type: message/rfc822\r\n{disposition}\r\n{forwarded}\r\n--out--\r\n"
        )
        .into_bytes()
    };
    let named = analysed(&attached(
        "Content-Disposition: attachment; filename=\"fwd.eml\"\r\n",
    ))
    .to_contract_json();
    assert_eq!(named["outcome"], "complete", "{named}");
    assert_eq!(named["referral"], expected_referral());
    assert_eq!(named["form_source"], "attachment:fwd.eml/DTR referral.docx");
    let unnamed = analysed(&attached("")).to_contract_json();
    assert_eq!(
        unnamed["form_source"],
        "attachment:(attached message)/DTR referral.docx"
    );
}

#[test]
fn a_form_attached_deeper_than_the_nesting_limit_is_set_aside_not_read() {
    // fwd.eml inside fwd.eml inside ... : three messages deep are read,
    // the fourth's attachments are listed as not read.
    let mut inner = forwarded_with_form();
    for _ in 0..4 {
        let encoded = base64::engine::general_purpose::STANDARD.encode(inner.as_bytes());
        inner = format!(
            "From: a@justice.gov.uk\r\nSubject: fw\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"n\"\r\n\r\n--n\r\n\
             Content-Type: text/plain\r\n\r\nForwarded.\r\n--n\r\n\
             Content-Type: application/octet-stream; name=\"fwd.eml\"\r\n\
             Content-Disposition: attachment; filename=\"fwd.eml\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n--n--\r\n"
        );
    }
    let raw = mail(
        "Forwarded.\n",
        &[("fwd.eml", "message/rfc822", inner.into_bytes())],
    );
    let analysis = analysed(&raw);
    assert_eq!(analysis.to_contract_json()["kind"], "other");
    let why = analysis
        .attachments
        .iter()
        .find_map(|a| a.unread.clone())
        .expect("listed as not read");
    assert!(why.contains("deep"), "{why}");
}

#[test]
fn parse_explain_names_an_smime_part_as_encrypted_mail() {
    let raw = "From: Pat Officer <pat.officer@justice.gov.uk>\r\n\
        To: dutytorefer@colchester.gov.uk\r\nSubject: Referral\r\n\
        Message-ID: <smime-1@justice.gov.uk>\r\nMIME-Version: 1.0\r\n\
        Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n\
        Content-Disposition: attachment; filename=smime.p7m\r\n\
        Content-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHA6CAMIACAQAxggFA\r\n";
    let explained = analysed(raw.as_bytes()).explain_json();
    assert_eq!(
        explained["encrypted"], "encrypted with S/MIME",
        "{explained}"
    );
    let why = explained["not_read"][0]["why"].as_str().unwrap_or_default();
    assert_eq!(
        why, "encrypted mail (S/MIME), which the gateway cannot open",
        "{explained}"
    );
    assert!(!explained.to_string().contains("an image"), "{explained}");
}

/// The short numbered form: three questions, each numbered in its cell.
const SHORT_NUMBERED: [(&str, &str, &str); 3] = [
    ("1.", "Full name", "Daniel Whitmore"),
    ("2.", "Date of birth", "14/02/1988"),
    ("3.", "Consent", "Yes"),
];

fn assert_short_form_read(json: &Value, source: &str) {
    assert_eq!(json["kind"], "referral", "{source}: {json}");
    assert_eq!(json["referral"]["full_name"], "Daniel Whitmore", "{source}");
    assert_eq!(json["referral"]["date_of_birth"], "1988-02-14", "{source}");
    assert_eq!(json["referral"]["consent"], true, "{source}");
}

#[test]
fn a_short_numbered_table_reads_its_fields() {
    // Each question numbered as Word and LibreOffice users type it, `1.`
    // and a tab, in its cell; and with a space.
    let run = |t: &str| format!(r#"<w:r><w:t xml:space="preserve">{t}</w:t></w:r>"#);
    let cell = |inner: String| format!("<w:tc><w:p>{inner}</w:p></w:tc>");
    let word_rows = |gap: &str| -> String {
        SHORT_NUMBERED
            .iter()
            .map(|(n, l, v)| {
                format!(
                    "<w:tr>{}{}</w:tr>",
                    cell(format!("{}{gap}{}", run(n), run(l))),
                    cell(run(v))
                )
            })
            .collect()
    };
    for (gap, how) in [("<w:r><w:tab/></w:r>", "tab"), (&run(" ")[..], "space")] {
        let word = docx(&format!("<w:tbl>{}</w:tbl>", word_rows(gap))).expect("docx");
        let raw = mail("Referral attached.\n", &[("referral.docx", DOCX, word)]);
        assert_short_form_read(&analysed(&raw).to_contract_json(), how);
    }
    let odt_rows: String = SHORT_NUMBERED
        .iter()
        .map(|(n, l, v)| {
            format!(
                "<table:table-row><table:table-cell><text:p>{n}<text:tab/>{l}</text:p></table:table-cell>\
                 <table:table-cell><text:p>{v}</text:p></table:table-cell></table:table-row>"
            )
        })
        .collect();
    let document = odt(&format!("<table:table>{odt_rows}</table:table>")).expect("odt");
    let raw = mail(
        "Referral attached.\n",
        &[(
            "referral.odt",
            "application/vnd.oasis.opendocument.text",
            document,
        )],
    );
    assert_short_form_read(&analysed(&raw).to_contract_json(), "odt");

    let cells: String = SHORT_NUMBERED
        .iter()
        .map(|(n, l, v)| format!("<tr><td>{n}\t{l}</td><td>{v}</td></tr>"))
        .collect();
    let html = format!(
        "From: Pat Officer <pat.officer@justice.gov.uk>\r\nTo: dutytorefer@colchester.gov.uk\r\n\
         Subject: Referral\r\nMessage-ID: <short-1@justice.gov.uk>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/html; charset=utf-8\r\n\r\n<html><body><table>{cells}</table></body></html>\r\n"
    );
    assert_short_form_read(&analysed(html.as_bytes()).to_contract_json(), "html");
}

/// A PDF written object by object, its cross-reference table made to fit.
fn raw_pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(object);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn raw_stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut out = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\nendstream");
    out
}

fn zlib(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).expect("deflate");
    encoder.finish().expect("deflate")
}

/// A one-page PDF printing the form, and after it `extra` objects
/// (numbered from 5).
fn pdf_with(catalog_extra: &str, page_extra: &str, extra: Vec<Vec<u8>>) -> Vec<u8> {
    let mut content = String::from("BT /F1 11 Tf\n");
    for (i, (label, value)) in FORM.iter().enumerate() {
        let y = 780 - 20 * i;
        content += &format!("1 0 0 1 50 {y} Tm ({label}) Tj 1 0 0 1 300 {y} Tm ({value}) Tj\n");
    }
    content += "ET\n";
    let mut objects = vec![
        format!("<< /Type /Catalog /Pages 2 0 R {catalog_extra} >>").into_bytes(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
             /Resources << /Font << /F1 {} 0 R >> >> {page_extra} >>",
            5 + extra.len()
        )
        .into_bytes(),
        raw_stream("", content.as_bytes()),
    ];
    objects.extend(extra);
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    );
    raw_pdf(&objects)
}

/// An object stream holding one object, `inner`, compressed.
fn object_stream(number: usize, inner: &[u8]) -> Vec<u8> {
    let header = format!("{number} 0 ");
    let mut data = header.clone().into_bytes();
    data.extend_from_slice(inner);
    raw_stream(
        &format!(
            "/Type /ObjStm /N 1 /First {} /Filter /FlateDecode",
            header.len()
        ),
        &zlib(&data),
    )
}

#[test]
fn a_pdf_of_object_streams_unpacking_past_the_budget_is_set_aside_at_once() {
    // Each object stream is under the loader's bound for one stream (4
    // MB); together they are far over what a document may unpack to.
    let string = {
        let mut s = b"(".to_vec();
        s.resize(4 * 1024 * 1024 - 100, b'A');
        s.push(b')');
        s
    };
    let strings: Vec<Vec<u8>> = (0..6).map(|i| object_stream(1000 + i, &string)).collect();
    // One stream of 600,000 references: each a large object in memory.
    let references = format!("[{}]", "1 0 R ".repeat(600_000)).into_bytes();
    let refs = vec![object_stream(1000, &references)];
    for (bomb, why) in [
        (
            strings,
            "a PDF too large when unpacked: its object streams unpack to more than 16777216 bytes",
        ),
        (
            refs,
            "a PDF too large when unpacked: its object streams hold more than 500000 values",
        ),
    ] {
        let bomb = pdf_with("", "", bomb);
        assert!(bomb.len() < 200 * 1024, "{} bytes", bomb.len());
        let started = std::time::Instant::now();
        let reason = set_aside("referral.pdf", "application/pdf", bomb);
        // The unpacking budget stops it; on a machine so loaded that an
        // unoptimised build takes 2 s to unpack 16 MB, the time budget
        // stops it first, which sets it aside as well.
        assert!(
            reason == why || reason == "a document that took more than 2s to read",
            "{reason}"
        );
        // Within the document's 2 s budget, an unoptimised build allowed
        // more.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(6),
            "{:?}",
            started.elapsed()
        );
    }
}

#[test]
fn a_pdf_of_a_few_object_streams_is_read() {
    // The same form, its font packed in an object stream.
    let font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>";
    let mut pdf = pdf_with("", "", vec![object_stream(7, font)]);
    // The page's font is object 6 of the file: point it at the packed one.
    let at = pdf
        .windows(b"/F1 6 0 R".len())
        .position(|w| w == b"/F1 6 0 R")
        .expect("the font reference");
    pdf[at..at + 9].copy_from_slice(b"/F1 7 0 R");
    let raw = mail(
        "See attached.\n",
        &[("DTR referral.pdf", "application/pdf", pdf)],
    );
    let json = analysed(&raw).to_contract_json();
    assert_eq!(json["form_source"], "attachment:DTR referral.pdf", "{json}");
    assert_eq!(json["referral"]["full_name"], "Sam Example", "{json}");
}

/// The form printed on the page without its consent and referrer email
/// answers, and two fields giving them: a check box and a text field.
fn form_with_fields(check_box: &str, email_field: &str) -> Vec<u8> {
    let on = raw_stream(
        "/Type /XObject /Subtype /Form /BBox [0 0 14 14]",
        b"0 0 0 rg 2 2 10 10 re f",
    );
    let off = raw_stream(
        "/Type /XObject /Subtype /Form /BBox [0 0 14 14]",
        b"0 0 0 RG 1 1 12 12 re S",
    );
    let email = raw_stream(
        "/Type /XObject /Subtype /Form /BBox [0 0 200 16] /Resources << /Font << /F1 10 0 R >> >>",
        b"BT /F1 11 Tf 2 4 Td (pat.officer@justice.gov.uk) Tj ET",
    );
    let mut content = String::from("BT /F1 11 Tf\n");
    for (i, (label, value)) in FORM.iter().enumerate() {
        let y = 780 - 20 * i;
        let value = match *label {
            "Consent to referral" | "Referrer email" => "",
            _ => value,
        };
        content += &format!("1 0 0 1 50 {y} Tm ({label}) Tj 1 0 0 1 300 {y} Tm ({value}) Tj\n");
    }
    content += "ET\n";
    raw_pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R 6 0 R] >> >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
          /Annots [5 0 R 6 0 R] /Resources << /Font << /F1 10 0 R >> >> >>"
            .to_vec(),
        raw_stream("", content.as_bytes()),
        format!(
            "<< /Type /Annot /Subtype /Widget /FT /Btn /T (Consent to referral) {check_box} \
             /Rect [450 676 464 690] /P 3 0 R /AP << /N << /Yes 7 0 R /Off 8 0 R >> >> >>"
        )
        .into_bytes(),
        format!(
            "<< /Type /Annot /Subtype /Widget /FT /Tx /T (Referrer email) {email_field} \
             /Rect [350 515 550 531] /P 3 0 R /AP << /N 9 0 R >> >>"
        )
        .into_bytes(),
        on,
        off,
        email,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    ])
}

fn read_fillable(pdf: Vec<u8>) -> Value {
    let raw = mail(
        "See attached.\n",
        &[("DTR referral.pdf", "application/pdf", pdf)],
    );
    let json = analysed(&raw).to_contract_json();
    assert_eq!(json["form_source"], "attachment:DTR referral.pdf", "{json}");
    assert_eq!(json["referral"]["full_name"], "Sam Example", "{json}");
    json
}

#[test]
fn a_check_box_reads_as_it_is_shown() {
    let email = "/V (pat.officer@justice.gov.uk)";
    // Ticked, and shown ticked.
    let json = read_fillable(form_with_fields("/V /Yes /AS /Yes", email));
    assert_eq!(json["referral"]["consent"], true, "{json}");
    assert_eq!(json["outcome"], "complete", "{json}");
    // Its value Yes, shown empty (as every viewer shows it): no answer
    // either way.
    let json = read_fillable(form_with_fields("/V /Yes /AS /Off", email));
    assert_eq!(json["referral"].get("consent"), None, "{json}");
    assert_ne!(json["outcome"], "complete", "{json}");
    // Shown ticked with no value: ticked.
    let json = read_fillable(form_with_fields("/AS /Yes", email));
    assert_eq!(json["referral"]["consent"], true, "{json}");
}

#[test]
fn a_text_field_whose_appearance_shows_other_text_is_not_read() {
    let consent = "/V /Yes /AS /Yes";
    let json = read_fillable(form_with_fields(consent, "/V (pat.officer@justice.gov.uk)"));
    assert_eq!(
        json["referral"]["referrer_email"], "pat.officer@justice.gov.uk",
        "{json}"
    );
    // Its value another address than the one the form shows.
    let json = read_fillable(form_with_fields(consent, "/V (mallory@justice.gov.uk)"));
    assert_eq!(json["referral"].get("referrer_email"), None, "{json}");
    assert_ne!(json["outcome"], "complete", "{json}");
}

/// A one-page form of widgets with no tooltips: the page draws
/// `content` (font `F1`), then each of `widgets` (the inside of a widget
/// annotation's dictionary, its field's own) is a field the form lists.
fn untitled_form(content: &str, widgets: &[String]) -> Vec<u8> {
    let first = 6;
    let refs: String = (0..widgets.len())
        .map(|i| format!("{} 0 R ", first + i))
        .collect();
    let mut objects = vec![
        format!("<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [{refs}] >> >>").into_bytes(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
             /Annots [{refs}] /Resources << /Font << /F1 5 0 R >> >> >>"
        )
        .into_bytes(),
        raw_stream("", format!("BT /F1 10 Tf\n{content}\nET").as_bytes()),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    ];
    for widget in widgets {
        objects.push(format!("<< /Type /Annot /Subtype /Widget /P 3 0 R {widget} >>").into_bytes());
    }
    raw_pdf(&objects)
}

fn read_untitled(pdf: Vec<u8>) -> Value {
    let raw = mail(
        "See attached.\n",
        &[("DTR referral.pdf", "application/pdf", pdf)],
    );
    let json = analysed(&raw).to_contract_json();
    assert_eq!(json["form_source"], "attachment:DTR referral.pdf", "{json}");
    json
}

/// A text field named `name` at row `y` (its box at x 260), valued
/// `value`.
fn text_field(name: &str, y: usize, value: &str) -> String {
    format!(
        "/FT /Tx /T ({name}) /V ({value}) /Rect [260 {} 540 {}]",
        y - 4,
        y + 12
    )
}

#[test]
fn fields_named_as_identifiers_read_as_the_labels_they_spell() {
    let mut widgets = vec![];
    for (i, (name, value)) in [
        ("Referral_Type", "Duty to Refer"),
        ("txtFullName", "Sam Example"),
        ("DateOfBirth", "14/07/1988"),
        ("CRN[0]", "X123456"),
        ("full-name-of-referrer", "Pat Officer"),
        ("ReferrerEmail_1", "pat.officer@justice.gov.uk"),
        ("fldReferringAgency.0", "Probation Service"),
    ]
    .iter()
    .enumerate()
    {
        widgets.push(text_field(name, 780 - 20 * i, value));
    }
    // One check box per option, named by the question and its option:
    // the one ticked is the answer.
    let consent = |yes: &str, no: &str, ticked_no: bool| {
        let (on, off) = ("/V /Yes /AS /Yes", "/V /Off /AS /Off");
        let (y, n) = if ticked_no { (off, on) } else { (on, off) };
        vec![
            format!("/FT /Btn /T ({yes}) {y} /Rect [260 500 274 514]"),
            format!("/FT /Btn /T ({no}) {n} /Rect [310 500 324 514]"),
        ]
    };
    let title = "1 0 0 1 50 800 Tm (DUTY TO REFER REFERRAL) Tj";
    for (yes, no, ticked_no) in [
        ("ConsentYes", "ConsentNo", true),
        ("Consent_Yes", "Consent_No", false),
        ("chkConsentYes", "chkConsentNo", true),
    ] {
        let mut all = widgets.clone();
        all.extend(consent(yes, no, ticked_no));
        let json = read_untitled(untitled_form(title, &all));
        let referral = &json["referral"];
        assert_eq!(referral["referral_type"], "duty_to_refer", "{json}");
        assert_eq!(referral["full_name"], "Sam Example", "{json}");
        assert_eq!(referral["date_of_birth"], "1988-07-14", "{json}");
        assert_eq!(referral["crn"], "X123456", "{json}");
        assert_eq!(
            referral["referrer_email"], "pat.officer@justice.gov.uk",
            "{json}"
        );
        assert_eq!(referral["referring_agency"], "Probation Service", "{json}");
        assert_eq!(referral["consent"], !ticked_no, "{yes} {no}: {json}");
        if ticked_no {
            assert_eq!(json["outcome"], "no_consent", "{json}");
        }
    }
    // Named by the question, the option its export value: the box
    // shown ticked is the answer.
    let mut all = widgets.clone();
    all.push("/FT /Btn /T (Consent) /V /No /AS /No /Rect [260 500 274 514]".to_string());
    let json = read_untitled(untitled_form(title, &all));
    assert_eq!(json["referral"]["consent"], false, "{json}");
}

/// A yes/no question's two check boxes, named `yes` and `no`, at row
/// `y`; the one ticked is `ticked`'s (none when `None`).
fn yes_no_boxes(yes: &str, no: &str, y: usize, ticked: Option<bool>) -> Vec<String> {
    let (on, off) = ("/V /Yes /AS /Yes", "/V /Off /AS /Off");
    let state = |option: bool| if ticked == Some(option) { on } else { off };
    vec![
        format!(
            "/FT /Btn /T ({yes}) {} /Rect [260 {y} 274 {}]",
            state(true),
            y + 14
        ),
        format!(
            "/FT /Btn /T ({no}) {} /Rect [310 {y} 324 {}]",
            state(false),
            y + 14
        ),
    ]
}

/// Identity fields named as identifiers, for forms that add check boxes.
fn identity_fields() -> Vec<String> {
    [
        ("Referral_Type", "Duty to Refer"),
        ("txtFullName", "Sam Example"),
        ("DateOfBirth", "14/07/1988"),
        ("CRN[0]", "X123456"),
        ("ReferrerEmail_1", "pat.officer@justice.gov.uk"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (name, value))| text_field(name, 780 - 20 * i, value))
    .collect()
}

#[test]
fn check_boxes_named_by_a_short_form_of_their_question_answer_it() {
    let title = "1 0 0 1 50 800 Tm (DUTY TO REFER REFERRAL) Tj";
    for (rough, tenancy, consent) in [(true, false, true), (false, true, false)] {
        let mut widgets = identity_fields();
        widgets.extend(yes_no_boxes(
            "RoughSleepingYes",
            "RoughSleepingNo",
            560,
            Some(rough),
        ));
        widgets.extend(yes_no_boxes("TenancyYes", "TenancyNo", 540, Some(tenancy)));
        widgets.extend(yes_no_boxes("Consent_Yes", "consentNo", 520, Some(consent)));
        let json = read_untitled(untitled_form(title, &widgets));
        let referral = &json["referral"];
        assert_eq!(referral["full_name"], "Sam Example", "{json}");
        assert_eq!(referral["rough_sleeping_risk"], rough, "{json}");
        assert_eq!(referral["existing_tenancy"], tenancy, "{json}");
        assert_eq!(referral["consent"], consent, "{json}");
    }
}

#[test]
fn check_boxes_whose_names_only_look_like_an_answer_answer_nothing() {
    let title = "1 0 0 1 50 800 Tm (DUTY TO REFER REFERRAL) Tj";
    let mut widgets = identity_fields();
    for (i, name) in [
        "NoFixedAbode",
        "Notes",
        "YesNo1",
        "DateYes",
        "RoughSleepingMaybe",
    ]
    .iter()
    .enumerate()
    {
        let x = 260 + 40 * i;
        widgets.push(format!(
            "/FT /Btn /T ({name}) /V /Yes /AS /Yes /Rect [{x} 560 {} 574]",
            x + 14
        ));
    }
    let json = read_untitled(untitled_form(title, &widgets));
    let referral = &json["referral"];
    assert_eq!(referral["full_name"], "Sam Example", "{json}");
    for key in ["consent", "rough_sleeping_risk", "existing_tenancy"] {
        assert_eq!(referral.get(key), None, "{key}: {json}");
    }
    assert_eq!(json["outcome"], "incomplete", "{json}");
}

/// The form's labels printed at x 50, one over its box; `widgets` on
/// their lines.
fn printed_labels() -> String {
    let mut content = String::from("1 0 0 1 50 800 Tm (DUTY TO REFER REFERRAL) Tj\n");
    for (i, label) in [
        "Referral type",
        "Full name:",
        "Date of birth",
        "CRN",
        "Referrer name",
    ]
    .iter()
    .enumerate()
    {
        content += &format!("1 0 0 1 50 {} Tm ({label}) Tj\n", 780 - 20 * i);
    }
    // A label printed over its box, not beside it.
    content += "1 0 0 1 260 666 Tm (Referrer email) Tj\n";
    // Consent: its options printed right of each box.
    content += "1 0 0 1 50 610 Tm (Consent to referral) Tj \
                1 0 0 1 280 610 Tm (Yes) Tj 1 0 0 1 330 610 Tm (No) Tj\n";
    content
}

#[test]
fn fields_with_default_names_take_the_label_printed_beside_them() {
    let check_box = |name: &str, x: usize, ticked: bool| {
        let state = if ticked {
            "/V /Yes /AS /Yes"
        } else {
            "/V /Off /AS /Off"
        };
        format!(
            "/FT /Btn /T ({name}) {state} /Rect [{x} 606 {} 620]",
            x + 14
        )
    };
    let untitled = |consent_yes: bool| {
        let mut widgets: Vec<String> = [
            ("Text1", "Duty to Refer"),
            ("Text2", "Sam Example"),
            ("undefined_3", "14/07/1988"),
            ("Text Field 4", "X123456"),
            ("TextField5[0]", "Pat Officer"),
        ]
        .iter()
        .enumerate()
        .map(|(i, (name, value))| text_field(name, 780 - 20 * i, value))
        .collect();
        // Under its label.
        widgets.push(
            "/FT /Tx /T (Text6) /V (pat.officer@justice.gov.uk) /Rect [260 646 540 662]".into(),
        );
        widgets.push(check_box("Check Box1", 260, consent_yes));
        widgets.push(check_box("Check Box2", 310, !consent_yes));
        untitled_form(&printed_labels(), &widgets)
    };
    for consent in [true, false] {
        let json = read_untitled(untitled(consent));
        let referral = &json["referral"];
        assert_eq!(json["kind"], "referral", "{json}");
        assert_eq!(referral["referral_type"], "duty_to_refer", "{json}");
        assert_eq!(referral["full_name"], "Sam Example", "{json}");
        assert_eq!(referral["date_of_birth"], "1988-07-14", "{json}");
        assert_eq!(referral["crn"], "X123456", "{json}");
        assert_eq!(referral["referrer_name"], "Pat Officer", "{json}");
        assert_eq!(
            referral["referrer_email"], "pat.officer@justice.gov.uk",
            "{json}"
        );
        assert_eq!(referral["consent"], consent, "{json}");
    }
    // A tooltip still wins over the page's label; a name the form reader
    // knows over it too.
    let widgets = vec![
        text_field("Text1", 780, "Duty to Refer"),
        format!(
            "{} /TU (Referrer name)",
            text_field("Text2", 760, "Pat Officer")
        ),
        text_field("CRN", 740, "X123456"),
    ];
    let json = read_untitled(untitled_form(&printed_labels(), &widgets));
    let referral = &json["referral"];
    assert_eq!(referral["referrer_name"], "Pat Officer", "{json}");
    assert_eq!(referral.get("full_name"), None, "{json}");
    assert_eq!(referral["crn"], "X123456", "{json}");
    assert_eq!(referral.get("date_of_birth"), None, "{json}");
}

#[test]
fn a_form_of_thousands_of_untitled_fields_over_thousands_of_words_reads_in_time() {
    // The form's labels, and under them three thousand words, each its
    // own run; more fields with default names than a form is read for
    // (2,000), each box as tall as the words: every word is on every
    // box's line.
    let mut content = printed_labels() + "/F1 2 Tf\n";
    for i in 0..3_000 {
        let (x, y) = (5 + (i % 100) * 5, 10 + (i / 100) * 4);
        content += &format!("1 0 0 1 {x} {y} Tm (X) Tj\n");
    }
    let mut widgets: Vec<String> = [
        ("Text1", "Duty to Refer"),
        ("Text2", "Sam Example"),
        ("Text3", "14/07/1988"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (name, value))| text_field(name, 780 - 20 * i, value))
    .collect();
    for i in 4..2_100 {
        let x = 20 + (i % 500);
        widgets.push(format!("/FT /Tx /T (Text{i}) /Rect [{x} 0 {} 140]", x + 3));
    }
    let started = std::time::Instant::now();
    let json = read_untitled(untitled_form(&content, &widgets));
    assert_eq!(json["referral"]["full_name"], "Sam Example", "{json}");
    assert_eq!(json["referral"]["date_of_birth"], "1988-07-14", "{json}");
    // Within the document's 2 s budget, an unoptimised build allowed
    // more.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
}

/// A Word form followed by `paragraphs` short paragraphs of notes.
fn word_form_with_notes(paragraphs: usize) -> Vec<u8> {
    let rows: Vec<Vec<String>> = FORM
        .iter()
        .map(|(l, v)| vec![l.to_string(), v.to_string()])
        .collect();
    let mut body = word_paragraph("DUTY TO REFER REFERRAL") + &word_table(&rows);
    for i in 0..paragraphs {
        body += &word_paragraph(&format!("Note {i}: seen."));
    }
    docx(&body).expect("docx")
}

#[test]
fn a_docx_of_forty_thousand_short_paragraphs_is_read_or_set_aside_with_its_reason() {
    let raw = mail(
        "See attached.\n",
        &[("DTR referral.docx", DOCX, word_form_with_notes(40_000))],
    );
    let analysis = analysed(&raw);
    let json = analysis.to_contract_json();
    match &analysis.attachments[0].unread {
        Some(why) => {
            assert_eq!(analysis.documents_unread, 1, "{json}");
            assert!(!why.is_empty(), "{json}");
        }
        None => {
            assert_eq!(
                json["form_source"], "attachment:DTR referral.docx",
                "{json}"
            );
            assert_eq!(json["referral"]["full_name"], "Sam Example", "{json}");
        }
    }
}
