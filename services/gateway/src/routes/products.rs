//! `/products`: the catalog. Reading is for anyone; ADMIN, SUPER_ADMIN and SELLER
//! create and change products (a SELLER only its own, as products decides); ADMIN and
//! SUPER_ADMIN delete them.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use shop_proto::products::v1 as pb;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{ADMINS, CATALOG_EDITORS, CurrentUser};
use crate::dto::products::{Product, ProductBody, ProductPatch};
use crate::dto::{Deleted, image_url};
use crate::envelope::{Envelope, ErrorEnvelope, Paginated};
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::json::Json;
use crate::listing::{PageQuery, sort_fields};

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

sort_fields!(
    /// What the catalog is sorted by.
    ProductSort { CreatedAt => "created_at", Name => "name", Price => "price" }
    sort: "`created_at` (default, newest first), `name` or `price`.",
    order: "`asc` or `desc` (default: the field's natural order).",
);

sort_fields!(
    /// What search results are sorted by.
    SearchSort { Relevance => "relevance", CreatedAt => "created_at", Name => "name", Price => "price" }
    sort: "`relevance` (default), `created_at`, `name` or `price`.",
    order: "`asc` or `desc`.",
);

/// List products.
#[utoipa::path(
    get, path = "/products", tag = "products",
    params(PageQuery<ProductSort>),
    responses((status = 200, description = "A page of products", body = Envelope<Paginated<Product>>))
)]
async fn list_products(
    State(state): State<AppState>,
    Query(listing): Query<PageQuery<ProductSort>>,
) -> Result<Response, ApiError> {
    let mut request = pb::ListProductsRequest {
        page: Some(listing.to_request()?),
        ..Default::default()
    };
    let revalidation = state.pages.revalidate(&mut request);
    let mut products = state.clients.products.clone();
    let answer = products.list_products(request).await?;
    revalidation.answer(answer.into_inner())
}

/// `?q=` of a search (its page is a [`PageQuery`]).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SearchQuery {
    /// Words to find in names and descriptions (prefixes match: `boo` finds "Book"):
    /// at most 200 characters, at least one of them a letter or a digit.
    #[param(max_length = 200, pattern = r"[^\W_]")]
    q: String,
}

/// Full-text search over names and descriptions, best matches first.
#[utoipa::path(
    get, path = "/products/search", tag = "products",
    params(SearchQuery, PageQuery<SearchSort>),
    responses((status = 200, description = "A page of matching products", body = Envelope<Paginated<Product>>))
)]
async fn search_products(
    State(state): State<AppState>,
    // The page first: a bad page value is reported before a missing `q`, as when
    // both were one struct.
    Query(listing): Query<PageQuery<SearchSort>>,
    Query(query): Query<SearchQuery>,
) -> Result<Response, ApiError> {
    let mut request = pb::SearchProductsRequest {
        page: Some(listing.to_request()?),
        query: query.q,
        ..Default::default()
    };
    let revalidation = state.pages.revalidate(&mut request);
    let mut products = state.clients.products.clone();
    let answer = products
        .search_products(request)
        .await
        // products calls the text `query`; here it is the parameter `q`.
        .map_err(|status| ApiError::from(status).renaming_field("query", "q"))?;
    revalidation.answer(answer.into_inner())
}

/// One product (served from the cache when it is there).
#[utoipa::path(
    get, path = "/products/{id}", tag = "products",
    params(("id" = String, Path, format = Uuid, description = "The product's id")),
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
    check_images(body.images.as_deref())?;
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
    params(("id" = String, Path, format = Uuid, description = "The product's id")),
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
    check_images(body.images.as_deref())?;
    update(&state, body.into_replace(id, caller.actor())).await
}

/// Change some fields of a product.
#[utoipa::path(
    patch, path = "/products/{id}", tag = "products",
    params(("id" = String, Path, format = Uuid, description = "The product's id")),
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
    check_images(body.images.as_deref())?;
    update(&state, body.into_proto(id, caller.actor())).await
}

/// 400 naming each image URL outside the documented pattern.
fn check_images(images: Option<&[String]>) -> Result<(), ApiError> {
    let invalid = image_url::check(images);
    if invalid.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(invalid))
    }
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
    params(("id" = String, Path, format = Uuid, description = "The product's id")),
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
