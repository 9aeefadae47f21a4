use super::*;
use std::fs;

fn embedded() -> Templates {
    Templates::load(None).expect("embedded templates load")
}

/// The text with its line breaks and runs of spaces as single spaces, as
/// a sentence reads across wrapped lines.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn write(dir: &Path, relative: &str, text: &str) -> PathBuf {
    let path = dir.join(TEMPLATES_FOLDER).join(relative);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create folder");
    }
    fs::write(&path, text).expect("write template");
    path
}

fn errors_of(templates: &Templates, codes: &[&str]) -> Vec<String> {
    match templates.check(codes) {
        Ok(()) => Vec::new(),
        Err(errors) => errors.iter().map(|e| e.to_string()).collect(),
    }
}

#[test]
fn embedded_list_follows_purpose_order() {
    for ((purpose, _), expected) in EMBEDDED.iter().zip(Purpose::ALL) {
        assert_eq!(*purpose, expected);
        assert_eq!(Purpose::from_name(expected.name()), Some(expected));
    }
}

#[test]
fn every_purpose_renders_from_the_embedded_templates() {
    let templates = embedded();
    assert_eq!(errors_of(&templates, &["COL"]), Vec::<String>::new());
    for purpose in Purpose::ALL {
        for data in [sample_data(purpose), sparse_data(purpose)] {
            let mail = templates
                .render(purpose, "COL", &data)
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(!mail.subject.is_empty(), "{purpose}");
            assert!(mail.html.starts_with("<!DOCTYPE html>"), "{purpose}");
            if purpose == Purpose::SignIn {
                // Written to a person, not for an authority; its one link
                // is the web view's own.
                let link = "https://dtr.essex.gov.uk/sign-in/6f1c2a9e0b7d4c3f";
                assert!(mail.text.contains(link), "{}", mail.text);
                assert!(
                    !mail.html.replace(link, "").contains("http"),
                    "{}",
                    mail.html
                );
                continue;
            }
            assert!(mail.text.contains("Colchester"), "{purpose}");
            assert!(!mail.html.contains("http"), "{purpose}: no external links");
            assert!(!mail.html.contains("<img"), "{purpose}: no images");
        }
    }
}

