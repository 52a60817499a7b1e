//! The code API (`POST /v1/code/{task}`) through the stages of every request: a canonical
//! chat request built from a prompt template, then plan (the request's `model`, else the
//! `[code] router`), cache, execute (the one failover loop), validate (tree-sitter) and, by
//! the task's mode, one repair with the parser's errors and an escalation to the next
//! stronger tier or alias. Only an answer that passed (or was not checked) is cached. The
//! answer it reports is assembled in `code_answer`.

pub use super::code_answer::{outcome, AttemptReport, CodeAnswer, CodeStreamSpec, UsageReport};

use super::{
    cache,
    code_answer::{outcome_of, passed, Report},
    code_context, execute, observe, plan,
    validate::{check_code, CodeExpectation},
    Answer, StreamAnswer,
};
use crate::{
    context::{CodeFacts, RequestContext},
    error::GatewayError,
    state::{AppState, ModelRoute},
};
use std::sync::Arc;
use switchyard_analytics::CacheStatus;
use switchyard_codeintel::{
    CodeRequest, CodeTask, PromptInput, RenderedPrompt, Validation, ValidationMode,
};
use switchyard_protocol::{
    ApiError, ChatRequest, ChatResponse, ErrorKind, Message, Role, WireFormat,
};
use switchyard_router::{RequestView, Task};

/// Runs a code request through the pipeline.
pub async fn run(
    state: &AppState,
    req: CodeRequest,
    parts: &http::request::Parts,
    ctx: &mut RequestContext,
) -> Result<Answer, GatewayError> {
    let mode = state.config.code.mode(req.task);
    let repository = match &req.repository {
        Some(name) => Some(code_context::for_code(state, name, &req).await?),
        None => None,
    };
    let context = code_context::merged(repository.as_ref(), req.context.as_deref());
    let input = PromptInput {
        prompt: &req.prompt,
        context: context.as_deref(),
        prefix: req.prefix.as_deref(),
        suffix: req.suffix.as_deref(),
    };
    let prompt = state
        .templates
        .render(req.task, req.language, &input)
        .map_err(|e| GatewayError::new(ErrorKind::Internal, e.to_string()))?;
    let template = format!("{}@{}", prompt.template, prompt.version);
    ctx.code = Some(Box::new(CodeFacts {
        task: router_task(req.task),
        language: req.language,
        template: template.clone(),
        validation: None,
    }));
    let model = model_of(state, &req)?;
    ctx.requested_model = Some(Arc::from(model.as_str()));
    ctx.stream = req.stream;
    let chat = chat_request(&req, &model, &prompt);
    // A fill-in-the-middle completion goes natively to providers that have an endpoint
    // for it (the template's chat prompt to the others).
    let native = req
        .is_fill_in_the_middle()
        .then(|| native_fim(&req, &model));
    let route = plan::plan_viewing(state, &model, Some(|| view_of(&req)), ctx)?;
    let expect = CodeExpectation {
        language: req.language,
        wants_code: req.task.wants_code(),
        around: req.is_fill_in_the_middle().then(|| {
            (
                req.prefix.clone().unwrap_or_default(),
                req.suffix.clone().unwrap_or_default(),
            )
        }),
    };
    let mut report = Report::new(template);
    report.context_used = repository.map(|r| r.used()).unwrap_or_default();
    let lookup_key = native.as_ref().unwrap_or(&chat);
    let (found, stored_ticket) =
        match cache::lookup(state, &route.alias, lookup_key, &parts.headers, ctx).await {
            cache::CacheLookup::Hit(hit) => (Some(hit), None),
            // Streamed code answers are not stored: their check runs as the stream ends,
            // after the point where a failed one could still be kept out of the cache.
            cache::CacheLookup::Miss(ticket) => (None, ticket.filter(|_| !req.stream)),
        };
    if let Some(hit) = found {
        let hit = hit.response.clone();
        report.cache = cache_label(ctx);
        if req.stream {
            // A stored answer passed validation: replayed, its final event checks it again.
            let spec = CodeStreamSpec {
                context_used: report.context_used.clone(),
                expect,
                validate: mode != ValidationMode::Off,
                task: req.task,
                alias: Some(route.alias.to_string()),
                provider: None,
                model: Some(hit.model.clone()),
                price: None,
                template: report.template,
                cache: report.cache,
            };
            let events = switchyard_protocol::canonical::replay::events_of(&hit);
            return Ok(Answer::Stream(
                StreamAnswer::replay(events, &chat).for_code(spec),
            ));
        }
        let checked = match mode {
            ValidationMode::Off => None,
            _ => Some(check_code(hit.joined_text(), &expect).await),
        };
        return Ok(Answer::Code(Box::new(report.finish(&req, hit, checked))));
    }
    if req.stream {
        let call = match &native {
            Some(native) => execute::Call::Fim {
                native,
                chat: &chat,
            },
            None => execute::Call::Stream(&chat),
        };
        let live = execute::run(state, route, call, parts, ctx)
            .await?
            .into_stream()?;
        let keep = observe::needs_stream_text(state, ctx);
        let spec = CodeStreamSpec {
            context_used: report.context_used.clone(),
            expect,
            validate: mode != ValidationMode::Off,
            task: req.task,
            alias: ctx.alias.as_deref().map(str::to_owned),
            provider: ctx.provider_name().map(str::to_owned),
            model: ctx.upstream_model.as_deref().map(str::to_owned),
            price: price_of(state, ctx),
            template: report.template,
            cache: "miss",
        };
        return Ok(Answer::Stream(
            StreamAnswer::live(live, chat, keep, None).for_code(spec),
        ));
    }
    let mut resp = call(
        state,
        &route,
        &chat,
        native.as_ref(),
        parts,
        ctx,
        &mut report,
    )
    .await?;
    let mut checked = match mode {
        ValidationMode::Off => None,
        _ => Some(check_code(resp.joined_text(), &expect).await),
    };
    report.attempt("initial", ctx, checked.as_ref(), None);
    let mut outcome = checked.as_ref().map(outcome_of);
    if mode >= ValidationMode::Repair && !passed(checked.as_ref()) {
        let failed = checked.as_ref().map(|c| &c.validation);
        let repair = repair_request(state, &req, &chat, &resp, failed)?;
        match call(state, &route, &repair, None, parts, ctx, &mut report).await {
            Ok(answer) => {
                let c = check_code(answer.joined_text(), &expect).await;
                report.attempt("repair", ctx, Some(&c), None);
                if c.passed() {
                    outcome = Some("repaired");
                }
                (resp, checked) = (answer, Some(c));
            }
            Err(e) => report.attempt("repair", ctx, None, Some(e.error.message)),
        }
    }
    if mode == ValidationMode::Escalate && !passed(checked.as_ref()) {
        if let Some(stronger) = stronger_route(state, &route, ctx) {
            let tier = tier_of(state, ctx, &stronger.alias);
            match call(
                state,
                &stronger,
                &chat,
                native.as_ref(),
                parts,
                ctx,
                &mut report,
            )
            .await
            {
                Ok(answer) => {
                    let c = check_code(answer.joined_text(), &expect).await;
                    report.attempt_on_tier("escalation", ctx, Some(&c), None, tier);
                    if c.passed() {
                        outcome = Some("escalated");
                    }
                    (resp, checked) = (answer, Some(c));
                }
                Err(e) => {
                    report.attempt_on_tier("escalation", ctx, None, Some(e.error.message), tier)
                }
            }
        }
    }
    if let Some(facts) = ctx.code.as_deref_mut() {
        facts.validation = outcome;
    }
    // A rejected answer is never stored.
    if let (true, Some(ticket)) = (passed(checked.as_ref()), stored_ticket) {
        cache::store(state, ticket, &resp);
    }
    observe::answered(state, ctx, &chat, &resp);
    ctx.usage = Some(report.usage);
    Ok(Answer::Code(Box::new(report.finish(&req, resp, checked))))
}

