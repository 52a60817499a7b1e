//! Encoding of canonical content parts as Anthropic content blocks.
//!
//! Blocks are written by hand-rolled `Serialize` impls that borrow from the canonical
//! parts, so that encoding copies no text into intermediate `Value` trees.

use crate::{ContentPart, Extras, ImageSource, WireFormat};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

/// Where blocks are written: decides how parts that only make sense in one direction are
/// treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// An upstream request: unsigned or foreign thinking is dropped (Anthropic rejects it).
    Request,
    /// A response to an Anthropic client: thinking from any upstream is shown, with an
    /// empty signature when it has none.
    Response,
}

/// Whether `part` is written at all. `own` says the request or response being written
/// was decoded from Anthropic, so its extras, thinking signatures and verbatim blocks are
/// Anthropic's (verbatim blocks must also be tagged Anthropic themselves).
pub(crate) fn emits(part: &ContentPart, own: bool, target: Target) -> bool {
    match part {
        ContentPart::Other { format, .. } => own && *format == WireFormat::Anthropic,
        ContentPart::Thinking { signature, .. } => match target {
            Target::Response => true,
            Target::Request => own && signature.as_deref().is_some_and(|s| !s.is_empty()),
        },
        _ => true,
    }
}

/// The text of `part` if it can be written as a bare string (a text part whose extras
/// would not be emitted): Anthropic accepts a string wherever a lone text block goes.
pub(crate) fn plain_text(part: &ContentPart, own: bool) -> Option<&str> {
    match part {
        ContentPart::Text { text, extra } if !own || extra.is_empty() => Some(text),
        _ => None,
    }
}

/// One content block. `own`: emit the part's extras (they are Anthropic fields).
pub(crate) struct BlockOut<'a> {
    pub part: &'a ContentPart,
    pub own: bool,
    pub target: Target,
}

impl Serialize for BlockOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let extra = match self.part {
            ContentPart::Other { value, .. } => return value.serialize(s),
            ContentPart::Text { extra, .. }
            | ContentPart::Image { extra, .. }
            | ContentPart::ToolCall { extra, .. }
            | ContentPart::ToolResult { extra, .. }
            | ContentPart::Thinking { extra, .. } => extra,
        };
        let mut m = s.serialize_map(None)?;
        match self.part {
            ContentPart::Text { text, .. } => {
                m.serialize_entry("type", "text")?;
                m.serialize_entry("text", text)?;
            }
            ContentPart::Image { source, .. } => {
                m.serialize_entry("type", "image")?;
                m.serialize_entry("source", &SourceOut(source))?;
            }
            ContentPart::ToolCall {
                id,
                name,
                arguments,
                ..
            } => {
                m.serialize_entry("type", "tool_use")?;
                m.serialize_entry("id", id)?;
                m.serialize_entry("name", name)?;
                m.serialize_entry("input", &ToolInput::new(arguments))?;
            }
            ContentPart::ToolResult {
                tool_call_id,
                content,
                is_error,
                ..
            } => {
                m.serialize_entry("type", "tool_result")?;
                m.serialize_entry("tool_use_id", tool_call_id)?;
                let content = ContentOut::new(content, self.own, self.target);
                if !content.is_empty() {
                    m.serialize_entry("content", &content)?;
                }
                if *is_error {
                    m.serialize_entry("is_error", &true)?;
                }
            }
            ContentPart::Thinking {
                text, signature, ..
            } => {
                m.serialize_entry("type", "thinking")?;
                m.serialize_entry("thinking", text)?;
                m.serialize_entry("signature", signature.as_deref().unwrap_or(""))?;
            }
            ContentPart::Other { .. } => {}
        }
        if self.own {
            for (k, v) in extra {
                m.serialize_entry(k, v)?;
            }
        }
        m.end()
    }
}

