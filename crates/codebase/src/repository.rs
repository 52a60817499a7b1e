//! A repository's index: opened (or built) once, refreshed incrementally, searched.

use crate::context::{pack, ContextPack};
use crate::manifest::{Manifest, FORMAT};
use crate::refresh::{refresh, RefreshStats};
use crate::semantic::{chunk_key, embedded_text, rerank, ChunkEmbedder, ChunkVectors};
use crate::settings::check_name;
use crate::store::SearchIndex;
use crate::{Hit, IndexError, IndexSettings};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant};

/// Hits considered when packing a context: more than fit most budgets, so that a chunk too
/// big for what is left can give way to smaller ones.
const CONTEXT_CANDIDATES: usize = 40;

/// BM25 candidates an embedder re-ranks: the number measured in BENCHMARKS.md (the right
/// chunk is in BM25's best 100 far more often than in its best 1).
const RERANK_CANDIDATES: usize = 100;

/// What [`Repository::embed_chunks`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EmbedStats {
    /// Distinct chunks in the index, each with a vector now.
    pub chunks: usize,
    /// Chunks embedded by this call (new or changed since the last one).
    pub embedded: usize,
    /// Vectors dropped because their chunk is gone.
    pub dropped: usize,
    /// Wall time of the call.
    pub elapsed: Duration,
}

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
    /// Orders BM25's candidates by meaning, once their vectors are computed.
    embedder: Option<Arc<dyn ChunkEmbedder>>,
    /// The chunks' vectors as of the last [`Repository::embed_chunks`].
    vectors: RwLock<Option<Arc<ChunkVectors>>>,
    /// Held for the whole of an [`Repository::embed_chunks`]: one at a time.
    embedding: Mutex<()>,
}

impl std::fmt::Debug for Repository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repository")
            .field("name", &self.name)
            .field("root", &self.root)
            .field("dir", &self.dir)
            .field(
                "embedder",
                &self.embedder.as_ref().map(|e| e.id().to_owned()),
            )
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
            embedder: None,
            vectors: RwLock::new(None),
            embedding: Mutex::new(()),
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

    /// Re-ranks searches with `embedder` from now on, once [`Repository::embed_chunks`]
    /// has computed the chunks' vectors (until then searches are BM25's alone). Vectors
    /// stored by an earlier run with the same embedder are used at once.
    pub fn with_embedder(mut self, embedder: Arc<dyn ChunkEmbedder>) -> Self {
        // Whatever `vectors` holds is always this embedder's: searches need not check.
        let stored = ChunkVectors::load(&self.dir, embedder.id());
        self.vectors = RwLock::new((!stored.vectors.is_empty()).then(|| Arc::new(stored)));
        self.embedder = Some(embedder);
        self
    }

    /// Computes the vector of every chunk that has none (new or changed since the last
    /// call), drops those of chunks that are gone, and stores them beside the index.
    /// Blocking and CPU-heavy (milliseconds per chunk with a neural embedder): call it on
    /// the indexing thread after [`Repository::refresh`]. Without an embedder, nothing.
    pub fn embed_chunks(&self) -> Result<EmbedStats, IndexError> {
        let Some(embedder) = &self.embedder else {
            return Ok(EmbedStats::default());
        };
        let _one_at_a_time = self
            .embedding
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let started = Instant::now();
        // `with_embedder` loaded what was stored: nothing else to read.
        let mut previous = self.vectors().map(|v| (*v).clone()).unwrap_or_default();
        let chunks = self.index.all_chunks()?;
        let mut vectors = HashMap::with_capacity(chunks.len());
        let mut embedded = 0;
        for hit in &chunks {
            let key = chunk_key(hit);
            if vectors.contains_key(&key) {
                continue;
            }
            let vector = match previous.vectors.remove(&key) {
                Some(v) => v,
                None => {
                    embedded += 1;
                    embedder.embed(&embedded_text(hit))
                }
            };
            vectors.insert(key, vector);
        }
        let dropped = previous.vectors.len();
        let vectors = ChunkVectors {
            embedder: embedder.id().to_owned(),
            vectors,
        };
        if embedded > 0 || dropped > 0 {
            vectors.save(&self.dir)?;
        }
        let chunks = vectors.vectors.len();
        *self.vectors.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(vectors));
        Ok(EmbedStats {
            chunks,
            embedded,
            dropped,
            elapsed: started.elapsed(),
        })
    }

    /// Whether searches are re-ranked by meaning now (an embedder is set and every chunk
    /// had a vector at the last [`Repository::embed_chunks`]).
    pub fn reranks(&self) -> bool {
        self.embedder.is_some() && self.vectors().is_some()
    }

    /// The best `limit` chunks for `query`, best first: BM25 over symbol names, paths and
    /// text, then, with an embedder whose vectors are ready, BM25's best 100 re-ranked by
    /// the cosine of their vectors with the query's ([`Hit::similarity`]). Blocking.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<Hit>, IndexError> {
        let (Some(embedder), Some(vectors)) = (&self.embedder, self.vectors()) else {
            return self.index.search(query, limit);
        };
        let mut hits = self.index.search(query, RERANK_CANDIDATES.max(limit))?;
        if !hits.is_empty() {
            rerank(&mut hits, &vectors, &embedder.embed(query));
        }
        hits.truncate(limit);
        Ok(hits)
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

    fn vectors(&self) -> Option<Arc<ChunkVectors>> {
        self.vectors
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn lock_manifest(&self) -> MutexGuard<'_, Manifest> {
        // A panic in another refresh left the copy it worked on, not this one: still valid.
        self.manifest.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
