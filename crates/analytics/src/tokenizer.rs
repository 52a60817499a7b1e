//! Token counts for requests whose provider reported none (some OpenAI-compatible servers
//! omit `usage`, or a stream ends before its usage chunk), so that their cost is estimated
//! from the text rather than from its size alone.
//!
//! The count uses OpenAI's `o200k_base` encoding (via `tiktoken-rs`, whose vocabulary ships
//! inside the crate: nothing is fetched at run time). It is exact for the GPT-4o, GPT-4.1,
//! o-series and GPT-5 families; for other models (Claude, Gemini, open-weight models) it is
//! an approximation, since their tokenizers are unpublished or differ — on source code they
//! typically count within ~10–20 % of it. Every such count is marked as an estimate.
//!
//! Loading the vocabulary takes ~0.1–0.3 s of CPU once, on first use; counting costs time
//! in proportion to the text. Both are blocking work: call [`count_tokens`] off the async
//! workers (the analytics writer uses `spawn_blocking`).
//!
//! Counting is bounded: the BPE merge of one regex piece costs ~50 bytes of memory per
//! byte of the piece, and a client can send a multi-megabyte "word" (one 30 MB string took
//! 1.76 GB and 17 s). So text is counted in chunks of at most [`CHUNK_BYTES`], cut before a
//! space where possible (where the tokenizer would start a new piece anyway), and text past
//! [`EXACT_BYTES`] is estimated from evenly spaced samples rather than counted whole:
//! memory stays under ~4 MB and time under that of counting ~1 MB, whatever the size.

use crate::event::TokenUsage;
use crate::prices::estimate_usage;
use std::sync::OnceLock;
use tiktoken_rs::CoreBPE;

static O200K: OnceLock<Option<CoreBPE>> = OnceLock::new();

fn encoding() -> Option<&'static CoreBPE> {
    O200K
        .get_or_init(|| match tiktoken_rs::o200k_base() {
            Ok(bpe) => Some(bpe),
            Err(e) => {
                tracing::warn!(error = %e, "analytics: tokenizer unavailable; estimating tokens from bytes");
                None
            }
        })
        .as_ref()
}

/// Largest piece of text handed to the tokenizer at once.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// Text up to this size is counted exactly (chunk by chunk); past it, the first half of
/// this is counted and the rest estimated from [`SAMPLES`] chunks spread across it.
pub const EXACT_BYTES: usize = 1024 * 1024;

/// Samples taken from the part of a long text that is not counted exactly.
const SAMPLES: usize = 16;

/// Length of one sample.
const SAMPLE_BYTES: usize = 32 * 1024;

/// Tokens in `text` (`o200k_base`, special-token text counted as ordinary text); `None`
/// only if the tokenizer could not be built. Exact up to [`EXACT_BYTES`] (give or take a
/// token where a chunk had to be cut inside a word), estimated beyond. Blocking (see the
/// module docs).
pub fn count_tokens(text: &str) -> Option<u64> {
    let bpe = encoding()?;
    if text.len() <= EXACT_BYTES {
        return Some(count_chunked(bpe, text));
    }
    let head_end = cut_point(text, EXACT_BYTES / 2);
    let (head, rest) = text.split_at(head_end);
    let exact = count_chunked(bpe, head);
    // Evenly spaced samples of the rest; their tokens per byte stand in for the whole rest.
    let stride = rest.len() / SAMPLES;
    let (mut sampled_bytes, mut sampled_tokens) = (0u64, 0u64);
    for i in 0..SAMPLES {
        let start = floor_char_boundary(rest, i * stride);
        let tail = rest.get(start..).unwrap_or_default();
        let sample = tail
            .get(..cut_point(tail, SAMPLE_BYTES))
            .unwrap_or_default();
        sampled_bytes += sample.len() as u64;
        sampled_tokens += bpe.count_ordinary(sample) as u64;
    }
    let rest_tokens = if sampled_bytes == 0 {
        0
    } else {
        // u128: bytes × tokens cannot overflow.
        let t = u128::from(sampled_tokens) * rest.len() as u128 / u128::from(sampled_bytes);
        u64::try_from(t).unwrap_or(u64::MAX)
    };
    Some(exact.saturating_add(rest_tokens))
}

/// Counts `text` a chunk of at most [`CHUNK_BYTES`] at a time.
fn count_chunked(bpe: &CoreBPE, mut text: &str) -> u64 {
    let mut total = 0u64;
    while !text.is_empty() {
        let (chunk, rest) = text.split_at(cut_point(text, CHUNK_BYTES));
        total += bpe.count_ordinary(chunk) as u64;
        text = rest;
    }
    total
}

