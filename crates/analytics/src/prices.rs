//! What tokens cost: a built-in, dated price table matched by model-name prefix, overridable
//! per model and per deployment, and the cost of one request's usage.

use crate::{
    event::{RequestEvent, TokenUsage},
    recent::RecentLookups,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

mod builtin;

pub use builtin::BUILTIN_PRICES_DATE;

/// Prices of one model in USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModelPrice {
    /// Uncached prompt tokens.
    pub input: f64,
    /// Generated tokens.
    pub output: f64,
    /// Prompt tokens read from the provider's prompt cache (default: `input`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_input: Option<f64>,
    /// Prompt tokens written to the prompt cache (Anthropic's 5-minute writes; default:
    /// `input`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write: Option<f64>,
    /// Reasoning tokens, where a provider prices them apart from output (default: `output`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<f64>,
    /// Higher prices for long prompts (Gemini above 200k or 128k, Claude Sonnet 4 above 200k).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_context: Option<LongContextPrice>,
}

/// Prices that apply to the whole request once its prompt exceeds a size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LongContextPrice {
    /// These prices apply when `input_tokens` is above this.
    pub above_input_tokens: u64,
    /// Uncached prompt tokens.
    pub input: f64,
    /// Generated tokens (reasoning included).
    pub output: f64,
    /// Cached prompt tokens (default: `input`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_input: Option<f64>,
    /// Cache writes (default: `input`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write: Option<f64>,
}

impl ModelPrice {
    /// A price with only input and output set.
    pub const fn new(input: f64, output: f64) -> Self {
        Self {
            input,
            output,
            cached_input: None,
            cache_write: None,
            reasoning: None,
            long_context: None,
        }
    }

    /// Sets the cached-input price.
    pub const fn cached(mut self, cached_input: f64) -> Self {
        self.cached_input = Some(cached_input);
        self
    }

    /// Sets the cache-write price.
    pub const fn cache_write(mut self, cache_write: f64) -> Self {
        self.cache_write = Some(cache_write);
        self
    }

    /// Sets the reasoning price.
    pub const fn reasoning(mut self, reasoning: f64) -> Self {
        self.reasoning = Some(reasoning);
        self
    }

    /// Sets long-context prices.
    pub const fn long_context(mut self, long: LongContextPrice) -> Self {
        self.long_context = Some(long);
        self
    }

    fn rates(&self, input_tokens: u64) -> Rates {
        match self.long_context {
            Some(l) if input_tokens > l.above_input_tokens => Rates {
                input: l.input,
                output: l.output,
                cached: l.cached_input.unwrap_or(l.input),
                write: l.cache_write.unwrap_or(l.input),
                reasoning: l.output,
            },
            _ => Rates {
                input: self.input,
                output: self.output,
                cached: self.cached_input.unwrap_or(self.input),
                write: self.cache_write.unwrap_or(self.input),
                reasoning: self.reasoning.unwrap_or(self.output),
            },
        }
    }
}

struct Rates {
    input: f64,
    output: f64,
    cached: f64,
    write: f64,
    reasoning: f64,
}

/// The cost of one request.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    /// What the provider charges, in USD.
    pub usd: f64,
    /// Net saving of the provider's prompt cache against paying full input price for every
    /// prompt token: cached reads save `input - cached_input` each, cache writes cost
    /// `cache_write - input` more each (so this can be negative). `None` when the prompt
    /// cache was not involved.
    pub avoided_usd: Option<f64>,
    /// True when the token counts were estimated, not reported.
    pub estimated: bool,
}

/// The cost of `usage` at `price`.
///
/// `usage` follows the canonical convention: `input_tokens` includes cached reads and cache
/// writes, `output_tokens` includes reasoning. Inconsistent counts (a subset larger than its
/// total) are clamped rather than producing negative token counts.
pub fn cost(usage: &TokenUsage, price: &ModelPrice) -> Cost {
    let r = price.rates(usage.input_tokens);
    let cached = usage.cached_input_tokens.min(usage.input_tokens);
    let written = usage
        .cache_creation_input_tokens
        .min(usage.input_tokens - cached);
    let uncached = usage.input_tokens - cached - written;
    let reasoning = usage.reasoning_tokens.min(usage.output_tokens);
    let visible = usage.output_tokens - reasoning;
    let per_token = |n: u64, rate: f64| n as f64 * rate / 1_000_000.0;
    let usd = per_token(uncached, r.input)
        + per_token(cached, r.cached)
        + per_token(written, r.write)
        + per_token(visible, r.output)
        + per_token(reasoning, r.reasoning);
    let avoided_usd = (cached > 0 || written > 0)
        .then(|| per_token(cached, r.input - r.cached) - per_token(written, r.write - r.input));
    Cost {
        usd,
        avoided_usd,
        estimated: usage.estimated,
    }
}

