//! `[cache]`: the response cache, and per-alias overrides (`[models.NAME.cache]`).

use super::{
    raw::{RawAliasCache, RawCache},
    ConfigError, Validator,
};
use std::{collections::BTreeMap, path::PathBuf, time::Duration};

/// Default time an answer is served.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(3600);
/// Default highest temperature whose requests read the cache.
pub const DEFAULT_MAX_READ_TEMPERATURE: f64 = 1.0;
/// Default longest wait for the embedder before a semantic lookup counts as a miss.
pub const DEFAULT_EMBED_WAIT: Duration = Duration::from_millis(20);
/// Default prefix of the shared tier's Redis keys.
pub const DEFAULT_REDIS_PREFIX: &str = "switchyard:cache:";
/// Default longest wait for Redis on a lookup.
pub const DEFAULT_REDIS_TIMEOUT: Duration = switchyard_cache::shared::DEFAULT_LOOKUP_TIMEOUT;

/// Which embedder the semantic tier uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmbedderChoice {
    /// The neural one if its files are installed, else the built-in one.
    Auto,
    /// The weight-free built-in embedder.
    Builtin,
    /// The neural sentence embedder (fails to start without its files).
    Neural,
    /// An alias's `/v1/embeddings`.
    Provider(String),
}

/// `[cache]`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheConfig {
    /// Exact cache for every alias unless the alias turns it off.
    pub enabled: bool,
    /// Semantic lookups too.
    pub semantic: bool,
    /// The embedder of semantic lookups.
    pub embedder: EmbedderChoice,
    /// Where the neural embedder's files are (`scripts/setup-models.sh`); `None`:
    /// `$SWITCHYARD_MODELS`, else `~/.cache/switchyard/models`.
    pub models_dir: Option<PathBuf>,
    /// How long an answer is served.
    pub ttl: Duration,
    /// Similarity a semantic hit needs, in 0..=1; `None`: the embedder's own default
    /// (`switchyard_cache::embed::Embedder::default_threshold`, tuned on `cache-dev.jsonl`).
    pub threshold: Option<f32>,
    /// Requests with a higher temperature do not read the cache (unless they ask to with
    /// `x-switchyard-cache-read: force`).
    pub max_read_temperature: f64,
    /// Most answers held in this process.
    pub max_entries: usize,
    /// Most bytes of answers held in this process.
    pub max_bytes: u64,
    /// Longest wait for the embedder; beyond it a semantic lookup is a miss.
    pub embed_wait: Duration,
    /// Shared tier, when set.
    pub redis_url: Option<String>,
    /// Prefix of every Redis key this gateway writes.
    pub redis_prefix: String,
    /// Longest wait for Redis on a lookup; beyond it the lookup is a miss.
    pub redis_timeout: Duration,
    /// Per-alias overrides.
    pub aliases: BTreeMap<String, AliasCachePolicy>,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            semantic: false,
            embedder: EmbedderChoice::Auto,
            models_dir: None,
            ttl: DEFAULT_CACHE_TTL,
            threshold: None,
            max_read_temperature: DEFAULT_MAX_READ_TEMPERATURE,
            max_entries: 100_000,
            max_bytes: 512 * 1024 * 1024,
            embed_wait: DEFAULT_EMBED_WAIT,
            redis_url: None,
            redis_prefix: DEFAULT_REDIS_PREFIX.into(),
            redis_timeout: DEFAULT_REDIS_TIMEOUT,
            aliases: BTreeMap::new(),
        }
    }
}

/// The cache policy of one alias (unset fields follow `[cache]`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AliasCachePolicy {
    /// Whether the alias is cached at all.
    pub enabled: Option<bool>,
    /// Whether it takes semantic hits.
    pub semantic: Option<bool>,
    /// Its TTL.
    pub ttl: Option<Duration>,
    /// Its similarity threshold.
    pub threshold: Option<f32>,
}

/// The policy in force for one alias, `[cache]` and the alias's overrides combined.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EffectiveCachePolicy {
    /// Whether the alias is cached.
    pub enabled: bool,
    /// Whether it takes semantic hits.
    pub semantic: bool,
    /// TTL of what it stores.
    pub ttl: Duration,
    /// Similarity a semantic hit needs (`None`: the embedder's default).
    pub threshold: Option<f32>,
}

impl CacheConfig {
    /// Where the neural embedder's files are: `models_dir`, else the default location.
    /// (The response cache and the repositories' re-ranker load them from the same place.)
    pub fn models_location(&self) -> PathBuf {
        self.models_dir
            .clone()
            .unwrap_or_else(switchyard_cache::embed::ModelFiles::default_dir)
    }

    /// The policy for `alias`.
    pub fn policy(&self, alias: &str) -> EffectiveCachePolicy {
        let o = self.aliases.get(alias);
        let enabled = o.and_then(|o| o.enabled).unwrap_or(self.enabled);
        EffectiveCachePolicy {
            enabled,
            semantic: enabled && o.and_then(|o| o.semantic).unwrap_or(self.semantic),
            ttl: o.and_then(|o| o.ttl).unwrap_or(self.ttl),
            threshold: o.and_then(|o| o.threshold).or(self.threshold),
        }
    }

