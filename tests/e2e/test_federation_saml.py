"""Federation through a SAML 2.0 identity provider (Cognito's SAML providers), driven end to end.

The IdP is `saml_idp.SamlIdp` (pysaml2 + xmlsec1), with keys generated at run time. It never
listens for the browser: the tests read Cognate's HTTP-Redirect to its SSO URL, decode (and,
when signed, verify) the AuthnRequest, and post the IdP's answer to the pool's ACS
(`{server}/{poolId}/saml2/idpresponse`) with the same `requests` session, as a browser's
auto-submitting form would. Only MetadataURL is served, over loopback http (`MetadataServer`).
`FederatedBrowser` (federation_fixtures.py) opens authorize with PKCE and exchanges the code with
authlib. Every test has its own pool (and its own IdP object), so tests are independent.

Single logout (IDPSignout) runs the same way: the tests read Cognate's redirect from /logout to
the IdP's SLO URL, verify the signed LogoutRequest, and carry the IdP's signed LogoutResponse
(HTTP-Redirect) back to `{server}/{poolId}/saml2/logout`.

The `test_harness_*` tests need no Cognate: they prove the harness against pysaml2's own SP
(genuine responses accepted; each forgery refused, or for the wrapping attacks, built as
intended), so a refusal by Cognate in the tests below means what its name says.
"""

import base64
import json
import os
import urllib.parse
import zlib

import pytest
import requests

try:
    import saml_idp
    from saml_idp import (
        EMAIL_ATTRIBUTE,
        EVIL_NAME_ID,
        FORGERIES,
        IDP_ENTITY_ID,
        IDP_SSO_URL,
        LOGOUT_FORGERIES,
        NAME_ATTRIBUTE,
        NS,
        MetadataServer,
        RequestSignatureError,
        SamlIdp,
        cert_der,
        decode_response,
        make_keys,
        parse_sp_metadata,
    )
except ImportError as exc:  # conftest.py turns this skip into a failure unless COGNATE_E2E_ALLOW_MISSING=1
    pytest.skip(f"could not import the SAML harness (No module named pysaml2/lxml?): {exc}",
                allow_module_level=True)

from federation_fixtures import CB, FederatedBrowser, query_of, without_query
from helpers import attrs, error_message, expect_client_error, uniq

PROVIDER = "MySAML"
APP_SCOPES = ["openid", "email"]
CLIENT_SCOPES = ["openid", "email", "profile", "aws.cognito.signin.user.admin"]
MAPPING = {"email": EMAIL_ATTRIBUTE}
SIG_RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
BINDING_HTTP_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
BINDING_COOKIE = "cognate_federation"
SESSION_COOKIE = "cognate_session"
SIGNED_OUT = "http://localhost:8123/signed-out"  # the app clients' LogoutURLs


@pytest.fixture(scope="session")
def saml_keys(tmp_path_factory):
    """IdP, impostor and (self-test) SP key pairs, generated for this run."""
    problem = saml_idp.xmlsec_problem()
    if problem:  # a missing dependency fails the suite (conftest.py), unless the developer allows it
        if os.environ.get("COGNATE_E2E_ALLOW_MISSING") == "1":
            pytest.skip(problem)
        pytest.fail(problem)
    return make_keys(tmp_path_factory.mktemp("saml-keys"))


def sp_entity_id(pool_id):
    return f"urn:amazon:cognito:sp:{pool_id}"


def acs_url(server_url, pool_id):
    return f"{server_url}/{pool_id}/saml2/idpresponse"


def sp_metadata_url(server_url, pool_id):
    return f"{server_url}/{pool_id}/saml2/metadata"


def fresh_user():
    """(NameID, email attribute): different values, so the mapped email proves the mapping."""
    local = uniq("alice").lower()
    return f"{local}@corp.test", f"{local}.mail@corp.test"


def assert_refused(response):
    """Cognate's HTML error page: 400, and no redirect (so no code) at all."""
    assert response.status_code == 400, (response.status_code, response.headers.get("Location"), response.text[:500])
    assert "text/html" in response.headers.get("Content-Type", ""), response.headers
    location = response.headers.get("Location", "")
    assert "code=" not in location, location


# ---------------------------------------------------------------------------
# Set-up helpers
# ---------------------------------------------------------------------------


class SamlFederation:
    """A pool with the SAML provider MySAML (a SamlIdp that trusts the pool's SP metadata) and an
    app client supporting COGNITO and MySAML."""

    def __init__(self, idp, url, pool_id, saml, client):
        self.idp = idp
        self.url = url
        self.pool_id = pool_id
        self.saml = saml
        self.client = client

    @property
    def acs(self):
        return acs_url(self.url, self.pool_id)

    @property
    def entity_id(self):
        return sp_entity_id(self.pool_id)

    def describe(self):
        return self.idp.describe_identity_provider(UserPoolId=self.pool_id, ProviderName=PROVIDER)["IdentityProvider"]

    def browser(self):
        return FederatedBrowser(self.url, self.pool_id, self.client, scopes=APP_SCOPES)

    def to_idp(self, browser):
        """Opens authorize with identity_provider=MySAML; checks the redirect to the IdP's SSO
        URL and the AuthnRequest; returns it (parse_redirect's dict)."""
        r = browser.start(PROVIDER)
        assert r.status_code == 302, (r.status_code, r.text[:500])
        location = r.headers["Location"]
        assert without_query(location) == IDP_SSO_URL, location
        q = query_of(location)
        assert q.get("SAMLRequest"), q
        assert q.get("RelayState"), q
        request = self.saml.parse_redirect(location)  # verifies the query signature when there is one
        assert request["issuer"] == self.entity_id, request
        assert request["acs_url"] == self.acs, request
        assert request["id"], request
        assert request["version"] == "2.0", request
        assert not request["embedded_signature"], request  # HTTP-Redirect signs the query, not the XML
        assert BINDING_COOKIE in browser.s.cookies.keys(), browser.s.cookies.keys()
        return request

    def post(self, session, form):
        """The browser's POST of the IdP's form to the ACS, and Cognate's answer. When the
        binding cookie did not come with the POST (a browser keeps SameSite=Lax cookies back on
        the IdP's cross-site POST), Cognate parks the response and sends the browser to a
        same-site GET of the ACS (303), which a browser follows: so does this."""
        r = session.post(self.acs, data=form, allow_redirects=False, timeout=10)
        if r.status_code == 303:
            location = r.headers["Location"]
            assert "/saml2/idpresponse?resume=" in location, location
            r = session.get(urllib.parse.urljoin(self.acs, location), allow_redirects=False, timeout=10)
        return r

    def sign_in(self, name_id, email, browser=None, saml=None, **respond):
        """(browser, request, form, Cognate's answer to the ACS) of an SP-initiated sign-in."""
        browser = browser or self.browser()
        request = self.to_idp(browser)
        form = (saml or self.saml).respond(request, name_id, {EMAIL_ATTRIBUTE: [email], NAME_ATTRIBUTE: ["Alice"]},
                                           **respond)
        return browser, request, form, self.post(browser.s, form)

    def idp_initiated_relay_state(self):
        return urllib.parse.urlencode({
            "response_type": "code", "client_id": self.client["ClientId"], "redirect_uri": CB,
            "identity_provider": PROVIDER, "scope": " ".join(APP_SCOPES)})

    def idp_initiated_form(self, name_id, email, **respond):
        return self.saml.respond(None, name_id, {EMAIL_ATTRIBUTE: [email]},
                                 relay_state=self.idp_initiated_relay_state(), **respond)

    def users(self):
        return self.idp.list_users(UserPoolId=self.pool_id)["Users"]


