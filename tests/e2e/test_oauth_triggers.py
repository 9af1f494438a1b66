"""PreTokenGeneration on the OAuth side: hosted-UI sign-ins (TokenGeneration_HostedAuth) and
machine-to-machine tokens (TokenGeneration_ClientCredentials, version 3 functions only), through
the token endpoint (authlib / requests, with `aws_client_metadata`) and GetClientToken (boto3)."""

import json

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

from helpers import error_code, uniq
from hosted_fixtures import HostedBrowser, oauth_client
from trigger_fixtures import *  # noqa: F401,F403


def m2m_setup(pool):
    """A resource server with two scopes and a confidential client allowed both."""
    rs = uniq("api")
    pool.idp.create_resource_server(UserPoolId=pool.id, Identifier=rs, Name=rs, Scopes=[
        {"ScopeName": "read", "ScopeDescription": "read"}, {"ScopeName": "write", "ScopeDescription": "write"}])
    client = pool.idp.create_user_pool_client(
        UserPoolId=pool.id, ClientName=uniq("m2m"), GenerateSecret=True, AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["client_credentials"], AllowedOAuthScopes=[f"{rs}/read", f"{rs}/write"])["UserPoolClient"]
    return rs, client


def token_endpoint(pool):
    return f"{pool.env.url}/{pool.id}/oauth2/token"


def shape_machine_token(event):
    details = {"accessTokenGeneration": {
        "claimsToAddOrOverride": {"tenant": event["request"].get("clientMetadata", {}).get("tenant", "none"),
                                  "client_id": "forged"},
        "scopesToAdd": ["extra/audit"],
        "scopesToSuppress": [s for s in event["request"]["scopes"] if s.endswith("/write")],
    }}
    event["response"]["claimsAndScopeOverrideDetails"] = details
    return event


def test_v3_function_shapes_client_credentials_tokens(trigger_sink, make_trigger_pool):
    route = trigger_sink.route("m2m-v3", shape_machine_token)
    pool = make_trigger_pool({"PreTokenGenerationConfig": {"LambdaVersion": "V3_0", "LambdaArn": route.url}})
    rs, client = m2m_setup(pool)
    sess = OAuth2Session(client["ClientId"], client["ClientSecret"], token_endpoint_auth_method="client_secret_basic")
    token = sess.fetch_token(token_endpoint(pool), grant_type="client_credentials",
                             aws_client_metadata=json.dumps({"tenant": "acme"}))
    claims = pool.claims(token["access_token"])
    assert claims["tenant"] == "acme"
    assert claims["client_id"] == client["ClientId"]  # protected claims stay
    assert sorted(claims["scope"].split()) == sorted([f"{rs}/read", "extra/audit"])

    (event,) = route.events
    assert event["version"] == "3" and event["triggerSource"] == "TokenGeneration_ClientCredentials"
    assert event["userName"] == "ClientCredentials"
    assert event["callerContext"]["clientId"] == client["ClientId"]
    assert event["request"]["userAttributes"] == {}
    assert sorted(event["request"]["scopes"]) == sorted([f"{rs}/read", f"{rs}/write"])
    assert event["request"]["clientMetadata"] == {"tenant": "acme"}

    # The API form carries ClientMetadata the same way.
    result = pool.idp.get_client_token(ClientId=client["ClientId"], Secret=client["ClientSecret"],
                                       Scopes=[f"{rs}/write"], ClientMetadata={"tenant": "globex"})
    claims = pool.claims(result["ClientAuthenticationResult"]["AccessToken"])
    assert claims["tenant"] == "globex" and claims["scope"] == "extra/audit"


def test_v2_function_never_sees_machine_tokens(trigger_sink, make_trigger_pool):
    route = trigger_sink.route("m2m-v2", shape_machine_token)
    pool = make_trigger_pool({"PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": route.url}})
    rs, client = m2m_setup(pool)
    r = requests.post(token_endpoint(pool), data={"grant_type": "client_credentials", "scope": f"{rs}/write"},
                      auth=(client["ClientId"], client["ClientSecret"]), timeout=10)
    assert r.status_code == 200, r.text
    assert pool.claims(r.json()["access_token"])["scope"] == f"{rs}/write"
    assert route.events == []


def test_refusing_function_means_no_machine_token(trigger_sink, make_trigger_pool):
    def refuse(event):
        raise LambdaError("no machines today")

    route = trigger_sink.route("m2m-refuse", refuse)
    pool = make_trigger_pool({"PreTokenGenerationConfig": {"LambdaVersion": "V3_0", "LambdaArn": route.url}})
    _, client = m2m_setup(pool)
    r = requests.post(token_endpoint(pool), data={"grant_type": "client_credentials"},
                      auth=(client["ClientId"], client["ClientSecret"]), timeout=10)
    assert r.status_code == 400 and r.json() == {"error": "invalid_request"}, r.text
    with pytest.raises(Exception) as err:
        pool.idp.get_client_token(ClientId=client["ClientId"], Secret=client["ClientSecret"])
    assert error_code(err.value) == "UserLambdaValidationException"
    assert "no machines today" in str(err.value)


def test_hosted_ui_tokens_come_from_hosted_auth(trigger_sink, make_trigger_pool):
    def stamp(event):
        event["response"]["claimsAndScopeOverrideDetails"] = {
            "idTokenGeneration": {"claimsToAddOrOverride": {"issued_by": event["triggerSource"]}}}
        return event

    route = trigger_sink.route("hosted-source", stamp)
    pool = make_trigger_pool({"PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": route.url}})
    client = oauth_client(pool)
    username = pool.create_user()
    browser = HostedBrowser(pool, client)
    tokens = browser.tokens(browser.sign_in(username, PASSWORD))
    assert pool.claims(tokens["id_token"])["issued_by"] == "TokenGeneration_HostedAuth"
    (event,) = route.events_for(user_name=username)
    assert event["triggerSource"] == "TokenGeneration_HostedAuth"
    assert "aws.cognito.signin.user.admin" in event["request"]["scopes"]
