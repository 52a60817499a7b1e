//! The built-in price table: list prices in USD per million tokens from the providers'
//! public pricing pages (standard tier, no batch discount), as of [`BUILTIN_PRICES_DATE`].
//! Prices change; a deployment whose contract differs overrides them in config.
//!
//! # Sources and what was verified
//!
//! Checked on 2026-12-01 against the stored copies of the providers' own pages that the
//! search corpora hold. None of those copies carries a date; the newest content seen
//! (Claude Fable 5.2, released 2026-11-09; GPT-6.2 Sol, released 2026-11-17) dates them to
//! late November 2026, so [`BUILTIN_PRICES_DATE`] is the day of the check. Every row below
//! says where its figures come from:
//!
//! - **verified**: the figures were read on the provider's own page.
//! - **partly verified**: input/output read on the provider's page; the rest (cache rates,
//!   tiers) only seen in third-party readings of that page (named in the row), which agree.
//! - **unverified**: no stored copy of an official page gives the figures; kept from the
//!   previous table (2025-08-15, written from memory) or taken from third-party readings.
//!
//! Anthropic — "Pricing" (platform.claude.com/docs/en/about-claude/pricing): a copy listing
//! Fable 5.1 … Opus 4 (before Opus 5.5), and an older copy
//! (platform.claude.com/docs/en/docs/about-claude/pricing) listing Opus 4.6 … Haiku 3; plus
//! the model overview pages (platform.claude.com/docs/*/models/<model>/overview) for
//! Opus 5.5, Opus 5, Sonnet 5.5, Sonnet 5, Haiku 5.5, Fable 5 and Fable 5.2's lineup row.
//! Claude rows give four of the page's five columns: base input, 5-minute cache writes,
//! cache hits, output (1-hour writes, 2× input on most models, are not modelled).
//!
//! OpenAI — the stored corpora hold no copy of the pricing page itself
//! (developers.openai.com/api/docs/pricing); the rows marked verified were read on the
//! model pages (developers.openai.com/api/docs/models/<model>, including the "Compare
//! models" page). GPT-6 family cache writes are 30-minute writes (12-hour writes are not
//! modelled).
//!
//! Google Gemini — the stored corpora hold no copy of the pricing page itself
//! (ai.google.dev/gemini-api/docs/pricing). Google's own pages seen with prices are the
//! "What's new" guides ai.google.dev/gemini-api/docs/whats-new-gemini-3.6 (with its copies
//! at …/generate-content/whats-new-gemini-3.6 and …/latest-model) and …/whats-new-gemini-3.7.
//! The other Gemini figures come from transcriptions of the pricing page that say they quote
//! it verbatim: api-evangelist/gemini `plans/gemini-plans-pricing.yml` (read 2026-09-20) and
//! api-evangelist/deepmind `plans/deepmind-plans-pricing.yml` (read 2026-10-07), which agree
//! wherever both have a figure, and for Gemini 3 Flash Preview factquire.com's record
//! `models/google/gemini-3-flash-preview.json` (quote accessed 2026-07-04). For Gemini,
//! **partly verified** also covers a figure read on such a transcription instead of on
//! Google's page; each row says which. The transcriptions capture only some figures of each
//! model and no context-caching rate, and the "What's new" guides give none either, so cache
//! rates (and the figures marked so) come from third parties named in the row. Gemini 3.7
//! and 3.8 Flash are at an introductory half price through 2026-12-31 and list at $1.50 /
//! $7.50 from 2027-01-01; their rows carry the price in force on [`BUILTIN_PRICES_DATE`]
//! and must be changed then (or overridden in config).
//!
//! Not modelled: Anthropic's 1-hour cache writes, fast mode and `inference_geo` surcharge,
//! Gemini's context-cache storage per hour, OpenAI's flex/priority/fast tiers, 12-hour cache
//! writes and regional-processing premium, audio and image tokens.

use super::{LongContextPrice, ModelPrice};

