//! Passwords: the strength policy, and argon2id hashing and verification.
//!
//! users hashes the passwords it stores, auth verifies them at login; both go through
//! [`PasswordHasher`], so the algorithm, its cost and the limits on concurrent hashing
//! live in one place. Hashing is deliberately slow and memory-hungry, so it runs on
//! tokio's blocking pool, and at most one hash per CPU runs at a time in a process: a
//! burst of logins queues instead of allocating `ARGON2_MEMORY_KIB` per request.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use tokio::sync::Semaphore;

use crate::config::{ConfigError, Env};

mod strength;

pub use strength::{
    MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, Requirement, WeakPassword, check_strength,
};

/// Cost parameters of argon2id, from `ARGON2_MEMORY_KIB`, `ARGON2_ITERATIONS` and
/// `ARGON2_PARALLELISM`. The defaults are OWASP's recommendation (19 MiB, 2, 1); tests
/// lower them to run fast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Config {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Argon2Config {
    fn default() -> Self {
        Self {
            memory_kib: Params::DEFAULT_M_COST,
            iterations: Params::DEFAULT_T_COST,
            parallelism: Params::DEFAULT_P_COST,
        }
    }
}

impl Argon2Config {
    /// The cheapest parameters argon2 accepts: for tests only.
    pub const FOR_TESTS: Self = Self {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    /// Reads the three variables; values argon2 refuses are reported at start.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let defaults = Self::default();
        let config = Self {
            memory_kib: env.or("ARGON2_MEMORY_KIB", defaults.memory_kib)?,
            iterations: env.or("ARGON2_ITERATIONS", defaults.iterations)?,
            parallelism: env.or("ARGON2_PARALLELISM", defaults.parallelism)?,
        };
        config.params().map_err(|error| ConfigError::Invalid {
            name: "ARGON2_MEMORY_KIB / ARGON2_ITERATIONS / ARGON2_PARALLELISM".into(),
            reason: format!(
                "{error} (memory must be at least 8 KiB per lane, iterations and parallelism at least 1)"
            ),
        })?;
        Ok(config)
    }

    fn params(&self) -> Result<Params, argon2::Error> {
        Params::new(self.memory_kib, self.iterations, self.parallelism, None)
    }
}

/// Why hashing or verifying failed (never because the password was wrong).
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("invalid argon2 parameters: {0}")]
    Params(argon2::Error),
    #[error("password hashing failed: {0}")]
    Hash(argon2::password_hash::Error),
    #[error("the stored password hash is not a valid PHC string: {0}")]
    MalformedHash(argon2::password_hash::Error),
    #[error("the password hashing task did not finish")]
    Task(#[from] tokio::task::JoinError),
    #[error("the password hashing pool is closed")]
    PoolClosed,
}

/// At most one hash per CPU at a time in this process (see the module docs).
static HASHING_SLOTS: LazyLock<Semaphore> = LazyLock::new(|| {
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    Semaphore::new(cpus)
});

/// Hashes waiting for a slot or running, in this process.
static HASHES_UNDER_WAY: AtomicUsize = AtomicUsize::new(0);

/// Counts a hash as under way; the last one to end gives the freed memory back to the
/// OS. Not after every hash: during a burst the next hash reuses the last one's 19 MiB
/// (giving them back and faulting them in again cost ~40 % more CPU per login).
struct UnderWay;

impl UnderWay {
    fn start() -> Self {
        HASHES_UNDER_WAY.fetch_add(1, Ordering::AcqRel);
        Self
    }
}

impl Drop for UnderWay {
    fn drop(&mut self) {
        if HASHES_UNDER_WAY.fetch_sub(1, Ordering::AcqRel) == 1 {
            crate::allocator::release_free_memory();
        }
    }
}

/// Runs `work` on the blocking pool once a hashing slot is free.
async fn run_bounded<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PasswordError> {
    let under_way = UnderWay::start();
    let permit = HASHING_SLOTS
        .acquire()
        .await
        .map_err(|_| PasswordError::PoolClosed)?;
    // The permit moves into the task: if the caller is cancelled, the slot stays taken
    // until the hash really ends, so cancelled requests cannot pile up work.
    let task = tokio::task::spawn_blocking(move || {
        let _slot = (permit, under_way);
        work()
    });
    Ok(task.await?)
}

