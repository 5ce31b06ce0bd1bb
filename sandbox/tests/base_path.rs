//! The page under a base path (`Options::base_path`), as a static host serves it at
//! `https://intranet.contoso.com/tools/handover/`.

mod common;

use axum::http::StatusCode;
use common::*;

fn dist_with_page(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sandbox-base-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>Base</title>").unwrap();
    std::fs::write(dir.join("handover_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    dir
}

#[test]
fn base_paths_get_one_leading_and_one_trailing_slash() {
    for (given, want) in [
        ("", "/"),
        ("/", "/"),
        ("tools/handover", "/tools/handover/"),
        ("/tools/handover", "/tools/handover/"),
        ("/tools/handover/", "/tools/handover/"),
    ] {
        assert_eq!(sandbox::normalize_base_path(given), want, "{given:?}");
    }
}

#[tokio::test]
async fn the_page_and_its_config_are_served_under_the_base_path_only() {
    let dist = dist_with_page("serve");
    let s = Sbx::with(sandbox::Options {
        dist: Some(dist.clone()),
        base_path: "/tools/handover".into(),
        ..Default::default()
    });

    let page = s.get("/tools/handover/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("<title>Base</title>"));
    let wasm = s.get("/tools/handover/handover_bg.wasm").await;
    assert_eq!(wasm.status, StatusCode::OK);
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));

    // Without the slash, relative asset URLs would resolve against /tools/: redirect, as hosts do.
    let bare = s.get("/tools/handover").await;
    assert_eq!(bare.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(bare.header("location"), Some("/tools/handover/"));

    // Nothing of the page outside the folder.
    assert_eq!(
        s.get("/handover_bg.wasm").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(s.get("/tools/other/").await.status, StatusCode::NOT_FOUND);

    let config = s.get("/tools/handover/config.json").await;
    assert_eq!(config.status, StatusCode::OK);
    assert_eq!(config.header("cache-control"), Some("no-store"));
    assert_eq!(
        config.json()["redirectUri"],
        format!("{PAGE}/tools/handover/")
    );
    std::fs::remove_dir_all(dist).unwrap();
}

#[tokio::test]
async fn the_base_address_is_a_registered_redirect_uri_and_the_root_is_still_one() {
    let s = Sbx::with(sandbox::Options {
        base_path: "/tools/handover/".into(),
        ..Default::default()
    });
    let base = format!("{PAGE}/tools/handover/");
    for redirect in [base.as_str(), REDIRECT] {
        let url = s.authorize_url(&[
            ("client_id", CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", redirect),
            ("scope", "openid"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
            ("prompt", "none"),
            ("login_hint", &upn("ada.admin")),
        ]);
        let r = s.get(&url).await;
        let location = r.header("location").unwrap_or("");
        assert!(
            location.starts_with(&format!("{redirect}?code=")),
            "{redirect}: {} {location}",
            r.status
        );
    }
    // A path that is neither is refused (AADSTS50011), so the registration is what counts.
    let url = s.authorize_url(&[
        ("client_id", CLIENT_ID),
        ("response_type", "code"),
        ("redirect_uri", &format!("{PAGE}/tools/")),
        ("scope", "openid"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
        ("prompt", "none"),
        ("login_hint", &upn("ada.admin")),
    ]);
    let r = s.get(&url).await;
    assert!(r.header("location").is_none(), "{}", r.status);
    assert!(r.text.contains("AADSTS50011"), "{}", r.text);
}
