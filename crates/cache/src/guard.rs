//! The near-miss guard: two prompts whose embeddings are close may still want different
//! answers. The guard compares their salient tokens and refuses the hit when they disagree:
//! programming languages and libraries, numbers, quoted strings, identifiers (and the order
//! of two of them: `camelCase to snake_case`), opposite words (ascending/descending,
//! with/without, encode/decode, ..., a negation flipping the next one), the task asked of the
//! same code, and one prompt being the other plus requirements of its own.

use crate::{
    stats::RefusalReason,
    text::{self, Word},
};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Programming languages (normalised spellings); SQL dialects beside generic `sql`.
const LANGUAGES: &[&str] = &[
    "python",
    "javascript",
    "typescript",
    "go",
    "java",
    "rust",
    "cplusplus",
    "csharp",
    "ruby",
    "php",
    "kotlin",
    "swift",
    "scala",
    "shell",
    "awk",
    "powershell",
    "perl",
    "haskell",
    "elixir",
    "lua",
    "dart",
    "sql",
    "postgres",
    "mysql",
    "sqlite",
    "tsql",
    "node",
    "c",
];
/// Dialects that make generic `sql` redundant.
const SQL_DIALECTS: &[&str] = &["postgres", "mysql", "sqlite", "tsql"];

/// Libraries, frameworks and tools whose choice changes the answer.
const LIBRARIES: &[&str] = &[
    "express",
    "fastapi",
    "flask",
    "django",
    "react",
    "vue",
    "angular",
    "svelte",
    "nextjs",
    "nginx",
    "apache",
    "gunicorn",
    "uvicorn",
    "pytest",
    "unittest",
    "jest",
    "mocha",
    "vitest",
    "hypothesis",
    "googletest",
    "gtest",
    "catch2",
    "junit",
    "numpy",
    "pandas",
    "requests",
    "axios",
    "lodash",
    "spring",
    "rails",
    "tokio",
    "serde",
    "kubernetes",
    "terraform",
    "ansible",
    "redis",
    "mongodb",
    "webpack",
    "vite",
    "npm",
    "yarn",
    "pip",
    "poetry",
    "cargo",
    "maven",
    "gradle",
    "systemd",
    "cron",
    "crontab",
    "jq",
    "sed",
    "curl",
    "wget",
    "boost",
    "qt",
    "sqlalchemy",
    "prisma",
    "jquery",
    "tailwind",
    "bootstrap",
    "argparse",
    "click",
    "asyncio",
    "structuredclone",
    "pydantic",
    "celery",
    "kafka",
    "rabbitmq",
    "graphql",
    "grpc",
    "protobuf",
    "github",
    "gitlab",
    "zod",
    "yup",
    "joi",
    "clap",
    "typer",
    "cobra",
];

