//! `switchyard router train|eval`: fit the router's classifier to labelled prompts, and
//! measure it with k-fold cross-validation (never the training fit alone).

use anyhow::Context as _;
use clap::Subcommand;
use std::{path::PathBuf, sync::Arc};
use switchyard_gateway::{config::demo_config, AppState, Config};
use switchyard_router::{
    dataset::{self, Example},
    eval::{evaluate, EvalReport},
    train::{cross_validate, fit, vectors, TrainOptions},
    Model, Router,
};

/// `switchyard router ...`.
#[derive(Debug, Subcommand)]
pub enum RouterCommand {
    /// Fit the classifier to labelled prompts (JSONL: id, tier, prompt, ...) plus the
    /// crate's own extra prompts, and write the weights.
    Train {
        /// Labelled prompts; repeat for several files.
        #[arg(long, required = true)]
        data: Vec<PathBuf>,
        /// Where to write the weights (the shipped ones: crates/router/weights.json).
        #[arg(long, default_value = "crates/router/weights.json")]
        out: PathBuf,
        /// Leave out the crate's extra training prompts.
        #[arg(long)]
        no_extra: bool,
        /// L2 penalty.
        #[arg(long, default_value_t = TrainOptions::default().l2)]
        l2: f64,
        /// Weight of a complex example's error against a simple one's.
        #[arg(long, default_value_t = TrainOptions::default().complex_weight)]
        complex_weight: f64,
    },
    /// Accuracy, confusion matrix, complex-to-simple share and cost ratio on labelled
    /// prompts: k-fold cross-validation of the training procedure, and the given weights.
    Eval {
        /// Labelled prompts (JSONL).
        #[arg(long)]
        data: PathBuf,
        /// Folds for cross-validation.
        #[arg(long, default_value_t = 10)]
        k: usize,
        /// Leave the crate's extra training prompts out of the training folds.
        #[arg(long)]
        no_extra: bool,
        /// Config whose router tiers and prices to use (default: the built-in demo's
        /// `auto`: fast = gemini-2.5-flash, smart = claude-sonnet-4-5).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Router of the config.
        #[arg(long, default_value = "auto")]
        router: String,
        /// Weights to evaluate as they are (default: the shipped ones).
        #[arg(long)]
        weights: Option<PathBuf>,
        /// Output tokens assumed per request for the cost figures.
        #[arg(long, default_value_t = 400)]
        output_tokens: u64,
        /// L2 penalty of the cross-validated training.
        #[arg(long, default_value_t = TrainOptions::default().l2)]
        l2: f64,
        /// Weight of a complex example's error in the cross-validated training.
        #[arg(long, default_value_t = TrainOptions::default().complex_weight)]
        complex_weight: f64,
    },
    /// Time the routing decision (features, classifier, policy) on a prompt of about
    /// `tokens` tokens: a question over pasted code, as an IDE or agent sends it.
    Bench {
        /// Prompt size in (estimated) tokens.
        #[arg(long, default_value_t = 4000)]
        tokens: usize,
        /// Timed decisions (after as many untimed warm-up decisions).
        #[arg(long, default_value_t = 20000)]
        iterations: usize,
        /// Also compare the router's token estimate with o200k_base on these prompts.
        #[arg(long)]
        data: Option<PathBuf>,
    },
}

