//! Ordering a route's deployments by its strategy. Health is applied afterwards (an open
//! breaker or a cool-down skips a deployment wherever it stands in the order).

use crate::{config::Strategy, state::Deployment};

/// Indexes of `deployments` in the order they should be tried.
pub fn order(strategy: Strategy, deployments: &[Deployment]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..deployments.len()).collect();
    match strategy {
        Strategy::Priority => {}
        Strategy::Weighted => {
            // Weighted sampling without replacement: each draw picks among the remaining
            // deployments in proportion to their weights.
            let mut out = Vec::with_capacity(idx.len());
            while !idx.is_empty() {
                let total: u64 = idx
                    .iter()
                    .filter_map(|&i| deployments.get(i))
                    .map(|d| u64::from(d.weight))
                    .sum();
                let mut ticket = fastrand::u64(0..total.max(1));
                let mut chosen = 0;
                for (pos, &i) in idx.iter().enumerate() {
                    let w = deployments.get(i).map_or(0, |d| u64::from(d.weight));
                    if ticket < w {
                        chosen = pos;
                        break;
                    }
                    ticket -= w;
                }
                out.push(idx.remove(chosen));
            }
            idx = out;
        }
        Strategy::LeastLatency => {
            // Unknown latency sorts first, so a new deployment gets measured.
            idx.sort_by_key(|&i| {
                deployments
                    .get(i)
                    .and_then(|d| d.health.latency_ewma())
                    .unwrap_or_default()
            });
        }
        Strategy::LeastBusy => {
            idx.sort_by_key(|&i| {
                deployments
                    .get(i)
                    .map_or(u32::MAX, |d| d.health.in_flight())
            });
        }
        Strategy::Cheapest => {
            let cost = |i: usize| {
                deployments.get(i).map_or(f64::INFINITY, |d| {
                    match (d.price.input_per_mtok, d.price.output_per_mtok) {
                        (None, None) => f64::INFINITY,
                        (i, o) => i.unwrap_or(0.0) + o.unwrap_or(0.0),
                    }
                })
            };
            idx.sort_by(|&a, &b| cost(a).total_cmp(&cost(b)));
        }
    }
    idx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        config::Price,
        resilience::{BreakerSettings, DeploymentHealth},
    };
    use std::{sync::Arc, time::Duration};

    fn dep(weight: u32, input: Option<f64>) -> Deployment {
        Deployment {
            provider: 0,
            model: Arc::from("m"),
            price: Price {
                input_per_mtok: input,
                output_per_mtok: input,
                cached_input_per_mtok: None,
            },
            weight,
            timeouts: Default::default(),
            health: Arc::new(DeploymentHealth::new(BreakerSettings::default())),
        }
    }

    #[test]
    fn priority_keeps_config_order() {
        let d = [dep(1, None), dep(1, None), dep(1, None)];
        assert_eq!(order(Strategy::Priority, &d), vec![0, 1, 2]);
    }

    #[test]
    fn cheapest_puts_unpriced_last() {
        let d = [dep(1, None), dep(1, Some(3.0)), dep(1, Some(0.1))];
        assert_eq!(order(Strategy::Cheapest, &d), vec![2, 1, 0]);
    }

    #[test]
    fn least_latency_and_least_busy_follow_health() {
        let d = [dep(1, None), dep(1, None)];
        d[0].health.record_success(Duration::from_millis(50));
        d[1].health.record_success(Duration::from_millis(5));
        assert_eq!(order(Strategy::LeastLatency, &d), vec![1, 0]);
        let _busy = d[0].health.enter();
        assert_eq!(order(Strategy::LeastBusy, &d), vec![1, 0]);
    }

    #[test]
    fn weighted_follows_weights() {
        fastrand::seed(7);
        let d = [dep(9, None), dep(1, None)];
        let firsts = (0..1000)
            .filter(|_| order(Strategy::Weighted, &d)[0] == 0)
            .count();
        assert!((850..=950).contains(&firsts), "{firsts}");
        let all = order(Strategy::Weighted, &d);
        assert_eq!(all.len(), 2);
    }
}