/// Words on an axis of opposites: (word, axis, positive side).
const POLAR: &[(&str, &str, bool)] = &[
    ("ascending", "order", true),
    ("increasing", "order", true),
    ("descending", "order", false),
    ("decreasing", "order", false),
    ("reverse", "order", false),
    ("largest", "extreme", true),
    ("max", "extreme", true),
    ("maximum", "extreme", true),
    ("top", "extreme", true),
    ("smallest", "extreme", false),
    ("min", "extreme", false),
    ("minimum", "extreme", false),
    ("bottom", "extreme", false),
    ("least", "extreme", false),
    ("larger", "compare", true),
    ("morethan", "compare", true),
    ("above", "compare", true),
    ("over", "compare", true),
    ("smaller", "compare", false),
    ("lessthan", "compare", false),
    ("less", "compare", false),
    ("under", "compare", false),
    ("below", "compare", false),
    ("casesensitive", "case", true),
    ("caseinsensitive", "case", false),
    ("uppercase", "capital", true),
    ("upper", "capital", true),
    ("capitalize", "capital", true),
    ("capital", "capital", true),
    ("lowercase", "capital", false),
    ("lower", "capital", false),
    ("with", "with", true),
    ("without", "with", false),
    ("include", "include", true),
    ("inclusive", "include", true),
    ("only", "include", true),
    ("exclude", "include", false),
    ("exclusive", "include", false),
    ("except", "include", false),
    ("encode", "code", true),
    ("decode", "code", false),
    ("encrypt", "crypt", true),
    ("decrypt", "crypt", false),
    ("serialize", "serial", true),
    ("deserialize", "serial", false),
    ("compress", "compress", true),
    ("decompress", "compress", false),
    ("zip", "compress", true),
    ("unzip", "compress", false),
    ("parse", "parse", true),
    ("format", "parse", false),
    ("stringify", "parse", false),
    ("sync", "sync", true),
    ("synchronou", "sync", true),
    ("blocking", "sync", true),
    ("async", "sync", false),
    ("asynchronou", "sync", false),
    ("await", "sync", false),
    ("leading", "edge", true),
    ("lead", "edge", true),
    ("trailing", "edge", false),
    ("trail", "edge", false),
    ("prefix", "fix", true),
    ("suffix", "fix", false),
    ("first", "first", true),
    ("last", "first", false),
    ("before", "time", true),
    ("after", "time", false),
    ("left", "side", true),
    ("right", "side", false),
    ("deep", "depth", true),
    ("shallow", "depth", false),
    ("aware", "tz", true),
    ("naive", "tz", false),
    ("inplace", "mutate", true),
    ("mutate", "mutate", true),
    ("mutat", "mutate", true),
    ("mutating", "mutate", true),
    ("modify", "mutate", true),
    ("recursion", "recursion", true),
    ("recursive", "recursion", true),
    ("recursively", "recursion", true),
    ("iterative", "recursion", false),
    ("iteratively", "recursion", false),
    ("even", "parity", true),
    ("odd", "parity", false),
    ("positive", "sign", true),
    ("negative", "sign", false),
    ("oldest", "age", true),
    ("earliest", "age", true),
    ("newest", "age", false),
    ("latest", "age", false),
    ("import", "port", true),
    ("export", "port", false),
    ("upload", "load", true),
    ("download", "load", false),
    ("lock", "lock", true),
    ("unlock", "lock", false),
    ("show", "show", true),
    ("hide", "show", false),
    ("enable", "enable", true),
    ("disable", "enable", false),
    ("atleast", "exist", true),
    ("never", "exist", false),
    ("mutable", "mutable", true),
    ("immutable", "mutable", false),
    ("stable", "stable", true),
    ("key", "kv", true),
    ("value", "kv", false),
    ("required", "required", true),
    ("mandatory", "required", true),
    ("optional", "required", false),
    (">", "compare", true),
    (">=", "compare", true),
    ("<", "compare", false),
    ("<=", "compare", false),
    ("keep", "keep", true),
    ("keeping", "keep", true),
    ("dropping", "keep", false),
    ("skipping", "keep", false),
    ("push", "pushpull", true),
    ("pull", "pushpull", false),
    ("preserve", "keep", true),
    ("retain", "keep", true),
    ("drop", "keep", false),
    ("discard", "keep", false),
    ("omit", "keep", false),
    ("skip", "keep", false),
    ("read", "io", true),
    ("load", "io", true),
    ("save", "io", false),
    ("dump", "io", false),
    ("unstable", "stable", false),
];

/// Operations a request asks to perform on its data: two prompts naming only different ones
/// ask for different code (sorts vs filters the same records).
const ACTIONS: &[&str] = &[
    "sort",
    "filter",
    "group",
    "parse",
    "validate",
    "merge",
    "count",
    "duplicate",
    "serialize",
    "reverse",
    "flatten",
    "batch",
    "compress",
    "normalize",
    "index",
    "extract",
    "delete",
    "insert",
    "update",
    "search",
    "replace",
    "split",
    "join",
    "hash",
    "sum",
    "average",
    "rename",
    "download",
    "upload",
    "encrypt",
    "decrypt",
    "encode",
    "decode",
    "shuffle",
    "paginate",
    "retry",
    "debounce",
    "throttle",
    "clone",
    "transpose",
    "rotate",
    "capitalize",
    "truncate",
    "pad",
    "trim",
    "zip",
    "tokenize",
    "schedule",
    "resize",
    "cache",
];

