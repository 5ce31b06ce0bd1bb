//! Fuzzing the parsers of everything Handover reads from outside: Graph answers (error bodies,
//! `$batch` answers, typed answers, the Review and Find readers), config.json, and the sign-in
//! protocol (discovery, the redirect's callback, token answers, the ID token).
//!
//! Each property gets random text and, more usefully, mutations of a valid document: a JSON
//! node replaced, removed, retyped or joined by a new key, then optionally a byte-level edit of
//! the serialised text. Every parser must answer with a value or a typed error, never a panic,
//! and where there is something to say, the answer must keep its promises (a secret never in
//! Debug output, an accepted endpoint always https or loopback, ...).
//!
//! A short run is part of `cargo test -p handover`; a long one:
//! `HANDOVER_FUZZ_CASES=200000 cargo test -p handover --release --test fuzz_parsers`.
#![cfg(not(target_arch = "wasm32"))]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use handover::auth::oidc::{
    check_state, parse_callback, parse_token_answer, percent_decode, validate_id_token, Callback,
    Discovery,
};
use handover::config::Config;
use handover::graph::batch::version_relative_path;
use handover::graph::error::{parse_retry_after, read_json};
use handover::graph::{
    BatchAnswer, Collection, DirectoryRole, GraphError, GraphResponse, Headers,
    LongRunningOperation, RoleEligibility, TemporaryAccessPass, User,
};
use handover::workflow::find::{parse_find, FindOutcome};
use handover::workflow::review::{parse_admin, parse_review};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde_json::{json, Map, Value};

/// Cases per property: a few hundred in the ordinary test run, more with the variable.
fn fuzz_config() -> ProptestConfig {
    let cases = std::env::var("HANDOVER_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        // Regressions are kept as named tests below, not in files beside the sources.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Generators: arbitrary JSON, and mutations of a seed document.

/// Values chosen to upset parsers: empty and huge strings, markup, control characters, numbers
/// at the edges of every integer type, fractions where integers are expected.
fn awkward_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        (-1e12f64..1e12).prop_map(|f| json!(f)),
        Just(json!(u64::MAX)),
        Just(json!(-1)),
        Just(json!(1e308)),
        Just(json!(0.5)),
        "\\PC{0,24}".prop_map(Value::String),
        any::<String>().prop_map(Value::String),
        prop::sample::select(vec![
            "",
            " ",
            "<script>alert(1)</script>",
            "\u{0}\u{1b}\r\n",
            "null",
            "12",
            "-3",
            "2.5",
            "NaN",
            "https://",
            "http://localhost:1/x",
            "Bearer",
            "{tenantid}",
            "%",
            "%zz%e2%82",
            "\u{202e}\u{fffd}",
        ])
        .prop_map(|s| Value::String(s.to_owned())),
        (1usize..20_000).prop_map(|n| Value::String("a".repeat(n))),
    ]
}

fn awkward_json() -> impl Strategy<Value = Value> {
    awkward_leaf().prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("\\PC{0,12}", inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

#[derive(Clone, Debug)]
enum Mutation {
    Replace { at: usize, with: Value },
    Remove { at: usize },
    AddKey { at: usize, key: usize, with: Value },
    Retype { at: usize },
    Duplicate { at: usize },
}

#[derive(Clone, Debug)]
enum TextEdit {
    Keep,
    Truncate(usize),
    InsertText(usize, String),
    DeleteRange(usize, usize),
    FlipByte(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<usize>(), awkward_json()).prop_map(|(at, with)| Mutation::Replace { at, with }),
        2 => any::<usize>().prop_map(|at| Mutation::Remove { at }),
        2 => (any::<usize>(), any::<usize>(), awkward_json())
            .prop_map(|(at, key, with)| Mutation::AddKey { at, key, with }),
        2 => any::<usize>().prop_map(|at| Mutation::Retype { at }),
        1 => any::<usize>().prop_map(|at| Mutation::Duplicate { at }),
    ]
}

fn text_edit() -> impl Strategy<Value = TextEdit> {
    prop_oneof![
        6 => Just(TextEdit::Keep),
        1 => any::<usize>().prop_map(TextEdit::Truncate),
        1 => (any::<usize>(), prop::sample::select(vec!["\"", "}", "]", ",", "{", "\\", "\\u", "\u{0}", ":", "1e999"]))
            .prop_map(|(at, s)| TextEdit::InsertText(at, s.to_owned())),
        1 => (any::<usize>(), 0usize..64).prop_map(|(at, n)| TextEdit::DeleteRange(at, n)),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(at, b)| TextEdit::FlipByte(at, b)),
    ]
}

