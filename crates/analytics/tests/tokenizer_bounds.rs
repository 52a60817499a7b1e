//! Issue #11, finding 2: estimating the tokens of one long word cost ~60× its size in
//! memory (the BPE merge state of a single multi-megabyte regex piece). The count must stay
//! within a small, fixed amount of memory whatever the text, and linear in time.
//!
//! A counting allocator measures the peak; this file is its own test binary, so nothing
//! else allocates meanwhile (the one test runs alone).

#![cfg(test)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use switchyard_analytics::count_tokens;

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
        PEAK.fetch_max(now, Ordering::SeqCst);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::SeqCst);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            let now = CURRENT.fetch_add(new_size - layout.size(), Ordering::SeqCst) + new_size
                - layout.size();
            PEAK.fetch_max(now, Ordering::SeqCst);
        } else {
            CURRENT.fetch_sub(layout.size() - new_size, Ordering::SeqCst);
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Peak bytes allocated beyond what was live before, while counting `text`.
fn peak_while_counting(text: &str) -> (u64, usize) {
    let before = CURRENT.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    let tokens = count_tokens(text).unwrap();
    (tokens, PEAK.load(Ordering::SeqCst) - before)
}

#[test]
fn counting_one_huge_word_is_bounded_in_memory() {
    // Load the vocabulary first: it is a one-time cost, not the text's.
    assert_eq!(count_tokens("hello world"), Some(2));
    let word = "A".repeat(4 << 20);
    let (tokens, peak) = peak_while_counting(&word);
    assert!(
        peak < 16 << 20,
        "counting a 4 MiB word took {} MiB at peak",
        peak >> 20
    );
    // "AAAA…" merges into multi-letter tokens: far fewer tokens than bytes, more than none.
    assert!(tokens > 1000 && tokens < (4 << 20) / 2, "{tokens}");
    // Ordinary text with words and spaces stays bounded too.
    let prose = "fn main() { println!(\"hello\"); } // a comment\n".repeat(100_000);
    let (tokens, peak) = peak_while_counting(&prose);
    assert!(peak < 16 << 20, "prose: {} MiB at peak", peak >> 20);
    assert!(tokens > 1_000_000, "{tokens}");
}
