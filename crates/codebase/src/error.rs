//! What can go wrong while indexing or searching a repository.

use std::path::PathBuf;

/// An index could not be built, refreshed or searched.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The repository name cannot be a directory name under the data dir.
    #[error("repository name {0:?}: use letters, digits, '.', '_' and '-' only (not '.' or '..')")]
    InvalidName(String),
    /// The repository path is not a directory.
    #[error("{0}: not a directory")]
    NotADirectory(PathBuf),
    /// A file or directory of the index could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error (in the message, not a separate source, so that
        /// error chains do not print it twice).
        error: std::io::Error,
    },
    /// The fingerprint manifest could not be read or written.
    #[error("{path}: manifest: {error}")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// The JSON error.
        error: serde_json::Error,
    },
    /// The full-text index failed (includes "another process is writing this index").
    #[error("search index: {0}")]
    Search(#[from] tantivy::TantivyError),
    /// An indexing worker thread stopped unexpectedly.
    #[error("indexing worker failed: {0}")]
    Worker(String),
}

impl IndexError {
    pub(crate) fn io(path: impl Into<PathBuf>, error: std::io::Error) -> Self {
        IndexError::Io {
            path: path.into(),
            error,
        }
    }
}
