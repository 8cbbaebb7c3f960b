//! Errors of the orders service, mapped once to gRPC status.

use shop_common::error::ServiceError;

use crate::domain::PricingError;
use crate::workflow::FlowError;

/// Errors of starting and running the service.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Postgres(#[from] shop_common::postgres::PostgresError),
    #[error(transparent)]
    Server(#[from] shop_common::server::ServerError),
    #[error("cannot set up Kafka")]
    Kafka(#[from] rdkafka::error::KafkaError),
    #[error("invalid products service address")]
    ProductsUrl(#[from] tonic::transport::Error),
}

impl From<FlowError> for ServiceError {
    fn from(error: FlowError) -> Self {
        match error {
            FlowError::NotFound(id) => ServiceError::NotFound(format!("order {id} not found")),
            FlowError::IllegalTransition { .. } => {
                ServiceError::FailedPrecondition(error.to_string())
            }
            FlowError::Store(store) => ServiceError::internal(store),
        }
    }
}

impl From<PricingError> for ServiceError {
    fn from(error: PricingError) -> Self {
        match error {
            // The request is well-formed; what it names does not exist (any more).
            PricingError::UnknownProducts(_) => ServiceError::NotFound(error.to_string()),
            PricingError::Money(_) => ServiceError::InvalidArgument(error.to_string()),
        }
    }
}
