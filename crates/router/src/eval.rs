//! Evaluation: accuracy, the confusion matrix, the share of complex requests sent to the
//! cheapest tier, and the cost of the routed traffic against sending everything to the
//! strongest tier.

use crate::{classifier::sigmoid, dataset::Example, policy::Router, text::estimate_tokens};
use std::fmt;

/// How an evaluation turned out.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalReport {
    /// What produced the scores (e.g. "10-fold cross-validation").
    pub method: String,
    /// Tier names, weakest first (the confusion matrix's columns).
    pub tiers: Vec<String>,
    /// Rows: label `simple`, label `complex`; columns: tiers.
    pub confusion: [Vec<usize>; 2],
    /// Examples right: `simple` on the weakest tier, `complex` on any stronger one.
    pub correct: usize,
    /// Examples.
    pub total: usize,
    /// USD of the routed traffic at the tiers' prices.
    pub routed_cost: f64,
    /// USD of the same traffic all on the strongest tier.
    pub strongest_cost: f64,
    /// Output tokens assumed per request for the cost figures.
    pub output_tokens: u64,
    /// Ids of misrouted examples with their score, complex-on-simple first.
    pub misrouted: Vec<(String, String, f64)>,
}

impl EvalReport {
    /// Share of examples routed right.
    pub fn accuracy(&self) -> f64 {
        ratio(self.correct, self.total)
    }

    /// Share of `complex` examples sent to the weakest tier.
    pub fn complex_to_simple(&self) -> f64 {
        let row = &self.confusion[1];
        ratio(row.first().copied().unwrap_or(0), row.iter().sum())
    }

    /// Routed cost over the all-strongest cost.
    pub fn cost_ratio(&self) -> f64 {
        if self.strongest_cost > 0.0 {
            self.routed_cost / self.strongest_cost
        } else {
            1.0
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Evaluates the tiers `router`'s thresholds give `log_odds` (one per example, e.g. out of
/// fold) against the labels. Rules and request hints play no part: this measures the
/// classifier.
pub fn evaluate(
    router: &Router,
    examples: &[Example],
    log_odds: &[f64],
    method: &str,
    output_tokens: u64,
) -> EvalReport {
    let tiers = router.tiers.len().max(1);
    let mut report = EvalReport {
        method: method.to_owned(),
        tiers: router.tiers.iter().map(|t| t.name.to_string()).collect(),
        confusion: [vec![0; tiers], vec![0; tiers]],
        correct: 0,
        total: examples.len(),
        routed_cost: 0.0,
        strongest_cost: 0.0,
        output_tokens,
        misrouted: Vec::new(),
    };
    let price = |i: usize, input: u64| {
        router.tiers.get(i).map_or(0.0, |t| {
            (input as f64 * t.input_per_mtok.unwrap_or(0.0)
                + output_tokens as f64 * t.output_per_mtok.unwrap_or(0.0))
                / 1e6
        })
    };
    for (e, lo) in examples.iter().zip(log_odds) {
        let score = sigmoid(*lo);
        let tier = router
            .thresholds
            .iter()
            .take_while(|t| score >= **t)
            .count()
            .min(tiers - 1);
        let label = usize::from(e.is_complex());
        report.confusion[label][tier] += 1;
        if (tier > 0) == e.is_complex() {
            report.correct += 1;
        } else {
            report.misrouted.push((e.id.clone(), e.tier.clone(), score));
        }
        let input = estimate_tokens(&e.prompt) as u64;
        report.routed_cost += price(tier, input);
        report.strongest_cost += price(tiers - 1, input);
    }
    report
        .misrouted
        .sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    report
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} on {} examples", self.method, self.total)?;
        writeln!(
            f,
            "accuracy {:.1} % ({}/{})",
            100.0 * self.accuracy(),
            self.correct,
            self.total
        )?;
        writeln!(
            f,
            "complex routed to the cheapest tier: {:.1} % ({} of {})",
            100.0 * self.complex_to_simple(),
            self.confusion[1].first().copied().unwrap_or(0),
            self.confusion[1].iter().sum::<usize>()
        )?;
        write!(f, "confusion (rows: label, columns: tier)\n{:>10}", "")?;
        for t in &self.tiers {
            write!(f, "{t:>10}")?;
        }
        writeln!(f)?;
        for (label, row) in ["simple", "complex"].iter().zip(&self.confusion) {
            write!(f, "{label:>10}")?;
            for n in row {
                write!(f, "{n:>10}")?;
            }
            writeln!(f)?;
        }
        writeln!(
            f,
            "cost: routed ${:.4} vs all on the strongest tier ${:.4} = {:.1} % \
             (prompt tokens estimated, {} output tokens assumed per request)",
            self.routed_cost,
            self.strongest_cost,
            100.0 * self.cost_ratio(),
            self.output_tokens
        )?;
        if !self.misrouted.is_empty() {
            write!(f, "misrouted:")?;
            for (id, label, score) in &self.misrouted {
                write!(f, " {id} ({label}, {score:.2})")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}
