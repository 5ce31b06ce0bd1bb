//! The Graph calls Handover makes, each as a [`Call`]: a method, a path relative to `/v1.0`,
//! headers and an optional JSON body. A `Call` becomes either a direct [`GraphRequest`] or one part
//! of a `$batch`, so the same builder serves both.

use core::fmt;

use zeroize::Zeroize;

use super::http::{GraphRequest, Headers, Method, GRAPH_VERSION};
use super::odata::{self, percent_encode, query, select};
use crate::secret::Secret;

/// The id of the password authentication method, the same for every user.
pub const PASSWORD_METHOD_ID: &str = "28c10230-6103-485e-b985-444c60001490";

/// A JSON request body. It may carry a password or an email that does, so it is zeroized on drop
/// and never printed; it is built only by Handover's serializers, so it is always valid JSON.
pub struct JsonBody(String);

impl JsonBody {
    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A copy for a retry (the same password is sent again, never a new one).
    pub fn duplicate(&self) -> JsonBody {
        JsonBody(self.0.clone())
    }

    fn into_string(mut self) -> String {
        core::mem::take(&mut self.0)
    }
}

impl Drop for JsonBody {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for JsonBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JsonBody([redacted])")
    }
}

pub(crate) use crate::json::push_string as push_json_string;

/// One Graph call, before it is sent directly or put in a `$batch`.
#[derive(Debug)]
pub struct Call {
    pub method: Method,
    /// Relative to the version root, starting with `/`: `/users/{id}`, `/me/sendMail`.
    pub path: String,
    pub headers: Headers,
    pub body: Option<JsonBody>,
}

impl Call {
    /// A call without body.
    pub fn new(method: Method, path: impl Into<String>) -> Call {
        Call {
            method,
            path: path.into(),
            headers: Headers::new(),
            body: None,
        }
    }

    /// Builder: adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Call {
        self.headers.set(name, value);
        self
    }

    /// Builder: a JSON body (also sets `Content-Type`, which `$batch` requires for a body).
    pub fn with_body(mut self, body: JsonBody) -> Call {
        self.headers.set("Content-Type", "application/json");
        self.body = Some(body);
        self
    }

    /// A copy for a retry.
    pub fn duplicate(&self) -> Call {
        Call {
            method: self.method,
            path: self.path.clone(),
            headers: self.headers.clone(),
            body: self.body.as_ref().map(JsonBody::duplicate),
        }
    }

    /// The direct request: `/v1.0` + path. The caller stamps `client-request-id`.
    pub fn into_request(self) -> GraphRequest {
        let mut req = GraphRequest::new(self.method, format!("{GRAPH_VERSION}{}", self.path));
        req.headers = self.headers;
        req.body = self.body.map(JsonBody::into_string);
        req
    }
}

/// `GET /users/{id}?$select=...` (the Review step's fields).
pub fn get_user(user_id: &str) -> Call {
    Call::new(
        Method::Get,
        format!(
            "/users/{}{}",
            percent_encode(user_id),
            query(&[("$select", &select(odata::USER_SELECT))])
        ),
    )
}

/// `GET /users/{id}?$select=id,lastPasswordChangeDateTime`: tells whether a reset whose answer was
/// lost took place (the timestamp moves).
pub fn get_last_password_change(user_id: &str) -> Call {
    Call::new(
        Method::Get,
        format!(
            "/users/{}{}",
            percent_encode(user_id),
            query(&[("$select", "id,lastPasswordChangeDateTime")])
        ),
    )
}

/// `GET /me?$select=id,displayName,userPrincipalName,mail`.
pub fn get_me() -> Call {
    Call::new(
        Method::Get,
        format!("/me{}", query(&[("$select", &select(odata::ME_SELECT))])),
    )
}

/// Active directory roles, including those held through role-assignable groups.
pub fn user_directory_roles(user_id: &str) -> Call {
    Call::new(
        Method::Get,
        format!(
            "/users/{}/transitiveMemberOf/microsoft.graph.directoryRole{}",
            percent_encode(user_id),
            query(&[("$select", &select(odata::ROLE_SELECT))])
        ),
    )
}

/// The signed-in admin's active directory roles.
pub fn my_directory_roles() -> Call {
    Call::new(
        Method::Get,
        format!(
            "/me/transitiveMemberOf/microsoft.graph.directoryRole{}",
            query(&[("$select", &select(odata::ROLE_SELECT))])
        ),
    )
}

/// PIM-eligible role instances of a principal (needs `RoleEligibilitySchedule.Read.Directory` or
/// `RoleManagement.Read.Directory`; a 403 means "unknown", not "none").
pub fn role_eligibility_instances(principal_id: &str) -> Call {
    let filter = format!("principalId eq {}", odata::quote(principal_id));
    Call::new(
        Method::Get,
        format!(
            "/roleManagement/directory/roleEligibilityScheduleInstances{}",
            query(&[("$filter", &filter)])
        ),
    )
}

