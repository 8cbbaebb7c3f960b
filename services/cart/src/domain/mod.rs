//! The cart model and its rules; no I/O.

pub mod cart;
pub mod fields;

pub use cart::{Cart, CartLine, CartRuleError, MAX_LINES};
pub use fields::{
    InvalidId, InvalidName, InvalidPrice, InvalidQuantity, MAX_QUANTITY, Price, ProductId,
    ProductName, Quantity, UserId,
};
