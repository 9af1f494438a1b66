"""Identity-pool logins from SAML providers registered in Cognate's IAM and from Facebook.

SAML: an IAM SAML provider (CreateSAMLProvider with the IdP's metadata) is named in the identity
pool's SamlProviderARNs; the Logins key is the provider's ARN and the value a base64
SAMLResponse, IdP-initiated, made for AWS's service provider (Audience `urn:amazon:webservices`,
Recipient and Destination `https://signin.aws.amazon.com/saml`). The IdP is `saml_idp.SamlIdp`
(pysaml2 + xmlsec1, keys generated at run time), which loads a small SP metadata for AWS's
service provider, so its responses are addressed to it. One IdP (and one IAM provider) serves
the module; each test makes its own identity pool. Every response is fresh: an assertion is
accepted once. Tests check GetId, GetCredentialsForIdentity and GetOpenIdToken with genuine
responses (assertion, response or both signed), the NameID as the subject, replays (also through
another pool, and through a second IAM provider of the same IdP), forged and misaddressed
responses (Audience, Recipient, Destination, Issuer, expiry, unsigned, a key not in the metadata,
SHA-1, two signature-wrapping attacks, a comment in the NameID, a DOCTYPE; each refused for its
reason; `test_harness_*` checks that the forgeries made after signing still verify), the 60 s
clock skew (test clock), Rules role mappings on SAML attributes and `sub`, providers missing from
the pool or deleted from IAM, a SAML and a Facebook login linked to one identity, and the IAM
SAML provider operations (a metadata update rotates the trusted certificate; unusable metadata
is InvalidInput, model constraints ValidationError).

Facebook: SupportedLoginProviders {"graph.facebook.com": app id}; the Logins value is an access
token, which Cognate checks against the Graph API (`/app` must name the pool's app, `/me` names
the user) of the Facebook stand-in (federation_fixtures.py, session fixture `social_stand_ins`).
Tokens are made through the stand-in's OAuth flow or put straight into its token table.

www.amazon.com, api.twitter.com and www.digits.com logins are still refused as not verified.

Helpers: identity_fixtures.py. Contract with the binary (in addition to identity_fixtures.py's):
  IAM CreateSAMLProvider(Name, SAMLMetadataDocument >= 1000 chars) -> arn:aws:iam::000000000000:
  saml-provider/<Name>; Get/Update/Delete/ListSAMLProviders; NoSuchEntity, EntityAlreadyExists,
  InvalidInput (metadata Cognate cannot use). amr of a SAML login contains its provider ARN; of a
  Facebook login, graph.facebook.com.
"""

import base64
import datetime as dt
import functools
import os
import secrets
import time
import urllib.parse

import pytest
import requests

try:
    import saml_idp
    from lxml import etree
    from saml_idp import EVIL_NAME_ID, NS, SamlIdp, decode_response, make_keys
    from saml2.xmldsig import DIGEST_SHA1, SIG_RSA_SHA1, SIG_RSA_SHA256
except ImportError as exc:  # conftest.py turns this skip into a failure unless COGNATE_E2E_ALLOW_MISSING=1
    pytest.skip(f"could not import the SAML harness (No module named pysaml2/lxml?): {exc}",
                allow_module_level=True)

import boto3
from botocore.config import Config

from helpers import ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, REGION, error_message, uniq
from identity_fixtures import *

AWS_AUDIENCE = "urn:amazon:webservices"
AWS_RECIPIENT = "https://signin.aws.amazon.com/saml"
FACEBOOK = "graph.facebook.com"
NOT_SUPPORTED = "Token is not from a supported provider of this identity pool."

# AWS's service provider as an IdP sees it (the relevant part of
# https://signin.aws.amazon.com/static/saml-metadata.xml): what pysaml2 addresses responses to.
AWS_SP_METADATA = f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{AWS_AUDIENCE}">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAssertionsSigned="true">
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:AssertionConsumerService index="1" isDefault="true"
        Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{AWS_RECIPIENT}"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
"""


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def saml_keys(tmp_path_factory):
    """IdP and impostor key pairs, generated for this module."""
    problem = saml_idp.xmlsec_problem()
    if problem:  # a missing dependency fails the suite (conftest.py), unless the developer allows it
        if os.environ.get("COGNATE_E2E_ALLOW_MISSING") == "1":
            pytest.skip(problem)
        pytest.fail(problem)
    return make_keys(tmp_path_factory.mktemp("identity-saml-keys"))


def aws_idp(keys, key="idp", entity_id=saml_idp.IDP_ENTITY_ID):
    """A SamlIdp (signing with `key`) whose responses go to AWS's service provider."""
    saml = SamlIdp(keys, key=key, entity_id=entity_id)
    saml.load_sp_metadata(AWS_SP_METADATA)
    assert saml.sp["entity_id"] == AWS_AUDIENCE and saml.sp["acs_url"] == AWS_RECIPIENT, saml.sp
    return saml


@pytest.fixture(scope="module")
def saml(saml_keys):
    return aws_idp(saml_keys)


