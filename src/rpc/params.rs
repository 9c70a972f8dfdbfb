//! The request's parameters as one de-duplicated set, with typed accessors and the ECS list
//! flattening (`Key.N`, `Key.N.Field`, N from 1).
//!
//! A key sent twice with different values is refused rather than silently resolved: which copy a
//! real gateway would use is undocumented, and a test that sends both has a bug worth seeing.

/// A parameter problem the wire layer can see without knowing the action's meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamError {
    /// Required and absent (or empty).
    Missing { name: String },
    /// Present but not of the expected type.
    Invalid {
        name: String,
        expected: &'static str,
    },
    /// Sent more than once with different values.
    Repeated { name: String },
    /// A list index that is not a number from 1.
    BadIndex { name: String },
    /// More list items than documented.
    TooMany { name: String, max: usize },
}

/// Up to this many distinct keys, a lookup compares each key instead of searching the sorted order.
const LINEAR_LOOKUP_MAX: usize = 16;

/// The parameters: the request's own pairs, in wire order, and their distinct keys sorted for
/// lookup (a binary search over the pairs themselves: no copy of any key or value, no hashing;
/// copying every parameter into a map was ~10 % of an Authorize, issue 18).
#[derive(Debug, Clone, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
    /// Positions in `pairs` of each distinct key's first occurrence, sorted by key.
    sorted: Vec<usize>,
}

impl Params {
    /// Merge pairs (query first, then body). Identical repeats are harmless; conflicting ones are not.
    pub fn from_pairs(
        pairs: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Params, ParamError> {
        let (params, repeated) = Params::build(pairs.into_iter().collect());
        match repeated {
            Some(e) => Err(e),
            None => Ok(params),
        }
    }

    /// The parameters of `pairs`, and the error a key sent twice with different values makes (the
    /// first such key in wire order): the pairs are kept either way, for signatures and the log.
    pub fn build(pairs: Vec<(String, String)>) -> (Params, Option<ParamError>) {
        let mut order: Vec<usize> = (0..pairs.len()).collect();
        let key = |i: &usize| pairs.get(*i).map_or("", |(k, _)| k.as_str());
        let value = |i: &usize| pairs.get(*i).map_or("", |(_, v)| v.as_str());
        // Stable: within one key, wire order is kept, so the first of each run is the first sent.
        order.sort_by(|a, b| key(a).cmp(key(b)));
        let mut sorted = Vec::with_capacity(order.len());
        // (position of the conflicting repeat, key) with the smallest position.
        let mut conflict: Option<(usize, usize)> = None;
        for i in order {
            match sorted.last() {
                Some(first) if key(first) == key(&i) => {
                    if value(first) != value(&i) && conflict.is_none_or(|(at, _)| i < at) {
                        conflict = Some((i, *first));
                    }
                }
                _ => sorted.push(i),
            }
        }
        let repeated = conflict.map(|(_, first)| ParamError::Repeated {
            name: key(&first).to_string(),
        });
        (Params { pairs, sorted }, repeated)
    }

    /// Every pair as sent, in wire order (duplicates included).
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The pairs, taken out (the request log keeps them once the call is answered).
    pub fn take_pairs(&mut self) -> Vec<(String, String)> {
        self.sorted.clear();
        std::mem::take(&mut self.pairs)
    }

    /// Each distinct key with its value, sorted by key.
    fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.sorted
            .iter()
            .filter_map(|&i| self.pairs.get(i))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        let key = |i: &usize| self.pairs.get(*i).map_or("", |(k, _)| k.as_str());
        // An SDK's call sends 5–15 parameters and an action asks for ~45 names, most absent: an
        // equality test per key (most differ in length) is cheaper than a binary search's ordered
        // comparisons until the set grows (issue 18).
        let i = if self.sorted.len() <= LINEAR_LOOKUP_MAX {
            self.sorted.iter().find(|i| key(i) == name)?
        } else {
            let at = self.sorted.binary_search_by(|i| key(i).cmp(name)).ok()?;
            self.sorted.get(at)?
        };
        self.pairs.get(*i).map(|(_, v)| v.as_str())
    }

