//! Where evidence is kept: the directory collection and key of every
//! [`Evidence`] kind, and how each is written. The collection names are
//! stated here once; the application reads evidence back through
//! [`read`] with the same [`Kind`], never by a string of its own.
//!
//! The stored shapes are the ones the web application wrote before
//! evidence joined the batch (issue 15), so existing databases read the
//! same.

use serde_json::{Value, json};

use crate::record::Evidence;
use crate::{Store, StoreError};

/// A kind of evidence, for reading it back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Intake,
    RequestSignature,
    Attachments,
    ResultSignature,
    Blob,
    Draft,
}

impl Kind {
    /// The directory collection that holds this kind.
    pub const fn collection(self) -> &'static str {
        match self {
            Kind::Intake => "intake",
            Kind::RequestSignature => "signatures",
            Kind::Attachments => "attachments",
            Kind::ResultSignature => "signed-results",
            Kind::Blob => "blobs",
            Kind::Draft => "drafts",
        }
    }
}

/// How one directory row changes.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Insert or replace.
    Put(Value),
    /// Insert unless the key exists (content-addressed rows).
    PutIfAbsent(Value),
    /// Append to the JSON array the row holds (created empty).
    Extend(Vec<Value>),
    Delete,
}

/// One directory row write.
#[derive(Clone, Debug, PartialEq)]
pub struct DirectoryWrite {
    pub collection: &'static str,
    pub key: String,
    pub change: Change,
}

impl Evidence {
    /// The directory row this evidence writes: its kind and key (what a
    /// concurrent writer must not share without waiting).
    pub fn directory_key(&self) -> (Kind, &str) {
        match self {
            Evidence::Intake { case_id, .. } => (Kind::Intake, case_id),
            Evidence::RequestSignature { case_id, .. } => (Kind::RequestSignature, case_id),
            Evidence::Attachments { case_id, .. } => (Kind::Attachments, case_id),
            Evidence::ResultSignature { case_id, .. } => (Kind::ResultSignature, case_id),
            Evidence::Blob { sha256, .. } => (Kind::Blob, sha256),
            Evidence::DraftRemoved { draft_id } => (Kind::Draft, draft_id),
        }
    }

    /// The directory write this evidence is.
    pub fn directory_write(&self) -> DirectoryWrite {
        let (kind, key) = self.directory_key();
        let change = match self {
            Evidence::Intake { record, .. } => Change::Put(record.clone()),
            Evidence::RequestSignature { record, .. } => Change::Put(json!({ "request": record })),
            Evidence::Attachments { entries, .. } => Change::Extend(entries.clone()),
            Evidence::ResultSignature { record, .. } => Change::Put(record.clone()),
            Evidence::Blob {
                content_type, data, ..
            } => Change::PutIfAbsent(json!({ "type": content_type, "data": data })),
            Evidence::DraftRemoved { .. } => Change::Delete,
        };
        DirectoryWrite {
            collection: kind.collection(),
            key: key.to_owned(),
            change,
        }
    }
}

/// The evidence of `kind` kept under `key` (a case id, a blob's SHA-256, a
/// draft id). A request signature reads back as the record it was written
/// with.
pub fn read(store: &dyn Store, kind: Kind, key: &str) -> Result<Option<Value>, StoreError> {
    let value = store.doc(kind.collection(), key)?;
    Ok(match kind {
        Kind::RequestSignature => {
            value.and_then(|mut value| value.get_mut("request").map(Value::take))
        }
        _ => value,
    })
}

/// The value an [`Change::Extend`] leaves: the row's current list (`None`:
/// absent) with `entries` appended. The one write that reads first; the
/// backends call it inside the batch's transaction.
pub fn extend(current: Option<Value>, entries: &[Value]) -> Value {
    let mut list = match current {
        Some(Value::Array(list)) => list,
        _ => Vec::new(),
    };
    list.extend(entries.iter().cloned());
    Value::Array(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_collection() {
        let kinds = [
            Kind::Intake,
            Kind::RequestSignature,
            Kind::Attachments,
            Kind::ResultSignature,
            Kind::Blob,
            Kind::Draft,
        ];
        let names: std::collections::BTreeSet<_> =
            kinds.iter().map(|kind| kind.collection()).collect();
        assert_eq!(names.len(), kinds.len());
    }

    #[test]
    fn extend_appends_to_an_existing_list_and_starts_an_absent_one() {
        assert_eq!(extend(None, &[json!(1)]), json!([1]));
        assert_eq!(
            extend(Some(json!([1])), &[json!(2), json!(3)]),
            json!([1, 2, 3])
        );
        // A row that is not a list (written by hand, say) is started again.
        assert_eq!(extend(Some(json!({"x": 1})), &[json!(2)]), json!([2]));
    }

    #[test]
    fn a_request_signature_is_kept_under_request() {
        let write = Evidence::RequestSignature {
            case_id: "Q1".into(),
            record: json!({"cms": "x"}),
        }
        .directory_write();
        assert_eq!(write.collection, "signatures");
        assert_eq!(write.change, Change::Put(json!({"request": {"cms": "x"}})));
    }
}
