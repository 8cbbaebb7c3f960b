//! Probing a service: the gRPC health checking protocol, or `/readyz` for the gateway.

use std::time::Duration;

use shop_common::service::ServiceKind;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// What a probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Healthy,
    Unhealthy(String),
}

impl Health {
    pub fn is_healthy(&self) -> bool {
        *self == Health::Healthy
    }
}

/// Probes `service` listening on `127.0.0.1:port`.
pub async fn probe(service: ServiceKind, port: u16) -> Health {
    let result = if service.is_http() {
        probe_http(port).await
    } else {
        probe_grpc(port).await
    };
    match result {
        Ok(()) => Health::Healthy,
        Err(reason) => Health::Unhealthy(reason),
    }
}

async fn probe_grpc(port: u16) -> Result<(), String> {
    let endpoint = tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{port}"))
        .map_err(|e| e.to_string())?
        .connect_timeout(PROBE_TIMEOUT)
        .timeout(PROBE_TIMEOUT);
    let channel = endpoint
        .connect()
        .await
        .map_err(|e| format!("not listening ({e})"))?;
    let response = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .map_err(|status| format!("health check failed: {}", status.message()))?;
    match response.into_inner().status() {
        ServingStatus::Serving => Ok(()),
        other => Err(format!("reports {}", other.as_str_name())),
    }
}

async fn probe_http(port: u16) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .timeout(PROBE_TIMEOUT)
        .build()
        .map_err(|e| e.to_string())?;
    let response = client
        .get(format!("http://127.0.0.1:{port}/readyz"))
        .send()
        .await
        .map_err(|e| format!("not listening ({e})"))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("/readyz answered {}", response.status()))
    }
}