/// The date the built-in prices were checked against the providers' pricing pages (the
/// stored copies are undated; see the module documentation).
pub const BUILTIN_PRICES_DATE: &str = "2026-12-01";

const fn p(input: f64, output: f64) -> ModelPrice {
    ModelPrice::new(input, output)
}

/// Anthropic, as the pricing page's columns: base input, 5-minute cache writes, cache hits,
/// output.
const fn claude(input: f64, write_5m: f64, hit: f64, output: f64) -> ModelPrice {
    p(input, output).cached(hit).cache_write(write_5m)
}

/// Gemini long-context prices (cached rate given, cache writes at the long input rate).
const fn long(above: u64, input: f64, output: f64, cached: f64) -> LongContextPrice {
    LongContextPrice {
        above_input_tokens: above,
        input,
        output,
        cached_input: Some(cached),
        cache_write: None,
    }
}

/// Long-context prices with every rate given (cache writes included).
const fn long_all(
    above: u64,
    input: f64,
    write: f64,
    cached: f64,
    output: f64,
) -> LongContextPrice {
    LongContextPrice {
        above_input_tokens: above,
        input,
        output,
        cached_input: Some(cached),
        cache_write: Some(write),
    }
}

/// OpenAI GPT-6 family: above 272K input tokens the whole request pays 2× input and cache
/// rates and 1.5× output (stated on the gpt-6-sol and gpt-6.2-sol model pages).
const fn gpt6(input: f64, cached: f64, write: f64, output: f64) -> ModelPrice {
    p(input, output)
        .cached(cached)
        .cache_write(write)
        .long_context(long_all(
            272_000,
            input * 2.0,
            write * 2.0,
            cached * 2.0,
            output * 1.5,
        ))
}

