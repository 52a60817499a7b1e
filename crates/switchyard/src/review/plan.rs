//! Which code goes into which request: each file's changed lines with the lines around
//! them, packed into parts of at most a token budget (estimated at 4 characters per
//! token), one file per part because the code API takes one language per request.
//!
//! A hunk whose lines and context exceed the budget alone is split by lines, and each piece
//! gets as much of the context as still fits; a single line longer than the budget goes
//! alone (cutting it would show the model code that is not there).

use super::diff::LineRange;
use std::fmt::Write as _;
use switchyard_codeintel::Language;

/// A changed file ready to plan: its working-tree lines and changed ranges.
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the repository's top level.
    pub path: String,
    /// The language the code API is told.
    pub language: Language,
    /// The working-tree file's lines, without line ends.
    pub lines: Vec<String>,
    /// Changed lines (new side), in file order.
    pub hunks: Vec<LineRange>,
}

/// One request's worth of code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The file.
    pub path: String,
    /// Its language.
    pub language: Language,
    /// The changed lines this part reviews (findings elsewhere are not this part's).
    pub hunks: Vec<LineRange>,
    /// The numbered code sent: changed lines as `12+| code`, context as `12 | code`, `...`
    /// between windows that are not adjacent.
    pub code: String,
    /// Estimated tokens of `code`.
    pub tokens: usize,
}

impl Part {
    /// Whether `line` is one of the changed lines this part reviews.
    pub fn reviews_line(&self, line: usize) -> bool {
        self.hunks.iter().any(|h| h.contains(line))
    }

    /// The changed lines as people write them: `3, 11-13`.
    pub fn ranges_label(&self) -> String {
        ranges_label(&self.hunks)
    }
}

/// `3, 11-13` for ranges (3,3) and (11,13).
pub fn ranges_label(ranges: &[LineRange]) -> String {
    let labels: Vec<String> = ranges
        .iter()
        .map(|r| {
            if r.start == r.end {
                r.start.to_string()
            } else {
                format!("{}-{}", r.start, r.end)
            }
        })
        .collect();
    labels.join(", ")
}

/// Estimated tokens of `text`: characters / 4, rounded up (no tokenizer: the budget is a
/// guard against overflowing the model's context, not a bill).
pub fn estimate_tokens(text: &str) -> usize {
    text.chars().count().div_ceil(4)
}

/// A hunk (or a piece of one) with the lines shown around it.
#[derive(Debug, Clone, Copy)]
struct Segment {
    changed: LineRange,
    window: LineRange,
}

/// The parts reviewing `files`, `context` lines around each hunk, each at most `budget`
/// tokens of code (unless one line alone is longer).
pub fn plan(files: &[SourceFile], context: usize, budget: usize) -> Vec<Part> {
    let mut parts = Vec::new();
    for file in files {
        let costs = line_costs(file);
        let mut current: Vec<Segment> = Vec::new();
        for hunk in &file.hunks {
            let Some(hunk) = clamp(*hunk, file.lines.len()) else {
                continue;
            };
            for segment in segments(hunk, context, budget, &costs) {
                current.push(segment);
                if current.len() > 1 && union_cost(&current, &costs) > budget {
                    // It does not fit with the others: they make a part, it starts the next.
                    current.pop();
                    parts.push(render(file, &current));
                    current = vec![segment];
                }
            }
        }
        if !current.is_empty() {
            parts.push(render(file, &current));
        }
    }
    parts
}

/// `range` within a file of `len` lines, or `None` when it lies past the end (the file
/// changed after `git diff` ran).
fn clamp(range: LineRange, len: usize) -> Option<LineRange> {
    (range.start <= len).then(|| LineRange {
        start: range.start,
        end: range.end.min(len),
    })
}

/// Estimated tokens of each line as rendered (index 0 is line 1).
fn line_costs(file: &SourceFile) -> Vec<usize> {
    let width = file.lines.len().to_string().len();
    // The prefix (`  12+| `) and the newline.
    file.lines
        .iter()
        .map(|l| (l.chars().count() + width + 4).div_ceil(4))
        .collect()
}

fn cost(range: LineRange, costs: &[usize]) -> usize {
    costs
        .get(range.start - 1..range.end)
        .map_or(0, |c| c.iter().sum())
}

/// The hunk with its context when that fits `budget`, else its lines in pieces that fit,
/// each with what context still fits.
fn segments(hunk: LineRange, context: usize, budget: usize, costs: &[usize]) -> Vec<Segment> {
    let last = costs.len();
    let whole = LineRange {
        start: hunk.start.saturating_sub(context).max(1),
        end: (hunk.end + context).min(last),
    };
    if cost(whole, costs) <= budget {
        return vec![Segment {
            changed: hunk,
            window: whole,
        }];
    }
    let mut pieces = Vec::new();
    let mut start = hunk.start;
    while start <= hunk.end {
        let mut end = start;
        while end < hunk.end
            && cost(
                LineRange {
                    start,
                    end: end + 1,
                },
                costs,
            ) <= budget
        {
            end += 1;
        }
        let changed = LineRange { start, end };
        pieces.push(Segment {
            changed,
            window: widen(changed, context, budget, costs),
        });
        start = end + 1;
    }
    pieces
}