/// What a request without `model` goes to: the `[code] router`, when it exists.
fn model_of(state: &AppState, req: &CodeRequest) -> Result<String, GatewayError> {
    if let Some(model) = &req.model {
        return Ok(model.clone());
    }
    let router = &state.config.code.router;
    if state.routers.contains_key(router) {
        return Ok(router.clone());
    }
    let mut known: Vec<&str> = state.routes.keys().map(String::as_str).collect();
    known.sort_unstable();
    Err(ApiError::new(
        ErrorKind::InvalidRequest,
        format!(
            "`model` is required: no router `{router}` is configured to choose one; available models: {}",
            known.join(", ")
        ),
    )
    .with_param("model")
    .into())
}

/// The canonical request of a code request: the template's system and user messages.
fn chat_request(req: &CodeRequest, model: &str, prompt: &RenderedPrompt) -> ChatRequest {
    let mut chat = ChatRequest::new(WireFormat::OpenAiChat, model);
    chat.messages = vec![
        Message::text(Role::System, prompt.system.clone()),
        Message::text(Role::User, prompt.user.clone()),
    ];
    chat.max_tokens = req.max_tokens;
    chat.temperature = req.temperature;
    chat.stream = req.stream;
    chat.stream_include_usage = req.stream;
    chat
}

