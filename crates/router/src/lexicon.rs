//! What a request asks for, in words: the kinds of demand that make code hard (concurrency,
//! security, distributed systems, algorithms under constraints, performance, design), the
//! signs of a hard bug (intermittent symptoms), the constraints piled on an ask, and the
//! markers of a mechanical or trivial one.
//!
//! Terms are stems matched at the start of a word of the lowercased prose (quoted strings
//! and inline code already removed), so `concurren` finds "concurrent" and "concurrency".
//! They are written from what makes code work hard in general, not from any dataset: a
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

    fn terms(self) -> &'static [&'static str] {
        match self {
            Self::Concurrency => &[
                "concurren",
                "parallel",
                "thread",
                "multithread",
                "lock-free",
                "lockfree",
                "wait-free",
                "atomic",
                "mutex",
                "deadlock",
                "livelock",
                "race",
                "racy",
                "memory order",
                "memory model",
                "acquire/release",
                "happens-before",
                "interleav",
                "goroutine",
                "semaphore",
                "condition variable",
                "conditions",
                "work-stealing",
                "spsc",
                "mpmc",
                "mpsc",
                "wake-up",
                "wakeup",
                "reentran",
                "re-entran",
                "synchroniz",
                "in flight",
                "in-flight",
                "simultaneous",
                "overlap",
                "cancellation",
                "abortsignal",
                "aborted",
                "ctrl-c",
                "sigterm",
                "sigint",
                "signal handl",
                "single-flight",
                "singleflight",
                "coroutine",
                "event loop",
                "async core",
                "async/await",
                "lock ordering",
                "contention",
                "threadsanitizer",
                "tsan",
                "jcstress",
                "stale closure",
                "out-of-order",
                "out of order",
                "interrupt",
                "producer",
                "consumer",
                "thread pool",
                "thread-safe",
                "volatile",
                "visibility",
                "reorder",
            ],
            Self::Security => &[
                "security",
                "secure",
                "vulnerab",
                "exploit",
                "attack",
                "injection",
                "xss",
                "csrf",
                "ssrf",
                "authenticat",
                "authoriz",
                "auth middleware",
                "tenant",
                "signature",
                "untrusted",
                "from the network",
                "sanitiz",
                "privilege",
                "idor",
                "open redirect",
                "jwt",
                "crypto",
                "encrypt",
                "hmac",
                "timing attack",
                "use-after-free",
                "buffer overflow",
                "heap overflow",
                "asan",
                "addresssanitizer",
                "soundness",
                "sound ",
                "unsafe",
                "secret",
            ],
            Self::Distributed => &[
                "distributed",
                "consensus",
                "raft",
                "paxos",
                "replica",
                "replicat",
                "partition",
                "quorum",
                "crdt",
                "eventual consisten",
                "consistency",
                "idempoten",
                "exactly-once",
                "exactly once",
                "at-least-once",
                "lamport",
                "vector clock",
                "clock drift",
                "clock skew",
                "leader election",
                "split brain",
                "split-brain",
                "consistent hash",
                "hash ring",
                "shard",
                "duplicate deliver",
                "webhook",
                "two-phase",
                "saga",
                "distributed lock",
                "lease",
                "network partition",
                "gossip",
                "multi-tenant",
                "blue/green",
                "rollback",
                "roll back",
                "failover",
                "read-your-writes",
                "monotonic read",
            ],
            Self::Algorithms => &[
                "algorithm",
                "o(",
                "complexity",
                "shortest path",
                "dynamic programming",
                "graph",
                "minimum number",
                "minimum total",
                "minimal",
                "minimum cost",
                "optimal",
                "longest",
                "streak",
                "consecutive",
                "edit distance",
                "alignment",
                "allocator",
                "coalesc",
                "buddy",
                "amortiz",
                "trie",
                "interval",
                "gaps-and-islands",
                "backtrack",
                "bellman",
                "dijkstra",
                "subsequence",
                "state machine",
                "parser",
                "tokenizer",
                "rfc ",
                "grammar",
                "virtual node",
                "generational",
                "arena",
                "ring buffer",
                "lru",
                "ttl",
                "evict",
                "scheduler",
                "rate limit",
                "token bucket",
                "proration",
                "reconcile",
                "diff ",
                "traceback",
                "affine",
                "round-trip",
                "serializer",
                "recursive",
                "balanced",
                "heap-allocated",
                "dedupl",
                "topolog",
                "bloom",
                "skip list",
                "b-tree",
                "red-black",
            ],
            Self::Performance => &[
                "performance",
                "latency",
                "throughput",
                "optimi",
                "memory leak",
                "leak",
                "oom",
                "out of memory",
                "heap usage",
                "grows",
                "climbs",
                "sequential scan",
                "seq scan",
                "query plan",
                "planner",
                "explain analyze",
                "profil",
                "pprof",
                "allocation",
                "zero-copy",
                "simd",
                "vectoriz",
                "hot path",
                "scale",
                "high-volume",
                "high volume",
                "million",
                "rows",
                "inserts/sec",
                "per second",
                "benchmark",
                "cache-friendly",
                "bottleneck",
                "slow",
                "exception-safe",
                "strong guarantee",
            ],
            Self::Design => &[
                "design",
                "architect",
                "schema",
                "restructur",
                "split into",
                "migrat",
                "compatib",
                "backward",
                "abi",
                "plugin",
                "monorepo",
                "cycle",
                "composition",
                "strategy",
                "hierarchy",
                "visitor",
                "type-safe",
                "typesafe",
                "mapped type",
                "conditional type",
                "template literal",
                "infer",
                "trade-off",
                "tradeoff",
                "compare the options",
                "propose",
                "invariant",
                "semantics",
                "contract",
                "public api",
                "downstream",
                "source-compatible",
                "audit trail",
                "immutable",
                "generic",
                "extensib",
                "decouple",
                "dependency injection",
                "layer",
                "modules",
                "packages",
                "across",
                "subclasses",
                "orchestrat",
                "pattern",
            ],
            Self::Constraints => &[
                "must",
                "never",
                "without",
                "at most",
                "at least",
                "guarantee",
                "exactly",
                "precisely",
                "edge case",
                "every way",
                "all the problem",
                "correct",
                "robust",
                "properly",
                "cleanly",
                "atomically",
                "preserv",
                "keeping",
                "while keeping",
                "no lost",
                "no unsafe",
                "ties",
                "tie-break",
                "malformed",
                "property-based",
                "proptest",
                "hypothesis",
                "stress test",
                "fuzz",
                "dst",
                "daylight",
                "time zone",
                "timezone",
                "unicode",
                "rounding",
                "cents",
                "overflow",
                "nan",
                "-0.0",
                "fairness",
                "fail fast",
                "graceful",
                "promptly",
                "minimum needed",
                "minimal correct",
                "interrupted",
                "acceptable",
                "forbidden",
                "first success",
                "first error",
                "doesn't cap",
                "no two",
            ],
            Self::Symptoms => &[
                "sometimes",
                "occasionally",
                "intermittent",
                "rarely",
                "randomly",
                "flaky",
                "under load",
                "hangs",
                "hang ",
                "never finishes",
                "never returns",
                "garbage",
                "corrupt",
                "vanish",
                "undoing",
                "loses",
                "invents",
                "twice",
                "in production",
                "release builds",
                "only on arm",
                "heap-use-after-free",
                "grows steadily",
                "never comes back",
                "far higher",
                "missing entirely",
                "bursts",
                "blocked",
            ],
            Self::Reasoning => &[
                "why",
                "explain every",
                "explain all",
                "explain exactly",
                "explain whether",
                "work out",
                "root cause",
                "reason about",
                "compare",
                "trade-off",
                "what is going on",
                "what's going on",
                "what the planner",
                "prove",
                "argue",
                "which outcomes",
                "what clients can",
            ],
            Self::Trivial => &[
                "rename",
                "typo",
                "hello world",
                "hello-world",
                "print",
                "echo",
                "one-liner",
                "one liner",
                "simplify",
                "simple",
                "quick",
                "tiny",
                "small",
                "style",
                "nits",
                "un-pythonic",
                "idiomatic",
                "comment",
                "docstring",
                "javadoc",
                "jsdoc",
                "godoc",
                "tsdoc",
                "doc comment",
                "getter",
                "setter",
                "boilerplate",
                "convert this",
                "arrow function",
                "range-based",
                "named constant",
                "magic number",
                "capitalize",
                "reverse",
                "hello",
                "stdin",
                "enum",
                "interface",
                "fixture",
                "test data",
                "a few",
                "basic",
                "beginner",
                "what does",
                "what is",
                "mean in",
                "explain this",
                "sum of",
                "largest value",
                "is prime",
                "prime",
                "even",
                "add a",
                "missing",
                "returns the",
                "checks whether",
                "converts",
                "count the",
                "select all",
                "one-line",
            ],
            Self::ScopeLimit => &[
                "only",
                "nothing else",
                "don't change",
                "do not change",
                "don't touch",
                "unchanged",
                "keep the code",
                "anything else",
                "as is",
                "as-is",
            ],
        }
    }
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
            let mut patterns = Vec::new();
            let mut lexicon_of = Vec::new();
            for (i, lex) in Lexicon::ALL.iter().enumerate() {
                for term in lex.terms() {
                    patterns.push(*term);
                    lexicon_of.push(i);
                }
            }
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
