//! Routing policy: a router's tiers (weakest first), the rules that pin a tier before the
//! classifier runs, the thresholds that turn a score into a tier, and the cost cap a request
//! may set. The result is a [`Decision`] that explains itself.

use crate::{
    classifier::{reasons, Model},
    features::{Features, RequestView, Task},
};
use std::{fmt::Write as _, sync::Arc};

/// One tier of a router.
#[derive(Debug, Clone, PartialEq)]
pub struct Tier {
    /// Its name (`simple`, `complex`, ...).
    pub name: Arc<str>,
    /// The model alias that serves it.
    pub alias: Arc<str>,
    /// USD per million input tokens of the alias's first deployment, when configured.
    pub input_per_mtok: Option<f64>,
    /// USD per million output tokens of the alias's first deployment, when configured.
    pub output_per_mtok: Option<f64>,
}

/// What a rule matches; every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleMatch {
    /// Any of these tasks.
    pub tasks: Vec<Task>,
    /// Any of these languages.
    pub languages: Vec<String>,
    /// Any of these client keys (indexes into the gateway's keys).
    pub client_keys: Vec<usize>,
    /// At least this many prompt tokens.
    pub min_prompt_tokens: Option<usize>,
    /// At most this many prompt tokens.
    pub max_prompt_tokens: Option<usize>,
}

/// Pins `tier` when `when` matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The conditions.
    pub when: RuleMatch,
    /// Index of the tier it pins.
    pub tier: usize,
}

/// A configured router.
#[derive(Debug, Clone)]
pub struct Router {
    /// Its name (what clients send as `model`).
    pub name: Arc<str>,
    /// Tiers, weakest (cheapest) first.
    pub tiers: Vec<Tier>,
    /// Scores at which each tier above the first begins (`tiers.len() - 1` ascending
    /// values in 0..1).
    pub thresholds: Vec<f64>,
    /// Rules, first match wins.
    pub rules: Vec<Rule>,
    /// The classifier.
    pub model: Arc<Model>,
}

/// Per-request routing inputs beyond the request itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct RouteHints<'a> {
    /// The client key used (index), if any.
    pub client_key: Option<usize>,
    /// The `x-switchyard-tier` header: pins a tier by name.
    pub tier: Option<&'a str>,
    /// The `x-switchyard-max-cost` header: the most the request may pay, in USD per
    /// million input tokens.
    pub max_cost_per_mtok: Option<f64>,
}

/// What pinned the tier, when the classifier did not choose it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pin {
    /// The `x-switchyard-tier` header.
    Header,
    /// Rule number `n` (0-based) of the router.
    Rule(usize),
}

/// A routing decision.
#[derive(Debug, Clone)]
pub struct Decision {
    /// The router.
    pub router: Arc<str>,
    /// Index of the chosen tier.
    pub tier: usize,
    /// The chosen tier's name.
    pub tier_name: Arc<str>,
    /// The chosen tier's alias.
    pub alias: Arc<str>,
    /// The classifier's score (0..1: probability of needing the stronger model).
    pub score: f64,
    /// Why, in a few words each, most important first.
    pub reasons: Vec<String>,
    /// What pinned the tier, if not the classifier.
    pub pinned: Option<Pin>,
    /// Whether the cost cap lowered the tier.
    pub capped: bool,
    /// The task (the endpoint's, else inferred).
    pub task: Task,
    /// The language, if known.
    pub language: Option<String>,
    /// Estimated prompt tokens.
    pub prompt_tokens: usize,
    /// The alias of the strongest tier (the baseline that savings are counted against).
    pub strongest_alias: Arc<str>,
}

/// A request the router refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// `x-switchyard-tier` names no tier of the router.
    #[error("x-switchyard-tier: router `{router}` has no tier `{tier}` (tiers: {known})")]
    UnknownTier {
        /// The router.
        router: String,
        /// The tier asked for.
        tier: String,
        /// Its tiers, comma-separated.
        known: String,
    },
    /// The router has no tiers (config validation prevents it).
    #[error("router `{router}` has no tiers")]
    NoTiers {
        /// The router.
        router: String,
    },
}

