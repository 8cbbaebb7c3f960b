//! Who may register which role; pure rules.

use shop_common::auth::Role;

/// Whether an account with `requested` may be registered by a caller with
/// `caller` (`None`: no valid token). Anyone may register a USER; a privileged role
/// needs an ADMIN or SUPER_ADMIN caller, and nobody grants a role above their own
/// (an ADMIN cannot make a SUPER_ADMIN).
pub fn may_register(requested: Role, caller: Option<Role>) -> bool {
    if !requested.is_privileged() {
        return true;
    }
    caller.is_some_and(|caller| caller.is_admin() && requested <= caller)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anyone_registers_a_user() {
        assert!(may_register(Role::User, None));
        assert!(may_register(Role::User, Some(Role::Seller)));
    }

    #[test]
    fn privileged_roles_need_an_admin_at_least_as_privileged() {
        for requested in [Role::Seller, Role::Admin, Role::SuperAdmin] {
            assert!(!may_register(requested, None));
            assert!(!may_register(requested, Some(Role::User)));
            assert!(!may_register(requested, Some(Role::Seller)));
            assert!(may_register(requested, Some(Role::SuperAdmin)));
        }
        assert!(may_register(Role::Seller, Some(Role::Admin)));
        assert!(may_register(Role::Admin, Some(Role::Admin)));
        assert!(!may_register(Role::SuperAdmin, Some(Role::Admin)));
    }
}
