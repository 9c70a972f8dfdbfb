//! Persistence and exchange of the state: the versioned state document (admin API, fixtures,
//! snapshots) and the journal that makes every acknowledged write durable.

pub mod disk;
pub mod doc;
pub mod error;
pub mod events;
pub mod journal;
pub mod read;

use std::path::Path;

use error::PersistError;
use read::Parts;

/// Read one state document, or every `*.json` of a folder (in file-name order), as the state loads
/// it: each file read as a stream like a snapshot (parsing the whole document before converting it
/// took a million rules' load to 2.7x the memory they then need, issue 18).
pub fn read_fixtures(path: &Path, now: i64) -> Result<Parts, PersistError> {
    let read = |p: &Path| -> Result<Parts, PersistError> {
        let bytes = std::fs::read(p).map_err(|e| PersistError::io("cannot read", p, e))?;
        read::read_parts(&bytes, now).map_err(|source| PersistError::Fixture {
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
        let mut all: Option<Parts> = None;
        for file in &files {
            let parts = read(file)?;
            match &mut all {
                Some(all) => all.extend(parts),
                None => all = Some(parts),
            }
        }
        Ok(all.unwrap_or(Parts {
            id_seed: None,
            ids_issued: 0,
            journal_seq: None,
            groups: Vec::new(),
            instances: Vec::new(),
            lists: Vec::new(),
            tokens: Vec::new(),
        }))
    } else {
        read(path)
    }
}
