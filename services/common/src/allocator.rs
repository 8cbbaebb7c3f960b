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

/// Gives the memory this process has freed back to the OS now. mimalloc does so by
/// itself a second after a free, but only when the process allocates again: a service
/// that goes idle after a burst of logins would keep the blocks of its last hashes.
/// Called after each argon2 hash, whose 19 MiB dwarf the cost of the call. Harmless
/// when mimalloc is not the global allocator (tests): it then has nothing to free.
pub fn release_free_memory() {
    // SAFETY: mi_collect has no preconditions; it may be called from any thread.
    unsafe { libmimalloc_sys::mi_collect(true) }
}
