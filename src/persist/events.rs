//! The journal's event codec: each domain [`Event`] as a JSON object (`EventDoc`) and back, and a
//! journal record (a sequence number and one request's events) as one checksummed line. Strict:
//! unknown fields, an unknown event type or a record of a newer codec version are errors, never
//! skipped (docs/architecture.md, "Persistence").

use serde::{Deserialize, Serialize};

use super::doc::{
    group_doc, group_from, instance_doc, instance_from, list_doc, list_from, parse, rule_doc,
    rule_from, tag_docs, tags_from, GroupDoc, InstanceDoc, ListDoc, RuleDoc, TagDoc,
};
use super::error::{DocError, RecordError};
use crate::domain::cidr::Ipv6Text;
use crate::domain::group::{Namespace, Scope};
use crate::domain::lists::ListKind;
use crate::domain::policy::Namespacing;
use crate::domain::store::{Event, GroupAttrs, TokenRecord};
use crate::domain::values::NicType;
use crate::products;

/// The version of the record format this sgmock writes, and the newest it reads. A record without
/// `v` is version 1 (written by sgmock 0.1.0, before records carried it).
pub const CODEC_VERSION: u32 = 1;

fn v1() -> u32 {
    1
}

/// One journal record: a sequence number and the events of one request.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    #[serde(default = "v1")]
    pub v: u32,
    pub seq: u64,
    pub events: Vec<EventDoc>,
}

impl Record {
    pub fn new(seq: u64, events: Vec<EventDoc>) -> Record {
        Record {
            v: CODEC_VERSION,
            seq,
            events,
        }
    }
}

/// A record as one journal line: its JSON, a space, the CRC-32 of the JSON in 8 hex digits, and a
/// newline. The checksum finds a changed byte that would still parse (a digit in a name, say).
pub fn encode(record: &Record) -> Result<Vec<u8>, serde_json::Error> {
    let mut line = serde_json::to_vec(record)?;
    let crc = crc32fast::hash(&line);
    line.extend_from_slice(format!(" {crc:08x}\n").as_bytes());
    Ok(line)
}

/// The record of a whole line (newline included). Lines without a checksum (journals of sgmock
/// 0.1.0) are read as plain JSON.
pub fn decode(line: &[u8]) -> Result<Record, RecordError> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let (json, sum) = match line.len().checked_sub(9).map(|at| line.split_at(at)) {
        Some((json, tail)) if tail.first() == Some(&b' ') => (json, tail.get(1..)),
        _ => (line, None),
    };
    if let Some(sum) = sum {
        let expected = std::str::from_utf8(sum)
            .ok()
            .and_then(|s| u32::from_str_radix(s, 16).ok())
            .ok_or(RecordError::ChecksumSyntax)?;
        if crc32fast::hash(json) != expected {
            return Err(RecordError::Checksum);
        }
    }
    // The version is judged before anything else: a newer sgmock's record is reported as such, not
    // as a record with unknown fields. Parsed whole first, so a good line is parsed once.
    let version = |record: Option<&Record>| match record {
        Some(r) => r.v,
        None => {
            #[derive(Deserialize)]
            struct Version {
                #[serde(default = "v1")]
                v: u32,
            }
            serde_json::from_slice::<Version>(json).map_or(CODEC_VERSION, |v| v.v)
        }
    };
    let record = serde_json::from_slice::<Record>(json);
    match version(record.as_ref().ok()) {
        CODEC_VERSION => record.map_err(RecordError::Json),
        other => Err(RecordError::Version(other)),
    }
}

/// A journal event.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum EventDoc {
    GroupInserted {
        account: String,
        /// A region, or `ens`.
        namespace: String,
        group: GroupDoc,
    },
    GroupRemoved {
        id: String,
    },
    GroupUpdated {
        id: String,
        name: String,
        description: String,
        inner_access_policy: String,
        tags: Vec<TagDoc>,
        resource_group_id: String,
    },
    RuleInserted {
        group: String,
        rule: RuleDoc,
    },
    RuleRemoved {
        group: String,
        rule: String,
    },
    RuleReplaced {
        group: String,
        rule: RuleDoc,
    },
    TokenRecorded {
        account: String,
        token: String,
        fingerprint: String,
        #[serde(default)]
        outcome: Option<String>,
    },
    IdsIssued {
        issued: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seed: Option<u64>,
    },
    Reset {
        #[serde(default)]
        account: Option<String>,
    },
    InstancePut {
        account: String,
        /// A region, or the key of a product without regions.
        namespace: String,
        instance: InstanceDoc,
    },
    InstanceRemoved {
        id: String,
    },
    ListPut {
        account: String,
        /// The region.
        namespace: String,
        /// `prefix` or `port_range`.
        kind: String,
        list: ListDoc,
    },
    ListRemoved {
        id: String,
    },
}

