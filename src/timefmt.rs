//! Alibaba's timestamp text, `yyyy-MM-ddTHH:mm:ssZ` (UTC, whole seconds; semantics.md §5 #15),
//! both ways.

const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// Unix seconds as `yyyy-MM-ddTHH:mm:ssZ`.
pub fn format(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&FORMAT).ok())
        .unwrap_or_default()
}

/// `yyyy-MM-ddTHH:mm:ssZ` as Unix seconds; `None` for anything else (fractional seconds included).
pub fn parse(s: &str) -> Option<i64> {
    time::PrimitiveDateTime::parse(s, &FORMAT)
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_strictness() {
        assert_eq!(format(0), "1970-01-01T00:00:00Z");
        assert_eq!(format(1_795_458_332), "2026-11-23T18:25:32Z");
        assert_eq!(parse("2026-11-23T18:25:32Z"), Some(1_795_458_332));
        for bad in [
            "2026-11-23T18:25:32.5Z",
            "2026-11-23 18:25:32",
            "2026-11-23T18:25Z",
            "",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
