//! `[telemetry]`: where and how request spans are exported.

use super::{check_url, raw::RawTelemetry, ConfigError, Validator};
use std::time::Duration;

/// Default `service.name` resource attribute.
pub const DEFAULT_SERVICE_NAME: &str = "switchyard";
/// Default time between exports of queued spans.
pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_secs(2);

/// `[telemetry]`, validated; present only when `otlp_endpoint` is set.
#[derive(Debug, Clone, PartialEq)]
pub struct TelemetryConfig {
    /// OTLP/HTTP base URL; spans go to `{otlp_endpoint}/v1/traces` (no trailing slash).
    pub otlp_endpoint: String,
    /// The `service.name` resource attribute.
    pub service_name: String,
    /// Extra headers on every export (collector authentication).
    pub headers: Vec<(String, String)>,
    /// Share of root requests traced, in 0..=1 (a sampled `traceparent` is always followed).
    pub sample_ratio: f64,
    /// Longest time a span waits in the queue before it is exported.
    pub flush_interval: Duration,
}

impl Validator<'_> {
    /// Validates `[telemetry]`; `Ok(None)` when tracing is off.
    pub(super) fn telemetry(
        &self,
        raw: Option<&RawTelemetry>,
    ) -> Result<Option<TelemetryConfig>, ConfigError> {
        let Some(raw) = raw else { return Ok(None) };
        let sample_ratio = raw.sample_ratio.unwrap_or(1.0);
        if !(0.0..=1.0).contains(&sample_ratio) {
            return Err(self.err(
                "telemetry.sample_ratio",
                "must be between 0 and 1 (1 traces every request)",
            ));
        }
        let flush_interval = match raw.flush_interval_ms {
            Some(0) => {
                return Err(self.err("telemetry.flush_interval_ms", "must be greater than 0"))
            }
            Some(ms) => Duration::from_millis(ms),
            None => DEFAULT_FLUSH_INTERVAL,
        };
        let service_name = match &raw.service_name {
            Some(n) => self.interpolate("telemetry.service_name", n)?,
            None => DEFAULT_SERVICE_NAME.to_owned(),
        };
        if service_name.trim().is_empty() {
            return Err(self.err("telemetry.service_name", "must not be empty"));
        }
        let headers = self.headers("telemetry", &raw.headers)?;
        let Some(endpoint) = &raw.otlp_endpoint else {
            return Ok(None);
        };
        let endpoint = self.interpolate("telemetry.otlp_endpoint", endpoint)?;
        // An empty value (e.g. `${OTLP_ENDPOINT}` set to "") turns tracing off.
        if endpoint.trim().is_empty() {
            return Ok(None);
        }
        check_url(&endpoint).map_err(|m| self.err("telemetry.otlp_endpoint", m))?;
        Ok(Some(TelemetryConfig {
            otlp_endpoint: endpoint.trim_end_matches('/').to_owned(),
            service_name,
            headers,
            sample_ratio,
            flush_interval,
        }))
    }
}