@pytest.fixture(scope="module")
def impostor(saml_keys):
    """The same IdP (entity id, SP) signing with a key that no metadata names."""
    return aws_idp(saml_keys, key="evil")


@pytest.fixture(scope="module")
def saml_arn(url, saml):
    """An IAM SAML provider with the module IdP's metadata, shared by the module's pools."""
    iam = iam_of(url)
    arn = iam.create_saml_provider(Name=uniq("corp-idp"), SAMLMetadataDocument=saml.metadata())["SAMLProviderArn"]
    yield arn
    try:
        iam.delete_saml_provider(SAMLProviderArn=arn)
    except Exception:
        pass


@pytest.fixture
def made(url):
    """Records what a test creates on the session server; deletes it afterwards."""
    things = {"saml_providers": [], "pools": []}
    yield things
    iam = iam_of(url)
    for arn in things["saml_providers"]:
        try:
            iam.delete_saml_provider(SAMLProviderArn=arn)
        except Exception:
            pass
    for pool_id in things["pools"]:
        delete_identity_pool_quietly(url, pool_id)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def cid_of(url):
    """One cognito-identity client per server (making a boto3 client costs tens of ms)."""
    return identity_client(url)


@functools.lru_cache(maxsize=None)
def iam_of(url):
    return iam_client(url)


def aws_client_unvalidated(service, url):
    """A client whose requests botocore does not check against the model first."""
    return boto3.session.Session().client(
        service, endpoint_url=url, region_name=REGION, aws_access_key_id=ADMIN_ACCESS_KEY_ID,
        aws_secret_access_key=ADMIN_SECRET_ACCESS_KEY,
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, parameter_validation=False))


def response(saml, name_id, attributes=None, **respond):
    """A fresh base64 SAMLResponse (IdP-initiated, to AWS) for `name_id`."""
    return saml.respond(None, name_id, attributes, **respond)["SAMLResponse"]


def reserialized(b64, mutate=None, text=None):
    """The response parsed and written again by lxml, after `mutate(root)` (an lxml element) or
    `text(xml)` (the XML string) changed it."""
    xml = decode_response(b64)
    if text is not None:
        xml = text(xml)
        return base64.b64encode(xml.encode()).decode()
    root = etree.fromstring(xml.encode())
    if mutate is not None:
        mutate(root)
    return base64.b64encode(etree.tostring(root, xml_declaration=True, encoding="UTF-8")).decode()


def fresh_name_id():
    return f"{uniq('alice').lower()}@corp.test"


def saml_pool(url, made, arn, roles=True, **kwargs):
    """An identity pool trusting the IAM SAML provider `arn` (and its roles unless `roles` is
    false): (pool_id, roles)."""
    pool_id = make_identity_pool(url, SamlProviderARNs=[arn], **kwargs)["IdentityPoolId"]
    made["pools"].append(pool_id)
    return pool_id, (create_roles(url, pool_id) if roles else None)


def new_saml_provider(url, made, saml):
    arn = iam_of(url).create_saml_provider(Name=uniq("idp"), SAMLMetadataDocument=saml.metadata())[
        "SAMLProviderArn"]
    made["saml_providers"].append(arn)
    return arn


def get_id(url, pool_id, logins):
    return cid_of(url).get_id(IdentityPoolId=pool_id, Logins=logins)["IdentityId"]


def get_credentials(url, identity_id, logins):
    return cid_of(url).get_credentials_for_identity(IdentityId=identity_id, Logins=logins)


def caller_arn(url, credentials):
    assert credentials["AccessKeyId"].startswith("ASIA"), credentials
    return credentials_client("sts", url, credentials).get_caller_identity()["Arn"]


def assumed_role_arn(role_arn):
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_arn.rsplit('/', 1)[1]}/CognitoIdentityCredentials"


def refused(url, pool_id, logins, code="NotAuthorizedException", message="Invalid login token."):
    """GetId with `logins` fails with `code` (message starting with `message`); the message."""
    exc = expect_error(code, cid_of(url).get_id, IdentityPoolId=pool_id, Logins=logins)
    text = error_message(exc)
    assert message is None or text.startswith(message), text
    return text


def identities(url, pool_id):
    return cid_of(url).list_identities(IdentityPoolId=pool_id, MaxResults=60)["Identities"]


# ---------------------------------------------------------------------------
# SAML: logins that work
# ---------------------------------------------------------------------------


