//! Native tests for the pure sign-in half. JSON inputs are in the shapes Microsoft documents
//! (and the sandbox tenant serves), copied here as literals.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::json;

use super::errors::{aadsts_code, short_description};
use super::oidc::*;
use super::pkce::*;
use super::scopes::{self, unavailable, Feature, Scopes};
use super::session::{Session, REFRESH_MARGIN_MS, SPA_SESSION_MS};
use super::AuthError;
use crate::secret::Secret;

const TENANT_ID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT_ID: &str = "6731de76-14a6-49ae-97bc-6eba6914391e";
const NOW: u64 = 1_700_000_000;

// ---- PKCE ----

#[test]
fn pkce_matches_rfc_7636_appendix_b() {
    let verifier = PkceVerifier::from_secret(Secret::new(
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into(),
    ))
    .expect("the RFC's verifier is valid");
    assert_eq!(
        verifier.challenge_s256(),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

#[test]
fn sha256_matches_fips_180_vectors() {
    let hex = |d: [u8; 32]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
    assert_eq!(
        hex(sha256(b"")),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        hex(sha256(b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    // Two blocks (FIPS 180-2 appendix B.2).
    assert_eq!(
        hex(sha256(
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        )),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    );
}

#[test]
fn sha256_matches_the_sha2_crate_at_every_length_around_the_block_edges() {
    use rand::RngExt;
    use sha2::Digest;
    let mut rng = StdRng::seed_from_u64(11);
    // Every length up to three blocks: padding that fits, that just does not (56..64), and more.
    for len in 0..=200 {
        let mut data = vec![0u8; len];
        rng.fill(&mut data[..]);
        let expected: [u8; 32] = sha2::Sha256::digest(&data).into();
        assert_eq!(sha256(&data), expected, "length {len}");
    }
}

#[test]
fn generated_verifiers_are_64_unreserved_characters_and_differ() {
    let mut rng = StdRng::seed_from_u64(7);
    let first = PkceVerifier::generate(&mut rng);
    let second = PkceVerifier::generate(&mut rng);
    for v in [&first, &second] {
        assert_eq!(v.expose_secret().len(), VERIFIER_LEN);
        assert!(v
            .expose_secret()
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)));
        // A generated verifier passes the same check a stored one does.
        assert!(PkceVerifier::from_secret(Secret::new(v.expose_secret().to_owned())).is_ok());
    }
    assert_ne!(first.expose_secret(), second.expose_secret());
    assert_ne!(first.challenge_s256(), second.challenge_s256());
}

#[test]
fn generated_verifiers_use_the_whole_alphabet() {
    // 64 × 40 draws from 66 symbols: every symbol shows up (a biased or truncated alphabet
    // would leave some out, e.g. the last ones `_` and `~`).
    let mut rng = StdRng::seed_from_u64(99);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..40 {
        seen.extend(PkceVerifier::generate(&mut rng).expose_secret().bytes());
    }
    assert_eq!(seen.len(), 66);
}

#[test]
fn stored_verifiers_are_checked() {
    let ok = |s: String| PkceVerifier::from_secret(Secret::new(s));
    assert_eq!(ok("a".repeat(42)).err(), Some(VerifierError::Length(42)));
    assert_eq!(ok("a".repeat(129)).err(), Some(VerifierError::Length(129)));
    assert!(ok("a".repeat(43)).is_ok());
    assert!(ok("a".repeat(128)).is_ok());
    let mut bad = "a".repeat(50);
    bad.push('+');
    assert_eq!(ok(bad).err(), Some(VerifierError::Character('+')));
    assert_eq!(
        ok(format!("{}=", "b".repeat(50))).err(),
        Some(VerifierError::Character('='))
    );
    assert_eq!(
        ok(format!("{}é", "b".repeat(50))).err(),
        Some(VerifierError::Character('é'))
    );
    assert_eq!(ok("".into()).err(), Some(VerifierError::Length(0)));
}

#[test]
fn verifier_debug_is_redacted() {
    let v = PkceVerifier::from_secret(Secret::new("x".repeat(60))).expect("valid");
    let shown = format!("{v:?}");
    assert!(!shown.contains("xxxx"), "{shown}");
    assert!(shown.contains("[redacted]"));
}

#[test]
fn url_tokens_are_base64url_and_differ() {
    let mut rng = StdRng::seed_from_u64(3);
    let a = random_url_token(&mut rng, 32);
    let b = random_url_token(&mut rng, 32);
    assert_eq!(a.len(), 43);
    assert_ne!(a, b);
    assert!(a
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    assert_eq!(URL_SAFE_NO_PAD.decode(&a).map(|v| v.len()), Ok(32));
    assert_eq!(random_url_token(&mut rng, 16).len(), 22);
}

// ---- Discovery ----

/// The sandbox's (and Entra's) discovery document, trimmed of nothing that matters.
fn discovery_json(origin: &str, issuer: &str) -> String {
    json!({
        "token_endpoint": format!("{origin}/{TENANT_ID}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{origin}/{TENANT_ID}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer,
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": format!("{origin}/{TENANT_ID}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{origin}/{TENANT_ID}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{origin}/{TENANT_ID}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "preferred_username", "name", "tid", "ver"],
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "msgraph_host": "graph.microsoft.com",
    })
    .to_string()
}

fn entra_discovery() -> Discovery {
    let origin = "https://login.microsoftonline.com";
    Discovery::parse(&discovery_json(
        origin,
        &format!("{origin}/{TENANT_ID}/v2.0"),
    ))
    .expect("Entra's document parses")
}

#[test]
fn discovery_reads_entra_and_the_sandbox() {
    let d = entra_discovery();
    assert_eq!(
        d.authorization_endpoint,
        format!("https://login.microsoftonline.com/{TENANT_ID}/oauth2/v2.0/authorize")
    );
    assert_eq!(
        d.token_endpoint,
        format!("https://login.microsoftonline.com/{TENANT_ID}/oauth2/v2.0/token")
    );
    assert_eq!(
        d.end_session_endpoint.as_deref(),
        Some(format!("https://login.microsoftonline.com/{TENANT_ID}/oauth2/v2.0/logout").as_str())
    );
    assert_eq!(
        d.issuer,
        format!("https://login.microsoftonline.com/{TENANT_ID}/v2.0")
    );

    let sandbox = Discovery::parse(&discovery_json(
        "http://localhost:8400",
        &format!("http://localhost:8400/{TENANT_ID}/v2.0"),
    ))
    .expect("loopback http is allowed");
    assert!(sandbox.token_endpoint.starts_with("http://localhost:8400/"));
}

#[test]
fn discovery_refuses_insecure_or_missing_endpoints() {
    let plain = discovery_json(
        "http://login.contoso.com",
        "http://login.contoso.com/x/v2.0",
    );
    assert!(
        matches!(Discovery::parse(&plain), Err(AuthError::Discovery(why)) if why.contains("authorization_endpoint"))
    );
    assert!(matches!(
        Discovery::parse(r#"{"issuer":"https://a.example/v2.0","authorization_endpoint":"https://a.example/authorize"}"#),
        Err(AuthError::Discovery(why)) if why.contains("token_endpoint")
    ));
    assert!(matches!(
        Discovery::parse(r#"{"authorization_endpoint":"https://a.example/authorize","token_endpoint":"https://a.example/token"}"#),
        Err(AuthError::Discovery(why)) if why.contains("issuer")
    ));
    assert!(matches!(
        Discovery::parse(
            r#"{"issuer":"i","authorization_endpoint":"/authorize","token_endpoint":"https://a.example/token"}"#
        ),
        Err(AuthError::Discovery(_))
    ));
    assert!(matches!(
        Discovery::parse(
            r#"{"issuer":"i","authorization_endpoint":"https://user@evil.example/authorize","token_endpoint":"https://a.example/token"}"#
        ),
        Err(AuthError::Discovery(_))
    ));
    assert!(matches!(
        Discovery::parse("<html>Service unavailable</html>"),
        Err(AuthError::Discovery(why)) if why.contains("not valid JSON")
    ));
    // No end_session_endpoint is fine (sign-out then only forgets locally).
    let d = Discovery::parse(r#"{"issuer":"https://a.example/v2.0","authorization_endpoint":"https://a.example/authorize","token_endpoint":"https://a.example/token"}"#)
        .expect("parses");
    assert_eq!(d.end_session_endpoint, None);
    assert_eq!(end_session_url(&d, "https://x.example/", None), None);
}

// ---- Authorize URL ----

/// The query of `url` as decoded (name, value) pairs.
fn query_pairs(url: &str) -> Vec<(String, String)> {
    let (_, query) = url.split_once('?').expect("has a query");
    query
        .split('&')
        .map(|p| {
            let (n, v) = p.split_once('=').expect("name=value");
            (percent_decode(n), percent_decode(v))
        })
        .collect()
}

#[test]
fn authorize_url_carries_every_parameter_encoded() {
    let d = entra_discovery();
    let scopes = vec![
        "https://graph.microsoft.com/User.Read.All".to_owned(),
        "Mail.Send".to_owned(),
        "openid".to_owned(),
    ];
    let url = authorize_url(
        &d,
        &AuthorizeParams {
            client_id: CLIENT_ID,
            redirect_uri: "https://intranet.contoso.com/tools/handover/?x=1",
            scopes: &scopes,
            state: "st-ate_1",
            nonce: "n.once~",
            code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            response_mode: ResponseMode::Fragment,
            prompt: Some("select_account"),
            login_hint: Some("ada+admin@contoso.com"),
        },
    );
    assert!(url.starts_with(&format!(
        "https://login.microsoftonline.com/{TENANT_ID}/oauth2/v2.0/authorize?client_id="
    )));
    // Raw encodings: `/`, `:`, `?`, `=`, space, `+` and `@` never appear bare in a value.
    assert!(url.contains(
        "redirect_uri=https%3A%2F%2Fintranet.contoso.com%2Ftools%2Fhandover%2F%3Fx%3D1&"
    ));
    assert!(url
        .contains("scope=https%3A%2F%2Fgraph.microsoft.com%2FUser.Read.All%20Mail.Send%20openid&"));
    assert!(url.contains("login_hint=ada%2Badmin%40contoso.com"));
    let pairs = query_pairs(&url);
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("client_id"), Some(CLIENT_ID));
    assert_eq!(get("response_type"), Some("code"));
    assert_eq!(
        get("redirect_uri"),
        Some("https://intranet.contoso.com/tools/handover/?x=1")
    );
    assert_eq!(get("response_mode"), Some("fragment"));
    assert_eq!(
        get("scope"),
        Some("https://graph.microsoft.com/User.Read.All Mail.Send openid")
    );
    assert_eq!(get("state"), Some("st-ate_1"));
    assert_eq!(get("nonce"), Some("n.once~"));
    assert_eq!(
        get("code_challenge"),
        Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    );
    assert_eq!(get("code_challenge_method"), Some("S256"));
    assert_eq!(get("prompt"), Some("select_account"));
    assert_eq!(get("login_hint"), Some("ada+admin@contoso.com"));
    assert_eq!(pairs.len(), 11);
}

#[test]
fn authorize_url_leaves_out_absent_options_and_keeps_an_existing_query() {
    let mut d = entra_discovery();
    d.authorization_endpoint.push_str("?dc=ESTS-PUB");
    let scopes = vec!["openid".to_owned()];
    let url = authorize_url(
        &d,
        &AuthorizeParams {
            client_id: CLIENT_ID,
            redirect_uri: "http://127.0.0.1:8400/",
            scopes: &scopes,
            state: "s",
            nonce: "n",
            code_challenge: "c",
            response_mode: ResponseMode::Query,
            prompt: None,
            login_hint: None,
        },
    );
    assert!(url.contains("/authorize?dc=ESTS-PUB&client_id="));
    assert!(url.contains("response_mode=query"));
    assert!(!url.contains("prompt="));
    assert!(!url.contains("login_hint="));
}

#[test]
fn end_session_url_names_where_to_come_back() {
    let url = end_session_url(
        &entra_discovery(),
        "https://intranet.contoso.com/tools/handover/",
        Some("ada@contoso.com"),
    )
    .expect("Entra has an end_session_endpoint");
    assert_eq!(
        url,
        format!("https://login.microsoftonline.com/{TENANT_ID}/oauth2/v2.0/logout?post_logout_redirect_uri=https%3A%2F%2Fintranet.contoso.com%2Ftools%2Fhandover%2F&logout_hint=ada%40contoso.com")
    );
}

// ---- Callback ----

#[test]
fn callback_with_a_code_from_query_fragment_or_bare() {
    for text in [
        "?code=0.AXEA_abc-def%2Bghi&state=s%2D1&session_state=xyz",
        "#code=0.AXEA_abc-def%2Bghi&state=s-1",
        "code=0.AXEA_abc-def%2Bghi&state=s-1",
        "state=s-1&code=0.AXEA_abc-def%2Bghi",
    ] {
        match parse_callback(text) {
            Some(Callback::Code { code, state }) => {
                assert_eq!(code.expose_secret(), "0.AXEA_abc-def+ghi", "{text}");
                assert_eq!(state, "s-1", "{text}");
                assert!(!format!("{code:?}").contains("AXEA"));
            }
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn callback_with_an_error_decodes_plus_and_percent_twenty() {
    // As the sandbox (and Entra) redirect a cancelled sign-in.
    let text = "?error=access_denied&error_description=AADSTS65004%3A+User+declined%20to+consent+to+access+the+app.%0D%0ATrace+ID%3A+0000aaaa&state=abc";
    let Some(Callback::Error {
        error,
        description,
        state,
    }) = parse_callback(text)
    else {
        panic!("an error callback");
    };
    assert_eq!(error, "access_denied");
    assert_eq!(
        description,
        "AADSTS65004: User declined to consent to access the app.\r\nTrace ID: 0000aaaa"
    );
    assert_eq!(state.as_deref(), Some("abc"));
    let as_error = parse_callback(text).and_then(|c| c.to_error());
    assert!(matches!(&as_error, Some(e) if e.aadsts() == Some(65004)));
    assert_eq!(
        as_error.map(|e| e.explain().title),
        Some("Sign-in cancelled".to_owned())
    );
}

#[test]
fn callback_error_wins_over_a_code_and_state_may_be_absent() {
    assert!(matches!(
        parse_callback("#code=abc&error=login_required&error_description=AADSTS50058%3A+A+silent+sign-in+request+was+sent+but+no+user+is+signed+in."),
        Some(Callback::Error { error, state: None, .. }) if error == "login_required"
    ));
}

#[test]
fn callback_is_none_for_ordinary_page_loads() {
    for text in [
        "",
        "?",
        "#",
        "?tab=users",
        "#/reset",
        "code=",
        "?code=&state=x",
        "error=",
    ] {
        assert!(parse_callback(text).is_none(), "{text:?}");
    }
    // A code without a state is reported (state check then fails), not silently dropped.
    assert!(matches!(
        parse_callback("?code=abc"),
        Some(Callback::Code { state, .. }) if state.is_empty()
    ));
}

#[test]
fn percent_decoding_keeps_broken_escapes() {
    assert_eq!(percent_decode("a%2"), "a%2");
    assert_eq!(percent_decode("a%zz"), "a%zz");
    assert_eq!(percent_decode("%+1"), "% 1");
    assert_eq!(percent_decode("%C3%A9t%C3%A9"), "été");
    assert_eq!(percent_decode("%FF"), "\u{FFFD}");
}

#[test]
fn state_must_match_exactly() {
    assert_eq!(check_state("Zx9-abc", "Zx9-abc"), Ok(()));
    assert_eq!(
        check_state("Zx9-abc", "Zx9-abd"),
        Err(AuthError::StateMismatch)
    );
    assert_eq!(
        check_state("Zx9-abc", "Zx9-ab"),
        Err(AuthError::StateMismatch)
    );
    assert_eq!(check_state("Zx9-abc", ""), Err(AuthError::StateMismatch));
    assert_eq!(check_state("", ""), Err(AuthError::StateMismatch));
    let e = AuthError::StateMismatch.explain();
    assert!(e.detail.contains("forgery"));
    assert!(e.fix.contains("sign in again"));
}

// ---- Token requests ----

fn form(body: &Secret) -> Vec<(String, String)> {
    body.expose_secret()
        .split('&')
        .map(|p| {
            let (n, v) = p.split_once('=').expect("name=value");
            (percent_decode(n), percent_decode(v))
        })
        .collect()
}

#[test]
fn token_request_body_redeems_the_code_with_the_verifier() {
    let verifier = PkceVerifier::from_secret(Secret::new(
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into(),
    ))
    .expect("valid");
    let scopes = scopes::for_request(&["User.Read.All".into(), "Mail.Send".into()]);
    let body = token_request_body(
        CLIENT_ID,
        "https://intranet.contoso.com/tools/handover/",
        &Secret::new("0.AXEA+code/with=odd&chars".into()),
        &verifier,
        &scopes,
    );
    let pairs = form(&body);
    let expect = [
        ("client_id", CLIENT_ID),
        ("grant_type", "authorization_code"),
        (
            "scope",
            "User.Read.All Mail.Send openid profile offline_access",
        ),
        ("code", "0.AXEA+code/with=odd&chars"),
        (
            "redirect_uri",
            "https://intranet.contoso.com/tools/handover/",
        ),
        (
            "code_verifier",
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        ),
    ];
    assert_eq!(pairs.len(), expect.len());
    for (name, value) in expect {
        assert!(
            pairs.iter().any(|(n, v)| n == name && v == value),
            "{name} missing"
        );
    }
    assert!(!body.expose_secret().contains("client_secret"));
    assert!(!format!("{body:?}").contains("AXEA"));
}

#[test]
fn refresh_request_body_sends_the_refresh_token() {
    let body = refresh_request_body(
        CLIENT_ID,
        &Secret::new("1.AXEA-refresh+token".into()),
        &["User.Read.All".into(), "offline_access".into()],
    );
    let pairs = form(&body);
    assert!(pairs.contains(&("grant_type".into(), "refresh_token".into())));
    assert!(pairs.contains(&("refresh_token".into(), "1.AXEA-refresh+token".into())));
    assert!(pairs.contains(&("scope".into(), "User.Read.All offline_access".into())));
    assert!(pairs.contains(&("client_id".into(), CLIENT_ID.into())));
    assert!(body
        .expose_secret()
        .contains("refresh_token=1.AXEA-refresh%2Btoken"));
}

// ---- Token answers ----

const TOKEN_ANSWER: &str = r#"{
    "token_type": "Bearer",
    "scope": "User.Read.All User.ReadWrite.All Mail.Send openid profile offline_access",
    "expires_in": 3599,
    "ext_expires_in": 3599,
    "access_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.ACCESS-SECRET.sig",
    "refresh_token": "1.AXEAREFRESH-SECRET",
    "refresh_token_expires_in": 86399,
    "id_token": "eyJ0eXAiOiJKV1QifQ.ID-SECRET.sig"
}"#;

#[test]
fn token_answer_in_entras_shape() {
    let a = parse_token_answer(200, TOKEN_ANSWER).expect("parses");
    assert!(a.access_token.expose_secret().contains("ACCESS-SECRET"));
    assert_eq!(
        a.refresh_token.as_ref().map(Secret::expose_secret),
        Some("1.AXEAREFRESH-SECRET")
    );
    assert_eq!(a.expires_in, 3599);
    assert_eq!(a.refresh_token_expires_in, Some(86399));
    assert!(a.scope.contains("Mail.Send"));
    assert!(a.id_token.is_some());
    let shown = format!("{a:?} {a:#?}");
    for secret in ["ACCESS-SECRET", "REFRESH-SECRET", "ID-SECRET"] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
}

#[test]
fn token_answer_without_offline_access_or_with_string_seconds() {
    let a = parse_token_answer(
        200,
        r#"{"token_type":"bearer","scope":"User.Read.All","expires_in":"3600","access_token":"at"}"#,
    )
    .expect("parses");
    assert_eq!(a.expires_in, 3600);
    assert!(a.refresh_token.is_none());
    assert!(a.id_token.is_none());
}

#[test]
fn token_answer_that_is_not_usable() {
    assert!(matches!(
        parse_token_answer(200, r#"{"token_type":"Bearer","expires_in":3600}"#),
        Err(AuthError::MalformedToken(w)) if w.contains("access_token")
    ));
    assert!(matches!(
        parse_token_answer(200, r#"{"token_type":"Bearer","access_token":"at"}"#),
        Err(AuthError::MalformedToken(w)) if w.contains("expires_in")
    ));
    assert!(matches!(
        parse_token_answer(200, r#"{"token_type":"pop","access_token":"at","expires_in":1}"#),
        Err(AuthError::MalformedToken(w)) if w.contains("Bearer")
    ));
    assert!(matches!(
        parse_token_answer(200, "not json"),
        Err(AuthError::MalformedToken(_))
    ));
    assert!(matches!(
        parse_token_answer(502, "<html>Bad gateway</html>"),
        Err(AuthError::Network(w)) if w.contains("502")
    ));
}

/// An error body exactly as Entra (and the sandbox) send it.
fn entra_error(error: &str, code: u32, message: &str) -> String {
    json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {message} Trace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333 Correlation ID: aaaa0000-bb11-2222-33cc-444444dddddd Timestamp: 2024-06-01 10:00:00Z"),
        "error_codes": [code],
        "timestamp": "2024-06-01 10:00:00Z",
        "trace_id": "0000aaaa-11bb-cccc-dd22-eeeeee333333",
        "correlation_id": "aaaa0000-bb11-2222-33cc-444444dddddd",
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    })
    .to_string()
}

fn refused(error: &str, code: u32, message: &str) -> AuthError {
    match parse_token_answer(400, &entra_error(error, code, message)) {
        Err(e) => e,
        Ok(_) => panic!("an error body parsed as tokens"),
    }
}

#[test]
fn token_error_bodies_become_authority_errors() {
    let e = refused(
        "invalid_grant",
        54005,
        "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
    );
    let AuthError::Authority {
        error,
        description,
        codes,
    } = &e
    else {
        panic!("{e:?}");
    };
    assert_eq!(error, "invalid_grant");
    assert!(description.starts_with("AADSTS54005: OAuth2 Authorization code was already redeemed"));
    assert_eq!(codes, &vec![54005]);
    assert_eq!(e.aadsts(), Some(54005));
    assert!(e.needs_sign_in_again());
    // Even with a 200 status, an error body is an error.
    assert!(matches!(
        parse_token_answer(
            200,
            &entra_error(
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'scope'."
            )
        ),
        Err(AuthError::Authority { .. })
    ));
    // Without error_codes, the code is read from the description.
    assert!(matches!(
        parse_token_answer(400, r#"{"error":"invalid_grant","error_description":"AADSTS70008: The provided authorization code or refresh token has expired due to inactivity."}"#),
        Err(AuthError::Authority { codes, .. }) if codes == vec![70008]
    ));
}

#[test]
fn aadsts_codes_and_short_descriptions() {
    assert_eq!(aadsts_code("AADSTS50011: The redirect URI"), Some(50011));
    assert_eq!(aadsts_code("nothing here"), None);
    assert_eq!(
        short_description("AADSTS65004: User declined to consent to access the app.\r\nTrace ID: x\r\nCorrelation ID: y"),
        "AADSTS65004: User declined to consent to access the app."
    );
    assert_eq!(
        short_description("AADSTS70008: Expired. Trace ID: x Correlation ID: y"),
        "AADSTS70008: Expired."
    );
}

#[test]
fn common_authority_errors_are_explained() {
    let cases: &[(&str, u32, &str, &str)] = &[
        ("invalid_request", 9002326, "Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: 'https://intranet.contoso.com'.", "Single-page application"),
        ("invalid_request", 9002327, "Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.", "Origin header"),
        ("invalid_request", 50011, "The redirect URI 'https://intranet.contoso.com/tools/handover/' specified in the request does not match the redirect URIs configured for the application '6731de76-14a6-49ae-97bc-6eba6914391e'.", "https://intranet.contoso.com/tools/handover/"),
        ("invalid_client", 65001, "The user or administrator has not consented to use the application with ID '6731de76-14a6-49ae-97bc-6eba6914391e' named 'Handover'.", "Grant admin consent"),
        ("invalid_grant", 700084, "The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which cannot be extended.", "24 hours"),
        ("invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity.", "expired"),
        ("invalid_grant", 54005, "OAuth2 Authorization code was already redeemed.", "works once"),
        ("access_denied", 65004, "User declined to consent to access the app.", "Sign in again"),
        ("interaction_required", 50076, "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication.", "multifactor"),
        ("login_required", 50058, "A silent sign-in request was sent but no user is signed in.", "Sign in again"),
        ("invalid_grant", 50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed.", "revoked"),
        ("invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.", "Sign in again"),
        ("consent_required", 65099, "Something about consent.", "admin consent"),
        ("invalid_scope", 70011, "The provided value for the input parameter 'scope' isn't valid.", "login.microsoftonline.com/error?code=70011"),
    ];
    for (error, code, message, in_fix) in cases {
        let e = refused(error, *code, message);
        let x = e.explain();
        assert!(
            x.fix.contains(in_fix),
            "AADSTS{code}: fix {:?} lacks {in_fix:?}",
            x.fix
        );
        assert!(!x.title.is_empty());
        assert!(x.detail.contains(&format!("AADSTS{code}")), "{x:?}");
        assert!(!x.detail.contains("Trace ID"), "{x:?}");
    }
}

#[test]
fn redirect_uri_mismatch_names_the_uri_to_register() {
    // Without a URI in Entra's text, the one the page sent is named.
    let e = AuthError::Authority {
        error: "invalid_request".into(),
        description: "AADSTS50011: Redirect URI mismatch.".into(),
        codes: vec![50011],
    };
    assert!(e
        .explain_for(Some("http://127.0.0.1:8400/"))
        .fix
        .contains("http://127.0.0.1:8400/"));
    let mismatch = refused("invalid_grant", 500112, "The reply address 'https://a.contoso.com/' does not match the reply address 'https://b.contoso.com/' provided when requesting Authorization code.");
    assert!(mismatch.explain().fix.contains("https://a.contoso.com/"));
}

#[test]
fn browser_side_failures_are_explained() {
    let blocked = AuthError::PopupBlocked.explain();
    assert!(blocked.fix.contains("Allow popups"));
    assert!(blocked.fix.contains("redirect"));
    assert!(blocked.fix.contains("own tab"));
    let silent = AuthError::PopupTimedOut.explain();
    assert!(silent.detail.contains("partitions"));
    assert!(silent.fix.contains("own tab"));
    assert!(AuthError::SessionEnded
        .explain()
        .detail
        .contains("24 hours"));
    assert!(AuthError::Cancelled.explain().title.contains("cancelled"));
    assert!(format!("{}", AuthError::NonceMismatch).contains("nonce"));
}

#[test]
fn dead_refresh_tokens_end_the_session_and_others_do_not() {
    let dead = refused(
        "invalid_grant",
        700084,
        "The refresh token was issued to a single page app (SPA).",
    );
    assert_eq!(dead.into_refresh_failure(), AuthError::SessionEnded);
    let revoked = refused(
        "invalid_grant",
        50173,
        "The provided grant has expired due to it being revoked.",
    );
    assert!(revoked.needs_sign_in_again());
    let busy = refused(
        "temporarily_unavailable",
        50196,
        "The server is temporarily unable to service your request.",
    );
    assert!(!busy.needs_sign_in_again());
    assert!(matches!(
        busy.into_refresh_failure(),
        AuthError::Authority { .. }
    ));
    assert!(!AuthError::Network("offline".into()).needs_sign_in_again());
}

// ---- ID token ----

fn issuer() -> String {
    format!("https://login.microsoftonline.com/{TENANT_ID}/v2.0")
}

fn claims() -> serde_json::Value {
    json!({
        "aud": CLIENT_ID,
        "iss": issuer(),
        "iat": NOW - 10,
        "nbf": NOW - 10,
        "exp": NOW + 3590,
        "name": "Ada Admin",
        "oid": "00000000-0000-0000-66f3-3332eca7ea81",
        "preferred_username": "ada.admin@contoso.onmicrosoft.com",
        "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
        "tid": TENANT_ID,
        "uti": "fqiBqXLPj0eQa82S-IYFAA",
        "ver": "2.0",
        "nonce": "nonce-123",
    })
}

fn jwt(claims: &serde_json::Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"RS256","kid":"abc"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.c2lnbmF0dXJl")
}

fn check(claims: &serde_json::Value) -> Result<Account, AuthError> {
    validate_id_token(&jwt(claims), "nonce-123", CLIENT_ID, &issuer(), NOW)
}

#[test]
fn a_good_id_token_gives_the_account() {
    let account = check(&claims()).expect("valid");
    assert_eq!(
        account,
        Account {
            name: "Ada Admin".into(),
            username: "ada.admin@contoso.onmicrosoft.com".into(),
            oid: "00000000-0000-0000-66f3-3332eca7ea81".into(),
            tid: TENANT_ID.into(),
        }
    );
}

#[test]
fn id_token_checks_each_fail_on_their_own() {
    let with = |name: &str, value: serde_json::Value| {
        let mut c = claims();
        c[name] = value;
        check(&c)
    };
    assert_eq!(
        with("nonce", json!("nonce-124")),
        Err(AuthError::NonceMismatch)
    );
    let mut no_nonce = claims();
    no_nonce.as_object_mut().map(|o| o.remove("nonce"));
    assert_eq!(check(&no_nonce), Err(AuthError::NonceMismatch));
    assert_eq!(
        with("aud", json!("00000003-0000-0000-c000-000000000000")),
        Err(AuthError::WrongAudience)
    );
    assert_eq!(
        with(
            "iss",
            json!("https://login.microsoftonline.com/00000000-1111-2222-3333-444444444444/v2.0")
        ),
        Err(AuthError::WrongIssuer)
    );
    assert_eq!(
        with(
            "iss",
            json!(format!("https://sts.windows.net/{TENANT_ID}/"))
        ),
        Err(AuthError::WrongIssuer)
    );
    // Expired beyond the five-minute skew; within it is still fine.
    assert_eq!(with("exp", json!(NOW - 301)), Err(AuthError::Expired));
    assert_eq!(with("exp", json!(NOW - 300)), Err(AuthError::Expired));
    assert!(with("exp", json!(NOW - 299)).is_ok());
    assert_eq!(with("nbf", json!(NOW + 301)), Err(AuthError::NotYetValid));
    assert_eq!(with("iat", json!(NOW + 301)), Err(AuthError::NotYetValid));
    assert!(with("iat", json!(NOW + 299)).is_ok());
    // An empty expected nonce never matches (a lost in-flight record must not pass).
    assert_eq!(
        validate_id_token(&jwt(&claims()), "", CLIENT_ID, &issuer(), NOW),
        Err(AuthError::NonceMismatch)
    );
}

#[test]
fn id_token_audience_may_be_a_list() {
    let mut c = claims();
    c["aud"] = json!([CLIENT_ID]);
    assert!(check(&c).is_ok());
    c["aud"] = json!([CLIENT_ID, "api://other"]);
    assert_eq!(check(&c), Err(AuthError::WrongAudience));
    c["azp"] = json!(CLIENT_ID);
    assert!(check(&c).is_ok());
}

#[test]
fn tenantid_template_in_the_issuer_takes_the_tokens_tid() {
    let template = "https://login.microsoftonline.com/{tenantid}/v2.0";
    let token = jwt(&claims());
    assert!(validate_id_token(&token, "nonce-123", CLIENT_ID, template, NOW).is_ok());
    // A token from another tenant has that tenant in both tid and iss; it passes the template
    // check (that is what `organizations` means), so the admin tool should name its tenant.
    let mut other = claims();
    other["tid"] = json!("00000000-1111-2222-3333-444444444444");
    assert_eq!(
        validate_id_token(&jwt(&other), "nonce-123", CLIENT_ID, template, NOW),
        Err(AuthError::WrongIssuer)
    );
    other["iss"] =
        json!("https://login.microsoftonline.com/00000000-1111-2222-3333-444444444444/v2.0");
    assert!(validate_id_token(&jwt(&other), "nonce-123", CLIENT_ID, template, NOW).is_ok());
}

#[test]
fn malformed_id_tokens_are_refused_not_panicked_on() {
    let good_payload = URL_SAFE_NO_PAD.encode(claims().to_string());
    for token in [
        "".to_owned(),
        "abc".to_owned(),
        "a.b".to_owned(),
        format!("h.{good_payload}.s.extra"),
        "h.!!!.s".to_owned(),
        format!("h.{}.s", URL_SAFE_NO_PAD.encode("not json")),
        format!("h.{}.s", URL_SAFE_NO_PAD.encode("[1,2]")),
    ] {
        assert!(
            matches!(
                validate_id_token(&token, "nonce-123", CLIENT_ID, &issuer(), NOW),
                Err(AuthError::MalformedToken(_)) | Err(AuthError::WrongAudience)
            ),
            "{token}"
        );
    }
    let mut no_exp = claims();
    no_exp.as_object_mut().map(|o| o.remove("exp"));
    assert!(matches!(check(&no_exp), Err(AuthError::MalformedToken(w)) if w.contains("exp")));
    let mut no_oid = claims();
    no_oid.as_object_mut().map(|o| o.remove("oid"));
    assert!(matches!(check(&no_oid), Err(AuthError::MalformedToken(w)) if w.contains("oid")));
}

// ---- Session ----

fn answer(access: &str, refresh: Option<&str>, expires_in: u64, scope: &str) -> TokenAnswer {
    TokenAnswer {
        access_token: Secret::new(access.into()),
        refresh_token: refresh.map(|r| Secret::new(r.into())),
        expires_in,
        scope: scope.into(),
        id_token: None,
        refresh_token_expires_in: None,
    }
}

fn account() -> Account {
    Account {
        name: "Ada Admin".into(),
        username: "ada.admin@contoso.onmicrosoft.com".into(),
        oid: "oid-1".into(),
        tid: TENANT_ID.into(),
    }
}

const T0: f64 = 1_700_000_000_000.0;

#[test]
fn session_refreshes_five_minutes_before_expiry() {
    let s = Session::from_answer(
        answer(
            "AT-ONE-SECRET",
            Some("RT-ONE-SECRET"),
            3600,
            "User.Read.All openid",
        ),
        account(),
        T0,
    );
    assert_eq!(s.expires_at_ms(), T0 + 3_600_000.0);
    assert!(!s.needs_refresh(T0));
    assert!(!s.needs_refresh(T0 + 3_600_000.0 - REFRESH_MARGIN_MS - 1.0));
    assert!(s.needs_refresh(T0 + 3_600_000.0 - REFRESH_MARGIN_MS));
    assert!(s.needs_refresh(T0 + 4_000_000.0));
    assert!(!s.is_expired(T0 + 3_599_999.0));
    assert!(s.is_expired(T0 + 3_600_000.0));
    assert!(s.can_refresh(T0 + 1.0));
    assert!(!s.can_refresh(T0 + SPA_SESSION_MS));
    assert_eq!(s.access_token().expose_secret(), "AT-ONE-SECRET");
    assert_eq!(s.account().username, "ada.admin@contoso.onmicrosoft.com");
    assert!(s.granted().contains("User.Read.All"));
    assert_eq!(s.signed_in_at_ms(), T0);
}

#[test]
fn refresh_rotates_the_refresh_token_and_keeps_the_24_hour_end() {
    let mut first = answer("AT-ONE", Some("RT-ONE"), 3600, "User.Read.All Mail.Send");
    first.refresh_token_expires_in = Some(86_400);
    let mut s = Session::from_answer(first, account(), T0);
    let end = T0 + 86_400_000.0;
    assert_eq!(s.refresh_expires_at_ms(), Some(end));

    let later = T0 + 3_500_000.0;
    let mut second = answer("AT-TWO", Some("RT-TWO"), 3600, "User.Read.All");
    second.refresh_token_expires_in = Some(80_000);
    s.apply_refresh(second, later);
    assert_eq!(s.access_token().expose_secret(), "AT-TWO");
    assert_eq!(s.refresh_token().map(Secret::expose_secret), Some("RT-TWO"));
    assert_eq!(s.expires_at_ms(), later + 3_600_000.0);
    assert!(!s.needs_refresh(later));
    // Granted scopes follow the newest answer.
    assert!(!s.granted().contains("Mail.Send"));
    // The end never moves later than the first sign-in's 24 hours.
    assert_eq!(
        s.refresh_expires_at_ms(),
        Some(end.min(later + 80_000_000.0))
    );

    // An answer without a refresh token or scope keeps the ones held.
    s.apply_refresh(answer("AT-THREE", None, 600, " "), later + 1.0);
    assert_eq!(s.access_token().expose_secret(), "AT-THREE");
    assert_eq!(s.refresh_token().map(Secret::expose_secret), Some("RT-TWO"));
    assert!(s.granted().contains("User.Read.All"));
    assert!(!s.needs_refresh(later + 1.0 + 299_999.0));
    assert!(s.needs_refresh(later + 1.0 + 300_000.0));
    assert_eq!(s.signed_in_at_ms(), T0);
}

#[test]
fn short_lived_tokens_are_refreshed_at_half_their_life() {
    let s = Session::from_answer(answer("AT", Some("RT"), 60, "openid"), account(), T0);
    assert!(!s.needs_refresh(T0 + 29_999.0));
    assert!(s.needs_refresh(T0 + 30_000.0));
}

#[test]
fn session_without_offline_access_cannot_refresh() {
    let s = Session::from_answer(answer("AT", None, 3600, "User.Read.All"), account(), T0);
    assert!(s.refresh_token().is_none());
    assert!(!s.can_refresh(T0));
    assert_eq!(s.refresh_expires_at_ms(), None);
}

#[test]
fn session_debug_never_shows_tokens() {
    let s = Session::from_answer(
        answer("AT-VERY-SECRET", Some("RT-VERY-SECRET"), 3600, "openid"),
        account(),
        T0,
    );
    let shown = format!("{s:?} {s:#?}");
    assert!(!shown.contains("VERY-SECRET"), "{shown}");
    assert!(shown.contains("[redacted]"));
    assert!(shown.contains("Ada Admin"));
}

// ---- Scopes ----

#[test]
fn granted_scopes_are_case_insensitive_and_prefix_free() {
    let s = Scopes::parse(
        "https://graph.microsoft.com/User.Read.All  user.readwrite.all Mail.Send mail.send openid",
    );
    assert_eq!(s.len(), 4);
    assert!(s.contains("User.Read.All"));
    assert!(s.contains("USER.READWRITE.ALL"));
    assert!(s.contains("https://graph.microsoft.com/Mail.Send"));
    assert!(!s.contains("Mail.Send.Shared"));
    assert!(!s.contains("User.Read"));
    assert_eq!(
        s.to_space_separated(),
        "User.Read.All user.readwrite.all Mail.Send openid"
    );
    assert!(Scopes::parse("").is_empty());
    // The plan reads the same string the same way.
    let admin = crate::workflow::plan::AdminContext::new("a", vec![], &s.to_space_separated());
    assert!(admin.has_scope("mail.send"));
}

#[test]
fn default_scopes_leave_only_optional_or_narrower_features_out() {
    let granted = Scopes::parse(&scopes::DEFAULT.join(" "));
    let missing = unavailable(&granted);
    assert_eq!(missing, vec![(Feature::ReadAuditLog, "AuditLog.Read.All")]);
    assert!(Feature::ReadAuditLog.is_optional());
    assert!(Feature::ALL
        .iter()
        .filter(|f| !f.is_optional())
        .all(|f| granted.contains_any(f.needs_any_of())));
}

#[test]
fn missing_consent_names_the_least_privileged_permission() {
    let granted = Scopes::parse("User.Read.All openid profile offline_access");
    let missing = unavailable(&granted);
    assert!(missing.contains(&(Feature::SendMail, "Mail.Send")));
    assert!(missing.contains(&(Feature::ResetPassword, "User-PasswordProfile.ReadWrite.All")));
    assert!(missing.contains(&(
        Feature::ResetPrivilegedOrSynced,
        "UserAuthenticationMethod.ReadWrite.All"
    )));
    assert!(missing.contains(&(
        Feature::TemporaryAccessPass,
        "UserAuthMethod-TAP.ReadWrite.All"
    )));
    assert!(missing.contains(&(Feature::ReadRoles, "Directory.Read.All")));
    assert!(!missing.iter().any(|(f, _)| *f == Feature::FindUsers));
    // Every feature has a label and at least one permission, least privileged first.
    for f in Feature::ALL {
        assert!(!f.label().is_empty());
        assert!(!f.needs_any_of().is_empty());
    }
    // The reset features ask for the plan's permission names.
    use crate::workflow::plan::scope;
    assert_eq!(Feature::SendMail.needs_any_of(), &[scope::MAIL_SEND]);
    assert_eq!(
        Feature::ResetPassword.needs_any_of()[0],
        scope::USER_PASSWORD_PROFILE
    );
}

#[test]
fn request_scopes_add_the_oidc_ones_once() {
    assert_eq!(
        scopes::for_request(&["Mail.Send".into(), "OpenID".into()]),
        vec!["Mail.Send", "OpenID", "profile", "offline_access"]
    );
    let defaults: Vec<String> = scopes::DEFAULT.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(scopes::for_request(&defaults), defaults);
}

#[test]
fn feature_name_is_the_variant_name_the_page_wrote_before() {
    // `data-feature` was `format!("{:?}")`; `name()` must give the same text for every feature.
    for feature in Feature::ALL {
        assert_eq!(feature.name(), format!("{feature:?}"));
    }
}
