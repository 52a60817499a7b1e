//! Switchyard's complexity router: sends each code request to the cheapest model that can
//! do it, and says why.
//!
//! - [`features`]: what the router reads of a request (task, size, the demand of the ask
//!   against how much is asked, the structure of included code), via [`text`] (a
//!   lexer-level split of prose and code) and [`lexicon`] (the kinds of demand);
//! - [`classifier`]: a logistic model over the features, weights shipped in `weights.json`;
//! - [`policy`]: tiers, rules, thresholds and cost caps -> a [`Decision`] with reasons;
//! - [`train`], [`dataset`], [`eval`]: `switchyard router train|eval`.
//!
//! A decision is pure CPU work of a few tens of microseconds (BENCHMARKS.md), cheap enough
//! to run inline on the request path.

pub mod classifier;
pub mod dataset;
pub mod eval;
pub mod features;
pub mod lexicon;
pub mod policy;
pub mod text;
pub mod train;

pub use classifier::Model;
pub use features::{Features, RequestView, Task};
pub use policy::{Decision, Pin, RouteError, RouteHints, Router, Rule, RuleMatch, Tier};

/// Builds the lexicon matchers now rather than on the first request (a millisecond or so
/// of one-time work that would otherwise land on that request's latency).
pub fn warm_up() {
    let _ = Features::extract(&RequestView::of_prompt("warm up: fn main() { lock(); }"));
}
