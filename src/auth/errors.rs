//! Everything that can go wrong signing in, with what to tell the admin.
//!
//! Entra's own answers come as [`AuthError::Authority`] (the OAuth `error`, the
//! `error_description` that starts with `AADSTSnnnn:`, and `error_codes`);
//! [`AuthError::explain`] turns the common ones into a title, what happened and the fix.
//! Codes are from Microsoft's "Microsoft Entra authentication and authorization error codes".

use core::fmt;

use crate::config::ConfigError;

/// A sign-in failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthError {
    /// config.json is missing, malformed or invalid.
    Config(ConfigError),
    /// The OpenID Connect discovery document could not be used; the text says why.
    Discovery(String),
    /// The `state` that came back is not the one sent: possible cross-site request forgery.
    StateMismatch,
    /// The ID token's `nonce` is not the one sent (a replayed or injected token).
    NonceMismatch,
    /// The ID token was issued to another application (`aud`).
    WrongAudience,
    /// The ID token comes from another authority or tenant (`iss`).
    WrongIssuer,
    /// The ID token's `exp` has passed (beyond the allowed clock skew).
    Expired,
    /// The ID token's `nbf` or `iat` is in the future (beyond the allowed clock skew): the
    /// computer's clock is probably wrong.
    NotYetValid,
    /// A token, token answer or stored sign-in value that cannot be read; the text says which.
    MalformedToken(String),
    /// The authority refused: OAuth `error`, `error_description` (with the AADSTS code) and
    /// `error_codes`.
    Authority {
        error: String,
        description: String,
        codes: Vec<u32>,
    },
    /// The browser blocked the sign-in popup.
    PopupBlocked,
    /// The popup never handed a result back.
    PopupTimedOut,
    /// The admin closed the popup or cancelled the sign-in.
    Cancelled,
    /// The authority could not be reached, or answered something that is not OAuth.
    Network(String),
    /// The refresh token is dead (24 hours after sign-in for a single-page app, or revoked):
    /// the admin must sign in again.
    SessionEnded,
}

/// What the page shows for an error: a title, what happened, and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    pub title: String,
    pub detail: String,
    pub fix: String,
}

impl Explanation {
    fn new(title: &str, detail: impl Into<String>, fix: impl Into<String>) -> Explanation {
        Explanation {
            title: title.to_owned(),
            detail: detail.into(),
            fix: fix.into(),
        }
    }
}

/// The number in `AADSTSnnnn:` at the start of (or anywhere in) an error description.
pub fn aadsts_code(description: &str) -> Option<u32> {
    let at = description.find("AADSTS")? + "AADSTS".len();
    let digits: String = description[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The description without Entra's trailing "Trace ID: … Correlation ID: … Timestamp: …",
/// which helps support but not the admin.
pub fn short_description(description: &str) -> &str {
    let end = description
        .find("\r\nTrace ID:")
        .or_else(|| description.find("\nTrace ID:"))
        .or_else(|| description.find(" Trace ID:"))
        .unwrap_or(description.len());
    description[..end].trim()
}

/// The first single-quoted text after `marker` in `text` (Entra quotes the redirect URI).
fn quoted_after<'a>(text: &'a str, marker: &str) -> Option<&'a str> {
    let rest = &text[text.find(marker)? + marker.len()..];
    let start = rest.find('\'')? + 1;
    let len = rest[start..].find('\'')?;
    Some(&rest[start..start + len])
}

impl AuthError {
    /// The AADSTS code of an authority error: from `error_codes`, else from the description.
    pub fn aadsts(&self) -> Option<u32> {
        match self {
            AuthError::Authority {
                codes, description, ..
            } => codes.first().copied().or_else(|| aadsts_code(description)),
            _ => None,
        }
    }

    /// Whether the way out is a new interactive sign-in (the session or the grant is gone),
    /// as opposed to a configuration problem or a retry. A failed refresh with this answer
    /// means: keep the workflow on screen and ask the admin to sign in again.
    pub fn needs_sign_in_again(&self) -> bool {
        match self {
            AuthError::SessionEnded | AuthError::Expired => true,
            AuthError::Authority { error, .. } => {
                matches!(
                    self.aadsts(),
                    Some(700084 | 70008 | 54005 | 50173 | 9002313)
                ) || matches!(
                    error.as_str(),
                    "invalid_grant"
                        | "interaction_required"
                        | "login_required"
                        | "consent_required"
                )
            }
            _ => false,
        }
    }

    /// A failed refresh as the page should treat it: a dead grant becomes
    /// [`AuthError::SessionEnded`], anything else is kept.
    pub fn into_refresh_failure(self) -> AuthError {
        if self.needs_sign_in_again() {
            AuthError::SessionEnded
        } else {
            self
        }
    }

