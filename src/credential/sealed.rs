//! The sealed link: a one-time-view without a server. The password travels in the URL fragment
//! of a link to Handover's own unlock view, encrypted with a key derived from a passphrase that
//! the admin reads to the user by phone. Browsers never send the fragment to any server, so the
//! plaintext sits in no mailbox and no log.
//!
//! This module is the format and the pure arithmetic around the crypto; the page does the
//! PBKDF2 and AES-GCM through WebCrypto (`ui/webcrypto.rs`), the tests through RustCrypto.
//!
//! Format `v1` (the fragment is `#unlock=` followed by it):
//!
//! ```text
//! v1.<salt>.<iv>.<check>.<ciphertext and tag>      each part base64url without padding
//! ```
//!
//! - the passphrase is normalised ([`normalize_passphrase`]: words with ASCII letters lowercased,
//!   joined by `-`);
//! - `master` = PBKDF2-HMAC-SHA-256(passphrase, salt (16 random bytes), [`ITERATIONS`] = 600,000,
//!   32 bytes) — the iteration count is fixed by the version, never read from the link, so a
//!   forged link cannot lower it;
//! - `key` = HMAC-SHA-256(master, [`KEY_LABEL`]), `check` = the first 16 bytes of
//!   HMAC-SHA-256(master, [`CHECK_LABEL`]) ([`split_master`]). The check tells a wrong passphrase
//!   from a tampered ciphertext (AES-GCM alone cannot tell them apart), and says no more about
//!   the passphrase than the ciphertext itself does;
//! - the ciphertext is AES-256-GCM(key, iv (12 random bytes), the password's UTF-8, additional
//!   data [`AAD`]) with its 16-byte tag appended, as WebCrypto returns it.
//!
//! A later format changes the leading `v1`; [`SealedLink::parse`] refuses any version it does not
//! know, with a message saying to open the link in a newer Handover.

use core::fmt;
use rand::{CryptoRng, RngExt};
use zeroize::Zeroize;

use super::passphrase::{push_word, WORD_LIST_LEN};
use crate::secret::Secret;

/// The format this version writes and reads.
pub const VERSION: &str = "v1";
/// PBKDF2-HMAC-SHA-256 iterations of `v1` (OWASP's figure for PBKDF2-SHA-256).
pub const ITERATIONS: u32 = 600_000;
pub const SALT_LEN: usize = 16;
pub const IV_LEN: usize = 12;
pub const CHECK_LEN: usize = 16;
pub const TAG_LEN: usize = 16;
/// HMAC label of the AES key.
pub const KEY_LABEL: &[u8] = b"handover sealed link v1: AES-256-GCM key";
/// HMAC label of the passphrase check.
pub const CHECK_LABEL: &[u8] = b"handover sealed link v1: passphrase check";
/// AES-GCM additional data: binds the ciphertext to the format.
pub const AAD: &[u8] = b"handover sealed link v1";
/// The fragment's key: `#unlock=...`.
pub const FRAGMENT_PREFIX: &str = "#unlock=";
/// Words of an unlock passphrase: at least 4 (44 bits, each guess costing 600,000 HMACs).
pub const MIN_UNLOCK_WORDS: usize = 4;
pub const DEFAULT_UNLOCK_WORDS: usize = 5;
/// A password longer than this is not sealed (Entra's limit is 256 characters).
pub const MAX_PLAINTEXT: usize = 1024;

/// A parsed sealed link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedLink {
    pub salt: [u8; SALT_LEN],
    pub iv: [u8; IV_LEN],
    pub check: [u8; CHECK_LEN],
    /// Ciphertext with the GCM tag appended.
    pub ciphertext: Vec<u8>,
}

/// Why a link cannot be read at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkError {
    /// Written by a newer (or unknown) Handover.
    UnsupportedVersion(String),
    /// Cut short or altered: a part is missing or not base64url of the right size.
    Malformed(&'static str),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::UnsupportedVersion(v) => write!(
                f,
                "This link was made by a different version of Handover (format \u{201c}{v}\u{201d}). \
                 Open it with the Handover page it came from, or ask for a new link."
            ),
            LinkError::Malformed(what) => write!(
                f,
                "This link is incomplete or was altered ({what}). Copy the whole link from the \
                 email into the address bar, or ask for a new link."
            ),
        }
    }
}