/// `changed` with up to `context` lines on each side, one line a side at a time while the
/// whole fits `budget`.
fn widen(changed: LineRange, context: usize, budget: usize, costs: &[usize]) -> LineRange {
    let mut window = changed;
    for _ in 0..context {
        let mut grew = false;
        if window.start > 1 {
            let wider = LineRange {
                start: window.start - 1,
                ..window
            };
            if cost(wider, costs) <= budget {
                window = wider;
                grew = true;
            }
        }
        if window.end < costs.len() {
            let wider = LineRange {
                end: window.end + 1,
                ..window
            };
            if cost(wider, costs) <= budget {
                window = wider;
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    window
}

/// The windows of `segments` merged where they overlap or touch, in file order.
fn merged_windows(segments: &[Segment]) -> Vec<LineRange> {
    let mut windows: Vec<LineRange> = segments.iter().map(|s| s.window).collect();
    windows.sort_by_key(|w| w.start);
    let mut merged: Vec<LineRange> = Vec::with_capacity(windows.len());
    for w in windows {
        match merged.last_mut() {
            Some(last) if w.start <= last.end + 1 => last.end = last.end.max(w.end),
            _ => merged.push(w),
        }
    }
    merged
}

/// Tokens of the code `segments` render to (a `...` line between windows costs one).
fn union_cost(segments: &[Segment], costs: &[usize]) -> usize {
    let windows = merged_windows(segments);
    windows.iter().map(|w| cost(*w, costs)).sum::<usize>() + windows.len().saturating_sub(1)
}

fn render(file: &SourceFile, segments: &[Segment]) -> Part {
    let hunks: Vec<LineRange> = segments.iter().map(|s| s.changed).collect();
    let width = file.lines.len().to_string().len();
    let mut code = String::new();
    for (i, window) in merged_windows(segments).into_iter().enumerate() {
        if i > 0 {
            code.push_str("...\n");
        }
        for n in window.start..=window.end {
            let mark = if hunks.iter().any(|h| h.contains(n)) {
                '+'
            } else {
                ' '
            };
            let text = file.lines.get(n - 1).map_or("", String::as_str);
            // Writing to a String cannot fail.
            let _ = writeln!(code, "{n:>width$}{mark}| {text}");
        }
    }
    let code = code.trim_end_matches('\n').to_owned();
    Part {
        path: file.path.clone(),
        language: file.language,
        tokens: estimate_tokens(&code),
        hunks,
        code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(lines: usize, hunks: &[(usize, usize)]) -> SourceFile {
        SourceFile {
            path: "src/a.py".to_owned(),
            language: Language::Python,
            lines: (1..=lines).map(|n| format!("x_{n:03} = {n}")).collect(),
            hunks: hunks
                .iter()
                .map(|&(start, end)| LineRange { start, end })
                .collect(),
        }
    }

    #[test]
    fn small_diff_is_one_part_with_numbered_marked_lines() {
        let parts = plan(&[file(30, &[(5, 5), (9, 10)])], 2, 10_000);
        assert_eq!(parts.len(), 1);
        let part = &parts[0];
        assert_eq!(part.ranges_label(), "5, 9-10");
        let lines: Vec<&str> = part.code.lines().collect();
        // Windows 3-7 and 7-12 overlap: one run of lines 3..=12, no `...`.
        assert_eq!(lines.first(), Some(&" 3 | x_003 = 3"));
        assert_eq!(lines.get(2), Some(&" 5+| x_005 = 5"));
        assert_eq!(lines.last(), Some(&"12 | x_012 = 12"));
        assert_eq!(lines.len(), 10);
        assert!(part.reviews_line(10) && !part.reviews_line(11));
        assert_eq!(part.tokens, estimate_tokens(&part.code));
    }

    #[test]
    fn distant_hunks_are_separated_and_split_across_parts_under_the_budget() {
        let one = plan(&[file(200, &[(10, 10), (150, 150)])], 1, 10_000);
        assert_eq!(one.len(), 1);
        assert!(one[0].code.contains("\n...\n"), "{}", one[0].code);
        // Each line costs (13 chars + 3 width + 4) / 4 = 5 tokens; 3 lines per hunk = 15.
        let two = plan(&[file(200, &[(10, 10), (150, 150)])], 1, 20);
        assert_eq!(two.len(), 2);
        assert_eq!(two[0].ranges_label(), "10");
        assert_eq!(two[1].ranges_label(), "150");
        assert!(two.iter().all(|p| p.tokens <= 20));
    }

    #[test]
    fn a_hunk_over_the_budget_is_split_by_lines_and_loses_context_first() {
        let parts = plan(&[file(100, &[(20, 39)])], 20, 26);
        let labels: Vec<String> = parts.iter().map(Part::ranges_label).collect();
        assert_eq!(labels, ["20-24", "25-29", "30-34", "35-39"]);
        for part in &parts {
            assert!(part.tokens <= 26, "{}", part.code);
            assert!(!part.code.contains(" 19 |"));
        }
        // A file's parts never mix files, and every changed line is in exactly one part.
        let covered: usize = parts
            .iter()
            .flat_map(|p| p.hunks.iter())
            .map(|h| h.end + 1 - h.start)
            .sum();
        assert_eq!(covered, 20);
    }

    #[test]
    fn context_stays_inside_the_file_and_stale_hunks_are_ignored() {
        let parts = plan(&[file(3, &[(1, 1), (9, 12)])], 20, 1000);
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].code.lines().count(), 3);
        assert_eq!(parts[0].ranges_label(), "1");
    }
}
