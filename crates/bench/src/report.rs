//! Figures of a run, medians over rounds, the printed table and the Markdown section.

use std::fmt::Write as _;
use std::time::Duration;

use crate::load::Outcome;

/// Target: latency the gateway adds at concurrency 1, in milliseconds.
pub const TARGET_ADDED_P50_MS: f64 = 0.1;
/// Target: gateway CPU time per request, in microseconds.
pub const TARGET_GATEWAY_CPU_US: f64 = 60.0;
/// Target: gateway throughput as a share of direct throughput at concurrency >= 32.
pub const TARGET_THROUGHPUT_RATIO: f64 = 0.25;
/// The concurrency from which the throughput target applies.
const THROUGHPUT_TARGET_FROM: usize = 32;

/// Whether the requests ask for a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// One JSON answer per request.
    NonStreaming,
    /// An SSE stream per request, read to `data: [DONE]`.
    Streaming,
}

impl Scenario {
    /// The name used in tables.
    pub fn name(self) -> &'static str {
        match self {
            Self::NonStreaming => "non-streaming",
            Self::Streaming => "streaming",
        }
    }
}

/// The figures of one measured run.
#[derive(Debug, Clone)]
pub struct RunStats {
    /// Successful requests.
    pub ok: u64,
    /// Failed requests.
    pub errors: u64,
    /// The first failure.
    pub first_error: Option<String>,
    /// Successful requests per second over the measured window.
    pub throughput: f64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 99th percentile latency, ms.
    pub p99_ms: f64,
    /// Median time to first body byte, ms.
    pub ttfb_p50_ms: f64,
    /// Gateway CPU per request, µs.
    pub gateway_cpu_us: f64,
    /// Mock CPU per request, µs.
    pub mock_cpu_us: f64,
    /// Load generator CPU per request, µs.
    pub bench_cpu_us: f64,
}

/// CPU ticks (gateway, mock, bench) read at one instant.
#[derive(Debug, Clone, Copy)]
pub struct CpuTicks {
    /// Gateway process.
    pub gateway: u64,
    /// Mock process.
    pub mock: u64,
    /// The load generator itself.
    pub bench: u64,
}

impl RunStats {
    /// Figures from a run's outcome and the CPU ticks read around it.
    pub fn new(out: &Outcome, before: CpuTicks, after: CpuTicks, ticks_per_sec: u64) -> Self {
        let ok = out.latencies.len() as u64;
        let requests = (ok + out.errors).max(1) as f64;
        let us_per_tick = 1e6 / ticks_per_sec.max(1) as f64;
        let cpu = |b: u64, a: u64| a.saturating_sub(b) as f64 * us_per_tick / requests;
        Self {
            ok,
            errors: out.errors,
            first_error: out.first_error.clone(),
            throughput: ok as f64 / out.elapsed.as_secs_f64().max(1e-9),
            p50_ms: percentile_ms(&out.latencies, 0.50),
            p99_ms: percentile_ms(&out.latencies, 0.99),
            ttfb_p50_ms: percentile_ms(&out.ttfb, 0.50),
            gateway_cpu_us: cpu(before.gateway, after.gateway),
            mock_cpu_us: cpu(before.mock, after.mock),
            bench_cpu_us: cpu(before.bench, after.bench),
        }
    }
}

/// Nearest-rank percentile of sorted durations, in milliseconds (NaN when empty).
fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    let i = rank.clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1e3
}

/// Median of some values (NaN when empty).
pub fn median(mut values: Vec<f64>) -> f64 {
    values.retain(|v| !v.is_nan());
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// One round: the same load direct and through the gateway.
#[derive(Debug, Clone)]
pub struct Pair {
    /// Against the mock.
    pub direct: RunStats,
    /// Through the gateway.
    pub gateway: RunStats,
}

/// All rounds of one scenario at one concurrency, reduced to medians.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Streaming or not.
    pub scenario: Scenario,
    /// Concurrent connections.
    pub concurrency: usize,
    /// Request budget per run.
    pub requests: u64,
    /// The rounds.
    pub rounds: Vec<Pair>,
}

impl Summary {
    fn med(&self, f: impl Fn(&Pair) -> f64) -> f64 {
        median(self.rounds.iter().map(f).collect())
    }
    /// Direct requests/s.
    pub fn direct_rps(&self) -> f64 {
        self.med(|p| p.direct.throughput)
    }
    /// Gateway requests/s.
    pub fn gateway_rps(&self) -> f64 {
        self.med(|p| p.gateway.throughput)
    }
    /// Median over rounds of gateway/direct throughput (paired, so drift cancels).
    pub fn ratio(&self) -> f64 {
        self.med(|p| p.gateway.throughput / p.direct.throughput)
    }
    /// Median over rounds of (gateway p50 - direct p50), ms.
    pub fn added_p50_ms(&self) -> f64 {
        self.med(|p| p.gateway.p50_ms - p.direct.p50_ms)
    }
    /// Gateway CPU per request (gateway runs), µs.
    pub fn gateway_cpu_us(&self) -> f64 {
        self.med(|p| p.gateway.gateway_cpu_us)
    }
    /// Failed requests over all runs.
    pub fn errors(&self) -> u64 {
        self.rounds
            .iter()
            .map(|p| p.direct.errors + p.gateway.errors)
            .sum()
    }
    /// The first failure of any run.
    pub fn first_error(&self) -> Option<&str> {
        self.rounds
            .iter()
            .flat_map(|p| [&p.direct.first_error, &p.gateway.first_error])
            .find_map(|e| e.as_deref())
    }
}

