//! What the target's registered sign-in methods mean for the handover: a user who has nothing but
//! a password must register MFA at their first sign-in (and a Conditional Access policy that
//! requires phishing-resistant methods would block them outright), so a Temporary Access Pass is
//! the better credential to hand over.
//!
//! The methods come from `GET /users/{id}/authentication/methods` (read in the Review's `$batch`),
//! each typed by `@odata.type`. A type Handover does not know is kept as [`MethodKind::Other`],
//! never a failure; a failed read (403 without `UserAuthenticationMethod.Read.All`, or a role
//! that may not read methods) is [`MethodsAdvice::Unknown`], never a failed Review.

use crate::graph::model::AuthenticationMethod;
use crate::graph::GraphFailure;

/// One kind of registered method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MethodKind {
    Password,
    MicrosoftAuthenticator,
    Phone,
    Fido2,
    WindowsHelloForBusiness,
    PlatformCredential,
    TemporaryAccessPass,
    Email,
    SoftwareOath,
    X509Certificate,
    /// A type this version of Handover does not know (Graph adds kinds over time).
    Other,
}

impl MethodKind {
    /// The kind of a method from its `@odata.type` (`#microsoft.graph.fido2AuthenticationMethod`);
    /// the prefix and case do not matter.
    pub fn from_odata_type(odata_type: &str) -> MethodKind {
        let name = odata_type.rsplit('.').next().unwrap_or(odata_type);
        let name = name.strip_prefix('#').unwrap_or(name);
        let known: [(&str, MethodKind); 10] = [
            ("passwordAuthenticationMethod", MethodKind::Password),
            (
                "microsoftAuthenticatorAuthenticationMethod",
                MethodKind::MicrosoftAuthenticator,
            ),
            ("phoneAuthenticationMethod", MethodKind::Phone),
            ("fido2AuthenticationMethod", MethodKind::Fido2),
            (
                "windowsHelloForBusinessAuthenticationMethod",
                MethodKind::WindowsHelloForBusiness,
            ),
            (
                "platformCredentialAuthenticationMethod",
                MethodKind::PlatformCredential,
            ),
            (
                "temporaryAccessPassAuthenticationMethod",
                MethodKind::TemporaryAccessPass,
            ),
            ("emailAuthenticationMethod", MethodKind::Email),
            ("softwareOathAuthenticationMethod", MethodKind::SoftwareOath),
            (
                "x509CertificateAuthenticationMethod",
                MethodKind::X509Certificate,
            ),
        ];
        known
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or(MethodKind::Other, |(_, k)| *k)
    }

    /// The method in the admin's words.
    pub fn label(self) -> &'static str {
        match self {
            MethodKind::Password => "Password",
            MethodKind::MicrosoftAuthenticator => "Microsoft Authenticator",
            MethodKind::Phone => "Phone (SMS or voice)",
            MethodKind::Fido2 => "FIDO2 security key or passkey",
            MethodKind::WindowsHelloForBusiness => "Windows Hello for Business",
            MethodKind::PlatformCredential => "Platform credential (macOS)",
            MethodKind::TemporaryAccessPass => "Temporary Access Pass",
            MethodKind::Email => "Email (self-service password reset only)",
            MethodKind::SoftwareOath => "Software OATH token",
            MethodKind::X509Certificate => "Certificate",
            MethodKind::Other => "Other method",
        }
    }

    /// Whether the method satisfies MFA on its own second factor (email only serves SSPR, a
    /// password is the first factor).
    pub fn is_second_factor(self) -> bool {
        !matches!(self, MethodKind::Password | MethodKind::Email)
    }

    /// Whether Microsoft counts it as phishing-resistant.
    pub fn is_phishing_resistant(self) -> bool {
        matches!(
            self,
            MethodKind::Fido2
                | MethodKind::WindowsHelloForBusiness
                | MethodKind::PlatformCredential
                | MethodKind::X509Certificate
        )
    }
}

/// What the Review says about the target's methods.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MethodsAdvice {
    /// The methods were not read (the review was asked without them).
    NotRead,
    /// The read failed: say so, advise nothing.
    Unknown { why: String },
    /// The methods, sorted and without duplicates, and the advice that follows from them.
    Known {
        kinds: Vec<MethodKind>,
        /// `Some(reason)` when a Temporary Access Pass is the recommended credential.
        recommend_tap: Option<String>,
        /// Whether a phishing-resistant method is registered.
        phishing_resistant: bool,
    },
}

/// The text of the TAP recommendation for a user with a password only.
pub const PASSWORD_ONLY_REASON: &str = "This user has no sign-in method besides a password: \
Microsoft Entra will require them to register MFA at their first sign-in, and a Conditional \
Access policy that requires phishing-resistant methods would block them. A Temporary Access \
Pass lets them sign in and register a method (Authenticator, a passkey) in one go, so it is the \
recommended credential.";

