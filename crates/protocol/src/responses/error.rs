//! Error bodies: the Responses API uses OpenAI's `{"error": {...}}` shape.

pub use crate::openai::{decode_error, encode_error};
