//! The `dtr-gateway` command: the CLI verbs that inspect and operate the
//! gateway. Errors become one line on standard error and a non-zero exit.

use anyhow::{bail, Context as _, Result};
use chrono::Utc;
use clap::{Parser, Subcommand};
use dtr_gateway::config::{Config, Problem};
use dtr_gateway::intake::{ingest, Incoming};
use dtr_gateway::message::{analyse, Context};
use dtr_gateway::store::{shown_url, Action, Store, StoreError};
use dtr_gateway::terminal::{printable, printable_json, printable_lines};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "dtr-gateway",
    version,
    about = "Tracks Duty to Refer referrals that arrive by email"
)]
struct Cli {
    /// Configuration folder (gateway.toml, authorities.toml); the embedded
    /// Essex configuration when not given.
    #[arg(long, global = true, env = "DTR_CONFIG")]
    config: Option<PathBuf>,
    /// Database URL, overriding the configuration's (e.g. sqlite:cases.db).
    // Its value in the environment is not shown in --help: it may hold a
    // password.
    #[arg(long, global = true, env = "DTR_DATABASE_URL", hide_env_values = true)]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
enum ReportFormat {
    Markdown,
    Csv,
}

#[derive(Subcommand)]
enum CaseAction {
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
enum OutboxAction {
    /// Send a failed mail again.
    Retry { id: i64 },
}

#[derive(Subcommand)]
enum HolidaysAction {
    /// Read gov.uk's bank-holidays.json and store its England & Wales dates
    /// as the configuration folder's bank-holidays.json.
    Import { file: PathBuf },
}

#[derive(Subcommand)]
enum BenchWhat {
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let daemon = matches!(cli.command, Command::Run);
    if !daemon {
        // A listing piped into `head` ends quietly, as other tools do. The
        // daemon keeps Rust's default (SIGPIPE ignored), so a peer that
        // hangs up is an error to handle, not the end of the process.
        // SAFETY: called before any thread starts; restores the default action.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    // The daemon says what it does; the other verbs only what goes wrong.
    let default_level = if daemon { "info" } else { "warn" };
    let mut filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    // The IMAP and SMTP libraries trace every command they send (LOGIN and
    // AUTH with their passwords and tokens, FETCH with the messages), and
    // handlebars logs the data it renders (the person's details): never
    // below info for them, whatever RUST_LOG asks. PostgreSQL's driver
    // warns of a URL parameter it does not know with its value (a
    // `sslpassword`, say): the store says which, by name.
    for quiet in [
        "async_imap=info",
        "lettre=info",
        "handlebars=info",
        "sqlx_postgres::options=error",
    ] {
        if let Ok(directive) = quiet.parse() {
            filter = filter.add_directive(directive);
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("dtr-gateway: {}", printable_lines(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match &cli.command {
        Command::CheckConfig => return Ok(check_config(cli.config.as_deref())),
        Command::Parse { file } => return parse(cli.config.as_deref(), file),
        Command::Bench {
            what: BenchWhat::Parse { folders, seconds },
        } => return bench_parse(cli.config.as_deref(), folders, *seconds),
        Command::Holidays {
            action: HolidaysAction::Import { file },
        } => return import_holidays(cli.config.as_deref(), file),
        Command::Bench {
            what: BenchWhat::Sweep { cases },
        } => return bench_sweep(cli.config.as_deref(), *cases),
        Command::Bench {
            what:
                BenchWhat::Intake {
                    messages,
                    streams,
                    instances,
                    postgres,
                },
        } => {
            return bench_intake(
                cli.config.as_deref(),
                *messages,
                *streams,
                *instances,
                postgres.as_deref(),
            )
        }
        _ => {}
    }
    let config = load_config(cli.config.as_deref(), matches!(cli.command, Command::Run))?;
    let database = cli
        .database
        .clone()
        .unwrap_or_else(|| config.database.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let mut store = Store::open(&database)
            .await
            .with_context(|| format!("cannot open the store at {}", shown_url(&database)))?;
        if let Some(instance) = &config.instance {
            store = store.with_instance(instance);
        }
        store = store.with_claim(config.outgoing.claim);
        match cli.command {
            Command::Ingest { mailbox, files } => {
                ingest_files(&config, &store, &mailbox, &files).await
            }
            Command::Cases { authority, open } => {
                list_cases(&config, &store, authority, open).await
            }
            Command::Case {
                reference,
                action: None,
            } => show_case(&store, &reference).await,
            Command::Case {
                reference,
                action: Some(action),
            } => case_action(&config, &store, &reference, action).await,
            Command::Sweep {
                now,
                dry_run,
                record,
            } => sweep(&config, &store, now, dry_run, record).await,
            Command::Purge { dry_run, now } => purge(&config, &store, dry_run, now).await,
            Command::Run => run_daemon(config, store).await,
            Command::Status => show_status(&store).await,
            Command::Outbox { failed, action } => outbox(&store, failed, action).await,
            Command::Due { authority, now } => due(&config, &store, authority, now).await,
            Command::Report {
                quarter,
                authority,
                format,
            } => {
                report(
                    cli.config.as_deref(),
                    &config,
                    &store,
                    quarter,
                    authority,
                    format,
                )
                .await
            }
            _ => Ok(ExitCode::SUCCESS),
        }
    })
}

async fn sweep(
    config: &Config,
    store: &Store,
    now: Option<chrono::DateTime<Utc>>,
    dry_run: bool,
    record: bool,
) -> Result<ExitCode> {
    use dtr_gateway::sweep::Mode;
    // As at another time, the mail would still go to real people now: a
    // dry run unless asked for in so many words.
    let mode = if dry_run || (now.is_some() && !record) {
        Mode::DryRun
    } else {
        Mode::Record
    };
    let at = now.unwrap_or_else(Utc::now);
    let report = dtr_gateway::sweep::sweep_once(store, config, at, true, mode).await?;
    if let Some(why) = &report.skipped {
        println!(
            "sweep as at {}: {why}",
            dtr_gateway::core::words::spoken_time(at)
        );
        return Ok(ExitCode::SUCCESS);
    }
    for p in &report.planned {
        let what = match (&p.rule, p.due) {
            (Some(rule), Some(due)) => format!(
                "{} of {rule} (due {})",
                p.step,
                dtr_gateway::core::words::short_date(due)
            ),
            _ => p.step.clone(),
        };
        let to = if p.to.is_empty() {
            format!(
                "not sent: {}",
                p.note.as_deref().unwrap_or("nobody to write to")
            )
        } else if p.cc.is_empty() {
            format!("to {}", p.to.join(", "))
        } else {
            format!("to {}, copy {}", p.to.join(", "), p.cc.join(", "))
        };
        println!("{:<20} {what}: {}", p.case, printable(&to));
    }
    match mode {
        Mode::DryRun => println!(
            "dry run as at {}: {} open case(s); {} follow-up(s) would be recorded, {} mail(s) sent; \
             nothing was recorded{}",
            dtr_gateway::core::words::spoken_time(at),
            report.cases,
            report.follow_ups,
            report.queued,
            if now.is_some() && !dry_run {
                " (add --record to record and send them)"
            } else {
                ""
            }
        ),
        Mode::Record => println!(
            "{} open case(s); {} follow-up(s) recorded, {} mail(s) queued",
            report.cases, report.follow_ups, report.queued
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// A date as people write it: 24/12/2026, 24 December 2026 or 2026-12-24.
fn parse_day(text: &str) -> Result<chrono::NaiveDate, String> {
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
fn parse_sweep_time(text: &str) -> Result<chrono::DateTime<Utc>, String> {
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
fn load_config(dir: Option<&Path>, daemon: bool) -> Result<Config> {
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

fn check_config(dir: Option<&Path>) -> ExitCode {
    use dtr_gateway::templates::Templates;
    let where_from = dir.map_or("the embedded configuration".to_string(), |d| {
        printable(&d.display().to_string()).into_owned()
    });
    // The mail templates: every override is compiled, and rendered for the
    // configured authorities when the configuration itself could be read.
    let print_templates = |errors: &[dtr_gateway::templates::TemplateError]| {
        for e in errors {
            println!("error: {}", printable_lines(&e.to_string()));
        }
    };
    match Config::load(dir) {
        Ok((config, warnings)) => {
            print_problems(&warnings);
            let codes: Vec<&str> = config.authorities.iter().map(|a| a.code.as_str()).collect();
            let (overrides, errors) = match Templates::load_checked(dir, &codes) {
                Ok(templates) => (templates.overrides(), Vec::new()),
                Err(errors) => (0, errors),
            };
            print_templates(&errors);
            if !errors.is_empty() {
                println!("{where_from}: {} error(s)", errors.len());
                return ExitCode::FAILURE;
            }
            println!(
                "{where_from}: {} authorities, {} mailboxes, {} allowed sender domains, \
                 {overrides} template override(s); {} warning(s), no errors",
                config.authorities.len(),
                config.mailboxes.len(),
                config.allowed_domains.len(),
                warnings.len()
            );
            ExitCode::SUCCESS
        }
        Err(dtr_gateway::config::ConfigError::Invalid(errors)) => {
            print_problems(&errors);
            let (_, template_errors) = Templates::load_all(dir);
            print_templates(&template_errors);
            println!(
                "{where_from}: {} error(s)",
                errors.len() + template_errors.len()
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("dtr-gateway: {}", printable_lines(&e.to_string()));
            ExitCode::FAILURE
        }
    }
}

fn print_problems(problems: &[Problem]) {
    for p in problems {
        println!("{}", printable_lines(&p.to_string()));
    }
}

fn parse(dir: Option<&Path>, file: &Path) -> Result<ExitCode> {
    let raw = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let config = load_config(dir, false)?;
    let analysis = analyse(
        &raw,
        &Context {
            authorities: &config.authorities,
            receiving_authority: None,
            today: Utc::now()
                .with_timezone(&chrono_tz::Europe::London)
                .date_naive(),
            max_bytes: config.max_message_bytes,
        },
    );
    let json = serde_json::to_string_pretty(&analysis.to_contract_json())?;
    println!("{}", printable_json(&json));
    Ok(ExitCode::SUCCESS)
}

async fn ingest_files(
    config: &Config,
    store: &Store,
    mailbox: &str,
    files: &[PathBuf],
) -> Result<ExitCode> {
    let Some(mailbox) = config.mailbox(mailbox) else {
        let names: Vec<&str> = config.mailboxes.iter().map(|m| m.name.as_str()).collect();
        bail!(
            "no mailbox `{mailbox}` in the configuration (there are: {})",
            names.join(", ")
        );
    };
    let mut failed = false;
    for file in files {
        let raw = match std::fs::read(file) {
            Ok(raw) => raw,
            Err(e) => {
                println!(
                    "{}: cannot read: {}",
                    printable(&file.display().to_string()),
                    printable(&e.to_string())
                );
                failed = true;
                continue;
            }
        };
        let incoming = Incoming {
            mailbox,
            folder: "INBOX",
            position: None,
            raw: &raw,
            received_at: Utc::now(),
            source_key: None,
        };
        let (analysis, recorded) = ingest(store, config, incoming).await?;
        let what = match &analysis.referral {
            Some(r) => format!("{} {}", analysis.kind.as_str(), r.outcome.as_str()),
            None => analysis.kind.as_str().to_string(),
        };
        let case = recorded.case.map(|c| c.to_string()).unwrap_or_default();
        let done = match &recorded.action {
            Action::Opened => format!("opened {case}"),
            Action::AttachedReferral => format!("completed the referrer's open case {case}"),
            Action::Linked => format!(
                "a further referral of a person with an open case: recorded as {case}, linked to it"
            ),
            Action::Refused => format!("recorded as refused (no consent) under {case}"),
            Action::Noted(event) => format!("{event} on {case}"),
            Action::RecordedOnly => "recorded".to_string(),
            Action::Quarantined(reason) => format!("quarantined: {reason}"),
            Action::Duplicate if case.is_empty() => "already recorded".to_string(),
            Action::Duplicate => format!("already recorded ({case})"),
        };
        // How many, never their names: a file's name can name the person,
        // and a refused or quarantined referral keeps nothing about them.
        let attachments = match analysis.attachments.len() {
            0 => String::new(),
            1 => " [1 attachment not read]".to_string(),
            n => format!(" [{n} attachments not read]"),
        };
        tracing::info!(mailbox = %mailbox.name, case = %case, kind = analysis.kind.as_str(), "message recorded");
        println!(
            "{}: {what}: {}{attachments}",
            printable(&file.display().to_string()),
            printable(&done)
        );
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// An authority given by code or name, as its code.
fn authority_code(config: &Config, given: Option<String>) -> Result<Option<String>> {
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

async fn due(
    config: &Config,
    store: &Store,
    authority: Option<String>,
    now: Option<chrono::NaiveDate>,
) -> Result<ExitCode> {
    use dtr_gateway::core::protocol::{Owner, Rag};
    let code = authority_code(config, authority)?;
    let today = now.unwrap_or_else(|| {
        Utc::now()
            .with_timezone(&chrono_tz::Europe::London)
            .date_naive()
    });
    let cases = store.deadline_cases(code.as_deref()).await?;
    let rows = dtr_gateway::sweep::open_deadlines(config, &cases, today);
    println!(
        "{} on {}",
        printable(&config.protocol.name),
        today.format("%A %-d %B %Y")
    );
    println!(
        "{:<6} {:<16} {:<20} {:<4} {:<10} WHAT (COMMITMENT)",
        "STATE", "DUE", "REFERENCE", "LHA", "OWED BY"
    );
    for row in &rows {
        let (case, rule, due) = (row.case, row.rule, row.due);
        let state = match row.rag {
            Rag::Red => "RED",
            Rag::Amber => "AMBER",
            Rag::Green => "GREEN",
        };
        let owed = match rule.owed_by {
            Owner::Authority => "authority",
            Owner::Referrer => "referrer",
        };
        let paused = match case.paused_until {
            Some(until) if until > today => {
                format!(" [paused until {}]", until.format("%-d %b %Y"))
            }
            _ => String::new(),
        };
        let mut notes = Vec::new();
        if due.late {
            notes.push("late referral".to_string());
        }
        if due.before_release {
            notes.push("brought forward: before release".to_string());
        }
        if !row.ladder.is_empty() {
            notes.push(row.ladder.clone());
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" [{}]", notes.join("; "))
        };
        println!(
            "{:<6} {:<16} {:<20} {:<4} {:<10} {} ({}; rule {}){paused}{notes}",
            state,
            due.on.format("%a %-d %b %Y"),
            printable(&case.reference),
            printable(&case.authority),
            owed,
            printable(&rule.description),
            printable(&rule.commitment),
            printable(&rule.id)
        );
    }
    println!("{} open deadline(s)", rows.len());
    Ok(ExitCode::SUCCESS)
}

/// The agencies' categories: `DIR/agencies.toml` when the configuration
/// folder has one, else the embedded mapping.
fn agency_map(dir: Option<&Path>) -> Result<dtr_gateway::core::report::AgencyMap> {
    const EMBEDDED: &str = include_str!("../config/agencies.toml");
    let (name, text) = match dir.map(|d| d.join("agencies.toml")).filter(|f| f.exists()) {
        Some(file) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            (file.display().to_string(), text)
        }
        None => ("(embedded) agencies.toml".to_string(), EMBEDDED.to_string()),
    };
    dtr_gateway::core::report::AgencyMap::from_toml(&text).with_context(|| name.clone())
}

async fn report(
    dir: Option<&Path>,
    config: &Config,
    store: &Store,
    quarter: dtr_gateway::core::report::Quarter,
    authority: Option<String>,
    format: ReportFormat,
) -> Result<ExitCode> {
    use dtr_gateway::core::report::{build, csv, markdown};
    let code = authority_code(config, authority)?;
    let agencies = agency_map(dir)?;
    let cases = store
        .report_cases(quarter, code.as_deref(), &agencies)
        .await?;
    let authorities: Vec<String> = match &code {
        Some(code) => vec![code.clone()],
        None => config
            .authorities
            .iter()
            .map(|a| a.code.to_string())
            .collect(),
    };
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive();
    let calendar_for = |code: &str| config.calendar_for(code);
    let reports = build(&cases, &authorities, &config.protocol, &calendar_for, today);
    match format {
        ReportFormat::Markdown => print!(
            "{}",
            printable_lines(&markdown(
                &format!("{}: outcomes, {quarter}", config.protocol.name),
                &reports
            ))
        ),
        ReportFormat::Csv => print!("{}", printable_lines(&csv(&reports))),
    }
    Ok(ExitCode::SUCCESS)
}

async fn case_action(
    config: &Config,
    store: &Store,
    reference: &str,
    action: CaseAction,
) -> Result<ExitCode> {
    use dtr_gateway::core::plan::CaseChange;
    use dtr_gateway::core::protocol::{Evidence, Side};
    use dtr_gateway::core::reply::NamedLead;
    let shown = printable(reference);
    match action {
        CaseAction::Respond { lead, phone } => {
            let lead = match lead {
                Some(text) => {
                    let mut lead = NamedLead::parse_contact(&text).with_context(|| {
                        format!("--lead `{text}` names no one: give \"Name <email>\"")
                    })?;
                    if let Some(phone) = phone {
                        lead.phone = Some(
                            dtr_gateway::core::referral::PhoneNumber::parse(&phone).with_context(
                                || format!("--phone `{phone}` is not a telephone number"),
                            )?,
                        );
                    }
                    Some(lead)
                }
                None if phone.is_some() => bail!("--phone goes with --lead"),
                None => None,
            };
            let contacts = store
                .case_contacts(reference)
                .await?
                .with_context(|| format!("no case {reference}"))?;
            let now = Utc::now();
            let mut changes = vec![CaseChange::AuthorityResponded {
                evidence: Evidence {
                    at: now,
                    side: Side::Authority,
                    answers: None,
                    done: Vec::new(),
                },
                how: "recorded by hand".into(),
            }];
            let mut mails = Vec::new();
            if let Some(lead) = lead.filter(|l| !l.same_person(&contacts.lha_lead)) {
                mails.extend(dtr_gateway::intake::lead_officer_change_mail(
                    config, &contacts, &lead, &now,
                ));
                changes.push(CaseChange::LeadOfficerNamed(lead));
            }
            let queued = store
                .record_by_hand(
                    &contacts.case_ref.to_string(),
                    &changes,
                    &mails,
                    &config.outgoing,
                )
                .await?;
            println!(
                "{shown}: the authority's response is recorded{}",
                if queued > 0 {
                    "; the referring side will be told of the new lead officer"
                } else {
                    ""
                }
            );
        }
        CaseAction::Release { date } => {
            let contacts = store
                .case_contacts(reference)
                .await?
                .with_context(|| format!("no case {reference}"))?;
            let today = Utc::now()
                .with_timezone(&chrono_tz::Europe::London)
                .date_naive();
            let urgent = contacts.referral.rough_sleeping_risk == Some(true)
                || (date - today).num_days() < dtr_gateway::core::referral::DAYS_BEFORE_RELEASE;
            let change = CaseChange::ReleaseDateChanged {
                to: date,
                urgent,
                by: "recorded by hand".into(),
            };
            store
                .record_by_hand(
                    &contacts.case_ref.to_string(),
                    &[change],
                    &[],
                    &config.outgoing,
                )
                .await?;
            println!(
                "{}: expected release on {}{}; its deadlines are worked out again",
                contacts.case_ref,
                dtr_gateway::core::words::spoken_date(date),
                if urgent { " (urgent)" } else { "" }
            );
        }
        CaseAction::Application { date } => {
            let contacts = store
                .case_contacts(reference)
                .await?
                .with_context(|| format!("no case {reference}"))?;
            let change = CaseChange::ApplicationReceived {
                on: date,
                by: "recorded by hand".into(),
            };
            store
                .record_by_hand(
                    &contacts.case_ref.to_string(),
                    &[change],
                    &[],
                    &config.outgoing,
                )
                .await?;
            println!(
                "{}: homeless application received on {}",
                contacts.case_ref,
                dtr_gateway::core::words::spoken_date(date)
            );
        }
        CaseAction::Close { outcome } => {
            if outcome.trim().is_empty() {
                bail!("--outcome is empty: say what came of the referral");
            }
            store.close_case(reference, outcome.trim()).await?;
            println!("{shown}: closed");
        }
        CaseAction::Pause { until } => {
            store.pause_case(reference, until).await?;
            println!(
                "{shown}: no reminders, chases or escalations before {}",
                until.format("%A %-d %B %Y")
            );
        }
        CaseAction::Met { rule } => {
            if !config.protocol.rules.iter().any(|r| r.id == rule) {
                let ids: Vec<&str> = config
                    .protocol
                    .rules
                    .iter()
                    .map(|r| r.id.as_str())
                    .collect();
                bail!(
                    "no rule `{rule}` in the protocol: its rules are {}",
                    ids.join(", ")
                );
            }
            if store.mark_met(reference, &rule).await? {
                println!("{shown}: `{rule}` is met");
            } else {
                println!("{shown}: `{rule}` was already recorded as met");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn list_cases(
    config: &Config,
    store: &Store,
    authority: Option<String>,
    open: bool,
) -> Result<ExitCode> {
    let code = authority_code(config, authority)?;
    let cases = store.cases(code.as_deref(), open).await?;
    println!(
        "{:<20} {:<4} {:<10} {:<18} {:<6} {:<12} RECEIVED",
        "REFERENCE", "LHA", "STATUS", "TYPE", "URGENT", "RELEASE"
    );
    for c in &cases {
        println!(
            "{:<20} {:<4} {:<10} {:<18} {:<6} {:<12} {}",
            printable(&c.reference),
            printable(&c.authority),
            printable(&c.status),
            printable(c.referral_type.as_deref().unwrap_or("-")),
            if c.urgent { "yes" } else { "" },
            printable(c.expected_release_date.as_deref().unwrap_or("-")),
            printable(&local_time(&c.received_at))
        );
    }
    println!("{} case(s)", cases.len());
    Ok(ExitCode::SUCCESS)
}

async fn show_case(store: &Store, reference: &str) -> Result<ExitCode> {
    let case = store.case(reference).await?;
    let s = &case.summary;
    println!(
        "Case {}  ({}, {})",
        printable(&s.reference),
        printable(&s.authority),
        printable(&s.status)
    );
    if s.urgent {
        println!("URGENT");
    }
    println!("Received: {}", printable(&local_time(&s.received_at)));
    if !case.missing.is_empty() {
        println!("Still missing: {}", printable(&case.missing.join(", ")));
    }
    println!("\nReferral:");
    if let serde_json::Value::Object(fields) = case.referral.to_json() {
        for (key, value) in fields {
            let value = match value {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            println!("  {:<26} {}", printable(&key), printable(&value));
        }
    }
    println!("\nTimeline:");
    for e in &case.events {
        println!(
            "  {}  {}  {}",
            printable(&e.at),
            printable(&e.kind),
            printable(e.detail.as_deref().unwrap_or(""))
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn run_daemon(config: Config, store: Store) -> Result<ExitCode> {
    use tokio::signal::unix::{signal, SignalKind};
    // Held until the daemon exits.
    let instance = store.hold_instance().await?;
    let (stop, shutdown) = dtr_gateway::source::Shutdown::new();
    let stop = std::sync::Arc::new(stop);
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    let stop_on_signal = stop.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        tracing::info!("stopping: finishing the messages in hand");
        let _ = stop_on_signal.send(true);
    });
    let keeper = instance.map(|hold| keep_instance(store.clone(), hold, stop.clone()));
    let watched = config
        .mailboxes
        .iter()
        .filter(|m| m.source != dtr_gateway::config::Source::None)
        .count();
    tracing::info!(mailboxes = watched, "dtr-gateway running");
    let codes: Vec<&str> = config.authorities.iter().map(|a| a.code.as_str()).collect();
    let templates = match dtr_gateway::templates::Templates::load_checked(
        config.source.as_deref(),
        &codes,
    ) {
        Ok(templates) => templates,
        Err(errors) => {
            for e in &errors {
                eprintln!("dtr-gateway: {}", printable_lines(&e.to_string()));
            }
            bail!(
                    "{} template error(s); fix them before starting (`dtr-gateway check-config` lists them)",
                    errors.len()
                );
        }
    };
    dtr_gateway::daemon::run(
        std::sync::Arc::new(config),
        store,
        std::sync::Arc::new(templates),
        shutdown,
    )
    .await?;
    if let Some(keeper) = keeper {
        match keeper.await {
            Ok(Ok(hold)) => hold.release().await,
            Ok(Err(lost)) => return Err(lost.into()),
            Err(e) => tracing::warn!(error = %e, "the instance name's keeper failed"),
        }
    }
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Checks the hold on the instance name every half minute while the daemon
/// runs (see `Store::keep_instance`); stops the daemon if another gateway
/// took the name. Returns the hold once the daemon stops, or why it was
/// lost.
fn keep_instance(
    store: Store,
    mut hold: dtr_gateway::store::InstanceHold,
    stop: std::sync::Arc<tokio::sync::watch::Sender<bool>>,
) -> tokio::task::JoinHandle<Result<dtr_gateway::store::InstanceHold, StoreError>> {
    tokio::spawn(async move {
        let mut stopping = stop.subscribe();
        let mut every = tokio::time::interval(std::time::Duration::from_secs(30));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = stopping.wait_for(|stop| *stop) => return Ok(hold),
            }
            match store.keep_instance(&mut hold).await {
                Ok(()) => {}
                Err(lost @ StoreError::InstanceInUse { .. }) => {
                    tracing::error!(error = %lost, "stopping: another gateway has this gateway's instance name");
                    let _ = stop.send(true);
                    return Err(lost);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot check the hold on the instance name; trying again");
                }
            }
        }
    })
}

async fn show_status(store: &Store) -> Result<ExitCode> {
    let midnight = Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(chrono_tz::Europe::London).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now);
    let rows = store.statuses(midnight).await?;
    if rows.is_empty() {
        println!("No mailbox has been watched yet: start the daemon with `dtr-gateway run`.");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<16} {:<12} {:<11} {:>8} {:>6} {:<22} LAST ERROR",
        "MAILBOX", "FOLDER", "STATE", "LAST UID", "TODAY", "LAST MESSAGE"
    );
    for r in &rows {
        let mut error = match (&r.last_error, &r.last_error_at) {
            (Some(e), Some(at)) => format!("{} ({})", e, local_time(at)),
            (Some(e), None) => e.clone(),
            _ => String::new(),
        };
        if let Some(since) = &r.failing_since {
            error.push_str(&format!("; failing since {}", local_time(since)));
        }
        println!(
            "{:<16} {:<12} {:<11} {:>8} {:>6} {:<22} {}",
            printable(&r.mailbox),
            printable(&r.folder),
            printable(&r.state),
            r.last_uid
                .map(|u| u.to_string())
                .unwrap_or_else(|| "-".into()),
            r.recorded_today,
            printable(
                &r.last_message_at
                    .as_deref()
                    .map(local_time)
                    .unwrap_or_else(|| "-".into())
            ),
            printable(&error)
        );
    }
    show_sender_verdicts(store).await?;
    Ok(ExitCode::SUCCESS)
}

/// How the mail from domains allowed to refer was judged, per mailbox, in
/// the last 30 days: a filter in front of the server that breaks senders'
/// signatures shows here at once, before it silently stops answers
/// counting.
async fn show_sender_verdicts(store: &Store) -> Result<()> {
    let since = Utc::now() - chrono::Duration::days(30);
    let rows = store.sender_verdicts(since).await?;
    if rows.is_empty() {
        return Ok(());
    }
    println!("\nWho sent it (mail from domains allowed to refer, last 30 days):");
    println!(
        "{:<16} {:>13} {:>8} {:>16} {:>8} {:>10}",
        "MAILBOX", "AUTHENTICATED", "INTERNAL", "NOT AUTHENTICATED", "FORGED", "NO VERDICT"
    );
    let mut mailboxes: Vec<&str> = rows.iter().map(|(m, _, _)| m.as_str()).collect();
    mailboxes.dedup();
    for mailbox in mailboxes {
        let count = |verdict: &str| {
            rows.iter()
                .filter(|(m, v, _)| m == mailbox && v == verdict)
                .map(|(_, _, n)| *n)
                .sum::<i64>()
        };
        let (ok, internal, failed, forged, none) = (
            count("authenticated"),
            count("internal"),
            count("not_authenticated"),
            count("forged"),
            count("no_verdict") + count("unknown"),
        );
        let total = ok + internal + failed + forged + none;
        let note = if total >= 5 && (failed + forged) * 5 >= total {
            "  many fail: a filter in front of the server may rewrite mail (see the README)"
        } else if total >= 5 && none == total {
            "  no verdict at all: answers here change no case unless trust_unauthenticated"
        } else {
            ""
        };
        println!(
            "{:<16} {:>13} {:>8} {:>16} {:>8} {:>10}{note}",
            printable(mailbox),
            ok,
            internal,
            failed,
            forged,
            none
        );
    }
    Ok(())
}

async fn outbox(store: &Store, failed: bool, action: Option<OutboxAction>) -> Result<ExitCode> {
    if let Some(OutboxAction::Retry { id }) = action {
        if store.retry_outbox(id).await? {
            println!("outbox {id}: queued again; the running daemon sends it within seconds");
            return Ok(ExitCode::SUCCESS);
        }
        bail!("outbox {id} is not a failed mail, or its recipients were erased by a purge (see `dtr-gateway outbox --failed`)");
    }
    let rows = store.outbox(failed).await?;
    println!(
        "{:>5} {:<8} {:<18} {:<20} {:>8} {:<22} TO / LAST ERROR",
        "ID", "STATUS", "PURPOSE", "CASE", "ATTEMPTS", "SENT"
    );
    for r in &rows {
        let sent = r
            .sent_at
            .map(|t| local_time(&t.to_rfc3339()))
            .unwrap_or_else(|| "-".into());
        let detail = match &r.last_error {
            Some(e) if r.status != "sent" => e.clone(),
            _ => r.to.join(", "),
        };
        println!(
            "{:>5} {:<8} {:<18} {:<20} {:>8} {:<22} {}",
            r.id,
            printable(&r.status),
            printable(&r.purpose),
            printable(r.case_ref.as_deref().unwrap_or("-")),
            r.attempts,
            printable(&sent),
            printable(&detail)
        );
    }
    println!("{} mail(s)", rows.len());
    Ok(ExitCode::SUCCESS)
}

async fn purge(
    config: &Config,
    store: &Store,
    dry_run: bool,
    now: Option<chrono::DateTime<Utc>>,
) -> Result<ExitCode> {
    let (cutoffs, counts) =
        dtr_gateway::retention::purge_once(store, config, now.unwrap_or_else(Utc::now), dry_run)
            .await?;
    let verb = if dry_run { "purge --dry-run" } else { "purge" };
    println!(
        "{verb}: closed cases, refusals and messages without a case from before {} \
         ({} months)",
        local_time(&cutoffs.closed.to_rfc3339()),
        config.retention.closed_case_months
    );
    println!(
        "{verb}: incomplete cases whose consent was never confirmed, opened before {} \
         ({} days)",
        local_time(&cutoffs.unconfirmed_consent.to_rfc3339()),
        cutoffs.unconfirmed_consent_days
    );
    println!(
        "{verb}: cases={} messages={} outbox={} events={} (of the cases, lapsed for want \
         of consent: {})",
        counts.cases, counts.messages, counts.outbox, counts.events, counts.unconfirmed_consent
    );
    println!(
        "{}",
        match (dry_run, counts.is_zero()) {
            (true, true) => "dry run: nothing to erase; nothing was changed",
            (true, false) => "dry run: these would be erased; nothing was changed",
            (false, true) => "nothing to erase; the purge is recorded in the store",
            (false, false) => "personal details erased; the purge is recorded in the store",
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// `--now` as a time (RFC 3339) or a date (its start in UK time).
fn parse_instant(text: &str) -> Result<chrono::DateTime<Utc>, String> {
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

fn import_holidays(dir: Option<&Path>, file: &Path) -> Result<ExitCode> {
    let Some(dir) = dir else {
        bail!("give the configuration folder to write to with --config DIR (the embedded configuration cannot change)");
    };
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let dates = dtr_gateway::core::calendar::holidays_from_govuk_json(&text)
        .with_context(|| format!("{} is not gov.uk's bank-holidays.json", file.display()))?;
    let target = dir.join(dtr_gateway::config::HOLIDAYS_FILE);
    std::fs::write(&target, &text).with_context(|| format!("cannot write {}", target.display()))?;
    println!(
        "{}: {} England & Wales bank holidays, {} to {}",
        printable(&target.display().to_string()),
        dates.len(),
        dates.first().map(|d| d.to_string()).unwrap_or_default(),
        dates.last().map(|d| d.to_string()).unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

/// Stored times are UTC; people read them in UK time.
fn local_time(stored: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stored)
        .map(|t| {
            t.with_timezone(&chrono_tz::Europe::London)
                .format("%Y-%m-%d %H:%M %Z")
                .to_string()
        })
        .unwrap_or_else(|_| stored.to_string())
}

fn bench_parse(dir: Option<&Path>, folders: &[PathBuf], seconds: u64) -> Result<ExitCode> {
    let config = load_config(dir, false)?;
    let mut corpus = Vec::new();
    for folder in folders {
        for entry in std::fs::read_dir(folder)
            .with_context(|| format!("cannot read {}", folder.display()))?
        {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "eml") {
                corpus.push(
                    std::fs::read(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?,
                );
            }
        }
    }
    if corpus.is_empty() {
        bail!("no .eml files in the folders given");
    }
    let bytes: usize = corpus.iter().map(Vec::len).sum();
    let ctx = Context {
        authorities: &config.authorities,
        receiving_authority: None,
        today: Utc::now().date_naive(),
        max_bytes: config.max_message_bytes,
    };
    let started = Instant::now();
    let mut parsed = 0u64;
    let mut referrals = 0u64;
    while started.elapsed().as_secs() < seconds {
        for raw in &corpus {
            let a = analyse(raw, &ctx);
            referrals += u64::from(a.referral.is_some());
            parsed += 1;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "parsed {parsed} messages ({} distinct, {:.1} KiB on average, {referrals} referrals) in {elapsed:.2} s on one thread: {:.0} messages/s",
        corpus.len(),
        bytes as f64 / corpus.len() as f64 / 1024.0,
        parsed as f64 / elapsed
    );
    Ok(ExitCode::SUCCESS)
}

fn bench_intake(
    dir: Option<&Path>,
    messages: usize,
    streams: usize,
    instances: usize,
    postgres: Option<&str>,
) -> Result<ExitCode> {
    let mut config = load_config(dir, false)?;
    // Answered as mail just received is, so each message queues its answers.
    config.answer_max_age = chrono::Duration::days(36_500);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let (figures, on) = match postgres {
        None => {
            let folder = tempfile_dir()?;
            let url = format!("sqlite:{}", folder.join("bench-intake.db").display());
            let result = runtime.block_on(dtr_gateway::bench::intake(
                &config, &url, messages, streams, instances,
            ));
            let _ = std::fs::remove_dir_all(&folder);
            (result?, "SQLite")
        }
        Some(server) => {
            let result = runtime.block_on(async {
                let scratch = dtr_gateway::bench::ScratchDatabase::create(server).await?;
                let figures =
                    dtr_gateway::bench::intake(&config, &scratch.url, messages, streams, instances)
                        .await;
                scratch.drop().await?;
                Ok::<_, anyhow::Error>(figures?)
            });
            (
                result.with_context(|| format!("on PostgreSQL at {}", shown_url(server)))?,
                "PostgreSQL",
            )
        }
    };
    if figures.cases != figures.messages as i64 {
        bail!(
            "{} referrals gave {} cases: the figure would be wrong",
            figures.messages,
            figures.cases
        );
    }
    println!(
        "intake on {on}: {} referrals recorded, each a new case with its answers queued, \
         from {} mailbox(es) at once through {} gateway instance(s), in {:.2} s: {:.0} messages/s",
        figures.messages,
        figures.streams,
        figures.instances,
        figures.seconds,
        figures.messages as f64 / figures.seconds
    );
    Ok(ExitCode::SUCCESS)
}

fn bench_sweep(dir: Option<&Path>, cases: usize) -> Result<ExitCode> {
    let config = load_config(dir, false)?;
    // A working day at 10:00 UK time: Tuesday 1 December 2026.
    let now = chrono::DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
        .context("bench time")?
        .with_timezone(&Utc);
    let folder = tempfile_dir()?;
    let file = folder.join("bench-sweep.db");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(dtr_gateway::bench::sweep(&config, &file, cases, now));
    let _ = std::fs::remove_dir_all(&folder);
    let (seeded, first, steady, whole) = result?;
    println!("{cases} open cases written in {seeded:.1} s");
    println!(
        "first sweep (catching up): {:.3} s, {} follow-ups recorded, {} mails queued",
        first.seconds, first.report.follow_ups, first.report.queued
    );
    println!(
        "minute sweep (steady state): {:.3} s, {} case(s) read, {} new follow-ups",
        steady.seconds, steady.report.cases, steady.report.follow_ups
    );
    println!(
        "whole sweep (at start): {:.3} s over {} open cases, {} new follow-ups",
        whole.seconds, whole.report.cases, whole.report.follow_ups
    );
    Ok(ExitCode::SUCCESS)
}

/// A fresh folder under the system's temporary folder.
fn tempfile_dir() -> Result<PathBuf> {
    let folder = std::env::temp_dir().join(format!("dtr-gateway-bench-{}", std::process::id()));
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    Ok(folder)
}
