//! The account model and its rules; no I/O.

pub mod email;
pub mod fields;
pub mod user;

pub use email::{Email, InvalidEmail};
pub use fields::{Birthdate, Password, UserId, UserName};
pub use user::{Credentials, NewUser, User, UserChanges, UserSort};
