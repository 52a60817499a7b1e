//! Demo answers to `switchyard review`: a deterministic reviewer, so that the command can
//! be tried (and tested) against a bare demo gateway.
//!
//! The review command sends each line of code prefixed with its line number in the file
//! (`12+| ` for a changed line, `12 | ` for a surrounding one) and asks for one JSON object
//! of findings in a ```json block. The demo flags lines by pattern: `eval(` and a
//! hard-coded `password = "` are high, `.unwrap()` medium, `TODO` low. It flags surrounding
//! lines too, as a sloppy model would, so that the command's own filtering is exercised.

use serde_json::{json, Value};

/// What the review task's template says first (the gateway's `review` template).
const REVIEW_TEMPLATE_START: &str = "Review this ";

/// What the review command's instructions say about the line prefixes.
const NUMBERED_LINES_MARKER: &str = "starts with its line number in the file";

/// A problem the demo reviewer recognises in a line.
struct Pattern {
    /// Text whose presence in a line (lower case) is the problem.
    needle: &'static str,
    severity: &'static str,
    message: &'static str,
    suggestion: &'static str,
}

const PATTERNS: [Pattern; 5] = [
    Pattern {
        needle: "eval(",
        severity: "high",
        message: "eval() runs arbitrary code from its argument",
        suggestion: "Parse the input explicitly instead of evaluating it.",
    },
    Pattern {
        needle: "password = \"",
        severity: "high",
        message: "hard-coded password",
        suggestion: "Read the secret from the environment or a secret store.",
    },
    Pattern {
        needle: "password=\"",
        severity: "high",
        message: "hard-coded password",
        suggestion: "Read the secret from the environment or a secret store.",
    },
    Pattern {
        needle: ".unwrap()",
        severity: "medium",
        message: "unwrap() panics when the value is an error or None",
        suggestion: "Propagate the error with `?` or handle the failure case.",
    },
    Pattern {
        needle: "todo",
        severity: "low",
        message: "unfinished work (TODO) in changed code",
        suggestion: "Finish it or track it in an issue.",
    },
];

/// The demo's answer to a review request from `switchyard review`, or `None` when `request`
/// (the last user message) is not one.
pub(crate) fn review_answer(request: &str) -> Option<String> {
    if !request.starts_with(REVIEW_TEMPLATE_START) || !request.contains(NUMBERED_LINES_MARKER) {
        return None;
    }
    let findings: Vec<Value> = numbered_lines(request)
        .flat_map(|(line, code)| {
            let lower = code.to_lowercase();
            PATTERNS
                .iter()
                .filter(move |p| lower.contains(p.needle))
                // One finding per line: the most severe pattern (they are listed first).
                .take(1)
                .map(move |p| {
                    json!({
                        "line": line,
                        "severity": p.severity,
                        "message": p.message,
                        "suggestion": p.suggestion,
                    })
                })
        })
        .collect();
    let summary = match findings.len() {
        0 => "No problems found in the changed code.".to_owned(),
        1 => "One finding.".to_owned(),
        n => format!("{n} findings."),
    };
    let body = json!({ "findings": findings });
    Some(format!(
        "{summary}\n\n```json\n{body}\n```\n\n{}",
        crate::demo::DEMO_NOTE
    ))
}

/// The numbered lines of the request's code block: (line number, code).
fn numbered_lines(request: &str) -> impl Iterator<Item = (u64, &str)> {
    request.lines().filter_map(|l| {
        let (number, rest) = l.split_once('|')?;
        let number = number.trim_end_matches(['+', ' ']).trim_start();
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some((number.parse().ok()?, rest.strip_prefix(' ').unwrap_or(rest)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(answer: &str) -> Vec<Value> {
        let start = answer.find("```json\n").unwrap() + "```json\n".len();
        let end = start + answer[start..].find("\n```").unwrap();
        let v: Value = serde_json::from_str(&answer[start..end]).unwrap();
        v["findings"].as_array().unwrap().clone()
    }

    fn request(code: &str) -> String {
        format!(
            "Review this Python code for bugs. List each finding with its line and a fix.\n\
             Each line of the code below starts with its line number in the file.\n\n\
             Code:\n```python\n{code}\n```"
        )
    }

    #[test]
    fn flags_problem_lines_with_their_file_line_numbers() {
        let answer = review_answer(&request(
            "  9 | import os\n 10+| x = eval(data)\n 11+| y = load().unwrap()\n 12 | # TODO later\n 13+| password = \"hunter2\"\n 14+| ok = 1",
        ))
        .unwrap();
        let found = findings(&answer);
        let got: Vec<(u64, &str)> = found
            .iter()
            .map(|f| (f["line"].as_u64().unwrap(), f["severity"].as_str().unwrap()))
            .collect();
        assert_eq!(
            got,
            [(10, "high"), (11, "medium"), (12, "low"), (13, "high")]
        );
        assert!(found[0]["suggestion"].as_str().unwrap().contains("Parse"));
        assert!(answer.contains("demo mode"), "{answer}");
    }

    #[test]
    fn clean_code_has_no_findings_and_other_requests_are_not_reviews() {
        let answer = review_answer(&request(" 1+| def f():\n 2+|     return 1")).unwrap();
        assert!(findings(&answer).is_empty());
        assert_eq!(review_answer("Review this Python code: x = eval(y)"), None);
        assert_eq!(review_answer("Write Python code for eval(x)"), None);
    }
}
