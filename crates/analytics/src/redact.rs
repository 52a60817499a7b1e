//! Secret redaction for the prompt and completion text a deployment chose to record.
//!
//! Best effort, tuned to code traffic: provider and platform keys by their well-known
//! prefixes, JWTs, `Bearer` tokens, PEM private keys, and the value of anything assigned to
//! a name like `password`, `secret`, `api_key` or `*_token`.

/// What a redacted secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Prefixes of well-known credentials; the token must be at least 16 characters longer.
const KEY_PREFIXES: &[&str] = &[
    "sk-",
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "pk_live_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xapp-",
    "hf_",
    "AKIA",
    "ASIA",
    "AIza",
    "ya29.",
    "npm_",
    "pypi-",
];

/// Name endings whose assigned value is a secret.
const SECRET_NAMES: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "api_key",
    "apikey",
    "api-key",
    "token",
    "access_key",
    "secret_key",
    "private_key",
    "credentials",
];

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '+')
}

fn is_known_key(word: &str) -> bool {
    KEY_PREFIXES
        .iter()
        .any(|p| word.starts_with(p) && word.len() >= p.len() + 16)
        || (word.starts_with("eyJ") && word.matches('.').count() == 2 && word.len() >= 30)
}

fn names_secret(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    SECRET_NAMES.iter().any(|n| lower.ends_with(n))
}

/// `text` with secrets replaced by [`REDACTED`].
pub fn redact_secrets(text: &str) -> String {
    let text = redact_pem(text);
    let mut out = String::with_capacity(text.len());
    let mut prev_word: Option<&str> = None;
    let mut separator = String::new();
    let mut rest = text.as_str();
    while !rest.is_empty() {
        let word_len = rest
            .char_indices()
            .find(|(_, c)| !is_word_char(*c))
            .map_or(rest.len(), |(i, _)| i);
        if word_len == 0 {
            let sep_len = rest
                .char_indices()
                .find(|(_, c)| is_word_char(*c))
                .map_or(rest.len(), |(i, _)| i);
            let (sep, tail) = rest.split_at(sep_len);
            out.push_str(sep);
            separator.push_str(sep);
            if sep.contains('\n') {
                prev_word = None;
            }
            rest = tail;
            continue;
        }
        let (word, tail) = rest.split_at(word_len);
        let assigned = prev_word.is_some_and(names_secret)
            && separator.contains(['=', ':'])
            && word.len() >= 6;
        let bearer = prev_word.is_some_and(|p| p.eq_ignore_ascii_case("bearer"))
            && separator.trim().is_empty()
            && word.len() >= 8;
        if assigned || bearer || is_known_key(word) {
            out.push_str(REDACTED);
        } else {
            out.push_str(word);
        }
        prev_word = Some(word);
        separator.clear();
        rest = tail;
    }
    out
}

fn redact_pem(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let header_end = rest[start..].find('\n').map_or(rest.len(), |i| start + i);
        if !rest[start..header_end].contains("PRIVATE KEY") {
            out.push_str(&rest[..header_end]);
            rest = &rest[header_end..];
            continue;
        }
        out.push_str(&rest[..start]);
        out.push_str(REDACTED);
        let after = &rest[start..];
        rest = match after.find("-----END ") {
            Some(end) => {
                let tail = &after[end + "-----END ".len()..];
                match tail.find("-----") {
                    Some(close) => &tail[close + 5..],
                    None => "",
                }
            }
            None => "",
        };
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_keys_and_tokens() {
        let t = "use sk-proj-abcdefghijklmnopqrstuv and AKIAABCDEFGHIJKLMNOP or ghp_0123456789abcdefghijklmnopqrstuvwxyz";
        let r = redact_secrets(t);
        assert_eq!(r, "use [REDACTED] and [REDACTED] or [REDACTED]");
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        assert_eq!(redact_secrets(jwt), REDACTED);
        assert_eq!(
            redact_secrets("Authorization: Bearer abcdef123456789"),
            "Authorization: Bearer [REDACTED]"
        );
    }

    #[test]
    fn assignments() {
        assert_eq!(
            redact_secrets("DB_PASSWORD=hunter2hunter\napi_key: \"abc123xyz\"\nmax_tokens = 256"),
            "DB_PASSWORD=[REDACTED]\napi_key: \"[REDACTED]\"\nmax_tokens = 256"
        );
        assert_eq!(
            redact_secrets(r#"{"client_secret": "s3cr3tvalue", "name": "alice-bob"}"#),
            r#"{"client_secret": "[REDACTED]", "name": "alice-bob"}"#
        );
        // Short values and plain prose are left alone.
        assert_eq!(redact_secrets("token: abc"), "token: abc");
        assert_eq!(
            redact_secrets("fn reverse(s: &str) -> String { s.chars().rev().collect() }"),
            "fn reverse(s: &str) -> String { s.chars().rev().collect() }"
        );
    }

    #[test]
    fn pem_private_keys() {
        let t = "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY-----\ndone";
        assert_eq!(redact_secrets(t), "key:\n[REDACTED]\ndone");
        let cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
        assert_eq!(redact_secrets(cert), cert);
        assert_eq!(
            redact_secrets("-----BEGIN PRIVATE KEY-----\nunterminated"),
            REDACTED
        );
    }

    #[test]
    fn unicode_is_preserved() {
        assert_eq!(redact_secrets("héllo — 世界"), "héllo — 世界");
    }
}
