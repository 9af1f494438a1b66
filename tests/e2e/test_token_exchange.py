"""OAuth 2.0 Token Exchange (RFC 8693): GetDerivedToken through boto3, and the
`urn:ietf:params:oauth:grant-type:token-exchange` grant of /oauth2/token through authlib and
plain requests. Derived tokens are verified with PyJWT against the pool's JWKS."""

import pytest
import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from auth_fixtures import *  # noqa: F401,F403
from auth_fixtures import ADMIN_SCOPE, USER_FLOWS, raises, uniq
from hosted_fixtures import CB, HostedBrowser

API = "https://api.example.com"
READ, WRITE = f"{API}/read", f"{API}/write"
EXCHANGE_FLOWS = ["ALLOW_TOKEN_EXCHANGE_IMPERSONATION", "ALLOW_TOKEN_EXCHANGE_DELEGATION"]
OAUTH = dict(AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"], CallbackURLs=[CB],
             SupportedIdentityProviders=["COGNITO"])
GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
URN_ACCESS = "urn:ietf:params:oauth:token-type:access_token"
URN_ID = "urn:ietf:params:oauth:token-type:id_token"
URN_SAML2 = "urn:ietf:params:oauth:token-type:saml2"


class Setup:
    """A pool with a resource server, the default public client users sign in with, a web
    client for hosted-UI sign-ins with custom scopes, and a confidential backend client that
    may exchange tokens."""

    def __init__(self, pool, backend_flows=EXCHANGE_FLOWS, backend_scopes=("openid", ADMIN_SCOPE, READ)):
        self.pool = pool
        self.idp = pool.idp
        self.idp.create_resource_server(UserPoolId=pool.id, Identifier=API, Name="api", Scopes=[
            {"ScopeName": "read", "ScopeDescription": "read"}, {"ScopeName": "write", "ScopeDescription": "w"}])
        self.web = pool.add_client(**OAUTH, AllowedOAuthScopes=["openid", "email", ADMIN_SCOPE, READ, WRITE])
        self.backend = pool.add_client(secret=True, ExplicitAuthFlows=list(backend_flows), **OAUTH,
                                       AllowedOAuthScopes=list(backend_scopes))
        self.username = pool.create_user()
        self.tokens = pool.login(self.username)

    def derive(self, subject=None, client=None, secret=True, **kwargs):
        client = client or self.backend
        kwargs.setdefault("SubjectTokenType", "ACCESS_TOKEN")
        if secret and client.get("ClientSecret"):
            kwargs["ClientSecret"] = client["ClientSecret"]
        return self.idp.get_derived_token(ClientId=client["ClientId"],
                                          SubjectToken=subject or self.tokens["AccessToken"], **kwargs)

    def claims(self, token):
        return self.pool.claims(token)

    def hosted_tokens(self, scope):
        """Tokens from a hosted-UI sign-in (authlib's code exchange) with `scope`."""
        browser = HostedBrowser(self.pool, self.web)
        browser.oauth.scope = scope
        return browser.tokens(browser.sign_in(self.username, PASSWORD))

    @property
    def token_endpoint(self):
        return f"{self.pool.issuer}/oauth2/token"


@pytest.fixture
def setup(make_auth_pool):
    return Setup(make_auth_pool())


def test_impersonation_keeps_the_user_and_works_for_get_user(setup):
    out = setup.derive()
    assert out["IssuedTokenType"] == "ACCESS_TOKEN"
    assert out["TokenType"] == "Bearer"
    assert out["ExpiresIn"] == 3600
    assert out["Scopes"] == [ADMIN_SCOPE]
    subject = setup.claims(setup.tokens["AccessToken"])
    derived = setup.claims(out["IssuedToken"])
    assert derived["sub"] == subject["sub"]
    assert derived["username"] == setup.username
    assert derived["client_id"] == setup.backend["ClientId"]
    assert derived["token_use"] == "access"
    assert derived["scope"] == ADMIN_SCOPE
    assert derived["origin_jti"] == subject["origin_jti"]
    assert derived["exp"] - derived["iat"] == 3600
    assert "act" not in derived and "aud" not in derived
    me = setup.idp.get_user(AccessToken=out["IssuedToken"])
    assert me["Username"] == setup.username


