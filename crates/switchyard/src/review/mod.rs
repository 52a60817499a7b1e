//! `switchyard review`: the working tree's diff against a revision, reviewed by the
//! gateway's code API (`review` task) hunk by hunk with the code around each hunk, printed
//! as Markdown, SARIF or JSON, with an exit code for CI.
//!
//! Exit codes: 0 when no finding is at or above `--fail-on`, 1 when one is, 2 when the
//! review could not run (not a git repository, unknown revision, gateway unreachable,
//! refusing or silent past the timeout) or could not finish (an answer without readable findings) and found nothing
//! at or above the threshold in the parts that did.

mod diff;
mod findings;
mod format;
mod plan;

use crate::code_client::{CodeClient, CodeQuestion, GatewayArgs};
use crate::plural;
use anyhow::Context as _;
use clap::Args;
use findings::Severity;
use format::{Format, PartOutcome, Report};
use futures_util::StreamExt as _;
use plan::{Part, SourceFile};
use std::path::Path;
use std::process::ExitCode;
use switchyard_codeintel::CodeTask;

/// Exit code when a finding is at or above the threshold.
const EXIT_FINDINGS: u8 = 1;
/// Exit code when the review could not run or finish.
const EXIT_NOT_REVIEWED: u8 = 2;

/// `switchyard review ...`.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    #[command(flatten)]
    gateway: GatewayArgs,
    /// The revision the working tree is compared with (a branch, tag or commit).
    #[arg(long, default_value = "HEAD")]
    base: String,
    /// Output: markdown (a pull-request comment), sarif (2.1.0, code scanning), json.
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    format: Format,
    /// Exit 1 when a finding is at least this severe. Default `high`: model findings are
    /// advice, and a gate that fails on every medium remark gets switched off.
    #[arg(long, value_enum, default_value_t = Threshold::High)]
    fail_on: Threshold,
    /// Most tokens of code per request (estimated as characters / 4); larger diffs are
    /// split into several requests. The instructions (~250 tokens) and the gateway's
    /// template come on top.
    #[arg(long, default_value_t = 6000, value_parser = clap::value_parser!(u64).range(50..))]
    max_tokens_per_request: u64,
    /// Lines of surrounding code sent above and below each hunk.
    #[arg(long, default_value_t = 20)]
    context_lines: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=32))]
    concurrency: u64,
    /// Seconds to wait for one request's answer before giving up on the review (the
    /// client only bounds connecting; a gateway that accepts and never answers would
    /// otherwise hold the CI job until the job's own limit).
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    timeout_secs: u64,
}

/// The severity from which findings fail the review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Threshold {
    /// Any finding.
    Low,
    /// Medium and high findings.
    Medium,
    /// High findings only.
    High,
    /// Never: report only.
    Never,
}

impl Threshold {
    fn fails(self, severity: Severity) -> bool {
        match self {
            Threshold::Low => true,
            Threshold::Medium => severity >= Severity::Medium,
            Threshold::High => severity >= Severity::High,
            Threshold::Never => false,
        }
    }
}

/// Runs the review, prints the report (stdout) and problems (stderr); the exit code.
pub fn run(args: ReviewArgs, runtime: &tokio::runtime::Runtime) -> ExitCode {
    match review(&args, runtime) {
        Ok(report) => {
            print!("{}", format::render(&report, args.format));
            for part in &report.parts {
                if let Err(reason) = &part.result {
                    eprintln!(
                        "warning: {} lines {} not reviewed: {reason}",
                        part.file,
                        plan::ranges_label(&part.hunks)
                    );
                }
            }
            let failing = report
                .findings
                .iter()
                .filter(|f| args.fail_on.fails(f.severity))
                .count();
            if failing > 0 {
                ExitCode::from(EXIT_FINDINGS)
            } else if report.incomplete() {
                eprintln!("error: the review is incomplete: some parts were not reviewed");
                ExitCode::from(EXIT_NOT_REVIEWED)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_NOT_REVIEWED)
        }
    }
}

fn review(args: &ReviewArgs, runtime: &tokio::runtime::Runtime) -> anyhow::Result<Report> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let root = diff::repository_root(&cwd)?;
    let parsed = diff::diff_against(&root, &args.base)?;
    let mut skipped: Vec<(String, String)> = parsed
        .skipped
        .iter()
        .map(|(file, why)| (file.clone(), (*why).to_owned()))
        .collect();
    let mut sources = Vec::new();
    for file in parsed.files {
        match load(&root, file) {
            Ok(source) => sources.push(source),
            Err((path, why)) => skipped.push((path, why)),
        }
    }
    let budget = usize::try_from(args.max_tokens_per_request).unwrap_or(usize::MAX);
    let parts = plan::plan(&sources, args.context_lines, budget);
    let mut report = Report {
        base: args.base.clone(),
        budget,
        files: sources.iter().map(|s| s.path.clone()).collect(),
        skipped,
        ..Report::default()
    };
    if parts.is_empty() {
        return Ok(report);
    }
    eprintln!(
        "reviewing {} of {} against {} in {} (at most {} at a time)",
        plural(parts.iter().map(|p| p.hunks.len()).sum(), "hunk", "hunks"),
        plural(report.files.len(), "file", "files"),
        args.base,
        plural(parts.len(), "part", "parts"),
        args.concurrency
    );
    let client = CodeClient::new(&args.gateway)?;
    let concurrency = usize::try_from(args.concurrency).unwrap_or(1);
    let timeout = std::time::Duration::from_secs(args.timeout_secs);
    let answers = runtime.block_on(ask_all(&client, &parts, concurrency, timeout));
    for (part, answer) in parts.iter().zip(answers) {
        let text = answer.with_context(|| {
            format!("cannot review {} lines {}", part.path, part.ranges_label())
        })?;
        let result = findings::findings_for(part, &text).map(|found| {
            report.dropped += found.dropped;
            let kept = found.kept.len();
            report.findings.extend(found.kept);
            kept
        });
        report.parts.push(PartOutcome {
            file: part.path.clone(),
            hunks: part.hunks.clone(),
            tokens: part.tokens,
            result,
        });
    }
    report.findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.file.cmp(&b.file))
            .then_with(|| a.line.cmp(&b.line))
    });
    Ok(report)
}

