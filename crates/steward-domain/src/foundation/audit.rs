//! The audit trail's hash chain. Each entry's hash covers its own fields and the previous
//! entry's hash, so altering, removing or reordering any entry breaks the chain from there on.
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An entry as stored: sequence number, content and the two hashes that chain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    /// Microseconds since the Unix epoch, UTC.
    #[serde(skip)]
    pub at_micros: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub record_type: String,
    pub record_id: String,
    pub action: String,
    /// JSON text of the record before the change, if it existed.
    #[schema(value_type = Option<Object>)]
    #[serde(serialize_with = "raw_json")]
    pub before: Option<String>,
    /// JSON text of the record after the change, if it still exists.
    #[schema(value_type = Option<Object>)]
    #[serde(serialize_with = "raw_json")]
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

fn raw_json<S: serde::Serializer>(value: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        None => s.serialize_none(),
        Some(text) => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(json) => json.serialize(s),
            Err(_) => s.serialize_str(text),
        },
    }
}

/// The content of an entry, before the store gives it a place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditDraft {
    pub actor_id: Option<i64>,
    pub actor: String,
    pub record_type: String,
    pub record_id: String,
    pub action: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl AuditDraft {
    /// Builds a draft from serialisable snapshots of the record before and after the change.
    pub fn new<B: Serialize, A: Serialize>(
        actor: &crate::Actor,
        record_type: &str,
        record_id: impl ToString,
        action: &str,
        before: Option<&B>,
        after: Option<&A>,
    ) -> Self {
        Self {
            actor_id: actor.user_id,
            actor: actor.name.clone(),
            record_type: record_type.to_owned(),
            record_id: record_id.to_string(),
            action: action.to_owned(),
            before: before.map(to_json),
            after: after.map(to_json),
        }
    }

    /// Places the draft in the chain after `prev_hash` as entry number `seq`.
    pub fn seal(self, seq: i64, at_micros: i64, prev_hash: &str) -> AuditEntry {
        let hash = link_hash(prev_hash, seq, &self.hashed_body(at_micros));
        self.linked(seq, at_micros, prev_hash.to_owned(), hash)
    }

    /// The hashed fields after the link (the previous hash and the sequence number), in
    /// order. A store that reads the head and links the entry in one statement hashes the link
    /// itself and appends these bytes, as [`link_hash`] does.
    pub fn hashed_body(&self, at_micros: i64) -> Vec<u8> {
        hashed_body(
            at_micros,
            self.actor_id,
            &self.actor,
            &self.record_type,
            &self.record_id,
            &self.action,
            self.before.as_deref(),
            self.after.as_deref(),
        )
    }

    /// The entry as linked by a store that computed `hash` itself (see [`Self::hashed_body`]).
    pub fn linked(self, seq: i64, at_micros: i64, prev_hash: String, hash: String) -> AuditEntry {
        AuditEntry {
            seq,
            at_micros,
            at: crate::foundation::page::rfc3339_micros(at_micros),
            actor_id: self.actor_id,
            actor: self.actor,
            record_type: self.record_type,
            record_id: self.record_id,
            action: self.action,
            before: self.before,
            after: self.after,
            prev_hash,
            hash,
        }
    }
}

fn to_json<T: Serialize>(value: &T) -> String {
    // Snapshots are plain data structs; serialising them cannot fail.
    serde_json::to_string(value)
        .unwrap_or_else(|e| format!("{{\"unserialisable\":{:?}}}", e.to_string()))
}

/// One hashed field: `<byte length>:<bytes>;`, or `-;` when absent, so that no two field lists
/// collide.
fn hash_field(out: &mut Vec<u8>, value: Option<&[u8]>) {
    match value {
        None => out.extend_from_slice(b"-;"),
        Some(bytes) => {
            out.extend_from_slice(bytes.len().to_string().as_bytes());
            out.push(b':');
            out.extend_from_slice(bytes);
            out.push(b';');
        }
    }
}

/// SHA-256 over the link (previous hash, sequence number) and then the entry's hashed body,
/// each field length-prefixed. PostgreSQL's store computes the same link in SQL.
pub fn link_hash(prev_hash: &str, seq: i64, body: &[u8]) -> String {
    let mut link = Vec::with_capacity(96);
    hash_field(&mut link, Some(prev_hash.as_bytes()));
    hash_field(&mut link, Some(seq.to_string().as_bytes()));
    let mut h = Sha256::new();
    h.update(&link);
    h.update(body);
    hex::encode(h.finalize())
}

impl AuditEntry {
    /// The hash its fields give, to compare with the stored one.
    pub fn recomputed_hash(&self) -> String {
        let body = hashed_body(
            self.at_micros,
            self.actor_id,
            &self.actor,
            &self.record_type,
            &self.record_id,
            &self.action,
            self.before.as_deref(),
            self.after.as_deref(),
        );
        link_hash(&self.prev_hash, self.seq, &body)
    }
}

