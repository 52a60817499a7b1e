//! The complexity features of a code request: what kind of work it is, how much is asked
//! and of what kind of demand, how much code comes with it and of what structure.

use crate::{
    lexicon::{self, Lexicon},
    text::{self, CodeShape},
};
use aho_corasick::AhoCorasick;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use switchyard_protocol::{ChatRequest, ContentPart, Role};

/// The kind of work a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Continue code (an IDE completion).
    Completion,
    /// Write new code.
    Generation,
    /// Review code.
    Review,
    /// Write documentation or comments.
    Docs,
    /// Explain code or a concept.
    Explain,
    /// Write tests.
    Tests,
    /// Change code's structure without changing behaviour.
    Refactor,
    /// Find and fix a bug.
    Debug,
}

impl Task {
    /// Every task, in feature order.
    pub const ALL: [Task; 8] = [
        Self::Completion,
        Self::Generation,
        Self::Review,
        Self::Docs,
        Self::Explain,
        Self::Tests,
        Self::Refactor,
        Self::Debug,
    ];

    /// Its name in config, analytics and datasets.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Completion => "completion",
            Self::Generation => "generation",
            Self::Review => "review",
            Self::Docs => "docs",
            Self::Explain => "explain",
            Self::Tests => "tests",
            Self::Refactor => "refactor",
            Self::Debug => "debug",
        }
    }

    /// Parses a task name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// What the router reads of a request, independent of its wire format.
#[derive(Debug, Clone, Default)]
pub struct RequestView {
    /// The text of the last user message that has text: the ask, with any code pasted
    /// into it.
    pub ask: String,
    /// Bytes of text in earlier messages (system prompt, earlier turns, tool results).
    pub history_bytes: usize,
    /// Messages in the conversation.
    pub turns: usize,
    /// Tools offered to the model.
    pub tools: usize,
    /// The task when the endpoint says it (the code API's `/v1/code/{task}`).
    pub task: Option<Task>,
    /// The programming language when the client says it.
    pub language: Option<String>,
}

impl RequestView {
    /// A view of a plain prompt (a dataset line, or the code API's `prompt`).
    pub fn of_prompt(prompt: &str) -> Self {
        Self {
            ask: prompt.to_owned(),
            turns: 1,
            ..Self::default()
        }
    }

    /// A view of a canonical chat request.
    pub fn of_chat(req: &ChatRequest) -> Self {
        // The last user message with text: in an agent loop the latest user turns carry
        // only tool results, and the ask is the one before them.
        let has_text = |m: &switchyard_protocol::Message| {
            m.content
                .iter()
                .any(|p| matches!(p, ContentPart::Text { text, .. } if !text.trim().is_empty()))
        };
        let last_user = req
            .messages
            .iter()
            .rposition(|m| m.role == Role::User && has_text(m));
        let mut view = Self {
            turns: req.messages.len(),
            tools: req.tools.len(),
            ..Self::default()
        };
        for (i, m) in req.messages.iter().enumerate() {
            for part in &m.content {
                let text = match part {
                    ContentPart::Text { text, .. } => text.as_str(),
                    _ => continue,
                };
                if Some(i) == last_user {
                    if !view.ask.is_empty() {
                        view.ask.push('\n');
                    }
                    view.ask.push_str(text);
                } else {
                    view.history_bytes += text.len();
                }
            }
        }
        view
    }
}

/// Names of the features, in vector order (the weights file lists them too, and loading
/// checks that they agree).
pub const FEATURE_NAMES: [&str; FEATURE_COUNT] = [
    "ask_words",
    "code_lines",
    "code_depth",
    "code_definitions",
    "code_hard_constructs",
    "prompt_tokens",
    "concurrency",
    "security",
    "distributed",
    "algorithms",
    "performance",
    "design",
    "constraints",
    "symptoms",
    "reasoning",
    "trivial",
    "scope_limit",
    "demand_total",
    "clauses",
    "quotes_error",
    "plain_ask",
    "big_paste_small_ask",
    "history",
    "tools",
    "task_completion",
    "task_generation",
    "task_review",
    "task_docs",
    "task_explain",
    "task_tests",
    "task_refactor",
    "task_debug",
];

