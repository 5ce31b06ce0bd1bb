//! Character classes, Entra's allowed symbols, and the alphabet a password is drawn from.

/// The symbols Entra ID accepts in a password (concept-sspr-policy, see shared/GRAPH.md), space
/// included. Together with ASCII letters and digits this is every printable ASCII character.
pub const ENTRA_SYMBOLS: &str = "@#$%^&*-_!+=[]{}|\\:',.?/`~\"();<> ";

/// Characters a person confuses when reading or typing: zero and capital O and small o, one and
/// small L and capital i and the pipe.
pub const LOOK_ALIKES: &str = "0Oo1lI|";

/// Symbols that are hard to read aloud or that mail clients, HTML and shells mangle: quotes,
/// backtick, backslash, angle brackets and space. Left out of generated passwords by default.
pub const AWKWARD_SYMBOLS: &str = "'\"`\\<> ";

const LOWERCASE: &str = "abcdefghijklmnopqrstuvwxyz";
const UPPERCASE: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &str = "0123456789";

/// The four classes of Entra's "3 of 4" complexity rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CharClass {
    Lowercase,
    Uppercase,
    Digit,
    Symbol,
}

impl CharClass {
    pub const ALL: [CharClass; 4] = [
        CharClass::Lowercase,
        CharClass::Uppercase,
        CharClass::Digit,
        CharClass::Symbol,
    ];

    /// The class of a character Entra accepts, or `None` for a control character or non-ASCII.
    pub fn of(c: char) -> Option<CharClass> {
        match c {
            'a'..='z' => Some(CharClass::Lowercase),
            'A'..='Z' => Some(CharClass::Uppercase),
            '0'..='9' => Some(CharClass::Digit),
            _ if ENTRA_SYMBOLS.contains(c) => Some(CharClass::Symbol),
            _ => None,
        }
    }

    /// Every character of the class that Entra accepts.
    pub fn members(self) -> &'static str {
        match self {
            CharClass::Lowercase => LOWERCASE,
            CharClass::Uppercase => UPPERCASE,
            CharClass::Digit => DIGITS,
            CharClass::Symbol => ENTRA_SYMBOLS,
        }
    }

    /// The class's name in the admin's words.
    pub fn name(self) -> &'static str {
        match self {
            CharClass::Lowercase => "lowercase letters",
            CharClass::Uppercase => "uppercase letters",
            CharClass::Digit => "digits",
            CharClass::Symbol => "symbols",
        }
    }
}

/// The characters a generator draws from, grouped by class (each class non-empty, ASCII only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alphabet {
    classes: Vec<(CharClass, Vec<u8>)>,
    all: Vec<u8>,
}

impl Alphabet {
    /// The enabled classes, minus look-alikes and awkward symbols when asked.
    pub fn new(enabled: &[CharClass], exclude_look_alikes: bool, exclude_awkward: bool) -> Self {
        let mut classes = Vec::new();
        let mut all = Vec::new();
        for &class in &CharClass::ALL {
            if !enabled.contains(&class) {
                continue;
            }
            let members: Vec<u8> = class
                .members()
                .bytes()
                .filter(|&b| !(exclude_look_alikes && LOOK_ALIKES.as_bytes().contains(&b)))
                .filter(|&b| !(exclude_awkward && AWKWARD_SYMBOLS.as_bytes().contains(&b)))
                .collect();
            all.extend_from_slice(&members);
            classes.push((class, members));
        }
        Alphabet { classes, all }
    }

    /// The classes in use, each with its characters.
    pub fn classes(&self) -> &[(CharClass, Vec<u8>)] {
        &self.classes
    }

    /// Every character in use, class by class.
    pub fn all(&self) -> &[u8] {
        &self.all
    }

    /// Bits of entropy of a password of `length` drawn by [`super::generate_password`]: the
    /// log2 of the number of strings of that length over this alphabet that hold every class
    /// (inclusion-exclusion). It is a hair below `length * log2(size)` and an upper bound on
    /// what the per-class-minimum method delivers; the gap is well under a bit at 12+ characters.
    pub fn entropy_bits(&self, length: usize) -> f64 {
        let n = self.all.len() as f64;
        let k = self.classes.len();
        // Σ over subsets S of the classes of (-1)^|S| · ((n - |S's characters|) / n)^length:
        // the share of all strings that miss no class.
        let mut share = 0.0;
        for subset in 0u32..(1 << k) {
            let missing: usize = (0..k)
                .filter(|i| subset & (1 << i) != 0)
                .map(|i| self.classes[i].1.len())
                .sum();
            let term = ((n - missing as f64) / n).powi(length as i32);
            share += if subset.count_ones() % 2 == 0 {
                term
            } else {
                -term
            };
        }
        length as f64 * log2(n) + log2(share)
    }
}

