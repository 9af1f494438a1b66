"""The authorization server's management API: resource servers, domains, UI customization,
managed login branding, session configuration, app-client OAuth rules and GetClientToken."""

import base64
import json
import urllib.request

import jwt
import pytest
from botocore.exceptions import ClientError

from helpers import error_code, error_message, missing_pool_id, uniq

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def raises(code, fn, *args, contains=None, **kwargs):
    with pytest.raises(ClientError) as info:
        fn(*args, **kwargs)
    assert error_code(info.value) == code, info.value.response["Error"]
    if contains:
        assert contains in error_message(info.value), error_message(info.value)
    return info.value


def scopes(*names):
    return [{"ScopeName": n, "ScopeDescription": f"{n} things"} for n in names]


@pytest.fixture
def domains(idp):
    """domains(pool, name, **kwargs): CreateUserPoolDomain, deleted again at teardown (a pool
    with a domain cannot be deleted)."""
    created = []

    def _make(pool_id, name, **kwargs):
        out = idp.create_user_pool_domain(UserPoolId=pool_id, Domain=name, **kwargs)
        created.append((pool_id, name))
        return out

    yield _make
    for pool_id, name in created:
        try:
            idp.delete_user_pool_domain(UserPoolId=pool_id, Domain=name)
        except ClientError:
            pass


# --- resource servers -------------------------------------------------------------------


def test_resource_server_crud(idp, pool):
    created = idp.create_resource_server(
        UserPoolId=pool, Identifier="https://api.example.com", Name="api", Scopes=scopes("read", "write")
    )["ResourceServer"]
    assert created == {
        "UserPoolId": pool, "Identifier": "https://api.example.com", "Name": "api", "Scopes": scopes("read", "write"),
    }
    described = idp.describe_resource_server(UserPoolId=pool, Identifier="https://api.example.com")["ResourceServer"]
    assert described == created
    updated = idp.update_resource_server(
        UserPoolId=pool, Identifier="https://api.example.com", Name="api2", Scopes=scopes("admin")
    )["ResourceServer"]
    assert updated["Name"] == "api2" and updated["Scopes"] == scopes("admin")
    # Update replaces the scope list: none given means none.
    cleared = idp.update_resource_server(UserPoolId=pool, Identifier="https://api.example.com", Name="api3")
    assert cleared["ResourceServer"]["Scopes"] == []
    idp.delete_resource_server(UserPoolId=pool, Identifier="https://api.example.com")
    raises("ResourceNotFoundException", idp.describe_resource_server, UserPoolId=pool, Identifier="https://api.example.com")
    raises("ResourceNotFoundException", idp.delete_resource_server, UserPoolId=pool, Identifier="https://api.example.com")
    raises("ResourceNotFoundException", idp.update_resource_server, UserPoolId=pool, Identifier="nope", Name="x")


def test_resource_server_rules(idp, pool, make_pool):
    idp.create_resource_server(UserPoolId=pool, Identifier="orders", Name="orders")
    raises("InvalidParameterException", idp.create_resource_server, UserPoolId=pool, Identifier="orders", Name="x",
           contains="already exists")
    # Identifiers are unique per pool, not globally.
    other = make_pool()["Id"]
    idp.create_resource_server(UserPoolId=other, Identifier="orders", Name="orders")
    raises("InvalidParameterException", idp.create_resource_server, UserPoolId=pool, Identifier="dup", Name="x",
           Scopes=scopes("read", "read"))
    # Scope names: the model's pattern (no '/'), at most 100 per server.
    raises("InvalidParameterException", idp.create_resource_server, UserPoolId=pool, Identifier="bad", Name="x",
           Scopes=scopes("a/b"))
    raises("InvalidParameterException", idp.create_resource_server, UserPoolId=pool, Identifier="many", Name="x",
           Scopes=scopes(*[f"s{i}" for i in range(101)]))
    full = idp.create_resource_server(UserPoolId=pool, Identifier="full", Name="x",
                                      Scopes=scopes(*[f"s{i}" for i in range(100)]))
    assert len(full["ResourceServer"]["Scopes"]) == 100
    missing = missing_pool_id()
    raises("ResourceNotFoundException", idp.create_resource_server, UserPoolId=missing, Identifier="a", Name="a")
    raises("ResourceNotFoundException", idp.list_resource_servers, UserPoolId=missing, MaxResults=10)


