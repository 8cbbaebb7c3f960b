//! Book-keeping of the concurrent consumer loop: which received messages are not
//! finished yet (so a partition's offset only moves past messages whose effect is
//! done), and which keys have a message in progress (so events of one key are handled
//! one after the other, in the order they were received).

use std::collections::{BTreeSet, HashMap, VecDeque};

use rdkafka::message::Message;

/// Where a message sits: its topic and partition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct TopicPartition {
    pub topic: String,
    pub partition: i32,
}

impl TopicPartition {
    pub fn of(message: &impl Message) -> Self {
        Self {
            topic: message.topic().to_owned(),
            partition: message.partition(),
        }
    }
}

/// What a message must wait for: the messages of its key (whatever the topic: all
/// events of one order, one at a time), or of its partition if it has no key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Lane {
    Key(Vec<u8>),
    Partition(TopicPartition),
}

impl Lane {
    pub fn of(message: &impl Message) -> Self {
        match message.key() {
            Some(key) => Lane::Key(key.to_vec()),
            None => Lane::Partition(TopicPartition::of(message)),
        }
    }
}

/// The offsets of one partition received and not finished yet.
#[derive(Debug, Default)]
struct PartitionProgress {
    unfinished: BTreeSet<i64>,
    last_received: Option<i64>,
}

/// Received-but-unfinished messages of every partition.
#[derive(Debug, Default)]
pub(super) struct Offsets {
    partitions: HashMap<TopicPartition, PartitionProgress>,
    unfinished: usize,
}

impl Offsets {
    /// Records a message as received.
    pub fn received(&mut self, at: &TopicPartition, offset: i64) {
        let progress = self.partitions.entry(at.clone()).or_default();
        if progress.unfinished.insert(offset) {
            self.unfinished += 1;
        }
        progress.last_received = progress.last_received.max(Some(offset));
    }

    /// Records a message as finished and returns the partition's next offset to
    /// consume: every message before it is finished.
    pub fn finished(&mut self, at: &TopicPartition, offset: i64) -> Option<i64> {
        let progress = self.partitions.get_mut(at)?;
        if progress.unfinished.remove(&offset) {
            self.unfinished -= 1;
        }
        match progress.unfinished.first() {
            Some(first) => Some(*first),
            None => progress.last_received.map(|last| last + 1),
        }
    }

    /// Messages received and not finished, over all partitions.
    pub fn unfinished(&self) -> usize {
        self.unfinished
    }
}

/// Per-key queues: a message whose key has a message in progress waits behind it.
#[derive(Debug)]
pub(super) struct KeyQueues<K, M> {
    waiting: HashMap<K, VecDeque<M>>,
}

impl<K: std::hash::Hash + Eq, M> Default for KeyQueues<K, M> {
    fn default() -> Self {
        Self {
            waiting: HashMap::new(),
        }
    }
}

impl<K: std::hash::Hash + Eq + Clone, M> KeyQueues<K, M> {
    /// Returns the message if it may start now; otherwise queues it behind its key.
    pub fn admit(&mut self, key: &K, message: M) -> Option<M> {
        match self.waiting.get_mut(key) {
            Some(queue) => {
                queue.push_back(message);
                None
            }
            None => {
                self.waiting.insert(key.clone(), VecDeque::new());
                Some(message)
            }
        }
    }

    /// The key's message in progress finished: returns the next one of that key.
    pub fn release(&mut self, key: &K) -> Option<M> {
        let queue = self.waiting.get_mut(key)?;
        let next = queue.pop_front();
        if next.is_none() {
            self.waiting.remove(key);
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p0() -> TopicPartition {
        TopicPartition {
            topic: "t".into(),
            partition: 0,
        }
    }

    #[test]
    fn the_offset_moves_only_past_finished_messages() {
        let mut offsets = Offsets::default();
        for offset in 10..13 {
            offsets.received(&p0(), offset);
        }
        assert_eq!(offsets.unfinished(), 3);
        // 11 finishing first leaves 10 to be redelivered after a crash.
        assert_eq!(offsets.finished(&p0(), 11), Some(10));
        assert_eq!(offsets.finished(&p0(), 10), Some(12));
        assert_eq!(offsets.finished(&p0(), 12), Some(13));
        assert_eq!(offsets.unfinished(), 0);
    }

    #[test]
    fn partitions_move_independently() {
        let p1 = TopicPartition {
            topic: "t".into(),
            partition: 1,
        };
        let mut offsets = Offsets::default();
        offsets.received(&p0(), 5);
        offsets.received(&p1, 7);
        assert_eq!(offsets.finished(&p1, 7), Some(8));
        assert_eq!(offsets.finished(&p0(), 5), Some(6));
    }

    #[test]
    fn a_key_runs_one_message_at_a_time_in_order() {
        let mut queues = KeyQueues::default();
        assert_eq!(queues.admit(&"a", 1), Some(1));
        assert_eq!(queues.admit(&"a", 2), None);
        assert_eq!(queues.admit(&"b", 3), Some(3));
        assert_eq!(queues.admit(&"a", 4), None);
        assert_eq!(queues.release(&"a"), Some(2));
        assert_eq!(queues.release(&"a"), Some(4));
        assert_eq!(queues.release(&"a"), None);
        // The key is free again.
        assert_eq!(queues.admit(&"a", 5), Some(5));
        assert_eq!(queues.release(&"b"), None);
    }
}