#[test]
fn subjects_are_the_agreed_ones() {
    let templates = embedded();
    let subject = |purpose, urgent: bool| {
        let mut data = sample_data(purpose);
        data["urgent"] = json!(urgent);
        templates
            .render(purpose, "COL", &data)
            .map(|m| m.subject)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let r = "DTR-COL-2026-00042";
    assert_eq!(
        subject(Purpose::Acknowledgement, true),
        format!("[{r}] Referral received")
    );
    assert_eq!(
        subject(Purpose::Incomplete, false),
        format!("[{r}] Referral incomplete: information needed")
    );
    assert_eq!(
        subject(Purpose::NoConsent, false),
        format!("[{r}] Referral not accepted: consent needed")
    );
    assert_eq!(
        subject(Purpose::BlankForm, false),
        "Duty to Refer referral form"
    );
    assert_eq!(
        subject(Purpose::Notice, false),
        format!("[{r}] New Duty to Refer referral")
    );
    assert_eq!(
        subject(Purpose::Notice, true),
        format!("URGENT: [{r}] New Duty to Refer referral")
    );
    assert_eq!(
        subject(Purpose::QuarantineNotice, false),
        "Message set aside: not answered automatically"
    );
    assert_eq!(
        subject(Purpose::Reminder, false),
        format!("[{r}] Reminder: commitment 10 due Mon 30 Nov")
    );
    assert_eq!(
        subject(Purpose::Chase, false),
        format!("[{r}] Chase 1: overdue since Mon 30 Nov")
    );
    assert_eq!(
        subject(Purpose::Escalation, true),
        format!("[{r}] Escalation: overdue since Mon 30 Nov")
    );
    assert_eq!(
        subject(Purpose::LeadChanged, false),
        format!("[{r}] New lead officer for this referral")
    );
    assert_eq!(
        subject(Purpose::LeadChangePending, false),
        format!("[{r}] Change of case lead: please confirm")
    );
    assert_eq!(
        subject(Purpose::Digest, false),
        "Duty to Refer digest for Colchester, Monday 7 December 2026"
    );
    assert_eq!(
        subject(Purpose::SignIn, false),
        "Your link to sign in to the Duty to Refer cases"
    );
    // Short enough to read in a list of mail.
    for purpose in Purpose::ALL {
        for urgent in [false, true] {
            let line = subject(purpose, urgent);
            assert!(line.chars().count() < 80, "{purpose}: {line}");
        }
    }
}

const FOLLOW_UPS_AND_LEAD_CHANGES: [Purpose; 4] = [
    Purpose::Reminder,
    Purpose::Chase,
    Purpose::Escalation,
    Purpose::LeadChanged,
];

#[test]
fn follow_ups_and_lead_changes_render_with_sample_and_sparse_data() {
    let templates = embedded();
    for purpose in FOLLOW_UPS_AND_LEAD_CHANGES {
        let sample = templates
            .render(purpose, "COL", &sample_data(purpose))
            .unwrap_or_else(|e| panic!("{e}"));
        let sparse = templates
            .render(purpose, "COL", &sparse_data(purpose))
            .unwrap_or_else(|e| panic!("{e}"));
        for mail in [&sample, &sparse] {
            assert!(mail.text.contains("DTR-COL-2026-00042"), "{purpose}");
            assert!(mail.html.contains("DTR-COL-2026-00042"), "{purpose}");
            assert!(mail.html.trim_end().ends_with("</html>"), "{purpose}");
            assert!(!mail.text.contains("{{"), "{purpose}");
        }
        let greeting = |mail: &Rendered| mail.text.lines().next().map(str::to_string);
        assert_eq!(greeting(&sparse).as_deref(), Some("Dear colleagues,"));
        assert!(sparse.html.contains(">Dear colleagues,</p>"), "{purpose}");
        let addressee = sample_data(purpose)["addressee"]
            .as_str()
            .expect("an addressee")
            .to_string();
        assert_eq!(greeting(&sample), Some(format!("Dear {addressee},")));
        if purpose.is_follow_up() {
            for mail in [&sample, &sparse] {
                assert!(mail.text.contains("Monday 30 November 2026"), "{purpose}");
                assert!(mail
                    .text
                    .contains("Received:   Monday 23 November 2026 at 10:15"));
                assert!(mail.text.contains("Commitment: 10\n"), "{purpose}");
            }
            assert!(
                sample
                    .text
                    .contains("Owed by:    Colchester City Council\n"),
                "{purpose}"
            );
            assert!(
                sparse.text.contains("Owed by:    the referrer\n"),
                "{purpose}"
            );
            // How to record the lead officer, only for that deadline.
            assert!(sample
                .text
                .contains("\nLead officer: (name)\nEmail: (email address)\n"));
            assert!(sample.html.contains("Lead officer: (name)"), "{purpose}");
            assert!(!sparse.text.contains("Lead officer:"), "{purpose}");
            assert!(!sparse.html.contains("Lead officer:"), "{purpose}");
        }
    }
}

#[test]
fn a_reminder_is_before_the_deadline_and_a_chase_counts_working_days() {
    let templates = embedded();
    let mail = templates
        .render(Purpose::Reminder, "COL", &sample_data(Purpose::Reminder))
        .expect("renders");
    assert!(mail.text.contains("is due on Monday 30 November 2026"));
    assert!(one_line(&mail.text).contains("Nothing is overdue yet"));
    assert!(!mail.text.contains("Overdue"));
    assert!(one_line(&mail.text).contains("keeping DTR-COL-2026-00042 in the subject"));
    // Who the escalation will go to, and when.
    assert!(one_line(&mail.text).contains(
        "it will be escalated on Wednesday 2 December 2026 to Chris Senior, under Annex C \
         of the protocol (dispute resolution)."
    ));
    // How to answer, in one line: the reference, and the inbox copied.
    assert!(one_line(&mail.text).contains(
        "Keep DTR-COL-2026-00042 in the subject and copy dutytorefer@colchester.gov.uk into \
         any message about this referral."
    ));

    let mut data = sample_data(Purpose::Chase);
    let mail = templates
        .render(Purpose::Chase, "COL", &data)
        .expect("renders");
    assert!(mail.text.contains("It is now 1 working day overdue."));
    assert!(mail.html.contains("1 working day overdue</strong>"));
    assert_eq!(
        list_under(&mail.text, "Already sent about this step"),
        ["Reminder: Friday 27 November 2026, to Sam Lead"]
    );
    assert!(one_line(&mail.text).contains(
        "If it stays overdue, it will be escalated on Wednesday 2 December 2026 to Chris Senior"
    ));
    // Where nobody is configured, the chase says so.
    let mail = templates
        .render(Purpose::Chase, "COL", &sparse_data(Purpose::Chase))
        .expect("renders");
    assert!(one_line(&mail.text).contains(
        "nobody further is written to: no escalation contact for the referring side is configured."
    ));
    data["deadline"]["working_days_overdue"] = json!(3);
    let mail = templates
        .render(Purpose::Chase, "COL", &data)
        .expect("renders");
    assert!(mail.text.contains("It is now 3 working days overdue."));
    assert!(mail.text.contains("Overdue:    3 working days\n"));

    let mail = templates
        .render(Purpose::Chase, "COL", &sparse_data(Purpose::Chase))
        .expect("renders");
    assert!(!mail.text.contains("Already sent"));
    assert!(!mail.html.contains("Already sent"));
}

#[test]
fn an_escalation_lists_every_earlier_step_under_annex_c() {
    let templates = embedded();
    let mut data = sample_data(Purpose::Escalation);
    let mail = templates
        .render(Purpose::Escalation, "COL", &data)
        .expect("renders");
    assert_eq!(
        list_under(&mail.text, "Reminders and chases sent"),
        [
            "Reminder: Friday 27 November 2026, to Sam Lead",
            "Chase 1: Tuesday 1 December 2026, to Sam Lead",
        ]
    );
    assert!(mail.text.starts_with("Dear Chris Senior,\n"));
    let text = one_line(&mail.text);
    assert!(text.contains(
        "the operational leads have not resolved it. Under Annex C of the protocol (dispute \
         resolution), the referring side refers the matter to you, as the authority's senior \
         contact for dispute resolution."
    ));
    assert!(mail.text.contains("Overdue:    2 working days\n"));
    assert!(text.contains(
        "Sam Lead, the operational lead for Colchester City Council, the authority's Duty to \
         Refer inbox and the referring side are copied into this message."
    ));
    assert!(mail
        .html
        .contains("Annex C of the protocol (dispute resolution)"));
    assert!(mail
        .html
        .contains("Sam Lead, the operational lead for Colchester City Council"));

    let entries: Vec<Value> = (1..=5)
        .map(|n| json!({ "what": format!("Chase {n}"), "on": format!("Day {n}"), "to": format!("Officer {n}") }))
        .collect();
    data["history"] = Value::Array(entries);
    let mail = templates
        .render(Purpose::Escalation, "COL", &data)
        .expect("renders");
    let expected: Vec<String> = (1..=5)
        .map(|n| format!("Chase {n}: Day {n}, to Officer {n}"))
        .collect();
    assert_eq!(
        list_under(&mail.text, "Reminders and chases sent"),
        expected
    );
    for line in &expected {
        assert!(mail.html.contains(&format!("<li>{line}</li>")), "{line}");
    }

    let mail = templates
        .render(
            Purpose::Escalation,
            "COL",
            &sparse_data(Purpose::Escalation),
        )
        .expect("renders");
    assert_eq!(
        list_under(&mail.text, "Reminders and chases sent"),
        ["none recorded"]
    );
    assert!(one_line(&mail.text).contains(
        "The referrer, the case lead and Colchester City Council's Duty to Refer inbox are \
         copied into this message."
    ));
    // A protocol without a dispute-resolution part (Kent's) is not
    // made to cite Essex's Annex C.
    let text = one_line(&mail.text);
    assert!(!text.contains("Annex C") && !mail.html.contains("Annex C"));
    assert!(text.contains(
        "Under the protocol's arrangements for resolving disputes, Colchester City Council \
         refers the matter to you."
    ));
    assert!(mail
        .html
        .contains("Under the protocol's arrangements for resolving disputes,"));
}

#[test]
fn a_lead_change_names_the_side_and_the_new_lead() {
    let templates = embedded();
    let mut data = sample_data(Purpose::LeadChanged);
    let mail = templates
        .render(Purpose::LeadChanged, "COL", &data)
        .expect("renders");
    assert!(one_line(&mail.text).contains(
        "The council's lead officer for the Duty to Refer referral DTR-COL-2026-00042 \
         has changed. The new lead officer at Colchester City Council is:"
    ));
    assert!(!mail.text.contains("probation"));
    assert!(mail.text.contains("Name:      Jo Officer\n"));
    assert!(mail
        .text
        .contains("Email:     jo.officer@colchester.gov.uk\n"));
    assert!(mail.text.contains("Telephone: 01206 500000\n"));
    assert!(mail.text.contains("This replaces Sam Lead."));
    assert!(mail.text.contains("Commitment 11 of the protocol"));
    assert!(mail.html.contains("The council's lead officer"));
    assert!(mail.html.contains("<strong>Jo Officer</strong>"));
    assert!(mail.html.contains("mailto:jo.officer@colchester.gov.uk"));
    assert!(mail.html.contains(">01206 500000</td>"));

    data["lead"]["side"] = json!("referrer");
    data["lead"]["name"] = json!("Pat Probation");
    data["lead"]["email"] = json!("pat.probation@justice.gov.uk");
    let mail = templates
        .render(Purpose::LeadChanged, "COL", &data)
        .expect("renders");
    assert!(one_line(&mail.text).contains(
        "The probation or prison lead for the Duty to Refer referral DTR-COL-2026-00042 to Colchester City Council has changed."
    ));
    assert!(!mail.text.contains("council's lead officer"));
    assert!(mail.text.contains("Name:      Pat Probation\n"));
    assert!(mail
        .text
        .contains("Email:     pat.probation@justice.gov.uk\n"));
    assert!(mail.html.contains("The probation or prison lead"));
    assert!(mail.html.contains("mailto:pat.probation@justice.gov.uk"));

    // No telephone and no previous lead: neither line.
    let mail = templates
        .render(
            Purpose::LeadChanged,
            "COL",
            &sparse_data(Purpose::LeadChanged),
        )
        .expect("renders");
    assert!(mail.text.contains("Name:      Jo Officer\n"));
    assert!(!mail.text.contains("Telephone"));
    assert!(!mail.html.contains("Telephone"));
    assert!(!mail.text.contains("This replaces"));
    // Without a commitment on changes of lead, no sentence citing one.
    assert!(!mail.text.contains("Commitment") && !mail.html.contains("Commitment"));
    assert!(!mail.text.contains("\n\n\n"), "no gap left: {}", mail.text);
}

#[test]
fn acknowledgement_says_urgent_only_when_urgent() {
    let templates = embedded();
    let mut data = sample_data(Purpose::Acknowledgement);
    let mail = templates
        .render(Purpose::Acknowledgement, "COL", &data)
        .expect("renders");
    assert!(mail.text.contains("marked as urgent"));
    assert!(mail.text.contains("Thursday 26 November 2026"));
    assert!(mail.text.contains("dutytorefer@colchester.gov.uk"));
    data["urgent"] = json!(false);
    let mail = templates
        .render(Purpose::Acknowledgement, "COL", &data)
        .expect("renders");
    assert!(!mail.text.contains("urgent"));
    assert!(!mail.html.contains("urgent"));
}

#[test]
fn overrides_go_authority_then_folder_then_embedded() {
    let dir = tempfile::tempdir().expect("temporary folder");
    write(
        dir.path(),
        "acknowledgement.txt.hbs",
        "Everyone: {{case_ref}} at {{authority.name}}\n",
    );
    write(
        dir.path(),
        "COL/acknowledgement.txt.hbs",
        "Colchester only: {{case_ref}}\n",
    );
    write(
        dir.path(),
        "COL/acknowledgement.subject.hbs",
        "Colchester {{case_ref}}\n",
    );
    write(dir.path(), "notes.md", "not a template");
    write(dir.path(), ".acknowledgement.txt.hbs.swp", "editor file");
    let templates = Templates::load(Some(dir.path())).expect("loads");
    assert_eq!(errors_of(&templates, &["COL", "BAS"]), Vec::<String>::new());

    let data = sample_data(Purpose::Acknowledgement);
    let col = templates
        .render(Purpose::Acknowledgement, "col", &data)
        .expect("renders");
    assert_eq!(col.subject, "Colchester DTR-COL-2026-00042");
    assert_eq!(col.text, "Colchester only: DTR-COL-2026-00042\n");
    let bas = templates
        .render(Purpose::Acknowledgement, "BAS", &data)
        .expect("renders");
    assert_eq!(bas.subject, "[DTR-COL-2026-00042] Referral received");
    assert_eq!(bas.text, "Everyone: DTR-COL-2026-00042 at Colchester\n");
    assert!(bas.html.contains("What happens next"));
}

#[test]
fn every_purpose_renders_from_an_override_folder() {
    let dir = tempfile::tempdir().expect("temporary folder");
    for purpose in Purpose::ALL {
        for part in Part::ALL {
            let name = file_name(purpose, part);
            let text = EMBEDDED
                .iter()
                .find(|(p, _)| *p == purpose)
                .map(|(_, texts)| texts[part as usize])
                .expect("embedded");
            write(dir.path(), &name, &format!("OVERRIDE {text}"));
            write(dir.path(), &format!("COL/{name}"), &format!("COL {text}"));
        }
    }
    let templates = Templates::load(Some(dir.path())).expect("loads");
    assert_eq!(errors_of(&templates, &["COL", "BAS"]), Vec::<String>::new());
    for purpose in Purpose::ALL {
        let data = sample_data(purpose);
        for (code, marker) in [("COL", "COL "), ("BAS", "OVERRIDE ")] {
            let mail = templates.render(purpose, code, &data).expect("renders");
            assert!(mail.subject.starts_with(marker), "{purpose} {code}");
            assert!(mail.text.starts_with(marker), "{purpose} {code}");
            assert!(mail.html.starts_with(marker), "{purpose} {code}");
        }
    }
}

#[test]
fn a_missing_variable_in_an_override_fails_check_naming_the_file() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = write(
        dir.path(),
        "COL/notice.html.hbs",
        "<p>{{case_ref}}</p>\n<p>{{case_reference}}</p>\n",
    );
    let templates = Templates::load(Some(dir.path())).expect("loads");
    let errors = errors_of(&templates, &["COL"]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let error = &errors[0];
    assert!(error.contains(&path.display().to_string()), "{error}");
    assert!(error.contains("notice mail for COL"), "{error}");
    assert!(error.contains("line 2"), "{error}");
    assert!(error.contains("`case_reference`"), "{error}");
    // Rendering it is refused the same way, never a blank.
    let data = sample_data(Purpose::Notice);
    assert!(templates.render(Purpose::Notice, "COL", &data).is_err());
    assert!(templates.render(Purpose::Notice, "BAS", &data).is_ok());
}

#[test]
fn a_misspelt_if_or_each_inside_fails_check() {
    let dir = tempfile::tempdir().expect("temporary folder");
    write(
        dir.path(),
        "notice.txt.hbs",
        "{{#if urgnet}}URGENT{{/if}}\n",
    );
    write(
        dir.path(),
        "acknowledgement.txt.hbs",
        "{{#each deadlines}}{{what}} {{when}}{{/each}}\n",
    );
    write(
        dir.path(),
        "incomplete.txt.hbs",
        "{{#unless referrer}}Hello{{/unless}}\n",
    );
    let templates = Templates::load(Some(dir.path())).expect("loads");
    let errors = errors_of(&templates, &["COL"]);
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("`urgnet`")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("`when`")), "{errors:?}");
    assert!(
        errors.iter().any(|e| e.contains("`referrer`")),
        "{errors:?}"
    );
}

