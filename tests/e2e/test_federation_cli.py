"""The README's "## Federation" commands, run as written with the real AWS CLI (v1).

Each command below is the README's text, split into arguments as the shell splits it
(`shlex`, after the shell's line continuations are joined). The AWS CLI runs as the README's
tour runs it: no `--endpoint-url`, the endpoint from `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`,
the admin credentials from the environment. Only what cannot be reached from here is replaced:

- `"$POOL"` / `"$CLIENT"`: a fresh pool of the session server and an app client of it;
- the OIDC issuer `https://login.corp.example`: a real upstream, oidc-provider on loopback http
  (federation_fixtures.upstream_factory), which Cognate discovers the endpoints from;
- the SAML `MetadataURL=https://idp.corp.example/saml/metadata`: the metadata of a pysaml2 IdP
  served on loopback http (saml_idp.MetadataServer);
- `http://127.0.0.1:9229` in the curl command: the session server's URL.

The README's two blocks both name a provider `Corp` with the identifier `corp.example` (OIDC in the
first, SAML in the second), so each block gets its own pool. Results are read back with the CLI too
(`describe-identity-provider --output json`, `describe-user-pool-client --output json`).
`test_readme_still_shows_these_commands` keeps the copies here equal to the README.
"""

import json
import os
import shlex
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
import requests

from federation_fixtures import idp_response_url, query_of
from helpers import ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, REGION

try:
    import saml_idp
    from saml_idp import EMAIL_ATTRIBUTE, IDP_SSO_URL, NS, MetadataServer, SamlIdp, make_keys
except ImportError as exc:  # conftest.py turns this skip into a failure unless COGNATE_E2E_ALLOW_MISSING=1
    pytest.skip(f"could not import the SAML harness (No module named pysaml2/lxml?): {exc}",
                allow_module_level=True)

from lxml import etree

README = Path(__file__).resolve().parents[2] / "README.md"
ENDPOINT_VAR = "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"

# ---------------------------------------------------------------------------
# The README's commands, verbatim
# ---------------------------------------------------------------------------

README_GOOGLE = """\
aws cognito-idp create-identity-provider --user-pool-id "$POOL" \\
  --provider-name Google --provider-type Google \\
  --provider-details client_id=GOOGLE_CLIENT_ID,client_secret=GOOGLE_SECRET,authorize_scopes="openid email profile" \\
  --attribute-mapping email=email,name=name
"""

README_OIDC = """\
aws cognito-idp create-identity-provider --user-pool-id "$POOL" \\
  --provider-name Corp --provider-type OIDC --idp-identifiers corp.example \\
  --provider-details '{"client_id":"ID","client_secret":"SECRET","authorize_scopes":"openid email","oidc_issuer":"https://login.corp.example","attributes_request_method":"GET"}' \\
  --attribute-mapping email=email
"""

README_CLIENT = """\
aws cognito-idp update-user-pool-client --user-pool-id "$POOL" --client-id "$CLIENT" \\
  --allowed-o-auth-flows-user-pool-client --allowed-o-auth-flows code \\
  --allowed-o-auth-scopes openid email profile --callback-urls '["http://localhost:3000/callback"]' \\
  --supported-identity-providers COGNITO Google Corp
"""

README_SAML = """\
aws cognito-idp create-identity-provider --user-pool-id "$POOL" \\
  --provider-name Corp --provider-type SAML --idp-identifiers corp.example \\
  --provider-details MetadataURL=https://idp.corp.example/saml/metadata,RequestSigningAlgorithm=rsa-sha256 \\
  --attribute-mapping email=http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress
"""

README_CURL = """\
curl "http://127.0.0.1:9229/$POOL/saml2/metadata"   # load this into the IdP
"""

README_ISSUER = "https://login.corp.example"
README_METADATA_URL = "https://idp.corp.example/saml/metadata"
README_SERVER = "http://127.0.0.1:9229"
README_CALLBACK = "http://localhost:3000/callback"
SCHEMAS_EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"


def argv_of(command, replace):
    """The arguments the shell passes for `command` (README text) once each `old` of the dict
    `replace` is replaced by its `new` (every `old` must occur)."""
    text = command.replace("\\\n", " ")  # the shell's line continuation
    for old, new in replace.items():
        assert old in text, f"{old!r} not in {command!r}"
        text = text.replace(old, new)
    return shlex.split(text, comments=True)