def test_clients_accept_the_exchange_flows(setup):
    described = setup.idp.describe_user_pool_client(UserPoolId=setup.pool.id, ClientId=setup.backend["ClientId"])
    assert set(EXCHANGE_FLOWS) <= set(described["UserPoolClient"]["ExplicitAuthFlows"])
    setup.idp.update_user_pool_client(UserPoolId=setup.pool.id, ClientId=setup.backend["ClientId"],
                                      ExplicitAuthFlows=["ALLOW_TOKEN_EXCHANGE_DELEGATION"])


def test_scopes_are_the_intersection_and_targets_become_aud(setup):
    subject = setup.hosted_tokens(f"openid {ADMIN_SCOPE} {READ} {WRITE}")["access_token"]
    assert setup.claims(subject)["scope"].split() == ["openid", ADMIN_SCOPE, READ, WRITE]
    everything = setup.derive(subject)
    assert everything["Scopes"] == ["openid", ADMIN_SCOPE, READ]
    narrowed = setup.derive(subject, Scopes=[WRITE, READ], Audiences=["billing-service"])
    assert narrowed["Scopes"] == [READ]
    claims = setup.claims(narrowed["IssuedToken"])
    assert claims["scope"] == READ and claims["aud"] == "billing-service"
    with raises("NotAuthorizedException"):
        setup.idp.get_user(AccessToken=narrowed["IssuedToken"])
    to_api = setup.derive(subject, Scopes=[READ], Resources=[API])
    assert setup.claims(to_api["IssuedToken"])["aud"] == API
    with raises("InvalidParameterException"):
        setup.derive(subject, Scopes=[WRITE])


def test_delegation_carries_the_actor(setup):
    service = setup.pool.create_user()
    actor = setup.pool.login(service)["AccessToken"]
    out = setup.derive(ActorToken=actor, ActorTokenType="ACCESS_TOKEN")
    derived = setup.claims(out["IssuedToken"])
    assert derived["sub"] == setup.claims(setup.tokens["AccessToken"])["sub"]
    assert derived["act"] == {"sub": setup.claims(actor)["sub"], "client_id": setup.pool.client_id}
    # Delegating a delegated token again nests the prior actor (RFC 8693 §4.1).
    second = setup.pool.login(setup.pool.create_user())["AccessToken"]
    again = setup.derive(out["IssuedToken"], ActorToken=second, ActorTokenType="ACCESS_TOKEN")
    act = setup.claims(again["IssuedToken"])["act"]
    assert act == {"sub": setup.claims(second)["sub"], "client_id": setup.pool.client_id, "act": derived["act"]}
    # Impersonating with a delegated token keeps its actor: the chain is never hidden.
    kept = setup.derive(out["IssuedToken"])
    assert setup.claims(kept["IssuedToken"])["act"] == derived["act"]


def test_a_machine_token_may_act_but_not_be_the_subject(setup):
    machine = setup.pool.add_client(secret=True, ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH"],
                                    AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["client_credentials"],
                                    AllowedOAuthScopes=[READ])
    m2m = setup.idp.get_client_token(ClientId=machine["ClientId"], Secret=machine["ClientSecret"])
    actor = m2m["ClientAuthenticationResult"]["AccessToken"]
    out = setup.derive(ActorToken=actor, ActorTokenType="ACCESS_TOKEN")
    assert setup.claims(out["IssuedToken"])["act"] == {"sub": machine["ClientId"], "client_id": machine["ClientId"]}
    with raises("NotAuthorizedException", contains="User does not exist"):
        setup.derive(actor)


def test_id_tokens_in_and_out(setup):
    out = setup.derive(setup.tokens["IdToken"], SubjectTokenType="ID_TOKEN", RequestedTokenType="ID_TOKEN")
    assert out["IssuedTokenType"] == "ID_TOKEN" and out["TokenType"] == "N_A"
    claims = setup.claims(out["IssuedToken"])
    subject = setup.claims(setup.tokens["IdToken"])
    assert claims["token_use"] == "id"
    assert claims["aud"] == setup.backend["ClientId"]
    assert claims["cognito:username"] == setup.username
    assert claims["email"] == subject["email"] and claims["sub"] == subject["sub"]
    assert claims["origin_jti"] == subject["origin_jti"]
    # An ID token stands for an OpenID sign-in only: no API scope comes out of it.
    access = setup.derive(setup.tokens["IdToken"], SubjectTokenType="ID_TOKEN")
    assert access["Scopes"] == ["openid"]
    with raises("NotAuthorizedException"):
        setup.derive(setup.tokens["IdToken"], SubjectTokenType="ACCESS_TOKEN")


