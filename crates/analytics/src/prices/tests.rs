use super::*;
use crate::event::CacheStatus;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

fn usage(input: u64, output: u64) -> TokenUsage {
    TokenUsage {
        input_tokens: input,
        output_tokens: output,
        ..TokenUsage::default()
    }
}

#[test]
fn dated_snapshots_match_their_family_and_longest_prefix_wins() {
    let t = PriceTable::builtin();
    let gpt4o = t.lookup(None, "gpt-4o").unwrap();
    assert_eq!(t.lookup(None, "gpt-4o-2024-08-06"), Some(gpt4o));
    assert_eq!(gpt4o.input, 2.50);
    assert_eq!(
        t.lookup(None, "gpt-4o-mini-2024-07-18").unwrap().input,
        0.15
    );
    assert_eq!(t.lookup(None, "gpt-4o-2024-05-13").unwrap().input, 5.00);
    assert_eq!(t.lookup(None, "o3-mini-2025-01-31").unwrap().output, 4.40);
    assert_eq!(t.lookup(None, "o3-2025-04-16").unwrap().input, 2.00);
    assert_eq!(
        t.lookup(None, "claude-3-5-sonnet-20241022").unwrap().input,
        3.00
    );
    assert_eq!(
        t.lookup(None, "claude-opus-4-1-20250805").unwrap().output,
        75.00
    );
    assert_eq!(
        t.lookup(None, "claude-3-5-haiku-latest").unwrap().input,
        0.80
    );
    assert_eq!(t.lookup(None, "gemini-2.5-flash-lite").unwrap().input, 0.10);
    assert_eq!(t.lookup(None, "gemini-2.5-flash").unwrap().input, 0.30);
    assert_eq!(
        t.lookup(None, "gemini-2.5-flash-preview-04-17")
            .unwrap()
            .reasoning,
        Some(3.50)
    );
    assert_eq!(
        t.lookup(None, "claude-3-5-sonnet-v2@20241022")
            .unwrap()
            .input,
        3.00
    );
}

#[test]
fn prefixes_stop_at_a_name_boundary_and_vendor_paths_are_stripped() {
    let t = PriceTable::builtin();
    // `gpt-4` must not price `gpt-4o-something-new` or `gpt-4.5`.
    assert_eq!(t.lookup(None, "gpt-4.7"), None);
    assert_eq!(t.lookup(None, "gpt-4-0613").unwrap().input, 30.00);
    assert_eq!(t.lookup(None, "o1x"), None);
    assert_eq!(t.lookup(None, "llama-3.1-70b"), None);
    assert_eq!(t.lookup(None, "openai/gpt-4o").unwrap().input, 2.50);
    assert_eq!(t.lookup(None, "models/gemini-2.5-pro").unwrap().input, 1.25);
}

#[test]
fn overrides_beat_builtins_and_deployment_prices_beat_both() {
    let mut t = PriceTable::builtin();
    t.set_model_price("gpt-4o", ModelPrice::new(1.0, 2.0));
    t.set_deployment_price("azure-east", "gpt-4o", ModelPrice::new(3.0, 4.0));
    t.set_model_price("my-llama", ModelPrice::new(0.0, 0.0));
    assert_eq!(t.lookup(None, "gpt-4o-2024-08-06").unwrap().input, 1.0);
    assert_eq!(t.lookup(Some("openai"), "gpt-4o").unwrap().input, 1.0);
    assert_eq!(t.lookup(Some("azure-east"), "gpt-4o").unwrap().input, 3.0);
    // A longer built-in prefix does not beat a model override.
    assert_eq!(t.lookup(None, "gpt-4o-mini").unwrap().input, 1.0);
    assert_eq!(t.lookup(None, "my-llama").unwrap().output, 0.0);
    // Overriding again replaces.
    t.set_model_price("gpt-4o", ModelPrice::new(9.0, 9.0));
    assert_eq!(t.lookup(None, "gpt-4o").unwrap().input, 9.0);
    assert_eq!(PriceTable::empty().lookup(None, "gpt-4o"), None);
}

