//! Health of one deployment: its circuit breaker, rate-limit cool-down, in-flight count and
//! latency average. Shared by every request (and every alias) that uses the deployment;
//! locks are held for a few instructions, never across an await.

use serde::Serialize;
use std::{
    sync::{
        atomic::{AtomicU32, AtomicU64, Ordering},
        Mutex, MutexGuard,
    },
    time::{Duration, Instant},
};

/// When a breaker opens and how long it stays open.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreakerSettings {
    /// Consecutive failures that open the breaker.
    pub consecutive_failures: u32,
    /// Error rate over the recent window that opens it (0..=1).
    pub error_rate: f64,
    /// Outcomes remembered for the error rate.
    pub window: u32,
    /// Outcomes needed in the window before the error rate counts.
    pub min_requests: u32,
    /// How long an open breaker skips the deployment before one probe is let through.
    pub cooldown: Duration,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        Self {
            consecutive_failures: 5,
            error_rate: 0.5,
            window: 20,
            min_requests: 10,
            cooldown: Duration::from_secs(30),
        }
    }
}

/// State of a circuit breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    /// Requests flow.
    Closed,
    /// Requests skip the deployment until the cool-down ends.
    Open,
    /// The cool-down ended: one probe request at a time decides.
    HalfOpen,
}

#[derive(Debug)]
struct Breaker {
    state: BreakerState,
    consecutive_failures: u32,
    /// Recent outcomes as bits (1 = failure), newest in bit 0.
    outcomes: u64,
    recorded: u32,
    opened_at: Option<Instant>,
    probe_in_flight: bool,
    /// Rate-limit cool-down from the upstream's Retry-After.
    cool_until: Option<Instant>,
}

/// Whether a deployment may be tried now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Yes.
    Allowed,
    /// Yes, as the single half-open probe.
    Probe,
    /// No: the breaker is open.
    BreakerOpen,
    /// No: the upstream asked us to wait (Retry-After) until this instant.
    CoolingDown(Instant),
}

impl Admission {
    /// Whether a request may go to the deployment.
    pub fn is_allowed(self) -> bool {
        matches!(self, Self::Allowed | Self::Probe)
    }
}

/// Health of one deployment.
#[derive(Debug)]
pub struct DeploymentHealth {
    settings: BreakerSettings,
    breaker: Mutex<Breaker>,
    in_flight: AtomicU32,
    /// EWMA of latency (time to first token for streams), microseconds; 0 = unknown.
    latency_ewma_us: AtomicU64,
}

/// Weight of the newest sample in the latency average.
const EWMA_ALPHA: f64 = 0.2;