def test_refused_without_the_explicit_flow(make_auth_pool):
    setup = Setup(make_auth_pool(), backend_flows=["ALLOW_TOKEN_EXCHANGE_DELEGATION"])
    with raises("InvalidParameterException", contains="ALLOW_TOKEN_EXCHANGE_IMPERSONATION"):
        setup.derive()
    plain = setup.pool.client
    with raises("InvalidParameterException"):
        setup.derive(client=plain)
    actor = setup.tokens["AccessToken"]
    assert setup.derive(ActorToken=actor, ActorTokenType="ACCESS_TOKEN")["IssuedToken"]


def test_client_secret(setup):
    with raises("NotAuthorizedException"):
        setup.derive(secret=False, ClientSecret="w" * 40)
    with raises("NotAuthorizedException"):
        setup.derive(client=setup.web, ClientSecret="n" * 40)
    # SigV4-signed (IAM credentials): the secret may be left out, as Cognito documents.
    assert setup.derive(secret=False)["IssuedToken"]
    with raises("ResourceNotFoundException"):
        setup.idp.get_derived_token(ClientId="1" * 26, SubjectToken=setup.tokens["AccessToken"],
                                    SubjectTokenType="ACCESS_TOKEN")


@pytest.mark.parametrize("how", ["unsigned", "foreign keys"])
def test_applications_without_the_admin_credentials_use_the_client_secret(setup, how):
    """An application calls with its client's secret: unsigned, or signed with credentials
    that are not the administrator's (an SDK signs with whatever it finds)."""
    from helpers import make_client
    app = make_client(setup.pool.env.url, unsigned=True) if how == "unsigned" else make_client(
        setup.pool.env.url, key="AKIAOTHERAPPLICATION", secret="s" * 40)
    backend = setup.backend
    subject = setup.tokens["AccessToken"]
    derived = app.get_derived_token(ClientId=backend["ClientId"], ClientSecret=backend["ClientSecret"],
                                    SubjectToken=subject, SubjectTokenType="ACCESS_TOKEN")
    assert setup.claims(derived["IssuedToken"])["sub"] == setup.claims(subject)["sub"]
    with raises("NotAuthorizedException"):
        app.get_derived_token(ClientId=backend["ClientId"], SubjectToken=subject, SubjectTokenType="ACCESS_TOKEN")
    # GetClientToken likewise: Cognito does not evaluate IAM for it.
    machine = setup.pool.add_client(secret=True, AllowedOAuthFlowsUserPoolClient=True,
                                    AllowedOAuthFlows=["client_credentials"], AllowedOAuthScopes=[READ])
    token = app.get_client_token(ClientId=machine["ClientId"], Secret=machine["ClientSecret"])
    assert setup.claims(token["ClientAuthenticationResult"]["AccessToken"])["scope"] == READ
    with raises("NotAuthorizedException"):
        app.get_client_token(ClientId=machine["ClientId"], Secret="w" * 40)
    # Other signed operations still need the administrator's signature.
    with pytest.raises(Exception) as err:
        app.describe_user_pool(UserPoolId=setup.pool.id)
    assert "DescribeUserPool" in str(err.value) and "ResourceNotFound" not in str(err.value)


def test_refused_subjects(setup, make_auth_pool):
    other = make_auth_pool()
    stranger = other.create_user()
    with raises("NotAuthorizedException", contains="user pool"):
        setup.derive(other.login(stranger)["AccessToken"])
    with raises("NotAuthorizedException"):
        setup.derive("not-a-token")
    with raises("InvalidParameterException", contains="federation"):
        setup.derive("PHNhbWw+PC9zYW1sPg==", SubjectTokenType="SAML2")
    with raises("InvalidParameterException", contains="federation"):
        setup.derive(SubjectTokenProviderName="MyOIDC")
    with raises("InvalidParameterException", contains="Audiences"):
        setup.derive(Audiences=["a"], Resources=[API])
    with raises("InvalidParameterException", contains="Resource server"):
        setup.derive(Resources=["https://unknown.example.com"])
    setup.idp.admin_disable_user(UserPoolId=setup.pool.id, Username=setup.username)
    with raises("NotAuthorizedException"):  # disabling also revokes the user's sessions
        setup.derive()


