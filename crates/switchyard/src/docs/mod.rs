//! `switchyard docs PATH`: documents a file's public symbols that lack doc comments through
//! the code API's `document` task, and prints the change as a patch or (`--write`) makes it.
//!
//! Exit codes: 0 when done (or when there is nothing to document, which stderr says); 2
//! when the command could not run: a language without a known doc style, an unreadable
//! file, the gateway unreachable or refusing, or documentation that would break the parse.

mod extract;
mod insert;
mod symbols;

use crate::code_client::{CodeClient, CodeClientError, GatewayArgs};
use crate::plural;
use anyhow::{bail, Context as _};
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use switchyard_codeintel::Language;
use tree_sitter::Tree;

/// `switchyard docs ...`.
#[derive(Debug, Args)]
pub struct DocsArgs {
    /// The source file (Rust, Python, JavaScript, TypeScript, Go or Java).
    path: PathBuf,
    #[command(flatten)]
    gateway: GatewayArgs,
    /// Edit the file in place instead of printing a patch.
    #[arg(long)]
    write: bool,
}

/// Runs the command: prints the patch (or edits the file) and a summary on stderr.
pub fn run(args: DocsArgs, runtime: &tokio::runtime::Runtime) -> ExitCode {
    match runtime.block_on(document_file(&args)) {
        Ok(outcome) => {
            print!("{}", outcome.patch);
            eprint!("{}", outcome.summary);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// What a run prints.
struct Outcome {
    /// The unified diff for stdout (empty with `--write` or with nothing to document).
    patch: String,
    /// What was done, for stderr.
    summary: String,
}

async fn document_file(args: &DocsArgs) -> anyhow::Result<Outcome> {
    let path = &args.path;
    let language = language_of(path)?;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let Some(tree) = symbols::parse(language, &text) else {
        bail!("cannot load the {} grammar", language.display_name());
    };
    let wanted = symbols::undocumented(language, &text, &tree);
    if wanted.is_empty() {
        return Ok(Outcome {
            patch: String::new(),
            summary: format!(
                "{}: nothing to document (every public symbol has a doc comment)\n",
                path.display()
            ),
        });
    }
    let client = CodeClient::new(&args.gateway)?;
    let answers = match extract::document_all(&client, language, &wanted).await {
        Ok(answers) => answers,
        Err(e @ CodeClientError::Unreachable { .. }) => bail!(
            "cannot document {}: {e} (start one with `switchyard serve`, or point --gateway \
             or SWITCHYARD_URL at it)",
            path.display()
        ),
        Err(e) => bail!("cannot document {}: {e}", path.display()),
    };
    let mut summary = String::new();
    let mut documented = Vec::new();
    for (symbol, answer) in wanted.iter().zip(answers) {
        match answer {
            Some(d) => documented.push(d),
            None => summary.push_str(&format!(
                "{}:{}: `{}` skipped: the answer had no documentation in it\n",
                path.display(),
                symbol.line,
                symbol.name
            )),
        }
    }
    if documented.is_empty() {
        summary.push_str(&format!(
            "{}: nothing documented: no answer had documentation in it\n",
            path.display()
        ));
        return Ok(Outcome {
            patch: String::new(),
            summary,
        });
    }
    let new_text = insert::insert_all(language, &text, &documented);
    check_still_parses(language, &tree, &new_text)
        .with_context(|| format!("{} left unchanged", path.display()))?;
    let names: Vec<&str> = documented.iter().map(|d| d.symbol.name.as_str()).collect();
    let mut patch = String::new();
    if args.write {
        std::fs::write(path, &new_text)
            .with_context(|| format!("cannot write {}", path.display()))?;
        summary.push_str(&format!(
            "{}: documented {}: {}\n",
            path.display(),
            plural(names.len(), "symbol", "symbols"),
            names.join(", ")
        ));
    } else {
        patch = unified_diff(&patch_path(path), &text, &new_text);
        summary.push_str(&format!(
            "{}: {} to document: {} (the patch is on stdout; --write applies it)\n",
            path.display(),
            plural(names.len(), "symbol", "symbols"),
            names.join(", ")
        ));
    }
    Ok(Outcome { patch, summary })
}

/// Fails when `new_text` has syntax errors that the file's tree (`before`) did not have:
/// documentation must never break a file that parsed.
fn check_still_parses(language: Language, before: &Tree, new_text: &str) -> anyhow::Result<()> {
    let Some(after) = symbols::parse(language, new_text) else {
        bail!("cannot load the {} grammar", language.display_name());
    };
    let (old, new) = (
        symbols::syntax_problems(before),
        symbols::syntax_problems(&after),
    );
    if new.len() > old.len() {
        let lines: Vec<String> = new.iter().take(5).map(usize::to_string).collect();
        bail!(
            "with the documentation inserted it would not parse as {} ({} syntax errors \
             instead of {}; line {})",
            language.display_name(),
            new.len(),
            old.len(),
            lines.join(", ")
        );
    }
    Ok(())
}

/// The file's language, if `docs` knows its doc-comment style.
fn language_of(path: &Path) -> anyhow::Result<Language> {
    let supported = || symbols::SUPPORTED.map(Language::display_name).join(", ");
    match switchyard_codebase::language_of(path) {
        Some(language) if symbols::SUPPORTED.contains(&language) => Ok(language),
        Some(language) => bail!(
            "{}: {} files are not supported (docs knows the doc style of {})",
            path.display(),
            language.display_name(),
            supported()
        ),
        None => bail!(
            "{}: unknown language: not a file of {} by its extension",
            path.display(),
            supported()
        ),
    }
}

/// The path the patch names: relative to the working directory when the file is under it
/// (so that `git apply` and `patch -p1` find it from there), without a leading `./` or `/`.
fn patch_path(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    let text = relative.to_string_lossy().replace('\\', "/");
    let mut trimmed = text.as_str();
    while let Some(rest) = trimmed.strip_prefix("./") {
        trimmed = rest;
    }
    trimmed.trim_start_matches('/').to_owned()
}

/// The change from `old` to `new` as a unified diff of `path` (`--- a/PATH`, `+++ b/PATH`).
fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_paths_are_relative_and_clean() {
        assert_eq!(patch_path(Path::new("./src/lib.rs")), "src/lib.rs");
        assert_eq!(patch_path(Path::new("src/lib.rs")), "src/lib.rs");
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(patch_path(&cwd.join("src").join("lib.rs")), "src/lib.rs");
    }

    #[test]
    fn the_diff_has_git_headers_and_the_added_lines() {
        let diff = unified_diff("src/lib.rs", "fn a() {}\n", "/// A.\nfn a() {}\n");
        assert!(
            diff.starts_with(
                "--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1 +1,2 @@\n+/// A.\n fn a() {}\n"
            ),
            "{diff}"
        );
    }

    #[test]
    fn an_edit_that_breaks_the_parse_is_refused() {
        let good = "fn a() {}\n";
        let tree = symbols::parse(Language::Rust, good).unwrap();
        assert!(check_still_parses(Language::Rust, &tree, "/// A.\nfn a() {}\n").is_ok());
        let broken = check_still_parses(Language::Rust, &tree, "/// A.\nfn a() {\n")
            .unwrap_err()
            .to_string();
        assert!(
            broken.starts_with("with the documentation inserted it would not parse as Rust"),
            "{broken}"
        );
        // A file that did not parse before may keep its errors, not gain new ones.
        let bad = "fn a( {}\n";
        let tree = symbols::parse(Language::Rust, bad).unwrap();
        assert!(check_still_parses(Language::Rust, &tree, "/// A.\nfn a( {}\n").is_ok());
    }

    #[test]
    fn languages_without_a_doc_style_and_unknown_extensions_are_refused() {
        assert_eq!(language_of(Path::new("a.rs")).unwrap(), Language::Rust);
        assert_eq!(
            language_of(Path::new("a.tsx")).unwrap(),
            Language::TypeScript
        );
        let c = language_of(Path::new("a.c")).unwrap_err().to_string();
        assert!(c.contains("C files are not supported"), "{c}");
        let txt = language_of(Path::new("notes.txt")).unwrap_err().to_string();
        assert!(txt.contains("unknown language"), "{txt}");
    }
}
