use super::*;
use crate::event::TokenUsage;

fn event(provider: &str, status: u16, total_ms: f64) -> RequestEvent {
    RequestEvent {
        provider: Some(provider.into()),
        alias: Some("coder".into()),
        status,
        total_ms,
        overhead_ms: 0.3,
        usage: Some(TokenUsage {
            input_tokens: 100,
            output_tokens: 20,
            cached_input_tokens: 40,
            reasoning_tokens: 5,
            ..TokenUsage::default()
        }),
        cost_usd: Some(0.01),
        ..RequestEvent::default()
    }
}

fn line<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line {prefix} in\n{text}"))
}

#[test]
fn renders_requests_tokens_cost_and_histograms() {
    let m = Metrics::new();
    m.observe(&event("openai", 200, 120.0));
    m.observe(&event("openai", 200, 3_000.0));
    let mut failed = event("anthropic", 502, 50.0);
    failed.error_class = Some("upstream_error".into());
    failed.attempts = 2;
    failed.cost_usd = None;
    failed.cache_status = Some(CacheStatus::Miss);
    failed.ttft_ms = Some(40.0);
    failed.cache_savings_usd = Some(0.5);
    m.observe(&failed);
    m.record_upstream_error("anthropic", "upstream_timeout");
    let text = m.render();

    assert!(text.contains("# TYPE switchyard_requests_total counter"));
    assert!(text.contains(
        "switchyard_requests_total{status_class=\"2xx\",provider=\"openai\",alias=\"coder\"} 2"
    ));
    assert!(text.contains(
        "switchyard_requests_total{status_class=\"5xx\",provider=\"anthropic\",alias=\"coder\"} 1"
    ));
    assert!(text.contains("switchyard_tokens_total{provider=\"openai\",kind=\"cached_input\"} 80"));
    assert!(text.contains("switchyard_tokens_total{provider=\"openai\",kind=\"reasoning\"} 10"));
    assert!(text.contains("switchyard_cost_usd_total{provider=\"openai\"} 0.02"));
    assert!(text.contains("switchyard_unpriced_requests_total 1"));
    assert!(text.contains("switchyard_savings_usd_total{source=\"cache\"} 0.5"));
    assert!(text.contains("switchyard_cache_requests_total{status=\"miss\"} 1"));
    assert!(text.contains("switchyard_request_errors_total{class=\"upstream_error\"} 1"));
    assert!(text.contains(
        "switchyard_upstream_errors_total{provider=\"anthropic\",class=\"upstream_timeout\"} 1"
    ));
    assert!(text.contains("switchyard_fallbacks_total{alias=\"coder\"} 1"));
    // Histogram buckets are cumulative and end with +Inf = count.
    assert_eq!(
        line(
            &text,
            "switchyard_request_duration_seconds_bucket{provider=\"openai\",le=\"0.25\"}"
        ),
        "switchyard_request_duration_seconds_bucket{provider=\"openai\",le=\"0.25\"} 1"
    );
    assert!(
        text.contains("switchyard_request_duration_seconds_bucket{provider=\"openai\",le=\"5\"} 2")
    );
    assert!(text
        .contains("switchyard_request_duration_seconds_bucket{provider=\"openai\",le=\"+Inf\"} 2"));
    assert!(text.contains("switchyard_request_duration_seconds_count{provider=\"openai\"} 2"));
    assert!(text.contains("switchyard_time_to_first_token_seconds_bucket{le=\"0.05\"} 1"));
    assert!(text.contains("switchyard_time_to_first_token_seconds_count 1"));
    assert!(text.contains("switchyard_gateway_overhead_seconds_bucket{le=\"0.0005\"} 3"));
    assert!(text.contains("switchyard_analytics_events_dropped_total{reason=\"queue_full\"} 0"));

    // Every sample line is `name{labels} value` with a numeric value; every family typed.
    for l in text.lines().filter(|l| !l.starts_with('#')) {
        let (series, value) = l.rsplit_once(' ').unwrap();
        assert!(value.parse::<f64>().is_ok(), "{l}");
        let name = series.split('{').next().unwrap();
        let family = name
            .trim_end_matches("_bucket")
            .trim_end_matches("_sum")
            .trim_end_matches("_count");
        assert!(
            text.contains(&format!("# TYPE {family} "))
                || text.contains(&format!("# TYPE {name} ")),
            "{name} has no TYPE"
        );
    }
}

#[test]
fn label_values_are_capped_and_escaped() {
    let m = Metrics::new();
    for i in 0..(MAX_LABEL_VALUES + 20) {
        m.observe(&event(&format!("p{i}"), 200, 1.0));
    }
    m.observe(&event("we\"ird\\\nname", 200, 1.0));
    let text = m.render();
    assert!(text.contains("provider=\"other\""));
    let providers: HashSet<&str> = text
        .lines()
        .filter(|l| l.starts_with("switchyard_requests_total{"))
        .filter_map(|l| l.split("provider=\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(providers.len(), MAX_LABEL_VALUES + 1);

    let m = Metrics::new();
    m.observe(&event("we\"ird\\\nname", 200, 1.0));
    assert!(m.render().contains("provider=\"we\\\"ird\\\\\\nname\""));
}

#[test]
fn pairs_are_counted_apart_when_more_than_the_memo_holds() {
    // 3 providers × 8 aliases = 24 pairs, more than the memo's 16, visited round-robin so
    // that every lookup after the first pass misses the memo.
    let m = Metrics::new();
    for round in 0..5u64 {
        for p in 0..3 {
            for a in 0..8 {
                let mut e = event(&format!("prov{p}"), 200, 1.0);
                e.alias = Some(format!("alias{a}").into());
                e.status = if a == 7 && round == 0 { 503 } else { 200 };
                m.observe(&e);
            }
        }
    }
    let text = m.render();
    for p in 0..3 {
        for a in 0..7 {
            assert!(text.contains(&format!(
                "switchyard_requests_total{{status_class=\"2xx\",provider=\"prov{p}\",alias=\"alias{a}\"}} 5\n"
            )));
        }
        assert!(text.contains(&format!(
            "switchyard_requests_total{{status_class=\"2xx\",provider=\"prov{p}\",alias=\"alias7\"}} 4\n"
        )));
        assert!(text.contains(&format!(
            "switchyard_requests_total{{status_class=\"5xx\",provider=\"prov{p}\",alias=\"alias7\"}} 1\n"
        )));
        // Tokens and latency are per provider: 8 aliases × 5 rounds requests each.
        assert!(text.contains(&format!(
            "switchyard_tokens_total{{provider=\"prov{p}\",kind=\"input\"}} 4000\n"
        )));
        assert!(text.contains(&format!(
            "switchyard_request_duration_seconds_count{{provider=\"prov{p}\"}} 40\n"
        )));
    }
    // Sorted as Prometheus clients expect stable output: by status class, provider, alias.
    let series: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("switchyard_requests_total{"))
        .collect();
    let mut sorted = series.clone();
    sorted.sort();
    assert_eq!(series, sorted);
    assert_eq!(series.len(), 3 * 8 + 3);
}
