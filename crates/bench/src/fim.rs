//! `fim`: the gateway's own share of an IDE completion (plan, cache, template, validation),
//! read from `x-switchyard-overhead-us` (total time minus the time waiting on the upstream)
//! over sequential requests to a mock that answers at once; chat completions through the
//! same gateway in the same run are the baseline, the mock's own `/v1/completions` the
//! end-to-end floor.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context as _};
use bytes::Bytes;
use clap::Args;
use http_body_util::{BodyExt as _, Full};
use hyper::{header, Method, Request, Uri};
use serde_json::json;

use crate::children::WorkDir;
use crate::{binary_dir, load, start, utc_now};

/// The target: the gateway's share of a completion, p99.
const TARGET_P99_MS: f64 = 2.0;

#[derive(Debug, Args)]
pub struct FimArgs {
    /// Measured requests per case (sent one after another: an editor waits for each).
    #[arg(long, default_value_t = 2000)]
    requests: usize,
    /// Warm-up requests per case.
    #[arg(long, default_value_t = 200)]
    warmup: usize,
    /// Directory holding the `switchyard` and `switchyard-mock` binaries (default: this
    /// executable's directory).
    #[arg(long)]
    release_dir: Option<PathBuf>,
}

/// One kind of request measured.
struct Case {
    name: &'static str,
    uri: Uri,
    body: Bytes,
    /// Whether it goes through the gateway (and so has an overhead header).
    gateway: bool,
}

/// What one case measured, in milliseconds, sorted.
struct Measured {
    total: Vec<f64>,
    overhead: Vec<f64>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

pub async fn run(args: &FimArgs) -> anyhow::Result<bool> {
    let bin_dir = binary_dir(args.release_dir.as_ref())?;
    let work = WorkDir::create()?;
    let setup = start(&bin_dir, &work, &[true], &[], true, &[])?;
    let gateway = setup
        .gateways
        .first()
        .ok_or_else(|| anyhow!("no gateway"))?
        .base
        .clone();
    let mock = setup
        .direct_uri
        .authority()
        .ok_or_else(|| anyhow!("no mock address"))?
        .to_string();
    let prefix = "def median(values: list[float]) -> float:\n    ordered = sorted(values)\n    middle = len(ordered) // 2\n    return ";
    let suffix = "\n\n\nprint(median([3.0, 1.0, 2.0]))\n";
    let fim = |model: &str, stream: bool| json!({"model": model, "prompt": prefix, "suffix": suffix, "max_tokens": 32, "stream": stream});
    let chat = json!({"model": "bench", "max_tokens": 32,
        "messages": [{"role": "user", "content": "Write a function that reverses a string"}]});
    let code = json!({"model": "bench", "language": "python", "prefix": prefix, "suffix": suffix});
    let case =
        |name, base: &str, path: &str, body: serde_json::Value, gateway| -> anyhow::Result<Case> {
            Ok(Case {
                name,
                uri: format!("http://{}{path}", base.trim_start_matches("http://")).parse()?,
                body: Bytes::from(body.to_string()),
                gateway,
            })
        };
    let cases = [
        case(
            "mock direct: POST /v1/completions (floor)",
            &mock,
            "/v1/completions",
            fim("bench-model", false),
            false,
        )?,
        case(
            "gateway: POST /v1/chat/completions (baseline)",
            &gateway,
            "/v1/chat/completions",
            chat,
            true,
        )?,
        case(
            "gateway: POST /v1/completions, prompt + suffix",
            &gateway,
            "/v1/completions",
            fim("bench", false),
            true,
        )?,
        case(
            "gateway: POST /v1/completions, streamed",
            &gateway,
            "/v1/completions",
            fim("bench", true),
            true,
        )?,
        case(
            "gateway: POST /v1/fim/completions",
            &gateway,
            "/v1/fim/completions",
            fim("bench", false),
            true,
        )?,
        case(
            "gateway: POST /v1/code/complete, prefix + suffix, validated",
            &gateway,
            "/v1/code/complete",
            code,
            true,
        )?,
    ];
    let client = load::client(1);
    let mut rows = Vec::new();
    for case in &cases {
        for _ in 0..args.warmup {
            one(&client, case)
                .await
                .with_context(|| format!("warm-up of {}", case.name))?;
        }
        let mut m = Measured {
            total: Vec::with_capacity(args.requests),
            overhead: Vec::with_capacity(args.requests),
        };
        for _ in 0..args.requests {
            let (total, overhead) = one(&client, case)
                .await
                .with_context(|| case.name.to_owned())?;
            m.total.push(total.as_secs_f64() * 1000.0);
            if let Some(us) = overhead {
                m.overhead.push(us as f64 / 1000.0);
            }
        }
        m.total.sort_by(f64::total_cmp);
        m.overhead.sort_by(f64::total_cmp);
        rows.push((case.name, m));
    }
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "{} · {cpus} cores · {} sequential requests per case after {} warm-up\n",
        utc_now(),
        args.requests,
        args.warmup
    );
    println!("| case | end to end p50 | p99 | gateway share p50 | p99 | max |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut worst = 0.0_f64;
    for (name, m) in &rows {
        let share = |p: f64| {
            if m.overhead.is_empty() {
                "—".to_owned()
            } else {
                format!("{:.3} ms", percentile(&m.overhead, p))
            }
        };
        println!(
            "| {name} | {:.3} ms | {:.3} ms | {} | {} | {} |",
            percentile(&m.total, 0.5),
            percentile(&m.total, 0.99),
            share(0.5),
            share(0.99),
            share(1.0),
        );
        if !m.overhead.is_empty() && name.contains("complet") && !name.contains("chat") {
            worst = worst.max(percentile(&m.overhead, 0.99));
        }
    }
    println!(
        "\ngateway share of a completion, worst p99: {worst:.3} ms (target ≤ {TARGET_P99_MS} ms): {}",
        if worst <= TARGET_P99_MS { "met" } else { "MISSED" }
    );
    Ok(worst <= TARGET_P99_MS)
}

/// Sends one request, reads its whole body; (latency, the gateway's overhead header in µs).
async fn one(client: &load::HttpClient, case: &Case) -> anyhow::Result<(Duration, Option<u64>)> {
    let request = Request::builder()
        .method(Method::POST)
        .uri(case.uri.clone())
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(case.body.clone()))?;
    let sent = Instant::now();
    let response = client.request(request).await?;
    let status = response.status();
    let overhead = response
        .headers()
        .get("x-switchyard-overhead-us")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let body = response.into_body().collect().await?.to_bytes();
    let latency = sent.elapsed();
    if !status.is_success() {
        return Err(anyhow!("{status}: {}", String::from_utf8_lossy(&body)));
    }
    if case.gateway && overhead.is_none() {
        return Err(anyhow!("no x-switchyard-overhead-us header"));
    }
    Ok((latency, overhead))
}
