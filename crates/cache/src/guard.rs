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
    ("clone", "mutate", false),
    ("unchanged", "mutate", false),
    ("immutably", "mutate", false),
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
/// Words between a grouper and what it groups by ("by *the* department").
const DETERMINERS: &[&str] = &["a", "an", "the", "its", "their", "his", "her", "my", "your"];

/// Content words one prompt must add to an otherwise contained other to count as asking
/// for more (tuned on cache-dev.jsonl).
const MIN_EXTRA_CONTENT: usize = 2;

/// Words that join a clause on; in [`PromptFeatures::sequence`] as [`CONJUNCTION_MARK`].
const CONJUNCTIONS: &[&str] = &["and", "plus", "but", "while"];
const CONJUNCTION_MARK: &str = "&";

/// Axes of [`POLAR`] whose mere mention restricts the answer.
const RESTRICTING_AXES: &[&str] = &["include"];

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
    /// (normalised whole, parts, initials of a name of two parts or more:
    /// `NullPointerException`, `npe`), in order.
    identifiers: Vec<(String, Vec<String>, String)>,
    languages: BTreeSet<&'static str>,
    libraries: BTreeSet<&'static str>,
    /// Axis -> sides mentioned (bit 1: positive, bit 2: negative).
    polarity: BTreeMap<&'static str, u8>,
    tasks: u8,
    /// Content words, for the containment rule.
    content: BTreeSet<String>,
    /// The same, in order and repeated, for the added-clause rule.
    sequence: Vec<String>,
    /// Every word, in order (for the swapped-word rule).
    words: Vec<String>,
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
    // Letters and digits mixed name a thing or a version (`Vector3`, `f64`, `base64`), unless
    // they are a number with its unit (`5s`, `100MB`).
    let mixed = o.chars().any(|c| c.is_ascii_digit())
        && o.chars().any(|c| c.is_ascii_alphabetic())
        && !is_number(&w.norm)
        && text::parts(o).iter().all(|p| number_of(p).is_none());
    named || camel || caps || shaped || mixed || w.call
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

/// Unit suffixes written onto a number (`5s`, `100MB`, `404s`): the number is the digits.
const UNIT_SUFFIXES: &[&str] = &[
    "s", "ms", "us", "ns", "m", "min", "h", "hr", "d", "k", "kb", "mb", "gb", "tb", "px", "em", "x",
];

