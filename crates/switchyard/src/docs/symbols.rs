//! The public symbols of a file that have no doc comment, found in its tree-sitter tree,
//! each with the code to show the model and the place its documentation goes.

use switchyard_codeintel::Language;
use tree_sitter::{Node, Parser, Tree};

/// The languages whose doc-comment style `docs` knows.
pub const SUPPORTED: [Language; 6] = [
    Language::Rust,
    Language::Python,
    Language::JavaScript,
    Language::TypeScript,
    Language::Go,
    Language::Java,
];

/// Lines of a symbol's code sent as context at most: a long class is described by its
/// start (header, fields, first methods) as well as by all of it.
const MAX_CONTEXT_LINES: usize = 150;

/// Containers (modules, classes) nested deeper than this are not searched.
const MAX_DEPTH: usize = 8;

/// A public symbol without documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// Its name.
    pub name: String,
    /// What it is, for the prompt ("function", "method", "struct", "class", ...).
    pub kind: &'static str,
    /// The line of its declaration, 1-based.
    pub line: usize,
    /// Its code (decorators and attributes included), cut at [`MAX_CONTEXT_LINES`].
    pub source: String,
    /// Where the documentation goes.
    pub placement: Placement,
}

/// Where a symbol's documentation is inserted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// A comment on its own lines above the declaration (and above its attributes and
    /// the comments directly above it): inserted at byte `at`, a line start, each line
    /// indented by `indent`.
    Above { at: usize, indent: String },
    /// A Python docstring as the first statement of the body: inserted at byte `at`, the
    /// start of the body's first line, indented by `indent` (the body's indentation).
    BodyLine { at: usize, indent: String },
    /// A Python docstring for a body written on the header's line (`def f(): return 1`):
    /// inserted at byte `at`, where the body starts, which moves to a line of its own.
    BodyInline { at: usize, indent: String },
}

impl Placement {
    /// The byte offset of the insertion.
    pub fn offset(&self) -> usize {
        match self {
            Placement::Above { at, .. }
            | Placement::BodyLine { at, .. }
            | Placement::BodyInline { at, .. } => *at,
        }
    }
}

/// Parses `text` as `language`; `None` when the grammar cannot be loaded.
pub fn parse(language: Language, text: &str) -> Option<Tree> {
    let mut parser = Parser::new();
    parser.set_language(&language.grammar()).ok()?;
    parser.parse(text, None)
}

/// Where `tree` has ERROR and MISSING nodes: their start lines, 1-based, in order.
pub fn syntax_problems(tree: &Tree) -> Vec<usize> {
    let mut lines = Vec::new();
    let mut cursor = tree.walk();
    loop {
        let node = cursor.node();
        if node.is_error() || node.is_missing() {
            lines.push(node.start_position().row + 1);
        }
        // Only a subtree that contains an error is worth descending into.
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return lines;
            }
        }
    }
}

/// The public symbols of `text` (parsed as `tree`) that lack documentation, in file order.
pub fn undocumented(language: Language, text: &str, tree: &Tree) -> Vec<Symbol> {
    let mut finder = Finder {
        language,
        text,
        out: Vec::new(),
    };
    finder.container(tree.root_node(), 0, true);
    finder.out.sort_by_key(|s| s.placement.offset());
    finder.out
}

struct Finder<'t> {
    language: Language,
    text: &'t str,
    out: Vec<Symbol>,
}

