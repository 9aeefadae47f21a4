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

mod bench;
mod case;
mod check_config;
mod due;
mod holidays;
mod ingest;
mod outbox;
mod parse;
mod purge;
mod report;
mod run;
mod status;
mod status_warnings;
mod sweep;

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Print what a message file is, as JSON (the parse contract, v1).
    Parse { file: PathBuf },
    /// Load and check the configuration; list every problem.
    CheckConfig,
    /// Record message files as if they had arrived in a mailbox.
    Ingest {
        /// The mailbox's name in the configuration (e.g. colchester).
        #[arg(long)]
        mailbox: String,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List cases.
    Cases {
        /// Only this authority's (its code, e.g. COL, or its name).
        #[arg(long)]
        authority: Option<String>,
        /// Only cases still open (open or incomplete).
        #[arg(long)]
        open: bool,
    },
    /// Show one case and its timeline, or record what happened to it.
    Case {
        reference: String,
        #[command(subcommand)]
        action: Option<CaseAction>,
    },
    /// Write the reminders, chases and escalations due to the outbox, once
    /// (the daemon does this every minute); each step is written only once.
    /// As at another time (`--now`) it only shows what would be sent,
    /// unless `--record` is given.
    Sweep {
        /// Sweep as at this time (e.g. 2026-12-01T10:00:00Z, or a date such
        /// as 01/12/2026 for 10:00 UK time that day) instead of now.
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
        /// Purge as at this time (RFC 3339, e.g. 2028-12-01T10:00:00Z, or a
        /// date, meaning its start in UK time) instead of now.
        #[arg(long, value_parser = parse_instant)]
        now: Option<chrono::DateTime<Utc>>,
    },
    /// Watch every configured mailbox and record what arrives, until
    /// SIGINT or SIGTERM.
    Run,
    /// Each watched mailbox and folder: state, last UID, last message, last
    /// error, messages recorded today.
    Status,
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
    /// The outcomes report for a quarter, per authority (commitment 23):
    /// counts and rates, no personal data.
    Report {
        /// The quarter, e.g. 2026Q4.
        #[arg(long)]
        quarter: dtr_gateway::core::report::Quarter,
        /// Only this authority's (its code, e.g. COL, or its name).
        #[arg(long)]
        authority: Option<String>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
        format: ReportFormat,
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
        /// "Name <email>", or either alone.
        #[arg(long)]
        lead: Option<String>,
        #[arg(long)]
        phone: Option<String>,
    },
    /// Close the case: its deadlines end.
    Close {
        /// What came of it, for the outcomes report.
        #[arg(long)]
        outcome: String,
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
    /// as `due` lists it, e.g. appointments_confirmed).
    Met { rule: String },
}

#[derive(Subcommand)]
pub(crate) enum OutboxAction {
    /// Send a failed mail again.
    Retry { id: i64 },
}

#[derive(Subcommand)]
pub(crate) enum HolidaysAction {
    /// Read gov.uk's bank-holidays.json and store its England & Wales dates
    /// as the configuration folder's bank-holidays.json.
    Import { file: PathBuf },
}

#[derive(Subcommand)]
pub(crate) enum BenchWhat {
    /// The deadline sweep over many open cases, in a new database of its
    /// own (removed afterwards), as on a working day at 10:00.
    Sweep {
        #[arg(long, default_value_t = 100_000)]
        cases: usize,
    },
    /// Record many distinct referrals through intake into a new database
    /// of its own (removed afterwards): messages per second.
    Intake {
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
    /// Parse every .eml file of the folders given, repeatedly, on one core.
    Parse {
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
        Command::Parse { file } => parse::parse(dir, &file),
        Command::CheckConfig => Ok(check_config::check_config(dir)),
        Command::Holidays {
            action: HolidaysAction::Import { file },
        } => holidays::import_holidays(dir, &file),
        Command::Bench { what } => match what {
            BenchWhat::Parse { folders, seconds } => bench::bench_parse(dir, &folders, seconds),
            BenchWhat::Sweep { cases } => bench::bench_sweep(dir, cases),
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
        } => {
            let (runtime, config, store) = open(&options, false)?;
            runtime.block_on(case::list_cases(&config, &store, authority, only_open))
        }
        Command::Case { reference, action } => {
            let (runtime, config, store) = open(&options, false)?;
            runtime.block_on(async {
                match action {
                    None => case::show_case(&store, &reference).await,
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
        Command::Status => {
            let (runtime, config, store) = open(&options, false)?;
            runtime.block_on(async {
                let code = status::show_status(&store).await?;
                status::show_sender(&store).await?;
                status_warnings::show_warnings(&config, &store).await?;
                Ok(code)
            })
        }
        Command::Outbox { failed, action } => {
            let (runtime, _, store) = open(&options, false)?;
            runtime.block_on(outbox::outbox(&store, failed, action))
        }
        Command::Due { authority, now } => {
            let (runtime, config, store) = open(&options, false)?;
            runtime.block_on(due::due(&config, &store, authority, now))
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

/// A date as people write it: 24/12/2026, 24 December 2026 or 2026-12-24.
pub(crate) fn parse_day(text: &str) -> Result<chrono::NaiveDate, String> {
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive();
    dtr_gateway::core::dates::parse_british_date(
        text,
        today,
        dtr_gateway::core::dates::DateRole::Event,
    )
    .ok_or_else(|| format!("`{text}` is not a date such as 24/12/2026 or 2026-12-24"))
}

/// A time (RFC 3339), or a date: 10:00 UK time that day, a time the sweep
/// acts on.
pub(crate) fn parse_sweep_time(text: &str) -> Result<chrono::DateTime<Utc>, String> {
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    parse_day(text)
        .ok()
        .and_then(|day| {
            day.and_hms_opt(10, 0, 0)?
                .and_local_timezone(chrono_tz::Europe::London)
                .earliest()
        })
        .map(|at| at.with_timezone(&Utc))
        .ok_or_else(|| {
            format!("`{text}` is neither a time such as 2026-12-01T10:00:00Z nor a date such as 01/12/2026")
        })
}

/// The daemon logs the configuration's warnings (a plain-text IMAP login, a
/// calendar about to run out); the one-shot verbs leave them to check-config.
pub(crate) fn load_config(dir: Option<&Path>, daemon: bool) -> Result<Config> {
    let (config, warnings) = Config::load(dir)?;
    for w in &warnings {
        if daemon {
            tracing::warn!("{w}");
        } else {
            tracing::debug!("{w}");
        }
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

/// `--now` as a time (RFC 3339) or a date (its start in UK time).
pub(crate) fn parse_instant(text: &str) -> Result<chrono::DateTime<Utc>, String> {
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|day| {
            day.and_time(chrono::NaiveTime::MIN)
                .and_local_timezone(chrono_tz::Europe::London)
                .earliest()
        })
        .map(|at| at.with_timezone(&Utc))
        .ok_or_else(|| {
            format!("`{text}` is neither a time such as 2028-12-01T10:00:00Z nor a date such as 2028-12-01")
        })
}

/// Stored times are UTC; people read them in UK time.
pub(crate) fn local_time(stored: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stored)
        .map(|t| {
            t.with_timezone(&chrono_tz::Europe::London)
                .format("%Y-%m-%d %H:%M %Z")
                .to_string()
        })
        .unwrap_or_else(|_| stored.to_string())
}
