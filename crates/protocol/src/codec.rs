//! Dispatch over wire formats: the gateway and providers call these instead of matching on
//! formats themselves.

use crate::{
    anthropic, gemini, openai, responses, ApiError, ChatRequest, ChatResponse, CodecError,
    SseEvent, StreamEvent, WireFormat,
};

/// Decodes a client request in `format`.
pub fn decode_request(format: WireFormat, body: &[u8]) -> Result<ChatRequest, CodecError> {
    match format {
        WireFormat::OpenAiChat => openai::decode_request(body),
        WireFormat::OpenAiResponses => responses::decode_request(body),
        WireFormat::Anthropic => anthropic::decode_request(body),
        WireFormat::Gemini => Err(CodecError::new(
            "the Gemini format is spoken to upstreams only, not accepted from clients",
        )),
    }
}

/// Encodes a complete answer for a client of `format`.
pub fn encode_response(format: WireFormat, resp: &ChatResponse) -> Result<Vec<u8>, CodecError> {
    encode_response_echoing(format, resp, None)
}

/// Encodes a complete answer for a client of `format`, with the [`responses::Echo`] of its
/// request when it is a Responses client: that answer repeats its request and needs to know
/// its freeform tools.
pub fn encode_response_echoing(
    format: WireFormat,
    resp: &ChatResponse,
    echo: Option<&responses::Echo>,
) -> Result<Vec<u8>, CodecError> {
    match format {
        WireFormat::OpenAiChat => openai::encode_response(resp),
        WireFormat::OpenAiResponses => match echo {
            Some(echo) => responses::encode_response_to(resp, echo),
            None => responses::encode_response(resp),
        },
        WireFormat::Anthropic => anthropic::encode_response(resp),
        WireFormat::Gemini => Err(CodecError::new(
            "Gemini responses are not served to clients",
        )),
    }
}

/// Decodes an upstream's complete answer in `format`.
pub fn decode_response(format: WireFormat, body: &[u8]) -> Result<ChatResponse, CodecError> {
    match format {
        WireFormat::OpenAiChat => openai::decode_response(body),
        WireFormat::OpenAiResponses => responses::decode_response(body),
        WireFormat::Anthropic => anthropic::decode_response(body),
        WireFormat::Gemini => gemini::decode_response(body),
    }
}

/// Encodes a gateway error for a client of `format`.
pub fn encode_error(format: WireFormat, err: &ApiError) -> Vec<u8> {
    match format {
        WireFormat::OpenAiChat | WireFormat::OpenAiResponses => openai::encode_error(err),
        WireFormat::Anthropic => anthropic::encode_error(err),
        WireFormat::Gemini => gemini::encode_error(err),
    }
}

/// Reads an upstream error body of `format`: (type, message).
pub fn decode_error(format: WireFormat, body: &[u8]) -> Option<(String, String)> {
    match format {
        WireFormat::OpenAiChat | WireFormat::OpenAiResponses => openai::decode_error(body),
        WireFormat::Anthropic => anthropic::decode_error(body),
        WireFormat::Gemini => gemini::decode_error(body),
    }
}

/// A stream decoder for any upstream format.
#[derive(Debug)]
pub enum AnyStreamDecoder {
    /// OpenAI chat chunks.
    OpenAi(openai::StreamDecoder),
    /// OpenAI Responses events.
    Responses(responses::StreamDecoder),
    /// Anthropic message events.
    Anthropic(anthropic::StreamDecoder),
    /// Gemini response chunks.
    Gemini(gemini::StreamDecoder),
}

impl AnyStreamDecoder {
    /// A fresh decoder for `format`.
    pub fn new(format: WireFormat) -> Self {
        match format {
            WireFormat::OpenAiChat => Self::OpenAi(openai::StreamDecoder::new()),
            WireFormat::OpenAiResponses => Self::Responses(responses::StreamDecoder::new()),
            WireFormat::Anthropic => Self::Anthropic(anthropic::StreamDecoder::new()),
            WireFormat::Gemini => Self::Gemini(gemini::StreamDecoder::new()),
        }
    }

    /// Appends the canonical events of one SSE event to `out`.
    pub fn decode(
        &mut self,
        event: &SseEvent<'_>,
        out: &mut Vec<StreamEvent>,
    ) -> Result<(), CodecError> {
        match self {
            Self::OpenAi(d) => d.decode(event, out),
            Self::Responses(d) => d.decode(event, out),
            Self::Anthropic(d) => d.decode(event, out),
            Self::Gemini(d) => d.decode(event, out),
        }
    }

    /// Whether the upstream signalled a complete end of stream.
    pub fn is_complete(&self) -> bool {
        match self {
            Self::OpenAi(d) => d.is_complete(),
            Self::Responses(d) => d.is_complete(),
            Self::Anthropic(d) => d.is_complete(),
            Self::Gemini(d) => d.is_complete(),
        }
    }
}

/// A stream encoder for any client format.
#[derive(Debug)]
pub enum AnyStreamEncoder {
    /// OpenAI chat chunks.
    OpenAi(openai::StreamEncoder),
    /// OpenAI Responses events.
    Responses(Box<responses::StreamEncoder>),
    /// Anthropic message events.
    Anthropic(anthropic::StreamEncoder),
}

impl AnyStreamEncoder {
    /// A fresh encoder for a client of `format`, or an error for formats not served.
    pub fn new(format: WireFormat, include_usage: bool) -> Result<Self, CodecError> {
        Self::echoing(format, include_usage, None)
    }

    /// A fresh encoder for a client of `format`, with the echo of its request when it is a
    /// Responses client (see [`encode_response_echoing`]).
    pub fn echoing(
        format: WireFormat,
        include_usage: bool,
        echo: Option<responses::Echo>,
    ) -> Result<Self, CodecError> {
        match format {
            WireFormat::OpenAiChat => Ok(Self::OpenAi(openai::StreamEncoder::new(include_usage))),
            WireFormat::OpenAiResponses => Ok(Self::Responses(Box::new(match echo {
                Some(echo) => responses::StreamEncoder::for_request(echo),
                None => responses::StreamEncoder::new(include_usage),
            }))),
            WireFormat::Anthropic => Ok(Self::Anthropic(anthropic::StreamEncoder::new(
                include_usage,
            ))),
            WireFormat::Gemini => Err(CodecError::new("Gemini streams are not served to clients")),
        }
    }

    /// Sets the input tokens reported at the start of a stream whose upstream reports its
    /// count only at the end (used by formats that report input usage up front: Anthropic).
    #[must_use]
    pub fn with_input_estimate(self, input_tokens: u64) -> Self {
        match self {
            Self::Anthropic(e) => Self::Anthropic(e.with_input_estimate(input_tokens)),
            other => other,
        }
    }

    /// Appends the SSE frames for `event`.
    pub fn encode(&mut self, event: &StreamEvent, out: &mut Vec<u8>) -> Result<(), CodecError> {
        match self {
            Self::OpenAi(e) => e.encode(event, out),
            Self::Responses(e) => e.encode(event, out),
            Self::Anthropic(e) => e.encode(event, out),
        }
    }

    /// Appends the frames closing a successful stream.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        match self {
            Self::OpenAi(e) => e.finish(out),
            Self::Responses(e) => e.finish(out),
            Self::Anthropic(e) => e.finish(out),
        }
    }
}
