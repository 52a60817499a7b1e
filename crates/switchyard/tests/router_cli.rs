//! `switchyard router train|eval|bench` as a user runs them.

#![cfg(test)]

use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_switchyard");
/// Labelled prompts in the dev file's format.
const EXAMPLES: &str = include_str!("../../router/data/extra-train.jsonl");

/// A file in the temp directory, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, text: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "switchyard-router-cli-{}-{name}",
            std::process::id()
        ));
        std::fs::write(&path, text).unwrap();
        Self(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn run(args: &[&str]) -> String {
    let out = Command::new(BIN).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn train_writes_weights_that_eval_reads_and_eval_cross_validates() {
    let data = TempFile::new("data.jsonl", EXAMPLES);
    let weights = TempFile::new("weights.json", "");
    let data_arg = data.0.to_str().unwrap();
    let weights_arg = weights.0.to_str().unwrap();

    let out = run(&[
        "router",
        "train",
        "--data",
        data_arg,
        "--no-extra",
        "--out",
        weights_arg,
    ]);
    assert!(out.contains("70 examples"), "{out}");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&weights.0).unwrap()).unwrap();
    assert_eq!(written["weights"].as_array().unwrap().len(), 32);

    let out = run(&[
        "router",
        "eval",
        "--data",
        data_arg,
        "--no-extra",
        "--k",
        "5",
        "--weights",
        weights_arg,
    ]);
    for expected in [
        "5-fold cross-validation",
        "accuracy ",
        "complex routed to the cheapest tier: ",
        "confusion (rows: label, columns: tier)",
        "cost: routed $",
        "the weights as they are (70 examples",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
    // Trained on these very prompts, the weights fit them well.
    let fit = out.split("the weights as they are").nth(1).unwrap();
    let accuracy: f64 = fit
        .split("accuracy ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap();
    assert!(accuracy >= 90.0, "{fit}");
}

#[test]
fn bench_times_a_decision() {
    let out = run(&["router", "bench", "--tokens", "300", "--iterations", "50"]);
    assert!(out.contains("thread CPU time: median "), "{out}");
    assert!(out.contains("router=auto; tier="), "{out}");
}

#[test]
fn eval_of_a_missing_file_is_an_error_naming_it() {
    let out = Command::new(BIN)
        .args(["router", "eval", "--data", "/nonexistent/routing.jsonl"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/nonexistent/routing.jsonl"), "{stderr}");
}