/// The legacy-completions request of a fill-in-the-middle completion: the prefix as the
/// prompt, and the suffix.
fn native_fim(req: &CodeRequest, model: &str) -> ChatRequest {
    let mut native = ChatRequest::new(WireFormat::OpenAiCompletions, model);
    native.messages = vec![Message::text(
        Role::User,
        req.prefix.clone().unwrap_or_default(),
    )];
    native.suffix = Some(req.suffix.clone().unwrap_or_default());
    native.max_tokens = req.max_tokens;
    native.temperature = req.temperature;
    native.stream = req.stream;
    native.stream_include_usage = req.stream;
    native
}

/// The router's view: the client's own words and code (not the template's), with the task
/// and language it stated.
fn view_of(req: &CodeRequest) -> RequestView {
    let mut ask = req.prompt.clone();
    for code in [&req.context, &req.prefix, &req.suffix]
        .into_iter()
        .flatten()
    {
        ask.push('\n');
        ask.push_str(code);
    }
    RequestView {
        task: Some(router_task(req.task)),
        language: Some(req.language.name().to_owned()),
        ..RequestView::of_prompt(&ask)
    }
}

/// The router's (and analytics') name of a task.
pub fn router_task(task: CodeTask) -> Task {
    match task {
        CodeTask::Generate => Task::Generation,
        CodeTask::Complete => Task::Completion,
        CodeTask::Review => Task::Review,
        CodeTask::Document => Task::Docs,
        CodeTask::Explain => Task::Explain,
        CodeTask::Test => Task::Tests,
        CodeTask::Refactor => Task::Refactor,
    }
}

/// The conversation so far plus the repair prompt with the parser's errors.
fn repair_request(
    state: &AppState,
    req: &CodeRequest,
    chat: &ChatRequest,
    resp: &ChatResponse,
    failed: Option<&Validation>,
) -> Result<ChatRequest, GatewayError> {
    let text = resp.joined_text();
    let checked_code = switchyard_codeintel::extract_code(&text, req.language)
        .map_or_else(|| text.clone(), |c| c.code);
    let errors = failed.map_or(&[][..], |v| v.errors.as_slice());
    let prompt = state
        .templates
        .render_repair(req.task, req.language, &checked_code, errors)
        .map_err(|e| GatewayError::new(ErrorKind::Internal, e.to_string()))?;
    let mut repair = chat.clone();
    repair.messages.push(Message::text(Role::Assistant, text));
    repair.messages.push(Message::text(Role::User, prompt.user));
    Ok(repair)
}

/// The route to escalate to: the next stronger tier of the router that planned the
/// request, else the alias after the current one in `[code] escalate_to`.
fn stronger_route(
    state: &AppState,
    route: &ModelRoute,
    ctx: &RequestContext,
) -> Option<Arc<ModelRoute>> {
    if let Some(decision) = ctx.route.as_deref() {
        let router = state.routers.get(&*decision.router)?;
        let next = router.tiers.get(decision.tier + 1)?;
        return state.routes.get(&*next.alias).cloned();
    }
    let list = &state.config.code.escalate_to;
    let next = match list.iter().position(|a| **a == *route.alias) {
        Some(i) => list.get(i + 1)?,
        None => list.first()?,
    };
    state.routes.get(next).cloned()
}

/// The router tier whose alias is `alias`, when a router planned the request.
fn tier_of(state: &AppState, ctx: &RequestContext, alias: &str) -> Option<String> {
    let decision = ctx.route.as_deref()?;
    let router = state.routers.get(&*decision.router)?;
    let tier = router.tiers.iter().find(|t| &*t.alias == alias)?;
    Some(tier.name.to_string())
}

/// One upstream call of the code pipeline, its tokens and cost booked in `report`.
async fn call(
    state: &AppState,
    route: &Arc<ModelRoute>,
    chat: &ChatRequest,
    native: Option<&ChatRequest>,
    parts: &http::request::Parts,
    ctx: &mut RequestContext,
    report: &mut Report,
) -> Result<ChatResponse, GatewayError> {
    let call = match native {
        Some(native) => execute::Call::Fim { native, chat },
        None => execute::Call::Complete(chat),
    };
    let resp = execute::run(state, route.clone(), call, parts, ctx)
        .await?
        .into_complete()?;
    if !resp.model.is_empty() {
        ctx.upstream_model = Some(Arc::from(resp.model.as_str()));
    }
    report.book(resp.usage, price_of(state, ctx));
    Ok(resp)
}

/// USD per million (input, output) tokens of the deployment that answered last.
fn price_of(state: &AppState, ctx: &RequestContext) -> Option<(f64, f64)> {
    let model = ctx.upstream_model.as_deref()?;
    let price = state.prices.lookup(ctx.provider_name(), model)?;
    Some((price.input, price.output))
}

/// The answer's `cache` field: what the cache stage did for this request.
fn cache_label(ctx: &RequestContext) -> &'static str {
    match ctx.cache_status {
        Some(CacheStatus::Hit) => "exact",
        Some(CacheStatus::SemanticHit) => "semantic",
        _ => "miss",
    }
}
