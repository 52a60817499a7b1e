//! Identifier-aware tokens: `parseHTTPRequest` and `parse_http_request` both become the
//! whole identifier (`parsehttprequest`, `parse_http_request`) plus its words (`parse`,
//! `http`, `request`), lower case. A query naming a function matches its exact identifier
//! (rare, so heavily weighted by BM25) and still finds code that uses the words apart.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The name under which the tokenizer is registered with the index.
pub(crate) const CODE_TOKENIZER: &str = "switchyard_code";

/// Identifiers longer than this (minified code, base64) are not indexed whole.
const MAX_TOKEN_CHARS: usize = 64;

/// The tokens of `text`: each identifier whole, then its words when it has several.
pub fn code_tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_token(text, |token, _, _| out.push(token.to_owned()));
    out
}

/// How much a word of a query's identifier counts against the identifier itself: a query
/// naming `redacted_target` is about that function, and only a little about every `Target`.
pub(crate) const QUERY_WORD_WEIGHT: f32 = 0.3;

/// The distinct terms of a query with their weights: whole identifiers 1, their words
/// [`QUERY_WORD_WEIGHT`] (unless a word also appears whole).
pub(crate) fn query_terms(query: &str) -> Vec<(String, f32)> {
    let mut terms: Vec<(String, f32)> = Vec::new();
    for_each_term(query, |token, _, _, whole| {
        let weight = if whole { 1.0 } else { QUERY_WORD_WEIGHT };
        match terms.iter_mut().find(|(t, _)| t == token) {
            Some((_, w)) => *w = w.max(weight),
            None => terms.push((token.to_owned(), weight)),
        }
    });
    terms
}

/// Calls `f(token, byte_start, byte_end)` for each token, in order.
fn for_each_token(text: &str, mut f: impl FnMut(&str, usize, usize)) {
    for_each_term(text, |token, start, end, _| f(token, start, end));
}

/// Calls `f(token, byte_start, byte_end, whole)` for each token, in order; `whole` is
/// false for the words of an identifier of several.
fn for_each_term(text: &str, mut f: impl FnMut(&str, usize, usize, bool)) {
    let mut lower = String::new();
    let mut start = None;
    let emit_run = |start: usize,
                    end: usize,
                    lower: &mut String,
                    f: &mut dyn FnMut(&str, usize, usize, bool)| {
        let run = &text[start..end];
        let words = words_of(run);
        let whole_counts = run.chars().count() <= MAX_TOKEN_CHARS;
        if whole_counts {
            lower.clear();
            lower.extend(run.chars().flat_map(char::to_lowercase));
            f(lower, start, end, true);
        }
        if words.len() > 1 || !whole_counts {
            for (a, b) in words {
                let word = &run[a..b];
                if word.chars().count() > MAX_TOKEN_CHARS {
                    continue;
                }
                lower.clear();
                lower.extend(word.chars().flat_map(char::to_lowercase));
                f(lower, start + a, start + b, !whole_counts);
            }
        }
    };
    for (i, c) in text.char_indices() {
        let part_of_identifier = c.is_alphanumeric() || c == '_';
        match (part_of_identifier, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                emit_run(s, i, &mut lower, &mut f);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        emit_run(s, text.len(), &mut lower, &mut f);
    }
}

/// Byte ranges of the words of one identifier: split at `_`, at a lower-to-upper change
/// (`parseRequest`), and before the last capital of a run of capitals followed by a lower
/// case letter (`HTTPServer` -> `HTTP`, `Server`). Digits stay with what precedes them.
fn words_of(identifier: &str) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let chars: Vec<(usize, char)> = identifier.char_indices().collect();
    let mut start: Option<usize> = None;
    for (n, &(i, c)) in chars.iter().enumerate() {
        if c == '_' {
            if let Some(s) = start.take() {
                words.push((s, i));
            }
            continue;
        }
        let Some(s) = start else {
            start = Some(i);
            continue;
        };
        let previous = chars[n - 1].1;
        let next = chars.get(n + 1).map(|&(_, c)| c);
        let boundary = c.is_uppercase()
            && (previous.is_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_uppercase() && next.is_some_and(char::is_lowercase)));
        if boundary {
            words.push((s, i));
            start = Some(i);
        }
    }
    if let Some(s) = start {
        words.push((s, identifier.len()));
    }
    words
}

/// The tokenizer the index uses for symbols, paths and chunk text.
#[derive(Debug, Clone, Default)]
pub(crate) struct CodeTokenizer {
    tokens: Vec<Token>,
}

impl Tokenizer for CodeTokenizer {
    type TokenStream<'a> = CodeTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CodeTokenStream<'a> {
        self.tokens.clear();
        let mut position = 0;
        let tokens = &mut self.tokens;
        for_each_token(text, |token, from, to| {
            tokens.push(Token {
                offset_from: from,
                offset_to: to,
                position,
                text: token.to_owned(),
                position_length: 1,
            });
            position += 1;
        });
        CodeTokenStream {
            tokens: &mut self.tokens,
            next: 0,
        }
    }
}

/// The tokens of one text, produced up front.
pub(crate) struct CodeTokenStream<'a> {
    tokens: &'a mut Vec<Token>,
    next: usize,
}

impl TokenStream for CodeTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_kept_whole_and_split_into_words() {
        assert_eq!(
            code_tokens("fn redacted_target(uri: &Uri)"),
            ["fn", "redacted_target", "redacted", "target", "uri", "uri"]
        );
        assert_eq!(
            code_tokens("parseHTTPRequest2x"),
            ["parsehttprequest2x", "parse", "http", "request2x"]
        );
        assert_eq!(
            code_tokens("AppState::new"),
            ["appstate", "app", "state", "new"]
        );
        assert_eq!(code_tokens("__init__ x"), ["__init__", "x"]);
        assert_eq!(
            code_tokens("  ÄnderungZähler "),
            ["änderungzähler", "änderung", "zähler"]
        );
    }

    #[test]
    fn query_words_weigh_less_than_whole_identifiers() {
        assert_eq!(
            query_terms("redacted_target target"),
            [
                ("redacted_target".to_owned(), 1.0),
                ("redacted".to_owned(), QUERY_WORD_WEIGHT),
                ("target".to_owned(), 1.0),
            ]
        );
    }

    #[test]
    fn very_long_runs_are_not_indexed_whole() {
        let blob = "a".repeat(200);
        assert!(code_tokens(&blob).is_empty());
        let joined = format!("{}_{}", "x".repeat(40), "y".repeat(40));
        assert_eq!(code_tokens(&joined), ["x".repeat(40), "y".repeat(40)]);
    }
}
