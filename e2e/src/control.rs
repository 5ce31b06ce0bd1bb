//! A tiny HTTP/1.1 client for the sandbox's control API (`/_sandbox/...`) and its JSON, so the
//! tests need no HTTP library. Loopback only, one request per connection.

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends one JSON request to `http://127.0.0.1:{port}{path}` and returns (status, body).
pub async fn request(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<(u16, String), String> {
    let body = body.map(Value::to_string).unwrap_or_default();
    let json = [("Content-Type", "application/json")];
    let a = exchange(port, "127.0.0.1", method, path, &json, &body).await?;
    Ok((a.status, a.body))
}

/// An HTTP answer: its status, its head (status line and headers) and its body, de-chunked.
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Answer {
    /// The value of the first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// One HTTP/1.1 request on its own loopback connection to `port`, sent with
/// `Host: {host}:{port}` (the sandbox serves the page on 127.0.0.1 and its API on localhost).
pub async fn exchange(
    port: u16,
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<Answer, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| format!("cannot reach the sandbox on port {port}: {e}"))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream
        .write_all(head.as_bytes())
        .await
        .and(stream.write_all(body.as_bytes()).await)
        .map_err(|e| format!("{method} {path}: {e}"))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .await
        .map_err(|e| format!("{method} {path}: {e}"))?;
    parse_answer(&raw).ok_or_else(|| format!("{method} {path}: not an HTTP answer"))
}

fn parse_answer(raw: &[u8]) -> Option<Answer> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase()
            .starts_with("transfer-encoding: chunked")
    });
    let body = if chunked {
        dechunk(body)?
    } else {
        body.to_string()
    };
    Some(Answer {
        status,
        head: head.to_owned(),
        body,
    })
}

pub(crate) fn dechunk(mut rest: &str) -> Option<String> {
    let mut out = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n")?;
        let n = usize::from_str_radix(size.trim(), 16).ok()?;
        if n == 0 {
            return Some(out);
        }
        out.push_str(after.get(..n)?);
        rest = after.get(n + 2..)?;
    }
}

/// GET a JSON document from the control API (or any sandbox path).
pub async fn get_json(port: u16, path: &str) -> Result<Value, String> {
    let (status, body) = request(port, "GET", path, None).await?;
    if status != 200 {
        return Err(format!("GET {path} answered {status}: {body}"));
    }
    serde_json::from_str(&body).map_err(|e| format!("GET {path}: not JSON: {e}"))
}

/// POST JSON to the control API; any 2xx is success.
pub async fn post_json(port: u16, path: &str, body: &Value) -> Result<String, String> {
    let (status, text) = request(port, "POST", path, Some(body)).await?;
    if !(200..300).contains(&status) {
        return Err(format!("POST {path} answered {status}: {text}"));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::parse_answer;

    #[test]
    fn reads_plain_and_chunked_answers() {
        let read = |raw: &[u8]| parse_answer(raw).map(|a| (a.status, a.body));
        let plain = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(read(plain), Some((200, "{}".to_string())));
        let chunked =
            b"HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(read(chunked), Some((404, "abcde".to_string())));
        assert_eq!(read(b"garbage"), None);
    }

    #[test]
    fn headers_are_read_in_any_case() {
        let raw = b"HTTP/1.1 302 Found\r\nLocation: /cb?code=x\r\n\r\n";
        let a = parse_answer(raw).expect("an answer");
        assert_eq!(a.header("location"), Some("/cb?code=x"));
        assert_eq!(a.header("LOCATION"), Some("/cb?code=x"));
        assert_eq!(a.header("retry-after"), None);
    }
}
