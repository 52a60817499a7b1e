//! What changed: `git diff --unified=0 REF` of the working tree, parsed into the new-side
//! line ranges of each file, and the working-tree text those ranges point into.
//!
//! `git diff REF` compares tracked files only: untracked files are not reviewed. Binary
//! files and hunks that only delete lines have no new lines to attach a finding to and are
//! not reviewed either; both are reported as skipped.

use anyhow::{bail, Context as _};
use std::path::{Path, PathBuf};
use std::process::Command;

/// One changed file: its path (relative to the repository's top level, `/`-separated) and
/// the new-side line ranges that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDiff {
    /// The path in the working tree.
    pub path: String,
    /// Changed lines of the working-tree file, 1-based and inclusive, in file order.
    pub hunks: Vec<LineRange>,
}

/// Lines `start..=end` (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRange {
    /// First line.
    pub start: usize,
    /// Last line (inclusive).
    pub end: usize,
}

impl LineRange {
    /// Whether `line` is in it.
    pub fn contains(self, line: usize) -> bool {
        (self.start..=self.end).contains(&line)
    }
}

/// A parsed diff: the files with new lines, and what was left out and why.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ParsedDiff {
    /// Files with at least one hunk that adds or changes lines.
    pub files: Vec<FileDiff>,
    /// Files not reviewed, with the reason (binary, deleted, only deletions).
    pub skipped: Vec<(String, &'static str)>,
}

/// The repository that contains `dir` (its top level), or an error saying `dir` is not in
/// one.
pub fn repository_root(dir: &Path) -> anyhow::Result<PathBuf> {
    let out = git(dir, &["rev-parse", "--show-toplevel"])?;
    if !out.status.success() {
        bail!(
            "{} is not in a git repository ({})",
            dir.display(),
            first_line(&out.stderr)
        );
    }
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// `git diff --unified=0 REF` in `root`, parsed; an unknown `base` is an error that names it.
pub fn diff_against(root: &Path, base: &str) -> anyhow::Result<ParsedDiff> {
    // A revision never starts with `-`; refusing it here keeps it from being read as an
    // option (`--end-of-options` needs a newer git than CI images may have).
    if base.starts_with('-') {
        bail!("--base {base:?} is not a revision (it starts with `-`)");
    }
    // `--verify` first: `git diff` with a bad revision says "ambiguous argument", which
    // reads like a usage error rather than "no such commit".
    let verify = git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{base}^{{commit}}"),
        ],
    )?;
    let commit = String::from_utf8_lossy(&verify.stdout).trim().to_owned();
    if !verify.status.success() || commit.is_empty() {
        bail!(
            "--base {base:?} is not a commit of the repository at {} \
             (in CI, a shallow clone may lack it: fetch it, or check out with full history)",
            root.display()
        );
    }
    let out = git(
        root,
        &[
            // Paths as they are (UTF-8), not octal-escaped.
            "-c",
            "core.quotePath=false",
            "diff",
            "--unified=0",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            // Whatever diff.noprefix or diff.mnemonicPrefix say: the parser strips these.
            "--src-prefix=a/",
            "--dst-prefix=b/",
            &commit,
            "--",
        ],
    )?;
    if !out.status.success() {
        bail!("git diff {base} failed: {}", first_line(&out.stderr));
    }
    Ok(parse_unified_diff(&String::from_utf8_lossy(&out.stdout)))
}

fn git(dir: &Path, args: &[&str]) -> anyhow::Result<std::process::Output> {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .context("cannot run git (is it installed and on PATH?)")
}

fn first_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no message")
        .trim()
        .to_owned()
}

/// Parses `git diff --unified=0` output (other context sizes work too: only the hunk
/// headers' new-side ranges are read).
pub fn parse_unified_diff(text: &str) -> ParsedDiff {
    let mut parsed = ParsedDiff::default();
    let mut current: Option<FileDiff> = None;
    let mut old_path: Option<String> = None;
    // Past a file's first `@@`, a removed line `-- x` reads `--- x`: not a header.
    let mut in_hunks = false;
    for line in text.lines() {
        if line.starts_with("diff --git ") {
            finish(&mut parsed, current.take(), old_path.take());
            in_hunks = false;
        } else if line.starts_with("@@ ") {
            in_hunks = true;
            if let (Some(file), Some(range)) = (current.as_mut(), new_side(line)) {
                file.hunks.push(range);
            }
        } else if in_hunks {
            continue;
        } else if let Some(path) = line.strip_prefix("--- ") {
            old_path = strip_side(path, "a/");
        } else if let Some(path) = line.strip_prefix("+++ ") {
            current = strip_side(path, "b/").map(|path| FileDiff {
                path,
                hunks: Vec::new(),
            });
        } else if let Some(rest) = line.strip_prefix("Binary files ") {
            let path = rest
                .strip_suffix(" differ")
                .and_then(|r| r.rsplit_once(" and "))
                .and_then(|(old, new)| strip_side(new, "b/").or_else(|| strip_side(old, "a/")))
                .unwrap_or_else(|| rest.to_owned());
            parsed.skipped.push((path, "binary"));
        }
    }
    finish(&mut parsed, current, old_path);
    parsed
}

/// Files the diff ends: kept when they have new lines, else reported as skipped.
fn finish(parsed: &mut ParsedDiff, file: Option<FileDiff>, old_path: Option<String>) {
    match file {
        Some(f) if !f.hunks.is_empty() => parsed.files.push(f),
        Some(f) => parsed.skipped.push((f.path, "only deletions")),
        None => {
            if let Some(old) = old_path {
                parsed.skipped.push((old, "deleted"));
            }
        }
    }
}

