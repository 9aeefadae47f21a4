//! Example data for each purpose, every key present (`sample_data`) or
//! every optional value empty (`sparse_data`): what `check-config`
//! renders each template with, so that a template asking for a value
//! no mail carries fails there and not on a case.

use super::*;

/// The blank form as the sample mails carry it.
pub(super) const SAMPLE_BLANK_FORM: &str = include_str!("../../templates/blank-form.txt");

/// An example of the data each purpose receives, every key present and
/// every list filled (see the contract at the top of this module). The
/// person is fictional.
pub fn sample_data(purpose: Purpose) -> Value {
    let has_case = !matches!(
        purpose,
        Purpose::BlankForm | Purpose::QuarantineNotice | Purpose::Digest | Purpose::SignIn
    );
    let outcome = match purpose {
        Purpose::Acknowledgement
        | Purpose::Reminder
        | Purpose::Chase
        | Purpose::Escalation
        | Purpose::LeadChanged
        | Purpose::LeadChangePending
        | Purpose::UnreadableAnswer
        | Purpose::ConsentWithdrawn
        | Purpose::WithdrawalConfirmed
        | Purpose::CaseReopened
        | Purpose::InformationRequested => json!("complete"),
        Purpose::Incomplete | Purpose::Notice | Purpose::ConsentLapsed => json!("incomplete"),
        Purpose::NoConsent => json!("no_consent"),
        Purpose::BlankForm
        | Purpose::QuarantineNotice
        | Purpose::Digest
        | Purpose::ContactFailed
        | Purpose::SignIn => Value::Null,
    };
    let field = |label: &str, value: &str| json!({ "label": label, "value": value });
    // The follow-ups of the lead officer deadline (commitment 10 of the
    // Essex protocol), due Monday 30 November: the reminder on the Friday
    // before, the first chase the next working day, the escalation the day
    // after that.
    let sent = |what: &str, on: &str| json!({ "what": what, "on": on, "to": "Sam Lead" });
    let reminder = sent("Reminder", "Friday 27 November 2026");
    let chase = sent("Chase 1", "Tuesday 1 December 2026");
    let (step, overdue, history) = match purpose {
        Purpose::Reminder => (
            json!({ "kind": "reminder", "number": 1, "on": "Friday 27 November 2026", "lead_copied": false }),
            0,
            json!([]),
        ),
        Purpose::Chase => (
            json!({ "kind": "chase", "number": 1, "on": "Tuesday 1 December 2026", "lead_copied": true }),
            1,
            json!([reminder]),
        ),
        Purpose::Escalation => (
            json!({ "kind": "escalation", "number": 1, "on": "Wednesday 2 December 2026", "lead_copied": true }),
            2,
            json!([reminder, chase]),
        ),
        _ => (Value::Null, 0, json!([])),
    };
    let deadline = if purpose.is_follow_up() {
        json!({
            "id": "lead_officer",
            "commitment": "10",
            "what": "A substantive response naming the authority's lead officer",
            "due": "Monday 30 November 2026",
            "due_short": "Mon 30 Nov",
            "owed_by": "authority",
            "working_days_overdue": overdue,
            "asks_for_lead": true,
            "late": false,
            "before_release": false,
        })
    } else {
        Value::Null
    };
    let escalation = if purpose.is_follow_up() {
        json!({
            "to": "Chris Senior",
            "on": "Wednesday 2 December 2026",
            "none": Value::Null,
            "as_head_of_housing_options": true,
            "already": false,
            "authority": "Colchester City Council",
        })
    } else {
        json!({ "to": Value::Null, "on": Value::Null, "none": Value::Null, "as_head_of_housing_options": false, "already": false, "authority": Value::Null })
    };
    let original = if matches!(
        purpose,
        Purpose::Acknowledgement
            | Purpose::Incomplete
            | Purpose::NoConsent
            | Purpose::QuarantineNotice
            | Purpose::UnreadableAnswer
            | Purpose::ConsentWithdrawn
            | Purpose::Notice
    ) {
        json!({ "subject": "Referral: J Example, HMP Chelmsford", "sent": "Monday 23 November 2026 at 10:02", "made": Value::Null })
    } else {
        json!({ "subject": Value::Null, "sent": Value::Null, "made": Value::Null })
    };
    let further = if matches!(purpose, Purpose::Notice) {
        json!({
            "first_case": "DTR-COL-2026-00041",
            "agency": "HMP Chelmsford",
            "referrer_name": "Robin Other",
        })
    } else {
        json!({ "first_case": Value::Null, "agency": Value::Null, "referrer_name": Value::Null })
    };
    let information = json!({
        "what": matches!(purpose, Purpose::InformationRequested)
            .then_some("Please confirm the address he gave for his mother in Harlow."),
    });
    let addressee = match purpose {
        Purpose::Reminder | Purpose::Chase => json!("Sam Lead"),
        Purpose::LeadChangePending => json!("Kim Casework"),
        Purpose::Escalation => json!("Chris Senior"),
        // The council's lead changed: the mail goes to the referrer.
        Purpose::LeadChanged => json!("Alex Morgan"),
        _ => Value::Null,
    };
    let lead = match purpose {
        Purpose::LeadChanged => json!({
            "side": "authority",
            "name": "Jo Officer",
            "email": "jo.officer@colchester.gov.uk",
            "phone": "01206 500000",
            "previous_name": "Sam Lead",
            "claimed_by": Value::Null,
            "bounced": false,
            "first": false,
        }),
        Purpose::LeadChangePending => json!({
            "side": "referrer",
            "name": "Priya Shah",
            "email": "priya.shah@justice.gov.uk",
            "phone": "01245 000000",
            "previous_name": "Kim Casework",
            "claimed_by": "priya.shah@justice.gov.uk",
            "bounced": true,
            "first": false,
        }),
        _ => Value::Null,
    };
    let mut data = json!({
        "case_ref": if has_case { json!("DTR-COL-2026-00042") } else { Value::Null },
        "authority": {
            "name": "Colchester",
            "full_name": "Colchester City Council",
            "code": "COL",
            "inbox": "dutytorefer@colchester.gov.uk",
            "lead_name": "Sam Lead",
            "lead_email": "sam.lead@colchester.gov.uk",
        },
        "protocol": {
            "name": "Essex Prisoner Release Housing Protocol",
            "dispute_resolution": "Annex C of the protocol (dispute resolution)",
            "change_of_lead": "Commitment 11 of the protocol",
        },
        "received": "Monday 23 November 2026 at 10:15",
        "referrer_name": "Alex Morgan",
        "deadlines": [
            { "what": "An acknowledgement of the referral", "by": "Thursday 26 November 2026", "owed_by": "authority", "passed": false },
            {
                "what": "A response naming the council's lead officer for this referral",
                "by": "Monday 30 November 2026",
                "owed_by": "authority",
                "passed": false,
            },
        ],
        "urgent": true,
        "urgent_reasons": [
            "Release in 46 days (8 January 2027).",
            "At risk of rough sleeping.",
        ],
        "notes": [
            "The form says the person is managed under MAPPA, which takes precedence over the protocol.",
        ],
        "outcome": outcome,
        "missing": ["Date of birth", "Referrer phone"],
        "invalid": ["Expected release date"],
        "fields": [
            field("Referral type", "Duty to Refer"),
            field("Full name", "Jo Example"),
            field("Date of birth", ""),
            field("Prison number", "A1234BC"),
            field("Current location", "HMP Chelmsford"),
            field("Custody status", "sentenced"),
            field("Expected release date", "31/02/2027"),
            field("Consent to referral", "Yes"),
            field("At risk of rough sleeping", "Yes"),
            field("Reason at risk of homelessness", "Tenancy ended while in custody.\nNo family able to help."),
            field("Local housing authority", "Colchester"),
            field("Local connection", "resident"),
            field("Physical health", "Asthma"),
            field("Mental health", "Anxiety, under the prison mental health team"),
            field("Risk to others", "MAPPA level 1"),
            field("Risk to self", "None known"),
            field("Referring agency", "HMPPS Probation Service"),
            field("Referrer name", "Alex Morgan"),
            field("Referrer email", "alex.morgan@justice.gov.uk"),
            field("Referrer phone", ""),
        ],
        "blank_form": SAMPLE_BLANK_FORM,
        "sender": "someone@example.org",
        "reason": "the sender's domain example.org is not allowed to refer",
        "portal": false,
        "deadline": deadline,
        "step": step,
        "history": history,
        "addressee": addressee,
        "lead": lead,
        "original": original,
        "escalation": escalation,
        "further": further,
        "information": information,
        "digest": if purpose == Purpose::Digest { sample_digest() } else { Value::Null },
        "failure": if purpose == Purpose::ContactFailed {
            json!({
                "address": "kim.casework@justice.gov.uk",
                "others": ["alex.morgan@justice.gov.uk"],
                "mail": "the chase",
                "kind": "bounced",
                "left": false,
                "reason": "the receiving server says the address does not exist (any more)",
                "on": "Tuesday 1 December 2026 at 09:14",
                "vouched": true,
                "role": "the case lead",
                "advice": "Ask the referring team for a current address, and tell them of the case another way (by phone, or through their secure mail).",
                "replacement": "sam.jones@justice.gov.uk",
            })
        } else {
            Value::Null
        },
        "sign_in": if purpose == Purpose::SignIn {
            json!({ "link": "https://dtr.essex.gov.uk/sign-in/6f1c2a9e0b7d4c3f", "until": "10:45", "minutes": 15 })
        } else {
            Value::Null
        },
        "attached_form": match purpose {
            Purpose::BlankForm => json!({ "pdf": true, "word": true, "prefilled": false }),
            Purpose::Incomplete => json!({ "pdf": true, "word": false, "prefilled": true }),
            _ => Value::Null,
        },
        "unreadable": false,
        "copy_of": Value::Null,
        "quarantined": if purpose == Purpose::QuarantineNotice { json!(42) } else { Value::Null },
        "came_back_empty": false,
        "withdrawal": if purpose == Purpose::ConsentWithdrawn {
            json!({ "by": "the referrer", "said": "He has withdrawn his consent to the referral this morning.", "person": "Jo Example", "never_given": false, "holds": true })
        } else {
            Value::Null
        },
    });
    // Added here: the macro above is at its recursion limit.
    if let Value::Object(map) = &mut data {
        map.insert("several_people".into(), json!(false));
        map.insert("unread_documents".into(), json!(0));
        map.insert("asks_dates".into(), json!(true));
        map.insert("consented".into(), json!(false));
        map.insert(
            "clock_from".into(),
            json!("Thursday 26 November 2026 at 09:30"),
        );
        map.insert(
            "erased_from".into(),
            if purpose == Purpose::Incomplete {
                json!("Monday 7 December 2026")
            } else {
                Value::Null
            },
        );
        map.insert(
            "lapse".into(),
            if purpose == Purpose::ConsentLapsed {
                json!({ "by": "Monday 7 December 2026", "late_answer": true })
            } else {
                Value::Null
            },
        );
        map.insert(
            "consent_why".into(),
            match purpose {
                Purpose::Incomplete => {
                    json!(crate::core::referral::ConsentDoubt::Qualified.words())
                }
                _ => Value::Null,
            },
        );
    }
    data
}

