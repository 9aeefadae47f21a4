//! `dtr-gateway sweep`: the deadline sweep once, recorded or as a dry run.

use anyhow::Result;
use chrono::Utc;
use dtr_gateway::config::Config;
use dtr_gateway::store::Store;
use dtr_gateway::terminal::printable;
use std::process::ExitCode;

pub(crate) async fn sweep(
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
            "{} open case(s); {} follow-up(s) recorded, {} mail(s) queued{}",
            report.cases,
            report.follow_ups,
            report.queued,
            match report.recorded_elsewhere {
                0 => String::new(),
                n => format!("; {n} more found already recorded by another sweep running at once"),
            }
        ),
    }
    if !report.digests.is_empty() {
        println!(
            "morning digest queued for {}",
            printable(&report.digests.join(", "))
        );
    }
    Ok(ExitCode::SUCCESS)
}
