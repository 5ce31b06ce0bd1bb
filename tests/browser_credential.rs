#![cfg(target_arch = "wasm32")]
//! The generators on the browser's crypto RNG (`crypto.getRandomValues` through getrandom's
//! `wasm_js` backend), as the page runs them.

use handover::credential::{
    check_password, generate_passphrase, generate_password, PassphraseOptions, PasswordOptions,
    PolicyContext,
};
use rand::rand_core::UnwrapErr;
use rand::rngs::SysRng;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn target() -> PolicyContext {
    PolicyContext::default()
        .given_name("Anna")
        .surname("Lindqvist")
        .user_principal_name("anna.lindqvist@contoso.com")
        .tenant_name("Contoso")
}

#[wasm_bindgen_test]
fn passwords_from_the_crypto_rng_differ_and_pass_policy() {
    let mut rng = UnwrapErr(SysRng);
    let options = PasswordOptions::default();
    let first = generate_password(&mut rng, &options, &target()).unwrap();
    let second = generate_password(&mut rng, &options, &target()).unwrap();
    assert_ne!(first.expose_secret(), second.expose_secret());
    for password in [&first, &second] {
        assert_eq!(password.len(), options.length);
        assert_eq!(check_password(password.expose_secret(), &target()), Ok(()));
    }
}

#[wasm_bindgen_test]
fn passphrases_from_the_crypto_rng_differ_and_pass_policy() {
    let mut rng = UnwrapErr(SysRng);
    let options = PassphraseOptions::default();
    let first = generate_passphrase(&mut rng, &options, &target()).unwrap();
    let second = generate_passphrase(&mut rng, &options, &target()).unwrap();
    assert_ne!(first.expose_secret(), second.expose_secret());
    for phrase in [&first, &second] {
        assert_eq!(check_password(phrase.expose_secret(), &target()), Ok(()));
    }
}
