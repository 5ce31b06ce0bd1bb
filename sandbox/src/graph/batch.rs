//! `POST /v1.0/$batch` (JSON batching): at most 20 requests with unique ids, `dependsOn` ordering,
//! 424 Failed Dependency for dependents of a failed request, each inner request authorised and
//! faulted on its own, inner response headers (Location, Retry-After) inside the JSON.

use super::{bad_request, dispatch, fault_response, Caller, Ctx, GReq, GResp};
use crate::middleware::{self, LogId};
use crate::state::Shared;
use crate::util;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};

const MAX_REQUESTS: usize = 20;

struct Inner {
    id: String,
    method: String,
    url: String,
    headers: HashMap<String, String>,
    body: Option<Value>,
    depends_on: Vec<String>,
}

fn parse(ctx: &Ctx, body: Option<&Value>) -> Result<Vec<Inner>, GResp> {
    let invalid = |m: &str| bad_request(ctx, "BadRequest", m);
    let Some(list) = body
        .and_then(|b| b.get("requests"))
        .and_then(Value::as_array)
    else {
        return Err(invalid(
            "Invalid batch payload format: a 'requests' array is required.",
        ));
    };
    if list.is_empty() {
        return Err(invalid(
            "Invalid batch payload format: the 'requests' array is empty.",
        ));
    }
    if list.len() > MAX_REQUESTS {
        return Err(invalid(&format!(
            "Invalid batch payload: the number of requests ({}) exceeds the limit of {MAX_REQUESTS}.",
            list.len()
        )));
    }
    let mut out = Vec::new();
    let mut ids = HashSet::new();
    for r in list {
        let id = match r.get("id") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => {
                return Err(invalid(
                    "Invalid batch payload: every request needs a string 'id'.",
                ))
            }
        };
        if !ids.insert(id.clone()) {
            return Err(invalid(&format!(
                "Invalid batch payload: the request id '{id}' is not unique."
            )));
        }
        let method = match r.get("method").and_then(Value::as_str) {
            Some(m) => m.to_ascii_uppercase(),
            None => {
                return Err(invalid(&format!(
                    "Invalid batch payload: request '{id}' has no 'method'."
                )))
            }
        };
        let url = match r.get("url").and_then(Value::as_str) {
            Some(u) => u.to_string(),
            None => {
                return Err(invalid(&format!(
                    "Invalid batch payload: request '{id}' has no 'url'."
                )))
            }
        };
        let headers = r
            .get("headers")
            .and_then(Value::as_object)
            .map(|h| {
                h.iter()
                    .map(|(k, v)| {
                        let v = v
                            .as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| v.to_string());
                        (k.to_ascii_lowercase(), v)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let depends_on = match r.get("dependsOn") {
            None | Some(Value::Null) => vec![],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect(),
            Some(_) => {
                return Err(invalid(&format!(
                    "Invalid batch payload: 'dependsOn' of request '{id}' must be an array of ids."
                )))
            }
        };
        out.push(Inner {
            id,
            method,
            url,
            headers,
            body: r.get("body").filter(|b| !b.is_null()).cloned(),
            depends_on,
        });
    }
    for r in &out {
        for d in &r.depends_on {
            if !ids.contains(d) || d == &r.id {
                return Err(invalid(&format!(
                    "Invalid batch payload: request '{}' depends on '{d}', which is not an earlier request of this batch.",
                    r.id
                )));
            }
        }
    }
    Ok(out)
}

/// A stable topological order (array order among the ready ones); `None` on a cycle.
fn execution_order(reqs: &[Inner]) -> Option<Vec<usize>> {
    let mut done: HashSet<&str> = HashSet::new();
    let mut order = Vec::new();
    while order.len() < reqs.len() {
        let next = reqs.iter().enumerate().find(|(i, r)| {
            !order.contains(i) && r.depends_on.iter().all(|d| done.contains(d.as_str()))
        });
        let (i, r) = next?;
        done.insert(r.id.as_str());
        order.push(i);
    }
    Some(order)
}

fn inner_json(id: &str, resp: &GResp) -> Value {
    let mut headers = Map::new();
    for (k, v) in &resp.headers {
        headers.insert(k.clone(), json!(v));
    }
    if resp.body.is_some() {
        headers.insert(
            "Content-Type".into(),
            json!("application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"),
        );
    }
    let mut o = Map::new();
    o.insert("id".into(), json!(id));
    o.insert("status".into(), json!(resp.status));
    o.insert("headers".into(), Value::Object(headers));
    if let Some(b) = &resp.body {
        o.insert("body".into(), b.clone());
    }
    Value::Object(o)
}

pub async fn run(
    shared: &Shared,
    caller: &Caller,
    ctx: &Ctx,
    req: &GReq,
    log_id: Option<LogId>,
) -> GResp {
    if req.body_invalid {
        return bad_request(ctx, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.");
    }
    let reqs = match parse(ctx, req.body.as_ref()) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let Some(order) = execution_order(&reqs) else {
        return bad_request(
            ctx,
            "BadRequest",
            "Invalid batch payload: the dependsOn chains form a cycle.",
        );
    };
    let mut statuses: HashMap<String, u16> = HashMap::new();
    let mut responses = Vec::new();
    for i in order {
        let r = &reqs[i];
        let ictx = Ctx::new(None, shared.now_ms());
        let ictx = Ctx {
            client_request_id: ictx.request_id.clone(),
            ..ictx
        };
        let (path, query) = match r.url.split_once('?') {
            Some((p, q)) => (p.to_string(), q.to_string()),
            None => (r.url.clone(), String::new()),
        };
        let path = if path.starts_with('/') {
            path
        } else {
            format!("/{path}")
        };
        let failed_dep = r
            .depends_on
            .iter()
            .find(|d| statuses.get(*d).is_none_or(|s| !(200..300).contains(s)));
        let mut faulted = false;
        let resp = if let Some(d) = failed_dep {
            GResp::error(
                &ictx,
                424,
                "FailedDependency",
                &format!("The request depends on request '{d}', which failed."),
            )
        } else if r.url.starts_with("http://") || r.url.starts_with("https://") {
            bad_request(
                &ictx,
                "BadRequest",
                "The url of a batch request must be relative, e.g. /users/{id}.",
            )
        } else if r.body.is_some() && !r.headers.contains_key("content-type") {
            bad_request(
                &ictx,
                "BadRequest",
                "A Content-Type header is required for a batch request that has a body.",
            )
        } else {
            let full_path = format!("/v1.0{path}");
            let hit = middleware::take_fault(shared, &r.method, &full_path);
            let mut out = None;
            if let Some(hit) = hit {
                middleware::apply_latency(&hit).await;
                if let Some(status) = hit.status {
                    faulted = true;
                    out = Some(fault_response(&ictx, &hit, status));
                }
            }
            match out {
                Some(o) => o,
                None => {
                    let inner = GReq {
                        method: r.method.clone(),
                        path: path.clone(),
                        query: util::parse_query(&query),
                        headers: r.headers.clone(),
                        body: r.body.clone(),
                        body_invalid: false,
                    };
                    let ictx = Ctx {
                        now_ms: shared.now_ms(),
                        ..ictx.clone()
                    };
                    dispatch(shared, caller, &ictx, &inner)
                }
            }
        };
        statuses.insert(r.id.clone(), resp.status);
        if let Some(LogId(log_id)) = log_id {
            let mut s = shared.lock();
            if let Some(e) = s.log.iter_mut().rev().find(|e| e["id"] == log_id) {
                let mut redacted = Map::new();
                for (k, v) in &r.headers {
                    let v = if k == "authorization" {
                        "[redacted]".to_string()
                    } else {
                        v.clone()
                    };
                    redacted.insert(k.clone(), json!(v));
                }
                let inner = json!({
                    "id": r.id,
                    "method": r.method,
                    "url": r.url,
                    "path": path,
                    "query": util::parse_query(&query).into_iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
                    "headers": redacted,
                    "body": r.body,
                    "dependsOn": r.depends_on,
                    "status": resp.status,
                    "faulted": faulted,
                });
                match e.get_mut("inner").and_then(Value::as_array_mut) {
                    Some(a) => a.push(inner),
                    None => e["inner"] = json!([inner]),
                }
            }
        }
        responses.push(inner_json(&r.id, &resp));
    }
    GResp::json(200, json!({"responses": responses}))
}
