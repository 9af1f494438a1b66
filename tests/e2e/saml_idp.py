"""A SAML 2.0 test identity provider for the federation tests, built on pysaml2 (which signs and
encrypts through Debian's `xmlsec1` binary) and lxml (for the attacks made after signing).

Nothing here is committed key material: `make_keys(DIR)` generates, at run time, the IdP's
RSA-2048 key and self-signed certificate, an impostor ("evil") pair that no pool trusts, and an
SP pair that only the harness self-tests use (Cognate's own SP certificate comes from its
metadata).

- `SamlIdp(keys_dir)`: the IdP. `.metadata()` is its metadata (entityID IDP_ENTITY_ID, SSO over
  HTTP-Redirect at IDP_SSO_URL and over HTTP-POST, a signing KeyDescriptor). Nothing ever
  connects to IDP_SSO_URL: the tests read Cognate's redirect to it and answer in its place.
- `.load_sp_metadata(xml)`: Cognate's SP metadata (`{server}/{poolId}/saml2/metadata`); loaded
  into pysaml2 too, and parsed independently into `.sp` (entity_id, acs_url, certs).
- `.parse_redirect(url)`: decodes the AuthnRequest of an HTTP-Redirect URL (DEFLATE + base64)
  and, when it carries SigAlg + Signature, verifies the query signature over the octets as
  received (saml-bindings 3.4.4.1) with the SP metadata's signing certificates: a bad signature
  raises `RequestSignatureError`. Returns {id, issuer, acs_url, destination, protocol_binding,
  relay_state, signed, sig_alg, xml}.
- `.respond(request, name_id, attributes, ...)`: the HTTP-POST form {"SAMLResponse", "RelayState"}
  of a Response to `request` (None: IdP-initiated, to the loaded SP). `sign`: "assertion" |
  "response" | "both" | "none"; `encrypt_cert_pem`: an EncryptedAssertion (AES-128-CBC,
  RSA-OAEP) to that certificate; `forge`: one mutation from FORGERIES.
- `.impostor()`: the same IdP (entity id, SP metadata) signing with the evil key.
- Single logout (SP-initiated, HTTP-Redirect both ways): every `respond` puts a SessionIndex
  in the AuthnStatement (`session_index`, or a fresh one) and records the IdP session in
  `.sessions` ({SessionIndex: NameID}). `.parse_logout_redirect(url)` decodes the LogoutRequest
  of a redirect to IDP_SLO_URL, verifies its query signature over the octets as received (as
  `parse_redirect` does) and has pysaml2's IdP parse it too (`parse_logout_request`, with its
  own redirect-signature check). `.logout_response(request)` ends the IdP session and returns
  the URL of the signed (SigAlg + Signature over the query) HTTP-Redirect LogoutResponse
  (`create_logout_response` + `apply_binding`) to the SP's SLO endpoint; `sign=False`, `forge`
  (LOGOUT_FORGERIES) and `relay_state` make the negative cases. `redirect_signature_ok(url,
  cert_pem)` checks a redirect message's query signature with pysaml2's verifier.
- `MetadataServer(xml)`: serves the metadata at http://127.0.0.1:PORT/metadata (`.url`),
  counting the GETs (`.hits`); `.stop()`.

Requires pysaml2 (tests/e2e/requirements.txt) and /usr/bin/xmlsec1 (apt-get install xmlsec1).
`python3 saml_idp.py metadata DIR` makes keys in DIR (if absent) and prints the IdP metadata.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import os
import shutil
import sys
import tempfile
import threading
import warnings
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote_plus, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

# pysaml2 imports a CFB cipher that `cryptography` deprecates; the warning is noise here.
warnings.filterwarnings("ignore", message=".*CFB.*")
warnings.filterwarnings("ignore", module=r"saml2(\.|$)")

from lxml import etree  # noqa: E402

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, saml, samlp  # noqa: E402
from saml2.config import IdPConfig  # noqa: E402
from saml2.metadata import create_metadata_string  # noqa: E402
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_EMAILADDRESS  # noqa: E402
from saml2.server import Server  # noqa: E402
from saml2.sigver import RSA_OAEP_MGF1P, pre_encrypt_assertion, pre_encryption_part, pre_signature_part  # noqa: E402
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA1, SIG_RSA_SHA256, SIG_RSA_SHA512  # noqa: E402

XMLSEC_BINARY = "/usr/bin/xmlsec1"
IDP_ENTITY_ID = "https://idp.saml.test/metadata"
IDP_SSO_URL = "https://idp.saml.test/sso/redirect"
IDP_SSO_POST_URL = "https://idp.saml.test/sso/post"
IDP_SLO_URL = "https://idp.saml.test/slo/redirect"
AES128_CBC = "http://www.w3.org/2001/04/xmlenc#aes128-cbc"

# Attribute names as ADFS / Entra ID send them (NameFormat uri); what an AttributeMapping names.
EMAIL_ATTRIBUTE = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
NAME_ATTRIBUTE = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"

NS = {
    "md": "urn:oasis:names:tc:SAML:2.0:metadata",
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "xenc": "http://www.w3.org/2001/04/xmlenc#",
}

SIG_HASHES = {SIG_RSA_SHA256: hashes.SHA256(), SIG_RSA_SHA512: hashes.SHA512(), SIG_RSA_SHA1: hashes.SHA1()}

# forge= values. Before signing: the signature covers the wrong content. After signing: attacks.
FORGERIES = {
    "wrong_audience": "Audience is another pool's SP entity id (signed)",
    "wrong_recipient": "SubjectConfirmationData Recipient is another ACS; Destination stays right (signed)",
    "expired": "Conditions and SubjectConfirmationData NotOnOrAfter in the past (signed)",
    "wrong_in_response_to": "InResponseTo names another request (signed)",
    "wrap_evil_first": "XSW: an unsigned evil assertion inserted before the genuine signed one",
    "wrap_extensions": "XSW: the genuine signed assertion moved under samlp:Extensions, an evil one in its place",
}
EVIL_NAME_ID = "admin@corp.test"
LOGOUT_FORGERIES = {
    "wrong_in_response_to": "InResponseTo names another request (then signed)",
    "wrong_destination": "Destination is another host's SLO URL; the redirect still goes to the SP (signed)",
    "wrong_issuer": "Issuer is another IdP's entity id (signed by this one)",
}


class RequestSignatureError(AssertionError):
    """A signed AuthnRequest (or LogoutRequest) whose query signature does not verify."""


# --------------------------------------------------------------------------
# keys
# --------------------------------------------------------------------------


def make_key_and_cert(common_name: str, key_path: Path, cert_path: Path) -> None:
    """A fresh RSA-2048 key and a self-signed certificate, valid from a day ago for ten years."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def make_keys(directory) -> Path:
    """idp.key/crt, evil.key/crt and sp.key/crt in `directory` (made if absent); the directory."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    for stem, cn in (("idp", "Cognate Test IdP"), ("evil", "Evil IdP"), ("sp", "Harness Test SP")):
        if not (d / f"{stem}.key").exists():
            make_key_and_cert(cn, d / f"{stem}.key", d / f"{stem}.crt")
    return d


def pem_body(pem: str) -> str:
    """A PEM certificate's base64 body on one line (what metadata and pysaml2 templates carry)."""
    return "".join(line.strip() for line in pem.strip().splitlines() if not line.startswith("-----"))