/// One row of figures, shared by the printed table and the Markdown one.
fn row(s: &Summary) -> Vec<String> {
    let streaming = s.scenario == Scenario::Streaming;
    let ttfb = |f: &dyn Fn(&Pair) -> f64| {
        if streaming {
            format!("{:.3}", s.med(f))
        } else {
            "-".to_owned()
        }
    };
    vec![
        s.scenario.name().to_owned(),
        s.concurrency.to_string(),
        s.requests.to_string(),
        format!("{:.0}", s.direct_rps()),
        format!("{:.0}", s.gateway_rps()),
        format!("{:.2}", s.ratio()),
        format!("{:.3}", s.med(|p| p.direct.p50_ms)),
        format!("{:.3}", s.med(|p| p.gateway.p50_ms)),
        format!("{:+.3}", s.added_p50_ms()),
        format!("{:.3}", s.med(|p| p.direct.p99_ms)),
        format!("{:.3}", s.med(|p| p.gateway.p99_ms)),
        ttfb(&|p| p.direct.ttfb_p50_ms),
        ttfb(&|p| p.gateway.ttfb_p50_ms),
        format!("{:.1}", s.gateway_cpu_us()),
        format!("{:.1}", s.med(|p| p.direct.mock_cpu_us)),
        format!(
            "{:.1} / {:.1}",
            s.med(|p| p.direct.bench_cpu_us),
            s.med(|p| p.gateway.bench_cpu_us)
        ),
        if s.errors() == 0 {
            "0".to_owned()
        } else {
            format!("{} (FLAGGED)", s.errors())
        },
    ]
}

const HEADERS: [&str; 17] = [
    "scenario",
    "c",
    "req/run",
    "direct req/s",
    "gateway req/s",
    "gw/direct",
    "direct p50 ms",
    "gateway p50 ms",
    "added p50 ms",
    "direct p99 ms",
    "gateway p99 ms",
    "direct TTFB p50 ms",
    "gateway TTFB p50 ms",
    "gateway CPU µs/req",
    "mock CPU µs/req",
    "bench CPU µs/req (direct / gw)",
    "errors",
];

/// The table printed to stdout: one row per scenario and concurrency, medians of the rounds.
pub fn table(summaries: &[Summary]) -> String {
    let rows: Vec<Vec<String>> = summaries.iter().map(row).collect();
    let widths: Vec<usize> = HEADERS
        .iter()
        .enumerate()
        .map(|(i, h)| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([h.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let cells: Vec<String> = cells
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, &w))| {
                let pad = w.saturating_sub(c.chars().count());
                if i == 0 {
                    format!("{c}{}", " ".repeat(pad))
                } else {
                    format!("{}{c}", " ".repeat(pad))
                }
            })
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    };
    line(&mut HEADERS.iter().copied());
    for r in &rows {
        line(&mut r.iter().map(String::as_str));
    }
    for s in summaries {
        if let Some(e) = s.first_error() {
            let _ = writeln!(
                out,
                "errors in {} c={}: {} (first: {e})",
                s.scenario.name(),
                s.concurrency,
                s.errors()
            );
        }
    }
    out
}

/// One checked target.
struct Check {
    what: String,
    measured: String,
    pass: bool,
}

/// The targets, checked against every summary they apply to.
fn checks(summaries: &[Summary]) -> Vec<Check> {
    let mut out = Vec::new();
    for s in summaries {
        let at = format!("{} c={}", s.scenario.name(), s.concurrency);
        if s.concurrency == 1 {
            let v = s.added_p50_ms();
            out.push(Check {
                what: format!("added p50 <= {TARGET_ADDED_P50_MS} ms ({at})"),
                measured: format!("{v:.3} ms"),
                pass: v <= TARGET_ADDED_P50_MS,
            });
        }
        let v = s.gateway_cpu_us();
        out.push(Check {
            what: format!("gateway CPU <= {TARGET_GATEWAY_CPU_US} µs/request ({at})"),
            measured: format!("{v:.1} µs"),
            pass: v <= TARGET_GATEWAY_CPU_US,
        });
        if s.concurrency >= THROUGHPUT_TARGET_FROM {
            let v = s.ratio();
            out.push(Check {
                what: format!(
                    "throughput >= {:.0}% of direct ({at})",
                    TARGET_THROUGHPUT_RATIO * 100.0
                ),
                measured: format!("{:.0}%", v * 100.0),
                pass: v >= TARGET_THROUGHPUT_RATIO,
            });
        }
    }
    out
}

