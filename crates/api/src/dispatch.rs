//! The exhaustive dispatch from an operation to the domain method that performs it.

use crate::ApiError;
use cognate_idp::{Idp, IdpResult};
use cognate_wire::idp::types::Op;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Deserializes the (already validated) body, runs the operation, serializes its response.
async fn call<Req, Resp, Fut>(body: serde_json::Value, f: impl FnOnce(Req) -> Fut) -> Result<Vec<u8>, ApiError>
where
    Req: DeserializeOwned,
    Resp: Serialize,
    Fut: Future<Output = IdpResult<Resp>>,
{
    let req = serde_json::from_value(body).map_err(|e| ApiError::new("SerializationException", e.to_string()))?;
    let resp = f(req).await?;
    serde_json::to_vec(&resp).map_err(|e| {
        tracing::error!(error = %e, "response serialization failed");
        ApiError::internal()
    })
}

/// Runs a user-pool operation. Operations Cognate does not implement yet answer
/// `UnsupportedOperationException` rather than pretending to succeed.
pub(crate) async fn idp(idp: &Idp, op: Op, body: serde_json::Value) -> Result<Vec<u8>, ApiError> {
    macro_rules! run {
        ($method:ident) => {
            call(body, |r| idp.$method(r)).await
        };
    }
    match op {
        Op::AddCustomAttributes => run!(add_custom_attributes),
        Op::AddUserPoolClientSecret => run!(add_user_pool_client_secret),
        Op::AdminAddUserToGroup => run!(admin_add_user_to_group),
        Op::AdminConfirmSignUp => run!(admin_confirm_sign_up),
        Op::AdminCreateUser => run!(admin_create_user),
        Op::AdminDeleteUser => run!(admin_delete_user),
        Op::AdminDeleteUserAttributes => run!(admin_delete_user_attributes),
        Op::AdminDisableUser => run!(admin_disable_user),
        Op::AdminEnableUser => run!(admin_enable_user),
        Op::AdminForgetDevice => run!(admin_forget_device),
        Op::AdminGetDevice => run!(admin_get_device),
        Op::AdminGetUser => run!(admin_get_user),
        Op::AdminInitiateAuth => run!(admin_initiate_auth),
        Op::AdminListDevices => run!(admin_list_devices),
        Op::AdminListGroupsForUser => run!(admin_list_groups_for_user),
        Op::AdminRemoveUserFromGroup => run!(admin_remove_user_from_group),
        Op::AdminResetUserPassword => run!(admin_reset_user_password),
        Op::AdminRespondToAuthChallenge => run!(admin_respond_to_auth_challenge),
        Op::AdminSetUserMFAPreference => run!(admin_set_user_mfa_preference),
        Op::AdminSetUserPassword => run!(admin_set_user_password),
        Op::AdminSetUserSettings => run!(admin_set_user_settings),
        Op::AdminUpdateDeviceStatus => run!(admin_update_device_status),
        Op::AdminUpdateUserAttributes => run!(admin_update_user_attributes),
        Op::AdminUserGlobalSignOut => run!(admin_user_global_sign_out),
        Op::AssociateSoftwareToken => run!(associate_software_token),
        Op::ChangePassword => run!(change_password),
        Op::ConfirmDevice => run!(confirm_device),
        Op::ConfirmForgotPassword => run!(confirm_forgot_password),
        Op::ConfirmSignUp => run!(confirm_sign_up),
        Op::CreateGroup => run!(create_group),
        Op::CreateUserPool => run!(create_user_pool),
        Op::CreateUserPoolClient => run!(create_user_pool_client),
        Op::DeleteGroup => run!(delete_group),
        Op::DeleteUser => run!(delete_user),
        Op::DeleteUserAttributes => run!(delete_user_attributes),
        Op::DeleteUserPool => run!(delete_user_pool),
        Op::DeleteUserPoolClient => run!(delete_user_pool_client),
        Op::DeleteUserPoolClientSecret => run!(delete_user_pool_client_secret),
        Op::DescribeUserPool => run!(describe_user_pool),
        Op::DescribeUserPoolClient => run!(describe_user_pool_client),
        Op::ForgetDevice => run!(forget_device),
        Op::ForgotPassword => run!(forgot_password),
        Op::GetCSVHeader => run!(get_csv_header),
        Op::GetDevice => run!(get_device),
        Op::GetGroup => run!(get_group),
        Op::GetSigningCertificate => run!(get_signing_certificate),
        Op::GetTokensFromRefreshToken => run!(get_tokens_from_refresh_token),
        Op::GetUser => run!(get_user),
        Op::GetUserAttributeVerificationCode => run!(get_user_attribute_verification_code),
        Op::GetUserPoolMfaConfig => run!(get_user_pool_mfa_config),
        Op::GlobalSignOut => run!(global_sign_out),
        Op::InitiateAuth => run!(initiate_auth),
        Op::ListDevices => run!(list_devices),
        Op::ListGroups => run!(list_groups),
        Op::ListTagsForResource => run!(list_tags_for_resource),
        Op::ListUserPoolClientSecrets => run!(list_user_pool_client_secrets),
        Op::ListUserPoolClients => run!(list_user_pool_clients),
        Op::ListUserPools => run!(list_user_pools),
        Op::ListUsers => run!(list_users),
        Op::ListUsersInGroup => run!(list_users_in_group),
        Op::ResendConfirmationCode => run!(resend_confirmation_code),
        Op::RespondToAuthChallenge => run!(respond_to_auth_challenge),
        Op::RevokeToken => run!(revoke_token),
        Op::SetUserMFAPreference => run!(set_user_mfa_preference),
        Op::SetUserPoolMfaConfig => run!(set_user_pool_mfa_config),
        Op::SetUserSettings => run!(set_user_settings),
        Op::SignUp => run!(sign_up),
        Op::TagResource => run!(tag_resource),
        Op::UntagResource => run!(untag_resource),
        Op::UpdateDeviceStatus => run!(update_device_status),
        Op::UpdateGroup => run!(update_group),
        Op::UpdateUserAttributes => run!(update_user_attributes),
        Op::UpdateUserPool => run!(update_user_pool),
        Op::UpdateUserPoolClient => run!(update_user_pool_client),
        Op::VerifySoftwareToken => run!(verify_software_token),
        Op::VerifyUserAttribute => run!(verify_user_attribute),
        Op::AdminDeleteSoftwareToken
        | Op::AdminDisableProviderForUser
        | Op::AdminGetUserAuthFactors
        | Op::AdminLinkProviderForUser
        | Op::AdminListUserAuthEvents
        | Op::AdminListUserSessions
        | Op::AdminRevokeUserSession
        | Op::AdminUpdateAuthEventFeedback
        | Op::CompleteWebAuthnRegistration
        | Op::CreateIdentityProvider
        | Op::CreateManagedLoginBranding
        | Op::CreateResourceServer
        | Op::CreateTerms
        | Op::CreateUserImportJob
        | Op::CreateUserPoolDomain
        | Op::CreateUserPoolReplica
        | Op::DeleteIdentityProvider
        | Op::DeleteManagedLoginBranding
        | Op::DeleteResourceServer
        | Op::DeleteTerms
        | Op::DeleteUserPoolDomain
        | Op::DeleteUserPoolReplica
        | Op::DeleteWebAuthnCredential
        | Op::DescribeIdentityProvider
        | Op::DescribeManagedLoginBranding
        | Op::DescribeManagedLoginBrandingByClient
        | Op::DescribeResourceServer
        | Op::DescribeRiskConfiguration
        | Op::DescribeTerms
        | Op::DescribeTermsByClient
        | Op::DescribeUserImportJob
        | Op::DescribeUserPoolDomain
        | Op::GetClientToken
        | Op::GetDerivedToken
        | Op::GetIdentityProviderByIdentifier
        | Op::GetLogDeliveryConfiguration
        | Op::GetProvisionedLimit
        | Op::GetUICustomization
        | Op::GetUserAuthFactors
        | Op::GetUserPoolClientSessionConfiguration
        | Op::GetUserPoolSessionConfiguration
        | Op::ListIdentityProviders
        | Op::ListResourceServers
        | Op::ListTerms
        | Op::ListUserImportJobs
        | Op::ListUserPoolReplicas
        | Op::ListUserSessions
        | Op::ListWebAuthnCredentials
        | Op::RevokeUserSession
        | Op::SetLogDeliveryConfiguration
        | Op::SetRiskConfiguration
        | Op::SetUICustomization
        | Op::SetUserPoolClientSessionConfiguration
        | Op::SetUserPoolSessionConfiguration
        | Op::StartUserImportJob
        | Op::StartWebAuthnRegistration
        | Op::StopUserImportJob
        | Op::UpdateAuthEventFeedback
        | Op::UpdateIdentityProvider
        | Op::UpdateManagedLoginBranding
        | Op::UpdateProvisionedLimit
        | Op::UpdateResourceServer
        | Op::UpdateTerms
        | Op::UpdateUserPoolDomain
        | Op::UpdateUserPoolReplica => Err(ApiError::new(
            "UnsupportedOperationException",
            format!("Cognate does not implement {} yet.", op.name()),
        )),
    }
}
