//! Which of codeintel's languages a file is written in, by its extension.

use std::path::Path;
use switchyard_codeintel::Language;

/// The language whose grammar chunks `path`, if the gateway knows one.
pub fn language_of(path: &Path) -> Option<Language> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    let language = match ext.as_str() {
        "py" | "pyi" => Language::Python,
        "js" | "jsx" | "mjs" | "cjs" => Language::JavaScript,
        "ts" | "tsx" | "mts" | "cts" => Language::TypeScript,
        "rs" => Language::Rust,
        "go" => Language::Go,
        "java" => Language::Java,
        "c" | "h" => Language::C,
        "cc" | "cpp" | "cxx" | "c++" | "hh" | "hpp" | "hxx" => Language::Cpp,
        "cs" => Language::CSharp,
        "sql" => Language::Sql,
        "sh" | "bash" | "zsh" => Language::Bash,
        _ => return None,
    };
    Some(language)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_map_to_languages() {
        assert_eq!(language_of(Path::new("src/main.rs")), Some(Language::Rust));
        assert_eq!(language_of(Path::new("a/B.JAVA")), Some(Language::Java));
        assert_eq!(language_of(Path::new("x.tsx")), Some(Language::TypeScript));
        assert_eq!(language_of(Path::new("x.hpp")), Some(Language::Cpp));
        assert_eq!(language_of(Path::new("README.md")), None);
        assert_eq!(language_of(Path::new("Makefile")), None);
    }
}
