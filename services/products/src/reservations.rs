//! Stock reservations for the order flow, and the cache entries they make stale.

use crate::domain::product::ProductId;
use crate::domain::reservation::{OrderId, ReservationOutcome, ReservationRequest};
use crate::error::StoreError;
use crate::store::{ProductCache, ReservationStore};

#[derive(Clone)]
pub struct Reservations {
    store: ReservationStore,
    cache: ProductCache,
}

impl Reservations {
    pub fn new(store: ReservationStore, cache: ProductCache) -> Self {
        Self { store, cache }
    }

    /// Reserves every item or none; a repeated call for the same order changes
    /// nothing and returns the first answer.
    pub async fn reserve(
        &self,
        request: &ReservationRequest,
    ) -> Result<ReservationOutcome, StoreError> {
        let reservation = self.store.reserve(request).await?;
        let outcome = match (&reservation.outcome, reservation.first) {
            (_, false) => "repeated",
            (ReservationOutcome::Reserved, true) => "reserved",
            (ReservationOutcome::Rejected(_), true) => "rejected",
        };
        metrics::counter!("products_reservations_total", "outcome" => outcome).increment(1);
        if reservation.first && reservation.outcome == ReservationOutcome::Reserved {
            let taken: Vec<ProductId> = request.items().iter().map(|i| i.product_id).collect();
            self.cache.invalidate_stock(&taken).await;
        }
        Ok(reservation.outcome)
    }

    /// Gives a granted reservation back; true only for the call that did.
    pub async fn release(&self, order_id: OrderId) -> Result<bool, StoreError> {
        let released = self.store.release(order_id).await?;
        let outcome = if released.is_some() {
            "released"
        } else {
            "unchanged"
        };
        metrics::counter!("products_releases_total", "outcome" => outcome).increment(1);
        match released {
            Some(products) => {
                self.cache.invalidate_stock(&products).await;
                Ok(true)
            }
            None => Ok(false),
        }
    }
}