/// Units of time: a different unit is a different answer (per week vs per month).
const TIME_UNITS: &[(&str, &str)] = &[
    ("minute", "minute"),
    ("hour", "hour"),
    ("hourly", "hour"),
    ("day", "day"),
    ("daily", "day"),
    ("week", "week"),
    ("weekly", "week"),
    ("month", "month"),
    ("monthly", "month"),
    ("year", "year"),
    ("yearly", "year"),
    ("annual", "year"),
];

/// Words after which the next content word is what the answer is grouped by.
const GROUPERS: &[&str] = &["each", "every", "per", "by"];

/// Content words one prompt must add to an otherwise contained other to count as asking
/// for more (tuned on cache-dev.jsonl).
const MIN_EXTRA_CONTENT: usize = 2;

/// Words that flip the next polar word.
const NEGATORS: &[&str] = &[
    "not", "no", "never", "without", "non", "avoid", "don't", "dont",
];

/// Tasks asked of a piece of code, by keyword.
const TASKS: &[(&str, u8)] = &[
    ("explain", 1),
    ("describe", 1),
    ("walk", 1),
    ("mean", 1),
    ("test", 2),
    ("pytest", 2),
    ("unittest", 2),
    ("jest", 2),
    ("googletest", 2),
    ("fix", 4),
    ("bug", 4),
    ("wrong", 4),
    ("broken", 4),
    ("debug", 4),
    ("refactor", 4),
    ("rewrite", 4),
    ("modernize", 4),
    ("restructure", 4),
    ("reorder", 4),
    ("simplify", 4),
    ("slow", 4),
    ("faster", 4),
    ("optimize", 4),
    ("speed", 4),
    ("turn", 4),
    ("replace", 4),
    ("hint", 8),
    ("hints", 8),
    ("annotate", 8),
    ("annotation", 8),
    ("annotations", 8),
    ("typing", 8),
    ("javadoc", 16),
    ("jsdoc", 16),
    ("docstrings", 16),
    ("change", 4),
    ("convert", 4),
    ("docstring", 16),
    ("document", 16),
    ("comment", 16),
    ("review", 32),
    ("crontab", 64),
    ("cron", 64),
];

/// What the guard compares of one prompt.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PromptFeatures {
    /// Every normalised word and every part of every word.
    vocabulary: HashSet<String>,
    /// Numbers outside quotes.
    numbers: BTreeSet<String>,
    /// Quoted strings, as their parts.
    quoted: Vec<Vec<String>>,
    /// Identifiers (snake_case, camelCase, calls, paths, files, flags, ALLCAPS), as
    /// (normalised whole, parts), in order.
    identifiers: Vec<(String, Vec<String>)>,
    languages: BTreeSet<&'static str>,
    libraries: BTreeSet<&'static str>,
    /// Axis -> sides mentioned (bit 1: positive, bit 2: negative).
    polarity: BTreeMap<&'static str, u8>,
    tasks: u8,
    /// Content words, for the containment rule.
    content: BTreeSet<String>,
    /// Whether the request carries code (tasks then matter even when one side names none).
    has_code: bool,
    /// Units of time named.
    time_units: BTreeSet<&'static str>,
    /// What the answer is grouped by ("per department", "each word").
    groups: BTreeSet<String>,
    /// Content words only ever named negated ("no derive macros"), and only un-negated.
    negated: BTreeSet<String>,
    affirmed: BTreeSet<String>,
    /// Whether the prompt contrasts ("instead of", "rather than").
    contrasts: bool,
    /// Whether the prompt adds a requirement ("and also ...", "additionally").
    adds: bool,
    /// Operations named ([`ACTIONS`]).
    actions: BTreeSet<&'static str>,
    /// Axes the prompt names both sides of (their words then join the order check).
    ordered_polar: Vec<String>,
}

/// Acronyms in capitals that are ordinary words, not salient names.
const PLAIN_ACRONYMS: &[&str] = &[
    "SQL", "JSON", "API", "URL", "HTTP", "HTTPS", "CSV", "ISO", "UTC", "CLI", "JS", "TS", "OK",
    "CI", "RAII", "LRU", "IDE", "DB", "ID", "HTML", "CSS", "XML", "YAML", "UI", "OS", "IO", "PLS",
    "GH", "AWS", "GCP", "REST", "CRUD", "UUID", "PR", "TCP", "UDP", "SSH", "TLS", "AI",
];

