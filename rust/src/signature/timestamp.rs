//! `X-HubSpot-Request-Timestamp`: parsing and the freshness window.
//!
//! HubSpot sends the timestamp in milliseconds since the Unix epoch. Its docs ask receivers to reject
//! requests older than 5 minutes. This module also rejects timestamps more than the same window
//! ahead of `now_ms`: otherwise a request that carries a timestamp far ahead would stay valid, and
//! replayable, until that timestamp is itself older than the window.

use super::error::VerifyError;

/// Parses the header value as a non-negative integer of milliseconds.
///
/// Only ASCII digits are accepted: no sign, no spaces, no decimal point, no `_`. Leading zeros are
/// allowed because the signed message contains the header verbatim anyway. Values above `i64::MAX`
/// are rejected as malformed, since no real clock reaches them.
pub fn parse_timestamp(value: &str) -> Result<i64, VerifyError> {
    let malformed = || VerifyError::MalformedTimestamp {
        value: value.to_owned(),
    };

    if value.is_empty() || !value.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(malformed());
    }

    let mut timestamp: i64 = 0;
    for digit in value.bytes().map(|byte| i64::from(byte - b'0')) {
        timestamp = timestamp
            .checked_mul(10)
            .and_then(|shifted| shifted.checked_add(digit))
            .ok_or_else(malformed)?;
    }
    Ok(timestamp)
}

/// Checks that `timestamp` lies within `max_age_ms` of `now_ms` in either direction.
///
/// A difference of exactly `max_age_ms` is accepted.
pub fn check_window(timestamp: i64, now_ms: i64, max_age_ms: i64) -> Result<(), VerifyError> {
    let age_ms = i128::from(now_ms) - i128::from(timestamp);

    if age_ms > i128::from(max_age_ms) {
        return Err(VerifyError::TimestampTooOld {
            timestamp,
            age_ms,
            max_age_ms,
        });
    }
    if -age_ms > i128::from(max_age_ms) {
        return Err(VerifyError::TimestampInFuture {
            timestamp,
            ahead_ms: -age_ms,
            max_age_ms,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW_MS: i64 = 1_700_000_000_000;
    const MAX_AGE_MS: i64 = 300_000;

    #[test]
    fn parses_digits() {
        assert_eq!(parse_timestamp("1700000000000"), Ok(1_700_000_000_000));
        assert_eq!(parse_timestamp("0"), Ok(0));
        assert_eq!(parse_timestamp("007"), Ok(7));
        assert_eq!(parse_timestamp(&i64::MAX.to_string()), Ok(i64::MAX));
    }

    #[test]
    fn rejects_malformed_values() {
        let too_large = "9223372036854775808".to_owned();
        let forty_digits = "1".repeat(40);
        for value in [
            "",
            "abc",
            "1.0",
            "-5",
            "+5",
            " 1",
            "1 ",
            "1_000",
            "١٢",
            &too_large,
            &forty_digits,
        ] {
            assert_eq!(
                parse_timestamp(value),
                Err(VerifyError::MalformedTimestamp {
                    value: value.to_owned()
                }),
                "value {value:?}"
            );
        }
    }

    #[test]
    fn accepts_exactly_at_the_limit() {
        assert_eq!(
            check_window(NOW_MS - MAX_AGE_MS, NOW_MS, MAX_AGE_MS),
            Ok(())
        );
        assert_eq!(
            check_window(NOW_MS + MAX_AGE_MS, NOW_MS, MAX_AGE_MS),
            Ok(())
        );
        assert_eq!(check_window(NOW_MS, NOW_MS, 0), Ok(()));
    }

    #[test]
    fn rejects_one_ms_too_old() {
        let timestamp = NOW_MS - MAX_AGE_MS - 1;
        assert_eq!(
            check_window(timestamp, NOW_MS, MAX_AGE_MS),
            Err(VerifyError::TimestampTooOld {
                timestamp,
                age_ms: 300_001,
                max_age_ms: MAX_AGE_MS
            })
        );
    }

    #[test]
    fn rejects_one_ms_too_far_ahead() {
        let timestamp = NOW_MS + MAX_AGE_MS + 1;
        assert_eq!(
            check_window(timestamp, NOW_MS, MAX_AGE_MS),
            Err(VerifyError::TimestampInFuture {
                timestamp,
                ahead_ms: 300_001,
                max_age_ms: MAX_AGE_MS
            })
        );
    }

    #[test]
    fn handles_extreme_clocks() {
        assert!(check_window(i64::MAX, i64::MIN, MAX_AGE_MS).is_err());
        assert!(check_window(0, i64::MAX, i64::MAX).is_ok());
    }
}
