//! ECS prefix lists (`CreatePrefixList` … `DeletePrefixList`) and port range lists
//! (`CreatePortRangeList` … `DeletePortRangeList`): parameters, the store call, and their answers —
//! prefix lists in object wrappers (`PrefixLists.PrefixList[]`), port range lists in bare arrays,
//! which is what each SDK parses (docs/reference/lists.md §1–§3).

use serde_json::{json, Value};

use crate::domain::error::Attr;
use crate::domain::input::TagInput;
use crate::domain::lists::{List, ListKind};
use crate::domain::names::{check_list_name, check_list_text, check_tags};
use crate::domain::store::{ListChange, NewList, State, ENTRIES_PER_CALL};
use crate::domain::values::{Family, Problem};
use crate::domain::DomainError;
use crate::persist::doc::family_text;
use crate::rpc::ParamError;

use super::super::{decode_token, encode_token, Ctx, Failure, Reply};
use super::groups::tags;
use super::scope;

/// The wire names of one kind.
struct Names {
    id: &'static str,
    name: &'static str,
    /// The entry field: `Cidr` or `PortRange`.
    entry: &'static str,
}

fn names(kind: ListKind) -> Names {
    match kind {
        ListKind::Prefix => Names {
            id: "PrefixListId",
            name: "PrefixListName",
            entry: "Cidr",
        },
        ListKind::PortRange => Names {
            id: "PortRangeListId",
            name: "PortRangeListName",
            entry: "PortRange",
        },
    }
}

/// `CreationTime` of a list: minutes, as the list pages' examples show (`2021-02-20T07:11Z`).
fn minutes(unix: i64) -> String {
    let t = crate::timefmt::format(unix);
    // `yyyy-MM-ddTHH:mm:ssZ` → `yyyy-MM-ddTHH:mmZ`
    match t.get(..16) {
        Some(head) => format!("{head}Z"),
        None => t,
    }
}

/// `Entry.N.X` / `AddEntry.N.X` entries: (value, description); at most 200 per call.
fn entries(ctx: &Ctx, prefix: &str, field: &str) -> Result<Vec<(String, String)>, Failure> {
    let p = ctx.params;
    let mut out = Vec::new();
    for n in p.indexes(prefix, ENTRIES_PER_CALL)? {
        let value_name = format!("{prefix}.{n}.{field}");
        let value = p.required(&value_name)?.to_string();
        let desc_name = format!("{prefix}.{n}.Description");
        let description = match p.present(&desc_name) {
            // Terraform sends `Entry.N.Description=` when none is configured: not given.
            None => String::new(),
            Some(d) => {
                check_list_text(d, &desc_name, Attr::EntryDescription, 32)?;
                d.to_string()
            }
        };
        out.push((value, description));
    }
    Ok(out)
}

fn description(ctx: &Ctx) -> Result<Option<String>, Failure> {
    match ctx.params.present("Description") {
        None => Ok(None),
        Some(d) => {
            check_list_text(d, "Description", Attr::ListDescription, 256)?;
            Ok(Some(d.to_string()))
        }
    }
}

fn max_entries(ctx: &Ctx, kind: ListKind) -> Result<u32, Failure> {
    let invalid = |problem| DomainError::invalid(Attr::MaxEntries, "MaxEntries", problem);
    let n = ctx.params.int("MaxEntries")?.ok_or(ParamError::Missing {
        name: "MaxEntries".into(),
    })?;
    if n < 1 {
        return Err(invalid(Problem::Malformed).into());
    }
    if n > i64::from(kind.max_entries_bound()) {
        return Err(invalid(Problem::OutOfRange).into());
    }
    Ok(n as u32)
}