/// Why opening failed (the link itself was readable).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenError {
    /// The passphrase does not derive the link's check value.
    WrongPassphrase,
    /// The passphrase is right but the ciphertext fails authentication: it was changed.
    Tampered,
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OpenError::WrongPassphrase => {
                "That passphrase does not open this link. Check each word with the person who \
                 read it to you and try again."
            }
            OpenError::Tampered => {
                "The passphrase is right, but the link was changed after it was made, so the \
                 password cannot be recovered from it. Ask for a new link."
            }
        })
    }
}

fn decode<const N: usize>(part: &str, what: &'static str) -> Result<[u8; N], LinkError> {
    let bytes = crate::b64::decode(part).ok_or(LinkError::Malformed(what))?;
    bytes.try_into().map_err(|_| LinkError::Malformed(what))
}

impl SealedLink {
    /// `v1.<salt>.<iv>.<check>.<ciphertext>`.
    pub fn encode(&self) -> String {
        let mut s = String::from(VERSION);
        for part in [
            &self.salt[..],
            &self.iv[..],
            &self.check[..],
            &self.ciphertext[..],
        ] {
            s.push('.');
            s.push_str(&crate::b64::encode(part));
        }
        s
    }

    /// `#unlock=` and [`SealedLink::encode`].
    pub fn fragment(&self) -> String {
        format!("{FRAGMENT_PREFIX}{}", self.encode())
    }

    /// Reads [`SealedLink::encode`]'s text; checks the version first.
    pub fn parse(text: &str) -> Result<SealedLink, LinkError> {
        let text = text.trim();
        let mut parts = text.split('.');
        let version = parts.next().unwrap_or_default();
        if version != VERSION {
            return Err(LinkError::UnsupportedVersion(
                version.chars().take(16).collect(),
            ));
        }
        let salt = decode::<SALT_LEN>(parts.next().unwrap_or_default(), "salt")?;
        let iv = decode::<IV_LEN>(parts.next().unwrap_or_default(), "iv")?;
        let check = decode::<CHECK_LEN>(parts.next().unwrap_or_default(), "check")?;
        let ciphertext = crate::b64::decode(parts.next().unwrap_or_default())
            .ok_or(LinkError::Malformed("ciphertext"))?;
        if ciphertext.len() <= TAG_LEN || ciphertext.len() > MAX_PLAINTEXT * 4 + TAG_LEN {
            return Err(LinkError::Malformed("ciphertext length"));
        }
        if parts.next().is_some() {
            return Err(LinkError::Malformed("extra parts"));
        }
        Ok(SealedLink {
            salt,
            iv,
            check,
            ciphertext,
        })
    }

    /// The link in a page's `location.hash`: `None` when the hash is not a sealed link.
    pub fn from_hash(hash: &str) -> Option<Result<SealedLink, LinkError>> {
        hash.strip_prefix(FRAGMENT_PREFIX).map(SealedLink::parse)
    }
}

/// The link to send: the page's address without query or fragment, and the fragment.
pub fn link_url(page_url: &str, link: &SealedLink) -> String {
    let end = page_url.find(['?', '#']).unwrap_or(page_url.len());
    format!("{}{}", &page_url[..end], link.fragment())
}

/// Fresh random salt and IV.
pub fn random_salt_iv<R: CryptoRng + ?Sized>(rng: &mut R) -> ([u8; SALT_LEN], [u8; IV_LEN]) {
    let mut salt = [0u8; SALT_LEN];
    let mut iv = [0u8; IV_LEN];
    rng.fill(&mut salt[..]);
    rng.fill(&mut iv[..]);
    (salt, iv)
}

/// An unlock passphrase: `words` (at least [`MIN_UNLOCK_WORDS`]) random words of the credential
/// word list, lowercase, joined by `-` (easy to read aloud and to type).
pub fn generate_unlock_passphrase<R: CryptoRng + ?Sized>(rng: &mut R, words: usize) -> Secret {
    let words = words.max(MIN_UNLOCK_WORDS);
    let mut s = String::with_capacity(words * 9);
    for i in 0..words {
        if i > 0 {
            s.push('-');
        }
        push_word(rng.random_range(0..WORD_LIST_LEN), false, &mut s);
    }
    Secret::new(s)
}

