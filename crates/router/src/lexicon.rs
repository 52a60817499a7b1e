//! What a request asks for, in words: the kinds of demand that make code hard (concurrency,
//! security, distributed systems, algorithms under constraints, performance, design), the
//! signs of a hard bug (intermittent symptoms), the constraints piled on an ask, and the
//! markers of a mechanical or trivial one.
//!
//! Terms are stems matched at the start of a word of the lowercased prose (quoted strings
//! and inline code already removed), so `concurren` finds "concurrent" and "concurrency".
//! The terms live in `data/lexicon.txt`. They are written from what makes code work hard in general, not from any dataset: a
//! term earns its place when a developer reading it would expect design thought.

use aho_corasick::{AhoCorasick, MatchKind};
use std::sync::OnceLock;

/// A group of terms counted together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lexicon {
    /// Threads, locks, atomics, async interleavings, cancellation.
    Concurrency,
    /// Untrusted input, authentication, memory safety.
    Security,
    /// Replication, consensus, partitions, idempotence, clocks.
    Distributed,
    /// Algorithms and data structures with constraints or optimality.
    Algorithms,
    /// Speed, memory, query plans, scale.
    Performance,
    /// APIs, schemas, module structure, compatibility, type-level design.
    Design,
    /// Correctness demands: edge cases, guarantees, exactness, "without X".
    Constraints,
    /// Bugs that show only sometimes, under load, or as corruption.
    Symptoms,
    /// A request to reason or compare ("why", "explain every", "trade-offs").
    Reasoning,
    /// Mechanical edits and textbook tasks: rename, add a comment, hello world.
    Trivial,
    /// Scope limits: "only", "nothing else", "don't change".
    ScopeLimit,
}

impl Lexicon {
    /// Every lexicon, in feature order.
    pub const ALL: [Lexicon; 11] = [
        Self::Concurrency,
        Self::Security,
        Self::Distributed,
        Self::Algorithms,
        Self::Performance,
        Self::Design,
        Self::Constraints,
        Self::Symptoms,
        Self::Reasoning,
        Self::Trivial,
        Self::ScopeLimit,
    ];

    /// The name of the lexicon's section in `data/lexicon.txt`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Concurrency => "concurrency",
            Self::Security => "security",
            Self::Distributed => "distributed",
            Self::Algorithms => "algorithms",
            Self::Performance => "performance",
            Self::Design => "design",
            Self::Constraints => "constraints",
            Self::Symptoms => "symptoms",
            Self::Reasoning => "reasoning",
            Self::Trivial => "trivial",
            Self::ScopeLimit => "scope_limit",
        }
    }
}

/// The term lists, one `[section]` per lexicon.
const TERMS: &str = include_str!("../data/lexicon.txt");

/// (lexicon index, term) for every term of `TERMS`; terms of unknown sections are dropped
/// (a unit test checks there are none).
fn terms() -> Vec<(usize, &'static str)> {
    let mut out = Vec::new();
    let mut section = None;
    for line in TERMS.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = Lexicon::ALL.iter().position(|l| l.name() == name);
            continue;
        }
        if let Some(i) = section {
            out.extend(
                line.split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(|t| (i, t)),
            );
        }
    }
    out
}

/// Matcher over every lexicon's terms, built once.
struct Matcher {
    automaton: AhoCorasick,
    /// The lexicon of each pattern, by pattern index.
    lexicon_of: Vec<usize>,
    /// The patterns, by index.
    terms: Vec<&'static str>,
}

fn matcher() -> Option<&'static Matcher> {
    static MATCHER: OnceLock<Option<Matcher>> = OnceLock::new();
    MATCHER
        .get_or_init(|| {
            let (lexicon_of, patterns): (Vec<usize>, Vec<&'static str>) =
                terms().into_iter().unzip();
            // Overlapping search so that a term inside a longer one ("race" in "racy") and
            // terms of two lexicons at one place are all seen.
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&patterns)
                .ok()
                .map(|automaton| Matcher {
                    automaton,
                    lexicon_of,
                    terms: patterns,
                })
        })
        .as_ref()
}

/// Distinct terms of each lexicon found in `ask` (lowercased prose), in
/// [`Lexicon::ALL`] order, with the first term found of each for explanations.
pub fn count(ask: &str) -> [(u32, Option<&'static str>); Lexicon::ALL.len()] {
    let mut out = [(0u32, None); Lexicon::ALL.len()];
    let Some(m) = matcher() else {
        return out;
    };
    let bytes = ask.as_bytes();
    // Distinct patterns: a bitset over pattern ids (a few hundred).
    let mut seen = vec![0u64; m.lexicon_of.len().div_ceil(64)];
    for found in m.automaton.find_overlapping_iter(ask) {
        let start = found.start();
        if start > 0 && bytes[start - 1].is_ascii_alphanumeric() {
            continue;
        }
        let id = found.pattern().as_usize();
        let (word, bit) = (id / 64, 1u64 << (id % 64));
        if seen[word] & bit != 0 {
            continue;
        }
        seen[word] |= bit;
        let lex = m.lexicon_of[id];
        out[lex].0 += 1;
        if out[lex].1.is_none() {
            out[lex].1 = m.terms.get(id).copied();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(ask: &str, lex: Lexicon) -> u32 {
        let i = Lexicon::ALL.iter().position(|l| *l == lex).unwrap();
        count(ask)[i].0
    }

    #[test]
    fn every_section_is_a_lexicon_and_every_lexicon_has_terms() {
        for line in TERMS.lines() {
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                assert!(Lexicon::ALL.iter().any(|l| l.name() == name), "[{name}]");
            }
        }
        let all = terms();
        for (i, lex) in Lexicon::ALL.iter().enumerate() {
            assert!(all.iter().filter(|(j, _)| *j == i).count() >= 5, "{lex:?}");
        }
    }

    #[test]
    fn terms_match_at_word_starts_only() {
        assert_eq!(
            of("a lock-free queue with atomics", Lexicon::Concurrency),
            2
        );
        assert_eq!(
            of("the embrace of brace", Lexicon::Concurrency),
            0,
            "race inside a word"
        );
        assert_eq!(
            of("concurrent and concurrency", Lexicon::Concurrency),
            1,
            "one stem, counted once"
        );
    }

    #[test]
    fn trivial_and_scope_terms_are_found() {
        assert!(of("rename the variable x, nothing else", Lexicon::Trivial) >= 1);
        assert_eq!(
            of("rename the variable x, nothing else", Lexicon::ScopeLimit),
            1
        );
        assert_eq!(of("design a schema for billing", Lexicon::Design), 2);
    }
}