def test_saml_login_gets_an_identity_and_credentials(url, made, saml, saml_arn):
    pool_id, roles = saml_pool(url, made, saml_arn)
    name_id = fresh_name_id()

    identity_id = get_id(url, pool_id, {saml_arn: response(saml, name_id)})
    assert identity_id.startswith("us-east-1:"), identity_id
    # Each call carries a fresh response (an assertion is accepted once).
    answer = get_credentials(url, identity_id, {saml_arn: response(saml, name_id)})
    assert answer["IdentityId"] == identity_id
    assert caller_arn(url, answer["Credentials"]) == assumed_role_arn(roles["authenticated"])

    described = cid_of(url).describe_identity(IdentityId=identity_id)
    assert described["Logins"] == [saml_arn], described
    listed = identities(url, pool_id)
    assert [(i["IdentityId"], i["Logins"]) for i in listed] == [(identity_id, [saml_arn])], listed

    token = cid_of(url).get_open_id_token(IdentityId=identity_id,
                                                   Logins={saml_arn: response(saml, name_id)})["Token"]
    claims = verify_identity_token(url, token, pool_id)
    assert claims["sub"] == identity_id, claims
    assert claims["amr"][0] == "authenticated" and saml_arn in claims["amr"], claims


def test_saml_response_or_both_signed_are_accepted(url, made, saml, saml_arn):
    """The signature may be over the assertion, the response, or both; lxml re-serialising a
    genuine response (what the forgeries below do after signing) keeps it valid."""
    pool_id, _ = saml_pool(url, made, saml_arn)
    name_id = fresh_name_id()
    identity_id = get_id(url, pool_id, {saml_arn: response(saml, name_id)})
    for sign in ("response", "both"):
        assert get_id(url, pool_id, {saml_arn: response(saml, name_id, sign=sign)}) == identity_id, sign
    assert get_id(url, pool_id, {saml_arn: reserialized(response(saml, name_id))}) == identity_id
    assert len(identities(url, pool_id)) == 1


def test_saml_same_name_id_is_the_same_identity(url, made, saml, saml_arn):
    pool_id, _ = saml_pool(url, made, saml_arn)
    name_id = fresh_name_id()
    first = get_id(url, pool_id, {saml_arn: response(saml, name_id, {"memberOf": ["staff"]})})
    # Another response (other attributes, another session) for the same NameID.
    assert get_id(url, pool_id, {saml_arn: response(saml, name_id, {"memberOf": ["eng"]})}) == first
    other = get_id(url, pool_id, {saml_arn: response(saml, fresh_name_id())})
    assert other != first
    assert sorted(i["IdentityId"] for i in identities(url, pool_id)) == sorted([first, other])


def test_saml_replayed_response_is_refused(url, made, saml, saml_arn):
    pool_id, roles = saml_pool(url, made, saml_arn)
    name_id = fresh_name_id()
    once = response(saml, name_id)
    identity_id = get_id(url, pool_id, {saml_arn: once})
    assert "already used" in refused(url, pool_id, {saml_arn: once})
    expect_error("NotAuthorizedException", get_credentials, url, identity_id, {saml_arn: once})
    expect_error("NotAuthorizedException", cid_of(url).get_open_id_token, IdentityId=identity_id,
                 Logins={saml_arn: once})
    # Spent in GetCredentialsForIdentity first, then refused by GetId.
    second = response(saml, name_id)
    assert caller_arn(url, get_credentials(url, identity_id, {saml_arn: second})["Credentials"]) == \
        assumed_role_arn(roles["authenticated"])
    refused(url, pool_id, {saml_arn: second})
    # Nor can another identity pool trusting the same provider take a spent response.
    other_pool, _ = saml_pool(url, made, saml_arn)
    refused(url, other_pool, {saml_arn: once})
    assert identities(url, other_pool) == []


def test_saml_response_replayed_through_another_provider_of_the_same_idp_is_refused(url, made, saml, saml_arn):
    """The same IdP registered twice in IAM (two ARNs, one metadata): a response is addressed
    to AWS's service provider, not to either ARN, so spending it through one spends it."""
    twin_arn = new_saml_provider(url, made, saml)
    pool_id, _ = saml_pool(url, made, saml_arn, roles=False)
    twin_pool, _ = saml_pool(url, made, twin_arn, roles=False)
    once = response(saml, fresh_name_id())
    get_id(url, pool_id, {saml_arn: once})
    refused(url, twin_pool, {twin_arn: once})
    assert identities(url, twin_pool) == []


# ---------------------------------------------------------------------------
# SAML: forged and misaddressed responses
# ---------------------------------------------------------------------------


def _wrong_destination(root):
    root.set("Destination", "https://evil.saml.test/saml")


def _comment_in_name_id(root):
    """The signed NameID is `<victim>.evil.test`; a comment splits it after `<victim>` (exclusive
    c14n drops comments, so the signature still verifies; a reader of the first text node sees
    the victim)."""
    name_id = root.find("saml:Assertion/saml:Subject/saml:NameID", NS)
    victim, _, rest = name_id.text.partition(".evil.test")
    assert victim and not rest, name_id.text
    name_id.text = victim
    comment = etree.Comment(" ")
    comment.tail = ".evil.test"
    name_id.append(comment)


def _doctype(xml):
    head, sep, body = xml.partition("?>") if xml.startswith("<?xml") else ("", "", xml)
    return head + sep + '<!DOCTYPE Response [<!ENTITY x "y">]>' + body


