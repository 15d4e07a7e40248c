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

/// Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC), or returns `None` beyond
/// [`MAX_EPOCH_MS`].
pub fn format_epoch_ms(epoch_ms: u64) -> Option<String> {
    if epoch_ms > MAX_EPOCH_MS {
        return None;
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

    Some(format!(
        "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{milli:03}Z",
        day = day_of_year + 1,
        hour = ms_of_day / 3_600_000,
        minute = ms_of_day / 60_000 % 60,
        second = ms_of_day / 1000 % 60,
        milli = ms_of_day % 1000,
    ))
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
    fn rejects_years_after_9999() {
        assert_eq!(format_epoch_ms(MAX_EPOCH_MS + 1), None);
    }
}
