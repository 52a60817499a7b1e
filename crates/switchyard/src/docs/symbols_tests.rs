//! Which symbols are found per language, and where their documentation goes.

use super::*;

fn found(language: Language, text: &str) -> Vec<Symbol> {
    let tree = parse(language, text).unwrap();
    assert_eq!(
        syntax_problems(&tree),
        Vec::<usize>::new(),
        "test source must parse:\n{text}"
    );
    undocumented(language, text, &tree)
}

fn names(language: Language, text: &str) -> Vec<String> {
    found(language, text).into_iter().map(|s| s.name).collect()
}

#[test]
fn rust_public_items_and_methods_without_doc_comments() {
    let text = r#"//! Crate docs.

/// Documented.
pub fn documented() {}

pub fn parse_config(path: &str) -> u32 {
    0
}

fn private_helper() {}

pub(crate) fn crate_only() {}

#[derive(Debug)]
pub struct RetryPolicy {
    pub attempts: u32,
}

/// Documented enum.
#[derive(Debug)]
pub enum Mode { A }

#[doc = "Documented by attribute."]
pub trait Named {}

pub trait Greeter {
    fn greet(&self);
}

impl RetryPolicy {
    pub fn new() -> Self {
        Self { attempts: 1 }
    }

    fn internal(&self) {}

    /// Documented method.
    pub fn documented_method(&self) {}
}

impl Greeter for RetryPolicy {
    fn greet(&self) {}
}
"#;
    assert_eq!(
        names(Language::Rust, text),
        ["parse_config", "RetryPolicy", "Greeter", "greet", "new"]
    );
    let symbols = found(Language::Rust, text);
    // The struct's documentation goes above its attributes.
    let retry = &symbols[1];
    assert_eq!(retry.kind, "struct");
    assert_eq!(
        retry.placement,
        Placement::Above {
            at: text.find("#[derive(Debug)]\npub struct").unwrap(),
            indent: String::new()
        }
    );
    assert!(retry.source.starts_with("pub struct RetryPolicy"));
    // A public trait's methods need no `pub`.
    assert_eq!(symbols[3].kind, "method");
    assert_eq!(
        symbols[3].placement,
        Placement::Above {
            at: text.find("    fn greet(&self);").unwrap(),
            indent: "    ".to_owned()
        }
    );
    // A method is indented like its impl's body.
    let new = &symbols[4];
    assert_eq!(new.kind, "method");
    assert_eq!(
        new.placement,
        Placement::Above {
            at: text.find("    pub fn new").unwrap(),
            indent: "    ".to_owned()
        }
    );
    assert_eq!(
        new.line,
        text[..text.find("pub fn new").unwrap()].lines().count()
    );
}

#[test]
fn python_public_functions_classes_and_methods_without_docstrings() {
    let text = r#"import os


def load_file(path):
    return open(path).read()


def _private():
    pass


def documented():
    """Already documented."""
    return 1


class UserStore:
    def __init__(self):
        self.users = {}

    @property
    def count(self):
        # A comment first.
        return len(self.users)

    def _hidden(self):
        pass


class _Internal:
    def visible_but_private_class(self):
        pass


def one_liner(x): return x
"#;
    assert_eq!(
        names(Language::Python, text),
        ["load_file", "UserStore", "count", "one_liner"]
    );
    let symbols = found(Language::Python, text);
    assert_eq!(
        symbols[0].placement,
        Placement::BodyLine {
            at: text.find("    return open").unwrap(),
            indent: "    ".to_owned()
        }
    );
    // The class's docstring goes before its first statement, the method's after the
    // decorator line, before its comment's statement.
    assert_eq!(symbols[1].kind, "class");
    assert_eq!(
        symbols[1].placement,
        Placement::BodyLine {
            at: text.find("    def __init__").unwrap(),
            indent: "    ".to_owned()
        }
    );
    assert_eq!(symbols[2].kind, "method");
    assert_eq!(
        symbols[2].placement,
        Placement::BodyLine {
            at: text.find("        return len").unwrap(),
            indent: "        ".to_owned()
        }
    );
    assert!(symbols[2].source.starts_with("@property"));
    assert_eq!(
        symbols[3].placement,
        Placement::BodyInline {
            at: text.find("return x").unwrap(),
            indent: "    ".to_owned()
        }
    );
}

