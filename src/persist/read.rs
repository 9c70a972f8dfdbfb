//! Reading a large state document (a snapshot, a state import, fixtures) without first building it
//! whole: each group is handed, as soon as it is parsed, to a second thread that turns it into a
//! domain group. The document is the same as [`StateDoc`](super::doc::StateDoc) reads — the same
//! fields, unknown fields refused — but a million rules no longer need the whole document and the
//! state in memory at once, and parsing and conversion run side by side.

use std::fmt;
use std::sync::mpsc;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::doc::{
    account_instances, account_lists, group_from, AccountDoc, GroupDoc, TokenDoc, FORMAT, VERSION,
};
use super::error::DocError;
use crate::domain::group::{Group, Namespace, Scope};
use crate::domain::instance::Instance;
use crate::domain::lists::List;
use crate::domain::store::{Limits, State, TokenRecord};

/// A document read into a state, and the journal position it includes (snapshots).
pub struct Read {
    pub state: State,
    pub journal_seq: Option<u64>,
}

/// A document's contents, converted, with its header's counters: what a state loads.
pub struct Parts {
    pub id_seed: Option<u64>,
    pub ids_issued: u64,
    pub journal_seq: Option<u64>,
    pub groups: Vec<Group>,
    pub instances: Vec<Instance>,
    pub lists: Vec<List>,
    pub tokens: Vec<TokenRecord>,
}

impl Parts {
    /// Another document's contents after these (a fixtures folder): ids must stay unique across
    /// them, which loading checks.
    pub fn extend(&mut self, other: Parts) {
        self.id_seed = self.id_seed.or(other.id_seed);
        self.ids_issued = self.ids_issued.max(other.ids_issued);
        self.groups.extend(other.groups);
        self.instances.extend(other.instances);
        self.lists.extend(other.lists);
        self.tokens.extend(other.tokens);
    }

    /// Load into `state`, which holds no groups (fixtures): its seed stays, its id counter only grows.
    pub fn load_into(self, state: &mut State) -> Result<(), DocError> {
        let (seed, issued) = state.id_state();
        state.set_id_state(seed, issued.max(self.ids_issued));
        Ok(state.load(self.groups, self.instances, self.lists, self.tokens)?)
    }
}

/// One group on its way to the converter: the document, its scope, and its path for messages.
struct Job {
    group: GroupDoc,
    scope: Scope,
    region: Option<String>,
    index: usize,
}

/// Parse `bytes` as a state document into a fresh state. The document's id seed wins over `seed`.
pub fn read_state(
    bytes: &[u8],
    limits: Limits,
    seed: Option<u64>,
    now: i64,
) -> Result<Read, DocError> {
    let parts = read_parts(bytes, now)?;
    let mut state = State::new(limits, parts.id_seed.or(seed));
    let (seed, _) = state.id_state();
    state.set_id_state(seed, parts.ids_issued);
    state.load(parts.groups, parts.instances, parts.lists, parts.tokens)?;
    Ok(Read {
        state,
        journal_seq: parts.journal_seq,
    })
}

/// Parse `bytes` as a state document and convert what it holds (format and version checked).
pub fn read_parts(bytes: &[u8], now: i64) -> Result<Parts, DocError> {
    let (tx, rx) = mpsc::sync_channel::<Job>(256);
    std::thread::scope(|s| {
        let converter = s.spawn(move || {
            let mut groups = Vec::new();
            let mut first_error = None;
            // Keep receiving after an error, so the parser never blocks on a full channel.
            for job in rx {
                if first_error.is_some() {
                    continue;
                }
                let at = || match &job.region {
                    Some(r) => format!("accounts.{}.ecs.{r}[{}]", job.scope.account, job.index),
                    None => format!("accounts.{}.ens[{}]", job.scope.account, job.index),
                };
                match group_from(&job.group, job.scope.clone(), now, &at) {
                    Ok(g) => groups.push(g),
                    Err(e) => first_error = Some(e),
                }
            }
            match first_error {
                Some(e) => Err(e),
                None => Ok(groups),
            }
        });
        let mut tokens = Vec::new();
        let mut instance_docs = Vec::new();
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let parsed = DocSeed {
            tx: &tx,
            tokens: &mut tokens,
            instances: &mut instance_docs,
        }
        .deserialize(&mut de)
        .and_then(|h| de.end().map(|()| h));
        drop(tx);
        let groups = converter.join().unwrap_or(Err(DocError::Converter));
        let header = parsed?;
        if header.format != FORMAT {
            return Err(DocError::Format(header.format));
        }
        if header.version != VERSION {
            return Err(DocError::Version(header.version));
        }
        let groups = groups?;
        let mut instances = Vec::new();
        let mut lists = Vec::new();
        for (account, doc) in &instance_docs {
            instances.extend(account_instances(account, doc)?);
            lists.extend(account_lists(account, doc, now)?);
        }
        Ok(Parts {
            id_seed: header.id_seed,
            ids_issued: header.ids_issued,
            journal_seq: header.journal_seq,
            groups,
            instances,
            lists,
            tokens,
        })
    })
}