def readme_env(url):
    """The environment the README's tour exports (and nothing else from AWS_*)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "AWS_ACCESS_KEY_ID": ADMIN_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": ADMIN_SECRET_ACCESS_KEY,
        "AWS_DEFAULT_REGION": REGION,
        ENDPOINT_VAR: url,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_PAGER": "",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_MAX_ATTEMPTS": "1",
    })
    return env


def run_aws(url, argv):
    """Runs `aws ...` (argv[0] == "aws") as the AWS CLI v1 of requirements.txt; parsed JSON output
    (None when empty). A failure fails the test with the command and the CLI's stderr."""
    assert argv[:2] == ["aws", "cognito-idp"], argv
    cmd = [sys.executable, "-m", "awscli", *argv[1:]]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=readme_env(url), timeout=120)
    assert proc.returncode == 0, (
        f"{shlex.join(argv)}\nexited {proc.returncode}:\n{proc.stderr}{proc.stdout}")
    return json.loads(proc.stdout) if proc.stdout.strip() else None


def describe_provider(url, pool_id, name):
    return run_aws(url, ["aws", "cognito-idp", "describe-identity-provider", "--user-pool-id", pool_id,
                         "--provider-name", name, "--output", "json"])["IdentityProvider"]


def pool_vars(pool_id, client_id=None):
    out = {'"$POOL"': pool_id}
    if client_id:
        out['"$CLIENT"'] = client_id
    return out


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def saml_keys(tmp_path_factory):
    problem = saml_idp.xmlsec_problem()
    if problem:  # a missing dependency fails the suite (conftest.py), unless the developer allows it
        if os.environ.get("COGNATE_E2E_ALLOW_MISSING") == "1":
            pytest.skip(problem)
        pytest.fail(problem)
    return make_keys(tmp_path_factory.mktemp("saml-cli-keys"))


@pytest.fixture
def metadata_server(saml_keys):
    """(SamlIdp, MetadataServer serving its metadata on loopback http)."""
    saml = SamlIdp(saml_keys)
    served = MetadataServer(saml.metadata())
    yield saml, served
    served.stop()


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------


def test_readme_still_shows_these_commands():
    section = README.read_text().split("## Federation", 1)[1].split("\n## ", 1)[0]
    for command in (README_GOOGLE, README_OIDC, README_CLIENT, README_SAML, README_CURL):
        assert command in section, f"the README's Federation section no longer reads:\n{command}"


def test_readme_google_oidc_and_app_client(url, make_pool, make_app_client, social_stand_ins, upstream_factory):
    pool_id = make_pool()["Id"]
    client_id = make_app_client(pool_id)["ClientId"]

    # Google
    created = run_aws(url, argv_of(README_GOOGLE, replace=pool_vars(pool_id)))["IdentityProvider"]
    assert created["ProviderName"] == "Google" and created["ProviderType"] == "Google", created
    google = describe_provider(url, pool_id, "Google")
    details = google["ProviderDetails"]
    assert google["ProviderType"] == "Google" and google["UserPoolId"] == pool_id, google
    assert details["client_id"] == "GOOGLE_CLIENT_ID", details
    assert details["client_secret"] == "GOOGLE_SECRET", details
    assert details["authorize_scopes"] == "openid email profile", details  # the value with spaces, whole
    # Filled in by Cognate: Google's endpoints (the session server points Google at its stand-in).
    stand_in = social_stand_ins.endpoints()["Google"]
    assert details["authorize_url"] == stand_in["authorization_endpoint"], details
    assert details["token_url"] == stand_in["token_endpoint"], details
    assert details["attributes_url"] == stand_in["userinfo_endpoint"], details
    assert details["oidc_issuer"] == stand_in["issuer"], details
    assert details["jwks_uri"] == stand_in["jwks_uri"], details
    assert details["token_request_method"] == "POST", details
    assert "attributes_url_add_attributes" in details, details
    mapping = google["AttributeMapping"]
    assert mapping["email"] == "email" and mapping["name"] == "name", mapping
    assert set(mapping) <= {"email", "name", "username"}, mapping

    # any OpenID Connect provider: a real one on loopback, with the README's client ID / SECRET
    upstream = upstream_factory([{"client_id": "ID", "client_secret": "SECRET",
                                  "redirect_uris": [idp_response_url(url, pool_id)],
                                  "token_endpoint_auth_method": "client_secret_post"}])
    replace = {**pool_vars(pool_id), README_ISSUER: upstream.issuer}
    created = run_aws(url, argv_of(README_OIDC, replace=replace))["IdentityProvider"]
    assert created["ProviderName"] == "Corp" and created["ProviderType"] == "OIDC", created
    corp = describe_provider(url, pool_id, "Corp")
    details = corp["ProviderDetails"]
    assert corp["ProviderType"] == "OIDC", corp
    assert corp["IdpIdentifiers"] == ["corp.example"], corp
    assert corp["AttributeMapping"].get("email") == "email", corp
    assert set(corp["AttributeMapping"]) <= {"email", "username"}, corp
    assert details["client_id"] == "ID" and details["client_secret"] == "SECRET", details
    assert details["authorize_scopes"] == "openid email", details
    assert details["oidc_issuer"] == upstream.issuer, details
    assert details["attributes_request_method"] == "GET", details
    # discovered from the issuer
    meta = upstream.meta
    assert details["authorize_url"] == meta["authorization_endpoint"], details
    assert details["token_url"] == meta["token_endpoint"], details
    assert details["attributes_url"] == meta["userinfo_endpoint"], details
    assert details["jwks_uri"] == meta["jwks_uri"], details

    # the app client
    updated = run_aws(url, argv_of(README_CLIENT, replace=pool_vars(pool_id, client_id)))["UserPoolClient"]
    assert updated["ClientId"] == client_id, updated
    client = run_aws(url, ["aws", "cognito-idp", "describe-user-pool-client", "--user-pool-id", pool_id,
                           "--client-id", client_id, "--output", "json"])["UserPoolClient"]
    assert client["SupportedIdentityProviders"] == ["COGNITO", "Google", "Corp"], client
    assert client["AllowedOAuthFlowsUserPoolClient"] is True, client
    assert client["AllowedOAuthFlows"] == ["code"], client
    assert set(client["AllowedOAuthScopes"]) == {"openid", "email", "profile"}, client
    assert client["CallbackURLs"] == [README_CALLBACK], client

    # ... and what the README says it is for: identity_provider= / idp_identifier= go straight there.
    authorize = f"{url}/{pool_id}/oauth2/authorize"
    base = {"response_type": "code", "client_id": client_id, "redirect_uri": README_CALLBACK,
            "scope": "openid email", "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256"}
    for extra, endpoint in (({"identity_provider": "Google"}, stand_in["authorization_endpoint"]),
                            ({"identity_provider": "Corp"}, meta["authorization_endpoint"]),
                            ({"idp_identifier": "corp.example"}, meta["authorization_endpoint"])):
        r = requests.get(authorize, params={**base, **extra}, allow_redirects=False, timeout=10)
        assert r.status_code == 302, (extra, r.status_code, r.text[:500])
        location = r.headers["Location"]
        assert location.split("?", 1)[0] == endpoint, (extra, location)
        assert query_of(location)["redirect_uri"] == idp_response_url(url, pool_id), location


