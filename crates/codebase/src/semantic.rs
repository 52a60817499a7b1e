//! Semantic re-ranking: BM25 finds candidates by their words, an embedder orders them by
//! meaning. On 30 natural-language questions about this repository (BENCHMARKS.md, "Does
//! the cache's embedder help search?") re-ranking BM25's best 100 by the neural embedder's
//! cosine lifted hit@1 from 8/30 to 15/30; the weight-free built-in embedder did not help,
//! so the gateway uses the neural one only.
//!
//! Embedding a chunk takes milliseconds, too long for a request that would re-rank 100 of
//! them, so every chunk's vector is computed ahead ([`crate::Repository::embed_chunks`], on
//! the indexing thread) and kept on disk beside the index, keyed by a fingerprint of what
//! is embedded: a refresh re-embeds only the chunks that changed, and a restart none.

use crate::{Hit, IndexError};
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
use std::io::{BufReader, BufWriter, Write as _};
use std::path::Path;

/// Turns text into a unit vector; what re-ranking compares.
pub trait ChunkEmbedder: Send + Sync {
    /// Names the model (and its version): vectors of different embedders are not
    /// comparable, so stored vectors made by another are recomputed.
    fn id(&self) -> &str;

    /// The unit vector of `text`. CPU-bound and blocking.
    fn embed(&self, text: &str) -> Vec<f32>;
}

/// The vectors file in a repository's index directory.
const VECTORS_FILE: &str = "vectors.bin";

/// First bytes of the vectors file: its format, so that a later layout is not misread.
const MAGIC: &[u8; 8] = b"SYVEC01\n";

/// A fingerprint of a chunk's embedded text.
pub(crate) type ChunkKey = [u8; 16];

/// How much of a chunk's text its vector is computed from: its start, where the doc
/// comment and the signature are. Measured with the search_eval example (30 questions about
/// this repository, release build, BENCHMARKS.md): the whole chunk (up to the model's 256
/// tokens) 43.5 ms a chunk, hit@1 14/30; its first 300 characters 24.5 ms, 15/30; 150
/// characters 16.7 ms, 14/30; path and symbol alone 6.6 ms, 7/30.
const EMBEDDED_CHARS: usize = 300;

/// What is embedded of a chunk, in pieces: where it is and what it is called, then the
/// start of its code ([`EMBEDDED_CHARS`]).
fn embedded_parts(hit: &Hit) -> [&str; 5] {
    let mut end = hit.text.len().min(EMBEDDED_CHARS);
    while !hit.text.is_char_boundary(end) {
        end -= 1;
    }
    let symbol = hit.symbol.as_deref().unwrap_or("");
    [&hit.path, " ", symbol, "\n", &hit.text[..end]]
}

/// What is embedded of a chunk (see [`embedded_parts`]).
pub(crate) fn embedded_text(hit: &Hit) -> String {
    embedded_parts(hit).concat()
}

