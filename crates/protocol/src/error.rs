//! Errors of decoding and the client-facing error model.

use std::fmt;

/// A payload could not be decoded or encoded. `param` names the offending field as a path
/// (`messages[2].content`), so that a client's 400 says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CodecError {
    /// Path of the field at fault, when known.
    pub param: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.param {
            Some(p) => write!(f, "{p}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl CodecError {
    /// An error about field `param`.
    pub fn field(param: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            param: Some(param.into()),
            message: message.into(),
        }
    }

    /// An error not tied to one field.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            param: None,
            message: message.into(),
        }
    }
}

/// Deserialize `T` from JSON, naming the path of the field at fault on error.
pub fn from_json_slice<'de, T: serde::Deserialize<'de>>(body: &'de [u8]) -> Result<T, CodecError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = if inner.is_syntax() || inner.is_eof() {
            format!("request body is not valid JSON: {inner}")
        } else {
            // serde's message ends with "at line L column C"; the path says more.
            inner.to_string()
        };
        CodecError {
            param: (path != "." && !path.is_empty()).then_some(path),
            message,
        }
    })?;
    de.end()
        .map_err(|e| CodecError::new(format!("request body is not valid JSON: {e}")))?;
    Ok(value)
}

/// Serialize to JSON bytes.
pub fn to_json_vec<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, CodecError> {
    serde_json::to_vec(value).map_err(|e| CodecError::new(format!("cannot serialize JSON: {e}")))
}

/// The class of a client-facing error. Each codec maps it to its format's error `type`
/// and every class has one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Malformed or invalid request (400).
    InvalidRequest,
    /// Missing or wrong API key (401).
    Authentication,
    /// Key valid but not allowed (403).
    PermissionDenied,
    /// Unknown model alias or route (404).
    NotFound,
    /// Body over the configured limit (413).
    RequestTooLarge,
    /// Rate limited, by the gateway or the upstream (429).
    RateLimited,
    /// Internal gateway fault (500).
    Internal,
    /// The upstream failed or answered something unusable (502).
    UpstreamError,
    /// No deployment can serve right now (503).
    Unavailable,
    /// The upstream did not answer in time (504).
    UpstreamTimeout,
}

impl ErrorKind {
    /// HTTP status code of this class.
    pub fn status(self) -> u16 {
        match self {
            Self::InvalidRequest => 400,
            Self::Authentication => 401,
            Self::PermissionDenied => 403,
            Self::NotFound => 404,
            Self::RequestTooLarge => 413,
            Self::RateLimited => 429,
            Self::Internal => 500,
            Self::UpstreamError => 502,
            Self::Unavailable => 503,
            Self::UpstreamTimeout => 504,
        }
    }

    /// A short stable name of this class (`rate_limited`, `upstream_timeout`, …).
    ///
    /// Metrics label and analytics column values: few distinct values, never renamed, so that
    /// dashboards and stored events keep matching across releases.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::Authentication => "authentication",
            Self::PermissionDenied => "permission_denied",
            Self::NotFound => "not_found",
            Self::RequestTooLarge => "request_too_large",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal",
            Self::UpstreamError => "upstream_error",
            Self::Unavailable => "unavailable",
            Self::UpstreamTimeout => "upstream_timeout",
        }
    }
}

/// An error returned to a client, in whatever format the client speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// Class (and so status).
    pub kind: ErrorKind,
    /// Human-readable message. Never contains prompt text or keys.
    pub message: String,
    /// The request field at fault, if any.
    pub param: Option<String>,
    /// A machine-readable code, e.g. `model_not_found`.
    pub code: Option<String>,
}

impl ApiError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            param: None,
            code: None,
        }
    }

    /// Sets the machine-readable code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets the field at fault.
    pub fn with_param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }
}

impl From<CodecError> for ApiError {
    fn from(e: CodecError) -> Self {
        let message = e.to_string();
        Self {
            kind: ErrorKind::InvalidRequest,
            message,
            param: e.param,
            code: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorKind;

    /// Every class with its status and stable name: the names are a contract with stored
    /// analytics and dashboards, so a rename must fail here.
    const ALL: [(ErrorKind, u16, &str); 10] = [
        (ErrorKind::InvalidRequest, 400, "invalid_request"),
        (ErrorKind::Authentication, 401, "authentication"),
        (ErrorKind::PermissionDenied, 403, "permission_denied"),
        (ErrorKind::NotFound, 404, "not_found"),
        (ErrorKind::RequestTooLarge, 413, "request_too_large"),
        (ErrorKind::RateLimited, 429, "rate_limited"),
        (ErrorKind::Internal, 500, "internal"),
        (ErrorKind::UpstreamError, 502, "upstream_error"),
        (ErrorKind::Unavailable, 503, "unavailable"),
        (ErrorKind::UpstreamTimeout, 504, "upstream_timeout"),
    ];

    #[test]
    fn every_kind_has_its_stable_name_and_status() {
        for (kind, status, name) in ALL {
            assert_eq!(kind.as_str(), name, "{kind:?}");
            assert_eq!(kind.status(), status, "{kind:?}");
        }
    }

    #[test]
    fn names_are_distinct_snake_case() {
        let mut names: Vec<&str> = ALL.iter().map(|(k, _, _)| k.as_str()).collect();
        assert!(names
            .iter()
            .all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
    }
}