@functools.lru_cache(maxsize=None)
def other_issuer(keys_dir):
    """An IdP with the trusted key but another entity id (Issuer) than the metadata's."""
    return aws_idp(keys_dir, entity_id="https://other-idp.saml.test/metadata")


FORGED = {
    # Audience: a Cognate user pool's SP entity id (a response meant for a user pool's sign-in).
    "wrong_audience": lambda saml, imp, n: response(saml, n, forge="wrong_audience"),
    "wrong_recipient": lambda saml, imp, n: response(saml, n, forge="wrong_recipient"),
    # Destination is outside the assertion's signature: changed after signing.
    "wrong_destination": lambda saml, imp, n: reserialized(response(saml, n), mutate=_wrong_destination),
    # Both Destination and Recipient name a Cognate user pool's ACS, signed.
    "user_pool_acs": lambda saml, imp, n: response(saml, n, acs_url="http://127.0.0.1:9/us-east-1_Other/saml2/idpresponse"),
    "expired": lambda saml, imp, n: response(saml, n, forge="expired"),
    "unsigned": lambda saml, imp, n: response(saml, n, sign="none"),
    "foreign_key": lambda saml, imp, n: response(imp, n),
    # Signed by the metadata's key, but the Issuer is not the metadata's entity id.
    "wrong_issuer": lambda saml, imp, n: response(other_issuer(saml.keys_dir), n),
    "sha1": lambda saml, imp, n: response(saml, n, sign_alg=SIG_RSA_SHA1, digest_alg=DIGEST_SHA1),
    "sha1_digest": lambda saml, imp, n: response(saml, n, sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA1),
    "wrap_evil_first": lambda saml, imp, n: response(saml, n, forge="wrap_evil_first"),
    "wrap_extensions": lambda saml, imp, n: response(saml, n, forge="wrap_extensions"),
    "comment_in_name_id": lambda saml, imp, n: reserialized(response(saml, n + ".evil.test"),
                                                            mutate=_comment_in_name_id),
    "doctype": lambda saml, imp, n: reserialized(response(saml, n), text=_doctype),
    "not_xml": lambda saml, imp, n: base64.b64encode(b"not a SAML response").decode(),
    "not_base64": lambda saml, imp, n: "%%% not base64 %%%",
}