/// The key of `hit`'s vector: the hash of [`embedded_text`], fed in pieces so that a search
/// looking up its 100 candidates' vectors builds no strings.
pub(crate) fn chunk_key(hit: &Hit) -> ChunkKey {
    let mut hasher = Sha256::new();
    for part in embedded_parts(hit) {
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

/// Every chunk's vector, made by one embedder.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChunkVectors {
    /// The embedder's [`ChunkEmbedder::id`].
    pub(crate) embedder: String,
    pub(crate) vectors: HashMap<ChunkKey, Vec<f32>>,
}

impl ChunkVectors {
    /// The vectors stored in `dir`, if there are any made by `embedder`; a missing,
    /// unreadable or foreign file is an empty set (the vectors are recomputed, nothing
    /// is lost).
    pub(crate) fn load(dir: &Path, embedder: &str) -> ChunkVectors {
        let empty = ChunkVectors {
            embedder: embedder.to_owned(),
            vectors: HashMap::new(),
        };
        let path = dir.join(VECTORS_FILE);
        let Ok(file) = std::fs::File::open(&path) else {
            return empty;
        };
        match read_vectors(&mut BufReader::new(file)) {
            Some(stored) if stored.embedder == embedder => stored,
            Some(_) => empty,
            None => {
                tracing::warn!(file = %path.display(), "index: unreadable vectors file, recomputing");
                empty
            }
        }
    }

    /// Writes the vectors to `dir` (a temporary file renamed over the old one, so that a
    /// crash leaves one or the other).
    pub(crate) fn save(&self, dir: &Path) -> Result<(), IndexError> {
        let path = dir.join(VECTORS_FILE);
        let temp = dir.join(format!("{VECTORS_FILE}.tmp"));
        let file = std::fs::File::create(&temp).map_err(|e| IndexError::io(&temp, e))?;
        let mut out = BufWriter::new(file);
        write_vectors(self, &mut out)
            .and_then(|()| out.flush())
            .map_err(|e| IndexError::io(&temp, e))?;
        drop(out);
        std::fs::rename(&temp, &path).map_err(|e| IndexError::io(&path, e))
    }
}

/// Layout: magic, embedder id length (u32 LE) and bytes, dimensions (u32 LE), count (u64
/// LE), then per vector its 16-byte key and `dimensions` f32 LE.
fn write_vectors(v: &ChunkVectors, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let dims = v.vectors.values().next().map_or(0, Vec::len);
    out.write_all(MAGIC)?;
    out.write_all(&(v.embedder.len() as u32).to_le_bytes())?;
    out.write_all(v.embedder.as_bytes())?;
    out.write_all(&(dims as u32).to_le_bytes())?;
    out.write_all(&(v.vectors.len() as u64).to_le_bytes())?;
    for (key, vector) in &v.vectors {
        out.write_all(key)?;
        for x in vector.iter().chain(std::iter::repeat(&0.0)).take(dims) {
            out.write_all(&x.to_le_bytes())?;
        }
    }
    Ok(())
}

fn read_vectors(input: &mut impl std::io::Read) -> Option<ChunkVectors> {
    let mut magic = [0u8; 8];
    input.read_exact(&mut magic).ok()?;
    if &magic != MAGIC {
        return None;
    }
    let id_len = usize::try_from(read_u32(input)?).ok()?;
    if id_len > 1024 {
        return None;
    }
    let mut id = vec![0u8; id_len];
    input.read_exact(&mut id).ok()?;
    let embedder = String::from_utf8(id).ok()?;
    let dims = usize::try_from(read_u32(input)?).ok()?;
    let mut count = [0u8; 8];
    input.read_exact(&mut count).ok()?;
    let count = usize::try_from(u64::from_le_bytes(count)).ok()?;
    if dims > 8192 || count > 50_000_000 {
        return None;
    }
    let mut vectors = HashMap::with_capacity(count.min(1 << 20));
    let mut row = vec![0u8; dims * 4];
    for _ in 0..count {
        let mut key = [0u8; 16];
        input.read_exact(&mut key).ok()?;
        input.read_exact(&mut row).ok()?;
        let vector = row
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        vectors.insert(key, vector);
    }
    Some(ChunkVectors { embedder, vectors })
}

fn read_u32(input: &mut impl std::io::Read) -> Option<u32> {
    let mut bytes = [0u8; 4];
    input.read_exact(&mut bytes).ok()?;
    Some(u32::from_le_bytes(bytes))
}

/// Cosine of two unit vectors (their dot product).
fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Orders `candidates` (BM25's, best first) by their vectors' cosine with `query_vector`,
/// recording it in [`Hit::similarity`]. Only when every candidate has a vector: a partial
/// order would rank the chunks that happen to be embedded above the others, so while a
/// refresh's new chunks wait for theirs the BM25 order stands (`false`).
pub(crate) fn rerank(candidates: &mut [Hit], vectors: &ChunkVectors, query_vector: &[f32]) -> bool {
    let mut similarities = Vec::with_capacity(candidates.len());
    for hit in candidates.iter() {
        match vectors.vectors.get(&chunk_key(hit)) {
            Some(v) => similarities.push(cosine(query_vector, v)),
            None => return false,
        }
    }
    for (hit, similarity) in candidates.iter_mut().zip(similarities) {
        hit.similarity = Some(similarity);
    }
    // Stable: equal similarities keep BM25's order.
    candidates.sort_by(|a, b| {
        b.similarity
            .unwrap_or(0.0)
            .total_cmp(&a.similarity.unwrap_or(0.0))
    });
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ChunkKind;

    fn hit(path: &str, text: &str) -> Hit {
        Hit {
            path: path.into(),
            symbol: None,
            kind: ChunkKind::Code,
            start_line: 1,
            end_line: 1,
            score: 1.0,
            similarity: None,
            text: text.into(),
        }
    }

    #[test]
    fn the_key_is_the_hash_of_the_embedded_text() {
        let mut h = hit("src/a.rs", &"é".repeat(400));
        h.symbol = Some("a".into());
        let text = embedded_text(&h);
        assert!(text.starts_with("src/a.rs a\né"));
        assert_eq!(chunk_key(&h)[..], Sha256::digest(text.as_bytes())[..16]);
    }

    #[test]
    fn vectors_survive_a_save_and_load_and_another_embedders_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = ChunkVectors {
            embedder: "test-1".into(),
            vectors: HashMap::new(),
        };
        v.vectors
            .insert(chunk_key(&hit("a.rs", "fn a() {}")), vec![0.6, 0.8]);
        v.vectors
            .insert(chunk_key(&hit("b.rs", "fn b() {}")), vec![1.0, 0.0]);
        v.save(dir.path()).unwrap();
        let loaded = ChunkVectors::load(dir.path(), "test-1");
        assert_eq!(loaded.vectors, v.vectors);
        assert!(ChunkVectors::load(dir.path(), "test-2").vectors.is_empty());
        std::fs::write(dir.path().join(VECTORS_FILE), b"garbage").unwrap();
        assert!(ChunkVectors::load(dir.path(), "test-1").vectors.is_empty());
    }

    #[test]
    fn rerank_orders_by_cosine_only_when_every_candidate_has_a_vector() {
        let a = hit("a.rs", "fn a() {}");
        let b = hit("b.rs", "fn b() {}");
        let mut v = ChunkVectors::default();
        v.vectors.insert(chunk_key(&a), vec![1.0, 0.0]);
        let mut candidates = vec![a.clone(), b.clone()];
        assert!(!rerank(&mut candidates, &v, &[0.0, 1.0]));
        assert_eq!(candidates[0].path, "a.rs");
        assert_eq!(candidates[0].similarity, None);

        v.vectors.insert(chunk_key(&b), vec![0.0, 1.0]);
        assert!(rerank(&mut candidates, &v, &[0.0, 1.0]));
        let order: Vec<&str> = candidates.iter().map(|h| h.path.as_str()).collect();
        assert_eq!(order, ["b.rs", "a.rs"]);
        assert_eq!(candidates[0].similarity, Some(1.0));
    }
}
