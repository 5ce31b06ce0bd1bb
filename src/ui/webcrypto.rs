//! The sealed link's crypto in the page, through WebCrypto (`crypto.subtle`): PBKDF2-SHA-256
//! derives 32 bytes, [`split_master`] (the pure code the native tests run too) turns them into
//! the AES key and the check value, and AES-256-GCM seals or opens. The format and every
//! constant are [`crate::credential::sealed`]'s; `tests/browser_sealed.rs` checks this code
//! opens a vector sealed by the native twin.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};
use zeroize::Zeroize;

use crate::credential::sealed::{
    check_matches, split_master, DerivedKey, OpenError, SealedLink, AAD, ITERATIONS, IV_LEN,
    SALT_LEN,
};
use crate::secret::Secret;

/// Why the browser could not do the crypto at all (no `crypto.subtle`: an insecure context).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnlockFailure {
    Open(OpenError),
    Browser(String),
}

fn js_err(what: &str, e: JsValue) -> String {
    let detail = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| "unknown error".into());
    format!("{what}: {detail}")
}

fn subtle() -> Result<SubtleCrypto, String> {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.subtle())
        .ok_or_else(|| {
            "This browser offers no Web Crypto here (the page must be served over HTTPS)."
                .to_owned()
        })
}

fn set(o: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(o, &JsValue::from_str(key), value);
}

fn bytes(b: &[u8]) -> Uint8Array {
    Uint8Array::from(b)
}

async fn call(promise: Result<js_sys::Promise, JsValue>, what: &str) -> Result<JsValue, String> {
    let promise = promise.map_err(|e| js_err(what, e))?;
    JsFuture::from(promise).await.map_err(|e| js_err(what, e))
}

/// PBKDF2-HMAC-SHA-256(passphrase, salt, [`ITERATIONS`]) → 32 bytes.
pub async fn derive_master(passphrase: &Secret, salt: &[u8; SALT_LEN]) -> Result<[u8; 32], String> {
    let s = subtle()?;
    let pass = bytes(passphrase.expose_secret().as_bytes());
    let usages = Array::of1(&JsValue::from_str("deriveBits"));
    let base = call(
        s.import_key_with_str("raw", &pass, "PBKDF2", false, &usages),
        "importing the passphrase",
    )
    .await;
    pass.fill(0, 0, pass.length());
    let base: CryptoKey = base?.unchecked_into();
    let params = Object::new();
    set(&params, "name", &"PBKDF2".into());
    set(&params, "hash", &"SHA-256".into());
    set(&params, "salt", &bytes(salt));
    set(&params, "iterations", &ITERATIONS.into());
    let bits = call(
        s.derive_bits_with_object(&params, &base, 256),
        "deriving the key",
    )
    .await?;
    let view = Uint8Array::new(&bits);
    let mut out = [0u8; 32];
    if view.length() != 32 {
        return Err("deriving the key: the browser returned the wrong length".into());
    }
    view.copy_to(&mut out);
    view.fill(0, 0, 32);
    Ok(out)
}

async fn aes_key(key: &DerivedKey, usage: &str) -> Result<CryptoKey, String> {
    let raw = bytes(&key.0);
    let usages = Array::of1(&JsValue::from_str(usage));
    let k = call(
        subtle()?.import_key_with_str("raw", &raw, "AES-GCM", false, &usages),
        "importing the AES key",
    )
    .await;
    raw.fill(0, 0, raw.length());
    Ok(k?.unchecked_into())
}

fn gcm_params(iv: &[u8; IV_LEN]) -> Object {
    let params = Object::new();
    set(&params, "name", &"AES-GCM".into());
    set(&params, "iv", &bytes(iv));
    set(&params, "additionalData", &bytes(AAD));
    set(&params, "tagLength", &128.into());
    params
}

/// Seals `password` under `passphrase` (already normalised) with the given random salt and IV.
pub async fn seal(
    password: &Secret,
    passphrase: &Secret,
    salt: [u8; SALT_LEN],
    iv: [u8; IV_LEN],
) -> Result<SealedLink, String> {
    let mut master = derive_master(passphrase, &salt).await?;
    let (key, check) = split_master(&master);
    master.zeroize();
    let key = aes_key(&key, "encrypt").await?;
    let plain = bytes(password.expose_secret().as_bytes());
    let sealed = call(
        subtle()?.encrypt_with_object_and_js_u8_array(&gcm_params(&iv), &key, &plain),
        "encrypting",
    )
    .await;
    plain.fill(0, 0, plain.length());
    let ciphertext = Uint8Array::new(&sealed?).to_vec();
    Ok(SealedLink {
        salt,
        iv,
        check,
        ciphertext,
    })
}

/// Opens `link` with `passphrase` (already normalised): a wrong passphrase and a changed
/// ciphertext fail closed, each with its own error.
pub async fn open(link: &SealedLink, passphrase: &Secret) -> Result<Secret, UnlockFailure> {
    let mut master = derive_master(passphrase, &link.salt)
        .await
        .map_err(UnlockFailure::Browser)?;
    let (key, check) = split_master(&master);
    master.zeroize();
    if !check_matches(&check, link) {
        return Err(UnlockFailure::Open(OpenError::WrongPassphrase));
    }
    let key = aes_key(&key, "decrypt")
        .await
        .map_err(UnlockFailure::Browser)?;
    let data = bytes(&link.ciphertext);
    let promise = subtle()
        .map_err(UnlockFailure::Browser)?
        .decrypt_with_object_and_js_u8_array(&gcm_params(&link.iv), &key, &data);
    let plain = match promise {
        Ok(p) => JsFuture::from(p)
            .await
            // WebCrypto rejects with OperationError when the tag does not verify.
            .map_err(|_| UnlockFailure::Open(OpenError::Tampered))?,
        Err(e) => return Err(UnlockFailure::Browser(js_err("decrypting", e))),
    };
    let view = Uint8Array::new(&plain);
    let mut raw = view.to_vec();
    view.fill(0, 0, view.length());
    match String::from_utf8(core::mem::take(&mut raw)) {
        Ok(s) => Ok(Secret::new(s)),
        Err(e) => {
            let mut v = e.into_bytes();
            v.zeroize();
            Err(UnlockFailure::Open(OpenError::Tampered))
        }
    }
}
