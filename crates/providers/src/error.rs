//! Provider errors: whose fault, and whether another try may help.

use std::{sync::Arc, time::Duration};
use switchyard_protocol::{ApiError, CodecError, ErrorKind};

/// Who is at fault for a failed upstream call (decides status and retry policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blame {
    /// The client's request is wrong; no deployment will accept it.
    Client,
    /// The upstream failed; another deployment may succeed.
    Upstream,
    /// The gateway's own configuration is wrong (e.g. the provider rejects its key).
    Gateway,
}

/// Why a call to a provider failed.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The request cannot be expressed in the provider's format.
    #[error("request cannot be sent to provider `{provider}`: {source}")]
    Encode {
        /// Provider name.
        provider: Arc<str>,
        /// The codec's complaint.
        source: CodecError,
    },
    /// No connection could be made (refused, DNS, TLS).
    #[error("cannot connect to provider `{provider}`: {message}")]
    Connect {
        /// Provider name.
        provider: Arc<str>,
        /// Transport detail (never contains keys).
        message: String,
    },
    /// The provider did not answer within the configured time.
    #[error("provider `{provider}` timed out after {after:?} ({phase})")]
    Timeout {
        /// Provider name.
        provider: Arc<str>,
        /// The limit that was hit.
        after: Duration,
        /// Which phase: "response headers", "stream idle", "total".
        phase: &'static str,
    },
    /// The provider answered with an error status.
    #[error("provider `{provider}` answered {status}: {message}")]
    Status {
        /// Provider name.
        provider: Arc<str>,
        /// HTTP status from upstream.
        status: u16,
        /// Upstream error type, when its body said.
        error_type: Option<String>,
        /// Upstream message (the upstream's own text: free of credentials only once
        /// [`ProviderError::redacted`], which every error leaving a provider has been).
        message: String,
        /// `Retry-After` / `retry-after-ms` from upstream.
        retry_after: Option<Duration>,
    },
    /// The connection broke while reading the answer.
    #[error("connection to provider `{provider}` broke: {message}")]
    Transport {
        /// Provider name.
        provider: Arc<str>,
        /// Transport detail.
        message: String,
    },
    /// The provider's answer could not be understood.
    #[error("provider `{provider}` sent an answer that cannot be decoded: {source}")]
    Decode {
        /// Provider name.
        provider: Arc<str>,
        /// The codec's complaint.
        source: CodecError,
    },
    /// The provider does not offer this operation (e.g. embeddings on Anthropic).
    #[error("provider `{provider}` ({kind}) does not support {operation}")]
    Unsupported {
        /// Provider name.
        provider: Arc<str>,
        /// Provider kind.
        kind: &'static str,
        /// The operation.
        operation: &'static str,
    },
}

impl ProviderError {
    /// An error event an upstream stream sent before any content, as the failure it stands
    /// for: Anthropic's `overloaded_error` is its 529, anything else a bad gateway. Both are
    /// the upstream's fault, so the next deployment is tried.
    pub fn from_stream_error(provider: Arc<str>, kind: String, message: String) -> Self {
        let status = if kind.contains("overloaded") {
            529
        } else {
            502
        };
        Self::Status {
            provider,
            status,
            error_type: Some(kind),
            message,
            retry_after: None,
        }
    }

    /// The error with every piece of upstream-supplied text passed through `redactor`
    /// (upstreams echo the credentials they received). Provider names and phases are the
    /// gateway's own and left as they are.
    pub fn redacted(mut self, redactor: &crate::Redactor) -> Self {
        match &mut self {
            Self::Status {
                error_type,
                message,
                ..
            } => {
                redactor.redact_in_place(message);
                if let Some(t) = error_type {
                    redactor.redact_in_place(t);
                }
            }
            Self::Connect { message, .. } | Self::Transport { message, .. } => {
                redactor.redact_in_place(message);
            }
            Self::Encode { source, .. } | Self::Decode { source, .. } => {
                redactor.redact_in_place(&mut source.message);
                if let Some(p) = &mut source.param {
                    redactor.redact_in_place(p);
                }
            }
            Self::Timeout { .. } | Self::Unsupported { .. } => {}
        }
        self
    }

    /// Whose fault this is.
    pub fn blame(&self) -> Blame {
        match self {
            Self::Encode { .. } | Self::Unsupported { .. } => Blame::Client,
            Self::Status { status, .. } => match status {
                401 | 403 => Blame::Gateway,
                400 | 404 | 413 | 422 => Blame::Client,
                _ => Blame::Upstream,
            },
            Self::Connect { .. } | Self::Timeout { .. } | Self::Transport { .. } => Blame::Upstream,
            Self::Decode { .. } => Blame::Upstream,
        }
    }

