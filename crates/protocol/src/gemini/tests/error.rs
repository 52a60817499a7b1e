use super::fixture;
use crate::gemini::{decode_error, encode_error};
use crate::{ApiError, ErrorKind};
use serde_json::Value;

#[test]
fn decodes_rate_limit_fixture() {
    let (kind, message) = decode_error(fixture("error_rate_limit.json").as_bytes()).unwrap();
    assert_eq!(kind, "RESOURCE_EXHAUSTED");
    assert!(
        message.starts_with("You exceeded your current quota"),
        "{message}"
    );
}

#[test]
fn decodes_array_wrapped_envelope() {
    let (kind, message) = decode_error(fixture("error_array_wrapped.json").as_bytes()).unwrap();
    assert_eq!(kind, "RESOURCE_EXHAUSTED");
    assert!(message.starts_with("Resource exhausted. Please try again later."));
}

#[test]
fn code_stands_in_for_missing_status() {
    let got = decode_error(br#"{"error":{"code":503,"message":"overloaded"}}"#);
    assert_eq!(got, Some(("503".to_owned(), "overloaded".to_owned())));
}

#[test]
fn other_shapes_are_not_gemini_errors() {
    assert_eq!(decode_error(b"not json"), None);
    assert_eq!(decode_error(br#"{"candidates":[]}"#), None);
    assert_eq!(decode_error(br#"{"error":"boom"}"#), None);
    // OpenAI's envelope: string code, `type` instead of `status`.
    let openai = br#"{"error":{"message":"bad key","type":"invalid_request_error","code":"invalid_api_key"}}"#;
    assert_eq!(decode_error(openai), None);
    let openai_null_code =
        br#"{"error":{"message":"bad","type":"invalid_request_error","code":null}}"#;
    assert_eq!(decode_error(openai_null_code), None);
}

#[test]
fn encodes_google_status_envelope() {
    let err = ApiError::new(ErrorKind::RateLimited, "slow down").with_code("rate_limited");
    let body: Value = serde_json::from_slice(&encode_error(&err)).unwrap();
    assert_eq!(body["error"]["code"], 429);
    assert_eq!(body["error"]["status"], "RESOURCE_EXHAUSTED");
    assert_eq!(body["error"]["message"], "slow down");
    assert_eq!(
        body["error"]["details"][0]["@type"],
        "type.googleapis.com/google.rpc.ErrorInfo"
    );
    assert_eq!(body["error"]["details"][0]["reason"], "rate_limited");
    assert_eq!(body["error"]["details"].as_array().unwrap().len(), 1);
}

#[test]
fn encodes_param_as_field_violation() {
    let err = ApiError::new(ErrorKind::InvalidRequest, "must be an object")
        .with_param("messages[1].content[0].arguments");
    let body: Value = serde_json::from_slice(&encode_error(&err)).unwrap();
    assert_eq!(body["error"]["code"], 400);
    assert_eq!(body["error"]["status"], "INVALID_ARGUMENT");
    let violation = &body["error"]["details"][0]["fieldViolations"][0];
    assert_eq!(violation["field"], "messages[1].content[0].arguments");
    assert_eq!(violation["description"], "must be an object");
}

#[test]
fn every_kind_round_trips_through_decode_error() {
    let kinds = [
        (ErrorKind::InvalidRequest, "INVALID_ARGUMENT"),
        (ErrorKind::Authentication, "UNAUTHENTICATED"),
        (ErrorKind::PermissionDenied, "PERMISSION_DENIED"),
        (ErrorKind::NotFound, "NOT_FOUND"),
        (ErrorKind::RequestTooLarge, "INVALID_ARGUMENT"),
        (ErrorKind::RateLimited, "RESOURCE_EXHAUSTED"),
        (ErrorKind::Internal, "INTERNAL"),
        (ErrorKind::UpstreamError, "INTERNAL"),
        (ErrorKind::Unavailable, "UNAVAILABLE"),
        (ErrorKind::UpstreamTimeout, "DEADLINE_EXCEEDED"),
    ];
    for (kind, status) in kinds {
        let body = encode_error(&ApiError::new(kind, "msg"));
        let parsed: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(parsed["error"]["code"], kind.status(), "{kind:?}");
        assert!(parsed["error"].get("details").is_none());
        assert_eq!(
            decode_error(&body),
            Some((status.to_owned(), "msg".to_owned()))
        );
    }
}
