//! Catalog pages kept as the gateway rendered them, revalidated with products on
//! every request. The gateway sends the etag of the page it holds; products answers
//! `not_modified` when that is still the page's etag, and the gateway sends the bytes
//! it holds again. A repeated listing then costs products a comparison of etags
//! instead of copying and encoding ten products, and the gateway a small answer
//! instead of decoding them and writing their JSON.
//!
//! Every request still asks products, so an answer is never older than products'
//! own; a products that sends no etag (an older version) gets nothing kept.

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::Response;
use bytes::Bytes;
use moka::sync::Cache;
use prost::Message;
use shop_proto::products::v1 as pb;

use crate::dto::products::Product;
use crate::envelope::{self, Envelope, Paginated};
use crate::error::ApiError;

/// Bytes of kept pages at most (bodies and keys), over all workers.
const CAPACITY_BYTES: u64 = 16 * 1024 * 1024;
/// A page nobody asked for this long is dropped.
const IDLE_FOR: Duration = Duration::from_secs(600);

/// A rendered page and the etag products gave it.
#[derive(Debug)]
struct KeptPage {
    etag: String,
    body: Bytes,
}

/// A request for a page of products that can name the page the caller holds.
pub trait PageRequest: Message {
    /// Names the call: two calls' requests may encode alike.
    const CALL: u8;

    fn if_none_match(&mut self) -> &mut String;
}

impl PageRequest for pb::ListProductsRequest {
    const CALL: u8 = b'l';

    fn if_none_match(&mut self) -> &mut String {
        &mut self.if_none_match
    }
}

impl PageRequest for pb::SearchProductsRequest {
    const CALL: u8 = b's';

    fn if_none_match(&mut self) -> &mut String {
        &mut self.if_none_match
    }
}

/// Which page a request asks for: the call, and the request as products receives it
/// without its etag.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct PageKey {
    call: u8,
    request: Vec<u8>,
}

/// The pages this gateway rendered, shared by its workers.
#[derive(Clone)]
pub struct RevalidatedPages {
    pages: Cache<PageKey, Arc<KeptPage>>,
}

impl std::fmt::Debug for RevalidatedPages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevalidatedPages")
            .field("pages", &self.pages.entry_count())
            .finish()
    }
}

impl Default for RevalidatedPages {
    fn default() -> Self {
        Self::with_capacity(CAPACITY_BYTES)
    }
}

impl RevalidatedPages {
    fn with_capacity(bytes: u64) -> Self {
        let pages = Cache::builder()
            .max_capacity(bytes)
            .weigher(|key: &PageKey, page: &Arc<KeptPage>| {
                let size = key.request.len() + page.etag.len() + page.body.len();
                u32::try_from(size).unwrap_or(u32::MAX)
            })
            .time_to_idle(IDLE_FOR)
            .build();
        Self { pages }
    }

    /// Before `request` goes to products: puts in it the etag of the page kept for
    /// it, if any. The answer then goes to [`Revalidation::answer`].
    pub fn revalidate<R: PageRequest>(&self, request: &mut R) -> Revalidation {
        let key = PageKey {
            call: R::CALL,
            request: request.encode_to_vec(),
        };
        let kept = self.pages.get(&key);
        if let Some(page) = &kept {
            request.if_none_match().clone_from(&page.etag);
        }
        Revalidation {
            pages: self.clone(),
            key,
            kept,
        }
    }
}

/// A page request on its way to products.
pub struct Revalidation {
    pages: RevalidatedPages,
    key: PageKey,
    kept: Option<Arc<KeptPage>>,
}

impl Revalidation {
    /// The kept page if products says it is still current; else `answer` rendered
    /// (and kept, when products gave it an etag).
    pub fn answer(self, answer: pb::ListProductsResponse) -> Result<Response, ApiError> {
        if answer.not_modified {
            // products says so only to the etag it was sent, never to "".
            let kept = self.kept.ok_or(ApiError::Internal)?;
            return Ok(envelope::json_body(StatusCode::OK, kept.body.clone()));
        }
        let etag = answer.etag.clone();
        let body = envelope::serialize(&Envelope::ok(page_of(answer))).map_err(|error| {
            tracing::error!(%error, "cannot serialize a page");
            ApiError::Internal
        })?;
        if !etag.is_empty() {
            let page = KeptPage {
                etag,
                body: body.clone(),
            };
            self.pages.pages.insert(self.key, Arc::new(page));
        }
        Ok(envelope::json_body(StatusCode::OK, body))
    }
}

