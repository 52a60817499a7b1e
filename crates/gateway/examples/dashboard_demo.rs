//! Serves the gateway's routes, without providers, over an in-memory analytics store filled
//! with a day of synthetic traffic, to look at the dashboard without upstreams:
//!
//! ```sh
//! cargo run -p switchyard-gateway --example dashboard_demo -- 127.0.0.1:4100
//! # then open http://127.0.0.1:4100/dashboard
//! ```

use std::time::Duration;
use switchyard_analytics::{
    hash_client_key, now_millis, Analytics, AnalyticsConfig, CacheStatus, PriceTable, RequestEvent,
    TokenUsage,
};
use switchyard_gateway::{AppState, Config};

/// A small deterministic generator (xorshift), so the demo needs no `rand`.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn synthetic(rng: &mut Rng, ts_ms: i64) -> RequestEvent {
    let routes = [
        ("small", "openai", "gpt-4o-mini"),
        ("small", "gemini", "gemini-2.5-flash"),
        ("large", "anthropic", "claude-sonnet-4-20250514"),
        ("large", "openai", "gpt-4o-2024-08-06"),
        ("reasoning", "openai", "o3-mini"),
    ];
    let (tier, provider, model) = *rng.pick(&routes);
    let cache = *rng.pick(&[
        CacheStatus::Miss,
        CacheStatus::Miss,
        CacheStatus::Miss,
        CacheStatus::Hit,
        CacheStatus::SemanticHit,
    ]);
    let failed = rng.below(40) == 0;
    let input = 300 + rng.below(6000);
    let output = 40 + rng.below(900);
    let upstream_ms = 200.0 + rng.below(4000) as f64;
    RequestEvent {
        ts_ms,
        request_id: format!("req-{:016x}", rng.next()),
        key_hash: Some(
            hash_client_key("demo", rng.pick::<&str>(&["ide", "ci", "docs-bot"])).into(),
        ),
        endpoint: "/v1/chat/completions".into(),
        client_format: "openai".into(),
        task: Some((*rng.pick(&["completion", "generation", "review", "docs"])).into()),
        language: Some((*rng.pick(&["rust", "python", "typescript", "go"])).into()),
        requested_model: Some("auto".into()),
        router_tier: Some(tier.into()),
        router_score: Some(rng.below(100) as f64 / 100.0),
        router_baseline_model: Some("claude-sonnet-4".into()),
        alias: Some(tier.into()),
        provider: Some(provider.into()),
        provider_kind: Some(provider.into()),
        upstream_model: Some(model.into()),
        attempts: if rng.below(15) == 0 { 2 } else { 1 },
        cache_status: Some(cache),
        status: if failed { 502 } else { 200 },
        error_class: failed.then(|| "upstream_error".into()),
        stream: rng.below(2) == 0,
        usage: (!failed).then_some(TokenUsage {
            input_tokens: input,
            output_tokens: output,
            cached_input_tokens: if rng.below(3) == 0 { input / 2 } else { 0 },
            reasoning_tokens: if tier == "reasoning" { output / 2 } else { 0 },
            ..TokenUsage::default()
        }),
        total_ms: if cache.is_hit() {
            3.0
        } else {
            upstream_ms + 1.0
        },
        ttft_ms: Some(80.0 + rng.below(500) as f64),
        upstream_ms: if cache.is_hit() { 0.0 } else { upstream_ms },
        overhead_ms: 0.2 + rng.below(100) as f64 / 100.0,
        ..RequestEvent::default()
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listen = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:4100".into());
    let config = AnalyticsConfig {
        database: Some(":memory:".into()),
        ..AnalyticsConfig::default()
    };
    let analytics = Analytics::open(config, None, PriceTable::builtin()).await?;
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let now = now_millis();
    for i in 0..3000 {
        analytics.record(synthetic(&mut rng, now - 86_400_000 + i * 28_800));
        if i % 1000 == 999 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    // Keep traffic coming, for the live list.
    let live = analytics.clone();
    tokio::spawn(async move {
        let mut rng = Rng(0x1111_2222_3333_4444);
        loop {
            tokio::time::sleep(Duration::from_secs(2)).await;
            live.record(synthetic(&mut rng, now_millis()));
        }
    });
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("listening on {}", listener.local_addr()?);
    // No keys: the operator routes are open (the demo listens where it is told; loopback
    // by default).
    let state = AppState::with_analytics(Config::parse("", "demo", &|_| None)?, analytics)?;
    axum::serve(listener, switchyard_gateway::router(state)).await?;
    Ok(())
}
