//! Embedders: text to a unit vector whose cosine with another says how alike two
//! instructions are.
//!
//! Two run in process: the weight-free [`BuiltinEmbedder`] and the [`NeuralEmbedder`]
//! (all-MiniLM-L6-v2 on ONNX Runtime, from the files `scripts/setup-models.sh` installs).
//! Their similarities are on different scales, so each has its own default threshold
//! ([`Embedder::default_threshold`]).

mod builtin;
mod neural;

pub use builtin::{cosine, normalise, BuiltinEmbedder, BUILTIN_DIMS};
pub use neural::{LoadError, ModelFiles, NeuralEmbedder, MODELS_ENV, NEURAL_DIMS, SETUP_HINT};

use std::sync::Arc;

/// Default similarity threshold of the built-in embedder (tuned on `cache-dev.jsonl`:
/// figures in BENCHMARKS.md).
pub const BUILTIN_THRESHOLD: f32 = 0.65;
/// Default similarity threshold of the neural embedder (tuned on `cache-dev.jsonl`). Low
/// on purpose: the near-miss guard, not the similarity, refuses the near-misses, which
/// this model puts as close as the paraphrases.
pub const NEURAL_THRESHOLD: f32 = 0.60;

/// An embedder the semantic tier can use.
#[derive(Debug, Clone)]
pub enum Embedder {
    /// The weight-free one.
    Builtin(BuiltinEmbedder),
    /// The neural sentence embedder.
    Neural(Arc<NeuralEmbedder>),
}

impl Embedder {
    /// The unit vector of `text`. CPU-bound: call it off the async workers.
    pub fn embed(&self, text: &str) -> Vec<f32> {
        match self {
            Self::Builtin(b) => b.embed(text),
            Self::Neural(n) => n.embed(text),
        }
    }

    /// A short name, for logs and the eval report.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Builtin(_) => "builtin",
            Self::Neural(_) => "neural",
        }
    }

    /// How many embeddings it computes at once, if bounded (the neural embedder's sessions).
    pub fn parallelism(&self) -> Option<usize> {
        match self {
            Self::Builtin(_) => None,
            Self::Neural(n) => Some(n.sessions()),
        }
    }

    /// The similarity threshold to use when the configuration sets none.
    pub fn default_threshold(&self) -> f32 {
        match self {
            Self::Builtin(_) => BUILTIN_THRESHOLD,
            Self::Neural(_) => NEURAL_THRESHOLD,
        }
    }
}