#[derive(Default)]
struct Header {
    format: String,
    version: u32,
    id_seed: Option<u64>,
    ids_issued: u64,
    journal_seq: Option<u64>,
}

const DOC_FIELDS: &[&str] = &[
    "format",
    "version",
    "id_seed",
    "ids_issued",
    "journal_seq",
    "accounts",
];
const ACCOUNT_FIELDS: &[&str] = &[
    "ecs",
    "ens",
    "ecs_instances",
    "ens_instances",
    "ecs_prefix_lists",
    "ecs_port_range_lists",
    "client_tokens",
];

struct DocSeed<'a> {
    tx: &'a mpsc::SyncSender<Job>,
    tokens: &'a mut Vec<TokenRecord>,
    /// Each account's instances, converted once the document is read (they are few).
    instances: &'a mut Vec<(String, AccountDoc)>,
}

impl<'de> DeserializeSeed<'de> for DocSeed<'_> {
    type Value = Header;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Header, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocSeed<'_> {
    type Value = Header;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("struct StateDoc")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Header, A::Error> {
        let mut h = Header::default();
        let (mut format, mut version) = (false, false);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "format" => {
                    h.format = map.next_value()?;
                    format = true;
                }
                "version" => {
                    h.version = map.next_value()?;
                    version = true;
                }
                "id_seed" => h.id_seed = map.next_value()?,
                "ids_issued" => h.ids_issued = map.next_value()?,
                "journal_seq" => h.journal_seq = map.next_value()?,
                "accounts" => map.next_value_seed(AccountsSeed {
                    tx: self.tx,
                    tokens: self.tokens,
                    instances: self.instances,
                })?,
                other => return Err(de::Error::unknown_field(other, DOC_FIELDS)),
            }
        }
        if !format {
            return Err(de::Error::missing_field("format"));
        }
        if !version {
            return Err(de::Error::missing_field("version"));
        }
        Ok(h)
    }
}

struct AccountsSeed<'a> {
    tx: &'a mpsc::SyncSender<Job>,
    tokens: &'a mut Vec<TokenRecord>,
    instances: &'a mut Vec<(String, AccountDoc)>,
}

impl<'de> DeserializeSeed<'de> for AccountsSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for AccountsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map of accounts")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(account) = map.next_key::<String>()? {
            if account.is_empty() {
                return Err(de::Error::custom("an account id is empty"));
            }
            map.next_value_seed(AccountSeed {
                tx: self.tx,
                tokens: &mut *self.tokens,
                instances: &mut *self.instances,
                account: &account,
            })?;
        }
        Ok(())
    }
}

struct AccountSeed<'a> {
    tx: &'a mpsc::SyncSender<Job>,
    tokens: &'a mut Vec<TokenRecord>,
    instances: &'a mut Vec<(String, AccountDoc)>,
    account: &'a str,
}

