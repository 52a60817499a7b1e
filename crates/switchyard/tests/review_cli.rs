//! `switchyard review` as CI runs it: a git repository with changes in Python and Rust,
//! reviewed by the demo gateway (whose simulated reviewer flags `eval(` and hard-coded
//! passwords high, `.unwrap()` medium, `TODO` low), in each format, with each exit code.

#![cfg(test)]

mod common;

use common::{fake_gateway, serve_demo, switchyard, unused_loopback_url, TempDir};
use serde_json::Value;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

const APP_PY: &str = "import json


def load(path):
    # TODO: an old note in unchanged code
    with open(path) as f:
        return json.load(f)


def main():
    data = load(\"config.json\")
    print(data)
";

const LIB_RS: &str = "pub fn parse(s: &str) -> u16 {
    s.trim().parse().unwrap_or(0)
}
";

/// `git` in `dir`, isolated from the user's configuration, asserting success.
fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=Review Test",
            "-c",
            "user.email=review@example.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A repository with `files` committed.
fn repository(name: &str, files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new(name);
    git(dir.path(), &["init", "-q"]);
    for (path, text) in files {
        dir.write(path, text);
    }
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    dir
}

/// The base repository with a high problem in Python (line 12) and a medium one in Rust
/// (line 6).
fn changed_repository(name: &str) -> TempDir {
    let repo = repository(name, &[("app.py", APP_PY), ("src/lib.rs", LIB_RS)]);
    repo.write(
        "app.py",
        &APP_PY.replace(
            "    print(data)\n",
            "    result = eval(data[\"expr\"])\n    print(data, result)\n",
        ),
    );
    repo.write(
        "src/lib.rs",
        &format!("{LIB_RS}\npub fn port(s: &str) -> u16 {{\n    s.parse().unwrap()\n}}\n"),
    );
    repo
}

