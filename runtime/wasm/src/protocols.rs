//! Global protocol name interning. A `ProtocolId` is a u16 the pipeline can
//! keep per flow; ids are never reused or removed, so a verdict stays valid
//! across pack-set generations (a reload that renames a protocol gets a new
//! id; flows already classified keep the old one and its name).

use arc_swap::ArcSwap;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// An interned (protocol name, category) pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProtocolId(u16);

impl ProtocolId {
    /// TCP flow with payload that no pack matched (libprotoident's name).
    pub const UNKNOWN_TCP: Self = Self(0);
    /// UDP flow with payload that no pack matched.
    pub const UNKNOWN_UDP: Self = Self(1);
    /// Flow that ended without payload in either direction.
    pub const NO_PAYLOAD: Self = Self(2);

    /// The raw id (dense, from 0).
    pub fn index(self) -> u16 {
        self.0
    }
}

/// Name and category of a protocol, libprotoident spelling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolInfo {
    pub name: Arc<str>,
    pub category: Arc<str>,
}

/// (name, category): a protocol is both, as libprotoident defines it.
type NameKey = (Arc<str>, Arc<str>);

/// Append-only table. Writers (pack loads, off the packet path) take the
/// mutex; readers get a lock-free snapshot.
pub(crate) struct ProtocolTable {
    index: Mutex<HashMap<NameKey, ProtocolId>>,
    list: ArcSwap<Vec<ProtocolInfo>>,
}

#[derive(Debug, thiserror::Error)]
#[error("more than {} distinct protocol names loaded", u16::MAX)]
pub struct InternerFull;

impl ProtocolTable {
    pub(crate) fn new() -> Self {
        let table = Self {
            index: Mutex::new(HashMap::new()),
            list: ArcSwap::from_pointee(Vec::new()),
        };
        // Fixed ids, in the order of the constants above.
        for (name, category) in [
            ("Unknown_TCP", "Unknown"),
            ("Unknown_UDP", "Unknown"),
            ("No_Payload", "No_Payload"),
        ] {
            let _ = table.intern(name, category);
        }
        table
    }

    pub(crate) fn intern(&self, name: &str, category: &str) -> Result<ProtocolId, InternerFull> {
        let mut index = self.index.lock().unwrap_or_else(PoisonError::into_inner);
        let key: NameKey = (name.into(), category.into());
        if let Some(&id) = index.get(&key) {
            return Ok(id);
        }
        let current = self.list.load_full();
        let id = u16::try_from(current.len()).map_err(|_| InternerFull)?;
        let mut next = Vec::with_capacity(current.len() + 1);
        next.extend(current.iter().cloned());
        next.push(ProtocolInfo {
            name: key.0.clone(),
            category: key.1.clone(),
        });
        self.list.store(Arc::new(next));
        index.insert(key, ProtocolId(id));
        Ok(ProtocolId(id))
    }

    pub(crate) fn get(&self, id: ProtocolId) -> Option<ProtocolInfo> {
        self.list.load().get(usize::from(id.0)).cloned()
    }

    /// The first id interned under `name` (any category).
    pub(crate) fn find(&self, name: &str) -> Option<ProtocolId> {
        let list = self.list.load();
        let pos = list.iter().position(|p| &*p.name == name)?;
        u16::try_from(pos).ok().map(ProtocolId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_ids_and_stable_interning() {
        let t = ProtocolTable::new();
        assert_eq!(
            &*t.get(ProtocolId::UNKNOWN_UDP).unwrap().name,
            "Unknown_UDP"
        );
        assert_eq!(
            &*t.get(ProtocolId::NO_PAYLOAD).unwrap().category,
            "No_Payload"
        );
        let http = t.intern("HTTP", "Web").unwrap();
        assert_eq!(t.intern("HTTP", "Web").unwrap(), http);
        assert_ne!(t.intern("HTTP", "Mixed").unwrap(), http);
        assert_eq!(t.find("HTTP"), Some(http));
        assert_eq!(t.find("nope"), None);
    }
}
