//! Sealing secrets that Steward must read back (the IMAP and SMTP passwords it logs in with):
//! AES-256-GCM under a key kept outside the database, so a copy of the database alone does
//! not give the passwords away. This module only encrypts and decrypts; where the key comes
//! from is the binary's business (a file beside the database, or STEWARD_SECRET_KEY).
//!
//! A sealed value is `v1:<key id>:<nonce><ciphertext and tag>` (hex). The key id is a short
//! hash of the key, so a value sealed on a node with another key is told apart from a
//! damaged one. The purpose (`mailbox.imap_password`, …) is authenticated with the value, so
//! a sealed password cannot be moved into another column and read from there.
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use sha2::{Digest, Sha256};
use std::sync::Arc;

const VERSION: &str = "v1";
pub const KEY_BYTES: usize = 32;

/// The key that seals and opens secrets. Its bytes are never printed.
#[derive(Clone)]
pub struct SecretKey(Arc<[u8; KEY_BYTES]>);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey({})", self.id())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("this node has no secret key (secret.key beside the database, or STEWARD_SECRET_KEY)")]
    NoKey,
    #[error(
        "it was encrypted under secret key {sealed_with}, but this node's key is {ours}: give \
         every node the same key (STEWARD_SECRET_KEY), or enter the password again"
    )]
    OtherKey { sealed_with: String, ours: String },
    #[error("it does not decrypt under this node's secret key {0} (damaged or altered)")]
    Damaged(String),
    #[error("it is not in the encrypted form Steward writes")]
    Unreadable,
    #[error("a secret key is 64 hexadecimal digits (32 bytes), e.g. from `openssl rand -hex 32`")]
    BadKey,
    #[error("no randomness: {0}")]
    Random(String),
}

impl SecretKey {
    /// A new random key.
    pub fn generate() -> Result<Self, SealError> {
        let mut bytes = [0u8; KEY_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| SealError::Random(e.to_string()))?;
        Ok(Self(Arc::new(bytes)))
    }

    /// A key written as 64 hex digits (surrounding white space ignored).
    pub fn from_hex(text: &str) -> Result<Self, SealError> {
        let bytes = hex::decode(text.trim()).map_err(|_| SealError::BadKey)?;
        let bytes: [u8; KEY_BYTES] = bytes.try_into().map_err(|_| SealError::BadKey)?;
        Ok(Self(Arc::new(bytes)))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(*self.0)
    }

    /// Names the key without revealing it: 8 hex digits of a hash of it.
    pub fn id(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"steward secret key id\0");
        h.update(*self.0);
        hex::encode(&h.finalize()[..4])
    }

    fn aead(&self) -> LessSafeKey {
        // A 32-byte key always fits AES-256.
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &self.0[..]).expect("a 256-bit key"))
    }
}

/// Encrypts `plain` for `purpose` under `key`.
pub fn seal(key: Option<&SecretKey>, purpose: &str, plain: &str) -> Result<String, SealError> {
    let key = key.ok_or(SealError::NoKey)?;
    // A random 96-bit nonce per value: few values are ever sealed under one key, far below
    // where random nonces could collide.
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|e| SealError::Random(e.to_string()))?;
    let mut data = plain.as_bytes().to_vec();
    key.aead()
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(purpose.as_bytes()),
            &mut data,
        )
        .map_err(|_| SealError::Damaged(key.id()))?;
    Ok(format!(
        "{VERSION}:{}:{}{}",
        key.id(),
        hex::encode(nonce),
        hex::encode(data)
    ))
}

/// Decrypts what [`seal`] made for the same `purpose`.
pub fn open(key: Option<&SecretKey>, purpose: &str, sealed: &str) -> Result<String, SealError> {
    let mut parts = sealed.splitn(3, ':');
    let (Some(VERSION), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(SealError::Unreadable);
    };
    let key = key.ok_or(SealError::NoKey)?;
    if key_id != key.id() {
        return Err(SealError::OtherKey {
            sealed_with: key_id.to_owned(),
            ours: key.id(),
        });
    }
    let bytes = hex::decode(body).map_err(|_| SealError::Unreadable)?;
    if bytes.len() < NONCE_LEN + AES_256_GCM.tag_len() {
        return Err(SealError::Unreadable);
    }
    let (nonce, data) = bytes.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Unreadable)?;
    let mut data = data.to_vec();
    let plain = key
        .aead()
        .open_in_place(nonce, Aad::from(purpose.as_bytes()), &mut data)
        .map_err(|_| SealError::Damaged(key.id()))?;
    String::from_utf8(plain.to_vec()).map_err(|_| SealError::Unreadable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_purpose() {
        let key = SecretKey::generate().unwrap();
        let sealed = seal(Some(&key), "mailbox.imap_password", "s3cret").unwrap();
        assert!(!sealed.contains("s3cret"));
        assert!(sealed.starts_with(&format!("v1:{}:", key.id())));
        assert_eq!(
            open(Some(&key), "mailbox.imap_password", &sealed).unwrap(),
            "s3cret"
        );
        // Each sealing has its own nonce.
        assert_ne!(
            seal(Some(&key), "mailbox.imap_password", "s3cret").unwrap(),
            sealed
        );
        assert_eq!(
            open(Some(&key), "smtp.password", &sealed),
            Err(SealError::Damaged(key.id()))
        );
        let other = SecretKey::generate().unwrap();
        assert!(matches!(
            open(Some(&other), "mailbox.imap_password", &sealed),
            Err(SealError::OtherKey { .. })
        ));
        assert_eq!(
            open(None, "mailbox.imap_password", &sealed),
            Err(SealError::NoKey)
        );
        assert_eq!(seal(None, "x", "y"), Err(SealError::NoKey));
        let mut altered = sealed.clone();
        let last = altered.pop().unwrap();
        altered.push(if last == '0' { '1' } else { '0' });
        assert_eq!(
            open(Some(&key), "mailbox.imap_password", &altered),
            Err(SealError::Damaged(key.id()))
        );
        assert_eq!(
            open(Some(&key), "mailbox.imap_password", "s3cret"),
            Err(SealError::Unreadable)
        );
    }

    #[test]
    fn keys_are_64_hex_digits_and_never_printed() {
        let key = SecretKey::generate().unwrap();
        let again = SecretKey::from_hex(&format!(" {}\n", key.to_hex())).unwrap();
        assert_eq!(again.id(), key.id());
        assert!(!format!("{key:?}").contains(&key.to_hex()));
        assert_eq!(SecretKey::from_hex("abcd").unwrap_err(), SealError::BadKey);
        assert_eq!(
            SecretKey::from_hex(&"zz".repeat(32)).unwrap_err(),
            SealError::BadKey
        );
    }
}