/// A morning digest's data: the day, what came in since the last one, what
/// is due today, overdue, and waiting for the authority.
fn sample_digest() -> Value {
    json!({
        "day": "Monday 7 December 2026",
        "since": "Friday 4 December 2026 at 09:00",
        "new": [
            { "case_ref": "DTR-COL-2026-00043", "received": "Fri 4 Dec 2026 14:02", "kind": "Duty to Refer", "urgent": true },
        ],
        "due_today": [
            { "case_ref": "DTR-COL-2026-00041", "what": "Acknowledge receipt of the referral (commitment 9)", "due": "Mon 7 Dec 2026", "owed_by": "the council" },
        ],
        "overdue": [
            { "case_ref": "DTR-COL-2026-00038", "what": "A substantive response naming the authority's lead officer (commitment 10)", "due": "Wed 2 Dec 2026", "owed_by": "the council" },
        ],
        "waiting": [
            { "case_ref": "DTR-COL-2026-00042", "what": "A substantive response naming the authority's lead officer (commitment 10)", "due": "Thu 10 Dec 2026", "owed_by": "the council" },
        ],
        "undelivered": [
            { "address": "kim.casework@justice.gov.uk", "case_ref": "DTR-COL-2026-00040", "mail": "the chase", "reason": "the receiving server says the address does not exist (any more)", "on": "Fri 4 Dec 2026 11:20", "vouched": true },
        ],
        "consent_to_confirm": [
            { "case_ref": "DTR-COL-2026-00039" },
        ],
        "counts": { "new": 1, "due_today": 1, "overdue": 1, "waiting": 1, "undelivered": 1, "consent_to_confirm": 1 },
        "nothing_due": false,
    })
}

