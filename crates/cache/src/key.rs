//! Cache keys: what of a request decides its answer, hashed.
//!
//! The exact key covers the canonical request after planning: the resolved alias, every
//! message (system prompt and earlier turns included), tools, `tool_choice`,
//! `response_format` and the sampling parameters, scoped by client key. It leaves out what
//! does not change the answer: the wire format it arrived in (so an answer cached for an
//! OpenAI client is replayed to an Anthropic client), `stream`, `user`, and per-part
//! extras such as Anthropic `cache_control`.
//!
//! The semantic scope is the same hash with the last user instruction's prose left out (its
//! fenced code blocks stay in): two requests in one scope differ only in how the
//! instruction is worded, which is what the embedder and the guard then judge.

use sha2::{Digest, Sha256};
use switchyard_protocol::{
    ChatRequest, ContentPart, ImageSource, Message, ResponseFormat, Role, Tool, ToolChoice,
};

/// A 256-bit hash naming a cache entry (or a semantic scope).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyHash(pub [u8; 32]);

impl KeyHash {
    /// Lower-case hex, for Redis keys and logs.
    pub fn to_hex(&self) -> String {
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(char::from(HEX[usize::from(b >> 4)]));
            s.push(char::from(HEX[usize::from(b & 15)]));
        }
        s
    }

    /// Parses [`Self::to_hex`]'s output.
    pub fn from_hex(s: &str) -> Option<Self> {
        let bytes = s.as_bytes();
        if bytes.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, pair) in bytes.chunks(2).enumerate() {
            let hi = char::from(pair[0]).to_digit(16)?;
            let lo = char::from(pair[1]).to_digit(16)?;
            out[i] = u8::try_from(hi * 16 + lo).ok()?;
        }
        Some(Self(out))
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Top-level request extras that never change the answer.
const IGNORED_EXTRAS: [&str; 4] = ["metadata", "store", "service_tier", "stream_options"];

/// What identifies a request to the cache.
#[derive(Debug, Clone)]
pub struct RequestKey {
    /// Hash of everything that decides the answer.
    pub exact: KeyHash,
    /// Hash of everything but the last instruction's prose: the semantic neighbourhood.
    pub scope: KeyHash,
    /// The last user message's natural-language text, fenced code removed (what the
    /// embedder reads). Empty when the request has no such message.
    pub instruction: String,
    /// Whether that message carries code (fenced or pasted).
    pub has_code: bool,
}

/// Derives the keys of `req` as planned to `alias`, for client key `client`.
pub fn request_key(req: &ChatRequest, alias: &str, client: Option<usize>) -> RequestKey {
    let last_user = req.messages.iter().rposition(|m| m.role == Role::User);
    let mut common = Sha256::new();
    field(&mut common, b"v1");
    field(
        &mut common,
        client.map(|c| c.to_string()).unwrap_or_default().as_bytes(),
    );
    field(&mut common, alias.as_bytes());
    params(&mut common, req);
    for (i, m) in req.messages.iter().enumerate() {
        if Some(i) != last_user {
            message(&mut common, m);
        }
    }
    let mut exact = common.clone();
    let mut scope = common;
    let mut instruction = String::new();
    let mut has_code = false;
    if let Some(m) = last_user.and_then(|i| req.messages.get(i)) {
        message(&mut exact, m);
        field(&mut scope, b"last-user");
        if let Some(name) = &m.name {
            field(&mut scope, name.as_bytes());
        }
        for part in &m.content {
            match part {
                ContentPart::Text { text, .. } => {
                    let (prose, code) = split_code(text);
                    instruction.push_str(&prose);
                    instruction.push('\n');
                    for block in code {
                        has_code = true;
                        field(&mut scope, b"code");
                        field(&mut scope, block.as_bytes());
                    }
                }
                other => content(&mut scope, other),
            }
        }
    }
    RequestKey {
        exact: KeyHash(exact.finalize().into()),
        scope: KeyHash(scope.finalize().into()),
        instruction: instruction.trim().to_owned(),
        has_code,
    }
}

/// The prose of `text` and its code: fenced blocks, and code pasted without a fence (from
/// the first line after the first that looks like code to the end). Code is normalised to
/// its trimmed non-empty lines, so that re-indented or re-fenced code hashes the same.
pub fn split_code(text: &str) -> (String, Vec<String>) {
    let mut prose_lines: Vec<&str> = Vec::new();
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in text.lines() {
        let fence = line.trim_start().starts_with("```");
        match (&mut current, fence) {
            (None, true) => current = Some(Vec::new()),
            (Some(_), true) => blocks.extend(current.take().map(|b| normalise_code(&b))),
            (Some(block), false) => block.push(line),
            (None, false) => prose_lines.push(line),
        }
    }
    // An unclosed fence is still code, not prose.
    blocks.extend(current.map(|b| normalise_code(&b)));
    if let Some(start) = prose_lines
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, l)| looks_like_code(l))
        .map(|(i, _)| i)
    {
        blocks.push(normalise_code(&prose_lines[start..]));
        prose_lines.truncate(start);
    }
    (prose_lines.join("\n"), blocks)
}