#[allow(clippy::too_many_arguments)]
fn hashed_body(
    at_micros: i64,
    actor_id: Option<i64>,
    actor: &str,
    record_type: &str,
    record_id: &str,
    action: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> Vec<u8> {
    let mut body = Vec::with_capacity(
        64 + actor.len() + before.map_or(0, str::len) + after.map_or(0, str::len),
    );
    hash_field(&mut body, Some(at_micros.to_string().as_bytes()));
    let actor_id = actor_id.map(|id| id.to_string());
    hash_field(&mut body, actor_id.as_deref().map(str::as_bytes));
    hash_field(&mut body, Some(actor.as_bytes()));
    hash_field(&mut body, Some(record_type.as_bytes()));
    hash_field(&mut body, Some(record_id.as_bytes()));
    hash_field(&mut body, Some(action.as_bytes()));
    hash_field(&mut body, before.map(str::as_bytes));
    hash_field(&mut body, after.map(str::as_bytes));
    body
}

/// Where and why a chain stopped being intact.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit chain broken at entry {seq}: {reason}")]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// Checks entries one by one, in sequence order, without holding them all in memory.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    last_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            expected_seq: 1,
            last_hash: GENESIS_HASH.to_owned(),
        }
    }
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, e: &AuditEntry) -> Result<(), ChainBreak> {
        let fail = |reason: String| ChainBreak { seq: e.seq, reason };
        if e.seq != self.expected_seq {
            return Err(ChainBreak {
                seq: self.expected_seq,
                reason: format!(
                    "entry {} is missing or out of order (found {} next)",
                    self.expected_seq, e.seq
                ),
            });
        }
        if e.prev_hash != self.last_hash {
            return Err(fail(
                "its previous-hash does not match the entry before it (an entry was removed, reordered or altered)".into(),
            ));
        }
        let recomputed = e.recomputed_hash();
        if recomputed != e.hash {
            return Err(fail(
                "its content does not match its hash (the entry was altered)".into(),
            ));
        }
        self.expected_seq += 1;
        self.last_hash = e.hash.clone();
        Ok(())
    }

    /// Compares the end of the chain with the recorded head, which catches removal of the
    /// newest entries. Returns the number of entries verified.
    pub fn finish(self, head: Option<(i64, &str)>) -> Result<i64, ChainBreak> {
        let count = self.expected_seq - 1;
        let (head_seq, head_hash) = head.unwrap_or((0, GENESIS_HASH));
        if head_seq != count || head_hash != self.last_hash {
            return Err(ChainBreak {
                seq: count.min(head_seq) + 1,
                reason: format!(
                    "the chain ends at entry {count} but its recorded head is entry {head_seq} (entries were removed or the head was altered)"
                ),
            });
        }
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Actor;

    fn chain(n: usize) -> Vec<AuditEntry> {
        let actor = Actor::system("test");
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n as i64)
            .map(|seq| {
                let e = AuditDraft::new(
                    &actor,
                    "thing",
                    seq,
                    "update",
                    Some(&serde_json::json!({"n": seq - 1})),
                    Some(&serde_json::json!({"n": seq})),
                )
                .seal(seq, 1_000_000 * seq, &prev);
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn verify(entries: &[AuditEntry], head: Option<(i64, &str)>) -> Result<i64, ChainBreak> {
        let mut v = ChainVerifier::new();
        for e in entries {
            v.push(e)?;
        }
        v.finish(head)
    }

    fn head(entries: &[AuditEntry]) -> Option<(i64, &str)> {
        entries.last().map(|e| (e.seq, e.hash.as_str()))
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, head(&c)), Ok(5));
        assert_eq!(verify(&[], None), Ok(0));
    }

    #[test]
    fn altered_entry_is_named() {
        let mut c = chain(5);
        let h = c[4].hash.clone();
        c[2].after = Some("{\"n\":99}".into());
        let err = verify(&c, Some((5, &h))).unwrap_err();
        assert_eq!(err.seq, 3);
    }

    #[test]
    fn removed_entry_is_found() {
        let mut c = chain(5);
        let h = c[4].hash.clone();
        c.remove(1);
        assert_eq!(verify(&c, Some((5, &h))).unwrap_err().seq, 2);
    }

    #[test]
    fn removed_tail_is_found_through_the_head() {
        let mut c = chain(5);
        let h = c[4].hash.clone();
        c.pop();
        assert!(verify(&c, Some((5, &h))).is_err());
    }

    #[test]
    fn reordered_entries_are_found() {
        let mut c = chain(5);
        let h = c[4].hash.clone();
        c.swap(1, 2);
        // Even with sequence numbers swapped back, the chain links no longer match.
        c[1].seq = 2;
        c[2].seq = 3;
        assert_eq!(verify(&c, Some((5, &h))).unwrap_err().seq, 2);
    }

    #[test]
    /// The stored chains of every install depend on this exact byte layout (and PostgreSQL's
    /// store hashes the link in SQL), so it is pinned to a digest computed outside this code.
    fn the_hash_layout_is_fixed() {
        let draft = AuditDraft {
            actor_id: Some(42),
            actor: "Ana ßmith".into(),
            record_type: "incident".into(),
            record_id: "12".into(),
            action: "update".into(),
            before: Some(r#"{"t":"é"}"#.into()),
            after: None,
        };
        let hash = draft.seal(7, 1_700_000_000_000_000, GENESIS_HASH).hash;
        assert_eq!(
            hash,
            "d35479f4dcc61da21ec056ecdd1aac9f9dde5e7a9c182f31590359c16e6771a7"
        );
    }

    #[test]
    fn missing_and_present_fields_hash_differently() {
        let draft = |before: Option<&str>, after: Option<&str>| AuditDraft {
            actor_id: None,
            actor: "a".into(),
            record_type: "t".into(),
            record_id: "1".into(),
            action: "x".into(),
            before: before.map(str::to_owned),
            after: after.map(str::to_owned),
        };
        let a = draft(None, Some("")).seal(1, 0, "p").hash;
        let b = draft(Some(""), None).seal(1, 0, "p").hash;
        assert_ne!(a, b);
    }
}