/// A journal event's namespace: the region of a regional group, else its product's key.
fn namespace_key(ns: &Namespace) -> String {
    match ns {
        Namespace::Region(r) => r.clone(),
        Namespace::Edge => products::policy_of(ns).key.into(),
    }
}

/// The inverse of [`namespace_key`]: a product key of a product without regions, else a region.
fn namespace_from_key(key: &str) -> Namespace {
    match products::by_key(key) {
        Some(p) if p.policy.namespacing == Namespacing::Global && p.policy.key == key => {
            Namespace::Edge
        }
        _ => Namespace::Region(key.to_string()),
    }
}

pub fn event_doc(e: &Event) -> EventDoc {
    match e {
        Event::GroupInserted(g) => EventDoc::GroupInserted {
            account: g.scope.account.clone(),
            namespace: namespace_key(&g.scope.namespace),
            group: group_doc(g),
        },
        Event::GroupRemoved { id } => EventDoc::GroupRemoved { id: id.clone() },
        Event::GroupUpdated(a) => EventDoc::GroupUpdated {
            id: a.id.clone(),
            name: a.name.clone(),
            description: a.description.clone(),
            inner_access_policy: a.inner_policy.as_str().into(),
            tags: tag_docs(&a.tags),
            resource_group_id: a.resource_group_id.clone(),
        },
        Event::RuleInserted { group, rule } => EventDoc::RuleInserted {
            group: group.clone(),
            rule: rule_doc(rule),
        },
        Event::RuleRemoved { group, rule } => EventDoc::RuleRemoved {
            group: group.clone(),
            rule: rule.clone(),
        },
        Event::RuleReplaced { group, rule } => EventDoc::RuleReplaced {
            group: group.clone(),
            rule: rule_doc(rule),
        },
        Event::TokenRecorded(t) => EventDoc::TokenRecorded {
            account: t.account.clone(),
            token: t.token.clone(),
            fingerprint: t.fingerprint.clone(),
            outcome: t.outcome.clone(),
        },
        Event::IdsIssued { issued, seed } => EventDoc::IdsIssued {
            issued: *issued,
            seed: *seed,
        },
        Event::Reset { account } => EventDoc::Reset {
            account: account.clone(),
        },
        Event::InstancePut(i) => EventDoc::InstancePut {
            account: i.scope.account.clone(),
            namespace: namespace_key(&i.scope.namespace),
            instance: instance_doc(i),
        },
        Event::InstanceRemoved { id } => EventDoc::InstanceRemoved { id: id.clone() },
        Event::ListPut(l) => EventDoc::ListPut {
            account: l.scope.account.clone(),
            namespace: namespace_key(&l.scope.namespace),
            kind: match l.kind {
                ListKind::Prefix => "prefix",
                ListKind::PortRange => "port_range",
            }
            .into(),
            list: list_doc(l),
        },
        Event::ListRemoved { id } => EventDoc::ListRemoved { id: id.clone() },
    }
}

