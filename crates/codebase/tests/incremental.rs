//! Refreshing an index: changed and added files are picked up, removed ones dropped, and
//! unchanged files are not read; .gitignore'd, binary and huge files never get in.

#![cfg(test)]

use std::fs::{self, File};
use std::path::Path;
use std::time::{Duration, SystemTime};
use switchyard_codebase::{IndexSettings, Repository};

/// Sets every file's modification time an hour back, as for files that have not changed
/// in a while (a file modified within ~2 s of being indexed is re-read once, by design).
fn age_files(root: &Path) {
    let old = SystemTime::now() - Duration::from_secs(3600);
    for entry in fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            age_files(&path);
        } else {
            File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
    }
}

fn write(root: &Path, relative: &str, text: &[u8]) {
    let path = root.join(relative);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn symbols_for(repo: &Repository, query: &str) -> Vec<String> {
    repo.search(query, 10)
        .unwrap()
        .into_iter()
        .filter_map(|h| h.symbol)
        .collect()
}

/// Whether any hit for `identifier` contains it (its words alone may match other code).
fn mentions(repo: &Repository, identifier: &str) -> bool {
    repo.search(identifier, 10)
        .unwrap()
        .iter()
        .any(|h| h.text.contains(identifier))
}

fn sample_repository(root: &Path) {
    write(root, ".gitignore", b"build/\n*.log\n");
    write(
        root,
        "src/lib.rs",
        b"/// Adds.\npub fn add_numbers(a: i32, b: i32) -> i32 {\n    a + b\n}\n",
    );
    write(
        root,
        "src/util.py",
        b"def slugify_title(title):\n    return title.lower()\n",
    );
    write(
        root,
        "src/old.go",
        b"package x\n\nfunc RetiredHelper() {}\n",
    );
    write(
        root,
        "README.md",
        b"# Sample\n\nA repository for the index tests.\n",
    );
    write(
        root,
        "build/generated.rs",
        b"pub fn generated_symbol() {}\n",
    );
    write(root, "trace.log", b"logged_symbol\n");
    // Binary content behind a source extension, and a file over the cap.
    write(root, "src/blob.rs", b"fn binary_symbol() {}\0\x01\x02");
    let huge = format!("fn huge_symbol() {{}}\n{}", "// filler\n".repeat(20_000));
    write(root, "src/huge.rs", huge.as_bytes());
}

#[test]
fn refresh_reads_only_what_changed_and_picks_the_change_up() {
    let repo_dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let root = repo_dir.path();
    sample_repository(root);
    age_files(root);
    let mut settings = IndexSettings::new(data.path());
    settings.max_file_bytes = 64 * 1024;

    let (repo, built) = Repository::open_or_build("sample", root, settings.clone()).unwrap();
    // lib.rs, util.py, old.go, README.md; blob.rs was read and found binary.
    assert_eq!(built.files_added, 4, "{built:?}");
    assert_eq!(built.skipped_binary, 1, "{built:?}");
    assert_eq!(built.skipped_too_large, 1, "{built:?}");
    assert_eq!(symbols_for(&repo, "add_numbers"), ["add_numbers"]);
    for absent in [
        "generated_symbol",
        "logged_symbol",
        "binary_symbol",
        "huge_symbol",
    ] {
        assert!(
            repo.search(absent, 5).unwrap().is_empty(),
            "{absent} was indexed"
        );
    }
    assert!(data.path().join("sample/manifest.json").is_file());

    // Nothing changed: nothing is read but the binary file, which is not in the manifest.
    let idle = repo.refresh().unwrap();
    assert_eq!(idle.files_read, 1, "{idle:?}");
    assert_eq!(idle.files_unchanged, 4);
    assert_eq!(
        idle.files_added + idle.files_changed + idle.files_removed,
        0
    );

    // One file changed, one added, one removed, one touched without a change.
    write(
        root,
        "src/lib.rs",
        b"/// Multiplies.\npub fn multiply_numbers(a: i32, b: i32) -> i32 {\n    a * b\n}\n",
    );
    write(
        root,
        "src/new.ts",
        b"export function freshlyAdded(): number {\n  return 1;\n}\n",
    );
    fs::remove_file(root.join("src/old.go")).unwrap();
    File::options()
        .write(true)
        .open(root.join("README.md"))
        .unwrap()
        .set_modified(SystemTime::now())
        .unwrap();
    let changed = repo.refresh().unwrap();
    // lib.rs, new.ts, README.md (touched) and blob.rs: read; util.py: not.
    assert_eq!(changed.files_read, 4, "{changed:?}");
    assert_eq!(changed.files_unchanged, 1, "{changed:?}");
    assert_eq!(changed.files_changed, 1, "{changed:?}");
    assert_eq!(changed.files_added, 1, "{changed:?}");
    assert_eq!(changed.files_removed, 1, "{changed:?}");
    assert_eq!(symbols_for(&repo, "multiply_numbers"), ["multiply_numbers"]);
    assert!(!mentions(&repo, "add_numbers"));
    assert!(!mentions(&repo, "RetiredHelper"));
    assert_eq!(symbols_for(&repo, "freshlyAdded"), ["freshlyAdded"]);
    assert_eq!(repo.file_count(), 4);

    // A restart opens the stored index: the files written above are re-read once (their
    // mtimes are too recent to trust), then nothing is.
    drop(repo);
    age_files(root);
    let (reopened, warm) = Repository::open_or_build("sample", root, settings.clone()).unwrap();
    assert_eq!(
        warm.files_added + warm.files_changed + warm.files_removed,
        0,
        "{warm:?}"
    );
    assert_eq!(
        symbols_for(&reopened, "multiply_numbers"),
        ["multiply_numbers"]
    );
    let settled = reopened.refresh().unwrap();
    assert_eq!(settled.files_read, 1, "only the binary file: {settled:?}");
    drop(reopened);

    // Other chunk settings rebuild the index instead of mixing chunks.
    settings.window_lines = 10;
    let (_rebuilt, stats) = Repository::open_or_build("sample", root, settings).unwrap();
    assert_eq!(stats.files_added, 4, "{stats:?}");
}

#[test]
fn two_repositories_live_side_by_side_under_one_data_dir() {
    let (a, b, data) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    write(a.path(), "a.rs", b"fn only_in_a() {}\n");
    write(b.path(), "b.rs", b"fn only_in_b() {}\n");
    let settings = IndexSettings::new(data.path());
    let (repo_a, _) = Repository::open_or_build("a", a.path(), settings.clone()).unwrap();
    let (repo_b, _) = Repository::open_or_build("b", b.path(), settings.clone()).unwrap();
    assert_eq!(symbols_for(&repo_a, "only_in_a"), ["only_in_a"]);
    assert!(!mentions(&repo_a, "only_in_b"));
    assert_eq!(symbols_for(&repo_b, "only_in_b"), ["only_in_b"]);
    assert!(Repository::open_or_build("../escape", a.path(), settings).is_err());
}
