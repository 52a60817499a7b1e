//! Repository context: a request naming a repository (`repository` in a code request,
//! `x-switchyard-repository` on a chat request) gets the chunks of that repository's index
//! (`[repositories.NAME]`, `crates/codebase`) most relevant to its prompt, within a token
//! budget. The code API puts them into its template's context and lists them in the
//! answer's `context_used`; a chat request gets them as a system message just before its
//! last user message (rendered by the `repository` template) and the
//! `x-switchyard-context` response header lists them.

use super::code_answer::ContextRef;
use crate::{context::RequestContext, error::GatewayError, state::AppState};
use std::fmt::Write as _;
use switchyard_codebase::{language_of, Hit};
use switchyard_codeintel::{CodeRequest, RepositoryChunk};
use switchyard_protocol::{ApiError, ChatRequest, ErrorKind, Message, Role};

/// Tokens of repository code a prompt gets at most: room for a few functions, well inside
/// every model's context next to the instructions and the answer.
const CONTEXT_TOKEN_BUDGET: u64 = 4000;

/// The request header that names a repository for a chat request.
pub const REPOSITORY_HEADER: &str = "x-switchyard-repository";

/// Characters of the last user message that make the search query: an agent's turn can be
/// long, and its end says what is being asked now.
const QUERY_CHARS: usize = 4000;

/// The repository code chosen for a request, best first.
#[derive(Debug)]
pub struct RepositoryContext {
    /// The chunks.
    pub hits: Vec<Hit>,
}

impl RepositoryContext {
    /// What the code API's answer reports.
    pub fn used(&self) -> Vec<ContextRef> {
        self.hits.iter().map(reference).collect()
    }

    /// The chunks as the code API's template shows them, each headed by where it comes from.
    fn text(&self) -> String {
        self.hits.iter().map(block).collect::<Vec<_>>().join("\n")
    }
}

/// The chunks of repository `name` relevant to code request `req`.
pub async fn for_code(
    state: &AppState,
    name: &str,
    req: &CodeRequest,
) -> Result<RepositoryContext, GatewayError> {
    let query = [req.prompt.as_str(), req.prefix.as_deref().unwrap_or("")].join("\n");
    gather(state, name, query).await
}

/// The template's context: the repository's chunks, then the request's own context.
pub fn merged(repository: Option<&RepositoryContext>, own: Option<&str>) -> Option<String> {
    match (repository.filter(|r| !r.hits.is_empty()), own) {
        (None, own) => own.map(str::to_owned),
        (Some(r), None) => Some(r.text()),
        (Some(r), Some(own)) => Some(format!("{}\n{own}", r.text())),
    }
}

/// Gives chat request `req` the code of the repository its `x-switchyard-repository`
/// header names, if it names one: a system message before the last user message, listed
/// in `ctx.context_used`.
pub async fn add_to_chat(
    state: &AppState,
    headers: &http::HeaderMap,
    req: &mut ChatRequest,
    ctx: &mut RequestContext,
) -> Result<(), GatewayError> {
    let Some(value) = headers.get(REPOSITORY_HEADER) else {
        return Ok(());
    };
    let name = value.to_str().map(str::trim).map_err(|_| {
        GatewayError::from(
            ApiError::new(
                ErrorKind::InvalidRequest,
                format!("{REPOSITORY_HEADER}: must be a repository's name in ASCII"),
            )
            .with_param(REPOSITORY_HEADER),
        )
    })?;
    let Some(last_user) = req.messages.iter().rposition(|m| m.role == Role::User) else {
        return Ok(());
    };
    let question = req.messages[last_user].joined_text();
    let context = gather(state, name, tail(&question, QUERY_CHARS).to_owned()).await?;
    if context.hits.is_empty() {
        ctx.context_used = Some(Box::from(""));
        return Ok(());
    }
    let chunks: Vec<RepositoryChunk<'_>> = context
        .hits
        .iter()
        .map(|h| RepositoryChunk {
            path: &h.path,
            symbol: h.symbol.as_deref(),
            start_line: h.start_line,
            end_line: h.end_line,
            fence: language_of(std::path::Path::new(&h.path)).map_or("", |l| l.name()),
            text: &h.text,
        })
        .collect();
    let system = state
        .templates
        .render_repository_context(name, &chunks)
        .map_err(|e| GatewayError::new(ErrorKind::Internal, e.to_string()))?;
    req.messages
        .insert(last_user, Message::text(Role::System, system));
    ctx.context_used = Some(header_value(&context.hits).into_boxed_str());
    Ok(())
}

/// The chunks of repository `name` most relevant to `query`: a 404 naming the configured
/// repositories when there is no such one, a 503 while its index is first being built.
async fn gather(
    state: &AppState,
    name: &str,
    query: String,
) -> Result<RepositoryContext, GatewayError> {
    let repositories = &state.repositories;
    let Some(repository) = repositories.get(name) else {
        let known = repositories.configured();
        if known.iter().any(|k| k == name) {
            // Clients that honour Retry-After (the review and docs commands) wait for it.
            return Err(GatewayError::new(
                ErrorKind::Unavailable,
                format!("repository `{name}` is still being indexed; retry shortly"),
            )
            .with_retry_after(std::time::Duration::from_secs(1)));
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
    Ok(RepositoryContext { hits: pack.chunks })
}

/// The last `n` characters of `text`.
fn tail(text: &str, n: usize) -> &str {
    let skip = text.chars().count().saturating_sub(n);
    text.char_indices()
        .nth(skip)
        .map_or(text, |(i, _)| &text[i..])
}

/// `path:start-end symbol` per chunk, `; `-separated; bytes a header cannot carry are
/// percent-encoded (a path may be any UTF-8).
fn header_value(hits: &[Hit]) -> String {
    let mut out = String::new();
    for (i, hit) in hits.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        let mut entry = format!("{}:{}-{}", hit.path, hit.start_line, hit.end_line);
        if let Some(symbol) = &hit.symbol {
            entry.push(' ');
            entry.push_str(symbol);
        }
        for b in entry.bytes() {
            if b.is_ascii_graphic() || b == b' ' {
                out.push(char::from(b));
            } else {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
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
        score: hit.score,
        similarity: hit.similarity,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_codebase::ChunkKind;

    fn hit(path: &str, symbol: Option<&str>) -> Hit {
        Hit {
            path: path.to_owned(),
            symbol: symbol.map(str::to_owned),
            kind: ChunkKind::Function,
            start_line: 3,
            end_line: 9,
            score: 1.0,
            similarity: None,
            text: "fn a() {}".to_owned(),
        }
    }

    #[test]
    fn the_header_lists_each_chunk_and_escapes_what_a_header_cannot_carry() {
        let v = header_value(&[hit("src/a.rs", Some("a")), hit("docs/é.rs", None)]);
        assert_eq!(v, "src/a.rs:3-9 a; docs/%C3%A9.rs:3-9");
        assert!(http::HeaderValue::from_str(&v).is_ok());
    }

    #[test]
    fn the_query_is_the_end_of_a_long_message() {
        assert_eq!(tail("abcdé", 2), "dé");
        assert_eq!(tail("ab", 5), "ab");
    }
}
