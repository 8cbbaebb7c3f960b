//! Listing pages, sort orders, and full-text search.

mod support;

use shop_proto::common::v1::{PageRequest, SortOrder};
use shop_proto::products::v1 as pb;
use support::{TestService, invalid_fields, names};

fn page(page: u32, limit: u32, sort: &str, order: SortOrder) -> Option<PageRequest> {
    Some(PageRequest {
        page,
        limit,
        sort: sort.to_owned(),
        order: order.into(),
    })
}

async fn list(service: &TestService, page: Option<PageRequest>) -> pb::ListProductsResponse {
    service
        .client
        .clone()
        .list_products(pb::ListProductsRequest {
            page,
            ..Default::default()
        })
        .await
        .expect("ListProducts answers")
        .into_inner()
}

async fn search(
    service: &TestService,
    query: &str,
    page: Option<PageRequest>,
) -> pb::ListProductsResponse {
    service
        .client
        .clone()
        .search_products(pb::SearchProductsRequest {
            query: query.to_owned(),
            page,
            ..Default::default()
        })
        .await
        .expect("SearchProducts answers")
        .into_inner()
}

async fn list_if_none_match(service: &TestService, etag: &str) -> pb::ListProductsResponse {
    service
        .client
        .clone()
        .list_products(pb::ListProductsRequest {
            if_none_match: etag.to_owned(),
            ..Default::default()
        })
        .await
        .expect("ListProducts answers")
        .into_inner()
}

#[tokio::test]
async fn a_caller_holding_the_current_page_gets_not_modified() {
    let service = support::start().await;
    service.create("Lamp", "Warm light", 2500, 3).await;
    let first = list(&service, None).await;
    assert!(!first.not_modified);
    assert_eq!(names(&first), ["Lamp"]);
    assert_eq!(first.etag.len(), 16, "etag {:?}", first.etag);

    let unchanged = list_if_none_match(&service, &first.etag).await;
    assert!(unchanged.not_modified);
    assert!(unchanged.products.is_empty() && unchanged.page.is_none());
    assert_eq!(unchanged.etag, first.etag);

    let other = list_if_none_match(&service, "0123456789abcdef").await;
    assert!(!other.not_modified);
    assert_eq!((names(&other), &other.etag), (vec!["Lamp"], &first.etag));

    service.create("Desk", "", 9000, 1).await;
    let changed = list_if_none_match(&service, &first.etag).await;
    assert!(!changed.not_modified);
    assert_eq!(names(&changed), ["Desk", "Lamp"]);
    assert_ne!(changed.etag, first.etag);

    let found = search(&service, "warm", None).await;
    assert_eq!(names(&found), ["Lamp"]);
    let request = pb::SearchProductsRequest {
        query: "warm".into(),
        if_none_match: found.etag.clone(),
        ..Default::default()
    };
    let again = service.client.clone().search_products(request).await;
    let again = again.expect("SearchProducts answers").into_inner();
    assert!(again.not_modified && again.products.is_empty());
}

#[tokio::test]
async fn pages_cover_every_product_once() {
    let service = support::start().await;
    for i in 0..7 {
        // Equal prices: only the id tie-breaker keeps the pages apart.
        service.create(&format!("Item {i}"), "", 500, 1).await;
    }
    let mut seen = Vec::new();
    for number in 1..=3 {
        let response = list(&service, page(number, 3, "price", SortOrder::Asc)).await;
        let info = response.page.expect("page info");
        assert_eq!((info.total, info.page, info.limit), (7, number, 3));
        seen.extend(response.products.into_iter().map(|p| p.name));
    }
    assert_eq!(seen.len(), 7);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 7, "a product appeared on two pages");

    let beyond = list(&service, page(4, 3, "price", SortOrder::Asc)).await;
    assert!(beyond.products.is_empty());
}

