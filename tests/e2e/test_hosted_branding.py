"""Branding of the hosted UI: the classic UI customization (SetUICustomization's CSS and logo)
and managed-login styles reach the pages through their own stylesheet and image routes, with
Cognito's customizable class names on the page elements; requests as the browser, boto3 for
the pool."""

import html
import re
import urllib.parse

import pytest
import requests

from helpers import delete_pool_quietly, make_client, uniq

CB = "http://localhost:8123/cb"
# The smallest PNG: its signature and a 1x1 image.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100ffff03000006000557bfab"
    "d40000000049454e44ae426082")


@pytest.fixture(scope="module")
def pool(idp):
    pool_id = idp.create_user_pool(PoolName=uniq("brand"))["UserPool"]["Id"]
    yield pool_id
    delete_pool_quietly(idp, pool_id)


def new_client(idp, pool):
    return idp.create_user_pool_client(
        UserPoolId=pool, ClientName=uniq("web"), AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid"], CallbackURLs=[CB],
        SupportedIdentityProviders=["COGNITO"])["UserPoolClient"]["ClientId"]


def login_page(url, pool, client, **extra):
    query = urllib.parse.urlencode({"client_id": client, "response_type": "code", "scope": "openid",
                                    "redirect_uri": CB, **extra})
    r = requests.get(f"{url}/{pool}/login?{query}", allow_redirects=False, timeout=10)
    assert r.status_code == 200, r.text
    return r


def stylesheets(page):
    return [html.unescape(h) for h in re.findall(r'<link rel="stylesheet" href="([^"]+)">', page.text)]


def get(url, path):
    return requests.get(urllib.parse.urljoin(url, path), timeout=10)


def test_classic_css_and_logo_reach_the_sign_in_page(idp, url, pool):
    client = new_client(idp, pool)
    css = ".submitButton-customizable { background-color: #ff0000; }"
    idp.set_ui_customization(UserPoolId=pool, ClientId=client, CSS=css, ImageFile=PNG)
    page = login_page(url, pool, client)
    sheets = stylesheets(page)
    assert sheets[0].endswith("/static/cognate.css"), sheets
    custom = f"/{pool}/ui/{client}/custom.css"
    assert custom in sheets and sheets.index(custom) > 0, sheets
    assert 'class="submitButton-customizable"' in page.text
    assert 'class="inputField-customizable"' in page.text and 'class="label-customizable"' in page.text
    assert 'class="background-customizable"' in page.text and 'class="banner-customizable"' in page.text
    assert "style=" not in page.text and "<style" not in page.text

    r = get(url, custom)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/css")
    assert r.text == css

    logo = re.search(r'<img class="logo-customizable" src="([^"]+)"', page.text).group(1)
    r = get(url, html.unescape(logo))
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/png"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.content == PNG
    # GetUICustomization's ImageUrl serves the same logo.
    image_url = idp.get_ui_customization(UserPoolId=pool, ClientId=client)["UICustomization"]["ImageUrl"]
    assert requests.get(image_url, timeout=10).content == PNG


def test_the_clients_customization_wins_over_the_pools(idp, url, pool):
    pool_css = ".submitButton-customizable { background-color: #00ff00; }"
    idp.set_ui_customization(UserPoolId=pool, ClientId="ALL", CSS=pool_css)
    plain, own = new_client(idp, pool), new_client(idp, pool)
    own_css = ".submitButton-customizable { background-color: #0000ff; }"
    idp.set_ui_customization(UserPoolId=pool, ClientId=own, CSS=own_css)
    assert get(url, f"/{pool}/ui/{plain}/custom.css").text == pool_css
    assert get(url, f"/{pool}/ui/{own}/custom.css").text == own_css
    # Without a logo anywhere, the page shows none.
    assert "logo-customizable" not in login_page(url, pool, plain).text


def test_no_customization_is_an_empty_stylesheet(idp, url):
    pool = idp.create_user_pool(PoolName=uniq("bare"))["UserPool"]["Id"]
    try:
        client = new_client(idp, pool)
        for name in ("custom.css", "branding.css"):
            r = get(url, f"/{pool}/ui/{client}/{name}")
            assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/css")
            assert "{" not in r.text
        assert get(url, f"/{pool}/ui/{client}/logo").status_code == 404
    finally:
        delete_pool_quietly(idp, pool)


def test_managed_login_colours_reach_the_branding_stylesheet(idp, url, pool):
    client = new_client(idp, pool)
    settings = {"components": {
        "primaryButton": {"lightMode": {"defaults": {"backgroundColor": "ff5500ff", "textColor": "#000000"}}},
        "pageBackground": {"lightMode": {"color": "red;} body{background:url(//evil)}"}}}}
    idp.create_managed_login_branding(UserPoolId=pool, ClientId=client, Settings=settings, Assets=[
        {"Category": "FORM_LOGO", "ColorMode": "LIGHT", "Extension": "PNG", "Bytes": PNG}])
    page = login_page(url, pool, client)
    sheet = f"/{pool}/ui/{client}/branding.css"
    assert sheet in stylesheets(page)
    r = get(url, sheet)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/css")
    assert "--cognate-button-bg: #ff5500ff;" in r.text and "--cognate-button-fg: #000000;" in r.text
    # The hostile value is dropped whole.
    assert "evil" not in r.text and "red" not in r.text and "--cognate-page-bg" not in r.text
    # The style's form logo is the page's logo.
    logo = re.search(r'<img class="logo-customizable" src="([^"]+)"', page.text).group(1)
    r = get(url, html.unescape(logo))
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/png" and r.content == PNG
    css = get(url, f"/{pool}/static/cognate.css").text
    assert "var(--cognate-button-bg, " in css


