//! The tasks of the code API (`POST /v1/code/{task}`).

use serde::{Serialize, Serializer};

/// What a code request asks the model to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeTask {
    /// Write new code from a description.
    Generate,
    /// Continue the given code.
    Complete,
    /// Review code: findings, no rewrite.
    Review,
    /// Add documentation comments to code.
    Document,
    /// Explain code in prose.
    Explain,
    /// Write tests for code.
    Test,
    /// Restructure code without changing its behaviour.
    Refactor,
}

impl CodeTask {
    /// Every task, in the order error messages list them.
    pub const ALL: [CodeTask; 7] = [
        CodeTask::Generate,
        CodeTask::Complete,
        CodeTask::Review,
        CodeTask::Document,
        CodeTask::Explain,
        CodeTask::Test,
        CodeTask::Refactor,
    ];

    /// The task's name, as in the URL.
    pub fn name(self) -> &'static str {
        match self {
            CodeTask::Generate => "generate",
            CodeTask::Complete => "complete",
            CodeTask::Review => "review",
            CodeTask::Document => "document",
            CodeTask::Explain => "explain",
            CodeTask::Test => "test",
            CodeTask::Refactor => "refactor",
        }
    }

    /// The task named `name` (exact, lower case).
    pub fn from_name(name: &str) -> Option<CodeTask> {
        CodeTask::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Whether the answer must contain code: review and explain answer in prose, and code
    /// in them is optional.
    pub fn wants_code(self) -> bool {
        !matches!(self, CodeTask::Review | CodeTask::Explain)
    }

    /// The names of every task, comma separated (for error messages).
    pub fn accepted_names() -> String {
        CodeTask::ALL.map(CodeTask::name).join(", ")
    }
}

impl Serialize for CodeTask {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_prose_tasks_do_not_want_code() {
        for t in CodeTask::ALL {
            assert_eq!(CodeTask::from_name(t.name()), Some(t));
        }
        assert_eq!(CodeTask::from_name("compile"), None);
        assert!(CodeTask::Generate.wants_code());
        assert!(!CodeTask::Explain.wants_code());
        assert!(!CodeTask::Review.wants_code());
    }
}