/// Everything the user belongs to, directly or not (groups, roles, administrative units), to find
/// role-assignable groups: groups carry `isAssignableToRole` by default, which is checked
/// client-side. Filtering on it server-side would be an advanced query (`ConsistencyLevel`,
/// `$count`) over a cast segment; reading the plain list needs neither.
pub fn group_memberships(user_id: &str) -> Call {
    Call::new(
        Method::Get,
        format!(
            "/users/{}/transitiveMemberOf{}",
            percent_encode(user_id),
            query(&[("$top", "999")])
        ),
    )
}

/// Groups the user owns (owners of role-assignable groups count as privileged); filtered
/// client-side because owned objects are few.
pub fn owned_groups(user_id: &str) -> Call {
    Call::new(
        Method::Get,
        format!(
            "/users/{}/ownedObjects/microsoft.graph.group{}",
            percent_encode(user_id),
            query(&[("$select", &select(odata::GROUP_SELECT))])
        ),
    )
}

/// The user's registered authentication methods (for a later issue: TAP advice).
pub fn authentication_methods(user_id: &str) -> Call {
    Call::new(
        Method::Get,
        format!("/users/{}/authentication/methods", percent_encode(user_id)),
    )
}

/// `PATCH /users/{id}` with `passwordProfile` and `forceChangePasswordNextSignIn: true`.
/// Answer: 204.
pub fn patch_password(user_id: &str, password: &Secret) -> Call {
    let mut json = String::with_capacity(96 + 2 * password.len());
    json.push_str(r#"{"passwordProfile":{"password":"#);
    push_json_string(&mut json, password.expose_secret());
    json.push_str(r#","forceChangePasswordNextSignIn":true}}"#);
    Call::new(Method::Patch, format!("/users/{}", percent_encode(user_id)))
        .with_body(JsonBody(json))
}

/// `POST /users/{id}/authentication/methods/{password method}/resetPassword` with `newPassword`.
/// Answer: 202 with `Location` (the operation to poll) and maybe `Retry-After`.
pub fn reset_password(user_id: &str, password: &Secret) -> Call {
    let mut json = String::with_capacity(32 + 2 * password.len());
    json.push_str(r#"{"newPassword":"#);
    push_json_string(&mut json, password.expose_secret());
    json.push('}');
    Call::new(
        Method::Post,
        format!(
            "/users/{}/authentication/methods/{PASSWORD_METHOD_ID}/resetPassword",
            percent_encode(user_id)
        ),
    )
    .with_body(JsonBody(json))
}

/// `GET` an operation, from the path [`super::batch::version_relative_path`] made of `Location`.
pub fn get_operation(relative_path: &str) -> Call {
    Call::new(Method::Get, relative_path.to_owned())
}

/// Options of a Temporary Access Pass. All optional: the tenant's TAP policy fills the rest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TapRequest {
    /// 10 to 43,200 minutes.
    pub lifetime_in_minutes: Option<u32>,
    pub is_usable_once: Option<bool>,
    /// RFC 3339; absent means now.
    pub start_date_time: Option<String>,
}

impl TapRequest {
    /// The request body, the options that are set and nothing else.
    pub fn to_json(&self) -> String {
        let mut m = crate::json::Map::default();
        if let Some(n) = self.lifetime_in_minutes {
            m.insert("lifetimeInMinutes", n);
        }
        if let Some(b) = self.is_usable_once {
            m.insert("isUsableOnce", b);
        }
        if let Some(s) = &self.start_date_time {
            m.insert("startDateTime", s.as_str());
        }
        crate::json::Value::Object(m).to_json()
    }
}

impl From<&crate::credential::TapRequestBody> for TapRequest {
    /// The credential module's validated options, as the request body.
    fn from(body: &crate::credential::TapRequestBody) -> Self {
        TapRequest {
            lifetime_in_minutes: Some(body.lifetime_in_minutes),
            is_usable_once: Some(body.is_usable_once),
            start_date_time: body.start_date_time.clone(),
        }
    }
}

/// `POST /users/{id}/authentication/temporaryAccessPassMethods`. Answer: 201 with the pass.
pub fn create_temporary_access_pass(user_id: &str, options: &TapRequest) -> Call {
    Call::new(
        Method::Post,
        format!(
            "/users/{}/authentication/temporaryAccessPassMethods",
            percent_encode(user_id)
        ),
    )
    .with_body(JsonBody(options.to_json()))
}

/// `POST /users/{id}/revokeSignInSessions` (optional step: a reset does not end other sessions).
pub fn revoke_sign_in_sessions(user_id: &str) -> Call {
    Call::new(
        Method::Post,
        format!("/users/{}/revokeSignInSessions", percent_encode(user_id)),
    )
}

/// One recipient of the welcome email.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailAddress {
    pub address: String,
    pub name: Option<String>,
}

/// Whether the message body is HTML or plain text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyType {
    Html,
    Text,
}