/// JSON pointers to every node of `v`, the root first.
fn pointers(v: &Value, here: String, out: &mut Vec<String>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let escaped = k.replace('~', "~0").replace('/', "~1");
                pointers(child, format!("{here}/{escaped}"), out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                pointers(child, format!("{here}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn object_keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                out.push(k.clone());
                object_keys(child, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|c| object_keys(c, out)),
        _ => {}
    }
}

fn retype(v: &Value) -> Value {
    match v {
        Value::String(s) => s
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| json!([s])),
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Null => json!({}),
        Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
        Value::Object(_) => json!([v]),
    }
}

fn apply(seed: &Value, mutations: &[Mutation]) -> Value {
    let mut doc = seed.clone();
    let mut keys = Vec::new();
    object_keys(seed, &mut keys);
    keys.extend(["", "@odata.type", "error", "value", "body"].map(String::from));
    for m in mutations {
        let mut all = Vec::new();
        pointers(&doc, String::new(), &mut all);
        let pick = |at: &usize| all[at % all.len()].clone();
        match m {
            Mutation::Replace { at, with } => {
                if let Some(node) = doc.pointer_mut(&pick(at)) {
                    *node = with.clone();
                }
            }
            Mutation::Retype { at } => {
                if let Some(node) = doc.pointer_mut(&pick(at)) {
                    *node = retype(node);
                }
            }
            Mutation::Remove { at } | Mutation::Duplicate { at } => {
                let target = pick(at);
                let Some((parent, last)) = target.rsplit_once('/') else {
                    continue;
                };
                let copy = doc.pointer(&target).cloned();
                match (doc.pointer_mut(parent), copy) {
                    (Some(Value::Object(map)), Some(copy)) => {
                        let key = last.replace("~1", "/").replace("~0", "~");
                        if matches!(m, Mutation::Remove { .. }) {
                            map.remove(&key);
                        } else {
                            map.insert(format!("{key}_"), copy);
                        }
                    }
                    (Some(Value::Array(items)), Some(copy)) => {
                        if let Ok(i) = last.parse::<usize>() {
                            if matches!(m, Mutation::Remove { .. }) {
                                items.remove(i);
                            } else {
                                items.insert(i, copy);
                            }
                        }
                    }
                    _ => {}
                }
            }
            Mutation::AddKey { at, key, with } => {
                if let Some(Value::Object(map)) = doc.pointer_mut(&pick(at)) {
                    map.insert(keys[key % keys.len()].clone(), with.clone());
                }
            }
        }
    }
    doc
}

fn edit_text(text: String, edit: &TextEdit) -> String {
    let mut bytes = text.into_bytes();
    let at = |i: &usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
    match edit {
        TextEdit::Keep => {}
        TextEdit::Truncate(i) => bytes.truncate(at(i, bytes.len())),
        TextEdit::InsertText(i, s) => {
            let i = at(i, bytes.len());
            bytes.splice(i..i, s.bytes());
        }
        TextEdit::DeleteRange(i, n) => {
            let i = at(i, bytes.len());
            let end = (i + n).min(bytes.len());
            bytes.drain(i..end);
        }
        TextEdit::FlipByte(i, b) => {
            if !bytes.is_empty() {
                let i = i % bytes.len();
                bytes[i] ^= b;
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Text near `seed`: a few structural mutations, then perhaps a byte-level edit.
fn mutated(seed: Value) -> impl Strategy<Value = String> {
    (prop::collection::vec(mutation(), 0..5), text_edit())
        .prop_map(move |(ms, edit)| edit_text(apply(&seed, &ms).to_string(), &edit))
}

/// Random text, or text near one of the seeds.
fn near(seeds: Vec<Value>) -> impl Strategy<Value = String> {
    let strategies: Vec<BoxedStrategy<String>> =
        seeds.into_iter().map(|s| mutated(s).boxed()).collect();
    prop_oneof![
        1 => any::<String>(),
        1 => prop::collection::vec(any::<u8>(), 0..256)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        1 => awkward_json().prop_map(|v| v.to_string()),
        8 => prop::strategy::Union::new(strategies),
    ]
}

// ---------------------------------------------------------------------------------------------
// Seeds: valid documents, written from Microsoft's documented shapes.

fn error_body(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message, "innerError": {
        "date": "2026-11-27T10:00:00", "request-id": "4c2a5f2e-1a1b-4c3d-9e8f-0a1b2c3d4e5f",
        "client-request-id": "9f8e7d6c-5b4a-4321-8fed-cba987654321"}}})
}

fn user_json(id: &str, name: &str) -> Value {
    json!({"id": id, "displayName": name, "givenName": "Ada", "surname": "Lovelace",
        "userPrincipalName": "ada@contoso.com", "mail": "ada@contoso.com",
        "otherMails": ["ada.personal@example.org"], "accountEnabled": true, "userType": "Member",
        "onPremisesSyncEnabled": null, "lastPasswordChangeDateTime": "2026-01-02T03:04:05Z"})
}

fn role(name: &str, template: &str) -> Value {
    json!({"@odata.type": "#microsoft.graph.directoryRole", "id": "r-1", "displayName": name,
        "roleTemplateId": template})
}

/// One answer that holds every part the Review, admin and Find readers look for.
fn batch_seed() -> Value {
    json!({"responses": [
        {"id": "user", "status": 200, "headers": {"Content-Type": "application/json"},
            "body": user_json("u-1", "Ada Lovelace")},
        {"id": "roles", "status": 200, "body": {"value": [
            role("Helpdesk Administrator", "729827e3-9c14-49f7-bb1b-9608f156bbb8")]}},
        {"id": "eligible", "status": 200, "body": {"value": [{"id": "e-1", "principalId": "u-1",
            "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10", "directoryScopeId": "/",
            "memberType": "Direct"}]}},
        {"id": "groups", "status": 200, "body": {"value": [
            {"@odata.type": "#microsoft.graph.group", "id": "g-1", "displayName": "Tier 0",
                "isAssignableToRole": true},
            role("User Administrator", "fe930be7-5e62-47db-91af-98c3a49a38b1")],
            "@odata.nextLink": "https://graph.microsoft.com/v1.0/users/u-1/transitiveMemberOf?$skiptoken=x"}},
        {"id": "owned", "status": 403, "body": error_body("Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.")},
        {"id": "me", "status": 200, "body": {"id": "m-1", "displayName": "Helen Desk",
            "userPrincipalName": "helen@contoso.com", "mail": null}},
        {"id": "myRoles", "status": 200, "body": {"value": [
            role("User Administrator", "fe930be7-5e62-47db-91af-98c3a49a38b1")]}},
        {"id": "methods", "status": 200, "body": {"value": [
            {"@odata.type": "#microsoft.graph.passwordAuthenticationMethod",
                "id": "28c10230-6103-485e-b985-444c60001490"}]}},
        {"id": "exact", "status": 200, "body": {"value": [user_json("u-1", "Ada Lovelace")]}},
        {"id": "prefix", "status": 200, "body": {"value": [user_json("u-1", "Ada Lovelace"),
            user_json("u-2", "Ada Byron")]}},
        {"id": "search", "status": 429, "headers": {"Retry-After": "2.5",
            "Location": "https://graph.microsoft.com/v1.0/users/u-1/authentication/operations/op-1?x=1"},
            "body": error_body("TooManyRequests", "Too many requests")}
    ]})
}

fn operation_seed() -> Value {
    json!({"id": "op-1", "status": "running", "statusDetail": null,
        "createdDateTime": "2026-11-27T10:00:00Z", "lastActionDateTime": "2026-11-27T10:00:01Z",
        "resourceLocation": "https://graph.microsoft.com/v1.0/users/u-1"})
}

const TAP_MARKER: &str = "TAPsecretVq7Zr2Lm";

fn tap_seed() -> Value {
    json!({"id": "t-1", "temporaryAccessPass": TAP_MARKER, "lifetimeInMinutes": 60,
        "isUsableOnce": false, "isUsable": true, "methodUsabilityReason": "EnabledByPolicy",
        "startDateTime": "2026-11-27T10:00:00Z", "createdDateTime": "2026-11-27T10:00:00Z"})
}

const CONFIG_EXAMPLE: &str = include_str!("../config.example.json");

fn config_seeds() -> Vec<Value> {
    let example: Value = serde_json::from_str(CONFIG_EXAMPLE).expect("config.example.json");
    vec![
        example,
        json!({"tenant": "contoso.onmicrosoft.com",
            "clientId": "00001111-aaaa-2222-bbbb-3333cccc4444",
            "redirectUri": "http://127.0.0.1:8080/", "authority": "http://localhost:8080",
            "graph": "http://localhost:8080", "signInMode": "auto"}),
    ]
}

const AUTHORITY: &str = "https://login.microsoftonline.com";
const TENANT: &str = "aaaabbbb-0000-cccc-1111-dddd2222eeee";
const CLIENT: &str = "00001111-aaaa-2222-bbbb-3333cccc4444";
const NONCE: &str = "n-0S6_WzA2Mj";
const NOW: u64 = 1_800_000_000;

fn discovery_seed(origin: &str, issuer: &str) -> Value {
    json!({"authorization_endpoint": format!("{origin}/{TENANT}/oauth2/v2.0/authorize"),
        "token_endpoint": format!("{origin}/{TENANT}/oauth2/v2.0/token"),
        "end_session_endpoint": format!("{origin}/{TENANT}/oauth2/v2.0/logout"),
        "jwks_uri": format!("{origin}/{TENANT}/discovery/v2.0/keys"),
        "issuer": issuer, "response_modes_supported": ["query", "fragment", "form_post"],
        "msgraph_host": "graph.microsoft.com"})
}

const ACCESS_MARKER: &str = "ACCESSeyJ0eXAiOiJKV1Qi";
const REFRESH_MARKER: &str = "REFRESH0.AVYA_refresh";
const ID_MARKER: &str = "IDTOKENeyJhbGciOiJSUzI1";

fn token_seed() -> Value {
    json!({"token_type": "Bearer", "scope": "User.Read User-PasswordProfile.ReadWrite.All Mail.Send",
        "expires_in": 4567, "ext_expires_in": 4567, "refresh_token_expires_in": 86399,
        "access_token": ACCESS_MARKER, "refresh_token": REFRESH_MARKER, "id_token": ID_MARKER})
}

fn token_error_seed() -> Value {
    json!({"error": "invalid_grant",
        "error_description": "AADSTS70008: The provided authorization code or refresh token has expired.",
        "error_codes": [70008], "timestamp": "2026-11-27 10:00:00Z", "trace_id": "t", "correlation_id": "c"})
}

fn issuer() -> String {
    format!("{AUTHORITY}/{TENANT}/v2.0")
}

fn claims_seed() -> Value {
    json!({"aud": CLIENT, "iss": issuer(), "iat": NOW - 10, "nbf": NOW - 10, "exp": NOW + 3600,
        "name": "Helen Desk", "nonce": NONCE, "oid": "m-1", "preferred_username": "helen@contoso.com",
        "tid": TENANT, "ver": "2.0", "sub": "s"})
}

fn compact_jwt(payload: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"RS256","kid":"k"}"#);
    format!(
        "{header}.{}.c2lnbmF0dXJl",
        URL_SAFE_NO_PAD.encode(payload.as_bytes())
    )
}

fn scopes() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("User.Read User-PasswordProfile.ReadWrite.All Mail.Send".to_owned()),
        Just(String::new()),
        "\\PC{0,40}",
    ]
}