#[test]
fn broken_files_and_folders_are_named() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = write(dir.path(), "notice.txt.hbs", "line one\n{{#if urgent}}\n");
    let error = Templates::load(Some(dir.path())).expect_err("syntax error");
    let text = error.to_string();
    assert!(text.starts_with(&path.display().to_string()), "{text}");
    assert!(text.contains("line "), "{text}");

    let dir = tempfile::tempdir().expect("temporary folder");
    let path = write(dir.path(), "acknowledgment.txt.hbs", "{{case_ref}}");
    let error = Templates::load(Some(dir.path())).expect_err("unknown name");
    assert!(matches!(&error, TemplateError::UnknownFile { path: p } if *p == path));
    assert!(error.to_string().contains("acknowledgement, incomplete"));

    let dir = tempfile::tempdir().expect("temporary folder");
    write(dir.path(), "colchester/notice.txt.hbs", "{{case_ref}}");
    let error = Templates::load(Some(dir.path())).expect_err("not a code");
    assert!(
        matches!(error, TemplateError::UnexpectedFolder { .. }),
        "{error}"
    );

    let dir = tempfile::tempdir().expect("temporary folder");
    write(dir.path(), "CLO/notice.txt.hbs", "{{case_ref}}");
    let templates = Templates::load(Some(dir.path())).expect("loads");
    let errors = errors_of(&templates, &["COL"]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("no configured authority has the code CLO"));
}

