use std::future::Future;
use std::time::{Duration, Instant};

/// Polls `probe` until it returns `Some`, or fails the test after `timeout`.
///
/// Effects that happen asynchronously (an event consumed, a cache filled) are waited
/// for this way, never with a fixed sleep.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(10);
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        if Instant::now() >= deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(250));
    }
}
