"""A person's account in a real browser: the security log, a new password, deleting the account."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .site import Person, call_api

pytestmark = pytest.mark.browser

NEW_PASSWORD = "An0ther-passphrase!"


def test_security_log_lists_sign_ins_and_token_changes(page, shot, live_server):
    ada = Person(page, live_server.application_url)
    ada.register()
    ada.sign_out()
    page.problems.allow(r"status of 400")  # the failed sign-in page
    ada.sign_in(password="not-the-password")
    expect(page.get_by_role("alert")).to_be_visible()
    shot("failed-sign-in")
    ada.sign_in()
    ada.go_to("API Tokens")
    ada.create_token("ci", ["read"])
    ada.go_to("API Tokens")
    ada.confirm(ada.token_row("ci"), "Delete")

    ada.go_to("Security log")
    expect(page).to_have_url(re.compile(r"/user/security$"))
    log = page.get_by_role("main")
    for event in (r"fail", r"sign(ed)?[ -]?in", r"creat", r"delet"):
        expect(log).to_contain_text(re.compile(event, re.I))
    expect(log).to_contain_text("127.0.0.1")
    shot("security-log")


def test_changing_the_password_signs_out_other_sessions(page, open_tab, shot, live_server):
    url = live_server.application_url
    ada = Person(page, url)
    ada.register()
    elsewhere = Person(open_tab(), url)
    elsewhere.email, elsewhere.name = ada.email, ada.name
    elsewhere.page.goto("/")
    elsewhere.sign_in()
    assert elsewhere.signed_in()

    ada.go_to("Account")
    form = ada.reveal(page.locator('form[action="/user/password"]'))
    form.locator('[name="current_password"]').fill(ada.password)
    form.locator('[name="password"]').fill(NEW_PASSWORD)
    form.locator('[name="password_confirmation"]').fill(NEW_PASSWORD)
    form.get_by_role("button").click()
    shot("password-changed")
    assert ada.signed_in()
    assert not elsewhere.signed_in()

    ada.sign_out()
    page.problems.allow(r"status of 400")  # the refused old password
    ada.sign_in()
    expect(page.get_by_role("alert")).to_be_visible()
    ada.sign_in(password=NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    shot("signed-in-with-new-password")


def test_deleting_the_account_revokes_its_tokens(page, shot, live_server):
    url = live_server.application_url
    ada = Person(page, url)
    ada.register()
    ada.go_to("API Tokens")
    plaintext = ada.create_token("laptop", ["read"])
    assert call_api(url, "/api/user", plaintext).status == 200

    ada.go_to("Account")
    form = ada.reveal(page.locator('form[action="/user/delete"]'))
    form.locator('[name="password"]').fill(ada.password)
    shot("about-to-delete")
    ada.submit_and_confirm(form, "Delete")
    expect(page).to_have_url(re.compile(r"/$"))
    shot("account-deleted")
    assert not ada.signed_in()
    assert call_api(url, "/api/user", plaintext).status == 401

    page.problems.allow(r"status of 400")  # the account is gone
    ada.sign_in()
    expect(page.get_by_role("alert")).to_be_visible()
