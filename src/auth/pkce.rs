//! PKCE (RFC 7636) with the S256 method, and the random `state` and `nonce` values.
//!
//! ```
//! use handover::auth::pkce::{random_url_token, PkceVerifier};
//! use rand::{rngs::StdRng, SeedableRng};
//!
//! let mut rng = StdRng::seed_from_u64(1); // the page passes the browser's crypto RNG
//! let verifier = PkceVerifier::generate(&mut rng);
//! assert_eq!(verifier.expose_secret().len(), 64);
//! assert_eq!(verifier.challenge_s256().len(), 43);
//! assert_eq!(random_url_token(&mut rng, 32).len(), 43);
//! ```

use core::fmt;

use rand::{CryptoRng, RngExt};

use crate::quote::QuotedChar;
use crate::secret::Secret;
pub use crate::sha256::sha256;

/// RFC 7636 §4.1: `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`.
const UNRESERVED: &[u8; 66] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

/// Length of a generated verifier: 64 characters of 66 symbols, about 387 bits.
pub const VERIFIER_LEN: usize = 64;
/// RFC 7636 §4.1 bounds on the verifier's length.
pub const VERIFIER_MIN_LEN: usize = 43;
/// RFC 7636 §4.1 bounds on the verifier's length.
pub const VERIFIER_MAX_LEN: usize = 128;

/// A PKCE code verifier. Deliberately not `Clone`: one verifier, one challenge, one sign-in.
/// Debug prints `[redacted]`; the text is zeroized on drop.
#[derive(Debug)]
pub struct PkceVerifier(Secret);

/// Why a stored verifier was refused (it came back from sessionStorage changed or truncated).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifierError {
    /// Not 43 to 128 characters long.
    Length(usize),
    /// A character outside `A-Z a-z 0-9 - . _ ~`.
    Character(char),
}

impl fmt::Display for VerifierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifierError::Length(n) => write!(
                f,
                "the PKCE verifier is {n} characters long; RFC 7636 asks for 43 to 128"
            ),
            VerifierError::Character(c) => write!(
                f,
                "the PKCE verifier holds {c}, outside the unreserved characters RFC 7636 allows",
                c = QuotedChar(*c)
            ),
        }
    }
}

impl std::error::Error for VerifierError {}

impl PkceVerifier {
    /// A fresh verifier: [`VERIFIER_LEN`] characters drawn uniformly from the unreserved set
    /// (`random_range` rejects rather than reducing modulo 66, so there is no bias).
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut text = String::with_capacity(VERIFIER_LEN);
        for _ in 0..VERIFIER_LEN {
            let i = rng.random_range(0..UNRESERVED.len());
            text.push(char::from(UNRESERVED[i]));
        }
        PkceVerifier(Secret::new(text))
    }

    /// A verifier read back from where the sign-in parked it (sessionStorage, across the
    /// redirect), checked against RFC 7636: 43 to 128 unreserved characters.
    pub fn from_secret(secret: Secret) -> Result<Self, VerifierError> {
        let text = secret.expose_secret();
        let len = text.chars().count();
        if !(VERIFIER_MIN_LEN..=VERIFIER_MAX_LEN).contains(&len) {
            return Err(VerifierError::Length(len));
        }
        if let Some(bad) = text
            .chars()
            .find(|c| !c.is_ascii() || !UNRESERVED.contains(&(*c as u8)))
        {
            return Err(VerifierError::Character(bad));
        }
        Ok(PkceVerifier(secret))
    }

    /// `BASE64URL(SHA256(ASCII(code_verifier)))`, without padding: the `code_challenge` sent
    /// with `code_challenge_method=S256`.
    pub fn challenge_s256(&self) -> String {
        crate::b64::encode(&sha256(self.0.expose_secret().as_bytes()))
    }

    /// The verifier text, for the token request (and for parking it in sessionStorage until
    /// the callback).
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    /// The verifier as a [`Secret`], for code that parks it across the redirect.
    pub fn into_secret(self) -> Secret {
        self.0
    }
}

/// `bytes` random bytes, base64url without padding: for `state` and `nonce` (32 bytes gives
/// 43 characters, 256 bits).
pub fn random_url_token<R: CryptoRng + ?Sized>(rng: &mut R, bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rng.fill(&mut buf[..]);
    crate::b64::encode(&buf)
}
