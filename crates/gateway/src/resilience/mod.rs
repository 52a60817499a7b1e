//! Resilience: deployment health (circuit breakers, cool-downs, load and latency), the
//! strategies that order deployments, and the failover loop that drives a request across
//! deployments, retries and fallback aliases.

mod failover;
mod health;
mod strategy;

pub use failover::{Attempt, Failover};
pub use health::{
    Admission, BreakerSettings, BreakerState, DeploymentHealth, HealthSnapshot, InFlight,
};
pub use strategy::order;
