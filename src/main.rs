//! The `dtr-gateway` command: the CLI verbs that inspect and operate the
//! gateway. Errors become one line on standard error and a non-zero exit.

use anyhow::{bail, Context as _, Result};
use chrono::Utc;
use clap::{Parser, Subcommand};
use dtr_gateway::config::{Config, Problem};
use dtr_gateway::intake::{ingest, Incoming};
use dtr_gateway::message::{analyse, Context};
use dtr_gateway::store::{Action, Store};
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
    #[arg(long, global = true, env = "DTR_DATABASE_URL")]
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
    /// Show one case and its timeline.
    Case { reference: String },
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
        /// See the deadlines as on this date (YYYY-MM-DD) instead of today.
        #[arg(long)]
        now: Option<chrono::NaiveDate>,
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
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("dtr-gateway: {e:#}");
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
        let store = Store::open(&database)
            .await
            .with_context(|| format!("cannot open the store at {database}"))?;
        match cli.command {
            Command::Ingest { mailbox, files } => {
                ingest_files(&config, &store, &mailbox, &files).await
            }
            Command::Cases { authority, open } => {
                list_cases(&config, &store, authority, open).await
            }
            Command::Case { reference } => show_case(&store, &reference).await,
            Command::Run => run_daemon(config, store).await,
            Command::Status => show_status(&store).await,
            Command::Outbox { failed, action } => outbox(&store, failed, action).await,
            Command::Due { authority, now } => due(&config, &store, authority, now).await,
            _ => Ok(ExitCode::SUCCESS),
        }
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
    let where_from = dir.map_or("the embedded configuration".to_string(), |d| {
        d.display().to_string()
    });
    match Config::load(dir) {
        Ok((config, warnings)) => {
            print_problems(&warnings);
            println!(
                "{where_from}: {} authorities, {} mailboxes, {} allowed sender domains; {} warning(s), no errors",
                config.authorities.len(),
                config.mailboxes.len(),
                config.allowed_domains.len(),
                warnings.len()
            );
            ExitCode::SUCCESS
        }
        Err(dtr_gateway::config::ConfigError::Invalid(errors)) => {
            print_problems(&errors);
            println!("{where_from}: {} error(s)", errors.len());
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("dtr-gateway: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print_problems(problems: &[Problem]) {
    for p in problems {
        println!("{p}");
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
    println!(
        "{}",
        serde_json::to_string_pretty(&analysis.to_contract_json())?
    );
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
                println!("{}: cannot read: {e}", file.display());
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
            Action::AttachedReferral => format!("attached to open case {case}"),
            Action::Refused => format!("recorded as refused (no consent) under {case}"),
            Action::Noted(event) => format!("{event} on {case}"),
            Action::RecordedOnly => "recorded".to_string(),
            Action::Quarantined(reason) => format!("quarantined: {reason}"),
            Action::Duplicate if case.is_empty() => "already recorded".to_string(),
            Action::Duplicate => format!("already recorded ({case})"),
        };
        let attachments = if analysis.attachments.is_empty() {
            String::new()
        } else {
            let names: Vec<String> = analysis
                .attachments
                .iter()
                .map(|a| a.name.clone().unwrap_or_else(|| a.content_type.clone()))
                .collect();
            format!(" [attachments not read: {}]", names.join(", "))
        };
        tracing::info!(mailbox = %mailbox.name, case = %case, kind = analysis.kind.as_str(), "message recorded");
        println!("{}: {what}: {done}{attachments}", file.display());
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
    use dtr_gateway::core::protocol::{Rag, Satisfier};
    let code = authority_code(config, authority)?;
    let today = now.unwrap_or_else(|| {
        Utc::now()
            .with_timezone(&chrono_tz::Europe::London)
            .date_naive()
    });
    let cases = store.open_case_deadlines(code.as_deref()).await?;
    let mut rows = Vec::new();
    for case in &cases {
        let met = |s: Satisfier| match s {
            Satisfier::Acknowledgement => case.facts.acknowledged_at.is_some(),
            Satisfier::LeadNamed => case.lead_named,
            Satisfier::AuthorityResponse | Satisfier::Manual => false,
        };
        for open in config
            .protocol
            .open_deadlines(&case.facts, met, &config.calendar, today)
        {
            rows.push((open.rag, open.due, case, open.rule));
        }
    }
    rows.sort_by_key(|(rag, due, case, _)| (*rag, *due, case.reference.clone()));
    println!(
        "{} on {}",
        config.protocol.name,
        today.format("%A %-d %B %Y")
    );
    println!(
        "{:<6} {:<16} {:<20} {:<4} {:<10} WHAT (COMMITMENT)",
        "STATE", "DUE", "REFERENCE", "LHA", "OWED BY"
    );
    for (rag, due, case, rule) in &rows {
        let state = match rag {
            Rag::Red => "RED",
            Rag::Amber => "AMBER",
            Rag::Green => "GREEN",
        };
        let owed = match rule.owed_by {
            dtr_gateway::core::protocol::Owner::Authority => "authority",
            dtr_gateway::core::protocol::Owner::Referrer => "referrer",
        };
        println!(
            "{:<6} {:<16} {:<20} {:<4} {:<10} {} ({})",
            state,
            due.format("%a %-d %b %Y"),
            case.reference,
            case.authority,
            owed,
            rule.description,
            rule.commitment
        );
    }
    println!("{} open deadline(s)", rows.len());
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
            c.reference,
            c.authority,
            c.status,
            c.referral_type.as_deref().unwrap_or("-"),
            if c.urgent { "yes" } else { "" },
            c.expected_release_date.as_deref().unwrap_or("-"),
            local_time(&c.received_at)
        );
    }
    println!("{} case(s)", cases.len());
    Ok(ExitCode::SUCCESS)
}

