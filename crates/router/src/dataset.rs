//! Labelled examples in the dev file's format: one JSON object per line,
//! `{"id", "language", "task", "tier": "simple"|"complex", "prompt", "why"}`.

use serde::Deserialize;
use std::path::Path;

/// One labelled prompt.
#[derive(Debug, Clone, Deserialize)]
pub struct Example {
    /// Identifier.
    pub id: String,
    /// Programming language.
    #[serde(default)]
    pub language: Option<String>,
    /// Task as labelled (not given to the classifier: it infers its own).
    #[serde(default)]
    pub task: Option<String>,
    /// The label: `simple` or `complex`.
    pub tier: String,
    /// The request text.
    pub prompt: String,
}

impl Example {
    /// Whether the label is the stronger tier (anything but `simple`).
    pub fn is_complex(&self) -> bool {
        self.tier != "simple"
    }
}

/// Why a dataset cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The file cannot be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// A line is not an example.
    #[error("{path}:{line}: {source}")]
    Line {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// The error.
        source: serde_json::Error,
    },
}

/// Reads a JSONL file of examples (blank lines skipped).
pub fn load(path: &Path) -> Result<Vec<Example>, DatasetError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| DatasetError::Io {
        path: shown.clone(),
        source,
    })?;
    parse(&text, &shown)
}

/// Parses JSONL text of examples; `origin` names it in errors.
pub fn parse(text: &str, origin: &str) -> Result<Vec<Example>, DatasetError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        out.push(
            serde_json::from_str(line).map_err(|source| DatasetError::Line {
                path: origin.to_owned(),
                line: i + 1,
                source,
            })?,
        );
    }
    Ok(out)
}

/// Labelled prompts written for this crate in the dev file's format (see
/// `data/README.md`): training data next to whatever file `switchyard router train` gets.
pub const EXTRA_TRAINING: &str = include_str!("../data/extra-train.jsonl");

/// [`EXTRA_TRAINING`], parsed.
pub fn extra_training() -> Result<Vec<Example>, DatasetError> {
    parse(EXTRA_TRAINING, "crates/router/data/extra-train.jsonl")
}