/// Bytes per token assumed when a provider reports no usage.
///
/// OpenAI documents ~4 characters per token for English; its `cl100k`/`o200k` encodings give
/// 3.5–4.5 bytes per token on source code, and Claude's and Gemini's tokenizers are in the
/// same range. Text outside ASCII takes more bytes per character but also more tokens per
/// character, so 4 bytes per token stays within ~25 % for the traffic this gateway carries.
/// A real tokenizer (e.g. `tiktoken-rs`) would be exact only for OpenAI models while adding
/// megabytes of embedded BPE tables to the binary, so the estimate is a heuristic, marked
/// as such ([`TokenUsage::estimated`]).
pub const ESTIMATE_BYTES_PER_TOKEN: u64 = 4;

/// Token counts estimated from the prompt and completion sizes in bytes: `ceil(bytes / 4)`
/// each (see [`ESTIMATE_BYTES_PER_TOKEN`]), marked `estimated`.
pub fn estimate_usage(input_bytes: u64, output_bytes: u64) -> TokenUsage {
    TokenUsage {
        input_tokens: input_bytes.div_ceil(ESTIMATE_BYTES_PER_TOKEN),
        output_tokens: output_bytes.div_ceil(ESTIMATE_BYTES_PER_TOKEN),
        estimated: true,
        ..TokenUsage::default()
    }
}

#[derive(Debug, Clone)]
struct PriceEntry {
    provider: Option<String>,
    prefix: String,
    price: ModelPrice,
}

/// Prices by model-name prefix: deployment overrides first, then model overrides, then the
/// built-in table ([`BUILTIN_PRICES_DATE`]).
///
/// A prefix matches a model name equal to it or continuing with `-`, `@` or `:`, and the
/// longest matching prefix wins: `gpt-4o-2024-08-06` is priced as `gpt-4o`, `gpt-4o-mini`
/// as `gpt-4o-mini`, while `gpt-4.5-preview` does not fall back to `gpt-4`. A name with a
/// vendor path (`openai/gpt-4o`, `models/gemini-2.5-pro`) is tried again without it.
#[derive(Debug, Clone)]
pub struct PriceTable {
    deployment: Vec<PriceEntry>,
    models: Vec<PriceEntry>,
    builtin: bool,
}

impl Default for PriceTable {
    fn default() -> Self {
        Self::builtin()
    }
}

impl PriceTable {
    /// The built-in table, no overrides.
    pub fn builtin() -> Self {
        Self {
            deployment: Vec::new(),
            models: Vec::new(),
            builtin: true,
        }
    }

    /// A table with no built-in prices (only what is added).
    pub fn empty() -> Self {
        Self {
            builtin: false,
            ..Self::builtin()
        }
    }

    /// The built-in table with `overrides` (model prefix → price), e.g. from
    /// [`AnalyticsConfig::prices`](crate::AnalyticsConfig::prices).
    pub fn with_overrides<'a>(
        overrides: impl IntoIterator<Item = (&'a String, &'a ModelPrice)>,
    ) -> Self {
        let mut table = Self::builtin();
        for (prefix, price) in overrides {
            table.set_model_price(prefix, *price);
        }
        table
    }

    /// Prices every model whose name starts with `prefix` (on any provider) at `price`.
    pub fn set_model_price(&mut self, prefix: &str, price: ModelPrice) {
        upsert(&mut self.models, None, prefix, price);
    }

    /// Prices `model` served by the provider named `provider` at `price` (a deployment's own
    /// price from the gateway config; wins over every other entry).
    pub fn set_deployment_price(&mut self, provider: &str, model: &str, price: ModelPrice) {
        upsert(&mut self.deployment, Some(provider), model, price);
    }

    /// The price of `model` served by `provider` (a configured provider name), if known.
    pub fn lookup(&self, provider: Option<&str>, model: &str) -> Option<ModelPrice> {
        self.lookup_exact(provider, model).or_else(|| {
            let (_, short) = model.rsplit_once('/')?;
            self.lookup_exact(provider, short)
        })
    }

    fn lookup_exact(&self, provider: Option<&str>, model: &str) -> Option<ModelPrice> {
        if let Some(provider) = provider {
            let own = self
                .deployment
                .iter()
                .filter(|e| e.provider.as_deref() == Some(provider))
                .map(|e| (e.prefix.as_str(), e.price));
            if let Some(p) = longest_match(own, model) {
                return Some(p);
            }
        }
        let models = self.models.iter().map(|e| (e.prefix.as_str(), e.price));
        if let Some(p) = longest_match(models, model) {
            return Some(p);
        }
        if self.builtin {
            return longest_match(builtin::PRICES.iter().copied(), model);
        }
        None
    }

    /// Fills in what `event` cost and saved, where not already set:
    ///
    /// - no usage reported on a successful request → tokens estimated from the byte sizes;
    /// - a failed request with no usage costs 0 (providers do not bill failures);
    /// - a response-cache hit costs 0 and saves what its model would have charged;
    /// - otherwise the cost at the answering model's price, the prompt-cache saving, and,
    ///   when the router names a baseline model, the baseline's cost minus the actual cost.
    pub fn price_event(&self, event: &mut RequestEvent) {
        self.price_event_with(event, |provider, model| self.lookup(provider, model));
    }

    /// [`price_event`](Self::price_event), looking prices up through `memo`.
    pub fn price_event_memo(&self, event: &mut RequestEvent, memo: &mut PriceMemo) {
        self.price_event_with(event, |provider, model| memo.lookup(self, provider, model));
    }

    fn price_event_with(
        &self,
        event: &mut RequestEvent,
        mut lookup: impl FnMut(Option<&str>, &str) -> Option<ModelPrice>,
    ) {
        if event.usage.is_none() && !event.is_error() {
            event.usage = Some(estimate_usage(event.input_bytes, event.output_bytes));
        }
        if event.cost_usd.is_some() {
            return;
        }
        let Some(usage) = event.usage else {
            event.cost_usd = Some(0.0);
            return;
        };
        let price = event
            .model()
            .and_then(|m| lookup(event.provider.as_deref(), m));
        let charged = price.map(|p| cost(&usage, &p));
        event.cost_estimated = usage.estimated;
        if event.cache_status.is_some_and(|c| c.is_hit()) {
            event.cost_usd = Some(0.0);
            if event.cache_savings_usd.is_none() {
                event.cache_savings_usd = charged.map(|c| c.usd);
            }
            return;
        }
        let Some(charged) = charged else {
            return;
        };
        event.cost_usd = Some(charged.usd);
        if event.prompt_cache_savings_usd.is_none() {
            event.prompt_cache_savings_usd = charged.avoided_usd;
        }
        if event.router_savings_usd.is_none() {
            // `provider/model` first as a configured provider's deployment price, then
            // as a model name (a built-in `vendor/model` name falls back to `model`).
            let baseline = event.router_baseline_model.as_deref().and_then(|m| {
                m.split_once('/')
                    .and_then(|(provider, model)| lookup(Some(provider), model))
                    .or_else(|| lookup(None, m))
            });
            event.router_savings_usd = baseline.map(|p| cost(&usage, &p).usd - charged.usd);
        }
    }
}