/// The advice for the methods read at Review (`None`: not read).
pub fn advise(read: Option<&Result<Vec<AuthenticationMethod>, GraphFailure>>) -> MethodsAdvice {
    let methods = match read {
        None => return MethodsAdvice::NotRead,
        Some(Err(failure)) => {
            let why = match failure.graph_error().map(|e| e.status) {
                Some(403) => "Your sign-in may not read this user's sign-in methods (it needs \
                    UserAuthenticationMethod.Read.All and a role such as Authentication \
                    Administrator), so Handover cannot say whether a Temporary Access Pass would \
                    serve them better."
                    .to_owned(),
                _ => format!("The sign-in methods could not be read ({failure})."),
            };
            return MethodsAdvice::Unknown { why };
        }
        Some(Ok(m)) => m,
    };
    let kinds = super::sorted_unique(methods.iter().map(|m| {
        m.odata_type
            .as_deref()
            .map_or(MethodKind::Other, MethodKind::from_odata_type)
    }));
    let has_second_factor = kinds.iter().any(|k| k.is_second_factor());
    MethodsAdvice::Known {
        recommend_tap: (!has_second_factor).then(|| PASSWORD_ONLY_REASON.to_owned()),
        phishing_resistant: kinds.iter().any(|k| k.is_phishing_resistant()),
        kinds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{BatchAnswer, Collection};

    fn methods(json: &str) -> Vec<AuthenticationMethod> {
        match crate::json::read::<Collection<AuthenticationMethod>>(json) {
            Ok(c) => c.value,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn each_documented_type_is_recognised_and_unknown_ones_kept() {
        let json = r##"{"value":[
          {"@odata.type":"#microsoft.graph.passwordAuthenticationMethod","id":"28c10230-6103-485e-b985-444c60001490","password":null},
          {"@odata.type":"#microsoft.graph.microsoftAuthenticatorAuthenticationMethod","id":"a","displayName":"iPhone 15"},
          {"@odata.type":"#microsoft.graph.phoneAuthenticationMethod","id":"b","phoneNumber":"+1 2065555555","phoneType":"mobile"},
          {"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","id":"c","model":"YubiKey 5"},
          {"@odata.type":"#microsoft.graph.windowsHelloForBusinessAuthenticationMethod","id":"d"},
          {"@odata.type":"#microsoft.graph.temporaryAccessPassAuthenticationMethod","id":"e"},
          {"@odata.type":"#microsoft.graph.emailAuthenticationMethod","id":"f","emailAddress":"x@example.org"},
          {"@odata.type":"#microsoft.graph.softwareOathAuthenticationMethod","id":"g"},
          {"@odata.type":"#microsoft.graph.platformCredentialAuthenticationMethod","id":"h"},
          {"@odata.type":"#microsoft.graph.somethingNewAuthenticationMethod","id":"i"},
          {"id":"no-type"}
        ]}"##;
        let m = methods(json);
        let kinds: Vec<MethodKind> = m
            .iter()
            .map(|x| MethodKind::from_odata_type(x.odata_type.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            kinds,
            [
                MethodKind::Password,
                MethodKind::MicrosoftAuthenticator,
                MethodKind::Phone,
                MethodKind::Fido2,
                MethodKind::WindowsHelloForBusiness,
                MethodKind::TemporaryAccessPass,
                MethodKind::Email,
                MethodKind::SoftwareOath,
                MethodKind::PlatformCredential,
                MethodKind::Other,
                MethodKind::Other,
            ]
        );
        match advise(Some(&Ok(m))) {
            MethodsAdvice::Known {
                kinds,
                recommend_tap,
                phishing_resistant,
            } => {
                assert_eq!(kinds.len(), 10, "sorted and deduplicated: {kinds:?}");
                assert!(recommend_tap.is_none());
                assert!(phishing_resistant);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn password_only_recommends_a_tap_with_the_reason() {
        let m = methods(
            r##"{"value":[{"@odata.type":"#microsoft.graph.passwordAuthenticationMethod","id":"p"}]}"##,
        );
        match advise(Some(&Ok(m))) {
            MethodsAdvice::Known {
                kinds,
                recommend_tap: Some(reason),
                phishing_resistant: false,
            } => {
                assert_eq!(kinds, [MethodKind::Password]);
                assert!(reason.contains("register MFA at their first sign-in"));
                assert!(reason.contains("phishing-resistant"));
                assert!(reason.contains("Temporary Access Pass"));
            }
            other => panic!("{other:?}"),
        }
        // Email serves only self-service password reset: still password-only for sign-in.
        let m = methods(
            r##"{"value":[{"@odata.type":"#microsoft.graph.passwordAuthenticationMethod"},
                         {"@odata.type":"#microsoft.graph.emailAuthenticationMethod"}]}"##,
        );
        assert!(matches!(
            advise(Some(&Ok(m))),
            MethodsAdvice::Known {
                recommend_tap: Some(_),
                ..
            }
        ));
        // An empty list is no better than a password.
        assert!(matches!(
            advise(Some(&Ok(Vec::new()))),
            MethodsAdvice::Known {
                recommend_tap: Some(_),
                ..
            }
        ));
    }

    #[test]
    fn authenticator_needs_no_tap() {
        let m = methods(
            r##"{"value":[{"@odata.type":"#microsoft.graph.passwordAuthenticationMethod"},
                         {"@odata.type":"#microsoft.graph.microsoftAuthenticatorAuthenticationMethod"}]}"##,
        );
        assert!(matches!(
            advise(Some(&Ok(m))),
            MethodsAdvice::Known {
                recommend_tap: None,
                phishing_resistant: false,
                ..
            }
        ));
    }

    #[test]
    fn a_refused_read_is_unknown_not_a_failure() {
        assert_eq!(advise(None), MethodsAdvice::NotRead);
        let json = r#"{"responses":[
          {"id":"user","status":200,"body":{"id":"u1"}},
          {"id":"methods","status":403,"body":{"error":{"code":"accessDenied","message":"Request Authorization failed"}}}
        ]}"#;
        let answer = match BatchAnswer::from_json(200, json) {
            Ok(a) => a,
            Err(e) => panic!("{e}"),
        };
        let outcome = match crate::workflow::review::parse_review(&answer, "") {
            Ok(o) => o,
            Err(e) => panic!("the review failed: {e:?}"),
        };
        match advise(outcome.authentication_methods.as_ref()) {
            MethodsAdvice::Unknown { why } => {
                assert!(why.contains("UserAuthenticationMethod.Read.All"), "{why}")
            }
            other => panic!("{other:?}"),
        }
    }
}
