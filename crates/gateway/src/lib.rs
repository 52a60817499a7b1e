//! Switchyard's HTTP gateway: routes, middleware and the request path of DESIGN.md
//! (decode -> plan -> [cache] -> execute with failover -> [validate] -> encode -> observe).

mod app;
pub mod config;
pub mod context;
pub mod error;
mod middleware;
pub mod observe;
pub mod plan;
pub mod resilience;
pub mod routes;
mod server;
pub mod state;
pub mod telemetry;
pub mod transcript;

pub use app::{router, serve};
pub use config::{Config, ConfigError};
pub use state::AppState;
