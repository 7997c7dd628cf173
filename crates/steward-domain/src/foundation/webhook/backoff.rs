//! When a failed delivery is tried again: exponential backoff from 30 seconds, doubling, at
//! most 6 hours apart, for 12 attempts in all (about 20 hours), then the delivery has failed.
//! No random jitter: deliveries of one event fan out over subscriptions anyway, and a fixed
//! schedule keeps tests and the delivery log predictable.

/// Attempts per delivery before it is given up (it can still be redelivered by hand).
pub const MAX_ATTEMPTS: u32 = 12;
pub const BASE_SECONDS: i64 = 30;
pub const CAP_SECONDS: i64 = 6 * 3600;

/// The wait in microseconds after the `attempts`-th failed attempt (1-based), or None when
/// that was the last attempt.
pub fn retry_delay(attempts: u32) -> Option<i64> {
    if attempts == 0 || attempts >= MAX_ATTEMPTS {
        return None;
    }
    let doubled = BASE_SECONDS.saturating_mul(1i64 << (attempts - 1).min(40));
    Some(doubled.min(CAP_SECONDS) * 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_schedule_starts_at_thirty_seconds_and_doubles() {
        assert_eq!(retry_delay(1), Some(30_000_000));
        assert_eq!(retry_delay(2), Some(60_000_000));
        assert_eq!(retry_delay(3), Some(120_000_000));
        assert_eq!(retry_delay(MAX_ATTEMPTS), None);
        assert_eq!(retry_delay(0), None);
    }

    proptest! {
        #[test]
        fn delays_never_shrink_and_stay_within_the_cap(n in 1u32..MAX_ATTEMPTS - 1) {
            let a = retry_delay(n).unwrap();
            let b = retry_delay(n + 1).unwrap();
            prop_assert!(a <= b);
            prop_assert!(b <= CAP_SECONDS * 1_000_000);
            prop_assert!(a >= BASE_SECONDS * 1_000_000);
        }

        #[test]
        fn nothing_after_the_last_attempt(n in MAX_ATTEMPTS..u32::MAX) {
            prop_assert_eq!(retry_delay(n), None);
        }
    }
}
