#![cfg(target_arch = "wasm32")]
//! The sealed link through the browser's WebCrypto agrees with the native RustCrypto twin:
//! it opens `tests/data/sealed_v1_vector.txt`, which the native code sealed (the unit test
//! `credential::sealed::tests::vector_matches_the_native_implementation` recomputes that file
//! from the inputs below, so the two implementations are checked against the same bytes), and
//! its own links round-trip and fail closed.

use handover::credential::sealed::{
    normalize_passphrase, random_salt_iv, OpenError, SealedLink, ITERATIONS,
};
use handover::secret::Secret;
use handover::webcrypto::{open, seal, UnlockFailure};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const VECTOR: &str = include_str!("data/sealed_v1_vector.txt");
const VECTOR_PASSWORD: &str = "Correct-Horse-9-Battery";
const VECTOR_PASSPHRASE: &str = "acid-brave-coral-delta-ember";
const VECTOR_SALT: [u8; 16] = *b"handover-salt-16";
const VECTOR_IV: [u8; 12] = *b"handover-iv!";

fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[wasm_bindgen_test]
async fn webcrypto_opens_the_natively_sealed_vector_and_seals_the_same_bytes() {
    let link = SealedLink::parse(VECTOR).expect("the vector parses");
    let start = now_ms();
    let opened = open(&link, &normalize_passphrase(VECTOR_PASSPHRASE)).await;
    let open_ms = now_ms() - start;
    assert_eq!(
        opened.map(|p| p.expose_secret().to_owned()),
        Ok(VECTOR_PASSWORD.to_owned())
    );
    // Sealing the same inputs in the browser gives the very same link.
    let start = now_ms();
    let sealed = seal(
        &Secret::new(VECTOR_PASSWORD.into()),
        &Secret::new(VECTOR_PASSPHRASE.into()),
        VECTOR_SALT,
        VECTOR_IV,
    )
    .await
    .expect("seal");
    let seal_ms = now_ms() - start;
    assert_eq!(sealed.encode(), VECTOR.trim());
    console_log!(
        "WebCrypto PBKDF2-SHA-256 ({ITERATIONS} iterations) + AES-GCM: open {open_ms} ms, seal {seal_ms} ms"
    );
}

#[wasm_bindgen_test]
async fn webcrypto_round_trip_wrong_passphrase_and_flipped_byte() {
    let mut rng = handover::auth::browser::crypto_rng();
    let (salt, iv) = random_salt_iv(&mut rng);
    let phrase = Secret::new("glove-harbor-mint-quartz".into());
    let link = seal(&Secret::new("T3mp-Pass-Word!".into()), &phrase, salt, iv)
        .await
        .expect("seal");
    let text = link.fragment();
    let back = SealedLink::from_hash(&text)
        .expect("a link")
        .expect("parses");
    assert_eq!(
        open(&back, &normalize_passphrase("Glove Harbor MINT quartz"))
            .await
            .map(|p| p.expose_secret().to_owned()),
        Ok("T3mp-Pass-Word!".to_owned())
    );
    assert_eq!(
        open(&back, &Secret::new("glove-harbor-mint-quarts".into()))
            .await
            .err(),
        Some(UnlockFailure::Open(OpenError::WrongPassphrase))
    );
    let mut bad = back.clone();
    let last = bad.ciphertext.len() - 1;
    bad.ciphertext[last] ^= 0x01;
    assert_eq!(
        open(&bad, &phrase).await.err(),
        Some(UnlockFailure::Open(OpenError::Tampered))
    );
    let mut bad = back;
    bad.ciphertext[0] ^= 0x80;
    assert_eq!(
        open(&bad, &phrase).await.err(),
        Some(UnlockFailure::Open(OpenError::Tampered))
    );
}