/// The welcome email as Graph's `sendMail` wants it. The body carries the password or TAP, so it
/// is a [`Secret`].
#[derive(Debug)]
pub struct MailMessage {
    pub subject: String,
    pub body_type: BodyType,
    pub body: Secret,
    pub to: Vec<MailAddress>,
    pub cc: Vec<MailAddress>,
    /// Graph's default is `true`, which would leave the password in the admin's Sent Items.
    pub save_to_sent_items: bool,
    /// Custom `x-` headers (`internetMessageHeaders`), e.g. the one the tenant's mail flow rule
    /// matches to apply Purview Message Encryption. Graph takes at most
    /// [`MAX_CUSTOM_HEADERS`] and refuses names not starting with `x-`.
    pub headers: Vec<(String, String)>,
}

/// Graph's documented limit of custom headers on one message.
pub const MAX_CUSTOM_HEADERS: usize = 5;

impl MailMessage {
    /// An HTML message, not saved to Sent Items (the welcome module renders `html`).
    pub fn html(subject: String, html: Secret, to: Vec<MailAddress>, cc: Vec<MailAddress>) -> Self {
        MailMessage {
            subject,
            body_type: BodyType::Html,
            body: html,
            to,
            cc,
            save_to_sent_items: false,
            headers: Vec::new(),
        }
    }

    /// Every address the message goes to (to, then cc).
    pub fn recipients(&self) -> impl Iterator<Item = &str> {
        self.to.iter().chain(&self.cc).map(|a| a.address.as_str())
    }
}

