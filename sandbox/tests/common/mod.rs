//! Helpers for HTTP-level tests: the sandbox Router driven in-process with `oneshot`, and a sign-in
//! helper (authorize with prompt=none + login_hint, then the token endpoint) so tests stay short.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use sandbox::util::query_encode;
use serde_json::Value;
use tower::ServiceExt;

pub const PORT: u16 = 4999;
pub const PAGE: &str = "http://127.0.0.1:4999";
pub const API: &str = "http://localhost:4999";
pub const TENANT: &str = "contoso.onmicrosoft.com";
pub const CLIENT_ID: &str = "5b3a6c1e-9f2d-4e8a-b7c4-1d0e2f3a4b5c";
pub const REDIRECT: &str = "http://127.0.0.1:4999/";
/// RFC 7636 Appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub const DEFAULT_SCOPES: &str = "https://graph.microsoft.com/User.Read.All https://graph.microsoft.com/User.ReadWrite.All https://graph.microsoft.com/UserAuthenticationMethod.ReadWrite.All https://graph.microsoft.com/Mail.Send https://graph.microsoft.com/Directory.Read.All https://graph.microsoft.com/RoleEligibilitySchedule.Read.Directory https://graph.microsoft.com/AuditLog.Read.All openid profile offline_access";

pub fn upn(local: &str) -> String {
    format!("{local}@contoso.onmicrosoft.com")
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// The Graph error code of an error body.
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
    pub fn message(&self) -> String {
        self.json()["error"]["message"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
}

pub struct Tokens {
    pub access: String,
    pub refresh: Option<String>,
    pub id_token: Option<String>,
    pub scope: String,
    pub raw: Value,
}

pub struct Sbx {
    pub app: Router,
}

impl Sbx {
    pub fn new() -> Sbx {
        Sbx::with(sandbox::Options::default())
    }

    pub fn with(options: sandbox::Options) -> Sbx {
        Sbx {
            app: sandbox::app(&options, PORT).expect("sandbox app"),
        }
    }

    pub async fn send(
        &self,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> Resp {
        let mut b = Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let req = b
            .body(body.map(Body::from).unwrap_or_else(Body::empty))
            .expect("request");
        let resp = self.app.clone().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        Resp {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, uri: &str) -> Resp {
        self.send("GET", uri, &[], None).await
    }

    pub async fn post_json(&self, uri: &str, body: Value) -> Resp {
        self.send(
            "POST",
            uri,
            &[("content-type", "application/json")],
            Some(body.to_string()),
        )
        .await
    }

    /// A Graph call with a bearer token; `body` is sent as JSON.
    pub async fn graph(&self, token: &str, method: &str, path: &str, body: Option<Value>) -> Resp {
        self.graph_h(token, method, path, &[], body).await
    }

    pub async fn graph_h(
        &self,
        token: &str,
        method: &str,
        path: &str,
        extra: &[(&str, &str)],
        body: Option<Value>,
    ) -> Resp {
        let auth = format!("Bearer {token}");
        let mut headers: Vec<(&str, &str)> =
            vec![("authorization", auth.as_str()), ("origin", PAGE)];
        if body.is_some() {
            headers.push(("content-type", "application/json"));
        }
        headers.extend_from_slice(extra);
        let uri = if path.starts_with("http") {
            path.trim_start_matches(API).to_string()
        } else {
            format!("/v1.0{path}")
        };
        self.send(method, &uri, &headers, body.map(|b| b.to_string()))
            .await
    }

    pub fn authorize_url(&self, params: &[(&str, &str)]) -> String {
        let q: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k}={}", query_encode(v)))
            .collect();
        format!("/{TENANT}/oauth2/v2.0/authorize?{}", q.join("&"))
    }

    /// Authorize silently (prompt=none + login_hint) and return the code from the redirect.
    pub async fn code_for(&self, upn: &str, scopes: &str) -> String {
        let url = self.authorize_url(&[
            ("client_id", CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", scopes),
            ("state", "st-1"),
            ("nonce", "nonce-1"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
            ("prompt", "none"),
            ("login_hint", upn),
        ]);
        let r = self.get(&url).await;
        assert_eq!(r.status, StatusCode::FOUND, "{}", r.text);
        let loc = r.header("location").expect("Location").to_string();
        let params = redirect_params(&loc);
        params
            .iter()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no code in {loc}"))
    }

    pub async fn redeem(&self, form: &[(&str, &str)], origin: Option<&str>) -> Resp {
        let body: Vec<String> = form
            .iter()
            .map(|(k, v)| format!("{k}={}", query_encode(v)))
            .collect();
        let mut headers = vec![("content-type", "application/x-www-form-urlencoded")];
        if let Some(o) = origin {
            headers.push(("origin", o));
        }
        self.send(
            "POST",
            &format!("/{TENANT}/oauth2/v2.0/token"),
            &headers,
            Some(body.join("&")),
        )
        .await
    }

    pub async fn redeem_code(&self, code: &str, scopes: &str) -> Resp {
        self.redeem(
            &[
                ("client_id", CLIENT_ID),
                ("scope", scopes),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("grant_type", "authorization_code"),
                ("code_verifier", VERIFIER),
            ],
            Some(PAGE),
        )
        .await
    }

    pub async fn sign_in_with(&self, upn: &str, scopes: &str) -> Tokens {
        let code = self.code_for(upn, scopes).await;
        let r = self.redeem_code(&code, scopes).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let v = r.json();
        Tokens {
            access: v["access_token"]
                .as_str()
                .expect("access_token")
                .to_string(),
            refresh: v["refresh_token"].as_str().map(str::to_owned),
            id_token: v["id_token"].as_str().map(str::to_owned),
            scope: v["scope"].as_str().unwrap_or("").to_string(),
            raw: v,
        }
    }

    /// Signs in as a sample account (local part of the UPN) with Handover's scopes.
    pub async fn sign_in(&self, local: &str) -> String {
        self.sign_in_with(&upn(local), DEFAULT_SCOPES).await.access
    }

    pub async fn credentials(&self, user: &str) -> Value {
        let r = self
            .get(&format!(
                "/_sandbox/users/{}/credentials",
                query_encode(user)
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.json()
    }

    pub async fn user_id(&self, token: &str, user: &str) -> String {
        let r = self
            .graph(
                token,
                "GET",
                &format!("/users/{}", query_encode(user)),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.json()["id"].as_str().unwrap().to_string()
    }
}

/// The parameters of a redirect Location, from its query or fragment.
pub fn redirect_params(location: &str) -> Vec<(String, String)> {
    let part = location
        .split_once('#')
        .map(|(_, f)| f)
        .or_else(|| location.split_once('?').map(|(_, q)| q))
        .unwrap_or("");
    sandbox::util::parse_query(part)
}

pub fn param(location: &str, name: &str) -> Option<String> {
    redirect_params(location)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The claims of a compact JWT (no signature check).
pub fn jwt_claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("JWT has a payload");
    let bytes = sandbox::util::b64url_decode(payload).expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}
