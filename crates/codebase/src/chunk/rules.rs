//! Per language: which tree-sitter nodes are symbols, what kind, and what their name is.

use super::ChunkKind;
use switchyard_codeintel::Language;
use tree_sitter::Node;

/// How the chunker treats a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A symbol chunked whole (a function, a struct).
    Leaf(ChunkKind),
    /// A symbol whose members are chunks of their own; its own chunk is its header.
    Container(ChunkKind),
    /// A node that decorates the symbol inside it (decorators, `export`, `template<>`): the
    /// symbol's chunk starts where the wrapper does.
    Wrapper,
}

/// The role of a node of kind `kind` in `language`, if it is more than structure.
pub(crate) fn role(language: Language, kind: &str) -> Option<Role> {
    use ChunkKind as K;
    use Role::{Container, Leaf, Wrapper};
    let role = match (language, kind) {
        (Language::Rust, "function_item" | "function_signature_item") => Leaf(K::Function),
        (Language::Rust, "struct_item" | "union_item") => Leaf(K::Struct),
        (Language::Rust, "enum_item") => Leaf(K::Enum),
        (Language::Rust, "type_item") => Leaf(K::Type),
        (Language::Rust, "macro_definition") => Leaf(K::Macro),
        (Language::Rust, "trait_item") => Container(K::Trait),
        (Language::Rust, "impl_item") => Container(K::Impl),
        (Language::Rust, "mod_item") => Container(K::Module),

        (Language::Python, "function_definition") => Leaf(K::Function),
        (Language::Python, "class_definition") => Container(K::Class),
        (Language::Python, "decorated_definition") => Wrapper,

        (
            Language::JavaScript | Language::TypeScript,
            "function_declaration" | "generator_function_declaration",
        ) => Leaf(K::Function),
        (Language::JavaScript | Language::TypeScript, "method_definition") => Leaf(K::Method),
        (
            Language::JavaScript | Language::TypeScript,
            "class_declaration" | "abstract_class_declaration",
        ) => Container(K::Class),
        (Language::JavaScript | Language::TypeScript, "export_statement") => Wrapper,
        (Language::TypeScript, "interface_declaration") => Leaf(K::Interface),
        (Language::TypeScript, "type_alias_declaration") => Leaf(K::Type),
        (Language::TypeScript, "enum_declaration") => Leaf(K::Enum),

        (Language::Go, "function_declaration") => Leaf(K::Function),
        (Language::Go, "method_declaration") => Leaf(K::Method),
        (Language::Go, "type_declaration") => Leaf(K::Type),

        (Language::Java, "method_declaration" | "constructor_declaration") => Leaf(K::Method),
        (Language::Java, "class_declaration" | "record_declaration") => Container(K::Class),
        (Language::Java, "interface_declaration") => Container(K::Interface),
        (Language::Java, "enum_declaration") => Container(K::Enum),

        (Language::C | Language::Cpp, "function_definition") => Leaf(K::Function),
        (Language::C | Language::Cpp, "enum_specifier") => Leaf(K::Enum),
        (Language::C | Language::Cpp, "type_definition") => Leaf(K::Type),
        (Language::C, "struct_specifier" | "union_specifier") => Leaf(K::Struct),
        (Language::Cpp, "struct_specifier" | "union_specifier") => Container(K::Struct),
        (Language::Cpp, "class_specifier") => Container(K::Class),
        (Language::Cpp, "template_declaration") => Wrapper,

        (Language::CSharp, "method_declaration" | "constructor_declaration") => Leaf(K::Method),
        (Language::CSharp, "class_declaration" | "record_declaration") => Container(K::Class),
        (Language::CSharp, "struct_declaration") => Container(K::Struct),
        (Language::CSharp, "interface_declaration") => Container(K::Interface),
        (Language::CSharp, "enum_declaration") => Leaf(K::Enum),

        (Language::Bash, "function_definition") => Leaf(K::Function),
        _ => return None,
    };
    Some(role)
}

