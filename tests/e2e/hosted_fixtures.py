"""Helpers for driving the hosted UI as a browser would: a `requests.Session` that follows no
redirect by itself, reads each page's form (action, hidden fields such as the CSRF token and the
challenge state) and posts it back; authlib as the OAuth client that exchanges the code."""

import html
import re
import urllib.parse

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

CB = "http://localhost:8123/cb"
SCOPES = ["openid", "email", "profile", "aws.cognito.signin.user.admin"]

FORM_RE = re.compile(r'<form method="post" action="([^"]+)"')
HIDDEN_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def oauth_client(pool, secret=False):
    """An app client of an AuthPool that may use the hosted UI's code flow."""
    return pool.add_client(
        secret=secret, AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=SCOPES, CallbackURLs=[CB], SupportedIdentityProviders=["COGNITO"])


class HostedBrowser:
    """A browser for one hosted-UI sign-in: it remembers cookies and the last page."""

    def __init__(self, pool, client):
        self.url = pool.env.url
        self.pool = pool
        self.client = client
        self.s = requests.Session()
        self.meta = requests.get(f"{self.url}/{pool.id}/.well-known/openid-configuration", timeout=10).json()
        self.oauth = OAuth2Session(client["ClientId"], client.get("ClientSecret"), scope=" ".join(SCOPES),
                                   redirect_uri=CB, code_challenge_method="S256",
                                   token_endpoint_auth_method="client_secret_basic" if client.get(
                                       "ClientSecret") else "none")
        self.verifier = generate_token(48)
        self.page_url = None
        self.page = None

    def get(self, target):
        return self.s.get(target, allow_redirects=False, timeout=10)

    def open_login(self):
        target, _ = self.oauth.create_authorization_url(self.meta["authorization_endpoint"],
                                                        code_verifier=self.verifier, nonce=generate_token(16))
        r = self.get(target)
        assert r.status_code == 302, r.text
        self.page_url = urllib.parse.urljoin(target, r.headers["Location"])
        self.page = self.get(self.page_url)
        assert self.page.status_code == 200, self.page.text
        return self.page

    def post(self, fields, drop=()):
        """Submits the current page's form with `fields` added to its hidden fields; the
        response becomes the current page unless it is a redirect."""
        text = self.page.text
        action = html.unescape(FORM_RE.search(text).group(1))
        data = {name: html.unescape(value) for name, value in HIDDEN_RE.findall(text)}
        data.update(fields)
        for name in drop:
            data.pop(name, None)
        r = self.s.post(urllib.parse.urljoin(self.page_url, action), data=data, allow_redirects=False,
                        timeout=10)
        if r.status_code != 302:
            self.page_url = urllib.parse.urljoin(self.page_url, action)
            self.page = r
        return r

    def sign_in(self, username, password):
        self.open_login()
        return self.post({"username": username, "password": password})

    def tokens(self, response):
        """authlib's code exchange for the redirect `response` carries."""
        assert response.status_code == 302, response.text
        location = response.headers["Location"]
        assert location.startswith(CB + "?code="), location
        return self.oauth.fetch_token(self.meta["token_endpoint"], authorization_response=location,
                                      code_verifier=self.verifier)


def heading(page):
    match = re.search(r"<h1>(.*?)</h1>", page.text)
    return html.unescape(match.group(1)) if match else None


def alert(page):
    match = re.search(r'<p class="error[^"]*" role="alert">(.*?)</p>', page.text)
    return html.unescape(match.group(1)) if match else None
