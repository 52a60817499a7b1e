//! `switchyard docs` as a user runs it against the demo gateway: a patch on stdout that
//! documents the public, undocumented symbols of Rust, Python, TypeScript, Go and Java files
//! and applies with `git apply`; `--write` that edits in place and leaves a file that
//! parses; and exit code 2 with a clear message when it cannot run.

#![cfg(test)]

mod common;

use common::{
    fake_gateway, fake_gateway_answering, serve_demo, switchyard, unused_loopback_url, TempDir,
};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::Ordering;
use std::time::Duration;
use switchyard_codeintel::{validate, Language};

const RUST: &str = r#"//! A small library.

use std::collections::HashMap;

/// Already documented.
pub fn documented() -> u32 {
    1
}

pub fn parse_config(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

fn private_helper() -> u32 {
    2
}

#[derive(Debug, Default)]
pub struct RetryPolicy {
    pub attempts: u32,
}

impl RetryPolicy {
    pub fn with_attempts(attempts: u32) -> Self {
        Self { attempts }
    }
}
"#;

const PYTHON: &str = r#"import os


def load_file(path):
    with open(path) as f:
        return f.read()


def _private():
    return os.sep


class UserStore:
    """Already documented."""

    def add_user(self, name):
        self.users.append(name)
"#;

const TYPESCRIPT: &str = r#"export function fetchUser(id: string): string {
  return id;
}

/** Documented. */
export class Done {}

function hidden(): void {}

export class UserStore {
  users: string[] = [];
}
"#;

const GO: &str =
    "package server\n\nfunc StartServer() error {\n\treturn nil\n}\n\nfunc helper() {}\n";

const JAVA: &str = r#"package demo;

public class Greeter {
    private final String name;

    public Greeter(String name) {
        this.name = name;
    }

    @Override
    public String toString() {
        return name;
    }

    String greetUser() {
        return "Hello, " + name;
    }
}
"#;

/// Each file, its language, and the lines the documentation adds.
const CASES: [(&str, &str, Language, &[&str]); 5] = [
    (
        "lib.rs",
        RUST,
        Language::Rust,
        &[
            "/// Parse config.",
            "/// Retry policy.",
            "    /// With attempts.",
        ],
    ),
    (
        "store.py",
        PYTHON,
        Language::Python,
        &[
            "    \"\"\"Load file.\"\"\"",
            "        \"\"\"Add user.\"\"\"",
        ],
    ),
    (
        "api.ts",
        TYPESCRIPT,
        Language::TypeScript,
        &["/** Fetch user. */", "/** User store. */"],
    ),
    (
        "main.go",
        GO,
        Language::Go,
        &["// StartServer start server."],
    ),
    (
        "Greeter.java",
        JAVA,
        Language::Java,
        &[
            "/** Greeter. */",
            "    /** Greeter. */",
            "    /** To string. */",
        ],
    ),
];

/// `switchyard docs ARGS` run in `dir`.
fn docs(dir: &Path, args: &[&str]) -> Output {
    switchyard()
        .arg("docs")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// "1 symbol", "3 symbols", as the summary counts them.
fn symbols(n: usize) -> String {
    if n == 1 {
        "1 symbol".to_owned()
    } else {
        format!("{n} symbols")
    }
}

/// Whether `inner`'s lines all appear in `outer`, in order.
fn keeps_lines_in_order(inner: &str, outer: &str) -> bool {
    let mut lines = outer.lines();
    inner.lines().all(|wanted| lines.any(|l| l == wanted))
}

#[test]
fn the_patch_documents_public_undocumented_symbols_and_applies() {
    let (_server, url) = serve_demo();
    let dir = TempDir::new("docs-patch");
    for (name, source, _, added) in CASES {
        let path = dir.write(name, source);
        let out = docs(dir.path(), &[name, "--gateway", &url]);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert!(out.status.success(), "{name}: {stderr}");
        assert!(
            stdout.starts_with(&format!("--- a/{name}\n+++ b/{name}\n@@ ")),
            "{name}: {stdout}"
        );
        let plus: Vec<&str> = stdout
            .lines()
            .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
            .map(|l| &l[1..])
            .collect();
        assert_eq!(plus, added, "{name}: {stdout}");
        assert!(!stdout
            .lines()
            .any(|l| l.starts_with('-') && !l.starts_with("---")));
        assert!(
            stderr.contains(&format!("{name}: {} to document: ", symbols(added.len()))),
            "{stderr}"
        );
        // Only the patch is printed: the file is as it was.
        assert_eq!(std::fs::read_to_string(&path).unwrap(), source);

        // The patch applies, and gives what --write writes.
        let mut apply = Command::new("git")
            .args(["apply", "-"])
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        apply
            .stdin
            .take()
            .unwrap()
            .write_all(stdout.as_bytes())
            .unwrap();
        let applied = apply.wait_with_output().unwrap();
        assert!(
            applied.status.success(),
            "{name}: {}",
            text(&applied.stderr)
        );
        let patched = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, source).unwrap();
        let out = docs(dir.path(), &[name, "--gateway", &url, "--write"]);
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), patched, "{name}");
    }
}

