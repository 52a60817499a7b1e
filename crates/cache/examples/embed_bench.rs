//! Time per embedding of each prompt of a `cache-dev.jsonl`-format file:
//! `cargo run --release -p switchyard-cache --example embed_bench -- FILE [builtin|neural]`.
use std::time::Instant;
use switchyard_cache::embed::{BuiltinEmbedder, Embedder, ModelFiles, NeuralEmbedder};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let text = std::fs::read_to_string(args.first().map_or("", String::as_str)).unwrap_or_default();
    let embedder = match args.get(1).map(String::as_str) {
        Some("builtin") => Embedder::Builtin(BuiltinEmbedder),
        _ => match NeuralEmbedder::load(&ModelFiles::default_location(), 1) {
            Ok(n) => Embedder::Neural(std::sync::Arc::new(n)),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        },
    };
    let mut prompts = Vec::new();
    for line in text.lines() {
        let Ok(g) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        prompts.extend(g["anchor"].as_str().map(str::to_owned));
        for v in g["variants"].as_array().into_iter().flatten() {
            prompts.extend(v["text"].as_str().map(str::to_owned));
        }
    }
    let mut times: Vec<f64> = prompts
        .iter()
        .map(|p| {
            let t = Instant::now();
            std::hint::black_box(embedder.embed(p));
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| {
        times
            .get(((times.len() as f64 - 1.0) * q) as usize)
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "{} embedder, {} prompts: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        embedder.name(),
        times.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );
}
