//! `/products`: the catalog. Reading is for anyone; ADMIN, SUPER_ADMIN and SELLER
//! create and change products (a SELLER only its own, as products decides); ADMIN and
//! SUPER_ADMIN delete them.

use axum::extract::State;
use serde::Deserialize;
use shop_proto::products::v1 as pb;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{ADMINS, CATALOG_EDITORS, CurrentUser};
use crate::dto::Deleted;
use crate::dto::products::{Product, ProductBody, ProductPatch};
use crate::envelope::{Envelope, ErrorEnvelope, PageQuery, Paginated, SortOrder, page_request};
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::json::Json;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_products, create_product))
        .routes(routes!(search_products))
        .routes(routes!(
            get_product,
            replace_product,
            patch_product,
            delete_product
        ))
}

fn page_of(response: pb::ListProductsResponse) -> Paginated<Product> {
    let products = response.products.into_iter().map(Product::from).collect();
    Paginated::new(products, response.page)
}

/// List products (sort: `created_at` (default, newest first), `name`, `price`).
#[utoipa::path(
    get, path = "/products", tag = "products",
    params(PageQuery),
    responses((status = 200, description = "A page of products", body = Envelope<Paginated<Product>>))
)]
async fn list_products(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
) -> Result<Envelope<Paginated<Product>>, ApiError> {
    let request = pb::ListProductsRequest {
        page: Some(query.to_proto()),
    };
    let response = state
        .clients
        .products
        .clone()
        .list_products(request)
        .await?;
    Ok(Envelope::ok(page_of(response.into_inner())))
}

/// `?q=` and the page of a search.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SearchQuery {
    /// Words to find in names and descriptions (prefixes match: `boo` finds "Book").
    q: String,
    /// Page number, from 1.
    page: Option<u32>,
    /// Items per page (1 to 100, default 10).
    limit: Option<u32>,
    /// `relevance` (default), `created_at`, `name` or `price`.
    sort: Option<String>,
    /// `asc` or `desc`.
    order: Option<SortOrder>,
}

/// Full-text search over names and descriptions, best matches first.
#[utoipa::path(
    get, path = "/products/search", tag = "products",
    params(SearchQuery),
    responses((status = 200, description = "A page of matching products", body = Envelope<Paginated<Product>>))
)]
async fn search_products(
    State(state): State<AppState>,
    Query(query): Query<SearchQuery>,
) -> Result<Envelope<Paginated<Product>>, ApiError> {
    let request = pb::SearchProductsRequest {
        page: Some(page_request(
            query.page,
            query.limit,
            query.sort.as_deref(),
            query.order,
        )),
        query: query.q,
    };
    let response = state
        .clients
        .products
        .clone()
        .search_products(request)
        .await?;
    Ok(Envelope::ok(page_of(response.into_inner())))
}

/// One product (served from the cache when it is there).
#[utoipa::path(
    get, path = "/products/{id}", tag = "products",
    params(("id" = String, Path, description = "The product's id")),
    responses(
        (status = 200, description = "The product", body = Envelope<Product>),
        (status = 404, description = "No such product", body = ErrorEnvelope),
    )
)]
async fn get_product(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Envelope<Product>, ApiError> {
    let product = state
        .clients
        .products
        .clone()
        .get_product(pb::GetProductRequest { id })
        .await?
        .into_inner();
    Ok(Envelope::ok(Product::from(product)))
}

/// Create a product; the caller becomes its seller.
#[utoipa::path(
    post, path = "/products", tag = "products",
    request_body = ProductBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new product", body = Envelope<Product>),
        (status = 403, description = "Not an ADMIN, SUPER_ADMIN or SELLER", body = ErrorEnvelope),
    )
)]
async fn create_product(
    State(state): State<AppState>,
    caller: CurrentUser,
    Json(body): Json<ProductBody>,
) -> Result<Envelope<Product>, ApiError> {
    caller.require(CATALOG_EDITORS)?;
    let product = state
        .clients
        .products
        .clone()
        .create_product(body.into_create(caller.actor()))
        .await?
        .into_inner();
    Ok(Envelope::created(Product::from(product)))
}

/// Replace a product: absent `description` and `images` are cleared.
#[utoipa::path(
    put, path = "/products/{id}", tag = "products",
    params(("id" = String, Path, description = "The product's id")),
    request_body = ProductBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The product as it is now", body = Envelope<Product>),
        (status = 403, description = "Not allowed to change this product", body = ErrorEnvelope),
        (status = 404, description = "No such product", body = ErrorEnvelope),
    )
)]
async fn replace_product(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<ProductBody>,
) -> Result<Envelope<Product>, ApiError> {
    caller.require(CATALOG_EDITORS)?;
    update(&state, body.into_replace(id, caller.actor())).await
}

/// Change some fields of a product.
#[utoipa::path(
    patch, path = "/products/{id}", tag = "products",
    params(("id" = String, Path, description = "The product's id")),
    request_body = ProductPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The product as it is now", body = Envelope<Product>),
        (status = 403, description = "Not allowed to change this product", body = ErrorEnvelope),
        (status = 404, description = "No such product", body = ErrorEnvelope),
    )
)]
async fn patch_product(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<ProductPatch>,
) -> Result<Envelope<Product>, ApiError> {
    caller.require(CATALOG_EDITORS)?;
    update(&state, body.into_proto(id, caller.actor())).await
}

async fn update(
    state: &AppState,
    request: pb::UpdateProductRequest,
) -> Result<Envelope<Product>, ApiError> {
    let product = state
        .clients
        .products
        .clone()
        .update_product(request)
        .await?
        .into_inner();
    Ok(Envelope::ok(Product::from(product)))
}

/// Delete a product.
#[utoipa::path(
    delete, path = "/products/{id}", tag = "products",
    params(("id" = String, Path, description = "The product's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Deleted", body = Envelope<Deleted>),
        (status = 403, description = "Not an ADMIN or SUPER_ADMIN", body = ErrorEnvelope),
        (status = 404, description = "No such product", body = ErrorEnvelope),
    )
)]
async fn delete_product(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<String>,
) -> Result<Envelope<Deleted>, ApiError> {
    caller.require(ADMINS)?;
    let request = pb::DeleteProductRequest {
        id: id.clone(),
        actor: Some(caller.actor()),
    };
    state
        .clients
        .products
        .clone()
        .delete_product(request)
        .await?;
    Ok(Envelope::ok(Deleted::new(id)))
}