impl Router {
    /// Decides the tier of `view`.
    pub fn decide(
        &self,
        view: &RequestView,
        hints: RouteHints<'_>,
    ) -> Result<Decision, RouteError> {
        let features = Features::extract(view);
        let score = self.model.score(&features.values);
        let by_score = self
            .thresholds
            .iter()
            .take_while(|t| score >= **t)
            .count()
            .min(self.tiers.len().saturating_sub(1));
        let mut pinned = None;
        let mut tier = by_score;
        if let Some(name) = hints.tier {
            tier = self
                .tiers
                .iter()
                .position(|t| t.name.eq_ignore_ascii_case(name.trim()))
                .ok_or_else(|| RouteError::UnknownTier {
                    router: self.name.to_string(),
                    tier: name.to_owned(),
                    known: self.tier_names(),
                })?;
            pinned = Some(Pin::Header);
        } else if let Some((i, rule)) = self
            .rules
            .iter()
            .enumerate()
            .find(|(_, r)| r.when.matches(&features, hints.client_key))
        {
            tier = rule.tier.min(self.tiers.len().saturating_sub(1));
            pinned = Some(Pin::Rule(i));
        }
        let mut capped = false;
        if let Some(cap) = hints.max_cost_per_mtok {
            let fits = |t: &Tier| t.input_per_mtok.is_some_and(|p| p <= cap);
            if !self.tiers.get(tier).is_some_and(fits) && tier > 0 {
                tier = (0..tier)
                    .rev()
                    .find(|&i| self.tiers.get(i).is_some_and(fits))
                    .unwrap_or(0);
                capped = true;
            }
        }
        let mut why = Vec::with_capacity(4);
        match &pinned {
            Some(Pin::Header) => why.push("pinned by x-switchyard-tier".to_owned()),
            Some(Pin::Rule(i)) => why.push(format!("pinned by rule {}", i + 1)),
            None => {}
        }
        if capped {
            why.push(format!(
                "capped by cost at {}",
                hints.max_cost_per_mtok.unwrap_or(0.0)
            ));
        }
        let up = tier > 0 || (pinned.is_none() && !capped && by_score > 0);
        why.extend(reasons(&self.model, &features, up, 3));
        let Some(chosen) = self.tiers.get(tier) else {
            return Err(RouteError::NoTiers {
                router: self.name.to_string(),
            });
        };
        Ok(Decision {
            router: self.name.clone(),
            tier,
            tier_name: chosen.name.clone(),
            alias: chosen.alias.clone(),
            score,
            reasons: why,
            pinned,
            capped,
            task: features.task,
            language: features.language,
            prompt_tokens: features.prompt_tokens,
            strongest_alias: self
                .tiers
                .last()
                .map_or_else(|| chosen.alias.clone(), |t| t.alias.clone()),
        })
    }

    /// The tier names, comma-separated.
    pub fn tier_names(&self) -> String {
        let names: Vec<&str> = self.tiers.iter().map(|t| &*t.name).collect();
        names.join(", ")
    }

    /// Evenly spaced thresholds for `tiers` tiers (0.5 for two).
    pub fn default_thresholds(tiers: usize) -> Vec<f64> {
        (1..tiers).map(|i| i as f64 / tiers as f64).collect()
    }
}

impl RuleMatch {
    fn matches(&self, f: &Features, client_key: Option<usize>) -> bool {
        (self.tasks.is_empty() || self.tasks.contains(&f.task))
            && (self.languages.is_empty()
                || f.language
                    .as_deref()
                    .is_some_and(|l| self.languages.iter().any(|m| m.eq_ignore_ascii_case(l))))
            && (self.client_keys.is_empty()
                || client_key.is_some_and(|k| self.client_keys.contains(&k)))
            && self.min_prompt_tokens.is_none_or(|n| f.prompt_tokens >= n)
            && self.max_prompt_tokens.is_none_or(|n| f.prompt_tokens <= n)
    }
}