/// Price lookups a [`PriceMemo`] compares before its maps.
const RECENT_PRICE_LOOKUPS: usize = 8;

/// Remembered lookups of one [`PriceTable`], for a caller that prices many events (the
/// analytics writer): nearly every event names one of a few models, and matching prefixes
/// over the whole table per event was a visible share of the writer's time. Bounded: it
/// forgets everything past [`PriceMemo::MAX_ENTRIES`] (client-chosen model names).
#[derive(Debug, Default)]
pub struct PriceMemo {
    /// The last few lookups, compared before the maps.
    recent: RecentLookups<Option<ModelPrice>, RECENT_PRICE_LOOKUPS>,
    unnamed: HashMap<String, Option<ModelPrice>>,
    named: HashMap<String, HashMap<String, Option<ModelPrice>>>,
    entries: usize,
}

impl PriceMemo {
    /// Lookups remembered at most.
    pub const MAX_ENTRIES: usize = 4096;

    /// [`PriceTable::lookup`] of `table`, remembered. Use one memo with one table only.
    pub fn lookup(
        &mut self,
        table: &PriceTable,
        provider: Option<&str>,
        model: &str,
    ) -> Option<ModelPrice> {
        if let Some(price) = self.recent.get(provider, Some(model)) {
            return price;
        }
        let price = self.lookup_maps(table, provider, model);
        self.recent.put(provider, Some(model), price);
        price
    }

    fn lookup_maps(
        &mut self,
        table: &PriceTable,
        provider: Option<&str>,
        model: &str,
    ) -> Option<ModelPrice> {
        let known = match provider {
            None => self.unnamed.get(model),
            Some(p) => self.named.get(p).and_then(|m| m.get(model)),
        };
        if let Some(price) = known {
            return *price;
        }
        let price = table.lookup(provider, model);
        if self.entries >= Self::MAX_ENTRIES {
            self.unnamed.clear();
            self.named.clear();
            self.entries = 0;
        }
        let map = match provider {
            None => &mut self.unnamed,
            Some(p) => self.named.entry(p.to_owned()).or_default(),
        };
        map.insert(model.to_owned(), price);
        self.entries += 1;
        price
    }
}

fn upsert(entries: &mut Vec<PriceEntry>, provider: Option<&str>, prefix: &str, price: ModelPrice) {
    let provider = provider.map(str::to_owned);
    match entries
        .iter_mut()
        .find(|e| e.provider == provider && e.prefix == prefix)
    {
        Some(e) => e.price = price,
        None => entries.push(PriceEntry {
            provider,
            prefix: prefix.to_owned(),
            price,
        }),
    }
}

fn longest_match<'a>(
    entries: impl Iterator<Item = (&'a str, ModelPrice)>,
    model: &str,
) -> Option<ModelPrice> {
    entries
        .filter(|(prefix, _)| prefix_matches(prefix, model))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, price)| price)
}

fn prefix_matches(prefix: &str, model: &str) -> bool {
    match model.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with(['-', '@', ':']),
        None => false,
    }
}

/// The built-in prices as `(model prefix, price)` pairs, for display and documentation.
pub fn builtin_prices() -> &'static [(&'static str, ModelPrice)] {
    builtin::PRICES
}

#[cfg(test)]
mod tests;
