//! Files into chunks: one per symbol (function, method, class, struct, impl, trait, ...)
//! with its doc comments, found with the language's tree-sitter grammar; the code between
//! symbols, and files without a grammar, in windows of lines.

mod lines;
mod rules;
mod symbols;
mod windows;

pub(crate) use lines::Lines;

use crate::languages::language_of;
use std::collections::HashMap;
use std::path::Path;
use switchyard_codeintel::Language;

/// Bumped whenever chunking changes, so that stored indexes are rebuilt.
pub(crate) const CHUNKER_VERSION: u32 = 1;

/// What a chunk holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChunkKind {
    /// A free function.
    Function,
    /// A function inside a class, impl, trait or interface.
    Method,
    /// A class (its header: what comes before its first method).
    Class,
    /// A struct or union.
    Struct,
    /// An enum.
    Enum,
    /// An interface.
    Interface,
    /// A trait (its header).
    Trait,
    /// An impl block (its header).
    Impl,
    /// A module with a body (its header).
    Module,
    /// A type alias or type declaration.
    Type,
    /// A macro definition.
    Macro,
    /// Code between symbols (imports, constants, statements).
    Code,
    /// A window of a file without a grammar (docs, config, other languages).
    Text,
}

impl ChunkKind {
    /// Every kind.
    pub const ALL: [ChunkKind; 13] = [
        ChunkKind::Function,
        ChunkKind::Method,
        ChunkKind::Class,
        ChunkKind::Struct,
        ChunkKind::Enum,
        ChunkKind::Interface,
        ChunkKind::Trait,
        ChunkKind::Impl,
        ChunkKind::Module,
        ChunkKind::Type,
        ChunkKind::Macro,
        ChunkKind::Code,
        ChunkKind::Text,
    ];

    /// The kind's name, as stored and printed.
    pub fn name(self) -> &'static str {
        match self {
            ChunkKind::Function => "function",
            ChunkKind::Method => "method",
            ChunkKind::Class => "class",
            ChunkKind::Struct => "struct",
            ChunkKind::Enum => "enum",
            ChunkKind::Interface => "interface",
            ChunkKind::Trait => "trait",
            ChunkKind::Impl => "impl",
            ChunkKind::Module => "module",
            ChunkKind::Type => "type",
            ChunkKind::Macro => "macro",
            ChunkKind::Code => "code",
            ChunkKind::Text => "text",
        }
    }

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<ChunkKind> {
        ChunkKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl std::fmt::Display for ChunkKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A piece of a file that is indexed and returned whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The symbol, qualified by its container (`Repository::search`, `Parser.parse`);
    /// `None` for code between symbols and text windows.
    pub symbol: Option<String>,
    /// What the chunk holds.
    pub kind: ChunkKind,
    /// First line, 1-based.
    pub start_line: usize,
    /// Last line, 1-based, inclusive.
    pub end_line: usize,
    /// The lines, as in the file.
    pub text: String,
}

/// Line counts that shape chunks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChunkLimits {
    pub window_lines: usize,
    pub max_chunk_lines: usize,
}

/// Chunks files; keeps one tree-sitter parser per language (a parser is not `Sync`: one
/// chunker per thread).
#[derive(Default)]
pub(crate) struct Chunker {
    parsers: HashMap<Language, tree_sitter::Parser>,
}

impl Chunker {
    /// The chunks of the file at `path` (relative; its extension picks the grammar).
    pub(crate) fn chunk(&mut self, path: &Path, text: &str, limits: ChunkLimits) -> Vec<Chunk> {
        let lines = Lines::new(text);
        if lines.count() == 0 {
            return Vec::new();
        }
        if let Some(language) = language_of(path) {
            if let Some(tree) = self.parse(language, text) {
                return symbols::chunks(language, &tree, &lines, text, limits);
            }
        }
        windows::text_windows(&lines, limits.window_lines)
    }

    fn parse(&mut self, language: Language, text: &str) -> Option<tree_sitter::Tree> {
        let parser = match self.parsers.entry(language) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let mut parser = tree_sitter::Parser::new();
                parser.set_language(&language.grammar()).ok()?;
                e.insert(parser)
            }
        };
        parser.parse(text, None)
    }
}

/// The chunks of `text` as the file `path` (a convenience for one-off use and tests).
pub fn chunk_file(path: &Path, text: &str) -> Vec<Chunk> {
    let defaults = crate::IndexSettings::new("");
    Chunker::default().chunk(
        path,
        text,
        ChunkLimits {
            window_lines: defaults.window_lines,
            max_chunk_lines: defaults.max_chunk_lines,
        },
    )
}

#[cfg(test)]
mod tests;
