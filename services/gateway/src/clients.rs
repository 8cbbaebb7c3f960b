//! The gRPC clients of the services behind the gateway: one lazily connected channel
//! per service, made once at start; handlers clone a client (cheap) per call.
//!
//! Every call carries the current request's id as `x-request-id` metadata.

use std::time::Duration;

use shop_common::grpc_client::{ChannelTimeouts, channel};
use shop_common::server::REQUEST_ID;
use shop_proto::auth::v1::auth_service_client::AuthServiceClient;
use shop_proto::cart::v1::cart_service_client::CartServiceClient;
use shop_proto::orders::v1::orders_service_client::OrdersServiceClient;
use shop_proto::products::v1::products_service_client::ProductsServiceClient;
use shop_proto::users::v1::users_service_client::UsersServiceClient;
use tonic::metadata::AsciiMetadataValue;
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use crate::config;
use crate::middleware::request_id;

/// A channel whose calls carry the request id.
pub type Upstream = InterceptedService<Channel, RequestIdInterceptor>;

pub type AuthClient = AuthServiceClient<Upstream>;
pub type UsersClient = UsersServiceClient<Upstream>;
pub type ProductsClient = ProductsServiceClient<Upstream>;
pub type CartClient = CartServiceClient<Upstream>;
pub type OrdersClient = OrdersServiceClient<Upstream>;

/// The clients of every upstream service.
#[derive(Debug, Clone)]
pub struct Clients {
    pub auth: AuthClient,
    pub users: UsersClient,
    pub products: ProductsClient,
    pub cart: CartClient,
    pub orders: OrdersClient,
}

impl Clients {
    /// Channels to every upstream, connected on first use. A call that takes longer
    /// than `timeout` fails (504), before the request's own timeout answers for it.
    pub fn new(
        upstreams: &config::Upstreams,
        timeout: Duration,
    ) -> Result<Self, tonic::transport::Error> {
        let timeouts = ChannelTimeouts {
            connect: Duration::from_secs(3).min(timeout),
            request: timeout,
        };
        let upstream = |url| -> Result<Upstream, tonic::transport::Error> {
            Ok(InterceptedService::new(
                channel(url, timeouts)?,
                RequestIdInterceptor,
            ))
        };
        Ok(Self {
            auth: AuthServiceClient::new(upstream(&upstreams.auth)?),
            users: UsersServiceClient::new(upstream(&upstreams.users)?),
            products: ProductsServiceClient::new(upstream(&upstreams.products)?),
            cart: CartServiceClient::new(upstream(&upstreams.cart)?),
            orders: OrdersServiceClient::new(upstream(&upstreams.orders)?),
        })
    }
}

/// Adds the request id of the request being handled (if any) to a gRPC call.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestIdInterceptor;

impl Interceptor for RequestIdInterceptor {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(id) = request_id::current()
            && let Ok(mut value) = AsciiMetadataValue::try_from(id.as_bytes())
        {
            // Never indexed by HPACK: every call has an id of its own, which would
            // only push the other headers out of both ends' tables, and cost each end
            // an insertion and an eviction per call.
            value.set_sensitive(true);
            request.metadata_mut().insert(REQUEST_ID, value);
        }
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_outside_a_request_carry_no_id() {
        let request = RequestIdInterceptor.call(tonic::Request::new(())).unwrap();
        assert!(request.metadata().get("x-request-id").is_none());
    }

    #[tokio::test]
    async fn calls_made_while_handling_a_request_carry_its_id() {
        let id = axum::http::HeaderValue::from_static("req-42");
        let request = request_id::scoped(id, async {
            RequestIdInterceptor.call(tonic::Request::new(()))
        })
        .await
        .unwrap();
        assert_eq!(request.metadata().get("x-request-id").unwrap(), "req-42");
    }
}