@pytest.mark.parametrize("case", ["wrong_destination", "comment_in_name_id", "doctype"])
def test_harness_post_signing_forgeries_keep_a_valid_signature(saml, saml_keys, tmp_path, case):
    """No Cognate: the forgeries made after signing still carry an assertion whose signature
    verifies (xmlsec1, the IdP certificate, by ID), so refusing them is refusing the change."""
    import subprocess

    name_id = fresh_name_id()
    xml = decode_response(FORGED[case](saml, None, name_id))
    if case == "doctype":
        assert "<!DOCTYPE" in xml, xml[:200]
        xml = xml.replace('<!DOCTYPE Response [<!ENTITY x "y">]>', "")
    root = etree.fromstring(xml.encode())
    assertion = root.find("saml:Assertion", NS)
    if case == "wrong_destination":
        assert root.get("Destination") == "https://evil.saml.test/saml", root.attrib
    if case == "comment_in_name_id":
        name = assertion.find("saml:Subject/saml:NameID", NS)
        assert name.text == name_id and len(name) == 1 and name[0].tail == ".evil.test", etree.tostring(name)
    path = tmp_path / f"{case}.xml"
    path.write_bytes(etree.tostring(root))
    done = subprocess.run([saml_idp.XMLSEC_BINARY, "--verify", "--pubkey-cert-pem", str(saml_keys / "idp.crt"),
                           "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
                           "--node-id", assertion.get("ID"), str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# A word of the reason each refusal must name (case-insensitive): refused for what it forges.
REASONS = {
    "wrong_audience": "audience", "wrong_recipient": "recipient", "wrong_destination": "destination",
    "user_pool_acs": "destination", "expired": "expired", "unsigned": "not signed", "foreign_key": "signature",
    "wrong_issuer": "issuer", "sha1": "signature", "sha1_digest": "signature", "wrap_evil_first": "assertion",
    "wrap_extensions": "assertion", "comment_in_name_id": "comment", "doctype": "document type",
    "not_xml": "xml", "not_base64": "base64",
}


@pytest.mark.parametrize("case", sorted(FORGED))
def test_saml_forged_response_is_refused(url, made, saml, impostor, saml_arn, case):
    """Each forgery is refused, for its reason, and creates no identity; the victim's genuine
    response then gets an identity of its own (nothing was linked)."""
    pool_id, _ = saml_pool(url, made, saml_arn, roles=False)  # GetId needs no role
    name_id = fresh_name_id()
    message = refused(url, pool_id, {saml_arn: FORGED[case](saml, impostor, name_id)})
    assert REASONS[case] in message.lower(), message
    assert identities(url, pool_id) == []
    get_id(url, pool_id, {saml_arn: response(saml, name_id)})
    if case.startswith("wrap"):  # the attacker's NameID got nothing either
        get_id(url, pool_id, {saml_arn: response(saml, EVIL_NAME_ID)})
        assert len(identities(url, pool_id)) == 2
    else:
        assert len(identities(url, pool_id)) == 1


def test_saml_clock_skew_is_sixty_seconds(tmp_path, server_factory, saml):
    """A response is accepted up to 60 s after its NotOnOrAfter (test clock), not later."""
    srv = server_factory(tmp_path / "data", extra_args=["--enable-test-clock"])
    arn = iam_of(srv.url).create_saml_provider(Name=uniq("idp"), SAMLMetadataDocument=saml.metadata())[
        "SAMLProviderArn"]
    pool_id = make_identity_pool(srv.url, SamlProviderARNs=[arn])["IdentityPoolId"]
    late, too_late = response(saml, fresh_name_id()), response(saml, fresh_name_id())
    ends = []
    for b64 in (late, too_late):
        root = etree.fromstring(decode_response(b64).encode())
        for path in ("saml:Assertion/saml:Conditions",
                     "saml:Assertion/saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData"):
            value = root.find(path, NS).get("NotOnOrAfter")
            ends.append(dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc).timestamp())
    end = max(ends)
    assert max(ends) - min(ends) <= 2, ends
    advance_clock(srv.url, int(end - time.time()) + 20)  # ~20 s past NotOnOrAfter
    get_id(srv.url, pool_id, {arn: late})
    advance_clock(srv.url, 60)  # ~80 s past
    refused(srv.url, pool_id, {arn: too_late})


# ---------------------------------------------------------------------------
# SAML: role mappings and configuration
# ---------------------------------------------------------------------------


def test_rules_role_mapping_on_saml_attributes(url, made, saml, saml_arn):
    """Rules keyed by the provider ARN read the attributes (several values joined by commas)
    and `sub` (the NameID); the first rule that matches wins."""
    pool_id, roles = saml_pool(url, made, saml_arn)
    ops_role = create_role(url, pool_id, name=uniq("OpsRole"))
    eng_role = create_role(url, pool_id, name=uniq("EngRole"))
    boss_role = create_role(url, pool_id, name=uniq("BossRole"))
    boss = fresh_name_id()

    def mapping(resolution):
        return {saml_arn: {
            "Type": "Rules",
            "AmbiguousRoleResolution": resolution,
            "RulesConfiguration": {"Rules": [
                {"Claim": "memberOf", "MatchType": "Equals", "Value": "ops,oncall", "RoleARN": ops_role},
                {"Claim": "memberOf", "MatchType": "Contains", "Value": "eng", "RoleARN": eng_role},
                {"Claim": "sub", "MatchType": "Equals", "Value": boss, "RoleARN": boss_role},
            ]},
        }}

    cid = cid_of(url)
    cid.set_identity_pool_roles(IdentityPoolId=pool_id, Roles=roles, RoleMappings=mapping("AuthenticatedRole"))
    assert list(cid.get_identity_pool_roles(IdentityPoolId=pool_id)["RoleMappings"]) == [saml_arn]

    cases = [
        (fresh_name_id(), {"memberOf": ["ops", "oncall"]}, ops_role),
        (fresh_name_id(), {"memberOf": ["staff", "eng"]}, eng_role),
        (fresh_name_id(), {"memberOf": ["oncall", "ops"]}, roles["authenticated"]),  # order matters for Equals
        (boss, {"memberOf": ["staff"]}, boss_role),
        (fresh_name_id(), {"department": ["eng"]}, roles["authenticated"]),  # another attribute
        (fresh_name_id(), None, roles["authenticated"]),
    ]
    ids = {}
    for name_id, attributes, role in cases:
        identity_id = get_id(url, pool_id, {saml_arn: response(saml, name_id, attributes)})
        ids[name_id] = (identity_id, attributes)
        credentials = get_credentials(url, identity_id, {saml_arn: response(saml, name_id, attributes)})["Credentials"]
        assert caller_arn(url, credentials) == assumed_role_arn(role), (name_id, attributes)

    # Deny when no rule decides; the rules still give their roles.
    cid.set_identity_pool_roles(IdentityPoolId=pool_id, Roles=roles, RoleMappings=mapping("Deny"))
    for name_id, attributes, role in cases:
        identity_id, _ = ids[name_id]
        logins = {saml_arn: response(saml, name_id, attributes)}
        if role == roles["authenticated"]:
            expect_error("NotAuthorizedException", get_credentials, url, identity_id, logins)
        else:
            assert caller_arn(url, get_credentials(url, identity_id, logins)["Credentials"]) == assumed_role_arn(role)


def test_saml_provider_not_in_the_pool_is_not_supported(url, made, saml, saml_arn):
    other_arn = new_saml_provider(url, made, saml)  # same IdP, another IAM provider
    pool_id, _ = saml_pool(url, made, other_arn)
    refused(url, pool_id, {saml_arn: response(saml, fresh_name_id())}, message=NOT_SUPPORTED)
    # Spellings of the provider that are not its ARN.
    name = saml_arn.rsplit("/", 1)[1]
    for key in (name, saml.entity_id, saml_arn.upper()):
        refused(url, pool_id, {key: response(saml, fresh_name_id())}, message=NOT_SUPPORTED)
    # A pool with no SAML provider at all.
    bare = make_identity_pool(url, SupportedLoginProviders={"accounts.google.com": "app.apps.googleusercontent.com"})
    made["pools"].append(bare["IdentityPoolId"])
    refused(url, bare["IdentityPoolId"], {saml_arn: response(saml, fresh_name_id())}, message=NOT_SUPPORTED)
    assert identities(url, pool_id) == [] and identities(url, bare["IdentityPoolId"]) == []


def test_saml_provider_deleted_from_iam(url, made, saml):
    arn = new_saml_provider(url, made, saml)
    pool_id, _ = saml_pool(url, made, arn)
    name_id = fresh_name_id()
    identity_id = get_id(url, pool_id, {arn: response(saml, name_id)})
    iam_of(url).delete_saml_provider(SAMLProviderArn=arn)
    refused(url, pool_id, {arn: response(saml, name_id)}, code="InvalidIdentityPoolConfigurationException",
            message=None)
    expect_error("InvalidIdentityPoolConfigurationException", get_credentials, url, identity_id,
                 {arn: response(saml, name_id)})


# ---------------------------------------------------------------------------
# IAM SAML provider operations
# ---------------------------------------------------------------------------


def test_iam_saml_provider_operations(url, made, saml, impostor):
    iam = iam_of(url)
    name = uniq("Corp.IdP_1")
    metadata = saml.metadata()
    arn = iam.create_saml_provider(Name=name, SAMLMetadataDocument=metadata)["SAMLProviderArn"]
    made["saml_providers"].append(arn)
    assert arn == f"arn:aws:iam::{ACCOUNT}:saml-provider/{name}", arn

    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["SAMLMetadataDocument"] == metadata
    created = got["CreateDate"]
    assert abs(created.timestamp() - time.time()) < 300, created
    listed = {p["Arn"]: p for p in iam.list_saml_providers()["SAMLProviderList"]}
    assert arn in listed and listed[arn]["CreateDate"] == created, listed.get(arn)

    exc = expect_error("EntityAlreadyExists", iam.create_saml_provider, Name=name, SAMLMetadataDocument=metadata)
    assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 409, exc.response

    # A pool trusting it: the IdP's key signs in; the impostor's does not.
    pool_id, _ = saml_pool(url, made, arn)
    name_id = fresh_name_id()
    identity_id = get_id(url, pool_id, {arn: response(saml, name_id)})
    refused(url, pool_id, {arn: response(impostor, name_id)})

    # UpdateSAMLProvider replaces the metadata: the new certificate is the one trusted now.
    rotated = impostor.metadata()
    assert iam.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument=rotated)["SAMLProviderArn"] == arn
    assert iam.get_saml_provider(SAMLProviderArn=arn)["SAMLMetadataDocument"] == rotated
    assert get_id(url, pool_id, {arn: response(impostor, name_id)}) == identity_id
    refused(url, pool_id, {arn: response(saml, name_id)})

    iam.delete_saml_provider(SAMLProviderArn=arn)
    expect_error("NoSuchEntity", iam.get_saml_provider, SAMLProviderArn=arn)
    expect_error("NoSuchEntity", iam.update_saml_provider, SAMLProviderArn=arn, SAMLMetadataDocument=metadata)
    expect_error("NoSuchEntity", iam.delete_saml_provider, SAMLProviderArn=arn)
    assert arn not in [p["Arn"] for p in iam.list_saml_providers()["SAMLProviderList"]]
    missing = f"arn:aws:iam::{ACCOUNT}:saml-provider/{uniq('never')}"
    expect_error("NoSuchEntity", iam.get_saml_provider, SAMLProviderArn=missing)