#[test]
fn a_folder_without_templates_keeps_the_defaults() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let templates = Templates::load(Some(dir.path())).expect("loads");
    let mail = templates
        .render(Purpose::BlankForm, "COL", &sample_data(Purpose::BlankForm))
        .expect("renders");
    assert!(mail.text.contains("DUTY TO REFER REFERRAL"));
    assert!(mail.html.contains("<pre"));
}

#[test]
fn values_are_escaped_in_html_and_cannot_break_the_subject() {
    let templates = embedded();
    let hostile = "<script>alert(1)</script> {{authority.inbox}}\r\nBcc: victim@example.org";
    let mut data = sample_data(Purpose::Notice);
    data["case_ref"] = json!(hostile);
    data["referrer_name"] = json!(hostile);
    data["fields"] = json!([{ "label": hostile, "value": hostile }]);
    data["urgent_reasons"] = json!([hostile]);
    for purpose in [Purpose::Notice, Purpose::Acknowledgement] {
        let mail = templates.render(purpose, "COL", &data).expect("renders");
        assert!(!mail.subject.contains(['\r', '\n']), "{}", mail.subject);
        assert!(mail.subject.contains("<script>"), "{}", mail.subject);
        assert!(!mail.html.contains("<script>"), "{purpose}");
        assert!(mail.html.contains("&lt;script&gt;"), "{purpose}");
        // A value is never read as a template.
        assert!(mail.html.contains("{{authority.inbox}}"), "{purpose}");
        assert!(mail.text.contains("{{authority.inbox}}"), "{purpose}");
    }
    let mut data = sample_data(Purpose::QuarantineNotice);
    data["sender"] = json!("\"<b>x</b>\"@example.org");
    let mail = templates
        .render(Purpose::QuarantineNotice, "COL", &data)
        .expect("renders");
    assert!(mail.html.contains("&lt;b&gt;x&lt;/b&gt;"));
    assert!(!mail.html.contains("<b>x"));
}

