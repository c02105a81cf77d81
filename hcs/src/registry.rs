//! Callback registries: the context HCS carries is an integer key into one of
//! these, never a pointer, so a callback arriving after its handle was closed
//! finds nothing instead of freed memory.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub(crate) struct Registry<T: ?Sized> {
    entries: Mutex<Option<HashMap<usize, Arc<T>>>>,
}

/// Keys are unique across every registry of the process and never reused.
static NEXT_KEY: AtomicUsize = AtomicUsize::new(1);

impl<T: ?Sized> Registry<T> {
    pub(crate) const fn new() -> Self {
        Registry {
            entries: Mutex::new(None),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<HashMap<usize, Arc<T>>>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores `value` and returns its key (never 0).
    pub(crate) fn insert(&self, value: Arc<T>) -> usize {
        let key = NEXT_KEY.fetch_add(1, Ordering::Relaxed);
        self.lock()
            .get_or_insert_with(HashMap::new)
            .insert(key, value);
        key
    }

    /// A clone of the entry, to use outside the lock.
    pub(crate) fn get(&self, key: usize) -> Option<Arc<T>> {
        self.lock().as_ref().and_then(|map| map.get(&key).cloned())
    }

    pub(crate) fn remove(&self, key: usize) -> Option<Arc<T>> {
        self.lock().as_mut().and_then(|map| map.remove(&key))
    }

    /// How many entries are registered (for leak checks).
    pub(crate) fn len(&self) -> usize {
        self.lock().as_ref().map_or(0, HashMap::len)
    }
}

/// Runs a callback body at the FFI boundary: a panic is caught and reported
/// on stderr, never unwound into HCS.
pub(crate) fn guard(what: &str, body: impl FnOnce()) {
    if let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic payload".to_owned());
        eprintln!("hcs: panic in {what} callback caught at the FFI boundary: {message}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_removed_entries_are_gone() {
        let registry: Registry<str> = Registry::new();
        let a = registry.insert(Arc::from("a"));
        let b = registry.insert(Arc::from("b"));
        assert_ne!(a, b);
        assert_ne!(a, 0);
        assert_eq!(registry.len(), 2);
        assert_eq!(registry.get(a).as_deref(), Some("a"));
        assert!(registry.remove(a).is_some());
        assert!(registry.get(a).is_none());
        assert!(registry.remove(a).is_none());
        assert_eq!(registry.len(), 1);
    }

    #[test]
    fn guard_catches_panics() {
        let mut ran = false;
        guard("test", || ran = true);
        assert!(ran);
        guard("test", || panic!("caught"));
    }
}
