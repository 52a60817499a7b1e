//! A logistic classifier over the [`Features`]: the probability that a request needs the
//! stronger model, with the features that pushed it there as the explanation. The weights
//! ship in the crate (`weights.json`, written by `switchyard router train`).

use crate::features::{Features, FEATURE_COUNT, FEATURE_NAMES, LEXICON_OFFSET, TASK_OFFSET};
use crate::lexicon::Lexicon;
use serde::{Deserialize, Serialize};

/// The shipped weights.
pub const SHIPPED_WEIGHTS: &str = include_str!("../weights.json");

/// A trained model: per-feature standardisation and logistic weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Feature names, in order; must equal [`FEATURE_NAMES`].
    pub features: Vec<String>,
    /// Mean of each feature over the training set.
    pub mean: Vec<f64>,
    /// Standard deviation of each feature over the training set (1 when constant).
    pub scale: Vec<f64>,
    /// Weight of each standardised feature.
    pub weights: Vec<f64>,
    /// Intercept.
    pub bias: f64,
    /// How the model was trained (data, examples, regularisation), for the record.
    #[serde(default)]
    pub trained_on: String,
}

/// Why a weights file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Not valid JSON of a [`Model`].
    #[error("weights are not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Written for other features.
    #[error("weights are for other features than this build's ({0}); retrain with `switchyard router train`")]
    Features(String),
}

/// A feature's share in a decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    /// Index into [`FEATURE_NAMES`].
    pub feature: usize,
    /// Its addition to the log-odds of the stronger tier.
    pub log_odds: f64,
}

impl Model {
    /// The weights shipped with this build.
    pub fn shipped() -> Result<Self, ModelError> {
        Self::from_json(SHIPPED_WEIGHTS)
    }

    /// Parses and checks a weights file.
    pub fn from_json(text: &str) -> Result<Self, ModelError> {
        let model: Self = serde_json::from_str(text)?;
        let same = model.features.len() == FEATURE_COUNT
            && model
                .features
                .iter()
                .zip(FEATURE_NAMES)
                .all(|(a, b)| a == b)
            && model.mean.len() == FEATURE_COUNT
            && model.scale.len() == FEATURE_COUNT
            && model.weights.len() == FEATURE_COUNT;
        if !same {
            return Err(ModelError::Features(format!(
                "{} features in the file, {FEATURE_COUNT} here",
                model.features.len()
            )));
        }
        Ok(model)
    }

    /// The weights as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Standardised value of feature `i`.
    fn z(&self, values: &[f64; FEATURE_COUNT], i: usize) -> f64 {
        (values[i] - self.mean[i]) / self.scale[i]
    }

    /// Log-odds that the request needs the stronger model.
    pub fn log_odds(&self, values: &[f64; FEATURE_COUNT]) -> f64 {
        self.bias
            + (0..FEATURE_COUNT)
                .map(|i| self.weights[i] * self.z(values, i))
                .sum::<f64>()
    }

    /// Probability (0..1) that the request needs the stronger model.
    pub fn score(&self, values: &[f64; FEATURE_COUNT]) -> f64 {
        sigmoid(self.log_odds(values))
    }

    /// Each feature's contribution, largest in absolute value first.
    pub fn contributions(&self, values: &[f64; FEATURE_COUNT]) -> Vec<Contribution> {
        let mut out: Vec<Contribution> = (0..FEATURE_COUNT)
            .map(|i| Contribution {
                feature: i,
                log_odds: self.weights[i] * self.z(values, i),
            })
            .collect();
        out.sort_by(|a, b| b.log_odds.abs().total_cmp(&a.log_odds.abs()));
        out
    }
}

/// The logistic function.
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Up to `n` short reasons for a decision: the features that pushed the score the way it
/// went (towards the stronger tier when `up`), in words, with the term that triggered a
/// lexicon ("concurrency: lock-free").
pub fn reasons(model: &Model, features: &Features, up: bool, n: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    for c in model.contributions(&features.values) {
        if out.len() == n || c.log_odds.abs() < 0.05 {
            break;
        }
        if (c.log_odds > 0.0) != up {
            continue;
        }
        if let Some(reason) = describe(features, c.feature) {
            out.push(reason);
        }
    }
    out
}

/// A feature's value in a few words.
fn describe(f: &Features, i: usize) -> Option<String> {
    let v = f.values[i];
    let name = FEATURE_NAMES[i];
    if (LEXICON_OFFSET..LEXICON_OFFSET + Lexicon::ALL.len()).contains(&i) {
        let label = match Lexicon::ALL[i - LEXICON_OFFSET] {
            Lexicon::Concurrency => "concurrency",
            Lexicon::Security => "security",
            Lexicon::Distributed => "distributed systems",
            Lexicon::Algorithms => "algorithms",
            Lexicon::Performance => "performance",
            Lexicon::Design => "design",
            Lexicon::Constraints => "constraints",
            Lexicon::Symptoms => "intermittent symptom",
            Lexicon::Reasoning => "asks for reasoning",
            Lexicon::Trivial => "routine ask",
            Lexicon::ScopeLimit => "narrow scope",
        };
        return Some(match f.evidence[i - LEXICON_OFFSET] {
            Some(term) if v > 0.0 => format!("{label}: {}", term.trim()),
            _ => format!("no {label} terms"),
        });
    }
    if (TASK_OFFSET..FEATURE_COUNT).contains(&i) {
        return (v > 0.0).then(|| format!("task {}", f.task.as_str()));
    }
    Some(match name {
        "ask_words" => format!("ask of {} words", (v.exp() - 1.0).round()),
        "code_lines" => format!("{} lines of code", f.code.lines),
        "code_depth" => format!("nesting depth {}", f.code.max_depth),
        "code_definitions" => format!("{} definitions", f.code.functions + f.code.types),
        "code_hard_constructs" if v > 0.0 => "locks, unsafe or manual memory in code".into(),
        "code_hard_constructs" => "plain code".into(),
        "prompt_tokens" => format!("~{} tokens", f.prompt_tokens),
        "demand_total" if v > 0.0 => "demanding domain".into(),
        "demand_total" => "no demanding domain".into(),
        "clauses" => format!("{} clauses", (v.exp() - 1.0).round()),
        "quotes_error" if v > 0.0 => "quotes an error message".into(),
        "plain_ask" if v > 0.0 => "routine ask, no demand".into(),
        "big_paste_small_ask" if v > 0.0 => "small edit on a long paste".into(),
        "history" => "conversation length".into(),
        "tools" if v > 0.0 => "tools offered".into(),
        _ => return None,
    })
}
