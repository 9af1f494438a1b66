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


def test_crafted_client_ids_name_no_stylesheet(idp, url, pool):
    r = get(url, f"/{pool}/ui/" + urllib.parse.quote('x";}body{', safe="") + "/custom.css")
    assert r.status_code in (200, 404) and "body" not in r.text
