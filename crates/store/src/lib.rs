//! Storage for ainsim's provisioning data and records.
//!
//! [`Store`] is a small key-value trait of ours: named trees of
//! string keys → serde records (JSON-encoded), with get, put, delete, scan by
//! key prefix and flush. Two implementations:
//!
//! - [`SledStore`]: sled 0.34 on disk, for a network that keeps its
//!   subscribers, 800-number rules and call records across runs;
//! - [`MemStore`]: a `BTreeMap` in memory, for the simulator's speed and for
//!   tests that need no files.
//!
//! What it is not: a query engine, a schema, or a cache. Records are
//! whatever serde type the caller names; a record that does not decode as
//! that type is an error ([`StoreError::Decode`]), not a panic. Scans return
//! keys in byte order in both implementations, so output that depends on a
//! scan is deterministic.
//!
//! The trait is object safe ([`Store`] works on raw bytes); the typed
//! methods are in [`StoreExt`], implemented for every store, `dyn Store`
//! included.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend refused (disk, corruption, closed database).
    #[error("store: {0}")]
    Backend(String),
    /// A record did not decode as the type asked for.
    #[error("store: record {tree}/{key} does not decode: {reason}")]
    Decode { tree: String, key: String, reason: String },
    /// A record could not be encoded.
    #[error("store: record {tree}/{key} does not encode: {reason}")]
    Encode { tree: String, key: String, reason: String },
}

/// Result of a store operation.
pub type Result<T> = std::result::Result<T, StoreError>;

/// A key-value store of named trees (raw bytes; see [`StoreExt`] for records).
pub trait Store {
    /// The value under `key` in `tree`, if any.
    ///
    /// # Errors
    /// The backend failed.
    fn get_raw(&self, tree: &str, key: &str) -> Result<Option<Vec<u8>>>;

    /// Stores `value` under `key` in `tree`, replacing any old value.
    ///
    /// # Errors
    /// The backend failed.
    fn put_raw(&mut self, tree: &str, key: &str, value: &[u8]) -> Result<()>;

    /// Removes `key` from `tree`; true if it was there.
    ///
    /// # Errors
    /// The backend failed.
    fn delete(&mut self, tree: &str, key: &str) -> Result<bool>;

    /// Every `(key, value)` of `tree` whose key starts with `prefix`, in key order.
    ///
    /// # Errors
    /// The backend failed, or a key is not UTF-8.
    fn scan_prefix_raw(&self, tree: &str, prefix: &str) -> Result<Vec<(String, Vec<u8>)>>;

    /// Makes every earlier write durable (a no-op in memory).
    ///
    /// # Errors
    /// The backend failed.
    fn flush(&mut self) -> Result<()>;

    /// A handle that does what [`Store::flush`] does (every write made
    /// before it is called becomes durable) without `&mut self`, so that a
    /// caller can flush after letting go of the lock it writes under and
    /// several writers' flushes can share one disk sync. `None` when
    /// flushing is a no-op (memory).
    fn syncer(&self) -> Option<Syncer> {
        None
    }
}

/// See [`Store::syncer`]. Calls may run on any thread, concurrently.
pub type Syncer = std::sync::Arc<dyn Fn() -> Result<()> + Send + Sync>;

/// Typed records over any [`Store`] (JSON-encoded values).
pub trait StoreExt: Store {
    /// The record under `key`, decoded as `T`.
    ///
    /// # Errors
    /// The backend failed, or the record is not a `T`.
    fn get<T: DeserializeOwned>(&self, tree: &str, key: &str) -> Result<Option<T>> {
        self.get_raw(tree, key)?.map(|b| decode(tree, key, &b)).transpose()
    }

    /// Stores `value` under `key`.
    ///
    /// # Errors
    /// The backend failed, or `value` does not serialise.
    fn put<T: Serialize>(&mut self, tree: &str, key: &str, value: &T) -> Result<()> {
        let b = serde_json::to_vec(value).map_err(|e| StoreError::Encode {
            tree: tree.into(),
            key: key.into(),
            reason: e.to_string(),
        })?;
        self.put_raw(tree, key, &b)
    }

    /// Every record whose key starts with `prefix`, in key order.
    ///
    /// # Errors
    /// The backend failed, or a record is not a `T`.
    fn scan_prefix<T: DeserializeOwned>(&self, tree: &str, prefix: &str) -> Result<Vec<(String, T)>> {
        self.scan_prefix_raw(tree, prefix)?
            .into_iter()
            .map(|(k, v)| decode(tree, &k, &v).map(|t| (k, t)))
            .collect()
    }
}

impl<S: Store + ?Sized> StoreExt for S {}

fn decode<T: DeserializeOwned>(tree: &str, key: &str, b: &[u8]) -> Result<T> {
    serde_json::from_slice(b).map_err(|e| StoreError::Decode {
        tree: tree.into(),
        key: key.into(),
        reason: e.to_string(),
    })
}

/// An in-memory store: one `BTreeMap` per tree.
#[derive(Debug, Clone, Default)]
pub struct MemStore {
    trees: BTreeMap<String, BTreeMap<String, Vec<u8>>>,
}

impl MemStore {
    /// An empty store.
    pub fn new() -> Self {
        MemStore::default()
    }
}

