//! Quoting a value inside a message, as `{:?}` does, without core's `Debug` escaping: that
//! machinery (`char::escape_debug`, the `unicode::printable` tables) cost the page about 2 KB.
//!
//! [`Quoted`] and [`QuotedChar`] write exactly what `{:?}` writes for ASCII text (quotes,
//! backslash escapes, `\u{..}` for control characters), and for the invisible characters most
//! often pasted by accident (no-break and other spaces, zero-width characters, the byte-order
//! mark), so a stray one still shows in an error message. Any other character beyond ASCII is
//! written as it is, where `{:?}` would escape some (combining accents, rare scripts).
//! `quoting_matches_debug_for_ascii_and_the_invisibles` checks this over every `char`.

use core::fmt::{self, Write};

/// A string in double quotes, escaped as `{:?}` escapes ASCII: `Quoted("a\"b")` is `"a\"b"`.
pub struct Quoted<'a>(pub &'a str);

/// A character in single quotes, escaped as `{:?}` escapes ASCII: `QuotedChar('\'')` is `'\''`.
pub struct QuotedChar(pub char);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_quoted(f, self.0, '"')
    }
}

impl fmt::Display for QuotedChar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_quoted(f, self.0.encode_utf8(&mut [0u8; 4]), '\'')
    }
}

/// Characters beyond ASCII that `{:?}` escapes and [`Quoted`] escapes too: C1 controls and the
/// no-break space, the soft hyphen, the typographic spaces, zero-width characters and
/// direction marks, line and paragraph separators, the ideographic space, the byte-order mark.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{80}'..='\u{a0}'
            | '\u{ad}'
            | '\u{2000}'..='\u{200f}'
            | '\u{2028}'..='\u{202f}'
            | '\u{205f}'..='\u{206f}'
            | '\u{3000}'
            | '\u{feff}'
    )
}

fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str, quote: char) -> fmt::Result {
    f.write_char(quote)?;
    for c in s.chars() {
        match c {
            '\0' => f.write_str("\\0")?,
            '\t' => f.write_str("\\t")?,
            '\r' => f.write_str("\\r")?,
            '\n' => f.write_str("\\n")?,
            '\\' => f.write_str("\\\\")?,
            c if c == quote => {
                f.write_char('\\')?;
                f.write_char(c)?;
            }
            c if c.is_ascii_control() || invisible(c) => {
                // `\u{` and the code point in lowercase hex without leading zeros, then `}`.
                f.write_str("\\u{")?;
                let n = c as u32;
                let mut shift = 20;
                while shift > 0 && n >> shift == 0 {
                    shift -= 4;
                }
                loop {
                    f.write_char(char::from(b"0123456789abcdef"[(n >> shift) as usize & 15]))?;
                    if shift == 0 {
                        break;
                    }
                    shift -= 4;
                }
                f.write_char('}')?;
            }
            c => f.write_char(c)?,
        }
    }
    f.write_char(quote)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_matches_debug_for_ascii_and_the_invisibles() {
        let mut escaped_by_debug_only = 0;
        for c in (0..=0x10ffffu32).filter_map(char::from_u32) {
            let s = format!("a{c}b");
            let ours = Quoted(&s).to_string();
            let ours_char = QuotedChar(c).to_string();
            if c.is_ascii() || invisible(c) {
                assert_eq!(ours, format!("{s:?}"), "U+{:04X}", c as u32);
                assert_eq!(ours_char, format!("{c:?}"), "U+{:04X}", c as u32);
            } else {
                // Written as it is (where `{:?}` might write `\u{..}`).
                assert_eq!(ours, format!("\"a{c}b\""), "U+{:04X}", c as u32);
                assert_eq!(ours_char, format!("'{c}'"), "U+{:04X}", c as u32);
                escaped_by_debug_only += usize::from(format!("{s:?}") != ours);
            }
        }
        // The known difference: characters `{:?}` escapes beyond the invisibles listed above.
        assert!(escaped_by_debug_only > 0);
    }

    #[test]
    fn quoting_examples_read_as_debug_would() {
        assert_eq!(Quoted("").to_string(), "\"\"");
        assert_eq!(
            Quoted("\"Segoe UI\", sans-serif").to_string(),
            r#""\"Segoe UI\", sans-serif""#
        );
        assert_eq!(Quoted("C:\\logo.png").to_string(), r#""C:\\logo.png""#);
        assert_eq!(
            Quoted("it's\t\u{1}\u{7f}").to_string(),
            r#""it's\t\u{1}\u{7f}""#
        );
        assert_eq!(
            Quoted("contoso\u{200b}.com\u{feff}").to_string(),
            r#""contoso\u{200b}.com\u{feff}""#
        );
        assert_eq!(Quoted("Zürich 東京").to_string(), "\"Zürich 東京\"");
        assert_eq!(QuotedChar('\'').to_string(), r"'\''");
        assert_eq!(QuotedChar('"').to_string(), r#"'"'"#);
        assert_eq!(QuotedChar('\u{a0}').to_string(), r"'\u{a0}'");
        assert_eq!(QuotedChar('·').to_string(), "'·'");
    }
}