def test_revoking_the_subject_revokes_the_derived_token(setup):
    derived = setup.derive()["IssuedToken"]
    setup.idp.revoke_token(Token=setup.tokens["RefreshToken"], ClientId=setup.pool.client_id)
    with raises("NotAuthorizedException", contains="revoked"):
        setup.derive()
    with raises("NotAuthorizedException"):
        setup.idp.get_user(AccessToken=derived)
    fresh = setup.pool.login(setup.username)
    derived = setup.derive(fresh["AccessToken"])["IssuedToken"]
    setup.idp.global_sign_out(AccessToken=fresh["AccessToken"])
    with raises("NotAuthorizedException"):
        setup.derive(fresh["AccessToken"])
    with raises("NotAuthorizedException"):
        setup.idp.get_user(AccessToken=derived)


def test_expired_subject(make_clock_pool, clock_server):
    setup = Setup(make_clock_pool())
    clock_server.advance(3601)
    with raises("NotAuthorizedException", contains="expired"):
        setup.derive()


# --- the token endpoint ---------------------------------------------------------------------


def test_token_endpoint_grant_with_authlib(setup):
    subject = setup.hosted_tokens(f"openid {ADMIN_SCOPE} {READ} {WRITE}")["access_token"]
    session = OAuth2Session(setup.backend["ClientId"], setup.backend["ClientSecret"],
                            token_endpoint_auth_method="client_secret_basic")
    token = session.fetch_token(setup.token_endpoint, grant_type=GRANT, subject_token=subject,
                                subject_token_type=URN_ACCESS, scope=f"{READ} {WRITE}", resource=API)
    assert token["issued_token_type"] == URN_ACCESS
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
    assert token["scope"] == READ
    claims = setup.claims(token["access_token"])
    assert claims["aud"] == API and claims["client_id"] == setup.backend["ClientId"]
    assert claims["sub"] == setup.claims(subject)["sub"]
    with pytest.raises(OAuthError) as info:
        session.fetch_token(setup.token_endpoint, grant_type=GRANT, subject_token=subject + "x",
                            subject_token_type=URN_ACCESS)
    assert info.value.error == "invalid_grant"


def post_token(setup, auth=None, **form):
    if auth is None:
        auth = (setup.backend["ClientId"], setup.backend["ClientSecret"])
    form.setdefault("grant_type", GRANT)
    return requests.post(setup.token_endpoint, data=form, auth=auth, timeout=10)


def test_token_endpoint_answers_and_errors(setup):
    subject = setup.tokens["AccessToken"]
    actor = setup.pool.login(setup.pool.create_user())["IdToken"]
    ok = post_token(setup, auth=False, client_id=setup.backend["ClientId"],
                    client_secret=setup.backend["ClientSecret"], subject_token=subject,
                    subject_token_type=URN_ACCESS, actor_token=actor, actor_token_type=URN_ID,
                    requested_token_type=URN_ID, audience="reports")
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["issued_token_type"] == URN_ID and body["token_type"] == "N_A"
    claims = setup.claims(body["access_token"])
    assert claims["token_use"] == "id" and claims["aud"] == "reports"
    assert claims["act"] == {"sub": setup.claims(actor)["sub"]}
    cases = [
        (dict(subject_token=subject, subject_token_type=URN_ACCESS, resource="https://nope"), 400, "invalid_target"),
        (dict(subject_token=subject, subject_token_type=URN_ACCESS, scope=WRITE), 400, "invalid_scope"),
        (dict(subject_token=subject, subject_token_type=URN_SAML2), 400, "invalid_request"),
        (dict(subject_token=subject), 400, "invalid_request"),
        (dict(subject_token=subject, subject_token_type=URN_ACCESS, audience="a", resource=API), 400,
         "invalid_request"),
    ]
    for form, status, error in cases:
        r = post_token(setup, **form)
        assert (r.status_code, r.json()["error"]) == (status, error), (form, r.text)
    wrong = post_token(setup, auth=(setup.backend["ClientId"], "wrong"), subject_token=subject,
                       subject_token_type=URN_ACCESS)
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    public = setup.pool.add_client(ExplicitAuthFlows=USER_FLOWS)
    r = post_token(setup, auth=False, client_id=public["ClientId"], subject_token=subject,
                   subject_token_type=URN_ACCESS)
    assert (r.status_code, r.json()["error"]) == (400, "unauthorized_client"), r.text
    exchanger = setup.pool.add_client(ExplicitAuthFlows=["ALLOW_TOKEN_EXCHANGE_IMPERSONATION"],
                                      ClientName=uniq("public-exchanger"))
    r = post_token(setup, auth=False, client_id=exchanger["ClientId"], subject_token=subject,
                   subject_token_type=URN_ACCESS)
    assert r.status_code == 200 and r.json()["scope"] == "", r.text
