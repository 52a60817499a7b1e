//! `switchyard`: the gateway binary. Thin: parses the command line, loads config, and hands
//! over to the gateway crate.

mod cache_eval;
mod code_client;
mod docs;
mod index_cmd;
mod review;
mod router_cmd;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use std::{io::Write as _, net::SocketAddr, path::PathBuf, process::ExitCode};
use switchyard_analytics::Analytics;
use switchyard_gateway::{
    config::{demo_config, environment_config, DEFAULT_LISTEN},
    AppState, Config,
};

// glibc's allocator showed up as ~17 % of the gateway's CPU at saturation (arena contention
// between tokio workers and the analytics writer, which frees events the workers allocated);
// mimalloc's thread-local free lists avoid that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Switchyard: an LLM API gateway for code-generation traffic.
#[derive(Debug, Parser)]
#[command(name = "switchyard", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the gateway.
    Serve {
        /// Config file (TOML). Without one (and without SWITCHYARD_CONFIG), providers come
        /// from OPENAI_API_KEY / ANTHROPIC_API_KEY / GEMINI_API_KEY, or are simulated.
        #[arg(long, env = "SWITCHYARD_CONFIG")]
        config: Option<PathBuf>,
        /// Listen address, overriding the config (use port 0 for any free port).
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Log filter, e.g. `info`, `debug`, `switchyard_gateway=debug` (or RUST_LOG).
        #[arg(long, default_value = "info")]
        log_level: String,
        /// Worker threads (also TOKIO_WORKER_THREADS). Default: one per core on machines
        /// with more than two cores, else one (see BENCHMARKS.md: on two cores a second
        /// worker costs more in cross-thread wake-ups than it adds).
        #[arg(long)]
        worker_threads: Option<usize>,
    },
    /// Validate a config file and exit (non-zero with the file, key and problem).
    Check {
        /// Config file (TOML).
        #[arg(long)]
        config: PathBuf,
    },
    /// Print usage and cost from the analytics store as a table.
    Report {
        /// Config file whose `[analytics]` store to read (default: switchyard-analytics.db
        /// in the working directory).
        #[arg(long, env = "SWITCHYARD_CONFIG")]
        config: Option<PathBuf>,
        /// Start: relative (`7d`, `24h`), RFC 3339, or a date.
        #[arg(long, default_value = "7d")]
        since: String,
        /// End (default: now).
        #[arg(long)]
        until: Option<String>,
        /// Rows by: model, provider, language, task, tier, key or cache.
        #[arg(long, default_value = "model")]
        group_by: String,
    },
    /// Index a repository once (or refresh its index) and optionally search it.
    Index(index_cmd::IndexArgs),
    /// Review the working tree's changes against a revision through the gateway's code API
    /// (exit 0: nothing at or above --fail-on; 1: findings; 2: the review could not run).
    Review(review::ReviewArgs),
    /// Document a file's public symbols that have no doc comments (a patch, or --write).
    Docs(docs::DocsArgs),
    /// Train and evaluate the complexity router's classifier.
    #[command(subcommand)]
    Router(router_cmd::RouterCommand),
    /// Response-cache tools.
    Cache {
        #[command(subcommand)]
        command: CacheCommand,
    },
}

