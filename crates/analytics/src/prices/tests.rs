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

/// The cost of `usage` at the built-in price of `model`.
fn builtin_cost(model: &str, usage: &TokenUsage) -> Cost {
    let price = PriceTable::builtin()
        .lookup(None, model)
        .unwrap_or_else(|| panic!("{model} has no built-in price"));
    cost(usage, &price)
}

/// 100k prompt tokens (60k cache reads, 10k cache writes), 2k output tokens.
fn cached_usage() -> TokenUsage {
    TokenUsage {
        cached_input_tokens: 60_000,
        cache_creation_input_tokens: 10_000,
        ..usage(100_000, 2_000)
    }
}

/// Cost of [`cached_usage`] at `(input, write, hit, output)` USD per million.
fn cached_usage_cost(input: f64, write: f64, hit: f64, output: f64) -> f64 {
    (30_000.0 * input + 10_000.0 * write + 60_000.0 * hit + 2_000.0 * output) / 1e6
}

#[test]
fn anthropic_current_models_at_the_pricing_pages_rates() {
    // (model name as the API spells it, base input, 5m cache write, cache hit, output)
    let rows = [
        ("claude-fable-5-2", 8.00, 10.00, 0.20, 40.00),
        ("claude-fable-5-1", 10.00, 12.50, 0.25, 50.00),
        ("claude-mythos-5-1", 10.00, 12.50, 0.25, 50.00),
        ("claude-fable-5", 10.00, 12.50, 1.00, 50.00),
        ("claude-opus-5-5", 4.00, 5.00, 0.20, 20.00),
        ("claude-opus-5", 5.00, 6.25, 0.50, 25.00),
        ("claude-opus-4-8", 5.00, 6.25, 0.50, 25.00),
        ("claude-opus-4-6", 5.00, 6.25, 0.50, 25.00),
        // Dated snapshots resolve to their own family, not to `claude-opus-4`.
        ("claude-opus-4-5-20251101", 5.00, 6.25, 0.50, 25.00),
        ("claude-opus-4-1-20250805", 15.00, 18.75, 1.50, 75.00),
        ("claude-opus-4-20250514", 15.00, 18.75, 1.50, 75.00),
        ("claude-sonnet-5-5", 2.00, 2.50, 0.10, 10.00),
        ("claude-sonnet-5", 2.00, 2.50, 0.20, 10.00),
        ("claude-sonnet-4-6", 3.00, 3.75, 0.30, 15.00),
        ("claude-sonnet-4-5-20250929", 3.00, 3.75, 0.30, 15.00),
        ("claude-sonnet-4-5@20250929", 3.00, 3.75, 0.30, 15.00),
        ("claude-3-7-sonnet-20250219", 3.00, 3.75, 0.30, 15.00),
        ("claude-haiku-5-5", 0.10, 0.125, 0.01, 0.50),
        ("claude-haiku-4-5-20251001", 1.00, 1.25, 0.10, 5.00),
        ("claude-3-5-haiku-20241022", 0.80, 1.00, 0.08, 4.00),
        ("claude-3-opus-20240229", 15.00, 18.75, 1.50, 75.00),
        // Haiku 3's cache rates are not 1.25×/0.1× input.
        ("claude-3-haiku-20240307", 0.25, 0.30, 0.03, 1.25),
    ];
    for (model, input, write, hit, output) in rows {
        let c = builtin_cost(model, &cached_usage());
        let expected = cached_usage_cost(input, write, hit, output);
        assert!(close(c.usd, expected), "{model}: {} vs {expected}", c.usd);
        let avoided = (60_000.0 * (input - hit) - 10_000.0 * (write - input)) / 1e6;
        assert!(close(c.avoided_usd.unwrap(), avoided), "{model}");
    }
}

#[test]
fn claude_haiku_5_5_prompts_over_100k_pay_the_higher_rates_on_the_whole_request() {
    // The prompt counts cache reads and writes: 100k in all is still the lower band.
    let c = builtin_cost("claude-haiku-5-5", &cached_usage());
    assert!(close(c.usd, cached_usage_cost(0.10, 0.125, 0.01, 0.50)));
    let over = TokenUsage {
        cached_input_tokens: 60_001,
        cache_creation_input_tokens: 10_000,
        ..usage(100_001, 2_000)
    };
    let expected = (30_000.0 * 0.50 + 10_000.0 * 0.625 + 60_001.0 * 0.05 + 2_000.0 * 2.50) / 1e6;
    assert!(close(builtin_cost("claude-haiku-5-5", &over).usd, expected));
}

