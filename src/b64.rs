//! base64url (RFC 4648 §5), the only base64 the page needs: PKCE's challenge, `state` and `nonce`,
//! the ID token's payload, and the sealed link's parts.
//!
//! Our own few lines instead of the `base64` crate's generic engines: they cost the wasm about
//! 5.8 KB. Decoding is strict: only the URL-safe alphabet, and the unused low bits of the last
//! character must be zero, so every byte string has exactly one accepted text (a changed sealed
//! link cannot decode to the same bytes).

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `bytes` as base64url without padding.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        // 1 byte gives 2 characters, 2 give 3, 3 give 4.
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

fn value(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return None,
    }))
}

/// Decodes base64url without padding; `None` for any other character (padding included), a
/// length no encoding has, or non-zero unused bits.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for chunk in text.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        let bytes = chunk.len() - 1;
        // The bits below the last whole byte must be zero (canonical form).
        if n & ((1 << (24 - 8 * bytes)) - 1) != 0 {
            return None;
        }
        for i in 0..bytes {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

/// [`decode`], also accepting the padded form (`=` to a multiple of four characters), as some
/// issuers pad JWT segments.
pub fn decode_padded_or_not(text: &str) -> Option<Vec<u8>> {
    match text.find('=') {
        None => decode(text),
        Some(at) => {
            let pad = &text[at..];
            let ok = text.len().is_multiple_of(4) && (pad == "=" || pad == "==");
            ok.then(|| decode(&text[..at])).flatten()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4648_vectors_in_the_url_alphabet() {
        let cases = [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, coded) in cases {
            assert_eq!(encode(plain.as_bytes()), coded);
            assert_eq!(decode(coded).as_deref(), Some(plain.as_bytes()), "{coded}");
        }
        // The two characters that differ from standard base64.
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(decode("-_8"), Some(vec![0xfb, 0xff]));
    }

    #[test]
    fn rejects_what_no_encoder_writes() {
        for bad in [
            "Z", "Zm9vY", "Zg=", "Zg==", "Zm+v", "Zm/v", "Zm9v\n", "Zh", "Zm9",
        ] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
        // "Zh" and "Zm9" have non-zero unused bits: "Zg" and "Zm8" are the canonical texts.
        assert_eq!(decode("Zm8"), Some(b"fo".to_vec()));
    }

    #[test]
    fn padded_form_accepted_only_where_asked_and_only_when_canonical() {
        assert_eq!(decode_padded_or_not("Zg=="), Some(b"f".to_vec()));
        assert_eq!(decode_padded_or_not("Zm8="), Some(b"fo".to_vec()));
        assert_eq!(decode_padded_or_not("Zm9v"), Some(b"foo".to_vec()));
        for bad in ["Zg=", "Zg===", "Zm8==", "Z=g=", "=", "Zm9v===="] {
            assert_eq!(decode_padded_or_not(bad), None, "{bad:?}");
        }
    }
}

/// Against the `base64` crate (a dev-dependency only): the same text for every byte string, and
/// the same accept or reject for every text.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod against_the_base64_crate {
    use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
    use base64::Engine;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn encodes_and_decodes_alike(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            let ours = super::encode(&bytes);
            prop_assert_eq!(&ours, &URL_SAFE_NO_PAD.encode(&bytes));
            prop_assert_eq!(super::decode(&ours), Some(bytes.clone()));
            prop_assert_eq!(super::decode_padded_or_not(&URL_SAFE.encode(&bytes)), Some(bytes));
        }

        #[test]
        fn accepts_exactly_what_the_crate_accepts(text in "[A-Za-z0-9_=+/-]{0,12}") {
            prop_assert_eq!(super::decode(&text), URL_SAFE_NO_PAD.decode(&text).ok());
            let either = URL_SAFE_NO_PAD.decode(&text).or_else(|_| URL_SAFE.decode(&text)).ok();
            prop_assert_eq!(super::decode_padded_or_not(&text), either);
        }
    }
}
