//! What every rustshop service shares.
//!
//! - [`config`]: typed configuration from environment variables, with errors that name
//!   the variable.
//! - [`service`]: the catalogue of the nine services (names, ports, variables).
//! - [`telemetry`]: JSON logs and the Prometheus recorder.
//! - [`request_metrics`]: request counts and durations by label, recorded cheaply.
//! - [`scratch`]: a per-thread buffer for output written once, then copied to its size.
//! - [`server`]: serving gRPC with health checking, `/metrics`, and graceful shutdown.
//! - [`shutdown`]: SIGTERM / Ctrl-C as a cancellation token.
//! - [`error`]: the one mapping from service errors to gRPC status.
//! - [`auth`]: roles and JWT claims.
//! - [`jwt`]: verifying access tokens (EdDSA, issuer, expiry), shared by auth and the gateway.
//! - [`money`]: exact money in cents.
//! - [`password`]: argon2id hashing off the async runtime, and the password policy.
//! - [`bootstrap`]: the common `main` of every service binary.
//! - [`backoff`]: exponential backoff with jitter for retry loops.
//! - [`pagination`]: validated page requests (page, limit, sort field, order).
//! - [`postgres`]: pools with connect retries, migrations, constraint names.
//! - [`grpc_client`]: lazily connected channels to other services.
//! - [`text`]: trimmed, length-bounded text fields.
//! - [`events`]: the event envelope, the order-flow payloads, and Kafka helpers.
//! - [`allocator`]: the global allocator the service binaries install.

pub mod allocator;
pub mod auth;
pub mod backoff;
pub mod bootstrap;
pub mod config;
pub mod error;
pub mod events;
pub mod grpc_client;
pub mod jwt;
pub mod money;
pub mod pagination;
pub mod password;
pub mod postgres;
pub mod request_metrics;
pub mod scratch;
pub mod server;
pub mod service;
pub mod shutdown;
pub mod telemetry;
pub mod text;