def fetch_sp_metadata(url, pool_id):
    r = requests.get(sp_metadata_url(url, pool_id), timeout=10)
    assert r.status_code == 200, (r.status_code, r.text[:500])
    assert "xml" in r.headers.get("Content-Type", ""), r.headers
    return r.text


def saml_app_client(idp, pool_id):
    return idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName=uniq("web"), AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"], AllowedOAuthScopes=CLIENT_SCOPES, CallbackURLs=[CB], LogoutURLs=[SIGNED_OUT],
        SupportedIdentityProviders=["COGNITO", PROVIDER])["UserPoolClient"]


def saml_federate(idp, url, pool_id, keys, details=None, metadata_url=None):
    """Pool `pool_id` gets the SAML provider MySAML (ProviderDetails: MetadataFile, or MetadataURL
    when `metadata_url`, plus `details`), the IdP loads the pool's SP metadata, and an app client
    supporting COGNITO and MySAML is made."""
    saml = SamlIdp(keys)
    source = {"MetadataURL": metadata_url} if metadata_url else {"MetadataFile": saml.metadata()}
    idp.create_identity_provider(UserPoolId=pool_id, ProviderName=PROVIDER, ProviderType="SAML",
                                 ProviderDetails={**source, **(details or {})}, AttributeMapping=MAPPING)
    saml.load_sp_metadata(fetch_sp_metadata(url, pool_id))
    return SamlFederation(idp, url, pool_id, saml, saml_app_client(idp, pool_id))


@pytest.fixture
def saml_fed(idp, url, make_pool, saml_keys):
    """saml_fed(**ProviderDetails extras) -> SamlFederation on a fresh pool."""

    def _make(**details):
        return saml_federate(idp, url, make_pool()["Id"], saml_keys, details)

    return _make


def assert_signed_in(fed, browser, response, name_id, email, nonce=True):
    """Cognate's 302 to the callback carries a code that authlib exchanges for tokens of
    MySAML_<NameID>, a SAML identity, the mapped email, and an EXTERNAL_PROVIDER user."""
    token = browser.tokens(response)
    username = f"{PROVIDER}_{name_id}"
    claims = browser.verify(token["id_token"], nonce=nonce)
    assert claims["token_use"] == "id"
    assert claims["cognito:username"] == username, claims
    assert claims["email"] == email, claims
    identities = claims["identities"]
    assert isinstance(identities, list) and len(identities) == 1, claims
    identity = identities[0]
    assert identity["providerName"] == PROVIDER, identity
    assert identity["providerType"] == "SAML", identity
    assert identity["userId"] == name_id, identity
    access = browser.verify(token["access_token"])
    assert access["token_use"] == "access" and access["username"] == username, access
    assert access["sub"] == claims["sub"]
    user = fed.idp.admin_get_user(UserPoolId=fed.pool_id, Username=username)
    assert user["UserStatus"] == "EXTERNAL_PROVIDER", user
    user_attrs = attrs(user)
    assert user_attrs["email"] == email, user_attrs
    assert user_attrs["sub"] == claims["sub"]
    stored = json.loads(user_attrs["identities"])
    assert [(i["providerName"], i["providerType"], i["userId"]) for i in stored] == [(PROVIDER, "SAML", name_id)]
    return claims


# ---------------------------------------------------------------------------
# The harness itself (no Cognate): pysaml2's SP as the referee
# ---------------------------------------------------------------------------


SELF_TEST_POOL = "us-east-1_HarnessSP"
SELF_TEST_ACS = f"http://127.0.0.1:9/{SELF_TEST_POOL}/saml2/idpresponse"


@pytest.fixture(scope="module")
def referee(saml_keys):
    """(SamlIdp that trusts a pysaml2 SP, the pysaml2 SP client) for the harness self-tests."""
    from saml2 import BINDING_HTTP_POST as POST
    from saml2.client import Saml2Client
    from saml2.config import SPConfig
    from saml2.metadata import create_metadata_string

    saml = SamlIdp(saml_keys)
    key, cert = str(saml_keys / "sp.key"), str(saml_keys / "sp.crt")
    config = SPConfig()
    config.load({
        "entityid": sp_entity_id(SELF_TEST_POOL),
        "xmlsec_binary": saml_idp.XMLSEC_BINARY,
        "key_file": key, "cert_file": cert,
        "encryption_keypairs": [{"key_file": key, "cert_file": cert}],
        "service": {"sp": {
            "endpoints": {"assertion_consumer_service": [(SELF_TEST_ACS, POST)]},
            "authn_requests_signed": True,
            "want_response_signed": False,
            "want_assertions_signed": False,
            "want_assertions_or_response_signed": True,
            "allow_unsolicited": False,
        }},
        "metadata": {"inline": [saml.metadata()]},
        "accepted_time_diff": 0,
        "allow_unknown_attributes": True,
        "delete_tmpfiles": True,
    })
    client = Saml2Client(config)
    sp_xml = create_metadata_string(None, config=config, valid=None)
    saml.load_sp_metadata(sp_xml.decode() if isinstance(sp_xml, bytes) else sp_xml)
    return saml, client