#[test]
fn plain_cost() {
    let c = cost(&usage(1_000_000, 1_000_000), &ModelPrice::new(2.5, 10.0));
    assert!(close(c.usd, 12.5));
    assert_eq!(c.avoided_usd, None);
    assert!(!c.estimated);
}

#[test]
fn cached_input_is_priced_at_the_cached_rate_and_counted_as_avoided() {
    // gpt-4o: 2.50 in, 1.25 cached, 10 out. 10k prompt of which 8k cached, 1k out.
    let price = PriceTable::builtin().lookup(None, "gpt-4o").unwrap();
    let u = TokenUsage {
        cached_input_tokens: 8_000,
        ..usage(10_000, 1_000)
    };
    let c = cost(&u, &price);
    let expected = (2_000.0 * 2.50 + 8_000.0 * 1.25 + 1_000.0 * 10.0) / 1e6;
    assert!(close(c.usd, expected), "{} vs {expected}", c.usd);
    assert!(close(c.avoided_usd.unwrap(), 8_000.0 * (2.50 - 1.25) / 1e6));
}

#[test]
fn anthropic_cache_writes_cost_more_and_reduce_the_saving() {
    // claude-sonnet-4: 3 in, 0.30 read, 3.75 write, 15 out.
    let price = PriceTable::builtin()
        .lookup(None, "claude-sonnet-4-20250514")
        .unwrap();
    let u = TokenUsage {
        cached_input_tokens: 50_000,
        cache_creation_input_tokens: 20_000,
        ..usage(100_000, 2_000)
    };
    let c = cost(&u, &price);
    let expected = (30_000.0 * 3.0 + 50_000.0 * 0.30 + 20_000.0 * 3.75 + 2_000.0 * 15.0) / 1e6;
    assert!(close(c.usd, expected), "{} vs {expected}", c.usd);
    let avoided = (50_000.0 * (3.0 - 0.30) - 20_000.0 * (3.75 - 3.0)) / 1e6;
    assert!(close(c.avoided_usd.unwrap(), avoided));
    // Only writes: a negative saving (the surcharge).
    let writes = TokenUsage {
        cache_creation_input_tokens: 10_000,
        ..usage(10_000, 0)
    };
    assert!(cost(&writes, &price).avoided_usd.unwrap() < 0.0);
}

#[test]
fn reasoning_is_part_of_output_and_priced_apart_only_where_it_differs() {
    // o3: reasoning billed as output; the total must not count reasoning twice.
    let o3 = PriceTable::builtin().lookup(None, "o3").unwrap();
    let u = TokenUsage {
        reasoning_tokens: 800,
        ..usage(1_000, 1_000)
    };
    assert!(close(
        cost(&u, &o3).usd,
        (1_000.0 * 2.0 + 1_000.0 * 8.0) / 1e6
    ));
    // Gemini 2.5 Flash preview: 0.60 visible output, 3.50 thinking.
    let flash = PriceTable::builtin()
        .lookup(None, "gemini-2.5-flash-preview-05-20")
        .unwrap();
    let c = cost(&u, &flash);
    assert!(close(
        c.usd,
        (1_000.0 * 0.15 + 200.0 * 0.60 + 800.0 * 3.50) / 1e6
    ));
}

#[test]
fn long_prompts_switch_to_long_context_prices() {
    let pro = PriceTable::builtin()
        .lookup(None, "gemini-2.5-pro")
        .unwrap();
    let short = cost(&usage(200_000, 1_000), &pro);
    assert!(close(short.usd, (200_000.0 * 1.25 + 1_000.0 * 10.0) / 1e6));
    let long = cost(&usage(200_001, 1_000), &pro);
    assert!(close(long.usd, (200_001.0 * 2.50 + 1_000.0 * 15.0) / 1e6));
}

#[test]
fn inconsistent_counts_are_clamped() {
    let u = TokenUsage {
        cached_input_tokens: 500,
        cache_creation_input_tokens: 500,
        reasoning_tokens: 50,
        ..usage(100, 10)
    };
    let c = cost(&u, &ModelPrice::new(1.0, 1.0).cached(0.5));
    assert!(c.usd >= 0.0);
    assert!(close(c.usd, (100.0 * 0.5 + 10.0) / 1e6));
}