fn create(ctx: &Ctx, kind: ListKind) -> Result<Reply, Failure> {
    let p = ctx.params;
    let n = names(kind);
    let scope = scope(ctx)?;
    let family = match kind {
        ListKind::PortRange => None,
        ListKind::Prefix => {
            let f = p.required("AddressFamily")?;
            Some(if f.eq_ignore_ascii_case("IPv4") {
                Family::V4
            } else if f.eq_ignore_ascii_case("IPv6") {
                Family::V6
            } else {
                return Err(DomainError::invalid(
                    Attr::AddressFamily,
                    "AddressFamily",
                    Problem::Malformed,
                )
                .into());
            })
        }
    };
    let max_entries = max_entries(ctx, kind)?;
    let name = p.required(n.name)?;
    check_list_name(name, n.name)?;
    let description = description(ctx)?.unwrap_or_default();
    let tags: Vec<TagInput> = tags(ctx, true)?;
    check_tags(&tags)?;
    let entries = entries(ctx, "Entry", n.entry)?;
    let token = ctx.token()?;
    let new = NewList {
        kind,
        name: name.to_string(),
        description,
        family,
        max_entries,
        entries,
        tags: tags.iter().map(TagInput::pair).collect(),
        resource_group_id: p.present("ResourceGroupId").unwrap_or_default().to_string(),
    };
    let id = ctx.app.store.write(|s| {
        s.idempotent(ctx.account, token.as_ref(), |s| {
            // Per region and kind: 100 prefix lists; port range lists undocumented, the same
            // (docs/reference/lists.md §1, §2); `--lists-per-region`.
            s.create_list(&scope, new, ctx.app.config.lists_per_region)
                .map(Some)
        })
    })?;
    let mut out = Reply::default();
    out.insert(n.id.into(), id.unwrap_or_default().into());
    Ok(out)
}

fn modify(ctx: &Ctx, kind: ListKind) -> Result<Reply, Failure> {
    let p = ctx.params;
    let n = names(kind);
    let scope = scope(ctx)?;
    let id = p.required(n.id)?.to_string();
    let name = match p.present(n.name) {
        None => None,
        Some(name) => {
            check_list_name(name, n.name)?;
            Some(name.to_string())
        }
    };
    let change = ListChange {
        name,
        description: description(ctx)?,
        add: entries(ctx, "AddEntry", n.entry)?,
        remove: p
            .indexes("RemoveEntry", ENTRIES_PER_CALL)?
            .into_iter()
            .map(|i| {
                p.required(&format!("RemoveEntry.{i}.{}", n.entry))
                    .map(str::to_string)
            })
            .collect::<Result<_, _>>()?,
    };
    // Port range lists take a ClientToken on Modify (prefix lists do not document one).
    let token = match kind {
        ListKind::PortRange => ctx.token()?,
        ListKind::Prefix => None,
    };
    ctx.app.store.write(|s| {
        s.idempotent(ctx.account, token.as_ref(), |s| {
            s.modify_list(&scope, kind, &id, change).map(|()| None)
        })
    })?;
    Ok(Reply::default())
}

fn delete(ctx: &Ctx, kind: ListKind) -> Result<Reply, Failure> {
    let scope = scope(ctx)?;
    let id = ctx.params.required(names(kind).id)?.to_string();
    ctx.app.store.write(|s| s.delete_list(&scope, kind, &id))?;
    Ok(Reply::default())
}

/// `MaxResults` (1–100, default 10) and `NextToken` (an offset) of a list describe.
fn token_page(ctx: &Ctx) -> Result<(usize, usize), Failure> {
    let p = ctx.params;
    let max = match p.int("MaxResults")? {
        None => 10,
        Some(n) if (1..=100).contains(&n) => n as usize,
        Some(_) => {
            return Err(Failure::BadValue {
                name: "MaxResults".into(),
                hint: "Valid values: 1 to 100.",
            })
        }
    };
    let start = match p.present("NextToken") {
        None => 0,
        Some(t) => decode_token(t)
            .and_then(|s| s.strip_prefix("at:").and_then(|n| n.parse().ok()))
            .ok_or(Failure::BadValue {
                name: "NextToken".into(),
                hint: "Pass the NextToken of the previous answer.",
            })?,
    };
    Ok((start, max))
}

