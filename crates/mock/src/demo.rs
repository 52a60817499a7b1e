//! Demo answers ([`crate::MockBehavior::demo`]): what `switchyard serve` without providers
//! answers, so that a person or a coding agent trying the gateway sees a sensible turn.
//!
//! A coding agent offers tools on every request; calling one each time (as the test
//! behaviour does) makes an agent loop. So the demo answers in plain text, with a code
//! block in the language the user names, and calls a tool only when the user's words ask
//! for what a tool does: write a named file, read a named file, or run a command. The
//! arguments are built from the tool's schema, so the agent accepts them; after the tool's
//! result the demo answers in text, which ends the agent's turn.

use serde_json::{Map, Value};

use crate::reply::{first_chars, Answer, Prompt, ToolSpec};

/// A language the demo writes code in.
#[derive(Debug)]
struct Language {
    /// Words that name it.
    names: &'static [&'static str],
    /// Code fence tag.
    fence: &'static str,
    /// File extension.
    extension: &'static str,
    /// A hello-world program.
    hello: &'static str,
}

const fn lang(
    names: &'static [&'static str],
    fence: &'static str,
    extension: &'static str,
    hello: &'static str,
) -> Language {
    Language {
        names,
        fence,
        extension,
        hello,
    }
}

/// Languages recognised in a request, the first named one wins.
const LANGUAGES: [Language; 12] = [
    lang(&["python", "py"], "python", "py", "def main() -> None:\n    print(\"Hello, world!\")\n\n\nif __name__ == \"__main__\":\n    main()\n"),
    lang(&["rust", "rs"], "rust", "rs", "fn main() {\n    println!(\"Hello, world!\");\n}\n"),
    lang(&["typescript", "ts"], "typescript", "ts", "function main(): void {\n  console.log(\"Hello, world!\");\n}\n\nmain();\n"),
    lang(&["javascript", "js", "node"], "javascript", "js", "function main() {\n  console.log(\"Hello, world!\");\n}\n\nmain();\n"),
    lang(&["golang"], "go", "go", "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"Hello, world!\")\n}\n"),
    lang(&["java"], "java", "java", "public class Main {\n    public static void main(String[] args) {\n        System.out.println(\"Hello, world!\");\n    }\n}\n"),
    lang(&["c++", "cpp"], "cpp", "cpp", "#include <iostream>\n\nint main() {\n    std::cout << \"Hello, world!\" << std::endl;\n    return 0;\n}\n"),
    lang(&["c"], "c", "c", "#include <stdio.h>\n\nint main(void) {\n    printf(\"Hello, world!\\n\");\n    return 0;\n}\n"),
    lang(&["ruby", "rb"], "ruby", "rb", "def main\n  puts \"Hello, world!\"\nend\n\nmain\n"),
    lang(&["bash", "shell", "sh"], "bash", "sh", "#!/usr/bin/env bash\nset -euo pipefail\n\necho \"Hello, world!\"\n"),
    lang(&["kotlin", "kt"], "kotlin", "kt", "fun main() {\n    println(\"Hello, world!\")\n}\n"),
    lang(&["sql"], "sql", "sql", "SELECT 'Hello, world!' AS greeting;\n"),
];

/// Said in every text answer, so that nobody mistakes the demo for a model.
pub(crate) const DEMO_NOTE: &str = "(This answer comes from Switchyard's demo mode: a simulated provider, not a model. Configure a provider to get real answers.)";

/// What the user asked for, as far as the demo understands it.
#[derive(Debug, PartialEq)]
enum Intent {
    /// Write `path` (a file named in the request).
    Write { path: String },
    /// Read `path`.
    Read { path: String },
    /// Run a shell command.
    Run { command: String },
    /// Anything else: answer in text.
    Chat,
}

