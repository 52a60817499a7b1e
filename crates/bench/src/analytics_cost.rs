//! `analytics-cost`: what recording every request costs at saturation.
//!
//! One mock and two gateways in front of it, identical but for `[analytics] enabled`, run the
//! same load in alternating order over many rounds (off/on, then on/off, ...), so that drift
//! in this shared, noisy machine hits both sides alike. The baseline (analytics off) is
//! measured in the same run, round by round. The report gives medians of throughput and of
//! gateway CPU per request; the cost by median throughput, by the median of the rounds'
//! paired ratios, and by their geometric mean, from throughput and from all processes' CPU,
//! each with a bootstrap interval; and proves the "on" gateway really stored the events it
//! was sent.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use clap::Args;
use http_body_util::{BodyExt as _, Full};
use hyper::{Request, Uri};

use crate::children::{toml_string, WorkDir};
use crate::load::{self, Load};
use crate::report::{median, RunStats, Scenario};
use crate::{binary_dir, cpu_model, measure, restart_gateways, start, utc_now, Side};

/// The target: analytics costs under 5 % of throughput at saturation.
const TARGET_COST: f64 = 0.05;
/// Resamples of the bootstrap interval of the mean on/off ratio.
const BOOTSTRAP_RESAMPLES: usize = 4000;
/// Index of the gateway with analytics off in [`crate::Setup::gateways`].
const OFF: usize = 0;
/// Index of the gateway with analytics on.
const ON: usize = 1;

/// The verdict on a cost estimate and the upper end of its interval.
fn interval_verdict(cost: f64, upper: f64) -> &'static str {
    if upper < TARGET_COST {
        "pass: the whole interval is under the target"
    } else if cost < TARGET_COST {
        "**not resolved**: the interval reaches past the target"
    } else {
        "**FAIL**"
    }
}

/// A cost read as 1 − the geometric mean of per-round ratios of the "on" side to the "off"
/// side, with its 95 % interval. Why geometric: an A/A pair is as likely to read 0.8 as
/// 1.25, and only the mean of the logarithms treats the two alike (the plain mean of ratios
/// leans high).
struct GeometricCost {
    cost: f64,
    lo: f64,
    hi: f64,
}