impl<'t> Finder<'t> {
    fn text_of(&self, node: Node<'_>) -> &'t str {
        self.text.get(node.byte_range()).unwrap_or("")
    }

    fn name_of(&self, node: Node<'_>) -> Option<String> {
        node.child_by_field_name("name")
            .map(|n| self.text_of(n).to_owned())
    }

    /// Looks at the declarations directly inside `node` (a file, module, impl or class
    /// body). `top` is whether `node` is the file itself.
    fn container(&mut self, node: Node<'_>, depth: usize, top: bool) {
        if depth > MAX_DEPTH {
            return;
        }
        let mut cursor = node.walk();
        let children: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
        for child in children {
            match self.language {
                Language::Rust => self.rust(child, depth),
                Language::Python => self.python(child, depth, top),
                Language::JavaScript | Language::TypeScript => self.script(child),
                Language::Go => self.go(child),
                Language::Java => self.java(child, depth),
                _ => {}
            }
        }
    }

    fn rust(&mut self, node: Node<'_>, depth: usize) {
        let kind = match node.kind() {
            "function_item" if depth > 0 && node.parent().is_some_and(in_impl) => "method",
            "function_item" => "function",
            "struct_item" => "struct",
            "enum_item" => "enum",
            "trait_item" => {
                // A public trait's methods are as public as the trait, with no `pub`.
                if self.is_rust_pub(node) {
                    self.push_above(node, "trait", is_rust_doc);
                    if let Some(body) = node.child_by_field_name("body") {
                        let mut cursor = body.walk();
                        let methods: Vec<Node<'_>> = body
                            .named_children(&mut cursor)
                            .filter(|c| {
                                matches!(c.kind(), "function_signature_item" | "function_item")
                            })
                            .collect();
                        for method in methods {
                            self.push_above(method, "method", is_rust_doc);
                        }
                    }
                }
                return;
            }
            "union_item" => "union",
            "type_item" => "type alias",
            "const_item" => "constant",
            "static_item" => "static",
            "mod_item" | "impl_item" => {
                // An inline `pub mod` is documented like any item; its items and an impl's
                // methods are searched too (a trait impl's methods are never `pub`).
                if node.kind() == "mod_item" && self.is_rust_pub(node) {
                    self.push_above(node, "module", is_rust_doc);
                }
                if let Some(body) = node.child_by_field_name("body") {
                    self.container(body, depth + 1, false);
                }
                return;
            }
            _ => return,
        };
        if self.is_rust_pub(node) {
            self.push_above(node, kind, is_rust_doc);
        }
    }

    fn is_rust_pub(&self, node: Node<'_>) -> bool {
        let mut cursor = node.walk();
        let public = node
            .children(&mut cursor)
            .any(|c| c.kind() == "visibility_modifier" && self.text_of(c) == "pub");
        public
    }

    fn python(&mut self, node: Node<'_>, depth: usize, top: bool) {
        let definition = match node.kind() {
            "decorated_definition" => match node.child_by_field_name("definition") {
                Some(d) => d,
                None => return,
            },
            "function_definition" | "class_definition" => node,
            _ => return,
        };
        let Some(name) = self.name_of(definition) else {
            return;
        };
        if name.starts_with('_') {
            return;
        }
        let class = definition.kind() == "class_definition";
        let kind = match (class, top) {
            (true, _) => "class",
            (false, true) => "function",
            (false, false) => "method",
        };
        let Some(body) = definition.child_by_field_name("body") else {
            return;
        };
        if class {
            self.container(body, depth + 1, false);
        }
        let mut cursor = body.walk();
        let Some(first) = body
            .named_children(&mut cursor)
            .find(|c| c.kind() != "comment")
        else {
            return;
        };
        let docstring = first.kind() == "expression_statement"
            && first
                .named_child(0)
                .is_some_and(|s| matches!(s.kind(), "string" | "concatenated_string"));
        if docstring {
            return;
        }
        let header_row = definition
            .child_by_field_name("name")
            .map_or(definition.start_position().row, |n| n.start_position().row);
        let placement = if first.start_position().row == header_row {
            let header_indent = self.indent_before(definition.start_byte());
            Placement::BodyInline {
                at: first.start_byte(),
                indent: format!("{}    ", header_indent.unwrap_or_default()),
            }
        } else {
            let Some(indent) = self.indent_before(first.start_byte()) else {
                return;
            };
            Placement::BodyLine {
                at: line_start(self.text, first.start_byte()),
                indent,
            }
        };
        self.push(node, name, kind, placement);
    }

    fn script(&mut self, node: Node<'_>) {
        if node.kind() != "export_statement" {
            return;
        }
        let mut cursor = node.walk();
        let Some(declaration) = node.named_children(&mut cursor).find(|c| {
            !matches!(
                c.kind(),
                "comment" | "decorator" | "export_clause" | "namespace_export" | "string"
            )
        }) else {
            return;
        };
        let kind = match declaration.kind() {
            "function_declaration" | "generator_function_declaration" => "function",
            "class_declaration" | "abstract_class_declaration" | "class" => "class",
            "interface_declaration" => "interface",
            "type_alias_declaration" => "type",
            "enum_declaration" => "enum",
            "lexical_declaration" | "variable_declaration" => {
                // `export const f = () => ...`: documented when it holds a function or class.
                let mut c = declaration.walk();
                let holds_code = declaration.named_children(&mut c).any(|d| {
                    d.child_by_field_name("value").is_some_and(|v| {
                        matches!(
                            v.kind(),
                            "arrow_function"
                                | "function_expression"
                                | "function"
                                | "generator_function"
                                | "class"
                        )
                    })
                });
                if !holds_code {
                    return;
                }
                "function"
            }
            _ => return,
        };
        let name = self.name_of(declaration).or_else(|| {
            let mut c = declaration.walk();
            let first = declaration
                .named_children(&mut c)
                .find(|d| d.kind() == "variable_declarator")
                .and_then(|d| self.name_of(d));
            first
        });
        let name = name.unwrap_or_else(|| "default".to_owned());
        self.push_named_above(node, name, kind, is_block_doc);
        if kind == "class" {
            if let Some(body) = declaration.child_by_field_name("body") {
                self.class_methods(body);
            }
        }
    }

    /// The public methods of an exported JavaScript or TypeScript class: neither
    /// `#private` nor TypeScript's `private` or `protected`.
    fn class_methods(&mut self, body: Node<'_>) {
        let mut cursor = body.walk();
        let methods: Vec<Node<'_>> = body
            .named_children(&mut cursor)
            .filter(|c| matches!(c.kind(), "method_definition" | "abstract_method_signature"))
            .collect();
        for method in methods {
            let Some(name) = self.name_of(method) else {
                continue;
            };
            let mut c = method.walk();
            let hidden = name.starts_with('#')
                || method.children(&mut c).any(|m| {
                    m.kind() == "accessibility_modifier"
                        && matches!(self.text_of(m), "private" | "protected")
                });
            if !hidden {
                self.push_named_above(method, name, "method", is_block_doc);
            }
        }
    }

    fn go(&mut self, node: Node<'_>) {
        let (named, kind) = match node.kind() {
            "function_declaration" => (node, "function"),
            "method_declaration" => (node, "method"),
            "type_declaration" => {
                let mut cursor = node.walk();
                let specs: Vec<Node<'_>> = node
                    .named_children(&mut cursor)
                    .filter(|c| matches!(c.kind(), "type_spec" | "type_alias"))
                    .collect();
                match specs.as_slice() {
                    [spec] => (*spec, "type"),
                    // A group `type ( ... )` documents its types one by one, each above
                    // its own line inside the parentheses.
                    group => {
                        for spec in group {
                            self.go_declaration(*spec, *spec, "type");
                        }
                        return;
                    }
                }
            }
            _ => return,
        };
        self.go_declaration(node, named, kind);
    }

    /// Records the Go declaration `node` (whose name is on `named`) if it is exported and
    /// no comment directly above it names it.
    fn go_declaration(&mut self, node: Node<'_>, named: Node<'_>, kind: &'static str) {
        let Some(name) = self.name_of(named) else {
            return;
        };
        if !name.chars().next().is_some_and(char::is_uppercase) {
            return;
        }
        let mentions_name = |comment: &str| {
            comment
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|word| word == name)
        };
        self.push_named_above(node, name.clone(), kind, mentions_name);
    }

