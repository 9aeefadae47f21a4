//! `agencies.toml`: how the report puts referring agencies into categories
//! (the configuration folder's file, else the embedded one).

use crate::core::report::AgencyMap;
use std::path::Path;

const EMBEDDED_AGENCIES: &str = include_str!("../../config/agencies.toml");

#[derive(Debug, thiserror::Error)]
pub enum AgenciesError {
    #[error("cannot read {path}: {error}")]
    Unreadable { path: String, error: std::io::Error },
    #[error("{path}: {error}")]
    Invalid {
        path: String,
        error: crate::core::report::AgencyMapError,
    },
}

/// The agencies' categories: `DIR/agencies.toml` when the configuration
/// folder has one, else the embedded mapping.
pub fn agency_map(dir: Option<&Path>) -> Result<AgencyMap, AgenciesError> {
    let (path, text) = match dir.map(|d| d.join("agencies.toml")).filter(|f| f.exists()) {
        Some(file) => {
            let text =
                std::fs::read_to_string(&file).map_err(|error| AgenciesError::Unreadable {
                    path: file.display().to_string(),
                    error,
                })?;
            (file.display().to_string(), text)
        }
        None => (
            "(embedded) agencies.toml".to_string(),
            EMBEDDED_AGENCIES.to_string(),
        ),
    };
    AgencyMap::from_toml(&text).map_err(|error| AgenciesError::Invalid { path, error })
}
