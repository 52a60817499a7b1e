//! Prompt templates: the built-in instructions per task, each carrying the language's
//! conventions, rendered with minijinja. A template's name and version identify the prompt
//! that produced an answer (for analytics); the version changes whenever a built-in changes.

use crate::{conventions::conventions, CodeTask, Conventions, Language, SyntaxError};
use serde::Serialize;

/// Version of the built-in templates.
pub const BUILTIN_VERSION: &str = "builtin-1";

/// The system prompt shared by every task: who the model is and the language's conventions.
const SYSTEM: &str = r#"You are an expert {{ language.display }} programmer working inside a developer's editor.
Write {{ language.display }} that follows these conventions:
- Formatting and naming: {{ conventions.style }}
- Idioms: {{ conventions.idioms }}
- Error handling: {{ conventions.errors }}
- Types: {{ conventions.types }}
- Tests: {{ conventions.tests }}
- Documentation: {{ conventions.docs }}
{% if wants_code %}Put the code in exactly one fenced code block tagged `{{ language.name }}`; keep any explanation short and outside the block.{% else %}Answer in concise prose; quote code in fenced blocks tagged `{{ language.name }}`.{% endif %}"#;

/// The code, when the request carries some, in the user's message.
const CONTEXT_BLOCK: &str = "{% if context %}\n\nCode:\n```{{ language.name }}\n{{ context }}\n```{% endif %}";

/// The user message of each task, by task name (`CONTEXT_BLOCK` is appended).
const TASKS: [(&str, &str); 7] = [
    ("generate", "Write {{ language.display }} code for this request:\n{{ prompt }}"),
    (
        "complete",
        "{% if prefix is defined or suffix is defined %}Write the {{ language.display }} code that belongs between the prefix and the suffix. Answer with only the missing code.{% if prompt %}\nHint: {{ prompt }}{% endif %}\n\nPrefix:\n```{{ language.name }}\n{{ prefix }}\n```\n\nSuffix:\n```{{ language.name }}\n{{ suffix }}\n```{% else %}Complete this {{ language.display }} code. Answer with the whole completed code.\n{{ prompt }}{% endif %}",
    ),
    (
        "review",
        "Review this {{ language.display }} code for bugs, security problems, and departures from the conventions. List each finding with its line and a fix.\n{{ prompt }}",
    ),
    (
        "document",
        "Add documentation comments in the language's style to this {{ language.display }} code without changing its behaviour. Answer with the whole documented code.\n{{ prompt }}",
    ),
    ("explain", "Explain what this {{ language.display }} code does and why.\n{{ prompt }}"),
    (
        "test",
        "Write tests for this {{ language.display }} code with the language's usual test framework, covering normal cases, edge cases and errors.\n{{ prompt }}",
    ),
    (
        "refactor",
        "Refactor this {{ language.display }} code to be clearer and more idiomatic without changing its behaviour. Answer with the whole refactored code.\n{{ prompt }}",
    ),
];

/// The user message asking a model to fix code that does not parse.
const REPAIR: &str = r#"This {{ language.display }} code does not parse:
```{{ language.name }}
{{ code }}
```
The parser reports:
{% for e in errors %}- line {{ e.line }}, column {{ e.column }}: {{ e.message }}
{% endfor %}
Fix the syntax errors without changing what the code does, and answer with the whole corrected code in one fenced code block tagged `{{ language.name }}`."#;

/// A rendered prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedPrompt {
    /// The system message.
    pub system: String,
    /// The user message.
    pub user: String,
    /// The template's name (the task's, or `repair`).
    pub template: &'static str,
    /// The template's version.
    pub version: &'static str,
}

/// What a code request says, for its prompt.
#[derive(Debug, Clone, Default)]
pub struct PromptInput<'a> {
    /// The request's instructions.
    pub prompt: &'a str,
    /// Code the request is about.
    pub context: Option<&'a str>,
    /// Code before the cursor (fill in the middle).
    pub prefix: Option<&'a str>,
    /// Code after the cursor (fill in the middle).
    pub suffix: Option<&'a str>,
}

/// Why a prompt could not be rendered.
#[derive(Debug, thiserror::Error)]
#[error("prompt template `{template}`: {source}")]
pub struct TemplateError {
    template: &'static str,
    #[source]
    source: minijinja::Error,
}

/// The prompt templates, compiled once.
#[derive(Debug)]
pub struct PromptTemplates {
    env: minijinja::Environment<'static>,
}

#[derive(Serialize)]
struct LanguageVars {
    name: &'static str,
    display: &'static str,
}

