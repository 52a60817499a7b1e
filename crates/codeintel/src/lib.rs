//! Code intelligence for the gateway's code API: which languages it knows
//! ([`Language`]) and tasks it serves ([`CodeTask`]), the code in a model's answer
//! ([`extract_code`]), whether that code parses ([`validate`], with tree-sitter), and the
//! prompts that ask for it ([`PromptTemplates`], with each language's [`Conventions`]).

mod check;
mod conventions;
mod extract;
mod language;
mod mode;
mod request;
mod task;
mod templates;
mod validate;

pub use check::{check_answer, CheckedAnswer};
pub use conventions::{conventions, Conventions};
pub use extract::{code_blocks, extract_code, CodeBlock, ExtractedCode};
pub use language::Language;
pub use mode::ValidationMode;
pub use request::{decode_request, BadCodeRequest, CodeRequest, ACCEPTED_FIELDS};
pub use task::CodeTask;
pub use templates::{
    PromptInput, PromptTemplates, RenderedPrompt, RepositoryChunk, TemplateError, BUILTIN_VERSION,
};
pub use validate::{validate, SyntaxError, Validation};
