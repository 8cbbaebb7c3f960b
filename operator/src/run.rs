//! `shop-operator run`: the controller watching Shops and the Deployments and
//! StatefulSets they own, with `/metrics` and `/healthz` beside it.

use std::net::SocketAddr;
use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use kube::Client;
use kube::api::{Api, ListParams};
use kube::runtime::controller::Controller;
use kube::runtime::watcher;
use tokio::net::TcpListener;

use crate::build::names;
use crate::controller::{Context, error_policy, reconcile};
use crate::crd::Shop;
use crate::helm::Helm;
use crate::metrics;

/// Settings of `shop-operator run`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Address of `/metrics` and `/healthz`.
    #[arg(
        long,
        env = "METRICS_ADDR",
        default_value = "0.0.0.0:8080",
        global = true
    )]
    pub metrics_addr: SocketAddr,
    /// Watch Shops of this namespace only (every namespace when absent).
    #[arg(long, env = "WATCH_NAMESPACE", global = true)]
    pub watch_namespace: Option<String>,
}

/// Why the controller could not start.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Kube(#[from] kube::Error),
    #[error("cannot serve /metrics on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// Runs the controller until SIGTERM/SIGINT.
pub async fn run(args: RunArgs, helm: Helm) -> Result<(), RunError> {
    shop_common::telemetry::init_logging();
    let client = Client::try_default().await?;
    let shops: Api<Shop> = match &args.watch_namespace {
        Some(namespace) => Api::namespaced(client.clone(), namespace),
        None => Api::all(client.clone()),
    };
    if let Err(error) = shops.list(&ListParams::default().limit(1)).await {
        tracing::error!(%error, "cannot list Shops: is the CRD installed (kubectl apply -f crds/shop.yaml)?");
        return Err(error.into());
    }
    let addr = args.metrics_addr;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| RunError::Bind { addr, source })?;
    tracing::info!(addr = %args.metrics_addr, "serving /metrics and /healthz");
    let routes = metrics::router();
    tokio::spawn(async move {
        if let Err(error) = metrics::serve(listener, routes).await {
            tracing::error!(%error, "metrics server stopped");
        }
    });
    let owned = watcher::Config::default().labels(names::SHOP_LABEL);
    let (deployments, statefulsets): (Api<Deployment>, Api<StatefulSet>) =
        match &args.watch_namespace {
            Some(namespace) => (
                Api::namespaced(client.clone(), namespace),
                Api::namespaced(client.clone(), namespace),
            ),
            None => (Api::all(client.clone()), Api::all(client.clone())),
        };
    let ctx = Arc::new(Context::new(client, Arc::new(helm)));
    tracing::info!(namespace = ?args.watch_namespace, "watching Shops");
    Controller::new(shops, watcher::Config::default().any_semantic())
        .owns(deployments, owned.clone())
        .owns(statefulsets, owned)
        .shutdown_on_signal()
        .run(reconcile, error_policy, ctx)
        .for_each(|result| async move {
            match result {
                Ok((shop, _)) => tracing::debug!(shop = %shop, "reconciled"),
                Err(error) => tracing::debug!(%error, "reconcile error"),
            }
        })
        .await;
    Ok(())
}
