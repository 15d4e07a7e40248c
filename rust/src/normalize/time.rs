//! Conversion of HubSpot `occurredAt` values (Unix epoch milliseconds) to OCEL timestamps.

/// Largest accepted `occurredAt`: 9999-12-31T23:59:59.999Z in epoch milliseconds.
pub const MAX_EPOCH_MS: u64 = 253_402_300_799_999;

const MS_PER_DAY: u64 = 86_400_000;

/// Number of leap years in the proleptic Gregorian years 1 to `year - 1`.
fn leap_years_before(year: u64) -> u64 {
    let previous = year - 1;
    previous / 4 - previous / 100 + previous / 400
}

fn is_leap_year(year: u64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days from 1970-01-01 to January 1 of `year` (`year` >= 1970).
fn days_before_year(year: u64) -> u64 {
    365 * (year - 1970) + leap_years_before(year) - leap_years_before(1970)
}

/// Appends the last `width` decimal digits of `value` to `out`, zero-padded.
fn push_digits(out: &mut String, value: u64, width: u32) {
    for place in (0..width).rev() {
        let digit = value / 10u64.pow(place) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
}

/// Appends epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC) to `out`, or returns `false` and
/// appends nothing beyond [`MAX_EPOCH_MS`].
pub fn write_epoch_ms(out: &mut String, epoch_ms: u64) -> bool {
    if epoch_ms > MAX_EPOCH_MS {
        return false;
    }
    let days = epoch_ms / MS_PER_DAY;
    let ms_of_day = epoch_ms % MS_PER_DAY;

    // 366 days per year underestimates the year; the loop then steps forward at most a few dozen
    // times over the whole range.
    let mut year = 1970 + days / 366;
    while days_before_year(year + 1) <= days {
        year += 1;
    }
    let mut day_of_year = days - days_before_year(year);

    let february = if is_leap_year(year) { 29 } else { 28 };
    let month_lengths = [31, february, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut month = 1;
    for length in month_lengths {
        if day_of_year < length {
            break;
        }
        day_of_year -= length;
        month += 1;
    }

    push_digits(out, year, 4);
    out.push('-');
    push_digits(out, month, 2);
    out.push('-');
    push_digits(out, day_of_year + 1, 2);
    out.push('T');
    push_digits(out, ms_of_day / 3_600_000, 2);
    out.push(':');
    push_digits(out, ms_of_day / 60_000 % 60, 2);
    out.push(':');
    push_digits(out, ms_of_day / 1000 % 60, 2);
    out.push('.');
    push_digits(out, ms_of_day % 1000, 3);
    out.push('Z');
    true
}

/// Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC), or returns `None` beyond
/// [`MAX_EPOCH_MS`].
pub fn format_epoch_ms(epoch_ms: u64) -> Option<String> {
    let mut text = String::with_capacity(24);
    write_epoch_ms(&mut text, epoch_ms).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_epoch_ms(0).unwrap(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_epoch_ms(1_764_820_247_826).unwrap(),
            "2025-12-04T03:50:47.826Z"
        );
        assert_eq!(
            format_epoch_ms(951_782_400_000).unwrap(),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            format_epoch_ms(4_107_542_399_999).unwrap(),
            "2100-02-28T23:59:59.999Z"
        );
        assert_eq!(
            format_epoch_ms(4_107_542_400_000).unwrap(),
            "2100-03-01T00:00:00.000Z"
        );
        assert_eq!(
            format_epoch_ms(MAX_EPOCH_MS).unwrap(),
            "9999-12-31T23:59:59.999Z"
        );
    }

    #[test]
    fn matches_format_on_many_instants() {
        // Steps of a prime number of milliseconds cover many years, days and times of day.
        let step = 9_999_991_337;
        for epoch_ms in (0..=MAX_EPOCH_MS).step_by(step) {
            let text = format_epoch_ms(epoch_ms).unwrap();
            let days = epoch_ms / MS_PER_DAY;
            let ms_of_day = epoch_ms % MS_PER_DAY;
            let time_of_day = format!(
                "T{:02}:{:02}:{:02}.{:03}Z",
                ms_of_day / 3_600_000,
                ms_of_day / 60_000 % 60,
                ms_of_day / 1000 % 60,
                ms_of_day % 1000
            );
            assert!(text.ends_with(&time_of_day), "{epoch_ms}: {text}");
            let year: u64 = text[..4].parse().unwrap();
            assert!(days_before_year(year) <= days, "{epoch_ms}: {text}");
            assert!(days < days_before_year(year + 1), "{epoch_ms}: {text}");
        }
    }

    #[test]
    fn rejects_years_after_9999() {
        assert_eq!(format_epoch_ms(MAX_EPOCH_MS + 1), None);
    }
}
