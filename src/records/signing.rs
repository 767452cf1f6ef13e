//! Ed25519 signatures on what is finalised (issue 11 item 4; REDTEAM W6).
//!
//! A hash chain shows that a file changed, unless someone rewrites it whole
//! and recomputes every hash. A signature by a key the operator holds cannot
//! be recomputed without that key. The private key lives outside the data
//! directory (see [`default_key_path`]), readable only by its owner; its
//! public half is written into the site configuration, into the record index
//! (where it is introduced) and into every record it signs.
//!
//! Ed25519 (RFC 8032) by `ed25519-dalek`; public keys are written
//! `ed25519:` and 64 hex digits, signatures as 128 hex digits. What is signed
//! is a domain string, a newline and the canonical JSON of a value (keys
//! sorted, numbers as serde_json writes them, as in the journal's hashes),
//! so a signature never depends on how a file was laid out.

use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, Verifier, VerifyingKey};
use serde_json::Value;

use crate::numbers::digest::sha256_hex;

/// Written before a public key's hex digits.
pub const KEY_PREFIX: &str = "ed25519:";

/// The first line of a key file.
const KEY_FILE_TITLE: &str =
    "# monqc signing key (Ed25519). Private: it signs this site's records.";

/// Why a key could not be made, read or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// File-system failure.
    #[error("{path}: {source}", path = .path.display())]
    Io {
        /// The key file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A key file is already there.
    #[error(
        "{path} already exists; a signing key is never overwritten (use it, or move it away \
         first if it is really to be replaced)",
        path = .path.display()
    )]
    Exists {
        /// The key file.
        path: PathBuf,
    },
    /// Others can read the key file.
    #[error(
        "{path} can be read by other users (mode {mode:o}); a signing key must be private: \
         chmod 600 {path}",
        path = .path.display()
    )]
    Permissions {
        /// The key file.
        path: PathBuf,
        /// Its mode bits.
        mode: u32,
    },
    /// The file is not a key file.
    #[error("{path}: {problem}", path = .path.display())]
    Malformed {
        /// The key file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// No random bytes from the operating system.
    #[error("the operating system gave no random bytes for a new key: {0}")]
    Random(String),
}

/// A public key as written in files (`ed25519:` and 64 hex digits).
pub fn public_key_text(key: &VerifyingKey) -> String {
    format!("{KEY_PREFIX}{}", hex(key.as_bytes()))
}

/// A short fingerprint of a public key for people to compare: the first 16
/// hex digits of the SHA-256 of its 32 bytes, in groups of four.
pub fn fingerprint(public_key: &str) -> String {
    let digest = match parse_public_key(public_key) {
        Some(k) => sha256_hex(k.as_bytes()),
        None => sha256_hex(public_key.as_bytes()),
    };
    [&digest[0..4], &digest[4..8], &digest[8..12], &digest[12..16]].join("-")
}

/// Parse a public key written as [`public_key_text`] writes it.
pub fn parse_public_key(text: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = unhex(text.strip_prefix(KEY_PREFIX)?)?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// The bytes a signature covers: `domain`, a newline and the canonical JSON
/// of `value`.
pub fn message(domain: &str, value: &Value) -> Vec<u8> {
    // serde_json's Value keeps object keys sorted (no preserve_order
    // feature), so this serialisation is canonical.
    let canonical = serde_json::to_string(value).expect("a Value always serialises");
    format!("{domain}\n{canonical}").into_bytes()
}

/// Whether `signature` (hex) is `public_key`'s signature of `message`.
pub fn verify(public_key: &str, message: &[u8], signature: &str) -> bool {
    let (Some(key), Some(sig)) = (parse_public_key(public_key), unhex(signature)) else {
        return false;
    };
    let Ok(sig) = Signature::from_slice(&sig) else {
        return false;
    };
    key.verify(message, &sig).is_ok() && key.verify_strict(message, &sig).is_ok()
}

/// A private signing key, loaded from its file.
#[derive(Clone)]
pub struct SigningKey {
    key: ed25519_dalek::SigningKey,
    path: PathBuf,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        write!(f, "SigningKey({} from {})", self.public_key(), self.path.display())
    }
}

impl PartialEq for SigningKey {
    fn eq(&self, other: &Self) -> bool {
        self.public_key() == other.public_key()
    }
}

impl Eq for SigningKey {}

