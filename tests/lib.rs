//! End-to-end tests of rustshop live in `tests/`; this library is empty.
