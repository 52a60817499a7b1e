//! `[code]`: the code API (`POST /v1/code/{task}`): prompt template overrides, what is done
//! with the code of an answer per task, and where escalation goes.
//!
//! ```toml
//! [code]
//! templates_dir = "prompts"      # optional: <name>.j2 / <name>.<language>.j2 override built-ins
//! router = "auto"                # the router used when a request names no model (default `auto`)
//! escalate_to = ["strong"]       # aliases, weakest first, for escalation without a router tier
//! [code.validation]              # per task: off | validate | repair | escalate
//! generate = "escalate"
//! ```

use super::{ConfigError, Validator};
use serde::Deserialize;
use std::{collections::BTreeMap, path::PathBuf};
use switchyard_codeintel::{CodeTask, ValidationMode};

/// `[code]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCode {
    templates_dir: Option<String>,
    router: Option<String>,
    #[serde(default)]
    escalate_to: Vec<String>,
    #[serde(default)]
    validation: BTreeMap<String, String>,
}

/// `[code]`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeConfig {
    /// Directory of template overrides (relative paths resolve against the config file's
    /// directory).
    pub templates_dir: Option<PathBuf>,
    /// The router a request without `model` goes to, when it exists.
    pub router: String,
    /// Aliases to escalate to, weakest first, when the request was not routed by tiers.
    pub escalate_to: Vec<String>,
    /// Validation mode of each task, in [`CodeTask::ALL`] order.
    modes: [ValidationMode; 7],
}

impl Default for CodeConfig {
    fn default() -> Self {
        Self {
            templates_dir: None,
            router: "auto".to_owned(),
            escalate_to: Vec::new(),
            modes: CodeTask::ALL.map(default_mode),
        }
    }
}

impl CodeConfig {
    /// What is done with the code of an answer to `task`.
    pub fn mode(&self, task: CodeTask) -> ValidationMode {
        let i = CodeTask::ALL.iter().position(|t| *t == task).unwrap_or(0);
        self.modes
            .get(i)
            .copied()
            .unwrap_or(ValidationMode::Validate)
    }
}

/// Defaults: tasks whose answer is code get one repair; a completion is only checked
/// (an IDE waits for it); review and explanation answer in prose.
fn default_mode(task: CodeTask) -> ValidationMode {
    match task {
        CodeTask::Generate | CodeTask::Document | CodeTask::Test | CodeTask::Refactor => {
            ValidationMode::Repair
        }
        CodeTask::Complete => ValidationMode::Validate,
        CodeTask::Review | CodeTask::Explain => ValidationMode::Off,
    }
}

impl Validator<'_> {
    pub(super) fn code(&self, raw: RawCode, aliases: &[&str]) -> Result<CodeConfig, ConfigError> {
        let mut config = CodeConfig::default();
        if let Some(dir) = raw.templates_dir {
            let dir = self.interpolate("code.templates_dir", &dir)?;
            config.templates_dir = Some(PathBuf::from(dir));
        }
        if let Some(router) = raw.router {
            config.router = router;
        }
        for (i, alias) in raw.escalate_to.iter().enumerate() {
            if !aliases.contains(&alias.as_str()) {
                return Err(self.err(
                    format!("code.escalate_to[{i}]"),
                    format!(
                        "unknown model alias `{alias}` (known: {})",
                        aliases.join(", ")
                    ),
                ));
            }
        }
        config.escalate_to = raw.escalate_to;
        for (task, mode) in raw.validation {
            let key = format!("code.validation.{task}");
            let Some(i) = CodeTask::ALL.iter().position(|t| t.name() == task) else {
                return Err(self.err(
                    key,
                    format!(
                        "unknown task (expected one of {})",
                        CodeTask::accepted_names()
                    ),
                ));
            };
            let mode = ValidationMode::from_name(&mode).ok_or_else(|| {
                self.err(
                    &key,
                    format!("unknown mode `{mode}` (expected off, validate, repair or escalate)"),
                )
            })?;
            if let Some(slot) = config.modes.get_mut(i) {
                *slot = mode;
            }
        }
        Ok(config)
    }
}