/// The working-tree file of `file`, with its language; or its path and why it is skipped.
fn load(root: &Path, file: diff::FileDiff) -> Result<SourceFile, (String, String)> {
    let Some(language) = switchyard_codebase::language_of(Path::new(&file.path)) else {
        return Err((file.path, "no language the code API knows".to_owned()));
    };
    let bytes = match std::fs::read(root.join(&file.path)) {
        Ok(bytes) => bytes,
        Err(e) => return Err((file.path, format!("cannot read it: {e}"))),
    };
    if bytes.contains(&0) {
        return Err((file.path, "binary".to_owned()));
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return Err((file.path, "not UTF-8 text".to_owned()));
    };
    Ok(SourceFile {
        path: file.path,
        language,
        lines: text.lines().map(str::to_owned).collect(),
        hunks: file.hunks,
    })
}

/// The instructions of one part's request (the gateway's `review` template puts "Review
/// this <language> code for bugs..." before them and the code after). The line-number
/// prefixes let the model cite the file's own line numbers.
fn instructions(part: &Part) -> String {
    format!(
        "File: {path}. Review the changed lines ({lines}); the other lines are there for context.\n\
         Each line of the code below starts with its line number in the file, then `+` for a changed line or a space for a context line, then `| `; that prefix is not part of the code.\n\
         Answer with exactly one JSON object in a ```json fenced block, of the form \
         {{\"findings\":[{{\"line\":12,\"severity\":\"high\",\"message\":\"what is wrong\",\"suggestion\":\"how to fix it\"}}]}}, \
         where `line` is the line number of the changed line the finding is about and `severity` is \
         `low` (style, clarity), `medium` (a likely bug or a risky practice) or `high` (a definite bug, a security problem, data loss). \
         Report only problems in the changed lines. With no problem, answer {{\"findings\":[]}}.",
        path = part.path,
        lines = part.ranges_label(),
    )
}

/// Asks the gateway about every part, `concurrency` at a time, each within `timeout`; the
/// answers' text in the parts' order.
async fn ask_all(
    client: &CodeClient,
    parts: &[Part],
    concurrency: usize,
    timeout: std::time::Duration,
) -> Vec<anyhow::Result<String>> {
    futures_util::stream::iter(parts)
        .map(|part| async move {
            let prompt = instructions(part);
            let question = CodeQuestion {
                task: CodeTask::Review,
                language: part.language,
                prompt: &prompt,
                context: Some(&part.code),
            };
            match tokio::time::timeout(timeout, client.ask(&question)).await {
                Ok(answer) => Ok(answer?.text),
                Err(_) => anyhow::bail!(
                    "no answer from the gateway within {} s (--timeout-secs)",
                    timeout.as_secs()
                ),
            }
        })
        .buffered(concurrency)
        .collect()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        review: ReviewArgs,
    }

    #[test]
    fn defaults_and_thresholds() {
        let cli = Cli::try_parse_from(["review"]).unwrap();
        let args = cli.review;
        assert_eq!(args.base, "HEAD");
        assert_eq!(args.format, Format::Markdown);
        assert_eq!(args.fail_on, Threshold::High);
        assert_eq!(args.max_tokens_per_request, 6000);
        assert_eq!(args.timeout_secs, 300);
        assert!(Threshold::High.fails(Severity::High));
        assert!(!Threshold::High.fails(Severity::Medium));
        assert!(Threshold::Medium.fails(Severity::Medium));
        assert!(!Threshold::Medium.fails(Severity::Low));
        assert!(Threshold::Low.fails(Severity::Low));
        assert!(!Threshold::Never.fails(Severity::High));
        assert!(Cli::try_parse_from(["review", "--max-tokens-per-request", "10"]).is_err());
        assert!(Cli::try_parse_from(["review", "--format", "xml"]).is_err());
    }

    #[test]
    fn instructions_name_the_file_lines_and_the_answer_shape() {
        let part = Part {
            path: "src/a.rs".to_owned(),
            language: switchyard_codeintel::Language::Rust,
            hunks: vec![diff::LineRange { start: 4, end: 6 }],
            code: String::new(),
            tokens: 0,
        };
        let text = instructions(&part);
        assert!(text.contains("File: src/a.rs. Review the changed lines (4-6)"));
        // The demo reviewer (switchyard-mock's demo_review) keys on this phrase.
        assert!(text.contains("starts with its line number in the file"));
        assert!(text.contains("{\"findings\":[]}"));
    }
}
