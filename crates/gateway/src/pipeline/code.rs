//! The code API (`POST /v1/code/{task}`) through the stages of every request: a canonical
//! chat request built from a prompt template, then plan (the request's `model`, else the
//! `[code] router`), cache, execute (the one failover loop), validate (tree-sitter) and, by
//! the task's mode, one repair with the parser's errors and an escalation to the next
//! stronger tier or alias. Only an answer that passed (or was not checked) is cached.

use super::{
    cache, execute, observe, plan,
    validate::{check_code, CodeExpectation},
    Answer, StreamAnswer,
};
use crate::{
    context::{CodeFacts, RequestContext},
    error::GatewayError,
    state::{AppState, ModelRoute},
};
use serde::Serialize;
use std::sync::Arc;
use switchyard_codeintel::{
    CheckedAnswer, CodeRequest, CodeTask, PromptInput, RenderedPrompt, Validation, ValidationMode,
};
use switchyard_protocol::{
    ApiError, ChatRequest, ChatResponse, ErrorKind, Message, Role, Usage, WireFormat,
};
use switchyard_router::{RequestView, Task};

/// The JSON answer of the code API.
#[derive(Debug, Serialize)]
pub struct CodeAnswer {
    /// The code extracted from the answer (`null` when it has none).
    pub code: Option<String>,
    /// The whole answer.
    pub text: String,
    /// The language asked for.
    pub language: &'static str,
    /// The task.
    pub task: &'static str,
    /// The upstream model that wrote the answer.
    pub model: Option<String>,
    /// The alias that served it.
    pub alias: Option<String>,
    /// The provider that served it.
    pub provider: Option<String>,
    /// `hit` or `miss`.
    pub cache: &'static str,
    /// The parse of the code; `null` when validation is off for the task.
    pub validation: Option<Validation>,
    /// Every upstream answer the request took, in order.
    pub attempts: Vec<AttemptReport>,
    /// Tokens of all attempts.
    pub usage: UsageReport,
    /// What all attempts cost, when every model's price is known.
    pub cost_usd: Option<f64>,
    /// The prompt template, `name@version`.
    pub template: String,
}

/// One upstream answer and what validation said of it.
#[derive(Debug, Clone, Serialize)]
pub struct AttemptReport {
    /// `initial`, `repair` or `escalation`.
    pub kind: &'static str,
    /// The alias asked.
    pub alias: Option<String>,
    /// The router tier, when a router chose the alias.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// The provider that answered.
    pub provider: Option<String>,
    /// The upstream model that answered.
    pub model: Option<String>,
    /// Whether its code parsed (`null`: not checked, or the call failed).
    pub parsed: Option<bool>,
    /// How many syntax errors the parser found.
    pub errors: usize,
    /// Why the call failed, when it did (the answer before it stands).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Token counts of the code API's answer.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct UsageReport {
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Generated tokens.
    pub output_tokens: u64,
}

/// What a streamed code answer needs to write its final event.
#[derive(Debug)]
pub struct CodeStreamSpec {
    /// How to check the code.
    pub expect: CodeExpectation,
    /// Whether to check it at all.
    pub validate: bool,
    /// The task.
    pub task: CodeTask,
    /// The alias that serves it.
    pub alias: Option<String>,
    /// The provider that serves it.
    pub provider: Option<String>,
    /// The upstream model that serves it.
    pub model: Option<String>,
    /// USD per million (input, output) tokens, when known.
    pub price: Option<(f64, f64)>,
    /// The prompt template, `name@version`.
    pub template: String,
    /// `hit` when the stream replays a stored answer, else `miss`.
    pub cache: &'static str,
}

