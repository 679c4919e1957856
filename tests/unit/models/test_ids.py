"""Ids from untrusted text: only what a 32-bit INTEGER column can hold."""
import pytest

from tokensite.models.ids import MAX_ID, parse_id


@pytest.mark.parametrize(("text", "expected"), [
    ("1", 1),
    ("42", 42),
    ("007", 7),
    (str(MAX_ID), MAX_ID),
    (str(MAX_ID + 1), None),
    ("9" * 30, None),
    ("0", None),
    ("", None),
    ("-1", None),
    ("+1", None),
    (" 1", None),
    ("1_000", None),
    ("١٢", None),  # Arabic-Indic digits: isdigit() but not ASCII
    ("²", None),
    ("1e3", None),
])
def test_parse_id(text, expected):
    assert parse_id(text) == expected
