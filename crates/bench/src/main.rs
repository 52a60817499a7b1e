//! `switchyard-bench`: measures what the gateway adds on top of the upstream it proxies.
//!
//! `overhead` starts `switchyard-mock` and a `switchyard` gateway in front of it, then runs the
//! same load directly against the mock and through the gateway, interleaved over several
//! rounds, and reports latency, throughput and CPU per request (medians of the rounds).

mod analytics_cost;
mod children;
mod load;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, Context as _};
use bytes::Bytes;
use clap::{Args, Parser, Subcommand};
use hyper::Uri;

use children::{cpu_ticks, ChildGuard, WorkDir};
use load::{Load, Target};
use report::{CpuTicks, Pair, RunStats, Scenario, Summary};

/// Load generator measuring Switchyard's overhead against a direct upstream.
#[derive(Debug, Parser)]
#[command(name = "switchyard-bench", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compare requests sent directly to switchyard-mock with the same requests through switchyard.
    Overhead(OverheadArgs),
    /// Compare two gateways in front of one mock, analytics off and on, at saturation.
    AnalyticsCost(analytics_cost::AnalyticsCostArgs),
}

#[derive(Debug, Args)]
struct OverheadArgs {
    /// Requests per measured run (default: 2000 at concurrency 1, 5000 above).
    #[arg(long)]
    requests: Option<u64>,
    /// Time cap of each measured run, in seconds.
    #[arg(long, default_value_t = 30)]
    duration_secs: u64,
    /// Concurrency levels (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "1,32")]
    concurrency: Vec<usize>,
    /// Scenarios (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "non-streaming,streaming")]
    scenarios: Vec<Scenario>,
    /// Rounds of each direct/gateway pair; the report shows medians.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Warm-up requests before each measured run.
    #[arg(long, default_value_t = 200)]
    warmup: u64,
    /// Directory holding the `switchyard` and `switchyard-mock` binaries (default: this
    /// executable's directory).
    #[arg(long)]
    release_dir: Option<PathBuf>,
    /// Also write the results as a Markdown section to this file (overwritten).
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Whether the gateway records analytics events (its default) or runs with
    /// `[analytics] enabled = false`.
    #[arg(long, default_value = "on", value_parser = ["on", "off"])]
    analytics: String,
    /// Whether the gateway writes its access log line per request (its default; the lines
    /// go to the gateway's stderr file) or runs with `[server] access_log = false`.
    #[arg(long, default_value = "on", value_parser = ["on", "off"])]
    access_log: String,
    /// Streams: the mock answers in this many content chunks, sent back to back (a burst,
    /// as a replayed cached answer is); default: the mock's own answer (about 10 chunks).
    #[arg(long)]
    mock_chunks: Option<u32>,
}

fn main() -> ExitCode {
    let command = Cli::parse().command;
    // One thread: the load generator shares the cores with the mock and the gateway, so it
    // should take as little of them as it can.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let run = async {
            match &command {
                Command::Overhead(args) => overhead(args).await,
                Command::AnalyticsCost(args) => analytics_cost::run(args).await,
            }
        };
        tokio::select! {
            r = run => r,
            signal = stop_signal() => Err(anyhow!("interrupted by {signal}")),
        }
    });
    // The children were killed when `overhead`'s future was dropped, whichever way it ended.
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("error: some requests failed; see the flagged rows");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Resolves on Ctrl-C, SIGTERM or SIGHUP with the signal's name, so that `overhead` is dropped
/// (and the children killed) however the bench is stopped, short of SIGKILL.
async fn stop_signal() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    let wait = |kind: SignalKind| async move {
        match signal(kind) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = wait(SignalKind::interrupt()) => "SIGINT",
        () = wait(SignalKind::terminate()) => "SIGTERM",
        () = wait(SignalKind::hangup()) => "SIGHUP",
    }
}

/// The processes under test and how to reach them.
struct Setup {
    mock: ChildGuard,
    direct_uri: Uri,
    /// One gateway per requested config, all in front of the same mock.
    gateways: Vec<Gateway>,
    ticks_per_sec: u64,
}

/// One gateway process.
struct Gateway {
    child: ChildGuard,
    uri: Uri,
    base: String,
}

/// Which process a measured run sends its load to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// The mock itself.
    Direct,
    /// The gateway at this index of [`Setup::gateways`].
    Gateway(usize),
}

/// Directory holding the release binaries: `--release-dir`, else this executable's.
fn binary_dir(release_dir: Option<&PathBuf>) -> anyhow::Result<PathBuf> {
    match release_dir {
        Some(dir) => Ok(dir.clone()),
        None => std::env::current_exe()
            .context("cannot find this executable")?
            .parent()
            .map(PathBuf::from)
            .ok_or_else(|| anyhow!("this executable has no directory")),
    }
}

