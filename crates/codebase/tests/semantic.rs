//! Re-ranking by meaning: chunk vectors are computed once, kept beside the index across
//! restarts, recomputed only for chunks that changed, and reorder BM25's candidates; with
//! the cache's neural embedder, natural-language questions about real code find it more
//! often than BM25 alone.

#![cfg(test)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use switchyard_codebase::{ChunkEmbedder, IndexSettings, Repository};

/// A fake embedder: a chunk or query with a word about storage points one way, one about
/// the network the other, anything else between; counts its calls.
struct TopicEmbedder {
    id: &'static str,
    calls: AtomicUsize,
}

impl TopicEmbedder {
    fn new(id: &'static str) -> Arc<Self> {
        Arc::new(Self {
            id,
            calls: AtomicUsize::new(0),
        })
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl ChunkEmbedder for TopicEmbedder {
    fn id(&self) -> &str {
        self.id
    }

    fn embed(&self, text: &str) -> Vec<f32> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let about = |words: &[&str]| words.iter().any(|w| text.contains(w));
        match (
            about(&["storage", "disk", "persist"]),
            about(&["network", "socket"]),
        ) {
            (true, false) => vec![1.0, 0.0],
            (false, true) => vec![0.0, 1.0],
            _ => vec![std::f32::consts::FRAC_1_SQRT_2; 2],
        }
    }
}

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Two functions that share the query's word; BM25 prefers the one that repeats it.
fn sample(root: &Path) {
    write(
        root,
        "src/save.rs",
        "/// Writes the record to storage.\npub fn save_record(record: &Record) {\n    disk::write(record)\n}\n",
    );
    write(
        root,
        "src/send.rs",
        "/// Sends the record over the network: record record record.\npub fn send_record(record: &Record) {\n    socket::send(record, record)\n}\n",
    );
}

fn open(root: &Path, data: &Path, embedder: Arc<TopicEmbedder>) -> Repository {
    let (repo, _) = Repository::open_or_build("topics", root, IndexSettings::new(data)).unwrap();
    repo.with_embedder(embedder)
}

fn first_path(repo: &Repository, query: &str) -> String {
    repo.search(query, 5).unwrap()[0].path.clone()
}

#[test]
fn vectors_are_computed_once_reused_after_a_restart_and_reorder_candidates() {
    let root = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    sample(root.path());
    // BM25 matches `record` only (no chunk says `persist`); the meaning is storage.
    let query = "record persist";

    let embedder = TopicEmbedder::new("topics-1");
    let repo = open(root.path(), data.path(), embedder.clone());
    // Before the vectors exist: BM25's order, no similarity.
    assert!(!repo.reranks());
    let hits = repo.search(query, 5).unwrap();
    assert_eq!(
        hits[0].path, "src/send.rs",
        "BM25 favours the repeated word"
    );
    assert!(hits.iter().all(|h| h.similarity.is_none()));

    let stats = repo.embed_chunks().unwrap();
    assert_eq!(stats.chunks, 2);
    assert_eq!(stats.embedded, 2);
    assert!(repo.reranks());
    let before = embedder.calls();
    let hits = repo.search(query, 5).unwrap();
    assert_eq!(embedder.calls(), before + 1, "only the query is embedded");
    assert_eq!(hits[0].path, "src/save.rs", "re-ranked by meaning");
    assert_eq!(hits[0].similarity, Some(1.0));

    // Nothing changed: nothing embedded.
    assert_eq!(repo.embed_chunks().unwrap().embedded, 0);
    drop(repo);

    // A restart reuses the stored vectors: re-ranked at once, nothing re-embedded.
    let embedder = TopicEmbedder::new("topics-1");
    let repo = open(root.path(), data.path(), embedder.clone());
    assert!(repo.reranks());
    assert_eq!(first_path(&repo, query), "src/save.rs");
    assert_eq!(repo.embed_chunks().unwrap().embedded, 0);
    assert_eq!(embedder.calls(), 1, "the query only");

    // A changed file: its chunk is embedded again, the old vector dropped; until then
    // the changed chunk has no vector and BM25's order stands.
    std::thread::sleep(std::time::Duration::from_millis(20));
    write(
        root.path(),
        "src/save.rs",
        "/// Writes the record to storage on the network.\npub fn save_record(record: &Record) {\n    disk::write(record)\n}\n",
    );
    repo.refresh().unwrap();
    let hits = repo.search(query, 5).unwrap();
    assert!(hits.iter().all(|h| h.similarity.is_none()), "{hits:?}");
    let stats = repo.embed_chunks().unwrap();
    assert_eq!((stats.embedded, stats.dropped, stats.chunks), (1, 1, 2));
    drop(repo);

    // Another embedder's vectors are not comparable: all recomputed.
    let other = TopicEmbedder::new("topics-2");
    let repo = open(root.path(), data.path(), other.clone());
    assert!(!repo.reranks());
    assert_eq!(repo.embed_chunks().unwrap().embedded, 2);
}

#[test]
fn a_repository_without_an_embedder_searches_with_bm25_and_embeds_nothing() {
    let root = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    sample(root.path());
    let (repo, _) =
        Repository::open_or_build("plain", root.path(), IndexSettings::new(data.path())).unwrap();
    assert_eq!(repo.embed_chunks().unwrap().chunks, 0);
    assert!(!repo.reranks());
    assert_eq!(first_path(&repo, "record persist"), "src/send.rs");
}

/// The cache's neural embedder, as the gateway plugs it in.
struct Neural(switchyard_cache::embed::NeuralEmbedder);

impl ChunkEmbedder for Neural {
    fn id(&self) -> &str {
        "test-neural"
    }

