//! Repository index: a repository's files split into symbol-level chunks (tree-sitter, for
//! the languages `switchyard-codeintel` knows; windows of lines for other text), searchable
//! with BM25 (tantivy) and an identifier-aware tokenizer, stored on disk with per-file
//! fingerprints so that reopening reads only what changed.
//!
//! ```no_run
//! use switchyard_codebase::{IndexSettings, Repository};
//! # fn main() -> Result<(), switchyard_codebase::IndexError> {
//! let settings = IndexSettings::new(switchyard_codebase::default_data_dir());
//! let (repo, stats) = Repository::open_or_build("self", ".".as_ref(), settings)?;
//! println!("{} files, {} chunks", stats.files_walked, stats.chunks_total);
//! for hit in repo.search("redacted_target", 5)? {
//!     println!("{}:{}-{} {:?}", hit.path, hit.start_line, hit.end_line, hit.symbol);
//! }
//! let context = repo.context("how are request targets redacted", 2000)?;
//! # let _ = context;
//! # Ok(()) }
//! ```
//!
//! Indexing is blocking, CPU-heavy work (it also starts one thread per core): in an async
//! server call it from `spawn_blocking` or a thread of its own.

mod chunk;
mod context;
mod error;
mod languages;
mod manifest;
mod refresh;
mod repository;
mod semantic;
mod settings;
mod store;
mod tokenizer;
mod walk;

pub use chunk::{chunk_file, Chunk, ChunkKind};
pub use context::{estimate_tokens, ContextPack, CHUNK_HEADER_TOKENS, RELEVANCE_FLOOR};
pub use error::IndexError;
pub use languages::language_of;
pub use refresh::RefreshStats;
pub use repository::{EmbedStats, Repository};
pub use semantic::ChunkEmbedder;
pub use settings::{check_name, default_data_dir, IndexSettings};
pub use tokenizer::code_tokens;

/// One search result: a chunk and its BM25 score.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Path relative to the repository root, `/`-separated.
    pub path: String,
    /// The symbol (`Type::method`), if the chunk is one.
    pub symbol: Option<String>,
    /// What the chunk holds.
    pub kind: ChunkKind,
    /// First line, 1-based.
    pub start_line: usize,
    /// Last line, 1-based, inclusive.
    pub end_line: usize,
    /// BM25 score (higher is better; comparable within one query only).
    pub score: f32,
    /// Cosine of the chunk's and the query's vectors, when the hits were re-ranked by
    /// meaning (then they are in this order, not the score's).
    pub similarity: Option<f32>,
    /// The chunk's lines.
    pub text: String,
}