// ---------------------------------------------------------------------------------------------
// Sanity: the seeds are valid, so the mutations start from documents the parsers accept.

#[test]
fn the_seeds_parse() {
    let answer = BatchAnswer::from_json(200, &batch_seed().to_string()).expect("batch seed");
    let review = parse_review(&answer, "User.Read").expect("review seed");
    assert_eq!(review.target.id, "u-1");
    assert!(parse_admin(&answer, "User.Read").is_ok());
    assert!(
        matches!(parse_find("Ada", &answer), FindOutcome::Found { users, .. } if users.len() == 2)
    );
    for seed in config_seeds() {
        Config::parse(&seed.to_string()).expect("config seed");
    }
    Discovery::parse(&discovery_seed(AUTHORITY, &issuer()).to_string()).expect("discovery seed");
    parse_token_answer(200, &token_seed().to_string()).expect("token seed");
    assert!(parse_token_answer(400, &token_error_seed().to_string()).is_err());
    let jwt = compact_jwt(&claims_seed().to_string());
    validate_id_token(&jwt, NONCE, CLIENT, &issuer(), NOW).expect("id token seed");
    let tap: TemporaryAccessPass = handover::json::read(&tap_seed().to_string()).expect("tap seed");
    assert_eq!(tap.temporary_access_pass.expose_secret(), TAP_MARKER);
}

