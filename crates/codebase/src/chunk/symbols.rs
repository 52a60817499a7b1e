//! Symbol chunks from a syntax tree: each symbol with the doc comments and attributes just
//! above it; a container (class, impl, trait) as its header plus one chunk per member; the
//! rows no symbol covers as code windows.

use super::rules::{self, Role};
use super::windows::{push_trimmed, push_windows};
use super::{Chunk, ChunkKind, ChunkLimits, Lines};
use switchyard_codeintel::Language;
use tree_sitter::{Node, Tree};

/// Nodes deeper than this below the last symbol are not searched for symbols (expressions
/// nest deeply; symbols rarely hide below a few statements).
const MAX_DEPTH: usize = 48;

/// The chunks of a parsed file, in line order.
pub(crate) fn chunks(
    language: Language,
    tree: &Tree,
    lines: &Lines<'_>,
    src: &str,
    limits: ChunkLimits,
) -> Vec<Chunk> {
    let mut walker = SymbolWalker {
        language,
        src,
        lines,
        limits,
        out: Vec::new(),
    };
    walker.visit_children(tree.root_node(), None, false, 0);
    let mut out = walker.out;
    let mut covered = vec![false; lines.count()];
    for chunk in &out {
        let rows = chunk.start_line.saturating_sub(1)..chunk.end_line.min(lines.count());
        if let Some(slots) = covered.get_mut(rows) {
            slots.fill(true);
        }
    }
    let mut row = 0;
    while row < covered.len() {
        if covered[row] {
            row += 1;
            continue;
        }
        let start = row;
        while row < covered.len() && !covered[row] {
            row += 1;
        }
        push_windows(
            &mut out,
            lines,
            start,
            row,
            limits.window_lines,
            ChunkKind::Code,
        );
    }
    out.sort_by_key(|c| (c.start_line, c.end_line));
    out
}

struct SymbolWalker<'s, 'l> {
    language: Language,
    src: &'s str,
    lines: &'l Lines<'s>,
    limits: ChunkLimits,
    out: Vec<Chunk>,
}

impl SymbolWalker<'_, '_> {
    fn visit_children(
        &mut self,
        node: Node<'_>,
        qualifier: Option<&str>,
        member: bool,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        let mut cursor = node.walk();
        let children: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
        for child in children {
            self.visit(child, qualifier, member, depth + 1, None);
        }
    }

    /// `start_row`: where the symbol's chunk starts when a wrapper or comments precede it.
    fn visit(
        &mut self,
        node: Node<'_>,
        qualifier: Option<&str>,
        member: bool,
        depth: usize,
        start_row: Option<usize>,
    ) {
        match rules::role(self.language, node.kind()) {
            Some(Role::Wrapper) => {
                let mut cursor = node.walk();
                let inner = node.named_children(&mut cursor).find(|c| {
                    matches!(
                        rules::role(self.language, c.kind()),
                        Some(Role::Leaf(_) | Role::Container(_))
                    ) && rules::name(self.language, *c, self.src).is_some()
                });
                match inner {
                    Some(inner) => {
                        let start = start_row.unwrap_or_else(|| self.doc_start(node));
                        self.visit(inner, qualifier, member, depth + 1, Some(start));
                    }
                    None => self.visit_children(node, qualifier, member, depth),
                }
            }
            Some(Role::Leaf(kind)) => match rules::name(self.language, node, self.src) {
                Some(name) => {
                    let start = start_row.unwrap_or_else(|| self.doc_start(node));
                    let kind = if member && kind == ChunkKind::Function {
                        ChunkKind::Method
                    } else {
                        kind
                    };
                    let symbol = self.qualified(qualifier, &name);
                    self.emit(start, end_row(node), kind, &symbol);
                }
                None => self.visit_children(node, qualifier, member, depth),
            },
            Some(Role::Container(kind)) => match rules::name(self.language, node, self.src) {
                Some(name) => {
                    let start = start_row.unwrap_or_else(|| self.doc_start(node));
                    let symbol = self.qualified(qualifier, &name);
                    let before = self.out.len();
                    // Functions in a module are functions; in anything else, methods.
                    let members_are_methods = kind != ChunkKind::Module;
                    self.visit_children(node, Some(&symbol), members_are_methods, depth);
                    let first_member = self.out[before..].iter().map(|c| c.start_line - 1).min();
                    match first_member {
                        // The header: from the doc comment to the first member.
                        Some(first) if first > start => {
                            let mut header = Vec::new();
                            push_trimmed(
                                &mut header,
                                self.lines,
                                start,
                                first,
                                kind,
                                Some(&symbol),
                            );
                            self.out.extend(header);
                        }
                        Some(_) => {}
                        None => self.emit(start, end_row(node), kind, &symbol),
                    }
                }
                None => self.visit_children(node, qualifier, member, depth),
            },
            None => self.visit_children(node, qualifier, member, depth),
        }
    }

    fn qualified(&self, qualifier: Option<&str>, name: &str) -> String {
        match qualifier {
            Some(q) => format!("{q}{}{name}", rules::separator(self.language)),
            None => name.to_owned(),
        }
    }

    /// The first row of the comments and attributes right above `node` (no blank line in
    /// between), else `node`'s own first row.
    fn doc_start(&self, node: Node<'_>) -> usize {
        let mut start = node.start_position().row;
        let mut previous = node.prev_named_sibling();
        while let Some(p) = previous {
            let text = p.utf8_text(self.src.as_bytes()).unwrap_or_default();
            if !rules::is_doc_prefix(self.language, p, text) || p.end_position().row + 1 < start {
                break;
            }
            start = p.start_position().row;
            previous = p.prev_named_sibling();
        }
        start
    }

    /// Rows `start..=end` as chunks of at most `max_chunk_lines` lines.
    fn emit(&mut self, start: usize, end: usize, kind: ChunkKind, symbol: &str) {
        let max = self.limits.max_chunk_lines.max(1);
        let end = end.min(self.lines.count().saturating_sub(1));
        let mut first = start;
        while first <= end {
            let stop = (first + max).min(end + 1);
            push_trimmed(&mut self.out, self.lines, first, stop, kind, Some(symbol));
            first = stop;
        }
    }
}

/// The last row of `node`; a node that ends at the start of a line ends on the row before.
fn end_row(node: Node<'_>) -> usize {
    let end = node.end_position();
    if end.column == 0 && end.row > node.start_position().row {
        end.row - 1
    } else {
        end.row
    }
}
