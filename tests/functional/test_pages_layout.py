"""The frame every page shares: header and menu, flash messages, the CSRF token, the stylesheet."""
import pytest

from ..client import PASSWORD

SIGNED_IN_PAGES = ["/dashboard", "/user/api-tokens", "/user/security", "/user/account"]
PUBLIC_PAGES = ["/", "/login", "/register"]


def meta_csrf(res) -> str:
    return res.html.find("meta", attrs={"name": "csrf-token"})["content"]


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_anonymous_get_of_a_signed_in_page_redirects_to_login_with_next(browser, path):
    res = browser.get(path, status=303)
    assert res.location.endswith("/login?next=" + path.replace("/", "%2F"))


@pytest.mark.parametrize("path", SIGNED_IN_PAGES + PUBLIC_PAGES)
def test_every_page_has_the_csrf_meta_and_every_post_form_the_same_token(user, path):
    user.create_token("listed")  # so the token page has its per-token forms
    client = user if path in SIGNED_IN_PAGES else user.new_client()
    res = client.get(path, status=200)
    token = meta_csrf(res)
    assert token
    forms = [f for f in res.html.find_all("form") if f.get("method", "get").lower() == "post"]
    assert forms or path == "/", f"{path} has a POST form (at least the sign-out or sign-in form)"
    for form in forms:
        assert form.find("input", attrs={"name": "csrf_token"})["value"] == token, form.get("action")


@pytest.mark.parametrize("path", SIGNED_IN_PAGES + PUBLIC_PAGES)
def test_every_input_has_a_label(user, path):
    client = user if path in SIGNED_IN_PAGES else user.new_client()
    html = client.get(path, status=200).html
    labelled = {label.get("for") for label in html.find_all("label")}
    for field in html.find_all(["input", "select", "textarea"]):
        if field.get("type") in ("hidden", "submit"):
            continue
        assert field.get("aria-label") or field.get("id") in labelled or field.find_parent("label"), field


def test_the_header_names_the_user_and_offers_the_menu_in_order(user):
    html = user.get("/dashboard", status=200).html
    assert html.find(id="signed-in-user").text == "Ada Lovelace"
    links = [(a["href"], a.text) for a in html.find(id="main-menu").find_all("a")]
    assert links == [("/dashboard", "Dashboard"), ("/user/api-tokens", "API Tokens"),
                     ("/user/security", "Security log"), ("/user/sessions", "Browser Sessions"),
                     ("/user/account", "Account")]
    assert html.find(id="main-menu").find("a", attrs={"aria-current": "page"})["href"] == "/dashboard"
    assert html.find(id="logout-form")["action"] == "/logout"


def test_without_the_api_feature_the_menu_has_no_api_tokens(make_app):
    from ..client import Browser

    client = Browser(make_app({"tokensite.features.api": "false"})).new_user()
    menu = client.get("/dashboard", status=200).html.find(id="main-menu")
    assert "/user/api-tokens" not in [a["href"] for a in menu.find_all("a")]
    assert client.get("/user/security", status=200)
    client.get("/user/api-tokens", status=404)


def test_the_user_name_is_escaped_everywhere(browser):
    client = browser.new_user(name='<script>alert("x")</script>')
    for path in SIGNED_IN_PAGES:
        text = client.get(path, status=200).text
        assert '<script>alert("x")</script>' not in text
        assert "&lt;script&gt;" in text


def test_a_flash_message_is_shown_once(user):
    user.create_token("flashy")
    user.form_post(f"/user/api-tokens/{user.token_id('flashy')}/delete", status=303)
    first = user.get("/user/api-tokens", status=200).html.find(id="flash")
    assert "flashy" in first.text and "deleted" in first.text
    assert user.get("/user/api-tokens", status=200).html.find(id="flash") is None


def test_the_stylesheet_is_ours_versioned_and_cached(user):
    html = user.get("/dashboard").html
    hrefs = [link["href"] for link in html.find_all("link", rel="stylesheet")]
    assert len(hrefs) == 1 and hrefs[0].startswith("/static/site.css?x=")
    assert not html.find_all("script", src=lambda src: src and "//" in src)
    res = user.get(hrefs[0], status=200)
    assert res.content_type == "text/css"
    assert res.cache_control.max_age >= 86400


def test_signing_out_from_the_header_ends_the_session(user):
    user.logout()
    user.get("/dashboard", status=303)
    assert user.login(user.account.email, PASSWORD).status_int == 303


@pytest.mark.parametrize("path, status", [("/no-such-page", 404), ("/user/api-tokens/1/delete", 400)])
def test_error_pages_carry_the_layout_and_csrf_meta(user, path, status):
    res = user.get(path, status=404) if status == 404 else user.form_post(path, csrf=False, status=400)
    assert meta_csrf(res)
    assert res.html.find(id="signed-in-user").text == "Ada Lovelace"
