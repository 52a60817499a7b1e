//! Windows of lines: the whole of a file without a grammar, and the code between symbols.

use super::{Chunk, ChunkKind, Lines};

/// `lines` in windows of `window` lines; windows with no letter or digit are dropped.
pub(crate) fn text_windows(lines: &Lines<'_>, window: usize) -> Vec<Chunk> {
    let mut out = Vec::new();
    push_windows(&mut out, lines, 0, lines.count(), window, ChunkKind::Text);
    out
}

/// Appends the rows `first..end` (0-based, end exclusive) in windows of `window` lines as
/// chunks of `kind` without a symbol. Blank lines at either end of a window are trimmed;
/// a window holding only punctuation (closing braces) or blanks is dropped.
pub(crate) fn push_windows(
    out: &mut Vec<Chunk>,
    lines: &Lines<'_>,
    first: usize,
    end: usize,
    window: usize,
    kind: ChunkKind,
) {
    let window = window.max(1);
    let mut start = first;
    while start < end {
        let stop = (start + window).min(end);
        push_trimmed(out, lines, start, stop, kind, None);
        start = stop;
    }
}

/// Appends rows `first..end` as one chunk, blank rows at either end trimmed; nothing when
/// no row has a letter or a digit.
pub(crate) fn push_trimmed(
    out: &mut Vec<Chunk>,
    lines: &Lines<'_>,
    first: usize,
    end: usize,
    kind: ChunkKind,
    symbol: Option<&str>,
) {
    let meaningful = |row: usize| lines.row(row).chars().any(char::is_alphanumeric);
    let Some(a) = (first..end).find(|&r| !lines.row(r).trim().is_empty()) else {
        return;
    };
    let Some(b) = (first..end)
        .rev()
        .find(|&r| !lines.row(r).trim().is_empty())
    else {
        return;
    };
    if !(a..=b).any(meaningful) {
        return;
    }
    out.push(Chunk {
        symbol: symbol.map(str::to_owned),
        kind,
        start_line: a + 1,
        end_line: b + 1,
        text: lines.slice(a, b).to_owned(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_the_text_and_drop_empty_ones() {
        let text = "# Title\n\nline\n\n\n}\n}\n\nlast\n";
        let lines = Lines::new(text);
        let chunks = text_windows(&lines, 3);
        let ranges: Vec<(usize, usize)> =
            chunks.iter().map(|c| (c.start_line, c.end_line)).collect();
        // Rows 1-3, 4-6 (only blanks and a brace: dropped), 7-9.
        assert_eq!(ranges, [(1, 3), (7, 9)]);
        assert_eq!(chunks[0].text, "# Title\n\nline");
        assert!(chunks
            .iter()
            .all(|c| c.kind == ChunkKind::Text && c.symbol.is_none()));
    }
}
