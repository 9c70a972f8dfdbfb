//! Serialisation helpers shared by the renderers: values written through `Display` without an
//! intermediate `String`.

use std::fmt::Display;

use serde::Serializer;

use crate::domain::values::PortRange;

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
