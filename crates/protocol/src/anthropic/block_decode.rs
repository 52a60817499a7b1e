//! Decoding of Anthropic content blocks (request messages, `system`, tool results and
//! response `content`).
//!
//! A block is decoded by a hand-written map visitor rather than a `#[serde(tag = "type")]`
//! enum, for two reasons:
//! - serde buffers internally tagged enums into its private `Content` tree, which costs a
//!   second copy of every block (tool results carry whole files) and makes
//!   `serde_json::value::RawValue` impossible; `tool_use.input` must stay the exact text the
//!   client sent, so that the upstream sees the same bytes (prompt caching and preserved
//!   thinking both compare the conversation prefix).
//! - The meaning of a field depends on the block type (`content` is a string or blocks in a
//!   `tool_result`, an object in other tool results), so fields can only be typed once the
//!   type is known. When `type` comes first, as every SDK writes it, each field is parsed
//!   once, straight into its final type; fields seen before `type` are held as borrowed raw
//!   JSON and parsed when `type` arrives.

use crate::{ContentPart, Extras, ImageSource, WireFormat};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::fmt;

/// One content block, decoded into its canonical part.
pub(crate) struct WireBlock(pub ContentPart);

impl<'de> Deserialize<'de> for WireBlock {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(BlockVisitor)
    }
}

/// Message or tool-result content: a plain string (one text part) or an array of blocks.
pub(crate) struct WireContent(pub Vec<ContentPart>);

impl<'de> Deserialize<'de> for WireContent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ContentVisitor)
    }
}

struct ContentVisitor;

impl<'de> Visitor<'de> for ContentVisitor {
    type Value = WireContent;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or an array of content blocks")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(WireContent(vec![ContentPart::text(v)]))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(WireContent(vec![ContentPart::text(v)]))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(WireContent(Vec::new()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut parts = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(WireBlock(part)) = seq.next_element()? {
            parts.push(part);
        }
        Ok(WireContent(parts))
    }
}

/// The block types this codec models; every other type is kept verbatim.
enum Kind {
    Text,
    Image,
    ToolUse,
    ToolResult,
    Thinking,
    Other(String),
}

impl Kind {
    fn parse(name: String) -> Self {
        match name.as_str() {
            "text" => Self::Text,
            "image" => Self::Image,
            "tool_use" => Self::ToolUse,
            "tool_result" => Self::ToolResult,
            "thinking" => Self::Thinking,
            _ => Self::Other(name),
        }
    }
}

/// A field name; the modelled ones are recognised without allocating.
enum Key {
    Type,
    Text,
    Thinking,
    Signature,
    Source,
    Id,
    Name,
    Input,
    ToolUseId,
    Content,
    IsError,
    Other(String),
}

impl Key {
    fn from_str(s: &str) -> Self {
        match s {
            "type" => Self::Type,
            "text" => Self::Text,
            "thinking" => Self::Thinking,
            "signature" => Self::Signature,
            "source" => Self::Source,
            "id" => Self::Id,
            "name" => Self::Name,
            "input" => Self::Input,
            "tool_use_id" => Self::ToolUseId,
            "content" => Self::Content,
            "is_error" => Self::IsError,
            other => Self::Other(other.to_owned()),
        }
    }