#[test]
fn estimates_use_four_bytes_per_token() {
    let u = estimate_usage(4_001, 8);
    assert_eq!((u.input_tokens, u.output_tokens), (1_001, 2));
    assert!(u.estimated);
    let c = cost(&u, &ModelPrice::new(1.0, 1.0));
    assert!(c.estimated);
}

fn event(model: &str) -> RequestEvent {
    RequestEvent {
        request_id: "r1".into(),
        upstream_model: Some(model.into()),
        provider: Some("openai".into()),
        status: 200,
        ..RequestEvent::default()
    }
}

#[test]
fn price_event_fills_cost_savings_and_estimates() {
    let t = PriceTable::builtin();
    let mut e = event("gpt-4o-mini");
    e.usage = Some(TokenUsage {
        cached_input_tokens: 1_000,
        ..usage(2_000, 100)
    });
    e.router_baseline_model = Some("gpt-4o".into());
    t.price_event(&mut e);
    let cost_mini = (1_000.0 * 0.15 + 1_000.0 * 0.075 + 100.0 * 0.60) / 1e6;
    assert!(close(e.cost_usd.unwrap(), cost_mini));
    assert!(close(
        e.prompt_cache_savings_usd.unwrap(),
        1_000.0 * 0.075 / 1e6
    ));
    let cost_4o = (1_000.0 * 2.5 + 1_000.0 * 1.25 + 100.0 * 10.0) / 1e6;
    assert!(close(e.router_savings_usd.unwrap(), cost_4o - cost_mini));
    assert!(!e.cost_estimated);

    // No usage reported: estimated from bytes.
    let mut e = event("gpt-4o");
    e.input_bytes = 4_000;
    e.output_bytes = 400;
    t.price_event(&mut e);
    assert!(e.usage.unwrap().estimated);
    assert!(e.cost_estimated);
    assert!(close(
        e.cost_usd.unwrap(),
        (1_000.0 * 2.5 + 100.0 * 10.0) / 1e6
    ));

    // Cache hit: free, saving what the model would have charged; no router credit.
    let mut e = event("gpt-4o");
    e.usage = Some(usage(1_000, 100));
    e.cache_status = Some(CacheStatus::SemanticHit);
    e.router_baseline_model = Some("o1".into());
    t.price_event(&mut e);
    assert_eq!(e.cost_usd, Some(0.0));
    assert!(close(
        e.cache_savings_usd.unwrap(),
        (1_000.0 * 2.5 + 100.0 * 10.0) / 1e6
    ));
    assert_eq!(e.router_savings_usd, None);

    // Failure without usage: nothing billed, nothing estimated.
    let mut e = event("gpt-4o");
    e.status = 502;
    e.input_bytes = 1_000;
    t.price_event(&mut e);
    assert_eq!((e.usage, e.cost_usd), (None, Some(0.0)));

    // Unknown model: no cost (counted as unpriced), not a made-up figure.
    let mut e = event("my-local-llama");
    e.usage = Some(usage(10, 10));
    t.price_event(&mut e);
    assert_eq!(e.cost_usd, None);

    // A cost set by the caller is kept.
    let mut e = event("gpt-4o");
    e.usage = Some(usage(10, 10));
    e.cost_usd = Some(42.0);
    t.price_event(&mut e);
    assert_eq!(e.cost_usd, Some(42.0));
}

#[test]
fn builtin_table_is_sane() {
    let prefixes: Vec<_> = builtin_prices().iter().map(|(p, _)| *p).collect();
    let mut dedup = prefixes.clone();
    dedup.sort_unstable();
    dedup.dedup();
    assert_eq!(dedup.len(), prefixes.len(), "duplicate prefix");
    for (prefix, p) in builtin_prices() {
        assert!(p.input > 0.0 && p.output >= p.input, "{prefix}");
        assert!(p.cached_input.unwrap_or(p.input) <= p.input, "{prefix}");
    }
    assert_eq!(BUILTIN_PRICES_DATE.len(), 10);
}
