//! gRPC contracts of rustshop, generated from `proto/` at build time.
//!
//! One module per service package; `common` holds the shared messages
//! (`Role`, `Actor`, `PageRequest`, `Money`).

pub mod common {
    pub mod v1 {
        tonic::include_proto!("rustshop.common.v1");
    }
}

pub mod users {
    pub mod v1 {
        tonic::include_proto!("rustshop.users.v1");
    }
}

pub mod auth {
    pub mod v1 {
        tonic::include_proto!("rustshop.auth.v1");
    }
}

pub mod products {
    pub mod v1 {
        tonic::include_proto!("rustshop.products.v1");
    }
}

pub mod cart {
    pub mod v1 {
        tonic::include_proto!("rustshop.cart.v1");
    }
}

pub mod orders {
    pub mod v1 {
        tonic::include_proto!("rustshop.orders.v1");
    }
}
