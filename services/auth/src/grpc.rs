//! The gRPC face of the auth service: decode, call users / the authenticator / the
//! token keys, map errors once (through [`AuthError`]).

use std::sync::Arc;

use shop_common::auth::{Claims, Role};
use shop_common::error::{FieldViolation, ServiceError};
use shop_proto::auth::v1 as pb;
use shop_proto::auth::v1::auth_service_server::AuthService;
use shop_proto::common::v1 as common_pb;
use shop_proto::users::v1 as users_pb;
use tonic::{Request, Response, Status};

use crate::UsersClient;
use crate::error::AuthError;
use crate::login::Authenticator;
use crate::policy::may_register;
use crate::tokens::{ALGORITHM, Tokens};

/// Implements `rustshop.auth.v1.AuthService`.
#[derive(Debug, Clone)]
pub struct AuthGrpc {
    users: UsersClient,
    authenticator: Arc<Authenticator>,
    tokens: Arc<Tokens>,
}

impl AuthGrpc {
    pub fn new(users: UsersClient, authenticator: Authenticator, tokens: Tokens) -> Self {
        Self {
            users,
            authenticator: Arc::new(authenticator),
            tokens: Arc::new(tokens),
        }
    }

    /// The role asked for, if the caller may grant it.
    fn authorize_role(&self, request: &pb::RegisterRequest) -> Result<Role, AuthError> {
        let requested = match common_pb::Role::try_from(request.role) {
            Ok(common_pb::Role::Unspecified) => Role::User,
            Ok(role) => Role::try_from(role).map_err(|_| invalid_role())?,
            Err(_) => return Err(invalid_role()),
        };
        // An invalid or expired caller token counts as no token: the answer for a
        // privileged role is then PermissionDenied, as for an anonymous caller.
        let caller = request
            .caller_token
            .as_deref()
            .and_then(|token| self.tokens.verify(token).ok())
            .map(|claims| claims.role);
        if may_register(requested, caller) {
            Ok(requested)
        } else {
            Err(AuthError::RoleNotAllowed(format!(
                "registering a {requested} needs the token of an admin with at least that role"
            )))
        }
    }

    async fn create_account(
        &self,
        request: pb::RegisterRequest,
    ) -> Result<users_pb::User, AuthError> {
        let role = self.authorize_role(&request)?;
        let create = users_pb::CreateUserRequest {
            name: request.name,
            email: request.email,
            password: request.password,
            birthdate: request.birthdate,
            role: common_pb::Role::from(role).into(),
        };
        let user = self
            .users
            .clone()
            .create_user(create)
            .await
            .map_err(AuthError::from_users)?
            .into_inner();
        tracing::info!(user_id = %user.id, %role, "account registered");
        Ok(user)
    }

    async fn sign_in(&self, request: pb::LoginRequest) -> Result<pb::LoginResponse, AuthError> {
        require_credentials(&request)?;
        let user = self
            .authenticator
            .authenticate(&request.email, &request.password)
            .await?;
        let role = Role::try_from(user.role()).map_err(|_| AuthError::MalformedUser)?;
        let issued = self.tokens.issue(&user.id, &user.email, role)?;
        Ok(pb::LoginResponse {
            access_token: issued.token,
            token_type: "Bearer".into(),
            expires_in_seconds: issued.expires_in.as_secs(),
            user: Some(user),
        })
    }

    async fn me(&self, token: &str) -> Result<users_pb::User, AuthError> {
        let claims = self.tokens.verify(token)?;
        let request = users_pb::GetUserRequest { id: claims.sub };
        let user = match self.users.clone().get_user(request).await {
            Ok(user) => user.into_inner(),
            Err(status) if status.code() == tonic::Code::NotFound => {
                return Err(AuthError::AccountGone);
            }
            Err(status) => return Err(AuthError::Users(status)),
        };
        if !user.is_active {
            return Err(AuthError::AccountDisabled);
        }
        Ok(user)
    }
}

fn invalid_role() -> AuthError {
    AuthError::Invalid(ServiceError::Validation(vec![FieldViolation::new(
        "role",
        "must be ROLE_USER, ROLE_SELLER, ROLE_ADMIN or ROLE_SUPER_ADMIN",
    )]))
}

/// An empty e-mail or password is a malformed request, not a failed login.
fn require_credentials(request: &pb::LoginRequest) -> Result<(), AuthError> {
    let mut violations = Vec::new();
    if request.email.trim().is_empty() {
        violations.push(FieldViolation::new("email", "is required"));
    }
    if request.password.is_empty() {
        violations.push(FieldViolation::new("password", "is required"));
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(AuthError::Invalid(ServiceError::Validation(violations)))
    }
}

fn claims_to_proto(claims: Claims) -> pb::Claims {
    pb::Claims {
        sub: claims.sub,
        email: claims.email,
        role: common_pb::Role::from(claims.role).into(),
        iat: claims.iat,
        exp: claims.exp,
    }
}

#[tonic::async_trait]
impl AuthService for AuthGrpc {
    async fn register(
        &self,
        request: Request<pb::RegisterRequest>,
    ) -> Result<Response<users_pb::User>, Status> {
        Ok(Response::new(
            self.create_account(request.into_inner()).await?,
        ))
    }

    async fn login(
        &self,
        request: Request<pb::LoginRequest>,
    ) -> Result<Response<pb::LoginResponse>, Status> {
        Ok(Response::new(self.sign_in(request.into_inner()).await?))
    }

    async fn verify_token(
        &self,
        request: Request<pb::VerifyTokenRequest>,
    ) -> Result<Response<pb::VerifyTokenResponse>, Status> {
        let claims = self
            .tokens
            .verify(&request.get_ref().token)
            .map_err(AuthError::from)?;
        Ok(Response::new(pb::VerifyTokenResponse {
            claims: Some(claims_to_proto(claims)),
        }))
    }

    async fn get_me(
        &self,
        request: Request<pb::GetMeRequest>,
    ) -> Result<Response<users_pb::User>, Status> {
        Ok(Response::new(self.me(&request.get_ref().token).await?))
    }

    async fn get_public_key(
        &self,
        _request: Request<pb::GetPublicKeyRequest>,
    ) -> Result<Response<pb::GetPublicKeyResponse>, Status> {
        let keys = self.tokens.keys();
        Ok(Response::new(pb::GetPublicKeyResponse {
            algorithm: format!("{ALGORITHM:?}"),
            public_key_pem: keys.public_pem.clone(),
            key_id: keys.key_id.clone(),
        }))
    }
}
