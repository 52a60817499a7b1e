//! Demo answers to `switchyard docs`: its `document` requests ask for the doc comment of one
//! symbol, whose code they carry in a fenced block. The demo names the symbol in a short
//! sentence made of its name's words (`parse_config` -> "Parse config.") and wraps it the
//! way a model does (a lead-in, a fenced block, the comment markers of the language), so
//! that the command's stripping of all that is exercised end to end.

/// The words that start the `docs` command's prompt (kept in step with
/// `crates/switchyard/src/docs/extract.rs`, whose tests drive this through the gateway).
pub(crate) const DOCS_PROMPT_MARKER: &str = "Write only the documentation comment for";

/// Keywords after which a declaration names its symbol.
const DECLARATION_KEYWORDS: [&str; 10] = [
    "fn",
    "def",
    "class",
    "func",
    "function",
    "struct",
    "enum",
    "trait",
    "interface",
    "type",
];

/// The demo's answer to a `docs` request (`None` for any other request).
pub(crate) fn answer(request: &str) -> Option<String> {
    if !request.contains(DOCS_PROMPT_MARKER) {
        return None;
    }
    let (tag, code) = last_code_block(request)?;
    let name = symbol_name(code).or_else(|| backticked(request))?;
    let sentence = sentence_of(&name);
    let comment = match tag {
        "rust" => format!("/// {sentence}"),
        "python" => format!("\"\"\"{sentence}\"\"\""),
        "go" => format!("// {sentence}"),
        "javascript" | "typescript" | "java" | "csharp" | "c" | "cpp" => {
            format!("/** {sentence} */")
        }
        _ => sentence,
    };
    Some(format!(
        "Here is the documentation comment for `{name}`:\n\n```{tag}\n{comment}\n```\n\n{}",
        crate::demo::DEMO_NOTE
    ))
}

/// The tag and code of the request's last fenced block (the code the request is about).
fn last_code_block(text: &str) -> Option<(&str, &str)> {
    let close = text.rfind("\n```")?;
    let open = text[..close].rfind("```")?;
    let block = &text[open + 3..close];
    let (tag, code) = block.split_once('\n')?;
    Some((tag.trim(), code))
}

/// The symbol the code declares first: the identifier after a declaration keyword (a Go
/// method's receiver skipped), else the one before the first `(` (a Java method).
fn symbol_name(code: &str) -> Option<String> {
    let tokens = tokens(code);
    for (i, token) in tokens.iter().enumerate() {
        if !DECLARATION_KEYWORDS.contains(&token.as_str()) {
            continue;
        }
        let mut rest = tokens[i + 1..].iter();
        let mut next = rest.next()?;
        if next == "(" {
            // `func (s *Server) Start()`: the name follows the receiver's `)`.
            next = rest
                .by_ref()
                .find(|t| *t == ")")
                .and_then(|_| rest.next())?;
        }
        if is_identifier(next) {
            return Some(next.clone());
        }
    }
    let paren = tokens.iter().position(|t| t == "(")?;
    tokens[..paren].last().filter(|t| is_identifier(t)).cloned()
}

/// Identifiers and single punctuation characters, in order.
fn tokens(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in code.chars() {
        if c.is_alphanumeric() || c == '_' || c == '$' {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        if !c.is_whitespace() {
            out.push(c.to_string());
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

fn is_identifier(token: &str) -> bool {
    token
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
}

/// The first name in backticks (the prompt names the symbol too).
fn backticked(text: &str) -> Option<String> {
    text.split('`')
        .nth(1)
        .filter(|name| !name.is_empty() && !name.contains(char::is_whitespace))
        .map(str::to_owned)
}

/// `parse_config`, `parseConfig` or `ParseConfig` -> "Parse config."
fn sentence_of(name: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c == '_' || c == '$' {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        word.extend(c.to_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    let joined = words.join(" ");
    let mut chars = joined.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => "Does what its name says.".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(tag: &str, code: &str) -> String {
        format!(
            "Add documentation comments in the language's style to this code. Answer with the whole documented code.\n\
             {DOCS_PROMPT_MARKER} the function `x` below.\n\nCode:\n```{tag}\n{code}\n```"
        )
    }

    #[test]
    fn names_become_sentences() {
        assert_eq!(sentence_of("parse_config"), "Parse config.");
        assert_eq!(sentence_of("parseConfig"), "Parse config.");
        assert_eq!(sentence_of("ParseConfig"), "Parse config.");
        assert_eq!(sentence_of("load2Files"), "Load2 files.");
    }

    #[test]
    fn symbols_are_found_in_each_language() {
        let cases = [
            (
                "pub fn parse_config(path: &Path) -> Config {}",
                "parse_config",
            ),
            ("#[derive(Debug)]\npub struct RetryPolicy {}", "RetryPolicy"),
            ("@staticmethod\ndef load_file(path):\n    pass", "load_file"),
            (
                "export async function fetchUser(id: string) {}",
                "fetchUser",
            ),
            ("func (s *Server) StartServer() error {}", "StartServer"),
            ("type Options struct{}", "Options"),
            ("public String greetUser(String name) {}", "greetUser"),
        ];
        for (code, name) in cases {
            assert_eq!(symbol_name(code).as_deref(), Some(name), "{code}");
        }
    }

    #[test]
    fn a_docs_request_gets_a_fenced_comment_in_the_language_style() {
        let out = answer(&request("rust", "pub fn parse_config() {}")).unwrap();
        assert!(out.contains("```rust\n/// Parse config.\n```"), "{out}");
        let out = answer(&request("python", "def load_file(path):\n    pass")).unwrap();
        assert!(
            out.contains("```python\n\"\"\"Load file.\"\"\"\n```"),
            "{out}"
        );
        let out = answer(&request("typescript", "export class UserStore {}")).unwrap();
        assert!(out.contains("/** User store. */"), "{out}");
        let out = answer(&request("go", "func ParseConfig() {}")).unwrap();
        assert!(out.contains("```go\n// Parse config.\n```"), "{out}");
    }

    #[test]
    fn other_requests_are_not_answered() {
        assert_eq!(answer("Write a hello world in Python"), None);
        assert_eq!(
            answer("Add documentation comments to this code.\n```rust\nfn a() {}\n```"),
            None
        );
    }
}