    /// Whether trying again (here or on another deployment) may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Connect { .. } | Self::Timeout { .. } | Self::Transport { .. } => true,
            Self::Status { status, .. } => matches!(status, 408 | 409 | 429) || *status >= 500,
            Self::Encode { .. } | Self::Decode { .. } | Self::Unsupported { .. } => false,
        }
    }

    /// Whether the upstream refused the request because the prompt does not fit the
    /// model's context window (a model with a bigger window may take it).
    pub fn is_context_window_exceeded(&self) -> bool {
        let Self::Status {
            status: 400 | 413 | 422,
            error_type,
            message,
            ..
        } = self
        else {
            return false;
        };
        let m = message.to_ascii_lowercase();
        error_type.as_deref() == Some("context_length_exceeded")
            || [
                "context length",
                "context_length_exceeded",
                "context window",
                "maximum context",
                "prompt is too long",
                "too many tokens",
                "input is too long",
                "exceeds the maximum number of tokens",
            ]
            .iter()
            .any(|needle| m.contains(needle))
    }

    /// Whether the upstream refused the request on content policy grounds (another
    /// provider's policy may differ).
    pub fn is_content_policy(&self) -> bool {
        let Self::Status {
            status: 400 | 403 | 422,
            error_type,
            message,
            ..
        } = self
        else {
            return false;
        };
        let m = message.to_ascii_lowercase();
        matches!(
            error_type.as_deref(),
            Some("content_policy_violation" | "content_filter")
        ) || [
            "content policy",
            "content_policy",
            "content management policy",
            "safety system",
        ]
        .iter()
        .any(|needle| m.contains(needle))
    }

    /// How long the upstream asked us to wait before retrying.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The error the client sees.
    pub fn to_api_error(&self) -> ApiError {
        let kind = match self {
            Self::Encode { .. } | Self::Unsupported { .. } => ErrorKind::InvalidRequest,
            Self::Connect { .. } | Self::Transport { .. } | Self::Decode { .. } => {
                ErrorKind::UpstreamError
            }
            Self::Timeout { .. } => ErrorKind::UpstreamTimeout,
            Self::Status { status, .. } => match status {
                400 | 422 => ErrorKind::InvalidRequest,
                404 => ErrorKind::NotFound,
                413 => ErrorKind::RequestTooLarge,
                429 => ErrorKind::RateLimited,
                408 | 504 => ErrorKind::UpstreamTimeout,
                _ => ErrorKind::UpstreamError,
            },
        };
        let mut err = ApiError::new(kind, self.to_string());
        if let Self::Encode { source, .. } = self {
            err.param.clone_from(&source.param);
        }
        if let Self::Status {
            status: 401 | 403, ..
        } = self
        {
            err.message = format!(
                "{self} (the gateway's credentials for this provider were rejected; check its api_key)"
            );
        }
        err
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, error_type: Option<&str>, message: &str) -> ProviderError {
        ProviderError::Status {
            provider: "p".into(),
            status,
            error_type: error_type.map(str::to_owned),
            message: message.into(),
            retry_after: None,
        }
    }

    #[test]
    fn classifies_whose_fault_and_retryability() {
        assert_eq!(status(400, None, "bad").blame(), Blame::Client);
        assert!(!status(400, None, "bad").is_retryable());
        assert_eq!(status(401, None, "key").blame(), Blame::Gateway);
        assert_eq!(status(503, None, "down").blame(), Blame::Upstream);
        assert!(status(503, None, "down").is_retryable());
        assert!(status(429, None, "slow down").is_retryable());
        assert_eq!(
            status(429, None, "x").to_api_error().kind,
            ErrorKind::RateLimited
        );
        assert_eq!(
            status(500, None, "x").to_api_error().kind,
            ErrorKind::UpstreamError
        );
    }

    #[test]
    fn recognises_context_window_and_content_policy_refusals() {
        let openai = status(
            400,
            Some("invalid_request_error"),
            "This model's maximum context length is 8192 tokens",
        );
        assert!(openai.is_context_window_exceeded());
        let anthropic = status(
            400,
            Some("invalid_request_error"),
            "prompt is too long: 210000 tokens > 200000 maximum",
        );
        assert!(anthropic.is_context_window_exceeded());
        assert!(!status(400, None, "messages: field required").is_context_window_exceeded());
        let azure = status(400, Some("content_filter"), "The response was filtered");
        assert!(azure.is_content_policy());
        assert!(!status(503, Some("content_filter"), "x").is_content_policy());
    }
}
