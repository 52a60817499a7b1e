//! A repository's index: opened (or built) once, refreshed incrementally, searched.

use crate::context::{pack, ContextPack};
use crate::manifest::{Manifest, FORMAT};
use crate::refresh::{refresh, RefreshStats};
use crate::settings::check_name;
use crate::store::SearchIndex;
use crate::{Hit, IndexError, IndexSettings};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// Hits considered when packing a context: more than fit most budgets, so that a chunk too
/// big for what is left can give way to smaller ones.
const CONTEXT_CANDIDATES: usize = 40;

/// One indexed repository. Searches may run while a refresh does (they see the index as of
/// the last commit); refreshes run one at a time.
pub struct Repository {
    name: String,
    root: PathBuf,
    dir: PathBuf,
    settings: IndexSettings,
    index: SearchIndex,
    /// What the index holds; locked for the whole of a refresh.
    manifest: Mutex<Manifest>,
}

impl std::fmt::Debug for Repository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repository")
            .field("name", &self.name)
            .field("root", &self.root)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Repository {
    /// Opens the index of repository `name` (directory `settings.data_dir/name`), building
    /// it if there is none, and brings it up to date with the files under `path`: only
    /// files whose size or modification time changed since are read. An index made from
    /// another path or with other chunk settings is rebuilt. Blocking.
    pub fn open_or_build(
        name: &str,
        path: &Path,
        settings: IndexSettings,
    ) -> Result<(Repository, RefreshStats), IndexError> {
        check_name(name)?;
        let root = path.canonicalize().map_err(|e| IndexError::io(path, e))?;
        if !root.is_dir() {
            return Err(IndexError::NotADirectory(root));
        }
        let dir = settings.data_dir.join(name);
        std::fs::create_dir_all(&dir).map_err(|e| IndexError::io(&dir, e))?;
        let chunking = settings.chunking_key();
        let search_dir = dir.join("tantivy");
        let manifest = match Manifest::load(&dir, &chunking)? {
            Some(m) if m.root == root => m,
            _ => {
                // No usable manifest: whatever search index is there cannot be trusted.
                match std::fs::remove_dir_all(&search_dir) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(IndexError::io(&search_dir, e)),
                }
                Manifest {
                    format: FORMAT,
                    chunking,
                    root: root.clone(),
                    ..Manifest::default()
                }
            }
        };
        let index = SearchIndex::open_or_create(&search_dir)?;
        let repository = Repository {
            name: name.to_owned(),
            root,
            dir,
            settings,
            index,
            manifest: Mutex::new(manifest),
        };
        let stats = repository.refresh()?;
        Ok((repository, stats))
    }

    /// Re-reads what changed under the repository's directory since the last refresh:
    /// added and changed files are (re-)chunked, removed ones dropped, the rest not read.
    /// Blocking; concurrent calls wait for each other.
    pub fn refresh(&self) -> Result<RefreshStats, IndexError> {
        let mut guard = self.lock_manifest();
        // Work on a copy: if the refresh fails, the manifest still describes the index.
        let mut manifest = guard.clone();
        let stats = refresh(&self.root, &self.settings, &self.index, &mut manifest)?;
        if manifest.written_ns != guard.written_ns || manifest.files != guard.files {
            manifest.save(&self.dir)?;
        }
        *guard = manifest;
        Ok(stats)
    }

    /// The best `limit` chunks for `query` (BM25 over symbol names, paths and text), best
    /// first.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<Hit>, IndexError> {
        self.index.search(query, limit)
    }

    /// The best chunks for `query` that together fit `token_budget` tokens (estimated with
    /// [`crate::estimate_tokens`]), best first, none overlapping another. Blocking.
    pub fn context(&self, query: &str, token_budget: u64) -> Result<ContextPack, IndexError> {
        let hits = self.search(query, CONTEXT_CANDIDATES)?;
        Ok(pack(hits, token_budget))
    }

    /// The repository's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The repository's directory (canonical).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where its index is stored.
    pub fn index_dir(&self) -> &Path {
        &self.dir
    }

    /// Files in the index.
    pub fn file_count(&self) -> usize {
        self.lock_manifest().files.len()
    }

    /// Chunks in the index.
    pub fn chunk_count(&self) -> u64 {
        self.index.chunk_count()
    }

    fn lock_manifest(&self) -> MutexGuard<'_, Manifest> {
        // A panic in another refresh left the copy it worked on, not this one: still valid.
        self.manifest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
