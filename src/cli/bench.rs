//! `dtr-gateway bench`: parse, intake and sweep throughput, printed as figures.

use super::*;
use anyhow::{bail, Result};
use chrono::Utc;
use dtr_gateway::core::form::read_form;
use dtr_gateway::documents::{read_document, DocumentKind, LIMITS};
use dtr_gateway::message::{analyse, Context};
use dtr_gateway::store::shown_url;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

pub(crate) fn bench_parse(
    dir: Option<&Path>,
    folders: &[PathBuf],
    seconds: u64,
) -> Result<ExitCode> {
    let config = load_config(dir, false)?;
    let mut corpus = Vec::new();
    // Attached documents, by kind: Word, PDF, OpenDocument.
    let mut documents: Vec<(DocumentKind, Vec<u8>)> = Vec::new();
    for folder in folders {
        for entry in std::fs::read_dir(folder)
            .with_context(|| format!("cannot read {}", folder.display()))?
        {
            let path = entry?.path();
            let read =
                || std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()));
            let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if extension == "eml" {
                corpus.push(read()?);
            } else if matches!(extension, "docx" | "pdf" | "odt") {
                let kind = DocumentKind::of(path.to_str(), "");
                documents.push((kind, read()?));
            }
        }
    }
    if corpus.is_empty() && documents.is_empty() {
        bail!("no .eml, .docx, .odt or .pdf files in the folders given");
    }
    if !corpus.is_empty() {
        bench_messages(&config, &corpus, seconds);
    }
    for (kind, what) in [
        (DocumentKind::Docx, "Word"),
        (DocumentKind::Pdf, "PDF"),
        (DocumentKind::Odt, "OpenDocument"),
    ] {
        let of_kind: Vec<&[u8]> = documents
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, b)| b.as_slice())
            .collect();
        if !of_kind.is_empty() {
            bench_documents(kind, what, &of_kind, seconds);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn bench_messages(config: &dtr_gateway::config::Config, corpus: &[Vec<u8>], seconds: u64) {
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
        for raw in corpus {
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
}

/// Reads each document and its form, as intake does for an attachment.
fn bench_documents(kind: DocumentKind, what: &str, corpus: &[&[u8]], seconds: u64) {
    let bytes: usize = corpus.iter().map(|d| d.len()).sum();
    let started = Instant::now();
    let mut read = 0u64;
    let mut forms = 0u64;
    while started.elapsed().as_secs() < seconds {
        for document in corpus {
            if let Ok(text) = read_document(kind, document, &LIMITS) {
                forms += u64::from(read_form(&text).is_referral());
            }
            read += 1;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "read {read} {what} documents ({} distinct, {:.1} KiB on average, {forms} forms) in {elapsed:.2} s on one thread: {:.0} documents/s",
        corpus.len(),
        bytes as f64 / corpus.len() as f64 / 1024.0,
        read as f64 / elapsed
    );
}

pub(crate) fn bench_intake(
    dir: Option<&Path>,
    messages: usize,
    streams: usize,
    instances: usize,
    postgres: Option<&str>,
) -> Result<ExitCode> {
    let mut config = load_config(dir, false)?;
    // Answered as mail just received is, so each message queues its answers.
    config.answer_max_age = chrono::Duration::days(36_500);
    let runtime = runtime()?;
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

pub(crate) fn bench_sweep(dir: Option<&Path>, cases: usize) -> Result<ExitCode> {
    let config = load_config(dir, false)?;
    // A working day at 10:00 UK time: Tuesday 1 December 2026.
    let now = chrono::DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
        .context("bench time")?
        .with_timezone(&Utc);
    let folder = tempfile_dir()?;
    let file = folder.join("bench-sweep.db");
    let runtime = runtime()?;
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

pub(crate) fn bench_web(dir: Option<&Path>, cases: usize, runs: usize) -> Result<ExitCode> {
    let config = load_config(dir, false)?;
    let folder = tempfile_dir()?;
    let file = folder.join("bench-web.db");
    let runtime = runtime()?;
    let result = runtime.block_on(dtr_gateway::bench::web(
        &config,
        &file,
        cases,
        runs,
        Utc::now(),
    ));
    let _ = std::fs::remove_dir_all(&folder);
    let figures = result?;
    println!(
        "web view, {} open cases of one authority, its officer signed in, {runs} runs each \
         (median, slowest):",
        figures.cases
    );
    println!(
        "GET /cases: {:.1} ms, {:.1} ms ({} cases on the first page, {} KiB) (goal: under 100 ms)",
        figures.list.0,
        figures.list.1,
        figures.listed,
        figures.bytes / 1024
    );
    println!(
        "GET /cases?q=NAME (one found): {:.1} ms, {:.1} ms",
        figures.search.0, figures.search.1
    );
    println!(
        "GET /cases?overdue=yes (every case's deadlines worked out): {:.1} ms, {:.1} ms",
        figures.overdue.0, figures.overdue.1
    );
    println!(
        "GET /cases?order=urgent (the most urgent first: every case's deadlines worked out): \
         {:.1} ms, {:.1} ms",
        figures.urgent.0, figures.urgent.1
    );
    println!(
        "sign-in to list (POST /sign-in/TOKEN, then GET /cases): {:.1} ms, {:.1} ms",
        figures.sign_in_to_list.0, figures.sign_in_to_list.1
    );
    Ok(ExitCode::SUCCESS)
}

/// A fresh folder under the system's temporary folder.
pub(crate) fn tempfile_dir() -> Result<PathBuf> {
    let folder = std::env::temp_dir().join(format!("dtr-gateway-bench-{}", std::process::id()));
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    Ok(folder)
}