/// Number of features.
pub const FEATURE_COUNT: usize = 32;

/// The features of one request, with what the explanation needs to name them.
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    /// Values, in [`FEATURE_NAMES`] order.
    pub values: [f64; FEATURE_COUNT],
    /// The task (the endpoint's, else inferred).
    pub task: Task,
    /// The language (the client's, else from a code fence), if known.
    pub language: Option<String>,
    /// Estimated prompt tokens.
    pub prompt_tokens: usize,
    /// Structure of the included code.
    pub code: CodeShape,
    /// The first term found of each lexicon, for explanations.
    pub evidence: [Option<&'static str>; Lexicon::ALL.len()],
}

/// Index of the first lexicon feature in [`FEATURE_NAMES`].
pub const LEXICON_OFFSET: usize = 6;
/// Index of the first task feature.
pub const TASK_OFFSET: usize = 24;

impl Features {
    /// Extracts the features of `view`.
    pub fn extract(view: &RequestView) -> Self {
        let split = text::split(&view.ask);
        let shape = text::code_shape(&split.code);
        let lex = lexicon::count(&split.ask);
        let task = view.task.unwrap_or_else(|| infer_task(&split));
        let prompt_tokens = text::estimate_tokens(&view.ask) + view.history_bytes.div_ceil(4);
        let ln = |x: f64| (1.0 + x).ln();
        let mut v = [0.0; FEATURE_COUNT];
        v[0] = ln(split.ask_words as f64);
        v[1] = ln(shape.lines as f64);
        v[2] = (shape.max_depth.min(10)) as f64;
        v[3] = ln((shape.functions + shape.types) as f64);
        v[4] = ln(hard_constructs(&split.code) as f64);
        v[5] = ln(prompt_tokens as f64);
        let mut demand = 0u32;
        for (i, (n, _)) in lex.iter().enumerate() {
            v[LEXICON_OFFSET + i] = ln(f64::from(*n));
            if i < 6 {
                demand += n;
            }
        }
        v[17] = ln(f64::from(demand));
        v[18] = ln(clauses(&split.ask) as f64);
        v[19] = f64::from(u8::from(split.quotes_error));
        let trivial = lex[9].0 + lex[10].0;
        v[20] = f64::from(u8::from(
            demand == 0 && lex[6].0 == 0 && lex[7].0 == 0 && trivial > 0,
        ));
        v[21] = f64::from(u8::from(
            shape.lines >= 15 && split.ask_words <= 30 && trivial > 0,
        ));
        v[22] = ln((view.turns.saturating_sub(1) + view.history_bytes / 2000) as f64);
        v[23] = f64::from(u8::from(view.tools > 0));
        if let Some(i) = Task::ALL.iter().position(|t| *t == task) {
            v[TASK_OFFSET + i] = 1.0;
        }
        let language = view
            .language
            .clone()
            .or_else(|| fence_language(&view.ask).map(str::to_owned));
        Self {
            values: v,
            task,
            language,
            prompt_tokens,
            code: shape,
            evidence: lex.map(|(_, first)| first),
        }
    }
}

/// Clauses of the ask: commas, semicolons, colons and "and"s separate the requirements of
/// a demanding request ("at most N in flight, results in order, cancel on abort").
fn clauses(ask: &str) -> usize {
    ask.bytes()
        .filter(|b| matches!(b, b',' | b';' | b':'))
        .count()
        + ask.matches(" and ").count()
        + ask.matches(" plus ").count()
}

