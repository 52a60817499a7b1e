//! The last few lookups keyed by two names, searched before a map: the writer sees the same
//! handful of (provider, alias) and (provider, model) pairs over and over, and comparing two
//! short strings costs less than hashing them with SipHash. Written here rather than taken
//! from an LRU crate because it is a dozen lines over a small vector.

/// Up to `N` recent `(a, b) -> value` lookups, newest last.
#[derive(Debug)]
pub(crate) struct RecentLookups<V, const N: usize> {
    entries: Vec<(Option<String>, Option<String>, V)>,
}

impl<V, const N: usize> Default for RecentLookups<V, N> {
    fn default() -> Self {
        Self {
            entries: Vec::with_capacity(N),
        }
    }
}

impl<V: Copy, const N: usize> RecentLookups<V, N> {
    /// The value remembered for `(a, b)`, if it is among the recent ones.
    pub(crate) fn get(&self, a: Option<&str>, b: Option<&str>) -> Option<V> {
        self.entries
            .iter()
            .rev()
            .find(|(x, y, _)| x.as_deref() == a && y.as_deref() == b)
            .map(|(_, _, v)| *v)
    }

    /// Remembers `(a, b) -> value`, forgetting the oldest entry when full.
    pub(crate) fn put(&mut self, a: Option<&str>, b: Option<&str>, value: V) {
        if self.entries.len() >= N {
            self.entries.remove(0);
        }
        self.entries
            .push((a.map(str::to_owned), b.map(str::to_owned), value));
    }
}