#[test]
fn subjects_are_one_trimmed_line() {
    assert_eq!(one_line("  a\r\nBcc: b\t c\u{2028}d \n"), "a Bcc: b c d");
    assert_eq!(one_line("\r\n"), "");
}

#[test]
fn referrers_never_see_the_persons_details() {
    let templates = embedded();
    let secret = "Diagnosed with a condition only the council may read";
    let outside: Vec<Purpose> = Purpose::ALL
        .into_iter()
        .filter(|p| !p.shows_person_details())
        .collect();
    // Chases and escalations above all: read by senior managers.
    for purpose in [Purpose::Chase, Purpose::Escalation] {
        assert!(outside.contains(&purpose), "{purpose}");
    }
    assert_eq!(outside.len(), 16);
    for purpose in outside {
        let mut data = sample_data(purpose);
        data["fields"] = json!([{ "label": "Physical health", "value": secret }]);
        data["urgent_reasons"] = json!([secret]);
        data["notes"] = json!([secret]);
        data["sender"] = json!(secret);
        data["reason"] = json!(secret);
        let mail = templates.render(purpose, "COL", &data).expect("renders");
        for part in [&mail.subject, &mail.text, &mail.html] {
            assert!(!part.contains(secret), "{purpose}");
            assert!(!part.contains("Jo Example"), "{purpose}");
        }
    }
    let mut data = sample_data(Purpose::Notice);
    data["fields"] = json!([{ "label": "Physical health", "value": secret }]);
    let mail = templates
        .render(Purpose::Notice, "COL", &data)
        .expect("renders");
    assert!(mail.text.contains(secret) && mail.html.contains(secret));
}