def pem_of_b64_der(b64: str) -> str:
    body = "".join(b64.split())
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def cert_der(pem_or_b64: str) -> bytes:
    """DER of a certificate given as PEM or as bare base64 (as in metadata)."""
    text = pem_or_b64.strip()
    if "-----BEGIN" in text:
        return x509.load_pem_x509_certificate(text.encode()).public_bytes(serialization.Encoding.DER)
    return x509.load_der_x509_certificate(base64.b64decode("".join(text.split()))).public_bytes(
        serialization.Encoding.DER)


def xmlsec_problem():
    """Why the harness cannot sign here, or None."""
    if shutil.which(XMLSEC_BINARY) is None and not os.path.exists(XMLSEC_BINARY):
        return f"xmlsec1 is not installed ({XMLSEC_BINARY}; apt-get install xmlsec1)"
    return None


# --------------------------------------------------------------------------
# SP metadata, read independently of pysaml2
# --------------------------------------------------------------------------


def parse_sp_metadata(xml: str) -> dict:
    """{entity_id, acs_url (HTTP-POST), acs_bindings, slo_bindings, signing_certs, encryption_certs,
    all_certs, authn_requests_signed} of an SP's metadata; certificates as PEM. KeyDescriptors without `use`
    count for both uses (saml-metadata 2.4.1.1)."""
    root = etree.fromstring(xml.encode() if isinstance(xml, str) else xml)
    if root.tag != f"{{{NS['md']}}}EntityDescriptor":
        raise ValueError(f"not an md:EntityDescriptor: {root.tag}")
    sp = root.find("md:SPSSODescriptor", NS)
    if sp is None:
        raise ValueError("no SPSSODescriptor")
    acs = sp.findall("md:AssertionConsumerService", NS)
    post = [a.get("Location") for a in acs if a.get("Binding") == BINDING_HTTP_POST]
    slo = sp.findall("md:SingleLogoutService", NS)
    signing, encryption, every = [], [], []
    for kd in sp.findall("md:KeyDescriptor", NS):
        use = kd.get("use")
        for c in kd.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS):
            pem = pem_of_b64_der(c.text)
            cert_der(pem)  # must be a certificate
            every.append(pem)
            if use in (None, "", "signing"):
                signing.append(pem)
            if use in (None, "", "encryption"):
                encryption.append(pem)
    return {
        "entity_id": root.get("entityID"),
        "acs_url": post[0] if post else None,
        "acs_bindings": [(a.get("Binding"), a.get("Location")) for a in acs],
        "slo_bindings": [(a.get("Binding"), a.get("Location")) for a in slo],
        "signing_certs": signing,
        "encryption_certs": encryption,
        "all_certs": every,
        "authn_requests_signed": sp.get("AuthnRequestsSigned"),
    }


