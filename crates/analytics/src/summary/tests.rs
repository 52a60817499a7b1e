use super::*;

fn row(ts_ms: i64, group: Option<&str>, cost: Option<f64>, total_ms: f64) -> ScanRow<'_> {
    ScanRow {
        ts_ms,
        group,
        cost_usd: cost,
        total_ms,
        overhead_ms: total_ms / 100.0,
        input_tokens: 100,
        output_tokens: 10,
        ..ScanRow::default()
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn percentiles_interpolate_like_percentile_cont() {
    let v: Vec<f64> = (1..=100).map(f64::from).collect();
    assert_eq!(percentile(&v, 0.5), Some(50.5));
    assert!(close(percentile(&v, 0.95).unwrap(), 95.05));
    assert!(close(percentile(&v, 0.99).unwrap(), 99.01));
    assert_eq!(percentile(&[7.0], 0.99), Some(7.0));
    assert_eq!(percentile(&[], 0.5), None);
    assert_eq!(percentile(&[1.0, 3.0], 0.5), Some(2.0));
}

#[test]
fn totals_rates_and_savings() {
    let q = SummaryQuery {
        since: 0,
        until: 1000,
        group_by: None,
        bucket: None,
    };
    let mut agg = Aggregator::new(q);
    let mut r = row(1, None, Some(0.5), 100.0);
    r.error = true;
    r.cache_status = Some(CacheStatus::Miss);
    agg.push(&r);
    let mut r = row(2, None, Some(0.0), 10.0);
    r.cache_status = Some(CacheStatus::Hit);
    r.cache_savings_usd = 0.25;
    r.ttft_ms = Some(5.0);
    agg.push(&r);
    let mut r = row(3, None, None, 30.0);
    r.fallback = true;
    r.cache_status = Some(CacheStatus::Bypass);
    r.tokens_estimated = true;
    r.router_savings_usd = 0.125;
    r.prompt_cache_savings_usd = -0.0625;
    r.reasoning_tokens = 4;
    agg.push(&r);
    let mut r = row(4, None, Some(1.0), 20.0);
    r.cache_status = Some(CacheStatus::SemanticHit);
    agg.push(&r);
    // Outside the range: ignored.
    agg.push(&row(1000, None, Some(100.0), 1.0));
    agg.push(&row(-1, None, Some(100.0), 1.0));
    let s = agg.finish();
    let t = &s.total;
    assert_eq!(t.requests, 4);
    assert_eq!((t.errors, t.fallbacks), (1, 1));
    assert_eq!((t.error_rate, t.fallback_rate), (0.25, 0.25));
    assert_eq!(
        (t.input_tokens, t.output_tokens, t.reasoning_tokens),
        (400, 40, 4)
    );
    assert!(close(t.cost_usd, 1.5));
    assert_eq!(t.unpriced_requests, 1);
    assert_eq!(t.estimated_requests, 1);
    assert_eq!((t.cache_lookups, t.cache_hits), (3, 2));
    assert!(close(t.cache_hit_rate.unwrap(), 2.0 / 3.0));
    assert!(close(t.savings_usd, 0.25 + 0.125 - 0.0625));
    // Latencies 10, 20, 30, 100.
    assert_eq!(t.latency_ms.p50, Some(25.0));
    assert!(close(t.latency_ms.p99.unwrap(), 30.0 + 70.0 * 0.97));
    assert_eq!(t.ttft_ms.p50, Some(5.0));
    assert!(close(t.overhead_ms.p50.unwrap(), 0.25));
    assert!(s.groups.is_empty() && s.buckets.is_empty());
}

#[test]
fn empty_range_has_no_rates_or_percentiles() {
    let s = Aggregator::new(SummaryQuery {
        since: 0,
        until: 10,
        group_by: Some(GroupBy::Model),
        bucket: None,
    })
    .finish();
    assert_eq!(s.total.requests, 0);
    assert_eq!(s.total.error_rate, 0.0);
    assert_eq!(s.total.cache_hit_rate, None);
    assert_eq!(s.total.latency_ms, Percentiles::default());
    assert!(s.groups.is_empty());
}

#[test]
fn groups_sorted_by_cost_and_buckets_dense() {
    let hour = 3_600_000;
    let q = SummaryQuery {
        since: hour / 2,
        until: 3 * hour + 1,
        group_by: Some(GroupBy::Provider),
        bucket: Some(Duration::from_secs(3600)),
    };
    assert!(q.validate().is_ok());
    let mut agg = Aggregator::new(q);
    agg.push(&row(hour / 2, Some("openai"), Some(1.0), 1.0));
    agg.push(&row(hour / 2 + 1, Some("anthropic"), Some(3.0), 1.0));
    agg.push(&row(2 * hour + 5, Some("openai"), Some(1.0), 1.0));
    agg.push(&row(2 * hour + 6, None, Some(0.5), 1.0));
    agg.push(&row(3 * hour, Some("gemini"), Some(0.0), 1.0));
    let s = agg.finish();
    let keys: Vec<_> = s.groups.iter().map(|g| g.key.as_deref()).collect();
    assert_eq!(
        keys,
        [Some("anthropic"), Some("openai"), None, Some("gemini")]
    );
    assert!(close(s.groups[1].stats.cost_usd, 2.0));
    // Buckets start on the hour: 0h (from since=0.5h), 1h (empty), 2h, 3h.
    let starts: Vec<_> = s.buckets.iter().map(|b| b.start).collect();
    assert_eq!(starts, [0, hour, 2 * hour, 3 * hour]);
    let counts: Vec<_> = s.buckets.iter().map(|b| b.stats.requests).collect();
    assert_eq!(counts, [2, 0, 2, 1]);
    assert_eq!(s.buckets[0].groups.len(), 2);
    assert_eq!(s.buckets[0].groups[0].key.as_deref(), Some("anthropic"));
    assert!(s.buckets[1].groups.is_empty());
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["group_by"], "provider");
    assert_eq!(json["buckets"][0]["requests"], 2);
    assert_eq!(json["groups"][0]["key"], "anthropic");
}

