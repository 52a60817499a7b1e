//! The `switchyard` binary as a user runs it: `check` on good and bad configs, `serve` in
//! demo mode with no config and no keys, and refusal to expose an open gateway.

#![cfg(test)]

use std::io::Write;
use std::time::Duration;

mod common;

use common::{serve, switchyard};

fn write_config(text: &str) -> tempfile_path::TempPath {
    tempfile_path::TempPath::with(text)
}

/// A minimal temp-file helper (no extra crate): removed on drop.
mod tempfile_path {
    use std::path::PathBuf;
    pub struct TempPath(pub PathBuf);
    impl TempPath {
        pub fn with(text: &str) -> Self {
            static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
            let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!(
                "switchyard-cli-test-{}-{n}.toml",
                std::process::id()
            ));
            std::fs::write(&path, text).unwrap();
            Self(path)
        }
    }
    impl Drop for TempPath {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

#[test]
fn check_accepts_a_valid_config() {
    let cfg = write_config(
        "[providers.local]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:9001/v1\"\n\
         [models.fast]\ndeployments = [{ provider = \"local\", model = \"small\" }]\n",
    );
    let out = switchyard()
        .args(["check", "--config"])
        .arg(&cfg.0)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("OK (1 providers, 1 model aliases, 0 routers)"),
        "{stdout}"
    );
}

#[test]
fn check_names_file_key_and_problem() {
    let cases = [
        (
            "[providers.local]\nkind = \"openai\"\n[models.fast]\ndeployments = [{ provider = \"loca\", model = \"m\" }]\n",
            "models.fast.deployments[0].provider: unknown provider `loca` (known: local)",
        ),
        (
            "[providers.local]\nkind = \"openai\"\napi_key = \"${SWITCHYARD_TEST_UNSET_VAR}\"\n",
            "providers.local.api_key: environment variable SWITCHYARD_TEST_UNSET_VAR is not set",
        ),
        ("[server]\nlisen = \"x\"\n", "unknown field `lisen`"),
        (
            "[providers.local]\nkind = \"openai\"\nbase_url = \"htp:/bad\"\n",
            "providers.local.base_url",
        ),
    ];
    for (text, expected) in cases {
        let cfg = write_config(text);
        let out = switchyard()
            .args(["check", "--config"])
            .arg(&cfg.0)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{text}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&cfg.0.display().to_string()),
            "file not named: {stderr}"
        );
        assert!(
            stderr.contains(expected),
            "expected `{expected}` in: {stderr}"
        );
    }
    let out = switchyard()
        .args(["check", "--config", "/nonexistent/switchyard.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read config file"));
}

/// A bare HTTP/1.1 POST (the test crate has no HTTP client dependency).
fn post(addr: &str, path: &str, body: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    std::io::Read::read_to_string(&mut stream, &mut response).unwrap();
    response
}

#[test]
fn serve_without_config_or_keys_runs_simulated_providers() {
    let (_server, addr) = serve(&["--listen", "127.0.0.1:0"]);
    let response = post(
        &addr,
        "/v1/chat/completions",
        r#"{"model":"coder","messages":[{"role":"user","content":"reverse a string"}]}"#,
    );
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains("x-switchyard-provider: simulated-openai"),
        "{response}"
    );
    // Demo answers: text with a code block, saying they are simulated.
    assert!(
        response.contains(r#"You asked: \"reverse a string\""#),
        "{response}"
    );
    assert!(response.contains("```python"), "{response}");
    assert!(response.contains("demo mode"), "{response}");
    let response = post(
        &addr,
        "/v1/messages",
        r#"{"model":"smart","max_tokens":32,"messages":[{"role":"user","content":"hi"}]}"#,
    );
    assert!(
        response.contains("x-switchyard-provider: simulated-anthropic"),
        "{response}"
    );
    assert!(response.contains(r#""type":"message""#), "{response}");
}

#[test]
fn serve_refuses_an_open_non_loopback_listener() {
    let out = switchyard()
        .args(["serve", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("api_keys"), "{stderr}");
    assert!(stderr.contains("allow_unauthenticated"), "{stderr}");
}