/// Runs a router subcommand, returning what to print.
pub fn run(command: RouterCommand) -> anyhow::Result<String> {
    match command {
        RouterCommand::Train {
            data,
            out,
            no_extra,
            l2,
            complex_weight,
        } => {
            let mut examples = Vec::new();
            let mut sources = Vec::new();
            for path in &data {
                examples.extend(dataset::load(path)?);
                sources.push(path.display().to_string());
            }
            if !no_extra {
                let extra = dataset::extra_training()?;
                sources.push(format!("crate extra prompts ({})", extra.len()));
                examples.extend(extra);
            }
            let options = TrainOptions {
                l2,
                complex_weight,
                ..TrainOptions::default()
            };
            let mut model = fit(&vectors(&examples), options);
            model.trained_on = format!(
                "{} examples: {}; l2 {l2}, complex weight {complex_weight}",
                examples.len(),
                sources.join(", ")
            );
            std::fs::write(&out, model.to_json() + "\n")
                .with_context(|| format!("cannot write {}", out.display()))?;
            Ok(format!(
                "wrote {} ({} examples); measure it with `switchyard router eval`\n",
                out.display(),
                examples.len()
            ))
        }
        RouterCommand::Bench {
            tokens,
            iterations,
            data,
        } => {
            let mut out = bench(tokens, iterations)?;
            if let Some(path) = data {
                out.push_str(&estimate_error(&dataset::load(&path)?));
            }
            Ok(out)
        }
        RouterCommand::Eval {
            data,
            k,
            no_extra,
            config,
            router,
            weights,
            output_tokens,
            l2,
            complex_weight,
        } => {
            let dev = dataset::load(&data)?;
            let extra = if no_extra {
                Vec::new()
            } else {
                dataset::extra_training()?
            };
            let router = router_of(config, &router, weights)?;
            let options = TrainOptions {
                l2,
                complex_weight,
                ..TrainOptions::default()
            };
            let oof = cross_validate(&vectors(&dev), &vectors(&extra), k, options);
            let method = format!(
                "{k}-fold cross-validation (each fold scored by a model trained on the other folds{})",
                if extra.is_empty() {
                    String::new()
                } else {
                    format!(" + {} extra prompts", extra.len())
                }
            );
            let cv = evaluate(&router, &dev, &oof, &method, output_tokens);
            let fitted = given_weights(&router, &dev, output_tokens);
            Ok(format!("{cv}\n{fitted}"))
        }
    }
}

/// The shipped (or given) weights on `dev`: a training fit when `dev` was trained on.
fn given_weights(router: &Router, dev: &[Example], output_tokens: u64) -> EvalReport {
    let scores: Vec<f64> = vectors(dev)
        .iter()
        .map(|(x, _)| router.model.log_odds(x))
        .collect();
    let method = format!(
        "the weights as they are ({}) — a training fit if this file was trained on",
        if router.model.trained_on.is_empty() {
            "untitled"
        } else {
            &router.model.trained_on
        }
    );
    evaluate(router, dev, &scores, &method, output_tokens)
}

/// The router `name` of `config` (or of the demo config), with `weights` if given.
fn router_of(
    config: Option<PathBuf>,
    name: &str,
    weights: Option<PathBuf>,
) -> anyhow::Result<Router> {
    let config = match config {
        Some(path) => Config::load(&path)?,
        None => demo_config(
            switchyard_gateway::config::DEFAULT_LISTEN.parse()?,
            "http://127.0.0.1:1",
        ),
    };
    let routers = AppState::routers_of(&config).map_err(anyhow::Error::msg)?;
    let mut router = routers
        .get(name)
        .map(|r| (**r).clone())
        .with_context(|| format!("{}: no router `{name}`", config.origin))?;
    if let Some(path) = weights {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        router.model = Arc::new(Model::from_json(&text)?);
    }
    Ok(router)
}

/// Code that the benchmark prompt repeats (a realistic mix of definitions, nesting,
/// strings and locks).
const BENCH_CODE: &str = r#"impl Cache {
    pub fn get(&self, key: &str) -> Option<Arc<Entry>> {
        let shard = &self.shards[self.shard_of(key)];
        let guard = shard.lock().unwrap_or_else(|e| e.into_inner());
        match guard.get(key) {
            Some(entry) if entry.expires_at > Instant::now() => Some(entry.clone()),
            Some(_) => { self.stats.expired.fetch_add(1, Ordering::Relaxed); None }
            None => { self.stats.misses.fetch_add(1, Ordering::Relaxed); None }
        }
    }
}
"#;