fn normalise_code(lines: &[&str]) -> String {
    let mut out = String::new();
    for l in lines.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
        out.push_str(l);
        out.push('\n');
    }
    out
}

/// First words of a line of code in the languages developers paste most.
const CODE_STARTS: &[&str] = &[
    "def ",
    "class ",
    "import ",
    "from ",
    "const ",
    "let ",
    "var ",
    "function ",
    "fn ",
    "pub ",
    "use ",
    "select ",
    "template ",
    "#include",
    "#!",
    "return ",
    "struct ",
    "impl ",
    "package ",
    "func ",
    "public ",
    "private ",
    "static ",
    "async ",
    "export ",
    "module ",
    "workdir ",
    "run ",
    "copy ",
    "cmd ",
    "entrypoint ",
    "set ",
    "update ",
    "insert ",
    "delete ",
    "create ",
    "with ",
    "for (",
    "if (",
    "while (",
    "@",
    "}",
    "{",
    "//",
    "/*",
    "#define",
    "int ",
    "void ",
    "type ",
    "interface ",
    "enum ",
    "namespace ",
];

/// Whether a line of a prompt is code rather than prose.
fn looks_like_code(line: &str) -> bool {
    let t = line.trim_end();
    if t.trim().is_empty() {
        return false;
    }
    if line.starts_with([' ', '\t']) {
        return true;
    }
    let lower = t.to_ascii_lowercase();
    CODE_STARTS.iter().any(|s| lower.starts_with(s))
        || t.ends_with(['{', ';', '}'])
        || t.contains(" = ")
        || t.contains("=>")
}