/// The demo's answer to `p`.
pub(crate) fn answer(p: &Prompt) -> Answer {
    let request = without_reminders(&p.last_user_text);
    if let Some(text) = crate::demo_docs::answer(&request) {
        return Answer::Text(text);
    }
    if let Some(result) = &p.tool_result {
        let first_line = result.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Answer::Text(format!(
            "Done. The tool reported: {}\n\n{DEMO_NOTE}",
            first_chars(first_line.trim(), 120)
        ));
    }
    if let Some(review) = crate::demo_review::review_answer(&request) {
        return Answer::Text(review);
    }
    let facts = Facts::new(&request, p);
    if let Some(schema) = &p.json_schema {
        return Answer::Text(value_for("", schema, &facts).to_string());
    }
    if let Some((tool, input)) = tool_call(&facts, &p.tools) {
        let arguments = input.to_string();
        return Answer::ToolCall {
            name: tool.name.clone(),
            input,
            arguments,
        };
    }
    Answer::Text(text_answer(&request))
}

/// The user's own words: Claude Code wraps context in `<system-reminder>` blocks.
fn without_reminders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<system-reminder>") {
        out.push_str(&rest[..start]);
        match rest[start..].find("</system-reminder>") {
            Some(end) => rest = &rest[start + end + "</system-reminder>".len()..],
            None => rest = "",
        }
    }
    out.push_str(rest);
    out.trim().to_owned()
}

/// What an answer is built from.
struct Facts<'a> {
    request: &'a str,
    intent: Intent,
    language: Option<&'static Language>,
    /// The working directory named in the system prompt, for tools that want absolute paths.
    workdir: Option<&'a str>,
}

impl<'a> Facts<'a> {
    fn new(request: &'a str, p: &'a Prompt) -> Self {
        let file = file_name(request);
        let language = file
            .as_deref()
            .and_then(|f| f.rsplit_once('.'))
            .and_then(|(_, ext)| LANGUAGES.iter().find(|l| l.extension == ext))
            .or_else(|| language_named(request));
        Self {
            request,
            intent: intent(request, file),
            language,
            workdir: working_directory(&p.system_text),
        }
    }

    fn code(&self) -> &'static str {
        self.language.map_or("Hello, world!\n", |l| l.hello)
    }

    /// `path` made absolute against the working directory when the tool wants that.
    fn path(&self, path: &str, wants_absolute: bool) -> String {
        match self.workdir {
            Some(dir) if wants_absolute && !path.starts_with('/') => {
                format!("{}/{path}", dir.trim_end_matches('/'))
            }
            _ => path.to_owned(),
        }
    }
}

/// The words of `text`, lower case, without surrounding punctuation.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split_whitespace().map(|w| {
        w.trim_matches(|c: char| !c.is_alphanumeric() && c != '+' && c != '.' && c != '_')
            .trim_end_matches('.')
            .to_lowercase()
    })
}

/// The language the request names, if any.
fn language_named(text: &str) -> Option<&'static Language> {
    let said: Vec<String> = words(text).collect();
    // "go" is too common a word to name Go on its own.
    let go = said.windows(2).any(|w| w[0] == "in" && w[1] == "go");
    LANGUAGES
        .iter()
        .find(|l| l.names.iter().any(|n| said.iter().any(|w| w == n)) || (go && l.fence == "go"))
}

/// A file name in the request: a word with a short alphanumeric extension (`hello.py`,
/// `src/main.rs`), not a URL or a version number.
fn file_name(text: &str) -> Option<String> {
    text.split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| "`'\"()[]{},;:!?".contains(c))
                .trim_end_matches('.')
        })
        .find(|w| {
            !w.contains("://")
                && w.rsplit_once('.').is_some_and(|(stem, ext)| {
                    !stem.is_empty()
                        && (1..=5).contains(&ext.len())
                        && ext.chars().all(|c| c.is_ascii_alphanumeric())
                        && ext.chars().any(|c| c.is_ascii_alphabetic())
                })
        })
        .map(str::to_owned)
}

