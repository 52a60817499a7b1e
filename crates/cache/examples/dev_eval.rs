//! Offline check of the semantic tier on a `cache-dev.jsonl`-format file (no gateway):
//! `cargo run -p switchyard-cache --example dev_eval -- FILE [THRESHOLD...]`
//! (`EMBEDDER=neural` for the neural embedder, from the files of `scripts/setup-models.sh`).
//! The figures of record come from `switchyard cache eval` through a running gateway.

use std::collections::{BTreeMap, HashSet};
use switchyard_cache::{
    embed::{BuiltinEmbedder, Embedder, ModelFiles, NeuralEmbedder},
    key::{request_key, split_code},
    semantic::{SearchResult, SemanticIndex},
};
use switchyard_protocol::{ChatRequest, Message, Role, WireFormat};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args.first().cloned().unwrap_or_default();
    let thresholds: Vec<f32> = args.iter().skip(1).filter_map(|a| a.parse().ok()).collect();
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let groups: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let embedder = match std::env::var("EMBEDDER").as_deref() {
        Ok("neural") => match NeuralEmbedder::load(&ModelFiles::default_location(), 1) {
            Ok(n) => Embedder::Neural(std::sync::Arc::new(n)),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        },
        _ => Embedder::Builtin(BuiltinEmbedder),
    };
    let verbose = std::env::var("VERBOSE").is_ok();
    for t in if thresholds.is_empty() {
        vec![0.5]
    } else {
        thresholds
    } {
        let index = SemanticIndex::new(100_000);
        let mut exact = HashSet::new();
        let mut tally: BTreeMap<String, (u32, u32)> = BTreeMap::new();
        for g in &groups {
            let store = |prompt: &str, index: &SemanticIndex, exact: &mut HashSet<_>| {
                let mut req = ChatRequest::new(WireFormat::OpenAiChat, "m");
                req.messages.push(Message::text(Role::User, prompt));
                let key = request_key(&req, "m", None);
                let has_code = !split_code(prompt).1.is_empty();
                exact.insert(key.exact);
                index.insert(
                    key.scope,
                    key.exact,
                    &embedder.embed(&key.instruction),
                    &key.instruction,
                    has_code,
                );
            };
            store(g["anchor"].as_str().unwrap_or(""), &index, &mut exact);
            for v in g["variants"].as_array().into_iter().flatten() {
                let prompt = v["text"].as_str().unwrap_or("");
                let mut req = ChatRequest::new(WireFormat::OpenAiChat, "m");
                req.messages.push(Message::text(Role::User, prompt));
                let key = request_key(&req, "m", None);
                let has_code = !split_code(prompt).1.is_empty();
                let hit = exact.contains(&key.exact)
                    || matches!(
                        index.search(
                            &key.scope,
                            &embedder.embed(&key.instruction),
                            &key.instruction,
                            has_code,
                            t
                        ),
                        SearchResult::Hit { .. }
                    );
                let kind = v["kind"].as_str().unwrap_or("").to_owned();
                let e = tally.entry(kind.clone()).or_default();
                e.0 += 1;
                e.1 += u32::from(hit);
                let want_hit = v["expect"] == "hit";
                if verbose && hit != want_hit && (!want_hit || std::env::var("PARA").is_ok()) {
                    let r = index.search(
                        &key.scope,
                        &embedder.embed(&key.instruction),
                        &key.instruction,
                        has_code,
                        0.0,
                    );
                    println!(
                        "  {} {kind} {:?}\n     A: {}\n     V: {}",
                        g["id"],
                        r,
                        g["anchor"]
                            .as_str()
                            .unwrap_or("")
                            .lines()
                            .next()
                            .unwrap_or(""),
                        prompt.lines().next().unwrap_or("")
                    );
                }
                // A variant is stored after its lookup, as the gateway would on a miss.
                if !hit {
                    store(prompt, &index, &mut exact);
                }
            }
        }
        let (mut miss_n, mut miss_hit) = (0, 0);
        print!("threshold {t:.2}:");
        for (kind, (n, h)) in &tally {
            print!(" {kind} {h}/{n}");
            if kind != "paraphrase" {
                miss_n += n;
                miss_hit += h;
            }
        }
        let (pn, ph) = tally.get("paraphrase").copied().unwrap_or_default();
        println!(
            "\n  paraphrase hit rate {:.1} %, false-hit rate {:.1} % ({miss_hit}/{miss_n})",
            100.0 * f64::from(ph) / f64::from(pn.max(1)),
            100.0 * f64::from(miss_hit) / f64::from(miss_n.max(1))
        );
    }
}
