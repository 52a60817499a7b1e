//! `[routers.NAME]`: a client sends `model = NAME` and the router picks a tier, whose alias
//! then serves the request like any alias (with its own failover and fallbacks; never a
//! weaker tier unless that alias lists it as a fallback).
//!
//! ```toml
//! [routers.auto]
//! tiers = { simple = "fast", complex = "strong" }   # weakest first
//! thresholds = [0.5]                                 # optional: score where each tier above the first begins
//! [[routers.auto.rules]]                             # optional, first match wins
//! tasks = ["review"]
//! tier = "complex"
//! ```

use super::{ConfigError, Validator};
use serde::{
    de::{MapAccess, Visitor},
    Deserialize, Deserializer,
};
use std::collections::BTreeMap;
use switchyard_router::{Rule, RuleMatch, Task};

/// A validated router.
#[derive(Debug, Clone, PartialEq)]
pub struct RouterConfig {
    /// The name clients send as `model`.
    pub name: String,
    /// (tier name, alias), weakest first.
    pub tiers: Vec<(String, String)>,
    /// Scores where each tier above the first begins (ascending, `tiers - 1` values).
    pub thresholds: Vec<f64>,
    /// Rules that pin a tier, first match wins.
    pub rules: Vec<Rule>,
}

/// `[routers.NAME]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRouter {
    tiers: OrderedTiers,
    thresholds: Option<Vec<f64>>,
    #[serde(default)]
    rules: Vec<RawRule>,
}

/// One `[[routers.NAME.rules]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    #[serde(default)]
    tasks: Vec<String>,
    #[serde(default)]
    languages: Vec<String>,
    /// Client keys as configured in `server.api_keys` (`${VAR}` allowed).
    #[serde(default)]
    client_keys: Vec<String>,
    min_prompt_tokens: Option<usize>,
    max_prompt_tokens: Option<usize>,
    tier: String,
}

/// `tiers = { simple = "fast", complex = "strong" }` in the order written (the order is
/// the tiers' strength, which a sorted map would lose).
#[derive(Debug, Default)]
struct OrderedTiers(Vec<(String, String)>);

impl<'de> Deserialize<'de> for OrderedTiers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct InOrder;
        impl<'de> Visitor<'de> for InOrder {
            type Value = OrderedTiers;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a table of tier name = model alias, weakest first")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, String>()? {
                    out.push((k, v));
                }
                Ok(OrderedTiers(out))
            }
        }
        d.deserialize_map(InOrder)
    }
}

impl Validator<'_> {
    pub(super) fn routers(
        &self,
        raw: BTreeMap<String, RawRouter>,
        aliases: &[&str],
        api_keys: &[String],
    ) -> Result<Vec<RouterConfig>, ConfigError> {
        let mut out = Vec::with_capacity(raw.len());
        for (name, r) in raw {
            let key = format!("routers.{name}");
            if aliases.contains(&name.as_str()) {
                return Err(self.err(
                    &key,
                    format!("`{name}` is already a model alias; a router needs a name of its own"),
                ));
            }
            let tiers = r.tiers.0;
            if tiers.is_empty() {
                return Err(self.err(format!("{key}.tiers"), "a router needs at least one tier"));
            }
            for (tier, alias) in &tiers {
                if !aliases.contains(&alias.as_str()) {
                    return Err(self.err(
                        format!("{key}.tiers.{tier}"),
                        format!(
                            "unknown model alias `{alias}` (known: {})",
                            aliases.join(", ")
                        ),
                    ));
                }
            }
            let thresholds = match r.thresholds {
                None => switchyard_router::Router::default_thresholds(tiers.len()),
                Some(t) => {
                    let ascending = t.windows(2).all(|w| w[0] < w[1]);
                    let in_range = t.iter().all(|x| *x > 0.0 && *x < 1.0);
                    if t.len() + 1 != tiers.len() || !ascending || !in_range {
                        return Err(self.err(
                            format!("{key}.thresholds"),
                            format!(
                                "needs {} ascending scores between 0 and 1 (one per tier above the first)",
                                tiers.len() - 1
                            ),
                        ));
                    }
                    t
                }
            };
            let mut rules = Vec::with_capacity(r.rules.len());
            for (i, rule) in r.rules.into_iter().enumerate() {
                rules.push(self.rule(&format!("{key}.rules[{i}]"), rule, &tiers, api_keys)?);
            }
            out.push(RouterConfig {
                name,
                tiers,
                thresholds,
                rules,
            });
        }
        Ok(out)
    }

    fn rule(
        &self,
        key: &str,
        rule: RawRule,
        tiers: &[(String, String)],
        api_keys: &[String],
    ) -> Result<Rule, ConfigError> {
        let tier = tiers
            .iter()
            .position(|(t, _)| *t == rule.tier)
            .ok_or_else(|| {
                let names: Vec<&str> = tiers.iter().map(|(t, _)| t.as_str()).collect();
                self.err(
                    format!("{key}.tier"),
                    format!("unknown tier `{}` (tiers: {})", rule.tier, names.join(", ")),
                )
            })?;
        let mut tasks = Vec::with_capacity(rule.tasks.len());
        for t in &rule.tasks {
            tasks.push(Task::parse(t).ok_or_else(|| {
                let names: Vec<&str> = Task::ALL.iter().map(|t| t.as_str()).collect();
                self.err(
                    format!("{key}.tasks"),
                    format!("unknown task `{t}` (tasks: {})", names.join(", ")),
                )
            })?);
        }
        let mut client_keys = Vec::with_capacity(rule.client_keys.len());
        for (i, k) in rule.client_keys.iter().enumerate() {
            let ckey = format!("{key}.client_keys[{i}]");
            let k = self.interpolate(&ckey, k)?;
            client_keys.push(
                api_keys
                    .iter()
                    .position(|a| *a == k)
                    .ok_or_else(|| self.err(ckey, "not one of server.api_keys"))?,
            );
        }
        let when = RuleMatch {
            tasks,
            languages: rule
                .languages
                .iter()
                .map(|l| l.to_ascii_lowercase())
                .collect(),
            client_keys,
            min_prompt_tokens: rule.min_prompt_tokens,
            max_prompt_tokens: rule.max_prompt_tokens,
        };
        if when == RuleMatch::default() {
            return Err(self.err(
                key,
                "a rule needs a condition: tasks, languages, client_keys, min_prompt_tokens or max_prompt_tokens",
            ));
        }
        Ok(Rule { when, tier })
    }
}