impl DeploymentHealth {
    /// A healthy deployment.
    pub fn new(settings: BreakerSettings) -> Self {
        Self {
            settings,
            breaker: Mutex::new(Breaker {
                state: BreakerState::Closed,
                consecutive_failures: 0,
                outcomes: 0,
                recorded: 0,
                opened_at: None,
                probe_in_flight: false,
                cool_until: None,
            }),
            in_flight: AtomicU32::new(0),
            latency_ewma_us: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Breaker> {
        // A poisoned lock only means a panic elsewhere mid-update; the counters stay usable.
        self.breaker
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether the deployment may be tried at `now` (without reserving anything).
    pub fn peek(&self, now: Instant) -> Admission {
        let b = self.lock();
        Self::admission(&b, &self.settings, now)
    }

    fn admission(b: &Breaker, s: &BreakerSettings, now: Instant) -> Admission {
        if let Some(until) = b.cool_until.filter(|u| *u > now) {
            return Admission::CoolingDown(until);
        }
        match b.state {
            BreakerState::Closed => Admission::Allowed,
            BreakerState::Open => match b.opened_at {
                Some(at) if now.duration_since(at) >= s.cooldown => Admission::Probe,
                _ => Admission::BreakerOpen,
            },
            BreakerState::HalfOpen if b.probe_in_flight => Admission::BreakerOpen,
            BreakerState::HalfOpen => Admission::Probe,
        }
    }

    /// Reserves an attempt at `now`: returns whether it may go, and marks the half-open
    /// probe as taken when it is one.
    pub fn admit(&self, now: Instant) -> Admission {
        let mut b = self.lock();
        let admission = Self::admission(&b, &self.settings, now);
        if admission == Admission::Probe {
            b.state = BreakerState::HalfOpen;
            b.probe_in_flight = true;
        }
        admission
    }

    /// Books a success that took `latency`.
    pub fn record_success(&self, latency: Duration) {
        {
            let mut b = self.lock();
            b.consecutive_failures = 0;
            b.outcomes <<= 1;
            b.recorded = (b.recorded + 1).min(self.settings.window);
            b.state = BreakerState::Closed;
            b.opened_at = None;
            b.probe_in_flight = false;
        }
        let sample = u64::try_from(latency.as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        let old = self.latency_ewma_us.load(Ordering::Relaxed);
        let new = if old == 0 {
            sample
        } else {
            (EWMA_ALPHA * sample as f64 + (1.0 - EWMA_ALPHA) * old as f64) as u64
        };
        self.latency_ewma_us.store(new.max(1), Ordering::Relaxed);
    }

    /// Books a failure of the upstream at `now`; opens the breaker when a threshold is hit.
    pub fn record_failure(&self, now: Instant) {
        let mut b = self.lock();
        b.consecutive_failures += 1;
        b.outcomes = (b.outcomes << 1) | 1;
        b.recorded = (b.recorded + 1).min(self.settings.window);
        let mask = if self.settings.window >= 64 {
            u64::MAX
        } else {
            (1u64 << self.settings.window) - 1
        };
        let failures = (b.outcomes & mask).count_ones();
        let rate_trips = b.recorded >= self.settings.min_requests
            && f64::from(failures) >= self.settings.error_rate * f64::from(b.recorded);
        let was_probe = b.state == BreakerState::HalfOpen;
        if was_probe || b.consecutive_failures >= self.settings.consecutive_failures || rate_trips {
            if b.state != BreakerState::Open {
                tracing::warn!(
                    consecutive_failures = b.consecutive_failures,
                    "circuit breaker opened"
                );
            }
            b.state = BreakerState::Open;
            b.opened_at = Some(now);
        }
        b.probe_in_flight = false;
    }

    /// The upstream rate-limited us and asked to wait `after`: skip it until then. Not a
    /// health failure.
    pub fn cool_down(&self, now: Instant, after: Duration) {
        let mut b = self.lock();
        let until = now + after;
        if b.cool_until.is_none_or(|u| u < until) {
            b.cool_until = Some(until);
        }
        if b.state == BreakerState::HalfOpen {
            b.probe_in_flight = false;
        }
    }

    /// Releases a half-open probe whose outcome says nothing about health (e.g. the
    /// client's own error).
    pub fn release_probe(&self) {
        let mut b = self.lock();
        b.probe_in_flight = false;
    }

    /// Requests in flight now.
    pub fn in_flight(&self) -> u32 {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// Average latency, if any request completed.
    pub fn latency_ewma(&self) -> Option<Duration> {
        match self.latency_ewma_us.load(Ordering::Relaxed) {
            0 => None,
            us => Some(Duration::from_micros(us)),
        }
    }

    /// Counts a request in flight until the guard is dropped.
    pub fn enter(self: &std::sync::Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self.clone())
    }

    /// A snapshot for `/admin/health`.
    pub fn snapshot(&self, now: Instant) -> HealthSnapshot {
        let b = self.lock();
        let window = b.recorded.max(1);
        let mask = if self.settings.window >= 64 {
            u64::MAX
        } else {
            (1u64 << self.settings.window) - 1
        };
        HealthSnapshot {
            state: match Self::admission(&b, &self.settings, now) {
                Admission::Probe => BreakerState::HalfOpen,
                _ => b.state,
            },
            consecutive_failures: b.consecutive_failures,
            error_rate: if b.recorded == 0 {
                0.0
            } else {
                f64::from((b.outcomes & mask).count_ones()) / f64::from(window)
            },
            in_flight: self.in_flight(),
            latency_ewma_ms: self.latency_ewma().map(|d| d.as_secs_f64() * 1000.0),
            cooling_down_ms: b
                .cool_until
                .filter(|u| *u > now)
                .map(|u| u.duration_since(now).as_millis() as u64),
            open_remaining_ms: match (b.state, b.opened_at) {
                (BreakerState::Open, Some(at)) => Some(
                    self.settings
                        .cooldown
                        .saturating_sub(now.duration_since(at))
                        .as_millis() as u64,
                ),
                _ => None,
            },
        }
    }
}

/// A request in flight on a deployment (for `least-busy`).
#[derive(Debug)]
pub struct InFlight(std::sync::Arc<DeploymentHealth>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What `/admin/health` shows of a deployment.
#[derive(Debug, Clone, Serialize)]
pub struct HealthSnapshot {
    /// Breaker state.
    pub state: BreakerState,
    /// Failures in a row.
    pub consecutive_failures: u32,
    /// Failures in the recent window.
    pub error_rate: f64,
    /// Requests in flight.
    pub in_flight: u32,
    /// Average latency (TTFT for streams).
    pub latency_ewma_ms: Option<f64>,
    /// Time left of a Retry-After cool-down.
    pub cooling_down_ms: Option<u64>,
    /// Time left before an open breaker lets a probe through.
    pub open_remaining_ms: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> BreakerSettings {
        BreakerSettings {
            consecutive_failures: 3,
            error_rate: 0.5,
            window: 10,
            min_requests: 6,
            cooldown: Duration::from_millis(100),
        }
    }

    #[test]
    fn opens_after_consecutive_failures_then_probes_and_closes() {
        let h = DeploymentHealth::new(settings());
        let t0 = Instant::now();
        for _ in 0..2 {
            h.record_failure(t0);
            assert_eq!(h.admit(t0), Admission::Allowed);
        }
        h.record_failure(t0);
        assert_eq!(h.admit(t0), Admission::BreakerOpen);
        let later = t0 + Duration::from_millis(150);
        assert_eq!(h.admit(later), Admission::Probe);
        // Only one probe at a time.
        assert_eq!(h.admit(later), Admission::BreakerOpen);
        h.record_success(Duration::from_millis(5));
        assert_eq!(h.admit(later), Admission::Allowed);
    }

    #[test]
    fn failed_probe_reopens() {
        let h = DeploymentHealth::new(settings());
        let t0 = Instant::now();
        for _ in 0..3 {
            h.record_failure(t0);
        }
        let later = t0 + Duration::from_millis(150);
        assert_eq!(h.admit(later), Admission::Probe);
        h.record_failure(later);
        assert_eq!(
            h.admit(later + Duration::from_millis(10)),
            Admission::BreakerOpen
        );
        assert_eq!(
            h.admit(later + Duration::from_millis(120)),
            Admission::Probe
        );
    }

    #[test]
    fn error_rate_opens_without_a_streak() {
        let h = DeploymentHealth::new(settings());
        let t0 = Instant::now();
        // Alternate: never 3 in a row, but 50 % over 6+ outcomes.
        for _ in 0..3 {
            h.record_failure(t0);
            h.record_success(Duration::from_millis(1));
        }
        h.record_failure(t0);
        assert_eq!(h.admit(t0), Admission::BreakerOpen);
    }

    #[test]
    fn retry_after_cools_down_without_opening() {
        let h = DeploymentHealth::new(settings());
        let t0 = Instant::now();
        h.cool_down(t0, Duration::from_secs(1));
        assert!(matches!(h.admit(t0), Admission::CoolingDown(_)));
        assert_eq!(
            h.admit(t0 + Duration::from_millis(1001)),
            Admission::Allowed
        );
        assert_eq!(h.snapshot(t0).state, BreakerState::Closed);
    }

    #[test]
    fn latency_average_and_in_flight() {
        let h = std::sync::Arc::new(DeploymentHealth::new(settings()));
        assert_eq!(h.latency_ewma(), None);
        h.record_success(Duration::from_millis(10));
        h.record_success(Duration::from_millis(20));
        let avg = h.latency_ewma().unwrap().as_secs_f64() * 1000.0;
        assert!((avg - 12.0).abs() < 0.01, "{avg}");
        let a = h.enter();
        let b = h.enter();
        assert_eq!(h.in_flight(), 2);
        drop(a);
        drop(b);
        assert_eq!(h.in_flight(), 0);
    }
}
