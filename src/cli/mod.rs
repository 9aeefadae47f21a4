//! The verbs of the `dtr-gateway` command, one module each, and what
//! they share.

use anyhow::{Context as _, Result};
use chrono::Utc;
use clap::Subcommand;
use dtr_gateway::config::{Config, Problem};
use dtr_gateway::store::{shown_url, Store};
use dtr_gateway::terminal::printable_lines;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod access;
mod bench;
mod case;
mod case_new;
mod case_view;
mod check_config;
mod due;
mod holidays;
mod ingest;
mod outbox;
mod parse;
mod purge;
mod quarantine;
mod report;
mod run;
mod status;
mod status_warnings;
mod sweep;

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Print what a message file is, as JSON (the parse contract, v2:
    /// docs/parse-contract.md).
    Parse {
        /// The message, as a .eml file.
        file: PathBuf,
        /// Add why what was not read was set aside (the message, an
        /// attached document), under `explain`: outside the contract.
        #[arg(long)]
        explain: bool,
    },
    /// Load and check the configuration; list every problem.
    CheckConfig,
    /// Record message files as if they had arrived in a mailbox.
    Ingest {
        /// The mailbox's name in the configuration (e.g. colchester).
        #[arg(long)]
        mailbox: String,
        /// The messages, as .eml files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List cases: the person, the referrer, the next deadline and its
    /// state.
    Cases {
        /// Only this authority's (its code, e.g. COL, or its name).
        #[arg(long)]
        authority: Option<String>,
        /// Only cases still open (open or incomplete).
        #[arg(long)]
        open: bool,
        /// Only cases with a deadline due that day: `today`, or a date such
        /// as 24/12/2026.
        #[arg(long, value_parser = case::parse_due)]
        due: Option<case::DueOn>,
        /// Only cases with a deadline already past.
        #[arg(long)]
        overdue: bool,
        /// Only cases whose person's name, prison number, CRN or reference
        /// holds this text (any letter case).
        #[arg(long)]
        search: Option<String>,
        /// See the deadlines as on this date (24/12/2026 or 2026-12-24)
        /// instead of today.
        #[arg(long, value_parser = parse_day)]
        now: Option<chrono::NaiveDate>,
    },
    /// Show one case and its timeline, or record what happened to it; or,
    /// as `case new`, record a referral that came another way (a telephone
    /// call, a portal): from `--file`, from standard input, or field by
    /// field at the terminal.
    Case {
        /// The case reference (DTR-COL-2026-00001, any letter case), or `new`.
        reference: String,
        /// Print the case as JSON, for programs.
        #[arg(long)]
        json: bool,
        /// With `case new`: the authority (its code, e.g. COL, or name).
        #[arg(long)]
        authority: Option<String>,
        /// With `case new`: the form, a text file in the template's words.
        #[arg(long)]
        file: Option<PathBuf>,
        /// With `case new`: how the referral came.
        #[arg(long, value_enum)]
        route: Option<case_new::Route>,
        /// With `case new`: who records it (by default the login name).
        #[arg(long)]
        by: Option<String>,
        /// `case new`: record the referral even when the person has an
        /// open case at the authority (a further referral, linked to it).
        #[arg(long)]
        again: bool,
        /// `case new`: the referral is a quarantined message the gateway
        /// could not read (its number, as `quarantine` lists it): the
        /// sender, the time it arrived, the mailbox and its thread are
        /// taken from it, and it is settled as recorded by hand.
        #[arg(long, value_name = "ID")]
        quarantined: Option<i64>,
        #[command(subcommand)]
        action: Option<CaseAction>,
    },
    /// Write the reminders, chases and escalations due to the outbox, once
    /// (the daemon does this every minute); each step is written only once.
    /// As at another time (`--now`) it only shows what would be sent,
    /// unless `--record` is given.
    Sweep {
        /// Sweep as at this time (01/12/2026 14:30 UK time, or
        /// 2026-12-01T14:30:00Z), or a date (01/12/2026: 10:00 UK time that
        /// day), instead of now.
        #[arg(long, value_parser = parse_sweep_time)]
        now: Option<chrono::DateTime<Utc>>,
        /// Show what would be sent; record and send nothing.
        #[arg(long, conflicts_with = "record")]
        dry_run: bool,
        /// With --now: record the steps and queue their mail for real
        /// (it goes to real people at once).
        #[arg(long)]
        record: bool,
    },
    /// Erase the personal details of cases closed longer ago than
    /// `[retention] closed_case_months` (and of refusals and of messages of
    /// no case recorded that long ago), and of incomplete cases whose
    /// consent was not confirmed within `unconfirmed_consent_days`, keeping
    /// what the report counts (the daemon does this daily).
    Purge {
        /// Count what would be erased, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Purge as at this time (01/12/2028 10:00, 2028-12-01T10:00:00Z),
        /// or a date (01/12/2028: its start in UK time), instead of now.
        #[arg(long, value_parser = parse_instant)]
        now: Option<chrono::DateTime<Utc>>,
    },
    /// Watch every configured mailbox and record what arrives, until
    /// SIGINT or SIGTERM.
    Run,
    /// Each watched mailbox and folder: state, last UID, last message, last
    /// error, messages recorded today; the sender's health; and the
    /// contacts whose mail does not arrive (a bounce, a block, a leaver's
    /// automatic reply in the last 30 days), with what to do about each.
    Status {
        /// See the failing contacts as at this time (24/12/2026 09:00 or
        /// 2026-12-24T09:00:00Z) instead of now.
        #[arg(long, value_parser = parse_instant)]
        now: Option<chrono::DateTime<Utc>>,
    },
    /// The gateway's mail: queued, sent and failed.
    Outbox {
        /// Only mail that failed.
        #[arg(long)]
        failed: bool,
        #[command(subcommand)]
        action: Option<OutboxAction>,
    },
    /// Open deadlines, due or overdue, red/amber/green, most pressing first.
    Due {
        /// Only this authority's (its code, e.g. COL, or its name).
        #[arg(long)]
        authority: Option<String>,
        /// See the deadlines as on this date (24/12/2026 or 2026-12-24)
        /// instead of today.
        #[arg(long, value_parser = parse_day)]
        now: Option<chrono::NaiveDate>,
    },
    /// Who viewed or did what in the web view, oldest first: a line a
    /// record, in UK time, with the filters and search asked of each page.
    Access {
        /// Only this person's (their email address).
        #[arg(long)]
        person: Option<String>,
        /// Only from this date on (24/12/2026 or 2026-12-24).
        #[arg(long, value_parser = parse_day)]
        since: Option<chrono::NaiveDate>,
    },
    /// The outcomes report for a quarter, per authority (commitment 23):
    /// counts and rates, no personal data.
    Report {
        /// The quarter, e.g. 2026Q4.
        #[arg(long)]
        quarter: dtr_gateway::core::report::Quarter,
        /// Only this authority's (its code, e.g. COL, or its name).
        #[arg(long)]
        authority: Option<String>,
        /// A markdown table to read or paste, or CSV for a spreadsheet.
        #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
        format: ReportFormat,
    },
    /// Messages set aside for a person: list them, or show, release or
    /// dismiss one.
    Quarantine {
        #[command(subcommand)]
        action: Option<QuarantineAction>,
    },
    /// Contacts whose mail does not arrive (listed by `status`).
    Contacts {
        #[command(subcommand)]
        action: ContactsAction,
    },
    /// Bank holidays.
    Holidays {
        #[command(subcommand)]
        action: HolidaysAction,
    },
    /// Measure the gateway's speed.
    Bench {
        #[command(subcommand)]
        what: BenchWhat,
    },
}

#[derive(Subcommand)]
pub(crate) enum ContactsAction {
    /// The address was corrected (or works again): `status` no longer
    /// lists it.
    Clear {
        /// The address, as `status` lists it.
        address: String,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum ReportFormat {
    Markdown,
    Csv,
}

#[derive(Subcommand)]
pub(crate) enum CaseAction {
    /// The authority has responded, naming its lead officer (commitment 10).
    /// A different lead from the one recorded is a change, and the referring
    /// side is told (commitment 11).
    Respond {
        /// The council's lead officer: "Name <email>", or either alone.
        #[arg(long)]
        lead: Option<String>,
        /// The lead officer's telephone number (with --lead).
        #[arg(long)]
        phone: Option<String>,
    },
    /// Open again a case closed by mistake (by hand, or on a withdrawal of
    /// consent the council confirmed): its deadlines run again.
    Reopen,
    /// Close the case: its deadlines end.
    Close {
        /// What came of it, for the outcomes report.
        #[arg(long, value_enum)]
        outcome: Outcome,
        /// A few words more (needed with `--outcome other`).
        #[arg(long)]
        note: Option<String>,
    },
    /// No reminders, chases or escalations before this date.
    Pause {
        /// A date such as 24/12/2026 or 2026-12-24.
        #[arg(long, value_parser = parse_day)]
        until: chrono::NaiveDate,
    },
    /// The expected release date moved (Home Detention Curfew, parole, an
    /// early release): the release-relative deadlines and the urgency are
    /// worked out again.
    Release {
        /// The new date, such as 14/03/2027.
        #[arg(value_parser = parse_day)]
        date: chrono::NaiveDate,
    },
    /// The homeless application was received on this date: deadlines that
    /// run from the application (commitment 10) count from it.
    Application {
        /// The date, such as 02/12/2026.
        #[arg(value_parser = parse_day)]
        date: chrono::NaiveDate,
    },
    /// A deadline was met in a way the gateway cannot see (by its rule id,
    /// as `due` lists it).
    Met {
        /// The rule's id, as `due` lists it (`rule acknowledge`); the
        /// configured protocol's ids are listed when one is not known.
        rule: String,
    },
}

/// The outcomes a case may close with (the report counts each).
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum Outcome {
    #[value(alias = "accommodation secured")]
    AccommodationSecured,
    #[value(alias = "personal housing plan agreed")]
    PersonalHousingPlanAgreed,
    #[value(alias = "not eligible")]
    NotEligible,
    #[value(alias = "referred elsewhere")]
    ReferredElsewhere,
    #[value(alias = "no contact")]
    NoContact,
    #[value(alias = "consent withdrawn")]
    ConsentWithdrawn,
    Other,
}

impl Outcome {
    pub(crate) fn core(self) -> dtr_gateway::core::report::CaseOutcome {
        use dtr_gateway::core::report::CaseOutcome as O;
        match self {
            Outcome::AccommodationSecured => O::AccommodationSecured,
            Outcome::PersonalHousingPlanAgreed => O::PersonalHousingPlanAgreed,
            Outcome::NotEligible => O::NotEligible,
            Outcome::ReferredElsewhere => O::ReferredElsewhere,
            Outcome::NoContact => O::NoContact,
            Outcome::ConsentWithdrawn => O::ConsentWithdrawn,
            Outcome::Other => O::Other,
        }
    }
}

#[derive(Subcommand)]
pub(crate) enum OutboxAction {
    /// Send a failed mail again.
    Retry {
        /// Its number, as `outbox` lists it.
        id: i64,
    },
}

#[derive(Subcommand)]
pub(crate) enum QuarantineAction {
    /// Everything recorded about one quarantined message.
    Show {
        /// Its number, as `quarantine` lists it.
        id: i64,
    },
    /// Record the message as what it is, as if it had been allowed: a
    /// referral opens its case and is answered. The release, and who ran
    /// it, go on the case.
    Release {
        /// Its number, as `quarantine` lists it.
        id: i64,
        /// Who releases it (the login name when not given).
        #[arg(long)]
        by: Option<String>,
    },
    /// Leave the message set aside for good, saying why.
    Dismiss {
        /// Its number, as `quarantine` lists it.
        id: i64,
        /// Why nothing is to be done (spam, recorded by hand as DTR-...).
        #[arg(long)]
        reason: String,
        /// Who dismisses it (the login name when not given).
        #[arg(long)]
        by: Option<String>,
    },
}

#[derive(Subcommand)]
pub(crate) enum HolidaysAction {
    /// Read gov.uk's bank-holidays.json and store its England & Wales dates
    /// as the configuration folder's bank-holidays.json.
    Import {
        /// gov.uk's bank-holidays.json, downloaded.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
pub(crate) enum BenchWhat {
    /// The deadline sweep over many open cases, in a new database of its
    /// own (removed afterwards), as on a working day at 10:00.
    Sweep {
        /// How many open cases to sweep over.
        #[arg(long, default_value_t = 100_000)]
        cases: usize,
    },
    /// Record many distinct referrals through intake into a new database
    /// of its own (removed afterwards): messages per second.
    Intake {
        /// How many referrals to record.
        #[arg(long, default_value_t = 5_000)]
        messages: usize,
        /// Mailboxes taking mail at once.
        #[arg(long, default_value_t = 1)]
        streams: usize,
        /// Gateways sharing the store, each with its own connections; the
        /// mailboxes are shared out among them.
        #[arg(long, default_value_t = 1)]
        instances: usize,
        /// A PostgreSQL server to measure on (`postgres://USER@HOST/DB`):
        /// a new database is made on it and dropped afterwards. SQLite
        /// (a temporary file) when not given.
        #[arg(long)]
        postgres: Option<String>,
    },
    /// The web view over many open cases of one authority, in a new
    /// database of its own (removed afterwards): an officer signing in
    /// and reading `/cases`, over HTTP on loopback, in milliseconds.
    Web {
        /// How many open cases the officer's authority has.
        #[arg(long, default_value_t = 10_000)]
        cases: usize,
        /// How many times each request is timed.
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
    /// Parse every .eml file of the folders given, repeatedly, on one core;
    /// and read every .docx, .odt and .pdf as an attached form is read.
    Parse {
        /// Folders of .eml files.
        #[arg(required = true)]
        folders: Vec<PathBuf>,
        /// Seconds to run for.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
}

/// What every verb may be given besides its own arguments.
pub struct Options {
    /// The configuration folder; the embedded configuration when none.
    pub config: Option<PathBuf>,
    /// A database URL overriding the configuration's.
    pub database: Option<String>,
}

/// Runs one verb. Every verb is named here, so a new one cannot be left
/// out without the compiler saying so.
pub fn run(options: Options, command: Command) -> Result<ExitCode> {
    let dir = options.config.as_deref();
    match command {
        Command::Parse { file, explain } => parse::parse(dir, &file, explain),
        Command::CheckConfig => Ok(check_config::check_config(dir)),
        Command::Holidays {
            action: HolidaysAction::Import { file },
        } => holidays::import_holidays(dir, &file),
        Command::Bench { what } => match what {
            BenchWhat::Parse { folders, seconds } => bench::bench_parse(dir, &folders, seconds),
            BenchWhat::Sweep { cases } => bench::bench_sweep(dir, cases),
            BenchWhat::Web { cases, runs } => bench::bench_web(dir, cases, runs),
            BenchWhat::Intake {
                messages,
                streams,
                instances,
                postgres,
            } => bench::bench_intake(dir, messages, streams, instances, postgres.as_deref()),
        },
        Command::Run => {
            let (runtime, config, store) = open(&options, true)?;
            runtime.block_on(run::run_daemon(config, store))
        }
        Command::Ingest { mailbox, files } => {
            let (runtime, config, store) = open(&options, false)?;
            runtime.block_on(ingest::ingest_files(&config, &store, &mailbox, &files))
        }
        Command::Cases {
            authority,
            open: only_open,
            due,
            overdue,
            search,
            now,
        } => {
            let (runtime, config, store) = open(&options, false)?;
            let filter = case::CaseFilter {
                authority,
                open: only_open,
                due,
                overdue,
                search,
                now,
            };
            runtime.block_on(case::list_cases(&config, &store, filter))
        }
        Command::Case {
            reference,
            json,
            authority,
            file,
            route,
            by,
            again,
            quarantined,
            action,
        } => {
            if reference.trim().eq_ignore_ascii_case("new") {
                if action.is_some() || json {
                    anyhow::bail!(
                        "`case new` takes --authority, --route, --file, --by, --again and \
                         --quarantined only"
                    );
                }
                let (runtime, config, store) = open(&options, false)?;
                let args = case_new::NewCase {
                    authority,
                    file,
                    route,
                    by,
                    again,
                    quarantined,
                };
                return runtime.block_on(case_new::new_case(&config, &store, args));
            }
            if authority.is_some()
                || file.is_some()
                || route.is_some()
                || by.is_some()
                || again
                || quarantined.is_some()
            {
                anyhow::bail!(
                    "--authority, --file, --route, --by, --again and --quarantined go with \
                     `case new`, to record a referral by hand"
                );
            }
            let reference = reference.trim().to_ascii_uppercase();
            let (runtime, config, store) = open(&options, false)?;
            runtime.block_on(async {
                match action {
                    None => case_view::show_case(&config, &store, &reference, json).await,
                    Some(action) => case::case_action(&config, &store, &reference, action).await,
                }
            })
        }
        Command::Sweep {
            now,
            dry_run,
            record,
        } => {
            let (runtime, config, store) = open(&options, false)?;
            runtime.block_on(sweep::sweep(&config, &store, now, dry_run, record))
        }
        Command::Purge { dry_run, now } => {
            let (runtime, config, store) = open(&options, false)?;
            runtime.block_on(purge::purge(&config, &store, dry_run, now))
        }
        Command::Status { now } => {
            let (runtime, config, store) = open(&options, false)?;
            runtime.block_on(async {
                let code = status::show_status(&store).await?;
                status::show_sender(&store).await?;
                status::show_failing_contacts(&config, &store, now.unwrap_or_else(Utc::now))
                    .await?;
                status_warnings::show_warnings(&config, &store).await?;
                Ok(code)
            })
        }
        Command::Outbox { failed, action } => {
            let (runtime, _, store) = open(&options, false)?;
            runtime.block_on(outbox::outbox(&store, failed, action))
        }
        Command::Contacts {
            action: ContactsAction::Clear { address },
        } => {
            let (runtime, _, store) = open(&options, false)?;
            runtime.block_on(async {
                let cleared = store.clear_contact(&address, Utc::now()).await?;
                if cleared == 0 {
                    anyhow::bail!(
                        "{} is not listed as a contact whose mail does not arrive",
                        dtr_gateway::terminal::printable(&address)
                    );
                }
                println!(
                    "{} is no longer listed ({cleared} failure(s) cleared)",
                    dtr_gateway::terminal::printable(&address)
                );
                Ok(ExitCode::SUCCESS)
            })
        }
        Command::Quarantine { action } => {
            let (runtime, config, store) = open(&options, false)?;
            runtime.block_on(quarantine::quarantine(&config, &store, action))
        }
        Command::Due { authority, now } => {
            let (runtime, config, store) = open(&options, false)?;
            runtime.block_on(due::due(&config, &store, authority, now))
        }
        Command::Access { person, since } => {
            let (runtime, _config, store) = open(&options, false)?;
            runtime.block_on(access::access(&store, person, since))
        }
        Command::Report {
            quarter,
            authority,
            format,
        } => {
            let (runtime, config, store) = open(&options, false)?;
            runtime.block_on(report::report(
                dir, &config, &store, quarter, authority, format,
            ))
        }
    }
}

/// The one async runtime a verb runs on.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// The configuration, and the store it names (or `--database`), opened on
/// a runtime.
fn open(options: &Options, daemon: bool) -> Result<(tokio::runtime::Runtime, Config, Store)> {
    let config = load_config(options.config.as_deref(), daemon)?;
    let database = options
        .database
        .clone()
        .unwrap_or_else(|| config.database.clone());
    let runtime = runtime()?;
    let store = runtime.block_on(async {
        let mut store = Store::open(&database)
            .await
            .with_context(|| format!("cannot open the store at {}", shown_url(&database)))?;
        if let Some(instance) = &config.instance {
            store = store.with_instance(instance);
        }
        anyhow::Ok(store.with_claim(config.outgoing.claim))
    })?;
    Ok((runtime, config, store))
}

/// A moment as a person gives it: a day, or a day and a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum When {
    Day(chrono::NaiveDate),
    At(chrono::DateTime<Utc>),
}

/// A date as people write it (24/12/2026, 24 December 2026, 2026-12-24),
/// or a date and time: RFC 3339 (2026-12-24T10:00:00Z), or a UK local time
/// after the date (24/12/2026 10:00, 2026-12-24T10:00).
pub(crate) fn parse_when(text: &str) -> Option<When> {
    let text = text.trim();
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(When::At(at.with_timezone(&Utc)));
    }
    let day = |t: &str| {
        dtr_gateway::core::dates::parse_typed_day(t, dtr_gateway::core::uk::date(Utc::now()))
    };
    if let Some((date, time)) = text.rsplit_once([' ', 'T']) {
        let time = chrono::NaiveTime::parse_from_str(time, "%H:%M")
            .or_else(|_| chrono::NaiveTime::parse_from_str(time, "%H:%M:%S"));
        if let (Some(date), Ok(time)) = (day(date.trim()), time) {
            return Some(When::At(dtr_gateway::core::uk::instant(date, time)));
        }
    }
    day(text).map(When::Day)
}

const WHEN_EXAMPLES: &str = "neither a time such as 24/12/2026 10:00 or 2026-12-24T10:00:00Z \
     nor a date such as 24/12/2026 or 2026-12-24";

/// A day: a date, or the UK date of a time.
pub(crate) fn parse_day(text: &str) -> Result<chrono::NaiveDate, String> {
    match parse_when(text) {
        Some(When::Day(day)) => Ok(day),
        Some(When::At(at)) => Ok(dtr_gateway::core::uk::date(at)),
        None => Err(format!(
            "`{text}` is not a date such as 24/12/2026 or 2026-12-24"
        )),
    }
}

/// A time the sweep acts on: a time, or a date meaning 10:00 UK time that
/// day.
pub(crate) fn parse_sweep_time(text: &str) -> Result<chrono::DateTime<Utc>, String> {
    match parse_when(text) {
        Some(When::At(at)) => Ok(at),
        Some(When::Day(day)) => Ok(dtr_gateway::core::uk::instant(
            day,
            chrono::NaiveTime::from_hms_opt(10, 0, 0).unwrap_or(chrono::NaiveTime::MIN),
        )),
        None => Err(format!("`{text}` is {WHEN_EXAMPLES}")),
    }
}

/// The daemon logs the configuration's warnings (a plain-text IMAP login, a
/// calendar about to run out); the one-shot verbs leave them to check-config.
/// The warnings about Annex A (the authorities' contacts, as the protocol
/// prints them) are many and known: the daemon says them in one line that
/// points at `check-config`, and each of the others on a line of its own.
pub(crate) fn load_config(dir: Option<&Path>, daemon: bool) -> Result<Config> {
    let (config, warnings) = Config::load(dir)?;
    let (annex_a, others): (Vec<&Problem>, Vec<&Problem>) = warnings
        .iter()
        .partition(|w| w.file.ends_with("authorities.toml"));
    for w in others {
        if daemon {
            tracing::warn!("{w}");
        } else {
            tracing::debug!("{w}");
        }
    }
    if daemon && !annex_a.is_empty() {
        tracing::warn!(
            "{} warning(s) about the authorities and their contacts (Annex A): \
             `dtr-gateway check-config` lists them",
            annex_a.len()
        );
    }
    for w in annex_a {
        tracing::debug!("{w}");
    }
    Ok(config)
}

pub(crate) fn print_problems(problems: &[Problem]) {
    for p in problems {
        println!("{}", printable_lines(&p.to_string()));
    }
}

/// An authority given by code or name, as its code.
pub(crate) fn authority_code(config: &Config, given: Option<String>) -> Result<Option<String>> {
    given
        .map(|a| {
            config
                .authorities
                .by_code(&a)
                .or_else(|| config.authorities.by_name(&a))
                .map(|a| a.code.to_string())
                .with_context(|| format!("no authority `{a}` in the configuration"))
        })
        .transpose()
}

/// `--now` as a time, or a date (its start in UK time).
pub(crate) fn parse_instant(text: &str) -> Result<chrono::DateTime<Utc>, String> {
    match parse_when(text) {
        Some(When::At(at)) => Ok(at),
        Some(When::Day(day)) => Ok(dtr_gateway::core::uk::midnight(day)),
        None => Err(format!("`{text}` is {WHEN_EXAMPLES}")),
    }
}

/// Stored times are UTC; people read them in UK time.
pub(crate) fn local_time(stored: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stored)
        .map(|t| {
            dtr_gateway::core::uk::local(t.with_timezone(&chrono::Utc))
                .format("%Y-%m-%d %H:%M %Z")
                .to_string()
        })
        .unwrap_or_else(|_| stored.to_string())
}
