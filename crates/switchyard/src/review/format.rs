//! The review's report in the three output formats: Markdown for a pull-request comment,
//! SARIF 2.1.0 for code-scanning upload, JSON for scripts.

use super::diff::LineRange;
use super::findings::{Finding, Severity};
use super::plan::ranges_label;
use crate::plural;
use serde_json::{json, Value};
use std::fmt::Write as _;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A Markdown comment for a pull request.
    Markdown,
    /// SARIF 2.1.0 for code-scanning upload.
    Sarif,
    /// JSON for scripts.
    Json,
}

/// One request of the review and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartOutcome {
    /// The file it reviewed.
    pub file: String,
    /// The changed lines it reviewed.
    pub hunks: Vec<LineRange>,
    /// Estimated tokens of the code sent.
    pub tokens: usize,
    /// Findings kept, or why the answer could not be read.
    pub result: Result<usize, String>,
}

/// Everything a report shows.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The revision the working tree was compared with.
    pub base: String,
    /// The token budget per part.
    pub budget: usize,
    /// Findings, most severe first, then by file and line.
    pub findings: Vec<Finding>,
    /// The parts, in the order they were planned.
    pub parts: Vec<PartOutcome>,
    /// Files reviewed.
    pub files: Vec<String>,
    /// Files not reviewed and why.
    pub skipped: Vec<(String, String)>,
    /// Findings dropped (off the changed lines, or unusable).
    pub dropped: usize,
}

impl Report {
    /// Whether some part could not be reviewed.
    pub fn incomplete(&self) -> bool {
        self.parts.iter().any(|p| p.result.is_err())
    }

    /// Count of findings of `severity`.
    fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// `report` in `format`, ending with a newline.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Markdown => markdown(report),
        Format::Sarif => pretty(&sarif(report)),
        Format::Json => pretty(&json_report(report)),
    }
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    text.push('\n');
    text
}

/// "reviewed in 3 parts": the line every format's summary shares.
fn summary_line(report: &Report) -> String {
    format!(
        "{} ({} high, {} medium, {} low) in {} against `{}`; reviewed in {} of at most {} tokens of code each.",
        plural(report.findings.len(), "finding", "findings"),
        report.count(Severity::High),
        report.count(Severity::Medium),
        report.count(Severity::Low),
        plural(report.files.len(), "file", "files"),
        report.base,
        plural(report.parts.len(), "part", "parts"),
        report.budget,
    )
}

/// Text safe in a Markdown table cell: one line, no column breaks.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

fn markdown(report: &Report) -> String {
    let mut out = String::from("## Switchyard review\n\n");
    // Writing to a String cannot fail.
    let _ = writeln!(out, "{}\n", summary_line(report));
    if report.incomplete() {
        let failed = report.parts.iter().filter(|p| p.result.is_err()).count();
        let _ = writeln!(
            out,
            "**Incomplete:** {} could not be reviewed (see the parts below).\n",
            plural(failed, "part", "parts")
        );
    }
    if !report.findings.is_empty() {
        out.push_str("| Severity | Location | Finding | Suggestion |\n|---|---|---|---|\n");
        for f in &report.findings {
            let _ = writeln!(
                out,
                "| {} | `{}:{}` | {} | {} |",
                f.severity.name(),
                cell(&f.file),
                f.line,
                cell(&f.message),
                cell(f.suggestion.as_deref().unwrap_or(""))
            );
        }
        out.push('\n');
    }
    out.push_str("<details><summary>Parts</summary>\n\n");
    for (i, part) in report.parts.iter().enumerate() {
        let outcome = match &part.result {
            Ok(n) => plural(*n, "finding", "findings"),
            Err(reason) => format!("not reviewed: {}", cell(reason)),
        };
        let _ = writeln!(
            out,
            "{}. `{}` lines {} (~{} tokens): {outcome}",
            i + 1,
            cell(&part.file),
            ranges_label(&part.hunks),
            part.tokens
        );
    }
    if report.parts.is_empty() {
        out.push_str("Nothing to review.\n");
    }
    out.push_str("\n</details>\n");
    if report.dropped > 0 {
        let _ = writeln!(
            out,
            "\n{} outside the changed lines (or without a line or message) dropped.",
            plural(report.dropped, "finding", "findings")
        );
    }
    if !report.skipped.is_empty() {
        out.push_str("\nNot reviewed:\n");
        for (file, why) in &report.skipped {
            let _ = writeln!(out, "- `{}`: {why}", cell(file));
        }
    }
    out
}

fn finding_json(f: &Finding) -> Value {
    json!({
        "file": f.file,
        "line": f.line,
        "severity": f.severity.name(),
        "message": f.message,
        "suggestion": f.suggestion,
    })
}

fn parts_json(report: &Report) -> Vec<Value> {
    report
        .parts
        .iter()
        .map(|p| {
            let mut v = json!({
                "file": p.file,
                "lines": p.hunks.iter().map(|h| json!([h.start, h.end])).collect::<Vec<_>>(),
                "tokens": p.tokens,
            });
            match &p.result {
                Ok(n) => v["findings"] = json!(n),
                Err(reason) => v["error"] = json!(reason),
            }
            v
        })
        .collect()
}