/// What the user typed, as the key derivation's input: ASCII letters lowercased, any run of
/// spaces, dashes or other separators between the words becomes one `-`.
///
/// Only ASCII is case-folded: every unlock passphrase is made of the credential word list, which
/// is ASCII lowercase, so a letter beyond ASCII can never be part of a right answer. It is kept
/// as typed (a letter, not a separator), so such a passphrase simply does not open the link;
/// Unicode's case tables would cost the page about 12 KB.
pub fn normalize_passphrase(typed: &str) -> Secret {
    let mut out = String::with_capacity(typed.len());
    let mut gap = false;
    for c in typed.chars() {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.push(c.to_ascii_lowercase());
        } else {
            gap = true;
        }
    }
    Secret::new(out)
}

/// HMAC-SHA-256 (RFC 2104) on the page's one SHA-256 ([`crate::sha256::sha256`]): the same code
/// in the browser (`ui/webcrypto.rs` calls [`split_master`]) and in the native tests. A key
/// longer than the 64-byte block is hashed first; every buffer holding the key is overwritten
/// before returning.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    use crate::sha256::sha256;
    let mut hashed = [0u8; 32];
    let key = if key.len() > 64 {
        hashed = sha256(key);
        &hashed[..]
    } else {
        key
    };
    // The key zero-padded to the block, XORed with ipad (then opad), followed by the data.
    let mut buf = Vec::with_capacity(64 + message.len().max(32));
    let pad = |buf: &mut Vec<u8>, with: u8| {
        buf.clear();
        buf.extend((0..64).map(|i| key.get(i).copied().unwrap_or(0) ^ with));
    };
    pad(&mut buf, 0x36);
    buf.extend_from_slice(message);
    let mut inner = sha256(&buf);
    pad(&mut buf, 0x5c);
    buf.extend_from_slice(&inner);
    let out = sha256(&buf);
    buf.zeroize();
    inner.zeroize();
    hashed.zeroize();
    out
}

/// The AES key and the check value from PBKDF2's 32-byte output (which the caller zeroizes).
pub fn split_master(master: &[u8; 32]) -> (DerivedKey, [u8; CHECK_LEN]) {
    let key = DerivedKey(hmac_sha256(master, KEY_LABEL));
    let mut full = hmac_sha256(master, CHECK_LABEL);
    let mut check = [0u8; CHECK_LEN];
    check.copy_from_slice(&full[..CHECK_LEN]);
    full.zeroize();
    (key, check)
}

/// Whether `derived` equals the link's check, in time independent of where they differ.
pub fn check_matches(derived: &[u8; CHECK_LEN], link: &SealedLink) -> bool {
    derived
        .iter()
        .zip(link.check.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

/// A raw AES-256 key, zeroized on drop, never printed.
pub struct DerivedKey(pub [u8; 32]);

impl Drop for DerivedKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for DerivedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DerivedKey([redacted])")
    }
}