#[test]
fn a_referrers_override_cannot_use_the_fields() {
    let dir = tempfile::tempdir().expect("temporary folder");
    write(
        dir.path(),
        "acknowledgement.html.hbs",
        "{{#each fields}}{{label}}: {{value}}{{/each}}",
    );
    let templates = Templates::load(Some(dir.path())).expect("loads");
    let errors = errors_of(&templates, &["COL"]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("`fields` is not given to mail to referrers"),
        "{errors:?}"
    );
}

#[test]
fn a_chase_or_escalation_override_cannot_use_the_persons_details() {
    let dir = tempfile::tempdir().expect("temporary folder");
    write(
        dir.path(),
        "escalation.txt.hbs",
        "{{#each fields}}{{label}}: {{value}}{{/each}}",
    );
    write(
        dir.path(),
        "COL/chase.html.hbs",
        "<p>{{urgent_reasons.[0]}}</p>",
    );
    let templates = Templates::load(Some(dir.path())).expect("loads");
    let errors = errors_of(&templates, &["COL"]);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("escalation mail") && e.contains("`fields` is not given")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("chase mail for COL") && e.contains("`urgent_reasons")),
        "{errors:?}"
    );
}

/// The lines of `text` under `heading`, up to the next blank line.
fn list_under<'a>(text: &'a str, heading: &str) -> Vec<&'a str> {
    text.lines()
        .skip_while(|l| !l.starts_with(heading))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.strip_prefix("- "))
        .collect()
}

#[test]
fn incomplete_lists_exactly_the_given_labels() {
    let templates = embedded();
    let mut data = sample_data(Purpose::Incomplete);
    data["missing"] = json!(["Date of birth", "Consent to referral", "Referrer phone"]);
    data["invalid"] = json!(["Expected release date"]);
    let mail = templates
        .render(Purpose::Incomplete, "COL", &data)
        .expect("renders");
    // One sentence each, by the form's labels: never a line that reads
    // as a label of the form, should the mail be quoted back.
    assert!(mail
        .text
        .contains("Please give: Date of birth, Consent to referral and Referrer phone.\n"));
    assert!(mail
        .text
        .contains("Please check and write again: Expected release date.\n"));
    assert!(mail
        .html
        .contains("Please give:</strong> Date of birth, Consent to referral and Referrer phone."));
    // The blank form, to fill in again.
    assert!(mail.text.contains(SAMPLE_BLANK_FORM));
    assert!(mail.html.contains("Case lead phone:\n</pre>"));

    data["invalid"] = json!([]);
    let mail = templates
        .render(Purpose::Incomplete, "COL", &data)
        .expect("renders");
    assert!(!mail.text.contains("Please check and write again"));
    assert!(!mail.html.contains("Please check and write again"));
}

