//! Documentation inserted per language: style, indentation, line endings, and a result
//! that still parses.

use super::super::symbols::{parse, syntax_problems, undocumented};
use super::*;

/// `text` with every undocumented public symbol documented by `prose(name)`.
fn documented(language: Language, text: &str, prose: impl Fn(&str) -> Vec<String>) -> String {
    let tree = parse(language, text).unwrap();
    let all: Vec<Documented> = undocumented(language, text, &tree)
        .into_iter()
        .map(|symbol| Documented {
            prose: prose(&symbol.name),
            symbol,
        })
        .collect();
    assert!(!all.is_empty(), "nothing to document in:\n{text}");
    let out = insert_all(language, text, &all);
    let new_tree = parse(language, &out).unwrap();
    assert_eq!(
        syntax_problems(&new_tree),
        Vec::<usize>::new(),
        "does not parse:\n{out}"
    );
    // Documented now: nothing left to do.
    assert_eq!(undocumented(language, &out, &new_tree), Vec::new(), "{out}");
    out
}

fn one_line(name: &str) -> Vec<String> {
    vec![format!("About {name}.")]
}

fn two_paragraphs(name: &str) -> Vec<String> {
    vec![format!("About {name}."), String::new(), "More.".to_owned()]
}

#[test]
fn rust_gets_triple_slash_lines_above_attributes_indented_like_the_item() {
    let text = "#[derive(Debug)]\npub struct Config;\n\nimpl Config {\n    pub fn load() -> Self {\n        Config\n    }\n}\n";
    assert_eq!(
        documented(Language::Rust, text, two_paragraphs),
        "/// About Config.\n///\n/// More.\n#[derive(Debug)]\npub struct Config;\n\nimpl Config {\n    /// About load.\n    ///\n    /// More.\n    pub fn load() -> Self {\n        Config\n    }\n}\n"
    );
}

#[test]
fn python_gets_a_docstring_as_the_first_statement() {
    let text = "class Store:\n    def get(self, key):\n        return key\n\n\ndef add(a, b): return a + b\n";
    assert_eq!(
        documented(Language::Python, text, one_line),
        "class Store:\n    \"\"\"About Store.\"\"\"\n    def get(self, key):\n        \"\"\"About get.\"\"\"\n        return key\n\n\ndef add(a, b):\n    \"\"\"About add.\"\"\"\n    return a + b\n"
    );
    let text = "def load(path):\n    return path\n";
    assert_eq!(
        documented(Language::Python, text, two_paragraphs),
        "def load(path):\n    \"\"\"About load.\n\n    More.\n    \"\"\"\n    return path\n"
    );
}

#[test]
fn python_docstrings_escape_what_would_end_or_break_them() {
    let text = "def quote(s):\n    return s\n";
    let out = documented(Language::Python, text, |_| {
        vec![r#"Wraps "s" in \"quotes\" or """ triple """"#.to_owned()]
    });
    assert!(
        out.contains(r#""""Wraps "s" in \\"quotes\\" or ''' triple '''""""#),
        "{out}"
    );
    let out = documented(Language::Python, text, |_| vec![r#"Says "hi""#.to_owned()]);
    assert!(out.contains(r#""""Says "hi" """"#), "{out}");
}

#[test]
fn typescript_and_java_get_block_comments() {
    let text = "export function add(a: number, b: number): number {\n  return a + b;\n}\n";
    assert_eq!(
        documented(Language::TypeScript, text, two_paragraphs),
        "/**\n * About add.\n *\n * More.\n */\nexport function add(a: number, b: number): number {\n  return a + b;\n}\n"
    );
    let text =
        "public class Greeter {\n    public String greet() {\n        return \"hi\";\n    }\n}\n";
    assert_eq!(
        documented(Language::Java, text, |n| vec![format!("Ends */ early {n}.")]),
        "/** Ends *\\/ early Greeter. */\npublic class Greeter {\n    /** Ends *\\/ early greet. */\n    public String greet() {\n        return \"hi\";\n    }\n}\n"
    );
}

#[test]
fn go_comments_start_with_the_name() {
    let text = "package a\n\nfunc ParseConfig() {}\n\nfunc LoadFile() {}\n";
    let out = documented(Language::Go, text, |name| {
        if name == "LoadFile" {
            vec!["LoadFile reads a file.".to_owned()]
        } else {
            vec!["Parse config.".to_owned()]
        }
    });
    assert_eq!(
        out,
        "package a\n\n// ParseConfig parse config.\nfunc ParseConfig() {}\n\n// LoadFile reads a file.\nfunc LoadFile() {}\n"
    );
    assert_eq!(lower_first("JSON config."), "JSON config.");
}

#[test]
fn crlf_files_keep_crlf() {
    let text = "pub fn a() {}\r\n\r\npub fn b() {}\r\n";
    let out = documented(Language::Rust, text, one_line);
    assert_eq!(
        out,
        "/// About a.\r\npub fn a() {}\r\n\r\n/// About b.\r\npub fn b() {}\r\n"
    );
}
