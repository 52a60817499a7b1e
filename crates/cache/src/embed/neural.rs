//! The neural sentence embedder: all-MiniLM-L6-v2 (int8 ONNX) run in process by ONNX
//! Runtime, which is loaded at start-up from a shared library file, with the model's own
//! WordPiece tokenizer. Sentence vectors as sentence-transformers computes them: the mean of
//! the token vectors of the last layer, L2-normalised.
//!
//! Nothing is downloaded: `scripts/setup-models.sh` installs the three files into
//! [`ModelFiles::default_dir`] (`$SWITCHYARD_MODELS`, else `~/.cache/switchyard/models`).

use super::normalise;
use ort::{
    environment::Environment,
    session::{builder::GraphOptimizationLevel, Session},
    value::Tensor,
};
use std::{
    fmt,
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Mutex, PoisonError,
    },
};
use tokenizers::{Tokenizer, TruncationParams};

/// Dimensions of a neural embedding.
pub const NEURAL_DIMS: usize = 384;
/// Longest input in tokens (sentence-transformers' `max_seq_length` for this model).
const MAX_TOKENS: usize = 256;
/// The environment variable naming the models directory.
pub const MODELS_ENV: &str = "SWITCHYARD_MODELS";
/// What to run to install the files, for messages.
pub const SETUP_HINT: &str = "run scripts/setup-models.sh";

/// Where the neural embedder's files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFiles {
    /// The ONNX model.
    pub model: PathBuf,
    /// The tokenizer (Hugging Face `tokenizer.json`).
    pub tokenizer: PathBuf,
    /// ONNX Runtime's shared library.
    pub runtime: PathBuf,
}

impl ModelFiles {
    /// The directory `scripts/setup-models.sh` installs into: `$SWITCHYARD_MODELS`, else
    /// `$HOME/.cache/switchyard/models`.
    pub fn default_dir() -> PathBuf {
        match std::env::var_os(MODELS_ENV) {
            Some(d) if !d.is_empty() => PathBuf::from(d),
            _ => std::env::var_os("HOME")
                .map_or_else(|| PathBuf::from("."), PathBuf::from)
                .join(".cache/switchyard/models"),
        }
    }

    /// The files' places under `dir`, as `scripts/setup-models.sh` lays them out.
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            model: dir.join("minilm-l6-v2/model.onnx"),
            tokenizer: dir.join("minilm-l6-v2/tokenizer.json"),
            runtime: dir.join(format!(
                "onnxruntime/{}onnxruntime{}",
                std::env::consts::DLL_PREFIX,
                std::env::consts::DLL_SUFFIX
            )),
        }
    }

    /// The files in [`Self::default_dir`].
    pub fn default_location() -> Self {
        Self::in_dir(&Self::default_dir())
    }

    /// The files that are not there.
    pub fn missing(&self) -> Vec<&Path> {
        [&self.model, &self.tokenizer, &self.runtime]
            .into_iter()
            .filter(|p| !p.is_file())
            .map(PathBuf::as_path)
            .collect()
    }

    /// Whether all three are there.
    pub fn present(&self) -> bool {
        self.missing().is_empty()
    }
}

/// Why the neural embedder could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError(String);

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LoadError {}

fn load_error(what: &str, path: &Path, e: impl fmt::Display) -> LoadError {
    LoadError(format!("{what} {}: {e}", path.display()))
}

/// The process's ONNX Runtime environment, started by the first embedder that loads.
///
/// ONNX Runtime allows one environment per process, ever: a second `build` fails even after
/// the first environment is dropped. So every embedder (the response cache's, the
/// repositories' re-ranker, several gateways in one test process) shares this one, and it
/// lives as long as the process. A failed start is not kept: the next load tries again.
static ENVIRONMENT: Mutex<Option<Environment>> = Mutex::new(None);

fn environment(runtime: &Path) -> Result<Environment, LoadError> {
    let mut shared = ENVIRONMENT.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(environment) = &*shared {
        return Ok(environment.clone());
    }
    let environment = ort::init_from(runtime)
        .map_err(|e| load_error("cannot load ONNX Runtime from", runtime, e))?
        .with_name("switchyard-embedder")
        .with_telemetry(false)
        .build()
        .map_err(|e| load_error("cannot start ONNX Runtime from", runtime, e))?;
    *shared = Some(environment.clone());
    Ok(environment)
}

/// One single-threaded session of the model at `path`.
fn session(environment: &Environment, path: &Path) -> ort::Result<Session> {
    Session::builder(environment)?
        .with_optimization_level(GraphOptimizationLevel::All)?
        .with_intra_threads(1)?
        .with_inter_threads(1)?
        .commit_from_file(path)
}