/// One page of `items` from `start`, and the token of the next (empty on the last page).
fn page<T>(items: Vec<T>, start: usize, max: usize) -> (Vec<T>, String) {
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(start).take(max).collect();
    let next = if start + page.len() < total {
        encode_token(&format!("at:{}", start + page.len()))
    } else {
        String::new()
    };
    (page, next)
}

fn tags_json(l: &List, wrapped: bool) -> Value {
    let tags: Vec<Value> = l
        .tags
        .iter()
        .map(|(k, v)| json!({"TagKey": k, "TagValue": v}))
        .collect();
    if wrapped {
        json!({ "Tag": tags })
    } else {
        Value::Array(tags)
    }
}

/// One element of `PrefixLists.PrefixList[]` / `PortRangeLists[]`.
fn summary(s: &State, l: &List) -> Value {
    let mut v = json!({
        "MaxEntries": l.max_entries,
        "AssociationCount": s.association_count(&l.id),
        "Description": l.description,
        "CreationTime": minutes(l.created),
        "ResourceGroupId": l.resource_group_id,
    });
    if let Value::Object(m) = &mut v {
        let n = names(l.kind);
        m.insert(n.id.into(), l.id.as_str().into());
        m.insert(n.name.into(), l.name.as_str().into());
        match l.kind {
            ListKind::Prefix => {
                m.insert(
                    "AddressFamily".into(),
                    l.family.map_or("", family_text).into(),
                );
                m.insert("Tags".into(), tags_json(l, true));
            }
            ListKind::PortRange => {
                m.insert("Tags".into(), tags_json(l, false));
            }
        }
    }
    v
}

fn describe(ctx: &Ctx, kind: ListKind) -> Result<Reply, Failure> {
    let p = ctx.params;
    let n = names(kind);
    let scope = scope(ctx)?;
    let ids = p.scalar_list(n.id, 100).map_err(|e| match e {
        ParamError::TooMany { .. } => Failure::BadValue {
            name: n.id.into(),
            hint: "At most 100.",
        },
        other => other.into(),
    })?;
    let name = p.present(n.name);
    let family = p.present("AddressFamily");
    let rg = p.present("ResourceGroupId");
    let tag_filter: Vec<(String, String)> = tags(ctx, false)?.iter().map(TagInput::pair).collect();
    let (start, max) = token_page(ctx)?;
    Ok(ctx.app.store.read(|s| {
        let all: Vec<&List> = s
            .lists_of(&scope, kind)
            .into_iter()
            .filter(|l| ids.is_empty() || ids.contains(&l.id))
            .filter(|l| name.is_none_or(|x| l.name == x))
            .filter(|l| {
                family.is_none_or(|f| {
                    l.family
                        .is_some_and(|lf| family_text(lf).eq_ignore_ascii_case(f))
                })
            })
            .filter(|l| rg.is_none_or(|r| l.resource_group_id == r))
            .filter(|l| {
                tag_filter.iter().all(|(k, v)| {
                    l.tags
                        .iter()
                        .any(|(tk, tv)| tk == k && (v.is_empty() || tv == v))
                })
            })
            .collect();
        let (items, next) = page(all, start, max);
        let items: Vec<Value> = items.into_iter().map(|l| summary(s, l)).collect();
        let mut out = Reply::default();
        out.insert("NextToken".into(), next.into());
        match kind {
            ListKind::Prefix => {
                out.insert("PrefixLists".into(), json!({ "PrefixList": items }));
            }
            ListKind::PortRange => {
                out.insert("PortRangeLists".into(), Value::Array(items));
            }
        }
        out
    }))
}

fn entries_json(l: &List) -> Vec<Value> {
    let field = names(l.kind).entry;
    l.entries
        .iter()
        .map(|e| {
            let mut m = serde_json::Map::new();
            m.insert(field.into(), e.value.as_str().into());
            m.insert("Description".into(), e.description.as_str().into());
            Value::Object(m)
        })
        .collect()
}