#[tokio::test]
async fn products_sort_by_name_price_and_creation() {
    let service = support::start().await;
    service.create("banana", "", 300, 1).await;
    service.create("Cherry", "", 100, 1).await;
    service.create("apple", "", 200, 1).await;

    let by_name = list(&service, page(1, 10, "name", SortOrder::Unspecified)).await;
    assert_eq!(names(&by_name), ["apple", "banana", "Cherry"]);
    let by_name_desc = list(&service, page(1, 10, "name", SortOrder::Desc)).await;
    assert_eq!(names(&by_name_desc), ["Cherry", "banana", "apple"]);
    let by_price = list(&service, page(1, 10, "price", SortOrder::Asc)).await;
    assert_eq!(names(&by_price), ["Cherry", "apple", "banana"]);
    let by_price_desc = list(&service, page(1, 10, "price", SortOrder::Desc)).await;
    assert_eq!(names(&by_price_desc), ["banana", "apple", "Cherry"]);
    let newest_first = list(&service, None).await;
    assert_eq!(names(&newest_first), ["apple", "Cherry", "banana"]);
    let oldest_first = list(&service, page(1, 10, "created_at", SortOrder::Asc)).await;
    assert_eq!(names(&oldest_first), ["banana", "Cherry", "apple"]);
}

#[tokio::test]
async fn limit_above_one_hundred_and_unknown_sort_are_invalid() {
    let service = support::start().await;
    let request = pb::ListProductsRequest {
        page: page(1, 101, "stock; DROP TABLE products", SortOrder::Asc),
        ..Default::default()
    };
    let status = service
        .client
        .clone()
        .list_products(request)
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(&status), ["limit", "sort"]);
}

#[tokio::test]
async fn search_ranks_name_matches_above_description_matches() {
    let service = support::start().await;
    service
        .create("Garden hose", "Green, resists rust for years", 1500, 1)
        .await;
    service
        .create("Rust in Action", "A systems programming book", 3999, 1)
        .await;
    service.create("Teapot", "Porcelain", 2000, 1).await;

    let found = search(&service, "rust", None).await;

    assert_eq!(names(&found), ["Rust in Action", "Garden hose"]);
    assert_eq!(found.page.unwrap().total, 2);
}

#[tokio::test]
async fn search_finds_prefixes_and_fragments() {
    let service = support::start().await;
    service.create("Notebook", "Dotted pages", 700, 1).await;
    service.create("Book of tea", "", 1200, 1).await;
    service.create("Pencil", "", 100, 1).await;

    // "boo" begins a word of "Book of tea" and only occurs inside "Notebook": the
    // word-prefix match ranks first.
    assert_eq!(
        names(&search(&service, "boo", None).await),
        ["Book of tea", "Notebook"]
    );
    assert_eq!(
        names(&search(&service, "BOOK TEA", None).await),
        ["Book of tea"]
    );
    assert_eq!(names(&search(&service, "pen", None).await), ["Pencil"]);
}

#[tokio::test]
async fn search_matches_word_forms() {
    let service = support::start().await;
    service
        .create("Running shoes", "Light and fast", 8000, 1)
        .await;
    service.create("Sandals", "", 3000, 1).await;

    assert_eq!(
        names(&search(&service, "run", None).await),
        ["Running shoes"]
    );
    assert_eq!(
        names(&search(&service, "runs", None).await),
        ["Running shoes"]
    );
}

#[tokio::test]
async fn search_results_are_paginated() {
    let service = support::start().await;
    for i in 0..5 {
        service.create(&format!("Lamp {i}"), "", 1000 + i, 1).await;
    }
    service.create("Table", "", 5000, 1).await;

    let second = search(&service, "lamp", page(2, 2, "price", SortOrder::Asc)).await;

    assert_eq!(names(&second), ["Lamp 2", "Lamp 3"]);
    assert_eq!(second.page.unwrap().total, 5);
}

#[tokio::test]
async fn search_text_is_data_not_sql() {
    let service = support::start().await;
    service.create("Table", "", 5000, 1).await;

    let found = search(&service, "'; DROP TABLE products; -- table", None).await;

    assert!(found.products.is_empty());
    assert_eq!(list(&service, None).await.products.len(), 1);
    let found = search(&service, "100% _table\\", None).await;
    assert!(found.products.is_empty());
}

#[tokio::test]
async fn search_needs_a_word() {
    let service = support::start().await;
    let request = pb::SearchProductsRequest {
        query: " &| ".into(),
        page: page(1, 500, "", SortOrder::Unspecified),
        ..Default::default()
    };
    let status = service
        .client
        .clone()
        .search_products(request)
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(&status), ["query", "limit"]);
}
