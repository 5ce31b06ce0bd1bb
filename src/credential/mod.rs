//! Credentials: random passwords and passphrases that Entra ID accepts for a given user, the
//! Entra password policy check, strength in bits, and Temporary Access Pass options.
//!
//! Pure Rust: randomness comes in as a [`rand::CryptoRng`] (the browser's crypto RNG on the page,
//! a seeded `StdRng` in tests).
//!
//! ```
//! use handover::credential::{Recipe, PolicyContext};
//! use rand::{rngs::StdRng, SeedableRng};
//!
//! let target = PolicyContext::default()
//!     .given_name("Anna")
//!     .surname("Lindqvist")
//!     .user_principal_name("anna.lindqvist@contoso.com")
//!     .tenant_name("Contoso");
//! let recipe = Recipe::default(); // a 16-character password
//! let password = recipe.generate(&mut StdRng::seed_from_u64(7), &target)?;
//! println!("{} bits", recipe.entropy_bits()?.round());
//! # drop(password);
//! # Ok::<(), handover::credential::GenerateError>(())
//! ```

mod alphabet;
mod passphrase;
mod password;
mod policy;
pub mod sealed;
mod tap;
#[cfg(test)]
mod tests;

pub use alphabet::{log2, Alphabet, CharClass, AWKWARD_SYMBOLS, ENTRA_SYMBOLS, LOOK_ALIKES};
pub use passphrase::{
    generate_passphrase, push_word, PassphraseOptions, DEFAULT_SEPARATOR, DEFAULT_WORDS, MAX_WORDS,
    MIN_WORDS, WORD_LIST_LEN,
};
pub use password::{
    generate_password, PasswordOptions, DEFAULT_LENGTH, UI_MAX_LENGTH, UI_MIN_LENGTH,
};
pub use policy::{
    check_password, NameSource, PolicyContext, PolicyViolation, MAX_LENGTH, MIN_BANNED_TOKEN_LEN,
    MIN_LENGTH, REQUIRED_CLASSES,
};
pub use tap::{
    is_rfc3339, TapError, TapOptions, TapRequestBody, TAP_DEFAULT_LIFETIME_MINUTES,
    TAP_MAX_LIFETIME_MINUTES, TAP_MIN_LIFETIME_MINUTES,
};

use crate::quote::QuotedChar;
use crate::secret::Secret;
use core::fmt;
use rand::CryptoRng;

/// How many candidates a generator tries before giving up on a user's names. A random
/// candidate contains a given 4-letter name with odds far below 1 in 1,000, so 100 misses in a
/// row mean the options themselves cannot work for this user.
pub const MAX_ATTEMPTS: usize = 100;

/// Password or passphrase: what the admin picked on the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recipe {
    Password(PasswordOptions),
    Passphrase(PassphraseOptions),
}

impl Default for Recipe {
    fn default() -> Self {
        Recipe::Password(PasswordOptions::default())
    }
}

impl Recipe {
    /// A credential that passes [`check_password`] for `context`.
    pub fn generate<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        context: &PolicyContext,
    ) -> Result<Secret, GenerateError> {
        match self {
            Recipe::Password(options) => generate_password(rng, options, context),
            Recipe::Passphrase(options) => generate_passphrase(rng, options, context),
        }
    }

    /// Strength to show the admin, in bits.
    pub fn entropy_bits(&self) -> Result<f64, GenerateError> {
        match self {
            Recipe::Password(options) => options.entropy_bits(),
            Recipe::Passphrase(options) => options.entropy_bits(),
        }
    }
}

/// Options that cannot produce a password Entra ID accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GenerateError {
    LengthOutOfRange {
        length: usize,
    },
    TooFewClasses {
        enabled: usize,
    },
    WordCountOutOfRange {
        words: usize,
    },
    SeparatorNotAllowed {
        separator: char,
    },
    /// Every candidate contained one of the user's names.
    NoValidCandidate {
        attempts: usize,
    },
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenerateError::LengthOutOfRange { length } => write!(
                f,
                "A password of {length} characters is not possible: Entra ID allows {MIN_LENGTH} to {MAX_LENGTH}."
            ),
            GenerateError::TooFewClasses { enabled } => write!(
                f,
                "Only {enabled} kinds of character are switched on; Entra ID needs 3 of lowercase, uppercase, digits and symbols. Switch on another."
            ),
            GenerateError::WordCountOutOfRange { words } => write!(
                f,
                "A passphrase of {words} words is not offered; choose {MIN_WORDS} to {MAX_WORDS}."
            ),
            GenerateError::SeparatorNotAllowed { separator } => write!(
                f,
                "{separator} cannot separate the words; use a symbol Entra ID accepts, such as - . _ or a space.", separator = QuotedChar(*separator)
            ),
            GenerateError::NoValidCandidate { attempts } => write!(
                f,
                "{attempts} generated passwords in a row contained the user's or organisation's name. Make the password longer or switch on more kinds of character."
            ),
        }
    }
}

impl std::error::Error for GenerateError {}

/// The first candidate that passes the policy for `context`, or an error after
/// [`MAX_ATTEMPTS`]. Rejected candidates are zeroized as they drop.
fn first_passing(
    context: &PolicyContext,
    mut candidate: impl FnMut() -> Secret,
) -> Result<Secret, GenerateError> {
    for _ in 0..MAX_ATTEMPTS {
        let secret = candidate();
        if check_password(secret.expose_secret(), context).is_ok() {
            return Ok(secret);
        }
    }
    Err(GenerateError::NoValidCandidate {
        attempts: MAX_ATTEMPTS,
    })
}
