//! What is wrong with a configuration: each problem with its file, key
//! and reason, an error or a warning.

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
    pub key: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{level}: {}: {}: {}", self.file, self.key, self.message)
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
            key: key.into(),
            message: message.into(),
        });
    }
}
