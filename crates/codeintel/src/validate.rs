//! Syntax validation: code parsed with the language's tree-sitter grammar, its error and
//! missing nodes reported with their positions. Parsing is CPU work proportional to the code:
//! async callers run it on a blocking thread.

use crate::Language;
use serde::Serialize;

/// Errors reported at most: a repair prompt needs the first few, not hundreds from one
/// unbalanced brace.
const MAX_ERRORS: usize = 20;

/// Characters of source quoted in an error message at most.
const MAX_QUOTE: usize = 40;

/// The result of parsing a piece of code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Validation {
    /// Whether the code parsed without a syntax error.
    pub parsed: bool,
    /// The syntax errors, in source order (at most twenty).
    pub errors: Vec<SyntaxError>,
}

/// One syntax error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyntaxError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in bytes.
    pub column: usize,
    /// What the parser found.
    pub message: String,
}

impl Validation {
    /// The result for an answer that had no code to parse.
    pub fn no_code() -> Self {
        Validation {
            parsed: false,
            errors: vec![SyntaxError {
                line: 0,
                column: 0,
                message: "the answer contains no code".into(),
            }],
        }
    }
}

/// Parses `code` as `language` and reports its syntax errors.
pub fn validate(code: &str, language: Language) -> Validation {
    let mut parser = tree_sitter::Parser::new();
    if let Err(e) = parser.set_language(&language.grammar()) {
        // Only a grammar built for an incompatible tree-sitter ABI gets here; the tests
        // parse every language, so it would fail them first.
        return Validation {
            parsed: false,
            errors: vec![SyntaxError {
                line: 0,
                column: 0,
                message: format!("no parser for {language}: {e}"),
            }],
        };
    }
    let Some(tree) = parser.parse(code, None) else {
        return Validation {
            parsed: false,
            errors: vec![SyntaxError {
                line: 0,
                column: 0,
                message: "the parser gave up".into(),
            }],
        };
    };
    let mut errors = Vec::new();
    let root = tree.root_node();
    if root.has_error() {
        collect_errors(root, code, &mut errors);
        if errors.is_empty() {
            errors.push(error_at(root, "syntax error".to_owned()));
        }
    }
    Validation {
        parsed: errors.is_empty(),
        errors,
    }
}

/// Walks the tree depth first, recording error and missing nodes without descending into
/// an error node (its children are the tokens it swallowed, not further errors).
fn collect_errors(root: tree_sitter::Node<'_>, code: &str, errors: &mut Vec<SyntaxError>) {
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        let mut descend = node.has_error();
        if node.is_error() {
            errors.push(error_at(
                node,
                format!("unexpected `{}`", quote(node, code)),
            ));
            descend = false;
        } else if node.is_missing() {
            errors.push(error_at(node, format!("missing `{}`", node.kind())));
        }
        if errors.len() >= MAX_ERRORS {
            return;
        }
        if descend {
            if cursor.goto_first_child() {
                continue;
            }
            // A node with an error below it but no visible child: the missing token is a
            // hidden one (C#'s `_identifier_token` in `a + ;`), which the cursor skips.
            errors.push(error_at(node, format!("incomplete `{}`", node.kind())));
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

fn error_at(node: tree_sitter::Node<'_>, message: String) -> SyntaxError {
    let start = node.start_position();
    SyntaxError {
        line: start.row + 1,
        column: start.column + 1,
        message,
    }
}

/// The start of the node's source on one line, shortened.
fn quote(node: tree_sitter::Node<'_>, code: &str) -> String {
    let text = code.get(node.byte_range()).unwrap_or_default();
    let first_line = text.lines().next().unwrap_or_default().trim();
    let mut quoted: String = first_line.chars().take(MAX_QUOTE).collect();
    if quoted.len() < first_line.len() {
        quoted.push('…');
    }
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid and an invalid snippet of each language.
    const CASES: [(Language, &str, &str); 11] = [
        (
            Language::Python,
            "def add(a: int, b: int) -> int:\n    return a + b\n",
            "def add(a, b:\n    return a + b\n",
        ),
        (
            Language::JavaScript,
            "export function add(a, b) {\n  return a + b;\n}\n",
            "function add(a, b) {\n  return a + ;\n",
        ),
        (
            Language::TypeScript,
            "export function add(a: number, b: number): number {\n  return a + b;\n}\n",
            "function add(a: number, b: number): number {\n  return a +* b;\n}\n",
        ),
        (
            Language::Rust,
            "pub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n",
            "pub fn add(a: i32, b: i32) -> i32 {\n    let x = ;\n}\n",
        ),
        (
            Language::Go,
            "package main\n\nfunc add(a, b int) int {\n\treturn a + b\n}\n",
            "package main\n\nfunc add(a, b int) int {\n\treturn a +\n",
        ),
        (
            Language::Java,
            "public class M {\n  static int add(int a, int b) { return a + b; }\n}\n",
            "public class M {\n  static int add(int a, int b) { return a + b }\n",
        ),
        (
            Language::C,
            "int add(int a, int b) {\n    return a + b;\n}\n",
            "int add(int a, int b) {\n    return a + b\n",
        ),
        (
            Language::Cpp,
            "#include <vector>\nint sum(const std::vector<int>& v) {\n    int s = 0;\n    for (int x : v) s += x;\n    return s;\n}\n",
            "int sum(const std::vector<int>& v) {\n    for (int x : v s += x;\n}\n",
        ),
        (
            Language::CSharp,
            "public static class M {\n    public static int Add(int a, int b) => a + b;\n}\n",
            "public static class M {\n    public static int Add(int a, int b) => a + ;\n}\n",
        ),
        (
            Language::Sql,
            "SELECT id, name FROM users WHERE age > 30 ORDER BY name;\n",
            "SELECT id, name FROM WHERE age > ORDER BY;\n",
        ),
        (
            Language::Bash,
            "#!/usr/bin/env bash\nset -euo pipefail\nfor f in *.txt; do\n  echo \"$f\"\ndone\n",
            "for f in *.txt; do\n  echo \"$f\"\n",
        ),
    ];

    #[test]
    fn valid_snippets_parse_in_every_language() {
        for (language, valid, _) in CASES {
            let v = validate(valid, language);
            assert!(v.parsed, "{language}: {:?}", v.errors);
            assert!(v.errors.is_empty());
        }
    }

    #[test]
    fn invalid_snippets_report_positioned_errors_in_every_language() {
        for (language, _, invalid) in CASES {
            let v = validate(invalid, language);
            assert!(!v.parsed, "{language} accepted broken code");
            assert!(!v.errors.is_empty(), "{language}");
            for e in &v.errors {
                assert!(e.line >= 1 && e.column >= 1, "{language}: {e:?}");
                assert!(!e.message.is_empty());
            }
        }
    }

    #[test]
    fn an_error_names_its_line() {
        let v = validate("x = 1\ny = (2\nz = 3\n", Language::Python);
        assert!(!v.parsed);
        assert!(v.errors.iter().any(|e| e.line == 2), "{:?}", v.errors);
    }
}
