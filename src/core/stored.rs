//! The names the domain's closed sets of values are kept under, and the
//! error for a name this version does not know: a record read back is one
//! of the values the code can act on, or an error that says where it came
//! from, never a guess.

/// A closed set of values, each kept as a fixed text.
pub trait StoredName: Copy + 'static {
    /// Every value.
    const ALL: &'static [Self];

    /// The exact text it is kept as.
    fn stored_name(self) -> &'static str;

    /// The value `text` stands for, read from `table`.`column`.
    fn from_stored(
        table: &'static str,
        column: &'static str,
        text: &str,
    ) -> Result<Self, UnknownValue> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.stored_name() == text)
            .ok_or_else(|| UnknownValue {
                table,
                column,
                value: text.to_string(),
            })
    }
}

/// A stored text that names none of its column's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{table}.{column} holds `{value}`, which is none of the values it may hold")]
pub struct UnknownValue {
    pub table: &'static str,
    pub column: &'static str,
    pub value: String,
}

/// Comparing with the stored text (`status == "sent"`), as callers that
/// read rows as text did.
macro_rules! compares_with_text {
    ($type:ty) => {
        impl PartialEq<str> for $type {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $type {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use compares_with_text;

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Every value reads back from its own name, and a name outside the
    /// set (a typo of one, a blank) is an error naming the table, the
    /// column and the text.
    pub(crate) fn round_trips<T: StoredName + PartialEq + std::fmt::Debug>(
        table: &'static str,
        column: &'static str,
    ) {
        let mut seen = std::collections::HashSet::new();
        for value in T::ALL {
            assert!(seen.insert(value.stored_name()), "{value:?} shares a name");
            assert_eq!(
                T::from_stored(table, column, value.stored_name()),
                Ok(*value),
                "{value:?}"
            );
            let typo = format!("{}x", value.stored_name());
            let error = T::from_stored(table, column, &typo).expect_err("unknown");
            assert_eq!(
                error.to_string(),
                format!("{table}.{column} holds `{typo}`, which is none of the values it may hold")
            );
        }
        assert!(T::from_stored(table, column, "").is_err());
    }
}