    /// Present and not empty.
    pub fn present(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    pub fn required(&self, name: &str) -> Result<&str, ParamError> {
        self.present(name).ok_or_else(|| ParamError::Missing {
            name: name.to_string(),
        })
    }

    /// An integer, if present and not empty.
    pub fn int(&self, name: &str) -> Result<Option<i64>, ParamError> {
        match self.present(name) {
            None => Ok(None),
            Some(v) => v.parse::<i64>().map(Some).map_err(|_| ParamError::Invalid {
                name: name.to_string(),
                expected: "an integer",
            }),
        }
    }

    /// A boolean, case-insensitively: Python SDKs send `True`/`False`, Node ones `true`/`false`
    /// (docs/reference/ecs.md §1.0).
    pub fn bool(&self, name: &str) -> Result<Option<bool>, ParamError> {
        match self.present(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(_) => Err(ParamError::Invalid {
                name: name.to_string(),
                expected: "true or false",
            }),
        }
    }

    /// The indexes N of a flattened list `prefix.N` / `prefix.N.Field`, ascending, each 1..=max.
    pub fn indexes(&self, prefix: &str, max: usize) -> Result<Vec<usize>, ParamError> {
        let mut found = std::collections::BTreeSet::new();
        for (key, _) in self.entries() {
            let Some(rest) = key.strip_prefix(prefix).and_then(|r| r.strip_prefix('.')) else {
                continue;
            };
            let n_text = rest.split('.').next().unwrap_or(rest);
            let n: usize = match n_text.parse() {
                Ok(n) if n >= 1 && n_text.bytes().all(|c| c.is_ascii_digit()) => n,
                _ => {
                    return Err(ParamError::BadIndex {
                        name: key.to_string(),
                    })
                }
            };
            if n > max {
                return Err(ParamError::TooMany {
                    name: prefix.to_string(),
                    max,
                });
            }
            found.insert(n);
        }
        Ok(found.into_iter().collect())
    }

    /// A flattened list of scalars `prefix.N`, in index order.
    pub fn scalar_list(&self, prefix: &str, max: usize) -> Result<Vec<String>, ParamError> {
        Ok(self
            .indexes(prefix, max)?
            .into_iter()
            .filter_map(|n| self.get(&format!("{prefix}.{n}")).map(str::to_string))
            .collect())
    }

    /// Whether any key starts with `prefix.` (a flattened list is present).
    pub fn has_list(&self, prefix: &str) -> bool {
        self.entries()
            .any(|(k, _)| k.strip_prefix(prefix).is_some_and(|r| r.starts_with('.')))
    }

    /// A stable digest of the parameters, minus `skip`, for ClientToken idempotency: two requests
    /// with the same business parameters have the same fingerprint whatever the wire order.
    pub fn fingerprint(&self, skip: &[&str]) -> String {
        let mut out = String::new();
        // Already sorted by key (byte order, as the BTreeMap this replaced ordered them).
        for (k, v) in self.entries().filter(|(k, _)| !skip.contains(k)) {
            // Length-prefixed so no value can imitate a separator.
            out.push_str(&format!("{}:{}{}:{}", k.len(), k, v.len(), v));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Params {
        Params::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap()
    }

    /// Both ways of looking up (a scan of few keys, a binary search of many) find every key sent,
    /// and nothing else, on both sides of the switch.
    #[test]
    fn lookups_find_every_key_whatever_the_number_of_keys() {
        for n in [1, 5, LINEAR_LOOKUP_MAX, LINEAR_LOOKUP_MAX + 1, 40] {
            // In an order unlike the sorted one, each key twice with the same value.
            let pairs: Vec<(String, String)> = (0..n)
                .rev()
                .chain(0..n)
                .map(|i| (format!("Key{}", i * 7 % 41), format!("v{i}")))
                .collect();
            let p = Params::from_pairs(pairs).unwrap();
            for i in 0..n {
                let key = format!("Key{}", i * 7 % 41);
                assert_eq!(
                    p.get(&key),
                    Some(format!("v{i}").as_str()),
                    "{n} keys: {key}"
                );
            }
            for absent in ["", "Key", "Key41", "key0", "Key0 "] {
                assert_eq!(p.get(absent), None, "{n} keys: {absent:?}");
            }
        }
    }

    #[test]
    fn repeated_keys_with_different_values_are_refused() {
        let e = Params::from_pairs(vec![("A".into(), "1".into()), ("A".into(), "2".into())])
            .unwrap_err();
        assert_eq!(e, ParamError::Repeated { name: "A".into() });
        assert!(
            Params::from_pairs(vec![("A".into(), "1".into()), ("A".into(), "1".into())]).is_ok()
        );
    }

    #[test]
    fn the_pairs_stay_as_sent_and_the_first_conflict_in_wire_order_is_named() {
        let sent: Vec<(String, String)> = [
            ("B", "1"),
            ("A", "1"),
            ("B", "1"),
            ("C", "x"),
            ("A", "2"),
            ("C", "y"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let (p, repeated) = Params::build(sent.clone());
        // A's second value (position 4) conflicts before C's (position 5).
        assert_eq!(repeated, Some(ParamError::Repeated { name: "A".into() }));
        assert_eq!(p.pairs(), &sent[..]);
        // The first value sent wins a lookup.
        assert_eq!(
            (p.get("A"), p.get("B"), p.get("C"), p.get("D")),
            (Some("1"), Some("1"), Some("x"), None)
        );
        assert_eq!(
            p.entries().map(|(k, _)| k).collect::<Vec<_>>(),
            ["A", "B", "C"]
        );
    }

    #[test]
    fn list_indexes_start_at_one_and_respect_the_maximum() {
        let x = p(&[
            ("Permissions.2.IpProtocol", "tcp"),
            ("Permissions.10.IpProtocol", "tcp"),
            ("PermissionsX", "y"),
        ]);
        assert_eq!(x.indexes("Permissions", 100).unwrap(), vec![2, 10]);
        assert!(matches!(
            p(&[("Permissions.0.IpProtocol", "tcp")]).indexes("Permissions", 100),
            Err(ParamError::BadIndex { .. })
        ));
        assert!(matches!(
            p(&[("Permissions.a.IpProtocol", "tcp")]).indexes("Permissions", 100),
            Err(ParamError::BadIndex { .. })
        ));
        assert!(matches!(
            p(&[("Permissions.+1.IpProtocol", "tcp")]).indexes("Permissions", 100),
            Err(ParamError::BadIndex { .. })
        ));
        assert_eq!(
            p(&[("SecurityGroupRuleId.101", "sgr-a")]).indexes("SecurityGroupRuleId", 100),
            Err(ParamError::TooMany {
                name: "SecurityGroupRuleId".into(),
                max: 100
            })
        );
        let ids = p(&[
            ("SecurityGroupRuleId.2", "b"),
            ("SecurityGroupRuleId.1", "a"),
        ]);
        assert_eq!(
            ids.scalar_list("SecurityGroupRuleId", 100).unwrap(),
            vec!["a", "b"]
        );
    }

    #[test]
    fn booleans_accept_python_and_node_spellings() {
        let x = p(&[("A", "True"), ("B", "false"), ("C", "yes")]);
        assert_eq!(x.bool("A"), Ok(Some(true)));
        assert_eq!(x.bool("B"), Ok(Some(false)));
        assert!(x.bool("C").is_err());
        assert_eq!(x.bool("D"), Ok(None));
    }

    #[test]
    fn fingerprint_ignores_order_and_skipped_keys() {
        let a = p(&[("A", "1"), ("B", "2"), ("Timestamp", "t1")]);
        let b = p(&[("B", "2"), ("A", "1"), ("Timestamp", "t2")]);
        assert_eq!(a.fingerprint(&["Timestamp"]), b.fingerprint(&["Timestamp"]));
        assert_ne!(a.fingerprint(&[]), b.fingerprint(&[]));
    }
}