/// A journal event back into a domain event.
pub fn event_from(e: &EventDoc, now: i64) -> Result<Event, DocError> {
    Ok(match e {
        EventDoc::GroupInserted {
            account,
            namespace,
            group,
        } => {
            let scope = Scope {
                account: account.clone(),
                namespace: namespace_from_key(namespace),
            };
            Event::GroupInserted(std::sync::Arc::new(group_from(group, scope, now, &|| {
                "event".to_string()
            })?))
        }
        EventDoc::GroupRemoved { id } => Event::GroupRemoved { id: id.clone() },
        EventDoc::GroupUpdated {
            id,
            name,
            description,
            inner_access_policy,
            tags,
            resource_group_id,
        } => Event::GroupUpdated(Box::new(GroupAttrs {
            id: id.clone(),
            name: name.clone(),
            description: description.clone(),
            inner_policy: parse(inner_access_policy, "inner_access_policy", &|| {
                "event".to_string()
            })?,
            tags: tags_from(tags),
            resource_group_id: resource_group_id.clone(),
        })),
        EventDoc::RuleInserted { group, rule } | EventDoc::RuleReplaced { group, rule } => {
            // An event holds the rule as stored: its NIC type always, and its IPv6 text already in
            // the product's form, so the text is taken as it is (whatever the product).
            let r = Box::new(rule_from(
                rule,
                Ipv6Text::Verbatim,
                NicType::Internet,
                now,
                &|| "event".to_string(),
            )?);
            if matches!(e, EventDoc::RuleInserted { .. }) {
                Event::RuleInserted {
                    group: group.clone(),
                    rule: r,
                }
            } else {
                Event::RuleReplaced {
                    group: group.clone(),
                    rule: r,
                }
            }
        }
        EventDoc::RuleRemoved { group, rule } => Event::RuleRemoved {
            group: group.clone(),
            rule: rule.clone(),
        },
        EventDoc::TokenRecorded {
            account,
            token,
            fingerprint,
            outcome,
        } => Event::TokenRecorded(TokenRecord {
            account: account.clone(),
            token: token.clone(),
            fingerprint: fingerprint.clone(),
            outcome: outcome.clone(),
        }),
        EventDoc::IdsIssued { issued, seed } => Event::IdsIssued {
            issued: *issued,
            seed: *seed,
        },
        EventDoc::Reset { account } => Event::Reset {
            account: account.clone(),
        },
        EventDoc::InstancePut {
            account,
            namespace,
            instance,
        } => {
            let scope = Scope {
                account: account.clone(),
                namespace: namespace_from_key(namespace),
            };
            Event::InstancePut(std::sync::Arc::new(instance_from(
                instance,
                scope,
                &|| "event".to_string(),
            )?))
        }
        EventDoc::InstanceRemoved { id } => Event::InstanceRemoved { id: id.clone() },
        EventDoc::ListPut {
            account,
            namespace,
            kind,
            list,
        } => {
            let kind = match kind.as_str() {
                "prefix" => ListKind::Prefix,
                "port_range" => ListKind::PortRange,
                other => {
                    return Err(DocError::Value {
                        at: "event".into(),
                        problem: super::error::ValueError::Invalid {
                            what: "kind",
                            text: other.to_string(),
                        },
                    })
                }
            };
            let scope = Scope {
                account: account.clone(),
                namespace: namespace_from_key(namespace),
            };
            Event::ListPut(std::sync::Arc::new(list_from(
                list,
                kind,
                scope,
                now,
                &|| "event".to_string(),
            )?))
        }
        EventDoc::ListRemoved { id } => Event::ListRemoved { id: id.clone() },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(json: &str) -> Vec<u8> {
        format!("{json} {:08x}\n", crc32fast::hash(json.as_bytes())).into_bytes()
    }

    #[test]
    fn records_carry_their_codec_version_and_round_trip() {
        let r = Record::new(7, vec![EventDoc::GroupRemoved { id: "sg-1".into() }]);
        let bytes = encode(&r).unwrap();
        assert!(bytes.starts_with(br#"{"v":1,"seq":7,"#));
        let back = decode(&bytes).unwrap();
        assert_eq!((back.v, back.seq, back.events.len()), (1, 7, 1));
    }

    #[test]
    fn a_record_without_a_version_or_a_checksum_is_sgmock_0_1_0s() {
        let r = decode(br#"{"seq":3,"events":[{"type":"reset"}]}"#).unwrap();
        assert_eq!((r.v, r.seq), (1, 3));
    }

    #[test]
    fn strict_unknown_versions_fields_and_events_are_errors() {
        let err = |json: &str| decode(&line(json)).err().map(|e| e.to_string());
        assert_eq!(
            err(r#"{"v":2,"seq":1,"events":[{"type":"something_new"}]}"#).as_deref(),
            Some("record format version 2 is not the one this sgmock reads (1): a newer sgmock wrote it")
        );
        assert!(err(r#"{"v":0,"seq":1,"events":[]}"#).is_some());
        assert!(err(r#"{"v":1,"seq":1,"events":[],"extra":1}"#)
            .is_some_and(|e| e.contains("unknown field `extra`")));
        assert!(
            err(r#"{"v":1,"seq":1,"events":[{"type":"group_removed","id":"sg-1","x":1}]}"#)
                .is_some_and(|e| e.contains("unknown field `x`"))
        );
        assert!(
            err(r#"{"v":1,"seq":1,"events":[{"type":"something_new"}]}"#)
                .is_some_and(|e| e.contains("unknown variant `something_new`"))
        );
    }
}