#[test]
fn write_documents_in_place_in_the_language_style_and_the_file_still_parses() {
    let (_server, url) = serve_demo();
    let dir = TempDir::new("docs-write");
    for (name, source, language, added) in CASES {
        let path = dir.write(name, source);
        // An absolute path works as well as a relative one.
        let out = docs(
            dir.path(),
            &[path.to_str().unwrap(), "--gateway", &url, "--write"],
        );
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "", "{name}: --write prints no patch");
        assert!(
            text(&out.stderr).contains(&format!("documented {}: ", symbols(added.len()))),
            "{}",
            text(&out.stderr)
        );
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(keeps_lines_in_order(source, &written), "{name}:\n{written}");
        assert_eq!(
            written.lines().count(),
            source.lines().count() + added.len(),
            "{name}:\n{written}"
        );
        let validation = validate(&written, language);
        assert!(
            validation.parsed,
            "{name}: {:?}\n{written}",
            validation.errors
        );

        // Again: nothing left to do, and the file stays as it is.
        let again = docs(dir.path(), &[name, "--gateway", &url, "--write"]);
        assert!(again.status.success(), "{}", text(&again.stderr));
        assert!(
            text(&again.stderr).contains("nothing to document"),
            "{name}: {}",
            text(&again.stderr)
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), written);
    }
    // Each comment sits right where its language puts it.
    let rust = std::fs::read_to_string(dir.path().join("lib.rs")).unwrap();
    assert!(
        rust.contains("/// Parse config.\npub fn parse_config"),
        "{rust}"
    );
    assert!(
        rust.contains("/// Retry policy.\n#[derive(Debug, Default)]\npub struct RetryPolicy"),
        "{rust}"
    );
    assert!(
        rust.contains("impl RetryPolicy {\n    /// With attempts.\n    pub fn with_attempts"),
        "{rust}"
    );
    assert!(!rust.contains("/// Private helper."), "{rust}");
    let python = std::fs::read_to_string(dir.path().join("store.py")).unwrap();
    assert!(
        python.contains("def load_file(path):\n    \"\"\"Load file.\"\"\"\n    with open"),
        "{python}"
    );
    assert!(
        python.contains(
            "def add_user(self, name):\n        \"\"\"Add user.\"\"\"\n        self.users"
        ),
        "{python}"
    );
    let ts = std::fs::read_to_string(dir.path().join("api.ts")).unwrap();
    assert!(
        ts.starts_with("/** Fetch user. */\nexport function fetchUser"),
        "{ts}"
    );
    let java = std::fs::read_to_string(dir.path().join("Greeter.java")).unwrap();
    assert!(
        java.contains("    /** To string. */\n    @Override\n    public String toString()"),
        "{java}"
    );
    assert!(!java.contains("Greet user"), "{java}");
    let go = std::fs::read_to_string(dir.path().join("main.go")).unwrap();
    assert!(
        go.contains("// StartServer start server.\nfunc StartServer()"),
        "{go}"
    );
}

#[test]
fn a_file_with_nothing_to_document_needs_no_gateway() {
    let dir = TempDir::new("docs-nothing");
    dir.write(
        "done.rs",
        "/// Documented.\npub fn done() {}\n\nfn private() {}\n",
    );
    // No gateway listens here: it is not asked.
    let out = docs(dir.path(), &["done.rs", "--gateway", "http://127.0.0.1:9"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "");
    assert!(text(&out.stderr).contains("done.rs: nothing to document"));
}

#[test]
fn a_gateway_that_is_down_exits_2_and_leaves_the_file() {
    let dir = TempDir::new("docs-down");
    let path = dir.write("lib.rs", RUST);
    let url = unused_loopback_url();
    let out = docs(dir.path(), &["lib.rs", "--gateway", &url, "--write"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("error: cannot document lib.rs: cannot reach the gateway at"),
        "{stderr}"
    );
    assert!(stderr.contains("switchyard serve"), "{stderr}");
    assert!(stderr.contains(&url), "{stderr}");
    assert_eq!(text(&out.stdout), "");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), RUST);
}

