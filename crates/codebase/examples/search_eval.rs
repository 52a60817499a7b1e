//! Does the cache's embedder help repository search? Natural-language queries with the file
//! each should find (a TSV: query, then a path fragment), scored three ways over one index:
//! BM25 alone, BM25's candidates re-ranked by embedding cosine alone, and the two ranks
//! fused (reciprocal rank fusion). Prints hit@1 and hit@5 (file level) for each.
//!
//! `cargo run --release -p switchyard-codebase --example search_eval -- REPO QUERIES.tsv [builtin|neural]`

use std::{collections::HashMap, path::Path, time::Instant};
use switchyard_cache::embed::{cosine, BuiltinEmbedder, Embedder, ModelFiles, NeuralEmbedder};
use switchyard_codebase::{Hit, IndexSettings, Repository};

/// BM25 candidates re-ranked per query.
const CANDIDATES: usize = 100;
/// Reciprocal rank fusion's constant (the usual 60).
const RRF_K: f32 = 60.0;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(repo), Some(queries)) = (args.get(1), args.get(2)) else {
        return Err("usage: search_eval REPO QUERIES.tsv [builtin|neural]".into());
    };
    let embedder = match args.get(3).map(String::as_str) {
        Some("neural") => Embedder::Neural(std::sync::Arc::new(NeuralEmbedder::load(
            &ModelFiles::default_location(),
            1,
        )?)),
        _ => Embedder::Builtin(BuiltinEmbedder),
    };
    let data = std::env::temp_dir().join(format!("search-eval-{}", std::process::id()));
    let (repository, _) =
        Repository::open_or_build("eval", Path::new(repo), IndexSettings::new(&data))?;
    let text = std::fs::read_to_string(queries)?;
    let mut cache: HashMap<(String, usize), Vec<f32>> = HashMap::new();
    let mut scores = [[0u32; 2]; 3];
    let mut n = 0;
    let started = Instant::now();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Some((query, want)) = line.split_once('\t') else {
            continue;
        };
        n += 1;
        let bm25 = repository.search(query, CANDIDATES)?;
        let q = embedder.embed(query);
        let sims: Vec<f32> = bm25
            .iter()
            .map(|h| {
                let key = (h.path.clone(), h.start_line);
                let v = cache
                    .entry(key)
                    .or_insert_with(|| embedder.embed(&chunk_text(h)));
                cosine(&q, v)
            })
            .collect();
        let mut by_cosine: Vec<usize> = (0..bm25.len()).collect();
        by_cosine.sort_by(|&a, &b| sims[b].total_cmp(&sims[a]));
        let mut cosine_rank = vec![0usize; bm25.len()];
        for (rank, &i) in by_cosine.iter().enumerate() {
            cosine_rank[i] = rank;
        }
        let mut fused: Vec<usize> = (0..bm25.len()).collect();
        let rrf = |i: usize| 1.0 / (RRF_K + i as f32) + 1.0 / (RRF_K + cosine_rank[i] as f32);
        fused.sort_by(|&a, &b| rrf(b).total_cmp(&rrf(a)));
        let orders = [(0..bm25.len()).collect::<Vec<_>>(), by_cosine, fused];
        for (way, order) in orders.iter().enumerate() {
            let files: Vec<&str> = order.iter().map(|&i| bm25[i].path.as_str()).collect();
            if files.first().is_some_and(|f| f.contains(want)) {
                scores[way][0] += 1;
            }
            if files.iter().take(5).any(|f| f.contains(want)) {
                scores[way][1] += 1;
            }
        }
    }
    println!(
        "{} queries, embedder {}, {} chunks embedded, {:.1} s",
        n,
        embedder.name(),
        cache.len(),
        started.elapsed().as_secs_f64()
    );
    for (way, name) in ["bm25", "cosine rerank", "rrf(bm25, cosine)"]
        .iter()
        .enumerate()
    {
        println!(
            "{name:>18}: hit@1 {}/{n}  hit@5 {}/{n}",
            scores[way][0], scores[way][1]
        );
    }
    let _ = std::fs::remove_dir_all(&data);
    Ok(())
}

/// What is embedded of a chunk: where it is and what it is called, then its code (the
/// model reads only its first few hundred tokens).
fn chunk_text(hit: &Hit) -> String {
    format!(
        "{} {}\n{}",
        hit.path,
        hit.symbol.as_deref().unwrap_or(""),
        hit.text
    )
}