/// The base-2 logarithm, for the strength figures: `f64::log2` would bring libm's (about 450 B
/// of wasm). The exponent comes from the bits; the mantissa `m`, taken into [√½, √2), by
/// `ln m = 2·atanh((m − 1)/(m + 1))`, whose series (ratio at most 0.172) reaches full precision
/// in 16 terms. Exact for powers of two; `log2_matches_std` checks it against `f64::log2`.
pub fn log2(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_infinite() {
        return x;
    }
    // Subnormals: scale by 2^64 so the exponent field is meaningful.
    let (x, shift) = if x < f64::MIN_POSITIVE {
        (x * 18_446_744_073_709_551_616.0, 64)
    } else {
        (x, 0)
    };
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023 - shift;
    let mut m = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
    if m > core::f64::consts::SQRT_2 {
        m /= 2.0;
        e += 1;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let (mut term, mut sum, mut k) = (s, 0.0, 1.0);
    for _ in 0..16 {
        sum += term / k;
        term *= s2;
        k += 2.0;
    }
    e as f64 + 2.0 * sum * core::f64::consts::LOG2_E
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log2_matches_std() {
        let close = |x: f64| {
            let (ours, std) = (log2(x), x.log2());
            assert!(
                (ours - std).abs() <= 4.0 * f64::EPSILON * std.abs().max(1.0),
                "log2({x}): {ours} vs {std}"
            );
        };
        for i in 1..=5000u32 {
            close(f64::from(i));
            close(1.0 / f64::from(i));
            close(f64::from(i) / 4999.0);
        }
        for x in [
            1e-300,
            5e-324,
            1e-310,
            0.999_999_999,
            1.000_000_001,
            1e300,
            f64::MAX,
        ] {
            close(x);
        }
        for e in -1074i32..=1023 {
            // 2^e from its bits (normal, or subnormal below 2^-1022).
            let bits = if e >= -1022 {
                ((e + 1023) as u64) << 52
            } else {
                1u64 << (e + 1074)
            };
            assert_eq!(log2(f64::from_bits(bits)), f64::from(e), "2^{e}");
        }
        assert_eq!(log2(0.0), f64::NEG_INFINITY);
        assert_eq!(log2(f64::INFINITY), f64::INFINITY);
        assert!(log2(-1.0).is_nan() && log2(f64::NAN).is_nan());
    }

    #[test]
    fn entra_symbols_and_classes_cover_printable_ascii_exactly() {
        assert_eq!(ENTRA_SYMBOLS.len(), 33);
        for b in 0u8..=127 {
            let c = char::from(b);
            let printable = (0x20..0x7f).contains(&b);
            assert_eq!(CharClass::of(c).is_some(), printable, "{c:?}");
        }
        assert_eq!(CharClass::of('é'), None);
    }

    #[test]
    fn default_exclusions_leave_81_characters() {
        let alphabet = Alphabet::new(&CharClass::ALL, true, true);
        let sizes: Vec<usize> = alphabet.classes().iter().map(|(_, m)| m.len()).collect();
        assert_eq!(sizes, [24, 24, 8, 25]);
        assert_eq!(alphabet.all().len(), 81);
        for b in LOOK_ALIKES.bytes().chain(AWKWARD_SYMBOLS.bytes()) {
            assert!(!alphabet.all().contains(&b), "{}", char::from(b));
        }
        let full = Alphabet::new(&CharClass::ALL, false, false);
        assert_eq!(full.all().len(), 95);
    }

    #[test]
    fn entropy_is_just_below_the_naive_bound() {
        let alphabet = Alphabet::new(&CharClass::ALL, true, true);
        let naive = 16.0 * 81f64.log2();
        let bits = alphabet.entropy_bits(16);
        assert!(bits < naive && bits > naive - 1.0, "{bits} vs {naive}");
        // One class: every string qualifies, so the bound is exact.
        let digits = Alphabet::new(&[CharClass::Digit], false, false);
        assert!((digits.entropy_bits(10) - 10.0 * 10f64.log2()).abs() < 1e-9);
        // Two classes of one character each, length 2: only "ab" and "ba" hold both.
        let tiny = Alphabet {
            classes: vec![
                (CharClass::Lowercase, vec![b'a']),
                (CharClass::Digit, vec![b'1']),
            ],
            all: vec![b'a', b'1'],
        };
        assert!((tiny.entropy_bits(2) - 1.0).abs() < 1e-9);
        // 256 characters does not overflow.
        assert!(alphabet.entropy_bits(256).is_finite());
    }
}
