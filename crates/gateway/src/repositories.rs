//! The repositories of `[repositories.NAME]`, indexed on a thread of their own (indexing is
//! blocking, CPU-heavy work that must not run on the async workers) and refreshed there
//! every `refresh_interval`. A repository is searchable once its first index is open.
//!
//! With the neural embedder's files installed, searches are re-ranked by meaning once the
//! chunks' vectors are computed (on the same thread, after each refresh that changed
//! something; see `switchyard_codebase::ChunkEmbedder`). The embedder is loaded once for
//! all repositories, with a session of its own so that embedding a repository never makes
//! the response cache wait.

use crate::config::{Config, RepositoryConfig, RepositoryEmbedder};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{mpsc, Arc, RwLock, Weak};
use std::time::{Duration, Instant};
use switchyard_cache::embed::{ModelFiles, NeuralEmbedder, SETUP_HINT};
use switchyard_codebase::{ChunkEmbedder, IndexSettings, RefreshStats, Repository};

/// Time before retrying a repository whose index could not be opened, when it has no
/// refresh interval of its own.
const RETRY_INTERVAL: Duration = Duration::from_secs(60);

/// The configured repositories and those whose index is ready.
pub struct Repositories {
    configured: Vec<String>,
    ready: RwLock<BTreeMap<String, Arc<Repository>>>,
    /// Dropped with the state, which wakes the indexing thread and ends it.
    _stop: Option<mpsc::Sender<()>>,
}

impl std::fmt::Debug for Repositories {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repositories")
            .field("configured", &self.configured)
            .finish_non_exhaustive()
    }
}

impl Repositories {
    /// No repositories.
    pub fn none() -> Arc<Self> {
        Arc::new(Self {
            configured: Vec::new(),
            ready: RwLock::new(BTreeMap::new()),
            _stop: None,
        })
    }

    /// Starts indexing `config`'s repositories on a background thread (none is started
    /// when there are none). Fails only if the thread cannot be started.
    pub fn start(config: &Config) -> Result<Arc<Self>, String> {
        if config.repositories.is_empty() {
            return Ok(Self::none());
        }
        let jobs: Vec<Job> = config
            .repositories
            .iter()
            .map(|r| Job::new(r, config))
            .collect();
        let models_dir = config.cache.models_location();
        let files = ModelFiles::in_dir(&models_dir);
        if let Some(r) = config
            .repositories
            .iter()
            .find(|r| r.embedder == RepositoryEmbedder::Neural)
        {
            if !files.present() {
                return Err(format!(
                    "repositories.{}.embedder = \"neural\": no neural model files in {} ({SETUP_HINT})",
                    r.name,
                    models_dir.display()
                ));
            }
        }
        let wanted = config.repositories.iter().any(|r| match r.embedder {
            RepositoryEmbedder::Neural => true,
            RepositoryEmbedder::Auto => files.present(),
            RepositoryEmbedder::Off => false,
        });
        let embedder = wanted.then_some(files);
        let (stop, stopped) = mpsc::channel();
        let repositories = Arc::new(Self {
            configured: config.repositories.iter().map(|r| r.name.clone()).collect(),
            ready: RwLock::new(BTreeMap::new()),
            _stop: Some(stop),
        });
        let weak = Arc::downgrade(&repositories);
        std::thread::Builder::new()
            .name("switchyard-index".into())
            .spawn(move || {
                yield_to_requests();
                let embedder = embedder.and_then(|files| load_embedder(&files));
                index_loop(jobs, embedder.as_ref(), &weak, &stopped);
            })
            .map_err(|e| format!("cannot start the repository indexing thread: {e}"))?;
        Ok(repositories)
    }

    /// The repository named `name`, once its index is open.
    pub fn get(&self, name: &str) -> Option<Arc<Repository>> {
        self.ready
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(name)
            .cloned()
    }

    /// The names of the configured repositories (ready or not), in name order.
    pub fn configured(&self) -> &[String] {
        &self.configured
    }

    fn insert(&self, repository: Arc<Repository>) {
        self.ready
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(repository.name().to_owned(), repository);
    }
}

/// Lowers the calling thread's priority (nice 10), so that indexing and embedding a
/// repository (minutes of one core the first time) take only the CPU that requests leave:
/// on a small machine the gateway has one async worker, which must not wait for them.
fn yield_to_requests() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: setpriority takes plain integers; on Linux `who = 0` with PRIO_PROCESS is
        // the calling thread (nice values are per thread there).
        let rc = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 10) };
        if rc != 0 {
            tracing::debug!("index: cannot lower the indexing thread's priority");
        }
    }
}

/// The neural embedder as the repositories' re-ranker.
struct NeuralReranker(NeuralEmbedder);

impl ChunkEmbedder for NeuralReranker {
    fn id(&self) -> &str {
        // The files scripts/setup-models.sh installs: all-MiniLM-L6-v2, int8.
        "minilm-l6-v2-int8"
    }

    fn embed(&self, text: &str) -> Vec<f32> {
        self.0.embed(text)
    }
}