def test_list_resource_servers_pages(idp, pool):
    names = [f"https://rs{i}.example.com" for i in range(7)]
    for name in names:
        idp.create_resource_server(UserPoolId=pool, Identifier=name, Name="rs")
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"NextToken": token} if token else {}
        page = idp.list_resource_servers(UserPoolId=pool, MaxResults=3, **kwargs)
        assert len(page["ResourceServers"]) <= 3
        seen += [r["Identifier"] for r in page["ResourceServers"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert seen == sorted(names) and pages == 3
    paginated = [r["Identifier"] for p in idp.get_paginator("list_resource_servers").paginate(
        UserPoolId=pool, PaginationConfig={"PageSize": 2}) for r in p["ResourceServers"]]
    assert paginated == sorted(names)


# --- app client OAuth settings --------------------------------------------------------------


def test_client_scopes_must_exist(idp, pool, make_app_client):
    idp.create_resource_server(UserPoolId=pool, Identifier="https://api.example.com/v1", Name="api",
                               Scopes=scopes("read"))
    oauth = dict(AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"],
                 CallbackURLs=["https://app.example.com/cb"])
    client = make_app_client(pool, AllowedOAuthScopes=["openid", "https://api.example.com/v1/read"], **oauth)
    assert "https://api.example.com/v1/read" in client["AllowedOAuthScopes"]
    for bad in ["https://api.example.com/v1/write", "https://other/read", "Cognito"]:
        raises("ScopeDoesNotExistException", idp.create_user_pool_client, UserPoolId=pool, ClientName="c",
               AllowedOAuthScopes=[bad], contains=f"Invalid scope requested: {bad}", **oauth)
        raises("ScopeDoesNotExistException", idp.update_user_pool_client, UserPoolId=pool,
               ClientId=client["ClientId"], AllowedOAuthScopes=[bad], **oauth)


def test_client_oauth_flow_rules(idp, pool, make_app_client):
    raises("InvalidOAuthFlowException", idp.create_user_pool_client, UserPoolId=pool, ClientName="c",
           GenerateSecret=True, AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["client_credentials", "code"],
           AllowedOAuthScopes=["openid"], CallbackURLs=["https://a.example.com/cb"])
    raises("InvalidOAuthFlowException", idp.create_user_pool_client, UserPoolId=pool, ClientName="c",
           AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid"],
           contains="CallbackUrls can not be empty")
    raises("InvalidParameterException", idp.create_user_pool_client, UserPoolId=pool, ClientName="c",
           AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"], CallbackURLs=["https://a.example.com/cb"],
           contains="AllowedOAuthFlows and AllowedOAuthScopes are required")
    raises("InvalidParameterException", idp.create_user_pool_client, UserPoolId=pool, ClientName="c",
           AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid"], CallbackURLs=["https://a.example.com/cb"])
    oauth = dict(AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid"])
    for url in ["http://app.example.com/cb", "https://app.example.com/cb#frag", "/relative"]:
        raises("InvalidParameterException", idp.create_user_pool_client, UserPoolId=pool, ClientName="c",
               CallbackURLs=[url], **oauth)
    raises("InvalidParameterException", idp.create_user_pool_client, UserPoolId=pool, ClientName="c",
           CallbackURLs=["https://a.example.com/cb"], DefaultRedirectURI="https://b.example.com/cb", **oauth)
    ok = make_app_client(pool, CallbackURLs=["myapp://cb", "http://localhost:3000/cb", "http://127.0.0.1/cb",
                                             "http://[::1]:8080/cb"], LogoutURLs=["https://a.example.com/out"],
                         DefaultRedirectURI="myapp://cb", **oauth)
    assert ok["DefaultRedirectURI"] == "myapp://cb"


# --- domains ----------------------------------------------------------------------------------


def test_prefix_domain_lifecycle(idp, make_pool, domains):
    pool = make_pool()["Id"]
    prefix = uniq("login").lower().replace("_", "-")
    created = domains(pool, prefix)
    assert created["ManagedLoginVersion"] == 1 and created["CloudFrontDomain"]
    d = idp.describe_user_pool_domain(Domain=prefix)["DomainDescription"]
    assert d["UserPoolId"] == pool and d["Domain"] == prefix and d["Status"] == "ACTIVE"
    assert d["ManagedLoginVersion"] == 1 and d["AWSAccountId"] and d["Version"] and d["CloudFrontDistribution"]
    assert "S3Bucket" not in d and "CustomDomainConfig" not in d
    assert idp.describe_user_pool(UserPoolId=pool)["UserPool"]["Domain"] == prefix
    # A pool with a domain cannot be deleted.
    raises("InvalidParameterException", idp.delete_user_pool, UserPoolId=pool, contains="domain")
    updated = idp.update_user_pool_domain(UserPoolId=pool, Domain=prefix, ManagedLoginVersion=2)
    assert updated["ManagedLoginVersion"] == 2
    assert idp.describe_user_pool_domain(Domain=prefix)["DomainDescription"]["ManagedLoginVersion"] == 2
    raises("InvalidParameterException", idp.update_user_pool_domain, UserPoolId=pool, Domain=prefix,
           ManagedLoginVersion=3)
    idp.delete_user_pool_domain(UserPoolId=pool, Domain=prefix)
    assert idp.describe_user_pool_domain(Domain=prefix) ["DomainDescription"] == {}
    assert "Domain" not in idp.describe_user_pool(UserPoolId=pool)["UserPool"]
    raises("ResourceNotFoundException", idp.delete_user_pool_domain, UserPoolId=pool, Domain=prefix)
    idp.delete_user_pool(UserPoolId=pool)


def test_domain_rules(idp, make_pool, domains):
    a, b = make_pool()["Id"], make_pool()["Id"]
    prefix = uniq("shared").lower().replace("_", "-")
    domains(a, prefix)
    raises("InvalidParameterException", idp.create_user_pool_domain, UserPoolId=b, Domain=prefix,
           contains="Domain already associated with another user pool.")
    raises("InvalidParameterException", idp.create_user_pool_domain, UserPoolId=a, Domain=prefix + "-second",
           contains="already has a domain")
    for word in ["my-aws-login", "amazon-x", "xcognitox"]:
        raises("InvalidParameterException", idp.create_user_pool_domain, UserPoolId=b, Domain=word,
               contains="reserved word")
    raises("InvalidParameterException", idp.create_user_pool_domain, UserPoolId=b, Domain="Upper-Case")
    raises("InvalidParameterException", idp.create_user_pool_domain, UserPoolId=b, Domain=prefix + "-v",
           ManagedLoginVersion=7)
    raises("ResourceNotFoundException", idp.create_user_pool_domain, UserPoolId=missing_pool_id(), Domain="x-free")
    # Only the owning pool can change or delete it.
    raises("ResourceNotFoundException", idp.delete_user_pool_domain, UserPoolId=b, Domain=prefix)
    raises("ResourceNotFoundException", idp.update_user_pool_domain, UserPoolId=b, Domain=prefix,
           ManagedLoginVersion=2)
    assert idp.describe_user_pool_domain(Domain="no-such-domain-here")["DomainDescription"] == {}


def test_custom_domain(idp, make_pool, domains):
    pool = make_pool()["Id"]
    host = uniq("auth").lower().replace("_", "-") + ".example.com"
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
    prefix = uniq("pfx").lower().replace("_", "-")
    domains(pool, prefix)
    created = domains(pool, host, CustomDomainConfig={"CertificateArn": arn}, ManagedLoginVersion=2)
    assert created["CloudFrontDomain"] == host and created["ManagedLoginVersion"] == 2
    d = idp.describe_user_pool_domain(Domain=host)["DomainDescription"]
    assert d["CustomDomainConfig"] == {"CertificateArn": arn} and d["CloudFrontDistribution"] == host
    described = idp.describe_user_pool(UserPoolId=pool)["UserPool"]
    assert described["Domain"] == prefix and described["CustomDomain"] == host
    new_arn = arn.replace("1111", "9999")
    idp.update_user_pool_domain(UserPoolId=pool, Domain=host, CustomDomainConfig={"CertificateArn": new_arn})
    assert idp.describe_user_pool_domain(Domain=host)["DomainDescription"]["CustomDomainConfig"]["CertificateArn"] == new_arn
    raises("InvalidParameterException", idp.update_user_pool_domain, UserPoolId=pool, Domain=prefix,
           CustomDomainConfig={"CertificateArn": arn})
    other = host.replace(".example.com", "2.example.com")
    raises("InvalidParameterException", idp.create_user_pool_domain, UserPoolId=pool, Domain=other,
           CustomDomainConfig={"CertificateArn": arn}, contains="already has a domain")


def test_domain_suffix_names_the_served_host(server_factory, tmp_path):
    from helpers import make_client
    srv = server_factory(tmp_path / "data", extra_args=["--hosted-ui-domain-suffix", "Auth.Example.Test"])
    idp = make_client(srv.url)
    pool = idp.create_user_pool(PoolName=uniq("sfx"))["UserPool"]["Id"]
    prefix = uniq("sfx").lower().replace("_", "-")
    assert idp.create_user_pool_domain(UserPoolId=pool, Domain=prefix)["CloudFrontDomain"] == f"{prefix}.auth.example.test"
    d = idp.describe_user_pool_domain(Domain=prefix)["DomainDescription"]
    assert d["CloudFrontDistribution"] == f"{prefix}.auth.example.test"
    idp.delete_user_pool_domain(UserPoolId=pool, Domain=prefix)
    idp.delete_user_pool(UserPoolId=pool)


# --- UI customization -----------------------------------------------------------------------


def test_ui_customization_pool_and_client(idp, url, pool, make_app_client):
    client = make_app_client(pool)["ClientId"]
    empty = idp.get_ui_customization(UserPoolId=pool)["UICustomization"]
    assert empty["UserPoolId"] == pool and "CSS" not in empty
    css = ".label-customizable { font-weight: 400; }\n.submitButton-customizable:hover { color: #fff }"
    pool_wide = idp.set_ui_customization(UserPoolId=pool, CSS=css, ImageFile=PNG)["UICustomization"]
    assert pool_wide["ClientId"] == "ALL" and pool_wide["CSS"] == css and pool_wide["CSSVersion"]
    assert pool_wide["ImageUrl"] == f"{url}/{pool}/ui/logo/ALL"
    # A client without its own customization gets the pool's; its own wins.
    assert idp.get_ui_customization(UserPoolId=pool, ClientId=client)["UICustomization"]["CSS"] == css
    own = ".banner-customizable { background-color: black }"
    idp.set_ui_customization(UserPoolId=pool, ClientId=client, CSS=own)
    got = idp.get_ui_customization(UserPoolId=pool, ClientId=client)["UICustomization"]
    assert got["CSS"] == own and got["ClientId"] == client and "ImageUrl" not in got
    assert idp.get_ui_customization(UserPoolId=pool, ClientId="ALL")["UICustomization"]["CSS"] == css
    raises("ResourceNotFoundException", idp.get_ui_customization, UserPoolId=pool, ClientId="nosuchclient")
    raises("ResourceNotFoundException", idp.set_ui_customization, UserPoolId=missing_pool_id(), CSS=css)


@pytest.mark.parametrize("css", [
    "body { color: red }",
    ".label-customizable { color: red }  .notACustomClass { color: blue }",
    "@import url('https://evil.example/x.css');",
    ".background-customizable { background-image: url(https://evil.example/a.png) }",
    ".label-customizable { width: expression(alert(1)) }",
    ".label-customizable { color: red } </style><script>alert(1)</script>",
    ".label-customizable { color: red",
])
def test_ui_customization_refuses_css(idp, pool, css):
    raises("InvalidParameterException", idp.set_ui_customization, UserPoolId=pool, CSS=css)


def test_ui_customization_image_rules(idp, pool):
    raises("InvalidParameterException", idp.set_ui_customization, UserPoolId=pool, ImageFile=b"GIF89a....")
    raises("InvalidParameterException", idp.set_ui_customization, UserPoolId=pool,
           ImageFile=PNG + b"\0" * (100 * 1024))
    data_url = ".background-customizable { background: url(data:image/png;base64,AAAA) }"
    assert idp.set_ui_customization(UserPoolId=pool, CSS=data_url)["UICustomization"]["CSS"] == data_url


# --- managed login branding -----------------------------------------------------------------


def test_managed_login_branding_lifecycle(idp, pool, make_app_client):
    client = make_app_client(pool)["ClientId"]
    settings = {"categories": {"global": {"colorSchemeMode": "DARK"}}}
    asset = {"Category": "PAGE_HEADER_LOGO", "ColorMode": "LIGHT", "Extension": "PNG", "Bytes": PNG}
    created = idp.create_managed_login_branding(UserPoolId=pool, ClientId=client, Settings=settings,
                                                Assets=[asset])["ManagedLoginBranding"]
    bid = created["ManagedLoginBrandingId"]
    assert created["UserPoolId"] == pool and created["Settings"] == settings
    assert created["UseCognitoProvidedValues"] is False and created["Assets"][0]["Bytes"] == PNG
    raises("ManagedLoginBrandingExistsException", idp.create_managed_login_branding, UserPoolId=pool, ClientId=client,
           UseCognitoProvidedValues=True)
    by_id = idp.describe_managed_login_branding(UserPoolId=pool, ManagedLoginBrandingId=bid)["ManagedLoginBranding"]
    by_client = idp.describe_managed_login_branding_by_client(UserPoolId=pool, ClientId=client)["ManagedLoginBranding"]
    assert by_id == by_client and by_id["Settings"] == settings
    merged = idp.describe_managed_login_branding(UserPoolId=pool, ManagedLoginBrandingId=bid,
                                                 ReturnMergedResources=True)["ManagedLoginBranding"]["Settings"]
    assert merged["categories"]["global"]["colorSchemeMode"] == "DARK"
    assert "components" in merged and "form" in merged["categories"]
    updated = idp.update_managed_login_branding(UserPoolId=pool, ManagedLoginBrandingId=bid,
                                                UseCognitoProvidedValues=True)["ManagedLoginBranding"]
    assert updated["UseCognitoProvidedValues"] is True and "Settings" not in updated and updated.get("Assets", []) == []
    defaults = idp.describe_managed_login_branding_by_client(UserPoolId=pool, ClientId=client,
                                                             ReturnMergedResources=True)["ManagedLoginBranding"]
    assert defaults["Settings"]["categories"]["global"]["colorSchemeMode"] == "LIGHT"
    idp.delete_managed_login_branding(UserPoolId=pool, ManagedLoginBrandingId=bid)
    raises("ResourceNotFoundException", idp.describe_managed_login_branding, UserPoolId=pool,
           ManagedLoginBrandingId=bid)
    raises("ResourceNotFoundException", idp.delete_managed_login_branding, UserPoolId=pool, ManagedLoginBrandingId=bid)
    raises("ResourceNotFoundException", idp.describe_managed_login_branding_by_client, UserPoolId=pool,
           ClientId=client)


def test_managed_login_branding_rules(idp, pool, make_app_client):
    client = make_app_client(pool)["ClientId"]
    raises("InvalidParameterException", idp.create_managed_login_branding, UserPoolId=pool, ClientId=client,
           UseCognitoProvidedValues=True, Settings={"a": 1})
    raises("InvalidParameterException", idp.create_managed_login_branding, UserPoolId=pool, ClientId=client,
           Settings=[1, 2])
    asset = {"Category": "FAVICON_ICO", "ColorMode": "LIGHT", "Extension": "ICO"}
    raises("InvalidParameterException", idp.create_managed_login_branding, UserPoolId=pool, ClientId=client,
           Assets=[asset])
    raises("InvalidParameterException", idp.create_managed_login_branding, UserPoolId=pool, ClientId=client,
           Assets=[dict(asset, Bytes=b"x"), dict(asset, ResourceId="r1")])
    raises("ResourceNotFoundException", idp.create_managed_login_branding, UserPoolId=pool, ClientId="nosuchclient",
           UseCognitoProvidedValues=True)
    ok = idp.create_managed_login_branding(UserPoolId=pool, ClientId=client, UseCognitoProvidedValues=True)
    assert ok["ManagedLoginBranding"]["UseCognitoProvidedValues"] is True
    # Deleting the client deletes its style.
    idp.delete_user_pool_client(UserPoolId=pool, ClientId=client)
    raises("ResourceNotFoundException", idp.describe_managed_login_branding, UserPoolId=pool,
           ManagedLoginBrandingId=ok["ManagedLoginBranding"]["ManagedLoginBrandingId"])


# --- session configuration ------------------------------------------------------------------


def test_session_configuration(idp, pool, make_app_client):
    client = make_app_client(pool)["ClientId"]
    got = idp.get_user_pool_session_configuration(UserPoolId=pool)
    assert got["UserSessionTracking"] == "DISABLED" and got["TokenSession"] == {"MaxPerUser": 20}
    assert idp.get_user_pool_client_session_configuration(UserPoolId=pool, ClientId=client)["SSOSession"] == {
        "MaxValidityMinutes": 60}
    raises("InvalidParameterException", idp.set_user_pool_client_session_configuration, UserPoolId=pool,
           ClientId=client, SSOSession={"MaxValidityMinutes": 30})
    set_ = idp.set_user_pool_session_configuration(UserPoolId=pool, UserSessionTracking="ENABLED",
                                                   TokenSession={"MaxPerUser": 5})
    assert set_["UserSessionTracking"] == "ENABLED" and set_["TokenSession"] == {"MaxPerUser": 5}
    assert idp.get_user_pool_session_configuration(UserPoolId=pool)["TokenSession"] == {"MaxPerUser": 5}
    idp.set_user_pool_client_session_configuration(UserPoolId=pool, ClientId=client, SSOSession={"MaxValidityMinutes": 0})
    assert idp.get_user_pool_client_session_configuration(UserPoolId=pool, ClientId=client)["SSOSession"] == {
        "MaxValidityMinutes": 0}
    raises("InvalidParameterException", idp.set_user_pool_session_configuration, UserPoolId=pool,
           UserSessionTracking="ENABLED", TokenSession={"MaxPerUser": 101})
    raises("ResourceNotFoundException", idp.get_user_pool_session_configuration, UserPoolId=missing_pool_id())
    raises("ResourceNotFoundException", idp.get_user_pool_client_session_configuration, UserPoolId=pool,
           ClientId="nosuchclient")


# --- machine-to-machine -----------------------------------------------------------------------


def jwks_claims(url, pool, token):
    with urllib.request.urlopen(f"{url}/{pool}/.well-known/jwks.json") as resp:
        keys = {k["kid"]: k for k in json.load(resp)["keys"]}
    header = jwt.get_unverified_header(token)
    key = jwt.PyJWK(keys[header["kid"]]).key
    return jwt.decode(token, key, algorithms=["RS256"], options={"verify_aud": False, "verify_exp": False,
                                                                  "verify_iat": False})


def test_get_client_token(idp, url, pool, make_app_client):
    idp.create_resource_server(UserPoolId=pool, Identifier="https://api.example.com", Name="api",
                               Scopes=scopes("read", "write"))
    client = make_app_client(
        pool, GenerateSecret=True, AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=["https://api.example.com/read", "https://api.example.com/write"],
        AccessTokenValidity=30, TokenValidityUnits={"AccessToken": "minutes"},
    )
    cid, secret = client["ClientId"], client["ClientSecret"]
    result = idp.get_client_token(ClientId=cid, Secret=secret)["ClientAuthenticationResult"]
    assert result["TokenType"] == "Bearer" and result["ExpiresIn"] == 1800
    claims = jwks_claims(url, pool, result["AccessToken"])
    assert claims["sub"] == cid and claims["client_id"] == cid and claims["token_use"] == "access"
    assert set(claims["scope"].split()) == {"https://api.example.com/read", "https://api.example.com/write"}
    assert claims["exp"] - claims["iat"] == 1800 and claims["version"] == 2 and claims["jti"]
    assert claims["iss"] == f"{url}/{pool}" and "username" not in claims
    narrowed = idp.get_client_token(ClientId=cid, Secret=secret, Scopes=["https://api.example.com/read"])
    assert jwks_claims(url, pool, narrowed["ClientAuthenticationResult"]["AccessToken"])["scope"] == \
        "https://api.example.com/read"
    raises("InvalidParameterException", idp.get_client_token, ClientId=cid, Secret=secret,
           Scopes=["https://api.example.com/admin"], contains="Invalid scope requested")
    raises("NotAuthorizedException", idp.get_client_token, ClientId=cid, Secret="x" * 40)
    raises("NotAuthorizedException", idp.get_client_token, ClientId="nosuchclient1234", Secret="x" * 40)
    # A confidential client without the client_credentials flow is refused.
    code_client = make_app_client(pool, GenerateSecret=True, AllowedOAuthFlowsUserPoolClient=True,
                                  AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid"],
                                  CallbackURLs=["https://a.example.com/cb"])
    raises("InvalidParameterException", idp.get_client_token, ClientId=code_client["ClientId"],
           Secret=code_client["ClientSecret"], contains="client_credentials")