def _body(xml):
    """`xml` without its XML declaration."""
    return xml.split("?>", 1)[1] if xml.lstrip().startswith("<?xml") else xml


INVALID_METADATA = {
    "not_xml": lambda saml: "this is not XML " * 100,
    "doctype": lambda saml: '<?xml version="1.0"?><!DOCTYPE md [<!ENTITY x "y">]>' + _body(saml.metadata()),
    "no_signing_certificate": lambda saml: saml.metadata_without_signing_cert() + " " * 1000,
    "sp_metadata": lambda saml: AWS_SP_METADATA + " " * 1000,
}


@pytest.mark.parametrize("case", sorted(INVALID_METADATA))
def test_iam_saml_provider_refuses_unusable_metadata(url, made, saml, case):
    iam = iam_of(url)
    name = uniq("bad")
    expect_error("InvalidInput", iam.create_saml_provider, Name=name, SAMLMetadataDocument=INVALID_METADATA[case](saml))
    assert not [p for p in iam.list_saml_providers()["SAMLProviderList"] if p["Arn"].endswith("/" + name)]
    # UpdateSAMLProvider refuses it too and keeps the metadata.
    arn = new_saml_provider(url, made, saml)
    expect_error("InvalidInput", iam.update_saml_provider, SAMLProviderArn=arn,
                 SAMLMetadataDocument=INVALID_METADATA[case](saml))
    assert iam.get_saml_provider(SAMLProviderArn=arn)["SAMLMetadataDocument"] == saml.metadata()


