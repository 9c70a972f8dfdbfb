//! Persistence and exchange of the state: the versioned state document (admin API, fixtures,
//! snapshots) and the journal that makes every acknowledged write durable.

pub mod disk;
pub mod doc;
pub mod error;
pub mod events;
pub mod journal;
pub mod read;

use std::path::Path;

use doc::StateDoc;
use error::PersistError;

/// Read one state document, or every `*.json` of a folder (merged, in file-name order).
pub fn read_fixtures(path: &Path) -> Result<StateDoc, PersistError> {
    let read = |p: &Path| -> Result<StateDoc, PersistError> {
        let bytes = std::fs::read(p).map_err(|e| PersistError::io("cannot read", p, e))?;
        serde_json::from_slice(&bytes).map_err(|source| PersistError::Fixture {
            path: p.to_path_buf(),
            source,
        })
    };
    if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| PersistError::io("cannot read", path, e))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        let docs = files
            .iter()
            .map(|p| read(p))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(doc::merge(docs))
    } else {
        read(path)
    }
}
