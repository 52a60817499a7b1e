//! Cache stage: the seams where answers are looked up before execution and stored after
//! it. Pass-through until the cache is built (issue "Semantic cache"): every lookup is a
//! miss and nothing is stored.
//!
//! The contract the cache fills: a lookup sees the planned request (its alias resolved)
//! and the context (client key, for scoping); a hit is a complete canonical answer, which
//! the pipeline replays as a stream when the client asked for one. Only complete,
//! successful answers that passed validation reach [`store`].

use crate::{context::RequestContext, state::AppState};
use switchyard_protocol::{ChatRequest, ChatResponse};

/// A stored answer for `req`, if there is one.
pub fn lookup(
    state: &AppState,
    req: &ChatRequest,
    ctx: &mut RequestContext,
) -> Option<ChatResponse> {
    let _ = (state, req, ctx);
    None
}

/// Offers a complete, validated answer to `req` for storing.
pub fn store(state: &AppState, req: &ChatRequest, resp: &ChatResponse, ctx: &RequestContext) {
    let _ = (state, req, resp, ctx);
}
