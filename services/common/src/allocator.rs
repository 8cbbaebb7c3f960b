//! The global allocator of the service binaries, which each `main.rs` installs:
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOCATOR: shop_common::allocator::MiMalloc = shop_common::allocator::MiMalloc;
//! ```
//!
//! mimalloc rather than glibc malloc, for two measured reasons: the request path
//! allocates many small, short-lived buffers, which mimalloc serves faster; and glibc
//! kept argon2's 19 MiB working blocks resident after each hash (once one is freed its
//! dynamic mmap threshold rises above 19 MiB, so later blocks come from per-thread
//! arenas that are never trimmed), which took users and auth to hundreds of MiB after
//! a burst of registrations or logins.

pub use mimalloc::MiMalloc;
