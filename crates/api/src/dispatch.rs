//! The exhaustive dispatch from an operation to the domain method that performs it.

use crate::ApiError;
use cognate_federation::Federation;
use cognate_idp::Idp;
use cognate_oauth::OAuth;
use cognate_wire::idp::types::Op;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Deserializes the (already validated) body, runs the operation, serializes its response.
pub(crate) async fn call<Req, Resp, E, Fut>(
    body: serde_json::Value,
    f: impl FnOnce(Req) -> Fut,
) -> Result<Vec<u8>, ApiError>
where
    Req: DeserializeOwned,
    Resp: Serialize,
    E: Into<ApiError>,
    Fut: Future<Output = Result<Resp, E>>,
{
    let req = serde_json::from_value(body).map_err(|e| ApiError::new("SerializationException", e.to_string()))?;
    let resp = f(req).await.map_err(Into::into)?;
    serde_json::to_vec(&resp).map_err(|e| {
        tracing::error!(error = %e, "response serialization failed");
        ApiError::internal()
    })
}

/// The domain services that perform user-pool operations.
pub(crate) struct Services<'a> {
    pub idp: &'a Idp,
    pub oauth: &'a OAuth,
    pub federation: &'a Federation,
}

/// Runs a user-pool operation. Operations Cognate does not implement yet answer
/// `UnsupportedOperationException` rather than pretending to succeed.
pub(crate) async fn idp(services: Services<'_>, op: Op, body: serde_json::Value) -> Result<Vec<u8>, ApiError> {
    macro_rules! run {
        ($service:ident, $method:ident) => {
            call(body, |r| services.$service.$method(r)).await
        };
    }
    match op {
        Op::AddCustomAttributes => run!(idp, add_custom_attributes),
        Op::AddUserPoolClientSecret => run!(idp, add_user_pool_client_secret),
        Op::AdminAddUserToGroup => run!(idp, admin_add_user_to_group),
        Op::AdminConfirmSignUp => run!(idp, admin_confirm_sign_up),
        Op::AdminCreateUser => run!(idp, admin_create_user),
        Op::AdminDeleteUser => run!(idp, admin_delete_user),
        Op::AdminDeleteUserAttributes => run!(idp, admin_delete_user_attributes),
        Op::AdminDisableProviderForUser => run!(idp, admin_disable_provider_for_user),
        Op::AdminDisableUser => run!(idp, admin_disable_user),
        Op::AdminEnableUser => run!(idp, admin_enable_user),
        Op::AdminForgetDevice => run!(idp, admin_forget_device),
        Op::AdminGetDevice => run!(idp, admin_get_device),
        Op::AdminGetUser => run!(idp, admin_get_user),
        Op::AdminInitiateAuth => run!(idp, admin_initiate_auth),
        Op::AdminLinkProviderForUser => run!(idp, admin_link_provider_for_user),
        Op::AdminListDevices => run!(idp, admin_list_devices),
        Op::AdminListGroupsForUser => run!(idp, admin_list_groups_for_user),
        Op::AdminListUserSessions => run!(oauth, admin_list_user_sessions),
        Op::AdminRemoveUserFromGroup => run!(idp, admin_remove_user_from_group),
        Op::AdminResetUserPassword => run!(idp, admin_reset_user_password),
        Op::AdminRespondToAuthChallenge => run!(idp, admin_respond_to_auth_challenge),
        Op::AdminRevokeUserSession => run!(oauth, admin_revoke_user_session),
        Op::AdminSetUserMFAPreference => run!(idp, admin_set_user_mfa_preference),
        Op::AdminSetUserPassword => run!(idp, admin_set_user_password),
        Op::AdminSetUserSettings => run!(idp, admin_set_user_settings),
        Op::AdminUpdateDeviceStatus => run!(idp, admin_update_device_status),
        Op::AdminUpdateUserAttributes => run!(idp, admin_update_user_attributes),
        Op::AdminUserGlobalSignOut => run!(idp, admin_user_global_sign_out),
        Op::AssociateSoftwareToken => run!(idp, associate_software_token),
        Op::ChangePassword => run!(idp, change_password),
        Op::ConfirmDevice => run!(idp, confirm_device),
        Op::ConfirmForgotPassword => run!(idp, confirm_forgot_password),
        Op::ConfirmSignUp => run!(idp, confirm_sign_up),
        Op::CreateGroup => run!(idp, create_group),
        Op::CreateIdentityProvider => run!(federation, create_identity_provider),
        Op::CreateManagedLoginBranding => run!(oauth, create_managed_login_branding),
        Op::CreateResourceServer => run!(oauth, create_resource_server),
        Op::CreateUserPool => run!(idp, create_user_pool),
        Op::CreateUserPoolClient => run!(idp, create_user_pool_client),
        Op::CreateUserPoolDomain => run!(oauth, create_user_pool_domain),
        Op::DeleteGroup => run!(idp, delete_group),
        Op::DeleteIdentityProvider => run!(federation, delete_identity_provider),
        Op::DeleteManagedLoginBranding => run!(oauth, delete_managed_login_branding),
        Op::DeleteResourceServer => run!(oauth, delete_resource_server),
        Op::DeleteUser => run!(idp, delete_user),
        Op::DeleteUserAttributes => run!(idp, delete_user_attributes),
        Op::DeleteUserPool => run!(idp, delete_user_pool),
        Op::DeleteUserPoolClient => run!(idp, delete_user_pool_client),
        Op::DeleteUserPoolClientSecret => run!(idp, delete_user_pool_client_secret),
        Op::DeleteUserPoolDomain => run!(oauth, delete_user_pool_domain),
        Op::DescribeIdentityProvider => run!(federation, describe_identity_provider),
        Op::DescribeManagedLoginBranding => run!(oauth, describe_managed_login_branding),
        Op::DescribeManagedLoginBrandingByClient => run!(oauth, describe_managed_login_branding_by_client),
        Op::DescribeResourceServer => run!(oauth, describe_resource_server),
        Op::DescribeUserPool => run!(idp, describe_user_pool),
        Op::DescribeUserPoolClient => run!(idp, describe_user_pool_client),
        Op::DescribeUserPoolDomain => run!(oauth, describe_user_pool_domain),
        Op::ForgetDevice => run!(idp, forget_device),
        Op::ForgotPassword => run!(idp, forgot_password),
        Op::GetCSVHeader => run!(idp, get_csv_header),
        Op::GetClientToken => run!(oauth, get_client_token),
        Op::GetDerivedToken => run!(oauth, get_derived_token),
        Op::GetDevice => run!(idp, get_device),
        Op::GetGroup => run!(idp, get_group),
        Op::GetIdentityProviderByIdentifier => run!(federation, get_identity_provider_by_identifier),
        Op::GetSigningCertificate => run!(idp, get_signing_certificate),
        Op::GetTokensFromRefreshToken => run!(idp, get_tokens_from_refresh_token),
        Op::GetUICustomization => run!(oauth, get_ui_customization),
        Op::GetUser => run!(idp, get_user),
        Op::GetUserAttributeVerificationCode => run!(idp, get_user_attribute_verification_code),
        Op::GetUserPoolClientSessionConfiguration => run!(oauth, get_user_pool_client_session_configuration),
        Op::GetUserPoolMfaConfig => run!(idp, get_user_pool_mfa_config),
        Op::GetUserPoolSessionConfiguration => run!(oauth, get_user_pool_session_configuration),
        Op::GlobalSignOut => run!(idp, global_sign_out),
        Op::InitiateAuth => run!(idp, initiate_auth),
        Op::ListDevices => run!(idp, list_devices),
        Op::ListGroups => run!(idp, list_groups),
        Op::ListIdentityProviders => run!(federation, list_identity_providers),
        Op::ListResourceServers => run!(oauth, list_resource_servers),
        Op::ListTagsForResource => run!(idp, list_tags_for_resource),
        Op::ListUserPoolClientSecrets => run!(idp, list_user_pool_client_secrets),
        Op::ListUserPoolClients => run!(idp, list_user_pool_clients),
        Op::ListUserPools => run!(idp, list_user_pools),
        Op::ListUserSessions => run!(oauth, list_user_sessions),
        Op::ListUsers => run!(idp, list_users),
        Op::ListUsersInGroup => run!(idp, list_users_in_group),
        Op::ResendConfirmationCode => run!(idp, resend_confirmation_code),
        Op::RespondToAuthChallenge => run!(idp, respond_to_auth_challenge),
        Op::RevokeToken => run!(idp, revoke_token),
        Op::RevokeUserSession => run!(oauth, revoke_user_session),
        Op::SetUICustomization => run!(oauth, set_ui_customization),
        Op::SetUserMFAPreference => run!(idp, set_user_mfa_preference),
        Op::SetUserPoolClientSessionConfiguration => run!(oauth, set_user_pool_client_session_configuration),
        Op::SetUserPoolMfaConfig => run!(idp, set_user_pool_mfa_config),
        Op::SetUserPoolSessionConfiguration => run!(oauth, set_user_pool_session_configuration),
        Op::SetUserSettings => run!(idp, set_user_settings),
        Op::SignUp => run!(idp, sign_up),
        Op::TagResource => run!(idp, tag_resource),
        Op::UntagResource => run!(idp, untag_resource),
        Op::UpdateDeviceStatus => run!(idp, update_device_status),
        Op::UpdateGroup => run!(idp, update_group),
        Op::UpdateIdentityProvider => run!(federation, update_identity_provider),
        Op::UpdateManagedLoginBranding => run!(oauth, update_managed_login_branding),
        Op::UpdateResourceServer => run!(oauth, update_resource_server),
        Op::UpdateUserAttributes => run!(idp, update_user_attributes),
        Op::UpdateUserPool => run!(idp, update_user_pool),
        Op::UpdateUserPoolClient => run!(idp, update_user_pool_client),
        Op::UpdateUserPoolDomain => run!(oauth, update_user_pool_domain),
        Op::VerifySoftwareToken => run!(idp, verify_software_token),
        Op::VerifyUserAttribute => run!(idp, verify_user_attribute),
        Op::AdminDeleteSoftwareToken
        | Op::AdminGetUserAuthFactors
        | Op::AdminListUserAuthEvents
        | Op::AdminUpdateAuthEventFeedback
        | Op::CompleteWebAuthnRegistration
        | Op::CreateTerms
        | Op::CreateUserImportJob
        | Op::CreateUserPoolReplica
        | Op::DeleteTerms
        | Op::DeleteUserPoolReplica
        | Op::DeleteWebAuthnCredential
        | Op::DescribeRiskConfiguration
        | Op::DescribeTerms
        | Op::DescribeTermsByClient
        | Op::DescribeUserImportJob
        | Op::GetLogDeliveryConfiguration
        | Op::GetProvisionedLimit
        | Op::GetUserAuthFactors
        | Op::ListTerms
        | Op::ListUserImportJobs
        | Op::ListUserPoolReplicas
        | Op::ListWebAuthnCredentials
        | Op::SetLogDeliveryConfiguration
        | Op::SetRiskConfiguration
        | Op::StartUserImportJob
        | Op::StartWebAuthnRegistration
        | Op::StopUserImportJob
        | Op::UpdateAuthEventFeedback
        | Op::UpdateProvisionedLimit
        | Op::UpdateTerms
        | Op::UpdateUserPoolReplica => Err(ApiError::new(
            "UnsupportedOperationException",
            format!("Cognate does not implement {} yet.", op.name()),
        )),
    }
}
