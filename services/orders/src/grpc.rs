//! The gRPC face of orders: decode, check who asks, call the workflow, map errors.

use std::collections::HashMap;

use shop_common::auth::Actor;
use shop_common::error::{FieldViolation, ServiceError};
use shop_common::money::Money;
use shop_common::pagination::{Page, PageLimits};
use shop_proto::orders::v1::{self as pb, orders_service_server::OrdersService};
use shop_proto::products::v1::{
    GetProductsRequest, products_service_client::ProductsServiceClient,
};
use tonic::transport::Channel;
use tonic::{Code, Request, Response, Status};
use uuid::Uuid;

use crate::convert::order_to_proto;
use crate::domain::{NewOrder, OrderStatus};
use crate::store::orders::{self, Customer, StatusChange};
use crate::workflow::Workflow;

/// Longest accepted idempotency key.
const MAX_IDEMPOTENCY_KEY: usize = 200;
/// Longest cancellation reason an administrator may give.
const MAX_REASON_CHARS: usize = 500;

pub struct OrdersGrpc {
    workflow: Workflow,
    products: ProductsServiceClient<Channel>,
}

impl OrdersGrpc {
    pub fn new(workflow: Workflow, products: ProductsServiceClient<Channel>) -> Self {
        Self { workflow, products }
    }

    /// Current names and prices of the order's products, from products.
    async fn catalog(
        &self,
        order: &NewOrder,
    ) -> Result<HashMap<Uuid, (String, Money)>, ServiceError> {
        let request = GetProductsRequest {
            ids: order.product_ids().iter().map(Uuid::to_string).collect(),
        };
        let response = self
            .products
            .clone()
            .get_products(request)
            .await
            .map_err(|status| match status.code() {
                Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled => {
                    ServiceError::Unavailable(
                        "the products service is unavailable; try again".into(),
                    )
                }
                _ => ServiceError::internal(status),
            })?;
        Ok(response
            .into_inner()
            .products
            .into_iter()
            .filter_map(|p| {
                let id = p.id.parse().ok()?;
                Some((id, (p.name, Money::from(p.price.unwrap_or_default()))))
            })
            .collect())
    }
}

fn parse_id(raw: &str, field: &str) -> Result<Uuid, ServiceError> {
    raw.trim()
        .parse()
        .map_err(|_| ServiceError::Validation(vec![FieldViolation::new(field, "must be a UUID")]))
}

fn parse_email(raw: &str) -> Result<&str, ServiceError> {
    let email = raw.trim();
    if email.is_empty() || !email.contains('@') {
        return Err(ServiceError::Validation(vec![FieldViolation::new(
            "user_email",
            "must be the customer's e-mail address",
        )]));
    }
    Ok(email)
}

fn parse_idempotency_key(raw: Option<&str>) -> Result<Option<&str>, ServiceError> {
    match raw.map(str::trim).filter(|k| !k.is_empty()) {
        Some(key) if key.len() > MAX_IDEMPOTENCY_KEY => {
            Err(ServiceError::Validation(vec![FieldViolation::new(
                "idempotency_key",
                format!("must be at most {MAX_IDEMPOTENCY_KEY} characters"),
            )]))
        }
        other => Ok(other),
    }
}

#[tonic::async_trait]
impl OrdersService for OrdersGrpc {
    async fn create_order(
        &self,
        request: Request<pb::CreateOrderRequest>,
    ) -> Result<Response<pb::Order>, Status> {
        let request = request.into_inner();
        let actor = Actor::from_proto(request.actor.as_ref()).map_err(ServiceError::from)?;
        let email = parse_email(&request.user_email)?;
        let key = parse_idempotency_key(request.idempotency_key.as_deref())?;
        let raw: Vec<(String, u32)> = request
            .lines
            .iter()
            .map(|line| (line.product_id.clone(), line.quantity))
            .collect();
        let order = NewOrder::parse(&raw).map_err(ServiceError::Validation)?;
        let catalog = self.catalog(&order).await?;
        let priced = order
            .price(|id| catalog.get(&id).cloned())
            .map_err(ServiceError::from)?;
        let customer = Customer {
            user_id: actor.user_id,
            email,
        };
        let placed = self
            .workflow
            .place(customer, &priced, key)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(order_to_proto(&placed)))
    }

    async fn get_order(
        &self,
        request: Request<pb::GetOrderRequest>,
    ) -> Result<Response<pb::Order>, Status> {
        let request = request.into_inner();
        let actor = Actor::from_proto(request.actor.as_ref()).map_err(ServiceError::from)?;
        let id = parse_id(&request.id, "id")?;
        let order = orders::get(self.workflow.pool(), id)
            .await
            .map_err(ServiceError::internal)?
            // Another customer's order answers as missing, so ids cannot be probed.
            .filter(|order| actor.is_admin() || order.user_id == actor.user_id)
            .ok_or_else(|| ServiceError::NotFound(format!("order {id} not found")))?;
        Ok(Response::new(order_to_proto(&order)))
    }

    async fn list_orders(
        &self,
        request: Request<pb::ListOrdersRequest>,
    ) -> Result<Response<pb::ListOrdersResponse>, Status> {
        let request = request.into_inner();
        let actor = Actor::from_proto(request.actor.as_ref()).map_err(ServiceError::from)?;
        let filter = request
            .user_id
            .as_deref()
            .filter(|id| !id.trim().is_empty())
            .map(|id| parse_id(id, "user_id"))
            .transpose()?;
        let owner = match (actor.is_admin(), filter) {
            (true, filter) => filter,
            (false, Some(other)) if other != actor.user_id => {
                return Err(ServiceError::PermissionDenied(
                    "only administrators list other users' orders".into(),
                )
                .into());
            }
            (false, _) => Some(actor.user_id),
        };
        let page = Page::parse(request.page.as_ref(), PageLimits::default())?;
        let (found, total) = orders::list(self.workflow.pool(), owner, &page)
            .await
            .map_err(ServiceError::internal)?;
        Ok(Response::new(pb::ListOrdersResponse {
            orders: found.iter().map(order_to_proto).collect(),
            page: Some(page.info(total)),
        }))
    }

    async fn update_order_status(
        &self,
        request: Request<pb::UpdateOrderStatusRequest>,
    ) -> Result<Response<pb::Order>, Status> {
        let request = request.into_inner();
        let actor = Actor::from_proto(request.actor.as_ref()).map_err(ServiceError::from)?;
        if !actor.is_admin() {
            return Err(ServiceError::PermissionDenied(
                "only administrators change an order's status".into(),
            )
            .into());
        }
        let id = parse_id(&request.id, "id")?;
        let target = OrderStatus::try_from(request.status()).map_err(|_| {
            ServiceError::Validation(vec![FieldViolation::new(
                "status",
                "must be an order status",
            )])
        })?;
        let reason = shop_common::text::bounded(
            request.reason.as_deref().unwrap_or_default(),
            MAX_REASON_CHARS,
        )
        .map_err(|error| ServiceError::Validation(vec![error.on("reason")]))?;
        let reason = match reason.as_str() {
            "" => "cancelled by an administrator",
            given => given,
        };
        let change = match target {
            OrderStatus::Cancelled => StatusChange::Cancel { reason },
            OrderStatus::Delivered => StatusChange::Deliver,
            other => {
                return Err(ServiceError::FailedPrecondition(format!(
                    "an order becomes {other} through the order flow; administrators set cancelled or delivered"
                ))
                .into());
            }
        };
        let order = self
            .workflow
            .change_by_admin(id, change)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(order_to_proto(&order)))
    }
}
