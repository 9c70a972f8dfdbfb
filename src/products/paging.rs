//! Listing a scope's groups a page at a time, in descending id order: by page number
//! (`PageNumber`/`PageSize`, with a total) or by opaque token (`MaxResults`/`NextToken`), never both
//! in one request (docs/reference/ecs.md §1.3, §5 #17; docs/reference/terraform.md §7 decision 1 for ENS).

use crate::domain::group::{Group, Scope};
use crate::domain::store::State;
use crate::rpc::Params;

use super::{decode_token, encode_token, Failure};

pub enum Paging {
    Pages { number: usize, size: usize },
    Tokens { max: usize, start: Option<String> },
}

pub struct Page<'a> {
    pub items: Vec<&'a Group>,
    /// All matches (page mode only).
    pub total: Option<usize>,
    /// Empty on the last page.
    pub next: String,
}

fn bad(name: &str, hint: &'static str) -> Failure {
    Failure::BadValue {
        name: name.to_string(),
        hint,
    }
}

/// `PageNumber` (from 1, default 1) and `PageSize` (1 to `max`, default 10) of a list that pages
/// by number only (DescribeInstances).
pub fn page_number_size(p: &Params, max: i64) -> Result<(usize, usize), Failure> {
    let number = match p.int("PageNumber")? {
        None => 1,
        Some(n) if n >= 1 => n as usize,
        Some(_) => return Err(bad("PageNumber", "Page numbers start at 1.")),
    };
    let size = match p.int("PageSize")? {
        None => 10,
        Some(n) if (1..=max).contains(&n) => n as usize,
        Some(_) => return Err(bad("PageSize", "Valid values: 1 to 100.")),
    };
    Ok((number, size))
}

/// The items of page `number` of `size`.
pub fn page_of<T>(all: Vec<T>, number: usize, size: usize) -> Vec<T> {
    all.into_iter()
        .skip((number - 1).saturating_mul(size))
        .take(size)
        .collect()
}

impl Paging {
    /// Token mode when `MaxResults` or `NextToken` is sent (`MaxResults` 1–100, default 10); page
    /// mode otherwise (`PageNumber` from 1, `PageSize` 1–50, both default as documented).
    pub fn from_params(p: &Params) -> Result<Paging, Failure> {
        let tokens = p.present("MaxResults").is_some() || p.present("NextToken").is_some();
        let pages = p.present("PageNumber").is_some() || p.present("PageSize").is_some();
        if tokens && pages {
            return Err(Failure::PagingMixed);
        }
        if tokens {
            let max = match p.int("MaxResults")? {
                None => 10,
                Some(n) if (1..=100).contains(&n) => n as usize,
                Some(_) => return Err(bad("MaxResults", "Valid values: 1 to 100.")),
            };
            let start = match p.present("NextToken") {
                None => None,
                Some(t) => Some(
                    decode_token(t)
                        .filter(|s| s.starts_with("sg-"))
                        .ok_or(Failure::BadNextToken)?,
                ),
            };
            return Ok(Paging::Tokens { max, start });
        }
        let number = match p.int("PageNumber")? {
            None => 1,
            Some(n) if n >= 1 => n as usize,
            Some(_) => return Err(bad("PageNumber", "Page numbers start at 1.")),
        };
        let size = match p.int("PageSize")? {
            None => 10,
            Some(n) if (1..=50).contains(&n) => n as usize,
            Some(_) => return Err(bad("PageSize", "Valid values: 1 to 50.")),
        };
        Ok(Paging::Pages { number, size })
    }

    /// One page of the scope's groups that pass `keep`.
    pub fn page<'a>(&self, s: &'a State, scope: &Scope, keep: impl Fn(&Group) -> bool) -> Page<'a> {
        match self {
            Paging::Tokens { max, start } => {
                let mut items = Vec::new();
                let mut next = String::new();
                for g in s
                    .groups_desc_from(scope, start.as_deref())
                    .filter(|g| keep(g))
                {
                    if items.len() == *max {
                        next = encode_token(&g.id);
                        break;
                    }
                    items.push(g);
                }
                Page {
                    items,
                    total: None,
                    next,
                }
            }
            Paging::Pages { number, size } => {
                let all: Vec<&Group> = s
                    .groups_desc_from(scope, None)
                    .filter(|g| keep(g))
                    .collect();
                let total = all.len();
                let items = all
                    .into_iter()
                    .skip((number - 1).saturating_mul(*size))
                    .take(*size)
                    .collect();
                Page {
                    items,
                    total: Some(total),
                    next: String::new(),
                }
            }
        }
    }
}
