//! The gateway's own count of a request's input tokens, for `count_tokens` when no
//! provider of the alias counts them.

use crate::transcript::{image_count, prompt_text};
use switchyard_analytics::{estimate_usage, estimate_usage_from_text};
use switchyard_protocol::ChatRequest;

/// Tokens a typical image (a screenshot) costs; providers bill images by size, not text.
const IMAGE_TOKENS: u64 = 1500;

/// An estimate: the prompt's text counted by analytics' tokenizer (`o200k_base`: exact for
/// OpenAI's current models, within ~10–20 % for Claude's), plus a few tokens of framing per
/// message and tool, and [`IMAGE_TOKENS`] per image. Counting runs on the blocking pool;
/// should the tokenizer be unavailable, the text's bytes / 4 stand in.
pub async fn estimate_input_tokens(req: &ChatRequest) -> u64 {
    let framing = 3 * req.messages.len() as u64
        + 8 * req.tools.len() as u64
        + IMAGE_TOKENS * image_count(req);
    let text = prompt_text(req);
    let bytes = text.len() as u64;
    let counted = tokio::task::spawn_blocking(move || {
        estimate_usage_from_text(Some(&text), None, bytes, 0).input_tokens
    })
    .await
    .unwrap_or_else(|_| estimate_usage(bytes, 0).input_tokens);
    counted + framing
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_analytics::count_tokens;
    use switchyard_protocol::{Message, Role, WireFormat};

    #[tokio::test]
    async fn estimate_counts_text_tokens_and_framing() {
        let mut req = ChatRequest::new(WireFormat::Anthropic, "m");
        req.messages
            .push(Message::text(Role::User, "Hello, world!"));
        req.messages
            .push(Message::text(Role::Assistant, "x".repeat(400)));
        let estimate = estimate_input_tokens(&req).await;
        let text = count_tokens(&prompt_text(&req)).unwrap();
        assert_eq!(
            estimate,
            text + 2 * 3,
            "text tokens plus framing per message"
        );
        // "Hello, world!" is 4 tokens; 400 repeated letters compress to far fewer than the
        // 100 the bytes/4 rule would say; role names and newlines add a few.
        assert!((6..60).contains(&text), "{text}");
        req.messages.push(Message::text(Role::User, "look"));
        if let Some(m) = req.messages.last_mut() {
            m.content.push(switchyard_protocol::ContentPart::Image {
                source: switchyard_protocol::ImageSource::Url("https://example.com/a.png".into()),
                extra: Default::default(),
            });
        }
        assert!(estimate_input_tokens(&req).await >= estimate + IMAGE_TOKENS);
    }
}
