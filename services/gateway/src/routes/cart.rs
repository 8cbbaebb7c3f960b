//! `/cart`: the caller's own cart (any signed-in user). Names and prices come from the
//! catalog, never from the client.

use axum::extract::State;
use shop_proto::cart::v1 as pb;
use shop_proto::products::v1::GetProductRequest;
use tonic::Code;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::dto::cart::{AddToCart, Cart, SetQuantity};
use crate::envelope::{Envelope, ErrorEnvelope};
use crate::error::ApiError;
use crate::extract::Path;
use crate::json::Json;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(add_item))
        .routes(routes!(get_cart, clear_cart))
        .routes(routes!(set_quantity, remove_item))
}

/// Add a product (or more of it) to the cart, at the catalog's current name and price.
#[utoipa::path(
    post, path = "/cart/add", tag = "cart",
    request_body = AddToCart,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The cart", body = Envelope<Cart>),
        (status = 404, description = "No such product", body = ErrorEnvelope),
        (status = 409, description = "The cart already holds 100 different products", body = ErrorEnvelope),
    )
)]
async fn add_item(
    State(state): State<AppState>,
    caller: CurrentUser,
    Json(body): Json<AddToCart>,
) -> Result<Envelope<Cart>, ApiError> {
    if body.product_id.parse::<uuid::Uuid>().is_err() {
        return Err(ApiError::field("productId", "must be a UUID"));
    }
    let product = state
        .clients
        .products
        .clone()
        .get_product(GetProductRequest {
            id: body.product_id.clone(),
        })
        .await
        .map_err(|status| match status.code() {
            Code::NotFound => ApiError::NotFound("No such product".into()),
            _ => ApiError::from(status),
        })?
        .into_inner();
    let request = pb::AddItemRequest {
        user_id: caller.id(),
        product_id: product.id,
        name: product.name,
        price: product.price,
        quantity: body.quantity,
    };
    let cart = state.clients.cart.clone().add_item(request).await?;
    Ok(Envelope::ok(Cart::from(cart.into_inner())))
}

/// The caller's cart (empty if there is none).
#[utoipa::path(
    get, path = "/cart", tag = "cart",
    security(("bearer" = [])),
    responses((status = 200, description = "The cart", body = Envelope<Cart>))
)]
async fn get_cart(
    State(state): State<AppState>,
    caller: CurrentUser,
) -> Result<Envelope<Cart>, ApiError> {
    let request = pb::GetCartRequest {
        user_id: caller.id(),
    };
    let cart = state.clients.cart.clone().get_cart(request).await?;
    Ok(Envelope::ok(Cart::from(cart.into_inner())))
}

/// Empty the cart.
#[utoipa::path(
    delete, path = "/cart", tag = "cart",
    security(("bearer" = [])),
    responses((status = 200, description = "The emptied cart", body = Envelope<Cart>))
)]
async fn clear_cart(
    State(state): State<AppState>,
    caller: CurrentUser,
) -> Result<Envelope<Cart>, ApiError> {
    let request = pb::ClearCartRequest {
        user_id: caller.id(),
    };
    let cart = state.clients.cart.clone().clear_cart(request).await?;
    Ok(Envelope::ok(Cart::from(cart.into_inner())))
}

/// Set the quantity of a line (0 removes it).
#[utoipa::path(
    patch, path = "/cart/items/{productId}", tag = "cart",
    params(("productId" = String, Path, format = Uuid, description = "The product of the line")),
    request_body = SetQuantity,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The cart", body = Envelope<Cart>),
        (status = 404, description = "The cart has no line for this product", body = ErrorEnvelope),
    )
)]
async fn set_quantity(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(product_id): Path<String>,
    Json(body): Json<SetQuantity>,
) -> Result<Envelope<Cart>, ApiError> {
    let request = pb::SetQuantityRequest {
        user_id: caller.id(),
        product_id,
        quantity: body.quantity,
    };
    let cart = state.clients.cart.clone().set_quantity(request).await?;
    Ok(Envelope::ok(Cart::from(cart.into_inner())))
}

/// Remove a line (a line that is not there changes nothing).
#[utoipa::path(
    delete, path = "/cart/items/{productId}", tag = "cart",
    params(("productId" = String, Path, format = Uuid, description = "The product of the line")),
    security(("bearer" = [])),
    responses((status = 200, description = "The cart", body = Envelope<Cart>))
)]
async fn remove_item(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(product_id): Path<String>,
) -> Result<Envelope<Cart>, ApiError> {
    let request = pb::RemoveItemRequest {
        user_id: caller.id(),
        product_id,
    };
    let cart = state.clients.cart.clone().remove_item(request).await?;
    Ok(Envelope::ok(Cart::from(cart.into_inner())))
}