def test_iam_saml_provider_name_constraint(url, saml):
    """Name must match [\\w._-]{1,128}: ValidationError, as IAM answers every constraint of its
    model (botocore's own validation is off so that the request reaches the server)."""
    iam = aws_client_unvalidated("iam", url)
    for name in ("has space", "a/b", "x" * 129):
        expect_error("ValidationError", iam.create_saml_provider, Name=name, SAMLMetadataDocument=saml.metadata())
    arns = [p["Arn"] for p in iam.list_saml_providers()["SAMLProviderList"]]
    assert not [a for a in arns if a.endswith(("/has space", "/a/b", "/" + "x" * 129))], arns


def test_iam_saml_provider_metadata_length_constraint(url, saml):
    """SAMLMetadataDocument must be 1,000 to 10,000,000 characters: a shorter one is a model
    constraint, so IAM answers ValidationError ("1 validation error detected: Value at
    'sAMLMetadataDocument' failed to satisfy constraint: Member must have length greater than
    or equal to 1000"), not InvalidInput."""
    iam = aws_client_unvalidated("iam", url)
    short = uniq("short")
    expect_error("ValidationError", iam.create_saml_provider, Name=short, SAMLMetadataDocument=saml.metadata()[:999])
    assert not [p for p in iam.list_saml_providers()["SAMLProviderList"] if p["Arn"].endswith("/" + short)]


# ---------------------------------------------------------------------------
# Facebook
# ---------------------------------------------------------------------------


def facebook_app(facebook):
    """A Facebook app of the stand-in signing in as a fresh account: (app id, secret, account)."""
    app_id = str(secrets.randbelow(10**15) + 10**15)
    secret = secrets.token_hex(16)
    account = {"id": str(secrets.randbelow(10**16) + 10**16), "name": "Eff Bee", "email": f"{uniq('fb')}@fb.test"}
    facebook.register(app_id, secret, account)
    return app_id, secret, account


def facebook_token(facebook, app_id, account):
    """An access token of `app_id` for `account`, put straight into the stand-in's table."""
    token = "EAA" + secrets.token_urlsafe(32)
    with facebook.lock:
        facebook.tokens[token] = {"client_id": app_id, "account": dict(account)}
    return token


def facebook_oauth_token(facebook, app_id, secret):
    """An access token of `app_id` through the stand-in's OAuth flow (dialog, code, exchange)."""
    redirect_uri = "https://app.example.test/fb-callback"
    r = requests.get(f"{facebook.url}/dialog/oauth", params={"client_id": app_id, "redirect_uri": redirect_uri,
                                                             "response_type": "code", "state": "s"},
                     allow_redirects=False, timeout=10)
    assert r.status_code == 302, (r.status_code, r.text)
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(r.headers["Location"]).query)["code"][0]
    r = requests.post(f"{facebook.url}/oauth/access_token", data={"client_id": app_id, "client_secret": secret,
                                                                  "code": code, "redirect_uri": redirect_uri},
                      timeout=10)
    assert r.status_code == 200, (r.status_code, r.text)
    return r.json()["access_token"]


def facebook_pool(url, made, app_id):
    pool_id = make_identity_pool(url, SupportedLoginProviders={FACEBOOK: app_id})["IdentityPoolId"]
    made["pools"].append(pool_id)
    return pool_id, create_roles(url, pool_id)


def test_facebook_login_gets_an_identity_and_credentials(url, made, social_stand_ins):
    facebook = social_stand_ins.facebook
    app_id, secret, account = facebook_app(facebook)
    pool_id, roles = facebook_pool(url, made, app_id)

    token = facebook_oauth_token(facebook, app_id, secret)
    identity_id = get_id(url, pool_id, {FACEBOOK: token})
    assert identity_id.startswith("us-east-1:"), identity_id
    # Cognate asked the Graph API which app the token belongs to, and who the user is.
    app_calls = [c for c in facebook.calls_to("/app") if c["query"].get("access_token") == token]
    me_calls = [c for c in facebook.calls_to("/me") if c["query"].get("access_token") == token]
    assert app_calls and me_calls, (facebook.calls_to("/app")[-3:], facebook.calls_to("/me")[-3:])
    assert set(me_calls[-1]["query"]["fields"].split(",")) >= {"id"}, me_calls[-1]

    # The same account, with the same or another token, is the same identity.
    assert get_id(url, pool_id, {FACEBOOK: token}) == identity_id
    assert get_id(url, pool_id, {FACEBOOK: facebook_token(facebook, app_id, account)}) == identity_id
    answer = get_credentials(url, identity_id, {FACEBOOK: token})
    assert answer["IdentityId"] == identity_id
    assert caller_arn(url, answer["Credentials"]) == assumed_role_arn(roles["authenticated"])
    assert cid_of(url).describe_identity(IdentityId=identity_id)["Logins"] == [FACEBOOK]

    token_claims = verify_identity_token(
        url, cid_of(url).get_open_id_token(IdentityId=identity_id, Logins={FACEBOOK: token})["Token"],
        pool_id)
    assert token_claims["sub"] == identity_id
    assert token_claims["amr"][0] == "authenticated" and FACEBOOK in token_claims["amr"], token_claims

    # Another account of the app is another identity.
    other = dict(account, id=str(int(account["id"]) + 1), email=f"{uniq('fb')}@fb.test")
    other_id = get_id(url, pool_id, {FACEBOOK: facebook_token(facebook, app_id, other)})
    assert other_id != identity_id
    assert len(identities(url, pool_id)) == 2


