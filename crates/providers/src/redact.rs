//! Masks credentials in text that came from an upstream (error messages, in-stream error
//! events, transport details) before it reaches a client, a log line, an analytics event or
//! a trace.
//!
//! Upstreams echo what they received more often than one would hope (a proxy's "bad
//! request, you sent key Bearer sk-…", a debugging server, OpenAI's "Incorrect API key
//! provided: sk-proj-****abcd"), so every piece of upstream text leaving this crate passes
//! through [`Redactor::redact`]: the provider's own configured credentials are replaced
//! wherever they occur, whole or in part, and anything shaped like a key is masked too
//! (another provider's key, a key the upstream made up for its example).

use crate::ProviderSettings;
use std::borrow::Cow;

/// What a masked credential is replaced with.
pub const MASK: &str = "[redacted]";

/// The shortest piece of a configured credential that is masked when it occurs on its own
/// (shorter pieces are common substrings of ordinary words).
const MIN_FRAGMENT: usize = 8;

/// Credentials shorter than this are not looked for: masking every `abc` in a message
/// would make it unreadable, and such a "secret" protects nothing.
const MIN_SECRET: usize = 6;

/// Shortest token after `Bearer ` that is masked whatever it looks like.
const MIN_BEARER: usize = 12;

/// Shortest run after an `sk-` / `AIza` prefix that counts as a key.
const MIN_KEY_BODY: usize = 16;

/// The credentials of one provider, and the rules for key-shaped text.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<Vec<u8>>,
}

impl Redactor {
    /// A redactor for `settings`: its `api_key`, and the values of its configured headers
    /// whose names say they carry a credential (`authorization`, `*key*`, `*token*`,
    /// `*secret*`).
    pub fn for_settings(settings: &ProviderSettings) -> Self {
        let mut secrets: Vec<Vec<u8>> = Vec::new();
        if let Some(key) = &settings.api_key {
            secrets.push(key.trim().as_bytes().to_vec());
        }
        for (name, value) in &settings.headers {
            let name = name.to_ascii_lowercase();
            if ["authorization", "key", "token", "secret"]
                .iter()
                .any(|n| name.contains(n))
            {
                let value = value.trim();
                // `Bearer xyz` is masked as `xyz`: the scheme is no secret.
                let value = value
                    .split_once(' ')
                    .map_or(value, |(_, token)| token.trim());
                secrets.push(value.as_bytes().to_vec());
            }
        }
        secrets.retain(|s| s.len() >= MIN_SECRET);
        // Longest first, so that one secret containing another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Self { secrets }
    }

    /// `text` with every credential masked; borrowed when there was nothing to mask.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let bytes = text.as_bytes();
        let mut out: Option<String> = None;
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            if !text.is_char_boundary(i) {
                i += 1;
                continue;
            }
            let secret = self.secret_at(bytes, i);
            let (keep, shaped) = key_shaped_at(bytes, i);
            let (keep, len) = if secret >= keep + shaped {
                (0, secret)
            } else {
                (keep, shaped)
            };
            if len == 0 {
                i += 1;
                continue;
            }
            let s = out.get_or_insert_with(|| String::with_capacity(text.len()));
            s.push_str(text.get(copied..i + keep).unwrap_or_default());
            s.push_str(MASK);
            i += keep + len;
            // A fragment of a non-ASCII secret may end inside a character: mask the rest of
            // that character too rather than slice through it.
            while i < bytes.len() && !text.is_char_boundary(i) {
                i += 1;
            }
            copied = i;
        }
        match out {
            None => Cow::Borrowed(text),
            Some(mut s) => {
                s.push_str(text.get(copied..).unwrap_or_default());
                Cow::Owned(s)
            }
        }
    }

    /// Redacts `text` in place.
    pub fn redact_in_place(&self, text: &mut String) {
        if let Cow::Owned(s) = self.redact(text) {
            *text = s;
        }
    }

    /// Length of the longest piece of a configured secret starting at `i`: the whole
    /// secret, or a fragment of at least [`MIN_FRAGMENT`] bytes of it (an upstream that
    /// shows the key's beginning or end).
    fn secret_at(&self, text: &[u8], i: usize) -> usize {
        let rest = text.get(i..).unwrap_or_default();
        let mut best = 0;
        for secret in &self.secrets {
            if rest.starts_with(secret) {
                best = best.max(secret.len());
                continue;
            }
            let min = MIN_FRAGMENT.min(secret.len());
            for start in 0..secret.len() {
                let tail = secret.get(start..).unwrap_or_default();
                let common = tail.iter().zip(rest).take_while(|(a, b)| a == b).count();
                if common >= min {
                    best = best.max(common);
                }
            }
        }
        best
    }
}

fn is_key_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

fn is_token_char(b: u8) -> bool {
    is_key_char(b) || matches!(b, b'.' | b'~' | b'+' | b'/' | b'=')
}

/// A key-shaped run at `i`: `sk-…` (OpenAI, Anthropic's `sk-ant-…`), `AIza…` (Google), or
/// the token after `Bearer `. Returns how many bytes to keep (the `Bearer ` scheme stays
/// readable) and how many to mask after them; `(0, 0)` if none starts there. A match must
/// start at a word boundary, so `task-…` is not taken for a key.
fn key_shaped_at(text: &[u8], i: usize) -> (usize, usize) {
    if i > 0 && text.get(i - 1).copied().is_some_and(is_key_char) {
        return (0, 0);
    }
    let rest = text.get(i..).unwrap_or_default();
    let run = |from: usize, allowed: fn(u8) -> bool| {
        rest.get(from..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| allowed(b))
            .count()
    };
    for prefix in [&b"sk-"[..], b"AIza"] {
        if rest.starts_with(prefix) {
            let body = run(prefix.len(), is_key_char);
            if body >= MIN_KEY_BODY {
                return (0, prefix.len() + body);
            }
        }
    }
    if rest.len() > 7
        && rest
            .get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"bearer "))
    {
        let spaces = run(7, |b| b == b' ');
        let token = run(7 + spaces, is_token_char);
        if token >= MIN_BEARER {
            return (7 + spaces, token);
        }
    }
    (0, 0)
}

#[cfg(test)]
#[path = "redact_tests.rs"]
mod tests;
