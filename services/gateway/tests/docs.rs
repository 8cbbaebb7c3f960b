//! The OpenAPI document and the docs page.

mod support;

use serde_json::{Value, json};
use support::{Options, Stack};

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let stack = Stack::start(Options::default()).await;
    let reply = stack.get("/api/v1/openapi.json", None).await.expect(200);
    let document = &reply.body;
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let expected = [
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/me", "get"),
        ("/api/v1/users", "get"),
        ("/api/v1/users/{id}", "get"),
        ("/api/v1/users/{id}", "patch"),
        ("/api/v1/users/{id}", "delete"),
        ("/api/v1/products", "get"),
        ("/api/v1/products", "post"),
        ("/api/v1/products/search", "get"),
        ("/api/v1/products/{id}", "get"),
        ("/api/v1/products/{id}", "put"),
        ("/api/v1/products/{id}", "patch"),
        ("/api/v1/products/{id}", "delete"),
        ("/api/v1/cart/add", "post"),
        ("/api/v1/cart", "get"),
        ("/api/v1/cart", "delete"),
        ("/api/v1/cart/items/{productId}", "patch"),
        ("/api/v1/cart/items/{productId}", "delete"),
        ("/api/v1/orders", "post"),
        ("/api/v1/orders", "get"),
        ("/api/v1/orders/checkout", "post"),
        ("/api/v1/orders/{id}", "get"),
        ("/api/v1/orders/{id}/status", "patch"),
    ];
    for (path, method) in expected {
        let operation = &document["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is not documented");
        assert!(operation["responses"]["500"].is_object(), "{method} {path}");
    }
    let paths = document["paths"].as_object().unwrap().len();
    assert_eq!(paths, 15, "every path and nothing else");
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        json!("bearer")
    );
    assert!(document["components"]["schemas"]["ErrorEnvelope"].is_object());
    let mut refs = Vec::new();
    collect_refs(document, &mut refs);
    for reference in refs {
        let name = reference.trim_start_matches("#/components/schemas/");
        assert!(
            document["components"]["schemas"][name].is_object(),
            "{reference} does not resolve"
        );
    }
    let cart = &document["paths"]["/api/v1/cart"]["get"];
    assert!(
        cart["responses"]["401"].is_object(),
        "token routes document 401"
    );
}

/// Every `$ref` in `value`.
fn collect_refs(value: &Value, refs: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match value {
                    Value::String(reference) if key == "$ref" => refs.push(reference.clone()),
                    other => collect_refs(other, refs),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, refs)),
        _ => {}
    }
}

#[tokio::test]
async fn the_docs_page_loads_nothing_from_another_origin() {
    let stack = Stack::start(Options::default()).await;
    let page = stack.http.get(stack.url("/docs/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    let assets: Vec<&str> = html
        .split(['"', '\''])
        .filter(|s| s.ends_with(".js") || s.ends_with(".css") || s.ends_with(".png"))
        .collect();
    assert!(assets.len() >= 3, "{assets:?}");
    for asset in assets {
        assert!(
            !asset.contains("//"),
            "{asset} is not served by the gateway"
        );
        let url = stack.url(&format!("/docs/{}", asset.trim_start_matches("./")));
        let response = stack.http.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
    }
    let initializer = stack
        .http
        .get(stack.url("/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        initializer.contains("/api/v1/openapi.json"),
        "{initializer}"
    );
    assert!(
        !initializer.contains("http://") && !initializer.contains("https://"),
        "{initializer}"
    );
}
