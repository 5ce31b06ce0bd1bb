//! A stand-in intranet portal: one HTML page on its own loopback port (another origin than the
//! sandbox's page, same site), to embed Handover in an iframe.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The example host page from the repository, as a portal author would copy it.
pub const EXAMPLE: &str = include_str!("../../examples/portal.html");
/// The Handover address the example names, replaced by [`example_portal`].
const EXAMPLE_HANDOVER_URL: &str = "https://handover.contoso.com/tools/handover/";

/// examples/portal.html with its iframe pointed at `handover_url`.
pub fn example_portal(handover_url: &str) -> Result<String, String> {
    if !EXAMPLE.contains(EXAMPLE_HANDOVER_URL) {
        return Err(format!(
            "examples/portal.html no longer names {EXAMPLE_HANDOVER_URL}"
        ));
    }
    Ok(EXAMPLE.replace(EXAMPLE_HANDOVER_URL, handover_url))
}

/// Serves `html` for every request until dropped.
pub struct Portal {
    port: u16,
    html: Arc<Mutex<String>>,
    task: JoinHandle<()>,
}

impl Portal {
    pub async fn start(html: &str) -> Result<Portal, String> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("portal: {e}"))?;
        let port = listener
            .local_addr()
            .map_err(|e| format!("portal: {e}"))?
            .port();
        let html = Arc::new(Mutex::new(html.to_string()));
        let served = html.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let html = served
                    .lock()
                    .map(|h| h.clone())
                    .unwrap_or_else(|p| p.into_inner().clone());
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = stream.read(&mut buf).await;
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{html}",
                        html.len()
                    );
                    let _ = stream.write_all(answer.as_bytes()).await;
                });
            }
        });
        Ok(Portal { port, html, task })
    }

    /// Serves `html` from now on (when the page needs the portal's own origin in it).
    pub fn set_html(&self, html: &str) {
        let mut h = self.html.lock().unwrap_or_else(|p| p.into_inner());
        *h = html.to_string();
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// `http://127.0.0.1:P`, as `allowedParentOrigins` names it.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        self.task.abort();
    }
}
