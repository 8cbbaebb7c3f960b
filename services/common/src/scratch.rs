//! A per-thread scratch buffer, for output whose size is known only once it is written
//! (a JSON answer, a span's fields): written here, then copied once into storage of its
//! exact size, instead of growing (and copying) its own buffer several times.

use std::cell::RefCell;

/// Most the buffer keeps between uses; a larger output leaves it to be freed.
pub const KEPT_CAPACITY: usize = 64 * 1024;

thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Runs `write` on this thread's scratch buffer, empty. A use nested in another (a
/// value whose serialisation opens a span, say) gets a new buffer of its own.
pub fn with_buffer<T>(write: impl FnOnce(&mut Vec<u8>) -> T) -> T {
    SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut buffer) => {
            buffer.clear();
            let output = write(&mut buffer);
            if buffer.capacity() > KEPT_CAPACITY {
                *buffer = Vec::new();
            }
            output
        }
        Err(_) => write(&mut Vec::new()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept_capacity() -> usize {
        SCRATCH.with(|scratch| scratch.borrow().capacity())
    }

    #[test]
    fn each_use_starts_empty_and_a_large_one_is_not_kept() {
        with_buffer(|buffer| buffer.extend_from_slice(b"first"));
        assert_eq!(with_buffer(|buffer| buffer.len()), 0);
        with_buffer(|buffer| buffer.resize(2 * KEPT_CAPACITY, b'x'));
        assert!(kept_capacity() <= KEPT_CAPACITY);
    }

    #[test]
    fn a_nested_use_gets_a_buffer_of_its_own() {
        let (outer, inner) = with_buffer(|outer| {
            outer.extend_from_slice(b"outer");
            let inner = with_buffer(|inner| {
                inner.extend_from_slice(b"inner");
                inner.clone()
            });
            (outer.clone(), inner)
        });
        assert_eq!(outer, b"outer");
        assert_eq!(inner, b"inner");
    }
}
