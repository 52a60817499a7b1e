//! One incremental pass over a repository: walk, compare with the manifest, read and chunk
//! what changed (on a few threads), replace those files' chunks, drop removed files.

use crate::chunk::{ChunkLimits, Chunker};
use crate::manifest::{content_hash, FileEntry, Manifest};
use crate::store::{ChunkWriter, SearchIndex};
use crate::walk::{text_of, walk, Candidate};
use crate::{Chunk, IndexError, IndexSettings};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What one refresh did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefreshStats {
    /// Files the walk found (after `.gitignore`, hidden files and the size cap).
    pub files_walked: usize,
    /// Files not read: size and modification time as indexed.
    pub files_unchanged: usize,
    /// Files read (new, or their metadata changed).
    pub files_read: usize,
    /// Files indexed for the first time.
    pub files_added: usize,
    /// Files re-indexed because their content changed.
    pub files_changed: usize,
    /// Files whose chunks were removed (deleted, now ignored, now binary or too large).
    pub files_removed: usize,
    /// Files skipped as binary (a NUL byte, or not UTF-8).
    pub skipped_binary: usize,
    /// Files skipped for their size.
    pub skipped_too_large: usize,
    /// Chunks written by this refresh.
    pub chunks_indexed: usize,
    /// Chunks in the index afterwards.
    pub chunks_total: usize,
    /// Files in the index afterwards.
    pub files_total: usize,
    /// Wall time of the refresh.
    pub elapsed: Duration,
}

/// What reading one file found.
enum Outcome {
    /// Gone or unreadable since the walk.
    Unreadable,
    /// A NUL byte or not UTF-8.
    Binary,
    /// Metadata changed, content did not.
    SameContent,
    /// New or changed content, chunked.
    Chunked { sha256: String, chunks: Vec<Chunk> },
}

/// Brings `index` and `manifest` up to date with the files under `root`. On error the
/// manifest is left as it was (the caller passes a copy), so the next refresh redoes the
/// work.
pub(crate) fn refresh(
    root: &Path,
    settings: &IndexSettings,
    index: &SearchIndex,
    manifest: &mut Manifest,
) -> Result<RefreshStats, IndexError> {
    let started = Instant::now();
    let started_ns = now_ns();
    let found = walk(root, settings.max_file_bytes);
    let mut stats = RefreshStats {
        files_walked: found.files.len(),
        skipped_too_large: found.too_large,
        ..RefreshStats::default()
    };
    let to_read: Vec<Candidate> = found
        .files
        .iter()
        .filter(|c| !manifest.unchanged(&c.relative, c.size, c.mtime_ns))
        .cloned()
        .collect();
    stats.files_unchanged = found.files.len() - to_read.len();
    let walked: HashSet<&str> = found.files.iter().map(|c| c.relative.as_str()).collect();
    let removed: Vec<String> = manifest
        .files
        .keys()
        .filter(|path| !walked.contains(path.as_str()))
        .cloned()
        .collect();

    let mut writer = None;
    for path in &removed {
        open_writer(&mut writer, index)?.remove_file(path);
        manifest.files.remove(path);
        stats.files_removed += 1;
    }

    if !to_read.is_empty() {
        let previous: HashMap<String, String> = to_read
            .iter()
            .filter_map(|c| {
                let entry = manifest.files.get(&c.relative)?;
                Some((c.relative.clone(), entry.sha256.clone()))
            })
            .collect();
        let limits = ChunkLimits {
            window_lines: settings.window_lines,
            max_chunk_lines: settings.max_chunk_lines,
        };
        let threads = settings.worker_threads().min(to_read.len()).max(1);
        let next = AtomicUsize::new(0);
        let (sender, receiver) = mpsc::sync_channel::<(usize, Outcome)>(64);
        let applied: Result<(), IndexError> = std::thread::scope(|scope| {
            for _ in 0..threads {
                let sender = sender.clone();
                let (to_read, previous, next) = (&to_read, &previous, &next);
                scope.spawn(move || {
                    let mut chunker = Chunker::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(candidate) = to_read.get(i) else {
                            break;
                        };
                        let outcome = read_and_chunk(&mut chunker, candidate, previous, limits);
                        if sender.send((i, outcome)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(sender);
            for (i, outcome) in receiver {
                let Some(candidate) = to_read.get(i) else {
                    continue;
                };
                let path = candidate.relative.as_str();
                match outcome {
                    Outcome::Unreadable | Outcome::Binary => {
                        if matches!(outcome, Outcome::Binary) {
                            stats.files_read += 1;
                            stats.skipped_binary += 1;
                        }
                        if manifest.files.remove(path).is_some() {
                            open_writer(&mut writer, index)?.remove_file(path);
                            stats.files_removed += 1;
                        }
                    }
                    Outcome::SameContent => {
                        stats.files_read += 1;
                        if let Some(entry) = manifest.files.get_mut(path) {
                            entry.size = candidate.size;
                            entry.mtime_ns = candidate.mtime_ns;
                        }
                    }
                    Outcome::Chunked { sha256, chunks } => {
                        stats.files_read += 1;
                        open_writer(&mut writer, index)?.replace_file(path, &chunks)?;
                        stats.chunks_indexed += chunks.len();
                        let entry = FileEntry {
                            size: candidate.size,
                            mtime_ns: candidate.mtime_ns,
                            sha256,
                            chunks: chunks.len(),
                        };
                        if manifest.files.insert(path.to_owned(), entry).is_some() {
                            stats.files_changed += 1;
                        } else {
                            stats.files_added += 1;
                        }
                    }
                }
            }
            Ok(())
        });
        applied?;
    }

    if let Some(writer) = writer {
        writer.commit()?;
        index.reload()?;
    }
    if !to_read.is_empty() || !removed.is_empty() || manifest.written_ns == 0 {
        manifest.written_ns = started_ns;
    }
    stats.files_total = manifest.files.len();
    stats.chunks_total = manifest.files.values().map(|e| e.chunks).sum();
    stats.elapsed = started.elapsed();
    Ok(stats)
}

/// The writer, opened on first use (opening takes the index's lock).
fn open_writer<'w>(
    writer: &'w mut Option<ChunkWriter>,
    index: &SearchIndex,
) -> Result<&'w mut ChunkWriter, IndexError> {
    match writer {
        Some(w) => Ok(w),
        None => Ok(writer.insert(index.writer()?)),
    }
}

fn read_and_chunk(
    chunker: &mut Chunker,
    candidate: &Candidate,
    previous: &HashMap<String, String>,
    limits: ChunkLimits,
) -> Outcome {
    let Ok(bytes) = std::fs::read(&candidate.absolute) else {
        return Outcome::Unreadable;
    };
    let sha256 = content_hash(&bytes);
    if previous.get(&candidate.relative) == Some(&sha256) {
        return Outcome::SameContent;
    }
    let Some(text) = text_of(bytes) else {
        return Outcome::Binary;
    };
    let chunks = chunker.chunk(Path::new(&candidate.relative), &text, limits);
    Outcome::Chunked { sha256, chunks }
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}
