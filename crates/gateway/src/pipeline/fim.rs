//! Legacy completions and fill in the middle (`POST /v1/completions`,
//! `POST /v1/fim/completions`): the request as decoded goes to providers with a native
//! endpoint (OpenAI-compatible `/completions` with `suffix`), and as a chat prompt asking
//! for the middle to every other provider; the failover loop picks per deployment.

use super::{cache, execute, observe, plan, Answer, StreamAnswer};
use crate::{context::RequestContext, error::GatewayError, state::AppState};
use std::sync::Arc;
use switchyard_codeintel::code_blocks;
use switchyard_protocol::{
    ChatRequest, ChatResponse, ContentPart, ErrorKind, Message, Role, WireFormat,
};

/// Plans, looks up, executes and stores a completion request.
pub async fn run(
    state: &AppState,
    native: ChatRequest,
    parts: &http::request::Parts,
    ctx: &mut RequestContext,
) -> Result<Answer, GatewayError> {
    ctx.requested_model = Some(Arc::from(native.model.as_str()));
    ctx.stream = native.stream;
    let route = plan::plan(state, &native.model, Some(&native), ctx)?;
    let ticket = match cache::lookup(state, &route.alias, &native, &parts.headers, ctx).await {
        cache::CacheLookup::Hit(hit) => {
            return Ok(if native.stream {
                Answer::Stream(StreamAnswer::replay(
                    switchyard_protocol::canonical::replay::events_of(&hit.response),
                    &native,
                ))
            } else {
                Answer::Complete(hit.response.clone())
            });
        }
        cache::CacheLookup::Miss(ticket) => ticket,
    };
    let chat = chat_prompt(state, &native)?;
    let call = execute::Call::Fim {
        native: &native,
        chat: &chat,
    };
    if native.stream {
        let live = execute::run(state, route, call, parts, ctx)
            .await?
            .into_stream()?;
        let keep = observe::needs_stream_text(state, ctx);
        let recorder = ticket.map(|t| cache::StreamRecorder::new(t, &native, ctx));
        return Ok(Answer::Stream(StreamAnswer::live(
            live, native, keep, recorder,
        )));
    }
    let mut resp = execute::run(state, route, call, parts, ctx)
        .await?
        .into_complete()?;
    unfence(&mut resp);
    if let Some(ticket) = ticket {
        cache::store(state, ticket, &resp);
    }
    observe::answered(state, ctx, &native, &resp);
    Ok(Answer::Complete(resp))
}

/// The chat request that asks for the middle between the prompt and the suffix.
pub fn chat_prompt(state: &AppState, native: &ChatRequest) -> Result<ChatRequest, GatewayError> {
    let prefix: String = native
        .messages
        .iter()
        .filter(|m| m.role == Role::User)
        .map(Message::joined_text)
        .collect();
    let prompt = state
        .templates
        .render_fill_in_the_middle(&prefix, native.suffix.as_deref().unwrap_or_default())
        .map_err(|e| GatewayError::new(ErrorKind::Internal, e.to_string()))?;
    let mut chat = ChatRequest::new(WireFormat::OpenAiChat, native.model.clone());
    chat.messages = vec![
        Message::text(Role::System, prompt.system),
        Message::text(Role::User, prompt.user),
    ];
    chat.max_tokens = native.max_tokens;
    chat.temperature = native.temperature;
    chat.top_p = native.top_p;
    chat.stop.clone_from(&native.stop);
    chat.seed = native.seed;
    chat.stream = native.stream;
    chat.stream_include_usage = native.stream_include_usage;
    Ok(chat)
}

/// A chat model may wrap the middle in a code fence despite the prompt: an editor inserts
/// the text as it is, so an answer that is one fenced block becomes its content.
fn unfence(resp: &mut ChatResponse) {
    let text = resp.joined_text();
    if !text.trim_start().starts_with("```") && !text.trim_start().starts_with("~~~") {
        return;
    }
    let mut blocks = code_blocks(&text);
    if blocks.len() == 1 {
        if let Some(block) = blocks.pop() {
            let code = block
                .code
                .strip_suffix('\n')
                .unwrap_or(&block.code)
                .to_owned();
            resp.content = vec![ContentPart::text(code)];
        }
    }
}