/// [`sample_data`] with every optional value empty: the other side of each
/// `{{#if}}` and `{{#each}}`. The deadline is owed by the referrer, and the
/// lead that changed is the referrer's, for the other side of the tests on
/// `owed_by` and `side`.
pub(super) fn sparse_data(purpose: Purpose) -> Value {
    let mut data = sample_data(purpose);
    if let Value::Object(map) = &mut data {
        map.insert("referrer_name".into(), Value::Null);
        map.insert("urgent".into(), json!(false));
        map.insert("attached_form".into(), Value::Null);
        map.insert("unreadable".into(), json!(true));
        map.insert("addressee".into(), Value::Null);
        map.insert("consented".into(), json!(true));
        map.insert("clock_from".into(), Value::Null);
        map.insert("erased_from".into(), Value::Null);
        map.insert("consent_why".into(), Value::Null);
        if purpose == Purpose::ConsentLapsed {
            map.insert(
                "lapse".into(),
                json!({ "by": "Monday 7 December 2026", "late_answer": false }),
            );
        }
        if purpose == Purpose::ConsentWithdrawn {
            map.insert(
                "withdrawal".into(),
                json!({ "by": "someone at justice.gov.uk who is neither the case's referrer nor its case lead", "said": Value::Null, "person": Value::Null, "never_given": true, "holds": false }),
            );
        }
        if let Some(Value::Object(protocol)) = map.get_mut("protocol") {
            protocol.insert("dispute_resolution".into(), Value::Null);
            protocol.insert("change_of_lead".into(), Value::Null);
        }
        for key in [
            "deadlines",
            "urgent_reasons",
            "notes",
            "missing",
            "invalid",
            "history",
        ] {
            map.insert(key.into(), json!([]));
        }
        map.insert(
            "original".into(),
            json!({ "subject": Value::Null, "sent": Value::Null, "made": "by telephone on Monday 7 December 2026" }),
        );
        if let Some(Value::Object(escalation)) = map.get_mut("escalation") {
            escalation.insert("to".into(), Value::Null);
            escalation.insert(
                "none".into(),
                json!("no escalation contact for the referring side is configured"),
            );
            escalation.insert("as_head_of_housing_options".into(), json!(false));
            escalation.insert("already".into(), json!(false));
            escalation.insert("authority".into(), Value::Null);
        }
        if let Some(Value::Object(deadline)) = map.get_mut("deadline") {
            deadline.insert("id".into(), json!("appointments_confirmed"));
            deadline.insert(
                "what".into(),
                json!("Written confirmation of all appointments made for the date of release"),
            );
            deadline.insert("owed_by".into(), json!("referrer"));
            deadline.insert("asks_for_lead".into(), json!(false));
        }
        if let Some(Value::Object(lead)) = map.get_mut("lead") {
            lead.insert("side".into(), json!("referrer"));
            lead.insert("phone".into(), Value::Null);
            lead.insert("previous_name".into(), Value::Null);
            lead.insert("claimed_by".into(), Value::Null);
            lead.insert("bounced".into(), json!(false));
            lead.insert("first".into(), json!(false));
        }
        if let Some(Value::Object(digest)) = map.get_mut("digest") {
            for key in [
                "new",
                "due_today",
                "overdue",
                "waiting",
                "undelivered",
                "consent_to_confirm",
            ] {
                digest.insert(key.into(), json!([]));
            }
            digest.insert(
                "counts".into(),
                json!({ "new": 0, "due_today": 0, "overdue": 0, "waiting": 0, "undelivered": 0, "consent_to_confirm": 0 }),
            );
            digest.insert("nothing_due".into(), json!(true));
        }
        if let Some(Value::Object(failure)) = map.get_mut("failure") {
            failure.insert("others".into(), json!([]));
            failure.insert("left".into(), json!(true));
            failure.insert("kind".into(), json!("left"));
            failure.insert("vouched".into(), json!(false));
            failure.insert("replacement".into(), Value::Null);
        }
        if let Some(Value::Array(fields)) = map.get_mut("fields") {
            for field in fields.iter_mut() {
                if let Value::Object(field) = field {
                    field.insert("value".into(), json!(""));
                }
            }
        }
    }
    data
}
