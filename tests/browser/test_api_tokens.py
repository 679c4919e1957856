"""A person manages API tokens in a real browser and uses them from a script."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from .site import Person, call_api

pytestmark = pytest.mark.browser

XSS_NAME = "<script>alert(1)</script>"


def test_token_lifecycle(page, shot, live_server):
    url = live_server.application_url
    ada = Person(page, url)

    ada.register()
    shot("registered")
    ada.sign_out()
    shot("signed-out")
    ada.sign_in()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    shot("signed-in")

    ada.go_to("API Tokens")
    expect(page).to_have_url(re.compile(r"/user/api-tokens$"))
    form = ada.create_form
    expect(form.get_by_role("checkbox", name="read", exact=True)).to_be_checked()
    expect(form.locator('[name="expires_in_days"]')).to_have_value("30")
    shot("token-manager")

    plaintext = ada.create_token("deploy bot", ["read", "update"], "30")
    assert plaintext.startswith("tks_")
    assert ada.copy_new_token() == plaintext
    shot("token-created")

    me = call_api(url, "/api/user", plaintext)
    assert (me.status, me.json["email"]) == (200, ada.email)
    token = call_api(url, "/api/token", plaintext).json
    assert sorted(token["abilities"]) == ["read", "update"]
    expires = dt.datetime.fromisoformat(token["expires_at"])
    assert abs(expires - dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=30)) < dt.timedelta(minutes=5)

    ada.go_to("API Tokens")
    expect(page.locator("#new-token")).to_have_count(0)
    row = ada.token_row("deploy bot")
    expect(row).to_contain_text(re.compile(r"Last used (just now|\d+ \w+ ago)"))
    shot("token-used")

    row.get_by_text("Permissions", exact=True).click()
    row.get_by_role("checkbox", name="update", exact=True).uncheck()
    row.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/user/api-tokens$"))
    shot("permissions-saved")
    assert call_api(url, "/api/token", plaintext).json["abilities"] == ["read"]

    ada.confirm(ada.token_row("deploy bot"), "Regenerate")
    regenerated = ada.new_token()
    shot("token-regenerated")
    assert regenerated != plaintext
    assert call_api(url, "/api/user", plaintext).status == 401
    assert call_api(url, "/api/token", regenerated).json["abilities"] == ["read"]

    ada.go_to("API Tokens")
    ada.confirm(ada.token_row("deploy bot"), "Delete")
    expect(ada.token_row("deploy bot")).to_have_count(0)
    shot("token-deleted")
    assert call_api(url, "/api/user", regenerated).status == 401


def test_token_names_are_shown_as_text(page, shot, live_server):
    ada = Person(page, live_server.application_url)
    ada.register()
    ada.go_to("API Tokens")
    ada.create_token(XSS_NAME, ["read"])
    ada.go_to("API Tokens")
    expect(ada.token_row(XSS_NAME)).to_have_count(1)
    shot("script-name-listed")
    assert page.problems.dialogs == []
