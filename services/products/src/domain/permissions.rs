//! Who may change the catalog. The gateway checks roles too; the service enforces them
//! itself so no other caller can bypass them.

use shop_common::auth::{Actor, Role};
use uuid::Uuid;

/// Why an actor may not do something; the message is shown to the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("only sellers and admins may create products")]
    Create,
    #[error("only admins and the product's seller may change a product")]
    Edit,
    #[error("only admins may delete products")]
    Delete,
}

/// Sellers and admins create products.
pub fn may_create(actor: &Actor) -> Result<(), Denied> {
    if actor.is_admin() || actor.role == Role::Seller {
        Ok(())
    } else {
        Err(Denied::Create)
    }
}

/// Admins change any product; a seller only its own.
pub fn may_edit(actor: &Actor, seller_id: Uuid) -> Result<(), Denied> {
    if actor.is_admin() || (actor.role == Role::Seller && actor.user_id == seller_id) {
        Ok(())
    } else {
        Err(Denied::Edit)
    }
}

/// Only admins delete products.
pub fn may_delete(actor: &Actor) -> Result<(), Denied> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(Denied::Delete)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor {
            user_id: Uuid::now_v7(),
            role,
        }
    }

    #[test]
    fn users_change_nothing() {
        let user = actor(Role::User);
        assert_eq!(may_create(&user), Err(Denied::Create));
        assert_eq!(may_edit(&user, user.user_id), Err(Denied::Edit));
        assert_eq!(may_delete(&user), Err(Denied::Delete));
    }

    #[test]
    fn sellers_edit_only_their_own_products() {
        let seller = actor(Role::Seller);
        assert!(may_create(&seller).is_ok());
        assert!(may_edit(&seller, seller.user_id).is_ok());
        assert_eq!(may_edit(&seller, Uuid::now_v7()), Err(Denied::Edit));
        assert_eq!(may_delete(&seller), Err(Denied::Delete));
    }

    #[test]
    fn admins_do_everything() {
        for admin in [actor(Role::Admin), actor(Role::SuperAdmin)] {
            assert!(may_create(&admin).is_ok());
            assert!(may_edit(&admin, Uuid::now_v7()).is_ok());
            assert!(may_delete(&admin).is_ok());
        }
    }
}
