"""production.ini as shipped: PostgreSQL/secret/Redis from the environment, secure, JSON logs."""
from __future__ import annotations

import json
import os
import pathlib
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from pyramid.exceptions import ConfigurationError
from pyramid.paster import get_app, get_appsettings

from tokensite.models import dispose_engines
from tokensite.testing import SESSION_SECRET

PRODUCTION_INI = str(pathlib.Path(__file__).parents[2] / "production.ini")
VARIABLES = ("TOKENSITE_DATABASE_URL", "TOKENSITE_SESSION_SECRET", "TOKENSITE_RATELIMIT_STORAGE")


@pytest.fixture
def environ(monkeypatch, database_url):
    """The deployer's environment: database and secret set, Redis left to the ini's default."""
    for variable in VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("TOKENSITE_DATABASE_URL", database_url)
    monkeypatch.setenv("TOKENSITE_SESSION_SECRET", SESSION_SECRET)
    return monkeypatch


@pytest.fixture
def load():
    apps = []

    def load_app():
        app = get_app(PRODUCTION_INI)
        apps.append(app)
        return app

    yield load_app
    for app in apps:
        dispose_engines(app.registry)


def test_the_ini_has_no_secret_no_database_and_no_debugging():
    settings = get_appsettings(PRODUCTION_INI)
    assert not settings.get("tokensite.session.secret")
    assert not settings["sqlalchemy.url"].strip()
    assert "pyramid.includes" not in settings  # no debug toolbar
    assert settings["pyramid.reload_templates"] == "false"
    assert all(settings[key] == "false" for key in settings if key.startswith("pyramid.debug_"))


def test_it_loads_with_the_environment(environ, load, database_url):
    app = load()
    settings = app.registry.tokensite
    assert str(app.registry["dbengine"].url.render_as_string(hide_password=False)) == database_url
    assert settings.session_secret == SESSION_SECRET
    assert settings.session_secure is True
    assert settings.ratelimit_storage == "redis://127.0.0.1:6379/0"
    assert [str(network) for network in settings.proxy_trusted] == ["127.0.0.1/32", "::1/128"]
    assert SESSION_SECRET not in repr(settings)


def test_the_environment_chooses_the_rate_limit_storage(environ, load):
    environ.setenv("TOKENSITE_RATELIMIT_STORAGE", "memory://")
    assert load().registry.tokensite.ratelimit_storage == "memory://"


@pytest.mark.parametrize("secret, problem", [
    (None, "is missing"),
    ("", "is missing"),
    ("x" * 31, "is 31 characters long"),
])
def test_it_refuses_to_start_without_a_long_secret(environ, load, secret, problem):
    if secret is None:
        environ.delenv("TOKENSITE_SESSION_SECRET")
    else:
        environ.setenv("TOKENSITE_SESSION_SECRET", secret)
    with pytest.raises(ConfigurationError) as refused:
        load()
    message = str(refused.value)
    assert problem in message
    assert "TOKENSITE_SESSION_SECRET" in message and "tokensite.session.secret" in message


def test_it_refuses_to_start_without_a_database(environ, load):
    environ.delenv("TOKENSITE_DATABASE_URL")
    with pytest.raises(ConfigurationError, match="TOKENSITE_DATABASE_URL"):
        load()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_serves_it_and_logs_json_lines(database_url, tmp_path):
    """The README's command, for real: ``gunicorn --paste production.ini``."""
    port = free_port()
    env = {**os.environ, "TOKENSITE_DATABASE_URL": database_url, "TOKENSITE_SESSION_SECRET": SESSION_SECRET,
           "TOKENSITE_RATELIMIT_STORAGE": "memory://"}
    stderr = tmp_path / "stderr"
    gunicorn = pathlib.Path(sys.executable).with_name("gunicorn")
    with open(stderr, "wb") as log:
        server = subprocess.Popen([str(gunicorn), "--paste", PRODUCTION_INI, "-w", "1", "-b", f"127.0.0.1:{port}"],
                                  env=env, stdout=subprocess.DEVNULL, stderr=log, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/openapi.json", timeout=5) as res:
                    assert res.status == 200 and json.load(res)["openapi"].startswith("3.1")
                    break
            except OSError:
                assert server.poll() is None, stderr.read_text()
                assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as res:
            cookie = res.headers["Set-Cookie"] or ""
        assert "tokensite_session=" in cookie and "secure" in cookie.lower()
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = [line for line in stderr.read_text().splitlines() if line.strip()]
    assert lines, "gunicorn logged nothing"
    records = [json.loads(line) for line in lines]
    assert {"asctime", "levelname", "name", "message"} <= set(records[0])
    assert any(record["name"].startswith("gunicorn") for record in records)
