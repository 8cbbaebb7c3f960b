//! The stored shape of a cart, and its conversion to and from the domain model.
//!
//! ```text
//! { _id: ObjectId,                         set when the cart is created
//!   userId: "<uuid>",                      unique
//!   items: [ { productId: "<uuid>", name: "Mug", price: Int64 cents, quantity: Int64 } ],
//!   version: Int64,                        +1 on every change (optimistic concurrency)
//!   updatedAt: Date }                      TTL index
//! ```
//!
//! `price` is an integer number of cents (Int64), never a floating point number.

use mongodb::bson::oid::ObjectId;
use mongodb::bson::{Bson, Document, doc};
use serde::Deserialize;
use shop_common::money::Money;

use super::known::Stored;
use crate::domain::{Cart, CartLine, Price, ProductId, ProductName, Quantity, UserId};
use crate::error::StoreError;

/// Field names, in one place so filters and updates cannot drift apart.
pub(crate) const ID: &str = "_id";
pub(crate) const USER_ID: &str = "userId";
pub(crate) const ITEMS: &str = "items";
pub(crate) const VERSION: &str = "version";
pub(crate) const UPDATED_AT: &str = "updatedAt";

/// A cart as read from the database (`updatedAt` ignored).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CartDocument {
    #[serde(rename = "_id")]
    id: ObjectId,
    user_id: String,
    #[serde(default)]
    items: Vec<LineDocument>,
    version: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LineDocument {
    product_id: String,
    name: String,
    price: i64,
    quantity: i64,
}

impl CartDocument {
    /// The document this cart is, and its version.
    pub fn stored(&self) -> Stored {
        Stored {
            id: self.id,
            version: self.version,
        }
    }

    /// The domain cart, checking every stored value as if it came from a caller.
    pub fn into_cart(self) -> Result<Cart, StoreError> {
        let user_id = UserId::parse(&self.user_id).map_err(StoreError::corrupt)?;
        let lines = self
            .items
            .into_iter()
            .map(LineDocument::into_line)
            .collect::<Result<_, _>>()?;
        Ok(Cart { user_id, lines })
    }
}

impl LineDocument {
    fn into_line(self) -> Result<CartLine, StoreError> {
        let quantity = u32::try_from(self.quantity)
            .ok()
            .and_then(|units| Quantity::new(units).ok())
            .ok_or_else(|| StoreError::corrupt(format!("quantity {}", self.quantity)))?;
        Ok(CartLine {
            product_id: ProductId::parse(&self.product_id).map_err(StoreError::corrupt)?,
            name: ProductName::parse(&self.name).map_err(StoreError::corrupt)?,
            price: Price::new(Money::from_cents(self.price)).map_err(StoreError::corrupt)?,
            quantity,
        })
    }
}

/// The `items` array of `lines`.
pub(crate) fn items(lines: &[CartLine]) -> Bson {
    Bson::Array(
        lines
            .iter()
            .map(|line| Bson::Document(line_document(line)))
            .collect(),
    )
}

fn line_document(line: &CartLine) -> Document {
    doc! {
        "productId": line.product_id.to_string(),
        "name": line.name.as_str(),
        "price": Bson::Int64(line.price.money().cents()),
        "quantity": quantity(line.quantity),
    }
}

/// A quantity as stored.
pub(crate) fn quantity(quantity: Quantity) -> Bson {
    Bson::Int64(i64::from(quantity.get()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb::bson;

    fn stored(quantity: Bson, price: Bson) -> Document {
        doc! {
            "_id": bson::oid::ObjectId::new(),
            "userId": "0190a6b2-0000-7000-8000-000000000001",
            "items": [{
                "productId": "0190a6b2-0000-7000-8000-000000000002",
                "name": "Mug",
                "price": price,
                "quantity": quantity,
            }],
            "version": 3_i64,
            "updatedAt": bson::DateTime::now(),
        }
    }

    fn read(document: Document) -> Result<Cart, StoreError> {
        let parsed: CartDocument = bson::from_document(document).map_err(StoreError::corrupt)?;
        parsed.into_cart()
    }

    #[test]
    fn a_written_line_reads_back_the_same() {
        let cart = read(stored(Bson::Int32(3), Bson::Int64(1999))).unwrap();
        let written = items(&cart.lines);
        let mut again = stored(Bson::Int32(0), Bson::Int64(0));
        again.insert("items", written);
        assert_eq!(read(again).unwrap(), cart);
    }

    #[test]
    fn integers_of_either_width_are_accepted() {
        // Servers may hand back small Int64 values as Int32 and the reverse.
        let cart = read(stored(Bson::Int64(3), Bson::Int32(1999))).unwrap();
        assert_eq!(cart.total_price().unwrap().cents(), 3 * 1999);
    }

    #[test]
    fn an_impossible_stored_quantity_is_corrupt() {
        let error = read(stored(Bson::Int32(0), Bson::Int64(1999))).unwrap_err();
        assert!(matches!(error, StoreError::Corrupt(_)), "{error:?}");
    }
}