fn associations(ctx: &Ctx, kind: ListKind) -> Result<Reply, Failure> {
    let scope = scope(ctx)?;
    let id = ctx.params.required(names(kind).id)?.to_string();
    let (start, max) = token_page(ctx)?;
    ctx.app.store.read(|s| {
        s.list(&scope, kind, &id)?;
        let (groups, next) = page(s.associations(&id), start, max);
        // The two kinds spell the resource type differently (docs/reference/lists.md §3).
        let resource_type = match kind {
            ListKind::Prefix => "securitygroup",
            ListKind::PortRange => "SecurityGroup",
        };
        let items: Vec<Value> = groups
            .into_iter()
            .map(|g| json!({"ResourceId": g, "ResourceType": resource_type}))
            .collect();
        let mut out = Reply::default();
        out.insert("NextToken".into(), next.into());
        match kind {
            ListKind::Prefix => {
                out.insert(
                    "PrefixListAssociations".into(),
                    json!({ "PrefixListAssociation": items }),
                );
            }
            ListKind::PortRange => {
                out.insert("PortRangeListAssociations".into(), Value::Array(items));
            }
        }
        Ok(out)
    })
}

pub fn create_prefix_list(ctx: &Ctx) -> Result<Reply, Failure> {
    create(ctx, ListKind::Prefix)
}

pub fn create_port_range_list(ctx: &Ctx) -> Result<Reply, Failure> {
    create(ctx, ListKind::PortRange)
}

pub fn modify_prefix_list(ctx: &Ctx) -> Result<Reply, Failure> {
    modify(ctx, ListKind::Prefix)
}

pub fn modify_port_range_list(ctx: &Ctx) -> Result<Reply, Failure> {
    modify(ctx, ListKind::PortRange)
}

pub fn delete_prefix_list(ctx: &Ctx) -> Result<Reply, Failure> {
    delete(ctx, ListKind::Prefix)
}

pub fn delete_port_range_list(ctx: &Ctx) -> Result<Reply, Failure> {
    delete(ctx, ListKind::PortRange)
}

pub fn describe_prefix_lists(ctx: &Ctx) -> Result<Reply, Failure> {
    describe(ctx, ListKind::Prefix)
}

pub fn describe_port_range_lists(ctx: &Ctx) -> Result<Reply, Failure> {
    describe(ctx, ListKind::PortRange)
}

pub fn describe_prefix_list_associations(ctx: &Ctx) -> Result<Reply, Failure> {
    associations(ctx, ListKind::Prefix)
}

pub fn describe_port_range_list_associations(ctx: &Ctx) -> Result<Reply, Failure> {
    associations(ctx, ListKind::PortRange)
}

/// DescribePrefixListAttributes: the list and its entries, `Entries.Entry[]` even when empty
/// (Terraform type-asserts the object; docs/reference/lists.md §7).
pub fn describe_prefix_list_attributes(ctx: &Ctx) -> Result<Reply, Failure> {
    let scope = scope(ctx)?;
    let id = ctx.params.required("PrefixListId")?.to_string();
    ctx.app.store.read(|s| {
        let l = s.list(&scope, ListKind::Prefix, &id)?;
        let mut out = Reply::default();
        out.insert("PrefixListId".into(), l.id.as_str().into());
        out.insert("PrefixListName".into(), l.name.as_str().into());
        out.insert(
            "AddressFamily".into(),
            l.family.map_or("", family_text).into(),
        );
        out.insert("MaxEntries".into(), l.max_entries.into());
        out.insert("Description".into(), l.description.as_str().into());
        out.insert("CreationTime".into(), minutes(l.created).into());
        out.insert("Entries".into(), json!({ "Entry": entries_json(l) }));
        Ok(out)
    })
}

/// DescribePortRangeListEntries: the entries as a bare array.
pub fn describe_port_range_list_entries(ctx: &Ctx) -> Result<Reply, Failure> {
    let scope = scope(ctx)?;
    let id = ctx.params.required("PortRangeListId")?.to_string();
    ctx.app.store.read(|s| {
        let l = s.list(&scope, ListKind::PortRange, &id)?;
        let mut out = Reply::default();
        out.insert("Entries".into(), Value::Array(entries_json(l)));
        Ok(out)
    })
}
