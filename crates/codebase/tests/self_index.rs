//! Indexes this repository (the workspace root) and searches it: a query naming a function
//! gets that function's chunk first, and the context for a question fits its budget.

#![cfg(test)]

use std::path::{Path, PathBuf};
use switchyard_codebase::{ChunkKind, IndexSettings, Repository};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn a_query_naming_a_function_finds_that_function_first_in_this_repository() {
    let data = tempfile::tempdir().unwrap();
    let settings = IndexSettings::new(data.path());
    let (repo, built) =
        Repository::open_or_build("self", &workspace_root(), settings.clone()).unwrap();
    assert!(built.files_added > 100, "{built:?}");
    assert!(built.chunks_total > built.files_added, "{built:?}");
    assert_eq!(built.files_changed, 0);
    // The workspace's own .gitignore keeps target/ and *.db out.
    let hits = repo.search("redacted_target", 10).unwrap();
    let first = &hits[0];
    assert_eq!(first.path, "crates/gateway/src/access_log.rs");
    assert_eq!(first.symbol.as_deref(), Some("redacted_target"));
    assert_eq!(first.kind, ChunkKind::Function);
    assert!(first.text.contains("pub fn redacted_target(uri: &Uri)"));
    // Its doc comment is part of the chunk.
    assert!(
        first.text.starts_with("/// The path and query of `uri`"),
        "{}",
        first.text
    );
    // Clearly ahead of the rest, which are the places that use it.
    assert!(first.score > hits[1].score * 1.2, "{hits:#?}");
    let top: Vec<String> = hits
        .iter()
        .map(|h| format!("{}:{} {:?} {:.2}", h.path, h.start_line, h.symbol, h.score))
        .collect();
    for hit in &hits[1..4] {
        assert!(
            hit.text.contains("redacted_target"),
            "unrelated hit among {top:#?}"
        );
    }
    // Code that only shares a word (`Target`) may follow, but far behind: under the floor
    // below which nothing enters a prompt. (Which of those comes first shifts as the
    // repository grows; the floor is what keeps them out of the context.)
    for hit in hits.iter().filter(|h| !h.text.contains("redacted_target")) {
        assert!(
            hit.score < first.score * switchyard_codebase::RELEVANCE_FLOOR,
            "{top:#?}"
        );
    }

    // A question in words, as a code request would carry it.
    let words = repo
        .search("redacted target of a uri with secret query parameters", 3)
        .unwrap();
    assert_eq!(
        words[0].symbol.as_deref(),
        Some("redacted_target"),
        "{words:#?}"
    );

    // The context for it starts with that chunk and stays within the budget.
    let context = repo.context("redacted_target", 600).unwrap();
    assert_eq!(context.chunks[0].symbol.as_deref(), Some("redacted_target"));
    assert!(context.tokens <= 600);
    // With room to spare, it still carries only code about that function.
    let roomy = repo.context("redacted_target", 20_000).unwrap();
    let carried: Vec<String> = roomy
        .chunks
        .iter()
        .map(|h| format!("{}:{} {:?} {:.2}", h.path, h.start_line, h.symbol, h.score))
        .collect();
    assert!(!roomy.chunks.is_empty());
    assert!(
        roomy
            .chunks
            .iter()
            .all(|h| h.text.contains("redacted_target")),
        "{carried:#?}"
    );

    // Reopening reads nothing unchanged and re-indexes nothing.
    drop(repo);
    let (reopened, warm) = Repository::open_or_build("self", &workspace_root(), settings).unwrap();
    assert_eq!(
        warm.files_added + warm.files_changed + warm.files_removed,
        0,
        "{warm:?}"
    );
    assert_eq!(warm.chunks_total, built.chunks_total);
    assert!(warm.files_unchanged + warm.files_read == warm.files_walked);
    assert_eq!(
        reopened.search("redacted_target", 1).unwrap()[0]
            .symbol
            .as_deref(),
        Some("redacted_target")
    );
}