#[test]
fn notice_shows_every_field_and_the_urgent_banner() {
    let templates = embedded();
    let data = sample_data(Purpose::Notice);
    let mail = templates
        .render(Purpose::Notice, "COL", &data)
        .expect("renders");
    assert!(mail
        .text
        .starts_with("URGENT\n- Release in 46 days (8 January 2027).\n"));
    assert!(mail
        .text
        .contains("PLEASE NOTE\n- The form says the person is managed under MAPPA"));
    assert!(mail.html.contains(">URGENT</p>"));
    for field in data["fields"].as_array().expect("list") {
        let label = field["label"].as_str().expect("label");
        assert!(mail.text.contains(&format!("{label}: ")), "{label}");
        assert!(mail.html.contains(&format!(">{label}</th>")), "{label}");
    }
    assert!(mail.text.contains("Date of birth: (not given)"));
    assert!(mail.text.contains("Outcome:   incomplete"));
    assert!(mail
        .text
        .contains("Missing: Date of birth and Referrer phone.\n"));
    // A further referral says which case it joins.
    assert!(one_line(&mail.text)
        .contains("The person already has an open case here, DTR-COL-2026-00041."));
}

#[test]
fn templates_can_be_shared_between_tasks() {
    fn shared<T: Send + Sync>() {}
    shared::<Templates>();
}

#[test]
fn a_digest_gives_counts_references_and_dates_and_says_when_nothing_is_due() {
    let templates = embedded();
    let mail = templates
        .render(Purpose::Digest, "COL", &sample_data(Purpose::Digest))
        .expect("renders");
    for line in [
        "New referrals since Friday 4 December 2026 at 09:00: 1",
        "  DTR-COL-2026-00043  received Fri 4 Dec 2026 14:02, Duty to Refer, URGENT",
        "Due today: 1",
        "Overdue: 1",
        "  DTR-COL-2026-00038  A substantive response naming the authority's lead officer (commitment 10), due Wed 2 Dec 2026, owed by the council",
        "Waiting for the council: 1",
    ] {
        // Lines past the width are wrapped: read them joined.
        let joined = one_line(&mail.text);
        let line = one_line(line);
        assert!(joined.contains(&line), "{line}:\n{}", mail.text);
    }
    assert!(!mail.text.contains("Nothing is due"), "{}", mail.text);
    let quiet = templates
        .render(Purpose::Digest, "COL", &sparse_data(Purpose::Digest))
        .expect("renders");
    assert!(
        quiet
            .text
            .contains("Nothing is due today and nothing is overdue."),
        "{}",
        quiet.text
    );
    assert!(
        quiet.html.contains("Nothing is due today"),
        "{}",
        quiet.html
    );
}

#[test]
fn the_form_mails_speak_of_attached_forms_only_when_they_carry_them() {
    let templates = embedded();
    for purpose in [Purpose::BlankForm, Purpose::Incomplete] {
        let mut data = sample_data(purpose);
        let with = templates.render(purpose, "COL", &data).expect("renders");
        assert!(with.text.contains("attached"), "{purpose}: {}", with.text);
        assert!(with.html.contains("attached"), "{purpose}: {}", with.html);
        assert!(!with.text.contains("not as an attachment"), "{}", with.text);
        data["attached_form"] = Value::Null;
        let without = templates.render(purpose, "COL", &data).expect("renders");
        assert!(
            !without.text.contains("attached"),
            "{purpose}: {}",
            without.text
        );
        assert!(
            !without.html.contains("attached"),
            "{purpose}: {}",
            without.html
        );
    }
    // A blank PDF (nothing received that says who the person is) is not
    // said to hold anything.
    let mut data = sample_data(Purpose::Incomplete);
    data["attached_form"] = json!({ "pdf": true, "word": false, "prefilled": false });
    let mail = templates
        .render(Purpose::Incomplete, "COL", &data)
        .expect("renders");
    assert!(!mail.text.contains("already holds"), "{}", mail.text);
    assert!(
        one_line(&mail.text).contains("Or complete the attached PDF form on screen"),
        "{}",
        mail.text
    );
    // The blank form mail names the Word document only when it carries one.
    let mut data = sample_data(Purpose::BlankForm);
    let mail = templates
        .render(Purpose::BlankForm, "COL", &data)
        .expect("renders");
    assert!(one_line(&mail.text).contains("the Word document in Word or LibreOffice"));
    data["attached_form"] = json!({ "pdf": true, "word": false, "prefilled": false });
    let mail = templates
        .render(Purpose::BlankForm, "COL", &data)
        .expect("renders");
    assert!(!mail.text.contains("Word document"), "{}", mail.text);
}