/// Runs the whole comparison; `Ok(false)` when some request failed.
async fn overhead(args: &OverheadArgs) -> anyhow::Result<bool> {
    let bin_dir = binary_dir(args.release_dir.as_ref())?;
    let work = WorkDir::create()?;
    let mock_chunks = args.mock_chunks.map(|n| n.to_string());
    let mock_args: Vec<&str> = match &mock_chunks {
        Some(n) => vec!["--chunks", n],
        None => Vec::new(),
    };
    let mut setup = start(
        &bin_dir,
        &work,
        &[args.analytics == "on"],
        &[],
        args.access_log == "on",
        &mock_args,
    )?;
    eprintln!(
        "mock on {}, gateway on {} (CPU from /proc at {} ticks/s)",
        setup.direct_uri, setup.gateways[0].uri, setup.ticks_per_sec
    );

    let mut summaries = Vec::new();
    for &scenario in &args.scenarios {
        for &concurrency in &args.concurrency {
            let concurrency = concurrency.max(1);
            let requests = args
                .requests
                .unwrap_or(if concurrency == 1 { 2000 } else { 5000 });
            let load = Load {
                concurrency,
                requests,
                max_duration: Duration::from_secs(args.duration_secs.max(1)),
            };
            let mut rounds = Vec::new();
            for round in 0..args.rounds.max(1) {
                // Alternate which side goes first, so a drift in the machine hits both.
                let gateway_first = round % 2 == 1;
                let mut pair = [None, None];
                for via_gateway in [gateway_first, !gateway_first] {
                    let side = if via_gateway {
                        Side::Gateway(0)
                    } else {
                        Side::Direct
                    };
                    let stats = measure(&mut setup, scenario, side, load, args.warmup)
                        .await
                        .with_context(|| {
                            format!("{} c={concurrency} round {}", scenario.name(), round + 1)
                        })?;
                    pair[usize::from(via_gateway)] = Some(stats);
                }
                if let [Some(direct), Some(gateway)] = pair {
                    eprintln!(
                        "{} c={concurrency} round {}: direct {} ok {:.0} req/s p50 {:.3} ms, \
                         gateway {} ok {:.0} req/s p50 {:.3} ms, gateway CPU {:.1} µs/req",
                        scenario.name(),
                        round + 1,
                        direct.ok,
                        direct.throughput,
                        direct.p50_ms,
                        gateway.ok,
                        gateway.throughput,
                        gateway.p50_ms,
                        gateway.gateway_cpu_us
                    );
                    rounds.push(Pair { direct, gateway });
                }
            }
            summaries.push(Summary {
                scenario,
                concurrency,
                requests,
                rounds,
            });
        }
    }

    println!("{}", report::table(&summaries));
    print!("{}", report::target_lines(&summaries));
    if let Some(path) = &args.markdown {
        let ctx = report::Context {
            cpus: std::thread::available_parallelism().map_or(0, usize::from),
            cpu_model: cpu_model(),
            date: utc_now(),
            command: std::env::args().collect::<Vec<_>>().join(" "),
            rounds: args.rounds.max(1),
            warmup: args.warmup,
            ticks_per_sec: setup.ticks_per_sec,
        };
        std::fs::write(path, report::markdown(&ctx, &summaries))
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(summaries.iter().all(|s| s.errors() == 0))
}

/// Starts the mock, then one gateway in front of it per entry of `analytics` (each with
/// analytics on or off; on ones get `settings` in their `[analytics]` section), all with
/// the access log on or off.
fn start(
    bin_dir: &std::path::Path,
    work: &WorkDir,
    analytics: &[bool],
    settings: &[String],
    access_log: bool,
    mock_args: &[&str],
) -> anyhow::Result<Setup> {
    let mock_bin = children::locate(bin_dir, "switchyard-mock")?;
    let mut args = vec!["--listen", "127.0.0.1:0"];
    args.extend_from_slice(mock_args);
    let (mock, mock_addr) = ChildGuard::spawn(
        "switchyard-mock",
        &mock_bin,
        &args,
        Some("warn"),
        work.file("mock.stderr"),
    )?;
    let mut gateways = Vec::new();
    for (i, &analytics) in analytics.iter().enumerate() {
        let config = work.file(&format!("gateway-{i}.toml"));
        std::fs::write(
            &config,
            children::gateway_config(mock_addr, analytics, settings, access_log),
        )
        .with_context(|| format!("cannot write {}", config.display()))?;
        gateways.push(start_gateway(bin_dir, work, i)?);
    }
    Ok(Setup {
        mock,
        direct_uri: format!("http://{mock_addr}/v1/chat/completions").parse()?,
        gateways,
        ticks_per_sec: children::clock_ticks_per_second(),
    })
}

/// Starts gateway `i` with the config [`start`] wrote for it.
fn start_gateway(bin_dir: &std::path::Path, work: &WorkDir, i: usize) -> anyhow::Result<Gateway> {
    let gateway_bin = children::locate(bin_dir, "switchyard")?;
    let config = work.file(&format!("gateway-{i}.toml"));
    let config_arg = config
        .to_str()
        .ok_or_else(|| anyhow!("temp path {} is not UTF-8", config.display()))?;
    let (child, addr) = ChildGuard::spawn(
        "switchyard",
        &gateway_bin,
        &[
            "serve",
            "--config",
            config_arg,
            "--listen",
            "127.0.0.1:0",
            // Warnings, and the access log when the config turns it on (as it is by default).
            "--log-level",
            "warn,switchyard::access=info",
        ],
        None,
        work.file(&format!("gateway-{i}.stderr")),
    )?;
    Ok(Gateway {
        child,
        uri: format!("http://{addr}/v1/chat/completions").parse()?,
        base: format!("http://{addr}"),
    })
}

/// Stops every gateway gracefully (so the "on" one flushes its events) and starts a fresh
/// process for each, with the same config and store.
fn restart_gateways(
    setup: &mut Setup,
    bin_dir: &std::path::Path,
    work: &WorkDir,
) -> anyhow::Result<()> {
    for (i, gateway) in setup.gateways.iter_mut().enumerate() {
        gateway.child.terminate(Duration::from_secs(15))?;
        *gateway = start_gateway(bin_dir, work, i)?;
    }
    Ok(())
}

/// The request body: model `bench` through the gateway, `bench-model` directly.
fn request_body(model: &str, streaming: bool) -> Bytes {
    let mut body = serde_json::json!({
        "model": model,
        "messages": [{"role": "user", "content": "Write a function that reverses a string"}],
        "max_tokens": 64,
    });
    if streaming {
        body["stream"] = serde_json::Value::Bool(true);
    }
    Bytes::from(body.to_string())
}

/// Warms up, then runs one measured load on one side and reads the CPU around it.
async fn measure(
    setup: &mut Setup,
    scenario: Scenario,
    side: Side,
    load: Load,
    warmup: u64,
) -> anyhow::Result<RunStats> {
    let streaming = scenario == Scenario::Streaming;
    let (uri, model, gateway) = match side {
        Side::Direct => (setup.direct_uri.clone(), "bench-model", 0),
        Side::Gateway(i) => {
            let g = setup
                .gateways
                .get(i)
                .ok_or_else(|| anyhow!("no gateway {i}"))?;
            (g.uri.clone(), "bench", i)
        }
    };
    let via_gateway = side != Side::Direct;
    let target = Target {
        uri,
        body: request_body(model, streaming),
        streaming,
    };
    // A fresh client per run: its connections are opened by the warm-up, and closed after.
    let client = load::client(load.concurrency);
    if warmup > 0 {
        let warm = load::run(
            &client,
            &target,
            Load {
                requests: warmup,
                ..load
            },
        )
        .await;
        if warm.latencies.is_empty() {
            return Err(anyhow!(
                "every warm-up request {} failed: {}",
                if via_gateway {
                    "through the gateway"
                } else {
                    "to the mock"
                },
                warm.first_error.unwrap_or_default()
            ));
        }
    }
    let before = read_ticks(setup, gateway)?;
    let out = load::run(&client, &target, load).await;
    let after = read_ticks(setup, gateway)?;
    setup.mock.ensure_running()?;
    for g in &mut setup.gateways {
        g.child.ensure_running()?;
    }
    Ok(RunStats::new(&out, before, after, setup.ticks_per_sec))
}

/// CPU ticks of the mock, gateway `gateway` and the bench itself.
fn read_ticks(setup: &Setup, gateway: usize) -> anyhow::Result<CpuTicks> {
    let pid = setup
        .gateways
        .get(gateway)
        .ok_or_else(|| anyhow!("no gateway {gateway}"))?
        .child
        .pid();
    Ok(CpuTicks {
        gateway: cpu_ticks(Some(pid))?,
        mock: cpu_ticks(Some(setup.mock.pid()))?,
        bench: cpu_ticks(None)?,
    })
}

/// The CPU model from `/proc/cpuinfo`.
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}

/// The current UTC time as `YYYY-MM-DD HH:MM UTC`.
fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days(i64::try_from(secs / 86_400).unwrap_or(0));
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// Days since 1970-01-01 to (year, month, day), after Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
    }

    #[test]
    fn bodies() {
        let b = request_body("bench", true);
        let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
        assert_eq!(v["model"], "bench");
        assert_eq!(v["stream"], true);
        assert_eq!(v["max_tokens"], 64);
        let b = request_body("bench-model", false);
        let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
        assert!(v.get("stream").is_none());
    }
}
