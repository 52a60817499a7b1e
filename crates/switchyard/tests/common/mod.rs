//! Shared setup of the `switchyard` binary's tests: the binary with a clean environment, a
//! `serve` process on port 0 of the loopback interface, and temporary directories.
#![allow(
    dead_code,
    reason = "each test file uses a different part of this module"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

/// The base URL of a loopback port that nothing listens on (bound, then released).
pub fn unused_loopback_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

/// A stand-in gateway on a free loopback port: answers every request with `status` and
/// `body` after `delay` (one thread per connection), and records what it was sent.
pub struct FakeGateway {
    pub url: String,
    /// The most requests it was answering at the same time.
    pub most_in_flight: Arc<AtomicUsize>,
    /// Each request's head (request line and headers) and body.
    pub requests: Arc<Mutex<Vec<(String, String)>>>,
}

pub fn fake_gateway(status: &'static str, body: &'static str, delay: Duration) -> FakeGateway {
    fake_gateway_answering(vec![(status, "", body)], delay)
}

/// A stand-in gateway that gives its n-th request the n-th of `answers` (status, extra
/// header lines each ending in `\r\n`, body), and the last one to every request after them.
pub fn fake_gateway_answering(
    answers: Vec<(&'static str, &'static str, &'static str)>,
    delay: Duration,
) -> FakeGateway {
    let answers = Arc::new(answers);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most_in_flight = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let (most, seen) = (most_in_flight.clone(), requests.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { break };
            let (in_flight, most, seen) = (in_flight.clone(), most.clone(), seen.clone());
            let answers = answers.clone();
            std::thread::spawn(move || {
                let request = read_request(&stream);
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                let n = {
                    let mut seen = seen.lock().unwrap();
                    seen.push(request);
                    seen.len() - 1
                };
                let (status, headers, body) = answers[n.min(answers.len() - 1)];
                std::thread::sleep(delay);
                in_flight.fetch_sub(1, Ordering::SeqCst);
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{headers}content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = (&stream).write_all(response.as_bytes());
            });
        }
    });
    FakeGateway {
        url,
        most_in_flight,
        requests,
    }
}

/// An HTTP request's head and body.
fn read_request(stream: &TcpStream) -> (String, String) {
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    (head, String::from_utf8(body).unwrap())
}
