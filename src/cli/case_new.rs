//! `dtr-gateway case new`: a referral that came another way (a telephone
//! call, a portal, mail the gateway did not read) recorded by a person, from
//! a form file, from standard input, or field by field at the terminal.

use super::*;
use anyhow::{bail, Result};
use chrono::Utc;
use dtr_gateway::config::Config;
use dtr_gateway::core::referral::Outcome;
use dtr_gateway::intake::{record_by_hand, ByHand};
use dtr_gateway::store::{Action, Store};
use dtr_gateway::terminal::printable;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::process::ExitCode;

/// How a referral recorded by hand reached the authority: a telephone
/// call, a portal (an ALERT notification), mail the gateway did not read
/// (another inbox, a forward), or anything else (in person, by post).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Route {
    Phone,
    Portal,
    Email,
    Other,
}

impl Route {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Route::Phone => "phone",
            Route::Portal => "portal",
            Route::Email => "email",
            Route::Other => "other",
        }
    }

    fn words(self) -> &'static str {
        match self {
            Route::Phone => "by telephone",
            Route::Portal => "through a portal",
            Route::Email => "by email",
            Route::Other => "by another route",
        }
    }
}

/// What `case new` was given.
pub(crate) struct NewCase {
    pub(crate) authority: Option<String>,
    pub(crate) file: Option<PathBuf>,
    pub(crate) route: Option<Route>,
    pub(crate) by: Option<String>,
    pub(crate) again: bool,
    /// The quarantined message the referral is read from.
    pub(crate) quarantined: Option<i64>,
}

/// Who runs the command, for the record: `--by`, else the login name.
fn who(by: Option<String>) -> String {
    by.filter(|b| !b.trim().is_empty())
        .or_else(|| std::env::var("SUDO_USER").ok())
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .filter(|b| !b.trim().is_empty())
        .or_else(login_name)
        .map(|b| b.trim().to_string())
        .unwrap_or_else(|| "an unnamed operator".into())
}

/// The login name of the user running the command, from the password
/// file, when the environment does not say (a service, `env -i`).
fn login_name() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut parts = line.split(':');
        let name = parts.next()?;
        let id = parts.nth(1)?;
        (id.parse::<u32>().ok()? == uid).then(|| name.to_string())
    })
}

/// The most a form may hold: a form is a page, not a file of anything.
const MAX_FORM_BYTES: u64 = 256 * 1024;

