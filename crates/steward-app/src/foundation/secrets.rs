//! Random secrets and their stored hashes (password hashing: `password_hashing`).
use crate::{AppError, Result};
use sha2::{Digest, Sha256};

/// Prefix of API tokens, so that leaked ones are easy to recognise and scan for.
pub const TOKEN_PREFIX: &str = "stw_";

pub fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    Ok(hex::encode(buf))
}

/// A new API token (shown once) — 256 random bits.
pub fn new_api_token() -> Result<String> {
    Ok(format!("{TOKEN_PREFIX}{}", random_hex(32)?))
}

/// A readable random password for a bootstrap or CLI-created account.
pub fn new_password() -> Result<String> {
    random_hex(12)
}

/// What is stored for a token or session secret: its SHA-256. The secrets carry 256 bits of
/// randomness, so a fast hash is enough (unlike passwords).
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}
