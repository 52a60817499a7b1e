//! The text of a request and of its answer, for what analytics does with it: count tokens
//! when the provider reported none, and keep it when `analytics.record_text` asks (redacted
//! by the writer). Built only in those cases, never on the common path; never logged.

use switchyard_protocol::{ChatRequest, ContentPart, Role, Tool};

/// Prompt and completion text of one request.
#[derive(Debug, Default)]
pub struct RequestTexts {
    /// Every message's text (system included), tool calls and results, tool definitions.
    pub prompt: String,
    /// The answer's text, tool-call arguments and reasoning.
    pub completion: String,
}

/// The prompt as text: one line per message (its role, then its parts), then the tools.
pub fn prompt_text(req: &ChatRequest) -> String {
    let mut out = String::new();
    for m in &req.messages {
        out.push_str(match m.role {
            Role::System | Role::Developer => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        });
        out.push('\n');
        for part in &m.content {
            push_part(&mut out, part);
        }
    }
    for tool in &req.tools {
        match tool {
            Tool::Function(f) => {
                out.push_str(&f.name);
                out.push('\n');
                if let Some(d) = &f.description {
                    out.push_str(d);
                    out.push('\n');
                }
                out.push_str(&f.parameters.to_string());
            }
            Tool::Other { value, .. } => out.push_str(&value.to_string()),
        }
        out.push('\n');
    }
    out
}

/// The text of an answer's content parts.
pub fn completion_text(content: &[ContentPart]) -> String {
    let mut out = String::new();
    for part in content {
        push_part(&mut out, part);
    }
    out
}

/// Images in a prompt, which providers bill by size, not by any text.
pub fn image_count(req: &ChatRequest) -> u64 {
    fn count(parts: &[ContentPart]) -> u64 {
        parts
            .iter()
            .map(|p| match p {
                ContentPart::Image { .. } => 1,
                ContentPart::ToolResult { content, .. } => count(content),
                _ => 0,
            })
            .sum()
    }
    req.messages.iter().map(|m| count(&m.content)).sum()
}

fn push_part(out: &mut String, part: &ContentPart) {
    match part {
        ContentPart::Text { text, .. } | ContentPart::Thinking { text, .. } => out.push_str(text),
        ContentPart::ToolCall {
            name, arguments, ..
        } => {
            out.push_str(name);
            out.push(' ');
            out.push_str(arguments);
        }
        ContentPart::ToolResult { content, .. } => {
            for p in content {
                push_part(out, p);
            }
        }
        ContentPart::Image { .. } => {}
        ContentPart::Other { value, .. } => out.push_str(&value.to_string()),
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_protocol::{codec, WireFormat};

    #[test]
    fn prompt_and_answer_text_cover_every_textual_part() {
        let body = br#"{"model":"m","messages":[
            {"role":"system","content":"Be terse."},
            {"role":"user","content":[{"type":"text","text":"Sort this list"},
                {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]},
            {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",
                "function":{"name":"run","arguments":"{\"cmd\":\"ls\"}"}}]},
            {"role":"tool","tool_call_id":"c1","content":"a.rs b.rs"}],
            "tools":[{"type":"function","function":{"name":"run","description":"Run a command",
                "parameters":{"type":"object"}}}]}"#;
        let req = codec::decode_request(WireFormat::OpenAiChat, body).unwrap();
        let text = prompt_text(&req);
        for needle in [
            "Be terse.",
            "Sort this list",
            "{\"cmd\":\"ls\"}",
            "a.rs b.rs",
            "Run a command",
        ] {
            assert!(text.contains(needle), "{needle} missing from {text:?}");
        }
        assert!(!text.contains("AAAA"), "image data is not text");
        assert_eq!(image_count(&req), 1);
        let answer = completion_text(&[
            ContentPart::text("Here:"),
            ContentPart::ToolCall {
                id: "c2".into(),
                name: "edit".into(),
                arguments: "{}".into(),
                extra: Default::default(),
            },
        ]);
        assert_eq!(answer, "Here:\nedit {}\n");
    }
}
