//! Shared setup of the `switchyard` binary's tests: the binary with a clean environment, a
//! `serve` process on port 0 of the loopback interface, and temporary directories.
#![allow(
    dead_code,
    reason = "each test file uses a different part of this module"
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_switchyard");

/// The binary with no provider keys, config or gateway settings from the caller's
/// environment, so that a developer's shell cannot change what a test sees.
pub fn switchyard() -> Command {
    let mut cmd = Command::new(BIN);
    for var in [
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "GEMINI_API_KEY",
        "GOOGLE_API_KEY",
        "SWITCHYARD_CONFIG",
        "SWITCHYARD_API_KEY",
        "SWITCHYARD_URL",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// A `switchyard serve` process, killed when dropped.
pub struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `serve` with `args` and returns it with the address from its `listening on` line.
pub fn serve(args: &[&str]) -> (Server, String) {
    let mut child = switchyard()
        .arg("serve")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("no `listening on` line: {line:?}"))
        .to_owned();
    (Server(child), addr)
}

/// A bare `switchyard serve` in demo mode (no config, no keys) on a free loopback port;
/// returns it with its base URL.
pub fn serve_demo() -> (Server, String) {
    let (server, addr) = serve(&["--listen", "127.0.0.1:0"]);
    (server, format!("http://{addr}"))
}

/// A directory in the temp directory, unique to this process and `name`, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// An empty directory named after the test binary's process and `name`.
    pub fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("switchyard-cli-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `text` to `relative` (creating its directories) and returns the full path.
    pub fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.0.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
