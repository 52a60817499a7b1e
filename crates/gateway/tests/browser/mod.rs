//! Headless Chromium for the gateway's dashboard tests (`analytics.rs`,
//! `dashboard_browser.rs`): the browser is installed by `scripts/setup-chromium.sh` when missing,
//! pages are rendered with `--dump-dom` after a virtual-time budget, and console messages
//! are read from `--enable-logging=stderr`.
#![allow(dead_code, reason = "each test suite uses a different part")]

use std::{
    path::{Path, PathBuf},
    process::Command,
};

pub fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
    })
}

/// The browser, installed through the project script when missing.
pub fn ensure_chromium() -> PathBuf {
    if let Some(path) = chromium() {
        return path;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/setup-chromium.sh");
    let status = Command::new("bash").arg(&script).status();
    assert!(
        matches!(status, Ok(s) if s.success()),
        "{} failed: {status:?}",
        script.display()
    );
    chromium().expect("chromium installed by scripts/setup-chromium.sh")
}

pub struct Page {
    /// The rendered DOM.
    pub dom: String,
    /// Console messages Chromium logged.
    pub console: Vec<String>,
}

/// Loads `url` in a fresh headless Chromium profile; returns the rendered DOM and every
/// console message.
pub fn load(browser: &Path, url: &str) -> Page {
    let profile = std::env::temp_dir().join(format!(
        "sy-chromium-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--window-size=1280,2000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .output()
        .expect("run chromium");
    let _ = std::fs::remove_dir_all(&profile);
    assert!(
        output.status.success(),
        "chromium exited with {}",
        output.status
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    Page {
        dom: String::from_utf8_lossy(&output.stdout).into_owned(),
        console: stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(str::to_owned)
            .collect(),
    }
}

/// The text of the element carrying `data-testid="{id}"`.
pub fn test_id_text<'a>(dom: &'a str, id: &str) -> Option<&'a str> {
    let marker = format!("data-testid=\"{id}\">");
    let start = dom.find(&marker)? + marker.len();
    let len = dom[start..].find('<')?;
    Some(&dom[start..start + len])
}