/// A command in backticks, or the one an everyday phrase means.
fn command(text: &str) -> Option<String> {
    let mut quoted = text.split('`').skip(1).step_by(2);
    if let Some(cmd) = quoted.find(|c| !c.trim().is_empty()) {
        return Some(cmd.trim().to_owned());
    }
    let lower = text.to_lowercase();
    [
        ("list the files", "ls"),
        ("list files", "ls"),
        ("current directory", "pwd"),
        ("git status", "git status"),
    ]
    .iter()
    .find(|(phrase, _)| lower.contains(phrase))
    .map(|(_, cmd)| (*cmd).to_owned())
}

fn intent(text: &str, file: Option<String>) -> Intent {
    let said: Vec<String> = words(text).collect();
    let any = |verbs: &[&str]| said.iter().any(|w| verbs.contains(&w.as_str()));
    if any(&["run", "execute", "list"]) {
        if let Some(command) = command(text) {
            return Intent::Run { command };
        }
    }
    match file {
        Some(path) if any(&["create", "write", "save", "add", "make", "generate"]) => {
            Intent::Write { path }
        }
        Some(path)
            if any(&[
                "read",
                "show",
                "open",
                "cat",
                "explain",
                "summarize",
                "review",
            ]) =>
        {
            Intent::Read { path }
        }
        _ => Intent::Chat,
    }
}

/// The working directory a coding agent's system prompt states (`Working directory: /x`).
fn working_directory(system: &str) -> Option<&str> {
    let lower = system.to_ascii_lowercase();
    let at = lower.find("working directory:")? + "working directory:".len();
    system
        .get(at..)?
        .split_whitespace()
        .next()
        .filter(|d| d.starts_with('/'))
}

/// The tool that does what `facts.intent` asks, with arguments for its schema.
fn tool_call<'t>(facts: &Facts<'_>, tools: &'t [ToolSpec]) -> Option<(&'t ToolSpec, Value)> {
    let (names, needs): (&[&str], &[&str]) = match facts.intent {
        Intent::Chat => return None,
        Intent::Write { .. } => (&["write", "create"], &["path", "file"]),
        Intent::Read { .. } => (&["read", "view", "cat", "open"], &["path", "file"]),
        Intent::Run { .. } => (
            &["bash", "shell", "exec", "command", "terminal", "run"],
            &["command", "cmd"],
        ),
    };
    let tool = tools.iter().find(|t| {
        let name = t.name.to_lowercase();
        names.iter().any(|n| name.contains(n))
            && property_names(&t.schema).any(|p| needs.iter().any(|n| p.contains(n)))
    });
    match (tool, &facts.intent) {
        (Some(tool), _) => Some((tool, value_for("", &tool.schema, facts))),
        // Codex writes files with its freeform `apply_patch` tool (a function with one
        // string `input` once translated), whose input is a patch in its own envelope.
        (None, Intent::Write { path }) => {
            if let Some(tool) = tools.iter().find(|t| t.name == "apply_patch") {
                let added: String = facts.code().lines().map(|l| format!("+{l}\n")).collect();
                let patch =
                    format!("*** Begin Patch\n*** Add File: {path}\n{added}*** End Patch\n");
                return Some((tool, serde_json::json!({ "input": patch })));
            }
            // Else a shell tool (Codex's `exec_command`) writes it with a here-document.
            let command = format!("cat > {path} <<'EOF'\n{}EOF", facts.code());
            shell_call(tools, command)
        }
        (None, _) => None,
    }
}

/// A call of the first shell-like tool (name and a `command`/`cmd` property) that runs
/// `command`, as a string or as `["bash", "-lc", command]` when the property is an array.
fn shell_call(tools: &[ToolSpec], command: String) -> Option<(&ToolSpec, Value)> {
    tools.iter().find_map(|t| {
        let name = t.name.to_lowercase();
        if !["bash", "shell", "exec", "command", "run"]
            .iter()
            .any(|n| name.contains(n))
        {
            return None;
        }
        let props = t.schema.get("properties").and_then(Value::as_object)?;
        let (prop, schema) = props
            .iter()
            .find(|(p, _)| matches!(p.to_lowercase().as_str(), "command" | "cmd"))?;
        let value = match schema.get("type").and_then(Value::as_str) {
            Some("array") => serde_json::json!(["bash", "-lc", &command]),
            _ => Value::String(command.clone()),
        };
        let mut args = Map::new();
        args.insert(prop.clone(), value);
        Some((t, Value::Object(args)))
    })
}

