//! Documentation rendered in a language's doc-comment style and inserted into the file's
//! text at each symbol's place, bottom-up so that the earlier places' offsets stay valid.

use super::symbols::{Placement, Symbol};
use switchyard_codeintel::Language;

/// One symbol and the prose lines that document it.
#[derive(Debug, Clone)]
pub struct Documented {
    /// The symbol.
    pub symbol: Symbol,
    /// Its documentation: plain lines, no comment markers (empty lines separate
    /// paragraphs).
    pub prose: Vec<String>,
}

/// `text` with every symbol's documentation inserted, in the file's own line endings.
pub fn insert_all(language: Language, text: &str, documented: &[Documented]) -> String {
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut ordered: Vec<&Documented> = documented.iter().collect();
    ordered.sort_by_key(|d| std::cmp::Reverse(d.symbol.placement.offset()));
    let mut out = text.to_owned();
    for d in ordered {
        let at = d.symbol.placement.offset();
        if !out.is_char_boundary(at) {
            continue;
        }
        let comment = render(language, &d.symbol, &d.prose, newline);
        // A body that moves off its header's line leaves no blanks behind the colon.
        let from = match d.symbol.placement {
            Placement::BodyInline { .. } => out[..at].trim_end_matches([' ', '\t']).len(),
            _ => at,
        };
        out.replace_range(from..at, &comment);
    }
    out
}

/// The documentation of `symbol` as inserted at its place: whole lines ending in
/// `newline` (for a body on its header's line, the break that moves the body too).
pub fn render(language: Language, symbol: &Symbol, prose: &[String], newline: &str) -> String {
    let lines = match language {
        Language::Rust => line_comment("///", prose),
        Language::Go => line_comment("//", &go_prose(&symbol.name, prose)),
        Language::Python => docstring(prose),
        _ => block_comment(prose),
    };
    match &symbol.placement {
        Placement::Above { indent, .. } | Placement::BodyLine { indent, .. } => {
            lines.iter().map(|l| indented(indent, l, newline)).collect()
        }
        Placement::BodyInline { indent, .. } => {
            let body: String = lines.iter().map(|l| indented(indent, l, newline)).collect();
            format!("{newline}{body}{indent}")
        }
    }
}

fn indented(indent: &str, line: &str, newline: &str) -> String {
    if line.is_empty() {
        newline.to_owned()
    } else {
        format!("{indent}{line}{newline}")
    }
}

/// `/// line` per line (`///` alone on an empty one).
fn line_comment(marker: &str, prose: &[String]) -> Vec<String> {
    prose
        .iter()
        .map(|l| {
            if l.is_empty() {
                marker.to_owned()
            } else {
                format!("{marker} {l}")
            }
        })
        .collect()
}

/// Go's doc comments start with the symbol's name: "ParseConfig reads ...". Prose that
/// does not gets the name in front ("Parse config." -> "ParseConfig parse config.").
fn go_prose(name: &str, prose: &[String]) -> Vec<String> {
    let mut out = prose.to_vec();
    if let Some(first) = out.first_mut() {
        let starts_with_name = first
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .next()
            .is_some_and(|w| w == name);
        if !starts_with_name {
            *first = format!("{name} {}", lower_first(first));
        }
    }
    out
}

/// `Parse` -> `parse`, but an acronym or a name keeps its capitals (`HTTP`, `JSON`).
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
            format!("{}{}", a.to_lowercase(), &text[a.len_utf8()..])
        }
        _ => text.to_owned(),
    }
}

/// `/** one line */`, or `/**`, ` * line`..., ` */`.
fn block_comment(prose: &[String]) -> Vec<String> {
    // `*/` inside the prose would end the comment early.
    let safe: Vec<String> = prose.iter().map(|l| l.replace("*/", "*\\/")).collect();
    match safe.as_slice() {
        [one] => vec![format!("/** {one} */")],
        _ => {
            let mut out = vec!["/**".to_owned()];
            out.extend(safe.iter().map(|l| {
                if l.is_empty() {
                    " *".to_owned()
                } else {
                    format!(" * {l}")
                }
            }));
            out.push(" */".to_owned());
            out
        }
    }
}

/// `"""One line."""`, or the first line after the opening quotes and the closing quotes
/// on a line of their own (PEP 257).
fn docstring(prose: &[String]) -> Vec<String> {
    // A backslash would start an escape sequence, and `"""` would end the string.
    let safe: Vec<String> = prose
        .iter()
        .map(|l| l.replace('\\', "\\\\").replace("\"\"\"", "'''"))
        .collect();
    match safe.as_slice() {
        [] => Vec::new(),
        [one] => {
            // `"""Says "hi"""""` would close the string early.
            let gap = if one.ends_with('"') { " " } else { "" };
            vec![format!("\"\"\"{one}{gap}\"\"\"")]
        }
        [first, rest @ ..] => {
            let mut out = vec![format!("\"\"\"{first}")];
            out.extend(rest.iter().cloned());
            out.push("\"\"\"".to_owned());
            out
        }
    }
}

#[cfg(test)]
#[path = "insert_tests.rs"]
mod tests;