/// The path of a `---`/`+++` line without its `a/`/`b/` prefix; `None` for `/dev/null`.
fn strip_side(raw: &str, prefix: &str) -> Option<String> {
    // Git ends the name with a tab when it contains a space, and quotes unusual names.
    let raw = raw.trim_end_matches('\t');
    if raw == "/dev/null" {
        return None;
    }
    let name = if raw.starts_with('"') {
        unquote(raw)
    } else {
        raw.to_owned()
    };
    if let Some(stripped) = name.strip_prefix(prefix) {
        return Some(stripped.to_owned());
    }
    Some(name)
}

/// A C-style quoted name as git writes it (`"a/t\tb"`), unquoted.
fn unquote(raw: &str) -> String {
    let inner = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(raw);
    let mut bytes = Vec::with_capacity(inner.len());
    let mut rest = inner.bytes().peekable();
    while let Some(b) = rest.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match rest.next() {
            Some(b'n') => bytes.push(b'\n'),
            Some(b't') => bytes.push(b'\t'),
            Some(d @ b'0'..=b'7') => {
                let mut value = u32::from(d - b'0');
                for _ in 0..2 {
                    if let Some(&next @ b'0'..=b'7') = rest.peek() {
                        value = value * 8 + u32::from(next - b'0');
                        rest.next();
                    }
                }
                bytes.push(u8::try_from(value).unwrap_or(b'?'));
            }
            Some(other) => bytes.push(other),
            None => bytes.push(b'\\'),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The new side of a hunk header (`@@ -3,2 +4,5 @@ fn x`): `None` when it adds no lines.
fn new_side(header: &str) -> Option<LineRange> {
    let plus = header.split_whitespace().find(|w| w.starts_with('+'))?;
    let spec = plus.trim_start_matches('+');
    let (start, count) = match spec.split_once(',') {
        Some((s, c)) => (s.parse::<usize>().ok()?, c.parse::<usize>().ok()?),
        None => (spec.parse::<usize>().ok()?, 1),
    };
    (count > 0 && start > 0).then(|| LineRange {
        start,
        end: start + count - 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIFF: &str = "\
diff --git a/src/app.py b/src/app.py
index 1111111..2222222 100644
--- a/src/app.py
+++ b/src/app.py
@@ -3 +3 @@ def main():
-    x = 1
+    x = eval(data)
@@ -10,0 +11,3 @@ def other():
+    a = 1
+    b = 2
+    c = 3
@@ -20,2 +22,0 @@
-    gone = 1
-    gone = 2
diff --git a/lib.rs b/lib.rs
new file mode 100644
--- /dev/null
+++ b/lib.rs
@@ -0,0 +1,2 @@
+fn a() {}
+fn b() {}
diff --git a/old.go b/old.go
deleted file mode 100644
--- a/old.go
+++ /dev/null
@@ -1,2 +0,0 @@
-package old
-
diff --git a/logo.png b/logo.png
index 3333333..4444444 100644
Binary files a/logo.png and b/logo.png differ
diff --git a/only_del.rs b/only_del.rs
--- a/only_del.rs
+++ b/only_del.rs
@@ -4 +3,0 @@
-let x = 1;
diff --git a/q.sql b/q.sql
--- a/q.sql
+++ b/q.sql
@@ -2 +2 @@
--- a removed SQL comment
+++ an added line that looks like a header
diff --git \"a/with\\ttab.py\" \"b/with\\ttab.py\"
--- \"a/with\\ttab.py\"
+++ \"b/with\\ttab.py\"
@@ -1 +1 @@
-a
+b
diff --git a/has space.py b/has space.py
--- a/has space.py\t
+++ b/has space.py\t
@@ -1 +1 @@
-a
+b
";

    #[test]
    fn parses_new_side_ranges_and_reports_what_it_skips() {
        let parsed = parse_unified_diff(DIFF);
        let files: Vec<(&str, Vec<(usize, usize)>)> = parsed
            .files
            .iter()
            .map(|f| {
                (
                    f.path.as_str(),
                    f.hunks.iter().map(|h| (h.start, h.end)).collect(),
                )
            })
            .collect();
        assert_eq!(
            files,
            [
                ("src/app.py", vec![(3, 3), (11, 13)]),
                ("lib.rs", vec![(1, 2)]),
                ("q.sql", vec![(2, 2)]),
                ("with\ttab.py", vec![(1, 1)]),
                ("has space.py", vec![(1, 1)]),
            ]
        );
        assert_eq!(
            parsed.skipped,
            [
                ("old.go".to_owned(), "deleted"),
                ("logo.png".to_owned(), "binary"),
                ("only_del.rs".to_owned(), "only deletions"),
            ]
        );
    }

    #[test]
    fn hunk_headers_without_counts_and_octal_names() {
        assert_eq!(
            new_side("@@ -1 +7 @@"),
            Some(LineRange { start: 7, end: 7 })
        );
        assert_eq!(new_side("@@ -5,2 +4,0 @@"), None);
        assert_eq!(new_side("@@ garbage @@"), None);
        assert_eq!(unquote("\"b/caf\\303\\251.py\""), "b/café.py");
        assert_eq!(unquote("\"b/q\\\"x\""), "b/q\"x");
    }
}
