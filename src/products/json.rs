//! Serialisation helpers shared by the renderers: values written through `Display` without an
//! intermediate `String`, and [`Obj`], which writes rule lists straight into bytes.
//!
//! Why a writer of our own for rules: a Describe of a 200-rule group spent ~6,000 instructions per
//! rule in serde_json's escaping loop and map serialisation (scripts/profile, issue 18); nearly
//! every value we write needs no escaping, which one scan tells, and our keys never do.

use std::fmt::Display;

use serde::Serializer;

use crate::domain::values::PortRange;
use crate::timefmt::Iso;

/// Serialise through `Display` (port ranges, numbers written as strings).
pub fn shown<T: Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// An optional port range, `""` when absent (how both products render an unset SourcePortRange).
pub fn shown_or_empty<S: Serializer>(v: &Option<PortRange>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(p) => s.collect_str(p),
        None => s.serialize_str(""),
    }
}

/// A JSON string as serde_json writes it: `"`, `\\` and control characters escaped, everything
/// else (non-ASCII included) as is. Text that needs no escaping — almost all of ours — is copied.
#[inline]
pub fn push_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        // Writing a str into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// A member's key as [`Obj`] takes it: `,"Key":`, built at compile time so that writing a key is
/// one copy (a Describe of 200 rules writes 5,200 of them).
macro_rules! key {
    ($k:literal) => {
        concat!(",\"", $k, "\":")
    };
}
pub(crate) use key;

/// A JSON object written member by member into `out`. Keys come from `key!` (our wire names,
/// which never need escaping); values go through [`push_str`] or are numbers.
pub struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    pub fn begin(out: &'a mut Vec<u8>) -> Obj<'a> {
        out.push(b'{');
        Obj { out, first: true }
    }

    /// `key` is `,"Key":` (`key!`); the first member drops the comma.
    // Inlined into each call, so a key literal's length is known and its copy needs no call.
    #[inline(always)]
    fn key(&mut self, key: &'static str) {
        let bytes = key.as_bytes();
        let bytes = if self.first {
            bytes.get(1..).unwrap_or(bytes)
        } else {
            bytes
        };
        self.first = false;
        self.out.extend_from_slice(bytes);
    }

    #[inline(always)]
    pub fn str(&mut self, key: &'static str, value: &str) -> &mut Self {
        self.key(key);
        if value.is_empty() {
            // Most fields of a rule are empty: one copy.
            self.out.extend_from_slice(b"\"\"");
        } else {
            push_str(self.out, value);
        }
        self
    }

    /// A number written as a JSON number.
    #[inline(always)]
    pub fn num(&mut self, key: &'static str, value: i64) -> &mut Self {
        self.key(key);
        self.out
            .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
        self
    }

    /// A number written as a string (`"1"`).
    #[inline(always)]
    pub fn num_str(&mut self, key: &'static str, value: i64) -> &mut Self {
        self.key(key);
        self.out.push(b'"');
        self.out
            .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
        self.out.push(b'"');
        self
    }

    /// `"from/to"`, or `""` when absent.
    #[inline(always)]
    pub fn ports(&mut self, key: &'static str, value: Option<PortRange>) -> &mut Self {
        self.key(key);
        self.out.push(b'"');
        if let Some(p) = value {
            let mut n = itoa::Buffer::new();
            self.out.extend_from_slice(n.format(p.from).as_bytes());
            self.out.push(b'/');
            self.out.extend_from_slice(n.format(p.to).as_bytes());
        }
        self.out.push(b'"');
        self
    }

    /// A time as `"yyyy-MM-ddTHH:mm:ssZ"`.
    #[inline(always)]
    pub fn time(&mut self, key: &'static str, value: Iso) -> &mut Self {
        self.key(key);
        self.out.push(b'"');
        value.push_to(self.out);
        self.out.push(b'"');
        self
    }

    pub fn end(self) {
        self.out.push(b'}');
    }
}

/// `{"Permission":[…]}`: each item written by `item` into the shared buffer.
pub fn permission_list<T>(
    items: impl Iterator<Item = T>,
    mut item: impl FnMut(&mut Vec<u8>, T),
) -> crate::rpc::envelope::RawJson {
    // An ECS rule is ~560 bytes: sized for the list up front, the buffer is never copied to grow.
    let mut out = Vec::with_capacity(32 + 640 * items.size_hint().0);
    out.extend_from_slice(b"{\"Permission\":[");
    for (i, x) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        item(&mut out, x);
    }
    out.extend_from_slice(b"]}");
    crate::rpc::envelope::RawJson::written(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_exactly_as_serde_json_escapes_them() {
        for s in [
            "",
            "plain text",
            "quote \" and backslash \\",
            "tab\tnewline\ncr\r",
            "\u{0}\u{1}\u{1f}\u{7f}",
            "中文 – émoji 🎉",
            "</script>&'",
        ] {
            let mut out = Vec::new();
            push_str(&mut out, s);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(s).unwrap(),
                "{s:?}"
            );
        }
    }

    #[test]
    fn an_object_reads_back_as_the_values_written() {
        let mut out = Vec::new();
        let mut o = Obj::begin(&mut out);
        o.str(key!("A"), "x\"y")
            .num(key!("B"), -7)
            .num_str(key!("C"), 100)
            .ports(key!("D"), Some(PortRange { from: -1, to: -1 }))
            .ports(key!("E"), None)
            .time(key!("F"), Iso(0))
            .str(key!("G"), "");
        o.end();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"A": "x\"y", "B": -7, "C": "100", "D": "-1/-1", "E": "", "F": "1970-01-01T00:00:00Z", "G": ""})
        );
    }
}