    /// A plain explanation and the fix.
    pub fn explain(&self) -> Explanation {
        self.explain_for(None)
    }

    /// As [`AuthError::explain`], naming `redirect_uri` (the one the page sent) where the fix is
    /// to register it and Entra's text does not name it.
    pub fn explain_for(&self, redirect_uri: Option<&str>) -> Explanation {
        match self {
            AuthError::Config(e) => Explanation::new(
                "config.json needs a fix",
                e.to_string(),
                "Edit config.json beside index.html (config.example.json documents every key) and reload the page.",
            ),
            AuthError::Discovery(why) => Explanation::new(
                "The sign-in authority could not be read",
                format!("Handover reads the authority's OpenID Connect discovery document to find where to sign in: {why}"),
                "Check `authority` and `tenant` in config.json (for Microsoft's public cloud: https://login.microsoftonline.com and your tenant ID), and that this computer can reach the authority.",
            ),
            AuthError::StateMismatch => Explanation::new(
                "This sign-in answer was not for this page",
                "The answer from the sign-in page carried a different `state` than the one Handover sent. That happens when an old or second sign-in tab finishes, and is also what a cross-site request forgery looks like, so the answer was ignored.",
                "Close other Handover tabs and sign in again from this one.",
            ),
            AuthError::NonceMismatch => Explanation::new(
                "The ID token was not for this sign-in",
                "The ID token's nonce does not match the one Handover sent: it may have been replayed.",
                "Sign in again. If it keeps happening, report it to your security team.",
            ),
            AuthError::WrongAudience => Explanation::new(
                "The ID token was issued to another application",
                "The token's audience is not the clientId in config.json.",
                "Check that clientId in config.json is the Application (client) ID of Handover's app registration, then sign in again.",
            ),
            AuthError::WrongIssuer => Explanation::new(
                "The ID token comes from another tenant or authority",
                "The token's issuer is not the one the discovery document names.",
                "Check `tenant` and `authority` in config.json: the account must belong to that tenant. Then sign in again.",
            ),
            AuthError::Expired => Explanation::new(
                "The sign-in answer has expired",
                "The ID token's expiry has passed; this computer's clock may be wrong by more than five minutes.",
                "Check the computer's date, time and time zone, then sign in again.",
            ),
            AuthError::NotYetValid => Explanation::new(
                "The sign-in answer is dated in the future",
                "The ID token is not valid yet by this computer's clock, which is probably behind by more than five minutes.",
                "Correct the computer's date and time (turn on automatic time), then sign in again.",
            ),
            AuthError::MalformedToken(what) => Explanation::new(
                "The sign-in answer could not be read",
                what.clone(),
                "Sign in again. If it keeps happening, check that `authority` in config.json points to Microsoft Entra ID or a compatible authority.",
            ),
            AuthError::Authority { .. } => self.explain_authority(redirect_uri),
            AuthError::PopupBlocked => Explanation::new(
                "The browser blocked the sign-in window",
                "Handover signs in through a popup here, and the browser did not let it open.",
                "Allow popups for this site (the icon at the end of the address bar) and try again, or set signInMode to \"redirect\" in config.json, or open Handover in its own tab.",
            ),
            AuthError::PopupTimedOut => Explanation::new(
                "The sign-in window never answered",
                "The sign-in window could not hand its result back. When Handover is embedded in a page of another site, the browser partitions storage and messaging between them, so the window's answer cannot reach this frame.",
                "Open Handover in its own tab and sign in there; or host Handover on the same site as the portal that embeds it (for example handover.contoso.com inside intranet.contoso.com).",
            ),
            AuthError::Cancelled => Explanation::new(
                "Sign-in cancelled",
                "The sign-in was cancelled before it finished.",
                "Sign in again when ready.",
            ),
            AuthError::Network(what) => Explanation::new(
                "The sign-in authority could not be reached",
                what.clone(),
                "Check the network connection (and any proxy or firewall), then try again.",
            ),
            AuthError::SessionEnded => Explanation::new(
                "Your sign-in has ended",
                "For a single-page app like Handover, Microsoft ends the session 24 hours after sign-in (or sooner when sessions are revoked); it cannot be extended.",
                "Sign in again; what you were doing stays on the screen.",
            ),
        }
    }

