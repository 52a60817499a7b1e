//! Lexer-level view of a prompt: what is prose (the ask) and what is code, without a parser.
//!
//! A tree-sitter parse of a 4,000-token Rust prompt took ~1.6 ms here (BENCHMARKS.md), eight
//! times the router's whole 200 µs budget, and would need a grammar per language; the structure the
//! classifier uses (lines, nesting, functions, a few kinds of code construct) is visible to
//! a single pass over the bytes.

/// A prompt split into the prose a developer wrote and the code they included.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SplitPrompt {
    /// Prose outside code: the words of the ask, lowercased, with quoted strings and
    /// inline `code` spans removed (words inside them are output text or names, not what
    /// is asked: "print 'deadlock detected'" asks for no concurrency).
    pub ask: String,
    /// Prose words (before quoted spans were removed).
    pub ask_words: usize,
    /// Code: fenced blocks, or the whole prompt when it is code itself (a completion).
    pub code: String,
    /// Whether the prompt itself is code (no fences, code-like lines): a completion.
    pub is_code_prompt: bool,
    /// Whether the prose quotes an error message (a compiler or runtime error).
    pub quotes_error: bool,
}

/// Splits `text` into prose and code.
pub fn split(text: &str) -> SplitPrompt {
    let mut prose = String::with_capacity(text.len().min(4096));
    let mut code = String::new();
    let mut in_fence = false;
    let mut saw_fence = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            saw_fence = true;
            continue;
        }
        let target = if in_fence { &mut code } else { &mut prose };
        target.push_str(line);
        target.push('\n');
    }
    let mut out = SplitPrompt::default();
    if !saw_fence && looks_like_code(text) {
        // A completion: the spec is in its comments and docstrings, the rest is code.
        out.is_code_prompt = true;
        let (comments, rest) = comments_and_code(text);
        prose = comments;
        code = rest;
    }
    out.quotes_error = quotes_error(&prose);
    out.ask_words = prose.split_whitespace().count();
    out.ask = strip_quoted(&prose);
    out.code = code;
    out
}

/// Whether unfenced `text` is code: its first line opens a definition or a comment, or most
/// of its lines end like statements.
fn looks_like_code(text: &str) -> bool {
    let first = text.trim_start().lines().next().unwrap_or("").trim();
    const OPENERS: [&str; 20] = [
        "def ",
        "fn ",
        "pub fn ",
        "func ",
        "function ",
        "async def ",
        "public ",
        "private ",
        "static ",
        "int ",
        "void ",
        "#include",
        "#!",
        "//",
        "/*",
        "/**",
        "class ",
        "const ",
        "package ",
        "import ",
    ];
    if OPENERS.iter().any(|o| first.starts_with(o)) {
        return true;
    }
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let codeish = lines
        .iter()
        .filter(|l| {
            let t = l.trim_end();
            t.ends_with('{') || t.ends_with(';') || t.ends_with('}') || t.ends_with(':')
        })
        .count();
    lines.len() >= 3 && codeish * 2 > lines.len()
}

/// The comment and docstring text of code, and the code without them.
fn comments_and_code(text: &str) -> (String, String) {
    let mut comments = String::new();
    let mut code = String::new();
    let mut in_block = false;
    let mut in_docstring = false;
    for line in text.lines() {
        let t = line.trim_start();
        let quotes = t.matches("\"\"\"").count() + t.matches("'''").count();
        if in_block || in_docstring {
            comments.push_str(t.trim_start_matches(['*', ' ']));
            comments.push('\n');
            if in_block && t.contains("*/") {
                in_block = false;
            }
            if in_docstring && quotes % 2 == 1 {
                in_docstring = false;
            }
            continue;
        }
        if let Some(rest) = t.strip_prefix("/*") {
            comments.push_str(rest.trim_start_matches('*'));
            comments.push('\n');
            in_block = !t.contains("*/");
        } else if let Some(rest) = t.strip_prefix("//") {
            comments.push_str(rest.trim_start_matches('/'));
            comments.push('\n');
        } else if t.starts_with('#')
            && !t.starts_with("#include")
            && !t.starts_with("#define")
            && !t.starts_with("#!")
        {
            comments.push_str(t.trim_start_matches('#'));
            comments.push('\n');
        } else if quotes > 0 {
            comments.push_str(&t.replace("\"\"\"", " ").replace("'''", " "));
            comments.push('\n');
            in_docstring = quotes % 2 == 1;
        } else {
            code.push_str(line);
            code.push('\n');
        }
    }
    (comments, code)
}

