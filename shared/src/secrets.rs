//! Secrets kept at rest: registry passwords and tokens, encrypted before they reach the database.
//!
//! The cipher is ChaCha20-Poly1305 with a fresh random 96-bit nonce per secret. The caller names
//! a context (the registry host a credential belongs to) that is bound to the ciphertext as
//! associated data, so a ciphertext copied onto another row does not decrypt. The key comes from
//! the deployment's configuration (`FORKLIFT_CREDENTIALS_KEY`), never from the database.
//!
//! Nothing here prints a secret: [`Secret`] and [`CredentialsKey`] redact themselves in `Debug`
//! and have no `Display`.

use std::fmt;

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use serde::Deserialize;

/// Bytes in a key.
pub const KEY_LEN: usize = 32;
/// Bytes in a nonce.
pub const NONCE_LEN: usize = 12;

/// Text that must never be logged or returned: a password or an access token.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The secret itself, for the one place that must hand it on (a registry login).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

/// The key that encrypts secrets at rest.
#[derive(Clone)]
pub struct CredentialsKey(Key);

impl fmt::Debug for CredentialsKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CredentialsKey(redacted)")
    }
}

/// Why a configured key cannot be used. Never quotes the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("is not base64")]
    NotBase64,
    #[error("decodes to {0} bytes; use base64 of exactly 32 random bytes (`head -c 32 /dev/urandom | base64`)")]
    WrongLength(usize),
}

/// A secret that cannot be decrypted: another key, another context, or altered bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the secret cannot be decrypted: the key is not the one it was sealed with, or the stored bytes were altered")]
pub struct OpenError;

/// An encrypted secret as stored: the nonce and the ciphertext with its authentication tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

impl CredentialsKey {
    /// Reads a key written as base64, standard or URL-safe, padded or not.
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let normalised: String = text
            .trim()
            .trim_end_matches('=')
            .chars()
            .map(|c| match c {
                '-' => '+',
                '_' => '/',
                other => other,
            })
            .collect();
        let bytes = STANDARD_NO_PAD
            .decode(normalised)
            .map_err(|_| KeyError::NotBase64)?;
        let bytes: [u8; KEY_LEN] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::WrongLength(bytes.len()))?;
        Ok(Self::from_bytes(bytes))
    }

    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(Key::from(bytes))
    }

    /// A new random key, for tests and for tools that set up a deployment.
    pub fn generate() -> Self {
        Self(ChaCha20Poly1305::generate_key(&mut OsRng))
    }

    /// The key as unpadded standard base64, the form `FORKLIFT_CREDENTIALS_KEY` takes.
    pub fn to_base64(&self) -> String {
        STANDARD_NO_PAD.encode(self.0.as_slice())
    }

    /// Encrypts `secret`, binding it to `context`.
    pub fn seal(&self, secret: &Secret, context: &str) -> Sealed {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: secret.expose().as_bytes(),
            aad: context.as_bytes(),
        };
        // Encryption into a Vec only fails when the message exceeds the cipher's limit of
        // 256 GiB; callers bound secrets to a few KiB long before.
        let ciphertext = self.cipher().encrypt(&nonce, payload).unwrap_or_default();
        Sealed {
            nonce: nonce.to_vec(),
            ciphertext,
        }
    }

    /// Decrypts what [`CredentialsKey::seal`] produced for the same `context`.
    pub fn open(&self, sealed: &Sealed, context: &str) -> Result<Secret, OpenError> {
        if sealed.nonce.len() != NONCE_LEN || sealed.ciphertext.is_empty() {
            return Err(OpenError);
        }
        let nonce = Nonce::from_slice(&sealed.nonce);
        let payload = Payload {
            msg: &sealed.ciphertext,
            aad: context.as_bytes(),
        };
        let plain = self
            .cipher()
            .decrypt(nonce, payload)
            .map_err(|_| OpenError)?;
        String::from_utf8(plain).map(Secret).map_err(|_| OpenError)
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "registry.example.com:5000";

    fn secret() -> Secret {
        Secret::new("s3cr3t-påss")
    }

    #[test]
    fn a_sealed_secret_opens_with_the_same_key_and_context() {
        let key = CredentialsKey::generate();
        let sealed = key.seal(&secret(), HOST);
        assert_eq!(sealed.nonce.len(), NONCE_LEN);
        assert_ne!(sealed.ciphertext, secret().expose().as_bytes());
        assert_eq!(key.open(&sealed, HOST), Ok(secret()));
    }

    #[test]
    fn each_seal_uses_a_fresh_nonce() {
        let key = CredentialsKey::generate();
        assert_ne!(key.seal(&secret(), HOST), key.seal(&secret(), HOST));
    }

    #[test]
    fn another_key_cannot_open_it() {
        let sealed = CredentialsKey::generate().seal(&secret(), HOST);
        assert_eq!(
            CredentialsKey::generate().open(&sealed, HOST),
            Err(OpenError)
        );
    }

    #[test]
    fn another_context_cannot_open_it() {
        let key = CredentialsKey::generate();
        let sealed = key.seal(&secret(), HOST);
        assert_eq!(key.open(&sealed, "evil.example.com"), Err(OpenError));
    }

    #[test]
    fn tampering_is_detected() {
        let key = CredentialsKey::generate();
        let sealed = key.seal(&secret(), HOST);
        for at in 0..sealed.ciphertext.len() {
            let mut altered = sealed.clone();
            altered.ciphertext[at] ^= 0x01;
            assert_eq!(key.open(&altered, HOST), Err(OpenError), "byte {at}");
        }
        let mut altered = sealed.clone();
        altered.nonce[0] ^= 0x01;
        assert_eq!(key.open(&altered, HOST), Err(OpenError));
        let mut short = sealed;
        short.nonce.pop();
        assert_eq!(key.open(&short, HOST), Err(OpenError));
    }

    #[test]
    fn keys_read_every_base64_flavour() {
        let key = CredentialsKey::from_bytes([0xfb; KEY_LEN]);
        let standard = key.to_base64();
        let url_safe = standard.replace('+', "-").replace('/', "_");
        for text in [
            standard.clone(),
            format!("{standard}="),
            url_safe,
            format!(" {standard}\n"),
        ] {
            let read = CredentialsKey::from_base64(&text).map(|k| k.to_base64());
            assert_eq!(read, Ok(standard.clone()), "{text:?}");
        }
    }

    #[test]
    fn bad_keys_are_refused_without_quoting_them() {
        assert_eq!(
            CredentialsKey::from_base64("not base64!").map(|_| ()),
            Err(KeyError::NotBase64)
        );
        assert_eq!(
            CredentialsKey::from_base64("c2hvcnQ").map(|_| ()),
            Err(KeyError::WrongLength(5))
        );
    }

    #[test]
    fn debug_output_never_shows_a_secret_or_key() {
        let key = CredentialsKey::from_bytes([7; KEY_LEN]);
        let shown = format!("{:?} {:?}", secret(), key);
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(!shown.contains(&key.to_base64()), "{shown}");
        assert!(shown.contains("redacted"));
    }
}