/// What joins a container's name to a member's (`Type::method`, `Class.method`).
pub(crate) fn separator(language: Language) -> &'static str {
    match language {
        Language::Rust | Language::Cpp => "::",
        _ => ".",
    }
}

/// Whether a node of this kind is a comment that documents the symbol after it.
pub(crate) fn is_doc_prefix(language: Language, node: Node<'_>, text: &str) -> bool {
    let kind = node.kind();
    if kind.contains("comment") {
        // A Rust inner doc comment (`//!`) documents the module, not the next item.
        return !(language == Language::Rust && text.starts_with("//!"));
    }
    // Attributes above a Rust item belong to it (`#[derive]`, `#[cfg(test)]`); other
    // languages' annotations and decorators are inside the symbol's node or its wrapper.
    language == Language::Rust && kind == "attribute_item"
}

/// The name of a symbol node, `None` when it has none (an anonymous struct).
pub(crate) fn name(language: Language, node: Node<'_>, src: &str) -> Option<String> {
    let text_of = |n: Node<'_>| n.utf8_text(src.as_bytes()).ok().map(str::to_owned);
    match (language, node.kind()) {
        (Language::Rust, "impl_item") => {
            let ty = text_of(node.child_by_field_name("type")?)?;
            Some(strip_generics(&ty))
        }
        (Language::Rust, "mod_item") => {
            // `mod foo;` only declares a file; `mod foo { ... }` is a container.
            node.child_by_field_name("body")?;
            text_of(node.child_by_field_name("name")?)
        }
        (Language::Go, "type_declaration") => {
            let mut cursor = node.walk();
            let spec = node
                .named_children(&mut cursor)
                .find(|c| matches!(c.kind(), "type_spec" | "type_alias"))?;
            text_of(spec.child_by_field_name("name")?)
        }
        (Language::Go, "method_declaration") => {
            let method = text_of(node.child_by_field_name("name")?)?;
            let receiver = node
                .child_by_field_name("receiver")
                .and_then(text_of)
                .and_then(|r| go_receiver_type(&r));
            Some(match receiver {
                Some(ty) => format!("{ty}.{method}"),
                None => method,
            })
        }
        (Language::C | Language::Cpp, "function_definition" | "type_definition") => {
            let mut declarator = node.child_by_field_name("declarator")?;
            // Down through pointer, reference and function declarators to the name.
            while let Some(inner) = declarator.child_by_field_name("declarator") {
                declarator = inner;
            }
            text_of(declarator)
        }
        (
            Language::C | Language::Cpp,
            "struct_specifier" | "union_specifier" | "enum_specifier" | "class_specifier",
        ) => {
            // Only a definition (with a body) is a symbol, not `struct foo *p`.
            node.child_by_field_name("body")?;
            text_of(node.child_by_field_name("name")?)
        }
        _ => text_of(node.child_by_field_name("name")?),
    }
}

/// `Foo` of `Foo<T>`, so that members are named `Foo::bar`.
fn strip_generics(ty: &str) -> String {
    ty.split('<').next().unwrap_or(ty).trim().to_owned()
}

/// `Server` of a Go receiver `(s *Server)` or `(s Server[T])`.
fn go_receiver_type(receiver: &str) -> Option<String> {
    let inner = receiver
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')');
    let ty = inner.split_whitespace().last()?;
    let ty = ty.trim_start_matches('*');
    let ty = ty.split('[').next().unwrap_or(ty);
    (!ty.is_empty()).then(|| ty.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_receivers_name_their_type() {
        assert_eq!(go_receiver_type("(s *Server)").as_deref(), Some("Server"));
        assert_eq!(go_receiver_type("(l List[T])").as_deref(), Some("List"));
        assert_eq!(go_receiver_type("(Server)").as_deref(), Some("Server"));
        assert_eq!(strip_generics("Cache<K, V>"), "Cache");
    }
}
