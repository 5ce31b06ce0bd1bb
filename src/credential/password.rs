//! Random passwords: per-class minimums, uniform fill, unbiased shuffle.

use super::alphabet::{Alphabet, CharClass};
use super::policy::{MAX_LENGTH, MIN_LENGTH, REQUIRED_CLASSES};
use super::{first_passing, GenerateError, PolicyContext};
use crate::secret::Secret;
use rand::{CryptoRng, RngExt};
use zeroize::Zeroize;

/// The length the page starts with.
pub const DEFAULT_LENGTH: usize = 16;
/// The range the page's length control offers; the type itself accepts Entra's 8 to 256.
pub const UI_MIN_LENGTH: usize = 12;
pub const UI_MAX_LENGTH: usize = 64;

/// How to generate a password. `Default` is the recommended setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordOptions {
    pub length: usize,
    pub lowercase: bool,
    pub uppercase: bool,
    pub digits: bool,
    pub symbols: bool,
    /// Leave out `0 O o 1 l I |`.
    pub exclude_look_alikes: bool,
    /// Leave out quotes, backtick, backslash, `<`, `>` and space.
    pub exclude_awkward_symbols: bool,
}

impl Default for PasswordOptions {
    fn default() -> Self {
        PasswordOptions {
            length: DEFAULT_LENGTH,
            lowercase: true,
            uppercase: true,
            digits: true,
            symbols: true,
            exclude_look_alikes: true,
            exclude_awkward_symbols: true,
        }
    }
}

impl PasswordOptions {
    /// The alphabet these options draw from, or why they cannot make an Entra password.
    pub fn alphabet(&self) -> Result<Alphabet, GenerateError> {
        if !(MIN_LENGTH..=MAX_LENGTH).contains(&self.length) {
            return Err(GenerateError::LengthOutOfRange {
                length: self.length,
            });
        }
        let enabled: Vec<CharClass> = CharClass::ALL
            .into_iter()
            .zip([self.lowercase, self.uppercase, self.digits, self.symbols])
            .filter_map(|(class, on)| on.then_some(class))
            .collect();
        if enabled.len() < REQUIRED_CLASSES {
            return Err(GenerateError::TooFewClasses {
                enabled: enabled.len(),
            });
        }
        Ok(Alphabet::new(
            &enabled,
            self.exclude_look_alikes,
            self.exclude_awkward_symbols,
        ))
    }

    /// Strength to show the admin, in bits (see [`Alphabet::entropy_bits`]).
    pub fn entropy_bits(&self) -> Result<f64, GenerateError> {
        Ok(self.alphabet()?.entropy_bits(self.length))
    }
}

/// A password that Entra ID accepts for this user: every enabled class at least once, drawn
/// with a cryptographic RNG (the page passes the browser's `crypto.getRandomValues`).
///
/// ```
/// use handover::credential::{check_password, generate_password, PasswordOptions, PolicyContext};
/// use rand::{rngs::StdRng, SeedableRng};
///
/// let target = PolicyContext::default().given_name("Anna").tenant_name("Contoso");
/// let password = generate_password(&mut StdRng::seed_from_u64(1), &PasswordOptions::default(), &target)?;
/// assert_eq!(password.len(), 16);
/// assert!(check_password(password.expose_secret(), &target).is_ok());
/// # Ok::<(), handover::credential::GenerateError>(())
/// ```
pub fn generate_password<R: CryptoRng + ?Sized>(
    rng: &mut R,
    options: &PasswordOptions,
    context: &PolicyContext,
) -> Result<Secret, GenerateError> {
    let alphabet = options.alphabet()?;
    first_passing(context, || draw(rng, &alphabet, options.length))
}

/// One candidate: one character of each class, the rest from the whole alphabet, then a
/// Fisher–Yates shuffle so the forced characters land anywhere. `random_range` is rand's
/// unbiased uniform sampling (no `byte % n`).
pub(crate) fn draw<R: CryptoRng + ?Sized>(
    rng: &mut R,
    alphabet: &Alphabet,
    length: usize,
) -> Secret {
    let mut chars: Vec<u8> = Vec::with_capacity(length);
    for (_, members) in alphabet.classes() {
        chars.push(members[rng.random_range(0..members.len())]);
    }
    let all = alphabet.all();
    while chars.len() < length {
        chars.push(all[rng.random_range(0..all.len())]);
    }
    for i in (1..chars.len()).rev() {
        chars.swap(i, rng.random_range(0..=i));
    }
    let mut password = String::with_capacity(length);
    password.extend(chars.iter().map(|&b| char::from(b)));
    chars.zeroize();
    Secret::new(password)
}