def test_full_size_branding_assets_fit_and_other_operations_keep_the_small_limit(idp, url, pool):
    client = new_client(idp, pool)
    # Two assets of the model's largest size (1,000,000 bytes each, 2.7 MB of JSON once base64-encoded).
    big = PNG + bytes(1_000_000 - len(PNG))
    style = idp.create_managed_login_branding(UserPoolId=pool, ClientId=client, Assets=[
        {"Category": "FORM_LOGO", "ColorMode": "LIGHT", "Extension": "PNG", "Bytes": big},
        {"Category": "PAGE_BACKGROUND", "ColorMode": "LIGHT", "Extension": "PNG", "Bytes": big},
    ], Settings={})["ManagedLoginBranding"]
    described = idp.describe_managed_login_branding(
        UserPoolId=pool, ManagedLoginBrandingId=style["ManagedLoginBrandingId"], ReturnMergedResources=False)
    assert [len(a["Bytes"]) for a in described["ManagedLoginBranding"]["Assets"]] == [1_000_000, 1_000_000]
    # Any other operation still refuses a body over 1 MiB before parsing it.
    with pytest.raises(Exception) as err:
        idp.update_user_pool_client(UserPoolId=pool, ClientId=client, ClientName="x" * (1100 * 1024))
    assert "SerializationException" in str(err.value) or "larger than" in str(err.value)


def test_crafted_client_ids_name_no_stylesheet(idp, url, pool):
    r = get(url, f"/{pool}/ui/" + urllib.parse.quote('x";}body{', safe="") + "/custom.css")
    assert r.status_code in (200, 404) and "body" not in r.text


OVERRIDE = """{% extends "base.html" %}
{% block content %}<h1>{{ t.sign_in_heading }}</h1><p id="operator">Operator page</p>
<form method="post" action="{{ action }}"><input type="hidden" name="_csrf" value="{{ csrf }}">
<label for="username">{{ t.username }}</label><input id="username" name="username">
<button type="submit" class="submitButton-customizable">{{ t.sign_in_button }}</button></form>
{% endblock %}
"""


@pytest.fixture(scope="module")
def operator(tmp_path_factory):
    """A server with an operator's templates: an overriding login.html and a French bundle."""
    from conftest import start_server
    templates = tmp_path_factory.mktemp("templates")
    (templates / "login.html").write_text(OVERRIDE)
    (templates / "locales").mkdir()
    (templates / "locales" / "fr.json").write_text('{"sign_in_heading": "Connexion", "error_heading": "Erreur"}')
    srv = start_server(tmp_path_factory.mktemp("data"), extra_args=["--hosted-ui-templates", str(templates)])
    client = make_client(srv.url)
    pool = client.create_user_pool(PoolName=uniq("op"))["UserPool"]["Id"]
    yield srv.url, client, pool
    srv.stop()


def test_an_operator_template_overrides_the_built_in_one(operator):
    url, client, pool = operator
    page = login_page(url, pool, new_client(client, pool))
    assert 'id="operator"' in page.text and "<h1>Sign in</h1>" in page.text
    # The built-in base still applies, with its stylesheet.
    assert any(s.endswith("/static/cognate.css") for s in stylesheets(page))


def test_lang_selects_an_operator_bundle_and_unknown_falls_back(operator):
    url, client, pool = operator
    app = new_client(client, pool)
    page = login_page(url, pool, app, lang="fr")
    assert '<html lang="fr">' in page.text and "<h1>Connexion</h1>" in page.text
    # A key the bundle lacks reads in English.
    assert ">Username</label>" in page.text
    # The form keeps lang for the next page.
    assert "lang=fr" in html.unescape(re.search(r'<form method="post" action="([^"]+)"', page.text).group(1))
    page = login_page(url, pool, app, lang="xx")
    assert '<html lang="en">' in page.text and "<h1>Sign in</h1>" in page.text
    # The error page of a request without redirect_uri speaks the request's language too.
    r = requests.get(f"{url}/{pool}/login?" + urllib.parse.urlencode({"client_id": app, "lang": "fr"}), timeout=10)
    assert r.status_code == 400 and "<h1>Erreur</h1>" in r.text and '<html lang="fr">' in r.text


def test_browser_languages_choose_the_bundle(operator):
    url, client, pool = operator
    app = new_client(client, pool)
    query = urllib.parse.urlencode({"client_id": app, "response_type": "code", "scope": "openid", "redirect_uri": CB})
    r = requests.get(f"{url}/{pool}/login?{query}", headers={"Accept-Language": "de, fr-CA;q=0.8"}, timeout=10)
    assert '<html lang="fr">' in r.text and "<h1>Connexion</h1>" in r.text


def test_a_broken_override_stops_the_start(tmp_path):
    from conftest import ServerStartError, start_server
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "login.html").write_text('{% extends "base.html" %}{% block content %}{% if %}{% endblock %}')
    with pytest.raises(ServerStartError) as e:
        start_server(tmp_path / "data", extra_args=["--hosted-ui-templates", str(templates)], timeout=30)
    assert "login.html" in str(e.value)
