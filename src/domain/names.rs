//! Validation of group names, descriptions and tags (CreateSecurityGroup, ModifySecurityGroupAttribute
//! request tables in docs/reference/ecs.md §1.1, §2.1).

use super::error::{Attr, DomainError};
#[cfg(test)]
use super::input::Input;
use super::input::TagInput;
use super::values::Problem;

/// Whether `c` may be part of a stored text (a description, a tag): any character an XML 1.0 document
/// can carry (its `Char` production) — not the control characters but tab, newline and carriage
/// return, not U+FFFE or U+FFFF. Answers are also XML (`Format=XML`), and escaping cannot help these:
/// a parser refuses them either way, so such input is refused as malformed.
pub fn is_text_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn is_text(s: &str) -> bool {
    s.chars().all(is_text_char)
}

fn starts_with_http(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://")
}

/// 2–128 characters, starting with a letter (Unicode letters, so Chinese too), not `http(s)://`,
/// then letters, digits, `:` `_` `-` and — where the product allows it — `.`.
pub fn check_group_name(name: &str, field: &str, allow_dot: bool) -> Result<(), DomainError> {
    let n = name.chars().count();
    let first_ok = name.chars().next().is_some_and(char::is_alphabetic);
    let rest_ok = name.chars().all(|c| {
        c.is_alphanumeric() || c == ':' || c == '_' || c == '-' || (allow_dot && c == '.')
    });
    if (2..=128).contains(&n) && first_ok && rest_ok && !starts_with_http(name) {
        Ok(())
    } else {
        Err(DomainError::invalid(
            Attr::GroupName,
            field,
            Problem::Malformed,
        ))
    }
}

/// 2–256 characters, not starting with `http(s)://`; ENS also wants a letter first (docs/reference/ens.md §2.1).
pub fn check_group_description(
    desc: &str,
    field: &str,
    letter_first: bool,
) -> Result<(), DomainError> {
    let n = desc.chars().count();
    let first_ok = !letter_first || desc.chars().next().is_some_and(char::is_alphabetic);
    if (2..=256).contains(&n) && first_ok && !starts_with_http(desc) && is_text(desc) {
        Ok(())
    } else {
        Err(DomainError::invalid(
            Attr::GroupDescription,
            field,
            Problem::Malformed,
        ))
    }
}

/// A prefix or port range list's name: as a group's (with `.`), and not starting with `com.aliyun`
/// or `com.alibabacloud` (docs/reference/lists.md §1).
pub fn check_list_name(name: &str, field: &str) -> Result<(), DomainError> {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("com.aliyun") || lower.starts_with("com.alibabacloud") {
        return Err(DomainError::invalid(
            Attr::ListName,
            field,
            Problem::Malformed,
        ));
    }
    check_group_name(name, field, true)
        .map_err(|_| DomainError::invalid(Attr::ListName, field, Problem::Malformed))
}

/// A list's description (2–256 characters) or an entry's (2–32), not starting with `http(s)://`.
pub fn check_list_text(text: &str, field: &str, attr: Attr, max: usize) -> Result<(), DomainError> {
    let n = text.chars().count();
    if (2..=max).contains(&n) && !starts_with_http(text) && is_text(text) {
        Ok(())
    } else {
        Err(DomainError::invalid(attr, field, Problem::Malformed))
    }
}

/// Tag key: not empty, at most 128 characters, not starting with `aliyun` or `acs:`, no `http(s)://`.
/// Tag value: may be empty, at most 128 characters, no `http(s)://`. Keys must be unique.
pub fn check_tags(tags: &[TagInput]) -> Result<(), DomainError> {
    let mut seen = std::collections::HashSet::new();
    for tag in tags {
        let key = tag.key.value.as_deref().unwrap_or_default();
        let value = tag.value.value.as_deref().unwrap_or_default();
        let lk = key.to_ascii_lowercase();
        if key.is_empty()
            || key.chars().count() > 128
            || lk.starts_with("aliyun")
            || lk.starts_with("acs:")
            || lk.contains("http://")
            || lk.contains("https://")
            || !is_text(key)
        {
            return Err(DomainError::invalid(
                Attr::TagKey,
                tag.key.name.clone(),
                Problem::Malformed,
            ));
        }
        let lv = value.to_ascii_lowercase();
        if value.chars().count() > 128
            || lv.contains("http://")
            || lv.contains("https://")
            || !is_text(value)
        {
            return Err(DomainError::invalid(
                Attr::TagValue,
                tag.value.name.clone(),
                Problem::Malformed,
            ));
        }
        if !seen.insert(key) {
            return Err(DomainError::DuplicateTagKey);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names() {
        for ok in ["tf-sg-a", "ab", "中文组", "a:b_c-d.e"] {
            assert!(
                check_group_name(ok, "SecurityGroupName", true).is_ok(),
                "{ok}"
            );
        }
        for bad in [
            "a",
            "1abc",
            "-ab",
            "http://x",
            "has space",
            &"a".repeat(129),
        ] {
            assert!(
                check_group_name(bad, "SecurityGroupName", true).is_err(),
                "{bad}"
            );
        }
        assert!(check_group_name("a.b", "SecurityGroupName", false).is_err());
    }

    #[test]
    fn descriptions_and_tags() {
        assert!(check_group_description("d1", "Description", false).is_ok());
        assert!(check_group_description("d", "Description", false).is_err());
        assert!(check_group_description("https://x", "Description", false).is_err());
        assert!(check_group_description("1abc", "Description", false).is_ok());
        assert!(check_group_description("1abc", "Description", true).is_err());
        let t = |k: &str, v: &str| TagInput {
            key: Input {
                name: "Tag.1.Key".into(),
                value: Some(k.into()),
            },
            value: Input {
                name: "Tag.1.Value".into(),
                value: Some(v.into()),
            },
        };
        assert!(check_tags(&[t("Created", "TF"), t("env", "")]).is_ok());
        assert!(check_tags(&[t("", "x")]).is_err());
        assert!(check_tags(&[t("aliyun-x", "x")]).is_err());
        assert!(check_tags(&[t("acs:x", "x")]).is_err());
        // Characters no XML answer could carry.
        assert!(check_group_description("ab\u{1}", "Description", false).is_err());
        assert!(check_group_description("ab\u{FFFF}", "Description", false).is_err());
        assert!(check_group_description("a\tb\nc", "Description", false).is_ok());
        assert!(check_tags(&[t("k\u{0}", "x")]).is_err());
        assert!(check_tags(&[t("k", "\u{FFFE}")]).is_err());
        assert_eq!(
            check_tags(&[t("a", "1"), t("a", "2")]),
            Err(DomainError::DuplicateTagKey)
        );
    }
}