    fn explain_authority(&self, redirect_uri: Option<&str>) -> Explanation {
        let AuthError::Authority {
            error, description, ..
        } = self
        else {
            return self.explain_for(redirect_uri);
        };
        let said = short_description(description);
        let code = self.aadsts();
        let uri = quoted_after(description, "redirect URI")
            .or_else(|| quoted_after(description, "reply address"))
            .or(redirect_uri)
            .unwrap_or("this page's address");
        match code {
            Some(9002326) => Explanation::new(
                "Register Handover as a single-page application",
                said,
                format!("In the Entra admin center, App registrations → Handover → Authentication: remove {uri} from the Web platform and add it under \"Single-page application\"."),
            ),
            Some(9002327) => Explanation::new(
                "This sign-in must be completed by the browser",
                said,
                "Tokens for a single-page application can only be redeemed by the browser page itself (with an Origin header). Sign in from Handover's page, not from a script or a proxy that drops the Origin header.",
            ),
            Some(50011) | Some(500112) => Explanation::new(
                "The redirect URI is not registered",
                said,
                format!("In the Entra admin center, App registrations → Handover → Authentication → Single-page application, add exactly {uri} (same scheme, host, port, path and trailing slash), or set redirectUri in config.json to one that is registered."),
            ),
            Some(65001) | Some(90094) | Some(90008) => Explanation::new(
                "An administrator must consent to Handover's permissions",
                said,
                "A Privileged Role Administrator or Global Administrator opens Entra admin center → App registrations → Handover → API permissions and chooses \"Grant admin consent for\" your organization; then sign in again.",
            ),
            Some(65004) => Explanation::new(
                "Sign-in cancelled",
                said,
                "Consent was declined or the sign-in was cancelled. Sign in again and accept, or ask an administrator to grant consent for the organization.",
            ),
            Some(700084) => Explanation::new(
                "Your sign-in has ended",
                said,
                "Microsoft limits a single-page app's sign-in to 24 hours. Sign in again; what you were doing stays on the screen.",
            ),
            Some(70008) => Explanation::new(
                "The sign-in took too long",
                said,
                "The authorization code expired before it was used (it lasts about ten minutes). Sign in again.",
            ),
            Some(54005) => Explanation::new(
                "This sign-in answer was already used",
                said,
                "An authorization code works once, and this one was already redeemed (a reload or a second tab, perhaps). Sign in again.",
            ),
            Some(50173) => Explanation::new(
                "Your sessions were revoked",
                said,
                "Someone revoked your sign-in sessions or your password changed. Sign in again.",
            ),
            Some(50058) | Some(50076) | Some(50079) => Explanation::new(
                "You need to sign in interactively",
                said,
                "Sign in again; Microsoft needs you to enter your credentials or complete multifactor authentication.",
            ),
            Some(700016) => Explanation::new(
                "Handover's app registration was not found",
                said,
                "Check that clientId in config.json is the Application (client) ID of an app registered in this tenant.",
            ),
            Some(90002) => Explanation::new(
                "The tenant was not found",
                said,
                "Check `tenant` in config.json (your tenant ID or a verified domain) and that `authority` is the right cloud.",
            ),
            _ => match error.as_str() {
                "access_denied" => Explanation::new(
                    "Sign-in cancelled or refused",
                    said,
                    "Sign in again. If you were not offered a consent screen, ask an administrator to grant consent for the organization.",
                ),
                "consent_required" => Explanation::new(
                    "Consent needed",
                    said,
                    "Sign in again and accept the permissions, or ask an administrator to grant admin consent in App registrations → Handover → API permissions.",
                ),
                "interaction_required" | "login_required" => Explanation::new(
                    "You need to sign in interactively",
                    said,
                    "Sign in again; Microsoft needs you to confirm who you are.",
                ),
                "invalid_grant" => Explanation::new(
                    "The sign-in is no longer valid",
                    said,
                    "The code or refresh token was refused (expired, used, or revoked). Sign in again.",
                ),
                "temporarily_unavailable" | "server_error" => Explanation::new(
                    "Microsoft's sign-in service had a problem",
                    said,
                    "Wait a minute and try again.",
                ),
                _ => Explanation::new(
                    "The sign-in was refused",
                    if said.is_empty() { error.as_str() } else { said },
                    format!(
                        "Look the code up at https://login.microsoftonline.com/error{}; give it and the time to your Entra administrator if it persists.",
                        code.map(|c| format!("?code={c}")).unwrap_or_default()
                    ),
                ),
            },
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.explain();
        write!(f, "{}: {}", e.title, e.detail)
    }
}

impl std::error::Error for AuthError {}

impl From<ConfigError> for AuthError {
    fn from(e: ConfigError) -> Self {
        AuthError::Config(e)
    }
}

impl From<crate::auth::pkce::VerifierError> for AuthError {
    fn from(e: crate::auth::pkce::VerifierError) -> Self {
        AuthError::MalformedToken(format!("The sign-in in progress was lost: {e}."))
    }
}