#[test]
fn claude_sonnet_4_and_4_5_long_prompts_switch_tier_but_4_6_does_not() {
    let long_prompt = TokenUsage {
        cached_input_tokens: 100_000,
        cache_creation_input_tokens: 50_000,
        ..usage(300_000, 1_000)
    };
    let long_cost = (150_000.0 * 6.00 + 50_000.0 * 7.50 + 100_000.0 * 0.60 + 1_000.0 * 22.50) / 1e6;
    for model in ["claude-sonnet-4-20250514", "claude-sonnet-4-5-20250929"] {
        assert!(
            close(builtin_cost(model, &long_prompt).usd, long_cost),
            "{model}"
        );
    }
    let flat = (150_000.0 * 3.00 + 50_000.0 * 3.75 + 100_000.0 * 0.30 + 1_000.0 * 15.00) / 1e6;
    assert!(close(
        builtin_cost("claude-sonnet-4-6", &long_prompt).usd,
        flat
    ));
    // At exactly 200k the standard rates still apply.
    assert!(close(
        builtin_cost("claude-sonnet-4-5", &usage(200_000, 1_000)).usd,
        (200_000.0 * 3.00 + 1_000.0 * 15.00) / 1e6
    ));
}

#[test]
fn openai_gpt_6_models_at_the_model_pages_rates() {
    // (model, input, cache write, cached input, output)
    let rows = [
        ("gpt-6.2-sol", 2.00, 2.50, 0.10, 10.00),
        ("gpt-6.2-astra", 8.00, 10.00, 0.40, 40.00),
        ("gpt-6.1-sol", 2.00, 2.50, 0.10, 10.00),
        ("gpt-6-sol", 2.00, 2.50, 0.20, 10.00),
        ("gpt-6-astra", 10.00, 12.50, 1.00, 50.00),
        ("gpt-6-luna", 0.10, 0.125, 0.01, 0.50),
    ];
    for (model, input, write, cached, output) in rows {
        let c = builtin_cost(model, &cached_usage());
        let expected = cached_usage_cost(input, write, cached, output);
        assert!(close(c.usd, expected), "{model}: {} vs {expected}", c.usd);
    }
}

#[test]
fn openai_gpt_6_requests_over_272k_input_pay_double_input_and_cache_and_1_5x_output() {
    let at = |input: u64| TokenUsage {
        cached_input_tokens: 100_000,
        cache_creation_input_tokens: 10_000,
        reasoning_tokens: 1_000,
        ..usage(input, 2_000)
    };
    // Exactly 272,000 input tokens: short-context rates.
    let short = (162_000.0 * 2.00 + 10_000.0 * 2.50 + 100_000.0 * 0.20 + 2_000.0 * 10.00) / 1e6;
    assert!(close(builtin_cost("gpt-6-sol", &at(272_000)).usd, short));
    // One more: every token of the request at the long-context rates, reasoning included.
    let long = (162_001.0 * 4.00 + 10_000.0 * 5.00 + 100_000.0 * 0.40 + 2_000.0 * 15.00) / 1e6;
    assert!(close(builtin_cost("gpt-6-sol", &at(272_001)).usd, long));
    let astra = (162_001.0 * 20.00 + 10_000.0 * 25.00 + 100_000.0 * 2.00 + 2_000.0 * 75.00) / 1e6;
    assert!(close(builtin_cost("gpt-6-astra", &at(272_001)).usd, astra));
}

#[test]
fn openai_older_models_and_snapshots_resolve_to_the_right_row() {
    // (model, input, cached input, output)
    let rows = [
        ("gpt-5-mini-2025-08-07", 0.25, 0.025, 2.00),
        ("gpt-5-nano-2025-08-07", 0.05, 0.005, 0.40),
        ("gpt-5-2025-08-07", 1.25, 0.125, 10.00),
        ("gpt-5-pro", 15.00, 15.00, 120.00),
        ("gpt-4.1-2025-04-14", 2.00, 0.50, 8.00),
        ("gpt-4.1-mini-2025-04-14", 0.40, 0.10, 1.60),
        ("gpt-4o-2024-08-06", 2.50, 1.25, 10.00),
        ("gpt-4o-2024-05-13", 5.00, 5.00, 15.00),
        ("gpt-4o-mini-2024-07-18", 0.15, 0.075, 0.60),
        ("gpt-4o-realtime-preview-2024-12-17", 5.00, 2.50, 20.00),
        ("gpt-realtime", 4.00, 0.40, 16.00),
        ("gpt-4-0613", 30.00, 30.00, 60.00),
        ("o3-2025-04-16", 2.00, 0.50, 8.00),
        ("o4-mini-2025-04-16", 1.10, 0.275, 4.40),
    ];
    let u = TokenUsage {
        cached_input_tokens: 4_000,
        ..usage(10_000, 1_000)
    };
    for (model, input, cached, output) in rows {
        let expected = (6_000.0 * input + 4_000.0 * cached + 1_000.0 * output) / 1e6;
        let c = builtin_cost(model, &u);
        assert!(close(c.usd, expected), "{model}: {} vs {expected}", c.usd);
    }
    // No row for the GPT-5.x point releases: unpriced rather than priced as `gpt-5`.
    assert_eq!(PriceTable::builtin().lookup(None, "gpt-5.5"), None);
    assert_eq!(
        PriceTable::builtin().lookup(None, "openai/gpt-6.2-sol"),
        PriceTable::builtin().lookup(None, "gpt-6.2-sol")
    );
}