impl GeometricCost {
    /// From `ratios` in round order, the interval resampling blocks of `block` rounds; a
    /// round whose ratio has no finite logarithm (no CPU ticks, say) is skipped.
    fn of(ratios: impl Iterator<Item = f64>, block: usize) -> Self {
        let logs: Vec<f64> = ratios.map(f64::ln).collect();
        let finite: Vec<f64> = logs.iter().copied().filter(|l| l.is_finite()).collect();
        let (log_lo, log_hi) = bootstrap_mean_ci(&logs, block, BOOTSTRAP_RESAMPLES);
        Self {
            cost: 1.0 - mean(&finite).exp(),
            lo: 1.0 - log_hi.exp(),
            hi: 1.0 - log_lo.exp(),
        }
    }
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

/// The 95 % percentile-bootstrap interval of the mean of `values`, resampling whole blocks
/// of `block` consecutive values (the rounds one pair of gateway processes served: they
/// share that pair's bias, so resampling them one by one made the interval too narrow; two
/// runs of 300 rounds, restarted every 5, gave 2.9 % [1.2 … 4.4] and 4.3 % [2.7 … 5.9]).
/// Non-finite values are left out of the means. The generator is a fixed-seed xorshift, so
/// the same rounds always give the same interval.
fn bootstrap_mean_ci(values: &[f64], block: usize, resamples: usize) -> (f64, f64) {
    let blocks: Vec<(f64, usize)> = values
        .chunks(block.max(1))
        .map(|b| {
            let finite = b.iter().filter(|v| v.is_finite());
            (finite.clone().sum(), finite.count())
        })
        .collect();
    if blocks.iter().all(|&(_, n)| n == 0) {
        return (f64::NAN, f64::NAN);
    }
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let n = blocks.len();
    let mut means: Vec<f64> = (0..resamples.max(1))
        .map(|_| {
            let (sum, count) = (0..n).fold((0.0, 0usize), |(sum, count), _| {
                let (s, c) = blocks[(next() % n as u64) as usize];
                (sum + s, count + c)
            });
            sum / count.max(1) as f64
        })
        .collect();
    means.sort_by(f64::total_cmp);
    let at = |q: f64| means[((means.len() - 1) as f64 * q).round() as usize];
    (at(0.025), at(0.975))
}

#[derive(Debug, Args)]
pub struct AnalyticsCostArgs {
    /// Rounds; each runs both gateways once, in alternating order. Many short rounds: on
    /// this kind of machine single runs spread by ±10 %, and 100 rounds gave intervals
    /// ±4 % wide, 200–300 about ±2 % (200 rounds with the default warm-up: ~10 minutes).
    #[arg(long, default_value_t = 200)]
    rounds: usize,
    /// Concurrent connections (saturation on this kind of machine from ~16).
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Requests per measured run.
    #[arg(long, default_value_t = 5000)]
    requests: u64,
    /// Time cap of each measured run, in seconds.
    #[arg(long, default_value_t = 30)]
    duration_secs: u64,
    /// Warm-up requests before each measured run. The default covers the "on" gateway's
    /// first batch (`batch_size` 4096) after a restart, which costs more than the rest (its
    /// buffers grown from nothing, its SQLite file opened, the first segment written): with
    /// 300, restarted every round, that start-up fell into every measured run and read as
    /// 6.0 % instead of 1.6 % (BENCHMARKS.md).
    #[arg(long, default_value_t = 4500)]
    warmup: u64,
    /// Streamed or plain requests.
    #[arg(long, value_enum, default_value = "non-streaming")]
    scenario: Scenario,
    /// Directory holding the `switchyard` and `switchyard-mock` binaries.
    #[arg(long)]
    release_dir: Option<PathBuf>,
    /// Also write the results as a Markdown section to this file (overwritten).
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// A/A control: both gateways run with analytics off, so any "cost" reported is the
    /// bench's own bias and noise.
    #[arg(long)]
    control: bool,
    /// Start both gateways afresh every this many rounds (0: never). Two identical
    /// gateway processes can differ in speed by several per cent for as long as they live
    /// (an A/A run here measured one 8 % faster than the other, the interval excluding
    /// zero); fresh processes draw that difference anew, so it averages out over the run.
    /// Every round by default: restarting took no measurable time (6 rounds: 12.5 s either
    /// way), and each round is then an independent draw (intervals resample the rounds of
    /// one pair of processes together).
    #[arg(long, default_value_t = 1)]
    restart_every: usize,
    /// `[analytics] database` of the "on" gateway, e.g. `postgres://127.0.0.1/test` or
    /// `:memory:` (default: the SQLite file beside its config).
    #[arg(long)]
    database: Option<String>,
    /// A setting for the "on" gateway's `[analytics]` section, as `key=value` with a TOML
    /// value (repeatable), e.g. `--set batch_size=512`: compares configurations.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_setting)]
    settings: Vec<String>,
}

/// `key=value` as a TOML line, refusing what is not one.
fn parse_setting(arg: &str) -> Result<String, String> {
    let (key, value) = arg
        .split_once('=')
        .ok_or_else(|| format!("`{arg}` is not key=value"))?;
    let (key, value) = (key.trim(), value.trim());
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("`{key}` is not an [analytics] key"));
    }
    if value.is_empty() {
        return Err(format!("`{key}` has no value"));
    }
    Ok(format!("{key} = {value}"))
}

impl AnalyticsCostArgs {
    /// The "on" gateway's `[analytics]` lines.
    fn analytics_settings(&self) -> Vec<String> {
        let database = self.database.as_deref();
        let database = database.map(|db| format!("database = {}", toml_string(db)));
        database
            .into_iter()
            .chain(self.settings.iter().cloned())
            .collect()
    }
}

