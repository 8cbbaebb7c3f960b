//! The caller's cart.

use serde::{Deserialize, Serialize};
use shop_common::money::Money;
use shop_proto::cart::v1 as pb;
use utoipa::ToSchema;

/// A user's cart, with exact totals.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Cart {
    pub user_id: String,
    /// In the order they were first added.
    pub items: Vec<CartItem>,
    #[schema(value_type = f64, example = 39.98)]
    pub total_price: Money,
    /// The sum of the quantities.
    #[schema(example = 2)]
    pub total_items: u32,
}

/// One line of a cart: the product's name and price as they were when it was added.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CartItem {
    pub product_id: String,
    #[schema(example = "Espresso cup")]
    pub name: String,
    #[schema(value_type = f64, example = 19.99)]
    pub price: Money,
    #[schema(example = 2)]
    pub quantity: u32,
}

impl From<pb::Cart> for Cart {
    fn from(cart: pb::Cart) -> Self {
        Self {
            user_id: cart.user_id,
            items: cart
                .items
                .into_iter()
                .map(|item| CartItem {
                    product_id: item.product_id,
                    name: item.name,
                    price: item.price.unwrap_or_default().into(),
                    quantity: item.quantity,
                })
                .collect(),
            total_price: cart.total_price.unwrap_or_default().into(),
            total_items: cart.total_items,
        }
    }
}

/// `POST /cart/add`: the name and price are taken from the catalog.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddToCart {
    #[schema(example = "0199a3b2-7c4e-7d1a-9f0e-2b5c8d1e4f60", format = Uuid)]
    pub product_id: String,
    /// 1 to 999 (added to the line's quantity).
    #[schema(example = 1, minimum = 1, maximum = 999)]
    #[serde(deserialize_with = "super::whole::deserialize")]
    pub quantity: u32,
}

/// `PATCH /cart/items/{productId}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetQuantity {
    /// 0 to 999; 0 removes the line.
    #[schema(example = 3, maximum = 999)]
    #[serde(deserialize_with = "super::whole::deserialize")]
    pub quantity: u32,
}
