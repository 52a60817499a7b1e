//! The built-in price table: list prices in USD per million tokens from the providers'
//! public pricing pages (standard tier, no batch discount), as of [`BUILTIN_PRICES_DATE`].
//! Prices change; a deployment whose contract differs overrides them in config.
//!
//! Not modelled: Anthropic's 1-hour cache writes (2× input; the table uses 5-minute writes,
//! 1.25×), Gemini's context-cache storage per hour, OpenAI's flex/priority tiers, audio and
//! image tokens.

use super::{LongContextPrice, ModelPrice};

/// The date the built-in prices were taken from the providers' pricing pages.
pub const BUILTIN_PRICES_DATE: &str = "2025-08-15";

const fn p(input: f64, output: f64) -> ModelPrice {
    ModelPrice::new(input, output)
}

/// Anthropic: cache reads at 0.1× input, 5-minute cache writes at 1.25× input.
const fn claude(input: f64, output: f64) -> ModelPrice {
    p(input, output)
        .cached(input * 0.1)
        .cache_write(input * 1.25)
}

const fn long(above: u64, input: f64, output: f64, cached: f64) -> LongContextPrice {
    LongContextPrice {
        above_input_tokens: above,
        input,
        output,
        cached_input: Some(cached),
        cache_write: None,
    }
}

/// `(model prefix, price)`; the longest matching prefix wins.
pub(super) static PRICES: &[(&str, ModelPrice)] = &[
    // OpenAI
    ("gpt-5", p(1.25, 10.00).cached(0.125)),
    ("gpt-5-mini", p(0.25, 2.00).cached(0.025)),
    ("gpt-5-nano", p(0.05, 0.40).cached(0.005)),
    ("gpt-4.1", p(2.00, 8.00).cached(0.50)),
    ("gpt-4.1-mini", p(0.40, 1.60).cached(0.10)),
    ("gpt-4.1-nano", p(0.10, 0.40).cached(0.025)),
    ("gpt-4.5-preview", p(75.00, 150.00).cached(37.50)),
    ("gpt-4o", p(2.50, 10.00).cached(1.25)),
    // The first gpt-4o snapshot kept its launch price.
    ("gpt-4o-2024-05-13", p(5.00, 15.00)),
    ("gpt-4o-mini", p(0.15, 0.60).cached(0.075)),
    ("chatgpt-4o-latest", p(5.00, 15.00)),
    ("gpt-4-turbo", p(10.00, 30.00)),
    ("gpt-4", p(30.00, 60.00)),
    ("gpt-4-32k", p(60.00, 120.00)),
    ("gpt-3.5-turbo", p(0.50, 1.50)),
    ("o1", p(15.00, 60.00).cached(7.50)),
    ("o1-mini", p(1.10, 4.40).cached(0.55)),
    ("o1-pro", p(150.00, 600.00)),
    ("o3", p(2.00, 8.00).cached(0.50)),
    ("o3-mini", p(1.10, 4.40).cached(0.55)),
    ("o3-pro", p(20.00, 80.00)),
    ("o4-mini", p(1.10, 4.40).cached(0.275)),
    ("codex-mini-latest", p(1.50, 6.00).cached(0.375)),
    // Anthropic
    ("claude-opus-4", claude(15.00, 75.00)),
    (
        "claude-sonnet-4",
        // Prompts above 200k tokens (1M-context beta) are billed at 2× input, 1.5× output.
        claude(3.00, 15.00).long_context(LongContextPrice {
            above_input_tokens: 200_000,
            input: 6.00,
            output: 22.50,
            cached_input: Some(0.60),
            cache_write: Some(7.50),
        }),
    ),
    ("claude-3-7-sonnet", claude(3.00, 15.00)),
    ("claude-3-5-sonnet", claude(3.00, 15.00)),
    ("claude-3-5-haiku", claude(0.80, 4.00)),
    ("claude-3-opus", claude(15.00, 75.00)),
    ("claude-3-sonnet", claude(3.00, 15.00)),
    ("claude-3-haiku", claude(0.25, 1.25)),
    // Gemini (paid tier). Thinking tokens are billed as output, except the 2.5 Flash preview.
    (
        "gemini-2.5-pro",
        p(1.25, 10.00)
            .cached(0.31)
            .long_context(long(200_000, 2.50, 15.00, 0.625)),
    ),
    ("gemini-2.5-flash", p(0.30, 2.50).cached(0.075)),
    (
        "gemini-2.5-flash-preview",
        p(0.15, 0.60).cached(0.0375).reasoning(3.50),
    ),
    ("gemini-2.5-flash-lite", p(0.10, 0.40).cached(0.025)),
    ("gemini-2.0-flash", p(0.10, 0.40).cached(0.025)),
    ("gemini-2.0-flash-lite", p(0.075, 0.30)),
    (
        "gemini-1.5-pro",
        p(1.25, 5.00)
            .cached(0.3125)
            .long_context(long(128_000, 2.50, 10.00, 0.625)),
    ),
    (
        "gemini-1.5-flash",
        p(0.075, 0.30)
            .cached(0.01875)
            .long_context(long(128_000, 0.15, 0.60, 0.0375)),
    ),
    (
        "gemini-1.5-flash-8b",
        p(0.0375, 0.15)
            .cached(0.01)
            .long_context(long(128_000, 0.075, 0.30, 0.02)),
    ),
];