fn json_report(report: &Report) -> Value {
    json!({
        "base": report.base,
        "findings": report.findings.iter().map(finding_json).collect::<Vec<_>>(),
        "parts": report.parts.len(),
        "part_details": parts_json(report),
        "files": report.files,
        "skipped": report
            .skipped
            .iter()
            .map(|(file, reason)| json!({"file": file, "reason": reason}))
            .collect::<Vec<_>>(),
        "dropped": report.dropped,
        "complete": !report.incomplete(),
        "summary": summary_line(report),
    })
}

/// The SARIF rule of each severity (`ruleIndex` is the position here).
const RULES: [(Severity, &str, &str, &str); 3] = [
    (
        Severity::High,
        "review/high",
        "error",
        "A definite bug, a security problem or data loss found in review",
    ),
    (
        Severity::Medium,
        "review/medium",
        "warning",
        "A likely bug or a risky practice found in review",
    ),
    (
        Severity::Low,
        "review/low",
        "note",
        "A style, clarity or maintenance remark from review",
    ),
];

fn sarif(report: &Report) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|(_, id, level, description)| {
            json!({
                "id": id,
                "shortDescription": {"text": description},
                "defaultConfiguration": {"level": level},
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let index = RULES
                .iter()
                .position(|(s, ..)| *s == f.severity)
                .unwrap_or(0);
            let (_, id, level, _) = RULES[index];
            let text = match &f.suggestion {
                Some(s) => format!("{} Suggestion: {s}", f.message),
                None => f.message.clone(),
            };
            json!({
                "ruleId": id,
                "ruleIndex": index,
                "level": level,
                "message": {"text": text},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.file, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": f.line},
                    }
                }],
            })
        })
        .collect();
    let notifications: Vec<Value> = report
        .parts
        .iter()
        .filter_map(|p| {
            let reason = p.result.as_ref().err()?;
            Some(json!({
                "level": "error",
                "message": {"text": format!("{} lines {} not reviewed: {reason}", p.file, ranges_label(&p.hunks))},
            }))
        })
        .collect();
    let mut driver = json!({
        "name": "switchyard-review",
        "version": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    });
    // Where SARIF viewers send people who ask what produced the results: the package's
    // `repository`, when the workspace names one (the key is optional in SARIF).
    let home = env!("CARGO_PKG_REPOSITORY");
    if !home.is_empty() {
        driver["informationUri"] = Value::from(home);
    }
    json!({
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": driver},
            "invocations": [{
                "executionSuccessful": !report.incomplete(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
            "properties": {"summary": summary_line(report), "parts": parts_json(report)},
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        Report {
            base: "HEAD".to_owned(),
            budget: 6000,
            findings: vec![Finding {
                file: "src/a|b.py".to_owned(),
                line: 7,
                severity: Severity::High,
                message: "eval\nof input".to_owned(),
                suggestion: Some("parse it".to_owned()),
            }],
            parts: vec![
                PartOutcome {
                    file: "src/a|b.py".to_owned(),
                    hunks: vec![LineRange { start: 7, end: 9 }],
                    tokens: 40,
                    result: Ok(1),
                },
                PartOutcome {
                    file: "lib.rs".to_owned(),
                    hunks: vec![LineRange { start: 1, end: 1 }],
                    tokens: 5,
                    result: Err("no JSON".to_owned()),
                },
            ],
            files: vec!["src/a|b.py".to_owned(), "lib.rs".to_owned()],
            skipped: vec![("logo.png".to_owned(), "binary".to_owned())],
            dropped: 2,
        }
    }

    #[test]
    fn markdown_has_the_table_parts_and_what_was_left_out() {
        let text = render(&report(), Format::Markdown);
        assert!(
            text.contains("1 finding (1 high, 0 medium, 0 low) in 2 files"),
            "{text}"
        );
        assert!(text.contains("reviewed in 2 parts"), "{text}");
        assert!(
            text.contains("| high | `src/a\\|b.py:7` | eval of input | parse it |"),
            "{text}"
        );
        assert!(
            text.contains("2. `lib.rs` lines 1 (~5 tokens): not reviewed: no JSON"),
            "{text}"
        );
        assert!(text.contains("**Incomplete:** 1 part"), "{text}");
        assert!(text.contains("- `logo.png`: binary"), "{text}");
        assert!(
            text.contains("2 findings outside the changed lines"),
            "{text}"
        );
    }

    #[test]
    fn sarif_and_json_carry_locations_levels_and_completeness() {
        let sarif: Value = serde_json::from_str(&render(&report(), Format::Sarif)).unwrap();
        assert_eq!(sarif["version"], "2.1.0");
        let run = &sarif["runs"][0];
        assert_eq!(run["tool"]["driver"]["name"], "switchyard-review");
        let result = &run["results"][0];
        assert_eq!(result["level"], "error");
        assert_eq!(result["ruleId"], run["tool"]["driver"]["rules"][0]["id"]);
        assert_eq!(
            result["locations"][0]["physicalLocation"]["region"]["startLine"],
            7
        );
        assert_eq!(run["invocations"][0]["executionSuccessful"], false);

        let json: Value = serde_json::from_str(&render(&report(), Format::Json)).unwrap();
        assert_eq!(json["parts"], 2);
        assert_eq!(json["findings"][0]["severity"], "high");
        assert_eq!(json["part_details"][1]["error"], "no JSON");
        assert_eq!(json["part_details"][0]["lines"], json!([[7, 9]]));
        assert_eq!(json["complete"], false);
    }
}
