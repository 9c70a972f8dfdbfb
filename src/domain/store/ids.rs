//! Resource ids: a keyed bijection of a journaled counter, so ids never repeat (also across seeds),
//! and the syntax of a rule id.

/// Resource ids: `prefix` + 20 lower-case letters and digits, like `sg-bp67acfmxazb4p…` in the docs.
/// The first 13 characters are a keyed bijection of a counter, so ids never repeat while the counter
/// only grows (it is journaled); the same seed gives the same ids.
#[derive(Debug, Clone)]
pub(super) struct IdGen {
    pub(super) seed: u64,
    pub(super) issued: u64,
}

/// splitmix64's finaliser: a bijection on u64.
pub(super) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `n` in lower-case base 36, left-padded with `0` to `width` digits (the low `width` digits if longer).
pub(super) fn base36(mut n: u64, width: usize, out: &mut String) {
    let mut digits = vec!['0'; width];
    for d in digits.iter_mut().rev() {
        // `n % 36` is always a base-36 digit, so `from_digit` never answers `None`.
        *d = char::from_digit((n % 36) as u32, 36).unwrap_or('0');
        n /= 36;
    }
    out.extend(digits);
}

impl IdGen {
    pub(super) fn next(&mut self, prefix: &str) -> String {
        self.issued += 1;
        // Both the counter and the seed are mixed before they meet: with `counter ^ seed`, seeds 1 and
        // 2 gave the same ids in another order, so a restart with another `--seed` repeated ids.
        let unique = mix(mix(self.issued) ^ mix(self.seed ^ 0x5851_f42d_4c95_7f2d));
        let mut s = String::with_capacity(prefix.len() + 20);
        s.push_str(prefix);
        // 36^13 > 2^64: the first 13 characters hold `unique` whole.
        base36(unique, 13, &mut s);
        base36(
            mix(unique ^ 0x9e37_79b9_7f4a_7c15) % 78_364_164_096,
            7,
            &mut s,
        );
        s
    }
}

/// `sgr-` followed by lower-case letters and digits.
pub fn is_rule_id(s: &str) -> bool {
    s.strip_prefix("sgr-").is_some_and(|rest| {
        !rest.is_empty() && rest.len() <= 64 && rest.bytes().all(|c| c.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_never_repeat_and_the_same_seed_gives_the_same_ids() {
        let mut a = IdGen { seed: 7, issued: 0 };
        let mut b = IdGen { seed: 7, issued: 0 };
        let mut seen = HashSet::new();
        for _ in 0..10_000 {
            let id = a.next("sg-");
            assert_eq!(id, b.next("sg-"));
            assert_eq!(id.len(), 23);
            assert!(
                id[3..]
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
                "{id}"
            );
            assert!(seen.insert(id));
        }
        // Continuing a counter continues the sequence.
        let mut c = IdGen {
            seed: 7,
            issued: 10_000,
        };
        assert!(!seen.contains(&c.next("sg-")));
        assert_ne!(
            IdGen { seed: 8, issued: 0 }.next("sg-"),
            IdGen { seed: 7, issued: 0 }.next("sg-")
        );
    }
}
