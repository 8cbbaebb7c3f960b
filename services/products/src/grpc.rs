//! The gRPC face: decode a request into domain types, call the catalog or the
//! reservations, encode the answer. Errors become a status here, once.

mod convert;

use shop_common::auth::Actor;
use shop_common::error::ServiceError;
use shop_common::pagination::{Page, PageLimits};
use shop_proto::products::v1 as pb;
use tonic::{Request, Response, Status};

use crate::catalog::Catalog;
use crate::domain::listing::{ListSort, SearchSort};
use crate::domain::product::ProductId;
use crate::domain::reservation::OrderId;
use crate::domain::search::SearchQuery;
use crate::reservations::Reservations;

pub use pb::products_service_server::{ProductsServiceServer, SERVICE_NAME};

/// The `ProductsService` implementation.
#[derive(Clone)]
pub struct ProductsApi {
    catalog: Catalog,
    reservations: Reservations,
}

impl ProductsApi {
    pub fn new(catalog: Catalog, reservations: Reservations) -> Self {
        Self {
            catalog,
            reservations,
        }
    }
}

/// Any error of this crate, as the status the caller sees.
fn status(error: impl Into<ServiceError>) -> Status {
    error.into().into()
}

fn actor(actor: Option<&shop_proto::common::v1::Actor>) -> Result<Actor, Status> {
    Actor::from_proto(actor).map_err(status)
}

fn product_id(raw: &str) -> Result<ProductId, Status> {
    ProductId::parse("id", raw).map_err(|v| status(ServiceError::Validation(vec![v])))
}

#[tonic::async_trait]
impl pb::products_service_server::ProductsService for ProductsApi {
    async fn create_product(
        &self,
        request: Request<pb::CreateProductRequest>,
    ) -> Result<Response<pb::Product>, Status> {
        let request = request.into_inner();
        let actor = actor(request.actor.as_ref())?;
        let product = convert::new_product(request).map_err(status)?;
        let created = self.catalog.create(&actor, product).await.map_err(status)?;
        Ok(Response::new(convert::product(created)))
    }

    async fn get_product(
        &self,
        request: Request<pb::GetProductRequest>,
    ) -> Result<Response<pb::Product>, Status> {
        let id = product_id(&request.get_ref().id)?;
        let product = self.catalog.get(id).await.map_err(status)?;
        Ok(Response::new(convert::product(product)))
    }

    async fn get_products(
        &self,
        request: Request<pb::GetProductsRequest>,
    ) -> Result<Response<pb::GetProductsResponse>, Status> {
        let ids = convert::product_ids(&request.get_ref().ids).map_err(status)?;
        let found = self.catalog.get_many(&ids).await.map_err(status)?;
        Ok(Response::new(pb::GetProductsResponse {
            products: found.products.into_iter().map(convert::product).collect(),
            missing_ids: found.missing.iter().map(ProductId::to_string).collect(),
        }))
    }

    async fn list_products(
        &self,
        request: Request<pb::ListProductsRequest>,
    ) -> Result<Response<pb::ListProductsResponse>, Status> {
        let request = request.get_ref();
        let page = Page::<ListSort>::parse(request.page.as_ref(), PageLimits::default())
            .map_err(status)?;
        let found = self.catalog.list(&page).await.map_err(status)?;
        Ok(Response::new(convert::page(
            &found,
            &page,
            &request.if_none_match,
        )))
    }

    async fn search_products(
        &self,
        request: Request<pb::SearchProductsRequest>,
    ) -> Result<Response<pb::ListProductsResponse>, Status> {
        let request = request.into_inner();
        let query = SearchQuery::parse(&request.query);
        let page = Page::<SearchSort>::parse(request.page.as_ref(), PageLimits::default());
        let (query, page) = match (query, page) {
            (Ok(query), Ok(page)) => (query, page),
            (query, page) => return Err(status(convert::violations(query, page))),
        };
        let found = self.catalog.search(&query, &page).await.map_err(status)?;
        Ok(Response::new(convert::page(
            &found,
            &page,
            &request.if_none_match,
        )))
    }

    async fn update_product(
        &self,
        request: Request<pb::UpdateProductRequest>,
    ) -> Result<Response<pb::Product>, Status> {
        let request = request.into_inner();
        let actor = actor(request.actor.as_ref())?;
        let (id, changes) = convert::product_changes(request).map_err(status)?;
        let product = self
            .catalog
            .update(&actor, id, changes)
            .await
            .map_err(status)?;
        Ok(Response::new(convert::product(product)))
    }

    async fn delete_product(
        &self,
        request: Request<pb::DeleteProductRequest>,
    ) -> Result<Response<pb::DeleteProductResponse>, Status> {
        let request = request.into_inner();
        let actor = actor(request.actor.as_ref())?;
        let id = product_id(&request.id)?;
        self.catalog.delete(&actor, id).await.map_err(status)?;
        Ok(Response::new(pb::DeleteProductResponse {}))
    }

    async fn reserve_stock(
        &self,
        request: Request<pb::ReserveStockRequest>,
    ) -> Result<Response<pb::ReserveStockResponse>, Status> {
        let reservation = convert::reservation(request.get_ref()).map_err(status)?;
        let outcome = self
            .reservations
            .reserve(&reservation)
            .await
            .map_err(status)?;
        Ok(Response::new(convert::reservation_outcome(outcome)))
    }

    async fn release_stock(
        &self,
        request: Request<pb::ReleaseStockRequest>,
    ) -> Result<Response<pb::ReleaseStockResponse>, Status> {
        let order_id = OrderId::parse("order_id", &request.get_ref().order_id)
            .map_err(|v| status(ServiceError::Validation(vec![v])))?;
        let released = self.reservations.release(order_id).await.map_err(status)?;
        Ok(Response::new(pb::ReleaseStockResponse { released }))
    }
}
