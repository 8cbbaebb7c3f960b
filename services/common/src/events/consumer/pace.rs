//! How long a consumer lets the broker hold a fetch (`fetch.wait.max.ms`): short on
//! the order flow's path, long where nobody waits.

use std::time::Duration;

use crate::events::kafka::KafkaConfig;

/// How long the broker may hold a fetch (`fetch.wait.max.ms`), for consumers on the
/// path from an accepted order to its confirmation. librdkafka's default (500 ms)
/// would delay every hop that much. tansu holds every fetch this long, data or not, and
/// each fetch costs it 1-2 ms of CPU plus ~0.3 ms per partition read, idle or not:
/// 10 ms kept a core half busy with two idle consumers.
pub const PROMPT_FETCH_WAIT: Duration = Duration::from_millis(20);
/// The fetch wait of consumers nobody waits for (shipping, notification, orders'
/// shipments): a fraction of the broker's idle cost of [`PROMPT_FETCH_WAIT`]. Kafka
/// answers as soon as data arrives, so the wait costs these hops nothing there; tansu
/// answers a wait this long after half of it. On tansu's in-memory engine, `buy` at
/// 200 orders/s (12 partitions) had an accepted → confirmed p99 of 155.0 ms with
/// 200 ms here and 78.9 and 98.4 ms with 1 s: every fetch that finds data lists the
/// partition's records, and these consumers find data in every partition each time.
pub const BACKGROUND_FETCH_WAIT: Duration = Duration::from_millis(1_000);

/// How soon a consumer's new events must reach its handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchPace {
    /// On the path from an accepted order to its confirmation (a customer waits):
    /// `KAFKA_FETCH_WAIT_MS`, else [`PROMPT_FETCH_WAIT`].
    Prompt,
    /// Nobody waits for the outcome: `KAFKA_BACKGROUND_FETCH_WAIT_MS`, else
    /// [`BACKGROUND_FETCH_WAIT`] (`KAFKA_FETCH_WAIT_MS` tunes the hops of the order
    /// flow only). A fetch that finds data costs tansu a listing of the partition's
    /// records, so a topic fetched this rarely costs it a small fraction of a prompt
    /// one.
    Background,
}

impl FetchPace {
    /// The `fetch.wait.max.ms` this pace asks of the broker under `kafka`'s settings.
    pub fn fetch_wait(self, kafka: &KafkaConfig) -> Duration {
        match self {
            FetchPace::Prompt => kafka.fetch_wait.unwrap_or(PROMPT_FETCH_WAIT),
            FetchPace::Background => kafka.background_fetch_wait.unwrap_or(BACKGROUND_FETCH_WAIT),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kafka(fetch_wait: Option<Duration>) -> KafkaConfig {
        KafkaConfig {
            brokers: "127.0.0.1:9092".parse().expect("host:port"),
            topic_prefix: String::new(),
            partitions: 3,
            replication: 1,
            client_id: "orders".to_owned(),
            fetch_wait,
            background_fetch_wait: None,
        }
    }

    #[test]
    fn the_fetch_wait_setting_tunes_prompt_consumers_only() {
        let set = kafka(Some(Duration::from_millis(5)));
        assert_eq!(FetchPace::Prompt.fetch_wait(&set), Duration::from_millis(5));
        assert_eq!(
            FetchPace::Background.fetch_wait(&set),
            BACKGROUND_FETCH_WAIT
        );
        let unset = kafka(None);
        assert_eq!(FetchPace::Prompt.fetch_wait(&unset), PROMPT_FETCH_WAIT);
        assert_eq!(
            FetchPace::Background.fetch_wait(&unset),
            BACKGROUND_FETCH_WAIT
        );
    }

    #[test]
    fn background_consumers_have_a_setting_of_their_own() {
        let set = KafkaConfig {
            background_fetch_wait: Some(Duration::from_millis(1_000)),
            ..kafka(Some(Duration::from_millis(5)))
        };
        assert_eq!(FetchPace::Prompt.fetch_wait(&set), Duration::from_millis(5));
        assert_eq!(
            FetchPace::Background.fetch_wait(&set),
            Duration::from_millis(1_000)
        );
    }
}
