//! `[repositories.NAME]`: repositories the gateway indexes (symbol chunks, BM25) at start
//! and refreshes while it runs, for requests that ask for context from a codebase.
//!
//! ```toml
//! [repositories.backend]
//! path = "../backend"            # relative to the config file's directory
//! refresh_interval_secs = 60     # re-read changed files this often; 0: only at start
//! max_file_bytes = 1048576       # larger files are skipped
//! data_dir = "/var/cache/switchyard/index"   # default: beside the analytics SQLite file
//! embedder = "auto"              # auto | neural | off: re-rank BM25's candidates by meaning
//! ```

use super::{ConfigError, Validator};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use switchyard_analytics::{AnalyticsConfig, StoreTarget};

/// Default time between refreshes.
pub const DEFAULT_REFRESH_INTERVAL: Duration = Duration::from_secs(60);

/// Name of the index directory beside the analytics SQLite file.
pub const INDEX_DIR_NAME: &str = "switchyard-index";

/// `[repositories.NAME]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRepository {
    path: String,
    refresh_interval_secs: Option<u64>,
    max_file_bytes: Option<u64>,
    data_dir: Option<String>,
    embedder: Option<String>,
}

/// Whether a repository's searches are re-ranked by the cache's neural embedder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RepositoryEmbedder {
    /// When the neural embedder's files are installed (`scripts/setup-models.sh`).
    #[default]
    Auto,
    /// Always; the gateway does not start without the files.
    Neural,
    /// BM25 alone.
    Off,
}

/// `[repositories.NAME]`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryConfig {
    /// The name requests use.
    pub name: String,
    /// The directory, as written (see [`RepositoryConfig::root`]).
    pub path: PathBuf,
    /// Time between refreshes; `None`: indexed at start only.
    pub refresh_interval: Option<Duration>,
    /// Files larger than this are skipped.
    pub max_file_bytes: u64,
    /// Where the index lives, as written; `None`: see [`RepositoryConfig::data_dir`].
    pub data_dir: Option<PathBuf>,
    /// Re-ranking by meaning.
    pub embedder: RepositoryEmbedder,
}

impl RepositoryConfig {
    /// The directory, relative paths resolved against `base_dir` (the config file's).
    pub fn root(&self, base_dir: Option<&Path>) -> PathBuf {
        resolve(&self.path, base_dir)
    }

    /// Where the index lives: `data_dir` if set, else a `switchyard-index` directory beside
    /// the analytics SQLite file, else (PostgreSQL or in-memory analytics) the user's cache
    /// directory (`~/.cache/switchyard/index`).
    pub fn data_dir(&self, analytics: &AnalyticsConfig, base_dir: Option<&Path>) -> PathBuf {
        if let Some(dir) = &self.data_dir {
            return resolve(dir, base_dir);
        }
        match analytics.store_target(base_dir) {
            StoreTarget::Sqlite(file) => match file.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.join(INDEX_DIR_NAME),
                _ => PathBuf::from(INDEX_DIR_NAME),
            },
            StoreTarget::Postgres(_) | StoreTarget::SqliteMemory => {
                switchyard_codebase::default_data_dir()
            }
        }
    }
}

fn resolve(path: &Path, base_dir: Option<&Path>) -> PathBuf {
    match base_dir {
        Some(base) if path.is_relative() => base.join(path),
        _ => path.to_owned(),
    }
}

