//! What the model found: its answer's JSON, read leniently, and the findings kept for a
//! part (those on the part's changed lines).
//!
//! Leniency, because models drift from the requested shape: the first JSON object with a
//! `findings` array anywhere in the answer (a ```json block first, then the text), `line`
//! as a number or a string starting with one ("12", "12-14"), `severity` in any case and
//! with common synonyms (critical/error → high, warning/major → medium,
//! info/minor/note/nit → low; anything else → medium), `description`/`issue` for
//! `message` and `fix` for `suggestion`. A finding without a message is dropped; so is one
//! whose line is not one of the part's changed lines (the model commenting on context, or
//! miscounting): it is counted, never moved to another line.

use super::plan::Part;
use serde_json::Value;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Severity {
    /// Style, clarity, unfinished work.
    Low,
    /// A likely bug or a risky practice.
    Medium,
    /// A definite bug, a security problem, data loss.
    High,
}

impl Severity {
    /// Lower-case name, as in the JSON.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    fn from_model(word: Option<&str>) -> Severity {
        match word.map(|w| w.trim().to_ascii_lowercase()).as_deref() {
            Some("high" | "critical" | "error" | "blocker" | "severe") => Severity::High,
            Some("low" | "info" | "minor" | "note" | "nit" | "style" | "trivial") => Severity::Low,
            _ => Severity::Medium,
        }
    }
}

/// One finding, where it is and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Path relative to the repository's top level.
    pub file: String,
    /// Line of the working-tree file (1-based).
    pub line: usize,
    /// How serious.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when the model said.
    pub suggestion: Option<String>,
}

/// A part's findings and how many of the answer's were dropped.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PartFindings {
    /// Findings on the part's changed lines.
    pub kept: Vec<Finding>,
    /// Findings without a usable line or message, or on a line the part does not review.
    pub dropped: usize,
}

/// The findings of `answer` (the model's text) for `part`; an error says why the answer
/// has none that can be read (the part then counts as not reviewed).
pub fn findings_for(part: &Part, answer: &str) -> Result<PartFindings, String> {
    let entries = findings_json(answer).ok_or_else(|| {
        format!(
            "the answer has no JSON object with a `findings` array (it starts: {:?})",
            answer.chars().take(120).collect::<String>()
        )
    })?;
    let mut out = PartFindings::default();
    for entry in entries {
        let line = entry.get("line").and_then(line_number);
        let message = text_field(&entry, &["message", "description", "issue"]);
        match (line, message) {
            (Some(line), Some(message)) if part.reviews_line(line) => {
                out.kept.push(Finding {
                    file: part.path.clone(),
                    line,
                    severity: Severity::from_model(entry.get("severity").and_then(Value::as_str)),
                    message,
                    suggestion: text_field(&entry, &["suggestion", "fix"]),
                });
            }
            _ => out.dropped += 1,
        }
    }
    Ok(out)
}

/// The `findings` array of the first JSON object that has one: in ```json (or bare) fenced
/// blocks first, then anywhere in the text.
fn findings_json(answer: &str) -> Option<Vec<Value>> {
    let blocks = switchyard_codeintel::code_blocks(answer);
    let fenced = blocks
        .iter()
        .filter(|b| matches!(b.tag.as_deref(), None | Some("json" | "jsonc")))
        .map(|b| b.code.as_str());
    fenced
        .chain(std::iter::once(answer))
        .find_map(first_findings_object)
}

fn first_findings_object(text: &str) -> Option<Vec<Value>> {
    text.match_indices('{').find_map(|(at, _)| {
        let rest = text.get(at..)?;
        let value = serde_json::Deserializer::from_str(rest)
            .into_iter::<Value>()
            .next()?
            .ok()?;
        match value.get("findings")? {
            Value::Array(items) => Some(items.clone()),
            _ => None,
        }
    })
}

fn line_number(v: &Value) -> Option<usize> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
        Value::String(s) => {
            let digits: String = s
                .trim()
                .trim_start_matches(|c: char| !c.is_ascii_digit())
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        }
        _ => None,
    }
}

fn text_field(entry: &Value, names: &[&str]) -> Option<String> {
    names
        .iter()
        .filter_map(|n| entry.get(*n).and_then(Value::as_str))
        .map(str::trim)
        .find(|s| !s.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::diff::LineRange;
    use switchyard_codeintel::Language;

    fn part() -> Part {
        Part {
            path: "src/app.py".to_owned(),
            language: Language::Python,
            hunks: vec![
                LineRange { start: 3, end: 3 },
                LineRange { start: 10, end: 12 },
            ],
            code: String::new(),
            tokens: 0,
        }
    }

    #[test]
    fn reads_the_requested_shape_from_a_json_block() {
        let answer = "Two problems.\n\n```json\n{\"findings\":[{\"line\":3,\"severity\":\"high\",\"message\":\"eval of input\",\"suggestion\":\"parse it\"},{\"line\":11,\"severity\":\"low\",\"message\":\"naming\"}]}\n```\nDone.";
        let got = findings_for(&part(), answer).unwrap();
        assert_eq!(got.dropped, 0);
        assert_eq!(
            got.kept,
            [
                Finding {
                    file: "src/app.py".to_owned(),
                    line: 3,
                    severity: Severity::High,
                    message: "eval of input".to_owned(),
                    suggestion: Some("parse it".to_owned()),
                },
                Finding {
                    file: "src/app.py".to_owned(),
                    line: 11,
                    severity: Severity::Low,
                    message: "naming".to_owned(),
                    suggestion: None,
                },
            ]
        );
    }

    #[test]
    fn lenient_about_shape_and_drops_what_is_off_the_changed_lines() {
        let answer = "Sure! Here: {\"note\": {\"x\": 1}} and {\"findings\": [\
            {\"line\": \"10-11\", \"severity\": \"CRITICAL\", \"description\": \"overflow\", \"fix\": \"use checked_add\"},\
            {\"line\": 12, \"severity\": \"whatever\", \"issue\": \"odd\"},\
            {\"line\": 5, \"severity\": \"high\", \"message\": \"context line\"},\
            {\"line\": 3, \"severity\": \"nit\"},\
            {\"severity\": \"low\", \"message\": \"no line\"}]} trailing";
        let got = findings_for(&part(), answer).unwrap();
        let kept: Vec<(usize, Severity, &str)> = got
            .kept
            .iter()
            .map(|f| (f.line, f.severity, f.message.as_str()))
            .collect();
        assert_eq!(
            kept,
            [
                (10, Severity::High, "overflow"),
                (12, Severity::Medium, "odd")
            ]
        );
        assert_eq!(got.kept[0].suggestion.as_deref(), Some("use checked_add"));
        assert_eq!(got.dropped, 3);
    }

    #[test]
    fn an_answer_without_findings_json_is_an_error_and_an_empty_list_is_not() {
        assert!(findings_for(&part(), "Looks good to me!").is_err());
        assert!(findings_for(&part(), "```json\n{\"findings\": \"none\"}\n```").is_err());
        let empty = findings_for(&part(), "```json\n{\"findings\": []}\n```").unwrap();
        assert_eq!(empty, PartFindings::default());
        assert!(Severity::High > Severity::Medium && Severity::Medium > Severity::Low);
    }
}
