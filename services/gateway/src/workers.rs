//! HTTP serving with one thread per CPU, each connection staying on one thread.
//!
//! One acceptor ([`serve`]), on the main runtime, deals the accepted connections to
//! the workers in turn. Each worker is a thread running a single-threaded runtime
//! of its own, with its own router and its own gRPC channels. A request is parsed,
//! forwarded upstream, answered and written on one thread: it wakes no other thread
//! and contends for no lock with one (on a multi-threaded runtime, every request to a
//! service goes through the lock of the one HTTP/2 connection all threads share).
//! Measured with `shopctl bench` on 2 cores, cached product reads: 26 → 23 µs of
//! gateway CPU per request, about 10 % more requests per second.
//!
//! What this gives up is work stealing: a worker whose clients are busier hands none
//! of their requests to an idle one. Clients (an ingress, a load balancer) keep many
//! connections open, dealt evenly, so the load evens out.

use std::io;
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::sync::Arc;

use axum::Router;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::{CancellationToken, DropGuard};

/// Builds a worker's router; called on the worker's runtime, so what it spawns (the
/// gRPC channels' tasks) runs there.
pub type MakeRouter = Arc<dyn Fn(CancellationToken) -> Result<Router, WorkerError> + Send + Sync>;

/// Why a worker stopped or could not start.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("the HTTP listener has no address")]
    Listener(#[source] io::Error),
    #[error("cannot start an HTTP worker thread")]
    Thread(#[source] io::Error),
    #[error("cannot start an HTTP worker's runtime")]
    Runtime(#[source] io::Error),
    #[error("an HTTP worker failed")]
    Serve(#[source] io::Error),
    #[error("invalid upstream service address")]
    Upstream(#[from] tonic::transport::Error),
    #[error("HTTP worker {0} panicked")]
    Panicked(usize),
    #[error("every HTTP worker has stopped")]
    NoneLeft,
}

/// Accepts connections on `listener` until `shutdown` is cancelled, dealing them to
/// `threads` workers; then waits until the workers have finished their requests.
pub async fn serve(
    mut listener: TcpListener,
    threads: NonZeroUsize,
    make_router: MakeRouter,
    shutdown: &CancellationToken,
) -> Result<(), WorkerError> {
    let local_addr = listener.local_addr().map_err(WorkerError::Listener)?;
    let mut workers = HttpWorkers::start(threads, local_addr, make_router, shutdown)?;
    let dealt = loop {
        let (stream, peer) = tokio::select! {
            () = shutdown.cancelled() => break Ok(()),
            accepted = axum::serve::Listener::accept(&mut listener) => accepted,
        };
        // Answers go out at once, not held back by Nagle's algorithm for the ACK of
        // the previous one.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
        if let Err(error) = workers.deal(stream, peer) {
            break Err(error);
        }
    };
    drop(listener);
    workers.join().await?;
    dealt
}

/// The workers, and whose turn it is to take a connection.
struct HttpWorkers {
    workers: Vec<Worker>,
    next: usize,
    /// Stops the workers if these are dropped without [`HttpWorkers::join`] (their
    /// owner was cancelled), so no thread outlives them.
    _stop: DropGuard,
}

struct Worker {
    connections: mpsc::UnboundedSender<Accepted>,
    done: oneshot::Receiver<Result<(), WorkerError>>,
}

/// A connection accepted on the main runtime, on its way to a worker's.
struct Accepted {
    stream: std::net::TcpStream,
    peer: SocketAddr,
}

impl HttpWorkers {
    /// Starts `count` workers serving what [`HttpWorkers::deal`] hands them on
    /// `local_addr`, until `shutdown` is cancelled; then each lets its in-flight
    /// requests finish.
    fn start(
        count: NonZeroUsize,
        local_addr: SocketAddr,
        make_router: MakeRouter,
        shutdown: &CancellationToken,
    ) -> Result<Self, WorkerError> {
        let stop = shutdown.child_token();
        let workers = (0..count.get())
            .map(|index| Worker::start(index, local_addr, make_router.clone(), stop.clone()))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            workers,
            next: 0,
            _stop: stop.drop_guard(),
        })
    }

    /// Hands `stream` to the next worker still running.
    fn deal(&mut self, stream: TcpStream, peer: SocketAddr) -> Result<(), WorkerError> {
        let stream = match stream.into_std() {
            Ok(stream) => stream,
            Err(error) => {
                tracing::debug!(%error, %peer, "cannot hand over a connection");
                return Ok(());
            }
        };
        let mut accepted = Accepted { stream, peer };
        for _ in 0..self.workers.len() {
            let worker = &self.workers[self.next];
            self.next = (self.next + 1) % self.workers.len();
            match worker.connections.send(accepted) {
                Ok(()) => return Ok(()),
                // That worker stopped (its error is reported by `join`): the next one.
                Err(mpsc::error::SendError(back)) => accepted = back,
            }
        }
        Err(WorkerError::NoneLeft)
    }

    /// Waits until every worker has stopped; the first error, if any.
    async fn join(self) -> Result<(), WorkerError> {
        let mut result = Ok(());
        for (index, worker) in self.workers.into_iter().enumerate() {
            drop(worker.connections);
            let outcome = worker
                .done
                .await
                .unwrap_or(Err(WorkerError::Panicked(index)));
            if let Err(error) = outcome {
                tracing::error!(worker = index, error = %error, "HTTP worker failed");
                result = result.and(Err(error));
            }
        }
        result
    }
}

impl Worker {
    fn start(
        index: usize,
        local_addr: SocketAddr,
        make_router: MakeRouter,
        stop: CancellationToken,
    ) -> Result<Self, WorkerError> {
        let (connections, handed) = mpsc::unbounded_channel();
        let (report, done) = oneshot::channel();
        let listener = Handed {
            connections: handed,
            local_addr,
        };
        std::thread::Builder::new()
            .name(format!("http-{index}"))
            .spawn(move || {
                let _receiver_gone = report.send(run_worker(listener, &*make_router, stop));
            })
            .map_err(WorkerError::Thread)?;
        Ok(Self { connections, done })
    }
}

/// A worker's life: its runtime, its router, serving until `stop`.
fn run_worker(
    listener: Handed,
    make_router: &(dyn Fn(CancellationToken) -> Result<Router, WorkerError> + Send + Sync),
    stop: CancellationToken,
) -> Result<(), WorkerError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(WorkerError::Runtime)?;
    runtime.block_on(async move {
        let router = make_router(stop.clone())?;
        axum::serve(listener, router)
            .with_graceful_shutdown(stop.cancelled_owned())
            .await
            .map_err(WorkerError::Serve)
    })
}

/// The connections dealt to one worker, as axum's listener.
struct Handed {
    connections: mpsc::UnboundedReceiver<Accepted>,
    local_addr: SocketAddr,
}

impl axum::serve::Listener for Handed {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        loop {
            let Some(Accepted { stream, peer }) = self.connections.recv().await else {
                // The acceptor is gone: shutdown has begun, and ends this serving.
                return std::future::pending().await;
            };
            match TcpStream::from_std(stream) {
                Ok(stream) => return (stream, peer),
                Err(error) => tracing::debug!(%error, %peer, "cannot take a connection"),
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local_addr)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// A router answering with the name of the thread that served the request.
    fn naming_router(fail_on: Option<&'static str>) -> MakeRouter {
        Arc::new(move |_| {
            let thread = std::thread::current().name().map(str::to_owned);
            if thread.as_deref() == fail_on {
                return Err(WorkerError::Runtime(io::Error::other("no router")));
            }
            Ok(Router::new().route(
                "/",
                get(|| async { std::thread::current().name().unwrap_or("?").to_owned() }),
            ))
        })
    }

    /// [`serve`] on a port of its own.
    async fn serving(count: usize, make_router: MakeRouter) -> (SocketAddr, CancellationToken) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let count = NonZeroUsize::new(count).unwrap();
        let stop = shutdown.clone();
        tokio::spawn(async move { serve(listener, count, make_router, &stop).await });
        (addr, shutdown)
    }

    /// Workers started for a listener the test accepts on itself.
    async fn started(
        count: usize,
        make_router: MakeRouter,
    ) -> (TcpListener, HttpWorkers, CancellationToken) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let count = NonZeroUsize::new(count).unwrap();
        let workers = HttpWorkers::start(count, addr, make_router, &shutdown).unwrap();
        (listener, workers, shutdown)
    }

    /// Waits until worker `index` has stopped taking connections.
    async fn stopped(workers: &HttpWorkers, index: usize) {
        while !workers.workers[index].connections.is_closed() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The body of `GET /` on a connection of its own.
    async fn answer(addr: SocketAddr) -> String {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        response.rsplit("\r\n\r\n").next().unwrap().to_owned()
    }

    #[tokio::test]
    async fn connections_are_dealt_to_the_workers_in_turn() {
        let (addr, shutdown) = serving(2, naming_router(None)).await;
        let mut served = Vec::new();
        for _ in 0..4 {
            served.push(answer(addr).await);
        }
        assert_eq!(served, ["http-0", "http-1", "http-0", "http-1"]);
        shutdown.cancel();
    }

    #[tokio::test]
    async fn a_worker_that_cannot_start_leaves_its_turns_to_the_others() {
        let (listener, mut workers, shutdown) = started(2, naming_router(Some("http-0"))).await;
        let addr = listener.local_addr().unwrap();
        stopped(&workers, 0).await;
        for _ in 0..2 {
            let client = tokio::spawn(answer(addr));
            let (stream, peer) = listener.accept().await.unwrap();
            workers.deal(stream, peer).unwrap();
            assert_eq!(client.await.unwrap(), "http-1");
        }
        shutdown.cancel();
        let joined = workers.join().await;
        assert!(matches!(joined, Err(WorkerError::Runtime(_))), "{joined:?}");
    }

    #[tokio::test]
    async fn with_every_worker_stopped_dealing_fails() {
        let (listener, mut workers, shutdown) = started(1, naming_router(None)).await;
        shutdown.cancel();
        stopped(&workers, 0).await;
        let _client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (stream, peer) = listener.accept().await.unwrap();
        assert!(matches!(
            workers.deal(stream, peer),
            Err(WorkerError::NoneLeft)
        ));
        assert!(workers.join().await.is_ok());
    }
}
