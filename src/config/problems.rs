//! What is wrong with a configuration: each problem with its file, line,
//! key and reason, an error or a warning. Entries of `[[authority]]` and
//! `[[mailbox]]` are named by their `name` (`authority[Colchester].inbox`)
//! rather than their place in the file.

use std::collections::HashMap;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One thing wrong, or probably wrong, with the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    pub file: String,
    /// The line the key is on (of the entry or table it belongs to, when the
    /// key itself is missing); none for the file as a whole.
    pub line: Option<usize>,
    pub key: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match self.line {
            Some(line) => write!(
                f,
                "{level}: {}:{line}: {}: {}",
                self.file, self.key, self.message
            ),
            None => write!(f, "{level}: {}: {}: {}", self.file, self.key, self.message),
        }
    }
}

#[derive(Default)]
pub(super) struct Problems(pub(super) Vec<Problem>);

impl Problems {
    pub(super) fn error(&mut self, file: &str, key: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Error, file, key, message);
    }
    pub(super) fn warn(&mut self, file: &str, key: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Warning, file, key, message);
    }
    pub(super) fn push(
        &mut self,
        severity: Severity,
        file: &str,
        key: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.0.push(Problem {
            severity,
            file: file.to_string(),
            line: None,
            key: key.into(),
            message: message.into(),
        });
    }

    pub(super) fn has_errors(&self) -> bool {
        self.0.iter().any(|p| p.severity == Severity::Error)
    }

    /// Gives the problems of `file` (whose text is `text`) their lines, and
    /// names the array entries in their keys.
    pub(super) fn locate(&mut self, file: &str, text: &str) {
        let Ok(document) = toml::de::DeTable::parse(text) else {
            return;
        };
        let names = entry_names(document.get_ref());
        for problem in self.0.iter_mut().filter(|p| p.file == file) {
            if problem.line.is_none() {
                problem.line = span_of(document.get_ref(), &problem.key)
                    .map(|at| text.get(..at).unwrap_or(text).matches('\n').count() + 1);
            }
            problem.key = named(&problem.key, &names);
        }
    }
}

/// `authority[7]` → the 8th authority's name, and so for `mailbox`.
fn entry_names(document: &toml::de::DeTable<'_>) -> HashMap<String, String> {
    let mut names = HashMap::new();
    for array in ["authority", "mailbox"] {
        let Some((_, value)) = document.iter().find(|(k, _)| k.get_ref() == array) else {
            continue;
        };
        let toml::de::DeValue::Array(entries) = value.get_ref() else {
            continue;
        };
        for (i, entry) in entries.iter().enumerate() {
            let toml::de::DeValue::Table(table) = entry.get_ref() else {
                continue;
            };
            let name = table
                .iter()
                .find(|(k, _)| k.get_ref() == "name")
                .and_then(|(_, v)| match v.get_ref() {
                    toml::de::DeValue::String(s) if !s.trim().is_empty() => {
                        Some(s.trim().to_string())
                    }
                    _ => None,
                });
            if let Some(name) = name {
                // Only a name unique in the file names an entry.
                let taken = entries.iter().enumerate().any(|(j, other)| {
                    j != i
                        && matches!(other.get_ref(), toml::de::DeValue::Table(t)
                            if t.iter().any(|(k, v)| k.get_ref() == "name"
                                && matches!(v.get_ref(), toml::de::DeValue::String(s) if s.trim() == name)))
                });
                if !taken {
                    names.insert(format!("{array}[{i}]"), format!("{array}[{name}]"));
                }
            }
        }
    }
    names
}

fn named(key: &str, names: &HashMap<String, String>) -> String {
    let head_end = key.find(']').map_or(key.len(), |i| i + 1);
    match names.get(&key[..head_end]) {
        Some(name) => format!("{name}{}", &key[head_end..]),
        None => key.to_string(),
    }
}

