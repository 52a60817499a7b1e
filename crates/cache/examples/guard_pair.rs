//! The near-miss guard's view of two prompts, for tuning:
//! `cargo run -p switchyard-cache --example guard_pair -- "PROMPT A" "PROMPT B"`.
use switchyard_cache::guard::{check, PromptFeatures};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(a), Some(b)) = (args.first(), args.get(1)) else {
        eprintln!("usage: guard_pair PROMPT_A PROMPT_B");
        std::process::exit(2);
    };
    let (x, y) = (PromptFeatures::of(a, false), PromptFeatures::of(b, false));
    println!("{x:#?}\n{y:#?}\nverdict: {:?}", check(&x, &y));
}
