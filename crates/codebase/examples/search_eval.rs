//! Does the cache's embedder help repository search? Natural-language queries with the file
//! each should find (a TSV: query, then a path fragment), scored two ways over one index:
//! BM25 alone, and BM25's best 100 re-ranked by the embedder's cosine as the gateway does it
//! (`Repository::with_embedder`, vectors from `Repository::embed_chunks`). Prints hit@1 and
//! hit@5 (file level) for each, and the time to embed every chunk and to answer a query.
//!
//! `cargo run --release -p switchyard-codebase --example search_eval -- REPO QUERIES.tsv [builtin|neural]`

use std::{path::Path, sync::Arc, time::Instant};
use switchyard_cache::embed::{BuiltinEmbedder, Embedder, ModelFiles, NeuralEmbedder};
use switchyard_codebase::{ChunkEmbedder, IndexSettings, Repository};

/// The cache's embedder as a re-ranker.
struct Reranker(Embedder);

impl ChunkEmbedder for Reranker {
    fn id(&self) -> &str {
        self.0.name()
    }

    fn embed(&self, text: &str) -> Vec<f32> {
        self.0.embed(text)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(repo), Some(queries)) = (args.get(1), args.get(2)) else {
        return Err("usage: search_eval REPO QUERIES.tsv [builtin|neural]".into());
    };
    let embedder = match args.get(3).map(String::as_str) {
        Some("neural") => Embedder::Neural(Arc::new(NeuralEmbedder::load(
            &ModelFiles::default_location(),
            1,
        )?)),
        _ => Embedder::Builtin(BuiltinEmbedder),
    };
    let data = std::env::temp_dir().join(format!("search-eval-{}", std::process::id()));
    // Two handles on one index: one searches with BM25 alone, the other re-ranks.
    let (bm25, _) = Repository::open_or_build("eval", Path::new(repo), IndexSettings::new(&data))?;
    let (repository, _) =
        Repository::open_or_build("eval", Path::new(repo), IndexSettings::new(&data))?;
    let repository = repository.with_embedder(Arc::new(Reranker(embedder)));
    let stats = repository.embed_chunks()?;
    println!(
        "{} chunks embedded in {:.1} s ({:.1} ms each)",
        stats.embedded,
        stats.elapsed.as_secs_f64(),
        stats.elapsed.as_secs_f64() * 1000.0 / stats.embedded.max(1) as f64
    );
    let text = std::fs::read_to_string(queries)?;
    let mut scores = [[0u32; 2]; 2];
    let mut times = [Vec::new(), Vec::new()];
    let mut n = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Some((query, want)) = line.split_once('\t') else {
            continue;
        };
        n += 1;
        for (way, repo) in [&bm25, &repository].into_iter().enumerate() {
            let started = Instant::now();
            let hits = repo.search(query, 5)?;
            times[way].push(started.elapsed().as_secs_f64() * 1000.0);
            if hits.first().is_some_and(|h| h.path.contains(want)) {
                scores[way][0] += 1;
            }
            if hits.iter().any(|h| h.path.contains(want)) {
                scores[way][1] += 1;
            }
        }
    }
    for (way, name) in ["bm25", "re-ranked"].iter().enumerate() {
        times[way].sort_by(f64::total_cmp);
        println!(
            "{name:>10}: hit@1 {}/{n}  hit@5 {}/{n}  median query {:.2} ms",
            scores[way][0],
            scores[way][1],
            times[way].get(times[way].len() / 2).copied().unwrap_or(0.0)
        );
    }
    let _ = std::fs::remove_dir_all(&data);
    Ok(())
}
