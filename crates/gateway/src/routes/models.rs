//! `GET /v1/models`: the aliases of the config, in OpenAI's list shape, or Anthropic's when
//! the request carries `anthropic-version`.

use super::format_of;
use crate::state::AppState;
use axum::{
    extract::State,
    response::{IntoResponse, Response},
    Json,
};
use http::{HeaderMap, Uri};
use serde_json::json;
use std::sync::Arc;
use switchyard_protocol::WireFormat;

/// Lists model aliases and routers.
pub async fn list(State(state): State<Arc<AppState>>, headers: HeaderMap, uri: Uri) -> Response {
    let mut aliases: Vec<&str> = state
        .routes
        .keys()
        .chain(state.routers.keys())
        .map(String::as_str)
        .collect();
    aliases.sort_unstable();
    match format_of(&headers, &uri) {
        WireFormat::Anthropic => {
            let data: Vec<_> = aliases
                .iter()
                .map(|id| {
                    json!({"type": "model", "id": id, "display_name": id,
                           "created_at": "1970-01-01T00:00:00Z"})
                })
                .collect();
            Json(json!({
                "data": data,
                "has_more": false,
                "first_id": aliases.first(),
                "last_id": aliases.last(),
            }))
            .into_response()
        }
        _ => {
            let data: Vec<_> = aliases
                .iter()
                .map(|id| json!({"id": id, "object": "model", "created": 0, "owned_by": "switchyard"}))
                .collect();
            Json(json!({"object": "list", "data": data})).into_response()
        }
    }
}