/// Lowercased prose without quoted strings ('…', "…") and inline `code` spans, each
/// replaced by a space. An apostrophe inside a word ("don't") is not a quote.
fn strip_quoted(prose: &str) -> String {
    let bytes = prose.as_bytes();
    let mut out = String::with_capacity(prose.len());
    let mut chars = prose.char_indices();
    while let Some((i, c)) = chars.next() {
        let prev_is_word = i > 0 && bytes[i - 1].is_ascii_alphanumeric();
        if c == '`' || c == '"' || (c == '\'' && !prev_is_word) {
            if let Some(len) = closing(&bytes[i + 1..], c as u8) {
                out.push(' ');
                // Skip the quoted span and its closing quote (all ASCII-delimited).
                let end = i + len + 2;
                while chars.offset() < end {
                    if chars.next().is_none() {
                        break;
                    }
                }
                continue;
            }
        }
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Length of a quoted span closed by `quote` on the same line (a closing `'` must not be
/// followed by a letter); `None` if it is not closed.
fn closing(rest: &[u8], quote: u8) -> Option<usize> {
    for (j, &b) in rest.iter().enumerate() {
        if b == b'\n' {
            return None;
        }
        if b == quote {
            let next_is_word = rest.get(j + 1).is_some_and(u8::is_ascii_alphanumeric);
            if quote != b'\'' || !next_is_word {
                return Some(j);
            }
        }
    }
    None
}

/// Whether prose quotes an error: `error[E…]`, `SomethingError:`, "not assignable",
/// "command not found", "segfault" and the like.
fn quotes_error(prose: &str) -> bool {
    const MARKERS: [&str; 12] = [
        "error[",
        "Error:",
        "error:",
        "Error: ",
        "Exception",
        "not defined",
        "not assignable",
        "command not found",
        "segfault",
        "Segmentation fault",
        "cannot find",
        "undefined reference",
    ];
    MARKERS.iter().any(|m| prose.contains(m))
        || prose
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w.len() > 5 && w.ends_with("Error"))
}

/// Structure of code seen by a lexer: lines, nesting, definitions.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CodeShape {
    /// Non-blank lines.
    pub lines: usize,
    /// Deepest nesting of braces, brackets and parentheses, or of indentation (4 columns
    /// or a tab per level) for indentation languages, whichever is deeper.
    pub max_depth: usize,
    /// Lines that open a function or method definition.
    pub functions: usize,
    /// Lines that define a type (class, struct, enum, interface, trait, table).
    pub types: usize,
}

/// One pass over `code`; string and character literals are skipped so braces inside them
/// do not count.
pub fn code_shape(code: &str) -> CodeShape {
    let mut shape = CodeShape::default();
    let mut depth: usize = 0;
    for line in code.lines() {
        let t = line.trim_start();
        if t.is_empty() {
            continue;
        }
        shape.lines += 1;
        let indent: usize = line[..line.len() - t.len()]
            .bytes()
            .map(|b| if b == b'\t' { 4 } else { 1 })
            .sum();
        shape.max_depth = shape.max_depth.max(indent / 4);
        if is_function_line(t) {
            shape.functions += 1;
        }
        if is_type_line(t) {
            shape.types += 1;
        }
        let mut quote: Option<u8> = None;
        let mut prev = 0u8;
        for b in t.bytes() {
            match quote {
                Some(q) => {
                    if b == q && prev != b'\\' {
                        quote = None;
                    }
                }
                None => match b {
                    b'"' | b'`' => quote = Some(b),
                    b'{' | b'(' | b'[' => {
                        depth += 1;
                        shape.max_depth = shape.max_depth.max(depth);
                    }
                    b'}' | b')' | b']' => depth = depth.saturating_sub(1),
                    _ => {}
                },
            }
            prev = b;
        }
    }
    shape
}

fn is_function_line(t: &str) -> bool {
    const STARTS: [&str; 12] = [
        "def ",
        "async def ",
        "fn ",
        "pub fn ",
        "pub(crate) fn ",
        "async fn ",
        "pub async fn ",
        "func ",
        "function ",
        "async function ",
        "export function ",
        "export async function ",
    ];
    if STARTS.iter().any(|s| t.starts_with(s)) {
        return true;
    }
    // C-family and Java methods: `type name(args) {` on one line, not a control statement.
    let control = [
        "if ", "if(", "for ", "for(", "while ", "while(", "switch", "catch", "else", "return",
    ];
    t.ends_with('{')
        && t.contains('(')
        && !t.contains('=')
        && !control.iter().any(|c| t.starts_with(c))
        && !t.starts_with('}')
}

fn is_type_line(t: &str) -> bool {
    const STARTS: [&str; 14] = [
        "class ",
        "public class ",
        "struct ",
        "pub struct ",
        "typedef struct",
        "enum ",
        "pub enum ",
        "interface ",
        "export interface ",
        "trait ",
        "pub trait ",
        "type ",
        "create table",
        "CREATE TABLE",
    ];
    STARTS.iter().any(|s| t.starts_with(s))
}

/// Rough token count: words, numbers and punctuation as a BPE vocabulary such as
/// `o200k_base` splits them (a word piece per ~8 letters, a token per ~2 punctuation
/// marks in a row; within ~6 % of o200k per prompt on the dev set). Counting with the real
/// tokenizer costs ~0.5 ms for 4,000 tokens, more than the router's whole budget (see
/// BENCHMARKS.md); the classifier needs the order of magnitude, not the exact count.
pub fn estimate_tokens(text: &str) -> usize {
    let mut tokens = 0;
    let (mut word, mut punct) = (0usize, 0usize);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80 {
            word += 1;
            tokens += punct.div_ceil(2);
            punct = 0;
        } else {
            tokens += word.div_ceil(8);
            word = 0;
            if b.is_ascii_whitespace() {
                tokens += punct.div_ceil(2);
                punct = 0;
            } else {
                // BPE vocabularies merge common punctuation pairs: `()`, `);`, `->`, `::`.
                punct += 1;
            }
        }
    }
    tokens + word.div_ceil(8) + punct.div_ceil(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fenced_code_is_separated_from_the_ask() {
        let s = split("Why does this hang?\n\n```rust\nfn main() {\n    loop {}\n}\n```\nThanks");
        assert_eq!(s.ask.trim(), "why does this hang?\n\nthanks");
        assert_eq!(code_shape(&s.code).lines, 3);
        assert!(!s.is_code_prompt);
    }

    #[test]
    fn quoted_output_text_and_names_are_not_part_of_the_ask() {
        let s = split("Bash script that echoes 'byzantine fault tolerance' and a `LockFreeQueue`; don't \"race\".");
        assert!(!s.ask.contains("byzantine"), "{}", s.ask);
        assert!(!s.ask.contains("lockfree"), "{}", s.ask);
        assert!(!s.ask.contains("race"), "{}", s.ask);
        assert!(
            s.ask.contains("don't"),
            "an apostrophe is not a quote: {}",
            s.ask
        );
    }

    #[test]
    fn a_completion_prompt_is_code_whose_comments_are_the_ask() {
        let s = split(
            "def split_csv(line):\n    \"\"\"Split per RFC 4180, without the csv module.\"\"\"\n",
        );
        assert!(s.is_code_prompt);
        assert!(s.ask.contains("rfc 4180"), "{}", s.ask);
        assert_eq!(code_shape(&s.code).functions, 1);
    }

    #[test]
    fn errors_are_recognised() {
        assert!(split("Getting `NameError: name 'user' is not defined`").quotes_error);
        assert!(split("error[E0384]: cannot assign twice").quotes_error);
        assert!(!split("Write a function that adds two numbers").quotes_error);
    }

    #[test]
    fn shape_counts_nesting_and_definitions() {
        let shape =
            code_shape("fn a() {\n    if x {\n        call(\"}}}\");\n    }\n}\nstruct S;\n");
        assert_eq!(shape.functions, 1);
        assert_eq!(shape.types, 1);
        assert_eq!(
            shape.max_depth, 3,
            "fn, if, call( — braces inside the string ignored"
        );
        assert_eq!(shape.lines, 6);
    }

    #[test]
    fn token_estimate_is_near_o200k_on_prose_and_code() {
        // About one token per word and punctuation mark, as o200k_base splits them (13 for
        // the sentence).
        let prose =
            estimate_tokens("Write a Python function that returns the sum of the even numbers.");
        assert!((11..=16).contains(&prose), "{prose}");
        let code = estimate_tokens("fn max(a: i32, b: i32) -> i32 { if a > b { a } else { b } }");
        assert!((18..=28).contains(&code), "{code}");
    }
}
