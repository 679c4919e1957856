"""The pages as a person meets them, in light and dark, on a desktop and a phone, by keyboard
alone and without JavaScript: every state is screenshot and checked by axe-core (``shot``)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import SCREENSHOTS, TIMEOUT_MS, PageProblems
from .site import Person, call_api

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1280, "phone": 390}


def focused(page) -> str:
    """The id of the focused element, or its tag name when it has none."""
    return page.evaluate("document.activeElement.id || document.activeElement.tagName.toLowerCase()")


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_whole_journey(page, shot, live_server, scheme, width):
    page.set_viewport_size({"width": WIDTHS[width], "height": 860})
    page.emulate_media(color_scheme=scheme)
    url = live_server.application_url
    ada = Person(page, url)

    page.goto("/register")
    page.problems.allow("status of 400")
    form = page.locator('form[action="/register"]')
    form.get_by_label("Name").fill(ada.name)
    form.get_by_label("Email").fill("not-an-email")
    form.locator('[name="password"]').fill("short")
    form.locator('[name="password_confirmation"]').fill("other")
    form.get_by_role("button", name="Register").click()
    expect(form.get_by_label("Name")).to_have_value(ada.name)
    expect(form.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("Email")).to_be_focused()  # the first field in error
    expect(form.locator(".error")).to_have_count(3)  # email, password, confirmation: all at once
    shot("registration-errors")
    ada.register()
    shot("dashboard")

    ada.go_to("API Tokens")
    form = ada.create_form
    result = form.locator("#expiry-result")
    form.locator('[name="expires_in_days"]').select_option("7")
    expect(result).to_contain_text(re.compile(r"The token will expire on \w+day, \d+ \w+ \d{4} \(UTC\)\."))
    form.locator('[name="expires_in_days"]').select_option("never")
    expect(result).to_contain_text("works until you delete it")
    shot("no-expiration-warned")
    form.locator('[name="expires_in_days"]').select_option("30")

    plaintext = ada.create_token("deploy bot", ["read"], "7")
    expect(page.get_by_role("heading", name="API token \u201cdeploy bot\u201d")).to_be_visible()
    assert focused(page) == "new-token"
    expect(page).to_have_url(re.compile(r"/user/api-tokens$"))
    expect(ada.token_row("deploy bot").get_by_text("Expires soon")).to_be_visible()
    expect(page.locator("#expiry-banner")).to_contain_text("deploy bot")
    assert ada.copy_new_token() == plaintext
    assert fits_the_width(page)
    shot("token-created")
    assert call_api(url, "/api/user", plaintext).status == 200

    ada.confirm(ada.token_row("deploy bot"), "Regenerate")
    regenerated = ada.new_token()
    assert focused(page) == "new-token"
    # the secret answers the POST, yet the address bar and the menu show the token page
    expect(page).to_have_url(re.compile(r"/user/api-tokens$"))
    expect(page.get_by_role("navigation").get_by_role("link", name="API Tokens")).to_have_attribute(
        "aria-current", "page")
    shot("token-regenerated")
    page.reload()
    expect(page.locator("#new-token")).to_have_count(0)
    assert regenerated not in page.content()

    form.get_by_label("Name").fill("deploy bot")
    form.get_by_role("checkbox", name="read", exact=True).uncheck()
    expect(page.locator("#token-name-note")).to_contain_text(
        "You already have a token called \u201cdeploy bot\u201d")
    expect(page.locator("#token-permissions-note")).to_contain_text("No permission is checked")
    shot("notes-while-filling")
    ada.create_token("deploy bot", [], "30")
    expect(page.locator(".note")).to_have_count(2)  # the name is used already, and no permission
    shot("notes")

    ada.go_to("Dashboard")
    expect(page.locator("#expiry-banner")).to_contain_text("deploy bot")
    shot("dashboard-warns")

    ada.go_to("Security log")
    current = page.get_by_role("navigation").locator('[aria-current="page"]').bounding_box()
    assert current["x"] >= 0 and current["x"] + current["width"] <= WIDTHS[width]  # scrolled into sight
    expect(page.locator("#security-events")).to_contain_text("Chrome")
    expect(page.locator("#security-events")).to_contain_text("deploy bot")
    assert fits_the_width(page)
    shot("security-log")

    ada.go_to("API Tokens")
    [first, _] = page.locator("li.token").all()
    expect(first.locator(".badge")).to_have_count(0)  # newest first: the 30-day one
    first.locator("summary", has_text="Delete").click()
    expect(first.locator(".confirm-text")).to_contain_text("Delete \u201cdeploy bot\u201d? It was never used")
    shot("delete-asks")
    first.get_by_role("button", name="Delete").click()
    expect(page.locator("#flash")).to_be_focused()
    shot("token-deleted")
    assert page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height") < 64


def test_create_copy_and_delete_with_the_keyboard_only(page, shot, live_server):
    ada = Person(page, live_server.application_url)
    ada.register()
    ada.go_to("API Tokens")
    keys = page.keyboard

    def tab_to(selector: str, most: int = 60):
        for _ in range(most):
            keys.press("Tab")
            if page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("#token-name")
    keys.type("keyboard")
    keys.press("Enter")
    expect(page.locator("#new-token")).to_be_focused()
    plaintext = page.locator("#new-token").input_value()
    keys.press("Tab")
    expect(page.get_by_role("button", name="Copy")).to_be_focused()  # one Tab away
    keys.press("Enter")
    expect(page.locator("#copy-status")).to_have_text("The token is on your clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == plaintext
    shot("copied")

    row = ada.token_row("keyboard")
    tab_to(f"#{row.get_attribute('id')} details:has(form[action$='/delete']) summary")
    keys.press("Enter")
    confirmation = row.locator("details").filter(has=page.locator("form[action$='/delete']"))
    expect(confirmation).to_have_attribute("open", "")
    keys.press("Tab")
    keys.press("Escape")  # closes the confirmation, back on its summary
    expect(confirmation).not_to_have_attribute("open", "")
    expect(confirmation.locator("summary")).to_be_focused()
    keys.press("Enter")
    shot("delete-asks")
    tab_to("form[action$='/delete'] button")
    keys.press("Enter")
    expect(page.locator("#flash")).to_be_focused()
    expect(ada.token_row("keyboard")).to_have_count(0)
    shot("deleted")


def test_without_javascript_the_token_is_easy_to_copy_and_no_button_is_dead(chromium, live_server):
    context = chromium.new_context(base_url=live_server.application_url, java_script_enabled=False,
                                   viewport={"width": 390, "height": 860})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        tab = context.new_page()
        tab.problems = PageProblems(tab)
        ada = Person(tab, live_server.application_url)
        ada.register()
        tab.goto("/user/api-tokens")
        expect(ada.create_form.locator("#expiry-result")).to_contain_text("The token will expire on")
        ada.create_token("no script", ["read"])
        expect(tab.get_by_role("button", name="Copy")).to_have_count(0)
        expect(tab.locator("#copy-status")).to_contain_text("Ctrl+C")
        tab.locator("#new-token").click()
        tab.keyboard.press("Control+A")
        selected = tab.evaluate("(() => { const f = document.getElementById('new-token');"
                                " return f.value.slice(f.selectionStart, f.selectionEnd); })()")
        # evaluate() runs even with the page's scripts off: it reads what a person selected
        assert selected.startswith("tks_")
        # a screenshot only: axe-core is a script, and never finishes on a page with scripts off
        tab.screenshot(path=SCREENSHOTS / "no-javascript.png", full_page=True)
        tab.problems.check()
    finally:
        context.close()
