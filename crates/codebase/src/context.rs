//! The best chunks for a query that fit a token budget: what a prompt can carry.

use crate::Hit;

/// Chunks chosen for a prompt, best first.
#[derive(Debug, Clone, Default)]
pub struct ContextPack {
    /// The chunks, best first; no two overlap.
    pub chunks: Vec<Hit>,
    /// Estimated tokens of the chunks, each counted with [`CHUNK_HEADER_TOKENS`].
    pub tokens: u64,
}

/// Tokens allowed per chunk for the line that introduces it in a prompt (path, lines,
/// symbol).
pub const CHUNK_HEADER_TOKENS: u64 = 16;

/// Estimated tokens of `text`: OpenAI's `o200k_base` count (what analytics estimates usage
/// with), or bytes / 4 if that tokenizer is unavailable. Blocking: the first call loads the
/// vocabulary.
pub fn estimate_tokens(text: &str) -> u64 {
    switchyard_analytics::count_tokens(text).unwrap_or_else(|| (text.len() as u64).div_ceil(4))
}

/// A hit scoring below this fraction of the best BM25 score is left out however much
/// budget is left: it matched only common words of the query, and unrelated code in a
/// prompt costs tokens and misleads the model. (Re-ranked hits are filtered the same way:
/// the embedder orders the chunks that share the query's words, it does not admit others.)
pub const RELEVANCE_FLOOR: f32 = 0.3;

/// Takes hits in order while they fit `token_budget`; a hit that does not fit is skipped
/// (a smaller one after it may fit), as is one overlapping a chunk already taken, and one
/// below the [`RELEVANCE_FLOOR`].
pub(crate) fn pack(hits: Vec<Hit>, token_budget: u64) -> ContextPack {
    let mut pack = ContextPack::default();
    let best = hits.iter().map(|h| h.score).fold(0.0, f32::max);
    for hit in hits {
        if hit.score < best * RELEVANCE_FLOOR {
            continue;
        }
        let overlaps = pack.chunks.iter().any(|c| {
            c.path == hit.path && c.start_line <= hit.end_line && hit.start_line <= c.end_line
        });
        if overlaps {
            continue;
        }
        let cost = estimate_tokens(&hit.text) + CHUNK_HEADER_TOKENS;
        if pack.tokens + cost > token_budget {
            continue;
        }
        pack.tokens += cost;
        pack.chunks.push(hit);
    }
    pack
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ChunkKind;

    fn hit(path: &str, lines: (usize, usize), text: &str) -> Hit {
        Hit {
            path: path.into(),
            symbol: None,
            kind: ChunkKind::Code,
            start_line: lines.0,
            end_line: lines.1,
            score: 1.0,
            similarity: None,
            text: text.into(),
        }
    }

    #[test]
    fn chunks_are_taken_in_order_while_they_fit_and_overlaps_are_dropped() {
        let big = "word ".repeat(400);
        let hits = vec![
            hit("a.rs", (1, 10), "fn a() {}"),
            hit("a.rs", (5, 8), "fn inner() {}"),
            hit("b.rs", (1, 100), &big),
            hit("c.rs", (1, 3), "fn c() {}"),
            Hit {
                score: 0.2,
                ..hit("d.rs", (1, 1), "fn weak() {}")
            },
        ];
        let pack = pack(hits, 100);
        let paths: Vec<&str> = pack.chunks.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, ["a.rs", "c.rs"]);
        assert!(pack.tokens <= 100);
        assert!(pack.tokens >= 2 * CHUNK_HEADER_TOKENS);
    }
}
