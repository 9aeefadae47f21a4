//! The `dtr-gateway` command: the CLI verbs that inspect and operate the
//! gateway. Errors become one line on standard error and a non-zero exit.

mod cli;

use clap::Parser;
use dtr_gateway::terminal::printable_lines;
use std::path::PathBuf;
use std::process::ExitCode;

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
    command: cli::Command,
}

/// An error and its causes on one line, each said once: a cause whose words
/// the message before it already holds (as many libraries' messages quote
/// their source) is left out rather than repeated.
fn said_once(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        let text = text.trim();
        if text.is_empty() || line.contains(text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(text);
    }
    line
}

/// The arguments. Asked about `case REF met`, the help names the
/// deployment's own rule ids, from the configuration the command would use.
fn parse_arguments() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut command = Cli::command();
    if args.iter().any(|a| a == "met") {
        let dir = args
            .iter()
            .position(|a| a == "--config")
            .and_then(|i| args.get(i + 1))
            .map(PathBuf::from)
            .or_else(|| {
                args.iter().find_map(|a| {
                    a.to_str()
                        .and_then(|a| a.strip_prefix("--config="))
                        .map(PathBuf::from)
                })
            })
            .or_else(|| std::env::var_os("DTR_CONFIG").map(PathBuf::from));
        if let Ok((config, _)) = dtr_gateway::config::Config::load(dir.as_deref()) {
            let ids: Vec<&str> = config
                .protocol
                .rules
                .iter()
                .map(|r| r.id.as_str())
                .collect();
            let help = format!(
                "The rule's id, as `due` lists it: one of {} ({})",
                ids.join(", "),
                config.protocol.name
            );
            command = command.mut_subcommand("case", |case| {
                case.mut_subcommand("met", |met| met.mut_arg("rule", |rule| rule.help(help)))
            });
        }
    }
    let matches = command.get_matches_from(args);
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

fn main() -> ExitCode {
    let cli = parse_arguments();
    let daemon = matches!(cli.command, cli::Command::Run);
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
    // `sslpassword`, say): the store says which, by name. The PDF library
    // warns of what it mends in a document it reads (a glyph name it does
    // not know in a font's encoding, a stream it decodes another way),
    // printing the document's dictionaries: what cannot be read the
    // documents reader says itself, so only its errors are kept.
    for quiet in [
        "async_imap=info",
        "lettre=info",
        "handlebars=info",
        "sqlx_postgres::options=error",
        "lopdf=error",
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
    let options = cli::Options {
        config: cli.config,
        database: cli.database,
    };
    match cli::run(options, cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("dtr-gateway: {}", printable_lines(&said_once(&e)));
            ExitCode::FAILURE
        }
    }
}