// ---------------------------------------------------------------------------------------------
// Graph.

fn relative_path_stays_on_graph(location: &str) -> Result<(), TestCaseError> {
    if let Some(rest) = version_relative_path(location) {
        prop_assert!(
            rest.starts_with('/') && !rest.starts_with("//"),
            "{:?} gave {:?}, which could leave the Graph host",
            location,
            rest
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(fuzz_config())]

    /// Error bodies of any shape, with any status and Retry-After, give a typed error that
    /// keeps the status and can be explained.
    #[test]
    fn graph_error_bodies(
        status in prop_oneof![100u16..600, any::<u16>()],
        retry_after in proptest::option::of(prop_oneof!["\\PC{0,12}", "[0-9]{1,12}(\\.[0-9]{0,4})?"]),
        body in near(vec![error_body("Request_BadRequest", "The specified password does not comply with password complexity requirements."),
                          error_body("MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise."),
                          json!({"error": "x"})]),
    ) {
        let mut headers = Headers::new();
        if let Some(v) = &retry_after {
            headers.set("Retry-After", v.clone());
        }
        let e = GraphError::from_parts(status, &headers, &body);
        prop_assert_eq!(e.status, status);
        let _ = (e.is_transient(), e.certainly_not_applied(), e.advice(), format!("{e} {e:?}"));
        let value = handover::json::parse(&body).ok();
        let e2 = GraphError::from_json(status, &headers, value.as_ref());
        prop_assert_eq!(e2.status, status);
        // The same reading whether the body came as text or as a `$batch` part's JSON.
        if value.is_some() {
            prop_assert_eq!(&e2, &e);
        }
    }

    /// `Retry-After` in seconds becomes at most a day of milliseconds, whatever the text.
    #[test]
    fn retry_after_values(text in prop_oneof!["\\PC{0,16}", "-?[0-9]{0,25}(\\.[0-9]{0,30})?(e[+-]?[0-9]{1,4})?", Just("inf".to_owned()), Just("NaN".to_owned())]) {
        if let Some(ms) = parse_retry_after(&text) {
            prop_assert!(ms <= 86_400_000, "{} gave {}", text, ms);
        }
    }

    /// A `Location` header, whatever it names, becomes at most a path under the configured
    /// Graph host: the bearer token is never sent to another host.
    #[test]
    fn location_headers(location in prop_oneof![
        any::<String>(),
        "(https?://[a-z.@:]{0,20})?(/v1\\.0)?[/\\\\@.a-z?=#%]{0,24}",
    ]) {
        relative_path_stays_on_graph(&location)?;
    }

    /// `$batch` answers: the batch reader, each part's accessors, and the Review, admin and
    /// Find readers on whatever came out.
    #[test]
    fn batch_answers(status in 200u16..300, body in near(vec![batch_seed()]), scopes in scopes(), text in "\\PC{0,16}") {
        let Ok(answer) = BatchAnswer::from_json(status, &body) else { return Ok(()) };
        for id in ["user", "roles", "eligible", "groups", "owned", "me", "myRoles", "methods", "exact", "prefix", "search", ""] {
            if let Some(part) = answer.get(id) {
                let _ = (part.is_success(), part.retry_after_ms(), part.error());
                if let Some(location) = part.location() {
                    relative_path_stays_on_graph(location)?;
                }
                let _ = part.json::<Collection<User>>("users");
                let _ = part.json::<LongRunningOperation>("operation");
            }
            let _ = answer.require(id);
        }
        match parse_review(&answer, &scopes) {
            Ok(review) => {
                // The target is the user part's own user, never one from another part.
                let user: User = answer.require("user").and_then(|p| p.json("user")).expect("read once already");
                prop_assert_eq!(review.target, user);
            }
            Err(e) => { let _ = format!("{e:?}"); }
        }
        let _ = parse_admin(&answer, &scopes);
        match parse_find(&text, &answer) {
            FindOutcome::Found { users, .. } => {
                prop_assert!(!users.is_empty());
                let mut ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
                ids.sort_unstable();
                ids.dedup();
                prop_assert_eq!(ids.len(), users.len(), "a user listed twice");
            }
            FindOutcome::NoMatch { message } => prop_assert!(!message.is_empty()),
            FindOutcome::Failed { advice, .. } => { let _ = advice; }
        }
    }

    /// Typed answers read from direct responses: a value or a typed error, and a TAP never in
    /// Debug output.
    #[test]
    fn typed_answers(
        status in prop_oneof![Just(200u16), Just(201), 100u16..600],
        user in near(vec![user_json("u-1", "Ada")]),
        roles in near(vec![json!({"value": [role("Global Administrator", "62e90394-69f5-4237-9190-012177145e10")]})]),
        eligible in near(vec![json!({"value": [{"roleDefinitionId": "x", "principalId": "u"}]})]),
        operation in near(vec![operation_seed()]),
        tap in near(vec![tap_seed()]),
    ) {
        let read = |body: &str| GraphResponse::new(status, body.to_owned());
        let _ = read_json::<User>(&read(&user), "user");
        let _ = read_json::<Collection<DirectoryRole>>(&read(&roles), "roles");
        let _ = read_json::<Collection<RoleEligibility>>(&read(&eligible), "eligibility");
        if let Ok(op) = read_json::<LongRunningOperation>(&read(&operation), "operation") {
            let _ = op.status.is_final();
        }
        let printed = format!("{:?}", read_json::<TemporaryAccessPass>(&read(&tap), "TAP"));
        prop_assert!(!printed.contains(TAP_MARKER), "the TAP leaked into Debug: {}", printed);
    }
}

// ---------------------------------------------------------------------------------------------
// config.json.

proptest! {
    #![proptest_config(fuzz_config())]

    /// Any text gives a config or an error with its problem said; an accepted config names http(s)
    /// origins without a trailing slash.
    #[test]
    fn config_json(text in near(config_seeds())) {
        match Config::parse(&text) {
            Ok(c) => {
                for origin in [&c.authority, &c.graph] {
                    prop_assert!(origin.starts_with("https://") || origin.starts_with("http://"), "{}", origin);
                    prop_assert!(!origin.ends_with('/'), "{}", origin);
                }
                prop_assert!(!c.client_id.is_empty() && !c.tenant.is_empty());
                let _ = (c.discovery_url(), c.graph_origin(), c.authority_origin(), c.warnings(), c.redirect_uri_or("https://x/"));
            }
            Err(e) => {
                // The field is the key at fault, which may be "" itself; the problem is never empty.
                prop_assert!(!e.problem.is_empty());
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sign-in.

proptest! {
    #![proptest_config(fuzz_config())]

    /// A discovery document is accepted only with https endpoints (http on loopback).
    #[test]
    fn discovery_documents(text in near(vec![
        discovery_seed(AUTHORITY, &issuer()),
        discovery_seed("http://localhost:8080", "http://localhost:8080/{tenantid}/v2.0"),
    ])) {
        if let Ok(d) = Discovery::parse(&text) {
            let endpoints = [Some(&d.authorization_endpoint), Some(&d.token_endpoint), d.end_session_endpoint.as_ref()];
            for e in endpoints.into_iter().flatten() {
                let loopback = ["http://localhost", "http://127.0.0.1", "http://[::1]"].iter().any(|p| e.starts_with(p));
                prop_assert!(e.starts_with("https://") || loopback, "accepted {}", e);
            }
        }
    }

    /// The redirect's query or fragment: anything parses or is ignored, the code never shows in
    /// Debug output, and state checks only pass on an exact match.
    #[test]
    fn callbacks(
        raw in prop_oneof![any::<String>(), "[?#]?([a-z_%0-9+]{0,12}=[^&]{0,20}&?){0,6}"],
        prefix in prop::sample::select(vec!["", "?", "#"]),
        extra in prop::collection::vec(("[a-z_]{1,18}", "[A-Za-z0-9%+._~-]{0,16}"), 0..4),
        state in "[A-Za-z0-9_-]{0,24}",
    ) {
        let _ = parse_callback(&raw);
        let _ = percent_decode(&raw);
        let code = "CODE0.AXkAqLmn9vT7";
        let mut query = format!("{prefix}code={code}&state={state}");
        for (k, v) in &extra {
            query.push_str(&format!("&{k}={v}"));
        }
        match parse_callback(&query) {
            Some(cb @ Callback::Code { .. }) => {
                let printed = format!("{cb:?}");
                prop_assert!(!printed.contains(code));
                if let Callback::Code { code: got, state: got_state } = &cb {
                    prop_assert_eq!(got.expose_secret(), code);
                    prop_assert_eq!(check_state(&state, got_state).is_ok(), !state.is_empty());
                    let longer = format!("{state}x");
                    prop_assert!(check_state(&longer, got_state).is_err());
                }
            }
            Some(cb @ Callback::Error { .. }) => {
                // Only a generated `error=` parameter can make it an error.
                prop_assert!(extra.iter().any(|(k, v)| k == "error" && !percent_decode(v).is_empty()));
                let printed = format!("{cb:?}");
                prop_assert!(!printed.contains(code));
            }
            None => prop_assert!(false, "a callback with a code was not read: {}", query),
        }
    }

    /// Token answers: a token answer or an error, and no token in Debug output either way.
    #[test]
    fn token_answers(status in prop_oneof![Just(200u16), 100u16..600], body in near(vec![token_seed(), token_error_seed()])) {
        let printed = format!("{:?}", parse_token_answer(status, &body));
        for marker in [ACCESS_MARKER, REFRESH_MARKER, ID_MARKER] {
            prop_assert!(!printed.contains(marker), "a token leaked into Debug: {}", printed);
        }
        if let Ok(t) = parse_token_answer(status, &body) {
            prop_assert!(!t.access_token.is_empty());
            prop_assert!((200..300).contains(&status));
        }
    }

    /// ID tokens: mutated claims (and arbitrary text) are accepted only when audience, issuer,
    /// nonce and lifetime all hold.
    #[test]
    fn id_tokens(payload in near(vec![claims_seed()]), raw in any::<String>(), as_jwt in any::<bool>()) {
        let token = if as_jwt { compact_jwt(&payload) } else { raw };
        if let Ok(account) = validate_id_token(&token, NONCE, CLIENT, &issuer(), NOW) {
            let claims: Value = serde_json::from_str(&payload).expect("accepted claims are JSON");
            prop_assert_eq!(claims.get("nonce").and_then(Value::as_str), Some(NONCE));
            let expected_issuer = issuer();
            prop_assert_eq!(claims.get("iss").and_then(Value::as_str), Some(expected_issuer.as_str()));
            prop_assert_eq!(claims.get("oid").and_then(Value::as_str), Some(account.oid.as_str()));
            prop_assert!(!account.tid.is_empty());
        }
        // An empty expected nonce never matches, whatever the token says.
        prop_assert!(validate_id_token(&token, "", CLIENT, &issuer(), NOW).is_err());
    }
}
