//! Per-file fingerprints of what is in the index, so that a restart reads only the files
//! that changed. A file whose size and modification time match its entry is not read; one
//! whose metadata changed is read and hashed, and re-indexed only if its content did.

use crate::IndexError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Bumped when the manifest or the search schema changes shape.
pub(crate) const FORMAT: u32 = 1;

/// Modification times this close to when the manifest was written are not trusted: a file
/// written in the same clock tick as it was indexed may have changed without its mtime
/// moving (git's "racy clean" problem), so such a file is re-read (and re-hashed) once.
const RACY_WINDOW_NS: u64 = 2_000_000_000;

/// The indexed state of one repository, stored as JSON beside its search index.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Manifest {
    pub format: u32,
    /// The settings the chunks were made with ([`crate::IndexSettings::chunking_key`]).
    pub chunking: String,
    /// The repository's directory when it was indexed.
    pub root: PathBuf,
    /// When the manifest was last written, nanoseconds since the Unix epoch.
    pub written_ns: u64,
    /// Indexed files by relative path.
    pub files: BTreeMap<String, FileEntry>,
}

/// What the index holds for one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileEntry {
    pub size: u64,
    pub mtime_ns: u64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// Chunks the file was split into.
    pub chunks: usize,
}

impl Manifest {
    /// The manifest in `dir`, or `None` when there is none or it is of another format or
    /// chunking (the index is then rebuilt).
    pub(crate) fn load(dir: &Path, chunking: &str) -> Result<Option<Manifest>, IndexError> {
        let path = dir.join(FILE_NAME);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(IndexError::io(path, e)),
        };
        match serde_json::from_slice::<Manifest>(&bytes) {
            Ok(m) if m.format == FORMAT && m.chunking == chunking => Ok(Some(m)),
            Ok(_) => Ok(None),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "index: unreadable manifest; rebuilding");
                Ok(None)
            }
        }
    }

    /// Writes the manifest to `dir` (to a temporary file, then renamed over the old one).
    pub(crate) fn save(&self, dir: &Path) -> Result<(), IndexError> {
        let path = dir.join(FILE_NAME);
        let temporary = dir.join(format!("{FILE_NAME}.tmp"));
        let bytes = serde_json::to_vec(self).map_err(|error| IndexError::Manifest {
            path: path.clone(),
            error,
        })?;
        std::fs::write(&temporary, bytes).map_err(|e| IndexError::io(&temporary, e))?;
        std::fs::rename(&temporary, &path).map_err(|e| IndexError::io(&path, e))
    }

    /// Whether the file is unchanged judging by its metadata alone.
    pub(crate) fn unchanged(&self, relative: &str, size: u64, mtime_ns: u64) -> bool {
        self.files.get(relative).is_some_and(|entry| {
            entry.size == size
                && entry.mtime_ns == mtime_ns
                && mtime_ns != 0
                && mtime_ns.saturating_add(RACY_WINDOW_NS) < self.written_ns
        })
    }
}

/// The manifest's file name in the repository's index directory.
pub(crate) const FILE_NAME: &str = "manifest.json";

/// SHA-256 of `bytes`, hex.
pub(crate) fn content_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(size: u64, mtime_ns: u64) -> FileEntry {
        FileEntry {
            size,
            mtime_ns,
            sha256: String::new(),
            chunks: 1,
        }
    }

    #[test]
    fn metadata_decides_unless_the_mtime_is_racy() {
        let mut m = Manifest {
            written_ns: 100_000_000_000,
            ..Manifest::default()
        };
        m.files.insert("old.rs".into(), entry(10, 1_000_000_000));
        m.files.insert("racy.rs".into(), entry(10, 99_000_000_000));
        assert!(m.unchanged("old.rs", 10, 1_000_000_000));
        assert!(!m.unchanged("old.rs", 11, 1_000_000_000));
        assert!(!m.unchanged("old.rs", 10, 2_000_000_000));
        assert!(!m.unchanged("racy.rs", 10, 99_000_000_000));
        assert!(!m.unchanged("new.rs", 10, 1_000_000_000));
    }

    #[test]
    fn manifests_round_trip_and_other_chunkings_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = Manifest {
            format: FORMAT,
            chunking: "a".into(),
            ..Manifest::default()
        };
        m.files.insert("x.rs".into(), entry(1, 2));
        m.save(dir.path()).unwrap();
        let loaded = Manifest::load(dir.path(), "a").unwrap().unwrap();
        assert_eq!(loaded.files, m.files);
        assert!(Manifest::load(dir.path(), "b").unwrap().is_none());
        assert_eq!(content_hash(b"abc").len(), 64);
    }
}
