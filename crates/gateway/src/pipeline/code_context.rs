//! Repository context for the code API: a request naming `repository` gets the chunks of
//! that repository's index (`[repositories.NAME]`, `crates/codebase`) most relevant to its
//! prompt, within a token budget, put into the template's context; the answer lists them
//! in `context_used`.

use super::code_answer::ContextRef;
use crate::{error::GatewayError, state::AppState};
use switchyard_codebase::Hit;
use switchyard_codeintel::CodeRequest;
use switchyard_protocol::ErrorKind;

/// Tokens of repository code a prompt gets at most: room for a few functions, well inside
/// every model's context next to the instructions and the answer.
const CONTEXT_TOKEN_BUDGET: u64 = 4000;

/// The repository code chosen for a request.
#[derive(Debug)]
pub struct RepositoryContext {
    /// The chunks as the template shows them.
    pub text: String,
    /// What the answer reports.
    pub used: Vec<ContextRef>,
}

/// The chunks of repository `name` relevant to `req`: a 404 naming the configured
/// repositories when there is no such one, a 503 while its index is first being built.
pub async fn gather(
    state: &AppState,
    name: &str,
    req: &CodeRequest,
) -> Result<RepositoryContext, GatewayError> {
    let repositories = &state.repositories;
    let Some(repository) = repositories.get(name) else {
        let known = repositories.configured();
        if known.iter().any(|k| k == name) {
            return Err(GatewayError::new(
                ErrorKind::Unavailable,
                format!("repository `{name}` is still being indexed; retry shortly"),
            ));
        }
        let known = if known.is_empty() {
            "none is configured ([repositories.NAME] in the config)".to_owned()
        } else {
            format!("known: {}", known.join(", "))
        };
        return Err(GatewayError::new(
            ErrorKind::NotFound,
            format!("unknown repository `{name}`; {known}"),
        ));
    };
    let query = [req.prompt.as_str(), req.prefix.as_deref().unwrap_or("")].join("\n");
    // Search and token counting take milliseconds of CPU: off the async workers.
    let pack =
        tokio::task::spawn_blocking(move || repository.context(&query, CONTEXT_TOKEN_BUDGET))
            .await
            .map_err(|e| GatewayError::new(ErrorKind::Internal, format!("context search: {e}")))?
            .map_err(|e| {
                GatewayError::new(
                    ErrorKind::Internal,
                    format!("cannot search repository `{name}`: {e}"),
                )
            })?;
    Ok(RepositoryContext {
        text: pack.chunks.iter().map(block).collect::<Vec<_>>().join("\n"),
        used: pack.chunks.iter().map(reference).collect(),
    })
}

/// The template's context: the repository's chunks, then the request's own context.
pub fn merged(repository: Option<&RepositoryContext>, own: Option<&str>) -> Option<String> {
    match (repository.filter(|r| !r.used.is_empty()), own) {
        (None, own) => own.map(str::to_owned),
        (Some(r), None) => Some(r.text.clone()),
        (Some(r), Some(own)) => Some(format!("{}\n{own}", r.text)),
    }
}

/// A chunk headed by where it comes from.
fn block(hit: &Hit) -> String {
    let symbol = hit
        .symbol
        .as_deref()
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    format!(
        "From {}:{}-{}{symbol}:\n{}\n",
        hit.path, hit.start_line, hit.end_line, hit.text
    )
}

fn reference(hit: &Hit) -> ContextRef {
    ContextRef {
        path: hit.path.clone(),
        symbol: hit.symbol.clone(),
        start_line: hit.start_line,
        end_line: hit.end_line,
    }
}
