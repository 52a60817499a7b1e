use super::*;
use crate::{ProviderKind, ProviderSettings};

fn redactor(key: &str) -> Redactor {
    let mut s = ProviderSettings::new("p", ProviderKind::OpenAi, "http://127.0.0.1:1");
    s.api_key = Some(key.to_owned());
    s.headers.push((
        "X-Custom-Token".to_owned(),
        "Bearer hdr-0123456789".to_owned(),
    ));
    s.headers
        .push(("x-team".to_owned(), "ide-team-one".to_owned()));
    Redactor::for_settings(&s)
}

#[test]
fn masks_the_configured_key_whole_and_after_bearer() {
    let r = redactor("9f8e7d6c5b4a39281706");
    let out =
        r.redact("bad request, you sent key Bearer 9f8e7d6c5b4a39281706 and 9f8e7d6c5b4a39281706.");
    assert!(!out.contains("9f8e7d"), "{out}");
    assert_eq!(
        out,
        "bad request, you sent key Bearer [redacted] and [redacted]."
    );
}

#[test]
fn masks_fragments_of_the_configured_key() {
    let r = redactor("9f8e7d6c5b4a39281706");
    // OpenAI's style: the key's start and end around stars.
    let out = r.redact("Incorrect API key provided: 9f8e7d6c****39281706.");
    assert_eq!(out, "Incorrect API key provided: [redacted]****[redacted].");
    // Shorter pieces are left alone (too common to be a key's).
    assert_eq!(r.redact("9f8e7d6"), "9f8e7d6");
}

#[test]
fn masks_credential_headers_but_not_other_headers() {
    let r = redactor("9f8e7d6c5b4a39281706");
    assert_eq!(r.redact("got hdr-0123456789"), "got [redacted]");
    assert_eq!(r.redact("team ide-team-one"), "team ide-team-one");
}

#[test]
fn masks_key_shaped_text_of_any_origin() {
    let r = Redactor::default();
    for (text, want) in [
        ("key sk-proj-abcdefghijklmnop1234 bad", "key [redacted] bad"),
        ("sk-ant-api03-abcdefghijklmnopqrstuv", "[redacted]"),
        (
            "key=AIzaSyA-abcdefghijklmnopqrstuvwxyz012",
            "key=[redacted]",
        ),
        (
            "Authorization: bearer abc.def-ghi_jkl",
            "Authorization: bearer [redacted]",
        ),
        // Not keys: too short, or inside a word.
        ("sk-short", "sk-short"),
        (
            "task-abcdefghijklmnopqrstuvwxyz",
            "task-abcdefghijklmnopqrstuvwxyz",
        ),
        ("Bearer token", "Bearer token"),
        (
            "plain message, nothing secret: é ü",
            "plain message, nothing secret: é ü",
        ),
    ] {
        assert_eq!(r.redact(text), want, "{text}");
    }
    assert!(matches!(r.redact("nothing"), Cow::Borrowed(_)));
}

#[test]
fn short_keys_are_not_looked_for() {
    let r = redactor("abc");
    assert_eq!(r.redact("abc abc"), "abc abc");
}

#[test]
fn redacts_every_upstream_text_of_an_error() {
    let r = redactor("9f8e7d6c5b4a39281706");
    let e = crate::ProviderError::Status {
        provider: "p".into(),
        status: 400,
        error_type: Some("9f8e7d6c5b4a39281706".into()),
        message: "you sent 9f8e7d6c5b4a39281706".into(),
        retry_after: None,
    }
    .redacted(&r);
    let shown = format!("{e} {:?} {}", e, e.to_api_error().message);
    assert!(!shown.contains("9f8e7d6c"), "{shown}");
    let e = crate::ProviderError::Decode {
        provider: "p".into(),
        source: switchyard_protocol::CodecError::new("bad 9f8e7d6c5b4a39281706"),
    }
    .redacted(&r);
    assert!(!e.to_string().contains("9f8e7d6c"), "{e}");
}

#[test]
fn non_ascii_secrets_are_masked_without_splitting_characters() {
    let r = redactor("clé-secrète-éèà-0123");
    let out = r.redact("vous avez envoyé clé-secrète-éèà-0123 et secrète-éè.");
    assert!(!out.contains("secrète"), "{out}");
    assert!(out.starts_with("vous avez envoyé [redacted]"), "{out}");
}
