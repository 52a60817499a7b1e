//! Tests of the crate as a whole (each format's own tests are in `<format>/tests/`).

mod properties;