impl Store for MemStore {
    fn get_raw(&self, tree: &str, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.trees.get(tree).and_then(|t| t.get(key)).cloned())
    }

    fn put_raw(&mut self, tree: &str, key: &str, value: &[u8]) -> Result<()> {
        self.trees.entry(tree.to_owned()).or_default().insert(key.to_owned(), value.to_vec());
        Ok(())
    }

    fn delete(&mut self, tree: &str, key: &str) -> Result<bool> {
        Ok(self.trees.get_mut(tree).is_some_and(|t| t.remove(key).is_some()))
    }

    fn scan_prefix_raw(&self, tree: &str, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        let Some(t) = self.trees.get(tree) else { return Ok(Vec::new()) };
        Ok(t.range(prefix.to_owned()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    fn flush(&mut self) -> Result<()> {
        Ok(())
    }
}

/// A sled 0.34 database on disk; each tree is a sled tree.
#[derive(Debug, Clone)]
pub struct SledStore {
    db: sled::Db,
}

fn backend(e: sled::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl SledStore {
    /// Opens (or creates) the database in directory `path`.
    ///
    /// # Errors
    /// sled could not open it (permissions, another process holds the lock, corruption).
    ///
    /// sled's background flusher may still hold the file lock of a database
    /// dropped a moment ago (in this process); `open` then retries for up to
    /// five seconds before giving up.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let mut tries = 0;
        loop {
            match sled::open(path) {
                Ok(db) => return Ok(SledStore { db }),
                // sled wraps the lock failure in an error of its own kind,
                // so it is told apart by the OS error kind or its message.
                Err(sled::Error::Io(e))
                    if tries < 500
                        && (e.kind() == std::io::ErrorKind::WouldBlock
                            || e.to_string().contains("could not acquire lock")) =>
                {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(e) => return Err(backend(e)),
            }
        }
    }

    /// A database that lives in a temporary directory sled removes on drop.
    ///
    /// # Errors
    /// sled could not create it.
    pub fn temporary() -> Result<Self> {
        Ok(SledStore { db: sled::Config::new().temporary(true).open().map_err(backend)? })
    }

    fn tree(&self, tree: &str) -> Result<sled::Tree> {
        self.db.open_tree(tree).map_err(backend)
    }
}

impl Store for SledStore {
    fn get_raw(&self, tree: &str, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.tree(tree)?.get(key).map_err(backend)?.map(|v| v.to_vec()))
    }

    fn put_raw(&mut self, tree: &str, key: &str, value: &[u8]) -> Result<()> {
        self.tree(tree)?.insert(key, value).map_err(backend)?;
        Ok(())
    }

    fn delete(&mut self, tree: &str, key: &str) -> Result<bool> {
        Ok(self.tree(tree)?.remove(key).map_err(backend)?.is_some())
    }

    fn scan_prefix_raw(&self, tree: &str, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        self.tree(tree)?
            .scan_prefix(prefix)
            .map(|kv| {
                let (k, v) = kv.map_err(backend)?;
                let k = String::from_utf8(k.to_vec())
                    .map_err(|_| StoreError::Backend(format!("store: a key in {tree} is not UTF-8")))?;
                Ok((k, v.to_vec()))
            })
            .collect()
    }

    fn flush(&mut self) -> Result<()> {
        self.db.flush().map_err(backend)?;
        Ok(())
    }

    fn syncer(&self) -> Option<Syncer> {
        let db = self.db.clone();
        Some(std::sync::Arc::new(move || db.flush().map(drop).map_err(backend)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Sub {
        dn: String,
        forward: Option<String>,
    }

    fn story(s: &mut dyn Store) {
        let a = Sub { dn: "2125550142".into(), forward: Some("9175550123".into()) };
        let b = Sub { dn: "2125550143".into(), forward: None };
        s.put("subscriber", &a.dn, &a).unwrap();
        s.put("subscriber", &b.dn, &b).unwrap();
        s.put("subscriber", "3125550000", &Sub { dn: "3125550000".into(), forward: None }).unwrap();
        assert_eq!(s.get::<Sub>("subscriber", "2125550142").unwrap(), Some(a.clone()));
        assert_eq!(s.get::<Sub>("other", "2125550142").unwrap(), None);
        let keys: Vec<String> =
            s.scan_prefix::<Sub>("subscriber", "212").unwrap().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["2125550142", "2125550143"]);
        assert!(s.delete("subscriber", "2125550143").unwrap());
        assert!(!s.delete("subscriber", "2125550143").unwrap());
        s.put_raw("subscriber", "bad", b"{not json").unwrap();
        assert!(matches!(s.get::<Sub>("subscriber", "bad"), Err(StoreError::Decode { .. })));
        s.flush().unwrap();
    }

    #[test]
    fn memory_store_tells_the_story() {
        story(&mut MemStore::new());
    }

    #[test]
    fn sled_store_tells_the_story_and_survives_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut s = SledStore::open(dir.path()).unwrap();
            story(&mut s);
        }
        let s = SledStore::open(dir.path()).unwrap();
        let sub: Sub = s.get("subscriber", "2125550142").unwrap().unwrap();
        assert_eq!(sub.forward.as_deref(), Some("9175550123"));
        assert_eq!(s.get::<Sub>("subscriber", "2125550143").unwrap(), None);
    }

    #[test]
    fn a_sled_store_can_be_synced_from_another_thread_and_memory_needs_not() {
        assert!(MemStore::new().syncer().is_none());
        let dir = tempfile::tempdir().unwrap();
        let mut s = SledStore::open(dir.path()).unwrap();
        let sync = s.syncer().expect("sled has a syncer");
        s.put("subscriber", "2125550142", &Sub { dn: "2125550142".into(), forward: None }).unwrap();
        std::thread::spawn(move || sync()).join().unwrap().unwrap();
        assert!(s.get::<Sub>("subscriber", "2125550142").unwrap().is_some());
    }
}