fn is_identifier(w: &Word, sentence_start: bool) -> bool {
    let o = &w.original;
    let known = |s: &str| LANGUAGES.contains(&s) || LIBRARIES.contains(&s);
    if known(&w.norm) || known(&w.raw) {
        return false;
    }
    // A capitalised word inside a sentence names something (a type, field or product),
    // unless it is a language or library, which have rules of their own.
    let named = !sentence_start
        && o.len() > 1
        && o.chars().next().is_some_and(char::is_uppercase)
        && o.chars().skip(1).all(|c| c.is_ascii_lowercase());
    let camel = o
        .as_bytes()
        .windows(2)
        .any(|p| p[0].is_ascii_lowercase() && p[1].is_ascii_uppercase());
    let caps = o.len() >= 2
        && o.bytes().all(|b| b.is_ascii_uppercase())
        && !PLAIN_ACRONYMS.contains(&o.as_str());
    let shaped = o.contains('_')
        || o.contains('(')
        || o.contains("::")
        || o.starts_with("--")
        || (o.contains('/') && o.len() > 1)
        || (o.starts_with('.') && o.len() > 1)
        || o.starts_with("*.")
        || o.trim_matches('.').contains('.') && o.chars().any(char::is_alphabetic);
    let _ = (named, sentence_start);
    camel || caps || shaped || w.call
}

/// The parts an identifier is checked by: a file name's extension is dropped (`sales.csv`
/// is `sales`), unless the identifier is only an extension (`.py`).
fn identifier_parts(w: &Word) -> Vec<String> {
    let o = w.original.trim_start_matches('*');
    // A call is named by its function, a path by its last segment (`fmt::Display`).
    let o = o.split('(').next().unwrap_or(o);
    let o = o.rsplit("::").next().unwrap_or(o);
    let stem = match o.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty()
                && (1..=4).contains(&ext.len())
                && ext.chars().all(|c| c.is_ascii_alphabetic()) =>
        {
            stem
        }
        _ => o,
    };
    text::parts(stem)
}

fn is_number(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && s.bytes().next().is_some_and(|b| b.is_ascii_digit())
}