/// Message or tool-result content: a bare string when it is one plain text part (as
/// clients usually send it), otherwise an array of the parts that are emitted.
pub(crate) enum ContentOut<'a> {
    /// One plain text part.
    Text(&'a str),
    /// Blocks.
    Blocks(Vec<BlockOut<'a>>),
}

impl<'a> ContentOut<'a> {
    /// Content for `parts`, dropping those that are not emitted to `target`.
    pub fn new(parts: &'a [ContentPart], own: bool, target: Target) -> Self {
        Self::from_iter(parts.iter(), own, target)
    }

    /// Content for the parts of `iter`, dropping those that are not emitted to `target`.
    pub fn from_iter(
        iter: impl Iterator<Item = &'a ContentPart>,
        own: bool,
        target: Target,
    ) -> Self {
        let blocks: Vec<BlockOut<'a>> = iter
            .filter(|p| emits(p, own, target))
            .map(|part| BlockOut { part, own, target })
            .collect();
        match blocks.as_slice() {
            [only] => match plain_text(only.part, own) {
                Some(text) => Self::Text(text),
                None => Self::Blocks(blocks),
            },
            _ => Self::Blocks(blocks),
        }
    }

    /// True when nothing would be written.
    pub fn is_empty(&self) -> bool {
        matches!(self, Self::Blocks(b) if b.is_empty())
    }
}

impl Serialize for ContentOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Text(text) => s.serialize_str(text),
            Self::Blocks(blocks) => {
                let mut seq = s.serialize_seq(Some(blocks.len()))?;
                for b in blocks {
                    seq.serialize_element(b)?;
                }
                seq.end()
            }
        }
    }
}

/// An image `source` object; `data:` URLs become base64 sources, since Anthropic's `url`
/// source only fetches http(s).
struct SourceOut<'a>(&'a ImageSource);

impl Serialize for SourceOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (media_type, data) = match self.0 {
            ImageSource::Base64 { media_type, data } => (media_type.as_str(), data.as_str()),
            ImageSource::Url(url) => match parse_data_url(url) {
                Some(parts) => parts,
                None => {
                    let mut m = s.serialize_map(Some(2))?;
                    m.serialize_entry("type", "url")?;
                    m.serialize_entry("url", url)?;
                    return m.end();
                }
            },
        };
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("type", "base64")?;
        m.serialize_entry("media_type", media_type)?;
        m.serialize_entry("data", data)?;
        m.end()
    }
}

/// Splits `data:<media type>;base64,<data>` into its media type and payload.
pub(crate) fn parse_data_url(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("data:")?;
    let (header, data) = rest.split_once(',')?;
    let media_type = header.strip_suffix(";base64")?;
    Some((media_type, data))
}

/// `tool_use.input`: the arguments text itself when it is a JSON object (written as raw
/// JSON, so key order and formatting survive), else an empty object.
pub(crate) enum ToolInput<'a> {
    /// A valid JSON object, verbatim.
    Raw(&'a RawValue),
    /// `{}`.
    Empty,
}

impl<'a> ToolInput<'a> {
    /// Validates `arguments` once; anything but a JSON object becomes `{}`.
    pub fn new(arguments: &'a str) -> Self {
        let trimmed = arguments.trim_start();
        if !trimmed.starts_with('{') {
            return Self::Empty;
        }
        match serde_json::from_str::<&RawValue>(trimmed) {
            Ok(raw) => Self::Raw(raw),
            Err(_) => Self::Empty,
        }
    }
}

impl Serialize for ToolInput<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Raw(raw) => raw.serialize(s),
            Self::Empty => s.serialize_map(Some(0))?.end(),
        }
    }
}

/// The entries of an extras map, minus `skip`, for `#[serde(flatten)]` into an object.
/// `None` (extras of another format) writes nothing.
pub(crate) struct ExtrasOut<'a> {
    pub map: Option<&'a Extras>,
    pub skip: &'static [&'static str],
}

impl Serialize for ExtrasOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let Some(map) = self.map {
            for (k, v) in map {
                if !self.skip.contains(&k.as_str()) {
                    m.serialize_entry(k, v)?;
                }
            }
        }
        m.end()
    }
}