/// One round: the same load through both gateways.
struct Round {
    off: RunStats,
    on: RunStats,
}

/// Runs the comparison; `Ok(false)` when a request failed or events went missing.
pub async fn run(args: &AnalyticsCostArgs) -> anyhow::Result<bool> {
    let bin_dir = binary_dir(args.release_dir.as_ref())?;
    let work = WorkDir::create()?;
    let mut setup = start(
        &bin_dir,
        &work,
        &[false, !args.control],
        &args.analytics_settings(),
        true,
        &[],
    )?;
    eprintln!(
        "mock on {}, analytics off on {}, on on {}",
        setup.direct_uri, setup.gateways[OFF].uri, setup.gateways[ON].uri
    );
    let load = Load {
        concurrency: args.concurrency.max(1),
        requests: args.requests,
        max_duration: Duration::from_secs(args.duration_secs.max(1)),
    };
    let mut rounds = Vec::new();
    let mut sent_on = 0u64;
    for round in 0..args.rounds.max(1) {
        if round > 0 && args.restart_every > 0 && round % args.restart_every == 0 {
            restart_gateways(&mut setup, &bin_dir, &work)
                .with_context(|| format!("restarting the gateways before round {}", round + 1))?;
        }
        let order = if round % 2 == 0 { [OFF, ON] } else { [ON, OFF] };
        let mut pair = [None, None];
        for gateway in order {
            let stats = measure(
                &mut setup,
                args.scenario,
                Side::Gateway(gateway),
                load,
                args.warmup,
            )
            .await
            .with_context(|| format!("round {}", round + 1))?;
            if gateway == ON {
                sent_on += stats.ok + stats.errors + args.warmup;
            }
            pair[gateway] = Some(stats);
        }
        let [Some(off), Some(on)] = pair else {
            bail!("round {} lost a run", round + 1);
        };
        eprintln!(
            "round {}: off {:.0} req/s {:.1} µs/req, on {:.0} req/s {:.1} µs/req",
            round + 1,
            off.throughput,
            off.gateway_cpu_us,
            on.throughput,
            on.gateway_cpu_us
        );
        rounds.push(Round { off, on });
    }
    // The writer flushes a partial batch on its tick (1 s by default).
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let stored = if args.control {
        sent_on
    } else {
        stored_requests(&setup.gateways[ON].base).await?
    };
    let errors: u64 = rounds.iter().map(|r| r.off.errors + r.on.errors).sum();
    let text = report(args, &rounds, sent_on, stored);
    println!("{text}");
    if let Some(path) = &args.markdown {
        let header = format!(
            "Machine: {} CPUs ({}), {}. Command: `{}`.\n\n",
            std::thread::available_parallelism().map_or(0, usize::from),
            cpu_model(),
            utc_now(),
            std::env::args().collect::<Vec<_>>().join(" ")
        );
        std::fs::write(path, header + &text)
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(errors == 0 && stored == sent_on)
}

/// The number of requests the gateway at `base` has stored, from its analytics API.
async fn stored_requests(base: &str) -> anyhow::Result<u64> {
    let client = load::client(1);
    let uri: Uri = format!("{base}/api/analytics/summary?since=1d").parse()?;
    let request = Request::get(uri)
        .body(Full::default())
        .context("cannot build the summary request")?;
    let response = client
        .request(request)
        .await
        .context("summary request failed")?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .context("summary body")?
        .to_bytes();
    if !status.is_success() {
        bail!(
            "summary answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    let json: serde_json::Value = serde_json::from_slice(&body).context("summary JSON")?;
    json["total"]["requests"]
        .as_u64()
        .ok_or_else(|| anyhow!("summary has no total.requests: {json}"))
}

/// The Markdown report: per-round figures, medians, the cost and the verdict.
fn report(args: &AnalyticsCostArgs, rounds: &[Round], sent_on: u64, stored: u64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} requests at concurrency {}, {} rounds (order alternating), warm-up {} per run, \
         gateways restarted every {} rounds.\n",
        args.scenario.name(),
        args.concurrency,
        rounds.len(),
        args.warmup,
        args.restart_every
    );
    let settings = args.analytics_settings();
    if !settings.is_empty() {
        let _ = writeln!(
            out,
            "The \"on\" gateway's `[analytics]` also sets: `{}`.\n",
            settings.join("`, `")
        );
    }
    let _ = writeln!(
        out,
        "| round | off: req/s | on: req/s | on/off | off: CPU µs/req | on: CPU µs/req |"
    );
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|");
    for (i, r) in rounds.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.0} | {:.3} | {:.1} | {:.1} |",
            i + 1,
            r.off.throughput,
            r.on.throughput,
            r.on.throughput / r.off.throughput,
            r.off.gateway_cpu_us,
            r.on.gateway_cpu_us
        );
    }
    let med = |f: fn(&Round) -> f64| median(rounds.iter().map(f).collect());
    let off = med(|r| r.off.throughput);
    let on = med(|r| r.on.throughput);
    let paired = med(|r| r.on.throughput / r.off.throughput);
    let cpu_off = med(|r| r.off.gateway_cpu_us);
    let cpu_on = med(|r| r.on.gateway_cpu_us);
    let _ = writeln!(
        out,
        "| **median** | **{off:.0}** | **{on:.0}** | **{paired:.3}** | **{cpu_off:.1}** | **{cpu_on:.1}** |\n"
    );
    let by_median = 1.0 - on / off;
    let by_pairs = 1.0 - paired;
    // Rounds served by one pair of processes form a block (all rounds when never restarted:
    // the interval then cannot see process bias, so it is drawn per round, as a floor).
    let block = match args.restart_every {
        0 => 1,
        n => n,
    };
    let throughput = GeometricCost::of(
        rounds.iter().map(|r| r.on.throughput / r.off.throughput),
        block,
    );
    // At saturation every process here competes for the same two vCPUs, so throughput is
    // the machine's CPU over all processes' CPU per request (gateway, mock, load generator).
    // CPU time does not count the time a noisy neighbour takes (steal), which is what makes
    // throughput swing from round to round; this is the same cost, measured with less noise.
    let total_cpu = |s: &RunStats| s.gateway_cpu_us + s.mock_cpu_us + s.bench_cpu_us;
    let cpu = GeometricCost::of(
        rounds.iter().map(|r| total_cpu(&r.off) / total_cpu(&r.on)),
        block,
    );
    let cpu_mean = |f: fn(&Round) -> f64| mean(&rounds.iter().map(f).collect::<Vec<_>>());
    let (cpu_off_mean, cpu_on_mean) = (
        cpu_mean(|r| r.off.gateway_cpu_us),
        cpu_mean(|r| r.on.gateway_cpu_us),
    );
    let verdict = |cost: f64| {
        if cost < TARGET_COST {
            "pass"
        } else {
            "**FAIL**"
        }
    };
    let _ = writeln!(
        out,
        "- Cost by median throughput: **{:.1} %** ({})\n\
         - Cost by the median of the rounds' on/off ratios: **{:.1} %** ({})\n\
         - Cost by the geometric mean of the rounds' on/off ratios: **{:.1} %**, 95 % bootstrap interval \
           {:.1} … {:.1} % ({})\n\
         - Cost by CPU per request of all processes (gateway + mock + load generator; \
           geometric mean of the rounds' off/on ratios): **{:.1} %**, 95 % bootstrap interval \
           {:.1} … {:.1} % ({})\n\
         - Gateway CPU per request (medians): {cpu_off:.1} → {cpu_on:.1} µs ({:+.1} µs); \
           means: {cpu_off_mean:.1} → {cpu_on_mean:.1} µs ({:+.1} µs)\n\
         - Events stored by the \"on\" gateway: {}\n\
         - Intervals resample blocks of {block} round(s), those one pair of gateway processes \
           served (they share its bias).",
        by_median * 100.0,
        verdict(by_median),
        by_pairs * 100.0,
        verdict(by_pairs),
        throughput.cost * 100.0,
        throughput.lo * 100.0,
        throughput.hi * 100.0,
        interval_verdict(throughput.cost, throughput.hi),
        cpu.cost * 100.0,
        cpu.lo * 100.0,
        cpu.hi * 100.0,
        interval_verdict(cpu.cost, cpu.hi),
        cpu_on - cpu_off,
        cpu_on_mean - cpu_off_mean,
        if args.control {
            "not checked (A/A control: analytics is off on both)".to_owned()
        } else if stored == sent_on {
            format!("{stored} of {sent_on} requests sent (all)")
        } else {
            format!("{stored} of {sent_on} requests sent (**MISSING EVENTS**)")
        }
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_become_toml_lines_and_bad_ones_are_refused() {
        assert_eq!(
            parse_setting("batch_size=512"),
            Ok("batch_size = 512".into())
        );
        assert_eq!(
            parse_setting(" flush_interval_ms = 250 "),
            Ok("flush_interval_ms = 250".into())
        );
        assert!(parse_setting("batch_size").is_err());
        assert!(parse_setting("=3").is_err());
        assert!(parse_setting("a.b=3").is_err());
        assert!(parse_setting("batch_size=").is_err());
    }

    #[test]
    fn bootstrap_interval_brackets_the_mean_and_narrows_with_more_rounds() {
        let few: Vec<f64> = (0..10).map(|i| 0.9 + 0.02 * f64::from(i % 5)).collect();
        let many: Vec<f64> = (0..200).map(|i| 0.9 + 0.02 * f64::from(i % 5)).collect();
        let (lo, hi) = bootstrap_mean_ci(&few, 1, 2000);
        assert!(lo < mean(&few) && mean(&few) < hi, "{lo} {hi}");
        let (lo_many, hi_many) = bootstrap_mean_ci(&many, 1, 2000);
        assert!(lo_many < mean(&many) && mean(&many) < hi_many);
        assert!(hi_many - lo_many < (hi - lo) / 2.0);
        let (lo, hi) = bootstrap_mean_ci(&[0.95; 7], 1, 100);
        assert!(
            (lo - 0.95).abs() < 1e-12 && (hi - 0.95).abs() < 1e-12,
            "{lo} {hi}"
        );
        assert_eq!(
            bootstrap_mean_ci(&few, 1, 500),
            bootstrap_mean_ci(&few, 1, 500)
        );
    }

    #[test]
    fn blocks_that_share_a_bias_widen_the_interval_and_gaps_are_skipped() {
        // 40 blocks of 5 rounds; each block is off by its own bias, rounds inside it agree.
        let values: Vec<f64> = (0..200)
            .map(|i| f64::from((i / 5) % 4) * 0.02 + f64::from(i % 5) * 0.001)
            .collect();
        let (lo_rounds, hi_rounds) = bootstrap_mean_ci(&values, 1, 2000);
        let (lo_blocks, hi_blocks) = bootstrap_mean_ci(&values, 5, 2000);
        assert!(lo_blocks < mean(&values) && mean(&values) < hi_blocks);
        assert!(
            hi_blocks - lo_blocks > 1.5 * (hi_rounds - lo_rounds),
            "blocks {lo_blocks}..{hi_blocks}, rounds {lo_rounds}..{hi_rounds}"
        );
        let (lo, hi) = bootstrap_mean_ci(&[1.0, f64::NAN, 1.0, f64::INFINITY], 2, 100);
        assert_eq!((lo, hi), (1.0, 1.0));
        assert!(bootstrap_mean_ci(&[f64::NAN], 1, 10).0.is_nan());
    }
}