/// The neural embedder. One ONNX Runtime session per concurrent embedding (a session runs
/// one input at a time), each single-threaded; the cache runs at most [`Self::sessions`]
/// embeddings at once. A session holds the weights as ONNX Runtime expands them: the model
/// stores int8 weights that it dequantizes (`Cast`, `Mul`) before float32 `MatMul`s, and
/// constant folding keeps the float32 result, about 95 MB per session.
pub struct NeuralEmbedder {
    tokenizer: Tokenizer,
    sessions: Vec<Mutex<Session>>,
    next: AtomicUsize,
    warned: AtomicBool,
    _environment: Environment,
}

impl fmt::Debug for NeuralEmbedder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NeuralEmbedder")
            .field("sessions", &self.sessions.len())
            .finish_non_exhaustive()
    }
}

impl NeuralEmbedder {
    /// Loads ONNX Runtime, the tokenizer and `sessions` copies of the model from `files`.
    /// Embeds one sentence before returning, so a file that loads but cannot run fails here,
    /// at start-up, not on the first request.
    pub fn load(files: &ModelFiles, sessions: usize) -> Result<Self, LoadError> {
        let missing = files.missing();
        if !missing.is_empty() {
            let list: Vec<String> = missing.iter().map(|p| p.display().to_string()).collect();
            return Err(LoadError(format!(
                "neural embedder files missing: {} ({SETUP_HINT}, or set {MODELS_ENV})",
                list.join(", ")
            )));
        }
        let mut tokenizer = Tokenizer::from_file(&files.tokenizer)
            .map_err(|e| load_error("cannot read the tokenizer", &files.tokenizer, e))?;
        // The file pads to 128 tokens for batches; one sentence at a time needs no padding.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|e| load_error("cannot configure the tokenizer", &files.tokenizer, e))?;
        let environment = environment(&files.runtime)?;
        let sessions = (0..sessions.max(1))
            .map(|_| {
                session(&environment, &files.model)
                    .map(Mutex::new)
                    .map_err(|e| load_error("cannot load the model", &files.model, e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let embedder = Self {
            tokenizer,
            sessions,
            next: AtomicUsize::new(0),
            warned: AtomicBool::new(false),
            _environment: environment,
        };
        let probe = embedder
            .try_embed("Reverse a string in Python.")
            .map_err(|e| load_error("cannot run the model", &files.model, e))?;
        if probe.len() != NEURAL_DIMS {
            return Err(LoadError(format!(
                "the model {} gives {} dimensions, not {NEURAL_DIMS}",
                files.model.display(),
                probe.len()
            )));
        }
        Ok(embedder)
    }

    /// Sessions: embeddings it computes at once.
    pub fn sessions(&self) -> usize {
        self.sessions.len()
    }

    /// The unit vector of `text`; on a run-time failure of ONNX Runtime (logged once) a zero
    /// vector, which is similar to nothing, so the lookup misses.
    pub fn embed(&self, text: &str) -> Vec<f32> {
        match self.try_embed(text) {
            Ok(v) => v,
            Err(e) => {
                if !self.warned.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        "semantic cache: the neural embedder failed ({e}); lookups miss"
                    );
                }
                vec![0.0; NEURAL_DIMS]
            }
        }
    }

    /// The model's input ids for `text`: `[CLS]`, its WordPiece tokens (at most
    /// [`MAX_TOKENS`] in all), `[SEP]`.
    fn token_ids(&self, text: &str) -> Result<Vec<i64>, String> {
        let encoding = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| format!("tokenizer: {e}"))?;
        Ok(encoding.get_ids().iter().map(|&i| i64::from(i)).collect())
    }

    /// The unit vector of `text`, or why ONNX Runtime could not compute it.
    pub fn try_embed(&self, text: &str) -> Result<Vec<f32>, String> {
        let ids = self.token_ids(text)?;
        let n = ids.len();
        let shape = [1_usize, n];
        let tensor = |v: Vec<i64>| Tensor::from_array((shape, v)).map_err(|e| e.to_string());
        let inputs = ort::inputs![
            "input_ids" => tensor(ids)?,
            "attention_mask" => tensor(vec![1; n])?,
            "token_type_ids" => tensor(vec![0; n])?,
        ];
        // Any free session; if all are busy (more callers than sessions), wait for one.
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let count = self.sessions.len();
        let mut guard = (0..count)
            .find_map(|i| {
                self.sessions
                    .get((start + i) % count)
                    .and_then(|s| s.try_lock().ok())
            })
            .or_else(|| {
                self.sessions
                    .get(start % count)
                    .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner))
            })
            .ok_or("no session")?;
        let outputs = guard.run(inputs).map_err(|e| e.to_string())?;
        let (out_shape, hidden) = outputs
            .get("last_hidden_state")
            .ok_or("the model has no output last_hidden_state")?
            .try_extract_tensor::<f32>()
            .map_err(|e| e.to_string())?;
        let dims = out_shape
            .last()
            .and_then(|d| usize::try_from(*d).ok())
            .unwrap_or(0);
        if dims == 0 || hidden.len() != n * dims {
            return Err(format!("unexpected output shape {out_shape:?}"));
        }
        // Mean pooling over the tokens (all attended: one sentence, no padding).
        let mut v = vec![0.0f32; dims];
        for token in hidden.chunks_exact(dims) {
            for (x, h) in v.iter_mut().zip(token) {
                *x += h;
            }
        }
        normalise(&mut v);
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::cosine;
    use std::sync::OnceLock;

