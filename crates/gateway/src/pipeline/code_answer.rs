//! The code API's answer: what it reports (code, validation, attempts, usage, cost), as
//! assembled over the attempts of one request (`Report`) or at the end of a stream.

use crate::context::RequestContext;
use serde::Serialize;
use switchyard_codeintel::{CheckedAnswer, CodeRequest, CodeTask, Validation};
use switchyard_protocol::{ChatResponse, Usage};

use super::validate::CodeExpectation;

/// The JSON answer of the code API.
#[derive(Debug, Serialize)]
pub struct CodeAnswer {
    /// The code extracted from the answer (`null` when it has none).
    pub code: Option<String>,
    /// The whole answer.
    pub text: String,
    /// The language asked for.
    pub language: &'static str,
    /// The task.
    pub task: &'static str,
    /// The upstream model that wrote the answer.
    pub model: Option<String>,
    /// The alias that served it.
    pub alias: Option<String>,
    /// The provider that served it.
    pub provider: Option<String>,
    /// `miss`, `exact` or `semantic`.
    pub cache: &'static str,
    /// The parse of the code; `null` when validation is off for the task.
    pub validation: Option<Validation>,
    /// Every upstream answer the request took, in order.
    pub attempts: Vec<AttemptReport>,
    /// Tokens of all attempts.
    pub usage: UsageReport,
    /// What all attempts cost, when every model's price is known.
    pub cost_usd: Option<f64>,
    /// The prompt template, `name@version`.
    pub template: String,
    /// The repository code put into the prompt (`repository` in the request), best first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub context_used: Vec<ContextRef>,
}

/// A chunk of repository code that went into the prompt.
#[derive(Debug, Clone, Serialize)]
pub struct ContextRef {
    /// Path relative to the repository's root.
    pub path: String,
    /// The symbol, when the chunk is one (`Type::method`).
    pub symbol: Option<String>,
    /// First line, 1-based.
    pub start_line: usize,
    /// Last line, inclusive.
    pub end_line: usize,
    /// Its BM25 score for the request's text.
    pub score: f32,
    /// The cosine of its vector with the request's, when the repository's searches are
    /// re-ranked by meaning (then the order is by this, not by `score`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f32>,
}

/// One upstream answer and what validation said of it.
#[derive(Debug, Clone, Serialize)]
pub struct AttemptReport {
    /// `initial`, `repair` or `escalation`.
    pub kind: &'static str,
    /// The alias asked.
    pub alias: Option<String>,
    /// The router tier, when a router chose the alias.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// The provider that answered.
    pub provider: Option<String>,
    /// The upstream model that answered.
    pub model: Option<String>,
    /// Whether its code parsed (`null`: not checked, or the call failed).
    pub parsed: Option<bool>,
    /// How many syntax errors the parser found.
    pub errors: usize,
    /// Why the call failed, when it did (the answer before it stands).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Token counts of the code API's answer.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct UsageReport {
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Generated tokens.
    pub output_tokens: u64,
}

/// What a streamed code answer needs to write its final event.
#[derive(Debug)]
pub struct CodeStreamSpec {
    /// The repository code put into the prompt.
    pub context_used: Vec<ContextRef>,
    /// How to check the code.
    pub expect: CodeExpectation,
    /// Whether to check it at all.
    pub validate: bool,
    /// The task.
    pub task: CodeTask,
    /// The alias that serves it.
    pub alias: Option<String>,
    /// The provider that serves it.
    pub provider: Option<String>,
    /// The upstream model that serves it.
    pub model: Option<String>,
    /// USD per million (input, output) tokens, when known.
    pub price: Option<(f64, f64)>,
    /// The prompt template, `name@version`.
    pub template: String,
    /// `hit` when the stream replays a stored answer, else `miss`.
    pub cache: &'static str,
}

pub(super) fn passed(checked: Option<&CheckedAnswer>) -> bool {
    checked.is_none_or(CheckedAnswer::passed)
}

pub(super) fn outcome_of(checked: &CheckedAnswer) -> &'static str {
    match (checked.passed(), &checked.code) {
        (true, _) => "passed",
        (false, None) => "no_code",
        (false, Some(_)) => "failed",
    }
}

/// The answer being assembled.
pub(super) struct Report {
    pub(super) cache: &'static str,
    pub(super) attempts: Vec<AttemptReport>,
    pub(super) usage: Usage,
    pub(super) cost: Option<f64>,
    pub(super) template: String,
    pub(super) context_used: Vec<ContextRef>,
}

impl Report {
    pub(super) fn new(template: String) -> Self {
        Self {
            cache: "miss",
            attempts: Vec::new(),
            usage: Usage::default(),
            cost: Some(0.0),
            template,
            context_used: Vec::new(),
        }
    }

