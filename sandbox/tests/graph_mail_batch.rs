//! Graph: sendMail and $batch, with the documented request bodies.

mod common;
use axum::http::StatusCode;
use common::*;
use serde_json::{json, Value};

fn welcome(to: &str, save: Option<bool>) -> Value {
    let mut body = json!({
        "message": {
            "subject": "Welcome to Contoso",
            "body": {"contentType": "HTML", "content": "<p>Hello <b>Alex</b></p><script>alert(1)</script>"},
            "toRecipients": [{"emailAddress": {"address": to, "name": "Alex Wilber"}}],
            "ccRecipients": [{"emailAddress": {"address": "manager@contoso.onmicrosoft.com"}}]
        }
    });
    if let Some(save) = save {
        body["saveToSentItems"] = json!(save);
    }
    body
}

#[tokio::test]
async fn send_mail_lands_in_the_outbox_and_sent_items_by_default() {
    let s = Sbx::new();
    let t = s.sign_in("ada.admin").await;
    let r = s
        .graph(
            &t,
            "POST",
            "/me/sendMail",
            Some(welcome("alex.wilber.home@example.net", None)),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    assert!(r.text.is_empty());
    let r = s
        .graph(
            &t,
            "POST",
            "/me/sendMail",
            Some(welcome("alex.wilber.home@example.net", Some(false))),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let out = s.get("/_sandbox/outbox.json").await.json();
    let msgs = out["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[0]["from"]["emailAddress"]["address"], upn("ada.admin"));
    assert_eq!(
        msgs[0]["toRecipients"][0]["emailAddress"]["address"],
        "alex.wilber.home@example.net"
    );
    assert_eq!(
        msgs[0]["ccRecipients"][0]["emailAddress"]["address"],
        "manager@contoso.onmicrosoft.com"
    );
    assert_eq!(msgs[0]["subject"], "Welcome to Contoso");
    assert!(msgs[0]["text"].as_str().unwrap().contains("Hello Alex"));
    // Only the first was saved to Sent Items.
    let sent = out["sentItems"][upn("ada.admin")].as_array().unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["saveToSentItems"], true);

    // The outbox page escapes everything and renders HTML bodies in a sandboxed iframe.
    let page = s.get("/_sandbox/outbox").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains("<script>alert(1)</script>"));
    assert!(page.text.contains("<iframe class=\"body\" sandbox "));
    assert!(page
        .header("content-security-policy")
        .unwrap()
        .contains("default-src 'none'"));
}

#[tokio::test]
async fn send_mail_errors() {
    let s = Sbx::new();
    let t = s.sign_in("ada.admin").await;
    let r = s
        .graph(
            &t,
            "POST",
            "/me/sendMail",
            Some(welcome("not an address", None)),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.code(), "ErrorInvalidRecipients");
    let r = s
        .graph(
            &t,
            "POST",
            "/me/sendMail",
            Some(json!({"message": {"subject": "x"}})),
        )
        .await;
    assert_eq!(r.code(), "ErrorInvalidRecipients");

    // The User Administrator without an Exchange Online mailbox.
    let noel = s.sign_in("noel.nomailbox").await;
    let r = s
        .graph(
            &noel,
            "POST",
            "/me/sendMail",
            Some(welcome("alex.wilber.home@example.net", Some(false))),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.code(), "MailboxNotEnabledForRESTAPI");
    assert_eq!(
        r.message(),
        "The mailbox is either inactive, soft-deleted, or is hosted on-premise."
    );

    // Without Mail.Send.
    let narrow = s
        .sign_in_with(&upn("ada.admin"), "User.Read.All openid")
        .await
        .access;
    let r = s
        .graph(
            &narrow,
            "POST",
            "/me/sendMail",
            Some(welcome("a@example.com", None)),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.code(), "ErrorAccessDenied");
    assert_eq!(
        s.get("/_sandbox/outbox.json").await.json()["messages"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[tokio::test]
async fn sending_from_a_shared_mailbox_needs_mail_send_shared_and_send_as() {
    let s = Sbx::new();
    let path = format!("/users/{}/sendMail", upn("helpdesk"));
    // Handover's default scopes have Mail.Send but not Mail.Send.Shared.
    let t = s.sign_in("hana.helpdesk").await;
    let r = s
        .graph(
            &t,
            "POST",
            &path,
            Some(welcome("a@example.com", Some(false))),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.code(), "ErrorAccessDenied");
    let shared_scopes = format!("{DEFAULT_SCOPES} Mail.Send.Shared");
    let t = s
        .sign_in_with(&upn("hana.helpdesk"), &shared_scopes)
        .await
        .access;
    let r = s
        .graph(
            &t,
            "POST",
            &path,
            Some(welcome("a@example.com", Some(false))),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let out = s.get("/_sandbox/outbox.json").await.json();
    assert_eq!(
        out["messages"][0]["from"]["emailAddress"]["address"],
        upn("helpdesk")
    );
    assert_eq!(out["messages"][0]["sentBy"], upn("hana.helpdesk"));
    // Rita has no send-as right on it.
    let rita = s
        .sign_in_with(&upn("rita.regular"), &shared_scopes)
        .await
        .access;
    let r = s
        .graph(
            &rita,
            "POST",
            &path,
            Some(welcome("a@example.com", Some(false))),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.code(), "ErrorSendAsDenied");
}

#[tokio::test]
async fn a_batch_whose_first_request_fails_gives_its_dependent_424() {
    let s = Sbx::new();
    let t = s.sign_in("hana.helpdesk").await;
    let body = json!({"requests": [
        {"id": "1", "method": "PATCH", "url": format!("/users/{}", upn("gordon.gale")),
         "headers": {"Content-Type": "application/json"},
         "body": {"passwordProfile": {"forceChangePasswordNextSignIn": true, "password": "Blue-Harbor-42!"}}},
        {"id": "2", "method": "POST", "url": "/me/sendMail", "dependsOn": ["1"],
         "headers": {"Content-Type": "application/json"}, "body": welcome("a@example.com", Some(false))},
        {"id": "3", "method": "GET", "url": "/me?$select=id,displayName"}
    ]});
    let r = s.graph(&t, "POST", "/$batch", Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    let by_id = |id: &str| {
        v["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(by_id("1")["status"], 403);
    assert_eq!(
        by_id("1")["body"]["error"]["code"],
        "Authorization_RequestDenied"
    );
    assert_eq!(by_id("2")["status"], 424);
    assert_eq!(by_id("3")["status"], 200);
    assert_eq!(by_id("3")["body"]["displayName"], "Hana Kowalski");
    assert_eq!(
        s.get("/_sandbox/outbox.json").await.json()["messages"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // The request log has the inner requests.
    let log = s.get("/_sandbox/requests").await.json();
    let batch = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "/v1.0/$batch")
        .unwrap()
        .clone();
    assert_eq!(batch["inner"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn batch_inner_headers_carry_location_and_retry_after() {
    let s = Sbx::new();
    let t = s.sign_in("aaron.auth").await;
    s.post_json("/_sandbox/faults", json!({"method": "GET", "path": "/v1.0/users/*", "status": 429, "retryAfter": 2, "count": 1})).await;
    let body = json!({"requests": [
        {"id": "reset", "method": "POST",
         "url": format!("/users/{}/authentication/methods/28c10230-6103-485e-b985-444c60001490/resetPassword", upn("alex.wilber")),
         "headers": {"Content-Type": "application/json"}, "body": {"newPassword": "Blue-Harbor-42!"}},
        {"id": "read", "method": "GET", "url": format!("users/{}", upn("megan.bowen"))}
    ]});
    let r = s.graph(&t, "POST", "/$batch", Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    let by_id = |id: &str| {
        v["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .unwrap()
            .clone()
    };
    let reset = by_id("reset");
    assert_eq!(reset["status"], 202);
    let loc = reset["headers"]["Location"].as_str().unwrap();
    assert!(loc.contains("/authentication/operations/") && loc.contains('?'));
    assert!(reset["headers"]["Retry-After"].is_string());
    // The inner GET was throttled on its own.
    let read = by_id("read");
    assert_eq!(read["status"], 429);
    assert_eq!(read["headers"]["Retry-After"], "2");
    assert_eq!(read["body"]["error"]["code"], "TooManyRequests");
}

#[tokio::test]
async fn batch_limits_and_shape_errors() {
    let s = Sbx::new();
    let t = s.sign_in("hana.helpdesk").await;
    let many: Vec<Value> = (1..=21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me"}))
        .collect();
    let r = s
        .graph(&t, "POST", "/$batch", Some(json!({"requests": many})))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = s
        .graph(&t, "POST", "/$batch", Some(json!({"requests": [{"id": "1", "method": "GET", "url": "/me"}, {"id": "1", "method": "GET", "url": "/me"}]})))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = s
        .graph(&t, "POST", "/$batch", Some(json!({"requests": [{"id": "1", "method": "GET", "url": "/me", "dependsOn": ["9"]}]})))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // A body without a Content-Type inner header is refused for that request only.
    let r = s
        .graph(&t, "POST", "/$batch", Some(json!({"requests": [
            {"id": "1", "method": "POST", "url": "/me/sendMail", "body": welcome("a@example.com", Some(false))},
            {"id": "2", "method": "GET", "url": "/me"}]})))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v["responses"][0]["status"], 400);
    assert_eq!(v["responses"][1]["status"], 200);
    // Exactly 20 is fine.
    let twenty: Vec<Value> = (1..=20)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me"}))
        .collect();
    let r = s
        .graph(&t, "POST", "/$batch", Some(json!({"requests": twenty})))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["responses"].as_array().unwrap().len(), 20);
}

#[tokio::test]
async fn send_mail_custom_headers_must_start_with_x() {
    let s = Sbx::new();
    let t = s.sign_in("ada.admin").await;
    let mut body = welcome("alex.wilber.home@example.net", Some(false));
    body["message"]["internetMessageHeaders"] = json!([
        {"name": "X-Handover-Encrypt", "value": "OME"},
        {"name": "x-lower", "value": "1"}
    ]);
    let r = s.graph(&t, "POST", "/me/sendMail", Some(body)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let out = s.get("/_sandbox/outbox.json").await.json();
    let headers = out["messages"][0]["internetMessageHeaders"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(headers
        .iter()
        .any(|h| h["name"] == "X-Handover-Encrypt" && h["value"] == "OME"));
    assert!(headers.iter().any(|h| h["name"] == "x-lower"));
    let page = s.get("/_sandbox/outbox").await;
    assert!(
        page.text.contains("X-Handover-Encrypt"),
        "the outbox page shows the header"
    );

    // Any other name, or more than five, is refused as Graph refuses it, and nothing is sent.
    let six: Vec<Value> = (0..6)
        .map(|i| json!({"name": format!("X-Extra-{i}"), "value": "1"}))
        .collect();
    for (headers, code, message) in [
        (
            json!([{"name": "Handover-Encrypt", "value": "1"}]),
            "InvalidInternetMessageHeader",
            "The internet message header name 'Handover-Encrypt' should start with 'x-' or 'X-'.",
        ),
        (
            json!(six),
            "InvalidInternetMessageHeaderCollection",
            "Maximum number of headers in one message should be less than or equal to 5.",
        ),
    ] {
        let mut body = welcome("alex.wilber.home@example.net", Some(false));
        body["message"]["internetMessageHeaders"] = headers;
        let r = s.graph(&t, "POST", "/me/sendMail", Some(body)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
        let v: Value = serde_json::from_str(&r.text).unwrap();
        assert_eq!(v["error"]["code"], code);
        assert_eq!(v["error"]["message"], message);
        let out = s.get("/_sandbox/outbox.json").await.json();
        assert_eq!(out["messages"].as_array().map(Vec::len), Some(1));
    }

    // Five is the most one message may carry, and they go.
    let mut body = welcome("alex.wilber.home@example.net", Some(false));
    body["message"]["internetMessageHeaders"] = json!(six[..5]);
    let r = s.graph(&t, "POST", "/me/sendMail", Some(body)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let out = s.get("/_sandbox/outbox.json").await.json();
    assert_eq!(out["messages"].as_array().map(Vec::len), Some(2));
}
