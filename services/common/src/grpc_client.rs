//! gRPC channels to other services: created once at start, shared by every request,
//! connected lazily so a service can start before the services it calls.

use std::time::Duration;

use tonic::transport::{Channel, Endpoint};

use crate::config::GrpcUrl;

/// Timeouts of an outbound channel.
#[derive(Debug, Clone, Copy)]
pub struct ChannelTimeouts {
    pub connect: Duration,
    pub request: Duration,
}

impl Default for ChannelTimeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(3),
            request: Duration::from_secs(10),
        }
    }
}

/// A lazily connected channel; reconnects by itself after the peer restarts.
pub fn channel(
    url: &GrpcUrl,
    timeouts: ChannelTimeouts,
) -> Result<Channel, tonic::transport::Error> {
    Ok(Endpoint::from_shared(url.as_str().to_owned())?
        .connect_timeout(timeouts.connect)
        .timeout(timeouts.request)
        .tcp_nodelay(true)
        .http2_keep_alive_interval(Duration::from_secs(30))
        .keep_alive_while_idle(true)
        .connect_lazy())
}