pub(crate) async fn new_case(config: &Config, store: &Store, args: NewCase) -> Result<ExitCode> {
    // A quarantined message says where the referral came, when and from
    // whom: only the form's answers are typed.
    let quarantined = match args.quarantined {
        Some(id) => Some(waiting_message(config, store, id).await?),
        None => None,
    };
    let arrived_at = quarantined.as_ref().map(|(message, authority)| {
        (
            config.authorities.by_code(authority),
            message.received_at,
            message.id,
        )
    });
    let given = match (args.authority, &arrived_at) {
        (Some(given), _) => given,
        (None, Some((Some(authority), _, _))) => authority.code.to_string(),
        (None, _) => {
            bail!("which authority is the referral for? give --authority CODE (e.g. COL)")
        }
    };
    let Some(code) = authority_code(config, Some(given))? else {
        bail!("which authority is the referral for? give --authority CODE (e.g. COL)");
    };
    let Some(authority) = config.authorities.by_code(&code) else {
        bail!("no authority `{code}` in the configuration");
    };
    if let Some((Some(arrived), _, id)) = &arrived_at {
        if arrived.code != authority.code {
            bail!(
                "quarantined message {id} arrived for {} ({}), not {}: record it for {}, or \
                 leave out --authority",
                arrived.full_name(),
                arrived.code,
                authority.code,
                arrived.code
            );
        }
    }
    // A message set aside came by email, unless the person says otherwise.
    let route = match (args.route, &quarantined) {
        (Some(route), _) => route,
        (None, Some(_)) => Route::Email,
        (None, None) => {
            bail!("how did the referral come? give --route phone, portal, email or other")
        }
    };
    let form = match &args.file {
        Some(path) => {
            let file = std::fs::File::open(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let bytes =
                read_limited(file).with_context(|| format!("cannot read {}", path.display()))?;
            form_text(bytes)
                .map_err(|why| anyhow::anyhow!("not recorded: {}: {why}", path.display()))?
        }
        None if std::io::stdin().is_terminal() => ask_field_by_field(config, authority)?,
        None => {
            let bytes = read_limited(std::io::stdin())
                .context("cannot read the form from standard input")?;
            form_text(bytes)
                .map_err(|why| anyhow::anyhow!("not recorded: the standard input: {why}"))?
        }
    };
    // Two answers at the least (a name and a date of birth, say): a note
    // or a blank form is not a referral.
    if dtr_gateway::core::form::read_form(&with_heading(&form))
        .values
        .len()
        < 2
    {
        bail!(
            "not recorded: the text is not a referral form (it needs the form's labels, \
             such as `Full name:` and `Date of birth:`, with answers)"
        );
    }
    let form = with_heading(&form);
    let by = who(args.by);
    let (analysis, recorded) = record_by_hand(
        store,
        config,
        ByHand {
            authority,
            form: &form,
            route: route.name(),
            by: &by,
            at: Utc::now(),
            again: args.again,
            quarantined: quarantined.as_ref().map(|(message, _)| message),
        },
    )
    .await?;
    let settled = |reference: &dtr_gateway::core::case_ref::CaseRef| {
        if let Some((id, at)) = quarantined.as_ref().map(|(m, _)| (m.id, m.received_at)) {
            println!(
                "Quarantined message {id} is settled as recorded by hand as {reference}; the \
                 referral counts as received when the message arrived ({}), and its sender's \
                 replies join the case.",
                dtr_gateway::core::words::spoken_time(at)
            );
        }
    };
    let reference = match (&recorded.action, &recorded.case) {
        (Action::Opened | Action::Linked | Action::Refused, Some(reference)) => reference,
        // The person's incomplete case, completed by this form.
        (Action::AttachedReferral | Action::Noted(_), Some(reference)) => {
            println!(
                "Already recorded as {reference}, incomplete: the form completes it; no new \
                 case is opened."
            );
            settled(reference);
            println!("See it with: dtr-gateway case {reference}");
            return Ok(ExitCode::SUCCESS);
        }
        (Action::Quarantined(why), _) => bail!("not recorded: {why}"),
        _ => bail!(
            "not recorded: the text is not a referral form (it needs the form's labels, \
             such as `Full name:` and `Date of birth:`)"
        ),
    };
    println!(
        "Recorded {reference} for {}: a referral made {}, entered by {}.",
        authority.full_name(),
        route.words(),
        printable(&by)
    );
    let read = analysis.referral.as_ref();
    match (&recorded.action, read.map(|r| r.outcome)) {
        (Action::Refused, _) | (_, Some(Outcome::NoConsent)) => println!(
            "The person has not consented: recorded as a refusal, nothing kept about them."
        ),
        (_, Some(Outcome::Incomplete)) => {
            let missing: Vec<&str> = read
                .map(|r| {
                    r.missing
                        .iter()
                        .chain(r.invalid.iter())
                        .map(|f| f.label())
                        .collect()
                })
                .unwrap_or_default();
            // The clock runs once the person has consented (see
            // `Store::deadline_cases`).
            let consented = read.is_some_and(|r| r.referral.consent == Some(true));
            println!(
                "The referral is incomplete: {} still to come. {}",
                missing.join(", "),
                if consented {
                    "The person has consented, so its deadlines run from when it was received."
                } else {
                    "Its deadlines start once the person's consent is confirmed."
                }
            );
        }
        _ if quarantined.is_some() => {
            println!("The referral is complete: its deadlines run from when the message arrived.")
        }
        _ => println!("The referral is complete: its deadlines run from today."),
    }
    if let Action::Linked = recorded.action {
        println!("The person has an open case already: this one is linked to it.");
    }
    let given = read.and_then(|r| r.referral.referrer_email.clone());
    let referrer = given
        .clone()
        .filter(|a| config.allows_sender(a) && !config.is_portal_sender(a));
    match referrer {
        None if given.as_ref().is_some_and(|a| config.is_portal_sender(a)) => println!(
            "No mail is sent: the form's referrer address ({}) is a no-reply or portal \
             address, which gets no mail. Tell the referrer the reference yourself.",
            printable(given.as_ref().map(|a| a.as_str()).unwrap_or(""))
        ),
        Some(address) => println!(
            "The referrer ({}) is written to as the protocol requires, as for a referral by email.",
            printable(address.as_str())
        ),
        None => println!(
            "No mail is sent: the form gives no referrer address at a domain allowed to refer. \
             Tell the referrer the reference yourself."
        ),
    }
    settled(reference);
    println!("See it with: dtr-gateway case {reference}");
    Ok(ExitCode::SUCCESS)
}

/// The quarantined message a referral is recorded from, still waiting,
/// and the code of the authority whose inbox it arrived in.
async fn waiting_message(
    config: &Config,
    store: &Store,
    id: i64,
) -> Result<(dtr_gateway::store::Quarantined, String)> {
    let Some(message) = store
        .quarantined_message(dtr_gateway::core::ids::StoredMessageId::new(id))
        .await?
    else {
        bail!("no quarantined message {id} (see `dtr-gateway quarantine`)");
    };
    if let Some(settled) = &message.settled {
        bail!(
            "quarantined message {id} is already settled: {} on {} by {}{}; nothing was recorded",
            settled.how,
            dtr_gateway::core::words::short_time(settled.at),
            printable(&settled.by),
            settled
                .note
                .as_deref()
                .map(|n| format!(" ({})", printable(n)))
                .unwrap_or_default()
        );
    }
    let Some(authority) = config
        .mailbox(&message.mailbox)
        .and_then(|m| config.authority_of(m))
    else {
        bail!(
            "quarantined message {id} arrived in mailbox `{}`, which is no longer configured \
             for an authority",
            printable(&message.mailbox)
        );
    };
    let code = authority.code.to_string();
    Ok((message, code))
}

/// Up to one byte more than a form may hold: enough to know it is too
/// large, never the whole of a large file.
fn read_limited(source: impl Read) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    source.take(MAX_FORM_BYTES + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The form's text, or why it is none: larger than a form may be (never
/// cut to size), or not text.
fn form_text(bytes: Vec<u8>) -> Result<String, String> {
    if bytes.len() as u64 > MAX_FORM_BYTES {
        return Err(format!(
            "the form is larger than {} KiB; nothing was recorded",
            MAX_FORM_BYTES / 1024
        ));
    }
    String::from_utf8(bytes)
        .map_err(|_| "it is not a text file (UTF-8): save the form as plain text".to_string())
}

/// The form's heading, when a person typed the fields without it.
fn with_heading(form: &str) -> String {
    if form.to_ascii_uppercase().contains("DUTY TO REFER REFERRAL") {
        form.to_string()
    } else {
        format!("DUTY TO REFER REFERRAL\n{form}")
    }
}

/// Asks for each field of the referral template in turn, label by label,
/// with the template's hint; an empty answer leaves the field empty.
fn ask_field_by_field(
    config: &Config,
    authority: &dtr_gateway::core::authority::Authority,
) -> Result<String> {
    println!(
        "Type each answer and press Enter; press Enter alone to leave a field empty. \
         The labels are the referral form's."
    );
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut form = String::from("DUTY TO REFER REFERRAL\n");
    'fields: for line in dtr_gateway::outbox::BLANK_FORM.lines() {
        let Some((label, hint)) = line.split_once(':') else {
            continue;
        };
        let (label, hint) = (label.trim(), hint.trim());
        if label.is_empty() || label.eq_ignore_ascii_case("DUTY TO REFER REFERRAL") {
            continue;
        }
        loop {
            if hint.is_empty() {
                print!("{label}: ");
            } else {
                print!("{label} {hint}: ");
            }
            std::io::stdout().flush()?;
            let answer = match lines.next() {
                Some(answer) => answer?,
                None => break 'fields,
            };
            let answer = answer.trim();
            // A date, a yes or no, an address the form reader cannot read
            // is asked again, not taken.
            if let Some(why) = unreadable(config, authority, label, answer) {
                println!("{why}: type it again, or press Enter to leave it empty.");
                continue;
            }
            form.push_str(&format!("{label}: {answer}\n"));
            break;
        }
    }
    Ok(form)
}

/// Why one answer cannot be read as its field's kind (a date, yes or no,
/// an address), as the form reader would find it; `None` when it can, or
/// is empty.
fn unreadable(
    config: &Config,
    authority: &dtr_gateway::core::authority::Authority,
    label: &str,
    answer: &str,
) -> Option<String> {
    use dtr_gateway::core::referral::{interpret, ReadingContext};
    if answer.is_empty() {
        return None;
    }
    let reading =
        dtr_gateway::core::form::read_form(&format!("DUTY TO REFER REFERRAL\n{label}: {answer}\n"));
    let field = *reading.values.keys().next()?;
    let read = interpret(
        &reading,
        &ReadingContext {
            sent_on: dtr_gateway::core::uk::date(Utc::now()),
            authorities: &config.authorities,
            receiving_authority: Some(authority),
        },
    );
    read.invalid.contains(&field).then(|| {
        let label = label.to_ascii_lowercase();
        let kind = if label.contains("date") {
            "a date (such as 14/07/1988)"
        } else if label.contains("email") {
            "an email address"
        } else if label.contains("phone") {
            "a telephone number"
        } else {
            "an answer this field takes (yes or no, or one of its choices)"
        };
        format!("\"{}\" cannot be read as {kind}", printable(answer))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_the_form_reader_cannot_read_is_asked_again_with_why() {
        let (config, _) = Config::embedded().expect("embedded configuration");
        let authority = config.authorities.by_code("COL").expect("Colchester");
        let ask = |label: &str, answer: &str| unreadable(&config, authority, label, answer);
        let why = ask("Date of birth", "the fourteenth-ish").expect("not a date");
        assert!(why.contains("cannot be read as a date"), "{why}");
        assert!(ask("Date of birth", "14/07/1988").is_none());
        assert!(ask("Consent to referral", "perhaps").is_some());
        assert!(ask("Consent to referral", "Yes").is_none());
        let why = ask("Referrer email", "jo at justice").expect("not an address");
        assert!(why.contains("an email address"), "{why}");
        assert!(ask("Referrer email", "jo.probation@justice.gov.uk").is_none());
        // Nothing typed leaves the field empty.
        assert!(ask("Date of birth", "").is_none());
    }

    #[test]
    fn the_operator_is_named_by_the_password_file_when_the_environment_does_not() {
        let name = login_name().expect("the user running the tests has a login name");
        assert!(!name.is_empty() && !name.contains(':'), "{name}");
    }
}
