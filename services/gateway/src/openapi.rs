//! The OpenAPI 3 document, generated from the route annotations, served at
//! `/api/v1/openapi.json`, and the docs page at `/docs` (Swagger UI, served from files
//! compiled into the gateway: it loads nothing from another origin).

use axum::Router;
use axum::http::header;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, OpenApi, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi as _};
use utoipa_swagger_ui::SwaggerUi;

use crate::envelope::ErrorEnvelope;
use crate::error::{ErrorDetail, FieldError};
use crate::listing::SortOrder;
use crate::middleware::security::DOCS_CSP;

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";
/// Where the docs page is served.
pub const DOCS_PATH: &str = "/docs";

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "rustshop API",
        version = "1",
        description = "The HTTP API of rustshop. Successful responses are \
            `{success: true, statusCode, data}`; errors are `{success: false, statusCode, \
            timestamp, path, error: {message, fields?}}`, where `fields` lists each invalid \
            field of a 400 as `{field, message}`. Request bodies are JSON \
            (`Content-Type: application/json`, at most `BODY_LIMIT`) and refuse unknown \
            fields. Listings take `?page=1&limit=10&sort=<field>&order=asc|desc` and answer \
            `data: {data: [...], total, page, limit}`. Money is a number with two decimals; \
            timestamps are RFC 3339. Every response carries an `x-request-id` (yours, if \
            you send a valid one)."
    ),
    modifiers(&BearerAuth),
    components(schemas(ErrorEnvelope, ErrorDetail, FieldError, SortOrder)),
    tags(
        (name = "auth", description = "Registration, login, the caller"),
        (name = "users", description = "Accounts"),
        (name = "products", description = "The catalog"),
        (name = "cart", description = "The caller's cart"),
        (name = "orders", description = "Orders and checkout"),
    )
)]
pub struct ApiDoc;

/// The `bearer` security scheme: `Authorization: Bearer <accessToken>` from login.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The base document (info, security scheme, shared schemas) the routes add to.
pub fn base() -> OpenApi {
    ApiDoc::openapi()
}

/// Adds to every operation the error responses any of them can give, so each route
/// documents only its own: 400 (with parameters or a body), 401 (needs a token), 413
/// and 415 (with a body), 500, 503 (a service, or the token key, not available yet)
/// and 504.
pub fn add_common_errors(openapi: &mut OpenApi) {
    for item in openapi.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            add_errors(operation);
        }
    }
}

fn add_errors(operation: &mut Operation) {
    let has_body = operation.request_body.is_some();
    let has_parameters = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let needs_token = operation.security.as_ref().is_some_and(|requirements| {
        // An empty requirement among them makes the token optional.
        !requirements.is_empty()
            && requirements
                .iter()
                .all(|r| serde_json::to_value(r).is_ok_and(|v| v != serde_json::json!({})))
    });
    let mut add = |status: &str, description: &str| {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| error_response(description));
    };
    if has_body || has_parameters {
        add(
            "400",
            "Invalid request: `error.fields` names each invalid field",
        );
    }
    if needs_token {
        add("401", "No bearer token, or an invalid or expired one");
    }
    if has_body {
        add("413", "The body is larger than the limit");
        add("415", "The body is not application/json");
    }
    add("500", "Internal error (details are logged, never returned)");
    add(
        "503",
        "A service this request needs is unavailable (or the token key is not loaded yet)",
    );
    add("504", "The request took too long");
}

fn error_response(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            Content::new(Some(Ref::from_schema_name("ErrorEnvelope"))),
        )
        .build()
        .into()
}

/// `/docs` (Swagger UI) and the document at [`OPENAPI_PATH`]. The page may run its own
/// scripts and styles, so it gets a CSP of its own.
pub fn docs_router<S>(openapi: OpenApi) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    // No validator: Swagger UI would otherwise send the document to an online one.
    let config = utoipa_swagger_ui::Config::default().validator_url("none");
    let ui = SwaggerUi::new(DOCS_PATH)
        .url(OPENAPI_PATH, openapi)
        .config(config);
    Router::from(ui).layer(SetResponseHeaderLayer::overriding(
        header::CONTENT_SECURITY_POLICY,
        DOCS_CSP,
    ))
}