# --------------------------------------------------------------------------
# the IdP
# --------------------------------------------------------------------------


class SamlIdp:
    """pysaml2 `Server` as an upstream SAML IdP. `key` names the pair in `keys_dir` it signs with."""

    def __init__(self, keys_dir, key: str = "idp", entity_id: str = IDP_ENTITY_ID, sso_url: str = IDP_SSO_URL):
        problem = xmlsec_problem()
        if problem:
            raise RuntimeError(problem)
        self.keys_dir = Path(keys_dir)
        self.key_name = key
        self.entity_id = entity_id
        self.sso_url = sso_url
        self.key_file = str(self.keys_dir / f"{key}.key")
        self.cert_file = str(self.keys_dir / f"{key}.crt")
        self.cert_pem = Path(self.cert_file).read_text()
        conf = {
            "entityid": entity_id,
            "xmlsec_binary": XMLSEC_BINARY,
            "key_file": self.key_file,
            "cert_file": self.cert_file,
            "service": {
                "idp": {
                    "endpoints": {
                        "single_sign_on_service": [(sso_url, BINDING_HTTP_REDIRECT),
                                                   (IDP_SSO_POST_URL, BINDING_HTTP_POST)],
                        "single_logout_service": [(IDP_SLO_URL, BINDING_HTTP_REDIRECT)],
                    },
                    "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                    "want_authn_requests_signed": False,
                    "policy": {"default": {"lifetime": {"minutes": 5}, "attribute_restrictions": None,
                                           "name_form": NAME_FORMAT_URI}},
                }
            },
            "metadata": {},
            "delete_tmpfiles": True,
        }
        cfg = IdPConfig()
        cfg.load(copy.deepcopy(conf))
        self.server = Server(config=cfg)
        self.sp = None
        self.sp_metadata_xml = None
        self.sessions = {}  # SessionIndex -> NameID of the sessions this IdP has open
        self.last_session_index = None

    # ---- metadata -----------------------------------------------------------

    def metadata(self) -> str:
        """The IdP's metadata (EntityDescriptor with IDPSSODescriptor and a signing certificate)."""
        xml = create_metadata_string(None, config=self.server.config, valid=None)
        return xml.decode() if isinstance(xml, bytes) else xml

    def metadata_without_signing_cert(self, keep_encryption_cert: bool = False) -> str:
        """The metadata with every KeyDescriptor removed, or with the only one left marked
        use="encryption" (`keep_encryption_cert`): either way no signing certificate."""
        root = etree.fromstring(self.metadata().encode())
        kds = root.findall(".//md:KeyDescriptor", NS)
        assert kds, "expected a KeyDescriptor in pysaml2's metadata"
        for i, kd in enumerate(kds):
            if keep_encryption_cert and i == 0:
                kd.set("use", "encryption")
            else:
                kd.getparent().remove(kd)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode()

    def load_sp_metadata(self, xml: str) -> dict:
        """Trust the SP of `xml` (Cognate's SP metadata); returns its parsed summary (`.sp`)."""
        self.sp = parse_sp_metadata(xml)
        self.sp_metadata_xml = xml
        self.server.metadata.load("inline", xml)
        if not self.server.metadata.service(self.sp["entity_id"], "spsso_descriptor",
                                             "assertion_consumer_service"):
            raise ValueError("pysaml2 found no AssertionConsumerService in the SP metadata")
        return self.sp

    def impostor(self) -> "SamlIdp":
        """The same IdP (entity id, SSO URL, SP metadata) signing with the untrusted evil key."""
        other = SamlIdp(self.keys_dir, key="evil", entity_id=self.entity_id, sso_url=self.sso_url)
        if self.sp_metadata_xml is not None:
            other.load_sp_metadata(self.sp_metadata_xml)
        return other

    # ---- requests -----------------------------------------------------------

    def parse_redirect(self, url: str) -> dict:
        """The AuthnRequest an HTTP-Redirect URL carries; its query signature (if any) verified."""
        query = urlsplit(url).query
        params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        if "SAMLRequest" not in params:
            raise AssertionError(f"no SAMLRequest in {url}")
        xml = zlib.decompress(base64.b64decode(params["SAMLRequest"]), -15).decode()
        root = etree.fromstring(xml.encode())
        if root.tag != f"{{{NS['samlp']}}}AuthnRequest":
            raise AssertionError(f"not a samlp:AuthnRequest: {root.tag}")
        issuer = root.find("saml:Issuer", NS)
        signed = "Signature" in params or "SigAlg" in params
        if signed:
            self._verify_redirect_signature(query, params)
        return {
            "id": root.get("ID"),
            "version": root.get("Version"),
            "issue_instant": root.get("IssueInstant"),
            "issuer": issuer.text if issuer is not None else None,
            "sp_entity_id": issuer.text if issuer is not None else None,
            "acs_url": root.get("AssertionConsumerServiceURL"),
            "destination": root.get("Destination"),
            "protocol_binding": root.get("ProtocolBinding"),
            "relay_state": params.get("RelayState"),
            "signed": signed,
            "sig_alg": params.get("SigAlg"),
            "embedded_signature": root.find("ds:Signature", NS) is not None,
            "xml": xml,
        }

    def _verify_redirect_signature(self, query: str, params: dict) -> None:
        """saml-bindings 3.4.4.1: the signature is over `SAMLRequest=..&RelayState=..&SigAlg=..`
        exactly as the octets were received (no re-encoding)."""
        if self.sp is None:
            raise RequestSignatureError("a signed AuthnRequest, but no SP metadata is loaded")
        if "Signature" not in params or "SigAlg" not in params:
            raise RequestSignatureError("SigAlg and Signature must come together")
        raw = {}
        for part in query.split("&"):
            name, _, value = part.partition("=")
            raw.setdefault(unquote_plus(name), value)
        signed = "&".join(f"{k}={raw[k]}" for k in ("SAMLRequest", "RelayState", "SigAlg") if k in raw)
        alg = params["SigAlg"]
        if alg not in SIG_HASHES:
            raise RequestSignatureError(f"unsupported SigAlg {alg}")
        if not self.sp["signing_certs"]:
            raise RequestSignatureError("the SP metadata has no signing certificate")
        sig = base64.b64decode(params["Signature"])
        for pem in self.sp["signing_certs"]:
            cert = x509.load_pem_x509_certificate(pem.encode())
            try:
                cert.public_key().verify(sig, signed.encode(), padding.PKCS1v15(), SIG_HASHES[alg])
                return
            except Exception:  # noqa: BLE001  (try the next certificate)
                continue
        raise RequestSignatureError("the AuthnRequest's query signature does not verify with the SP metadata's "
                                    "signing certificates")

    # ---- single logout --------------------------------------------------------

    def parse_logout_redirect(self, url: str) -> dict:
        """The LogoutRequest of an HTTP-Redirect URL: its query signature (required) verified
        over the octets as received with the SP metadata's signing certificates (a bad one
        raises RequestSignatureError), then parsed and checked by pysaml2's IdP
        (`parse_logout_request`: Destination is this IdP's SLO URL, Version, IssueInstant, and
        its own check of the redirect signature). Returns {id, version, issue_instant,
        destination, issuer, name_id, name_id_format, session_indexes, relay_state, signed,
        sig_alg, embedded_signature, xml, message (pysaml2's LogoutRequest)}."""
        query = urlsplit(url).query
        params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        if "SAMLRequest" not in params:
            raise AssertionError(f"no SAMLRequest in {url}")
        xml = zlib.decompress(base64.b64decode(params["SAMLRequest"]), -15).decode()
        root = etree.fromstring(xml.encode())
        if root.tag != f"{{{NS['samlp']}}}LogoutRequest":
            raise AssertionError(f"not a samlp:LogoutRequest: {root.tag}")
        signed = "Signature" in params or "SigAlg" in params
        if not signed:
            raise RequestSignatureError("the LogoutRequest is not signed (no SigAlg / Signature)")
        self._verify_redirect_signature(query, params)
        # pysaml2 checks the redirect signature only when the IdP wants signed requests.
        previous = self.server.config.getattr("want_authn_requests_signed", "idp")
        self.server.config.setattr("idp", "want_authn_requests_signed", True)
        try:
            parsed = self.server.parse_logout_request(params["SAMLRequest"], BINDING_HTTP_REDIRECT,
                                                      relay_state=params.get("RelayState"),
                                                      sigalg=params["SigAlg"], signature=params["Signature"])
        finally:
            self.server.config.setattr("idp", "want_authn_requests_signed", previous)
        if parsed is None or parsed.message is None:
            raise AssertionError(f"pysaml2 did not accept the LogoutRequest: {xml}")
        message = parsed.message
        issuer = root.find("saml:Issuer", NS)
        name_id = root.find("saml:NameID", NS)
        return {
            "id": root.get("ID"),
            "version": root.get("Version"),
            "issue_instant": root.get("IssueInstant"),
            "destination": root.get("Destination"),
            "issuer": issuer.text if issuer is not None else None,
            "name_id": name_id.text if name_id is not None else None,
            "name_id_format": name_id.get("Format") if name_id is not None else None,
            "session_indexes": [e.text for e in root.findall("samlp:SessionIndex", NS)],
            "relay_state": params.get("RelayState"),
            "signed": signed,
            "sig_alg": params.get("SigAlg"),
            "embedded_signature": root.find("ds:Signature", NS) is not None,
            "xml": xml,
            "message": message,
        }

    def logout_response(self, request: dict, *, relay_state: str | None = None, sign: bool = True,
                        forge: str | None = None, sig_alg: str = SIG_RSA_SHA256) -> str:
        """Ends the IdP session `request` (parse_logout_redirect's dict) names, and returns
        the URL of the LogoutResponse (Status Success, InResponseTo = the request's ID, Issuer =
        this IdP, Destination = the SP's HTTP-Redirect SingleLogoutService from its metadata)
        over HTTP-Redirect: RelayState (the request's unless given), and,
        when `sign`, SigAlg + Signature over the query with this IdP's key. `forge`: one of
        LOGOUT_FORGERIES, applied before signing."""
        if forge is not None and forge not in LOGOUT_FORGERIES:
            raise ValueError(f"unknown logout forgery {forge}")
        for index in request["session_indexes"]:
            if self.sessions.get(index) == request["name_id"]:
                del self.sessions[index]
        response = self.server.create_logout_response(request["message"], bindings=[BINDING_HTTP_REDIRECT],
                                                      sign=False)
        target = response.destination
        if forge == "wrong_in_response_to":
            response.in_response_to = "_another_request_0123456789"
        elif forge == "wrong_destination":
            response.destination = urlsplit(target)._replace(netloc="evil.saml.test").geturl()
        elif forge == "wrong_issuer":
            response.issuer.text = "https://other-idp.saml.test/metadata"
        xml = response.to_string() if hasattr(response, "to_string") else response
        xml = xml.decode() if isinstance(xml, bytes) else str(xml)
        if relay_state is None:
            relay_state = request["relay_state"]
        info = self.server.apply_binding(BINDING_HTTP_REDIRECT, xml, destination=target,
                                         relay_state=relay_state or "", response=True, sign=sign,
                                         sigalg=sig_alg)
        return dict(info["headers"])["Location"]

    # ---- responses ----------------------------------------------------------

    def respond(self, request: dict | None, name_id: str, attributes: dict | None = None, *,
                sp_entity_id: str | None = None, acs_url: str | None = None, relay_state: str | None = None,
                sign: str = "assertion", encrypt_cert_pem: str | None = None, forge: str | None = None,
                sign_alg: str = SIG_RSA_SHA256, digest_alg: str = DIGEST_SHA256,
                session_index: str | None = None) -> dict:
        """The HTTP-POST form of a Response for `name_id` (format emailAddress) with `attributes`
        ({name: [values]}, NameFormat uri). `request`: parse_redirect's dict (InResponseTo = its
        id; RelayState echoed) or None (IdP-initiated: no InResponseTo; `relay_state` as given).
        Destination, Recipient and Audience come from the request / the loaded SP metadata
        unless given. The AuthnStatement's SessionIndex is `session_index` (default: a fresh
        one); the IdP session is recorded in `.sessions` and `.last_session_index`."""
        if forge is not None and forge not in FORGERIES:
            raise ValueError(f"unknown forgery {forge}")
        if sign not in ("assertion", "response", "both", "none"):
            raise ValueError(f"sign must be assertion|response|both|none, not {sign}")
        in_response_to = request["id"] if request else None
        sp_entity_id = sp_entity_id or (request or {}).get("issuer") or (self.sp or {}).get("entity_id")
        acs_url = acs_url or (request or {}).get("acs_url") or (self.sp or {}).get("acs_url")
        if not sp_entity_id or not acs_url:
            raise ValueError("no SP entity id / ACS URL: load the SP metadata or pass them")
        attributes = {k: list(v) for k, v in (attributes or {}).items()}

        resp = self.server.create_authn_response(
            identity={},
            in_response_to=in_response_to,
            destination=acs_url,
            sp_entity_id=sp_entity_id,
            name_id=saml.NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=name_id),
            authn={"class_ref": saml.AUTHN_PASSWORD_PROTECTED, "authn_auth": self.entity_id},
            sign_response=False,
            sign_assertion=False,
            encrypt_assertion=False,
        )
        if isinstance(resp, (str, bytes)):
            resp = samlp.response_from_string(resp)
        a = resp.assertion[0] if isinstance(resp.assertion, list) else resp.assertion
        a.attribute_statement = [saml.AttributeStatement(attribute=[
            saml.Attribute(name=name, name_format=NAME_FORMAT_URI,
                           attribute_value=[saml.AttributeValue(text=v) for v in values])
            for name, values in attributes.items()])] if attributes else []
        confirmation = a.subject.subject_confirmation[0].subject_confirmation_data
        session_index = session_index or "_sess" + os.urandom(16).hex()
        a.authn_statement[0].session_index = session_index
        self.sessions[session_index] = name_id
        self.last_session_index = session_index

        # -- content the signature then covers --
        if forge == "wrong_audience":
            a.conditions.audience_restriction[0].audience[0].text = "urn:amazon:cognito:sp:us-east-1_SomeOtherPool"
        elif forge == "wrong_recipient":
            confirmation.recipient = urlsplit(acs_url)._replace(netloc="evil.saml.test").geturl()
        elif forge == "expired":
            now = dt.datetime.now(dt.timezone.utc)
            fmt = "%Y-%m-%dT%H:%M:%SZ"
            a.issue_instant = resp.issue_instant = (now - dt.timedelta(hours=2)).strftime(fmt)
            if a.authn_statement:
                a.authn_statement[0].authn_instant = a.issue_instant
            past = (now - dt.timedelta(hours=1)).strftime(fmt)
            a.conditions.not_before = (now - dt.timedelta(hours=2)).strftime(fmt)
            a.conditions.not_on_or_after = past
            confirmation.not_on_or_after = past
        elif forge == "wrong_in_response_to":
            resp.in_response_to = "_another_request_0123456789"
            confirmation.in_response_to = "_another_request_0123456789"

        if encrypt_cert_pem:
            xml = self._sign_and_encrypt(resp, a, encrypt_cert_pem, sign, sign_alg, digest_alg)
        else:
            xml = self._sign(resp, a, sign, sign_alg, digest_alg)

        # -- attacks on the signed document --
        if forge == "wrap_evil_first":
            xml = wrap_evil_first(xml)
        elif forge == "wrap_extensions":
            xml = wrap_in_extensions(xml)

        form = {"SAMLResponse": base64.b64encode(xml.encode()).decode()}
        if relay_state is None and request is not None:
            relay_state = request.get("relay_state")
        if relay_state is not None:
            form["RelayState"] = relay_state
        return form

    def _sign(self, resp, a, sign, sign_alg, digest_alg) -> str:
        to_sign = []
        if sign in ("assertion", "both"):
            a.signature = pre_signature_part(a.id, self.server.sec.my_cert, 2, sign_alg=sign_alg, digest_alg=digest_alg)
            to_sign.append((saml.Assertion, a.id))
        if sign in ("response", "both"):
            resp.signature = pre_signature_part(resp.id, self.server.sec.my_cert, 1, sign_alg=sign_alg,
                                                digest_alg=digest_alg)
            to_sign.append((samlp.Response, resp.id))
        xml = resp.to_string()
        xml = xml.decode() if isinstance(xml, bytes) else xml
        for cls, node_id in to_sign:  # the assertion first: the Response digest covers its signature
            xml = self.server.sec.sign_statement(xml, node_name=class_name(cls), node_id=node_id)
        return xml

    def _sign_and_encrypt(self, resp, a, cert_pem, sign, sign_alg, digest_alg) -> str:
        """The assertion signed (sign = assertion | both), encrypted (AES-128-CBC, key by RSA-OAEP
        to `cert_pem`), then the Response signed (sign = response | both)."""
        sign_assertion = sign in ("assertion", "both")
        if sign_assertion:
            a.signature = pre_signature_part(a.id, self.server.sec.my_cert, 2, sign_alg=sign_alg, digest_alg=digest_alg)
        assertion_tag = a._to_element_tree().tag
        resp = pre_encrypt_assertion(resp)
        xml = resp.get_xml_string_with_self_contained_assertion_within_encrypted_assertion(assertion_tag)
        xml = xml.decode() if isinstance(xml, bytes) else xml
        if sign_assertion:
            xml = self.server.sec.sign_statement(xml, node_name=class_name(saml.Assertion), node_id=a.id)
        tmpl = pre_encryption_part(msg_enc=AES128_CBC, key_enc=RSA_OAEP_MGF1P, encrypt_cert=pem_body(cert_pem))
        with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as f:
            f.write(cert_pem if cert_pem.endswith("\n") else cert_pem + "\n")
            cert_path = f.name
        try:
            xml = self.server.sec.crypto.encrypt_assertion(xml, cert_path, tmpl, key_type="aes-128")
        finally:
            os.unlink(cert_path)
        xml = xml.decode() if isinstance(xml, bytes) else xml
        if sign in ("response", "both"):
            tree = etree.fromstring(xml.encode())
            sig = etree.fromstring(pre_signature_part(tree.get("ID"), self.server.sec.my_cert, 1, sign_alg=sign_alg,
                                                      digest_alg=digest_alg).to_string())
            tree.find("saml:Issuer", NS).addnext(sig)
            xml = etree.tostring(tree).decode()
            xml = self.server.sec.sign_statement(xml, node_name=class_name(samlp.Response), node_id=tree.get("ID"))
        return xml


