//! Validate stage: the code of an answer, extracted and parsed with tree-sitter
//! (`switchyard-codeintel`). What follows from the result (repair, escalation, not caching)
//! is the code pipeline's (`pipeline::code`); chat answers pass unchecked.

use crate::error::GatewayError;
use switchyard_codeintel::{check_answer, CheckedAnswer, Language};
use switchyard_protocol::{ChatRequest, ChatResponse};

/// Bytes of code from which parsing moves to the blocking pool: a parse costs roughly a
/// microsecond per 100 bytes, so below this it is cheaper than the hop there and back.
const INLINE_PARSE_LIMIT: usize = 16 * 1024;

/// Checks a chat answer: chat clients get what the model said, so every answer passes.
pub fn check(req: &ChatRequest, resp: &ChatResponse) -> Result<(), GatewayError> {
    let _ = (req, resp);
    Ok(())
}

/// What to check an answer's code against.
#[derive(Debug, Clone)]
pub struct CodeExpectation {
    /// The language it must parse as.
    pub language: Language,
    /// Whether the task asks for code (an answer without any then fails).
    pub wants_code: bool,
    /// The prefix and suffix of a fill-in-the-middle request, parsed around the answer.
    pub around: Option<(String, String)>,
}

/// Extracts and parses the code of `answer`; big inputs are parsed on the blocking pool,
/// never on the async workers.
pub async fn check_code(answer: String, expect: &CodeExpectation) -> CheckedAnswer {
    let around_len = expect.around.as_ref().map_or(0, |(p, s)| p.len() + s.len());
    if answer.len() + around_len <= INLINE_PARSE_LIMIT {
        let around = expect
            .around
            .as_ref()
            .map(|(p, s)| (p.as_str(), s.as_str()));
        return check_answer(&answer, expect.language, expect.wants_code, around);
    }
    let expect = expect.clone();
    let parse = tokio::task::spawn_blocking(move || {
        let around = expect
            .around
            .as_ref()
            .map(|(p, s)| (p.as_str(), s.as_str()));
        check_answer(&answer, expect.language, expect.wants_code, around)
    });
    match parse.await {
        Ok(checked) => checked,
        // The parse panicked or the runtime is shutting down: report the code unchecked
        // as failed rather than as valid.
        Err(e) => CheckedAnswer {
            code: None,
            validation: switchyard_codeintel::Validation {
                parsed: false,
                errors: vec![switchyard_codeintel::SyntaxError {
                    line: 0,
                    column: 0,
                    message: format!("the parser failed: {e}"),
                }],
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn python() -> CodeExpectation {
        CodeExpectation {
            language: Language::Python,
            wants_code: true,
            around: None,
        }
    }

    /// Small answers are parsed inline, big ones on the blocking pool: both report the same.
    #[tokio::test]
    async fn small_and_big_answers_are_checked_alike() {
        let function = "def f(x: int) -> int:\n    return x + 1\n\n";
        for copies in [1, 2000] {
            let code = function.repeat(copies);
            assert_eq!(code.len() > INLINE_PARSE_LIMIT, copies > 1);
            let good = check_code(format!("```python\n{code}```"), &python()).await;
            assert!(good.passed(), "{copies}: {:?}", good.validation);
            let bad = check_code(format!("```python\n{code}def g(:\n```"), &python()).await;
            assert!(!bad.passed(), "{copies}");
            assert!(
                bad.validation
                    .errors
                    .iter()
                    .any(|e| e.line > copies * 3 - 1),
                "{copies}: {:?}",
                bad.validation.errors
            );
        }
    }
}
