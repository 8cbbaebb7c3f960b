//! The reconciler: build → apply → status, behind a finalizer. Infrastructure first;
//! services only once every managed StatefulSet is ready; a periodic resync corrects drift.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Secret};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, DeleteParams, ListParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::runtime::finalizer::{self, finalizer};
use kube::runtime::reflector::ObjectRef;
use kube::{Client, Resource, ResourceExt};

use crate::apply::{self, ApplyError};
use crate::build::{self, BuildError, Desired, Infra, RandomSecrets, ShopRef};
use crate::crd::{DeletionPolicy, ServiceReplicas, Shop};
use crate::helm::RenderChart;
use crate::metrics;
use crate::status::{self, Observed};

/// Finalizer that holds a Shop until its data is dealt with per its deletion policy.
pub const FINALIZER: &str = "rustshop.io/cleanup";
/// Resync of a Shop whose services are all ready: corrects drift nobody reported.
const RESYNC: Duration = Duration::from_secs(300);
/// Recheck of a Shop that waits for pods to become ready.
const WAIT: Duration = Duration::from_secs(15);
/// First and longest retry delay after an error.
const BACKOFF_MIN: Duration = Duration::from_secs(5);
const BACKOFF_MAX: Duration = Duration::from_secs(300);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the Shop has no namespace")]
    MissingNamespace,
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    Apply(Box<ApplyError>),
    #[error("writing the status: {0}")]
    Status(#[source] Box<kube::Error>),
    #[error("deleting data volumes: {0}")]
    Cleanup(#[source] Box<kube::Error>),
    #[error("the build task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
    #[error(transparent)]
    Finalizer(Box<finalizer::Error<Error>>),
}

impl From<ApplyError> for Error {
    fn from(error: ApplyError) -> Self {
        Error::Apply(Box::new(error))
    }
}

impl Error {
    /// The `reason` label of the failure metric.
    pub fn metric_reason(&self) -> &'static str {
        match self {
            Error::MissingNamespace => "metadata",
            Error::Build(_) | Error::Join(_) => "build",
            Error::Apply(_) => "apply",
            Error::Status(_) => "status",
            Error::Cleanup(_) => "cleanup",
            Error::Finalizer(inner) => match inner.as_ref() {
                finalizer::Error::ApplyFailed(e) | finalizer::Error::CleanupFailed(e) => {
                    e.metric_reason()
                }
                _ => "finalizer",
            },
        }
    }
}

/// What every reconcile shares.
pub struct Context {
    pub client: Client,
    pub charts: Arc<dyn RenderChart>,
    pub recorder: Recorder,
    /// The time conditions are stamped with (fixed in tests).
    pub clock: fn() -> Timestamp,
    /// Consecutive failures per Shop, for the retry backoff.
    failures: Mutex<HashMap<ObjectRef<Shop>, u32>>,
}

impl Context {
    pub fn new(client: Client, charts: Arc<dyn RenderChart>) -> Self {
        let reporter = Reporter {
            controller: "shop-operator".into(),
            instance: std::env::var("POD_NAME").ok(),
        };
        Self {
            recorder: Recorder::new(client.clone(), reporter),
            client,
            charts,
            clock: Timestamp::now,
            failures: Mutex::default(),
        }
    }

    async fn event(&self, shop: &Shop, type_: EventType, reason: &str, note: String) {
        let event = Event {
            type_,
            reason: reason.to_owned(),
            note: Some(note),
            action: "Reconcile".to_owned(),
            secondary: None,
        };
        // An event lost is no reason to fail the reconcile.
        if let Err(error) = self.recorder.publish(&event, &shop.object_ref(&())).await {
            tracing::warn!(%error, shop = shop.name_any(), "cannot publish event");
        }
    }
}

/// Reconciles one Shop (the entry point of the controller).
pub async fn reconcile(shop: Arc<Shop>, ctx: Arc<Context>) -> Result<Action, Error> {
    let started = Instant::now();
    let namespace = shop.namespace().ok_or(Error::MissingNamespace)?;
    let api: Api<Shop> = Api::namespaced(ctx.client.clone(), &namespace);
    let key = ObjectRef::from_obj(shop.as_ref());
    let result = finalizer(&api, FINALIZER, shop, |event| async {
        match event {
            finalizer::Event::Apply(shop) => apply_shop(&shop, &ctx).await,
            finalizer::Event::Cleanup(shop) => cleanup(&shop, &ctx).await,
        }
    })
    .await
    .map_err(|e| Error::Finalizer(Box::new(e)));
    metrics::reconciled(started.elapsed());
    if result.is_ok() {
        lock(&ctx.failures).remove(&key);
    }
    result
}