def redirect_signature_ok(url: str, cert_pem: str) -> bool:
    """Whether an HTTP-Redirect message's query signature verifies with `cert_pem`, by
    pysaml2's own verifier (which re-encodes the parameters, saml-bindings 3.4.4.1)."""
    from saml2.sigver import RSACrypto, verify_redirect_signature

    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}
    if "Signature" not in params or "SigAlg" not in params:
        return False
    try:
        return bool(verify_redirect_signature(params, RSACrypto(None), cert=pem_body(cert_pem)))
    except Exception:  # noqa: BLE001  (a signature that does not verify)
        return False


def class_name(cls) -> str:
    return f"{cls.c_namespace}:{cls.c_tag}"


def decode_response(form_or_b64) -> str:
    """The XML of a SAMLResponse (form dict or base64)."""
    b64 = form_or_b64["SAMLResponse"] if isinstance(form_or_b64, dict) else form_or_b64
    return base64.b64decode(b64).decode()


# --------------------------------------------------------------------------
# signature wrapping (applied after signing)
# --------------------------------------------------------------------------


def _evil_copy(good):
    evil = copy.deepcopy(good)
    sig = evil.find("ds:Signature", NS)
    if sig is not None:
        evil.remove(sig)
    evil.set("ID", "_evil" + good.get("ID").lstrip("_"))
    evil.find("saml:Subject/saml:NameID", NS).text = EVIL_NAME_ID
    return evil


