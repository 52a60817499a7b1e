//! An answer's code and whether it parses: what the code API reports and what decides
//! repair and escalation.

use crate::{code_blocks, extract_code, validate, Language, SyntaxError, Validation};

/// The code of an answer and its validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedAnswer {
    /// The code found (`None` when the answer has none).
    pub code: Option<String>,
    /// The parse of the code (for a fill-in-the-middle answer: of prefix, code and suffix
    /// together, so that lines count from the prefix's first).
    pub validation: Validation,
}

impl CheckedAnswer {
    /// Whether the answer is acceptable: its code parses, or it has none and none was asked.
    pub fn passed(&self) -> bool {
        self.validation.parsed
    }
}

/// Extracts the code of `answer` in `language` and parses it. An answer without code where
/// code was asked (`wants_code`) fails with an error saying so; a prose answer to a task that
/// asks for none passes. With `around` (the prefix and suffix of a fill-in-the-middle
/// request), the answer is the middle: its fenced block if it has one, else all of it.
pub fn check_answer(
    answer: &str,
    language: Language,
    wants_code: bool,
    around: Option<(&str, &str)>,
) -> CheckedAnswer {
    if let Some((prefix, suffix)) = around {
        let middle = code_blocks(answer).into_iter().next().map_or_else(
            || answer.to_owned(),
            |b| b.code.trim_end_matches('\n').to_owned(),
        );
        if middle.trim().is_empty() {
            return CheckedAnswer {
                code: None,
                validation: Validation::no_code(),
            };
        }
        let whole = format!("{prefix}{middle}{suffix}");
        return CheckedAnswer {
            validation: validate(&whole, language),
            code: Some(middle),
        };
    }
    match extract_code(answer, language) {
        Some(extracted) => CheckedAnswer {
            validation: validate(&extracted.code, language),
            code: Some(extracted.code),
        },
        None if wants_code => CheckedAnswer {
            code: None,
            validation: Validation::no_code(),
        },
        None => CheckedAnswer {
            code: None,
            validation: Validation {
                parsed: true,
                errors: Vec::<SyntaxError>::new(),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_bad_and_missing_code() {
        let ok = check_answer("```rust\nfn a() {}\n```", Language::Rust, true, None);
        assert!(ok.passed());
        assert_eq!(ok.code.as_deref(), Some("fn a() {}\n"));
        let broken = check_answer("```rust\nfn a( {}\n```", Language::Rust, true, None);
        assert!(!broken.passed());
        assert!(!broken.validation.errors.is_empty());
        let prose = "I cannot write that function because the request is unclear.";
        let none = check_answer(prose, Language::Rust, true, None);
        assert!(!none.passed());
        assert_eq!(none.code, None);
        assert!(none.validation.errors[0].message.contains("no code"));
        let review = check_answer(prose, Language::Rust, false, None);
        assert!(review.passed());
    }

    #[test]
    fn a_middle_is_checked_between_its_prefix_and_suffix() {
        let around = Some(("def add(a, b):\n    return ", "\n\nprint(add(1, 2))\n"));
        let good = check_answer("a + b", Language::Python, true, around);
        assert!(good.passed(), "{:?}", good.validation);
        assert_eq!(good.code.as_deref(), Some("a + b"));
        let bad = check_answer("a +", Language::Python, true, around);
        assert!(!bad.passed());
        let fenced = check_answer("```python\na * b\n```", Language::Python, true, around);
        assert_eq!(fenced.code.as_deref(), Some("a * b"));
        assert!(fenced.passed());
    }
}