async fn show_case(store: &Store, reference: &str) -> Result<ExitCode> {
    let case = store.case(reference).await?;
    let s = &case.summary;
    println!("Case {}  ({}, {})", s.reference, s.authority, s.status);
    if s.urgent {
        println!("URGENT");
    }
    println!("Received: {}", local_time(&s.received_at));
    if !case.missing.is_empty() {
        println!("Still missing: {}", case.missing.join(", "));
    }
    println!("\nReferral:");
    if let serde_json::Value::Object(fields) = case.referral.to_json() {
        for (key, value) in fields {
            let value = match value {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            println!("  {key:<26} {value}");
        }
    }
    println!("\nTimeline:");
    for e in &case.events {
        println!(
            "  {}  {}  {}",
            e.at,
            e.kind,
            e.detail.as_deref().unwrap_or("")
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn run_daemon(config: Config, store: Store) -> Result<ExitCode> {
    use tokio::signal::unix::{signal, SignalKind};
    let (stop, shutdown) = dtr_gateway::source::Shutdown::new();
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    tokio::spawn(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        tracing::info!("stopping: finishing the messages in hand");
        let _ = stop.send(true);
    });
    let watched = config
        .mailboxes
        .iter()
        .filter(|m| m.source != dtr_gateway::config::Source::None)
        .count();
    tracing::info!(mailboxes = watched, "dtr-gateway running");
    let templates = dtr_gateway::templates::Templates::load(config.source.as_deref())
        .context("cannot load the mail templates")?;
    let codes: Vec<&str> = config.authorities.iter().map(|a| a.code.as_str()).collect();
    if let Err(errors) = templates.check(&codes) {
        for e in &errors {
            eprintln!("dtr-gateway: {e}");
        }
        bail!(
            "{} template(s) cannot be rendered; fix them before starting",
            errors.len()
        );
    }
    dtr_gateway::daemon::run(
        std::sync::Arc::new(config),
        store,
        std::sync::Arc::new(templates),
        shutdown,
    )
    .await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
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
        let error = match (&r.last_error, &r.last_error_at) {
            (Some(e), Some(at)) => format!("{} ({})", e, local_time(at)),
            (Some(e), None) => e.clone(),
            _ => String::new(),
        };
        println!(
            "{:<16} {:<12} {:<11} {:>8} {:>6} {:<22} {}",
            r.mailbox,
            r.folder,
            r.state,
            r.last_uid
                .map(|u| u.to_string())
                .unwrap_or_else(|| "-".into()),
            r.recorded_today,
            r.last_message_at
                .as_deref()
                .map(local_time)
                .unwrap_or_else(|| "-".into()),
            error
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn outbox(store: &Store, failed: bool, action: Option<OutboxAction>) -> Result<ExitCode> {
    if let Some(OutboxAction::Retry { id }) = action {
        if store.retry_outbox(id).await? {
            println!("outbox {id}: queued again; the running daemon sends it within seconds");
            return Ok(ExitCode::SUCCESS);
        }
        bail!("outbox {id} is not a failed mail (see `dtr-gateway outbox --failed`)");
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
            r.status,
            r.purpose,
            r.case_ref.as_deref().unwrap_or("-"),
            r.attempts,
            sent,
            detail
        );
    }
    println!("{} mail(s)", rows.len());
    Ok(ExitCode::SUCCESS)
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
        target.display(),
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
