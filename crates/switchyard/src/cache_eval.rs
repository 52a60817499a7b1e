//! `switchyard cache eval`: the semantic cache's paraphrase hit rate and false-hit rate on
//! near-misses, measured through a running gateway (dataset format:
//! `../shared/datasets/README.md`).

use anyhow::Context as _;
use serde_json::{json, Value};
use std::{collections::BTreeMap, fmt::Write as _, path::PathBuf};

/// What to evaluate and where.
#[derive(Debug)]
pub struct EvalOptions {
    /// The dataset.
    pub data: PathBuf,
    /// The gateway's base URL.
    pub url: String,
    /// The model every request names.
    pub model: String,
    /// A client key, if the gateway requires one.
    pub key: Option<String>,
}

/// Hits and total per variant kind.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    total: u32,
    hits: u32,
    semantic: u32,
}

/// Runs the evaluation; the report as text.
pub async fn run(options: &EvalOptions) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(&options.data)
        .with_context(|| format!("cannot read {}", options.data.display()))?;
    let client = reqwest::Client::new();
    let endpoint = format!("{}/v1/chat/completions", options.url.trim_end_matches('/'));
    let send = |prompt: String| {
        let body = json!({
            "model": options.model,
            "temperature": 0,
            "messages": [{"role": "user", "content": prompt}],
        });
        let mut r = client
            .post(&endpoint)
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(k) = &options.key {
            r = r.bearer_auth(k);
        }
        async move {
            let response = r.send().await.context("cannot reach the gateway")?;
            let status = response.status();
            let cache = response
                .headers()
                .get("x-switchyard-cache")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            if !status.is_success() {
                let body = response.text().await.unwrap_or_default();
                anyhow::bail!("the gateway answered {status}: {body}");
            }
            if cache.is_empty() {
                anyhow::bail!("no x-switchyard-cache header: is [cache] enabled for this model?");
            }
            Ok::<_, anyhow::Error>(cache)
        }
    };
    let mut tally: BTreeMap<String, Tally> = BTreeMap::new();
    let mut groups = 0;
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let group: Value =
            serde_json::from_str(line).with_context(|| format!("line {}: not JSON", n + 1))?;
        let anchor = group["anchor"].as_str().unwrap_or_default();
        send(anchor.to_owned()).await?;
        groups += 1;
        for v in group["variants"].as_array().into_iter().flatten() {
            let cache = send(v["text"].as_str().unwrap_or_default().to_owned()).await?;
            let kind = v["kind"].as_str().unwrap_or("?").to_owned();
            let t = tally.entry(kind).or_default();
            t.total += 1;
            t.hits += u32::from(cache == "exact" || cache == "semantic");
            t.semantic += u32::from(cache == "semantic");
        }
    }
    Ok(report(groups, &tally))
}

fn pct(part: u32, whole: u32) -> f64 {
    100.0 * f64::from(part) / f64::from(whole.max(1))
}

fn report(groups: usize, tally: &BTreeMap<String, Tally>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{groups} groups\n\n{:<14} {:>8} {:>6} {:>8}",
        "kind", "variants", "hits", "rate"
    );
    let (mut near_total, mut near_hits) = (0, 0);
    for (kind, t) in tally {
        let _ = writeln!(
            out,
            "{kind:<14} {:>8} {:>6} {:>7.1}%",
            t.total,
            t.hits,
            pct(t.hits, t.total)
        );
        if kind != "paraphrase" {
            near_total += t.total;
            near_hits += t.hits;
        }
    }
    let para = tally.get("paraphrase").copied().unwrap_or_default();
    let _ = writeln!(
        out,
        "\nparaphrase hit rate: {:.1}% ({}/{})\nfalse-hit rate on near-misses: {:.1}% ({near_hits}/{near_total})",
        pct(para.hits, para.total),
        para.hits,
        para.total,
        pct(near_hits, near_total)
    );
    out
}