/// Where to end a chunk of `text` of at most `max` bytes (all of it if it is shorter):
/// before the last space of the chunk's second half that follows a non-space (the
/// tokenizer starts a new piece there, so the count does not change), else at the last
/// character boundary. Always > 0 for non-empty text.
fn cut_point(text: &str, max: usize) -> usize {
    if text.len() <= max {
        return text.len();
    }
    let bytes = text.as_bytes();
    let space = (max / 2..max).rev().find(|&i| {
        bytes.get(i) == Some(&b' ')
            && bytes
                .get(i.wrapping_sub(1))
                .is_some_and(|b| !b.is_ascii_whitespace())
    });
    match space {
        Some(i) => i,
        None => {
            let end = floor_char_boundary(text, max);
            if end == 0 {
                // A first character longer than `max` (only for tiny `max`).
                text.char_indices().nth(1).map_or(text.len(), |(i, _)| i)
            } else {
                end
            }
        }
    }
}

/// The largest char boundary of `text` at or below `i`.
fn floor_char_boundary(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Estimated usage of a request: each side counted by the tokenizer from its text when the
/// text is known, else `ceil(bytes / 4)`; marked `estimated`. Blocking.
pub fn estimate_usage_from_text(
    prompt: Option<&str>,
    completion: Option<&str>,
    input_bytes: u64,
    output_bytes: u64,
) -> TokenUsage {
    let mut usage = estimate_usage(input_bytes, output_bytes);
    if let Some(n) = prompt.and_then(count_tokens) {
        usage.input_tokens = n;
    }
    if let Some(n) = completion.and_then(count_tokens) {
        usage.output_tokens = n;
    }
    usage
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_match_openai_o200k() {
        // Reference counts of OpenAI's tokenizer (o200k_base): "hello" + " world";
        // "Hello" + "," + " world" + "!".
        assert_eq!(count_tokens("hello world"), Some(2));
        assert_eq!(count_tokens("Hello, world!"), Some(4));
        assert_eq!(count_tokens(""), Some(0));
    }

    #[test]
    fn chunked_counts_equal_whole_counts_on_ordinary_text() {
        let Some(bpe) = encoding() else {
            panic!("tokenizer unavailable")
        };
        let text =
            "let total = items.iter().map(|x| x.price * x.qty).sum::<f64>(); // ü\n".repeat(3000);
        assert!(text.len() > 3 * CHUNK_BYTES);
        assert_eq!(count_chunked(bpe, &text), bpe.count_ordinary(&text) as u64);
        // A word longer than a chunk is cut at a character boundary.
        let word = "é".repeat(CHUNK_BYTES);
        let counted = count_chunked(bpe, &word);
        let whole = bpe.count_ordinary(&word) as u64;
        assert!(counted.abs_diff(whole) <= 2, "{counted} vs {whole}");
    }

    #[test]
    fn long_texts_are_estimated_from_samples_close_to_the_exact_count() {
        let Some(bpe) = encoding() else {
            panic!("tokenizer unavailable")
        };
        let line = "Some prose, then code: fn f(a: u32) -> u32 { a + 1 }\n";
        let reps = 2 * EXACT_BYTES / line.len();
        let text = line.repeat(reps);
        let estimate = count_tokens(&text).unwrap();
        // Lines tokenize alike (none of its pieces spans two lines).
        let exact = bpe.count_ordinary(line) as u64 * reps as u64;
        let error = estimate.abs_diff(exact) as f64 / exact as f64;
        assert!(error < 0.01, "{estimate} vs {exact}");
    }

    #[test]
    fn cut_points_are_char_boundaries_and_make_progress() {
        for (text, max) in [
            ("ab cd ef", 5),
            ("éééé", 3),
            ("é", 1),
            ("abc", 10),
            ("   x", 2),
        ] {
            let cut = cut_point(text, max);
            assert!(
                cut > 0 && text.is_char_boundary(cut),
                "{text:?} {max}: {cut}"
            );
            assert!(cut <= max.max(text.chars().next().map_or(0, char::len_utf8)));
        }
        assert_eq!(cut_point("ab cd ef", 7), 5, "before the last space");
    }

    #[test]
    fn text_wins_over_bytes_and_bytes_fill_the_gaps() {
        let u = estimate_usage_from_text(Some("hello world"), None, 4000, 41);
        assert_eq!(
            u.input_tokens, 2,
            "the prompt text is counted, not its 4000 bytes"
        );
        assert_eq!(u.output_tokens, 11, "no text: ceil(41 / 4)");
        assert!(u.estimated);
        assert_eq!(u.cached_input_tokens + u.reasoning_tokens, 0);
    }
}
