//! The weight-free embedder: normalised words (abbreviations expanded, identifiers split),
//! word pairs and character n-grams, hashed into a fixed-size signed vector. No model
//! files, microseconds per prompt.

use crate::text;

/// Dimensions of a built-in embedding.
pub const BUILTIN_DIMS: usize = 512;

/// The weight-free embedder.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltinEmbedder;

/// FNV-1a: stable across runs and platforms, so vectors in Redis stay comparable.
fn hash(bytes: &[u8], seed: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325_u64 ^ seed;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn add(v: &mut [f32], feature: &[u8], weight: f32) {
    let h = hash(feature, 0);
    let i = (h % BUILTIN_DIMS as u64) as usize;
    let sign = if (h >> 32) & 1 == 0 { 1.0 } else { -1.0 };
    if let Some(x) = v.get_mut(i) {
        *x += sign * weight;
    }
}

impl BuiltinEmbedder {
    /// The unit vector of `text`.
    pub fn embed(&self, text: &str) -> Vec<f32> {
        let mut v = vec![0.0f32; BUILTIN_DIMS];
        let mut content: Vec<String> = Vec::new();
        for w in text::words(text) {
            let mut pieces = text::parts(&w.original);
            if pieces.len() > 1 {
                pieces.push(w.norm.clone());
            } else {
                pieces = vec![w.norm.clone()];
            }
            for p in pieces {
                if !text::is_stopword(&p) && !p.is_empty() {
                    content.push(p);
                }
            }
        }
        for w in &content {
            add(&mut v, w.as_bytes(), 1.0);
            // Character trigrams of the padded word: spelling variants share most of them.
            let padded: Vec<char> = format!("<{w}>").chars().collect();
            let grams = padded.len().saturating_sub(2).max(1);
            let weight = 0.8 / (grams as f32).sqrt();
            for g in padded.windows(3) {
                let s: String = g.iter().collect();
                add(&mut v, s.as_bytes(), weight);
            }
        }
        for pair in content.windows(2) {
            add(&mut v, format!("{}|{}", pair[0], pair[1]).as_bytes(), 0.5);
        }
        normalise(&mut v);
        v
    }
}

/// Scales `v` to unit length (a zero vector stays zero).
pub fn normalise(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for x in v {
            *x /= norm;
        }
    }
}

/// Cosine similarity of two unit vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paraphrases_are_closer_than_other_questions() {
        let e = BuiltinEmbedder;
        let a = e.embed("How to deep clone an object in JavaScript?");
        let b = e.embed("javascript deep clone object how");
        let c = e.embed("SQL query for the top 5 customers by total order amount");
        assert!(cosine(&a, &b) > 0.8, "{}", cosine(&a, &b));
        assert!(cosine(&a, &c) < 0.2, "{}", cosine(&a, &c));
        assert!((cosine(&a, &a) - 1.0).abs() < 1e-5);
    }
}
