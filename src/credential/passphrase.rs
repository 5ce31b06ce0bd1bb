//! Passphrases for passwords read aloud over the phone: common words, a separator, one capital
//! and a digit, so Entra's 3-of-4 rule holds (lowercase, uppercase, digit, and the separator).

use super::alphabet::CharClass;
use super::{first_passing, GenerateError, PolicyContext};
use crate::secret::Secret;
use rand::{CryptoRng, RngExt};

mod words {
    include!("wordlist/words.rs");
}

/// Words in the list (2^11: each word is 11 bits). See `wordlist/generate.py` for the source.
pub const WORD_LIST_LEN: usize = 2048;
const RECORD: usize = 8;

pub const MIN_WORDS: usize = 4;
pub const MAX_WORDS: usize = 10;
pub const DEFAULT_WORDS: usize = 5;
pub const DEFAULT_SEPARATOR: char = '-';

/// The `index`th word of the list (0-based; panics past [`WORD_LIST_LEN`]).
pub fn word(index: usize) -> &'static str {
    words::WORD_RECORDS[index * RECORD..(index + 1) * RECORD].trim_end()
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
        Ok(words * (WORD_LIST_LEN as f64).log2() + words.log2() + 10f64.log2())
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
    let mut phrase = String::with_capacity(options.words * (RECORD + 1) + 2);
    for i in 0..options.words {
        let word = word(rng.random_range(0..WORD_LIST_LEN));
        if i > 0 {
            phrase.push(options.separator);
        }
        if i == capital {
            let mut letters = word.chars();
            phrase.extend(letters.next().map(|c| c.to_ascii_uppercase()));
            phrase.push_str(letters.as_str());
        } else {
            phrase.push_str(word);
        }
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
        assert_eq!(words::WORD_RECORDS.len(), WORD_LIST_LEN * RECORD);
        let listed: Vec<&str> = include_str!("wordlist/words.txt").lines().collect();
        let packed: Vec<&str> = (0..WORD_LIST_LEN).map(word).collect();
        assert_eq!(packed, listed);
        for pair in packed.windows(2) {
            assert!(pair[0] < pair[1], "not sorted or repeated: {pair:?}");
        }
        for w in packed {
            assert!((4..=8).contains(&w.len()), "{w}");
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
