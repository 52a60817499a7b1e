//! The processes under test (mock upstream and gateway): started on port 0, their address read
//! from the `listening on ADDR` line they print, killed when the guard is dropped (on success,
//! error, panic or Ctrl-C alike), and their CPU time read from `/proc`.

use std::fs::File;
use std::io::{BufRead as _, BufReader, Read as _, Seek as _, SeekFrom};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};

/// How long a child may take to print its `listening on` line.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);
/// How much of a child's stderr goes into an error message.
const STDERR_TAIL: u64 = 2000;

/// A running child process, killed and reaped on drop.
#[derive(Debug)]
pub struct ChildGuard {
    name: String,
    child: std::process::Child,
    stderr_path: PathBuf,
}

impl ChildGuard {
    /// Starts `program args...` with stderr going to `stderr_path`, and waits for the
    /// `listening on ADDR` line on its stdout. Later stdout lines are drained and discarded.
    /// `RUST_LOG` is taken from `rust_log` rather than inherited, so that a verbose setting
    /// in the caller's shell does not turn into logging cost in the figures.
    pub fn spawn(
        name: &str,
        program: &Path,
        args: &[&str],
        rust_log: Option<&str>,
        stderr_path: PathBuf,
    ) -> anyhow::Result<(Self, SocketAddr)> {
        let stderr = File::create(&stderr_path)
            .with_context(|| format!("cannot create {}", stderr_path.display()))?;
        let mut command = Command::new(program);
        command.env_remove("RUST_LOG");
        if let Some(filter) = rust_log {
            command.env("RUST_LOG", filter);
        }
        let mut child = command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .with_context(|| format!("cannot start {name} ({})", program.display()))?;
        let stdout = child.stdout.take();
        let mut guard = Self {
            name: name.to_owned(),
            child,
            stderr_path,
        };
        let stdout = stdout.ok_or_else(|| anyhow!("{name}: stdout was not captured"))?;
        let (tx, rx) = mpsc::channel();
        // A thread, not a task: it blocks on the pipe, and keeps draining it afterwards so
        // that the child never blocks on (or dies of) a full or closed stdout.
        std::thread::Builder::new()
            .name(format!("{name}-stdout"))
            .spawn(move || {
                let mut sent = false;
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if !sent {
                        if let Some(addr) = parse_listening(&line) {
                            sent = tx.send(addr).is_ok();
                        }
                    }
                }
            })
            .context("cannot start a thread")?;
        match rx.recv_timeout(STARTUP_TIMEOUT) {
            Ok(addr) => Ok((guard, addr)),
            Err(mpsc::RecvTimeoutError::Timeout) => Err(guard.failure(&format!(
                "printed no `listening on ADDR` line within {}s",
                STARTUP_TIMEOUT.as_secs()
            ))),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                // Give the child a moment to exit so the status is reported.
                std::thread::sleep(Duration::from_millis(100));
                Err(guard.failure("closed stdout without a `listening on ADDR` line"))
            }
        }
    }

    /// Asks the child to stop (SIGTERM, as an orchestrator would) and waits up to `grace`
    /// for it to exit; kills it after that.
    pub fn terminate(&mut self, grace: Duration) -> anyhow::Result<()> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .context("cannot run kill")?;
        if !status.success() {
            return Err(self.failure("could not be sent SIGTERM"));
        }
        let deadline = std::time::Instant::now() + grace;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        bail!(
            "{} did not stop within {}s of SIGTERM",
            self.name,
            grace.as_secs()
        )
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fails (with the tail of its stderr) when the child has exited.
    pub fn ensure_running(&mut self) -> anyhow::Result<()> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(_)) | Err(_) => Err(self.failure("is no longer running")),
        }
    }

    /// Describes a failure of the child, with its exit status and the tail of its stderr.
    fn failure(&mut self, what: &str) -> anyhow::Error {
        let status = match self.child.try_wait() {
            Ok(Some(status)) => format!(" ({status})"),
            _ => String::new(),
        };
        let tail = stderr_tail(&self.stderr_path).unwrap_or_default();
        let tail = tail.trim();
        if tail.is_empty() {
            anyhow!("{} {what}{status}", self.name)
        } else {
            anyhow!(
                "{} {what}{status}; its stderr ends with:\n{tail}",
                self.name
            )
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        // Errors mean the child is already gone, which is what we want.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Parses `listening on 127.0.0.1:PORT` (an `http://` prefix or trailing `/` is tolerated).
fn parse_listening(line: &str) -> Option<SocketAddr> {
    let at = line.find("listening on ")?;
    let rest = line[at + "listening on ".len()..].trim();
    let rest = rest.strip_prefix("http://").unwrap_or(rest);
    rest.trim_end_matches('/').parse().ok()
}

/// The last few KB of a stderr file.
fn stderr_tail(path: &Path) -> anyhow::Result<String> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    file.seek(SeekFrom::Start(len.saturating_sub(STDERR_TAIL)))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// CPU time (user + system, all threads) a process has used so far, in clock ticks, from
/// fields 14 and 15 of `/proc/<pid>/stat`. `None` is the bench process itself.
pub fn cpu_ticks(pid: Option<u32>) -> anyhow::Result<u64> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/stat"),
        None => "/proc/self/stat".to_owned(),
    };
    let stat = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    parse_cpu_ticks(&stat).ok_or_else(|| anyhow!("unexpected format of {path}"))
}