/// Retries a failed reconcile with exponential backoff.
pub fn error_policy(shop: Arc<Shop>, error: &Error, ctx: Arc<Context>) -> Action {
    metrics::failed(error.metric_reason());
    let mut failures = lock(&ctx.failures);
    let count = failures
        .entry(ObjectRef::from_obj(shop.as_ref()))
        .or_insert(0);
    *count = count.saturating_add(1);
    let delay = backoff(*count);
    tracing::warn!(shop = shop.name_any(), %error, retry_in = ?delay, "reconcile failed");
    Action::requeue(delay)
}

/// `BACKOFF_MIN · 2^(failures-1)`, at most `BACKOFF_MAX`.
pub fn backoff(failures: u32) -> Duration {
    let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(16));
    BACKOFF_MIN.saturating_mul(factor).min(BACKOFF_MAX)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the map cannot leave it inconsistent: keep using it.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn apply_shop(shop: &Shop, ctx: &Context) -> Result<Action, Error> {
    let result = match build_desired(shop, ctx).await {
        Ok(desired) => apply_desired(shop, ctx, &desired).await,
        Err(Error::Build(BuildError::Invalid(violations))) => {
            let message = BuildError::Invalid(violations).to_string();
            fail(shop, ctx, "InvalidSpec", message).await?;
            // Retried when the spec changes, not before: nothing else can fix it.
            return Ok(Action::await_change());
        }
        Err(error) => Err(error),
    };
    if let Err(error) = &result {
        let reason = match error {
            Error::Build(_) | Error::Join(_) => "BuildFailed",
            _ => "ApplyFailed",
        };
        // The original error decides the retry; a status that cannot be written
        // (the API server is likely down too) is only logged.
        if let Err(status_error) = fail(shop, ctx, reason, error.to_string()).await {
            tracing::warn!(%status_error, shop = shop.name_any(), "cannot report the failure");
        }
    }
    result
}

/// Builds on a blocking thread: rendering charts runs helm.
async fn build_desired(shop: &Shop, ctx: &Context) -> Result<Desired, Error> {
    let shop = shop.clone();
    let charts = ctx.charts.clone();
    tokio::task::spawn_blocking(move || {
        let shop_ref = ShopRef::new(&shop, None)?;
        Ok(build::build(
            &shop_ref,
            charts.as_ref(),
            &mut RandomSecrets,
        )?)
    })
    .await?
}

async fn apply_desired(shop: &Shop, ctx: &Context, desired: &Desired) -> Result<Action, Error> {
    let namespace = shop.namespace().ok_or(Error::MissingNamespace)?;
    let client = &ctx.client;
    let mut created = Vec::new();
    for secret in &desired.generated {
        if apply::create_once(client, &namespace, secret).await? {
            created.push(secret.name_any());
        }
    }
    if !created.is_empty() {
        let note = format!("generated secrets {}", created.join(", "));
        ctx.event(shop, EventType::Normal, "SecretsGenerated", note)
            .await;
    }
    let mut waiting = Vec::new();
    for object in &desired.infra {
        let stored = apply::apply(client, &namespace, object).await?;
        let is_statefulset = object
            .types
            .as_ref()
            .is_some_and(|t| t.kind == "StatefulSet");
        let (ready, wanted) = apply::replicas(&stored);
        if is_statefulset && ready < wanted {
            waiting.push(object.name_any());
        }
    }
    if !waiting.is_empty() {
        update_status(shop, ctx, Observed::InfraNotReady { waiting }).await?;
        return Ok(Action::requeue(WAIT));
    }
    let mut services = BTreeMap::new();
    for object in &desired.services {
        let stored = apply::apply(client, &namespace, object).await?;
        if object
            .types
            .as_ref()
            .is_some_and(|t| t.kind == "Deployment")
        {
            let service = object
                .labels()
                .get("app.kubernetes.io/name")
                .cloned()
                .unwrap_or_default();
            let (ready, desired) = apply::replicas(&stored);
            services.insert(service, ServiceReplicas { ready, desired });
        }
    }
    let uid = shop.uid().unwrap_or_default();
    let pruned = apply::prune(
        client,
        &namespace,
        (&shop.name_any(), &uid),
        &desired_keys(desired),
    )
    .await?;
    if !pruned.is_empty() {
        let note = format!("deleted {}", pruned.join(", "));
        ctx.event(shop, EventType::Normal, "Pruned", note).await;
    }
    let all_ready = services.values().all(|r| r.ready >= r.desired);
    update_status(shop, ctx, Observed::Applied { services }).await?;
    Ok(Action::requeue(if all_ready { RESYNC } else { WAIT }))
}

