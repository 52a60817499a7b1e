//! What the gateway does with the code of an answer, per task.

use serde::{Deserialize, Serialize};

/// How an answer's code is checked (`[code.validation]` in config, per task).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidationMode {
    /// Not parsed; the answer reports `validation: null`.
    Off,
    /// Parsed and reported; a failure is returned as it is (and not cached).
    Validate,
    /// On a syntax error, one more call with the parser's errors in the prompt.
    Repair,
    /// Repair, then, if the code still does not parse, the next stronger model.
    Escalate,
}

impl ValidationMode {
    /// Every mode, weakest first.
    pub const ALL: [ValidationMode; 4] = [
        ValidationMode::Off,
        ValidationMode::Validate,
        ValidationMode::Repair,
        ValidationMode::Escalate,
    ];

    /// The mode's name in config.
    pub fn name(self) -> &'static str {
        match self {
            ValidationMode::Off => "off",
            ValidationMode::Validate => "validate",
            ValidationMode::Repair => "repair",
            ValidationMode::Escalate => "escalate",
        }
    }

    /// The mode named `name`.
    pub fn from_name(name: &str) -> Option<ValidationMode> {
        ValidationMode::ALL.into_iter().find(|m| m.name() == name)
    }
}