def referee_request(saml, client):
    """A signed HTTP-Redirect AuthnRequest from pysaml2's SP, parsed (and verified) by the harness."""
    from saml2 import BINDING_HTTP_REDIRECT

    request_id, info = client.prepare_for_authenticate(
        entityid=IDP_ENTITY_ID, relay_state="rs-0123456789", binding=BINDING_HTTP_REDIRECT,
        sigalg=SIG_RSA_SHA256)
    location = dict(info["headers"])["Location"]
    request = saml.parse_redirect(location)
    assert request["id"] == request_id and request["signed"] and request["sig_alg"] == SIG_RSA_SHA256
    return request, location


def referee_parse(client, form, request_id):
    """pysaml2's verdict; unsolicited responses are allowed only when `request_id` is None."""
    from saml2 import BINDING_HTTP_POST as POST

    client.allow_unsolicited = request_id is None
    outstanding = {request_id: "/"} if request_id else {}
    # conv_info turns on pysaml2's Recipient check (verify_recipient is lax without it).
    return client.parse_authn_request_response(form["SAMLResponse"], POST, outstanding=outstanding,
                                               conv_info={"entity_id": sp_entity_id(SELF_TEST_POOL)})


def test_harness_authn_request_signature_is_checked(referee):
    saml, client = referee
    request, location = referee_request(saml, client)
    assert request["issuer"] == sp_entity_id(SELF_TEST_POOL)
    assert request["relay_state"] == "rs-0123456789"
    q = query_of(location)
    tampered = location.replace("rs-0123456789", "rs-0123456780")
    with pytest.raises(RequestSignatureError):
        saml.parse_redirect(tampered)
    forged_sig = base64.b64encode(b"\x00" * 256).decode()
    with pytest.raises(RequestSignatureError):
        saml.parse_redirect(location.replace(urllib.parse.quote(q["Signature"], safe=""),
                                             urllib.parse.quote(forged_sig, safe="")))


@pytest.mark.parametrize("sign", ["assertion", "response", "both"])
@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_harness_genuine_responses_pass_pysaml2(referee, saml_keys, sign, encrypted):
    saml, client = referee
    request, _ = referee_request(saml, client)
    encrypt = (saml_keys / "sp.crt").read_text() if encrypted else None
    form = saml.respond(request, "alice@corp.test", {EMAIL_ATTRIBUTE: ["alice.mail@corp.test"]}, sign=sign,
                        encrypt_cert_pem=encrypt)
    assert form["RelayState"] == "rs-0123456789"
    xml = decode_response(form)
    assert ("EncryptedAssertion" in xml) == encrypted
    parsed = referee_parse(client, form, request["id"])
    assert parsed is not None
    assert parsed.name_id.text == "alice@corp.test"
    assert parsed.in_response_to == request["id"]
    assert list(parsed.ava.get(EMAIL_ATTRIBUTE, [])) == ["alice.mail@corp.test"], parsed.ava


def test_harness_idp_initiated_response_passes_pysaml2(referee):
    saml, client = referee
    form = saml.respond(None, "alice@corp.test", {EMAIL_ATTRIBUTE: ["alice.mail@corp.test"]}, relay_state="rs")
    assert "InResponseTo" not in decode_response(form)
    parsed = referee_parse(client, form, None)
    assert parsed.name_id.text == "alice@corp.test"
    assert parsed.assertion.subject.subject_confirmation[0].subject_confirmation_data.recipient == SELF_TEST_ACS


# What pysaml2 says about each forgery: the check named in the test, not some other failure.
REFEREE_VERDICTS = {
    "unsigned": "SigverError: Neither the response nor the assertions are signed",
    "wrong_key": "SignatureError: Failed to verify signature",
    "wrong_audience": "AudienceRestrictions conditions not satisfied",
    "wrong_recipient": "VerificationError: No valid recipient",
    "expired": "ResponseLifetimeExceed: Can't use response, too old",
    "wrong_in_response_to": "UnsolicitedResponse: Unsolicited response: _another_request",
}


@pytest.mark.parametrize("case", sorted(REFEREE_VERDICTS))
def test_harness_forgeries_fail_pysaml2(referee, case):
    saml, client = referee
    request, _ = referee_request(saml, client)
    user = ("alice@corp.test", {EMAIL_ATTRIBUTE: ["alice.mail@corp.test"]})
    if case == "unsigned":
        form = saml.respond(request, *user, sign="none")
    elif case == "wrong_key":
        form = saml.impostor().respond(request, *user)
    else:
        form = saml.respond(request, *user, forge=case)
    with pytest.raises(Exception) as refused:  # noqa: PT011  (pysaml2 raises a different class per check)
        referee_parse(client, form, request["id"])
    verdict = f"{type(refused.value).__name__}: {refused.value}"
    assert REFEREE_VERDICTS[case] in verdict, verdict