/// The RustCrypto twin of the page's WebCrypto code, for native tests and the test vector.
#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) mod native {
    use super::*;
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use aes_gcm::{Aes256Gcm, Nonce};
    use sha2::{Digest, Sha256};

    const SHA256_H0: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];

    fn words_to_bytes(state: &[u32; 8], out: &mut [u8]) {
        for (chunk, w) in out.chunks_exact_mut(4).zip(state) {
            chunk.copy_from_slice(&w.to_be_bytes());
        }
    }

    fn put_words(words: &[u32; 8], block: &mut [u8]) {
        for i in 0..8 {
            let b = words[i].to_be_bytes();
            block[4 * i] = b[0];
            block[4 * i + 1] = b[1];
            block[4 * i + 2] = b[2];
            block[4 * i + 3] = b[3];
        }
    }

    /// PBKDF2-HMAC-SHA-256 for one 32-byte block, with the HMAC pads absorbed once and each
    /// iteration two calls of `sha2`'s (optimised, non-generic) compression function: the
    /// generic `pbkdf2` crate takes ~18 s for 600,000 iterations in a debug build because its
    /// code is instantiated in this crate at opt-level 0. `pbkdf2_matches_the_pbkdf2_crate`
    /// checks the two agree.
    pub fn pbkdf2_sha256(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
        use sha2::digest::generic_array::GenericArray;
        let mut key = [0u8; 64];
        if password.len() > 64 {
            key[..32].copy_from_slice(&Sha256::digest(password));
        } else {
            key[..password.len()].copy_from_slice(password);
        }
        let mut istate = SHA256_H0;
        let mut ostate = SHA256_H0;
        let mut pad = [0u8; 64];
        for (p, k) in pad.iter_mut().zip(&key) {
            *p = k ^ 0x36;
        }
        sha2::compress256(&mut istate, &[GenericArray::clone_from_slice(&pad)]);
        for (p, k) in pad.iter_mut().zip(&key) {
            *p = k ^ 0x5c;
        }
        sha2::compress256(&mut ostate, &[GenericArray::clone_from_slice(&pad)]);
        let mut first = Vec::with_capacity(salt.len() + 4);
        first.extend_from_slice(salt);
        first.extend_from_slice(&1u32.to_be_bytes());
        let u1 = hmac_sha256(password, &first);
        let mut u = [0u32; 8];
        for (w, c) in u.iter_mut().zip(u1.chunks_exact(4)) {
            *w = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
        }
        let mut t = u;
        // One padded block: 32 bytes of data after a 64-byte pad, so 768 bits in all.
        let mut block = GenericArray::clone_from_slice(&[0u8; 64]);
        block[32] = 0x80;
        block[62] = 0x03;
        let blocks = core::slice::from_mut(&mut block);
        for _ in 1..iterations {
            put_words(&u, &mut blocks[0]);
            let mut s = istate;
            sha2::compress256(&mut s, blocks);
            put_words(&s, &mut blocks[0]);
            u = ostate;
            sha2::compress256(&mut u, blocks);
            for i in 0..8 {
                t[i] ^= u[i];
            }
        }
        let mut out = [0u8; 32];
        words_to_bytes(&t, &mut out);
        block.zeroize();
        u.zeroize();
        t.zeroize();
        key.zeroize();
        pad.zeroize();
        out
    }

    pub fn master(passphrase: &Secret, salt: &[u8; SALT_LEN]) -> [u8; 32] {
        pbkdf2_sha256(passphrase.expose_secret().as_bytes(), salt, ITERATIONS)
    }

    /// Seals `password` with the (normalised) `passphrase` and the given salt and IV.
    pub fn seal(
        password: &Secret,
        passphrase: &Secret,
        salt: [u8; SALT_LEN],
        iv: [u8; IV_LEN],
    ) -> SealedLink {
        let mut m = master(passphrase, &salt);
        let (key, check) = split_master(&m);
        m.zeroize();
        let cipher = Aes256Gcm::new_from_slice(&key.0).unwrap_or_else(|e| panic!("{e}"));
        let ciphertext = cipher
            .encrypt(
                Nonce::from_slice(&iv),
                Payload {
                    msg: password.expose_secret().as_bytes(),
                    aad: AAD,
                },
            )
            .unwrap_or_else(|e| panic!("{e}"));
        SealedLink {
            salt,
            iv,
            check,
            ciphertext,
        }
    }

    /// Opens `link` with `passphrase` (normalised).
    pub fn open(link: &SealedLink, passphrase: &Secret) -> Result<Secret, OpenError> {
        let mut m = master(passphrase, &link.salt);
        let opened = open_with(link, &m);
        m.zeroize();
        opened
    }

    /// [`open`] after the derivation (PBKDF2's output for the link's salt).
    pub fn open_with(link: &SealedLink, master: &[u8; 32]) -> Result<Secret, OpenError> {
        let (key, check) = split_master(master);
        if !check_matches(&check, link) {
            return Err(OpenError::WrongPassphrase);
        }
        let cipher = Aes256Gcm::new_from_slice(&key.0).map_err(|_| OpenError::Tampered)?;
        let plain = cipher
            .decrypt(
                Nonce::from_slice(&link.iv),
                Payload {
                    msg: &link.ciphertext,
                    aad: AAD,
                },
            )
            .map_err(|_| OpenError::Tampered)?;
        String::from_utf8(plain)
            .map(Secret::new)
            .map_err(|_| OpenError::Tampered)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::native::{master, open, open_with, seal};
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};
    use sha2::Sha256;

    /// The vector the browser test (`tests/browser_sealed.rs`) decrypts through WebCrypto. It is
    /// the output of [`seal`] on the inputs below; `vector_matches_the_native_implementation`
    /// recomputes it, so editing the file by hand fails that test.
    const VECTOR: &str = include_str!("../../tests/data/sealed_v1_vector.txt");
    const VECTOR_PASSWORD: &str = "Correct-Horse-9-Battery";
    const VECTOR_PASSPHRASE: &str = "acid-brave-coral-delta-ember";
    const VECTOR_SALT: [u8; 16] = *b"handover-salt-16";
    const VECTOR_IV: [u8; 12] = *b"handover-iv!";

    #[test]
    fn round_trip_and_the_format_parses_back() {
        let mut rng = StdRng::seed_from_u64(10);
        let phrase = generate_unlock_passphrase(&mut rng, DEFAULT_UNLOCK_WORDS);
        let (salt, iv) = random_salt_iv(&mut rng);
        let password = Secret::new("Sn0w-Fall-Quiet-7?".into());
        let start = std::time::Instant::now();
        let link = seal(&password, &phrase, salt, iv);
        let sealed_ms = start.elapsed().as_millis();
        let text = link.fragment();
        assert!(text.starts_with("#unlock=v1."));
        assert!(!text.contains("Sn0w"));
        let parsed = match SealedLink::from_hash(&text) {
            Some(Ok(l)) => l,
            other => panic!("{other:?}"),
        };
        assert_eq!(parsed, link);
        // What the user types: spaces and capitals are fine.
        let typed = phrase.expose_secret().replace('-', "  ").to_uppercase();
        let start = std::time::Instant::now();
        let opened = open(&parsed, &normalize_passphrase(&typed));
        let opened_ms = start.elapsed().as_millis();
        match opened {
            Ok(p) => assert_eq!(p.expose_secret(), "Sn0w-Fall-Quiet-7?"),
            Err(e) => panic!("{e}"),
        }
        eprintln!("native PBKDF2 (600,000 iterations) + AES-GCM: seal {sealed_ms} ms, open {opened_ms} ms");
    }

    #[test]
    fn wrong_passphrase_and_flipped_byte_fail_closed_each_with_its_message() {
        let phrase = Secret::new("acid-brave-coral-delta".into());
        let link = seal(
            &Secret::new("P@ssw0rd-long-enough".into()),
            &phrase,
            [7; 16],
            [9; 12],
        );
        assert_eq!(
            open(&link, &Secret::new("acid-brave-coral-delto".into())).err(),
            Some(OpenError::WrongPassphrase)
        );
        // The right passphrase opens it; the derivation (the same salt below) is done once.
        let m = master(&phrase, &link.salt);
        assert_eq!(
            open_with(&link, &m).map(|p| p.expose_secret().to_owned()),
            Ok("P@ssw0rd-long-enough".to_owned())
        );
        // A flipped bit anywhere in the ciphertext or tag.
        for at in [0, link.ciphertext.len() / 2, link.ciphertext.len() - 1] {
            let mut bad = link.clone();
            bad.ciphertext[at] ^= 0x01;
            assert_eq!(
                open_with(&bad, &m).err(),
                Some(OpenError::Tampered),
                "byte {at}"
            );
        }
        // A link cut short in the ciphertext.
        let mut bad = link.clone();
        bad.ciphertext.truncate(bad.ciphertext.len() - 3);
        assert_eq!(open_with(&bad, &m).err(), Some(OpenError::Tampered));
        // A changed IV or check value is tampering too.
        let mut bad = link.clone();
        bad.iv[0] ^= 0x80;
        assert_eq!(open_with(&bad, &m).err(), Some(OpenError::Tampered));
        let mut bad = link.clone();
        bad.check[3] ^= 0x04;
        assert_eq!(open_with(&bad, &m).err(), Some(OpenError::WrongPassphrase));
        // A changed salt derives another key: reported as a wrong passphrase, never a plaintext.
        let mut bad = link.clone();
        bad.salt[0] ^= 0x80;
        assert!(open(&bad, &phrase).is_err());
        assert!(OpenError::WrongPassphrase
            .to_string()
            .contains("passphrase"));
        assert!(OpenError::Tampered.to_string().contains("changed"));
    }

    #[test]
    fn the_version_is_checked_and_bad_links_are_typed() {
        let link = SealedLink {
            salt: [1; 16],
            iv: [2; 12],
            check: [3; 16],
            ciphertext: vec![4; 40],
        };
        let text = link.encode();
        assert_eq!(SealedLink::parse(&text), Ok(link.clone()));
        assert_eq!(
            SealedLink::parse(&text.replacen("v1.", "v2.", 1)),
            Err(LinkError::UnsupportedVersion("v2".into()))
        );
        // Cut inside the salt: unreadable. (A shortened ciphertext still parses; AES-GCM then
        // refuses it, see the fail-closed test.)
        assert!(matches!(
            SealedLink::parse(&text[..12]),
            Err(LinkError::Malformed("salt"))
        ));
        assert!(matches!(
            SealedLink::parse(&format!("{text}.extra")),
            Err(LinkError::Malformed("extra parts"))
        ));
        assert!(matches!(
            SealedLink::parse("v1.AAAA"),
            Err(LinkError::Malformed("salt"))
        ));
        assert!(matches!(
            SealedLink::parse("v1"),
            Err(LinkError::Malformed(_))
        ));
        assert_eq!(SealedLink::from_hash("#other=1"), None);
        assert!(LinkError::UnsupportedVersion("v9".into())
            .to_string()
            .contains("new link"));
        assert_eq!(
            link_url("https://h.example/app/?x=1#old", &link),
            format!("https://h.example/app/#unlock={text}")
        );
    }

    #[test]
    fn passphrases_have_enough_words_and_normalise() {
        let mut rng = StdRng::seed_from_u64(3);
        let p = generate_unlock_passphrase(&mut rng, 2);
        assert_eq!(p.expose_secret().split('-').count(), MIN_UNLOCK_WORDS);
        let q = generate_unlock_passphrase(&mut rng, 6);
        assert_eq!(q.expose_secret().split('-').count(), 6);
        assert!(q
            .expose_secret()
            .chars()
            .all(|c| c == '-' || c.is_ascii_lowercase()));
        assert_eq!(
            normalize_passphrase("  Acid Brave\tcoral--delta ").expose_secret(),
            "acid-brave-coral-delta"
        );
        assert_eq!(format!("{p:?}"), "Secret([redacted])");
    }

    #[test]
    fn normalising_folds_ascii_case_only_and_keeps_other_letters() {
        let norm = |typed: &str| normalize_passphrase(typed).expose_secret().to_owned();
        // Capitals, spaces, underscores, dots, dashes and tabs: one lowercase `-`-joined phrase.
        assert_eq!(norm("ACID_Brave . coral-\tDELTA"), "acid-brave-coral-delta");
        assert_eq!(norm("__acid--brave__"), "acid-brave");
        assert_eq!(norm("Acid7 BRAVE9"), "acid7-brave9");
        // Separators beyond ASCII (a no-break space, an em dash a phone may type for `--`)
        // still separate.
        assert_eq!(norm("acid\u{a0}brave\u{2014}coral"), "acid-brave-coral");
        // A letter beyond ASCII is kept as typed: neither folded nor turned into a separator, so
        // the phrase cannot collide with a generated one (the word list is ASCII).
        assert_eq!(norm("\u{c9}CLAIR brave"), "\u{c9}clair-brave");
        assert_eq!(norm("\u{e9}clair"), "\u{e9}clair");
        assert_ne!(norm("\u{c9}clair"), norm("\u{e9}clair"));
        assert_eq!(norm("caf\u{c9}-acid"), "caf\u{c9}-acid");
        // Every generated passphrase normalises to itself, typed in any ASCII case.
        let mut rng = StdRng::seed_from_u64(11);
        for _ in 0..50 {
            let p = generate_unlock_passphrase(&mut rng, 5);
            let p = p.expose_secret();
            assert_eq!(norm(p), p);
            assert_eq!(norm(&p.to_ascii_uppercase().replace('-', " ")), p);
        }
    }

    #[test]
    fn hmac_matches_rfc_4231_and_the_hmac_crate() {
        use hmac::{Hmac, Mac};
        let hex = |b: &[u8]| -> String { b.iter().map(|b| format!("{b:02x}")).collect() };
        let key4: Vec<u8> = (1..=25).collect();
        let long_key = [0xaau8; 131];
        // RFC 4231, section 4: test cases 1 to 7 (case 5 compares the first 128 bits).
        let cases: [(&[u8], &[u8], &str); 7] = [
            (
                &[0x0b; 20],
                b"Hi There",
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            ),
            (
                b"Jefe",
                b"what do ya want for nothing?",
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                &[0xaa; 20],
                &[0xdd; 50],
                "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
            ),
            (
                &key4,
                &[0xcd; 50],
                "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
            ),
            (
                &[0x0c; 20],
                b"Test With Truncation",
                "a3b6167473100ee06e0c796c2955552b",
            ),
            (
                &long_key,
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
            (
                &long_key,
                b"This is a test using a larger than block-size key and a larger than \
                  block-size data. The key needs to be hashed before being used by the HMAC \
                  algorithm.",
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
            ),
        ];
        for (i, (key, data, expected)) in cases.iter().enumerate() {
            let out = hmac_sha256(key, data);
            assert_eq!(hex(&out[..expected.len() / 2]), *expected, "case {}", i + 1);
        }
        // Keys and messages of every length around the block edges, against the hmac crate.
        for key_len in [0usize, 1, 31, 32, 33, 63, 64, 65, 131] {
            for msg_len in [0usize, 1, 55, 56, 63, 64, 65, 119, 120, 200] {
                let key: Vec<u8> = (0..key_len).map(|i| (i * 7 + 1) as u8).collect();
                let msg: Vec<u8> = (0..msg_len).map(|i| (i * 13 + 5) as u8).collect();
                let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(&key) {
                    Ok(m) => m,
                    Err(e) => panic!("{e}"),
                };
                mac.update(&msg);
                assert_eq!(
                    hmac_sha256(&key, &msg)[..],
                    mac.finalize().into_bytes()[..],
                    "key {key_len} bytes, message {msg_len} bytes"
                );
            }
        }
    }

    #[test]
    fn split_master_is_the_two_labelled_hmacs() {
        let master: [u8; 32] = core::array::from_fn(|i| i as u8);
        let (key, check) = split_master(&master);
        assert_eq!(key.0, hmac_sha256(&master, KEY_LABEL));
        assert_eq!(check[..], hmac_sha256(&master, CHECK_LABEL)[..CHECK_LEN]);
        assert_ne!(key.0[..CHECK_LEN], check[..]);
    }

    #[test]
    fn pbkdf2_matches_the_pbkdf2_crate() {
        // RFC 7914, section 11: PBKDF2-HMAC-SHA-256("passwd", "salt", 1), first 32 bytes.
        let hex: String = super::native::pbkdf2_sha256(b"passwd", b"salt", 1)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        );
        for (password, iterations) in [
            (&b"acid-brave-coral-delta"[..], 2u32),
            (&b"x"[..], 1000),
            (&[0x61u8; 80][..], 3000),
        ] {
            let mut expected = [0u8; 32];
            pbkdf2::pbkdf2_hmac::<Sha256>(password, b"handover-salt-16", iterations, &mut expected);
            assert_eq!(
                super::native::pbkdf2_sha256(password, b"handover-salt-16", iterations),
                expected,
                "{iterations} iterations"
            );
        }
    }

    #[test]
    fn vector_matches_the_native_implementation() {
        let link = seal(
            &Secret::new(VECTOR_PASSWORD.into()),
            &Secret::new(VECTOR_PASSPHRASE.into()),
            VECTOR_SALT,
            VECTOR_IV,
        );
        assert_eq!(
            VECTOR.trim(),
            link.encode(),
            "tests/data/sealed_v1_vector.txt differs from what the native code seals"
        );
    }
}
