//! The files of a repository worth indexing: `.gitignore` (and `.ignore`, global git
//! excludes) respected, hidden files and symlinks skipped, files over the size cap skipped
//! by their metadata before anything is read. Binary files are recognised when read
//! ([`text_of`]).

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// A file the walk found, not yet read.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    /// Path relative to the repository root, with `/` separators.
    pub relative: String,
    /// Absolute path.
    pub absolute: PathBuf,
    /// Size in bytes, from the metadata.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch (0 when unknown).
    pub mtime_ns: u64,
}

/// What the walk found.
#[derive(Debug, Default)]
pub(crate) struct Walk {
    /// Files to consider, sorted by relative path.
    pub files: Vec<Candidate>,
    /// Files skipped for their size.
    pub too_large: usize,
}

/// Walks `root`. Unreadable entries are skipped (and logged at debug level).
pub(crate) fn walk(root: &Path, max_file_bytes: u64) -> Walk {
    let mut found = Walk::default();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(true)
        .follow_links(false)
        .git_ignore(true)
        .git_global(true)
        .git_exclude(true)
        .ignore(true)
        // A copy of a repository without its .git directory still honours its .gitignore.
        .require_git(false)
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                tracing::debug!(error = %e, "index: skipping an entry that cannot be read");
                continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Ok(metadata) = entry.metadata() else {
            continue;
        };
        if metadata.len() > max_file_bytes {
            found.too_large += 1;
            continue;
        }
        let Ok(relative) = entry.path().strip_prefix(root) else {
            continue;
        };
        let Some(relative) = relative_string(relative) else {
            continue;
        };
        let mtime_ns = metadata
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        found.files.push(Candidate {
            relative,
            absolute: entry.path().to_owned(),
            size: metadata.len(),
            mtime_ns,
        });
    }
    found.files.sort_by(|a, b| a.relative.cmp(&b.relative));
    found
}

/// `a/b/c.rs` whatever the platform's separator; `None` for a path that is not UTF-8.
fn relative_string(relative: &Path) -> Option<String> {
    let parts: Option<Vec<&str>> = relative
        .components()
        .map(|c| c.as_os_str().to_str())
        .collect();
    Some(parts?.join("/"))
}

/// How many leading bytes are checked for a NUL byte, as git does to call a file binary.
const BINARY_PROBE_BYTES: usize = 8000;

/// The file's text, or `None` for a binary file: a NUL byte near the start, or bytes that
/// are not UTF-8.
pub(crate) fn text_of(bytes: Vec<u8>) -> Option<String> {
    let probe = &bytes[..bytes.len().min(BINARY_PROBE_BYTES)];
    if probe.contains(&0) {
        return None;
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_and_non_utf8_bytes_are_not_text() {
        assert_eq!(
            text_of(b"fn main() {}\n".to_vec()).as_deref(),
            Some("fn main() {}\n")
        );
        assert_eq!(text_of(vec![0x89, b'P', b'N', b'G', 0, 0, 1]), None);
        assert_eq!(text_of(vec![b'a', 0xff, 0xfe, b'b']), None);
    }

    #[test]
    fn the_walk_honours_gitignore_hidden_files_and_the_size_cap() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join(".gitignore"), "target/\n*.log\n").unwrap();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::create_dir_all(root.join("target")).unwrap();
        std::fs::create_dir_all(root.join(".hidden")).unwrap();
        std::fs::write(root.join("src/lib.rs"), "pub fn kept() {}\n").unwrap();
        std::fs::write(root.join("target/out.rs"), "fn ignored() {}\n").unwrap();
        std::fs::write(root.join("debug.log"), "ignored\n").unwrap();
        std::fs::write(root.join(".hidden/secret.rs"), "fn hidden() {}\n").unwrap();
        std::fs::write(root.join("big.txt"), vec![b'x'; 2048]).unwrap();
        let found = walk(root, 1024);
        let names: Vec<&str> = found.files.iter().map(|c| c.relative.as_str()).collect();
        assert_eq!(names, ["src/lib.rs"]);
        assert_eq!(found.too_large, 1);
    }
}
