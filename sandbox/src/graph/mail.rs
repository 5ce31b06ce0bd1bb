//! `me/sendMail` and `users/{mailbox}/sendMail`: validated as Exchange Online does, then delivered
//! to the sandbox's outbox (and the sender's Sent Items when `saveToSentItems` is true or omitted).

use super::{Caller, Ctx, GReq, GResp};
use crate::state::Shared;
use crate::util;
use serde_json::{json, Value};

const MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

fn access_denied(ctx: &Ctx) -> GResp {
    GResp::error(
        ctx,
        403,
        "ErrorAccessDenied",
        "Access is denied. Check credentials and try again.",
    )
}

fn invalid_recipients(ctx: &Ctx, detail: &str) -> GResp {
    GResp::error(
        ctx,
        400,
        "ErrorInvalidRecipients",
        &format!("At least one recipient isn't valid., {detail}"),
    )
}

/// A deliberately plain address check: local@domain.tld, no spaces, no empty labels.
pub fn address_is_valid(a: &str) -> bool {
    let Some((local, domain)) = a.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !local.contains('@')
        && !a
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>(),;:\\\"[]".contains(c))
        && domain.contains('.')
        && domain
            .split('.')
            .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'))
}

/// A readable text rendering of an HTML body, for the outbox.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let mut tag = String::new();
    let mut skip_until: Option<&str> = None;
    for c in html.chars() {
        if in_tag {
            if c == '>' {
                in_tag = false;
                let name: String = tag
                    .trim_start_matches('/')
                    .chars()
                    .take_while(|c| c.is_alphanumeric())
                    .collect::<String>()
                    .to_ascii_lowercase();
                let closing = tag.starts_with('/');
                match (name.as_str(), closing) {
                    ("style" | "script" | "head", false) => {
                        skip_until = Some(match name.as_str() {
                            "style" => "style",
                            "script" => "script",
                            _ => "head",
                        })
                    }
                    (n, true) if Some(n) == skip_until => skip_until = None,
                    ("br", _)
                    | ("p" | "div" | "tr" | "li" | "h1" | "h2" | "h3" | "table", true) => {
                        out.push('\n')
                    }
                    _ => {}
                }
                tag.clear();
            } else {
                tag.push(c);
            }
        } else if c == '<' {
            in_tag = true;
        } else if skip_until.is_none() {
            out.push(c);
        }
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&");
    decoded
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
        .split("\n\n\n")
        .collect::<Vec<_>>()
        .join("\n\n")
        .trim()
        .to_string()
}

fn recipients(ctx: &Ctx, message: &Value, field: &str) -> Result<Vec<Value>, GResp> {
    let Some(list) = message.get(field) else {
        return Ok(vec![]);
    };
    if list.is_null() {
        return Ok(vec![]);
    }
    let Some(list) = list.as_array() else {
        return Err(GResp::error(
            ctx,
            400,
            "RequestBodyRead",
            &format!("The property '{field}' must be a collection of recipients."),
        ));
    };
    let mut out = vec![];
    for r in list {
        let addr = r
            .get("emailAddress")
            .and_then(|e| e.get("address"))
            .and_then(Value::as_str)
            .unwrap_or("");
        if !address_is_valid(addr) {
            return Err(invalid_recipients(
                ctx,
                &format!("Recipient '{addr}' is not resolved. All recipients must be resolved before a message can be submitted."),
            ));
        }
        let name = r
            .get("emailAddress")
            .and_then(|e| e.get("name"))
            .cloned()
            .unwrap_or(Value::Null);
        out.push(json!({"emailAddress": {"name": name, "address": addr}}));
    }
    Ok(out)
}