    fn java(&mut self, node: Node<'_>, depth: usize) {
        let kind = match node.kind() {
            "class_declaration" | "record_declaration" => "class",
            "interface_declaration" => "interface",
            "enum_declaration" => "enum",
            "method_declaration" => "method",
            "constructor_declaration" => "constructor",
            _ => return,
        };
        if let Some(body) = node.child_by_field_name("body") {
            self.container(body, depth + 1, false);
        }
        let mut cursor = node.walk();
        let public = node
            .children(&mut cursor)
            .filter(|c| c.kind() == "modifiers")
            .any(|m| {
                let mut c = m.walk();
                let public = m.children(&mut c).any(|t| self.text_of(t) == "public");
                public
            });
        if public {
            self.push_above(node, kind, is_block_doc);
        }
    }

    fn push_above(&mut self, node: Node<'_>, kind: &'static str, is_doc: fn(&str) -> bool) {
        if let Some(name) = self.name_of(node) {
            self.push_named_above(node, name, kind, is_doc);
        }
    }

    /// Records `node` unless a doc comment (`is_doc`) is among the comments and attributes
    /// directly above it; its documentation goes above all of them.
    fn push_named_above(
        &mut self,
        node: Node<'_>,
        name: String,
        kind: &'static str,
        is_doc: impl Fn(&str) -> bool,
    ) {
        let mut first = node;
        let mut above = node.prev_sibling();
        while let Some(sibling) = above {
            let leading = sibling.kind().contains("comment") || sibling.kind() == "attribute_item";
            // Directly above: no blank line between (a Rust line comment ends after its
            // newline, at column 0 of the next row).
            let end = sibling.end_position();
            let last_row = if end.column == 0 {
                end.row.saturating_sub(1)
            } else {
                end.row
            };
            if !leading || last_row + 1 < first.start_position().row {
                break;
            }
            let text = self.text_of(sibling);
            if is_doc(text) || (sibling.kind() == "attribute_item" && text.starts_with("#[doc")) {
                return;
            }
            first = sibling;
            above = sibling.prev_sibling();
        }
        let Some(indent) = self.indent_before(first.start_byte()) else {
            return;
        };
        let at = line_start(self.text, first.start_byte());
        self.push(node, name, kind, Placement::Above { at, indent });
    }

