//! Carts in MongoDB: one document per user, every write one atomic single-document
//! operation.
//!
//! Removing lines, setting a line's quantity and clearing are single atomic updates
//! (`$pull`, positional `$set`, `$set`) unless the cart is remembered (below). Adding
//! an item is an optimistic compare-and-set on the cart's `version`: read the cart,
//! apply [`Cart::add`], write the new lines only if `version` is still the one read
//! (else read again). The MongoDB-protocol test server cannot increment a field
//! inside an array element (`$inc` on `items.$.quantity`), corrupts arrays that
//! `$push` appends documents to, and mis-evaluates the negative array filters a
//! guarded `$push` needs, so the atomic increment of the classic design is not
//! available on both servers; the version check gives the same guarantee: no
//! concurrent change is ever lost. The read is skipped when this replica remembers
//! the cart ([`KnownCarts`]): an add is then one write, and a stale memory costs only
//! a failed write and the read.
//!
//! A remove, a quantity change or a clear of a remembered cart is the same
//! conditional write, of the changed lines: the cart it leaves is then known without
//! reading it back (an atomic update that returns the document is the dearest single
//! operation of the test server). When nothing is remembered, or the memory is stale,
//! they fall back to the atomic update.

use std::time::Duration;

use mongodb::bson::oid::ObjectId;
use mongodb::bson::{self, Bson, Document, doc};
use mongodb::options::ReturnDocument;
use mongodb::{Collection, Database};
use shop_common::backoff::Backoff;

use super::document::{self, CartDocument, ID, ITEMS, UPDATED_AT, USER_ID, VERSION};
use super::known::{KnownCarts, Snapshot, Stored};
use super::{CARTS, DUPLICATE_KEY, bounded, error_code};
use crate::domain::{Cart, CartLine, ProductId, Quantity, UserId};
use crate::error::{CartError, StoreError};

/// How many times an add reads and tries to write before giving up. An attempt
/// fails only when another change to the same cart landed between its read and its
/// write, so a request gives up only after this many other changes to one cart
/// landed while it ran; a user's tabs never come near that.
pub const MAX_ADD_ATTEMPTS: u32 = 100;

/// The carts collection. Cheap to clone (the client's pool and the remembered carts
/// are shared).
#[derive(Clone)]
pub struct CartStore {
    carts: Collection<CartDocument>,
    documents: Collection<Document>,
    known: KnownCarts,
}

impl CartStore {
    pub fn new(database: &Database) -> Self {
        Self {
            carts: database.collection(CARTS),
            documents: database.collection(CARTS),
            known: KnownCarts::default(),
        }
    }

    /// The user's cart; an empty one if the user has none.
    pub async fn get(&self, user: UserId) -> Result<Cart, StoreError> {
        Ok(self.load(user).await?.cart)
    }

    /// Adds `item` to the user's cart under the rules of [`Cart::add`], creating the
    /// cart if needed, and returns the cart as written.
    pub async fn add_item(&self, user: UserId, item: CartLine) -> Result<Cart, CartError> {
        let mut backoff = Backoff::new(Duration::from_millis(2), Duration::from_millis(50));
        let mut remembered = self.known.get(user);
        for attempt in 1..=MAX_ADD_ATTEMPTS {
            let (snapshot, read) = match remembered.take() {
                Some(snapshot) => (snapshot, false),
                None => (self.load(user).await?, true),
            };
            let Snapshot { mut cart, stored } = snapshot;
            match cart.add(item.clone()) {
                Ok(()) => {}
                // Judged on a remembered cart, the rule may not hold for the stored one.
                Err(_) if !read => continue,
                Err(rule) => return Err(rule.into()),
            }
            if let Some(written) = self.write_if_unchanged(&cart, stored).await? {
                self.known.remember(&cart, written);
                return Ok(cart);
            }
            self.known.forget(user);
            if read {
                tracing::debug!(%user, attempt, "cart changed since it was read; retrying");
                tokio::time::sleep(backoff.next_delay()).await;
            }
        }
        Err(CartError::Contended {
            attempts: MAX_ADD_ATTEMPTS,
        })
    }

    /// Sets the quantity of the product's line; `None` if the cart has no such line.
    pub async fn set_quantity(
        &self,
        user: UserId,
        product: ProductId,
        quantity: Quantity,
    ) -> Result<Option<Cart>, StoreError> {
        let remembered = self
            .change_remembered(user, |cart| cart.set_quantity(product, quantity))
            .await?;
        if remembered.is_some() {
            return Ok(remembered);
        }
        // The positional `$` is the array element the filter's `items.productId` matched.
        let update = doc! { "$set": { "items.$.quantity": document::quantity(quantity) } };
        self.update_returning(line_filter(user, product), update)
            .await
    }

    /// Removes the product's line; `None` if the cart had no such line (nothing is
    /// written then).
    pub async fn remove_line(
        &self,
        user: UserId,
        product: ProductId,
    ) -> Result<Option<Cart>, StoreError> {
        let remembered = self
            .change_remembered(user, |cart| cart.remove(product))
            .await?;
        if remembered.is_some() {
            return Ok(remembered);
        }
        let update = doc! { "$pull": { ITEMS: { "productId": product.to_string() } } };
        self.update_returning(line_filter(user, product), update)
            .await
    }

