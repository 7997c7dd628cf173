//! Password hashing under a bound. Each Argon2 computation needs about 19 MiB; unbounded,
//! a burst of unauthenticated logins could exhaust memory, and the allocator would keep what
//! the burst took. So at most `permits` computations run at once (the rest wait briefly, then
//! are refused as busy), and each runs in a memory area taken from a pool and given back
//! after, never freed: the process holds at most `permits` areas, whatever the load.
use crate::{AppError, Result};
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;
use tokio::sync::Semaphore;

/// How much password hashing may run at once, and how long a request waits for its turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingLimits {
    /// Computations at once; at least 1.
    pub permits: usize,
    /// How long a request waits for a free permit before it is refused (503, `Retry-After`).
    pub wait: Duration,
}

impl Default for HashingLimits {
    /// One computation per core: more would only queue for the CPU while holding memory.
    fn default() -> Self {
        Self {
            permits: std::thread::available_parallelism().map_or(2, |n| n.get()),
            wait: Duration::from_secs(2),
        }
    }
}

/// Seconds a refused request is told to wait before trying again.
const RETRY_AFTER_SECS: i64 = 1;

/// The bounded hasher: one per `App`, shared by its clones.
pub struct PasswordHashing {
    limits: HashingLimits,
    permits: Arc<Semaphore>,
    memory: Arc<MemoryPool>,
    running: Arc<Running>,
}

impl std::fmt::Debug for PasswordHashing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHashing")
            .field("limits", &self.limits)
            .field("peak", &self.peak())
            .finish_non_exhaustive()
    }
}

impl PasswordHashing {
    pub fn new(limits: HashingLimits) -> Self {
        let limits = HashingLimits {
            permits: limits.permits.max(1),
            ..limits
        };
        Self {
            limits,
            permits: Arc::new(Semaphore::new(limits.permits)),
            memory: Arc::new(MemoryPool::default()),
            running: Arc::new(Running::default()),
        }
    }

    /// The most computations that have run at the same moment so far.
    pub fn peak(&self) -> usize {
        self.running.peak.load(Ordering::SeqCst)
    }

    /// Argon2id with the crate's recommended parameters.
    pub async fn hash(&self, password: String) -> Result<String> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt)
            .map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
        self.run(move |memory| hash_with(memory, password.as_bytes(), &salt))
            .await?
            .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
    }

    /// Checks a password against a stored hash. With no hash, still spends the time of one
    /// check so that response times do not reveal which usernames exist.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool> {
        self.run(move |memory| match &hash {
            Some(stored) => verify_with(memory, password.as_bytes(), stored),
            None => {
                let dummy = DUMMY.get_or_init(|| {
                    hash_with(memory, b"no such user", b"steward-dummy-salt").unwrap_or_default()
                });
                verify_with(memory, password.as_bytes(), dummy);
                false
            }
        })
        .await
    }

    /// Runs `job` off the async threads once a permit is free, with pooled memory.
    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T> {
        let busy = || AppError::Busy {
            retry_after: RETRY_AFTER_SECS,
        };
        let permit = match self.permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) if self.limits.wait.is_zero() => return Err(busy()),
            Err(_) => tokio::time::timeout(self.limits.wait, self.permits.clone().acquire_owned())
                .await
                .map_err(|_| busy())?
                .map_err(|_| busy())?,
        };
        let memory = self.memory.clone();
        let running = self.running.clone();
        // The permit moves into the blocking task: if the client goes away, the computation
        // still finishes, and it still counts until then.
        tokio::task::spawn_blocking(move || {
            let counted = running.enter();
            let mut blocks = memory.take();
            let out = job(&mut blocks);
            memory.give(blocks);
            // No longer running before the next one may start.
            drop(counted);
            drop(permit);
            out
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))
    }
}

static DUMMY: OnceLock<String> = OnceLock::new();

/// Memory areas for Argon2, reused. Holds at most as many as ever ran at once.
#[derive(Default)]
struct MemoryPool {
    free: Mutex<Vec<Vec<Block>>>,
}

impl MemoryPool {
    fn take(&self) -> Vec<Block> {
        self.free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .unwrap_or_default()
    }

    fn give(&self, blocks: Vec<Block>) {
        // An area grown for an unusually costly stored hash is not kept.
        if blocks.len() <= Params::default().block_count() {
            self.free
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(blocks);
        }
    }
}

/// Counts computations in progress, and the most seen at once.
#[derive(Default)]
struct Running {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl Running {
    fn enter(&self) -> RunningGuard<'_> {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        RunningGuard(self)
    }
}

struct RunningGuard<'a>(&'a Running);

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The first `count` blocks of `memory`, grown if it is smaller.
fn area(memory: &mut Vec<Block>, count: usize) -> &mut [Block] {
    if memory.len() < count {
        memory.resize(count, Block::new());
    }
    &mut memory[..count]
}

/// What `Argon2::default().hash_password` produces, computed in `memory`.
fn hash_with(
    memory: &mut Vec<Block>,
    password: &[u8],
    salt: &[u8],
) -> argon2::password_hash::Result<String> {
    let params = Params::default();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let salt = SaltString::encode_b64(salt)?;
    let mut raw_salt = [0u8; 64];
    let raw_salt = salt.as_salt().decode_b64(&mut raw_salt)?;
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        Ok(argon2.hash_password_into_with_memory(
            password,
            raw_salt,
            out,
            area(memory, params.block_count()),
        )?)
    })?;
    Ok(PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    }
    .to_string())
}

/// Whether `password` matches the PHC string `stored`, using the parameters it names;
/// computed in `memory` and compared in constant time.
fn verify_with(memory: &mut Vec<Block>, password: &[u8], stored: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(hash.algorithm) else {
        return false;
    };
    let Ok(version) = hash
        .version
        .map_or(Ok(Version::default()), Version::try_from)
    else {
        return false;
    };
    let Ok(params) = Params::try_from(&hash) else {
        return false;
    };
    let mut raw_salt = [0u8; 64];
    let Ok(raw_salt) = salt.decode_b64(&mut raw_salt) else {
        return false;
    };
    let argon2 = Argon2::new(algorithm, version, params.clone());
    Output::init_with(expected.len(), |out| {
        Ok(argon2.hash_password_into_with_memory(
            password,
            raw_salt,
            out,
            area(memory, params.block_count()),
        )?)
    })
    .is_ok_and(|computed| computed == expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn pooled_hashes_match_the_crates_own() {
        let mut memory = Vec::new();
        let ours = hash_with(&mut memory, b"correct horse", b"0123456789abcdef").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        let salt = SaltString::encode_b64(b"fedcba9876543210").unwrap();
        let theirs = Argon2::default()
            .hash_password(b"battery staple", &salt)
            .unwrap()
            .to_string();
        assert!(verify_with(&mut memory, b"battery staple", &theirs));
        assert!(!verify_with(&mut memory, b"battery stapler", &theirs));
        assert!(!verify_with(&mut memory, b"battery staple", "not a hash"));
    }

    #[tokio::test]
    async fn refuses_as_busy_when_no_permit_frees_in_time() {
        let hashing = PasswordHashing::new(HashingLimits {
            permits: 1,
            wait: Duration::ZERO,
        });
        let held = hashing.permits.clone().try_acquire_owned().unwrap();
        let refused = hashing.verify("x".into(), None).await;
        assert!(matches!(refused, Err(AppError::Busy { .. })), "{refused:?}");
        drop(held);
        assert!(!hashing.verify("x".into(), None).await.unwrap());
        assert_eq!(hashing.peak(), 1);
    }
}