#[test]
fn gemini_rows_resolve_snapshots_and_models_paths() {
    // Pinned so a change to them is deliberate (sources in builtin.rs).
    let rows = [
        ("gemini-3.8-flash", 0.75, 0.075, 3.75),
        ("gemini-3.1-pro-preview-customtools", 2.00, 0.20, 12.00),
        ("gemini-3.5-flash-lite", 0.30, 0.03, 2.50),
        ("gemini-2.5-pro", 1.25, 0.125, 10.00),
        ("models/gemini-2.5-flash", 0.30, 0.03, 2.50),
        ("gemini-2.5-flash-lite-preview-06-17", 0.10, 0.01, 0.40),
        ("gemini-2.0-flash-001", 0.10, 0.025, 0.40),
        ("gemini-2.0-flash-lite-001", 0.075, 0.075, 0.30),
    ];
    let u = TokenUsage {
        cached_input_tokens: 4_000,
        ..usage(10_000, 1_000)
    };
    for (model, input, cached, output) in rows {
        let expected = (6_000.0 * input + 4_000.0 * cached + 1_000.0 * output) / 1e6;
        assert!(close(builtin_cost(model, &u).usd, expected), "{model}");
    }
}

#[test]
fn memo_answers_like_the_table_and_stays_bounded() {
    let mut table = PriceTable::builtin();
    table.set_deployment_price("local", "my-model", ModelPrice::new(1.0, 2.0));
    let mut memo = PriceMemo::default();
    for (provider, model) in [
        (Some("local"), "my-model"),
        (Some("other"), "my-model"),
        (None, "gpt-4o-mini-2024-07-18"),
        (Some("openai"), "claude-sonnet-4-5"),
        (None, "no-such-model"),
    ] {
        for _ in 0..2 {
            assert_eq!(
                memo.lookup(&table, provider, model),
                table.lookup(provider, model),
                "{provider:?} {model}"
            );
        }
    }
    for i in 0..(PriceMemo::MAX_ENTRIES + 10) {
        let model = format!("client-chosen-{i}");
        assert_eq!(memo.lookup(&table, None, &model), None);
    }
    assert_eq!(
        memo.lookup(&table, Some("local"), "my-model"),
        Some(ModelPrice::new(1.0, 2.0))
    );
    let mut e = RequestEvent {
        provider: Some("local".into()),
        upstream_model: Some("my-model".into()),
        usage: Some(TokenUsage {
            input_tokens: 1_000_000,
            output_tokens: 1_000_000,
            ..TokenUsage::default()
        }),
        ..RequestEvent::default()
    };
    let mut plain = e.clone();
    table.price_event_memo(&mut e, &mut memo);
    table.price_event(&mut plain);
    assert_eq!(e, plain);
    assert_eq!(e.cost_usd, Some(3.0));
}

#[test]
fn router_baseline_as_provider_and_model_uses_the_deployment_price() {
    let mut t = PriceTable::builtin();
    t.set_deployment_price("local", "strong-coder", ModelPrice::new(10.0, 20.0));
    let mut e = event("gpt-4o-mini");
    e.usage = Some(usage(1_000_000, 0));
    e.router_baseline_model = Some("local/strong-coder".into());
    t.price_event(&mut e);
    assert!(close(e.router_savings_usd.unwrap(), 10.0 - 0.15));
    // A model name with a vendor prefix still falls back to the model's own price.
    let mut e = event("gpt-4o-mini");
    e.usage = Some(usage(1_000_000, 0));
    e.router_baseline_model = Some("openai/gpt-4o".into());
    t.price_event(&mut e);
    assert!(close(e.router_savings_usd.unwrap(), 2.5 - 0.15));
}
