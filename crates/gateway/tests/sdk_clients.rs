//! The official OpenAI and Anthropic Python SDKs drive the gateway (tests/sdk), in every
//! direction: each client against an upstream of each wire format, plain, streamed and with
//! tool calls. The venv is created by scripts/setup-python.sh (idempotent).

#![cfg(test)]

mod common;

use common::{Harness, CLIENT_KEY};
use std::path::PathBuf;
use std::process::Command;
use switchyard_mock::MockBehavior;

/// Aliases whose answers the response cache stores (`tests/sdk/test_sdk_cache.py`).
const CACHED_ALIASES: &str = r#"
[models.cached-openai-model]
deployments = [{ provider = "mock-openai", model = "gpt-upstream" }]
cache = { enabled = true }
[models.cached-anthropic-model]
deployments = [{ provider = "mock-anthropic", model = "claude-upstream" }]
cache = { enabled = true }
"#;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_python_sdks_work_in_every_direction() {
    let root = repo_root();
    let setup = Command::new(root.join("scripts/setup-python.sh"))
        .status()
        .expect("run scripts/setup-python.sh");
    assert!(setup.success(), "scripts/setup-python.sh failed");
    let venv = std::env::var("SWITCHYARD_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join(".venv"));

    // Plus one cached alias per upstream format, for the SDKs to read replayed answers.
    let config = format!("{}{CACHED_ALIASES}", common::ALL_KINDS);
    let harness = Harness::start(&config, MockBehavior::default()).await;
    let url = harness.url();
    let tests = root.join("tests/sdk");
    let python = venv.join("bin/python");
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .args([
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "--no-header",
                "-rfE",
            ])
            .arg(tests)
            .env("SWITCHYARD_URL", url)
            .env("SWITCHYARD_KEY", CLIENT_KEY)
            // The SDKs must reach the loopback gateway directly.
            .env("NO_PROXY", "127.0.0.1,localhost")
            .output()
            .expect("run pytest")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        output.status.success(),
        "SDK tests failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(" passed"), "pytest ran no test:\n{stdout}");
    assert!(
        !stdout.contains("skipped"),
        "no SDK test may be skipped:\n{stdout}"
    );
}