impl Validator<'_> {
    pub(super) fn repositories(
        &self,
        raw: BTreeMap<String, RawRepository>,
    ) -> Result<Vec<RepositoryConfig>, ConfigError> {
        let mut out = Vec::with_capacity(raw.len());
        for (name, r) in raw {
            let key = format!("repositories.{name}");
            switchyard_codebase::check_name(&name).map_err(|e| self.err(&key, e.to_string()))?;
            let path = self.interpolate(&format!("{key}.path"), &r.path)?;
            if path.trim().is_empty() {
                return Err(self.err(format!("{key}.path"), "must name a directory"));
            }
            let refresh_interval = match r.refresh_interval_secs {
                Some(0) => None,
                Some(secs) => Some(Duration::from_secs(secs)),
                None => Some(DEFAULT_REFRESH_INTERVAL),
            };
            let max_file_bytes = match r.max_file_bytes {
                Some(0) => {
                    return Err(self.err(format!("{key}.max_file_bytes"), "must be at least 1"))
                }
                Some(n) => n,
                None => switchyard_codebase::IndexSettings::new("").max_file_bytes,
            };
            let data_dir = match r.data_dir {
                Some(d) => Some(PathBuf::from(
                    self.interpolate(&format!("{key}.data_dir"), &d)?,
                )),
                None => None,
            };
            let embedder = match r.embedder.as_deref() {
                None | Some("auto") => RepositoryEmbedder::Auto,
                Some("neural") => RepositoryEmbedder::Neural,
                Some("off") => RepositoryEmbedder::Off,
                Some(other) => {
                    return Err(self.err(
                        format!("{key}.embedder"),
                        format!("unknown embedder `{other}` (auto, neural or off)"),
                    ))
                }
            };
            out.push(RepositoryConfig {
                name,
                path: PathBuf::from(path),
                refresh_interval,
                max_file_bytes,
                data_dir,
                embedder,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use crate::Config;
    use std::path::Path;
    use std::time::Duration;

    fn parse(text: &str) -> Result<Config, crate::ConfigError> {
        Config::parse(text, "test.toml", &|name| {
            (name == "REPO_DIR").then(|| "/srv/repo".to_owned())
        })
    }

    #[test]
    fn repositories_parse_with_defaults_and_resolve_paths() {
        let config = parse(
            "[repositories.backend]\npath = \"../backend\"\n\
             [repositories.env]\npath = \"${REPO_DIR}\"\nrefresh_interval_secs = 0\nmax_file_bytes = 4096\n",
        )
        .unwrap();
        let [backend, env] = config.repositories.as_slice() else {
            panic!("{:?}", config.repositories);
        };
        assert_eq!(backend.name, "backend");
        assert_eq!(backend.refresh_interval, Some(Duration::from_secs(60)));
        assert_eq!(backend.max_file_bytes, 1024 * 1024);
        let base = Path::new("/etc/switchyard");
        assert_eq!(
            backend.root(Some(base)),
            Path::new("/etc/switchyard/../backend")
        );
        // Beside the analytics SQLite file (switchyard-analytics.db in the config's dir).
        assert_eq!(
            backend.data_dir(&config.analytics, Some(base)),
            Path::new("/etc/switchyard/switchyard-index")
        );
        assert_eq!(env.path, Path::new("/srv/repo"));
        assert_eq!(env.refresh_interval, None);
        assert_eq!(env.max_file_bytes, 4096);
        assert_eq!(backend.embedder, super::RepositoryEmbedder::Auto);
    }

    #[test]
    fn bad_repository_entries_name_their_key() {
        let e = parse("[repositories.\"a/b\"]\npath = \".\"\n").unwrap_err();
        assert_eq!(e.key, "repositories.a/b");
        let e = parse("[repositories.x]\npath = \"\"\n").unwrap_err();
        assert_eq!(e.key, "repositories.x.path");
        let e = parse("[repositories.x]\npath = \".\"\nmax_file_bytes = 0\n").unwrap_err();
        assert_eq!(e.key, "repositories.x.max_file_bytes");
        let e = parse("[repositories.x]\npath = \".\"\nembedder = \"builtin\"\n").unwrap_err();
        assert_eq!(e.key, "repositories.x.embedder");
        assert!(e.message.contains("auto, neural or off"), "{e}");
        let e = parse("[repositories.x]\npath = \".\"\nwatch = true\n").unwrap_err();
        assert!(e.message.contains("unknown field"), "{e}");
    }
}
