//! The gRPC face of the users service: decode the request, call the store, map errors
//! once (through [`UsersError`]).

mod decode;
mod encode;

use shop_common::pagination::{Page, PageLimits};
use shop_common::password::PasswordHasher;
use shop_proto::users::v1 as pb;
use shop_proto::users::v1::users_service_server::UsersService;
use tonic::{Request, Response, Status};

use crate::domain::{Birthdate, Email, NewUser, User, UserChanges, UserId, UserSort};
use crate::error::UsersError;
use crate::store::UserStore;
use crate::store::users::{RecordChanges, UserRecord};

/// Implements `rustshop.users.v1.UsersService`.
#[derive(Debug, Clone)]
pub struct UsersGrpc {
    store: UserStore,
    hasher: PasswordHasher,
    limits: PageLimits,
}

impl UsersGrpc {
    pub fn new(store: UserStore, hasher: PasswordHasher) -> Self {
        Self {
            store,
            hasher,
            limits: PageLimits::default(),
        }
    }

    async fn create(&self, new: NewUser) -> Result<User, UsersError> {
        let password_hash = self.hasher.hash(new.password.expose()).await?;
        let user = self
            .store
            .insert(UserRecord {
                id: UserId::new(),
                name: new.name.as_str(),
                email: new.email.as_str(),
                password_hash: &password_hash,
                birthdate: new.birthdate.map(|b| b.0),
                role: new.role,
            })
            .await?;
        tracing::info!(user_id = %user.id, role = %user.role, "user created");
        Ok(user)
    }

    async fn update(&self, id: UserId, changes: UserChanges) -> Result<User, UsersError> {
        let password_hash = match &changes.password {
            Some(password) => Some(self.hasher.hash(password.expose()).await?),
            None => None,
        };
        let record = RecordChanges {
            name: changes.name.as_ref().map(|n| n.as_str()),
            email: changes.email.as_ref().map(|e| e.as_str()),
            password_hash: password_hash.as_deref(),
            birthdate: changes.birthdate.map(|b| b.map(|b| b.0)),
            is_active: changes.is_active,
            role: changes.role,
        };
        let user = self
            .store
            .update(id, record)
            .await?
            .ok_or(UsersError::NotFound(id))?;
        tracing::info!(user_id = %id, "user updated");
        Ok(user)
    }
}

#[tonic::async_trait]
impl UsersService for UsersGrpc {
    async fn create_user(
        &self,
        request: Request<pb::CreateUserRequest>,
    ) -> Result<Response<pb::User>, Status> {
        let new = decode::new_user(request.get_ref(), Birthdate::latest_today())?;
        let user = self.create(new).await?;
        Ok(Response::new(encode::user(&user)))
    }

    async fn get_user(
        &self,
        request: Request<pb::GetUserRequest>,
    ) -> Result<Response<pb::User>, Status> {
        let id = decode::user_id(&request.get_ref().id)?;
        let user = self
            .store
            .get(id)
            .await
            .map_err(UsersError::from)?
            .ok_or(UsersError::NotFound(id))?;
        Ok(Response::new(encode::user(&user)))
    }

    async fn get_user_credentials(
        &self,
        request: Request<pb::GetUserCredentialsRequest>,
    ) -> Result<Response<pb::UserCredentials>, Status> {
        // Every stored e-mail is a valid one: anything else (NUL characters included,
        // which PostgreSQL would refuse) cannot name an account.
        let email =
            Email::parse(&request.get_ref().email).map_err(|_| UsersError::EmailNotFound)?;
        let credentials = self
            .store
            .credentials(email.as_str())
            .await
            .map_err(UsersError::from)?
            .ok_or(UsersError::EmailNotFound)?;
        Ok(Response::new(pb::UserCredentials {
            user: Some(encode::user(&credentials.user)),
            password_hash: credentials.password_hash,
        }))
    }

    async fn list_users(
        &self,
        request: Request<pb::ListUsersRequest>,
    ) -> Result<Response<pb::ListUsersResponse>, Status> {
        let page = Page::<UserSort>::parse(request.get_ref().page.as_ref(), self.limits)?;
        let (users, total) = self.store.list(&page).await.map_err(UsersError::from)?;
        Ok(Response::new(pb::ListUsersResponse {
            users: users.iter().map(encode::user).collect(),
            page: Some(page.info(total)),
        }))
    }

    async fn update_user(
        &self,
        request: Request<pb::UpdateUserRequest>,
    ) -> Result<Response<pb::User>, Status> {
        let (id, changes) = decode::changes(request.get_ref(), Birthdate::latest_today())?;
        let user = self.update(id, changes).await?;
        Ok(Response::new(encode::user(&user)))
    }

    async fn delete_user(
        &self,
        request: Request<pb::DeleteUserRequest>,
    ) -> Result<Response<pb::DeleteUserResponse>, Status> {
        let id = decode::user_id(&request.get_ref().id)?;
        if !self.store.delete(id).await.map_err(UsersError::from)? {
            return Err(UsersError::NotFound(id).into());
        }
        tracing::info!(user_id = %id, "user deleted");
        Ok(Response::new(pb::DeleteUserResponse {}))
    }
}