/// `(kind, name)` of every desired object, for pruning.
fn desired_keys(desired: &Desired) -> BTreeSet<(String, String)> {
    let generated = desired
        .generated
        .iter()
        .map(|s| ("Secret".to_owned(), s.name_any()));
    let applied = desired.infra.iter().chain(&desired.services).map(|o| {
        let kind = o.types.as_ref().map(|t| t.kind.clone()).unwrap_or_default();
        (kind, o.name_any())
    });
    generated.chain(applied).collect()
}

async fn fail(shop: &Shop, ctx: &Context, reason: &str, message: String) -> Result<(), Error> {
    ctx.event(shop, EventType::Warning, reason, message.clone())
        .await;
    let observed = Observed::Failed {
        reason: reason.to_owned(),
        message,
    };
    update_status(shop, ctx, observed).await
}

/// Writes the status when it changed; an event marks each change of phase.
async fn update_status(shop: &Shop, ctx: &Context, observed: Observed) -> Result<(), Error> {
    let url = ShopRef::new(shop, None).ok().map(|s| build::url(&s));
    let status = status::compute(shop, &observed, url, (ctx.clock)());
    let previous = shop.status.as_ref();
    if previous == Some(&status) {
        return Ok(());
    }
    if previous.and_then(|s| s.phase) != status.phase
        && let Some(phase) = status.phase
        && !matches!(observed, Observed::Failed { .. })
    {
        let note = status
            .conditions
            .last()
            .map(|c| c.message.clone())
            .unwrap_or_default();
        ctx.event(shop, EventType::Normal, &format!("{phase:?}"), note)
            .await;
    }
    status::write(&ctx.client, shop, &status)
        .await
        .map_err(|e| Error::Status(Box::new(e)))
}

/// On deletion: objects owned by the Shop go with it (garbage collection); data volumes
/// of managed dependencies are deleted only under `deletionPolicy: Delete`.
async fn cleanup(shop: &Shop, ctx: &Context) -> Result<Action, Error> {
    let namespace = shop.namespace().ok_or(Error::MissingNamespace)?;
    let managed: Vec<String> = ShopRef::new(shop, None)
        .map(|s| {
            Infra::ALL
                .into_iter()
                .filter(|i| s.is_managed(*i))
                .map(|i| i.release(&s.name))
                .collect()
        })
        .unwrap_or_default();
    let policy = shop.spec.infrastructure.deletion_policy;
    if managed.is_empty() {
        return Ok(Action::await_change());
    }
    if policy == DeletionPolicy::Retain {
        let note = format!(
            "kept the data volumes and credentials of {}",
            managed.join(", ")
        );
        ctx.event(shop, EventType::Normal, "DataRetained", note)
            .await;
        return Ok(Action::await_change());
    }
    let cleanup_error = |e| Error::Cleanup(Box::new(e));
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(ctx.client.clone(), &namespace);
    let selector = format!("app.kubernetes.io/instance in ({})", managed.join(","));
    claims
        .delete_collection(
            &DeleteParams::background(),
            &ListParams::default().labels(&selector),
        )
        .await
        .map_err(cleanup_error)?;
    // Credentials created while the policy was Retain are not owned by the Shop, so
    // garbage collection would leave them: delete them by name.
    let secrets: Api<Secret> = Api::namespaced(ctx.client.clone(), &namespace);
    for name in &managed {
        match secrets.delete(name, &DeleteParams::background()).await {
            Ok(_) => {}
            Err(kube::Error::Api(status)) if status.code == 404 => {}
            Err(error) => return Err(cleanup_error(error)),
        }
    }
    let note = format!(
        "deleted the data volumes and credentials of {}",
        managed.join(", ")
    );
    ctx.event(shop, EventType::Normal, "DataDeleted", note)
        .await;
    Ok(Action::await_change())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_five_minutes() {
        let delays: Vec<u64> = [1, 2, 3, 7, 30].map(|n| backoff(n).as_secs()).to_vec();
        assert_eq!(delays, [5, 10, 20, 300, 300]);
    }
}
