use super::*;

#[test]
fn traceparent_is_parsed_strictly() {
    let p = parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").unwrap();
    assert_eq!(
        p.trace_id,
        0x0af7651916cd43dd8448eb211c80319c_u128.to_be_bytes()
    );
    assert_eq!(p.span_id, 0xb7ad6b7169203331);
    assert!(p.sampled);
    let unsampled =
        parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00").unwrap();
    assert!(!unsampled.sampled);
    for bad in [
        "",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",
        "00-00000000000000000000000000000000-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
        "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
        "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "00-+af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
    ] {
        assert_eq!(parse_traceparent(bad), None, "{bad}");
    }
    // A later version may append fields.
    assert!(
        parse_traceparent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x").is_some()
    );
}

#[test]
fn operations_and_provider_names_follow_the_conventions() {
    assert_eq!(operation("/v1/chat/completions"), Some("chat"));
    assert_eq!(operation("/v1/messages"), Some("chat"));
    assert_eq!(operation("/v1/embeddings"), Some("embeddings"));
    assert_eq!(operation("/v1/messages/count_tokens"), None);
    assert_eq!(provider_name(ProviderKind::Azure), "azure.ai.openai");
    assert_eq!(provider_name(ProviderKind::Gemini), "gcp.gemini");
}
