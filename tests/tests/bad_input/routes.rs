//! The bad requests sent to each route.

use reqwest::Method;
use serde_json::{Value, json};

use crate::cases::{
    Case, Target, case, field_cases, numbers, raw_number, required_texts, shape_cases, texts, with,
    wrong_types,
};
use crate::support::Account;

pub fn all_cases(admin: &str, customer: &Account, product: &str, order: &str) -> Vec<Case> {
    let admin = Some(admin.to_owned());
    let user = Some(customer.token.clone());
    let target = |method: Method, path: String, token: &Option<String>, valid: Value| Target {
        method,
        path,
        token: token.clone(),
        valid,
    };
    let register = target(
        Method::POST,
        "/auth/register".into(),
        &None,
        json!({"name": "Bad", "email": "bad-input@e2e.test", "password": "E2e-bad-pass-1"}),
    );
    let login = target(
        Method::POST,
        "/auth/login".into(),
        &None,
        json!({"email": "bad-input@e2e.test", "password": "E2e-bad-pass-1"}),
    );
    let new_product = json!({"name": "Bad Pen", "price": 1.25, "stock": 3});
    let create = target(
        Method::POST,
        "/products".into(),
        &admin,
        new_product.clone(),
    );
    let replace = target(
        Method::PUT,
        format!("/products/{product}"),
        &admin,
        new_product,
    );
    let patch = target(
        Method::PATCH,
        format!("/products/{product}"),
        &admin,
        json!({"stock": 4}),
    );
    let add = target(
        Method::POST,
        "/cart/add".into(),
        &user,
        json!({"productId": product, "quantity": 1}),
    );
    let set = target(
        Method::PATCH,
        format!("/cart/items/{product}"),
        &user,
        json!({"quantity": 1}),
    );
    let place = target(
        Method::POST,
        "/orders".into(),
        &user,
        json!({"products": [{"productId": product, "quantity": 1}]}),
    );
    let status = target(
        Method::PATCH,
        format!("/orders/{order}/status"),
        &admin,
        json!({"status": "cancelled"}),
    );
    let account = target(
        Method::PATCH,
        format!("/users/{}", customer.id),
        &user,
        json!({"name": "Still Bad"}),
    );

    let mut cases = Vec::new();
    for target in [
        &register, &login, &create, &replace, &patch, &add, &set, &place, &status, &account,
    ] {
        cases.extend(shape_cases(target));
    }
    let prices = vec![
        json!(-1),
        json!(-0.01),
        json!(0.001),
        json!(1e308),
        json!("12.345"),
        json!("abc"),
        json!(10_000_000_000_u64),
    ];
    let mut product_fields = vec![("price", prices), ("stock", numbers()), ("name", texts())];
    product_fields.push((
        "images",
        vec![
            json!("https://a.example"),
            json!([1]),
            json!(vec!["ftp://x.example"; 1]),
            json!(vec!["https://a.example"; 21]),
        ],
    ));
    for target in [&create, &replace] {
        cases.extend(field_cases(target, &[("name", vec![json!(null)])]));
    }
    for target in [&create, &replace, &patch] {
        cases.extend(field_cases(target, &product_fields));
        let stock = raw_number(&target.valid, "stock", "1e400");
        cases.push(case(target, "stock = 1e400", stock, 400));
        let price = raw_number(&target.valid, "price", "123456789012345678901234567890");
        cases.push(case(target, "price = 30 digits", price, 400));
    }
    let mut quantities = numbers();
    quantities.extend(wrong_types());
    quantities.extend([json!(0), json!(1000), json!(4_294_967_296_u64)]);
    cases.extend(field_cases(
        &add,
        &[("quantity", quantities.clone()), ("productId", texts())],
    ));
    let set_quantities: Vec<Value> = quantities.into_iter().filter(|q| *q != json!(0)).collect();
    cases.extend(field_cases(&set, &[("quantity", set_quantities)]));
    cases.extend(field_cases(
        &place,
        &[(
            "products",
            vec![
                json!([]),
                json!({}),
                json!("x"),
                json!([{"productId": product, "quantity": -1}]),
                json!([{"productId": product, "quantity": 1, "price": 0}]),
            ],
        )],
    ));
    cases.extend(field_cases(
        &status,
        &[
            ("status", vec![json!("lost"), json!(1), json!(null)]),
            (
                "reason",
                vec![json!("x".repeat(501)), json!("nul\u{0}"), json!(5)],
            ),
        ],
    ));
    // A status only the order flow sets: the request is well-formed, the order's state
    // does not allow it.
    cases.push(case(
        &status,
        "status = shipped",
        with(&status.valid, "status", json!("shipped")),
        409,
    ));
    cases.extend(field_cases(
        &register,
        &[
            ("name", required_texts()),
            ("email", required_texts()),
            ("password", required_texts()),
            ("role", vec![json!("GOD"), json!(0)]),
            (
                "birthdate",
                vec![json!("1990-02-30"), json!("3000-01-01"), json!(19900101)],
            ),
        ],
    ));
    let login_texts = vec![json!(123), json!(["x"]), json!({"$ne": null}), json!(null)];
    cases.extend(field_cases(
        &login,
        &[("email", login_texts.clone()), ("password", login_texts)],
    ));
    // No account can have such an e-mail: a failed login, like any unknown e-mail.
    cases.push(case(
        &login,
        "email with NUL",
        with(&login.valid, "email", json!("a\u{0}@e2e.test")),
        401,
    ));
    cases.extend(field_cases(
        &account,
        &[
            ("name", texts()),
            ("email", texts()),
            ("password", vec![json!("short"), json!(1)]),
        ],
    ));
    cases.extend(query_and_id_cases(&admin, &user));
    cases
}

/// Bad query parameters and ids, on GET and DELETE routes.
fn query_and_id_cases(admin: &Option<String>, user: &Option<String>) -> Vec<Case> {
    let get = |path: &str, token: &Option<String>, expect: u16| Case {
        what: format!("GET {path}"),
        method: Method::GET,
        path: path.to_owned(),
        token: token.clone(),
        content_type: None,
        body: Vec::new(),
        expect,
    };
    let long_id = "a".repeat(5000);
    let mut cases = vec![];
    for listing in ["/products", "/users", "/orders", "/products/search"] {
        let token = if listing == "/orders" { user } else { admin };
        let q = if listing == "/products/search" {
            "q=mug&"
        } else {
            ""
        };
        for query in [
            "page=-1",
            "page=0",
            "page=abc",
            "page=99999999999",
            "limit=0",
            "limit=101",
            "limit=1e3",
            "sort=price%3B%20DROP",
            "order=sideways",
        ] {
            cases.push(get(&format!("{listing}?{q}{query}"), token, 400));
        }
    }
    for query in [
        "q=",
        "q=%00",
        "q=%21%21%21",
        &format!("q={}", "x".repeat(201)),
    ] {
        cases.push(get(&format!("/products/search?{query}"), &None, 400));
    }
    cases.push(get("/orders?userId=not-a-uuid", admin, 400));
    for path in [
        "/products/not-a-uuid",
        "/orders/1%20OR%201%3D1",
        "/users/%00",
        &format!("/products/{long_id}"),
    ] {
        let token = if path.starts_with("/products") {
            &None
        } else {
            admin
        };
        cases.push(get(path, token, 400));
    }
    let mut delete = get("/products/not-a-uuid", admin, 400);
    delete.method = Method::DELETE;
    delete.what = "DELETE /products/not-a-uuid".into();
    cases.push(delete);
    cases
}
