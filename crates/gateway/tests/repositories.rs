//! `[repositories.NAME]`: indexed in the background when the gateway's state is built,
//! searchable through `state.repositories`, refreshed when files change.

#![cfg(test)]

use std::time::{Duration, Instant};
use switchyard_gateway::{AppState, Config};

/// Polls `check` every 50 ms for up to 30 s.
fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn configured_repositories_are_indexed_in_the_background_and_refreshed() {
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    std::fs::write(repo.path().join("lib.rs"), "pub fn first_version() {}\n").unwrap();
    let text = format!(
        "[repositories.demo]\npath = {:?}\ndata_dir = {:?}\nrefresh_interval_secs = 1\n",
        repo.path().display().to_string(),
        data.path().display().to_string()
    );
    let config = Config::parse(&text, "test.toml", &|_| None).unwrap();
    let state = AppState::new(config).unwrap();
    assert_eq!(state.repositories.configured(), ["demo"]);
    assert!(state.repositories.get("other").is_none());

    let demo = eventually("the first index", || state.repositories.get("demo"));
    let hits = demo.search("first_version", 5).unwrap();
    assert_eq!(hits[0].symbol.as_deref(), Some("first_version"));
    assert!(data.path().join("demo/manifest.json").is_file());

    std::fs::write(
        repo.path().join("lib.rs"),
        "pub fn second_version_here() {}\n",
    )
    .unwrap();
    eventually("the refresh", || {
        let hits = demo.search("second_version_here", 5).unwrap();
        (hits.first()?.symbol.as_deref() == Some("second_version_here")).then_some(())
    });
    assert!(!demo
        .search("first_version", 5)
        .unwrap()
        .iter()
        .any(|h| h.text.contains("first_version")));
}
