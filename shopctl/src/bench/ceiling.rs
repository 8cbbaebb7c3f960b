//! The ceiling: a bare axum server answering `GET /api/v1/products/{id}` with a JSON
//! body as long as the real product answer, on a runtime of its own (as the gateway
//! has one in its process). The same load generator against it, in the same run,
//! gives the most any axum service could do here, to compare ours with.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::JoinHandle;

use axum::extract::State;
use axum::routing::get;
use axum::serve::ListenerExt as _;
use axum::{Json, Router};
use serde::Serialize;
use tokio::sync::oneshot;

#[derive(Debug, thiserror::Error)]
pub enum CeilingError {
    #[error("the bare axum server cannot start: {0}")]
    Io(#[from] std::io::Error),
    #[error("the bare axum server's thread panicked")]
    Panicked,
}

/// The answer: the API's envelope around a greeting, padded to the wanted length.
#[derive(Debug, Clone, Serialize)]
struct Hello {
    success: bool,
    #[serde(rename = "statusCode")]
    status_code: u16,
    data: Greeting,
}

#[derive(Debug, Clone, Serialize)]
struct Greeting {
    message: &'static str,
    padding: String,
}

impl Hello {
    /// A body that serialises to `len` bytes (or as short as it can be).
    fn of_length(len: usize) -> Self {
        let mut hello = Self {
            success: true,
            status_code: 200,
            data: Greeting {
                message: "Hello, world!",
                padding: String::new(),
            },
        };
        let bare = serde_json::to_vec(&hello).map_or(0, |body| body.len());
        hello.data.padding = "x".repeat(len.saturating_sub(bare));
        hello
    }
}

/// The running server.
pub struct Ceiling {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl Ceiling {
    /// Starts it on a free loopback port, answering bodies of `body_len` bytes, with
    /// `threads` runtime workers.
    pub fn start(body_len: usize, threads: usize) -> Result<Self, CeilingError> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads.max(1))
            .thread_name("ceiling")
            .enable_all()
            .build()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let app = Router::new()
            .route("/api/v1/products/{id}", get(product))
            .with_state(Arc::new(Hello::of_length(body_len)));
        let thread = std::thread::Builder::new()
            .name("ceiling".into())
            .spawn(move || {
                runtime.block_on(async move {
                    // Like the gateway's: TCP_NODELAY on every connection.
                    let listener = tokio::net::TcpListener::from_std(listener)?.tap_io(|tcp| {
                        let _ = tcp.set_nodelay(true);
                    });
                    axum::serve(listener, app)
                        .with_graceful_shutdown(async move {
                            let _ = stopped.await;
                        })
                        .await
                })
            })?;
        Ok(Self {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The API base to point the load generator at.
    pub fn base_url(&self) -> String {
        format!("http://{}/api/v1", self.addr)
    }

    /// Stops it and waits for its thread.
    pub fn stop(mut self) -> Result<(), CeilingError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => Ok(result?),
            Some(Err(_)) => Err(CeilingError::Panicked),
            None => Ok(()),
        }
    }
}

async fn product(State(hello): State<Arc<Hello>>) -> Json<Hello> {
    Json(hello.as_ref().clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_has_the_wanted_length() {
        for len in [200, 512, 1500] {
            let body = serde_json::to_vec(&Hello::of_length(len)).expect("serialisable");
            assert_eq!(body.len(), len);
        }
    }

    #[test]
    fn a_length_below_the_bare_envelope_gives_the_bare_envelope() {
        let body = serde_json::to_vec(&Hello::of_length(1)).expect("serialisable");
        assert!(body.starts_with(b"{\"success\":true,\"statusCode\":200"));
    }

    #[tokio::test]
    async fn it_answers_any_product_id_with_that_body() {
        let ceiling = Ceiling::start(400, 1).expect("starts");
        let url = format!("{}/products/abc", ceiling.base_url());
        let response = reqwest::get(url).await.expect("answers");
        assert_eq!(response.status(), 200);
        let body = response.bytes().await.expect("a body");
        assert_eq!(body.len(), 400);
        ceiling.stop().expect("stops");
    }
}
