//! What gets indexed and where the index lives.

use std::path::PathBuf;

/// Settings of one repository's index. Changing a setting that shapes the chunks
/// ([`IndexSettings::chunking_key`]) rebuilds the index on the next open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSettings {
    /// Directory holding one index directory per repository name.
    pub data_dir: PathBuf,
    /// Files larger than this are skipped (generated code, data, vendored bundles).
    /// Default: 1 MiB.
    pub max_file_bytes: u64,
    /// Lines per chunk for files without a grammar, and for code between symbols.
    /// Default: 60.
    pub window_lines: usize,
    /// A symbol longer than this many lines is split into parts of this size, so that one
    /// huge function does not crowd a token budget. Default: 150.
    pub max_chunk_lines: usize,
    /// Threads that read and chunk files (0: one per core).
    pub threads: usize,
}

impl IndexSettings {
    /// Defaults, with the index under `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            max_file_bytes: 1024 * 1024,
            window_lines: 60,
            max_chunk_lines: 150,
            threads: 0,
        }
    }

    /// The settings that decide the chunks, as stored in the manifest: an index built with
    /// other values is rebuilt rather than mixed.
    pub(crate) fn chunking_key(&self) -> String {
        format!(
            "chunker={};max_file_bytes={};window_lines={};max_chunk_lines={}",
            crate::chunk::CHUNKER_VERSION,
            self.max_file_bytes,
            self.window_lines,
            self.max_chunk_lines
        )
    }

    pub(crate) fn worker_threads(&self) -> usize {
        if self.threads > 0 {
            return self.threads;
        }
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    }
}

/// `$XDG_CACHE_HOME/switchyard/index`, else `~/.cache/switchyard/index`, else
/// `.switchyard-index` in the working directory.
pub fn default_data_dir() -> PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| PathBuf::from(home).join(".cache"))
        });
    match cache {
        Some(dir) => dir.join("switchyard").join("index"),
        None => PathBuf::from(".switchyard-index"),
    }
}

/// Checks that `name` can name a repository: it becomes a directory name under the data
/// dir, so letters, digits, `.`, `_` and `-` only, and not `.` or `..`.
pub fn check_name(name: &str) -> Result<(), crate::IndexError> {
    let ok = !name.is_empty()
        && name != "."
        && name != ".."
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(crate::IndexError::InvalidName(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_are_safe_directory_names_pass() {
        assert!(check_name("switchyard").is_ok());
        assert!(check_name("my-repo_2.x").is_ok());
        for bad in ["", ".", "..", "a/b", "a\\b", "a b", "ä"] {
            assert!(check_name(bad).is_err(), "{bad:?} accepted");
        }
    }
}
