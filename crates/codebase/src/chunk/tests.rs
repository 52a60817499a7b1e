//! Chunking per language: symbols, their kinds and names, doc comments, line ranges.

use super::{chunk_file, Chunk, ChunkKind};
use std::path::Path;

fn chunks(path: &str, text: &str) -> Vec<Chunk> {
    chunk_file(Path::new(path), text)
}

/// `(symbol, kind, start_line, end_line)` of each symbol chunk.
fn symbols(chunks: &[Chunk]) -> Vec<(String, ChunkKind, usize, usize)> {
    chunks
        .iter()
        .filter_map(|c| {
            let s = c.symbol.clone()?;
            Some((s, c.kind, c.start_line, c.end_line))
        })
        .collect()
}

#[test]
fn rust_items_with_doc_comments_attributes_and_impl_members() {
    let src = r#"//! Module docs stay out of the first item.
use std::fmt;

/// A point.
#[derive(Debug)]
pub struct Point {
    x: i32,
}

impl Point {
    /// Makes one.
    pub fn new(x: i32) -> Self {
        Point { x }
    }

    fn x(&self) -> i32 {
        self.x
    }
}

pub trait Shape {
    fn area(&self) -> f64;
}

fn free() {}

mod declared;

mod inline {
    fn inner() {}
}
"#;
    let out = chunks("src/point.rs", src);
    assert_eq!(
        symbols(&out),
        [
            ("Point".to_owned(), ChunkKind::Struct, 4, 8),
            ("Point".to_owned(), ChunkKind::Impl, 10, 10),
            ("Point::new".to_owned(), ChunkKind::Method, 11, 14),
            ("Point::x".to_owned(), ChunkKind::Method, 16, 18),
            ("Shape".to_owned(), ChunkKind::Trait, 21, 21),
            ("Shape::area".to_owned(), ChunkKind::Method, 22, 22),
            ("free".to_owned(), ChunkKind::Function, 25, 25),
            ("inline".to_owned(), ChunkKind::Module, 29, 29),
            ("inline::inner".to_owned(), ChunkKind::Function, 30, 30),
        ]
    );
    let new = out
        .iter()
        .find(|c| c.symbol.as_deref() == Some("Point::new"))
        .unwrap();
    assert!(new.text.starts_with("    /// Makes one.\n    pub fn new"));
    // The module docs and the `use` are code between symbols.
    assert_eq!(out[0].kind, ChunkKind::Code);
    assert_eq!((out[0].start_line, out[0].end_line), (1, 2));
}

#[test]
fn python_classes_methods_decorators_and_module_code() {
    let src = r#"import os

CONSTANT = 1


class Greeter:
    """Says hello."""

    def __init__(self, name):
        self.name = name

    @property
    def greeting(self):
        return "hi " + self.name


# Top-level helper.
def main():
    print(Greeter("x").greeting)
"#;
    let out = chunks("app/greet.py", src);
    assert_eq!(
        symbols(&out),
        [
            ("Greeter".to_owned(), ChunkKind::Class, 6, 7),
            ("Greeter.__init__".to_owned(), ChunkKind::Method, 9, 10),
            ("Greeter.greeting".to_owned(), ChunkKind::Method, 12, 14),
            ("main".to_owned(), ChunkKind::Function, 17, 19),
        ]
    );
    assert!(out
        .iter()
        .any(|c| c.kind == ChunkKind::Code && c.text.contains("CONSTANT = 1")));
}

#[test]
fn typescript_exports_classes_interfaces_and_types() {
    let src = r#"/** A user. */
export interface User {
  id: number;
}

export type Id = number;

export class Store {
  private users: User[] = [];

  /** Finds one. */
  find(id: Id): User | undefined {
    return this.users.find((u) => u.id === id);
  }
}

export function makeStore(): Store {
  return new Store();
}
"#;
    let out = chunks("src/store.ts", src);
    assert_eq!(
        symbols(&out),
        [
            ("User".to_owned(), ChunkKind::Interface, 1, 4),
            ("Id".to_owned(), ChunkKind::Type, 6, 6),
            ("Store".to_owned(), ChunkKind::Class, 8, 9),
            ("Store.find".to_owned(), ChunkKind::Method, 11, 14),
            ("makeStore".to_owned(), ChunkKind::Function, 17, 19),
        ]
    );
}

