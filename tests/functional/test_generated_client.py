"""A client generated from the served document by openapi-python-client works: a whole journey
through its typed methods and models, errors included, against the app (in-process, through
httpx's WSGI transport).  If the document regresses (a construct the generator cannot type, a
status or header left out), this fails.
"""
from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from .test_posts import ALL

PACKAGE = "generated_tokensite_client"
CONFIG = f"package_name_override: {PACKAGE}\npost_hooks: []\n"


@pytest.fixture
def generated(browser, tmp_path, monkeypatch):
    """The generated package, imported from a temporary folder."""
    document = tmp_path / "openapi.json"
    document.write_bytes(browser.get("/api/openapi.json", status=200).body)
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    generator = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run([str(generator), "generate", "--path", str(document), "--config", str(config),
                             "--meta", "none", "--fail-on-warning", "--output-path", str(tmp_path / PACKAGE)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
        del sys.modules[name]
    yield lambda module: importlib.import_module(f"{PACKAGE}.{module}")
    for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
        del sys.modules[name]


def test_a_generated_client_makes_the_whole_journey(app, user, generated):
    client_module, models = generated("client"), generated("models")
    get_user, get_token = generated("api.user.get_user"), generated("api.token.get_token")
    rotate_token = generated("api.token.rotate_token")
    list_posts, create_post = generated("api.posts.list_posts"), generated("api.posts.create_post")
    get_post, update_post = generated("api.posts.get_post"), generated("api.posts.update_post")
    delete_post = generated("api.posts.delete_post")

    def client(token):
        return client_module.AuthenticatedClient(base_url="http://localhost/api", token=token,
                                                 raise_on_unexpected_status=True,
                                                 httpx_args={"transport": httpx.WSGITransport(app=app)})

    writer = client(user.create_token("generated", ALL, expires_in_days=30))

    me = get_user.sync(client=writer)
    assert isinstance(me, models.User) and (me.id, me.email) == (user.account.id, user.account.email)

    created = []
    for n in range(5):
        response = create_post.sync_detailed(client=writer,
                                             body=models.PostInput(title=f"Post {n}", body="b"))
        assert response.status_code == 201 and isinstance(response.parsed, models.Post)
        assert response.headers["Location"].endswith(f"/api/posts/{response.parsed.id}")
        created.append(response.parsed.id)

    seen, cursor = [], generated("types").UNSET
    while True:
        response = list_posts.sync_detailed(client=writer, limit=2, cursor=cursor)
        page = response.parsed
        assert isinstance(page, models.PostPage)
        seen += [post.id for post in page.items]
        if page.next_ is None:
            break
        assert f"cursor={page.next_}" in response.headers["Link"]
        cursor = page.next_
    assert seen == sorted(created, reverse=True)

    post_id = created[0]
    read = get_post.sync_detailed(client=writer, id=post_id)
    etag = read.headers["ETag"]
    assert get_post.sync_detailed(client=writer, id=post_id, if_none_match=etag).status_code == 304
    patched = update_post.sync_detailed(client=writer, id=post_id, if_match=etag,
                                        body=models.PostPatch(title="Patched"))
    assert patched.status_code == 200 and patched.parsed.title == "Patched" and patched.parsed.body == "b"
    stale = update_post.sync_detailed(client=writer, id=post_id, if_match=etag,
                                      body=models.PostPatch(body="lost update"))
    assert stale.status_code == 412 and isinstance(stale.parsed, models.Error)
    assert stale.parsed.error.code == models.ErrorErrorCode.PRECONDITION_FAILED
    assert get_post.sync(client=writer, id=post_id).body == "b"
    deleted = delete_post.sync_detailed(client=writer, id=post_id, if_match=patched.headers["ETag"])
    assert deleted.status_code == 204

    reader = client(user.create_token("reader", ["read"]))
    refused = create_post.sync_detailed(client=reader, body=models.PostInput(title="no"))
    assert refused.status_code == 403 and refused.headers["Tokensite-Token-Abilities"] == "read"
    assert (refused.parsed.error.code, refused.parsed.error.required) == (
        models.ErrorErrorCode.INSUFFICIENT_SCOPE, "create")

    stranger = client("tks_" + "a" * 48)
    unauthenticated = get_user.sync_detailed(client=stranger)
    assert unauthenticated.status_code == 401 and "Bearer" in unauthenticated.headers["WWW-Authenticate"]
    assert unauthenticated.parsed.error.code == models.ErrorErrorCode.INVALID_TOKEN

    rotated = rotate_token.sync_detailed(client=writer, body=models.Rotation(
        expires_in_days=models.RotationExpiresInDaysType0.VALUE_7))
    assert rotated.status_code == 201 and isinstance(rotated.parsed, models.RotatedToken)
    assert get_user.sync_detailed(client=writer).status_code == 401
    renewed = client(rotated.parsed.token)
    token = get_token.sync(client=renewed)
    assert isinstance(token, models.Token) and token.name == "generated" and token.expires_at is not None
    assert get_user.sync(client=renewed).id == me.id
