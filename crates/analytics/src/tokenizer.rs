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

/// Tokens in `text` (`o200k_base`, special-token text counted as ordinary text); `None`
/// only if the tokenizer could not be built. Blocking (see the module docs).
pub fn count_tokens(text: &str) -> Option<u64> {
    encoding().map(|bpe| bpe.count_ordinary(text) as u64)
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