impl SigningKey {
    /// A new key from the operating system's random source, written to
    /// `path` (which must not exist) readable by its owner only; its
    /// directory is created private when missing.
    pub fn create(path: &Path) -> Result<Self, KeyError> {
        let io = |source| KeyError::Io { path: path.to_owned(), source };
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(KeyError::Exists { path: path.to_owned() });
        }
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| KeyError::Random(e.to_string()))?;
        let key = ed25519_dalek::SigningKey::from_bytes(&secret);
        let text = format!(
            "{KEY_FILE_TITLE}\npublic {}\nsecret {}\n",
            public_key_text(&key.verifying_key()),
            hex(&secret)
        );
        let dir = super::durable::parent(path);
        if !dir.exists() {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(dir).map_err(io)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => KeyError::Exists { path: path.to_owned() },
            _ => io(e),
        })?;
        use std::io::Write;
        file.write_all(text.as_bytes()).and_then(|_| file.sync_all()).map_err(io)?;
        super::durable::sync_parent(path).map_err(io)?;
        Ok(Self { key, path: path.to_owned() })
    }

    /// Load the key at `path`, refusing a file others can read.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let io = |source| KeyError::Io { path: path.to_owned(), source };
        let file = std::fs::File::open(path).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = file.metadata().map_err(io)?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(KeyError::Permissions { path: path.to_owned(), mode });
            }
        }
        let mut text = String::new();
        use std::io::Read;
        (&file).read_to_string(&mut text).map_err(io)?;
        let bad = |problem: &str| KeyError::Malformed {
            path: path.to_owned(),
            problem: format!(
                "{problem}; this is not a monqc signing key (`monqc keys create` makes one)"
            ),
        };
        let field = |name: &str| {
            text.lines().find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(' ')))
        };
        let secret: [u8; 32] = field("secret")
            .and_then(unhex)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| bad("no `secret` line of 64 hex digits"))?;
        let key = ed25519_dalek::SigningKey::from_bytes(&secret);
        if field("public").is_some_and(|p| p != public_key_text(&key.verifying_key())) {
            return Err(bad("its `public` line does not belong to its secret"));
        }
        Ok(Self { key, path: path.to_owned() })
    }

    /// The public key, as written in files.
    pub fn public_key(&self) -> String {
        public_key_text(&self.key.verifying_key())
    }

    /// Where the key was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The signature (hex) of `message`.
    pub fn sign(&self, message: &[u8]) -> String {
        hex(&self.key.sign(message).to_bytes())
    }
}

/// Where `monqc keys create` puts the key unless told otherwise:
/// `$MONQC_SIGNING_KEY` is read by the command line; this is the platform's
/// configuration directory (`~/.config/monqc/signing-key` on Linux), outside
/// any data directory.
pub fn default_key_path(config_dir: &Path) -> PathBuf {
    config_dir.join("monqc").join("signing-key")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2)
        || !text.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc8032_test_vector_1() {
        // RFC 8032 §7.1, TEST 1: the empty message.
        let secret: [u8; 32] =
            unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
                .unwrap()
                .try_into()
                .unwrap();
        let key = SigningKey {
            key: ed25519_dalek::SigningKey::from_bytes(&secret),
            path: PathBuf::new(),
        };
        assert_eq!(
            key.public_key(),
            "ed25519:d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        let sig = key.sign(b"");
        assert_eq!(
            sig,
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
             5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
        assert!(verify(&key.public_key(), b"", &sig));
        assert!(!verify(&key.public_key(), b"x", &sig));
    }

    #[test]
    fn keys_are_private_never_overwritten_and_load_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conf").join("signing-key");
        let key = SigningKey::create(&path).unwrap();
        assert!(matches!(SigningKey::create(&path), Err(KeyError::Exists { .. })));
        let again = SigningKey::load(&path).unwrap();
        assert_eq!(again, key);
        let m = message("monqc-test", &json!({"b": 1, "a": [1.5, "x"]}));
        assert_eq!(m, b"monqc-test\n{\"a\":[1.5,\"x\"],\"b\":1}");
        assert!(verify(&key.public_key(), &m, &again.sign(&m)));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(SigningKey::load(&path), Err(KeyError::Permissions { .. })));
        }
        assert_eq!(fingerprint(&key.public_key()).len(), 19);
    }
}
