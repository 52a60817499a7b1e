//! Code intelligence for the gateway's code API: which languages it knows
//! ([`Language`]) and tasks it serves ([`CodeTask`]), the code in a model's answer
//! ([`extract_code`]), whether that code parses ([`validate`], with tree-sitter), and the
//! prompts that ask for it ([`PromptTemplates`], with each language's [`Conventions`]).

mod conventions;
mod extract;
mod language;
mod task;
mod templates;
mod validate;

pub use conventions::Conventions;
pub use extract::{code_blocks, extract_code, CodeBlock, ExtractedCode};
pub use language::Language;
pub use task::CodeTask;
pub use templates::{
    conventions_of, PromptInput, PromptTemplates, RenderedPrompt, TemplateError, BUILTIN_VERSION,
};
pub use validate::{validate, SyntaxError, Validation};