#[test]
fn the_referrer_is_told_of_documents_beside_the_form_that_could_not_be_read() {
    let templates = embedded();
    for purpose in [Purpose::Acknowledgement, Purpose::Incomplete] {
        let mut data = sample_data(purpose);
        let quiet = templates.render(purpose, "COL", &data).expect("renders");
        assert!(!quiet.text.contains("We could not read"), "{}", quiet.text);
        data["unread_documents"] = serde_json::json!(2);
        let told = templates.render(purpose, "COL", &data).expect("renders");
        let text = one_line(&told.text);
        assert!(
            text.contains(
                "We could not read 2 documents attached beside the form. Anything in them"
            ),
            "{purpose}: {text}"
        );
        data["unread_documents"] = serde_json::json!(1);
        let told = templates.render(purpose, "COL", &data).expect("renders");
        let text = one_line(&told.text);
        assert!(
            text.contains(
                "We could not read one document attached beside the form. Anything in it"
            ),
            "{purpose}: {text}"
        );
        assert!(told.html.contains("We could not read"), "{}", told.html);
    }
}

#[test]
fn the_incomplete_mail_says_how_to_write_dates_only_when_it_asks_for_one() {
    let templates = embedded();
    let mut data = sample_data(Purpose::Incomplete);
    let asking = templates
        .render(Purpose::Incomplete, "COL", &data)
        .expect("renders");
    assert!(asking.text.contains("Please write dates as DD/MM/YYYY"));
    data["asks_dates"] = serde_json::json!(false);
    let not_asking = templates
        .render(Purpose::Incomplete, "COL", &data)
        .expect("renders");
    assert!(
        !not_asking.text.contains("Please write dates"),
        "{}",
        not_asking.text
    );
    assert!(
        !not_asking.html.contains("Please write dates"),
        "{}",
        not_asking.html
    );
}

#[test]
fn a_deadline_gone_by_when_sent_is_said_to_have_passed_not_promised() {
    let templates = embedded();
    for purpose in [Purpose::Acknowledgement, Purpose::Notice] {
        let mut data = sample_data(purpose);
        data["deadlines"][1]["passed"] = serde_json::json!(true);
        let rendered = templates.render(purpose, "COL", &data).expect("renders");
        let text = one_line(&rendered.text);
        assert!(
            text.contains(
                "lead officer for this referral: was due by Monday 30 November 2026, \
                 a date that has now passed"
            ),
            "{text}"
        );
        assert!(
            rendered.html.contains(
                "was due by <strong>Monday 30 November 2026</strong>, a date that has now passed"
            ),
            "{}",
            rendered.html
        );
        // The one still to come is promised as before.
        assert!(
            text.contains("An acknowledgement of the referral: by Thursday 26 November 2026"),
            "{text}"
        );
    }
}

#[test]
fn the_incomplete_mail_says_it_cannot_progress_only_without_consent() {
    let templates = embedded();
    let mut data = sample_data(Purpose::Incomplete);
    let waiting = templates
        .render(Purpose::Incomplete, "COL", &data)
        .expect("renders");
    let text = one_line(&waiting.text);
    assert!(
        text.contains("We cannot progress it until the information below is given."),
        "{text}"
    );
    assert!(
        text.contains(
            "the details it gives about the person are deleted from Monday 7 December 2026."
        ),
        "{text}"
    );
    assert!(waiting.html.contains("We cannot progress it"));
    assert!(waiting
        .html
        .contains("deleted from <strong>Monday 7 December 2026</strong>"));
    data["consented"] = serde_json::json!(true);
    data["erased_from"] = serde_json::Value::Null;
    let working = templates
        .render(Purpose::Incomplete, "COL", &data)
        .expect("renders");
    let text = one_line(&working.text);
    assert!(
        text.contains(
            "As the person has consented, we are working on the referral to the protocol's \
             deadlines, but we still need the information below."
        ),
        "{text}"
    );
    for part in [&working.text, &working.html] {
        assert!(!part.contains("We cannot progress it"), "{part}");
        assert!(!part.contains("deleted from"), "{part}");
    }
    assert!(working.html.contains("As the person has consented"));
}

#[test]
fn the_incomplete_mail_says_why_consent_is_asked_again_only_when_it_can() {
    let templates = embedded();
    let mut data = sample_data(Purpose::Incomplete);
    let why = crate::core::referral::ConsentDoubt::Qualified.words();
    data["consent_why"] = serde_json::json!(why);
    let saying = templates
        .render(Purpose::Incomplete, "COL", &data)
        .expect("renders");
    assert!(one_line(&saying.text).contains(why), "{}", saying.text);
    assert!(
        one_line(&saying.html).contains("it carried a condition or a limit"),
        "{}",
        saying.html
    );
    data["consent_why"] = serde_json::Value::Null;
    let silent = templates
        .render(Purpose::Incomplete, "COL", &data)
        .expect("renders");
    for body in [&silent.text, &silent.html] {
        assert!(!body.contains("Your answer on consent"), "{body}");
    }
}
