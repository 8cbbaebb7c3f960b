//! Creating, reading, updating and deleting products, with validation and roles.

mod support;

use shop_proto::common::v1::{Money, Role};
use shop_proto::products::v1 as pb;
use support::{actor, admin, create_request, invalid_fields, new_id, seller};
use tonic::Code;

#[tokio::test]
async fn created_product_reads_back_as_stored() {
    let service = support::start().await;
    let creator = seller();
    let request = pb::CreateProductRequest {
        images: vec![
            "https://img.example/front.png".into(),
            "http://img.example/back.png".into(),
        ],
        ..create_request("  Rust in Action ", "A book", 3999, 7, creator.clone())
    };
    let created = service
        .client
        .clone()
        .create_product(request)
        .await
        .unwrap()
        .into_inner();

    assert_eq!(created.name, "Rust in Action");
    assert_eq!(created.price, Some(Money { cents: 3999 }));
    assert_eq!(created.seller_id, creator.user_id);
    assert!(created.created_at.is_some() && created.updated_at.is_some());
    let read = service.get(&created.id).await.unwrap();
    assert_eq!(read, created);
    assert_eq!(
        read.images,
        [
            "https://img.example/front.png",
            "http://img.example/back.png"
        ]
    );
}

#[tokio::test]
async fn unknown_product_is_not_found_and_a_bad_id_is_invalid() {
    let service = support::start().await;
    assert_eq!(
        service.get(&new_id()).await.unwrap_err().code(),
        Code::NotFound
    );
    let status = service.get("42").await.unwrap_err();
    assert_eq!(invalid_fields(&status), ["id"]);
}

#[tokio::test]
async fn invalid_product_names_every_bad_field() {
    let service = support::start().await;
    let request = pb::CreateProductRequest {
        images: vec![
            "https://ok.example/a.png".into(),
            "ftp://files.example/a.png".into(),
        ],
        ..create_request(" ", "", -1, -5, admin())
    };
    let status = service
        .client
        .clone()
        .create_product(request)
        .await
        .unwrap_err();
    assert_eq!(
        invalid_fields(&status),
        ["name", "price", "stock", "images[1]"]
    );

    let no_price = pb::CreateProductRequest {
        price: None,
        ..create_request("Lamp", "", 0, 0, admin())
    };
    let status = service
        .client
        .clone()
        .create_product(no_price)
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(&status), ["price"]);
}

#[tokio::test]
async fn update_changes_only_the_given_fields() {
    let service = support::start().await;
    let product = service.create("Desk lamp", "Warm light", 2500, 3).await;

    let update = pb::UpdateProductRequest {
        id: product.id.clone(),
        price: Some(Money { cents: 1999 }),
        images: Some(pb::ImageList {
            urls: vec!["https://img.example/lamp.png".into()],
        }),
        actor: Some(admin()),
        ..Default::default()
    };
    let updated = service
        .client
        .clone()
        .update_product(update)
        .await
        .unwrap()
        .into_inner();

    assert_eq!(updated.price, Some(Money { cents: 1999 }));
    assert_eq!(updated.images, ["https://img.example/lamp.png"]);
    assert_eq!(
        (
            updated.name.as_str(),
            updated.description.as_str(),
            updated.stock
        ),
        ("Desk lamp", "Warm light", 3)
    );
    assert_eq!(service.get(&product.id).await.unwrap(), updated);
}

#[tokio::test]
async fn images_are_replaced_as_a_whole() {
    let service = support::start().await;
    let request = pb::CreateProductRequest {
        images: vec![
            "https://img.example/1.png".into(),
            "https://img.example/2.png".into(),
        ],
        ..create_request("Poster", "", 900, 1, admin())
    };
    let product = service
        .client
        .clone()
        .create_product(request)
        .await
        .unwrap()
        .into_inner();
    let replace = |urls: Vec<String>| pb::UpdateProductRequest {
        id: product.id.clone(),
        images: Some(pb::ImageList { urls }),
        actor: Some(admin()),
        ..Default::default()
    };

    let reordered = vec![
        "https://img.example/3.png".into(),
        "https://img.example/1.png".into(),
    ];
    let updated = service
        .client
        .clone()
        .update_product(replace(reordered.clone()))
        .await
        .unwrap();
    assert_eq!(updated.into_inner().images, reordered);

    let cleared = service
        .client
        .clone()
        .update_product(replace(Vec::new()))
        .await
        .unwrap();
    assert!(cleared.into_inner().images.is_empty());
}