/// The number a word part stands for, if it is one (digits, or digits and a unit suffix).
fn number_of(p: &str) -> Option<String> {
    if is_number(p) {
        return Some(p.trim_end_matches(".0").to_owned());
    }
    let digits = p.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &p[digits.len()..];
    (is_number(digits) && UNIT_SUFFIXES.contains(&unit))
        .then(|| digits.trim_end_matches(".0").to_owned())
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
        let mut prev_number = false;
        let mut group_next = false;
        let mut sentence_start = true;
        let mut polar_words: Vec<(&'static str, String)> = Vec::new();
        for w in &words {
            let polar_word = w.raw.strip_suffix("ing").unwrap_or(&w.raw).to_owned();
            f.vocabulary.insert(w.norm.clone());
            f.words.push(w.norm.clone());
            let parts = text::parts(&w.original);
            // "5 second timeout": a unit after a number, not the ordinal "second".
            let unit_after_number = prev_number && (w.raw == "second" || w.raw == "seconds");
            let mut number = false;
            for p in &parts {
                f.vocabulary.insert(p.clone());
                if let Some(n) = number_of(p).filter(|_| !w.quoted && !unit_after_number) {
                    f.numbers.insert(n);
                    number = true;
                }
            }
            if is_number(&w.norm) && !w.quoted && !unit_after_number {
                f.numbers.insert(w.norm.clone());
                number = true;
            }
            prev_number = number;
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
                let all = text::parts(&w.original);
                let initials = match all.len() {
                    0 | 1 => String::new(),
                    _ => all.iter().filter_map(|p| p.chars().next()).collect(),
                };
                let mut parts = identifier_parts(w);
                parts.retain(|p| !text::is_stopword(p));
                if !parts.is_empty() {
                    f.identifiers.push((w.norm.clone(), parts, initials));
                }
            }
            if let Some((_, unit)) = TIME_UNITS.iter().find(|(k, _)| *k == w.norm) {
                f.time_units.insert(unit);
            }
            if w.norm == "insteadof" {
                f.contrasts = true;
            }
            let bare = w.raw.strip_suffix("es").filter(|b| b.len() > 3);
            if let Some(a) = ACTIONS.iter().find(|a| {
                **a == w.norm || Some(**a) == bare || **a == polar_word || same_word(a, &w.norm)
            }) {
                f.actions.insert(a);
            }
            if w.norm == "also" || w.norm == "additionally" {
                f.adds = true;
            }
            if group_next && !DETERMINERS.contains(&w.norm.as_str()) {
                // "by *age*", but not "by the following ...".
                if !text::is_stopword(&w.norm) {
                    f.groups.insert(w.norm.clone());
                }
                group_next = false;
            }
            if GROUPERS.contains(&w.norm.as_str()) {
                group_next = true;
            }
            // A known name is taken whole (`JavaScript` is not `java` + `script`); other
            // words by their parts too (`Express.js`, `pytest.ini`).
            let whole = [w.norm.as_str(), w.raw.as_str()];
            let known = whole
                .iter()
                .any(|c| LANGUAGES.contains(c) || LIBRARIES.contains(c));
            // Parts as written too: `redis:7` is `redis`, whose normal form is `redi`.
            let split = parts
                .iter()
                .map(String::as_str)
                .chain(w.raw.split(|c: char| !c.is_alphanumeric()))
                .filter(|_| !known);
            for candidate in whole.into_iter().chain(split) {
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
            // A negation reaches the next content word ("without *changing* the order"),
            // across at most two stopwords.
            if NEGATORS.contains(&w.norm.as_str()) || w.norm.ends_with("n't") {
                flip_budget = 3;
            } else if content {
                flip_budget = 0;
            } else {
                flip_budget = flip_budget.saturating_sub(1);
            }
            if content {
                f.content.insert(w.norm.clone());
                f.sequence.push(w.norm.clone());
            } else if CONJUNCTIONS.contains(&w.norm.as_str()) {
                f.sequence.push(CONJUNCTION_MARK.to_owned());
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
        parts.iter().all(|p| self.knows(p))
    }

    /// Whether the prompt has `word` or another form of it ([`same_word`]).
    fn knows(&self, word: &str) -> bool {
        if self.vocabulary.contains(word) || self.vocabulary.iter().any(|v| same_word(v, word)) {
            return true;
        }
        // A compound is known by its parts (`singly-linked`, `line-by-line`).
        word.contains('-') && {
            let parts = text::parts(word);
            parts.len() > 1 && parts.iter().all(|p| text::is_stopword(p) || self.knows(p))
        }
    }

    /// Whether an identifier of the other prompt (`parts`, `initials`) is an acronym of
    /// one of this prompt's or the other way round (`NPE`, `NullPointerException`).
    fn abbreviates(&self, parts: &[String], initials: &str) -> bool {
        let single = match parts {
            [p] => Some(p.as_str()),
            _ => None,
        };
        (!initials.is_empty() && self.vocabulary.contains(initials))
            || self
                .identifiers
                .iter()
                .any(|(_, _, mine)| !mine.is_empty() && Some(mine.as_str()) == single)
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
        if x.identifiers
            .iter()
            .any(|(_, parts, initials)| !y.has(parts) && !y.abbreviates(parts, initials))
        {
            return Err(RefusalReason::Identifier);
        }
    }
    for (axis, sides) in &a.polarity {
        if b.polarity.get(axis).is_some_and(|other| other != sides) {
            return Err(RefusalReason::Polarity);
        }
    }
    // Restricting the answer ("only", "except", "excluding") where the other prompt does
    // not is a requirement of its own.
    for axis in RESTRICTING_AXES {
        if a.polarity.contains_key(axis) != b.polarity.contains_key(axis) {
            return Err(RefusalReason::Constraint);
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
            .any(|g| !y.groups.contains(g) && !y.knows(g))
        {
            return Err(RefusalReason::Constraint);
        }
    }
    if a.tasks != b.tasks && ((a.tasks != 0 && b.tasks != 0) || a.has_code) {
        return Err(RefusalReason::Task);
    }
    for (x, y) in [(a, b), (b, a)] {
        if adds_clause(x, y) {
            return Err(RefusalReason::Constraint);
        }
    }
    if swaps_words(a, b) {
        return Err(RefusalReason::Identifier);
    }
    Ok(())
}

/// Whether two words are forms of one (`iterative`, `iteratively`; `valid`, `validate`;
/// `panic`, `panicking`): one is the other plus a short ending, sharing at least five letters.
fn same_word(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short.len() >= 5 && long.len() - short.len() <= 4 && long.starts_with(short)
}

/// Whether `y` is `x` with a requirement of its own added: nearly all of `x`'s content
/// words are in `y`, and `y` has a run of at least [`MIN_EXTRA_CONTENT`] consecutive content
/// words that `x` lacks ("... into a flat list *without recursion*"), or ends on new words
/// joined by a conjunction ("... *and all subdirectories*"). A paraphrase also adds words,
/// but scattered among the shared ones ("*iteratively* reverse a *singly-linked* list").
fn adds_clause(x: &PromptFeatures, y: &PromptFeatures) -> bool {
    if x.content.len() < 3 {
        return false;
    }
    let shared = x.content.iter().filter(|w| y.knows(w)).count();
    if shared * 5 < x.content.len() * 4 {
        return false;
    }
    let mut run = 0;
    let mut joined = false;
    for w in &y.sequence {
        if w == CONJUNCTION_MARK {
            run = 0;
            joined = true;
        } else if x.knows(w) {
            run = 0;
            joined = false;
        } else {
            run += 1;
            if run >= MIN_EXTRA_CONTENT {
                return true;
            }
        }
    }
    // "... and all subdirectories": one new word, joined on at the end.
    joined && run > 0
}

/// Longest prompts, in words, the swapped-word rule compares (it is quadratic).
const MAX_SWAP_WORDS: usize = 120;

/// Whether the two prompts are one sentence with a content word swapped for another
/// ("... whether a number is *prime*" / "... is *even*"): each has a content word the other
/// lacks, and at least four fifths of the longer one's words are shared, in order. Rewordings
/// change more of the sentence than that.
fn swaps_words(a: &PromptFeatures, b: &PromptFeatures) -> bool {
    let (n, m) = (a.words.len(), b.words.len());
    if n.max(m) > MAX_SWAP_WORDS || n.min(m) < 3 {
        return false;
    }
    let lacks = |x: &PromptFeatures, y: &PromptFeatures| x.content.iter().any(|w| !y.knows(w));
    if !(lacks(a, b) && lacks(b, a)) {
        return false;
    }
    // Longest common subsequence of the two word sequences, one row at a time.
    let mut row = vec![0usize; m + 1];
    for wa in &a.words {
        let mut diagonal = 0;
        for (j, wb) in b.words.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(0);
            let left = row.get(j).copied().unwrap_or(0);
            let here = if wa == wb {
                diagonal + 1
            } else {
                above.max(left)
            };
            diagonal = above;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = here;
            }
        }
    }
    let common = row.get(m).copied().unwrap_or(0);
    common * 5 >= n.max(m) * 4
}

/// Whether two identifiers both prompts name appear in opposite orders
/// (`camelCase to snake_case` vs `snake_case to camelCase`).
fn order_differs(a: &PromptFeatures, b: &PromptFeatures) -> bool {
    let names = |f: &PromptFeatures| -> Vec<String> {
        let mut seen = Vec::new();
        for name in f
            .identifiers
            .iter()
            .map(|(n, _, _)| n)
            .chain(&f.ordered_polar)
        {
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

    #[test]
    fn rewordings_pass() {
        // A language spelled in camel case is one language, not its parts.
        assert_eq!(
            verdict(
                "throttle function in javascript",
                "JavaScript throttle function"
            ),
            Ok(())
        );
        // Numbers with their units, and "second" after a number as a unit.
        assert_eq!(
            verdict("retry after 10 seconds", "retry after a 10s delay"),
            Ok(())
        );
        assert_eq!(
            verdict("cap uploads at 50 MB", "cap uploads at 50MB"),
            Ok(())
        );
        // Other forms of a word, compounds and acronyms of named things.
        assert_eq!(
            verdict(
                "Refactor this to return an error instead of panicking:",
                "rewrite this so errors are returned instead of calling panic()"
            ),
            Ok(())
        );
        assert_eq!(
            verdict(
                "merge two sorted singly linked lists iteratively",
                "iterative merge of two sorted singly-linked lists"
            ),
            Ok(())
        );
        assert_eq!(
            verdict(
                "why does this throw an IndexOutOfBoundsException?",
                "why the IOOBE here?"
            ),
            Ok(())
        );
        // A library written with its version is that library.
        assert_eq!(
            verdict(
                "compose file with redis 7 and a named volume",
                "compose file: redis:7, named volume"
            ),
            Ok(())
        );
        // "by" groups by the word after it, not by whatever follows "by the following".
        assert_eq!(
            verdict(
                "Why is the error thrown by the following Kotlin function?",
                "why does this function throw that error"
            ),
            Ok(())
        );
        assert_eq!(
            verdict("group orders by customer", "group orders by month"),
            Err(RefusalReason::Constraint)
        );
        // A negation reaches the next content word only.
        assert_eq!(
            verdict(
                "merge two dicts keeping the original key order",
                "merge two dicts without changing the key order"
            ),
            Ok(())
        );
    }

    #[test]
    fn added_requirements_are_refused() {
        use RefusalReason::*;
        let base = "parse a CSV file into a list of dicts in python";
        assert_eq!(
            verdict(base, &format!("{base}, skipping blank lines")),
            Err(Constraint)
        );
        assert_eq!(
            verdict(
                "delete all .log files in the current directory",
                "delete all .log files in the current directory and its subdirectories"
            ),
            Err(Constraint)
        );
        assert_eq!(
            verdict(
                "print the lines of app.log",
                "print only the lines of app.log"
            ),
            Err(Constraint)
        );
        // Mixed letters and digits name something: another one is another answer.
        assert_eq!(
            verdict("hash a string with sha256", "hash a string with sha512"),
            Err(Identifier)
        );
        // The same sentence with one word swapped asks for something else.
        assert_eq!(
            verdict(
                "Write a Python function that checks whether a word is a palindrome.",
                "Write a Python function that checks whether a word is an anagram."
            ),
            Err(Identifier)
        );
        // A copy is the opposite of in place.
        assert_eq!(
            verdict(
                "shuffle a list in place",
                "shuffle a copy of a list, leaving the original unchanged"
            ),
            Err(Polarity)
        );
    }
}