/// Loads the re-ranker (one session: ~95 MB, a few hundred milliseconds); without it,
/// searches are BM25's alone.
fn load_embedder(files: &ModelFiles) -> Option<Arc<dyn ChunkEmbedder>> {
    match NeuralEmbedder::load(files, 1) {
        Ok(n) => {
            tracing::info!("index: searches re-ranked by the neural embedder");
            Some(Arc::new(NeuralReranker(n)))
        }
        Err(e) => {
            tracing::warn!(
                "index: BM25 only, the neural embedder did not load ({e}; {SETUP_HINT})"
            );
            None
        }
    }
}

/// One configured repository on the indexing thread.
struct Job {
    name: String,
    /// Whether its searches are re-ranked (when the embedder loaded).
    reranked: bool,
    root: PathBuf,
    settings: IndexSettings,
    interval: Option<Duration>,
    repository: Option<Arc<Repository>>,
    due: Instant,
}

impl Job {
    fn new(r: &RepositoryConfig, config: &Config) -> Self {
        let base_dir = config.base_dir.as_deref();
        let mut settings = IndexSettings::new(r.data_dir(&config.analytics, base_dir));
        settings.max_file_bytes = r.max_file_bytes;
        Job {
            name: r.name.clone(),
            reranked: r.embedder != RepositoryEmbedder::Off,
            root: r.root(base_dir),
            settings,
            interval: r.refresh_interval,
            repository: None,
            due: Instant::now(),
        }
    }

    /// Opens (first time) or refreshes the index, then computes the vectors of what
    /// changed; the time of the next run, if any.
    fn run(
        &mut self,
        embedder: Option<&Arc<dyn ChunkEmbedder>>,
        repositories: &Repositories,
    ) -> Option<Instant> {
        match &self.repository {
            Some(repository) => match repository.refresh() {
                Ok(stats) => {
                    log_refresh(&self.name, &stats);
                    if stats.files_added + stats.files_changed + stats.files_removed > 0 {
                        embed(&self.name, repository);
                    }
                }
                Err(e) => tracing::warn!(repository = %self.name, "index: refresh failed: {e}"),
            },
            None => {
                match Repository::open_or_build(&self.name, &self.root, self.settings.clone()) {
                    Ok((repository, stats)) => {
                        tracing::info!(
                            repository = %self.name,
                            files = stats.files_total,
                            read = stats.files_read,
                            chunks = stats.chunks_total,
                            ms = stats.elapsed.as_millis() as u64,
                            dir = %repository.index_dir().display(),
                            "index: ready"
                        );
                        let repository = match embedder {
                            Some(e) if self.reranked => repository.with_embedder(e.clone()),
                            _ => repository,
                        };
                        let repository = Arc::new(repository);
                        // Searchable now (BM25, or re-ranked with the stored vectors);
                        // re-ranked with every chunk once the embedding below is done.
                        repositories.insert(repository.clone());
                        embed(&self.name, &repository);
                        self.repository = Some(repository);
                    }
                    Err(e) => {
                        tracing::error!(repository = %self.name, root = %self.root.display(), "index: cannot open: {e}");
                        return Some(Instant::now() + self.interval.unwrap_or(RETRY_INTERVAL));
                    }
                }
            }
        }
        self.interval.map(|i| Instant::now() + i)
    }
}

/// Computes the vectors of chunks that have none (nothing without an embedder).
fn embed(name: &str, repository: &Repository) {
    match repository.embed_chunks() {
        Ok(stats) if stats.embedded + stats.dropped > 0 => tracing::info!(
            repository = %name,
            chunks = stats.chunks,
            embedded = stats.embedded,
            dropped = stats.dropped,
            ms = stats.elapsed.as_millis() as u64,
            "index: vectors ready"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!(repository = %name, "index: cannot store vectors: {e}"),
    }
}

fn log_refresh(name: &str, stats: &RefreshStats) {
    let changed = stats.files_added + stats.files_changed + stats.files_removed;
    if changed > 0 {
        tracing::info!(
            repository = %name,
            added = stats.files_added,
            changed = stats.files_changed,
            removed = stats.files_removed,
            chunks = stats.chunks_total,
            ms = stats.elapsed.as_millis() as u64,
            "index: refreshed"
        );
    }
}

/// Runs each job when it is due, until the state is dropped.
fn index_loop(
    mut jobs: Vec<Job>,
    embedder: Option<&Arc<dyn ChunkEmbedder>>,
    repositories: &Weak<Repositories>,
    stopped: &mpsc::Receiver<()>,
) {
    loop {
        let now = Instant::now();
        for job in jobs.iter_mut().filter(|j| j.due <= now) {
            let Some(repositories) = repositories.upgrade() else {
                return;
            };
            match job.run(embedder, &repositories) {
                Some(next) => job.due = next,
                None => job.due = now + Duration::from_secs(u64::from(u32::MAX)),
            }
        }
        let Some(next) = jobs.iter().map(|j| j.due).min() else {
            return;
        };
        let wait = next.saturating_duration_since(Instant::now());
        match stopped.recv_timeout(wait) {
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            // The state was dropped (or, never, something was sent): stop.
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
    }
}