/// Constructs in code that make it hard to reason about: shared-state concurrency, manual
/// memory, unsafe code, reflection of types. Distinct kinds, case-sensitive.
fn hard_constructs(code: &str) -> usize {
    const TERMS: [&str; 40] = [
        "Mutex",
        "RwLock",
        "Lock(",
        "lock()",
        ".lock",
        "synchronized",
        "volatile",
        "Atomic",
        "atomic",
        "thread",
        "Thread",
        "spawn",
        "go func",
        "chan ",
        "<-",
        "select {",
        "async ",
        "await ",
        "asyncio",
        "Promise",
        "setTimeout",
        "Condition",
        "WaitGroup",
        "unsafe",
        "malloc",
        "realloc",
        "memcpy",
        "free(",
        "alloc(",
        "*mut ",
        "ptr::",
        "std::move",
        "noexcept",
        "reinterpret_cast",
        "template <",
        "placement",
        "EXPLAIN",
        "JOIN",
        "ALTER TABLE",
        "signal",
    ];
    static MATCHER: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    let Some(m) = MATCHER
        .get_or_init(|| AhoCorasick::new(TERMS).ok())
        .as_ref()
    else {
        return 0;
    };
    let mut seen = 0u64;
    for found in m.find_iter(code) {
        seen |= 1u64 << found.pattern().as_usize();
    }
    seen.count_ones() as usize
}

/// The task a request asks for, from its words.
fn infer_task(split: &text::SplitPrompt) -> Task {
    if split.is_code_prompt {
        return Task::Completion;
    }
    let ask = split.ask.as_str();
    let has = |words: &[&str]| words.iter().any(|w| ask.contains(w));
    let first_sentence = ask
        .trim_start()
        .split(['.', '?', '\n'])
        .next()
        .unwrap_or("");
    if has(&["review"]) {
        Task::Review
    } else if has(&[
        " test",
        "test ",
        "tests",
        "pytest",
        "jest",
        "junit",
        "googletest",
        "proptest",
        "jcstress",
    ]) {
        Task::Tests
    } else if has(&[
        "docstring",
        "javadoc",
        "jsdoc",
        "godoc",
        "tsdoc",
        "doc comment",
        "documentation",
        "comments",
        "comment ",
        " docs",
        "readme",
    ]) {
        Task::Docs
    } else if first_sentence.starts_with("explain")
        || first_sentence.starts_with("what does")
        || first_sentence.starts_with("what is")
        || first_sentence.starts_with("why can't")
    {
        Task::Explain
    } else if has(&[
        "error",
        "bug",
        "fix",
        "crash",
        "wrong",
        "hang",
        "fails",
        "doesn't work",
        "segfault",
        "why does",
        "why is",
    ]) {
        Task::Debug
    } else if has(&[
        "refactor",
        "rename",
        "rewrite",
        "convert",
        "extract",
        "simplify",
        "replace",
        "restructur",
        "migrate",
        "moderniz",
        "split",
    ]) {
        Task::Refactor
    } else if has(&["explain", "what does", "why"]) {
        Task::Explain
    } else {
        Task::Generation
    }
}

