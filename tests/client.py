"""A WebTest browser that speaks the contract: forms with their CSRF token, tokens, the API.

The page-reading helpers (``csrf_in``, ``new_token_in``) serve every client of the site
the tests and benchmarks use: this WebTest browser, the deployment tests' HTTP client
and the benchmarks' sign-in.
"""
from __future__ import annotations

import dataclasses
import json
import re
import uuid

import webtest

PASSWORD = "S3cure-passphrase!"
_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
_NEW_TOKEN = re.compile(r'id="new-token"[^>]*value="([^"]+)"')


def unique_email(stem: str = "user") -> str:
    return f"{stem}-{uuid.uuid4().hex[:10]}@example.com"


def csrf_in(html: str) -> str:
    """The CSRF token of a page, from its ``<meta name="csrf-token">``."""
    match = _META_CSRF.search(html)
    assert match, 'no <meta name="csrf-token"> on the page'
    return match.group(1)


def new_token_in(html: str) -> str:
    """The plaintext a create or regenerate page shows once, in ``id="new-token"``."""
    match = _NEW_TOKEN.search(html)
    assert match, 'no id="new-token" on the page'
    return match.group(1)


@dataclasses.dataclass
class Account:
    email: str
    name: str
    password: str
    id: int | None = None


class Browser(webtest.TestApp):
    """One cookie jar on the app.  ``status=None`` means "any status" (the test asserts)."""

    def __init__(self, app, remote_addr="127.0.0.1"):
        super().__init__(app, extra_environ={"REMOTE_ADDR": remote_addr})
        self.account: Account | None = None

    def do_request(self, req, status=None, expect_errors=None):
        return super().do_request(req, status="*" if status is None else status, expect_errors=expect_errors)

    def new_client(self) -> "Browser":
        return Browser(self.app)

    def new_user(self, name="Test User", password=PASSWORD) -> "Browser":
        client = self.new_client()
        client.register(unique_email(), name, password)
        return client

    def new_user_here(self, name="Test User", password=PASSWORD) -> "Browser":
        """Register and sign in with this browser itself (keeping its address and headers)."""
        self.register(unique_email(), name, password)
        return self

    # -- CSRF
    def csrf(self) -> str:
        return csrf_in(self.get("/").text)

    def form_post(self, path, fields=(), status=None, csrf=True, method="POST", headers=None):
        items = list(fields.items() if isinstance(fields, dict) else fields)
        if csrf:
            items.append(("csrf_token", self.csrf()))
        return self._gen_request(method, path, params=items, headers=headers,
                                 status="*" if status is None else status,
                                 content_type="application/x-www-form-urlencoded")

    # -- accounts
    def register(self, email, name, password, confirmation=None, status=303):
        res = self.form_post("/register", {"name": name, "email": email, "password": password,
                                           "password_confirmation": password if confirmation is None
                                           else confirmation}, status=status)
        if res.status_int == 303:
            self.account = Account(email, name, password)
            self.account.id = self.get("/api/user").json["id"] if self.app.registry.tokensite.api_enabled else None
        return res

    def login(self, email, password, status=303):
        return self.form_post("/login", {"email": email, "password": password}, status=status)

    def logout(self, status=303):
        return self.form_post("/logout", status=status)

    # -- tokens through the pages
    def submit_token_form(self, name, permissions=("read",), expires_in_days=None, status=None, csrf=True):
        fields = [("name", name)] + [("permissions", p) for p in permissions]
        if expires_in_days is not None:
            fields.append(("expires_in_days", str(expires_in_days)))
        return self.form_post("/user/api-tokens", fields, status=status, csrf=csrf)

    def create_token(self, name="token", permissions=("read",), expires_in_days=None) -> str:
        return new_token_in(self.submit_token_form(name, permissions, expires_in_days, status=201).text)

    def token_id(self, name: str) -> int:
        """The id of this user's token called ``name``, as the token page lists it."""
        [item] = [li for li in self.get("/user/api-tokens").html.find_all("li", class_="token")
                  if li.find(class_="token-name").text == name]
        return int(item["data-token-id"])

    # -- the JSON API
    def api(self, method, path, token=None, json_body=None, status=None, headers=None, csrf=False,
            cookies=None, body=None):
        """Call the API; with ``token`` as a bearer (and, unless ``cookies``, without this jar's cookies).

        ``json_body`` is sent as JSON; ``body`` (bytes) is sent as it is, as ``application/json``.
        """
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if csrf:
            headers["X-CSRF-Token"] = self.csrf()
        if cookies is None:
            cookies = "Authorization" not in headers
        client = self if cookies else Browser(self.app)
        kwargs = {"method": method.upper(), "headers": headers, "status": "*" if status is None else status}
        if json_body is not None:
            body = json.dumps(json_body).encode()
        if body is not None:
            kwargs.update(body=body, content_type="application/json")
        return client.request(path, **kwargs)
