//! Embedders: text to a unit vector whose cosine with another says how alike two
//! instructions are.

mod builtin;

pub use builtin::{cosine, normalise, BuiltinEmbedder, BUILTIN_DIMS};

/// An embedder the semantic tier can use.
#[derive(Debug, Clone)]
pub enum Embedder {
    /// The weight-free one.
    Builtin(BuiltinEmbedder),
}

impl Embedder {
    /// The unit vector of `text`. CPU-bound: call it off the async workers.
    pub fn embed(&self, text: &str) -> Vec<f32> {
        match self {
            Self::Builtin(b) => b.embed(text),
        }
    }

    /// A short name, for logs and the eval report.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Builtin(_) => "builtin",
        }
    }
}