    fn push(&mut self, node: Node<'_>, name: String, kind: &'static str, placement: Placement) {
        let source: Vec<&str> = self.text_of(node).lines().take(MAX_CONTEXT_LINES).collect();
        self.out.push(Symbol {
            name,
            kind,
            line: node.start_position().row + 1,
            source: source.join("\n"),
            placement,
        });
    }

    /// The whitespace between the start of `byte`'s line and `byte`; `None` when code
    /// precedes it on that line (no line of its own to put documentation on).
    fn indent_before(&self, byte: usize) -> Option<String> {
        let before = self.text.get(line_start(self.text, byte)..byte)?;
        before
            .chars()
            .all(|c| c == ' ' || c == '\t')
            .then(|| before.to_owned())
    }
}

/// Whether `node` (a declaration list) is an impl block's body.
fn in_impl(node: Node<'_>) -> bool {
    node.parent().is_some_and(|p| p.kind() == "impl_item")
}

fn is_rust_doc(comment: &str) -> bool {
    (comment.starts_with("///") && !comment.starts_with("////")) || comment.starts_with("/**")
}

fn is_block_doc(comment: &str) -> bool {
    comment.starts_with("/**")
}

/// The byte offset of the start of `byte`'s line.
pub fn line_start(text: &str, byte: usize) -> usize {
    text.get(..byte)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |i| i + 1)
}

#[cfg(test)]
#[path = "symbols_tests.rs"]
mod tests;
