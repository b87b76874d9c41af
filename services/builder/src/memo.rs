//! What the builder remembers between builds, so that a warm rebuild costs what Docker's cache
//! costs and no more.
//!
//! Both memos are keyed by image ids, which are digests of an image's whole configuration and
//! layers: an id that comes back is the same image, so what was learnt about it still holds.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

/// Entries kept before the memo starts over; ids are ~70 bytes, so this stays well under a MiB.
const CAPACITY: usize = 4096;

/// A bounded map shared by concurrent builds. When full it is emptied rather than evicted
/// entry by entry: forgetting only costs one detection or check run.
#[derive(Debug)]
pub(crate) struct Memo<K, V> {
    entries: Mutex<HashMap<K, V>>,
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    pub(crate) fn new() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The remembered value for `key`, if any.
    pub(crate) fn get(&self, key: &K) -> Option<V> {
        self.lock().get(key).cloned()
    }

    /// Remembers `value` for `key`.
    pub(crate) fn put(&self, key: K, value: V) {
        let mut entries = self.lock();
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(key, value);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, V>> {
        // A panic while holding the lock cannot leave the map half-written: every change is a
        // single `insert` or `clear`.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_value_comes_back() {
        let memo = Memo::new();
        assert_eq!(memo.get(&"sha256:a"), None);
        memo.put("sha256:a", 1);
        assert_eq!(memo.get(&"sha256:a"), Some(1));
        assert_eq!(memo.get(&"sha256:b"), None);
    }

    #[test]
    fn a_full_memo_starts_over_instead_of_growing() {
        let memo = Memo::new();
        for i in 0..CAPACITY {
            memo.put(i, i);
        }
        memo.put(CAPACITY, CAPACITY);
        assert_eq!(memo.get(&0), None);
        assert_eq!(memo.get(&CAPACITY), Some(CAPACITY));
        assert_eq!(memo.lock().len(), 1);
    }
}
