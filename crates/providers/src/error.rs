//! Provider errors: whose fault, and whether another try may help.

use std::time::Duration;
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
        provider: String,
        /// The codec's complaint.
        source: CodecError,
    },
    /// No connection could be made (refused, DNS, TLS).
    #[error("cannot connect to provider `{provider}`: {message}")]
    Connect {
        /// Provider name.
        provider: String,
        /// Transport detail (never contains keys).
        message: String,
    },
    /// The provider did not answer within the configured time.
    #[error("provider `{provider}` timed out after {after:?} ({phase})")]
    Timeout {
        /// Provider name.
        provider: String,
        /// The limit that was hit.
        after: Duration,
        /// Which phase: "response headers", "stream idle", "total".
        phase: &'static str,
    },
    /// The provider answered with an error status.
    #[error("provider `{provider}` answered {status}: {message}")]
    Status {
        /// Provider name.
        provider: String,
        /// HTTP status from upstream.
        status: u16,
        /// Upstream error type, when its body said.
        error_type: Option<String>,
        /// Upstream message (already free of our keys: it is the upstream's own text).
        message: String,
        /// `Retry-After` / `retry-after-ms` from upstream.
        retry_after: Option<Duration>,
    },
    /// The connection broke while reading the answer.
    #[error("connection to provider `{provider}` broke: {message}")]
    Transport {
        /// Provider name.
        provider: String,
        /// Transport detail.
        message: String,
    },
    /// The provider's answer could not be understood.
    #[error("provider `{provider}` sent an answer that cannot be decoded: {source}")]
    Decode {
        /// Provider name.
        provider: String,
        /// The codec's complaint.
        source: CodecError,
    },
    /// The provider does not offer this operation (e.g. embeddings on Anthropic).
    #[error("provider `{provider}` ({kind}) does not support {operation}")]
    Unsupported {
        /// Provider name.
        provider: String,
        /// Provider kind.
        kind: &'static str,
        /// The operation.
        operation: &'static str,
    },
}

impl ProviderError {
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
