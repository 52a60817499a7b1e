//! Sample request events: a deterministic, varied set of priced events, and the summary
//! they must produce (computed without any store). Only the analytics crate's public API is
//! used, so the gateway's dashboard tests include this file too.

#![allow(
    dead_code,
    reason = "each test file uses a different part of this module"
)]

use std::sync::Arc;
use switchyard_analytics::{
    hash_client_key, store::EventBatch, Aggregator, CacheStatus, GroupBy, PriceTable, RequestEvent,
    ScanRow, Summary, SummaryQuery, TokenUsage,
};

/// 2025-08-15T10:00:00Z.
pub const BASE_TS: i64 = 1_755_252_000_000;

/// `events` as one store write.
pub fn batch(events: &[RequestEvent]) -> Arc<EventBatch> {
    Arc::new(EventBatch::from_events(events))
}

/// `n` events from `BASE_TS`, 37 s apart, priced with the built-in table.
pub fn sample_events(n: usize) -> Vec<RequestEvent> {
    let models = [
        ("openai", "openai", "gpt-4o-2024-08-06"),
        ("openai", "openai", "gpt-4o-mini"),
        ("claude", "anthropic", "claude-sonnet-4-20250514"),
        ("gemini", "gemini", "gemini-2.5-flash"),
        ("local", "openai", "llama-3.1-8b"),
        ("openai", "openai", "o3-mini"),
    ];
    let languages = [Some("rust"), Some("python"), None, Some("typescript")];
    let tasks = [Some("completion"), Some("review"), Some("docs"), None];
    let tiers = [Some("small"), Some("large"), None];
    let caches = [
        Some(CacheStatus::Miss),
        Some(CacheStatus::Hit),
        Some(CacheStatus::Miss),
        Some(CacheStatus::SemanticHit),
        Some(CacheStatus::Bypass),
        None,
    ];
    let prices = PriceTable::builtin();
    (0..n)
        .map(|i| {
            let (provider, kind, model) = models[i % models.len()];
            let mut e = RequestEvent {
                event_id: i as u64 + 1,
                ts_ms: BASE_TS + i as i64 * 37_000,
                request_id: format!("req-{i:04}"),
                key_hash: Some(hash_client_key("test", &format!("key-{}", i % 3)).into()),
                endpoint: "/v1/chat/completions".into(),
                client_format: if i % 2 == 0 { "openai" } else { "anthropic" }.into(),
                task: tasks[i % tasks.len()].map(Into::into),
                language: languages[i % languages.len()].map(Into::into),
                requested_model: Some(if i % 5 == 0 { "auto" } else { "coder" }.into()),
                router_tier: tiers[i % tiers.len()].map(Into::into),
                router_score: (i % 3 != 2).then(|| (i % 10) as f64 / 10.0),
                router_baseline_model: (i % 3 == 0).then(|| "gpt-4o".to_owned()),
                alias: Some("coder".into()),
                provider: Some(provider.into()),
                provider_kind: Some(kind.into()),
                upstream_model: Some(model.into()),
                attempts: if i % 7 == 0 { 2 } else { 1 },
                fallback_alias: (i % 17 == 0).then(|| "fast".to_owned()),
                cache_status: caches[i % caches.len()],
                cache_similarity: (caches[i % caches.len()] == Some(CacheStatus::SemanticHit))
                    .then_some(0.93),
                status: if i % 13 == 0 { 502 } else { 200 },
                error_class: (i % 13 == 0).then(|| "upstream_error".into()),
                stream: i % 3 == 0,
                usage: (i % 11 != 0).then(|| TokenUsage {
                    input_tokens: 500 + (i as u64 * 97) % 5000,
                    output_tokens: 50 + (i as u64 * 31) % 800,
                    cached_input_tokens: if i % 4 == 0 { 256 } else { 0 },
                    cache_creation_input_tokens: if kind == "anthropic" && i % 8 == 2 {
                        100
                    } else {
                        0
                    },
                    reasoning_tokens: if model.starts_with("o3") { 40 } else { 0 },
                    estimated: false,
                }),
                input_bytes: 2000 + i as u64 * 3,
                output_bytes: 400 + i as u64,
                total_ms: 100.0 + ((i * 7919) % 3000) as f64 + 0.25,
                ttft_ms: (i % 3 == 0).then_some(20.0 + (i % 50) as f64),
                upstream_ms: 90.0 + ((i * 7919) % 3000) as f64,
                overhead_ms: 0.1 + (i % 10) as f64 * 0.05,
                template: (i % 9 == 0).then(|| "rust-fn".to_owned()),
                validation: (i % 4 == 1).then(|| "passed".to_owned()),
                ..RequestEvent::default()
            };
            prices.price_event(&mut e);
            e
        })
        .collect()
}

/// The summary of `events` under `query`, computed in memory.
pub fn reference_summary(events: &[RequestEvent], query: SummaryQuery) -> Summary {
    let mut sorted: Vec<&RequestEvent> = events.iter().collect();
    sorted.sort_by_key(|e| (e.ts_ms, e.event_id as i64));
    let mut agg = Aggregator::new(query);
    for e in sorted {
        agg.push(&ScanRow::from_event(e, query.group_by));
    }
    agg.finish()
}

/// Queries covering every grouping, with and without buckets, over the sample's range.
pub fn sample_queries() -> Vec<SummaryQuery> {
    let since = BASE_TS - 60_000;
    let until = BASE_TS + 4 * 3_600_000;
    let mut out = vec![SummaryQuery {
        since,
        until,
        group_by: None,
        bucket: None,
    }];
    for g in GroupBy::ALL {
        out.push(SummaryQuery {
            since,
            until,
            group_by: Some(g),
            bucket: None,
        });
    }
    out.push(SummaryQuery {
        since,
        until,
        group_by: Some(GroupBy::Model),
        bucket: Some(std::time::Duration::from_secs(900)),
    });
    // A window cutting through the middle.
    out.push(SummaryQuery {
        since: BASE_TS + 1_000_000,
        until: BASE_TS + 2_000_000,
        group_by: Some(GroupBy::Provider),
        bucket: Some(std::time::Duration::from_secs(60)),
    });
    out
}