/// `(model prefix, price)`; the longest matching prefix wins.
pub(super) static PRICES: &[(&str, ModelPrice)] = &[
    // ---- OpenAI ----
    // Verified: gpt-6.2-sol model page ($2 / $0.10 cached / $2.50 cache writes / $10).
    ("gpt-6.2-sol", gpt6(2.00, 0.10, 2.50, 10.00)),
    // Unverified (third-party: LiteLLM and LaoZhang GPT-6.2 announcements, apidog guide):
    // $8 / $40, cached input "60% cheaper" than GPT-6 Astra's $1; cache writes assumed at
    // 1.25× input as on every GPT-6 model page seen.
    ("gpt-6.2-astra", gpt6(8.00, 0.40, 10.00, 40.00)),
    // Unverified (third-party readings of the gpt-6.1-sol model page: Codex-Manager 0.4.7,
    // AILSA SubSwitch 1.0.0(g), LiteLLM blog): $2 / $0.10 cached / $10, 2×/1.5× above
    // 272K; cache writes not stated there, assumed 1.25× input like gpt-6-sol.
    ("gpt-6.1-sol", gpt6(2.00, 0.10, 2.50, 10.00)),
    // Verified: gpt-6-sol model page ($2 / $0.20 / $2.50 / $10; 2×/1.5× above 272K).
    ("gpt-6-sol", gpt6(2.00, 0.20, 2.50, 10.00)),
    // Verified: "Compare models" page, "Our most capable model" (Apr 30, 2026 cutoff) =
    // GPT-6 Astra: $10 / $1 / $12.50 / $50. The 272K tier is from LiteLLM's GPT-6 Astra
    // notes (third-party).
    ("gpt-6-astra", gpt6(10.00, 1.00, 12.50, 50.00)),
    // Unverified (third-party: Codexometer v0.18.4, PromptFuel v1.0.21, inference.sh):
    // $0.10 / $0.01 / $0.125 / $0.50; 272K tier per LiteLLM's GPT-6 Sol/Luna notes.
    ("gpt-6-luna", gpt6(0.10, 0.01, 0.125, 0.50)),
    // Unverified (kept): gpt-5 $1.25 / $0.125 / $10.
    ("gpt-5", p(1.25, 10.00).cached(0.125)),
    // Verified: gpt-5-mini model page.
    ("gpt-5-mini", p(0.25, 2.00).cached(0.025)),
    // Verified: gpt-5-nano model page.
    ("gpt-5-nano", p(0.05, 0.40).cached(0.005)),
    // Unverified (third-party: deploybase.ai): $15 / $120. Without this row `gpt-5` would
    // price gpt-5-pro at a twelfth of its rate.
    ("gpt-5-pro", p(15.00, 120.00)),
    // Unverified (kept; the GPT-4.1 rows agree with GitHub's Copilot price table).
    ("gpt-4.1", p(2.00, 8.00).cached(0.50)),
    ("gpt-4.1-mini", p(0.40, 1.60).cached(0.10)),
    ("gpt-4.1-nano", p(0.10, 0.40).cached(0.025)),
    ("gpt-4.5-preview", p(75.00, 150.00).cached(37.50)),
    ("gpt-4o", p(2.50, 10.00).cached(1.25)),
    // The first gpt-4o snapshot kept its launch price.
    ("gpt-4o-2024-05-13", p(5.00, 15.00)),
    ("gpt-4o-mini", p(0.15, 0.60).cached(0.075)),
    // Verified: gpt-4o-realtime-preview model page, text tokens ($5 / $2.50 / $20; shut
    // down). Without this row `gpt-4o` would price it at half.
    ("gpt-4o-realtime-preview", p(5.00, 20.00).cached(2.50)),
    // Verified: "Compare models" page for gpt-realtime, text tokens ($4 / $0.40 / $16).
    ("gpt-realtime", p(4.00, 16.00).cached(0.40)),
    // Unverified (kept).
    ("chatgpt-4o-latest", p(5.00, 15.00)),
    ("gpt-4-turbo", p(10.00, 30.00)),
    // Verified: gpt-4 model page ($30 / $60).
    ("gpt-4", p(30.00, 60.00)),
    // Unverified (kept).
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
    // ---- Anthropic ----
    // Partly verified: $8 / $40 on the lineup table of the Sonnet 5 overview page
    // (platform.claude.com/docs/id/models/sonnet-5/overview). Cache writes $10, hits $0.20
    // from third parties (rightsize v0.10.2, LaoZhang's Fable 5.2 notes). Claude Mythos
    // 5.2 has Fable 5.2's capabilities ("What's new in Claude Fable 5.2"); its price is
    // assumed equal, as for Mythos 5 and 5.1 on the pricing page.
    ("claude-fable-5-2", claude(8.00, 10.00, 0.20, 40.00)),
    ("claude-mythos-5-2", claude(8.00, 10.00, 0.20, 40.00)),
    // Verified: pricing page (cache hits $0.25, 0.025× input).
    ("claude-fable-5-1", claude(10.00, 12.50, 0.25, 50.00)),
    ("claude-mythos-5-1", claude(10.00, 12.50, 0.25, 50.00)),
    // Verified: pricing page.
    ("claude-fable-5", claude(10.00, 12.50, 1.00, 50.00)),
    ("claude-mythos-5", claude(10.00, 12.50, 1.00, 50.00)),
    // Verified: Opus 5.5 overview page ($4 / $5 / $0.20 / $20; hits 0.05× input).
    ("claude-opus-5-5", claude(4.00, 5.00, 0.20, 20.00)),
    // Verified: pricing page and Opus 5 overview page.
    ("claude-opus-5", claude(5.00, 6.25, 0.50, 25.00)),
    // Verified: pricing page (Opus 4.5 to 4.8 share one price).
    ("claude-opus-4-8", claude(5.00, 6.25, 0.50, 25.00)),
    ("claude-opus-4-7", claude(5.00, 6.25, 0.50, 25.00)),
    ("claude-opus-4-6", claude(5.00, 6.25, 0.50, 25.00)),
    ("claude-opus-4-5", claude(5.00, 6.25, 0.50, 25.00)),
    // Verified: pricing page (Opus 4.1 and Opus 4, retired except on some clouds).
    ("claude-opus-4-1", claude(15.00, 18.75, 1.50, 75.00)),
    ("claude-opus-4", claude(15.00, 18.75, 1.50, 75.00)),
    // Partly verified: $2 / $2.50 / $10 on the Sonnet 5.5 overview page; that stored copy
    // still shows $0.20 cache hits, cut to $0.10 (0.05×) on 2026-10-07 per the pricing
    // page's row as quoted by third parties (claudit v1.9.2, PromptFuel v1.0.23).
    ("claude-sonnet-5-5", claude(2.00, 2.50, 0.10, 10.00)),
    // Verified: Sonnet 5 overview page.
    ("claude-sonnet-5", claude(2.00, 2.50, 0.20, 10.00)),
    // Verified: pricing page (older copy). Served at one rate over the whole 1M window
    // (third-party: experiential v0.7.8), so no long-context tier.
    ("claude-sonnet-4-6", claude(3.00, 3.75, 0.30, 15.00)),
    // Base rates verified on the pricing page (older copy). The >200k-token tier (1M beta:
    // 2× input and cache rates, 1.5× output) is kept from the previous table, unverified:
    // no stored copy shows the long-context section.
    (
        "claude-sonnet-4-5",
        claude(3.00, 3.75, 0.30, 15.00).long_context(long_all(200_000, 6.00, 7.50, 0.60, 22.50)),
    ),
    (
        "claude-sonnet-4",
        claude(3.00, 3.75, 0.30, 15.00).long_context(long_all(200_000, 6.00, 7.50, 0.60, 22.50)),
    ),
    // Verified: pricing page (older copy; "Claude Sonnet 3.7 (deprecated)").
    ("claude-3-7-sonnet", claude(3.00, 3.75, 0.30, 15.00)),
    // Unverified (kept): retired, on no stored copy of the pricing page.
    ("claude-3-5-sonnet", claude(3.00, 3.75, 0.30, 15.00)),
    // Partly verified: "From $0.10 / $0.50" on the Haiku 5.5 overview page. The prompt-
    // length tiers (prompt = input + cache reads + cache writes; above 100,000 tokens the
    // whole request, output included, pays the higher rates) from the pricing page's rows
    // as quoted by third parties (claudit v1.9.2, PromptFuel v1.0.23, apidog guide).
    (
        "claude-haiku-5-5",
        claude(0.10, 0.125, 0.01, 0.50).long_context(long_all(100_000, 0.50, 0.625, 0.05, 2.50)),
    ),
    // Verified: pricing page (older copy).
    ("claude-haiku-4-5", claude(1.00, 1.25, 0.10, 5.00)),
    ("claude-3-5-haiku", claude(0.80, 1.00, 0.08, 4.00)),
    ("claude-3-opus", claude(15.00, 18.75, 1.50, 75.00)),
    // Unverified (kept): retired, on no stored copy of the pricing page.
    ("claude-3-sonnet", claude(3.00, 3.75, 0.30, 15.00)),
    // Verified: pricing page (older copy): $0.30 writes and $0.03 hits, not 1.25×/0.1×.
    ("claude-3-haiku", claude(0.25, 0.30, 0.03, 1.25)),
    // ---- Gemini (paid tier, Standard) ----
    // Thinking tokens are billed as output ("Output price (including thinking tokens)"),
    // except on the 2.5 Flash preview. Audio input, priced higher on most models, is not
    // modelled. Every Gemini 3 cache rate seen (third-party) is 10% of input.
    //
    // Partly verified (both transcriptions): "$0.75 through December 31, 2026." in, "$3.75
    // …" out; "$1.50 / $7.50 starting January 1, 2027". Cache reads $0.075 from third parties
    // (LiteLLM discussion #39357, APIYI's model page).
    ("gemini-3.8-flash", p(0.75, 3.75).cached(0.075)),
    // Partly verified: $0.75 / $3.75 on whats-new-gemini-3.7 ("available through the end of
    // year at an introductory price"; $1.50 / $7.50 from 2027-01-01 per apidog's guide, while
    // LiteLLM's launch post says the promotion runs to 2027-12-31). Cache $0.075 from APIYI.
    ("gemini-3.7-flash", p(0.75, 3.75).cached(0.075)),
    // Partly verified: $1.50 / $7.50 on whats-new-gemini-3.6, also on its later copy that
    // names 3.8 Flash as the newest model. Cache $0.15 from sim PR #5812 (third party). Some
    // third-party tables give 3.6 Flash $0.75 / $3.75; no Google page seen says so.
    ("gemini-3.6-flash", p(1.50, 7.50).cached(0.15)),
    // Partly verified (both transcriptions): $1.50 / $9.00. Cache $0.15 from third parties
    // (sim PR #4660, Zoo-Code PR #331). A later copy of its model page calls it deprecated,
    // "automatically routed to gemini-3.6-flash", without saying what such calls bill.
    ("gemini-3.5-flash", p(1.50, 9.00).cached(0.15)),
    // Partly verified: $0.30 / $2.50 on whats-new-gemini-3.6 and in the 2026-10-07
    // transcription. Cache $0.03 from sim PR #5812 (third party).
    ("gemini-3.5-flash-lite", p(0.30, 2.50).cached(0.03)),
    // Partly verified (both transcriptions): $2 / $12; prompts above 200k tokens $4 / $18.
    // Cache $0.20 / $0.40 from third parties (RenKoya1/ai-sdk-cost-calculator's April 2026
    // reading; cloudprice.net and airouter give $0.20). Also prices `-customtools`.
    (
        "gemini-3.1-pro-preview",
        p(2.00, 12.00)
            .cached(0.20)
            .long_context(long(200_000, 4.00, 18.00, 0.40)),
    ),
    // Partly verified (factquire.com's quote, 2026-07-04): $0.50 / $3.00, cache $0.05;
    // RenKoya1/ai-sdk-cost-calculator and eidast/ai-models-stats agree.
    ("gemini-3-flash-preview", p(0.50, 3.00).cached(0.05)),
    // Partly verified (both transcriptions): input $1.25, above 200k $2.50. Output $10 / $15
    // from third parties (deploybase.ai, RenKoya1/ai-sdk-cost-calculator). Cache $0.125 /
    // $0.25 from RenKoya1 (April 2026) and eidast/ai-models-stats, which agree; the previous
    // table's $0.31 / $0.625 was the 2025 rate.
    (
        "gemini-2.5-pro",
        p(1.25, 10.00)
            .cached(0.125)
            .long_context(long(200_000, 2.50, 15.00, 0.25)),
    ),
    // Partly verified (both transcriptions): input $0.30 (text / image / video). Output $2.50
    // and cache $0.03 (was $0.075) from the same two third parties.
    ("gemini-2.5-flash", p(0.30, 2.50).cached(0.03)),
    // Unverified (kept): the 04-17 preview's $0.15 / $0.60 and $3.50 thinking, as in the
    // launch post at huggingface.co/philschmid. Later previews (e.g. `-09-2025`) match this
    // row as well and get these prices.
    (
        "gemini-2.5-flash-preview",
        p(0.15, 0.60).cached(0.0375).reasoning(3.50),
    ),
    // Partly verified (both transcriptions): output $0.40. Input $0.10 and cache $0.01 (was
    // $0.025) from RenKoya1 and eidast/ai-models-stats.
    ("gemini-2.5-flash-lite", p(0.10, 0.40).cached(0.01)),
    // Unverified (kept): on no Google page or transcription seen. RenKoya1 and eidast agree on
    // $0.10 / $0.40 and $0.075 / $0.30; they differ on 2.0 Flash's cache rate ($0.01 / none).
    ("gemini-2.0-flash", p(0.10, 0.40).cached(0.025)),
    ("gemini-2.0-flash-lite", p(0.075, 0.30)),
    // Unverified (kept): Gemini 1.5, retired; on no 2026 copy of any page.
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
