//! The event hash (defined precisely in `docs/store.md`).

use sha2::{Digest, Sha256};

/// Domain tag that starts every hashed message; a new hash format gets a new tag.
const DOMAIN_TAG: &[u8] = b"qyzmet-event-v1";

/// The fields an event hash covers, as they are stored.
#[derive(Clone, Copy, Debug)]
pub struct EventHashInput<'a> {
    pub case_id: &'a str,
    pub seq: u64,
    pub global_seq: u64,
    pub kind: &'a str,
    /// The payload's JSON text exactly as stored.
    pub payload_json: &'a str,
    /// The event instant as stored (RFC 3339, as `jiff::Timestamp` displays it).
    pub at: &'a str,
    pub prev_case_hash: &'a str,
    pub prev_global_hash: &'a str,
}

/// `sha256:<lowercase hex>` of the length-prefixed fields.
pub fn event_hash(input: &EventHashInput<'_>) -> String {
    event_hash_text(input).as_str().to_owned()
}

/// An event hash as text (`sha256:` and 64 hex digits) without a heap
/// allocation, or the empty text that stands before a chain's first event:
/// the write path makes one per event and keeps the two previous ones.
#[derive(Clone, Copy)]
pub(crate) struct HashText {
    len: u8,
    bytes: [u8; HASH_TEXT_LEN],
}

const HASH_TEXT_LEN: usize = 7 + 64;

impl HashText {
    /// `text` when it is an empty or a well-formed hash text, else `None`.
    pub(crate) fn parse(text: &str) -> Option<HashText> {
        if !text.is_empty() && text.len() != HASH_TEXT_LEN {
            return None;
        }
        let mut bytes = [0; HASH_TEXT_LEN];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        Some(HashText {
            len: text.len() as u8,
            bytes,
        })
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII is ever stored (`parse` takes a `&str` of the exact
        // length or nothing; `event_hash_text` writes ASCII).
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }
}

/// [`event_hash`] into a [`HashText`].
pub(crate) fn event_hash_text(input: &EventHashInput<'_>) -> HashText {
    let mut hasher = Sha256::new();
    put_bytes(&mut hasher, DOMAIN_TAG);
    put_bytes(&mut hasher, input.case_id.as_bytes());
    hasher.update(input.seq.to_be_bytes());
    hasher.update(input.global_seq.to_be_bytes());
    put_bytes(&mut hasher, input.kind.as_bytes());
    put_bytes(&mut hasher, input.payload_json.as_bytes());
    put_bytes(&mut hasher, input.at.as_bytes());
    put_bytes(&mut hasher, input.prev_case_hash.as_bytes());
    put_bytes(&mut hasher, input.prev_global_hash.as_bytes());
    let digest = hasher.finalize();
    let mut out = HashText {
        len: HASH_TEXT_LEN as u8,
        bytes: [0; HASH_TEXT_LEN],
    };
    out.bytes[..7].copy_from_slice(b"sha256:");
    for (index, byte) in digest.iter().enumerate() {
        out.bytes[7 + 2 * index] = HEX[usize::from(byte >> 4)];
        out.bytes[8 + 2 * index] = HEX[usize::from(byte & 0x0f)];
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A field: its length in bytes as a big-endian u64, then the bytes.
fn put_bytes(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_be_bytes());
    hasher.update(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> EventHashInput<'static> {
        EventHashInput {
            case_id: "c1",
            seq: 1,
            global_seq: 1,
            kind: "case_submitted",
            payload_json: "{\"a\":1}",
            at: "2024-03-01T04:00:00Z",
            prev_case_hash: "",
            prev_global_hash: "",
        }
    }

    #[test]
    fn every_field_changes_the_hash() {
        let base = event_hash(&input());
        assert!(base.starts_with("sha256:") && base.len() == 71);
        let variants = [
            EventHashInput {
                case_id: "c2",
                ..input()
            },
            EventHashInput { seq: 2, ..input() },
            EventHashInput {
                global_seq: 2,
                ..input()
            },
            EventHashInput {
                kind: "x",
                ..input()
            },
            EventHashInput {
                payload_json: "{\"a\":2}",
                ..input()
            },
            EventHashInput {
                at: "2024-03-01T04:00:01Z",
                ..input()
            },
            EventHashInput {
                prev_case_hash: "sha256:00",
                ..input()
            },
            EventHashInput {
                prev_global_hash: "sha256:00",
                ..input()
            },
        ];
        for variant in variants {
            assert_ne!(event_hash(&variant), base, "{variant:?}");
        }
    }

    #[test]
    fn length_prefix_separates_fields() {
        // Moving bytes from one field to the next must change the hash.
        let a = EventHashInput {
            case_id: "ab",
            kind: "c",
            ..input()
        };
        let b = EventHashInput {
            case_id: "a",
            kind: "bc",
            ..input()
        };
        assert_ne!(event_hash(&a), event_hash(&b));
    }

    #[test]
    fn known_vector() {
        // Pinned so that a change to the hash definition cannot go unnoticed:
        // docs/store.md shows how to reproduce it by hand.
        assert_eq!(event_hash(&input()), KNOWN);
    }

    const KNOWN: &str = "sha256:24783f88ee4aaa30f3b4484919c5ee882a7a69ae8dfb0700bc512ac8f08d1067";
}