def test_facebook_token_of_another_app_is_refused(url, made, social_stand_ins):
    facebook = social_stand_ins.facebook
    app_id, _, account = facebook_app(facebook)
    other_app, other_secret, _ = facebook_app(facebook)
    pool_id, _ = facebook_pool(url, made, app_id)
    # The same person, but the token was issued to another app.
    refused(url, pool_id, {FACEBOOK: facebook_token(facebook, other_app, account)})
    refused(url, pool_id, {FACEBOOK: facebook_oauth_token(facebook, other_app, other_secret)})
    assert identities(url, pool_id) == []
    # The pool's own app signs the same person in.
    get_id(url, pool_id, {FACEBOOK: facebook_token(facebook, app_id, account)})


def test_facebook_unknown_token_is_refused(url, made, social_stand_ins):
    facebook = social_stand_ins.facebook
    app_id, _, account = facebook_app(facebook)
    pool_id, _ = facebook_pool(url, made, app_id)
    for token in ("EAA" + secrets.token_urlsafe(32), "not a token", "x" * 5000):
        refused(url, pool_id, {FACEBOOK: token})
    assert identities(url, pool_id) == []
    # A token revoked (gone from Graph) after it signed in stops working.
    token = facebook_token(facebook, app_id, account)
    identity_id = get_id(url, pool_id, {FACEBOOK: token})
    with facebook.lock:
        del facebook.tokens[token]
    expect_error("NotAuthorizedException", get_credentials, url, identity_id, {FACEBOOK: token})


def test_facebook_and_saml_logins_link_to_one_identity(url, made, social_stand_ins, saml, saml_arn):
    facebook = social_stand_ins.facebook
    app_id, _, account = facebook_app(facebook)
    pool_id = make_identity_pool(url, SupportedLoginProviders={FACEBOOK: app_id},
                                 SamlProviderARNs=[saml_arn])["IdentityPoolId"]
    made["pools"].append(pool_id)
    roles = create_roles(url, pool_id)
    name_id = fresh_name_id()
    identity_id = get_id(url, pool_id, {FACEBOOK: facebook_token(facebook, app_id, account)})
    both = {FACEBOOK: facebook_token(facebook, app_id, account), saml_arn: response(saml, name_id)}
    assert get_id(url, pool_id, both) == identity_id
    assert get_id(url, pool_id, {saml_arn: response(saml, name_id)}) == identity_id
    described = cid_of(url).describe_identity(IdentityId=identity_id)
    assert sorted(described["Logins"]) == sorted([FACEBOOK, saml_arn]), described
    answer = get_credentials(url, identity_id, {saml_arn: response(saml, name_id)})
    assert caller_arn(url, answer["Credentials"]) == assumed_role_arn(roles["authenticated"])
    assert [i["IdentityId"] for i in identities(url, pool_id)] == [identity_id]


def test_facebook_login_needs_facebook_in_the_pool(url, made, social_stand_ins, saml_arn):
    facebook = social_stand_ins.facebook
    app_id, _, account = facebook_app(facebook)
    pool_id, _ = saml_pool(url, made, saml_arn)
    refused(url, pool_id, {FACEBOOK: facebook_token(facebook, app_id, account)}, message=NOT_SUPPORTED)


# ---------------------------------------------------------------------------
# Providers Cognate does not verify yet
# ---------------------------------------------------------------------------


# (Login with Amazon: test_identity_amazon_logins.py.)
@pytest.mark.parametrize("provider,app", [
    ("api.twitter.com", "consumerkey;consumersecret"),
    ("www.digits.com", "consumerkey;consumersecret"),
])
def test_other_social_logins_not_verified_yet(url, made, provider, app):
    pool_id = make_identity_pool(url, SupportedLoginProviders={provider: app})["IdentityPoolId"]
    made["pools"].append(pool_id)
    create_roles(url, pool_id)
    message = refused(url, pool_id, {provider: "some-provider-token"}, message=None)
    assert message.startswith(f"Logins from {provider} are not verified by Cognate yet"), message
