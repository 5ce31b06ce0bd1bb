//! The one send path: a fresh `client-request-id` on every request, and bounded retries with
//! backoff that honours `Retry-After` when it can be read and adds jitter when it cannot.
//!
//! Whether a retry is *safe* depends on what the request does, so this module offers two levels:
//! [`send_read`] retries a read on anything transient, while the workflow's runner uses
//! [`send_once`] and [`Backoff`] to decide step by step (a sendMail is never repeated after an
//! answer that may mean it went out).

use rand::{Rng, RngExt};

use super::error::{parse_retry_after, GraphError};
use super::http::{
    new_client_request_id, GraphRequest, GraphResponse, GraphTransport, TransportError,
};

/// Limits on retrying one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first one included.
    pub max_attempts: u32,
    /// The most time spent waiting between attempts of one step, in milliseconds.
    pub max_total_wait_ms: u32,
    /// The first backoff when Graph gives no `Retry-After`; doubled on each retry.
    pub base_delay_ms: u32,
    /// The largest backoff Handover picks itself (a longer `Retry-After` from Graph is honoured
    /// as long as the total stays within `max_total_wait_ms`).
    pub max_delay_ms: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            max_total_wait_ms: 60_000,
            base_delay_ms: 1_000,
            max_delay_ms: 16_000,
        }
    }
}

/// Counts attempts and waiting time of one step against a [`RetryPolicy`].
#[derive(Clone, Debug)]
pub struct Backoff {
    policy: RetryPolicy,
    retries: u32,
    waited_ms: u32,
}

impl Backoff {
    /// A fresh budget.
    pub fn new(policy: RetryPolicy) -> Backoff {
        Backoff {
            policy,
            retries: 0,
            waited_ms: 0,
        }
    }

    /// How long to wait before the next attempt, or `None` when the budget is spent. Uses
    /// `retry_after_ms` when Graph gave one, else exponential backoff with "equal jitter" (half
    /// fixed, half random), so clients that were throttled together do not return together.
    pub fn next_delay<R: Rng + ?Sized>(
        &mut self,
        retry_after_ms: Option<u32>,
        rng: &mut R,
    ) -> Option<u32> {
        if self.retries + 1 >= self.policy.max_attempts {
            return None;
        }
        let delay = match retry_after_ms {
            Some(ms) => ms,
            None => {
                let exp = self
                    .policy
                    .base_delay_ms
                    .saturating_mul(1u32.checked_shl(self.retries).unwrap_or(u32::MAX))
                    .min(self.policy.max_delay_ms);
                let half = exp / 2;
                half + rng.random_range(0..=exp - half)
            }
        };
        if self.waited_ms.saturating_add(delay) > self.policy.max_total_wait_ms {
            return None;
        }
        self.retries += 1;
        self.waited_ms += delay;
        Some(delay)
    }

    /// Attempts made so far (the first one included), once the current one is sent.
    pub fn attempt(&self) -> u32 {
        self.retries + 1
    }

    /// Time waited so far, in milliseconds.
    pub fn waited_ms(&self) -> u32 {
        self.waited_ms
    }
}

/// One request as sent: the id it carried, and what came back.
#[derive(Debug)]
pub struct Sent {
    pub client_request_id: String,
    pub response: Result<GraphResponse, TransportError>,
    /// Attempts made (1 when it was not retried).
    pub attempts: u32,
}

impl Sent {
    /// Graph's `request-id` of the answer, when readable.
    pub fn request_id(&self) -> Option<&str> {
        self.response
            .as_ref()
            .ok()
            .and_then(GraphResponse::request_id)
    }
}

/// Sends `req` once, stamped with a fresh `client-request-id` (returned with the answer).
pub async fn send_once<T: GraphTransport, R: Rng + ?Sized>(
    transport: &T,
    rng: &mut R,
    mut req: GraphRequest,
) -> (String, Result<GraphResponse, TransportError>) {
    let id = new_client_request_id(rng);
    // Graph echoes it in the answer and in error bodies; no other custom header is added, so
    // the CORS preflight stays minimal.
    req.headers.set("client-request-id", id.clone());
    (id, transport.send(req).await)
}

/// Sends a read (a GET, or a `$batch` of GETs), retrying 429, 503, 504 and lost answers within
/// `policy`. `make` builds a fresh request for each attempt; `on_wait(ms, next_attempt)` is
/// called before each wait so the page can say "Graph is busy, retrying in 4 s".
pub async fn send_read<T: GraphTransport, R: Rng + ?Sized>(
    transport: &T,
    rng: &mut R,
    policy: RetryPolicy,
    make: impl Fn() -> GraphRequest,
    on_wait: &mut dyn FnMut(u32, u32),
) -> Sent {
    // One copy of the retry loop for every caller's `make` (the page has four).
    send_read_dyn(transport, rng, policy, &make, on_wait).await
}