#[test]
fn unknown_extensions_unsupported_languages_and_missing_files_exit_2() {
    let dir = TempDir::new("docs-refused");
    dir.write("notes.txt", "pub fn a() {}\n");
    dir.write("main.c", "int add(int a, int b) { return a + b; }\n");
    let cases = [
        ("notes.txt", "notes.txt: unknown language"),
        ("main.c", "main.c: C files are not supported"),
        ("missing.rs", "cannot read missing.rs"),
    ];
    let url = unused_loopback_url();
    for (file, message) in cases {
        let out = docs(dir.path(), &[file, "--gateway", &url]);
        assert_eq!(out.status.code(), Some(2), "{file}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(message), "{file}: {stderr}");
        assert_eq!(text(&out.stdout), "", "{file}");
    }
}

#[test]
fn a_gateway_that_refuses_exits_2_with_its_message_and_leaves_the_file() {
    let gateway = fake_gateway(
        "401 Unauthorized",
        r#"{"error": {"message": "invalid client key", "type": "authentication_error"}}"#,
        Duration::ZERO,
    );
    let dir = TempDir::new("docs-refused-key");
    let path = dir.write("lib.rs", RUST);
    let out = docs(
        dir.path(),
        &[
            "lib.rs",
            "--gateway",
            &gateway.url,
            "--api-key",
            "sk-test-secret-key",
            "--write",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("the gateway answered 401: invalid client key"),
        "{stderr}"
    );
    assert!(!stderr.contains("sk-test-secret-key"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), RUST);
    let requests = gateway.requests.lock().unwrap();
    let (head, _) = &requests[0];
    assert!(
        head.starts_with("POST /v1/code/document HTTP/1.1\r\n"),
        "{head}"
    );
    assert!(
        head.to_ascii_lowercase()
            .contains("authorization: bearer sk-test-secret-key"),
        "{head}"
    );
}

#[test]
fn symbols_are_asked_for_four_at_a_time_each_with_its_code() {
    let gateway = fake_gateway(
        "200 OK",
        r#"{"text": "Sure:\n\n```rust\n/// Does its job.\n```", "code": "/// Does its job.\n"}"#,
        Duration::from_millis(300),
    );
    let source: String = (0..10)
        .map(|i| format!("pub fn step_{i}() -> u32 {{\n    {i}\n}}\n\n"))
        .collect();
    let dir = TempDir::new("docs-concurrency");
    let path = dir.write("steps.rs", &source);
    let out = docs(
        dir.path(),
        &[
            "steps.rs",
            "--gateway",
            &gateway.url,
            "--model",
            "smart",
            "--repository",
            "shop",
            "--write",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        written.matches("/// Does its job.\npub fn step_").count(),
        10,
        "{written}"
    );
    let most = gateway.most_in_flight.load(Ordering::SeqCst);
    assert!((2..=4).contains(&most), "{most} requests at once");
    let requests = gateway.requests.lock().unwrap();
    assert_eq!(requests.len(), 10);
    for i in 0..10 {
        let asked = requests.iter().any(|(_, body)| {
            let body: serde_json::Value = serde_json::from_str(body).unwrap();
            body["context"]
                .as_str()
                .unwrap()
                .starts_with(&format!("pub fn step_{i}()"))
                && body["prompt"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("`step_{i}`"))
                && body["language"] == "rust"
                && body["model"] == "smart"
                && body["repository"] == "shop"
        });
        assert!(asked, "step_{i} not asked: {requests:?}");
    }
}

#[test]
fn a_gateway_still_indexing_is_waited_for_and_one_that_is_down_is_not() {
    const INDEXING: &str = r#"{"error": {"message": "repository `shop` is still being indexed; retry shortly", "type": "service_unavailable"}}"#;
    const DOC: &str = r#"{"text": "```rust\n/// Does its job.\n```"}"#;
    let dir = TempDir::new("docs-retry");
    let path = dir.write("lib.rs", "pub fn step() {}\n");

    // 503 with Retry-After (what the gateway says while it indexes): asked again.
    let gateway = fake_gateway_answering(
        vec![
            ("503 Service Unavailable", "retry-after: 1\r\n", INDEXING),
            ("200 OK", "", DOC),
        ],
        Duration::ZERO,
    );
    let out = docs(
        dir.path(),
        &["lib.rs", "--gateway", &gateway.url, "--write"],
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("the gateway is not ready (503)"),
        "{stderr}"
    );
    assert_eq!(gateway.requests.lock().unwrap().len(), 2);
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .starts_with("/// Does its job.\npub fn step()"));

    // 503 without Retry-After: an outage, reported at once.
    dir.write("lib.rs", "pub fn step() {}\n");
    let down = fake_gateway("503 Service Unavailable", INDEXING, Duration::ZERO);
    let out = docs(dir.path(), &["lib.rs", "--gateway", &down.url]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("503"), "{}", text(&out.stderr));
    assert_eq!(down.requests.lock().unwrap().len(), 1);
}