    /// Whether any alias uses the cache (so that it must be built).
    pub fn is_used(&self) -> bool {
        self.enabled || self.aliases.values().any(|a| a.enabled == Some(true))
    }

    /// Whether any alias uses the semantic tier.
    pub fn semantic_used(&self) -> bool {
        self.aliases.keys().any(|a| self.policy(a).semantic) || (self.enabled && self.semantic)
    }
}

impl Validator<'_> {
    /// Validates `[cache]` and the aliases' `cache` tables.
    pub(super) fn cache(
        &self,
        raw: Option<&RawCache>,
        aliases: &BTreeMap<String, Option<RawAliasCache>>,
    ) -> Result<CacheConfig, ConfigError> {
        let mut out = CacheConfig::default();
        if let Some(raw) = raw {
            out.enabled = raw.enabled.unwrap_or(false);
            out.semantic = raw.semantic.unwrap_or(false);
            if let Some(e) = &raw.embedder {
                out.embedder = match e.as_str() {
                    "auto" => EmbedderChoice::Auto,
                    "builtin" => EmbedderChoice::Builtin,
                    "neural" => EmbedderChoice::Neural,
                    other => match other.strip_prefix("provider:") {
                        Some(alias) if aliases.contains_key(alias) => {
                            EmbedderChoice::Provider(alias.to_owned())
                        }
                        _ => {
                            return Err(self.err(
                                "cache.embedder",
                                format!(
                                    "`{other}`: expected auto, builtin, neural or \
                                     provider:<alias> naming a configured alias"
                                ),
                            ))
                        }
                    },
                };
            }
            if let Some(d) = &raw.models_dir {
                let d = self.interpolate("cache.models_dir", d)?;
                if !d.is_empty() {
                    out.models_dir = Some(PathBuf::from(d));
                }
            }
            if let Some(t) = raw.ttl_secs {
                out.ttl = self.cache_ttl("cache.ttl_secs", t)?;
            }
            if let Some(t) = raw.threshold {
                out.threshold = Some(self.threshold("cache.threshold", t)?);
            }
            if let Some(t) = raw.max_read_temperature {
                if !t.is_finite() || t < 0.0 {
                    return Err(self.err("cache.max_read_temperature", "must be 0 or more"));
                }
                out.max_read_temperature = t;
            }
            if let Some(n) = raw.max_entries {
                if n == 0 {
                    return Err(self.err("cache.max_entries", "must be at least 1"));
                }
                out.max_entries = usize::try_from(n).unwrap_or(usize::MAX);
            }
            if let Some(n) = raw.max_bytes {
                if n < 1024 {
                    return Err(self.err("cache.max_bytes", "must be at least 1024"));
                }
                out.max_bytes = n;
            }
            if let Some(ms) = raw.embed_wait_ms {
                out.embed_wait = Duration::from_millis(ms);
            }
            if let Some(u) = &raw.redis_url {
                let u = self.interpolate("cache.redis_url", u)?;
                if !u.is_empty() {
                    if !u.starts_with("redis://") && !u.starts_with("rediss://") {
                        return Err(self.err("cache.redis_url", "must start with redis://"));
                    }
                    switchyard_cache::shared::check_url(&u)
                        .map_err(|e| self.err("cache.redis_url", e))?;
                    out.redis_url = Some(u);
                }
            }
            if let Some(p) = &raw.redis_prefix {
                let p = self.interpolate("cache.redis_prefix", p)?;
                if p.is_empty() {
                    return Err(self.err(
                        "cache.redis_prefix",
                        "must not be empty (it keeps the cache's keys apart from the others)",
                    ));
                }
                out.redis_prefix = p;
            }
            if let Some(ms) = raw.redis_timeout_ms {
                if ms == 0 {
                    return Err(self.err("cache.redis_timeout_ms", "must be at least 1"));
                }
                out.redis_timeout = Duration::from_millis(ms);
            }
        }
        for (alias, a) in aliases {
            let Some(a) = a else { continue };
            let key = format!("models.{alias}.cache");
            let policy = AliasCachePolicy {
                enabled: a.enabled,
                semantic: a.semantic,
                ttl: match a.ttl_secs {
                    Some(t) => Some(self.cache_ttl(&format!("{key}.ttl_secs"), t)?),
                    None => None,
                },
                threshold: match a.threshold {
                    Some(t) => Some(self.threshold(&format!("{key}.threshold"), t)?),
                    None => None,
                },
            };
            out.aliases.insert(alias.clone(), policy);
        }
        Ok(out)
    }

    fn cache_ttl(&self, key: &str, secs: u64) -> Result<Duration, ConfigError> {
        if secs == 0 {
            return Err(self.err(key, "must be at least 1 second"));
        }
        Ok(Duration::from_secs(secs))
    }

    fn threshold(&self, key: &str, t: f64) -> Result<f32, ConfigError> {
        if !(0.0..=1.0).contains(&t) {
            return Err(self.err(key, "must be between 0 and 1"));
        }
        #[expect(clippy::cast_possible_truncation, reason = "a similarity in 0..=1")]
        Ok(t as f32)
    }
}