/// The target checks as printed lines.
pub fn target_lines(summaries: &[Summary]) -> String {
    let mut out = String::new();
    for c in checks(summaries) {
        let verdict = if c.pass { "PASS" } else { "FAIL" };
        let _ = writeln!(out, "{verdict}  {}: {}", c.what, c.measured);
    }
    out
}

/// Where and how the figures were taken.
#[derive(Debug, Clone)]
pub struct Context {
    /// Logical CPUs available.
    pub cpus: usize,
    /// CPU model.
    pub cpu_model: String,
    /// UTC date and time.
    pub date: String,
    /// The bench's command line.
    pub command: String,
    /// Rounds per pair.
    pub rounds: usize,
    /// Warm-up requests before each measured run.
    pub warmup: u64,
    /// Clock ticks per second of `/proc/<pid>/stat`.
    pub ticks_per_sec: u64,
}

/// The Markdown section for BENCHMARKS.md.
pub fn markdown(ctx: &Context, summaries: &[Summary]) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "## Gateway overhead ({})\n", ctx.date);
    let _ = writeln!(
        md,
        "- Machine: {} CPUs ({}), shared by the load generator, the mock and the gateway",
        ctx.cpus, ctx.cpu_model
    );
    let _ = writeln!(md, "- Date: {}", ctx.date);
    let _ = writeln!(md, "- Command: `{}`", ctx.command);
    let _ = writeln!(
        md,
        "- Method: each row is the median of {} rounds; a round runs the same load directly \
         against `switchyard-mock` and through `switchyard` (order alternating), each after {} \
         warm-up requests. Latency is send to end of body (end of stream); TTFB is the first body \
         byte. \"added p50\" and \"gw/direct\" are medians of the per-round differences and \
         ratios. CPU is utime+stime from `/proc/<pid>/stat` (CLK_TCK = {}) over the measured \
         window, divided by the requests; the gateway and mock CPU are their own processes, \
         \"bench\" is the load generator (single-threaded runtime).",
        ctx.rounds, ctx.warmup, ctx.ticks_per_sec
    );
    if let Some(fewest) = summaries.iter().map(|s| s.requests).min() {
        let _ = writeln!(
            md,
            "- CPU resolution: one clock tick over a run's requests, {:.1} µs/request at {} \
             requests.\n",
            1e6 / ctx.ticks_per_sec.max(1) as f64 / fewest.max(1) as f64,
            fewest
        );
    }
    let _ = writeln!(md, "| {} |", HEADERS.join(" | "));
    let align: Vec<&str> = HEADERS
        .iter()
        .enumerate()
        .map(|(i, _)| if i == 0 { "---" } else { "---:" })
        .collect();
    let _ = writeln!(md, "| {} |", align.join(" | "));
    for s in summaries {
        let _ = writeln!(md, "| {} |", row(s).join(" | "));
    }
    let _ = writeln!(md, "\n| target | measured | verdict |\n|---|---:|---|");
    for c in checks(summaries) {
        let verdict = if c.pass { "pass" } else { "**FAIL**" };
        let _ = writeln!(md, "| {} | {} | {verdict} |", c.what, c.measured);
    }
    let flagged: Vec<String> = summaries
        .iter()
        .filter_map(|s| {
            s.first_error().map(|e| {
                format!(
                    "- {} c={}: {} failed requests (first: `{e}`)",
                    s.scenario.name(),
                    s.concurrency,
                    s.errors()
                )
            })
        })
        .collect();
    if !flagged.is_empty() {
        let _ = writeln!(md, "\n**Runs with errors:**\n\n{}", flagged.join("\n"));
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let d: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile_ms(&d, 0.50), 50.0);
        assert_eq!(percentile_ms(&d, 0.99), 99.0);
        assert_eq!(percentile_ms(&d[..1], 0.99), 1.0);
        assert!(percentile_ms(&[], 0.5).is_nan());
    }

    #[test]
    fn medians() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(vec![]).is_nan());
    }

    #[test]
    fn cpu_per_request_from_ticks() {
        let out = Outcome {
            latencies: vec![Duration::from_millis(1); 1000],
            ttfb: vec![Duration::from_millis(1); 1000],
            elapsed: Duration::from_secs(1),
            ..Outcome::default()
        };
        let before = CpuTicks {
            gateway: 10,
            mock: 0,
            bench: 0,
        };
        let after = CpuTicks {
            gateway: 15,
            mock: 2,
            bench: 1,
        };
        let s = RunStats::new(&out, before, after, 100);
        // 5 ticks = 50 ms over 1000 requests = 50 µs each.
        assert!((s.gateway_cpu_us - 50.0).abs() < 1e-9);
        assert!((s.mock_cpu_us - 20.0).abs() < 1e-9);
        assert!((s.throughput - 1000.0).abs() < 1e-6);
    }
}