fn push_recipients(json: &mut String, key: &str, list: &[MailAddress]) {
    json.push_str(",\"");
    json.push_str(key);
    json.push_str("\":[");
    for (i, a) in list.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str(r#"{"emailAddress":{"address":"#);
        push_json_string(json, &a.address);
        if let Some(name) = &a.name {
            json.push_str(r#","name":"#);
            push_json_string(json, name);
        }
        json.push_str("}}");
    }
    json.push(']');
}

/// `POST /me/sendMail`, or `/users/{mailbox}/sendMail` when sending from a shared mailbox.
/// Answer: 202 (accepted, not yet delivered).
pub fn send_mail(from_mailbox: Option<&str>, message: &MailMessage) -> Call {
    let body = message.body.expose_secret();
    let mut json = String::with_capacity(256 + message.subject.len() + 2 * body.len());
    json.push_str(r#"{"message":{"subject":"#);
    push_json_string(&mut json, &message.subject);
    json.push_str(r#","body":{"contentType":"#);
    json.push_str(match message.body_type {
        BodyType::Html => "\"HTML\"",
        BodyType::Text => "\"Text\"",
    });
    json.push_str(r#","content":"#);
    push_json_string(&mut json, body);
    json.push('}');
    push_recipients(&mut json, "toRecipients", &message.to);
    if !message.cc.is_empty() {
        push_recipients(&mut json, "ccRecipients", &message.cc);
    }
    let custom: Vec<&(String, String)> = message
        .headers
        .iter()
        .filter(|(name, _)| name.len() > 2 && name[..2].eq_ignore_ascii_case("x-"))
        .take(MAX_CUSTOM_HEADERS)
        .collect();
    if !custom.is_empty() {
        json.push_str(r#","internetMessageHeaders":["#);
        for (i, (name, value)) in custom.into_iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            json.push_str(r#"{"name":"#);
            push_json_string(&mut json, name);
            json.push_str(r#","value":"#);
            push_json_string(&mut json, value);
            json.push('}');
        }
        json.push(']');
    }
    json.push_str(r#"},"saveToSentItems":"#);
    json.push_str(if message.save_to_sent_items {
        "true"
    } else {
        "false"
    });
    json.push('}');
    let path = match from_mailbox {
        Some(mailbox) => format!("/users/{}/sendMail", percent_encode(mailbox)),
        None => "/me/sendMail".to_owned(),
    };
    Call::new(Method::Post, path).with_body(JsonBody(json))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn body_json(call: &Call) -> Value {
        let body = call.body.as_ref().map(JsonBody::as_str).unwrap_or("null");
        serde_json::from_str(body).unwrap_or(Value::Null)
    }

    #[test]
    fn patch_body_is_documented_shape_and_escapes() {
        let pw = Secret::new(r#"Ab"c\d{1}"#.to_owned());
        let call = patch_password("8a3b-1", &pw);
        assert_eq!(call.method, Method::Patch);
        assert_eq!(call.path, "/users/8a3b-1");
        let v = body_json(&call);
        assert_eq!(v["passwordProfile"]["password"], r#"Ab"c\d{1}"#);
        assert_eq!(v["passwordProfile"]["forceChangePasswordNextSignIn"], true);
        let req = call.into_request();
        assert_eq!(req.path_and_query, "/v1.0/users/8a3b-1");
        assert_eq!(req.headers.get("content-type"), Some("application/json"));
    }

    #[test]
    fn reset_password_targets_the_password_method() {
        let call = reset_password("u1", &Secret::new("Xy-12345678".into()));
        assert_eq!(
            call.path,
            "/users/u1/authentication/methods/28c10230-6103-485e-b985-444c60001490/resetPassword"
        );
        assert_eq!(body_json(&call)["newPassword"], "Xy-12345678");
    }

    #[test]
    fn send_mail_body_matches_graph_and_defaults_off_sent_items() {
        let msg = MailMessage {
            subject: "Welcome \"Ada\"".into(),
            body_type: BodyType::Html,
            body: Secret::new("<p>Password: <code>P@ss\u{1}</code></p>".into()),
            to: vec![MailAddress {
                address: "ada@example.org".into(),
                name: Some("Ada".into()),
            }],
            cc: vec![MailAddress {
                address: "helpdesk@contoso.com".into(),
                name: None,
            }],
            save_to_sent_items: false,
            headers: Vec::new(),
        };
        let call = send_mail(None, &msg);
        assert_eq!(call.path, "/me/sendMail");
        let v = body_json(&call);
        assert_eq!(v["saveToSentItems"], false);
        assert_eq!(v["message"]["subject"], "Welcome \"Ada\"");
        assert_eq!(v["message"]["body"]["contentType"], "HTML");
        assert_eq!(
            v["message"]["body"]["content"],
            "<p>Password: <code>P@ss\u{1}</code></p>"
        );
        assert_eq!(
            v["message"]["toRecipients"][0]["emailAddress"]["address"],
            "ada@example.org"
        );
        assert_eq!(
            v["message"]["ccRecipients"][0]["emailAddress"]["address"],
            "helpdesk@contoso.com"
        );
        assert!(v["message"]["ccRecipients"][0]["emailAddress"]
            .get("name")
            .is_none());
        let shared = send_mail(Some("help desk@contoso.com"), &msg);
        assert_eq!(shared.path, "/users/help%20desk%40contoso.com/sendMail");
        assert!(v["message"].get("internetMessageHeaders").is_none());
    }

    #[test]
    fn send_mail_carries_only_x_headers_at_most_five() {
        let mut msg = MailMessage::html(
            "Welcome".into(),
            Secret::new("<p>hi</p>".into()),
            vec![MailAddress {
                address: "ada@example.org".into(),
                name: None,
            }],
            vec![],
        );
        msg.headers
            .push(("X-Handover-Encrypt".into(), "OME \"1\"".into()));
        msg.headers.push(("Subject".into(), "no".into()));
        for i in 0..6 {
            msg.headers.push((format!("x-extra-{i}"), i.to_string()));
        }
        let v = body_json(&send_mail(None, &msg));
        let headers = v["message"]["internetMessageHeaders"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(headers.len(), MAX_CUSTOM_HEADERS);
        assert_eq!(headers[0]["name"], "X-Handover-Encrypt");
        assert_eq!(headers[0]["value"], "OME \"1\"");
        assert!(headers.iter().all(|h| h["name"] != "Subject"));
    }

    #[test]
    fn tap_request_from_the_credential_options() {
        let body = crate::credential::TapOptions::default().request_body();
        let request = body.as_ref().map(TapRequest::from).ok();
        let json = request.map(|r| serde_json::from_str(&r.to_json()).unwrap_or(Value::Null));
        assert_eq!(
            json,
            Some(serde_json::json!({"lifetimeInMinutes": 60, "isUsableOnce": true}))
        );
    }

    #[test]
    fn tap_request_omits_unset_options() {
        let call = create_temporary_access_pass(
            "u1",
            &TapRequest {
                lifetime_in_minutes: Some(60),
                is_usable_once: None,
                start_date_time: None,
            },
        );
        assert_eq!(
            body_json(&call),
            serde_json::json!({"lifetimeInMinutes": 60})
        );
    }

    #[test]
    fn paths_encode_ids_and_filters() {
        assert_eq!(
            role_eligibility_instances("o'x").path,
            "/roleManagement/directory/roleEligibilityScheduleInstances?$filter=principalId%20eq%20%27o%27%27x%27"
        );
        let groups = group_memberships("u1");
        assert_eq!(groups.path, "/users/u1/transitiveMemberOf?$top=999");
        assert!(groups.headers.is_empty());
        assert!(get_user("a/b").path.starts_with("/users/a%2Fb?$select="));
    }
}
