//! Two replicas of the cart service on one database. Each remembers the carts it last
//! saw and adds against them without reading first; a cart changed by the other
//! replica, or expired and created again, must never lose a change for that.

mod support;

use mongodb::bson::{Bson, Document, doc};
use support::{add, clear, get, id, lines, remove, replica_of, set_quantity, start};

#[tokio::test]
async fn an_add_against_a_cart_the_other_replica_changed_loses_nothing() {
    let mut one = start().await;
    let mut two = replica_of(&one).await;
    let (user, mug, pen) = (id(), id(), id());

    add(&mut one.client, &user, &mug, 1999, 1).await.unwrap();
    // Replica two changes the cart that replica one remembers.
    add(&mut two.client, &user, &mug, 1999, 2).await.unwrap();
    add(&mut two.client, &user, &pen, 300, 1).await.unwrap();

    let after = add(&mut one.client, &user, &mug, 1999, 1).await.unwrap();
    assert_eq!(lines(&after), [(mug.clone(), 4), (pen.clone(), 1)]);

    // The same after a removal, a quantity change and a clear done by the other one.
    remove(&mut two.client, &user, &pen).await.unwrap();
    let after = add(&mut one.client, &user, &mug, 1999, 1).await.unwrap();
    assert_eq!(lines(&after), [(mug.clone(), 5)]);
    set_quantity(&mut two.client, &user, &mug, 2).await.unwrap();
    let after = add(&mut one.client, &user, &pen, 300, 1).await.unwrap();
    assert_eq!(lines(&after), [(mug.clone(), 2), (pen.clone(), 1)]);
    clear(&mut two.client, &user).await;
    let after = add(&mut one.client, &user, &pen, 300, 1).await.unwrap();
    assert_eq!(lines(&after), [(pen.clone(), 1)]);

    assert_eq!(lines(&get(&mut two.client, &user).await), lines(&after));
}

#[tokio::test]
async fn a_cart_created_again_at_the_remembered_version_is_not_overwritten() {
    let mut one = start().await;
    let mut two = replica_of(&one).await;
    let (user, mug, pen) = (id(), id(), id());
    let carts = one.mongo.db().collection::<Document>("carts");

    // Replica one remembers the cart at version 2.
    add(&mut one.client, &user, &mug, 1999, 1).await.unwrap();
    add(&mut one.client, &user, &mug, 1999, 1).await.unwrap();
    // The cart expires, and replica two creates a new one and brings it to version 2.
    let deleted = carts.delete_one(doc! { "userId": &user }).await.unwrap();
    assert_eq!(deleted.deleted_count, 1);
    add(&mut two.client, &user, &pen, 300, 1).await.unwrap();
    add(&mut two.client, &user, &pen, 300, 1).await.unwrap();
    let recreated = carts
        .find_one(doc! { "userId": &user })
        .await
        .unwrap()
        .expect("the new cart");
    // Servers may hand an Int64 back as Int32.
    let version = match recreated.get("version") {
        Some(Bson::Int64(version)) => *version,
        Some(Bson::Int32(version)) => i64::from(*version),
        other => panic!("version {other:?}"),
    };
    assert_eq!(version, 2);

    // Same user, same version, another document: replica one must read it first.
    let after = add(&mut one.client, &user, &mug, 1999, 1).await.unwrap();
    assert_eq!(lines(&after), [(pen.clone(), 2), (mug.clone(), 1)]);
}

#[tokio::test]
async fn a_rule_broken_only_in_a_stale_memory_does_not_refuse_the_add() {
    let mut one = start().await;
    let mut two = replica_of(&one).await;
    let (user, mug) = (id(), id());

    // Replica one remembers 999 mugs, the most one line holds.
    add(&mut one.client, &user, &mug, 1999, 999).await.unwrap();
    // Replica two empties the cart, so one more mug is fine.
    clear(&mut two.client, &user).await;

    let after = add(&mut one.client, &user, &mug, 1999, 1).await.unwrap();
    assert_eq!(lines(&after), [(mug.clone(), 1)]);
}

#[tokio::test]
async fn removals_quantities_and_clears_against_a_stale_memory_change_the_stored_cart() {
    let mut one = start().await;
    let mut two = replica_of(&one).await;
    let (user, mug, pen, cup) = (id(), id(), id(), id());

    // Replica one remembers [mug]; replica two adds a pen and a cup behind its back.
    add(&mut one.client, &user, &mug, 1999, 1).await.unwrap();
    add(&mut two.client, &user, &pen, 300, 1).await.unwrap();
    add(&mut two.client, &user, &cup, 500, 1).await.unwrap();

    // A line replica one does not remember is still found and removed.
    let after = remove(&mut one.client, &user, &pen).await.unwrap();
    assert_eq!(lines(&after), [(mug.clone(), 1), (cup.clone(), 1)]);

    // A remembered line the other replica changed: the stored quantity is replaced,
    // the other lines kept.
    set_quantity(&mut two.client, &user, &mug, 5).await.unwrap();
    add(&mut two.client, &user, &pen, 300, 2).await.unwrap();
    let after = set_quantity(&mut one.client, &user, &mug, 3).await.unwrap();
    assert_eq!(
        lines(&after),
        [(mug.clone(), 3), (cup.clone(), 1), (pen.clone(), 2)]
    );

    // A remembered line the other replica already removed: nothing to remove.
    remove(&mut two.client, &user, &cup).await.unwrap();
    let after = remove(&mut one.client, &user, &cup).await.unwrap();
    assert_eq!(lines(&after), [(mug.clone(), 3), (pen.clone(), 2)]);

    // A clear against a stale memory empties what is stored.
    add(&mut two.client, &user, &cup, 500, 4).await.unwrap();
    assert!(clear(&mut one.client, &user).await.items.is_empty());
    assert!(get(&mut two.client, &user).await.items.is_empty());
}

#[tokio::test]
async fn changes_of_a_cart_nobody_else_touches_answer_what_is_stored() {
    let mut one = start().await;
    let mut two = replica_of(&one).await;
    let (user, mug, pen) = (id(), id(), id());

    // Nobody else touches the cart: each change is answered from the memory of it.
    add(&mut one.client, &user, &mug, 1999, 2).await.unwrap();
    add(&mut one.client, &user, &pen, 300, 1).await.unwrap();
    let after = set_quantity(&mut one.client, &user, &mug, 4).await.unwrap();
    assert_eq!(lines(&after), lines(&get(&mut two.client, &user).await));
    let after = remove(&mut one.client, &user, &mug).await.unwrap();
    assert_eq!(lines(&after), [(pen.clone(), 1)]);
    assert_eq!(lines(&after), lines(&get(&mut two.client, &user).await));

    // Each of those writes moved the version on, so an add by the other replica
    // and one by this replica both land.
    add(&mut two.client, &user, &mug, 1999, 1).await.unwrap();
    let after = add(&mut one.client, &user, &pen, 300, 1).await.unwrap();
    assert_eq!(lines(&after), [(pen.clone(), 2), (mug.clone(), 1)]);
    assert_eq!(lines(&after), lines(&get(&mut two.client, &user).await));
}