    /// Empties the user's cart; a user without one gets an empty cart and nothing is
    /// written.
    pub async fn clear(&self, user: UserId) -> Result<Cart, StoreError> {
        let remembered = self
            .change_remembered(user, |cart| {
                cart.lines.clear();
                true
            })
            .await?;
        if let Some(cart) = remembered {
            return Ok(cart);
        }
        let update = doc! { "$set": { ITEMS: [] } };
        let cleared = self.update_returning(cart_filter(user), update).await?;
        Ok(cleared.unwrap_or_else(|| Cart::empty(user)))
    }

    /// Applies `change` to the cart this replica remembers and writes the changed
    /// lines if the stored cart is still at the remembered version, so the cart
    /// written is exactly the one returned. `None` when nothing is remembered, when
    /// `change` does not apply to the remembered cart (false), or when the stored cart
    /// has moved on (it is forgotten then): the caller changes the stored cart itself.
    async fn change_remembered(
        &self,
        user: UserId,
        change: impl FnOnce(&mut Cart) -> bool,
    ) -> Result<Option<Cart>, StoreError> {
        let Some(Snapshot {
            mut cart,
            stored: Some(stored),
        }) = self.known.get(user)
        else {
            return Ok(None);
        };
        if !change(&mut cart) {
            return Ok(None);
        }
        match self.write_if_unchanged(&cart, Some(stored)).await? {
            Some(written) => {
                self.known.remember(&cart, written);
                Ok(Some(cart))
            }
            None => {
                self.known.forget(user);
                Ok(None)
            }
        }
    }

    /// Reads the user's cart (and remembers it).
    async fn load(&self, user: UserId) -> Result<Snapshot, StoreError> {
        match bounded(self.carts.find_one(cart_filter(user))).await? {
            Some(document) => {
                let stored = document.stored();
                let cart = document.into_cart()?;
                self.known.remember(&cart, stored);
                Ok(Snapshot {
                    cart,
                    stored: Some(stored),
                })
            }
            None => Ok(Snapshot {
                cart: Cart::empty(user),
                stored: None,
            }),
        }
    }

    /// Writes `cart`'s lines if the stored cart is still the document and version
    /// `stored` names (or, for `None`, still absent), and returns what it is now;
    /// `None` if another change got there first.
    async fn write_if_unchanged(
        &self,
        cart: &Cart,
        stored: Option<Stored>,
    ) -> Result<Option<Stored>, StoreError> {
        let Some(stored) = stored else {
            let created = Stored {
                id: ObjectId::new(),
                version: 1,
            };
            let document = doc! {
                ID: created.id,
                USER_ID: cart.user_id.to_string(),
                ITEMS: document::items(&cart.lines),
                VERSION: Bson::Int64(created.version),
                UPDATED_AT: bson::DateTime::now(),
            };
            return match bounded(self.documents.insert_one(document)).await {
                Ok(_) => Ok(Some(created)),
                // The unique index on userId: another request created the cart first.
                Err(StoreError::Mongo(error)) if error_code(&error) == Some(DUPLICATE_KEY) => {
                    Ok(None)
                }
                Err(error) => Err(error),
            };
        };
        let filter = doc! { ID: stored.id, VERSION: Bson::Int64(stored.version) };
        let update = touched(doc! { "$set": { ITEMS: document::items(&cart.lines) } });
        let result = bounded(self.documents.update_one(filter, update)).await?;
        Ok((result.matched_count == 1).then(|| stored.next()))
    }

    /// Applies `update` (plus the version bump and `updatedAt`) to the document
    /// `filter` matches, returning the cart as it is right after this change.
    async fn update_returning(
        &self,
        filter: Document,
        update: Document,
    ) -> Result<Option<Cart>, StoreError> {
        let updated = self
            .carts
            .find_one_and_update(filter, touched(update))
            .return_document(ReturnDocument::After);
        let Some(document) = bounded(updated).await? else {
            return Ok(None);
        };
        let stored = document.stored();
        let cart = document.into_cart()?;
        self.known.remember(&cart, stored);
        Ok(Some(cart))
    }
}

/// The user's cart. Ids are validated UUIDs, so filter values are always plain
/// strings, never query operators.
fn cart_filter(user: UserId) -> Document {
    doc! { USER_ID: user.to_string() }
}

/// The user's cart, if it has a line for `product`.
fn line_filter(user: UserId, product: ProductId) -> Document {
    doc! { USER_ID: user.to_string(), "items.productId": product.to_string() }
}

/// `update` that also marks the cart changed: a new version (so a concurrent add's
/// conditional write fails and re-reads) and the server's time in `updatedAt` (which
/// the expiry index counts from).
fn touched(mut update: Document) -> Document {
    update.insert("$inc", doc! { VERSION: Bson::Int64(1) });
    update.insert("$currentDate", doc! { UPDATED_AT: true });
    update
}