impl<'de> DeserializeSeed<'de> for AccountSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for AccountSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("struct AccountDoc")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut instances = AccountDoc::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "ecs_instances" => instances.ecs_instances = map.next_value()?,
                "ens_instances" => instances.ens_instances = map.next_value()?,
                "ecs_prefix_lists" => instances.ecs_prefix_lists = map.next_value()?,
                "ecs_port_range_lists" => instances.ecs_port_range_lists = map.next_value()?,
                "ecs" => map.next_value_seed(RegionsSeed {
                    tx: self.tx,
                    account: self.account,
                })?,
                "ens" => map.next_value_seed(GroupsSeed {
                    tx: self.tx,
                    account: self.account,
                    region: None,
                })?,
                "client_tokens" => {
                    let docs: Vec<TokenDoc> = map.next_value()?;
                    self.tokens.extend(docs.into_iter().map(|t| TokenRecord {
                        account: self.account.to_string(),
                        token: t.token,
                        fingerprint: t.fingerprint,
                        outcome: t.outcome,
                    }));
                }
                other => return Err(de::Error::unknown_field(other, ACCOUNT_FIELDS)),
            }
        }
        if !instances.ecs_instances.is_empty()
            || !instances.ens_instances.is_empty()
            || !instances.ecs_prefix_lists.is_empty()
            || !instances.ecs_port_range_lists.is_empty()
        {
            self.instances.push((self.account.to_string(), instances));
        }
        Ok(())
    }
}

struct RegionsSeed<'a> {
    tx: &'a mpsc::SyncSender<Job>,
    account: &'a str,
}

impl<'de> DeserializeSeed<'de> for RegionsSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RegionsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map of regions")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(region) = map.next_key::<String>()? {
            map.next_value_seed(GroupsSeed {
                tx: self.tx,
                account: self.account,
                region: Some(&region),
            })?;
        }
        Ok(())
    }
}

struct GroupsSeed<'a> {
    tx: &'a mpsc::SyncSender<Job>,
    account: &'a str,
    /// An ECS region, or `None` for ENS.
    region: Option<&'a str>,
}

impl<'de> DeserializeSeed<'de> for GroupsSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for GroupsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of groups")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(group) = seq.next_element::<GroupDoc>()? {
            let scope = Scope {
                account: self.account.to_string(),
                namespace: match self.region {
                    Some(r) => Namespace::Region(r.to_string()),
                    None => Namespace::Edge,
                },
            };
            let job = Job {
                group,
                scope,
                region: self.region.map(str::to_string),
                index,
            };
            if self.tx.send(job).is_err() {
                // The converter is gone (it only stops when the parser stops): read on quietly.
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                return Ok(());
            }
            index += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persist::doc;

    const EXAMPLE: &str = include_str!("../../fixtures/example.json");

    #[test]
    fn reads_what_the_document_type_reads() {
        let d: doc::StateDoc = serde_json::from_str(EXAMPLE).unwrap();
        let built = doc::from_doc(&d, Limits::default(), Some(1), 0).unwrap();
        let read = read_state(EXAMPLE.as_bytes(), Limits::default(), Some(1), 0).unwrap();
        assert_eq!(
            serde_json::to_value(doc::to_doc(&read.state)).unwrap(),
            serde_json::to_value(doc::to_doc(&built)).unwrap()
        );
    }

    #[test]
    fn refuses_what_the_document_type_refuses() {
        for (bad, message) in [
            (
                r#"{"format":"sgmock-state","version":1,"extra":1}"#,
                "unknown field `extra`",
            ),
            (r#"{"version":1}"#, "missing field `format`"),
            (
                r#"{"format":"x","version":1}"#,
                "format must be \"sgmock-state\", not \"x\"",
            ),
            (
                r#"{"format":"sgmock-state","version":2}"#,
                "version 2 is not supported",
            ),
            (
                r#"{"format":"sgmock-state","version":1,"accounts":{"a":{"ecs":{"r":[{"id":""}]}}}}"#,
                "accounts.a.ecs.r[0]: group id is empty",
            ),
            (
                r#"{"format":"sgmock-state","version":1,"accounts":{"a":{"nope":1}}}"#,
                "unknown field `nope`",
            ),
            (
                r#"{"format":"sgmock-state","version":1} x"#,
                "trailing characters",
            ),
        ] {
            let err = read_state(bad.as_bytes(), Limits::default(), None, 0)
                .err()
                .unwrap()
                .to_string();
            assert!(err.contains(message), "{bad}: {err}");
        }
    }

    #[test]
    fn every_product_key_is_a_field_of_the_account_document() {
        for p in crate::products::all() {
            assert!(ACCOUNT_FIELDS.contains(&p.policy.key), "{}", p.policy.key);
        }
    }
}
