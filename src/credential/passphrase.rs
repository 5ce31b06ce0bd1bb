//! Passphrases for passwords read aloud over the phone: common words, a separator, one capital
//! and a digit, so Entra's 3-of-4 rule holds (lowercase, uppercase, digit, and the separator).

use super::alphabet::{log2, CharClass};
use super::{first_passing, GenerateError, PolicyContext};
use crate::secret::Secret;
use rand::{CryptoRng, RngExt};
use zeroize::Zeroize;

mod words {
    include!("wordlist/words.rs");
}

/// Words in the list (2^11: each word is 11 bits). See `wordlist/generate.py` for the source.
pub const WORD_LIST_LEN: usize = 2048;
/// The longest word's length.
const LONGEST: usize = 8;

pub const MIN_WORDS: usize = 4;
pub const MAX_WORDS: usize = 10;
pub const DEFAULT_WORDS: usize = 5;
pub const DEFAULT_SEPARATOR: char = '-';

/// Appends the `index`th word of the list (0-based; nothing past [`WORD_LIST_LEN`]) to `out`,
/// its first letter uppercase when `capital`. The list is front coded (see `wordlist/words.rs`),
/// so this decodes all of it, whatever `index` is: the time taken does not depend on which word
/// was drawn, and the buffers that held the word are zeroed before returning.
pub fn push_word(index: usize, capital: bool, out: &mut String) {
    let coded = words::FRONT_CODED.as_bytes();
    let mut word = [0u8; LONGEST];
    let mut len = 0;
    let mut picked = [0u8; LONGEST];
    let mut picked_len = 0;
    let mut n = 0;
    for (i, &b) in coded.iter().enumerate() {
        if b.is_ascii_digit() {
            len = usize::from(b - b'0');
        } else {
            word[len] = b;
            len += 1;
        }
        if coded.get(i + 1).is_none_or(u8::is_ascii_digit) {
            if n == index {
                picked = word;
                picked_len = len;
            }
            n += 1;
        }
    }
    for (i, &b) in picked[..picked_len].iter().enumerate() {
        out.push(char::from(if capital && i == 0 {
            b.to_ascii_uppercase()
        } else {
            b
        }));
    }
    word.zeroize();
    picked.zeroize();
}

/// How to generate a passphrase. `Default`: five words joined with `-`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PassphraseOptions {
    pub words: usize,
    /// Any of Entra's symbols, space included.
    pub separator: char,
}

impl Default for PassphraseOptions {
    fn default() -> Self {
        PassphraseOptions {
            words: DEFAULT_WORDS,
            separator: DEFAULT_SEPARATOR,
        }
    }
}

impl PassphraseOptions {
    pub fn validate(&self) -> Result<(), GenerateError> {
        if !(MIN_WORDS..=MAX_WORDS).contains(&self.words) {
            return Err(GenerateError::WordCountOutOfRange { words: self.words });
        }
        if CharClass::of(self.separator) != Some(CharClass::Symbol) {
            return Err(GenerateError::SeparatorNotAllowed {
                separator: self.separator,
            });
        }
        Ok(())
    }

    /// Strength in bits: 11 per word, plus which word is capitalised and the digit.
    pub fn entropy_bits(&self) -> Result<f64, GenerateError> {
        self.validate()?;
        let words = self.words as f64;
        Ok(words * log2(WORD_LIST_LEN as f64) + log2(words) + log2(10.0))
    }
}

/// A passphrase such as `maple-River-stone-candle-lucky-7` that Entra ID accepts for this user:
/// uniformly chosen words, one of them capitalised, then the separator and a digit.
pub fn generate_passphrase<R: CryptoRng + ?Sized>(
    rng: &mut R,
    options: &PassphraseOptions,
    context: &PolicyContext,
) -> Result<Secret, GenerateError> {
    options.validate()?;
    first_passing(context, || draw(rng, options))
}

fn draw<R: CryptoRng + ?Sized>(rng: &mut R, options: &PassphraseOptions) -> Secret {
    let capital = rng.random_range(0..options.words);
    // Sized up front so the buffer never reallocates and leaves a copy behind.
    let mut phrase = String::with_capacity(options.words * (LONGEST + 1) + 2);
    for i in 0..options.words {
        if i > 0 {
            phrase.push(options.separator);
        }
        push_word(
            rng.random_range(0..WORD_LIST_LEN),
            i == capital,
            &mut phrase,
        );
    }
    phrase.push(options.separator);
    phrase.push(char::from(b'0' + rng.random_range(0..10u8)));
    Secret::new(phrase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_list_is_2048_distinct_common_words_matching_words_txt() {
        let listed: Vec<&str> = include_str!("wordlist/words.txt").lines().collect();
        let word = |i| {
            let mut w = String::new();
            push_word(i, false, &mut w);
            w
        };
        let packed: Vec<String> = (0..WORD_LIST_LEN).map(word).collect();
        assert_eq!(packed, listed);
        let mut past_the_end = String::from("x");
        push_word(WORD_LIST_LEN, false, &mut past_the_end);
        assert_eq!(past_the_end, "x");
        let mut capital = String::new();
        push_word(0, true, &mut capital);
        assert_eq!(capital, "Ability");
        for pair in packed.windows(2) {
            assert!(pair[0] < pair[1], "not sorted or repeated: {pair:?}");
        }
        for w in &packed {
            assert!((4..=LONGEST).contains(&w.len()), "{w}");
            assert!(w.bytes().all(|b| b.is_ascii_lowercase()), "{w}");
        }
    }

    #[test]
    fn options_are_validated() {
        let bad_count = PassphraseOptions {
            words: 3,
            ..Default::default()
        };
        assert_eq!(
            bad_count.validate(),
            Err(GenerateError::WordCountOutOfRange { words: 3 })
        );
        let eleven = PassphraseOptions {
            words: 11,
            ..Default::default()
        };
        assert!(eleven.validate().is_err());
        let letter = PassphraseOptions {
            separator: 'x',
            ..Default::default()
        };
        assert_eq!(
            letter.validate(),
            Err(GenerateError::SeparatorNotAllowed { separator: 'x' })
        );
        let accent = PassphraseOptions {
            separator: '·',
            ..Default::default()
        };
        assert!(accent.validate().is_err());
        let space = PassphraseOptions {
            separator: ' ',
            ..Default::default()
        };
        assert_eq!(space.validate(), Ok(()));
    }

    #[test]
    fn entropy_counts_words_capital_and_digit() {
        let bits = PassphraseOptions::default().entropy_bits().unwrap();
        let expected = 5.0 * 11.0 + 5f64.log2() + 10f64.log2();
        assert!((bits - expected).abs() < 1e-9, "{bits}");
    }
}
