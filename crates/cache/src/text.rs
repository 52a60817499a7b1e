//! Normalised words of a prompt, shared by the built-in embedder and the near-miss guard.
//!
//! Lower-cased, hyphenated compounds that carry one meaning joined (`case-insensitive`),
//! common abbreviations expanded (`js` -> `javascript`), number words turned into digits,
//! plural and verb endings trimmed, identifiers kept whole *and* split into their parts.

/// One word of a prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The normalised form (lower case, abbreviation expanded, ending trimmed).
    pub norm: String,
    /// The word as written, trimmed of surrounding punctuation.
    pub raw: String,
    /// Whether it was inside quotes or backticks.
    pub quoted: bool,
    /// The word as written, case kept.
    pub original: String,
    /// Whether it was written as a call (`cancel()`).
    pub call: bool,
    /// Whether a sentence (or a label such as `python:`) ends with it.
    pub ends_sentence: bool,
}

/// Words that say nothing about what answer is wanted.
const STOPWORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "to",
    "of",
    "in",
    "on",
    "for",
    "and",
    "or",
    "is",
    "are",
    "be",
    "it",
    "its",
    "this",
    "that",
    "these",
    "those",
    "my",
    "me",
    "i",
    "you",
    "your",
    "we",
    "can",
    "could",
    "would",
    "should",
    "will",
    "please",
    "pls",
    "plz",
    "how",
    "do",
    "does",
    "what",
    "whats",
    "way",
    "best",
    "some",
    "any",
    "with",
    "by",
    "as",
    "at",
    "from",
    "into",
    "so",
    "up",
    "get",
    "write",
    "give",
    "show",
    "make",
    "create",
    "need",
    "want",
    "like",
    "using",
    "use",
    "via",
    "func",
    "function",
    "code",
    "snippet",
    "example",
    "implement",
    "implementation",
    "here",
    "which",
    "there",
    "then",
    "than",
    "also",
    "just",
    "u",
    "one",
    "single",
    "all",
    "every",
    "each",
    "them",
    "they",
    "their",
    "if",
    "when",
    "out",
    "about",
    "tell",
    "help",
    "let",
    "much",
    "really",
    "thanks",
    "thank",
    "program",
    "script",
    "method",
    "turn",
    "take",
    "takes",
    "something",
    "thing",
    "while",
    "whether",
    "have",
    "has",
    "got",
    "w",
    "pretty",
    "quick",
    "simple",
    "basic",
    "proper",
    "properly",
    "correct",
    "correctly",
    "one-liner",
    "oneliner",
    "returns",
    "return",
    "following",
    "below",
    "above",
    "snippet",
    "piece",
    "bit",
];

/// Abbreviations and synonyms, to one spelling.
const SYNONYMS: &[(&str, &str)] = &[
    ("js", "javascript"),
    ("ts", "typescript"),
    ("py", "python"),
    ("golang", "go"),
    ("cpp", "c++"),
    ("postgresql", "postgres"),
    ("psql", "postgres"),
    ("sh", "shell"),
    ("bash", "shell"),
    ("zsh", "shell"),
    ("gh", "github"),
    ("dedupe", "duplicate"),
    ("deduplicate", "duplicate"),
    ("duplicated", "duplicate"),
    ("dupes", "duplicate"),
    ("copy", "clone"),
    ("obj", "object"),
    ("objs", "object"),
    ("arr", "array"),
    ("str", "string"),
    ("asc", "ascending"),
    ("desc", "descending"),
    ("dir", "directory"),
    ("folder", "directory"),
    ("args", "argument"),
    ("arg", "argument"),
    ("param", "parameter"),
    ("params", "parameter"),
    ("regexp", "regex"),
    ("regular", "regex"),
    ("expression", "regex"),
    ("tz", "timezone"),
    ("db", "database"),
    ("config", "configuration"),
    ("configure", "configuration"),
    ("repo", "repository"),
    ("env", "environment"),
    ("fn", "function"),
    ("bigger", "larger"),
    ("greater", "larger"),
    ("biggest", "largest"),
    ("lowest", "smallest"),
    ("highest", "largest"),
    ("fewer", "less"),
    ("typing", "type"),
    ("annotate", "type"),
    ("annotation", "type"),
    ("hint", "type"),
    ("typ", "type"),
    ("memoize", "cache"),
    ("char", "character"),
    ("total", "sum"),
    ("memoization", "cache"),
    ("caching", "cache"),
];

/// Number words, as digits ("one" and "first" are left out: they rarely mean a count).
const NUMBER_WORDS: &[(&str, &str)] = &[
    ("zero", "0"),
    ("two", "2"),
    ("three", "3"),
    ("four", "4"),
    ("five", "5"),
    ("six", "6"),
    ("seven", "7"),
    ("eight", "8"),
    ("nine", "9"),
    ("ten", "10"),
    ("twelve", "12"),
    ("twenty", "20"),
    ("hundred", "100"),
    ("second", "2"),
    ("third", "3"),
    ("fourth", "4"),
    ("fifth", "5"),
    ("twice", "2"),
];

/// Hyphenated or two-word phrases that are one idea, joined before splitting.
const PHRASES: &[(&str, &str)] = &[
    ("case-insensitive", "caseinsensitive"),
    ("case insensitive", "caseinsensitive"),
    ("case-insensitively", "caseinsensitive"),
    ("ignore case", "caseinsensitive"),
    ("ignoring case", "caseinsensitive"),
    ("case-sensitive", "casesensitive"),
    ("case sensitive", "casesensitive"),
    ("case-sensitively", "casesensitive"),
    ("case matters", "casesensitive"),
    ("in-place", "inplace"),
    ("in place", "inplace"),
    ("at least", "atleast"),
    ("at most", "atmost"),
    ("up to", "atmost"),
    ("non-blocking", "async"),
    ("non blocking", "async"),
    ("timezone-aware", "timezone aware"),
    ("tz-aware", "timezone aware"),
    ("c++", "cplusplus"),
    ("c#", "csharp"),
    ("more than", "morethan"),
    ("less than", "lessthan"),
    ("instead of", "insteadof"),
    ("what does this", "explain this"),
    ("what does the", "explain the"),
    ("what this", "explain this"),
    ("walk me through", "explain"),
    ("rather than", "insteadof"),
];

