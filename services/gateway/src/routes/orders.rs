//! `/orders`: placing orders (directly or from the cart) and reading them. A USER sees
//! only its own orders (another user's order answers 404, so ids cannot be probed);
//! ADMIN and SUPER_ADMIN see all and change their status.

use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;
use shop_proto::cart::v1 as cart_pb;
use shop_proto::orders::v1 as pb;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{ADMINS, CurrentUser};
use crate::dto::orders::{CreateOrderBody, Order, UpdateStatusBody};
use crate::envelope::{Envelope, ErrorEnvelope, Paginated};
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::json::Json;
use crate::listing::{PageQuery, sort_fields};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_order, list_orders))
        .routes(routes!(checkout))
        .routes(routes!(get_order))
        .routes(routes!(update_status))
}

/// The optional `Idempotency-Key` header: a retry with the same key returns the first
/// order instead of placing a second one.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    headers
        .get("idempotency-key")
        .map(|value| {
            value
                .to_str()
                .map(str::to_owned)
                .map_err(|_| ApiError::field("Idempotency-Key", "must be printable ASCII"))
        })
        .transpose()
}

async fn place(
    state: &AppState,
    caller: &CurrentUser,
    lines: Vec<pb::OrderLine>,
    idempotency_key: Option<String>,
) -> Result<pb::Order, ApiError> {
    let request = pb::CreateOrderRequest {
        actor: Some(caller.actor()),
        user_email: caller.email.clone(),
        lines,
        idempotency_key,
    };
    Ok(state
        .clients
        .orders
        .clone()
        .create_order(request)
        .await?
        .into_inner())
}

/// Place an order at the catalog's current prices; it starts `pending`.
#[utoipa::path(
    post, path = "/orders", tag = "orders",
    request_body = CreateOrderBody,
    params(("Idempotency-Key" = Option<String>, Header, max_length = 200, description = "A retry with the same key returns the first order (printable ASCII, at most 200 characters)")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The order, pending", body = Envelope<Order>),
        (status = 404, description = "A product does not exist", body = ErrorEnvelope),
    )
)]
async fn create_order(
    State(state): State<AppState>,
    caller: CurrentUser,
    headers: HeaderMap,
    Json(body): Json<CreateOrderBody>,
) -> Result<Envelope<Order>, ApiError> {
    let key = idempotency_key(&headers)?;
    let order = place(&state, &caller, body.into_lines(), key).await?;
    Ok(Envelope::created(Order::from(order)))
}

/// Order what is in the cart, then take the ordered lines out of it.
///
/// A line added while the checkout runs stays in the cart. If the cart cannot be
/// emptied afterwards the order still stands (201) and the lines stay in the cart.
/// A retried checkout (same `Idempotency-Key`) finds the cart empty: 409.
#[utoipa::path(
    post, path = "/orders/checkout", tag = "orders",
    params(("Idempotency-Key" = Option<String>, Header, max_length = 200, description = "A retry with the same key returns the first order (printable ASCII, at most 200 characters)")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The order, pending", body = Envelope<Order>),
        (status = 404, description = "A product in the cart no longer exists", body = ErrorEnvelope),
        (status = 409, description = "The cart is empty", body = ErrorEnvelope),
    )
)]
async fn checkout(
    State(state): State<AppState>,
    caller: CurrentUser,
    headers: HeaderMap,
) -> Result<Envelope<Order>, ApiError> {
    let key = idempotency_key(&headers)?;
    let user_id = caller.id();
    let cart = state
        .clients
        .cart
        .clone()
        .get_cart(cart_pb::GetCartRequest {
            user_id: user_id.clone(),
        })
        .await?
        .into_inner();
    if cart.items.is_empty() {
        // Nothing is wrong with the request; the cart's state does not allow it.
        return Err(ApiError::Conflict("The cart is empty".into()));
    }
    let lines = cart
        .items
        .iter()
        .map(|item| pb::OrderLine {
            product_id: item.product_id.clone(),
            quantity: item.quantity,
        })
        .collect();
    let order = place(&state, &caller, lines, key).await?;
    let removals = cart.items.into_iter().map(|item| {
        let request = cart_pb::RemoveItemRequest {
            user_id: user_id.clone(),
            product_id: item.product_id,
        };
        let mut cart = state.clients.cart.clone();
        async move { cart.remove_item(request).await }
    });
    for result in futures::future::join_all(removals).await {
        if let Err(status) = result {
            tracing::warn!(order_id = %order.id, error = %status.message(), "ordered, but a cart line could not be removed");
        }
    }
    Ok(Envelope::created(Order::from(order)))
}