    fn embed(&self, text: &str) -> Vec<f32> {
        self.0.embed(text)
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Questions about the cache crate, each with the file that answers it (the first four
/// from examples/search_eval_queries.tsv). Measured: BM25 1/5 first, re-ranked 3/5.
const QUESTIONS: [(&str, &str); 5] = [
    ("load the onnx sentence embedding model", "embed/neural.rs"),
    (
        "turn a text into a vector for similarity search without a model",
        "embed/builtin.rs",
    ),
    (
        "stop a semantic cache hit when the user asks for another programming language",
        "guard.rs",
    ),
    (
        "store cached answers in redis so replicas share them",
        "shared.rs",
    ),
    ("count hits and misses of the cache", "stats.rs"),
];

#[test]
fn the_neural_embedder_finds_the_answering_file_more_often_than_bm25() {
    use switchyard_cache::embed::{ModelFiles, NeuralEmbedder};
    let files = ModelFiles::default_location();
    let Ok(neural) = NeuralEmbedder::load(&files, 1) else {
        eprintln!("note: neural model files not installed (scripts/setup-models.sh); skipped");
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let root = workspace_root().join("crates/cache/src");
    let (plain, _) =
        Repository::open_or_build("cache-src", &root, IndexSettings::new(data.path())).unwrap();
    let first_hits = |repo: &Repository| -> usize {
        QUESTIONS
            .iter()
            .filter(|(q, want)| repo.search(q, 1).unwrap()[0].path.contains(want))
            .count()
    };
    let bm25 = first_hits(&plain);
    drop(plain);
    let (repo, _) =
        Repository::open_or_build("cache-src", &root, IndexSettings::new(data.path())).unwrap();
    let repo = repo.with_embedder(Arc::new(Neural(neural)));
    let stats = repo.embed_chunks().unwrap();
    assert!(stats.chunks > 20, "{stats:?}");
    let reranked = first_hits(&repo);
    eprintln!(
        "hit@1 on {} questions: BM25 {bm25}, re-ranked {reranked}",
        QUESTIONS.len()
    );
    assert!(reranked > bm25, "BM25 {bm25}, re-ranked {reranked}");
}
