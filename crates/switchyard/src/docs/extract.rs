//! The documentation of each symbol from the code API's `document` task: one question per
//! symbol (a few at a time), and the prose taken out of the answer, whatever fences,
//! lead-in or comment markers the model wrapped it in.

use super::insert::Documented;
use super::symbols::Symbol;
use crate::code_client::{CodeClient, CodeClientError, CodeQuestion};
use futures_util::{StreamExt as _, TryStreamExt as _};
use switchyard_codeintel::{code_blocks, CodeTask, Language};

/// Questions in flight at once: enough to hide a model's latency, few enough not to trip
/// a gateway's or provider's rate limit with one file.
pub const CONCURRENCY: usize = 4;

/// The start of every prompt (the demo gateway recognises the command by it: see
/// `crates/mock/src/demo_docs.rs`).
const PROMPT_START: &str = "Write only the documentation comment for";

/// Lines of documentation kept at most: a doc comment, not an essay.
const MAX_PROSE_LINES: usize = 20;

/// What the gateway said about each symbol, in the symbols' order: its documentation, or
/// `None` when the answer had no usable prose. [`CONCURRENCY`] questions at a time (as the
/// review command asks its parts); the first error ends the run, since the rest would fail
/// the same way (gateway down, key refused).
pub async fn document_all(
    client: &CodeClient,
    language: Language,
    symbols: &[Symbol],
) -> Result<Vec<Option<Documented>>, CodeClientError> {
    futures_util::stream::iter(symbols)
        .map(|symbol| async move {
            let prose = ask(client, language, symbol).await?;
            Ok(prose.map(|prose| Documented {
                symbol: symbol.clone(),
                prose,
            }))
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await
}

/// Asks for `symbol`'s documentation; its prose lines, `None` if the answer had none.
async fn ask(
    client: &CodeClient,
    language: Language,
    symbol: &Symbol,
) -> Result<Option<Vec<String>>, CodeClientError> {
    let prompt = prompt_for(language, symbol);
    let reply = client
        .ask(&CodeQuestion {
            task: CodeTask::Document,
            language,
            prompt: &prompt,
            context: Some(&symbol.source),
        })
        .await?;
    Ok(prose_of(&reply.text, language).filter(|prose| !repeats_the_code(prose, &symbol.source)))
}

/// Whether `prose` holds the symbol's first line of code: the model answered with code
/// (without a comment to take), which is no documentation.
fn repeats_the_code(prose: &[String], source: &str) -> bool {
    let Some(signature) = source.lines().map(str::trim).find(|l| !l.is_empty()) else {
        return false;
    };
    prose.iter().any(|line| line.trim() == signature)
}

/// The instructions for one symbol. The comment comes back in a fenced block, which the
/// gateway's check of a `document` answer (it wants code) accepts without a repair round.
pub fn prompt_for(language: Language, symbol: &Symbol) -> String {
    let style = match language {
        Language::Rust => "`///` lines",
        Language::Python => "a docstring",
        Language::Go => "`//` lines that start with the name",
        _ => "a `/** ... */` block",
    };
    format!(
        "{PROMPT_START} the {} `{}` below, in {}'s style ({style}): what it does, and \
         anything a caller must know, in one to three short sentences. Answer with the \
         comment alone in one fenced code block: no code, neither its signature nor its body.",
        symbol.kind,
        symbol.name,
        language.display_name()
    )
}

/// The documentation in an answer as plain lines: the first fenced block if there is one
/// (else the whole answer), of it the comment if it has one (else all of it), without
/// comment markers, trimmed, without leading and trailing empty lines. `None` when nothing
/// is left.
pub fn prose_of(answer: &str, language: Language) -> Option<Vec<String>> {
    let blocks = code_blocks(answer);
    let body = blocks.first().map_or(answer, |b| b.code.as_str());
    let lines: Vec<&str> = body.lines().collect();
    let mut prose = comment_text(&lines, language).unwrap_or_else(|| {
        lines
            .iter()
            .map(|l| l.trim().to_owned())
            .collect::<Vec<_>>()
    });
    // Paragraph breaks stay single; the ends lose their empty lines.
    prose.dedup_by(|b, a| a.is_empty() && b.is_empty());
    while prose.first().is_some_and(String::is_empty) {
        prose.remove(0);
    }
    while prose.last().is_some_and(String::is_empty) {
        prose.pop();
    }
    prose.truncate(MAX_PROSE_LINES);
    (!prose.is_empty()).then_some(prose)
}

/// The text of the first comment in `lines` (a docstring, a `/* */` block or a run of
/// line comments), without its markers; `None` when the lines hold no comment.
fn comment_text(lines: &[&str], language: Language) -> Option<Vec<String>> {
    let trimmed: Vec<&str> = lines.iter().map(|l| l.trim()).collect();
    let start = trimmed.iter().position(|l| {
        l.starts_with("//")
            || l.starts_with("/*")
            || (language == Language::Python
                && (l.starts_with("\"\"\"") || l.starts_with("'''") || l.starts_with('#')))
    })?;
    let first = trimmed.get(start)?;
    if first.starts_with("/*") {
        return Some(delimited(&trimmed[start..], "/*", "*/", true));
    }
    for quotes in ["\"\"\"", "'''"] {
        if first.starts_with(quotes) {
            return Some(delimited(&trimmed[start..], quotes, quotes, false));
        }
    }
    let marker: &[char] = &['/', '!', '#'];
    let out = trimmed[start..]
        .iter()
        .take_while(|l| l.starts_with("//") || l.starts_with('#'))
        .map(|l| {
            let text = l.trim_start_matches(marker);
            text.strip_prefix(' ').unwrap_or(text).trim_end().to_owned()
        })
        .collect();
    Some(out)
}

/// The lines between `open` and `close` (the first line's text after `open`, the last's
/// before `close`); `stars` strips the ` * ` that starts each line of a `/** */` block.
fn delimited(lines: &[&str], open: &str, close: &str, stars: bool) -> Vec<String> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let mut text = *line;
        if i == 0 {
            text = text.strip_prefix(open).unwrap_or(text);
            // `/**` opens a doc block; the second `*` is part of the marker.
            if stars {
                text = text.trim_start_matches('*');
            }
        }
        let (text, closed) = match text.find(close) {
            Some(end) => (&text[..end], true),
            None => (text, false),
        };
        let mut text = text.trim();
        if stars && i > 0 {
            text = text.strip_prefix('*').map_or(text, str::trim_start);
        }
        out.push(text.to_owned());
        if closed {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prose(answer: &str, language: Language) -> Vec<String> {
        prose_of(answer, language).unwrap_or_default()
    }

    #[test]
    fn fences_lead_ins_and_markers_are_stripped() {
        let answer = "Here is the documentation comment for `parse_config`:\n\n```rust\n/// Parses the config.\n///\n/// Fails on bad TOML.\n```\n\n(demo note)";
        assert_eq!(
            prose(answer, Language::Rust),
            ["Parses the config.", "", "Fails on bad TOML."]
        );
        let answer = "```typescript\n/**\n * Fetches a user.\n * @param id the user's id\n */\n```";
        assert_eq!(
            prose(answer, Language::TypeScript),
            ["Fetches a user.", "@param id the user's id"]
        );
        assert_eq!(
            prose("```java\n/** Greets. */\n```", Language::Java),
            ["Greets."]
        );
        assert_eq!(
            prose(
                "```go\n// ParseConfig reads it.\n// Twice.\n```",
                Language::Go
            ),
            ["ParseConfig reads it.", "Twice."]
        );
    }

    #[test]
    fn python_docstrings_lose_their_quotes() {
        assert_eq!(
            prose("```python\n\"\"\"Load a file.\"\"\"\n```", Language::Python),
            ["Load a file."]
        );
        let multi = "```python\n\"\"\"Load a file.\n\n    Raises OSError.\n    \"\"\"\n```";
        assert_eq!(
            prose(multi, Language::Python),
            ["Load a file.", "", "Raises OSError."]
        );
        assert_eq!(
            prose("# Loads a file.\n# Twice.", Language::Python),
            ["Loads a file.", "Twice."]
        );
    }

    #[test]
    fn plain_prose_is_kept_and_an_empty_answer_is_none() {
        assert_eq!(
            prose(
                "  Parses the config.  \n\n\n  Fails on bad TOML.\n",
                Language::Rust
            ),
            ["Parses the config.", "", "Fails on bad TOML."]
        );
        assert_eq!(prose_of("```rust\n\n```", Language::Rust), None);
        assert_eq!(prose_of("   \n", Language::Go), None);
    }

    #[test]
    fn an_answer_of_bare_code_is_no_documentation() {
        let source = "pub fn parse_config() -> u32 {\n    1\n}";
        let code = prose(
            "```rust\npub fn parse_config() -> u32 {\n    1\n}\n```",
            Language::Rust,
        );
        assert!(repeats_the_code(&code, source));
        // The documented code: its comment is taken, and it is no repetition.
        let documented = prose(
            "```rust\n/// Parses it.\npub fn parse_config() -> u32 {\n    1\n}\n```",
            Language::Rust,
        );
        assert_eq!(documented, ["Parses it."]);
        assert!(!repeats_the_code(&documented, source));
    }

    #[test]
    fn the_prompt_names_the_symbol_and_asks_for_no_code() {
        let symbol = Symbol {
            name: "parse_config".to_owned(),
            kind: "function",
            line: 3,
            source: "pub fn parse_config() {}".to_owned(),
            placement: super::super::symbols::Placement::Above {
                at: 0,
                indent: String::new(),
            },
        };
        let prompt = prompt_for(Language::Rust, &symbol);
        assert!(
            prompt.starts_with(
                "Write only the documentation comment for the function `parse_config`"
            ),
            "{prompt}"
        );
        assert!(prompt.contains("`///` lines"), "{prompt}");
        assert!(prompt.contains("no code"), "{prompt}");
    }
}
