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
