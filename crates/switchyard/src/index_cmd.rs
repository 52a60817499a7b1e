//! `switchyard index PATH --name NAME`: build or refresh a repository's index once, print
//! what it did, and optionally the best chunks for a query.

use clap::Args;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use switchyard_codebase::{IndexSettings, Repository};

/// `switchyard index ...`.
#[derive(Debug, Args)]
pub struct IndexArgs {
    /// The repository's directory.
    path: PathBuf,
    /// The repository's name (its index directory under the data dir).
    #[arg(long)]
    name: String,
    /// Where indexes live (default: ~/.cache/switchyard/index).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Files larger than this many bytes are skipped.
    #[arg(long, default_value_t = 1024 * 1024)]
    max_file_bytes: u64,
    /// Print the best chunks for this query.
    #[arg(long)]
    query: Option<String>,
    /// Chunks to print for --query.
    #[arg(long, default_value_t = 5)]
    limit: usize,
    /// Print the chunks that fit this many tokens for --query (the context a request
    /// would get) instead of the top hits.
    #[arg(long)]
    context_tokens: Option<u64>,
    /// Run --query this many times and print the median time (benchmarks).
    #[arg(long, default_value_t = 1)]
    repeat: usize,
}

/// Runs the command; the text to print.
pub fn run(args: IndexArgs) -> anyhow::Result<String> {
    let mut settings = IndexSettings::new(
        args.data_dir
            .unwrap_or_else(switchyard_codebase::default_data_dir),
    );
    settings.max_file_bytes = args.max_file_bytes;
    let (repo, stats) = Repository::open_or_build(&args.name, &args.path, settings)?;
    let seconds = stats.elapsed.as_secs_f64();
    let mut out = String::new();
    writeln!(
        out,
        "{}: {} ({} files indexed in {})",
        repo.name(),
        repo.root().display(),
        stats.files_total,
        repo.index_dir().display()
    )?;
    writeln!(
        out,
        "files: {} walked, {} read, {} unchanged, {} added, {} changed, {} removed, {} binary, {} too large",
        stats.files_walked,
        stats.files_read,
        stats.files_unchanged,
        stats.files_added,
        stats.files_changed,
        stats.files_removed,
        stats.skipped_binary,
        stats.skipped_too_large
    )?;
    writeln!(
        out,
        "chunks: {} written, {} total; time {:.3} s ({:.0} files/s walked)",
        stats.chunks_indexed,
        stats.chunks_total,
        seconds,
        stats.files_walked as f64 / seconds.max(1e-9)
    )?;
    let Some(query) = args.query else {
        return Ok(out);
    };
    let mut times = Vec::with_capacity(args.repeat.max(1));
    let mut hits = Vec::new();
    for _ in 0..args.repeat.max(1) {
        let started = Instant::now();
        hits = match args.context_tokens {
            Some(budget) => repo.context(&query, budget)?.chunks,
            None => repo.search(&query, args.limit)?,
        };
        times.push(started.elapsed());
    }
    times.sort();
    let median = times
        .get(times.len() / 2)
        .copied()
        .unwrap_or(Duration::ZERO);
    writeln!(
        out,
        "query {query:?}: {} hits, median {:.3} ms over {} runs",
        hits.len(),
        median.as_secs_f64() * 1000.0,
        times.len()
    )?;
    for (rank, hit) in hits.iter().enumerate() {
        writeln!(
            out,
            "{:>3}. {}:{}-{}  {} {}  (score {:.2})",
            rank + 1,
            hit.path,
            hit.start_line,
            hit.end_line,
            hit.kind,
            hit.symbol.as_deref().unwrap_or("-"),
            hit.score
        )?;
    }
    Ok(out)
}
