#![cfg(target_arch = "wasm32")]
//! Sign-in's browser half: the PKCE verifier comes from the crypto RNG, and the only thing ever
//! written to web storage is the in-flight record, removed when the callback reads it.

use handover::auth::browser::{crypto_rng, InFlight, IN_FLIGHT_KEY};
use handover::auth::pkce::{PkceVerifier, VERIFIER_MAX_LEN, VERIFIER_MIN_LEN};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn storages() -> (web_sys::Storage, web_sys::Storage) {
    let w = web_sys::window().expect("a window");
    (
        w.session_storage().ok().flatten().expect("sessionStorage"),
        w.local_storage().ok().flatten().expect("localStorage"),
    )
}

fn keys(s: &web_sys::Storage) -> Vec<String> {
    let n = s.length().unwrap_or(0);
    (0..n).filter_map(|i| s.key(i).ok().flatten()).collect()
}

#[wasm_bindgen_test]
fn verifiers_come_from_the_crypto_rng_and_differ() {
    let mut rng = crypto_rng();
    let a = PkceVerifier::generate(&mut rng);
    let b = PkceVerifier::generate(&mut rng);
    assert_ne!(a.expose_secret(), b.expose_secret());
    for v in [&a, &b] {
        let len = v.expose_secret().len();
        assert!(
            (VERIFIER_MIN_LEN..=VERIFIER_MAX_LEN).contains(&len),
            "length {len}"
        );
        assert!(v
            .expose_secret()
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-._~".contains(&c)));
    }
    assert_ne!(a.challenge_s256(), b.challenge_s256());
    // Two sign-ins never share state or nonce either.
    assert_ne!(InFlight::generate().state(), InFlight::generate().state());
}

#[wasm_bindgen_test]
fn only_the_in_flight_record_is_stored_and_it_is_removed_when_read() {
    let (session, local) = storages();
    session.clear().expect("clear");
    local.clear().expect("clear");
    let flight = InFlight::generate();
    flight.store().expect("stored");
    assert_eq!(keys(&session), vec![IN_FLIGHT_KEY.to_string()]);
    assert!(
        keys(&local).is_empty(),
        "localStorage holds {:?}",
        keys(&local)
    );

    let back = InFlight::take().expect("the record reads back");
    assert_eq!(back.state(), flight.state());
    assert!(
        keys(&session).is_empty(),
        "left behind: {:?}",
        keys(&session)
    );
    assert!(keys(&local).is_empty());
    // Used once: a second read finds nothing.
    assert!(InFlight::take().is_none());
}