def wrap_evil_first(xml: str) -> str:
    """XSW: an unsigned copy of the assertion (new ID, NameID admin@corp.test) inserted before the
    genuine signed one, which still verifies by its ID."""
    root = etree.fromstring(xml.encode())
    good = root.find("saml:Assertion", NS)
    if good is None:
        raise ValueError("wrapping needs a plain (unencrypted) assertion")
    good.addprevious(_evil_copy(good))
    return etree.tostring(root).decode()


def wrap_in_extensions(xml: str) -> str:
    """XSW: the genuine signed assertion moved under samlp:Extensions (its signature still
    verifies by ID), an unsigned evil one (NameID admin@corp.test) in its place."""
    root = etree.fromstring(xml.encode())
    good = root.find("saml:Assertion", NS)
    if good is None:
        raise ValueError("wrapping needs a plain (unencrypted) assertion")
    good.addprevious(_evil_copy(good))
    root.remove(good)
    ext = etree.Element(f"{{{NS['samlp']}}}Extensions")
    ext.append(good)
    anchor = root.find("ds:Signature", NS)
    if anchor is None:
        anchor = root.find("saml:Issuer", NS)
    anchor.addnext(ext)
    return etree.tostring(root).decode()


# --------------------------------------------------------------------------
# metadata over loopback http (MetadataURL)
# --------------------------------------------------------------------------


class MetadataServer:
    """Serves `xml` at {url} = http://127.0.0.1:PORT/metadata (other paths: 404); `.hits` counts GETs."""

    def __init__(self, xml: str):
        self.xml = xml.encode()
        self.hits = 0
        self.lock = threading.Lock()
        served = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                if urlsplit(self.path).path != "/metadata":
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                with served.lock:
                    served.hits += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/samlmetadata+xml")
                self.send_header("Content-Length", str(len(served.xml)))
                self.end_headers()
                self.wfile.write(served.xml)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/metadata"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] != "metadata":
        print(__doc__)
        return 2
    print(SamlIdp(make_keys(argv[2])).metadata())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