    fn into_string(self) -> String {
        let s = match self {
            Self::Other(s) => return s,
            Self::Type => "type",
            Self::Text => "text",
            Self::Thinking => "thinking",
            Self::Signature => "signature",
            Self::Source => "source",
            Self::Id => "id",
            Self::Name => "name",
            Self::Input => "input",
            Self::ToolUseId => "tool_use_id",
            Self::Content => "content",
            Self::IsError => "is_error",
        };
        s.to_owned()
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(Key::from_str(v))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key, E> {
                Ok(match Key::from_str(&v) {
                    Key::Other(_) => Key::Other(v),
                    known => known,
                })
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

/// Fields collected while visiting one block.
#[derive(Default)]
struct Builder {
    kind: Option<Kind>,
    /// `text` of a text block, `thinking` of a thinking block.
    text: Option<String>,
    signature: Option<String>,
    source: Option<Value>,
    id: Option<String>,
    name: Option<String>,
    /// `tool_use.input`, as the exact JSON text received.
    input: Option<String>,
    tool_use_id: Option<String>,
    content: Option<Vec<ContentPart>>,
    is_error: Option<bool>,
    extra: Extras,
}

impl Builder {
    /// Parses the value of `key` from `d`, into the slot its block type gives it.
    fn field<'de, D: Deserializer<'de>>(&mut self, key: Key, d: D) -> Result<(), D::Error> {
        let kind = match &self.kind {
            Some(kind) => kind,
            None => return Err(de::Error::custom("block field parsed before its type")),
        };
        match (kind, key) {
            (Kind::Text, Key::Text) => self.text = Some(String::deserialize(d)?),
            (Kind::Thinking, Key::Thinking) => self.text = Some(String::deserialize(d)?),
            (Kind::Thinking, Key::Signature) => self.signature = Option::deserialize(d)?,
            (Kind::Image, Key::Source) => self.source = Some(Value::deserialize(d)?),
            (Kind::ToolUse, Key::Id) => self.id = Some(String::deserialize(d)?),
            (Kind::ToolUse, Key::Name) => self.name = Some(String::deserialize(d)?),
            (Kind::ToolUse, Key::Input) => {
                let raw = <&RawValue>::deserialize(d)?;
                // Raw text escapes serde_json's recursion limit; hold it to the same.
                if !crate::depth_within_limit(raw.get()) {
                    return Err(de::Error::custom("nesting exceeds the limit of 128 levels"));
                }
                self.input = Some(raw.get().to_owned());
            }
            (Kind::ToolResult, Key::ToolUseId) => self.tool_use_id = Some(String::deserialize(d)?),
            (Kind::ToolResult, Key::Content) => self.content = Some(WireContent::deserialize(d)?.0),
            (Kind::ToolResult, Key::IsError) => self.is_error = Option::deserialize(d)?,
            (_, key) => {
                let value = Value::deserialize(d)?;
                self.extra.insert(key.into_string(), value);
            }
        }
        Ok(())
    }

    fn finish<E: de::Error>(self) -> Result<ContentPart, E> {
        let Some(kind) = self.kind else {
            return Err(E::missing_field("type"));
        };
        let extra = self.extra;
        Ok(match kind {
            Kind::Text => ContentPart::Text {
                text: self.text.ok_or_else(|| E::missing_field("text"))?,
                extra,
            },
            Kind::Thinking => ContentPart::Thinking {
                text: self.text.ok_or_else(|| E::missing_field("thinking"))?,
                signature: self.signature,
                extra,
            },
            Kind::ToolUse => ContentPart::ToolCall {
                id: self.id.ok_or_else(|| E::missing_field("id"))?,
                name: self.name.ok_or_else(|| E::missing_field("name"))?,
                arguments: self.input.unwrap_or_else(|| "{}".to_owned()),
                extra,
            },
            Kind::ToolResult => ContentPart::ToolResult {
                tool_call_id: self
                    .tool_use_id
                    .ok_or_else(|| E::missing_field("tool_use_id"))?,
                content: self.content.unwrap_or_default(),
                is_error: self.is_error.unwrap_or(false),
                extra,
            },
            Kind::Image => {
                let source = self.source.ok_or_else(|| E::missing_field("source"))?;
                image_part(source, extra)
            }
            Kind::Other(type_name) => {
                let mut value = extra;
                value.insert("type".to_owned(), Value::String(type_name));
                ContentPart::Other {
                    format: WireFormat::Anthropic,
                    value: Value::Object(value),
                }
            }
        })
    }
}

/// An image block whose source is `base64` or `url` becomes a canonical image; any other
/// source (e.g. a Files API `file` reference) keeps the whole block verbatim.
fn image_part(source: Value, extra: Extras) -> ContentPart {
    let source = match source {
        Value::Object(map) => match canonical_image_source(map) {
            Ok(source) => return ContentPart::Image { source, extra },
            Err(map) => Value::Object(map),
        },
        other => other,
    };
    let mut block = extra;
    block.insert("type".to_owned(), Value::String("image".to_owned()));
    block.insert("source".to_owned(), source);
    ContentPart::Other {
        format: WireFormat::Anthropic,
        value: Value::Object(block),
    }
}

/// Moves the strings out of a `{type: base64, media_type, data}` or `{type: url, url}`
/// source; gives the map back untouched when it has any other shape.
fn canonical_image_source(mut map: Extras) -> Result<ImageSource, Extras> {
    let is_str = |map: &Extras, key: &str| matches!(map.get(key), Some(Value::String(_)));
    let kind = map.get("type").and_then(Value::as_str);
    if kind == Some("base64")
        && map.len() == 3
        && is_str(&map, "media_type")
        && is_str(&map, "data")
    {
        if let (Some(Value::String(media_type)), Some(Value::String(data))) =
            (map.remove("media_type"), map.remove("data"))
        {
            return Ok(ImageSource::Base64 { media_type, data });
        }
    } else if kind == Some("url") && map.len() == 2 && is_str(&map, "url") {
        if let Some(Value::String(url)) = map.remove("url") {
            return Ok(ImageSource::Url(url));
        }
    }
    Err(map)
}

/// Routes one field value into the builder (a `DeserializeSeed`, so that the same code
/// parses values straight from the input and from raw JSON held back before `type`).
struct FieldSeed<'b> {
    builder: &'b mut Builder,
    key: Key,
}

impl<'de> DeserializeSeed<'de> for FieldSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.builder.field(self.key, d)
    }
}

struct BlockVisitor;

impl<'de> Visitor<'de> for BlockVisitor {
    type Value = WireBlock;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a content block object")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<WireBlock, M::Error> {
        let mut builder = Builder::default();
        // Fields that arrive before `type`, as borrowed raw JSON (no allocation when
        // `type` comes first, which is what every SDK writes).
        let mut pending: Vec<(Key, &'de RawValue)> = Vec::new();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Type => {
                    if builder.kind.is_some() {
                        return Err(de::Error::duplicate_field("type"));
                    }
                    builder.kind = Some(Kind::parse(map.next_value::<String>()?));
                    for (key, raw) in pending.drain(..) {
                        builder.field(key, raw).map_err(de::Error::custom)?;
                    }
                }
                key if builder.kind.is_some() => map.next_value_seed(FieldSeed {
                    builder: &mut builder,
                    key,
                })?,
                key => pending.push((key, map.next_value::<&'de RawValue>()?)),
            }
        }
        builder.finish().map(WireBlock)
    }
}