/// Joins [`PHRASES`] in `text`, matching case-insensitively and keeping the case of the rest
/// (camelCase and ALLCAPS words are salient).
pub fn prepare(text: &str) -> String {
    let mut t = text.to_owned();
    for (from, to) in PHRASES {
        // ASCII lower-casing keeps byte offsets, so a match in `lower` is a range of `t`.
        while let Some(i) = t.to_ascii_lowercase().find(from) {
            t.replace_range(i..i + from.len(), to);
        }
    }
    t
}

/// Whether `w` says nothing about the wanted answer.
pub fn is_stopword(w: &str) -> bool {
    STOPWORDS.contains(&w)
}

/// The words of `text`, in order.
pub fn words(text: &str) -> Vec<Word> {
    let prepared = prepare(text);
    let mut out = Vec::new();
    let mut open: Option<char> = None;
    for raw in prepared.split(char::is_whitespace) {
        let body = raw
            .trim_start_matches(['(', '['])
            .trim_end_matches(|c: char| ",.;:!?)]".contains(c));
        let mut quoted = open.is_some();
        match open {
            None => {
                if let Some(q) = body.chars().next().filter(|c| "'\"`".contains(*c)) {
                    quoted = true;
                    if !(body.len() > 1 && body.ends_with(q)) {
                        open = Some(q);
                    }
                }
            }
            Some(q) => {
                if body.ends_with(q) {
                    open = None;
                }
            }
        }
        let trimmed =
            raw.trim_matches(|c: char| !(c.is_alphanumeric() || "_./-:*#+$@<>=".contains(c)));
        let trimmed = trimmed.trim_end_matches(['.', ':', '-']);
        if trimmed.is_empty() {
            continue;
        }
        let lower = trimmed.to_lowercase();
        out.push(Word {
            norm: normalise(&lower),
            raw: lower,
            quoted,
            original: trimmed.to_owned(),
            ends_sentence: raw.ends_with(['.', '?', '!', ':']),
            call: raw.contains("()")
                || (raw.contains('(') && raw.ends_with(')') && !raw.starts_with('(')),
        });
    }
    out
}

/// The normal form of one lower-cased, trimmed word.
pub fn normalise(w: &str) -> String {
    if let Some((_, to)) = SYNONYMS.iter().find(|(from, _)| *from == w) {
        return (*to).to_owned();
    }
    if let Some((_, to)) = NUMBER_WORDS.iter().find(|(from, _)| *from == w) {
        return (*to).to_owned();
    }
    // Ordinals written with digits: 2nd -> 2.
    for suffix in ["st", "nd", "rd", "th"] {
        if let Some(d) = w.strip_suffix(suffix) {
            if !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) {
                return d.to_owned();
            }
        }
    }
    if !w.bytes().all(|b| b.is_ascii_alphabetic()) {
        return w.to_owned();
    }
    let stem = stem(w);
    match SYNONYMS.iter().find(|(from, _)| *from == stem) {
        Some((_, to)) => (*to).to_owned(),
        None => stem,
    }
}

/// A light stemmer: plural and common verb endings.
fn stem(w: &str) -> String {
    let n = w.len();
    if n > 5 && w.ends_with("ies") {
        return format!("{}y", &w[..n - 3]);
    }
    if n > 4 && w.ends_with("ed") && !w.ends_with("eed") {
        return w[..n - 2].to_owned();
    }
    if n > 4 && (w.ends_with("ses") || w.ends_with("xes") || w.ends_with("ches")) {
        return w[..n - 2].to_owned();
    }
    if n > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") {
        return w[..n - 1].to_owned();
    }
    w.to_owned()
}

/// The alphanumeric parts of a word (`snake_case` -> `snake`, `case`; `/users/:id` ->
/// `users`, `id`), camelCase split, lower-cased and normalised.
pub fn parts(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in raw.chars() {
        if c.is_alphanumeric() {
            if c.is_uppercase() && prev_lower && !cur.is_empty() {
                out.push(normalise(&cur.to_lowercase()));
                cur.clear();
            }
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
            cur.push(c);
        } else {
            if !cur.is_empty() {
                out.push(normalise(&cur.to_lowercase()));
                cur.clear();
            }
            prev_lower = false;
        }
    }
    if !cur.is_empty() {
        out.push(normalise(&cur.to_lowercase()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norms(text: &str) -> Vec<String> {
        words(text).into_iter().map(|w| w.norm).collect()
    }

    #[test]
    fn words_are_normalised() {
        assert_eq!(
            norms("Sort JS objs ascending, case-insensitive: top five, 2nd"),
            [
                "sort",
                "javascript",
                "object",
                "ascending",
                "caseinsensitive",
                "top",
                "5",
                "2"
            ]
        );
        assert_eq!(parts("deep_flatten(items)"), ["deep", "flatten", "item"]);
        assert_eq!(parts("lastName"), ["last", "name"]);
    }

    #[test]
    fn quoted_words_are_marked() {
        let w = words("sum the 'amount' column of `input file` now");
        let quoted: Vec<&str> = w
            .iter()
            .filter(|w| w.quoted)
            .map(|w| w.raw.as_str())
            .collect();
        assert_eq!(quoted, ["amount", "input", "file"]);
    }
}