@pytest.mark.parametrize("forge", ["wrap_evil_first", "wrap_extensions"])
def test_harness_wrapping_attacks_are_built_as_intended(referee, saml_keys, tmp_path, forge):
    """The wrapped document still holds the genuine assertion, whose signature verifies by ID
    (xmlsec1 with the IdP certificate), and an unsigned assertion for admin@corp.test where an
    SP that reads "the first assertion" / "the assertion child" looks."""
    import subprocess
    from lxml import etree

    saml, client = referee
    request, _ = referee_request(saml, client)
    form = saml.respond(request, "alice@corp.test", {EMAIL_ATTRIBUTE: ["alice.mail@corp.test"]}, forge=forge)
    root = etree.fromstring(decode_response(form).encode())
    direct = root.findall("saml:Assertion", NS)  # the first one is what a naive SP reads
    assert direct[0].find("saml:Subject/saml:NameID", NS).text == EVIL_NAME_ID
    assert direct[0].find("ds:Signature", NS) is None
    signed = [a for a in root.iter(f"{{{NS['saml']}}}Assertion") if a.find("ds:Signature", NS) is not None]
    assert len(signed) == 1 and signed[0].find("saml:Subject/saml:NameID", NS).text == "alice@corp.test"
    if forge == "wrap_evil_first":
        assert len(direct) == 2 and direct[1] is signed[0]
    else:
        assert len(direct) == 1 and signed[0].getparent().tag == f"{{{NS['samlp']}}}Extensions"
    # The genuine signature still verifies in place (by ID), which is what makes this an attack.
    path = tmp_path / f"{forge}.xml"
    path.write_bytes(etree.tostring(root))
    done = subprocess.run([saml_idp.XMLSEC_BINARY, "--verify", "--pubkey-cert-pem", str(saml_keys / "idp.crt"),
                           "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
                           "--node-id", signed[0].get("ID"), str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    # pysaml2 itself must not hand out the attacker's NameID.
    try:
        parsed = referee_parse(client, form, request["id"])
    except Exception:  # noqa: BLE001
        return
    assert parsed is None or parsed.name_id.text != EVIL_NAME_ID


# ---------------------------------------------------------------------------
# Identity provider configuration
# ---------------------------------------------------------------------------


def test_saml_provider_configuration(idp, make_pool, saml_keys):
    pool_id = make_pool()["Id"]
    saml = SamlIdp(saml_keys)
    metadata = saml.metadata()
    details = {"MetadataFile": metadata, "IDPInit": "true", "EncryptedResponses": "true",
               "RequestSigningAlgorithm": "rsa-sha256", "IDPSignout": "false"}
    created = idp.create_identity_provider(UserPoolId=pool_id, ProviderName=PROVIDER, ProviderType="SAML",
                                           ProviderDetails=details, AttributeMapping=MAPPING)["IdentityProvider"]
    assert created["ProviderName"] == PROVIDER and created["ProviderType"] == "SAML"
    assert created["UserPoolId"] == pool_id

    described = idp.describe_identity_provider(UserPoolId=pool_id, ProviderName=PROVIDER)["IdentityProvider"]
    got = described["ProviderDetails"]
    for key, value in details.items():
        assert got.get(key) == value, (key, got.get(key))
    assert got["SSORedirectBindingURI"] == IDP_SSO_URL, got
    pem = got["ActiveEncryptionCertificate"]
    assert pem.startswith("-----BEGIN CERTIFICATE-----"), pem
    cert_der(pem)  # a parsable X.509 certificate
    assert described["AttributeMapping"] == MAPPING
    assert described["ProviderType"] == "SAML"
    assert "CreationDate" in described and "LastModifiedDate" in described

    # Without EncryptedResponses there is no encryption certificate to publish.
    idp.create_identity_provider(UserPoolId=pool_id, ProviderName="PlainSAML", ProviderType="SAML",
                                 ProviderDetails={"MetadataFile": metadata}, AttributeMapping=MAPPING)
    plain = idp.describe_identity_provider(UserPoolId=pool_id, ProviderName="PlainSAML")["IdentityProvider"]
    assert plain["ProviderDetails"]["SSORedirectBindingURI"] == IDP_SSO_URL, plain
    assert "ActiveEncryptionCertificate" not in plain["ProviderDetails"], plain

    listed = idp.list_identity_providers(UserPoolId=pool_id, MaxResults=60)["Providers"]
    assert sorted((p["ProviderName"], p["ProviderType"]) for p in listed) == [(PROVIDER, "SAML"), ("PlainSAML", "SAML")]
    expect_client_error("DuplicateProviderException", idp.create_identity_provider, UserPoolId=pool_id,
                        ProviderName=PROVIDER, ProviderType="SAML", ProviderDetails={"MetadataFile": metadata})


def test_saml_provider_from_metadata_url_signs_in(idp, url, make_pool, saml_keys):
    pool_id = make_pool()["Id"]
    served = MetadataServer(SamlIdp(saml_keys).metadata())
    try:
        fed = saml_federate(idp, url, pool_id, saml_keys, metadata_url=served.url)
        got = fed.describe()["ProviderDetails"]
        assert got["MetadataURL"] == served.url, got
        assert "MetadataFile" not in got, got
        assert got["SSORedirectBindingURI"] == IDP_SSO_URL, got  # read from the fetched metadata
        assert served.hits >= 1, "Cognate never fetched the MetadataURL"
        name_id, email = fresh_user()
        browser, _, _, response = fed.sign_in(name_id, email)
        assert_signed_in(fed, browser, response, name_id, email)
    finally:
        served.stop()


@pytest.mark.parametrize("case", ["not_xml", "doctype", "no_key_descriptor", "encryption_cert_only",
                                  "file_and_url"])
def test_saml_provider_invalid_metadata(idp, make_pool, saml_keys, case):
    pool_id = make_pool()["Id"]
    saml = SamlIdp(saml_keys)
    good = saml.metadata()
    # Control: the same pool takes the genuine metadata (so the refusal below is about the input).
    idp.create_identity_provider(UserPoolId=pool_id, ProviderName="GoodSAML", ProviderType="SAML",
                                 ProviderDetails={"MetadataFile": good}, AttributeMapping=MAPPING)
    body = good.split("?>", 1)[1] if good.lstrip().startswith("<?xml") else good
    details = {
        "not_xml": {"MetadataFile": "this is not XML {\"entityID\": 1}"},
        # Harmless entity, but any DOCTYPE must be refused (XXE, billion laughs).
        "doctype": {"MetadataFile": '<?xml version="1.0"?><!DOCTYPE md [<!ENTITY x "y">]>' + body},
        "no_key_descriptor": {"MetadataFile": saml.metadata_without_signing_cert()},
        "encryption_cert_only": {"MetadataFile": saml.metadata_without_signing_cert(keep_encryption_cert=True)},
        # Loopback port 9 (discard): nothing is fetched when both are given.
        "file_and_url": {"MetadataFile": good, "MetadataURL": "http://127.0.0.1:9/metadata"},
    }[case]
    err = expect_client_error("InvalidParameterException", idp.create_identity_provider, UserPoolId=pool_id,
                              ProviderName=PROVIDER, ProviderType="SAML", ProviderDetails=details,
                              AttributeMapping=MAPPING)
    assert "metadata" in error_message(err).lower(), error_message(err)  # refused for the metadata
    listed = idp.list_identity_providers(UserPoolId=pool_id, MaxResults=60)["Providers"]
    assert [p["ProviderName"] for p in listed] == ["GoodSAML"], listed


def test_sp_metadata(idp, url, make_pool, saml_keys):
    pool_id = make_pool()["Id"]
    fed = saml_federate(idp, url, pool_id, saml_keys)
    sp = parse_sp_metadata(fetch_sp_metadata(url, pool_id))
    assert sp["entity_id"] == f"urn:amazon:cognito:sp:{pool_id}", sp
    assert (BINDING_HTTP_POST, f"{url}/{pool_id}/saml2/idpresponse") in sp["acs_bindings"], sp
    assert sp["acs_url"] == f"{url}/{pool_id}/saml2/idpresponse", sp
    assert sp["all_certs"], "no KeyDescriptor certificate in the SP metadata"
    # Requests are unsigned until a provider asks for signing: the metadata says so.
    assert not sp["signing_certs"], sp
    # pysaml2 (the IdP) accepted it too: saml_federate loaded it.
    assert fed.saml.sp["entity_id"] == sp["entity_id"]
    details = idp.describe_identity_provider(UserPoolId=pool_id, ProviderName=PROVIDER)["IdentityProvider"][
        "ProviderDetails"]
    given = {k: v for k, v in details.items() if k in ("MetadataFile", "MetadataURL")}
    idp.update_identity_provider(UserPoolId=pool_id, ProviderName=PROVIDER,
                                 ProviderDetails={**given, "RequestSigningAlgorithm": "rsa-sha256"})
    signing = parse_sp_metadata(fetch_sp_metadata(url, pool_id))
    assert signing["signing_certs"], signing


# ---------------------------------------------------------------------------
# SP-initiated sign-in
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("sign", ["assertion", "response", "both"])
def test_sp_initiated_sign_in(saml_fed, sign):
    fed = saml_fed()
    name_id, email = fresh_user()
    browser = fed.browser()
    request = fed.to_idp(browser)
    # No RequestSigningAlgorithm: the AuthnRequest is not signed.
    assert not request["signed"] and request["sig_alg"] is None, request
    form = fed.saml.respond(request, name_id, {EMAIL_ATTRIBUTE: [email], NAME_ATTRIBUTE: ["Alice"]}, sign=sign)
    assert form["RelayState"] == request["relay_state"]
    response = fed.post(browser.s, form)
    q = browser.callback_query(response)  # 302 to CB with the app's state
    assert q.get("code") and "error" not in q, q
    assert_signed_in(fed, browser, response, name_id, email)
    assert [u["Username"] for u in fed.users()] == [f"{PROVIDER}_{name_id}"]


def test_signed_authn_request_verifies_with_the_sp_metadata_certificate(saml_fed):
    fed = saml_fed(RequestSigningAlgorithm="rsa-sha256")
    name_id, email = fresh_user()
    browser = fed.browser()
    request = fed.to_idp(browser)  # parse_redirect raises RequestSignatureError on a bad signature
    assert request["signed"] and request["sig_alg"] == SIG_RSA_SHA256, request
    # saml-bindings 3.4.5.2: a signed redirect message names where it is sent.
    assert request["destination"] == IDP_SSO_URL, request
    response = fed.post(browser.s, fed.saml.respond(request, name_id, {EMAIL_ATTRIBUTE: [email]}))
    assert_signed_in(fed, browser, response, name_id, email)


def test_second_sign_in_reuses_the_user(saml_fed):
    fed = saml_fed()
    name_id, email = fresh_user()
    browser, _, _, response = fed.sign_in(name_id, email)
    first = assert_signed_in(fed, browser, response, name_id, email)
    new_email = email.replace(".mail@", ".new@")
    browser, _, _, response = fed.sign_in(name_id, new_email)
    second = assert_signed_in(fed, browser, response, name_id, new_email)
    assert second["sub"] == first["sub"]
    assert [u["Username"] for u in fed.users()] == [f"{PROVIDER}_{name_id}"]


def test_encrypted_assertion_signs_in(saml_fed):
    fed = saml_fed(EncryptedResponses="true")
    pem = fed.describe()["ProviderDetails"]["ActiveEncryptionCertificate"]
    # The certificate the IdP encrypts to is the one the SP metadata publishes.
    assert cert_der(pem) in [cert_der(c) for c in fed.saml.sp["all_certs"]], "ActiveEncryptionCertificate is not in " \
                                                                               "the SP metadata"
    name_id, email = fresh_user()
    browser = fed.browser()
    request = fed.to_idp(browser)
    form = fed.saml.respond(request, name_id, {EMAIL_ATTRIBUTE: [email]}, encrypt_cert_pem=pem)
    xml = decode_response(form)
    assert "EncryptedAssertion" in xml and name_id not in xml and email not in xml
    response = fed.post(browser.s, form)
    assert_signed_in(fed, browser, response, name_id, email)


def test_response_without_the_binding_cookie_is_refused(saml_fed):
    """The genuine answer to someone else's sign-in, posted from a browser that did not start it
    (login CSRF): Cognate's cognate_federation cookie is missing."""
    fed = saml_fed()
    name_id, email = fresh_user()
    browser = fed.browser()
    request = fed.to_idp(browser)
    form = fed.saml.respond(request, name_id, {EMAIL_ATTRIBUTE: [email]})
    assert_refused(fed.post(requests.Session(), form))
    assert fed.users() == []


# ---------------------------------------------------------------------------
# IdP-initiated sign-in
# ---------------------------------------------------------------------------


def idp_initiated_browser(fed):
    """A browser that never opened authorize (no state, nonce or PKCE verifier)."""
    browser = fed.browser()
    browser.state = browser.nonce = browser.verifier = None
    return browser


def test_idp_initiated_sign_in(saml_fed):
    fed = saml_fed(IDPInit="true")
    name_id, email = fresh_user()
    browser = idp_initiated_browser(fed)
    form = fed.idp_initiated_form(name_id, email)
    assert "InResponseTo" not in decode_response(form)
    response = fed.post(browser.s, form)
    assert response.status_code == 302, (response.status_code, response.text[:500])
    q = query_of(response.headers["Location"])
    assert response.headers["Location"].startswith(CB + "?"), response.headers["Location"]
    assert q.get("code") and "error" not in q, q
    assert_signed_in(fed, browser, response, name_id, email, nonce=False)


@pytest.mark.parametrize("idp_init", [None, "false"], ids=["absent", "false"])
def test_idp_initiated_refused_unless_enabled(saml_fed, idp_init):
    fed = saml_fed(**({"IDPInit": idp_init} if idp_init else {}))
    name_id, email = fresh_user()
    assert_refused(fed.post(requests.Session(), fed.idp_initiated_form(name_id, email)))
    assert fed.users() == []


# ---------------------------------------------------------------------------
# Forged and replayed responses
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["unsigned", "wrong_key", "wrong_audience", "wrong_recipient", "expired",
                                  "wrong_in_response_to", "wrap_evil_first", "wrap_extensions"])
def test_forged_sp_initiated_response_is_refused(saml_fed, case):
    """Each forgery answers a genuine, outstanding AuthnRequest, posted with the browser's
    cookie and RelayState; only the forged part is wrong (see test_harness_*)."""
    fed = saml_fed()
    name_id, email = fresh_user()
    if case == "unsigned":
        _, _, _, response = fed.sign_in(name_id, email, sign="none")
    elif case == "wrong_key":
        _, _, _, response = fed.sign_in(name_id, email, saml=fed.saml.impostor())
    else:
        assert case in FORGERIES
        _, _, _, response = fed.sign_in(name_id, email, forge=case)
    assert_refused(response)
    assert fed.users() == []


def test_replayed_sp_initiated_response_is_refused(saml_fed):
    fed = saml_fed()
    name_id, email = fresh_user()
    browser, _, form, response = fed.sign_in(name_id, email)
    assert_signed_in(fed, browser, response, name_id, email)
    # The same form again, same browser (cookie) and RelayState: the sign-in state is spent.
    assert_refused(fed.post(browser.s, form))
    assert [u["Username"] for u in fed.users()] == [f"{PROVIDER}_{name_id}"]


def test_replayed_idp_initiated_response_is_refused(saml_fed):
    fed = saml_fed(IDPInit="true")
    name_id, email = fresh_user()
    form = fed.idp_initiated_form(name_id, email)
    first = fed.post(requests.Session(), form)
    assert first.status_code == 302 and "code=" in first.headers.get("Location", ""), (first.status_code,
                                                                                       first.text[:500])
    # The same assertion ID again (from another browser, as an attacker would): refused.
    assert_refused(fed.post(requests.Session(), form))
    # A new assertion for the same user is fine: the cache is per assertion, not per user.
    browser = idp_initiated_browser(fed)
    again = fed.post(browser.s, fed.idp_initiated_form(name_id, email))
    assert_signed_in(fed, browser, again, name_id, email, nonce=False)
    assert [u["Username"] for u in fed.users()] == [f"{PROVIDER}_{name_id}"]


# ---------------------------------------------------------------------------
# Single logout (IDPSignout): SP-initiated, HTTP-Redirect both ways
# ---------------------------------------------------------------------------

BINDING_HTTP_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
NAMEID_FORMAT_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"


def slo_url(fed):
    return f"{fed.url}/{fed.pool_id}/saml2/logout"


def logout_endpoint(fed, logout_uri=SIGNED_OUT):
    return f"{fed.url}/{fed.pool_id}/logout?" + urllib.parse.urlencode(
        {"client_id": fed.client["ClientId"], "logout_uri": logout_uri})


def assert_login_page(browser):
    """authorize without identity_provider, in `browser`: no session, so the sign-in page (302
    to /login, which shows the password form), never a code."""
    r = browser.start(None)
    assert r.status_code == 302, (r.status_code, r.text[:500])
    location = r.headers["Location"]
    assert "/login?" in location and "code=" not in location, location
    page = browser.get(urllib.parse.urljoin(r.url, location))
    assert page.status_code == 200 and 'name="password"' in page.text, (page.status_code, page.text[:500])


def slo_signed_in(fed):
    """A SAML sign-in through `fed` (IDPSignout): (browser, NameID, the assertion's
    SessionIndex, the hosted-UI session cookie's value). Silent sign-in works (the control
    for assert_login_page)."""
    name_id, email = fresh_user()
    browser, _, _, response = fed.sign_in(name_id, email)
    assert_signed_in(fed, browser, response, name_id, email)
    session_index = fed.saml.last_session_index
    assert fed.saml.sessions.get(session_index) == name_id
    cookie = browser.s.cookies.get(SESSION_COOKIE)
    assert cookie, browser.s.cookies.keys()
    silent = browser.start(None)
    assert silent.status_code == 302 and silent.headers["Location"].startswith(CB + "?code="), (
        silent.status_code, silent.headers.get("Location"), silent.text[:300])
    return browser, name_id, session_index, cookie


def start_slo(fed, browser):
    """/logout with the client's logout_uri: Cognate's 302 to the IdP's SLO URL; the
    LogoutRequest (parse_logout_redirect's dict, its query signature verified)."""
    r = browser.get(logout_endpoint(fed))
    assert r.status_code == 302, (r.status_code, r.text[:500])
    location = r.headers["Location"]
    assert without_query(location) == saml_idp.IDP_SLO_URL, location
    q = query_of(location)
    assert set(q) == {"SAMLRequest", "RelayState", "SigAlg", "Signature"}, q
    return fed.saml.parse_logout_redirect(location)


def back_to_cognate(fed, browser, location):
    """The browser following the IdP's redirect to Cognate's /saml2/logout; Cognate's answer."""
    assert without_query(location) == slo_url(fed), location
    return browser.get(location)


@pytest.fixture
def slo_fed(saml_fed):
    """A SamlFederation whose provider has IDPSignout=true (its IdP metadata names an
    HTTP-Redirect SingleLogoutService)."""
    return lambda **details: saml_fed(IDPSignout="true", **details)


def test_sp_metadata_with_idp_signout(slo_fed, url):
    fed = slo_fed()
    assert fed.describe()["ProviderDetails"]["IDPSignout"] == "true"
    sp = parse_sp_metadata(fetch_sp_metadata(url, fed.pool_id))
    target = f"{url}/{fed.pool_id}/saml2/logout"
    assert sorted(sp["slo_bindings"]) == sorted([(BINDING_HTTP_REDIRECT, target), (BINDING_HTTP_POST, target)]), sp
    assert sp["authn_requests_signed"] == "true", sp
    assert sp["signing_certs"], sp
    # pysaml2 (the IdP) reads the same endpoint for its LogoutResponses.
    slo = fed.saml.server.metadata.single_logout_service(sp["entity_id"], BINDING_HTTP_REDIRECT, "spsso")
    assert [e["location"] for e in slo] == [target], slo


def test_single_logout_round_trip(slo_fed):
    fed = slo_fed()
    browser, name_id, session_index, cookie = slo_signed_in(fed)
    request = start_slo(fed, browser)
    # The LogoutRequest (its signature verified with the SP metadata's signing certificate).
    assert request["signed"] and request["sig_alg"] == SIG_RSA_SHA256, request
    assert not request["embedded_signature"], request
    assert request["id"] and request["version"] == "2.0" and request["issue_instant"], request
    assert request["destination"] == saml_idp.IDP_SLO_URL, request
    assert request["issuer"] == fed.entity_id, request
    assert request["name_id"] == name_id and request["name_id_format"] == NAMEID_FORMAT_EMAIL, request
    assert request["session_indexes"] == [session_index], request
    relay = request["relay_state"]
    assert relay and len(relay) == 64 and all(c in "0123456789abcdef" for c in relay.lower()), relay
    # Cognate's session is already over: the cookie is gone, and the old value is dead too.
    assert SESSION_COOKIE not in browser.s.cookies.keys(), browser.s.cookies.keys()
    assert_login_page(browser)
    stale = fed.browser()
    stale.s.headers["Cookie"] = f"{SESSION_COOKIE}={cookie}"
    assert_login_page(stale)
    # The IdP ends its session and answers; Cognate sends the browser on to the logout_uri.
    answer = fed.saml.logout_response(request)
    assert fed.saml.sessions.get(session_index) is None
    assert without_query(answer) == slo_url(fed), answer
    assert set(query_of(answer)) == {"SAMLResponse", "RelayState", "SigAlg", "Signature"}, answer
    assert query_of(answer)["RelayState"] == relay
    done = back_to_cognate(fed, browser, answer)
    assert done.status_code == 302, (done.status_code, done.text[:500])
    assert done.headers["Location"] == SIGNED_OUT, done.headers["Location"]
    assert_login_page(browser)


@pytest.mark.parametrize("case", ["unsigned", "wrong_key", "wrong_in_response_to", "wrong_destination",
                                  "wrong_issuer", "unknown_relay_state"])
def test_forged_logout_response_is_refused(slo_fed, case):
    """Each answers the genuine, outstanding LogoutRequest in the browser that started it; only
    the named part is wrong."""
    fed = slo_fed()
    browser, *_ = slo_signed_in(fed)
    request = start_slo(fed, browser)
    if case == "unsigned":
        answer = fed.saml.logout_response(request, sign=False)
        assert "Signature" not in query_of(answer) and "SigAlg" not in query_of(answer), answer
    elif case == "wrong_key":
        answer = fed.saml.impostor().logout_response(request)
    elif case in LOGOUT_FORGERIES:
        answer = fed.saml.logout_response(request, forge=case)
    else:
        answer = fed.saml.logout_response(request, relay_state=os.urandom(32).hex())
    refused = back_to_cognate(fed, browser, answer)
    assert_refused(refused)
    # Refused for the named reason (the error page's message), not some other failure.
    reason = {"unsigned": "not signed", "wrong_key": "signature is invalid",
              "wrong_in_response_to": "answers another request", "wrong_destination": "another destination",
              "wrong_issuer": "another issuer",
              "unknown_relay_state": "expired or was already finished"}[case]
    assert reason in refused.text, refused.text[-700:]
    assert SIGNED_OUT not in refused.headers.get("Location", ""), refused.headers
    # A refused answer does not use up the logout: the genuine answer still completes it (a
    # forged answer carrying a stolen RelayState cannot block the way to the sign-out URL).
    done = back_to_cognate(fed, browser, fed.saml.logout_response(request))
    assert done.status_code == 302 and done.headers["Location"] == SIGNED_OUT, (done.status_code, done.text[:500])


def test_replayed_logout_response_is_refused(slo_fed):
    fed = slo_fed()
    browser, *_ = slo_signed_in(fed)
    request = start_slo(fed, browser)
    answer = fed.saml.logout_response(request)
    done = back_to_cognate(fed, browser, answer)
    assert done.status_code == 302 and done.headers["Location"] == SIGNED_OUT, (done.status_code, done.text[:500])
    assert_refused(back_to_cognate(fed, browser, answer))
    assert_refused(back_to_cognate(fed, requests.Session(), answer))


@pytest.mark.parametrize("idp_signout", [None, "false"], ids=["absent", "false"])
def test_logout_without_idp_signout_goes_straight_to_logout_uri(saml_fed, url, idp_signout):
    fed = saml_fed(**({"IDPSignout": idp_signout} if idp_signout else {}))
    assert not parse_sp_metadata(fetch_sp_metadata(url, fed.pool_id))["slo_bindings"]
    name_id, email = fresh_user()
    browser, _, _, response = fed.sign_in(name_id, email)
    assert_signed_in(fed, browser, response, name_id, email)
    assert SESSION_COOKIE in browser.s.cookies.keys()
    r = browser.get(logout_endpoint(fed))
    assert r.status_code == 302 and r.headers["Location"] == SIGNED_OUT, (r.status_code, r.headers.get("Location"),
                                                                         r.text[:500])
    assert "SAMLRequest" not in r.headers["Location"]
    assert_login_page(browser)


def test_harness_logout_messages(saml_keys):
    """The SLO harness against pysaml2's SP (no Cognate): its signed LogoutRequest is verified
    (and a tampered one refused), and the harness's LogoutResponse is one pysaml2's SP takes as
    the answer, its query signature verifying with the IdP's certificate and not the
    impostor's."""
    from saml2.client import Saml2Client
    from saml2.config import SPConfig
    from saml2.metadata import create_metadata_string
    from saml2.saml import NameID

    pool = "us-east-1_HarnessSLO"
    sp_slo = f"http://127.0.0.1:9/{pool}/saml2/logout"
    saml = SamlIdp(saml_keys)
    key, cert = str(saml_keys / "sp.key"), str(saml_keys / "sp.crt")
    config = SPConfig()
    config.load({
        "entityid": sp_entity_id(pool), "xmlsec_binary": saml_idp.XMLSEC_BINARY,
        "key_file": key, "cert_file": cert,
        "service": {"sp": {"endpoints": {
            "assertion_consumer_service": [(f"http://127.0.0.1:9/{pool}/saml2/idpresponse", BINDING_HTTP_POST)],
            "single_logout_service": [(sp_slo, BINDING_HTTP_REDIRECT)]},
            "authn_requests_signed": True, "logout_requests_signed": True}},
        "metadata": {"inline": [saml.metadata()]},
        "delete_tmpfiles": True,
    })
    client = Saml2Client(config)
    sp_xml = create_metadata_string(None, config=config, valid=None)
    saml.load_sp_metadata(sp_xml.decode() if isinstance(sp_xml, bytes) else sp_xml)
    saml.respond(None, "alice@corp.test", relay_state="rs", session_index="_sess-harness")

    req_id, logout = client.create_logout_request(
        saml_idp.IDP_SLO_URL, IDP_ENTITY_ID, name_id=NameID(format=NAMEID_FORMAT_EMAIL, text="alice@corp.test"),
        session_indexes=["_sess-harness"], sign=False)
    relay = "ab" * 32
    info = client.apply_binding(BINDING_HTTP_REDIRECT, str(logout), saml_idp.IDP_SLO_URL, relay, sign=True,
                                sigalg=SIG_RSA_SHA256)
    location = dict(info["headers"])["Location"]
    request = saml.parse_logout_redirect(location)
    assert request["id"] == req_id and request["name_id"] == "alice@corp.test", request
    assert request["session_indexes"] == ["_sess-harness"] and request["relay_state"] == relay, request
    with pytest.raises(RequestSignatureError):
        saml.parse_logout_redirect(location.replace(relay, "cd" * 32))
    unsigned = client.apply_binding(BINDING_HTTP_REDIRECT, str(logout), saml_idp.IDP_SLO_URL, relay, sign=False)
    with pytest.raises(RequestSignatureError):
        saml.parse_logout_redirect(dict(unsigned["headers"])["Location"])

    answer = saml.logout_response(request)
    assert "_sess-harness" not in saml.sessions
    assert without_query(answer) == sp_slo and query_of(answer)["RelayState"] == relay, answer
    idp_cert, evil_cert = (saml_keys / "idp.crt").read_text(), (saml_keys / "evil.crt").read_text()
    assert saml_idp.redirect_signature_ok(answer, idp_cert)
    assert not saml_idp.redirect_signature_ok(answer, evil_cert)
    assert not saml_idp.redirect_signature_ok(answer.replace(relay, "cd" * 32), idp_cert)
    impostor = saml.impostor().logout_response(request)
    assert saml_idp.redirect_signature_ok(impostor, evil_cert) and not saml_idp.redirect_signature_ok(impostor,
                                                                                                       idp_cert)
    assert not saml_idp.redirect_signature_ok(saml.logout_response(request, sign=False), idp_cert)
    parsed = client.parse_logout_request_response(query_of(answer)["SAMLResponse"], BINDING_HTTP_REDIRECT)
    assert parsed is not None and parsed.response.in_response_to == req_id, parsed
    assert parsed.response.status.status_code.value == "urn:oasis:names:tc:SAML:2.0:status:Success"
    assert parsed.response.issuer.text == IDP_ENTITY_ID and parsed.response.destination == sp_slo
    # Each forgery is signed genuinely, goes to the SP, and changes only what it names.
    for forge, expected in (("wrong_in_response_to", 'InResponseTo="_another_request_0123456789"'),
                            ("wrong_destination", f'Destination="{sp_slo.replace("127.0.0.1:9", "evil.saml.test")}"'),
                            ("wrong_issuer", ">https://other-idp.saml.test/metadata<")):
        forged = saml.logout_response(request, forge=forge)
        assert without_query(forged) == sp_slo and saml_idp.redirect_signature_ok(forged, idp_cert), forge
        xml = zlib.decompress(base64.b64decode(query_of(forged)["SAMLResponse"]), -15).decode()
        assert expected in xml, (forge, xml)
