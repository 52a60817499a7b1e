//! Switchyard's HTTP gateway: routes, middleware and the request pipeline of DESIGN.md
//! (decode -> plan -> cache -> execute with failover -> validate -> encode -> observe); see
//! [`pipeline`] and `docs/architecture.md`.

pub mod access_log;
mod app;
pub mod config;
pub mod context;
mod egress;
pub mod error;
mod middleware;
pub mod pipeline;
pub mod resilience;
pub mod routes;
mod server;
pub mod state;
pub mod telemetry;
pub mod transcript;

pub use app::{router, serve};
pub use config::{Config, ConfigError};
pub use state::AppState;