/// Feeds one length-prefixed field, so that field boundaries are part of the hash.
fn field(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

fn json(h: &mut Sha256, v: &serde_json::Value) {
    field(h, &serde_json::to_vec(v).unwrap_or_default());
}

fn opt<T: std::fmt::Display>(h: &mut Sha256, v: Option<T>) {
    field(h, v.map(|v| v.to_string()).unwrap_or_default().as_bytes());
}

/// The parameters that change the answer.
fn params(h: &mut Sha256, req: &ChatRequest) {
    opt(h, req.max_tokens);
    opt(h, req.temperature);
    opt(h, req.top_p);
    opt(h, req.seed);
    opt(h, req.parallel_tool_calls);
    for s in &req.stop {
        field(h, s.as_bytes());
    }
    field(h, b"tools");
    for t in &req.tools {
        match t {
            Tool::Function(f) => {
                field(h, f.name.as_bytes());
                field(h, f.description.as_deref().unwrap_or("").as_bytes());
                json(h, &f.parameters);
                opt(h, f.strict);
            }
            Tool::Other { value, .. } => json(h, value),
        }
    }
    let choice = match &req.tool_choice {
        None => String::new(),
        Some(ToolChoice::Auto) => "auto".into(),
        Some(ToolChoice::None) => "none".into(),
        Some(ToolChoice::Required) => "required".into(),
        Some(ToolChoice::Tool(name)) => format!("tool:{name}"),
    };
    field(h, choice.as_bytes());
    match &req.response_format {
        None => field(h, b""),
        Some(ResponseFormat::Text) => field(h, b"text"),
        Some(ResponseFormat::JsonObject) => field(h, b"json_object"),
        Some(ResponseFormat::JsonSchema {
            name,
            schema,
            strict,
        }) => {
            field(h, name.as_bytes());
            json(h, schema);
            opt(h, *strict);
        }
    }
    field(h, b"extras");
    for (k, v) in &req.extra {
        if !IGNORED_EXTRAS.contains(&k.as_str()) {
            field(h, k.as_bytes());
            json(h, v);
        }
    }
}

fn message(h: &mut Sha256, m: &Message) {
    // System and developer instructions mean the same to every provider.
    let role: &[u8] = match m.role {
        Role::System | Role::Developer => b"system",
        Role::User => b"user",
        Role::Assistant => b"assistant",
        Role::Tool => b"tool",
    };
    field(h, role);
    field(h, m.name.as_deref().unwrap_or("").as_bytes());
    for part in &m.content {
        content(h, part);
    }
}

fn content(h: &mut Sha256, part: &ContentPart) {
    match part {
        ContentPart::Text { text, .. } => {
            field(h, b"text");
            field(h, text.as_bytes());
        }
        ContentPart::Image { source, .. } => {
            field(h, b"image");
            match source {
                ImageSource::Url(u) => field(h, u.as_bytes()),
                ImageSource::Base64 { media_type, data } => {
                    field(h, media_type.as_bytes());
                    field(h, data.as_bytes());
                }
            }
        }
        ContentPart::ToolCall {
            id,
            name,
            arguments,
            ..
        } => {
            field(h, b"tool_call");
            field(h, id.as_bytes());
            field(h, name.as_bytes());
            field(h, arguments.as_bytes());
        }
        ContentPart::ToolResult {
            tool_call_id,
            content: inner,
            is_error,
            ..
        } => {
            field(h, b"tool_result");
            field(h, tool_call_id.as_bytes());
            field(h, if *is_error { b"1" } else { b"0" });
            for p in inner {
                content(h, p);
            }
        }
        ContentPart::Thinking { text, .. } => {
            field(h, b"thinking");
            field(h, text.as_bytes());
        }
        ContentPart::Other { value, .. } => {
            field(h, b"other");
            json(h, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_protocol::{FunctionTool, WireFormat};

    fn req(format: WireFormat, system: Option<&str>, user: &str) -> ChatRequest {
        let mut r = ChatRequest::new(format, "m");
        if let Some(s) = system {
            r.messages.push(Message::text(Role::System, s));
        }
        r.messages.push(Message::text(Role::User, user));
        r
    }

    #[test]
    fn the_wire_format_and_stream_flag_do_not_change_the_key() {
        let a = req(WireFormat::OpenAiChat, Some("be terse"), "sort a list");
        let mut b = req(WireFormat::Anthropic, Some("be terse"), "sort a list");
        b.stream = true;
        assert_eq!(
            request_key(&a, "m", None).exact,
            request_key(&b, "m", None).exact
        );
    }

    #[test]
    fn everything_that_decides_the_answer_changes_the_key() {
        let base = req(WireFormat::OpenAiChat, Some("be terse"), "sort a list");
        let key = |r: &ChatRequest| request_key(r, "m", Some(0)).exact;
        let k0 = key(&base);
        let mut variants = Vec::new();
        variants.push(req(
            WireFormat::OpenAiChat,
            Some("be verbose"),
            "sort a list",
        ));
        variants.push(req(WireFormat::OpenAiChat, None, "sort a list"));
        variants.push(req(
            WireFormat::OpenAiChat,
            Some("be terse"),
            "sort a list 2",
        ));
        let mut v = base.clone();
        v.messages
            .insert(1, Message::text(Role::Assistant, "earlier"));
        variants.push(v);
        let mut v = base.clone();
        v.temperature = Some(0.5);
        variants.push(v);
        let mut v = base.clone();
        v.max_tokens = Some(10);
        variants.push(v);
        let mut v = base.clone();
        v.tools.push(Tool::Function(FunctionTool {
            name: "f".into(),
            description: None,
            parameters: serde_json::json!({}),
            strict: None,
            extra: Default::default(),
        }));
        variants.push(v);
        let mut v = base.clone();
        v.tool_choice = Some(ToolChoice::None);
        variants.push(v);
        let mut v = base.clone();
        v.response_format = Some(ResponseFormat::JsonObject);
        variants.push(v);
        for (i, v) in variants.iter().enumerate() {
            assert_ne!(key(v), k0, "variant {i}");
        }
        assert_ne!(request_key(&base, "other", Some(0)).exact, k0, "alias");
        assert_ne!(request_key(&base, "m", Some(1)).exact, k0, "client key");
    }

    #[test]
    fn the_scope_ignores_the_prose_but_not_the_code() {
        let a = req(
            WireFormat::OpenAiChat,
            None,
            "explain this:\n```\nfn a() {}\n```",
        );
        let b = req(
            WireFormat::OpenAiChat,
            None,
            "what does this do?\n```rust\n  fn a() {}\n```",
        );
        let c = req(
            WireFormat::OpenAiChat,
            None,
            "explain this:\n```\nfn b() {}\n```",
        );
        let (ka, kb, kc) = (
            request_key(&a, "m", None),
            request_key(&b, "m", None),
            request_key(&c, "m", None),
        );
        assert_ne!(ka.exact, kb.exact);
        assert_eq!(ka.scope, kb.scope);
        assert_ne!(ka.scope, kc.scope);
        assert_eq!(ka.instruction, "explain this:");
        let unfenced = req(WireFormat::OpenAiChat, None, "explain pls\nfn a() {}\n");
        assert_eq!(request_key(&unfenced, "m", None).scope, ka.scope);
    }

    #[test]
    fn hex_round_trips() {
        let k = request_key(&req(WireFormat::OpenAiChat, None, "x"), "m", None).exact;
        assert_eq!(KeyHash::from_hex(&k.to_hex()), Some(k));
    }
}
