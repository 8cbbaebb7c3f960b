//! A user's cart and the rules of changing it.

use shop_common::money::{Money, MoneyError};

use super::fields::{MAX_QUANTITY, Price, ProductId, ProductName, Quantity, UserId};

/// Most lines (distinct products) one cart holds.
pub const MAX_LINES: usize = 100;

/// One product in a cart, at the name and unit price the caller took from the
/// catalogue when it was last added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartLine {
    pub product_id: ProductId,
    pub name: ProductName,
    pub price: Price,
    pub quantity: Quantity,
}

impl CartLine {
    /// Unit price times quantity.
    pub fn total(&self) -> Result<Money, MoneyError> {
        self.price.money().checked_mul(self.quantity.get())
    }
}

/// A user's cart: its lines in the order they were first added. A user without a
/// stored cart has an empty one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cart {
    pub user_id: UserId,
    pub lines: Vec<CartLine>,
}

/// Why an item cannot be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CartRuleError {
    #[error(
        "the cart already holds {} of this product; adding {} would exceed {MAX_QUANTITY} in one line",
        in_cart.get(),
        adding.get()
    )]
    QuantityExceeded { in_cart: Quantity, adding: Quantity },
    #[error("a cart holds at most {MAX_LINES} lines; remove one before adding another product")]
    Full,
}

impl Cart {
    pub fn empty(user_id: UserId) -> Self {
        Self {
            user_id,
            lines: Vec::new(),
        }
    }

    /// Adds `item`: to the quantity of the product's line if there is one (which
    /// also takes the item's name and price, the catalogue's current ones), else as
    /// a new line at the end.
    pub fn add(&mut self, item: CartLine) -> Result<(), CartRuleError> {
        if let Some(line) = self
            .lines
            .iter_mut()
            .find(|line| line.product_id == item.product_id)
        {
            line.quantity = line.quantity.checked_add(item.quantity).ok_or(
                CartRuleError::QuantityExceeded {
                    in_cart: line.quantity,
                    adding: item.quantity,
                },
            )?;
            line.name = item.name;
            line.price = item.price;
            return Ok(());
        }
        if self.lines.len() >= MAX_LINES {
            return Err(CartRuleError::Full);
        }
        self.lines.push(item);
        Ok(())
    }

    /// Sets the quantity of the product's line; false if the cart has no such line.
    pub fn set_quantity(&mut self, product: ProductId, quantity: Quantity) -> bool {
        match self
            .lines
            .iter_mut()
            .find(|line| line.product_id == product)
        {
            Some(line) => {
                line.quantity = quantity;
                true
            }
            None => false,
        }
    }

    /// Removes the product's line; false if the cart has no such line.
    pub fn remove(&mut self, product: ProductId) -> bool {
        let before = self.lines.len();
        self.lines.retain(|line| line.product_id != product);
        self.lines.len() < before
    }

    /// The sum of the lines' totals, exact to the cent.
    pub fn total_price(&self) -> Result<Money, MoneyError> {
        self.lines
            .iter()
            .try_fold(Money::ZERO, |sum, line| sum.checked_add(line.total()?))
    }

    /// Units of all products together.
    pub fn total_items(&self) -> u32 {
        // At most MAX_LINES * MAX_QUANTITY, far below u32::MAX.
        self.lines.iter().map(|line| line.quantity.get()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> UserId {
        UserId::parse("0190a6b2-0000-7000-8000-000000000001").unwrap()
    }

    fn product(n: u32) -> ProductId {
        ProductId::parse(&format!("0190a6b2-0000-7000-8000-{n:012}")).unwrap()
    }

    fn line(n: u32, cents: i64, quantity: u32) -> CartLine {
        CartLine {
            product_id: product(n),
            name: ProductName::parse(&format!("product {n}")).unwrap(),
            price: Price::new(Money::from_cents(cents)).unwrap(),
            quantity: Quantity::new(quantity).unwrap(),
        }
    }

    #[test]
    fn an_empty_cart_totals_zero() {
        let cart = Cart::empty(user());
        assert_eq!(cart.total_price(), Ok(Money::ZERO));
        assert_eq!(cart.total_items(), 0);
    }

    #[test]
    fn three_at_nineteen_ninety_nine_is_exactly_fifty_nine_ninety_seven() {
        let mut cart = Cart::empty(user());
        cart.add(line(1, 1999, 3)).unwrap();
        assert_eq!(cart.total_price().unwrap().to_string(), "59.97");
        assert_eq!(cart.total_items(), 3);
    }

    #[test]
    fn adding_a_product_again_merges_into_its_line_with_the_latest_name_and_price() {
        let mut cart = Cart::empty(user());
        cart.add(line(1, 1000, 2)).unwrap();
        cart.add(line(2, 500, 1)).unwrap();
        let mut again = line(1, 1200, 3);
        again.name = ProductName::parse("renamed").unwrap();
        cart.add(again).unwrap();

        assert_eq!(cart.lines.len(), 2);
        assert_eq!(cart.lines[0].quantity.get(), 5);
        assert_eq!(cart.lines[0].name.as_str(), "renamed");
        assert_eq!(cart.lines[0].price.money().cents(), 1200);
        assert_eq!(cart.total_price().unwrap().cents(), 5 * 1200 + 500);
    }

    #[test]
    fn a_line_never_exceeds_the_quantity_limit() {
        let mut cart = Cart::empty(user());
        cart.add(line(1, 100, 998)).unwrap();
        cart.add(line(1, 100, 1)).unwrap();
        let refused = cart.add(line(1, 100, 1)).unwrap_err();
        assert!(matches!(refused, CartRuleError::QuantityExceeded { .. }));
        assert_eq!(cart.lines[0].quantity.get(), MAX_QUANTITY);
    }

    #[test]
    fn a_cart_holds_at_most_a_hundred_lines_but_full_lines_still_merge() {
        let mut cart = Cart::empty(user());
        for n in 0..MAX_LINES as u32 {
            cart.add(line(n, 100, 1)).unwrap();
        }
        assert_eq!(cart.add(line(1000, 100, 1)), Err(CartRuleError::Full));
        cart.add(line(7, 100, 1)).unwrap();
        assert_eq!(cart.lines.len(), MAX_LINES);
        assert_eq!(cart.lines[7].quantity.get(), 2);
    }

    #[test]
    fn set_quantity_and_remove_change_only_the_products_line() {
        let mut cart = Cart::empty(user());
        cart.add(line(1, 100, 1)).unwrap();
        cart.add(line(2, 100, 1)).unwrap();

        assert!(cart.set_quantity(product(2), Quantity::new(7).unwrap()));
        assert!(!cart.set_quantity(product(3), Quantity::new(7).unwrap()));
        assert_eq!(cart.lines[1].quantity.get(), 7);
        assert_eq!(cart.lines[0].quantity.get(), 1);

        assert!(cart.remove(product(1)));
        assert!(!cart.remove(product(1)));
        assert_eq!(cart.lines.len(), 1);
        assert_eq!(cart.lines[0].product_id, product(2));
    }

    #[test]
    fn the_largest_possible_cart_total_does_not_overflow() {
        let mut cart = Cart::empty(user());
        for n in 0..MAX_LINES as u32 {
            let mut item = line(n, 0, MAX_QUANTITY);
            item.price = Price::new(crate::domain::fields::MAX_PRICE).unwrap();
            cart.add(item).unwrap();
        }
        assert!(cart.total_price().is_ok());
    }
}
