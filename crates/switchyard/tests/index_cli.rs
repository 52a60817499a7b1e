//! `switchyard index` as a user runs it: build, search, warm reopen, a bad name.

#![cfg(test)]

mod common;

use common::{switchyard, TempDir};

fn index(args: &[&str]) -> std::process::Output {
    switchyard().arg("index").args(args).output().unwrap()
}

#[test]
fn index_builds_searches_and_reopens_without_rereading() {
    let repo = TempDir::new("repo");
    let data = TempDir::new("data");
    std::fs::write(
        repo.0.join("lib.rs"),
        "/// Parses a port.\npub fn parse_port_number(s: &str) -> u16 {\n    s.parse().unwrap_or(0)\n}\n",
    )
    .unwrap();
    std::fs::write(repo.0.join("notes.md"), "# Notes\n\nports and numbers\n").unwrap();
    let repo_arg = repo.0.to_str().unwrap();
    let data_arg = data.0.to_str().unwrap();
    let args = [
        repo_arg,
        "--name",
        "cli",
        "--data-dir",
        data_arg,
        "--query",
        "parse_port_number",
    ];

    let out = index(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("files: 2 walked, 2 read"), "{text}");
    assert!(text.contains("2 added"), "{text}");
    assert!(
        text.contains("  1. lib.rs:1-4  function parse_port_number"),
        "{text}"
    );
    assert!(data.0.join("cli/manifest.json").is_file());

    let again = index(&args);
    let text = String::from_utf8(again.stdout).unwrap();
    assert!(text.contains("0 added, 0 changed, 0 removed"), "{text}");
    assert!(text.contains("function parse_port_number"), "{text}");

    let bad = index(&[repo_arg, "--name", "../x", "--data-dir", data_arg]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("repository name"));
}