impl PromptFeatures {
    /// The features of an instruction; `has_code` says whether its request carries code.
    pub fn of(instruction: &str, has_code: bool) -> Self {
        let words = text::words(instruction);
        let mut f = Self {
            has_code,
            ..Self::default()
        };
        let mut flip_budget = 0u8;
        let mut group_next = false;
        let mut sentence_start = true;
        let mut polar_words: Vec<(&'static str, String)> = Vec::new();
        for w in &words {
            let polar_word = w.raw.strip_suffix("ing").unwrap_or(&w.raw).to_owned();
            f.vocabulary.insert(w.norm.clone());
            let parts = text::parts(&w.original);
            for p in &parts {
                f.vocabulary.insert(p.clone());
                if is_number(p) && !w.quoted {
                    f.numbers.insert(p.trim_end_matches(".0").to_owned());
                }
            }
            if is_number(&w.norm) && !w.quoted {
                f.numbers.insert(w.norm.clone());
            }
            if w.quoted {
                match f.quoted.last_mut() {
                    // Consecutive quoted words are one string.
                    Some(last) if last.is_empty() => last.extend(parts.clone()),
                    _ => f.quoted.push(parts.clone()),
                }
            } else if let Some(last) = f.quoted.last_mut() {
                if !last.is_empty() {
                    f.quoted.push(Vec::new());
                }
            }
            if is_identifier(w, sentence_start) && !w.quoted {
                let mut parts = identifier_parts(w);
                parts.retain(|p| !text::is_stopword(p));
                if !parts.is_empty() {
                    f.identifiers.push((w.norm.clone(), parts));
                }
            }
            if let Some((_, unit)) = TIME_UNITS.iter().find(|(k, _)| *k == w.norm) {
                f.time_units.insert(unit);
            }
            if w.norm == "insteadof" {
                f.contrasts = true;
            }
            let bare = w.raw.strip_suffix("es").filter(|b| b.len() > 3);
            if let Some(a) = ACTIONS
                .iter()
                .find(|a| **a == w.norm || Some(**a) == bare || **a == polar_word)
            {
                f.actions.insert(a);
            }
            if w.norm == "also" || w.norm == "additionally" {
                f.adds = true;
            }
            if group_next && !text::is_stopword(&w.norm) {
                f.groups.insert(w.norm.clone());
                group_next = false;
            }
            if GROUPERS.contains(&w.norm.as_str()) {
                group_next = true;
            }
            for candidate in [w.norm.as_str(), w.raw.as_str()]
                .into_iter()
                .chain(parts.iter().map(String::as_str))
            {
                if let Some(l) = LANGUAGES.iter().find(|l| **l == candidate) {
                    f.languages.insert(l);
                }
                if let Some(l) = LIBRARIES.iter().find(|l| **l == candidate) {
                    f.libraries.insert(l);
                }
            }
            if let Some((_, bit)) = TASKS.iter().find(|(k, _)| *k == w.norm || *k == w.raw) {
                f.tasks |= bit;
            }
            let polar = POLAR
                .iter()
                .find(|(k, _, _)| *k == w.norm || *k == w.raw || *k == polar_word);
            if let Some((_, axis, positive)) = polar {
                let positive = *positive != (flip_budget > 0);
                *f.polarity.entry(axis).or_default() |= if positive { 1 } else { 2 };
                polar_words.push((axis, w.norm.clone()));
            }
            let content = !text::is_stopword(&w.norm) && !w.norm.is_empty();
            if content && !NEGATORS.contains(&w.norm.as_str()) {
                if flip_budget > 0 {
                    f.negated.insert(w.norm.clone());
                } else {
                    f.affirmed.insert(w.norm.clone());
                }
            }
            if polar.is_some() {
                flip_budget = 0;
            }
            if NEGATORS.contains(&w.norm.as_str()) || w.norm.ends_with("n't") {
                flip_budget = 3;
            } else {
                flip_budget = flip_budget.saturating_sub(1);
            }
            if content {
                f.content.insert(w.norm.clone());
            }
            sentence_start = w.ends_sentence;
        }
        f.quoted.retain(|q| !q.is_empty());
        f.ordered_polar = polar_words
            .into_iter()
            .filter(|(axis, _)| f.polarity.get(axis) == Some(&3))
            .map(|(_, w)| w)
            .collect();
        if f.languages.iter().any(|l| SQL_DIALECTS.contains(l)) {
            f.languages.remove("sql");
        }
        f
    }

    fn has(&self, parts: &[String]) -> bool {
        parts.iter().all(|p| self.vocabulary.contains(p))
    }
}

/// Checks two prompts for disagreement in what decides the answer.
pub fn check(a: &PromptFeatures, b: &PromptFeatures) -> Result<(), RefusalReason> {
    if !a.languages.is_empty() && !b.languages.is_empty() && a.languages != b.languages {
        return Err(RefusalReason::Language);
    }
    if a.libraries != b.libraries {
        return Err(RefusalReason::Language);
    }
    if a.numbers != b.numbers {
        return Err(RefusalReason::Number);
    }
    for (x, y) in [(a, b), (b, a)] {
        if x.quoted.iter().any(|q| !y.has(q)) {
            return Err(RefusalReason::Quoted);
        }
        if x.identifiers.iter().any(|(_, parts)| !y.has(parts)) {
            return Err(RefusalReason::Identifier);
        }
    }
    for (axis, sides) in &a.polarity {
        if b.polarity.get(axis).is_some_and(|other| other != sides) {
            return Err(RefusalReason::Polarity);
        }
    }
    if order_differs(a, b) {
        return Err(RefusalReason::Polarity);
    }
    for (x, y) in [(a, b), (b, a)] {
        let negated_only = x.negated.difference(&x.affirmed);
        if negated_only
            .into_iter()
            .any(|w| y.affirmed.contains(w) && !y.negated.contains(w))
        {
            return Err(RefusalReason::Polarity);
        }
        // "X instead of Y" contrasts an axis the other prompt does not mention at all.
        if x.contrasts
            && !y.contrasts
            && x.polarity.keys().any(|axis| !y.polarity.contains_key(axis))
        {
            return Err(RefusalReason::Polarity);
        }
    }
    if !a.time_units.is_empty() && !b.time_units.is_empty() && a.time_units != b.time_units {
        return Err(RefusalReason::Number);
    }
    if !a.actions.is_empty() && !b.actions.is_empty() && a.actions.is_disjoint(&b.actions) {
        return Err(RefusalReason::Task);
    }
    if a.adds != b.adds {
        return Err(RefusalReason::Constraint);
    }
    for (x, y) in [(a, b), (b, a)] {
        // "per department" where the other prompt never mentions departments.
        if x.groups
            .iter()
            .any(|g| !y.groups.contains(g) && !y.vocabulary.contains(g))
        {
            return Err(RefusalReason::Constraint);
        }
    }
    if a.tasks != b.tasks && ((a.tasks != 0 && b.tasks != 0) || a.has_code) {
        return Err(RefusalReason::Task);
    }
    for (x, y) in [(a, b), (b, a)] {
        if x.content.len() >= 3 {
            let shared = x.content.intersection(&y.content).count();
            let extra = y.content.difference(&x.content).count();
            if shared * 5 >= x.content.len() * 4 && extra >= MIN_EXTRA_CONTENT {
                return Err(RefusalReason::Constraint);
            }
        }
    }
    Ok(())
}

/// Whether two identifiers both prompts name appear in opposite orders
/// (`camelCase to snake_case` vs `snake_case to camelCase`).
fn order_differs(a: &PromptFeatures, b: &PromptFeatures) -> bool {
    let names = |f: &PromptFeatures| -> Vec<String> {
        let mut seen = Vec::new();
        for name in f.identifiers.iter().map(|(n, _)| n).chain(&f.ordered_polar) {
            if !seen.contains(name) {
                seen.push(name.clone());
            }
        }
        seen
    };
    let (na, nb) = (names(a), names(b));
    let shared_a: Vec<&String> = na.iter().filter(|n| nb.contains(n)).collect();
    let shared_b: Vec<&String> = nb.iter().filter(|n| na.contains(n)).collect();
    shared_a.len() >= 2 && shared_a != shared_b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(a: &str, b: &str) -> Result<(), RefusalReason> {
        check(&PromptFeatures::of(a, false), &PromptFeatures::of(b, false))
    }

    #[test]
    fn disagreements_are_refused_with_their_reason() {
        use RefusalReason::*;
        let base = "sort an array of objects by the 'age' property ascending in JS";
        assert_eq!(
            verdict(
                base,
                "sort an array of objects by the 'age' property descending in JS"
            ),
            Err(Polarity)
        );
        assert_eq!(
            verdict(
                base,
                "sort an array of objects by the 'age' property ascending in Go"
            ),
            Err(Language)
        );
        assert_eq!(
            verdict(
                base,
                "sort an array of objects by the 'name' property ascending in JS"
            ),
            Err(Quoted)
        );
        assert_eq!(
            verdict("top 5 customers by revenue", "top 10 customers by revenue"),
            Err(Number)
        );
        assert_eq!(
            verdict(
                "top five customers by revenue",
                "top 5 customers by revenue"
            ),
            Ok(())
        );
        assert_eq!(
            verdict(
                "convert camelCase to snake_case",
                "convert snake_case to camelCase"
            ),
            Err(Polarity)
        );
        assert_eq!(
            verdict("count lines in .py files", "count lines in .go files"),
            Err(Language)
        );
        assert_eq!(
            verdict(
                "sort the list in place",
                "sort the list without mutating it"
            ),
            Err(Polarity)
        );
        assert_eq!(
            verdict(
                "flatten a nested list in python",
                "flatten a nested list in python without recursion"
            ),
            Err(Constraint)
        );
        assert_eq!(
            verdict(
                "JS: sort an array of objects by their 'age' property, ascending",
                base
            ),
            Ok(())
        );
    }
}
