//! The login throttling rule: too many recent failures for one account or one address lock
//! further attempts until the window has passed.
use jiff::{SignedDuration, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginPolicy {
    pub max_failures_per_account: i64,
    pub max_failures_per_address: i64,
    pub window: SignedDuration,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        Self {
            max_failures_per_account: 5,
            max_failures_per_address: 20,
            window: SignedDuration::from_mins(15),
        }
    }
}

/// Recent failures, counted by the store since `LoginPolicy::window_start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecentFailures {
    pub account: i64,
    pub address: i64,
    /// The oldest failure still inside the window; the lock lifts when it leaves.
    pub oldest_micros: Option<i64>,
}

impl LoginPolicy {
    pub fn window_start(&self, now: Timestamp) -> Timestamp {
        now.checked_sub(self.window).unwrap_or(Timestamp::MIN)
    }

    /// `Some(seconds to wait)` when the attempt must be refused without checking the password.
    pub fn lockout(&self, failures: RecentFailures, now: Timestamp) -> Option<i64> {
        let locked = failures.account >= self.max_failures_per_account
            || failures.address >= self.max_failures_per_address;
        if !locked {
            return None;
        }
        let now_micros = now.as_microsecond();
        let oldest = failures.oldest_micros.unwrap_or(now_micros);
        let lifts_at = oldest + self.window.as_micros() as i64;
        Some(((lifts_at - now_micros) / 1_000_000).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_the_limit_and_says_how_long() {
        let p = LoginPolicy::default();
        let now = Timestamp::from_second(10_000).unwrap();
        let f = |account, address| RecentFailures {
            account,
            address,
            oldest_micros: Some(now.as_microsecond() - 60_000_000),
        };
        assert_eq!(p.lockout(f(4, 4), now), None);
        assert_eq!(p.lockout(f(5, 5), now), Some(14 * 60));
        assert_eq!(p.lockout(f(0, 20), now), Some(14 * 60));
    }
}