fn page_of(response: pb::ListProductsResponse) -> Paginated<Product> {
    let products = response.products.into_iter().map(Product::from).collect();
    Paginated::new(products, response.page)
}

#[cfg(test)]
mod tests {
    use axum::body::to_bytes;
    use shop_proto::common::v1::PageInfo;

    use super::*;

    fn page(names: &[&str], etag: &str) -> pb::ListProductsResponse {
        pb::ListProductsResponse {
            products: names
                .iter()
                .map(|name| pb::Product {
                    name: (*name).to_owned(),
                    ..Default::default()
                })
                .collect(),
            page: Some(PageInfo {
                total: names.len() as u64,
                page: 1,
                limit: 10,
            }),
            etag: etag.to_owned(),
            not_modified: false,
        }
    }

    fn not_modified(etag: &str) -> pb::ListProductsResponse {
        pb::ListProductsResponse {
            etag: etag.to_owned(),
            not_modified: true,
            ..Default::default()
        }
    }

    fn list(page: u32) -> pb::ListProductsRequest {
        pb::ListProductsRequest {
            page: Some(shop_proto::common::v1::PageRequest {
                page,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// Sends `request` with products answering `answer`; the etag products was sent,
    /// and the body.
    async fn ask<R: PageRequest>(
        pages: &RevalidatedPages,
        mut request: R,
        answer: pb::ListProductsResponse,
    ) -> (String, Result<Bytes, ApiError>) {
        let revalidation = pages.revalidate(&mut request);
        let body = match revalidation.answer(answer) {
            Ok(response) => Ok(to_bytes(response.into_body(), usize::MAX).await.unwrap()),
            Err(error) => Err(error),
        };
        (request.if_none_match().clone(), body)
    }

    #[tokio::test]
    async fn a_page_still_current_is_sent_again_as_rendered() {
        let pages = RevalidatedPages::default();
        let (sent, first) = ask(&pages, list(1), page(&["Lamp"], "e1")).await;
        assert_eq!(sent, "");
        let first = first.unwrap();
        let expected = serde_json::to_vec(&Envelope::ok(page_of(page(&["Lamp"], "e1")))).unwrap();
        assert_eq!(first, expected);

        let (sent, again) = ask(&pages, list(1), not_modified("e1")).await;
        assert_eq!(sent, "e1");
        assert_eq!(again.unwrap(), first);

        let (sent, changed) = ask(&pages, list(1), page(&["Desk", "Lamp"], "e2")).await;
        assert_eq!(sent, "e1");
        assert!(
            String::from_utf8(changed.unwrap().to_vec())
                .unwrap()
                .contains("Desk")
        );
        let (sent, _) = ask(&pages, list(1), not_modified("e2")).await;
        assert_eq!(sent, "e2");
    }

    #[tokio::test]
    async fn pages_are_kept_per_request_and_only_with_an_etag() {
        let pages = RevalidatedPages::default();
        ask(&pages, list(1), page(&["Lamp"], "e1")).await.1.unwrap();
        let (sent, _) = ask(&pages, list(2), page(&["Desk"], "")).await;
        assert_eq!(sent, "", "page 2 is another page");
        let (sent, _) = ask(&pages, list(2), page(&["Desk"], "")).await;
        assert_eq!(sent, "", "an answer without an etag is not kept");

        // Both encode as empty messages: the call tells them apart.
        ask(
            &pages,
            pb::ListProductsRequest::default(),
            page(&["Lamp"], "e3"),
        )
        .await
        .1
        .unwrap();
        let search = pb::SearchProductsRequest::default();
        let (sent, _) = ask(&pages, search, page(&["Lamp"], "e4")).await;
        assert_eq!(sent, "", "a search is not the listing");
    }

    #[tokio::test]
    async fn not_modified_without_a_kept_page_is_an_error_not_an_empty_answer() {
        let pages = RevalidatedPages::default();
        let (_, answer) = ask(&pages, list(1), not_modified("e1")).await;
        assert!(matches!(answer, Err(ApiError::Internal)));
    }

    #[test]
    fn kept_pages_stay_within_their_bytes() {
        let pages = RevalidatedPages::with_capacity(10_000);
        for n in 0..100 {
            let key = PageKey {
                call: b'l',
                request: list(n).encode_to_vec(),
            };
            let page = KeptPage {
                etag: "e".into(),
                body: Bytes::from(vec![b' '; 1000]),
            };
            pages.pages.insert(key, Arc::new(page));
        }
        // moka applies its bound in its maintenance tasks; run them now.
        pages.pages.run_pending_tasks();
        assert!(pages.pages.weighted_size() <= 10_000);
    }
}
