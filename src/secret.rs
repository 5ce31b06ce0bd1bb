//! A string that must not leak: the temporary password, a Temporary Access Pass, an access token,
//! or a rendered email body that carries one of them.
//!
//! `Debug` and `Display` print `[redacted]`, so a secret cannot reach a log line or the page by
//! accident; the bytes are zeroized when the value is dropped; reading the value is the explicit
//! [`Secret::expose_secret`]. It is deliberately not `Clone`: a second copy is the explicit
//! [`Secret::duplicate`], so each copy is a decision someone made.
//!
//! ```
//! use handover::secret::Secret;
//!
//! let password = Secret::new(String::from("Tr0ub4dor&3"));
//! assert_eq!(format!("{password}"), "[redacted]");
//! assert_eq!(format!("{password:?}"), "Secret([redacted])");
//! assert_eq!(password.expose_secret(), "Tr0ub4dor&3");
//! ```

use core::fmt;
use zeroize::Zeroize;

/// An owned secret string, redacted when printed and zeroized on drop.
pub struct Secret(String);

impl Secret {
    /// Takes ownership of `value`; its heap buffer is the one zeroized on drop.
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    /// The secret itself. Call it only where the value must leave Handover: the Graph request
    /// body, the email, the field the admin copies from.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// A second, independently zeroized copy, for the rare place that must own one (a UI signal
    /// that outlives the generator's result, for instance).
    pub fn duplicate(&self) -> Secret {
        Secret(self.0.clone())
    }

    /// Length in bytes; not secret in practice (the policy is public), and handy for the UI.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Wipes the whole capacity, not only the initialised length.
        self.0.zeroize();
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Reading a secret out of JSON (a token answer, say) is allowed; there is deliberately no
/// `Into<json::Value>`, so a secret cannot be written into storage or a log as JSON without an
/// explicit `expose_secret()`.
impl crate::json::FromJson for Secret {
    fn from_json(v: &crate::json::Value) -> Result<Self, crate::json::Shape> {
        String::from_json(v).map(Secret::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printing_never_shows_the_value() {
        let secret = Secret::new("hunter2-Very-Secret".to_owned());
        for shown in [
            format!("{secret}"),
            format!("{secret:?}"),
            format!("{secret:#?}"),
            format!("{:?}", Some(&secret)),
        ] {
            assert!(!shown.contains("hunter2"), "leaked: {shown}");
            assert!(shown.contains("[redacted]"), "not redacted: {shown}");
        }
    }

    #[test]
    fn expose_and_duplicate_give_the_value() {
        let secret = Secret::from("Abc-123".to_owned());
        let copy = secret.duplicate();
        drop(secret);
        assert_eq!(copy.expose_secret(), "Abc-123");
        assert_eq!(copy.len(), 7);
        assert!(!copy.is_empty());
    }

    #[test]
    fn deserializes_from_a_json_string() {
        let token: Secret = crate::json::read("\"eyJ0eXAi\"").unwrap();
        assert_eq!(token.expose_secret(), "eyJ0eXAi");
        assert_eq!(format!("{token:?}"), "Secret([redacted])");
    }

    #[test]
    fn drop_zeroizes_the_buffer() {
        // Zeroize the same way Drop does, on a buffer we still own, and look at every byte of
        // its capacity; reading freed memory after a real drop would be undefined behaviour.
        let mut value = String::with_capacity(32);
        value.push_str("Secret-Value-42");
        let ptr = value.as_ptr();
        let capacity = value.capacity();
        let mut secret = Secret::new(value);
        secret.0.zeroize();
        assert!(secret.0.is_empty());
        // SAFETY: `zeroize` on a String clears its length but keeps the allocation, which
        // `secret` still owns here; the capacity bytes are initialised (zeroed) u8.
        let bytes = unsafe { core::slice::from_raw_parts(ptr, capacity) };
        assert!(bytes.iter().all(|&b| b == 0), "bytes left: {bytes:?}");
    }
}