/// utime + stime from the text of a `/proc/<pid>/stat` file.
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    // Field 2 (the command name) is parenthesised and may contain spaces; count from after it.
    let after_comm = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_comm.split_whitespace();
    // After the name come field 3 (state) .. ; utime is field 14, stime field 15.
    let utime: u64 = fields.nth(14 - 3)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// Clock ticks per second (`getconf CLK_TCK`); 100, the Linux value, when it cannot be asked.
pub fn clock_ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .stderr(Stdio::null())
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .filter(|&t| t > 0)
        .unwrap_or(100)
}

/// A scratch directory for the gateway config and the children's stderr, removed on drop.
#[derive(Debug)]
pub struct WorkDir {
    path: PathBuf,
}

impl WorkDir {
    /// Creates `$TMPDIR/switchyard-bench-<pid>`.
    pub fn create() -> anyhow::Result<Self> {
        let path = std::env::temp_dir().join(format!("switchyard-bench-{}", std::process::id()));
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Self { path })
    }

    /// A file inside the directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The gateway config pointing one model alias, `bench`, at the mock's OpenAI endpoint.
/// With `analytics`, every request is recorded, with `settings` (TOML `key = value` lines)
/// added to its `[analytics]` section (by default into the SQLite file beside the config,
/// the embedded default); without, the `[analytics]` stage is switched off. `access_log`
/// sets `[server] access_log`.
pub fn gateway_config(
    mock: SocketAddr,
    analytics: bool,
    settings: &[String],
    access_log: bool,
) -> String {
    let settings: String = if analytics {
        settings.iter().map(|line| format!("{line}\n")).collect()
    } else {
        String::new()
    };
    format!(
        "[server]\nlisten = \"127.0.0.1:0\"\naccess_log = {access_log}\n\n\
         [providers.mock]\nkind = \"openai\"\nbase_url = \"http://{mock}/v1\"\n\n\
         [models.bench]\ndeployments = [{{ provider = \"mock\", model = \"bench-model\" }}]\n\n\
         [analytics]\nenabled = {analytics}\n{settings}"
    )
}

/// `s` as a TOML basic string.
pub fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Finds `name` in `dir`, failing with a hint to build it.
pub fn locate(dir: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let path = dir.join(name);
    if !path.is_file() {
        bail!(
            "{} not found; build it with `cargo build --release -p switchyard -p switchyard-mock` \
             or pass --release-dir",
            path.display()
        );
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_listening_lines() {
        let want: SocketAddr = "127.0.0.1:4321".parse().unwrap();
        assert_eq!(parse_listening("listening on 127.0.0.1:4321"), Some(want));
        assert_eq!(
            parse_listening("listening on http://127.0.0.1:4321/"),
            Some(want)
        );
        assert_eq!(
            parse_listening("mock listening on 127.0.0.1:4321 "),
            Some(want)
        );
        assert_eq!(parse_listening("starting"), None);
    }

    #[test]
    fn parses_proc_stat() {
        let stat = "1234 (tokio (rt) x) S 1 1234 1234 0 -1 4194560 500 0 0 0 \
                    17 5 0 0 20 0 3 0 100 1000 200 18446744073709551615";
        assert_eq!(parse_cpu_ticks(stat), Some(22));
        assert!(cpu_ticks(None).is_ok());
    }

    #[test]
    fn config_names_the_mock() {
        let settings = ["batch_size = 256".to_string()];
        let c = gateway_config("127.0.0.1:9".parse().unwrap(), true, &settings, true);
        assert!(c.contains("access_log = true\n"), "{c}");
        assert!(c.contains("base_url = \"http://127.0.0.1:9/v1\""));
        assert!(c.contains("model = \"bench-model\""));
        assert!(
            c.ends_with("[analytics]\nenabled = true\nbatch_size = 256\n"),
            "{c}"
        );
        let off = gateway_config("127.0.0.1:9".parse().unwrap(), false, &settings, false);
        assert!(off.contains("access_log = false\n"), "{off}");
        assert!(off.ends_with("[analytics]\nenabled = false\n"), "{off}");
        let parsed: toml::Value = toml::from_str(&c).unwrap();
        assert_eq!(parsed["analytics"]["batch_size"].as_integer(), Some(256));
    }
}
