//! The code API's server-sent events: `delta` with each piece of text as it arrives, then
//! `done` with the code, its validation and the rest of the code API's answer (or `error`).
//! Egress relays them like any stream; only the framing differs from the chat formats.

use crate::pipeline::{
    code::{outcome, CodeAnswer, CodeStreamSpec},
    validate::check_code,
};
use serde_json::json;
use switchyard_codeintel::CheckedAnswer;
use switchyard_protocol::{sse, BlockDelta, CodecError, StreamEvent, Usage};

/// Writes a code API stream.
#[derive(Debug)]
pub struct CodeEventEncoder {
    spec: Box<CodeStreamSpec>,
    text: String,
    usage: Usage,
    checked: Option<CheckedAnswer>,
}

impl CodeEventEncoder {
    /// An encoder for the stream `spec` describes.
    pub fn new(spec: Box<CodeStreamSpec>) -> Self {
        Self {
            spec,
            text: String::new(),
            usage: Usage::default(),
            checked: None,
        }
    }

    /// Writes what `event` shows the client.
    pub fn encode(&mut self, event: &StreamEvent, out: &mut Vec<u8>) -> Result<(), CodecError> {
        match event {
            StreamEvent::Delta {
                delta: BlockDelta::Text(t),
                ..
            } => {
                self.text.push_str(t);
                sse::write_json_frame(out, Some("delta"), &json!({ "text": t }))
            }
            StreamEvent::Usage(u) => {
                self.usage = *u;
                Ok(())
            }
            StreamEvent::Error { kind, message } => sse::write_json_frame(
                out,
                Some("error"),
                &json!({ "error": { "type": kind, "message": message } }),
            ),
            _ => Ok(()),
        }
    }

    /// Parses the streamed answer's code (on the blocking pool when it is big); call once
    /// the upstream stream has ended, before [`CodeEventEncoder::finish`].
    pub async fn check(&mut self) {
        if self.spec.validate && self.checked.is_none() {
            self.checked = Some(check_code(self.text.clone(), &self.spec.expect).await);
        }
    }

    /// Writes the `done` event; returns the validation outcome for analytics.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<Option<&'static str>, CodecError> {
        let result = outcome(self.checked.as_ref());
        let answer = CodeAnswer::of_stream(
            &self.spec,
            std::mem::take(&mut self.text),
            self.usage,
            self.checked.take(),
            self.spec.expect.language,
        );
        sse::write_json_frame(out, Some("done"), &answer)?;
        Ok(result)
    }
}
