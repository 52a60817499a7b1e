//! Small JSON checks that the typed decoders cannot make themselves: duplicate keys in a
//! free-form object, the nesting of JSON kept as raw text, and upstream (not client) JSON
//! errors worded as such.

use crate::{from_json_slice, CodecError};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// The deepest nesting accepted in JSON kept as raw text: `serde_json`'s own recursion
/// limit, which every parsed part of a request is held to already.
pub const MAX_DEPTH: usize = 128;

/// A top-level JSON object whose keys are unique.
struct UniqueKeys(Map<String, Value>);

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = UniqueKeys;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UniqueKeys, A::Error> {
                let mut out = Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    if out.contains_key(&key) {
                        return Err(serde::de::Error::custom(format_args!(
                            "duplicate field `{key}`"
                        )));
                    }
                    let value = map.next_value::<Value>()?;
                    out.insert(key, value);
                }
                Ok(UniqueKeys(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Decodes a request body that must be a JSON object, refusing duplicate top-level keys
/// as the typed decoders of chat and messages requests do (a duplicate is ambiguous: the
/// gateway and an upstream might read different values).
pub fn decode_json_object(body: &[u8]) -> Result<Map<String, Value>, CodecError> {
    from_json_slice::<UniqueKeys>(body).map(|u| u.0)
}

/// Whether the JSON text `raw` nests arrays and objects at most [`MAX_DEPTH`] deep
/// (brackets inside strings do not count).
pub fn depth_within_limit(raw: &str) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for b in raw.bytes() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return false;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    true
}

/// Like [`from_json_slice`], for an upstream's answer: a syntax error says the upstream's
/// response is not valid JSON (the client's request was fine).
pub(crate) fn from_upstream_json<'de, T: Deserialize<'de>>(
    body: &'de [u8],
) -> Result<T, CodecError> {
    from_json_slice(body).map_err(|mut e| {
        if let Some(rest) = e.message.strip_prefix("request body is not valid JSON") {
            e.message = format!("upstream response is not valid JSON{rest}");
        } else {
            e.message = format!("upstream response cannot be decoded: {}", e.message);
        }
        e
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_top_level_keys_are_refused() {
        let err = decode_json_object(br#"{"model":"a","input":"x","model":"b"}"#).unwrap_err();
        assert!(err.message.contains("duplicate field `model`"), "{err}");
        let ok = decode_json_object(br#"{"model":"a","nested":{"k":1}}"#).unwrap();
        assert_eq!(ok["model"], "a");
        assert!(decode_json_object(b"[1]").is_err());
        assert!(decode_json_object(b"{\"a\":1} x").is_err());
    }

    #[test]
    fn depth_counts_brackets_outside_strings_only() {
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(!depth_within_limit(&deep));
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(depth_within_limit(&ok));
        let quoted = format!("{{\"a\":\"{}\\\"{}\"}}", "[".repeat(500), "{".repeat(500));
        assert!(depth_within_limit(&quoted));
    }

    #[test]
    fn upstream_errors_do_not_blame_the_request() {
        let e = from_upstream_json::<Value>(b"<html>").unwrap_err();
        assert!(
            e.message.starts_with("upstream response is not valid JSON"),
            "{e}"
        );
    }
}
