//! Shared test data: the sample events (`events.rs`) and a PostgreSQL schema per test.

#![allow(
    dead_code,
    reason = "each test file uses a different part of this module"
)]

mod events;

pub use events::*;
use std::hash::{BuildHasher, RandomState};

/// A short random suffix for schema and file names.
pub fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let h = RandomState::new().hash_one((nanos, std::process::id()));
    format!("{:012x}", h & 0xffff_ffff_ffff)
}

/// The machine's PostgreSQL (trust auth).
pub const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A schema of its own for one test, dropped (with its tables) when this goes out of scope,
/// also when the test fails.
pub struct PgSchema {
    /// The schema name.
    pub name: String,
}

impl PgSchema {
    /// A fresh schema name (created by the store's migrations).
    pub fn new(test: &str) -> Self {
        Self {
            name: format!("sy_analytics_{test}_{}", unique_suffix()),
        }
    }

    /// A direct client to the real server (not through any relay).
    pub async fn client() -> tokio_postgres::Client {
        let (client, conn) = tokio_postgres::connect(PG_URL, tokio_postgres::NoTls)
            .await
            .expect("PostgreSQL at 127.0.0.1:5432 (database `test`)");
        tokio::spawn(conn);
        client
    }

    /// Rows in this schema's events table.
    pub async fn count(&self) -> i64 {
        Self::client()
            .await
            .query_one(
                &format!("SELECT count(*) FROM \"{}\".switchyard_events", self.name),
                &[],
            )
            .await
            .map(|r| r.get(0))
            .unwrap_or(-1)
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the test's runtime: use a thread with its own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let client = Self::client().await;
                client
                    .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))
                    .await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop schema {}", self.name);
        }
    }
}