/// Where `key` (`mailbox[3].imap.tls`, `referrers.allowed_domains[1]`) is
/// in the document: the byte offset of the deepest part of it found.
fn span_of(document: &toml::de::DeTable<'_>, key: &str) -> Option<usize> {
    use toml::de::DeValue;
    let mut table = Some(document);
    let mut value: Option<&DeValue<'_>> = None;
    let mut found = None;
    for part in key.split('.') {
        let (name, indices) = match part.find('[') {
            Some(at) => (&part[..at], &part[at..]),
            None => (part, ""),
        };
        let current = match value {
            Some(DeValue::Table(t)) => Some(t),
            Some(_) => None,
            None => table,
        };
        let Some((k, v)) = current.and_then(|t| t.iter().find(|(k, _)| k.get_ref() == name)) else {
            break;
        };
        found = Some(k.span().start);
        value = Some(v.get_ref());
        table = None;
        for index in indices.split(['[', ']']).filter(|s| !s.is_empty()) {
            let Some(DeValue::Array(items)) = value else {
                break;
            };
            // An entry by its place, or by its name (`mailbox[colchester]`).
            let item = match index.parse::<usize>() {
                Ok(i) => items.get(i),
                Err(_) => items.iter().find(|item| {
                    matches!(item.get_ref(), DeValue::Table(t) if t.iter().any(|(k, v)| {
                        k.get_ref() == "name"
                            && matches!(v.get_ref(), DeValue::String(s) if s.trim() == index)
                    }))
                }),
            };
            let Some(item) = item else { break };
            found = Some(item.span().start);
            value = Some(item.get_ref());
        }
    }
    found
}

/// Deserializes `table` as `T`, reporting every unknown key of it (each an
/// error of its own, with serde's list of the known ones) rather than only
/// the first, then the first other error. `key` is where the table is.
pub(super) fn read_table<T: serde::de::DeserializeOwned>(
    file: &str,
    key: &str,
    owner: &str,
    mut table: toml::Table,
    problems: &mut Problems,
) -> Option<T> {
    let mut unknown = false;
    // Each round takes out one unknown key; a table has few.
    for _ in 0..=table.len() {
        match toml::Value::Table(table.clone()).try_into::<T>() {
            Ok(value) => return (!unknown).then_some(value),
            Err(e) => {
                let message = e.message().trim().to_string();
                let field = message
                    .strip_prefix("unknown field `")
                    .and_then(|rest| rest.split_once('`'))
                    .map(|(field, _)| field.to_string());
                let prefix = if owner.is_empty() {
                    String::new()
                } else {
                    format!("{owner}: ")
                };
                let at = |name: &str| {
                    if key.is_empty() {
                        name.to_string()
                    } else {
                        format!("{key}.{name}")
                    }
                };
                match field {
                    Some(field) if table.remove(&field).is_some() => {
                        problems.error(file, at(&field), format!("{prefix}{message}"));
                        unknown = true;
                    }
                    _ => {
                        let missing = message
                            .strip_prefix("missing field `")
                            .and_then(|rest| rest.split_once('`'))
                            .map(|(field, _)| at(field));
                        let key = missing.unwrap_or_else(|| key.to_string());
                        problems.error(file, key, format!("{prefix}{message}"));
                        return None;
                    }
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_get_their_lines_and_entries_their_names() {
        let text = "[gateway]\ndatabase = \"x\"\n\n[[authority]]\nname = \"Colchester\"\ninbox = \"bad\"\n\n[[mailbox]]\nname = \"col\"\n[mailbox.imap]\ntls = \"maybe\"\n";
        let mut problems = Problems::default();
        problems.error("a.toml", "authority[0].inbox", "not an address");
        problems.error("a.toml", "mailbox[0].imap.tls", "no");
        problems.error(
            "a.toml",
            "authority[0].domains",
            "missing: the entry's line",
        );
        problems.error("a.toml", "(file)", "whole");
        problems.error("b.toml", "authority[0].inbox", "another file");
        problems.locate("a.toml", text);
        let shown: Vec<String> = problems.0.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            shown,
            [
                "error: a.toml:6: authority[Colchester].inbox: not an address",
                "error: a.toml:11: mailbox[col].imap.tls: no",
                "error: a.toml:4: authority[Colchester].domains: missing: the entry's line",
                "error: a.toml: (file): whole",
                "error: b.toml: authority[0].inbox: another file",
            ]
        );
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Two {
        one: u32,
        two: Option<String>,
    }

    #[test]
    fn every_unknown_key_of_a_table_is_reported() {
        let table: toml::Table = "one = 1\nton = 2\ntwoo = \"x\"\n".parse().expect("toml");
        let mut problems = Problems::default();
        assert!(read_table::<Two>("f", "t", "", table, &mut problems).is_none());
        let keys: Vec<&str> = problems.0.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["t.ton", "t.twoo"]);
        assert!(
            problems.0[0].message.contains("expected"),
            "{problems:?}",
            problems = problems.0
        );
    }
}
