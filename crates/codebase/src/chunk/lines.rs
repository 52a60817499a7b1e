//! A file's lines by 0-based row, for cutting chunks at line boundaries.

/// The byte offsets where each line starts.
pub(crate) struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        // A final newline does not start another line.
        if starts.last() == Some(&text.len()) {
            starts.pop();
        }
        Self { text, starts }
    }

    /// Number of lines.
    pub(crate) fn count(&self) -> usize {
        self.starts.len()
    }

    /// Rows `first..=last` (0-based), without the final newline.
    pub(crate) fn slice(&self, first: usize, last: usize) -> &'a str {
        let start = self.starts.get(first).copied().unwrap_or(self.text.len());
        let end = self
            .starts
            .get(last + 1)
            .copied()
            .unwrap_or(self.text.len());
        let text = self.text.get(start..end.max(start)).unwrap_or_default();
        text.strip_suffix('\n').unwrap_or(text)
    }

    /// The row's text.
    pub(crate) fn row(&self, row: usize) -> &'a str {
        self.slice(row, row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_slice_with_and_without_a_final_newline() {
        let lines = Lines::new("a\nbb\nccc\n");
        assert_eq!(lines.count(), 3);
        assert_eq!(lines.slice(0, 1), "a\nbb");
        assert_eq!(lines.row(2), "ccc");
        let lines = Lines::new("a\nb");
        assert_eq!(lines.count(), 2);
        assert_eq!(lines.slice(0, 1), "a\nb");
        assert_eq!(Lines::new("").count(), 0);
    }
}
