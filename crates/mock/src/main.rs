//! `switchyard-mock`: serves the fake providers until SIGTERM or ctrl-c.
//!
//! Prints exactly one line to stdout once bound, `listening on 127.0.0.1:PORT`; logs go to
//! stderr (`RUST_LOG` filters them).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use switchyard_mock::{MockBehavior, MockServer};

/// Programmable fake LLM provider (OpenAI, Azure OpenAI, Anthropic, Gemini, embeddings).
#[derive(Debug, Parser)]
#[command(name = "switchyard-mock", version)]
struct Cli {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Behaviour as a JSON file (a MockBehavior object); the flags below override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Delay before every answer, in milliseconds.
    #[arg(long)]
    latency_ms: Option<u64>,
    /// Streams: delay before the first content chunk, in milliseconds.
    #[arg(long)]
    ttft_ms: Option<u64>,
    /// Streams: delay between content chunks, in milliseconds.
    #[arg(long)]
    per_token_ms: Option<u64>,
    /// Fixed answer text (default: "Mock answer to: <the user's text>").
    #[arg(long)]
    response_text: Option<String>,
    /// Streams: words per content chunk.
    #[arg(long)]
    chunk_words: Option<u32>,
    /// Streams: answer in exactly this many content chunks, sent back to back unless
    /// `--per-token-ms` spaces them (sets the answer to as many one-word chunks; overrides
    /// `--response-text` and `--chunk-words`).
    #[arg(long)]
    chunks: Option<u32>,
    /// Also serve /_mock/* on this address, which stays open under the refuse fault.
    #[arg(long)]
    control_listen: Option<SocketAddr>,
}

impl Cli {
    fn behavior(&self) -> anyhow::Result<MockBehavior> {
        let mut b = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                serde_json::from_str(&text)
                    .with_context(|| format!("parsing behaviour in {}", path.display()))?
            }
            None => MockBehavior::default(),
        };
        if let Some(v) = self.latency_ms {
            b.latency_ms = v;
        }
        if let Some(v) = self.ttft_ms {
            b.ttft_ms = v;
        }
        if let Some(v) = self.per_token_ms {
            b.per_token_ms = v;
        }
        if let Some(v) = &self.response_text {
            b.response_text = Some(v.clone());
        }
        if let Some(v) = self.chunk_words {
            b.chunk_words = v;
        }
        if let Some(n) = self.chunks {
            b.response_text = Some(chunked_text(n));
            b.chunk_words = 1;
        }
        Ok(b)
    }
}

/// An answer of `n` words: streamed one word per chunk, `n` content chunks.
fn chunked_text(n: u32) -> String {
    let mut text = String::with_capacity(6 * n as usize);
    for i in 0..n.max(1) {
        if i > 0 {
            text.push(' ');
        }
        text.push_str("tok");
        text.push_str(&(i % 100).to_string());
    }
    text
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    let behavior = cli.behavior()?;
    let server = MockServer::start_on(cli.listen, behavior)
        .await
        .with_context(|| format!("binding {}", cli.listen))?;
    if let Some(addr) = cli.control_listen {
        let bound = server
            .serve_control_on(addr)
            .await
            .with_context(|| format!("binding control listener {addr}"))?;
        tracing::info!(%bound, "control endpoints listening");
    }
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", server.addr())?;
        out.flush()?;
    }
    shutdown_signal().await?;
    tracing::info!("shutting down");
    server.shutdown().await;
    Ok(())
}

#[cfg(unix)]
async fn shutdown_signal() -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).context("installing SIGTERM handler")?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.context("waiting for ctrl-c")?,
        _ = term.recv() => {}
    }
    Ok(())
}

#[cfg(not(unix))]
async fn shutdown_signal() -> anyhow::Result<()> {
    tokio::signal::ctrl_c().await.context("waiting for ctrl-c")
}
