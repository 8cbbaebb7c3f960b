//! The e-mails sent lately, so a redelivered or repeated event does not mail twice.
//!
//! In memory and bounded: notification owns no database. After a crash, an event
//! whose offset was not yet committed is redelivered and its e-mail may be sent a
//! second time (at-least-once delivery); offsets are committed right after sending,
//! which keeps that window short.

use std::collections::{HashSet, VecDeque};
use std::hash::Hash;

/// A set that forgets its oldest entries beyond `capacity`.
pub struct RecentSet<K> {
    capacity: usize,
    order: VecDeque<K>,
    members: HashSet<K>,
}

impl<K: Clone + Eq + Hash> RecentSet<K> {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            order: VecDeque::with_capacity(capacity.min(1024)),
            members: HashSet::with_capacity(capacity.min(1024)),
        }
    }

    pub fn contains(&self, key: &K) -> bool {
        self.members.contains(key)
    }

    /// Adds `key`; false if it was already there.
    pub fn insert(&mut self, key: K) -> bool {
        if !self.members.insert(key.clone()) {
            return false;
        }
        self.order.push_back(key);
        if self.order.len() > self.capacity
            && let Some(oldest) = self.order.pop_front()
        {
            self.members.remove(&oldest);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_up_to_capacity_then_forgets_the_oldest() {
        let mut recent = RecentSet::new(2);
        assert!(recent.insert(1));
        assert!(!recent.insert(1));
        assert!(recent.insert(2));
        assert!(recent.insert(3));
        assert!(!recent.contains(&1));
        assert!(recent.contains(&2) && recent.contains(&3));
    }
}