    /// The embedder from the installed files, or `None` (with a note) when they are absent.
    fn embedder() -> Option<&'static NeuralEmbedder> {
        static E: OnceLock<Option<NeuralEmbedder>> = OnceLock::new();
        let e = E
            .get_or_init(|| {
                let files = ModelFiles::default_location();
                if !files.present() {
                    return None;
                }
                match NeuralEmbedder::load(&files, 2) {
                    Ok(e) => Some(e),
                    Err(e) => panic!("the model files are present but do not load: {e}"),
                }
            })
            .as_ref();
        if e.is_none() {
            eprintln!(
                "note: neural embedder test skipped: no model files in {} ({SETUP_HINT})",
                ModelFiles::default_dir().display()
            );
        }
        e
    }

    #[test]
    fn tokenizes_as_the_python_tokenizer_does() {
        let Some(e) = embedder() else { return };
        // Hugging Face `tokenizers` (Python) on the same tokenizer.json.
        assert_eq!(
            e.token_ids("How to deep clone an object in JavaScript?")
                .ok(),
            Some(vec![
                101, 2129, 2000, 2784, 17598, 2019, 4874, 1999, 9262, 22483, 1029, 102
            ])
        );
        let long = "word ".repeat(1000);
        assert_eq!(e.token_ids(&long).map(|v| v.len()).ok(), Some(MAX_TOKENS));
    }

    #[test]
    fn matches_the_python_reference() {
        let Some(e) = embedder() else { return };
        // First dimensions of the same model run by Python onnxruntime, mean-pooled and
        // normalised; the float32 model (sentence-transformers' weights) gives
        // -0.0717, -0.0509, 0.0698, 0.0309 (cosine 0.9997 with the int8 vector).
        let want = [
            -0.07216, -0.05152, 0.07012, 0.0303, -0.03619, -0.0765, -0.00563, -0.03573,
        ];
        let got = e.embed("How to deep clone an object in JavaScript?");
        assert_eq!(got.len(), NEURAL_DIMS);
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 2e-3, "{:?} vs {want:?}", &got[..8]);
        }
        assert!((cosine(&got, &got) - 1.0).abs() < 1e-4);
    }

    #[test]
    fn paraphrases_are_close_and_other_questions_far() {
        let Some(e) = embedder() else { return };
        let a = e.embed("How do I deep clone an object in JavaScript?");
        let b = e.embed("javascript: make a deep copy of an object");
        let c = e.embed("SQL query for the top 5 customers by total order amount");
        assert!(cosine(&a, &b) > 0.8, "{}", cosine(&a, &b));
        assert!(cosine(&a, &c) < 0.3, "{}", cosine(&a, &c));
    }

    #[test]
    fn missing_files_are_named_with_the_fix() {
        let files = ModelFiles::in_dir(Path::new("/nonexistent/models"));
        assert_eq!(files.missing().len(), 3);
        let e = NeuralEmbedder::load(&files, 1).err().map(|e| e.to_string());
        let e = e.unwrap_or_default();
        assert!(
            e.contains("/nonexistent/models/minilm-l6-v2/model.onnx"),
            "{e}"
        );
        assert!(e.contains("scripts/setup-models.sh"), "{e}");
        assert!(e.contains(MODELS_ENV), "{e}");
    }

    #[test]
    fn concurrent_embeddings_agree() {
        let Some(e) = embedder() else { return };
        let one = e.embed("sort a list of dicts by a key");
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| s.spawn(|| e.embed("sort a list of dicts by a key")))
                .collect();
            for h in handles {
                let v = h.join().unwrap_or_default();
                assert!((cosine(&one, &v) - 1.0).abs() < 1e-5);
            }
        });
    }

    #[test]
    fn several_embedders_load_at_once() {
        // Gateways in one process (tests; a response cache beside a repository re-ranker)
        // load their embedders on threads of their own, at the same time.
        let files = ModelFiles::default_location();
        if !files.present() {
            return;
        }
        let loaded: Vec<Result<(), String>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        NeuralEmbedder::load(&files, 1)
                            .map(|e| assert_eq!(e.embed("x").len(), NEURAL_DIMS))
                            .map_err(|e| e.to_string())
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err("panicked".into())))
                .collect()
        });
        for result in loaded {
            assert_eq!(result, Ok(()));
        }
    }
}