def test_readme_saml_provider_and_sp_metadata(url, make_pool, metadata_server):
    saml, served = metadata_server
    pool_id = make_pool()["Id"]

    replace = {**pool_vars(pool_id), README_METADATA_URL: served.url}
    created = run_aws(url, argv_of(README_SAML, replace=replace))["IdentityProvider"]
    assert created["ProviderName"] == "Corp" and created["ProviderType"] == "SAML", created
    assert served.hits >= 1, "Cognate did not fetch MetadataURL"

    corp = describe_provider(url, pool_id, "Corp")
    details = corp["ProviderDetails"]
    assert corp["ProviderType"] == "SAML", corp
    assert corp["IdpIdentifiers"] == ["corp.example"], corp
    assert details["MetadataURL"] == served.url, details
    assert details["RequestSigningAlgorithm"] == "rsa-sha256", details
    assert details["SSORedirectBindingURI"] == IDP_SSO_URL, details  # read from the IdP's metadata
    # the mapping's value is the claim URI, intact (not cut at ':' or '/' by the CLI or the server)
    assert corp["AttributeMapping"]["email"] == SCHEMAS_EMAIL == EMAIL_ATTRIBUTE, corp
    assert set(corp["AttributeMapping"]) <= {"email", "username"}, corp

    # curl "http://127.0.0.1:9229/$POOL/saml2/metadata"
    argv = argv_of(README_CURL, replace={README_SERVER: url, "$POOL": pool_id})
    assert argv == ["curl", f"{url}/{pool_id}/saml2/metadata"], argv
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    r = requests.get(argv[1], timeout=10)
    assert r.status_code == 200, (r.status_code, r.text[:500])
    assert "xml" in r.headers.get("Content-Type", ""), r.headers
    root = etree.fromstring(proc.stdout.encode())
    assert root.tag == f"{{{NS['md']}}}EntityDescriptor", root.tag
    assert root.get("entityID") == f"urn:amazon:cognito:sp:{pool_id}", root.get("entityID")
    assert root.find("md:SPSSODescriptor", NS) is not None, proc.stdout[:500]

    # "load this into the IdP": pysaml2 accepts it, with the ACS at {hosted UI}/saml2/idpresponse.
    sp = saml.load_sp_metadata(proc.stdout)
    assert sp["entity_id"] == f"urn:amazon:cognito:sp:{pool_id}", sp
    assert sp["acs_url"] == f"{url}/{pool_id}/saml2/idpresponse", sp
    assert sp["signing_certs"], sp