async fn send_read_dyn<T: GraphTransport, R: Rng + ?Sized>(
    transport: &T,
    rng: &mut R,
    policy: RetryPolicy,
    make: &dyn Fn() -> GraphRequest,
    on_wait: &mut dyn FnMut(u32, u32),
) -> Sent {
    let mut backoff = Backoff::new(policy);
    loop {
        let (client_request_id, response) = send_once(transport, rng, make()).await;
        let retry_after = match &response {
            Ok(r) if matches!(r.status, 429 | 503 | 504) => {
                Some(r.headers.get("retry-after").and_then(parse_retry_after))
            }
            Err(TransportError::NoAnswer { .. }) => Some(None),
            _ => None,
        };
        let delay = match retry_after {
            Some(ra) => backoff.next_delay(ra, rng),
            None => None,
        };
        match delay {
            Some(ms) => {
                on_wait(ms, backoff.attempt());
                transport.sleep(ms).await;
            }
            None => {
                return Sent {
                    client_request_id,
                    response,
                    attempts: backoff.attempt(),
                }
            }
        }
    }
}

/// The typed error of a non-2xx direct answer.
pub fn error_of(resp: &GraphResponse) -> Option<GraphError> {
    (!resp.is_success()).then(|| GraphError::from_response(resp))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    use crate::graph::testing::{block_on, Fake};
    use crate::graph::{GraphResponse, Method};

    fn read(fake: &Fake) -> (Sent, Vec<(u32, u32)>) {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let mut waits = Vec::new();
        let sent = block_on(send_read(
            fake,
            &mut rng,
            RetryPolicy::default(),
            || GraphRequest::new(Method::Get, "/v1.0/me"),
            &mut |ms, attempt| waits.push((ms, attempt)),
        ));
        (sent, waits)
    }

    #[test]
    fn reads_are_retried_on_429_and_lost_answers() {
        let fake = Fake::new(vec![
            Ok(GraphResponse::new(429, "").with_header("Retry-After", "3")),
            Err(TransportError::NoAnswer {
                detail: "reset".into(),
            }),
            Ok(GraphResponse::new(200, r#"{"id":"me"}"#).with_header("request-id", "r-3")),
        ]);
        let (sent, waits) = read(&fake);
        assert_eq!(sent.attempts, 3);
        assert_eq!(sent.request_id(), Some("r-3"));
        assert_eq!(waits[0], (3000, 2));
        assert_eq!(waits[1].1, 3);
        assert!((1000..=2000).contains(&waits[1].0), "{waits:?}");
        let ids: Vec<String> = fake
            .seen()
            .iter()
            .filter_map(|s| s.header("client-request-id").map(str::to_owned))
            .collect();
        assert_eq!(ids.len(), 3);
        assert!(ids[0] != ids[1] && ids[1] != ids[2]);
        assert_eq!(ids[2], sent.client_request_id);
    }

    #[test]
    fn reads_are_not_retried_on_refusals_or_sign_in() {
        let fake = Fake::new(vec![Ok(GraphResponse::new(403, "{}"))]);
        let (sent, waits) = read(&fake);
        assert_eq!(sent.attempts, 1);
        assert!(waits.is_empty());
        assert_eq!(sent.response.as_ref().map(|r| r.status).ok(), Some(403));
        let fake = Fake::new(vec![Err(TransportError::SignInRequired)]);
        let (sent, _) = read(&fake);
        assert_eq!(sent.response.err(), Some(TransportError::SignInRequired));
    }

    #[test]
    fn backoff_honours_retry_after_and_bounds() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let mut b = Backoff::new(RetryPolicy {
            max_attempts: 3,
            max_total_wait_ms: 10_000,
            base_delay_ms: 1000,
            max_delay_ms: 8000,
        });
        assert_eq!(b.next_delay(Some(4000), &mut rng), Some(4000));
        assert_eq!(
            b.next_delay(Some(7000), &mut rng),
            None,
            "over the total budget"
        );
        assert_eq!(b.next_delay(Some(1000), &mut rng), Some(1000));
        assert_eq!(b.next_delay(Some(1), &mut rng), None, "attempts spent");
        assert_eq!(b.attempt(), 3);
        assert_eq!(b.waited_ms(), 5000);
    }

    #[test]
    fn backoff_without_retry_after_is_exponential_with_jitter() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(2);
        let policy = RetryPolicy {
            max_attempts: 10,
            max_total_wait_ms: u32::MAX,
            base_delay_ms: 1000,
            max_delay_ms: 8000,
        };
        let mut seen = Vec::new();
        let mut b = Backoff::new(policy);
        for _ in 0..6 {
            seen.push(b.next_delay(None, &mut rng).unwrap_or(0));
        }
        let bounds = [
            (500, 1000),
            (1000, 2000),
            (2000, 4000),
            (4000, 8000),
            (4000, 8000),
            (4000, 8000),
        ];
        for (d, (lo, hi)) in seen.iter().zip(bounds) {
            assert!((lo..=hi).contains(d), "{d} not in {lo}..={hi}: {seen:?}");
        }
        // Jitter: two different seeds give different waits somewhere.
        let mut other = Backoff::new(policy);
        let mut rng2 = rand::rngs::StdRng::seed_from_u64(99);
        let others: Vec<u32> = (0..6)
            .map(|_| other.next_delay(None, &mut rng2).unwrap_or(0))
            .collect();
        assert_ne!(seen, others);
    }
}