sort_fields!(
    /// What orders are sorted by.
    OrderSort { CreatedAt => "created_at", TotalPrice => "total_price", Status => "status" }
    sort: "`created_at` (default, newest first), `total_price` or `status`.",
    order: "`asc` or `desc`.",
);

/// `?userId=` of a listing of orders (its page is a [`PageQuery`]).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct OrdersQuery {
    /// Administrators only: the orders of this user.
    #[param(format = Uuid)]
    user_id: Option<String>,
}

/// The caller's orders; administrators see everyone's (or `userId`'s).
#[utoipa::path(
    get, path = "/orders", tag = "orders",
    params(OrdersQuery, PageQuery<OrderSort>),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of orders", body = Envelope<Paginated<Order>>),
        (status = 403, description = "`userId` of another user, and not an administrator", body = ErrorEnvelope),
    )
)]
async fn list_orders(
    State(state): State<AppState>,
    caller: CurrentUser,
    Query(listing): Query<PageQuery<OrderSort>>,
    Query(query): Query<OrdersQuery>,
) -> Result<Envelope<Paginated<Order>>, ApiError> {
    // An empty `userId` is not "everyone": it is a malformed id.
    if let Some(user_id) = &query.user_id
        && user_id.parse::<uuid::Uuid>().is_err()
    {
        return Err(ApiError::field("userId", "must be a UUID"));
    }
    let request = pb::ListOrdersRequest {
        actor: Some(caller.actor()),
        page: Some(listing.to_request()?),
        user_id: query.user_id,
    };
    let response = state
        .clients
        .orders
        .clone()
        .list_orders(request)
        .await?
        .into_inner();
    let orders = response.orders.into_iter().map(Order::from).collect();
    Ok(Envelope::ok(Paginated::new(orders, response.page)))
}

/// One order, with its items, status and shipment.
#[utoipa::path(
    get, path = "/orders/{id}", tag = "orders",
    params(("id" = String, Path, format = Uuid, description = "The order's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The order", body = Envelope<Order>),
        (status = 404, description = "No such order among those the caller may see", body = ErrorEnvelope),
    )
)]
async fn get_order(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<String>,
) -> Result<Envelope<Order>, ApiError> {
    let request = pb::GetOrderRequest {
        id,
        actor: Some(caller.actor()),
    };
    let order = state.clients.orders.clone().get_order(request).await?;
    Ok(Envelope::ok(Order::from(order.into_inner())))
}

/// Cancel an order (pending or confirmed; its stock is released) or mark it delivered
/// (once shipped).
#[utoipa::path(
    patch, path = "/orders/{id}/status", tag = "orders",
    params(("id" = String, Path, format = Uuid, description = "The order's id")),
    request_body = UpdateStatusBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The order", body = Envelope<Order>),
        (status = 403, description = "Not an ADMIN or SUPER_ADMIN", body = ErrorEnvelope),
        (status = 404, description = "No such order", body = ErrorEnvelope),
        (status = 409, description = "The order cannot go to this status from its current one", body = ErrorEnvelope),
    )
)]
async fn update_status(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<UpdateStatusBody>,
) -> Result<Envelope<Order>, ApiError> {
    caller.require(ADMINS)?;
    let request = body.into_proto(id, caller.actor());
    let order = state
        .clients
        .orders
        .clone()
        .update_order_status(request)
        .await?;
    Ok(Envelope::ok(Order::from(order.into_inner())))
}