#[test]
fn typescript_exports_without_jsdoc() {
    let text = r#"import { x } from "./x";

/** Documented. */
export function documented(): void {}

export function fetchUser(id: string): Promise<User> {
  return fetch(id);
}

function privateHelper() {}

// A plain comment is not documentation.
export class UserStore {
  private users: string[] = [];

  /** Documented. */
  count(): number {
    return this.users.length;
  }

  getUser(id: string): string | undefined {
    return this.users.find((u) => u === id);
  }

  private reindex(): void {}

  protected touch(): void {}

  #secret(): void {}
}

export interface User {
  id: string;
}

export const makeId = (n: number): string => `${n}`;

export const LIMIT = 10;
"#;
    assert_eq!(
        names(Language::TypeScript, text),
        ["fetchUser", "UserStore", "getUser", "User", "makeId"]
    );
    let store = &found(Language::TypeScript, text)[1];
    // Above the plain comment directly above the class.
    assert_eq!(
        store.placement,
        Placement::Above {
            at: text.find("// A plain comment").unwrap(),
            indent: String::new()
        }
    );
    let get_user = &found(Language::TypeScript, text)[2];
    assert_eq!(get_user.kind, "method");
    assert_eq!(
        get_user.placement,
        Placement::Above {
            at: text.find("  getUser").unwrap(),
            indent: "  ".to_owned()
        }
    );
}

#[test]
fn javascript_exports_without_jsdoc() {
    let text = "export function add(a, b) {\n  return a + b;\n}\n\n/**\n * Documented.\n */\nexport class Done {}\n\nfunction hidden() {}\n";
    assert_eq!(names(Language::JavaScript, text), ["add"]);
}

#[test]
fn go_exported_declarations_without_a_comment_naming_them() {
    let text = r#"package config

// ParseConfig reads the file.
func ParseConfig(path string) error {
	return nil
}

func LoadFile(path string) ([]byte, error) {
	return nil, nil
}

func helper() {}

// TODO: split this up.
type Options struct {
	Name string
}

type Server struct{}

func (s *Server) Start() error {
	return nil
}

func (s *Server) stop() {}

type (
	// Port is documented.
	Port int
	Host string
	local bool
)
"#;
    assert_eq!(
        names(Language::Go, text),
        ["LoadFile", "Options", "Server", "Start", "Host"]
    );
    assert_eq!(
        found(Language::Go, text)[4].placement,
        Placement::Above {
            at: text.find("\tHost string").unwrap(),
            indent: "\t".to_owned()
        }
    );
    let symbols = found(Language::Go, text);
    assert_eq!(symbols[3].kind, "method");
    assert_eq!(
        symbols[1].placement,
        Placement::Above {
            at: text.find("// TODO").unwrap(),
            indent: String::new()
        }
    );
}

#[test]
fn java_public_classes_and_methods_without_javadoc() {
    let text = r#"package demo;

public class Greeter {
    private final String name;

    public Greeter(String name) {
        this.name = name;
    }

    /** Documented. */
    public String documented() {
        return name;
    }

    @Override
    public String toString() {
        return name;
    }

    String packagePrivate() {
        return name;
    }
}
"#;
    assert_eq!(
        names(Language::Java, text),
        ["Greeter", "Greeter", "toString"]
    );
    let symbols = found(Language::Java, text);
    assert_eq!(symbols[1].kind, "constructor");
    assert_eq!(
        symbols[2].placement,
        Placement::Above {
            at: text.find("    @Override").unwrap(),
            indent: "    ".to_owned()
        }
    );
}

#[test]
fn syntax_problems_are_counted() {
    let good = parse(Language::Rust, "fn a() {}\n").unwrap();
    assert_eq!(syntax_problems(&good), Vec::<usize>::new());
    let bad = parse(Language::Rust, "fn a() {}\nfn b( {}\n").unwrap();
    assert_eq!(syntax_problems(&bad).first(), Some(&2));
}