fn property_names(schema: &Value) -> impl Iterator<Item = String> + '_ {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|props| props.keys().map(|k| k.to_lowercase()))
}

/// A value valid for `schema`, chosen from the facts by the property's `name`.
fn value_for(name: &str, schema: &Value, facts: &Facts<'_>) -> Value {
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    if let Some(value) = schema.get("const") {
        return value.clone();
    }
    if let Some(first) = ["anyOf", "oneOf"].iter().find_map(|k| {
        schema
            .get(*k)
            .and_then(Value::as_array)
            .and_then(|a| a.first())
    }) {
        return value_for(name, first, facts);
    }
    let kind = match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        // `["string", "null"]`: the first non-null type.
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if schema.get("properties").is_some() => "object",
        _ => "string",
    };
    match kind {
        "object" => object_for(schema, facts),
        "array" => array_for(name, schema, facts),
        "integer" | "number" => schema
            .get("minimum")
            .cloned()
            .unwrap_or_else(|| Value::from(1)),
        "boolean" => Value::Bool(false),
        "null" => Value::Null,
        _ => Value::String(string_for(name, schema, facts)),
    }
}

/// The required properties of an object schema (all of them when none is marked).
fn object_for(schema: &Value, facts: &Facts<'_>) -> Value {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Value::Object(Map::new());
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_else(|| props.keys().map(String::as_str).collect());
    let out: Map<String, Value> = required
        .into_iter()
        .filter_map(|k| Some((k.to_owned(), value_for(k, props.get(k)?, facts))))
        .collect();
    Value::Object(out)
}

fn array_for(name: &str, schema: &Value, facts: &Facts<'_>) -> Value {
    let lower = name.to_lowercase();
    if let Intent::Run { command } = &facts.intent {
        // Codex's `shell` tool takes argv.
        if lower.contains("command") || lower.contains("cmd") || lower.contains("argv") {
            return Value::from(vec!["bash", "-lc", command.as_str()]);
        }
    }
    let min_items = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0);
    match schema.get("items") {
        Some(items) if min_items > 0 => Value::Array(vec![value_for(name, items, facts)]),
        _ => Value::Array(Vec::new()),
    }
}

fn string_for(name: &str, schema: &Value, facts: &Facts<'_>) -> String {
    let lower = name.to_lowercase();
    let described = |word: &str| {
        schema
            .get("description")
            .and_then(Value::as_str)
            .is_some_and(|d| d.to_lowercase().contains(word))
    };
    let file = match &facts.intent {
        Intent::Write { path } | Intent::Read { path } => Some(path.as_str()),
        _ => None,
    };
    if lower.contains("path") || lower.contains("file") {
        let path = file.map_or_else(
            || format!("hello.{}", facts.language.map_or("txt", |l| l.extension)),
            str::to_owned,
        );
        return facts.path(&path, described("absolute"));
    }
    if lower.contains("command") || lower.contains("cmd") {
        if let Intent::Run { command } = &facts.intent {
            return command.clone();
        }
    }
    if ["content", "code", "text", "body", "source"]
        .iter()
        .any(|k| lower.contains(k))
    {
        return facts.code().to_owned();
    }
    if lower.contains("url") {
        return "https://example.com".to_owned();
    }
    // A title, description or anything else: the gist of the request (its first line
    // that is not a markup tag, such as Claude Code's `<session>`).
    let first_line = facts
        .request
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('<'))
        .unwrap_or("");
    let gist = first_chars(first_line, 60).to_owned();
    if gist.is_empty() {
        "Demo".to_owned()
    } else {
        gist
    }
}

