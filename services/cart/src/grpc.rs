//! The gRPC face: decodes requests into domain values (reporting every invalid field
//! at once, before the database is touched), calls the store, maps errors once.

use std::fmt::Display;

use shop_common::error::{FieldViolation, ServiceError};
use shop_proto::cart::v1 as pb;
use shop_proto::cart::v1::cart_service_server::CartService;
use tonic::{Request, Response, Status};

use crate::domain::{
    Cart, CartLine, InvalidPrice, MAX_QUANTITY, Price, ProductId, ProductName, Quantity, UserId,
};
use crate::error::CartError;
use crate::store::CartStore;

/// The `rustshop.cart.v1.CartService` implementation.
pub struct CartGrpc {
    store: CartStore,
}

impl CartGrpc {
    pub fn new(store: CartStore) -> Self {
        Self { store }
    }
}

type CartResponse = Result<Response<pb::Cart>, Status>;

#[tonic::async_trait]
impl CartService for CartGrpc {
    async fn add_item(&self, request: Request<pb::AddItemRequest>) -> CartResponse {
        let (user, item) = decode_add_item(request.into_inner())?;
        respond(self.store.add_item(user, item).await)
    }

    async fn set_quantity(&self, request: Request<pb::SetQuantityRequest>) -> CartResponse {
        let request = request.into_inner();
        let (user, product, quantity) = decode_set_quantity(&request)?;
        let changed = match quantity {
            Some(quantity) => self.store.set_quantity(user, product, quantity).await,
            None => self.store.remove_line(user, product).await,
        };
        respond(
            changed
                .map_err(CartError::from)
                .and_then(|cart| cart.ok_or(CartError::LineNotFound(product))),
        )
    }

    /// Removing a line the cart does not have is not an error: the cart is returned
    /// as it is (so a retried or double-clicked remove succeeds).
    async fn remove_item(&self, request: Request<pb::RemoveItemRequest>) -> CartResponse {
        let request = request.into_inner();
        let (user, product) = decode_line(&request.user_id, &request.product_id)?;
        let cart = match self.store.remove_line(user, product).await {
            Ok(Some(cart)) => Ok(cart),
            Ok(None) => self.store.get(user).await,
            Err(error) => Err(error),
        };
        respond(cart.map_err(CartError::from))
    }

    async fn get_cart(&self, request: Request<pb::GetCartRequest>) -> CartResponse {
        let user = decode_user(&request.into_inner().user_id)?;
        respond(self.store.get(user).await.map_err(CartError::from))
    }

    async fn clear_cart(&self, request: Request<pb::ClearCartRequest>) -> CartResponse {
        let user = decode_user(&request.into_inner().user_id)?;
        respond(self.store.clear(user).await.map_err(CartError::from))
    }
}

/// Invalid fields of one request, collected so the caller learns of all at once.
#[derive(Default)]
struct Violations(Vec<FieldViolation>);

impl Violations {
    fn check<T, E: Display>(&mut self, field: &str, parsed: Result<T, E>) -> Option<T> {
        parsed
            .map_err(|error| self.0.push(FieldViolation::new(field, error.to_string())))
            .ok()
    }

    fn into_status(self) -> Status {
        ServiceError::Validation(self.0).into()
    }
}

fn decode_user(raw: &str) -> Result<UserId, Status> {
    let mut violations = Violations::default();
    violations
        .check("user_id", UserId::parse(raw))
        .ok_or_else(|| violations.into_status())
}

fn decode_line(user_id: &str, product_id: &str) -> Result<(UserId, ProductId), Status> {
    let mut violations = Violations::default();
    let user = violations.check("user_id", UserId::parse(user_id));
    let product = violations.check("product_id", ProductId::parse(product_id));
    match (user, product) {
        (Some(user), Some(product)) => Ok((user, product)),
        _ => Err(violations.into_status()),
    }
}

fn decode_add_item(request: pb::AddItemRequest) -> Result<(UserId, CartLine), Status> {
    let mut violations = Violations::default();
    let user = violations.check("user_id", UserId::parse(&request.user_id));
    let product_id = violations.check("product_id", ProductId::parse(&request.product_id));
    let name = violations.check("name", ProductName::parse(&request.name));
    let price = request
        .price
        .ok_or(InvalidPrice::Missing)
        .and_then(|price| Price::new(price.into()));
    let price = violations.check("price", price);
    let quantity = violations.check("quantity", Quantity::new(request.quantity));
    match (user, product_id, name, price, quantity) {
        (Some(user), Some(product_id), Some(name), Some(price), Some(quantity)) => Ok((
            user,
            CartLine {
                product_id,
                name,
                price,
                quantity,
            },
        )),
        _ => Err(violations.into_status()),
    }
}

/// The line to change and its new quantity; `None` (quantity 0) removes the line.
fn decode_set_quantity(
    request: &pb::SetQuantityRequest,
) -> Result<(UserId, ProductId, Option<Quantity>), Status> {
    let mut violations = Violations::default();
    let user = violations.check("user_id", UserId::parse(&request.user_id));
    let product = violations.check("product_id", ProductId::parse(&request.product_id));
    let quantity = match request.quantity {
        0 => Ok(None),
        units => Quantity::new(units)
            .map(Some)
            .map_err(|_| format!("must be between 0 and {MAX_QUANTITY} (0 removes the line)")),
    };
    let quantity = violations.check("quantity", quantity);
    match (user, product, quantity) {
        (Some(user), Some(product), Some(quantity)) => Ok((user, product, quantity)),
        _ => Err(violations.into_status()),
    }
}

fn respond(cart: Result<Cart, CartError>) -> CartResponse {
    Ok(Response::new(encode(&cart?)?))
}

fn encode(cart: &Cart) -> Result<pb::Cart, CartError> {
    Ok(pb::Cart {
        user_id: cart.user_id.to_string(),
        items: cart.lines.iter().map(encode_line).collect(),
        total_price: Some(cart.total_price()?.into()),
        total_items: cart.total_items(),
    })
}

fn encode_line(line: &CartLine) -> pb::CartItem {
    pb::CartItem {
        product_id: line.product_id.to_string(),
        name: line.name.as_str().to_owned(),
        price: Some(line.price.money().into()),
        quantity: line.quantity.get(),
    }
}
