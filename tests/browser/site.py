"""What a person does on the site, in a real browser; and the API as a script calls it.

Elements are found the way a person finds them -- by role, label and visible text --
or by what the contract fixes (form actions, field names, ``#new-token``), never by
layout, so that restyled pages keep these tests working.
"""
from __future__ import annotations

import dataclasses
import json
import re
import time
import urllib.error
import urllib.request

from playwright.sync_api import Locator, Page, expect

from ..client import PASSWORD, unique_email


@dataclasses.dataclass
class ApiResponse:
    status: int
    json: dict | None


def call_api(base_url: str, path: str, token: str, method: str = "GET") -> ApiResponse:
    """The API as a script sees it: urllib, a bearer token, no cookies."""
    request = urllib.request.Request(base_url + path, method=method, headers={
        "Authorization": f"Bearer {token}", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    return ApiResponse(status, json.loads(body) if body else None)


class Person:
    """One person in one browser tab."""

    def __init__(self, page: Page, base_url: str, name="Ada Lovelace"):
        self.page = page
        self.base_url = base_url
        self.name = name
        self.email = unique_email("browser")
        self.password = PASSWORD

    # -- pages
    def go_to(self, menu_item: str):
        """Follow a link of the site's menu, opening the menu first if it is folded away."""
        link = self.page.get_by_role("navigation").get_by_role("link", name=menu_item, exact=True)
        if not link.is_visible():
            self.open_menu()
        link.click()

    def open_menu(self):
        self.page.get_by_role("navigation").get_by_role("button", name=self.name).click()

    # -- accounts
    def register(self):
        self.page.goto("/")
        self.page.get_by_role("link", name="Register", exact=True).first.click()
        form = self.page.locator('form[action="/register"]')
        form.get_by_label("Name").fill(self.name)
        form.get_by_label("Email").fill(self.email)
        form.locator('[name="password"]').fill(self.password)
        form.locator('[name="password_confirmation"]').fill(self.password)
        form.get_by_role("button", name="Register").click()
        expect(self.page).to_have_url(re.compile(r"/dashboard$"))

    def sign_out(self):
        button = self.page.get_by_role("button", name="Sign out")
        if not button.is_visible():
            self.open_menu()
        button.click()
        expect(self.page).to_have_url(re.compile(r"/$"))

    def signed_in(self) -> bool:
        return self.page.request.get("/dashboard", max_redirects=0).status == 200

    def sign_in(self, password: str | None = None):
        self.page.get_by_role("link", name="Sign in", exact=True).first.click()
        form = self.page.locator('form[action="/login"]')
        form.get_by_label("Email").fill(self.email)
        form.get_by_label("Password").fill(password or self.password)
        form.get_by_role("button", name="Sign in").click()

    # -- tokens
    @property
    def create_form(self) -> Locator:
        return self.page.locator('form[action="/user/api-tokens"]')

    def create_token(self, name: str, permissions: list[str], expires_in_days: str = "30") -> str:
        """Fill in and submit the create form; return the plaintext shown once in #new-token."""
        form = self.create_form
        form.get_by_label("Name").fill(name)
        for box in form.get_by_role("checkbox").all():
            box.set_checked(box.get_attribute("value") in permissions)
        form.locator('[name="expires_in_days"]').select_option(expires_in_days)
        form.get_by_role("button", name="Create").click()
        return self.new_token()

    def new_token(self) -> str:
        field = self.page.locator("#new-token")
        expect(field).to_be_visible()
        return field.input_value()

    def copy_new_token(self) -> str:
        """Press Copy; return what reached the clipboard, or else what the page selected for Ctrl+C."""
        self.page.get_by_role("button", name="Copy").click()
        field = self.page.locator("#new-token")
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:  # the page copies asynchronously
            copied = self.page.evaluate("navigator.clipboard.readText().catch(() => null)")
            if copied:
                return copied
            time.sleep(0.1)
        return field.evaluate("f => document.activeElement === f ? f.value.slice(f.selectionStart, f.selectionEnd) : ''")

    def token_row(self, name: str) -> Locator:
        """The list item (or table row) that shows the token called ``name``."""
        rows = self.page.get_by_role("listitem").or_(self.page.get_by_role("row"))
        return rows.filter(has=self.page.get_by_text(name, exact=True))

    def confirm(self, row: Locator, action: str):
        """Start ``action`` on a token and confirm it, wherever the page asks: inline, in a dialog, or on a page.

        A ``confirm()`` box, if the page uses one, is accepted by the ``page`` fixture.
        """
        row.get_by_text(action, exact=True).first.click()
        dialog = self.page.get_by_role("dialog").filter(visible=True)
        if dialog.count():
            scope = dialog
        elif row.count():
            scope = row
        else:
            scope = self.page
        scope.get_by_role("button", name=action).filter(visible=True).last.click()

    def reveal(self, form: Locator) -> Locator:
        """Open the disclosure (``<details>``) a form is folded into, as a person clicks its summary."""
        if not form.is_visible():
            self.page.locator("details").filter(has=form).last.locator("summary").first.click()
        expect(form).to_be_visible()
        return form

    def submit_and_confirm(self, form: Locator, button: str):
        """Press ``button`` of ``form``, then confirm in a dialog if the page opens one."""
        form.get_by_role("button", name=button).click()
        dialog = self.page.get_by_role("dialog").filter(visible=True)
        if dialog.count():
            dialog.get_by_role("button", name=button).click()