/// Hashes and verifies passwords with argon2id. Cheap to clone.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    /// A PHC string with this hasher's parameters, a random salt and a random output:
    /// verified against when an account does not exist, so that answering "no such
    /// account" costs the same time as "wrong password". No password produces it, and
    /// it needs no hashing to make (a hash at start cost 19 MiB and 100 ms of CPU).
    decoy: Arc<str>,
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl PasswordHasher {
    pub fn new(config: Argon2Config) -> Result<Self, PasswordError> {
        let params = config.params().map_err(PasswordError::Params)?;
        Ok(Self {
            decoy: decoy_hash(&params)?.into(),
            params,
        })
    }

    fn argon2(params: Params) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    /// The PHC string (`$argon2id$v=19$m=...`) of `password` with a fresh random salt.
    pub async fn hash(&self, password: &str) -> Result<String, PasswordError> {
        let params = self.params.clone();
        let password = password.to_owned();
        run_bounded(move || {
            Self::argon2(params)
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
                .map_err(PasswordError::Hash)
        })
        .await?
    }

    /// Whether `password` matches `phc_hash`. The hash's own parameters are used, so
    /// hashes made before a cost change still verify.
    pub async fn verify(&self, password: &str, phc_hash: &str) -> Result<bool, PasswordError> {
        let password = password.to_owned();
        let phc_hash = phc_hash.to_owned();
        run_bounded(move || {
            let parsed = argon2::PasswordHash::new(&phc_hash)
                .map_err(|e| PasswordError::MalformedHash(e.into()))?;
            // The parameters in `parsed` win over the ones given here.
            match Self::argon2(Params::default()).verify_password(password.as_bytes(), &parsed) {
                Ok(()) => Ok(true),
                Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
                Err(error) => Err(PasswordError::Hash(error)),
            }
        })
        .await?
    }

    /// Does the work of a verification against an account that does not exist, and
    /// answers `false`: callers use it so that timing does not tell which accounts exist.
    pub async fn verify_missing_account(&self, password: &str) -> Result<bool, PasswordError> {
        self.verify(password, &self.decoy).await?;
        Ok(false)
    }
}

/// `$argon2id$v=19$m=..,t=..,p=..$<random salt>$<random output>`, checked to parse.
fn decoy_hash(params: &Params) -> Result<String, PasswordError> {
    let salt: [u8; 16] = rand::random();
    let output: [u8; 32] = rand::random();
    let invalid =
        |error: argon2::password_hash::phc::Error| PasswordError::MalformedHash(error.into());
    let phc = format!(
        "${}$v=19$m={},t={},p={}${}${}",
        argon2::ARGON2ID_IDENT,
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
        argon2::password_hash::phc::Salt::new(&salt).map_err(invalid)?,
        argon2::password_hash::phc::Output::new(&output).map_err(invalid)?,
    );
    argon2::PasswordHash::new(&phc).map_err(invalid)?;
    Ok(phc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_defaults_to_owasp_and_refuses_what_argon2_refuses() {
        let empty = Env::from_pairs::<&str, &str>([]);
        let config = Argon2Config::from_env(&empty).unwrap();
        assert_eq!(
            (config.memory_kib, config.iterations, config.parallelism),
            (19456, 2, 1)
        );
        let zero = Env::from_pairs([("ARGON2_ITERATIONS", "0")]);
        let error = Argon2Config::from_env(&zero).unwrap_err().to_string();
        assert!(error.contains("ARGON2_ITERATIONS"), "{error}");
    }

    #[tokio::test]
    async fn hash_verifies_its_password_only() {
        let hasher = PasswordHasher::new(Argon2Config::FOR_TESTS).unwrap();
        let hash = hasher.hash("Rustshop-admin-1").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{hash}");
        assert!(hasher.verify("Rustshop-admin-1", &hash).await.unwrap());
        assert!(!hasher.verify("Rustshop-admin-2", &hash).await.unwrap());
        let again = hasher.hash("Rustshop-admin-1").await.unwrap();
        assert_ne!(hash, again, "every hash has its own salt");
    }

    #[tokio::test]
    async fn hashes_verify_with_their_own_parameters() {
        let old = PasswordHasher::new(Argon2Config::FOR_TESTS).unwrap();
        let hash = old.hash("Rustshop-admin-1").await.unwrap();
        let new = PasswordHasher::new(Argon2Config {
            memory_kib: 128,
            iterations: 2,
            parallelism: 1,
        })
        .unwrap();
        assert!(new.verify("Rustshop-admin-1", &hash).await.unwrap());
    }

    #[tokio::test]
    async fn malformed_hash_is_an_error_not_a_mismatch() {
        let hasher = PasswordHasher::new(Argon2Config::FOR_TESTS).unwrap();
        let result = hasher.verify("Rustshop-admin-1", "plain-text").await;
        assert!(matches!(result, Err(PasswordError::MalformedHash(_))));
    }

    #[tokio::test]
    async fn missing_account_never_verifies() {
        let hasher = PasswordHasher::new(Argon2Config::FOR_TESTS).unwrap();
        assert!(!hasher.verify_missing_account("anything").await.unwrap());
        assert!(!hasher.verify_missing_account("").await.unwrap());
    }

    #[test]
    fn the_decoy_has_the_hashers_parameters() {
        let hasher = PasswordHasher::new(Argon2Config::default()).unwrap();
        assert!(
            hasher.decoy.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            hasher.decoy
        );
    }
}