/// CPU time of the calling thread: unlike wall time, not inflated when the scheduler
/// gives the core to another process mid-decision (the machines here are shared).
fn thread_cpu_time() -> std::time::Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return std::time::Duration::ZERO;
    }
    std::time::Duration::new(
        u64::try_from(ts.tv_sec).unwrap_or(0),
        u32::try_from(ts.tv_nsec).unwrap_or(0),
    )
}

/// Median, p90, p99 and max of `times` in µs.
fn quantiles(times: &mut [std::time::Duration]) -> String {
    times.sort_unstable();
    let at = |q: f64| {
        let i = ((times.len().saturating_sub(1)) as f64 * q).round() as usize;
        times.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e6)
    };
    format!(
        "median {:.1} µs, p90 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    )
}

/// `switchyard router bench`.
fn bench(tokens: usize, iterations: usize) -> anyhow::Result<String> {
    use switchyard_protocol::{ChatRequest, Message, Role, WireFormat};
    use switchyard_router::{RequestView, RouteHints};
    let router = router_of(None, "auto", None)?;
    let o200k = |text: &str| switchyard_analytics::count_tokens(text).unwrap_or(0) as usize;
    let mut prompt = String::from(
        "Under load this cache sometimes returns entries that were already invalidated. \
         Find the race and fix it without a global lock.\n\n```rust\n",
    );
    while o200k(&prompt) < tokens {
        prompt.push_str(BENCH_CODE);
    }
    prompt.push_str("```\n");
    let mut request = ChatRequest::new(WireFormat::OpenAiChat, "auto");
    request
        .messages
        .push(Message::text(Role::System, "You are a senior engineer."));
    request
        .messages
        .push(Message::text(Role::User, prompt.clone()));
    let decide = || {
        let view = RequestView::of_chat(&request);
        router.decide(&view, RouteHints::default())
    };
    for _ in 0..iterations.min(2000) {
        std::hint::black_box(decide()?);
    }
    let mut wall = Vec::with_capacity(iterations);
    let mut cpu = Vec::with_capacity(iterations);
    let mut last = None;
    for _ in 0..iterations.max(1) {
        let (started, cpu_started) = (std::time::Instant::now(), thread_cpu_time());
        let d = std::hint::black_box(decide()?);
        cpu.push(thread_cpu_time().saturating_sub(cpu_started));
        wall.push(started.elapsed());
        last = Some(d);
    }
    // The real tokenizer on the same prompt, for comparison (why the router estimates).
    let mut tokenizer = Vec::with_capacity(200);
    for _ in 0..200 {
        let started = thread_cpu_time();
        std::hint::black_box(o200k(&prompt));
        tokenizer.push(thread_cpu_time().saturating_sub(started));
    }
    let decision = last.map(|d| d.header_value()).unwrap_or_default();
    Ok(format!(
        "routing decision on a prompt of {} bytes, {} tokens (o200k_base), {} decisions:\n\
         thread CPU time: {}\n\
         wall time:       {}\n\
         o200k_base token count of the same prompt (CPU): {}\n{decision}\n",
        prompt.len(),
        o200k(&prompt),
        wall.len(),
        quantiles(&mut cpu),
        quantiles(&mut wall),
        quantiles(&mut tokenizer),
    ))
}

/// How far the router's token estimate is from `o200k_base` on `examples`.
fn estimate_error(examples: &[Example]) -> String {
    let (mut estimated, mut counted, mut abs_error) = (0usize, 0usize, 0.0f64);
    for e in examples {
        let est = switchyard_router::text::estimate_tokens(&e.prompt);
        let real = switchyard_analytics::count_tokens(&e.prompt).unwrap_or(0) as usize;
        estimated += est;
        counted += real;
        abs_error += (est as f64 - real as f64).abs() / real.max(1) as f64;
    }
    format!(
        "token estimate vs o200k_base on {} prompts: total {estimated} vs {counted} ({:+.1} %), \
         mean absolute error {:.1} % per prompt\n",
        examples.len(),
        100.0 * (estimated as f64 / counted.max(1) as f64 - 1.0),
        100.0 * abs_error / examples.len().max(1) as f64
    )
}