    pub(super) fn book(&mut self, usage: Usage, price: Option<(f64, f64)>) {
        self.usage.input_tokens += usage.input_tokens;
        self.usage.output_tokens += usage.output_tokens;
        self.cost = match (self.cost, price) {
            (Some(total), Some((input, output))) => Some(
                total
                    + (usage.input_tokens as f64 * input + usage.output_tokens as f64 * output)
                        / 1e6,
            ),
            _ => None,
        };
    }

    pub(super) fn attempt(
        &mut self,
        kind: &'static str,
        ctx: &RequestContext,
        checked: Option<&CheckedAnswer>,
        error: Option<String>,
    ) {
        let tier = ctx.route.as_deref().map(|d| d.tier_name.to_string());
        self.attempt_on_tier(kind, ctx, checked, error, tier);
    }

    pub(super) fn attempt_on_tier(
        &mut self,
        kind: &'static str,
        ctx: &RequestContext,
        checked: Option<&CheckedAnswer>,
        error: Option<String>,
        tier: Option<String>,
    ) {
        self.attempts.push(AttemptReport {
            kind,
            alias: ctx.alias.as_deref().map(str::to_owned),
            tier,
            provider: ctx.provider_name().map(str::to_owned),
            model: ctx.upstream_model.as_deref().map(str::to_owned),
            parsed: checked.map(CheckedAnswer::passed),
            errors: checked.map_or(0, |c| c.validation.errors.len()),
            error,
        });
    }

    pub(super) fn finish(
        self,
        req: &CodeRequest,
        resp: ChatResponse,
        checked: Option<CheckedAnswer>,
    ) -> CodeAnswer {
        let last = self.attempts.iter().rev().find(|a| a.error.is_none());
        let text = resp.joined_text();
        let (code, validation) = match checked {
            Some(c) => (c.code, Some(c.validation)),
            None => (
                switchyard_codeintel::extract_code(&text, req.language).map(|c| c.code),
                None,
            ),
        };
        CodeAnswer {
            code,
            text,
            language: req.language.name(),
            task: req.task.name(),
            model: last
                .and_then(|a| a.model.clone())
                .or_else(|| (!resp.model.is_empty()).then(|| resp.model.clone())),
            alias: last.and_then(|a| a.alias.clone()),
            provider: last.and_then(|a| a.provider.clone()),
            cache: self.cache,
            validation,
            usage: UsageReport {
                input_tokens: self.usage.input_tokens,
                output_tokens: self.usage.output_tokens,
            },
            cost_usd: if self.cache != "miss" {
                Some(0.0)
            } else {
                self.cost
            },
            attempts: self.attempts,
            template: self.template,
            context_used: self.context_used,
        }
    }
}

impl CodeAnswer {
    /// The final event of a streamed code answer: its `text` as streamed, `checked` when
    /// validation is on.
    pub fn of_stream(
        spec: &CodeStreamSpec,
        text: String,
        usage: Usage,
        checked: Option<CheckedAnswer>,
        language: switchyard_codeintel::Language,
    ) -> Self {
        let (code, validation) = match checked {
            Some(c) => (c.code, Some(c.validation)),
            None => (
                switchyard_codeintel::extract_code(&text, language).map(|c| c.code),
                None,
            ),
        };
        let parsed = validation.as_ref().map(|v| v.parsed);
        CodeAnswer {
            code,
            text,
            language: language.name(),
            task: spec.task.name(),
            model: spec.model.clone(),
            alias: spec.alias.clone(),
            provider: spec.provider.clone(),
            cache: spec.cache,
            attempts: if spec.cache != "miss" {
                Vec::new()
            } else {
                vec![AttemptReport {
                    kind: "initial",
                    alias: spec.alias.clone(),
                    tier: None,
                    provider: spec.provider.clone(),
                    model: spec.model.clone(),
                    parsed,
                    errors: validation.as_ref().map_or(0, |v| v.errors.len()),
                    error: None,
                }]
            },
            validation,
            usage: UsageReport {
                input_tokens: usage.input_tokens,
                output_tokens: usage.output_tokens,
            },
            cost_usd: spec.price.map(|(input, output)| {
                (usage.input_tokens as f64 * input + usage.output_tokens as f64 * output) / 1e6
            }),
            template: spec.template.clone(),
            context_used: spec.context_used.clone(),
        }
    }
}

/// The analytics outcome of a checked answer (`None` when it was not checked).
pub fn outcome(checked: Option<&CheckedAnswer>) -> Option<&'static str> {
    checked.map(outcome_of)
}