impl Decision {
    /// The `x-switchyard-route` header value: `router=auto; tier=complex; score=0.91;
    /// reasons=concurrency: lock-free, constraints: must`. Reasons are ASCII words from
    /// the lexicons, never prompt text; anything else is replaced.
    pub fn header_value(&self) -> String {
        let mut out = String::with_capacity(96);
        let _ = write!(
            out,
            "router={}; tier={}; score={:.2}; reasons=",
            self.router, self.tier_name, self.score
        );
        for (i, r) in self.reasons.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(r);
        }
        out.chars()
            .map(|c| {
                if c.is_ascii_graphic() || c == ' ' {
                    c
                } else {
                    '?'
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router {
        let tier = |name: &str, alias: &str, price: f64| Tier {
            name: Arc::from(name),
            alias: Arc::from(alias),
            input_per_mtok: Some(price),
            output_per_mtok: Some(price * 4.0),
        };
        Router {
            name: Arc::from("auto"),
            tiers: vec![tier("simple", "fast", 0.15), tier("complex", "strong", 3.0)],
            thresholds: Router::default_thresholds(2),
            rules: vec![Rule {
                when: RuleMatch {
                    tasks: vec![Task::Review],
                    ..RuleMatch::default()
                },
                tier: 1,
            }],
            model: Arc::new(Model::shipped().unwrap()),
        }
    }

    const HARD: &str = "Lock-free MPMC queue in C++ with atomics: no lost wake-ups, \
        must be linearizable, and explain the memory orderings.";
    const EASY: &str = "Write a Python function that returns the sum of a list of integers.";

    #[test]
    fn the_classifier_splits_easy_from_hard() {
        let r = router();
        let hard = r
            .decide(&RequestView::of_prompt(HARD), RouteHints::default())
            .unwrap();
        let easy = r
            .decide(&RequestView::of_prompt(EASY), RouteHints::default())
            .unwrap();
        assert_eq!((&*hard.tier_name, &*hard.alias), ("complex", "strong"));
        assert_eq!((&*easy.tier_name, &*easy.alias), ("simple", "fast"));
        assert!(hard.score > easy.score);
        assert!(!hard.reasons.is_empty() && !easy.reasons.is_empty());
        assert_eq!(hard.strongest_alias.as_ref(), "strong");
    }

    #[test]
    fn header_pins_before_rules_and_unknown_tiers_are_refused() {
        let r = router();
        let hints = RouteHints {
            tier: Some("complex"),
            ..RouteHints::default()
        };
        let d = r.decide(&RequestView::of_prompt(EASY), hints).unwrap();
        assert_eq!((d.tier, d.pinned), (1, Some(Pin::Header)));
        let hints = RouteHints {
            tier: Some("medium"),
            ..RouteHints::default()
        };
        let err = r.decide(&RequestView::of_prompt(EASY), hints).unwrap_err();
        assert!(err.to_string().contains("simple, complex"), "{err}");
    }

    #[test]
    fn rules_pin_and_the_cost_cap_lowers() {
        let r = router();
        let review = RequestView::of_prompt("Review this:\n```py\nx = 1\n```");
        let d = r.decide(&review, RouteHints::default()).unwrap();
        assert_eq!((d.tier, d.pinned.clone()), (1, Some(Pin::Rule(0))));
        let capped = RouteHints {
            max_cost_per_mtok: Some(1.0),
            ..RouteHints::default()
        };
        let d = r.decide(&RequestView::of_prompt(HARD), capped).unwrap();
        assert_eq!((d.tier, d.capped), (0, true));
        assert!(
            d.header_value().contains("capped by cost"),
            "{}",
            d.header_value()
        );
        let roomy = RouteHints {
            max_cost_per_mtok: Some(5.0),
            ..RouteHints::default()
        };
        assert_eq!(
            r.decide(&RequestView::of_prompt(HARD), roomy).unwrap().tier,
            1
        );
    }

    #[test]
    fn header_value_is_ascii_and_names_the_decision() {
        let r = router();
        let d = r
            .decide(&RequestView::of_prompt(HARD), RouteHints::default())
            .unwrap();
        let v = d.header_value();
        assert!(v.starts_with("router=auto; tier=complex; score=0."), "{v}");
        assert!(v.is_ascii());
        assert!(http_safe(&v));
    }

    fn http_safe(v: &str) -> bool {
        v.bytes().all(|b| (0x20..0x7f).contains(&b))
    }
}
