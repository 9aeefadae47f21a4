//! The numbers the store gives its records: a case, a message it
//! recorded, a mail in its outbox. Each is its own type, so that one is
//! never passed where another is meant.

use serde::{Deserialize, Serialize};

macro_rules! record_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            pub const fn new(number: i64) -> $name {
                $name(number)
            }

            /// The number as stored.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

record_id!(
    /// A case's row (`cases.id`); people know a case by its reference.
    CaseId
);

record_id!(
    /// A message the gateway recorded (`messages.id`): not its
    /// `Message-ID` header. A quarantined message is known by it too.
    StoredMessageId
);

record_id!(
    /// A mail in the outbox (`outbox.id`), as `outbox retry ID` takes it.
    OutboxId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_show_and_serialise_as_their_number() {
        let id = OutboxId::new(42);
        assert_eq!(id.to_string(), "42");
        assert_eq!(
            serde_json::json!({ "outbox": id }).to_string(),
            r#"{"outbox":42}"#
        );
        assert_eq!(
            serde_json::from_str::<CaseId>("7").ok(),
            Some(CaseId::new(7))
        );
    }
}