#[tokio::test]
async fn invalid_update_changes_nothing() {
    let service = support::start().await;
    let product = service.create("Chair", "", 4000, 2).await;
    let update = pb::UpdateProductRequest {
        id: product.id.clone(),
        name: Some(String::new()),
        stock: Some(-1),
        actor: Some(admin()),
        ..Default::default()
    };
    let status = service
        .client
        .clone()
        .update_product(update)
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(&status), ["name", "stock"]);
    assert_eq!(service.get(&product.id).await.unwrap(), product);
}

#[tokio::test]
async fn updating_or_deleting_an_unknown_product_is_not_found() {
    let service = support::start().await;
    let update = pb::UpdateProductRequest {
        id: new_id(),
        name: Some("Ghost".into()),
        actor: Some(admin()),
        ..Default::default()
    };
    let status = service
        .client
        .clone()
        .update_product(update)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let delete = pb::DeleteProductRequest {
        id: new_id(),
        actor: Some(admin()),
    };
    let status = service
        .client
        .clone()
        .delete_product(delete)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
}

#[tokio::test]
async fn deleted_product_is_gone() {
    let service = support::start().await;
    let product = service.create("Mug", "", 800, 10).await;
    let delete = pb::DeleteProductRequest {
        id: product.id.clone(),
        actor: Some(admin()),
    };
    service.client.clone().delete_product(delete).await.unwrap();
    assert_eq!(
        service.get(&product.id).await.unwrap_err().code(),
        Code::NotFound
    );
}

#[tokio::test]
async fn users_and_anonymous_callers_may_not_create_products() {
    let service = support::start().await;
    for caller in [Some(actor(Role::User)), None] {
        let request = pb::CreateProductRequest {
            actor: caller,
            ..create_request("Pen", "", 100, 1, admin())
        };
        let status = service
            .client
            .clone()
            .create_product(request)
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    }
}

#[tokio::test]
async fn sellers_change_only_their_own_products_and_delete_none() {
    let service = support::start().await;
    let owner = seller();
    let request = create_request("Kettle", "", 3000, 4, owner.clone());
    let product = service
        .client
        .clone()
        .create_product(request)
        .await
        .unwrap()
        .into_inner();
    let rename = |by| pb::UpdateProductRequest {
        id: product.id.clone(),
        name: Some("Electric kettle".into()),
        actor: Some(by),
        ..Default::default()
    };

    let status = service
        .client
        .clone()
        .update_product(rename(seller()))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let status = service
        .client
        .clone()
        .update_product(rename(actor(Role::User)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let renamed = service
        .client
        .clone()
        .update_product(rename(owner.clone()))
        .await
        .unwrap();
    assert_eq!(renamed.into_inner().name, "Electric kettle");

    let delete = pb::DeleteProductRequest {
        id: product.id.clone(),
        actor: Some(owner),
    };
    let status = service
        .client
        .clone()
        .delete_product(delete)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    assert!(service.get(&product.id).await.is_ok());
}

#[tokio::test]
async fn batch_read_returns_found_products_in_order_and_missing_ids() {
    let service = support::start().await;
    let a = service.create("A", "", 100, 1).await;
    let b = service.create("B", "", 200, 2).await;
    let unknown = new_id();
    // Read b once so the batch mixes cached and uncached products.
    service.get(&b.id).await.unwrap();

    let request = pb::GetProductsRequest {
        ids: vec![b.id.clone(), unknown.clone(), a.id.clone(), b.id.clone()],
    };
    let response = service
        .client
        .clone()
        .get_products(request)
        .await
        .unwrap()
        .into_inner();

    assert_eq!(response.products, [b, a]);
    assert_eq!(response.missing_ids, [unknown]);

    let malformed = pb::GetProductsRequest {
        ids: vec![new_id(), "42".into()],
    };
    let status = service
        .client
        .clone()
        .get_products(malformed)
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(&status), ["ids[1]"]);
}
