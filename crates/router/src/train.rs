//! Training the classifier (L2-regularised logistic regression by full-batch gradient
//! descent on standardised features: deterministic, a few milliseconds for a few hundred
//! examples) and k-fold cross-validation of that procedure.

use crate::{
    classifier::{sigmoid, Model},
    dataset::Example,
    features::{Features, RequestView, FEATURE_COUNT, FEATURE_NAMES},
};

/// Training settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainOptions {
    /// L2 penalty on the weights (not the intercept), per example.
    pub l2: f64,
    /// Gradient steps.
    pub steps: usize,
    /// Step size.
    pub learning_rate: f64,
    /// Weight of a `complex` example's error against a `simple` one's: sending a complex
    /// request to the cheap tier costs a wrong answer, the reverse only money.
    pub complex_weight: f64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            l2: 0.1,
            steps: 3000,
            learning_rate: 0.3,
            complex_weight: 1.5,
        }
    }
}

/// Feature vectors and labels of `examples`.
pub fn vectors(examples: &[Example]) -> Vec<([f64; FEATURE_COUNT], bool)> {
    examples
        .iter()
        .map(|e| {
            let f = Features::extract(&RequestView::of_prompt(&e.prompt));
            (f.values, e.is_complex())
        })
        .collect()
}

/// Fits a model to `data`.
pub fn fit(data: &[([f64; FEATURE_COUNT], bool)], options: TrainOptions) -> Model {
    let n = data.len().max(1) as f64;
    let mut mean = vec![0.0; FEATURE_COUNT];
    let mut scale = vec![0.0; FEATURE_COUNT];
    for (x, _) in data {
        for i in 0..FEATURE_COUNT {
            mean[i] += x[i] / n;
        }
    }
    for (x, _) in data {
        for i in 0..FEATURE_COUNT {
            scale[i] += (x[i] - mean[i]).powi(2) / n;
        }
    }
    for s in &mut scale {
        *s = if *s > 1e-12 { s.sqrt() } else { 1.0 };
    }
    let z: Vec<([f64; FEATURE_COUNT], f64)> = data
        .iter()
        .map(|(x, y)| {
            let mut v = [0.0; FEATURE_COUNT];
            for i in 0..FEATURE_COUNT {
                v[i] = (x[i] - mean[i]) / scale[i];
            }
            (v, f64::from(u8::from(*y)))
        })
        .collect();
    let mut w = [0.0; FEATURE_COUNT];
    let mut b = 0.0;
    for _ in 0..options.steps {
        let mut gw = [0.0; FEATURE_COUNT];
        let mut gb = 0.0;
        for (x, y) in &z {
            let p = sigmoid(b + (0..FEATURE_COUNT).map(|i| w[i] * x[i]).sum::<f64>());
            let err = (p - y)
                * if *y > 0.5 {
                    options.complex_weight
                } else {
                    1.0
                };
            for i in 0..FEATURE_COUNT {
                gw[i] += err * x[i] / n;
            }
            gb += err / n;
        }
        for i in 0..FEATURE_COUNT {
            w[i] -= options.learning_rate * (gw[i] + options.l2 * w[i]);
        }
        b -= options.learning_rate * gb;
    }
    let round = |x: f64| (x * 1e6).round() / 1e6;
    Model {
        features: FEATURE_NAMES.iter().map(|s| (*s).to_owned()).collect(),
        mean: mean.into_iter().map(round).collect(),
        scale: scale.into_iter().map(round).collect(),
        weights: w.iter().copied().map(round).collect(),
        bias: round(b),
        trained_on: String::new(),
    }
}

/// Out-of-fold predictions (log-odds) for every line of `dev`, by k-fold cross-validation:
/// line `i` is in fold `i % k`; each fold is scored by a model fitted to the other folds
/// plus all of `extra` (extra examples are never scored).
pub fn cross_validate(
    dev: &[([f64; FEATURE_COUNT], bool)],
    extra: &[([f64; FEATURE_COUNT], bool)],
    k: usize,
    options: TrainOptions,
) -> Vec<f64> {
    let k = k.clamp(2, dev.len().max(2));
    let mut out = vec![0.0; dev.len()];
    for fold in 0..k {
        let train: Vec<_> = dev
            .iter()
            .enumerate()
            .filter(|(i, _)| i % k != fold)
            .map(|(_, d)| *d)
            .chain(extra.iter().copied())
            .collect();
        let model = fit(&train, options);
        for (i, (x, _)) in dev.iter().enumerate() {
            if i % k == fold {
                out[i] = model.log_odds(x);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_separates_a_separable_set_and_cross_validation_scores_every_line() {
        let mut data = Vec::new();
        for i in 0..20 {
            let mut x = [0.0; FEATURE_COUNT];
            // Two groups with a gap between them; feature 1 is noise.
            x[0] = f64::from(if i >= 10 { i + 10 } else { i });
            x[1] = f64::from(i % 3);
            data.push((x, i >= 10));
        }
        let model = fit(&data, TrainOptions::default());
        let right = data
            .iter()
            .filter(|(x, y)| (model.score(x) > 0.5) == *y)
            .count();
        assert_eq!(right, 20);
        assert!(model.weights[0] > 0.0);
        let oof = cross_validate(&data, &[], 5, TrainOptions::default());
        let right = data
            .iter()
            .zip(&oof)
            .filter(|((_, y), s)| (**s > 0.0) == *y)
            .count();
        assert!(right >= 17, "{right} of 20 out of fold");
    }
}