#[test]
fn go_functions_methods_with_receivers_and_types() {
    let src = r#"package server

// Server serves.
type Server struct {
	addr string
}

// Start starts it.
func (s *Server) Start() error {
	return nil
}

func New(addr string) *Server {
	return &Server{addr: addr}
}
"#;
    let out = chunks("server.go", src);
    assert_eq!(
        symbols(&out),
        [
            ("Server".to_owned(), ChunkKind::Type, 3, 6),
            ("Server.Start".to_owned(), ChunkKind::Method, 8, 11),
            ("New".to_owned(), ChunkKind::Function, 13, 15),
        ]
    );
}

#[test]
fn java_and_c_and_cpp_symbols() {
    let java = r#"package a;

/** Counts. */
public class Counter {
    private int n;

    /** Adds one. */
    public void increment() {
        n++;
    }
}
"#;
    assert_eq!(
        symbols(&chunks("Counter.java", java)),
        [
            ("Counter".to_owned(), ChunkKind::Class, 3, 5),
            ("Counter.increment".to_owned(), ChunkKind::Method, 7, 10),
        ]
    );
    let c = r#"#include <stdio.h>

struct point { int x; };

/* Prints a point. */
static void print_point(const struct point *p) {
    printf("%d\n", p->x);
}
"#;
    assert_eq!(
        symbols(&chunks("point.c", c)),
        [
            ("point".to_owned(), ChunkKind::Struct, 3, 3),
            ("print_point".to_owned(), ChunkKind::Function, 5, 8),
        ]
    );
    let cpp = r#"namespace geo {
class Shape {
 public:
  virtual ~Shape() = default;
  double area() const { return 0; }
};
}

int Shape_count() { return 1; }
"#;
    let out = symbols(&chunks("shape.cpp", cpp));
    assert!(
        out.contains(&("Shape::area".to_owned(), ChunkKind::Method, 5, 5)),
        "{out:?}"
    );
    assert!(
        out.contains(&("Shape_count".to_owned(), ChunkKind::Function, 9, 9)),
        "{out:?}"
    );
}

#[test]
fn files_without_a_grammar_are_windows_of_lines() {
    let text: String = (1..=130).map(|i| format!("line {i}\n")).collect();
    let out = chunks("docs/notes.md", &text);
    let ranges: Vec<(usize, usize)> = out.iter().map(|c| (c.start_line, c.end_line)).collect();
    assert_eq!(ranges, [(1, 60), (61, 120), (121, 130)]);
    assert!(out
        .iter()
        .all(|c| c.kind == ChunkKind::Text && c.symbol.is_none()));
}

#[test]
fn a_huge_function_is_split_into_parts_that_keep_its_name() {
    let body: String = (0..400).map(|i| format!("    let v{i} = {i};\n")).collect();
    let src = format!("fn huge() {{\n{body}}}\n");
    let out = chunks("huge.rs", &src);
    assert_eq!(out.len(), 3, "{:?}", symbols(&out));
    assert!(out.iter().all(|c| c.symbol.as_deref() == Some("huge")));
    assert_eq!((out[0].start_line, out[0].end_line), (1, 150));
    assert_eq!(out[2].end_line, 402);
}

#[test]
fn csharp_and_bash_symbols() {
    let cs = r#"namespace Shop {
    /// <summary>A cart.</summary>
    public class Cart {
        private int items;

        public Cart() { items = 0; }

        /// <summary>Adds one.</summary>
        public void Add() { items++; }
    }

    public enum Size { Small, Large }
}
"#;
    assert_eq!(
        symbols(&chunks("Cart.cs", cs)),
        [
            ("Cart".to_owned(), ChunkKind::Class, 2, 4),
            ("Cart.Cart".to_owned(), ChunkKind::Method, 6, 6),
            ("Cart.Add".to_owned(), ChunkKind::Method, 8, 9),
            ("Size".to_owned(), ChunkKind::Enum, 12, 12),
        ]
    );
    let sh = "#!/bin/sh\nset -e\n\n# Greets.\ngreet() {\n  echo hi\n}\n\ngreet\n";
    assert_eq!(
        symbols(&chunks("run.sh", sh)),
        [("greet".to_owned(), ChunkKind::Function, 4, 7)]
    );
}