#[derive(Debug, Subcommand)]
enum CacheCommand {
    /// Measure the semantic cache through a running gateway: each group's anchor, then its
    /// variants; prints the paraphrase hit rate and the false-hit rate on near-misses.
    Eval {
        /// A `cache-dev.jsonl`-format file.
        #[arg(long)]
        data: PathBuf,
        /// The gateway's base URL.
        #[arg(long, default_value = "http://127.0.0.1:4000")]
        url: String,
        /// The model (alias) every request names.
        #[arg(long, default_value = "gpt-4o-mini")]
        model: String,
        /// A client key of the gateway, if it requires one.
        #[arg(long, env = "SWITCHYARD_API_KEY")]
        key: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Router(command) => printed(router_cmd::run(command), ExitCode::from(2)),
        Command::Index(args) => printed(index_cmd::run(args), ExitCode::from(2)),
        // Exit 2 when the runtime cannot start: for these two, 1 means findings.
        Command::Review(args) => {
            single_threaded().map_or(ExitCode::from(2), |rt| review::run(args, &rt))
        }
        Command::Docs(args) => {
            single_threaded().map_or(ExitCode::from(2), |rt| docs::run(args, &rt))
        }
        Command::Check { config } => match Config::load(&config) {
            Ok(c) => {
                println!(
                    "{}: OK ({} providers, {} model aliases, {} routers)",
                    c.origin,
                    c.providers.len(),
                    c.models.len(),
                    c.routers.len()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Command::Cache {
            command:
                CacheCommand::Eval {
                    data,
                    url,
                    model,
                    key,
                },
        } => {
            let options = cache_eval::EvalOptions {
                data,
                url,
                model,
                key,
            };
            match single_threaded() {
                Ok(runtime) => printed(
                    runtime.block_on(cache_eval::run(&options)),
                    ExitCode::FAILURE,
                ),
                Err(code) => code,
            }
        }
        Command::Report {
            config,
            since,
            until,
            group_by,
        } => {
            let runtime = match single_threaded() {
                Ok(runtime) => runtime,
                Err(code) => return code,
            };
            let params = switchyard_analytics::SummaryParams {
                since: Some(since),
                until,
                group_by: Some(group_by),
                bucket: None,
            };
            printed(runtime.block_on(report(config, params)), ExitCode::from(2))
        }
        Command::Serve {
            config,
            listen,
            log_level,
            worker_threads,
        } => {
            init_tracing(&log_level);
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            if let Some(n) = default_worker_threads(worker_threads) {
                builder.worker_threads(n);
            }
            let runtime = match builder.enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("error: cannot start the async runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match runtime.block_on(serve(config, listen)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

/// Prints a command's output and succeeds, or prints its error and exits with `failure`.
fn printed<T: std::fmt::Display>(result: anyhow::Result<T>, failure: ExitCode) -> ExitCode {
    match result {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            failure
        }
    }
}

/// `1 part`, `3 parts`: a count and its noun, for the commands' summaries.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The runtime of the one-shot commands (a report, an eval, a review).
fn single_threaded() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("error: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        })
}

/// The worker count to set, or `None` to keep tokio's (TOKIO_WORKER_THREADS, else one per
/// core). LLM traffic is few requests per second with long waits: one worker proxies ~30k
/// requests/s here, and on a machine of two cores or fewer a second one mostly adds futex
/// wake-ups between workers (BENCHMARKS.md).
fn default_worker_threads(flag: Option<usize>) -> Option<usize> {
    if let Some(n) = flag.filter(|n| *n > 0) {
        return Some(n);
    }
    if std::env::var_os("TOKIO_WORKER_THREADS").is_some() {
        return None;
    }
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    (cores <= 2).then_some(1)
}

fn init_tracing(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only for a person at a terminal: a log file (or a collector) gets plain lines,
    // which the access log's one line per request keeps short.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .init();
}

async fn serve(config_path: Option<PathBuf>, listen: Option<SocketAddr>) -> anyhow::Result<()> {
    let default_listen: SocketAddr = DEFAULT_LISTEN.parse()?;
    // Keeps the demo mock alive for as long as the gateway runs.
    let mut _demo_mock = None;
    let config = match config_path {
        Some(path) => Config::load(&path)?,
        None => {
            let listen = listen.unwrap_or(default_listen);
            match environment_config(listen, &|name| std::env::var(name).ok()) {
                Some(c) => {
                    let names: Vec<&str> = c.providers.iter().map(|p| &*p.name).collect();
                    tracing::info!(
                        "no config file: using providers from the environment: {}",
                        names.join(", ")
                    );
                    c
                }
                None => {
                    // Demo answers: text and code, a tool call only when asked for.
                    let mock = switchyard_mock::MockServer::start(switchyard_mock::MockBehavior {
                        demo: true,
                        ..switchyard_mock::MockBehavior::default()
                    })
                    .await
                    .context("cannot start the built-in demo providers")?;
                    let c = demo_config(listen, &mock.url());
                    tracing::warn!(
                        "DEMO MODE: no config file and none of OPENAI_API_KEY, ANTHROPIC_API_KEY, \
                         GEMINI_API_KEY is set, so answers are SIMULATED by built-in providers \
                         (simulated-openai, simulated-anthropic, simulated-gemini; see the \
                         x-switchyard-provider header). Models: coder, fast, smart, auto (routes between \
                         fast and smart by complexity), or any name."
                    );
                    _demo_mock = Some(mock);
                    c
                }
            }
        }
    };
    let listen = listen.unwrap_or(config.server.listen);
    config.check_exposure(listen)?;
    let prices = AppState::price_table(&config);
    let analytics =
        match Analytics::open(config.analytics.clone(), config.base_dir.as_deref(), prices).await {
            Ok(a) => a,
            Err(e) => {
                // Analytics must never stop the gateway from serving.
                tracing::error!("analytics disabled: cannot open its store: {e}");
                Analytics::disabled()
            }
        };
    let state = AppState::with_analytics(config, analytics.clone()).map_err(anyhow::Error::msg)?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let bound = listener.local_addr()?;
    // One line on stdout, for scripts and benchmarks that start the gateway on port 0.
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on {bound}")?;
    stdout.flush()?;
    tracing::info!("switchyard listening on http://{bound}");
    switchyard_gateway::serve(listener, state.clone(), shutdown_signal()).await?;
    analytics.shutdown().await;
    if let Some(telemetry) = &state.telemetry {
        telemetry.flush().await;
    }
    tracing::info!("switchyard stopped");
    Ok(())
}

/// The `report` table for `config`'s analytics store.
async fn report(
    config_path: Option<PathBuf>,
    params: switchyard_analytics::SummaryParams,
) -> anyhow::Result<String> {
    let (analytics_config, base_dir, prices) = match config_path {
        Some(path) => {
            let config = Config::load(&path)?;
            let prices = AppState::price_table(&config);
            (config.analytics, config.base_dir, prices)
        }
        None => (
            switchyard_analytics::AnalyticsConfig::default(),
            None,
            switchyard_analytics::PriceTable::builtin(),
        ),
    };
    let query = params
        .to_query(switchyard_analytics::now_millis())
        .map_err(anyhow::Error::msg)?;
    let analytics = Analytics::open(analytics_config, base_dir.as_deref(), prices)
        .await
        .context("cannot open the analytics store")?;
    let summary = analytics.summary(query).await?;
    let text = switchyard_analytics::render_report(&summary);
    analytics.shutdown().await;
    Ok(text)
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
