//! Adding, merging, setting, removing, reading and clearing, through the gRPC face.

mod support;

use support::{add, clear, get, id, lines, remove, set_quantity, start, total_cents};
use tonic::Code;

#[tokio::test]
async fn adding_a_product_creates_the_cart_with_that_line() {
    let mut cart = start().await;
    let (user, mug) = (id(), id());
    let request = support::add_request(&user, &mug, "Mug", 1250, 2);

    let added = cart.client.add_item(request).await.unwrap().into_inner();

    assert_eq!(added.user_id, user);
    assert_eq!(added.items.len(), 1);
    let line = &added.items[0];
    assert_eq!(
        (line.product_id.as_str(), line.name.as_str()),
        (mug.as_str(), "Mug")
    );
    assert_eq!(line.price.unwrap().cents, 1250);
    assert_eq!(line.quantity, 2);
    assert_eq!(get(&mut cart.client, &user).await, added);
}

#[tokio::test]
async fn adding_a_product_again_merges_into_its_line_at_the_latest_name_and_price() {
    let mut cart = start().await;
    let (user, mug, tea) = (id(), id(), id());
    add(&mut cart.client, &user, &mug, 1000, 2).await.unwrap();
    add(&mut cart.client, &user, &tea, 500, 1).await.unwrap();

    let again = support::add_request(&user, &mug, "Mug (new)", 1100, 3);
    let merged = cart.client.add_item(again).await.unwrap().into_inner();

    assert_eq!(lines(&merged), [(mug, 5), (tea, 1)]);
    assert_eq!(merged.items[0].name, "Mug (new)");
    assert_eq!(total_cents(&merged), 5 * 1100 + 500);
    assert_eq!(merged.total_items, 6);
}

#[tokio::test]
async fn totals_are_exact_to_the_cent() {
    let mut cart = start().await;
    let user = id();
    let three_at_19_99 = add(&mut cart.client, &user, &id(), 1999, 3).await.unwrap();
    assert_eq!(total_cents(&three_at_19_99), 5997);

    add(&mut cart.client, &user, &id(), 10, 7).await.unwrap();
    let read = get(&mut cart.client, &user).await;
    assert_eq!(total_cents(&read), 5997 + 70);
    assert_eq!(read.total_items, 10);
}

#[tokio::test]
async fn a_user_without_a_cart_gets_an_empty_one() {
    let mut cart = start().await;
    let user = id();

    let empty = get(&mut cart.client, &user).await;

    assert_eq!(empty.user_id, user);
    assert!(empty.items.is_empty());
    assert_eq!((total_cents(&empty), empty.total_items), (0, 0));
}

#[tokio::test]
async fn carts_are_per_user() {
    let mut cart = start().await;
    let (alice, bob, mug) = (id(), id(), id());
    add(&mut cart.client, &alice, &mug, 1000, 1).await.unwrap();

    assert!(get(&mut cart.client, &bob).await.items.is_empty());
    clear(&mut cart.client, &bob).await;
    assert_eq!(lines(&get(&mut cart.client, &alice).await), [(mug, 1)]);
}

#[tokio::test]
async fn set_quantity_replaces_the_lines_quantity() {
    let mut cart = start().await;
    let (user, mug, tea) = (id(), id(), id());
    add(&mut cart.client, &user, &mug, 1000, 2).await.unwrap();
    add(&mut cart.client, &user, &tea, 500, 1).await.unwrap();

    let set = set_quantity(&mut cart.client, &user, &tea, 7)
        .await
        .unwrap();

    assert_eq!(lines(&set), [(mug, 2), (tea, 7)]);
    assert_eq!(total_cents(&set), 2 * 1000 + 7 * 500);
    assert_eq!(get(&mut cart.client, &user).await, set);
}

#[tokio::test]
async fn set_quantity_zero_removes_the_line() {
    let mut cart = start().await;
    let (user, mug, tea) = (id(), id(), id());
    add(&mut cart.client, &user, &mug, 1000, 2).await.unwrap();
    add(&mut cart.client, &user, &tea, 500, 1).await.unwrap();

    let set = set_quantity(&mut cart.client, &user, &mug, 0)
        .await
        .unwrap();

    assert_eq!(lines(&set), [(tea, 1)]);
    assert_eq!(total_cents(&set), 500);
}

#[tokio::test]
async fn set_quantity_of_a_line_not_in_the_cart_is_not_found() {
    let mut cart = start().await;
    let (user, mug) = (id(), id());

    let no_cart = set_quantity(&mut cart.client, &user, &mug, 3)
        .await
        .unwrap_err();
    assert_eq!(no_cart.code(), Code::NotFound);

    add(&mut cart.client, &user, &id(), 1000, 1).await.unwrap();
    for quantity in [3, 0] {
        let no_line = set_quantity(&mut cart.client, &user, &mug, quantity)
            .await
            .unwrap_err();
        assert_eq!(no_line.code(), Code::NotFound, "quantity {quantity}");
        assert!(no_line.message().contains(&mug), "{no_line:?}");
    }
}

#[tokio::test]
async fn remove_item_removes_only_that_line() {
    let mut cart = start().await;
    let (user, mug, tea) = (id(), id(), id());
    add(&mut cart.client, &user, &mug, 1000, 2).await.unwrap();
    add(&mut cart.client, &user, &tea, 500, 1).await.unwrap();

    let removed = remove(&mut cart.client, &user, &mug).await.unwrap();

    assert_eq!(lines(&removed), [(tea.clone(), 1)]);
    assert_eq!(lines(&get(&mut cart.client, &user).await), [(tea, 1)]);
}

#[tokio::test]
async fn removing_a_line_that_is_not_there_returns_the_cart_unchanged() {
    let mut cart = start().await;
    let (user, mug) = (id(), id());
    let before = add(&mut cart.client, &user, &mug, 1000, 2).await.unwrap();

    let unchanged = remove(&mut cart.client, &user, &id()).await.unwrap();
    assert_eq!(unchanged, before);

    let other = id();
    let no_cart = remove(&mut cart.client, &other, &mug).await.unwrap();
    assert!(no_cart.items.is_empty());
}

#[tokio::test]
async fn clear_cart_empties_it() {
    let mut cart = start().await;
    let user = id();
    add(&mut cart.client, &user, &id(), 1000, 2).await.unwrap();
    add(&mut cart.client, &user, &id(), 500, 1).await.unwrap();

    let cleared = clear(&mut cart.client, &user).await;

    assert!(cleared.items.is_empty());
    assert_eq!((total_cents(&cleared), cleared.total_items), (0, 0));
    assert!(get(&mut cart.client, &user).await.items.is_empty());
    let refilled = add(&mut cart.client, &user, &id(), 300, 1).await.unwrap();
    assert_eq!(total_cents(&refilled), 300);
}

#[tokio::test]
async fn clearing_without_a_cart_gives_an_empty_cart() {
    let mut cart = start().await;
    let user = id();

    let cleared = clear(&mut cart.client, &user).await;

    assert_eq!(cleared.user_id, user);
    assert!(cleared.items.is_empty());
}

#[tokio::test]
async fn ids_are_answered_in_canonical_form() {
    let mut cart = start().await;
    let (user, mug) = (id(), id());
    let shouting = support::add_request(&user.to_uppercase(), &mug.to_uppercase(), "Mug", 100, 1);

    let added = cart.client.add_item(shouting).await.unwrap().into_inner();

    assert_eq!(added.user_id, user);
    assert_eq!(lines(&added), [(mug, 1)]);
    assert_eq!(get(&mut cart.client, &user).await, added);
}
