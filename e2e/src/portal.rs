//! A stand-in intranet portal: one HTML page on its own loopback port (another origin than the
//! sandbox's page, same site), to embed Handover in an iframe.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Serves `html` for every request until dropped.
pub struct Portal {
    port: u16,
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
        let html = html.to_string();
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let html = html.clone();
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
        Ok(Portal { port, task })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        self.task.abort();
    }
}
