//! The languages the gateway knows: their canonical names, the aliases clients and fenced
//! code blocks use for them, and their tree-sitter grammars.

use serde::{Serialize, Serializer};
use std::fmt;

/// A programming language whose code the gateway can extract, validate and prompt for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// Python 3.
    Python,
    /// JavaScript (ECMAScript, JSX accepted).
    JavaScript,
    /// TypeScript.
    TypeScript,
    /// Rust.
    Rust,
    /// Go.
    Go,
    /// Java.
    Java,
    /// C.
    C,
    /// C++.
    Cpp,
    /// C#.
    CSharp,
    /// SQL (the common dialects).
    Sql,
    /// Bash and POSIX shell.
    Bash,
}

impl Language {
    /// Every language, in the order error messages list them.
    pub const ALL: [Language; 11] = [
        Language::Python,
        Language::JavaScript,
        Language::TypeScript,
        Language::Rust,
        Language::Go,
        Language::Java,
        Language::C,
        Language::Cpp,
        Language::CSharp,
        Language::Sql,
        Language::Bash,
    ];

    /// The canonical name, as answers report it.
    pub fn name(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::JavaScript => "javascript",
            Language::TypeScript => "typescript",
            Language::Rust => "rust",
            Language::Go => "go",
            Language::Java => "java",
            Language::C => "c",
            Language::Cpp => "cpp",
            Language::CSharp => "csharp",
            Language::Sql => "sql",
            Language::Bash => "bash",
        }
    }

    /// The name people write for it in prose ("C++", "C#").
    pub fn display_name(self) -> &'static str {
        match self {
            Language::Python => "Python",
            Language::JavaScript => "JavaScript",
            Language::TypeScript => "TypeScript",
            Language::Rust => "Rust",
            Language::Go => "Go",
            Language::Java => "Java",
            Language::C => "C",
            Language::Cpp => "C++",
            Language::CSharp => "C#",
            Language::Sql => "SQL",
            Language::Bash => "Bash",
        }
    }

    /// Other names a client or a code fence may use, lower case.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Language::Python => &["py", "python3"],
            Language::JavaScript => &["js", "jsx", "node", "mjs", "cjs", "ecmascript"],
            Language::TypeScript => &["ts", "tsx"],
            Language::Rust => &["rs"],
            Language::Go => &["golang"],
            Language::Java => &[],
            Language::C => &["h"],
            Language::Cpp => &["c++", "cxx", "cc", "hpp", "hxx"],
            Language::CSharp => &["c#", "cs", "dotnet"],
            Language::Sql => &["postgresql", "postgres", "mysql", "sqlite", "plsql", "tsql"],
            Language::Bash => &["sh", "shell", "zsh", "console", "shellscript"],
        }
    }

    /// The language named `name` (its name or an alias, any case), if the gateway knows it.
    pub fn from_name(name: &str) -> Option<Language> {
        let lower = name.trim().to_ascii_lowercase();
        Language::ALL
            .into_iter()
            .find(|l| l.name() == lower || l.aliases().contains(&lower.as_str()))
    }

    /// The tree-sitter grammar that parses the language.
    pub fn grammar(self) -> tree_sitter::Language {
        match self {
            Language::Python => tree_sitter_python::LANGUAGE.into(),
            // The JavaScript grammar also parses JSX, which answers often contain.
            Language::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            // TSX is a superset of TypeScript minus angle-bracket casts, which models rarely
            // write; it accepts the React components that TypeScript answers often are.
            Language::TypeScript => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Language::Rust => tree_sitter_rust::LANGUAGE.into(),
            Language::Go => tree_sitter_go::LANGUAGE.into(),
            Language::Java => tree_sitter_java::LANGUAGE.into(),
            Language::C => tree_sitter_c::LANGUAGE.into(),
            Language::Cpp => tree_sitter_cpp::LANGUAGE.into(),
            Language::CSharp => tree_sitter_c_sharp::LANGUAGE.into(),
            Language::Sql => tree_sitter_sequel::LANGUAGE.into(),
            Language::Bash => tree_sitter_bash::LANGUAGE.into(),
        }
    }

    /// The canonical names of every language, comma separated (for error messages).
    pub fn accepted_names() -> String {
        Language::ALL.map(Language::name).join(", ")
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Language {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_resolve_in_any_case() {
        assert_eq!(Language::from_name("Python"), Some(Language::Python));
        assert_eq!(Language::from_name("TS"), Some(Language::TypeScript));
        assert_eq!(Language::from_name("c++"), Some(Language::Cpp));
        assert_eq!(Language::from_name("C#"), Some(Language::CSharp));
        assert_eq!(Language::from_name("golang"), Some(Language::Go));
        assert_eq!(Language::from_name("cobol"), None);
        for l in Language::ALL {
            assert_eq!(Language::from_name(l.name()), Some(l));
        }
    }

    #[test]
    fn no_alias_names_two_languages() {
        let mut seen = std::collections::HashSet::new();
        for l in Language::ALL {
            assert!(seen.insert(l.name()));
            for a in l.aliases() {
                assert!(seen.insert(a), "alias {a} is used twice");
            }
        }
    }
}