/// The language named by the first code fence's info string (```rust).
fn fence_language(text: &str) -> Option<&str> {
    let start = text.find("```")? + 3;
    let rest = &text[start..];
    let tag = rest.split(|c: char| c.is_whitespace()).next()?;
    let lang = match tag {
        "" => return None,
        "py" | "python" => "python",
        "rs" | "rust" => "rust",
        "ts" | "tsx" | "typescript" => "typescript",
        "js" | "jsx" | "javascript" => "javascript",
        "sh" | "bash" | "shell" | "zsh" => "bash",
        "c++" | "cpp" | "cc" | "cxx" => "cpp",
        other if other.len() <= 12 && other.bytes().all(|b| b.is_ascii_alphanumeric()) => other,
        _ => return None,
    };
    Some(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feature(f: &Features, name: &str) -> f64 {
        f.values[FEATURE_NAMES.iter().position(|n| *n == name).unwrap()]
    }

    #[test]
    fn names_and_offsets_agree() {
        assert_eq!(FEATURE_NAMES[LEXICON_OFFSET], "concurrency");
        assert_eq!(
            FEATURE_NAMES[LEXICON_OFFSET + Lexicon::ALL.len() - 1],
            "scope_limit"
        );
        assert_eq!(FEATURE_NAMES[TASK_OFFSET], "task_completion");
        assert_eq!(
            FEATURE_NAMES[TASK_OFFSET + Task::ALL.len() - 1],
            "task_debug"
        );
    }

    #[test]
    fn tasks_are_inferred_from_the_ask() {
        let task = |p: &str| Features::extract(&RequestView::of_prompt(p)).task;
        assert_eq!(
            task("Review this handler please.\n```go\nfunc h() {}\n```"),
            Task::Review
        );
        assert_eq!(task("Write pytest tests for `slugify`."), Task::Tests);
        assert_eq!(task("Rename `x` to `count` everywhere."), Task::Refactor);
        assert_eq!(task("What does `ls -la` do?"), Task::Explain);
        assert_eq!(task("fn factorial(n: u64) -> u64 {\n"), Task::Completion);
        assert_eq!(task("Getting a segfault here, why?"), Task::Debug);
        assert_eq!(
            task("A Go function that reverses a string."),
            Task::Generation
        );
    }

    #[test]
    fn demand_is_weighed_apart_from_names_and_output_text() {
        let scary_name = Features::extract(&RequestView::of_prompt(
            "Write a Go struct `LockFreeQueueOptions` with a `Capacity int` field.",
        ));
        let real = Features::extract(&RequestView::of_prompt(
            "Lock-free MPMC queue in Go using atomics, no lost wake-ups.",
        ));
        assert_eq!(feature(&scary_name, "concurrency"), 0.0);
        assert!(feature(&real, "concurrency") > 1.0);
        assert_eq!(
            feature(&scary_name, "plain_ask"),
            0.0,
            "no trivial marker either"
        );
    }

    #[test]
    fn chat_view_takes_the_last_user_message_as_the_ask() {
        let mut req = ChatRequest::new(switchyard_protocol::WireFormat::OpenAiChat, "auto");
        req.messages.push(switchyard_protocol::Message::text(
            Role::System,
            "You are a helpful assistant.",
        ));
        req.messages.push(switchyard_protocol::Message::text(
            Role::User,
            "Rename x to y.",
        ));
        let view = RequestView::of_chat(&req);
        assert_eq!(view.ask, "Rename x to y.");
        assert_eq!(view.turns, 2);
        assert_eq!(view.history_bytes, "You are a helpful assistant.".len());
    }

    #[test]
    fn in_an_agent_loop_the_ask_is_the_last_user_text_not_a_tool_result() {
        let mut req = ChatRequest::new(switchyard_protocol::WireFormat::Anthropic, "auto");
        req.messages.push(switchyard_protocol::Message::text(
            Role::User,
            "Find the deadlock.",
        ));
        req.messages.push(switchyard_protocol::Message::text(
            Role::Assistant,
            "Reading the file.",
        ));
        let mut result = switchyard_protocol::Message::text(Role::User, "");
        result.content = vec![ContentPart::ToolResult {
            tool_call_id: "t1".into(),
            content: vec![ContentPart::text("fn main() {}")],
            is_error: false,
            extra: Default::default(),
        }];
        req.messages.push(result);
        let view = RequestView::of_chat(&req);
        assert_eq!(view.ask, "Find the deadlock.");
        assert_eq!(view.turns, 3);
    }

    #[test]
    fn language_comes_from_the_fence() {
        let f = Features::extract(&RequestView::of_prompt("Fix:\n```ts\nlet x = 1\n```"));
        assert_eq!(f.language.as_deref(), Some("typescript"));
    }
}
