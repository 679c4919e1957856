"""The served document passes the linters client authors run: Redocly's ``recommended`` rules and
Spectral's ``spectral:oas``, with no error and no warning.

Both come from the npm registry (package.json, package-lock.json); ``make test`` installs them
into node_modules first (``npm ci``).
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "node_modules" / ".bin"
#: no telemetry, no update check: the run talks to nobody
QUIET = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true", "NO_COLOR": "1"}


@pytest.fixture
def document_file(browser, tmp_path) -> Path:
    path = tmp_path / "openapi.json"
    path.write_bytes(browser.get("/api/openapi.json", status=200).body)
    return path


def run(*command) -> subprocess.CompletedProcess:
    if not (BIN / command[0]).exists():
        pytest.fail(f"{BIN / command[0]} is missing: run `npm ci` (make test does)")
    return subprocess.run([str(BIN / command[0]), *command[1:]], capture_output=True, text=True, env=QUIET,
                          timeout=300)


def test_redocly_recommended_finds_nothing(document_file):
    result = run("redocly", "lint", "--extends=recommended", "--format=json", str(document_file))
    report = json.loads(result.stdout)
    assert report["problems"] == [], json.dumps(report["problems"], indent=1)
    assert result.returncode == 0, result.stderr


def test_spectral_oas_finds_nothing(document_file, tmp_path):
    ruleset = tmp_path / ".spectral.yaml"
    ruleset.write_text('extends: ["spectral:oas"]\n')
    report = tmp_path / "spectral.json"
    result = run("spectral", "lint", "--ruleset", str(ruleset), "--format=json", "--output", str(report),
                 "--fail-severity=hint", str(document_file))
    problems = json.loads(report.read_text())
    assert problems == [], json.dumps(problems, indent=1)
    assert result.returncode == 0, result.stderr
