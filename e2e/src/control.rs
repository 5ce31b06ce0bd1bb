//! A tiny HTTP/1.1 client for the sandbox's control API (`/_sandbox/...`) and its JSON, so the
//! tests need no HTTP library. Loopback only, one request per connection.

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends one request to `http://127.0.0.1:{port}{path}` and returns (status, body).
pub async fn request(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<(u16, String), String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| format!("cannot reach the sandbox on port {port}: {e}"))?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
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
    parse_response(&raw).ok_or_else(|| format!("{method} {path}: not an HTTP answer"))
}

fn parse_response(raw: &[u8]) -> Option<(u16, String)> {
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
    Some((status, body))
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
    use super::parse_response;

    #[test]
    fn reads_plain_and_chunked_answers() {
        let plain = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(parse_response(plain), Some((200, "{}".to_string())));
        let chunked =
            b"HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse_response(chunked), Some((404, "abcde".to_string())));
        assert_eq!(parse_response(b"garbage"), None);
    }
}
