//! Between protobuf messages and domain types. Decoding validates: a request becomes
//! domain values, or InvalidArgument naming every bad field.

use shop_common::error::{FieldViolation, ServiceError};
use shop_common::money::Money;
use shop_common::pagination::Page;
use shop_proto::products::v1 as pb;
use time::OffsetDateTime;

use crate::domain::listing::ProductPage;
use crate::domain::product::{
    NewProduct, NewProductFields, Product, ProductChangeFields, ProductChanges, ProductId,
};
use crate::domain::reservation::{ReservationOutcome, ReservationRequest, ShortageReason};

/// Most ids one `GetProducts` call may ask for.
pub const MAX_BATCH: usize = 100;

pub fn product(product: Product) -> pb::Product {
    pb::Product {
        id: product.id.to_string(),
        name: product.name,
        description: product.description,
        price: Some(product.price.into()),
        stock: product.stock,
        seller_id: product.seller_id.to_string(),
        images: product.images,
        created_at: Some(timestamp(product.created_at)),
        updated_at: Some(timestamp(product.updated_at)),
    }
}

/// A page as the answer to a listing or a search: only its tag (`not_modified`) if
/// that is the tag the caller has, else the whole page with its tag.
pub fn page<S>(
    found: &ProductPage,
    page: &Page<S>,
    if_none_match: &str,
) -> pb::ListProductsResponse {
    let etag = found.tag().to_string();
    if etag == if_none_match {
        return pb::ListProductsResponse {
            etag,
            not_modified: true,
            ..Default::default()
        };
    }
    pb::ListProductsResponse {
        products: found.products().iter().cloned().map(product).collect(),
        page: Some(page.info(found.total())),
        etag,
        not_modified: false,
    }
}

fn timestamp(at: OffsetDateTime) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.unix_timestamp(),
        // Always below 10^9, so it fits.
        nanos: i32::try_from(at.nanosecond()).unwrap_or_default(),
    }
}

pub fn new_product(request: pb::CreateProductRequest) -> Result<NewProduct, ServiceError> {
    NewProduct::parse(NewProductFields {
        name: request.name,
        description: request.description,
        price: request.price.map(Money::from),
        stock: request.stock,
        images: request.images,
    })
    .map_err(ServiceError::Validation)
}

pub fn product_changes(
    request: pb::UpdateProductRequest,
) -> Result<(ProductId, ProductChanges), ServiceError> {
    let id = ProductId::parse("id", &request.id);
    let changes = ProductChanges::parse(ProductChangeFields {
        name: request.name,
        description: request.description,
        price: request.price.map(Money::from),
        stock: request.stock,
        images: request.images.map(|list| list.urls),
    });
    match (id, changes) {
        (Ok(id), Ok(changes)) => Ok((id, changes)),
        (id, changes) => {
            let mut violations: Vec<FieldViolation> = id.err().into_iter().collect();
            violations.extend(changes.err().unwrap_or_default());
            Err(ServiceError::Validation(violations))
        }
    }
}

pub fn product_ids(raw: &[String]) -> Result<Vec<ProductId>, ServiceError> {
    if raw.len() > MAX_BATCH {
        return Err(ServiceError::Validation(vec![FieldViolation::new(
            "ids",
            format!("at most {MAX_BATCH} ids per call"),
        )]));
    }
    let mut violations = Vec::new();
    let ids: Vec<ProductId> = raw
        .iter()
        .enumerate()
        .filter_map(|(i, id)| {
            ProductId::parse(&format!("ids[{i}]"), id)
                .map_err(|v| violations.push(v))
                .ok()
        })
        .collect();
    if violations.is_empty() {
        Ok(ids)
    } else {
        Err(ServiceError::Validation(violations))
    }
}

/// Combines the violations of a search query and of its page.
pub fn violations<Q, P>(
    query: Result<Q, FieldViolation>,
    page: Result<P, ServiceError>,
) -> ServiceError {
    let mut violations: Vec<FieldViolation> = query.err().into_iter().collect();
    match page {
        Err(ServiceError::Validation(more)) => violations.extend(more),
        Err(other) => return other,
        Ok(_) => {}
    }
    ServiceError::Validation(violations)
}

pub fn reservation(request: &pb::ReserveStockRequest) -> Result<ReservationRequest, ServiceError> {
    let lines = request
        .items
        .iter()
        .map(|item| (item.product_id.as_str(), item.quantity));
    ReservationRequest::parse(&request.order_id, lines).map_err(ServiceError::Validation)
}

pub fn reservation_outcome(outcome: ReservationOutcome) -> pb::ReserveStockResponse {
    match outcome {
        ReservationOutcome::Reserved => pb::ReserveStockResponse {
            reserved: true,
            shortages: Vec::new(),
        },
        ReservationOutcome::Rejected(shortages) => pb::ReserveStockResponse {
            reserved: false,
            shortages: shortages
                .into_iter()
                .map(|s| pb::StockShortage {
                    product_id: s.product_id.to_string(),
                    requested: s.requested,
                    available: s.available,
                    reason: match s.reason {
                        ShortageReason::UnknownProduct => pb::ShortageReason::UnknownProduct,
                        ShortageReason::InsufficientStock => pb::ShortageReason::InsufficientStock,
                    }
                    .into(),
                })
                .collect(),
        },
    }
}
