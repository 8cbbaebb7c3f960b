//! The Ed25519 key pair that signs access tokens.
//!
//! From config (`JWT_PRIVATE_KEY` PEM text or `JWT_PRIVATE_KEY_FILE`), or, for
//! development, generated on first start into the local state folder and reused on
//! later starts, so tokens survive a restart.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::spki::{DecodePublicKey, EncodePublicKey};
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, KeypairBytes};
use ed25519_dalek::{SigningKey, VerifyingKey};
use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use shop_common::config::Secret;

/// Where the signing key comes from.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// `JWT_PRIVATE_KEY` (PKCS#8 PEM), optionally with `JWT_PUBLIC_KEY` to cross-check.
    Pem {
        private: Secret,
        public: Option<String>,
    },
    /// `JWT_PRIVATE_KEY_FILE`: a PKCS#8 PEM file.
    File(PathBuf),
    /// Neither is set: `<state dir>/auth/jwt-ed25519.pem`, created on first start.
    Generated { state_dir: PathBuf },
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the private key is not an Ed25519 PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`)")]
    PrivatePem,
    #[error("JWT_PUBLIC_KEY is not an Ed25519 public key PEM (`-----BEGIN PUBLIC KEY-----`)")]
    PublicPem,
    #[error("JWT_PUBLIC_KEY does not belong to the private key")]
    Mismatch,
    #[error("cannot encode the key as PEM")]
    Encode,
    #[error("the key is refused by the JWT library")]
    Jwt(#[from] jsonwebtoken::errors::Error),
    #[error("cannot read or write the key file {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("loading the key did not finish")]
    Task(#[from] tokio::task::JoinError),
}

/// The key pair in the forms signing and verification need.
#[derive(Clone)]
pub struct SigningKeys {
    pub(crate) encoding: EncodingKey,
    pub(crate) decoding: DecodingKey,
    /// SPKI PEM of the public key, handed to the gateway.
    pub public_pem: String,
    /// RFC 7638 thumbprint of the public key, put in every token's `kid`.
    pub key_id: String,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeys")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// A new random Ed25519 private key as PKCS#8 PEM, in the v1 form (the seed alone)
/// that `openssl genpkey -algorithm ed25519` also writes.
pub fn generate_private_pem() -> Result<String, KeyError> {
    let key = KeypairBytes {
        secret_key: rand::random(),
        public_key: None,
    };
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|_| KeyError::Encode)?;
    Ok(pem.as_str().to_owned())
}

impl SigningKeys {
    /// Loads the key pair from `source` (file I/O on the blocking pool).
    pub async fn load(source: KeySource) -> Result<Self, KeyError> {
        tokio::task::spawn_blocking(move || match source {
            KeySource::Pem { private, public } => {
                let keys = Self::from_private_pem(private.expose())?;
                match public {
                    Some(public) => keys.check_public(&public),
                    None => Ok(keys),
                }
            }
            KeySource::File(path) => Self::from_private_pem(&read(&path)?),
            KeySource::Generated { state_dir } => {
                let path = state_dir.join("auth").join("jwt-ed25519.pem");
                Self::from_private_pem(&read_or_create(&path)?)
            }
        })
        .await?
    }

    /// The key pair of a PKCS#8 PEM private key; the public key is derived from it.
    pub fn from_private_pem(pem: &str) -> Result<Self, KeyError> {
        let signing = SigningKey::from_pkcs8_pem(pem.trim()).map_err(|_| KeyError::PrivatePem)?;
        let public_pem = signing
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(|_| KeyError::Encode)?;
        let encoding = EncodingKey::from_ed_pem(pem.trim().as_bytes())?;
        let decoding = DecodingKey::from_ed_pem(public_pem.as_bytes())?;
        let key_id = Jwk::from_decoding_key(&decoding, Some(Algorithm::EdDSA))?
            .thumbprint(ThumbprintHash::SHA256)?;
        Ok(Self {
            encoding,
            decoding,
            public_pem,
            key_id,
        })
    }

    /// Fails unless `public_pem` is this pair's public key.
    fn check_public(self, public_pem: &str) -> Result<Self, KeyError> {
        let given = VerifyingKey::from_public_key_pem(public_pem.trim())
            .map_err(|_| KeyError::PublicPem)?;
        let ours =
            VerifyingKey::from_public_key_pem(&self.public_pem).map_err(|_| KeyError::PublicPem)?;
        if given == ours {
            Ok(self)
        } else {
            Err(KeyError::Mismatch)
        }
    }
}

fn read(path: &Path) -> Result<String, KeyError> {
    fs::read_to_string(path).map_err(|source| KeyError::Io {
        path: path.to_owned(),
        source,
    })
}

/// The key at `path`, generating it first if the file does not exist.
///
/// The new key is written to a private temporary file and then hard-linked into
/// place, which fails if another instance got there first: two instances starting at
/// once end up with the same key, and nobody reads a half-written file.
fn read_or_create(path: &Path) -> Result<String, KeyError> {
    let io = |source| KeyError::Io {
        path: path.to_owned(),
        source,
    };
    if let Ok(pem) = fs::read_to_string(path) {
        warn_if_readable_by_others(path);
        return Ok(pem);
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io)?;
    let pem = generate_private_pem()?;
    let temporary = dir.join(format!(".jwt-ed25519.{:016x}.tmp", rand::random::<u64>()));
    let written = write_private(&temporary, &pem).and_then(|()| fs::hard_link(&temporary, path));
    let _ = fs::remove_file(&temporary);
    match written {
        Ok(()) => {
            tracing::info!(path = %path.display(), "generated a development JWT signing key");
            Ok(pem)
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => read(path),
        Err(error) => Err(io(error)),
    }
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

fn warn_if_readable_by_others(path: &Path) {
    if let Ok(meta) = fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(path = %path.display(), "the JWT signing key is readable by other users; chmod 600 it");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_key_and_key_id_derive_from_the_private_key() {
        let pem = generate_private_pem().unwrap();
        let a = SigningKeys::from_private_pem(&pem).unwrap();
        let b = SigningKeys::from_private_pem(&pem).unwrap();
        assert!(a.public_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        assert_eq!(
            (a.public_pem.clone(), a.key_id.clone()),
            (b.public_pem, b.key_id)
        );
        let other = SigningKeys::from_private_pem(&generate_private_pem().unwrap()).unwrap();
        assert_ne!(a.key_id, other.key_id);
    }

    #[test]
    fn a_mismatched_public_key_is_refused() {
        let keys = SigningKeys::from_private_pem(&generate_private_pem().unwrap()).unwrap();
        let other = SigningKeys::from_private_pem(&generate_private_pem().unwrap()).unwrap();
        let ours = keys.public_pem.clone();
        assert!(keys.clone().check_public(&ours).is_ok());
        assert!(matches!(
            keys.check_public(&other.public_pem),
            Err(KeyError::Mismatch)
        ));
    }

    #[test]
    fn garbage_is_not_a_key() {
        assert!(matches!(
            SigningKeys::from_private_pem("not a key"),
            Err(KeyError::PrivatePem)
        ));
    }
}