fn review(dir: &Path, gateway: &str, args: &[&str]) -> Output {
    switchyard()
        .arg("review")
        .args(["--gateway", gateway])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CEILING_DIRECTORIES", std::env::temp_dir())
        .output()
        .unwrap()
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn markdown_sarif_and_json_report_the_findings_on_the_changed_lines() {
    let repo = changed_repository("formats");
    let (_server, url) = serve_demo();

    let out = review(repo.path(), &url, &["--base", "HEAD"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("| high | `app.py:12` | eval()"), "{stdout}");
    assert!(
        stdout.contains("| medium | `src/lib.rs:6` | unwrap()"),
        "{stdout}"
    );
    assert!(stdout.contains("reviewed in 2 parts"), "{stdout}");
    // The demo flags the TODO on unchanged line 5 too; it is not this diff's.
    assert!(!stdout.contains("app.py:5"), "{stdout}");
    assert!(
        stdout.contains("1 finding outside the changed lines"),
        "{stdout}"
    );

    let out = review(repo.path(), &url, &["--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(
        sarif["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "switchyard-review");
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{run}");
    let eval = &results[0];
    assert_eq!(eval["level"], "error");
    assert!(eval["message"]["text"].as_str().unwrap().contains("eval()"));
    let location = &eval["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "app.py");
    assert_eq!(location["region"]["startLine"], 12);
    assert_eq!(results[1]["level"], "warning");
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"]["region"]["startLine"],
        6
    );
    let rule_ids: Vec<&Value> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["id"])
        .collect();
    assert!(results.iter().all(|r| rule_ids.contains(&&r["ruleId"])));

    let out = review(repo.path(), &url, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings: Vec<(&str, u64, &str)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["severity"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        findings,
        [("app.py", 12, "high"), ("src/lib.rs", 6, "medium")]
    );
    assert_eq!(json["parts"], 2);
    assert_eq!(json["files"], serde_json::json!(["app.py", "src/lib.rs"]));
    assert_eq!(json["complete"], true);
}

#[test]
fn exit_code_follows_the_threshold() {
    let (_server, url) = serve_demo();

    let clean = repository("clean", &[("app.py", APP_PY)]);
    clean.write("app.py", &format!("{APP_PY}    return data\n"));
    let out = review(clean.path(), &url, &["--fail-on", "low"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("0 findings"), "{stdout}");

    let low = repository("low", &[("app.py", APP_PY)]);
    low.write("app.py", &format!("{APP_PY}    # TODO: tidy this up\n"));
    // A user's diff settings do not change the paths the review reads (this one makes
    // `git diff HEAD` write `w/app.py`).
    git(low.path(), &["config", "diff.mnemonicPrefix", "true"]);
    let out = review(low.path(), &url, &["--fail-on", "high"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).0);
    let out = review(low.path(), &url, &["--fail-on", "medium"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).0);
    let out = review(low.path(), &url, &["--fail-on", "low", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out).0);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["findings"][0]["severity"], "low");
    assert_eq!(json["findings"][0]["file"], "app.py");
    assert_eq!(json["findings"][0]["line"], 13);

    // Medium fails the default threshold (high) only when asked.
    let medium = changed_repository("medium");
    medium.write("app.py", APP_PY);
    assert_eq!(review(medium.path(), &url, &[]).status.code(), Some(0));
    assert_eq!(
        review(medium.path(), &url, &["--fail-on", "medium"])
            .status
            .code(),
        Some(1)
    );

    // Nothing changed: nothing to review, success.
    let unchanged = repository("unchanged", &[("app.py", APP_PY)]);
    let out = review(unchanged.path(), &url, &[]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout.contains("Nothing to review"), "{stdout}");
}

#[test]
fn a_review_that_cannot_run_exits_2_and_says_why() {
    let repo = changed_repository("cannot-run");

    let down = unused_loopback_url();
    let out = review(repo.path(), &down, &[]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stderr.contains("cannot reach the gateway"), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");

    let (_server, url) = serve_demo();
    let out = review(repo.path(), &url, &["--base", "no-such-branch"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("--base \"no-such-branch\" is not a commit"),
        "{stderr}"
    );

    let out = review(repo.path(), &url, &["--base=--output=stolen"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("is not a revision"), "{stderr}");
    assert!(!repo.path().join("stolen").exists());

    let empty = TempDir::new("not-a-repository");
    let out = review(empty.path(), &url, &[]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("is not in a git repository"), "{stderr}");

    let refusing = fake_gateway(
        "401 Unauthorized",
        r#"{"error":{"message":"invalid API key","type":"authentication_error"}}"#,
        Duration::ZERO,
    )
    .url;
    let out = review(repo.path(), &refusing, &[]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("the gateway answered 401: invalid API key"),
        "{stderr}"
    );
}

#[test]
fn a_gateway_that_never_answers_times_out() {
    let repo = changed_repository("timeout");
    // Accepted by the kernel's backlog, never read or answered.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let started = std::time::Instant::now();
    let out = review(repo.path(), &url, &["--timeout-secs", "1"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no answer from the gateway within 1 s"),
        "{stderr}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    drop(silent);
}

#[test]
fn an_answer_without_findings_makes_the_review_incomplete() {
    let repo = changed_repository("incomplete");
    let vague = fake_gateway(
        "200 OK",
        r#"{"text":"Looks fine to me.","code":null}"#,
        Duration::ZERO,
    )
    .url;
    let out = review(repo.path(), &vague, &["--format", "json"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("not reviewed: the answer has no JSON object"),
        "{stderr}"
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["complete"], false);
    assert!(json["part_details"][0]["error"].is_string());
}

#[test]
fn a_large_diff_is_split_into_parts_under_the_budget() {
    let base: String = (1..=90).map(|n| format!("value_{n:02} = {n}\n")).collect();
    let repo = repository("split", &[("big.py", &base)]);
    let changed = base
        .replace("value_10 = 10\n", "value_10 = 10\nextra_a = 1\n")
        .replace("value_45 = 45\n", "value_45 = 45\nextra_b = 2\n")
        .replace("value_80 = 80\n", "value_80 = 80\nextra_c = eval(text)\n");
    repo.write("big.py", &changed);
    let (_server, url) = serve_demo();

    let args = ["--max-tokens-per-request", "60", "--context-lines", "3"];
    let out = review(repo.path(), &url, &args);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("reviewed in 3 parts"), "{stdout}");
    assert!(stdout.contains("1. `big.py` lines 11 "), "{stdout}");
    assert!(stdout.contains("2. `big.py` lines 47 "), "{stdout}");
    assert!(stdout.contains("3. `big.py` lines 83 "), "{stdout}");
    assert!(stdout.contains("`big.py:83`"), "{stdout}");
    assert!(stderr.contains("in 3 parts"), "{stderr}");

    // The default budget takes the three hunks in one request.
    let out = review(repo.path(), &url, &[]);
    let (stdout, _) = text(&out);
    assert!(stdout.contains("reviewed in 1 part "), "{stdout}");
}

/// `--repository`: each question carries the indexed repository's code relevant to the hunk
/// (here a helper defined in another file, which the hunk's own context lines do not show).
#[tokio::test(flavor = "multi_thread")]
async fn with_a_repository_the_reviewer_sees_the_code_the_change_calls() {
    let repo = repository(
        "with-repository",
        &[
            ("src/lib.rs", LIB_RS),
            (
                "src/ports.rs",
                "/// The port used when none is configured.\npub fn default_port() -> u16 {\n    8080\n}\n",
            ),
        ],
    );
    repo.write(
        "src/lib.rs",
        &format!(
            "{LIB_RS}\npub fn port_or_default(s: &str) -> u16 {{\n    s.parse().unwrap_or(default_port())\n}}\n"
        ),
    );
    let mock = switchyard_mock::MockServer::start(switchyard_mock::MockBehavior {
        demo: true,
        ..Default::default()
    })
    .await
    .unwrap();
    let data = TempDir::new("with-repository-index");
    let config = data.write(
        "switchyard.toml",
        &format!(
            "[providers.upstream]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n\
             [models.fast]\ndeployments = [{{ provider = \"upstream\", model = \"small\" }}]\n\n\
             [repositories.shop]\npath = \"{}\"\ndata_dir = \"{}\"\n",
            mock.url(),
            repo.path().display(),
            data.path().join("index").display()
        ),
    );
    let (_server, addr) = common::serve(&[
        "--config",
        config.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    let url = format!("http://{addr}");
    let sent = || mock.stats().last_request.unwrap().body.to_string();

    let out = review(repo.path(), &url, &["--model", "fast"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(!sent().contains("8080"), "no repository, no other file");

    // The gateway may still be indexing (503 with Retry-After): the client waits for it.
    let out = review(
        repo.path(),
        &url,
        &["--model", "fast", "--repository", "shop"],
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let body = sent();
    assert!(
        body.contains("pub fn default_port() -> u16") && body.contains("8080"),
        "the helper's code reached the reviewer: {body}"
    );

    let out = review(repo.path(), &url, &["--repository", "nope"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("unknown repository `nope`"), "{stderr}");
}