/// Runs a code request through the pipeline.
pub async fn run(
    state: &AppState,
    req: CodeRequest,
    parts: &http::request::Parts,
    ctx: &mut RequestContext,
) -> Result<Answer, GatewayError> {
    let mode = state.config.code.mode(req.task);
    let input = PromptInput {
        prompt: &req.prompt,
        context: req.context.as_deref(),
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
    let lookup_key = native.as_ref().unwrap_or(&chat);
    if let Some(hit) = cache::lookup(state, lookup_key, ctx) {
        report.cache = "hit";
        if req.stream {
            // A stored answer passed validation: replayed, its final event checks it again.
            let spec = CodeStreamSpec {
                expect,
                validate: mode != ValidationMode::Off,
                task: req.task,
                alias: Some(route.alias.to_string()),
                provider: None,
                model: Some(hit.model.clone()),
                price: None,
                template: report.template,
                cache: "hit",
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
            StreamAnswer::live(live, chat, keep).for_code(spec),
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
    if passed(checked.as_ref()) {
        cache::store(state, lookup_key, &resp, ctx);
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

fn passed(checked: Option<&CheckedAnswer>) -> bool {
    checked.is_none_or(CheckedAnswer::passed)
}

fn outcome_of(checked: &CheckedAnswer) -> &'static str {
    match (checked.passed(), &checked.code) {
        (true, _) => "passed",
        (false, None) => "no_code",
        (false, Some(_)) => "failed",
    }
}

/// The answer being assembled.
struct Report {
    cache: &'static str,
    attempts: Vec<AttemptReport>,
    usage: Usage,
    cost: Option<f64>,
    template: String,
}

impl Report {
    fn new(template: String) -> Self {
        Self {
            cache: "miss",
            attempts: Vec::new(),
            usage: Usage::default(),
            cost: Some(0.0),
            template,
        }
    }

    fn book(&mut self, usage: Usage, price: Option<(f64, f64)>) {
        self.usage.input_tokens += usage.input_tokens;
        self.usage.output_tokens += usage.output_tokens;
        self.cost = match (self.cost, price) {
            (Some(total), Some((input, output))) => Some(
                total
                    + (usage.input_tokens as f64 * input + usage.output_tokens as f64 * output)
                        / 1e6,
            ),
            _ => None,
        };
    }

    fn attempt(
        &mut self,
        kind: &'static str,
        ctx: &RequestContext,
        checked: Option<&CheckedAnswer>,
        error: Option<String>,
    ) {
        let tier = ctx.route.as_deref().map(|d| d.tier_name.to_string());
        self.attempt_on_tier(kind, ctx, checked, error, tier);
    }

    fn attempt_on_tier(
        &mut self,
        kind: &'static str,
        ctx: &RequestContext,
        checked: Option<&CheckedAnswer>,
        error: Option<String>,
        tier: Option<String>,
    ) {
        self.attempts.push(AttemptReport {
            kind,
            alias: ctx.alias.as_deref().map(str::to_owned),
            tier,
            provider: ctx.provider_name().map(str::to_owned),
            model: ctx.upstream_model.as_deref().map(str::to_owned),
            parsed: checked.map(CheckedAnswer::passed),
            errors: checked.map_or(0, |c| c.validation.errors.len()),
            error,
        });
    }

    fn finish(
        self,
        req: &CodeRequest,
        resp: ChatResponse,
        checked: Option<CheckedAnswer>,
    ) -> CodeAnswer {
        let last = self.attempts.iter().rev().find(|a| a.error.is_none());
        let text = resp.joined_text();
        let (code, validation) = match checked {
            Some(c) => (c.code, Some(c.validation)),
            None => (
                switchyard_codeintel::extract_code(&text, req.language).map(|c| c.code),
                None,
            ),
        };
        CodeAnswer {
            code,
            text,
            language: req.language.name(),
            task: req.task.name(),
            model: last
                .and_then(|a| a.model.clone())
                .or_else(|| (!resp.model.is_empty()).then(|| resp.model.clone())),
            alias: last.and_then(|a| a.alias.clone()),
            provider: last.and_then(|a| a.provider.clone()),
            cache: self.cache,
            validation,
            usage: UsageReport {
                input_tokens: self.usage.input_tokens,
                output_tokens: self.usage.output_tokens,
            },
            cost_usd: if self.cache == "hit" {
                Some(0.0)
            } else {
                self.cost
            },
            attempts: self.attempts,
            template: self.template,
        }
    }
}

impl CodeAnswer {
    /// The final event of a streamed code answer: its `text` as streamed, `checked` when
    /// validation is on.
    pub fn of_stream(
        spec: &CodeStreamSpec,
        text: String,
        usage: Usage,
        checked: Option<CheckedAnswer>,
        language: switchyard_codeintel::Language,
    ) -> Self {
        let (code, validation) = match checked {
            Some(c) => (c.code, Some(c.validation)),
            None => (
                switchyard_codeintel::extract_code(&text, language).map(|c| c.code),
                None,
            ),
        };
        let parsed = validation.as_ref().map(|v| v.parsed);
        CodeAnswer {
            code,
            text,
            language: language.name(),
            task: spec.task.name(),
            model: spec.model.clone(),
            alias: spec.alias.clone(),
            provider: spec.provider.clone(),
            cache: spec.cache,
            attempts: if spec.cache == "hit" {
                Vec::new()
            } else {
                vec![AttemptReport {
                    kind: "initial",
                    alias: spec.alias.clone(),
                    tier: None,
                    provider: spec.provider.clone(),
                    model: spec.model.clone(),
                    parsed,
                    errors: validation.as_ref().map_or(0, |v| v.errors.len()),
                    error: None,
                }]
            },
            validation,
            usage: UsageReport {
                input_tokens: usage.input_tokens,
                output_tokens: usage.output_tokens,
            },
            cost_usd: spec.price.map(|(input, output)| {
                (usage.input_tokens as f64 * input + usage.output_tokens as f64 * output) / 1e6
            }),
            template: spec.template.clone(),
        }
    }
}

/// The analytics outcome of a checked answer (`None` when it was not checked).
pub fn outcome(checked: Option<&CheckedAnswer>) -> Option<&'static str> {
    checked.map(outcome_of)
}
