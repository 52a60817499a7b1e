//! The `switchyard-mock` binary: one stdout line once bound, clean exit on SIGTERM.
#![cfg(test)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

#[tokio::test]
async fn prints_its_address_serves_and_stops_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("switchyard-mock-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("behavior.json");
    std::fs::write(
        &config,
        r#"{"response_text": "from file", "chunk_words": 2}"#,
    )
    .unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_switchyard-mock"))
        .args(["--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .args(["--latency-ms", "1", "--response-text", "from flag"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let addr = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .trim()
        .to_owned();
    assert!(addr.starts_with("127.0.0.1:"));

    let v: Value = reqwest::Client::new()
        .post(format!("http://{addr}/v1/chat/completions"))
        .json(&json!({"messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["choices"][0]["message"]["content"], "from flag");
    let cfg: Value = reqwest::get(format!("http://{addr}/_mock/config"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cfg["chunk_words"], 2);
    assert_eq!(cfg["latency_ms"], 1);

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "mock did not exit on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "{exit:?}");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "", "exactly one line on stdout");
    let _ = std::fs::remove_dir_all(&dir);
}