impl PromptTemplates {
    /// The built-in templates.
    pub fn builtin() -> Result<Self, TemplateError> {
        let mut env = minijinja::Environment::new();
        env.set_trim_blocks(true);
        let add = |env: &mut minijinja::Environment<'static>, name: &'static str, src: String| {
            env.add_template_owned(name, src)
                .map_err(|source| TemplateError { template: name, source })
        };
        add(&mut env, "system", SYSTEM.to_owned())?;
        add(&mut env, "repair", REPAIR.to_owned())?;
        for (name, body) in TASKS {
            add(&mut env, name, format!("{body}{CONTEXT_BLOCK}"))?;
        }
        Ok(PromptTemplates { env })
    }

    /// The prompt for `task` in `language`.
    pub fn render(
        &self,
        task: CodeTask,
        language: Language,
        input: &PromptInput<'_>,
    ) -> Result<RenderedPrompt, TemplateError> {
        let mut vars = serde_json::json!({
            "language": language_vars(language),
            "conventions": conventions(language),
            "wants_code": task.wants_code(),
            "prompt": input.prompt,
            "context": input.context,
        });
        if input.prefix.is_some() || input.suffix.is_some() {
            vars["prefix"] = input.prefix.unwrap_or_default().into();
            vars["suffix"] = input.suffix.unwrap_or_default().into();
        }
        Ok(RenderedPrompt {
            system: self.render_one("system", &vars)?,
            user: self.render_one(task.name(), &vars)?,
            template: task.name(),
            version: BUILTIN_VERSION,
        })
    }

    /// The prompt asking to fix `code`, which failed to parse with `errors`.
    pub fn render_repair(
        &self,
        task: CodeTask,
        language: Language,
        code: &str,
        errors: &[SyntaxError],
    ) -> Result<RenderedPrompt, TemplateError> {
        let vars = serde_json::json!({
            "language": language_vars(language),
            "conventions": conventions(language),
            "wants_code": task.wants_code() || !code.is_empty(),
            "code": code.trim_end(),
            "errors": errors,
        });
        Ok(RenderedPrompt {
            system: self.render_one("system", &vars)?,
            user: self.render_one("repair", &vars)?,
            template: "repair",
            version: BUILTIN_VERSION,
        })
    }

    fn render_one(
        &self,
        name: &'static str,
        vars: &serde_json::Value,
    ) -> Result<String, TemplateError> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(vars))
            .map_err(|source| TemplateError { template: name, source })
    }
}

fn language_vars(language: Language) -> LanguageVars {
    LanguageVars {
        name: language.name(),
        display: language.display_name(),
    }
}

/// The conventions the templates use for `language`.
pub fn conventions_of(language: Language) -> Conventions {
    conventions(language)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_task_renders_for_every_language_with_its_conventions() {
        let templates = PromptTemplates::builtin().unwrap();
        let input = PromptInput {
            prompt: "parse a CSV line",
            context: Some("existing code"),
            ..Default::default()
        };
        for task in CodeTask::ALL {
            for language in Language::ALL {
                let p = templates.render(task, language, &input).unwrap();
                assert!(p.system.contains(language.display_name()), "{task:?} {language}");
                assert!(p.system.contains(conventions(language).tests));
                assert!(p.user.contains("parse a CSV line"), "{task:?} {language}");
                assert!(p.user.contains("existing code"));
                assert!(p.user.contains(&format!("```{}", language.name())));
                assert_eq!(p.template, task.name());
                assert_eq!(p.version, BUILTIN_VERSION);
            }
        }
    }

    #[test]
    fn fill_in_the_middle_shows_prefix_and_suffix() {
        let templates = PromptTemplates::builtin().unwrap();
        let input = PromptInput {
            prefix: Some("def add(a, b):\n"),
            suffix: Some("\nprint(add(1, 2))"),
            ..Default::default()
        };
        let p = templates.render(CodeTask::Complete, Language::Python, &input).unwrap();
        assert!(p.user.contains("Prefix:\n```python\ndef add(a, b):"), "{}", p.user);
        assert!(p.user.contains("print(add(1, 2))"));
    }

    #[test]
    fn repair_lists_the_parser_errors() {
        let templates = PromptTemplates::builtin().unwrap();
        let errors = [SyntaxError { line: 2, column: 5, message: "missing `)`".into() }];
        let p = templates
            .render_repair(CodeTask::Generate, Language::Rust, "fn a( {}\n", &errors)
            .unwrap();
        assert!(p.user.contains("line 2, column 5: missing `)`"), "{}", p.user);
        assert!(p.user.contains("```rust\nfn a( {}\n```"));
        assert_eq!(p.template, "repair");
    }
}