#[test]
fn query_validation() {
    let ok = SummaryQuery {
        since: 0,
        until: 10_000,
        group_by: None,
        bucket: Some(Duration::from_secs(1)),
    };
    assert!(ok.validate().is_ok());
    let backwards = SummaryQuery {
        since: 10,
        until: 10,
        ..ok
    };
    assert!(backwards.validate().is_err());
    let too_many = SummaryQuery {
        until: 1_000 * (MAX_BUCKETS + 1),
        ..ok
    };
    assert!(too_many.validate().unwrap_err().contains("buckets"));
    let tiny = SummaryQuery {
        bucket: Some(Duration::from_millis(10)),
        ..ok
    };
    assert!(tiny.validate().is_err());
    assert_eq!(
        SummaryQuery::last(Duration::from_secs(1), 5_000).since,
        4_000
    );
    for g in GroupBy::ALL {
        assert_eq!(GroupBy::parse(g.as_str()), Some(g));
    }
}

#[test]
fn params_to_query() {
    let now = 10 * 86_400_000;
    let q = SummaryParams::default().to_query(now).unwrap();
    assert_eq!((q.since, q.until), (now - 86_400_000, now));
    let p = SummaryParams {
        since: Some("7d".into()),
        until: Some("".into()),
        group_by: Some("tier".into()),
        bucket: Some("1h".into()),
    };
    let q = p.to_query(now).unwrap();
    assert_eq!(q.since, now - 7 * 86_400_000);
    assert_eq!(q.group_by, Some(GroupBy::Tier));
    assert_eq!(q.bucket, Some(Duration::from_secs(3600)));
    let bad = SummaryParams {
        group_by: Some("colour".into()),
        ..SummaryParams::default()
    };
    assert!(bad.to_query(now).unwrap_err().contains("group_by"));
    let bad = SummaryParams {
        bucket: Some("1s".into()),
        since: Some("30d".into()),
        ..SummaryParams::default()
    };
    assert!(bad.to_query(now).unwrap_err().contains("buckets"));
}