/// Plain text with a code block in the language asked for.
fn text_answer(request: &str) -> String {
    match language_named(request) {
        Some(Language { fence, hello, .. }) => format!(
            "Here is a small {fence} program:\n\n```{fence}\n{hello}```\n\n{DEMO_NOTE}"
        ),
        None => format!(
            "You asked: \"{}\". Here is what an answer with code looks like:\n\n```python\n{}```\n\n{DEMO_NOTE}",
            first_chars(request, 80),
            LANGUAGES[0].hello
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn prompt(user: &str, tools: Vec<ToolSpec>) -> Prompt {
        Prompt {
            last_user_text: user.to_owned(),
            tools,
            system_text: "Working directory: /home/dev/proj\nIs a git repo: no".to_owned(),
            ..Prompt::default()
        }
    }

    /// Claude Code's Write, Read and Bash tools (their schemas, shortened).
    fn claude_code_tools() -> Vec<ToolSpec> {
        let tool = |name: &str, schema: Value| ToolSpec::from_schema(name, Some(&schema));
        vec![
            tool(
                "Agent",
                json!({"type": "object", "properties": {"prompt": {"type": "string"}}, "required": ["prompt"]}),
            ),
            tool(
                "Bash",
                json!({"type": "object", "properties": {"command": {"type": "string"}, "timeout": {"type": "number"}}, "required": ["command"]}),
            ),
            tool(
                "Read",
                json!({"type": "object", "properties": {"file_path": {"type": "string", "description": "The absolute path to the file to read"}, "limit": {"type": "integer"}}, "required": ["file_path"]}),
            ),
            tool(
                "Write",
                json!({"type": "object", "properties": {"file_path": {"type": "string", "description": "The absolute path to the file to write (must be absolute, not relative)"}, "content": {"type": "string"}}, "required": ["file_path", "content"]}),
            ),
        ]
    }

    #[test]
    fn codex_writes_with_an_apply_patch() {
        let tool = |name: &str, schema: Value| ToolSpec::from_schema(name, Some(&schema));
        let tools = vec![
            tool(
                "shell",
                json!({"type": "object", "properties": {"command": {"type": "array", "items": {"type": "string"}}}, "required": ["command"]}),
            ),
            tool(
                "apply_patch",
                json!({"type": "object", "properties": {"input": {"type": "string"}}, "required": ["input"]}),
            ),
        ];
        let Answer::ToolCall { name, input, .. } =
            answer(&prompt("Write a hello world in Go to hello.go", tools))
        else {
            panic!("expected a tool call");
        };
        assert_eq!(name, "apply_patch");
        let patch = input["input"].as_str().unwrap();
        assert!(
            patch.starts_with("*** Begin Patch\n*** Add File: hello.go\n+package main\n"),
            "{patch}"
        );
        assert!(patch.ends_with("*** End Patch\n"), "{patch}");
    }

    #[test]
    fn codex_without_apply_patch_writes_through_its_shell_tool() {
        let tools = vec![ToolSpec::from_schema(
            "exec_command",
            Some(
                &json!({"type": "object", "properties": {"cmd": {"type": "string"}, "workdir": {"type": "string"}}, "required": ["cmd"]}),
            ),
        )];
        let Answer::ToolCall { name, input, .. } =
            answer(&prompt("Write a hello world in Python to hello.py", tools))
        else {
            panic!("expected a tool call");
        };
        assert_eq!(name, "exec_command");
        let cmd = input["cmd"].as_str().unwrap();
        assert!(cmd.starts_with("cat > hello.py <<'EOF'\n"), "{cmd}");
        assert!(cmd.ends_with("\nEOF"), "{cmd}");
    }

    fn text(a: Answer) -> String {
        match a {
            Answer::Text(t) => t,
            other => panic!("expected text, got {other:?}"),
        }
    }

    fn call(a: Answer) -> (String, Value) {
        match a {
            Answer::ToolCall {
                name,
                input,
                arguments,
            } => {
                assert_eq!(serde_json::from_str::<Value>(&arguments).unwrap(), input);
                (name, input)
            }
            other => panic!("expected a tool call, got {other:?}"),
        }
    }

    #[test]
    fn a_question_gets_text_with_code_in_its_language_although_tools_are_offered() {
        let user = "<system-reminder>\nToday is Monday. Use Rust.\n</system-reminder>\nWrite a hello world in Python";
        let out = text(answer(&prompt(user, claude_code_tools())));
        assert!(out.contains("```python\n"), "{out}");
        assert!(out.contains("print(\"Hello, world!\")"), "{out}");
        assert!(out.contains("demo mode"), "{out}");
        let out = text(answer(&prompt("show me a Rust function", Vec::new())));
        assert!(out.contains("```rust\nfn main()"), "{out}");
        let out = text(answer(&prompt("let's go and fix it in go", Vec::new())));
        assert!(out.contains("```go\n"), "{out}");
    }

    #[test]
    fn asking_to_create_a_file_calls_the_write_tool_with_valid_arguments() {
        let (name, input) = call(answer(&prompt(
            "Create a file hello.rs that prints hello",
            claude_code_tools(),
        )));
        assert_eq!(name, "Write");
        assert_eq!(input["file_path"], "/home/dev/proj/hello.rs");
        assert!(input["content"].as_str().unwrap().contains("println!"));
        assert_eq!(input.as_object().unwrap().len(), 2);
    }

    #[test]
    fn reading_and_running_pick_their_tools() {
        let (name, input) = call(answer(&prompt(
            "Please read src/main.rs",
            claude_code_tools(),
        )));
        assert_eq!(
            (name.as_str(), &input["file_path"]),
            ("Read", &json!("/home/dev/proj/src/main.rs"))
        );
        let (name, input) = call(answer(&prompt(
            "run `cargo test` for me",
            claude_code_tools(),
        )));
        assert_eq!(
            (name.as_str(), input),
            ("Bash", json!({"command": "cargo test"}))
        );
        // Codex's shell tool takes argv.
        let shell = ToolSpec::from_schema(
            "shell",
            Some(&json!({"type": "object", "properties": {
                "command": {"type": "array", "items": {"type": "string"}},
                "workdir": {"type": "string"}
            }, "required": ["command"]})),
        );
        let (_, input) = call(answer(&prompt("list the files here", vec![shell])));
        assert_eq!(input, json!({"command": ["bash", "-lc", "ls"]}));
    }

    #[test]
    fn without_a_matching_tool_the_answer_is_text() {
        let out = text(answer(&prompt("Create a file notes.md", Vec::new())));
        assert!(out.contains("demo mode"), "{out}");
    }

    #[test]
    fn a_tool_result_ends_the_turn_in_text() {
        let mut p = prompt("Create a file hello.py", claude_code_tools());
        p.tool_result = Some("\nFile created successfully at: /home/dev/proj/hello.py\n".into());
        let out = text(answer(&p));
        assert!(
            out.starts_with("Done. The tool reported: File created successfully"),
            "{out}"
        );
    }

    #[test]
    fn structured_output_matches_the_schema() {
        let mut p = prompt(
            "<session>\nWrite a hello world in Python\n</session>\n\nWrite the title.",
            Vec::new(),
        );
        p.json_schema = Some(json!({
            "type": "object",
            "properties": {"title": {"type": "string"}, "n": {"type": "integer"}, "kind": {"enum": ["a", "b"]}},
            "required": ["title", "kind"],
            "additionalProperties": false
        }));
        let out: Value = serde_json::from_str(&text(answer(&p))).unwrap();
        assert_eq!(
            out,
            json!({"title": "Write a hello world in Python", "kind": "a"})
        );
    }
}