pub fn send_mail(
    shared: &Shared,
    caller: &Caller,
    ctx: &Ctx,
    req: &GReq,
    key: &str,
    is_me: bool,
) -> GResp {
    let mut s = shared.lock();
    let Some(me) = s.tenant.user(&caller.user_id).cloned() else {
        return access_denied(ctx);
    };
    let Some(mailbox) = s.tenant.user(key).cloned() else {
        return GResp::error(
            ctx,
            404,
            "ErrorInvalidUser",
            &format!("The requested user '{key}' is invalid."),
        );
    };
    let own = is_me || mailbox.id == me.id;
    if own {
        if !caller.has_any(&["Mail.Send"]) {
            return access_denied(ctx);
        }
    } else if !caller.has_any(&["Mail.Send.Shared"]) {
        return access_denied(ctx);
    }
    if !mailbox.has_mailbox {
        return GResp::error(
            ctx,
            404,
            "MailboxNotEnabledForRESTAPI",
            "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
        );
    }
    if !own && !mailbox.send_as.iter().any(|k| me.matches(k)) {
        return GResp::error(
            ctx,
            403,
            "ErrorSendAsDenied",
            "The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account., Cannot submit message.",
        );
    }
    let Some(body) = req.body.as_ref() else {
        return GResp::error(
            ctx,
            400,
            "ErrorInvalidRequest",
            "Empty Payload. JSON content expected.",
        );
    };
    if body.to_string().len() > MAX_MESSAGE_BYTES {
        return GResp::error(
            ctx,
            413,
            "ErrorMessageSizeExceeded",
            "The message exceeds the maximum supported size.",
        );
    }
    let Some(message) = body.get("message").filter(|m| m.is_object()) else {
        return GResp::error(
            ctx,
            400,
            "ErrorInvalidParameter",
            "The value of the parameter 'Message' is empty.",
        );
    };
    let save = match body.get("saveToSentItems") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(v)) if v.eq_ignore_ascii_case("true") => true,
        Some(Value::String(v)) if v.eq_ignore_ascii_case("false") => false,
        Some(v) => {
            return GResp::error(
                ctx,
                400,
                "RequestBodyRead",
                &format!("Cannot convert the literal '{v}' to the expected type 'Edm.Boolean'."),
            )
        }
    };
    let to = match recipients(ctx, message, "toRecipients") {
        Ok(v) => v,
        Err(e) => return e,
    };
    let cc = match recipients(ctx, message, "ccRecipients") {
        Ok(v) => v,
        Err(e) => return e,
    };
    let bcc = match recipients(ctx, message, "bccRecipients") {
        Ok(v) => v,
        Err(e) => return e,
    };
    let reply_to = match recipients(ctx, message, "replyTo") {
        Ok(v) => v,
        Err(e) => return e,
    };
    if to.is_empty() && cc.is_empty() && bcc.is_empty() {
        return invalid_recipients(
            ctx,
            "A message can't be sent because it contains no recipients.",
        );
    }
    let (content_type, content) = match message.get("body") {
        None | Some(Value::Null) => ("text", String::new()),
        Some(b) => {
            let ct = b
                .get("contentType")
                .and_then(Value::as_str)
                .unwrap_or("text");
            let ct = if ct.eq_ignore_ascii_case("html") {
                "html"
            } else if ct.eq_ignore_ascii_case("text") {
                "text"
            } else {
                return GResp::error(ctx, 400, "RequestBodyRead", &format!("Cannot convert the literal '{ct}' to the expected type 'microsoft.graph.bodyType'."));
            };
            (
                ct,
                b.get("content")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            )
        }
    };
    let subject = message
        .get("subject")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let text = if content_type == "html" {
        html_to_text(&content)
    } else {
        content.clone()
    };
    let message_id = format!("<{}@{}.sandbox.local>", util::guid(), s.tenant.domain);
    let from = json!({"emailAddress": {"name": mailbox.display_name, "address": mailbox.mail.clone().unwrap_or(mailbox.user_principal_name.clone())}});
    let sender = json!({"emailAddress": {"name": me.display_name, "address": me.mail.clone().unwrap_or(me.user_principal_name.clone())}});
    let addr_list = |v: &[Value]| {
        v.iter()
            .filter_map(|r| r["emailAddress"]["address"].as_str().map(str::to_owned))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut headers = vec![
        json!({"name": "Received", "value": format!("from sandbox.local by sandbox.local; {}", util::http_date(ctx.now_ms))}),
        json!({"name": "Date", "value": util::http_date(ctx.now_ms)}),
        json!({"name": "Message-ID", "value": message_id}),
        json!({"name": "From", "value": from["emailAddress"]["address"]}),
        json!({"name": "To", "value": addr_list(&to)}),
        json!({"name": "Subject", "value": subject}),
        json!({"name": "Content-Type", "value": if content_type == "html" { "text/html; charset=utf-8" } else { "text/plain; charset=utf-8" }}),
    ];
    if !cc.is_empty() {
        headers.push(json!({"name": "Cc", "value": addr_list(&cc)}));
    }
    if !own {
        headers.push(json!({"name": "Sender", "value": sender["emailAddress"]["address"]}));
    }
    // Custom headers: Graph documents that their names must start with "x-" and refuses any
    // other name with InvalidInternetMessageHeader, and more than 5 with
    // InvalidInternetMessageHeaderCollection (nothing is sent either way).
    let mut custom = Vec::new();
    match message.get("internetMessageHeaders") {
        None | Some(Value::Null) => {}
        Some(Value::Array(extra)) => {
            // Graph refuses more than 5 (Microsoft Q&A 762243 quotes the answer word for word).
            if extra.len() > 5 {
                return GResp::error(
                    ctx,
                    400,
                    "InvalidInternetMessageHeaderCollection",
                    "Maximum number of headers in one message should be less than or equal to 5.",
                );
            }
            for h in extra {
                let name = h.get("name").and_then(Value::as_str).unwrap_or("");
                let value = h.get("value").and_then(Value::as_str);
                if !(name.len() > 2 && name[..2].eq_ignore_ascii_case("x-")) {
                    return GResp::error(
                        ctx,
                        400,
                        "InvalidInternetMessageHeader",
                        &format!("The internet message header name '{name}' should start with 'x-' or 'X-'."),
                    );
                }
                custom.push(json!({"name": name, "value": value.unwrap_or("")}));
            }
        }
        Some(v) => {
            return GResp::error(
                ctx,
                400,
                "RequestBodyRead",
                &format!("An unexpected '{}' node was found when reading from the JSON reader. A 'StartArray' node was expected.", if v.is_object() { "StartObject" } else { "PrimitiveValue" }),
            )
        }
    }
    headers.extend(custom);
    let entry = json!({
        "id": util::guid(),
        "internetMessageId": message_id,
        "sentDateTime": util::iso(ctx.now_ms),
        "from": from,
        "sender": sender,
        "sentBy": me.user_principal_name,
        "toRecipients": to,
        "ccRecipients": cc,
        "bccRecipients": bcc,
        "replyTo": reply_to,
        "subject": subject,
        "importance": message.get("importance").cloned().unwrap_or(json!("normal")),
        "body": {"contentType": content_type, "content": content},
        "text": text,
        "internetMessageHeaders": headers,
        "attachments": message.get("attachments").and_then(Value::as_array).map(|a| a.len()).unwrap_or(0),
        "saveToSentItems": save,
        "requestId": ctx.request_id,
        "clientRequestId": ctx.client_request_id,
    });
    if save {
        s.sent_items
            .entry(mailbox.user_principal_name.clone())
            .or_default()
            .push(entry.clone());
    }
    s.outbox.push(entry);
    GResp::empty(202)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert!(address_is_valid("alex.wilber.home@example.net"));
        assert!(address_is_valid("o'brien@contoso.com"));
        assert!(!address_is_valid("not-an-address"));
        assert!(!address_is_valid("a b@example.com"));
        assert!(!address_is_valid("a@localhost"));
        assert!(!address_is_valid("a@example..com"));
    }

    #[test]
    fn html_becomes_text() {
        let t = html_to_text("<html><head><style>p{}</style></head><body><p>Hello &lt;Alex&gt;</p><p>Your password: <b>X-1</b></p></body></html>");
        assert!(t.contains("Hello <Alex>"), "{t}");
        assert!(t.contains("Your password: X-1"), "{t}");
        assert!(!t.contains("p{}"));
    }
}
