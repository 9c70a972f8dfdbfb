//! Alibaba's timestamp text, `yyyy-MM-ddTHH:mm:ssZ` (UTC, whole seconds; docs/reference/conflicts.md #15),
//! both ways.

const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// Unix seconds as `yyyy-MM-ddTHH:mm:ssZ`.
pub fn format(unix: i64) -> String {
    let mut out = Vec::with_capacity(20);
    Iso(unix).push_to(&mut out);
    // push_to writes ASCII digits and separators only.
    String::from_utf8(out).unwrap_or_default()
}

/// Unix seconds that display as `yyyy-MM-ddTHH:mm:ssZ` (serialisable without an allocation).
#[derive(Debug, Clone, Copy)]
pub struct Iso(pub i64);

impl std::fmt::Display for Iso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match time::OffsetDateTime::from_unix_timestamp(self.0) {
            Ok(t) => write!(
                f,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            ),
            Err(_) => Ok(()),
        }
    }
}

impl Iso {
    /// Append the text to `out` without the formatting machinery (Describe writes one per rule).
    pub fn push_to(self, out: &mut Vec<u8>) {
        let Ok(t) = time::OffsetDateTime::from_unix_timestamp(self.0) else {
            return;
        };
        let year = t.year();
        if !(0..=9999).contains(&year) {
            out.extend_from_slice(self.to_string().as_bytes());
            return;
        }
        let two = |out: &mut Vec<u8>, n: u8| out.extend_from_slice(&[b'0' + n / 10, b'0' + n % 10]);
        let y = year as u16;
        out.extend_from_slice(&[
            b'0' + (y / 1000) as u8,
            b'0' + (y / 100 % 10) as u8,
            b'0' + (y / 10 % 10) as u8,
            b'0' + (y % 10) as u8,
            b'-',
        ]);
        two(out, u8::from(t.month()));
        out.push(b'-');
        two(out, t.day());
        out.push(b'T');
        two(out, t.hour());
        out.push(b':');
        two(out, t.minute());
        out.push(b':');
        two(out, t.second());
        out.push(b'Z');
    }
}

impl serde::Serialize for Iso {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
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
    fn the_fast_writer_writes_what_display_writes() {
        // Seeded spread over years 0..=9999 and beyond (those fall back to Display).
        let mut rng = fastrand::Rng::with_seed(18);
        let mut cases = vec![
            0,
            -1,
            59,
            86_399,
            951_782_400,
            253_402_300_799,
            253_402_300_800,
        ];
        cases.extend((0..2000).map(|_| rng.i64(-70_000_000_000..300_000_000_000)));
        for t in cases {
            let mut out = Vec::new();
            Iso(t).push_to(&mut out);
            assert_eq!(String::from_utf8(out).unwrap(), Iso(t).to_string(), "{t}");
        }
    }

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
