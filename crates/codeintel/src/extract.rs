//! Code extraction: the code of a model answer, from its fenced blocks (```lang … ```), or
//! the whole answer when it is bare code.

use crate::{validate, Language};

/// A fenced block of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeBlock {
    /// The fence's info string's first word, lower case (`None` for a bare fence).
    pub tag: Option<String>,
    /// The block's content, without the fences.
    pub code: String,
}

/// The code found in an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractedCode {
    /// The code: the blocks in the requested language (or untagged) joined by a blank line,
    /// or the whole answer.
    pub code: String,
    /// Whether the answer was bare code, without fences.
    pub bare: bool,
}

/// The fenced blocks of `answer`, in order. An unclosed fence runs to the end (an answer cut
/// off by `max_tokens`).
pub fn code_blocks(answer: &str) -> Vec<CodeBlock> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, Option<String>, Vec<&str>)> = None;
    for line in answer.lines() {
        let trimmed = line.trim_start();
        match &mut open {
            None => {
                if let Some(fence) = fence_of(trimmed) {
                    let info = trimmed[fence.len()..].trim();
                    let tag = info
                        .split(|c: char| c.is_whitespace() || c == '{' || c == ',')
                        .next()
                        .filter(|t| !t.is_empty())
                        .map(str::to_ascii_lowercase);
                    open = Some((fence.to_owned(), tag, Vec::new()));
                }
            }
            Some((fence, _, lines)) => {
                // A closing fence is the opening one's character, at least as many times.
                let closing = trimmed.trim_end();
                if closing.starts_with(fence.as_str())
                    && closing.chars().all(|c| fence.starts_with(c))
                {
                    if let Some((_, tag, lines)) = open.take() {
                        blocks.push(CodeBlock {
                            tag,
                            code: join_lines(&lines),
                        });
                    }
                } else {
                    lines.push(line);
                }
            }
        }
    }
    if let Some((_, tag, lines)) = open {
        blocks.push(CodeBlock {
            tag,
            code: join_lines(&lines),
        });
    }
    blocks
}

/// The code of `answer` in `language`: its blocks tagged with the language (or untagged),
/// else the whole answer when it is bare code; `None` when it has none.
pub fn extract_code(answer: &str, language: Language) -> Option<ExtractedCode> {
    let blocks = code_blocks(answer);
    if !blocks.is_empty() {
        let matching: Vec<&str> = blocks
            .iter()
            .filter(|b| match &b.tag {
                None => true,
                Some(tag) => Language::from_name(tag) == Some(language),
            })
            .map(|b| b.code.as_str())
            .filter(|c| !c.trim().is_empty())
            .collect();
        if matching.is_empty() {
            return None;
        }
        return Some(ExtractedCode {
            code: matching.join("\n\n"),
            bare: false,
        });
    }
    let trimmed = answer.trim();
    if trimmed.is_empty() || !is_bare_code(trimmed, language) {
        return None;
    }
    Some(ExtractedCode {
        code: format!("{trimmed}\n"),
        bare: true,
    })
}

/// Whether an answer without fences is code rather than prose: it has no line of prose, or
/// it parses and at most a few lines read as prose (comments and docstrings may).
fn is_bare_code(answer: &str, language: Language) -> bool {
    let lines: Vec<&str> = answer.lines().filter(|l| !l.trim().is_empty()).collect();
    let prose = lines.iter().filter(|l| looks_like_prose(l)).count();
    if prose == 0 {
        return true;
    }
    prose * 4 <= lines.len() && validate(answer, language).parsed
}

/// A line that reads as a sentence: a capital first, four words or more, none of the
/// characters that code lines are made of, and no comment marker.
fn looks_like_prose(line: &str) -> bool {
    let t = line.trim();
    let starts_capital = t.chars().next().is_some_and(char::is_uppercase);
    let words = t.split_whitespace().count();
    let code_chars = t.chars().any(|c| "{}()[];=<>".contains(c));
    starts_capital && words >= 4 && !code_chars
}

fn fence_of(line: &str) -> Option<&str> {
    for ch in ['`', '~'] {
        let n = line.chars().take_while(|&c| c == ch).count();
        if n >= 3 {
            return line.get(..n);
        }
    }
    None
}

fn join_lines(lines: &[&str]) -> String {
    let mut s = lines.join("\n");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fenced_blocks_with_and_without_tags() {
        let answer = "Here:\n```python\nprint(1)\n```\nand\n```\nprint(2)\n```\nDone.";
        let blocks = code_blocks(answer);
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].tag.as_deref(), Some("python"));
        assert_eq!(blocks[0].code, "print(1)\n");
        assert_eq!(blocks[1].tag, None);
        let code = extract_code(answer, Language::Python).unwrap();
        assert_eq!(code.code, "print(1)\n\n\nprint(2)\n");
        assert!(!code.bare);
    }

    #[test]
    fn blocks_of_other_languages_are_left_out() {
        let answer = "```bash\npip install x\n```\n```py\nimport x\n```";
        let code = extract_code(answer, Language::Python).unwrap();
        assert_eq!(code.code, "import x\n");
        assert_eq!(extract_code("```bash\nls\n```", Language::Rust), None);
    }

    #[test]
    fn longer_fences_and_info_strings() {
        let answer = "````rust title=\"x\"\nfn a() {}\n```\nfn b() {}\n````\n";
        let blocks = code_blocks(answer);
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].tag.as_deref(), Some("rust"));
        assert_eq!(blocks[0].code, "fn a() {}\n```\nfn b() {}\n");
    }

    #[test]
    fn an_unclosed_fence_runs_to_the_end() {
        let code = extract_code("```go\nfunc a() {\n", Language::Go).unwrap();
        assert_eq!(code.code, "func a() {\n");
    }

    #[test]
    fn bare_code_is_the_whole_answer() {
        let code = extract_code("def f(x):\n    return x * 2\n", Language::Python).unwrap();
        assert!(code.bare);
        assert_eq!(code.code, "def f(x):\n    return x * 2\n");
    }

    #[test]
    fn prose_is_not_code() {
        let answer = "The function adds two numbers and returns the result to the caller.";
        assert_eq!(extract_code(answer, Language::Python), None);
        assert_eq!(extract_code(answer, Language::Bash), None);
        assert_eq!(extract_code("   ", Language::Rust), None);
    }
}
