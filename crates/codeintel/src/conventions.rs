//! Each language's conventions, which the prompt templates hand the model so that its code
//! reads like the language's own: formatting, idioms, error handling, types, tests, docs.

use crate::Language;
use serde::Serialize;

/// The conventions of one language, as short imperative sentences for a prompt.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Conventions {
    /// Formatting and naming.
    pub style: &'static str,
    /// Idioms to prefer.
    pub idioms: &'static str,
    /// How errors are handled.
    pub errors: &'static str,
    /// Types and annotations.
    pub types: &'static str,
    /// The test framework and its habits.
    pub tests: &'static str,
    /// The documentation comment style.
    pub docs: &'static str,
}

/// The conventions of `language`.
pub fn conventions(language: Language) -> Conventions {
    match language {
        Language::Python => Conventions {
            style: "Follow PEP 8 (4-space indents, snake_case functions, PascalCase classes); format as black would.",
            idioms: "Prefer comprehensions, context managers (`with`), pathlib and f-strings; no mutable default arguments.",
            errors: "Raise specific built-in or custom exceptions; never a bare `except:`.",
            types: "Annotate every function's parameters and return type (PEP 484), using built-in generics (`list[int]`).",
            tests: "Write pytest tests: plain `assert`, fixtures, `pytest.mark.parametrize`, `pytest.raises`.",
            docs: "Write PEP 257 docstrings in Google style (Args, Returns, Raises).",
        },
        Language::JavaScript => Conventions {
            style: "Use modern ES modules, 2-space indents, semicolons, camelCase, `const` by default, `let` when reassigned, never `var`.",
            idioms: "Prefer async/await over callbacks, strict equality, destructuring and array methods.",
            errors: "Throw `Error` objects (or subclasses) and handle rejected promises.",
            types: "Keep values of one type per variable; document types in JSDoc.",
            tests: "Write Jest tests: `describe`/`test`, `expect(...).toBe/toEqual/toThrow`.",
            docs: "Write JSDoc comments (`/** ... */` with @param, @returns, @throws).",
        },
        Language::TypeScript => Conventions {
            style: "Use ES modules, 2-space indents, semicolons, camelCase values and PascalCase types.",
            idioms: "Prefer `const`, async/await, discriminated unions, `readonly` and narrowing over casts.",
            errors: "Throw `Error` subclasses; treat caught values as `unknown` and narrow them.",
            types: "Code must pass `strict` mode: explicit parameter and return types, no `any`.",
            tests: "Write Jest (or Vitest) tests in TypeScript: `describe`/`it`, `expect`.",
            docs: "Write TSDoc comments (`/** ... */` with @param, @returns, @throws).",
        },
        Language::Rust => Conventions {
            style: "Format as rustfmt does; snake_case functions, CamelCase types, SCREAMING_CASE constants.",
            idioms: "Prefer iterators, borrowing over cloning, `match` and `if let`, and the standard library.",
            errors: "Return `Result` with a meaningful error type and use `?`; no `unwrap`, `expect` or `panic!` outside tests.",
            types: "Use precise types (newtypes, enums) and let inference do the rest.",
            tests: "Write `#[test]` functions in a `#[cfg(test)] mod tests` with `assert_eq!`.",
            docs: "Write `///` doc comments on public items, with `# Errors` and `# Examples` sections.",
        },
        Language::Go => Conventions {
            style: "Format as gofmt does (tabs); MixedCaps names, exported names capitalised, short receivers.",
            idioms: "Accept interfaces, return structs; keep the happy path unindented; use the standard library.",
            errors: "Return `error` as the last value, check it at once, wrap with `fmt.Errorf(\"...: %w\", err)`; no panics.",
            types: "Use concrete types and small interfaces; generics only where they remove duplication.",
            tests: "Write table-driven tests with the `testing` package (`t.Run`, `t.Errorf`).",
            docs: "Begin doc comments with the name of what they document (`// Add returns ...`).",
        },
        Language::Java => Conventions {
            style: "Follow the Google Java Style: 4-space (or 2-space) indents, camelCase methods, PascalCase classes.",
            idioms: "Prefer immutability (`final`, records), the Streams API, Optional for absent results, try-with-resources.",
            errors: "Throw specific exceptions; never swallow them; checked exceptions only for recoverable cases.",
            types: "Use generics rather than raw types; `var` only where the type is obvious.",
            tests: "Write JUnit 5 tests (`@Test`, `assertEquals`, `assertThrows`).",
            docs: "Write Javadoc (`/** ... */` with @param, @return, @throws).",
        },
        Language::C => Conventions {
            style: "C11, 4-space indents, snake_case, one declaration per line, braces on every block.",
            idioms: "Pass sizes with buffers, use `const` for read-only pointers, free what you allocate.",
            errors: "Return error codes (0 on success) or NULL and check every call that can fail, including malloc.",
            types: "Use fixed-width integers from <stdint.h> and `size_t` for sizes.",
            tests: "Write tests as small functions with `assert` from <assert.h> (or Unity if asked).",
            docs: "Write Doxygen comments (`/** ... */` with @param, @return).",
        },
        Language::Cpp => Conventions {
            style: "C++17 or later, 4-space indents, consistent naming; format as clang-format would.",
            idioms: "Use RAII, smart pointers (no raw new/delete), the STL algorithms, references and `const`.",
            errors: "Throw exceptions derived from std::exception, or return std::optional/std::expected.",
            types: "Prefer `auto` where the type is obvious, strong types elsewhere, `std::string_view` for views.",
            tests: "Write GoogleTest tests (`TEST`, `EXPECT_EQ`, `ASSERT_THROW`).",
            docs: "Write Doxygen comments (`///` or `/** ... */` with @param, @return).",
        },
        Language::CSharp => Conventions {
            style: "Follow the .NET conventions: 4-space indents, PascalCase members, camelCase locals, `_camelCase` fields.",
            idioms: "Use LINQ, `async`/`await` with `Task`, `using` declarations, records and pattern matching.",
            errors: "Throw specific exceptions (ArgumentException, InvalidOperationException); never catch `Exception` silently.",
            types: "Enable nullable reference types and annotate them; `var` where the type is obvious.",
            tests: "Write xUnit tests (`[Fact]`, `[Theory]`, `Assert.Equal`, `Assert.Throws`).",
            docs: "Write XML doc comments (`/// <summary>`, `<param>`, `<returns>`).",
        },
        Language::Sql => Conventions {
            style: "Upper-case keywords, snake_case identifiers, one clause per line.",
            idioms: "Use explicit JOINs, CTEs (`WITH`) for steps, and name columns instead of `SELECT *`.",
            errors: "Use transactions for multi-statement changes and constraints to keep data valid.",
            types: "Pick the narrowest column types; be explicit about NULL.",
            tests: "Write checks as queries that return no rows when the data is right.",
            docs: "Write `--` comments above each statement saying what it returns.",
        },
        Language::Bash => Conventions {
            style: "Start with `#!/usr/bin/env bash` and `set -euo pipefail`; 2-space indents; lower-case local variables.",
            idioms: "Quote every expansion, use `[[ ]]`, `$(...)`, functions with `local` variables, arrays for lists.",
            errors: "Check commands' exit status, print errors to stderr, exit non-zero on failure; clean up with `trap`.",
            types: "Use `declare -a`/`-A` for arrays and `-i` only where arithmetic needs it.",
            tests: "Write bats tests (`@test`, `run`, `[ \"$status\" -eq 0 ]`).",
            docs: "Write a usage comment at the top and a comment above each function.",
        },
    }
}
